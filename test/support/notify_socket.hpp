// A stand-in for systemd's notification socket (sd_notify(3)): an AF_UNIX datagram socket bound
// to a path or, for "@name", an abstract name, that keeps every datagram it receives with the
// time it was read. For the tests of Type=notify and the watchdog.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace testsupport {

class NotifySocket {
public:
    using Clock = std::chrono::steady_clock;
    struct Datagram {
        std::string text;  // "READY=1\nSTATUS=..."
        Clock::time_point at;
        // True when one of its lines is exactly `line` ("WATCHDOG=1").
        bool has_line(const std::string& line) const;
    };
    using Received = std::vector<Datagram>;

    // `address` as $NOTIFY_SOCKET gives it; throws std::runtime_error when it cannot bind.
    explicit NotifySocket(std::string address);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& address() const { return address_; }
    // Everything received so far (reading what is waiting, without blocking).
    const Received& received();
    // Reads until `done(received)` holds; false when `timeout` passes first.
    bool wait_for(const std::function<bool(const Received&)>& done, std::chrono::milliseconds timeout);
    // How many datagrams so far hold `line`.
    std::size_t count(const std::string& line);

private:
    bool read_one(int timeout_ms);

    std::string address_;
    int fd_ = -1;
    Received received_;
};

}  // namespace testsupport

// A network serial server on 127.0.0.1 for tests (what ser2net or an ESP stream server is to
// dlms2mqtt): it accepts one connection at a time and the test writes the meter's bytes to it,
// drops it, or keeps it open and silent.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace testsupport {

class TcpServer {
public:
    TcpServer();   // listens on a free loopback port; throws std::runtime_error
    ~TcpServer();  // closes everything
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

    // Waits for the next client (closing the current one first); false when none came in time.
    bool accept(std::chrono::milliseconds timeout);
    bool connected() const { return client_ >= 0; }
    // Writes every byte to the client; false when it has gone.
    bool write(std::span<const std::uint8_t> bytes);
    // Closes the client's connection (the server keeps listening).
    void drop();
    // True once the client has closed its end (read returns 0 or an error), within `timeout`.
    bool client_closed(std::chrono::milliseconds timeout);
    // How many connections have been accepted so far.
    int accepted() const { return accepted_; }

private:
    int listener_ = -1;
    int client_ = -1;
    int port_ = 0;
    int accepted_ = 0;
};

}  // namespace testsupport

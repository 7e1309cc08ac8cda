// The meter's serial line (termios raw mode; 2400 8N1 for Kamstrup's CCC port), the same byte
// stream from a network serial server (serial.port: tcp://HOST:PORT, e.g. ser2net or an ESP32
// stream server), and capture files or pipes read the same way for --replay.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bridge/config/choices.hpp"
#include "bridge/config/config.hpp"
#include "bridge/config/tcp_endpoint.hpp"

namespace bridge {

// Defaults: Config's, written once there.
struct SerialSettings {
    int baud = Config::Serial{}.baud;
    Parity parity = Config::Serial{}.parity;
    int data_bits = Config::Serial{}.data_bits;
    int stop_bits = Config::Serial{}.stop_bits;
};

// What a read gave: bytes, nothing within the timeout, or the end of the stream (a file's end,
// a vanished device, a closed pty).
struct ReadResult {
    enum class Kind { data, timeout, closed } kind = Kind::timeout;
    std::size_t size = 0;
    std::string error;  // why the stream closed, when it is an error
};

class FdReader {
public:
    FdReader() = default;
    ~FdReader();
    FdReader(const FdReader&) = delete;
    FdReader& operator=(const FdReader&) = delete;

    // Opens a serial device in raw mode. Returns an error text, empty on success.
    std::string open_serial(const std::string& path, const SerialSettings& settings);
    // Connects to a raw TCP stream, with TCP keepalive on so a peer that vanished is noticed.
    // Returns an error text, empty on success.
    std::string open_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
    // The meter's line: a serial device, or "tcp://HOST:PORT" (then `settings` are the serial
    // server's business).
    std::string open_line(const std::string& port, const SerialSettings& settings);
    // Opens a file, or stdin for "-".
    std::string open_file(const std::string& path);
    bool is_open() const { return fd_ >= 0; }
    void close();

    // Waits up to `timeout_ms` (-1: no limit) for bytes; a readable `wake_fd` (a stop request)
    // ends the wait early with Kind::timeout.
    ReadResult read(std::span<std::uint8_t> buffer, int timeout_ms, int wake_fd = -1);

private:
    int fd_ = -1;
    bool owns_ = true;
};

// Human-readable settings, e.g. "2400 8N1".
std::string describe(const SerialSettings& s);

}  // namespace bridge

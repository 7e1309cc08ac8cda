// The reader thread: bytes from the serial port, a network stream or a replayed capture, cut
// into checked link frames (StreamFramer) and handed to the worker through the queue. It never
// waits on anything downstream: a slow or dead broker costs queue slots at worst, never bytes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "bridge/config/config.hpp"
#include "bridge/core/bounded_queue.hpp"
#include "bridge/core/log.hpp"
#include "bridge/core/serial_port.hpp"
#include "bridge/core/stop_signal.hpp"
#include "bridge/outputs/safe_file.hpp"
#include "decoder/stream_framer.hpp"

namespace bridge {

// The meter's line as the bridge device shows it in Home Assistant.
enum class LinkState : std::uint8_t { connecting, connected, silent, disconnected, replay };
std::string_view to_string(LinkState s);

// Counters the reader thread keeps (framing happens there) and the worker reads.
struct ReaderCounters {
    std::atomic<std::uint64_t> corrupt_frames{0};
    std::atomic<std::uint64_t> text_telegrams{0};  // DSMR/P1 text telegrams: counted as not_dlms
    std::atomic<std::uint64_t> garbage_bytes{0};
    std::atomic<LinkState> link{LinkState::connecting};
};

// What the reader needs of the settings (built by component_options.cpp's reader_options()).
struct ReaderOptions {
    std::string port = Config::Serial{}.port;  // a device, or tcp://host:port
    SerialSettings serial;
    std::chrono::seconds push_interval{Config::Meter{}.push_interval};  // a paced replay's pace
    std::string replay;   // capture file, or "-" for stdin; empty = the port
    bool fast = false;    // replay without the meter's pace
    std::string record;   // append the raw bytes here
};

class Reader {
public:
    Reader(ReaderOptions options, BoundedQueue<dlms::LinkFrame>& queue, ReaderCounters& counters, const StopSignal& stop);

    // Reads until stopped, or until a replayed capture ends.
    void run();

    bool failed = false;
    // Called on this thread with a line for systemd's status: first once the input is open or
    // its first attempt to open it failed (the daemon is up, retrying), then when the line is
    // lost or back.
    std::function<void(std::string_view)> on_status;

private:
    void read_replay();
    void read_serial();
    void consume(dlms::ByteView bytes, bool paced);
    void status(const std::string& line) const;

    const ReaderOptions options_;
    BoundedQueue<dlms::LinkFrame>& queue_;
    ReaderCounters& counters_;
    const std::atomic<bool>& stop_;
    const StopSignal& waiter_;  // sleeps that a stop request cuts short
    dlms::StreamFramer framer_;
    std::array<std::uint8_t, 512> buffer_{};
    RecordFile record_{log_to(LogLevel::error)};
    RateLimitedWarning corrupt_log_{log_to(LogLevel::warning)};
};

}  // namespace bridge

#include "bridge/core/serial_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "bridge/config/permissions.hpp"
#include "bridge/core/capture_input.hpp"
#include "bridge/core/log.hpp"
#include "bridge/core/push_json.hpp"

namespace bridge {

using namespace std::chrono_literals;

std::string_view to_string(LinkState s) {
    switch (s) {
        case LinkState::connecting: return "connecting";
        case LinkState::connected: return "connected";
        case LinkState::silent: return "no data";
        case LinkState::disconnected: return "disconnected";
        case LinkState::replay: return "replay";
    }
    return "unknown";
}

Reader::Reader(ReaderOptions options, BoundedQueue<dlms::LinkFrame>& queue, ReaderCounters& counters, const StopSignal& stop)
    : options_(std::move(options)), queue_(queue), counters_(counters), stop_(stop.flag()), waiter_(stop) {}

void Reader::run() {
    // Whatever escapes (an allocation failure, a bug) ends the daemon with one line and exit 1
    // through the closed queue, not std::terminate on this thread.
    try {
        if (!options_.record.empty()) record_.open(options_.record);  // logs why it cannot
        if (options_.replay.empty()) {
            read_serial();
        } else {
            counters_.link = LinkState::replay;
            read_replay();
        }
    } catch (const std::exception& e) {
        log_error(std::string("reader thread stopped: ") + e.what());
        failed = true;
    }
    record_.close();
    queue_.close();
}

void Reader::read_replay() {
    CaptureReader capture;
    if (auto e = capture.open(options_.replay); !e.empty()) {
        log_error("--replay: " + e);
        failed = true;
        return;
    }
    status("replaying " + options_.replay);
    dlms::Bytes chunk;
    while (!stop_) {
        const auto status = capture.next(chunk, 200);
        if (status == CaptureReader::Status::failed) {
            log_error("--replay " + capture.error());
            failed = true;
            return;
        }
        consume(chunk, !options_.fast);
        if (status == CaptureReader::Status::end) return;
    }
}

// The device may be missing at start, or vanish (USB adapter unplugged): retry with a growing
// pause, and log only when the state changes. A network stream is retried sooner (a serial
// server restarts in seconds) and is also given up when it stays silent: a half-open TCP
// connection shows no error, it just never delivers again.
void Reader::read_serial() {
    const auto& settings = options_.serial;
    const std::string& name = options_.port;
    const bool network = is_network_port(name);
    const auto max_backoff = network ? std::chrono::seconds(5) : std::chrono::seconds(30);
    const auto silent_for = silence_limit(options_.push_interval);
    auto backoff = 1s;
    std::string last_error;
    FdReader port;
    auto last_byte = std::chrono::steady_clock::now();
    while (!stop_) {
        if (!port.is_open()) {
            const std::string e = port.open_line(name, settings);
            if (!e.empty()) {
                counters_.link = LinkState::disconnected;
                if (e != last_error) {
                    const bool denied = !network && ::access(name.c_str(), R_OK | W_OK) != 0 && errno == EACCES;
                    log_warning((network ? "" : "serial port ") + e + (denied ? "; " + serial_permission_fix(name) : "") +
                                "; retrying every few seconds");
                    status("waiting for " + name + ": " + e);
                }
                last_error = e;
                if (!waiter_.sleep_for(backoff)) break;
                backoff = std::min<std::chrono::seconds>(backoff * 2, max_backoff);
                continue;
            }
            log_info("reading " + name + (network ? std::string() : " at " + describe(settings)));
            status("reading " + name);
            counters_.link = LinkState::connected;
            last_error.clear();
            backoff = 1s;
            last_byte = std::chrono::steady_clock::now();
        }
        // No timer while the line is quiet: a byte, the silence deadline or the stop wakes us.
        int timeout_ms = -1;
        if (counters_.link != LinkState::silent) {
            const auto left = silent_for - (std::chrono::steady_clock::now() - last_byte);
            timeout_ms = static_cast<int>(std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count()) + 1);
        }
        auto r = port.read(buffer_, timeout_ms, waiter_.fd());
        if (r.kind == ReadResult::Kind::data) {
            last_byte = std::chrono::steady_clock::now();
            counters_.link = LinkState::connected;
            consume(dlms::ByteView(buffer_.data(), r.size), false);
        }
        const bool silent = r.kind == ReadResult::Kind::timeout && std::chrono::steady_clock::now() - last_byte >= silent_for;
        if (silent) counters_.link = LinkState::silent;
        if (silent && network) {
            log_warning(name + ": no byte for " + std::to_string(silent_for.count()) + " s (" + std::to_string(kSilentPushes) +
                        " push intervals); reconnecting");
            last_error = "silent";
            port.close();
            continue;
        }
        if (r.kind == ReadResult::Kind::closed) {
            log_warning((network ? "" : "serial port ") + name + (network ? " closed" : " went away") +
                        (r.error.empty() ? "" : " (" + r.error + ")") + "; waiting for it to return");
            last_error = "gone";
            status(name + (network ? " closed" : " went away") + "; waiting for it to return");
            counters_.link = LinkState::disconnected;
            port.close();
            waiter_.sleep_for(1s);
        }
    }
}

void Reader::status(const std::string& line) const {
    if (on_status) on_status(line);
}

void Reader::consume(dlms::ByteView bytes, bool paced) {
    record_.write(bytes);  // a failure is logged (rate-limited), reading goes on
    dlms::StreamFramer::Handlers h;
    h.on_frame = [&](dlms::LinkFrame&& f) {
        // The serial port cannot be paused, so a full queue drops its oldest frame; a capture
        // can wait, and a replay publishes every push.
        if (options_.replay.empty()) queue_.push(std::move(f));
        else queue_.push_wait(std::move(f), stop_);
        // A capture replayed at the meter's pace: one frame per push interval.
        if (paced) waiter_.sleep_for(options_.push_interval);
    };
    h.on_error = [&](const dlms::Error& e, dlms::ByteView frame) {
        // A P1 port's text telegram is no damage on the wire: said as what it is.
        if (e.code == dlms::ErrorCode::not_dlms) {
            ++counters_.text_telegrams;
            corrupt_log_(e.message);
            return;
        }
        ++counters_.corrupt_frames;
        corrupt_log_(std::string("corrupt frame skipped: ") + e.message + " [" +
                                            std::to_string(frame.size()) + " bytes, starting " + hex_context(frame, 0) + "]");
    };
    framer_.feed(bytes, h);
    counters_.garbage_bytes = framer_.garbage_bytes();
}

}  // namespace bridge

// What the HTTP server shows, as the worker thread last told it: each meter's last record, the
// line's state and counters, the last error. The worker's part is a lock and a pointer copy; the
// server's threads copy the snapshot under the same lock and render outside it, so a slow client
// never holds up a push.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "bridge/outputs/output.hpp"

namespace bridge {

struct LiveSnapshot {
    using Clock = std::chrono::system_clock;
    std::map<std::string, RecordPtr> meters;  // by meter slug (as in the MQTT topics)
    std::string link = "connecting";          // "connected", "no data", "disconnected", "replay"
    dlms::DecodeStats stats;                  // the line's decoder counters
    std::string ledger = "off", ledger_message;
    std::string last_error;                   // the kind ("wrong_key", ...); empty: none yet
    std::string last_error_message;           // the decoder's text: never key material
    Clock::time_point last_error_at{};
    std::uint64_t sequence = 0;               // one more with every push: the page's "anything new?"
};

class LiveView {
public:
    void push(const RecordPtr& record);
    void failure(const Failure& failure);
    void line(const LineState& line);
    LiveSnapshot snapshot() const;

private:
    mutable std::mutex mutex_;
    LiveSnapshot state_;
    std::map<std::string, std::string, std::less<>> slugs_;  // serial -> slug, made once per meter
};

}  // namespace bridge

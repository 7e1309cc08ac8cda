// What every output (MQTT, UDP, CSV, and whatever comes next) is to the daemon: four events,
// all on the worker thread, one at a time. The daemon keeps a list of outputs and knows none of
// them by name; an output takes what it needs and leaves the rest (each has a default that does
// nothing). An output must never block for long (MQTT queues, CSV appends a line) and must never
// throw: a failing output logs and counts, the others go on.
#pragma once

#include <chrono>
#include <string_view>

#include "bridge/record/record.hpp"
#include "decoder/decoder.hpp"

namespace bridge {

// A frame that did not become a push: what went wrong, and the meter when the frame's header
// named one (the system title of a ciphered push is readable even with the wrong keys).
struct Failure {
    const dlms::Error& error;
    dlms::ByteView system_title;                        // empty when the frame named no meter
    const dlms::DecodeStats& stats;                      // decoder counters after this failure
    std::chrono::system_clock::time_point when;
};

// The line's state ("connected", "no data", "disconnected", "replay") and the decoder's counters as
// they stand (corrupt frames are counted before any push decodes).
struct LineState {
    std::string_view link;
    const dlms::DecodeStats& stats;
    std::chrono::system_clock::time_point now;
    // The ledger: "ok", "off" or "error", and what went wrong (empty when nothing did).
    std::string_view ledger = "off";
    std::string_view ledger_message = {};
};

class Output {
public:
    virtual ~Output() = default;
    // Once every output is made (a bad setting of any is a start-up error first), before the
    // first event; and after the last event, before the output is destroyed.
    virtual void start() {}
    virtual void finish() {}
    // An accepted push. The record is shared: an output may keep it.
    virtual void push(const RecordPtr& record) = 0;
    virtual void failure(const Failure&) {}
    // About every half push interval (never more often than once a second), with the line's
    // state as it stands: for what moves with time (a meter gone silent, counters to republish).
    virtual void tick(const LineState&) {}
    // The line's state changed (also its first state); comes before the tick that saw it.
    virtual void link_changed(const LineState&) {}
};

}  // namespace bridge

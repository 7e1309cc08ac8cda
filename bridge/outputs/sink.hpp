// Where a decoded push goes: MQTT, UDP, CSV, stdout. Sinks run on the worker thread, one push at
// a time; a sink must never block for long (the MQTT sink queues, the CSV sink appends a line)
// and must never throw: a failing sink logs and counts, the others go on.
#pragma once

#include <chrono>
#include <optional>

#include "decoder/decoder.hpp"
#include "decoder/push.hpp"
#include "ha_discovery/state.hpp"

namespace bridge {

struct Delivery {
    const dlms::Push& push;
    const dlms::DecodeStats& stats;                      // decoder counters after this push
    std::chrono::system_clock::time_point received;     // when the push was decoded

    // The push's readings with their published keys, derived once for every sink that asks.
    const ha::KeyedReadings& keyed() const {
        if (!keyed_cache) keyed_cache = ha::keyed_readings(push);
        return *keyed_cache;
    }
    mutable std::optional<ha::KeyedReadings> keyed_cache{};
};

// A frame that did not become a push: what went wrong, and the meter when the frame's header
// named one (the system title of a ciphered push is readable even with the wrong keys).
struct Failure {
    const dlms::Error& error;
    dlms::ByteView system_title;                        // empty when the frame named no meter
    const dlms::DecodeStats& stats;                      // decoder counters after this failure
    std::chrono::system_clock::time_point when;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual void take(const Delivery& delivery) = 0;
};

}  // namespace bridge

// What Home Assistant should know about each reading key: one table, keyed by the stable keys
// of decoder/meter_profile.cpp. Units here are the display units of the state JSON (energy in
// kWh/kvarh, so that the Energy dashboard accepts the counters without a template).
#pragma once

#include <span>
#include <string_view>

namespace ha {

struct SensorSpec {
    std::string_view key;             // reading key, also the key in the state JSON
    std::string_view name;            // short entity name; Home Assistant prefixes the device name
    std::string_view device_class;    // empty: none
    std::string_view state_class;     // empty: none (text, timestamp)
    std::string_view unit;            // empty: unitless
    int precision = -1;               // suggested_display_precision; -1: not set
    std::string_view entity_category; // empty or "diagnostic"
    std::string_view icon;            // empty: the device class icon
};

// The entry for a reading key, or nullptr when the key has no entry.
const SensorSpec* find_sensor(std::string_view key);

// The bridge's own per-meter entities, fed from the diagnostics topic.
std::span<const SensorSpec> diagnostic_sensors();

}  // namespace ha

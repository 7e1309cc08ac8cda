// Home Assistant's JSON: the state object of a push (each reading in its display unit, the number
// from dlms::scaled_number), the meter's diagnostics and the bridge's state, and their parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "decoder/decoder.hpp"
#include "decoder/push.hpp"

namespace ha {

// What a date-time gets when the meter sent no UTC offset (its clock says "not specified", as
// Kamstrup's does). `local`: this machine's local offset for that local time, because Home
// Assistant's timestamp sensors refuse a time without an offset (the MQTT state). `none`: the
// wall time as the meter sent it, no offset guessed (UDP, CSV). An offset the meter sends is
// always printed.
enum class NoOffset : std::uint8_t { local, none };

// One state object per push: every reading scaled to its display unit, keyed by reading key,
// plus "power_net" (W, import minus export) when both exist, "list_id", "frame_counter" (when
// encrypted) and "meter_time" (the notification time with a UTC offset).
nlohmann::json state_json(const dlms::Push& push);

// The readings of a push worth publishing, with their keys (see keyed_readings below).
using KeyedReadings = std::vector<std::pair<std::string, const dlms::Reading*>>;
// The same, from readings already keyed (the daemon keys each push once for every output).
nlohmann::json state_json(const dlms::Push& push, const KeyedReadings& keyed, NoOffset no_offset = NoOffset::local);

// The display value of each keyed reading (reading_value below), in the same order.
std::vector<nlohmann::json> reading_values(const KeyedReadings& keyed, NoOffset no_offset = NoOffset::local);
// The same, from values already computed (moved in): the record of a push scales each reading once.
nlohmann::json state_json(const dlms::Push& push, const KeyedReadings& keyed, std::vector<nlohmann::json> values,
                          NoOffset no_offset);

// The last thing that went wrong with a meter's pushes; empty kind = nothing yet.
struct LastError {
    std::string_view kind;     // dlms::to_string(ErrorCode): "wrong_key", "not_encrypted", ...
    std::string_view message;  // the decoder's static text: never key material
};

// The bridge's counters for one meter: frame_counter, pushes, missed_pushes, errors (by kind,
// every kind present), error_total, garbage_bytes, seconds_since_last_push (null before the
// first good push), last_error ("none" or the kind) and last_error_message.
nlohmann::json diagnostics_json(const dlms::DecodeStats& stats, std::uint32_t frame_counter,
                                double seconds_since_last_push, const LastError& last_error = {});
// The same object updated in place: its keys are made once, on the first call (it goes out with
// every push).
void update_diagnostics(nlohmann::json& out, const dlms::DecodeStats& stats, std::uint32_t frame_counter,
                        double seconds_since_last_push, const LastError& last_error = {});

// The ledger as the bridge device shows it: "ok", "off" (ledger.enabled: false) or "error", and
// what went wrong (the file and the fix), empty when nothing did.
struct LedgerState {
    std::string_view state = "off";
    std::string_view message;
};

// The bridge device's state (<base>/bridge/state): the meter line ("connected", "no data",
// "disconnected", "replay"), the line's counters, its last error and the ledger's state.
nlohmann::json bridge_state_json(std::string_view serial_link, const dlms::DecodeStats& stats,
                                 const LastError& last_error, const LedgerState& ledger = {});

// ---- Building blocks, shared with discovery and usable by other sinks ----

// The key a reading is published under: Reading::key when set, else "obis_A_B_C_D_E_F", else
// "value_<index>" (`position` in the push stands in when the reading has no index).
std::string reading_key(const dlms::Reading& reading, std::size_t position);

// The readings of a push worth publishing, with their keys, in push order: the first reading of
// a key wins, and values the meter left empty (null-data) are left out.
KeyedReadings keyed_readings(const dlms::Push& push);

// How a unit is shown: energy in kilo-units ("kWh" for Wh, "kvarh" for varh, the decimal
// exponent shifted by -3), everything else in its DLMS symbol unscaled. The one place this rule is
// written: values, discovery's unit_of_measurement and the CSV headers all follow it.
struct Display {
    std::string_view unit;
    int shift = 0;
};
Display display_of(dlms::Unit unit);

// display_of(reading.unit).unit.
std::string_view display_unit(const dlms::Reading& reading);

// The value as published: numbers in the display unit (an integer when the wire value needs no
// decimals, a double otherwise, so one reading keeps one JSON type), strings as strings, a
// date-time as ISO 8601 with offset; null when there is nothing to show.
nlohmann::json reading_value(const dlms::Reading& reading, NoOffset no_offset = NoOffset::local);

// "YYYY-MM-DDTHH:MM:SS+hh:mm". The offset is the meter's deviation when it sends one, else as
// `no_offset` says (this machine's local offset for that local time, or none).
// nullopt when the date or time of day is not specified.
std::optional<std::string> iso8601(const dlms::DateTime& time, NoOffset no_offset = NoOffset::local);

}  // namespace ha

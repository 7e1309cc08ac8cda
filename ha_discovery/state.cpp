#include "ha_discovery/state.hpp"

#include <algorithm>
#include <utility>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <type_traits>
#include <variant>

#include "decoder/bytes.hpp"

namespace ha {
namespace {

using nlohmann::json;

json number_value(const dlms::Reading& r) {
    const auto n = dlms::scaled_number(r, display_of(r.unit).shift);
    if (!n) return nullptr;
    return std::visit([](auto v) { return json(v); }, *n);
}

// The offset of this machine's local time from UTC, in minutes, at that local wall-clock time.
// tm_isdst = -1 lets mktime decide whether summer time applies.
long local_offset_minutes(const dlms::DateTime& t) {
    std::tm tm = dlms::wall_clock_tm(t);
    if (std::mktime(&tm) == static_cast<std::time_t>(-1)) return 0;
    return tm.tm_gmtoff / 60;
}

bool date_time_specified(const dlms::DateTime& t) {
    return t.year != 0xFFFF && t.year >= 1970 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
           t.day <= 31 && t.hour <= 23 && t.minute <= 59;
}

// Import minus export, keeping integers integers.
json difference(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer())
        return a.get<std::int64_t>() - b.get<std::int64_t>();
    return a.get<double>() - b.get<double>();
}

}  // namespace

std::optional<std::string> iso8601(const dlms::DateTime& t, NoOffset no_offset) {
    if (!date_time_specified(t)) return std::nullopt;
    // Fixed-width digits written directly: this runs for every clock value of every push, and
    // printf's format parsing cost more than the rest of the state together.
    std::string out = "0000-00-00T00:00:00";
    const auto put = [&out](std::size_t at, unsigned value, std::size_t width) {
        for (std::size_t i = width; i-- > 0; value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, unsigned{t.year} % 10000, 4);
    put(5, t.month, 2);
    put(8, t.day, 2);
    put(11, t.hour, 2);
    put(14, t.minute, 2);
    put(17, t.second > 59 ? 0U : unsigned{t.second}, 2);
    // No offset from the meter and none to be guessed: the wall time as the meter sent it.
    if (!t.has_offset() && no_offset == NoOffset::none) return out;
    // COSEM deviation is UTC minus local time (-120 for CEST). A UTC offset is less than a day;
    // the clamp only keeps the formatting bounded.
    const long offset = std::clamp(t.has_offset() ? -long{t.deviation} : local_offset_minutes(t), -1439L, 1439L);
    const auto magnitude = static_cast<unsigned>(std::labs(offset));
    out += offset < 0 ? "-00:00" : "+00:00";
    put(20, magnitude / 60, 2);
    put(23, magnitude % 60, 2);
    return out;
}

std::string reading_key(const dlms::Reading& reading, std::size_t position) {
    if (!reading.key.empty()) return std::string(reading.key);
    if (reading.obis) {
        std::string key = "obis";
        for (auto v : reading.obis->v) {
            key += '_';
            key += std::to_string(v);
        }
        return key;
    }
    const std::size_t index = reading.index >= 0 ? static_cast<std::size_t>(reading.index) : position;
    return "value_" + std::to_string(index);
}

KeyedReadings keyed_readings(const dlms::Push& push) {
    KeyedReadings out;
    out.reserve(push.readings.size());
    for (std::size_t i = 0; i < push.readings.size(); ++i) {
        const auto& r = push.readings[i];
        if (std::holds_alternative<std::monostate>(r.raw)) continue;
        std::string key = reading_key(r, i);
        // A push has a few dozen readings: a scan is cheaper than a set of copied keys.
        const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& e) { return e.first == key; });
        if (!seen) out.emplace_back(std::move(key), &r);
    }
    return out;
}

// The one display rule: energy goes out in kilo-units (the decimal exponent shifted by -3).
Display display_of(dlms::Unit unit) {
    switch (unit) {
        case dlms::Unit::watt_hour: return {"kWh", -3};
        case dlms::Unit::var_hour: return {"kvarh", -3};
        default: return {dlms::unit_symbol(unit), 0};
    }
}

std::string_view display_unit(const dlms::Reading& reading) { return display_of(reading.unit).unit; }

json reading_value(const dlms::Reading& r, NoOffset no_offset) {
    if (r.is_number()) return number_value(r);
    if (auto* b = std::get_if<bool>(&r.raw)) return *b;
    if (auto* s = std::get_if<std::string>(&r.raw)) return *s;
    // An octet string left as bytes is not text (the decoder made printable ones text): hex.
    if (auto* o = std::get_if<dlms::OctetString>(&r.raw)) return dlms::to_hex(o->bytes);
    if (auto* t = std::get_if<dlms::DateTime>(&r.raw)) {
        if (auto iso = iso8601(*t, no_offset)) return *iso;
    }
    return nullptr;
}

json state_json(const dlms::Push& push) { return state_json(push, keyed_readings(push)); }

std::vector<json> reading_values(const KeyedReadings& keyed, NoOffset no_offset) {
    std::vector<json> values;
    values.reserve(keyed.size());
    for (const auto& entry : keyed) values.push_back(reading_value(*entry.second, no_offset));
    return values;
}

json state_json(const dlms::Push& push, const KeyedReadings& keyed, NoOffset no_offset) {
    return state_json(push, keyed, reading_values(keyed, no_offset), no_offset);
}

json state_json(const dlms::Push& push, const KeyedReadings& keyed, std::vector<json> values, NoOffset no_offset) {
    json state = json::object();
    for (std::size_t i = 0; i < keyed.size() && i < values.size(); ++i) state[keyed[i].first] = std::move(values[i]);

    const auto in = state.find("power_import");
    const auto out = state.find("power_export");
    if (in != state.end() && out != state.end() && in->is_number() && out->is_number())
        state["power_net"] = difference(*in, *out);

    if (!push.list_id.empty()) state["list_id"] = push.list_id;
    if (push.security != dlms::Security::none) state["frame_counter"] = push.frame_counter;
    if (push.notification_time) {
        if (auto iso = iso8601(*push.notification_time, no_offset)) state["meter_time"] = *iso;
    }
    return state;
}

namespace {
json errors_by_kind(const dlms::DecodeStats& stats) {
    json errors = json::object();
    for (std::size_t i = 0; i < dlms::kErrorCodeCount; ++i)
        errors[std::string(dlms::to_string(static_cast<dlms::ErrorCode>(i)))] = stats.errors[i];
    return errors;
}

void add_last_error(json& out, const LastError& last_error) {
    out["last_error"] = last_error.kind.empty() ? std::string("none") : std::string(last_error.kind);
    out["last_error_message"] = std::string(last_error.message);
}
}  // namespace

json bridge_state_json(std::string_view serial_link, const dlms::DecodeStats& stats, const LastError& last_error,
                       const LedgerState& ledger) {
    json out = {
        {"serial_link", std::string(serial_link)},
        {"pushes", stats.pushes},
        {"errors", errors_by_kind(stats)},
        {"error_total", stats.error_total()},
        {"ledger", std::string(ledger.state)},
        {"ledger_message", std::string(ledger.message)},
    };
    add_last_error(out, last_error);
    return out;
}

void update_diagnostics(json& out, const dlms::DecodeStats& stats, std::uint32_t frame_counter,
                        double seconds_since_last_push, const LastError& last_error) {
    // operator[] on a key the object already has assigns in place: once the object exists, an
    // update allocates no key and no node.
    out["frame_counter"] = frame_counter;
    out["pushes"] = stats.pushes;
    out["missed_pushes"] = stats.missed_pushes;
    out["unplaced_values"] = stats.unplaced_values;
    json& errors = out["errors"];
    if (!errors.is_object()) errors = errors_by_kind(stats);
    for (std::size_t i = 0; i < dlms::kErrorCodeCount; ++i)
        errors[dlms::to_string(static_cast<dlms::ErrorCode>(i))] = stats.errors[i];
    out["error_total"] = stats.error_total();
    out["garbage_bytes"] = stats.garbage_bytes;
    // Before the first push there is no age to report: null shows as "unknown".
    if (std::isfinite(seconds_since_last_push) && seconds_since_last_push >= 0)
        out["seconds_since_last_push"] = std::round(seconds_since_last_push * 10.0) / 10.0;
    else
        out["seconds_since_last_push"] = nullptr;
    out["last_error"] = last_error.kind.empty() ? std::string_view("none") : last_error.kind;
    out["last_error_message"] = last_error.message;
}

json diagnostics_json(const dlms::DecodeStats& stats, std::uint32_t frame_counter,
                      double seconds_since_last_push, const LastError& last_error) {
    json out = json::object();
    update_diagnostics(out, stats, frame_counter, seconds_since_last_push, last_error);
    return out;
}

}  // namespace ha

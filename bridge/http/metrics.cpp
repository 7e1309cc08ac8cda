#include "bridge/http/metrics.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "decoder/result.hpp"
#include "ha_discovery/sensors.hpp"

namespace bridge {
namespace {

constexpr double kSecondsPerHour = 3600.0;
constexpr double kJoulesPerWh = kSecondsPerHour;

struct Family {
    std::string type;  // "counter" or "gauge"
    std::string help;
    std::vector<std::string> samples;  // whole lines
};
using Families = std::map<std::string, Family>;  // by metric name: one block each, in name order

// A number as Prometheus reads it: integers without a decimal point, others shortest-exact.
std::string number_text(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

// A label value with \, " and newline escaped.
std::string label_value(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void add(Families& families, const std::string& name, std::string_view type, std::string_view help,
         std::string_view labels, double value) {
    Family& f = families[name];
    if (f.type.empty()) {
        f.type = type;
        f.help = help;
    }
    f.samples.push_back(name + (labels.empty() ? std::string() : "{" + std::string(labels) + "}") + " " +
                        number_text(value));
}

// [a-zA-Z0-9_] from a reading key (keys are already that; a meter's OBIS fallback keys too).
std::string metric_part(std::string_view key) {
    std::string out;
    for (char c : key) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

// How a reading in its wire unit goes out: the name's unit suffix, the factor to it, and whether
// it only ever grows (a register).
struct Conversion {
    std::string_view suffix;
    double factor = 1;
    bool counter = false;
};

Conversion conversion(dlms::Unit unit, std::string_view key) {
    switch (unit) {
        case dlms::Unit::watt: return {"_watts"};
        case dlms::Unit::volt_ampere: return {"_volt_amperes"};
        case dlms::Unit::var: return {"_vars"};
        case dlms::Unit::watt_hour: return {"_joules", kJoulesPerWh, true};
        case dlms::Unit::volt_ampere_hour: return {"_volt_ampere_seconds", kSecondsPerHour, true};
        case dlms::Unit::var_hour: return {"_var_seconds", kSecondsPerHour, true};
        case dlms::Unit::ampere: return {"_amperes"};
        case dlms::Unit::volt: return {"_volts"};
        case dlms::Unit::hertz: return {"_hertz"};
        case dlms::Unit::celsius: return {"_celsius"};
        case dlms::Unit::second: return {"_seconds"};
        case dlms::Unit::minute: return {"_seconds", 60};
        case dlms::Unit::hour: return {"_seconds", 3600};
        case dlms::Unit::day: return {"_seconds", 86400};
        default: break;
    }
    if (key.find("power_factor") != std::string_view::npos) return {"_ratio"};
    return {""};
}

std::string help_of(std::string_view key, std::string_view fallback) {
    if (const auto* spec = ha::find_sensor(key)) return std::string(spec->name);
    return std::string(fallback);
}

void add_meter(Families& out, const std::string& slug, const Record& record) {
    const std::string meter = "meter=\"" + label_value(slug) + "\"";
    for (const auto& [key, reading] : record.keyed()) {
        if (!reading->is_number()) continue;
        const auto value = reading->value();
        if (!value) continue;
        const Conversion c = conversion(reading->unit, key);
        std::string name = "dlms2mqtt_" + metric_part(key) + std::string(c.suffix);
        if (c.counter) name += "_total";
        add(out, name, c.counter ? "counter" : "gauge", help_of(key, key), meter, *value * c.factor);
    }
    const auto& state = record.state();
    if (const auto net = state.find("power_net"); net != state.end() && net->is_number())
        add(out, "dlms2mqtt_power_net_watts", "gauge", "Import minus export power", meter, net->get<double>());
    if (const auto time = state.find("meter_time"); time != state.end() && time->is_string()) {
        if (const auto t = unix_time_of(time->get<std::string>()))
            add(out, "dlms2mqtt_meter_clock_timestamp_seconds", "gauge", "The meter's clock in its last push", meter, *t);
    }
    if (const auto counter = state.find("frame_counter"); counter != state.end() && counter->is_number())
        add(out, "dlms2mqtt_invocation", "gauge", "The invocation counter of the last push (frame_counter)", meter,
            counter->get<double>());
    add(out, "dlms2mqtt_last_push_timestamp_seconds", "gauge", "When the last push of the meter was decoded", meter,
        std::chrono::duration<double>(record.received().time_since_epoch()).count());
    const std::string list = state.contains("list_id") ? state["list_id"].get<std::string>() : std::string();
    add(out, "dlms2mqtt_meter_info", "gauge", "The meter's list (push layout)",
        meter + ",list_id=\"" + label_value(list) + "\"", 1);

    if (const auto& totals = record.totals()) {
        const auto energy = [&](const char* name, const char* help, std::optional<double> wh) {
            if (wh) add(out, name, "gauge", help, meter, *wh * kJoulesPerWh);
        };
        energy("dlms2mqtt_energy_import_today_joules", "Import today (local time, the meter's clock)", totals->import_today);
        energy("dlms2mqtt_energy_export_today_joules", "Export today (local time, the meter's clock)", totals->export_today);
        energy("dlms2mqtt_energy_import_this_month_joules", "Import this month", totals->import_this_month);
        energy("dlms2mqtt_energy_export_this_month_joules", "Export this month", totals->export_this_month);
        energy("dlms2mqtt_energy_import_last_quarter_hour_joules", "Import in the last complete quarter-hour",
               totals->import_last_quarter_hour);
        energy("dlms2mqtt_energy_import_last_hour_joules", "Import in the last complete hour", totals->import_last_hour);
        if (totals->capacity_kw)
            add(out, "dlms2mqtt_capacity_peaks_mean_watts", "gauge", "Capacity tariff: the mean of the month's peaks", meter,
                *totals->capacity_kw * 1000.0);
        if (totals->capacity_step)
            add(out, "dlms2mqtt_capacity_step", "gauge", "Capacity tariff: the step the peaks fall in", meter,
                *totals->capacity_step);
    }
}

void add_line(Families& out, const LiveSnapshot& s, std::string_view version) {
    const auto& st = s.stats;
    const auto counter = [&](const char* name, const char* help, std::uint64_t v) {
        add(out, name, "counter", help, "", static_cast<double>(v));
    };
    counter("dlms2mqtt_pushes_total", "Pushes decoded", st.pushes);
    counter("dlms2mqtt_frames_total", "Link-layer frames that passed their checks", st.frames);
    counter("dlms2mqtt_missed_pushes_total", "Gaps in the meters' invocation counters", st.missed_pushes);
    counter("dlms2mqtt_garbage_bytes_total", "Bytes skipped while finding the next frame", st.garbage_bytes);
    counter("dlms2mqtt_invocation_resets_total", "A meter's invocation counter started again", st.counter_resets);
    for (std::size_t i = 0; i < dlms::kErrorCodeCount; ++i) {
        const std::string kind(dlms::to_string(static_cast<dlms::ErrorCode>(i)));
        add(out, "dlms2mqtt_errors_total", "counter", "Frames or pushes that failed, by kind",
            "kind=\"" + kind + "\"", static_cast<double>(st.errors[i]));
    }
    for (const char* link : {"connected", "no data", "disconnected", "replay", "connecting"})
        add(out, "dlms2mqtt_link", "gauge", "The meter line's state (1 for the current one)",
            "state=\"" + std::string(link) + "\"", s.link == link ? 1 : 0);
    for (const char* ledger : {"ok", "off", "error"})
        add(out, "dlms2mqtt_ledger", "gauge", "The ledger's state (1 for the current one)",
            "state=\"" + std::string(ledger) + "\"", s.ledger == ledger ? 1 : 0);
    if (s.last_error_at != LiveSnapshot::Clock::time_point{})
        add(out, "dlms2mqtt_last_error_timestamp_seconds", "gauge", "When the last error happened", "",
            std::chrono::duration<double>(s.last_error_at.time_since_epoch()).count());
    add(out, "dlms2mqtt_build_info", "gauge", "The running version", "version=\"" + label_value(version) + "\"", 1);
}

}  // namespace

std::optional<double> unix_time_of(std::string_view iso) {
    // YYYY-MM-DDTHH:MM:SS then Z or ±hh:mm; nothing else is written by ha::iso8601.
    if (iso.size() < 20) return std::nullopt;
    int year, month, day, hour, minute, second;
    char sep, sign = 0;
    const std::string text(iso);
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &sep, &hour, &minute, &second,
                    &consumed) != 7 || (sep != 'T' && sep != ' '))
        return std::nullopt;
    std::string_view rest = iso.substr(static_cast<std::size_t>(consumed));
    int offset_minutes = 0;
    if (rest == "Z") {
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        sign = rest[0];
        int oh = 0, om = 0;
        if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) return std::nullopt;
        offset_minutes = (sign == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<double>(timegm(&tm)) - offset_minutes * 60.0;
}

std::string prometheus_text(const LiveSnapshot& snapshot, std::string_view version) {
    Families families;
    for (const auto& [slug, record] : snapshot.meters) add_meter(families, slug, *record);
    add_line(families, snapshot, version);
    std::string out;
    out.reserve(8192);
    for (const auto& [name, family] : families) {
        out += "# HELP " + name + " " + family.help + "\n";
        out += "# TYPE " + name + " " + family.type + "\n";
        for (const auto& line : family.samples) out += line + "\n";
    }
    return out;
}

}  // namespace bridge

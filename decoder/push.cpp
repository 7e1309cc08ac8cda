#include "decoder/push.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

namespace dlms {

std::string DateTime::iso() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u", unsigned{year}, unsigned{month},
                  unsigned{day}, unsigned{hour}, unsigned{minute}, unsigned{second});
    return buf;
}

std::string DateTime::iso8601() const {
    std::string out = iso();
    if (!has_offset()) return out;
    const int offset = -deviation;
    const unsigned magnitude = static_cast<unsigned>(offset < 0 ? -offset : offset);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%c%02u:%02u", offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    return out + buf;
}

std::string_view unit_symbol(Unit u) {
    switch (u) {
        case Unit::year: return "a";
        case Unit::month: return "mo";
        case Unit::week: return "wk";
        case Unit::day: return "d";
        case Unit::hour: return "h";
        case Unit::minute: return "min";
        case Unit::second: return "s";
        case Unit::degree: return "°";
        case Unit::celsius: return "°C";
        case Unit::watt: return "W";
        case Unit::volt_ampere: return "VA";
        case Unit::var: return "var";
        case Unit::watt_hour: return "Wh";
        case Unit::volt_ampere_hour: return "VAh";
        case Unit::var_hour: return "varh";
        case Unit::ampere: return "A";
        case Unit::coulomb: return "C";
        case Unit::volt: return "V";
        case Unit::hertz: return "Hz";
        case Unit::none:
        case Unit::count: return "";
    }
    return "";
}

namespace {
// raw × 10^exponent with one rounding step: dividing by an exact power of ten prints as the
// meter's decimals (22199 × 10^-2 → 221.99), multiplying by 10^-2 would give 221.98999999999998.
std::optional<Number> scale_double(double raw, int exponent) {
    if (!std::isfinite(raw)) return std::nullopt;
    if (raw == 0) return Number{0.0};
    const double v = exponent >= 0 ? raw * std::pow(10.0, exponent) : raw / std::pow(10.0, -exponent);
    if (!std::isfinite(v)) return std::nullopt;
    return Number{v};
}

// Exact while the product fits, so energy counters keep their last digit; else a double.
template <typename Int>
std::optional<Number> scale_integer(Int raw, int exponent) {
    if (exponent < 0) return scale_double(static_cast<double>(raw), exponent);
    Int value = raw;
    for (int i = 0; i < exponent && value != 0; ++i) {
        bool overflow = value > std::numeric_limits<Int>::max() / 10;
        if constexpr (std::is_signed_v<Int>) overflow = overflow || value < std::numeric_limits<Int>::min() / 10;
        if (overflow) return scale_double(static_cast<double>(raw), exponent);
        value = static_cast<Int>(value * 10);
    }
    return Number{value};
}
}  // namespace

double to_double(const Number& n) {
    return std::visit([](auto v) { return static_cast<double>(v); }, n);
}

std::optional<Number> scaled_number(const Reading& r, int shift) {
    const int exponent = int{r.scaler} + shift;
    if (auto* i = std::get_if<std::int64_t>(&r.raw)) return scale_integer(*i, exponent);
    if (auto* u = std::get_if<std::uint64_t>(&r.raw)) return scale_integer(*u, exponent);
    if (auto* d = std::get_if<double>(&r.raw)) return scale_double(*d, exponent);
    return std::nullopt;
}

std::optional<double> Reading::value() const {
    auto n = scaled_number(*this);
    if (!n) return std::nullopt;
    return to_double(*n);
}

std::string Push::manufacturer() const {
    if (system_title.size() >= 3) {
        std::string m;
        for (std::size_t i = 0; i < 3; ++i) {
            const auto c = static_cast<char>(system_title[i]);
            m.push_back((c >= 0x20 && c < 0x7F) ? c : '?');
        }
        return m;
    }
    if (list_id.starts_with("Kamstrup")) return "KAM";
    if (list_id.starts_with("KFM")) return "KFM";
    if (list_id.starts_with("AIDON")) return "AIN";
    if (list_id.starts_with("LGZ") || list_id.starts_with("LGF")) return "LGZ";
    if (list_id.starts_with("ISK")) return "ISK";
    // Logical device names such as "LGZ1030163598905" say who made the meter.
    for (const auto& r : readings) {
        if (r.key == "logical_device_name" || r.key == "meter_id") {
            if (auto* s = std::get_if<std::string>(&r.raw); s && s->size() >= 3) {
                const std::string prefix = s->substr(0, 3);
                if (prefix == "LGZ" || prefix == "KFM" || prefix == "ISK" || prefix == "KAM") return prefix;
            }
        }
    }
    return "";
}

std::string_view manufacturer_name(std::string_view code) {
    if (code == "KAM") return "Kamstrup";
    if (code == "KFM") return "Kaifa";
    if (code == "LGZ" || code == "LGF") return "Landis+Gyr";
    if (code == "ISK") return "Iskraemeco";
    if (code == "AIN" || code == "ADN") return "Aidon";
    if (code == "SAG") return "Sagemcom";
    if (code == "ELS") return "Elster";
    return code;
}

std::string Push::meter_serial() const {
    // Stable across a meter's lists (the 10-second list and the hourly list carry different
    // readings), so the system title wins where it names the meter: Kamstrup's last four bytes
    // are the meter number printed on it (0x01A4DC52 = 27581522).
    auto title_number = [this] {
        std::uint64_t n = 0;
        for (std::size_t i = 4; i < 8; ++i) n = (n << 8) | system_title[i];
        return std::to_string(n);
    };
    if (system_title.size() == 8 && manufacturer() == "KAM") return title_number();
    static constexpr std::string_view keys[] = {"meter_number", "meter_id", "meter_id_2"};
    for (auto want : keys) {
        for (const auto& r : readings) {
            if (r.key != want) continue;
            if (auto* s = std::get_if<std::string>(&r.raw); s && !s->empty()) return *s;
            if (auto* u = std::get_if<std::uint64_t>(&r.raw)) return std::to_string(*u);
            if (auto* i = std::get_if<std::int64_t>(&r.raw)) return std::to_string(*i);
        }
    }
    if (system_title.size() == 8) return title_number();
    return "";
}

std::tm wall_clock_tm(const DateTime& t) {
    std::tm tm{};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = t.month - 1;
    tm.tm_mday = t.day;
    tm.tm_hour = t.hour;
    tm.tm_min = t.minute;
    tm.tm_sec = t.second > 59 ? 0 : t.second;
    tm.tm_isdst = -1;
    return tm;
}

const Reading* Push::find(std::string_view key) const {
    for (const auto& r : readings)
        if (r.key == key) return &r;
    return nullptr;
}

const Reading* Push::find(const Obis& obis) const {
    for (const auto& r : readings)
        if (r.obis && *r.obis == obis) return &r;
    return nullptr;
}

void Push::clear() {
    system_title.clear();
    frame_counter = 0;
    security = Security::none;
    invoke_id = 0;
    list_id.clear();
    notification_time.reset();
    readings.clear();
    unplaced_values = 0;
    warnings.clear();
}

}  // namespace dlms

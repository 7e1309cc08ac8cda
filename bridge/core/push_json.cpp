#include "bridge/core/push_json.hpp"

#include <cmath>

namespace bridge {

using json = nlohmann::ordered_json;

json raw_json(const dlms::RawValue& raw) {
    return std::visit(
        [](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
            else if constexpr (std::is_same_v<T, dlms::OctetString>) return dlms::to_hex(v.bytes);
            else if constexpr (std::is_same_v<T, dlms::DateTime>) return v.iso();
            else return v;
        },
        raw);
}

json push_json(const dlms::Push& p) {
    json out;
    out["system_title"] = p.system_title.empty() ? json(nullptr) : json(dlms::to_hex(p.system_title));
    out["manufacturer"] = p.manufacturer();
    out["frame_counter"] = p.security == dlms::Security::none ? json(nullptr) : json(p.frame_counter);
    out["security"] = std::string(dlms::to_string(p.security));
    out["list_id"] = p.list_id.empty() ? json(nullptr) : json(p.list_id);
    out["notification_time"] = p.notification_time ? json(p.notification_time->iso()) : json(nullptr);
    json readings = json::array();
    for (const auto& r : p.readings) {
        json j;
        j["obis"] = r.obis ? json(r.obis->to_string()) : json(nullptr);
        if (r.index >= 0) j["index"] = r.index;
        j["key"] = r.key.empty() ? json(nullptr) : json(std::string(r.key));
        j["raw"] = raw_json(r.raw);
        if (r.is_number()) {
            j["scaler"] = int{r.scaler};
            const auto unit = dlms::unit_symbol(r.unit);
            j["unit"] = unit.empty() ? json(nullptr) : json(std::string(unit));
            const auto n = dlms::scaled_number(r);
            j["value"] = n ? std::visit([](auto v) { return json(v); }, *n) : json(nullptr);
        }
        readings.push_back(std::move(j));
    }
    out["readings"] = std::move(readings);
    // Only when something was not understood, so that complete pushes print as before.
    if (p.unplaced_values > 0) out["unplaced_values"] = p.unplaced_values;
    if (!p.warnings.empty()) {
        json warnings = json::array();
        for (const auto& w : p.warnings) warnings.push_back({{"offset", w.offset}, {"message", w.message}});
        out["warnings"] = std::move(warnings);
    }
    return out;
}

std::string hex_context(dlms::ByteView unit, std::size_t offset) {
    if (unit.empty()) return "";
    const std::size_t start = offset >= 4 ? std::min(offset - 4, unit.size() - 1) : 0;
    const std::size_t n = std::min<std::size_t>(16, unit.size() - start);
    return dlms::to_hex(unit.subspan(start, n));
}

json error_json(const dlms::Error& e, dlms::ByteView unit) {
    return {{"error", std::string(dlms::to_string(e.code))},
            {"layer", std::string(dlms::to_string(e.layer))},
            {"offset", e.offset},
            {"message", e.message},
            {"context", hex_context(unit, e.offset)}};
}

}  // namespace bridge

#include "bridge/core/push_json.hpp"

#include <string_view>

namespace bridge {

using json = nlohmann::ordered_json;

namespace {

// Objects are filled in their final order straight into nlohmann's ordered map (a vector of
// pairs): the keys of a line are distinct by construction, so operator[]'s search and its
// default-constructed element would be work for nothing, at every field of every reading.
class Fields {
public:
    explicit Fields(std::size_t n) : object_(json::value_t::object) { map().reserve(n); }
    Fields& add(const char* key, json value) {
        map().emplace_back(key, std::move(value));
        return *this;
    }
    json take() { return std::move(object_); }

private:
    json::object_t& map() { return object_.get_ref<json::object_t&>(); }
    json object_;
};

json raw_json(const dlms::RawValue& raw) {
    return std::visit(
        [](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
            else if constexpr (std::is_same_v<T, dlms::OctetString>) return dlms::to_hex(v.bytes);
            else if constexpr (std::is_same_v<T, dlms::DateTime>) return v.iso8601();
            else return v;
        },
        raw);
}

json text_or_null(std::string_view text) { return text.empty() ? json(nullptr) : json(text); }

json reading_json(const dlms::Reading& r) {
    Fields f(7);
    f.add("obis", r.obis ? json(r.obis->to_string()) : json(nullptr));
    if (r.index >= 0) f.add("index", r.index);
    f.add("key", text_or_null(r.key)).add("raw", raw_json(r.raw));
    if (r.is_number()) {
        const auto n = dlms::scaled_number(r);
        f.add("scaler", int{r.scaler}).add("unit", text_or_null(dlms::unit_symbol(r.unit)));
        f.add("value", n ? std::visit([](auto v) { return json(v); }, *n) : json(nullptr));
    }
    return f.take();
}

}  // namespace

json push_json(const dlms::Push& p) {
    json readings(json::value_t::array);
    auto& list = readings.get_ref<json::array_t&>();
    list.reserve(p.readings.size());
    for (const auto& r : p.readings) list.push_back(reading_json(r));
    Fields out(9);
    out.add("system_title", p.system_title.empty() ? json(nullptr) : json(dlms::to_hex(p.system_title)))
        .add("manufacturer", p.manufacturer())
        .add("frame_counter", p.security == dlms::Security::none ? json(nullptr) : json(p.frame_counter))
        .add("security", dlms::to_string(p.security))
        .add("list_id", text_or_null(p.list_id))
        .add("notification_time", p.notification_time ? json(p.notification_time->iso8601()) : json(nullptr))
        .add("readings", std::move(readings));
    // Only when something was not understood, so that complete pushes print as before.
    if (p.unplaced_values > 0) out.add("unplaced_values", p.unplaced_values);
    if (!p.warnings.empty()) {
        json warnings(json::value_t::array);
        for (const auto& w : p.warnings) warnings.push_back(Fields(2).add("offset", w.offset).add("message", w.message).take());
        out.add("warnings", std::move(warnings));
    }
    return out.take();
}

void append_push_json(std::string& out, const dlms::Push& push) { out += push_json(push).dump(); }

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

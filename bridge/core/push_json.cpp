#include "bridge/core/push_json.hpp"

#include <charconv>

namespace bridge {

namespace {

using json = nlohmann::ordered_json;

// The line is written field by field rather than built as a tree and dumped: a tree costs an
// allocation per value and per key, a linear key search per insert, and a dump that inspects
// every character of every key. nlohmann still writes every value whose text is not trivial
// (escaped or non-ASCII strings, floating-point numbers), so the bytes are the ones its dump()
// gives; what is written here directly is only what dump() copies through unchanged.

void put(std::string& out, std::string_view literal) { out.append(literal); }

template <typename Int>
void put_integer(std::string& out, Int v) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out.append(buf, end);
}

// dump() copies printable ASCII other than '"' and '\\' as it is; anything else (escapes, UTF-8,
// which it also validates) goes through nlohmann.
void put_string(std::string& out, std::string_view s) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7E || c == '"' || c == '\\') {
            out += json(s).dump();
            return;
        }
    }
    out.push_back('"');
    out.append(s);
    out.push_back('"');
}

void put_double(std::string& out, double v) { out += json(v).dump(); }

// "A.B.C.D.E.F", as Obis::to_string() writes it, without building a string per reading.
void put_obis(std::string& out, const dlms::Obis& obis) {
    char buf[2 + 6 * 4];
    char* p = buf;
    *p++ = '"';
    for (std::size_t i = 0; i < obis.v.size(); ++i) {
        if (i) *p++ = '.';
        p = std::to_chars(p, p + 3, obis.v[i]).ptr;
    }
    *p++ = '"';
    out.append(buf, p);
}

void put_hex(std::string& out, dlms::ByteView bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    const std::size_t at = out.size();
    out.resize(at + 2 + 2 * bytes.size());
    char* p = out.data() + at;
    *p++ = '"';
    for (const auto b : bytes) {
        *p++ = digits[b >> 4];
        *p++ = digits[b & 0x0F];
    }
    *p = '"';
}

// The raw value: integer, text, upper-case hex, or "YYYY-MM-DDTHH:MM:SS".
void put_raw(std::string& out, const dlms::RawValue& raw) {
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) put(out, "null");
            else if constexpr (std::is_same_v<T, bool>) put(out, v ? "true" : "false");
            else if constexpr (std::is_same_v<T, double>) put_double(out, v);
            else if constexpr (std::is_same_v<T, std::string>) put_string(out, v);
            else if constexpr (std::is_same_v<T, dlms::OctetString>) put_hex(out, v.bytes);
            else if constexpr (std::is_same_v<T, dlms::DateTime>) put_string(out, v.iso());
            else put_integer(out, v);
        },
        raw);
}

void put_reading(std::string& out, const dlms::Reading& r) {
    put(out, "{\"obis\":");
    if (r.obis) put_obis(out, *r.obis);
    else put(out, "null");
    if (r.index >= 0) {
        put(out, ",\"index\":");
        put_integer(out, r.index);
    }
    put(out, ",\"key\":");
    if (r.key.empty()) put(out, "null");
    else put_string(out, r.key);
    put(out, ",\"raw\":");
    put_raw(out, r.raw);
    if (r.is_number()) {
        put(out, ",\"scaler\":");
        put_integer(out, int{r.scaler});
        put(out, ",\"unit\":");
        const auto unit = dlms::unit_symbol(r.unit);
        if (unit.empty()) put(out, "null");
        else put_string(out, unit);
        put(out, ",\"value\":");
        const auto n = dlms::scaled_number(r);
        if (!n) put(out, "null");
        else if (const auto* d = std::get_if<double>(&*n)) put_double(out, *d);
        else std::visit([&out](auto v) { put_integer(out, v); }, *n);
    }
    out.push_back('}');
}

}  // namespace

void append_push_json(std::string& out, const dlms::Push& p) {
    put(out, "{\"system_title\":");
    if (p.system_title.empty()) put(out, "null");
    else put_hex(out, p.system_title);
    put(out, ",\"manufacturer\":");
    put_string(out, p.manufacturer());
    put(out, ",\"frame_counter\":");
    if (p.security == dlms::Security::none) put(out, "null");
    else put_integer(out, p.frame_counter);
    put(out, ",\"security\":");
    put_string(out, dlms::to_string(p.security));
    put(out, ",\"list_id\":");
    if (p.list_id.empty()) put(out, "null");
    else put_string(out, p.list_id);
    put(out, ",\"notification_time\":");
    if (p.notification_time) put_string(out, p.notification_time->iso());
    else put(out, "null");
    put(out, ",\"readings\":[");
    for (std::size_t i = 0; i < p.readings.size(); ++i) {
        if (i) out.push_back(',');
        put_reading(out, p.readings[i]);
    }
    out.push_back(']');
    // Only when something was not understood, so that complete pushes print as before.
    if (p.unplaced_values > 0) {
        put(out, ",\"unplaced_values\":");
        put_integer(out, p.unplaced_values);
    }
    if (!p.warnings.empty()) {
        put(out, ",\"warnings\":[");
        for (std::size_t i = 0; i < p.warnings.size(); ++i) {
            if (i) out.push_back(',');
            put(out, "{\"offset\":");
            put_integer(out, p.warnings[i].offset);
            put(out, ",\"message\":");
            put_string(out, p.warnings[i].message);
            out.push_back('}');
        }
        out.push_back(']');
    }
    out.push_back('}');
}

json push_json(const dlms::Push& push) {
    std::string line;
    append_push_json(line, push);
    return json::parse(line);
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

#include "decoder/obis.hpp"

#include <charconv>
#include <cstring>

namespace dlms {

std::optional<Obis> Obis::from_bytes(ByteView six) {
    if (six.size() != 6) return std::nullopt;
    Obis o;
    std::memcpy(o.v.data(), six.data(), 6);
    return o;
}

std::optional<Obis> Obis::parse(std::string_view text) {
    Obis o;
    std::size_t group = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end && group < 6) {
        unsigned value = 0;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc{} || value > 255) return std::nullopt;
        o.v[group++] = static_cast<std::uint8_t>(value);
        p = next;
        if (p == end) break;
        if (*p != '.' && *p != '-' && *p != ':' && *p != '*') return std::nullopt;
        ++p;
        if (p == end) return std::nullopt;
    }
    if (p != end) return std::nullopt;
    if (group == 5) o.v[5] = 255;
    else if (group != 6) return std::nullopt;
    return o;
}

std::string Obis::to_string() const {
    std::string s;
    s.reserve(23);
    for (std::size_t i = 0; i < 6; ++i) {
        if (i) s.push_back('.');
        s += std::to_string(v[i]);
    }
    return s;
}

}  // namespace dlms

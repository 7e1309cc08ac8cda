#include "decoder/keys.hpp"

#include <algorithm>
#include <cctype>

#include "decoder/bytes.hpp"

namespace dlms {

namespace {
bool separator(char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '"' || c == '\''; }
}  // namespace

std::optional<std::array<std::uint8_t, 16>> parse_key(std::string_view text, std::string& error) {
    std::string digits;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (separator(c)) continue;
        // "0x" before a group of digits, as the key is often pasted from a C array or a mail.
        if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
            (i == 0 || separator(text[i - 1]) || text[i - 1] == ',')) {
            ++i;
            continue;
        }
        if (c == ',') continue;
        if (hex_value(c) < 0) {
            error = "holds a character that is not a hex digit (position " + std::to_string(i + 1) + ")";
            return std::nullopt;
        }
        digits.push_back(c);
    }
    if (digits.size() != 32) {
        error = "must be 32 hex digits (16 bytes), got " + std::to_string(digits.size()) + " digits";
        return std::nullopt;
    }
    const auto bytes = parse_hex(digits);  // 32 hex digits and nothing else: 16 bytes
    std::array<std::uint8_t, 16> key{};
    std::copy_n(bytes->begin(), key.size(), key.begin());
    return key;
}

}  // namespace dlms

#include "decoder/keys.hpp"

#include <cctype>
#include <deque>
#include <regex>
#include <vector>

namespace dlms {

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
bool separator(char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '"' || c == '\''; }

std::array<std::uint8_t, 16> to_key(const std::string& digits) {
    std::array<std::uint8_t, 16> k{};
    for (std::size_t i = 0; i < 16; ++i)
        k[i] = static_cast<std::uint8_t>((hex_digit(digits[2 * i]) << 4) | hex_digit(digits[2 * i + 1]));
    return k;
}
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
        if (hex_digit(c) < 0) {
            error = "holds a character that is not a hex digit (position " + std::to_string(i + 1) + ")";
            return std::nullopt;
        }
        digits.push_back(c);
    }
    if (digits.size() != 32) {
        error = "must be 32 hex digits (16 bytes), got " + std::to_string(digits.size()) + " digits";
        return std::nullopt;
    }
    return to_key(digits);
}

MailKeys keys_from_mail(std::string_view mail) {
    // Lower-case copy (ASCII only; the Danish letters are UTF-8 and stay as they are).
    std::string text(mail);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

    enum class Which { encryption, authentication };
    struct Marker { std::size_t begin, end; Which which; };
    static const std::regex ek_re(
        R"((key|n(ø|o)gle)\s*[-_#:]?\s*64|gpk\s*[-_]?\s*60|encryption[ _]?key|krypterings\S*|\bguek\b|\bek\b)");
    static const std::regex ak_re(
        R"((key|n(ø|o)gle)\s*[-_#:]?\s*65|gpk\s*[-_]?\s*61|authentication[ _]?key|autenti\S*|godkendelses\S*|\bgak\b|\bak\b)");
    std::vector<Marker> markers;
    for (auto [re, which] : {std::pair{&ek_re, Which::encryption}, std::pair{&ak_re, Which::authentication}}) {
        for (auto it = std::sregex_iterator(text.begin(), text.end(), *re); it != std::sregex_iterator(); ++it)
            markers.push_back({static_cast<std::size_t>(it->position()), static_cast<std::size_t>(it->position() + it->length()), which});
    }
    std::sort(markers.begin(), markers.end(), [](const Marker& a, const Marker& b) { return a.begin < b.begin; });

    // Walk the words in order. Hex words are gathered into a key until 32 digits; a key goes to
    // the oldest marker still waiting, which handles both "key 64: <hex> key 65: <hex>" and a
    // table whose header names both keys before a row holding both values.
    MailKeys out;
    std::deque<Which> waiting;
    std::string digits;
    std::size_t next_marker = 0;
    std::size_t i = 0;
    auto assign = [&](const std::string& d) {
        if (waiting.empty()) return;
        const Which w = waiting.front();
        waiting.pop_front();
        auto& slot = w == Which::encryption ? out.encryption : out.authentication;
        if (!slot) slot = to_key(d);
    };
    while (i < text.size()) {
        if (next_marker < markers.size() && i >= markers[next_marker].begin) {
            if (i < markers[next_marker].end) i = markers[next_marker].end;
            waiting.push_back(markers[next_marker].which);
            ++next_marker;
            digits.clear();
            continue;
        }
        if (separator(text[i]) || text[i] == '|' || text[i] == ',' || text[i] == ';' || text[i] == '=') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && !separator(text[end]) && text[end] != '|' && text[end] != ',' && text[end] != ';' &&
               text[end] != '=' && (next_marker >= markers.size() || end < markers[next_marker].begin))
            ++end;
        std::string_view word(text.data() + i, end - i);
        if (word.starts_with("0x")) word.remove_prefix(2);
        bool hex = !word.empty();
        bool has_digit = false;
        for (char c : word) {
            hex = hex && hex_digit(c) >= 0;
            has_digit = has_digit || (c >= '0' && c <= '9');
        }
        // A hex word joins the key being gathered; a plain word ("af", "be") breaks it off.
        if (hex && (has_digit || !digits.empty() || word.size() >= 8) && digits.size() + word.size() <= 32) {
            digits.append(word);
            if (digits.size() == 32) {
                assign(digits);
                digits.clear();
            }
        } else {
            digits.clear();
        }
        i = end;
    }
    return out;
}

}  // namespace dlms

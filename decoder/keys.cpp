#include "decoder/keys.hpp"

#include <algorithm>
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

    // The text as a sequence of markers and runs of hex words. A run ends at a marker, a word
    // that is not hex, or a table bar; a line break does not end it (keys get wrapped).
    struct Item { bool is_marker; Which which; std::vector<std::string> words; };
    std::vector<Item> items;
    auto run = [&]() -> std::vector<std::string>& {
        if (items.empty() || items.back().is_marker || items.back().words.empty()) items.push_back({false, Which::encryption, {}});
        return items.back().words;
    };
    auto end_run = [&] {
        if (!items.empty() && !items.back().is_marker && !items.back().words.empty()) items.push_back({false, Which::encryption, {}});
    };
    auto is_break = [](char c) { return c == '|' || c == ';' || c == '='; };
    std::size_t next_marker = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (next_marker < markers.size() && i >= markers[next_marker].begin) {
            i = std::max(i, markers[next_marker].end);
            items.push_back({true, markers[next_marker].which, {}});
            ++next_marker;
            continue;
        }
        if (is_break(text[i])) {
            end_run();
            ++i;
            continue;
        }
        if (separator(text[i]) || text[i] == ',') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && !separator(text[end]) && text[end] != ',' && !is_break(text[end]) &&
               (next_marker >= markers.size() || end < markers[next_marker].begin))
            ++end;
        std::string_view word(text.data() + i, end - i);
        if (word.starts_with("0x")) word.remove_prefix(2);
        const bool hex = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return hex_digit(c) >= 0; });
        if (hex) run().emplace_back(word);
        else end_run();
        i = end;
    }

    // In each run, keys are 32 digits made of whole words, taken from the end: a meter number
    // or a stray hex-looking word ("de", "face") before a key is left out.
    auto keys_in = [](const std::vector<std::string>& words) {
        std::vector<std::string> found;
        std::size_t j = words.size();
        while (j > 0) {
            std::size_t digits = 0, i = j;
            while (i > 0 && digits < 32) digits += words[--i].size();
            if (digits == 32) {
                std::string key;
                for (std::size_t k = i; k < j; ++k) key += words[k];
                found.insert(found.begin(), key);
                j = i;
            } else {
                --j;
            }
        }
        return found;
    };

    // A key goes to the oldest marker still waiting, which handles both "key 64: <hex> key 65: <hex>"
    // and a table whose header names both keys before the row holding both values. "Key 64 (GPK60)"
    // names one key twice: a marker right after one of the same kind is the same marker.
    MailKeys out;
    std::deque<Which> waiting;
    bool last_was_marker = false;
    for (const auto& item : items) {
        if (item.is_marker) {
            if (!(last_was_marker && !waiting.empty() && waiting.back() == item.which)) waiting.push_back(item.which);
            last_was_marker = true;
            continue;
        }
        for (const auto& key : keys_in(item.words)) {
            last_was_marker = false;
            if (waiting.empty()) break;
            auto& slot = waiting.front() == Which::encryption ? out.encryption : out.authentication;
            waiting.pop_front();
            if (!slot) slot = to_key(key);
        }
        if (!item.words.empty()) last_was_marker = false;
    }
    return out;
}

}  // namespace dlms

#include "bridge/commands/key_mail.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"

namespace bridge {

// The mail is read in three steps: words (per line), markers that say which key a value is for,
// and the hex digits after each marker.
namespace {

enum class Which { encryption, authentication };

struct Word {
    std::string text;  // lower case; for a hex word, its digits without the "0x"
    bool hex;       // only hex digits, after an optional "0x" ("0x" alone is a hex word of no digits)
    bool anchored;  // written with "0x": a key starts here
};
using Line = std::vector<Word>;

// Words are runs of letters and digits (UTF-8 letters included). Everything else separates them:
// spaces, tabs, table bars and rules, punctuation, and the no-break spaces, typographic spaces,
// dashes and quotes that mail clients put in (U+00A0, U+2000-U+203F). Lower-cases ASCII and the
// Latin-1 capitals, so "NØGLE" reads as "nøgle". CR LF, LF and CR all end a line.
std::vector<Line> tokenise(std::string_view mail) {
    std::vector<Line> lines(1);
    std::string word;
    auto flush = [&] {
        if (word.empty()) return;
        std::string_view digits = word;
        const bool prefixed = digits.starts_with("0x");
        if (prefixed) digits.remove_prefix(2);
        const bool hex = std::all_of(digits.begin(), digits.end(), [](char c) { return dlms::hex_value(c) >= 0; });
        lines.back().push_back({hex ? std::string(digits) : word, hex, hex && prefixed});
        word.clear();
    };
    const auto byte = [&](std::size_t i) -> unsigned char {
        return i < mail.size() ? static_cast<unsigned char>(mail[i]) : 0;
    };
    for (std::size_t i = 0; i < mail.size(); ++i) {
        const unsigned char c = byte(i);
        if (c == '\n' || c == '\r') {
            flush();
            if (c == '\r' && byte(i + 1) == '\n') ++i;
            lines.emplace_back();
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
            word += static_cast<char>(c);
        } else if (c >= 'A' && c <= 'Z') {
            word += static_cast<char>(c - 'A' + 'a');
        } else if (c == 0xC2 && byte(i + 1) == 0xA0) {
            flush();
            ++i;
        } else if (c == 0xE2 && byte(i + 1) == 0x80 && byte(i + 2) >= 0x80) {
            flush();
            i += 2;
        } else if (c == 0xC3 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9E && byte(i + 1) != 0x97) {
            word += static_cast<char>(c);
            word += static_cast<char>(byte(i + 1) + 0x20);
            ++i;
        } else if (c >= 0x80) {
            word += static_cast<char>(c);
        } else {
            flush();
        }
    }
    flush();
    return lines;
}

// How mails name a key: one word, or two words on one line ("Key 64", "Key-64", "encryption_key").
// A trailing '*' makes a prefix (the Danish compounds: "krypteringsnøgle", "autentificeringsnøgle").
struct Name {
    std::string_view word, next;
    Which which;
};
constexpr Name kNames[] = {
    {"key", "64", Which::encryption},           {"key64", "", Which::encryption},
    {"n\xC3\xB8gle", "64", Which::encryption},  {"nogle", "64", Which::encryption},
    {"gpk", "60", Which::encryption},           {"gpk60", "", Which::encryption},
    {"encryption", "key", Which::encryption},   {"encryptionkey", "", Which::encryption},
    {"krypterings*", "", Which::encryption},    {"guek", "", Which::encryption},
    {"ek", "", Which::encryption},
    {"key", "65", Which::authentication},       {"key65", "", Which::authentication},
    {"n\xC3\xB8gle", "65", Which::authentication}, {"nogle", "65", Which::authentication},
    {"gpk", "61", Which::authentication},       {"gpk61", "", Which::authentication},
    {"authentication", "key", Which::authentication}, {"authenticationkey", "", Which::authentication},
    {"autenti*", "", Which::authentication},    {"godkendelses*", "", Which::authentication},
    {"gak", "", Which::authentication},         {"ak", "", Which::authentication},
};

bool name_matches(std::string_view pattern, const std::string& word) {
    if (pattern.ends_with('*')) return word.starts_with(pattern.substr(0, pattern.size() - 1));
    return word == pattern;
}

// The key named at line[i], and how many words name it (0: none).
std::pair<Which, std::size_t> name_at(const Line& line, std::size_t i) {
    for (const Name& n : kNames) {
        if (!name_matches(n.word, line[i].text)) continue;
        if (n.next.empty()) return {n.which, 1};
        if (i + 1 < line.size() && line[i + 1].text == n.next) return {n.which, 2};
    }
    return {Which::encryption, 0};
}

// A line that opens a key table: its header names the key column ("KeyType", "Key", "Nøgle").
bool table_header(const Line& line) {
    return std::any_of(line.begin(), line.end(), [](const Word& w) {
        return w.text.starts_with("key") || w.text.starts_with("n\xC3\xB8gle") || w.text.starts_with("nogle") ||
               w.text == "type";
    });
}

struct Marker {
    Which which;
    bool row;  // the first cell of a key table row: the key on the row is this one
    std::size_t line;
    std::vector<const Word*> region;  // the words after the marker, up to the next one
};

// A key written in pairs can wrap so that its second line starts with "64" or "65". While a key
// begun with "0x" is incomplete, a line of bare hex that completes it is its continuation.
bool continues_key(const Line& line, int open_digits) {
    if (open_digits <= 0 || open_digits >= 32) return false;
    std::size_t digits = 0;
    for (const Word& w : line) {
        if (!w.hex || w.anchored) return false;
        digits += w.text.size();
    }
    return digits <= static_cast<std::size_t>(32 - open_digits);
}

std::vector<Marker> find_markers(const std::vector<Line>& lines) {
    std::vector<Marker> markers;
    auto add = [&](Which which, bool row, std::size_t line) {
        // "Key 64 (GPK60)" names one key twice: nothing between, so one marker.
        if (!markers.empty() && markers.back().which == which && markers.back().region.empty()) {
            markers.back().row = markers.back().row || row;
            return;
        }
        markers.push_back({which, row, line, {}});
    };
    bool in_table = false;
    int open_digits = -1;  // digits since the last "0x" of the value being read; -1: none
    for (std::size_t l = 0; l < lines.size(); ++l) {
        const Line& line = lines[l];
        std::size_t i = 0;
        bool row = false;
        if (in_table && !line.empty() && !line[0].anchored && (line[0].text == "64" || line[0].text == "65") &&
            !continues_key(line, open_digits)) {
            add(line[0].text == "64" ? Which::encryption : Which::authentication, true, l);
            row = true;
            i = 1;
            open_digits = -1;
        }
        bool prose = false;
        while (i < line.size()) {
            if (const auto [which, words] = name_at(line, i); words > 0) {
                add(which, false, l);
                i += words;
                open_digits = -1;
                continue;
            }
            const Word& w = line[i++];
            prose = prose || !w.hex;
            if (!markers.empty()) markers.back().region.push_back(&w);
            const int n = static_cast<int>(std::min<std::size_t>(w.text.size(), 64));
            open_digits = !w.hex ? -1 : w.anchored ? n : open_digits < 0 ? -1 : std::min(open_digits + n, 64);
        }
        // A table goes on through its rows, rules, blank lines and wrapped keys; prose ends it.
        if (table_header(line)) in_table = true;
        else if (prose && !row) in_table = false;
    }
    return markers;
}

// Exactly 32 digits of whole words from run[i], which starts with "0x": up to the next "0x"
// (or, in a C array where every byte has its "0x", through them). The end, or 0 if none.
std::size_t key_from(const std::vector<const Word*>& run, std::size_t i) {
    const bool c_array = i + 1 < run.size() && run[i + 1]->anchored;
    std::size_t digits = 0;
    for (std::size_t j = i; j < run.size(); ++j) {
        if (j > i && (run[j]->anchored != c_array || run[j]->text.empty())) return 0;
        digits += run[j]->text.size();
        if (digits == 32) return j + 1;
        if (digits > 32) return 0;
    }
    return 0;
}

// Keys in run[begin, end) without "0x": 32 digits of whole words taken from the end, so that a
// meter number, a generation number or a hex-looking word ("de", "face") before a key is left out.
void keys_from_end(const std::vector<const Word*>& run, std::size_t begin, std::size_t end,
                   std::vector<std::pair<std::size_t, std::size_t>>& found) {
    std::size_t j = end;
    const std::size_t at = found.size();
    while (j > begin) {
        std::size_t digits = 0, i = j;
        while (i > begin && digits < 32) {
            digits += run[--i]->text.size();
            if (run[i]->anchored) break;  // a "0x" can only start a key
        }
        if (digits == 32) {
            found.insert(found.begin() + static_cast<std::ptrdiff_t>(at), {i, j});
            j = i;
        } else {
            --j;
        }
    }
}

// The keys in a marker's region, in order. A key is hex words without a non-hex word between
// them (line breaks, spaces, bars do not matter); it starts at its "0x" when it has one.
std::vector<std::string> keys_in(const std::vector<const Word*>& region) {
    std::vector<std::string> keys;
    std::vector<const Word*> run;
    auto end_run = [&] {
        std::vector<std::pair<std::size_t, std::size_t>> found;
        std::size_t gap = 0;
        for (std::size_t i = 0; i < run.size();) {
            const std::size_t end = run[i]->anchored ? key_from(run, i) : 0;
            if (end == 0) {
                ++i;
                continue;
            }
            keys_from_end(run, gap, i, found);
            found.push_back({i, end});
            gap = i = end;
        }
        keys_from_end(run, gap, run.size(), found);
        for (const auto& [b, e] : found) {
            std::string key;
            for (std::size_t k = b; k < e; ++k) key += run[k]->text;
            keys.push_back(key);
        }
        run.clear();
    };
    for (const Word* w : region) {
        if (w->hex) run.push_back(w);
        else end_run();
    }
    end_run();
    return keys;
}

}  // namespace

MailKeys keys_from_mail(std::string_view mail) {
    const std::vector<Line> lines = tokenise(mail);
    const std::vector<Marker> markers = find_markers(lines);

    MailKeys out;
    auto give = [&](Which which, const std::string& key) {
        auto& slot = which == Which::encryption ? out.encryption : out.authentication;
        // The first value found for a key is kept; keys_in gave exactly 32 hex digits.
        std::string no_error;
        if (!slot) slot = dlms::parse_key(key, no_error);
    };
    // A table row's key is its own. Named markers may come as a header ("Key 64 | Key 65") whose
    // values follow together in the same order, so a named marker with no value yet waits for the
    // next one's, but only across nothing or words on one line: never across hex digits (a broken
    // value must not pass its key on) nor across prose (a key named in a sentence is not a header).
    std::vector<Which> waiting;
    for (std::size_t m = 0; m < markers.size(); ++m) {
        const Marker& mk = markers[m];
        (mk.which == Which::encryption ? out.encryption_named : out.authentication_named) = true;
        const std::vector<std::string> keys = keys_in(mk.region);
        if (mk.row) {
            waiting.clear();
            if (!keys.empty()) give(mk.which, keys.front());
            continue;
        }
        if (m > 0) {
            const Marker& before = markers[m - 1];
            const bool joins = !before.row &&
                               std::none_of(before.region.begin(), before.region.end(),
                                            [](const Word* w) { return w->hex; }) &&
                               (before.region.empty() || before.line == mk.line);
            if (!joins) waiting.clear();
        }
        waiting.push_back(mk.which);
        if (keys.empty()) continue;
        for (std::size_t k = 0; k < keys.size() && k < waiting.size(); ++k) give(waiting[k], keys[k]);
        waiting.clear();
    }
    return out;
}

}  // namespace bridge

// The key tables grid companies mail, in the layouts mail clients turn them into: shared by the
// parser's tests and the `dlms2mqtt keys` command's tests. Made-up keys only, never a meter's.
#pragma once

#include <string>
#include <vector>

namespace keymails {

constexpr const char* kEkHex = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";  // key 64 / GPK60
constexpr const char* kAkHex = "11223344556677889900AABBCCDDEEFF";  // key 65 / GPK61

// As typed: header, then one row per key: key type, generation, key.
inline const std::string kSpaces =
    "KeyType Generation Key\n"
    "64 1 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
    "65 1 0x11223344556677889900AABBCCDDEEFF\n";

inline const std::string kTabs =
    "KeyType\tGeneration\tKey\n"
    "64\t1\t0x0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
    "65\t1\t0x11223344556677889900AABBCCDDEEFF\n";

inline const std::string kBars =
    "| KeyType | Generation | Key                                |\n"
    "|---------|------------|------------------------------------|\n"
    "| 64      | 1          | 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0 |\n"
    "| 65      | 1          | 0x11223344556677889900AABBCCDDEEFF |\n";

// The mail client broke the line right after "0x".
inline const std::string kWrappedAfter0x =
    "KeyType Generation Key\n"
    "64 1 0x\n"
    "0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
    "65 1 0x\n"
    "11223344556677889900AABBCCDDEEFF\n";

// The 32 digits broken across two lines, not in the middle.
inline const std::string kSplitDigits =
    "KeyType Generation Key\n"
    "64 1 0x0F1E2D3C4B5A69788796\n"
    "A5B4C3D2E1F0\n"
    "65 1 0x112233445566\n"
    "77889900AABBCCDDEEFF\n";

// A bar table whose key cell wraps into a second table row.
inline const std::string kBarsWrapped =
    "| KeyType | Generation | Key                  |\n"
    "|---------|------------|----------------------|\n"
    "| 64      | 1          | 0x0F1E2D3C4B5A6978   |\n"
    "|         |            | 8796A5B4C3D2E1F0     |\n"
    "| 65      | 1          | 0x1122334455667788   |\n"
    "|         |            | 9900AABBCCDDEEFF     |\n";

inline const std::string kGroupsOf4 =
    "KeyType Generation Key\n"
    "64 1 0x0F1E 2D3C 4B5A 6978 8796 A5B4 C3D2 E1F0\n"
    "65 1 0x1122 3344 5566 7788 9900 AABB CCDD EEFF\n";

inline const std::string kGroupsOf8 =
    "KeyType Generation Key\n"
    "64 1 0x0F1E2D3C 4B5A6978 8796A5B4 C3D2E1F0\n"
    "65 1 0x11223344 55667788 9900AABB CCDDEEFF\n";

// No "0x": the generation column's 1 must not become the key's first digit.
inline const std::string kGroupsNo0x =
    "KeyType Generation Key\n"
    "64 1 0F1E 2D3C 4B5A 6978 8796 A5B4 C3D2 E1F0\n"
    "65 1 1122 3344 5566 7788 9900 AABB CCDD EEFF\n";

inline const std::string kRow65First =
    "KeyType Generation Key\n"
    "65 1 0x11223344556677889900AABBCCDDEEFF\n"
    "64 1 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0\n";

// The whole mail, UTF-8, with words that name a key ("autentificering") in the prose.
inline const std::string kDanish =
    "Kære kunde, her er dine nøgler til måleren (målernummer 57012345).\n"
    "Nøglerne bruges til kryptering og autentificering af data fra måleren.\n"
    "\n"
    "KeyType Generation Key\n"
    "65 1 0x11223344556677889900AABBCCDDEEFF\n"
    "64 1 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
    "\n"
    "Med venlig hilsen\n"
    "Netselskabet A/S, Kundeservice\n";

inline std::string crlf(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

// Every layout that holds both keys.
struct Layout {
    const char* name;
    std::string mail;
};
inline std::vector<Layout> layouts_with_both_keys() {
    return {{"spaces", kSpaces},
            {"tabs", kTabs},
            {"bars", kBars},
            {"wrapped after 0x", kWrappedAfter0x},
            {"digits split across lines", kSplitDigits},
            {"bars, key cell wrapped", kBarsWrapped},
            {"groups of 4", kGroupsOf4},
            {"groups of 8", kGroupsOf8},
            {"groups without 0x", kGroupsNo0x},
            {"65 row first", kRow65First},
            {"Danish mail", kDanish},
            {"Danish mail, CRLF", crlf(kDanish)},
            {"bars, CRLF", crlf(kBars)}};
}

// Only one key in the table.
inline const std::string kOnly65 =
    "Kære kunde\n\n"
    "| KeyType | Generation | Key                                |\n"
    "|---------|------------|------------------------------------|\n"
    "| 65      | 1          | 0x11223344556677889900AABBCCDDEEFF |\n\n"
    "Med venlig hilsen\n";

// The generation column after the key this time.
inline const std::string kOnly64 =
    "KeyType | Key                                | Generation\n"
    "64      | 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0 | 1\n";

// The 64 row's key lost a digit: key 65's value must not take its place.
inline const std::string kShort64 =
    "KeyType Generation Key\n"
    "64 1 0x0F1E2D3C4B5A69788796A5B4C3D2E1F\n"
    "65 1 0x11223344556677889900AABBCCDDEEFF\n";

}  // namespace keymails

// The key table as grid companies mail it ("KeyType Generation Key", then rows 64 and 65), in
// every layout mail clients turn it into. Each must give key 64 as the encryption key and key 65
// as the authentication key.
#include <doctest/doctest.h>

#include "bridge/commands/key_mail.hpp"
#include "decoder/bytes.hpp"
#include "test/bridge/key_mails.hpp"

using namespace bridge;
using dlms::to_hex;
using namespace keymails;

namespace {

std::string hex(const std::optional<std::array<std::uint8_t, 16>>& key) { return key ? to_hex(*key) : "(none)"; }

void check_both(const std::string& mail) {
    const MailKeys k = keys_from_mail(mail);
    CHECK(hex(k.encryption) == kEkHex);
    CHECK(hex(k.authentication) == kAkHex);
}

}  // namespace

TEST_CASE("keys mail: KeyType table with spaces") { check_both(kSpaces); }

TEST_CASE("keys mail: KeyType table with tabs") { check_both(kTabs); }

TEST_CASE("keys mail: KeyType table with | bars and a |-----| separator line") { check_both(kBars); }

TEST_CASE("keys mail: KeyType table wrapped right after 0x") { check_both(kWrappedAfter0x); }

TEST_CASE("keys mail: KeyType table with the 32 digits split across two lines") { check_both(kSplitDigits); }

TEST_CASE("keys mail: KeyType bar table whose key cell wraps into a second row") { check_both(kBarsWrapped); }

TEST_CASE("keys mail: KeyType table with keys in groups of 4") { check_both(kGroupsOf4); }

TEST_CASE("keys mail: KeyType table with keys in groups of 8") { check_both(kGroupsOf8); }

TEST_CASE("keys mail: KeyType table in groups without 0x: the generation 1 is not part of the key") {
    check_both(kGroupsNo0x);
}

TEST_CASE("keys mail: KeyType table with the 65 row first") { check_both(kRow65First); }

TEST_CASE("keys mail: Danish mail around the table, prose naming the keys") { check_both(kDanish); }

TEST_CASE("keys mail: CRLF line endings") {
    check_both(crlf(kDanish));
    check_both(crlf(kBars));
    check_both(crlf(kWrappedAfter0x));
}

TEST_CASE("keys mail: only the 65 row: the authentication key, and key 64 missing") {
    const MailKeys k = keys_from_mail(kOnly65);
    CHECK_FALSE(k.encryption);
    CHECK_FALSE(k.encryption_named);
    CHECK(hex(k.authentication) == kAkHex);
    CHECK(k.authentication_named);
}

TEST_CASE("keys mail: only the 64 row: the encryption key, and key 65 missing") {
    const MailKeys k = keys_from_mail(kOnly64);
    CHECK(hex(k.encryption) == kEkHex);
    CHECK_FALSE(k.authentication);
    CHECK_FALSE(k.authentication_named);
}

// Taking the next key for the one that is broken would configure the authentication key as the
// encryption key: it is reported missing instead.
TEST_CASE("keys mail: a 64 row with 31 digits is missing, the 65 row's key stays key 65") {
    const MailKeys k = keys_from_mail(kShort64);
    CHECK_FALSE(k.encryption);
    CHECK(k.encryption_named);
    CHECK(hex(k.authentication) == kAkHex);
}

TEST_CASE("keys mail: a named key with 31 digits does not take the next key") {
    const MailKeys k = keys_from_mail(
        "Key 64: 0F1E2D3C4B5A69788796A5B4C3D2E1F\n"
        "Key 65: 11223344556677889900AABBCCDDEEFF\n");
    CHECK_FALSE(k.encryption);
    CHECK(k.encryption_named);
    CHECK(hex(k.authentication) == kAkHex);
}

// A key in pairs of digits can wrap so that the next line starts with "65": while a key that
// started with 0x is incomplete and the line completes it, the line is the rest of the key.
TEST_CASE("keys mail: a wrapped key whose second line starts with 65 is not the 65 row") {
    const MailKeys k = keys_from_mail(
        "KeyType Generation Key\n"
        "64 1 0x00 01 02 03 04 05 06 07\n"
        "65 09 0A 0B 0C 0D 0E 0F\n"
        "65 1 0x11 22 33 44 55 66 77 88 99 00 AA BB CC DD EE FF\n");
    CHECK(hex(k.encryption) == "00010203040506076509" "0A0B0C0D0E0F");
    CHECK(hex(k.authentication) == kAkHex);
}

// "64" starts a key row only under a key table's header; elsewhere it is an ordinary number.
TEST_CASE("keys mail: a line starting with 64 is a key row only in a key table") {
    const std::string row = "| 64 | 1 | 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0 |\n";
    CHECK(hex(keys_from_mail("| KeyType | Generation | Key |\n" + row).encryption) == kEkHex);
    const MailKeys k = keys_from_mail("Forbrug i perioden:\n" + row);
    CHECK_FALSE(k.encryption);
    CHECK_FALSE(k.authentication);
}

TEST_CASE("keys mail: UTF-8 capitals, non-breaking spaces and curly quotes") {
    const MailKeys k = keys_from_mail(
        "NØGLE 64: \xE2\x80\x9C" "0F1E\xC2\xA0" "2D3C 4B5A 6978 8796 A5B4 C3D2 E1F0\xE2\x80\x9D\n"
        "NØGLE 65:\xC2\xA0" "11223344556677889900AABBCCDDEEFF\n");
    CHECK(hex(k.encryption) == kEkHex);
    CHECK(hex(k.authentication) == kAkHex);
}

// Keys named in prose, tables and groups: test keys only, never a real meter's.
namespace {
using Key = std::array<std::uint8_t, 16>;
const Key kEk = {0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0};
const Key kAk = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
}  // namespace

TEST_CASE("keys: a Danish-style mail with Key 64 (GPK60) and Key 65 (GPK61) lines") {
    const std::string mail =
        "Kære kunde\n\n"
        "Her er nøglerne til din elmåler, målernummer 57012345.\n\n"
        "Key 64 (GPK60): 0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
        "Key 65 (GPK61): 11223344556677889900AABBCCDDEEFF\n\n"
        "Med venlig hilsen\nKundeservice\n";
    const MailKeys k = keys_from_mail(mail);
    REQUIRE(k.encryption);
    REQUIRE(k.authentication);
    CHECK(*k.encryption == kEk);
    CHECK(*k.authentication == kAk);
}

TEST_CASE("keys: mail with each key on its own marker, in either order") {
    const MailKeys a = keys_from_mail("Key 64: 0F1E2D3C4B5A69788796A5B4C3D2E1F0\nKey 65: 11223344556677889900AABBCCDDEEFF\n");
    const MailKeys b = keys_from_mail("GPK61 = 11223344556677889900aabbccddeeff; GPK60 = 0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    for (const MailKeys* k : {&a, &b}) {
        REQUIRE(k->encryption);
        REQUIRE(k->authentication);
        CHECK(*k->encryption == kEk);
        CHECK(*k->authentication == kAk);
    }
}

TEST_CASE("keys: mail with a key broken across two lines") {
    const MailKeys k = keys_from_mail(
        "Encryption key: 0F1E2D3C4B5A6978\n8796A5B4C3D2E1F0\n"
        "Authentication key: 1122334455667788\n9900AABBCCDDEEFF\n");
    REQUIRE(k.encryption);
    REQUIRE(k.authentication);
    CHECK(*k.encryption == kEk);
    CHECK(*k.authentication == kAk);
}

TEST_CASE("keys: mail with a table, both keys named in the header and given in the next row") {
    const MailKeys plain = keys_from_mail(
        "| Key 64                           | Key 65                           |\n"
        "|----------------------------------|----------------------------------|\n"
        "| 0F1E2D3C4B5A69788796A5B4C3D2E1F0 | 11223344556677889900AABBCCDDEEFF |\n");
    const MailKeys named_twice = keys_from_mail(
        "| Key 64 (GPK60)                   | Key 65 (GPK61)                   |\n"
        "| 0F1E2D3C4B5A69788796A5B4C3D2E1F0 | 11223344556677889900AABBCCDDEEFF |\n");
    for (const MailKeys* k : {&plain, &named_twice}) {
        REQUIRE(k->encryption);
        REQUIRE(k->authentication);
        CHECK(*k->encryption == kEk);
        CHECK(*k->authentication == kAk);
    }
}

// The meter number before the keys must not be taken for the start of a key.
TEST_CASE("keys: mail with a table that also has a meter number column") {
    const MailKeys k = keys_from_mail(
        "Meter     | Key 64                           | Key 65\n"
        "57012345  | 0F1E2D3C4B5A69788796A5B4C3D2E1F0 | 11223344556677889900AABBCCDDEEFF\n");
    REQUIRE(k.encryption);
    REQUIRE(k.authentication);
    CHECK(*k.encryption == kEk);
    CHECK(*k.authentication == kAk);
}

TEST_CASE("keys: mail with 0x-prefixed keys") {
    const MailKeys k = keys_from_mail("EK: 0x0F1E2D3C4B5A69788796A5B4C3D2E1F0\r\nAK: 0x11223344556677889900AABBCCDDEEFF\r\n");
    REQUIRE(k.encryption);
    REQUIRE(k.authentication);
    CHECK(*k.encryption == kEk);
    CHECK(*k.authentication == kAk);
}

TEST_CASE("keys: mail with keys in groups of four") {
    const MailKeys k = keys_from_mail(
        "Key 64: 0F1E 2D3C 4B5A 6978 8796 A5B4 C3D2 E1F0\nKey 65: 1122 3344 5566 7788 9900 AABB CCDD EEFF\n");
    REQUIRE(k.encryption);
    REQUIRE(k.authentication);
    CHECK(*k.encryption == kEk);
    CHECK(*k.authentication == kAk);
}

// About 2% of random keys start with a group of letters only ("FACE", "BEEF").
TEST_CASE("keys: mail with a key in groups of four whose first group has no digit") {
    const Key face = {0xFA, 0xCE, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x01, 0x23, 0x45, 0x67};
    const MailKeys k = keys_from_mail("Key 64: FACE 0011 2233 4455 6677 8899 0123 4567\n");
    REQUIRE(k.encryption);
    CHECK(*k.encryption == face);
}

TEST_CASE("keys: mail without key markers finds nothing, even beside a 32-digit hex string") {
    const MailKeys k = keys_from_mail(
        "Hello,\n\nyour meter 57012345 was installed on 2024-03-01.\n"
        "Reference: 9F86D081884C7D659A2FEAA0C55AD015\n\nRegards\n");
    CHECK_FALSE(k.encryption);
    CHECK_FALSE(k.authentication);
    CHECK_FALSE(keys_from_mail("").encryption);
}

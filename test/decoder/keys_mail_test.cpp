// The key table as grid companies mail it ("KeyType Generation Key", then rows 64 and 65), in
// every layout mail clients turn it into. Each must give key 64 as the encryption key and key 65
// as the authentication key.
#include <doctest/doctest.h>

#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"
#include "test/decoder/key_mails.hpp"

using namespace dlms;
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

// Keys as people paste them and as utilities mail them, and what the decoder does with the keys
// it is given: wrong, swapped, missing.
#include <doctest/doctest.h>

#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

using Key = std::array<std::uint8_t, 16>;

// Test keys only: never a real meter's.
const Key kEk = {0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0};
const Key kAk = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
const Key kOther = {0x5E, 0xC7, 0x3E, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr const char* kEkHex = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
constexpr const char* kAkHex = "11223344556677889900AABBCCDDEEFF";
constexpr std::array<std::uint8_t, 8> kTitle = {'K', 'A', 'M', 'E', 0x01, 0x02, 0x03, 0x04};

Bytes push_apdu(std::uint32_t counter, std::uint8_t security) {
    sim::AxdrWriter w;
    w.structure(3).visible_string("Kamstrup_V0001").obis(Obis(1, 1, 1, 8, 0)).u32(counter * 10);
    const Bytes plain = sim::data_notification(0, std::nullopt, w.bytes());
    const AuthenticationKey ak(kAk);
    return sim::glo_cipher(plain, kTitle, counter, security, EncryptionKey(kEk), &ak);
}

Bytes frame(std::uint32_t counter, std::uint8_t security = 0x30) {
    return sim::concat(sim::hdlc_frames(push_apdu(counter, security)));
}

Decoder decoder(std::optional<Key> ek, std::optional<Key> ak) {
    DecoderOptions o;
    if (ek) o.keys.encryption = EncryptionKey(*ek);
    if (ak) o.keys.authentication = AuthenticationKey(*ak);
    return Decoder(std::move(o));
}

testsupport::Outcome feed_all(Decoder& d, std::initializer_list<std::uint32_t> counters, std::uint8_t sc = 0x30) {
    testsupport::Outcome o;
    for (auto c : counters) d.feed(frame(c, sc), testsupport::collect(o));
    return o;
}

std::string parse_error(std::string_view text) {
    std::string error;
    CHECK_FALSE(parse_key(text, error));
    return error;
}

}  // namespace

TEST_CASE("keys: parse_key accepts the ways people paste a key") {
    const char* forms[] = {
        "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "0x0F1E2D3C4B5A69788796A5B4C3D2E1F0",
        "  0X0f1e2d3c4b5a69788796a5b4c3d2e1f0\n",
        "0F 1E 2D 3C 4B 5A 69 78 87 96 A5 B4 C3 D2 E1 F0",
        "0F1E-2D3C-4B5A-6978-8796-A5B4-C3D2-E1F0",
        "0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0",
        "0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0",
        "\"0F1E2D3C4B5A69788796A5B4C3D2E1F0\"",
    };
    for (const char* f : forms) {
        CAPTURE(f);
        std::string error;
        auto k = parse_key(f, error);
        REQUIRE(k);
        CHECK(*k == kEk);
    }
}

TEST_CASE("keys: parse_key errors say what is wrong without repeating the key") {
    const std::string thirty = "0F1E2D3C4B5A69788796A5B4C3D2E1";
    std::string e = parse_error(thirty);
    CHECK(e.find("got 30 digits") != std::string::npos);
    CHECK(e.find(thirty) == std::string::npos);
    CHECK(e.find("0F1E2D3C") == std::string::npos);
    CHECK(e.find("4B5A") == std::string::npos);

    e = parse_error(std::string(kEkHex) + "AB");
    CHECK(e.find("got 34 digits") != std::string::npos);
    CHECK(parse_error("").find("got 0 digits") != std::string::npos);

    e = parse_error("0F1E2D3C4B5A6978G796A5B4C3D2E1F0");
    CHECK(e.find("hex digit") != std::string::npos);
    CHECK(e.find("position 17") != std::string::npos);
    CHECK(e.find("0F1E2D3C") == std::string::npos);
    CHECK(e.find('G') == std::string::npos);
}

TEST_CASE("decoder keys: wrong keys give wrong_key and nothing is published") {
    Decoder d = decoder(kOther, kOther);
    auto o = feed_all(d, {1, 2});
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 2);
    for (const auto& e : o.errors) {
        CHECK(e.code == ErrorCode::wrong_key);
        CHECK(e.layer == Layer::crypto);
    }
    CHECK(o.warnings.empty());
    CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::wrong_key)] == 2);
}

TEST_CASE("decoder keys: swapped keys decode, with one warning over several pushes") {
    Decoder d = decoder(kAk, kEk);
    auto o = feed_all(d, {1, 2, 3});
    REQUIRE(o.pushes.size() == 3);
    CHECK(o.errors.empty());
    CHECK(d.keys_swapped());
    REQUIRE(o.warnings.size() == 1);
    CHECK(o.warnings[0] == Warning::keys_swapped);
    CHECK(o.pushes[2].security == Security::authenticated_encrypted);
    CHECK(std::get<std::uint64_t>(o.pushes[2].find("energy_import")->raw) == 30);
    auto later = feed_all(d, {4});
    CHECK(later.pushes.size() == 1);
    CHECK(later.warnings.empty());
}

TEST_CASE("decoder keys: keys the right way round give no warning") {
    Decoder d = decoder(kEk, kAk);
    auto o = feed_all(d, {1, 2});
    CHECK(o.pushes.size() == 2);
    CHECK(o.warnings.empty());
    CHECK_FALSE(d.keys_swapped());
}

TEST_CASE("decoder keys: no authentication key: an authenticated push decodes unchecked, one warning") {
    Decoder d = decoder(kEk, std::nullopt);
    auto o = feed_all(d, {1, 2, 3});
    REQUIRE(o.pushes.size() == 3);
    CHECK(o.errors.empty());
    REQUIRE(o.warnings.size() == 1);
    CHECK(o.warnings[0] == Warning::no_authentication_key);
    CHECK(o.pushes[0].security == Security::encrypted);  // the tag was not checked
}

TEST_CASE("decoder keys: encryption-only push with the wrong key is wrong_key") {
    Decoder d = decoder(kOther, std::nullopt);
    auto o = feed_all(d, {1, 2, 3}, 0x20);
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 3);
    for (const auto& e : o.errors) CHECK(e.code == ErrorCode::wrong_key);

    Decoder right = decoder(kEk, std::nullopt);
    auto ok = feed_all(right, {1}, 0x20);
    REQUIRE(ok.pushes.size() == 1);
    CHECK(ok.pushes[0].security == Security::encrypted);
    CHECK(ok.warnings.empty());
}

TEST_CASE("decoder keys: an encrypted push and no key is no_key") {
    Decoder d;
    auto o = feed_all(d, {1});
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::no_key);
    CHECK(o.errors[0].layer == Layer::crypto);
    // An authentication key alone cannot decrypt either.
    Decoder ak_only = decoder(std::nullopt, kAk);
    auto o2 = feed_all(ak_only, {1});
    REQUIRE(o2.errors.size() == 1);
    CHECK(o2.errors[0].code == ErrorCode::no_key);
}

TEST_CASE("decoder keys: an unencrypted push decodes without keys and is refused with them") {
    sim::AxdrWriter w;
    w.structure(3).visible_string("Kamstrup_V0001").obis(Obis(1, 1, 1, 8, 0)).u32(5);
    const Bytes f = sim::concat(sim::hdlc_frames(sim::data_notification(0, std::nullopt, w.bytes())));
    for (bool with_keys : {false, true}) {
        CAPTURE(with_keys);
        Decoder d = with_keys ? decoder(kEk, kAk) : decoder(std::nullopt, std::nullopt);
        testsupport::Outcome o;
        for (int i = 0; i < 3; ++i) d.feed(f, testsupport::collect(o));
        CHECK(o.warnings.empty());
        if (!with_keys) {
            REQUIRE(o.pushes.size() == 3);
            CHECK(o.pushes[0].security == Security::none);
            CHECK(o.pushes[0].system_title.empty());
            CHECK(o.errors.empty());
            continue;
        }
        // With keys, a push in clear could be anyone's: each one is refused and counted.
        CHECK(o.pushes.empty());
        REQUIRE(o.errors.size() == 3);
        for (const auto& e : o.errors) CHECK(e.code == ErrorCode::not_encrypted);
        CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::not_encrypted)] == 3);
    }
}

TEST_CASE("decoder keys: error messages never hold key material") {
    Decoder d = decoder(kOther, kOther);
    testsupport::Outcome o;
    d.feed(frame(1), testsupport::collect(o));
    REQUIRE_FALSE(o.errors.empty());
    for (const auto& e : o.errors) {
        const std::string m = e.message;
        for (const char* hex : {kEkHex, kAkHex, "5EC73E70"}) CHECK(m.find(std::string(hex).substr(0, 8)) == std::string::npos);
    }
}

// Clearing the authentication bit (0x30 -> 0x20) would let anyone on the wire alter the
// ciphertext (GCM is a stream cipher underneath) with nothing left to check it.
TEST_CASE("decoder keys: with an authentication key, a push stripped of its authentication is refused") {
    Decoder d = decoder(kEk, kAk);
    auto genuine = feed_all(d, {1});
    REQUIRE(genuine.pushes.size() == 1);

    Bytes forged = push_apdu(2, 0x30);
    REQUIRE(forged[11] == 0x30);  // DB 08 title(8) length, then the security byte
    forged[11] = 0x20;
    forged[forged.size() - 12 - 1] ^= 0x01;  // the last byte of energy_import, before the tag
    testsupport::Outcome o;
    d.feed(sim::concat(sim::hdlc_frames(forged)), testsupport::collect(o));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_authenticated);
    CHECK(o.errors[0].layer == Layer::crypto);
}

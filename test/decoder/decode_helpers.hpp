// Runs the decoder over bytes and collects what it reports; builds the pushes the tests feed it.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/decoder.hpp"
#include "simulator/frame_builder.hpp"

namespace testsupport {

struct Outcome {
    std::vector<dlms::Push> pushes;
    std::vector<dlms::Error> errors;
    std::vector<dlms::Warning> warnings;
};

inline dlms::Decoder::Handlers collect(Outcome& o) {
    dlms::Decoder::Handlers h;
    h.on_push = [&o](const dlms::Push& p) { o.pushes.push_back(p); };
    h.on_error = [&o](const dlms::Error& e, dlms::ByteView) { o.errors.push_back(e); };
    h.on_warning = [&o](dlms::Warning w) { o.warnings.push_back(w); };
    return h;
}

inline Outcome feed(dlms::Decoder& d, dlms::ByteView bytes) {
    Outcome o;
    d.feed(bytes, collect(o));
    return o;
}

// Decodes one APDU with a fresh decoder.
inline Outcome decode_apdu(dlms::ByteView apdu, dlms::DecoderOptions options = {}) {
    dlms::Decoder d(std::move(options));
    Outcome o;
    d.decode_apdu(apdu, collect(o));
    return o;
}

// A data-notification body decoded with a fresh decoder: it must give one push and no error.
inline dlms::Push decode_body(const dlms::Bytes& body, dlms::DecoderOptions options = {}) {
    auto o = decode_apdu(sim::data_notification(1, std::nullopt, body), std::move(options));
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    return o.pushes[0];
}

// The reading with `key`, which must be there.
inline const dlms::Reading& get(const dlms::Push& p, std::string_view key) {
    const dlms::Reading* r = p.find(key);
    REQUIRE_MESSAGE(r, key);
    return *r;
}

// A value a test expects of a push: its key, its value and its unit.
struct Want {
    std::string_view key;
    double value;
    dlms::Unit unit;
};

// Every wanted value is in the push, with its unit.
inline void check_values(const dlms::Push& p, std::initializer_list<Want> want) {
    for (const auto& w : want) {
        INFO(w.key);
        const dlms::Reading& r = get(p, w.key);
        REQUIRE(r.value());
        CHECK(*r.value() == doctest::Approx(w.value));
        CHECK(r.unit == w.unit);
    }
}

// Test keys and system title for ciphered pushes: never a real meter's.
inline constexpr std::array<std::uint8_t, 16> kTestEk = {0x21, 0x43, 0x65, 0x87, 0xA9, 0xCB, 0xED, 0x0F,
                                                         0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE};
inline constexpr std::array<std::uint8_t, 16> kTestAk = {0xF0, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87,
                                                         0x78, 0x69, 0x5A, 0x4B, 0x3C, 0x2D, 0x1E, 0x0F};
inline constexpr std::array<std::uint8_t, 8> kTestTitle = {'K', 'A', 'M', 'E', 0x01, 0x02, 0x03, 0x04};

// A plain data-notification whose energy value (also its invoke id) identifies it: the list id
// and one OBIS/value pair.
inline dlms::Bytes energy_notification(std::uint32_t energy) {
    sim::AxdrWriter w;
    w.structure(3).visible_string("Kamstrup_V0001").obis(dlms::Obis(1, 1, 1, 8, 0)).u32(energy);
    return sim::data_notification(energy, std::nullopt, w.bytes());
}

// energy_notification(energy) authenticated and encrypted with the test keys.
inline dlms::Bytes ciphered_energy(std::uint32_t energy, std::uint32_t counter) {
    const dlms::AuthenticationKey ak(kTestAk);
    return sim::glo_cipher(energy_notification(energy), kTestTitle, counter, 0x30, dlms::EncryptionKey(kTestEk), &ak);
}

// Decoder options holding the test keys.
inline dlms::DecoderOptions with_test_keys(bool bare_apdus = false) {
    dlms::DecoderOptions o;
    o.keys.encryption = dlms::EncryptionKey(kTestEk);
    o.keys.authentication = dlms::AuthenticationKey(kTestAk);
    o.bare_apdus = bare_apdus;
    return o;
}

inline dlms::KeyPair keys(const std::optional<std::string>& ek, const std::optional<std::string>& ak) {
    dlms::KeyPair k;
    std::string err;
    if (ek) k.encryption = dlms::EncryptionKey(*dlms::parse_key(*ek, err));
    if (ak) k.authentication = dlms::AuthenticationKey(*dlms::parse_key(*ak, err));
    return k;
}

}  // namespace testsupport

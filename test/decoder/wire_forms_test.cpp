// Link-layer and ciphering forms of other makes: M-Bus long frames longer than 255 bytes
// (Sagemcom T210-D, Austria), bare APDUs logged behind their LLC header, and encrypted DSMR text
// telegrams (Sagemcom, Luxembourg) named as what they are, not as a wrong key.
#include <doctest/doctest.h>

#include "simulator/frame_builder.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

constexpr std::array<std::uint8_t, 8> kSagemcom = {'S', 'A', 'G', 'y', 0x00, 0x12, 0x34, 0x56};

// A T210-D-sized push: 40 OBIS/value pairs, about 560 bytes of A-XDR.
Bytes long_notification() {
    sim::AxdrWriter w;
    w.structure(80);
    for (std::uint8_t i = 0; i < 40; ++i) w.obis(Obis(1, 0, 1, 8, i)).u64(1000000ull + i);
    return sim::data_notification(0x11, std::nullopt, w.bytes());
}

void check_long_push(const testsupport::Outcome& o) {
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    const Push& p = o.pushes[0];
    REQUIRE(p.readings.size() == 40);
    for (std::uint8_t i = 0; i < 40; ++i) {
        const Reading* r = p.find(Obis(1, 0, 1, 8, i));
        REQUIRE(r);
        CHECK(std::get<std::uint64_t>(r->raw) == 1000000ull + i);
        CHECK(r->unit == Unit::watt_hour);
    }
    CHECK(p.unplaced_values == 0);
}

DecoderOptions ek_only() {
    DecoderOptions o;
    o.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
    return o;
}

}  // namespace

TEST_CASE("M-Bus: long frames over 255 bytes (L = length mod 256) decode whole, in any chunking") {
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    const Bytes apdu = sim::glo_cipher(long_notification(), kSagemcom, 9, 0x20, ek, nullptr);
    const auto frames = sim::mbus_frames(apdu, 400);
    REQUIRE(frames.size() == 2);
    REQUIRE(frames[0].size() > 255);
    CHECK(frames[0][1] == static_cast<std::uint8_t>(frames[0].size() - 6));  // mod 256
    const Bytes stream = sim::concat(frames);
    {
        Decoder d(ek_only());
        check_long_push(testsupport::feed(d, stream));
        CHECK(d.stats().garbage_bytes == 0);
    }
    // As a serial port delivers it: a few bytes at a time.
    Decoder d(ek_only());
    testsupport::Outcome o;
    for (std::size_t at = 0; at < stream.size(); at += 7)
        d.feed(ByteView(stream).subspan(at, std::min<std::size_t>(7, stream.size() - at)), testsupport::collect(o));
    check_long_push(o);
    CHECK(d.stats().garbage_bytes == 0);
}

TEST_CASE("M-Bus: a damaged long frame is one corrupt_frame; a cut one gives no push") {
    const Bytes apdu = long_notification();
    auto frames = sim::mbus_frames(apdu, 400);
    frames[0][200] ^= 0x04;
    Decoder d;
    auto o = testsupport::feed(d, sim::concat(frames));
    CHECK(o.pushes.empty());
    REQUIRE_FALSE(o.errors.empty());
    CHECK(o.errors[0].code == ErrorCode::corrupt_frame);

    frames = sim::mbus_frames(apdu, 400);
    const Bytes stream = sim::concat(frames);
    Decoder cut;
    o = testsupport::feed(cut, ByteView(stream).first(stream.size() - 5));
    CHECK(o.pushes.empty());
}

TEST_CASE("bare APDU behind its LLC header: decode_apdu and a bare-APDU line accept it") {
    sim::AxdrWriter w;
    w.structure(2).obis(Obis(1, 0, 1, 7, 0)).u32(1956);
    Bytes apdu{0xE6, 0xE7, 0x00};
    const Bytes n = sim::data_notification(3, std::nullopt, w.bytes());
    apdu.insert(apdu.end(), n.begin(), n.end());
    auto o = testsupport::decode_apdu(apdu);
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    CHECK(std::get<std::uint64_t>(o.pushes[0].find("power_import")->raw) == 1956);

    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    Bytes line{0xE6, 0xE7, 0x00};
    const Bytes ciphered = sim::glo_cipher(n, kSagemcom, 5, 0x20, ek, nullptr);
    line.insert(line.end(), ciphered.begin(), ciphered.end());
    DecoderOptions options = ek_only();
    options.bare_apdus = true;
    {
        Decoder d(options);
        o = testsupport::feed(d, line);
        REQUIRE(o.errors.empty());
        REQUIRE(o.pushes.size() == 1);
        CHECK(*o.pushes[0].find("power_import")->value() == 1956.0);
        CHECK(d.stats().garbage_bytes == 0);
    }
    // Truncated: nothing yet.
    Decoder cut(options);
    CHECK(testsupport::feed(cut, ByteView(line).first(line.size() - 2)).pushes.empty());
    // Corrupt: a bare APDU has no checksum; its GCM tag is what catches a damaged byte.
    const auto ak = sim::KamstrupMeter::demo_authentication_key();
    Bytes tagged{0xE6, 0xE7, 0x00};
    const Bytes authenticated = sim::glo_cipher(n, kSagemcom, 5, 0x30, ek, &ak);
    tagged.insert(tagged.end(), authenticated.begin(), authenticated.end());
    tagged[tagged.size() - 20] ^= 0x01;
    options.keys.authentication = ak;
    Decoder damaged(options);
    o = testsupport::feed(damaged, tagged);
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::wrong_key);
}

TEST_CASE("an encrypted DSMR text telegram without a tag is named a DSMR telegram, not a wrong key") {
    const std::string telegram = "/Lux5\\253833635_D\r\n\r\n1-3:0.2.8(42)\r\n0-0:1.0.0(180130101010W)\r\n!ABCD\r\n";
    const Bytes text(telegram.begin(), telegram.end());
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    const Bytes apdu = sim::glo_cipher(text, kSagemcom, 7, 0x20, ek, nullptr);
    auto o = testsupport::decode_apdu(apdu, ek_only());
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_dlms);
    CHECK(std::string(o.errors[0].message).find("DSMR") != std::string::npos);

    // A wrong key still says wrong key.
    DecoderOptions wrong;
    wrong.keys.encryption = EncryptionKey(sim::KamstrupMeter::demo_authentication_key().bytes());
    o = testsupport::decode_apdu(apdu, wrong);
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::wrong_key);
}

// The unwrap is one loop with a bound on the layers of a push: a block transfer inside a
// ciphering inside a block transfer is a meter's, a stack one layer deeper is refused whole.
TEST_CASE("wire forms: APDU layers up to the bound decode, one more is malformed and gives no push") {
    auto wrap_in_blocks = [](Bytes apdu, int times) {
        for (int i = 0; i < times; ++i) {
            const auto blocks = sim::block_transfer(apdu, apdu.size());
            REQUIRE(blocks.size() == 1);
            apdu = blocks.front();
        }
        return apdu;
    };
    const Bytes deepest = wrap_in_blocks(testsupport::energy_notification(1234), 3);  // 4 layers
    auto o = testsupport::decode_apdu(deepest);
    CHECK(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    CHECK(o.pushes[0].find(Obis(1, 1, 1, 8, 0)) != nullptr);

    o = testsupport::decode_apdu(wrap_in_blocks(deepest, 1));  // 5 layers
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::malformed);
    CHECK(o.errors[0].layer == Layer::apdu);
    CHECK(std::string(o.errors[0].message) == "APDUs nested too deeply");
}

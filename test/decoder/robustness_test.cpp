// Damaged input: every real capture (when ../shared/frames is there) and a simulated Kamstrup
// frame, cut at every length and with every single bit flipped. Nothing may crash (this runs under
// ASan and UBSan), a cut frame never yields a push, and a flipped bit never yields a push whose
// values differ from the undamaged frame's: the FCS, the M-Bus checksum or the GCM tag catch it.
#include <doctest/doctest.h>

#include "simulator/kamstrup_meter.hpp"
#include "test/decoder/decode_helpers.hpp"
#include "test/support/corpus.hpp"

using namespace dlms;

namespace {

struct Input {
    std::string name;
    Bytes bytes;
    KeyPair keys;
    bool link_layer = true;  // HDLC or M-Bus: every flip must at least be noticed; else bare APDUs
    bool intact = true;      // false for the captures known to be damaged: a flip may repair them
};

testsupport::Outcome decode_fresh(const Input& in, ByteView bytes) {
    DecoderOptions options;
    options.keys = in.keys;
    options.bare_apdus = !in.link_layer;
    Decoder d(std::move(options));
    auto o = testsupport::feed(d, bytes);
    // Garbage counts as noticed: a flipped opening flag turns the frame into noise.
    if (o.pushes.empty() && o.errors.empty() && d.stats().garbage_bytes > 0)
        o.errors.push_back(make_error(ErrorCode::corrupt_frame, Layer::framing, 0, "garbage"));
    return o;
}

bool same_reading(const Reading& a, const Reading& b) {
    return a.obis == b.obis && a.index == b.index && a.key == b.key && a.raw == b.raw && a.scaler == b.scaler &&
           a.unit == b.unit;
}

bool same_push(const Push& a, const Push& b) {
    return a.system_title == b.system_title && a.frame_counter == b.frame_counter && a.list_id == b.list_id &&
           a.notification_time == b.notification_time && a.readings.size() == b.readings.size() &&
           std::equal(a.readings.begin(), a.readings.end(), b.readings.begin(), same_reading);
}

void check_truncations(const Input& in) {
    INFO(in.name);
    std::size_t pushed = 0, first_bad = 0;
    for (std::size_t n = 0; n < in.bytes.size(); ++n) {
        if (decode_fresh(in, ByteView(in.bytes).first(n)).pushes.empty()) continue;
        if (pushed++ == 0) first_bad = n;
    }
    INFO("first prefix that gave a push: " << first_bad << " bytes");
    CHECK(pushed == 0);
}

// A flipped bit must never change a value silently; in fact it must not give a push at all.
void check_bit_flips(const Input& in) {
    INFO(in.name);
    const auto reference = decode_fresh(in, in.bytes);
    std::size_t differing = 0, unnoticed = 0, pushed = 0, first_bad = 0;
    Bytes b = in.bytes;
    for (std::size_t bit = 0; bit < b.size() * 8; ++bit) {
        b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        const auto o = decode_fresh(in, b);
        b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        bool differs = false;
        for (const auto& p : o.pushes)
            differs = differs || (in.intact && (reference.pushes.empty() || !same_push(p, reference.pushes[0])));
        if (differs && differing++ == 0) first_bad = bit;
        if (o.pushes.empty() && o.errors.empty()) ++unnoticed;
        if (!o.pushes.empty()) ++pushed;
    }
    INFO("first bit that changed a value silently: byte " << first_bad / 8 << " bit " << first_bad % 8);
    CHECK(differing == 0);
    if (in.link_layer) CHECK(unnoticed == 0);
    if (in.intact) CHECK(pushed == 0);
}

DateTime fixed_time() {
    DateTime t;
    t.year = 2025;
    t.month = 1;
    t.day = 15;
    t.weekday = 3;
    t.hour = 8;
    t.minute = 0;
    t.second = 10;
    t.hundredths = 0xFF;
    t.clock_status = 0x00;
    return t;
}

sim::KamstrupMeter meter(std::uint8_t security = 0x30) {
    sim::KamstrupMeter::Options o;
    o.meter_number = 57012345;
    o.first_counter = 4242;
    o.seed = 3;
    o.security = security;
    return sim::KamstrupMeter(o, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
}

KeyPair demo_keys() {
    KeyPair k;
    k.encryption = sim::KamstrupMeter::demo_encryption_key();
    k.authentication = sim::KamstrupMeter::demo_authentication_key();
    return k;
}

std::vector<Input> corpus_inputs() {
    std::vector<Input> out;
    for (const auto& c : testsupport::load_corpus()) {
        auto bytes = parse_hex(c.hex);
        REQUIRE(bytes);
        const bool link = !bytes->empty() && (bytes->front() == 0x7E || bytes->front() == 0x68);
        out.push_back(Input{c.id, std::move(*bytes), testsupport::keys(c.ek, c.ak), link, c.complete});
    }
    return out;
}

}  // namespace

TEST_CASE("robustness: the simulated Kamstrup frame decodes to the meter's values") {
    auto m = meter();
    const Bytes frame = m.next_frame(fixed_time());
    CHECK(frame.size() == 491);
    Decoder d(DecoderOptions{demo_keys(), {}, true});
    auto o = testsupport::feed(d, frame);
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    const Push& p = o.pushes[0];
    const auto& v = m.last_values();
    CHECK(p.frame_counter == 4242);
    CHECK(p.security == Security::authenticated_encrypted);
    CHECK(p.list_id == "Kamstrup_V0001");
    CHECK(p.meter_serial() == "57012345");
    CHECK(p.readings.size() == 32);
    CHECK(std::get<std::uint64_t>(p.find("energy_import")->raw) == v.energy_import);
    CHECK(*p.find("energy_import")->value() == v.energy_import * 10.0);
    CHECK(std::get<std::uint64_t>(p.find("voltage_l2")->raw) == v.voltage[1]);
    CHECK(*p.find("current_l3")->value() == v.current[2] / 100.0);
    CHECK(std::get<DateTime>(p.find("meter_clock")->raw) == fixed_time());
    CHECK(p.notification_time == fixed_time());
}

TEST_CASE("robustness: the simulated Kamstrup frame cut at every length gives no push") {
    auto m = meter();
    check_truncations(Input{"simulated Kamstrup HDLC", m.next_frame(fixed_time()), demo_keys()});
}

TEST_CASE("robustness: every bit of the simulated Kamstrup frame flipped: caught by the FCS") {
    auto m = meter();
    const Input in{"simulated Kamstrup HDLC", m.next_frame(fixed_time()), demo_keys()};
    check_bit_flips(in);
}

TEST_CASE("robustness: a bare authenticated APDU cut and bit-flipped: caught by the tag") {
    auto m = meter();
    const auto ak = sim::KamstrupMeter::demo_authentication_key();
    const Bytes apdu = sim::glo_cipher(m.next_apdu(fixed_time()), m.system_title(), 77, 0x30,
                                       sim::KamstrupMeter::demo_encryption_key(), &ak);
    const Input in{"bare glo-ciphering APDU", apdu, demo_keys(), false};
    REQUIRE(decode_fresh(in, apdu).pushes.size() == 1);
    check_truncations(in);
    // Including the flip that clears the authentication bit of the security byte (30 -> 20): with
    // an authentication key configured, a push without a tag is refused.
    check_bit_flips(in);
}

TEST_CASE("robustness: a plaintext data-notification cut at every length is a truncation error") {
    auto m = meter();
    const Bytes apdu = m.next_apdu(fixed_time());
    std::size_t pushed = 0, silent = 0;
    for (std::size_t n = 0; n < apdu.size(); ++n) {
        Decoder d;
        testsupport::Outcome o;
        d.decode_apdu(ByteView(apdu).first(n), testsupport::collect(o));
        pushed += o.pushes.size();
        silent += o.errors.empty() ? 1 : 0;
    }
    CHECK(pushed == 0);
    CHECK(silent == 0);
    // Flipped bits in a plaintext have nothing to catch them; they must only not crash.
    Bytes b = apdu;
    DecoderOptions replays_allowed;
    replays_allowed.check_counter = false;
    Decoder d(std::move(replays_allowed));
    for (std::size_t bit = 0; bit < b.size() * 8; ++bit) {
        b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        d.decode_apdu(b, {});
        b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    CHECK(d.stats().pushes + d.stats().error_total() == b.size() * 8);
}

TEST_CASE("robustness: every capture cut at every length gives no push") {
    const auto inputs = corpus_inputs();
    if (inputs.empty()) {
        MESSAGE("skipped: " << testsupport::corpus_path() << " is not there");
        return;
    }
    for (const auto& in : inputs) check_truncations(in);
}

TEST_CASE("robustness: every bit of every capture flipped never changes a value silently") {
    const auto inputs = corpus_inputs();
    if (inputs.empty()) {
        MESSAGE("skipped: " << testsupport::corpus_path() << " is not there");
        return;
    }
    for (const auto& in : inputs) check_bit_flips(in);
}

TEST_CASE("robustness: a T210-D-style M-Bus push in frames over 255 bytes, cut and bit-flipped") {
    auto m = meter();
    const std::array<std::uint8_t, 8> title = {'S', 'A', 'G', 'y', 0x05, 0xE6, 0xD9, 0xFD};
    const auto ak = sim::KamstrupMeter::demo_authentication_key();
    const Bytes apdu = sim::glo_cipher(m.next_apdu(fixed_time()), title, 114, 0x30, sim::KamstrupMeter::demo_encryption_key(), &ak);
    const auto frames = sim::mbus_frames(apdu, 300);
    REQUIRE(frames[0].size() > 255);
    const Input in{"M-Bus long frames", sim::concat(frames), demo_keys()};
    REQUIRE(decode_fresh(in, in.bytes).pushes.size() == 1);
    check_truncations(in);
    check_bit_flips(in);
}

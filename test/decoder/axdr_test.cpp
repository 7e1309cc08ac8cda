// A-XDR values, the COSEM layouts meters push them in, and the meter profiles that give bare
// integers their scaler and unit.
#include <doctest/doctest.h>

#include <bit>
#include <limits>

#include "decoder/axdr.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;
using testsupport::decode_body;
using testsupport::get;

namespace {

struct Parsed {
    ValueTree tree;
    Status status = Ok{};
    std::size_t consumed = 0;
};

Parsed parse(const Bytes& b) {
    Parsed p;
    p.status = p.tree.parse(b, p.consumed);
    return p;
}

// Tag, then the big-endian bytes of `v`.
Bytes scalar(std::uint8_t tag, std::uint64_t v, std::size_t n) {
    Bytes b{tag};
    for (std::size_t i = n; i-- > 0;) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return b;
}

Bytes nested(int levels) {
    Bytes b;
    for (int i = 0; i < levels; ++i) b.insert(b.end(), {0x02, 0x01});
    b.insert(b.end(), {0x11, 0x2A});
    return b;
}

DateTime when() {
    DateTime t;
    t.year = 2024;
    t.month = 12;
    t.day = 31;
    t.weekday = 2;
    t.hour = 23;
    t.minute = 59;
    t.second = 50;
    t.hundredths = 0;
    t.deviation = -60;
    t.clock_status = 0x80;
    return t;
}

constexpr Obis kam(std::uint8_t c, std::uint8_t d, std::uint8_t e = 0) { return Obis(1, 1, c, d, e); }

}  // namespace

TEST_CASE("axdr: every scalar type parses to its value") {
    struct Case { Bytes bytes; Tag tag; std::int64_t i; std::uint64_t u; };
    const Case cases[] = {
        {{0x00}, Tag::null_data, 0, 0},
        {{0x03, 0x01}, Tag::boolean, 1, 1},
        {{0x03, 0x00}, Tag::boolean, 0, 0},
        {scalar(0x0F, 0x80, 1), Tag::integer, -128, 0x80},
        {scalar(0x0F, 0x7F, 1), Tag::integer, 127, 0x7F},
        {scalar(0x10, 0x8000, 2), Tag::long_, -32768, 0x8000},
        {scalar(0x05, 0xFFFFFFFE, 4), Tag::double_long, -2, 0xFFFFFFFE},
        {scalar(0x14, 0x8000000000000000, 8), Tag::long64, std::numeric_limits<std::int64_t>::min(), 0x8000000000000000},
        {scalar(0x11, 0xFF, 1), Tag::unsigned_, 255, 255},
        {scalar(0x12, 0xFFFF, 2), Tag::long_unsigned, 65535, 65535},
        {scalar(0x06, 0xFFFFFFFF, 4), Tag::double_long_unsigned, 4294967295, 4294967295},
        {scalar(0x15, 0xFFFFFFFFFFFFFFFF, 8), Tag::long64_unsigned, -1, 0xFFFFFFFFFFFFFFFF},
        {scalar(0x16, 0x1B, 1), Tag::enum_, 27, 27},
    };
    for (const auto& c : cases) {
        CAPTURE(to_hex(c.bytes));
        auto p = parse(c.bytes);
        REQUIRE(p.status);
        CHECK(p.consumed == c.bytes.size());
        REQUIRE(p.tree.size() == 1);
        CHECK(p.tree[0].tag == c.tag);
        CHECK(p.tree[0].u == c.u);
        CHECK(p.tree[0].i == c.i);
        CHECK(p.tree[0].end == 1);
    }
    auto f32 = parse(scalar(0x17, std::bit_cast<std::uint32_t>(1.5f), 4));
    REQUIRE(f32.status);
    CHECK(f32.tree[0].tag == Tag::float32);
    CHECK(f32.tree[0].f == 1.5);
    auto f64 = parse(scalar(0x18, std::bit_cast<std::uint64_t>(-2.25), 8));
    REQUIRE(f64.status);
    CHECK(f64.tree[0].tag == Tag::float64);
    CHECK(f64.tree[0].f == -2.25);
}

TEST_CASE("axdr: strings, bit-string and date-time keep their bytes") {
    struct Case { Bytes bytes; Tag tag; Bytes content; };
    const Bytes dt = [] {
        auto a = sim::date_time_bytes(when());
        return Bytes(a.begin(), a.end());
    }();
    Bytes date_time{0x19};
    date_time.insert(date_time.end(), dt.begin(), dt.end());
    const Case cases[] = {
        {{0x09, 0x03, 0x01, 0x02, 0x03}, Tag::octet_string, {0x01, 0x02, 0x03}},
        {{0x09, 0x00}, Tag::octet_string, {}},
        {{0x0A, 0x05, 'h', 'e', 'l', 'l', 'o'}, Tag::visible_string, {'h', 'e', 'l', 'l', 'o'}},
        {{0x0C, 0x03, 0xE2, 0x82, 0xAC}, Tag::utf8_string, {0xE2, 0x82, 0xAC}},
        {{0x04, 0x0C, 0xAB, 0xC0}, Tag::bit_string, {0xAB, 0xC0}},  // 12 bits in 2 bytes
        {{0x04, 0x08, 0x5A}, Tag::bit_string, {0x5A}},
        {date_time, Tag::date_time, dt},
    };
    for (const auto& c : cases) {
        CAPTURE(to_hex(c.bytes));
        auto p = parse(c.bytes);
        REQUIRE(p.status);
        CHECK(p.consumed == c.bytes.size());
        CHECK(p.tree[0].tag == c.tag);
        CHECK(p.tree[0].count == c.content.size());
        CHECK(Bytes(p.tree.bytes(0).begin(), p.tree.bytes(0).end()) == c.content);
    }
    // Long BER lengths: 0x81 for 128..255, 0x82 above.
    for (std::size_t n : {std::size_t{127}, std::size_t{128}, std::size_t{255}, std::size_t{256}, std::size_t{1000}}) {
        CAPTURE(n);
        sim::AxdrWriter w;
        w.visible_string(std::string(n, 'x'));
        auto p = parse(w.bytes());
        REQUIRE(p.status);
        CHECK(p.tree[0].count == n);
        CHECK(p.consumed == w.bytes().size());
    }
}

TEST_CASE("axdr: arrays and structures, siblings found through end") {
    sim::AxdrWriter w;
    w.structure(3).array(2).u8(1).u8(2).visible_string("ab").structure(0);
    const Bytes trailing = {0xAA, 0xBB};
    Bytes b = w.bytes();
    b.insert(b.end(), trailing.begin(), trailing.end());
    auto p = parse(b);
    REQUIRE(p.status);
    CHECK(p.consumed == b.size() - trailing.size());  // one value parsed, the rest left alone
    REQUIRE(p.tree.size() == 6);
    CHECK(p.tree[0].tag == Tag::structure);
    CHECK(p.tree[0].count == 3);
    CHECK(p.tree[0].end == 6);
    std::vector<Tag> children;
    p.tree.for_each_child(0, [&](std::size_t c) { children.push_back(p.tree[c].tag); });
    CHECK(children == std::vector<Tag>{Tag::array, Tag::visible_string, Tag::structure});
    CHECK(p.tree[1].end == 4);
    CHECK(p.tree[3].u == 2);
    CHECK(p.tree[5].count == 0);

    // The tree is reused: a second parse leaves nothing of the first.
    auto again = p.tree.parse(Bytes{0x11, 0x07}, p.consumed);
    REQUIRE(again);
    CHECK(p.tree.size() == 1);
    CHECK(p.tree[0].u == 7);
}

TEST_CASE("axdr: nesting 16 is fine, 17 is too deep") {
    auto ok = parse(nested(16));
    REQUIRE(ok.status);
    CHECK(ok.tree.size() == 17);
    auto deep = parse(nested(17));
    REQUIRE_FALSE(deep.status);
    CHECK(deep.status.error().code == ErrorCode::too_deep);
    CHECK(deep.status.error().layer == Layer::axdr);
}

TEST_CASE("axdr: node cap: 4096 values are fine, one more is malformed") {
    Bytes b = {0x01, 0x82, 0x0F, 0xFF};  // array of 4095 nulls + the array = 4096 nodes
    b.insert(b.end(), 4095, 0x00);
    CHECK(parse(b).status);
    Bytes more = {0x01, 0x82, 0x10, 0x00};
    more.insert(more.end(), 4096, 0x00);
    auto p = parse(more);
    REQUIRE_FALSE(p.status);
    CHECK(p.status.error().code == ErrorCode::malformed);
}

TEST_CASE("axdr: empty, truncated and unknown input") {
    struct Case { Bytes bytes; ErrorCode code; std::size_t offset; };
    const Case cases[] = {
        {{}, ErrorCode::truncated, 0},
        {{0x01, 0x05, 0x11, 0x01}, ErrorCode::truncated, 0},        // 5 elements claimed, 2 bytes left
        {{0x02, 0x02, 0x11, 0x01}, ErrorCode::truncated, 4},        // second element missing
        {{0x02, 0x81}, ErrorCode::truncated, 0},                    // container length cut
        {{0x09, 0x05, 0x01, 0x02}, ErrorCode::truncated, 0},        // octet-string past the end
        {{0x0A, 0x82, 0x01}, ErrorCode::truncated, 0},              // string length cut
        {{0x0A, 0x81, 0x80, 'a'}, ErrorCode::truncated, 0},
        {{0x0C, 0x03, 0xE2, 0x82}, ErrorCode::truncated, 0},
        {{0x04, 0x10, 0xFF}, ErrorCode::truncated, 0},              // 16 bits need 2 bytes
        {{0x06, 0x00, 0x00}, ErrorCode::truncated, 0},              // uint32 with 2 bytes
        {{0x18, 0x00}, ErrorCode::truncated, 0},
        {{0x19, 0x07, 0xE8, 0x0C}, ErrorCode::truncated, 0},        // date-time with 3 bytes
        {{0x07}, ErrorCode::unsupported, 0},
        {{0xFF, 0x00}, ErrorCode::unsupported, 0},
        {{0x02, 0x02, 0x11, 0x01, 0x13, 0x00}, ErrorCode::unsupported, 4},  // compact-array, inside
        {{0x0A, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01}, ErrorCode::truncated, 0},  // BER longer than 4 bytes
    };
    for (const auto& c : cases) {
        CAPTURE(to_hex(c.bytes));
        auto p = parse(c.bytes);
        REQUIRE_FALSE(p.status);
        CHECK(p.status.error().code == c.code);
        CHECK(p.status.error().layer == Layer::axdr);
        CHECK(p.status.error().offset == c.offset);
    }
}

TEST_CASE("axdr: an A-XDR error in a push carries its offset within the APDU") {
    const Bytes apdu = sim::data_notification(1, std::nullopt, Bytes{0x02, 0x02, 0x11, 0x01, 0x07});
    Decoder d;
    testsupport::Outcome o;
    d.decode_apdu(apdu, testsupport::collect(o));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::unsupported);
    CHECK(o.errors[0].layer == Layer::axdr);
    CHECK(o.errors[0].offset == 6 + 4);  // 0F, invoke id, 00; then the tag at body offset 4
}

TEST_CASE("cosem: Kamstrup flat list with a list id and null placeholders (1-phase)") {
    sim::AxdrWriter w;
    w.structure(13).visible_string("Kamstrup_V0001");
    w.obis(kam(1, 8)).u32(866636);
    w.obis(kam(32, 7)).u16(231);
    w.null().null().null().null();  // L2, L3 voltage: absent on a 1-phase meter
    w.obis(kam(31, 7)).u32(123);
    w.obis(kam(13, 7)).u16(98);
    const Push p = decode_body(w.bytes());
    CHECK(p.list_id == "Kamstrup_V0001");
    CHECK(p.manufacturer() == "KAM");
    REQUIRE(p.readings.size() == 4);
    for (const auto& r : p.readings) CHECK(r.obis);
    const Reading& e = get(p, "energy_import");
    CHECK(*e.obis == kam(1, 8));
    CHECK(std::get<std::uint64_t>(e.raw) == 866636);
    CHECK(e.scaler == 1);
    CHECK(e.unit == Unit::watt_hour);
    CHECK(*e.value() == 8666360.0);
    CHECK_FALSE(e.scaled_by_meter);
    CHECK(get(p, "voltage_l1").unit == Unit::volt);
    CHECK(*get(p, "current_l1").value() == 1.23);
    CHECK(p.find("voltage_l2") == nullptr);
}

TEST_CASE("cosem: structures {OBIS, value, {scaler, unit}}") {
    sim::AxdrWriter w;
    w.array(3);
    w.structure(3).obis(Obis(1, 0, 1, 7, 0)).u32(1234).structure(2).i8(0).enum_(27);
    w.structure(3).obis(Obis(1, 0, 32, 7, 0)).u16(2301).structure(2).i8(-1).enum_(35);
    w.structure(2).obis(Obis(0, 0, 96, 1, 0)).visible_string("7359992890941742");
    const Push p = decode_body(w.bytes());
    REQUIRE(p.readings.size() == 3);
    const Reading& power = get(p, "power_import");
    CHECK(power.scaled_by_meter);
    CHECK(power.unit == Unit::watt);
    CHECK(*power.value() == 1234.0);
    const Reading& volt = get(p, "voltage_l1");
    CHECK(volt.scaler == -1);
    CHECK(volt.unit == Unit::volt);
    CHECK(*volt.value() == 230.1);
    CHECK(std::get<std::string>(get(p, "meter_id").raw) == "7359992890941742");
    CHECK(p.meter_serial() == "7359992890941742");
}

TEST_CASE("cosem: descriptor array, then the values in the same order") {
    auto desc = [](sim::AxdrWriter& w, std::uint16_t cls, const Obis& o) {
        w.structure(4).u16(cls).obis(o).i8(2).u16(0);
    };
    sim::AxdrWriter w;
    w.structure(3).array(3);
    desc(w, 40, Obis(0, 0, 25, 9, 0));  // the push set-up itself: its value is the list above
    desc(w, 8, Obis(0, 0, 1, 0, 0));
    desc(w, 3, Obis(1, 0, 1, 8, 0));
    w.date_time_octets(when()).u32(123456);
    const Push p = decode_body(w.bytes());
    REQUIRE(p.readings.size() == 2);
    CHECK(std::get<DateTime>(get(p, "meter_clock").raw) == when());
    const Reading& e = get(p, "energy_import");
    CHECK(std::get<std::uint64_t>(e.raw) == 123456);
    CHECK(*e.obis == Obis(1, 0, 1, 8, 0));
}

TEST_CASE("cosem: flat pairs followed by scaler-unit structures") {
    sim::AxdrWriter w;
    w.structure(7).octet_string(sim::date_time_bytes(when()));
    w.obis(Obis(1, 0, 1, 8, 0)).u32(1234567).structure(2).i8(0).enum_(30);
    w.obis(Obis(1, 0, 32, 7, 0)).u16(2305).structure(2).i8(-1).enum_(35);
    const Push p = decode_body(w.bytes());
    REQUIRE(p.readings.size() == 2);
    const Reading& e = get(p, "energy_import");
    CHECK(e.scaled_by_meter);
    CHECK(e.unit == Unit::watt_hour);
    CHECK(*e.value() == 1234567.0);
    const Reading& v = get(p, "voltage_l1");
    CHECK(v.scaled_by_meter);
    CHECK(*v.value() == 230.5);
}

TEST_CASE("cosem: positional KFM_001 list of 13 is named") {
    sim::AxdrWriter w;
    w.structure(13).visible_string("KFM_001").visible_string("6970631400000000").visible_string("MA304H3E");
    w.u32(1790).u32(0).u32(0).u32(229);
    w.i32(1234).i32(2000).i32(3000);
    w.u16(2301).u16(2299).u16(2310);
    const Push p = decode_body(w.bytes());
    CHECK(p.list_id == "KFM_001");
    REQUIRE(p.readings.size() == 13);
    const char* keys[] = {"list_version", "meter_id", "meter_type", "power_import", "power_export",
                          "reactive_power_import", "reactive_power_export", "current_l1", "current_l2",
                          "current_l3", "voltage_l1", "voltage_l2", "voltage_l3"};
    for (int i = 0; i < 13; ++i) {
        CAPTURE(i);
        CHECK(p.readings[i].index == i);
        CHECK(p.readings[i].key == keys[i]);
        CHECK(p.readings[i].obis);
    }
    const Reading& i1 = get(p, "current_l1");
    CHECK(*i1.obis == Obis(1, 0, 31, 7, 0));
    CHECK(i1.scaler == -3);
    CHECK(i1.unit == Unit::ampere);
    CHECK(*i1.value() == 1.234);
    const Reading& u3 = get(p, "voltage_l3");
    CHECK(u3.scaler == -1);
    CHECK(u3.unit == Unit::volt);
    CHECK(*u3.value() == 231.0);
    CHECK(*get(p, "meter_id").obis == Obis(0, 0, 96, 1, 0));
    CHECK(p.meter_serial() == "6970631400000000");
}

TEST_CASE("cosem: KFM_001 powers keep their base unit") {
    sim::AxdrWriter w;
    w.structure(13).visible_string("KFM_001").visible_string("6970631400000000").visible_string("MA304H3E");
    w.u32(1790).u32(0).u32(0).u32(229).i32(1).i32(2).i32(3).u16(2301).u16(2299).u16(2310);
    const Push p = decode_body(w.bytes());
    CHECK(get(p, "power_import").unit == Unit::watt);
    CHECK(get(p, "reactive_power_export").unit == Unit::var);
}

TEST_CASE("cosem: a positional list nobody names keeps index and no OBIS") {
    sim::AxdrWriter w;
    w.structure(3).u32(5).u16(6).visible_string("abc");
    const Push p = decode_body(w.bytes());
    CHECK(p.list_id.empty());
    REQUIRE(p.readings.size() == 3);
    for (int i = 0; i < 3; ++i) {
        CHECK(p.readings[i].index == i);
        CHECK_FALSE(p.readings[i].obis);
        CHECK(p.readings[i].key.empty());
        CHECK(p.readings[i].scaler == 0);
    }
    CHECK(std::get<std::uint64_t>(p.readings[1].raw) == 6);
    CHECK(std::get<std::string>(p.readings[2].raw) == "abc");
}

TEST_CASE("cosem: a body that is not a container is unsupported") {
    Decoder d;
    testsupport::Outcome o;
    d.decode_apdu(sim::data_notification(1, std::nullopt, Bytes{0x06, 0, 0, 0, 1}), testsupport::collect(o));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::unsupported);
    CHECK(o.errors[0].layer == Layer::cosem);
}

TEST_CASE("profile: Kamstrup scalers and units, voltage by size, overrides by key and OBIS") {
    sim::AxdrWriter w;
    w.structure(13).visible_string("Kamstrup_V0001");
    w.obis(kam(1, 8)).u32(866636).obis(kam(31, 7)).u32(1234).obis(kam(13, 7)).u16(97);
    w.obis(kam(32, 7)).u16(1000).obis(kam(52, 7)).u16(1001).obis(kam(72, 7)).u16(22199);
    const Bytes body = w.take();

    const Push p = decode_body(body);
    const Reading& e = get(p, "energy_import");
    CHECK(e.scaler == 1);
    CHECK(e.unit == Unit::watt_hour);
    const Reading& i = get(p, "current_l1");
    CHECK(i.scaler == -2);
    CHECK(i.unit == Unit::ampere);
    CHECK(*i.value() == 12.34);
    const Reading& pf = get(p, "power_factor");
    CHECK(pf.scaler == -2);
    CHECK(*pf.value() == 0.97);
    CHECK(get(p, "voltage_l1").scaler == 0);  // 1000 is still whole volts
    CHECK(*get(p, "voltage_l1").value() == 1000.0);
    CHECK(get(p, "voltage_l2").scaler == -2);  // above 1000: 0.01 V
    const Reading& u3 = get(p, "voltage_l3");
    CHECK(u3.scaler == -2);
    CHECK(u3.unit == Unit::volt);
    CHECK(*u3.value() == 221.99);

    DecoderOptions o;
    o.overrides.by_key["energy_import"] = ScalingOverride{0, Unit::watt_hour};
    o.overrides.by_key["1.1.72.7.0.255"] = ScalingOverride{-1, Unit::volt};
    const Push q = decode_body(body, std::move(o));
    CHECK(get(q, "energy_import").scaler == 0);
    CHECK(*get(q, "energy_import").value() == 866636.0);
    CHECK(get(q, "voltage_l3").scaler == -1);
    CHECK(get(q, "current_l1").scaler == -2);  // untouched
}

TEST_CASE("profile: a Kamstrup system title names the meter by its last four bytes") {
    const std::array<std::uint8_t, 16> ek = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const std::array<std::uint8_t, 8> title = {'K', 'A', 'M', 'E', 0x01, 0xA4, 0xDC, 0x52};
    sim::AxdrWriter w;
    w.structure(3).visible_string("Kamstrup_V0001").obis(kam(1, 8)).u32(1);
    const Bytes apdu = sim::glo_cipher(sim::data_notification(0, std::nullopt, w.bytes()), title, 1, 0x20,
                                       EncryptionKey(ek), nullptr);
    DecoderOptions o;
    o.keys.encryption = EncryptionKey(ek);
    Decoder d(std::move(o));
    testsupport::Outcome out;
    d.decode_apdu(apdu, testsupport::collect(out));
    REQUIRE(out.pushes.size() == 1);
    CHECK(out.pushes[0].manufacturer() == "KAM");
    CHECK(manufacturer_name(out.pushes[0].manufacturer()) == "Kamstrup");
    CHECK(out.pushes[0].meter_serial() == "27581522");
}

// Push layouts of many makes: whatever the decoder cannot place still appears, counted and named
// in a warning; the layouts of Sagemcom, Kaifa, Iskraemeco and Landis+Gyr lists are read whole.
// Every frame is built here from the layout in the meter's or the grid operator's specification.
#include <doctest/doctest.h>

#include <limits>

#include "simulator/frame_builder.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;
using testsupport::decode_body;
using testsupport::get;

TEST_CASE("unplaced: a value without an OBIS code among pairs is kept by index, counted and named") {
    sim::AxdrWriter w;
    w.structure(6);
    w.obis(Obis(1, 0, 1, 8, 0)).u32(4913794);
    w.u16(4711);  // no OBIS code before it: nothing says what it is
    w.obis(Obis(1, 0, 1, 7, 0)).u32(1956);
    w.visible_string("ABC");  // a trailing value with no OBIS
    const Bytes body = w.bytes();
    const Push p = decode_body(body);
    REQUIRE(p.readings.size() == 4);
    CHECK(std::get<std::uint64_t>(get(p, "energy_import").raw) == 4913794);
    CHECK(std::get<std::uint64_t>(get(p, "power_import").raw) == 1956);
    const Reading& stray = p.readings[1];
    CHECK_FALSE(stray.obis);
    CHECK(stray.key.empty());
    CHECK(stray.index == 1);
    CHECK(std::get<std::uint64_t>(stray.raw) == 4711);
    CHECK(p.readings[3].index == 3);
    CHECK(std::get<std::string>(p.readings[3].raw) == "ABC");
    CHECK(p.unplaced_values == 2);
    REQUIRE(p.warnings.size() == 2);
    // The warning points at the value's tag in the body: structure(2) + OBIS(8) + u32(5).
    CHECK(p.warnings[0].offset == 15);
    CHECK(body[p.warnings[0].offset] == 0x12);
    CHECK(p.warnings[0].message.find("value 1") != std::string::npos);
}

TEST_CASE("unplaced: a positional list that no known list names is counted, one warning for the list") {
    sim::AxdrWriter w;
    w.structure(15);
    for (int i = 0; i < 15; ++i) w.u32(static_cast<std::uint32_t>(1000 + i));
    const Push p = decode_body(w.bytes());
    REQUIRE(p.readings.size() == 15);
    CHECK(p.unplaced_values == 15);
    REQUIRE(p.warnings.size() == 1);
    CHECK(p.warnings[0].offset == 0);
    CHECK(p.warnings[0].message.find("15 values") != std::string::npos);
}

TEST_CASE("unplaced: a leading time stamp equal to the push time is the push time, not a stray value") {
    DateTime t;
    t.year = 2024, t.month = 5, t.day = 1, t.hour = 12, t.minute = 0, t.second = 5;
    sim::AxdrWriter w;
    w.structure(3).date_time_octets(t).obis(Obis(1, 0, 1, 8, 0)).u32(12937);
    auto o = testsupport::decode_apdu(sim::data_notification(7, t, w.bytes()));
    REQUIRE(o.pushes.size() == 1);
    CHECK(o.pushes[0].readings.size() == 1);
    CHECK(o.pushes[0].unplaced_values == 0);
    CHECK(o.pushes[0].warnings.empty());
}

TEST_CASE("unplaced: a complete push has no warnings, and the counts start again with each push") {
    sim::AxdrWriter bad;
    bad.structure(3).obis(Obis(1, 0, 1, 8, 0)).u32(1).u8(9);
    sim::AxdrWriter good;
    good.structure(2).obis(Obis(1, 0, 1, 8, 0)).u32(2);
    Decoder d;
    testsupport::Outcome o;
    d.decode_apdu(sim::data_notification(1, std::nullopt, bad.bytes()), testsupport::collect(o));
    d.decode_apdu(sim::data_notification(2, std::nullopt, good.bytes()), testsupport::collect(o));
    REQUIRE(o.pushes.size() == 2);
    CHECK(o.pushes[0].unplaced_values == 1);
    CHECK(o.pushes[1].unplaced_values == 0);
    CHECK(o.pushes[1].warnings.empty());
}

TEST_CASE("conversion: one conversion, exact for counters, a double beyond 64 bits, never wrapped") {
    auto with = [](RawValue raw, int scaler) {
        Reading r;
        r.raw = std::move(raw);
        r.scaler = static_cast<std::int16_t>(scaler);
        return r;
    };
    // Kamstrup energy in 10 Wh: an exact integer.
    auto n = scaled_number(with(std::uint64_t{866636}, 1));
    REQUIRE(n);
    CHECK(std::get<std::uint64_t>(*n) == 8666360);
    // A meter-sent scaler of 19 on raw 5: 5e19 does not fit 64 bits; it is the double, not a wrap.
    n = scaled_number(with(std::int64_t{5}, 19));
    REQUIRE(n);
    CHECK(std::get<double>(*n) == 5e19);
    CHECK(*with(std::int64_t{5}, 19).value() == 5e19);
    n = scaled_number(with(std::int64_t{-5}, 19));
    CHECK(std::get<double>(*n) == -5e19);
    n = scaled_number(with(std::numeric_limits<std::uint64_t>::max(), 1));
    CHECK(std::get<double>(*n) == doctest::Approx(1.8446744073709552e20));
    // Negative scalers divide by an exact power of ten: the meter's decimals.
    n = scaled_number(with(std::uint64_t{22199}, -2));
    CHECK(std::get<double>(*n) == 221.99);
    // The display shift (Wh → kWh) goes through the same function.
    n = scaled_number(with(std::uint64_t{866636}, 1), -3);
    CHECK(std::get<double>(*n) == 8666.36);
    // Beyond a double: no value rather than a wrong one; zero stays zero.
    CHECK_FALSE(scaled_number(with(1e300, 100)));
    CHECK_FALSE(scaled_number(with(std::numeric_limits<double>::quiet_NaN(), 0)));
    CHECK(std::get<std::uint64_t>(*scaled_number(with(std::uint64_t{0}, 400))) == 0);
    CHECK_FALSE(scaled_number(with(std::string("x"), 0)));
}

TEST_CASE("conversion: a scaler sent as a long is kept whole; one beyond a double gives a warning") {
    sim::AxdrWriter w;
    w.array(3);
    w.structure(3).obis(Obis(1, 0, 1, 7, 0)).i32(5).structure(2).i8(19).enum_(27);
    w.structure(3).obis(Obis(1, 0, 2, 7, 0)).i32(5).structure(2).i16(300).enum_(27);
    w.structure(3).obis(Obis(1, 0, 3, 7, 0)).i32(5).structure(2).i16(400).enum_(29);
    const Push p = decode_body(w.bytes());
    REQUIRE(p.readings.size() == 3);
    CHECK(*get(p, "power_import").value() == 5e19);
    CHECK(get(p, "power_export").scaler == 300);  // not 44, as an 8-bit wrap would give
    CHECK(*get(p, "power_export").value() == doctest::Approx(5e300));
    CHECK_FALSE(get(p, "reactive_power_import").value());
    REQUIRE(p.warnings.size() == 1);
    CHECK(p.warnings[0].message.find("scaler 400") != std::string::npos);
}

namespace {
// Sagemcom XT211 (ČEZ Distribuce, Czech Republic): {enum, array of {descriptor, value}} where the
// descriptor class-id(2) OBIS(6) attribute(1) carries no A-XDR tags.
void untagged(sim::AxdrWriter& w, std::uint16_t cls, const Obis& o, std::uint8_t attribute) {
    w.structure(2);
    const Bytes d{static_cast<std::uint8_t>(cls >> 8), static_cast<std::uint8_t>(cls), o.v[0], o.v[1], o.v[2], o.v[3], o.v[4], o.v[5], attribute};
    w.raw(d);
}

Bytes xt211_body() {
    sim::AxdrWriter w;
    w.structure(2).enum_(1).array(8);
    untagged(w, 1, Obis(0, 0, 96, 1, 1), 2);
    w.octet_string(Bytes{'5', '1', '0', '0', '0', '0', '5', '1', '4', '9'});
    untagged(w, 1, Obis(0, 0, 96, 14, 0), 2);
    w.octet_string(Bytes{'T', '2'});
    untagged(w, 3, Obis(1, 0, 1, 7, 0), 2);
    w.u32(1956);
    untagged(w, 3, Obis(1, 0, 21, 7, 0), 2);
    w.u32(198);
    untagged(w, 3, Obis(1, 0, 1, 8, 0), 2);
    w.u32(4913794);
    untagged(w, 3, Obis(1, 0, 1, 8, 1), 2);
    w.u32(948933);
    untagged(w, 3, Obis(1, 0, 1, 8, 3), 2);
    w.u32(0);
    untagged(w, 3, Obis(1, 0, 2, 8, 0), 2);
    w.u32(52);
    return w.take();
}
}  // namespace

TEST_CASE("XT211: {untagged descriptor, value} structures are read whole") {
    const Push p = decode_body(xt211_body());
    CHECK(std::get<std::string>(get(p, "meter_id_2").raw) == "5100005149");
    CHECK(p.meter_serial() == "5100005149");
    CHECK(std::get<std::string>(get(p, "current_tariff").raw) == "T2");
    struct Want { std::string_view key; double value; Unit unit; };
    const Want want[] = {{"power_import", 1956, Unit::watt}, {"power_import_l1", 198, Unit::watt},
                         {"energy_import", 4913794, Unit::watt_hour}, {"energy_import_t1", 948933, Unit::watt_hour},
                         {"energy_import_t3", 0, Unit::watt_hour}, {"energy_export", 52, Unit::watt_hour}};
    for (const auto& w : want) {
        INFO(w.key);
        CHECK(*get(p, w.key).value() == w.value);
        CHECK(get(p, w.key).unit == w.unit);
    }
    CHECK(p.readings.size() == 9);  // the leading enum is kept, unplaced
    CHECK(p.unplaced_values == 1);
}

TEST_CASE("XT211: a damaged or cut list is an error, not a push") {
    Bytes body = xt211_body();
    // The value tag after the first descriptor made impossible: neither form reads it.
    // structure(2) enum(1) array(8) | structure(2) | descriptor(9) | value tag
    REQUIRE(body[17] == 0x09);
    body[17] = 0x60;
    auto o = testsupport::decode_apdu(sim::data_notification(7, std::nullopt, body));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::unsupported);

    body = xt211_body();
    body.resize(body.size() - 3);
    o = testsupport::decode_apdu(sim::data_notification(7, std::nullopt, body));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);
}

TEST_CASE("mixed layouts: Kaifa (Austria, Poland): a clock pair, then nested {OBIS, value, {scaler, unit}}") {
    DateTime t;
    t.year = 2021, t.month = 9, t.day = 27, t.hour = 9, t.minute = 47, t.second = 15;
    sim::AxdrWriter w;
    w.structure(8);
    w.obis(Obis(0, 0, 1, 0, 0)).date_time_octets(t);
    w.structure(3).obis(Obis(1, 0, 32, 7, 0)).u16(2337).structure(2).i8(-1).enum_(35);
    w.structure(3).obis(Obis(1, 0, 31, 7, 0)).u16(151).structure(2).i8(-2).enum_(33);
    w.structure(3).obis(Obis(1, 0, 1, 7, 0)).u32(352).structure(2).i8(0).enum_(27);
    w.structure(3).obis(Obis(1, 0, 1, 8, 0)).u32(12937).structure(2).i8(0).enum_(30);
    w.structure(3).obis(Obis(1, 0, 13, 7, 0)).u16(998).structure(2).i8(-3).enum_(255);
    w.visible_string("181220000009");  // a trailing value with no OBIS
    const Push p = decode_body(w.bytes());
    CHECK(std::get<DateTime>(get(p, "meter_clock").raw) == t);
    struct Want { std::string_view key; double value; Unit unit; };
    const Want want[] = {{"voltage_l1", 233.7, Unit::volt}, {"current_l1", 1.51, Unit::ampere}, {"power_import", 352, Unit::watt},
                         {"energy_import", 12937, Unit::watt_hour}, {"power_factor", 0.998, Unit::count}};
    for (const auto& x : want) {
        INFO(x.key);
        CHECK(*get(p, x.key).value() == doctest::Approx(x.value));
        CHECK(get(p, x.key).unit == x.unit);
    }
    REQUIRE(p.readings.size() == 7);
    CHECK(std::get<std::string>(p.readings.back().raw) == "181220000009");
    CHECK(p.unplaced_values == 1);
}

TEST_CASE("mixed layouts: flat pairs, nested pairs and triples and flat triples in one list, all read") {
    sim::AxdrWriter w;
    w.structure(9);
    w.obis(Obis(0, 0, 96, 1, 0)).visible_string("1ISK0071234567");  // Iskraemeco AM550 (Austria): the meter number first
    w.structure(2).obis(Obis(1, 0, 1, 7, 0)).u32(1200);
    w.structure(3).obis(Obis(1, 0, 2, 7, 0)).u32(15).structure(2).i8(1).enum_(27);
    w.obis(Obis(1, 0, 1, 8, 0)).u32(523).structure(2).i8(3).enum_(30);
    w.array(2).structure(2).obis(Obis(1, 0, 32, 7, 0)).u16(231).structure(2).obis(Obis(1, 0, 52, 7, 0)).u16(232);
    w.u32(77);
    const Push p = decode_body(w.bytes());
    CHECK(std::get<std::string>(get(p, "meter_id").raw) == "1ISK0071234567");
    CHECK(*get(p, "power_import").value() == 1200);
    CHECK(*get(p, "power_export").value() == 150);
    CHECK(get(p, "power_export").unit == Unit::watt);
    CHECK(*get(p, "energy_import").value() == 523000);
    CHECK(get(p, "energy_import").unit == Unit::watt_hour);
    CHECK(*get(p, "voltage_l1").value() == 231);
    CHECK(*get(p, "voltage_l2").value() == 232);
    REQUIRE(p.readings.size() == 7);
    CHECK(std::get<std::uint64_t>(p.readings.back().raw) == 77);
    CHECK(p.unplaced_values == 1);
}

TEST_CASE("mixed layouts: a cut or damaged nested list is an error, not a push with what came first") {
    sim::AxdrWriter w;
    w.structure(3).obis(Obis(0, 0, 96, 1, 0)).visible_string("1ISK0071234567");
    w.structure(3).obis(Obis(1, 0, 2, 7, 0)).u32(15).structure(2).i8(1).enum_(27);
    Bytes body = w.take();
    Bytes cut(body.begin(), body.end() - 2);
    auto o = testsupport::decode_apdu(sim::data_notification(7, std::nullopt, cut));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);
    body[body.size() - 2] = 0x07;  // the enum's tag made one A-XDR does not have
    o = testsupport::decode_apdu(sim::data_notification(7, std::nullopt, body));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::unsupported);
}

TEST_CASE("profile: Landis+Gyr lists without scalers (E450, Switzerland) read 0.51 A, not 51 A") {
    const std::array<std::uint8_t, 8> title = {'L', 'G', 'Z', 'g', 0x73, 0x70, 0xB1, 0x77};
    sim::AxdrWriter w;
    w.structure(16);
    w.obis(Obis(1, 0, 31, 7, 0)).u16(51);
    w.obis(Obis(1, 0, 32, 7, 0)).u16(2357);  // the E360 sends 0.1 V
    w.obis(Obis(1, 0, 52, 7, 0)).u16(239);   // the E450 whole volts
    w.obis(Obis(1, 0, 13, 7, 0)).u16(998);
    w.obis(Obis(1, 0, 14, 7, 0)).u16(5001);
    w.obis(Obis(1, 0, 1, 7, 0)).u32(2893);
    w.obis(Obis(1, 1, 1, 8, 0)).u32(4408736);
    w.obis(Obis(1, 1, 3, 8, 0)).u32(1591784);
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    const Bytes apdu = sim::glo_cipher(sim::data_notification(1, std::nullopt, w.bytes()), title, 3, 0x20, ek, nullptr);
    DecoderOptions options;
    options.keys.encryption = ek;
    auto o = testsupport::decode_apdu(apdu, options);
    REQUIRE(o.pushes.size() == 1);
    const Push& p = o.pushes[0];
    CHECK(p.manufacturer() == "LGZ");
    struct Want { std::string_view key; double value; Unit unit; };
    const Want want[] = {{"current_l1", 0.51, Unit::ampere}, {"voltage_l1", 235.7, Unit::volt},
                         {"voltage_l2", 239, Unit::volt}, {"power_factor", 0.998, Unit::none},
                         {"frequency", 50.01, Unit::hertz}, {"power_import", 2893, Unit::watt},
                         {"energy_import", 4408736, Unit::watt_hour}, {"reactive_energy_import", 1591784, Unit::var_hour}};
    for (const auto& x : want) {
        INFO(x.key);
        CHECK(*get(p, x.key).value() == doctest::Approx(x.value));
        CHECK(get(p, x.key).unit == x.unit);
        CHECK_FALSE(get(p, x.key).scaled_by_meter);
    }
    CHECK(p.warnings.empty());
}

TEST_CASE("profile: a Landis+Gyr list that sends its own scaler keeps it; a plain one named by its device name") {
    sim::AxdrWriter w;
    w.structure(3);
    w.obis(Obis(0, 0, 42, 0, 0)).octet_string(Bytes{'L', 'G', 'Z', '1', '0', '3', '0', '1', '6', '3', '5', '9', '8', '9', '0', '5'});
    w.structure(3).obis(Obis(1, 0, 31, 7, 0)).u16(51).structure(2).i8(-1).enum_(33);
    const Push p = decode_body(w.bytes());
    CHECK(p.manufacturer() == "LGZ");
    CHECK(*get(p, "current_l1").value() == doctest::Approx(5.1));
}

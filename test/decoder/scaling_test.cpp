// Lists that carry no scalers, read in their documented units: the Swiss VSE list as Iskraemeco's
// AM550 sends it (voltage 0.1 V, current 0.01 A), Landis+Gyr's E450 list from a meter that names
// no maker (current 0.01 A), and the check that catches a unit no list names: the E570's whole
// amperes, which give more active power than the phases can carry. Lists built from the layouts
// the operators' lists have (descriptors, then the values in the same order).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "decoder/plausibility.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

struct Desc {
    std::uint16_t cls;
    Obis obis;
};

// A VSE push body: {class, OBIS, attribute 2, 0} for each object, the first the push set-up
// (whose object list is that array itself), then one value per further object.
Bytes vse(const std::vector<Desc>& objects, const std::function<void(sim::AxdrWriter&)>& values) {
    sim::AxdrWriter w;
    w.structure(objects.size()).array(objects.size());
    for (const auto& o : objects) w.structure(4).u16(o.cls).obis(o.obis).i8(2).u16(0);
    values(w);
    return w.take();
}

const Desc kPushSetup{40, Obis(0, 8, 25, 9, 0)};
const Desc kDeviceName{1, Obis(0, 0, 42, 0, 0)};
const Desc kClock{8, Obis(0, 0, 1, 0, 0)};
Desc reg(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return {3, Obis(a, b, c, d, 0)}; }
const std::vector<Desc> kPowerVoltageCurrent = {reg(1, 0, 1, 7),  reg(1, 0, 2, 7),  reg(1, 0, 32, 7), reg(1, 0, 52, 7),
                                                reg(1, 0, 72, 7), reg(1, 0, 31, 7), reg(1, 0, 51, 7), reg(1, 0, 71, 7)};

std::vector<Desc> objects(std::vector<Desc> head, const std::vector<Desc>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

Push decode(const Bytes& body, DecoderOptions options = {}) { return testsupport::decode_body(body, std::move(options)); }

// Iskraemeco AM550, the VSE list of Swiss operators: device name, A+ A- R+ R-, P+ P-, U1-U3, I1-I3.
Bytes am550_vse(std::uint16_t u1, std::uint16_t i1) {
    const auto list = objects({{40, Obis(0, 6, 25, 9, 0)}, kDeviceName, reg(1, 1, 1, 8), reg(1, 1, 2, 8), reg(1, 1, 3, 8), reg(1, 1, 4, 8)},
                              kPowerVoltageCurrent);
    return vse(list, [&](sim::AxdrWriter& w) {
        w.octet_string(as_bytes(std::string_view("ISK1030712345678")));
        w.u32(15207).u32(8987).u32(26198).u32(12784).u32(27).u32(0);
        w.u16(u1).u16(0).u16(0).u16(i1).u16(0).u16(0);
    });
}

// Landis+Gyr E450 in Switzerland, unencrypted and without its device name: nothing names the maker.
Bytes e450_vse(std::uint32_t power, const std::function<void(sim::AxdrWriter&)>& currents) {
    const auto list = objects({kPushSetup, {1, Obis(0, 0, 96, 1, 0)}}, kPowerVoltageCurrent);
    return vse(list, [&](sim::AxdrWriter& w) {
        w.octet_string(as_bytes(std::string_view("3045987"))).u32(power).u32(0);
        w.u16(236).u16(235).u16(237);
        currents(w);
    });
}

// Landis+Gyr E570 (the list of the Swiss operators' E570): push set-up, device name, clock,
// P+ P- Q+ Q-, A+ A-, reactive energy Q1-Q4, I1-I3, power factor.
Bytes e570(std::uint32_t power, std::uint16_t i1, std::uint16_t i2, std::uint16_t i3) {
    const std::vector<Desc> list = {kPushSetup,       kDeviceName,      kClock,           reg(1, 0, 1, 7),  reg(1, 0, 2, 7),
                                    reg(1, 0, 3, 7),  reg(1, 0, 4, 7),  reg(1, 1, 1, 8),  reg(1, 1, 2, 8),  reg(1, 1, 5, 8),
                                    reg(1, 1, 6, 8),  reg(1, 1, 7, 8),  reg(1, 1, 8, 8),  reg(1, 0, 31, 7), reg(1, 0, 51, 7),
                                    reg(1, 0, 71, 7), reg(1, 0, 13, 7)};
    DateTime t;
    t.year = 2024, t.month = 3, t.day = 13, t.weekday = 3, t.hour = 9, t.minute = 2, t.second = 45;
    return vse(list, [&](sim::AxdrWriter& w) {
        w.octet_string(as_bytes(std::string_view("LGZ1030700000001"))).date_time_octets(t);
        w.u32(power).u32(0).u32(51234).u32(0).u32(98765432).u32(0).u32(1200).u32(0).u32(0).u32(3400);
        w.u16(i1).u16(i2).u16(i3).u16(980);
    });
}

DecoderOptions currents_in_amperes() {
    DecoderOptions o;
    for (auto key : {"current_l1", "current_l2", "current_l3"}) o.overrides.by_key[key] = ScalingOverride{0, std::nullopt};
    return o;
}

}  // namespace

TEST_CASE("scaling: Iskraemeco AM550's VSE list: voltage in 0.1 V, current in 0.01 A beside its power in W") {
    const Push p = decode(am550_vse(2347, 12));
    CHECK(p.manufacturer() == "ISK");
    testsupport::check_values(p, {{"power_import", 27, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"voltage_l1", 234.7, Unit::volt}, {"voltage_l2", 0, Unit::volt}, {"voltage_l3", 0, Unit::volt},
                  {"current_l1", 0.12, Unit::ampere}, {"current_l2", 0, Unit::ampere}, {"current_l3", 0, Unit::ampere},
                  {"energy_import", 15207, Unit::watt_hour}, {"energy_export", 8987, Unit::watt_hour},
                  {"reactive_energy_import", 26198, Unit::var_hour}, {"reactive_energy_export", 12784, Unit::var_hour}});
    CHECK(p.unplaced_values == 0);
    CHECK_FALSE(implausible_scaling(p));
}

TEST_CASE("scaling: Landis+Gyr E450's VSE list from a meter that names no maker: current in 0.01 A") {
    const Push p = decode(e450_vse(118, [](sim::AxdrWriter& w) { w.u16(51).u16(0).u16(0); }));
    CHECK(p.manufacturer().empty());
    testsupport::check_values(p, {{"power_import", 118, Unit::watt}, {"voltage_l1", 236, Unit::volt}, {"voltage_l3", 237, Unit::volt},
                  {"current_l1", 0.51, Unit::ampere}, {"current_l2", 0, Unit::ampere}});
    CHECK_FALSE(implausible_scaling(p));
    // The same list in the OBIS-coded layout of other makers keeps the generic units.
    sim::AxdrWriter flat;
    flat.structure(2).structure(2).obis(Obis(1, 0, 31, 7, 0)).u16(51).structure(2).obis(Obis(1, 0, 32, 7, 0)).u16(236);
    CHECK(*decode(flat.bytes()).find("current_l1")->value() == 51);
}

TEST_CASE("scaling: the E570's whole amperes give more power than the phases carry: named, with the override that fixes it") {
    const Push p = decode(e570(258874, 400, 200, 601));
    // Read in the L+G profile's 0.01 A: 4.00, 2.00 and 6.01 A beside 258,874 W.
    testsupport::check_values(p, {{"power_import", 258874, Unit::watt}, {"current_l1", 4.0, Unit::ampere}, {"current_l3", 6.01, Unit::ampere}});
    const auto why = implausible_scaling(p);
    REQUIRE(why);
    INFO(*why);
    CHECK(why->find("258874 W") != std::string::npos);
    CHECK(why->find("currents are likely in whole amperes") != std::string::npos);
    CHECK(why->find("at 230 V where the list sends no voltage") != std::string::npos);
    CHECK(why->find("meter.scaling: {current_l1: {scaler: 0}, current_l2: {scaler: 0}, current_l3: {scaler: 0}}") !=
          std::string::npos);

    // With that override the currents are the amperes the power needs, and the check is satisfied.
    const Push fixed = decode(e570(258874, 400, 200, 601), currents_in_amperes());
    testsupport::check_values(fixed, {{"current_l1", 400, Unit::ampere}, {"current_l2", 200, Unit::ampere}, {"current_l3", 601, Unit::ampere},
                      {"power_import", 258874, Unit::watt}, {"power_factor", 0.98, Unit::none}});
    CHECK_FALSE(implausible_scaling(fixed));
    // A small load on the same list is plausible either way: nothing said.
    CHECK_FALSE(implausible_scaling(decode(e570(1200, 300, 200, 100))));
}

TEST_CASE("scaling: voltages a unit off are blamed as voltages; a meter's own scalers are not second-guessed") {
    // An override that reads volts as 0.1 V: 23.6 V beside 609 W and 2.9 A in all.
    DecoderOptions o;
    for (auto key : {"voltage_l1", "voltage_l2", "voltage_l3"}) o.overrides.by_key[key] = ScalingOverride{-1, std::nullopt};
    const Push p = decode(e450_vse(609, [](sim::AxdrWriter& w) { w.u16(82).u16(151).u16(57); }), o);
    CHECK(*p.find("voltage_l1")->value() == doctest::Approx(23.6));
    testsupport::check_values(p, {{"current_l2", 1.51, Unit::ampere}, {"power_import", 609, Unit::watt}});
    const auto why = implausible_scaling(p);
    REQUIRE(why);
    INFO(*why);
    CHECK(why->find("voltages are likely in whole volts") != std::string::npos);
    CHECK(why->find("voltage_l1: {scaler: 0}") != std::string::npos);

    // Aidon-style structures with {scaler, unit}: the meter's word stands.
    sim::AxdrWriter w;
    w.structure(2);
    w.structure(3).obis(Obis(1, 0, 1, 7, 0)).u32(258874).structure(2).i8(0).enum_(27);
    w.structure(3).obis(Obis(1, 0, 31, 7, 0)).u16(400).structure(2).i8(-2).enum_(33);
    CHECK_FALSE(implausible_scaling(decode(w.bytes())));
}

TEST_CASE("scaling: cut and damaged VSE lists are not scaled as the lists they resemble") {
    for (const Bytes& body : {am550_vse(2347, 12), e570(258874, 400, 200, 601)}) {
        Bytes cut = body;
        cut.resize(cut.size() - 3);
        auto o = testsupport::decode_apdu(sim::data_notification(9, std::nullopt, cut));
        CHECK(o.pushes.empty());
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].code == ErrorCode::truncated);
    }
    // A text where the current belongs: kept as the text it is, no current, nothing to check.
    const Push p = decode(e450_vse(118, [](sim::AxdrWriter& w) { w.visible_string("51").u16(0).u16(0); }));
    const Reading& current = testsupport::get(p, "current_l1");
    CHECK_FALSE(current.is_number());
    CHECK(std::get<std::string>(current.raw) == "51");
    CHECK_FALSE(implausible_scaling(p));
}

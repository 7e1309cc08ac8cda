// Positional lists (no OBIS codes) named and scaled from the grid operators' specifications:
// Iskraemeco AM550 (Slovenia), Landis+Gyr E450 (Netz Burgenland and the clock-first list of
// Austrian operators), NVE list 1 (Norway), and the AM550 list of Austrian operators that carries
// one OBIS code. Frames built from the specified layouts.
#include <doctest/doctest.h>

#include <algorithm>

#include "simulator/frame_builder.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

// Every value by key, with its unit; `with_obis`: named with the OBIS code its key stands for.
void check_all(const Push& p, std::initializer_list<testsupport::Want> want, bool with_obis = true) {
    testsupport::check_values(p, want);
    for (const auto& w : want) {
        INFO(w.key);
        CHECK(testsupport::get(p, w.key).obis.has_value() == with_obis);
    }
}

Push plain(const Bytes& body) {
    auto o = testsupport::decode_apdu(sim::data_notification(9, std::nullopt, body));
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    return o.pushes[0];
}

// Landis+Gyr meters in Austria encrypt: the system title says who made them.
Push from_lgz(const Bytes& body) {
    const std::array<std::uint8_t, 8> title = {'L', 'G', 'Z', 'g', 0x72, 0xA9, 0xA1, 0x11};
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    DecoderOptions o;
    o.keys.encryption = ek;
    auto out = testsupport::decode_apdu(sim::glo_cipher(sim::data_notification(9, std::nullopt, body), title, 1, 0x20, ek, nullptr), o);
    REQUIRE(out.errors.empty());
    REQUIRE(out.pushes.size() == 1);
    return out.pushes[0];
}

Bytes am550_instant() {
    sim::AxdrWriter w;
    w.structure(18).octet_string(Bytes{'I', 'S', 'K', '1', '0', '3', '0', '7', '8', '9', '3', '7', '5', '6', '0', '6'});
    w.octet_string(Bytes{'1', '6', '8', '2', '0', '0', '0', '5'});
    w.u32(1393).u32(0).u32(0).u32(738);
    w.u16(2379).u16(2379).u16(2296);
    w.u16(103).u16(125).u16(597);
    w.u32(16).u32(51).u32(1325).u32(0).u32(0).u32(0);
    return w.take();
}

}  // namespace

TEST_CASE("positional: Iskraemeco AM550 (Slovenia) instantaneous list of 18, every value named with its unit") {
    const Push p = plain(am550_instant());
    CHECK(p.manufacturer() == "ISK");
    CHECK(p.meter_serial() == "16820005");
    CHECK(std::get<std::string>(p.find("logical_device_name")->raw) == "ISK1030789375606");
    check_all(p, {{"power_import", 1393, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 738, Unit::var},
                  {"voltage_l1", 237.9, Unit::volt}, {"voltage_l2", 237.9, Unit::volt}, {"voltage_l3", 229.6, Unit::volt},
                  {"current_l1", 1.03, Unit::ampere}, {"current_l2", 1.25, Unit::ampere}, {"current_l3", 5.97, Unit::ampere},
                  {"power_import_l1", 16, Unit::watt}, {"power_import_l2", 51, Unit::watt}, {"power_import_l3", 1325, Unit::watt},
                  {"power_export_l1", 0, Unit::watt}, {"power_export_l2", 0, Unit::watt}, {"power_export_l3", 0, Unit::watt}});
    CHECK(p.unplaced_values == 0);
    CHECK(p.warnings.empty());
}

TEST_CASE("positional: Iskraemeco AM550 (Slovenia) energy list of 12") {
    sim::AxdrWriter w;
    w.structure(12).octet_string(Bytes{'I', 'S', 'K', '1', '0', '3', '0', '7', '8', '9', '3', '7', '5', '6', '0', '6'});
    w.octet_string(Bytes{'1', '6', '8', '2', '0', '0', '0', '6'});
    w.enum_(1).octet_string(Bytes{0x00, 0x01});
    w.u32(52837).u32(13593).u32(39244).u32(178951).u32(78615).u32(99312).u32(107882).u32(43253);
    const Push p = plain(w.bytes());
    check_all(p, {{"energy_import", 52837, Unit::watt_hour}, {"energy_import_t1", 13593, Unit::watt_hour},
                  {"energy_import_t2", 39244, Unit::watt_hour}, {"energy_export", 178951, Unit::watt_hour},
                  {"energy_export_t1", 78615, Unit::watt_hour}, {"energy_export_t2", 99312, Unit::watt_hour},
                  {"reactive_energy_import", 107882, Unit::var_hour}, {"reactive_energy_export", 43253, Unit::var_hour}});
    CHECK(*p.find(Obis(0, 0, 96, 3, 10))->value() == 1);
    CHECK(p.find("current_tariff"));
    CHECK(p.unplaced_values == 0);
}

TEST_CASE("positional: Landis+Gyr E450 (Austria) clock-first list of 9") {
    DateTime t;
    t.year = 2021, t.month = 1, t.day = 27, t.hour = 16, t.minute = 11, t.second = 45;
    sim::AxdrWriter w;
    w.structure(9).date_time_octets(t).u32(4490428).u32(1342).u32(65611).u32(1843441).u32(374).u32(0).u32(0).u32(244);
    const Push p = from_lgz(w.bytes());
    CHECK(std::get<DateTime>(p.find("meter_clock")->raw) == t);
    check_all(p, {{"energy_import", 4490428, Unit::watt_hour}, {"energy_export", 1342, Unit::watt_hour},
                  {"reactive_energy_import", 65611, Unit::var_hour}, {"reactive_energy_export", 1843441, Unit::var_hour},
                  {"power_import", 374, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 244, Unit::var}});
    CHECK(p.unplaced_values == 0);
}

TEST_CASE("positional: Landis+Gyr E450 (Netz Burgenland) list of 14: named where certain, the rest counted") {
    sim::AxdrWriter w;
    w.structure(14).u16(236).u16(237).u16(236).u16(0).u16(4).u16(26).u32(29).u32(0).u32(31358606).u32(7619);
    w.u16(400).u16(53).u16(295).octet_string(Bytes{'3', '0', '1', '3', '7', '1', '8', '1'});
    const Push p = from_lgz(w.bytes());
    check_all(p, {{"voltage_l1", 236, Unit::volt}, {"voltage_l2", 237, Unit::volt}, {"voltage_l3", 236, Unit::volt},
                  {"current_l1", 0, Unit::ampere}, {"current_l2", 0.04, Unit::ampere}, {"current_l3", 0.26, Unit::ampere},
                  {"power_import", 29, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"energy_import", 31358606, Unit::watt_hour}, {"energy_export", 7619, Unit::watt_hour}});
    CHECK(std::get<std::string>(p.find("meter_number")->raw) == "30137181");
    CHECK(p.unplaced_values == 3);
    CHECK(p.warnings.size() == 3);
    CHECK(p.readings[10].index == 10);
    CHECK_FALSE(p.readings[10].obis);
}

TEST_CASE("positional: Landis+Gyr E450 (Austria) list of 11: voltages, currents, power, energy, meter number") {
    // The layout amsreader-firmware reads as Lng2Data_3p_0b; values as an E450 sent them (arendst/Tasmota#23027).
    sim::AxdrWriter w;
    w.structure(11).u16(228).u16(226).u16(230).u16(781).u16(1482).u16(643).u32(5432).u32(0).u32(40091000).u32(0);
    w.octet_string(Bytes{'3', '0', '0', '5', '2', '0', '0', '2'});
    const Push p = from_lgz(w.bytes());
    check_all(p, {{"voltage_l1", 228, Unit::volt}, {"voltage_l2", 226, Unit::volt}, {"voltage_l3", 230, Unit::volt},
                  {"current_l1", 7.81, Unit::ampere}, {"current_l2", 14.82, Unit::ampere}, {"current_l3", 6.43, Unit::ampere},
                  {"power_import", 5432, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"energy_import", 40091000, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour}});
    CHECK(p.meter_serial() == "30052002");
    CHECK(p.unplaced_values == 0);
    CHECK(p.warnings.empty());

    // Cut: an error, no push. A text where a current belongs: not this list, nothing named.
    Bytes cut = w.bytes();
    cut.resize(cut.size() - 4);
    const std::array<std::uint8_t, 8> title = {'L', 'G', 'Z', 'g', 0x72, 0xA9, 0xA1, 0x11};
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    DecoderOptions o;
    o.keys.encryption = ek;
    auto out = testsupport::decode_apdu(sim::glo_cipher(sim::data_notification(9, std::nullopt, cut), title, 1, 0x20, ek, nullptr), o);
    CHECK(out.pushes.empty());
    REQUIRE(out.errors.size() == 1);
    CHECK(out.errors[0].code == ErrorCode::truncated);
    sim::AxdrWriter other;
    other.structure(11).u16(228).u16(226).u16(230).visible_string("x").u16(1482).u16(643).u32(5432).u32(0).u32(1).u32(0);
    other.octet_string(Bytes{'3', '0'});
    const Push q = from_lgz(other.bytes());
    for (const auto& r : q.readings) CHECK_FALSE(r.obis);
    CHECK(q.unplaced_values == 11);
}

namespace {
// Iskraemeco AM550 of Austrian operators (Kärnten Netz; the same list in amsreader-firmware#787):
// {push set-up 0-6:25.9.0, meter number}, time, date, A+ A- R+ R-, P+ P-, customer info text and code.
Bytes am550_austria() {
    sim::AxdrWriter w;
    w.structure(12).obis(Obis(0, 6, 25, 9, 0)).octet_string(Bytes{'1', '1', '2', '1', '3', '7', '8', '3', '8', '1', '1', '9', '9'});
    w.octet_string(Bytes{0x15, 0x0B, 0x14, 0x00});        // 21:11:20.00
    w.octet_string(Bytes{0x07, 0xE8, 0x05, 0x07, 0x02});  // 2024-05-07, a Tuesday
    w.u32(14369024).u32(420837).u32(1455864).u32(2294960).u32(0).u32(10);
    w.octet_string(Bytes{}).octet_string(Bytes{});
    return w.take();
}
}  // namespace

TEST_CASE("mixed: Iskraemeco AM550 (Austria): the meter number after the push set-up, then ten values, all named") {
    const Push p = plain(am550_austria());
    CHECK(std::get<std::string>(p.find("meter_number")->raw) == "1121378381199");
    CHECK(p.find("meter_number")->obis == Obis(0, 6, 25, 9, 0));
    CHECK(p.meter_serial() == "1121378381199");
    DateTime t;
    t.year = 2024, t.month = 5, t.day = 7, t.weekday = 2, t.hour = 21, t.minute = 11, t.second = 20, t.hundredths = 0;
    REQUIRE(p.find("meter_clock"));
    CHECK(std::get<DateTime>(p.find("meter_clock")->raw) == t);
    check_all(p, {{"energy_import", 14369024, Unit::watt_hour}, {"energy_export", 420837, Unit::watt_hour},
                  {"reactive_energy_import", 1455864, Unit::var_hour}, {"reactive_energy_export", 2294960, Unit::var_hour},
                  {"power_import", 0, Unit::watt}, {"power_export", 10, Unit::watt}},
              false);
    REQUIRE(p.find("customer_info_text"));
    CHECK(std::get<OctetString>(p.find("customer_info_text")->raw).bytes.empty());
    REQUIRE(p.find("customer_info_code"));
    // Named by key: the only OBIS code is the one the meter sent.
    CHECK(std::count_if(p.readings.begin(), p.readings.end(), [](const Reading& r) { return r.obis.has_value(); }) == 1);
    // Date and time are one reading; every other value keeps its place in the list.
    CHECK(p.readings.size() == 10);
    CHECK(p.find("energy_import")->index == 3);
    CHECK(p.unplaced_values == 0);
    CHECK(p.warnings.empty());
}

TEST_CASE("mixed: a damaged or cut AM550 (Austria) list is not named") {
    Bytes body = am550_austria();
    body.resize(body.size() - 3);
    auto o = testsupport::decode_apdu(sim::data_notification(9, std::nullopt, body));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);

    // A text where the list has its import energy: not its shape, the ten values stay unplaced.
    sim::AxdrWriter w;
    w.structure(12).obis(Obis(0, 6, 25, 9, 0)).octet_string(Bytes{'1', '1', '2'});
    w.octet_string(Bytes{0x15, 0x0B, 0x14, 0x00}).octet_string(Bytes{0x07, 0xE8, 0x05, 0x07, 0x02});
    w.visible_string("x").u32(1).u32(2).u32(3).u32(4).u32(5).octet_string(Bytes{}).octet_string(Bytes{});
    const Push p = plain(w.bytes());
    CHECK_FALSE(p.find("energy_export"));
    CHECK_FALSE(p.find("meter_clock"));
    CHECK(p.unplaced_values == 10);
    CHECK(p.warnings.size() == 10);
}

TEST_CASE("positional: NVE list 1 (Norway) is the import power alone") {
    sim::AxdrWriter w;
    w.structure(1).u32(1428);
    const Push p = plain(w.bytes());
    check_all(p, {{"power_import", 1428, Unit::watt}});
}

TEST_CASE("positional: a damaged or cut list is not named as a known one") {
    Bytes body = am550_instant();
    body.resize(body.size() - 2);
    auto o = testsupport::decode_apdu(sim::data_notification(9, std::nullopt, body));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);

    // A text where the AM550 list has a number: not its shape, so nothing is named or scaled.
    sim::AxdrWriter w;
    w.structure(18).octet_string(Bytes{'I', 'S', 'K', '1'}).octet_string(Bytes{'1', '6'});
    w.visible_string("x");
    for (int i = 0; i < 15; ++i) w.u16(1);
    const Push p = plain(w.bytes());
    for (const auto& r : p.readings) CHECK_FALSE(r.obis);
    CHECK(p.unplaced_values == 18);
}

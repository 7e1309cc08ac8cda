// The further lists Iskraemeco AM550 meters of Slovenian operators push without OBIS codes: the
// single-phase instantaneous list, firmware ED1.21's short lists, the power-and-energy list and
// Elektro Celje's list. Built from their layouts (see decoder/positional_lists.cpp for the
// sources), with values of our own; each value asserted with its unit, and what no source names
// left unplaced, by index, with a warning.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "decoder/plausibility.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Values kept by index without a name: exactly these, each with its warning.
void check_unplaced(const Push& p, std::initializer_list<int> indices) {
    CHECK(p.unplaced_values == indices.size());
    CHECK(p.warnings.size() == indices.size());
    for (int i : indices) {
        INFO(i);
        REQUIRE(static_cast<std::size_t>(i) < p.readings.size());
        CHECK(p.readings[static_cast<std::size_t>(i)].index == i);
        CHECK_FALSE(p.readings[static_cast<std::size_t>(i)].obis);
    }
}

using Body = std::function<void(sim::AxdrWriter&)>;

Bytes list(std::size_t n, const Body& values) {
    sim::AxdrWriter w;
    w.structure(n);
    values(w);
    return w.take();
}

Bytes single_phase() {
    return list(10, [](sim::AxdrWriter& w) {
        w.octet_string(text("ISK1020700000001")).octet_string(text("ISK70000001"));
        w.u32(612).u32(0).u32(0).u32(205).u16(2338).u16(281).u32(612).u32(0);
    });
}
Bytes ed121_instant() {
    return list(9, [](sim::AxdrWriter& w) {
        w.octet_string(text("ISK1020700000002")).octet_string(text("ISK70000002"));
        w.u32(592).u32(0).u32(0).u32(112).u16(2313).u32(0).u32(0);
    });
}
Bytes power_energy() {
    return list(9, [](sim::AxdrWriter& w) {
        w.octet_string(text("ISK1030700000003"));
        w.u32(625).u32(0).u32(9400000).u32(4100000).u32(5300000).u32(480).u32(200).u32(280);
    });
}
Bytes ed121_energy() {
    return list(4, [](sim::AxdrWriter& w) { w.octet_string(text("70000004")).u8(0).u32(9400000).u32(480); });
}
Bytes celje() {
    return list(12, [](sim::AxdrWriter& w) {
        w.octet_string(text("ISK1030700000005")).octet_string(text("UP_3f"));
        w.u16(2314).u16(2303).u16(2348).u16(451).u16(525).u16(88).u32(2399).u32(0).u32(4).u32(264);
    });
}

Push plain(const Bytes& body) { return testsupport::decode_body(body); }

}  // namespace

TEST_CASE("Iskraemeco AM550 (Slovenia), single phase: the instantaneous list without L2 and L3") {
    const Push p = plain(single_phase());
    CHECK(p.meter_serial() == "ISK70000001");
    CHECK(std::get<std::string>(testsupport::get(p, "logical_device_name").raw) == "ISK1020700000001");
    testsupport::check_values(p, {{"power_import", 612, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 205, Unit::var},
                  {"voltage_l1", 233.8, Unit::volt}, {"current_l1", 2.81, Unit::ampere},
                  {"power_import_l1", 612, Unit::watt}, {"power_export_l1", 0, Unit::watt}});
    check_unplaced(p, {});
    CHECK_FALSE(implausible_scaling(p));
}

TEST_CASE("Iskraemeco AM550 (Slovenia), firmware ED1.21: the 9-value list, two values unplaced") {
    const Push p = plain(ed121_instant());
    testsupport::check_values(p, {{"power_import", 592, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 112, Unit::var},
                  {"voltage_l1", 231.3, Unit::volt}});
    CHECK(p.meter_serial() == "ISK70000002");
    check_unplaced(p, {7, 8});
}

TEST_CASE("Iskraemeco AM550 (Slovenia): power and energy with tariffs, 9 values") {
    const Push p = plain(power_energy());
    testsupport::check_values(p, {{"power_import", 625, Unit::watt}, {"power_export", 0, Unit::watt},
                  {"energy_import", 9400000, Unit::watt_hour}, {"energy_import_t1", 4100000, Unit::watt_hour},
                  {"energy_import_t2", 5300000, Unit::watt_hour}, {"energy_export", 480, Unit::watt_hour},
                  {"energy_export_t1", 200, Unit::watt_hour}, {"energy_export_t2", 280, Unit::watt_hour}});
    check_unplaced(p, {});
}

TEST_CASE("Iskraemeco AM550 (Slovenia), firmware ED1.21: the 15-minute list of 4") {
    const Push p = plain(ed121_energy());
    CHECK(p.meter_serial() == "70000004");
    testsupport::check_values(p, {{"energy_import", 9400000, Unit::watt_hour}, {"energy_export", 480, Unit::watt_hour}});
    check_unplaced(p, {1});
}

TEST_CASE("Iskraemeco AM550 (Elektro Celje): voltages, currents and power; no longer taken for the energy list") {
    const Push p = plain(celje());
    testsupport::check_values(p, {{"voltage_l1", 231.4, Unit::volt}, {"voltage_l2", 230.3, Unit::volt}, {"voltage_l3", 234.8, Unit::volt},
                  {"current_l1", 4.51, Unit::ampere}, {"current_l2", 5.25, Unit::ampere}, {"current_l3", 0.88, Unit::ampere},
                  {"power_import", 2399, Unit::watt}});
    CHECK_FALSE(p.find("energy_import"));
    CHECK_FALSE(p.find("current_tariff"));
    check_unplaced(p, {1, 9, 10, 11});
    CHECK_FALSE(implausible_scaling(p));
}

TEST_CASE("Iskraemeco AM550 (Slovenia) lists cut or damaged are not named") {
    for (const Bytes& body : {single_phase(), ed121_instant(), power_energy(), ed121_energy(), celje()}) {
        Bytes cut = body;
        cut.resize(cut.size() - 2);
        auto o = testsupport::decode_apdu(sim::data_notification(9, std::nullopt, cut));
        CHECK(o.pushes.empty());
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].code == ErrorCode::truncated);
    }
    // A text where each list has a number: not its shape, so every value stays unplaced.
    const Body damaged[] = {
        [](sim::AxdrWriter& w) { w.octet_string(text("ISK1")).octet_string(text("ISK7")).visible_string("x").u32(0).u32(0).u32(0).u16(1).u16(1).u32(1).u32(0); },
        [](sim::AxdrWriter& w) { w.octet_string(text("ISK1")).octet_string(text("ISK7")).u32(1).u32(0).u32(0).u32(0).visible_string("x").u32(0).u32(0); },
        [](sim::AxdrWriter& w) { w.octet_string(text("ISK1")).u32(1).u32(0).u32(1).visible_string("x").u32(1).u32(0).u32(0).u32(0); },
        [](sim::AxdrWriter& w) { w.octet_string(text("7000")).u8(0).visible_string("x").u32(0); },
        [](sim::AxdrWriter& w) { w.octet_string(text("ISK1")).octet_string(text("UP_3f")).u16(1).u16(1).u16(1).u16(1).u16(1).u16(1).visible_string("x").u32(0).u32(0).u32(0); },
    };
    const std::size_t sizes[] = {10, 9, 9, 4, 12};
    for (std::size_t i = 0; i < std::size(damaged); ++i) {
        INFO(i);
        const Push p = plain(list(sizes[i], damaged[i]));
        for (const auto& r : p.readings) CHECK_FALSE(r.obis);
        CHECK(p.unplaced_values == sizes[i]);
    }
}

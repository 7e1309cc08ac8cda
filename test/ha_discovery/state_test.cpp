#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "fixtures.hpp"
#include "ha_discovery/state.hpp"

using nlohmann::json;
using namespace ha_test;

TEST_CASE("Kamstrup 3-phase state: energy in kWh, other quantities in their own unit") {
    use_time_zone();
    const json s = ha::state_json(kamstrup_three_phase());

    // 866636 × 10 Wh: the figure on the meter display, 8666.36 kWh.
    CHECK(s.at("energy_import").get<double>() == 8666.36);
    CHECK(s.at("energy_import").dump() == "8666.36");
    CHECK(s.at("energy_import_l1").dump() == "2889.32");
    CHECK(s.at("energy_import_l2").dump() == "2886.52");
    CHECK(s.at("energy_import_l3").dump() == "2890.51");
    CHECK(s.at("energy_export").get<double>() == 0.0);
    CHECK(s.at("reactive_energy_import").dump() == "177.08");  // kvarh
    CHECK(s.at("voltage_l1") == 224);
    CHECK(s.at("voltage_l2") == 223);
    CHECK(s.at("voltage_l3") == 223);
    CHECK(s.at("power_factor").get<double>() == 1.0);
    CHECK(s.at("power_factor_l3").dump() == "1.0");
    CHECK(s.at("current_l1").is_number_float());  // 0.01 A resolution: a float even when zero
    CHECK(s.at("power_import") == 0);
    CHECK(s.at("meter_number") == 27581522);
    CHECK(s.at("meter_clock") == "2020-01-07T14:47:20+01:00");
    CHECK(s.at("meter_time") == "2020-01-07T14:47:20+01:00");
    CHECK(s.at("list_id") == "Kamstrup_V0001");
    CHECK(s.at("frame_counter") == 493793);
    CHECK(s.at("power_net") == 0);
    // 32 readings, power_net, list_id, frame_counter, meter_time.
    CHECK(s.size() == 36);
}

TEST_CASE("power_net is import minus export, signed, and only when both exist") {
    auto push = kamstrup_one_phase();
    CHECK(ha::state_json(push).at("power_net") == 616);

    for (auto& r : push.readings) {
        if (r.key == "power_import") r.raw = std::uint64_t{120};
        if (r.key == "power_export") r.raw = std::uint64_t{3000};
    }
    CHECK(ha::state_json(push).at("power_net") == -2880);

    std::erase_if(push.readings, [](const dlms::Reading& r) { return r.key == "power_export"; });
    const json s = ha::state_json(push);
    CHECK_FALSE(s.contains("power_net"));
    CHECK(s.at("power_import") == 120);
}

TEST_CASE("power_net of readings with decimals is a float") {
    dlms::Push push;
    push.readings.push_back(number({1, 0, 1, 7, 0}, "power_import", 12345, -1, dlms::Unit::watt));
    push.readings.push_back(number({1, 0, 2, 7, 0}, "power_export", 20000, -1, dlms::Unit::watt));
    const json s = ha::state_json(push);
    CHECK(s.at("power_net").get<double>() == doctest::Approx(-765.5));
    CHECK(s.at("power_net").is_number_float());
}

TEST_CASE("Kamstrup 1-phase state: strings stay strings, null placeholders are left out") {
    use_time_zone();
    const json s = ha::state_json(kamstrup_one_phase());
    CHECK(s.at("meter_id") == "5706567271533207");
    CHECK(s.at("meter_type") == "6861111BN242101040");
    CHECK(s.at("current_l1").dump() == "2.9");
    CHECK(s.at("voltage_l1") == 226);
    CHECK(s.at("reactive_power_import") == 83);
    CHECK_FALSE(s.contains("current_l2"));
    CHECK_FALSE(s.contains("energy_import"));
    CHECK(s.at("meter_time") == "2022-02-05T13:00:10+01:00");
}

TEST_CASE("Aidon state: scaler and unit from the meter") {
    use_time_zone();
    const json s = ha::state_json(aidon_three_phase());
    CHECK(s.at("energy_import").dump() == "10049.926");
    CHECK(s.at("energy_export").dump() == "0.008");
    CHECK(s.at("reactive_energy_import").dump() == "6614.347");
    CHECK(s.at("voltage_l1").dump() == "230.7");
    CHECK(s.at("voltage_l2").dump() == "249.9");
    CHECK(s.at("current_l2").dump() == "7.5");
    CHECK(s.at("current_l1").dump() == "0.0");
    CHECK(s.at("power_import") == 1122);
    CHECK(s.at("power_net") == 1122);
    CHECK(s.at("meter_clock") == "2019-12-16T07:59:40+01:00");
    // Unencrypted, no list id, no notification time: none of those fields.
    CHECK_FALSE(s.contains("frame_counter"));
    CHECK_FALSE(s.contains("list_id"));
    CHECK_FALSE(s.contains("meter_time"));
}

TEST_CASE("Negative readings keep their sign") {
    dlms::Push push;
    push.readings.push_back(signed_number({1, 0, 1, 7, 0}, "power_import", -1500, 0, dlms::Unit::watt));
    push.readings.push_back(signed_number({1, 0, 31, 7, 0}, "current_l1", -125, -2, dlms::Unit::ampere));
    const json s = ha::state_json(push);
    CHECK(s.at("power_import") == -1500);
    CHECK(s.at("current_l1").dump() == "-1.25");
}

TEST_CASE("A positive scaler on an integer gives an integer") {
    dlms::Push push;
    push.readings.push_back(number({1, 0, 1, 7, 0}, "power_import", 25, 2, dlms::Unit::watt));
    push.readings.push_back(number({1, 0, 1, 8, 0}, "energy_import", 25, 5, dlms::Unit::watt_hour));
    const json s = ha::state_json(push);
    CHECK(s.at("power_import") == 2500);
    CHECK(s.at("power_import").is_number_integer());
    CHECK(s.at("energy_import") == 2500);  // 25 × 10^5 Wh = 2500 kWh
}

TEST_CASE("A scaled value beyond 64 bits is the double, never a wrapped integer") {
    dlms::Push push;
    push.readings.push_back(signed_number({1, 0, 1, 7, 0}, "power_import", 5, 19, dlms::Unit::watt));
    const json s = ha::state_json(push);
    CHECK(s.at("power_import").is_number_float());
    CHECK(s.at("power_import").get<double>() == 5e19);
}

TEST_CASE("Keys of readings without a profile key") {
    dlms::Push push;
    push.readings.push_back(number({1, 0, 99, 1, 0}, "", 42, 0, dlms::Unit::none));
    dlms::Reading positional;
    positional.index = 5;
    positional.raw = std::uint64_t{7};
    push.readings.push_back(positional);
    dlms::Reading unnamed_position;  // no index either: its place in the push names it
    unnamed_position.raw = std::string("x");
    push.readings.push_back(unnamed_position);

    const json s = ha::state_json(push);
    CHECK(s.at("obis_1_0_99_1_0_255") == 42);
    CHECK(s.at("value_5") == 7);
    CHECK(s.at("value_2") == "x");
    CHECK(s.size() == 3);
}

TEST_CASE("The first reading of a key wins") {
    dlms::Push push;
    push.readings.push_back(number({1, 1, 1, 8, 0}, "energy_import", 1000, 0, dlms::Unit::watt_hour));
    push.readings.push_back(number({1, 0, 1, 8, 0}, "energy_import", 9999000, 0, dlms::Unit::watt_hour));
    const auto keyed = ha::keyed_readings(push);
    REQUIRE(keyed.size() == 1);
    CHECK(ha::state_json(push).at("energy_import").get<double>() == 1.0);
}

TEST_CASE("Octet strings that are not text are published as hex") {
    dlms::Push push;
    dlms::Reading r;
    r.obis = dlms::Obis{0, 0, 96, 1, 0};
    r.key = "meter_id";
    r.raw = dlms::OctetString{{0x00, 0x1A, 0xFF}};
    push.readings.push_back(r);
    CHECK(ha::state_json(push).at("meter_id") == "001AFF");
}

TEST_CASE("Date-time offsets") {
    SUBCASE("the meter's deviation wins over the local zone") {
        use_time_zone("UTC");
        // COSEM deviation is UTC minus local: -120 is UTC+2 (summer time in central Europe).
        CHECK(ha::iso8601(date_time(2023, 4, 1, 21, 32, 35, -120)) == "2023-04-01T21:32:35+02:00");
        CHECK(ha::iso8601(date_time(2023, 1, 1, 8, 0, 0, 300)) == "2023-01-01T08:00:00-05:00");
        CHECK(ha::iso8601(date_time(2023, 1, 1, 8, 0, 0, 0)) == "2023-01-01T08:00:00+00:00");
        CHECK(ha::iso8601(date_time(2023, 1, 1, 8, 0, 0, -330)) == "2023-01-01T08:00:00+05:30");
    }
    SUBCASE("without a deviation, the local offset of that local time") {
        use_time_zone("Europe/Copenhagen");
        CHECK(ha::iso8601(date_time(2020, 1, 7, 14, 47, 20)) == "2020-01-07T14:47:20+01:00");
        CHECK(ha::iso8601(date_time(2020, 7, 1, 12, 0, 0)) == "2020-07-01T12:00:00+02:00");
        use_time_zone("America/New_York");
        CHECK(ha::iso8601(date_time(2020, 1, 7, 14, 47, 20)) == "2020-01-07T14:47:20-05:00");
        use_time_zone("Europe/Copenhagen");
    }
    SUBCASE("unspecified fields") {
        use_time_zone();
        auto t = date_time(2020, 1, 7, 14, 47, 20);
        t.second = 0xFF;
        CHECK(ha::iso8601(t) == "2020-01-07T14:47:00+01:00");
        t.year = 0xFFFF;
        CHECK_FALSE(ha::iso8601(t).has_value());
        t = date_time(2020, 1, 7, 0xFF, 0, 0);
        CHECK_FALSE(ha::iso8601(t).has_value());
        t = date_time(2020, 0xFF, 7, 10, 0, 0);
        CHECK_FALSE(ha::iso8601(t).has_value());
    }
}

TEST_CASE("A clock reading without a date is published as null") {
    dlms::Push push;
    dlms::Reading r;
    r.obis = dlms::Obis{0, 0, 1, 0, 0};
    r.key = "meter_clock";
    auto t = date_time(0xFFFF, 0xFF, 0xFF, 10, 0, 0);
    r.raw = t;
    push.readings.push_back(r);
    const json s = ha::state_json(push);
    REQUIRE(s.contains("meter_clock"));
    CHECK(s.at("meter_clock").is_null());
}

TEST_CASE("Display units") {
    CHECK(ha::display_unit(number({1, 0, 1, 8, 0}, "energy_import", 1, 0, dlms::Unit::watt_hour)) == "kWh");
    CHECK(ha::display_unit(number({1, 0, 3, 8, 0}, "reactive_energy_import", 1, 0, dlms::Unit::var_hour)) ==
          "kvarh");
    CHECK(ha::display_unit(number({1, 0, 1, 7, 0}, "power_import", 1, 0, dlms::Unit::watt)) == "W");
    CHECK(ha::display_unit(number({1, 0, 13, 7, 0}, "power_factor", 1, -2, dlms::Unit::none)).empty());
}

TEST_CASE("Diagnostics JSON") {
    dlms::DecodeStats stats;
    stats.pushes = 120;
    stats.missed_pushes = 3;
    stats.garbage_bytes = 17;
    stats.errors[static_cast<std::size_t>(dlms::ErrorCode::corrupt_frame)] = 2;
    stats.errors[static_cast<std::size_t>(dlms::ErrorCode::wrong_key)] = 1;

    const json d = ha::diagnostics_json(stats, 493793, 9.96);
    CHECK(d.at("frame_counter") == 493793);
    CHECK(d.at("pushes") == 120);
    CHECK(d.at("missed_pushes") == 3);
    CHECK(d.at("garbage_bytes") == 17);
    CHECK(d.at("error_total") == 3);
    CHECK(d.at("seconds_since_last_push").get<double>() == doctest::Approx(10.0));
    const json& errors = d.at("errors");
    CHECK(errors.size() == dlms::kErrorCodeCount);
    CHECK(errors.at("corrupt_frame") == 2);
    CHECK(errors.at("wrong_key") == 1);
    CHECK(errors.at("replayed") == 0);
    CHECK(errors.at("not_dlms") == 0);

    CHECK(ha::diagnostics_json(stats, 0, -1.0).at("seconds_since_last_push").is_null());
    CHECK(ha::diagnostics_json(stats, 0, std::numeric_limits<double>::infinity())
              .at("seconds_since_last_push")
              .is_null());
}


#include "fixtures.hpp"

#include <cstdlib>
#include <ctime>
#include <utility>

namespace ha_test {

using dlms::Obis;
using dlms::Unit;

void use_time_zone(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
}

dlms::Reading number(Obis obis, std::string_view key, std::uint64_t raw, int scaler, Unit unit) {
    dlms::Reading r;
    r.obis = obis;
    r.key = key;
    r.raw = raw;
    r.scaler = static_cast<std::int8_t>(scaler);
    r.unit = unit;
    return r;
}

dlms::Reading signed_number(Obis obis, std::string_view key, std::int64_t raw, int scaler, Unit unit) {
    dlms::Reading r = number(obis, key, 0, scaler, unit);
    r.raw = raw;
    return r;
}

dlms::Reading text(Obis obis, std::string_view key, std::string value) {
    dlms::Reading r;
    r.obis = obis;
    r.key = key;
    r.raw = std::move(value);
    return r;
}

dlms::DateTime date_time(int year, int month, int day, int hour, int minute, int second, std::int16_t deviation) {
    dlms::DateTime t;
    t.year = static_cast<std::uint16_t>(year);
    t.month = static_cast<std::uint8_t>(month);
    t.day = static_cast<std::uint8_t>(day);
    t.weekday = 0xFF;
    t.hour = static_cast<std::uint8_t>(hour);
    t.minute = static_cast<std::uint8_t>(minute);
    t.second = static_cast<std::uint8_t>(second);
    t.hundredths = 0xFF;
    t.deviation = deviation;
    t.clock_status = 0x00;
    return t;
}

namespace {

dlms::Reading clock_reading(Obis obis, const dlms::DateTime& t) {
    dlms::Reading r;
    r.obis = obis;
    r.key = "meter_clock";
    r.raw = t;
    return r;
}

dlms::Reading metered(dlms::Reading r) {
    r.scaled_by_meter = true;
    return r;
}

}  // namespace

dlms::Push kamstrup_three_phase() {
    dlms::Push p;
    p.system_title = {'K', 'A', 'M', 'E', 0x01, 0xA4, 0xDC, 0x52};
    p.frame_counter = 0x000788E1;
    p.security = dlms::Security::authenticated_encrypted;
    p.list_id = "Kamstrup_V0001";
    p.notification_time = date_time(2020, 1, 7, 14, 47, 20);
    auto& r = p.readings;
    r.push_back(number({1, 1, 1, 8, 0}, "energy_import", 866636, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 2, 8, 0}, "energy_export", 0, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 3, 8, 0}, "reactive_energy_import", 17708, 1, Unit::var_hour));
    r.push_back(number({1, 1, 4, 8, 0}, "reactive_energy_export", 0, 1, Unit::var_hour));
    r.push_back(number({1, 1, 0, 0, 1}, "meter_number", 27581522, 0, Unit::none));
    r.push_back(number({1, 1, 1, 7, 0}, "power_import", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 2, 7, 0}, "power_export", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 3, 7, 0}, "reactive_power_import", 0, 0, Unit::var));
    r.push_back(number({1, 1, 4, 7, 0}, "reactive_power_export", 0, 0, Unit::var));
    r.push_back(clock_reading({0, 1, 1, 0, 0}, date_time(2020, 1, 7, 14, 47, 20)));
    r.push_back(number({1, 1, 32, 7, 0}, "voltage_l1", 224, 0, Unit::volt));
    r.push_back(number({1, 1, 52, 7, 0}, "voltage_l2", 223, 0, Unit::volt));
    r.push_back(number({1, 1, 72, 7, 0}, "voltage_l3", 223, 0, Unit::volt));
    r.push_back(number({1, 1, 31, 7, 0}, "current_l1", 0, -2, Unit::ampere));
    r.push_back(number({1, 1, 51, 7, 0}, "current_l2", 0, -2, Unit::ampere));
    r.push_back(number({1, 1, 71, 7, 0}, "current_l3", 0, -2, Unit::ampere));
    r.push_back(number({1, 1, 21, 7, 0}, "power_import_l1", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 41, 7, 0}, "power_import_l2", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 61, 7, 0}, "power_import_l3", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 33, 7, 0}, "power_factor_l1", 100, -2, Unit::none));
    r.push_back(number({1, 1, 53, 7, 0}, "power_factor_l2", 100, -2, Unit::none));
    r.push_back(number({1, 1, 73, 7, 0}, "power_factor_l3", 100, -2, Unit::none));
    r.push_back(number({1, 1, 13, 7, 0}, "power_factor", 100, -2, Unit::none));
    r.push_back(number({1, 1, 22, 7, 0}, "power_export_l1", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 42, 7, 0}, "power_export_l2", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 62, 7, 0}, "power_export_l3", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 22, 8, 0}, "energy_export_l1", 0, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 42, 8, 0}, "energy_export_l2", 0, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 62, 8, 0}, "energy_export_l3", 0, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 21, 8, 0}, "energy_import_l1", 288932, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 41, 8, 0}, "energy_import_l2", 288652, 1, Unit::watt_hour));
    r.push_back(number({1, 1, 61, 8, 0}, "energy_import_l3", 289051, 1, Unit::watt_hour));
    return p;
}

dlms::Push kamstrup_one_phase() {
    dlms::Push p;
    p.system_title = {'K', 'A', 'M', 'E', 0x01, 0x8C, 0x2E, 0x0A};
    p.frame_counter = 1042;
    p.security = dlms::Security::authenticated_encrypted;
    p.list_id = "Kamstrup_V0001";
    p.notification_time = date_time(2022, 2, 5, 13, 0, 10);
    auto& r = p.readings;
    r.push_back(text({1, 1, 0, 0, 5}, "meter_id", "5706567271533207"));
    r.push_back(text({1, 1, 96, 1, 1}, "meter_type", "6861111BN242101040"));
    r.push_back(number({1, 1, 1, 7, 0}, "power_import", 616, 0, Unit::watt));
    r.push_back(number({1, 1, 2, 7, 0}, "power_export", 0, 0, Unit::watt));
    r.push_back(number({1, 1, 3, 7, 0}, "reactive_power_import", 83, 0, Unit::var));
    r.push_back(number({1, 1, 4, 7, 0}, "reactive_power_export", 0, 0, Unit::var));
    r.push_back(number({1, 1, 31, 7, 0}, "current_l1", 290, -2, Unit::ampere));
    // The 1-phase list keeps null-data placeholders where a 3-phase meter sends L2.
    dlms::Reading placeholder;
    placeholder.obis = Obis{1, 1, 51, 7, 0};
    placeholder.key = "current_l2";
    r.push_back(placeholder);
    r.push_back(number({1, 1, 32, 7, 0}, "voltage_l1", 226, 0, Unit::volt));
    return p;
}

dlms::Push aidon_three_phase() {
    dlms::Push p;
    p.notification_time.reset();
    auto& r = p.readings;
    r.push_back(clock_reading({0, 0, 1, 0, 0}, date_time(2019, 12, 16, 7, 59, 40)));
    r.push_back(metered(number({1, 0, 1, 7, 0}, "power_import", 1122, 0, Unit::watt)));
    r.push_back(metered(number({1, 0, 2, 7, 0}, "power_export", 0, 0, Unit::watt)));
    r.push_back(metered(number({1, 0, 3, 7, 0}, "reactive_power_import", 1507, 0, Unit::var)));
    r.push_back(metered(number({1, 0, 4, 7, 0}, "reactive_power_export", 0, 0, Unit::var)));
    r.push_back(metered(signed_number({1, 0, 31, 7, 0}, "current_l1", 0, -1, Unit::ampere)));
    r.push_back(metered(signed_number({1, 0, 51, 7, 0}, "current_l2", 75, -1, Unit::ampere)));
    r.push_back(metered(signed_number({1, 0, 71, 7, 0}, "current_l3", 0, -1, Unit::ampere)));
    r.push_back(metered(number({1, 0, 32, 7, 0}, "voltage_l1", 2307, -1, Unit::volt)));
    r.push_back(metered(number({1, 0, 52, 7, 0}, "voltage_l2", 2499, -1, Unit::volt)));
    r.push_back(metered(number({1, 0, 72, 7, 0}, "voltage_l3", 2308, -1, Unit::volt)));
    r.push_back(metered(number({1, 0, 1, 8, 0}, "energy_import", 10049926, 0, Unit::watt_hour)));
    r.push_back(metered(number({1, 0, 2, 8, 0}, "energy_export", 8, 0, Unit::watt_hour)));
    r.push_back(metered(number({1, 0, 3, 8, 0}, "reactive_energy_import", 6614347, 0, Unit::var_hour)));
    r.push_back(metered(number({1, 0, 4, 8, 0}, "reactive_energy_export", 5, 0, Unit::var_hour)));
    return p;
}

}  // namespace ha_test

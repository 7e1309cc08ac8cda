// Every reading the decoder names for the lists of other makes (Sagemcom XT211, Kaifa and
// Iskraemeco in Austria, Iskraemeco AM550 in Slovenia, Landis+Gyr E450) has a Home Assistant
// entity with the right class, unit and state class.
#include <doctest/doctest.h>

#include <string>

#include "ha_discovery/sensors.hpp"

TEST_CASE("sensor table: every key the new lists carry has a correctly classed entity") {
    struct Want { std::string_view key, device_class, state_class, unit; };
    const Want want[] = {
        {"energy_import_t3", "energy", "total_increasing", "kWh"},
        {"energy_import_t4", "energy", "total_increasing", "kWh"},
        {"energy_export_t3", "energy", "total_increasing", "kWh"},
        {"energy_export_t4", "energy", "total_increasing", "kWh"},
        {"energy_import_t1", "energy", "total_increasing", "kWh"},
        {"energy_export_t2", "energy", "total_increasing", "kWh"},
        {"reactive_energy_import", "reactive_energy", "total_increasing", "kvarh"},
        {"reactive_energy_export", "reactive_energy", "total_increasing", "kvarh"},
        {"power_import_l3", "power", "measurement", "W"},
        {"power_export_l2", "power", "measurement", "W"},
        {"reactive_power_import", "reactive_power", "measurement", "var"},
        {"voltage_l2", "voltage", "measurement", "V"},
        {"current_l3", "current", "measurement", "A"},
        {"power_factor", "power_factor", "measurement", ""},
        {"frequency", "frequency", "measurement", "Hz"},
        {"meter_clock", "timestamp", "", ""},
        {"current_tariff", "", "", ""},
        {"meter_id_2", "", "", ""},
        {"logical_device_name", "", "", ""},
        {"meter_number", "", "", ""},
        {"customer_info_text", "", "", ""},
        {"customer_info_code", "", "", ""},
    };
    for (const auto& w : want) {
        INFO(w.key);
        const ha::SensorSpec* s = ha::find_sensor(w.key);
        REQUIRE(s);
        CHECK(s->device_class == w.device_class);
        CHECK(s->state_class == w.state_class);
        CHECK(s->unit == w.unit);
    }
}

#include "ha_discovery/sensors.hpp"

#include <array>

namespace ha {
namespace {

// Shorthands keep the table one line per entity.
constexpr SensorSpec energy(std::string_view key, std::string_view name) {
    return {key, name, "energy", "total_increasing", "kWh", 3, "", ""};
}
// Home Assistant's reactive_energy class takes varh/kvarh (the energy class only Wh-based units).
constexpr SensorSpec reactive_energy(std::string_view key, std::string_view name) {
    return {key, name, "reactive_energy", "total_increasing", "kvarh", 3, "", ""};
}
constexpr SensorSpec power(std::string_view key, std::string_view name) {
    return {key, name, "power", "measurement", "W", 0, "", ""};
}
constexpr SensorSpec reactive_power(std::string_view key, std::string_view name) {
    return {key, name, "reactive_power", "measurement", "var", 0, "", ""};
}
constexpr SensorSpec voltage(std::string_view key, std::string_view name) {
    return {key, name, "voltage", "measurement", "V", 1, "", ""};
}
constexpr SensorSpec current(std::string_view key, std::string_view name) {
    return {key, name, "current", "measurement", "A", 2, "", ""};
}
// Meters send the power factor as a plain ratio (0..1); the class allows no unit or %.
constexpr SensorSpec power_factor(std::string_view key, std::string_view name) {
    return {key, name, "power_factor", "measurement", "", 2, "", ""};
}
constexpr SensorSpec text(std::string_view key, std::string_view name, std::string_view icon) {
    return {key, name, "", "", "", -1, "diagnostic", icon};
}

constexpr std::array kReadings{
    // "Meter reading": the figure on the meter's own display (register A14 on Kamstrup).
    energy("energy_import", "Meter reading"),
    energy("energy_export", "Energy export"),
    energy("energy_import_t1", "Energy import tariff 1"),
    energy("energy_import_t2", "Energy import tariff 2"),
    energy("energy_export_t1", "Energy export tariff 1"),
    energy("energy_export_t2", "Energy export tariff 2"),
    energy("energy_import_t3", "Energy import tariff 3"),
    energy("energy_import_t4", "Energy import tariff 4"),
    energy("energy_export_t3", "Energy export tariff 3"),
    energy("energy_export_t4", "Energy export tariff 4"),
    energy("energy_import_l1", "Energy import L1"),
    energy("energy_import_l2", "Energy import L2"),
    energy("energy_import_l3", "Energy import L3"),
    energy("energy_export_l1", "Energy export L1"),
    energy("energy_export_l2", "Energy export L2"),
    energy("energy_export_l3", "Energy export L3"),
    // From the ledger, by the meter's clock: totals that start again from 0 each local day and
    // month, which total_increasing reads as a new cycle (as Home Assistant's utility meter does).
    energy("energy_import_today", "Energy import today"),
    energy("energy_export_today", "Energy export today"),
    energy("energy_import_this_month", "Energy import this month"),
    energy("energy_export_this_month", "Energy export this month"),
    // The energy of one past period: no total of anything, so no energy class (which would ask
    // for a total); a measurement in kWh, for graphs and automations.
    SensorSpec{"energy_import_last_quarter_hour", "Energy import last quarter-hour", "", "measurement", "kWh", 3, "",
               "mdi:chart-bar"},
    SensorSpec{"energy_import_last_hour", "Energy import last hour", "", "measurement", "kWh", 3, "", "mdi:chart-bar"},
    // Capacity tariffs: the mean of the month's largest hourly imports on distinct days, and the
    // tariff step it falls in.
    SensorSpec{"capacity_peaks_mean", "Capacity peaks mean", "power", "measurement", "kW", 2, "", ""},
    SensorSpec{"capacity_step", "Capacity step", "", "measurement", "", 0, "", "mdi:stairs"},
    reactive_energy("reactive_energy_import", "Reactive energy import"),
    reactive_energy("reactive_energy_export", "Reactive energy export"),
    reactive_energy("reactive_energy_q1", "Reactive energy Q1"),
    reactive_energy("reactive_energy_q2", "Reactive energy Q2"),
    reactive_energy("reactive_energy_q3", "Reactive energy Q3"),
    reactive_energy("reactive_energy_q4", "Reactive energy Q4"),
    power("power_import", "Power import"),
    power("power_export", "Power export"),
    power("power_net", "Power net"),
    power("power_import_l1", "Power import L1"),
    power("power_import_l2", "Power import L2"),
    power("power_import_l3", "Power import L3"),
    power("power_export_l1", "Power export L1"),
    power("power_export_l2", "Power export L2"),
    power("power_export_l3", "Power export L3"),
    reactive_power("reactive_power_import", "Reactive power import"),
    reactive_power("reactive_power_export", "Reactive power export"),
    reactive_power("reactive_power_import_l1", "Reactive power import L1"),
    reactive_power("reactive_power_import_l2", "Reactive power import L2"),
    reactive_power("reactive_power_import_l3", "Reactive power import L3"),
    reactive_power("reactive_power_export_l1", "Reactive power export L1"),
    reactive_power("reactive_power_export_l2", "Reactive power export L2"),
    reactive_power("reactive_power_export_l3", "Reactive power export L3"),
    SensorSpec{"apparent_power_import", "Apparent power import", "apparent_power", "measurement", "VA", 0, "", ""},
    SensorSpec{"apparent_power_export", "Apparent power export", "apparent_power", "measurement", "VA", 0, "", ""},
    voltage("voltage_l1", "Voltage L1"),
    voltage("voltage_l2", "Voltage L2"),
    voltage("voltage_l3", "Voltage L3"),
    current("current_l1", "Current L1"),
    current("current_l2", "Current L2"),
    current("current_l3", "Current L3"),
    power_factor("power_factor", "Power factor"),
    power_factor("power_factor_l1", "Power factor L1"),
    power_factor("power_factor_l2", "Power factor L2"),
    power_factor("power_factor_l3", "Power factor L3"),
    SensorSpec{"frequency", "Frequency", "frequency", "measurement", "Hz", 2, "", ""},
    // A timestamp sensor has no state class; its state must carry a UTC offset.
    SensorSpec{"meter_clock", "Meter clock", "timestamp", "", "", -1, "diagnostic", ""},
    text("meter_number", "Meter number", "mdi:identifier"),
    text("meter_id", "Meter ID", "mdi:identifier"),
    text("meter_id_2", "Meter ID 2", "mdi:identifier"),
    text("meter_type", "Meter type", "mdi:meter-electric"),
    text("logical_device_name", "Logical device name", "mdi:tag-text-outline"),
    text("list_version", "List version", "mdi:format-list-numbered"),
    text("firmware_version", "Firmware version", "mdi:chip"),
    text("current_tariff", "Current tariff", "mdi:cash-clock"),
    // The grid operator's message to the customer (Austrian lists), as text and as a code.
    text("customer_info_text", "Customer information", "mdi:message-text-outline"),
    text("customer_info_code", "Customer information code", "mdi:message-alert-outline"),
};

constexpr std::array kDiagnostics{
    SensorSpec{"frame_counter", "Frame counter", "", "", "", -1, "diagnostic", "mdi:counter"},
    SensorSpec{"pushes", "Pushes decoded", "", "total_increasing", "", -1, "diagnostic", "mdi:counter"},
    SensorSpec{"missed_pushes", "Missed pushes", "", "total_increasing", "", -1, "diagnostic",
               "mdi:message-alert-outline"},
    SensorSpec{"error_total", "Decode errors", "", "total_increasing", "", -1, "diagnostic",
               "mdi:alert-circle-outline"},
    SensorSpec{"seconds_since_last_push", "Seconds since last push", "duration", "measurement", "s", 0,
               "diagnostic", ""},
    // The kind ("wrong_key", "not_encrypted", ...); its message is an attribute of the entity.
    SensorSpec{"last_error", "Last error", "", "", "", -1, "diagnostic", "mdi:alert-outline"},
};

}  // namespace

const SensorSpec* find_sensor(std::string_view key) {
    for (const auto& s : kReadings)
        if (s.key == key) return &s;
    return nullptr;
}

std::span<const SensorSpec> diagnostic_sensors() { return kDiagnostics; }

}  // namespace ha

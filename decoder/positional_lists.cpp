// Push lists that carry no OBIS codes, named and scaled by their position, from the grid
// operators' published customer-interface specifications. A list is recognised by its shape
// (number of values, the type of the first and last) and, where the shape is shared, by its maker.
//
//   NVE list 1 (Norway, every make)    power_import
//   Iskraemeco AM550 (Slovenia)        ISK… device name, meter id, P+ P- Q+ Q- (W, var), U1-U3 (0.1 V),
//     18 values                        I1-I3 (0.01 A), P+ L1-L3, P- L1-L3 (W)
//     12 values                        ISK… device name, meter id, disconnect control, active tariff,
//                                      A+ A+T1 A+T2 A- A-T1 A-T2 (Wh), R+ R- (varh)
//   Landis+Gyr E450 (Austria)
//     9 values                         clock, A+ A- R+ R- (Wh, varh), P+ P- Q+ Q- (W, var)
//     14 values (Netz Burgenland)      U1-U3 (V), I1-I3 (0.01 A), P+ P- (W), A+ A- (Wh), three values
//                                      the specification does not make certain (left unplaced), meter number
#include <array>
#include <span>

#include "decoder/meter_profile.hpp"

namespace dlms {

namespace {

struct Slot {
    std::string_view key;  // empty: not known, the value stays unplaced
    std::int8_t scaler = 0;
    Unit unit = Unit::none;
    std::optional<Obis> obis = std::nullopt;  // for objects the key table has no entry for
};

constexpr Slot kNveList1[] = {{"power_import", 0, Unit::watt}};

const Slot kIskraInstant[] = {
    {"logical_device_name"}, {"meter_id"},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 0, Unit::var},
    {"voltage_l1", -1, Unit::volt}, {"voltage_l2", -1, Unit::volt}, {"voltage_l3", -1, Unit::volt},
    {"current_l1", -2, Unit::ampere}, {"current_l2", -2, Unit::ampere}, {"current_l3", -2, Unit::ampere},
    {"power_import_l1", 0, Unit::watt}, {"power_import_l2", 0, Unit::watt}, {"power_import_l3", 0, Unit::watt},
    {"power_export_l1", 0, Unit::watt}, {"power_export_l2", 0, Unit::watt}, {"power_export_l3", 0, Unit::watt},
};

const Slot kIskraEnergy[] = {
    {"logical_device_name"}, {"meter_id"},
    {"", 0, Unit::none, Obis(0, 0, 96, 3, 10, 255)},  // disconnect control state
    {"current_tariff"},
    {"energy_import", 0, Unit::watt_hour}, {"energy_import_t1", 0, Unit::watt_hour}, {"energy_import_t2", 0, Unit::watt_hour},
    {"energy_export", 0, Unit::watt_hour}, {"energy_export_t1", 0, Unit::watt_hour}, {"energy_export_t2", 0, Unit::watt_hour},
    {"reactive_energy_import", 0, Unit::var_hour}, {"reactive_energy_export", 0, Unit::var_hour},
};

const Slot kLgzClockList[] = {
    {"meter_clock"},
    {"energy_import", 0, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour},
    {"reactive_energy_import", 0, Unit::var_hour}, {"reactive_energy_export", 0, Unit::var_hour},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 0, Unit::var},
};

const Slot kLgzBurgenland[] = {
    {"voltage_l1", 0, Unit::volt}, {"voltage_l2", 0, Unit::volt}, {"voltage_l3", 0, Unit::volt},
    {"current_l1", -2, Unit::ampere}, {"current_l2", -2, Unit::ampere}, {"current_l3", -2, Unit::ampere},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"energy_import", 0, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour},
    {}, {}, {},
    {"meter_number"},
};

bool text_starting(const Reading& r, std::string_view prefix) {
    auto* s = std::get_if<std::string>(&r.raw);
    return s && s->starts_with(prefix);
}

bool all_numbers(std::span<const Reading> readings) {
    for (const auto& r : readings)
        if (!r.is_number()) return false;
    return true;
}

std::span<const Slot> known_list(const std::vector<Reading>& r, std::string_view manufacturer) {
    const std::size_t n = r.size();
    if (n == 1 && r[0].is_number()) return kNveList1;
    if (n == 18 && text_starting(r[0], "ISK") && all_numbers(std::span(r).subspan(2))) return kIskraInstant;
    if (n == 12 && text_starting(r[0], "ISK") && all_numbers(std::span(r).subspan(4))) return kIskraEnergy;
    const bool lgz = manufacturer == "LGZ" || manufacturer == "LGF";
    if (lgz && n == 9 && std::holds_alternative<DateTime>(r[0].raw) && all_numbers(std::span(r).subspan(1))) return kLgzClockList;
    if (lgz && n == 14 && std::holds_alternative<std::string>(r[13].raw) && all_numbers(std::span(r).first(13))) return kLgzBurgenland;
    return {};
}

}  // namespace

bool name_known_list(std::vector<Reading>& readings, std::string_view manufacturer) {
    const auto slots = known_list(readings, manufacturer);
    if (slots.empty()) return false;
    for (std::size_t i = 0; i < readings.size(); ++i) {
        const Slot& s = slots[i];
        Reading& r = readings[i];
        r.obis = s.obis ? s.obis : (s.key.empty() ? std::nullopt : obis_for_key(s.key));
        if (!r.obis) continue;
        r.key = key_for(*r.obis).empty() ? s.key : key_for(*r.obis);
        if (!r.is_number()) continue;
        r.scaler = s.scaler;
        r.unit = s.unit;
        r.scaled_by_list = true;
    }
    return true;
}

}  // namespace dlms

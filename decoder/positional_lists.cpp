// Push lists that carry no OBIS codes, named and scaled by their position, from the grid
// operators' published customer-interface specifications. A list is recognised by its shape
// (number of values, the type of the first and last) and, where the shape is shared, by its maker.
//
//   NVE list 1 (Norway, every make)    power_import
//   Iskraemeco AM550 (Slovenia)        ISK… device name, meter id, P+ P- Q+ Q- (W, var), U1-U3 (0.1 V),
//     18 values                        I1-I3 (0.01 A), P+ L1-L3, P- L1-L3 (W)
//     12 values                        ISK… device name, meter id, disconnect control, active tariff,
//                                      A+ A+T1 A+T2 A- A-T1 A-T2 (Wh), R+ R- (varh)
//     10 values (single phase)         ISK… device name, meter id, P+ P- Q+ Q-, U1, I1, P+ L1, P- L1
//     9 values (firmware ED1.21)       ISK… device name, meter id, P+ P- Q+ Q-, U1, two values no
//                                      source names (left unplaced)
//     9 values (energy)                ISK… device name, P+ P- (W), A+ A+T1 A+T2 A- A-T1 A-T2 (Wh)
//     4 values (ED1.21, 15 minutes)    meter number, a value no source names, A+ A- (Wh)
//     12 values (Elektro Celje)        ISK… device name, the list's name, U1-U3, I1-I3, P+, three
//                                      values no source names
//   The single-phase list is the operator's instantaneous list (its OBIS order, as published in
//   amsreader-firmware#615) without the objects a single-phase meter lacks, and ED1.21's 9-value
//   list follows that order up to U1; the captures in amsreader-firmware#869 confirm each naming
//   (single phase: P+ equals P+ L1; the energy lists: tariffs sum to their totals, and the
//   15-minute list's A- is the 1-second list's). Elektro Celje's list (amsreader-firmware#615): voltages and currents by their types
//   and the operator's units, P+ as the only value U·I can carry.
//   Landis+Gyr E450 (Austria)
//     9 values                         clock, A+ A- R+ R- (Wh, varh), P+ P- Q+ Q- (W, var)
//     14 values (Netz Burgenland)      U1-U3 (V), I1-I3 (0.01 A), P+ P- (W), A+ A- (Wh), three values
//                                      the specification does not make certain (left unplaced), meter number
//     11 values                        the same without the three uncertain values
//
// And one list that carries a single OBIS code (name_push_setup_list):
//   Iskraemeco AM550 (Austria)         {push set-up 0-x:25.9.0, meter number}, time, date, A+ A- (Wh),
//                                      R+ R- (varh), P+ P- (W), customer info text and code
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

// Landis+Gyr E450 without the three values of Netz Burgenland's list: the layout amsreader-firmware
// reads as Lng2Data_3p_0b (voltages in V, currents in 0.01 A, power in W, energy in Wh), as a
// Tasmota user's E450 sends it (arendst/Tasmota#23027).
const Slot kLgzShort[] = {
    {"voltage_l1", 0, Unit::volt}, {"voltage_l2", 0, Unit::volt}, {"voltage_l3", 0, Unit::volt},
    {"current_l1", -2, Unit::ampere}, {"current_l2", -2, Unit::ampere}, {"current_l3", -2, Unit::ampere},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"energy_import", 0, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour},
    {"meter_number"},
};

const Slot kIskraSinglePhase[] = {
    {"logical_device_name"}, {"meter_id"},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 0, Unit::var},
    {"voltage_l1", -1, Unit::volt}, {"current_l1", -2, Unit::ampere},
    {"power_import_l1", 0, Unit::watt}, {"power_export_l1", 0, Unit::watt},
};

const Slot kIskraEd121Instant[] = {
    {"logical_device_name"}, {"meter_id"},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"reactive_power_import", 0, Unit::var}, {"reactive_power_export", 0, Unit::var},
    {"voltage_l1", -1, Unit::volt}, {}, {},
};

const Slot kIskraPowerEnergy[] = {
    {"logical_device_name"},
    {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
    {"energy_import", 0, Unit::watt_hour}, {"energy_import_t1", 0, Unit::watt_hour}, {"energy_import_t2", 0, Unit::watt_hour},
    {"energy_export", 0, Unit::watt_hour}, {"energy_export_t1", 0, Unit::watt_hour}, {"energy_export_t2", 0, Unit::watt_hour},
};

const Slot kIskraEd121Energy[] = {
    {"meter_number"}, {}, {"energy_import", 0, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour},
};

const Slot kIskraCelje[] = {
    {"logical_device_name"}, {},
    {"voltage_l1", -1, Unit::volt}, {"voltage_l2", -1, Unit::volt}, {"voltage_l3", -1, Unit::volt},
    {"current_l1", -2, Unit::ampere}, {"current_l2", -2, Unit::ampere}, {"current_l3", -2, Unit::ampere},
    {"power_import", 0, Unit::watt}, {}, {}, {},
};

bool text_or_octets(const Reading& r) {
    return std::holds_alternative<std::string>(r.raw) || std::holds_alternative<OctetString>(r.raw);
}

bool text_starting(const Reading& r, std::string_view prefix) {
    auto* s = std::get_if<std::string>(&r.raw);
    return s && s->starts_with(prefix);
}

bool all_numbers(std::span<const Reading> readings) {
    for (const auto& r : readings)
        if (!r.is_number()) return false;
    return true;
}

// Text of digits only: the meter number Iskraemeco's 15-minute list opens with.
bool digits(const Reading& r) {
    auto* s = std::get_if<std::string>(&r.raw);
    return s && !s->empty() && s->find_first_not_of("0123456789") == std::string::npos;
}

std::span<const Slot> known_list(const std::vector<Reading>& r, std::string_view manufacturer) {
    const std::size_t n = r.size();
    const auto from = [&r](std::size_t i) { return std::span(r).subspan(i); };
    if (n == 1 && r[0].is_number()) return kNveList1;
    if (n == 18 && text_starting(r[0], "ISK") && all_numbers(from(2))) return kIskraInstant;
    // The energy list has its tariff as octets where Elektro Celje's list has a current.
    if (n == 12 && text_starting(r[0], "ISK") && text_or_octets(r[3]) && all_numbers(from(4))) return kIskraEnergy;
    if (n == 12 && text_starting(r[0], "ISK") && text_starting(r[1], "UP_") && all_numbers(from(2))) return kIskraCelje;
    if (n == 10 && text_starting(r[0], "ISK") && text_or_octets(r[1]) && all_numbers(from(2))) return kIskraSinglePhase;
    if (n == 9 && text_starting(r[0], "ISK") && text_or_octets(r[1]) && all_numbers(from(2))) return kIskraEd121Instant;
    if (n == 9 && text_starting(r[0], "ISK") && all_numbers(from(1))) return kIskraPowerEnergy;
    const bool unknown_or_iskra = manufacturer.empty() || manufacturer == "ISK";
    if (n == 4 && unknown_or_iskra && digits(r[0]) && all_numbers(from(1))) return kIskraEd121Energy;
    const bool lgz = manufacturer == "LGZ" || manufacturer == "LGF";
    if (lgz && n == 9 && std::holds_alternative<DateTime>(r[0].raw) && all_numbers(std::span(r).subspan(1))) return kLgzClockList;
    if (lgz && n == 14 && std::holds_alternative<std::string>(r[13].raw) && all_numbers(std::span(r).first(13))) return kLgzBurgenland;
    if (lgz && n == 11 && std::holds_alternative<std::string>(r[10].raw) && all_numbers(std::span(r).first(10))) return kLgzShort;
    return {};
}

const OctetString* octets_of(const Reading& r, std::size_t size) {
    auto* o = std::get_if<OctetString>(&r.raw);
    return o && o->bytes.size() == size ? o : nullptr;
}


}  // namespace

bool name_push_setup_list(Push& push) {
    auto& r = push.readings;
    if (r.size() != 11 || !r[0].obis || !std::holds_alternative<std::string>(r[0].raw)) return false;
    const Obis& setup = *r[0].obis;
    if (setup.a() != 0 || setup.c() != 25 || setup.d() != 9) return false;  // 0-x:25.9.0, a push set-up
    for (std::size_t i = 1; i < r.size(); ++i)
        if (r[i].obis) return false;
    const OctetString* time = octets_of(r[1], 4);  // hour, minute, second, hundredths
    const OctetString* date = octets_of(r[2], 5);  // year (2 octets), month, day, weekday
    if (!time || !date || !all_numbers(std::span(r).subspan(3, 6)) || !text_or_octets(r[9]) || !text_or_octets(r[10]))
        return false;

    // Named by key only: the wire carries one OBIS code (the push set-up's, which stays on the
    // meter number), and `decode` shows OBIS codes as the meter sent them.
    // The value paired with the push set-up's name is the meter number.
    r[0].key = "meter_number";
    // Date and time are one clock reading (at the time's place); the date value is folded into it.
    DateTime clock;
    clock.year = static_cast<std::uint16_t>(date->bytes[0] << 8 | date->bytes[1]);
    clock.month = date->bytes[2], clock.day = date->bytes[3], clock.weekday = date->bytes[4];
    clock.hour = time->bytes[0], clock.minute = time->bytes[1], clock.second = time->bytes[2];
    clock.hundredths = time->bytes[3];
    r[1].raw = clock;
    r[1].key = "meter_clock";
    r.erase(r.begin() + 2);

    static constexpr Slot kValues[] = {
        {"energy_import", 0, Unit::watt_hour}, {"energy_export", 0, Unit::watt_hour},
        {"reactive_energy_import", 0, Unit::var_hour}, {"reactive_energy_export", 0, Unit::var_hour},
        {"power_import", 0, Unit::watt}, {"power_export", 0, Unit::watt},
        // The consumer message text and code (0-0:96.13.0 and 0-0:96.13.1).
        {"customer_info_text"}, {"customer_info_code"},
    };
    for (std::size_t i = 0; i < std::size(kValues); ++i) {
        const Slot& s = kValues[i];
        Reading& v = r[2 + i];
        v.key = s.key;
        if (!v.is_number()) continue;
        v.scaler = s.scaler;
        v.unit = s.unit;
        v.scaled_by_list = true;
    }
    // The walker kept these ten values as unplaced, each with a warning: all are placed now, and
    // this shape carries nothing else a warning could be about (no scaler structures).
    push.unplaced_values = 0;
    push.warnings.clear();
    return true;
}

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

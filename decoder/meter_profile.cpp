#include "decoder/meter_profile.hpp"

#include <algorithm>
#include <array>

namespace dlms {

namespace {

struct Entry {
    std::uint32_t code;  // A, C, D, E packed: the channel B and F=255 do not change the meaning
    std::string_view key;
};
constexpr std::uint32_t pack(unsigned a, unsigned c, unsigned d, unsigned e) { return (a << 24) | (c << 16) | (d << 8) | e; }

// Sorted by code (checked at compile time below) for a binary search per reading.
constexpr std::array kTable = std::to_array<Entry>({
    {pack(0, 1, 0, 0), "meter_clock"},
    {pack(0, 42, 0, 0), "logical_device_name"},
    {pack(0, 96, 1, 0), "meter_id"},
    {pack(0, 96, 1, 1), "meter_id_2"},
    {pack(0, 96, 1, 7), "meter_type"},
    {pack(0, 96, 13, 0), "customer_info_text"},  // consumer message text
    {pack(0, 96, 13, 1), "customer_info_code"},  // consumer message code
    {pack(0, 96, 14, 0), "current_tariff"},
    {pack(1, 0, 0, 1), "meter_number"},
    {pack(1, 0, 0, 5), "meter_id"},
    {pack(1, 0, 2, 0), "firmware_version"},  // active firmware identifier
    {pack(1, 0, 2, 129), "list_version"},
    {pack(1, 1, 7, 0), "power_import"},
    {pack(1, 1, 8, 0), "energy_import"},
    {pack(1, 1, 8, 1), "energy_import_t1"},
    {pack(1, 1, 8, 2), "energy_import_t2"},
    {pack(1, 1, 8, 3), "energy_import_t3"},
    {pack(1, 1, 8, 4), "energy_import_t4"},
    {pack(1, 2, 7, 0), "power_export"},
    {pack(1, 2, 8, 0), "energy_export"},
    {pack(1, 2, 8, 1), "energy_export_t1"},
    {pack(1, 2, 8, 2), "energy_export_t2"},
    {pack(1, 2, 8, 3), "energy_export_t3"},
    {pack(1, 2, 8, 4), "energy_export_t4"},
    {pack(1, 3, 7, 0), "reactive_power_import"},
    {pack(1, 3, 8, 0), "reactive_energy_import"},
    {pack(1, 4, 7, 0), "reactive_power_export"},
    {pack(1, 4, 8, 0), "reactive_energy_export"},
    {pack(1, 5, 8, 0), "reactive_energy_q1"},
    {pack(1, 6, 8, 0), "reactive_energy_q2"},
    {pack(1, 7, 8, 0), "reactive_energy_q3"},
    {pack(1, 8, 8, 0), "reactive_energy_q4"},
    {pack(1, 9, 7, 0), "apparent_power_import"},
    {pack(1, 10, 7, 0), "apparent_power_export"},
    {pack(1, 13, 7, 0), "power_factor"},
    {pack(1, 14, 7, 0), "frequency"},
    {pack(1, 21, 7, 0), "power_import_l1"},
    {pack(1, 21, 8, 0), "energy_import_l1"},
    {pack(1, 22, 7, 0), "power_export_l1"},
    {pack(1, 22, 8, 0), "energy_export_l1"},
    {pack(1, 23, 7, 0), "reactive_power_import_l1"},
    {pack(1, 24, 7, 0), "reactive_power_export_l1"},
    {pack(1, 31, 7, 0), "current_l1"},
    {pack(1, 32, 7, 0), "voltage_l1"},
    {pack(1, 33, 7, 0), "power_factor_l1"},
    {pack(1, 41, 7, 0), "power_import_l2"},
    {pack(1, 41, 8, 0), "energy_import_l2"},
    {pack(1, 42, 7, 0), "power_export_l2"},
    {pack(1, 42, 8, 0), "energy_export_l2"},
    {pack(1, 43, 7, 0), "reactive_power_import_l2"},
    {pack(1, 44, 7, 0), "reactive_power_export_l2"},
    {pack(1, 51, 7, 0), "current_l2"},
    {pack(1, 52, 7, 0), "voltage_l2"},
    {pack(1, 53, 7, 0), "power_factor_l2"},
    {pack(1, 61, 7, 0), "power_import_l3"},
    {pack(1, 61, 8, 0), "energy_import_l3"},
    {pack(1, 62, 7, 0), "power_export_l3"},
    {pack(1, 62, 8, 0), "energy_export_l3"},
    {pack(1, 63, 7, 0), "reactive_power_import_l3"},
    {pack(1, 64, 7, 0), "reactive_power_export_l3"},
    {pack(1, 71, 7, 0), "current_l3"},
    {pack(1, 72, 7, 0), "voltage_l3"},
    {pack(1, 73, 7, 0), "power_factor_l3"},
    {pack(1, 96, 1, 0), "meter_id"},
    {pack(1, 96, 1, 1), "meter_type"},
});
static_assert(std::is_sorted(kTable.begin(), kTable.end(), [](const Entry& x, const Entry& y) { return x.code < y.code; }));

enum class Quantity { other, energy, reactive_energy, power, reactive_power, apparent_power, current, voltage, power_factor, frequency };

Quantity quantity_of(const Obis& o) {
    if (o.a() != 1) return Quantity::other;
    const unsigned c = o.c(), d = o.d();
    const unsigned phase_c = c > 20 && c < 80 ? (c - 1) % 20 + 1 : c;  // 21, 41, 61 → 1; 32, 52, 72 → 12
    if (d == 8) {
        if (phase_c == 1 || phase_c == 2) return Quantity::energy;
        if (phase_c >= 3 && phase_c <= 8) return Quantity::reactive_energy;
        return Quantity::other;
    }
    if (d != 7) return Quantity::other;
    switch (phase_c) {
        case 1: case 2: return Quantity::power;
        case 3: case 4: return Quantity::reactive_power;
        case 9: case 10: return Quantity::apparent_power;
        case 11: return Quantity::current;
        case 12: return Quantity::voltage;
        case 13: return Quantity::power_factor;
        case 14: return Quantity::frequency;
        default: return Quantity::other;
    }
}

bool raw_above(const Reading& r, std::uint64_t limit) {
    if (auto* u = std::get_if<std::uint64_t>(&r.raw)) return *u > limit;
    if (auto* i = std::get_if<std::int64_t>(&r.raw)) return *i > static_cast<std::int64_t>(limit);
    return false;
}

// Kamstrup OMNIPOWER sends bare integers: energy in 10 Wh (most firmware), current 0.01 A,
// power factor 0.01, voltage in V or, on newer Danish firmware, 0.01 V (then above 1000).
Scaling kamstrup(const Reading& r, Quantity q) {
    switch (q) {
        case Quantity::energy: return {1, Unit::watt_hour};
        case Quantity::reactive_energy: return {1, Unit::var_hour};
        case Quantity::power: return {0, Unit::watt};
        case Quantity::reactive_power: return {0, Unit::var};
        case Quantity::apparent_power: return {0, Unit::volt_ampere};
        case Quantity::current: return {-2, Unit::ampere};
        case Quantity::voltage: return {static_cast<std::int8_t>(raw_above(r, 1000) ? -2 : 0), Unit::volt};
        case Quantity::power_factor: return {-2, Unit::none};
        case Quantity::frequency: return {-2, Unit::hertz};
        case Quantity::other: break;
    }
    return {};
}

// Kaifa's Norwegian lists: currents in mA, voltages in 0.1 V, everything else in its base unit.
Scaling generic(Quantity q);
Scaling kaifa(Quantity q) {
    if (q == Quantity::current) return {-3, Unit::ampere};
    if (q == Quantity::voltage) return {-1, Unit::volt};
    return generic(q);
}

// Landis+Gyr E450, E360 and E570 push lists (Swiss grid operators) carry no scalers: current in
// 0.01 A, power factor in 0.001, frequency in 0.01 Hz, energy in Wh, power in W; voltage in V on
// the E450 and in 0.1 V on the E360 (then above 1000, as no low-voltage meter reads 100 V).
Scaling landis_gyr(const Reading& r, Quantity q) {
    switch (q) {
        case Quantity::current: return {-2, Unit::ampere};
        case Quantity::voltage: return {static_cast<std::int8_t>(raw_above(r, 1000) ? -1 : 0), Unit::volt};
        case Quantity::power_factor: return {-3, Unit::none};
        case Quantity::frequency: return {-2, Unit::hertz};
        default: return generic(q);
    }
}

// Iskraemeco AM550 lists without scalers, in every configuration documented (the Slovenian
// operators' lists, the VSE list of Swiss operators): voltage in 0.1 V, current in 0.01 A,
// power in W, energy in Wh.
Scaling iskraemeco(Quantity q) {
    if (q == Quantity::current) return {-2, Unit::ampere};
    if (q == Quantity::voltage) return {-1, Unit::volt};
    return generic(q);
}

Scaling generic(Quantity q) {
    switch (q) {
        case Quantity::energy: return {0, Unit::watt_hour};
        case Quantity::reactive_energy: return {0, Unit::var_hour};
        case Quantity::power: return {0, Unit::watt};
        case Quantity::reactive_power: return {0, Unit::var};
        case Quantity::apparent_power: return {0, Unit::volt_ampere};
        case Quantity::current: return {0, Unit::ampere};
        case Quantity::voltage: return {0, Unit::volt};
        case Quantity::frequency: return {0, Unit::hertz};
        case Quantity::power_factor: case Quantity::other: break;
    }
    return {};
}

}  // namespace

// Direct lookup for the electricity registers every push is made of (A=1, D=7 or 8, E=0..2):
// a binary search per reading is a visible part of decoding a push.
struct FastIndex {
    std::array<std::uint8_t, 256 * 2 * 3> slot{};  // kTable index + 1, 0 = none
};
constexpr FastIndex make_fast_index() {
    FastIndex f{};
    for (std::size_t i = 0; i < kTable.size(); ++i) {
        const std::uint32_t code = kTable[i].code;
        const unsigned a = code >> 24, c = (code >> 16) & 0xFF, d = (code >> 8) & 0xFF, e = code & 0xFF;
        if (a == 1 && (d == 7 || d == 8) && e <= 2) f.slot[(c * 2 + (d - 7)) * 3 + e] = static_cast<std::uint8_t>(i + 1);
    }
    return f;
}
constexpr FastIndex kFast = make_fast_index();

std::string_view key_for(const Obis& o) {
    if (o.f() != 255) return {};
    if (o.a() == 1 && (o.d() == 7 || o.d() == 8) && o.e() <= 2) {
        const auto slot = kFast.slot[(o.c() * 2u + (o.d() - 7u)) * 3u + o.e()];
        return slot ? kTable[slot - 1].key : std::string_view{};
    }
    const std::uint32_t code = pack(o.a(), o.c(), o.d(), o.e());
    auto it = std::lower_bound(kTable.begin(), kTable.end(), code, [](const Entry& e, std::uint32_t c) { return e.code < c; });
    if (it == kTable.end() || it->code != code) return {};
    return it->key;
}

std::optional<Obis> obis_for_key(std::string_view key) {
    for (const auto& e : kTable) {
        if (e.key == key)
            return Obis(static_cast<std::uint8_t>(e.code >> 24), 0, static_cast<std::uint8_t>(e.code >> 16),
                        static_cast<std::uint8_t>(e.code >> 8), static_cast<std::uint8_t>(e.code), 255);
    }
    return std::nullopt;
}

Profile profile_for(std::string_view manufacturer, std::string_view list_id, bool vse_list) {
    if (manufacturer == "KAM" || list_id.starts_with("Kamstrup")) return Profile::kamstrup;
    if (manufacturer == "KFM" || list_id.starts_with("KFM")) return Profile::kaifa;
    if (manufacturer == "LGZ" || manufacturer == "LGF") return Profile::landis_gyr;
    if (manufacturer == "ISK") return Profile::iskraemeco;
    // A VSE list whose meter names no maker (unencrypted, no logical device name): the list's
    // own units, which Landis+Gyr's E450/E360 and Iskraemeco's AM550 send alike (current in
    // 0.01 A, voltage in V or 0.1 V): read as one would an L+G meter's.
    if (manufacturer.empty() && vse_list) return Profile::landis_gyr;
    return Profile::generic;
}

void apply_profile(Reading& r, Profile profile, const ProfileOverrides& overrides) {
    if (!r.obis || !r.is_number()) return;
    const Quantity q = quantity_of(*r.obis);
    Scaling s;
    switch (profile) {
        case Profile::kamstrup: s = kamstrup(r, q); break;
        case Profile::kaifa: s = kaifa(q); break;
        case Profile::landis_gyr: s = landis_gyr(r, q); break;
        case Profile::iskraemeco: s = iskraemeco(q); break;
        case Profile::generic: s = generic(q); break;
        case Profile::as_listed: s = {static_cast<std::int8_t>(r.scaler), r.unit}; break;
    }
    auto apply = [&s](const ScalingOverride& o) {
        if (o.scaler) s.scaler = *o.scaler;
        if (o.unit) s.unit = *o.unit;
    };
    if (!overrides.by_key.empty()) {
        if (auto it = overrides.by_key.find(r.key); !r.key.empty() && it != overrides.by_key.end()) apply(it->second);
        if (auto it = overrides.by_key.find(r.obis->to_string()); it != overrides.by_key.end()) apply(it->second);
    }
    r.scaler = s.scaler;
    r.unit = s.unit;
}

bool name_positional(std::vector<Reading>& readings, std::string_view list_id) {
    // Kaifa's Norwegian HAN lists (NVE): list 2 and list 3, three-phase and single-phase.
    static constexpr std::string_view three_phase[] = {
        "list_version", "meter_id", "meter_type", "power_import", "power_export", "reactive_power_import",
        "reactive_power_export", "current_l1", "current_l2", "current_l3", "voltage_l1", "voltage_l2", "voltage_l3",
        "meter_clock", "energy_import", "energy_export", "reactive_energy_import", "reactive_energy_export"};
    static constexpr std::string_view one_phase[] = {
        "list_version", "meter_id", "meter_type", "power_import", "power_export", "reactive_power_import",
        "reactive_power_export", "current_l1", "voltage_l1",
        "meter_clock", "energy_import", "energy_export", "reactive_energy_import", "reactive_energy_export"};
    if (!list_id.starts_with("KFM_")) return false;
    std::span<const std::string_view> names;
    if (readings.size() == 13 || readings.size() == 18) names = three_phase;
    else if (readings.size() == 9 || readings.size() == 14) names = one_phase;
    else return false;
    for (std::size_t i = 0; i < readings.size(); ++i) {
        const std::string_view key = names[i];
        readings[i].key = key;
        // Kaifa's meter id and type are the GS1 objects of group A=0 (0.0.96.1.0.255, 0.0.96.1.7.255).
        if (key == "meter_id") readings[i].obis = Obis(0, 0, 96, 1, 0, 255);
        else if (key == "meter_type") readings[i].obis = Obis(0, 0, 96, 1, 7, 255);
        else if (key == "meter_clock") readings[i].obis = Obis(0, 0, 1, 0, 0, 255);
        else readings[i].obis = obis_for_key(key);
        readings[i].key = key_for(*readings[i].obis).empty() ? key : key_for(*readings[i].obis);
    }
    return true;
}

}  // namespace dlms

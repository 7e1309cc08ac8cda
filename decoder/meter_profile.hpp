// Meter profiles: what an OBIS code means (a stable key) and, for meters that send no
// scaler/unit (Kamstrup), the scaler and unit of the raw integer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "decoder/obis.hpp"
#include "decoder/push.hpp"

namespace dlms {

struct Scaling {
    std::int8_t scaler = 0;
    Unit unit = Unit::none;
};

// A config file's correction of the profile: either part may be left to the profile
// ({scaler: -2} alone keeps the unit, and Kamstrup's voltage keeps its raw-dependent scaler
// when only the unit is given).
struct ScalingOverride {
    std::optional<std::int8_t> scaler;
    std::optional<Unit> unit;
};

// Per-quantity overrides of the profile's default scaling (from the config file).
// Keyed by reading key ("energy_import", "voltage_l1", ...) or by OBIS string.
struct ProfileOverrides {
    std::map<std::string, ScalingOverride, std::less<>> by_key;
};

// The stable key of a quantity, e.g. "energy_import" for A=1, C=1, D=8, E=0; empty when unknown.
std::string_view key_for(const Obis& obis);

// The OBIS code of a known key, with B=0 (used for positional lists).
std::optional<Obis> obis_for_key(std::string_view key);

// Which meter family's conventions apply to readings sent without scaler/unit.
// as_listed: the scaling a known positional list's specification gave (overrides still apply).
enum class Profile : std::uint8_t { generic, kamstrup, kaifa, landis_gyr, iskraemeco, as_listed };
// `manufacturer` is the system-title prefix ("KAM"...), `list_id` the push's list id.
// `vse_list`: the push is a Swiss VSE list (descriptors, then values); from a meter that names
// no maker, its values are read in that list's units (those of Landis+Gyr's profile).
Profile profile_for(std::string_view manufacturer, std::string_view list_id, bool vse_list = false);

// Fills scaler and unit of a reading that the meter sent without them.
void apply_profile(Reading& reading, Profile profile, const ProfileOverrides& overrides);

// Names the values of a positional list (no OBIS codes) when the list id is a known one,
// e.g. Kaifa's KFM_001. Returns false when the list is unknown.
bool name_positional(std::vector<Reading>& readings, std::string_view list_id);

// Names and scales the values of a positional list known by its shape (positional_lists.cpp):
// Iskraemeco AM550 (Slovenia), Landis+Gyr E450 (Austria), NVE list 1. `manufacturer` is the
// system-title prefix. Values the specification leaves uncertain keep no OBIS. False when unknown.
bool name_known_list(std::vector<Reading>& readings, std::string_view manufacturer);

// Names the list of Iskraemeco AM550 meters of Austrian operators, read by the OBIS walker as a
// push set-up OBIS code (0-x:25.9.0) paired with the meter number, then ten values without OBIS
// codes; folds its date and time into one clock reading and clears their unplaced count and
// warnings. False, and the push unchanged, when the push is not that list.
bool name_push_setup_list(Push& push);

}  // namespace dlms

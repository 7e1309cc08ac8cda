// What one decoded push is: the meter's identity, the security it came with, and its readings.
// Values stay as the wire integers plus scaler and unit, because a double loses the last digit of
// a large energy counter; scaled_number() below is the one conversion, for whoever publishes them.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "decoder/bytes.hpp"
#include "decoder/obis.hpp"

namespace dlms {

// COSEM date-time (12 bytes on the wire). Fields the meter leaves "not specified" are 0xFF/0xFFFF
// on the wire; here they are kept as read.
struct DateTime {
    std::uint16_t year = 0;
    std::uint8_t month = 0, day = 0, weekday = 0, hour = 0, minute = 0, second = 0, hundredths = 0;
    std::int16_t deviation = static_cast<std::int16_t>(0x8000);  // minutes; 0x8000 = not specified
    std::uint8_t clock_status = 0xFF;

    bool has_deviation() const { return deviation != static_cast<std::int16_t>(0x8000); }
    // A deviation a clock can have: UTC offsets lie within ±14 h; beyond that it is noise.
    bool has_offset() const { return has_deviation() && deviation >= -840 && deviation <= 840; }
    // "YYYY-MM-DDTHH:MM:SS", the meter's local time as it sent it.
    std::string iso() const;
    // ISO 8601 with the UTC offset the meter sent ("...T21:32:35+02:00" for a deviation of -120:
    // COSEM's deviation is UTC minus local time); iso() alone when the meter says "not
    // specified" (0x8000, as Kamstrup does) or sends no offset a clock can have.
    std::string iso8601() const;
    friend bool operator==(const DateTime&, const DateTime&) = default;
};

// The wall-clock fields of `t` as a std::tm (tm_isdst -1: for mktime to decide); a second the
// meter left unspecified (0xFF) is 0.
std::tm wall_clock_tm(const DateTime& t);

struct OctetString {
    Bytes bytes;
    friend bool operator==(const OctetString&, const OctetString&) = default;
};

// The raw value as on the wire. Text holds visible-/utf8-strings and octet-strings that are
// printable ASCII (meter ids are sent either way); other octet-strings stay OctetString.
using RawValue = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string,
                              OctetString, DateTime>;

// DLMS unit codes (IEC 62056-62, the ones meters push).
enum class Unit : std::uint8_t {
    none = 0,
    year = 1, month = 2, week = 3, day = 4, hour = 5, minute = 6, second = 7,
    degree = 8, celsius = 9,
    watt = 27, volt_ampere = 28, var = 29, watt_hour = 30, volt_ampere_hour = 31, var_hour = 32,
    ampere = 33, coulomb = 34, volt = 35, hertz = 44,
    count = 255,
};
std::string_view unit_symbol(Unit u);  // "Wh", "W", ..., "" for none/count

// "Kamstrup" for "KAM", "Kaifa" for "KFM", ...; the code itself when unknown.
std::string_view manufacturer_name(std::string_view code);

// A published number: an exact integer where raw × 10^exponent is one that fits in 64 bits, else
// the nearest double. Never a wrapped integer.
using Number = std::variant<std::int64_t, std::uint64_t, double>;
double to_double(const Number& n);

struct Reading;
// The one conversion from the wire value to the published number, used by `decode`, the MQTT
// state, UDP, CSV and the energy guard: raw × 10^(scaler + shift), `shift` moving to a display
// unit (-3 for Wh → kWh). nullopt for a value that is not a number, or whose result is not a
// finite double (a float of 1e300 with scaler 100): a clear "no value", never a wrong one.
std::optional<Number> scaled_number(const Reading& r, int shift = 0);

struct Reading {
    std::optional<Obis> obis;    // absent for a positional value that no known list names
    int index = -1;              // position in a positional list, -1 otherwise
    std::string_view key;        // profile key, e.g. "energy_import"; empty when unknown
    RawValue raw;
    std::int16_t scaler = 0;     // a meter may send its scaler as a long: kept whole, never wrapped
    Unit unit = Unit::none;
    bool scaled_by_meter = false;  // scaler/unit came from the meter, not from a profile
    bool scaled_by_list = false;   // scaler/unit from a known positional list's specification

    bool is_number() const {
        return std::holds_alternative<std::int64_t>(raw) || std::holds_alternative<std::uint64_t>(raw) ||
               std::holds_alternative<double>(raw);
    }
    // raw × 10^scaler as a double, for numbers only: scaled_number() as a double.
    std::optional<double> value() const;
};

enum class Security : std::uint8_t { none, encrypted, authenticated_encrypted };
constexpr std::string_view to_string(Security s) {
    switch (s) {
        case Security::none: return "none";
        case Security::encrypted: return "encrypted";
        case Security::authenticated_encrypted: return "authenticated+encrypted";
    }
    return "none";
}

// Something of the push the decoder read but could not place: a value with no OBIS code and no
// known list to name it, a scaler it could not apply. `offset` is where the value's A-XDR tag is,
// counted from the start of the push body (the data after the data-notification's date-time).
struct PushWarning {
    std::size_t offset = 0;
    std::string message;
    friend bool operator==(const PushWarning&, const PushWarning&) = default;
};

struct Push {
    Bytes system_title;                      // empty for unencrypted pushes
    std::uint32_t frame_counter = 0;         // invocation counter; 0 for unencrypted pushes
    Security security = Security::none;
    std::uint32_t invoke_id = 0;
    std::string list_id;                     // "Kamstrup_V0001", "KFM_001", ... empty when none
    std::optional<DateTime> notification_time;
    std::vector<Reading> readings;
    // Values kept in `readings` by index and raw value only (no OBIS, no name, no scaling): the
    // daemon logs them once per meter and counts them; `decode` prints them.
    std::uint32_t unplaced_values = 0;
    std::vector<PushWarning> warnings;  // empty for a push understood completely

    // "KAM", "KFM", "LGZ", ...: the first three bytes of the system title, or from the list id.
    std::string manufacturer() const;
    // The meter's serial: a meter-number reading if the push carries one, else from the system title.
    std::string meter_serial() const;
    const Reading* find(std::string_view key) const;
    const Reading* find(const Obis& obis) const;

    void clear();
};

}  // namespace dlms

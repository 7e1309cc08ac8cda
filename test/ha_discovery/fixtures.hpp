// Pushes built by hand the way the decoder hands them over (keys, scalers and units already set).
#pragma once

#include <cstdint>
#include <string_view>

#include "decoder/push.hpp"

namespace ha_test {

// Fixes the process time zone so that local UTC offsets in the output are deterministic.
void use_time_zone(const char* tz = "Europe/Copenhagen");

dlms::Reading number(dlms::Obis obis, std::string_view key, std::uint64_t raw, int scaler, dlms::Unit unit);
dlms::Reading signed_number(dlms::Obis obis, std::string_view key, std::int64_t raw, int scaler, dlms::Unit unit);
dlms::Reading text(dlms::Obis obis, std::string_view key, std::string value);
dlms::DateTime date_time(int year, int month, int day, int hour, int minute, int second,
                         std::int16_t deviation = static_cast<std::int16_t>(0x8000));

// Radius Elnet's published example (Kamstrup OMNIPOWER 3-phase, meter 27581522, 2020-01-07 14:47:20):
// the 32 readings of the hourly list in wire order, Kamstrup scaling (energy in 10 Wh, current and
// power factor in 0.01).
dlms::Push kamstrup_three_phase();
// Kamstrup OMNIPOWER 1-phase 10-second list (Norway): no energy registers, meter id and type as text.
dlms::Push kamstrup_one_phase();
// Aidon 3-phase HAN list 3 (Norway): OBIS B=0, scaler and unit sent by the meter, no encryption,
// no list id and no meter id in the list.
dlms::Push aidon_three_phase();

}  // namespace ha_test

// From the A-XDR body of a data-notification to readings. Meters lay out their push lists in a
// few ways, and some mix them within one list:
//   descriptors   [ {class, OBIS, attribute, index}... ] then the values in the same order (L+G VSE)
//   OBIS-coded    any mix, at any depth, of flat runs  OBIS, value[, {scaler, unit}]  (Kamstrup,
//                 L+G E450, Kaifa AT, with a list id first and null placeholders between) and
//                 structures  {OBIS, value[, {scaler, unit}]}  (Aidon, Iskraemeco, Kaifa AT)
//   positional    values only, no OBIS codes (Kaifa KFM_001, L+G Netz Burgenland)
// A value none of these places is kept by its index with its raw value, counted in
// Push::unplaced_values and named in Push::warnings: nothing is dropped silently.
#pragma once

#include "decoder/axdr.hpp"
#include "decoder/meter_profile.hpp"
#include "decoder/push.hpp"
#include "decoder/result.hpp"

namespace dlms {

// Fills push.readings and push.list_id from the parsed body. push.system_title must already be
// set (it selects the profile for meters that send no scaler/unit).
Status readings_from_body(const ValueTree& body, const ProfileOverrides& overrides, Push& push);

}  // namespace dlms

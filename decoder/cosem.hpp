// From the A-XDR body of a data-notification to readings. Meters lay out their push lists in a
// few ways, recognised in this order:
//   structures    {OBIS, value[, {scaler, unit}]} per object, in an array or structure (Aidon, Iskraemeco)
//   descriptors   [ {class, OBIS, attribute, index}... ] then the values in the same order (L+G VSE)
//   flat          [list id,] OBIS, value[, {scaler, unit}], OBIS, value, ... (Kamstrup, L+G E450, Kaifa AT)
//                 with null placeholders allowed where an OBIS is expected (1-phase Kamstrup)
//   positional    values only, no OBIS codes (Kaifa KFM_001, L+G Netz Burgenland)
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

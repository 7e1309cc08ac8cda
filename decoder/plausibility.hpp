// Whether a push's active power fits its voltages and currents. Lists that carry no scalers are
// read in their documented units; a meter configured otherwise, or a model whose units no list
// names (the Landis+Gyr E570 sends whole amperes), shows as more active power than its phases
// can carry: P > sum of U·I. Catching that names the likely unit and the override that fixes it,
// instead of publishing currents a hundred times too small without a word.
#pragma once

#include <optional>
#include <string>

#include "decoder/push.hpp"

namespace dlms {

// A one-line explanation when the push's active power (import or export, W) exceeds the sum of
// U·I over the phases that send a current by more than a margin (a quarter, plus 100 W for the
// resolution of small readings): which quantity is likely scaled wrong, in which unit it likely
// is, and the `meter.scaling` entries that fix it. A phase without a voltage counts at 230 V.
// nullopt when the push is plausible, or cannot be checked: no active power or no current, a
// current that is no number, or a value scaled by the meter itself (its own scaler is not
// second-guessed).
std::optional<std::string> implausible_scaling(const Push& push);

}  // namespace dlms

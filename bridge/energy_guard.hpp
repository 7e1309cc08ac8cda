// An energy total never goes backwards in what is published: Home Assistant's Energy dashboard
// reads a drop of a total_increasing sensor as a meter reset and books the whole reading again.
// A lower value (a glitch, a misread register) is logged and dropped from the push.
#pragma once

#include <map>
#include <string>

#include "decoder/push.hpp"

namespace bridge {

class EnergyGuard {
public:
    // Removes energy readings lower than the last one published for the same meter; returns
    // how many it removed.
    int filter(dlms::Push& push);

private:
    std::map<std::string, double, std::less<>> last_;  // "<meter>/<key>" → last value
};

bool is_energy_total(std::string_view key);

}  // namespace bridge

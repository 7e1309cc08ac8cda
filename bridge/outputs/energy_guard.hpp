// An energy total never goes backwards in what is published: Home Assistant's Energy dashboard
// reads a drop of a total_increasing sensor as a meter reset and books the whole reading again.
// A lower value (a glitch, a misread register) is logged and dropped from the push.
//
// A total that stays lower for kConfirmations pushes in a row is real (a replaced meter, a
// register reset by the grid company): it becomes the new baseline, with one warning, so the
// guard never blocks a reading for ever. The guard only sees pushes the decoder accepted
// (authenticated when keys are set), so a forged push can neither set nor move a baseline.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/outputs/output_log.hpp"
#include "decoder/push.hpp"

namespace bridge {

class EnergyGuard {
public:
    static constexpr int kConfirmations = 3;

    explicit EnergyGuard(WarnFn warn) : warn_(std::move(warn)) {}

    // Removes energy readings lower than the baseline of the same meter; returns how many.
    int filter(dlms::Push& push) { return filter(push, push.meter_serial()); }
    // The same, for a push whose meter serial (Push::meter_serial()) is known already.
    int filter(dlms::Push& push, const std::string& meter);

    // The baselines, to keep across a restart (a register that reads low just after one is still
    // caught), and to restore before the first push.
    struct Baseline {
        std::string meter, key;
        double value = 0;
        friend bool operator==(const Baseline&, const Baseline&) = default;
    };
    std::vector<Baseline> baselines() const;
    void restore(const std::vector<Baseline>& baselines);

private:
    struct Total {
        double baseline = 0;
        int lower_in_a_row = 0;  // pushes since the value first fell below the baseline
    };
    WarnFn warn_;
    // By meter, then by reading key: looked up without building a string per reading.
    std::map<std::string, std::map<std::string, Total, std::less<>>, std::less<>> totals_;
};

bool is_energy_total(std::string_view key);

}  // namespace bridge

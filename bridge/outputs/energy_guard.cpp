#include "bridge/outputs/energy_guard.hpp"

#include <algorithm>

namespace bridge {

bool is_energy_total(std::string_view key) {
    return key.starts_with("energy_") || key.starts_with("reactive_energy_");
}

int EnergyGuard::filter(dlms::Push& push, const std::string& meter) {
    auto& totals = totals_[meter];
    int removed = 0;
    auto drop = [&](const dlms::Reading& r) {
        if (!is_energy_total(r.key)) return false;
        const auto v = r.value();
        if (!v) return false;
        auto it = totals.find(r.key);
        const bool first = it == totals.end();
        if (first) it = totals.emplace(std::string(r.key), Total{}).first;
        Total& t = it->second;
        if (first || *v >= t.baseline) {
            t.baseline = *v;
            t.lower_in_a_row = 0;
            return false;
        }
        const std::string what = "meter " + meter + ": " + std::string(r.key);
        if (++t.lower_in_a_row < kConfirmations) {
            if (t.lower_in_a_row == 1)
                warn_(what + " went backwards from " + std::to_string(t.baseline) + " to " + std::to_string(*v) +
                      "; not published unless it stays lower for " + std::to_string(kConfirmations) + " pushes");
            ++removed;
            return true;
        }
        warn_(what + " stayed below " + std::to_string(t.baseline) + " for " + std::to_string(kConfirmations) +
              " pushes: taking " + std::to_string(*v) + " as the new baseline (a replaced meter or a reset register)");
        t.baseline = *v;
        t.lower_in_a_row = 0;
        return false;
    };
    push.readings.erase(std::remove_if(push.readings.begin(), push.readings.end(), drop), push.readings.end());
    return removed;
}

std::vector<EnergyGuard::Baseline> EnergyGuard::baselines() const {
    std::vector<Baseline> out;
    for (const auto& [meter, totals] : totals_)
        for (const auto& [key, total] : totals) out.push_back({meter, key, total.baseline});
    return out;
}

void EnergyGuard::restore(const std::vector<Baseline>& baselines) {
    for (const auto& b : baselines) totals_[b.meter][b.key].baseline = b.value;
}

}  // namespace bridge

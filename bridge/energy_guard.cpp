#include "bridge/energy_guard.hpp"

#include <algorithm>

#include "bridge/log.hpp"

namespace bridge {

bool is_energy_total(std::string_view key) {
    return key.starts_with("energy_") || key.starts_with("reactive_energy_");
}

int EnergyGuard::filter(dlms::Push& push) {
    const std::string meter = push.meter_serial();
    int removed = 0;
    auto dropped = [&](const dlms::Reading& r) {
        if (!is_energy_total(r.key)) return false;
        const auto v = r.value();
        if (!v) return false;
        const std::string id = meter + "/" + std::string(r.key);
        auto it = last_.find(id);
        if (it != last_.end() && *v < it->second) {
            log_warning("meter " + meter + ": " + std::string(r.key) + " went backwards from " +
                        std::to_string(it->second) + " to " + std::to_string(*v) + "; not published");
            ++removed;
            return true;
        }
        last_[id] = *v;
        return false;
    };
    push.readings.erase(std::remove_if(push.readings.begin(), push.readings.end(), dropped), push.readings.end());
    return removed;
}

}  // namespace bridge

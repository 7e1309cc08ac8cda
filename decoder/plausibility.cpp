#include "decoder/plausibility.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace dlms {

namespace {

constexpr double kNominalVolts = 230.0;
constexpr double kMargin = 1.25;
constexpr double kSlackWatts = 100.0;
constexpr double kLowestMainsVolts = 50.0;  // a scaled voltage below this is a wrong unit, not a grid

// The reading of `key` when it is a number the meter sent without its own scaler.
const Reading* bare(const Push& p, std::string_view key) {
    const Reading* r = p.find(key);
    return r && r->is_number() && !r->scaled_by_meter && r->value() ? r : nullptr;
}

bool carried(double watts, double volt_amperes) { return watts <= kMargin * volt_amperes + kSlackWatts; }

std::string whole(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

std::string unit_of(int scaler, std::string_view symbol, std::string_view whole_name) {
    if (scaler == 0) return std::string(whole_name);
    if (scaler == -3) return std::string("m") + std::string(symbol);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g %s", std::pow(10.0, scaler), std::string(symbol).c_str());
    return buf;
}

}  // namespace

std::optional<std::string> implausible_scaling(const Push& push) {
    double watts = 0;
    for (auto key : {"power_import", "power_export"})
        if (const Reading* r = bare(push, key)) watts = std::max(watts, std::abs(*r->value()));
    if (watts == 0) return std::nullopt;

    static constexpr std::array<std::string_view, 3> kCurrents = {"current_l1", "current_l2", "current_l3"};
    static constexpr std::array<std::string_view, 3> kVoltages = {"voltage_l1", "voltage_l2", "voltage_l3"};
    std::array<const Reading*, 3> current{}, voltage{};
    bool any_current = false, low_voltage = false, nominal = false;
    double carried_va = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        current[i] = bare(push, kCurrents[i]);
        if (!current[i]) {
            // A current the meter scaled itself, or one that is no number: the sum cannot be made.
            if (push.find(kCurrents[i])) return std::nullopt;
            continue;
        }
        any_current = true;
        voltage[i] = push.find(kVoltages[i]);
        double volts = kNominalVolts;
        if (voltage[i] && voltage[i]->is_number() && voltage[i]->value()) {
            volts = std::abs(*voltage[i]->value());
            // A phase that is off sends 0 V; one below mains that is not off is a unit off.
            low_voltage = low_voltage || (volts > 0 && volts < kLowestMainsVolts && !voltage[i]->scaled_by_meter);
        } else {
            voltage[i] = nullptr;
            nominal = true;
        }
        carried_va += volts * std::abs(*current[i]->value());
    }
    if (!any_current || carried(watts, carried_va)) return std::nullopt;

    // How many powers of ten the wrong quantity is off by: the fewest that make the power fit.
    int off = 1;
    while (off < 6 && !carried(watts, carried_va * std::pow(10.0, off))) ++off;

    const bool blame_voltage = low_voltage;
    const auto& blamed = blame_voltage ? voltage : current;
    const auto& keys = blame_voltage ? kVoltages : kCurrents;
    std::string fix, unit;
    for (std::size_t i = 0; i < 3; ++i) {
        if (!blamed[i]) continue;
        const int scaler = blamed[i]->scaler + off;
        if (unit.empty()) unit = blame_voltage ? unit_of(scaler, "V", "whole volts") : unit_of(scaler, "A", "whole amperes");
        fix += (fix.empty() ? "" : ", ") + std::string(keys[i]) + ": {scaler: " + std::to_string(scaler) + "}";
    }
    return "active power " + whole(watts) + " W is more than the phases can carry (sum of U*I " + whole(carried_va) +
           " VA" + (nominal ? ", at 230 V where the list sends no voltage" : "") + "): the " +
           (blame_voltage ? "voltages" : "currents") + " are likely in " + unit + "; if so, set meter.scaling: {" + fix + "}";
}

}  // namespace dlms

// What the ledger adds to a push's record: energy by the meter's clock in local time, in Wh.
// Import and export of today and of this month (running totals: registers where read, the power
// estimate since), the last complete quarter-hour and hour, and the capacity tariff's figures
// when configured.
#pragma once

#include <optional>

namespace bridge {

struct EnergyTotals {
    double import_today = 0, export_today = 0;
    double import_this_month = 0, export_this_month = 0;
    std::optional<double> import_last_quarter_hour, import_last_hour;
    // Capacity tariff: the mean of the month's largest hourly (or quarter-hourly) imports on
    // distinct days, as power (kW), and the step of the tariff it falls in (1 = the lowest).
    std::optional<double> capacity_kw;
    std::optional<int> capacity_step;
};

}  // namespace bridge

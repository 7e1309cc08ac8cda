// Reading the ledger: its periods summed into quarter-hours, hours, days or months of local
// time (TZ), and written as CSV or JSON lines. `dlms2mqtt ledger` prints them; the same rows
// serve whatever else shows the ledger.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bridge/ledger/ledger.hpp"

namespace bridge {

enum class LedgerEvery { quarter_hour, hour, day, month };

struct LedgerRow {
    std::string meter;
    std::int64_t start = 0, end = 0;  // UTC seconds
    std::array<double, kChannels> energy{};  // Wh, varh
    std::optional<double> power_min, power_mean, power_max;  // net W
    bool exact = false;  // every period of it there and read at the row's both edges, nothing pending
};

// Groups `periods` (by meter, then start, as read_periods returns them) into rows.
std::vector<LedgerRow> summarise(const std::vector<LedgerPeriod>& periods, LedgerEvery every);

void write_csv(std::ostream& out, const std::vector<LedgerRow>& rows);
void write_json_lines(std::ostream& out, const std::vector<LedgerRow>& rows);

}  // namespace bridge

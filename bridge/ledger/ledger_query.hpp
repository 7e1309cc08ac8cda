// Reading the ledger: its periods summed into quarter-hours, hours, days or months of local
// time (TZ), and written as CSV or JSON lines. `dlms2mqtt ledger` prints them; the same rows
// serve whatever else shows the ledger.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bridge/ledger/ledger.hpp"
#include "bridge/outputs/local_time.hpp"

namespace bridge {

enum class LedgerEvery { quarter_hour, hour, day, month };

// "15min", "hour", "day", "month".
std::optional<LedgerEvery> parse_every(std::string_view text);

// A day of local time: "YYYY-MM-DD", or "today", "yesterday", "month" (this month's first day),
// as they are `now`.
std::optional<LocalDate> parse_local_day(std::string_view text, Clock::time_point now = Clock::now());

// Which periods a query reads: those starting in [from, to), UTC seconds.
struct LedgerRange {
    std::int64_t from = 0, to = std::int64_t{1} << 40;
};
// From the first local day's midnight to the midnight after the last day (included); either may
// be absent (the ledger's first or last day).
LedgerRange day_range(std::optional<LocalDate> first, std::optional<LocalDate> last);

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
// The same objects as the JSON lines, as one array (the HTTP API).
nlohmann::json rows_json(const std::vector<LedgerRow>& rows);

}  // namespace bridge

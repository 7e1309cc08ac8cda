// Local time (TZ) for what is shown by the day: the CSV files' days and times, the UDP line's time,
// the ledger's days, months and printed times.
#pragma once

#include <chrono>
#include <compare>
#include <string>

namespace bridge {

using Clock = std::chrono::system_clock;

// A calendar date in the local time zone (TZ).
struct LocalDate {
    int year = 0, month = 0, day = 0;
    friend auto operator<=>(const LocalDate&, const LocalDate&) = default;
    std::string iso() const;  // "YYYY-MM-DD"
};

LocalDate local_date(Clock::time_point t);
// The instant the local day starts (00:00 local; on a day that starts in a DST gap, the first
// valid local time).
Clock::time_point local_midnight(LocalDate d);
// "HH:MM:SS" local time.
std::string local_hms(Clock::time_point t);
// "YYYY-MM-DDTHH:MM:SS+01:00" local time with its UTC offset (which tells the two 02:30 of the
// autumn DST change apart).
std::string local_iso(Clock::time_point t);

}  // namespace bridge

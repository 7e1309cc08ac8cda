// "Energy today": what the old scripts showed next to the meter's registers. Two ways of counting,
// both reset at local midnight:
//   EnergyToday  — from the import register: register now minus the first register seen after
//                  local midnight (the baseline). Exact, but only as fresh as the last push that
//                  carried the register (Kamstrup sends it once an hour).
//   PowerToday   — the integral of the import power over the day's pushes: fresh every push,
//                  an estimate.
// Both are used on the worker thread only; EnergyToday locks anyway because one instance is
// shared by the UDP and CSV sinks.
#pragma once

#include <chrono>
#include <compare>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

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

class EnergyToday {
public:
    // Records `meter`'s import register (Wh) seen at `when`; returns Wh imported since local
    // midnight. The first register of a new local day becomes that day's baseline.
    double update(std::string_view meter, double register_wh, Clock::time_point when);

    // Wh imported today as of `when` from the last register seen today; nullopt when no register
    // has been seen today.
    std::optional<double> today(std::string_view meter, Clock::time_point when) const;

    // A baseline recovered from elsewhere (today's CSV file after a restart). The register only
    // rises, so of two baselines for the same day the lower one is the earlier: it wins, whichever
    // sink saw the meter first. A baseline for an older day than the one held is ignored.
    void restore(std::string_view meter, LocalDate day, double baseline_wh);

    std::optional<double> baseline(std::string_view meter, LocalDate day) const;

private:
    struct Meter {
        LocalDate day;
        double baseline = 0;
        std::optional<double> last;  // last register seen on `day`
    };
    mutable std::mutex mutex_;
    std::map<std::string, Meter, std::less<>> meters_;
};

class PowerToday {
public:
    // Intervals longer than `max_gap` (the reader or the meter was away) are not integrated: a
    // guess over minutes of unknown load would be worse than a visible dip.
    explicit PowerToday(std::chrono::seconds max_gap = std::chrono::minutes(15)) : max_gap_(max_gap) {}

    // Adds the import power `watts` seen at `when` (trapezoid over the interval since the previous
    // sample; an interval crossing local midnight counts only its part after midnight). Returns
    // Wh since local midnight.
    double update(double watts, Clock::time_point when);

    // Wh since local midnight as of `when`, for a push that carries no power (0 on a new day).
    double current(Clock::time_point when) const;

private:
    std::chrono::seconds max_gap_;
    std::optional<LocalDate> day_;
    double wh_ = 0;
    std::optional<Clock::time_point> last_time_;
    double last_watts_ = 0;
};

}  // namespace bridge

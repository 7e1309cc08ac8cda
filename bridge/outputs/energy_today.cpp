#include "bridge/outputs/energy_today.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace bridge {

namespace {

std::tm local_tm(Clock::time_point t) {
    const std::time_t tt = Clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm;
}

}  // namespace

std::string LocalDate::iso() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    return buf;
}

LocalDate local_date(Clock::time_point t) {
    const std::tm tm = local_tm(t);
    return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

Clock::time_point local_midnight(LocalDate d) {
    std::tm tm{};
    tm.tm_year = d.year - 1900;
    tm.tm_mon = d.month - 1;
    tm.tm_mday = d.day;
    tm.tm_isdst = -1;  // let mktime find whether DST is in force at that hour
    return Clock::from_time_t(std::mktime(&tm));
}

std::string local_hms(Clock::time_point t) {
    const std::tm tm = local_tm(t);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string local_iso(Clock::time_point t) {
    const std::tm tm = local_tm(t);
    const long offset_min = tm.tm_gmtoff / 60;
    const long abs_min = std::labs(offset_min);
    char buf[96];  // roomy enough for any int the compiler imagines
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+',
                  abs_min / 60, abs_min % 60);
    return buf;
}

double EnergyToday::update(std::string_view meter, double register_wh, Clock::time_point when) {
    const LocalDate day = local_date(when);
    std::lock_guard lock(mutex_);
    auto it = meters_.find(meter);
    if (it == meters_.end()) it = meters_.emplace(std::string(meter), Meter{day, register_wh, {}}).first;
    Meter& m = it->second;
    if (day > m.day) m = Meter{day, register_wh, {}};
    if (day < m.day) return 0;  // a push from a day already closed (clock stepped back): not ours
    // A register below the baseline means a new meter or a reset register: count from it.
    if (register_wh < m.baseline) m.baseline = register_wh;
    m.last = register_wh;
    return register_wh - m.baseline;
}

std::optional<double> EnergyToday::today(std::string_view meter, Clock::time_point when) const {
    std::lock_guard lock(mutex_);
    auto it = meters_.find(meter);
    if (it == meters_.end() || it->second.day != local_date(when) || !it->second.last) return std::nullopt;
    return *it->second.last - it->second.baseline;
}

void EnergyToday::restore(std::string_view meter, LocalDate day, double baseline_wh) {
    std::lock_guard lock(mutex_);
    auto it = meters_.find(meter);
    if (it == meters_.end()) {
        meters_.emplace(std::string(meter), Meter{day, baseline_wh, {}});
        return;
    }
    Meter& m = it->second;
    if (day > m.day) m = Meter{day, baseline_wh, {}};
    else if (day == m.day && baseline_wh < m.baseline) m.baseline = baseline_wh;
}

std::optional<double> EnergyToday::baseline(std::string_view meter, LocalDate day) const {
    std::lock_guard lock(mutex_);
    auto it = meters_.find(meter);
    if (it == meters_.end() || it->second.day != day) return std::nullopt;
    return it->second.baseline;
}

double PowerToday::update(double watts, Clock::time_point when) {
    const LocalDate day = local_date(when);
    Clock::time_point from = last_time_.value_or(when);
    if (!day_ || day > *day_) {
        // New day: keep only the part of the last interval that lies after midnight.
        const auto midnight = local_midnight(day);
        if (from < midnight) from = midnight;
        day_ = day;
        wh_ = 0;
    } else if (day < *day_) {
        return wh_;  // clock stepped back over midnight: ignore the sample
    }
    if (last_time_ && when > *last_time_ && when - *last_time_ <= max_gap_ && when > from) {
        const double hours = std::chrono::duration<double, std::ratio<3600>>(when - from).count();
        wh_ += (last_watts_ + watts) / 2.0 * hours;
    }
    last_time_ = when;
    last_watts_ = watts;
    return wh_;
}

double PowerToday::current(Clock::time_point when) const {
    return day_ && *day_ == local_date(when) ? wh_ : 0.0;
}

}  // namespace bridge

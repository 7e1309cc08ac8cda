#include "bridge/outputs/local_time.hpp"

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

}  // namespace bridge

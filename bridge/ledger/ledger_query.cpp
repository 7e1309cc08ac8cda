#include "bridge/ledger/ledger_query.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "bridge/outputs/local_time.hpp"

namespace bridge {
namespace {

// The local [start, end) holding the period that starts at `t`.
std::pair<std::int64_t, std::int64_t> bounds(std::int64_t t, LedgerEvery every) {
    const auto at = [](const LocalDate& d) { return Clock::to_time_t(local_midnight(d)); };
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    switch (every) {
        case LedgerEvery::quarter_hour:
            return {t, t + kPeriodSeconds};
        case LedgerEvery::hour: {
            const std::int64_t start = t - tm.tm_min * 60 - tm.tm_sec;
            return {start, start + 3600};
        }
        case LedgerEvery::day: {
            const LocalDate day{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
            // The next day: mktime normalises the 32nd of a month.
            return {at(day), at({day.year, day.month, day.day + 1})};
        }
        case LedgerEvery::month:
            return {at({tm.tm_year + 1900, tm.tm_mon + 1, 1}), at({tm.tm_year + 1900, tm.tm_mon + 2, 1})};
    }
    return {t, t + kPeriodSeconds};
}

double kilo(double wh) { return std::round(wh) / 1000.0; }  // to the Wh, as the registers count

std::optional<double> watts(std::optional<double> w) {
    if (!w) return std::nullopt;
    return std::round(*w * 10.0) / 10.0;
}

}  // namespace

std::vector<LedgerRow> summarise(const std::vector<LedgerPeriod>& periods, LedgerEvery every) {
    std::vector<LedgerRow> rows;
    // For the open row: its last period's start and end_read, the seconds it covers, whether
    // anything is pending, and the power integral.
    std::int64_t last_start = 0, seconds = 0;
    bool last_end_read = false, first_start_read = false, pending = false;
    double power_ws = 0, covered_s = 0;
    const auto close = [&] {
        if (rows.empty()) return;
        LedgerRow& r = rows.back();
        r.exact = first_start_read && last_end_read && !pending && seconds == r.end - r.start;
        if (covered_s > 0) r.power_mean = power_ws / covered_s;
    };
    for (const auto& p : periods) {
        const auto [start, end] = bounds(p.start, every);
        if (rows.empty() || rows.back().meter != p.meter || rows.back().start != start) {
            close();
            rows.push_back({p.meter, start, end, {}, std::nullopt, std::nullopt, std::nullopt, false});
            seconds = 0;
            pending = false;
            power_ws = covered_s = 0;
            first_start_read = p.start == start && p.start_read;
        }
        LedgerRow& r = rows.back();
        for (std::size_t c = 0; c < kChannels; ++c) r.energy[c] += p.energy[c];
        if (p.power_min) r.power_min = std::min(r.power_min.value_or(*p.power_min), *p.power_min);
        if (p.power_max) r.power_max = std::max(r.power_max.value_or(*p.power_max), *p.power_max);
        power_ws += p.power_ws;
        covered_s += p.covered_s;
        pending |= p.pending;
        // Periods must follow each other without a hole for the row to be whole.
        if (seconds == 0 || p.start == last_start + kPeriodSeconds) seconds += kPeriodSeconds;
        last_start = p.start;
        last_end_read = p.end_read;
    }
    close();
    return rows;
}

namespace {

nlohmann::json row_json(const LedgerRow& r) {
    nlohmann::json j = nlohmann::json::object();
    j["meter"] = r.meter;
    j["start"] = local_iso(Clock::from_time_t(static_cast<std::time_t>(r.start)));
    j["end"] = local_iso(Clock::from_time_t(static_cast<std::time_t>(r.end)));
    for (std::size_t c = 0; c < kChannels; ++c) j[kChannelNames[c].column] = kilo(r.energy[c]);
    const auto put = [&](const char* name, std::optional<double> w) {
        if (auto v = watts(w)) j[name] = *v;
        else j[name] = nullptr;
    };
    put("power_min_w", r.power_min);
    put("power_mean_w", r.power_mean);
    put("power_max_w", r.power_max);
    j["exact"] = r.exact;
    return j;
}

}  // namespace

void write_csv(std::ostream& out, const std::vector<LedgerRow>& rows) {
    out << "meter,start,end";
    for (const auto& c : kChannelNames) out << ',' << c.column;
    out << ",power_min_w,power_mean_w,power_max_w,exact\n";
    for (const auto& r : rows) {
        const nlohmann::json j = row_json(r);
        // The same values as the JSON rows, so both formats always agree.
        out << j["meter"].get<std::string>() << ',' << j["start"].get<std::string>() << ','
            << j["end"].get<std::string>();
        for (const auto& c : kChannelNames) out << ',' << j[c.column].dump();
        for (const char* c : {"power_min_w", "power_mean_w", "power_max_w"}) {
            out << ',';
            if (!j[c].is_null()) out << j[c].dump();
        }
        out << ',' << (r.exact ? "true" : "false") << '\n';
    }
}

void write_json_lines(std::ostream& out, const std::vector<LedgerRow>& rows) {
    for (const auto& r : rows) out << row_json(r).dump() << '\n';
}

nlohmann::json rows_json(const std::vector<LedgerRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(row_json(r));
    return out;
}

std::optional<LedgerEvery> parse_every(std::string_view text) {
    if (text == "15min") return LedgerEvery::quarter_hour;
    if (text == "hour") return LedgerEvery::hour;
    if (text == "day") return LedgerEvery::day;
    if (text == "month") return LedgerEvery::month;
    return std::nullopt;
}

std::optional<LocalDate> parse_local_day(std::string_view text, Clock::time_point now) {
    if (text == "today") return local_date(now);
    if (text == "yesterday") return local_date(local_midnight(local_date(now)) - std::chrono::hours(12));
    if (text == "month") {
        LocalDate d = local_date(now);
        d.day = 1;
        return d;
    }
    LocalDate d;
    char tail = 0;
    const std::string owned(text);
    if (std::sscanf(owned.c_str(), "%4d-%2d-%2d%c", &d.year, &d.month, &d.day, &tail) != 3) return std::nullopt;
    if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return std::nullopt;
    return d;
}

LedgerRange day_range(std::optional<LocalDate> first, std::optional<LocalDate> last) {
    LedgerRange range;
    if (first) range.from = Clock::to_time_t(local_midnight(*first));
    if (last) {
        ++last->day;  // the day itself is included (local_midnight normalises the 32nd)
        range.to = Clock::to_time_t(local_midnight(*last));
    }
    return range;
}

}  // namespace bridge

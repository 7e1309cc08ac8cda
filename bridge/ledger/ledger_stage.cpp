#include "bridge/ledger/ledger_stage.hpp"

#include <ctime>
#include <vector>

#include "bridge/outputs/local_time.hpp"

namespace bridge {
namespace {

// `t`'s wall time read as UTC: the local time's seconds, before any zone is applied.
std::int64_t wall_seconds(const dlms::DateTime& t) {
    std::tm tm = dlms::wall_clock_tm(t);
    return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::optional<std::int64_t> meter_clock_utc(const dlms::DateTime& t, std::optional<std::int64_t> after) {
    if (t.year == 0xFFFF || t.year < 1970 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 ||
        t.minute > 59)
        return std::nullopt;
    const std::int64_t wall = wall_seconds(t);
    // COSEM's deviation is UTC minus local time, in minutes.
    if (t.has_offset()) return wall + std::int64_t{t.deviation} * 60;
    // A day either side of the last time placed had one offset: any wall time in it has only
    // that one. (Pushes come every few seconds; this spares the zone lookups for nearly all.)
    thread_local std::int64_t steady_from = 1, steady_to = 0, steady_offset = 0;
    if (wall >= steady_from && wall <= steady_to) return wall - steady_offset;
    // Each UTC instant whose local wall time is `wall`: one, two in the autumn hour, none in the
    // spring gap. The offsets in force a day either side are the only candidates.
    std::optional<std::int64_t> first, first_after;
    std::vector<long> offsets;
    for (const std::int64_t probe : {wall - 86400, wall + 86400}) {
        const std::time_t p = static_cast<std::time_t>(probe);
        std::tm tm{};
        localtime_r(&p, &tm);
        const std::int64_t candidate = wall - tm.tm_gmtoff;
        const std::time_t c = static_cast<std::time_t>(candidate);
        std::tm check{};
        localtime_r(&c, &check);
        if (candidate + check.tm_gmtoff != wall) continue;  // not this wall time in that offset
        if (!first || candidate < *first) first = candidate;
        if ((!after || candidate >= *after) && (!first_after || candidate < *first_after)) first_after = candidate;
        offsets.push_back(tm.tm_gmtoff);
    }
    if (offsets.size() == 2 && offsets[0] == offsets[1] && first) {
        // Both candidates were the same instant: no change of offset from a day before to a day
        // after, so the half of that span around `wall` is safe to reuse.
        steady_from = wall - 43200;
        steady_to = wall + 43200;
        steady_offset = offsets[0];
    }
    if (first_after) return first_after;
    if (first) return first;
    // In the spring gap (02:30 that never happened): as mktime moves it forward.
    std::tm tm = dlms::wall_clock_tm(t);
    return static_cast<std::int64_t>(std::mktime(&tm));
}

std::optional<LedgerSample> ledger_sample(const dlms::Push& push, std::optional<std::int64_t> after) {
    std::optional<dlms::DateTime> clock = push.notification_time;
    if (!clock) {
        if (const dlms::Reading* r = push.find("meter_clock"))
            if (const auto* t = std::get_if<dlms::DateTime>(&r->raw)) clock = *t;
    }
    if (!clock) return std::nullopt;
    const auto time = meter_clock_utc(*clock, after);
    if (!time) return std::nullopt;
    LedgerSample sample;
    sample.time = *time;
    // One pass over the readings; the first reading of a key counts, as in the record.
    for (const dlms::Reading& r : push.readings) {
        if (!r.key.starts_with("power_") && !r.key.starts_with("energy_") && !r.key.starts_with("reactive_")) continue;
        for (std::size_t c = 0; c < kChannels; ++c) {
            if (!sample.power[c] && r.key == kChannelNames[c].power_key) sample.power[c] = r.value();
            if (!sample.energy[c] && r.key == kChannelNames[c].register_key) sample.energy[c] = r.value();
        }
    }
    return sample;
}

LedgerStage::LedgerStage(LedgerStageOptions options, WarnFn warn)
    : options_(std::move(options)), warn_(warn ? std::move(warn) : stderr_warn()), write_failed_(warn_) {
    try {
        LedgerOptions ledger_options;
        ledger_options.path = options_.path;
        ledger_options.capacity = options_.capacity;
        ledger_ = std::make_unique<Ledger>(std::move(ledger_options));
    } catch (const LedgerError& e) {
        problem_ = std::string(e.what()) + "; going on without the ledger";
        warn_(problem_);
    }
}

LedgerStage::~LedgerStage() = default;

void LedgerStage::finish() {
    if (ledger_) write();
}

std::optional<EnergyTotals> LedgerStage::add(const dlms::Push& push, const std::string& meter,
                                             std::chrono::system_clock::time_point received) {
    if (!ledger_) return std::nullopt;
    try {
        const auto sample = ledger_sample(push, ledger_->last_time(meter));
        if (!sample) return ledger_->totals(meter);
        const auto taken = ledger_->add(meter, *sample, received);
        const auto when = [&] { return local_iso(Clock::from_time_t(static_cast<std::time_t>(sample->time))); };
        if (taken == Ledger::Taken::clock_ahead || taken == Ledger::Taken::clock_backwards) {
            if (clock_warned_.insert(meter).second)
                warn_("ledger: meter " + meter + "'s clock says " + when() +
                      (taken == Ledger::Taken::clock_ahead ? ", more than a day ahead of this machine's clock"
                                                           : ", before what the ledger already counted (a replayed frame, or a clock set back)") +
                      "; such pushes stay out of the ledger");
            return ledger_->totals(meter);
        }
        if (taken == Ledger::Taken::register_reset)
            warn_("ledger: meter " + meter + "'s registers went down at " + when() +
                  " (a meter replaced or reset?); the periods since the reading before are estimates");
        clock_warned_.erase(meter);
        if (!last_write_ || sample->time - *last_write_ >= options_.write_every.count() || sample->time < *last_write_) {
            last_write_ = sample->time;
            write();
        }
        return ledger_->totals(meter);
    } catch (const std::exception& e) {
        write_failed_(std::string("ledger: push not counted: ") + e.what());
        return std::nullopt;
    }
}

std::optional<KeptState> LedgerStage::kept() {
    if (!ledger_) return std::nullopt;
    try {
        return ledger_->kept();
    } catch (const std::exception& e) {
        warn_(std::string(e.what()) + "; the replay guard and energy guard start afresh");
        return std::nullopt;
    }
}

void LedgerStage::write() {
    try {
        if (keep_) {
            const KeptState state = keep_();
            ledger_->flush(&state);
        } else {
            ledger_->flush();
        }
        problem_.clear();
    } catch (const std::exception& e) {
        problem_ = std::string(e.what()) + " (what is not written yet stays in memory and is written once it can be)";
        write_failed_(problem_);
    }
}

}  // namespace bridge

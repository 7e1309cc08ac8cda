// The ledger in the push path: each accepted push, dated by the meter's clock, is counted before
// its record is built, and the record carries the meter's totals (today, this month, the last
// quarter-hour and hour) to every output. What changed is written at most once a write interval
// of the meter's clock (ledger.write_interval, a minute by default; so a replayed capture writes as
// the live meter would have) and at a clean stop.
//
// A ledger file that cannot be used is one clear error at start, and the daemon goes on without
// the ledger; a failed write (a full disk) is logged, rate-limited, and retried at the next write
// with nothing lost from memory. Both show on the bridge device (state() and problem()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "bridge/config/config.hpp"
#include "bridge/ledger/ledger.hpp"
#include "bridge/record/energy_totals.hpp"
#include "bridge/outputs/output_log.hpp"
#include "decoder/push.hpp"

namespace bridge {

struct LedgerStageOptions {
    std::string path = Config::Ledger{}.path;
    std::chrono::seconds write_every{Config::Ledger{}.write_interval};
    std::optional<CapacityOptions> capacity;  // ledger.capacity, when configured
};

// The meter's wall-clock time in UTC seconds. A time with a UTC offset is exact; one without
// (Kamstrup's) is placed in this machine's time zone (TZ). The autumn hour that occurs twice is
// placed on the first occurrence not before `after` (the meter's last counted time), so both are
// kept; a time in the spring gap is taken as mktime normalises it. nullopt for a time that is not
// a valid date and time.
std::optional<std::int64_t> meter_clock_utc(const dlms::DateTime& t, std::optional<std::int64_t> after);

// What a push tells the ledger: the meter's clock (the notification's date-time, else the meter's
// clock reading), its registers and its powers in wire units. nullopt without a clock.
std::optional<LedgerSample> ledger_sample(const dlms::Push& push, std::optional<std::int64_t> after);

class LedgerStage {
public:
    // Opens the ledger; a file that cannot be used is one warning naming it and the fix, and the
    // stage stays closed (add() returns nothing): the daemon goes on without the ledger.
    LedgerStage(LedgerStageOptions options, WarnFn warn);
    ~LedgerStage();
    LedgerStage(const LedgerStage&) = delete;
    LedgerStage& operator=(const LedgerStage&) = delete;

    // Counts an accepted push (after the energy guard); the meter's totals for its record.
    std::optional<EnergyTotals> add(const dlms::Push& push, const std::string& serial,
                                    std::chrono::system_clock::time_point received);
    // Writes what is not written yet (at a clean stop).
    void finish();

    // The state a previous run kept (nothing when the ledger is closed), and where each write
    // gets the state to keep: the daemon's replay guard and energy guard.
    std::optional<KeptState> kept();
    void keep(std::function<KeptState()> source) { keep_ = std::move(source); }
    bool open() const { return ledger_ != nullptr; }
    // "ok", or "error" with what went wrong: the file could not be opened, or the last write
    // failed (cleared by the next write that works).
    std::string_view state() const { return problem_.empty() ? "ok" : "error"; }
    const std::string& problem() const { return problem_; }

private:
    void write();

    LedgerStageOptions options_;
    WarnFn warn_;
    RateLimitedWarning write_failed_;
    std::unique_ptr<Ledger> ledger_;
    std::function<KeptState()> keep_;
    std::string problem_;
    std::optional<std::int64_t> last_write_;  // the meter time of the last write
    std::set<std::string> clock_warned_;  // meters whose wild clock was logged, until it is sane again
};

}  // namespace bridge

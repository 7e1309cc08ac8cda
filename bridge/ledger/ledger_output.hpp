// The ledger as an output: each accepted push, dated by the meter's clock, goes into the ledger;
// what changed is written at most once a minute of the meter's clock (so a replayed capture
// writes as the live meter would have) and when the daemon stops.
//
// A ledger file that cannot be used is one clear error at start, and the daemon goes on without
// the ledger; a failed write (a full disk) is logged, rate-limited, and retried a minute later
// with nothing lost from memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "bridge/ledger/ledger.hpp"
#include "bridge/outputs/output.hpp"
#include "bridge/outputs/output_log.hpp"
#include "decoder/push.hpp"

namespace bridge {

struct LedgerOutputOptions {
    std::string path = "/var/lib/dlms2mqtt/ledger.sqlite";
    std::chrono::seconds write_every{60};
};

// The meter's wall-clock time in UTC seconds. A time with a UTC offset is exact; one without
// (Kamstrup's) is placed in this machine's time zone (TZ). The autumn hour that occurs twice is
// placed on the first occurrence not before `after` (the meter's last counted time), so both are
// kept; a time in the spring gap is taken as mktime normalises it. nullopt for a time that is not
// a valid date and time.
std::optional<std::int64_t> meter_clock_utc(const dlms::DateTime& t, std::optional<std::int64_t> after);

// What a push tells the ledger: the meter's clock (the notification's date-time, else the meter's
// clock reading), its registers and its powers in wire units. nullopt without a clock.
std::optional<LedgerSample> ledger_sample(const Record& record, std::optional<std::int64_t> after);

class LedgerOutput final : public Output {
public:
    LedgerOutput(LedgerOutputOptions options, WarnFn warn);
    ~LedgerOutput() override;

    void start() override;
    void finish() override;
    void push(const RecordPtr& record) override;

    bool open() const { return ledger_ != nullptr; }

private:
    void write();

    LedgerOutputOptions options_;
    WarnFn warn_;
    RateLimitedWarning write_failed_;
    std::unique_ptr<Ledger> ledger_;
    std::optional<std::int64_t> last_write_;  // the meter time of the last write
    std::set<std::string> clock_warned_;  // meters whose wild clock was logged, until it is sane again
};

}  // namespace bridge

// The energy ledger: every 15-minute period of every meter, kept in SQLite for years.
//
// Registers are the truth. Between two readings of a register, the difference is spread over the
// periods by the power integrated over them (trapezoids between pushes; by time when no power was
// seen), scaled so the periods add up exactly to the difference. Until the next reading, a
// period holds its power estimate ("pending"). A period is exact when the registers were read at
// both of its edges (within `edge_tolerance`) and nothing of it is pending.
//
// Times are the meter's clock in UTC seconds; a period starts at a multiple of 900 s, which is a
// local quarter-hour in every time zone whose offset is a multiple of 15 minutes. Local time (TZ)
// places the running totals' days and months and the capacity tariff's periods, and groups the
// periods into hours, days and months when the ledger is read (ledger_query.hpp).
//
// What changed is written by flush(), in one transaction with the meter's anchor
// (last register reading) and last sample, so a crash loses at most what came since the last
// flush and never counts anything twice: after a restart the next register reading settles the
// energy since the anchor that was written.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/ledger/sqlite.hpp"
#include "bridge/outputs/energy_guard.hpp"
#include "bridge/record/energy_totals.hpp"
#include "decoder/replay_guard.hpp"

namespace bridge {

inline constexpr std::int64_t kPeriodSeconds = 900;

// What the ledger counts: import and export energy, active and reactive. Each is a register (Wh
// or varh, rising) weighted between readings by its power.
enum class Channel : std::size_t { import_active, export_active, import_reactive, export_reactive };
inline constexpr std::size_t kChannels = 4;

// Each channel's names, in Channel's order: in the database's columns, the readings that feed it
// (power and register keys of the push), and its column in `dlms2mqtt ledger`.
struct ChannelNames {
    const char* database;
    const char* power_key;
    const char* register_key;
    const char* column;
};
inline constexpr std::array<ChannelNames, kChannels> kChannelNames = {{
    {"import", "power_import", "energy_import", "import_kwh"},
    {"export", "power_export", "energy_export", "export_kwh"},
    {"reactive_import", "reactive_power_import", "reactive_energy_import", "reactive_import_kvarh"},
    {"reactive_export", "reactive_power_export", "reactive_energy_export", "reactive_export_kvarh"},
}};

// One push as the ledger sees it: the meter's clock and whatever of the registers and powers the
// push carried (wire units: Wh, varh, W, var).
struct LedgerSample {
    std::int64_t time = 0;  // the meter's clock, UTC seconds
    std::array<std::optional<double>, kChannels> power{};
    std::array<std::optional<double>, kChannels> energy{};
};

// A stored period as read back.
struct LedgerPeriod {
    std::string meter;
    std::int64_t start = 0;  // UTC seconds, a multiple of kPeriodSeconds
    std::array<double, kChannels> energy{};  // settled + pending, Wh / varh
    std::optional<double> power_min, power_max;  // net (import - export) W
    double power_ws = 0, covered_s = 0;          // the net power's integral and the seconds it covers
    bool start_read = false, end_read = false, pending = false;
    bool exact() const { return start_read && end_read && !pending; }
};

// What the daemon keeps across a restart beside the periods: the replay guard's counters (a frame
// recorded before the restart stays refused after it) and the energy guard's baselines.
struct KeptState {
    std::vector<dlms::ReplayGuard::Kept> counters;
    std::vector<EnergyGuard::Baseline> baselines;
    friend bool operator==(const KeptState&, const KeptState&) = default;
};

// Capacity tariffs (ledger.capacity): the month's `peaks` largest imports of a `period_seconds`
// period, one a day, and the thresholds (kW) of the tariff's steps.
struct CapacityOptions {
    int peaks = 0;
    std::int64_t period_seconds = 3600;
    std::vector<double> steps_kw;
};

struct LedgerOptions {
    std::string path;
    std::optional<CapacityOptions> capacity;
    // A register read this close to a period's edge counts as read at the edge.
    std::chrono::seconds edge_tolerance{30};
};

// The ledger's file cannot be used (not SQLite, damaged, read-only, its folder missing): the
// message names the file, what is wrong and the fix.
class LedgerError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Ledger {
public:
    // Opens (or creates) the database at options.path. Throws LedgerError.
    explicit Ledger(LedgerOptions options);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    enum class Taken {
        added,            // counted
        repeated,         // a time already counted (a list sent twice, a replayed frame): ignored
        clock_backwards,  // older than what was counted: kept out
        clock_ahead,      // later than `now` + 1 day: kept out
        register_reset,   // counted, but a register went down: the periods since are estimates
    };
    // Counts one push of `meter` (its serial). `now`: this machine's clock, which bounds a meter
    // clock gone wild.
    Taken add(const std::string& meter, const LedgerSample& sample, std::chrono::system_clock::time_point now);

    // Writes what changed since the last flush in one transaction, with `kept` when given. Throws
    // LedgerError (a full disk, say); what was not written stays in memory and goes with the next
    // flush.
    void flush(const KeptState* kept = nullptr);
    // The state the last flush kept (empty lists for a new ledger).
    KeptState kept();
    bool dirty() const;

    // The meter's totals as of its last counted time: today and this month (local days and months
    // by the meter's clock), the last complete quarter-hour and hour. nullopt for a meter never
    // counted.
    std::optional<EnergyTotals> totals(const std::string& meter);

    // The meter's last counted time (UTC seconds), for placing an ambiguous local time (the autumn
    // hour that occurs twice) after it.
    std::optional<std::int64_t> last_time(const std::string& meter) const;

    const std::string& path() const { return options_.path; }

private:
    struct Period;
    struct Meter;
    Meter& meter(const std::string& serial);
    Period& period(Meter& m, std::int64_t start);
    void integrate(Meter& m, std::int64_t t0, std::int64_t t1, const LedgerSample& sample);
    void settle(Meter& m, std::size_t channel, std::int64_t t, double value, Taken& taken);
    void mark_edges(Meter& m, std::int64_t t);
    void prune(Meter& m);
    void follow_calendar(Meter& m, std::int64_t t);
    void capacity(Meter& m, std::int64_t t, EnergyTotals& out);
    std::array<double, 2> stored_energy(const Meter& m, std::int64_t from, std::int64_t to);

    LedgerOptions options_;
    std::unique_ptr<sqlite::Database> db_;
    // A flush's statements, prepared once: parsing SQL costs more than running it.
    struct Statements;
    std::unique_ptr<Statements> statements_;
    std::map<std::string, std::unique_ptr<Meter>, std::less<>> meters_;
    std::optional<KeptState> kept_written_;  // as last written, to write only a change
};

// Reads stored periods with start in [from, to) (UTC seconds), by meter then start. Opens the
// file read-only: safe while the daemon writes. Throws LedgerError.
std::vector<LedgerPeriod> read_periods(const std::string& path, std::int64_t from, std::int64_t to);

}  // namespace bridge

#include "bridge/ledger/ledger.hpp"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <ctime>
#include <vector>

#include "bridge/outputs/local_time.hpp"

namespace bridge {
namespace {

// An interval between two pushes longer than this is a gap: its energy is estimated like any
// other, but it does not count towards the period's mean power.
constexpr std::int64_t kGapSeconds = 900;
constexpr std::int64_t kSchemaVersion = 1;

std::int64_t period_of(std::int64_t t) { return t - ((t % kPeriodSeconds) + kPeriodSeconds) % kPeriodSeconds; }

// The SQL column list "prefix_import, prefix_export, ..." (with `suffix` after each name).
std::string channel_columns(const std::string& prefix, const std::string& suffix = "") {
    std::string out;
    for (std::size_t c = 0; c < kChannels; ++c) {
        if (c) out += ", ";
        out += prefix + kChannelNames[c].database + suffix;
    }
    return out;
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

// Whether the file system holding `path` has no room left (SQLite reports a full disk met while
// growing its shared-memory index as an I/O error).
bool no_room(const std::string& path) {
    struct statvfs fs {};
    const std::string folder = std::filesystem::path(path).parent_path().string();
    return ::statvfs(folder.empty() ? "." : folder.c_str(), &fs) == 0 && fs.f_bavail == 0;
}

// The one-line error for a ledger file SQLite refused, with the fix.
LedgerError explain(const std::string& path, const sqlite::Error& e) {
    const int code = e.code() == SQLITE_IOERR && no_room(path) ? SQLITE_FULL : e.code();
    switch (code) {
        case SQLITE_NOTADB:
            return LedgerError("ledger " + path + " is not a SQLite database; move it aside (a new ledger is then made) or set ledger.path to another file");
        case SQLITE_CORRUPT:
            return LedgerError("ledger " + path + " is damaged (" + e.what() + "); move it aside and restore a backup, or let a new ledger be made");
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return LedgerError("ledger " + path + " is read-only (" + e.what() + "); make it and its folder writable by the daemon's user, or set ledger.path");
        case SQLITE_CANTOPEN:
            return LedgerError("ledger " + path + " cannot be opened (" + e.what() + "); create its folder writable by the daemon's user, or set ledger.path");
        case SQLITE_FULL:
            return LedgerError("ledger " + path + ": the disk is full; free some space");
        case SQLITE_IOERR:
            return LedgerError("ledger " + path + ": input/output error (" + e.what() + "); check the disk or SD card");
        default:
            return LedgerError("ledger " + path + ": " + e.what());
    }
}

// A period as its row holds it.
struct StoredPeriod {
    std::array<double, kChannels> settled{}, pending{};
    std::optional<double> power_min, power_max;
    double power_ws = 0, covered_s = 0;  // integral of the net power, and the seconds it covers
    bool start_read = false, end_read = false;
};

// The row's columns after (meter, start), in the order read_period() and the upsert use them.
std::string period_columns() {
    return channel_columns("energy_") + ", " + channel_columns("pending_") +
           ", power_min, power_max, power_ws, covered_s, start_read, end_read";
}

StoredPeriod read_period(const sqlite::Statement& row, int at) {
    StoredPeriod p;
    for (std::size_t c = 0; c < kChannels; ++c) {
        p.settled[c] = row.real(at + static_cast<int>(c));
        p.pending[c] = row.real(at + static_cast<int>(kChannels + c));
    }
    const int k = at + static_cast<int>(2 * kChannels);
    p.power_min = row.optional_real(k);
    p.power_max = row.optional_real(k + 1);
    p.power_ws = row.real(k + 2);
    p.covered_s = row.real(k + 3);
    p.start_read = row.integer(k + 4) != 0;
    p.end_read = row.integer(k + 5) != 0;
    return p;
}

std::string title_hex(const dlms::ReplayGuard::Title& title) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (auto b : title) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::string period_upsert_sql() {
    const std::string columns = "meter, start, " + period_columns();
    std::string assignments;
    for (std::size_t c = 0; c < kChannels; ++c) {
        for (const char* prefix : {"energy_", "pending_"}) {
            const std::string name = prefix + std::string(kChannelNames[c].database);
            assignments += name + " = excluded." + name + ", ";
        }
    }
    assignments += "power_min = excluded.power_min, power_max = excluded.power_max, power_ws = excluded.power_ws, "
                   "covered_s = excluded.covered_s, start_read = excluded.start_read, end_read = excluded.end_read";
    return "INSERT INTO period (" + columns + ") VALUES (" + placeholders(8 + 2 * kChannels) +
           ") ON CONFLICT (meter, start) DO UPDATE SET " + assignments;
}

// The local start of the capacity period holding `t` (an hour or a quarter-hour; offsets in whole
// quarter-hours), and the local day it belongs to.
std::pair<std::int64_t, std::int64_t> capacity_period(std::int64_t t, std::int64_t length) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    const std::int64_t local = t + tm.tm_gmtoff;
    const std::int64_t start = t - ((local % length) + length) % length;
    const std::int64_t day = t - ((local % 86400) + 86400) % 86400;
    return {start, day};
}

}  // namespace

struct Ledger::Period : StoredPeriod {
    bool dirty = false;  // changed since the last flush
};

struct Ledger::Meter {
    std::int64_t id = 0;
    std::optional<std::int64_t> last_time;
    std::array<std::optional<double>, kChannels> last_power{};
    std::array<std::optional<std::int64_t>, kChannels> anchor_time{};
    std::array<double, kChannels> anchor_value{};
    std::map<std::int64_t, Period> periods;
    bool dirty = false;
    // The local day and month of last_time, and the import and export in them of the periods no
    // longer held in `periods` (read from the file, or added when pruned).
    std::int64_t day_start = 0, day_end = 0, month_start = 0, month_end = 0, utc_offset = 0;
    std::array<double, 2> day_stored{}, month_stored{};
    // Capacity: the largest import of a period each local day of the month before `peaks_until`
    // (the start of the period in progress when they were last counted).
    std::int64_t peaks_until = 0;
    std::map<std::int64_t, double> day_peaks;  // local day start -> Wh
};

Ledger::Ledger(LedgerOptions options) : options_(std::move(options)) {
    try {
        db_ = std::make_unique<sqlite::Database>(options_.path, sqlite::Database::Mode::read_write_create);
        // Small pages: a flush rewrites a few rows, and every page written is wear on an SD card.
        db_->exec("PRAGMA page_size = 1024");
        db_->exec("PRAGMA journal_mode = WAL");
        // WAL with NORMAL: a power cut may lose the last commits, never the file's consistency.
        db_->exec("PRAGMA synchronous = NORMAL");
        auto version = db_->prepare("PRAGMA user_version");
        version.step();
        const std::int64_t found = version.integer(0);
        if (found > kSchemaVersion)
            throw LedgerError("ledger " + options_.path + " was written by a newer dlms2mqtt (schema " +
                              std::to_string(found) + "); upgrade dlms2mqtt or set ledger.path to another file");
        db_->exec("CREATE TABLE IF NOT EXISTS meter (id INTEGER PRIMARY KEY, serial TEXT NOT NULL UNIQUE, "
                  "last_time INTEGER, " + channel_columns("last_power_") + ", " + channel_columns("anchor_time_") +
                  ", " + channel_columns("anchor_value_") + ")");
        db_->exec("CREATE TABLE IF NOT EXISTS period (meter INTEGER NOT NULL REFERENCES meter(id), "
                  "start INTEGER NOT NULL, " + channel_columns("energy_", " REAL NOT NULL DEFAULT 0") + ", " +
                  channel_columns("pending_", " REAL NOT NULL DEFAULT 0") +
                  ", power_min REAL, power_max REAL, power_ws REAL NOT NULL DEFAULT 0, covered_s REAL NOT NULL DEFAULT 0, "
                  "start_read INTEGER NOT NULL DEFAULT 0, end_read INTEGER NOT NULL DEFAULT 0, "
                  "PRIMARY KEY (meter, start)) WITHOUT ROWID");
        db_->exec("CREATE TABLE IF NOT EXISTS replay_counter (title TEXT PRIMARY KEY, last INTEGER NOT NULL, "
                  "retired INTEGER) WITHOUT ROWID");
        db_->exec("CREATE TABLE IF NOT EXISTS energy_baseline (meter TEXT NOT NULL, key TEXT NOT NULL, "
                  "value REAL NOT NULL, PRIMARY KEY (meter, key)) WITHOUT ROWID");
        db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    } catch (const sqlite::Error& e) {
        throw explain(options_.path, e);
    }
    if (access(options_.path.c_str(), W_OK) != 0)
        throw LedgerError("ledger " + options_.path + " is read-only (" + std::strerror(errno) +
                          "); make it and its folder writable by the daemon's user, or set ledger.path");
}

Ledger::~Ledger() = default;

Ledger::Meter& Ledger::meter(const std::string& serial) {
    if (auto it = meters_.find(serial); it != meters_.end()) return *it->second;
    auto m = std::make_unique<Meter>();
    try {
        auto find = db_->prepare("SELECT id, last_time, " + channel_columns("last_power_") + ", " +
                                 channel_columns("anchor_time_") + ", " + channel_columns("anchor_value_") +
                                 " FROM meter WHERE serial = ?");
        find.bind(1, std::string_view(serial));
        if (find.step()) {
            m->id = find.integer(0);
            m->last_time = find.optional_integer(1);
            for (std::size_t c = 0; c < kChannels; ++c) {
                m->last_power[c] = find.optional_real(static_cast<int>(2 + c));
                m->anchor_time[c] = find.optional_integer(static_cast<int>(2 + kChannels + c));
                m->anchor_value[c] = find.real(static_cast<int>(2 + 2 * kChannels + c));
            }
        } else {
            auto insert = db_->prepare("INSERT INTO meter (serial) VALUES (?) RETURNING id");
            insert.bind(1, std::string_view(serial));
            insert.step();
            m->id = insert.integer(0);
        }
        // The periods a coming register reading may still settle: from the oldest anchor on.
        std::optional<std::int64_t> from = m->last_time;
        for (const auto& anchor : m->anchor_time)
            if (anchor && (!from || *anchor < *from)) from = *anchor;
        if (from) {
            auto load = db_->prepare("SELECT start, " + period_columns() + " FROM period WHERE meter = ? AND start >= ?");
            load.bind(1, m->id).bind(2, period_of(*from) - kPeriodSeconds);
            while (load.step()) {
                Period& p = m->periods[load.integer(0)];
                static_cast<StoredPeriod&>(p) = read_period(load, 1);
            }
        }
    } catch (const sqlite::Error& e) {
        throw explain(options_.path, e);
    }
    return *meters_.emplace(serial, std::move(m)).first->second;
}

Ledger::Period& Ledger::period(Meter& m, std::int64_t start) {
    Period& p = m.periods[start];
    p.dirty = true;
    return p;
}

std::optional<std::int64_t> Ledger::last_time(const std::string& serial) const {
    auto it = meters_.find(serial);
    return it == meters_.end() ? std::nullopt : it->second->last_time;
}

// Adds the power between the last push (t0) and this one (t1) to the periods it spans: a
// trapezoid, so a straight line between the two readings (across a gap too: the best guess there
// is, and the registers correct its total).
void Ledger::integrate(Meter& m, std::int64_t t0, std::int64_t t1, const LedgerSample& sample) {
    std::array<std::optional<double>, kChannels> p0 = m.last_power, p1 = sample.power;
    for (std::size_t c = 0; c < kChannels; ++c) {
        if (!p0[c]) p0[c] = p1[c];
        if (!p1[c]) p1[c] = p0[c];
    }
    const auto net = [](const std::array<std::optional<double>, kChannels>& p) -> std::optional<double> {
        if (!p[0] && !p[1]) return std::nullopt;
        return p[0].value_or(0) - p[1].value_or(0);
    };
    const auto n0 = net(p0), n1 = net(p1);
    const double span = static_cast<double>(t1 - t0);
    const auto at = [&](double a, double b, std::int64_t t) { return a + (b - a) * static_cast<double>(t - t0) / span; };
    for (std::int64_t s = period_of(t0); s < t1; s += kPeriodSeconds) {
        const std::int64_t a = std::max(t0, s), b = std::min(t1, s + kPeriodSeconds);
        if (b <= a) continue;
        Period& p = period(m, s);
        const double hours = static_cast<double>(b - a) / 3600.0;
        for (std::size_t c = 0; c < kChannels; ++c)
            if (p0[c]) p.pending[c] += (at(*p0[c], *p1[c], a) + at(*p0[c], *p1[c], b)) / 2 * hours;
        if (n0 && t1 - t0 <= kGapSeconds) {
            p.power_ws += (at(*n0, *n1, a) + at(*n0, *n1, b)) / 2 * static_cast<double>(b - a);
            p.covered_s += static_cast<double>(b - a);
        }
    }
}

void Ledger::settle(Meter& m, std::size_t c, std::int64_t t, double value, Taken& taken) {
    auto& anchor = m.anchor_time[c];
    if (anchor && t <= *anchor) return;
    if (!anchor) {
        anchor = t;
        m.anchor_value[c] = value;
        return;
    }
    const std::int64_t t0 = *anchor;
    const double difference = value - m.anchor_value[c];
    anchor = t;
    m.anchor_value[c] = value;
    // Every period between the two readings takes part, those that saw no power too.
    std::vector<std::pair<Period*, double>> shares;
    double weight = 0;
    for (std::int64_t s = period_of(t0); s < t; s += kPeriodSeconds) {
        Period& p = period(m, s);
        shares.emplace_back(&p, p.pending[c]);
        weight += p.pending[c];
        p.pending[c] = 0;
    }
    if (difference < 0) {
        // A register that went down (a meter replaced or reset): no difference to trust, so the
        // power estimates stay, and the periods are not exact.
        for (auto& [p, estimate] : shares) {
            p->settled[c] += estimate;
            p->start_read = p->end_read = false;
        }
        taken = Taken::register_reset;
        return;
    }
    if (weight <= 0) {  // no power seen: by time
        std::int64_t s = period_of(t0);
        for (auto& share : shares) {
            share.second = static_cast<double>(std::min(t, s + kPeriodSeconds) - std::max(t0, s));
            s += kPeriodSeconds;
        }
        weight = static_cast<double>(t - t0);
    }
    for (auto& share : shares) share.second = difference * share.second / weight;
    // Registers count whole Wh: so do the periods (largest remainders get the Wh left over),
    // and quarter-hours add up to their hour exactly.
    if (std::round(difference) == difference) {
        std::vector<std::pair<double, std::size_t>> fractions;  // (fraction dropped, share)
        double left = difference;
        for (std::size_t i = 0; i < shares.size(); ++i) {
            const double whole = std::floor(shares[i].second);
            fractions.emplace_back(shares[i].second - whole, i);
            left -= (shares[i].second = whole);
        }
        std::stable_sort(fractions.begin(), fractions.end(),
                         [](const auto& x, const auto& y) { return x.first > y.first; });
        for (std::size_t i = 0; left >= 0.5 && i < fractions.size(); ++i, left -= 1) shares[fractions[i].second].second += 1;
    }
    for (auto& [p, share] : shares) p->settled[c] += share;
}

void Ledger::mark_edges(Meter& m, std::int64_t t) {
    const std::int64_t tolerance = options_.edge_tolerance.count();
    const std::int64_t s = period_of(t);
    if (t - s <= tolerance) {
        period(m, s).start_read = true;
        if (auto it = m.periods.find(s - kPeriodSeconds); it != m.periods.end()) {
            it->second.end_read = true;
            it->second.dirty = true;
        }
    }
    if (s + kPeriodSeconds - t <= tolerance) {
        period(m, s).end_read = true;
        period(m, s + kPeriodSeconds).start_read = true;
    }
}

Ledger::Taken Ledger::add(const std::string& serial, const LedgerSample& sample, std::chrono::system_clock::time_point now) {
    Meter& m = meter(serial);
    const std::int64_t t = sample.time;
    if (t > std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 86400)
        return Taken::clock_ahead;
    if (m.last_time && t < *m.last_time) return Taken::clock_backwards;
    if (m.last_time && t == *m.last_time) {
        // Two lists at one moment (power, then the registers) are both counted; the same list
        // again is not.
        bool news = false;
        for (std::size_t c = 0; c < kChannels; ++c)
            news |= sample.energy[c] && (!m.anchor_time[c] || *m.anchor_time[c] < t);
        if (!news) return Taken::repeated;
    } else if (m.last_time) {
        integrate(m, *m.last_time, t, sample);
    }
    Taken taken = Taken::added;
    if (sample.power[0] || sample.power[1]) {
        const double net = sample.power[0].value_or(0) - sample.power[1].value_or(0);
        Period& p = period(m, period_of(t));
        p.power_min = std::min(p.power_min.value_or(net), net);
        p.power_max = std::max(p.power_max.value_or(net), net);
    }
    for (std::size_t c = 0; c < kChannels; ++c)
        if (sample.power[c]) m.last_power[c] = sample.power[c];
    m.last_time = t;
    m.dirty = true;
    bool registers = false;
    for (std::size_t c = 0; c < kChannels; ++c) {
        if (!sample.energy[c]) continue;
        settle(m, c, t, *sample.energy[c], taken);
        registers = true;
    }
    if (registers) mark_edges(m, t);
    return taken;
}

bool Ledger::dirty() const {
    return std::any_of(meters_.begin(), meters_.end(), [](const auto& e) { return e.second->dirty; });
}

struct Ledger::Statements {
    explicit Statements(sqlite::Database& db);
    sqlite::Statement counter, baseline, update, upsert;
};

Ledger::Statements::Statements(sqlite::Database& db)
    : counter(db.prepare("INSERT OR REPLACE INTO replay_counter (title, last, retired) VALUES (?, ?, ?)")),
      baseline(db.prepare("INSERT OR REPLACE INTO energy_baseline (meter, key, value) VALUES (?, ?, ?)")),
      update(db.prepare("UPDATE meter SET last_time = ?, (" + channel_columns("last_power_") + ", " +
                        channel_columns("anchor_time_") + ", " + channel_columns("anchor_value_") + ") = (" +
                        placeholders(3 * kChannels) + ") WHERE id = ?")),
      upsert(db.prepare(period_upsert_sql())) {}

KeptState Ledger::kept() {
    KeptState out;
    try {
        auto counters = db_->prepare("SELECT title, last, retired FROM replay_counter");
        while (counters.step()) {
            const std::string hex = counters.text(0);
            dlms::ReplayGuard::Kept k;
            if (hex.size() != 2 * k.title.size()) continue;
            for (std::size_t i = 0; i < k.title.size(); ++i)
                k.title[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
            k.last = static_cast<std::uint32_t>(counters.integer(1));
            if (auto r = counters.optional_integer(2)) k.retired = static_cast<std::uint32_t>(*r);
            out.counters.push_back(k);
        }
        auto baselines = db_->prepare("SELECT meter, key, value FROM energy_baseline");
        while (baselines.step()) out.baselines.push_back({baselines.text(0), baselines.text(1), baselines.real(2)});
    } catch (const sqlite::Error& e) {
        throw explain(options_.path, e);
    } catch (const std::logic_error&) {
        // A title that is not hex: the row is not ours to trust; what was read before it stays.
    }
    kept_written_ = out;
    return out;
}

void Ledger::flush(const KeptState* kept) {
    const bool write_kept = kept && kept_written_ != *kept;
    if (!dirty() && !write_kept) return;
    try {
        if (!statements_) statements_ = std::make_unique<Statements>(*db_);
        auto& counter = statements_->counter;
        auto& baseline = statements_->baseline;
        auto& update = statements_->update;
        auto& upsert = statements_->upsert;
        sqlite::Database::Transaction transaction(*db_);
        if (write_kept) {
            for (const auto& c : kept->counters) {
                counter.bind(1, std::string_view(title_hex(c.title)));
                counter.bind(2, std::int64_t{c.last});
                counter.bind(3, c.retired ? std::optional<std::int64_t>(*c.retired) : std::nullopt);
                counter.run();
            }
            for (const auto& b : kept->baselines) {
                baseline.bind(1, std::string_view(b.meter));
                baseline.bind(2, std::string_view(b.key));
                baseline.bind(3, b.value);
                baseline.run();
            }
        }
        for (auto& [serial, m] : meters_) {
            if (!m->dirty) continue;
            int i = 1;
            update.bind(i++, m->last_time);
            for (const auto& p : m->last_power) update.bind(i++, p);
            for (const auto& a : m->anchor_time) update.bind(i++, a);
            for (double v : m->anchor_value) update.bind(i++, v);
            update.bind(i, m->id);
            update.run();
            for (auto& [start, p] : m->periods) {
                if (!p.dirty) continue;
                upsert.bind(1, m->id);
                upsert.bind(2, start);
                int k = 3;
                for (double v : p.settled) upsert.bind(k++, v);
                for (double v : p.pending) upsert.bind(k++, v);
                upsert.bind(k++, p.power_min);
                upsert.bind(k++, p.power_max);
                upsert.bind(k++, p.power_ws);
                upsert.bind(k++, p.covered_s);
                upsert.bind(k++, std::int64_t{p.start_read});
                upsert.bind(k, std::int64_t{p.end_read});
                upsert.run();
            }
        }
        transaction.commit();
    } catch (const sqlite::Error& e) {
        throw explain(options_.path, e);
    }
    if (write_kept) kept_written_ = *kept;
    for (auto& [serial, m] : meters_) {
        m->dirty = false;
        for (auto& entry : m->periods) entry.second.dirty = false;
        prune(*m);
    }
}

std::array<double, 2> Ledger::stored_energy(const Meter& m, std::int64_t from, std::int64_t to) {
    auto sum = db_->prepare("SELECT TOTAL(energy_import + pending_import), TOTAL(energy_export + pending_export) "
                            "FROM period WHERE meter = ? AND start >= ? AND start < ?");
    sum.bind(1, m.id);
    sum.bind(2, from);
    sum.bind(3, to);
    sum.step();
    return {sum.real(0), sum.real(1)};
}

// Moves the meter's day and month to those holding `t`, with what the file holds of them before
// the periods in memory.
void Ledger::follow_calendar(Meter& m, std::int64_t t) {
    if (t >= m.day_start && t < m.day_end) return;
    const auto at = [](const LocalDate& d) { return static_cast<std::int64_t>(Clock::to_time_t(local_midnight(d))); };
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    const LocalDate day{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    m.utc_offset = tm.tm_gmtoff;
    m.day_start = at(day);
    m.day_end = at({day.year, day.month, day.day + 1});  // mktime carries the 32nd into next month
    m.month_start = at({day.year, day.month, 1});
    m.month_end = at({day.year, day.month + 1, 1});
    const std::int64_t held = m.periods.empty() ? t + 1 : m.periods.begin()->first;
    try {
        m.day_stored = stored_energy(m, m.day_start, std::min(held, m.day_end));
        m.month_stored = stored_energy(m, m.month_start, std::min(held, m.month_end));
    } catch (const sqlite::Error& e) {
        throw explain(options_.path, e);
    }
}

std::optional<EnergyTotals> Ledger::totals(const std::string& serial) {
    Meter& m = meter(serial);
    if (!m.last_time) return std::nullopt;
    const std::int64_t t = *m.last_time;
    follow_calendar(m, t);
    EnergyTotals out;
    out.import_today = m.day_stored[0];
    out.export_today = m.day_stored[1];
    out.import_this_month = m.month_stored[0];
    out.export_this_month = m.month_stored[1];
    const std::int64_t quarter = period_of(t) - kPeriodSeconds;
    // The local hour before the one holding t (zones with whole-hour or half-hour offsets).
    const std::int64_t hour = t - (((t + m.utc_offset) % 3600) + 3600) % 3600 - 3600;
    double last_hour = 0;
    int hour_periods = 0;
    for (const auto& [start, p] : m.periods) {
        const double in = p.settled[0] + p.pending[0], out_ = p.settled[1] + p.pending[1];
        if (start >= m.day_start && start < m.day_end) {
            out.import_today += in;
            out.export_today += out_;
        }
        if (start >= m.month_start && start < m.month_end) {
            out.import_this_month += in;
            out.export_this_month += out_;
        }
        if (start == quarter) out.import_last_quarter_hour = in;
        if (start >= hour && start < hour + 3600) {
            last_hour += in;
            ++hour_periods;
        }
    }
    if (hour_periods == 3600 / kPeriodSeconds) out.import_last_hour = last_hour;
    if (options_.capacity && options_.capacity->peaks > 0) capacity(m, t, out);
    return out;
}


void Ledger::capacity(Meter& m, std::int64_t t, EnergyTotals& out) {
    const CapacityOptions& cap = *options_.capacity;
    const auto [current, today] = capacity_period(t, cap.period_seconds);
    const auto value = [](const StoredPeriod& p) { return p.settled[0] + p.pending[0]; };
    if (current != m.peaks_until) {
        // A new period began: count the month's finished ones again, from the file and memory
        // (once an hour, or a quarter-hour; cheap beside the pushes in between).
        std::map<std::int64_t, double> periods;
        try {
            auto read = db_->prepare("SELECT start, energy_import + pending_import FROM period "
                                     "WHERE meter = ? AND start >= ? AND start < ?");
            read.bind(1, m.id);
            read.bind(2, m.month_start);
            read.bind(3, current);
            while (read.step()) periods[read.integer(0)] = read.real(1);
        } catch (const sqlite::Error& e) {
            throw explain(options_.path, e);
        }
        for (const auto& [start, p] : m.periods)
            if (start >= m.month_start && start < current) periods[start] = value(p);
        std::map<std::int64_t, std::pair<std::int64_t, double>> sums;  // period -> (day, Wh)
        for (const auto& [start, wh] : periods) {
            const auto [period, day] = capacity_period(start, cap.period_seconds);
            auto& sum = sums[period];
            sum.first = day;
            sum.second += wh;
        }
        m.day_peaks.clear();
        for (const auto& [period, sum] : sums) m.day_peaks[sum.first] = std::max(m.day_peaks[sum.first], sum.second);
        m.peaks_until = current;
    }
    // The period in progress counts with what it has so far.
    double so_far = 0;
    for (const auto& [start, p] : m.periods)
        if (start >= current && start < current + cap.period_seconds) so_far += value(p);
    std::vector<double> peaks;
    for (const auto& [day, wh] : m.day_peaks) peaks.push_back(day == today ? std::max(wh, so_far) : wh);
    if (!m.day_peaks.count(today)) peaks.push_back(so_far);
    std::sort(peaks.begin(), peaks.end(), std::greater<>());
    peaks.resize(std::min(peaks.size(), static_cast<std::size_t>(cap.peaks)));
    if (peaks.empty()) return;
    double sum = 0;
    for (double wh : peaks) sum += wh;
    // Wh in a period as mean power: kW = Wh / 1000 * (3600 / period).
    out.capacity_kw = sum / static_cast<double>(peaks.size()) / 1000.0 * 3600.0 / static_cast<double>(cap.period_seconds);
    if (!cap.steps_kw.empty())
        out.capacity_step = 1 + static_cast<int>(std::count_if(cap.steps_kw.begin(), cap.steps_kw.end(),
                                                               [&](double kw) { return *out.capacity_kw >= kw; }));
}

// Keeps in memory only the periods a coming reading may still change (from the oldest anchor
// on), the last two hours for the totals, and what has not been written yet.
void Ledger::prune(Meter& m) {
    std::optional<std::int64_t> keep_from = m.last_time;
    for (const auto& anchor : m.anchor_time)
        if (anchor && (!keep_from || *anchor < *keep_from)) keep_from = *anchor;
    if (!keep_from) return;
    // A channel that never gets a register keeps its estimates pending: hold them two days at most.
    const std::int64_t limit = std::max(period_of(*keep_from) - 2 * 3600, m.last_time.value_or(0) - 2 * 86400);
    for (auto it = m.periods.begin(); it != m.periods.end() && it->first < limit;) {
        if (it->second.dirty) {
            ++it;
            continue;
        }
        // Written already: from now on the day's and month's totals take it as stored.
        const Period& p = it->second;
        for (std::size_t c = 0; c < 2; ++c) {
            const double value = p.settled[c] + p.pending[c];
            if (it->first >= m.day_start && it->first < m.day_end) m.day_stored[c] += value;
            if (it->first >= m.month_start && it->first < m.month_end) m.month_stored[c] += value;
        }
        it = m.periods.erase(it);
    }
}

std::vector<LedgerPeriod> read_periods(const std::string& path, std::int64_t from, std::int64_t to) {
    if (access(path.c_str(), F_OK) != 0)
        throw LedgerError("no ledger at " + path + " (" + std::strerror(errno) +
                          "); the daemon makes it when it runs with ledger.enabled, or give --config with its ledger.path");
    std::vector<LedgerPeriod> out;
    try {
        sqlite::Database db(path, sqlite::Database::Mode::read_only);
        auto query = db.prepare("SELECT meter.serial, start, " + period_columns() +
                                " FROM period JOIN meter ON meter.id = period.meter "
                                "WHERE start >= ? AND start < ? ORDER BY meter.serial, start");
        query.bind(1, from).bind(2, to);
        while (query.step()) {
            const StoredPeriod stored = read_period(query, 2);
            LedgerPeriod p;
            p.meter = query.text(0);
            p.start = query.integer(1);
            for (std::size_t c = 0; c < kChannels; ++c) {
                p.energy[c] = stored.settled[c] + stored.pending[c];
                p.pending |= stored.pending[c] != 0;
            }
            p.power_min = stored.power_min;
            p.power_max = stored.power_max;
            p.power_ws = stored.power_ws;
            p.covered_s = stored.covered_s;
            p.start_read = stored.start_read;
            p.end_read = stored.end_read;
            out.push_back(std::move(p));
        }
    } catch (const sqlite::Error& e) {
        throw explain(path, e);
    }
    return out;
}

}  // namespace bridge

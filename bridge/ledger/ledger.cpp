#include "bridge/ledger/ledger.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

namespace bridge {
namespace {

constexpr std::array<const char*, kChannels> kChannelNames = {"import", "export", "reactive_import", "reactive_export"};
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
        out += prefix + kChannelNames[c] + suffix;
    }
    return out;
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

// The one-line error for a ledger file SQLite refused, with the fix.
LedgerError explain(const std::string& path, const sqlite::Error& e) {
    switch (e.code()) {
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
            return LedgerError("ledger " + path + ": the disk is full; free some space (the periods are kept in memory and written when it can)");
        case SQLITE_IOERR:
            return LedgerError("ledger " + path + ": input/output error (" + e.what() + "); check the disk or SD card");
        default:
            return LedgerError("ledger " + path + ": " + e.what());
    }
}

}  // namespace

struct Ledger::Period {
    std::array<double, kChannels> settled{}, pending{};
    std::optional<double> power_min, power_max;
    double power_ws = 0, covered_s = 0;  // integral of the net power, and the seconds it covers
    bool start_read = false, end_read = false;
    bool dirty = false;
    bool has_pending() const {
        return std::any_of(pending.begin(), pending.end(), [](double p) { return p != 0; });
    }
};

struct Ledger::Meter {
    std::int64_t id = 0;
    std::optional<std::int64_t> last_time;
    std::array<std::optional<double>, kChannels> last_power{};
    std::array<std::optional<std::int64_t>, kChannels> anchor_time{};
    std::array<double, kChannels> anchor_value{};
    std::map<std::int64_t, Period> periods;
    bool dirty = false;
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
            auto load = db_->prepare("SELECT start, " + channel_columns("energy_") + ", " + channel_columns("pending_") +
                                     ", power_min, power_max, power_ws, covered_s, start_read, end_read FROM period "
                                     "WHERE meter = ? AND start >= ?");
            load.bind(1, m->id).bind(2, period_of(*from) - kPeriodSeconds);
            while (load.step()) {
                Period& p = m->periods[load.integer(0)];
                for (std::size_t c = 0; c < kChannels; ++c) {
                    p.settled[c] = load.real(static_cast<int>(1 + c));
                    p.pending[c] = load.real(static_cast<int>(1 + kChannels + c));
                }
                constexpr int k = 1 + 2 * kChannels;
                p.power_min = load.optional_real(k);
                p.power_max = load.optional_real(k + 1);
                p.power_ws = load.real(k + 2);
                p.covered_s = load.real(k + 3);
                p.start_read = load.integer(k + 4) != 0;
                p.end_read = load.integer(k + 5) != 0;
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

void Ledger::flush() {
    if (!dirty()) return;
    try {
        sqlite::Database::Transaction transaction(*db_);
        auto update = db_->prepare("UPDATE meter SET last_time = ?, (" + channel_columns("last_power_") + ", " +
                                   channel_columns("anchor_time_") + ", " + channel_columns("anchor_value_") +
                                   ") = (" + placeholders(3 * kChannels) + ") WHERE id = ?");
        const std::string columns = "meter, start, " + channel_columns("energy_") + ", " + channel_columns("pending_") +
                                    ", power_min, power_max, power_ws, covered_s, start_read, end_read";
        std::string assignments;
        for (std::size_t c = 0; c < kChannels; ++c) {
            for (const char* prefix : {"energy_", "pending_"}) {
                const std::string name = prefix + std::string(kChannelNames[c]);
                assignments += name + " = excluded." + name + ", ";
            }
        }
        assignments += "power_min = excluded.power_min, power_max = excluded.power_max, power_ws = excluded.power_ws, "
                       "covered_s = excluded.covered_s, start_read = excluded.start_read, end_read = excluded.end_read";
        auto upsert = db_->prepare("INSERT INTO period (" + columns + ") VALUES (" + placeholders(8 + 2 * kChannels) +
                                   ") ON CONFLICT (meter, start) DO UPDATE SET " + assignments);
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
    for (auto& [serial, m] : meters_) {
        m->dirty = false;
        for (auto& entry : m->periods) entry.second.dirty = false;
        prune(*m);
    }
}

// Keeps in memory only the periods a coming reading may still change: from the oldest anchor on,
// and what has not been written yet.
void Ledger::prune(Meter& m) {
    std::optional<std::int64_t> keep_from = m.last_time;
    for (const auto& anchor : m.anchor_time)
        if (anchor && (!keep_from || *anchor < *keep_from)) keep_from = *anchor;
    if (!keep_from) return;
    // A channel that never gets a register keeps its estimates pending: hold them two days at most.
    const std::int64_t limit = std::max(period_of(*keep_from) - kPeriodSeconds, m.last_time.value_or(0) - 2 * 86400);
    for (auto it = m.periods.begin(); it != m.periods.end() && it->first < limit;) {
        if (it->second.dirty) {
            ++it;
        } else {
            it = m.periods.erase(it);
        }
    }
}

std::vector<LedgerPeriod> read_periods(const std::string& path, std::int64_t from, std::int64_t to) {
    if (access(path.c_str(), F_OK) != 0)
        throw LedgerError("no ledger at " + path + " (" + std::strerror(errno) +
                          "); the daemon makes it when it runs with ledger.enabled, or give --config with its ledger.path");
    std::vector<LedgerPeriod> out;
    try {
        sqlite::Database db(path, sqlite::Database::Mode::read_only);
        auto query = db.prepare("SELECT meter.serial, start, " + channel_columns("energy_") + ", " +
                                channel_columns("pending_") +
                                ", power_min, power_max, power_ws, covered_s, start_read, end_read "
                                "FROM period JOIN meter ON meter.id = period.meter "
                                "WHERE start >= ? AND start < ? ORDER BY meter.serial, start");
        query.bind(1, from).bind(2, to);
        while (query.step()) {
            LedgerPeriod p;
            p.meter = query.text(0);
            p.start = query.integer(1);
            for (std::size_t c = 0; c < kChannels; ++c) {
                const double pending = query.real(static_cast<int>(2 + kChannels + c));
                p.energy[c] = query.real(static_cast<int>(2 + c)) + pending;
                p.pending |= pending != 0;
            }
            constexpr int k = 2 + 2 * kChannels;
            p.power_min = query.optional_real(k);
            p.power_max = query.optional_real(k + 1);
            p.power_ws = query.real(k + 2);
            p.covered_s = query.real(k + 3);
            p.start_read = query.integer(k + 4) != 0;
            p.end_read = query.integer(k + 5) != 0;
            out.push_back(std::move(p));
        }
    } catch (const sqlite::Error& e) {
        throw explain(path, e);
    }
    return out;
}

}  // namespace bridge

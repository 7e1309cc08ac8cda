// dlms2mqtt ledger [--config F] [--every 15min|hour|day|month] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
//                  [--format csv|json]: the ledger's periods summed per meter, read-only (safe
// while the daemon writes).
#include <cstdio>
#include <iostream>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/config/config.hpp"
#include "bridge/ledger/ledger_query.hpp"
#include "bridge/outputs/local_time.hpp"

namespace bridge {
namespace {

constexpr const char* kUsage =
    "usage: dlms2mqtt ledger [--config F] [--every 15min|hour|day|month] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                        [--format csv|json]\n"
    "The energy ledger, one row per meter and period: start and end in local time (TZ) with the UTC offset,\n"
    "import and export energy (kWh, reactive kvarh), the net power's min, mean and max (W), and whether\n"
    "the row is exact (registers read at both its edges) or estimated.\n"
    "  --every    15min (default), hour, day or month\n"
    "  --from     first local day (default: the first in the ledger)\n"
    "  --to       last local day, included (default: the last in the ledger)\n"
    "  --format   csv (default, with a header) or json (one object a line)\n"
    "The file is ledger.path of the settings `run` reads (--config F, else DLMS2MQTT_CONFIG or\n"
    "/etc/dlms2mqtt/config.yaml, with the DLMS2MQTT_* environment over it).\n";

std::optional<LocalDate> parse_day(const std::string& text) {
    LocalDate d;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &d.year, &d.month, &d.day, &tail) != 3) return std::nullopt;
    if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return std::nullopt;
    return d;
}

}  // namespace

int ledger_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--config", "--every", "--from", "--to", "--format"}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h") || !a.error.empty() || !a.positional.empty()) {
        if (!a.error.empty()) std::cerr << "dlms2mqtt ledger: " << a.error << "\n";
        (a.error.empty() && a.positional.empty() ? std::cout : std::cerr) << kUsage;
        return a.error.empty() && a.positional.empty() ? 0 : 2;
    }
    const std::string every_text = a.get("--every").value_or("15min");
    LedgerEvery every;
    if (every_text == "15min") every = LedgerEvery::quarter_hour;
    else if (every_text == "hour") every = LedgerEvery::hour;
    else if (every_text == "day") every = LedgerEvery::day;
    else if (every_text == "month") every = LedgerEvery::month;
    else {
        std::cerr << "dlms2mqtt ledger: --every " << every_text << ": use 15min, hour, day or month\n";
        return 2;
    }
    const std::string format = a.get("--format").value_or("csv");
    if (format != "csv" && format != "json") {
        std::cerr << "dlms2mqtt ledger: --format " << format << ": use csv or json\n";
        return 2;
    }
    std::int64_t from = 0, to = std::int64_t{1} << 40;
    for (const char* option : {"--from", "--to"}) {
        const auto text = a.get(option);
        if (!text) continue;
        auto day = parse_day(*text);
        if (!day) {
            std::cerr << "dlms2mqtt ledger: " << option << " " << *text << ": use a date as YYYY-MM-DD\n";
            return 2;
        }
        if (std::string_view(option) == "--to") ++day->day;  // the day itself is included
        const std::int64_t at = Clock::to_time_t(local_midnight(*day));
        (std::string_view(option) == "--from" ? from : to) = at;
    }
    const auto loaded = load_command_config(a.get("--config"));
    if (const auto* e = std::get_if<ConfigError>(&loaded)) {
        std::cerr << "dlms2mqtt ledger: " << e->message << "\n";
        return 2;
    }
    const std::string& path = std::get<Config>(loaded).ledger.path;
    try {
        // Periods whose start lies in the range; the whole first and last row (a month asked
        // from its middle) are not fetched.
        const auto rows = summarise(read_periods(path, from, to), every);
        if (format == "csv") write_csv(std::cout, rows);
        else write_json_lines(std::cout, rows);
    } catch (const LedgerError& e) {
        std::cerr << "dlms2mqtt ledger: " << e.what() << "\n";
        return 1;
    }
    return std::cout.good() ? 0 : 1;
}

}  // namespace bridge

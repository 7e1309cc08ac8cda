// dlms2mqtt ledger [--config F] [--every 15min|hour|day|month] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
//                  [--format csv|json]: the ledger's periods summed per meter, read-only (safe
// while the daemon writes).
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
    "  --from     first local day, YYYY-MM-DD, today, yesterday or month (its first day)\n"
    "             (default: the first in the ledger)\n"
    "  --to       last local day, included, as --from (default: the last in the ledger)\n"
    "  --format   csv (default, with a header) or json (one object a line)\n"
    "The file is ledger.path of the settings `run` reads (--config F, else DLMS2MQTT_CONFIG or\n"
    "/etc/dlms2mqtt/config.yaml, with the DLMS2MQTT_* environment over it).\n";

}  // namespace

int ledger_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--config", "--every", "--from", "--to", "--format"}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h") || !a.error.empty() || !a.positional.empty()) {
        if (!a.error.empty()) std::cerr << "dlms2mqtt ledger: " << a.error << "\n";
        (a.error.empty() && a.positional.empty() ? std::cout : std::cerr) << kUsage;
        return a.error.empty() && a.positional.empty() ? 0 : 2;
    }
    const std::string every_text = a.get("--every").value_or("15min");
    const auto every = parse_every(every_text);
    if (!every) {
        std::cerr << "dlms2mqtt ledger: --every " << every_text << ": use 15min, hour, day or month\n";
        return 2;
    }
    const std::string format = a.get("--format").value_or("csv");
    if (format != "csv" && format != "json") {
        std::cerr << "dlms2mqtt ledger: --format " << format << ": use csv or json\n";
        return 2;
    }
    std::optional<LocalDate> days[2];
    const char* options[2] = {"--from", "--to"};
    for (int i = 0; i < 2; ++i) {
        const auto text = a.get(options[i]);
        if (!text) continue;
        days[i] = parse_local_day(*text);
        if (!days[i]) {
            std::cerr << "dlms2mqtt ledger: " << options[i] << " " << *text
                      << ": use a date as YYYY-MM-DD, or today, yesterday or month\n";
            return 2;
        }
    }
    const LedgerRange range = day_range(days[0], days[1]);
    const auto loaded = load_command_config(a.get("--config"));
    if (const auto* e = std::get_if<ConfigError>(&loaded)) {
        std::cerr << "dlms2mqtt ledger: " << e->message << "\n";
        return 2;
    }
    const std::string& path = std::get<Config>(loaded).ledger.path;
    try {
        // Periods whose start lies in the range; the whole first and last row (a month asked
        // from its middle) are not fetched.
        const auto rows = summarise(read_periods(path, range.from, range.to), *every);
        if (format == "csv") write_csv(std::cout, rows);
        else write_json_lines(std::cout, rows);
    } catch (const LedgerError& e) {
        std::cerr << "dlms2mqtt ledger: " << e.what() << "\n";
        return 1;
    }
    return std::cout.good() ? 0 : 1;
}

}  // namespace bridge

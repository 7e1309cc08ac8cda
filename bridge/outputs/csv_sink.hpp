// Daily CSV files, one per meter and local day: <directory>/<meter>-YYYY-MM-DD.csv
//
//   time,energy_import_kWh,power_import_W,...,energy_today_kWh
//   2024-06-10T08:00:00+02:00,8666.36,1200,...,0.14
//
// Columns: `time` (local ISO time of the push, with its UTC offset), then the readings of the
// file's first push in push order (named key_unit, energy in kWh as on MQTT), then energy_today
// (import since local midnight by the meter's clock, from the ledger; empty when the ledger is
// off). A later push with other readings fills the existing columns and
// leaves the others blank: the header never changes within a file.
//
// Durability, chosen for an SD card: each row is one write(2) on an O_APPEND descriptor, so a
// crash of the process never loses or tears a row that push() returned from; fdatasync runs at
// most once per `sync_interval` (10 s: once per Kamstrup push, a power cut loses at most the rows
// of the last seconds) and when a file is closed. A torn last line (power cut mid-write) is cut
// back to the last complete line when the file is opened, and logged.
//
// The folder may be writable by others: a file name that is a symbolic link (or a FIFO, or
// anything but a regular file) is never opened, neither to repair nor to append; it is named in
// an error. New files get 0640 and new folders 0750 whatever the umask (bridge/safe_file.hpp).
//
// Errors (full disk, read-only or missing directory) belong to this sink alone: the row is
// dropped, counted and logged rate-limited, and the next push tries again. push() never throws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/config/choices.hpp"
#include "bridge/config/config.hpp"
#include "bridge/outputs/local_time.hpp"
#include "bridge/outputs/output_log.hpp"
#include "bridge/outputs/output.hpp"

namespace bridge {

struct CsvOptions {
    using Interval = CsvInterval;
    std::string directory;
    Interval interval = Config::Csv{}.interval;  // minute: the first push of each minute only
    std::string version;                 // the bridge version (logged when a file is started)
    std::chrono::seconds sync_interval = std::chrono::seconds(10);  // 0: fdatasync every row
};

class CsvSink final : public Output {
public:
    struct Counters {
        std::uint64_t rows_written = 0;
        std::uint64_t write_errors = 0;   // rows lost to a failed open/write, failed syncs
        std::uint64_t lines_repaired = 0; // torn last lines cut back
    };

    // Creates the directory when missing and repairs torn last lines of the CSV files in it
    // (regular files only: links and the like are listed in one warning and left alone).
    // Throws std::runtime_error with a one-line message naming the setting when the directory
    // cannot be created or is not a directory (a startup error).
    explicit CsvSink(CsvOptions options, WarnFn warn = {});
    ~CsvSink() override;
    CsvSink(const CsvSink&) = delete;
    CsvSink& operator=(const CsvSink&) = delete;

    void push(const RecordPtr& record) override;

    Counters counters() const { return {rows_.load(), errors_.load(), repaired_.load()}; }

    // <directory>/<meter>-YYYY-MM-DD.csv (characters other than [A-Za-z0-9._-] in the serial
    // become '_').
    std::string path_for(const std::string& meter, LocalDate day) const;

private:
    struct File {
        LocalDate day;
        std::string path;
        int fd = -1;
        std::vector<std::string> columns;
        std::chrono::steady_clock::time_point last_sync{};
        bool unsynced = false;
        std::optional<std::int64_t> last_minute;  // minute (since the epoch) of the last row
    };

    bool open(File& file, const std::string& meter, LocalDate day, const Record& record);
    bool append(File& file, const std::string& line);
    void sync(File& file);
    void close(File& file);
    bool repair_tail(int fd, const std::string& path);
    std::string row(const File& file, const Record& record) const;
    void fail(const std::string& what, const std::string& path, int err);
    void fail(const std::string& what, const std::string& path, const std::string& reason);

    CsvOptions options_;
    RateLimitedWarning warn_;
    std::map<std::string, File, std::less<>> files_;  // by meter serial
    std::atomic<std::uint64_t> rows_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::atomic<std::uint64_t> repaired_{0};
};

}  // namespace bridge

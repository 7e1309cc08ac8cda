#include "bridge/outputs/csv_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "bridge/outputs/safe_file.hpp"

namespace bridge {

namespace {

constexpr std::string_view kTime = "time";
constexpr std::string_view kToday = "energy_today_kWh";

// "°C" → "degC": headers stay ASCII for spreadsheet programs that guess the encoding.
std::string column_name(const std::string& key, std::string_view unit) {
    if (unit.empty()) return key;
    std::string name = key + "_";
    for (std::size_t i = 0; i < unit.size(); ++i) {
        const auto c = static_cast<unsigned char>(unit[i]);
        if (c == 0xC2 && i + 1 < unit.size() && static_cast<unsigned char>(unit[i + 1]) == 0xB0) {
            name += "deg";
            ++i;
        } else {
            name += std::isalnum(c) ? static_cast<char>(c) : '_';
        }
    }
    return name;
}

// Shortest text that reads back as the same double: 8667 rather than JSON's 8667.0.
std::string shortest(double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

// One field as RFC 4180 text, kept on one line so that a row is always exactly one line.
std::string csv_field(const nlohmann::json& value) {
    if (value.is_null()) return "";
    if (value.is_number_float()) return shortest(value.get<double>());
    if (!value.is_string()) return value.dump();
    std::string text = value.get<std::string>();
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    if (text.find_first_of(",\"") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += line[++i];
            else if (c == '"') quoted = false;
            else fields.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

// To the mWh: hides the noise of subtracting two doubles.
std::string format_kwh(double wh) { return shortest(std::round(wh * 1000.0) / 1e6); }

// "<anything>-YYYY-MM-DD.csv": the names this sink writes.
bool is_daily_csv(const std::string& name) {
    constexpr std::string_view tail = "-YYYY-MM-DD.csv";
    if (name.size() <= tail.size()) return false;
    const std::string_view t = std::string_view(name).substr(name.size() - tail.size());
    for (std::size_t i = 0; i < tail.size(); ++i) {
        const bool digit = tail[i] == 'Y' || tail[i] == 'M' || tail[i] == 'D';
        if (digit ? !std::isdigit(static_cast<unsigned char>(t[i])) : t[i] != tail[i]) return false;
    }
    return true;
}

std::int64_t minute_of(Clock::time_point t) {
    return std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
}

}  // namespace

CsvSink::CsvSink(CsvOptions options, WarnFn warn)
    : options_(std::move(options)),
      warn_(std::move(warn)) {
    namespace fs = std::filesystem;
    if (options_.directory.empty())
        throw std::runtime_error("csv.directory: empty; set the folder for the daily CSV files");
    std::error_code ec;
    std::string problem = make_private_folders(options_.directory);
    if (!problem.empty() || !fs::is_directory(options_.directory, ec))
        throw std::runtime_error("csv.directory: '" + options_.directory + "' cannot be used as a folder (" +
                                 (problem.empty() ? std::string("not a directory") : problem) +
                                 "); create it or choose another path");
    // A power cut may have torn the last line of a file written before: repair them all now,
    // not only the ones this run will append to. Never through a link: a planted one would make
    // the repair truncate whatever it points at.
    std::vector<std::string> refused;
    for (const auto& entry : fs::directory_iterator(options_.directory, ec)) {
        if (!is_daily_csv(entry.path().filename().string())) continue;
        const std::string path = entry.path().string();
        const OpenedFile f = open_regular_file(path, O_RDWR, false);
        if (f.fd < 0) {
            if (!f.missing) refused.push_back(entry.path().filename().string() + " (" + f.error + ")");
            continue;
        }
        repair_tail(f.fd, path);
        ::close(f.fd);
    }
    // One line however many: a folder full of planted links must not flood the log.
    if (!refused.empty()) {
        std::string line = "csv: left alone in " + options_.directory + ": " + refused.front();
        if (refused.size() > 1) line += " and " + std::to_string(refused.size() - 1) + " more such entries";
        warn_.now(line);
    }
}

CsvSink::~CsvSink() {
    for (auto& [meter, file] : files_) close(file);
}

std::string CsvSink::path_for(const std::string& meter, LocalDate day) const {
    std::string name = meter.empty() ? std::string("meter") : meter;
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    if (name.front() == '.') name.front() = '_';
    return (std::filesystem::path(options_.directory) / (name + "-" + day.iso() + ".csv")).string();
}

void CsvSink::push(const RecordPtr& shared) {
    try {
        const Record& record = *shared;
        const std::string& meter = record.serial();
        const LocalDate day = local_date(record.received());
        const std::int64_t minute = minute_of(record.received());
        File& file = files_[meter];
        if (file.fd >= 0 && file.day != day) close(file);  // local midnight: next day's file

        const bool skip = options_.interval == CsvOptions::Interval::minute && file.last_minute == minute;
        if (!skip && file.fd < 0) open(file, meter, day, record);

        if (skip || file.fd < 0) return;
        if (append(file, row(file, record))) {
            ++rows_;
            file.last_minute = minute;
        }
    } catch (const std::exception& e) {  // bad_alloc, a JSON type error: this push only
        ++errors_;
        warn_(std::string("csv: cannot write the push: ") + e.what());
    }
}

bool CsvSink::open(File& file, const std::string& meter, LocalDate day, const Record& record) {
    file = File{day, path_for(meter, day), -1, {}, {}, false, file.last_minute};
    const OpenedFile opened = open_regular_file(file.path, O_RDWR | O_APPEND, true);
    const int fd = opened.fd;
    if (fd < 0) {
        fail("cannot open", file.path, opened.error);
        return false;
    }
    struct stat st {};
    if (!repair_tail(fd, file.path) || ::fstat(fd, &st) != 0) {
        ::close(fd);
        return false;
    }
    file.fd = fd;
    file.last_sync = std::chrono::steady_clock::now();
    if (st.st_size == 0) {
        file.columns = {std::string(kTime)};
        for (std::size_t i = 0; i < record.keyed().size(); ++i) {
            std::string name = column_name(record.keyed()[i].first, record.unit(i));
            if (name != kTime && name != kToday) file.columns.push_back(std::move(name));
        }
        file.columns.emplace_back(kToday);
        std::string header;
        for (const auto& c : file.columns) header += (header.empty() ? "" : ",") + c;
        if (!append(file, header + "\n")) return false;
        // Once a day per meter: tells the user where today's rows go and which version wrote them.
        warn_.now("csv: started " + file.path +
                  (options_.version.empty() ? std::string() : " (dlms2mqtt " + options_.version + ")"));
        return true;
    }
    // An existing file keeps its header: read it back.
    std::string head(static_cast<std::size_t>(std::min<off_t>(st.st_size, 65536)), '\0');
    const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
    head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    file.columns = split_csv(head.substr(0, head.find('\n')));
    return true;
}

bool CsvSink::append(File& file, const std::string& line) {
    ssize_t n;
    do n = ::write(file.fd, line.data(), line.size());
    while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(line.size())) {
        file.unsynced = true;
        if (std::chrono::steady_clock::now() - file.last_sync >= options_.sync_interval) sync(file);
        return true;
    }
    // A short write (the disk filled up mid-row) leaves a torn row: cut it off at once so the
    // file stays line-complete. Then reopen on the next push (which repairs whatever is left).
    const int err = n < 0 ? errno : ENOSPC;
    struct stat st {};
    const bool cut = n <= 0 || (::fstat(file.fd, &st) == 0 && ::ftruncate(file.fd, st.st_size - n) == 0);
    if (!cut) warn_.now("csv: " + file.path + ": cannot cut a torn row now; it is repaired when reopened");
    fail("cannot write", file.path, err);
    ::close(file.fd);
    file.fd = -1;
    return false;
}

void CsvSink::sync(File& file) {
    if (file.unsynced && ::fdatasync(file.fd) != 0) {
        fail("cannot sync", file.path, errno);
        return;
    }
    file.unsynced = false;
    file.last_sync = std::chrono::steady_clock::now();
}

void CsvSink::close(File& file) {
    if (file.fd < 0) return;
    sync(file);
    ::close(file.fd);
    file.fd = -1;
}

bool CsvSink::repair_tail(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        fail("cannot read", path, errno);
        return false;
    }
    // Walk back from the end to the last '\n'.
    off_t end = st.st_size;
    off_t keep = 0;
    char buf[4096];
    bool torn = false;
    while (end > 0) {
        const off_t from = end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
        const ssize_t n = ::pread(fd, buf, static_cast<std::size_t>(end - from), from);
        if (n != end - from) {
            fail("cannot read", path, n < 0 ? errno : EIO);
            return false;
        }
        const void* nl = ::memrchr(buf, '\n', static_cast<std::size_t>(n));
        if (end == st.st_size && nl == buf + n - 1) return true;  // ends with '\n': intact
        torn = true;
        if (nl) {
            keep = from + (static_cast<const char*>(nl) - buf) + 1;
            break;
        }
        end = from;
    }
    if (!torn) return true;  // empty file
    if (::ftruncate(fd, keep) != 0) {
        fail("cannot repair", path, errno);
        return false;
    }
    ++repaired_;
    warn_.now("csv: " + path + ": cut a torn last line (" + std::to_string(st.st_size - keep) +
              " bytes, from an interrupted write) back to the last complete line");
    return true;
}

std::string CsvSink::row(const File& file, const Record& record) const {
    // "Energy today" is the ledger's, by the meter's clock; without the ledger the column is empty.
    std::optional<double> today_wh;
    if (record.totals()) today_wh = record.totals()->import_today;
    std::map<std::string, std::string, std::less<>> values;
    for (std::size_t i = 0; i < record.keyed().size(); ++i)
        values.emplace(column_name(record.keyed()[i].first, record.unit(i)), csv_field(record.value_as_sent(i)));
    std::string line;
    for (std::size_t i = 0; i < file.columns.size(); ++i) {
        if (i > 0) line += ',';
        const std::string& column = file.columns[i];
        if (column == kTime) line += local_iso(record.received());
        else if (column == kToday) line += today_wh ? format_kwh(*today_wh) : "";
        else if (auto it = values.find(column); it != values.end()) line += it->second;
    }
    return line + "\n";
}

void CsvSink::fail(const std::string& what, const std::string& path, int err) {
    fail(what, path, std::string(std::strerror(err)));
}

void CsvSink::fail(const std::string& what, const std::string& path, const std::string& reason) {
    ++errors_;
    warn_("csv: " + what + " " + path + ": " + reason + " (row dropped; the next push retries)");
}

}  // namespace bridge

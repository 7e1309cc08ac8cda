// Shared by the UDP and CSV sink tests: pushes built by hand, local times in Copenhagen, a
// temporary folder (test/support/temp_dir.hpp).
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/outputs/output.hpp"
#include "decoder/push.hpp"
#include "test/support/temp_dir.hpp"

namespace outputs_test {

// Local times in the tests are Danish, with their DST changes.
inline void use_copenhagen_time() {
    ::setenv("TZ", "Europe/Copenhagen", 1);
    ::tzset();
}

// A local wall-clock time (ambiguous autumn times resolve as mktime decides: avoid them here).
inline std::chrono::system_clock::time_point local_time(int y, int mo, int d, int h, int mi, int s) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

inline dlms::Reading reading(std::string_view key, std::int64_t raw, std::int8_t scaler, dlms::Unit unit) {
    dlms::Reading r;
    r.key = key;  // string literals only: Reading keeps a view
    r.raw = raw;
    r.scaler = scaler;
    r.unit = unit;
    return r;
}

inline dlms::Reading text_reading(std::string_view key, std::string text) {
    dlms::Reading r;
    r.key = key;
    r.raw = std::move(text);
    return r;
}

// A Kamstrup push from meter 27581522 (system title KAM 45 01A4DC52).
inline dlms::Push kamstrup_push(std::vector<dlms::Reading> readings) {
    dlms::Push p;
    p.system_title = {'K', 'A', 'M', 0x45, 0x01, 0xA4, 0xDC, 0x52};
    p.frame_counter = 42;
    p.security = dlms::Security::encrypted;
    p.list_id = "Kamstrup_V0001";
    p.readings = std::move(readings);
    return p;
}
inline constexpr const char* kSerial = "27581522";

// energy_import in units of 10 Wh (Kamstrup), powers in W.
inline dlms::Push energy_push(std::int64_t energy_10wh, std::int64_t p14) {
    return kamstrup_push({reading("energy_import", energy_10wh, 1, dlms::Unit::watt_hour),
                          reading("power_import", p14, 0, dlms::Unit::watt)});
}

inline const dlms::DecodeStats& no_stats() {
    static const dlms::DecodeStats stats{};
    return stats;
}

using testsupport::TempDir;

// A tiny tmpfs mounted over a folder, for a full disk; unmounted by the destructor. Mounting
// needs root (or a user namespace): `error` says why when it could not, and the test skips.
class SmallTmpfs {
public:
    explicit SmallTmpfs(const std::string& dir, const char* size = "size=64k") : dir_(dir) {
        if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, size) == 0) mounted_ = true;
        else error_ = std::strerror(errno);
    }
    ~SmallTmpfs() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

// Fills the file system holding `dir` with <dir>/filler; returns its path, empty when it cannot
// be created.
inline std::string fill_disk(const std::string& dir) {
    const std::string filler = dir + "/filler";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return {};
    const std::string block(4096, 'f');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
    return filler;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Lines without their '\n'; a last line without '\n' is returned as is.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

inline std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out(1);
    for (char c : text) {
        if (c == sep) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

}  // namespace outputs_test

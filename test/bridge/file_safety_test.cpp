// The files the daemon writes in a folder others may write to: the CSV folder and a --record
// file. A planted symbolic link is never followed (not to repair, not to append), anything but a
// regular file is refused with an error naming it, modes do not depend on the umask, and a
// failing --record write is logged, rate-limited.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bridge/outputs/csv_sink.hpp"
#include "bridge/outputs/safe_file.hpp"
#include "test/bridge/outputs_test_util.hpp"

using namespace outputs_test;

namespace {

struct Warnings {
    std::vector<std::string> lines;
    bridge::WarnFn fn() {
        return [this](std::string_view w) { lines.emplace_back(w); };
    }
    std::size_t count(const std::string& part) const {
        std::size_t n = 0;
        for (const auto& l : lines) n += l.find(part) != std::string::npos;
        return n;
    }
};

bridge::CsvOptions csv_options(const std::string& dir) {
    bridge::CsvOptions o;
    o.directory = dir;
    return o;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Sets the umask for one scope.
struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
};

const dlms::ByteView kBytes(reinterpret_cast<const std::uint8_t*>("~raw serial bytes~"), 18);

}  // namespace

TEST_CASE("csv: a planted link is never followed, at start-up nor for today's file") {
    use_copenhagen_time();
    TempDir dir, outside;
    // Yesterday's name, pointing at a file with a torn last line: the start-up repair would cut it.
    const std::string torn_target = (outside / "precious.log").string();
    const std::string torn_text = "line one\nline two\nhalf a li";
    write_file(torn_target, torn_text);
    const std::string yesterday = (dir / (std::string(kSerial) + "-2024-06-09.csv")).string();
    REQUIRE(::symlink(torn_target.c_str(), yesterday.c_str()) == 0);
    // Today's name, pointing at a complete file: pushes would be appended to it.
    const std::string target = (outside / "passwd-like").string();
    const std::string text = "root:x:0:0\n";
    write_file(target, text);
    const std::string today = (dir / (std::string(kSerial) + "-2024-06-10.csv")).string();
    REQUIRE(::symlink(target.c_str(), today.c_str()) == 0);

    Warnings warnings;
    bridge::CsvSink sink(csv_options(dir.path()), warnings.fn());
    CHECK(read_file(torn_target) == torn_text);
    CHECK(std::filesystem::file_size(torn_target) == torn_text.size());
    CHECK(sink.counters().lines_repaired == 0);
    CHECK(warnings.count("symbolic link") == 1);  // one start-up line for both links

    for (int s = 0; s < 5; ++s) sink.push(bridge::Record::make(energy_push(100000 + s, s), no_stats(), local_time(2024, 6, 10, 8, 0, s)));
    CHECK(read_file(target) == text);
    CHECK(read_file(torn_target) == torn_text);
    CHECK(sink.counters().rows_written == 0);
    CHECK(sink.counters().write_errors == 5);
    CHECK(warnings.count("csv: cannot open " + today + ": is a symbolic link") == 1);  // rate-limited
    CHECK(mode_of(today) == 0777);  // the link itself is left as it was
}

TEST_CASE("csv: a FIFO under today's name is refused, not waited on") {
    use_copenhagen_time();
    TempDir dir;
    const std::string today = (dir / (std::string(kSerial) + "-2024-06-10.csv")).string();
    REQUIRE(::mkfifo(today.c_str(), 0666) == 0);
    Warnings warnings;
    bridge::CsvSink sink(csv_options(dir.path()), warnings.fn());
    sink.push(bridge::Record::make(energy_push(100000, 1), no_stats(), local_time(2024, 6, 10, 8, 0, 0)));
    CHECK(sink.counters().rows_written == 0);
    CHECK(warnings.count("csv: cannot open " + today + ": is a FIFO, not a regular file") == 1);
}

TEST_CASE("csv: files 0640 and folders 0750, whatever the umask") {
    use_copenhagen_time();
    for (const mode_t mask : {mode_t{000}, mode_t{077}}) {
        CAPTURE(mask);
        TempDir dir;
        const std::string folder = (dir / "csv/daily").string();
        {
            Umask umask(mask);
            bridge::CsvSink sink(csv_options(folder));
            sink.push(bridge::Record::make(energy_push(100000, 1), no_stats(), local_time(2024, 6, 10, 8, 0, 0)));
            REQUIRE(sink.counters().rows_written == 1);
        }
        CHECK(mode_of((dir / "csv").string()) == 0750);
        CHECK(mode_of(folder) == 0750);
        CHECK(mode_of(folder + "/" + kSerial + "-2024-06-10.csv") == 0640);
        CHECK(mode_of(dir.path()) == 0700);  // a folder that existed is left as it was
    }
}

TEST_CASE("record: a new file is 0640, a link or a device is refused and named") {
    TempDir dir, outside;
    Warnings warnings;
    {
        Umask umask(000);
        bridge::RecordFile record(warnings.fn());
        REQUIRE(record.open((dir / "capture.bin").string()));
        record.write(kBytes);
    }
    CHECK(mode_of((dir / "capture.bin").string()) == 0640);
    CHECK(read_file((dir / "capture.bin").string()) == "~raw serial bytes~");

    const std::string target = (outside / "target").string();
    write_file(target, "keep\n");
    const std::string link = (dir / "link.bin").string();
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    bridge::RecordFile record(warnings.fn());
    CHECK_FALSE(record.open(link));
    record.write(kBytes);
    CHECK(read_file(target) == "keep\n");
    CHECK(warnings.count("--record " + link + ": is a symbolic link, which is never followed; remove it; not recording") == 1);
    CHECK_FALSE(record.open("/dev/null"));
    CHECK(warnings.count("--record /dev/null: is a device, not a regular file") == 1);
}

TEST_CASE("record: a full disk is logged, rate-limited, and recording resumes when space returns") {
    TempDir dir;
    SmallTmpfs tmpfs(dir.path());
    if (!tmpfs.mounted()) {
        MESSAGE("skipped: cannot mount a 64 KiB tmpfs here (" << tmpfs.error() << ")");
        return;
    }
    Warnings warnings;
    bridge::RecordFile record(warnings.fn());
    const std::string path = (dir / "capture.bin").string();
    REQUIRE(record.open(path));
    record.write(kBytes);
    const std::string filler = fill_disk(dir.path());
    REQUIRE(!filler.empty());
    for (int k = 0; k < 1000 && record.failed_writes() < 3; ++k) record.write(kBytes);
    CHECK(record.failed_writes() == 3);
    CHECK(warnings.count("--record " + path + ": cannot write: No space left on device") == 1);

    REQUIRE(::unlink(filler.c_str()) == 0);
    const auto size = std::filesystem::file_size(path);
    record.write(kBytes);
    CHECK(std::filesystem::file_size(path) == size + kBytes.size());
}

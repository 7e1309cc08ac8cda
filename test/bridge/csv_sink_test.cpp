// The CSV sink on real files: rows and header, midnight and DST, torn lines, restarts, a killed
// writer and a full disk.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <set>

#include "bridge/outputs/csv_sink.hpp"
#include "bridge/outputs/udp_sink.hpp"
#include "test/bridge/outputs_test_util.hpp"
#include "test/decoder/decode_helpers.hpp"
#include "test/support/corpus.hpp"
#include "test/support/udp_receiver.hpp"

using namespace outputs_test;
using bridge::CsvOptions;
using bridge::CsvSink;
using std::chrono::seconds;

namespace {

CsvOptions options(const std::string& dir, CsvOptions::Interval interval = CsvOptions::Interval::push) {
    CsvOptions o;
    o.directory = dir;
    o.interval = interval;
    o.version = "1.2.3";
    return o;
}

void take(CsvSink& sink, const dlms::Push& push, std::chrono::system_clock::time_point when,
          std::optional<double> import_today_wh = std::nullopt) {
    std::optional<bridge::EnergyTotals> totals;
    if (import_today_wh) {
        totals.emplace();
        totals->import_today = totals->import_this_month = *import_today_wh;
    }
    sink.push(bridge::Record::make(push, push.meter_serial(), no_stats(), when, totals));
}

std::string file_of(const TempDir& dir, const char* date) {
    return (dir / (std::string(kSerial) + "-" + date + ".csv")).string();
}

dlms::Push full_push(std::int64_t energy_10wh, std::int64_t p14, std::int64_t l1, std::int64_t volt) {
    return kamstrup_push({reading("energy_import", energy_10wh, 1, dlms::Unit::watt_hour),
                          reading("power_import", p14, 0, dlms::Unit::watt),
                          reading("power_import_l1", l1, 0, dlms::Unit::watt),
                          reading("voltage_l1", volt, 0, dlms::Unit::volt)});
}

}  // namespace

TEST_CASE("csv: header with units, one row per push, other reading sets under the same columns") {
    use_copenhagen_time();
    TempDir dir;
    CsvSink sink(options(dir.path()));
    const auto t0 = local_time(2024, 6, 10, 8, 0, 0);
    // Energy today as the ledger gives it in the record.
    take(sink, full_push(866636, 1200, 400, 231), t0, 0);
    // Kamstrup's short list: no register, and a current the header has no column for.
    take(sink, kamstrup_push({reading("power_import", 1500, 0, dlms::Unit::watt),
                              reading("current_l1", 652, -2, dlms::Unit::ampere),
                              reading("voltage_l1", 230, 0, dlms::Unit::volt)}),
         t0 + seconds(10), 0);
    take(sink, full_push(866650, 1800, 600, 229), t0 + seconds(3600), 140);

    const auto lines = lines_of(read_file(file_of(dir, "2024-06-10")));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "time,energy_import_kWh,power_import_W,power_import_l1_W,voltage_l1_V,energy_today_kWh");
    CHECK(lines[1] == "2024-06-10T08:00:00+02:00,8666.36,1200,400,231,0");
    CHECK(lines[2] == "2024-06-10T08:00:10+02:00,,1500,,230,0");
    CHECK(lines[3] == "2024-06-10T09:00:00+02:00,8666.5,1800,600,229,0.14");
    CHECK(sink.counters().rows_written == 3);
    CHECK(sink.counters().write_errors == 0);
}

TEST_CASE("csv: interval minute writes the first push of each minute") {
    use_copenhagen_time();
    TempDir dir;
    CsvSink sink(options(dir.path(), CsvOptions::Interval::minute));
    for (int s : {5, 15, 55, 65, 75, 130}) take(sink, energy_push(1000 + s, s), local_time(2024, 6, 10, 8, 0, s));
    const auto lines = lines_of(read_file(file_of(dir, "2024-06-10")));
    REQUIRE(lines.size() == 4);
    CHECK(lines[1].starts_with("2024-06-10T08:00:05+02:00,10.05,5,"));
    CHECK(lines[2].starts_with("2024-06-10T08:01:05+02:00,10.65,65,"));
    CHECK(lines[3].starts_with("2024-06-10T08:02:10+02:00,11.3,130,"));
    CHECK(sink.counters().rows_written == 3);
}

TEST_CASE("csv: a file per local day, DST days have their own offsets; no ledger, no energy today") {
    use_copenhagen_time();
    TempDir dir;
    CsvSink sink(options(dir.path()));
    // Spring forward: 2024-03-31 02:00 CET becomes 03:00 CEST.
    take(sink, energy_push(100000, 500), local_time(2024, 3, 30, 23, 59, 50));
    take(sink, energy_push(100020, 500), local_time(2024, 3, 30, 23, 59, 55));
    take(sink, energy_push(100050, 600), local_time(2024, 3, 31, 0, 0, 10));
    const auto before_jump = local_time(2024, 3, 31, 1, 59, 55);
    take(sink, energy_push(100060, 700), before_jump);
    take(sink, energy_push(100070, 800), before_jump + seconds(10));  // 03:00:05 CEST
    take(sink, energy_push(100170, 900), local_time(2024, 3, 31, 23, 59, 59));
    take(sink, energy_push(100180, 900), local_time(2024, 4, 1, 0, 0, 9));

    const auto day1 = lines_of(read_file(file_of(dir, "2024-03-30")));
    const auto day2 = lines_of(read_file(file_of(dir, "2024-03-31")));
    const auto day3 = lines_of(read_file(file_of(dir, "2024-04-01")));
    REQUIRE(day1.size() == 3);
    REQUIRE(day2.size() == 5);
    REQUIRE(day3.size() == 2);
    CHECK(day1[0] == "time,energy_import_kWh,power_import_W,energy_today_kWh");
    CHECK(day2[0] == day1[0]);
    CHECK(day1[2] == "2024-03-30T23:59:55+01:00,1000.2,500,");
    CHECK(day2[1] == "2024-03-31T00:00:10+01:00,1000.5,600,");
    CHECK(day2[2] == "2024-03-31T01:59:55+01:00,1000.6,700,");
    CHECK(day2[3] == "2024-03-31T03:00:05+02:00,1000.7,800,");
    CHECK(day2[4] == "2024-03-31T23:59:59+02:00,1001.7,900,");
    CHECK(day3[1] == "2024-04-01T00:00:09+02:00,1001.8,900,");

    // Fall back: 2024-10-27 03:00 CEST becomes 02:00 CET; 02:30 happens twice, one file.
    using namespace std::chrono;
    const auto utc_midnight = sys_days{year{2024} / October / 27};
    take(sink, energy_push(200000, 100), utc_midnight + minutes(30));  // 02:30 CEST
    take(sink, energy_push(200010, 100), utc_midnight + minutes(90));  // 02:30 CET
    const auto autumn = lines_of(read_file(file_of(dir, "2024-10-27")));
    REQUIRE(autumn.size() == 3);
    CHECK(autumn[1] == "2024-10-27T02:30:00+02:00,2000,100,");
    CHECK(autumn[2] == "2024-10-27T02:30:00+01:00,2000.1,100,");
}

TEST_CASE("csv: a torn last line is cut back, at start and when a file is opened") {
    use_copenhagen_time();
    TempDir dir;
    const std::string path = file_of(dir, "2024-06-10");
    const std::string header = "time,energy_import_kWh,power_import_W,energy_today_kWh\n";
    const std::string row = "2024-06-10T07:00:00+02:00,8666,1000,0.5\n";
    std::vector<std::string> warnings;
    auto warn = [&](std::string_view w) { warnings.emplace_back(w); };

    SUBCASE("at start") {
        write_file(path, header + row + "2024-06-10T07:00:10+02:00,866");
        CsvSink sink(options(dir.path()), warn);
        CHECK(read_file(path) == header + row);
        CHECK(sink.counters().lines_repaired == 1);
        take(sink, energy_push(866636, 1200), local_time(2024, 6, 10, 8, 0, 0));
        // Existing header kept.
        CHECK(read_file(path) == header + row + "2024-06-10T08:00:00+02:00,8666.36,1200,\n");
    }
    SUBCASE("when opened") {
        CsvSink sink(options(dir.path()), warn);
        write_file(path, header + row + "2024-06-10T07:00:10+02:00,866");
        take(sink, energy_push(866636, 1200), local_time(2024, 6, 10, 8, 0, 0));
        CHECK(read_file(path) == header + row + "2024-06-10T08:00:00+02:00,8666.36,1200,\n");
        CHECK(sink.counters().lines_repaired == 1);
    }
    SUBCASE("a torn header leaves an empty file that gets a new header") {
        write_file(path, "time,energy_imp");
        CsvSink sink(options(dir.path()), warn);
        take(sink, energy_push(866636, 1200), local_time(2024, 6, 10, 8, 0, 0));
        CHECK(read_file(path) == header + "2024-06-10T08:00:00+02:00,8666.36,1200,\n");
    }
    bool logged = false;
    for (const auto& w : warnings) logged = logged || w.find("torn last line") != std::string::npos;
    CHECK(logged);
}

TEST_CASE("csv: energy today is the ledger's, the same the UDP line shows") {
    use_copenhagen_time();
    TempDir dir;
    testsupport::UdpReceiver rx;
    bridge::UdpOptions udp;
    udp.address = "127.0.0.1";
    udp.port = rx.port();
    udp.format = bridge::UdpOptions::Format::legacy;
    bridge::UdpSink udp_sink(udp);
    CsvSink sink(options(dir.path()));
    const auto push = energy_push(866700, 100);
    bridge::EnergyTotals totals;
    totals.import_today = 1000.4;
    totals.import_this_month = 52000;
    const auto record = bridge::Record::make(push, push.meter_serial(), no_stats(), local_time(2024, 6, 10, 10, 0, 0), totals);
    udp_sink.push(record);
    sink.push(record);
    CHECK(lines_of(read_file(file_of(dir, "2024-06-10"))).back() == "2024-06-10T10:00:00+02:00,8667,100,1.0004");
    const auto line = split(rx.receive(), ',');
    REQUIRE(line.size() == 11);
    CHECK(line[1] == "1000");
}

TEST_CASE("csv: every row reported written survives a SIGKILL of the writer") {
    use_copenhagen_time();
    TempDir dir;
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const auto base = local_time(2024, 6, 10, 0, 0, 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipefd[0]);
        CsvSink sink(options(dir.path()));
        for (std::uint32_t i = 0; i < 86000; ++i) {
            take(sink, energy_push(100000 + i, i), base + seconds(i));
            if (sink.counters().rows_written == i + 1 && ::write(pipefd[1], &i, sizeof i) != sizeof i) break;
        }
        for (;;) ::pause();  // wait for the kill
    }
    ::close(pipefd[1]);
    std::set<std::uint32_t> reported;
    std::uint32_t i = 0;
    while (reported.size() < 500 && ::read(pipefd[0], &i, sizeof i) == sizeof i) reported.insert(i);
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    while (::read(pipefd[0], &i, sizeof i) == sizeof i) reported.insert(i);  // written before the kill
    ::close(pipefd[0]);
    REQUIRE(reported.size() >= 500);

    const std::string path = file_of(dir, "2024-06-10");
    auto lines = lines_of(read_file(path));
    REQUIRE(lines.size() >= reported.size() + 1);
    for (std::uint32_t n : reported) {
        // Row n by hand: 00:00:00 + n seconds, register (100000 + n) × 10 Wh, power n W.
        char time[40];
        std::snprintf(time, sizeof time, "2024-06-10T%02u:%02u:%02u+02:00", n / 3600, n / 60 % 60, n % 60);
        REQUIRE_MESSAGE(n + 1 < lines.size(), "row " << n << " missing");
        const auto fields = split(lines[n + 1], ',');
        REQUIRE(fields.size() == 4);
        CHECK(fields[0] == time);
        CHECK(std::stod(fields[1]) == doctest::Approx((100000 + n) / 100.0).epsilon(1e-12));
        CHECK(fields[2] == std::to_string(n));
    }

    // A restart repairs whatever the kill tore, and appends after the last complete row.
    CsvSink sink(options(dir.path()));
    take(sink, energy_push(200000, 7), base + seconds(86300));
    const std::string text = read_file(path);
    CHECK(text.back() == '\n');
    lines = lines_of(text);
    for (std::size_t k = 1; k < lines.size(); ++k) CHECK(split(lines[k], ',').size() == 4);
    CHECK(lines.back().starts_with("2024-06-10T23:58:20+02:00,2000,7,"));
}

TEST_CASE("csv: a full disk fails this sink only, and the next push after space is freed is written") {
    use_copenhagen_time();
    TempDir dir;
    SmallTmpfs tmpfs(dir.path());
    if (!tmpfs.mounted()) {
        MESSAGE("skipped: cannot mount a 64 KiB tmpfs here (" << tmpfs.error() << ")");
        return;
    }

    std::vector<std::string> warnings;
    CsvSink sink(options(dir.path()), [&](std::string_view w) { warnings.emplace_back(w); });
    const auto t0 = local_time(2024, 6, 10, 8, 0, 0);
    int n = 0;
    auto push_next = [&] {
        ++n;
        take(sink, energy_push(100000 + n, n), t0 + seconds(n));
    };
    take(sink, energy_push(100000, 0), t0);
    REQUIRE(sink.counters().rows_written == 1);

    // Fill the file system.
    const std::string filler = fill_disk(dir.path());
    REQUIRE(!filler.empty());
    // The CSV's last page still has room for a few rows; then the disk is full.
    while (sink.counters().write_errors == 0 && n < 1000) push_next();
    REQUIRE(sink.counters().write_errors == 1);
    const auto rows_before = sink.counters().rows_written;
    for (int k = 0; k < 3; ++k) CHECK_NOTHROW(push_next());
    CHECK(sink.counters().write_errors == 4);
    CHECK(sink.counters().rows_written == rows_before);
    std::size_t logged = 0;
    for (const auto& w : warnings) logged += w.find("No space left on device") != std::string::npos;
    CHECK(logged == 1);  // rate-limited

    // Every line on disk is complete: a short write at the page boundary was cut back.
    const std::string path = file_of(dir, "2024-06-10");
    auto text = read_file(path);
    CHECK(text.back() == '\n');
    CHECK(lines_of(text).size() == rows_before + 1);

    REQUIRE(::unlink(filler.c_str()) == 0);
    push_next();
    CHECK(sink.counters().rows_written == rows_before + 1);
    text = read_file(path);
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == rows_before + 2);
    CHECK(split(lines.back(), ',')[2] == std::to_string(n));
    for (std::size_t k = 1; k < lines.size(); ++k) CHECK(split(lines[k], ',').size() == 4);
}

TEST_CASE("outputs: a real Kamstrup capture makes a well-formed CSV row and legacy line") {
    use_copenhagen_time();
    std::optional<dlms::Push> push;
    for (const auto& c : testsupport::load_corpus()) {
        if (!c.complete || !c.ek || c.expect.is_null() || !c.expect.contains("readings") ||
            !c.expect["readings"].contains("1.1.1.8.0.255"))
            continue;
        dlms::Decoder decoder(dlms::DecoderOptions{testsupport::keys(c.ek, c.ak), {}, true});
        auto out = testsupport::feed(decoder, *dlms::parse_hex(c.hex));
        if (out.pushes.size() == 1) {
            push = out.pushes[0];
            break;
        }
    }
    if (!push) {
        MESSAGE("skipped: no decodable Kamstrup capture with an import register in " << testsupport::corpus_path());
        return;
    }
    const dlms::Reading* reg = push->find("energy_import");
    const dlms::Reading* p14 = push->find("power_import");
    REQUIRE(reg);
    REQUIRE(p14);
    TempDir dir;
    CsvSink sink(options(dir.path()));
    const auto when = local_time(2024, 6, 10, 12, 0, 0);
    take(sink, *push, when);
    const auto lines = lines_of(read_file((dir / (push->meter_serial() + "-2024-06-10.csv")).string()));
    REQUIRE(lines.size() == 2);
    const auto header = split(lines[0], ',');
    const auto row = split(lines[1], ',');
    CHECK(row.size() == header.size());
    CHECK(header.front() == "time");
    CHECK(header.back() == "energy_today_kWh");
    CHECK(std::set<std::string>(header.begin(), header.end()).size() == header.size());
    for (std::size_t k = 0; k < header.size(); ++k) {
        if (header[k] == "energy_import_kWh") CHECK(std::stod(row[k]) * 1000 == doctest::Approx(*reg->value()));
        if (header[k] == "power_import_W") CHECK(std::stod(row[k]) == doctest::Approx(*p14->value()));
    }
}

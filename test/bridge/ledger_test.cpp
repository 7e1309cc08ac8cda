// The energy ledger on the real path: captures built by the simulated Kamstrup meter with a
// chosen clock (registers once an hour, as the real meter sends them), replayed by `dlms2mqtt run
// --replay` into a ledger file, and read back with `dlms2mqtt ledger`. Expected energies come from
// the simulator's own registers, never from the ledger's code.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "decoder/bytes.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/bridge/outputs_test_util.hpp"
#include "test/support/mosquitto_fixture.hpp"
#include "test/support/mqtt_probe.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

#ifndef DLMS2MQTT_EXE
#error "DLMS2MQTT_EXE must name the dlms2mqtt binary"
#endif

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kZone = "Europe/Copenhagen";
constexpr std::int64_t kStep = 60;  // seconds between pushes

// The test's own clock arithmetic in the zone the daemon is given (kZone).
const bool in_copenhagen = (outputs_test::use_copenhagen_time(), true);

// Unix seconds of a local wall time in kZone.
std::int64_t local(int y, int mo, int d, int h, int mi = 0) {
    return static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(outputs_test::local_time(y, mo, d, h, mi, 0)));
}

// The simulated meter, its pushes every kStep seconds from `start`, registers on the hour. Every
// push is made (the meter's registers move on), but only the ones not `withheld` are kept.
struct Capture {
    std::vector<std::pair<std::int64_t, sim::Bytes>> frames;   // meter time, frame
    std::map<std::int64_t, double> registers;                   // meter time -> import Wh
};

Capture simulate(std::int64_t start, std::int64_t end, std::int64_t withheld_from = 0, std::int64_t withheld_to = 0,
                 std::int64_t step = kStep) {
    sim::KamstrupMeter::Options o;
    o.interval_seconds = static_cast<std::uint32_t>(step);
    o.registers_every = 3600;
    sim::KamstrupMeter meter(o, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    Capture c;
    for (std::int64_t t = start; t <= end; t += step) {
        auto frame = meter.next_frame(sim::local_date_time(t));
        const std::time_t tt = static_cast<std::time_t>(t);
        std::tm tm{};
        localtime_r(&tt, &tm);
        if (t >= withheld_from && t < withheld_to) continue;
        if (tm.tm_min == 0 && tm.tm_sec == 0) c.registers[t] = meter.last_values().energy_import * 10.0;
        c.frames.emplace_back(t, std::move(frame));
    }
    return c;
}

class Ledger {
public:
    testsupport::TempDir dir{"dlms2mqtt-ledger-"};
    std::filesystem::path db = dir / "ledger.sqlite";

    std::optional<int> broker_port;  // MQTT on this loopback port, else off
    std::map<std::string, std::string> extra;  // more settings

    std::map<std::string, std::string> env() const {
        auto all = base_env();
        for (const auto& [k, v] : extra) all[k] = v;
        return all;
    }

    std::map<std::string, std::string> base_env() const {
        return {{"TZ", kZone},
                {"DLMS2MQTT_MQTT_ENABLED", broker_port ? "true" : "false"},
                {"DLMS2MQTT_MQTT_HOST", "127.0.0.1"},
                {"DLMS2MQTT_MQTT_PORT", std::to_string(broker_port.value_or(1883))},
                {"DLMS2MQTT_LEDGER_PATH", db.string()},
                {"DLMS2MQTT_CSV_ENABLED", "true"},
                {"DLMS2MQTT_CSV_DIRECTORY", (dir / "csv").string()},
                {"DLMS2MQTT_METER_ENCRYPTION_KEY", "D3400000000000000000000000000064"},
                {"DLMS2MQTT_METER_AUTHENTICATION_KEY", "D3400000000000000000000000000065"}};
    }

    std::filesystem::path write_capture(const std::vector<sim::Bytes>& frames) {
        const auto path = dir / ("capture-" + std::to_string(++runs_) + ".hex");
        std::ofstream out(path);
        for (const auto& f : frames) out << dlms::to_hex(f) << "\n";
        return path;
    }

    std::unique_ptr<testsupport::Process> start(const std::vector<sim::Bytes>& frames) {
        const auto capture = write_capture(frames);
        std::ofstream(dir / "config.yaml").flush();
        testsupport::ProcessOptions po;
        po.argv = {DLMS2MQTT_EXE, "run", "--config", (dir / "config.yaml").string(), "--replay", capture.string(), "--fast"};
        po.env = env();
        po.stderr_file = dir / ("run-" + std::to_string(runs_) + ".log");
        return std::make_unique<testsupport::Process>(std::move(po));
    }

    // Replays `frames` through the daemon; returns its log.
    std::string replay(const std::vector<sim::Bytes>& frames) {
        auto p = start(frames);
        const auto rc = p->wait_for(60s);
        const std::string log = p->stderr_text();
        INFO("daemon log:\n" << log);
        REQUIRE(rc.has_value());
        CHECK(*rc == 0);
        return log;
    }

    std::string replay(const Capture& c, std::size_t from = 0, std::size_t to = SIZE_MAX) {
        std::vector<sim::Bytes> frames;
        for (std::size_t i = from; i < std::min(to, c.frames.size()); ++i) frames.push_back(c.frames[i].second);
        return replay(frames);
    }

    // `dlms2mqtt ledger --every E --format F`: its stdout.
    std::string read(const std::string& every, const std::string& format = "json") {
        testsupport::ProcessOptions po;
        po.argv = {DLMS2MQTT_EXE, "ledger", "--config", (dir / "config.yaml").string(), "--every", every, "--format", format};
        po.env = env();
        po.stdout_file = dir / "ledger.out";
        po.stderr_file = dir / "ledger.err";
        testsupport::Process p(std::move(po));
        const auto rc = p.wait_for(60s);
        INFO("ledger stderr: " << p.stderr_text());
        REQUIRE(rc.has_value());
        REQUIRE(*rc == 0);
        return p.stdout_text();
    }

    // Rows of --every E, keyed by their start as printed (local time with offset).
    std::map<std::string, json> rows(const std::string& every) {
        std::map<std::string, json> out;
        std::istringstream in(read(every));
        for (std::string line; std::getline(in, line);) {
            auto j = json::parse(line);
            out[j["start"].get<std::string>()] = j;
        }
        return out;
    }

private:
    int runs_ = 0;
};

std::string iso(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[64];
    const long off = tm.tm_gmtoff / 60;
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', std::labs(off) / 60, std::labs(off) % 60);
    return buf;
}

double wh(const json& row, const char* key = "import_kwh") { return std::round(row[key].get<double>() * 1000.0); }

// Every hour between two of the simulator's register readings, in the ledger, exact and equal
// to the register difference to the Wh.
void check_hours_exact(Ledger& ledger, const Capture& c) {
    const auto hours = ledger.rows("hour");
    for (auto it = c.registers.begin(); std::next(it) != c.registers.end(); ++it) {
        const auto next = std::next(it);
        if (next->first - it->first != 3600) continue;  // a gap between the readings
        CAPTURE(iso(it->first));
        REQUIRE(hours.count(iso(it->first)) == 1);
        const json& row = hours.at(iso(it->first));
        CHECK(wh(row) == next->second - it->second);
        CHECK(row["exact"] == true);
        CHECK(row["end"] == iso(next->first));
    }
}

// Replays `c` with MQTT on `broker`; every state message the probe saw, in order (one a push).
std::vector<json> replay_states(Ledger& ledger, const test_mqtt::Mosquitto& broker, test_mqtt::MqttProbe& probe,
                                const Capture& c) {
    ledger.broker_port = broker.port();
    ledger.replay(c);
    const std::string state_topic = "dlms2mqtt/12345678/state";
    REQUIRE(probe.wait_for([&](const test_mqtt::MqttProbe::Messages& all) {
        std::size_t n = 0;
        for (const auto& m : all) n += m.topic == state_topic;
        return n >= c.frames.size();
    }, 30s));
    std::vector<json> states;
    for (const auto& m : probe.on_topic(state_topic)) states.push_back(json::parse(m.payload));
    REQUIRE(states.size() == c.frames.size());
    return states;
}

// Replays `c` with MQTT on `broker`; the state of its last push. (For long captures: a subscriber
// under valgrind may miss some of thousands of QoS 0 states in a burst, never needed here.)
json replay_last_state(Ledger& ledger, const test_mqtt::Mosquitto& broker, test_mqtt::MqttProbe& probe,
                       const Capture& c) {
    ledger.broker_port = broker.port();
    ledger.replay(c);
    const std::string state_topic = "dlms2mqtt/12345678/state";
    const auto last_counter = static_cast<std::uint32_t>(c.frames.size());  // counters count from 1
    // The newest state seen: the last push's once it has arrived (states come in push order).
    const auto newest = [&](const test_mqtt::MqttProbe::Messages& all) {
        const auto it = std::find_if(all.rbegin(), all.rend(), [&](const auto& m) { return m.topic == state_topic; });
        return it == all.rend() ? json() : json::parse(it->payload);
    };
    REQUIRE(probe.wait_for([&](const test_mqtt::MqttProbe::Messages& all) {
        const json state = newest(all);
        return state.is_object() && state.value("frame_counter", 0U) == last_counter;
    }, 60s));
    return newest(probe.messages());
}

double total_wh(const std::map<std::string, json>& rows) {
    double sum = 0;
    for (const auto& [start, row] : rows) sum += wh(row);
    return sum;
}

}  // namespace

TEST_CASE("ledger: hours exact to the Wh against the registers, quarter-hours adding up to their hour") {
    Ledger ledger;
    const Capture c = simulate(local(2026, 3, 10, 0), local(2026, 3, 10, 6));
    ledger.replay(c);
    check_hours_exact(ledger, c);

    const auto hours = ledger.rows("hour");
    const auto quarters = ledger.rows("15min");
    std::map<std::string, double> summed;
    for (const auto& [start, q] : quarters) {
        CHECK(q["end"].get<std::string>() > start);
        CHECK(q["exact"] == false);  // registers once an hour: the quarters are spread by power
        const std::int64_t t = local(std::stoi(start.substr(0, 4)), std::stoi(start.substr(5, 2)),
                                     std::stoi(start.substr(8, 2)), std::stoi(start.substr(11, 2)));
        summed[iso(t)] += wh(q);
    }
    for (const auto& [start, row] : hours) {
        CAPTURE(start);
        CHECK(summed[start] == wh(row));
        if (row["exact"] == true) CHECK(row["power_mean_w"].get<double>() > 0);
    }
    // The CSV says the same as the JSON rows.
    const std::string csv = ledger.read("hour", "csv");
    CHECK(csv.rfind("meter,start,end,import_kwh,export_kwh,", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(hours.size() + 1));
}

TEST_CASE("ledger: a restart in the middle of an hour changes nothing, and frames from before it are not counted again") {
    const Capture c = simulate(local(2026, 5, 4, 8), local(2026, 5, 4, 13));
    Ledger whole;
    whole.replay(c);

    Ledger restarted;
    const std::size_t middle = c.frames.size() / 2 + 7;  // not on an hour
    restarted.replay(c, 0, middle);
    // After the restart the capture starts 90 minutes early: an hourly list already counted, sent
    // again, and frames from before the restart replayed.
    const std::string log = restarted.replay(c, middle - 90, SIZE_MAX);
    // The replay guard's counters were kept across the restart: the old frames are refused. (A
    // run of rising old counters reads as a meter that started counting again after a few: those
    // the ledger keeps out by their time.)
    CHECK(log.find("push not decoded: replayed") != std::string::npos);
    CHECK(log.find("before what the ledger already counted") != std::string::npos);
    check_hours_exact(restarted, c);
    CHECK(restarted.rows("hour") == whole.rows("hour"));
    CHECK(restarted.rows("15min") == whole.rows("15min"));
}

TEST_CASE("ledger: a 3-hour gap keeps its energy, estimated, and the hours around it exact") {
    const std::int64_t start = local(2026, 6, 1, 0);
    const Capture c = simulate(start, start + 9 * 3600, start + 3 * 3600 + 1200, start + 6 * 3600 + 1200);
    Ledger ledger;
    ledger.replay(c);
    check_hours_exact(ledger, c);
    const auto hours = ledger.rows("hour");
    // Nothing lost, nothing invented: the hours add up to the register difference.
    CHECK(total_wh(hours) == c.registers.rbegin()->second - c.registers.begin()->second);
    for (int h = 3; h < 7; ++h) {
        CAPTURE(h);
        REQUIRE(hours.count(iso(start + h * 3600)) == 1);
        CHECK(hours.at(iso(start + h * 3600))["exact"] == false);
        CHECK(wh(hours.at(iso(start + h * 3600))) > 0);
    }
    CHECK(hours.at(iso(start + 2 * 3600))["exact"] == true);
    CHECK(hours.at(iso(start + 7 * 3600))["exact"] == true);
}

TEST_CASE("ledger: the autumn hour that occurs twice is kept twice, the spring gap leaves no hour") {
    Ledger autumn;
    const Capture a = simulate(local(2026, 10, 24, 22), local(2026, 10, 25, 6));
    autumn.replay(a);
    check_hours_exact(autumn, a);
    const auto hours = autumn.rows("hour");
    REQUIRE(hours.count("2026-10-25T02:00:00+02:00") == 1);
    REQUIRE(hours.count("2026-10-25T02:00:00+01:00") == 1);
    CHECK(hours.at("2026-10-25T02:00:00+02:00")["end"] == "2026-10-25T02:00:00+01:00");
    CHECK(hours.size() == 10);  // 22:00 to 06:00 local is 9 hours that night, and the 06:00 push begins one
    CHECK(total_wh(hours) == a.registers.rbegin()->second - a.registers.begin()->second);

    Ledger spring;
    const Capture s = simulate(local(2026, 3, 28, 22), local(2026, 3, 29, 6));
    spring.replay(s);
    check_hours_exact(spring, s);
    const auto spring_hours = spring.rows("hour");
    CHECK(spring_hours.count("2026-03-29T01:00:00+01:00") == 1);
    CHECK(spring_hours.count("2026-03-29T03:00:00+02:00") == 1);
    CHECK(spring_hours.size() == 8);  // 7 hours that night, and the 06:00 push begins one
    CHECK(spring_hours.at("2026-03-29T01:00:00+01:00")["end"] == "2026-03-29T03:00:00+02:00");
    const auto days = spring.rows("day");
    REQUIRE(days.count("2026-03-29T00:00:00+01:00") == 1);
    CHECK(days.at("2026-03-29T00:00:00+01:00")["end"] == "2026-03-30T00:00:00+02:00");
}

TEST_CASE("ledger: kill -9 at random points of its writes leaves a sound database and exact totals") {
    const Capture c = simulate(local(2026, 1, 5, 0), local(2026, 1, 9, 0));
    std::vector<sim::Bytes> frames;
    for (const auto& f : c.frames) frames.push_back(f.second);
    Ledger ledger;
    std::mt19937 rng(17);
    std::uniform_int_distribution<int> after_ms(20, 600);
    constexpr int kKills = 12;
    for (int i = 0; i < kKills; ++i) {
        auto p = ledger.start(frames);
        std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
        p->signal(SIGKILL);
        p->wait_for(10s);
        // integrity_check on what the kill left, the way any reader opens it
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(ledger.db.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    ledger.replay(frames);  // the whole capture once more, to the end
    check_hours_exact(ledger, c);
    CHECK(total_wh(ledger.rows("hour")) <= c.registers.rbegin()->second - c.registers.begin()->second +
                                               /* the estimate after the last register */ 1e6);
    const auto days = ledger.rows("day");
    for (int d = 5; d < 9; ++d) {
        CAPTURE(d);
        const auto from = c.registers.find(local(2026, 1, d, 0)), to = c.registers.find(local(2026, 1, d + 1, 0));
        REQUIRE(from != c.registers.end());
        REQUIRE(to != c.registers.end());
        REQUIRE(days.count(iso(local(2026, 1, d, 0))) == 1);
        CHECK(wh(days.at(iso(local(2026, 1, d, 0)))) == to->second - from->second);
        CHECK(days.at(iso(local(2026, 1, d, 0)))["exact"] == true);
    }
}

TEST_CASE("ledger: an hourly list sent again and a meter clock gone wild are kept out, the periods untouched") {
    const std::int64_t start = local(2026, 2, 2, 0);
    const Capture c = simulate(start, start + 3 * 3600);
    std::vector<sim::Bytes> frames;
    sim::KamstrupMeter::Options o;
    o.meter_number = 12345678;
    o.first_counter = 100000;  // after the capture's counters: not refused by the replay guard
    sim::KamstrupMeter wild(o, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
        frames.push_back(c.frames[i].second);
        // The hourly list at 01:00 once more (new counter, other register values): not counted.
        if (i == 60) frames.push_back(wild.next_frame(sim::local_date_time(c.frames[i].first)));
        if (i == 70) frames.push_back(wild.next_frame(sim::local_date_time(start + 5L * 365 * 86400)));  // years ahead
        if (i == 100) frames.push_back(wild.next_frame(sim::local_date_time(start - 86400)));  // back before the start
    }
    Ledger ledger;
    const std::string log = ledger.replay(frames);
    CHECK(log.find("more than a day ahead of this machine's clock") != std::string::npos);
    CHECK(log.find("before what the ledger already counted") != std::string::npos);
    check_hours_exact(ledger, c);
    CHECK(ledger.rows("hour").size() == 4);
}

TEST_CASE("ledger: a file that is not SQLite is one clear error, and the daemon goes on without the ledger") {
    test_mqtt::Mosquitto broker;
    test_mqtt::MqttProbe probe(broker.port());
    Ledger ledger;
    ledger.broker_port = broker.port();
    {
        std::ofstream out(ledger.db);
        out << "meter,start,end\nthis is a CSV file someone put here\n";
    }
    const Capture c = simulate(local(2026, 4, 1, 0), local(2026, 4, 1, 1));
    const std::string log = ledger.replay(c);
    CHECK(log.find("ledger " + ledger.db.string() + " is not a SQLite database; move it aside") != std::string::npos);
    // The other outputs went on: the CSV output wrote a row for every push.
    std::size_t rows = 0;
    for (const auto& entry : std::filesystem::directory_iterator(ledger.dir / "csv")) {
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) ++rows;
    }
    CHECK(rows >= c.frames.size());
    // Home Assistant sees it too, on the bridge device: the state, and the message as an attribute.
    const auto bridge = probe.wait_for_topic("dlms2mqtt/bridge/state");
    REQUIRE(bridge.has_value());
    const json state = json::parse(bridge->payload);
    CHECK(state["ledger"] == "error");
    CHECK(state["ledger_message"].get<std::string>().find(ledger.db.string() + " is not a SQLite database") != std::string::npos);
    // The file is left as it was.
    std::ifstream in(ledger.db);
    std::string first;
    std::getline(in, first);
    CHECK(first == "meter,start,end");
}

TEST_CASE("ledger command: a wrong option is named with its fix, a missing ledger says where it looked") {
    Ledger ledger;
    std::ofstream(ledger.dir / "config.yaml").flush();
    testsupport::ProcessOptions po;
    po.argv = {DLMS2MQTT_EXE, "ledger", "--config", (ledger.dir / "config.yaml").string(), "--every", "week"};
    po.env = ledger.env();
    po.stderr_file = ledger.dir / "err1";
    testsupport::Process wrong(std::move(po));
    CHECK(wrong.wait_for(30s) == 2);
    CHECK(wrong.stderr_text().find("--every week: use 15min, hour, day or month") != std::string::npos);

    testsupport::ProcessOptions missing;
    missing.argv = {DLMS2MQTT_EXE, "ledger", "--config", (ledger.dir / "config.yaml").string()};
    missing.env = ledger.env();
    missing.stderr_file = ledger.dir / "err2";
    testsupport::Process none(std::move(missing));
    CHECK(none.wait_for(30s) == 1);
    CHECK(none.stderr_text().find("no ledger at " + ledger.db.string()) != std::string::npos);
}

TEST_CASE("ledger in Home Assistant: today's and this month's energy by the meter's clock, entities the Energy dashboard takes") {
    test_mqtt::Mosquitto broker;
    test_mqtt::MqttProbe probe(broker.port());
    Ledger ledger;
    // From 22:00 to 02:30: the day changes at midnight, so "today" starts again from 0.
    const Capture c = simulate(local(2026, 9, 30, 22), local(2026, 10, 1, 2, 30));
    const std::vector<json> states = replay_states(ledger, broker, probe, c);
    const json& last = states.back();

    // Today (1 October from midnight to 02:30) and this month, as the ledger's rows have them.
    double today = 0;
    for (const auto& [start, row] : ledger.rows("15min"))
        if (start.rfind("2026-10-01", 0) == 0) today += wh(row);
    CHECK(std::round(last["energy_import_today"].get<double>() * 1000.0) == today);
    CHECK(last["energy_import_this_month"] == last["energy_import_today"]);
    CHECK(last["energy_export_today"] == 0.0);
    // The last complete hour (01:00-02:00) was read at both edges: the register difference.
    CHECK(std::round(last["energy_import_last_hour"].get<double>() * 1000.0) ==
          c.registers.at(local(2026, 10, 1, 2)) - c.registers.at(local(2026, 10, 1, 1)));
    CHECK(last["energy_import_last_quarter_hour"].get<double>() > 0);
    // Just before midnight "today" was September's last day, larger than just after it.
    const std::size_t midnight = static_cast<std::size_t>((local(2026, 10, 1, 0) - local(2026, 9, 30, 22)) / kStep);
    CHECK(states[midnight - 1]["energy_import_today"].get<double>() > states[midnight + 1]["energy_import_today"].get<double>());
    CHECK(states[midnight - 1]["energy_import_this_month"].get<double>() > 0);

    const auto config = probe.wait_for_topic("homeassistant/sensor/dlms2mqtt_12345678/energy_import_today/config");
    REQUIRE(config.has_value());
    const json discovery = json::parse(config->payload);
    CHECK(discovery["device_class"] == "energy");
    CHECK(discovery["state_class"] == "total_increasing");
    CHECK(discovery["unit_of_measurement"] == "kWh");
    CHECK(probe.wait_for_topic("homeassistant/sensor/dlms2mqtt_12345678/energy_export_this_month/config").has_value());
}

TEST_CASE("ledger: a full disk is logged once, the other outputs go on, and the ledger catches up when space returns") {
    Ledger ledger;
    const auto small = ledger.dir / "small";
    std::filesystem::create_directory(small);
    // Room for the file and its write-ahead log (up to about 1 MB between checkpoints).
    outputs_test::SmallTmpfs tmpfs(small.string(), "size=3m");
    if (!tmpfs.mounted()) {
        MESSAGE("skipped: cannot mount a 3 MiB tmpfs here (" << tmpfs.error() << ")");
        return;
    }
    ledger.db = small / "ledger.sqlite";
    const std::int64_t start = local(2026, 7, 1, 0);
    const Capture c = simulate(start, start + 6 * 3600);
    ledger.replay(c, 0, 61);  // the first hour, both its edges read
    const std::string filler = outputs_test::fill_disk(small.string());
    REQUIRE(!filler.empty());
    const std::string full = ledger.replay(c, 61, 241);
    std::size_t said = 0;
    for (auto at = full.find("the disk is full"); at != std::string::npos; at = full.find("the disk is full", at + 1)) ++said;
    INFO("daemon log with the disk full:\n" << full);
    CHECK(said == 1);  // a write a minute failed, one line said so
    std::size_t rows = 0;
    for (const auto& entry : std::filesystem::directory_iterator(ledger.dir / "csv")) {
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) rows += line.rfind("20", 0) == 0 || std::isdigit(line[0]);
    }
    CHECK(rows >= 241);  // every push of both runs has its CSV row

    REQUIRE(::unlink(filler.c_str()) == 0);
    const std::string after = ledger.replay(c, 241, SIZE_MAX);
    INFO("daemon log after:\n" << after);
    const auto hours = ledger.rows("hour");
    INFO("hours:\n" << ledger.read("hour", "csv"));
    CHECK(hours.at(iso(start))["exact"] == true);
    // The hours the disk was full for are estimates, but nothing is lost or counted twice.
    CHECK(total_wh(hours) == c.registers.rbegin()->second - c.registers.begin()->second);
    CHECK(hours.at(iso(start + 5 * 3600))["exact"] == true);
}

TEST_CASE("ledger: capacity tariff, the mean of the month's 3 largest hours on distinct days and its step") {
    test_mqtt::Mosquitto broker;
    test_mqtt::MqttProbe probe(broker.port());
    Ledger ledger;
    ledger.extra = {{"DLMS2MQTT_LEDGER_CAPACITY_PEAKS", "3"}, {"DLMS2MQTT_LEDGER_CAPACITY_STEPS", "2, 5, 10, 15"}};
    // A push every 15 minutes: four days in few enough states for a subscriber under valgrind.
    const Capture c = simulate(local(2026, 2, 1, 0), local(2026, 2, 4, 23, 45), 0, 0, 900);
    const json last = replay_last_state(ledger, broker, probe, c);

    // Expected from the ledger's own hour rows: each day's largest hour, the 3 largest of those.
    std::map<std::string, double> day_max;
    for (const auto& [start, row] : ledger.rows("hour")) {
        auto& m = day_max[start.substr(0, 10)];
        m = std::max(m, row["import_kwh"].get<double>());
    }
    REQUIRE(day_max.size() == 4);
    std::vector<double> peaks;
    for (const auto& [day, kwh] : day_max) peaks.push_back(kwh);
    std::sort(peaks.rbegin(), peaks.rend());
    const double mean = (peaks[0] + peaks[1] + peaks[2]) / 3;  // kWh in an hour: the mean kW
    CHECK(last["capacity_peaks_mean"].get<double>() == doctest::Approx(mean).epsilon(1e-3));
    const int step = 1 + (mean >= 2) + (mean >= 5) + (mean >= 10) + (mean >= 15);
    CHECK(last["capacity_step"] == step);

    const auto config = probe.wait_for_topic("homeassistant/sensor/dlms2mqtt_12345678/capacity_peaks_mean/config");
    REQUIRE(config.has_value());
    CHECK(json::parse(config->payload)["unit_of_measurement"] == "kW");
}

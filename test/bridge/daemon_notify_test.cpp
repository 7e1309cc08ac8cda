// `dlms2mqtt run` under a stand-in for systemd (Type=notify, WatchdogSec=): a datagram socket
// named in NOTIFY_SOCKET, with WATCHDOG_USEC of one second, so the worker's heartbeat is due
// every half second. What systemd would see: READY once the port is open, the heartbeat while
// the worker works and not while it is stuck, STOPPING at SIGTERM.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"
#include "test/support/notify_socket.hpp"

namespace daemon_test {

namespace {

using testsupport::NotifySocket;

const std::string kReady = "READY=1";
const std::string kWatchdog = "WATCHDOG=1";
const std::string kStopping = "STOPPING=1";

std::map<std::string, std::string> systemd_env(const NotifySocket& systemd) {
    return {{"NOTIFY_SOCKET", systemd.address()}, {"WATCHDOG_USEC", "1000000"}};
}

bool has(NotifySocket& systemd, const std::string& line) { return systemd.count(line) > 0; }

// Rows (lines starting with a date) in the CSV files of `dir`.
std::size_t csv_rows(const std::filesystem::path& dir) {
    std::size_t rows = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
        std::istringstream in(testsupport::read_text_file(f.path()));
        for (std::string line; std::getline(in, line);) rows += line.starts_with("20") ? 1 : 0;
    }
    return rows;
}

}  // namespace

TEST_CASE("systemd notify: READY once the port is open, the heartbeat while running, STOPPING at SIGTERM") {
    Rig rig;
    NotifySocket systemd((rig.dir / "notify").string());
    Daemon daemon(rig, systemd_env(systemd));
    INFO("daemon log:\n" << daemon.log());
    REQUIRE(systemd.wait_for([&](const auto&) { return has(systemd, kReady); }, kWait));
    // Ready means the config was read and the serial port opened: both were logged before.
    const std::string port = rig.pty.link().string();
    CHECK(daemon.log().find("starting with") != std::string::npos);
    CHECK(daemon.log().find("reading " + port) != std::string::npos);
    // (The worker's first heartbeat may come before or after it: another thread.)
    const auto& sent = systemd.received();
    const auto ready = std::find_if(sent.begin(), sent.end(), [](const auto& d) { return d.has_line(kReady); });
    CHECK(ready->text == kReady + "\nSTATUS=reading " + port);

    require_bridge_online(rig);
    MeterFeed meter;
    for (int i = 0; i < 2; ++i) rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return state_counters(m).size() == 2; }, kWait));
    // The heartbeat goes on after the pushes, one every half second or so.
    const auto beats = systemd.count(kWatchdog);
    REQUIRE(systemd.wait_for([&](const auto&) { return systemd.count(kWatchdog) >= beats + 3; }, kWait));

    stop_cleanly(rig, daemon);
    // The last word: the worker's loop, and with it the heartbeat, has ended.
    REQUIRE(systemd.wait_for([&](const auto&) { return has(systemd, kStopping); }, kWait));
    CHECK(systemd.received().back().text.starts_with(kStopping + "\nSTATUS=stopping: 2 pushes decoded"));
    CHECK(systemd.count(kReady) == 1);
    CHECK(systemd.count(kStopping) == 1);
}

TEST_CASE("systemd watchdog: a worker stuck in an output stops the heartbeat, which resumes with the worker") {
    Rig rig;
    NotifySocket systemd("@dlms2mqtt-e2e-notify-" + std::to_string(::getpid()));
    // The worker touches health.file after each push. A FIFO there holds its open() until
    // something opens the other end: a real hang, as a dead network file system would cause.
    const auto fifo = rig.dir / "health";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto env = systemd_env(systemd);
    env["DLMS2MQTT_HEALTH_FILE"] = fifo.string();
    Daemon daemon(rig, env);
    INFO("daemon log:\n" << daemon.log());
    REQUIRE(systemd.wait_for([&](const auto&) { return has(systemd, kReady) && systemd.count(kWatchdog) >= 2; }, kWait));
    require_bridge_online(rig);

    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    // Published, then stuck in health.file's open(). Whatever the worker sent before is in the
    // socket's queue by now (a local datagram is queued when sendto returns).
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return state_counters(m).size() == 1; }, kWait));
    const auto beats = systemd.count(kWatchdog);
    std::this_thread::sleep_for(3s);  // six heartbeat periods
    CHECK(daemon.process().running());
    CHECK(systemd.count(kWatchdog) == beats);

    // The other end opened: the worker comes round its loop again, and so does the heartbeat.
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(reader >= 0);
    CHECK(systemd.wait_for([&](const auto&) { return systemd.count(kWatchdog) >= beats + 2; }, kWait));
    stop_cleanly(rig, daemon);
    ::close(reader);
    CHECK(has(systemd, kStopping));
}

TEST_CASE("systemd watchdog: a hung broker is not a hung worker, the heartbeat goes on") {
    Rig rig;
    NotifySocket systemd((rig.dir / "notify").string());
    auto env = systemd_env(systemd);
    // The CSV output comes after MQTT in the worker: its rows show the worker got past it.
    env["DLMS2MQTT_CSV_ENABLED"] = "true";
    env["DLMS2MQTT_CSV_DIRECTORY"] = (rig.dir / "csv").string();
    Daemon daemon(rig, env);
    INFO("daemon log:\n" << daemon.log());
    REQUIRE(systemd.wait_for([&](const auto&) { return has(systemd, kReady); }, kWait));
    require_bridge_online(rig);

    // Publishing only queues in Paho's buffer, so pushes are still decoded while the broker is
    // stopped, and systemd must not restart a daemon that is doing its job.
    rig.broker.pause();
    MeterFeed meter;
    for (int i = 0; i < 3; ++i) rig.pty.write(meter.next_frame());
    REQUIRE(systemd.wait_for([&](const auto&) { return csv_rows(rig.dir / "csv") == 3; }, kWait));
    const auto beats = systemd.count(kWatchdog);
    CHECK(systemd.wait_for([&](const auto&) { return systemd.count(kWatchdog) >= beats + 4; }, kWait));
    rig.broker.resume();
    CHECK(rig.probe->wait_for([](const Messages& m) { return state_counters(m).size() == 3; }, kWait));
    stop_cleanly(rig, daemon);
}

}  // namespace daemon_test

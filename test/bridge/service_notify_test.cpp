// ServiceNotifier against a stand-in notification socket (what systemd listens on), and the
// worker's Heartbeat on a made-up clock. The daemon end to end: daemon_notify_test.cpp.
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/core/service_notify.hpp"
#include "test/support/notify_socket.hpp"
#include "test/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using bridge::Heartbeat;
using bridge::ServiceNotifier;
using testsupport::NotifySocket;

// systemd's variables for the life of the object, removed after (the cases share one process).
class ScopedEnv {
public:
    ScopedEnv() = default;
    ~ScopedEnv() {
        for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    void set(const char* name, const std::string& value) { REQUIRE(::setenv(name, value.c_str(), 1) == 0); }
};

std::string abstract_name() { return "@dlms2mqtt-notify-test-" + std::to_string(::getpid()); }

}  // namespace

TEST_CASE("notify: READY, STATUS, STOPPING and WATCHDOG reach a socket named by a path") {
    testsupport::TempDir dir;
    NotifySocket systemd((dir / "notify").string());
    ServiceNotifier notifier(systemd.address(), 2s, nullptr);
    CHECK(notifier.enabled());
    notifier.ready("reading /dev/ttyUSB0");
    notifier.watchdog();
    notifier.status("/dev/ttyUSB0 went away");
    notifier.stopping("stopping");
    REQUIRE(systemd.wait_for([](const auto& r) { return r.size() == 4; }, 5s));
    const auto& r = systemd.received();
    CHECK(r[0].text == "READY=1\nSTATUS=reading /dev/ttyUSB0");
    CHECK(r[1].text == "WATCHDOG=1");
    CHECK(r[2].text == "STATUS=/dev/ttyUSB0 went away");
    CHECK(r[3].text == "STOPPING=1\nSTATUS=stopping");
}

TEST_CASE("notify: an abstract socket name ('@' first) is reached") {
    NotifySocket systemd(abstract_name());
    ServiceNotifier notifier(systemd.address(), std::nullopt, nullptr);
    notifier.ready("up");
    REQUIRE(systemd.wait_for([](const auto& r) { return !r.empty(); }, 5s));
    CHECK(systemd.received()[0].text == "READY=1\nSTATUS=up");
}

TEST_CASE("notify: the environment as sd_notify(3) and sd_watchdog_enabled(3) read it") {
    ScopedEnv env;
    SUBCASE("no NOTIFY_SOCKET: off, and no watchdog even with WATCHDOG_USEC") {
        env.set("WATCHDOG_USEC", "2000000");
        const ServiceNotifier n(nullptr);
        CHECK_FALSE(n.enabled());
        CHECK_FALSE(n.heartbeat_period());
    }
    SUBCASE("WATCHDOG_USEC alone: the heartbeat every half of it") {
        env.set("NOTIFY_SOCKET", abstract_name());
        env.set("WATCHDOG_USEC", "2000000");
        const ServiceNotifier n(nullptr);
        CHECK(n.enabled());
        CHECK(n.heartbeat_period() == 1000ms);
    }
    SUBCASE("WATCHDOG_PID naming this process: on") {
        env.set("NOTIFY_SOCKET", abstract_name());
        env.set("WATCHDOG_USEC", "60000000");
        env.set("WATCHDOG_PID", std::to_string(::getpid()));
        CHECK(ServiceNotifier(nullptr).heartbeat_period() == 30000ms);
    }
    SUBCASE("WATCHDOG_PID naming another process (a parent's): off") {
        env.set("NOTIFY_SOCKET", abstract_name());
        env.set("WATCHDOG_USEC", "60000000");
        env.set("WATCHDOG_PID", std::to_string(::getppid()));
        const ServiceNotifier n(nullptr);
        CHECK(n.enabled());
        CHECK_FALSE(n.heartbeat_period());
    }
    SUBCASE("WATCHDOG_USEC zero or not a number: off") {
        env.set("NOTIFY_SOCKET", abstract_name());
        for (const char* bad : {"0", "", "60s", "-5"}) {
            env.set("WATCHDOG_USEC", bad);
            CHECK_FALSE(ServiceNotifier(nullptr).heartbeat_period());
        }
    }
}

TEST_CASE("notify: a socket nobody listens on is logged once, not per message, and nothing throws") {
    testsupport::TempDir dir;
    std::vector<std::string> warnings;
    ServiceNotifier notifier((dir / "nobody").string(), 2s, [&](std::string_view w) { warnings.emplace_back(w); });
    for (int i = 0; i < 5; ++i) notifier.watchdog();
    notifier.stopping("stopping");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find((dir / "nobody").string()) != std::string::npos);
    CHECK(warnings[0].find("No such file or directory") != std::string::npos);
}

TEST_CASE("notify: an address that is neither a path nor @name is said once and ignored") {
    std::vector<std::string> warnings;
    ServiceNotifier notifier("vsock:2:1234", 2s, [&](std::string_view w) { warnings.emplace_back(w); });
    notifier.ready("up");
    notifier.watchdog();
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("NOTIFY_SOCKET=vsock:2:1234") != std::string::npos);
}

TEST_CASE("heartbeat: sent when due, early only to spare a wake-up, never by itself") {
    using T = Heartbeat::Clock::time_point;
    const T t0{};
    std::vector<T> sent;
    T now = t0;
    Heartbeat hb(30s, [&] { sent.push_back(now); });
    const auto tick = 5s;  // the worker's own wake-ups, as with a 10 s push interval

    // The first wake-up beats at once; the sleep is not limited by it while it is not due.
    hb.beat(now, now + tick);
    REQUIRE(sent.size() == 1);
    CHECK(hb.wait_limit(now) == 30s);
    // The worker wakes on its ticks (and on frames in between): one beat in each 30 s, at the
    // last wake-up before it would fall due, so the heartbeat needs no wake-up of its own.
    for (T at = t0 + tick; at <= t0 + 120s; at += tick) {
        const T next_tick = at + tick;
        now = at;
        hb.beat(now, next_tick);
        now = at + 1s;  // a frame arriving between ticks
        hb.beat(now, next_tick);
        CHECK(hb.wait_limit(now) >= next_tick - now);
    }
    REQUIRE(sent.size() == 5);  // at 0, 25, 50, 75 and 100 s
    for (std::size_t i = 1; i < sent.size(); ++i) {
        CHECK(sent[i] - sent[i - 1] <= 30s);
        CHECK(sent[i] - sent[i - 1] > 30s - tick);
    }
}

TEST_CASE("heartbeat: a period shorter than the tick shortens the worker's sleep") {
    using T = Heartbeat::Clock::time_point;
    std::vector<T> sent;
    T now{};
    Heartbeat hb(500ms, [&] { sent.push_back(now); });
    hb.beat(now, now + 5s);
    CHECK(hb.wait_limit(now) == 500ms);
    now += 200ms;  // a frame: not due yet, and the tick is far off
    hb.beat(now, now + 5s);
    CHECK(sent.size() == 1);
    CHECK(hb.wait_limit(now) == 300ms);
    now += 300ms;
    hb.beat(now, now + 5s);
    CHECK(sent.size() == 2);
}

TEST_CASE("heartbeat: no watchdog, no beat and no limit on the sleep") {
    int sent = 0;
    Heartbeat hb(std::nullopt, [&] { ++sent; });
    const Heartbeat::Clock::time_point now{};
    hb.beat(now, now + 5s);
    CHECK(sent == 0);
    CHECK(hb.wait_limit(now) == std::chrono::milliseconds::max());
}

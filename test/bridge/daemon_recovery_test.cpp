// `dlms2mqtt run` end to end when things go away: the broker, the serial line, the meter; and
// a capture replayed as fast as it goes.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <doctest/doctest.h>

#include "decoder/bytes.hpp"
#include "test/bridge/daemon_harness.hpp"

namespace daemon_test {

namespace {

// Writes a push every `every` on its own thread, like a meter that carries on whatever happens
// to the bridge's broker.
class Feeder {
public:
    Feeder(testsupport::Pty& pty, std::chrono::milliseconds every)
        : thread_([this, &pty, every](std::stop_token stop) { run(pty, every, stop); }) {}
    ~Feeder() { stop(); }

    void stop() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    std::uint32_t last_written() const { return last_.load(); }
    std::string error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    void run(testsupport::Pty& pty, std::chrono::milliseconds every, const std::stop_token& stop) {
        MeterFeed meter;
        try {
            while (!stop.stop_requested()) {
                pty.write(meter.next_frame());
                last_ = meter.last_counter();
                std::this_thread::sleep_for(every);
            }
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            error_ = e.what();
        }
    }

    std::atomic<std::uint32_t> last_{0};
    mutable std::mutex mutex_;
    std::string error_;
    std::jthread thread_;  // last: starts once the rest exists
};

std::vector<std::string> payloads_on(const Messages& all, const std::string& topic) {
    std::vector<std::string> out;
    for (const auto& m : all)
        if (m.topic == topic) out.push_back(m.payload);
    return out;
}

bool any_state_after(const Messages& all, std::uint32_t counter) {
    const auto c = state_counters(all);
    return std::any_of(c.begin(), c.end(), [&](std::uint32_t v) { return v > counter; });
}

}  // namespace

TEST_CASE("the broker goes away and comes back: reading goes on, discovery is sent again, state follows") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log() << "\nbroker log:\n" << rig.broker.log_text());
    require_bridge_online(rig);
    Feeder feeder(rig.pty, 400ms);
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return count_on(m, kStateTopic) >= 3; }, kWait));
    REQUIRE(has_prefix(rig.probe->messages(), kDiscoveryPrefix));

    rig.broker.stop();
    std::this_thread::sleep_for(3s);  // pushes keep coming while there is no broker
    const std::uint32_t written_in_outage = feeder.last_written();
    rig.broker.start();  // same port; no persistence: nothing retained survived
    rig.new_probe();

    // A push read after the outage, on a broker that has forgotten everything.
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return any_state_after(m, written_in_outage); }, kWait));
    feeder.stop();
    CHECK(feeder.error().empty());
    // Diagnostics go out at most once per push interval (10 s): the next one counts every push.
    const std::uint32_t last = feeder.last_written();
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return diagnostics_for(m, last).has_value(); }, kWait));
    stop_cleanly(rig, daemon);

    const auto all = rig.probe->messages();
    CHECK(has_prefix(all, kDiscoveryPrefix));  // sent again after the reconnect
    CHECK(payloads_on(all, kStatusTopic).front() == "online");
    const auto diagnostics = diagnostics_for(all, last);
    REQUIRE(diagnostics);
    INFO("diagnostics: " << diagnostics->dump());
    // Every push written, during the outage too, was read and decoded: none is missing.
    CHECK((*diagnostics)["pushes"] == last);
    CHECK((*diagnostics)["missed_pushes"] == 0);
    const auto counters = state_counters(all);
    CHECK(std::is_sorted(counters.begin(), counters.end()));
}

TEST_CASE("the serial line goes away and a new one appears at its path: the reader recovers") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return state_counters(m) == std::vector<std::uint32_t>{1}; }, kWait));

    rig.pty.reopen();  // the adapter unplugged and plugged back in
    CHECK(daemon.wait_for_log("went away"));
    // The daemon has opened the new line once it says so a second time.
    const auto reopened = [&] { return count_lines_containing(daemon.log(), "reading " + rig.pty.link().string()) >= 2; };
    for (int i = 0; i < 400 && !reopened(); ++i) std::this_thread::sleep_for(50ms);
    REQUIRE(reopened());
    rig.pty.write(meter.next_frame());
    rig.pty.write(meter.next_frame());
    const std::vector<std::uint32_t> expected{1, 2, 3};
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return state_counters(m).size() >= 3; }, kWait));
    stop_cleanly(rig, daemon);
    CHECK(state_counters(rig.probe->messages()) == expected);
}

TEST_CASE("a silent meter turns offline after three missed pushes and online again with the next one") {
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_METER_PUSH_INTERVAL", "1"}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for_topic(kAvailabilityTopic, "online", kWait));

    // The meter stops pushing.
    const auto offline = rig.probe->wait_for_topic(kAvailabilityTopic, "offline", kWait);
    REQUIRE(offline);
    CHECK(offline->retained);

    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for(
        [](const Messages& m) { return payloads_on(m, kAvailabilityTopic) == std::vector<std::string>{"online", "offline", "online"}; },
        kWait));
    stop_cleanly(rig, daemon);
    const auto all = rig.probe->messages();
    CHECK(payloads_on(all, kAvailabilityTopic) == std::vector<std::string>{"online", "offline", "online"});
    CHECK(state_counters(all) == std::vector<std::uint32_t>{1, 2});
    CHECK(daemon.log().find("marking it offline") != std::string::npos);
}

TEST_CASE("run --replay FILE --fast publishes every push of a hex capture and exits 0") {
    Rig rig;
    MeterFeed meter;
    constexpr int kPushes = 5;
    std::vector<std::uint32_t> written;
    const auto capture = rig.dir / "capture.hex";
    {
        std::ofstream out(capture);
        out << "# simulated Kamstrup pushes, one HDLC frame a line\n";
        for (int i = 0; i < kPushes; ++i) {
            out << "# push " << i + 1 << "\n" << dlms::to_hex(meter.next_frame()) << "\n";
            written.push_back(meter.last_counter());
        }
    }
    Daemon daemon(rig, {}, {"run", "--replay", capture.string(), "--fast"});
    INFO("daemon log:\n" << daemon.log());
    const auto rc = daemon.process().wait_for(kWait);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    daemon.check_no_key_material();

    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return count_on(m, kStateTopic) >= written.size(); }, kWait));
    CHECK(rig.probe->wait_for_topic(kStatusTopic, "offline", kWait));
    const auto all = rig.probe->messages();
    CHECK(state_counters(all) == written);
    CHECK(has_prefix(all, kDiscoveryPrefix));
}

}  // namespace daemon_test

namespace daemon_test {

// A broker restart is routine (updating Home Assistant restarts its mosquitto add-on): whatever
// the outage's length, the bridge must be publishing again within seconds of the broker's return.
TEST_CASE("the broker away 40 s: the next state arrives within 5 s of its return, and the outage is logged once") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    Feeder feeder(rig.pty, 1s);
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return count_on(m, kStateTopic) >= 1; }, kWait));

    rig.broker.stop();
    std::this_thread::sleep_for(40s);
    rig.broker.start();  // same port
    rig.new_probe();
    // The probe sees only what was sent after the return: the buffered states, or a new one.
    CHECK(rig.probe->wait_for([](const Messages& m) { return count_on(m, kStateTopic) >= 1; }, 5s));
    feeder.stop();
    CHECK(feeder.error().empty());
    stop_cleanly(rig, daemon);
    // Not one line per attempt: the outage is logged once.
    CHECK(count_lines_containing(daemon.log(), "MQTT connect to") <= 1);
}

// SIGTERM while the replay waits for a broker that accepts connections but answers nothing.
TEST_CASE("SIGTERM during run --replay --fast into a hung broker: the daemon exits within 5 s") {
    Rig rig;
    MeterFeed meter;
    const auto capture = rig.dir / "large.hex";
    {
        std::ofstream out(capture);
        for (int i = 0; i < 5000; ++i) out << dlms::to_hex(meter.next_frame()) << "\n";
    }
    Daemon daemon(rig, {}, {"run", "--replay", capture.string(), "--fast"});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    rig.broker.pause();
    std::this_thread::sleep_for(1s);  // the replay is now waiting on the broker
    REQUIRE(daemon.process().running());
    stop_with_broker_hung(rig, daemon);
}

}  // namespace daemon_test

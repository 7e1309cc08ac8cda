// PahoPublisher and MqttSink against a real mosquitto on 127.0.0.1 (started and stopped here).
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "bridge/mqtt/mqtt_sink.hpp"
#include "bridge/mqtt/paho_publisher.hpp"
#include "test/bridge/mqtt_test_util.hpp"
#include "test/support/mosquitto_fixture.hpp"
#include "test/support/mqtt_probe.hpp"

using namespace std::chrono_literals;
using test_mqtt::LogLines;
using test_mqtt::make_push;
using test_mqtt::Mosquitto;
using test_mqtt::MqttProbe;
using test_mqtt::ProbeMessage;
using test_mqtt::t0;

namespace {

const std::string kStatus = "dlms2mqtt/status";
const std::string kState = "dlms2mqtt/27581522/state";
const std::string kAvailability = "dlms2mqtt/27581522/availability";
const std::string kBridgeState = "dlms2mqtt/bridge/state";
const std::string kEnergyConfig = "homeassistant/sensor/dlms2mqtt_27581522/energy_import/config";

bridge::PahoOptions paho_options(int port, LogLines& log) {
    static std::atomic<int> next{0};
    bridge::PahoOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.client_id = "dlms2mqtt-test-" + std::to_string(next++);
    o.status_topic = kStatus;
    o.min_retry = 200ms;  // short pauses keep the reconnect tests quick
    o.max_retry = 1s;
    o.log = log.sink();
    return o;
}

// Polls `condition` until it holds or 10 s pass (for states no message announces).
bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

bool has(const MqttProbe::Messages& all, const std::string& topic, const std::string& payload, bool retained) {
    for (const auto& m : all)
        if (m.topic == topic && m.payload == payload && m.retained == retained) return true;
    return false;
}

std::size_t count(const MqttProbe::Messages& all, const std::string& topic) {
    std::size_t n = 0;
    for (const auto& m : all) n += m.topic == topic;
    return n;
}

void take(bridge::MqttSink& sink, const dlms::Push& push, std::chrono::system_clock::time_point when) {
    dlms::DecodeStats stats;
    sink.push(bridge::Record::make(push, stats, when));
}

double energy_in(const ProbeMessage& state) {
    return nlohmann::json::parse(state.payload)["energy_import"].get<double>();
}

}  // namespace

TEST_CASE("publisher: retained 'online' after connecting, retained 'offline' after a clean stop") {
    Mosquitto broker;
    MqttProbe probe(broker.port());
    LogLines log;
    bridge::PahoPublisher pub(paho_options(broker.port(), log));
    pub.start();
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "online", true); }));
    CHECK(pub.connected());

    pub.stop();
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "offline", true); }));
    CHECK_FALSE(pub.connected());
    MqttProbe late(broker.port());  // what the broker kept
    CHECK(late.wait_for([](const auto& all) { return has(all, kStatus, "offline", true); }));
}

TEST_CASE("publisher: a connection that dies without DISCONNECT leaves the will 'offline', then it reconnects") {
    Mosquitto broker;
    test_mqtt::TcpRelay relay(broker.port());
    MqttProbe probe(broker.port());
    LogLines log;
    bridge::PahoPublisher pub(paho_options(relay.port(), log));
    pub.start();
    REQUIRE(probe.wait_for([](const auto& all) { return has(all, kStatus, "online", true); }));
    probe.clear();

    relay.cut();
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "offline", true); }));
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "online", true); }));
    const auto statuses = probe.on_topic(kStatus);
    REQUIRE(statuses.size() >= 2);
    CHECK(statuses.front().payload == "offline");
    CHECK(statuses.back().payload == "online");
    CHECK(pub.stats().connects >= 2);
    CHECK(log.any_contains("lost"));
}

TEST_CASE("sink over a real broker: discovery, availability and state with their retain flags, and HA 'online' re-sends discovery") {
    Mosquitto broker;
    MqttProbe probe(broker.port());
    LogLines log;
    bridge::PahoPublisher pub(paho_options(broker.port(), log));
    bridge::MqttSink sink(pub, {});
    pub.start();
    // The on-connect republish sends the bridge's own state; once that is seen, it has run, and a
    // push taken now is sent exactly once (taken earlier, the republish would send it again).
    REQUIRE(probe.wait_for([](const auto& all) { return count(all, kBridgeState) >= 1; }, 30s));

    take(sink, make_push(1, 12345678), t0());
    REQUIRE(probe.wait_for([](const auto& all) { return count(all, kState) >= 1; }));
    const auto all = probe.messages();
    CHECK(has(all, kAvailability, "online", true));
    const auto config = probe.on_topic(kEnergyConfig);
    REQUIRE(config.size() == 1);
    CHECK(config[0].retained);
    const auto state = probe.on_topic(kState);
    CHECK_FALSE(state[0].retained);
    CHECK(energy_in(state[0]) == doctest::Approx(12345.678));

    const auto before = config.size();
    probe.publish("homeassistant/status", "online");
    CHECK(probe.wait_for([&](const auto& msgs) { return count(msgs, kEnergyConfig) == before + 1; }));
    // The republish sends the newest state too.
    CHECK(probe.wait_for([](const auto& msgs) { return count(msgs, kState) == 2; }));
}

TEST_CASE("broker gone: publish() returns, and once it is back on the same port: reconnect, discovery again, newest state") {
    Mosquitto broker;
    test_mqtt::TcpRelay relay(broker.port());
    LogLines log;
    bridge::PahoPublisher pub(paho_options(relay.port(), log));
    bridge::MqttSink sink(pub, {});
    pub.start();
    {
        MqttProbe probe(broker.port());
        take(sink, make_push(1, 1000), t0());
        // Generous: under emulation on a loaded machine the first connect alone can take seconds.
        // At least once: the on-connect republish may send the push a second time.
        REQUIRE(probe.wait_for([](const auto& all) { return count(all, kState) >= 1; }, 30s));
    }

    relay.set_blocked(true);  // the bridge may come back only once the new probe listens
    broker.stop();
    REQUIRE(eventually([&] { return !pub.connected(); }));
    take(sink, make_push(2, 2000), t0() + 10s);
    take(sink, make_push(3, 3000), t0() + 20s);
    CHECK_FALSE(pub.connected());  // reached: neither call waited for the broker

    broker.start();
    MqttProbe probe(broker.port());
    CHECK(probe.messages().empty());  // the broker kept nothing: all must be sent again
    relay.set_blocked(false);
    CHECK(probe.wait_for([](const auto& all) {
        for (const auto& m : all)
            if (m.topic == kEnergyConfig && m.retained) return true;
        return false;
    }, 30s));
    CHECK(probe.wait_for([](const auto& all) {
        for (const auto& m : all)
            if (m.topic == kState && energy_in(m) == 3.0) return true;
        return false;
    }, 30s));
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "online", true); }, 30s));
    CHECK(pub.stats().failed == 0);
}

TEST_CASE("sink over a real broker: a silent meter's availability turns 'offline' (retained)") {
    Mosquitto broker;
    MqttProbe probe(broker.port());
    LogLines log;
    bridge::PahoPublisher pub(paho_options(broker.port(), log));
    bridge::MqttSink sink(pub, {});
    pub.start();
    take(sink, make_push(1, 1000), t0());
    REQUIRE(probe.wait_for([](const auto& all) { return has(all, kAvailability, "online", true); }));
    sink.tick(t0() + 3 * 10s);  // default push interval 10 s
    CHECK(probe.wait_for([](const auto& all) { return has(all, kAvailability, "offline", true); }));
}

TEST_CASE("user name and password: the right ones connect, a wrong password is refused and never logged") {
    test_mqtt::MosquittoOptions users;
    users.username = "bridge";
    users.password = "right-pass-123";
    Mosquitto broker(users);
    MqttProbe probe(broker.port(), "#", "bridge", "right-pass-123");

    LogLines good_log;
    auto good = paho_options(broker.port(), good_log);
    good.username = "bridge";
    good.password = "right-pass-123";
    bridge::PahoPublisher ok(good);
    ok.start();
    CHECK(probe.wait_for([](const auto& all) { return has(all, kStatus, "online", true); }));

    LogLines bad_log;
    auto bad = paho_options(broker.port(), bad_log);
    bad.username = "bridge";
    bad.password = "wrong-pass-456";
    bridge::PahoPublisher refused(bad);
    refused.start();
    REQUIRE(eventually([&] { return refused.stats().connect_failures >= 2; }));
    CHECK_FALSE(refused.connected());
    CHECK(bad_log.any_contains("not authorized"));
    CHECK(bad_log.any_contains("'bridge'"));
    CHECK_FALSE(bad_log.any_contains("wrong-pass-456"));
    CHECK_FALSE(good_log.any_contains("right-pass-123"));
}

TEST_CASE("offline buffer: messages published before any connection are kept up to the limit, newest first") {
    Mosquitto broker;
    broker.stop();
    LogLines log;
    auto opts = paho_options(broker.port(), log);
    opts.buffer_messages = 5;
    bridge::PahoPublisher pub(opts);
    for (int i = 0; i < 20; ++i) pub.publish("buffer/test", std::to_string(i), 1, false);
    CHECK(pub.stats().queued + pub.stats().failed == 20);

    broker.start();
    MqttProbe probe(broker.port(), "buffer/#");
    pub.start();
    REQUIRE(probe.wait_for([](const auto& all) { return has(all, "buffer/test", "19", false); }));
    std::this_thread::sleep_for(200ms);  // let anything wrongly kept show up too
    const auto got = probe.on_topic("buffer/test");
    CHECK(got.size() <= 5);
    for (const auto& m : got) CHECK(std::stoi(m.payload) >= 15);
}

TEST_CASE("stop() returns while the broker is unreachable") {
    Mosquitto broker;
    broker.stop();
    LogLines log;
    bridge::PahoPublisher pub(paho_options(broker.port(), log));
    pub.start();
    REQUIRE(eventually([&] { return pub.stats().connect_failures >= 1; }));
    pub.publish("x/y", "z", 1, true);
    pub.stop();
    CHECK_FALSE(pub.connected());
    CHECK(log.any_contains("unreachable"));
    const auto failed = pub.stats().failed;
    pub.publish("x/y", "after stop", 1, false);  // dropped and counted, no throw
    CHECK(pub.stats().failed == failed + 1);
}

TEST_CASE("bad settings are refused with one line naming the setting") {
    LogLines log;
    auto opts = paho_options(1883, log);
    opts.port = 70000;
    CHECK_THROWS_WITH_AS(bridge::PahoPublisher{opts}, doctest::Contains("mqtt.port"), std::invalid_argument);
    opts = paho_options(1883, log);
    opts.tls.enabled = true;
    opts.tls.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_WITH_AS(bridge::PahoPublisher{opts}, doctest::Contains("mqtt.tls.ca_file"), std::invalid_argument);
    opts = paho_options(1883, log);
    opts.username.clear();
    opts.password = "secret-xyz";
    try {
        bridge::PahoPublisher pub(opts);
        FAIL("a password without a user name was accepted");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("secret-xyz") == std::string::npos);
    }
}

// MqttSink's decisions (what is sent, when, retained or not) against a fake publisher.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "bridge/mqtt/mqtt_sink.hpp"
#include "test/bridge/mqtt_test_util.hpp"

using namespace std::chrono_literals;
using test_mqtt::FakePublisher;
using test_mqtt::make_push;
using test_mqtt::t0;

namespace {

const std::string kState = "dlms2mqtt/27581522/state";
const std::string kAvailability = "dlms2mqtt/27581522/availability";
const std::string kDiagnostics = "dlms2mqtt/27581522/diagnostics";
const std::string kEnergyConfig = "homeassistant/sensor/dlms2mqtt_27581522/energy_import/config";
const std::string kVoltageConfig = "homeassistant/sensor/dlms2mqtt_27581522/voltage_l1/config";

bridge::MqttSinkOptions options(int qos = 1) {
    bridge::MqttSinkOptions o;
    o.qos = qos;
    o.push_interval = 10s;
    o.bridge_version = "test";
    return o;
}

void take(bridge::MqttSink& sink, const dlms::Push& push, std::chrono::system_clock::time_point when) {
    dlms::DecodeStats stats;
    stats.pushes = push.frame_counter;
    sink.push(bridge::Record::make(push, stats, when));
}

std::size_t index_of(const FakePublisher& pub, const std::string& topic) {
    for (std::size_t i = 0; i < pub.sent.size(); ++i)
        if (pub.sent[i].topic == topic) return i;
    return pub.sent.size();
}

}  // namespace

TEST_CASE("first push: discovery, then availability, state and diagnostics, with the right retain flags") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options(2));
    take(sink, make_push(7, 12345678), t0());

    const auto config = pub.on_topic(kEnergyConfig);
    REQUIRE(config.size() == 1);
    CHECK(config[0].retain);
    CHECK(nlohmann::json::parse(config[0].payload)["state_topic"] == kState);

    const auto availability = pub.on_topic(kAvailability);
    REQUIRE(availability.size() == 1);
    CHECK(availability[0].payload == "online");
    CHECK(availability[0].retain);

    const auto state = pub.on_topic(kState);
    REQUIRE(state.size() == 1);
    CHECK_FALSE(state[0].retain);
    CHECK(state[0].qos == 2);
    CHECK(nlohmann::json::parse(state[0].payload)["energy_import"].get<double>() == doctest::Approx(12345.678));

    const auto diagnostics = pub.on_topic(kDiagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK_FALSE(diagnostics[0].retain);
    CHECK(nlohmann::json::parse(diagnostics[0].payload)["seconds_since_last_push"].get<double>() == 0.0);

    // Home Assistant must know the entity before its first value arrives.
    CHECK(index_of(pub, kEnergyConfig) < index_of(pub, kAvailability));
    CHECK(index_of(pub, kAvailability) < index_of(pub, kState));
}

TEST_CASE("mqtt.discovery off: state and availability only, no discovery even after a reconnect") {
    FakePublisher pub;
    auto o = options();
    o.discovery = false;
    bridge::MqttSink sink(pub, o);
    take(sink, make_push(7, 12345678), t0());
    pub.fire_connected();
    CHECK(pub.on_topic(kEnergyConfig).empty());
    CHECK(pub.on_topic(kState).size() == 2);  // the push, and the republish after the reconnect
    CHECK(pub.on_topic(kAvailability).size() == 2);
}

TEST_CASE("discovery is sent again only when a push brings a reading key never seen before") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    take(sink, make_push(1, 1000), t0());
    take(sink, make_push(2, 1001), t0() + 10s);
    CHECK(pub.on_topic(kEnergyConfig).size() == 1);
    CHECK(pub.on_topic(kState).size() == 2);
    CHECK(pub.on_topic(kAvailability).size() == 1);  // still online: not repeated

    take(sink, make_push(3, 1002, true), t0() + 20s);
    CHECK(pub.on_topic(kVoltageConfig).size() == 1);
    CHECK(pub.on_topic(kEnergyConfig).size() == 2);

    take(sink, make_push(4, 1003, true), t0() + 30s);
    CHECK(pub.on_topic(kVoltageConfig).size() == 1);
}

TEST_CASE("a reconnect republishes discovery, availability and the last state") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    pub.fire_connected();  // no meter yet: only the bridge's own device and state
    CHECK(pub.count_containing("27581522") == 0);
    CHECK(pub.on_topic("dlms2mqtt/bridge/state").size() == 1);
    CHECK(pub.on_topic("homeassistant/binary_sensor/dlms2mqtt_bridge_dlms2mqtt/connection/config").size() == 1);

    take(sink, make_push(1, 1000), t0());
    take(sink, make_push(2, 2000), t0() + 10s);
    pub.sent.clear();
    pub.fire_connected();

    CHECK(pub.on_topic(kEnergyConfig).size() == 1);
    REQUIRE(pub.on_topic(kAvailability).size() == 1);
    CHECK(pub.on_topic(kAvailability)[0].payload == "online");
    const auto state = pub.on_topic(kState);
    REQUIRE(state.size() == 1);
    CHECK(nlohmann::json::parse(state[0].payload)["energy_import"].get<double>() == doctest::Approx(2.0));
}

TEST_CASE("Home Assistant's 'online' on <prefix>/status triggers discovery, other payloads do not") {
    FakePublisher pub;
    auto opts = options();
    opts.topics.discovery_prefix = "ha";
    bridge::MqttSink sink(pub, opts);
    REQUIRE(pub.handlers.contains("ha/status"));
    take(sink, make_push(1, 1000), t0());
    const std::string config = "ha/sensor/dlms2mqtt_27581522/energy_import/config";
    REQUIRE(pub.on_topic(config).size() == 1);

    pub.deliver("ha/status", "offline");
    CHECK(pub.on_topic(config).size() == 1);
    pub.deliver("ha/status", "online");
    CHECK(pub.on_topic(config).size() == 2);
}

TEST_CASE("a silent meter turns offline after 3 push intervals, once, and online again on its next push") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    CHECK(sink.offline_after() == 30s);
    take(sink, make_push(1, 1000), t0());

    sink.tick(t0() + 29s);
    CHECK(pub.on_topic(kAvailability).size() == 1);  // just the first "online"

    sink.tick(t0() + 30s);
    auto availability = pub.on_topic(kAvailability);
    REQUIRE(availability.size() == 2);
    CHECK(availability[1].payload == "offline");
    CHECK(availability[1].retain);

    sink.tick(t0() + 31s);
    sink.tick(t0() + 60s);
    CHECK(pub.on_topic(kAvailability).size() == 2);  // said once

    take(sink, make_push(2, 1001), t0() + 61s);
    availability = pub.on_topic(kAvailability);
    REQUIRE(availability.size() == 3);
    CHECK(availability[2].payload == "online");
    CHECK(pub.on_topic(kEnergyConfig).size() == 1);  // known readings: no new discovery
}

TEST_CASE("pushes faster than the push interval publish diagnostics once per interval") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    for (int i = 0; i < 10; ++i) take(sink, make_push(static_cast<std::uint32_t>(i + 1), 1000), t0() + std::chrono::seconds(i));
    CHECK(pub.on_topic(kState).size() == 10);
    const auto diagnostics = pub.on_topic(kDiagnostics);
    REQUIRE(diagnostics.size() == 1);
    take(sink, make_push(11, 1000), t0() + 10s);
    REQUIRE(pub.on_topic(kDiagnostics).size() == 2);
    CHECK(nlohmann::json::parse(pub.on_topic(kDiagnostics)[1].payload)["frame_counter"] == 11);
}

TEST_CASE("tick republishes diagnostics every push interval with the time since the last push") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    sink.tick(t0());  // no meter: nothing
    CHECK(pub.sent.empty());
    take(sink, make_push(5, 1000), t0());
    REQUIRE(pub.on_topic(kDiagnostics).size() == 1);

    sink.tick(t0() + 5s);
    CHECK(pub.on_topic(kDiagnostics).size() == 1);
    sink.tick(t0() + 10s);
    sink.tick(t0() + 15s);
    sink.tick(t0() + 20s);
    const auto diagnostics = pub.on_topic(kDiagnostics);
    REQUIRE(diagnostics.size() == 3);
    const auto last = nlohmann::json::parse(diagnostics[2].payload);
    CHECK(last["seconds_since_last_push"].get<double>() == doctest::Approx(20.0));
    CHECK(last["frame_counter"] == 5);
}

TEST_CASE("callbacks arriving after the sink is gone are ignored") {
    FakePublisher pub;
    {
        bridge::MqttSink sink(pub, options());
        take(sink, make_push(1, 1000), t0());
    }
    pub.sent.clear();
    pub.fire_connected();
    pub.deliver("homeassistant/status", "online");
    CHECK(pub.sent.empty());
}

namespace {

void fail(bridge::MqttSink& sink, dlms::ErrorCode code, const char* message, dlms::ByteView title,
          std::chrono::system_clock::time_point when, std::uint64_t errors = 1) {
    dlms::DecodeStats stats;
    stats.errors[static_cast<std::size_t>(code)] = errors;
    const dlms::Error e = dlms::make_error(code, dlms::Layer::crypto, 0, message);
    sink.take_failure({e, title, stats, when});
}

const std::array<std::uint8_t, 8> kTitle = {'K', 'A', 'M', 0x11, 0x01, 0xA4, 0xDC, 0x52};  // meter 27581522

}  // namespace

TEST_CASE("failures of a meter never decoded: diagnostics entities, offline, the error on diagnostics") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    fail(sink, dlms::ErrorCode::wrong_key, "wrong keys for this meter", kTitle, t0());

    CHECK(pub.on_topic(kState).empty());
    CHECK(pub.on_topic(kEnergyConfig).empty());  // no reading entity before a reading
    const auto error_config = pub.on_topic("homeassistant/sensor/dlms2mqtt_27581522/last_error/config");
    REQUIRE(error_config.size() == 1);
    CHECK(error_config[0].retain);
    const auto availability = pub.on_topic(kAvailability);
    REQUIRE(availability.size() == 1);
    CHECK(availability[0].payload == "offline");
    CHECK(availability[0].retain);
    const auto diagnostics = pub.on_topic(kDiagnostics);
    REQUIRE(diagnostics.size() == 1);
    const auto d = nlohmann::json::parse(diagnostics[0].payload);
    CHECK(d["last_error"] == "wrong_key");
    CHECK(d["last_error_message"] == "wrong keys for this meter");
    CHECK(d["errors"]["wrong_key"] == 1);
    CHECK(d["seconds_since_last_push"].is_null());

    // More failures within the push interval: counted, published by the next due diagnostics.
    fail(sink, dlms::ErrorCode::wrong_key, "wrong keys for this meter", kTitle, t0() + 3s, 2);
    CHECK(pub.on_topic(kDiagnostics).size() == 1);
    sink.tick(t0() + 10s);
    const auto later = pub.on_topic(kDiagnostics);
    REQUIRE(later.size() == 2);
    CHECK(nlohmann::json::parse(later[1].payload)["errors"]["wrong_key"] == 2);
    CHECK(pub.on_topic(kAvailability).size() == 1);  // discovery and availability once

    // The keys are fixed: the first push brings its readings' entities and goes online.
    take(sink, make_push(9, 1000), t0() + 20s);
    CHECK(pub.on_topic(kEnergyConfig).size() == 1);
    CHECK(pub.on_topic(kAvailability).back().payload == "online");
    CHECK(pub.on_topic(kState).size() == 1);
}

TEST_CASE("a failure that names no meter is counted on every known meter") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    take(sink, make_push(7, 1000), t0());
    fail(sink, dlms::ErrorCode::not_encrypted, "push is not encrypted", {}, t0() + 11s);
    const auto diagnostics = pub.on_topic(kDiagnostics);
    REQUIRE(diagnostics.size() == 2);
    const auto d = nlohmann::json::parse(diagnostics[1].payload);
    CHECK(d["last_error"] == "not_encrypted");
    CHECK(d["errors"]["not_encrypted"] == 1);
    CHECK(d["seconds_since_last_push"].get<double>() == doctest::Approx(11.0));
    // No meter known at all: nothing to publish it on, and nothing invented.
    FakePublisher quiet;
    bridge::MqttSink empty(quiet, options());
    fail(empty, dlms::ErrorCode::not_encrypted, "push is not encrypted", {}, t0());
    CHECK(quiet.sent.empty());
}

TEST_CASE("bridge state: sent when the line changes, and at most once per push interval when only counters move") {
    FakePublisher pub;
    bridge::MqttSink sink(pub, options());
    const std::string topic = "dlms2mqtt/bridge/state";
    dlms::DecodeStats stats;
    sink.update_line("connected", stats, t0());
    REQUIRE(pub.on_topic(topic).size() == 1);
    CHECK(pub.on_topic(topic)[0].retain);
    CHECK(nlohmann::json::parse(pub.on_topic(topic)[0].payload)["serial_link"] == "connected");
    sink.update_line("connected", stats, t0() + 1s);  // nothing new
    CHECK(pub.on_topic(topic).size() == 1);
    stats.pushes = 1;
    sink.update_line("connected", stats, t0() + 2s);  // counters moved, but within the interval
    CHECK(pub.on_topic(topic).size() == 1);
    sink.update_line("connected", stats, t0() + 10s);
    REQUIRE(pub.on_topic(topic).size() == 2);
    CHECK(nlohmann::json::parse(pub.on_topic(topic)[1].payload)["pushes"] == 1);
    sink.update_line("disconnected", stats, t0() + 11s);  // a change of state goes out at once
    REQUIRE(pub.on_topic(topic).size() == 3);
    CHECK(nlohmann::json::parse(pub.on_topic(topic)[2].payload)["serial_link"] == "disconnected");
}

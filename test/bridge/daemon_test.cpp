// `dlms2mqtt run` end to end, on a good line: the meter's pace, noise, a damaged frame, keys
// swapped or wrong, and a clean stop on SIGTERM.
#include <filesystem>
#include <random>
#include <thread>

#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"

namespace daemon_test {

TEST_CASE("pushes at the meter's pace, with noise between them, are all published and the noise counted") {
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_HEALTH_FILE", (rig.dir / "health").string()}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);

    std::mt19937 rng(20250611);
    MeterFeed meter;
    constexpr int kPushes = 4;
    std::vector<std::uint32_t> written;
    std::size_t noise_written = 0;
    for (int i = 0; i < kPushes; ++i) {
        const auto junk = noise(rng);
        noise_written += junk.size();
        write_at_wire_pace(rig.pty, junk, rng);
        write_at_wire_pace(rig.pty, meter.next_frame(), rng);
        written.push_back(meter.last_counter());
    }
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return diagnostics_for(m, written.back()).has_value(); }, kWait));
    stop_cleanly(rig, daemon);

    const auto all = rig.probe->messages();
    CHECK(count_on(all, kStateTopic) == written.size());
    CHECK(state_counters(all) == written);
    CHECK(has_prefix(all, kDiscoveryPrefix));
    CHECK(rig.probe->wait_for_topic(kAvailabilityTopic, "online", 1s));
    const auto diagnostics = diagnostics_for(all, written.back());
    REQUIRE(diagnostics);
    INFO("diagnostics: " << diagnostics->dump());
    CHECK((*diagnostics)["pushes"] == kPushes);
    CHECK((*diagnostics)["missed_pushes"] == 0);
    CHECK((*diagnostics)["garbage_bytes"].get<std::size_t>() > 0);
    CHECK((*diagnostics)["garbage_bytes"].get<std::size_t>() <= noise_written);
    CHECK(std::filesystem::exists(rig.dir / "health"));
}

TEST_CASE("a damaged frame between good ones is counted and the good ones are published") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);

    MeterFeed meter;
    std::vector<std::uint32_t> good;
    rig.pty.write(meter.next_frame());
    good.push_back(meter.last_counter());
    auto damaged = meter.next_frame();
    damaged[250] ^= 0x10;  // inside the ciphertext: header and HCS intact, FCS wrong
    rig.pty.write(damaged);
    for (int i = 0; i < 2; ++i) {
        rig.pty.write(meter.next_frame());
        good.push_back(meter.last_counter());
    }
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return diagnostics_for(m, good.back()).has_value(); }, kWait));
    stop_cleanly(rig, daemon);

    const auto all = rig.probe->messages();
    CHECK(state_counters(all) == good);
    const auto diagnostics = diagnostics_for(all, good.back());
    REQUIRE(diagnostics);
    INFO("diagnostics: " << diagnostics->dump());
    CHECK((*diagnostics)["errors"]["corrupt_frame"] == 1);
    CHECK((*diagnostics)["error_total"].get<int>() >= 1);
    CHECK((*diagnostics)["missed_pushes"] == 1);  // the damaged frame's counter never arrived
    CHECK(daemon.log().find("corrupt frame") != std::string::npos);
}

TEST_CASE("SIGTERM: offline is published retained and the daemon exits 0 at once") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for_topic(kStateTopic, std::nullopt, kWait));

    daemon.terminate_expect_exit(2s);  // it has exited at once: a service manager need not wait for it
    const auto offline = rig.probe->wait_for_topic(kStatusTopic, "offline", kWait);
    REQUIRE(offline);
    CHECK(offline->retained);

    // A client arriving later is told the bridge is gone.
    test_mqtt::MqttProbe late(rig.broker.port(), kStatusTopic);
    const auto retained = late.wait_for_topic(kStatusTopic, std::nullopt, kWait);
    REQUIRE(retained);
    CHECK(retained->payload == "offline");
    CHECK(retained->retained);
}

TEST_CASE("keys swapped in the config: the pushes are decoded, and that is said once") {
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_METER_ENCRYPTION_KEY", kAuthenticationKey},
                        {"DLMS2MQTT_METER_AUTHENTICATION_KEY", kEncryptionKey}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    MeterFeed meter;
    for (int i = 0; i < 3; ++i) rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for([](const Messages& m) { return count_on(m, kStateTopic) == 3; }, kWait));
    stop_cleanly(rig, daemon);

    CHECK(has_prefix(rig.probe->messages(), kDiscoveryPrefix));
    CHECK(state_counters(rig.probe->messages()).size() == 3);
    CHECK(count_lines_containing(daemon.log(), "swapped") == 1);
}

}  // namespace daemon_test

namespace daemon_test {

// A hung broker (TCP still accepted, nothing answered) must not hold a service manager's stop.
TEST_CASE("SIGTERM while the broker hangs: the daemon reading the serial port exits within 5 s") {
    Rig rig;
    Daemon daemon(rig);
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for_topic(kStateTopic, std::nullopt, kWait));

    rig.broker.pause();
    for (int i = 0; i < 3; ++i) rig.pty.write(meter.next_frame());
    std::this_thread::sleep_for(1s);  // read, decoded and handed to the client
    stop_with_broker_hung(rig, daemon);
}

}  // namespace daemon_test

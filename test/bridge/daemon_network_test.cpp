// `dlms2mqtt run` reading the meter through a network serial server (serial.port: tcp://...):
// the server drops the connection, goes silent while keeping it open, and comes back. Every push
// after each return is published, and none twice.
#include <thread>

#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"
#include "test/support/tcp_server.hpp"

namespace daemon_test {

TEST_CASE("network serial: a dropped and a silent connection are reconnected, every push published once") {
    Rig rig;
    testsupport::TcpServer server;
    // One-second pushes: "silent for three push intervals" is three seconds.
    Daemon daemon(rig, {{"DLMS2MQTT_SERIAL_PORT", server.url()}, {"DLMS2MQTT_METER_PUSH_INTERVAL", "1"}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    REQUIRE(server.accept(kWait));

    MeterFeed meter;
    std::vector<std::uint32_t> written;
    auto push = [&](int n) {
        for (int i = 0; i < n; ++i) {
            REQUIRE(server.write(meter.next_frame()));
            written.push_back(meter.last_counter());
        }
        REQUIRE(rig.probe->wait_for([&](const Messages& m) { return state_counters(m).size() == written.size(); }, kWait));
    };
    push(2);

    // The serial server restarts: the connection is closed under the daemon.
    server.drop();
    REQUIRE(server.accept(kWait));
    push(2);

    // A half-open stream: the connection stays up but nothing arrives.
    CHECK(server.client_closed(kWait));
    CHECK(daemon.wait_for_log("no byte for 3 s"));
    REQUIRE(server.accept(kWait));
    push(2);
    stop_cleanly(rig, daemon);

    CHECK(server.accepted() == 3);
    CHECK(state_counters(rig.probe->messages()) == written);
    CHECK(count_lines_containing(daemon.log(), "reading " + server.url()) == 3);
    CHECK(count_lines_containing(daemon.log(), "reconnecting") == 1);
}

TEST_CASE("network serial: a server that is not there yet is retried without a log line per attempt") {
    Rig rig;
    int port = 0;
    {
        testsupport::TcpServer probe_port;  // a port that was free a moment ago
        port = probe_port.port();
    }
    const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
    Daemon daemon(rig, {{"DLMS2MQTT_SERIAL_PORT", url}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    REQUIRE(daemon.wait_for_log("Connection refused"));
    // The bridge device in Home Assistant shows the line as down.
    CHECK(rig.probe->wait_for(
        [](const Messages& m) {
            const auto states = json_on(m, "dlms2mqtt/bridge/state");
            return !states.empty() && states.back().value("serial_link", "") == "disconnected";
        },
        kWait));
    std::this_thread::sleep_for(4s);  // a few attempts
    stop_cleanly(rig, daemon);
    CHECK(count_lines_containing(daemon.log(), "Connection refused") == 1);
}

}  // namespace daemon_test

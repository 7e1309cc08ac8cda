// mqtt.host as users write it: an IP address, a name from /etc/hosts, a DNS name, and a `.local`
// (mDNS) name that this machine cannot resolve, whose log line must say why and what to do. The
// DNS cases run the daemon with a loopback dnsmasq as its only name server (DnsServer: root and
// a private mount namespace); where that cannot be had they report themselves skipped.
#include <thread>

#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"
#include "test/support/dns_server.hpp"

namespace daemon_test {

namespace {

// Online on the status topic, and a push published through the broker so named.
void require_publishes(Rig& rig) {
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return state_counters(m) == std::vector{meter.last_counter()}; }, kWait));
}

}  // namespace

TEST_CASE("broker names: an IP address") {
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_MQTT_HOST", "127.0.0.1"}});
    INFO("daemon log:\n" << daemon.log());
    require_publishes(rig);
    CHECK(daemon.log().find("MQTT connected to tcp://127.0.0.1:") != std::string::npos);
    stop_cleanly(rig, daemon);
}

TEST_CASE("broker names: a name from /etc/hosts (localhost)") {
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_MQTT_HOST", "localhost"}});
    INFO("daemon log:\n" << daemon.log());
    require_publishes(rig);
    CHECK(daemon.log().find("MQTT connected to tcp://localhost:") != std::string::npos);
    stop_cleanly(rig, daemon);
}

TEST_CASE("broker names: a DNS name, answered by a loopback DNS server") {
    Rig rig;
    testsupport::DnsServer dns(rig.dir.path(), {{"broker.test", "127.0.0.1"}});
    if (!dns.unavailable().empty()) {
        MESSAGE("skipped: " << dns.unavailable());
        return;
    }
    Daemon daemon(rig, {{"DLMS2MQTT_MQTT_HOST", "broker.test"}}, {"run"}, dns.wrap());
    INFO("daemon log:\n" << daemon.log() << "\ndnsmasq log:\n" << dns.log());
    require_publishes(rig);
    CHECK(daemon.log().find("MQTT connected to tcp://broker.test:") != std::string::npos);
    // Answered by the DNS server, not found some other way.
    CHECK(dns.log().find("broker.test is 127.0.0.1") != std::string::npos);
    stop_cleanly(rig, daemon);
}

TEST_CASE("broker names: a .local name that does not resolve is logged once, with the cause and the fix") {
    Rig rig;
    // Here the DNS server knows no .local name, as a DNS server should not (mDNS answers them).
    testsupport::DnsServer dns(rig.dir.path(), {{"broker.test", "127.0.0.1"}});
    if (!dns.unavailable().empty()) {
        MESSAGE("skipped: " << dns.unavailable());
        return;
    }
    const std::string name = "dlms2mqtt-no-such-broker.local";
    Daemon daemon(rig, {{"DLMS2MQTT_MQTT_HOST", name}}, {"run"}, dns.wrap());
    INFO("daemon log:\n" << daemon.log() << "\ndnsmasq log:\n" << dns.log());
    REQUIRE(daemon.wait_for_log("does not resolve"));
    std::this_thread::sleep_for(5s);  // retried every 2 s meanwhile, and not logged again
    const std::string log = daemon.log();
    CHECK(count_lines_containing(log, "MQTT connect to tcp://" + name + ":") == 1);
    CHECK(log.find("the broker's name '" + name + "' (mqtt.host) does not resolve (Name or service not known)") != std::string::npos);
#ifdef DLMS2MQTT_STATIC
    CHECK(log.find("this dlms2mqtt is statically linked and cannot use mDNS (.local names) at all") != std::string::npos);
#else
    CHECK(log.find("mDNS, which needs the system's resolver: install avahi-daemon and libnss-mdns") != std::string::npos);
#endif
    CHECK(log.find("use the broker's IP address or add the name to /etc/hosts") != std::string::npos);
    // The daemon goes on: a broker that comes later (or a fixed name after a restart) is used.
    CHECK(daemon.process().running());
    daemon.terminate_expect_exit(kWait);
}

}  // namespace daemon_test

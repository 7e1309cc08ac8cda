// `dlms2mqtt run` against a mosquitto TLS listener with throw-away certificates: the right CA
// connects, and each way TLS goes wrong is named in a warning with its fix.
#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"
#include "test/support/tls_certs.hpp"

namespace daemon_test {

namespace {

test_mqtt::MosquittoOptions tls_broker(const std::filesystem::path& cert, const std::filesystem::path& key) {
    test_mqtt::MosquittoOptions o;
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    return o;
}

std::map<std::string, std::string> tls_settings(const Rig& rig, const std::filesystem::path& ca_file) {
    return {{"DLMS2MQTT_MQTT_HOST", "127.0.0.1"},
            {"DLMS2MQTT_MQTT_PORT", std::to_string(rig.broker.tls_port())},
            {"DLMS2MQTT_MQTT_TLS_ENABLED", "true"},
            {"DLMS2MQTT_MQTT_TLS_CA_FILE", ca_file.string()}};
}

// Waits for a warning line holding every one of `parts`.
bool wait_for_warning(const Daemon& daemon, const std::vector<std::string>& parts) {
    const auto found = [&] {
        const std::string log = daemon.log();
        std::size_t start = 0;
        while (start < log.size()) {
            std::size_t end = log.find('\n', start);
            if (end == std::string::npos) end = log.size();
            const std::string line = log.substr(start, end - start);
            bool all = line.find(" warning: ") != std::string::npos;
            for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
            if (all) return true;
            start = end + 1;
        }
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!found()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

}  // namespace

TEST_CASE("TLS: with the broker's CA in mqtt.tls.ca_file the bridge connects and publishes") {
    test_mqtt::TestCertificates certs;
    Rig rig(tls_broker(certs.server_cert(), certs.server_key()));
    Daemon daemon(rig, tls_settings(rig, certs.ca_file()));
    INFO("daemon log:\n" << daemon.log() << "\nbroker log:\n" << rig.broker.log_text());
    require_bridge_online(rig);
    MeterFeed meter;
    rig.pty.write(meter.next_frame());
    CHECK(rig.probe->wait_for_topic(kStateTopic, std::nullopt, kWait));
    stop_cleanly(rig, daemon);
    CHECK(daemon.log().find("ssl://127.0.0.1:" + std::to_string(rig.broker.tls_port())) != std::string::npos);
}

TEST_CASE("TLS: a broker certificate from another CA is named in a warning, with the fix") {
    test_mqtt::TestCertificates certs;
    Rig rig(tls_broker(certs.server_cert(), certs.server_key()));
    Daemon daemon(rig, tls_settings(rig, certs.other_ca_file()));
    INFO("daemon log:\n" << daemon.log());
    CHECK(wait_for_warning(daemon, {"server certificate not signed by the CA in mqtt.tls.ca_file",
                                    certs.other_ca_file().string()}));
    CHECK(daemon.log().find("unreachable") == std::string::npos);
    CHECK(daemon.terminate().has_value());
}

TEST_CASE("TLS: a host name the broker's certificate does not hold is named, with the names it holds") {
    test_mqtt::TestCertificates certs;
    Rig rig(tls_broker(certs.other_name_cert(), certs.other_name_key()));
    Daemon daemon(rig, tls_settings(rig, certs.ca_file()));
    INFO("daemon log:\n" << daemon.log());
    CHECK(wait_for_warning(daemon, {"host name '127.0.0.1' does not match the certificate (names: broker.example)",
                                    "set mqtt.host to one of them"}));
    CHECK(daemon.log().find("unreachable") == std::string::npos);
    CHECK(daemon.terminate().has_value());
}

TEST_CASE("TLS: a ca_file that is not PEM stops start-up with one line naming mqtt.tls.ca_file and the fix") {
    test_mqtt::TestCertificates certs;
    Rig rig(tls_broker(certs.server_cert(), certs.server_key()));
    Daemon daemon(rig, tls_settings(rig, certs.ca_der_file()));
    INFO("daemon log:\n" << daemon.log());
    const auto rc = daemon.process().wait_for(kWait);
    REQUIRE(rc.has_value());
    CHECK(*rc == 1);
    CHECK(count_lines_containing(daemon.log(), "mqtt.tls.ca_file") == 1);
    CHECK(daemon.log().find("not PEM") != std::string::npos);
    CHECK(daemon.log().find("openssl x509 -inform DER") != std::string::npos);
}

}  // namespace daemon_test

namespace daemon_test {

TEST_CASE("TLS: mqtt.port pointing at the broker's plain-text listener is named as such") {
    test_mqtt::TestCertificates certs;
    Rig rig(tls_broker(certs.server_cert(), certs.server_key()));
    auto settings = tls_settings(rig, certs.ca_file());
    settings["DLMS2MQTT_MQTT_PORT"] = std::to_string(rig.broker.port());
    Daemon daemon(rig, settings);
    INFO("daemon log:\n" << daemon.log());
    CHECK(wait_for_warning(daemon, {"TLS handshake with 127.0.0.1:" + std::to_string(rig.broker.port()) + " failed",
                                    "check that mqtt.port is the broker's TLS listener"}));
    CHECK(daemon.terminate().has_value());
}

}  // namespace daemon_test

#include "bridge/mqtt/paho_setup.hpp"

#include <fstream>
#include <stdexcept>

#include <mqtt/async_client.h>

#include "bridge/mqtt/tls_check.hpp"

namespace bridge::paho_detail {
namespace {

void require(bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument(message);
}

void require_readable(const std::string& path, const char* setting) {
    if (path.empty()) return;
    std::ifstream file(path);
    require(file.good(), std::string(setting) + ": cannot read '" + path + "'; give a readable PEM file");
}

mqtt::ssl_options make_ssl(const MqttTlsOptions& tls) {
    mqtt::ssl_options ssl;
    if (!tls.ca_file.empty()) ssl.set_trust_store(tls.ca_file);
    if (!tls.cert_file.empty()) ssl.set_key_store(tls.cert_file);
    if (!tls.key_file.empty()) ssl.set_private_key(tls.key_file);
    ssl.set_enable_server_cert_auth(!tls.insecure);
    ssl.set_verify(!tls.insecure);
    return ssl;
}

}  // namespace

void validate(const PahoOptions& o) {
    require(!o.host.empty(), "mqtt.host is empty; set the broker's host name or address");
    require(o.port > 0 && o.port < 65536,
            "mqtt.port " + std::to_string(o.port) + " is out of range; use 1..65535 (1883, 8883 for TLS)");
    require(!o.client_id.empty(), "mqtt.client_id is empty; set a stable client id");
    require(o.qos >= 0 && o.qos <= 2, "mqtt.qos " + std::to_string(o.qos) + " is invalid; use 0, 1 or 2");
    require(o.buffer_messages > 0,
            "mqtt.buffer_messages " + std::to_string(o.buffer_messages) + " is invalid; use a positive count");
    require(o.password.empty() || !o.username.empty(), "mqtt.password is set without mqtt.username; set both");
    require(o.keepalive.count() > 0, "mqtt.keepalive must be a positive number of seconds");
    if (o.tls.enabled) {
        const std::string ca_problem = tls::check_ca_file(o.tls.ca_file);  // Paho would only say "-1"
        require(ca_problem.empty(), ca_problem);
        require_readable(o.tls.cert_file, "mqtt.tls.cert_file");
        require_readable(o.tls.key_file, "mqtt.tls.key_file");
    }
}

std::string make_uri(const PahoOptions& o) {
    const bool v6 = o.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + o.host + "]" : o.host;
    return (o.tls.enabled ? "ssl://" : "tcp://") + host + ":" + std::to_string(o.port);
}

std::unique_ptr<mqtt::connect_options> make_connect_options(const PahoOptions& o) {
    auto opts = std::make_unique<mqtt::connect_options>();
    opts->set_mqtt_version(MQTTVERSION_3_1_1);
    opts->set_clean_session(true);
    opts->set_keep_alive_interval(o.keepalive);
    opts->set_connect_timeout(std::chrono::seconds(10));
    opts->set_max_inflight(100);
    // Reconnecting is done by our own thread, so the first connect is retried the same way.
    opts->set_automatic_reconnect(false);
    if (!o.username.empty()) opts->set_user_name(o.username);
    if (!o.password.empty()) opts->set_password(o.password);
    if (!o.status_topic.empty())
        opts->set_will(mqtt::will_options(o.status_topic, std::string("offline"), o.qos, true));
    if (o.tls.enabled) opts->set_ssl(make_ssl(o.tls));
    return opts;
}

std::unique_ptr<mqtt::async_client> make_client(const PahoOptions& o, const std::string& uri) {
    mqtt::create_options create(MQTTVERSION_3_1_1);
    create.set_send_while_disconnected(true, true);  // buffer from the start, before the first connect
    create.set_max_buffered_messages(o.buffer_messages);
    create.set_delete_oldest_messages(true);  // the newest state matters more than old ones
    try {
        return std::make_unique<mqtt::async_client>(uri, o.client_id, create, nullptr);
    } catch (const mqtt::exception& e) {
        throw std::invalid_argument("mqtt: cannot create a client for " + uri + ": " + e.what());
    }
}

}  // namespace bridge::paho_detail

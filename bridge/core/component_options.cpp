#include "bridge/core/component_options.hpp"

#include "bridge/config/tcp_endpoint.hpp"
#include "bridge/core/log.hpp"
#include "bridge/core/version.hpp"

namespace bridge {

SerialSettings serial_settings(const Config::Serial& serial) {
    return {serial.baud, serial.parity, serial.data_bits, serial.stop_bits};
}

ReaderOptions reader_options(const Config& config, const RunOptions& run) {
    ReaderOptions o;
    o.port = config.serial.port;
    o.serial = serial_settings(config.serial);
    o.push_interval = std::chrono::seconds(config.meter.push_interval);
    o.replay = run.replay;
    o.fast = run.fast;
    o.record = run.record;
    return o;
}

DaemonOptions daemon_options(const Config& config) {
    DaemonOptions o;
    o.queue_capacity = config.queue.capacity;
    o.push_interval = std::chrono::seconds(config.meter.push_interval);
    o.health_file = config.health.file;
    if (config.ledger.enabled) o.ledger = ledger_options(config);
    return o;
}

dlms::DecoderOptions decoder_options(const Config& config) {
    dlms::DecoderOptions o;
    o.keys = config.meter.keys();
    o.overrides = config.meter.scaling;
    return o;
}

PahoOptions paho_options(const Config& config) {
    const auto& m = config.mqtt;
    PahoOptions o;
    o.host = m.host;
    o.port = m.port;
    o.client_id = m.client_id;
    o.username = m.username;
    o.password = m.password;
    o.tls = {m.tls.enabled, m.tls.ca_file, m.tls.cert_file, m.tls.key_file, m.tls.insecure};
    o.keepalive = std::chrono::seconds(m.keepalive);
    o.qos = m.qos;
    o.buffer_messages = m.buffer_messages;
    o.status_topic = ha::bridge_status_topic({m.base_topic, m.discovery_prefix});
    o.log = log_to(LogLevel::info);
    o.warn = log_to(LogLevel::warning);
    return o;
}

MqttSinkOptions mqtt_sink_options(const Config& config) {
    MqttSinkOptions o;
    o.topics = {config.mqtt.base_topic, config.mqtt.discovery_prefix};
    o.qos = config.mqtt.qos;
    o.push_interval = std::chrono::seconds(config.meter.push_interval);
    o.bridge_version = version();
    o.discovery = config.mqtt.discovery;
    o.log = log_to(LogLevel::info);
    return o;
}

MqttOutputOptions mqtt_output_options(const OutputContext& context) {
    return {context.replay, context.stop, log_to(LogLevel::warning)};
}

UdpOptions udp_options(const Config& config) {
    UdpOptions o;
    o.address = config.udp.address;
    o.port = static_cast<std::uint16_t>(config.udp.port);  // validated 1..65535 when loaded
    o.format = config.udp.format;
    o.version = version();
    return o;
}

LedgerStageOptions ledger_options(const Config& config) {
    LedgerStageOptions o;
    o.path = config.ledger.path;
    o.write_every = std::chrono::seconds(config.ledger.write_interval);
    if (const auto& cap = config.ledger.capacity; cap.peaks > 0)
        o.capacity = CapacityOptions{cap.peaks, cap.quarter_hours ? 900 : 3600, cap.steps};
    return o;
}

HttpOptions http_options(const Config& config) {
    HttpOptions o;
    std::string error;
    if (auto at = parse_tcp_endpoint("tcp://" + config.http.listen, error)) {  // checked when loaded
        o.host = at->host;
        o.port = at->port;
    }
    o.token = config.http.token;
    if (config.ledger.enabled) o.ledger_path = config.ledger.path;
    o.version = version();
    return o;
}

CsvOptions csv_options(const Config& config) {
    CsvOptions o;
    o.directory = config.csv.directory;
    o.interval = config.csv.interval;
    o.version = version();
    return o;
}

}  // namespace bridge

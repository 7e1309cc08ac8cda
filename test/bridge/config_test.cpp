// The config loader on real files in a temporary folder: defaults, a full file, every error
// form with its line number, the environment (including *_FILE secrets), keys, scaling overrides,
// the shipped example and the permission warning.
#include "bridge/config/config.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>

#include "test/bridge/config_test_util.hpp"

using namespace config_test;

TEST_CASE("no file, an absent optional file and an empty file all give the defaults") {
    TempDir dir;
    const std::string empty = dir.write("empty.yaml", "");
    for (const auto& [path, required] : {std::pair<std::string, bool>{"", true}, {(dir / "absent.yaml").string(), false}, {empty, true}}) {
        CAPTURE(path);
        auto result = bridge::load_config(path, required, {});
        REQUIRE(std::holds_alternative<Config>(result));
        const Config& c = std::get<Config>(result);
        CHECK(c.serial.port == "/dev/ttyS0");
        CHECK(c.serial.baud == 2400);
        CHECK(c.serial.parity == Config::Serial::Parity::none);
        CHECK(c.serial.data_bits == 8);
        CHECK(c.serial.stop_bits == 1);
        CHECK_FALSE(c.meter.encryption_key.has_value());
        CHECK_FALSE(c.meter.authentication_key.has_value());
        CHECK(c.meter.push_interval == 10);
        CHECK(c.meter.scaling.by_key.empty());
        CHECK(c.mqtt.enabled);
        CHECK(c.mqtt.host == "localhost");
        CHECK(c.mqtt.port == 1883);
        CHECK(c.mqtt.client_id.starts_with("dlms2mqtt-"));
        CHECK(c.mqtt.client_id.size() > std::string("dlms2mqtt-").size());
        CHECK(c.mqtt.username.empty());
        CHECK(c.mqtt.password.empty());
        CHECK_FALSE(c.mqtt.tls.enabled);
        CHECK_FALSE(c.mqtt.tls.insecure);
        CHECK(c.mqtt.base_topic == "dlms2mqtt");
        CHECK(c.mqtt.discovery_prefix == "homeassistant");
        CHECK(c.mqtt.discovery);
        CHECK(c.mqtt.qos == 1);
        CHECK(c.mqtt.keepalive == 30);
        CHECK(c.mqtt.buffer_messages == 1000);
        CHECK_FALSE(c.udp.enabled);
        CHECK(c.udp.address == "255.255.255.255");
        CHECK(c.udp.port == 3434);
        CHECK(c.udp.format == Config::Udp::Format::json);
        CHECK_FALSE(c.csv.enabled);
        CHECK(c.csv.directory == "/var/lib/dlms2mqtt/csv");
        CHECK(c.csv.interval == Config::Csv::Interval::push);
        CHECK(c.log.level == Config::Log::Level::info);
        CHECK(c.queue.capacity == 64);
        CHECK(c.health.file.empty());
        CHECK(c.health.max_age == 60);
        CHECK(bridge::config_warnings(c).empty());
    }
}

TEST_CASE("a required file that is missing is an error naming the file") {
    TempDir dir;
    const std::string msg = load_error((dir / "absent.yaml").string());
    CHECK(msg.starts_with((dir / "absent.yaml").string() + ": cannot read it (No such file or directory); "));
}

TEST_CASE("a full file sets every setting") {
    TempDir dir;
    const std::string ca = dir.write("ca.pem", "not checked here\n");
    const std::string cert = dir.write("client.pem", "x\n");
    const std::string key = dir.write("client.key", "x\n");
    const std::string file = dir.write("config.yaml",
        "serial: {port: /dev/ttyUSB1, baud: 9600, parity: even, data_bits: 7, stop_bits: 2}\n"
        "meter:\n"
        "  encryption_key: \"" + std::string(kKeyHex) + "\"\n"
        "  authentication_key: " + kOtherKeyHex + "\n"
        "  push_interval: 5\n"
        "  scaling:\n"
        "    energy_import: {scaler: 0, unit: Wh}\n"
        "    voltage_l1: {scaler: -2}\n"
        "    1-0:31.7.0*255: {unit: A}\n"
        "mqtt:\n"
        "  enabled: no\n  host: broker.lan\n  port: 8883\n  client_id: meter-1\n"
        "  username: ha\n  password: \"p@ss: word\"\n"
        "  tls: {enabled: on, ca_file: " + ca + ", cert_file: " + cert + ", key_file: " + key + ", insecure: 1}\n"
        "  base_topic: home/meter\n  discovery_prefix: ha\n  discovery: off\n"
        "  qos: 2\n  keepalive: 60\n  buffer_messages: 50\n"
        "udp: {enabled: true, address: 192.168.1.255, port: 4000, format: legacy}\n"
        "csv: {enabled: yes, directory: /data/csv, interval: minute}\n"
        "log: {level: DEBUG}\n"
        "queue: {capacity: 8}\n"
        "health: {file: /tmp/health, max_age: 30}\n");
    const Config c = load_ok(file);
    CHECK(c.serial.port == "/dev/ttyUSB1");
    CHECK(c.serial.baud == 9600);
    CHECK(c.serial.parity == Config::Serial::Parity::even);
    CHECK(c.serial.data_bits == 7);
    CHECK(c.serial.stop_bits == 2);
    REQUIRE(c.meter.encryption_key.has_value());
    CHECK(c.meter.encryption_key->bytes() == kKeyBytes);
    REQUIRE(c.meter.authentication_key.has_value());
    CHECK(c.meter.authentication_key->bytes()[0] == 0xF0);
    CHECK(c.meter.authentication_key->bytes()[15] == 0x0F);
    CHECK(c.meter.push_interval == 5);
    const auto& by_key = c.meter.scaling.by_key;
    REQUIRE(by_key.size() == 3);
    CHECK(by_key.at("energy_import").scaler == 0);
    CHECK(by_key.at("energy_import").unit == dlms::Unit::watt_hour);
    CHECK(by_key.at("voltage_l1").scaler == -2);
    CHECK_FALSE(by_key.at("voltage_l1").unit.has_value());      // left to the profile
    CHECK_FALSE(by_key.at("1.0.31.7.0.255").scaler.has_value());  // OBIS keys are normalised
    CHECK(by_key.at("1.0.31.7.0.255").unit == dlms::Unit::ampere);
    CHECK_FALSE(c.mqtt.enabled);
    CHECK(c.mqtt.host == "broker.lan");
    CHECK(c.mqtt.port == 8883);
    CHECK(c.mqtt.client_id == "meter-1");
    CHECK(c.mqtt.username == "ha");
    CHECK(c.mqtt.password == "p@ss: word");
    CHECK(c.mqtt.tls.enabled);
    CHECK(c.mqtt.tls.ca_file == ca);
    CHECK(c.mqtt.tls.cert_file == cert);
    CHECK(c.mqtt.tls.key_file == key);
    CHECK(c.mqtt.tls.insecure);
    CHECK(c.mqtt.base_topic == "home/meter");
    CHECK(c.mqtt.discovery_prefix == "ha");
    CHECK_FALSE(c.mqtt.discovery);
    CHECK(c.mqtt.qos == 2);
    CHECK(c.mqtt.keepalive == 60);
    CHECK(c.mqtt.buffer_messages == 50);
    CHECK(c.udp.enabled);
    CHECK(c.udp.address == "192.168.1.255");
    CHECK(c.udp.port == 4000);
    CHECK(c.udp.format == Config::Udp::Format::legacy);
    CHECK(c.csv.enabled);
    CHECK(c.csv.directory == "/data/csv");
    CHECK(c.csv.interval == Config::Csv::Interval::minute);
    CHECK(c.log.level == Config::Log::Level::debug);
    CHECK(c.queue.capacity == 8);
    CHECK(c.health.file == "/tmp/health");
    CHECK(c.health.max_age == 30);
    CHECK(c.source.file == file);
    CHECK(c.source.holds_secrets);
}

TEST_CASE("an unknown key names file, line and key, and suggests the nearest known key") {
    TempDir dir;
    const std::string file = dir.write("config.yaml",
        "# comment\nserial:\n  port: /dev/ttyUSB0\n\nmqtt:\n  host: a\n  hots: b\n");
    CHECK(load_error(file) == file + ":7: mqtt.hots: unknown key; did you mean 'host'?");

    const std::string flow = dir.write("flow.yaml", "log: {level: info}\nmqtt: {hots: x}\n");
    CHECK(load_error(flow) == flow + ":2: mqtt.hots: unknown key; did you mean 'host'?");

    const std::string top = dir.write("top.yaml", "mqqt:\n  host: a\n");
    CHECK(load_error(top) == top + ":1: mqqt: unknown key; did you mean 'mqtt'?");

    const std::string tls = dir.write("tls.yaml", "mqtt:\n  tls:\n    ca_fille: /x\n");
    CHECK(load_error(tls) == tls + ":3: mqtt.tls.ca_fille: unknown key; did you mean 'ca_file'?");

    // Nothing close: the valid names are listed instead.
    const std::string far = dir.write("far.yaml", "queue:\n  zzzzzzzz: 1\n");
    CHECK(load_error(far) == far + ":2: queue.zzzzzzzz: unknown key; valid keys here are capacity");
}

TEST_CASE("a wrong type or a value out of range names the line, the value and the fix") {
    TempDir dir;
    const std::string abc = dir.write("abc.yaml", "log:\n  level: info\nmqtt:\n  port: abc\n");
    CHECK(load_error(abc) == abc + ":4: mqtt.port: 'abc' is not a port number; use 1-65535");
    const std::string big = dir.write("big.yaml", "mqtt:\n  port: 70000\n");
    CHECK(load_error(big) == big + ":2: mqtt.port: '70000' is not a port number; use 1-65535");

    struct Case {
        const char* yaml;
        const char* expected;  // after "<file>:<line>: "
    };
    const Case cases[] = {
        {"serial:\n  baud: 2401\n", "2: serial.baud: '2401' is not a supported baud rate; use 300, 600"},
        {"serial:\n  parity: mark\n", "2: serial.parity: 'mark' is not a parity; use none, even or odd"},
        {"serial:\n  data_bits: 9\n", "2: serial.data_bits: '9' is not a number of data bits; use 5-8"},
        {"serial:\n  port: tcp://meter-pi\n", "2: serial.port: 'tcp://meter-pi' has no port; use tcp://HOST:PORT"},
        {"serial:\n  port: tcp://:2000\n", "2: serial.port: 'tcp://:2000' has no host name or address; use tcp://HOST:PORT"},
        {"serial:\n  port: tcp://10.0.0.2:70000\n", "2: serial.port: 'tcp://10.0.0.2:70000' has a port that is not a number"},
        {"mqtt:\n  qos: 3\n", "2: mqtt.qos: '3' is not a QoS level; use 0-2"},
        {"mqtt:\n  discovery: maybe\n", "2: mqtt.discovery: 'maybe' is not true or false; use true or false"},
        {"mqtt:\n  base_topic: meters/#\n", "2: mqtt.base_topic: 'meters/#' is not a usable topic prefix; use"},
        {"udp:\n  format: xml\n", "2: udp.format: 'xml' is not a UDP format; use json or legacy"},
        {"udp:\n  address: broadcast.lan\n", "2: udp.address: 'broadcast.lan' is not an IPv4 address; use"},
        {"csv:\n  interval: hour\n", "2: csv.interval: 'hour' is not a CSV interval; use push or minute"},
        {"ledger:\n  capacity:\n    steps: 5, 2\n",
         "3: ledger.capacity.steps: '5, 2' is not a list of rising kW thresholds; use e.g. \"2, 5, 10, 15, 20\""},
        {"ledger:\n  write_interval: 30\n", "2: ledger.write_interval: '30' is not a number of seconds; use 60-3600"},
        {"ledger:\n  capacity:\n    period: day\n", "3: ledger.capacity.period: 'day' is not a capacity period; use hour or 15min"},
        {"http:\n  listen: 8780\n", "2: http.listen: '8780' has no port; give an address and a port, e.g. 0.0.0.0:8780"},
        {"http:\n  listen: 0.0.0.0:http\n", "2: http.listen: '0.0.0.0:http' has a port that is not a number from 1 to 65535; give"},
        {"log:\n  level: verbose\n", "2: log.level: 'verbose' is not a log level; use debug, info, warning or error"},
        {"queue:\n  capacity: 0\n", "2: queue.capacity: '0' is not a queue size; use 1-100000"},
        {"meter:\n  push_interval: 1.5\n", "2: meter.push_interval: '1.5' is not a number of seconds; use 1-86400"},
        {"meter:\n  scaling:\n    energy_import: {unit: kWh}\n",
         "3: meter.scaling.energy_import.unit: 'kWh' is not a unit; use Wh, W, V, A"},
        {"meter:\n  scaling:\n    energy_imprt: {scaler: 1}\n", "3: meter.scaling.energy_imprt: unknown quantity; use a reading key"},
        {"meter:\n  scaling:\n    voltage_l1: {scale: 1}\n", "3: meter.scaling.voltage_l1.scale: unknown key; did you mean 'scaler'?"},
        {"mqtt: localhost\n", "1: mqtt: expected a block of settings, got a single value; put its settings under it"},
        {"mqtt:\n  host: [a, b]\n", "2: mqtt.host: expected a single value, got a list; write 'host: <value>'"},
        {"mqtt:\n  host: a\n  port: 1\n  host: b\n", "4: mqtt.host: set twice (also on line 2); keep only one"},
        {"- serial\n", "1: expected sections such as 'mqtt:' holding 'key: value' lines; start from config.yaml.example"},
    };
    for (const auto& c : cases) {
        const std::string file = dir.write("case.yaml", c.yaml);
        const std::string msg = load_error(file);
        CAPTURE(msg);
        CHECK(msg.starts_with(file + ":" + c.expected));
        CHECK(std::count(msg.begin(), msg.end(), '\n') == 0);
    }
}

TEST_CASE("a YAML syntax error gives the file, the line and yaml-cpp's message") {
    TempDir dir;
    const std::string file = dir.write("config.yaml", "mqtt:\n  host: a\n port: 1\n");
    CHECK(load_error(file) == file + ":3: invalid YAML: end of map not found; "
                                     "check the indentation and quoting on this line and the one before");
}

TEST_CASE("a bad key says how many digits it got and never repeats them") {
    TempDir dir;
    const std::string thirty = std::string(kKeyHex).substr(0, 30);
    const std::string file = dir.write("config.yaml", "serial:\n  baud: 2400\nmeter:\n  encryption_key: " + thirty + "\n");
    const std::string msg = load_error(file);
    CHECK(msg == file + ":4: meter.encryption_key: must be 32 hex digits (16 bytes), got 30 digits; "
                        "copy key 64 (GPK60) from the utility's mail");
    CHECK_FALSE(contains(msg, thirty.substr(0, 8)));

    const std::string bad_char = "000102030405060708090A0B0C0D0EZZ";
    const std::string ak = dir.write("ak.yaml", "meter:\n  authentication_key: " + bad_char + "\n");
    const std::string ak_msg = load_error(ak);
    CHECK(ak_msg.starts_with(ak + ":2: meter.authentication_key: holds a character that is not a hex digit"));
    CHECK(ak_msg.ends_with("; copy key 65 (GPK61) from the utility's mail"));
    CHECK_FALSE(contains(ak_msg, bad_char.substr(0, 8)));
    CHECK_FALSE(contains(ak_msg, "ZZ"));
}

TEST_CASE("keys are accepted as people paste them") {
    const char* pasted[] = {
        "000102030405060708090A0B0C0D0E0F",
        "0x000102030405060708090a0b0c0d0e0f",
        "00 01 02 03 04 05 06 07 08 09 0a 0B 0c 0D 0e 0F",
        "00010203-04050607-08090A0B-0C0D0E0F",
        "0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0A 0x0B 0x0C 0x0D 0x0E 0x0F",
    };
    TempDir dir;
    for (const char* text : pasted) {
        CAPTURE(text);
        const std::string file = dir.write("config.yaml", std::string("meter:\n  encryption_key: \"") + text + "\"\n");
        const Config c = load_ok(file);
        REQUIRE(c.meter.encryption_key.has_value());
        CHECK(c.meter.encryption_key->bytes() == kKeyBytes);
        CHECK_FALSE(c.meter.authentication_key.has_value());
    }
}

TEST_CASE("the environment wins over the file, down to nested TLS settings") {
    TempDir dir;
    const std::string ca = dir.write("ca.pem", "x\n");
    const std::string file = dir.write("config.yaml", "mqtt:\n  host: from-file\n  port: 1884\n  tls: {enabled: false}\n");
    const Environment env = {
        {"DLMS2MQTT_MQTT_HOST", "from-env"},
        {"DLMS2MQTT_MQTT_TLS_ENABLED", "yes"},
        {"DLMS2MQTT_MQTT_TLS_CA_FILE", ca},
        {"DLMS2MQTT_UDP_ENABLED", "On"},
        {"DLMS2MQTT_SERIAL_PARITY", "odd"},
        {"DLMS2MQTT_METER_ENCRYPTION_KEY", "0x" + std::string(kKeyHex)},
        {"DLMS2MQTT_METER_SCALING_VOLTAGE_L1_SCALER", "-1"},
        {"DLMS2MQTT_METER_SCALING_ENERGY_IMPORT_UNIT", "Wh"},
        {"DLMS2MQTT_CONFIG", "/somewhere/else.yaml"},  // the command line's business
        {"PATH", "/usr/bin"},                          // not ours
    };
    const Config c = load_ok(file, env);
    CHECK(c.mqtt.host == "from-env");
    CHECK(c.mqtt.port == 1884);  // the file's value where the environment says nothing
    CHECK(c.mqtt.tls.enabled);
    CHECK(c.mqtt.tls.ca_file == ca);
    CHECK(c.udp.enabled);
    CHECK(c.serial.parity == Config::Serial::Parity::odd);
    REQUIRE(c.meter.encryption_key.has_value());
    CHECK(c.meter.encryption_key->bytes() == kKeyBytes);
    CHECK(c.meter.scaling.by_key.at("voltage_l1").scaler == -1);
    CHECK_FALSE(c.meter.scaling.by_key.at("voltage_l1").unit.has_value());
    CHECK(c.meter.scaling.by_key.at("energy_import").unit == dlms::Unit::watt_hour);
    CHECK_FALSE(c.source.holds_secrets);  // the key came from the environment, not the file
}

TEST_CASE("booleans accept true/false, yes/no, on/off and 1/0") {
    const std::pair<const char*, bool> forms[] = {{"true", true}, {"FALSE", false}, {"yes", true}, {"No", false},
                                                  {"on", true},   {"off", false},   {"1", true},   {"0", false}};
    for (const auto& [text, expected] : forms) {
        CAPTURE(text);
        const Config c = load_ok("", {{"DLMS2MQTT_MQTT_DISCOVERY", text}});
        CHECK(c.mqtt.discovery == expected);
    }
}

TEST_CASE("an environment error names the variable instead of file and line") {
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_PORT", "abc"}}) == "DLMS2MQTT_MQTT_PORT: 'abc' is not a port number; use 1-65535");
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_HOTS", "x"}}) ==
          "DLMS2MQTT_MQTT_HOTS: unknown setting; did you mean DLMS2MQTT_MQTT_HOST?");
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_TLS_CA_FILE", "/nonexistent/ca.pem"}, {"DLMS2MQTT_MQTT_TLS_ENABLED", "true"}})
              .starts_with("DLMS2MQTT_MQTT_TLS_CA_FILE: cannot read /nonexistent/ca.pem (No such file or directory)"));
    const std::string short_key = std::string(kKeyHex).substr(2);
    const std::string msg = load_error("", {{"DLMS2MQTT_METER_AUTHENTICATION_KEY", short_key}});
    CHECK(msg == "DLMS2MQTT_METER_AUTHENTICATION_KEY: must be 32 hex digits (16 bytes), got 30 digits; "
                 "copy key 65 (GPK61) from the utility's mail");
}

TEST_CASE("secrets can come from files, with the trailing newline dropped") {
    TempDir dir;
    const std::string ek = dir.write("ek", std::string(kKeyHex) + "\n");
    const std::string ak = dir.write("ak", std::string(kOtherKeyHex) + "\r\n");
    const std::string pw = dir.write("pw", "s3cret pass \n");
    const Config c = load_ok("", {{"DLMS2MQTT_METER_ENCRYPTION_KEY_FILE", ek},
                                  {"DLMS2MQTT_METER_AUTHENTICATION_KEY_FILE", ak},
                                  {"DLMS2MQTT_MQTT_PASSWORD_FILE", pw}});
    REQUIRE(c.meter.encryption_key.has_value());
    CHECK(c.meter.encryption_key->bytes() == kKeyBytes);
    REQUIRE(c.meter.authentication_key.has_value());
    CHECK(c.meter.authentication_key->bytes()[0] == 0xF0);
    CHECK(c.mqtt.password == "s3cret pass ");

    CHECK(load_error("", {{"DLMS2MQTT_MQTT_PASSWORD_FILE", (dir / "absent").string()}}) ==
          "DLMS2MQTT_MQTT_PASSWORD_FILE: cannot read " + (dir / "absent").string() +
              " (No such file or directory); mount the secret file there or unset DLMS2MQTT_MQTT_PASSWORD_FILE");
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_PASSWORD_FILE", pw}, {"DLMS2MQTT_MQTT_PASSWORD", "x"}}) ==
          "DLMS2MQTT_MQTT_PASSWORD_FILE: set together with DLMS2MQTT_MQTT_PASSWORD; keep only one of the two");

    const std::string bad = dir.write("bad", std::string(kKeyHex).substr(0, 30) + "\n");
    const std::string msg = load_error("", {{"DLMS2MQTT_METER_ENCRYPTION_KEY_FILE", bad}});
    CHECK(msg.starts_with("DLMS2MQTT_METER_ENCRYPTION_KEY_FILE: must be 32 hex digits (16 bytes), got 30 digits"));
    CHECK_FALSE(contains(msg, std::string(kKeyHex).substr(0, 8)));
}

TEST_CASE("the HTTP server: off by default, an address and port, a token from the file or a secret file") {
    TempDir dir;
    CHECK(load_ok("").http.listen.empty());
    CHECK(load_ok("", {{"DLMS2MQTT_HTTP_LISTEN", "[::]:8780"}}).http.listen == "[::]:8780");
    const std::string token = dir.write("token", "correct horse battery staple\n");
    chmod(token.c_str(), 0600);
    const std::string file = dir.write("config.yaml", "http:\n  listen: 127.0.0.1:8780\n  token_file: " + token + "\n");
    const Config c = load_ok(file);
    CHECK(c.http.listen == "127.0.0.1:8780");
    CHECK(c.http.token == "correct horse battery staple");
    CHECK(load_ok("", {{"DLMS2MQTT_HTTP_TOKEN_FILE", token}}).http.token == "correct horse battery staple");
    const std::string both = load_error(file, {{"DLMS2MQTT_HTTP_TOKEN", "another"}});
    CHECK(both == file + ":3: http.token_file: is set together with http.token; keep only one of the two");
    CHECK_FALSE(contains(both, "another"));
    const std::string missing = load_error("", {{"DLMS2MQTT_HTTP_TOKEN_FILE", (dir / "absent").string()}});
    CHECK(missing.starts_with("DLMS2MQTT_HTTP_TOKEN_FILE: cannot read " + (dir / "absent").string()));
}

TEST_CASE("settings that only make sense together are checked after loading") {
    TempDir dir;
    const std::string cert = dir.write("client.pem", "x\n");
    const std::string file = dir.write("config.yaml", "mqtt:\n  tls:\n    cert_file: " + cert + "\n");
    CHECK(load_error(file) == file + ":3: mqtt.tls.cert_file: is set without mqtt.tls.key_file; "
                                     "a client certificate needs both cert_file and key_file");
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_HOST", ""}}) ==
          "DLMS2MQTT_MQTT_HOST: is empty; give the broker's host name or address, or set mqtt.enabled: false");
    load_ok("", {{"DLMS2MQTT_MQTT_HOST", ""}, {"DLMS2MQTT_MQTT_ENABLED", "false"}});
}

TEST_CASE("config.yaml.example loads as shipped and holds the defaults") {
    const Config example = load_ok(DLMS2MQTT_CONFIG_EXAMPLE);
    const Config defaults = load_ok("");
    CHECK(example.serial.port == defaults.serial.port);
    CHECK(example.serial.baud == defaults.serial.baud);
    CHECK(example.mqtt.host == defaults.mqtt.host);
    CHECK(example.mqtt.client_id == defaults.mqtt.client_id);
    CHECK(example.mqtt.buffer_messages == defaults.mqtt.buffer_messages);
    CHECK(example.udp.address == defaults.udp.address);
    CHECK(example.csv.directory == defaults.csv.directory);
    CHECK(example.queue.capacity == defaults.queue.capacity);
    CHECK(example.health.max_age == defaults.health.max_age);
    CHECK_FALSE(example.meter.encryption_key.has_value());
    CHECK_FALSE(example.source.holds_secrets);
}

TEST_CASE("a file holding secrets that others can read gets a warning") {
    TempDir dir;
    const std::string text = "meter:\n  encryption_key: " + std::string(kKeyHex) + "\n";
    const std::string open_file = dir.write("open.yaml", text, 0644);
    CHECK(has_warning(load_ok(open_file), open_file + " is readable by other users and holds secrets; run chmod 600 " + open_file));

    const std::string closed = dir.write("closed.yaml", text, 0600);
    CHECK_FALSE(has_warning(load_ok(closed), "readable by other users"));

    const std::string password = dir.write("password.yaml", "mqtt:\n  password: hunter2\n", 0640);
    CHECK(has_warning(load_ok(password), "readable by other users"));

    const std::string no_secrets = dir.write("plain.yaml", "mqtt:\n  host: localhost\n", 0644);
    CHECK(bridge::config_warnings(load_ok(no_secrets)).empty());
}

TEST_CASE("other warnings: an unchecked broker certificate, a password sent in the clear") {
    const Config insecure = load_ok("", {{"DLMS2MQTT_MQTT_TLS_ENABLED", "1"}, {"DLMS2MQTT_MQTT_TLS_INSECURE", "1"}});
    CHECK(has_warning(insecure, "mqtt.tls.insecure is on"));
    const Config remote = load_ok("", {{"DLMS2MQTT_MQTT_HOST", "broker.example"}, {"DLMS2MQTT_MQTT_PASSWORD", "pw"}});
    CHECK(has_warning(remote, "mqtt.password goes unencrypted to broker.example"));
    const Config local = load_ok("", {{"DLMS2MQTT_MQTT_HOST", "127.0.0.1"}, {"DLMS2MQTT_MQTT_PASSWORD", "pw"}});
    CHECK(bridge::config_warnings(local).empty());
}

TEST_CASE("process_environment takes the DLMS2MQTT_ variables only") {
    REQUIRE(setenv("DLMS2MQTT_TEST_PROBE", "value=with=equals", 1) == 0);
    const Environment env = bridge::process_environment();
    unsetenv("DLMS2MQTT_TEST_PROBE");
    REQUIRE(env.count("DLMS2MQTT_TEST_PROBE") == 1);
    CHECK(env.at("DLMS2MQTT_TEST_PROBE") == "value=with=equals");
    CHECK(std::all_of(env.begin(), env.end(), [](const auto& kv) { return kv.first.starts_with("DLMS2MQTT_"); }));
}

// MQTT topic prefixes and the client id as a broker checks them: well-formed UTF-8, no NUL or
// other control character, no wildcard in a topic. A bad one stops start-up with a line naming
// the setting, instead of the broker silently dropping the connection later.
#include "bridge/config/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "test/support/temp_dir.hpp"

namespace {

std::string load_error(const std::string& path, const bridge::Environment& env = {}) {
    auto result = bridge::load_config(path, !path.empty(), env);
    REQUIRE_MESSAGE(std::holds_alternative<bridge::ConfigError>(result), "the config loaded, an error was expected");
    return std::get<bridge::ConfigError>(result).message;
}

bool loads(const bridge::Environment& env) { return std::holds_alternative<bridge::Config>(bridge::load_config("", false, env)); }

}  // namespace

TEST_CASE("a topic prefix or client id that is not valid UTF-8 or holds a control character is a start-up error") {
    const std::string bad_utf8[] = {"meter\xff", "caf\xc3", "\xc0\xafmeter", "\xed\xa0\x80x", "a\xf4\x90\x80\x80"};
    const std::string control[] = {std::string("a\tb"), std::string("a\x7f"), std::string("a\xc2\x85"), std::string("a\nb")};
    for (const char* variable : {"DLMS2MQTT_MQTT_BASE_TOPIC", "DLMS2MQTT_MQTT_DISCOVERY_PREFIX", "DLMS2MQTT_MQTT_CLIENT_ID"}) {
        CAPTURE(variable);
        for (const auto& value : bad_utf8) {
            const std::string msg = load_error("", {{variable, value}});
            CAPTURE(msg);
            CHECK(msg.starts_with(std::string(variable) + ": is not valid UTF-8 (at byte "));
            CHECK(msg.find(value) == std::string::npos);  // the bytes are not echoed
        }
        for (const auto& value : control) {
            const std::string msg = load_error("", {{variable, value}});
            CAPTURE(msg);
            CHECK(msg.starts_with(std::string(variable) + ": holds a control character (at byte "));
        }
    }
}

TEST_CASE("a NUL in a topic prefix or the client id, written as \\0 in the YAML file, names the file, line and setting") {
    const testsupport::TempDir dir;
    const std::string file = (dir / "config.yaml").string();
    for (const char* key : {"base_topic", "discovery_prefix", "client_id"}) {
        std::ofstream(file) << "mqtt:\n  " << key << ": \"meter\\0x\"\n";
        const std::string msg = load_error(file);
        CAPTURE(msg);
        CHECK(msg.starts_with(file + ":2: mqtt." + key + ": holds a NUL character (at byte 6); "));
    }
}

TEST_CASE("wildcards stay refused in topic prefixes; UTF-8 names and a client id with + or # are fine") {
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_BASE_TOPIC", "meters/+"}}).find("not a usable topic prefix") != std::string::npos);
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_DISCOVERY_PREFIX", "#"}}).find("not a usable topic prefix") != std::string::npos);
    CHECK(loads({{"DLMS2MQTT_MQTT_BASE_TOPIC", "målere/køkken"}, {"DLMS2MQTT_MQTT_DISCOVERY_PREFIX", "homeassistant"}}));
    CHECK(loads({{"DLMS2MQTT_MQTT_CLIENT_ID", "måler-1"}}));
    // mosquitto accepts these in a client id, and MQTT does not forbid them there.
    CHECK(loads({{"DLMS2MQTT_MQTT_CLIENT_ID", "meter+1#a"}}));
    // Longer than MQTT 3.1's 23 characters: allowed by 3.1.1 brokers such as mosquitto.
    CHECK(loads({{"DLMS2MQTT_MQTT_CLIENT_ID", "dlms2mqtt-a-rather-long-client-identifier"}}));
}

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "fixtures.hpp"
#include "ha_discovery/discovery.hpp"
#include "ha_discovery/state.hpp"

using nlohmann::json;
using namespace ha_test;

namespace {

constexpr std::string_view kVersion = "0.1.0";

// Discovery payloads by the key they announce (the topic level before "config").
std::map<std::string, json> by_key(const std::vector<ha::Message>& messages) {
    std::map<std::string, json> out;
    for (const auto& m : messages) {
        const auto end = m.topic.rfind("/config");
        const auto start = m.topic.rfind('/', end - 1) + 1;
        out[m.topic.substr(start, end - start)] = json::parse(m.payload);
    }
    return out;
}

// "{{ value_json.energy_import if ... }}" → "energy_import"
std::string template_key(const json& config) {
    const std::string t = config.at("value_template").get<std::string>();
    const std::string marker = "value_json.";
    const auto start = t.find(marker) + marker.size();
    const auto end = t.find_first_of(" }", start);
    return t.substr(start, end - start);
}

json as_golden(const std::vector<ha::Message>& messages) {
    json out = json::array();
    for (const auto& m : messages)
        out.push_back({{"topic", m.topic}, {"retain", m.retain}, {"payload", json::parse(m.payload)}});
    return out;
}

}  // namespace

TEST_CASE("Topics") {
    const ha::Topics t;
    CHECK(ha::bridge_status_topic(t) == "dlms2mqtt/status");
    CHECK(ha::state_topic(t, "27581522") == "dlms2mqtt/27581522/state");
    CHECK(ha::availability_topic(t, "27581522") == "dlms2mqtt/27581522/availability");
    CHECK(ha::diagnostics_topic(t, "27581522") == "dlms2mqtt/27581522/diagnostics");
    CHECK(ha::discovery_topic(t, "27581522", "energy_import") ==
          "homeassistant/sensor/dlms2mqtt_27581522/energy_import/config");

    const ha::Topics custom{"home/meters/", "ha"};
    CHECK(ha::bridge_status_topic(custom) == "home/meters/status");
    CHECK(ha::state_topic(custom, "m1") == "home/meters/m1/state");
    CHECK(ha::discovery_topic(custom, "m1", "power_net") == "ha/sensor/dlms2mqtt_m1/power_net/config");
}

TEST_CASE("Meter slug: the serial, safe for topics") {
    CHECK(ha::meter_slug(kamstrup_three_phase()) == "27581522");
    CHECK(ha::meter_slug(kamstrup_one_phase()) == "25964042");
    CHECK(ha::meter_slug(aidon_three_phase()) == "meter");  // no title, no meter id

    dlms::Push push;
    push.readings.push_back(text({0, 0, 96, 1, 0}, "meter_id", "LGZ 1030/16#35+98"));
    CHECK(ha::meter_slug(push) == "LGZ_1030_16_35_98");
}

TEST_CASE("One discovery message per reading present, none for absent ones") {
    const auto push = kamstrup_one_phase();
    const auto messages = ha::discovery_messages(push, ha::Topics{}, kVersion);
    const auto configs = by_key(messages);

    const std::set<std::string> expected = {
        // readings (the null placeholder for L2 current is not one)
        "meter_id", "meter_type", "power_import", "power_export", "reactive_power_import",
        "reactive_power_export", "current_l1", "voltage_l1",
        // derived
        "power_net",
        // bridge diagnostics
        "frame_counter", "pushes", "missed_pushes", "error_total", "seconds_since_last_push", "last_error"};
    std::set<std::string> announced;
    for (const auto& [key, config] : configs) announced.insert(key);
    CHECK(announced == expected);
    CHECK(messages.size() == expected.size());
    for (const auto& m : messages) CHECK(m.retain);
}

TEST_CASE("Kamstrup 3-phase: every state key has an entity and every entity a state key") {
    use_time_zone();
    const auto push = kamstrup_three_phase();
    const auto messages = ha::discovery_messages(push, ha::Topics{}, kVersion);
    CHECK(messages.size() == 32 + 1 + 6);

    const json state = ha::state_json(push);
    const json diagnostics = ha::diagnostics_json(dlms::DecodeStats{}, 1, 0.0);
    std::set<std::string> topics, unique_ids, entity_ids;
    for (const auto& m : messages) {
        const json c = json::parse(m.payload);
        topics.insert(m.topic);
        unique_ids.insert(c.at("unique_id").get<std::string>());
        entity_ids.insert(c.at("default_entity_id").get<std::string>());
        const std::string key = template_key(c);
        CAPTURE(key);
        if (c.at("state_topic") == "dlms2mqtt/27581522/state")
            CHECK(state.contains(key));
        else
            CHECK((c.at("state_topic") == "dlms2mqtt/27581522/diagnostics" && diagnostics.contains(key)));
        CHECK(c.at("unique_id") == "dlms2mqtt_27581522_" + key);
        CHECK(c.at("default_entity_id") == "sensor.dlms2mqtt_27581522_" + key);
        CHECK(m.topic == "homeassistant/sensor/dlms2mqtt_27581522/" + key + "/config");
    }
    CHECK(topics.size() == messages.size());
    CHECK(unique_ids.size() == messages.size());
    CHECK(entity_ids.size() == messages.size());

    // Every reading key in the state has its entity (the push-level fields do not).
    const auto configs = by_key(messages);
    for (const auto& [key, value] : state.items()) {
        if (key == "list_id" || key == "frame_counter" || key == "meter_time") continue;
        CAPTURE(key);
        CHECK(configs.count(key) == 1);
    }
}

TEST_CASE("Entity classes, units and names") {
    const auto configs = by_key(ha::discovery_messages(kamstrup_three_phase(), ha::Topics{}, kVersion));

    for (const char* key : {"energy_import", "energy_export", "energy_import_l1", "energy_import_l2",
                            "energy_import_l3", "energy_export_l1", "energy_export_l2", "energy_export_l3"}) {
        CAPTURE(key);
        const json& c = configs.at(key);
        CHECK(c.at("device_class") == "energy");
        CHECK(c.at("state_class") == "total_increasing");
        CHECK(c.at("unit_of_measurement") == "kWh");
    }
    CHECK(configs.at("energy_import").at("name") == "Meter reading");
    CHECK(configs.at("energy_import_l2").at("name") == "Energy import L2");

    const json& reactive = configs.at("reactive_energy_import");
    CHECK(reactive.at("device_class") == "reactive_energy");
    CHECK(reactive.at("unit_of_measurement") == "kvarh");
    CHECK(reactive.at("state_class") == "total_increasing");

    const json& power = configs.at("power_import_l1");
    CHECK(power.at("device_class") == "power");
    CHECK(power.at("state_class") == "measurement");
    CHECK(power.at("unit_of_measurement") == "W");
    CHECK(power.at("name") == "Power import L1");
    CHECK(configs.at("power_net").at("unit_of_measurement") == "W");

    CHECK(configs.at("reactive_power_export").at("unit_of_measurement") == "var");
    CHECK(configs.at("voltage_l3").at("unit_of_measurement") == "V");
    CHECK(configs.at("current_l1").at("unit_of_measurement") == "A");

    const json& pf = configs.at("power_factor");
    CHECK(pf.at("device_class") == "power_factor");
    CHECK_FALSE(pf.contains("unit_of_measurement"));

    const json& clock = configs.at("meter_clock");
    CHECK(clock.at("device_class") == "timestamp");
    CHECK_FALSE(clock.contains("state_class"));
    CHECK_FALSE(clock.contains("unit_of_measurement"));

    const json& number = configs.at("meter_number");
    CHECK(number.at("entity_category") == "diagnostic");
    CHECK_FALSE(number.contains("state_class"));
    CHECK_FALSE(number.contains("device_class"));

    const json& age = configs.at("seconds_since_last_push");
    CHECK(age.at("device_class") == "duration");
    CHECK(age.at("unit_of_measurement") == "s");
    CHECK(configs.at("missed_pushes").at("state_class") == "total_increasing");
    CHECK(configs.at("error_total").at("entity_category") == "diagnostic");
}

TEST_CASE("Value templates tolerate a key missing from a push") {
    const auto configs = by_key(ha::discovery_messages(kamstrup_three_phase(), ha::Topics{}, kVersion));
    // Numbers: an empty rendering, which Home Assistant ignores for numeric sensors.
    CHECK(configs.at("energy_import").at("value_template") ==
          "{{ value_json.energy_import if value_json.energy_import is defined else '' }}");
    // Text and timestamps: keep the entity's current state.
    CHECK(configs.at("meter_clock").at("value_template") ==
          "{{ value_json.meter_clock if value_json.meter_clock is defined else this.state }}");
    CHECK(configs.at("pushes").at("value_template") == "{{ value_json.pushes }}");
}

TEST_CASE("Availability: bridge and meter, both required") {
    const auto messages = ha::discovery_messages(kamstrup_three_phase(), ha::Topics{"dlms", "hass"}, kVersion);
    const auto configs = by_key(messages);

    const json& energy = configs.at("energy_import");
    CHECK(energy.at("availability_mode") == "all");
    const json& list = energy.at("availability");
    REQUIRE(list.size() == 2);
    CHECK(list[0].at("topic") == "dlms/status");
    CHECK(list[1].at("topic") == "dlms/27581522/availability");
    for (const auto& a : list) {
        CHECK(a.at("payload_available") == "online");
        CHECK(a.at("payload_not_available") == "offline");
    }
    CHECK(energy.at("state_topic") == "dlms/27581522/state");

    // The age of the last push must stay visible while the meter is silent.
    const json& age = configs.at("seconds_since_last_push");
    REQUIRE(age.at("availability").size() == 1);
    CHECK(age.at("availability")[0].at("topic") == "dlms/status");
    CHECK(age.at("state_topic") == "dlms/27581522/diagnostics");
}

TEST_CASE("Device and origin blocks") {
    const auto three = by_key(ha::discovery_messages(kamstrup_three_phase(), ha::Topics{}, kVersion));
    const json& device = three.at("voltage_l1").at("device");
    CHECK(device.at("identifiers") == json::array({"dlms2mqtt_27581522"}));
    CHECK(device.at("name") == "Kamstrup meter 27581522");
    CHECK(device.at("manufacturer") == "Kamstrup");
    CHECK(device.at("serial_number") == "27581522");
    CHECK(device.at("via_device") == "dlms2mqtt_bridge_dlms2mqtt");
    // The list id names the push list, not the meter: this list carries no meter type nor
    // firmware, so the device has no model and no software version rather than a wrong one.
    CHECK_FALSE(device.contains("model"));
    CHECK_FALSE(device.contains("sw_version"));
    CHECK_FALSE(device.contains("model_id"));
    const json& origin = three.at("voltage_l1").at("origin");
    CHECK(origin.at("name") == "dlms2mqtt");
    CHECK(origin.at("sw_version") == kVersion);

    const auto one = by_key(ha::discovery_messages(kamstrup_one_phase(), ha::Topics{}, kVersion));
    CHECK(one.at("power_import").at("device").at("model") == "6861111BN242101040");

    auto with_firmware = kamstrup_one_phase();
    dlms::Reading firmware;
    firmware.obis = dlms::Obis(1, 0, 0, 2, 0);
    firmware.key = "firmware_version";
    firmware.raw = std::string("1.2.3");
    with_firmware.readings.push_back(firmware);
    CHECK(by_key(ha::discovery_messages(with_firmware, ha::Topics{}, kVersion)).at("power_import").at("device").at("sw_version") == "1.2.3");

    const auto aidon = by_key(ha::discovery_messages(aidon_three_phase(), ha::Topics{}, kVersion));
    const json& anonymous = aidon.at("power_import").at("device");
    CHECK(anonymous.at("identifiers") == json::array({"dlms2mqtt_meter"}));
    CHECK(anonymous.at("name") == "DLMS meter");
    CHECK_FALSE(anonymous.contains("model"));
    CHECK_FALSE(anonymous.contains("manufacturer"));
    CHECK_FALSE(anonymous.contains("serial_number"));
}

TEST_CASE("Device name: maker and model when the meter reports its model, else maker and serial") {
    // A Kamstrup push that reports its type (meter_type): "<maker> <model>".
    const auto one = by_key(ha::discovery_messages(kamstrup_one_phase(), ha::Topics{}, kVersion));
    CHECK(one.at("power_import").at("device").at("name") == "Kamstrup 6861111BN242101040");
    // The name is all that changes: ids and entity ids stay those of the serial.
    CHECK(one.at("power_import").at("device").at("identifiers") == json::array({"dlms2mqtt_25964042"}));
    CHECK(one.at("power_import").at("unique_id") == "dlms2mqtt_25964042_power_import");
    CHECK(one.at("power_import").at("default_entity_id") == "sensor.dlms2mqtt_25964042_power_import");

    // A list without a model keeps maker, "meter" and serial; without a maker, "DLMS meter".
    CHECK(by_key(ha::discovery_messages(kamstrup_three_phase(), ha::Topics{}, kVersion)).at("power_import").at("device").at("name") ==
          "Kamstrup meter 27581522");
    CHECK(by_key(ha::discovery_messages(aidon_three_phase(), ha::Topics{}, kVersion)).at("power_import").at("device").at("name") ==
          "DLMS meter");

    auto with_model = [](std::string model) {
        auto push = kamstrup_one_phase();
        for (auto& r : push.readings)
            if (r.key == "meter_type") r.raw = std::move(model);
        return by_key(ha::discovery_messages(push, ha::Topics{}, kVersion)).at("power_import").at("device").at("name");
    };
    // A model text that already names the maker, in any case, stands alone.
    CHECK(with_model("Kamstrup OMNIPOWER") == "Kamstrup OMNIPOWER");
    CHECK(with_model("KAMSTRUP 684") == "KAMSTRUP 684");
    CHECK(with_model("Kam 1") == "Kamstrup Kam 1");
    // No maker known: the model alone.
    auto anonymous = aidon_three_phase();
    anonymous.readings.push_back(text({0, 0, 96, 1, 7}, "meter_type", "6534"));
    CHECK(by_key(ha::discovery_messages(anonymous, ha::Topics{}, kVersion)).at("power_import").at("device").at("name") == "6534");
}

TEST_CASE("Readings the table does not know get a plain entity, disabled by default") {
    dlms::Push push;
    push.system_title = {'L', 'G', 'Z', 0x67, 0x01, 0x02, 0x03, 0x04};
    push.readings.push_back(number({1, 0, 99, 1, 0}, "", 42, -1, dlms::Unit::watt_hour));
    push.readings.push_back(number({1, 0, 1, 7, 0}, "power_import", 500, 0, dlms::Unit::watt));
    const auto configs = by_key(ha::discovery_messages(push, ha::Topics{}, kVersion));

    const json& unknown = configs.at("obis_1_0_99_1_0_255");
    CHECK(unknown.at("name") == "OBIS 1.0.99.1.0.255");
    CHECK(unknown.at("unit_of_measurement") == "kWh");
    CHECK(unknown.at("enabled_by_default") == false);
    CHECK_FALSE(unknown.contains("device_class"));
    CHECK_FALSE(unknown.contains("state_class"));
    CHECK_FALSE(configs.at("power_import").contains("enabled_by_default"));
    CHECK_FALSE(configs.count("power_net"));  // no export power in this push
}

TEST_CASE("Golden: Kamstrup 3-phase discovery payloads") {
    use_time_zone();
    const json actual = as_golden(ha::discovery_messages(kamstrup_three_phase(), ha::Topics{}, kVersion));
    const std::string path = std::string(HA_DISCOVERY_GOLDEN_DIR) + "/kamstrup_discovery.json";

    if (const char* update = std::getenv("DLMS2MQTT_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path) << actual.dump(2) << "\n";
        MESSAGE("rewrote " << path);
        return;
    }
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "missing " << path << " (DLMS2MQTT_UPDATE_GOLDEN=1 writes it)");
    std::stringstream text;
    text << in.rdbuf();
    const json golden = json::parse(text.str(), nullptr, false);
    REQUIRE_MESSAGE(!golden.is_discarded(), path << " is not valid JSON");
    const json patch = json::diff(golden, actual);
    CHECK_MESSAGE(patch.empty(), "discovery differs from " << path << "; JSON patch from golden to actual:\n"
                                     << patch.dump(2)
                                     << "\nreview it, then rerun with DLMS2MQTT_UPDATE_GOLDEN=1 to accept");
}

TEST_CASE("The bridge device: connectivity from the status topic, line state and counters, linked from every meter") {
    const ha::Topics topics{"meters/house", "homeassistant"};
    const auto messages = ha::bridge_discovery_messages(topics, kVersion);
    std::map<std::string, json> by_topic;
    for (const auto& m : messages) {
        CHECK(m.retain);
        by_topic[m.topic] = json::parse(m.payload);
    }
    const std::string node = "homeassistant/sensor/dlms2mqtt_bridge_meters_house/";
    const auto& connection = by_topic.at("homeassistant/binary_sensor/dlms2mqtt_bridge_meters_house/connection/config");
    CHECK(connection.at("device_class") == "connectivity");
    CHECK(connection.at("state_topic") == "meters/house/status");
    CHECK(connection.at("payload_on") == "online");
    CHECK(connection.at("payload_off") == "offline");
    CHECK_FALSE(connection.contains("availability"));  // it is the availability
    for (const char* key : {"serial_link", "pushes", "error_total", "last_error", "ledger"}) {
        CAPTURE(key);
        const auto& c = by_topic.at(node + key + "/config");
        CHECK(c.at("state_topic") == "meters/house/bridge/state");
        CHECK(c.at("unique_id") == std::string("dlms2mqtt_bridge_meters_house_") + key);
        CHECK(c.at("entity_category") == "diagnostic");
        CHECK(c.at("device").at("identifiers") == json::array({"dlms2mqtt_bridge_meters_house"}));
        CHECK(c.at("device").at("sw_version") == kVersion);
        // Every value the template reads is in the bridge state.
        const json state = ha::bridge_state_json("connected", dlms::DecodeStats{}, {});
        CHECK(state.contains(template_key(c)));
    }
    CHECK(messages.size() == 6);

    // Each meter device names the bridge it came through.
    const auto meter = by_key(ha::discovery_messages(kamstrup_three_phase(), topics, kVersion));
    CHECK(meter.at("power_import").at("device").at("via_device") == "dlms2mqtt_bridge_meters_house");
}

#include "ha_discovery/discovery.hpp"

#include <variant>

#include <nlohmann/json.hpp>

#include "ha_discovery/sensors.hpp"
#include "ha_discovery/state.hpp"

namespace ha {
namespace {

using nlohmann::json;

// Topic levels and ids: MQTT wildcards, '/' and spaces must never come from meter data.
std::string slug(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-';
        if (!ok) c = '_';
    }
    return out;
}

std::string join(std::string_view base, std::string_view level) {
    std::string out(base);
    while (!out.empty() && out.back() == '/') out.pop_back();
    out += '/';
    out += level;
    return out;
}

// What every entity of one meter shares.
struct Context {
    std::string meter;
    json device;
    json origin;
    json meter_availability;   // bridge and meter must both be online
    json bridge_availability;  // the bridge alone: diagnostics matter most when the meter is silent
};

json availability_entry(const std::string& topic) {
    return {{"topic", topic}, {"payload_available", "online"}, {"payload_not_available", "offline"}};
}

// A text reading of the push, or "" when it has none.
std::string text_of(const dlms::Push& push, std::string_view key) {
    if (const auto* r = push.find(key)) {
        if (const auto* text = std::get_if<std::string>(&r->raw)) return *text;
    }
    return "";
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (prefix.empty() || text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(text[i]) != lower(prefix[i])) return false;
    }
    return true;
}

// The device's name, as the user sees it in Home Assistant: maker and model when the meter reports
// its model ("Kaifa MA304H3E"; a model text that already names the maker stands alone), else the
// maker and the serial that tells two meters apart. Only the name: ids never depend on it.
std::string device_name(std::string_view maker, std::string_view model, std::string_view serial) {
    if (!model.empty()) {
        if (maker.empty() || starts_with_nocase(model, maker)) return std::string(model);
        return std::string(maker) + " " + std::string(model);
    }
    std::string name = (maker.empty() ? std::string("DLMS") : std::string(maker)) + " meter";
    if (!serial.empty()) name += " " + std::string(serial);
    return name;
}

// Only what the meter says of itself: its maker (system title), its type as model, its
// firmware, its serial number. The list id names the push list, not the meter, so it is none
// of these.
json device_block(const dlms::Push& push, std::string_view serial, const std::string& meter,
                  const std::string& bridge_id) {
    const std::string maker(dlms::manufacturer_name(push.manufacturer()));
    const std::string model = text_of(push, "meter_type");

    json device = {{"identifiers", json::array({"dlms2mqtt_" + meter})},
                   {"name", device_name(maker, model, serial)},
                   {"via_device", bridge_id}};
    if (!maker.empty()) device["manufacturer"] = maker;
    if (!model.empty()) device["model"] = model;
    if (auto firmware = text_of(push, "firmware_version"); !firmware.empty()) device["sw_version"] = firmware;
    if (!serial.empty()) device["serial_number"] = std::string(serial);
    return device;
}

// Home Assistant ignores an empty rendering for a numeric sensor but would store "" or "None" for
// a text one, so a key missing from one push (a meter's lists carry different readings on the same
// state topic) renders "" for numbers and the entity's current state for text and timestamps.
bool numeric(const SensorSpec& spec) {
    if (spec.device_class == "timestamp" || spec.device_class == "date" || spec.device_class == "enum")
        return false;
    return !spec.state_class.empty() || !spec.unit.empty() || spec.precision >= 0;
}

std::string value_template(const SensorSpec& spec, std::string_view key) {
    const std::string field = "value_json." + std::string(key);
    const std::string missing = numeric(spec) ? "''" : "this.state";
    return "{{ " + field + " if " + field + " is defined else " + missing + " }}";
}

json entity_config(const SensorSpec& spec, std::string_view key, const Context& ctx) {
    const std::string id = "dlms2mqtt_" + ctx.meter + "_" + slug(key);
    json config = {
        {"name", spec.name},
        {"unique_id", id},
        // object_id is deprecated in Home Assistant 2025.10; older versions drop this key.
        {"default_entity_id", "sensor." + id},
        {"device", ctx.device},
        {"origin", ctx.origin},
        {"availability_mode", "all"},
    };
    if (!spec.device_class.empty()) config["device_class"] = spec.device_class;
    if (!spec.state_class.empty()) config["state_class"] = spec.state_class;
    if (!spec.unit.empty()) config["unit_of_measurement"] = spec.unit;
    if (spec.precision >= 0) config["suggested_display_precision"] = spec.precision;
    if (!spec.entity_category.empty()) config["entity_category"] = spec.entity_category;
    if (!spec.icon.empty()) config["icon"] = spec.icon;
    return config;
}

std::string humanise(std::string_view key) {
    std::string out(key);
    for (auto& c : out)
        if (c == '_') c = ' ';
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

// A reading the table does not know (another maker's OBIS code, an unnamed positional value):
// announced without a class, disabled until the user asks for it.
SensorSpec generic_spec(std::string_view key, const std::string& name, const dlms::Reading& reading) {
    SensorSpec spec{key, name, "", "", "", -1, "", ""};
    if (reading.is_number()) spec.unit = display_unit(reading);
    return spec;
}

std::string generic_name(std::string_view key, const dlms::Reading& reading) {
    if (reading.key.empty() && reading.obis) return "OBIS " + reading.obis->to_string();
    return humanise(key);
}

Message reading_message(const Topics& topics, const Context& ctx, const SensorSpec& spec,
                        std::string_view key, bool enabled) {
    json config = entity_config(spec, key, ctx);
    config["state_topic"] = state_topic(topics, ctx.meter);
    config["value_template"] = value_template(spec, key);
    config["availability"] = ctx.meter_availability;
    if (!enabled) config["enabled_by_default"] = false;
    return {discovery_topic(topics, ctx.meter, key), config.dump(), true};
}

Message diagnostic_message(const Topics& topics, const Context& ctx, const SensorSpec& spec) {
    json config = entity_config(spec, spec.key, ctx);
    config["state_topic"] = diagnostics_topic(topics, ctx.meter);
    // Every diagnostics message carries every key.
    config["value_template"] = "{{ value_json." + std::string(spec.key) + " }}";
    config["availability"] = ctx.bridge_availability;
    if (spec.key == "last_error") {
        // A state is at most 255 characters: the message goes along as an attribute.
        config["json_attributes_topic"] = diagnostics_topic(topics, ctx.meter);
        config["json_attributes_template"] = "{{ {'message': value_json.last_error_message} | tojson }}";
    }
    return {discovery_topic(topics, ctx.meter, spec.key), config.dump(), true};
}

}  // namespace

std::string bridge_status_topic(const Topics& topics) { return join(topics.base_topic, "status"); }

std::string state_topic(const Topics& topics, std::string_view meter) {
    return join(join(topics.base_topic, meter), "state");
}

std::string availability_topic(const Topics& topics, std::string_view meter) {
    return join(join(topics.base_topic, meter), "availability");
}

std::string diagnostics_topic(const Topics& topics, std::string_view meter) {
    return join(join(topics.base_topic, meter), "diagnostics");
}

std::string discovery_topic(const Topics& topics, std::string_view meter, std::string_view key) {
    const std::string node = "dlms2mqtt_" + slug(meter);
    return join(join(join(join(topics.discovery_prefix, "sensor"), node), slug(key)), "config");
}

std::string bridge_state_topic(const Topics& topics) { return join(join(topics.base_topic, "bridge"), "state"); }

std::string bridge_device_id(const Topics& topics) { return "dlms2mqtt_bridge_" + slug(topics.base_topic); }

std::vector<Message> bridge_discovery_messages(const Topics& topics, std::string_view bridge_version) {
    const std::string id = bridge_device_id(topics);
    const json device = {{"identifiers", json::array({id})},
                         {"name", "dlms2mqtt"},
                         {"manufacturer", "dlms2mqtt"},
                         {"model", "DLMS/COSEM push to MQTT bridge"},
                         {"sw_version", std::string(bridge_version)}};
    const json origin = {{"name", "dlms2mqtt"}, {"sw_version", std::string(bridge_version)}};
    const std::string status = bridge_status_topic(topics);
    const std::string state = bridge_state_topic(topics);
    auto config = [&](std::string_view component, std::string_view key, std::string_view name) {
        json c = {{"name", name},
                  {"unique_id", id + "_" + std::string(key)},
                  {"default_entity_id", std::string(component) + "." + id + "_" + std::string(key)},
                  {"device", device},
                  {"origin", origin},
                  {"entity_category", "diagnostic"}};
        return c;
    };
    auto topic = [&](std::string_view component, std::string_view key) {
        return join(join(join(join(topics.discovery_prefix, component), id), key), "config");
    };

    std::vector<Message> out;
    // The bridge's own status is the will and the "online" it sends: no availability of its own.
    json connectivity = config("binary_sensor", "connection", "Connection");
    connectivity["device_class"] = "connectivity";
    connectivity["state_topic"] = status;
    connectivity["payload_on"] = "online";
    connectivity["payload_off"] = "offline";
    out.push_back({topic("binary_sensor", "connection"), connectivity.dump(), true});

    struct Field {
        std::string_view key, name, state_class, icon;
    };
    static constexpr Field fields[] = {
        {"serial_link", "Serial link", "", "mdi:serial-port"},
        {"pushes", "Pushes decoded", "total_increasing", "mdi:counter"},
        {"error_total", "Decode errors", "total_increasing", "mdi:alert-circle-outline"},
        {"last_error", "Last error", "", "mdi:alert-outline"},
        {"ledger", "Ledger", "", "mdi:database-outline"},
    };
    for (const auto& f : fields) {
        json c = config("sensor", f.key, f.name);
        c["state_topic"] = state;
        c["value_template"] = "{{ value_json." + std::string(f.key) + " }}";
        c["availability"] = json::array({availability_entry(status)});
        c["icon"] = f.icon;
        if (!f.state_class.empty()) c["state_class"] = f.state_class;
        // A state is at most 255 characters: the message, which names a file and a fix, is an
        // attribute.
        if (f.key == "last_error" || f.key == "ledger") {
            c["json_attributes_topic"] = state;
            c["json_attributes_template"] =
                "{{ {'message': value_json." + std::string(f.key) + "_message} | tojson }}";
        }
        out.push_back({topic("sensor", f.key), c.dump(), true});
    }
    return out;
}

std::string meter_slug(const dlms::Push& push) { return meter_slug(std::string_view(push.meter_serial())); }

std::string meter_slug(std::string_view serial) { return serial.empty() ? std::string("meter") : slug(serial); }

std::vector<Message> discovery_messages(const dlms::Push& push, const Topics& topics,
                                        std::string_view bridge_version) {
    const KeyedReadings keyed = keyed_readings(push);
    const bool power_net = state_json(push, keyed).contains("power_net");
    return discovery_messages({push, push.meter_serial(), keyed, power_net}, topics, bridge_version);
}

std::vector<Message> discovery_messages(const Derived& push, const Topics& topics, std::string_view bridge_version) {
    Context ctx;
    ctx.meter = meter_slug(push.serial);
    ctx.device = device_block(push.push, push.serial, ctx.meter, bridge_device_id(topics));
    ctx.origin = {{"name", "dlms2mqtt"}, {"sw_version", std::string(bridge_version)}};
    const std::string bridge = bridge_status_topic(topics);
    ctx.bridge_availability = json::array({availability_entry(bridge)});
    ctx.meter_availability =
        json::array({availability_entry(bridge), availability_entry(availability_topic(topics, ctx.meter))});

    std::vector<Message> out;
    for (const auto& [key, reading] : push.keyed) {
        if (const auto* spec = find_sensor(key)) {
            out.push_back(reading_message(topics, ctx, *spec, key, true));
        } else {
            const std::string name = generic_name(key, *reading);
            out.push_back(reading_message(topics, ctx, generic_spec(key, name, *reading), key, false));
        }
    }
    if (push.power_net)
        out.push_back(reading_message(topics, ctx, *find_sensor("power_net"), "power_net", true));
    if (push.ledger_totals) {
        for (const char* key : {"energy_import_today", "energy_export_today", "energy_import_this_month",
                                "energy_export_this_month", "energy_import_last_quarter_hour", "energy_import_last_hour"})
            out.push_back(reading_message(topics, ctx, *find_sensor(key), key, true));
    }
    if (push.capacity) {
        for (const char* key : {"capacity_peaks_mean", "capacity_step"})
            out.push_back(reading_message(topics, ctx, *find_sensor(key), key, true));
    }
    for (const auto& spec : diagnostic_sensors()) out.push_back(diagnostic_message(topics, ctx, spec));
    return out;
}

}  // namespace ha

// Home Assistant MQTT discovery for one meter: topics, and one retained sensor config per entity.
//
//   <base>/status                          bridge online/offline (retained, also the MQTT will)
//   <base>/<meter>/availability            meter online/offline (silent meter → offline)
//   <base>/<meter>/state                   state_json() of each push
//   <base>/<meter>/diagnostics             diagnostics_json()
//   <prefix>/sensor/dlms2mqtt_<meter>/<key>/config   discovery_messages()
//   <base>/bridge/state                    bridge_state_json() (retained)
//   <prefix>/{sensor,binary_sensor}/dlms2mqtt_bridge_<base>/<key>/config   bridge_discovery_messages()
//
// The bridge is a device of its own (as zigbee2mqtt shows its bridge), and every meter device
// links to it with via_device.
//
// Pure functions: no MQTT client here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "decoder/push.hpp"
#include "ha_discovery/state.hpp"

namespace ha {

struct Topics {
    std::string base_topic = "dlms2mqtt";
    std::string discovery_prefix = "homeassistant";
};

struct Message {
    std::string topic;
    std::string payload;
    bool retain = false;
};

std::string bridge_status_topic(const Topics& topics);                          // <base>/status
std::string state_topic(const Topics& topics, std::string_view meter);          // <base>/<meter>/state
std::string availability_topic(const Topics& topics, std::string_view meter);   // <base>/<meter>/availability
std::string diagnostics_topic(const Topics& topics, std::string_view meter);    // <base>/<meter>/diagnostics
// <prefix>/sensor/dlms2mqtt_<meter>/<key>/config
std::string discovery_topic(const Topics& topics, std::string_view meter, std::string_view key);
std::string bridge_state_topic(const Topics& topics);                           // <base>/bridge/state
// The bridge device's identifier: "dlms2mqtt_bridge_<base topic>", so two bridges on one broker
// (two meters, two base topics) are two devices.
std::string bridge_device_id(const Topics& topics);

// The meter's name in topics and ids: Push::meter_serial(), or "meter" when that is empty, with
// every character outside [A-Za-z0-9_-] replaced by '_'.
std::string meter_slug(const dlms::Push& push);
// The same from the serial already derived.
std::string meter_slug(std::string_view serial);

// Every discovery message (retained) for the entities this push actually has (plus "power_net"
// when it has import and export power), then the bridge's diagnostics entities for the meter.
std::vector<Message> discovery_messages(const dlms::Push& push, const Topics& topics,
                                        std::string_view bridge_version);

// What the caller derived from the push already (the bridge's record of it): its serial, its keyed
// readings and whether the state carries "power_net". Discovery re-derives none of it.
struct Derived {
    const dlms::Push& push;
    std::string_view serial;
    const KeyedReadings& keyed;
    bool power_net = false;
    bool ledger_totals = false;  // the state carries the ledger's totals ("energy_import_today", ...)
    bool capacity = false;       // ... and the capacity tariff's ("capacity_peaks_mean", "capacity_step")
};
std::vector<Message> discovery_messages(const Derived& push, const Topics& topics, std::string_view bridge_version);

// The bridge device: a connectivity binary sensor on <base>/status, and the serial link state,
// pushes decoded, errors and last error from <base>/bridge/state.
std::vector<Message> bridge_discovery_messages(const Topics& topics, std::string_view bridge_version);

}  // namespace ha

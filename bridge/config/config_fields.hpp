// Internal to the config loader: the table of settings and the parsing of single values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/config/config.hpp"

namespace bridge::config_detail {

// What is wrong with one value and how to fix it; becomes "<where>: <what>; <fix>".
struct Problem {
    std::string what;
    std::string fix;
};

// Thrown inside the loader only; load_config() turns it into a ConfigError.
struct Failure {
    std::string message;
};
[[noreturn]] void fail(const std::string& where, const Problem& problem);

// One setting. `set` parses the text and stores it; a secret's problem never quotes the value.
struct Field {
    std::string_view path;  // "mqtt.tls.ca_file"
    bool secret = false;
    std::function<std::optional<Problem>(Config&, const std::string&)> set;
};

const Field* find_field(std::string_view path);
const Field* find_env_field(std::string_view variable);  // "DLMS2MQTT_MQTT_TLS_CA_FILE"
bool is_section(std::string_view path);                  // "mqtt", "mqtt.tls", "meter.scaling"
std::vector<std::string> children_of(std::string_view section);  // names of keys one level below

// "did you mean 'host'?" when a candidate is close, else the list of valid names.
std::string suggest(std::string_view name, const std::vector<std::string>& candidates);
std::string suggest_variable(std::string_view variable);

// Scaling overrides: "energy_import" or an OBIS code, normalised; nullopt when unknown.
std::optional<std::string> scaling_key(std::string_view name);
std::optional<dlms::Unit> parse_unit(std::string_view symbol);
std::string unit_fix();
Problem unknown_quantity();

std::optional<long long> parse_integer(std::string_view text);
std::string lower(std::string_view text);
// A value as it may appear in a message: quoted, one line, at most 40 characters.
std::string shown(std::string_view value);
// Overwrites a string that held a secret before it is freed.
void wipe(std::string& secret);

}  // namespace bridge::config_detail

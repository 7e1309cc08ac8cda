// The daemon's settings: a YAML file (default /etc/dlms2mqtt/config.yaml), then the environment
// (DLMS2MQTT_<SECTION>_<KEY>, which wins), then validation. A bad setting stops start-up with one
// line naming where it was set (file:line or the variable), the key, the problem and the fix.
// Meter keys are parsed once into their key types; their text is never kept nor printed.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bridge/config/choices.hpp"
#include "decoder/keys.hpp"
#include "decoder/meter_profile.hpp"

namespace bridge {

inline constexpr const char* kDefaultConfigPath = "/etc/dlms2mqtt/config.yaml";

struct Config {
    struct Serial {
        using Parity = bridge::Parity;
        std::string port = "/dev/ttyS0";
        int baud = 2400;
        Parity parity = Parity::none;
        int data_bits = 8;
        int stop_bits = 1;
    };
    struct Meter {
        std::optional<dlms::EncryptionKey> encryption_key;          // key 64, GPK60
        std::optional<dlms::AuthenticationKey> authentication_key;  // key 65, GPK61
        int push_interval = 10;  // seconds; a meter is gone after silence_limit() of silence
        dlms::ProfileOverrides scaling;

        dlms::KeyPair keys() const { return {encryption_key, authentication_key}; }
    };
    struct Mqtt {
        struct Tls {
            bool enabled = false;
            std::string ca_file, cert_file, key_file;
            bool insecure = false;  // skip the broker certificate check
        };
        bool enabled = true;
        std::string host = "localhost";
        int port = 1883;
        std::string client_id;  // after loading: never empty (default dlms2mqtt-<hostname>)
        std::string username;
        std::string password;
        Tls tls;
        std::string base_topic = "dlms2mqtt";
        std::string discovery_prefix = "homeassistant";
        bool discovery = true;
        int qos = 1;
        int keepalive = 30;                 // seconds
        int buffer_messages = 1000;         // kept while disconnected
    };
    struct Udp {
        using Format = UdpFormat;
        bool enabled = false;
        std::string address = "255.255.255.255";  // IPv4: broadcast, unicast or multicast
        int port = 3434;
        Format format = Format::json;
    };
    struct Csv {
        using Interval = CsvInterval;
        bool enabled = false;
        std::string directory = "/var/lib/dlms2mqtt/csv";
        Interval interval = Interval::push;
    };
    struct Ledger {
        bool enabled = true;
        std::string path = "/var/lib/dlms2mqtt/ledger.sqlite";
        // Seconds of the meter's clock between writes: a crash loses at most this much of the
        // power estimate (never energy: the registers carry it). Longer spares an SD card.
        int write_interval = 60;
        // Capacity tariffs: the mean of the month's `peaks` largest hours (or quarter-hours) of
        // import, each on another day, and the tariff step its thresholds give.
        struct Capacity {
            int peaks = 0;              // 3 in Norway, 1 in Belgium; 0: off
            bool quarter_hours = false;  // period: hour (false) or 15min
            std::vector<double> steps;  // kW, rising: step 1 below the first, step k+1 from the k-th
        } capacity;
    };
    // The live page, /metrics and the JSON API. Off while `listen` is empty.
    struct Http {
        std::string listen;      // "HOST:PORT" ("0.0.0.0:8780", "127.0.0.1:8780", "[::]:8780")
        std::string token;       // required on every request when set (secret)
        std::string token_file;  // the token is this file's content (for the token kept out of the file)
    };
    struct Log {
        using Level = LogLevel;
        Level level = Level::info;
    };
    struct Queue {
        std::size_t capacity = 64;
    };
    struct Health {
        std::string file;  // touched on each push (Docker HEALTHCHECK); empty = off
        int max_age = 60;  // seconds
    };
    // Where the settings came from, for config_warnings().
    struct Source {
        std::string file;            // empty when no file was read
        bool holds_secrets = false;  // the file itself sets a meter key or the MQTT password
        std::vector<std::string> secret_files;  // read for *_FILE variables (paths, not secrets)
    };

    Serial serial;
    Meter meter;
    Mqtt mqtt;
    Udp udp;
    Csv csv;
    Ledger ledger;
    Http http;
    Log log;
    Queue queue;
    Health health;
    Source source;
};

// A meter, or its line, silent this long is taken as gone (MQTT availability "offline", a
// network stream reconnected): three push intervals, one late push is not an outage.
inline constexpr int kSilentPushes = 3;
inline std::chrono::seconds silence_limit(std::chrono::seconds push_interval) { return kSilentPushes * push_interval; }

// One line: "<file>:<line>: <key>: <problem>; <fix>", or "<VARIABLE>: <problem>; <fix>".
struct ConfigError {
    std::string message;
};

// Injected so tests need not touch the process environment.
using Environment = std::map<std::string, std::string>;

// The process's DLMS2MQTT_* variables.
Environment process_environment();

// Reads `path` (defaults when `path` is empty, or when the file does not exist and `required` is
// false), applies `env` over it, then validates. Environment variables starting with DLMS2MQTT_
// must name a setting (a typo is an error), except DLMS2MQTT_CONFIG, left to the command line.
std::variant<Config, ConfigError> load_config(const std::string& path, bool required,
                                              const Environment& env);

// The settings a command (`run`, `probe`) starts with: the file given with --config (it must
// exist), else the one DLMS2MQTT_CONFIG names (it must exist), else kDefaultConfigPath when it
// exists; the process's DLMS2MQTT_* variables over the file.
std::variant<Config, ConfigError> load_command_config(const std::optional<std::string>& config_option);

// Things worth a log line that do not stop start-up, e.g. a file holding secrets (the config
// file, a *_FILE secret) that other users can read.
std::vector<std::string> config_warnings(const Config& config);

}  // namespace bridge

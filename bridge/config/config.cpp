// Loading order: file, then environment, then checks that span several settings. Each setting
// is one row of a table (path, secret or not, how to parse it), so the YAML walk, the environment
// names and the "did you mean" suggestions all come from the same list.
#include "bridge/config/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "bridge/config/config_fields.hpp"
#include "bridge/config/config_io.hpp"
#include "bridge/config/permissions.hpp"

extern char** environ;

namespace bridge {
namespace {

using namespace config_detail;

constexpr std::string_view kEnvPrefix = "DLMS2MQTT_";
constexpr std::string_view kScalingPath = "meter.scaling";

using PartialScaling = dlms::ScalingOverride;

std::string line_of(const YAML::Node& node) {
    return std::to_string(std::max(node.Mark().line + 1, 1));
}

std::string join_path(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "host";
    return buf;
}

class Loader {
public:
    explicit Loader(const Environment& env) : env_(env) {}

    void read_file(const std::string& path, bool required);
    void apply_environment();
    Config finish();

private:
    void walk(const YAML::Node& map, const std::string& prefix);
    void read_scaling(const YAML::Node& node, const std::string& where);
    void read_scaling_entry(const std::string& key, const YAML::Node& entry, const std::string& path);
    void set(const Field& field, std::string value, const std::string& where);
    bool apply_secret_file(const std::string& name, const std::string& path);
    bool apply_scaling_variable(const std::string& name, const std::string& value);
    [[noreturn]] void too_many_scaling(const std::string& where) const;
    void set_scaling(const std::string& key, std::string_view part, const std::string& value,
                     const std::string& where);
    void check_section(const YAML::Node& node, const std::string& where) const;
    void validate() const;
    std::string at(const YAML::Node& key, const std::string& path) const {
        return file_ + ":" + line_of(key) + ": " + path;
    }
    // Where a setting was last set, for checks that run after loading.
    std::string origin(std::string_view path) const {
        auto it = origin_.find(path);
        return it != origin_.end() ? it->second : std::string(path);
    }

    const Environment& env_;
    Config config_;
    std::string file_;
    std::map<std::string, std::string, std::less<>> origin_;
    std::map<std::string, PartialScaling> scaling_;
};

void Loader::read_file(const std::string& path, bool required) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (path.empty()) return;
    if (!required && !fs::exists(path, ec) && !ec) return;
    if (fs::is_directory(path, ec)) fail(path, {"is a folder", "give the path of the YAML file"});
    std::string text = read_config_text(path);  // refuses more than kMaxConfigBytes before parsing
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        wipe(text);
        fail(path + ":" + std::to_string(std::max(e.mark.line + 1, 1)),
             {"invalid YAML: " + e.msg, "check the indentation and quoting on this line and the one before"});
    }
    wipe(text);
    file_ = path;
    config_.source.file = path;
    if (root.IsNull()) return;  // an empty file: all defaults
    if (!root.IsMap()) {
        fail(path + ":" + line_of(root), {"expected sections such as 'mqtt:' holding 'key: value' lines",
                                          "start from config.yaml.example"});
    }
    walk(root, "");
}

void Loader::check_section(const YAML::Node& node, const std::string& where) const {
    if (node.IsNull() || node.IsMap()) return;
    fail(where, {std::string("expected a block of settings, got ") + (node.IsSequence() ? "a list" : "a single value"),
                 "put its settings under it as 'key: value' lines (see config.yaml.example)"});
}

void Loader::walk(const YAML::Node& map, const std::string& prefix) {
    std::map<std::string, std::string> seen;  // name -> line, to catch a key given twice
    // Range-for keeps each pair alive: yaml-cpp's it->first refers into a temporary.
    for (const auto& pair : map) {
        const YAML::Node& key = pair.first;
        const YAML::Node& value = pair.second;
        if (!key.IsScalar()) {
            fail(at(key, prefix.empty() ? "(top level)" : prefix), {"a key must be a plain name", "write 'name: value'"});
        }
        const std::string name = key.Scalar();
        const std::string path = join_path(prefix, name);
        const std::string where = at(key, path);
        if (auto [first, fresh] = seen.emplace(name, line_of(key)); !fresh) {
            fail(where, {"set twice (also on line " + first->second + ")", "keep only one"});
        }
        if (path == kScalingPath) {
            read_scaling(value, where);
        } else if (is_section(path)) {
            check_section(value, where);
            if (value.IsMap()) walk(value, path);
        } else if (const Field* field = find_field(path)) {
            if (value.IsMap() || value.IsSequence()) {
                fail(where, {std::string("expected a single value, got ") + (value.IsMap() ? "a block" : "a list"),
                             "write '" + name + ": <value>' (see config.yaml.example)"});
            }
            set(*field, value.IsNull() ? std::string() : value.Scalar(), where);
            if (field->secret && value.IsScalar() && !value.Scalar().empty()) config_.source.holds_secrets = true;
        } else {
            fail(where, {"unknown key", suggest(name, children_of(prefix))});
        }
    }
}

void Loader::set(const Field& field, std::string value, const std::string& where) {
    auto problem = field.set(config_, value);
    if (field.secret) wipe(value);
    if (problem) fail(where, *problem);
    origin_[std::string(field.path)] = where;
}

void Loader::read_scaling(const YAML::Node& node, const std::string& where) {
    check_section(node, where);
    if (!node.IsMap()) return;
    std::size_t entries = 0;
    for (const auto& pair : node) {
        const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
        const std::string path = join_path(std::string(kScalingPath), name);
        auto key = scaling_key(name);
        if (!key) fail(at(pair.first, path), unknown_quantity());
        const YAML::Node& entry = pair.second;
        if (!entry.IsMap()) {
            fail(at(pair.first, path), {"expected a block with scaler and/or unit",
                                       "write e.g. '" + name + ": {scaler: 0, unit: Wh}'"});
        }
        if (++entries > kMaxScalingEntries) too_many_scaling(at(pair.first, path));
        read_scaling_entry(*key, entry, path);
    }
}

void Loader::read_scaling_entry(const std::string& key, const YAML::Node& entry, const std::string& path) {
    for (const auto& pair : entry) {
        const std::string part = pair.first.IsScalar() ? pair.first.Scalar() : "";
        const std::string where = at(pair.first, join_path(path, part));
        if (part != "scaler" && part != "unit") fail(where, {"unknown key", suggest(part, {"scaler", "unit"})});
        if (!pair.second.IsNull() && !pair.second.IsScalar()) {
            fail(where, {"expected a single value", "write '" + part + ": <value>'"});
        }
        set_scaling(key, part, pair.second.IsNull() ? std::string() : pair.second.Scalar(), where);
    }
}

// A push holds a few dozen readings: thousands of overrides are a generated or corrupt file.
void Loader::too_many_scaling(const std::string& where) const {
    fail(where, {"one quantity too many: meter.scaling takes at most " + std::to_string(kMaxScalingEntries),
                 "keep only the quantities whose scaler or unit your meter gets wrong"});
}

void Loader::set_scaling(const std::string& key, std::string_view part, const std::string& value,
                         const std::string& where) {
    PartialScaling& s = scaling_[key];
    if (part == "scaler") {
        auto n = parse_integer(value);
        if (!n || *n < -9 || *n > 9) {
            fail(where, {shown(value) + " is not a scaler", "use a power of ten from -9 to 9 (value = raw x 10^scaler)"});
        }
        s.scaler = static_cast<std::int8_t>(*n);
    } else {
        auto unit = parse_unit(value);
        if (!unit) fail(where, {shown(value) + " is not a unit", unit_fix()});
        s.unit = *unit;
    }
}

void Loader::apply_environment() {
    for (const auto& [name, value] : env_) {
        if (!name.starts_with(kEnvPrefix) || name == "DLMS2MQTT_CONFIG") continue;
        if (const Field* field = find_env_field(name)) {
            set(*field, value, name);
        } else if (!apply_secret_file(name, value) && !apply_scaling_variable(name, value)) {
            fail(name, {"unknown setting", suggest_variable(name)});
        }
    }
}

// DLMS2MQTT_METER_ENCRYPTION_KEY_FILE and the like: the secret is the file's content.
bool Loader::apply_secret_file(const std::string& name, const std::string& path) {
    if (!name.ends_with("_FILE")) return false;
    const std::string base = name.substr(0, name.size() - 5);
    const Field* field = find_env_field(base);
    if (!field || !field->secret) return false;
    if (env_.count(base)) fail(name, {"set together with " + base, "keep only one of the two"});
    set(*field, read_secret_file(name, path), name);
    config_.source.secret_files.push_back(path);
    return true;
}

// DLMS2MQTT_METER_SCALING_<QUANTITY>_SCALER / _UNIT.
bool Loader::apply_scaling_variable(const std::string& name, const std::string& value) {
    const std::string prefix = "DLMS2MQTT_METER_SCALING_";
    if (!name.starts_with(prefix)) return false;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    std::string_view part;
    if (rest.ends_with("_SCALER")) part = "scaler";
    else if (rest.ends_with("_UNIT")) part = "unit";
    else return false;
    rest.remove_suffix(part.size() + 1);
    auto key = scaling_key(lower(rest));
    if (!key) fail(name, unknown_quantity());
    if (scaling_.size() >= kMaxScalingEntries && !scaling_.count(*key)) too_many_scaling(name);
    set_scaling(*key, part, value, name);
    return true;
}

void Loader::validate() const {
    const Config& c = config_;
    if (c.serial.port.empty()) fail(origin("serial.port"), {"is empty", "give the serial device, e.g. /dev/ttyUSB0"});
    if (c.mqtt.enabled && c.mqtt.host.empty()) {
        fail(origin("mqtt.host"), {"is empty", "give the broker's host name or address, or set mqtt.enabled: false"});
    }
    if (c.csv.enabled && c.csv.directory.empty()) {
        fail(origin("csv.directory"), {"is empty", "give the folder for the CSV files, e.g. /var/lib/dlms2mqtt/csv"});
    }
    const auto& tls = c.mqtt.tls;
    if (tls.cert_file.empty() != tls.key_file.empty()) {
        const bool has_cert = !tls.cert_file.empty();
        fail(origin(has_cert ? "mqtt.tls.cert_file" : "mqtt.tls.key_file"),
             {std::string("is set without mqtt.tls.") + (has_cert ? "key_file" : "cert_file"),
              "a client certificate needs both cert_file and key_file"});
    }
    if (!c.mqtt.enabled || !tls.enabled) return;
    const std::pair<std::string_view, const std::string*> files[] = {
        {"mqtt.tls.ca_file", &tls.ca_file}, {"mqtt.tls.cert_file", &tls.cert_file}, {"mqtt.tls.key_file", &tls.key_file}};
    for (const auto& [path, file] : files) {
        if (!file->empty() && access(file->c_str(), R_OK) != 0) {
            fail(origin(path), {"cannot read " + *file + " (" + std::strerror(errno) + ")",
                                "fix the path or the file's permissions"});
        }
    }
}

Config Loader::finish() {
    // A part left out stays the profile's: {scaler: -2} alone keeps the quantity's unit.
    for (const auto& [key, partial] : scaling_) config_.meter.scaling.by_key[key] = partial;
    validate();
    if (!config_.http.token_file.empty()) {
        if (!config_.http.token.empty())
            fail(origin("http.token_file"), {"is set together with http.token", "keep only one of the two"});
        config_.http.token = read_secret_file(origin("http.token_file"), config_.http.token_file);
        config_.source.secret_files.push_back(config_.http.token_file);
    }
    if (config_.mqtt.client_id.empty()) config_.mqtt.client_id = "dlms2mqtt-" + host_name();
    return std::move(config_);
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host.starts_with("127.") || host == "::1";
}

}  // namespace

Environment process_environment() {
    Environment env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        if (!entry.starts_with(kEnvPrefix)) continue;
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return env;
}

std::variant<Config, ConfigError> load_config(const std::string& path, bool required, const Environment& env) {
    try {
        Loader loader(env);
        loader.read_file(path, required);
        loader.apply_environment();
        return loader.finish();
    } catch (const Failure& f) {
        return ConfigError{f.message};
    } catch (const YAML::Exception& e) {
        // yaml-cpp's messages name the problem, never the value.
        return ConfigError{(path.empty() ? std::string("config") : path) + ": " + e.msg +
                           "; compare the file with config.yaml.example"};
    }
}

std::vector<std::string> config_warnings(const Config& config) {
    std::vector<std::string> out;
    struct stat st {};
    const std::string& file = config.source.file;
    if (!file.empty() && config.source.holds_secrets && stat(file.c_str(), &st) == 0 &&
        config_readable_by_others(st.st_mode, st.st_uid, st.st_gid, geteuid(), getegid())) {
        std::string w = file + " is readable by other users and holds secrets; run chmod 600 " + file;
        if (geteuid() != 0) w += ", or " + config_share_command(file, current_identity().group);
        out.push_back(w);
    }
    for (const auto& secret : config.source.secret_files) {
        if (auto w = readable_by_others(secret, "a secret")) out.push_back(std::move(*w));
    }
    const auto& mqtt = config.mqtt;
    if (mqtt.enabled && mqtt.tls.enabled && mqtt.tls.insecure) {
        out.push_back("mqtt.tls.insecure is on: the broker's certificate is not checked; "
                      "set it to false and give mqtt.tls.ca_file");
    }
    if (mqtt.enabled && !mqtt.tls.enabled && !mqtt.password.empty() && !is_loopback(mqtt.host)) {
        out.push_back("mqtt.password goes unencrypted to " + mqtt.host + "; set mqtt.tls.enabled: true");
    }
    return out;
}

std::variant<Config, ConfigError> load_command_config(const std::optional<std::string>& config_option) {
    const Environment env = process_environment();
    if (config_option) return load_config(*config_option, true, env);
    if (const auto it = env.find("DLMS2MQTT_CONFIG"); it != env.end()) return load_config(it->second, true, env);
    return load_config(kDefaultConfigPath, false, env);
}

}  // namespace bridge

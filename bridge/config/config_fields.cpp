// The table of settings: every key of the YAML file, its environment variable and its parser.
#include "bridge/config/config_fields.hpp"
#include "bridge/config/tcp_endpoint.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <utility>

namespace bridge::config_detail {
namespace {

using Check = std::optional<Problem>;
using Setter = std::function<Check(Config&, const std::string&)>;
template <typename T>
using Member = T& (*)(Config&);

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string env_name(std::string_view path) {
    std::string out = "DLMS2MQTT_" + upper(path);
    std::replace(out.begin(), out.end(), '.', '_');
    return out;
}

// "a, b or c"
std::string one_of(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
        out += names[i];
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view text) {
    const std::string l = lower(text);
    if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
    if (l == "false" || l == "no" || l == "off" || l == "0") return false;
    return std::nullopt;
}

Setter text(Member<std::string> get) {
    return [get](Config& c, const std::string& v) -> Check {
        get(c) = v;
        return {};
    };
}

Setter flag(Member<bool> get) {
    return [get](Config& c, const std::string& v) -> Check {
        auto b = parse_bool(v);
        if (!b) return Problem{shown(v) + " is not true or false", "use true or false (yes/no, on/off, 1/0 work too)"};
        get(c) = *b;
        return {};
    };
}

template <typename T>
Setter number(Member<T> get, long long lo, long long hi, std::string noun) {
    return [get, lo, hi, noun](Config& c, const std::string& v) -> Check {
        auto n = parse_integer(v);
        if (!n || *n < lo || *n > hi) {
            return Problem{shown(v) + " is not " + noun, "use " + std::to_string(lo) + "-" + std::to_string(hi)};
        }
        get(c) = static_cast<T>(*n);
        return {};
    };
}

template <typename E>
Setter choice(Member<E> get, std::vector<std::pair<std::string, E>> options, std::string noun) {
    return [get, options, noun](Config& c, const std::string& v) -> Check {
        std::vector<std::string> names;
        for (const auto& [name, value] : options) {
            if (lower(v) == name) {
                get(c) = value;
                return {};
            }
            names.push_back(name);
        }
        return Problem{shown(v) + " is not " + noun, "use " + one_of(names)};
    };
}

Check set_baud(Config& c, const std::string& v) {
    auto n = parse_integer(v);
    if (!n || std::find(kBaudRates.begin(), kBaudRates.end(), *n) == kBaudRates.end()) {
        std::vector<std::string> rates;
        for (int rate : kBaudRates) rates.push_back(std::to_string(rate));
        return Problem{shown(v) + " is not a supported baud rate", "use " + one_of(rates) + " (Kamstrup: 2400)"};
    }
    c.serial.baud = static_cast<int>(*n);
    return {};
}

Check set_serial_port(Config& c, const std::string& v) {
    if (is_network_port(v)) {
        std::string error;
        if (!parse_tcp_endpoint(v, error)) return Problem{shown(v) + " " + error, "use tcp://HOST:PORT, e.g. tcp://192.168.1.20:2000"};
    }
    c.serial.port = v;
    return {};
}

Check set_udp_address(Config& c, const std::string& v) {
    in_addr parsed{};
    if (inet_pton(AF_INET, v.c_str(), &parsed) != 1) {
        return Problem{shown(v) + " is not an IPv4 address", "use e.g. 255.255.255.255 (broadcast) or 192.168.1.10"};
    }
    c.udp.address = v;
    return {};
}

Check set_capacity_steps(Config& c, const std::string& v) {
    std::vector<double> steps;
    std::string_view rest = v;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        double kw = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), kw);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size() || !(kw > 0) ||
            (!steps.empty() && kw <= steps.back()))
            return Problem{shown(v) + " is not a list of rising kW thresholds",
                           "use e.g. \"2, 5, 10, 15, 20\" (the grid company's steps, in kW)"};
        steps.push_back(kw);
    }
    c.ledger.capacity.steps = std::move(steps);
    return {};
}

// Topics and the client id travel as MQTT UTF-8 strings, and a broker (mosquitto among them)
// drops a client whose string is not well-formed UTF-8 or holds a control character. Said at
// start-up instead of as a connection refused later. Empty when usable, else what is wrong
// (the value itself is not repeated: it may not be printable).
std::string mqtt_string_problem(std::string_view v) {
    if (v.size() > 65535) return "is longer than MQTT allows (65535 bytes)";
    std::size_t i = 0;
    while (i < v.size()) {
        const auto b = static_cast<unsigned char>(v[i]);
        const std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
        char32_t cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
        bool ok = n != 0 && i + n <= v.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            const auto cont = static_cast<unsigned char>(v[i + k]);
            ok = (cont & 0xC0) == 0x80;
            cp = (cp << 6) | (cont & 0x3F);
        }
        static constexpr char32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
        if (!ok || cp < kLeast[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return "is not valid UTF-8 (at byte " + std::to_string(i + 1) + ")";
        if (cp == 0) return "holds a NUL character (at byte " + std::to_string(i + 1) + ")";
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return "holds a control character (at byte " + std::to_string(i + 1) + ")";
        i += n;
    }
    return {};
}

Check set_client_id(Config& c, const std::string& v) {
    if (auto problem = mqtt_string_problem(v); !problem.empty())
        return Problem{problem, "use printable characters only, e.g. dlms2mqtt-kitchen (or leave it out for dlms2mqtt-<hostname>)"};
    c.mqtt.client_id = v;
    return {};
}

// MQTT topic prefixes: wildcards or stray slashes would make topics nobody can subscribe to.
Setter topic(Member<std::string> get) {
    return [get](Config& c, const std::string& v) -> Check {
        if (auto problem = mqtt_string_problem(v); !problem.empty())
            return Problem{problem, "use printable UTF-8 topic levels without '+' or '#', e.g. dlms2mqtt"};
        if (v.empty() || v.find_first_of("+#") != std::string::npos || v.front() == '/' || v.back() == '/') {
            return Problem{shown(v) + " is not a usable topic prefix",
                           "use topic levels without '+', '#' or a leading or trailing '/', e.g. dlms2mqtt"};
        }
        get(c) = v;
        return {};
    };
}

// parse_key's message says what is wrong (e.g. "got 30 digits") without repeating the key.
Problem key_problem(const std::string& parse_error, std::string_view which) {
    return {parse_error.empty() ? std::string("is not a valid key") : parse_error,
            "copy " + std::string(which) + " from the utility's mail"};
}

template <typename Key>
Setter key(Member<std::optional<Key>> get, std::string_view which) {
    return [get, which](Config& c, const std::string& v) -> Check {
        if (std::all_of(v.begin(), v.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); })) {
            get(c).reset();  // empty: no key configured
            return {};
        }
        std::string error;
        auto bytes = dlms::parse_key(v, error);
        if (!bytes) return key_problem(error, which);
        get(c) = Key(*bytes);
        volatile std::uint8_t* p = bytes->data();
        for (std::size_t i = 0; i < bytes->size(); ++i) p[i] = 0;
        return {};
    };
}

// "HOST:PORT", as tcp://HOST:PORT is read for the serial line (HOST an address or a name).
Check set_http_listen(Config& c, const std::string& v) {
    if (!v.empty()) {
        std::string error;
        if (!parse_tcp_endpoint("tcp://" + v, error))
            return Problem{shown(v) + " " + error, "give an address and a port, e.g. 0.0.0.0:8780 (every interface) or "
                                                    "127.0.0.1:8780 (this machine only)"};
    }
    c.http.listen = v;
    return {};
}

using C = Config;
using Parity = Config::Serial::Parity;
using Level = Config::Log::Level;

const std::vector<Field>& fields() {
    static const std::vector<Field> table = {
        {"serial.port", false, set_serial_port},
        {"serial.baud", false, set_baud},
        {"serial.parity", false, choice<Parity>([](C& c) -> auto& { return c.serial.parity; },
                                                {{"none", Parity::none}, {"even", Parity::even}, {"odd", Parity::odd}},
                                                "a parity")},
        {"serial.data_bits", false, number<int>([](C& c) -> auto& { return c.serial.data_bits; }, 5, 8, "a number of data bits")},
        {"serial.stop_bits", false, number<int>([](C& c) -> auto& { return c.serial.stop_bits; }, 1, 2, "a number of stop bits")},
        {"meter.encryption_key", true, key<dlms::EncryptionKey>([](C& c) -> auto& { return c.meter.encryption_key; }, "key 64 (GPK60)")},
        {"meter.authentication_key", true, key<dlms::AuthenticationKey>([](C& c) -> auto& { return c.meter.authentication_key; }, "key 65 (GPK61)")},
        {"meter.push_interval", false, number<int>([](C& c) -> auto& { return c.meter.push_interval; }, 1, 86400, "a number of seconds")},
        {"mqtt.enabled", false, flag([](C& c) -> auto& { return c.mqtt.enabled; })},
        {"mqtt.host", false, text([](C& c) -> auto& { return c.mqtt.host; })},
        {"mqtt.port", false, number<int>([](C& c) -> auto& { return c.mqtt.port; }, 1, 65535, "a port number")},
        {"mqtt.client_id", false, set_client_id},
        {"mqtt.username", false, text([](C& c) -> auto& { return c.mqtt.username; })},
        {"mqtt.password", true, text([](C& c) -> auto& { return c.mqtt.password; })},
        {"mqtt.tls.enabled", false, flag([](C& c) -> auto& { return c.mqtt.tls.enabled; })},
        {"mqtt.tls.ca_file", false, text([](C& c) -> auto& { return c.mqtt.tls.ca_file; })},
        {"mqtt.tls.cert_file", false, text([](C& c) -> auto& { return c.mqtt.tls.cert_file; })},
        {"mqtt.tls.key_file", false, text([](C& c) -> auto& { return c.mqtt.tls.key_file; })},
        {"mqtt.tls.insecure", false, flag([](C& c) -> auto& { return c.mqtt.tls.insecure; })},
        {"mqtt.base_topic", false, topic([](C& c) -> auto& { return c.mqtt.base_topic; })},
        {"mqtt.discovery_prefix", false, topic([](C& c) -> auto& { return c.mqtt.discovery_prefix; })},
        {"mqtt.discovery", false, flag([](C& c) -> auto& { return c.mqtt.discovery; })},
        {"mqtt.qos", false, number<int>([](C& c) -> auto& { return c.mqtt.qos; }, 0, 2, "a QoS level")},
        {"mqtt.keepalive", false, number<int>([](C& c) -> auto& { return c.mqtt.keepalive; }, 0, 65535, "a number of seconds")},
        {"mqtt.buffer_messages", false, number<int>([](C& c) -> auto& { return c.mqtt.buffer_messages; }, 1, 1000000, "a number of messages")},
        {"udp.enabled", false, flag([](C& c) -> auto& { return c.udp.enabled; })},
        {"udp.address", false, set_udp_address},
        {"udp.port", false, number<int>([](C& c) -> auto& { return c.udp.port; }, 1, 65535, "a port number")},
        {"udp.format", false, choice<Config::Udp::Format>([](C& c) -> auto& { return c.udp.format; },
                                                          {{"json", Config::Udp::Format::json}, {"legacy", Config::Udp::Format::legacy}},
                                                          "a UDP format")},
        {"csv.enabled", false, flag([](C& c) -> auto& { return c.csv.enabled; })},
        {"csv.directory", false, text([](C& c) -> auto& { return c.csv.directory; })},
        {"csv.interval", false, choice<Config::Csv::Interval>([](C& c) -> auto& { return c.csv.interval; },
                                                              {{"push", Config::Csv::Interval::push}, {"minute", Config::Csv::Interval::minute}},
                                                              "a CSV interval")},
        {"ledger.enabled", false, flag([](C& c) -> auto& { return c.ledger.enabled; })},
        {"ledger.path", false, text([](C& c) -> auto& { return c.ledger.path; })},
        {"ledger.write_interval", false, number<int>([](C& c) -> auto& { return c.ledger.write_interval; }, 60, 3600, "a number of seconds")},
        {"ledger.capacity.peaks", false, number<int>([](C& c) -> auto& { return c.ledger.capacity.peaks; }, 0, 31, "a number of peaks")},
        {"ledger.capacity.period", false, choice<bool>([](C& c) -> auto& { return c.ledger.capacity.quarter_hours; },
                                                       {{"hour", false}, {"15min", true}}, "a capacity period")},
        {"ledger.capacity.steps", false, set_capacity_steps},
        {"http.listen", false, set_http_listen},
        {"http.token", true, text([](C& c) -> auto& { return c.http.token; })},
        {"http.token_file", false, text([](C& c) -> auto& { return c.http.token_file; })},
        {"log.level", false, choice<Level>([](C& c) -> auto& { return c.log.level; },
                                           {{"debug", Level::debug}, {"info", Level::info}, {"warning", Level::warning}, {"error", Level::error}},
                                           "a log level")},
        {"queue.capacity", false, number<std::size_t>([](C& c) -> auto& { return c.queue.capacity; }, 1, 100000, "a queue size")},
        {"health.file", false, text([](C& c) -> auto& { return c.health.file; })},
        {"health.max_age", false, number<int>([](C& c) -> auto& { return c.health.max_age; }, 1, 86400, "a number of seconds")},
    };
    return table;
}

constexpr std::string_view kSections[] = {"serial", "meter", "meter.scaling", "mqtt", "mqtt.tls",
                                          "udp", "csv", "ledger", "ledger.capacity", "http", "log", "queue", "health"};

std::string_view parent_of(std::string_view path) {
    const auto dot = path.rfind('.');
    return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

// Optimal string alignment distance: a swapped pair of letters ("hots") counts as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::optional<std::string> nearest(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string l = lower(name);
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(2, l.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(l, lower(c));
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

}  // namespace

void fail(const std::string& where, const Problem& problem) {
    throw Failure{where + ": " + problem.what + "; " + problem.fix};
}

const Field* find_field(std::string_view path) {
    for (const auto& f : fields())
        if (f.path == path) return &f;
    return nullptr;
}

const Field* find_env_field(std::string_view variable) {
    for (const auto& f : fields())
        if (env_name(f.path) == variable) return &f;
    return nullptr;
}

bool is_section(std::string_view path) {
    return std::find(std::begin(kSections), std::end(kSections), path) != std::end(kSections);
}

std::vector<std::string> children_of(std::string_view section) {
    std::vector<std::string> out;
    auto add = [&](std::string_view path) {
        if (parent_of(path) == section) out.emplace_back(path.substr(section.empty() ? 0 : section.size() + 1));
    };
    for (auto s : kSections) add(s);
    for (const auto& f : fields()) add(f.path);
    return out;
}

std::string suggest(std::string_view name, const std::vector<std::string>& candidates) {
    if (auto best = nearest(name, candidates)) return "did you mean '" + *best + "'?";
    return "valid keys here are " + one_of(candidates);
}

std::string suggest_variable(std::string_view variable) {
    std::vector<std::string> names;
    for (const auto& f : fields()) {
        names.push_back(env_name(f.path));
        if (f.secret) names.push_back(env_name(f.path) + "_FILE");
    }
    if (auto best = nearest(variable, names)) return "did you mean " + *best + "?";
    return "settings are DLMS2MQTT_<SECTION>_<KEY>, e.g. DLMS2MQTT_MQTT_HOST (see config.yaml.example)";
}

std::optional<std::string> scaling_key(std::string_view name) {
    if (name.empty()) return std::nullopt;
    if (dlms::obis_for_key(name)) return std::string(name);
    if (auto obis = dlms::Obis::parse(name)) return obis->to_string();
    return std::nullopt;
}

namespace {
constexpr std::pair<std::string_view, dlms::Unit> kUnits[] = {
    {"Wh", dlms::Unit::watt_hour}, {"W", dlms::Unit::watt},          {"V", dlms::Unit::volt},
    {"A", dlms::Unit::ampere},     {"var", dlms::Unit::var},         {"varh", dlms::Unit::var_hour},
    {"VA", dlms::Unit::volt_ampere}, {"VAh", dlms::Unit::volt_ampere_hour}, {"Hz", dlms::Unit::hertz},
    {"", dlms::Unit::none},
};
}  // namespace

std::optional<dlms::Unit> parse_unit(std::string_view symbol) {
    for (const auto& [name, unit] : kUnits)
        if (lower(name) == lower(symbol)) return unit;
    return std::nullopt;
}

std::string unit_fix() {
    return "use Wh, W, V, A, var, varh, VA, VAh, Hz or '' (for kWh use Wh with scaler 3)";
}

Problem unknown_quantity() {
    return {"unknown quantity", "use a reading key such as energy_import or voltage_l1, or an OBIS code such as 1.0.1.8.0.255"};
}

std::optional<long long> parse_integer(std::string_view text) {
    long long n = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, n);
    if (text.empty() || ec != std::errc{} || p != end) return std::nullopt;
    return n;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string shown(std::string_view value) {
    std::string out = "'";
    for (char c : value.substr(0, 40)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    if (value.size() > 40) out += "...";
    return out + "'";
}

void wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) p[i] = 0;
    secret.clear();
}

}  // namespace bridge::config_detail

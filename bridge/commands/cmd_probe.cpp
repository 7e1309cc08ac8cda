// dlms2mqtt probe [--port PATH] [--seconds N] [--ek HEX] [--ak HEX] [--config FILE]
//
// A first look at the meter's serial line for someone setting it up. It answers in order: does
// anything arrive; at which speed and framing do valid frames arrive; are they encrypted, and by
// which meter; do the keys fit (right, swapped, wrong, none given); what does the first push say.
// When bytes arrive but form no frame, the usual other line settings (2400/9600 baud, 8N1/8E1)
// each get a share of the remaining time. The keys are used, never printed.
#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/config/config.hpp"
#include "bridge/core/component_options.hpp"
#include "bridge/core/push_json.hpp"
#include "bridge/core/serial_port.hpp"
#include "decoder/apdu.hpp"
#include "decoder/decoder.hpp"

namespace bridge {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: dlms2mqtt probe [--port PATH] [--seconds N] [--ek HEX] [--ak HEX] [--config FILE]\n"
    "\n"
    "Listens to the meter's serial port and says what is there: whether bytes arrive, at which\n"
    "speed and framing frames are valid, whether they are encrypted, whether the keys are right,\n"
    "swapped or wrong, and the values of the first push. Nothing is published.\n"
    "\n"
    "  --port PATH     serial device, or tcp://HOST:PORT for a network serial server\n"
    "                  (default: serial.port from the config, /dev/ttyS0)\n"
    "  --seconds N     listen at most N seconds (default 30; the meter pushes every 10 s)\n"
    "  --ek HEX        encryption key (key 64 / GPK60); default meter.encryption_key\n"
    "  --ak HEX        authentication key (key 65 / GPK61); default meter.authentication_key\n"
    "  --config FILE   settings (default /etc/dlms2mqtt/config.yaml when it exists); the\n"
    "                  DLMS2MQTT_* variables apply as for `run`\n"
    "\n"
    "Exit status: 0 a push decoded, 1 none did, 2 wrong usage.\n";

constexpr const char* kNoData =
    "no data: check wiring: CCC pin 5 to Pi pin 10 (RX), pin 6 to GND; ask the utility to enable "
    "push on the meter's CCC port";

struct ProbeOptions {
    std::string port;
    SerialSettings configured;
    dlms::KeyPair keys;
    int seconds = 30;
};

// What listening at one line setting saw.
struct Sighting {
    SerialSettings settings;
    std::uint64_t bytes = 0;
    std::uint64_t frames = 0;
    std::optional<dlms::Push> push;    // the first push decoded
    std::optional<dlms::Error> error;  // the last decode error
    dlms::Bytes title;                 // system title of a ciphered push
    std::uint8_t security = 0;         // its security control byte
    bool swapped = false, no_authentication_key = false;
    std::string refused;               // why the port could not be opened at this setting
    std::string closed;                // why the port closed while listening
    std::string text;                  // the start of what arrived, to recognise a DSMR telegram

    // Nothing more to learn by listening longer: a push, keys that cannot work, or no port.
    bool settled() const {
        return push || !refused.empty() || !closed.empty() ||
               (error && (error->code == dlms::ErrorCode::no_key || error->code == dlms::ErrorCode::wrong_key ||
                          error->code == dlms::ErrorCode::not_encrypted));
    }
};

// One setting's share of the time. `patience`: how long bytes may arrive without making a frame.
struct Slot {
    Clock::time_point deadline, end;  // `end`: the whole probe's, kept once frames are valid
    Clock::duration patience;
};

bool same(const SerialSettings& a, const SerialSettings& b) {
    return a.baud == b.baud && a.parity == b.parity && a.data_bits == b.data_bits && a.stop_bits == b.stop_bits;
}

// A network stream has no baud rate or parity of its own: the serial server sets them.
std::vector<SerialSettings> settings_to_try(const ProbeOptions& o) {
    const SerialSettings& configured = o.configured;
    std::vector<SerialSettings> out{configured};
    if (is_network_port(o.port)) return out;
    for (Parity parity : {Parity::none, Parity::even}) {
        for (int baud : {2400, 9600}) {
            const SerialSettings s{baud, parity, 8, 1};
            if (!same(s, configured)) out.push_back(s);
        }
    }
    return out;
}

void note_cipher(Sighting& s, dlms::ByteView apdu) {
    if (apdu.empty() || apdu[0] != dlms::kGeneralGloCiphering) return;
    if (auto g = dlms::parse_glo_ciphering(apdu)) {
        s.title.assign(g->system_title.begin(), g->system_title.end());
        s.security = g->security;
    }
}

dlms::Decoder::Handlers handlers_for(Sighting& s) {
    dlms::Decoder::Handlers h;
    h.on_push = [&s](const dlms::Push& p) {
        if (!s.push) s.push = p;
    };
    h.on_error = [&s](const dlms::Error& e, dlms::ByteView unit) {
        s.error = e;
        note_cipher(s, unit);
    };
    h.on_warning = [&s](dlms::Warning w) {
        if (w == dlms::Warning::keys_swapped) s.swapped = true;
        if (w == dlms::Warning::no_authentication_key) s.no_authentication_key = true;
    };
    return h;
}

// Reads at one setting until the slot ends, the line is understood, or bytes keep arriving
// without a frame (a wrong speed turns a push into a burst of noise).
void listen(const ProbeOptions& o, Slot slot, Sighting& s) {
    FdReader reader;
    if (auto e = reader.open_line(o.port, s.settings); !e.empty()) {
        s.refused = e;
        return;
    }
    dlms::Decoder decoder(dlms::DecoderOptions{o.keys, {}, true});
    const auto handlers = handlers_for(s);
    std::array<std::uint8_t, 512> buffer{};
    std::optional<Clock::time_point> first, last;
    while (!s.settled()) {
        const auto now = Clock::now();
        if (s.frames > 0) slot.deadline = slot.end;
        if (now >= slot.deadline) break;
        if (first && s.frames == 0 && (now - *first >= slot.patience || (s.bytes >= 32 && now - *last >= 1500ms)))
            break;
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(slot.deadline - now).count();
        const auto r = reader.read(buffer, static_cast<int>(std::clamp<long long>(wait, 1, 100)));
        if (r.kind == ReadResult::Kind::closed) {
            s.closed = o.port + ": " + (r.error.empty() ? "the device went away" : r.error);
            break;
        }
        if (r.kind != ReadResult::Kind::data) continue;
        s.bytes += r.size;
        if (s.text.size() < 2048) s.text.append(reinterpret_cast<const char*>(buffer.data()), std::min<std::size_t>(r.size, 2048 - s.text.size()));
        last = Clock::now();
        if (!first) first = last;
        decoder.feed(dlms::ByteView(buffer.data(), r.size), handlers);
        s.frames = decoder.stats().frames;
    }
    if (s.push && !s.push->system_title.empty()) {
        s.title = s.push->system_title;
        // Without an authentication key the tag went unchecked, but the push still carried one.
        const bool tagged = s.push->security == dlms::Security::authenticated_encrypted || s.no_authentication_key;
        s.security = tagged ? 0x30 : 0x20;
    }
}

// The configured setting first, with the whole time; the others only when bytes came without a
// frame, each with an even share of what is left. Stops at the first setting with valid frames.
std::vector<Sighting> probe_line(const ProbeOptions& o) {
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(o.seconds);
    const auto order = settings_to_try(o);
    std::vector<Sighting> seen;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto now = Clock::now();
        if (now >= end) break;
        Slot slot{end, end, (end - start) / static_cast<int>(order.size())};
        if (i > 0) {
            slot.deadline = now + (end - now) / static_cast<int>(order.size() - i);
            slot.patience = slot.deadline - now;
        }
        Sighting s;
        s.settings = order[i];
        listen(o, slot, s);
        seen.push_back(s);
        // Only the first setting's refusal ends the probe: some devices (a pty) take no parity.
        if (s.frames > 0 || !s.closed.empty() || (i == 0 && (s.bytes == 0 || !s.refused.empty()))) break;
        std::cout << "  " << describe(s.settings) << ": "
                  << (s.refused.empty() ? std::to_string(s.bytes) + " bytes, no valid frame" : "refused (" + s.refused + ")")
                  << (i + 1 < order.size() ? "; trying " + describe(order[i + 1]) : "") << std::endl;
    }
    return seen;
}

std::string config_lines(const SerialSettings& s) {
    return "serial.baud: " + std::to_string(s.baud) + ", serial.parity: " + std::string(to_string(s.parity)) + ", serial.data_bits: " +
           std::to_string(s.data_bits) + ", serial.stop_bits: " + std::to_string(s.stop_bits);
}

void report_no_frame(const ProbeOptions& o, const std::vector<Sighting>& seen) {
    std::uint64_t bytes = 0;
    std::string refused, tried;
    for (const auto& s : seen) {
        bytes += s.bytes;
        tried += (tried.empty() ? "" : ", ") + describe(s.settings);
        if (!s.refused.empty()) refused += (refused.empty() ? "" : ", ") + describe(s.settings);
    }
    const auto order = settings_to_try(o);
    if (is_network_port(o.port)) {
        std::cout << "bytes arrive (" << bytes << ") but no valid frame: on a network stream the serial server sets "
                     "the line (ser2net, ESP stream server): set it to 2400 8N1 for a Kamstrup CCC port\n";
        return;
    }
    if (seen.size() < order.size()) {  // the bytes came late: no time was left for the others
        std::cout << "bytes arrive (" << bytes << ") but no valid frame at " << tried << ", and no time was left to try " << describe(order[seen.size()])
                  << (seen.size() + 1 < order.size() ? " and others" : "") << ": run again with a longer --seconds\n";
        return;
    }
    const bool configured_usual = order.size() == 4;
    std::cout << "bytes arrive (" << bytes << ") but no valid frame at 2400/9600 8N1/8E1"
              << (configured_usual ? "" : " nor at the configured " + describe(o.configured))
              << (refused.empty() ? "" : " (the device refused " + refused + ")")
              << ": check the wiring/levels\n";
}

std::string who(const Sighting& s) {
    dlms::Push id;
    id.system_title = s.title;
    const std::string maker = id.manufacturer();
    std::string text = "system title " + dlms::to_hex(s.title) + ", " + std::string(dlms::manufacturer_name(maker));
    if (s.push) {
        if (auto serial = s.push->meter_serial(); !serial.empty()) text += " meter " + serial;
    } else if (maker == "KAM") {
        text += " meter " + id.meter_serial();
    }
    return text;
}

void report_keys(const ProbeOptions& o, const Sighting& s) {
    const bool authenticated = (s.security & 0x10) != 0;
    if (s.push && s.swapped) {
        std::cout << "keys swapped: the key given as encryption key is key 65 (GPK61) and the one given as "
                     "authentication key is key 64 (GPK60); exchange meter.encryption_key and "
                     "meter.authentication_key (the push decoded with them the other way round)\n";
    } else if (s.push && s.no_authentication_key) {
        std::cout << "encryption key right; no authentication key given, so the pushes' tag is not checked: "
                     "add key 65 (GPK61) as meter.authentication_key or --ak\n";
    } else if (s.push) {
        std::cout << (authenticated ? "keys right: the push decrypted and its authentication tag matched\n"
                                    : "keys right: the push decrypted\n");
    } else if (s.error && s.error->code == dlms::ErrorCode::no_key) {
        std::cout << (o.keys.authentication ? "only an authentication key given: the encryption key (key 64 / GPK60) is needed too"
                                            : "no keys given: the frames are encrypted")
                  << "; ask the utility for the meter's keys (key 64 / GPK60 = encryption, key 65 / GPK61 = "
                     "authentication), then pass --ek and --ak or set meter.encryption_key and "
                     "meter.authentication_key\n";
    } else if (s.error && s.error->code == dlms::ErrorCode::wrong_key) {
        std::cout << "keys wrong: the push does not decrypt with the keys given, either way round: they are not "
                     "this meter's keys (check for a typo, or ask the utility for key 64 / GPK60 and key 65 / GPK61 "
                     "of this meter)\n";
    }
}

std::string reading_line(const nlohmann::ordered_json& r) {
    std::string name = r["key"].is_string() ? r["key"].get<std::string>()
                                            : r["obis"].is_string() ? r["obis"].get<std::string>()
                                                                    : "#" + r.value("index", nlohmann::ordered_json(0)).dump();
    const auto& value = r.contains("value") ? r["value"] : r["raw"];
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (r.contains("unit") && r["unit"].is_string()) text += " " + r["unit"].get<std::string>();
    name.resize(std::max<std::size_t>(name.size(), 22), ' ');
    return "  " + name + " " + text + "\n";
}

// The first push in a few lines: the main counters first, then the list in order.
void preview(const dlms::Push& p) {
    const auto j = push_json(p);
    const auto& readings = j["readings"];
    static constexpr std::array<std::string_view, 5> first = {"energy_import", "energy_export", "power_import",
                                                              "power_export", "voltage_l1"};
    std::vector<std::size_t> order;
    for (auto key : first) {
        for (std::size_t i = 0; i < readings.size(); ++i)
            if (readings[i]["key"].is_string() && readings[i]["key"].get<std::string>() == key) order.push_back(i);
    }
    for (std::size_t i = 0; i < readings.size(); ++i)
        if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
    constexpr std::size_t kLines = 8;
    std::cout << "first push" << (p.list_id.empty() ? "" : " (list " + p.list_id + ")")
              << (p.notification_time ? ", meter time " + p.notification_time->iso8601() : "") << ", "
              << readings.size() << " values:\n";
    for (std::size_t n = 0; n < std::min(kLines, order.size()); ++n) std::cout << reading_line(readings[order[n]]);
    if (order.size() > kLines)
        std::cout << "  ... and " << order.size() - kLines << " more: `dlms2mqtt run` publishes them all\n";
}

// The identification line of a DSMR/P1 telegram ("/ISK5\2M550E-1011"), when one arrived whole:
// '/', three letters of the maker, a digit, the id, then the data lines and "!" with a CRC.
std::string dsmr_telegram(const std::vector<Sighting>& seen) {
    for (const auto& s : seen) {
        const auto start = s.text.find('/');
        if (start == std::string::npos || start + 5 > s.text.size()) continue;
        const auto eol = s.text.find("\r\n", start);
        const auto bang = s.text.find("\r\n!", start);
        if (eol == std::string::npos || bang == std::string::npos) continue;
        const std::string id = s.text.substr(start, eol - start);
        const bool maker = std::all_of(id.begin() + 1, id.begin() + 4, [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
        if (maker && std::isdigit(static_cast<unsigned char>(id[4])) && id.size() <= 80) return id;
    }
    return "";
}

// Says why no frame came; false when frames did come.
bool report_without_frames(const ProbeOptions& o, const std::vector<Sighting>& seen) {
    if (!seen.front().refused.empty()) {
        std::cout << "cannot read the port: " << seen.front().refused
                  << ": check serial.port / --port (a Pi's UART is /dev/ttyS0 or /dev/serial0, USB adapters "
                     "/dev/ttyUSB0) and that this user is in the dialout group\n";
        return true;
    }
    if (seen.back().frames > 0) return false;
    if (const auto dsmr = dsmr_telegram(seen); !dsmr.empty()) {
        std::cout << "a DSMR/P1 text telegram arrives (" << dsmr
                  << "): this is a P1 port sending readable text, not DLMS/COSEM pushes; dlms2mqtt does not read "
                     "those: use a DSMR reader (Home Assistant's DSMR integration) for this port\n";
    } else if (!seen.back().closed.empty()) {
        std::cout << "the port closed while listening: " << seen.back().closed << "\n";
    } else if (seen.size() == 1 && seen.front().bytes == 0) {
        std::cout << kNoData << (is_network_port(o.port) ? "; on a network stream also check that the serial server "
                                                            "reads the meter's port at 2400 8N1"
                                                          : "")
                  << "\n";
    } else {
        report_no_frame(o, seen);
    }
    return true;
}

int report(const ProbeOptions& o, const std::vector<Sighting>& seen) {
    if (report_without_frames(o, seen)) return 1;
    const Sighting& last = seen.back();
    std::cout << "valid frames " << (is_network_port(o.port) ? "on " + o.port : "at " + describe(last.settings)) << " ("
              << last.frames
              << (last.frames == 1 ? " frame)\n" : " frames)\n");
    if (!same(last.settings, o.configured))
        std::cout << "the configured " << describe(o.configured) << " gives no valid frame: set " << config_lines(last.settings) << "\n";
    if (!last.title.empty()) {
        std::cout << "frames are encrypted" << ((last.security & 0x10) ? " and authenticated" : "") << " ("
                  << who(last) << ")\n";
        report_keys(o, last);
    } else if (last.push) {
        std::cout << "frames are not encrypted: no keys needed\n";
    }
    if (last.push) {
        preview(*last.push);
        return 0;
    }
    if (last.error && last.error->code != dlms::ErrorCode::no_key && last.error->code != dlms::ErrorCode::wrong_key)
        std::cout << "frames arrive but the push does not decode: " << last.error->message << " ("
                  << dlms::to_string(last.error->code) << ")\n";
    else if (!last.error)
        std::cout << "frames arrive but no whole push came within " << o.seconds << " s: try a longer --seconds\n";
    return 1;
}

// A key from the option, else the one from the config; false (with a message) when malformed.
template <typename Key>
bool override_key(const Args& a, const char* option, const char* name, std::optional<Key>& key) {
    const auto text = a.get(option);
    if (!text) return true;
    std::string error;
    const auto bytes = dlms::parse_key(*text, error);
    if (!bytes) {
        std::cerr << "dlms2mqtt probe: " << option << ": the " << name << " " << error << "\n";
        return false;
    }
    key = Key(*bytes);
    return true;
}

// Options from the command line over the config file and the environment, as `run` reads them.
// Returns the exit code on failure.
std::optional<int> load_options(const Args& a, ProbeOptions& o) {
    const auto loaded = load_command_config(a.get("--config"));
    if (const auto* e = std::get_if<ConfigError>(&loaded)) {
        std::cerr << "dlms2mqtt probe: " << e->message << "\n";
        return 1;
    }
    const Config& config = std::get<Config>(loaded);
    o.port = a.get("--port").value_or(config.serial.port);
    o.configured = serial_settings(config.serial);
    o.keys = config.meter.keys();
    if (!override_key(a, "--ek", "encryption key", o.keys.encryption) ||
        !override_key(a, "--ak", "authentication key", o.keys.authentication))
        return 2;
    return std::nullopt;
}

std::string keys_given(const dlms::KeyPair& k) {
    if (k.encryption && k.authentication) return "encryption and authentication key given";
    if (k.encryption) return "encryption key given, no authentication key";
    if (k.authentication) return "authentication key given, no encryption key";
    return "no keys given";
}

}  // namespace

int probe_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--port", "--seconds", "--ek", "--ak", "--config"}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h")) {
        std::cout << kUsage;
        return 0;
    }
    if (!a.error.empty() || !a.positional.empty()) {
        std::cerr << "dlms2mqtt probe: " << (a.error.empty() ? "unexpected argument " + a.positional[0] : a.error) << "\n"
                  << kUsage;
        return 2;
    }
    ProbeOptions o;
    try {
        const std::string seconds = a.get("--seconds").value_or("30");
        std::size_t used = 0;
        o.seconds = std::stoi(seconds, &used);
        if (used != seconds.size() || o.seconds < 1 || o.seconds > 3600) throw std::out_of_range(seconds);
    } catch (const std::exception&) {
        std::cerr << "dlms2mqtt probe: --seconds takes a whole number from 1 to 3600\n";
        return 2;
    }
    if (auto code = load_options(a, o)) return *code;

    std::cout << "listening on " << o.port
              << (is_network_port(o.port) ? " (a network stream: the serial server sets the baud rate)"
                                          : " at " + describe(o.configured))
              << " for up to " << o.seconds
              << " s (" << keys_given(o.keys) << ")" << std::endl;
    return report(o, probe_line(o));
}

}  // namespace bridge

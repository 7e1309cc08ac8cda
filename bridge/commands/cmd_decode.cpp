// dlms2mqtt decode [--ek HEX] [--ak HEX] [--binary] [FILE]
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/core/capture_input.hpp"
#include "bridge/core/push_json.hpp"
#include "decoder/decoder.hpp"
#include "decoder/plausibility.hpp"

namespace bridge {

namespace {
constexpr const char* kUsage =
    "usage: dlms2mqtt decode [--ek HEX] [--ak HEX] [--binary] [FILE]\n"
    "\n"
    "Decodes meter frames and prints one JSON object per push (or per error) on stdout.\n"
    "FILE (or stdin) holds hex text: frames back to back, HDLC (7E..7E), M-Bus (68..16) or a bare\n"
    "APDU (0F.., DB.., also behind its LLC header E6 E7 00); whitespace is ignored and '#' starts a comment. --binary reads raw bytes as\n"
    "captured from the serial port.\n"
    "\n"
    "  --ek HEX   encryption key (key 64 / GPK60); or DLMS2MQTT_METER_ENCRYPTION_KEY\n"
    "  --ak HEX   authentication key (key 65 / GPK61); or DLMS2MQTT_METER_AUTHENTICATION_KEY\n"
    "\n"
    "Exit status: 0 every frame decoded, 1 a frame failed, 2 wrong usage.\n";

// A key from the option or the environment; false (with a message) when it is malformed.
template <typename Key>
bool load_key(const Args& a, const char* option, const char* env, const char* name, std::optional<Key>& out) {
    std::optional<std::string> text = a.get(option);
    if (!text) {
        if (const char* e = std::getenv(env); e && *e) text = e;
    }
    if (!text) return true;
    std::string error;
    auto bytes = dlms::parse_key(*text, error);
    if (!bytes) {
        std::cerr << "dlms2mqtt decode: " << option << ": the " << name << " " << error << "\n";
        return false;
    }
    out = Key(*bytes);
    return true;
}
}  // namespace

int decode_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--ek", "--ak"}, {"--binary", "--help", "-h"});
    if (a.has("--help") || a.has("-h")) {
        std::cout << kUsage;
        return 0;
    }
    if (!a.error.empty() || a.positional.size() > 1) {
        std::cerr << "dlms2mqtt decode: " << (a.error.empty() ? "at most one FILE" : a.error) << "\n" << kUsage;
        return 2;
    }
    dlms::DecoderOptions options;
    if (!load_key(a, "--ek", "DLMS2MQTT_METER_ENCRYPTION_KEY", "encryption key", options.keys.encryption) ||
        !load_key(a, "--ak", "DLMS2MQTT_METER_AUTHENTICATION_KEY", "authentication key", options.keys.authentication))
        return 2;
    const std::string path = a.positional.empty() ? "-" : a.positional[0];
    CaptureReader capture;
    if (auto error = capture.open(path, a.has("--binary")); !error.empty()) {
        std::cerr << "dlms2mqtt decode: " << error << "\n";
        return 2;
    }

    dlms::Decoder decoder(std::move(options));
    bool failed = false;
    dlms::Decoder::Handlers h;
    // One buffer for every line, written with one call: a push's line is about 3 kB.
    std::string line;
    std::set<std::string> implausible;  // meter and list already warned about
    h.on_push = [&line, &implausible](const dlms::Push& p) {
        if (auto why = dlms::implausible_scaling(p); why && implausible.insert(p.meter_serial() + "/" + p.list_id).second)
            std::cerr << "warning: meter " << p.meter_serial() << (p.list_id.empty() ? "" : ", list " + p.list_id) << ": "
                      << *why << "\n";
        line.clear();
        append_push_json(line, p);
        line.push_back('\n');
        std::cout.write(line.data(), static_cast<std::streamsize>(line.size()));
    };
    h.on_error = [&](const dlms::Error& e, dlms::ByteView unit) {
        failed = true;
        std::cout << error_json(e, unit).dump() << "\n";
    };
    h.on_warning = [](dlms::Warning w) {
        if (w == dlms::Warning::keys_swapped)
            std::cerr << "warning: the keys are swapped: --ek must be key 64 (GPK60), --ak key 65 (GPK61)\n";
        else if (w == dlms::Warning::no_authentication_key)
            std::cerr << "warning: no authentication key: pushes are decrypted without checking their tag\n";
        else if (w == dlms::Warning::counter_reset)
            std::cerr << "warning: the meter's frame counter started again from a low value; followed\n";
    };
    // Streamed in chunks: cost a push and memory stay flat at any file size. A bare APDU is one
    // APDU with no link layer to cut it by (tools often log it behind its LLC header E6 E7 00):
    // it is gathered whole and decoded at the end.
    std::optional<bool> bare;
    dlms::Bytes chunk, apdu;
    std::size_t total = 0;
    for (auto status = CaptureReader::Status::more; status == CaptureReader::Status::more;) {
        status = capture.next(chunk);
        if (status == CaptureReader::Status::failed) {
            std::cerr << "dlms2mqtt decode: " << capture.error() << "\n";
            return 2;
        }
        if (!bare && !chunk.empty()) {
            const dlms::ByteView b(chunk);
            const bool llc = b.size() > 3 && b[0] == 0xE6 && b[1] == 0xE7 && b[2] == 0x00;
            const std::uint8_t first = b[llc && b.size() > 3 ? 3 : 0];
            bare = first == 0x0F || first == 0xDB || first == 0xE0;
        }
        total += chunk.size();
        if (bare.value_or(false)) apdu.insert(apdu.end(), chunk.begin(), chunk.end());
        else decoder.feed(chunk, h);
    }
    if (bare.value_or(false)) decoder.decode_apdu(apdu, h);
    else decoder.finish(h);  // a push cut short at the end is an error line too
    if (decoder.stats().garbage_bytes > 0) {
        std::cerr << "warning: " << decoder.stats().garbage_bytes << " bytes were not part of any frame\n";
    }
    if (!bare.value_or(false) && decoder.stats().pushes == 0 && !failed) {
        const auto e = dlms::make_error(dlms::ErrorCode::incomplete, dlms::Layer::framing, total,
                                        "no complete frame in the input");
        std::cout << error_json(e, {}).dump() << "\n";
        failed = true;
    }
    return failed ? 1 : 0;
}

}  // namespace bridge

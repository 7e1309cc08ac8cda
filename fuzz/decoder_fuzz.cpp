// Fuzzes the decoder with the demo keys configured, so seeds made by the simulated meter get
// through authentication and decryption:
//   1. the bytes as a serial stream, fed in two chunks split at a point the input chooses, then
//      fed again whole (a repeated push takes the replay path);
//   2. the bytes as a bare APDU (decode_apdu);
//   3. the bytes encrypted and authenticated with the demo keys, then decoded as an APDU: mutated
//      ciphertext never passes the tag check, so this is how mutations reach what follows a
//      successful decryption (nested APDUs, A-XDR, readings).
// Every push and error handed out is read through, so ASan sees any view that outlives its data.
#include <cstddef>
#include <cstdint>

#include "decoder/decoder.hpp"
#include "simulator/frame_builder.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {

dlms::DecoderOptions demo_options() {
    dlms::DecoderOptions o;
    o.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
    o.keys.authentication = sim::KamstrupMeter::demo_authentication_key();
    return o;
}

volatile std::uint64_t g_sink;  // keeps the reads below from being optimised away

void touch(dlms::ByteView bytes) {
    std::uint64_t s = 0;
    for (auto b : bytes) s += b;
    g_sink = g_sink + s;
}

void touch(const dlms::Push& p) {
    std::uint64_t s = p.manufacturer().size() + p.meter_serial().size() + p.list_id.size();
    if (p.notification_time) s += p.notification_time->iso().size();
    for (const auto& r : p.readings) {
        s += r.key.size() + static_cast<std::uint64_t>(r.unit);
        if (r.obis) s += r.obis->to_string().size();
        if (auto v = r.value()) s += static_cast<std::uint64_t>(*v != 0);
        if (auto* t = std::get_if<dlms::DateTime>(&r.raw)) s += t->iso().size();
    }
    g_sink = g_sink + s;
}

// Runs `decode` on a fresh decoder (no state carried between inputs, so a crash reproduces from
// its input alone) and checks that the push count matches the pushes handed out.
template <typename F>
void run(F&& decode) {
    dlms::Decoder decoder(demo_options());
    std::uint64_t pushes = 0;
    dlms::Decoder::Handlers h;
    h.on_push = [&](const dlms::Push& p) {
        ++pushes;
        touch(p);
    };
    h.on_error = [](const dlms::Error& e, dlms::ByteView unit) {
        touch(unit);
        g_sink = g_sink + to_string(e.code).size() + to_string(e.layer).size() + e.offset;
    };
    h.on_warning = [](dlms::Warning w) { g_sink = g_sink + static_cast<std::uint64_t>(w); };
    decode(decoder, h);
    if (decoder.stats().pushes != pushes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const dlms::ByteView bytes(data, size);
    const std::size_t split = size == 0 ? 0 : size * data[0] / 256;

    run([&](dlms::Decoder& d, const dlms::Decoder::Handlers& h) {
        d.feed(bytes.first(split), h);
        d.feed(bytes.subspan(split), h);
        d.feed(bytes, h);
    });
    run([&](dlms::Decoder& d, const dlms::Decoder::Handlers& h) { d.decode_apdu(bytes, h); });

    static const auto ek = sim::KamstrupMeter::demo_encryption_key();
    static const auto ak = sim::KamstrupMeter::demo_authentication_key();
    static const std::array<std::uint8_t, 8> title = {'K', 'A', 'M', 'E', 0x00, 0xBC, 0x61, 0x4E};
    const dlms::Bytes ciphered = sim::glo_cipher(bytes, title, 1, 0x30, ek, &ak);
    run([&](dlms::Decoder& d, const dlms::Decoder::Handlers& h) { d.decode_apdu(ciphered, h); });
    return 0;
}

// Fuzzes the decoder with the demo keys configured, so seeds made by the simulated meter get
// through authentication and decryption:
//   1. the bytes as a serial stream, fed in two chunks split at a point the input chooses, then
//      fed again whole (a repeated push takes the replay path);
//   2. the bytes as a bare APDU (decode_apdu);
//   3. the bytes encrypted and authenticated with the demo keys, then decoded as an APDU: mutated
//      ciphertext never passes the tag check, so this is how mutations reach what follows a
//      successful decryption (nested APDUs, A-XDR, readings).
//   4. the first bytes as a wire value and a scaler, through the one conversion to the published
//      number (scaled_number), which must never wrap: an integer result has the raw value's sign
//      and agrees with the double computed independently.
// Every push and error handed out is read through, so ASan sees any view that outlives its data.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

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

void check_conversion(const dlms::Reading& r, int shift);

void touch(const dlms::Push& p) {
    std::uint64_t s = p.manufacturer().size() + p.meter_serial().size() + p.list_id.size();
    if (p.notification_time) s += p.notification_time->iso().size();
    for (const auto& r : p.readings) {
        s += r.key.size() + static_cast<std::uint64_t>(r.unit);
        if (r.obis) s += r.obis->to_string().size();
        if (auto v = r.value()) s += static_cast<std::uint64_t>(*v != 0);
        if (r.is_number()) check_conversion(r, 0);
        if (auto* t = std::get_if<dlms::DateTime>(&r.raw)) s += t->iso().size();
    }
    for (const auto& w : p.warnings) s += w.offset + w.message.size();
    if (p.unplaced_values > p.readings.size()) __builtin_trap();
    g_sink = g_sink + s;
}

// An integer result must be raw × 10^exponent exactly: same sign, and equal to the double product
// to within the double's rounding.
void check_conversion(const dlms::Reading& r, int shift) {
    const auto n = dlms::scaled_number(r, shift);
    if (!n) return;
    const double d = dlms::to_double(*n);
    if (!std::isfinite(d)) __builtin_trap();
    const int exponent = int{r.scaler} + shift;
    double raw = 0;
    if (auto* i = std::get_if<std::int64_t>(&r.raw)) raw = static_cast<double>(*i);
    else if (auto* u = std::get_if<std::uint64_t>(&r.raw)) raw = static_cast<double>(*u);
    else if (auto* f = std::get_if<double>(&r.raw)) raw = *f;
    else __builtin_trap();  // not a number: there must be no result
    if (std::holds_alternative<double>(*n)) return;
    if ((raw < 0) != (d < 0) || exponent < 0) __builtin_trap();
    const double expect = raw * std::pow(10.0, exponent);
    if (std::fabs(d - expect) > std::fabs(expect) * 1e-12) __builtin_trap();
}

void fuzz_conversion(dlms::ByteView b) {
    if (b.size() < 11) return;
    dlms::Reading r;
    std::uint64_t bits = 0;
    std::memcpy(&bits, b.data() + 1, 8);
    switch (b[0] % 4) {
        case 0: r.raw = static_cast<std::int64_t>(bits); break;
        case 1: r.raw = bits; break;
        case 2: { double f; std::memcpy(&f, &bits, 8); r.raw = f; break; }
        default: r.raw = std::string("text"); break;
    }
    r.scaler = static_cast<std::int16_t>(b[9] | (b[10] << 8));
    check_conversion(r, 0);
    check_conversion(r, -3);
    if (std::holds_alternative<std::string>(r.raw) && dlms::scaled_number(r)) __builtin_trap();
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
    fuzz_conversion(bytes);

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

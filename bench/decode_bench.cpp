// Benchmarks of each stage of decoding one Kamstrup OMNIPOWER push (the 491-byte encrypted and
// authenticated HDLC frame of the Danish 10-second list), and of rendering it for Home Assistant.
//
//   BM_Framer           StreamFramer::feed of the whole frame (cut by length, HCS + FCS)
//   BM_Decrypt          AES-128-GCM decryption of the ciphertext with the tag check
//   BM_AxdrParse        ValueTree::parse of the decrypted data-notification's body
//   BM_DecodeFrame      Decoder::decode_frame: decrypt + A-XDR + readings of a cut frame
//   BM_FeedStream       Decoder::feed of the raw bytes: everything, the "decode a push" figure
//   BM_StateJson        ha::state_json of the push, serialised as it is published
//   BM_DiscoveryRender  ha::discovery_messages of the push (sent once per start, not per push)
//
// Every benchmark checks its result once before timing, so a broken stage fails loudly instead
// of being measured fast.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "decoder/apdu.hpp"
#include "decoder/axdr.hpp"
#include "decoder/decoder.hpp"
#include "decoder/gcm.hpp"
#include "decoder/stream_framer.hpp"
#include "ha_discovery/discovery.hpp"
#include "ha_discovery/state.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {

using dlms::ByteView;
using dlms::Bytes;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "decode_bench: %s\n", what);
    std::exit(1);
}

// One simulated push, and every intermediate form of it the stages below start from.
struct Fixture {
    Bytes frame;                 // the HDLC frame as on the wire
    Bytes apdu;                  // general-glo-ciphering APDU (LLC header stripped)
    dlms::GloCiphered glo;       // views into `apdu`
    std::array<std::uint8_t, 12> nonce{};
    Bytes plaintext;             // the data-notification
    ByteView body;               // A-XDR body, a view into `plaintext`
    dlms::Push push;             // as decoded

    Fixture() {
        sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(),
                                 sim::KamstrupMeter::demo_authentication_key());
        frame = meter.next_frame(sim::local_date_time(1'700'000'000));
        auto hdlc = dlms::parse_hdlc(frame);
        if (!hdlc || hdlc->info.size() < 3) die("simulated frame does not parse as HDLC");
        apdu.assign(hdlc->info.begin() + 3, hdlc->info.end());
        auto g = dlms::parse_glo_ciphering(apdu);
        if (!g) die("simulated frame is not general-glo-ciphering");
        glo = *g;
        std::copy(glo.system_title.begin(), glo.system_title.end(), nonce.begin());
        for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<std::uint8_t>(glo.invocation_counter >> (24 - 8 * i));
        if (!decrypt(plaintext)) die("simulated frame does not decrypt with the demo keys");
        auto n = dlms::parse_data_notification(plaintext);
        if (!n) die("decrypted frame is not a data-notification");
        body = n->body;
        decode_push();
    }

    bool decrypt(Bytes& out) const {
        static dlms::GcmContext gcm(sim::KamstrupMeter::demo_encryption_key());
        static const dlms::AuthenticationKey ak = sim::KamstrupMeter::demo_authentication_key();
        return gcm.decrypt(nonce, glo.security, &ak, glo.ciphertext, glo.tag, out).ok();
    }

    void decode_push() {
        dlms::Decoder decoder(options());
        dlms::Decoder::Handlers h;
        h.on_push = [&](const dlms::Push& p) { push = p; };
        decoder.feed(frame, h);
        if (decoder.stats().pushes != 1 || push.readings.empty()) die("simulated frame does not decode to a push");
    }

    // Demo keys; the same frame is decoded again and again, so the replay check is off.
    static dlms::DecoderOptions options() {
        dlms::DecoderOptions o;
        o.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
        o.keys.authentication = sim::KamstrupMeter::demo_authentication_key();
        o.check_counter = false;
        return o;
    }
};

const Fixture& fixture() {
    static const Fixture f;
    return f;
}

void per_push(benchmark::State& state, std::size_t bytes) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_Framer(benchmark::State& state) {
    const auto& f = fixture();
    dlms::StreamFramer framer;
    std::size_t frames = 0;
    dlms::StreamFramer::Handlers h;
    h.on_frame = [&](dlms::LinkFrame&& lf) {
        benchmark::DoNotOptimize(lf.bytes.data());
        ++frames;
    };
    for (auto _ : state) framer.feed(f.frame, h);
    if (frames != static_cast<std::size_t>(state.iterations())) state.SkipWithError("framer did not cut one frame per feed");
    per_push(state, f.frame.size());
}
BENCHMARK(BM_Framer);

void BM_Decrypt(benchmark::State& state) {
    const auto& f = fixture();
    Bytes out;
    out.reserve(f.glo.ciphertext.size());
    for (auto _ : state) {
        if (!f.decrypt(out)) {
            state.SkipWithError("decryption failed");
            break;
        }
        benchmark::DoNotOptimize(out.data());
    }
    per_push(state, f.glo.ciphertext.size());
    state.counters["ciphertext_bytes"] = static_cast<double>(f.glo.ciphertext.size());
}
BENCHMARK(BM_Decrypt);

void BM_AxdrParse(benchmark::State& state) {
    const auto& f = fixture();
    dlms::ValueTree tree;
    for (auto _ : state) {
        std::size_t consumed = 0;
        if (!tree.parse(f.body, consumed).ok()) {
            state.SkipWithError("A-XDR parse failed");
            break;
        }
        benchmark::DoNotOptimize(tree.size());
    }
    per_push(state, f.body.size());
    state.counters["nodes"] = static_cast<double>(tree.size());
}
BENCHMARK(BM_AxdrParse);

void BM_DecodeFrame(benchmark::State& state) {
    const auto& f = fixture();
    dlms::Decoder decoder(Fixture::options());
    const dlms::LinkFrame frame{dlms::LinkKind::hdlc, f.frame};
    dlms::Decoder::Handlers h;
    h.on_push = [](const dlms::Push& p) { benchmark::DoNotOptimize(p.readings.data()); };
    for (auto _ : state) decoder.decode_frame(frame, h);
    if (decoder.stats().pushes != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("not every frame decoded to a push");
    per_push(state, f.frame.size());
}
BENCHMARK(BM_DecodeFrame);

void BM_FeedStream(benchmark::State& state) {
    const auto& f = fixture();
    dlms::Decoder decoder(Fixture::options());
    dlms::Decoder::Handlers h;
    h.on_push = [](const dlms::Push& p) { benchmark::DoNotOptimize(p.readings.data()); };
    for (auto _ : state) decoder.feed(f.frame, h);
    if (decoder.stats().pushes != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("not every feed decoded to a push");
    per_push(state, f.frame.size());
}
BENCHMARK(BM_FeedStream);

void BM_StateJson(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string payload = ha::state_json(f.push).dump();
        bytes = payload.size();
        benchmark::DoNotOptimize(payload.data());
    }
    per_push(state, bytes);
    state.counters["payload_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StateJson);

void BM_DiscoveryRender(benchmark::State& state) {
    const auto& f = fixture();
    const ha::Topics topics;
    std::size_t messages = 0, bytes = 0;
    for (auto _ : state) {
        const auto out = ha::discovery_messages(f.push, topics, "0.1.0");
        messages = out.size();
        bytes = 0;
        for (const auto& m : out) bytes += m.topic.size() + m.payload.size();
        benchmark::DoNotOptimize(out.data());
    }
    if (messages == 0) state.SkipWithError("no discovery messages for the push");
    per_push(state, bytes);
    state.counters["messages"] = static_cast<double>(messages);
}
BENCHMARK(BM_DiscoveryRender);

}  // namespace

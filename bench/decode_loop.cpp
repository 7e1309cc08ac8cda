// Decodes N simulated Kamstrup pushes through Decoder::feed, for counting instructions with
// callgrind (instructions.sh). The frames are built before the measured function runs, and only
// dlms2mqtt_decode_pushes() is collected (--toggle-collect), so building and encrypting the frames
// is not counted. Running N and 2N and taking the difference also cancels what the first push
// alone costs (buffers growing, OpenSSL's first use).
//
//   decode_loop N     exits 0 when all N pushes decoded, 1 otherwise
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "decoder/decoder.hpp"
#include "simulator/kamstrup_meter.hpp"

// C linkage gives callgrind a plain name to toggle collection on.
extern "C" __attribute__((noinline)) void dlms2mqtt_decode_pushes(dlms::Decoder& decoder,
                                                                  const std::vector<dlms::Bytes>& frames,
                                                                  const dlms::Decoder::Handlers& handlers) {
    for (const auto& frame : frames) decoder.feed(frame, handlers);
}

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
    if (n <= 0) {
        std::fprintf(stderr, "usage: decode_loop N   (N > 0 pushes)\n");
        return 2;
    }

    // One meter, one push every 10 s: rising invocation counters, changing values.
    sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(),
                             sim::KamstrupMeter::demo_authentication_key());
    std::vector<dlms::Bytes> frames;
    frames.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) frames.push_back(meter.next_frame(sim::local_date_time(1'700'000'000 + 10 * i)));

    dlms::DecoderOptions options;
    options.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
    options.keys.authentication = sim::KamstrupMeter::demo_authentication_key();
    dlms::Decoder decoder(options);
    std::size_t readings = 0;
    dlms::Decoder::Handlers handlers;
    handlers.on_push = [&](const dlms::Push& p) { readings += p.readings.size(); };

    dlms2mqtt_decode_pushes(decoder, frames, handlers);

    const auto& s = decoder.stats();
    std::printf("pushes: %llu of %ld, readings: %zu, errors: %llu, frame bytes: %zu\n",
                static_cast<unsigned long long>(s.pushes), n, readings,
                static_cast<unsigned long long>(s.error_total()), frames.front().size());
    return s.pushes == static_cast<std::uint64_t>(n) && s.error_total() == 0 ? 0 : 1;
}

// The decoder facade: link-layer frames (or a raw byte stream) in, Push or Error out.
//
//   bytes ─► StreamFramer ─► LinkFrame ─► reassembly (HDLC segments, M-Bus segments,
//            (hdlc/mbus)                 general block transfer) ─► APDU ─► decrypt ─► A-XDR ─► Push
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"
#include "decoder/meter_profile.hpp"
#include "decoder/push.hpp"
#include "decoder/replay_guard.hpp"
#include "decoder/result.hpp"
#include "decoder/stream_framer.hpp"

namespace dlms {

struct DecoderOptions {
    KeyPair keys;
    ProfileOverrides overrides;
    bool check_counter = true;  // refuse a repeated or older invocation counter
    // Also look for bare general-glo-ciphering APDUs in the byte stream (P1 ports that send no
    // link layer). Off by default: without a frame checksum, the inside of a damaged frame
    // would be taken for one.
    bool bare_apdus = false;
};

struct DecodeStats {
    std::uint64_t frames = 0;          // link-layer frames that passed their checks
    std::uint64_t pushes = 0;          // pushes decoded
    std::uint64_t missed_pushes = 0;   // gaps in the invocation counter
    std::uint64_t garbage_bytes = 0;   // bytes skipped while resynchronising
    std::uint64_t unplaced_values = 0; // values of decoded pushes that no layout could name (Push::unplaced_values)
    std::uint64_t counter_resets = 0;  // a meter's invocation counter started again (Warning::counter_reset)
    std::array<std::uint64_t, kErrorCodeCount> errors{};  // by ErrorCode
    std::uint32_t last_frame_counter = 0;

    std::uint64_t error_total() const;
};

enum class Warning : std::uint8_t {
    keys_swapped,            // authentication failed as configured, succeeded with the keys swapped
    no_authentication_key,   // authenticated push decrypted without checking its tag
    counter_reset,           // the meter's invocation counter started again (firmware update): followed
};
inline constexpr std::size_t kWarningCount = static_cast<std::size_t>(Warning::counter_reset) + 1;

class Decoder {
public:
    struct Handlers {
        std::function<void(const Push&)> on_push;
        // `unit` is the bytes the error is about (a frame, an APDU): for a short hex context in logs.
        std::function<void(const Error&, ByteView unit)> on_error;
        // keys_swapped and no_authentication_key are reported once per Decoder, counter_reset
        // each time a meter's counter starts again.
        std::function<void(Warning)> on_warning;
    };

    explicit Decoder(DecoderOptions options = {});
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    // Raw byte stream, any chunking (a serial read, a capture file).
    void feed(ByteView bytes, const Handlers& handlers);
    // One whole link-layer frame, already cut and checked (the reader thread's output).
    void decode_frame(const LinkFrame& frame, const Handlers& handlers);
    // A bare APDU (0F data-notification, DB general-glo-ciphering, E0 general block transfer),
    // with or without the LLC header (E6 E7 00) in front.
    void decode_apdu(ByteView apdu, const Handlers& handlers);

    // The input has ended (the end of a capture): a push whose first frames, segments or blocks
    // arrived but whose rest did not is reported `incomplete` and counted; so is a last frame cut
    // inside. Decoding may go on after it, as after a gap on the line.
    void finish(const Handlers& handlers);

    const DecodeStats& stats() const { return stats_; }
    // The replay guard's counters, to keep across a restart, and to restore before decoding.
    std::vector<ReplayGuard::Kept> kept_counters() const;
    void restore_counters(const std::vector<ReplayGuard::Kept>& kept);
    // The system title of the push being decoded, for the handlers (a failed push still names its
    // meter when its ciphering header was readable); empty when it carries none.
    ByteView system_title() const;
    bool keys_swapped() const;

    struct Impl;  // opaque: reassembly buffers, GCM contexts, counters

private:
    std::unique_ptr<Impl> impl_;
    DecodeStats stats_;
};

}  // namespace dlms

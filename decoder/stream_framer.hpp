// Cuts a raw serial byte stream into link-layer frames.
//
// HDLC (IEC 62056-46), as meters push it:
//   7E | A0+S+len(11 bit) | dst addr.. | src addr.. | ctrl | HCS(2) | info ... | FCS(2) | 7E
//   len counts everything between the flags. Kamstrup does not byte-stuff, and 7E occurs in
//   its ciphertext, so frames are cut by the length field, never by looking for the next flag.
//   HCS and FCS are CRC-16/X.25, little-endian on the wire.
// M-Bus long frame (EN 13757-2):
//   68 | L | L | 68 | C | A | CI | data.. | CS | 16     L = bytes from C to the end of data,
//   CS = sum of those bytes mod 256. Sagemcom's T210-D (Austria) sends longer frames than 255
//   bytes with L = that length mod 256; its checksum covers the whole frame.
// A bare APDU (Sagemcom P1): DB | 08 | system title(8) | BER len | body, cut by its length;
// only when asked for, and only until the line has shown an HDLC or M-Bus frame.
//
// A DSMR/P1 text telegram: / XXX5 identification, data lines, ! CRC; reported as not_dlms, so a
// P1 port is named as one rather than taken for noise.
//
// Noise is skipped byte by byte up to the next byte that can start a frame and counted as garbage.
// A frame whose header checks out (HCS) but whose FCS fails is reported once as corrupt_frame;
// the search for the next frame then goes on from its second byte.
#pragma once

#include <cstdint>
#include <functional>

#include "decoder/bytes.hpp"
#include "decoder/result.hpp"

namespace dlms {

enum class LinkKind : std::uint8_t { hdlc, mbus, apdu };

struct LinkFrame {
    LinkKind kind = LinkKind::hdlc;
    Bytes bytes;            // the whole frame as on the wire, flags and checksums included
    bool checked = false;   // its checksums were verified by the StreamFramer that cut it
};

std::uint16_t crc16_x25(ByteView data);

// The start of a DSMR/P1 text telegram: "/", three letters (the maker), a digit.
bool dsmr_telegram_start(ByteView bytes);

// Checks a whole HDLC frame (flags included). On success `info` is the information field
// (after HCS, before FCS) and `segmented` tells whether the S bit was set.
struct HdlcInfo {
    ByteView info;
    bool segmented = false;
    std::uint8_t control = 0;
};
// `check_crc` false skips HCS and FCS for a frame already checked when it was cut.
Result<HdlcInfo> parse_hdlc(ByteView frame, bool check_crc = true);

// Checks a whole M-Bus long frame. `data` is what follows C, A, CI.
struct MbusInfo {
    ByteView data;
    std::uint8_t ci = 0;
};
Result<MbusInfo> parse_mbus(ByteView frame);

class StreamFramer {
public:
    // `bare_apdus`: also cut bare general-glo-ciphering APDUs (no link layer, no checksum).
    explicit StreamFramer(bool bare_apdus = false) : link_layer_seen_(!bare_apdus) {}

    struct Handlers {
        std::function<void(LinkFrame&&)> on_frame;
        // Corrupt frames, and DSMR/P1 text telegrams (not_dlms): what a P1 port sends instead.
        std::function<void(const Error&, ByteView frame)> on_error;
    };

    // Feeds any chunk of the stream; calls on_frame for each complete, checked frame.
    void feed(ByteView bytes, const Handlers& handlers);
    std::uint64_t garbage_bytes() const { return garbage_; }
    std::size_t buffered() const { return buf_.size() - start_; }
    // The bytes still waiting for the rest of their frame, handed over and forgotten (the input ended).
    Bytes take_rest();

    static constexpr std::size_t kMaxFrame = 2048 + 16;

private:
    enum class Cut { frame, flag, need_more, noise, corrupt };
    void cut_all(const Handlers& handlers);
    // Tries to cut one frame at the start of pending().
    Cut try_cut(const Handlers& handlers, std::size_t& consumed);
    Cut check_hdlc_header(std::size_t& total) const;
    Cut cut_mbus(const Handlers& handlers, std::size_t& consumed);
    Cut cut_dsmr(const Handlers& handlers);
    void skip(std::size_t n, const Error* e, const Handlers& handlers);
    // The bytes not yet cut. Cutting moves start_ on; the buffer is compacted once per feed, so
    // a feed of many frames (a whole capture file) costs the same per frame as a feed of one.
    ByteView pending() const { return ByteView(buf_).subspan(start_); }

    Bytes buf_;
    std::size_t start_ = 0;
    std::uint64_t garbage_ = 0;
    bool link_layer_seen_ = false;  // HDLC or M-Bus frames on this line: no bare APDUs expected
};

}  // namespace dlms

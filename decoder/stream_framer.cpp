#include "decoder/stream_framer.hpp"

#include <array>

namespace dlms {

namespace {

constexpr std::uint8_t kFlag = 0x7E;
constexpr std::uint8_t kMbusStart = 0x68;
constexpr std::uint8_t kMbusStop = 0x16;
constexpr std::uint8_t kGloCiphering = 0xDB;
constexpr std::uint8_t kLlc0 = 0xE6;  // LLC header E6 E7 00, which loggers leave in front of an APDU
constexpr std::uint8_t kDsmrStart = '/';  // a DSMR/P1 text telegram: not DLMS, named as such

bool letter(std::uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// CRC-16/X.25 (reflected polynomial 0x8408), eight bytes per step ("slicing by 8"): table k
// gives the CRC of a byte followed by k zero bytes, so eight lookups replace eight dependent steps.
using CrcTables = std::array<std::array<std::uint16_t, 256>, 8>;
constexpr CrcTables make_crc_tables() {
    CrcTables t{};
    for (unsigned i = 0; i < 256; ++i) {
        std::uint16_t c = static_cast<std::uint16_t>(i);
        for (int k = 0; k < 8; ++k) c = (c & 1) ? static_cast<std::uint16_t>((c >> 1) ^ 0x8408) : static_cast<std::uint16_t>(c >> 1);
        t[0][i] = c;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (unsigned i = 0; i < 256; ++i)
            t[k][i] = static_cast<std::uint16_t>((t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF]);
    return t;
}
constexpr CrcTables kCrc = make_crc_tables();

std::uint16_t le16(ByteView b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

// Length of an HDLC address field: bytes up to and including the first with its low bit set.
std::size_t address_length(ByteView b, std::size_t at, std::size_t end) {
    for (std::size_t i = at; i < end && i < at + 4; ++i)
        if (b[i] & 1) return i - at + 1;
    return 0;
}

}  // namespace

std::uint16_t crc16_x25(ByteView data) {
    std::uint16_t crc = 0xFFFF;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    for (; n >= 8; n -= 8, p += 8) {
        // The register overlaps the first two bytes; the other six enter with a zero register.
        const unsigned x = crc ^ (p[0] | (p[1] << 8));
        crc = static_cast<std::uint16_t>(kCrc[7][x & 0xFF] ^ kCrc[6][x >> 8] ^ kCrc[5][p[2]] ^ kCrc[4][p[3]] ^
                                         kCrc[3][p[4]] ^ kCrc[2][p[5]] ^ kCrc[1][p[6]] ^ kCrc[0][p[7]]);
    }
    for (; n > 0; --n, ++p) crc = static_cast<std::uint16_t>((crc >> 8) ^ kCrc[0][(crc ^ *p) & 0xFF]);
    return static_cast<std::uint16_t>(crc ^ 0xFFFF);
}

Result<HdlcInfo> parse_hdlc(ByteView f, bool check_crc) {
    if (f.size() < 9) return make_error(ErrorCode::truncated, Layer::framing, 0, "HDLC frame shorter than its header");
    if (f[0] != kFlag || f.back() != kFlag)
        return make_error(ErrorCode::corrupt_frame, Layer::framing, 0, "HDLC frame does not start and end with 7E");
    if ((f[1] & 0xF0) != 0xA0) return make_error(ErrorCode::corrupt_frame, Layer::framing, 1, "not an HDLC type 3 frame format");
    const std::size_t length = ((f[1] & 0x07u) << 8) | f[2];
    if (length + 2 != f.size()) return make_error(ErrorCode::corrupt_frame, Layer::framing, 1, "HDLC length field does not match the frame");
    const std::size_t end = f.size() - 3;  // index of the first FCS byte
    std::size_t pos = 3;
    const std::size_t dst = address_length(f, pos, end);
    if (dst == 0) return make_error(ErrorCode::corrupt_frame, Layer::framing, pos, "HDLC destination address not terminated");
    pos += dst;
    const std::size_t src = address_length(f, pos, end);
    if (src == 0) return make_error(ErrorCode::corrupt_frame, Layer::framing, pos, "HDLC source address not terminated");
    pos += src;
    if (pos >= end) return make_error(ErrorCode::truncated, Layer::framing, pos, "HDLC frame ends before its control field");
    HdlcInfo out;
    out.control = f[pos++];
    out.segmented = (f[1] & 0x08) != 0;
    if (check_crc && crc16_x25(f.subspan(1, f.size() - 4)) != le16(f, end))
        return make_error(ErrorCode::corrupt_frame, Layer::framing, end, "HDLC FCS mismatch");
    if (pos == end) return out;  // no information field, no HCS
    if (pos + 2 > end) return make_error(ErrorCode::truncated, Layer::framing, pos, "HDLC frame ends inside its HCS");
    if (check_crc && crc16_x25(f.subspan(1, pos - 1)) != le16(f, pos))
        return make_error(ErrorCode::corrupt_frame, Layer::framing, pos, "HDLC HCS mismatch");
    pos += 2;
    out.info = f.subspan(pos, end - pos);
    return out;
}

Result<MbusInfo> parse_mbus(ByteView f) {
    if (f.size() < 9) return make_error(ErrorCode::truncated, Layer::framing, 0, "M-Bus frame shorter than its header");
    if (f[0] != kMbusStart || f[3] != kMbusStart || f[1] != f[2])
        return make_error(ErrorCode::corrupt_frame, Layer::framing, 0, "not an M-Bus long frame header");
    // L holds the length modulo 256: Sagemcom's T210-D sends frames longer than 255 bytes.
    const std::size_t l = f.size() - 6;
    if (l < 3 || (l & 0xFF) != f[1]) return make_error(ErrorCode::corrupt_frame, Layer::framing, 1, "M-Bus length does not match the frame");
    if (f.back() != kMbusStop) return make_error(ErrorCode::corrupt_frame, Layer::framing, f.size() - 1, "M-Bus frame does not end with 16");
    std::uint8_t sum = 0;
    for (std::size_t i = 4; i < 4 + l; ++i) sum = static_cast<std::uint8_t>(sum + f[i]);
    if (sum != f[4 + l]) return make_error(ErrorCode::corrupt_frame, Layer::framing, 4 + l, "M-Bus checksum mismatch");
    MbusInfo out;
    out.ci = f[6];
    out.data = f.subspan(7, l - 3);
    return out;
}

bool dsmr_telegram_start(ByteView b) {
    return b.size() >= 5 && b[0] == kDsmrStart && letter(b[1]) && letter(b[2]) && letter(b[3]) && b[4] >= '0' && b[4] <= '9';
}

// A DSMR/P1 telegram (IEC 62056-21 mode D text, as Dutch, Belgian, Swedish and some Iskraemeco
// ports send it): "/" XXX (maker, three letters) digit identification CR LF, data lines, then "!"
// with an optional 4-digit CRC and CR LF. Only text bytes: one binary byte and it is noise.
StreamFramer::Cut StreamFramer::cut_dsmr(const Handlers& h) {
    const ByteView b = pending();
    if (b.size() < 5) return Cut::need_more;
    if (!dsmr_telegram_start(b)) return Cut::noise;
    std::size_t i = 5;
    for (; i < b.size(); ++i) {
        const std::uint8_t c = b[i];
        if (c == '!' && b[i - 1] == '\n') break;
        if ((c < 0x20 || c > 0x7E) && c != '\r' && c != '\n') return Cut::noise;
    }
    if (i == b.size()) return Cut::need_more;
    std::size_t crc = 0;
    for (++i; i < b.size() && crc < 4 && hex_value(static_cast<char>(b[i])) >= 0; ++i) ++crc;
    if (i + 2 > b.size()) return Cut::need_more;
    if (b[i] != '\r' || b[i + 1] != '\n') return Cut::noise;
    const std::size_t total = i + 2;
    const Error e = make_error(ErrorCode::not_dlms, Layer::framing, 0,
                               "a DSMR/P1 text telegram: this is a P1 port sending readable text, not DLMS/COSEM pushes; "
                               "use a DSMR reader for this port");
    if (h.on_error) h.on_error(e, b.first(total));
    start_ += total;
    return Cut::frame;
}

void StreamFramer::skip(std::size_t n, const Error* e, const Handlers& h) {
    garbage_ += n;
    if (e && h.on_error) h.on_error(*e, pending().first(n));
    start_ += n;
}

// Checks the HDLC header as soon as its bytes are there, so that a 7E inside noise or inside
// ciphertext is rejected at once instead of after waiting for the length it seems to claim.
StreamFramer::Cut StreamFramer::check_hdlc_header(std::size_t& total) const {
    const ByteView b = pending();
    if (b.size() < 3) return Cut::need_more;
    if ((b[1] & 0xF0) != 0xA0) return Cut::noise;
    total = (((b[1] & 0x07u) << 8) | b[2]) + 2;
    if (total < 9) return Cut::noise;
    std::size_t pos = 3;
    for (int field = 0; field < 2; ++field) {  // destination, then source address
        std::size_t n = 0;
        while (true) {
            if (pos + n >= b.size()) return Cut::need_more;
            if (n == 4) return Cut::noise;
            if (b[pos + n++] & 1) break;
        }
        pos += n;
    }
    pos += 1;  // control
    if (pos + 3 >= total) return Cut::frame;  // no information field: the FCS is the only check
    if (b.size() < pos + 2) return Cut::need_more;
    if (crc16_x25(b.subspan(1, pos - 1)) != le16(b, pos)) return Cut::noise;
    return Cut::frame;
}

StreamFramer::Cut StreamFramer::try_cut(const Handlers& h, std::size_t& consumed) {
    const ByteView b = pending();
    std::size_t total = 0;
    switch (b[0]) {
        case kFlag: {
            // 7E 7E: the closing flag of one frame and the opening flag of the next.
            if (b.size() >= 2 && b[1] == kFlag) return Cut::flag;
            const Cut c = check_hdlc_header(total);
            if (c != Cut::frame) return c;
            break;
        }
        case kDsmrStart:
            return cut_dsmr(h);
        case kMbusStart:
            if (b.size() < 4) return Cut::need_more;
            if (b[1] != b[2] || b[3] != kMbusStart) return Cut::noise;
            return cut_mbus(h, consumed);
        case kLlc0:
        case kGloCiphering: {
            // A bare general-glo-ciphering APDU: [E6 E7 00] DB 08 <title> <BER length> <body>. Only
            // on a line that has not shown link-layer frames: there, a DB is the inside of a
            // damaged frame.
            if (link_layer_seen_) return Cut::noise;
            std::size_t llc = 0;
            if (b[0] == kLlc0) {
                if (b.size() < 4) return Cut::need_more;
                if (b[1] != 0xE7 || b[2] != 0x00 || b[3] != kGloCiphering) return Cut::noise;
                llc = 3;
            }
            if (b.size() < llc + 11) return Cut::need_more;
            if (b[llc + 1] != 0x08) return Cut::noise;
            ByteReader r(b.subspan(llc + 10));
            auto len = r.ber_length();
            if (!len) return b.size() < llc + 15 ? Cut::need_more : Cut::noise;
            total = llc + 10 + r.offset() + *len;
            if (*len < 5 || total > kMaxFrame) return Cut::noise;
            if (b.size() < total) return Cut::need_more;
            LinkFrame frame{LinkKind::apdu, Bytes(b.begin() + static_cast<std::ptrdiff_t>(llc), b.begin() + static_cast<std::ptrdiff_t>(total)), true};
            start_ += total;
            if (h.on_frame) h.on_frame(std::move(frame));
            return Cut::frame;
        }
        default:
            return Cut::noise;
    }
    if (b.size() < total) return Cut::need_more;
    const ByteView whole = b.first(total);
    link_layer_seen_ = true;  // its header and HCS were right
    if (!parse_hdlc(whole).ok()) {
        // The header (and its HCS) was right but the frame is damaged: report it once. Its
        // length is not trusted further than that: a frame cut short on the wire has the
        // next frame's head where its tail should be, so the search goes on byte by byte.
        consumed = total;
        return Cut::corrupt;
    }
    LinkFrame frame{LinkKind::hdlc, Bytes(whole.begin(), whole.end()), true};
    start_ += total;
    if (h.on_frame) h.on_frame(std::move(frame));
    return Cut::frame;
}

// An M-Bus long frame is L + 6 bytes, but L holds the length modulo 256 (the T210-D's frames are
// longer than 255 bytes): try L + 6, L + 262, ... until the stop byte and the checksum fit. A
// candidate whose stop byte or checksum fits (but not both) is taken for a damaged frame as soon as
// the next candidate would have to wait for bytes not there yet: a damaged frame is reported at once.
StreamFramer::Cut StreamFramer::cut_mbus(const Handlers& h, std::size_t& consumed) {
    const ByteView b = pending();
    const std::size_t first = std::size_t{b[1]} + 6;
    bool ended = false;  // an earlier candidate ended in 16: the frame is damaged rather than longer
    for (std::size_t total = first; total <= kMaxFrame; total += 256) {
        if (total < 9) continue;
        if (b.size() < total) {
            if (!ended) return Cut::need_more;
            break;
        }
        if (parse_mbus(b.first(total)).ok()) {
            link_layer_seen_ = true;
            LinkFrame frame{LinkKind::mbus, Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(total)), true};
            start_ += total;
            if (h.on_frame) h.on_frame(std::move(frame));
            return Cut::frame;
        }
        // Its stop byte or its checksum fit: a frame of this length, damaged.
        if (!ended) {
            std::uint8_t sum = 0;
            for (std::size_t i = 4; i < total - 2; ++i) sum = static_cast<std::uint8_t>(sum + b[i]);
            ended = b[total - 1] == kMbusStop || sum == b[total - 2];
        }
    }
    link_layer_seen_ = true;
    consumed = std::min(first, b.size());
    return Cut::corrupt;
}

Bytes StreamFramer::take_rest() {
    Bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(start_), buf_.end());
    buf_.clear();
    start_ = 0;
    return rest;
}

void StreamFramer::feed(ByteView bytes, const Handlers& h) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    cut_all(h);
    // Once per feed: what is left moves to the front.
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
}

void StreamFramer::cut_all(const Handlers& h) {
    while (start_ < buf_.size()) {
        std::size_t consumed = 0;
        Cut cut = try_cut(h, consumed);
        // A claimed length that can never arrive is noise.
        if (cut == Cut::need_more) {
            if (buffered() <= kMaxFrame) return;
            cut = Cut::noise;
        }
        switch (cut) {
            case Cut::need_more:
                return;
            case Cut::frame:
                continue;
            case Cut::flag:
                ++start_;
                continue;
            case Cut::corrupt: {
                const Error e = make_error(ErrorCode::corrupt_frame, Layer::framing, 0,
                                           "frame checksum mismatch: frame damaged or cut short on the wire");
                if (h.on_error) h.on_error(e, pending().first(consumed));
                [[fallthrough]];
            }
            case Cut::noise: {
                // Skip to the next byte that could start a frame.
                const ByteView b = pending();
                std::size_t next = 1;
                while (next < b.size() && b[next] != kFlag && b[next] != kMbusStart && b[next] != kDsmrStart &&
                       (link_layer_seen_ || (b[next] != kGloCiphering && b[next] != kLlc0)))
                    ++next;
                skip(next, nullptr, h);
                continue;
            }
        }
    }
}

}  // namespace dlms

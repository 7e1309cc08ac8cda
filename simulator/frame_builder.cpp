#include "simulator/frame_builder.hpp"

#include <algorithm>
#include <stdexcept>

#include "decoder/gcm.hpp"
#include "decoder/stream_framer.hpp"

namespace sim {

void put_ber_length(Bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else if (n <= 0xFF) {
        out.push_back(0x81);
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(0x82);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
    }
}

AxdrWriter& AxdrWriter::tag_len(std::uint8_t tag, std::size_t n) {
    out_.push_back(tag);
    put_ber_length(out_, n);
    return *this;
}

AxdrWriter& AxdrWriter::fixed(std::uint8_t tag, std::uint64_t v, std::size_t n) {
    out_.push_back(tag);
    for (std::size_t i = n; i-- > 0;) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
}

AxdrWriter& AxdrWriter::octet_string(ByteView b) {
    tag_len(0x09, b.size());
    return raw(b);
}

AxdrWriter& AxdrWriter::visible_string(std::string_view s) {
    tag_len(0x0A, s.size());
    return raw(dlms::as_bytes(s));
}

std::array<std::uint8_t, 12> date_time_bytes(const dlms::DateTime& t) {
    const auto dev = static_cast<std::uint16_t>(t.deviation);
    return {static_cast<std::uint8_t>(t.year >> 8), static_cast<std::uint8_t>(t.year), t.month, t.day, t.weekday,
            t.hour, t.minute, t.second, t.hundredths, static_cast<std::uint8_t>(dev >> 8),
            static_cast<std::uint8_t>(dev), t.clock_status};
}

AxdrWriter& AxdrWriter::date_time_octets(const dlms::DateTime& t) { return octet_string(date_time_bytes(t)); }

Bytes data_notification(std::uint32_t invoke_id, const std::optional<dlms::DateTime>& time, ByteView body, TimeForm form) {
    Bytes out{0x0F};
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(invoke_id >> (8 * i)));
    if (!time || form == TimeForm::absent) {
        out.push_back(0x00);
    } else {
        if (form == TimeForm::tagged) out.push_back(0x09);
        out.push_back(0x0C);
        const auto b = date_time_bytes(*time);
        out.insert(out.end(), b.begin(), b.end());
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes glo_cipher(ByteView apdu, const std::array<std::uint8_t, 8>& title, std::uint32_t counter, std::uint8_t security,
                 const dlms::EncryptionKey& ek, const dlms::AuthenticationKey* ak) {
    std::array<std::uint8_t, 12> nonce{};
    std::copy(title.begin(), title.end(), nonce.begin());
    for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<std::uint8_t>(counter >> (24 - 8 * i));
    dlms::GcmContext gcm(ek);
    Bytes sealed;
    const bool authenticated = (security & 0x10) != 0;
    if (!gcm.encrypt(nonce, security, authenticated ? ak : nullptr, apdu, sealed))
        throw std::runtime_error("encryption failed");
    Bytes out{0xDB, 0x08};
    out.insert(out.end(), title.begin(), title.end());
    put_ber_length(out, 5 + sealed.size());
    out.push_back(security);
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(counter >> (8 * i)));
    out.insert(out.end(), sealed.begin(), sealed.end());
    return out;
}

std::vector<Bytes> block_transfer(ByteView apdu, std::size_t block_size) {
    std::vector<Bytes> blocks;
    std::uint16_t number = 1;
    for (std::size_t at = 0; at < apdu.size(); at += block_size, ++number) {
        const std::size_t n = std::min(block_size, apdu.size() - at);
        const bool last = at + n >= apdu.size();
        Bytes b{0xE0, static_cast<std::uint8_t>(last ? 0xC0 : 0x40), static_cast<std::uint8_t>(number >> 8),
                static_cast<std::uint8_t>(number), 0x00, 0x00};
        put_ber_length(b, n);
        b.insert(b.end(), apdu.begin() + static_cast<std::ptrdiff_t>(at), apdu.begin() + static_cast<std::ptrdiff_t>(at + n));
        blocks.push_back(std::move(b));
    }
    return blocks;
}

Bytes hdlc_frame(ByteView info, bool segmented) {
    // Between the flags: format(2) dst(1) src(1) control(1) HCS(2) info FCS(2)
    const std::size_t length = 2 + 1 + 1 + 1 + 2 + info.size() + 2;
    if (length > 0x7FF) throw std::length_error("HDLC information field too long");
    Bytes f{0x7E, static_cast<std::uint8_t>(0xA0 | (segmented ? 0x08 : 0x00) | (length >> 8)),
            static_cast<std::uint8_t>(length), 0x41, 0x03, 0x13};
    const auto hcs = dlms::crc16_x25(ByteView(f).subspan(1));
    f.push_back(static_cast<std::uint8_t>(hcs));
    f.push_back(static_cast<std::uint8_t>(hcs >> 8));
    f.insert(f.end(), info.begin(), info.end());
    const auto fcs = dlms::crc16_x25(ByteView(f).subspan(1));
    f.push_back(static_cast<std::uint8_t>(fcs));
    f.push_back(static_cast<std::uint8_t>(fcs >> 8));
    f.push_back(0x7E);
    return f;
}

std::vector<Bytes> hdlc_frames(ByteView apdu, std::size_t max_info) {
    Bytes info{0xE6, 0xE7, 0x00};
    info.insert(info.end(), apdu.begin(), apdu.end());
    std::vector<Bytes> frames;
    for (std::size_t at = 0; at < info.size(); at += max_info) {
        const std::size_t n = std::min(max_info, info.size() - at);
        frames.push_back(hdlc_frame(ByteView(info).subspan(at, n), at + n < info.size()));
    }
    return frames;
}

std::vector<Bytes> mbus_frames(ByteView apdu, std::size_t max_data) {
    std::vector<Bytes> frames;
    std::uint8_t number = 0;
    for (std::size_t at = 0; at < apdu.size(); at += max_data, ++number) {
        const std::size_t n = std::min(max_data, apdu.size() - at);
        const bool last = at + n >= apdu.size();
        // C, A, CI, two TSAP bytes, data; modulo 256 for frames over 255 bytes, as the T210-D sends them
        const auto l = static_cast<std::uint8_t>(3 + 2 + n);
        Bytes f{0x68, l, l, 0x68, 0x53, 0xFF, static_cast<std::uint8_t>((last ? 0x10 : 0x00) | (number & 0x0F)), 0x01, 0x67};
        f.insert(f.end(), apdu.begin() + static_cast<std::ptrdiff_t>(at), apdu.begin() + static_cast<std::ptrdiff_t>(at + n));
        std::uint8_t sum = 0;
        for (std::size_t i = 4; i < f.size(); ++i) sum = static_cast<std::uint8_t>(sum + f[i]);
        f.push_back(sum);
        f.push_back(0x16);
        frames.push_back(std::move(f));
    }
    return frames;
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace sim

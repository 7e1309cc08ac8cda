// Builds meter frames: A-XDR values, data-notifications, general-glo-ciphering, general block
// transfer, HDLC and M-Bus framing. The mirror image of decoder/, used by `dlms2mqtt simulate`,
// the benchmarks and the tests (which build every frame they decode).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"
#include "decoder/obis.hpp"
#include "decoder/push.hpp"

namespace sim {

using dlms::ByteView;
using dlms::Bytes;

class AxdrWriter {
public:
    AxdrWriter& structure(std::size_t n) { return tag_len(0x02, n); }
    AxdrWriter& array(std::size_t n) { return tag_len(0x01, n); }
    AxdrWriter& null() { return byte(0x00); }
    AxdrWriter& octet_string(ByteView b);
    AxdrWriter& visible_string(std::string_view s);
    AxdrWriter& obis(const dlms::Obis& o) { return octet_string(o.v); }
    AxdrWriter& u8(std::uint8_t v) { return fixed(0x11, v, 1); }
    AxdrWriter& u16(std::uint16_t v) { return fixed(0x12, v, 2); }
    AxdrWriter& u32(std::uint32_t v) { return fixed(0x06, v, 4); }
    AxdrWriter& u64(std::uint64_t v) { return fixed(0x15, v, 8); }
    AxdrWriter& i8(std::int8_t v) { return fixed(0x0F, static_cast<std::uint8_t>(v), 1); }
    AxdrWriter& i16(std::int16_t v) { return fixed(0x10, static_cast<std::uint16_t>(v), 2); }
    AxdrWriter& i32(std::int32_t v) { return fixed(0x05, static_cast<std::uint32_t>(v), 4); }
    AxdrWriter& enum_(std::uint8_t v) { return fixed(0x16, v, 1); }
    AxdrWriter& date_time_octets(const dlms::DateTime& t);  // as an octet-string of 12 bytes
    AxdrWriter& raw(ByteView b) {
        out_.insert(out_.end(), b.begin(), b.end());
        return *this;
    }
    const Bytes& bytes() const { return out_; }
    Bytes take() { return std::move(out_); }

private:
    AxdrWriter& byte(std::uint8_t b) {
        out_.push_back(b);
        return *this;
    }
    AxdrWriter& tag_len(std::uint8_t tag, std::size_t n);
    AxdrWriter& fixed(std::uint8_t tag, std::uint64_t v, std::size_t n);
    Bytes out_;
};

void put_ber_length(Bytes& out, std::size_t n);
std::array<std::uint8_t, 12> date_time_bytes(const dlms::DateTime& t);

enum class TimeForm { bare, tagged, absent };  // 0C+12, 09 0C+12, 00
Bytes data_notification(std::uint32_t invoke_id, const std::optional<dlms::DateTime>& time, ByteView body,
                        TimeForm form = TimeForm::bare);

// general-glo-ciphering around `apdu`. security 0x30 needs `ak`; 0x20 ignores it.
Bytes glo_cipher(ByteView apdu, const std::array<std::uint8_t, 8>& system_title, std::uint32_t counter,
                 std::uint8_t security, const dlms::EncryptionKey& ek, const dlms::AuthenticationKey* ak);

// general-block-transfer APDUs carrying `apdu` in blocks of at most `block_size` bytes.
std::vector<Bytes> block_transfer(ByteView apdu, std::size_t block_size);

// One HDLC frame (flags, format with length, addresses 41/03-style, control 13, HCS, info, FCS).
Bytes hdlc_frame(ByteView info, bool segmented = false);
// An APDU as HDLC frames with the LLC header, split into segments of at most `max_info` bytes.
std::vector<Bytes> hdlc_frames(ByteView apdu, std::size_t max_info = 2030);
// An APDU as M-Bus long frames (CI with segment number and last bit, two TSAP bytes).
std::vector<Bytes> mbus_frames(ByteView apdu, std::size_t max_data = 240);
Bytes concat(const std::vector<Bytes>& parts);

}  // namespace sim

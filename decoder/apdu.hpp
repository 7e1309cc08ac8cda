// The APDUs a meter pushes (IEC 62056-5-3).
//
// data-notification:        0F | invoke-id-and-priority(4) | date-time | body (A-XDR Data)
//   date-time is one of     0C + 12 bytes | 09 0C + 12 bytes | 00 (absent)
// general-glo-ciphering:    DB | 08 | system title(8) | BER length | SC(1) | IC(4) | ciphertext | [tag(12)]
//   SC 0x30 = authenticated and encrypted, 0x20 = encrypted only, 0x10 = authenticated only
// general-block-transfer:   E0 | control(1) | block number(2) | acked block(2) | BER length | block data
//   control bit 7 = last block; the blocks' data concatenated is the next APDU.
#pragma once

#include <cstdint>
#include <optional>

#include "decoder/bytes.hpp"
#include "decoder/push.hpp"
#include "decoder/result.hpp"

namespace dlms {

enum ApduTag : std::uint8_t {
    kDataNotification = 0x0F,
    kGeneralGloCiphering = 0xDB,
    kGeneralBlockTransfer = 0xE0,
};

struct GloCiphered {
    ByteView system_title;
    std::uint8_t security = 0;
    std::uint32_t invocation_counter = 0;
    // Where the security byte sits in the APDU (the invocation counter follows it): 11 with a
    // one-byte content length, further with a longer BER length (long pushes, block transfers).
    std::size_t security_offset = 0;
    std::size_t counter_offset() const { return security_offset + 1; }
    ByteView ciphertext;
    ByteView tag;  // empty unless SC has the authentication bit
    bool authenticated() const { return (security & 0x10) != 0; }
    bool encrypted() const { return (security & 0x20) != 0; }
};
Result<GloCiphered> parse_glo_ciphering(ByteView apdu);

struct DataNotification {
    std::uint32_t invoke_id = 0;
    std::optional<DateTime> time;
    ByteView body;
    std::size_t body_offset = 0;
};
Result<DataNotification> parse_data_notification(ByteView apdu);

struct BlockTransfer {
    bool last = false;
    std::uint16_t block_number = 0;
    ByteView data;
};
Result<BlockTransfer> parse_block_transfer(ByteView apdu);

// A COSEM date-time of 12 bytes. Returns nullopt for a value that is not a date-time
// (month or day out of range), which lets an octet-string be recognised as one.
std::optional<DateTime> parse_date_time(ByteView twelve);

}  // namespace dlms

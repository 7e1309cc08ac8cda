#include "decoder/apdu.hpp"

namespace dlms {

namespace {
Error apdu_error(ErrorCode c, std::size_t offset, const char* msg) { return make_error(c, Layer::apdu, offset, msg); }
}  // namespace

Result<GloCiphered> parse_glo_ciphering(ByteView apdu) {
    ByteReader r(apdu);
    if (r.u8() != kGeneralGloCiphering) return apdu_error(ErrorCode::unsupported, 0, "not a general-glo-ciphering APDU");
    auto title_len = r.u8();
    if (!title_len) return apdu_error(ErrorCode::truncated, 1, "system title length missing");
    if (*title_len != 8) return apdu_error(ErrorCode::malformed, 1, "system title is not 8 bytes");
    GloCiphered g;
    auto title = r.take(8);
    if (!title) return apdu_error(ErrorCode::truncated, 2, "system title runs past the end");
    g.system_title = *title;
    const std::size_t len_at = r.offset();
    auto len = r.ber_length();
    if (!len) return apdu_error(ErrorCode::truncated, len_at, "ciphered content length missing");
    if (*len > r.remaining()) return apdu_error(ErrorCode::truncated, len_at, "ciphered content shorter than its length");
    if (*len < 5) return apdu_error(ErrorCode::malformed, len_at, "ciphered content too short for its header");
    g.security_offset = r.offset();
    g.security = *r.u8();
    g.invocation_counter = static_cast<std::uint32_t>(*r.be(4));
    std::size_t body = *len - 5;
    if (g.authenticated()) {
        if (body < 12) return apdu_error(ErrorCode::truncated, r.offset(), "ciphered content shorter than the GCM tag");
        body -= 12;
    }
    g.ciphertext = *r.take(body);
    if (g.authenticated()) g.tag = *r.take(12);
    return g;
}

std::optional<DateTime> parse_date_time(ByteView b) {
    if (b.size() != 12) return std::nullopt;
    DateTime t;
    t.year = static_cast<std::uint16_t>((b[0] << 8) | b[1]);
    t.month = b[2];
    t.day = b[3];
    t.weekday = b[4];
    t.hour = b[5];
    t.minute = b[6];
    t.second = b[7];
    t.hundredths = b[8];
    t.deviation = static_cast<std::int16_t>((b[9] << 8) | b[10]);
    t.clock_status = b[11];
    // 0xFF marks "not specified"; 0xFD/0xFE in month and day are DST markers / last days.
    const bool month_ok = (t.month >= 1 && t.month <= 12) || t.month >= 0xFD;
    const bool day_ok = (t.day >= 1 && t.day <= 31) || t.day >= 0xFD;
    const bool hour_ok = t.hour <= 23 || t.hour == 0xFF;
    const bool min_ok = t.minute <= 59 || t.minute == 0xFF;
    const bool sec_ok = t.second <= 59 || t.second == 0xFF;
    if (!month_ok || !day_ok || !hour_ok || !min_ok || !sec_ok) return std::nullopt;
    return t;
}

Result<DataNotification> parse_data_notification(ByteView apdu) {
    ByteReader r(apdu);
    if (r.u8() != kDataNotification) return apdu_error(ErrorCode::unsupported, 0, "not a data-notification APDU");
    DataNotification n;
    auto id = r.be(4);
    if (!id) return apdu_error(ErrorCode::truncated, 1, "invoke id runs past the end");
    n.invoke_id = static_cast<std::uint32_t>(*id);
    const std::size_t time_at = r.offset();
    auto first = r.u8();
    if (!first) return apdu_error(ErrorCode::truncated, time_at, "date-time field missing");
    if (*first == 0x09) first = r.u8();  // the octet-string tag some meters add
    if (!first) return apdu_error(ErrorCode::truncated, time_at, "date-time field missing");
    if (*first == 0x0C) {
        auto bytes = r.take(12);
        if (!bytes) return apdu_error(ErrorCode::truncated, time_at, "date-time runs past the end");
        n.time = parse_date_time(*bytes);
        if (!n.time) return apdu_error(ErrorCode::malformed, time_at, "date-time holds impossible values");
    } else if (*first != 0x00) {
        return apdu_error(ErrorCode::malformed, time_at, "date-time is neither 12 bytes nor absent");
    }
    n.body_offset = r.offset();
    n.body = r.rest();
    if (n.body.empty()) return apdu_error(ErrorCode::truncated, n.body_offset, "data-notification has no body");
    return n;
}

Result<BlockTransfer> parse_block_transfer(ByteView apdu) {
    ByteReader r(apdu);
    if (r.u8() != kGeneralBlockTransfer) return apdu_error(ErrorCode::unsupported, 0, "not a general-block-transfer APDU");
    auto control = r.u8();
    auto number = r.be(2);
    auto acked = r.be(2);
    if (!control || !number || !acked) return apdu_error(ErrorCode::truncated, 1, "block transfer header runs past the end");
    const std::size_t len_at = r.offset();
    auto len = r.ber_length();
    if (!len) return apdu_error(ErrorCode::truncated, len_at, "block length missing");
    auto data = r.take(*len);
    if (!data) return apdu_error(ErrorCode::truncated, len_at, "block data shorter than its length");
    return BlockTransfer{(*control & 0x80) != 0, static_cast<std::uint16_t>(*number), *data};
}

}  // namespace dlms

// The APDU layer: data-notification, general-glo-ciphering, general block transfer, and the
// decoder's handling of the invocation counter.
#include <doctest/doctest.h>

#include "decoder/apdu.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

const std::array<std::uint8_t, 16> kEk = {0x3C, 0x1A, 0x77, 0x02, 0x9E, 0x44, 0xD5, 0x60,
                                          0x0B, 0xF1, 0x28, 0x93, 0x6A, 0xCE, 0x17, 0x85};
const std::array<std::uint8_t, 16> kAk = {0xA5, 0x5A, 0x01, 0x10, 0x22, 0x33, 0x44, 0x55,
                                          0x66, 0x77, 0x88, 0x99, 0xAB, 0xBC, 0xCD, 0xDE};
constexpr std::array<std::uint8_t, 8> kTitle = {'K', 'A', 'M', 'E', 0x00, 0xBC, 0x61, 0x4E};

DateTime when() {
    DateTime t;
    t.year = 2024;
    t.month = 6;
    t.day = 11;
    t.weekday = 2;
    t.hour = 14;
    t.minute = 30;
    t.second = 5;
    t.hundredths = 0xFF;
    t.clock_status = 0x00;
    return t;
}

// list id + `pairs` OBIS/value pairs; energy_import holds `energy`.
Bytes body(std::uint32_t energy, std::size_t pairs = 1) {
    sim::AxdrWriter w;
    w.structure(1 + 2 * pairs).visible_string("Kamstrup_V0001").obis(Obis(1, 1, 1, 8, 0)).u32(energy);
    for (std::size_t k = 1; k < pairs; ++k) w.obis(Obis(1, 1, 21, 8, 0)).u32(static_cast<std::uint32_t>(k));
    return w.take();
}

Bytes notification(std::uint32_t energy, std::size_t pairs = 1) {
    return sim::data_notification(7, when(), body(energy, pairs));
}

Bytes ciphered(std::uint32_t energy, std::uint32_t counter, std::uint8_t security = 0x30, std::size_t pairs = 1,
               const std::array<std::uint8_t, 8>& title = kTitle) {
    const EncryptionKey ek(kEk);
    const AuthenticationKey ak(kAk);
    return sim::glo_cipher(notification(energy, pairs), title, counter, security, ek, &ak);
}

DecoderOptions with_keys(bool check_counter = true, bool authentication = true) {
    DecoderOptions o;
    o.keys.encryption = EncryptionKey(kEk);
    if (authentication) o.keys.authentication = AuthenticationKey(kAk);
    o.check_counter = check_counter;
    return o;
}

std::uint64_t energy_of(const Push& p) {
    const Reading* r = p.find("energy_import");
    REQUIRE(r);
    return std::get<std::uint64_t>(r->raw);
}

testsupport::Outcome decode(Decoder& d, ByteView apdu) {
    testsupport::Outcome o;
    d.decode_apdu(apdu, testsupport::collect(o));
    return o;
}

void check_error(const Error& e, ErrorCode code, Layer layer, std::size_t offset) {
    CHECK(e.code == code);
    CHECK(e.layer == layer);
    CHECK(e.offset == offset);
}

}  // namespace

TEST_CASE("apdu: data-notification with each date-time form") {
    struct Form { sim::TimeForm form; bool has_time; };
    for (auto [form, has_time] : {Form{sim::TimeForm::bare, true}, Form{sim::TimeForm::tagged, true},
                                  Form{sim::TimeForm::absent, false}}) {
        CAPTURE(static_cast<int>(form));
        const Bytes apdu = sim::data_notification(0x01020304, when(), body(55), form);
        auto n = parse_data_notification(apdu);
        REQUIRE(n);
        CHECK(n->invoke_id == 0x01020304);
        CHECK(Bytes(n->body.begin(), n->body.end()) == body(55));
        CHECK(n->body_offset == apdu.size() - body(55).size());

        Decoder d;
        auto o = decode(d, apdu);
        REQUIRE(o.pushes.size() == 1);
        const Push& p = o.pushes[0];
        CHECK(p.invoke_id == 0x01020304);
        CHECK(p.notification_time.has_value() == has_time);
        if (has_time) {
            CHECK(*p.notification_time == when());
            CHECK(p.notification_time->iso() == "2024-06-11T14:30:05");
            CHECK_FALSE(p.notification_time->has_deviation());
        }
        CHECK(p.security == Security::none);
        CHECK(p.system_title.empty());
        CHECK(p.frame_counter == 0);
        CHECK(energy_of(p) == 55);
    }
}

TEST_CASE("apdu: data-notification truncated at each field, and malformed date-times") {
    const Bytes apdu = sim::data_notification(1, when(), body(1));
    auto at = [&](std::size_t n) { return parse_data_notification(ByteView(apdu).first(n)); };
    check_error(at(1).error(), ErrorCode::truncated, Layer::apdu, 1);   // invoke id
    check_error(at(4).error(), ErrorCode::truncated, Layer::apdu, 1);
    check_error(at(5).error(), ErrorCode::truncated, Layer::apdu, 5);   // date-time missing
    check_error(at(6).error(), ErrorCode::truncated, Layer::apdu, 5);   // date-time cut
    check_error(at(17).error(), ErrorCode::truncated, Layer::apdu, 5);
    check_error(at(18).error(), ErrorCode::truncated, Layer::apdu, 18);  // no body
    CHECK(at(19));

    const Bytes tagged = sim::data_notification(1, when(), body(1), sim::TimeForm::tagged);
    check_error(parse_data_notification(ByteView(tagged).first(6)).error(), ErrorCode::truncated, Layer::apdu, 5);

    Bytes bad_month = apdu;
    bad_month[5 + 1 + 2] = 13;
    check_error(parse_data_notification(bad_month).error(), ErrorCode::malformed, Layer::apdu, 5);
    Bytes bad_form = apdu;
    bad_form[5] = 0x05;
    check_error(parse_data_notification(bad_form).error(), ErrorCode::malformed, Layer::apdu, 5);

    // Through the decoder: the error keeps its layer and counts once.
    Decoder d;
    auto o = decode(d, ByteView(apdu).first(10));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);
    CHECK(o.errors[0].layer == Layer::apdu);
    CHECK(o.pushes.empty());
    CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::truncated)] == 1);
}

TEST_CASE("apdu: an empty APDU and an APDU that is not a push") {
    Decoder d;
    auto o = decode(d, ByteView{});
    REQUIRE(o.errors.size() == 1);
    check_error(o.errors[0], ErrorCode::truncated, Layer::apdu, 0);
    const Bytes get_response = {0xC4, 0x01, 0x81, 0x00};
    o = decode(d, get_response);
    REQUIRE(o.errors.size() == 1);
    check_error(o.errors[0], ErrorCode::unsupported, Layer::apdu, 0);
}

TEST_CASE("apdu: general-glo-ciphering, authenticated (0x30) and encryption-only (0x20)") {
    for (std::uint8_t sc : {std::uint8_t{0x30}, std::uint8_t{0x20}}) {
        CAPTURE(int{sc});
        const Bytes apdu = ciphered(4242, 0x01020304, sc);
        auto g = parse_glo_ciphering(apdu);
        REQUIRE(g);
        CHECK(Bytes(g->system_title.begin(), g->system_title.end()) == Bytes(kTitle.begin(), kTitle.end()));
        CHECK(g->security == sc);
        CHECK(g->invocation_counter == 0x01020304);
        CHECK(g->encrypted());
        CHECK(g->authenticated() == (sc == 0x30));
        CHECK(g->tag.size() == (sc == 0x30 ? 12u : 0u));
        CHECK(g->ciphertext.size() == notification(4242).size());

        // A meter that only encrypts is configured with its encryption key only.
        Decoder d(with_keys(true, sc == 0x30));
        auto o = decode(d, apdu);
        REQUIRE(o.pushes.size() == 1);
        CHECK(o.errors.empty());
        CHECK(o.warnings.empty());
        const Push& p = o.pushes[0];
        CHECK(p.security == (sc == 0x30 ? Security::authenticated_encrypted : Security::encrypted));
        CHECK(p.frame_counter == 0x01020304);
        CHECK(p.system_title == Bytes(kTitle.begin(), kTitle.end()));
        CHECK(energy_of(p) == 4242);
        CHECK(p.notification_time == when());
    }
}

TEST_CASE("apdu: short and long BER lengths of the ciphered content") {
    struct Case { std::size_t pairs; std::uint8_t form; };
    // One pair: ~60 bytes; 8 pairs: > 127; 20 pairs: > 255.
    for (auto [pairs, form] : {Case{1, 0x00}, Case{8, 0x81}, Case{20, 0x82}}) {
        CAPTURE(pairs);
        const Bytes apdu = ciphered(99, 1, 0x30, pairs);
        const std::size_t content = apdu.size() - 10 - (form == 0 ? 1 : form - 0x80 + 1);
        if (form == 0) {
            CHECK(apdu[10] == content);
            CHECK(content < 0x80);
        } else {
            CHECK(apdu[10] == form);
            CHECK(content > (form == 0x81 ? 127u : 255u));
        }
        auto g = parse_glo_ciphering(apdu);
        REQUIRE(g);
        CHECK(g->ciphertext.size() + 5 + 12 == content);
        Decoder d(with_keys());
        auto o = decode(d, apdu);
        REQUIRE(o.pushes.size() == 1);
        CHECK(o.pushes[0].readings.size() == pairs);
    }
}

TEST_CASE("apdu: errors in the ciphering header name the real offset, whatever the length form") {
    // Tag, title length, 8-byte title, then the BER length (1, 2 or 3 bytes): the security byte
    // is at 11, 12 or 13, the invocation counter right after it.
    struct Case { std::size_t pairs; std::size_t security_at; };
    for (auto [pairs, security_at] : {Case{1, 11}, Case{8, 12}, Case{20, 13}}) {
        CAPTURE(pairs);
        auto g = parse_glo_ciphering(ciphered(99, 5, 0x30, pairs));
        REQUIRE(g);
        CHECK(g->security_offset == security_at);

        Decoder d(with_keys());
        auto o = decode(d, ciphered(99, 5, 0x30, pairs));
        REQUIRE(o.pushes.size() == 1);
        o = decode(d, ciphered(99, 5, 0x30, pairs));  // the same counter again
        REQUIRE(o.errors.size() == 1);
        check_error(o.errors[0], ErrorCode::replayed, Layer::crypto, security_at + 1);

        // Encrypted without a tag while an authentication key is configured.
        o = decode(d, ciphered(99, 6, 0x20, pairs));
        REQUIRE(o.errors.size() == 1);
        check_error(o.errors[0], ErrorCode::not_authenticated, Layer::crypto, security_at);

        // Authenticated only (security 0x10): not supported, said at the security byte.
        const EncryptionKey ek(kEk);
        const AuthenticationKey ak(kAk);
        o = decode(d, sim::glo_cipher(notification(99, pairs), kTitle, 7, 0x10, ek, &ak));
        REQUIRE(o.errors.size() == 1);
        check_error(o.errors[0], ErrorCode::unsupported, Layer::crypto, security_at);
    }
}

TEST_CASE("apdu: general-glo-ciphering truncated at each field") {
    const Bytes apdu = ciphered(1, 1);
    auto at = [&](std::size_t n) { return parse_glo_ciphering(ByteView(apdu).first(n)).error(); };
    check_error(at(1), ErrorCode::truncated, Layer::apdu, 1);    // title length
    check_error(at(2), ErrorCode::truncated, Layer::apdu, 2);    // title
    check_error(at(9), ErrorCode::truncated, Layer::apdu, 2);
    check_error(at(10), ErrorCode::truncated, Layer::apdu, 10);  // content length
    check_error(at(11), ErrorCode::truncated, Layer::apdu, 10);  // content shorter than its length
    check_error(at(apdu.size() - 1), ErrorCode::truncated, Layer::apdu, 10);

    Bytes long_form_cut = {0xDB, 0x08};
    long_form_cut.insert(long_form_cut.end(), kTitle.begin(), kTitle.end());
    long_form_cut.push_back(0x82);
    long_form_cut.push_back(0x01);  // the second length byte is missing
    check_error(parse_glo_ciphering(long_form_cut).error(), ErrorCode::truncated, Layer::apdu, 10);

    Bytes short_content(apdu.begin(), apdu.begin() + 10);
    short_content.insert(short_content.end(), {0x04, 0x30, 0x00, 0x00, 0x01});
    check_error(parse_glo_ciphering(short_content).error(), ErrorCode::malformed, Layer::apdu, 10);

    // Authenticated, content of exactly the header: no room for the tag.
    Bytes no_tag(apdu.begin(), apdu.begin() + 10);
    no_tag.insert(no_tag.end(), {0x05, 0x30, 0x00, 0x00, 0x00, 0x01});
    CHECK(parse_glo_ciphering(no_tag).error().code == ErrorCode::truncated);
    // Encryption only, content of exactly the header: an empty ciphertext is well-formed.
    Bytes empty_ct(apdu.begin(), apdu.begin() + 10);
    empty_ct.insert(empty_ct.end(), {0x05, 0x20, 0x00, 0x00, 0x00, 0x01});
    auto g = parse_glo_ciphering(empty_ct);
    REQUIRE(g);
    CHECK(g->ciphertext.empty());

    Bytes title9 = apdu;
    title9[1] = 0x09;
    check_error(parse_glo_ciphering(title9).error(), ErrorCode::malformed, Layer::apdu, 1);

    // Through the decoder, with keys: still an APDU-layer truncation, nothing decrypted.
    Decoder d(with_keys());
    auto o = decode(d, ByteView(apdu).first(40));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::truncated);
    CHECK(o.errors[0].layer == Layer::apdu);
}

TEST_CASE("apdu: general block transfer in 1, 3 and 5 blocks") {
    const Bytes inner = ciphered(31337, 9, 0x30, 6);
    for (std::size_t blocks : {std::size_t{1}, std::size_t{3}, std::size_t{5}}) {
        CAPTURE(blocks);
        const auto parts = sim::block_transfer(inner, (inner.size() + blocks - 1) / blocks);
        REQUIRE(parts.size() == blocks);
        auto first = parse_block_transfer(parts.front());
        REQUIRE(first);
        CHECK(first->block_number == 1);
        CHECK(first->last == (blocks == 1));
        auto last = parse_block_transfer(parts.back());
        REQUIRE(last);
        CHECK(last->last);
        CHECK(last->block_number == blocks);

        Decoder d(with_keys());
        testsupport::Outcome o;
        for (const auto& b : parts) {
            CHECK(o.pushes.empty());
            d.decode_apdu(b, testsupport::collect(o));
        }
        REQUIRE(o.pushes.size() == 1);
        CHECK(o.errors.empty());
        CHECK(energy_of(o.pushes[0]) == 31337);
        CHECK(o.pushes[0].frame_counter == 9);
    }
}

TEST_CASE("apdu: block transfer carried in HDLC frames, a plain data-notification inside") {
    const auto parts = sim::block_transfer(notification(5, 4), 20);
    REQUIRE(parts.size() >= 3);
    Bytes stream;
    for (const auto& b : parts) {
        const Bytes f = sim::concat(sim::hdlc_frames(b));
        stream.insert(stream.end(), f.begin(), f.end());
    }
    Decoder d;
    auto o = testsupport::feed(d, stream);
    REQUIRE(o.pushes.size() == 1);
    CHECK(energy_of(o.pushes[0]) == 5);
    CHECK(o.pushes[0].readings.size() == 4);
}

TEST_CASE("apdu: a lost block is an error and the next complete transfer still decodes") {
    const auto first = sim::block_transfer(ciphered(1, 1, 0x30, 6), 30);
    const auto second = sim::block_transfer(ciphered(2, 2, 0x30, 6), 30);
    REQUIRE(first.size() >= 3);
    Decoder d(with_keys());
    testsupport::Outcome o;
    for (std::size_t i = 0; i < first.size(); ++i)
        if (i != 1) d.decode_apdu(first[i], testsupport::collect(o));  // block 2 lost
    CHECK(o.pushes.empty());
    REQUIRE_FALSE(o.errors.empty());
    check_error(o.errors[0], ErrorCode::malformed, Layer::apdu, 2);
    // Every block after the gap is refused: none may be glued to a later transfer.
    CHECK(o.errors.size() == first.size() - 2);
    o.errors.clear();
    for (const auto& b : second) d.decode_apdu(b, testsupport::collect(o));
    REQUIRE(o.pushes.size() == 1);
    CHECK(o.errors.empty());
    CHECK(energy_of(o.pushes[0]) == 2);
}

TEST_CASE("apdu: a transfer that restarts at block 1 drops the unfinished one, as an incomplete push") {
    const auto a = sim::block_transfer(notification(10, 3), 16);
    const auto b = sim::block_transfer(notification(20, 3), 16);
    Decoder d;
    testsupport::Outcome o;
    d.decode_apdu(a[0], testsupport::collect(o));
    for (const auto& blk : b) d.decode_apdu(blk, testsupport::collect(o));
    REQUIRE(o.pushes.size() == 1);
    CHECK(energy_of(o.pushes[0]) == 20);
    // The unfinished push is not dropped silently (issue 18): it is one incomplete error.
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::incomplete);
}

TEST_CASE("apdu: block transfer truncated at each header field") {
    const Bytes blk = sim::block_transfer(notification(1), 200).at(0);
    auto at = [&](std::size_t n) { return parse_block_transfer(ByteView(blk).first(n)).error(); };
    check_error(at(1), ErrorCode::truncated, Layer::apdu, 1);  // control
    check_error(at(2), ErrorCode::truncated, Layer::apdu, 1);  // block number
    check_error(at(4), ErrorCode::truncated, Layer::apdu, 1);  // acknowledged block
    check_error(at(6), ErrorCode::truncated, Layer::apdu, 6);  // length
    check_error(at(7), ErrorCode::truncated, Layer::apdu, 6);  // data
    check_error(at(blk.size() - 1), ErrorCode::truncated, Layer::apdu, 6);
    CHECK(parse_block_transfer(blk));

    // A last block with no data: the transfer is empty, which is a truncated APDU.
    const Bytes empty_last = {0xE0, 0xC0, 0x00, 0x01, 0x00, 0x00, 0x00};
    Decoder d;
    auto o = decode(d, empty_last);
    REQUIRE(o.errors.size() == 1);
    check_error(o.errors[0], ErrorCode::truncated, Layer::apdu, 0);
}

TEST_CASE("apdu: invocation counter: replays refused, gaps counted") {
    Decoder d(with_keys());
    testsupport::Outcome o;
    auto push = [&](std::uint32_t counter) { d.decode_apdu(ciphered(counter, counter), testsupport::collect(o)); };
    push(1);
    push(1);  // repeated
    push(0);  // older
    push(5);  // 2, 3, 4 missed
    push(4);  // older than the last one seen
    push(6);
    REQUIRE(o.pushes.size() == 3);
    CHECK(energy_of(o.pushes[0]) == 1);
    CHECK(energy_of(o.pushes[1]) == 5);
    CHECK(energy_of(o.pushes[2]) == 6);
    REQUIRE(o.errors.size() == 3);
    for (const auto& e : o.errors) {
        CHECK(e.code == ErrorCode::replayed);
        CHECK(e.layer == Layer::crypto);
    }
    CHECK(d.stats().missed_pushes == 3);
    CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::replayed)] == 3);
    CHECK(d.stats().pushes == 3);
    CHECK(d.stats().last_frame_counter == 6);
}

TEST_CASE("apdu: invocation counters are kept per meter") {
    constexpr std::array<std::uint8_t, 8> other = {'K', 'A', 'M', 'E', 0x00, 0x00, 0x00, 0x02};
    Decoder d(with_keys());
    testsupport::Outcome o;
    d.decode_apdu(ciphered(1, 100), testsupport::collect(o));
    d.decode_apdu(ciphered(2, 7, 0x30, 1, other), testsupport::collect(o));  // lower, but another meter
    d.decode_apdu(ciphered(3, 101), testsupport::collect(o));
    CHECK(o.pushes.size() == 3);
    CHECK(o.errors.empty());
    CHECK(d.stats().missed_pushes == 0);
}

TEST_CASE("apdu: check_counter=false accepts replays") {
    Decoder d(with_keys(false));
    testsupport::Outcome o;
    for (std::uint32_t c : {3u, 3u, 2u}) d.decode_apdu(ciphered(c, c), testsupport::collect(o));
    CHECK(o.pushes.size() == 3);
    CHECK(o.errors.empty());
    CHECK(d.stats().missed_pushes == 0);
}

// The link layer: CRC-16/X.25, HDLC and M-Bus frame checks, and the StreamFramer cutting a serial
// byte stream into frames whatever the chunking, the noise and the damage in between.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "decoder/stream_framer.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

using testsupport::ciphered_energy;
using testsupport::energy_notification;
using testsupport::with_test_keys;

Bytes plain_hdlc(std::uint32_t energy) { return sim::concat(sim::hdlc_frames(energy_notification(energy))); }

// Rewrites the FCS of an HDLC frame after a deliberate change inside it.
Bytes with_fcs(Bytes f) {
    const auto fcs = crc16_x25(ByteView(f).subspan(1, f.size() - 4));
    f[f.size() - 3] = static_cast<std::uint8_t>(fcs);
    f[f.size() - 2] = static_cast<std::uint8_t>(fcs >> 8);
    return f;
}

std::vector<std::uint64_t> energies(const testsupport::Outcome& o) {
    std::vector<std::uint64_t> out;
    for (const auto& p : o.pushes) {
        const Reading* r = p.find("energy_import");
        REQUIRE(r);
        out.push_back(std::get<std::uint64_t>(r->raw));
    }
    return out;
}

struct Cut {
    std::vector<Bytes> frames;
    std::vector<Error> errors;
};

StreamFramer::Handlers collect(Cut& c) {
    StreamFramer::Handlers h;
    h.on_frame = [&c](LinkFrame&& f) { c.frames.push_back(std::move(f.bytes)); };
    h.on_error = [&c](const Error& e, ByteView) { c.errors.push_back(e); };
    return h;
}

// Feeds `stream` in chunks of `chunk` bytes (the last one shorter).
template <typename Feed>
void in_chunks(const Bytes& stream, std::size_t chunk, Feed&& feed) {
    for (std::size_t at = 0; at < stream.size(); at += chunk)
        feed(ByteView(stream).subspan(at, std::min(chunk, stream.size() - at)));
}

testsupport::Outcome feed_chunked(Decoder& d, const Bytes& stream, std::size_t chunk) {
    testsupport::Outcome o;
    in_chunks(stream, chunk, [&](ByteView part) { d.feed(part, testsupport::collect(o)); });
    return o;
}

// Several frames of different kinds and sizes, some with 7E and 68 inside.
std::vector<Bytes> mixed_frames() {
    return {plain_hdlc(1000), sim::concat(sim::hdlc_frames(ciphered_energy(2000, 7))), plain_hdlc(0x7E7E7E7E),
            sim::concat(sim::mbus_frames(energy_notification(0x68686868))), plain_hdlc(5000)};
}

// Noise from a fixed seed, rich in flag and M-Bus start bytes. It holds no 7E 7E and never starts
// or ends with 7E (next to a frame's own flag): repeated flags are inter-frame fill, not garbage. It
// never holds DB: before the first link-layer frame, "DB 08" may start a bare glo-ciphering APDU,
// which has no checksum to refuse noise with.
Bytes noise(std::mt19937& rng, std::size_t n) {
    Bytes out;
    while (out.size() < n) {
        const auto r = rng();
        std::uint8_t b = static_cast<std::uint8_t>(r >> 8);
        if (r % 5 == 0) b = 0x7E;
        if (r % 7 == 0) b = 0x68;
        if (b == 0xDB) continue;
        if (b == 0x7E && (out.empty() || out.size() + 1 == n || out.back() == 0x7E)) continue;
        out.push_back(b);
    }
    return out;
}

}  // namespace

TEST_CASE("framing: CRC-16/X.25 check value and empty input") {
    CHECK(crc16_x25(as_bytes("123456789")) == 0x906E);
    CHECK(crc16_x25(ByteView{}) == 0x0000);  // init FFFF, final xor FFFF
}

TEST_CASE("framing: parse_hdlc accepts a built frame and rejects each kind of damage") {
    const Bytes info = {0xE6, 0xE7, 0x00, 0x0F, 0x01, 0x02, 0x03};
    const Bytes f = sim::hdlc_frame(info);

    SUBCASE("success") {
        auto r = parse_hdlc(f);
        REQUIRE(r);
        CHECK(Bytes(r->info.begin(), r->info.end()) == info);
        CHECK_FALSE(r->segmented);
        CHECK(r->control == 0x13);
    }
    SUBCASE("segmented bit") {
        auto r = parse_hdlc(sim::hdlc_frame(info, true));
        REQUIRE(r);
        CHECK(r->segmented);
    }
    SUBCASE("11-bit length: an information field longer than 255 bytes") {
        const Bytes big(300, 0x55);
        const Bytes g = sim::hdlc_frame(big);
        CHECK((g[1] & 0x07) == 0x01);
        auto r = parse_hdlc(g);
        REQUIRE(r);
        CHECK(r->info.size() == 300);
    }
    SUBCASE("bad HCS with a matching FCS") {
        Bytes g = f;
        g[6] ^= 0x01;  // HCS follows 7E A0 len 41 03 13
        auto r = parse_hdlc(with_fcs(g));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::corrupt_frame);
        CHECK(r.error().layer == Layer::framing);
        CHECK(r.error().offset == 6);
    }
    SUBCASE("bad FCS") {
        Bytes g = f;
        g[g.size() - 2] ^= 0x80;
        auto r = parse_hdlc(g);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::corrupt_frame);
        CHECK(r.error().offset == g.size() - 3);
    }
    SUBCASE("length field not matching the frame") {
        Bytes g = f;
        g.insert(g.end() - 1, 0x00);  // one byte more than the length says
        auto r = parse_hdlc(g);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::corrupt_frame);
        CHECK(r.error().offset == 1);
    }
    SUBCASE("no information field: control then FCS, no HCS") {
        auto r = parse_hdlc(with_fcs({0x7E, 0xA0, 0x07, 0x41, 0x03, 0x13, 0x00, 0x00, 0x7E}));
        REQUIRE(r);
        CHECK(r->info.empty());
    }
    SUBCASE("empty, truncated, missing flags") {
        CHECK(parse_hdlc(ByteView{}).error().code == ErrorCode::truncated);
        CHECK(parse_hdlc(ByteView(f).first(8)).error().code == ErrorCode::truncated);
        CHECK(parse_hdlc(ByteView(f).first(f.size() - 1)).error().code == ErrorCode::corrupt_frame);
        Bytes g = f;
        g.front() = 0x7F;
        CHECK(parse_hdlc(g).error().code == ErrorCode::corrupt_frame);
    }
}

TEST_CASE("framing: parse_mbus accepts a built frame and rejects a bad checksum or length") {
    const Bytes apdu = energy_notification(42);
    const auto frames = sim::mbus_frames(apdu);
    REQUIRE(frames.size() == 1);
    const Bytes& f = frames[0];
    auto r = parse_mbus(f);
    REQUIRE(r);
    CHECK(r->ci == 0x10);
    CHECK(Bytes(r->data.begin() + 2, r->data.end()) == apdu);  // after the two TSAP bytes

    Bytes bad_sum = f;
    bad_sum[bad_sum.size() - 2] ^= 0x01;
    CHECK(parse_mbus(bad_sum).error().code == ErrorCode::corrupt_frame);
    Bytes bad_len = f;
    bad_len[1] = bad_len[2] = static_cast<std::uint8_t>(bad_len[1] + 1);
    CHECK(parse_mbus(bad_len).error().code == ErrorCode::corrupt_frame);
    Bytes bad_stop = f;
    bad_stop.back() = 0x17;
    CHECK(parse_mbus(bad_stop).error().code == ErrorCode::corrupt_frame);
    CHECK(parse_mbus(ByteView{}).error().code == ErrorCode::truncated);
    CHECK(parse_mbus(ByteView(f).first(8)).error().code == ErrorCode::truncated);
}

TEST_CASE("framing: the same frames come out of a stream in every chunking") {
    const auto frames = mixed_frames();
    const Bytes stream = sim::concat(frames);

    auto check = [&](const std::vector<std::size_t>& chunks) {
        StreamFramer framer;
        Cut cut;
        std::size_t at = 0;
        for (auto n : chunks) {
            framer.feed(ByteView(stream).subspan(at, n), collect(cut));
            at += n;
        }
        REQUIRE(at == stream.size());
        CHECK(cut.frames == frames);
        CHECK(cut.errors.empty());
        CHECK(framer.garbage_bytes() == 0);
        CHECK(framer.buffered() == 0);
    };
    SUBCASE("whole") { check({stream.size()}); }
    SUBCASE("one byte at a time") { check(std::vector<std::size_t>(stream.size(), 1)); }
    SUBCASE("random chunk sizes") {
        std::mt19937 rng(20240611);
        std::vector<std::size_t> chunks;
        for (std::size_t left = stream.size(); left > 0;) {
            const std::size_t n = std::min<std::size_t>(left, 1 + rng() % 97);
            chunks.push_back(n);
            left -= n;
        }
        check(chunks);
    }
    SUBCASE("an empty chunk changes nothing") {
        StreamFramer framer;
        Cut cut;
        framer.feed(ByteView{}, collect(cut));
        CHECK(cut.frames.empty());
        CHECK(framer.buffered() == 0);
    }
}

TEST_CASE("framing: noise between frames is skipped and counted exactly") {
    const auto frames = mixed_frames();
    std::mt19937 rng(7);
    Bytes stream;
    std::size_t noise_bytes = 0;
    for (const auto& f : frames) {
        const Bytes n = noise(rng, 5 + rng() % 60);
        CHECK(std::count(n.begin(), n.end(), 0x7E) > 0);
        noise_bytes += n.size();
        stream.insert(stream.end(), n.begin(), n.end());
        stream.insert(stream.end(), f.begin(), f.end());
    }
    const Bytes tail = noise(rng, 33);
    noise_bytes += tail.size();
    stream.insert(stream.end(), tail.begin(), tail.end());
    // The tail is only known to be noise once it cannot be the start of a frame: close it with
    // one more frame.
    stream.insert(stream.end(), frames[0].begin(), frames[0].end());

    for (std::size_t chunk : {std::size_t{1}, std::size_t{13}, stream.size()}) {
        CAPTURE(chunk);
        StreamFramer framer;
        Cut cut;
        in_chunks(stream, chunk, [&](ByteView part) { framer.feed(part, collect(cut)); });
        REQUIRE(cut.frames.size() == frames.size() + 1);
        CHECK(std::equal(frames.begin(), frames.end(), cut.frames.begin()));
        CHECK(framer.garbage_bytes() == noise_bytes);
        CHECK(cut.errors.empty());
    }
}

TEST_CASE("framing: the tail of a frame (reading started mid-frame) is skipped, the next frame decodes") {
    const Bytes a = plain_hdlc(11), b = plain_hdlc(22);
    Bytes stream(a.begin() + static_cast<std::ptrdiff_t>(a.size() / 2), a.end());
    const std::size_t tail = stream.size();
    stream.insert(stream.end(), b.begin(), b.end());
    Decoder d;
    auto o = testsupport::feed(d, stream);
    CHECK(energies(o) == std::vector<std::uint64_t>{22});
    CHECK(o.errors.empty());
    // The tail's closing flag and the next opening flag are a 7E 7E pair: the flag is not garbage.
    CHECK(d.stats().garbage_bytes == tail - 1);
}

// DESIGN.md: "on a bad frame resynchronise at the next flag". A frame cut short (its head with a
// valid HCS, then the next whole frame) must not take the whole next frame down with it.
TEST_CASE("framing: the head of a frame cut short, then a whole frame: the whole one decodes") {
    const Bytes a = plain_hdlc(11), b = plain_hdlc(22), c = plain_hdlc(33);
    Bytes stream(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(a.size() / 2));
    stream.insert(stream.end(), b.begin(), b.end());
    stream.insert(stream.end(), c.begin(), c.end());
    Decoder d;
    auto o = testsupport::feed(d, stream);
    CHECK(energies(o) == std::vector<std::uint64_t>{22, 33});
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::corrupt_frame);
}

TEST_CASE("framing: a frame with a corrupted FCS between two good ones is reported once") {
    Bytes bad = plain_hdlc(2);
    bad[bad.size() - 3] ^= 0x10;
    const Bytes stream = sim::concat({plain_hdlc(1), bad, plain_hdlc(3)});
    for (std::size_t chunk : {std::size_t{1}, stream.size()}) {
        CAPTURE(chunk);
        Decoder d;
        auto o = feed_chunked(d, stream, chunk);
        CHECK(energies(o) == std::vector<std::uint64_t>{1, 3});
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].code == ErrorCode::corrupt_frame);
        CHECK(o.errors[0].layer == Layer::framing);
        CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::corrupt_frame)] == 1);
    }
}

TEST_CASE("framing: 7E inside the ciphertext does not cut the frame") {
    // Find a counter whose ciphertext holds a 7E, as real Kamstrup frames do.
    std::uint32_t counter = 1;
    Bytes frame;
    auto has_inner_flag = [](const Bytes& f) { return std::find(f.begin() + 1, f.end() - 1, 0x7E) != f.end() - 1; };
    for (; counter < 1000; ++counter) {
        frame = sim::concat(sim::hdlc_frames(ciphered_energy(123456, counter)));
        if (has_inner_flag(frame)) break;
    }
    REQUIRE(has_inner_flag(frame));
    // The frame after it is encrypted too: with keys configured a push in clear is refused.
    const Bytes stream = sim::concat({frame, sim::concat(sim::hdlc_frames(ciphered_energy(9, counter + 1)))});
    for (std::size_t chunk : {std::size_t{1}, stream.size()}) {
        CAPTURE(chunk);
        Decoder d(with_test_keys());
        auto o = feed_chunked(d, stream, chunk);
        CHECK(energies(o) == std::vector<std::uint64_t>{123456, 9});
        CHECK(o.errors.empty());
        CHECK(d.stats().garbage_bytes == 0);
        CHECK(o.pushes[0].frame_counter == counter);
    }
}

TEST_CASE("framing: 7E 7E flag pairs between frames are neither garbage nor frames") {
    const Bytes a = plain_hdlc(1), b = plain_hdlc(2);
    Bytes stream = a;
    stream.push_back(0x7E);  // a separate opening flag: 7E 7E ... (closing flag, opening flag)
    stream.push_back(0x7E);
    stream.insert(stream.end(), b.begin(), b.end());
    Decoder d;
    auto o = testsupport::feed(d, stream);
    CHECK(energies(o) == std::vector<std::uint64_t>{1, 2});
    CHECK(o.errors.empty());
    CHECK(d.stats().garbage_bytes == 0);
}

TEST_CASE("framing: a segmented HDLC sequence is reassembled into one push") {
    const Bytes apdu = ciphered_energy(777, 3);
    const auto frames = sim::hdlc_frames(apdu, 16);
    REQUIRE(frames.size() > 3);
    Decoder d(with_test_keys());
    testsupport::Outcome o;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        d.feed(frames[i], testsupport::collect(o));
        if (i + 1 < frames.size()) CHECK(o.pushes.empty());
    }
    CHECK(energies(o) == std::vector<std::uint64_t>{777});
    CHECK(o.errors.empty());
    CHECK(d.stats().frames == frames.size());
}

TEST_CASE("framing: M-Bus long frames, single and segmented") {
    SUBCASE("single") {
        Decoder d;
        auto o = testsupport::feed(d, sim::concat(sim::mbus_frames(energy_notification(5))));
        CHECK(energies(o) == std::vector<std::uint64_t>{5});
        CHECK(o.errors.empty());
    }
    SUBCASE("segmented, ciphered") {
        const auto frames = sim::mbus_frames(ciphered_energy(6, 1), 20);
        REQUIRE(frames.size() > 2);
        Decoder d(with_test_keys());
        auto o = testsupport::feed(d, sim::concat(frames));
        CHECK(energies(o) == std::vector<std::uint64_t>{6});
        CHECK(o.errors.empty());
        CHECK(d.stats().frames == frames.size());
    }
    SUBCASE("a lost segment is an error, the next sequence decodes") {
        auto frames = sim::mbus_frames(energy_notification(7), 10);
        REQUIRE(frames.size() >= 3);
        frames.erase(frames.begin() + 1);
        Bytes stream = sim::concat(frames);
        const Bytes next = sim::concat(sim::mbus_frames(energy_notification(8), 10));
        stream.insert(stream.end(), next.begin(), next.end());
        Decoder d;
        auto o = testsupport::feed(d, stream);
        CHECK(energies(o) == std::vector<std::uint64_t>{8});
        REQUIRE_FALSE(o.errors.empty());
        CHECK(o.errors[0].code == ErrorCode::malformed);
        CHECK(o.errors[0].layer == Layer::framing);
    }
}

TEST_CASE("framing: an M-Bus frame with a bad checksum is dropped, the next one decodes") {
    Bytes bad = sim::concat(sim::mbus_frames(energy_notification(1)));
    bad[bad.size() - 2] ^= 0x04;
    const Bytes good = sim::concat(sim::mbus_frames(energy_notification(2)));
    Decoder d;
    auto o = testsupport::feed(d, sim::concat({bad, good}));
    CHECK(energies(o) == std::vector<std::uint64_t>{2});
    REQUIRE(o.errors.size() == 1);  // its header was right: a damaged frame, reported once
    CHECK(o.errors[0].code == ErrorCode::corrupt_frame);
    CHECK(d.stats().garbage_bytes == bad.size());

    // Handed over whole (as the reader thread does), the same frame is a corrupt_frame error.
    Decoder d2;
    testsupport::Outcome o2;
    d2.decode_frame(LinkFrame{LinkKind::mbus, bad}, testsupport::collect(o2));
    CHECK(o2.pushes.empty());
    REQUIRE(o2.errors.size() == 1);
    CHECK(o2.errors[0].code == ErrorCode::corrupt_frame);
}

TEST_CASE("framing: a stream of bare general-glo-ciphering APDUs") {
    const Bytes stream = sim::concat({ciphered_energy(100, 1), ciphered_energy(200, 2), ciphered_energy(300, 3)});
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, stream.size()}) {
        CAPTURE(chunk);
        Decoder d(with_test_keys(true));
        auto o = feed_chunked(d, stream, chunk);
        CHECK(energies(o) == std::vector<std::uint64_t>{100, 200, 300});
        CHECK(o.errors.empty());
        CHECK(d.stats().garbage_bytes == 0);
    }

    // Only when asked for: without a checksum, bare APDUs are not looked for by default.
    Decoder plain(with_test_keys(false));
    auto o = testsupport::feed(plain, stream);
    CHECK(o.pushes.empty());
    CHECK(plain.stats().garbage_bytes > 0);
}

TEST_CASE("framing: a claimed length that can never arrive does not stall the stream") {
    // 7E A7 FF ...: an HDLC header claiming 2047 bytes, valid HCS, then the stream goes on.
    Bytes head = {0x7E, 0xA7, 0xFF, 0x41, 0x03, 0x13};
    const auto hcs = crc16_x25(ByteView(head).subspan(1));
    head.push_back(static_cast<std::uint8_t>(hcs));
    head.push_back(static_cast<std::uint8_t>(hcs >> 8));
    Bytes stream = head;
    for (std::uint32_t i = 1; i <= 60; ++i) {  // 60 x 51 bytes: more than the claimed 2049
        const Bytes f = plain_hdlc(i);
        stream.insert(stream.end(), f.begin(), f.end());
    }
    Decoder d;
    auto o = testsupport::feed(d, stream);
    // Once the claimed length has arrived the frame fails its FCS; the search then goes on from
    // its second byte, so the frames inside the claimed length are not lost.
    std::vector<std::uint64_t> want(60);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = i + 1;
    CHECK(energies(o) == want);
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::corrupt_frame);
    CHECK(d.stats().garbage_bytes == head.size());
}

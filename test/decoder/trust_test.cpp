// What the decoder takes as the meter's word when keys are configured: only authenticated,
// encrypted pushes with a counter that moves on. A forged push in clear is refused; a counter
// that starts again (a firmware update) is followed after three rising pushes, and frames from
// before the reset stay refused.
#include <doctest/doctest.h>

#include "decoder/replay_guard.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

using testsupport::energy_notification;
using testsupport::kTestAk;
using testsupport::kTestTitle;

Bytes genuine(std::uint32_t counter, std::uint32_t energy) {
    return sim::concat(sim::hdlc_frames(testsupport::ciphered_energy(energy, counter)));
}

Bytes forged_in_clear(std::uint32_t energy) { return sim::concat(sim::hdlc_frames(energy_notification(energy))); }

std::uint64_t energy_of(const Push& p) {
    const Reading* r = p.find("energy_import");
    REQUIRE(r);
    return std::get<std::uint64_t>(r->raw);
}

std::size_t count(const testsupport::Outcome& o, ErrorCode code) {
    std::size_t n = 0;
    for (const auto& e : o.errors) n += e.code == code;
    return n;
}

std::size_t count(const testsupport::Outcome& o, Warning w) {
    std::size_t n = 0;
    for (auto x : o.warnings) n += x == w;
    return n;
}

}  // namespace

TEST_CASE("trust: a forged push in clear between genuine pushes is refused and counted") {
    Decoder d(testsupport::with_test_keys());
    testsupport::Outcome o;
    std::string title_seen_on_error = "unset";
    auto h = testsupport::collect(o);
    h.on_error = [&](const Error& e, ByteView) {
        o.errors.push_back(e);
        title_seen_on_error.assign(d.system_title().begin(), d.system_title().end());
    };
    d.feed(genuine(100, 934436), h);
    d.feed(forged_in_clear(99999999), h);
    d.feed(genuine(101, 934437), h);
    REQUIRE(o.pushes.size() == 2);
    CHECK(energy_of(o.pushes[0]) == 934436);
    CHECK(energy_of(o.pushes[1]) == 934437);
    for (const auto& p : o.pushes) CHECK(p.security == Security::authenticated_encrypted);
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_encrypted);
    CHECK(title_seen_on_error.empty());  // a push in clear names no meter
    CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::not_encrypted)] == 1);
    CHECK(d.stats().missed_pushes == 0);
}

TEST_CASE("trust: a forged general block transfer carrying a push in clear is refused too") {
    Decoder d(testsupport::with_test_keys());
    testsupport::Outcome o;
    for (const auto& block : sim::block_transfer(energy_notification(5), 3)) d.feed(sim::concat(sim::hdlc_frames(block)), testsupport::collect(o));
    CHECK(o.pushes.empty());
    CHECK(count(o, ErrorCode::not_encrypted) == 1);
}

TEST_CASE("trust: a failed push still names its meter by system title") {
    DecoderOptions opts;
    opts.keys.encryption = EncryptionKey(kTestAk);  // the wrong key
    Decoder d(std::move(opts));
    std::string title;
    Decoder::Handlers h;
    h.on_error = [&](const Error& e, ByteView) {
        CHECK(e.code == ErrorCode::wrong_key);
        title.assign(d.system_title().begin(), d.system_title().end());
    };
    d.feed(genuine(1, 1), h);
    CHECK(title == std::string(kTestTitle.begin(), kTestTitle.end()));
}

TEST_CASE("trust: a counter reset from thousands to 1 is followed after three rising pushes") {
    Decoder d(testsupport::with_test_keys());
    testsupport::Outcome o;
    const auto h = testsupport::collect(o);
    for (std::uint32_t c = 5000; c <= 5002; ++c) d.feed(genuine(c, c), h);
    REQUIRE(o.pushes.size() == 3);
    // The meter's firmware is updated: its counter starts again at 1.
    d.feed(genuine(1, 6001), h);
    d.feed(genuine(2, 6002), h);
    CHECK(o.pushes.size() == 3);
    CHECK(count(o, ErrorCode::replayed) == 2);
    CHECK(o.warnings.empty());
    d.feed(genuine(3, 6003), h);  // the third rising push: the new counter is taken
    REQUIRE(o.pushes.size() == 4);
    CHECK(energy_of(o.pushes[3]) == 6003);
    CHECK(count(o, Warning::counter_reset) == 1);
    d.feed(genuine(4, 6004), h);
    REQUIRE(o.pushes.size() == 5);
    CHECK(o.pushes[4].frame_counter == 4);
    CHECK(d.stats().missed_pushes == 0);

    // Frames recorded before the reset, replayed now, must not drag the counter back up.
    o.errors.clear();
    d.feed(genuine(5001, 5001), h);
    d.feed(genuine(5002, 5002), h);
    CHECK(count(o, ErrorCode::replayed) == 2);
    d.feed(genuine(5, 6005), h);
    d.feed(genuine(6, 6006), h);
    REQUIRE(o.pushes.size() == 7);
    CHECK(energy_of(o.pushes[6]) == 6006);
    CHECK(count(o, Warning::counter_reset) == 1);
}

TEST_CASE("trust: replays of old pushes between genuine ones never count as a reset") {
    Decoder d(testsupport::with_test_keys());
    testsupport::Outcome o;
    const auto h = testsupport::collect(o);
    for (std::uint32_t c = 100; c < 110; ++c) {
        d.feed(genuine(c, c), h);
        d.feed(genuine(c - 50, c - 50), h);  // an attacker replays a recording, one frame a push
    }
    CHECK(o.pushes.size() == 10);
    CHECK(count(o, ErrorCode::replayed) == 10);
    CHECK(o.warnings.empty());
}

TEST_CASE("replay guard: counters and runs") {
    ReplayGuard g;
    const ReplayGuard::Title t{1, 2, 3, 4, 5, 6, 7, 8};
    using V = ReplayGuard::Verdict;
    CHECK(g.check(t, 1000).verdict == V::accepted);
    auto o = g.check(t, 1003);
    CHECK(o.verdict == V::accepted);
    CHECK(o.missed == 2);
    CHECK(g.check(t, 1003).verdict == V::replayed);
    SUBCASE("a run broken by a step too large proves nothing; a fresh run of three does") {
        CHECK(g.check(t, 1).verdict == V::replayed);
        CHECK(g.check(t, 2).verdict == V::replayed);
        const std::uint32_t far = 2 + ReplayGuard::kMaxStep + 1;
        CHECK(g.check(t, far).verdict == V::replayed);
        CHECK(g.check(t, far + 1).verdict == V::replayed);
        CHECK(g.check(t, far + 2).verdict == V::reset);
    }
    SUBCASE("a reset run with a lost push in it") {
        CHECK(g.check(t, 1).verdict == V::replayed);
        CHECK(g.check(t, 3).verdict == V::replayed);
        CHECK(g.check(t, 4).verdict == V::reset);
        o = g.check(t, 6);
        CHECK(o.verdict == V::accepted);
        CHECK(o.missed == 1);
        // The old epoch is remembered: a jump into it is refused, a jump past it is not.
        CHECK(g.check(t, 900).verdict == V::replayed);
        CHECK(g.check(t, 1004).verdict == V::accepted);
    }
    SUBCASE("a good push ends the runs of refused ones") {
        CHECK(g.check(t, 1).verdict == V::replayed);
        CHECK(g.check(t, 2).verdict == V::replayed);
        CHECK(g.check(t, 1004).verdict == V::accepted);
        CHECK(g.check(t, 3).verdict == V::replayed);
    }
    SUBCASE("check=false accepts anything and still counts gaps") {
        CHECK(g.check(t, 2, false).verdict == V::accepted);
        o = g.check(t, 1010, false);
        CHECK(o.verdict == V::accepted);
        CHECK(o.missed == 6);
    }
}

// A push cut short on the wire (its first frames, segments or blocks arrived, the rest never did)
// is an `incomplete` error of its own and is counted, whether a new push follows it or the input
// ends: it never disappears behind the push that comes next. Built for each way a push is split:
// general block transfer, HDLC segmentation, M-Bus segments.
#include <doctest/doctest.h>

#include <functional>

#include "decoder/decoder.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;
using testsupport::energy_notification;

namespace {

using Split = std::function<std::vector<Bytes>(const Bytes& apdu)>;

// A push in general block transfer blocks of 8 bytes, one HDLC frame each (as L+G E450 sends it).
std::vector<Bytes> in_blocks(const Bytes& apdu) {
    std::vector<Bytes> frames;
    for (const auto& block : sim::block_transfer(apdu, 8)) frames.push_back(sim::concat(sim::hdlc_frames(block)));
    return frames;
}
std::vector<Bytes> in_hdlc_segments(const Bytes& apdu) { return sim::hdlc_frames(apdu, 12); }
std::vector<Bytes> in_mbus_segments(const Bytes& apdu) { return sim::mbus_frames(apdu, 10); }

struct Way {
    const char* name;
    Split split;
};
const Way kWays[] = {{"block transfer", in_blocks}, {"HDLC segments", in_hdlc_segments}, {"M-Bus segments", in_mbus_segments}};

Bytes first_of(const std::vector<Bytes>& frames, std::size_t n) {
    REQUIRE(frames.size() > n);
    return sim::concat(std::vector<Bytes>(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(n)));
}

std::uint64_t energy_of(const Push& p) { return std::get<std::uint64_t>(testsupport::get(p, "energy_import").raw); }

}  // namespace

TEST_CASE("a push cut after its first parts, then a complete push: an incomplete error, counted, and the complete push") {
    for (const auto& way : kWays) {
        INFO(way.name);
        const auto cut = way.split(energy_notification(1111));
        const auto whole = way.split(energy_notification(2222));
        REQUIRE(cut.size() >= 4);
        Decoder d;
        const auto o = testsupport::feed(d, sim::concat({first_of(cut, 2), sim::concat(whole)}));
        REQUIRE(o.pushes.size() == 1);
        CHECK(energy_of(o.pushes[0]) == 2222);
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].code == ErrorCode::incomplete);
        CHECK(std::string_view(o.errors[0].message).find("cut short") != std::string_view::npos);
        CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::incomplete)] == 1);
        CHECK(d.stats().pushes == 1);

        // Complete pushes back to back: no error between them.
        Decoder clean;
        const auto both = testsupport::feed(clean, sim::concat({sim::concat(whole), sim::concat(cut)}));
        CHECK(both.errors.empty());
        CHECK(both.pushes.size() == 2);
    }
}

TEST_CASE("a push cut at the end of the input is incomplete once the input is finished") {
    for (const auto& way : kWays) {
        INFO(way.name);
        const auto whole = way.split(energy_notification(3333));
        const auto cut = way.split(energy_notification(4444));
        Decoder d;
        auto o = testsupport::feed(d, sim::concat({sim::concat(whole), first_of(cut, 3)}));
        REQUIRE(o.pushes.size() == 1);
        CHECK(o.errors.empty());  // the rest may still come
        d.finish(testsupport::collect(o));
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].code == ErrorCode::incomplete);
        CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::incomplete)] == 1);
        // Finishing again has nothing left to report.
        d.finish(testsupport::collect(o));
        CHECK(o.errors.size() == 1);
    }
    // A last frame cut inside: incomplete too; a stray closing flag is not a frame.
    const Bytes frame = sim::concat(sim::hdlc_frames(energy_notification(5555)));
    Decoder d;
    testsupport::Outcome o;
    d.feed(ByteView(frame).first(frame.size() - 5), testsupport::collect(o));
    d.finish(testsupport::collect(o));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::incomplete);
    Decoder flag;
    testsupport::Outcome f;
    flag.feed(sim::concat({frame, Bytes{0x7E}}), testsupport::collect(f));
    flag.finish(testsupport::collect(f));
    CHECK(f.errors.empty());
    CHECK(f.pushes.size() == 1);
}

TEST_CASE("a cut push with a damaged part: the damage and the cut are both errors, the next push decodes") {
    for (const auto& way : kWays) {
        INFO(way.name);
        auto cut = way.split(energy_notification(6666));
        const auto whole = way.split(energy_notification(7777));
        cut[1][cut[1].size() / 2] ^= 0x10;  // its checksum no longer fits
        Decoder d;
        const auto o = testsupport::feed(d, sim::concat({first_of(cut, 2), sim::concat(whole)}));
        REQUIRE(o.pushes.size() == 1);
        CHECK(energy_of(o.pushes[0]) == 7777);
        REQUIRE(o.errors.size() == 2);
        CHECK(o.errors[0].code == ErrorCode::corrupt_frame);
        CHECK(o.errors[1].code == ErrorCode::incomplete);
    }
}

// A P1 port sending DSMR text telegrams (IEC 62056-21 mode D: "/XXX5 id", data lines, "!CRC") is
// named `not_dlms` with the hint that it is a P1/DSMR port, as an encrypted DSMR telegram already
// is: never `incomplete` or noise, which would send the user looking for a wiring fault.
#include <doctest/doctest.h>

#include <string>

#include "decoder/decoder.hpp"
#include "simulator/frame_builder.hpp"
#include "test/decoder/decode_helpers.hpp"

using namespace dlms;

namespace {

// A three-phase DSMR 5 telegram as an Iskraemeco AM550 sends it on its P1 port, with made-up values.
const std::string kTelegram =
    "/ISk5\\2M550T-1013\r\n"
    "\r\n"
    "1-3:0.2.8(50)\r\n"
    "0-0:1.0.0(241124184311W)\r\n"
    "0-0:96.1.1(4530303434303037313331363532)\r\n"
    "1-0:1.8.1(004321.512*kWh)\r\n"
    "1-0:1.8.2(003210.004*kWh)\r\n"
    "1-0:1.7.0(00.824*kW)\r\n"
    "1-0:32.7.0(231.0*V)\r\n"
    "1-0:31.7.0(002*A)\r\n"
    "!5F3A\r\n";

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("a DSMR/P1 text telegram is not_dlms with the P1 hint, once per telegram, in any chunking") {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, kTelegram.size()}) {
        CAPTURE(chunk);
        Decoder d;
        testsupport::Outcome o;
        const Bytes twice = bytes_of(kTelegram + kTelegram);
        for (std::size_t at = 0; at < twice.size(); at += chunk)
            d.feed(ByteView(twice).subspan(at, std::min(chunk, twice.size() - at)), testsupport::collect(o));
        d.finish(testsupport::collect(o));
        CHECK(o.pushes.empty());
        REQUIRE(o.errors.size() == 2);
        for (const auto& e : o.errors) {
            CHECK(e.code == ErrorCode::not_dlms);
            const std::string message = e.message;
            CHECK(message.find("DSMR") != std::string::npos);
            CHECK(message.find("P1 port") != std::string::npos);
        }
        CHECK(d.stats().errors[static_cast<std::size_t>(ErrorCode::not_dlms)] == 2);
        CHECK(d.stats().garbage_bytes == 0);
    }
    // A telegram of DSMR 2.2 ends without a CRC.
    std::string old = kTelegram;
    old.replace(old.find("!5F3A"), 5, "!");
    Decoder d;
    const auto o = testsupport::feed(d, bytes_of(old));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_dlms);
}

TEST_CASE("a DSMR telegram between DLMS frames: each is what it is") {
    const Bytes push = sim::concat(sim::hdlc_frames(testsupport::energy_notification(1234)));
    Bytes stream = push;
    const Bytes text = bytes_of(kTelegram);
    stream.insert(stream.end(), text.begin(), text.end());
    stream.insert(stream.end(), push.begin(), push.end());
    Decoder d;
    const auto o = testsupport::feed(d, stream);
    CHECK(o.pushes.size() == 2);
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_dlms);
}

TEST_CASE("a cut DSMR telegram still names the port; a damaged one or a stray slash is noise") {
    // Cut before its end: the rest may come; when the input ends there, it still names the port.
    Decoder cut;
    auto o = testsupport::feed(cut, bytes_of(kTelegram.substr(0, kTelegram.size() - 12)));
    CHECK(o.errors.empty());
    cut.finish(testsupport::collect(o));
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::not_dlms);
    // A binary byte inside: noise, skipped, not a telegram.
    std::string damaged = kTelegram;
    damaged[40] = '\x01';
    Decoder d;
    o = testsupport::feed(d, bytes_of(damaged));
    CHECK(o.errors.empty());
    CHECK(d.stats().garbage_bytes > 0);
    // "/" without a maker and a digit after it (a slash in noise) is not a telegram's start.
    Decoder slash;
    o = testsupport::feed(slash, bytes_of("/12345 no telegram\r\n!\r\n"));
    CHECK(o.errors.empty());
}

// `dlms2mqtt decode`'s output, which other tools parse: every field form of a push line, byte for
// byte, and the lines of a whole capture; and the hex capture reader the command reads through.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "bridge/commands/commands.hpp"
#include "bridge/core/capture_input.hpp"
#include "bridge/core/push_json.hpp"
#include "decoder/push.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/bridge/config_test_util.hpp"
#include "test/bridge/decode_run.hpp"
#include "test/decoder/decode_helpers.hpp"

using decode_test::decode;
using decode_test::Run;

namespace {

std::vector<dlms::Push> json_cases() {
    using namespace dlms;
    std::vector<Push> cases;
    auto reading = [](std::optional<Obis> obis, std::string_view key, RawValue raw, int scaler = 0, Unit unit = Unit::none) {
        Reading r;
        r.obis = obis;
        r.key = key;
        r.raw = std::move(raw);
        r.scaler = static_cast<std::int16_t>(scaler);
        r.unit = unit;
        return r;
    };
    const DateTime t{2026, 11, 30, 1, 7, 58, 45};
    {   // every raw and value form
        Push p;
        p.system_title = {0x4B, 0x41, 0x4D, 0x45, 0x00, 0xBC, 0x61, 0x4E};
        p.security = Security::authenticated_encrypted;
        p.frame_counter = 4294967295u;
        p.list_id = "Kamstrup_V0001";
        p.notification_time = t;
        p.readings.push_back(reading(Obis(1, 1, 1, 8, 0, 255), "energy_import", std::int64_t{934436}, 1, Unit::watt_hour));
        p.readings.push_back(reading(Obis(1, 1, 31, 7, 0, 255), "current_l1", std::int64_t{-197}, -2, Unit::ampere));
        p.readings.push_back(reading(Obis(255, 255, 255, 255, 255, 255), "", std::uint64_t{18446744073709551615u}));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 0, 255), "big", std::uint64_t{18446744073709551615u}, 2, Unit::watt));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 1, 255), "min", std::numeric_limits<std::int64_t>::min()));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 2, 255), "huge", 1e300, 100, Unit::var));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 0, 255), "temperature", 21.5, 0, Unit::celsius));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 1, 255), "nan", std::nan(""), 0, Unit::hertz));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 2, 255), "negative_zero", -0.0));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 3, 255), "whole", 3.0, 3));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 4, 255), "tiny", 1e-7, -3));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 5, 255), "third", 1.0 / 3.0, 0, Unit::volt));
        p.readings.push_back(reading(Obis(0, 0, 96, 9, 6, 255), "large", 123456789012345678.0, 0));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 3, 255), "text", std::string("a\"b\\c\td\x01" "e\x7F" "f \xC3\xA6\xC3\xB8\xC3\xA5/")));
        // Each of these on its own needs the string escaped or checked.
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 7, 255), "backslash", std::string("C:\\meter")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 8, 255), "quote", std::string("\"")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 9, 255), "tab", std::string("a\tb")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 10, 255), "delete", std::string("\x7F")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 11, 255), "utf8", std::string("\xC3\xA6")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 4, 255), "meter_id", std::string("5706567274389702")));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 5, 255), "octets", OctetString{{0x00, 0xAB, 0x7F}}));
        p.readings.push_back(reading(Obis(0, 0, 1, 0, 0, 255), "meter_clock", t));
        p.readings.push_back(reading(Obis(0, 0, 96, 1, 6, 255), "empty_text", std::string()));
        Reading unplaced = reading(std::nullopt, "", std::monostate{});
        unplaced.index = 3;
        p.readings.push_back(unplaced);
        Reading flag = reading(std::nullopt, "flag", true);
        flag.index = 0;
        p.readings.push_back(flag);
        p.readings.push_back(reading(Obis(1, 0, 2, 8, 0, 255), "off", false));
        p.readings.push_back(reading(Obis(1, 0, 2, 8, 1, 255), "overflow", std::int64_t{9223372036854775807}, 5, Unit::watt_hour));
        cases.push_back(p);
    }
    {   // in clear, nothing optional, values it could not place, warnings
        Push p;
        p.unplaced_values = 2;
        p.warnings.push_back({7, "a value with no \"OBIS\" code"});
        p.warnings.push_back({4096, "plain"});
        cases.push_back(p);
    }
    {   // a system title that is not text, a list id that needs escaping, an empty readings list
        Push p;
        p.system_title = {0x01, 0x22, 0x5C, 0xFF};
        p.security = Security::encrypted;
        p.frame_counter = 0;
        p.list_id = "list \"1\"\n";
        cases.push_back(p);
    }
    {   // the manufacturer from the list id
        Push p;
        p.list_id = "AIDON_V0001";
        p.readings.push_back(reading(Obis(1, 0, 1, 7, 0, 255), "power_import", std::uint64_t{1234}, 0, Unit::watt));
        cases.push_back(p);
    }
    return cases;
}

// The lines as nlohmann's dump() of the JSON tree, built key by key, printed them before the tree
// was built in order straight into its map: the format must not move by a byte.
const std::vector<std::string> kLines = {
    R"({"system_title":"4B414D4500BC614E","manufacturer":"KAM","frame_counter":4294967295,"security":"authenticated+encrypted",)"
    R"("list_id":"Kamstrup_V0001","notification_time":"2026-11-30T07:58:45","readings":[{"obis":"1.1.1.8.0.255",)"
    R"("key":"energy_import","raw":934436,"scaler":1,"unit":"Wh","value":9344360},{"obis":"1.1.31.7.0.255",)"
    R"("key":"current_l1","raw":-197,"scaler":-2,"unit":"A","value":-1.97},{"obis":"255.255.255.255.255.255",)"
    R"("key":null,"raw":18446744073709551615,"scaler":0,"unit":null,"value":18446744073709551615},{"obis":"0.0.96.1.0.255",)"
    R"("key":"big","raw":18446744073709551615,"scaler":2,"unit":"W","value":1.8446744073709552e+21},{"obis":"0.0.96.1.1.255",)"
    R"("key":"min","raw":-9223372036854775808,"scaler":0,"unit":null,"value":-9223372036854775808},{"obis":"0.0.96.1.2.255",)"
    R"("key":"huge","raw":1e+300,"scaler":100,"unit":"var","value":null},{"obis":"0.0.96.9.0.255","key":"temperature",)"
    R"("raw":21.5,"scaler":0,"unit":")" "\xC2" "\xB0" R"(C","value":21.5},{"obis":"0.0.96.9.1.255","key":"nan",)"
    R"("raw":null,"scaler":0,"unit":"Hz","value":null},{"obis":"0.0.96.9.2.255","key":"negative_zero",)"
    R"("raw":-0.0,"scaler":0,"unit":null,"value":0.0},{"obis":"0.0.96.9.3.255","key":"whole","raw":3.0,)"
    R"("scaler":3,"unit":null,"value":3000.0},{"obis":"0.0.96.9.4.255","key":"tiny","raw":1e-07,"scaler":-3,)"
    R"("unit":null,"value":9.999999999999999e-11},{"obis":"0.0.96.9.5.255","key":"third","raw":0.3333333333333333,)"
    R"("scaler":0,"unit":"V","value":0.3333333333333333},{"obis":"0.0.96.9.6.255","key":"large","raw":1.2345678901234568e+17,)"
    R"("scaler":0,"unit":null,"value":1.2345678901234568e+17},{"obis":"0.0.96.1.3.255","key":"text","raw":"a\"b\\c\td\u0001e)" "\x7F" R"(f )" "\xC3" "\xA6" "\xC3" "\xB8" "\xC3" "\xA5" R"(/"},)"
    R"({"obis":"0.0.96.1.7.255","key":"backslash","raw":"C:\\meter"},{"obis":"0.0.96.1.8.255","key":"quote",)"
    R"("raw":"\""},{"obis":"0.0.96.1.9.255","key":"tab","raw":"a\tb"},{"obis":"0.0.96.1.10.255","key":"delete",)"
    R"("raw":")" "\x7F" R"("},{"obis":"0.0.96.1.11.255","key":"utf8","raw":")" "\xC3" "\xA6" R"("},{"obis":"0.0.96.1.4.255",)"
    R"("key":"meter_id","raw":"5706567274389702"},{"obis":"0.0.96.1.5.255","key":"octets","raw":"00AB7F"},)"
    R"({"obis":"0.0.1.0.0.255","key":"meter_clock","raw":"2026-11-30T07:58:45"},{"obis":"0.0.96.1.6.255",)"
    R"("key":"empty_text","raw":""},{"obis":null,"index":3,"key":null,"raw":null},{"obis":null,"index":0,)"
    R"("key":"flag","raw":true},{"obis":"1.0.2.8.0.255","key":"off","raw":false},{"obis":"1.0.2.8.1.255",)"
    R"("key":"overflow","raw":9223372036854775807,"scaler":5,"unit":"Wh","value":9.223372036854776e+23}]})",
    R"({"system_title":null,"manufacturer":"","frame_counter":null,"security":"none","list_id":null,"notification_time":null,)"
    R"("readings":[],"unplaced_values":2,"warnings":[{"offset":7,"message":"a value with no \"OBIS\" code"},)"
    R"({"offset":4096,"message":"plain"}]})",
    R"({"system_title":"01225CFF","manufacturer":"?\"\\","frame_counter":0,"security":"encrypted","list_id":"list \"1\"\n",)"
    R"("notification_time":null,"readings":[]})",
    R"({"system_title":null,"manufacturer":"AIN","frame_counter":null,"security":"none","list_id":"AIDON_V0001",)"
    R"("notification_time":null,"readings":[{"obis":"1.0.1.7.0.255","key":"power_import","raw":1234,"scaler":0,)"
    R"("unit":"W","value":1234}]})",
};

}  // namespace

TEST_CASE("decode output: every field form prints exactly as before, appended to what the buffer holds") {
    const auto cases = json_cases();
    REQUIRE(cases.size() == kLines.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i);
        std::string line = "kept";
        bridge::append_push_json(line, cases[i]);
        CHECK(line == "kept" + kLines[i]);
        // The tree probe looks fields up in, dumped, is the same line.
        CHECK(bridge::push_json(cases[i]).dump() == kLines[i]);
    }
    // Text that is not UTF-8 is refused as nlohmann's dump() refuses it, not printed.
    dlms::Push bad;
    bad.list_id = "\xFF";
    std::string line;
    CHECK_THROWS_AS(bridge::append_push_json(line, bad), nlohmann::json::type_error);
}

TEST_CASE("decode output: a capture prints one line per push and one per error, each whole") {
    sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    std::vector<dlms::Bytes> frames;
    for (int i = 0; i < 3; ++i) frames.push_back(meter.next_frame(sim::local_date_time(1'800'000'000 + 10 * i)));
    dlms::Bytes broken = frames[1];
    broken[broken.size() / 2] ^= 0x01;  // the frame check sequence no longer matches

    std::string text = "# three pushes and a damaged one\n";
    for (const auto* f : {&frames[0], &broken, &frames[1], &frames[2]}) text += dlms::to_hex(*f) + "\n";
    config_test::TempDir dir;
    const std::string file = dir.write("capture.hex", text);

    const Run run = decode({"--ek", dlms::to_hex(sim::KamstrupMeter::demo_encryption_key().bytes()),
                            "--ak", dlms::to_hex(sim::KamstrupMeter::demo_authentication_key().bytes()), file});
    CHECK(run.code == 1);  // a frame failed
    std::vector<std::string> lines;
    std::istringstream in(run.out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    REQUIRE(lines.size() == 4);

    // The push lines are the pushes' own lines, each on its own (the buffer is reused).
    dlms::DecoderOptions options;
    options.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
    options.keys.authentication = sim::KamstrupMeter::demo_authentication_key();
    dlms::Decoder decoder(std::move(options));
    std::vector<std::string> pushes;
    for (const auto& f : frames) {
        const auto outcome = testsupport::feed(decoder, f);
        REQUIRE(outcome.pushes.size() == 1);
        bridge::append_push_json(pushes.emplace_back(), outcome.pushes[0]);
    }
    CHECK(lines[0] == pushes[0]);
    CHECK(lines[2] == pushes[1]);
    CHECK(lines[3] == pushes[2]);
    const auto error = nlohmann::json::parse(lines[1]);
    CHECK(error["error"] == "corrupt_frame");
    CHECK(error["layer"] == "framing");
}

TEST_CASE("capture: hex lines read in pieces, with comments, spaces, 0x prefixes and errors") {
    bridge::HexCaptureParser parser;
    // A line's digits pair across spaces; a "0x" word is read by parse_hex; '#' ends the line.
    auto first = parser.feed("7E A1 0\t9 # not 77\n0x0A0B ff", false);
    REQUIRE(first);
    CHECK(*first == dlms::Bytes{0x7E, 0xA1, 0x09});
    auto second = parser.feed("\r\n  c 3\n", false);
    REQUIRE(second);
    CHECK(*second == dlms::Bytes{0x0A, 0x0B, 0xFF, 0xC3});
    auto last = parser.feed("0102", true);  // the last line needs no newline
    REQUIRE(last);
    CHECK(*last == dlms::Bytes{0x01, 0x02});
    CHECK(parser.line() == 4);

    std::string error;
    CHECK_FALSE(bridge::parse_hex_capture("7E7E\nABC\n", error));
    CHECK(error == "line 2: not hex (an odd number of digits or a non-hex character)");
    CHECK_FALSE(bridge::parse_hex_capture("7E7E\n\n7G\n", error));
    CHECK(error == "line 3: not hex (an odd number of digits or a non-hex character)");
    CHECK_FALSE(bridge::parse_hex_capture("0x1\n", error));
    CHECK(error == "line 1: not hex (an odd number of digits or a non-hex character)");
}

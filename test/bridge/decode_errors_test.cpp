// `dlms2mqtt decode` on inputs that are not a clean run of pushes: every push that does not decode
// is a line of its own, named by what went wrong.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/commands/commands.hpp"
#include "simulator/frame_builder.hpp"
#include "test/bridge/config_test_util.hpp"
#include "test/bridge/decode_run.hpp"
#include "test/decoder/decode_helpers.hpp"

using decode_test::decode;
using decode_test::Run;

namespace {

// A push in general block transfer blocks, one HDLC frame each.
std::vector<dlms::Bytes> in_blocks(std::uint32_t energy) {
    std::vector<dlms::Bytes> frames;
    for (const auto& b : sim::block_transfer(testsupport::energy_notification(energy), 8))
        frames.push_back(sim::concat(sim::hdlc_frames(b)));
    return frames;
}

}  // namespace

TEST_CASE("decode: a push cut after its first blocks, then a complete push: an incomplete line, then the push") {
    const auto cut = in_blocks(1111);
    const auto whole = in_blocks(2222);
    std::string text = "# the first push lost its last blocks on the wire\n";
    text += dlms::to_hex(cut[0]) + "\n" + dlms::to_hex(cut[1]) + "\n";
    for (const auto& f : whole) text += dlms::to_hex(f) + "\n";
    config_test::TempDir dir;
    const Run run = decode({dir.write("cut.hex", text)});
    const auto run_lines = run.lines();
    CHECK(run.code == 1);
    REQUIRE(run_lines.size() == 2);
    CHECK(run_lines[0]["error"] == "incomplete");
    CHECK(run_lines[1]["readings"][0]["raw"] == 2222);

    // The same two pushes the other way round: the cut one at the end is a line too.
    text.clear();
    for (const auto& f : whole) text += dlms::to_hex(f) + "\n";
    text += dlms::to_hex(cut[0]) + "\n" + dlms::to_hex(cut[1]) + "\n";
    const Run last = decode({dir.write("cut_last.hex", text)});
    const auto last_lines = last.lines();
    CHECK(last.code == 1);
    REQUIRE(last_lines.size() == 2);
    CHECK(last_lines[0]["readings"][0]["raw"] == 2222);
    CHECK(last_lines[1]["error"] == "incomplete");
}

TEST_CASE("decode: a DSMR/P1 text telegram is not_dlms with the P1 hint, as raw bytes or as hex") {
    const std::string telegram =
        "/LGF5E360\r\n\r\n0-0:1.0.0(241124184311W)\r\n1-0:1.8.0(004321.512*kWh)\r\n1-0:1.7.0(00.824*kW)\r\n!A1B2\r\n";
    config_test::TempDir dir;
    const std::string hex = dlms::to_hex(dlms::Bytes(telegram.begin(), telegram.end()));
    const std::vector<std::string> files = {dir.write("p1.txt", telegram), dir.write("p1.hex", hex + "\n")};
    for (const auto& file : files) {
        CAPTURE(file);
        const Run run = decode({file});
        const auto run_lines = run.lines();
        CHECK(run.code == 1);
        REQUIRE(run_lines.size() == 1);
        CHECK(run_lines[0]["error"] == "not_dlms");
        const std::string message = run_lines[0]["message"];
        CHECK(message.find("P1 port") != std::string::npos);
        CHECK(message.find("DSMR") != std::string::npos);
    }
}

TEST_CASE("decode: power the currents cannot carry is said once per meter and list, with the override") {
    // A list with bare values (L+G's profile reads currents in 0.01 A) sent in whole amperes.
    auto push = [](std::uint32_t power, const char* device) {
        sim::AxdrWriter w;
        w.structure(5).structure(2).obis(dlms::Obis(0, 0, 96, 1, 0)).visible_string(device);
        w.structure(2).obis(dlms::Obis(1, 0, 1, 7, 0)).u32(power);
        w.structure(2).obis(dlms::Obis(1, 0, 31, 7, 0)).u16(400);
        w.structure(2).obis(dlms::Obis(1, 0, 51, 7, 0)).u16(200);
        w.structure(2).obis(dlms::Obis(1, 0, 71, 7, 0)).u16(601);
        return sim::concat(sim::hdlc_frames(sim::data_notification(1, std::nullopt, w.bytes())));
    };
    std::string text;
    for (const auto& frame : {push(258874, "LGZ1030700000001"), push(251003, "LGZ1030700000001"), push(249117, "LGZ1030700000002")})
        text += dlms::to_hex(frame) + "\n";
    config_test::TempDir dir;
    const Run run = decode({dir.write("e570.hex", text)});
    const auto run_lines = run.lines();
    CHECK(run.code == 0);
    CHECK(run_lines.size() == 3);
    INFO(run.err);
    // Two meters: one line each, not one per push.
    std::size_t said = 0;
    for (std::size_t at = 0; (at = run.err.find("currents are likely in whole amperes", at)) != std::string::npos; ++at) ++said;
    CHECK(said == 2);
    CHECK(run.err.find("meter LGZ1030700000001") != std::string::npos);
    CHECK(run.err.find("meter.scaling: {current_l1: {scaler: 0}") != std::string::npos);
}

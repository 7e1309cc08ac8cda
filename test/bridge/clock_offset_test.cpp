// The meter's UTC offset (the deviation of a COSEM date-time) reaches every output: ISO 8601 with
// the offset whenever the meter sends one; without an offset only when the meter says "not
// specified" (0x8000, as Kamstrup does), except in the MQTT state, where Home Assistant's
// timestamp sensors need one and this machine's local offset stands in.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/commands/commands.hpp"
#include "bridge/outputs/csv_sink.hpp"
#include "bridge/outputs/udp_sink.hpp"
#include "ha_discovery/state.hpp"
#include "simulator/frame_builder.hpp"
#include "test/bridge/config_test_util.hpp"
#include "test/bridge/decode_run.hpp"
#include "test/bridge/outputs_test_util.hpp"
#include "test/decoder/decode_helpers.hpp"
#include "test/support/udp_receiver.hpp"

using namespace dlms;

namespace {

constexpr std::int16_t kNotSpecified = static_cast<std::int16_t>(0x8000);

DateTime at(std::uint8_t month, std::uint8_t hour, std::int16_t deviation) {
    DateTime t;
    t.year = 2024, t.month = month, t.day = 10, t.weekday = 1, t.hour = hour, t.minute = 0, t.second = 5;
    t.deviation = deviation;
    t.clock_status = 0x00;
    return t;
}

// A push in the structure layout (Aidon, Iskraemeco): its clock object, an import power and the
// meter id, with the notification's own time in front.
Bytes push_with_clock(const DateTime& notification, const DateTime& clock) {
    sim::AxdrWriter w;
    w.structure(3);
    w.structure(2).obis(Obis(0, 0, 1, 0, 0)).date_time_octets(clock);
    w.structure(3).obis(Obis(1, 0, 1, 7, 0)).u32(500).structure(2).i8(0).enum_(27);
    w.structure(2).obis(Obis(0, 0, 96, 1, 0)).visible_string("7359992890");
    return sim::concat(sim::hdlc_frames(sim::data_notification(1, notification, w.bytes())));
}

std::vector<nlohmann::json> decode_lines(const Bytes& capture) {
    config_test::TempDir dir;
    const std::string file = dir.write("clock.hex", to_hex(capture) + "\n");
    const auto run = decode_test::decode({file});
    CHECK(run.code == 0);
    return run.lines();
}

Push decoded(const Bytes& capture) {
    Decoder d;
    const auto o = testsupport::feed(d, capture);
    REQUIRE(o.errors.empty());
    REQUIRE(o.pushes.size() == 1);
    return o.pushes[0];
}

nlohmann::json udp_state(const Push& push) {
    testsupport::UdpReceiver rx;
    bridge::UdpOptions o;
    o.address = "127.0.0.1";
    o.port = rx.port();
    o.format = bridge::UdpOptions::Format::json;
    bridge::UdpSink sink(o);
    sink.push(bridge::Record::make(push, outputs_test::no_stats(), std::chrono::system_clock::now()));
    const std::string datagram = rx.receive();
    REQUIRE(!datagram.empty());
    return nlohmann::json::parse(datagram);
}

// The CSV row's value under `column`.
std::string csv_value(const Push& push, const std::string& column) {
    outputs_test::TempDir dir;
    bridge::CsvOptions o;
    o.directory = dir.path();
    o.version = "1";
    bridge::CsvSink sink(o);
    const auto when = outputs_test::local_time(2024, 6, 10, 8, 0, 5);
    sink.push(bridge::Record::make(push, outputs_test::no_stats(), when));
    const auto lines = outputs_test::lines_of(outputs_test::read_file((dir / (push.meter_serial() + "-2024-06-10.csv")).string()));
    REQUIRE(lines.size() == 2);
    std::vector<std::string> header, row;
    for (auto [text, out] : {std::pair{lines[0], &header}, std::pair{lines[1], &row}}) {
        std::stringstream s(text);
        for (std::string f; std::getline(s, f, ',');) out->push_back(f);
    }
    for (std::size_t i = 0; i < header.size() && i < row.size(); ++i)
        if (header[i] == column) return row[i];
    FAIL("no column " << column);
    return {};
}

}  // namespace

TEST_CASE("DateTime::iso8601: the offset the meter sent, none when it says not specified") {
    CHECK(at(6, 8, -120).iso8601() == "2024-06-10T08:00:05+02:00");
    CHECK(at(1, 8, -60).iso8601() == "2024-01-10T08:00:05+01:00");
    CHECK(at(1, 8, 300).iso8601() == "2024-01-10T08:00:05-05:00");
    CHECK(at(1, 8, -330).iso8601() == "2024-01-10T08:00:05+05:30");
    CHECK(at(1, 8, 0).iso8601() == "2024-01-10T08:00:05+00:00");
    CHECK(at(1, 8, kNotSpecified).iso8601() == "2024-01-10T08:00:05");
    // No clock is 15 h off UTC: a deviation beyond ±14 h is noise, not an offset.
    CHECK(at(1, 8, 900).iso8601() == "2024-01-10T08:00:05");
    CHECK(at(1, 8, 0x7FFF).iso8601() == "2024-01-10T08:00:05");
}

TEST_CASE("decode: meter clock and notification time carry the meter's offset; Kamstrup's none") {
    const auto lines = decode_lines(push_with_clock(at(6, 8, -120), at(1, 7, -60)));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["notification_time"] == "2024-06-10T08:00:05+02:00");
    CHECK(lines[0]["readings"][0]["key"] == "meter_clock");
    CHECK(lines[0]["readings"][0]["raw"] == "2024-01-10T07:00:05+01:00");
    CHECK(lines[0]["readings"][1]["value"] == 500);

    const auto kamstrup = decode_lines(push_with_clock(at(6, 8, kNotSpecified), at(6, 8, kNotSpecified)));
    REQUIRE(kamstrup.size() == 1);
    CHECK(kamstrup[0]["notification_time"] == "2024-06-10T08:00:05");
    CHECK(kamstrup[0]["readings"][0]["raw"] == "2024-06-10T08:00:05");
}

TEST_CASE("UDP and CSV: the meter's offset when it sends one, no offset guessed when it does not") {
    outputs_test::use_copenhagen_time();
    const Push with = decoded(push_with_clock(at(6, 8, -120), at(1, 7, 300)));
    const Push without = decoded(push_with_clock(at(6, 8, kNotSpecified), at(6, 8, kNotSpecified)));

    const auto a = udp_state(with);
    CHECK(a.at("meter_clock") == "2024-01-10T07:00:05-05:00");
    CHECK(a.at("meter_time") == "2024-06-10T08:00:05+02:00");
    const auto b = udp_state(without);
    CHECK(b.at("meter_clock") == "2024-06-10T08:00:05");
    CHECK(b.at("meter_time") == "2024-06-10T08:00:05");

    CHECK(csv_value(with, "meter_clock") == "2024-01-10T07:00:05-05:00");
    CHECK(csv_value(without, "meter_clock") == "2024-06-10T08:00:05");

    // MQTT: the meter's offset too; Home Assistant needs one where the meter sent none.
    CHECK(ha::state_json(with).at("meter_clock") == "2024-01-10T07:00:05-05:00");
    CHECK(ha::state_json(without).at("meter_clock") == "2024-06-10T08:00:05+02:00");
}

TEST_CASE("a cut or damaged date-time is no clock and no offset") {
    // Cut inside the clock: an error, no push.
    Bytes cut = push_with_clock(at(6, 8, -120), at(1, 7, -60));
    Decoder d;
    auto o = testsupport::feed(d, ByteView(cut).first(cut.size() - 30));
    d.finish(testsupport::collect(o));
    CHECK(o.pushes.empty());
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].code == ErrorCode::incomplete);
    // A month of 13: not a date-time, kept as the octets it is, with no offset made up.
    DateTime bad = at(1, 7, -60);
    bad.month = 13;
    const Push p = decoded(push_with_clock(at(6, 8, -120), bad));
    const Reading* clock = p.find(Obis(0, 0, 1, 0, 0));
    REQUIRE(clock);
    CHECK(std::holds_alternative<OctetString>(clock->raw));
}

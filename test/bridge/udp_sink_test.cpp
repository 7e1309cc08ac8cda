// The UDP sink, received on a loopback socket.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "bridge/outputs/udp_sink.hpp"
#include "ha_discovery/state.hpp"
#include "test/bridge/outputs_test_util.hpp"
#include "test/support/udp_receiver.hpp"

using namespace outputs_test;
using bridge::UdpOptions;
using bridge::UdpSink;
using std::chrono::seconds;

namespace {

UdpOptions loopback(std::uint16_t port, UdpOptions::Format format) {
    UdpOptions o;
    o.address = "127.0.0.1";
    o.port = port;
    o.format = format;
    o.version = "1.2.3";
    return o;
}

void send(UdpSink& sink, const dlms::Push& push, std::chrono::system_clock::time_point when,
          std::optional<bridge::EnergyTotals> totals = std::nullopt) {
    sink.push(bridge::Record::make(push, push.meter_serial(), no_stats(), when, totals));
}

bridge::EnergyTotals today(double import_wh) {
    bridge::EnergyTotals t;
    t.import_today = import_wh;
    t.import_this_month = import_wh;
    return t;
}

}  // namespace

TEST_CASE("udp json: the state object plus version and meter, one datagram per push") {
    use_copenhagen_time();
    testsupport::UdpReceiver rx;
    UdpSink sink(loopback(rx.port(), UdpOptions::Format::json));
    auto push = kamstrup_push({reading("energy_import", 866636, 1, dlms::Unit::watt_hour),
                               reading("power_import", 1200, 0, dlms::Unit::watt),
                               reading("power_import_l1", 400, 0, dlms::Unit::watt),
                               reading("voltage_l1", 23105, -2, dlms::Unit::volt)});
    send(sink, push, local_time(2024, 6, 10, 8, 0, 0));

    const std::string datagram = rx.receive();
    REQUIRE_FALSE(datagram.empty());
    const auto j = nlohmann::json::parse(datagram);
    CHECK(j.at("version") == 1);
    CHECK(j.at("meter") == kSerial);
    CHECK(j.at("energy_import").get<double>() == doctest::Approx(8666.36));  // kWh
    CHECK(j.at("power_import") == 1200);
    CHECK(j.at("power_import_l1") == 400);
    CHECK(j.at("voltage_l1").get<double>() == doctest::Approx(231.05));
    // Everything else is the MQTT state object, unchanged.
    auto state = j;
    state.erase("version");
    state.erase("meter");
    CHECK(state == ha::state_json(push));
    CHECK(rx.nothing_pending());
    CHECK(sink.counters().sent == 1);
    CHECK(sink.counters().send_errors == 0);
}

TEST_CASE("udp legacy: the meter.py line, field by field, energy today from the ledger") {
    use_copenhagen_time();
    testsupport::UdpReceiver rx;
    UdpSink sink(loopback(rx.port(), UdpOptions::Format::legacy));
    const auto t0 = local_time(2024, 6, 10, 8, 0, 0);
    auto first = kamstrup_push({reading("energy_import", 866636, 1, dlms::Unit::watt_hour),
                                reading("power_import", 1200, 0, dlms::Unit::watt),
                                reading("power_import_l1", 400, 0, dlms::Unit::watt),
                                reading("power_import_l2", 800, 0, dlms::Unit::watt)});
    send(sink, first, t0, today(0));
    const std::string line1 = rx.receive();
    CHECK(line1 == "08:00:00,0,0,1200,400,800,0\r\n,METER,8666360,SWversion,1.2.3");

    auto second = kamstrup_push({reading("energy_import", 866650, 1, dlms::Unit::watt_hour),
                                 reading("power_import", 1800, 0, dlms::Unit::watt),
                                 reading("power_import_l1", 600, 0, dlms::Unit::watt),
                                 reading("power_import_l2", 700, 0, dlms::Unit::watt),
                                 reading("power_import_l3", 500, 0, dlms::Unit::watt)});
    send(sink, second, t0 + seconds(60), today(140.4));
    const std::string line2 = rx.receive();
    const auto f = split(line2, ',');
    REQUIRE(f.size() == 11);
    CHECK(f[0] == "08:01:00");
    CHECK(f[1] == "140");  // the ledger's import today, rounded to the Wh
    CHECK(f[2] == "140");  // the old script's power estimate: the ledger's figure holds both
    CHECK(f[3] == "1800");  // index 3: import power now, what the Home Assistant script reads
    CHECK(f[4] == "600");
    CHECK(f[5] == "700");
    CHECK(f[6] == "500\r\n");
    CHECK(line2.find("\r\n") == line2.find(",METER") - 2);
    CHECK(f[7] == "METER");
    CHECK(f[8] == "8666500");
    CHECK(f[9] == "SWversion");
    CHECK(f[10] == "1.2.3");

    // A short-list push (no register): the register field repeats the last one seen.
    send(sink, kamstrup_push({reading("power_import", 1800, 0, dlms::Unit::watt)}), t0 + seconds(120), today(170));
    const auto g = split(rx.receive(), ',');
    REQUIRE(g.size() == 11);
    CHECK(g[1] == "170");
    CHECK(g[4] == "0");
    CHECK(g[6] == "0\r\n");
    CHECK(g[8] == "8666500");

    // Without the ledger (ledger.enabled: false) there is no "today": 0, as before a first push.
    send(sink, first, t0 + seconds(180));
    const auto h = split(rx.receive(), ',');
    REQUIRE(h.size() == 11);
    CHECK(h[1] == "0");
    CHECK(h[2] == "0");
    CHECK(sink.counters().sent == 4);
}

TEST_CASE("udp: a send error is counted and logged once, the next push goes out") {
    use_copenhagen_time();
    testsupport::UdpReceiver rx;
    std::vector<std::string> warnings;
    UdpSink sink(loopback(rx.port(), UdpOptions::Format::json), [&](std::string_view w) { warnings.emplace_back(w); });
    // A datagram above the 65507-byte UDP limit fails to send (EMSGSIZE) without a network.
    auto huge = kamstrup_push({text_reading("meter_id", std::string(70000, 'x'))});
    const auto t = local_time(2024, 6, 10, 12, 0, 0);
    CHECK_NOTHROW(send(sink, huge, t));
    CHECK_NOTHROW(send(sink, huge, t + seconds(10)));
    CHECK(sink.counters().send_errors == 2);
    REQUIRE(warnings.size() == 1);  // rate-limited
    CHECK(warnings[0].find("udp: cannot send to 127.0.0.1") != std::string::npos);

    send(sink, energy_push(1, 5), t + seconds(20));
    const std::string datagram = rx.receive();
    REQUIRE_FALSE(datagram.empty());
    CHECK(nlohmann::json::parse(datagram).at("power_import") == 5);
    CHECK(sink.counters().sent == 1);
}

TEST_CASE("udp: a bad address is a startup error naming the setting") {
    UdpOptions o;
    o.address = "my-broadcast";
    try {
        UdpSink sink(o);
        FAIL("no error for a bad address");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("udp.address: 'my-broadcast'") == 0);
    }
}

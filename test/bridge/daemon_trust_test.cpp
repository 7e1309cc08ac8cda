// `dlms2mqtt run` end to end with hostile or broken input: what the meter did not authenticate is
// never published, and whatever goes wrong shows on the diagnostics topic, so Home Assistant
// shows it too.
#include <filesystem>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "test/bridge/daemon_harness.hpp"

namespace daemon_test {

namespace {

// A push in clear in the meter's own list layout, with an energy total nobody has: what someone
// with a wire on the CCC port could send.
sim::Bytes forged_push(std::uint32_t energy_10wh) {
    sim::AxdrWriter w;
    w.structure(3).visible_string("Kamstrup_V0001").obis(dlms::Obis(1, 1, 1, 8, 0)).u32(energy_10wh);
    return sim::concat(sim::hdlc_frames(sim::data_notification(0, std::nullopt, w.bytes())));
}

}  // namespace

TEST_CASE("a forged push in clear between genuine pushes is counted and never published") {
    Rig rig;
    const auto csv = rig.dir / "csv";
    Daemon daemon(rig, {{"DLMS2MQTT_CSV_ENABLED", "true"}, {"DLMS2MQTT_CSV_DIRECTORY", csv.string()}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);

    MeterFeed meter;
    std::vector<std::uint32_t> genuine;
    rig.pty.write(meter.next_frame());
    genuine.push_back(meter.last_counter());
    rig.pty.write(forged_push(99999999));
    for (int i = 0; i < 2; ++i) {
        rig.pty.write(meter.next_frame());
        genuine.push_back(meter.last_counter());
    }
    REQUIRE(rig.probe->wait_for([&](const Messages& m) { return diagnostics_for(m, genuine.back()).has_value(); }, kWait));
    stop_cleanly(rig, daemon);

    const auto all = rig.probe->messages();
    CHECK(state_counters(all) == genuine);
    for (const auto& state : json_on(all, kStateTopic)) {
        INFO("state: " << state.dump());
        CHECK(state.at("energy_import").get<double>() < 999999.0);
    }
    const auto diagnostics = diagnostics_for(all, genuine.back());
    REQUIRE(diagnostics);
    INFO("diagnostics: " << diagnostics->dump());
    CHECK((*diagnostics)["errors"]["not_encrypted"] == 1);
    CHECK((*diagnostics)["pushes"] == 3);
    // The forged total set no baseline: every genuine energy reading was published.
    CHECK(daemon.log().find("went backwards") == std::string::npos);
    CHECK(count_lines_containing(daemon.log(), "not_encrypted") == 1);
    // Nor did it reach the CSV file.
    std::size_t rows = 0;
    for (const auto& f : std::filesystem::directory_iterator(csv)) {
        std::ifstream in(f.path());
        std::string line;
        while (std::getline(in, line)) {
            ++rows;
            CHECK(line.find("999999") == std::string::npos);
        }
    }
    CHECK(rows == 1 + genuine.size());  // the header and one row a genuine push
}

TEST_CASE("wrong keys: no readings, but the meter's diagnostics say so within two push intervals") {
    const std::string wrong_ek = "0123456789ABCDEF0123456789ABCDEF";
    const std::string wrong_ak = "FEDCBA9876543210FEDCBA9876543210";
    Rig rig;
    Daemon daemon(rig, {{"DLMS2MQTT_METER_ENCRYPTION_KEY", wrong_ek}, {"DLMS2MQTT_METER_AUTHENTICATION_KEY", wrong_ak}});
    INFO("daemon log:\n" << daemon.log());
    require_bridge_online(rig);
    // A previous run left the meter "online", retained.
    rig.probe->publish(kAvailabilityTopic, "online", true);

    MeterFeed meter;
    for (int i = 0; i < 3; ++i) rig.pty.write(meter.next_frame());
    CHECK(daemon.wait_for_log("wrong keys"));
    // kWait is two of the meter's 10 s push intervals.
    const bool shown = rig.probe->wait_for(
        [](const Messages& m) {
            const auto d = json_on(m, kDiagnosticsTopic);
            return !d.empty() && d.back().value("last_error", "") == "wrong_key";
        },
        kWait);
    CHECK(shown);
    CHECK(rig.probe->wait_for_topic(kAvailabilityTopic, "offline", kWait));
    stop_cleanly(rig, daemon);

    const auto all = rig.probe->messages();
    CHECK(count_on(all, kStateTopic) == 0);
    // Home Assistant gets the meter's device with its diagnostics entities, and no reading entity.
    CHECK(count_on(all, kDiscoveryPrefix + "last_error/config") == 1);
    CHECK(count_on(all, kDiscoveryPrefix + "error_total/config") == 1);
    CHECK_FALSE(has_prefix(all, kDiscoveryPrefix + "energy_import"));
    const auto diagnostics = json_on(all, kDiagnosticsTopic);
    REQUIRE_FALSE(diagnostics.empty());
    const auto& last = diagnostics.back();
    INFO("diagnostics: " << last.dump());
    CHECK(last["errors"]["wrong_key"].get<int>() >= 1);
    CHECK(last["error_total"].get<int>() >= 1);
    CHECK(last["pushes"] == 0);
    CHECK(last["seconds_since_last_push"].is_null());
    CHECK(last["last_error_message"].get<std::string>().find("wrong keys") != std::string::npos);
}

}  // namespace daemon_test

namespace daemon_test {

TEST_CASE("a push only partly understood is said once in the log and counted on diagnostics") {
    Rig rig;
    // A list of bare values in no layout the decoder knows, sent in clear by a meter without keys.
    sim::AxdrWriter w;
    w.structure(4).u32(2379).u32(1234).u16(50).u32(987654);
    const auto frame = sim::concat(sim::hdlc_frames(sim::data_notification(1, std::nullopt, w.bytes())));
    const auto capture = rig.dir / "unknown.bin";
    {
        std::ofstream out(capture, std::ios::binary);
        for (int i = 0; i < 3; ++i) out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    }
    Daemon daemon(rig, {{"DLMS2MQTT_METER_ENCRYPTION_KEY", ""}, {"DLMS2MQTT_METER_AUTHENTICATION_KEY", ""}},
                  {"run", "--replay", capture.string(), "--fast"});
    INFO("daemon log:\n" << daemon.log());
    const auto rc = daemon.process().wait_for(kWait);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    CHECK(count_lines_containing(daemon.log(), "could not be named or scaled") == 1);
    const bool counted = rig.probe->wait_for(
        [](const Messages& m) {
            for (const auto& msg : m) {
                if (!msg.topic.ends_with("/diagnostics")) continue;
                const auto j = nlohmann::json::parse(msg.payload, nullptr, false);
                if (!j.is_discarded() && j.value("unplaced_values", 0) >= 4) return true;
            }
            return false;
        },
        kWait);
    CHECK(counted);
}

}  // namespace daemon_test

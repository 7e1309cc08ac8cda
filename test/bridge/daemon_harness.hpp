// What the end-to-end tests of `dlms2mqtt run` share: a private folder, a real mosquitto on
// loopback, a pty standing in for the meter's serial line, a subscriber on '#', a simulated
// Kamstrup meter, and the daemon itself as a child process with its settings in the environment.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/kamstrup_meter.hpp"
#include "test/support/mosquitto_fixture.hpp"
#include "test/support/mqtt_probe.hpp"
#include "test/support/process.hpp"
#include "test/support/pty.hpp"
#include "test/support/temp_dir.hpp"

namespace daemon_test {

using namespace std::chrono_literals;
using Messages = test_mqtt::MqttProbe::Messages;

// The simulator's published demo keys (key 64 encrypts, key 65 authenticates).
inline const std::string kEncryptionKey = "D3400000000000000000000000000064";
inline const std::string kAuthenticationKey = "D3400000000000000000000000000065";

inline const std::string kStatusTopic = "dlms2mqtt/status";
inline const std::string kStateTopic = "dlms2mqtt/12345678/state";
inline const std::string kAvailabilityTopic = "dlms2mqtt/12345678/availability";
inline const std::string kDiagnosticsTopic = "dlms2mqtt/12345678/diagnostics";
inline const std::string kDiscoveryPrefix = "homeassistant/sensor/dlms2mqtt_12345678/";

inline constexpr auto kWait = 20s;  // for anything the daemon should do "soon"

// The simulated meter, with its clock moving one push interval per frame.
class MeterFeed {
public:
    MeterFeed();
    sim::Bytes next_frame();
    std::uint32_t last_counter() const { return meter_.last_counter(); }

private:
    sim::KamstrupMeter meter_;
    std::int64_t clock_;
};

// Everything but the daemon. The probe subscribes before the daemon starts, so it sees all.
struct Rig {
    testsupport::TempDir dir{"dlms2mqtt-e2e-"};
    test_mqtt::Mosquitto broker;
    testsupport::Pty pty;
    std::unique_ptr<test_mqtt::MqttProbe> probe;
    explicit Rig(test_mqtt::MosquittoOptions broker_options = {});
    ~Rig();  // resumes a paused broker first, so the probe can say goodbye
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;
    // A new subscriber on '#' (after the broker has been restarted, say).
    void new_probe();
};

class Daemon {
public:
    // Starts `dlms2mqtt <args>` (args[0] is the command; an empty --config file is added after
    // it) reading rig.pty's link and publishing to rig.broker with the demo keys; `env` adds or
    // overrides DLMS2MQTT_* variables; `wrapper` is a command line the daemon runs under (it
    // must exec the daemon, so that the process signalled is the daemon).
    explicit Daemon(const Rig& rig, std::map<std::string, std::string> env = {}, std::vector<std::string> args = {"run"},
                    std::vector<std::string> wrapper = {});

    testsupport::Process& process() { return *process_; }
    std::string log() const { return process_->stderr_text(); }
    // Polls the daemon's stderr for `needle`.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = kWait) const;
    // SIGTERM and wait; the exit status, nullopt when it did not exit within `timeout`.
    std::optional<int> terminate(std::chrono::milliseconds timeout = kWait);
    // SIGTERM; requires the exit within `timeout`, checks exit status 0 and that no key leaked.
    void terminate_expect_exit(std::chrono::milliseconds timeout);
    // Checks that no key given to the daemon appears in what it wrote.
    void check_no_key_material() const;

private:
    std::vector<std::string> keys_;
    std::unique_ptr<testsupport::Process> process_;
};

// Waits until the daemon has said "online" on its status topic: connected, ready for pushes.
void require_bridge_online(Rig& rig);
// SIGTERM, exit 0, no key leaked into its output, and its last word ("offline") received, so no
// message is still on its way.
void stop_cleanly(Rig& rig, Daemon& daemon);
// SIGTERM while the broker is paused (hung): the daemon must not wait for it, and exits 0 within
// 5 s. The broker is resumed afterwards.
void stop_with_broker_hung(Rig& rig, Daemon& daemon);

// Bytes the meter's line might pick up: random, with 7E (HDLC flag) and 68 (M-Bus start) among
// them so the framer has to reject false starts.
sim::Bytes noise(std::mt19937& rng);
// Writes at 2400 baud 8N1 pace (4.17 ms a byte), in chunks cut at random points.
void write_at_wire_pace(testsupport::Pty& pty, const sim::Bytes& bytes, std::mt19937& rng);

std::size_t count_on(const Messages& all, const std::string& topic);
bool has_prefix(const Messages& all, const std::string& prefix);
// Parsed payloads of `topic`, in arrival order (payloads that are not JSON are skipped).
std::vector<nlohmann::json> json_on(const Messages& all, const std::string& topic);
// "frame_counter" of each state message, in arrival order.
std::vector<std::uint32_t> state_counters(const Messages& all);
// The diagnostics published for the push with this frame counter.
std::optional<nlohmann::json> diagnostics_for(const Messages& all, std::uint32_t frame_counter);
std::size_t count_lines_containing(const std::string& text, const std::string& needle);

}  // namespace daemon_test

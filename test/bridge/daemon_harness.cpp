#include "test/bridge/daemon_harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <fstream>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#ifndef DLMS2MQTT_EXE
#error "DLMS2MQTT_EXE must name the dlms2mqtt binary"
#endif

namespace daemon_test {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string unique_suffix() {
    static std::atomic<int> next{0};
    return std::to_string(::getpid()) + "-" + std::to_string(next++);
}

sim::KamstrupMeter::Options meter_options() {
    sim::KamstrupMeter::Options o;
    o.meter_number = 12345678;
    o.seed = 7;
    return o;
}

}  // namespace

MeterFeed::MeterFeed()
    : meter_(meter_options(), sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key()),
      clock_(1'750'000'000) {}

sim::Bytes MeterFeed::next_frame() {
    auto frame = meter_.next_frame(sim::local_date_time(clock_));
    clock_ += 10;
    return frame;
}

Rig::Rig(test_mqtt::MosquittoOptions broker_options) : broker(std::move(broker_options)), pty(dir / "ttyMeter") {
    new_probe();
}

Rig::~Rig() { broker.resume(); }

void Rig::new_probe() {
    probe.reset();
    probe = std::make_unique<test_mqtt::MqttProbe>(broker.port());
}

Daemon::Daemon(const Rig& rig, std::map<std::string, std::string> env, std::vector<std::string> args,
               std::vector<std::string> wrapper) {
    std::map<std::string, std::string> all = {
        {"DLMS2MQTT_SERIAL_PORT", rig.pty.link().string()},
        {"DLMS2MQTT_MQTT_HOST", rig.broker.host()},
        {"DLMS2MQTT_MQTT_PORT", std::to_string(rig.broker.port())},
        {"DLMS2MQTT_MQTT_CLIENT_ID", "dlms2mqtt-e2e-" + unique_suffix()},
        {"DLMS2MQTT_METER_ENCRYPTION_KEY", kEncryptionKey},
        {"DLMS2MQTT_METER_AUTHENTICATION_KEY", kAuthenticationKey},
        {"DLMS2MQTT_LEDGER_PATH", (rig.dir / "ledger.sqlite").string()},
    };
    for (auto& [k, v] : env) all[k] = v;
    // A sanitizer build reads its options from the environment, which is otherwise not passed on.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"})
        if (const char* v = std::getenv(name)) all[name] = v;
    keys_ = {all["DLMS2MQTT_METER_ENCRYPTION_KEY"], all["DLMS2MQTT_METER_AUTHENTICATION_KEY"]};

    // An empty config file: a real /etc/dlms2mqtt/config.yaml on this machine must not count.
    const auto config = rig.dir / "config.yaml";
    std::ofstream(config, std::ios::app).flush();
    if (args.empty()) throw std::invalid_argument("Daemon: no command given");
    testsupport::ProcessOptions po;
    po.argv = {DLMS2MQTT_EXE, args[0], "--config", config.string()};  // the command, then its options
    po.argv.insert(po.argv.end(), args.begin() + 1, args.end());
    po.argv.insert(po.argv.begin(), wrapper.begin(), wrapper.end());
    po.env = std::move(all);
    const std::string name = "daemon-" + unique_suffix();
    po.stdout_file = rig.dir / (name + ".out");
    po.stderr_file = rig.dir / (name + ".err");
    process_ = std::make_unique<testsupport::Process>(std::move(po));
}

bool Daemon::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (log().find(needle) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::optional<int> Daemon::terminate(std::chrono::milliseconds timeout) {
    process_->signal(SIGTERM);
    return process_->wait_for(timeout);
}

void Daemon::terminate_expect_exit(std::chrono::milliseconds timeout) {
    const auto rc = terminate(timeout);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    check_no_key_material();
}

void Daemon::check_no_key_material() const {
    const std::string out = lower(log() + process_->stdout_text());
    for (const auto& key : keys_) {
        INFO("a meter key given to the daemon appears in its output");
        CHECK(out.find(lower(key)) == std::string::npos);
    }
}

void require_bridge_online(Rig& rig) { REQUIRE(rig.probe->wait_for_topic(kStatusTopic, "online", kWait)); }

void stop_cleanly(Rig& rig, Daemon& daemon) {
    daemon.terminate_expect_exit(kWait);
    CHECK(rig.probe->wait_for_topic(kStatusTopic, "offline", kWait));
}

void stop_with_broker_hung(Rig& rig, Daemon& daemon) {
    // Rig's destructor resumes the broker too, should the daemon not exit in time.
    daemon.terminate_expect_exit(5s);
    rig.broker.resume();
}

sim::Bytes noise(std::mt19937& rng) {
    std::uniform_int_distribution<int> len(8, 40), byte(0, 255);
    sim::Bytes out(static_cast<std::size_t>(len(rng)));
    for (auto& b : out) b = static_cast<std::uint8_t>(byte(rng));
    std::uniform_int_distribution<std::size_t> at(0, out.size() - 1);
    out[at(rng)] = 0x7E;
    out[at(rng)] = 0x68;
    out[at(rng)] = 0x7E;
    return out;
}

void write_at_wire_pace(testsupport::Pty& pty, const sim::Bytes& bytes, std::mt19937& rng) {
    constexpr auto kByteTime = std::chrono::microseconds(4167);  // 10 bits at 2400 baud
    std::uniform_int_distribution<std::size_t> chunk(1, 160);
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::size_t n = std::min(chunk(rng), bytes.size() - at);
        pty.write(std::span(bytes).subspan(at, n));
        at += n;
        std::this_thread::sleep_for(kByteTime * static_cast<long>(n));
    }
}

std::size_t count_on(const Messages& all, const std::string& topic) {
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& m) { return m.topic == topic; }));
}

bool has_prefix(const Messages& all, const std::string& prefix) {
    return std::any_of(all.begin(), all.end(), [&](const auto& m) { return m.topic.starts_with(prefix); });
}

std::vector<nlohmann::json> json_on(const Messages& all, const std::string& topic) {
    std::vector<nlohmann::json> out;
    for (const auto& m : all) {
        if (m.topic != topic) continue;
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
}

std::vector<std::uint32_t> state_counters(const Messages& all) {
    std::vector<std::uint32_t> out;
    for (const auto& j : json_on(all, kStateTopic))
        if (j.contains("frame_counter") && j["frame_counter"].is_number_unsigned()) out.push_back(j["frame_counter"].get<std::uint32_t>());
    return out;
}

std::optional<nlohmann::json> diagnostics_for(const Messages& all, std::uint32_t frame_counter) {
    std::optional<nlohmann::json> found;
    for (auto& j : json_on(all, kDiagnosticsTopic))
        if (j.value("frame_counter", 0u) == frame_counter) found = std::move(j);
    return found;
}

std::size_t count_lines_containing(const std::string& text, const std::string& needle) {
    std::size_t n = 0, start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (text.substr(start, end - start).find(needle) != std::string::npos) ++n;
        start = end + 1;
    }
    return n;
}

}  // namespace daemon_test

// End-to-end latency of the whole daemon: from the last byte of a push written to a
// pseudo-terminal to the state message arriving at an MQTT subscriber.
//
//   pty master ──► dlms2mqtt run (serial port = the pty) ──► mosquitto ──► subscriber (here)
//   t0: just before write() of the frame's last byte    t1: the state message's callback starts
//
// Starts a private mosquitto on a free 127.0.0.1 port and the daemon, writes the pushes of a
// simulated Kamstrup meter (demo keys) one at a time, waits for each push's state message (its
// frame_counter names it) before the next, and prints p50/p99/max of t1 - t0. Everything it
// starts is stopped when it ends.
//
//   latency PATH/TO/dlms2mqtt [--count N] [--gap-ms MS] [--nagle]
//     --count N     measured pushes (default 1000), after 10 unmeasured warm-up pushes
//     --gap-ms MS   pause after each state message (default 5): pushes are 10 s apart in real
//                   life, so the daemon's work after a state (diagnostics) should not be counted
//     --nagle       leave mosquitto's set_tcp_nodelay at its default (false). By default the
//                   broker here sets it true: with Nagle's algorithm on the broker's socket to
//                   the subscriber, a state sent a few ms after the previous one waits for the
//                   subscriber's delayed ACK (40 ms or more). That is an artefact of pushing every
//                   few ms: with a meter's 10 s between pushes the ACK has long arrived (try
//                   --nagle --gap-ms 300: the stalls are gone).
//   exit 0: every push arrived; 1: a push was lost or the set-up failed; 2: wrong usage
#include <algorithm>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "simulator/kamstrup_meter.hpp"
#include "test/support/mosquitto_fixture.hpp"
#include "test/support/process.hpp"
#include "test/support/pty.hpp"
#include "test/support/temp_dir.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage = "usage: latency PATH/TO/dlms2mqtt [--count N] [--gap-ms MS] [--nagle]\n";
constexpr const char* kStateTopic = "dlms2mqtt/12345678/state";  // the simulated meter's number
constexpr int kWarmUp = 10;

// Writes all but the last byte, then the last byte alone: returns the time just before the last
// byte was written (so the measurement starts before the daemon can have the frame).
SteadyClock::time_point write_frame(testsupport::Pty& pty, const dlms::Bytes& frame) {
    const std::span<const std::uint8_t> bytes(frame);
    pty.write(bytes.first(bytes.size() - 1));
    const auto t0 = SteadyClock::now();
    pty.write(bytes.last(1));
    return t0;
}

// The newest state message seen: its frame counter and when its callback started.
class Arrivals {
public:
    void record(std::uint32_t counter, SteadyClock::time_point at) {
        {
            std::lock_guard lock(mutex_);
            counter_ = counter;
            at_ = at;
        }
        changed_.notify_all();
    }
    // The arrival time of the state with `counter`, or nullopt after `timeout`.
    std::optional<SteadyClock::time_point> wait_for(std::uint32_t counter, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout, [&] { return counter_ && *counter_ >= counter; })) return std::nullopt;
        if (*counter_ != counter) return std::nullopt;
        return at_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<std::uint32_t> counter_;
    SteadyClock::time_point at_{};
};

struct Options {
    std::string daemon;
    int count = 1000;
    int gap_ms = 5;
    bool nagle = false;
};

std::optional<Options> parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--count" || a == "--gap-ms") && i + 1 < argc) {
            const int v = std::atoi(argv[++i]);
            if (v < 0 || (a == "--count" && v == 0)) return std::nullopt;
            (a == "--count" ? o.count : o.gap_ms) = v;
        } else if (a == "--nagle") {
            o.nagle = true;
        } else if (o.daemon.empty() && a[0] != '-') {
            o.daemon = a;
        } else {
            return std::nullopt;
        }
    }
    if (o.daemon.empty()) return std::nullopt;
    return o;
}

// Paho's subscriber; every failure becomes one runtime_error line.
std::unique_ptr<mqtt::async_client> subscribe(int port, Arrivals& arrivals) {
    try {
        auto client = std::make_unique<mqtt::async_client>("tcp://127.0.0.1:" + std::to_string(port), "endurance-latency");
        client->set_message_callback([&arrivals](mqtt::const_message_ptr msg) {
            const auto at = SteadyClock::now();  // before parsing: the subscriber's own cost is not the daemon's
            const auto state = nlohmann::json::parse(msg->to_string(), nullptr, false);
            if (state.is_object() && state.contains("frame_counter") && state["frame_counter"].is_number_unsigned())
                arrivals.record(state["frame_counter"].get<std::uint32_t>(), at);
        });
        mqtt::connect_options co;
        co.set_clean_session(true);
        if (!client->connect(co)->wait_for(10s)) throw std::runtime_error("no CONNACK within 10 s");
        if (!client->subscribe(kStateTopic, 0)->wait_for(10s)) throw std::runtime_error("no SUBACK within 10 s");
        return client;
    } catch (const mqtt::exception& e) {
        throw std::runtime_error(std::string("subscriber: ") + e.what());
    }
}

void unsubscribe(mqtt::async_client& client) {
    try {
        client.disconnect()->wait_for(2s);
    } catch (const mqtt::exception&) {
    }
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct Meter {
    sim::KamstrupMeter meter{{}, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key()};
    std::int64_t clock = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    // Writes the next push; returns its frame counter and when its last byte was written.
    std::pair<std::uint32_t, SteadyClock::time_point> push(testsupport::Pty& pty) {
        const auto frame = meter.next_frame(sim::local_date_time(clock));
        clock += 10;
        return {meter.last_counter(), write_frame(pty, frame)};
    }
};

// Pushes until the daemon has opened the pty, connected and published a first state; empty when
// it has, else why not.
std::string warm_up(Meter& meter, testsupport::Pty& pty, Arrivals& arrivals, testsupport::Process& daemon) {
    int arrived = 0;
    try {
        for (int attempt = 0; attempt < 120 && arrived < kWarmUp && daemon.running(); ++attempt) {
            const std::uint32_t counter = meter.push(pty).first;
            if (arrivals.wait_for(counter, arrived ? 2000ms : 500ms)) ++arrived;
        }
    } catch (const std::runtime_error& e) {  // the pty is full: the daemon does not read it
        return e.what();
    }
    if (!daemon.running()) return "the daemon ended (" + testsupport::describe_exit(*daemon.exit_status()) + ")";
    return arrived == kWarmUp ? "" : "no state message for the warm-up pushes";
}

// The daemon reading the pty at `link` and publishing to the broker at `port`, with exactly the
// environment it needs (a developer's own DLMS2MQTT_* variables stay out), stopped by its PID:
// SIGTERM, then SIGKILL after 5 s.
testsupport::ProcessOptions daemon_options(const Options& o, const testsupport::TempDir& dir,
                                           const std::filesystem::path& link, int port) {
    testsupport::ProcessOptions po;
    // An empty config file: no /etc/dlms2mqtt/config.yaml of this machine.
    po.argv = {o.daemon, "run", "--config", dir.write("empty.yaml", "{}\n").string()};
    po.env = {{"DLMS2MQTT_SERIAL_PORT", link.string()},
              {"DLMS2MQTT_MQTT_HOST", "127.0.0.1"},
              {"DLMS2MQTT_MQTT_PORT", std::to_string(port)},
              {"DLMS2MQTT_MQTT_CLIENT_ID", "dlms2mqtt-latency"},
              {"DLMS2MQTT_LEDGER_PATH", (dir.path() / "ledger.sqlite").string()},
              {"DLMS2MQTT_METER_ENCRYPTION_KEY", "D3400000000000000000000000000064"},  // the simulator's demo keys
              {"DLMS2MQTT_METER_AUTHENTICATION_KEY", "D3400000000000000000000000000065"}};
    po.stdout_file = po.stderr_file = dir / "daemon.log";
    po.stop_grace = 5s;
    return po;
}

void report(const Options& o, std::vector<double> ms, int lost, const std::string& stopped) {
    std::sort(ms.begin(), ms.end());
    double mean = 0;
    for (double v : ms) mean += v / static_cast<double>(ms.size());
    std::printf("latency: pty -> dlms2mqtt -> mosquitto (set_tcp_nodelay %s) -> subscriber, %d ms between pushes\n",
                o.nagle ? "false" : "true", o.gap_ms);
    std::printf("  %zu pushes measured, %d lost; daemon stopped: %s\n", ms.size(), lost, stopped.c_str());
    if (ms.empty()) return;
    std::printf("  p50 %.3f ms   p99 %.3f ms   max %.3f ms   (min %.3f ms, mean %.3f ms)\n", percentile(ms, 0.50),
                percentile(ms, 0.99), ms.back(), ms.front(), mean);
    const auto over = [&](double limit) { return ms.end() - std::upper_bound(ms.begin(), ms.end(), limit); };
    std::printf("  over 1 ms: %td   over 2 ms: %td   over 5 ms: %td   over 20 ms: %td\n", over(1), over(2), over(5), over(20));
    std::printf("  goal p99 < 5 ms: %s\n", percentile(ms, 0.99) < 5.0 ? "met" : "NOT met");
}

int measure(const Options& o, const testsupport::TempDir& dir) {
    test_mqtt::MosquittoOptions broker_options;
    if (!o.nagle) broker_options.extra_config = {"set_tcp_nodelay true"};
    test_mqtt::Mosquitto broker(std::move(broker_options));
    Arrivals arrivals;
    auto subscriber = subscribe(broker.port(), arrivals);
    testsupport::Pty pty(dir / "ttyMeter");
    testsupport::Process daemon(daemon_options(o, dir, pty.link(), broker.port()));
    Meter meter;
    if (const auto failed = warm_up(meter, pty, arrivals, daemon); !failed.empty()) {
        std::cerr << "latency: " << failed << "; daemon log:\n" << daemon.stdout_text();
        return 1;
    }
    std::vector<double> ms;
    int lost = 0;
    for (int i = 0; i < o.count && lost < 10; ++i) {
        const auto [counter, sent] = meter.push(pty);
        if (auto at = arrivals.wait_for(counter, 2000ms)) ms.push_back(std::chrono::duration<double, std::milli>(*at - sent).count());
        else ++lost;
        std::this_thread::sleep_for(std::chrono::milliseconds(o.gap_ms));
    }
    unsubscribe(*subscriber);
    report(o, std::move(ms), lost, testsupport::describe_exit(daemon.stop(5s)));
    if (lost > 0) std::cerr << "latency: " << lost << " pushes lost; daemon log:\n" << daemon.stdout_text();
    return lost == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse(argc, argv);
    if (!options) {
        std::cerr << kUsage;
        return 2;
    }
    try {
        const testsupport::TempDir dir("dlms2mqtt-latency-");
        return measure(*options, dir);
    } catch (const std::exception& e) {
        std::cerr << "latency: " << e.what() << "\n";
        return 1;
    }
}

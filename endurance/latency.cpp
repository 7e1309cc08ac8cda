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
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "endurance/local_process.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage = "usage: latency PATH/TO/dlms2mqtt [--count N] [--gap-ms MS] [--nagle]\n";
constexpr const char* kStateTopic = "dlms2mqtt/12345678/state";  // the simulated meter's number
constexpr int kWarmUp = 10;

// The master side of a pseudo-terminal; its slave stays open here in raw mode (as a real
// serial adapter would be) so that the daemon may open it at any time.
class Pty {
public:
    explicit Pty(const std::filesystem::path& link) : link_(link) {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
            throw std::runtime_error(std::string("cannot create a pseudo-terminal: ") + std::strerror(errno));
        const std::string path = ::ptsname(master_);
        slave_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        termios t{};
        ::tcgetattr(slave_, &t);
        ::cfmakeraw(&t);
        ::tcsetattr(slave_, TCSANOW, &t);
        if (::symlink(path.c_str(), link.c_str()) != 0)
            throw std::runtime_error("cannot link " + link.string() + ": " + std::strerror(errno));
    }
    ~Pty() {
        ::unlink(link_.c_str());
        if (slave_ >= 0) ::close(slave_);
        if (master_ >= 0) ::close(master_);
    }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    // Writes all but the last byte, then the last byte alone: returns the time just before the
    // last byte was written (so the measurement starts before the daemon can have the frame).
    SteadyClock::time_point write_frame(const dlms::Bytes& frame) const {
        write_all(frame.data(), frame.size() - 1);
        const auto t0 = SteadyClock::now();
        write_all(frame.data() + frame.size() - 1, 1);
        return t0;
    }

private:
    void write_all(const std::uint8_t* p, std::size_t n) const {
        while (n > 0) {
            const ssize_t w = ::write(master_, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) throw std::runtime_error(std::string("write to the pty failed: ") + std::strerror(errno));
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }

    std::filesystem::path link_;
    int master_ = -1, slave_ = -1;
};

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

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
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
    std::pair<std::uint32_t, SteadyClock::time_point> push(const Pty& pty) {
        const auto frame = meter.next_frame(sim::local_date_time(clock));
        clock += 10;
        return {meter.last_counter(), pty.write_frame(frame)};
    }
};

// Pushes until the daemon has opened the pty, connected and published a first state.
bool warm_up(Meter& meter, const Pty& pty, Arrivals& arrivals) {
    int arrived = 0;
    for (int attempt = 0; attempt < 120 && arrived < kWarmUp; ++attempt) {
        const std::uint32_t counter = meter.push(pty).first;
        if (arrivals.wait_for(counter, arrived ? 2000ms : 500ms)) ++arrived;
    }
    return arrived == kWarmUp;
}

// The daemon reading the pty at `dir`/ttyMeter and publishing to the broker at `port`.
std::vector<std::string> daemon_environment(const std::filesystem::path& dir, int port) {
    return {"DLMS2MQTT_SERIAL_PORT=" + (dir / "ttyMeter").string(), "DLMS2MQTT_MQTT_HOST=127.0.0.1",
            "DLMS2MQTT_MQTT_PORT=" + std::to_string(port), "DLMS2MQTT_MQTT_CLIENT_ID=dlms2mqtt-latency",
            "DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064",  // the simulator's demo keys
            "DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065"};
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

int measure(const Options& o, const std::filesystem::path& dir) {
    endurance::LocalBroker broker(dir, o.nagle ? std::vector<std::string>{}
                                               : std::vector<std::string>{"set_tcp_nodelay true"});
    Arrivals arrivals;
    auto subscriber = subscribe(broker.port(), arrivals);
    Pty pty(dir / "ttyMeter");
    std::ofstream(dir / "empty.yaml") << "{}\n";  // no /etc/dlms2mqtt/config.yaml of this machine
    endurance::ChildProcess daemon({o.daemon, "run", "--config", (dir / "empty.yaml").string()},
                                   daemon_environment(dir, broker.port()), dir / "daemon.log");
    Meter meter;
    if (!warm_up(meter, pty, arrivals)) {
        std::cerr << "latency: no state message for the warm-up pushes; daemon log:\n" << file_text(dir / "daemon.log");
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
    report(o, std::move(ms), lost, daemon.stop());
    if (lost > 0) std::cerr << "latency: " << lost << " pushes lost; daemon log:\n" << file_text(dir / "daemon.log");
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
        endurance::TempDir dir;
        return measure(*options, dir.path());
    } catch (const std::exception& e) {
        std::cerr << "latency: " << e.what() << "\n";
        return 1;
    }
}

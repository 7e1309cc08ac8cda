// `dlms2mqtt probe` against a pseudo-terminal: the test plays the meter on the master side and
// reads what the probe tells a first-time user. Each probe listens for 2-3 s at most.
#include <termios.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bridge/commands/commands.hpp"
#include "decoder/bytes.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/support/pty.hpp"
#include "test/support/tcp_server.hpp"
#include "test/support/temp_dir.hpp"

namespace {

constexpr const char* kEk = "D3400000000000000000000000000064";  // the simulator's demo keys
constexpr const char* kAk = "D3400000000000000000000000000065";
constexpr const char* kWrongEk = "00112233445566778899AABBCCDDEEFF";
constexpr const char* kWrongAk = "FFEEDDCCBBAA99887766554433221100";

// The meter's line: bytes written to the master wait for the probe whenever it opens (and reopens)
// the slave, which the pty keeps open itself.
using testsupport::Pty;

// Calls `step` with a pause between, until it returns false or the feeder is destroyed.
class Feeder {
public:
    Feeder(std::function<bool()> step, std::chrono::milliseconds pause)
        : thread_([this, step = std::move(step), pause] {
              while (!stop_ && step()) std::this_thread::sleep_for(pause);
          }) {}
    // Writes the chunks one after the other.
    Feeder(Pty& pty, std::vector<dlms::Bytes> chunks, std::chrono::milliseconds pause)
        : Feeder([&pty, chunks = std::move(chunks), i = std::size_t{0}]() mutable {
              if (i == chunks.size()) return false;
              pty.try_write(chunks[i++]);  // a full buffer: the probe is not reading any more
              return true;
          }, pause) {}
    ~Feeder() {
        stop_ = true;
        thread_.join();
    }
    Feeder(const Feeder&) = delete;
    Feeder& operator=(const Feeder&) = delete;

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

struct ProbeRun {
    int code = -1;
    std::string out;
};

ProbeRun probe(const std::string& port, std::vector<std::string> extra) {
    // A config file with nothing in it but the line settings, so a config on the machine running
    // the tests plays no part.
    const testsupport::TempDir dir("dlms2mqtt-probe-");
    const auto config = dir.write("config.yaml", "serial:\n  baud: 2400\n  parity: none\n");
    std::vector<std::string> args = {"--port", port, "--config", config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    ProbeRun run;
    run.code = bridge::probe_command(args);
    std::cout.rdbuf(old);
    run.out = captured.str();
    MESSAGE(run.out);
    return run;
}

ProbeRun probe(const Pty& pty, std::vector<std::string> extra) { return probe(pty.slave_path(), std::move(extra)); }

struct Pushes {
    std::vector<dlms::Bytes> frames;
    sim::KamstrupValues first;
};

Pushes kamstrup_pushes(std::uint8_t security, std::size_t count) {
    sim::KamstrupMeter::Options o;
    o.security = security;
    sim::KamstrupMeter meter(o, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    Pushes p;
    std::int64_t clock = 1'700'000'000;
    for (std::size_t i = 0; i < count; ++i, clock += 10) {
        p.frames.push_back(meter.next_frame(sim::local_date_time(clock)));
        if (i == 0) p.first = meter.last_values();
    }
    return p;
}

// Noise that never holds a byte able to start a frame (HDLC flag, M-Bus start, ciphered APDU).
std::vector<dlms::Bytes> noise(std::size_t chunks) {
    std::mt19937 rng(7);
    std::vector<dlms::Bytes> out(chunks);
    for (auto& c : out) {
        while (c.size() < 64) {
            const auto b = static_cast<std::uint8_t>(rng());
            if (b != 0x7E && b != 0x68 && b != 0xDB && b != 0x0F && b != 0xE0) c.push_back(b);
        }
    }
    return out;
}

void check_no_key_printed(const std::string& out) {
    for (const char* key : {kEk, kAk, kWrongEk, kWrongAk}) CHECK(out.find(key) == std::string::npos);
}

}  // namespace

TEST_CASE("probe: nothing on the line says no data and how to wire the meter") {
    Pty pty;
    const auto run = probe(pty, {"--seconds", "2", "--ek", kEk, "--ak", kAk});
    CHECK(run.code == 1);
    CHECK(run.out.find("no data: check wiring: CCC pin 5 to Pi pin 10 (RX), pin 6 to GND") != std::string::npos);
    CHECK(run.out.find("enable push") != std::string::npos);
}

TEST_CASE("probe: encrypted pushes with the right keys show the first push's values") {
    Pty pty;
    const auto pushes = kamstrup_pushes(0x30, 10);
    const Feeder feeder(pty, pushes.frames, std::chrono::milliseconds(200));
    const auto run = probe(pty, {"--seconds", "3", "--ek", kEk, "--ak", kAk});
    CHECK(run.code == 0);
    CHECK(run.out.find("valid frames at 2400 8N1") != std::string::npos);
    CHECK(run.out.find("encrypted and authenticated") != std::string::npos);
    CHECK(run.out.find("Kamstrup meter 12345678") != std::string::npos);
    CHECK(run.out.find("keys right") != std::string::npos);
    // Kamstrup counts energy in units of 10 Wh.
    const std::string energy = std::to_string(std::uint64_t{pushes.first.energy_import} * 10) + " Wh";
    const auto line = run.out.find("energy_import ");
    REQUIRE(line != std::string::npos);
    CHECK(run.out.substr(line, run.out.find('\n', line) - line).find(energy) != std::string::npos);
    check_no_key_printed(run.out);
}

TEST_CASE("probe: swapped keys are named as swapped, and the push still decodes") {
    Pty pty;
    const Feeder feeder(pty, kamstrup_pushes(0x30, 10).frames, std::chrono::milliseconds(200));
    const auto run = probe(pty, {"--seconds", "3", "--ek", kAk, "--ak", kEk});
    CHECK(run.code == 0);
    CHECK(run.out.find("keys swapped") != std::string::npos);
    CHECK(run.out.find("keys right") == std::string::npos);
    CHECK(run.out.find("energy_import") != std::string::npos);
    check_no_key_printed(run.out);
}

TEST_CASE("probe: wrong keys are named as wrong, with the meter that sent the frames") {
    Pty pty;
    const Feeder feeder(pty, kamstrup_pushes(0x30, 10).frames, std::chrono::milliseconds(200));
    const auto run = probe(pty, {"--seconds", "3", "--ek", kWrongEk, "--ak", kWrongAk});
    CHECK(run.code == 1);
    CHECK(run.out.find("keys wrong") != std::string::npos);
    CHECK(run.out.find("Kamstrup") != std::string::npos);
    CHECK(run.out.find("energy_import") == std::string::npos);
    check_no_key_printed(run.out);
}

TEST_CASE("probe: encrypted pushes and no keys ask for the utility's keys") {
    Pty pty;
    const Feeder feeder(pty, kamstrup_pushes(0x30, 10).frames, std::chrono::milliseconds(200));
    const auto run = probe(pty, {"--seconds", "3"});
    CHECK(run.code == 1);
    CHECK(run.out.find("no keys given") != std::string::npos);
    CHECK(run.out.find("key 64 / GPK60") != std::string::npos);
}

TEST_CASE("probe: unencrypted pushes need no keys and show their values") {
    Pty pty;
    const Feeder feeder(pty, kamstrup_pushes(0, 10).frames, std::chrono::milliseconds(200));
    const auto run = probe(pty, {"--seconds", "3"});
    CHECK(run.code == 0);
    CHECK(run.out.find("not encrypted") != std::string::npos);
    CHECK(run.out.find("energy_import") != std::string::npos);
}

TEST_CASE("probe: noise without frames tries 2400/9600 8N1/8E1 and says no setting gives a frame") {
    Pty pty;
    const Feeder feeder(pty, noise(200), std::chrono::milliseconds(40));
    const auto run = probe(pty, {"--seconds", "3", "--ek", kEk, "--ak", kAk});
    CHECK(run.code == 1);
    for (const char* setting : {"2400 8N1", "9600 8N1", "2400 8E1", "9600 8E1"}) {
        CAPTURE(setting);
        CHECK(run.out.find(setting) != std::string::npos);
    }
    CHECK(run.out.find("bytes arrive") != std::string::npos);
    CHECK(run.out.find("no valid frame at 2400/9600 8N1/8E1: check the wiring/levels") != std::string::npos);
}

TEST_CASE("probe: a meter at 9600 baud is found when 2400 is configured, and the setting is named") {
    Pty pty;
    // Plays a meter sending at 9600 baud: a receiver at any other speed gets noise instead.
    const auto pushes = kamstrup_pushes(0x30, 30);
    const auto garbage = noise(30);
    std::size_t next = 0;
    const Feeder feeder([&] {
        if (next == pushes.frames.size()) return false;
        pty.try_write(pty.speed() == B9600 ? pushes.frames[next] : garbage[next]);
        ++next;
        return true;
    }, std::chrono::milliseconds(100));
    const auto run = probe(pty, {"--seconds", "3", "--ek", kEk, "--ak", kAk});
    CHECK(run.code == 0);
    CHECK(run.out.find("2400 8N1: ") != std::string::npos);
    CHECK(run.out.find("valid frames at 9600 8N1") != std::string::npos);
    CHECK(run.out.find("set serial.baud: 9600, serial.parity: none") != std::string::npos);
    CHECK(run.out.find("keys right") != std::string::npos);
    CHECK(run.out.find("energy_import") != std::string::npos);
}

TEST_CASE("probe: wrong usage exits 2") {
    Pty pty;
    CHECK(probe(pty, {"--seconds", "0"}).code == 2);
    CHECK(probe(pty, {"--seconds", "ten"}).code == 2);
    CHECK(probe(pty, {"--ek", "1234"}).code == 2);
    CHECK(probe(pty, {"--bogus"}).code == 2);
    CHECK(probe(pty, {"extra"}).code == 2);
}

TEST_CASE("probe: a network serial server is read as it is, without guessing a baud rate") {
    testsupport::TcpServer server;
    const auto pushes = kamstrup_pushes(0x30, 3);
    std::thread serve([&] {
        if (!server.accept(std::chrono::seconds(5))) return;
        for (const auto& f : pushes.frames) {
            if (!server.write(f)) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
    const auto run = probe(server.url(), {"--seconds", "3", "--ek", kEk, "--ak", kAk});
    serve.join();
    CHECK(run.code == 0);
    CHECK(run.out.find("valid frames on " + server.url()) != std::string::npos);
    CHECK(run.out.find("keys right") != std::string::npos);
    CHECK(run.out.find("9600") == std::string::npos);  // no other line setting was tried
}

TEST_CASE("probe: a DSMR/P1 text telegram is named as such, not blamed on the wiring") {
    Pty pty;
    const std::string telegram =
        "/ISK5\\2M550E-1011\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(261130120000W)\r\n"
        "1-0:1.8.1(001234.567*kWh)\r\n1-0:32.7.0(229.0*V)\r\n!1A2B\r\n";
    const dlms::Bytes bytes(telegram.begin(), telegram.end());
    const Feeder feeder(pty, {bytes, bytes, bytes}, std::chrono::milliseconds(300));
    const auto run = probe(pty, {"--seconds", "3"});
    CHECK(run.code == 1);
    CHECK(run.out.find("DSMR/P1 text telegram") != std::string::npos);
    CHECK(run.out.find("/ISK5\\2M550E-1011") != std::string::npos);
    CHECK(run.out.find("check the wiring") == std::string::npos);
}

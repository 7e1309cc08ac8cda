// dlms2mqtt simulate: a Kamstrup-style meter without a meter, for trying a set-up and for demos.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "decoder/bytes.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace bridge {

namespace {
constexpr const char* kUsage =
    "usage: dlms2mqtt simulate [--pty [--link PATH] | --out FILE] [--count N] [--interval SECONDS]\n"
    "                          [--fast] [--hex] [--meter-number N] [--seed N] [--plain]\n"
    "                          [--start UNIX_SECONDS] [--registers-every SECONDS] [--first-counter N]\n"
    "\n"
    "Writes encrypted Kamstrup OMNIPOWER-style pushes, with changing household values, at the meter's\n"
    "pace (every 10 s), encrypted with the demo keys:\n"
    "  encryption_key:     D3400000000000000000000000000064   (key 64)\n"
    "  authentication_key: D3400000000000000000000000000065   (key 65)\n"
    "\n"
    "  --pty            create a pseudo-terminal and write there; its path is printed (and linked at\n"
    "                   --link PATH): point serial.port at it\n"
    "  --out FILE       write to FILE (- for stdout): raw bytes, or hex text lines with --hex\n"
    "  --count N        stop after N pushes (default: run until interrupted)\n"
    "  --interval S     seconds between pushes (default 10)\n"
    "  --fast           no pause between pushes; meter clock still advances by the interval\n"
    "  --plain          unencrypted pushes\n"
    "  --start T        the meter clock's first time, in seconds since 1970 (default: now)\n"
    "  --registers-every S  the energy registers only in pushes at a multiple of S seconds of the\n"
    "                   local day (3600: Kamstrup's hourly list); default: in every push\n"
    "  --first-counter N  the first push's invocation counter (default 1): a meter that went on\n"
    "                   pushing after an earlier capture\n";

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// A pty whose slave side stays open here in raw mode, so bytes pass unchanged and the reader may
// close and reopen it.
struct Pty {
    int master = -1, slave = -1;
    std::string path;
    std::string open() {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return std::strerror(errno);
        path = ptsname(master);
        slave = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) return std::strerror(errno);
        termios t{};
        tcgetattr(slave, &t);
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
        return "";
    }
};
}  // namespace

int simulate_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--out", "--count", "--interval", "--link", "--meter-number", "--seed", "--start",
                                        "--registers-every", "--first-counter"},
                              {"--pty", "--fast", "--hex", "--plain", "--help", "-h"});
    if (a.has("--help") || a.has("-h")) {
        std::cout << kUsage;
        return 0;
    }
    if (!a.error.empty() || !a.positional.empty() || a.has("--pty") == a.get("--out").has_value()) {
        std::cerr << "dlms2mqtt simulate: " << (a.error.empty() ? "give either --pty or --out FILE" : a.error) << "\n" << kUsage;
        return 2;
    }
    std::uint64_t count = 0;
    std::uint32_t interval = 10, meter_number = 12345678, seed = 1, registers_every = 0, first_counter = 1;
    std::optional<std::int64_t> start;
    try {
        if (auto s = a.get("--start")) start = std::stoll(*s);
        registers_every = static_cast<std::uint32_t>(std::stoul(a.get("--registers-every").value_or("0")));
        count = std::stoull(a.get("--count").value_or("0"));
        interval = static_cast<std::uint32_t>(std::stoul(a.get("--interval").value_or("10")));
        meter_number = static_cast<std::uint32_t>(std::stoul(a.get("--meter-number").value_or("12345678")));
        seed = static_cast<std::uint32_t>(std::stoul(a.get("--seed").value_or("1")));
        first_counter = static_cast<std::uint32_t>(std::stoul(a.get("--first-counter").value_or("1")));
    } catch (const std::exception&) {
        std::cerr << "dlms2mqtt simulate: --count, --interval, --meter-number, --seed, --start, --registers-every and\n"
                     "--first-counter take whole numbers\n";
        return 2;
    }
    if (interval == 0 && !a.has("--fast")) interval = 1;

    int fd = -1;
    Pty pty;
    std::FILE* out = nullptr;
    if (a.has("--pty")) {
        if (auto e = pty.open(); !e.empty()) {
            std::cerr << "dlms2mqtt simulate: cannot create a pseudo-terminal: " << e << "\n";
            return 1;
        }
        fd = pty.master;
        if (auto link = a.get("--link")) {
            ::unlink(link->c_str());
            if (::symlink(pty.path.c_str(), link->c_str()) != 0) {
                std::cerr << "dlms2mqtt simulate: --link " << *link << ": " << std::strerror(errno) << "\n";
                return 1;
            }
        }
        std::cout << "simulated meter on " << pty.path << (a.get("--link") ? " (linked at " + *a.get("--link") + ")" : "") << std::endl;
    } else {
        const std::string path = *a.get("--out");
        out = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
        if (!out) {
            std::cerr << "dlms2mqtt simulate: --out " << path << ": " << std::strerror(errno) << "\n";
            return 1;
        }
        fd = fileno(out);
    }

    sim::KamstrupMeter::Options o;
    o.meter_number = meter_number;
    o.seed = seed;
    o.first_counter = first_counter;
    o.interval_seconds = interval ? interval : 10;
    o.security = a.has("--plain") ? 0 : 0x30;
    o.registers_every = registers_every;
    sim::KamstrupMeter meter(o, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());

    const bool fast = a.has("--fast");
    std::int64_t clock = start.value_or(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
    auto next = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; count == 0 || i < count; ++i) {
        const auto frame = meter.next_frame(sim::local_date_time(clock));
        clock += o.interval_seconds;
        bool ok;
        if (a.has("--hex")) {
            const std::string line = dlms::to_hex(frame) + "\n";
            ok = write_all(fd, reinterpret_cast<const std::uint8_t*>(line.data()), line.size());
        } else {
            ok = write_all(fd, frame.data(), frame.size());
        }
        if (!ok) {
            if (errno != EPIPE) std::cerr << "dlms2mqtt simulate: write failed: " << std::strerror(errno) << "\n";
            return errno == EPIPE ? 0 : 1;
        }
        if (!fast) {
            next += std::chrono::seconds(interval);
            std::this_thread::sleep_until(next);
        }
    }
    if (out && out != stdout) std::fclose(out);
    return 0;
}

}  // namespace bridge

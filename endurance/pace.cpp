// Copies stdin to stdout, or to a pseudo-terminal, at a fixed rate: a simulated meter whose
// pushes come faster than `simulate --interval 1` allows (soak.sh SOAK_RATE), or a serial device
// that carries on a meter's frame counter after being unplugged (faults.sh).
//
//   pace BYTES_PER_SECOND [--pty LINK]
//
// Reads what is there (at most 1/100 s worth), writes it, then sleeps until the bytes written
// so far are due; when the reader held it up, it goes on at the rate without catching up. With --pty the bytes go to a new pseudo-terminal (raw mode, its slave held
// open like a plugged-in adapter) linked at LINK, and at the end of the input it stays until
// SIGTERM rather than vanish. Exits 0 at the end of the input (or on SIGTERM with --pty),
// 1 when the output is closed or the pty cannot be made, 2 on wrong usage.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// The master side of a new pty linked at `link`, or -1 (with a message on stderr).
int open_pty(const std::string& link) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
        std::fprintf(stderr, "pace: cannot create a pseudo-terminal: %s\n", std::strerror(errno));
        return -1;
    }
    const std::string path = ::ptsname(master);
    const int slave = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);  // kept open until exit
    termios t{};
    if (slave < 0 || ::tcgetattr(slave, &t) != 0) {
        std::fprintf(stderr, "pace: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
        return -1;
    }
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
    ::unlink(link.c_str());
    if (::symlink(path.c_str(), link.c_str()) != 0) {
        std::fprintf(stderr, "pace: cannot link %s: %s\n", link.c_str(), std::strerror(errno));
        return -1;
    }
    std::fprintf(stderr, "pace: writing to %s (linked at %s)\n", path.c_str(), link.c_str());
    return master;
}

}  // namespace

int main(int argc, char** argv) {
    const double rate = argc == 2 || argc == 4 ? std::strtod(argv[1], nullptr) : 0;
    const bool to_pty = argc == 4 && std::string(argv[2]) == "--pty";
    if (rate <= 0 || (argc == 4 && !to_pty)) {
        std::fprintf(stderr, "usage: pace BYTES_PER_SECOND [--pty LINK] < in\n");
        return 2;
    }
    const int out = to_pty ? open_pty(argv[3]) : STDOUT_FILENO;
    if (out < 0) return 1;
    std::vector<char> buffer(static_cast<std::size_t>(rate / 100) + 1);
    auto start = std::chrono::steady_clock::now();
    double sent = 0;
    while (true) {
        const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!write_all(out, buffer.data(), static_cast<std::size_t>(n))) return 1;
        sent += static_cast<double>(n);
        const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(sent / rate));
        const auto now = std::chrono::steady_clock::now();
        // Behind (the reader did not take the bytes in time): carry on at the rate from now
        // rather than send a burst to catch up.
        if (now - due > std::chrono::milliseconds(50)) start += now - due;
        else std::this_thread::sleep_until(due);
    }
    if (to_pty) {
        // The device stays plugged in: wait for SIGTERM (or SIGINT).
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigprocmask(SIG_BLOCK, &stop, nullptr);
        int sig = 0;
        sigwait(&stop, &sig);
        ::unlink(argv[3]);
    }
    return 0;
}

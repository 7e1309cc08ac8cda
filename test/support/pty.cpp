#include "test/support/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace testsupport {

namespace {

std::runtime_error sys_error(const std::string& what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

Pty::Pty(std::filesystem::path link) : link_(std::move(link)) {
    open_pair();
    point_link();
}

Pty::~Pty() {
    close();
    std::error_code ec;
    if (!link_.empty()) std::filesystem::remove(link_, ec);
}

void Pty::open_pair() {
    // Non-blocking master: a reader that stops reading must fail the test, not hang it.
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (master_ < 0) throw sys_error("posix_openpt");
    if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
        const auto e = sys_error("grantpt/unlockpt");
        close();
        throw e;
    }
    slave_path_ = ::ptsname(master_);
    slave_ = ::open(slave_path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave_ < 0) {
        const auto e = sys_error("open " + slave_path_);
        close();
        throw e;
    }
    // Raw, so every byte passes unchanged even before the daemon sets the mode itself.
    termios t{};
    if (::tcgetattr(slave_, &t) != 0) throw sys_error("tcgetattr " + slave_path_);
    ::cfmakeraw(&t);
    if (::tcsetattr(slave_, TCSANOW, &t) != 0) throw sys_error("tcsetattr " + slave_path_);
}

// A new link under a temporary name renamed over the old one: the path never dangles.
void Pty::point_link() {
    if (link_.empty()) return;
    const std::filesystem::path tmp = link_.string() + ".new";
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    if (::symlink(slave_path_.c_str(), tmp.c_str()) != 0) throw sys_error("symlink " + tmp.string());
    if (::rename(tmp.c_str(), link_.c_str()) != 0) throw sys_error("rename to " + link_.string());
}

void Pty::write(std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout) {
    if (master_ < 0) throw std::runtime_error("pty is closed");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!bytes.empty()) {
        const ssize_t n = ::write(master_, bytes.data(), bytes.size());
        if (n > 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) throw sys_error("write to pty master");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("pty full: nobody reads " + slave_path_);
        pollfd p{master_, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 100)));
    }
}

bool Pty::try_write(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty() && master_ >= 0) {
        const ssize_t n = ::write(master_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return bytes.empty();
}

speed_t Pty::speed() const {
    termios t{};
    return slave_ >= 0 && ::tcgetattr(slave_, &t) == 0 ? ::cfgetispeed(&t) : B0;
}

void Pty::close() {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
    slave_ = master_ = -1;
}

void Pty::reopen() {
    close();
    open_pair();
    point_link();
}

}  // namespace testsupport

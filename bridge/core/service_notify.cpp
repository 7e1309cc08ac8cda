#include "bridge/core/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace bridge {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

template <typename T>
std::optional<T> parse_number(const std::string& text) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// sd_watchdog_enabled(3): on when WATCHDOG_USEC is a positive number and WATCHDOG_PID, if set,
// names this process (a child that inherited the variables must not feed its parent's watchdog).
std::optional<std::chrono::microseconds> watchdog_from_environment() {
    const auto usec = parse_number<std::uint64_t>(env("WATCHDOG_USEC"));
    if (!usec || *usec == 0) return std::nullopt;
    if (const std::string pid = env("WATCHDOG_PID"); !pid.empty() && parse_number<pid_t>(pid) != ::getpid())
        return std::nullopt;
    return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
}

// The socket address sd_notify(3) takes from $NOTIFY_SOCKET: an absolute path, or '@' and an
// abstract name (the '@' becomes the leading NUL byte). nullopt for anything else (systemd's
// newer "vsock:" addresses are for virtual machines, not for a service on the Pi).
std::optional<std::pair<sockaddr_un, socklen_t>> socket_address(const std::string& name) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name.size() < 2 || (name[0] != '/' && name[0] != '@') || name.size() >= sizeof addr.sun_path) return std::nullopt;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    return std::pair{addr, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())};
}

}  // namespace

ServiceNotifier::ServiceNotifier(WarnFn warn) : ServiceNotifier(env("NOTIFY_SOCKET"), watchdog_from_environment(), std::move(warn)) {}

ServiceNotifier::ServiceNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog, WarnFn warn)
    : socket_(std::move(socket)), watchdog_(socket_.empty() ? std::nullopt : watchdog), errors_(std::move(warn)) {}

ServiceNotifier::~ServiceNotifier() {
    if (fd_ >= 0) ::close(fd_);
}

std::optional<std::chrono::milliseconds> ServiceNotifier::heartbeat_period() const {
    if (!watchdog_) return std::nullopt;
    return std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_ / 2));
}

void ServiceNotifier::notify(std::string_view state) {
    if (socket_.empty()) return;
    std::lock_guard lock(mutex_);
    const auto addr = socket_address(socket_);
    if (!addr) {
        errors_("NOTIFY_SOCKET=" + socket_ + " is not a socket path or @name; systemd is not told how the service is doing");
        return;
    }
    if (fd_ < 0) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const bool sent = fd_ >= 0 && ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL,
                                           reinterpret_cast<const sockaddr*>(&addr->first), addr->second) >= 0;
    if (!sent) {
        errors_("cannot notify systemd through " + socket_ + ": " + std::strerror(errno) +
                (state.starts_with("WATCHDOG=") ? " (the watchdog may restart the service)" : ""));
    }
}

Heartbeat::Heartbeat(std::optional<std::chrono::milliseconds> period, std::function<void()> send)
    : period_(period), send_(std::move(send)) {}

void Heartbeat::beat(Clock::time_point now, Clock::time_point next_wake) {
    if (!period_) return;
    const bool due = !last_ || now >= *last_ + *period_;
    // Early, but only as early as needed: the worker's next wake-up would come after the beat is
    // due, and sending now leaves the next one due no sooner than that wake-up.
    const bool late_otherwise = last_ && next_wake > *last_ + *period_ && next_wake - now <= *period_;
    if (!due && !late_otherwise) return;
    last_ = now;
    send_();
}

std::chrono::milliseconds Heartbeat::wait_limit(Clock::time_point now) const {
    if (!period_) return std::chrono::milliseconds::max();
    if (!last_) return std::chrono::milliseconds(0);
    return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(*last_ + *period_ - now));
}

}  // namespace bridge

// Telling systemd how the service is doing (a unit with Type=notify and WatchdogSec=), without
// libsystemd: the same source is also built as a fully static binary, and there is no static
// libsystemd. The protocol is small and documented by systemd as stable (sd_notify(3), "Notes",
// and https://systemd.io/NOTIFY_SOCKET/ ): one datagram of newline-separated KEY=VALUE lines
// ("READY=1", "STATUS=...", "STOPPING=1", "WATCHDOG=1") sent with sendto() to the AF_UNIX
// socket named in $NOTIFY_SOCKET, a file path or, with a leading '@', an abstract name. The
// watchdog is on when $WATCHDOG_USEC holds a positive number of microseconds and $WATCHDOG_PID,
// if set, is this process (sd_watchdog_enabled(3)); the heartbeat is due every half of it.
// Without $NOTIFY_SOCKET everything here does nothing. A failed send is logged once in a while,
// never fatal: the daemon's job is the meter, not its supervisor.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/outputs/output_log.hpp"

namespace bridge {

class ServiceNotifier {
public:
    // As the environment says; `warn` gets the (rate-limited) send errors.
    explicit ServiceNotifier(WarnFn warn);
    // `socket` as in $NOTIFY_SOCKET (empty: off); `watchdog` as $WATCHDOG_USEC (nullopt: off).
    ServiceNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog, WarnFn warn);
    ~ServiceNotifier();
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

    bool enabled() const { return !socket_.empty(); }
    // Half the watchdog time, as sd_watchdog_enabled(3) advises; nullopt when no watchdog runs.
    std::optional<std::chrono::milliseconds> heartbeat_period() const;

    // One datagram with `state` ("READY=1\nSTATUS=..."). Safe from any thread.
    void notify(std::string_view state);
    void ready(std::string_view status) { notify("READY=1\nSTATUS=" + std::string(status)); }
    void status(std::string_view status) { notify("STATUS=" + std::string(status)); }
    void stopping(std::string_view status) { notify("STOPPING=1\nSTATUS=" + std::string(status)); }
    void watchdog() { notify("WATCHDOG=1"); }

private:
    std::string socket_;
    std::optional<std::chrono::microseconds> watchdog_;
    int fd_ = -1;  // opened on first use
    std::mutex mutex_;
    RateLimitedWarning errors_;
};

// The worker's heartbeat. The worker calls beat() whenever it wakes, giving the latest time it
// will wake again anyway (its next tick). The heartbeat goes out when it is due, or early when
// the worker would otherwise next wake after it is due: so it rides on wake-ups the worker has
// anyway (no timer of its own, no extra wake-up while idle), and a worker that stops coming
// round its loop (hung in a sink, a deadlock) stops it. wait_limit() caps the worker's sleep for
// a period shorter than its tick.
class Heartbeat {
public:
    using Clock = std::chrono::steady_clock;
    // No period: beat() never sends and wait_limit() never limits.
    Heartbeat(std::optional<std::chrono::milliseconds> period, std::function<void()> send);

    void beat(Clock::time_point now, Clock::time_point next_wake);
    // How long the worker may sleep from `now` before a heartbeat falls due.
    std::chrono::milliseconds wait_limit(Clock::time_point now) const;

private:
    std::optional<std::chrono::milliseconds> period_;
    std::function<void()> send_;
    std::optional<Clock::time_point> last_;
};

}  // namespace bridge

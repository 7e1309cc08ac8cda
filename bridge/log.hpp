// One logger for the daemon: lines to stderr ("2026-11-24T18:40:00Z warning: ..."), safe from any
// thread. Nothing here formats keys: callers never pass them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace bridge {

enum class LogLevel { debug, info, warning, error };

void set_log_level(LogLevel level);
LogLevel log_level();
// Sends log lines elsewhere (tests); empty restores stderr.
void set_log_sink(std::function<void(LogLevel, std::string_view)> sink);

void log(LogLevel level, std::string_view message);
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

// A log callback for the parts that take one (`std::function<void(std::string_view)>`).
std::function<void(std::string_view)> log_to(LogLevel level);

// Logs at most once per period; says how many were held back in between. For errors that repeat
// with every push (a broken frame every 10 s should not fill the SD card).
class RateLimitedLog {
public:
    explicit RateLimitedLog(std::chrono::seconds period = std::chrono::seconds(60)) : period_(period) {}
    void operator()(LogLevel level, std::string_view message);

private:
    std::mutex mutex_;
    std::chrono::seconds period_;
    std::chrono::steady_clock::time_point last_{};
    bool logged_ = false;
    std::uint64_t held_ = 0;
};

}  // namespace bridge

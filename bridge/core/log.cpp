#include "bridge/core/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <ctime>

namespace bridge {

namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_mutex;
std::function<void(LogLevel, std::string_view)> g_sink;

const char* name(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warning: return "warning";
        case LogLevel::error: return "error";
    }
    return "info";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void set_log_sink(std::function<void(LogLevel, std::string_view)> sink) {
    std::lock_guard lock(g_mutex);
    g_sink = std::move(sink);
}

void log(LogLevel level, std::string_view message) {
    if (level < g_level.load()) return;
    std::lock_guard lock(g_mutex);
    if (g_sink) {
        g_sink(level, message);
        return;
    }
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::fprintf(stderr, "%s %s: %.*s\n", stamp, name(level), static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

std::function<void(std::string_view)> log_to(LogLevel level) {
    return [level](std::string_view m) { log(level, m); };
}

}  // namespace bridge

// One logger for the daemon: lines to stderr ("2026-11-24T18:40:00Z warning: ..."), safe from any
// thread. Nothing here formats keys: callers never pass them.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bridge/config/choices.hpp"

namespace bridge {

void set_log_level(LogLevel level);
LogLevel log_level();
// Sends log lines elsewhere (tests); empty restores stderr.
void set_log_sink(std::function<void(LogLevel, std::string_view)> sink);

void log(LogLevel level, std::string_view message);
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

// A log callback for the parts that take one (`std::function<void(std::string_view)>`).
std::function<void(std::string_view)> log_to(LogLevel level);

}  // namespace bridge

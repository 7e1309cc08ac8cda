// Warnings that repeat with every push: a broken network, a full disk, a damaged frame every
// 10 seconds all day. The first is logged at once, later ones at most once a period, with the
// number left unlogged in between.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

namespace bridge {

// Receives one finished line: a warning, or (RateLimitedWarning::now) a rare notice such as a
// repaired file or a new daily file. The default writes to stderr.
using WarnFn = std::function<void(std::string_view)>;

inline WarnFn stderr_warn() {
    return [](std::string_view line) { std::cerr << line << '\n'; };
}

class RateLimitedWarning {
public:
    explicit RateLimitedWarning(WarnFn warn, std::chrono::seconds period = std::chrono::seconds(60))
        : warn_(warn ? std::move(warn) : stderr_warn()), period_(period) {}

    // Always for messages that are rare by nature (a repaired file), never rate-limited.
    void now(std::string_view message) const { warn_(message); }

    void operator()(std::string_view message) {
        const auto t = std::chrono::steady_clock::now();
        if (logged_once_ && t - last_ < period_) {
            ++suppressed_;
            return;
        }
        std::string line(message);
        if (suppressed_ > 0) line += " (" + std::to_string(suppressed_) + " similar warnings not shown)";
        warn_(line);
        logged_once_ = true;
        last_ = t;
        suppressed_ = 0;
    }

private:
    WarnFn warn_;
    std::chrono::seconds period_;
    bool logged_once_ = false;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace bridge

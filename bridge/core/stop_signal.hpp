// A stop request that sleeping threads can wait on: a flag to test, and an eventfd that poll()
// wakes on, so no thread has to wake on a timer just to look at the flag. An idle daemon then
// sleeps until a byte, a deadline or the stop arrives.
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace bridge {

class StopSignal {
public:
    StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
        if (fd_ < 0) throw std::runtime_error("cannot create an eventfd for the stop signal");
    }
    ~StopSignal() { ::close(fd_); }
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    void request() {
        flag_ = true;
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);  // stays readable from now on
    }
    bool requested() const { return flag_; }
    const std::atomic<bool>& flag() const { return flag_; }
    // Readable once a stop was requested: poll it beside whatever else a thread waits for.
    int fd() const { return fd_; }

    // Sleeps for `d` unless a stop comes first; false when stopped.
    bool sleep_for(std::chrono::milliseconds d) const {
        pollfd p{fd_, POLLIN, 0};
        const auto until = std::chrono::steady_clock::now() + d;
        while (!flag_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return true;
            ::poll(&p, 1, static_cast<int>(left.count()));
        }
        return false;
    }

private:
    std::atomic<bool> flag_{false};
    int fd_;
};

}  // namespace bridge

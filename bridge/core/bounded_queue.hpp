// The queue between the reader thread and the worker: bounded, and when full the oldest item
// goes (a newer push is worth more than an older one), counted. close() lets the worker drain
// what is left and then stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace bridge {

template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

    // Never blocks. Returns false when the queue is closed.
    bool push(T item) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) return false;
            if (items_.size() >= capacity_) {
                items_.pop_front();
                ++dropped_;
            }
            items_.push_back(std::move(item));
        }
        ready_.notify_one();
        return true;
    }

    // Waits for room instead of dropping: for a replayed capture, where nothing is lost by
    // waiting. Returns false when the queue is closed or `stop` is set.
    template <typename Stop>
    bool push_wait(T item, const Stop& stop) {
        std::unique_lock lock(mutex_);
        while (items_.size() >= capacity_ && !closed_ && !stop)
            room_.wait_for(lock, std::chrono::milliseconds(100));
        if (closed_ || stop) return false;
        items_.push_back(std::move(item));
        lock.unlock();
        ready_.notify_one();
        return true;
    }

    // Waits up to `timeout` for an item; nullopt on timeout or when closed and empty.
    std::optional<T> pop(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        lock.unlock();
        room_.notify_one();
        return item;
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }
    bool closed_and_empty() const {
        std::lock_guard lock(mutex_);
        return closed_ && items_.empty();
    }
    std::uint64_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    std::deque<T> items_;
    std::size_t capacity_;
    std::uint64_t dropped_ = 0;
    bool closed_ = false;
};

}  // namespace bridge

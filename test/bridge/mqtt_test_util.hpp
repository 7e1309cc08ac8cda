// Shared by the MQTT tests: a Kamstrup-like push, a log that records lines, a fake publisher.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/mqtt/publisher.hpp"
#include "decoder/meter_profile.hpp"
#include "decoder/push.hpp"

namespace test_mqtt {

// System title KAM + 0x01A4DC52: the meter number 27581522, so the topics carry that slug.
inline constexpr std::string_view kSlug = "27581522";

inline dlms::Reading reading(dlms::Obis obis, dlms::RawValue raw, dlms::Unit unit, std::int8_t scaler = 0) {
    dlms::Reading r;
    r.obis = obis;
    r.key = dlms::key_for(obis);
    r.raw = std::move(raw);
    r.unit = unit;
    r.scaler = scaler;
    return r;
}

// An encrypted Kamstrup push with energy import (Wh) and power import (W); `with_voltage` adds a
// reading the earlier pushes did not have.
inline dlms::Push make_push(std::uint32_t counter, std::uint64_t energy_wh, bool with_voltage = false) {
    dlms::Push push;
    push.system_title = {'K', 'A', 'M', 0x11, 0x01, 0xA4, 0xDC, 0x52};
    push.frame_counter = counter;
    push.security = dlms::Security::authenticated_encrypted;
    push.list_id = "Kamstrup_V0001";
    push.readings.push_back(reading(dlms::Obis(1, 1, 1, 8, 0), energy_wh, dlms::Unit::watt_hour));
    push.readings.push_back(reading(dlms::Obis(1, 1, 1, 7, 0), std::uint64_t{1234}, dlms::Unit::watt));
    if (with_voltage) push.readings.push_back(reading(dlms::Obis(1, 1, 32, 7, 0), std::uint64_t{231}, dlms::Unit::volt));
    return push;
}

// A fixed wall-clock instant, so tick() tests need no sleeping.
inline std::chrono::system_clock::time_point t0() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
}

class LogLines {
public:
    std::function<void(std::string_view)> sink() {
        return [this](std::string_view line) {
            std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        };
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    bool any_contains(std::string_view text) const {
        for (const auto& l : lines())
            if (l.find(text) != std::string::npos) return true;
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

struct Published {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
};

class FakePublisher final : public bridge::Publisher {
public:
    void publish(const std::string& topic, const std::string& payload, int qos, bool retain) override {
        sent.push_back({topic, payload, qos, retain});
    }
    bool connected() const override { return is_connected; }
    void on_connected(std::function<void()> callback) override { connected_callbacks.push_back(std::move(callback)); }
    void on_message(const std::string& topic, MessageHandler handler) override { handlers[topic] = std::move(handler); }

    void fire_connected() {
        for (auto& cb : connected_callbacks) cb();
    }
    void deliver(const std::string& topic, const std::string& payload) {
        if (auto it = handlers.find(topic); it != handlers.end()) it->second(topic, payload);
    }
    std::vector<Published> on_topic(std::string_view topic) const {
        std::vector<Published> out;
        for (const auto& p : sent)
            if (p.topic == topic) out.push_back(p);
        return out;
    }
    std::size_t count_containing(std::string_view part) const {
        std::size_t n = 0;
        for (const auto& p : sent) n += p.topic.find(part) != std::string::npos;
        return n;
    }

    bool is_connected = true;
    std::vector<Published> sent;
    std::vector<std::function<void()>> connected_callbacks;
    std::map<std::string, MessageHandler> handlers;
};

}  // namespace test_mqtt

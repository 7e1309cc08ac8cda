// A test subscriber: a Paho client on '#' (MQTT 5, retain-as-published, so `retained` shows the
// flag the publisher set, for live messages too) that collects every message it sees.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mqtt {
class async_client;
}

namespace test_mqtt {

struct ProbeMessage {
    std::string topic;
    std::string payload;
    bool retained = false;
};

class MqttProbe {
public:
    using Messages = std::vector<ProbeMessage>;

    // Connects to 127.0.0.1:port and subscribes to `filter`; throws std::runtime_error when that
    // has not worked within 10 s.
    explicit MqttProbe(int port, std::string filter = "#", std::string username = {}, std::string password = {});
    ~MqttProbe();
    MqttProbe(const MqttProbe&) = delete;
    MqttProbe& operator=(const MqttProbe&) = delete;

    // Waits until `predicate(messages so far)` holds or `timeout` passes; returns the last answer.
    bool wait_for(const std::function<bool(const Messages&)>& predicate,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Waits for a message on `topic` (with `payload` when given) and returns the latest such.
    std::optional<ProbeMessage> wait_for_topic(const std::string& topic, std::optional<std::string> payload = {},
                                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

    Messages messages() const;
    std::vector<ProbeMessage> on_topic(const std::string& topic) const;
    void clear();

    // Publishes and waits for the broker to take it (e.g. Home Assistant's "online").
    void publish(const std::string& topic, const std::string& payload, bool retain = false);

private:
    std::unique_ptr<mqtt::async_client> client_;
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    Messages messages_;
};

}  // namespace test_mqtt

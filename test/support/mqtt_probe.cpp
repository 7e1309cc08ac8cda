#include "test/support/mqtt_probe.hpp"

#include <atomic>
#include <stdexcept>

#include <unistd.h>

#include <mqtt/async_client.h>

namespace test_mqtt {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

std::string unique_client_id() {
    static std::atomic<int> next{0};
    return "probe-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

}  // namespace

MqttProbe::MqttProbe(int port, std::string filter, std::string username, std::string password) {
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(port);
    try {
        client_ = std::make_unique<mqtt::async_client>(uri, unique_client_id(), mqtt::create_options(MQTTVERSION_5));
        client_->set_message_callback([this](mqtt::const_message_ptr msg) {
            if (!msg) return;
            {
                std::lock_guard lock(mutex_);
                messages_.push_back({msg->get_topic(), msg->to_string(), msg->is_retained()});
            }
            arrived_.notify_all();
        });
        mqtt::connect_options opts;
        opts.set_mqtt_version(MQTTVERSION_5);
        opts.set_clean_start(true);
        opts.set_connect_timeout(kTimeout);
        if (!username.empty()) opts.set_user_name(username);
        if (!password.empty()) opts.set_password(password);
        if (!client_->connect(opts)->wait_for(kTimeout)) throw std::runtime_error("connect timed out");
        const mqtt::subscribe_options sub(mqtt::subscribe_options::SUBSCRIBE_LOCAL,
                                          mqtt::subscribe_options::RETAIN_AS_PUBLISHED);
        if (!client_->subscribe(filter, 1, sub)->wait_for(kTimeout)) throw std::runtime_error("subscribe timed out");
    } catch (const mqtt::exception& e) {
        throw std::runtime_error("probe cannot subscribe at " + uri + ": " + e.what());
    }
}

MqttProbe::~MqttProbe() {
    try {
        if (client_->is_connected()) client_->disconnect(200)->wait_for(std::chrono::seconds(1));
    } catch (...) {
    }
    try {
        client_->disable_callbacks();
    } catch (...) {
    }
}

bool MqttProbe::wait_for(const std::function<bool(const Messages&)>& predicate, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return predicate(messages_); });
}

std::optional<ProbeMessage> MqttProbe::wait_for_topic(const std::string& topic, std::optional<std::string> payload,
                                                      std::chrono::milliseconds timeout) {
    std::optional<ProbeMessage> found;
    wait_for(
        [&](const Messages& all) {
            for (auto it = all.rbegin(); it != all.rend(); ++it) {
                if (it->topic == topic && (!payload || it->payload == *payload)) {
                    found = *it;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return found;
}

MqttProbe::Messages MqttProbe::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::vector<ProbeMessage> MqttProbe::on_topic(const std::string& topic) const {
    std::vector<ProbeMessage> out;
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_)
        if (m.topic == topic) out.push_back(m);
    return out;
}

void MqttProbe::clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
}

void MqttProbe::publish(const std::string& topic, const std::string& payload, bool retain) {
    try {
        if (!client_->publish(topic, payload.data(), payload.size(), 1, retain)->wait_for(kTimeout))
            throw std::runtime_error("probe publish timed out");
    } catch (const mqtt::exception& e) {
        throw std::runtime_error("probe publish failed: " + std::string(e.what()));
    }
}

}  // namespace test_mqtt

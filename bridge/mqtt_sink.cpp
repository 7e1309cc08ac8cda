#include "bridge/mqtt_sink.hpp"

#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "ha_discovery/state.hpp"

namespace bridge {
namespace {

// Meter strings may hold bytes that are not UTF-8; replace them rather than throw.
std::string dump(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::set<std::string> reading_ids(const dlms::Push& push) {
    std::set<std::string> ids;
    for (const auto& entry : ha::keyed_readings(push)) ids.insert(entry.first);
    return ids;
}

// True when `ids` holds a key that `known` lacks.
bool has_new(const std::set<std::string>& known, const std::set<std::string>& ids) {
    for (const auto& id : ids)
        if (!known.contains(id)) return true;
    return false;
}

}  // namespace

struct MqttSink::Link {
    std::mutex mutex;
    MqttSink* sink = nullptr;
};

MqttSink::MqttSink(Publisher& publisher, MqttSinkOptions options)
    : publisher_(publisher), options_(std::move(options)), link_(std::make_shared<Link>()) {
    link_->sink = this;
    std::weak_ptr<Link> weak = link_;
    auto republish = [weak] {
        auto link = weak.lock();
        if (!link) return;
        std::lock_guard guard(link->mutex);
        if (link->sink) link->sink->republish_all();
    };
    publisher_.on_connected(republish);
    // Home Assistant says "online" after it starts: it has forgotten everything not retained.
    publisher_.on_message(options_.topics.discovery_prefix + "/status",
                          [republish](const std::string&, const std::string& payload) {
                              if (payload == "online") republish();
                          });
}

MqttSink::~MqttSink() {
    std::lock_guard guard(link_->mutex);
    link_->sink = nullptr;
}

void MqttSink::take(const Delivery& delivery) {
    try {
        const dlms::Push& push = delivery.push;
        const std::string slug = ha::meter_slug(push);
        std::set<std::string> ids = reading_ids(push);
        std::lock_guard lock(mutex_);
        auto [it, first] = meters_.try_emplace(slug);
        Meter& meter = it->second;
        if (first || has_new(meter.reading_ids, ids)) {
            meter.reading_ids.insert(ids.begin(), ids.end());
            publish_discovery(push);
        }
        if (!meter.online) {
            if (!first) log("meter " + slug + " is pushing again");
            publish_availability(slug, true);
            meter.online = true;
        }
        meter.last_push = push;
        meter.stats = delivery.stats;
        meter.last_received = delivery.received;
        publish_state(slug, push);
        publish_diagnostics(slug, meter, delivery.received);
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: push not published: ") + e.what());
    }
}

void MqttSink::tick(Clock::time_point now) {
    try {
        std::lock_guard lock(mutex_);
        for (auto& [slug, meter] : meters_) {
            if (meter.online && now - meter.last_received >= offline_after()) {
                log("meter " + slug + " sent nothing for " + std::to_string(offline_after().count()) +
                    " s; marking it offline");
                publish_availability(slug, false);
                meter.online = false;
            }
            if (now - meter.last_diagnostics >= options_.push_interval) publish_diagnostics(slug, meter, now);
        }
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: tick failed: ") + e.what());
    }
}

void MqttSink::republish_all() {
    try {
        std::lock_guard lock(mutex_);
        for (auto& [slug, meter] : meters_) {
            publish_discovery(meter.last_push);
            publish_availability(slug, meter.online);
            publish_state(slug, meter.last_push);
        }
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: republish failed: ") + e.what());
    }
}

void MqttSink::publish_discovery(const dlms::Push& push) {
    for (const auto& message : ha::discovery_messages(push, options_.topics, options_.bridge_version))
        publisher_.publish(message.topic, message.payload, options_.qos, message.retain);
}

void MqttSink::publish_availability(const std::string& slug, bool online) {
    publisher_.publish(ha::availability_topic(options_.topics, slug), online ? "online" : "offline",
                       options_.qos, true);
}

void MqttSink::publish_state(const std::string& slug, const dlms::Push& push) {
    publisher_.publish(ha::state_topic(options_.topics, slug), dump(ha::state_json(push)), options_.qos, false);
}

void MqttSink::publish_diagnostics(const std::string& slug, Meter& meter, Clock::time_point now) {
    const double since = std::chrono::duration<double>(now - meter.last_received).count();
    const auto json = ha::diagnostics_json(meter.stats, meter.last_push.frame_counter, since < 0 ? 0.0 : since);
    publisher_.publish(ha::diagnostics_topic(options_.topics, slug), dump(json), options_.qos, false);
    meter.last_diagnostics = now;
}

void MqttSink::log(const std::string& line) const {
    if (!options_.log) return;
    try {
        options_.log(line);
    } catch (...) {
    }
}

}  // namespace bridge

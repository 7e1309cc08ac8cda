#include "bridge/mqtt/mqtt_sink.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "ha_discovery/state.hpp"

namespace bridge {
namespace {

// The last failure as the diagnostics and the bridge state show it; empty before any.
ha::LastError last_error(dlms::ErrorCode code, const char* message) {
    if (!message) return {};
    return {dlms::to_string(code), message};
}

bool same_keys(const Record::Keyed& a, const Record::Keyed& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto& x, const auto& y) { return x.first == y.first; });
}

// Meter strings may hold bytes that are not UTF-8; replace them rather than throw.
std::string dump(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

void MqttSink::push(const RecordPtr& record) {
    Outbox out;
    try {
        const std::string slug = ha::meter_slug(record->serial());
        std::lock_guard lock(mutex_);
        auto [it, first] = meters_.try_emplace(slug);
        Meter& meter = it->second;
        // A reading never seen from this meter needs its entity first. A meter sends the same
        // list push after push: only a list unlike the last one is looked up key by key.
        bool new_reading = false;
        if (!meter.last || !same_keys(meter.last->keyed(), record->keyed()))
            for (const auto& [key, reading] : record->keyed()) new_reading |= meter.reading_ids.insert(key).second;
        if (record->totals() && !meter.totals_announced) new_reading = meter.totals_announced = true;
        // Kept, not copied: the same record the other outputs saw.
        meter.last = record;
        if (first || new_reading) add_discovery(out, meter);
        if (!meter.online) {
            if (!first) log("meter " + slug + " is pushing again");
            add_availability(out, slug, true);
            meter.online = true;
        }
        meter.decoded = true;
        meter.stats = record->stats();
        meter.last_received = record->received();
        add_state(out, slug, meter);
        // Diagnostics change slowly: at most once per push interval (tick() keeps them moving),
        // which halves the messages of a fast replay.
        if (first || record->received() - meter.last_diagnostics >= options_.push_interval)
            add_diagnostics(out, slug, meter, record->received());
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: push not published: ") + e.what());
    }
    send(out);
}

void MqttSink::take_failure(const Failure& failure) {
    Outbox out;
    try {
        std::lock_guard lock(mutex_);
        last_error_ = failure.error.code;
        last_error_message_ = failure.error.message;
        if (failure.system_title.empty()) {
            for (auto& [slug, meter] : meters_) add_failure(out, slug, meter, failure);
        } else {
            const std::string slug = slug_of(failure.system_title);
            auto [it, first] = meters_.try_emplace(slug);
            Meter& meter = it->second;
            if (first) {
                // Known by its system title alone: its device with the diagnostics entities, and
                // "offline" in place of whatever a previous run left retained.
                meter.named.system_title.assign(failure.system_title.begin(), failure.system_title.end());
                log("meter " + slug + " seen, but its pushes do not decode yet (" +
                    std::string(dlms::to_string(failure.error.code)) + ")");
                add_discovery(out, meter);
                add_availability(out, slug, false);
            }
            add_failure(out, slug, meter, failure);
        }
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: failure not published: ") + e.what());
    }
    send(out);
}

void MqttSink::add_failure(Outbox& out, const std::string& slug, Meter& meter, const Failure& failure) {
    meter.stats = failure.stats;
    meter.last_error = failure.error.code;
    meter.last_error_message = failure.error.message;
    const bool due = meter.last_diagnostics == Clock::time_point{} ||
                     failure.when - meter.last_diagnostics >= options_.push_interval;
    if (due) add_diagnostics(out, slug, meter, failure.when);
}

void MqttSink::update_line(std::string_view serial_link, const dlms::DecodeStats& stats, Clock::time_point now,
                           ha::LedgerState ledger) {
    Outbox out;
    try {
        std::lock_guard lock(mutex_);
        for (auto& [slug, meter] : meters_) meter.stats = stats;
        line_stats_ = stats;
        const bool changed = serial_link != serial_link_ || ledger.state != ledger_ || ledger.message != ledger_message_;
        ledger_ = ledger.state;
        ledger_message_ = ledger.message;
        const bool moved = stats.pushes != published_pushes_ || stats.error_total() != published_errors_;
        serial_link_ = serial_link;
        if (changed || (moved && now - last_bridge_state_ >= options_.push_interval)) add_bridge_state(out, now);
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: bridge state not published: ") + e.what());
    }
    send(out);
}

void MqttSink::add_bridge_state(Outbox& out, Clock::time_point now) {
    out.push_back({ha::bridge_state_topic(options_.topics),
                   dump(ha::bridge_state_json(serial_link_, line_stats_, last_error(last_error_, last_error_message_),
                                              {ledger_, ledger_message_})),
                   true});
    published_pushes_ = line_stats_.pushes;
    published_errors_ = line_stats_.error_total();
    last_bridge_state_ = now;
}

// A meter's slug comes from its decoded pushes when it has any (some makes are named by a
// meter-number reading), else from the system title.
std::string MqttSink::slug_of(dlms::ByteView system_title) const {
    for (const auto& [slug, meter] : meters_) {
        const auto& title = meter.push().system_title;
        if (std::equal(title.begin(), title.end(), system_title.begin(), system_title.end())) return slug;
    }
    dlms::Push named;
    named.system_title.assign(system_title.begin(), system_title.end());
    return ha::meter_slug(named);
}

void MqttSink::tick(Clock::time_point now) {
    Outbox out;
    try {
        std::lock_guard lock(mutex_);
        for (auto& [slug, meter] : meters_) {
            if (meter.online && now - meter.last_received >= offline_after()) {
                log("meter " + slug + " sent nothing for " + std::to_string(offline_after().count()) +
                    " s; marking it offline");
                add_availability(out, slug, false);
                meter.online = false;
            }
            if (now - meter.last_diagnostics >= options_.push_interval) add_diagnostics(out, slug, meter, now);
        }
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: tick failed: ") + e.what());
    }
    send(out);
}

void MqttSink::republish_all() {
    Outbox out;
    try {
        std::lock_guard lock(mutex_);
        if (options_.discovery) {
            for (auto& message : ha::bridge_discovery_messages(options_.topics, options_.bridge_version))
                out.push_back({std::move(message.topic), std::move(message.payload), message.retain});
        }
        add_bridge_state(out, Clock::now());
        for (auto& [slug, meter] : meters_) {
            add_discovery(out, meter);
            add_availability(out, slug, meter.online);
            add_state(out, slug, meter);
        }
    } catch (const std::exception& e) {
        log(std::string("MQTT sink: republish failed: ") + e.what());
    }
    send(out);
}

void MqttSink::add_discovery(Outbox& out, const Meter& meter) const {
    if (!options_.discovery) return;  // mqtt.discovery: false, for brokers without Home Assistant
    auto messages = meter.last ? ha::discovery_messages({meter.last->push(), meter.last->serial(), meter.last->keyed(),
                                                         meter.last->has_power_net(), meter.last->totals().has_value(),
                                                         meter.last->totals() && meter.last->totals()->capacity_kw},
                                                        options_.topics, options_.bridge_version)
                               : ha::discovery_messages(meter.named, options_.topics, options_.bridge_version);
    for (auto& message : messages) out.push_back({std::move(message.topic), std::move(message.payload), message.retain});
}

void MqttSink::add_availability(Outbox& out, const std::string& slug, bool online) const {
    out.push_back({ha::availability_topic(options_.topics, slug), online ? "online" : "offline", true});
}

void MqttSink::add_state(Outbox& out, const std::string& slug, const Meter& meter) const {
    // A meter known only from failures has no readings: its state is the empty object.
    std::string state = meter.last ? dump(meter.last->state()) : dump(ha::state_json(meter.named));
    out.push_back({ha::state_topic(options_.topics, slug), std::move(state), false});
}

void MqttSink::add_diagnostics(Outbox& out, const std::string& slug, Meter& meter, Clock::time_point now) const {
    double since = std::numeric_limits<double>::quiet_NaN();  // no good push yet: unknown
    if (meter.decoded) since = std::max(0.0, std::chrono::duration<double>(now - meter.last_received).count());
    ha::update_diagnostics(meter.diagnostics, meter.stats, meter.push().frame_counter, since,
                           last_error(meter.last_error, meter.last_error_message));
    out.push_back({ha::diagnostics_topic(options_.topics, slug), dump(meter.diagnostics), false});
    meter.last_diagnostics = now;
}

// Outside our lock: the client's callbacks hold the client's own lock while they call into us,
// so calling the client while holding ours could deadlock against them.
void MqttSink::send(const Outbox& out) {
    for (const auto& message : out) publisher_.publish(message.topic, message.payload, options_.qos, message.retain);
}

void MqttSink::log(const std::string& line) const {
    if (!options_.log) return;
    try {
        options_.log(line);
    } catch (...) {
    }
}

}  // namespace bridge

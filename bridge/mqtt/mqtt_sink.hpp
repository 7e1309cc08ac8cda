// Turns pushes into Home Assistant MQTT messages: discovery (retained), meter availability
// (retained), state and diagnostics. Discovery is sent for a meter's first push, when a push
// brings a reading never seen before, after every reconnect and when Home Assistant announces
// "online" on <discovery_prefix>/status.
//
// push(), failure(), tick() and link_changed() run on the worker thread; the reconnect and Home
// Assistant callbacks run on client threads. One mutex guards the per-meter state; the publisher
// is never called under it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/config/config.hpp"
#include "bridge/mqtt/publisher.hpp"
#include "bridge/outputs/output.hpp"
#include "decoder/decoder.hpp"
#include "decoder/push.hpp"
#include "ha_discovery/discovery.hpp"

namespace bridge {

struct MqttSinkOptions {
    ha::Topics topics;
    int qos = Config::Mqtt{}.qos;
    std::chrono::seconds push_interval{Config::Meter{}.push_interval};  // how often the meter pushes
    std::string bridge_version;                                         // shown in the discovery device block
    bool discovery = Config::Mqtt{}.discovery;                          // publish Home Assistant discovery
    std::function<void(std::string_view)> log;  // empty = silent
};

class MqttSink final : public Output {
public:
    using Clock = std::chrono::system_clock;

    // Registers the reconnect and Home Assistant status callbacks on `publisher`, which must
    // outlive this sink or be stopped first; callbacks arriving after destruction are ignored.
    MqttSink(Publisher& publisher, MqttSinkOptions options);
    ~MqttSink() override;
    MqttSink(const MqttSink&) = delete;
    MqttSink& operator=(const MqttSink&) = delete;

    void push(const RecordPtr& record) override;
    void failure(const Failure& failure) override { take_failure(failure); }
    // The bridge device shows the line's state; the tick also moves diagnostics and availability.
    void link_changed(const LineState& line) override {
        update_line(line.link, line.stats, line.now, {line.ledger, line.ledger_message});
    }
    void tick(const LineState& line) override {
        update_line(line.link, line.stats, line.now, {line.ledger, line.ledger_message});
        tick(line.now);
    }

    // A frame that failed to decode: counted on the diagnostics of its meter (of every known
    // meter when it names none). A meter first seen this way gets its diagnostics entities and
    // an "offline" availability at once, so wrong keys show in Home Assistant before any push
    // decodes. Diagnostics go out at most once per push interval; tick() sends the rest.
    void take_failure(const Failure& failure);

    // The decoder's counters as they stand (corrupt frames are counted before any push) and the
    // state of the meter's line ("connected", "no data", "disconnected", "replay"): shown on the
    // next diagnostics of every meter and on the bridge device, whose state goes out (retained)
    // when the line changes and at most once per push interval when only the counters move.
    // The ledger's state goes out on the bridge device too, at once when it changes.
    void update_line(std::string_view serial_link, const dlms::DecodeStats& stats, Clock::time_point now,
                     ha::LedgerState ledger = {});

    // Called about once a second: a meter silent for silence_limit() turns "offline", and
    // diagnostics are republished every push_interval so the time since the last push moves.
    void tick(Clock::time_point now);

    // Discovery, availability and the last state of every known meter, sent again.
    void republish_all();

    // A meter turns offline after this much silence.
    std::chrono::seconds offline_after() const { return silence_limit(options_.push_interval); }

private:
    struct Meter {
        RecordPtr last;         // the last push; null while none has decoded
        dlms::Push named;       // a meter known only from failures: its system title
        const dlms::Push& push() const { return last ? last->push() : named; }
        dlms::DecodeStats stats;
        Clock::time_point last_received{};
        Clock::time_point last_diagnostics{};
        std::set<std::string, std::less<>> reading_ids;
        bool totals_announced = false;  // the ledger's entities are in its discovery
        bool decoded = false;   // a push of this meter has decoded
        bool online = false;
        dlms::ErrorCode last_error{};
        const char* last_error_message = nullptr;  // static text from the decoder; null = none yet
        nlohmann::json diagnostics;  // kept, so that each push only updates its values
    };
    struct Link;  // lets client callbacks reach the sink only while it lives

    struct Outgoing {
        std::string topic;
        std::string payload;
        bool retain = false;
    };
    using Outbox = std::vector<Outgoing>;

    // Built under the lock, sent after it is released (see send()).
    void add_discovery(Outbox& out, const Meter& meter) const;
    void add_availability(Outbox& out, const std::string& slug, bool online) const;
    void add_state(Outbox& out, const std::string& slug, const Meter& meter) const;
    void add_diagnostics(Outbox& out, const std::string& slug, Meter& meter, Clock::time_point now) const;
    void add_failure(Outbox& out, const std::string& slug, Meter& meter, const Failure& failure);
    void add_bridge_state(Outbox& out, Clock::time_point now);
    std::string slug_of(dlms::ByteView system_title) const;
    void send(const Outbox& out);
    void log(const std::string& line) const;

    Publisher& publisher_;
    MqttSinkOptions options_;
    std::shared_ptr<Link> link_;
    std::mutex mutex_;
    std::map<std::string, Meter> meters_;  // by meter slug

    // The bridge device (under mutex_ too).
    std::string serial_link_ = "connecting";
    std::string ledger_ = "off", ledger_message_;
    dlms::DecodeStats line_stats_;
    std::uint64_t published_errors_ = 0, published_pushes_ = 0;
    dlms::ErrorCode last_error_{};
    const char* last_error_message_ = nullptr;
    Clock::time_point last_bridge_state_{};
};

}  // namespace bridge

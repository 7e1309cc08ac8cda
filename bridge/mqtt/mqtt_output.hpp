// MQTT as one output among the others: the Paho client and the Home Assistant sink together, with
// what only a broker needs from the daemon's life (connect before a replay, keep Paho's queue
// short while replaying, send what is queued before stopping).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string_view>
#include <memory>

#include "bridge/mqtt/mqtt_sink.hpp"
#include "bridge/mqtt/paho_publisher.hpp"
#include "bridge/outputs/output.hpp"

namespace bridge {

struct MqttOutputOptions {
    bool replay = false;                      // a capture is replayed: publish everything, then stop
    const std::atomic<bool>* stop = nullptr;  // a stop request ends every wait
    std::function<void(std::string_view)> warn;  // empty = silent
};

class MqttOutput final : public Output {
public:
    // Throws std::runtime_error with a one-line message when the options cannot make a client.
    MqttOutput(PahoOptions paho, MqttSinkOptions sink, MqttOutputOptions replay);
    ~MqttOutput() override;
    MqttOutput(const MqttOutput&) = delete;
    MqttOutput& operator=(const MqttOutput&) = delete;

    void start() override;
    void push(const RecordPtr& record) override;
    void failure(const Failure& failure) override;
    void tick(const LineState& line) override { sink_->tick(line); }
    void link_changed(const LineState& line) override { sink_->link_changed(line); }
    void finish() override;

private:
    void pace();
    void warn(std::string_view line) const {
        if (replay_.warn) replay_.warn(line);
    }
    bool stopping() const { return replay_.stop && replay_.stop->load(); }

    std::unique_ptr<PahoPublisher> publisher_;
    std::unique_ptr<MqttSink> sink_;  // destroyed before the publisher it registered with
    MqttOutputOptions replay_;
    std::size_t publish_window_;
    std::uint64_t events_ = 0;
};

}  // namespace bridge

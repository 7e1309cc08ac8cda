#include "bridge/mqtt/mqtt_output.hpp"

#include <algorithm>
#include <thread>

namespace bridge {

using namespace std::chrono_literals;

MqttOutput::MqttOutput(PahoOptions paho, MqttSinkOptions sink, MqttOutputOptions replay)
    : replay_(replay),
      // A quarter of Paho's buffer: each push adds at most a few messages, and the queue is
      // checked every 16 of them (asking Paho costs more than a push).
      publish_window_(static_cast<std::size_t>(std::max(paho.buffer_messages / 4, 1))) {
    publisher_ = std::make_unique<PahoPublisher>(std::move(paho));
    sink_ = std::make_unique<MqttSink>(*publisher_, std::move(sink));
}

// Also when finish() never ran (an exception ended the daemon): the sink goes before the client.
MqttOutput::~MqttOutput() {
    sink_.reset();
    publisher_->stop();
}

void MqttOutput::start() {
    publisher_->start();
    // A replay is over in moments: give the broker a chance first, so that its messages are
    // sent rather than buffered.
    if (!replay_.replay) return;
    for (int i = 0; i < 100 && !publisher_->connected() && !stopping(); ++i) std::this_thread::sleep_for(100ms);
    if (!publisher_->connected()) warn("MQTT broker not reachable yet; messages are buffered");
}

// A replay publishes everything: keep Paho's queue short of its buffer, where it would drop the
// oldest message. A stop request ends the wait: a hung broker must not hold a shutdown.
void MqttOutput::pace() {
    if (replay_.replay && events_++ % 16 == 0) publisher_->wait_pending_below(publish_window_, 30s, replay_.stop);
}

void MqttOutput::push(const RecordPtr& record) {
    pace();
    sink_->push(record);
}

void MqttOutput::failure(const Failure& failure) {
    pace();
    sink_->failure(failure);
}

void MqttOutput::finish() {
    sink_.reset();
    if (replay_.replay && !stopping() && !publisher_->wait_pending_below(1, 10s, replay_.stop) && !stopping())
        warn("MQTT: messages still unacknowledged after 10 s; stopping anyway");
    publisher_->stop();
}

}  // namespace bridge

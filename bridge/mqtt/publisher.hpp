// The MQTT client as the sinks see it: four calls, so sink logic can be tested against a fake.
// The real one is PahoPublisher (bridge/paho_publisher.hpp).
#pragma once

#include <functional>
#include <string>

namespace bridge {

class Publisher {
public:
    using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;

    virtual ~Publisher() = default;

    // Queues one message. Never blocks on the network and never throws: while the broker is away
    // the message waits in a bounded buffer, and a message that cannot be queued is counted.
    virtual void publish(const std::string& topic, const std::string& payload, int qos, bool retain) = 0;

    virtual bool connected() const = 0;

    // Called after every successful (re)connect, on a client thread, after the client's own
    // connect work (status "online", subscriptions) is queued.
    virtual void on_connected(std::function<void()> callback) = 0;

    // Subscribes to one exact topic (no wildcards), now and after every reconnect; `handler` runs
    // on a client thread for each message on it.
    virtual void on_message(const std::string& topic, MessageHandler handler) = 0;
};

}  // namespace bridge

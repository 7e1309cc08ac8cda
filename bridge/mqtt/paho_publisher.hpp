// Publisher over Eclipse Paho's async client. Every call returns at once: messages go into Paho's
// bounded offline buffer while the broker is away, and a background thread reconnects with a
// short pause (0.5 s doubling to 2 s): a broker restart is routine (a Home Assistant update restarts
// its mosquitto add-on) and a connect attempt is cheap, so publishing resumes within seconds of
// the broker's return however long it was away. An outage is logged once, not per attempt; a
// failed TLS connect is diagnosed with OpenSSL (bridge/tls_check.hpp) since Paho cannot say why,
// and so is a broker name that does not resolve (bridge/host_check.hpp).
// The bridge status topic carries a retained "online" after each connect and the retained will
// "offline" when the connection dies.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge/config/config.hpp"
#include "bridge/mqtt/publisher.hpp"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace bridge {

struct MqttTlsOptions {
    bool enabled = false;
    std::string ca_file;    // PEM trust store; empty = system default
    std::string cert_file;  // client certificate (PEM), optional
    std::string key_file;   // client private key (PEM), optional
    bool insecure = false;  // skip broker certificate and host name checks
};

struct PahoOptions {
    // Defaults: Config's, written once there.
    std::string host = Config::Mqtt{}.host;
    int port = Config::Mqtt{}.port;
    std::string client_id = "dlms2mqtt";  // keep stable: the broker keys sessions by it
    std::string username;                 // empty = anonymous
    std::string password;                 // never logged
    MqttTlsOptions tls;
    std::chrono::seconds keepalive{Config::Mqtt{}.keepalive};
    int qos = Config::Mqtt{}.qos;                          // for status messages and subscriptions
    int buffer_messages = Config::Mqtt{}.buffer_messages;  // offline buffer; the oldest goes when full
    std::string status_topic;             // "<base>/status"; empty = no will, no "online"
    std::chrono::milliseconds min_retry{500};
    std::chrono::milliseconds max_retry{2000};
    // One line per call, from the caller's and the client's threads; empty = stderr.
    std::function<void(std::string_view)> log;
    // Problems worth a warning (connect failures with their cause, a lost connection); empty = log.
    std::function<void(std::string_view)> warn;
};

struct PublisherStats {
    std::uint64_t queued = 0;            // messages handed to the client
    std::uint64_t failed = 0;            // messages the client refused (counted, not thrown)
    std::uint64_t connects = 0;          // successful (re)connects
    std::uint64_t connect_failures = 0;  // refused or unreachable attempts
};

class PahoPublisher final : public Publisher {
public:
    // Throws std::invalid_argument with one line naming the bad setting; nothing else throws.
    explicit PahoPublisher(PahoOptions options);
    ~PahoPublisher() override;
    PahoPublisher(const PahoPublisher&) = delete;
    PahoPublisher& operator=(const PahoPublisher&) = delete;

    // Starts connecting in the background; returns at once.
    void start();
    // Publishes "offline" (retained), disconnects with a short timeout, stops reconnecting.
    // Returns within about a second whatever the broker does. Idempotent.
    void stop();

    void publish(const std::string& topic, const std::string& payload, int qos, bool retain) override;
    bool connected() const override;
    void on_connected(std::function<void()> callback) override;
    void on_message(const std::string& topic, MessageHandler handler) override;

    // Waits until fewer than `limit` messages await the broker, or `timeout` passes; false then.
    // Paho drops the oldest queued message once its buffer is full, connected or not, so a
    // replay that must publish everything paces itself with this.
    // `cancel` (a stop request) ends the wait early, with false.
    bool wait_pending_below(std::size_t limit, std::chrono::milliseconds timeout,
                            const std::atomic<bool>* cancel = nullptr) const;

    PublisherStats stats() const;

private:
    class ConnectListener;

    void run_connector();
    void begin_connect();
    void set_disconnected();
    void handle_connected();
    void handle_connect_failure(int rc);
    void report_failure(int rc);
    void handle_connection_lost(const std::string& cause);
    void handle_message(const std::string& topic, const std::string& payload);
    void subscribe(const std::string& topic);
    void log(std::string_view line) const;
    void warn(std::string_view line) const;
    void log_publish_error(const std::string& topic, const std::string& what);

    PahoOptions options_;
    std::string uri_;
    std::unique_ptr<ConnectListener> listener_;
    std::unique_ptr<mqtt::connect_options> connect_options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool started_ = false;
    bool stopping_ = false;
    bool connected_ = false;
    bool want_connect_ = false;
    std::chrono::steady_clock::time_point next_attempt_{};
    std::chrono::milliseconds backoff_{};
    std::optional<int> failure_to_report_;  // for the connector thread, which may diagnose it
    // The current outage: since when, and the cause last logged (not logged again while it lasts).
    std::optional<std::chrono::steady_clock::time_point> outage_since_;
    std::string outage_cause_;
    PublisherStats stats_;
    std::vector<std::function<void()>> connected_callbacks_;
    std::map<std::string, MessageHandler> message_handlers_;
    std::chrono::steady_clock::time_point last_error_log_{};
    std::uint64_t errors_not_logged_ = 0;

    std::jthread connector_;  // joined by stop(), or by its destructor
    std::unique_ptr<mqtt::async_client> client_;  // last: destroyed first, while the rest lives
};

}  // namespace bridge

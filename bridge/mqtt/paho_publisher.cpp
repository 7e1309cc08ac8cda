#include "bridge/mqtt/paho_publisher.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <mqtt/async_client.h>

#include "bridge/mqtt/host_check.hpp"
#include "bridge/mqtt/paho_setup.hpp"
#include "bridge/mqtt/tls_check.hpp"

namespace bridge {
namespace {

using paho_detail::make_client;
using paho_detail::make_connect_options;
using paho_detail::make_uri;
using paho_detail::validate;

constexpr auto kErrorLogInterval = std::chrono::seconds(30);
constexpr auto kOfflineWait = std::chrono::milliseconds(600);
constexpr auto kDisconnectWait = std::chrono::milliseconds(300);
constexpr auto kDiagnoseWait = std::chrono::seconds(3);
constexpr auto kResolveWait = std::chrono::seconds(5);  // glibc's resolver waits 5 s for a DNS server

// Paho hands back either a CONNACK code (1..5) or one of its own negative codes.
std::string describe_rc(int rc) {
    switch (rc) {
        case 1: return "broker refused the protocol version";
        case 2: return "broker rejected the client id";
        case 3: return "broker unavailable";
        case 4: return "bad user name or password";
        case 5: return "not authorized (check mqtt user name and password)";
        default: break;
    }
    std::string text = mqtt::exception::error_str(rc);
    if (rc == MQTTASYNC_FAILURE) text = "broker unreachable or connection refused";
    return text.empty() ? "error " + std::to_string(rc) : text + " (" + std::to_string(rc) + ")";
}

std::string describe_wait(std::chrono::milliseconds wait) {
    if (wait < std::chrono::seconds(1)) return std::to_string(wait.count()) + " ms";
    return std::to_string((wait.count() + 500) / 1000) + " s";
}

}  // namespace

class PahoPublisher::ConnectListener final : public mqtt::iaction_listener {
public:
    explicit ConnectListener(PahoPublisher& owner) : owner_(owner) {}
    void on_failure(const mqtt::token& token) override { owner_.handle_connect_failure(token.get_return_code()); }
    void on_success(const mqtt::token&) override {}  // the connected handler does the work

private:
    PahoPublisher& owner_;
};

PahoPublisher::PahoPublisher(PahoOptions options) : options_(std::move(options)) {
    validate(options_);
    uri_ = make_uri(options_);
    listener_ = std::make_unique<ConnectListener>(*this);
    connect_options_ = make_connect_options(options_);
    backoff_ = options_.min_retry;
    client_ = make_client(options_, uri_);
    client_->set_connected_handler([this](const std::string&) { handle_connected(); });
    client_->set_connection_lost_handler([this](const std::string& cause) { handle_connection_lost(cause); });
    client_->set_message_callback([this](mqtt::const_message_ptr msg) {
        if (msg) handle_message(msg->get_topic(), msg->to_string());
    });
}

PahoPublisher::~PahoPublisher() {
    stop();
    try {
        client_->disable_callbacks();
    } catch (...) {
    }
    client_.reset();
}

void PahoPublisher::start() {
    std::lock_guard lock(mutex_);
    if (started_ || stopping_) return;
    started_ = true;
    want_connect_ = true;
    next_attempt_ = std::chrono::steady_clock::now();
    connector_ = std::jthread([this] { run_connector(); });
}

void PahoPublisher::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (connector_.joinable()) connector_.join();
    if (!client_->is_connected()) {
        set_disconnected();
        return;
    }
    // Waiting for "offline" to be acknowledged also lets the messages queued before it leave;
    // then close at once. Each wait is bounded, so a dead broker cannot hold us. (Paho's own
    // disconnect timeout would wait out its full length, acknowledged or not.)
    if (!options_.status_topic.empty()) {
        try {
            auto sent = client_->publish(options_.status_topic, std::string("offline"), options_.qos, true);
            if (sent) sent->wait_for(kOfflineWait);
        } catch (const mqtt::exception& e) {
            log("MQTT: 'offline' not delivered to " + uri_ + ": " + describe_rc(e.get_return_code()));
        }
    }
    try {
        auto closed = client_->disconnect(0);
        if (closed) closed->wait_for(kDisconnectWait);
    } catch (const mqtt::exception& e) {
        log("MQTT disconnect from " + uri_ + " failed: " + describe_rc(e.get_return_code()));
    }
    set_disconnected();
}

void PahoPublisher::set_disconnected() {
    std::lock_guard lock(mutex_);
    connected_ = false;
}

void PahoPublisher::publish(const std::string& topic, const std::string& payload, int qos, bool retain) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {  // after stop() nothing more leaves; the last word was "offline"
            ++stats_.failed;
            return;
        }
    }
    try {
        client_->publish(topic, payload.data(), payload.size(), qos, retain);
        std::lock_guard lock(mutex_);
        ++stats_.queued;
    } catch (const mqtt::exception& e) {
        log_publish_error(topic, describe_rc(e.get_return_code()));
    } catch (const std::exception& e) {
        log_publish_error(topic, e.what());
    }
}

bool PahoPublisher::wait_pending_below(std::size_t limit, std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancel) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!(cancel && *cancel)) {
        try {
            if (client_->get_pending_delivery_tokens().size() < limit) return true;
        } catch (const std::exception&) {
            return false;
        }
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

bool PahoPublisher::connected() const {
    std::lock_guard lock(mutex_);
    return connected_;
}

void PahoPublisher::on_connected(std::function<void()> callback) {
    std::lock_guard lock(mutex_);
    connected_callbacks_.push_back(std::move(callback));
}

void PahoPublisher::on_message(const std::string& topic, MessageHandler handler) {
    bool subscribe_now = false;
    {
        std::lock_guard lock(mutex_);
        subscribe_now = connected_ && !message_handlers_.contains(topic);
        message_handlers_[topic] = std::move(handler);
    }
    if (subscribe_now) subscribe(topic);
}

PublisherStats PahoPublisher::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

// The one place connects start: waits for the next attempt time, or for stop().
void PahoPublisher::run_connector() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (failure_to_report_) {
            const int rc = *std::exchange(failure_to_report_, std::nullopt);
            lock.unlock();
            report_failure(rc);
            lock.lock();
        } else if (want_connect_ && std::chrono::steady_clock::now() >= next_attempt_) {
            want_connect_ = false;
            lock.unlock();
            begin_connect();
            lock.lock();
        } else if (want_connect_) {
            wake_.wait_until(lock, next_attempt_);
        } else {
            wake_.wait(lock);
        }
    }
    if (std::exchange(failure_to_report_, std::nullopt)) ++stats_.connect_failures;
}

void PahoPublisher::begin_connect() {
    try {
        client_->connect(*connect_options_, nullptr, *listener_);
    } catch (const mqtt::exception& e) {
        handle_connect_failure(e.get_return_code());
    } catch (const std::exception&) {
        handle_connect_failure(MQTTASYNC_FAILURE);
    }
}

void PahoPublisher::handle_connected() {
    std::vector<std::string> topics;
    std::vector<std::function<void()>> callbacks;
    std::string after;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        connected_ = true;
        backoff_ = options_.min_retry;
        ++stats_.connects;
        for (const auto& entry : message_handlers_) topics.push_back(entry.first);
        callbacks = connected_callbacks_;
        if (outage_since_) {
            const auto away = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *outage_since_);
            after = " after " + describe_wait(away) + " without a connection";
        }
        outage_since_.reset();
        outage_cause_.clear();
    }
    log("MQTT connected to " + uri_ + " as client '" + options_.client_id + "'" + after);
    if (!options_.status_topic.empty()) publish(options_.status_topic, "online", options_.qos, true);
    for (const auto& topic : topics) subscribe(topic);
    for (const auto& callback : callbacks) {
        try {
            callback();
        } catch (const std::exception& e) {
            log(std::string("MQTT on-connect handler failed: ") + e.what());
        }
    }
}

// On a client thread: schedules the next attempt and leaves the telling to the connector thread,
// which may take a moment to diagnose a TLS failure.
void PahoPublisher::handle_connect_failure(int rc) {
    {
        std::lock_guard lock(mutex_);
        // Counted once reported, so that a caller seeing the count also sees the log line.
        if (stopping_ || failure_to_report_) ++stats_.connect_failures;
        if (stopping_) return;
        const auto wait = backoff_;
        backoff_ = std::min(backoff_ * 2, options_.max_retry);
        want_connect_ = true;
        next_attempt_ = std::chrono::steady_clock::now() + wait;
        if (!outage_since_) outage_since_ = std::chrono::steady_clock::now();
        failure_to_report_ = rc;
    }
    wake_.notify_all();
}

// Logs a failed connect once per outage, and again only when its cause changes.
void PahoPublisher::report_failure(int rc) {
    std::string cause = describe_rc(rc);
    const auto stopping = [this] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    // Paho's -1 stands for a name that does not resolve as much as for a refused connection or
    // a failed TLS handshake: the name first, since without it nothing else can be checked.
    std::string named;
    if (rc == MQTTASYNC_FAILURE) named = host::diagnose(options_.host, kResolveWait, stopping);
    if (named.empty() && options_.tls.enabled && rc == MQTTASYNC_FAILURE) {
        const tls::Target target{options_.host, options_.port, options_.tls.ca_file, options_.tls.insecure};
        named = tls::diagnose(target, kDiagnoseWait, stopping);
    }
    if (!named.empty()) cause = std::move(named);
    bool tell = false;
    {
        std::lock_guard lock(mutex_);
        tell = !stopping_ && !connected_ && cause != outage_cause_;  // connected: the news is stale
        if (tell) outage_cause_ = cause;
    }
    const std::string who = options_.username.empty() ? "anonymously" : "as user '" + options_.username + "'";
    if (tell) {
        warn("MQTT connect to " + uri_ + " " + who + " failed: " + cause + "; retrying every " +
             describe_wait(options_.max_retry) + " (not logged again until the cause changes)");
    }
    std::lock_guard lock(mutex_);
    ++stats_.connect_failures;
}

void PahoPublisher::handle_connection_lost(const std::string& cause) {
    {
        std::lock_guard lock(mutex_);
        connected_ = false;
        if (stopping_) return;
        backoff_ = options_.min_retry;
        want_connect_ = true;
        next_attempt_ = std::chrono::steady_clock::now() + options_.min_retry;
        outage_since_ = std::chrono::steady_clock::now();
        outage_cause_.clear();
    }
    wake_.notify_all();
    warn("MQTT connection to " + uri_ + " lost" + (cause.empty() ? "" : " (" + cause + ")") + "; reconnecting");
}

void PahoPublisher::handle_message(const std::string& topic, const std::string& payload) {
    MessageHandler handler;
    {
        std::lock_guard lock(mutex_);
        auto it = message_handlers_.find(topic);
        if (it == message_handlers_.end()) return;
        handler = it->second;
    }
    try {
        handler(topic, payload);
    } catch (const std::exception& e) {
        log("MQTT message handler for " + topic + " failed: " + e.what());
    }
}

void PahoPublisher::subscribe(const std::string& topic) {
    try {
        client_->subscribe(topic, options_.qos);
    } catch (const mqtt::exception& e) {
        log("MQTT subscribe to " + topic + " failed: " + describe_rc(e.get_return_code()));
    }
}

void PahoPublisher::log(std::string_view line) const {
    if (options_.log) {
        try {
            options_.log(line);
        } catch (...) {
        }
        return;
    }
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

void PahoPublisher::warn(std::string_view line) const {
    if (!options_.warn) return log(line);
    try {
        options_.warn(line);
    } catch (...) {
    }
}

// A dead broker with a full buffer would otherwise print one line per message.
void PahoPublisher::log_publish_error(const std::string& topic, const std::string& what) {
    std::uint64_t skipped = 0;
    {
        std::lock_guard lock(mutex_);
        ++stats_.failed;
        const auto now = std::chrono::steady_clock::now();
        if (stats_.failed > 1 && now - last_error_log_ < kErrorLogInterval) {
            ++errors_not_logged_;
            return;
        }
        last_error_log_ = now;
        skipped = std::exchange(errors_not_logged_, 0);
    }
    std::string line = "MQTT publish to " + topic + " failed: " + what;
    if (skipped > 0) line += " (" + std::to_string(skipped) + " more failures not logged)";
    log(line);
}

}  // namespace bridge

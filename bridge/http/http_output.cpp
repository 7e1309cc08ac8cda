#include "bridge/http/http_output.hpp"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bridge/http/access_token.hpp"
#include "bridge/http/metrics.hpp"
#include "bridge/http/page_assets.hpp"
#include "bridge/ledger/ledger_query.hpp"
#include "ha_discovery/state.hpp"

namespace bridge {
namespace {

using json = nlohmann::json;

constexpr time_t kIdleSeconds = 2;      // a connection that sends no request
constexpr time_t kTransferSeconds = 5;  // a read or write that makes no progress
constexpr std::size_t kMaxBody = 1024;  // every route is a GET: no request needs a body

// A fixed set of threads and a bounded queue of accepted connections. When the queue is full the
// accepting thread waits here, so no more connections are accepted (the kernel's backlog holds a
// few, then refuses): an attacker's thousand idle connections hold at most threads + queued file
// descriptors, and the meter path keeps all of its own.
class BoundedPool final : public httplib::TaskQueue {
public:
    // `server_stopping` outlives the pool (the server owns both).
    BoundedPool(std::size_t threads, std::size_t queued, const std::atomic<bool>& server_stopping)
        : limit_(queued), server_stopping_(server_stopping) {
        for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    ~BoundedPool() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        std::unique_lock lock(mutex_);
        // Woken by a free place, or every 100 ms to see whether the server is stopping.
        while (jobs_.size() >= limit_ && !stopping_) {
            if (server_stopping_) return;  // the process is about to close the socket
            room_.wait_for(lock, std::chrono::milliseconds(100));
        }
        if (stopping_) return;
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
    }

    void shutdown() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        room_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
                if (jobs_.empty()) return;  // stopping, nothing left
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            room_.notify_one();
            job();
        }
    }

    std::size_t limit_;
    const std::atomic<bool>& server_stopping_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

std::string iso_utc(std::chrono::system_clock::time_point t) {
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

double seconds(std::chrono::system_clock::duration d) { return std::chrono::duration<double>(d).count(); }

json status_json(const LiveSnapshot& s, std::string_view version, std::chrono::system_clock::time_point now) {
    json status = ha::bridge_state_json(s.link, s.stats, {s.last_error, s.last_error_message}, {s.ledger, s.ledger_message});
    status["version"] = std::string(version);
    status["missed_pushes"] = s.stats.missed_pushes;
    status["counter_resets"] = s.stats.counter_resets;
    status["garbage_bytes"] = s.stats.garbage_bytes;
    status["last_error_at"] = s.last_error_at == std::chrono::system_clock::time_point{} ? json(nullptr)
                                                                                       : json(iso_utc(s.last_error_at));
    std::optional<std::chrono::system_clock::time_point> last;
    for (const auto& [slug, record] : s.meters)
        if (!last || record->received() > *last) last = record->received();
    status["seconds_since_last_push"] = last ? json(std::max(0.0, std::round(seconds(now - *last) * 10) / 10)) : json(nullptr);
    return status;
}

}  // namespace

class HttpOutput::Server {
public:
    Server(HttpOptions options, LiveView& view, WarnFn warn)
        : options_(std::move(options)), view_(view), token_(options_.token), warn_(std::move(warn)) {
        http_.new_task_queue = [this] {
            return new BoundedPool(static_cast<std::size_t>(options_.threads), static_cast<std::size_t>(options_.queued),
                                   stopping_);
        };
        // One request a connection: while it waits for a kept-alive connection's next request, the
        // library wakes every 10 ms (a hundred wake-ups a second for each open page). A new
        // connection every poll on a home network costs less than that.
        http_.set_keep_alive_max_count(1);
        http_.set_keep_alive_timeout(kIdleSeconds);
        http_.set_read_timeout(kTransferSeconds);
        http_.set_write_timeout(kTransferSeconds);
        http_.set_payload_max_length(kMaxBody);
        http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            return admit(req, res);
        });
        http_.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
            std::string what = "unknown error";
            try {
                if (e) std::rethrow_exception(e);
            } catch (const std::exception& x) {
                what = x.what();
            } catch (...) {
            }
            this->warn("HTTP: a request failed: " + what);
            res.status = 500;
            send(res, "internal error\n", "text/plain; charset=utf-8");
        });
        for (const auto& asset : page_assets()) {
            http_.Get(std::string(asset.path), [&asset, this](const httplib::Request& req, httplib::Response& res) {
                serve_asset(asset, req, res);
            });
        }
        http_.Get("/api/live", [this](const httplib::Request&, httplib::Response& res) { live(res); });
        http_.Get("/api/state", [this](const httplib::Request&, httplib::Response& res) { state(res); });
        http_.Get("/api/ledger", [this](const httplib::Request& req, httplib::Response& res) { ledger(req, res); });
        http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            send(res, prometheus_text(view_.snapshot(), options_.version), "text/plain; version=0.0.4; charset=utf-8");
        });
    }

    // Binds now, so that a port in use is a start-up error; returns the port.
    std::uint16_t bind() {
        int port = options_.port;
        if (port == 0) port = http_.bind_to_any_port(options_.host);
        else if (!http_.bind_to_port(options_.host, port)) port = -1;
        if (port <= 0)
            throw std::runtime_error("http.listen: cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                     " (the port is in use, or the address is not one of this machine's); "
                                     "choose another port or address");
        return static_cast<std::uint16_t>(port);
    }

    void serve() {
        if (!http_.listen_after_bind()) warn("HTTP: the server stopped with an error; the page is gone until a restart");
    }

    void stop() {
        stopping_ = true;
        http_.stop();
    }

private:
    httplib::Server::HandlerResponse admit(const httplib::Request& req, httplib::Response& res) {
        const std::string query = req.get_param_value("token");
        const std::string authorization = req.get_header_value("Authorization");
        const std::string cookie = req.get_header_value("Cookie");
        const PresentedToken presented{authorization, cookie, query};
        if (!token_.allows(presented)) {
            res.status = 401;
            res.set_header("WWW-Authenticate", "Bearer realm=\"dlms2mqtt\"");
            send(res, "a token is needed: open the page as /?token=..., or send Authorization: Bearer ...\n",
                 "text/plain; charset=utf-8");
            return httplib::Server::HandlerResponse::Handled;
        }
        // A link with ?token= leaves a cookie, so the page's own requests need no token in the URL.
        if (token_.required() && !query.empty()) res.set_header("Set-Cookie", token_.cookie());
        // The page and the API are this daemon's only: no other site may frame or read them.
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("X-Frame-Options", "SAMEORIGIN");
        res.set_header("Referrer-Policy", "no-referrer");
        return httplib::Server::HandlerResponse::Unhandled;
    }

    void serve_asset(const PageAsset& asset, const httplib::Request& req, httplib::Response& res) {
        const std::string etag(asset.etag);
        res.set_header("ETag", etag);
        res.set_header("Cache-Control", "no-cache");  // checked on each load, sent again only when changed
        res.set_header("Vary", "Accept-Encoding");
        if (req.get_header_value("If-None-Match") == etag) {
            res.status = 304;
            return;
        }
        if (asset.path == "/") res.set_header("Content-Security-Policy", "default-src 'self'; style-src 'self'");
        const bool gzip = req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
        const auto bytes = gzip ? asset.gzip : asset.plain;
        if (gzip) res.set_header("Content-Encoding", "gzip");
        // A content provider, not a body: the library would compress a text body once more.
        res.set_content_provider(bytes.size(), std::string(asset.content_type),
                                 [bytes](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                     return sink.write(reinterpret_cast<const char*>(bytes.data()) + offset, length);
                                 });
    }

    // A body sent as it is. Debian's library would compress a body with brotli or gzip when the
    // client accepts it: megabytes of encoder state and most of the CPU time of a poll, for
    // answers of a few kilobytes on a home network. A content provider is never compressed.
    static void send(httplib::Response& res, std::string body, const char* content_type) {
        auto shared = std::make_shared<const std::string>(std::move(body));
        res.set_content_provider(shared->size(), content_type,
                                 [shared](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                     return sink.write(shared->data() + offset, length);
                                 });
    }

    void live(httplib::Response& res) {
        const auto s = view_.snapshot();
        const auto now = std::chrono::system_clock::now();
        json meters = json::object();
        for (const auto& [slug, record] : s.meters)
            meters[slug] = {{"serial", record->serial()}, {"state", record->state()},
                            {"received", iso_utc(record->received())}};
        const json out = {{"sequence", s.sequence}, {"now", iso_utc(now)}, {"status", status_json(s, options_.version, now)},
                          {"meters", std::move(meters)}, {"ledger", !options_.ledger_path.empty()}};
        json_reply(res, out);
    }

    void state(httplib::Response& res) {
        json out = json::object();
        for (const auto& [slug, record] : view_.snapshot().meters) out[slug] = record->state();
        json_reply(res, out);
    }

    void ledger(const httplib::Request& req, httplib::Response& res) {
        if (options_.ledger_path.empty()) return error(res, 404, "the ledger is off (ledger.enabled: false)");
        const std::string every_text = req.has_param("every") ? req.get_param_value("every") : "15min";
        const auto every = parse_every(every_text);
        if (!every) return error(res, 400, "every: use 15min, hour, day or month");
        std::optional<LocalDate> days[2];
        const char* names[2] = {"from", "to"};
        for (int i = 0; i < 2; ++i) {
            if (!req.has_param(names[i])) continue;
            days[i] = parse_local_day(req.get_param_value(names[i]));
            if (!days[i]) return error(res, 400, std::string(names[i]) + ": use YYYY-MM-DD, today, yesterday or month");
        }
        const LedgerRange range = day_range(days[0], days[1]);
        try {
            json_reply(res, rows_json(summarise(read_periods(options_.ledger_path, range.from, range.to), *every)));
        } catch (const LedgerError& e) {
            // No file yet (nothing written so far): no rows. Anything else is the ledger's error.
            if (access(options_.ledger_path.c_str(), F_OK) != 0) return json_reply(res, json::array());
            error(res, 500, e.what());
        }
    }

    // From any of the server's threads.
    void warn(const std::string& line) {
        std::lock_guard lock(warn_mutex_);
        warn_(line);
    }

    static void json_reply(httplib::Response& res, const json& body) {
        res.set_header("Cache-Control", "no-store");
        send(res, body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
    }

    static void error(httplib::Response& res, int status, const std::string& message) {
        res.status = status;
        json_reply(res, {{"error", message}});
    }

    HttpOptions options_;
    LiveView& view_;
    AccessToken token_;
    std::mutex warn_mutex_;
    RateLimitedWarning warn_;
    std::atomic<bool> stopping_{false};
    httplib::Server http_;
};

HttpOutput::HttpOutput(HttpOptions options, WarnFn warn)
    : server_(std::make_unique<Server>(std::move(options), view_, std::move(warn))) {
    port_ = server_->bind();
}

HttpOutput::~HttpOutput() { finish(); }

void HttpOutput::start() {
    if (!thread_.joinable()) thread_ = std::thread([this] { server_->serve(); });
}

void HttpOutput::finish() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
}

}  // namespace bridge

// The live page, /metrics and the JSON API: an output that keeps the last push of each meter and
// the line's state (LiveView), and an HTTP server (cpp-httplib) that shows them.
//
//   /             the page (its script, style and Chart.js come from the binary too)
//   /api/live     what the page polls: a sequence number, each meter's state, the line's status
//   /api/state    {"<meter>": <the MQTT state object>, ...}
//   /api/ledger   the ledger's rows (?every=15min|hour|day|month&from=DAY&to=DAY, as
//                 `dlms2mqtt ledger --format json`, as one array)
//   /metrics      Prometheus (metrics.hpp)
//
// The server runs on its own threads, never the worker's: a slow or hostile client costs the
// meter path nothing but the lock that copies a snapshot. Bounded: a few worker threads, a
// bounded queue of accepted connections (beyond it the server stops accepting and the kernel's
// backlog holds the rest), requests of at most 8 KB of headers and no body, idle connections
// closed after 2 s, reads and writes that give up after 5 s.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "bridge/http/live_view.hpp"
#include "bridge/outputs/output.hpp"
#include "bridge/outputs/output_log.hpp"

namespace bridge {

struct HttpOptions {
    std::string host = "0.0.0.0";  // to listen on
    std::uint16_t port = 8780;
    std::string token;             // asked of every request when not empty (AccessToken)
    std::string ledger_path;       // empty: the ledger is off (/api/ledger answers 404)
    std::string version;
    int threads = 4;               // requests served at once
    int queued = 32;               // accepted connections waiting for a thread
};

class HttpOutput final : public Output {
public:
    // Binds at once: throws std::runtime_error naming http.listen when the address cannot be
    // used (a start-up error). Serves from start() until finish().
    HttpOutput(HttpOptions options, WarnFn warn = {});
    ~HttpOutput() override;
    HttpOutput(const HttpOutput&) = delete;
    HttpOutput& operator=(const HttpOutput&) = delete;

    void start() override;
    void finish() override;
    void push(const RecordPtr& record) override { view_.push(record); }
    void failure(const Failure& failure) override { view_.failure(failure); }
    void tick(const LineState& line) override { view_.line(line); }
    void link_changed(const LineState& line) override { view_.line(line); }

    // The port it listens on (the one asked for, or the one the system chose for port 0).
    std::uint16_t port() const { return port_; }

private:
    class Server;
    LiveView view_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace bridge

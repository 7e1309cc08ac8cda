// The HTTP server inside `dlms2mqtt run`, end to end: a simulated meter on a pty, a real
// mosquitto, the daemon as a child process with http.listen on a free loopback port, and HTTP
// clients (cpp-httplib's, and raw sockets for what no client library would send).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <httplib.h>

#include "test/bridge/daemon_harness.hpp"

namespace daemon_test {
namespace {

const std::string kToken = "correct horse battery staple";

// A rig whose daemon also serves HTTP on a free port of 127.0.0.1.
struct HttpRig {
    Rig rig;
    int port = test_mqtt::free_port();
    std::unique_ptr<Daemon> daemon;
    explicit HttpRig(std::map<std::string, std::string> env = {}) {
        env["DLMS2MQTT_HTTP_LISTEN"] = "127.0.0.1:" + std::to_string(port);
        daemon = std::make_unique<Daemon>(rig, env);
        require_bridge_online(rig);
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(5);
        c.set_read_timeout(10);
        return c;
    }
    // Whether the state of the push with this invocation counter arrives on MQTT within `timeout`.
    bool published(std::uint32_t counter, std::chrono::milliseconds timeout) {
        return rig.probe->wait_for(
            [&](const Messages& m) {
                const auto c = state_counters(m);
                return !c.empty() && c.back() == counter;
            },
            timeout);
    }
    // Writes a frame and waits for its state on MQTT.
    nlohmann::json push(MeterFeed& meter) {
        rig.pty.write(meter.next_frame());
        REQUIRE(published(meter.last_counter(), kWait));
        return json_on(rig.probe->messages(), kStateTopic).back();
    }
};

// name{labels} -> value, from the Prometheus text.
std::map<std::string, double> samples(const std::string& text) {
    std::map<std::string, double> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
    }
    return out;
}

int connect_to(int port, bool blocking = true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK), 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int r = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (blocking) REQUIRE(r == 0);
    return fd;
}

// What the server answers before it closes, within `timeout` (the first line is enough).
std::string answer(int fd, std::chrono::milliseconds timeout = 10s) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::size_t open_files(pid_t pid) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
    return n;
}

}  // namespace

TEST_CASE("http: a scrape's values equal the MQTT state of the same push") {
    HttpRig h;
    INFO("daemon log:\n" << h.daemon->log());
    MeterFeed meter;
    h.push(meter);
    const auto state = h.push(meter);
    auto http = h.client();
    const auto res = http.Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
    const auto metrics = samples(res->body);
    INFO("scrape:\n" << res->body);
    INFO("state: " << state.dump());
    REQUIRE(metrics.at("dlms2mqtt_invocation{meter=\"12345678\"}") == state["frame_counter"].get<double>());

    // Every number of the state is in the scrape, in its base unit.
    const std::pair<const char*, double> units[] = {
        {"", 1},           {"_watts", 1},   {"_volts", 1},   {"_amperes", 1},   {"_ratio", 1},          {"_vars", 1},
        {"_hertz", 1},     {"_joules_total", 3.6e6},         {"_joules", 3.6e6}, {"_var_seconds_total", 3.6e6},
    };
    std::size_t compared = 0;
    for (const auto& [key, value] : state.items()) {
        if (!value.is_number() || key == "frame_counter") continue;
        bool found = false;
        for (const auto& [suffix, factor] : units) {
            const auto it = metrics.find("dlms2mqtt_" + key + suffix + "{meter=\"12345678\"}");
            if (it == metrics.end()) continue;
            found = true;
            CAPTURE(key);
            CHECK(it->second / factor == doctest::Approx(value.get<double>()).epsilon(1e-12));
        }
        CHECK_MESSAGE(found, "no metric for state key " << key);
        compared += found;
    }
    CHECK(compared >= 30);
    CHECK(metrics.at("dlms2mqtt_pushes_total") == 2);

    // /api/state is the MQTT state, object for object.
    const auto api = http.Get("/api/state");
    REQUIRE(api);
    CHECK(nlohmann::json::parse(api->body)["12345678"] == state);

    // The line's state comes with the daemon's first tick (half a push interval on).
    double connected = 0;
    for (int i = 0; i < 40 && connected != 1; ++i) {
        const auto again = http.Get("/metrics");
        REQUIRE(again);
        connected = samples(again->body)["dlms2mqtt_link{state=\"connected\"}"];
        if (connected != 1) std::this_thread::sleep_for(500ms);
    }
    CHECK(connected == 1);
    stop_cleanly(h.rig, *h.daemon);
}

TEST_CASE("http: the page's files come from the binary, gzip when asked, 304 when unchanged") {
    HttpRig h;
    INFO("daemon log:\n" << h.daemon->log());
    auto http = h.client();
    std::ifstream file(std::string(DLMS2MQTT_SOURCE_DIR) + "/bridge/http/page/index.html", std::ios::binary);
    const std::string page((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    REQUIRE(!page.empty());

    const auto plain = http.Get("/");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    CHECK(plain->body == page);
    CHECK(plain->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(plain->get_header_value("Content-Encoding").empty());
    CHECK(plain->get_header_value("Content-Security-Policy").find("default-src 'self'") != std::string::npos);

    // The gzip bytes as they come (a client library without zlib would refuse them otherwise).
    auto raw = h.client();
    raw.set_decompress(false);
    const auto packed = raw.Get("/", {{"Accept-Encoding", "gzip, deflate, br"}});
    REQUIRE(packed);
    CHECK(packed->get_header_value("Content-Encoding") == "gzip");
    CHECK(packed->body.starts_with("\x1f\x8b"));
    CHECK(packed->body.size() < page.size());

    const std::string etag = plain->get_header_value("ETag");
    REQUIRE(!etag.empty());
    const auto again = http.Get("/", {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    const auto chart = http.Get("/chart.min.js");
    REQUIRE(chart);
    CHECK(chart->status == 200);
    CHECK(chart->body.find("Chart.js v3.9.1") != std::string::npos);
    CHECK(http.Get("/no-such-page")->status == 404);
    stop_cleanly(h.rig, *h.daemon);
}

TEST_CASE("http: a live scrape passes promtool check metrics") {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        MESSAGE("skipped: promtool (Debian's prometheus package) is not installed");
        return;
    }
    HttpRig h;
    INFO("daemon log:\n" << h.daemon->log());
    MeterFeed meter;
    h.push(meter);
    auto http = h.client();
    const auto res = http.Get("/metrics");
    REQUIRE(res);
    const auto file = h.rig.dir / "scrape.txt";
    std::ofstream(file) << res->body;
    const auto report = h.rig.dir / "promtool.txt";
    const int status = std::system(("promtool check metrics < '" + file.string() + "' > '" + report.string() + "' 2>&1").c_str());
    std::ifstream in(report);
    const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO("promtool said:\n" << said);
    CHECK(status == 0);
    stop_cleanly(h.rig, *h.daemon);
}

TEST_CASE("http: with http.token, every endpoint refuses a missing or wrong token and takes the right one") {
    HttpRig h({{"DLMS2MQTT_HTTP_TOKEN", kToken}});
    INFO("daemon log:\n" << h.daemon->log());
    MeterFeed meter;
    h.push(meter);
    auto http = h.client();
    for (const char* path : {"/", "/app.js", "/chart.min.js", "/metrics", "/api/live", "/api/state", "/api/ledger"}) {
        CAPTURE(path);
        auto none = http.Get(path);
        REQUIRE(none);
        CHECK(none->status == 401);
        auto wrong = http.Get(path, {{"Authorization", "Bearer " + kToken + "x"}});
        REQUIRE(wrong);
        CHECK(wrong->status == 401);
        auto right = http.Get(path, {{"Authorization", "Bearer " + kToken}});
        REQUIRE(right);
        CHECK(right->status == 200);
        CHECK(right->body.find(kEncryptionKey) == std::string::npos);
        CHECK(right->body.find(kAuthenticationKey) == std::string::npos);
        CHECK(right->body.find(kToken) == std::string::npos);
    }
    // A link with ?token= opens the page and leaves a cookie that opens the rest.
    auto link = http.Get("/?token=correct%20horse%20battery%20staple");
    REQUIRE(link);
    CHECK(link->status == 200);
    const std::string cookie = link->get_header_value("Set-Cookie");
    REQUIRE(!cookie.empty());
    CHECK(cookie.find("correct") == std::string::npos);
    auto with_cookie = http.Get("/api/live", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
    REQUIRE(with_cookie);
    CHECK(with_cookie->status == 200);
    CHECK(nlohmann::json::parse(with_cookie->body)["meters"].contains("12345678"));
    stop_cleanly(h.rig, *h.daemon);
    CHECK(h.daemon->log().find(kToken) == std::string::npos);
}

TEST_CASE("http: hostile clients are refused and every push is still published on time") {
    HttpRig h;
    INFO("daemon log:\n" << h.daemon->log());
    MeterFeed meter;
    h.push(meter);
    const pid_t pid = h.daemon->process().pid();
    const std::size_t files_before = open_files(pid);

    // Garbage instead of a request: 400.
    const int garbage = connect_to(h.port);
    const std::string junk("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not HTTP at all\r\n\r\n", 31);
    REQUIRE(::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(junk.size()));
    CHECK(answer(garbage).starts_with("HTTP/1.1 400"));
    ::close(garbage);

    // A 10 MB header: refused long before its end (400, or the connection closed on us).
    const int big = connect_to(h.port);
    std::string head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ";
    std::size_t sent = 0;
    bool cut_off = false;
    ::send(big, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string chunk(64 * 1024, 'a');
    timeval send_timeout{5, 0};
    ::setsockopt(big, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    while (sent < 10u * 1024 * 1024) {
        const ssize_t n = ::send(big, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            cut_off = true;
            break;
        }
        sent += static_cast<std::size_t>(n);
    }
    const std::string big_answer = answer(big);
    CHECK((cut_off || big_answer.starts_with("HTTP/1.1 400")));
    CHECK((big_answer.empty() || big_answer.starts_with("HTTP/1.1 400")));
    ::close(big);

    // 1,000 idle connections (as many as this process may open) while the meter goes on pushing.
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    const auto allowed = static_cast<std::size_t>(std::min<rlim_t>(limit.rlim_cur, 1000000));
    const std::size_t wanted = std::min<std::size_t>(1000, allowed > 200 ? allowed - 100 : 100);
    std::vector<int> idle;
    for (std::size_t i = 0; i < wanted; ++i) idle.push_back(connect_to(h.port, false));
    std::size_t most_files = 0;
    for (int i = 0; i < 5; ++i) {
        const auto started = std::chrono::steady_clock::now();
        h.rig.pty.write(meter.next_frame());
        const auto counter = meter.last_counter();
        // On time: published within 5 s of reaching the serial line (the meter pushes every 10 s).
        CHECK_MESSAGE(h.published(counter, 5s), "push " << counter << " not published within 5 s during the attack");
        most_files = std::max(most_files, open_files(pid));
        std::this_thread::sleep_until(started + 2s);
    }
    // Bounded: the daemon holds a few dozen of the thousand, not the thousand.
    INFO("open files before: " << files_before << ", most during: " << most_files << ", idle clients: " << idle.size());
    CHECK(most_files < files_before + 64);
    // Idle connections the server took are closed by it (the end of the stream), not kept.
    std::size_t closed_by_server = 0;
    for (int fd : idle) {
        pollfd p{fd, POLLIN, 0};
        char c;
        if (::poll(&p, 1, 0) == 1 && ::recv(fd, &c, 1, MSG_DONTWAIT) == 0) ++closed_by_server;
    }
    CHECK(closed_by_server >= 4);
    for (int fd : idle) ::close(fd);

    // The attack over, the server answers again.
    auto http = h.client();
    int status = 0;
    for (int i = 0; i < 30 && status != 200; ++i) {
        const auto after = http.Get("/api/state");
        status = after ? after->status : 0;
        if (status != 200) std::this_thread::sleep_for(1s);
    }
    CHECK(status == 200);
    stop_cleanly(h.rig, *h.daemon);
}

TEST_CASE("http: /api/ledger has the rows `dlms2mqtt ledger --format json` prints") {
    HttpRig h;
    INFO("daemon log:\n" << h.daemon->log());
    MeterFeed meter;
    for (int i = 0; i < 8; ++i) h.push(meter);  // 80 s of the meter's clock: the ledger writes once
    auto http = h.client();
    nlohmann::json rows;
    for (int i = 0; i < 20 && rows.empty(); ++i) {
        const auto res = http.Get("/api/ledger?every=15min");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        rows = nlohmann::json::parse(res->body);
        if (rows.empty()) std::this_thread::sleep_for(500ms);
    }
    REQUIRE(!rows.empty());
    CHECK(http.Get("/api/ledger?every=week")->status == 400);
    CHECK(http.Get("/api/ledger?from=someday")->status == 400);

    // No push comes now, so nothing more is written: the command reads the same file (read-only,
    // beside the running daemon) and prints the same rows, one object a line.
    testsupport::ProcessOptions po;
    po.argv = {DLMS2MQTT_EXE, "ledger", "--format", "json", "--config", (h.rig.dir / "config.yaml").string()};
    po.env = {{"DLMS2MQTT_LEDGER_PATH", (h.rig.dir / "ledger.sqlite").string()}};
    po.stdout_file = h.rig.dir / "ledger.out";
    testsupport::Process cli(std::move(po));
    REQUIRE(cli.wait_for(kWait) == 0);
    nlohmann::json lines = nlohmann::json::array();
    std::istringstream in(cli.stdout_text());
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    CHECK(rows == lines);
    stop_cleanly(h.rig, *h.daemon);
}

}  // namespace daemon_test

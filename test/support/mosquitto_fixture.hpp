// A real mosquitto broker for tests, on 127.0.0.1 and a free port that stays the same across
// stop()/start()/restart(), so a client can be made to lose its broker and find it again.
// Also a TCP relay whose connections can be cut, so the broker sees a client vanish without a
// DISCONNECT (what a crash or a pulled cable looks like) and publishes its will.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test/support/temp_dir.hpp"

namespace test_mqtt {

struct MosquittoOptions {
    // When both are set the broker refuses anonymous clients and knows this one user.
    std::string username;
    std::string password;
    // When set, a second listener on tls_port() speaks TLS with this certificate and key (PEM);
    // the plain listener on port() stays, for probes.
    std::filesystem::path tls_cert_file;
    std::filesystem::path tls_key_file;
    // Lines added to the end of mosquitto.conf as they are ("set_tcp_nodelay true", say).
    std::vector<std::string> extra_config;
};

// The broker is told to stop if the thread that started it dies (a test killed midway):
// create, start and restart it from the test's own thread.
class Mosquitto {
public:
    // Starts the broker and returns once it accepts connections; throws std::runtime_error
    // (with the broker's log) when it does not start.
    explicit Mosquitto(MosquittoOptions options = {});
    ~Mosquitto();  // stops the broker, removes its folder
    Mosquitto(const Mosquitto&) = delete;
    Mosquitto& operator=(const Mosquitto&) = delete;

    const std::string& host() const { return host_; }
    int port() const { return port_; }
    int tls_port() const { return tls_port_; }  // 0 without a TLS listener
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    void start();    // no-op when running
    void stop();     // SIGCONT (a paused broker), SIGTERM, SIGKILL after 5 s; waits for the process
    void restart();  // stop() then start(), same port
    // SIGSTOP: connections are still accepted by the kernel but nothing answers (a hung broker).
    void pause();
    void resume();  // SIGCONT

    std::string log_text() const;  // the broker's log so far

private:
    void write_config() const;

    MosquittoOptions options_;
    std::string host_ = "127.0.0.1";
    int port_ = 0;
    int tls_port_ = 0;
    testsupport::TempDir dir_{"mosquitto-test-"};
    pid_t pid_ = -1;
};

// Relays 127.0.0.1:port() to 127.0.0.1:target_port, both ways.
class TcpRelay {
public:
    explicit TcpRelay(int target_port);
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    int port() const { return port_; }
    // Closes every relayed connection at once (both ends); new connections are still accepted.
    void cut();
    // While blocked, new connections are accepted and closed at once (a broker that is not
    // there yet), so a test can get other clients ready first.
    void set_blocked(bool blocked) { blocked_ = blocked; }
    int connections_seen() const { return accepted_.load(); }

private:
    struct Pair {
        int client = -1;
        int broker = -1;
    };
    void run();
    void accept_one();
    void close_all();

    int target_port_;
    int port_ = 0;
    int listen_fd_ = -1;
    int wake_pipe_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> cut_requested_{false};
    std::atomic<bool> blocked_{false};
    std::atomic<int> accepted_{0};
    std::vector<Pair> pairs_;  // relay thread only
    std::thread thread_;
};

// A port on 127.0.0.1 that nothing listened on a moment ago.
int free_port();

// Runs a program (argv[0] is its path) with stdout and stderr appended to `log`; throws
// std::runtime_error with the log when it fails or takes longer than 30 s.
void run_program(const std::vector<std::string>& args, const std::filesystem::path& log);

}  // namespace test_mqtt

#include "test/support/mosquitto_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace test_mqtt {
namespace {

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";
constexpr const char* kMosquittoPasswd = "/usr/bin/mosquitto_passwd";

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr = loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Starts argv[0] with stdout and stderr appended to `log`; returns the pid. The child gets
// SIGKILL if this process dies first, so a test killed midway leaves no broker behind (SIGKILL,
// not SIGTERM: a paused broker would keep SIGTERM pending for ever).
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("cannot start ") + args[0] + ": " + std::strerror(errno));
    if (pid == 0) {  // only async-signal-safe calls until exec
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

// Waits for `pid` up to `timeout`; true when it has exited (and is reaped).
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    while (true) {
        const pid_t r = ::waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            if (status) *status = st;
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string current_user() {
    const passwd* pw = ::getpwuid(::getuid());
    return pw ? pw->pw_name : "root";
}

}  // namespace

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

void run_program(const std::vector<std::string>& args, const std::filesystem::path& log) {
    const pid_t pid = spawn(args, log);
    int status = 0;
    if (!wait_exit(pid, std::chrono::seconds(30), &status)) {
        ::kill(pid, SIGKILL);
        wait_exit(pid, std::chrono::seconds(5));
        throw std::runtime_error(args[0] + " did not finish within 30 s");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream in(log);
        std::ostringstream text;
        text << in.rdbuf();
        throw std::runtime_error(args[0] + " failed:\n" + text.str());
    }
}

Mosquitto::Mosquitto(MosquittoOptions options) : options_(std::move(options)) {
    port_ = free_port();
    if (!options_.tls_cert_file.empty()) {
        do tls_port_ = free_port();
        while (tls_port_ == port_);
    }
    if (!options_.username.empty()) {
        const auto log = dir_ / "passwd.log";
        const pid_t pid = spawn({kMosquittoPasswd, "-c", "-b", (dir_ / "passwd").string(), options_.username,
                                 options_.password},
                                log);
        int status = 0;
        if (!wait_exit(pid, std::chrono::seconds(10), &status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error("mosquitto_passwd failed");
    }
    write_config();
    start();
}

Mosquitto::~Mosquitto() { stop(); }

void Mosquitto::write_config() const {
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " " << host_ << "\n"
         << "persistence false\n"
         << "user " << current_user() << "\n"  // as root, keep root: the files here are private
         << "log_dest stdout\n"
         << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
         << "connection_messages true\n";
    if (options_.username.empty()) {
        conf << "allow_anonymous true\n";
    } else {
        conf << "allow_anonymous false\n"
             << "password_file " << (dir_ / "passwd").string() << "\n";
    }
    if (tls_port_ != 0) {  // the TLS settings below belong to this last listener
        conf << "listener " << tls_port_ << " " << host_ << "\n"
             << "certfile " << options_.tls_cert_file.string() << "\n"
             << "keyfile " << options_.tls_key_file.string() << "\n";
    }
    for (const auto& line : options_.extra_config) conf << line << "\n";
    if (!conf.flush()) throw std::runtime_error("cannot write " + (dir_ / "mosquitto.conf").string());
}

void Mosquitto::start() {
    if (running()) return;
    pid_ = spawn({kMosquitto, "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "mosquitto.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const int fd = connect_loopback(port_);
        if (fd >= 0) {
            ::close(fd);
            return;
        }
        if (wait_exit(pid_, std::chrono::milliseconds(0))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ":\n" + log_text());
}

void Mosquitto::stop() {
    if (!running()) return;
    ::kill(pid_, SIGCONT);  // a paused broker would not act on SIGTERM
    ::kill(pid_, SIGTERM);
    if (!wait_exit(pid_, std::chrono::seconds(5))) {
        ::kill(pid_, SIGKILL);
        wait_exit(pid_, std::chrono::seconds(5));
    }
    pid_ = -1;
}

void Mosquitto::pause() {
    if (running()) ::kill(pid_, SIGSTOP);
}

void Mosquitto::resume() {
    if (running()) ::kill(pid_, SIGCONT);
}

void Mosquitto::restart() {
    stop();
    start();
}

std::string Mosquitto::log_text() const {
    std::ifstream in(dir_ / "mosquitto.log");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// ---- TcpRelay ----

TcpRelay::TcpRelay(int target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error("cannot set up the TCP relay");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
    stopping_ = true;
    [[maybe_unused]] auto n = ::write(wake_pipe_[1], "x", 1);
    thread_.join();
    close_all();
    ::close(listen_fd_);
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

void TcpRelay::cut() {
    cut_requested_ = true;
    [[maybe_unused]] auto n = ::write(wake_pipe_[1], "x", 1);
}

void TcpRelay::close_all() {
    for (const auto& p : pairs_) {
        ::close(p.client);
        ::close(p.broker);
    }
    pairs_.clear();
}

void TcpRelay::accept_one() {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    ++accepted_;
    const int broker = blocked_ ? -1 : connect_loopback(target_port_);
    if (broker < 0) {
        ::close(client);
        return;
    }
    pairs_.push_back({client, broker});
}

// One poll loop: the listener, the wake pipe, and both ends of every pair.
void TcpRelay::run() {
    char buffer[16384];
    while (!stopping_) {
        std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        for (const auto& p : pairs_) {
            fds.push_back({p.client, POLLIN, 0});
            fds.push_back({p.broker, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) return;
        if (fds[1].revents) {
            while (::read(wake_pipe_[0], buffer, sizeof buffer) > 0) {
            }
        }
        if (cut_requested_.exchange(false)) {
            close_all();
            continue;
        }
        std::vector<Pair> alive;
        for (std::size_t i = 0; i < pairs_.size(); ++i) {
            const Pair p = pairs_[i];
            bool ok = true;
            for (int side = 0; side < 2 && ok; ++side) {
                const pollfd& pf = fds[2 + 2 * i + side];
                if (!(pf.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const int to = side == 0 ? p.broker : p.client;
                const ssize_t n = ::read(pf.fd, buffer, sizeof buffer);
                ok = n > 0 && ::send(to, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) == n;
            }
            if (ok) {
                alive.push_back(p);
            } else {
                ::close(p.client);
                ::close(p.broker);
            }
        }
        pairs_ = std::move(alive);
        if (fds[0].revents & POLLIN) accept_one();
    }
}

}  // namespace test_mqtt

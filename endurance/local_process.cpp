#include "endurance/local_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace endurance {

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

bool can_connect(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

// The config of a throw-away broker. As root mosquitto would switch to the user "mosquitto",
// which cannot write the log in our private folder: stay the current user.
std::vector<std::string> broker_argv(const std::filesystem::path& dir, int port, const std::vector<std::string>& extra) {
    const passwd* pw = ::getpwuid(::getuid());
    const auto conf = dir / "mosquitto.conf";
    std::ofstream out(conf);
    out << "listener " << port << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence false\n"
        << "user " << (pw ? pw->pw_name : "root") << "\n"
        << "log_dest stdout\n";
    for (const auto& line : extra) out << line << "\n";
    if (!out) throw std::runtime_error("cannot write " + conf.string());
    return {"/usr/sbin/mosquitto", "-c", conf.string()};
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                           const std::filesystem::path& log) {
    // This process's environment with `env` in place of same-named variables (a duplicate name
    // would leave it to the child's getenv which one wins).
    const auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
    std::vector<std::string> environment(env);
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const bool overridden = std::any_of(env.begin(), env.end(), [&](const std::string& x) { return name_of(x) == name_of(entry); });
        if (!overridden) environment.push_back(entry);
    }
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    args.push_back(nullptr);
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

bool ChildProcess::running() {
    if (pid_ < 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    status_ = r == pid_ ? describe_status(status) : "gone";
    pid_ = -1;
    return false;
}

std::string ChildProcess::stop(std::chrono::milliseconds grace) {
    if (!running()) return status_;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (pid_ >= 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        status_ = describe_status(status) + " (killed after " + std::to_string(grace.count()) + " ms)";
        pid_ = -1;
    }
    return status_;
}

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot find a free port on 127.0.0.1");
    return ntohs(addr.sin_port);
}

LocalBroker::LocalBroker(const std::filesystem::path& dir, const std::vector<std::string>& extra)
    : port_(free_loopback_port()), process_(broker_argv(dir, port_, extra), {}, dir / "mosquitto.log") {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!can_connect(port_)) {
        if (!process_.running() || std::chrono::steady_clock::now() >= deadline)
            throw std::runtime_error("mosquitto did not start on 127.0.0.1:" + std::to_string(port_) + " (see " +
                                     (dir / "mosquitto.log").string() + ")");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

TempDir::TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "dlms2mqtt-latency-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot create a temporary folder");
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace endurance

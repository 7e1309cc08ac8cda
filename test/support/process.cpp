#include "test/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace testsupport {

namespace {

const char* or_null(const std::filesystem::path& p) { return p.empty() ? "/dev/null" : p.c_str(); }

int decode_status(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

}  // namespace

std::string describe_exit(int status) {
    return status > 128 ? "signal " + std::to_string(status - 128) : "exit " + std::to_string(status);
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return in ? std::string(std::istreambuf_iterator<char>(in), {}) : std::string();
}

Process::Process(ProcessOptions options) : options_(std::move(options)) {
    if (options_.argv.empty()) throw std::runtime_error("Process: no program given");
    std::vector<char*> argv;
    for (auto& a : options_.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_lines;
    for (const auto& [k, v] : options_.env) env_lines.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_lines) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, or_null(options_.stdout_file), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!options_.stderr_file.empty() && options_.stderr_file == options_.stdout_file)
        posix_spawn_file_actions_adddup2(&actions, 1, 2);  // one open file: neither overwrites the other
    else
        posix_spawn_file_actions_addopen(&actions, 2, or_null(options_.stderr_file), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // The test runner may block signals in its own threads; the child starts with none blocked.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    const int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + options_.argv[0] + ": " + std::strerror(rc));
    }
}

Process::~Process() {
    if (pid_ <= 0 || status_) return;
    if (options_.stop_grace.count() > 0) {
        stop(options_.stop_grace);
    } else {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
}

int Process::stop(std::chrono::milliseconds grace) {
    signal(SIGTERM);
    if (const auto status = wait_for(grace)) return *status;
    ::kill(pid_, SIGKILL);
    reap(true);
    return *status_;
}

bool Process::reap(bool block) {
    if (status_) return true;
    int st = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
        status_ = decode_status(st);
        return true;
    }
    return false;
}

bool Process::running() { return !reap(false); }

void Process::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap(false)) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

std::string Process::stderr_text() const { return read_text_file(options_.stderr_file); }
std::string Process::stdout_text() const { return read_text_file(options_.stdout_file); }

}  // namespace testsupport

// Child processes and a private mosquitto for the end-to-end measurements. Everything started
// here is stopped by its destructor (SIGTERM, then SIGKILL after a grace period).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace endurance {

// A child process with stdout and stderr appended to a log file; `env` entries ("NAME=value")
// are added to this process's environment.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 const std::filesystem::path& log);
    ~ChildProcess() { stop(); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool running();
    // SIGTERM, then SIGKILL after `grace`; returns the exit status text ("exit 0", "signal 9").
    std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::string status_;
};

// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
int free_loopback_port();

// mosquitto listening on 127.0.0.1:<free port>, anonymous, no persistence, in `dir`;
// `extra` lines are appended to its config.
class LocalBroker {
public:
    explicit LocalBroker(const std::filesystem::path& dir, const std::vector<std::string>& extra = {});
    int port() const { return port_; }

private:
    int port_;
    ChildProcess process_;
};

// A private temporary folder, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace endurance

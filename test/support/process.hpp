// A child process for end-to-end tests and tools: started with exactly the environment given
// (nothing inherited, so a developer's own DLMS2MQTT_* variables cannot leak in), stdout and
// stderr in files, stdin from /dev/null. Stopped by its PID and reaped by the destructor if still
// running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct ProcessOptions {
    std::vector<std::string> argv;  // argv[0] is the executable's path
    std::map<std::string, std::string> env;
    std::filesystem::path stdout_file;  // empty = /dev/null
    std::filesystem::path stderr_file;  // empty = /dev/null; stdout_file's path: one file for both
    // What the destructor does to a process still running: 0 = SIGKILL at once; more = stop(grace).
    std::chrono::milliseconds stop_grace{0};
};

class Process {
public:
    // Throws std::runtime_error when the program cannot be started.
    explicit Process(ProcessOptions options);
    ~Process();  // see ProcessOptions::stop_grace
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();  // reaps it when it has exited
    void signal(int sig);

    // Waits up to `timeout` for the exit. The exit code, or 128 + signal number when killed by a
    // signal; nullopt when still running.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    std::optional<int> exit_status() const { return status_; }
    // SIGTERM, then SIGKILL when it has not exited within `grace`; the exit status as above.
    int stop(std::chrono::milliseconds grace);

    std::string stderr_text() const;
    std::string stdout_text() const;

private:
    bool reap(bool block);

    ProcessOptions options_;
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// An exit status as Process gives it, in words: "exit 0", "signal 9".
std::string describe_exit(int status);

// The text of a file, empty when it is missing.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace testsupport

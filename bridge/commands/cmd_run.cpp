// dlms2mqtt run [--config FILE] [--replay FILE [--fast]] [--record FILE]
#include <csignal>
#include <iostream>
#include <thread>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/config/config.hpp"
#include "bridge/core/daemon.hpp"
#include "bridge/core/log.hpp"
#include "bridge/core/version.hpp"

namespace bridge {

namespace {
constexpr const char* kUsage =
    "usage: dlms2mqtt run [--config FILE] [--replay FILE [--fast]] [--record FILE]\n"
    "\n"
    "Reads the meter's pushes from the serial port and publishes them to MQTT (with Home Assistant\n"
    "discovery), UDP and CSV as configured. Runs until SIGTERM or SIGINT.\n"
    "\n"
    "  --config FILE   settings (default /etc/dlms2mqtt/config.yaml, optional when absent);\n"
    "                  every setting can also come from DLMS2MQTT_<SECTION>_<KEY> variables\n"
    "  --replay FILE   read a capture (hex text or raw bytes; - for stdin) instead of the serial\n"
    "                  port, one frame per push interval; exit 0 once all is published\n"
    "  --fast          with --replay: as fast as possible\n"
    "  --record FILE   append the raw bytes read from the serial port to FILE\n"
    "\n"
    "Exit status: 0 stopped cleanly, 1 start-up error, 2 wrong usage, 78 configuration error (one line\n"
    "says which setting; the systemd unit does not restart on it).\n";

}  // namespace

int run_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--config", "--replay", "--record"}, {"--fast", "--help", "-h"});
    if (a.has("--help") || a.has("-h")) {
        std::cout << kUsage;
        return 0;
    }
    if (!a.error.empty() || !a.positional.empty()) {
        std::cerr << "dlms2mqtt run: " << (a.error.empty() ? "unexpected argument " + a.positional[0] : a.error) << "\n" << kUsage;
        return 2;
    }
    RunOptions options;
    options.replay = a.get("--replay").value_or("");
    options.record = a.get("--record").value_or("");
    options.fast = a.has("--fast");
    if (options.fast && options.replay.empty()) {
        std::cerr << "dlms2mqtt run: --fast goes with --replay\n";
        return 2;
    }

    const auto loaded = load_command_config(a.get("--config"));
    if (auto* e = std::get_if<ConfigError>(&loaded)) {
        std::cerr << "dlms2mqtt: " << e->message << "\n";
        return kExitConfigError;
    }
    const Config& config = std::get<Config>(loaded);
    set_log_level(config.log.level);
    for (const auto& w : config_warnings(config)) log_warning(w);
    log_info(std::string("dlms2mqtt ") + version() + " starting" +
             (config.source.file.empty() ? " (no config file; defaults and environment)" : " with " + config.source.file));

    // Signals are taken by one thread that sleeps in sigwait, so no handler runs inside a library
    // call and nothing wakes on a timer. SIGUSR1 from this process ends that thread.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    StopSignal stop;
    std::jthread watcher([&] {
        for (;;) {
            int sig = 0;
            if (sigwait(&signals, &sig) != 0 || sig == SIGUSR1) return;
            log_info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP") + ", stopping");
            stop.request();
        }
    });
    int rc = 1;
    try {
        rc = run_daemon(config, options, stop);
    } catch (const std::exception& e) {  // one line and exit 1, not std::terminate
        log_error(std::string("stopping after an unexpected error: ") + e.what());
    }
    pthread_kill(watcher.native_handle(), SIGUSR1);
    return rc;
}

}  // namespace bridge

// The subcommands of the dlms2mqtt executable. Each returns the process exit code:
// 0 success, 1 failure (a frame that did not decode, a start-up error), 2 wrong usage.
#pragma once

#include <string>
#include <vector>

namespace bridge {

using ArgList = std::vector<std::string>;

int decode_command(const ArgList& args);
int keys_command(const ArgList& args);
// run's exit code when the configuration does not load (EX_CONFIG from sysexits.h). The systemd
// unit lists it in RestartPreventExitStatus=, so a broken config is one journal line, not a loop.
inline constexpr int kExitConfigError = 78;
int run_command(const ArgList& args);
int simulate_command(const ArgList& args);
int probe_command(const ArgList& args);
int health_command(const ArgList& args);
int ledger_command(const ArgList& args);

}  // namespace bridge

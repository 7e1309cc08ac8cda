// The subcommands of the dlms2mqtt executable. Each returns the process exit code:
// 0 success, 1 failure (a frame that did not decode, a start-up error), 2 wrong usage.
#pragma once

#include <string>
#include <vector>

namespace bridge {

using ArgList = std::vector<std::string>;

int decode_command(const ArgList& args);
int keys_command(const ArgList& args);
int run_command(const ArgList& args);
int simulate_command(const ArgList& args);
int probe_command(const ArgList& args);
int health_command(const ArgList& args);

const char* version();

}  // namespace bridge

// dlms2mqtt: smart meter DLMS/COSEM pushes to MQTT and Home Assistant.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bridge/commands/commands.hpp"
#include "bridge/core/version.hpp"

namespace {
constexpr const char* kHelp =
    "dlms2mqtt - smart electricity meter (DLMS/COSEM push) to MQTT and Home Assistant\n"
    "\n"
    "usage: dlms2mqtt COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run        read the meter and publish (the daemon)\n"
    "  decode     decode captured frames to JSON lines\n"
    "  keys       turn the utility's key mail into the two config lines\n"
    "  probe      tell what is on the serial line: speed, framing, encryption, keys\n"
    "  simulate   write simulated encrypted Kamstrup pushes to a pty or a file\n"
    "  ledger     the energy ledger: quarter-hours, hours, days or months as CSV or JSON\n"
    "  health     exit 0 when a push was decoded recently (for container health checks)\n"
    "\n"
    "  dlms2mqtt COMMAND --help   options of a command\n"
    "  dlms2mqtt --version\n"
    "\n"
    "exit status: 0 success, 1 failure, 2 wrong usage, 78 configuration error (run)\n";
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kHelp;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "-V") {
        std::cout << "dlms2mqtt " << bridge::version() << "\n";
        return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "run") return bridge::run_command(args);
        if (command == "decode") return bridge::decode_command(args);
        if (command == "keys") return bridge::keys_command(args);
        if (command == "probe") return bridge::probe_command(args);
        if (command == "simulate") return bridge::simulate_command(args);
        if (command == "health") return bridge::health_command(args);
        if (command == "ledger") return bridge::ledger_command(args);
    } catch (const std::exception& e) {
        std::cerr << "dlms2mqtt " << command << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "dlms2mqtt: unknown command '" << command << "'\n\n" << kHelp;
    return 2;
}

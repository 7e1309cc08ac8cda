// dlms2mqtt health [--file PATH] [--max-age SECONDS]: for Docker's HEALTHCHECK. The daemon touches
// health.file on every decoded push; this exits 1 when that is older than max-age.
#include <sys/stat.h>

#include <ctime>
#include <iostream>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/config/config.hpp"

namespace bridge {

int health_command(const ArgList& argv) {
    const Args a = parse_args(argv, {"--file", "--max-age"}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h") || !a.error.empty() || !a.positional.empty()) {
        (a.error.empty() ? std::cout : std::cerr)
            << "usage: dlms2mqtt health [--file PATH] [--max-age SECONDS]\n"
               "Exit 0 when PATH (default: health.file) was touched by a decoded push within SECONDS (default:\n"
               "health.max_age, 60); 1 otherwise. Settings as `run` reads them: the file DLMS2MQTT_CONFIG names,\n"
               "else /etc/dlms2mqtt/config.yaml when it exists, with the DLMS2MQTT_* environment over it.\n";
        return a.error.empty() ? 0 : 2;
    }
    std::string file = a.get("--file").value_or("");
    long max_age = Config{}.health.max_age;
    if (file.empty() || !a.get("--max-age")) {  // the settings `run` reads
        const auto loaded = load_command_config(std::nullopt);
        if (const auto* e = std::get_if<ConfigError>(&loaded)) {
            std::cerr << "dlms2mqtt health: " << e->message << "\n";
            return 2;
        }
        const Config& config = std::get<Config>(loaded);
        if (file.empty()) file = config.health.file;
        max_age = config.health.max_age;
    }
    if (auto m = a.get("--max-age")) max_age = std::atol(m->c_str());
    if (file.empty()) {
        std::cerr << "dlms2mqtt health: no file: give --file, or set health.file (DLMS2MQTT_HEALTH_FILE)\n";
        return 2;
    }
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) {
        std::cout << "unhealthy: no push decoded yet (" << file << " missing)\n";
        return 1;
    }
    const long age = static_cast<long>(std::time(nullptr) - st.st_mtime);
    if (age > max_age) {
        std::cout << "unhealthy: last push decoded " << age << " s ago\n";
        return 1;
    }
    std::cout << "healthy: last push decoded " << age << " s ago\n";
    return 0;
}

}  // namespace bridge

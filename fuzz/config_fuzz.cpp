// Fuzzes the configuration loader with the bytes as the text of the YAML file. load_config reads
// a path, so the bytes go to one temporary file made once with mkstemp and rewritten per input.
// No environment is passed, so nothing outside the file is read. An exception escaping
// load_config is a finding: libFuzzer reports it as a crash.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "bridge/config/config.hpp"

namespace {

struct TempFile {
    std::string path;
    int fd = -1;

    TempFile() {
        char name[] = "/tmp/dlms2mqtt_config_fuzz_XXXXXX";
        fd = mkstemp(name);
        if (fd < 0) {
            std::perror("config_fuzz: mkstemp");
            std::abort();
        }
        path = name;
    }
    ~TempFile() {
        close(fd);
        unlink(path.c_str());
    }

    void write_all(const std::uint8_t* data, std::size_t size) const {
        if (ftruncate(fd, 0) != 0) std::abort();
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
            if (n <= 0) std::abort();
            done += static_cast<std::size_t>(n);
        }
    }
};

volatile std::size_t g_sink;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const TempFile file;
    file.write_all(data, size);
    const auto result = bridge::load_config(file.path, true, bridge::Environment{});
    if (const auto* config = std::get_if<bridge::Config>(&result)) {
        for (const auto& w : bridge::config_warnings(*config)) g_sink = g_sink + w.size();
        g_sink = g_sink + config->mqtt.client_id.size() + config->serial.port.size();
    } else {
        const auto& error = std::get<bridge::ConfigError>(result);
        if (error.message.empty()) __builtin_trap();  // every failure must say what is wrong
        g_sink = g_sink + error.message.size();
    }
    return 0;
}

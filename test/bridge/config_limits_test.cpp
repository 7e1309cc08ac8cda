// Inputs the loader bounds: the config file's size (checked before parsing, also for a pipe),
// the number of meter.scaling entries, the size of a *_FILE secret; and the warning for a
// *_FILE secret that others can read.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <thread>

#include "test/bridge/config_test_util.hpp"

using namespace config_test;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Valid YAML of exactly `size` bytes: comment lines.
std::string comments(std::size_t size) {
    const std::string line = "# " + std::string(77, 'x') + "\n";
    std::string text;
    while (text.size() + line.size() <= size) text += line;
    return text + std::string(size - text.size(), '#');
}

std::string scaling_yaml(int entries) {
    std::string text = "meter:\n  scaling:\n";
    for (int i = 0; i < entries; ++i) text += "    1.0." + std::to_string(i) + ".8.0.255: {scaler: 0}\n";
    return text;
}

}  // namespace

TEST_CASE("a config file over 1 MiB is refused before it is parsed, naming file, size, limit and fix") {
    TempDir dir;
    load_ok(dir.write("limit.yaml", comments(kMiB)));
    const std::string big = dir.write("big.yaml", comments(kMiB + 1));
    CHECK(load_error(big) == big + ": is 1048577 bytes, over the 1048576-byte (1 MiB) limit for a config file; "
                                   "give the settings file itself (config.yaml.example, a few KiB, is the template)");
}

TEST_CASE("a config read from a pipe stops at the limit") {
    TempDir dir;
    const std::string fifo = (dir / "pipe.yaml").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Exactly one byte more than the limit: the loader reads it all, so the writer never blocks.
    // A jthread: joined even when load_error's REQUIRE throws.
    std::jthread writer([&] { std::ofstream(fifo, std::ios::binary) << comments(kMiB + 1); });
    CHECK(load_error(fifo) == fifo + ": holds more, over the 1048576-byte (1 MiB) limit for a config file; "
                          "give the settings file itself (config.yaml.example, a few KiB, is the template)");
}

TEST_CASE("meter.scaling takes at most 64 quantities") {
    TempDir dir;
    CHECK(load_ok(dir.write("64.yaml", scaling_yaml(64))).meter.scaling.by_key.size() == 64);
    const std::string file = dir.write("65.yaml", scaling_yaml(65));
    CHECK(load_error(file) == file + ":67: meter.scaling.1.0.64.8.0.255: one quantity too many: meter.scaling takes at "
                                     "most 64; keep only the quantities whose scaler or unit your meter gets wrong");
    // The environment counts too.
    CHECK(load_error(dir.write("64b.yaml", scaling_yaml(64)), {{"DLMS2MQTT_METER_SCALING_VOLTAGE_L1_SCALER", "-1"}})
              .starts_with("DLMS2MQTT_METER_SCALING_VOLTAGE_L1_SCALER: one quantity too many"));
}

TEST_CASE("a secret file over 64 KiB is refused, naming the variable and the file, never the content") {
    TempDir dir;
    const std::string pw = dir.write("pw", std::string(64 * 1024 + 1, 'p'));
    CHECK(load_error("", {{"DLMS2MQTT_MQTT_PASSWORD_FILE", pw}}) ==
          "DLMS2MQTT_MQTT_PASSWORD_FILE: " + pw + " is 65537 bytes, over the 65536-byte (64 KiB) limit for a secret "
          "file; point DLMS2MQTT_MQTT_PASSWORD_FILE at a file holding only the secret");
    CHECK(load_ok("", {{"DLMS2MQTT_MQTT_PASSWORD_FILE", dir.write("ok", std::string(64 * 1024, 'p'))}})
              .mqtt.password.size() == 64 * 1024);
}

TEST_CASE("a *_FILE secret that others can read gets a warning, as the config file does") {
    TempDir dir;
    const std::string open_key = dir.write("ek", std::string(kKeyHex) + "\n", 0644);
    const std::string open_pw = dir.write("pw", "hunter2\n", 0604);
    const Config open = load_ok("", {{"DLMS2MQTT_METER_ENCRYPTION_KEY_FILE", open_key}, {"DLMS2MQTT_MQTT_PASSWORD_FILE", open_pw}});
    CHECK(has_warning(open, open_key + " is readable by other users and holds a secret; run chmod 600 " + open_key));
    CHECK(has_warning(open, open_pw + " is readable by other users and holds a secret; run chmod 600 " + open_pw));
    for (const auto& w : bridge::config_warnings(open)) {
        CHECK_FALSE(contains(w, kKeyHex));
        CHECK_FALSE(contains(w, "hunter2"));
    }

    const std::string closed = dir.write("ek600", std::string(kKeyHex) + "\n", 0600);
    CHECK(bridge::config_warnings(load_ok("", {{"DLMS2MQTT_METER_ENCRYPTION_KEY_FILE", closed}})).empty());
}

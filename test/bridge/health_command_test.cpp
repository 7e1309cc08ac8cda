// `dlms2mqtt health` in-process: the health file and its age come from the command line, else
// from the settings `run` reads (the file DLMS2MQTT_CONFIG names, with the environment over it).
// Each test case runs in a process of its own (CTest), so setting the environment here is safe.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include "bridge/commands/commands.hpp"
#include "test/support/temp_dir.hpp"

namespace {

using testsupport::TempDir;

// A file last touched `age` ago.
std::string touched(const TempDir& dir, const std::string& name, std::chrono::seconds age) {
    const std::string path = dir.write(name, "").string();
    const timespec when{std::time(nullptr) - static_cast<std::time_t>(age.count()), 0};
    const timespec times[2] = {when, when};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    return path;
}

int health(const bridge::ArgList& args = {}) { return bridge::health_command(args); }

}  // namespace

TEST_CASE("health: a push decoded within max-age is healthy, an older one or none is not") {
    TempDir dir;
    const std::string fresh = touched(dir, "fresh", std::chrono::seconds(2));
    const std::string old = touched(dir, "old", std::chrono::seconds(120));
    CHECK(health({"--file", fresh, "--max-age", "60"}) == 0);
    CHECK(health({"--file", old, "--max-age", "60"}) == 1);
    CHECK(health({"--file", old, "--max-age", "300"}) == 0);
    CHECK(health({"--file", (dir / "absent").string(), "--max-age", "60"}) == 1);
}

TEST_CASE("health: the file and max_age come from the config file and DLMS2MQTT_* variables, as run reads them") {
    TempDir dir;
    const std::string old = touched(dir, "health", std::chrono::seconds(120));
    const std::string config = dir.write("config.yaml", "health:\n  file: " + old + "\n  max_age: 300\n").string();
    REQUIRE(::setenv("DLMS2MQTT_CONFIG", config.c_str(), 1) == 0);
    CHECK(health() == 0);                        // 120 s old, max_age 300 from the file
    REQUIRE(::setenv("DLMS2MQTT_HEALTH_MAX_AGE", "60", 1) == 0);
    CHECK(health() == 1);                        // the variable wins over the file
    CHECK(health({"--max-age", "600"}) == 0);    // the option wins over both

    const std::string fresh = touched(dir, "fresh", std::chrono::seconds(1));
    REQUIRE(::setenv("DLMS2MQTT_HEALTH_FILE", fresh.c_str(), 1) == 0);
    CHECK(health() == 0);
}

TEST_CASE("health: no file anywhere, or a broken config, is wrong usage (exit 2)") {
    TempDir dir;
    REQUIRE(::setenv("DLMS2MQTT_CONFIG", dir.write("empty.yaml", "{}\n").string().c_str(), 1) == 0);
    CHECK(health() == 2);
    REQUIRE(::setenv("DLMS2MQTT_CONFIG", dir.write("broken.yaml", "health:\n  max_age: soon\n").string().c_str(), 1) == 0);
    CHECK(health() == 2);
}

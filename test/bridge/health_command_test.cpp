// `dlms2mqtt health` in-process: the health file and its age come from the command line, else
// from the settings `run` reads (the file DLMS2MQTT_CONFIG names, with the environment over it).
// Variables are set for one test case and removed at its end (the cases may share a process).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

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

// Sets DLMS2MQTT_* variables for the life of the object and removes them after.
class ScopedEnv {
public:
    ScopedEnv() = default;
    ~ScopedEnv() {
        for (const auto& name : names_) ::unsetenv(name.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    void set(const std::string& name, const std::string& value) {
        REQUIRE(::setenv(name.c_str(), value.c_str(), 1) == 0);
        names_.push_back(name);
    }

private:
    std::vector<std::string> names_;
};

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
    ScopedEnv env;
    env.set("DLMS2MQTT_CONFIG", config);
    CHECK(health() == 0);                        // 120 s old, max_age 300 from the file
    env.set("DLMS2MQTT_HEALTH_MAX_AGE", "60");
    CHECK(health() == 1);                        // the variable wins over the file
    CHECK(health({"--max-age", "600"}) == 0);    // the option wins over both

    const std::string fresh = touched(dir, "fresh", std::chrono::seconds(1));
    env.set("DLMS2MQTT_HEALTH_FILE", fresh);
    CHECK(health() == 0);
}

TEST_CASE("health: no file anywhere, or a broken config, is wrong usage (exit 2)") {
    TempDir dir;
    ScopedEnv env;
    env.set("DLMS2MQTT_CONFIG", dir.write("empty.yaml", "{}\n").string());
    CHECK(health() == 2);
    env.set("DLMS2MQTT_CONFIG", dir.write("broken.yaml", "health:\n  max_age: soon\n").string());
    CHECK(health() == 2);
}

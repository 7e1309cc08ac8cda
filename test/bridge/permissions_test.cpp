// What a user is told when the config file or the serial port is not theirs to read, and the exit
// status of `run` when the config does not load (the systemd unit stops retrying on it). The
// "Permission denied" cases need a user that the file or device does not let in: as root (CI)
// they run in a child process that drops to nobody; otherwise the file is made unreadable.
#include "bridge/config/permissions.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "bridge/commands/commands.hpp"
#include "bridge/config/config.hpp"

namespace {

constexpr uid_t kNobody = 65534;

struct TempFile {
    explicit TempFile(const std::string& text) {
        std::string pattern = (std::filesystem::temp_directory_path() / "dlms2mqtt-perm-XXXXXX").string();
        const int fd = mkstemp(pattern.data());
        REQUIRE(fd >= 0);
        close(fd);
        path = pattern;
        std::ofstream(path) << text;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::string path;
};

// load_config's error for a file this process (or, as root, nobody) cannot open.
std::string load_error_denied(const std::string& path) {
    auto load = [&] {
        auto r = bridge::load_config(path, true, {});
        const auto* e = std::get_if<bridge::ConfigError>(&r);
        return e ? e->message : std::string("(loaded)");
    };
    if (geteuid() != 0) {
        REQUIRE(chmod(path.c_str(), 0) == 0);
        return load();
    }
    REQUIRE(chmod(path.c_str(), 0600) == 0);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(3);
        const std::string msg = load();
        const bool ok = write(fds[1], msg.data(), msg.size()) == static_cast<ssize_t>(msg.size());
        _exit(ok ? 0 : 4);
    }
    close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

std::string name_of_nobody_or_me() { return geteuid() == 0 ? "" : bridge::current_identity().user; }

}  // namespace

TEST_CASE("a config file the user may not read names the user, the group and the command that fixes it") {
    TempFile file("mqtt:\n  host: localhost\n");
    const std::string msg = load_error_denied(file.path);
    INFO(msg);
    CHECK(msg.starts_with(file.path + ": cannot read it as user "));
    CHECK(msg.find("(Permission denied)") != std::string::npos);
    CHECK(msg.find("sudo chown root:") != std::string::npos);
    CHECK(msg.ends_with(" " + file.path + " && sudo chmod 640 " + file.path));
    CHECK(msg.find("copy config.yaml.example") == std::string::npos);  // the file is there
    if (const std::string me = name_of_nobody_or_me(); !me.empty()) CHECK(msg.find("as user " + me + " ") != std::string::npos);
}

TEST_CASE("the config fix names the service's user and group") {
    const bridge::ProcessIdentity service{"dlms2mqtt", "dlms2mqtt"};
    CHECK(bridge::config_unreadable_problem(service) == "cannot read it as user dlms2mqtt (Permission denied)");
    CHECK(bridge::config_unreadable_fix("/etc/dlms2mqtt/config.yaml", service) ==
          "let group dlms2mqtt read it: sudo chown root:dlms2mqtt /etc/dlms2mqtt/config.yaml && "
          "sudo chmod 640 /etc/dlms2mqtt/config.yaml");
}

TEST_CASE("a user outside the config's group is told to join it, not to take the file from the service") {
    const bridge::ProcessIdentity pi{"pi", "pi"};
    CHECK(bridge::config_join_group_fix(pi, "dlms2mqtt") == "group dlms2mqtt may read it: sudo usermod -aG dlms2mqtt pi, then log in again");
}

TEST_CASE("the serial port fix names the user, the device's group and the command") {
    const bridge::ProcessIdentity service{"dlms2mqtt", "dlms2mqtt"};
    CHECK(bridge::serial_permission_fix("/dev/ttyS0", service, "dialout", false) ==
          "user dlms2mqtt is not in group dialout, which owns it: sudo usermod -aG dialout dlms2mqtt, then restart dlms2mqtt");
    CHECK(bridge::serial_permission_fix("/dev/ttyUSB0", service, "dialout", true).ends_with("sudo chmod g+rw /dev/ttyUSB0"));
    // A device that is gone is not a permission problem the group could fix; dialout is the usual owner.
    CHECK(bridge::serial_permission_fix("/nonexistent/ttyX").find("group dialout") != std::string::npos);
}

TEST_CASE("root:dlms2mqtt 0640 is not 'readable by other users'; other group or world read is") {
    constexpr unsigned root = 0, service = 999, other = 1000;
    CHECK_FALSE(bridge::config_readable_by_others(0640, root, service, service, service));  // as the package installs it
    CHECK_FALSE(bridge::config_readable_by_others(0600, service, service, service, service));
    CHECK(bridge::config_readable_by_others(0644, root, service, service, service));        // everyone
    CHECK(bridge::config_readable_by_others(0640, root, other, service, service));          // some other group
    CHECK(bridge::config_readable_by_others(0640, service, service, service, service));     // the group of the owner itself
    CHECK(bridge::config_readable_by_others(0640, root, root, root, root));                 // root's group, read as root
}

TEST_CASE("run exits with the configuration-error status when the config does not load") {
    TempFile file("mqtt:\n  hots: localhost\n");
    CHECK(bridge::run_command({"--config", file.path}) == bridge::kExitConfigError);
}

TEST_CASE("the systemd unit does not restart on the configuration-error status") {
    std::ifstream unit(std::string(DLMS2MQTT_SOURCE_DIR) + "/packaging/dlms2mqtt.service.in");
    REQUIRE(unit.good());
    bool found = false;
    for (std::string line; std::getline(unit, line);) {
        found = found || line == "RestartPreventExitStatus=" + std::to_string(bridge::kExitConfigError);
    }
    CHECK(found);
}

#include "test/support/dns_server.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace testsupport {

namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kMount = "/usr/bin/mount";

// A private mount namespace with `resolv_conf` over /etc/resolv.conf, then `argv` run there.
std::vector<std::string> in_namespace(const std::filesystem::path& resolv_conf) {
    return {kUnshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            std::string(kMount) + " --bind \"$0\" /etc/resolv.conf && exec \"$@\"", resolv_conf.string()};
}

}  // namespace

DnsServer::DnsServer(const std::filesystem::path& dir, const std::map<std::string, std::string>& names)
    : resolv_conf_(dir / "resolv.conf"), log_file_(dir / "dnsmasq.log") {
    const auto pid = static_cast<unsigned>(::getpid());
    address_ = "127.53." + std::to_string((pid >> 8) % 256) + "." + std::to_string(pid % 254 + 1);
    std::ofstream(resolv_conf_) << "nameserver " << address_ << "\noptions timeout:1 attempts:1\n";
    if (::geteuid() != 0) {
        unavailable_ = "a private mount namespace needs root";
        return;
    }
    for (const char* tool : {kDnsmasq, kUnshare, kMount}) {
        if (::access(tool, X_OK) != 0) {
            unavailable_ = std::string(tool) + " is not installed (scripts/deps.sh installs it)";
            return;
        }
    }
    // The namespace trick itself, tried once with a program that does nothing.
    ProcessOptions trial;
    trial.argv = in_namespace(resolv_conf_);
    trial.argv.push_back("/bin/true");
    trial.stderr_file = dir / "unshare-trial.err";
    if (const auto rc = Process(std::move(trial)).wait_for(std::chrono::seconds(10)); rc != 0) {
        unavailable_ = "cannot bind-mount resolv.conf in a private mount namespace: " + read_text_file(dir / "unshare-trial.err");
        return;
    }

    ProcessOptions o;
    o.argv = {kDnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
              "--listen-address=" + address_, "--port=53", "--pid-file=", "--log-queries", "--log-facility=-"};
    for (const auto& [name, ip] : names) o.argv.push_back("--address=/" + name + "/" + ip);
    o.argv.push_back("--address=/#/");  // any other name: no such name (NXDOMAIN), as a real server says
    o.stdout_file = log_file_;
    o.stderr_file = log_file_;
    o.stop_grace = std::chrono::seconds(5);
    dnsmasq_ = std::make_unique<Process>(std::move(o));
    // It logs "started" once its socket is bound (or exits saying why it could not).
    for (int i = 0; i < 100 && log().find("started") == std::string::npos; ++i) {
        if (!dnsmasq_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!dnsmasq_->running() || log().find("started") == std::string::npos)
        unavailable_ = "dnsmasq did not start on " + address_ + ":53: " + log();
}

DnsServer::~DnsServer() = default;  // Process stops dnsmasq by its PID (SIGTERM, then SIGKILL)

std::string DnsServer::log() const { return read_text_file(log_file_); }

std::vector<std::string> DnsServer::wrap() const { return in_namespace(resolv_conf_); }

}  // namespace testsupport

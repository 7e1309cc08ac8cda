// A loopback DNS server for tests of name resolution: dnsmasq answering for the names given and
// nothing else, and the means to make a child process use it. glibc's resolver takes name
// servers from /etc/resolv.conf on port 53 only, so the child runs in a private mount namespace
// (unshare -m, as root) with a resolv.conf of its own bind-mounted over the system's; dnsmasq
// listens on port 53 of a 127.53.x.y address of its own, so tests running at once do not meet.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test/support/process.hpp"

namespace testsupport {

class DnsServer {
public:
    // `names`: name -> IPv4 address. Writes <dir>/resolv.conf and <dir>/dnsmasq.log; starts
    // nothing when unavailable() says why not.
    DnsServer(const std::filesystem::path& dir, const std::map<std::string, std::string>& names);
    ~DnsServer();  // stops dnsmasq by its PID
    DnsServer(const DnsServer&) = delete;
    DnsServer& operator=(const DnsServer&) = delete;

    // Empty when running; else why this machine cannot (not root, no dnsmasq, no unshare).
    const std::string& unavailable() const { return unavailable_; }
    const std::string& address() const { return address_; }
    // What dnsmasq logged, the queries it answered included.
    std::string log() const;
    // An argv prefix that runs a program with this server as its only name server.
    std::vector<std::string> wrap() const;

private:
    std::filesystem::path resolv_conf_;
    std::filesystem::path log_file_;
    std::string address_;
    std::string unavailable_;
    std::unique_ptr<Process> dnsmasq_;
};

}  // namespace testsupport

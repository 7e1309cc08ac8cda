// The broker name's diagnosis (bridge/mqtt/host_check): what it says for each kind of name and
// build, and that names which resolve give nothing to say. The daemon end to end, with a DNS
// server: daemon_broker_name_test.cpp.
#include <netdb.h>

#include <doctest/doctest.h>

#include "bridge/mqtt/host_check.hpp"

namespace {

using namespace std::chrono_literals;
using bridge::host::explain;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("host check: .local names are told apart by their last label") {
    CHECK(bridge::host::is_mdns_name("homeassistant.local"));
    CHECK(bridge::host::is_mdns_name("HomeAssistant.LOCAL."));
    CHECK_FALSE(bridge::host::is_mdns_name("local"));
    CHECK_FALSE(bridge::host::is_mdns_name("broker.localdomain"));
    CHECK_FALSE(bridge::host::is_mdns_name("mylocal"));
    CHECK_FALSE(bridge::host::is_mdns_name("192.168.1.10"));
}

TEST_CASE("host check: a .local name gets the mDNS advice, and a static build says it cannot use mDNS") {
    const std::string dynamic = explain("homeassistant.local", EAI_NONAME, false);
    CHECK(contains(dynamic, "the broker's name 'homeassistant.local' (mqtt.host) does not resolve (Name or service not known)"));
    CHECK(contains(dynamic, "install avahi-daemon and libnss-mdns"));
    CHECK(contains(dynamic, "use the broker's IP address or add the name to /etc/hosts"));

    const std::string fixed = explain("homeassistant.local", EAI_NONAME, true);
    CHECK(contains(fixed, "statically linked and cannot use mDNS (.local names) at all: use the broker's IP address or add "
                          "the name to /etc/hosts"));
    CHECK_FALSE(contains(fixed, "avahi"));
}

TEST_CASE("host check: other names point at the spelling and the DNS server") {
    const std::string line = explain("broker.example", EAI_AGAIN, true);
    CHECK(contains(line, "'broker.example' (mqtt.host) does not resolve (Temporary failure in name resolution)"));
    CHECK(contains(line, "check the name and the DNS server in /etc/resolv.conf"));
    CHECK_FALSE(contains(line, "mDNS"));
    CHECK(contains(explain("broker.example", 0, false), "did not resolve in time"));
}

TEST_CASE("host check: an address and a name from /etc/hosts resolve, so there is nothing to say") {
    CHECK(bridge::host::diagnose("127.0.0.1", 5s, nullptr).empty());
    CHECK(bridge::host::diagnose("localhost", 5s, nullptr).empty());
}

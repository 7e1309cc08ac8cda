#include "bridge/mqtt/host_check.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace bridge::host {

namespace {

#ifdef DLMS2MQTT_STATIC
constexpr bool kStaticBuild = true;
#else
constexpr bool kStaticBuild = false;
#endif

const std::string kOtherWays = "use the broker's IP address or add the name to /etc/hosts";

// One lookup, shared by the thread that does it and the one waiting for it (which may give up).
struct Lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int result = 0;
};

}  // namespace

bool is_mdns_name(const std::string& host) {
    std::string h(host);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (h.ends_with('.')) h.pop_back();
    return h.ends_with(".local");
}

std::string explain(const std::string& host, int gai_error, bool static_build) {
    std::string line = "the broker's name '" + host + "' (mqtt.host) ";
    line += gai_error == 0 ? "did not resolve in time" : std::string("does not resolve (") + ::gai_strerror(gai_error) + ")";
    if (is_mdns_name(host) && static_build)
        return line + "; this dlms2mqtt is statically linked and cannot use mDNS (.local names) at all: " + kOtherWays;
    if (is_mdns_name(host))
        return line + "; a .local name is resolved by mDNS, which needs the system's resolver: install avahi-daemon and "
                      "libnss-mdns (mdns4_minimal on the hosts line of /etc/nsswitch.conf), or " + kOtherWays;
    return line + "; check the name and the DNS server in /etc/resolv.conf, or " + kOtherWays;
}

std::string diagnose(const std::string& host, std::chrono::milliseconds timeout, const std::function<bool()>& cancelled) {
    auto lookup = std::make_shared<Lookup>();
    // getaddrinfo cannot be cancelled: the thread owns its share of the lookup and ends whenever
    // the resolver answers, long after this function may have returned.
    std::thread([lookup, host] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
        if (found) ::freeaddrinfo(found);
        std::lock_guard lock(lookup->mutex);
        lookup->done = true;
        lookup->result = rc;
        lookup->done_cv.notify_all();
    }).detach();

    const auto until = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(lookup->mutex);
    while (!lookup->done) {
        if (cancelled && cancelled()) return "";
        const auto now = std::chrono::steady_clock::now();
        if (now >= until) return explain(host, 0, kStaticBuild);
        lookup->done_cv.wait_until(lock, std::min(until, now + std::chrono::milliseconds(100)));
    }
    return lookup->result == 0 ? "" : explain(host, lookup->result, kStaticBuild);
}

}  // namespace bridge::host

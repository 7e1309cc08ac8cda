// Why the broker's name does not resolve, in words a user can act on. Paho C resolves mqtt.host
// with getaddrinfo and reports a failure as the same connect failure code (-1) as a refused
// connection, so after a failed connect the name is resolved once more here to tell them apart.
//
// Names resolve as the system resolves them (NSS: /etc/hosts, DNS, and mDNS for `.local` names
// where nss-mdns is installed, as on Raspberry Pi OS). A statically linked glibc program cannot
// load NSS plugins, so a static build (DLMS2MQTT_STATIC) never resolves `.local` names; the
// message then says to use the broker's IP address or /etc/hosts instead.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace bridge::host {

// True for a name mDNS resolves: one ending in ".local" (or ".local.").
bool is_mdns_name(const std::string& host);

// The cause and the fix for a name getaddrinfo failed to resolve with `gai_error` (EAI_*;
// 0 = no answer in time): "the broker's name 'x' (mqtt.host) does not resolve (...); ...".
// `static_build` chooses the advice for `.local` names.
std::string explain(const std::string& host, int gai_error, bool static_build);

// Resolves `host` as Paho does. Empty when it resolves, or when `cancelled()` turned true
// (polled every 100 ms); otherwise explain()'s line for this build. Never takes longer than
// `timeout`: a resolver that hangs is left to finish on a thread of its own.
std::string diagnose(const std::string& host, std::chrono::milliseconds timeout, const std::function<bool()>& cancelled);

}  // namespace bridge::host

// TLS checks done with OpenSSL directly, because Paho C reports every TLS failure as the same
// connect failure code (-1): a CA file read as OpenSSL will read it at start-up, and a one-off
// diagnostic handshake after a failed TLS connect that names the cause (another CA, a host name
// the certificate does not hold, a plain-text port) and its fix.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace bridge::tls {

// Empty when `path` holds at least one PEM certificate; otherwise one line naming
// mqtt.tls.ca_file, what is wrong and the fix (a DER file gets the openssl command converting it).
std::string check_ca_file(const std::string& path);

struct Target {
    std::string host;     // as in mqtt.host: a name or an address
    int port = 8883;
    std::string ca_file;  // empty: the system's trust store
    bool insecure = false;  // certificates not checked: only the handshake itself can fail
};

// Connects to the target and shakes hands with the checks Paho makes (chain to the CA, host name
// or address). Returns the cause, for a log line: "server certificate not signed by the CA in
// mqtt.tls.ca_file (...); ...". Empty when the TCP connection itself fails (not a TLS problem),
// when everything checks out, or when `cancelled()` turned true (polled every 100 ms). Never
// takes longer than `timeout`.
std::string diagnose(const Target& target, std::chrono::milliseconds timeout, const std::function<bool()>& cancelled);

}  // namespace bridge::tls

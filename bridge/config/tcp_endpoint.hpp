// A network serial server's address as written in serial.port: "tcp://HOST:PORT". Parsed where
// the config is checked and where the line is opened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridge {

// "tcp://HOST:PORT" (HOST a name, an IPv4 address or [IPv6]).
struct TcpEndpoint {
    std::string host;
    std::uint16_t port = 0;
};
inline bool is_network_port(std::string_view port) { return port.starts_with("tcp://"); }
// nullopt, with `error` saying what is wrong, when `port` is tcp:// but not a usable endpoint.
std::optional<TcpEndpoint> parse_tcp_endpoint(std::string_view port, std::string& error);

}  // namespace bridge

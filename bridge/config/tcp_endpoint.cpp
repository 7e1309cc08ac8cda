#include "bridge/config/tcp_endpoint.hpp"

#include <charconv>

namespace bridge {

std::optional<TcpEndpoint> parse_tcp_endpoint(std::string_view port, std::string& error) {
    constexpr std::string_view scheme = "tcp://";
    if (!port.starts_with(scheme)) {
        error = "does not start with tcp://";
        return std::nullopt;
    }
    std::string_view rest = port.substr(scheme.size());
    TcpEndpoint out;
    std::size_t colon;
    if (rest.starts_with("[")) {  // [IPv6]:port
        const auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            error = "has an IPv6 address not in brackets before the port (tcp://[fd00::2]:2000)";
            return std::nullopt;
        }
        out.host = std::string(rest.substr(1, close - 1));
        colon = close + 1;
    } else {
        colon = rest.rfind(':');
        if (colon == std::string_view::npos) {
            error = "has no port";
            return std::nullopt;
        }
        out.host = std::string(rest.substr(0, colon));
    }
    const std::string_view digits = rest.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (out.host.empty() || out.host.find_first_of(" /\t") != std::string::npos) {
        error = "has no host name or address";
        return std::nullopt;
    }
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
        error = "has a port that is not a number from 1 to 65535";
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

}  // namespace bridge

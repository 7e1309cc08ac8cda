// UDP output, one datagram per push, for the Home Assistant scripts written against the old
// Python reader (they listen for a broadcast on port 3434).
//
//   json:   {"version":1,"meter":"<serial>", ...the MQTT state object...}
//   legacy: the old meter.py line, byte for byte:
//     HH:MM:SS,<import today Wh>,<Wh today from power>,<P14 W>,<L1 W>,<L2 W>,<L3 W>\r\n,METER,<A14 Wh>,SWversion,<version>
//     index 3 (split on ',') is the import power now. Integers only (rounded). Missing phases are 0.
//     Both "today" fields are the ledger's import since local midnight by the meter's clock
//     (registers where read, the power estimate since): 0 when the ledger is off.
//
// The socket is non-blocking and never fails a push: a send error (network down, no route) is
// counted and logged rate-limited.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <netinet/in.h>

#include "bridge/config/choices.hpp"
#include "bridge/config/config.hpp"
#include "bridge/outputs/local_time.hpp"
#include "bridge/outputs/output_log.hpp"
#include "bridge/outputs/output.hpp"

namespace bridge {

struct UdpOptions {
    using Format = UdpFormat;
    std::string address = Config::Udp{}.address;  // IPv4 address (broadcast, unicast or multicast)
    std::uint16_t port = static_cast<std::uint16_t>(Config::Udp{}.port);
    Format format = Config::Udp{}.format;
    std::string version;  // the bridge version, sent in the legacy line
};

class UdpSink final : public Output {
public:
    struct Counters {
        std::uint64_t sent = 0;
        std::uint64_t send_errors = 0;
    };

    // Throws std::runtime_error with a one-line message naming the setting when the address is
    // not an IPv4 address or no socket can be opened (a startup error).
    explicit UdpSink(UdpOptions options, WarnFn warn = {});
    ~UdpSink() override;
    UdpSink(const UdpSink&) = delete;
    UdpSink& operator=(const UdpSink&) = delete;

    void push(const RecordPtr& record) override;

    Counters counters() const { return {sent_.load(), send_errors_.load()}; }

private:
    std::string payload(const Record& record);
    std::string json_payload(const Record& record) const;
    std::string legacy_payload(const Record& record);

    UdpOptions options_;
    std::map<std::string, double, std::less<>> last_register_;    // import register (Wh) by serial
    RateLimitedWarning warn_;
    int fd_ = -1;
    sockaddr_in target_{};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> send_errors_{0};
};

}  // namespace bridge

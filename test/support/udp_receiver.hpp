// A UDP socket bound to a free port on 127.0.0.1, for the tests of what dlms2mqtt sends by UDP.
#pragma once

#include <cstdint>
#include <string>

namespace testsupport {

class UdpReceiver {
public:
    UdpReceiver();   // binds 127.0.0.1 on a free port; throws std::runtime_error
    ~UdpReceiver();
    UdpReceiver(const UdpReceiver&) = delete;
    UdpReceiver& operator=(const UdpReceiver&) = delete;

    std::uint16_t port() const { return port_; }
    // The next datagram; empty after 10 s without one.
    std::string receive();
    // True when no datagram is waiting now.
    bool nothing_pending();

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace testsupport

#include "test/support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace testsupport {

bool NotifySocket::Datagram::has_line(const std::string& line) const {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

NotifySocket::NotifySocket(std::string address) : address_(std::move(address)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (address_.size() < 2 || address_.size() >= sizeof addr.sun_path)
        throw std::runtime_error("NotifySocket: bad address " + address_);
    std::memcpy(addr.sun_path, address_.data(), address_.size());
    if (address_[0] == '@') addr.sun_path[0] = '\0';
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
        const std::string why = std::strerror(errno);
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error("NotifySocket: cannot bind " + address_ + ": " + why);
    }
}

NotifySocket::~NotifySocket() {
    ::close(fd_);
    if (address_[0] == '/') ::unlink(address_.c_str());
}

bool NotifySocket::read_one(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    std::array<char, 4096> buffer{};
    const auto n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) return false;
    received_.push_back({std::string(buffer.data(), static_cast<std::size_t>(n)), Clock::now()});
    return true;
}

const NotifySocket::Received& NotifySocket::received() {
    while (read_one(0)) {
    }
    return received_;
}

bool NotifySocket::wait_for(const std::function<bool(const Received&)>& done, std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (!done(received())) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0) return false;
        read_one(static_cast<int>(std::min<long long>(left, 100)));
    }
    return true;
}

std::size_t NotifySocket::count(const std::string& line) {
    const auto& all = received();
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const Datagram& d) { return d.has_line(line); }));
}

}  // namespace testsupport

#include "test/support/tcp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace testsupport {

TcpServer::TcpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("TcpServer: socket failed");
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(listener_);
        throw std::runtime_error("TcpServer: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
}

TcpServer::~TcpServer() {
    drop();
    ::close(listener_);
}

bool TcpServer::accept(std::chrono::milliseconds timeout) {
    drop();
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    client_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_ >= 0) ++accepted_;
    return client_ >= 0;
}

bool TcpServer::write(std::span<const std::uint8_t> bytes) {
    std::size_t done = 0;
    while (client_ >= 0 && done < bytes.size()) {
        const ssize_t n = ::send(client_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return client_ >= 0;
}

void TcpServer::drop() {
    if (client_ >= 0) ::close(client_);
    client_ = -1;
}

bool TcpServer::client_closed(std::chrono::milliseconds timeout) {
    if (client_ < 0) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{client_, POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) {
            std::uint8_t byte;
            const ssize_t n = ::recv(client_, &byte, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
        }
    }
    return false;
}

}  // namespace testsupport

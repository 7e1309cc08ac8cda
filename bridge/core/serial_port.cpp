#include "bridge/core/serial_port.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "bridge/config/choices.hpp"

namespace bridge {

namespace {
// Every rate of kBaudRates (config/choices.hpp); 0 for any other.
constexpr speed_t speed_of(int baud) {
    switch (baud) {
        case 300: return B300;
        case 600: return B600;
        case 1200: return B1200;
        case 2400: return B2400;
        case 4800: return B4800;
        case 9600: return B9600;
        case 19200: return B19200;
        case 38400: return B38400;
        case 57600: return B57600;
        case 115200: return B115200;
        default: return 0;
    }
}
static_assert(std::ranges::none_of(kBaudRates, [](int baud) { return speed_of(baud) == 0; }),
              "a rate that config accepts has no termios speed");
}  // namespace

std::string describe(const SerialSettings& s) {
    return std::to_string(s.baud) + " " + std::to_string(s.data_bits) + static_cast<char>(s.parity) + std::to_string(s.stop_bits);
}

FdReader::~FdReader() { close(); }

void FdReader::close() {
    if (fd_ >= 0 && owns_) ::close(fd_);
    fd_ = -1;
}

std::string FdReader::open_serial(const std::string& path, const SerialSettings& s) {
    close();
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return path + ": " + std::strerror(errno);
    termios tio{};
    if (tcgetattr(fd, &tio) != 0) {
        const std::string e = path + ": not a serial device (" + std::strerror(errno) + ")";
        ::close(fd);
        return e;
    }
    cfmakeraw(&tio);
    const speed_t speed = speed_of(s.baud);
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag |= s.data_bits == 7 ? CS7 : CS8;
    if (s.parity == Parity::even) tio.c_cflag |= PARENB;
    if (s.parity == Parity::odd) tio.c_cflag |= PARENB | PARODD;
    if (s.stop_bits == 2) tio.c_cflag |= CSTOPB;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        const std::string e = path + ": cannot set " + describe(s) + " (" + std::strerror(errno) + ")";
        ::close(fd);
        return e;
    }
    fd_ = fd;
    owns_ = true;
    return "";
}

std::string FdReader::open_line(const std::string& port, const SerialSettings& settings) {
    if (!is_network_port(port)) return open_serial(port, settings);
    std::string error;
    const auto endpoint = parse_tcp_endpoint(port, error);
    if (!endpoint) return port + ": " + error;
    return open_tcp(endpoint->host, endpoint->port, std::chrono::seconds(5));
}

namespace {
struct AddrInfoFree {
    void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// Connects without blocking for longer than `timeout`; the socket is left non-blocking.
int connect_within(const addrinfo& a, std::chrono::milliseconds timeout, std::string& error) {
    const int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    if (::connect(fd, a.ai_addr, a.ai_addrlen) == 0) return fd;
    if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (ready > 0 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) return fd;
        error = ready == 0 ? "no answer within " + std::to_string(timeout.count() / 1000) + " s" : std::strerror(so_error ? so_error : errno);
    } else {
        error = std::strerror(errno);
    }
    ::close(fd);
    return -1;
}
}  // namespace

std::string FdReader::open_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
    close();
    const std::string name = "tcp://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
        return name + ": cannot resolve " + host + " (" + gai_strerror(rc) + ")";
    std::unique_ptr<addrinfo, AddrInfoFree> list(found);
    std::string error = "no address";
    for (const addrinfo* a = found; a; a = a->ai_next) {
        const int fd = connect_within(*a, timeout, error);
        if (fd < 0) continue;
        // A serial server that loses power leaves a half-open connection: keepalive notices it
        // within about a minute even if the idle check upstream does not fire first.
        const int on = 1, idle = 30, interval = 10, count = 3;
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
        fd_ = fd;
        owns_ = true;
        return "";
    }
    return name + ": " + error;
}

std::string FdReader::open_file(const std::string& path) {
    close();
    if (path == "-") {
        fd_ = STDIN_FILENO;
        owns_ = false;
        return "";
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return path + ": " + std::strerror(errno);
    fd_ = fd;
    owns_ = true;
    return "";
}

ReadResult FdReader::read(std::span<std::uint8_t> buffer, int timeout_ms, int wake_fd) {
    ReadResult r;
    if (fd_ < 0) {
        r.kind = ReadResult::Kind::closed;
        return r;
    }
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const int ready = ::poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0) {
        if (errno == EINTR) return r;
        r.kind = ReadResult::Kind::closed;
        r.error = std::strerror(errno);
        return r;
    }
    if (ready == 0 || p[0].revents == 0) return r;
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n > 0) {
        r.kind = ReadResult::Kind::data;
        r.size = static_cast<std::size_t>(n);
        return r;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return r;
    // 0 bytes after poll said readable: end of file, a pty whose other side went away, or a
    // TCP peer that closed; EIO: a USB adapter unplugged; ECONNRESET: a serial server restarted.
    r.kind = ReadResult::Kind::closed;
    if (n < 0) r.error = std::strerror(errno);
    return r;
}

}  // namespace bridge

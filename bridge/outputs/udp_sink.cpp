#include "bridge/outputs/udp_sink.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace bridge {

namespace {

std::string integer(double v) { return std::to_string(std::llround(v)); }

}  // namespace

UdpSink::UdpSink(UdpOptions options, WarnFn warn) : options_(std::move(options)), warn_(std::move(warn)) {
    target_.sin_family = AF_INET;
    target_.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.address.c_str(), &target_.sin_addr) != 1)
        throw std::runtime_error("udp.address: '" + options_.address +
                                 "' is not an IPv4 address; use e.g. 255.255.255.255 or 192.168.1.255");
    if (options_.port == 0) throw std::runtime_error("udp.port: 0 is not a port; use e.g. 3434");
    // Non-blocking: a full socket buffer drops the datagram instead of stalling the worker.
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("udp: cannot open a socket: ") + std::strerror(errno));
    const int on = 1;
    if (::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
        const int err = errno;
        ::close(fd_);
        throw std::runtime_error(std::string("udp: cannot enable broadcast: ") + std::strerror(err));
    }
}

UdpSink::~UdpSink() {
    if (fd_ >= 0) ::close(fd_);
}

void UdpSink::push(const RecordPtr& record) {
    std::string datagram;
    try {
        datagram = payload(*record);
    } catch (const std::exception& e) {
        ++send_errors_;
        warn_(std::string("udp: cannot format the push: ") + e.what());
        return;
    }
    const ssize_t n = ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&target_), sizeof target_);
    if (n == static_cast<ssize_t>(datagram.size())) {
        ++sent_;
        return;
    }
    ++send_errors_;
    const std::string why = n < 0 ? std::strerror(errno) : "datagram truncated";
    warn_("udp: cannot send to " + options_.address + ":" + std::to_string(options_.port) + ": " + why);
}

std::string UdpSink::payload(const Record& record) {
    return options_.format == UdpOptions::Format::legacy ? legacy_payload(record) : json_payload(record);
}

std::string UdpSink::json_payload(const Record& record) const {
    // A meter clock without an offset goes out as the meter sent it: no offset is guessed.
    nlohmann::json state = record.state_as_sent();
    state["version"] = 1;
    state["meter"] = record.serial();
    // Text from the meter is not guaranteed UTF-8: replace bad bytes rather than throw.
    return state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string UdpSink::legacy_payload(const Record& record) {
    const std::string& meter = record.serial();
    const auto when = record.received();

    double register_wh = 0;
    if (auto reg = record.number("energy_import")) {
        register_wh = *reg;
        last_register_[meter] = *reg;
    } else if (auto it = last_register_.find(meter); it != last_register_.end()) {
        register_wh = it->second;
    }
    // The old script's two "today" figures (from the register, from the power) are one now: the
    // ledger's, which is both.
    const double today_wh = record.totals() ? record.totals()->import_today : 0;
    const auto power = record.number("power_import");

    std::string line = local_hms(when);
    line += ',' + integer(today_wh);
    line += ',' + integer(today_wh);
    line += ',' + integer(power.value_or(0));
    for (auto key : {"power_import_l1", "power_import_l2", "power_import_l3"})
        line += ',' + integer(record.number(key).value_or(0));
    line += "\r\n,METER," + integer(register_wh) + ",SWversion," + options_.version;
    return line;
}

}  // namespace bridge

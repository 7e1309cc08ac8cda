#include "bridge/mqtt/tls_check.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace bridge::tls {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSlice = std::chrono::milliseconds(100);

struct Free {
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    void operator()(SSL* p) const { SSL_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(STACK_OF(X509_INFO) * p) const { sk_X509_INFO_pop_free(p, X509_INFO_free); }
    void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
    void operator()(addrinfo* p) const { freeaddrinfo(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

class Socket {
public:
    Socket() = default;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_ = -1;
};

// Waits in short slices so that a stop request or the deadline ends the wait; false then.
bool wait_fd(int fd, short events, Clock::time_point deadline, const std::function<bool()>& cancelled) {
    while (true) {
        if (cancelled() || Clock::now() >= deadline) return false;
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, static_cast<int>(kSlice.count()));
        if (r > 0) return true;
        if (r < 0 && errno != EINTR) return false;
    }
}

// A non-blocking TCP connection to the first address that answers; -1 when none does.
int connect_tcp(const Target& t, Clock::time_point deadline, const std::function<bool()>& cancelled) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(t.host.c_str(), std::to_string(t.port).c_str(), &hints, &found) != 0) return -1;
    Owned<addrinfo> list(found);
    for (const addrinfo* a = found; a; a = a->ai_next) {
        Socket s;
        s.reset(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (s.fd() < 0) continue;
        if (::connect(s.fd(), a->ai_addr, a->ai_addrlen) != 0) {
            if (errno != EINPROGRESS || !wait_fd(s.fd(), POLLOUT, deadline, cancelled)) continue;
            int error = 0;
            socklen_t len = sizeof error;
            if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) continue;
        }
        return s.release();
    }
    return -1;
}

bool is_address(const std::string& host) {
    in6_addr buf{};
    return ::inet_pton(AF_INET, host.c_str(), &buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

// Keeps every verification problem and lets the handshake go on, so all of them can be named.
int record_problem(int ok, X509_STORE_CTX* ctx) {
    if (!ok) {
        auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
        auto* problems = static_cast<std::vector<int>*>(SSL_get_app_data(ssl));
        if (problems) problems->push_back(X509_STORE_CTX_get_error(ctx));
    }
    return 1;
}

std::string names_in(X509* cert) {
    std::vector<std::string> names;
    Owned<GENERAL_NAMES> alt(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; alt && i < sk_GENERAL_NAME_num(alt.get()); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(alt.get(), i);
        if (n->type == GEN_DNS) {
            const ASN1_STRING* s = n->d.dNSName;
            names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
        } else if (n->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* s = n->d.iPAddress;
            char text[INET6_ADDRSTRLEN] = {};
            const int family = ASN1_STRING_length(s) == 16 ? AF_INET6 : AF_INET;
            if (::inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text)) names.emplace_back(text);
        }
    }
    if (names.empty()) {  // no alternative names: the common name is all there is
        char cn[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) names.emplace_back(cn);
    }
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

std::string issuer_of(X509* cert) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, cn, sizeof cn) > 0) return cn;
    char line[512] = {};
    X509_NAME_oneline(X509_get_issuer_name(cert), line, sizeof line);
    return line;
}

std::string asn1_time(const ASN1_TIME* t) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return "?";
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

bool is_chain_problem(int e) {
    switch (e) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_CERT_UNTRUSTED:
            return true;
        default:
            return false;
    }
}

// One phrase per problem, each with its fix; the chain first, as it is the one to fix first.
std::string name_problems(const Target& t, std::vector<int> problems, X509* cert) {
    std::vector<std::string> out;
    if (std::any_of(problems.begin(), problems.end(), is_chain_problem)) {
        const std::string issuer = cert ? " but by '" + issuer_of(cert) + "'" : "";
        out.push_back((t.ca_file.empty() ? "server certificate not signed by a CA this system trusts"
                                         : "server certificate not signed by the CA in mqtt.tls.ca_file (" + t.ca_file + ")") +
                      issuer + "; set mqtt.tls.ca_file to the certificate of the CA that signed it");
    }
    for (int e : {X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH}) {
        if (std::find(problems.begin(), problems.end(), e) == problems.end()) continue;
        out.push_back("host name '" + t.host + "' does not match the certificate (names: " + (cert ? names_in(cert) : "?") +
                      "); set mqtt.host to one of them");
        break;
    }
    if (cert && std::find(problems.begin(), problems.end(), X509_V_ERR_CERT_HAS_EXPIRED) != problems.end())
        out.push_back("the broker's certificate expired on " + asn1_time(X509_get0_notAfter(cert)) + "; renew it on the broker");
    if (cert && std::find(problems.begin(), problems.end(), X509_V_ERR_CERT_NOT_YET_VALID) != problems.end())
        out.push_back("the broker's certificate is valid only from " + asn1_time(X509_get0_notBefore(cert)) +
                      "; check this machine's clock");
    if (out.empty() && !problems.empty())
        out.push_back(std::string("the broker's certificate was refused: ") + X509_verify_cert_error_string(problems.front()));
    std::string line;
    for (const auto& o : out) line += (line.empty() ? "" : "; and ") + o;
    return line;
}

std::string openssl_error() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    const char* reason = e ? ERR_reason_error_string(e) : nullptr;
    return reason ? reason : "the broker closed the connection";
}

}  // namespace

std::string check_ca_file(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return "mqtt.tls.ca_file: cannot read '" + path + "'; give a readable PEM file";
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int certificates = 0;
    Owned<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(std::min<std::size_t>(text.size(), 1 << 30))));
    Owned<STACK_OF(X509_INFO)> infos(bio ? PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    for (int i = 0; infos && i < sk_X509_INFO_num(infos.get()); ++i) certificates += sk_X509_INFO_value(infos.get(), i)->x509 != nullptr;
    ERR_clear_error();
    if (certificates > 0) return {};
    if (!text.empty() && static_cast<unsigned char>(text[0]) == 0x30) {  // an ASN.1 SEQUENCE: DER
        return "mqtt.tls.ca_file: " + path + " is not PEM (it is binary, DER); convert it with 'openssl x509 -inform DER -in " +
               path + " -out ca.pem' and set mqtt.tls.ca_file to ca.pem";
    }
    if (text.find("-----BEGIN") != std::string::npos) {
        return "mqtt.tls.ca_file: " + path + " holds no readable certificate (a key, or a damaged block?); give the CA's " +
               "certificate, the block starting with -----BEGIN CERTIFICATE-----";
    }
    return "mqtt.tls.ca_file: " + path + " is not PEM (no -----BEGIN CERTIFICATE----- block); give the CA's certificate in " +
           "PEM form";
}

std::string diagnose(const Target& t, std::chrono::milliseconds timeout, const std::function<bool()>& cancelled) {
    const auto deadline = Clock::now() + timeout;
    Socket socket;
    socket.reset(connect_tcp(t, deadline, cancelled));
    if (socket.fd() < 0) return {};  // not TLS's fault: Paho's own message says it

    ERR_clear_error();
    Owned<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return {};
    const int loaded = t.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                         : SSL_CTX_load_verify_locations(ctx.get(), t.ca_file.c_str(), nullptr);
    if (loaded != 1) return check_ca_file(t.ca_file);
    Owned<SSL> ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), socket.fd()) != 1) return {};
    std::vector<int> problems;
    if (!t.insecure) {
        if (is_address(t.host)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), t.host.c_str());
        } else {
            SSL_set1_host(ssl.get(), t.host.c_str());
            SSL_set_tlsext_host_name(ssl.get(), t.host.c_str());
        }
        SSL_set_app_data(ssl.get(), &problems);
        SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, record_problem);
    }
    while (true) {
        const int r = SSL_connect(ssl.get());
        if (r == 1) break;
        const int e = SSL_get_error(ssl.get(), r);
        const bool want_read = e == SSL_ERROR_WANT_READ;
        if (!want_read && e != SSL_ERROR_WANT_WRITE) {
            return "TLS handshake with " + t.host + ":" + std::to_string(t.port) + " failed (" + openssl_error() +
                   "); check that mqtt.port is the broker's TLS listener (usually 8883)";
        }
        if (!wait_fd(socket.fd(), want_read ? POLLIN : POLLOUT, deadline, cancelled)) return {};  // no answer in time
    }
    Owned<X509> cert(SSL_get1_peer_certificate(ssl.get()));
    const std::string named = name_problems(t, problems, cert.get());
    SSL_shutdown(ssl.get());
    return named;
}

}  // namespace bridge::tls

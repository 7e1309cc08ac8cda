#include "bridge/http/access_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace bridge {
namespace {

constexpr std::string_view kCookieName = "dlms2mqtt_token";
constexpr std::string_view kBearer = "Bearer ";
constexpr char kHex[] = "0123456789abcdef";

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text) {
    Digest out{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 || size != out.size())
        out.fill(0);  // compared with a real digest, it never matches: the request is refused
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// The value of our cookie in a Cookie header ("a=1; dlms2mqtt_token=...; b=2").
std::string_view cookie_value(std::string_view cookies) {
    while (!cookies.empty()) {
        const auto end = cookies.find(';');
        std::string_view one = cookies.substr(0, end);
        while (one.starts_with(' ')) one.remove_prefix(1);
        if (one.starts_with(kCookieName) && one.size() > kCookieName.size() && one[kCookieName.size()] == '=')
            return one.substr(kCookieName.size() + 1);
        if (end == std::string_view::npos) break;
        cookies.remove_prefix(end + 1);
    }
    return {};
}

}  // namespace

AccessToken::AccessToken(std::string_view token) : required_(!token.empty()) {
    if (required_) digest_ = sha256(token);
}

AccessToken::~AccessToken() { OPENSSL_cleanse(digest_.data(), digest_.size()); }

bool AccessToken::same_digest(const Digest& digest) const {
    return CRYPTO_memcmp(digest.data(), digest_.data(), digest_.size()) == 0;
}

bool AccessToken::allows(const PresentedToken& request) const {
    if (!required_) return true;
    if (request.authorization.starts_with(kBearer) && request.authorization.size() > kBearer.size())
        return same_digest(sha256(request.authorization.substr(kBearer.size())));
    if (const auto hex = cookie_value(request.cookie); hex.size() == 2 * digest_.size()) {
        Digest digest{};
        for (std::size_t i = 0; i < digest.size(); ++i) {
            const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) return false;
            digest[i] = static_cast<unsigned char>(hi * 16 + lo);
        }
        return same_digest(digest);
    }
    return !request.query.empty() && same_digest(sha256(request.query));
}

std::string AccessToken::cookie() const {
    std::string out(kCookieName);
    out += '=';
    for (unsigned char b : digest_) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out + "; HttpOnly; SameSite=Strict; Path=/";
}

}  // namespace bridge

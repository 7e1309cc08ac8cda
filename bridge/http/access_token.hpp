// The token `http.token` asks of every request, compared in constant time: both sides are hashed
// first, so neither the token's content nor its length leaks through timing.
//
// A request presents it as "Authorization: Bearer <token>" (Prometheus' credentials), as
// "?token=<token>" (a link to the page), or in the cookie the page's first request gets, which
// holds the token's SHA-256, never the token.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace bridge {

struct PresentedToken {
    std::string_view authorization;  // the Authorization header's value
    std::string_view cookie;         // the Cookie header's value
    std::string_view query;          // the token query parameter
};

class AccessToken {
public:
    // An empty token lets every request in.
    explicit AccessToken(std::string_view token);
    ~AccessToken();
    AccessToken(const AccessToken&) = delete;
    AccessToken& operator=(const AccessToken&) = delete;

    bool required() const { return required_; }
    bool allows(const PresentedToken& request) const;
    // "dlms2mqtt_token=<hex>; HttpOnly; SameSite=Strict; Path=/", for Set-Cookie.
    std::string cookie() const;

private:
    bool same_digest(const std::array<unsigned char, 32>& digest) const;

    bool required_ = false;
    std::array<unsigned char, 32> digest_{};
};

}  // namespace bridge

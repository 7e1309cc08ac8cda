// AES-128 keys as two distinct types, so an encryption key can never be passed where the
// authentication key belongs. Key bytes are wiped on destruction and never printed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dlms {

namespace detail {
template <typename Tag>
class Key128 {
public:
    Key128() = default;
    explicit Key128(const std::array<std::uint8_t, 16>& b) : bytes_(b) {}
    Key128(const Key128&) = default;
    Key128& operator=(const Key128&) = default;
    ~Key128() { wipe(); }
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    friend bool operator==(const Key128& a, const Key128& b) { return a.bytes_ == b.bytes_; }

private:
    void wipe() {
        volatile std::uint8_t* p = bytes_.data();
        for (std::size_t i = 0; i < bytes_.size(); ++i) p[i] = 0;
    }
    std::array<std::uint8_t, 16> bytes_{};
};
struct EncryptionTag {};
struct AuthenticationTag {};
}  // namespace detail

using EncryptionKey = detail::Key128<detail::EncryptionTag>;          // GPK60, "key 64", EK
using AuthenticationKey = detail::Key128<detail::AuthenticationTag>;  // GPK61, "key 65", AK

// Parses a key as people paste it: any case, with or without "0x", spaces, dashes or colons.
// On failure `error` says what is wrong without repeating the key.
std::optional<std::array<std::uint8_t, 16>> parse_key(std::string_view text, std::string& error);

struct KeyPair {
    std::optional<EncryptionKey> encryption;
    std::optional<AuthenticationKey> authentication;
};

}  // namespace dlms

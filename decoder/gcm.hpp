// AES-128-GCM as DLMS uses it (IEC 62056-5-3 security suite 0), through OpenSSL EVP.
//   nonce (12)  = system title (8) ‖ invocation counter (4)
//   AAD         = security control byte ‖ authentication key (for authenticated pushes)
//   tag         = 12 bytes after the ciphertext
// One EVP context per key, made once and reused for every push.
#pragma once

#include <cstdint>
#include <memory>

#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"
#include "decoder/result.hpp"

namespace dlms {

class GcmContext {
public:
    explicit GcmContext(const EncryptionKey& key);
    ~GcmContext();
    GcmContext(const GcmContext&) = delete;
    GcmContext& operator=(const GcmContext&) = delete;

    // Decrypts `ciphertext` into `out` (resized). With `ak`, the 12-byte `tag` is checked over
    // AAD = security byte ‖ ak; without it, the plaintext is produced unchecked.
    Status decrypt(ByteView nonce, std::uint8_t security, const AuthenticationKey* ak, ByteView ciphertext,
                   ByteView tag, Bytes& out);
    // Encrypts (for simulators and tests): returns ciphertext ‖ 12-byte tag when `ak` is given.
    Status encrypt(ByteView nonce, std::uint8_t security, const AuthenticationKey* ak, ByteView plaintext,
                   Bytes& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

inline constexpr std::size_t kGcmTagLength = 12;

}  // namespace dlms

// Which way round the two keys go. Utilities often mail key 64 (encryption) and key 65
// (authentication) swapped, so a push that fails with the keys as configured is tried with them
// swapped, and the way that worked is remembered for the next push. Decryption itself stays in
// GcmContext; this type only decides which key goes where.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "decoder/bytes.hpp"
#include "decoder/gcm.hpp"
#include "decoder/keys.hpp"

namespace dlms {

class KeySwap {
public:
    explicit KeySwap(const KeyPair& keys);

    enum class Outcome : std::uint8_t {
        failed,        // neither way round
        decrypted,     // nothing to warn about
        swapped_now,   // with the keys swapped, where the configured way was taken until now
    };

    bool has_encryption_key() const { return gcm_ != nullptr; }
    bool swapped() const { return swapped_; }

    // An authenticated push and an authentication key: the tag decides which way is right. Tries
    // the way last found to work first, then the other one, and turns back if that one works.
    Outcome decrypt_checked(ByteView nonce, std::uint8_t security, ByteView ciphertext, ByteView tag, Bytes& out);
    // No tag to check: `fits` (the plaintext reads as what a meter sends) decides. The keys as
    // configured come first; once found swapped they stay so.
    Outcome decrypt_unchecked(ByteView nonce, std::uint8_t security, ByteView ciphertext,
                              bool (*fits)(const Bytes&), Bytes& out);

private:
    std::unique_ptr<GcmContext> gcm_;          // the configured encryption key
    std::unique_ptr<GcmContext> gcm_swapped_;  // the configured authentication key used as encryption key
    std::optional<AuthenticationKey> ak_;
    std::optional<AuthenticationKey> ak_swapped_;
    bool swapped_ = false;
};

}  // namespace dlms

#include "decoder/key_swap.hpp"

namespace dlms {

KeySwap::KeySwap(const KeyPair& keys) : ak_(keys.authentication) {
    if (keys.encryption) gcm_ = std::make_unique<GcmContext>(*keys.encryption);
    if (keys.encryption && keys.authentication) {
        gcm_swapped_ = std::make_unique<GcmContext>(EncryptionKey(keys.authentication->bytes()));
        ak_swapped_ = AuthenticationKey(keys.encryption->bytes());
    }
}

KeySwap::Outcome KeySwap::decrypt_checked(ByteView nonce, std::uint8_t security, ByteView ciphertext, ByteView tag,
                                          Bytes& out) {
    if (!gcm_ || !ak_) return Outcome::failed;
    GcmContext* first = swapped_ ? gcm_swapped_.get() : gcm_.get();
    const AuthenticationKey* first_ak = swapped_ ? &*ak_swapped_ : &*ak_;
    if (first->decrypt(nonce, security, first_ak, ciphertext, tag, out).ok()) return Outcome::decrypted;
    GcmContext* second = swapped_ ? gcm_.get() : gcm_swapped_.get();
    const AuthenticationKey* second_ak = swapped_ ? &*ak_ : &*ak_swapped_;
    if (!second->decrypt(nonce, security, second_ak, ciphertext, tag, out).ok()) return Outcome::failed;
    swapped_ = !swapped_;
    return swapped_ ? Outcome::swapped_now : Outcome::decrypted;
}

KeySwap::Outcome KeySwap::decrypt_unchecked(ByteView nonce, std::uint8_t security, ByteView ciphertext,
                                            bool (*fits)(const Bytes&), Bytes& out) {
    if (!gcm_) return Outcome::failed;
    if (gcm_->decrypt(nonce, security, nullptr, ciphertext, {}, out).ok() && fits(out)) return Outcome::decrypted;
    if (!gcm_swapped_) return Outcome::failed;
    if (!gcm_swapped_->decrypt(nonce, security, nullptr, ciphertext, {}, out).ok() || !fits(out)) return Outcome::failed;
    if (swapped_) return Outcome::decrypted;
    swapped_ = true;
    return Outcome::swapped_now;
}

}  // namespace dlms

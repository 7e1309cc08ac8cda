#include "decoder/gcm.hpp"

#include <openssl/evp.h>

#include <array>

namespace dlms {

struct GcmContext::Impl {
    EVP_CIPHER_CTX* dec = nullptr;
    EVP_CIPHER_CTX* enc = nullptr;
    std::array<std::uint8_t, 16> key{};

    ~Impl() {
        EVP_CIPHER_CTX_free(dec);
        EVP_CIPHER_CTX_free(enc);
        OPENSSL_cleanse(key.data(), key.size());
    }
};

namespace {
// The key is set once; per message only the nonce changes (EVP keeps the expanded key).
// nullptr when OpenSSL cannot set it up: the decoder throws nothing, each message then fails.
EVP_CIPHER_CTX* make_ctx(const std::array<std::uint8_t, 16>& key, bool encrypt) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return nullptr;
    const int ok = encrypt ? EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr)
                           : EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
    if (ok != 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

Error setup_error() {
    return make_error(ErrorCode::unsupported, Layer::crypto, 0, "OpenSSL could not set up AES-128-GCM");
}

std::array<std::uint8_t, 17> aad_of(std::uint8_t security, const AuthenticationKey& ak) {
    std::array<std::uint8_t, 17> aad{};
    aad[0] = security;
    for (std::size_t i = 0; i < 16; ++i) aad[i + 1] = ak.bytes()[i];
    return aad;
}

Error crypto_error(const char* msg) { return make_error(ErrorCode::wrong_key, Layer::crypto, 0, msg); }
}  // namespace

GcmContext::GcmContext(const EncryptionKey& key) : impl_(std::make_unique<Impl>()) {
    impl_->key = key.bytes();
    impl_->dec = make_ctx(impl_->key, false);
}

GcmContext::~GcmContext() = default;

Status GcmContext::decrypt(ByteView nonce, std::uint8_t security, const AuthenticationKey* ak, ByteView ciphertext,
                           ByteView tag, Bytes& out) {
    EVP_CIPHER_CTX* ctx = impl_->dec;
    if (!ctx) return setup_error();
    if (nonce.size() != 12) return crypto_error("GCM nonce must be 12 bytes");
    if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1) return crypto_error("GCM init failed");
    int n = 0;
    if (ak) {
        const auto aad = aad_of(security, *ak);
        if (EVP_DecryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1)
            return crypto_error("GCM AAD failed");
    }
    out.resize(ciphertext.size());
    if (!ciphertext.empty() &&
        EVP_DecryptUpdate(ctx, out.data(), &n, ciphertext.data(), static_cast<int>(ciphertext.size())) != 1)
        return crypto_error("GCM decrypt failed");
    if (!ak) return Ok{};  // no key to check the tag with: the caller warns once
    if (tag.size() != kGcmTagLength) return crypto_error("GCM tag must be 12 bytes");
    std::array<std::uint8_t, kGcmTagLength> t{};
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = tag[i];
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(t.size()), t.data()) != 1)
        return crypto_error("GCM tag setup failed");
    int fin = 0;
    if (EVP_DecryptFinal_ex(ctx, out.data() + out.size(), &fin) != 1)
        return make_error(ErrorCode::wrong_key, Layer::crypto, 0, "authentication tag mismatch");
    return Ok{};
}

Status GcmContext::encrypt(ByteView nonce, std::uint8_t security, const AuthenticationKey* ak, ByteView plaintext,
                           Bytes& out) {
    if (!impl_->enc) impl_->enc = make_ctx(impl_->key, true);
    EVP_CIPHER_CTX* ctx = impl_->enc;
    if (!ctx) return setup_error();
    if (nonce.size() != 12) return crypto_error("GCM nonce must be 12 bytes");
    if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1) return crypto_error("GCM init failed");
    int n = 0;
    if (ak) {
        const auto aad = aad_of(security, *ak);
        if (EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1)
            return crypto_error("GCM AAD failed");
    }
    out.resize(plaintext.size());
    if (!plaintext.empty() &&
        EVP_EncryptUpdate(ctx, out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) != 1)
        return crypto_error("GCM encrypt failed");
    int fin = 0;
    if (EVP_EncryptFinal_ex(ctx, out.data() + out.size(), &fin) != 1) return crypto_error("GCM final failed");
    if (ak) {
        std::array<std::uint8_t, 16> tag{};
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) != 1) return crypto_error("GCM tag failed");
        out.insert(out.end(), tag.begin(), tag.begin() + kGcmTagLength);
    }
    return Ok{};
}

}  // namespace dlms

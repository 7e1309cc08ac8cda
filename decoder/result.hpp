// Errors of the decoder, returned (never thrown) through Result<T>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace dlms {

enum class Layer : std::uint8_t { framing, apdu, crypto, axdr, cosem };

enum class ErrorCode : std::uint8_t {
    incomplete,         // more bytes are needed: not an error of the data
    corrupt_frame,      // link layer: bad HCS/FCS/checksum/length, garbage
    truncated,          // a field runs past the end of its container
    malformed,          // a field holds a value the format does not allow
    unsupported,        // well-formed, but a tag/layout we do not decode
    not_authenticated,  // an authentication key is configured but the push carries no tag
    no_key,             // encrypted push and no encryption key configured
    wrong_key,          // authentication failed with the keys both ways round / garbage plaintext
    replayed,           // invocation counter not above the last one seen from this meter
    too_deep,           // A-XDR nesting above the cap
    not_dlms,           // decrypted payload is not a DLMS APDU (e.g. a DSMR text telegram)
    not_encrypted,      // keys are configured but the push came in clear: refused, it could be forged
};

constexpr std::string_view to_string(ErrorCode c) {
    switch (c) {
        case ErrorCode::incomplete: return "incomplete";
        case ErrorCode::corrupt_frame: return "corrupt_frame";
        case ErrorCode::truncated: return "truncated";
        case ErrorCode::malformed: return "malformed";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::not_authenticated: return "not_authenticated";
        case ErrorCode::no_key: return "no_key";
        case ErrorCode::wrong_key: return "wrong_key";
        case ErrorCode::replayed: return "replayed";
        case ErrorCode::too_deep: return "too_deep";
        case ErrorCode::not_dlms: return "not_dlms";
        case ErrorCode::not_encrypted: return "not_encrypted";
    }
    return "unknown";
}
inline constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::not_encrypted) + 1;

constexpr std::string_view to_string(Layer l) {
    switch (l) {
        case Layer::framing: return "framing";
        case Layer::apdu: return "apdu";
        case Layer::crypto: return "crypto";
        case Layer::axdr: return "axdr";
        case Layer::cosem: return "cosem";
    }
    return "unknown";
}

struct Error {
    ErrorCode code;
    Layer layer;
    std::size_t offset = 0;       // byte offset within the unit the layer was reading
    const char* message = "";     // static text: errors never allocate and never hold key material
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(e) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(ErrorCode c, Layer l, std::size_t offset, const char* msg) {
    return Error{c, l, offset, msg};
}

}  // namespace dlms

// Runs the decoder over bytes and collects what it reports.
#pragma once

#include <vector>

#include "decoder/decoder.hpp"

namespace testsupport {

struct Outcome {
    std::vector<dlms::Push> pushes;
    std::vector<dlms::Error> errors;
    std::vector<dlms::Warning> warnings;
};

inline dlms::Decoder::Handlers collect(Outcome& o) {
    dlms::Decoder::Handlers h;
    h.on_push = [&o](const dlms::Push& p) { o.pushes.push_back(p); };
    h.on_error = [&o](const dlms::Error& e, dlms::ByteView) { o.errors.push_back(e); };
    h.on_warning = [&o](dlms::Warning w) { o.warnings.push_back(w); };
    return h;
}

inline Outcome feed(dlms::Decoder& d, dlms::ByteView bytes) {
    Outcome o;
    d.feed(bytes, collect(o));
    return o;
}

// Decodes one APDU with a fresh decoder.
inline Outcome decode_apdu(dlms::ByteView apdu, dlms::DecoderOptions options = {}) {
    dlms::Decoder d(std::move(options));
    Outcome o;
    d.decode_apdu(apdu, collect(o));
    return o;
}

inline dlms::KeyPair keys(const std::optional<std::string>& ek, const std::optional<std::string>& ak) {
    dlms::KeyPair k;
    std::string err;
    if (ek) k.encryption = dlms::EncryptionKey(*dlms::parse_key(*ek, err));
    if (ak) k.authentication = dlms::AuthenticationKey(*dlms::parse_key(*ak, err));
    return k;
}

}  // namespace testsupport

#include "decoder/decoder.hpp"

#include <algorithm>
#include <optional>

#include "decoder/apdu.hpp"
#include "decoder/axdr.hpp"
#include "decoder/cosem.hpp"
#include "decoder/key_swap.hpp"
#include "decoder/replay_guard.hpp"

namespace dlms {

namespace {
constexpr std::size_t kMaxReassembly = 64 * 1024;
// APDU layers one push may wrap (block transfer, ciphering, block transfer inside the ciphering,
// the data-notification): a deeper stack is no meter's push, and the bound ends a crafted one.
constexpr int kMaxLayers = 4;

bool starts_with_llc(ByteView info) {
    return info.size() >= 3 && info[0] == 0xE6 && (info[1] == 0xE7 || info[1] == 0xE6) && info[2] == 0x00;
}

ByteView strip_llc(ByteView info) { return starts_with_llc(info) ? info.subspan(3) : info; }
}  // namespace

std::uint64_t DecodeStats::error_total() const {
    std::uint64_t n = 0;
    for (auto e : errors) n += e;
    return n;
}

struct Decoder::Impl {
    DecoderOptions options;
    StreamFramer framer;
    KeySwap keys;
    std::array<bool, kWarningCount> warned{};

    Bytes hdlc_segments;    // information fields of an HDLC frame sequence with the S bit
    Bytes mbus_segments;    // data of M-Bus frames until the one with the FIN bit
    std::uint8_t mbus_next = 0;
    Bytes blocks;           // general-block-transfer data until the last block
    std::uint16_t block_next = 1;
    Bytes plaintext;        // the decryption's output
    Bytes inner;            // the APDU a layer unwrapped, for the next step
    ValueTree tree;
    Push push;
    ReplayGuard counters;
    Bytes title;  // system title of the push being decoded

    explicit Impl(DecoderOptions o) : options(std::move(o)), framer(options.bare_apdus), keys(options.keys) {}
};

Decoder::Decoder(DecoderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Decoder::~Decoder() = default;

bool Decoder::keys_swapped() const { return impl_->keys.swapped(); }

std::vector<ReplayGuard::Kept> Decoder::kept_counters() const { return impl_->counters.kept(); }

void Decoder::restore_counters(const std::vector<ReplayGuard::Kept>& kept) { impl_->counters.restore(kept); }

ByteView Decoder::system_title() const { return impl_->title; }

namespace {
struct Ctx {
    Decoder::Impl& d;
    DecodeStats& stats;
    const Decoder::Handlers& h;

    void fail(const Error& e, ByteView unit) {
        ++stats.errors[static_cast<std::size_t>(e.code)];
        if (h.on_error) h.on_error(e, unit);
    }
    // fail() for a step of the unwrap: the push ends here.
    std::nullopt_t stop(const Error& e, ByteView unit) {
        fail(e, unit);
        return std::nullopt;
    }
    void warn(Warning w) {
        auto& done = d.warned[static_cast<std::size_t>(w)];
        if (done) return;
        done = w != Warning::counter_reset;  // a reset is news each time it happens
        if (h.on_warning) h.on_warning(w);
    }
};

// The push whose first parts arrived but whose rest never did: `incomplete`, counted like any error.
[[gnu::cold]] void cut_short(Ctx& c, const char* message, ByteView unit) {
    c.fail(make_error(ErrorCode::incomplete, Layer::framing, 0, message), unit);
}

void decode_notification(Ctx& c, ByteView apdu) {
    auto n = parse_data_notification(apdu);
    if (!n) return c.fail(n.error(), apdu);
    Push& p = c.d.push;
    p.invoke_id = n->invoke_id;
    p.notification_time = n->time;
    p.list_id.clear();
    p.readings.clear();
    std::size_t consumed = 0;
    if (auto st = c.d.tree.parse(n->body, consumed); !st) {
        Error e = st.error();
        e.offset += n->body_offset;
        return c.fail(e, apdu);
    }
    if (auto st = readings_from_body(c.d.tree, c.d.options.overrides, p); !st) return c.fail(st.error(), apdu);
    ++c.stats.pushes;
    c.stats.unplaced_values += p.unplaced_values;
    if (c.h.on_push) c.h.on_push(p);
}

bool accept_counter(Ctx& c, ByteView title, std::uint32_t counter, std::size_t counter_offset, ByteView apdu) {
    ReplayGuard::Title key{};
    std::copy(title.begin(), title.end(), key.begin());
    const auto outcome = c.d.counters.check(key, counter, c.d.options.check_counter);
    if (outcome.verdict == ReplayGuard::Verdict::replayed) {
        c.fail(make_error(ErrorCode::replayed, Layer::crypto, counter_offset, "invocation counter not above the last one: replayed or old push"), apdu);
        return false;
    }
    if (outcome.verdict == ReplayGuard::Verdict::reset) {
        ++c.stats.counter_resets;
        c.warn(Warning::counter_reset);
    }
    c.stats.missed_pushes += outcome.missed;
    return true;
}

bool looks_like_apdu(const Bytes& p) { return !p.empty() && (p[0] == kDataNotification || p[0] == kGeneralBlockTransfer); }

// A DSMR P1 telegram (Luxembourg, Netherlands, Belgium): "/XXX5..." then lines of text. A wrong key
// gives random bytes, so a decryption that reads as this text proves the key right even without a
// tag to check.
bool looks_like_dsmr(const Bytes& p) {
    if (p.size() < 16 || p[0] != '/') return false;
    for (std::size_t i = 1; i < 16; ++i)
        if ((p[i] < 0x20 || p[i] > 0x7E) && p[i] != '\r' && p[i] != '\n') return false;
    return true;
}
bool plaintext_fits(const Bytes& p) { return looks_like_apdu(p) || looks_like_dsmr(p); }

// The next APDU of a push, once a layer has unwrapped it (in Impl::inner); nullopt when the push
// ends at this layer: decoded, failed (reported), or waiting for its further blocks.
using Next = std::optional<ByteView>;

Next decode_ciphered(Ctx& c, ByteView apdu) {
    auto g = parse_glo_ciphering(apdu);
    if (!g) return c.stop(g.error(), apdu);
    Push& p = c.d.push;
    auto& d = c.d;
    d.title.assign(g->system_title.begin(), g->system_title.end());
    if (!g->encrypted())
        return c.stop(make_error(ErrorCode::unsupported, Layer::crypto, g->security_offset, "authenticated-only pushes are not supported"), apdu);
    if (!d.keys.has_encryption_key())
        return c.stop(make_error(ErrorCode::no_key, Layer::crypto, 0, "encrypted push and no encryption key configured"), apdu);
    // With an authentication key configured, a push without a tag is refused: anyone on the
    // wire could otherwise clear the authentication bit and alter the ciphertext unnoticed.
    const bool have_ak = d.options.keys.authentication.has_value();
    if (!g->authenticated() && have_ak)
        return c.stop(make_error(ErrorCode::not_authenticated, Layer::crypto, g->security_offset,
                                 "push is encrypted but not authenticated although an authentication key is configured; "
                                 "remove authentication_key if this meter only encrypts"),
                      apdu);

    std::array<std::uint8_t, 12> nonce{};
    std::copy(g->system_title.begin(), g->system_title.end(), nonce.begin());
    for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<std::uint8_t>(g->invocation_counter >> (24 - 8 * i));

    KeySwap::Outcome outcome;
    if (g->authenticated() && have_ak) {
        outcome = d.keys.decrypt_checked(nonce, g->security, g->ciphertext, g->tag, d.plaintext);
        if (outcome == KeySwap::Outcome::failed)
            return c.stop(make_error(ErrorCode::wrong_key, Layer::crypto, 0,
                                     "authentication failed with the keys either way round: wrong keys for this meter"), apdu);
    } else {
        // No tag to check (encryption-only push, or no authentication key configured): a wrong
        // key shows as plaintext that is not an APDU.
        if (g->authenticated()) c.warn(Warning::no_authentication_key);
        outcome = d.keys.decrypt_unchecked(nonce, g->security, g->ciphertext, plaintext_fits, d.plaintext);
        if (outcome == KeySwap::Outcome::failed)
            return c.stop(make_error(ErrorCode::wrong_key, Layer::crypto, 0,
                                     "decrypted data is not a DLMS APDU: wrong encryption key (key 64 / GPK60)"), apdu);
    }
    if (outcome == KeySwap::Outcome::swapped_now) c.warn(Warning::keys_swapped);
    if (!looks_like_apdu(d.plaintext))
        return c.stop(make_error(ErrorCode::not_dlms, Layer::apdu, 0,
                                 d.plaintext.empty() || d.plaintext[0] != '/' ? "decrypted payload is not a DLMS APDU"
                                                                              : "decrypted payload is a DSMR text telegram, not DLMS"),
                      apdu);
    if (!accept_counter(c, g->system_title, g->invocation_counter, g->counter_offset(), apdu)) return std::nullopt;
    p.system_title.assign(g->system_title.begin(), g->system_title.end());
    p.frame_counter = g->invocation_counter;
    p.security = g->authenticated() && have_ak ? Security::authenticated_encrypted : Security::encrypted;
    c.stats.last_frame_counter = g->invocation_counter;
    // `apdu` may lie in `inner` (a ciphering inside a ciphering): it is read through by now.
    d.inner.swap(d.plaintext);
    return ByteView(d.inner);
}

Next decode_block(Ctx& c, ByteView apdu) {
    auto b = parse_block_transfer(apdu);
    if (!b) return c.stop(b.error(), apdu);
    auto& d = c.d;
    if (b->block_number == 1) {
        // A first block while blocks of another push are pending: that push was cut short on
        // the wire. It is an error of its own, not silently replaced by the new one.
        if (d.block_next > 1)
            cut_short(c, "push cut short: its first blocks (general block transfer) arrived, then a new push began", apdu);
        d.blocks.clear();
        d.block_next = 1;
    }
    if (b->block_number != d.block_next) {
        d.blocks.clear();
        d.block_next = 1;
        return c.stop(make_error(ErrorCode::malformed, Layer::apdu, 2, "block transfer out of sequence: a block was lost"), apdu);
    }
    if (d.blocks.size() + b->data.size() > kMaxReassembly) {
        d.blocks.clear();
        d.block_next = 1;
        return c.stop(make_error(ErrorCode::malformed, Layer::apdu, 0, "block transfer longer than 64 KiB"), apdu);
    }
    d.blocks.insert(d.blocks.end(), b->data.begin(), b->data.end());
    ++d.block_next;
    if (!b->last) return std::nullopt;
    d.inner.swap(d.blocks);
    d.blocks.clear();
    d.block_next = 1;
    return ByteView(d.inner);
}

// With keys configured, only what the meter ciphered is its word: a push in clear could come
// from anyone on the wire.
Next decode_clear_notification(Ctx& c, ByteView apdu) {
    if (c.d.options.keys.encryption && c.d.push.security == Security::none)
        return c.stop(make_error(ErrorCode::not_encrypted, Layer::apdu, 0,
                                 "push is not encrypted although keys are configured: refused; "
                                 "if this meter really sends in clear, leave both keys empty"),
                      apdu);
    decode_notification(c, apdu);
    return std::nullopt;
}

// One step: the layer `apdu` opens with, unwrapped.
Next step(Ctx& c, ByteView apdu) {
    switch (apdu[0]) {
        case kDataNotification: return decode_clear_notification(c, apdu);
        case kGeneralGloCiphering: return decode_ciphered(c, apdu);
        case kGeneralBlockTransfer: return decode_block(c, apdu);
        default:
            return c.stop(make_error(ErrorCode::unsupported, Layer::apdu, 0, "APDU type is not a push (0F, DB or E0)"), apdu);
    }
}

// The APDU layers of one push, one loop step each, outermost first. A meter's push reads, e.g.:
//   step 1  E0 general-block-transfer ─► the reassembled APDU (once its last block is in)
//   step 2  DB general-glo-ciphering  ─► the decrypted APDU
//   step 3  0F data-notification      ─► Push
// Each step either ends the push or hands the APDU inside to the next; layers nest in whatever
// order the meter sends them, and a push with more than kMaxLayers is refused.
void unwrap(Ctx& c, ByteView apdu) {
    c.d.push.system_title.clear();
    c.d.push.frame_counter = 0;
    c.d.push.security = Security::none;
    c.d.title.clear();
    Next next = apdu;
    for (int layer = 0; next; ++layer) {
        if (next->empty()) return c.fail(make_error(ErrorCode::truncated, Layer::apdu, 0, "empty APDU"), *next);
        if (layer == kMaxLayers) return c.fail(make_error(ErrorCode::malformed, Layer::apdu, 0, "APDUs nested too deeply"), *next);
        next = step(c, *next);
    }
}

void decode_hdlc(Ctx& c, ByteView frame, bool checked) {
    auto f = parse_hdlc(frame, !checked);
    if (!f) return c.fail(f.error(), frame);
    auto& seg = c.d.hdlc_segments;
    // A frame that opens with the LLC header starts a push: segments still pending belong to one
    // that was cut short (continuation segments carry no LLC header).
    if (!seg.empty() && starts_with_llc(f->info)) {
        cut_short(c, "push cut short: its first HDLC segments arrived, then a new push began", frame);
        seg.clear();
    }
    if (f->segmented || !seg.empty()) {
        if (seg.size() + f->info.size() > kMaxReassembly) {
            seg.clear();
            return c.fail(make_error(ErrorCode::malformed, Layer::framing, 0, "segmented frame longer than 64 KiB"), frame);
        }
        seg.insert(seg.end(), f->info.begin(), f->info.end());
        if (f->segmented) return;
        Bytes whole;
        whole.swap(seg);
        return unwrap(c, strip_llc(whole));
    }
    unwrap(c, strip_llc(f->info));
}

void decode_mbus(Ctx& c, ByteView frame) {
    auto f = parse_mbus(frame);
    if (!f) return c.fail(f.error(), frame);
    // CI: bit 4 = last segment, low nibble = segment number. Two transport (TSAP) bytes follow.
    const bool last = (f->ci & 0x10) != 0;
    const std::uint8_t number = f->ci & 0x0F;
    auto& d = c.d;
    if (number == 0) {
        if (!d.mbus_segments.empty())
            cut_short(c, "push cut short: its first M-Bus segments arrived, then a new push began", frame);
        d.mbus_segments.clear();
    }
    if (number != (d.mbus_segments.empty() ? 0 : d.mbus_next) || f->data.size() < 2) {
        d.mbus_segments.clear();
        return c.fail(make_error(ErrorCode::malformed, Layer::framing, 6, "M-Bus segment out of sequence: a frame was lost"), frame);
    }
    d.mbus_segments.insert(d.mbus_segments.end(), f->data.begin() + 2, f->data.end());
    d.mbus_next = static_cast<std::uint8_t>(number + 1);
    if (!last) return;
    Bytes whole;
    whole.swap(d.mbus_segments);
    unwrap(c, whole);
}
}  // namespace

void Decoder::decode_frame(const LinkFrame& frame, const Handlers& handlers) {
    Ctx c{*impl_, stats_, handlers};
    ++stats_.frames;
    switch (frame.kind) {
        case LinkKind::hdlc: return decode_hdlc(c, frame.bytes, frame.checked);
        case LinkKind::mbus: return decode_mbus(c, frame.bytes);
        case LinkKind::apdu: return unwrap(c, frame.bytes);
    }
}

void Decoder::decode_apdu(ByteView apdu, const Handlers& handlers) {
    Ctx c{*impl_, stats_, handlers};
    // Many tools log the APDU with its LLC header (E6 E7 00) still in front.
    unwrap(c, strip_llc(apdu));
}

void Decoder::finish(const Handlers& handlers) {
    Ctx c{*impl_, stats_, handlers};
    auto& d = *impl_;
    if (d.block_next > 1 || !d.hdlc_segments.empty() || !d.mbus_segments.empty()) {
        const Bytes& part = !d.blocks.empty() ? d.blocks : !d.hdlc_segments.empty() ? d.hdlc_segments : d.mbus_segments;
        cut_short(c, "push cut short: its first parts arrived, then the input ended", part);
        d.blocks.clear();
        d.block_next = 1;
        d.hdlc_segments.clear();
        d.mbus_segments.clear();
        d.mbus_next = 0;
    }
    // Fewer bytes than the shortest frame (a stray flag) are not a frame that was cut.
    if (d.framer.buffered() >= 9) {
        const Bytes rest = d.framer.take_rest();
        // Even cut short, a DSMR telegram tells what the port is.
        if (dsmr_telegram_start(rest))
            c.fail(make_error(ErrorCode::not_dlms, Layer::framing, 0,
                              "a DSMR/P1 text telegram (cut short): this is a P1 port sending readable text, not "
                              "DLMS/COSEM pushes; use a DSMR reader for this port"),
                   rest);
        else
            cut_short(c, "frame cut short: the input ended inside it", rest);
    }
}

void Decoder::feed(ByteView bytes, const Handlers& handlers) {
    StreamFramer::Handlers fh;
    fh.on_frame = [&](LinkFrame&& f) { decode_frame(f, handlers); };
    fh.on_error = [&](const Error& e, ByteView unit) {
        ++stats_.errors[static_cast<std::size_t>(e.code)];
        if (handlers.on_error) handlers.on_error(e, unit);
    };
    impl_->framer.feed(bytes, fh);
    stats_.garbage_bytes = impl_->framer.garbage_bytes();
}

}  // namespace dlms

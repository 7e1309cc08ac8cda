#include "decoder/axdr.hpp"

#include <bit>
#include <cstring>

namespace dlms {

namespace {
std::size_t fixed_size(Tag t) {
    switch (t) {
        case Tag::boolean: case Tag::integer: case Tag::unsigned_: case Tag::enum_: return 1;
        case Tag::long_: case Tag::long_unsigned: return 2;
        case Tag::double_long: case Tag::double_long_unsigned: case Tag::float32: return 4;
        case Tag::long64: case Tag::long64_unsigned: case Tag::float64: return 8;
        case Tag::date_time: return 12;
        case Tag::date: return 5;
        case Tag::time: return 4;
        default: return 0;
    }
}

std::int64_t sign_extend(std::uint64_t v, std::size_t bytes) {
    const unsigned shift = static_cast<unsigned>(64 - 8 * bytes);
    return static_cast<std::int64_t>(v << shift) >> shift;
}
}  // namespace

Status ValueTree::parse(ByteView data, std::size_t& consumed) {
    nodes_.clear();
    data_ = data;
    untagged_descriptors_ = false;
    ByteReader r(data);
    if (!parse_node(r, 0)) {
        // An unknown tag may be the inside of an untagged attribute descriptor: read again
        // with those allowed; if that fails too, report the pass that read further.
        if (error_.code != ErrorCode::unsupported) return error_;
        const Error first = error_;
        nodes_.clear();
        untagged_descriptors_ = true;
        ByteReader again(data);
        if (!parse_node(again, 0)) return error_.offset > first.offset ? error_ : first;  // whichever read further
        consumed = again.offset();
        return Ok{};
    }
    consumed = r.offset();
    return Ok{};
}

// class-id (2 bytes, high byte 0 for every interface class), OBIS (6), attribute (1..31), then
// the tag of a value: only that is taken for an untagged descriptor.
bool ValueTree::untagged_descriptor_at(const ByteReader& r) const {
    const ByteView b = r.rest();
    if (b.size() < 10 || b[0] != 0x00 || b[1] == 0x00) return false;
    if (b[8] == 0 || b[8] > 31) return false;
    const std::uint8_t next = b[9];
    return next <= 0x1B && next != 0x07 && next != 0x08 && next != 0x0B && next != 0x0E && next != 0x13;
}

bool ValueTree::parse_node(ByteReader& r, int depth) {
    if (depth > kMaxDepth) return fail(ErrorCode::too_deep, r.offset(), "A-XDR nesting deeper than 16");
    if (nodes_.size() >= kMaxNodes) return fail(ErrorCode::malformed, r.offset(), "more than 4096 A-XDR values");
    const std::size_t at = r.offset();
    auto tag_byte = r.u8();
    if (!tag_byte) return fail(ErrorCode::truncated, at, "A-XDR value missing");
    const auto tag = static_cast<Tag>(*tag_byte);
    const std::size_t index = nodes_.size();
    Node& added = nodes_.emplace_back();
    added.tag = tag;
    added.at = static_cast<std::uint32_t>(at);

    switch (tag) {
        case Tag::null_data:
            break;
        case Tag::array:
        case Tag::structure: {
            auto n = r.ber_length();
            if (!n) return fail(ErrorCode::truncated, at, "A-XDR container length missing");
            // Each element takes at least one byte: a count larger than what is left is corrupt.
            if (*n > r.remaining()) return fail(ErrorCode::truncated, at, "A-XDR container claims more elements than bytes left");
            nodes_[index].count = static_cast<std::uint32_t>(*n);
            std::size_t k = 0;
            if (untagged_descriptors_ && tag == Tag::structure && *n == 2 && untagged_descriptor_at(r)) {
                if (nodes_.size() >= kMaxNodes) return fail(ErrorCode::malformed, r.offset(), "more than 4096 A-XDR values");
                Node& d = nodes_.emplace_back();
                d.tag = Tag::untagged_descriptor;
                d.at = d.offset = static_cast<std::uint32_t>(r.offset());
                d.count = 9;
                d.end = static_cast<std::uint32_t>(nodes_.size());
                (void)r.take(9);
                k = 1;
            }
            for (; k < *n; ++k)
                if (!parse_node(r, depth + 1)) return false;
            break;
        }
        case Tag::octet_string:
        case Tag::visible_string:
        case Tag::utf8_string:
        case Tag::bcd:
        case Tag::bit_string: {
            std::size_t bytes = 1;  // bcd is a single byte
            if (tag != Tag::bcd) {
                auto n = r.ber_length();
                if (!n) return fail(ErrorCode::truncated, at, "A-XDR string length missing");
                bytes = tag == Tag::bit_string ? (*n + 7) / 8 : *n;  // a bit-string's length counts bits
            }
            Node& node = nodes_[index];
            node.offset = static_cast<std::uint32_t>(r.offset());
            if (!r.take(bytes)) return fail(ErrorCode::truncated, at, "A-XDR string runs past the end");
            node.count = static_cast<std::uint32_t>(bytes);
            break;
        }
        case Tag::date_time:
        case Tag::date:
        case Tag::time: {
            const std::size_t n = fixed_size(tag);
            Node& node = nodes_[index];
            node.offset = static_cast<std::uint32_t>(r.offset());
            node.count = static_cast<std::uint32_t>(n);
            if (!r.take(n)) return fail(ErrorCode::truncated, at, "A-XDR date/time runs past the end");
            break;
        }
        case Tag::boolean:
        case Tag::integer:
        case Tag::long_:
        case Tag::double_long:
        case Tag::long64:
        case Tag::unsigned_:
        case Tag::long_unsigned:
        case Tag::double_long_unsigned:
        case Tag::long64_unsigned:
        case Tag::enum_:
        case Tag::float32:
        case Tag::float64: {
            const std::size_t n = fixed_size(tag);
            auto v = r.be(n);
            if (!v) return fail(ErrorCode::truncated, at, "A-XDR number runs past the end");
            Node& node = nodes_[index];
            node.u = *v;
            if (tag == Tag::integer || tag == Tag::long_ || tag == Tag::double_long || tag == Tag::long64)
                node.i = sign_extend(*v, n);
            else
                node.i = static_cast<std::int64_t>(*v);
            if (tag == Tag::float32) node.f = std::bit_cast<float>(static_cast<std::uint32_t>(*v));
            if (tag == Tag::float64) node.f = std::bit_cast<double>(*v);
            break;
        }
        default:
            return fail(ErrorCode::unsupported, at, "unknown A-XDR type tag");
    }
    nodes_[index].end = static_cast<std::uint32_t>(nodes_.size());
    return true;
}

}  // namespace dlms

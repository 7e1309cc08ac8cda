// A-XDR data (IEC 62056-6-2, "Data" CHOICE) parsed into a flat tree.
//
//   tag | [length] | content        length is BER-style (0x8N + N bytes) for arrays,
//                                    structures and strings; fixed for the scalar types
//
// Nodes are stored in pre-order in one vector that is reused between pushes, so decoding a push
// allocates nothing once warm. Children of node i start at i+1; `end` is the index after the
// subtree, which is how siblings are found.
#pragma once

#include <cstdint>
#include <vector>

#include "decoder/bytes.hpp"
#include "decoder/result.hpp"

namespace dlms {

enum class Tag : std::uint8_t {
    null_data = 0x00,
    array = 0x01,
    structure = 0x02,
    boolean = 0x03,
    bit_string = 0x04,
    double_long = 0x05,           // int32
    double_long_unsigned = 0x06,  // uint32
    octet_string = 0x09,
    visible_string = 0x0A,
    utf8_string = 0x0C,
    bcd = 0x0D,
    integer = 0x0F,               // int8
    long_ = 0x10,                 // int16
    unsigned_ = 0x11,             // uint8
    long_unsigned = 0x12,         // uint16
    long64 = 0x14,
    long64_unsigned = 0x15,
    enum_ = 0x16,
    float32 = 0x17,
    float64 = 0x18,
    date_time = 0x19,
    date = 0x1A,
    time = 0x1B,
    // Not an A-XDR tag: a COSEM attribute descriptor written without tags, class-id(2) OBIS(6)
    // attribute(1), as Sagemcom's XT211 (Czech Republic) sends it in place of an OBIS code:
    //   02 02 | 00 03 01 00 01 08 00 FF 02 | 06 00 4A FA 82    {descriptor, value}
    untagged_descriptor = 0xF0,
};

struct Node {
    Tag tag = Tag::null_data;
    std::uint32_t count = 0;   // elements of an array/structure; bytes of a string
    std::uint32_t end = 0;     // index of the node after this subtree
    std::uint32_t offset = 0;  // where the content starts in the parsed buffer
    std::uint32_t at = 0;      // where the tag is: what a warning about this value points at
    std::int64_t i = 0;        // signed integers, enum, boolean
    std::uint64_t u = 0;       // unsigned integers
    double f = 0;              // floats

    bool is_container() const { return tag == Tag::array || tag == Tag::structure; }
    bool is_string() const {
        return tag == Tag::octet_string || tag == Tag::visible_string || tag == Tag::utf8_string ||
               tag == Tag::bit_string || tag == Tag::bcd || tag == Tag::date_time || tag == Tag::date ||
               tag == Tag::time || tag == Tag::untagged_descriptor;
    }
};

class ValueTree {
public:
    static constexpr int kMaxDepth = 16;
    static constexpr std::size_t kMaxNodes = 4096;

    // Parses one Data value at the start of `data`; `consumed` is set to its length.
    Status parse(ByteView data, std::size_t& consumed);

    const std::vector<Node>& nodes() const { return nodes_; }
    const Node& operator[](std::size_t i) const { return nodes_[i]; }
    std::size_t size() const { return nodes_.size(); }
    // The bytes of a string-like node.
    ByteView bytes(const Node& n) const { return data_.subspan(n.offset, n.count); }
    ByteView bytes(std::size_t i) const { return bytes(nodes_[i]); }
    // Indices of the children of node i.
    template <typename F>
    void for_each_child(std::size_t i, F&& f) const {
        std::size_t c = i + 1;
        for (std::uint32_t k = 0; k < nodes_[i].count; ++k) {
            f(c);
            c = nodes_[c].end;
        }
    }

private:
    // false on error, with the error in error_ (a Result per node costs more than the node).
    bool parse_node(ByteReader& r, int depth);
    bool untagged_descriptor_at(const ByteReader& r) const;
    bool fail(ErrorCode code, std::size_t offset, const char* message) {
        error_ = make_error(code, Layer::axdr, offset, message);
        return false;
    }

    std::vector<Node> nodes_;
    ByteView data_;
    Error error_{};
    // Set for a second pass after an unknown tag: read {descriptor, value} structures whose
    // descriptor carries no tags. Never on the first pass, so tagged lists cost nothing more.
    bool untagged_descriptors_ = false;
};

}  // namespace dlms

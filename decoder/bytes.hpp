// Byte views and a bounds-checked reader: every read either succeeds or consumes nothing,
// so a parser that fails half-way never leaves the cursor in the middle of a field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dlms {

using ByteView = std::span<const std::uint8_t>;
using Bytes = std::vector<std::uint8_t>;

class ByteReader {
public:
    explicit ByteReader(ByteView data) : data_(data) {}

    std::size_t offset() const { return pos_; }
    std::size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return pos_ >= data_.size(); }
    ByteView rest() const { return data_.subspan(pos_); }

    std::optional<std::uint8_t> u8() {
        if (empty()) return std::nullopt;
        return data_[pos_++];
    }
    // Big-endian unsigned integer of `n` bytes (n <= 8).
    std::optional<std::uint64_t> be(std::size_t n) {
        if (remaining() < n) return std::nullopt;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
        pos_ += n;
        return v;
    }
    std::optional<ByteView> take(std::size_t n) {
        if (remaining() < n) return std::nullopt;
        ByteView v = data_.subspan(pos_, n);
        pos_ += n;
        return v;
    }
    // A-XDR / BER length: one byte below 0x80, else 0x8N followed by N big-endian bytes.
    std::optional<std::size_t> ber_length() {
        const std::size_t start = pos_;
        auto first = u8();
        if (!first) return std::nullopt;
        if (*first < 0x80) return *first;
        const std::size_t n = *first & 0x7F;
        if (n == 0 || n > 4) {
            pos_ = start;
            return std::nullopt;
        }
        auto v = be(n);
        if (!v) {
            pos_ = start;
            return std::nullopt;
        }
        return static_cast<std::size_t>(*v);
    }

private:
    ByteView data_;
    std::size_t pos_ = 0;
};

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Upper-case hex of the bytes.
std::string to_hex(ByteView bytes);

// The value of one hex digit, either case; -1 for any other character.
int hex_value(char c);

// Parses hex text. Skips whitespace, and a "0x" prefix on each whitespace-separated word.
// Returns nullopt on a non-hex character or an odd number of digits.
std::optional<Bytes> parse_hex(std::string_view text);

}  // namespace dlms

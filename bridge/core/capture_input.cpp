#include "bridge/core/capture_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bridge {

namespace {

// Digit values, kSpace for the whitespace parse_hex skips, kOther for everything else.
constexpr std::uint8_t kSpace = 16, kOther = 17;
constexpr std::array<std::uint8_t, 256> kHexTable = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(kOther);
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<std::uint8_t>(c - 'A' + 10);
    for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[static_cast<unsigned char>(c)] = kSpace;
    return t;
}();

// One line of a capture appended to `out`. A line of hex digits and whitespace (what `simulate
// --hex` and `run --record` write) is read here in one pass into `out`; any other line (a "0x"
// prefix, a stray character) goes to dlms::parse_hex, which decides what it means.
bool append_hex_line(std::string_view line, dlms::Bytes& out) {
    const std::size_t size = out.size();
    out.resize(size + line.size() / 2);
    std::size_t n = size;
    int high = -1;
    for (const char c : line) {
        const std::uint8_t v = kHexTable[static_cast<unsigned char>(c)];
        if (v == kSpace) continue;
        if (v == kOther) {
            out.resize(size);
            const auto bytes = dlms::parse_hex(line);
            if (!bytes) return false;
            out.insert(out.end(), bytes->begin(), bytes->end());
            return true;
        }
        if (high < 0) {
            high = v;
        } else {
            out[n++] = static_cast<std::uint8_t>((high << 4) | v);
            high = -1;
        }
    }
    out.resize(n);
    return high < 0;  // an odd number of digits
}

}  // namespace

std::optional<dlms::Bytes> HexCaptureParser::feed(std::string_view text, bool end) {
    pending_.append(text);
    dlms::Bytes out;
    out.reserve(pending_.size() / 2);
    std::size_t start = 0;
    while (start < pending_.size()) {
        std::size_t nl = pending_.find('\n', start);
        if (nl == std::string::npos) {
            if (!end) break;
            nl = pending_.size();
        }
        ++line_;
        std::string_view line(pending_.data() + start, nl - start);
        line = line.substr(0, line.find('#'));
        if (!append_hex_line(line, out)) return std::nullopt;
        start = nl + 1;
    }
    pending_.erase(0, std::min(start, pending_.size()));
    return out;
}

std::optional<dlms::Bytes> parse_hex_capture(std::string_view text, std::string& error) {
    HexCaptureParser parser;
    auto bytes = parser.feed(text, true);
    if (!bytes) error = "line " + std::to_string(parser.line()) + ": not hex (an odd number of digits or a non-hex character)";
    return bytes;
}

bool looks_like_text(dlms::ByteView bytes) {
    for (const std::uint8_t c : bytes)
        if (c != '\n' && c != '\r' && c != '\t' && (c < 0x20 || c > 0x7E)) return false;
    return true;
}

std::optional<std::string> read_all(const std::string& path, std::string& error) {
    if (path.empty() || path == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string CaptureReader::open(const std::string& path, bool binary) {
    name_ = path.empty() || path == "-" ? std::string("stdin") : path;
    form_ = binary ? Form::raw : Form::unknown;
    return in_.open_file(path.empty() ? "-" : path);
}

CaptureReader::Status CaptureReader::next(dlms::Bytes& out, int timeout_ms) {
    out.clear();
    const auto r = in_.read(buffer_, timeout_ms);
    const bool end = r.kind == ReadResult::Kind::closed;
    const dlms::ByteView bytes(buffer_.data(), r.size);
    // Text beginning with '/' is a DSMR/P1 telegram as a P1 port sends it (no hex capture starts
    // so): its bytes go to the decoder, which names it, rather than failing here as bad hex.
    if (form_ == Form::unknown && !bytes.empty()) form_ = looks_like_text(bytes) && bytes[0] != '/' ? Form::hex : Form::raw;
    if (form_ == Form::raw) {
        out.assign(bytes.begin(), bytes.end());
    } else if (form_ == Form::hex || end) {
        auto decoded = hex_.feed({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, end);
        if (!decoded) {
            error_ = name_ + ": line " + std::to_string(hex_.line()) + ": not hex (an odd number of digits or a non-hex character)";
            return Status::failed;
        }
        out = std::move(*decoded);
    }
    return end ? Status::end : Status::more;
}

}  // namespace bridge

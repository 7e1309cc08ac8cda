#include "bridge/core/capture_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bridge {

std::optional<dlms::Bytes> HexCaptureParser::feed(std::string_view text, bool end) {
    pending_.append(text);
    dlms::Bytes out;
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
        const auto bytes = dlms::parse_hex(line);
        if (!bytes) return std::nullopt;
        out.insert(out.end(), bytes->begin(), bytes->end());
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
    if (form_ == Form::unknown && !bytes.empty()) form_ = looks_like_text(bytes) ? Form::hex : Form::raw;
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

// Reading captures: hex text (any whitespace, '#' comments to the end of a line) or raw bytes as
// they came off the serial port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "decoder/bytes.hpp"

namespace bridge {

// Hex text arriving in pieces (a pipe): each complete line becomes bytes, '#' starts a comment.
class HexCaptureParser {
public:
    // Appends `text` (`end`: nothing follows); returns the bytes of the lines it completed, or
    // nullopt when one is not hex (line() then names it).
    std::optional<dlms::Bytes> feed(std::string_view text, bool end);
    std::size_t line() const { return line_; }

private:
    std::string pending_;
    std::size_t line_ = 0;
};

// Hex text with comments to bytes; on error `error` names the line.
std::optional<dlms::Bytes> parse_hex_capture(std::string_view text, std::string& error);

// True when the bytes are printable text (a hex capture), false for raw serial bytes.
bool looks_like_text(dlms::ByteView bytes);

// A capture file's bytes: hex text when it is text, else raw.
std::optional<dlms::Bytes> read_capture_file(const std::string& path, bool binary, std::string& error);

// Reads all of a stream (stdin or a file) as bytes.
std::optional<std::string> read_all(const std::string& path, std::string& error);  // "-" or "" = stdin

}  // namespace bridge

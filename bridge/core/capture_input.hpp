// Reading captures: hex text (any whitespace, '#' comments to the end of a line) or raw bytes as
// they came off the serial port.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/core/serial_port.hpp"
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

// A capture read in chunks, so a month of recorded pushes costs the memory of one chunk: hex text
// (as `simulate --hex` writes it) or raw bytes (as `run --record` writes them), told apart by the
// first bytes unless `binary` says raw. A pipe is read as it comes, not first read to its end.
class CaptureReader {
public:
    // Opens a file, or stdin for "-"; returns an error text, empty on success.
    std::string open(const std::string& path, bool binary = false);

    enum class Status { more, end, failed };
    // Waits up to `timeout_ms` (-1: as long as it takes) for the next chunk and puts its bytes in
    // `out` (empty when nothing came, or a hex line is not complete yet). `failed`: error() says
    // which line is not hex.
    Status next(dlms::Bytes& out, int timeout_ms = -1);
    const std::string& error() const { return error_; }

private:
    enum class Form { unknown, hex, raw };
    FdReader in_;
    std::string name_;
    Form form_ = Form::unknown;
    HexCaptureParser hex_;
    std::string error_;
    std::array<std::uint8_t, 64 * 1024> buffer_{};
};

// Hex text with comments to bytes; on error `error` names the line.
std::optional<dlms::Bytes> parse_hex_capture(std::string_view text, std::string& error);

// True when the bytes are printable text (a hex capture), false for raw serial bytes.
bool looks_like_text(dlms::ByteView bytes);

// Reads all of a stream (stdin or a file) as bytes.
std::optional<std::string> read_all(const std::string& path, std::string& error);  // "-" or "" = stdin

}  // namespace bridge

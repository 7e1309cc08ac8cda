// Reading captures: hex text (any whitespace, '#' comments to the end of a line) or raw bytes as
// they came off the serial port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "decoder/bytes.hpp"

namespace bridge {

// Hex text with comments to bytes; on error `error` names the line.
std::optional<dlms::Bytes> parse_hex_capture(std::string_view text, std::string& error);

// A capture file's bytes: hex text when it is text, else raw.
std::optional<dlms::Bytes> read_capture_file(const std::string& path, bool binary, std::string& error);

// Reads all of a stream (stdin or a file) as bytes.
std::optional<std::string> read_all(const std::string& path, std::string& error);  // "-" or "" = stdin

}  // namespace bridge

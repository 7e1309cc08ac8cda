#include "bridge/capture_input.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bridge {

std::optional<dlms::Bytes> parse_hex_capture(std::string_view text, std::string& error) {
    dlms::Bytes out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        auto bytes = dlms::parse_hex(line);
        if (!bytes) {
            error = "line " + std::to_string(line_no) + ": not hex (an odd number of digits or a non-hex character)";
            return std::nullopt;
        }
        out.insert(out.end(), bytes->begin(), bytes->end());
    }
    return out;
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

std::optional<dlms::Bytes> read_capture_file(const std::string& path, bool binary, std::string& error) {
    auto text = read_all(path, error);
    if (!text) return std::nullopt;
    bool looks_binary = binary;
    if (!binary) {
        for (unsigned char c : *text) {
            if (c != '\n' && c != '\r' && c != '\t' && (c < 0x20 || c > 0x7E)) {
                looks_binary = true;
                break;
            }
        }
    }
    if (looks_binary) return dlms::Bytes(text->begin(), text->end());
    auto bytes = parse_hex_capture(*text, error);
    if (!bytes) error = (path.empty() || path == "-" ? std::string("stdin") : path) + ": " + error;
    return bytes;
}

}  // namespace bridge

// The closed sets of values a setting can take. Config parses them and the components act on
// them, both with these types, so no enum is mirrored and mapped by hand between the two.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace bridge {

enum class LogLevel : std::uint8_t { debug, info, warning, error };
enum class UdpFormat : std::uint8_t { json, legacy };    // the daemon's JSON, or the old meter.py line
enum class CsvInterval : std::uint8_t { push, minute };  // a row per push, or per minute
// serial.parity, valued as the letter of "8N1": the serial port and the probe use it as it is.
enum class Parity : char { none = 'N', even = 'E', odd = 'O' };
// As serial.parity is written in the config.
constexpr std::string_view to_string(Parity p) {
    switch (p) {
        case Parity::even: return "even";
        case Parity::odd: return "odd";
        case Parity::none: break;
    }
    return "none";
}

// serial.baud: the rates a serial port can be opened at (core/serial_port.cpp maps each to termios).
inline constexpr std::array<int, 10> kBaudRates = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

}  // namespace bridge

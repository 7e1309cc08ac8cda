// OBIS codes (IEC 62056-61): six value groups A.B.C.D.E.F.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decoder/bytes.hpp"

namespace dlms {

struct Obis {
    std::array<std::uint8_t, 6> v{};

    constexpr Obis() = default;
    constexpr Obis(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                   std::uint8_t f = 255)
        : v{a, b, c, d, e, f} {}

    constexpr std::uint8_t a() const { return v[0]; }
    constexpr std::uint8_t b() const { return v[1]; }
    constexpr std::uint8_t c() const { return v[2]; }
    constexpr std::uint8_t d() const { return v[3]; }
    constexpr std::uint8_t e() const { return v[4]; }
    constexpr std::uint8_t f() const { return v[5]; }

    friend constexpr bool operator==(const Obis&, const Obis&) = default;
    friend constexpr auto operator<=>(const Obis&, const Obis&) = default;

    static std::optional<Obis> from_bytes(ByteView six);
    // Parses "A.B.C.D.E.F" (also accepts "A-B:C.D.E*F" and a missing F meaning 255).
    static std::optional<Obis> parse(std::string_view text);
    std::string to_string() const;  // "A.B.C.D.E.F"
};

}  // namespace dlms

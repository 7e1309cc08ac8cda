// The keys in the text of a utility's mail, for `dlms2mqtt keys`: the decoder takes keys, never
// mails, so reading a mail lives beside the command.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bridge {

// Finds key 64 (GPK60, encryption) and key 65 (GPK61, authentication) in the text of a
// utility's mail, where the table may be broken across lines. Returns what it found.
struct MailKeys {
    std::optional<std::array<std::uint8_t, 16>> encryption;
    std::optional<std::array<std::uint8_t, 16>> authentication;
    // The key is named in the mail (a row or a name such as "Key 64"), found or not: a key named
    // but missing has no valid 32-digit value after its name.
    bool encryption_named = false;
    bool authentication_named = false;
};
MailKeys keys_from_mail(std::string_view mail);

}  // namespace bridge

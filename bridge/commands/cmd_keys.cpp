// dlms2mqtt keys: the two config lines from the utility's mail pasted on stdin.
#include <iostream>

#include "bridge/commands/args.hpp"
#include "bridge/commands/commands.hpp"
#include "bridge/commands/key_mail.hpp"
#include "bridge/core/capture_input.hpp"
#include "decoder/bytes.hpp"

namespace bridge {

int keys_command(const ArgList& argv) {
    const Args a = parse_args(argv, {}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h") || !a.error.empty() || !a.positional.empty()) {
        (a.error.empty() && a.positional.empty() ? std::cout : std::cerr)
            << "usage: dlms2mqtt keys < mail.txt\n\n"
               "Paste the utility's mail (or just its key table) on stdin; prints the two lines for the\n"
               "meter: section of config.yaml. Key 64 (GPK60) is the encryption key, key 65 (GPK61) the\n"
               "authentication key: as named in the text, or as the rows starting with 64 and 65 of a\n"
               "\"KeyType Generation Key\" table. Exit status 1 when either key is not found; the one\n"
               "found is still printed.\n";
        return a.has("--help") || a.has("-h") ? 0 : 2;
    }
    std::string error;
    auto text = read_all("-", error);
    if (!text) {
        std::cerr << "dlms2mqtt keys: " << error << "\n";
        return 1;
    }
    const auto keys = keys_from_mail(*text);
    // What was found is printed even when a key is missing: one line less to copy by hand.
    if (keys.encryption || keys.authentication) std::cout << "meter:\n";
    if (keys.encryption)
        std::cout << "  encryption_key: \"" << dlms::to_hex(*keys.encryption) << "\"      # key 64 / GPK60\n";
    if (keys.authentication)
        std::cout << "  authentication_key: \"" << dlms::to_hex(*keys.authentication) << "\"  # key 65 / GPK61\n";
    // One line per missing key, naming it as the mail does and the setting to fill in by hand.
    auto missing = [](const char* key, const char* number, bool named, const char* setting) {
        std::cerr << "dlms2mqtt keys: " << key << " not found: "
                  << (named ? std::string("it is named in the text but not followed by 32 hex digits")
                            : std::string("no ") + number + " row in a KeyType/Key table and no \"Key " + number +
                                  "\" in the text")
                  << "; copy it from the mail into " << setting << " by hand\n";
    };
    if (!keys.encryption)
        missing("key 64 (GPK60, encryption)", "64", keys.encryption_named, "meter.encryption_key");
    if (!keys.authentication)
        missing("key 65 (GPK61, authentication)", "65", keys.authentication_named, "meter.authentication_key");
    if (!keys.encryption || !keys.authentication) return 1;
    return 0;
}

}  // namespace bridge

// dlms2mqtt keys: the two config lines from the utility's mail pasted on stdin.
#include <iostream>

#include "bridge/args.hpp"
#include "bridge/capture_input.hpp"
#include "bridge/commands.hpp"
#include "decoder/bytes.hpp"
#include "decoder/keys.hpp"

namespace bridge {

int keys_command(const ArgList& argv) {
    const Args a = parse_args(argv, {}, {"--help", "-h"});
    if (a.has("--help") || a.has("-h") || !a.error.empty() || !a.positional.empty()) {
        (a.error.empty() && a.positional.empty() ? std::cout : std::cerr)
            << "usage: dlms2mqtt keys < mail.txt\n\n"
               "Paste the utility's mail (or just its key table) on stdin; prints the two lines for the\n"
               "meter: section of config.yaml. Key 64 (GPK60) is the encryption key, key 65 (GPK61) the\n"
               "authentication key. Exit status 1 when either key is not found.\n";
        return a.has("--help") || a.has("-h") ? 0 : 2;
    }
    std::string error;
    auto text = read_all("-", error);
    if (!text) {
        std::cerr << "dlms2mqtt keys: " << error << "\n";
        return 1;
    }
    const auto keys = dlms::keys_from_mail(*text);
    if (!keys.encryption || !keys.authentication) {
        std::cerr << "dlms2mqtt keys: could not find " << (keys.encryption ? "" : "key 64 (GPK60, encryption)")
                  << (!keys.encryption && !keys.authentication ? " nor " : "")
                  << (keys.authentication ? "" : "key 65 (GPK61, authentication)")
                  << " in the text; each key is 32 hex digits following its name\n";
        return 1;
    }
    std::cout << "meter:\n"
              << "  encryption_key: \"" << dlms::to_hex(*keys.encryption) << "\"      # key 64 / GPK60\n"
              << "  authentication_key: \"" << dlms::to_hex(*keys.authentication) << "\"  # key 65 / GPK61\n";
    return 0;
}

}  // namespace bridge

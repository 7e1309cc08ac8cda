// dlms2mqtt probe: placeholder replaced below.
#include <iostream>

#include "bridge/commands.hpp"

namespace bridge {
int probe_command(const ArgList&) {
    std::cerr << "dlms2mqtt probe: not available in this build\n";
    return 1;
}
}  // namespace bridge

// The bridge's own version, as CMake's project() sets it: shown by --version, in the start-up
// log line, on the bridge device in Home Assistant and in the UDP and CSV outputs.
#pragma once

namespace bridge {

const char* version();

}  // namespace bridge

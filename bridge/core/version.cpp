#include "bridge/core/version.hpp"

namespace bridge {

const char* version() { return DLMS2MQTT_VERSION; }

}  // namespace bridge

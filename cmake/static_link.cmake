# A statically linked build (cmake/static-linux.cmake sets DLMS2MQTT_STATIC): the
# package files of Debian's yaml-cpp name only its shared library, and Paho C++ built as a static
# library exports its target under another name. Point both at the archives, so every target
# links as it does in the ordinary build.
get_target_property(yaml_configs yaml-cpp IMPORTED_CONFIGURATIONS)
find_library(DLMS2MQTT_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a REQUIRED)
foreach(config IN LISTS yaml_configs)
  set_property(TARGET yaml-cpp PROPERTY IMPORTED_LOCATION_${config} ${DLMS2MQTT_YAML_CPP_ARCHIVE})
endforeach()

if(NOT TARGET PahoMqttCpp::paho-mqttpp3)
  set_property(TARGET PahoMqttCpp::paho-mqttpp3-static PROPERTY IMPORTED_GLOBAL TRUE)
  add_library(PahoMqttCpp::paho-mqttpp3 ALIAS PahoMqttCpp::paho-mqttpp3-static)
endif()

# cpp-httplib header-only (the top-level CMakeLists.txt finds httplib.h): the sysroot's must be the
# whole library from Debian's source (scripts/static-build.sh), not a split build's declarations,
# such as the build machine's own libcpp-httplib-dev, whose definitions are in a shared library.
file(STRINGS ${DLMS2MQTT_HTTPLIB_INCLUDE_DIR}/httplib.h httplib_server_code
     REGEX "^inline bool Server::listen_internal\\(\\)" LIMIT_COUNT 1)
if(NOT httplib_server_code)
  message(FATAL_ERROR "${DLMS2MQTT_HTTPLIB_INCLUDE_DIR}/httplib.h declares cpp-httplib without defining it (a split "
                      "build's header): a static build needs the header-only httplib.h, which "
                      "scripts/static-build.sh puts into the sysroot")
endif()

# The configuration loader: YAML file + DLMS2MQTT_* environment -> bridge::Config.
add_library(dlms_bridge_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_fields.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tcp_endpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/permissions.cpp
)
target_include_directories(dlms_bridge_config PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dlms_bridge_config PUBLIC dlms_decoder yaml-cpp)

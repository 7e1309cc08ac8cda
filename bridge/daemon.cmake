# The daemon and its commands: everything that ties the libraries to the outside world.
add_library(dlms_bridge_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/capture_input.cpp
  ${CMAKE_CURRENT_LIST_DIR}/push_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/serial_port.cpp
  ${CMAKE_CURRENT_LIST_DIR}/daemon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_decode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_keys.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_simulate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_health.cpp
)
target_include_directories(dlms_bridge_core PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_definitions(dlms_bridge_core PRIVATE DLMS2MQTT_VERSION="${PROJECT_VERSION}")
target_link_libraries(dlms_bridge_core PUBLIC dlms_decoder dlms_simulator ha_discovery dlms_bridge_config
                      dlms_bridge_mqtt dlms_bridge_outputs nlohmann_json::nlohmann_json Threads::Threads)

add_executable(dlms2mqtt ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(dlms2mqtt PRIVATE dlms_bridge_core)
install(TARGETS dlms2mqtt RUNTIME DESTINATION bin)

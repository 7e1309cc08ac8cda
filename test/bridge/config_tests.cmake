dlms2mqtt_test(config_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/config_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/config_limits_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/config_mqtt_names_test.cpp
)
target_link_libraries(config_tests PRIVATE dlms_bridge_config test_tools)
# The shipped example must load as it is.
target_compile_definitions(config_tests PRIVATE DLMS2MQTT_CONFIG_EXAMPLE="${PROJECT_SOURCE_DIR}/config.yaml.example")

# Home Assistant discovery and state JSON. Golden files live next to the tests; run with
# DLMS2MQTT_UPDATE_GOLDEN=1 to rewrite them after reviewing a change.
dlms2mqtt_test(ha_discovery_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/ha_discovery/fixtures.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ha_discovery/state_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ha_discovery/discovery_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ha_discovery/sensors_table_test.cpp
)
target_link_libraries(ha_discovery_tests PRIVATE ha_discovery)
target_compile_definitions(ha_discovery_tests PRIVATE
  HA_DISCOVERY_GOLDEN_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ha_discovery/golden")

# MQTT side of the bridge: sink logic against a fake publisher, and the Paho publisher and the
# sink against a real mosquitto started by the tests (test/support/mosquitto_fixture).
dlms2mqtt_test(mqtt_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/mqtt_sink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/mqtt_broker_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/host_check_test.cpp
)
target_link_libraries(mqtt_tests PRIVATE dlms_bridge_mqtt test_tools)

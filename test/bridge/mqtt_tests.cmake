# MQTT side of the bridge: sink logic against a fake publisher, and the Paho publisher and the
# sink against a real mosquitto started by the tests (test/support/mosquitto_fixture).
add_library(test_mqtt_support STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/support/mosquitto_fixture.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/mqtt_probe.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_certs.cpp
)
target_include_directories(test_mqtt_support PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(test_mqtt_support PUBLIC PahoMqttCpp::paho-mqttpp3 Threads::Threads)

dlms2mqtt_test(mqtt_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/mqtt_sink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/mqtt_broker_test.cpp
)
target_link_libraries(mqtt_tests PRIVATE dlms_bridge_mqtt test_mqtt_support)

# The MQTT side of the bridge: the Paho publisher and the Home Assistant sink.
add_library(dlms_bridge_mqtt STATIC
  ${CMAKE_CURRENT_LIST_DIR}/paho_publisher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paho_setup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mqtt_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_check.cpp
)
target_include_directories(dlms_bridge_mqtt PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dlms_bridge_mqtt PUBLIC dlms_decoder ha_discovery PahoMqttCpp::paho-mqttpp3
                      OpenSSL::SSL Threads::Threads)

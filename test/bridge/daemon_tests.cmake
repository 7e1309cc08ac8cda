# The whole daemon end to end: `dlms2mqtt run` as a child process, a real mosquitto on loopback
# and a pseudo-terminal as the meter's serial line. Slow (tens of seconds): every test case is
# labelled "daemon_tests" (the executable's name); run them alone with `ctest -L daemon_tests`.
if(TARGET dlms2mqtt AND TARGET test_mqtt_support)
  add_library(test_process_support STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/support/pty.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/support/process.cpp
  )
  target_include_directories(test_process_support PUBLIC ${PROJECT_SOURCE_DIR})

  dlms2mqtt_test(daemon_tests
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_harness.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_recovery_test.cpp
  )
  target_link_libraries(daemon_tests PRIVATE test_process_support test_mqtt_support PahoMqttCpp::paho-mqttpp3)
  target_compile_definitions(daemon_tests PRIVATE DLMS2MQTT_EXE="$<TARGET_FILE:dlms2mqtt>")
  add_dependencies(daemon_tests dlms2mqtt)
endif()

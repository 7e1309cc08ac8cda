# The HTTP server: its parts alone (http_unit_tests), and inside `dlms2mqtt run` with a real
# mosquitto, a pty as the meter's line and HTTP clients on loopback (http_tests, labelled
# "integration" like the daemon tests).
dlms2mqtt_test(http_unit_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/http_unit_test.cpp)
target_link_libraries(http_unit_tests PRIVATE dlms_bridge_http dlms_simulator)

if(TARGET dlms2mqtt)
  dlms2mqtt_test(http_tests
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_harness.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/http_test.cpp
  )
  target_link_libraries(http_tests PRIVATE test_tools dlms2mqtt_httplib)
  target_compile_definitions(http_tests PRIVATE DLMS2MQTT_EXE="$<TARGET_FILE:dlms2mqtt>")
  add_dependencies(http_tests dlms2mqtt)
  set(labels_script "${CMAKE_CURRENT_BINARY_DIR}/http_tests_labels.cmake")
  file(WRITE "${labels_script}"
    "foreach(t IN LISTS http_tests_TESTS)\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"http_tests;integration\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_script}")
endif()

# The whole daemon end to end: `dlms2mqtt run` as a child process, a real mosquitto on loopback
# and a pseudo-terminal as the meter's serial line. Slow (tens of seconds): every test case is
# labelled "daemon_tests" and "integration"; `ctest -LE integration` leaves them out.
if(TARGET dlms2mqtt)
  dlms2mqtt_test(daemon_tests
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_harness.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_recovery_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_trust_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_network_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_tls_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_notify_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/daemon_broker_name_test.cpp
  )
  target_link_libraries(daemon_tests PRIVATE test_tools)
  target_compile_definitions(daemon_tests PRIVATE DLMS2MQTT_EXE="$<TARGET_FILE:dlms2mqtt>")
  if(DLMS2MQTT_STATIC)  # the broker-name tests expect the static build's advice
    target_compile_definitions(daemon_tests PRIVATE DLMS2MQTT_STATIC=1)
  endif()
  add_dependencies(daemon_tests dlms2mqtt)

  # The test names are only known once the executable lists them, so the extra label is set by
  # a script CTest runs after the one that doctest_discover_tests generates.
  set(labels_script "${CMAKE_CURRENT_BINARY_DIR}/daemon_tests_labels.cmake")
  file(WRITE "${labels_script}"
    "foreach(t IN LISTS daemon_tests_TESTS)\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"daemon_tests;integration\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_script}")
endif()

# The UDP and CSV sinks: loopback datagrams, real files, a tiny tmpfs for the full disk.
dlms2mqtt_test(outputs_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/udp_sink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/csv_sink_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/energy_guard_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/file_safety_test.cpp
)
target_link_libraries(outputs_tests PRIVATE dlms_bridge_outputs test_tools)

# The daemon's loop in this process with an output the test registers beside the standard ones:
# what every output is told (pushes, failures, ticks, link changes).
dlms2mqtt_test(output_list_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/output_list_test.cpp
)
target_link_libraries(output_list_tests PRIVATE dlms_bridge_core dlms_simulator test_tools)

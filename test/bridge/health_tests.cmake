# `dlms2mqtt health` in-process: where the health file and its age come from, and the exit codes.
dlms2mqtt_test(health_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/health_command_test.cpp)
target_link_libraries(health_tests PRIVATE dlms_bridge_commands test_tools)

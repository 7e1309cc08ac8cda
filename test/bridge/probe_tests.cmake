# `dlms2mqtt probe` against a pseudo-terminal the tests feed with simulated meter frames.
dlms2mqtt_test(probe_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/probe_test.cpp)
target_link_libraries(probe_tests PRIVATE dlms_bridge_commands test_tools)

# `dlms2mqtt decode` in-process: its JSON lines byte for byte, and the hex capture reader.
dlms2mqtt_test(decode_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/decode_output_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/decode_errors_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/clock_offset_test.cpp)
target_link_libraries(decode_tests PRIVATE dlms_bridge_commands test_tools)

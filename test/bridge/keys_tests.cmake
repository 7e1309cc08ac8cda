# `dlms2mqtt keys` in-process: the mail on stdin, the config lines on stdout, the missing key on
# stderr; and the mail parser it runs.
dlms2mqtt_test(keys_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/keys_command_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/bridge/key_mail_test.cpp
)
target_link_libraries(keys_tests PRIVATE dlms_bridge_commands)

# Permission-denied messages (config file, serial port) and run's configuration-error exit status.
dlms2mqtt_test(permissions_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/permissions_test.cpp)
target_link_libraries(permissions_tests PRIVATE dlms_bridge_commands)

# systemd's notification protocol without libsystemd (bridge/core/service_notify), against a
# stand-in socket, and the worker's watchdog heartbeat.
dlms2mqtt_test(service_notify_tests ${CMAKE_CURRENT_SOURCE_DIR}/bridge/service_notify_test.cpp)
target_link_libraries(service_notify_tests PRIVATE dlms_bridge_core test_tools)

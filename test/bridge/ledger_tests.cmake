# The energy ledger end to end: simulated captures replayed by the daemon into a ledger file in a
# private folder, read back with `dlms2mqtt ledger`.
if(TARGET dlms2mqtt)
  dlms2mqtt_test(ledger_tests
    ${CMAKE_CURRENT_SOURCE_DIR}/bridge/ledger_test.cpp
  )
  target_link_libraries(ledger_tests PRIVATE test_tools dlms_simulator dlms_bridge_ledger SQLite::SQLite3)
  target_compile_definitions(ledger_tests PRIVATE DLMS2MQTT_EXE="$<TARGET_FILE:dlms2mqtt>")
  add_dependencies(ledger_tests dlms2mqtt)
endif()

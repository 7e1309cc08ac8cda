# The Home Assistant add-on (ha-addon/): its files checked the way the Supervisor reads them, and
# its entry point against a stand-in Supervisor on 127.0.0.1, one CTest test per case (label addon).
# Needs python3 with PyYAML, jq, curl, dash and shellcheck (scripts/deps.sh installs them); without
# them the tests report themselves skipped (exit 77).
set(_addon_dir ${CMAKE_CURRENT_SOURCE_DIR}/addon)
set(_addon_tests addon.files addon.shellcheck)
add_test(NAME addon.files
         COMMAND sh -c "command -v python3 >/dev/null || { echo 'skipped: python3 is missing'; exit 77; }; exec python3 \"$@\"" python3
                 ${_addon_dir}/check_addon.py ${PROJECT_SOURCE_DIR})
foreach(_case supervisor_broker options_broker supervisor_unreachable no_mqtt_service wrong_token
              no_token meter_connection unreadable_options checker_rejects daemon_accepts)
  add_test(NAME addon.entrypoint.${_case} COMMAND ${_addon_dir}/entrypoint_test.sh ${PROJECT_SOURCE_DIR} ${_case})
  list(APPEND _addon_tests addon.entrypoint.${_case})
endforeach()
# The real daemon behind the entry point: it must accept every variable the entry point sets.
set_tests_properties(addon.entrypoint.daemon_accepts PROPERTIES ENVIRONMENT "DLMS2MQTT_BIN=$<TARGET_FILE:dlms2mqtt>")
add_test(NAME addon.shellcheck
         COMMAND sh -c "command -v shellcheck >/dev/null || { echo 'skipped: shellcheck is missing'; exit 77; }; exec shellcheck \"$@\"" shellcheck
                 ${PROJECT_SOURCE_DIR}/ha-addon/dlms2mqtt/dlms2mqtt-addon ${_addon_dir}/entrypoint_test.sh ${_addon_dir}/dump_env.sh)
set_tests_properties(${_addon_tests} PROPERTIES LABELS addon SKIP_RETURN_CODE 77)

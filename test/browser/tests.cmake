# The live page in headless Chromium (Debian's chromium), against a daemon replaying pushes:
# test/browser/live_page_test.py. Not in cross builds (the browser is the build machine's).
# Skipped (exit 77) where Chromium is not installed; scripts/test.sh installs it.
if(TARGET dlms2mqtt AND NOT CMAKE_CROSSCOMPILING)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME browser.live_page
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/browser/live_page_test.py
                     --exe $<TARGET_FILE:dlms2mqtt> --screenshots ${CMAKE_CURRENT_BINARY_DIR}/browser)
    set_tests_properties(browser.live_page PROPERTIES SKIP_RETURN_CODE 77 LABELS "browser;integration" TIMEOUT 300)
  endif()
endif()

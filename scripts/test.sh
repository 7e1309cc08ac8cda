#!/usr/bin/env bash
# The test suite: installs what it needs, builds the debug preset and runs every test with CTest.
# The MQTT and daemon tests start their own mosquitto on a free 127.0.0.1 port and stop it.
# Tests that read the real captures in ../shared/frames say they are skipped when it is absent.
#   scripts/test.sh            debug build
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer build
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-debug}"

# chromium: the live page's test in a real browser; prometheus: promtool checks a live /metrics.
scripts/deps.sh chromium prometheus
# WARNINGS_AS_ERRORS=1 (CI) turns compiler warnings into errors.
cmake --preset "$preset" ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"

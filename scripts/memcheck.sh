#!/usr/bin/env bash
# Runs every test executable of the debug build under valgrind memcheck: any invalid access,
# use of uninitialised memory or definite leak fails the run.
#   scripts/memcheck.sh [test executable names...]    (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh valgrind
cmake --preset debug >/dev/null
cmake --build --preset debug

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  for t in build/debug/test/*_tests; do tests+=("$(basename "$t")"); done
fi

failed=()
for t in "${tests[@]}"; do
  log="build/debug/memcheck-$t.log"
  echo "== valgrind memcheck: $t"
  if valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
       --track-origins=yes --log-file="$log" "build/debug/test/$t" >"build/debug/memcheck-$t.out" 2>&1; then
    tail -n 3 "build/debug/memcheck-$t.out"
  else
    echo "FAILED: $t (see $log)"
    tail -n 30 "$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "memcheck failed: ${failed[*]}"
  exit 1
fi
echo "memcheck clean: ${tests[*]}"

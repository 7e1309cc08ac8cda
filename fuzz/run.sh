#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan + UBSan), writes the seeds and runs each fuzz
# target for the given time. Exits non-zero when a target crashes (or finds a leak, a timeout or
# undefined behaviour); the input that did it is left in build/fuzz/artifacts/.
#
#   fuzz/run.sh [seconds per target]      default 60
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
targets=(decoder_fuzz config_fuzz)

cd "$root"
# WARNINGS_AS_ERRORS=1 (CI) turns compiler warnings into errors.
cmake --preset fuzz ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null
cmake --build --preset fuzz --target "${targets[@]}" seed_gen
fuzz/make_seeds.sh "$build"

mkdir -p "$build/artifacts"
status=0
summary=()
for t in "${targets[@]}"; do
    # New inputs go to the first folder (kept between runs); the seeds are read from the second.
    work="$build/corpus/$t"
    log="$build/$t.log"
    mkdir -p "$work"
    echo "== $t: ${seconds}s (log: $log)"
    if "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$t-" "$work" "$build/seeds/$t" >"$log" 2>&1; then
        result=clean
    else
        result="FAILED (see $log and $build/artifacts/)"
        status=1
        grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:' "$log" || true
    fi
    execs="$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")"
    cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)"
    summary+=("$(printf '%-14s %-8s execs %-10s cov %-6s' "$t" "$result" "${execs:-?}" "${cov:-?}")")
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit "$status"

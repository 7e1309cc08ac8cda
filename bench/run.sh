#!/usr/bin/env bash
# Builds the bench preset (Release), runs the decode benchmarks (5 repetitions, medians reported)
# and counts instructions per push with callgrind, then prints a short table against the goals:
# at most 2 µs and 25,000 instructions to decode one push (BM_FeedStream: framing included).
#
#   bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=Decode]
#
# Timings are CPU time: on a shared machine wall time also counts the waits for a core.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/bench"
json="$build/decode_bench.json"
goal_ns=2000
goal_instructions=25000

cd "$root"
cmake --preset bench >/dev/null
cmake --build --preset bench --target decode_bench decode_loop

"$build/bench/decode_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    --benchmark_out="$json" --benchmark_out_format=json "$@"

instructions_out="$(bench/instructions.sh "$build/bench/decode_loop")"
echo "$instructions_out"
instructions="$(awk -F': ' '/^instructions per push:/ { print $2 }' <<<"$instructions_out")"

echo
echo "medians of 5 repetitions (CPU time):"
jq -r '.benchmarks[] | select(.aggregate_name == "median")
       | [.run_name, (.cpu_time | floor), (.real_time | floor), .time_unit,
          ((.items_per_second // 0) | floor)] | @tsv' "$json" |
    awk -F'\t' 'BEGIN { printf "  %-20s %12s %12s %14s\n", "benchmark", "cpu", "wall", "items/s" }
                { printf "  %-20s %9d %-2s %9d %-2s %14d\n", $1, $2, $4, $3, $4, $5 }'

feed_ns="$(jq -r '.benchmarks[] | select(.aggregate_name == "median" and .run_name == "BM_FeedStream")
                  | if .time_unit == "ns" then .cpu_time elif .time_unit == "us" then .cpu_time * 1000
                    else .cpu_time * 1000000 end | floor' "$json")"
verdict() { if (( $1 <= $2 )); then echo "within goal (<= $2)"; else echo "OVER goal (<= $2)"; fi; }
echo
echo "  decode a push (BM_FeedStream): ${feed_ns} ns CPU      $(verdict "$feed_ns" "$goal_ns")"
echo "  instructions per push:         ${instructions}        $(verdict "$instructions" "$goal_instructions")"

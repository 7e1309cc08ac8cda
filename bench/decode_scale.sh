#!/usr/bin/env bash
# `dlms2mqtt decode` of a capture at two sizes: instructions a push (callgrind, whole process,
# JSON output included) and peak memory (/usr/bin/time). Flat figures mean the cost of a push
# does not grow with the file, as a month of recorded pushes (260,000) needs.
#
#   bench/decode_scale.sh [path/to/dlms2mqtt]     default: build/endurance/bridge/dlms2mqtt (Release)
#   SMALL=100 LARGE=4000 RSS_SMALL=1000 RSS_LARGE=50000 bench/decode_scale.sh
#   TOP=1 bench/decode_scale.sh                    also list the functions costing the most (LARGE run)
#
# Last measured (2-core x86-64, Release, README "Speed and endurance"): 478,175 a push at 100
# (the process's start-up weighs), 314,426 at 4,000, marginal 310,227: the decoder about 24k,
# reading the hex about 15k, the rest nlohmann/json building and dumping the push's tree.
# Goal: at most 400,000 at 4,000.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build/endurance/bridge/dlms2mqtt}"
small="${SMALL:-100}" large="${LARGE:-4000}" rss_small="${RSS_SMALL:-1000}" rss_large="${RSS_LARGE:-50000}"
[ -x "$bin" ] || { echo "decode_scale.sh: $bin not found (cmake -S . -B build/endurance -DCMAKE_BUILD_TYPE=Release -DDLMS2MQTT_BUILD_TESTS=OFF && cmake --build build/endurance --target dlms2mqtt)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "decode_scale.sh: valgrind is not installed" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
keys=(--ek D3400000000000000000000000000064 --ak D3400000000000000000000000000065)

capture() { "$bin" simulate --out "$work/$1.hex" --hex --count "$1" --fast >/dev/null; }
instructions() {  # total instructions of decoding N pushes
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$bin" decode "${keys[@]}" "$work/$1.hex" >/dev/null 2>"$work/cg.$1.err"
  awk '/^(totals|summary):/ { print $2; exit }' "$work/cg.$1"
}
peak_kb() { /usr/bin/time -f %M "$bin" decode "${keys[@]}" "$work/$1.hex" 2>&1 >/dev/null | tail -1; }

for n in "$small" "$large" "$rss_small" "$rss_large"; do [ -f "$work/$n.hex" ] || capture "$n"; done
a="$(instructions "$small")"
b="$(instructions "$large")"
echo "decode, instructions a push (whole process, JSON included):"
echo "  $small pushes: $((a / small)) a push; $large pushes: $((b / large)) a push; marginal ($small..$large): $(((b - a) / (large - small)))"
echo "decode, peak resident memory: $rss_small pushes $(peak_kb "$rss_small") kB; $rss_large pushes $(peak_kb "$rss_large") kB"

if [[ "${TOP:-0}" != 0 ]]; then
  callgrind_annotate --inclusive=no "$work/cg.$large" 2>/dev/null | sed -n '/file:function/,$p' | head -25
fi

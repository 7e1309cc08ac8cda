#!/usr/bin/env bash
# Instructions per decoded push, counted with callgrind (deterministic, unlike timings).
#
# decode_loop builds N simulated Kamstrup frames, then feeds them to one Decoder inside
# dlms2mqtt_decode_pushes(); callgrind collects only inside that function (--toggle-collect).
# Runs N=1000 and N=2000 and divides the difference by 1000, so what only the first push costs
# (buffers growing, OpenSSL's first use) cancels out.
#
#   bench/instructions.sh [path/to/decode_loop]     default: build/bench/bench/decode_loop
#   bench/instructions.sh sink                      the per-push work after decoding (sink_loop:
#                                                   energy guard, the record, MQTT state and diagnostics)
#   bench/instructions.sh ledger                    what the ledger adds to that (sink_loop with a
#                                                   ledger file in a fresh folder: counting, totals,
#                                                   a write a minute of the meter's clock)
#   TOP=1 bench/instructions.sh                    also list the functions costing the most
#
# Caveat: OpenSSL picks its AES-GCM code from the CPU features valgrind reports, which can differ
# from the real CPU's, so the crypto share may differ slightly from a native run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
loop="${1:-$here/../build/bench/bench/decode_loop}"
function="dlms2mqtt_decode_pushes"
if [[ "${1:-}" == sink || "${1:-}" == ledger ]]; then
    loop="$here/../build/bench/bench/sink_loop"
    function="dlms2mqtt_publish_pushes"
fi
[[ -x "$loop" ]] || { echo "instructions.sh: $loop not found; run: cmake --preset bench && cmake --build --preset bench" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Prints the instructions (Ir) collected while decoding $1 pushes.
count() {
    local n="$1" file="$out/callgrind.$1"
    local args=("$n")
    [[ "${LEDGER:-}" == 1 ]] && { rm -f "$out/ledger.sqlite"*; args+=("$out/ledger.sqlite"); }
    valgrind --tool=callgrind --callgrind-out-file="$file" --toggle-collect="$function" \
        "$loop" "${args[@]}" >"$out/stdout.$n" 2>"$out/stderr.$n" || {
        echo "instructions.sh: $loop $n failed:" >&2
        cat "$out/stdout.$n" "$out/stderr.$n" >&2
        exit 1
    }
    # The "totals:" line (or "summary:" in older files) holds the collected Ir.
    awk '/^(totals|summary):/ { print $2; exit }' "$file"
}

if [[ "${1:-}" == ledger ]]; then
    without=$(( ($(count 2000) - $(count 1000)) / 1000 ))
    with=$(( ($(LEDGER=1 count 2000) - $(LEDGER=1 count 1000)) / 1000 ))
    # The ledger's own part: LedgerStage::add (counting, totals, the writes), inclusive.
    stage() { callgrind_annotate --inclusive=yes "$out/callgrind.$1" 2>/dev/null | awk '/LedgerStage::add\(/ && !done { gsub(",", "", $1); print $1; done = 1 }'; }
    LEDGER=1 count 1000 >/dev/null
    s1000="$(stage 1000)"
    LEDGER=1 count 2000 >/dev/null
    s2000="$(stage 2000)"
    echo "instructions per push after decoding: $without without the ledger, $with with it (+$(( with - without )))"
    echo "instructions per push in the ledger stage (counting, totals, a write a minute): $(( (s2000 - s1000) / 1000 ))"
    echo "the rest of the difference is the six totals in the record's state and their JSON in the MQTT state"
    exit 0
fi

ir1000="$(count 1000)"
ir2000="$(count 2000)"
per_push=$(( (ir2000 - ir1000) / 1000 ))
echo "$(basename "$loop") 1000: $ir1000 instructions; 2000: $ir2000 instructions"
echo "instructions per push: $per_push"

if [[ "${TOP:-0}" != 0 ]]; then
    callgrind_annotate --inclusive=no "$out/callgrind.2000" 2>/dev/null | sed -n '/file:function/,$p' | head -25
fi

#!/usr/bin/env bash
# Wake-ups a second of the idle daemon: connected to a broker, the meter's line open and silent
# (a pseudo-terminal nobody writes to). Counts the context switches of every thread of the process
# (Paho's included) from /proc over SECONDS (default 30) after a settling pause.
#
#   bench/wakeups.sh [path/to/dlms2mqtt] [seconds]     default: build/release/bridge/dlms2mqtt, 30
#   HTTP=1 bench/wakeups.sh ...                        with the HTTP server on (http.listen), no client
#
# Prints the wake-ups a second for the whole process and per thread. Goal: at most 4 a second.
set -euo pipefail
source "$(dirname "$0")/../endurance/lib.sh"
BIN="${1:-$ENDURANCE_ROOT/build/release/bridge/dlms2mqtt}"
seconds="${2:-30}"
[ -x "$BIN" ] || { echo "wakeups.sh: $BIN not found; run: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

work="$(mktemp -d /tmp/dlms2mqtt-wakeups-XXXXXX)"
trap 'endurance_stop_all; rm -rf "$work"' EXIT

port="$(free_port)"
start_broker "$work" "$port"
# A silent serial line: a pty whose other side stays open and never writes.
python3 -c '
import os, pty, sys, time
master, slave = pty.openpty()
os.symlink(os.ttyname(slave), sys.argv[1])
time.sleep(float(sys.argv[2]))
' "$work/ttyMeter" "$((seconds + 30))" &
track $!
for _ in $(seq 50); do [ -e "$work/ttyMeter" ] && break; sleep 0.1; done

http=()
[ "${HTTP:-0}" = 1 ] && http=(DLMS2MQTT_HTTP_LISTEN="127.0.0.1:$(free_port)")
env $(daemon_env "$port") "${http[@]}" DLMS2MQTT_SERIAL_PORT="$work/ttyMeter" DLMS2MQTT_LEDGER_PATH="$work/ledger.sqlite" "$BIN" run --config "$(empty_config "$work")" \
  >"$work/daemon.log" 2>&1 &
pid=$!
track "$pid"
sleep 5  # connected, discovery done

# Sum of voluntary + involuntary context switches of each thread: each is a wake-up.
switches() {
  for t in /proc/"$pid"/task/*; do
    awk -v t="$(cat "$t/comm")" '/ctxt_switches/ {n += $2} END {print t, n}' "$t/status"
  done
}
before="$(switches)"
sleep "$seconds"
after="$(switches)"
grep -q "MQTT connected" "$work/daemon.log" || { echo "wakeups.sh: the daemon did not connect:" >&2; cat "$work/daemon.log" >&2; exit 1; }

echo "wake-ups a second over ${seconds} s, idle daemon (broker connected, line silent${http:+, HTTP server on}): $BIN"
paste <(echo "$before") <(echo "$after") | awk -v s="$seconds" '
  { d = $4 - $2; total += d; printf "  thread %-16s %6.2f /s\n", $1, d / s }
  END { printf "whole process: %.2f wake-ups a second (goal <= 4)\n", total / s }'

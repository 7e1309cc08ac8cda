#!/usr/bin/env bash
# Bytes written to storage a day (SD cards wear out): the live daemon on a simulated meter pushing
# every 10 s (registers once an hour, as Kamstrup does), once with the ledger and a CSV row per
# push, once with the ledger alone. Reads write_bytes of /proc/PID/io (the pages the process
# dirties: what the kernel will write) over SECONDS (default 600) after a settling pause, and
# scales it to a day. MQTT is off: it writes nothing to disk.
#
#   bench/write_budget.sh [path/to/dlms2mqtt] [seconds]     default: build/release/bridge/dlms2mqtt, 600
#
# Goal: at most 5 MB a day with the ledger and a CSV per push. WRITE_INTERVAL (seconds, default
# 60) is the ledger's ledger.write_interval for both runs.
set -euo pipefail
source "$(dirname "$0")/../endurance/lib.sh"
BIN="${1:-$ENDURANCE_ROOT/build/release/bridge/dlms2mqtt}"
seconds="${2:-600}"
[ -x "$BIN" ] || { echo "write_budget.sh: $BIN not found; run: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
# /proc/PID/io counts on the file system the files are on: put them on a real disk, not a tmpfs.
work="$(mktemp -d "${WORK_DIR:-/var/tmp}/dlms2mqtt-writes-XXXXXX")"
trap 'endurance_stop_all; rm -rf "$work"' EXIT

start() {  # start NAME [VAR=VALUE...]: a simulated meter on a pty and the daemon reading it
  local name="$1"
  shift
  mkdir -p "$work/$name"
  "$BIN" simulate --pty --link "$work/$name/ttyMeter" --registers-every 3600 >"$work/$name/sim.log" 2>&1 &
  track $!
  for _ in $(seq 50); do [ -e "$work/$name/ttyMeter" ] && break; sleep 0.1; done
  env DLMS2MQTT_MQTT_ENABLED=false DLMS2MQTT_SERIAL_PORT="$work/$name/ttyMeter" \
    DLMS2MQTT_METER_ENCRYPTION_KEY="$DEMO_EK" DLMS2MQTT_METER_AUTHENTICATION_KEY="$DEMO_AK" \
    DLMS2MQTT_LEDGER_PATH="$work/$name/ledger.sqlite" DLMS2MQTT_LEDGER_WRITE_INTERVAL="${WRITE_INTERVAL:-60}" "$@" \
    "$BIN" run --config "$(empty_config "$work/$name")" >"$work/$name/daemon.log" 2>&1 &
  track $!
  echo $! >"$work/$name/pid"
}
written() { awk '/^write_bytes:/ {print $2}' "/proc/$(cat "$work/$1/pid")/io"; }

start ledger_csv DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$work/ledger_csv/csv" DLMS2MQTT_CSV_INTERVAL=push
start ledger_only
sleep 30  # files created, first writes done
a0=$(written ledger_csv); b0=$(written ledger_only)
sleep "$seconds"
a1=$(written ledger_csv); b1=$(written ledger_only)
per_day() { echo $(( ($2 - $1) * 86400 / seconds )); }
echo "over $seconds s, scaled to a day (ledger.write_interval ${WRITE_INTERVAL:-60} s):"
echo "  ledger + CSV per push: $(per_day "$a0" "$a1") bytes a day"
echo "  ledger alone:          $(per_day "$b0" "$b1") bytes a day"
ls -l "$work"/*/ledger.sqlite* | awk '{print "  " $5, $9}'

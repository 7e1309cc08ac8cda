#!/usr/bin/env bash
# The armhf package's binary as a Pi Zero W runs it: taken from the unpacked package and started
# by qemu-arm on the Zero's ARM1176 core with the unpacked tree as its root (-L), it decodes
# simulated pushes, and `run --replay` publishes their state to a private mosquitto on a free
# 127.0.0.1 port, which is stopped by its PID at the end. Prints the figures the README gives:
# qemu's peak RSS while the daemon runs (the daemon's own and the emulator's together, so an upper
# bound) and the time from start to the first state message.
#   scripts/pi-zero-check.sh TREE      TREE: the package unpacked with dpkg-deb -x
# Called by scripts/deb-test.sh armhf.
set -euo pipefail
source "$(dirname "$0")/../endurance/lib.sh"  # start_broker, free_port, and stopping what it started
tree="$(cd "${1:?usage: scripts/pi-zero-check.sh TREE}" && pwd)"
die() { echo "pi-zero-check: $*" >&2; exit 1; }
qemu=$(command -v qemu-arm-static || command -v qemu-arm) || die "no qemu-arm (apt-get install qemu-user-static)"
zero=("$qemu" -cpu arm1176 -L "$tree" "$tree/usr/bin/dlms2mqtt")
work=$(mktemp -d)
trap 'endurance_stop_all; rm -rf "$work"' EXIT

"${zero[@]}" --version
"${zero[@]}" simulate --out "$work/pushes.bin" --count 3 --fast
export DLMS2MQTT_METER_ENCRYPTION_KEY="$DEMO_EK" DLMS2MQTT_METER_AUTHENTICATION_KEY="$DEMO_AK"
decoded=$("${zero[@]}" decode --binary "$work/pushes.bin" | grep -c '"energy_import"')
[ "$decoded" -eq 3 ] || die "decoded $decoded of 3 simulated pushes on the ARM1176"
echo "ok: 3 simulated pushes decoded on the ARM1176"

port=$(free_port)
start_broker "$work" "$port"
# Every state message with the time it arrived, in nanoseconds.
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'dlms2mqtt/+/state' -F '%U %p' >"$work/states" &
track $!
sleep 0.5

start_ns=$(date +%s%N)
DLMS2MQTT_MQTT_HOST=127.0.0.1 DLMS2MQTT_MQTT_PORT="$port" DLMS2MQTT_METER_PUSH_INTERVAL=1 \
  /usr/bin/time -f '%M' -o "$work/peak_kb" "${zero[@]}" run --replay "$work/pushes.bin" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log" >&2; die "run --replay failed on the ARM1176"; }
for _ in $(seq 50); do [ "$(wc -l <"$work/states")" -ge 3 ] && break; sleep 0.1; done
states=$(wc -l <"$work/states")
[ "$states" -ge 3 ] || { cat "$work/run.log" >&2; die "$states of 3 state messages reached the broker"; }
grep -q '"energy_import"' "$work/states" || die "the state messages carry no energy_import: $(head -c 300 "$work/states")"
first_ns=$(head -n 1 "$work/states" | cut -d' ' -f1 | tr -d .)
first_ns=${first_ns}000
first_ns=${first_ns:0:19}
echo "ok: run --replay on the ARM1176 published $states state messages to mosquitto on 127.0.0.1:$port"
echo "pi zero figures: peak RSS $(cat "$work/peak_kb") kB (qemu-arm and the daemon), first state message $(( (first_ns - start_ns) / 1000000 )) ms after start"

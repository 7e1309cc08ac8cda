#!/usr/bin/env bash
# The whole daemon without a meter: a simulated encrypted Kamstrup meter on a pseudo-terminal,
# `dlms2mqtt run` reading it, a private mosquitto on a free 127.0.0.1 port, and mosquitto_sub
# showing the Home Assistant discovery and the sensors' state, and the live page on another free
# 127.0.0.1 port (open the address it prints while the demo runs). Stops everything when done.
#   DEMO_SECONDS=60 scripts/demo.sh    run longer (default 25 s)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${DEMO_SECONDS:-25}"

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target dlms2mqtt
bin="$PWD/build/release/bridge/dlms2mqtt"

work="$(mktemp -d)"
pids=()
cleanup() {
  # Newest first: the daemon says "offline" to a broker that is still there.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; sleep 0.3; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=18830
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

http_port=$((port + 1))
while (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; do http_port=$((http_port + 1)); done

"$bin" simulate --pty --link "$work/ttyMeter" --interval 5 &
pids+=($!)
for _ in $(seq 50); do [ -e "$work/ttyMeter" ] && break; sleep 0.1; done

# The demo keys of `dlms2mqtt simulate` (not a real meter's).
DLMS2MQTT_SERIAL_PORT="$work/ttyMeter" \
DLMS2MQTT_MQTT_HOST=127.0.0.1 DLMS2MQTT_MQTT_PORT="$port" \
DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
DLMS2MQTT_METER_PUSH_INTERVAL=5 \
DLMS2MQTT_LEDGER_PATH="$work/ledger.sqlite" \
DLMS2MQTT_HTTP_LISTEN="127.0.0.1:$http_port" \
  "$bin" run &
pids+=($!)

echo "== the live page: http://127.0.0.1:$http_port/ (Prometheus: http://127.0.0.1:$http_port/metrics)"
echo "== mosquitto_sub -h 127.0.0.1 -p $port -v -t 'dlms2mqtt/#' -t 'homeassistant/#' (for ${seconds} s)"
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'dlms2mqtt/#' -t 'homeassistant/#' -W "$seconds" | cut -c1-300 || true
echo "== a scrape of /metrics, the power lines:"
curl -s "http://127.0.0.1:$http_port/metrics" | grep -E '^dlms2mqtt_power_(import|export|net)_watts' || true
echo "== done: the sensors above are what Home Assistant discovers"

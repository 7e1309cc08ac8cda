#!/usr/bin/env bash
# What the live page costs the daemon: CPU time and resident memory over a period without any
# client, then over the same period with the page open in headless Chromium (it polls api/live
# every 2 s and the ledger every minute), with a simulated meter pushing every 10 s into a
# private mosquitto. Also the bytes one page load moves (page, script, style, Chart.js and the
# first API answers, gzip as a browser asks for it).
#
#   bench/page_cost.sh [path/to/dlms2mqtt] [seconds]    default: build/release/bridge/dlms2mqtt, 120
#
# CPU is the process's utime + stime from /proc (ticks of 10 ms), as a share of one core.
set -euo pipefail
source "$(dirname "$0")/../endurance/lib.sh"
BIN="${1:-$ENDURANCE_ROOT/build/release/bridge/dlms2mqtt}"
seconds="${2:-120}"
[ -x "$BIN" ] || { echo "page_cost.sh: $BIN not found; run: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
command -v chromium >/dev/null || { echo "page_cost.sh: needs chromium (apt-get install chromium)" >&2; exit 1; }

work="$(mktemp -d /tmp/dlms2mqtt-page-cost-XXXXXX)"
trap 'endurance_stop_all; rm -rf "$work"' EXIT

port="$(free_port)"
start_broker "$work" "$port"
"$BIN" simulate --pty --link "$work/ttyMeter" >/dev/null &
track $!
for _ in $(seq 50); do [ -e "$work/ttyMeter" ] && break; sleep 0.1; done
http_port="$(free_port)"
env $(daemon_env "$port") DLMS2MQTT_SERIAL_PORT="$work/ttyMeter" DLMS2MQTT_LEDGER_PATH="$work/ledger.sqlite" \
  DLMS2MQTT_HTTP_LISTEN="127.0.0.1:$http_port" "$BIN" run --config "$(empty_config "$work")" >"$work/daemon.log" 2>&1 &
pid=$!
track "$pid"
base="http://127.0.0.1:$http_port"
for _ in $(seq 100); do curl -sf "$base/api/live" | grep -q '"sequence":[1-9]' && break; sleep 0.5; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
measure() {  # label: CPU share and RSS at the end of $seconds
  local before after
  before=$(cpu_ticks)
  sleep "$seconds"
  after=$(cpu_ticks)
  read -r rss anon < <(vm_rss_kb "$pid")
  awk -v l="$1" -v t=$((after - before)) -v s="$seconds" -v r="$rss" -v a="$anon" \
    'BEGIN { printf "%-22s CPU %.3f %% of a core, RSS %d kB (anonymous %d kB)\n", l, t / s, r, a }'
}

echo "over ${seconds} s each, a push every 10 s: $BIN"
measure "no client:"
chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
  --remote-debugging-port=0 "$base/" >/dev/null 2>&1 &
track $!
sleep 10  # loaded, charts drawn
measure "page open:"

# One page load as a browser makes it (assets compressed), then the API calls that draw it.
total=0
for path in / app.js style.css chart.min.js api/live "api/ledger?every=hour&from=today&to=today" \
            "api/ledger?every=day&from=month&to=today" "api/ledger?every=15min&from=yesterday&to=today"; do
  bytes=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip, deflate, br' -w '%{size_header} %{size_download}' "$base/${path#/}" |
          awk '{print $1 + $2}')
  printf '  %-50s %7d bytes\n' "/${path#/}" "$bytes"
  total=$((total + bytes))
done
echo "one page load: $total bytes (goal <= 300 KB); then api/live every 2 s: $(curl -s -o /dev/null -H 'Accept-Encoding: gzip, deflate, br' -w '%{size_download}' "$base/api/live") bytes each"

#!/usr/bin/env bash
# Soak: N simulated pushes (default 1,000,000) replayed as fast as possible through the whole
# daemon into a private mosquitto, with a subscriber counting the state messages:
#
#   dlms2mqtt simulate --out - --count N --fast | dlms2mqtt run --replay - --fast ──► mosquitto ──► mosquitto_sub
#
# Reports wall time, the daemon's CPU per push (user+sys from /usr/bin/time -v, over N), its peak
# RSS, its RSS sampled every second from /proc/<pid>/status (first, middle, last, max), and the
# state messages received against the pushes sent. The simulator is a separate process: its CPU
# is reported apart. Goals: daemon RSS < 10 MB without growth, the whole soak < 60 s, nothing lost.
#
#   endurance/soak.sh [N]        e.g. endurance/soak.sh 100000 for a quick check
#   SOAK_RATE=R                  feed R pushes per second (endurance/pace) instead of as fast as
#                                possible: the sustained rate, without the replay's own losses
#   ENDURANCE_BIN=PATH           use this binary rather than building build/endurance
#   SOAK_KEEP=1                  keep the working folder (logs, samples) and print its path
#
# Exit 0 when every push was received as a state message, 1 otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

n="${1:-1000000}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [pushes]" >&2; exit 2; }
endurance_build

work="$(mktemp -d /tmp/dlms2mqtt-soak-XXXXXX)"
cleanup() {
  endurance_stop_all
  if [ -n "${SOAK_KEEP:-}" ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port="$(free_port)"
# No limit on what the broker queues for the counting subscriber: a message lost between the
# broker and the counter would be blamed on the daemon.
start_broker "$work" "$port" "max_queued_messages 0" "max_inflight_messages 0"

# Counter: one '"frame_counter":N' line per state message, and one "endurance/ready" line per
# probe message (to know when the subscription is in place).
mkfifo "$work/sub.fifo"
grep --line-buffered -o -E '"frame_counter":[0-9]+|^endurance/ready' <"$work/sub.fifo" >"$work/counters" &
counter_pid=$!
track "$counter_pid"
stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -i endurance-soak-counter -v \
  -t "$STATE_TOPIC" -t endurance/ready >"$work/sub.fifo" 2>"$work/sub.log" &
sub_pid=$!
track "$sub_pid"
for _ in $(seq 100); do
  grep -q endurance/ready "$work/counters" && break
  mosquitto_pub -h 127.0.0.1 -p "$port" -t endurance/ready -m x
  sleep 0.1
done
grep -q endurance/ready "$work/counters" || { echo "the counting subscriber did not start" >&2; exit 1; }

config="$(empty_config "$work")"
# Without SOAK_RATE the pacer is `cat`: as fast as possible.
pacer=(cat)
if [ -n "${SOAK_RATE:-}" ]; then
  frame_bytes=$("$BIN" simulate --out - --count 1 --fast | wc -c)
  pacer=("$ENDURANCE_BUILD/endurance/pace" $((SOAK_RATE * frame_bytes)))
fi
echo "== soak: $n pushes, simulate --fast | ${SOAK_RATE:+pace $SOAK_RATE/s | }run --replay - --fast -> mosquitto 127.0.0.1:$port"
start=$(date +%s.%N)
# The simulator starts 1 s late: the daemon waits for its broker connection before reading a
# replay, and a pipe filled meanwhile would arrive as one burst (counted in the wall time).
{ sleep 1; exec /usr/bin/time -f '%U %S' -o "$work/sim.time" "$BIN" simulate --out - --count "$n" --fast; } | "${pacer[@]}" |
  /usr/bin/time -v -o "$work/daemon.time" \
    env $(daemon_env "$port") DLMS2MQTT_MQTT_CLIENT_ID=dlms2mqtt-soak DLMS2MQTT_LEDGER_PATH="$work/ledger.sqlite" \
    "$BIN" run --config "$config" --replay - --fast 2>"$work/daemon.log" &
time_pid=$!
track "$time_pid"

# The daemon is /usr/bin/time's child (env, until it has exec'd dlms2mqtt).
daemon_pid=""
for _ in $(seq 500); do
  daemon_pid="$(cat "/proc/$time_pid/task/$time_pid/children" 2>/dev/null | awk '{print $1}')" || true
  [ -n "$daemon_pid" ] && [ "$(cat "/proc/$daemon_pid/comm" 2>/dev/null)" = dlms2mqtt ] && break
  sleep 0.01
done
[ -n "$daemon_pid" ] || { echo "the daemon did not start" >&2; exit 1; }

# RSS every second while it runs: "seconds VmRSS RssAnon" (kB).
: >"$work/rss"
while kill -0 "$daemon_pid" 2>/dev/null; do
  rss="$(vm_rss_kb "$daemon_pid")"
  [ -n "$rss" ] && echo "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.0f", n - s}') $rss" >>"$work/rss"
  sleep 1
done
wait "$time_pid" && rc=0 || rc=$?
end=$(date +%s.%N)

# Let the broker hand the counter what it still holds: wait until the count stops growing.
last=-1
for _ in $(seq 60); do
  size=$(stat -c %s "$work/counters")
  [ "$size" = "$last" ] && break
  last=$size
  sleep 1
done
stop_pid "$sub_pid"
wait "$counter_pid" 2>/dev/null || true

# ---- report ----
wall=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", e - s}')
read -r user sys < <(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u, s}' "$work/daemon.time")
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/daemon.time")
read -r sim_user sim_sys < "$work/sim.time"
grep -o '[0-9]*$' "$work/counters" | grep -v '^$' >"$work/frame_counters" || true
received=$(wc -l <"$work/frame_counters")
unique=$(sort -un "$work/frame_counters" | wc -l)
lost=$((n - unique))

echo "daemon exit status: $rc"
printf 'wall time:            %s s, start to exit, with the 1 s head start (goal < 60 s)\n' "$wall"
awk -v u="$user" -v s="$sys" -v n="$n" 'BEGIN {printf "daemon CPU:           %.2f s user + %.2f s sys = %.2f us per push\n", u, s, (u + s) * 1e6 / n}'
awk -v u="$sim_user" -v s="$sim_sys" -v n="$n" 'BEGIN {printf "simulator CPU:        %.2f s user + %.2f s sys = %.2f us per push (separate process)\n", u, s, (u + s) * 1e6 / n}'
awk -v k="$peak_kb" 'BEGIN {printf "daemon peak RSS:      %.1f MB (time -v; goal < 10 MB)\n", k / 1024}'
if [ -s "$work/rss" ]; then
  samples=$(wc -l <"$work/rss")
  awk -v n="$samples" '
    NR == 1 {first = $0} NR == int((n + 1) / 2) {middle = $0} {last = $0; if ($2 > max) {max = $2; at = $1}}
    function mb(line,  f) { split(line, f, " "); return sprintf("%.1f MB (anon %.1f) at %d s", f[2] / 1024, f[3] / 1024, f[1]) }
    END {
      printf "RSS samples (1/s):    %d; first %s, middle %s, last %s; max %.1f MB at %d s\n", n, mb(first), mb(middle), mb(last), max / 1024, at
    }' "$work/rss"
fi
echo "state messages:       $received received, $unique distinct frame counters, $n pushes sent, $lost lost"
grep -E "frames dropped|stopping:|MQTT (publish|connection)|broker not reachable" "$work/daemon.log" | sed 's/^/daemon log: /' | tail -n 12 || true
[ "$rc" = 0 ] && [ "$lost" = 0 ]

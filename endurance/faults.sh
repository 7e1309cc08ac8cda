#!/usr/bin/env bash
# Fault scenarios against the whole daemon, each with its own mosquitto (127.0.0.1, free port),
# simulated meter and folder; each stops what it started and prints PASS/FAIL with the evidence.
#
#   a  broker down for FAULT_BROKER_DOWN s (default 60) while pushes flow at 1/s, CSV on:
#      every push is a CSV row, and the newest state reaches a subscriber once the broker is back
#   b  serial device removed (simulator killed, link removed) for 10 s, then a device on the same
#      link carrying on the frame counter: its pushes are published, one log line per change
#   c  CSV folder on a 64 KiB tmpfs filled up: state keeps flowing, the error is logged
#      rate-limited, rows are written again once space is freed (needs root for mount)
#   d  SIGKILL at random moments while rows are written continuously (FAULT_KILL_ROUNDS, 5):
#      every line stays complete, and a restart on the same folder finds a valid file
#   e  27 h of pushes every 10 s through midnight and the end of DST (Europe/Copenhagen,
#      2026-10-24 22:00 to 2026-10-26 01:00) under libfaketime at 720x (FAULT_FAKE_HOURS=27):
#      one CSV file per local day, "energy today" restarting at midnight, both UTC offsets on
#      the DST day
#
#   endurance/faults.sh [a b c d e]     default: all
#   ENDURANCE_BIN=PATH                   use this binary rather than building build/endurance
#   FAULTS_KEEP=1                        keep the working folder (logs, CSV files)
#
# Exit 0 when no scenario failed (skipped ones do not count), 1 otherwise.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

scenarios="${*:-a b c d e}"
endurance_build
root="$(mktemp -d /tmp/dlms2mqtt-faults-XXXXXX)"
mounted=""
finish() {
  endurance_stop_all
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  if [ -n "${FAULTS_KEEP:-}" ]; then echo "kept: $root"; else rm -rf "$root"; fi
}
trap finish EXIT

results=()
record() {  # record NAME PASS|FAIL|SKIP EVIDENCE
  results+=("$1|$2|$3")
  echo "   => $2: $3"
}

# ---- helpers ----

now() { date +%s.%N; }
since() { awk -v s="$1" -v n="$(now)" 'BEGIN {printf "%.1f", n - s}'; }

# wait_until TIMEOUT_S COMMAND...: true once COMMAND succeeds, false after the timeout.
wait_until() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# start_daemon DIR PORT [VAR=value...]: reads DIR/ttyMeter; log in DIR/daemon.log.
start_daemon() {
  local dir="$1" port="$2"
  shift 2
  env $(daemon_env "$port") DLMS2MQTT_SERIAL_PORT="$dir/ttyMeter" DLMS2MQTT_METER_PUSH_INTERVAL=1 \
    DLMS2MQTT_MQTT_CLIENT_ID="dlms2mqtt-fault-$(basename "$dir")" DLMS2MQTT_LEDGER_PATH="$dir/ledger.sqlite" "$@" \
    "$BIN" run --config "$(empty_config "$dir")" >>"$dir/daemon.log" 2>&1 &
  DAEMON_PID=$!
  track "$DAEMON_PID"
}

# start_sim DIR [simulate options...]: a simulated meter on DIR/ttyMeter.
start_sim() {
  local dir="$1"
  shift
  "$BIN" simulate --pty --link "$dir/ttyMeter" "$@" >>"$dir/sim.log" 2>&1 &
  SIM_PID=$!
  track "$SIM_PID"
  wait_until 10 test -e "$dir/ttyMeter"
}

# start_sub DIR PORT FILE: state messages (and probes) into FILE, line by line; returns once
# the subscription is in place.
start_sub() {
  local dir="$1" port="$2" file="$3"
  : >"$file"
  stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -v -t "$STATE_TOPIC" -t endurance/probe >"$file" 2>>"$dir/sub.log" &
  SUB_PID=$!
  track "$SUB_PID"
  local i
  for i in $(seq 50); do
    grep -q '^endurance/probe' "$file" && return 0
    mosquitto_pub -h 127.0.0.1 -p "$port" -t endurance/probe -m x 2>/dev/null
    sleep 0.2
  done
  return 1
}

# The frame counters of the state messages in FILE, one a line; the highest (0 when none).
counters() { grep -o '"frame_counter":[0-9]*' "$1" | cut -d: -f2; }
max_counter() { local m; m=$(counters "$1" | sort -n | tail -n 1); echo "${m:-0}"; }
counter_reached() { [ "$(max_counter "$1")" -ge "$2" ]; }

# Data rows of every daily CSV file in DIR.
csv_rows() { cat "$1"/*.csv 2>/dev/null | grep -vc '^time,' || true; }
rows_at_least() { [ "$(csv_rows "$1")" -ge "$2" ]; }

# One line per problem of a CSV file: a last line without '\n', rows whose column count is not
# the header's. Nothing when the file is valid. (No field holds a comma: numbers and plain text.)
csv_problems() {
  local f="$1"
  [ -s "$f" ] || { echo "$(basename "$f"): empty"; return; }
  [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || echo "$(basename "$f"): last line incomplete"
  awk -F, 'NR == 1 {n = NF; next} NF != n {bad++; if (!first) first = NR}
    END {if (bad) printf "%s: %d rows without the header'\''s %d columns (first: line %d)\n", FILENAME, bad, n, first}' "$f"
}
all_csv_problems() { local f; for f in "$1"/*.csv; do [ -e "$f" ] && csv_problems "$f"; done; }

log_count() { grep -c -- "$2" "$1/daemon.log" || true; }
log_has() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }  # log_has DIR PATTERN N

new_dir() { mkdir -p "$root/$1" && echo "$root/$1"; }

# ---- a: broker down ----

scenario_a() {
  local down="${FAULT_BROKER_DOWN:-60}" dir port k t0 rows newest got problems
  dir="$(new_dir a)"
  port="$(free_port)"
  # One push a second; the last is written while the broker is still away, so the newest state
  # can only reach the subscriber through what the daemon kept or re-sends on reconnecting.
  k=$((down + 1))
  echo "== a: broker down for $down s while $k pushes flow at 1/s (CSV on)"
  start_broker "$dir" "$port" || { record a FAIL "mosquitto did not start"; return; }
  start_sim "$dir" --interval 1 --count "$k"
  start_daemon "$dir" "$port" DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$dir/csv"
  wait_until 20 rows_at_least "$dir/csv" 3 || { record a FAIL "no CSV rows within 20 s"; endurance_stop_all; return; }
  stop_pid "$BROKER_PID"
  echo "   broker stopped after $(csv_rows "$dir/csv") rows"
  t0=$(now)
  sleep "$down"
  start_broker "$dir" "$port" || { record a FAIL "mosquitto did not restart"; endurance_stop_all; return; }
  start_sub "$dir" "$port" "$dir/after.txt" || { record a FAIL "subscriber did not start"; endurance_stop_all; return; }
  echo "   broker back after $(since "$t0") s; waiting for the daemon to reconnect"
  wait_until 90 log_has "$dir" 'MQTT connected' 2
  wait_until 30 eval '! alive $SIM_PID'
  sleep 3
  rows=$(csv_rows "$dir/csv")
  newest=$(max_counter "$dir/after.txt")
  got=$(counters "$dir/after.txt" | wc -l)
  problems=$(all_csv_problems "$dir/csv")
  endurance_stop_all
  grep -E "MQTT (connect|connection)" "$dir/daemon.log" | sed 's/^/   log: /' | tail -n 8
  local evidence="$k pushes written, $rows CSV rows; after the restart the subscriber got $got states, newest frame_counter ${newest:-none} (pushed last: $k)${problems:+; $problems}"
  if [ "$rows" = "$k" ] && [ "${newest:-0}" = "$k" ] && [ -z "$problems" ]; then record a PASS "$evidence"; else record a FAIL "$evidence"; fi
}

# ---- b: serial device removed and returned ----

scenario_b() {
  local dir port fb first=5 total=20 newest lines went reading retry
  dir="$(new_dir b)"
  port="$(free_port)"
  echo "== b: serial device removed for 10 s, then back on the same link"
  start_broker "$dir" "$port" || { record b FAIL "mosquitto did not start"; return; }
  start_sub "$dir" "$port" "$dir/states.txt" || { record b FAIL "subscriber did not start"; endurance_stop_all; return; }
  # One meter's pushes 1..20: the simulator sends the first 5; the returning device carries on
  # from 6 (a new simulator would start again at 1, which the daemon refuses as replayed).
  "$BIN" simulate --out "$dir/capture.bin" --count "$total" --fast --interval 1
  fb=$(( $(stat -c %s "$dir/capture.bin") / total ))
  start_sim "$dir" --interval 1 --count "$first"
  start_daemon "$dir" "$port"
  wait_until 20 counter_reached "$dir/states.txt" "$first" || { record b FAIL "the first $first pushes were not published"; endurance_stop_all; return; }
  stop_pid "$SIM_PID"
  rm -f "$dir/ttyMeter"
  echo "   device removed after push $first"
  sleep 10
  tail -c +$((first * fb + 1)) "$dir/capture.bin" | "$ENDURANCE_BUILD/endurance/pace" "$fb" --pty "$dir/ttyMeter" 2>>"$dir/sim.log" &
  track $!
  echo "   device back; waiting for push $total"
  wait_until 60 counter_reached "$dir/states.txt" "$total"
  newest=$(max_counter "$dir/states.txt")
  lines=$(counters "$dir/states.txt" | awk -v f="$first" '$1 > f' | sort -un | wc -l)
  endurance_stop_all
  went=$(log_count "$dir" "went away")
  retry=$(log_count "$dir" "retrying every few seconds")
  reading=$(log_count "$dir" "info: reading ")
  grep -E "serial port|reading |meter .* (sent nothing|pushing again)" "$dir/daemon.log" | sed 's/^/   log: /'
  local evidence="pushes $((first + 1))..$total after the return: $lines of $((total - first)) published (newest ${newest:-none}); log: $went 'went away', $retry 'retrying', $reading 'reading' lines"
  if [ "$lines" = $((total - first)) ] && [ "$went" = 1 ] && [ "$retry" -le 1 ] && [ "$reading" = 2 ]; then
    record b PASS "$evidence"
  else
    record b FAIL "$evidence"
  fi
}

# ---- c: disk full ----

scenario_c() {
  local dir port rows_full c_full c_after errors rows_after problems hold=8
  dir="$(new_dir c)"
  port="$(free_port)"
  echo "== c: CSV folder on a 64 KiB tmpfs, filled up, then freed"
  mkdir -p "$dir/csv"
  if ! mount -t tmpfs -o size=64k tmpfs "$dir/csv" 2>"$dir/mount.err"; then
    record c SKIP "cannot mount a tmpfs: $(head -n 1 "$dir/mount.err") (needs root)"
    return
  fi
  mounted="$dir/csv"
  start_broker "$dir" "$port" || { record c FAIL "mosquitto did not start"; return; }
  start_sub "$dir" "$port" "$dir/states.txt" || { record c FAIL "subscriber did not start"; endurance_stop_all; return; }
  start_sim "$dir" --interval 1
  start_daemon "$dir" "$port" DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$dir/csv"
  wait_until 20 rows_at_least "$dir/csv" 3 || { record c FAIL "no CSV rows within 20 s"; endurance_stop_all; return; }
  dd if=/dev/zero of="$dir/csv/filler" bs=4k 2>/dev/null
  echo "   tmpfs filled at $(csv_rows "$dir/csv") rows: $(df -k "$dir/csv" | awk 'NR == 2 {print $4}') KiB free"
  wait_until 30 log_has "$dir" 'csv: cannot' 1
  rows_full=$(csv_rows "$dir/csv")
  c_full=$(max_counter "$dir/states.txt")
  sleep "$hold"  # full for a while: state must keep flowing, the error must not repeat per push
  c_after=$(max_counter "$dir/states.txt")
  errors=$(log_count "$dir" 'csv: cannot')
  rm -f "$dir/csv/filler"
  echo "   space freed"
  wait_until 15 rows_at_least "$dir/csv" $((rows_full + 2))
  rows_after=$(csv_rows "$dir/csv")
  problems=$(all_csv_problems "$dir/csv")
  endurance_stop_all
  umount "$dir/csv" && mounted=""
  grep "csv:" "$dir/daemon.log" | sed 's/^/   log: /' | cut -c1-200
  local pushed=$((c_after - c_full))
  local evidence="while full for ${hold} s: $pushed states published, $rows_full rows kept, $errors CSV error lines; after freeing: $((rows_after - rows_full)) new rows${problems:+; $problems}"
  if [ "$pushed" -ge $((hold - 2)) ] && [ "$errors" -ge 1 ] && [ "$errors" -lt "$pushed" ] &&
     [ "$rows_after" -gt "$rows_full" ] && [ -z "$problems" ]; then
    record c PASS "$evidence"
  else
    record c FAIL "$evidence"
  fi
}

# ---- d: SIGKILL while writing ----

kill_round() {  # kill_round DIR ROUND: one daemon writing rows as fast as it can, killed at random
  local dir="$1" ms=$((300 + RANDOM % 1700)) tail_bytes f
  "$BIN" simulate --out - --fast --interval 10 2>/dev/null |
    env DLMS2MQTT_MQTT_ENABLED=false DLMS2MQTT_LEDGER_ENABLED=false DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$dir/csv" \
      DLMS2MQTT_METER_ENCRYPTION_KEY="$DEMO_EK" DLMS2MQTT_METER_AUTHENTICATION_KEY="$DEMO_AK" \
      "$BIN" run --config "$dir/empty.yaml" --replay - --fast >>"$dir/daemon.log" 2>&1 &
  local pid=$!
  track "$pid"
  wait_until 10 rows_at_least "$dir/csv" 1
  sleep "$(awk -v m="$ms" 'BEGIN {print m / 1000}')"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  for f in "$dir"/csv/*.csv; do
    tail_bytes=0
    [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || tail_bytes=$(tail -n 1 "$f" | wc -c)
    echo "   round $2: killed after ${ms} ms at $(csv_rows "$dir/csv") rows; torn tail: $tail_bytes bytes"
    [ "$tail_bytes" = 0 ] || torn=$((torn + 1))
  done
  endurance_stop_all
}

scenario_d() {
  local dir rounds="${FAULT_KILL_ROUNDS:-5}" r rows problems repaired
  dir="$(new_dir d)"
  empty_config "$dir" >/dev/null
  echo "== d: SIGKILL at a random moment while rows are written, $rounds rounds"
  torn=0
  for r in $(seq "$rounds"); do kill_round "$dir" "$r"; done
  # A restart on the same folder: the sink checks (and would repair) every daily file.
  env DLMS2MQTT_MQTT_ENABLED=false DLMS2MQTT_LEDGER_ENABLED=false DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$dir/csv" \
    DLMS2MQTT_METER_ENCRYPTION_KEY="$DEMO_EK" DLMS2MQTT_METER_AUTHENTICATION_KEY="$DEMO_AK" \
    "$BIN" run --config "$dir/empty.yaml" --replay /dev/null --fast >>"$dir/daemon.log" 2>&1
  rows=$(csv_rows "$dir/csv")
  problems=$(all_csv_problems "$dir/csv")
  repaired=$(log_count "$dir" "cut a torn last line")
  local evidence="$rounds kills, $torn left a torn last line, $repaired repaired on restart; $rows rows, ${problems:-every row has the header column count and ends in a newline}"
  if [ "$torn" = 0 ] && [ -z "$problems" ]; then record d PASS "$evidence"; else record d FAIL "$evidence"; fi
}

# ---- e: midnight and DST under faketime ----

scenario_e() {
  local dir port hours="${FAULT_FAKE_HOURS:-27}" speed=720 start="2026-10-24 22:00:00" n files problems
  dir="$(new_dir e)"
  echo "== e: ${hours} h of pushes every 10 s from $start Europe/Copenhagen, at ${speed}x under faketime"
  if ! command -v faketime >/dev/null; then
    record e SKIP "faketime is not installed (apt-get install faketime)"
    return
  fi
  port="$(free_port)"
  n=$((hours * 360))
  export TZ=Europe/Copenhagen
  # The meter clock starts at the fake start too; --fast: the capture is written at once.
  faketime "$start" "$BIN" simulate --out "$dir/capture.bin" --count "$n" --fast --interval 10
  start_broker "$dir" "$port" || { record e FAIL "mosquitto did not start"; unset TZ; return; }
  # A paced replay (one frame per push_interval of 10 s, 13.9 ms at 720x): the received time of
  # each push is the fake wall clock, as if read from the serial port.
  local t0
  t0=$(now)
  timeout $((n * 10 / speed + 120)) faketime -m -f "@$start x$speed" env $(daemon_env "$port") \
    DLMS2MQTT_MQTT_CLIENT_ID=dlms2mqtt-fault-e DLMS2MQTT_METER_PUSH_INTERVAL=10 \
    DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_DIRECTORY="$dir/csv" DLMS2MQTT_LEDGER_PATH="$dir/ledger.sqlite" \
    "$BIN" run --config "$(empty_config "$dir")" --replay "$dir/capture.bin" >>"$dir/daemon.log" 2>&1
  local rc=$?
  unset TZ
  endurance_stop_all
  echo "   daemon exit $rc after $(since "$t0") s real; $(grep -o 'stopping: .*' "$dir/daemon.log" | tail -n 1)"
  echo "   MQTT under faketime: $(log_count "$dir" 'MQTT connected') connects, $(log_count "$dir" 'connection to .* lost') connections lost, $(log_count "$dir" 'connect to .* failed') failed attempts"
  files=$(cd "$dir/csv" && ls *.csv 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
  problems=$(all_csv_problems "$dir/csv")
  local check
  check=$(e_checks "$dir/csv")
  echo "$check" | sed 's/^/   /'
  local evidence="files: ${files:-none}; $(csv_rows "$dir/csv") rows for $n pushes; $(echo "$check" | grep -c '^ok') of 3 checks ok${problems:+; $problems}"
  if [ "$(csv_rows "$dir/csv")" = "$n" ] && ! echo "$check" | grep -q '^FAIL' && [ -z "$problems" ]; then
    record e PASS "$evidence"
  else
    record e FAIL "$evidence"
  fi
}

# Prints one "ok ..." or "FAIL ..." line per check of the midnight/DST run.
e_checks() {
  local csv="$1" f prev="" col last first
  local count
  count=$(ls "$csv"/*.csv 2>/dev/null | wc -l)
  if [ "$count" -ge 2 ]; then echo "ok $count daily files"; else echo "FAIL $count daily files (expected 2 or 3)"; fi
  local resets=""
  for f in "$csv"/*.csv; do
    col=$(head -n 1 "$f" | tr ',' '\n' | grep -n '^energy_today_kWh$' | cut -d: -f1)
    first=$(sed -n 2p "$f" | cut -d, -f"$col")
    last=$(tail -n 1 "$f" | cut -d, -f"$col")
    resets+="$(basename "$f"): first ${first:-?} kWh, last ${last:-?} kWh; "
    if [ -n "$prev" ] && ! awk -v a="$first" 'BEGIN {exit !(a + 0 <= 0.02)}'; then resets="FAIL $resets"; fi
    prev="$f"
  done
  case "$resets" in FAIL*) echo "FAIL energy today did not restart at midnight: ${resets#FAIL }" ;; *) echo "ok energy today restarts at midnight: $resets" ;; esac
  f="$csv/12345678-2026-10-25.csv"
  local plus2 plus1 order
  plus2=$(grep -c '^2026-10-25T[0-9:]*+02:00,' "$f" 2>/dev/null || true)
  plus1=$(grep -c '^2026-10-25T[0-9:]*+01:00,' "$f" 2>/dev/null || true)
  # The offset switches once, from +02:00 to +01:00, and the 02:xx hour is there twice.
  order=$(cut -c20-25 "$f" 2>/dev/null | tail -n +2 | uniq | tr '\n' ' ')
  if [ "${plus2:-0}" -gt 0 ] && [ "${plus1:-0}" -gt 0 ] && [ "$order" = "+02:00 +01:00 " ]; then
    echo "ok DST day: $plus2 rows at +02:00 then $plus1 at +01:00; 02:xx local twice: $(grep -c '^2026-10-25T02:' "$f") rows"
  else
    echo "FAIL DST day: ${plus2:-0} rows at +02:00, ${plus1:-0} at +01:00, offsets in order: ${order:-none}"
  fi
}

# ---- run ----

for s in $scenarios; do
  case "$s" in
    a | b | c | d | e) "scenario_$s" ;;
    *) echo "unknown scenario $s (a b c d e)" >&2; exit 2 ;;
  esac
done

echo
echo "== summary"
failed=0
for r in "${results[@]}"; do
  IFS='|' read -r name verdict evidence <<<"$r"
  printf '%-2s %-5s %s\n' "$name" "$verdict" "$evidence"
  [ "$verdict" = FAIL ] && failed=1
done
exit "$failed"

# Shared by soak.sh, faults.sh and scripts/pi-zero-check.sh (sourced, not run): building the
# binary, a private mosquitto on a free 127.0.0.1 port, and stopping every process the script
# started.
#
#   ENDURANCE_BIN=/path/to/dlms2mqtt   use this binary instead of building build/endurance
#   (not DLMS2MQTT_BIN: the daemon refuses a DLMS2MQTT_* variable that names no setting)

ENDURANCE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENDURANCE_BUILD="${ENDURANCE_BUILD:-$ENDURANCE_ROOT/build/endurance}"
# The demo keys of `dlms2mqtt simulate` (published, not a real meter's).
DEMO_EK=D3400000000000000000000000000064
DEMO_AK=D3400000000000000000000000000065
STATE_TOPIC=dlms2mqtt/12345678/state

started_pids=()

# Sets BIN to the dlms2mqtt binary, building it (Release) when ENDURANCE_BIN is not given.
endurance_build() {
  if [ -n "${ENDURANCE_BIN:-}" ]; then
    BIN="$ENDURANCE_BIN"
  else
    cmake -S "$ENDURANCE_ROOT" -B "$ENDURANCE_BUILD" -DCMAKE_BUILD_TYPE=Release \
      -DDLMS2MQTT_BUILD_TESTS=OFF -DDLMS2MQTT_BUILD_BENCH=ON >/dev/null
    cmake --build "$ENDURANCE_BUILD" --target dlms2mqtt endurance_latency endurance_pace -j1 >/dev/null
    BIN="$ENDURANCE_BUILD/bridge/dlms2mqtt"
  fi
  [ -x "$BIN" ] || { echo "no dlms2mqtt binary at $BIN" >&2; exit 1; }
}

# Remembers a pid for endurance_stop_all.
track() { started_pids+=("$1"); }

# True while the process runs (a child that has exited but is not yet reaped does not count).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }

# SIGTERM, then SIGKILL after 5 s: one pid.
stop_pid() {
  local pid="$1" i
  if alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
}

endurance_stop_all() {
  local pid
  for pid in "${started_pids[@]}"; do stop_pid "$pid"; done
  started_pids=()
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port: none listening there now.
free_port() {
  local port=$((20000 + RANDOM % 30000))
  while port_open "$port"; do port=$((port + 1)); done
  echo "$port"
}

# start_broker DIR PORT [config lines...]: mosquitto on 127.0.0.1:PORT, log in DIR/mosquitto.log;
# sets BROKER_PID. As root it stays root (it would switch to the user mosquitto otherwise).
start_broker() {
  local dir="$1" port="$2" i
  shift 2
  {
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser %s\n' "$port" "$(id -un)"
    printf 'log_dest stdout\n'
    for line in "$@"; do printf '%s\n' "$line"; done
  } >"$dir/mosquitto.conf"
  mosquitto -c "$dir/mosquitto.conf" >>"$dir/mosquitto.log" 2>&1 &
  BROKER_PID=$!
  track "$BROKER_PID"
  for i in $(seq 100); do port_open "$port" && return 0; sleep 0.1; done
  echo "mosquitto did not start on 127.0.0.1:$port:" >&2
  cat "$dir/mosquitto.log" >&2
  return 1
}

# The daemon's settings for one run (exported into the daemon's environment by `env`).
daemon_env() {
  local port="$1"
  echo DLMS2MQTT_MQTT_HOST=127.0.0.1 DLMS2MQTT_MQTT_PORT="$port" \
    DLMS2MQTT_METER_ENCRYPTION_KEY="$DEMO_EK" DLMS2MQTT_METER_AUTHENTICATION_KEY="$DEMO_AK"
}

# An empty config file, so that no /etc/dlms2mqtt/config.yaml of this machine changes a run.
empty_config() { printf '{}\n' >"$1/empty.yaml"; echo "$1/empty.yaml"; }

# "VmRSS RssAnon" of a pid in kB (empty once it is gone). RssAnon is the process's own memory
# (heap, stacks); the rest of VmRSS is file-backed: the binary and the shared libraries it maps.
vm_rss_kb() { awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {if (r != "") print r, a}' "/proc/$1/status" 2>/dev/null; }

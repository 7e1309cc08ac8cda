#!/usr/bin/env bash
# The add-on's entry point (ha-addon/dlms2mqtt/dlms2mqtt-addon) against a stand-in Supervisor on
# 127.0.0.1: the exact DLMS2MQTT_* environment it hands to the daemon (the live page on config.yaml's
# ingress_port among it), a broker from the options overriding the Supervisor's, clear one-line
# errors when the Supervisor cannot help, and no secret in its output. The entry point runs under
# dash, as POSIX sh, with a clean environment.
#   entrypoint_test.sh SOURCE_DIR [CASE...]     (CTest runs one case per test)
set -euo pipefail
# Without the tools (e.g. a minimal build container) the cases are skipped, not failed.
for tool in jq curl dash python3; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is missing (scripts/deps.sh installs it)"; exit 77; }
done
python3 -c 'import yaml' 2>/dev/null || { echo "skipped: python3 has no yaml module (python3-yaml)"; exit 77; }
source_dir=$(cd "$1" && pwd)
shift
here="$source_dir/test/addon"
entry="$source_dir/ha-addon/dlms2mqtt/dlms2mqtt-addon"
work=$(mktemp -d)
fake_pids=()
cleanup() {
    for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# The live page's address the entry point sets: every interface, on the port ingress proxies to.
ingress_port=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["ingress_port"])' \
    "$source_dir/ha-addon/dlms2mqtt/config.yaml")
HTTP_LISTEN="DLMS2MQTT_HTTP_LISTEN=0.0.0.0:$ingress_port"

# Secrets the output must never show.
EK=00112233445566778899AABBCCDDEEFF
AK=FFEEDDCCBBAA99887766554433221100
TOKEN=supervisor-token-5ecret
SUPERVISOR_MQTT_PASSWORD=mosquitto-pass-5ecret
OPTIONS_MQTT_PASSWORD=own-broker-pass-5ecret

fail() {
    echo "FAIL: $*" >&2
    for f in out err requests env args; do
        [ -f "$work/$f" ] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
    done
    exit 1
}

# start_fake MODE [VAR=VALUE...]: a stand-in Supervisor; sets fake_url.
start_fake() {
    rm -f "$work/port" "$work/requests"
    env "${@:2}" FAKE_TOKEN=$TOKEN FAKE_MQTT_PASSWORD=$SUPERVISOR_MQTT_PASSWORD python3 "$here/fake_supervisor.py" "$1" "$work" &
    fake_pids+=($!)
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
    [ -s "$work/port" ] || fail "the stand-in Supervisor did not start"
    fake_url="http://127.0.0.1:$(cat "$work/port")"
    touch "$work/requests"
}

# options JSON: the add-on's defaults (config.yaml) with JSON merged over them.
options() {
    python3 - "$source_dir/ha-addon/dlms2mqtt/config.yaml" "$1" > "$work/options.json" <<'PY'
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    options = yaml.safe_load(f)["options"]
options.update(json.loads(sys.argv[2]))
print(json.dumps(options))
PY
    # Every options file used here is one the Supervisor's schema accepts.
    python3 "$here/check_addon.py" "$source_dir" "$work/options.json" >&2 || fail "options not valid for the schema: $1"
}

# run_entry [VAR=VALUE...]: the entry point with a clean environment; exit status in $status.
run_entry() {
    rm -f "$work/env" "$work/args"
    status=0
    env -i PATH="$PATH" ADDON_OPTIONS="$work/options.json" ADDON_TEST_OUT="$work" \
        DLMS2MQTT_EXE="$here/dump_env.sh" SUPERVISOR_TOKEN="$TOKEN" "$@" \
        dash "$entry" >"$work/out" 2>"$work/err" || status=$?
}

no_secrets() {
    for secret in "$EK" "$AK" "$TOKEN" "$SUPERVISOR_MQTT_PASSWORD" "$OPTIONS_MQTT_PASSWORD"; do
        ! grep -qiF "$secret" "$work/out" "$work/err" || fail "a secret was printed"
    done
}

# expect_env LINE...: the daemon's DLMS2MQTT_* variables are exactly these.
expect_env() {
    [ "$status" -eq 0 ] || fail "exit $status"
    [ -f "$work/env" ] || fail "the daemon was not started"
    grep '^DLMS2MQTT_' "$work/env" > "$work/got" || true
    printf '%s\n' "$@" | sort > "$work/want"
    diff -u "$work/want" "$work/got" >&2 || fail "environment differs (- expected, + handed to the daemon)"
    ! grep -q '^SUPERVISOR_TOKEN=' "$work/env" || fail "the Supervisor token was passed to the daemon"
    [ "$(cat "$work/args")" = run ] || fail "the daemon was not started with 'run'"
    no_secrets
}

# expect_error TEXT...: exit 1, one line on stderr holding every TEXT, the daemon not started.
expect_error() {
    [ "$status" -eq 1 ] || fail "exit $status, expected 1"
    [ ! -f "$work/env" ] || fail "the daemon was started"
    [ "$(wc -l < "$work/err")" -eq 1 ] || fail "expected one line on stderr"
    for text in "$@"; do grep -qF "$text" "$work/err" || fail "stderr lacks '$text'"; done
    no_secrets
}

case_supervisor_broker() {
    start_fake ok
    options "{\"serial_port\": \"/dev/ttyAMA0\", \"encryption_key\": \"$EK\", \"authentication_key\": \"$AK\", \"csv_enabled\": true}"
    run_entry SUPERVISOR_URL="$fake_url"
    expect_env \
        DLMS2MQTT_SERIAL_PORT=/dev/ttyAMA0 DLMS2MQTT_SERIAL_BAUD=2400 DLMS2MQTT_SERIAL_PARITY=none \
        "DLMS2MQTT_METER_ENCRYPTION_KEY=$EK" "DLMS2MQTT_METER_AUTHENTICATION_KEY=$AK" \
        DLMS2MQTT_MQTT_HOST=core-mosquitto DLMS2MQTT_MQTT_PORT=1883 DLMS2MQTT_MQTT_USERNAME=addons \
        "DLMS2MQTT_MQTT_PASSWORD=$SUPERVISOR_MQTT_PASSWORD" DLMS2MQTT_MQTT_TLS_ENABLED=false \
        DLMS2MQTT_MQTT_BASE_TOPIC=dlms2mqtt DLMS2MQTT_MQTT_DISCOVERY_PREFIX=homeassistant \
        DLMS2MQTT_UDP_ENABLED=false DLMS2MQTT_UDP_ADDRESS=255.255.255.255 DLMS2MQTT_UDP_PORT=3434 \
        DLMS2MQTT_UDP_FORMAT=json DLMS2MQTT_CSV_ENABLED=true DLMS2MQTT_CSV_INTERVAL=push \
        DLMS2MQTT_CSV_DIRECTORY=/share/dlms2mqtt DLMS2MQTT_LEDGER_PATH=/data/ledger.sqlite DLMS2MQTT_LOG_LEVEL=info \
        "$HTTP_LISTEN"
    [ "$(cat "$work/requests")" = "GET /services/mqtt auth=ok" ] || fail "expected one authorised GET /services/mqtt"
    grep -qF "broker core-mosquitto:1883 from the Supervisor" "$work/err" || fail "no start-up line naming the broker"
}

case_options_broker() {
    start_fake ok
    options "{\"network_port\": \"tcp://192.168.1.20:2000\", \"mqtt_host\": \"broker.lan\", \"mqtt_port\": 8883,
              \"mqtt_username\": \"meter\", \"mqtt_password\": \"$OPTIONS_MQTT_PASSWORD\", \"mqtt_tls\": true,
              \"udp_enabled\": true, \"udp_format\": \"legacy\", \"baud\": \"9600\", \"parity\": \"even\",
              \"log_level\": \"debug\", \"base_topic\": \"home/meter\"}"
    run_entry SUPERVISOR_URL="$fake_url"
    expect_env \
        DLMS2MQTT_SERIAL_PORT=tcp://192.168.1.20:2000 DLMS2MQTT_SERIAL_BAUD=9600 DLMS2MQTT_SERIAL_PARITY=even \
        DLMS2MQTT_MQTT_HOST=broker.lan DLMS2MQTT_MQTT_PORT=8883 DLMS2MQTT_MQTT_USERNAME=meter \
        "DLMS2MQTT_MQTT_PASSWORD=$OPTIONS_MQTT_PASSWORD" DLMS2MQTT_MQTT_TLS_ENABLED=true \
        DLMS2MQTT_MQTT_BASE_TOPIC=home/meter DLMS2MQTT_MQTT_DISCOVERY_PREFIX=homeassistant \
        DLMS2MQTT_UDP_ENABLED=true DLMS2MQTT_UDP_ADDRESS=255.255.255.255 DLMS2MQTT_UDP_PORT=3434 \
        DLMS2MQTT_UDP_FORMAT=legacy DLMS2MQTT_CSV_ENABLED=false DLMS2MQTT_CSV_INTERVAL=push \
        DLMS2MQTT_LEDGER_PATH=/data/ledger.sqlite DLMS2MQTT_LOG_LEVEL=debug "$HTTP_LISTEN"
    [ ! -s "$work/requests" ] || fail "the Supervisor was asked although mqtt_host is set"
}

case_supervisor_unreachable() {
    start_fake ok
    kill "${fake_pids[-1]}"
    wait "${fake_pids[-1]}" 2>/dev/null || true
    options '{"serial_port": "/dev/ttyUSB0"}'
    run_entry SUPERVISOR_URL="$fake_url"
    expect_error "cannot reach the Supervisor at $fake_url" "set mqtt_host"
}

case_no_mqtt_service() {
    start_fake none
    options '{"serial_port": "/dev/ttyUSB0"}'
    run_entry SUPERVISOR_URL="$fake_url"
    expect_error "the Supervisor has no MQTT service (HTTP 400: No MQTT service available)" \
        "install and start the Mosquitto broker add-on, or set mqtt_host"
}

case_wrong_token() {
    start_fake ok
    options '{"serial_port": "/dev/ttyUSB0"}'
    run_entry SUPERVISOR_URL="$fake_url" SUPERVISOR_TOKEN=not-the-token
    expect_error "the Supervisor has no MQTT service (HTTP 401: Unauthorized)" "or set mqtt_host"
}

case_no_token() {
    options '{"serial_port": "/dev/ttyUSB0"}'
    run_entry SUPERVISOR_URL=http://127.0.0.1:9 SUPERVISOR_TOKEN=
    expect_error "mqtt_host is empty and there is no SUPERVISOR_TOKEN" "install and start the Mosquitto broker add-on"
}

case_meter_connection() {
    options '{}'
    run_entry
    expect_error "no meter connection: choose serial_port" "or set network_port (tcp://HOST:PORT)"
    options '{"serial_port": "/dev/ttyUSB0", "network_port": "tcp://10.0.0.2:2000"}'
    run_entry
    expect_error "serial_port and network_port are both set"
}

case_unreadable_options() {
    options '{}'
    printf 'not json' > "$work/options.json"
    run_entry
    expect_error "is not a JSON object"
    rm -f "$work/options.json"
    run_entry
    expect_error "cannot read $work/options.json"
}

# The real daemon behind the entry point takes every variable it is handed: it gets past loading
# its settings and starts (meter and broker are closed loopback ports it keeps retrying), serves
# the live page, then stops cleanly on SIGTERM. A variable it did not know would stop it at once
# with exit 1. The page listens on a free loopback port here (ADDON_HTTP_LISTEN), not on
# 0.0.0.0 and the ingress port, which another program on this machine may hold.
case_daemon_accepts() {
    [ -x "${DLMS2MQTT_BIN:-}" ] || fail "DLMS2MQTT_BIN is not the dlms2mqtt binary"
    start_fake ok
    local closed
    closed=$(cat "$work/port")
    kill "${fake_pids[-1]}"
    wait "${fake_pids[-1]}" 2>/dev/null || true
    start_fake ok FAKE_MQTT_HOST=127.0.0.1 FAKE_MQTT_PORT="$closed"
    options "{\"network_port\": \"tcp://127.0.0.1:$closed\", \"encryption_key\": \"$EK\", \"authentication_key\": \"$AK\",
              \"udp_enabled\": true, \"udp_address\": \"127.0.0.1\", \"udp_format\": \"legacy\", \"baud\": \"9600\",
              \"parity\": \"even\", \"csv_interval\": \"minute\", \"log_level\": \"debug\"}"
    local http_port
    http_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    env -i PATH="$PATH" ADDON_OPTIONS="$work/options.json" DLMS2MQTT_EXE="$DLMS2MQTT_BIN" \
        SUPERVISOR_TOKEN="$TOKEN" SUPERVISOR_URL="$fake_url" DLMS2MQTT_HEALTH_FILE="$work/health" \
        ADDON_HTTP_LISTEN="127.0.0.1:$http_port" dash "$entry" >"$work/out" 2>"$work/err" &
    local pid=$!
    # Started: its start-up line is logged once the settings are loaded (or it exits on an error).
    for _ in $(seq 300); do
        grep -q "starting" "$work/err" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "starting" "$work/err" || { wait "$pid" || true; fail "the daemon did not start with the entry point's settings"; }
    # The page as ingress fetches it: no token (Home Assistant has authenticated the user).
    local page=""
    for _ in $(seq 100); do
        page=$(curl --silent --max-time 5 "http://127.0.0.1:$http_port/" 2>/dev/null) && break
        sleep 0.1
    done
    [[ "$page" == *"<title>dlms2mqtt</title>"* ]] || { kill -TERM "$pid"; wait "$pid" || true; fail "no live page on 127.0.0.1:$http_port"; }
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || fail "the daemon exited $status on SIGTERM"
    no_secrets
}

# The schema check itself: options the Supervisor would refuse are reported, one line each.
case_checker_rejects() {
    printf '%s' '{"serial_port": "ttyUSB0", "baud": 2500, "parity": "mark", "mqtt_port": 70000,
                  "mqtt_tls": "maybe", "mqtt_host": 5, "udp_format": "xml", "log_level": null, "typo": 1}' > "$work/bad.json"
    status=0
    python3 "$here/check_addon.py" "$source_dir" "$work/bad.json" > "$work/out" 2>&1 || status=$?
    [ "$status" -eq 1 ] || fail "the checker accepted options the Supervisor refuses (exit $status)"
    for text in "serial_port: 'ttyUSB0' is not a device path" "baud: '2500' is not one of 300|600" \
                "parity: 'mark' is not one of none|even|odd" "mqtt_port: 70000 is not a port number" \
                "mqtt_tls: 'maybe' is not true or false" "mqtt_host: 5 is not a string" "udp_format: 'xml' is not one of json|legacy" \
                "log_level: is null" "typo: is not in the schema" "base_topic: is required by the schema but missing"; do
        grep -qF "$text" "$work/out" || fail "the checker did not report: $text"
    done
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(supervisor_broker options_broker supervisor_unreachable no_mqtt_service
                                  wrong_token no_token meter_connection unreadable_options)
for c in "${cases[@]}"; do
    "case_$c"
    echo "ok: $c"
done

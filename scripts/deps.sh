#!/usr/bin/env bash
# Installs the Debian (bookworm) packages dlms2mqtt needs to build, test and run its demo.
# Skips apt entirely when everything is already there. Uses sudo when not run as root.
#   scripts/deps.sh [PACKAGE...]         those below and the given ones
#   scripts/deps.sh --only PACKAGE...    the given ones only (scripts/static-build.sh)
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libssl-dev libpaho-mqtt-dev libpaho-mqttpp-dev nlohmann-json3-dev libyaml-cpp-dev doctest-dev
  libsqlite3-dev tzdata  # the ledger; tzdata: its tests place local time in Europe/Copenhagen
  libcpp-httplib-dev libjs-chart.js  # the live page and /metrics (Chart.js is built into the binary)
  mosquitto mosquitto-clients openssl  # openssl: the TLS tests make throw-away certificates
  jq curl python3-yaml shellcheck   # the Home Assistant add-on's entry point and its tests
  dnsmasq-base  # a loopback DNS server for the broker-name tests (the binary only, no service)
)
if [ "${1:-}" = --only ]; then
  shift
  packages=()
fi
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

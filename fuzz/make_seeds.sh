#!/usr/bin/env bash
# Writes the seed inputs of the fuzz targets:
#   <build>/seeds/decoder_fuzz   simulated frames (seed_gen, demo keys), and the real captures of
#                                ../shared/frames/corpus.jsonl as binary (frames and, where
#                                published, their plaintext APDUs); the captures are skipped when
#                                that file is absent
#   <build>/seeds/config_fuzz    config.yaml.example and a few small configurations
#
#   fuzz/make_seeds.sh [build dir]      default: build/fuzz (seed_gen must be built there)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/fuzz}"
corpus="${DLMS2MQTT_SHARED_DIR:-$root/../shared}/frames/corpus.jsonl"
decoder_seeds="$build/seeds/decoder_fuzz"
config_seeds="$build/seeds/config_fuzz"
rm -rf "$decoder_seeds" "$config_seeds"
mkdir -p "$decoder_seeds" "$config_seeds"

# Simulated frames.
seed_gen="$build/fuzz/seed_gen"
[[ -x "$seed_gen" ]] || { echo "make_seeds.sh: $seed_gen not built; run: cmake --build --preset fuzz --target seed_gen" >&2; exit 1; }
"$seed_gen" "$decoder_seeds"

# Real captures: hex -> binary, one file per frame (and per published plaintext).
if [[ -f "$corpus" ]]; then
    if ! command -v jq >/dev/null || ! command -v xxd >/dev/null; then
        echo "make_seeds.sh: needs jq and xxd" >&2
        exit 1
    fi
    n=0
    while IFS=$'\t' read -r hex plain; do
        n=$((n + 1))
        printf '%s' "$hex" | xxd -r -p >"$decoder_seeds/capture_$n.bin"
        [[ -z "$plain" ]] || printf '%s' "$plain" | xxd -r -p >"$decoder_seeds/capture_${n}_plaintext.bin"
    done < <(jq -r '[.hex, (.plaintext_apdu_hex // "")] | @tsv' "$corpus")
    echo "make_seeds.sh: $n captures from $corpus"
else
    echo "make_seeds.sh: $corpus not found; real captures skipped"
fi

# Configurations: the documented example, and small files that reach the other branches.
cp "$root/config.yaml.example" "$config_seeds/example.yaml"
: >"$config_seeds/empty.yaml"
cat >"$config_seeds/keys.yaml" <<'EOF'
meter:
  encryption_key: "0xD3400000000000000000000000000064"
  authentication_key: d3 40 00 00 00 00 00 00 00 00 00 00 00 00 00 65
  push_interval: 5
  scaling:
    energy_import: {scaler: 0, unit: Wh}
    voltage_l1: {scaler: -2}
    1.1.31.7.0.255: {scaler: -2, unit: A}
EOF
cat >"$config_seeds/outputs.yaml" <<'EOF'
serial: {port: /dev/ttyUSB0, baud: 9600, parity: even, data_bits: 7, stop_bits: 1}
mqtt:
  host: 127.0.0.1
  port: 8883
  username: meter
  password: "p4ss"
  tls: {enabled: yes, ca_file: /etc/ssl/ca.pem, insecure: off}
  qos: 2
  discovery: false
udp: {enabled: true, address: 127.0.0.1, port: 3434, format: legacy}
csv: {enabled: on, directory: /tmp/csv, interval: minute}
log: {level: debug}
queue: {capacity: 8}
health: {file: /tmp/healthy, max_age: 30}
EOF
cat >"$config_seeds/mistakes.yaml" <<'EOF'
mqtt:
  port: 99999
  host: [a, b]
  hots: x
  qos: 1
  qos: 2
serial: "not a section"
meter:
  encryption_key: 0x12
  scaling: {nothing: {scaler: x, unit: furlong}}
EOF
count() { find "$1" -type f | wc -l; }
echo "make_seeds.sh: $(count "$decoder_seeds") decoder seeds, $(count "$config_seeds") config seeds in $build/seeds"

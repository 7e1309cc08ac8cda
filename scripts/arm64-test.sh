#!/usr/bin/env bash
# Cross-builds dlms2mqtt for arm64 (a Raspberry Pi with a 64-bit OS) on a Debian bookworm amd64
# machine and runs the test suite under qemu-user.
#   scripts/arm64-test.sh              build everything, run the tests
#   JOBS=1 scripts/arm64-test.sh       build with one job (default 2)
#   scripts/arm64-test.sh --setup-only the packages and the unpacked yaml-cpp only (scripts/deb-test.sh)
# Environment: ARM64_BUILD_DIR (default build/arm64), DLMS2MQTT_SHARED_DIR (default ../shared,
# where the meter captures are), BUILD_TYPE (default RelWithDebInfo, as the release preset).
#
# Packages: adds the arm64 architecture and installs the cross compiler, qemu-user and the :arm64
# libraries, after checking that apt would remove nothing. libyaml-cpp-dev:arm64 cannot sit beside
# the native libyaml-cpp-dev (they share header files), so that package is unpacked into the build
# folder instead and found through yaml-cpp_DIR; its runtime library installs normally.
#
# daemon_tests start the dlms2mqtt binary as a child process, and an arm64 child cannot be
# started from inside qemu-user unless the kernel's binfmt_misc hands arm64 programs to qemu. As
# root, the script mounts binfmt_misc if needed (and unmounts it at the end) and enables
# qemu-user-static's qemu-aarch64 entry; the daemon tests then run. Where that is impossible
# (no root, binfmt_misc not mountable) they are left out, and the script says so; the arm64
# binary is still checked end to end: simulate -> decode under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
build="${ARM64_BUILD_DIR:-$root/build/arm64}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
jobs="${JOBS:-2}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"
shared="${DLMS2MQTT_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
step() { echo "== arm64: $* ($(( $(date +%s) - started )) s)"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

install_packages() {
  step "packages"
  scripts/deps.sh  # cmake, the architecture-independent headers, mosquitto for the MQTT tests
  local updated=no
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
    updated=yes
  fi
  # libc6 and libstdc++6 :arm64 are what the tests run with under qemu (see the toolchain file).
  # libcpp-httplib-dev:arm64 (the live page and /metrics) brings libssl-dev, zlib1g-dev and
  # libbrotli-dev :arm64, which its pkg-config file names.
  local wanted=(g++-aarch64-linux-gnu libc6:arm64 libstdc++6:arm64 libssl-dev:arm64 libpaho-mqtt-dev:arm64
                libpaho-mqttpp-dev:arm64 libyaml-cpp0.7:arm64 libsqlite3-dev:arm64 libcpp-httplib-dev:arm64)
  command -v qemu-aarch64 >/dev/null || command -v qemu-aarch64-static >/dev/null || wanted+=(qemu-user)
  # binfmt_misc's qemu-aarch64 entry, with the F flag that lets it work in chroots too.
  [ -n "$sudo" ] || wanted+=(qemu-user-static binfmt-support)
  local missing=()
  for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$updated" = yes ] || ! apt-cache show --no-all-versions libssl3:arm64 >/dev/null 2>&1; then
    $sudo apt-get update -qq
  fi
  # qemu-user is called qemu-user-static only on some releases.
  if [[ " ${missing[*]} " == *" qemu-user "* ]] && ! apt-cache show qemu-user >/dev/null 2>&1; then
    for i in "${!missing[@]}"; do [ "${missing[$i]}" != qemu-user ] || missing[$i]=qemu-user-static; done
  fi
  local plan
  plan=$(apt-get install -s --no-install-recommends "${missing[@]}")
  if grep -q '^Remv' <<<"$plan"; then
    echo "arm64-test: installing ${missing[*]} would remove native packages; not doing it:" >&2
    grep '^Remv' <<<"$plan" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# libyaml-cpp-dev:arm64, unpacked (see above), the same version as the installed runtime library.
unpack_yaml_cpp() {
  local sysroot="$build/sysroot"
  yaml_dir="$sysroot/usr/lib/aarch64-linux-gnu/cmake/yaml-cpp"
  [ -f "$yaml_dir/yaml-cpp-config.cmake" ] && return 0
  step "unpacking libyaml-cpp-dev:arm64 into $sysroot"
  mkdir -p "$build/debs" "$sysroot"
  local version
  version=$(dpkg-query -W -f='${Version}' libyaml-cpp0.7:arm64)
  (cd "$build/debs" && apt-get download -qq "libyaml-cpp-dev:arm64=$version" "libyaml-cpp0.7:arm64=$version" 2>&1 |
     grep -v 'Download is performed unsandboxed' || true)
  for deb in "$build"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
  [ -f "$yaml_dir/yaml-cpp-config.cmake" ] || { echo "arm64-test: libyaml-cpp-dev:arm64 did not unpack" >&2; exit 1; }
}

# The arm64 binary on its own: --version, then simulated encrypted pushes decoded back.
smoke_test() {
  step "dlms2mqtt under qemu"
  local qemu exe="$build/bridge/dlms2mqtt" capture="$build/smoke-capture.bin"
  qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static)
  readelf -h "$exe" | grep -q 'AArch64' || { echo "arm64-test: $exe is not an AArch64 binary" >&2; exit 1; }
  "$qemu" -L / "$exe" --version
  "$qemu" -L / "$exe" simulate --out "$capture" --count 5 --fast
  local pushes
  pushes=$(DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
           DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
           "$qemu" -L / "$exe" decode --binary "$capture" | grep -c '"energy_import"')
  rm -f "$capture"
  [ "$pushes" -eq 5 ] || { echo "arm64-test: decoded $pushes of 5 simulated pushes" >&2; exit 1; }
  echo "5 simulated pushes decoded by the arm64 binary"
}

source scripts/binfmt.sh
trap binfmt_release EXIT

install_packages
unpack_yaml_cpp
[ "${1:-}" = --setup-only ] && exit 0
# As root: arm64 programs started by the kernel (the daemon tests' children) run under qemu.
binfmt_enable qemu-aarch64 || true

step "configure ($build_type, shared captures: $shared)"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE="$build_type" -DDLMS2MQTT_BUILD_TESTS=ON -DDLMS2MQTT_SHARED_DIR="$shared" \
  -Dyaml-cpp_DIR="$yaml_dir" ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null

step "build (-j $jobs)"
cmake --build "$build" -j "$jobs"

smoke_test

ctest_args=()
if "$build/bridge/dlms2mqtt" --version >/dev/null 2>&1; then
  step "tests under qemu-user, daemon tests through binfmt_misc"
else
  step "tests under qemu-user; daemon tests left out: arm64 programs do not start here (no binfmt_misc)"
  ctest_args+=(--label-exclude '^daemon_tests$')
fi
ctest --test-dir "$build" --output-on-failure --timeout 900 -j "$jobs" "${ctest_args[@]}"

step "done"

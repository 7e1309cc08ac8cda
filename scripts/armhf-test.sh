#!/usr/bin/env bash
# The statically linked 32-bit ARM build (the armhf package's binary, see scripts/static-build.sh)
# with its whole test suite run on the Pi Zero W's core: qemu-user as an ARM1176 (ARMv6).
#   scripts/armhf-test.sh          build everything with the tests, run them
# Environment: ARMHF_BUILD_DIR (default build/armhf), STATIC_SYSROOT, JOBS (default 2), BUILD_TYPE
# (default RelWithDebInfo), DLMS2MQTT_SHARED_DIR (default ../shared, the meter captures).
#
# Every emulated process runs on the ARM1176: the test programs through CMake's emulator setting,
# and the dlms2mqtt children that the daemon tests start through binfmt_misc, which hands ARM
# programs to qemu-arm; QEMU_CPU chooses the core for both. As root the script mounts binfmt_misc
# if needed (and unmounts it at the end) and enables qemu-user-static's qemu-arm entry. Where that
# is impossible the daemon tests are left out, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
build="${ARMHF_BUILD_DIR:-$root/build/armhf}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
sysroot="${STATIC_SYSROOT:-$root/build/sysroot-armel}"
jobs="${JOBS:-2}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"
shared="${DLMS2MQTT_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}"
started=$(date +%s)
step() { echo "== armhf: $* ($(( $(date +%s) - started )) s)"; }
die() { echo "armhf-test: $*" >&2; exit 1; }
export QEMU_CPU=arm1176

# The test suite's packages (doctest, mosquitto, ...) and binfmt_misc's tools; static-build.sh
# adds the cross compiler and the sysroot.
scripts/deps.sh qemu-user-static binfmt-support
STATIC_SYSROOT="$sysroot" scripts/static-build.sh armhf --setup-only
qemu=$(command -v qemu-arm-static || command -v qemu-arm) || die "no qemu-arm"

source scripts/binfmt.sh
trap binfmt_release EXIT
binfmt_enable qemu-arm || true

step "configure ($build_type, shared captures: $shared)"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-linux-gnueabi-static.cmake" \
  -DDLMS2MQTT_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE="$build_type" -DDLMS2MQTT_BUILD_TESTS=ON \
  -DDLMS2MQTT_SHARED_DIR="$shared" ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null

step "build (-j $jobs; the log, with glibc's expected static-link notes, is $build/build.log)"
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log" >&2; die "the build failed; the whole log is $build/build.log"; }

step "dlms2mqtt on an ARM1176"
exe="$build/bridge/dlms2mqtt"
file -b "$exe" | grep -q 'ARM.*statically linked' || die "$exe is not a statically linked ARM binary"
"$qemu" -cpu arm1176 "$exe" --version
capture="$build/smoke-capture.bin"
"$qemu" -cpu arm1176 "$exe" simulate --out "$capture" --count 5 --fast
pushes=$(DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
         DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
         "$qemu" -cpu arm1176 "$exe" decode --binary "$capture" | grep -c '"energy_import"')
rm -f "$capture"
[ "$pushes" -eq 5 ] || die "decoded $pushes of 5 simulated pushes"
echo "5 simulated pushes decoded on the ARM1176"

ctest_args=()
if "$exe" --version >/dev/null 2>&1; then
  step "tests on the ARM1176, daemon tests through binfmt_misc"
else
  step "tests on the ARM1176; daemon tests left out: ARM programs do not start here (no binfmt_misc)"
  ctest_args+=(--label-exclude '^daemon_tests$')
fi
ctest --test-dir "$build" --output-on-failure --timeout 900 -j "$jobs" "${ctest_args[@]}"
step "done"

#!/usr/bin/env bash
# Builds the Debian package and tests it in a throw-away Debian bookworm root:
#   scripts/deb-test.sh            amd64: build, lintian, install into a fresh root, check, purge
#   scripts/deb-test.sh arm64      cross-built for a Raspberry Pi (64-bit OS): build and lintian;
#                                  installed too when binfmt_misc runs arm64 programs (qemu-user-static)
#   scripts/deb-test.sh armhf      every Raspberry Pi under a 32-bit OS, the Pi Zero W included: the
#                                  static ARM binary (scripts/static-build.sh); extracted and run on
#                                  an ARM1176 against a local mosquitto, then installed into an
#                                  armhf root run as a Cortex-A7 (a Pi 2) when binfmt_misc allows
# The package is left in build/deb-<arch>/dlms2mqtt_<version>_<arch>.deb. Run from a fresh clone it
# takes about 12 minutes on 2 cores (debootstrap ~4, the build ~7); about 1 minute once the root
# and the build are there.
#
# Needs root (debootstrap, chroot, mounts; sudo otherwise) and Debian's package mirror. The root is
# made once with `debootstrap --variant=minbase bookworm` plus systemd (for systemd-analyze) and
# kept as build/deb-test/bookworm-<arch>.tar; every run unpacks a fresh copy, mounts /proc and
# /dev into it, and unmounts and deletes it on exit. Downloaded packages are kept in
# build/deb-test/apt-archives. Environment: JOBS (default 2), DEB_TEST_MIRROR, DEB_TEST_BUILD_DIR,
# DEB_TEST_CACHE (where the root's tarball and the downloads are kept; default build/deb-test),
# DEB_TEST_BUILD_ONLY=1 (stop once the package is built: scripts/deb-reproducible.sh),
# SOURCE_DATE_EPOCH (the time stamp of every file in the package; default the commit's time).
#
# Reproducible: the same commit built with the same SOURCE_DATE_EPOCH gives the same .deb, byte for
# byte, in any folder (scripts/deb-reproducible.sh checks it). CPack DEB stamps every member with
# SOURCE_DATE_EPOCH; the compiler writes no build path into the binary (-ffile-prefix-map for the
# source and the build folder, so the build ID is the same too).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$PWD"
arch="${1:-amd64}"
case "$arch" in amd64 | arm64 | armhf) ;; *) echo "usage: scripts/deb-test.sh [amd64|arm64|armhf]" >&2; exit 2 ;; esac
jobs="${JOBS:-2}"
mirror="${DEB_TEST_MIRROR:-http://deb.debian.org/debian}"
build="${DEB_TEST_BUILD_DIR:-$root_dir/build/deb-$arch}"
cache="${DEB_TEST_CACHE:-$root_dir/build/deb-test}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# CPack gives the package's directories the modes the staging folder got: 0755 whatever the
# caller's umask (CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS does not reach them in CMake 3.25).
umask 022
started=$(date +%s)
step() { echo "== deb $arch: $* ($(( $(date +%s) - started )) s)"; }
die() { echo "deb-test: $*" >&2; exit 1; }

step "packages"
scripts/deps.sh dpkg-dev lintian debootstrap xz-utils
yaml_args=()
host_arch=$(dpkg --print-architecture)
if [ "$arch" = armhf ]; then
  # The cross compiler and the unpacked :armel libraries, as for the armhf tests.
  scripts/static-build.sh armhf --setup-only
  yaml_args=(-DCMAKE_TOOLCHAIN_FILE="$root_dir/cmake/arm-linux-gnueabi-static.cmake"
             -DDLMS2MQTT_SYSROOT="${STATIC_SYSROOT:-$root_dir/build/sysroot-armel}")
elif [ "$arch" != "$host_arch" ]; then
  [ "$arch" = arm64 ] && [ "$host_arch" = amd64 ] || die "cross-building for $arch on $host_arch is not set up"
  # The cross compiler and the :arm64 libraries, set up as for the arm64 tests.
  ARM64_BUILD_DIR="$build" scripts/arm64-test.sh --setup-only
  yaml_args=(-Dyaml-cpp_DIR="$build/sysroot/usr/lib/aarch64-linux-gnu/cmake/yaml-cpp"
             -DCMAKE_TOOLCHAIN_FILE="$root_dir/cmake/aarch64-linux-gnu.cmake")
fi

step "build (Debian's hardening flags, -j $jobs)"
# The package's time stamps: the commit's time, or the changelog entry's outside a git checkout.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$root_dir" log -1 --format=%ct 2>/dev/null) ||
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$root_dir/packaging/deb/changelog" -STimestamp)
fi
export SOURCE_DATE_EPOCH
echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($(date -u -d "@$SOURCE_DATE_EPOCH" '+%F %T UTC'))"
# dpkg-buildflags: -O2, stack protector, _FORTIFY_SOURCE, relro and bindnow, as a Debian build has;
# its -ffile-prefix-map=$root_dir=. keeps the source folder out of the binary. The build folder
# (the compiler's working directory, in the debug info the build ID is computed over) is mapped
# to "build" after it: the last matching map wins.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_HOST_ARCH="$arch"
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS) -ffile-prefix-map=$build=build"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
export CXXFLAGS LDFLAGS
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
build_started=$(date +%s)
cmake -S "$root_dir" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DDLMS2MQTT_DEB=ON -DDLMS2MQTT_BUILD_TESTS=OFF "${launcher[@]}" "${yaml_args[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
rm -f "$build"/dlms2mqtt_*.deb
# dpkg-shlibdeps reads the :arm64 libraries' symbols files for the cross-built binary.
(cd "$build" && cpack -G DEB >/dev/null) || { cat "$build"/_CPack_Packages/*/DEB/*.log >&2 2>/dev/null; die "cpack failed"; }
deb=$(ls "$build"/dlms2mqtt_*_"$arch".deb)
echo "built $(basename "$deb"): $(stat -c %s "$deb") bytes in $(( $(date +%s) - build_started )) s"

step "package contents"
dpkg-deb -I "$deb"
dpkg-deb -c "$deb"
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
exe="$unpacked/usr/bin/dlms2mqtt"
readelf -S "$exe" | grep -q '\.symtab' && die "usr/bin/dlms2mqtt is not stripped"
case "$arch" in arm64) want_machine=AArch64 ;; armhf) want_machine=ARM ;; *) want_machine=X86-64 ;; esac
# readelf: "Machine: AArch64", "Machine: ARM", "Machine: Advanced Micro Devices X86-64".
readelf -h "$exe" | grep -qE "Machine:.* $want_machine\$" || die "usr/bin/dlms2mqtt is not an $want_machine binary"
if [ "$arch" = armhf ]; then
  # Nothing from the system but the kernel: Raspberry Pi OS's armhf libraries are not Debian's.
  readelf -l "$exe" | grep -q INTERP && die "usr/bin/dlms2mqtt is not statically linked"
  [ -z "$(dpkg-deb -f "$deb" Depends | tr -d ' ' | sed 's/^adduser$//')" ] || die "Depends: $(dpkg-deb -f "$deb" Depends)"
fi
echo "usr/bin/dlms2mqtt: $(stat -c %s "$exe") bytes, stripped, $want_machine"
grep -q '^ExecStart=/usr/bin/dlms2mqtt run' "$unpacked/lib/systemd/system/dlms2mqtt.service" || die "unit's ExecStart is not /usr/bin/dlms2mqtt"
grep -qF "$root_dir" "$exe" && die "usr/bin/dlms2mqtt holds the build path $root_dir"
[ "$arch" != armhf ] || scripts/pi-zero-check.sh "$unpacked"
rm -rf "$unpacked"
if [ -n "${DEB_TEST_BUILD_ONLY:-}" ]; then
  step "done: built only (DEB_TEST_BUILD_ONLY)"
  exit 0
fi

step "lintian"
# Errors and warnings fail; packaging/deb/lintian-overrides explains each override.
lintian --fail-on error,warning --display-info "$deb"
echo "lintian: clean"

# A foreign root runs through binfmt_misc, which hands its programs to qemu-user-static. As root,
# mount it if needed (unmounted again on exit) and enable the architecture's entry.
case "$arch" in arm64) qemu_entry=qemu-aarch64 ;; armhf) qemu_entry=qemu-arm ;; *) qemu_entry="" ;; esac
source scripts/binfmt.sh
trap binfmt_release EXIT
[ -z "$qemu_entry" ] || scripts/deps.sh qemu-user-static binfmt-support
if [ -n "$qemu_entry" ] && ! binfmt_enable "$qemu_entry"; then
  step "done: not installed (no binfmt_misc entry runs $arch programs here)"
  exit 0
fi
# The armhf root runs as a Raspberry Pi 2's Cortex-A7: Debian's armhf userland needs ARMv7.
[ "$arch" != armhf ] || export QEMU_CPU=cortex-a7

# ---- the throw-away root ------------------------------------------------------------------
tarball="$cache/bookworm-$arch.tar"
if [ ! -f "$tarball" ]; then
  step "making the bookworm root (debootstrap, once; kept as $tarball)"
  mkdir -p "$cache"
  fresh="$cache/make-$arch"
  $sudo rm -rf "$fresh"
  $sudo debootstrap --variant=minbase --arch="$arch" bookworm "$fresh" "$mirror" >"$cache/debootstrap-$arch.log" ||
    { tail -20 "$cache/debootstrap-$arch.log" >&2; die "debootstrap failed"; }
  # systemd for systemd-analyze verify; it is not running in the root (nothing is started).
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$fresh/usr/sbin/policy-rc.d" >/dev/null
  $sudo chmod 755 "$fresh/usr/sbin/policy-rc.d"
  $sudo cp /etc/resolv.conf "$fresh/etc/resolv.conf"
  $sudo chroot "$fresh" apt-get install -y -qq --no-install-recommends systemd >/dev/null
  $sudo chroot "$fresh" apt-get clean
  $sudo tar -C "$fresh" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  $sudo rm -rf "$fresh"
fi

target=$(mktemp -d "$cache/root-$arch.XXXXXX")
mounts=()
cleanup() {
  local i
  for (( i=${#mounts[@]}-1; i>=0; i-- )); do $sudo umount "${mounts[$i]}" 2>/dev/null || $sudo umount -l "${mounts[$i]}" || true; done
  $sudo rm -rf --one-file-system "$target"
  binfmt_release
}
trap cleanup EXIT
step "fresh root in $target"
$sudo tar -C "$target" -xf "$tarball"
mkdir -p "$cache/apt-archives/partial"
for m in proc dev dev/pts var/cache/apt/archives; do
  case "$m" in
    proc) $sudo mount -t proc proc "$target/proc" ;;
    dev | dev/pts) $sudo mount --bind "/$m" "$target/$m" ;;
    *) $sudo mount --bind "$cache/apt-archives" "$target/$m" ;;
  esac
  mounts+=("$target/$m")
done
$sudo cp /etc/resolv.conf "$target/etc/resolv.conf"
$sudo cp "$deb" "$target/tmp/"
in_root() { $sudo chroot "$target" "$@"; }
check() { echo "ok: $1"; }

step "apt-get install ./$(basename "$deb")"
install_started=$(date +%s)
in_root apt-get update -qq
out=$(in_root sh -c "cd /tmp && apt-get install -y --no-install-recommends ./$(basename "$deb")" 2>&1) || { echo "$out" >&2; die "apt-get install failed"; }
echo "$out" | grep -E '^(Setting up dlms2mqtt|dlms2mqtt:|  )' || true
echo "installed in $(( $(date +%s) - install_started )) s (with its dependencies from the mirror)"
echo "$out" | grep -q 'enabled, not started: put the meter keys in /etc/dlms2mqtt/config.yaml' || die "postinst did not say what to do next"

step "checks"
passwd_line=$(in_root getent passwd dlms2mqtt) || die "no user dlms2mqtt"
[ "$(cut -d: -f6,7 <<<"$passwd_line")" = /var/lib/dlms2mqtt:/usr/sbin/nologin ] || die "dlms2mqtt's home or shell: $passwd_line"
uid=$(cut -d: -f3 <<<"$passwd_line")
[ "$uid" -lt 1000 ] || die "dlms2mqtt is not a system user (uid $uid)"
groups=" $(in_root id -nG dlms2mqtt) "
[[ "$groups" == *" dialout "* && "$groups" == *" dlms2mqtt "* ]] || die "dlms2mqtt's groups:$groups"
check "system user dlms2mqtt (uid $uid, groups:$groups)"

stat_of() { in_root stat -c '%U:%G %a' "$1"; }
[ "$(stat_of /etc/dlms2mqtt/config.yaml)" = "root:dlms2mqtt 640" ] || die "/etc/dlms2mqtt/config.yaml is $(stat_of /etc/dlms2mqtt/config.yaml)"
[ "$(stat_of /usr/bin/dlms2mqtt)" = "root:root 755" ] || die "/usr/bin/dlms2mqtt is $(stat_of /usr/bin/dlms2mqtt)"
[ "$(stat_of /usr/share/dlms2mqtt/config.yaml.example)" = "root:root 644" ] || die "config.yaml.example is missing"
in_root dpkg-query -W -f='${Conffiles}\n' dlms2mqtt | grep -q '^ /etc/dlms2mqtt/config.yaml ' || die "config.yaml is not a conffile"
check "config root:dlms2mqtt 640 (conffile), binary root:root 755, example in /usr/share/dlms2mqtt"

in_root runuser -u dlms2mqtt -- head -c 1 /etc/dlms2mqtt/config.yaml >/dev/null || die "user dlms2mqtt cannot read the config"
in_root runuser -u nobody -- head -c 1 /etc/dlms2mqtt/config.yaml >/dev/null 2>&1 && die "user nobody can read the config"
check "the service's user reads the config, others cannot"

[ -L "$target/etc/systemd/system/multi-user.target.wants/dlms2mqtt.service" ] || die "the unit is not enabled"
# --man=no: the root has no man(1) to look up Documentation=man:dlms2mqtt(1); the page's file is checked.
in_root systemd-analyze verify --man=no /lib/systemd/system/dlms2mqtt.service
[ -f "$target/usr/share/man/man1/dlms2mqtt.1.gz" ] || die "no manual page"
check "unit enabled (multi-user.target.wants) and clean under systemd-analyze verify"

in_root dlms2mqtt --version
in_root dlms2mqtt simulate --out /tmp/pushes.bin --count 3 --fast
pushes=$(in_root env DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
           DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
           dlms2mqtt decode --binary /tmp/pushes.bin | grep -c '"energy_import"')
[ "$pushes" -eq 3 ] || die "decoded $pushes of 3 simulated pushes"
check "dlms2mqtt --version, and 3 simulated pushes decoded"

# The HTTP server of the installed binary (amd64 and arm64: with Debian's libcpp-httplib0.11, the
# dependency dpkg-shlibdeps found): `run --replay` at one push a second, its /metrics and page read
# with the host's curl (a chroot shares the host's network), then stopped by its PID.
in_root dlms2mqtt simulate --out /tmp/slow.bin --count 60 --fast
http_port=$((20000 + RANDOM % 30000))
while (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; do http_port=$((http_port + 1)); done
$sudo chroot "$target" env DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
    DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 DLMS2MQTT_MQTT_ENABLED=false \
    DLMS2MQTT_LEDGER_PATH=/tmp/ledger.sqlite DLMS2MQTT_METER_PUSH_INTERVAL=1 DLMS2MQTT_HTTP_LISTEN="127.0.0.1:$http_port" \
    dlms2mqtt run --config /dev/null --replay /tmp/slow.bin >"$cache/http-run-$arch.log" 2>&1 &
http_pid=$!
reading='dlms2mqtt_energy_import_joules_total{meter="'
metrics=""
for _ in $(seq 60); do
  metrics=$(curl -fsS --max-time 5 "http://127.0.0.1:$http_port/metrics" 2>/dev/null) || true
  [[ "$metrics" == *"$reading"* ]] && break
  sleep 0.5
done
page=$(curl -fsS --compressed --max-time 5 "http://127.0.0.1:$http_port/" 2>/dev/null) || true
$sudo kill -TERM "$http_pid" 2>/dev/null || true
http_rc=0
wait "$http_pid" || http_rc=$?
[[ "$metrics" == *"$reading"* ]] || { cat "$cache/http-run-$arch.log" >&2; die "no meter reading on /metrics"; }
[[ "$page" == *"<title>dlms2mqtt</title>"* ]] || die "no live page at /"
[ "$http_rc" -eq 0 ] || { cat "$cache/http-run-$arch.log" >&2; die "run with http.listen exited $http_rc on SIGTERM"; }
rm -f "$cache/http-run-$arch.log"
check "run with http.listen: a reading on /metrics and the live page at /, stopped cleanly"

# As the unit runs it: a broken config is one line and exit status 78 (RestartPreventExitStatus).
set +e
err=$(in_root sh -c 'printf "mqqt:\n  host: x\n" >> /etc/dlms2mqtt/config.yaml && runuser -u dlms2mqtt -- dlms2mqtt run --config /etc/dlms2mqtt/config.yaml' 2>&1)
rc=$?
# A user outside the service's group, and the README's old install (root-owned, mode 600).
outsider=$(in_root runuser -u nobody -- dlms2mqtt run --config /etc/dlms2mqtt/config.yaml 2>&1)
outsider_rc=$?
denied=$(in_root sh -c 'chown root:root /etc/dlms2mqtt/config.yaml && chmod 600 /etc/dlms2mqtt/config.yaml &&
                        runuser -u dlms2mqtt -- dlms2mqtt run --config /etc/dlms2mqtt/config.yaml' 2>&1)
denied_rc=$?
set -e
echo "$err"
[ "$rc" -eq 78 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [[ "$err" == *"mqqt"*"did you mean 'mqtt'"* ]] || die "broken config: exit $rc, '$err'"
grep -q '^RestartPreventExitStatus=78$' "$target/lib/systemd/system/dlms2mqtt.service" || die "the unit restarts on 78"
check "broken config: one line, exit 78, which the unit does not restart on"
echo "$denied"
[ "$denied_rc" -eq 78 ] && [[ "$denied" == *"cannot read it as user dlms2mqtt (Permission denied); let group dlms2mqtt read it: sudo chown root:dlms2mqtt /etc/dlms2mqtt/config.yaml && sudo chmod 640 /etc/dlms2mqtt/config.yaml" ]] ||
  die "unreadable config: exit $denied_rc, '$denied'"
echo "$outsider"
[ "$outsider_rc" -eq 78 ] && [[ "$outsider" == *"cannot read it as user nobody (Permission denied); group dlms2mqtt may read it: sudo usermod -aG dlms2mqtt nobody, then log in again" ]] ||
  die "config of another group: exit $outsider_rc, '$outsider'"
check "unreadable config: names the user, the group and the command"

step "apt-get purge dlms2mqtt"
in_root apt-get purge -y -qq dlms2mqtt >/dev/null
for gone in /usr/bin/dlms2mqtt /etc/dlms2mqtt /lib/systemd/system/dlms2mqtt.service \
            /etc/systemd/system/multi-user.target.wants/dlms2mqtt.service /var/lib/dlms2mqtt; do
  [ ! -e "$target$gone" ] && [ ! -L "$target$gone" ] || die "$gone is still there after purge"
done
[ -z "$(in_root dpkg-statoverride --list /etc/dlms2mqtt/config.yaml)" ] || die "the statoverride is still there after purge"
in_root getent passwd dlms2mqtt >/dev/null || die "purge removed the system user (Debian keeps them)"
check "purge removed the files, the conffile, the unit's links and the statoverride; the system user stays"

step "done"

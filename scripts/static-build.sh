#!/usr/bin/env bash
# Builds a statically linked dlms2mqtt: a binary that needs nothing from the system but the kernel.
# The container images hold it alone (scratch), and the armhf package ships the 32-bit ARM one.
#   scripts/static-build.sh TARGET               the sysroot, then build/static-TARGET/bridge/dlms2mqtt
#   scripts/static-build.sh TARGET --setup-only  the packages and the sysroot only (armhf-test.sh,
#                                                deb-test.sh armhf, the image's cached layer)
# TARGET:
#   amd64  x86-64 PCs and servers
#   arm64  Raspberry Pi 3, 4, 5 under a 64-bit OS (built for the Pi 3's Cortex-A53 and up)
#   armhf  every Raspberry Pi, the Pi Zero W and Pi 1 (ARMv6) included, under a 32-bit or 64-bit
#          OS: built with Debian's armel port, see cmake/arm-linux-gnueabi-static.cmake
# The compiler is Debian's cross compiler for TARGET, or the native one on a machine of that
# architecture. The build ends with a smoke test of the binary: --version, and five simulated pushes
# decoded, on the oldest core it is for (qemu-user's ARM1176 for armhf, Cortex-A53 for arm64).
# Environment: STATIC_SYSROOT (default build/sysroot-DEBARCH: armel, arm64 or amd64),
# STATIC_BUILD_DIR (default build/static-TARGET), JOBS (default 2), BUILD_TYPE (default
# RelWithDebInfo).
#
# The sysroot is Debian bookworm's -dev packages for the target (OpenSSL, Paho MQTT C, yaml-cpp,
# SQLite) unpacked with dpkg-deb, not installed: :armel packages cannot sit beside the host's when
# the host has security updates of the same library that the armel index lacks, and a native build
# takes nothing from the host's own -dev packages either. Two come from Debian's source packages
# instead (`apt-get source`, which needs a deb-src entry: the script adds
# /etc/apt/sources.list.d/dlms2mqtt-deb-src.sources for the archive the host already uses):
# Paho C++, which Debian ships as a shared library only, is built as a static library into the
# sysroot; and cpp-httplib (the live page and /metrics), whose Debian package splits it into a
# declaring header and a shared library, is used header-only: the source's own httplib.h, with
# Debian's patches applied, becomes the sysroot's usr/include/httplib.h (compiled without TLS or
# compression: the server sends its pre-compressed files itself). Both keep their Debian copyright
# file in the sysroot's usr/share/doc. The build also reads, from the build machine itself,
# Chart.js (libjs-chart.js, architecture-independent; built into the binary for the live page).
# To rebuild the binary against other libraries (for instance a modified glibc, as LGPL-2.1
# allows), replace them in the sysroot, or in the compiler's own folders for glibc, and run the
# build again.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${1:-}"
case "$target" in
  amd64) triplet=x86_64-linux-gnu debarch=amd64 qemu=qemu-x86_64 cpu='' machine=X86-64 ;;
  arm64) triplet=aarch64-linux-gnu debarch=arm64 qemu=qemu-aarch64 cpu=cortex-a53 machine=AArch64 ;;
  armhf) triplet=arm-linux-gnueabi debarch=armel qemu=qemu-arm cpu=arm1176 machine=ARM ;;
  *) echo "usage: scripts/static-build.sh amd64|arm64|armhf [--setup-only]" >&2; exit 2 ;;
esac
setup_only=no
[ "${2:-}" = --setup-only ] && setup_only=yes
sysroot="${STATIC_SYSROOT:-$root/build/sysroot-$debarch}"
build="${STATIC_BUILD_DIR:-$root/build/static-$target}"
jobs="${JOBS:-2}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"
host=$(dpkg --print-architecture)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
step() { echo "== static $target: $* ($(( $(date +%s) - started )) s)"; }
die() { echo "static-build: $*" >&2; exit 1; }
toolchain=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/static-linux.cmake" -DDLMS2MQTT_STATIC_TRIPLET="$triplet"
           -DDLMS2MQTT_SYSROOT="$sysroot")

# What the sysroot is made of; a change here (or a new version in the archive) remakes it.
sysroot_packages=(libssl-dev libpaho-mqtt-dev libyaml-cpp-dev libyaml-cpp0.7 libsqlite3-dev)

install_packages() {
  # libjs-chart.js: Chart.js, built into the binary (gzip, which compresses it, is Essential).
  local tools=(cmake make pkg-config file dpkg-dev nlohmann-json3-dev libjs-chart.js)
  if [ "$debarch" = "$host" ]; then
    tools+=(g++)
    qemu=""
  else
    tools+=("g++-$triplet" qemu-user-static)
    qemu="$qemu-static"
  fi
  scripts/deps.sh --only "${tools[@]}"
  local updated=no
  if [ "$debarch" != "$host" ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
    # Only so that apt reads the target's index: nothing of that architecture is installed.
    $sudo dpkg --add-architecture "$debarch"
    updated=yes
  fi
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src ' /etc/apt/sources.list; then
    local uri
    # shellcheck disable=SC2016 # $(REPO_URI) is apt's field name, not a shell expansion
    uri=$(apt-get indextargets --format '$(REPO_URI)' 'Codename: bookworm' 2>/dev/null | grep -v security | head -n 1)
    [ -n "$uri" ] || uri=http://deb.debian.org/debian/
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" |
      $sudo tee /etc/apt/sources.list.d/dlms2mqtt-deb-src.sources >/dev/null
    updated=yes
  fi
  # Also when apt's cache does not list the target's packages (an architecture added without an
  # update, or a container's base image without package lists).
  if [ "$updated" = yes ] || ! apt-cache show --no-all-versions "libssl-dev:$debarch" >/dev/null 2>&1 ||
     [ -z "$(apt-cache showsrc paho.mqtt.cpp 2>/dev/null)" ] || [ -z "$(apt-cache showsrc cpp-httplib 2>/dev/null)" ]; then
    $sudo apt-get update -qq
  fi
}

# One line per package: name=version, for the stamp that tells whether the sysroot is current.
wanted_versions() {
  local p version
  for p in "${sysroot_packages[@]}"; do
    version=$(apt-cache show --no-all-versions "$p:$debarch" 2>/dev/null | sed -n 's/^Version: //p')
    [ -n "$version" ] || die "apt knows no $p:$debarch (is the $debarch architecture added and apt-get update run?)"
    echo "$p:$debarch=$version"
  done
  version=$(apt-cache showsrc paho.mqtt.cpp 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
  [ -n "$version" ] || die "apt knows no source package paho.mqtt.cpp (no deb-src entry?)"
  echo "paho.mqtt.cpp=$version"
  version=$(apt-cache showsrc cpp-httplib 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
  [ -n "$version" ] || die "apt knows no source package cpp-httplib (no deb-src entry?)"
  echo "cpp-httplib=$version"
}

make_sysroot() {
  local stamp="$sysroot/.made-from" wanted
  wanted=$(wanted_versions) || exit 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    step "sysroot $sysroot is current"
    return 0
  fi
  step "sysroot $sysroot: unpacking the :$debarch packages"
  rm -rf "$sysroot" "$sysroot.work"
  mkdir -p "$sysroot.work/debs" "$sysroot.work/src" "$sysroot"
  local debs
  mapfile -t debs < <(grep ":$debarch=" <<<"$wanted")
  (cd "$sysroot.work/debs" && apt-get download -qq "${debs[@]}" 2>&1 | { grep -v 'Download is performed unsandboxed' || true; })
  local deb
  for deb in "$sysroot.work"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done

  step "sysroot: Paho C++ from Debian's source, as a static library"
  (cd "$sysroot.work/src" && apt-get source -qq "$(grep '^paho' <<<"$wanted")" 2>&1 |
     { grep -vE 'Download is performed unsandboxed|^dpkg-source: info' || true; })
  local src
  src=$(find "$sysroot.work/src" -mindepth 1 -maxdepth 1 -type d -name 'paho.mqtt.cpp-*' | head -n 1)
  [ -n "$src" ] || die "apt-get source paho.mqtt.cpp gave no source tree"
  cmake -S "$src" -B "$sysroot.work/paho-build" -DCMAKE_BUILD_TYPE=Release "${toolchain[@]}" \
    -DPAHO_BUILD_STATIC=ON -DPAHO_BUILD_SHARED=OFF -DPAHO_WITH_SSL=ON -DCMAKE_INSTALL_PREFIX="$sysroot/usr" >/dev/null
  cmake --build "$sysroot.work/paho-build" -j "$jobs" >/dev/null
  cmake --install "$sysroot.work/paho-build" >/dev/null
  install -D -m 644 "$src/debian/copyright" "$sysroot/usr/share/doc/libpaho-mqttpp-dev/copyright"

  step "sysroot: cpp-httplib's header-only httplib.h from Debian's source"
  (cd "$sysroot.work/src" && apt-get source -qq "$(grep '^cpp-httplib=' <<<"$wanted")" 2>&1 |
     { grep -vE 'Download is performed unsandboxed|^dpkg-source: info' || true; })
  src=$(find "$sysroot.work/src" -mindepth 1 -maxdepth 1 -type d -name 'cpp-httplib-*' | head -n 1)
  [ -f "${src:-/nonexistent}/httplib.h" ] || die "apt-get source cpp-httplib gave no httplib.h"
  # The whole library, not a split build's declarations: the server's code is in the header.
  grep -q 'inline bool Server::listen_internal()' "$src/httplib.h" || die "$src/httplib.h is not the header-only httplib.h"
  install -D -m 644 "$src/httplib.h" "$sysroot/usr/include/httplib.h"
  install -D -m 644 "$src/debian/copyright" "$sysroot/usr/share/doc/libcpp-httplib-dev/copyright"
  rm -rf "$sysroot.work"
  echo "$wanted" >"$stamp"
}

step "packages"
install_packages
make_sysroot
[ "$setup_only" = yes ] && exit 0

step "configure ($build_type) in $build"
cmake -S "$root" -B "$build" "${toolchain[@]}" -DCMAKE_BUILD_TYPE="$build_type" -DDLMS2MQTT_BUILD_TESTS=OFF \
  ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null
step "build (-j $jobs)"
# The log keeps glibc's link-time notes on getaddrinfo, getpwuid and friends, which are expected:
# a static glibc has /etc/hosts, DNS and /etc/passwd built in; only NSS plugins (mDNS) are out of reach.
cmake --build "$build" -j "$jobs" --target dlms2mqtt >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log" >&2; die "the build failed; the whole log is $build/build.log"; }
exe="$build/bridge/dlms2mqtt"
[ -x "$exe" ] || die "the build made no $exe"
readelf -h "$exe" | grep -Eq "Machine: .*\b$machine\$" || die "$exe is not a $target binary: $(file -b "$exe")"
! readelf -l "$exe" | grep -q INTERP || die "$exe is not statically linked: $(file -b "$exe")"

step "smoke test${cpu:+ (qemu-user, core $cpu)}"
run=("$exe")
[ -z "$qemu" ] || run=("$(command -v "$qemu")" ${cpu:+-cpu "$cpu"} "$exe")
"${run[@]}" --version
capture="$build/smoke-capture.bin"
"${run[@]}" simulate --out "$capture" --count 5 --fast
# The demo keys of `dlms2mqtt simulate` (not a real meter's).
pushes=$(DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
         DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
         "${run[@]}" decode --binary "$capture" | grep -c '"energy_import"' || true)
rm -f "$capture"
[ "$pushes" -eq 5 ] || die "decoded $pushes of 5 simulated pushes"
echo "5 simulated pushes decoded"
step "done: $exe ($(stat -c %s "$exe") bytes with debug information)"

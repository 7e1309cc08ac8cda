#!/usr/bin/env bash
# Builds the statically linked 32-bit ARM dlms2mqtt that the armhf package ships: one binary for
# every Raspberry Pi, the Pi Zero W and Pi 1 (ARMv6) included, under 32-bit or 64-bit Raspberry
# Pi OS. Why static and why Debian's armel port: cmake/arm-linux-gnueabi-static.cmake.
#   scripts/static-build.sh armhf               the sysroot, then build/static-armhf/bridge/dlms2mqtt
#   scripts/static-build.sh armhf --setup-only  the packages and the sysroot only (armhf-test.sh,
#                                               deb-test.sh armhf)
# Environment: STATIC_SYSROOT (default build/sysroot-armel), STATIC_BUILD_DIR (default
# build/static-armhf), JOBS (default 2), BUILD_TYPE (default RelWithDebInfo).
#
# The sysroot is Debian bookworm's :armel -dev packages (OpenSSL, Paho MQTT C, yaml-cpp) unpacked
# with dpkg-deb, not installed: :armel packages cannot sit beside the host's when the host has
# security updates of the same library that the armel index lacks. Paho C++ comes as a shared
# library only, so its Debian source (`apt-get source paho.mqtt.cpp`, which needs a deb-src entry:
# the script adds /etc/apt/sources.list.d/dlms2mqtt-deb-src.sources for the archive the host
# already uses) is built as a static library into the sysroot. To rebuild the binary against
# other libraries (for instance a modified glibc, as LGPL-2.1 allows), replace them in the
# sysroot, or the cross toolchain's /usr/arm-linux-gnueabi for glibc, and run the build again.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
[ "${1:-}" = armhf ] || { echo "usage: scripts/static-build.sh armhf [--setup-only]" >&2; exit 2; }
setup_only=no
[ "${2:-}" = --setup-only ] && setup_only=yes
sysroot="${STATIC_SYSROOT:-$root/build/sysroot-armel}"
build="${STATIC_BUILD_DIR:-$root/build/static-armhf}"
jobs="${JOBS:-2}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
step() { echo "== static armhf: $* ($(( $(date +%s) - started )) s)"; }
die() { echo "static-build: $*" >&2; exit 1; }

# What the sysroot is made of; a change here (or a new version in the archive) remakes it.
armel_packages=(libssl-dev libpaho-mqtt-dev libyaml-cpp-dev libyaml-cpp0.7)

install_packages() {
  scripts/deps.sh g++-arm-linux-gnueabi qemu-user-static binfmt-support dpkg-dev
  local updated=no
  if ! dpkg --print-foreign-architectures | grep -qx armel; then
    # Only so that apt reads the armel index: nothing :armel is installed.
    $sudo dpkg --add-architecture armel
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
  # Also when apt's cache does not list the armel packages (an architecture added without an update).
  if [ "$updated" = yes ] || ! apt-cache show --no-all-versions libssl-dev:armel >/dev/null 2>&1 ||
     [ -z "$(apt-cache showsrc paho.mqtt.cpp 2>/dev/null)" ]; then
    $sudo apt-get update -qq
  fi
}

# One line per package: name=version, for the stamp that tells whether the sysroot is current.
wanted_versions() {
  local p version
  for p in "${armel_packages[@]}"; do
    version=$(apt-cache show --no-all-versions "$p:armel" 2>/dev/null | sed -n 's/^Version: //p')
    [ -n "$version" ] || die "apt knows no $p:armel (is the armel architecture added and apt-get update run?)"
    echo "$p:armel=$version"
  done
  version=$(apt-cache showsrc paho.mqtt.cpp 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
  [ -n "$version" ] || die "apt knows no source package paho.mqtt.cpp (no deb-src entry?)"
  echo "paho.mqtt.cpp=$version"
}

make_sysroot() {
  local stamp="$sysroot/.made-from" wanted
  wanted=$(wanted_versions) || exit 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    step "sysroot $sysroot is current"
    return 0
  fi
  step "sysroot $sysroot: unpacking the :armel packages"
  rm -rf "$sysroot" "$sysroot.work"
  mkdir -p "$sysroot.work/debs" "$sysroot.work/src" "$sysroot"
  local debs
  mapfile -t debs < <(grep ':armel=' <<<"$wanted")
  (cd "$sysroot.work/debs" && apt-get download -qq "${debs[@]}" 2>&1 | { grep -v 'Download is performed unsandboxed' || true; })
  local deb
  for deb in "$sysroot.work"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done

  step "sysroot: Paho C++ from Debian's source, as a static library"
  (cd "$sysroot.work/src" && apt-get source -qq "$(grep '^paho' <<<"$wanted")" 2>&1 |
     { grep -vE 'Download is performed unsandboxed|^dpkg-source: info' || true; })
  local src
  src=$(find "$sysroot.work/src" -mindepth 1 -maxdepth 1 -type d -name 'paho.mqtt.cpp-*' | head -n 1)
  [ -n "$src" ] || die "apt-get source paho.mqtt.cpp gave no source tree"
  cmake -S "$src" -B "$sysroot.work/paho-build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-linux-gnueabi-static.cmake" -DDLMS2MQTT_SYSROOT="$sysroot" \
    -DPAHO_BUILD_STATIC=ON -DPAHO_BUILD_SHARED=OFF -DPAHO_WITH_SSL=ON -DCMAKE_INSTALL_PREFIX="$sysroot/usr" >/dev/null
  cmake --build "$sysroot.work/paho-build" -j "$jobs" >/dev/null
  cmake --install "$sysroot.work/paho-build" >/dev/null
  rm -rf "$sysroot.work"
  echo "$wanted" >"$stamp"
}

step "packages"
install_packages
make_sysroot
[ "$setup_only" = yes ] && exit 0

step "configure ($build_type) in $build"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-linux-gnueabi-static.cmake" \
  -DDLMS2MQTT_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE="$build_type" -DDLMS2MQTT_BUILD_TESTS=OFF \
  ${WARNINGS_AS_ERRORS:+-DCMAKE_COMPILE_WARNING_AS_ERROR=ON} >/dev/null
step "build (-j $jobs)"
# The log keeps glibc's link-time notes on getaddrinfo, getpwuid and friends, which are expected:
# a static glibc has /etc/hosts, DNS and /etc/passwd built in; only NSS plugins (mDNS) are out of reach.
cmake --build "$build" -j "$jobs" --target dlms2mqtt >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log" >&2; die "the build failed; the whole log is $build/build.log"; }
exe="$build/bridge/dlms2mqtt"
[ -x "$exe" ] || die "the build made no $exe"
file -b "$exe" | grep -q 'ARM.*statically linked' || die "$exe is not a statically linked ARM binary: $(file -b "$exe")"
step "done: $exe ($(stat -c %s "$exe") bytes with debug information)"

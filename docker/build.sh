#!/usr/bin/env bash
# The image's build stage: installs the compiler and libraries, builds the release binary for the
# target architecture, runs the whole test suite against it, and installs it into /out.
#   docker/build.sh deps TARGET_ARCH     the packages (a layer of its own, kept across source changes)
#   docker/build.sh build TARGET_ARCH    build, test, install
# TARGET_ARCH is amd64 or arm64; empty: the build machine's own.
# The stage always runs on the build machine's own architecture. For another target (arm64 on an
# amd64 machine) it cross-compiles with Debian's cross toolchain and :arm64 libraries, as
# scripts/arm64-test.sh does, and runs the tests under qemu-user: compiling under emulation would
# take hours, running the tests there takes minutes. The daemon tests start the arm64 binary as a
# child process, which needs the build machine's binfmt_misc to know qemu-aarch64
# (scripts/image-test.sh sets that up); without it they are left out, and said so.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
host=$(dpkg --print-architecture)
what="${1:-}"
target="${2:-}"
[ -n "$target" ] || target="$host"
jobs="${JOBS:-2}"

common=(cmake make ccache pkg-config nlohmann-json3-dev doctest-dev mosquitto ca-certificates)
# ccache: the Dockerfile mounts a cache at /root/.cache/ccache (empty without BuildKit/buildah).
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLMS2MQTT_BUILD_TESTS=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_DIR=/root/.cache/ccache CCACHE_BASEDIR=/src
ctest_args=()
if [ "$target" = "$host" ]; then
  packages=(g++ libssl-dev libpaho-mqtt-dev libpaho-mqttpp-dev libyaml-cpp-dev "${common[@]}")
elif [ "$target" = arm64 ] && [ "$host" = amd64 ]; then
  [ "$what" != deps ] || dpkg --add-architecture arm64
  # No native libyaml-cpp-dev here, so its :arm64 twin (they share header files) installs normally.
  packages=(g++-aarch64-linux-gnu libc6:arm64 libstdc++6:arm64 libssl-dev:arm64 libpaho-mqtt-dev:arm64
            libpaho-mqttpp-dev:arm64 libyaml-cpp-dev:arm64 qemu-user "${common[@]}")
  cmake_args+=(-DCMAKE_TOOLCHAIN_FILE=/src/cmake/aarch64-linux-gnu.cmake)
else
  echo "build: cannot build for $target on $host (only $host, or arm64 on amd64)" >&2
  exit 1
fi

if [ "$what" = deps ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  rm -rf /var/lib/apt/lists/*
  exit 0
fi
[ "$what" = build ] || { echo "usage: docker/build.sh deps|build [TARGET_ARCH]" >&2; exit 2; }

# The tests of the meter captures in ../shared report themselves skipped: that folder is not in
# the build context. The MQTT tests start their own mosquitto on 127.0.0.1.
cmake -S /src -B /src/build/image "${cmake_args[@]}" >/dev/null
cmake --build /src/build/image -j "$jobs"
# The daemon tests start the binary as a child process: an arm64 one starts only if the kernel's
# binfmt_misc hands it to qemu (registered on the build machine, seen inside the build too).
if [ "$target" != "$host" ] && ! /src/build/image/bridge/dlms2mqtt --version >/dev/null 2>&1; then
  echo "build: the $target binary does not start here (no binfmt_misc for it): daemon tests left out"
  ctest_args+=(--label-exclude '^daemon_tests$')
fi
ctest --test-dir /src/build/image --output-on-failure --timeout 900 -j "$jobs" "${ctest_args[@]}"
DESTDIR=/out cmake --install /src/build/image --prefix /usr/local --strip >/dev/null
file_arch=$(od -An -tx1 -j18 -N2 /out/usr/local/bin/dlms2mqtt | tr -d ' ')
echo "build: /usr/local/bin/dlms2mqtt for $target (ELF machine $file_arch)"

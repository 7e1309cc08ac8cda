# Cross-compiles for 64-bit ARM Linux (Raspberry Pi 3/4/5 with a 64-bit OS) with Debian's
# cross toolchain and multiarch :arm64 libraries:
#   apt-get install g++-aarch64-linux-gnu libssl-dev:arm64 libpaho-mqttpp-dev:arm64 ...
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# scripts/arm64-test.sh does all of it and runs the tests under qemu-user.
#
# The :arm64 libraries live in /usr/lib/aarch64-linux-gnu beside the native ones; header-only
# packages (nlohmann/json, doctest) and their CMake files are architecture-independent and found
# in the host's /usr. Extra prefixes (e.g. a package unpacked by hand) go in CMAKE_PREFIX_PATH or
# <Package>_DIR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries only from the target's directories, never the host's; headers and package files
# also from the host's /usr for the architecture-independent ones.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config (FindOpenSSL uses it) must read the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Test executables (and doctest's test discovery at build time) run under qemu-user. With
# libc6:arm64 installed, its loader and libc in / are used: under qemu-user 7.2 a program started
# with the cross toolchain's own libc (-L /usr/aarch64-linux-gnu) hangs in its first
# pthread_create, while the multiarch libc runs threads fine.
find_program(DLMS2MQTT_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(DLMS2MQTT_QEMU_AARCH64)
  if(EXISTS /lib/ld-linux-aarch64.so.1)
    set(DLMS2MQTT_QEMU_LD_PREFIX /)
  else()
    set(DLMS2MQTT_QEMU_LD_PREFIX /usr/aarch64-linux-gnu)
  endif()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${DLMS2MQTT_QEMU_AARCH64};-L;${DLMS2MQTT_QEMU_LD_PREFIX}")
endif()

# Cross-compiles one statically linked 32-bit ARM binary that runs on every Raspberry Pi, the
# Pi Zero W and Pi 1 (ARMv6, ARM1176) included, under any 32-bit or 64-bit Raspberry Pi OS.
# scripts/static-build.sh sets it up and passes DLMS2MQTT_SYSROOT; by hand:
#   cmake -S . -B build/static-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/arm-linux-gnueabi-static.cmake \
#         -DDLMS2MQTT_SYSROOT=$PWD/build/static-armhf/sysroot
#
# Why Debian's armel port and not armhf: Debian's armhf is ARMv7 + Thumb-2, and its libraries, crt
# files and libgcc.a do not run on an ARMv6 core. armel targets ARMv5TE, which every ARM core of a
# Pi runs. Raspberry Pi OS's armhf userland uses a different float ABI from armel's, so the binary
# is linked statically: it then needs nothing from the system but the kernel.
#
# The sysroot holds Debian's :armel -dev packages unpacked (headers, static archives, CMake
# package files) and Paho C++, which Debian ships as a shared library only, built from Debian's
# source; no :armel package is installed beside the host's.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabi)

set(CMAKE_C_COMPILER arm-linux-gnueabi-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabi-g++)
# GCC's note that GCC 7.1 changed how some arguments are passed on ARM matters only when linking
# code built by an older GCC; everything here is built by the one cross compiler.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")

# try_compile projects re-read this file: hand them the sysroot too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES DLMS2MQTT_SYSROOT)
if(NOT DLMS2MQTT_SYSROOT)
  message(FATAL_ERROR "set DLMS2MQTT_SYSROOT to the unpacked :armel packages (scripts/static-build.sh does)")
endif()

# Libraries only from the sysroot and the cross toolchain's own folder; headers and package files
# also from the host's /usr for the architecture-independent ones (nlohmann/json, doctest).
set(CMAKE_FIND_ROOT_PATH ${DLMS2MQTT_SYSROOT} ${DLMS2MQTT_SYSROOT}/usr /usr/arm-linux-gnueabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# Debian's multiarch headers (openssl/opensslconf.h) sit in include/<triplet>.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${DLMS2MQTT_SYSROOT}/usr/include/arm-linux-gnueabi)
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${DLMS2MQTT_SYSROOT}/usr/include/arm-linux-gnueabi)
set(ENV{PKG_CONFIG_LIBDIR} ${DLMS2MQTT_SYSROOT}/usr/lib/arm-linux-gnueabi/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Static archives only, and a static link: the ARMv6 binary must not load the system's libraries.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(DLMS2MQTT_STATIC ON CACHE BOOL "statically linked binary" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# ARMv5TE has no 64-bit atomic instructions: std::atomic<uint64_t> and OpenSSL call libatomic,
# which uses the kernel's cmpxchg64 helper.
set(CMAKE_CXX_STANDARD_LIBRARIES "-latomic")
set(CMAKE_C_STANDARD_LIBRARIES "-latomic")

# Test executables (and doctest's test discovery at build time) run under qemu-user on the Pi
# Zero W's core; a static binary needs no -L.
find_program(DLMS2MQTT_QEMU_ARM NAMES qemu-arm qemu-arm-static)
if(DLMS2MQTT_QEMU_ARM)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${DLMS2MQTT_QEMU_ARM};-cpu;arm1176")
endif()

# Builds one statically linked Linux binary for a target given by its GNU triplet, against a
# sysroot of Debian's -dev packages unpacked for that architecture: the binary needs nothing from
# the system but the kernel, so it runs in an empty (scratch) container image and on any
# distribution. scripts/static-build.sh sets it up and passes both variables; by hand:
#   cmake -S . -B build/static-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/static-linux.cmake \
#         -DDLMS2MQTT_STATIC_TRIPLET=aarch64-linux-gnu -DDLMS2MQTT_SYSROOT=$PWD/build/sysroot-arm64
#
#   x86_64-linux-gnu    amd64 PCs and servers            sysroot: :amd64 packages
#   aarch64-linux-gnu   Raspberry Pi 3, 4, 5, 64-bit OS   sysroot: :arm64 packages
#   arm-linux-gnueabi   every Raspberry Pi, ARMv6 and up  sysroot: :armel packages
#                       (cmake/arm-linux-gnueabi-static.cmake explains why armel)
#
# The compiler is the triplet's gcc: Debian's cross compiler (g++-aarch64-linux-gnu, ...), or the
# native one on a machine of that architecture (the g++ package names itself by triplet too).
# The sysroot holds the unpacked -dev packages (headers, static archives, CMake package files)
# and Paho C++, which Debian ships as a shared library only, built from Debian's source.
if(NOT DLMS2MQTT_STATIC_TRIPLET)
  message(FATAL_ERROR "set DLMS2MQTT_STATIC_TRIPLET: x86_64-linux-gnu, aarch64-linux-gnu or arm-linux-gnueabi")
endif()
if(NOT DLMS2MQTT_SYSROOT)
  message(FATAL_ERROR "set DLMS2MQTT_SYSROOT to the unpacked -dev packages (scripts/static-build.sh does)")
endif()
# try_compile projects re-read this file: hand them both.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES DLMS2MQTT_STATIC_TRIPLET DLMS2MQTT_SYSROOT)

set(triplet ${DLMS2MQTT_STATIC_TRIPLET})
string(REGEX MATCH "^[^-]+" processor ${triplet})
# A cross build only when the machine is another one: a native build runs its own test programs.
if(NOT processor STREQUAL CMAKE_HOST_SYSTEM_PROCESSOR
   AND NOT (processor STREQUAL arm AND CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^arm"))
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR ${processor})
endif()
set(CMAKE_LIBRARY_ARCHITECTURE ${triplet})
set(CMAKE_C_COMPILER ${triplet}-gcc)
set(CMAKE_CXX_COMPILER ${triplet}-g++)
if(processor STREQUAL arm)
  # GCC's note that GCC 7.1 changed how some arguments are passed on ARM matters only when linking
  # code built by an older GCC; everything here is built by the one compiler.
  set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
endif()

# Libraries only from the sysroot and the cross toolchain's own folder; headers and package files
# also from the host's /usr for the architecture-independent ones (nlohmann/json, doctest).
set(CMAKE_FIND_ROOT_PATH ${DLMS2MQTT_SYSROOT} ${DLMS2MQTT_SYSROOT}/usr /usr/${triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# Debian's multiarch headers (openssl/opensslconf.h) sit in include/<triplet>; the sysroot's come
# before a native compiler's own /usr/include.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${DLMS2MQTT_SYSROOT}/usr/include/${triplet} ${DLMS2MQTT_SYSROOT}/usr/include)
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${DLMS2MQTT_SYSROOT}/usr/include/${triplet} ${DLMS2MQTT_SYSROOT}/usr/include)
set(ENV{PKG_CONFIG_LIBDIR} ${DLMS2MQTT_SYSROOT}/usr/lib/${triplet}/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Static archives only, and a static link.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(DLMS2MQTT_STATIC ON CACHE BOOL "statically linked binary" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
if(triplet STREQUAL arm-linux-gnueabi)
  # ARMv5TE has no 64-bit atomic instructions: std::atomic<uint64_t> and OpenSSL call libatomic,
  # which uses the kernel's cmpxchg64 helper.
  set(CMAKE_CXX_STANDARD_LIBRARIES "-latomic")
  set(CMAKE_C_STANDARD_LIBRARIES "-latomic")
endif()

# Test executables (and doctest's test discovery at build time) of a cross build run under
# qemu-user, on the oldest core each binary is for: the Pi Zero W's ARM1176 (ARMv6) and the
# Pi 3's Cortex-A53. A static binary needs no -L.
if(CMAKE_CROSSCOMPILING)
  set(qemu_cpu_arm arm1176)
  set(qemu_cpu_aarch64 cortex-a53)
  find_program(DLMS2MQTT_QEMU_${processor} NAMES qemu-${processor} qemu-${processor}-static)
  if(DLMS2MQTT_QEMU_${processor} AND qemu_cpu_${processor})
    set(CMAKE_CROSSCOMPILING_EMULATOR "${DLMS2MQTT_QEMU_${processor}};-cpu;${qemu_cpu_${processor}}")
  elseif(DLMS2MQTT_QEMU_${processor})
    set(CMAKE_CROSSCOMPILING_EMULATOR "${DLMS2MQTT_QEMU_${processor}}")
  endif()
endif()

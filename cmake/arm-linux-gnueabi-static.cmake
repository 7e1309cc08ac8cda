# Cross-compiles one statically linked 32-bit ARM binary that runs on every Raspberry Pi, the
# Pi Zero W and Pi 1 (ARMv6, ARM1176) included, under any 32-bit or 64-bit Raspberry Pi OS.
# scripts/static-build.sh armhf sets it up and passes DLMS2MQTT_SYSROOT; by hand:
#   cmake -S . -B build/static-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/arm-linux-gnueabi-static.cmake \
#         -DDLMS2MQTT_SYSROOT=$PWD/build/sysroot-armel
#
# Why Debian's armel port and not armhf: Debian's armhf is ARMv7 + Thumb-2, and its libraries, crt
# files and libgcc.a do not run on an ARMv6 core. armel targets ARMv5TE, which every ARM core of a
# Pi runs. Raspberry Pi OS's armhf userland uses a different float ABI from armel's, so the binary
# is linked statically: it then needs nothing from the system but the kernel.
#
# The same as cmake/static-linux.cmake with the triplet arm-linux-gnueabi, which does the work.
set(DLMS2MQTT_STATIC_TRIPLET arm-linux-gnueabi)
include(${CMAKE_CURRENT_LIST_DIR}/static-linux.cmake)

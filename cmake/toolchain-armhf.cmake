# SPDX-License-Identifier: Apache-2.0
# 32-bit Arm, hard float (Debian armhf, ARMv7-A with VFPv3-D16 and Thumb-2):
# `make cross ARCH=armhf`, or
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake -DMAYDAY_DEVICE_ONLY=ON
# Packages: scripts/deps.sh cross armhf (cmake/toolchain-debian-cross.cmake).
# Debian's glibc for armhf has no rcrt1.o, so no static-pie: the static DCF
# is linked -static (not a PIE) here, see cmake/dcf_static.cmake.
set(MAYDAY_CROSS_TRIPLET arm-linux-gnueabihf)
set(MAYDAY_CROSS_PROCESSOR armv7l)
set(MAYDAY_CROSS_QEMU_ARCH arm)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)

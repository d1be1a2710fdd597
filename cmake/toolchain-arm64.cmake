# SPDX-License-Identifier: Apache-2.0
# 64-bit Arm (Debian arm64, AArch64): `make cross ARCH=arm64`, or
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm64.cmake -DMAYDAY_DEVICE_ONLY=ON
# Packages: scripts/deps.sh cross arm64 (cmake/toolchain-debian-cross.cmake).
set(MAYDAY_CROSS_TRIPLET aarch64-linux-gnu)
set(MAYDAY_CROSS_PROCESSOR aarch64)
set(MAYDAY_CROSS_QEMU_ARCH aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)

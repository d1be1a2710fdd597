# SPDX-License-Identifier: Apache-2.0
# Shared by cmake/toolchain-ARCH.cmake (which sets MAYDAY_CROSS_TRIPLET and
# MAYDAY_CROSS_PROCESSOR first): a cross build with Debian 12's cross
# compiler (gcc-TRIPLET) and the target's libraries as multiarch packages
# (libssl-dev:ARCH, ..., installed by `scripts/deps.sh cross ARCH`), whose
# files are in /usr/lib/TRIPLET and /usr/include/TRIPLET beside the host's.
# No separate sysroot: the target's headers and libraries are found by the
# cross compiler's multiarch search paths, never the host's.
#
# Programs built here run on the build machine under qemu-user
# (qemu-user-static): CTest starts a test program through
# CMAKE_CROSSCOMPILING_EMULATOR. Without -L: the dynamically linked ones load
# the target's multiarch glibc (libc6:ARCH, /lib/ld-linux-*.so, the glibc
# whose libc.a the static DCF links). -L /usr/TRIPLET would load the cross
# toolchain's own older copy (libc6-ARCH-cross, 2.36-8cross1 in Debian 12),
# with which a threaded arm64 program under qemu 7.2 hangs when its threads
# are joined. Test scripts that start the cross-built programs
# themselves, and the TrE's own fexecve of the DCF, need the kernel to hand
# a foreign ELF to qemu: `make check-cross` runs CTest under
# scripts/cross-run.sh, which registers qemu in a binfmt_misc of its own
# (docs/dcf-partition.md, "Cross builds").
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${MAYDAY_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${MAYDAY_CROSS_TRIPLET}-gcc)
set(CMAKE_AR ${MAYDAY_CROSS_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${MAYDAY_CROSS_TRIPLET}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${MAYDAY_CROSS_TRIPLET}-strip CACHE FILEPATH "")
set(CMAKE_LIBRARY_ARCHITECTURE ${MAYDAY_CROSS_TRIPLET})

# find_library/find_path: the target's multiarch directories only (the host's
# /usr/lib/x86_64-linux-gnu must never be picked); find_program: the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${MAYDAY_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
                      /usr/include/x86_64-linux-gnu)

# pkg-config: the host's, reading only the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${MAYDAY_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(MAYDAY_CROSS_QEMU qemu-${MAYDAY_CROSS_QEMU_ARCH}-static)
if(MAYDAY_CROSS_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MAYDAY_CROSS_QEMU})
endif()

# SPDX-License-Identifier: Apache-2.0
# Reproducible builds (issue 17): two clean builds of the same commit, in any
# two directories, give byte-identical programs -- the DCF's digest is a
# trusted reference value (docs/dcf-partition.md, "Reproducible").
#
# - No path of the machine in the output: the source and build directories
#   are mapped (-ffile-prefix-map: __FILE__ in log and assert messages, and
#   the debug information's file names and compilation directory) to "." and
#   "build". The build directory is given last: GCC tries the last mapping
#   first, so a build directory inside the source tree maps as itself.
# - No time of the build: __DATE__, __TIME__ and __TIMESTAMP__ are errors
#   (-Wdate-time under -Werror). Time stamps CMake writes (string(TIMESTAMP))
#   follow SOURCE_DATE_EPOCH, which cmake/version.cmake takes from the commit.
# - The link's inputs come in the order the CMakeLists list them (sources and
#   libraries are listed, never globbed); static archives are deterministic
#   (Debian's binutils: ar D by default, no dates or owners).
# - The build ID stays (debuggers and crash reports use it), as a SHA-1 of
#   the output's own contents (--build-id=sha1): equal programs, equal IDs.
# tests/integration/test_repro.sh builds the DCF and the TrE twice and
# compares them byte for byte.
add_compile_options(-Wdate-time
                    -ffile-prefix-map=${CMAKE_SOURCE_DIR}=.
                    -ffile-prefix-map=${CMAKE_BINARY_DIR}=build)
if(NOT MAYDAY_FUZZ)
  add_link_options(-Wl,--build-id=sha1)
endif()

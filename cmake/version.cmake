# SPDX-License-Identifier: Apache-2.0
# mayday_version: the generated header with the project version, for every
# program's --version (and mayday-provision, which writes it into the
# dcf.conf and manifests it makes). Link it PRIVATE; it carries no code.
#
# The build record (issue 17): the commit the build is from and the
# toolchain that made it, which the DCF carries in its executable
# (device/dcf/dcf_main.c) and mayday-provision copies into the DCF manifest,
# is in a header of its own, mayday_build.h, rewritten at every build by
# cmake/build_record.cmake when the commit changed (only what includes it
# is rebuilt). MAYDAY_BUILD_COMMIT: given (a build from a tarball, or the
# reproducibility test's copies), else git's HEAD at build time.
set(MAYDAY_BUILD_COMMIT "" CACHE STRING
    "The commit recorded in the DCF and its manifest (default: git HEAD at build time)")
find_program(MAYDAY_GIT git)
# The toolchain: compiler, target, and the OpenSSL the static DCF links.
execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine
                OUTPUT_VARIABLE mayday_build_target OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
set(mayday_build_toolchain
    "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION} ${mayday_build_target}, OpenSSL ${OPENSSL_VERSION}")
# The limit and alphabet of mayday/build_record.h (MAYDAY_BUILD_TOOLCHAIN_MAX).
string(LENGTH "${mayday_build_toolchain}" toolchain_len)
if(NOT mayday_build_toolchain MATCHES "^[ -~]+$" OR mayday_build_toolchain MATCHES "[\"\\\\]"
   OR toolchain_len GREATER 128)
  message(FATAL_ERROR "the toolchain '${mayday_build_toolchain}': 1..128 printable ASCII, no quotes or backslashes")
endif()
add_custom_target(mayday_build_record
  COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${CMAKE_BINARY_DIR}/generated/mayday_build.h
          -DCOMMIT=${MAYDAY_BUILD_COMMIT} "-DTOOLCHAIN=${mayday_build_toolchain}" -DGIT=${MAYDAY_GIT}
          -P ${CMAKE_CURRENT_LIST_DIR}/build_record.cmake
  BYPRODUCTS ${CMAKE_BINARY_DIR}/generated/mayday_build.h
  COMMENT "Build record (commit, toolchain)" VERBATIM)

configure_file(${CMAKE_CURRENT_LIST_DIR}/mayday_version.h.in
               ${CMAKE_BINARY_DIR}/generated/mayday_version.h @ONLY)
add_library(mayday_version INTERFACE)
target_include_directories(mayday_version INTERFACE ${CMAKE_BINARY_DIR}/generated)
add_dependencies(mayday_version mayday_build_record)

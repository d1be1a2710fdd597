# SPDX-License-Identifier: Apache-2.0
# mayday_version: the generated header with the project version, for every
# program's --version (and mayday-provision, which writes it into the
# dcf.conf and manifests it makes). Link it PRIVATE; it carries no code.
#
# It also carries the build record (issue 17): the commit the build is from
# and the toolchain that made it, which the DCF carries in its executable
# (device/dcf/dcf_main.c) and mayday-provision copies into the DCF manifest.
# MAYDAY_BUILD_COMMIT: given (a build from a tarball, or the reproducibility
# test's copies), else git's HEAD at configure time, "-dirty" when the tree
# has changes, "unknown" outside a git checkout.
set(MAYDAY_BUILD_COMMIT "" CACHE STRING
    "The commit recorded in the DCF and its manifest (default: git HEAD at configure time)")
set(mayday_build_commit "${MAYDAY_BUILD_COMMIT}")
if(mayday_build_commit STREQUAL "")
  set(mayday_build_commit unknown)
  find_program(MAYDAY_GIT git)
  if(MAYDAY_GIT)
    execute_process(COMMAND ${MAYDAY_GIT} -C ${CMAKE_SOURCE_DIR} rev-parse HEAD
                    OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND head MATCHES "^[0-9a-f]+$")
      set(mayday_build_commit ${head})
      execute_process(COMMAND ${MAYDAY_GIT} -C ${CMAKE_SOURCE_DIR} diff --quiet HEAD --
                      RESULT_VARIABLE dirty ERROR_QUIET)
      if(NOT dirty EQUAL 0)
        string(APPEND mayday_build_commit -dirty)
      endif()
    endif()
  endif()
endif()
# The toolchain: compiler, target, and the OpenSSL the static DCF links.
execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine
                OUTPUT_VARIABLE mayday_build_target OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
set(mayday_build_toolchain
    "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION} ${mayday_build_target}, OpenSSL ${OPENSSL_VERSION}")
# The limits of mayday/build_record.h (MAYDAY_BUILD_COMMIT_MAX, _TOOLCHAIN_MAX).
string(LENGTH "${mayday_build_commit}" commit_len)
string(LENGTH "${mayday_build_toolchain}" toolchain_len)
if(NOT mayday_build_commit MATCHES "^[0-9a-z-]+$" OR commit_len GREATER 80)
  message(FATAL_ERROR "MAYDAY_BUILD_COMMIT '${mayday_build_commit}': 1..80 of [0-9a-z-]")
endif()
if(NOT mayday_build_toolchain MATCHES "^[ -~]+$" OR mayday_build_toolchain MATCHES "[\"\\\\]"
   OR toolchain_len GREATER 128)
  message(FATAL_ERROR "the toolchain '${mayday_build_toolchain}': 1..128 printable ASCII, no quotes or backslashes")
endif()
message(STATUS "Build record: commit ${mayday_build_commit}; toolchain ${mayday_build_toolchain}")

configure_file(${CMAKE_CURRENT_LIST_DIR}/mayday_version.h.in
               ${CMAKE_BINARY_DIR}/generated/mayday_version.h @ONLY)
add_library(mayday_version INTERFACE)
target_include_directories(mayday_version INTERFACE ${CMAKE_BINARY_DIR}/generated)

# SPDX-License-Identifier: Apache-2.0
# MAYDAY_DCF_STATIC: mayday-dcf as one static executable (issue 11).
#
# The DCF runs when the normal code's verification failed, so it must run
# nothing from the normal code's file system: every byte of its code comes
# from the DCF partition, which mayday-boot measures and verifies. With this
# option mayday-dcf is linked -static-pie (static, and still a PIE with full
# RELRO like every other program, see tests/unit/hardening.cmake) against
# the static archives of the few libraries it may take; every other program
# keeps linking the host's shared libraries.
#
# How: the libraries' imported targets link "per consumer": the static
# archive for a target whose MAYDAY_STATIC_LINK property is true (only
# mayday-dcf), the shared library for all others. CMake evaluates
# $<TARGET_PROPERTY:prop> in a transitive usage requirement on the target
# being linked, so the DCF's static libraries (libmayday, the HAL, ...) keep
# linking OpenSSL::Crypto etc. by their usual names.
#
# The check (mayday_dcf_static, at the end of configuration) walks
# everything mayday-dcf links and fails the configuration, naming each one,
# if it links a library that is not on MAYDAY_DCF_STATIC_ALLOWED or that has
# no static archive here. libcurl and libxml2 are not allowed on purpose:
# their static archives drag GnuTLS, Kerberos, LDAP, ICU, ... into a
# femtocell's DCF.
#
# The TrE (mayday-boot) is linked the same way, under the same option and
# with the same allowed libraries: firmware that loads nothing from the
# file system it verifies, and starts without dynamic linking.
#
# Use: include() this file before find_package(OpenSSL) (the OpenSSL
# targets must be made here, FindOpenSSL then keeps them), and call
# mayday_dcf_static(mayday-dcf) and mayday_dcf_static(mayday-boot) once
# every target is defined.

if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT MAYDAY_SANITIZE AND NOT MAYDAY_FUZZ)
  set(mayday_dcf_static_default ON)
else()
  # glibc's static link is Linux-only here; the sanitizers' runtimes and
  # libFuzzer are shared objects.
  set(mayday_dcf_static_default OFF)
endif()
option(MAYDAY_DCF_STATIC
       "Link mayday-dcf (all its code from the DCF partition) and mayday-boot fully static (-static-pie)"
       ${mayday_dcf_static_default})

# -static-pie needs the C library's rcrt1.o, which Debian's glibc ships for
# amd64 and arm64 but not for armhf. Where it is missing the DCF is linked
# -static instead: still one static executable that loads nothing, but at a
# fixed address (no ASLR of its code), and without the dynamic section that
# -z now marks; tests/unit/hardening.cmake checks it as such
# (docs/dcf-partition.md, "Cross builds").
if(MAYDAY_DCF_STATIC)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fPIE)
  set(CMAKE_REQUIRED_LINK_OPTIONS -static-pie)
  check_c_source_compiles("int main(void) { return 0; }" MAYDAY_HAVE_STATIC_PIE)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT MAYDAY_HAVE_STATIC_PIE)
    message(STATUS "MAYDAY_DCF_STATIC: no static-pie with this C library (no rcrt1.o): "
                   "mayday-dcf and mayday-boot are linked -static, not as PIEs")
  endif()
endif()

# Libraries (file names without lib/.a/.so) the static DCF may link: OpenSSL,
# inih (dcf.conf), expat (CWMP on the device side).
set(MAYDAY_DCF_STATIC_ALLOWED ssl crypto inih expat)
# Linker flags that name only glibc (in libc.a since glibc 2.34).
set(MAYDAY_DCF_STATIC_FLAGS -pthread -lpthread -ldl -lm -lrt)

# $<...> choosing the static archive for a consumer with MAYDAY_STATIC_LINK.
function(mayday_static_choice out shared static)
  set(${out} "$<IF:$<BOOL:$<TARGET_PROPERTY:MAYDAY_STATIC_LINK>>,${static},${shared}>" PARENT_SCOPE)
endfunction()

# OpenSSL::SSL and OpenSSL::Crypto as interface targets that link per
# consumer. Made before find_package(OpenSSL), which then keeps them (it only
# makes those it does not find) and still checks the version and headers.
if(MAYDAY_DCF_STATIC)
  find_path(MAYDAY_OPENSSL_INCLUDE_DIR openssl/ssl.h)
  foreach(lib ssl crypto)
    find_library(MAYDAY_LIB${lib}_SHARED NAMES ${lib})
    find_library(MAYDAY_LIB${lib}_STATIC NAMES lib${lib}.a)
    if(NOT MAYDAY_LIB${lib}_SHARED)
      message(FATAL_ERROR "MAYDAY_DCF_STATIC: lib${lib} not found")
    endif()
  endforeach()
  add_library(OpenSSL::Crypto INTERFACE IMPORTED)
  add_library(OpenSSL::SSL INTERFACE IMPORTED)
  if(MAYDAY_LIBcrypto_STATIC AND MAYDAY_LIBssl_STATIC)
    mayday_static_choice(crypto "${MAYDAY_LIBcrypto_SHARED}" "${MAYDAY_LIBcrypto_STATIC}")
    mayday_static_choice(ssl "${MAYDAY_LIBssl_SHARED}" "${MAYDAY_LIBssl_STATIC}")
    set_target_properties(OpenSSL::Crypto OpenSSL::SSL PROPERTIES MAYDAY_STATIC_READY ON)
  else()
    set(crypto "${MAYDAY_LIBcrypto_SHARED}")
    set(ssl "${MAYDAY_LIBssl_SHARED}")
    set_target_properties(OpenSSL::Crypto OpenSSL::SSL PROPERTIES
                          MAYDAY_STATIC_MISSING "libssl.a or libcrypto.a")
  endif()
  set_target_properties(OpenSSL::Crypto PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MAYDAY_OPENSSL_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${crypto}")
  set_target_properties(OpenSSL::SSL PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MAYDAY_OPENSSL_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${ssl};OpenSSL::Crypto")
endif()

# The base name (ssl, inih, ...) of a library file path, else "".
function(mayday_lib_name out path)
  get_filename_component(f "${path}" NAME)
  if(f MATCHES "^lib(.+)\\.(so(\\..*)?|a)$")
    set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# An imported interface target made by pkg_check_modules(... IMPORTED_TARGET):
# its library paths become per-consumer choices when each has an allowed
# static archive beside it; otherwise the reasons are appended to `problems_var`.
function(mayday_static_switch tgt problems_var)
  get_target_property(ready ${tgt} MAYDAY_STATIC_READY)
  if(ready)
    return()
  endif()
  get_target_property(missing ${tgt} MAYDAY_STATIC_MISSING)
  if(missing)
    set(${problems_var} "${${problems_var}};${tgt}: no static archive (${missing})" PARENT_SCOPE)
    return()
  endif()
  get_target_property(type ${tgt} TYPE)
  get_target_property(libs ${tgt} INTERFACE_LINK_LIBRARIES)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    set(${problems_var} "${${problems_var}};${tgt}: a ${type} imported target, not one this check can relink" PARENT_SCOPE)
    return()
  endif()
  set(out "")
  set(bad "")
  if(NOT libs)
    set(libs "")
  endif()
  foreach(item IN LISTS libs)
    if(TARGET ${item} OR item MATCHES "^-" OR item MATCHES "^\\$<")
      list(APPEND out "${item}")   # walked (or judged) on its own by the caller
      continue()
    endif()
    mayday_lib_name(name "${item}")
    get_filename_component(dir "${item}" DIRECTORY)
    if(name STREQUAL "" OR NOT name IN_LIST MAYDAY_DCF_STATIC_ALLOWED)
      list(APPEND bad "${item}: not a library the static DCF may link")
    elseif(NOT EXISTS "${dir}/lib${name}.a")
      list(APPEND bad "${item}: no static archive (${dir}/lib${name}.a)")
    else()
      mayday_static_choice(choice "${item}" "${dir}/lib${name}.a")
      list(APPEND out "${choice}")
    endif()
  endforeach()
  if(bad)
    string(REPLACE ";" "; " bad "${bad}")
    set(${problems_var} "${${problems_var}};${tgt}: ${bad}" PARENT_SCOPE)
    return()
  endif()
  set_target_properties(${tgt} PROPERTIES INTERFACE_LINK_LIBRARIES "${out}" MAYDAY_STATIC_READY ON)
endfunction()

# Everything `tgt` links, transitively: our own static libraries are walked,
# imported targets switched (or refused), flags and paths judged.
function(mayday_static_walk tgt via seen_var problems_var)
  set(p "${${problems_var}}")
  set(s "${${seen_var}}")
  get_target_property(imported ${tgt} IMPORTED)
  get_target_property(type ${tgt} TYPE)
  set(items "")
  if(imported)
    mayday_static_switch(${tgt} p)
    get_target_property(items ${tgt} INTERFACE_LINK_LIBRARIES)
  elseif(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "EXECUTABLE" OR type STREQUAL "INTERFACE_LIBRARY")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(items ${tgt} LINK_LIBRARIES)
    endif()
    get_target_property(iface ${tgt} INTERFACE_LINK_LIBRARIES)
    if(iface)
      list(APPEND items ${iface})
    endif()
  else()
    list(APPEND p "${tgt} (${type}, via ${via}): only static libraries go into the static DCF")
  endif()
  if(NOT items)
    set(items "")
  endif()
  foreach(item IN LISTS items)
    # $<LINK_ONLY:x> is how a static library passes on a private dependency.
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
    if(item MATCHES "^\\$<" OR item STREQUAL "")
      continue()   # a per-consumer choice made by this file
    endif()
    if(imported AND NOT TARGET ${item} AND NOT item MATCHES "^-")
      continue()   # its library paths: judged by mayday_static_switch
    endif()
    if(TARGET ${item})
      get_target_property(aliased ${item} ALIASED_TARGET)
      if(aliased)
        set(item ${aliased})
      endif()
      if(NOT item IN_LIST s)
        list(APPEND s ${item})
        mayday_static_walk(${item} ${tgt} s p)
      endif()
    elseif(item MATCHES "^-")
      if(NOT item IN_LIST MAYDAY_DCF_STATIC_FLAGS)
        list(APPEND p "${item} (via ${tgt}): a link flag that may name a shared library")
      endif()
    elseif(item MATCHES "::")
      list(APPEND p "${item} (via ${tgt}): an imported target not visible at the top level, where this check runs (find it there, or with pkg_check_modules(... IMPORTED_TARGET GLOBAL))")
    else()
      list(APPEND p "${item} (via ${tgt}): a library outside any target (link it through one)")
    endif()
  endforeach()
  set(${seen_var} "${s}" PARENT_SCOPE)
  set(${problems_var} "${p}" PARENT_SCOPE)
endfunction()

# Links `tgt` static when MAYDAY_DCF_STATIC is on, or fails the
# configuration with every dependency that keeps it from being so.
function(mayday_dcf_static tgt)
  if(NOT MAYDAY_DCF_STATIC)
    return()
  endif()
  if(MAYDAY_SANITIZE OR MAYDAY_FUZZ)
    message(FATAL_ERROR "MAYDAY_DCF_STATIC cannot be combined with MAYDAY_SANITIZE or "
            "MAYDAY_FUZZ (their runtimes are shared objects): configure with -DMAYDAY_DCF_STATIC=OFF")
  endif()
  set(walked ${tgt})
  set(found "")
  mayday_static_walk(${tgt} "" walked found)
  list(REMOVE_ITEM found "")
  if(found)
    list(REMOVE_DUPLICATES found)
    list(JOIN found "\n  " text)
    message(FATAL_ERROR
      "MAYDAY_DCF_STATIC: ${tgt} cannot be linked fully static; it links\n  ${text}\n"
      "Every library the DCF links must be one of (${MAYDAY_DCF_STATIC_ALLOWED}) with its "
      "static archive installed. Configure with -DMAYDAY_DCF_STATIC=OFF for a DCF that "
      "uses the host's shared libraries (not for a device: see docs/dcf-partition.md).")
  endif()
  set_target_properties(${tgt} PROPERTIES MAYDAY_STATIC_LINK ON)
  if(MAYDAY_HAVE_STATIC_PIE)
    # A link item, not a link option: it must come after the -pie CMake adds
    # for position-independent executables (the last one wins).
    target_link_libraries(${tgt} PRIVATE -static-pie)
  else()
    # Not a PIE at all (a static link may not take -pie): its own objects
    # without -fPIE, the libraries' position-independent code linked as is.
    set_target_properties(${tgt} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_link_libraries(${tgt} PRIVATE -no-pie -static)
  endif()
endfunction()

# SPDX-License-Identifier: Apache-2.0
# The hardening flags of the top-level CMakeLists.txt reach the binaries:
# readelf on the daemon, the operator tools and the device programs.
# (Not in the fuzz build, which does not use them.)
if(NOT MAYDAY_FUZZ)
  # A device-only (cross) build checks the device's programs. Where the C
  # library has no static-pie (armhf, cmake/dcf_static.cmake) the static DCF
  # and TrE are checked as static non-PIE executables (--static: RELRO and
  # the stack protector, no PIE, no dynamic section to carry BIND_NOW).
  set(hardening_static "")
  if(MAYDAY_DCF_STATIC AND NOT MAYDAY_HAVE_STATIC_PIE)
    set(hardening_static --static)
  endif()
  if(MAYDAY_DEVICE_ONLY)
    set(hardening_dynamic $<TARGET_FILE:mayday-normal> $<TARGET_FILE:mayday-install>)
  else()
    set(hardening_dynamic $<TARGET_FILE:maydayd> $<TARGET_FILE:maydayctl>
                          $<TARGET_FILE:mayday-provision> $<TARGET_FILE:mayday-sim>)
  endif()
  add_test(NAME build-hardening
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_hardening.sh ${hardening_dynamic}
                   ${hardening_static} $<TARGET_FILE:mayday-dcf> $<TARGET_FILE:mayday-boot>)
  set_tests_properties(build-hardening PROPERTIES LABELS unit TIMEOUT 60)
endif()

# SPDX-License-Identifier: Apache-2.0
# The hardening flags of the top-level CMakeLists.txt reach the binaries:
# readelf on the daemon, the operator tools and the device programs.
# (Not in the fuzz build, which does not use them.)
if(NOT MAYDAY_FUZZ)
  add_test(NAME build-hardening
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_hardening.sh
                   $<TARGET_FILE:maydayd> $<TARGET_FILE:maydayctl>
                   $<TARGET_FILE:mayday-provision> $<TARGET_FILE:mayday-sim>
                   $<TARGET_FILE:mayday-dcf> $<TARGET_FILE:mayday-boot>)
  set_tests_properties(build-hardening PROPERTIES LABELS unit TIMEOUT 60)
endif()

# SPDX-License-Identifier: Apache-2.0
# Remediation installer (device/update) and the bundle codec (lib).
# Paths are relative to this file, so it works wherever it is included from.
add_library(update_fixture STATIC ${CMAKE_CURRENT_LIST_DIR}/test_update_fixture.c)
target_link_libraries(update_fixture PUBLIC boot_fixture mayday_update)

foreach(t test_update_install test_update_powercut test_update_pipe)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE update_fixture)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit)
endforeach()

add_executable(test_update_bundle ${CMAKE_CURRENT_LIST_DIR}/test_update_bundle.c)
target_link_libraries(test_update_bundle PRIVATE mayday_test_vectors PkgConfig::CMOCKA)
add_test(NAME test_update_bundle COMMAND test_update_bundle)
set_tests_properties(test_update_bundle PROPERTIES LABELS unit)

# Peak RSS of mayday-install for a 16 MiB and a 64 MiB image (constant memory),
# and the provisioning tool's bundle command end to end.
add_executable(test_update_cli ${CMAKE_CURRENT_LIST_DIR}/test_update_cli.c)
target_link_libraries(test_update_cli PRIVATE update_fixture)
add_test(NAME test_update_cli
         COMMAND test_update_cli $<TARGET_FILE:mayday-install>)
set_tests_properties(test_update_cli PROPERTIES LABELS unit)

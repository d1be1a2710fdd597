# SPDX-License-Identifier: Apache-2.0
# Unit tests of the device HAL (device/hal/): one test file per unit.
# The backends the power-cut and fault tests run against (hal_specs.h): the
# host's, or a vendor's named by the conformance harness (docs/porting.md).
add_library(hal_specs STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/hal_specs.c)
target_link_libraries(hal_specs PUBLIC PkgConfig::CMOCKA)
function(mayday_hal_unit_test name)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.c)
  target_link_libraries(${name} PRIVATE mayday_hal hal_specs PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()

mayday_hal_unit_test(test_flash)
mayday_hal_unit_test(test_flash_fault)
mayday_hal_unit_test(test_flash_flusher)
mayday_hal_unit_test(test_rot_file)
# Damage to the stored distress key, for the RoT's and secure start-up's tests.
add_library(rot_damage STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/rot_damage.c)
target_link_libraries(rot_damage PUBLIC mayday_hal PkgConfig::CMOCKA)
target_link_libraries(test_rot_file PRIVATE rot_damage)
mayday_hal_unit_test(test_clock)
mayday_hal_unit_test(test_rot_psk)
# Roles and the sealed device credentials (docs/rot.md).
mayday_hal_unit_test(test_rot_roles)
# The OpenSSL key whose signatures the RoT makes (TPM-held TLS keys).
mayday_hal_unit_test(test_rot_tls_key)
target_link_libraries(test_rot_tls_key PRIVATE OpenSSL::SSL)

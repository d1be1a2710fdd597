# SPDX-License-Identifier: Apache-2.0
# Secure start-up (device/boot, device/normal): one test program per unit,
# all built on the boot_fixture helper (a complete device in a temp dir).
add_library(boot_fixture STATIC unit/boot_fixture.c)
target_link_libraries(boot_fixture PUBLIC mayday_bootcore rot_damage hal_specs PkgConfig::CMOCKA)
# nftw, memfd seals, fexecve: GNU/Linux interfaces.
target_compile_definitions(boot_fixture PUBLIC _GNU_SOURCE)

foreach(t test_boot_state test_boot_measure test_boot_decide test_boot_pending
          test_boot_confirm test_boot_load test_boot_attach test_boot_creds)
  add_executable(${t} unit/${t}.c)
  target_link_libraries(${t} PRIVATE boot_fixture)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit)
endforeach()

# boot_creds on the tpm2 backend (swtpm; rot_tpm2_testlib from hal.cmake):
# a failed "released" extend is reported, and mayday-boot starts nothing;
# with the credentials' key in the TPM the hand-over holds no private key
# and normal code's key comes from its RoT (normal_creds_rot_key); normal
# code's entry changed or gone after verification leaves the PCR at the
# DCF's state, E(0, failed(reason)), not normal code's (boot_start.h).
if(MAYDAY_HAVE_TPM2)
  add_executable(test_boot_creds_tpm2 unit/test_boot_creds_tpm2.c)
  target_compile_definitions(test_boot_creds_tpm2 PRIVATE _GNU_SOURCE)
  target_link_libraries(test_boot_creds_tpm2 PRIVATE boot_fixture mayday_bootcore
                        mayday_normal_core rot_tpm2_testlib PkgConfig::CMOCKA)
  mayday_link_rot_tpm2(test_boot_creds_tpm2)
  add_test(NAME test_boot_creds_tpm2 COMMAND test_boot_creds_tpm2)
  set_tests_properties(test_boot_creds_tpm2 PROPERTIES LABELS "unit;tpm" SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endif()

# The programs themselves: dry-run lines, exit codes, real fexecve starts.
add_executable(test_boot_cli unit/test_boot_cli.c)
target_link_libraries(test_boot_cli PRIVATE boot_fixture)
add_test(NAME test_boot_cli
         COMMAND test_boot_cli $<TARGET_FILE:mayday-boot> $<TARGET_FILE:mayday-normal>)
set_tests_properties(test_boot_cli PROPERTIES LABELS unit)

# mayday-normal's attach step against SeGW stand-ins on loopback.
add_executable(test_normal_attach unit/test_normal_attach.c
  ${CMAKE_SOURCE_DIR}/device/normal/normal_attach.c)
target_include_directories(test_normal_attach PRIVATE ${CMAKE_SOURCE_DIR}/device/normal)
target_link_libraries(test_normal_attach PRIVATE boot_fixture Threads::Threads)
add_test(NAME test_normal_attach COMMAND test_normal_attach)
set_tests_properties(test_normal_attach PROPERTIES LABELS unit TIMEOUT 120)

# mayday-normal's credentials from the TrE and its normal.conf.
add_executable(test_normal_creds unit/test_normal_creds.c
  ${CMAKE_SOURCE_DIR}/tools/provision/prov_x509.c)
target_include_directories(test_normal_creds PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_normal_creds PRIVATE mayday_normal_core PkgConfig::CMOCKA
                      OpenSSL::Crypto)
add_test(NAME test_normal_creds COMMAND test_normal_creds)
set_tests_properties(test_normal_creds PROPERTIES LABELS unit)

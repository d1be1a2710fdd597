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

# The tpm2 backend's layout record codec (no TPM needed; in mayday_hal).
mayday_hal_unit_test(test_rot_tpm2_layout)

# The RoT agent protocol (device/hal/rot_wire.c), the agent's answers
# (device/rotagent/agent_serve.c) and the remote backend's deadlines.
mayday_hal_unit_test(test_rot_wire)
target_link_libraries(test_rot_wire PRIVATE mayday_rotagent)
# The same RoT tests again, every RoT opened through a real mayday-rot-agent
# process (tests/unit/rot_via_agent.c): the agent and the remote backend
# keep every promise of rot.h for the file backend.
add_library(rot_via_agent STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/rot_via_agent.c)
target_link_libraries(rot_via_agent PUBLIC mayday_hal PkgConfig::CMOCKA)
target_compile_definitions(rot_via_agent PRIVATE
  MAYDAY_ROT_AGENT_DIR="$<TARGET_FILE_DIR:mayday-rot-agent>")
function(mayday_hal_unit_test_via_agent name)
  add_executable(${name}_agent ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.c)
  target_link_libraries(${name}_agent PRIVATE rot_via_agent mayday_hal hal_specs PkgConfig::CMOCKA
    -Wl,--wrap=hal_rot_open_role -Wl,--wrap=hal_rot_open)
  add_dependencies(${name}_agent mayday-rot-agent)
  add_test(NAME ${name}_agent COMMAND ${name}_agent)
  # Power cuts count the test process's own flash operations: not the agent's.
  set_tests_properties(${name}_agent PROPERTIES LABELS unit
    ENVIRONMENT "ROT_VIA_AGENT_SKIP=test_power_cut*")
endfunction()
mayday_hal_unit_test_via_agent(test_rot_file)
target_link_libraries(test_rot_file_agent PRIVATE rot_damage)
mayday_hal_unit_test_via_agent(test_rot_psk)
mayday_hal_unit_test_via_agent(test_rot_roles)

# The tpm2 RoT backend on swtpm (docs/rot.md "TPM 2.0 backend"): each test
# starts its own swtpm (swtpm_fixture.h, a state directory per test) and
# skips (77) when swtpm is not installed. Built with the backend only.
if(MAYDAY_HAVE_TPM2)
  add_library(swtpm_fixture STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/swtpm_fixture.c)
  target_include_directories(swtpm_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/unit)
  add_library(rot_tpm2_testlib STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/rot_tpm2_testlib.c)
  target_link_libraries(rot_tpm2_testlib PUBLIC swtpm_fixture mayday_hal PkgConfig::TSS2
                        PkgConfig::CMOCKA)
  function(mayday_tpm2_unit_test name)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.c)
    target_link_libraries(${name} PRIVATE mayday_hal rot_tpm2_testlib swtpm_fixture
                          PkgConfig::CMOCKA)
    mayday_link_rot_tpm2(${name})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "unit;tpm" SKIP_RETURN_CODE 77 TIMEOUT 300)
  endfunction()
  mayday_tpm2_unit_test(test_swtpm_fixture)
  # every operation, roles, PSK = file backend's, NV write lock, PCR policy, TPM absent
  mayday_tpm2_unit_test(test_rot_tpm2)
  # the roles as the TPM enforces them: raw ESAPI attacks in normal code's,
  # the DCF's and the TrE's PCR states; foreign policies; layout version 1
  mayday_tpm2_unit_test(test_rot_tpm2_roles)
  # power cuts: during provisioning (at every TPM command), between counter
  # increments; counter bases; no DA lockout after unclean power cuts
  mayday_tpm2_unit_test(test_rot_tpm2_power)
  # the device credentials' key: made in the TPM, signs only in normal
  # code's PCR state (raw ESAPI), TLS 1.3 client auth with it, open's checks
  mayday_tpm2_unit_test(test_rot_tpm2_creds)
  target_compile_definitions(test_rot_tpm2_creds PRIVATE _GNU_SOURCE)
  target_link_libraries(test_rot_tpm2_creds PRIVATE OpenSSL::SSL)
  # test_rot_tpm2 again through mayday-rot-agent (as the static TrE and DCF
  # reach the TPM)
  mayday_hal_unit_test_via_agent(test_rot_tpm2)
  target_link_libraries(test_rot_tpm2_agent PRIVATE rot_tpm2_testlib swtpm_fixture)
  mayday_link_rot_tpm2(test_rot_tpm2_agent) # its fixture provisions the TPM in-process
  set_tests_properties(test_rot_tpm2_agent PROPERTIES LABELS "unit;tpm" SKIP_RETURN_CODE 77
                       TIMEOUT 300)
endif()

# SPDX-License-Identifier: Apache-2.0
# mayday-provision device --rot tpm2 on a swtpm the test starts itself
# (swtpm_harness.sh; skipped when swtpm or tpm2-tools are missing).
# Not in a sanitizer build (tests/integration/rot_agent.cmake says why).
if(MAYDAY_HAVE_TPM2 AND NOT MAYDAY_SANITIZE)
  add_test(NAME integration-provision-tpm2
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_provision_tpm2.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration-provision-tpm2 PROPERTIES LABELS "integration;tpm"
                       SKIP_RETURN_CODE 77 TIMEOUT 180)
endif()

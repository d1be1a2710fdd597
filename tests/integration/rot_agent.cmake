# SPDX-License-Identifier: Apache-2.0
# A TPM device end to end through mayday-rot-agent (issue 16): swtpm of the
# test's own, a real maydayd on 127.0.0.1 (skipped when swtpm or tpm2-tools
# are missing). With MAYDAY_DCF_STATIC the TrE and the DCF reach the TPM
# through the agent (their copies in DEVICE/tre and the DCF partition).
# Not in a sanitizer build: its runtime brings libstdc++.so.6 into the agent,
# a file name the DCF manifest does not admit ('+'), so such an agent cannot
# be put in a partition; the tpm2 backend and the agent are covered there by
# the unit tests (test_rot_tpm2*, test_rot_tpm2_agent, test_boot_creds_tpm2).
if(MAYDAY_HAVE_TPM2 AND NOT MAYDAY_SANITIZE)
  add_test(NAME integration-tpm-loop
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_tpm_loop.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration-tpm-loop PROPERTIES LABELS "integration;tpm"
                       SKIP_RETURN_CODE 77 TIMEOUT 300)
  # make demo ROT=tpm2, checked as integration-distress-loop checks the demo:
  # distress and remediation on TPM devices, every remediated one recovered,
  # the anti-rollback NV counter raised only when the new image confirms.
  add_test(NAME integration-distress-loop-tpm2
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_distress_loop.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration-distress-loop-tpm2 PROPERTIES LABELS "integration;tpm"
                       ENVIRONMENT "ROT=tpm2" SKIP_RETURN_CODE 77 TIMEOUT 400)
  # The DCF of a TPM device under strace: the agent it starts, its loader
  # and libraries come from the DCF partition too (dcf_trace_check.sh).
  if(MAYDAY_DCF_STATIC)
    add_test(NAME integration-dcf-trace-tpm2
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_dcf_trace.sh ${CMAKE_BINARY_DIR}
                     ${CMAKE_SOURCE_DIR} tpm2)
    set_tests_properties(integration-dcf-trace-tpm2 PROPERTIES LABELS "integration;tpm"
                         SKIP_RETURN_CODE 77 TIMEOUT 300)
  endif()
endif()

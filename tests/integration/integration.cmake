# SPDX-License-Identifier: Apache-2.0
# Integration tests: the real binaries, on loopback only.
set(MAYDAY_INTEGRATION_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME integration-distress-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_distress_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-distress-loop PROPERTIES LABELS integration TIMEOUT 180)

# proto_client.py, an indication client written from docs/protocol.md alone
# (Python standard library and the openssl command), byte-exact against the
# §10 vectors; test_acs_thirdparty.sh sends its indications (issue 12).
add_test(NAME integration-proto-client
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_proto_client.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-proto-client PROPERTIES LABELS integration TIMEOUT 60
                     SKIP_RETURN_CODE 77)

include(${MAYDAY_INTEGRATION_DIR}/server.cmake OPTIONAL)
include(${MAYDAY_INTEGRATION_DIR}/psk.cmake OPTIONAL)

# [dcf] claims: a version 1 and a version 2 DCF against one maydayd.
add_test(NAME integration-claims-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_claims_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-claims-loop PROPERTIES LABELS integration TIMEOUT 180)

add_test(NAME integration-methods-fallback
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_methods_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-methods-fallback PROPERTIES LABELS integration TIMEOUT 240)

add_test(NAME integration-remediation-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_remediation_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-remediation-loop PROPERTIES LABELS integration TIMEOUT 300)

# A device in trouble is never lost: maydayd down at power-on, then back;
# policy approve: "wait" acks until the approval, then remediated in the
# same DCF run.
add_test(NAME integration-distress-persists
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_persist_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-distress-persists PROPERTIES LABELS integration TIMEOUT 300)

# An on-path bit flip on the first method must not silence the device: the
# DCF moves on and the report is verified and stored over the next one.
# flip_relay is the attacker (test-only; see its head comment).
add_executable(flip_relay ${MAYDAY_INTEGRATION_DIR}/flip_relay.c)
add_test(NAME integration-flip-fallback
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_flip_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-flip-fallback PROPERTIES LABELS integration TIMEOUT 180)

# A verified image whose normal code cannot attach to its SeGW falls back
# to the DCF with reason attach-failed; once it attaches it stays normal.
add_test(NAME integration-attach-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_attach_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-attach-loop PROPERTIES LABELS integration TIMEOUT 180)

# make bench keeps its figures: bench/run.sh's latest.json and previous.json
# and the comparison, with stub benches (bench/results_lib.sh).
add_test(NAME integration-bench-results
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_bench_results.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-bench-results PROPERTIES LABELS integration TIMEOUT 60)

# bench/device_latency.sh end to end with 3 runs per method: every run
# acknowledged, every figure printed and kept (no timing asserted). It needs
# the bench's own baseline program, built only where the benches are (not
# in sanitizer or fuzzing builds: CMakeLists.txt).
if(NOT MAYDAY_SANITIZE AND NOT MAYDAY_FUZZ)
  add_test(NAME integration-bench-device-latency
           COMMAND ${MAYDAY_INTEGRATION_DIR}/test_bench_latency.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration-bench-device-latency PROPERTIES LABELS integration TIMEOUT 300)
endif()

# The DCF under strace, per method, and with broken host libraries (issue 11).
include(${MAYDAY_INTEGRATION_DIR}/dcf_trace.cmake)

# The operators' dashboard in Debian's Chromium (issue 18), driven by
# playwright-core (tests/browser/, installed by scripts/deps.sh with npm ci)
# against maydayd and real devices: distress, approval in the page, recovery;
# screenshots in tests/dashboard/ of the build tree. Skips (77) without
# Chromium or node_modules.
add_test(NAME integration-dashboard-browser
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_dashboard_browser.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-dashboard-browser PROPERTIES LABELS integration TIMEOUT 300
                     SKIP_RETURN_CODE 77)

# Two clean builds of mayday-dcf and mayday-boot in two directories give the
# same bytes (issue 17, cmake/reproducible.cmake). Builds without a compiler
# cache: a few minutes.
add_test(NAME integration-repro-dcf
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_repro.sh ${CMAKE_SOURCE_DIR} ${CMAKE_C_COMPILER}
                 ${CMAKE_BUILD_TYPE})
set_tests_properties(integration-repro-dcf PROPERTIES LABELS "integration;repro" TIMEOUT 1500
                     SKIP_RETURN_CODE 77)

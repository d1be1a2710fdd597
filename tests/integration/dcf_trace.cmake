# SPDX-License-Identifier: Apache-2.0
# Issue 11: the DCF runs only code from the DCF partition.
set(MAYDAY_DCF_TRACE_DIR ${CMAKE_CURRENT_LIST_DIR})

# The trace checker itself, on synthetic traces (always on: no strace needed).
add_test(NAME unit-dcf-trace-check
         COMMAND ${MAYDAY_DCF_TRACE_DIR}/test_dcf_trace_check.sh)
set_tests_properties(unit-dcf-trace-check PROPERTIES LABELS unit TIMEOUT 30)

# The DCF under strace, per method (ipsec: tests/integration/ipsec/), and the
# DCF reporting with the host's libraries broken. They prove a static DCF, so
# they exist only with MAYDAY_DCF_STATIC (cmake/dcf_static.cmake); a dynamic
# DCF fails them by design (it maps libcrypto, libcurl, ... from the host).
if(MAYDAY_DCF_STATIC)
  foreach(mode plain-udp plain-http tls psk remediation)
    add_test(NAME integration-dcf-trace-${mode}
             COMMAND ${MAYDAY_DCF_TRACE_DIR}/test_dcf_trace.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${mode})
    set_tests_properties(integration-dcf-trace-${mode} PROPERTIES
                         LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180)
  endforeach()
  add_test(NAME integration-dcf-broken-host-libs
           COMMAND ${MAYDAY_DCF_TRACE_DIR}/test_dcf_trace.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} broken-libs)
  set_tests_properties(integration-dcf-broken-host-libs PROPERTIES
                       LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180)
endif()

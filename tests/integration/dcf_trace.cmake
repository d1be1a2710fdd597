# SPDX-License-Identifier: Apache-2.0
# Issue 11: the DCF runs only code from the DCF partition.
set(MAYDAY_DCF_TRACE_DIR ${CMAKE_CURRENT_LIST_DIR})

# The trace checker itself, on synthetic traces (always on: no strace needed).
add_test(NAME unit-dcf-trace-check
         COMMAND ${MAYDAY_DCF_TRACE_DIR}/test_dcf_trace_check.sh)
set_tests_properties(unit-dcf-trace-check PROPERTIES LABELS unit TIMEOUT 30)

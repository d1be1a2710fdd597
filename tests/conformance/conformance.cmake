# SPDX-License-Identifier: Apache-2.0
# The HAL conformance harness (docs/porting.md): mayday's power-cut and
# fault-injection tests run against named backends. Here against the host's
# (file flash, "fault" cuts, "file" RoT), as a vendor runs it against theirs;
# and, to show the harness judges, against a "fault" backend that cannot cut
# power (the host backend itself), which must fail.
set(MAYDAY_CONFORMANCE ${CMAKE_CURRENT_LIST_DIR}/hal_conformance.sh)
add_test(NAME hal-conformance-host
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault fault --rot file)
set_tests_properties(hal-conformance-host PROPERTIES LABELS "unit;conformance" TIMEOUT 600)
add_test(NAME hal-conformance-rejects-uncut
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault host --rot file --suite flash-powercut
                 --suite rot-counter-powercut)
set_tests_properties(hal-conformance-rejects-uncut PROPERTIES LABELS "unit;conformance"
                     TIMEOUT 120 PASS_REGULAR_EXPRESSION
                     "FAIL  flash-powercut .*FAIL  rot-counter-powercut .*0 of 2 suites passed")

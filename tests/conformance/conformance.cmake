# SPDX-License-Identifier: Apache-2.0
# The HAL conformance harness (docs/porting.md): mayday's power-cut and
# fault-injection tests run against named backends. Here against the host's
# (file flash, "fault" cuts, "file" RoT), as a vendor runs it against theirs;
# and, to show the harness judges, against a "fault" backend that cannot cut
# power (the host backend itself) and one whose replace is not atomic, which
# must fail.
set(MAYDAY_CONFORMANCE ${CMAKE_CURRENT_LIST_DIR}/hal_conformance.sh)
add_test(NAME hal-conformance-host
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault fault --rot file)
set_tests_properties(hal-conformance-host PROPERTIES LABELS "unit;conformance" TIMEOUT 600)
add_test(NAME hal-conformance-rejects-uncut
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault host --rot file --suite flash-powercut
                 --suite rot-counter-powercut)
# A FAIL line with "(log:" is a suite that ran and failed, not a program
# missing from the build.
set_tests_properties(hal-conformance-rejects-uncut PROPERTIES LABELS "unit;conformance"
                     TIMEOUT 120 PASS_REGULAR_EXPRESSION
                     "FAIL  flash-powercut +[0-9]+s .*\\(log: .*FAIL  rot-counter-powercut +[0-9]+s .*\\(log: .*0 of 2 suites passed")
# A fault backend that does not exist cannot pass a suite that uses it: every
# suite takes its specs from hal_specs.h, none hard-codes the host's.
add_test(NAME hal-conformance-rejects-unknown-fault
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault nosuchbackend --rot file --suite flash-protocol
                 --suite flash-bitflip --suite update-powercut)
set_tests_properties(hal-conformance-rejects-unknown-fault PROPERTIES LABELS "unit;conformance"
                     TIMEOUT 120 PASS_REGULAR_EXPRESSION
                     "FAIL  flash-protocol +[0-9]+s .*\\(log: .*FAIL  flash-bitflip +[0-9]+s .*\\(log: .*FAIL  update-powercut +[0-9]+s .*\\(log: .*0 of 3 suites passed")
# A fault backend that does cut power, but whose replace is not atomic
# ("fault:torn": a cut on a rename removes the old file and never names the
# new one): the harness must catch the broken protocol itself, not only a
# backend that refuses cut=. flash-bitflip, which cuts nothing, passes on
# it: the spec is accepted, so the power-cut suites fail on what they check.
add_test(NAME hal-conformance-rejects-torn
         COMMAND ${MAYDAY_CONFORMANCE} --bin $<TARGET_FILE_DIR:test_flash>
                 --flash host --fault fault:torn --rot file --suite flash-powercut
                 --suite flash-bitflip --suite boot-state-powercut)
set_tests_properties(hal-conformance-rejects-torn PROPERTIES LABELS "unit;conformance"
                     TIMEOUT 120 PASS_REGULAR_EXPRESSION
                     "FAIL  flash-powercut +[0-9]+s .*\\(log: .*ok    flash-bitflip .*FAIL  boot-state-powercut +[0-9]+s .*\\(log: .*1 of 3 suites passed")
# Logs stay in the build tree, not in a temporary directory per run.
foreach(t hal-conformance-host hal-conformance-rejects-uncut hal-conformance-rejects-unknown-fault
          hal-conformance-rejects-torn)
  set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
               "MAYDAY_CONFORMANCE_LOG_DIR=${CMAKE_BINARY_DIR}/conformance-logs/${t}")
endforeach()

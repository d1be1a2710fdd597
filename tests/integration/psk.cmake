# SPDX-License-Identifier: Apache-2.0
# The PSK distress method end to end: mayday-provision (PSK in the RoT and
# the store), maydayd's [psk] listener, a tampered device booted through
# mayday-boot, and a tcpdump capture of loopback (that part is skipped with
# a message where tcpdump is missing or may not capture).
add_test(NAME integration-psk-loop
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_psk_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-psk-loop PROPERTIES LABELS integration TIMEOUT 180)

# The enrolment record (docs/protocol.md §14): mayday-provision writes it,
# maydayctl imports it (hostile ones refused), exports it, and a fresh store
# that imported the export stores the device's PSK indication as signed.
add_test(NAME integration-enrolment-record
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_enrolment_record.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-enrolment-record PROPERTIES LABELS integration TIMEOUT 180)

# Integration tests: the real binaries, on loopback only.
set(MAYDAY_INTEGRATION_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME integration-distress-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_distress_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-distress-loop PROPERTIES LABELS integration TIMEOUT 180)

include(${MAYDAY_INTEGRATION_DIR}/server.cmake OPTIONAL)
include(${MAYDAY_INTEGRATION_DIR}/psk.cmake OPTIONAL)

add_test(NAME integration-methods-fallback
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_methods_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-methods-fallback PROPERTIES LABELS integration TIMEOUT 240)

add_test(NAME integration-remediation-loop
         COMMAND ${MAYDAY_INTEGRATION_DIR}/test_remediation_loop.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(integration-remediation-loop PROPERTIES LABELS integration TIMEOUT 300)

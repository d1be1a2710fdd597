# Unit tests of the CPE side of remediation (device/cpe): the persisted
# command and the CWMP session against a scripted in-test ACS.
add_executable(test_cpe_record ${CMAKE_CURRENT_LIST_DIR}/test_cpe_record.c)
target_link_libraries(test_cpe_record PRIVATE mayday_cpe boot_fixture)
add_test(NAME test_cpe_record COMMAND test_cpe_record)
set_tests_properties(test_cpe_record PROPERTIES LABELS unit)

add_executable(test_cpe_session ${CMAKE_CURRENT_LIST_DIR}/test_cpe_session.c)
target_link_libraries(test_cpe_session PRIVATE mayday_cpe PkgConfig::CMOCKA)
add_test(NAME test_cpe_session COMMAND test_cpe_session)
set_tests_properties(test_cpe_session PROPERTIES LABELS unit)

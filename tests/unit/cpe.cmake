# SPDX-License-Identifier: Apache-2.0
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

# The session's HTTPS transport against an in-test ACS (test_cpe_acs.c:
# OpenSSL TLS 1.3 demanding a client certificate, keep-alive, a cookie); the
# device fixture is the DCF transport tests' (test_dcf_txfx.c).
add_executable(test_cpe_http ${CMAKE_CURRENT_LIST_DIR}/test_cpe_http.c
  ${CMAKE_CURRENT_LIST_DIR}/test_cpe_acs.c ${CMAKE_CURRENT_LIST_DIR}/test_dcf_txfx.c
  ${CMAKE_CURRENT_LIST_DIR}/test_dcf_httpd.c ${CMAKE_SOURCE_DIR}/tools/provision/prov_x509.c)
target_compile_definitions(test_cpe_http PRIVATE _GNU_SOURCE)
target_include_directories(test_cpe_http PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_cpe_http PRIVATE mayday_cpe_http mayday_dcf_core PkgConfig::CMOCKA
                      Threads::Threads OpenSSL::SSL)
add_test(NAME test_cpe_http COMMAND test_cpe_http)
set_tests_properties(test_cpe_http PROPERTIES LABELS unit TIMEOUT 120)

# The bundle download streamed into the installer, against the test ACS
# serving a bundle built by the installer tests' fixture.
add_executable(test_cpe_download ${CMAKE_CURRENT_LIST_DIR}/test_cpe_download.c
  ${CMAKE_CURRENT_LIST_DIR}/test_cpe_acs.c ${CMAKE_SOURCE_DIR}/tools/provision/prov_x509.c)
target_compile_definitions(test_cpe_download PRIVATE _GNU_SOURCE)
target_include_directories(test_cpe_download PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_cpe_download PRIVATE mayday_cpe_download update_fixture
                      PkgConfig::CMOCKA Threads::Threads OpenSSL::SSL)
add_test(NAME test_cpe_download COMMAND test_cpe_download)
set_tests_properties(test_cpe_download PROPERTIES LABELS unit TIMEOUT 120)

# Where the CPE connects for an ACS or Download URL (no DNS).
add_executable(test_cpe_target ${CMAKE_CURRENT_LIST_DIR}/test_cpe_target.c)
target_link_libraries(test_cpe_target PRIVATE mayday_cpe_http PkgConfig::CMOCKA)
add_test(NAME test_cpe_target COMMAND test_cpe_target)
set_tests_properties(test_cpe_target PROPERTIES LABELS unit)

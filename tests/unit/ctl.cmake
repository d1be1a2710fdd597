# SPDX-License-Identifier: Apache-2.0
# Unit tests of maydayctl (tools/maydayctl): its HTTP/1.1 exchange with the
# API against a scripted peer (the answer's parser is device/net's).
add_executable(test_ctl_http ${CMAKE_CURRENT_LIST_DIR}/test_ctl_http.c
               ${CMAKE_SOURCE_DIR}/tools/maydayctl/ctl_http.c)
target_include_directories(test_ctl_http PRIVATE ${CMAKE_SOURCE_DIR}/tools/maydayctl)
target_link_libraries(test_ctl_http PRIVATE mayday_net PkgConfig::JANSSON PkgConfig::CMOCKA
                      Threads::Threads)
add_test(NAME test_ctl_http COMMAND test_ctl_http)
set_tests_properties(test_ctl_http PROPERTIES LABELS unit TIMEOUT 120)

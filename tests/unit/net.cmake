# SPDX-License-Identifier: Apache-2.0
# Unit tests of the device's HTTP client (device/net): the response parser
# and the URL parser alone, and the client against in-test servers on
# 127.0.0.1 (plain, and OpenSSL TLS 1.3 demanding a client certificate).
set(MAYDAY_NET_TESTS test_net_http_parse test_net_url)
foreach(t ${MAYDAY_NET_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE mayday_net PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()

add_executable(test_net_http ${CMAKE_CURRENT_LIST_DIR}/test_net_http.c)
target_link_libraries(test_net_http PRIVATE mayday_net PkgConfig::CMOCKA Threads::Threads
                      OpenSSL::SSL OpenSSL::Crypto)
add_test(NAME test_net_http COMMAND test_net_http)
set_tests_properties(test_net_http PROPERTIES LABELS unit TIMEOUT 120)

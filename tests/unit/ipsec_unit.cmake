# SPDX-License-Identifier: Apache-2.0
# Unit tests of the IKEv2/IPsec method's own code: the VICI client
# (common/vici*.c) and maydayd's inner-address -> IKE identity lookup
# (server/srv_ike.c), both against a scripted fake charon socket
# (vici_fake.c), so they need neither root nor strongSwan. Label "unit".
add_executable(test_vici ${CMAKE_CURRENT_LIST_DIR}/test_vici.c ${CMAKE_CURRENT_LIST_DIR}/vici_fake.c)
target_link_libraries(test_vici PRIVATE mayday_vici PkgConfig::CMOCKA Threads::Threads)
target_compile_definitions(test_vici PRIVATE _GNU_SOURCE)   # mkdtemp
add_test(NAME test_vici COMMAND test_vici)
set_tests_properties(test_vici PROPERTIES LABELS unit TIMEOUT 120)

if(NOT MAYDAY_DEVICE_ONLY)   # maydayd's side
  add_executable(test_srv_ike ${CMAKE_CURRENT_LIST_DIR}/test_srv_ike.c ${CMAKE_CURRENT_LIST_DIR}/vici_fake.c)
  target_link_libraries(test_srv_ike PRIVATE maydayd_core mayday_vici PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME test_srv_ike COMMAND test_srv_ike)
  set_tests_properties(test_srv_ike PROPERTIES LABELS unit TIMEOUT 120)
endif()

# The DCF's ipsec transport (device/dcf/tx/tx_ipsec.c): VICI first, then the
# datagram to a UDP endpoint on 127.0.0.1 standing in for the inner address.
add_executable(test_tx_ipsec ${CMAKE_CURRENT_LIST_DIR}/test_tx_ipsec.c ${CMAKE_CURRENT_LIST_DIR}/vici_fake.c)
target_link_libraries(test_tx_ipsec PRIVATE mayday_dcf_core mayday_vici PkgConfig::CMOCKA Threads::Threads)
add_test(NAME test_tx_ipsec COMMAND test_tx_ipsec)
set_tests_properties(test_tx_ipsec PROPERTIES LABELS unit TIMEOUT 120)

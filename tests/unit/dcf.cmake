# SPDX-License-Identifier: Apache-2.0
# Unit tests of mayday-dcf (device/dcf) and mayday-provision (tools/provision).
# Listed one by one; each is its own executable and CTest test, label "unit".

set(MAYDAY_DCF_TESTS test_dcf_config test_dcf_retry test_dcf_ack test_dcf_report test_dcf_run
    test_dcf_session test_dcf_remediate test_dcf_attempt)
foreach(t ${MAYDAY_DCF_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE)   # nftw, mkdtemp
  target_link_libraries(${t} PRIVATE mayday_dcf_core PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
target_compile_definitions(test_dcf_config PRIVATE
  DCF_CONF_EXAMPLE="${CMAKE_SOURCE_DIR}/docs/dcf.conf.example")

# The HTTP(S) transports against an in-test H(e)MS on 127.0.0.1 (plain, or
# OpenSSL TLS 1.3 with client certificates made by mayday-provision's X.509
# code). test_dcf_httpd.c is the server, test_dcf_txfx.c the shared fixture.
set(MAYDAY_DCF_TX_TESTS test_dcf_http test_dcf_tls)
foreach(t ${MAYDAY_DCF_TX_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c
    ${CMAKE_CURRENT_LIST_DIR}/test_dcf_httpd.c ${CMAKE_CURRENT_LIST_DIR}/test_dcf_txfx.c)
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
  target_link_libraries(${t} PRIVATE mayday_dcf_core PkgConfig::CMOCKA Threads::Threads
                        OpenSSL::SSL)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
target_sources(test_dcf_tls PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision/prov_x509.c)
target_include_directories(test_dcf_tls PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)

# mayday-provision is a host tool, not built by a device-only (cross) build.
if(NOT MAYDAY_DEVICE_ONLY)
  # The provisioning tests run the real mayday-provision (and copy the real
  # mayday-dcf into the devices they make), then check the result with
  # libmayday and plain hashing, not with mayday-boot.
  set(MAYDAY_PROVISION_TESTS test_provision_init test_provision_device test_provision_tamper
      test_provision_dcf_conf test_provision_bundle test_provision_pkcs11)
  foreach(t ${MAYDAY_PROVISION_TESTS})
    add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_provision_util.c)
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE
      PROVISION_BIN="$<TARGET_FILE:mayday-provision>"
      DCF_BIN="$<TARGET_FILE:mayday-dcf>")
    target_link_libraries(${t} PRIVATE mayday_dcf_core mayday_normal_core mayday_version
                          mayday_store PkgConfig::CMOCKA PkgConfig::JANSSON)
    add_dependencies(${t} mayday-provision mayday-dcf)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 300)
  endforeach()
  # The bundle made from an image directory is installed by the real installer.
  target_compile_definitions(test_provision_bundle PRIVATE
    INSTALL_BIN="$<TARGET_FILE:mayday-install>")
  add_dependencies(test_provision_bundle mayday-install)
  # Changes a component between bundle --image's hashing and its copy.
  add_library(test_mutate_shim SHARED ${CMAKE_CURRENT_LIST_DIR}/test_mutate_shim.c)
  target_link_libraries(test_mutate_shim PRIVATE ${CMAKE_DL_LIBS})
  target_compile_definitions(test_provision_bundle PRIVATE
    MUTATE_SHIM="$<TARGET_FILE:test_mutate_shim>")
  add_dependencies(test_provision_bundle test_mutate_shim)
  # A mayday-provision built without the PKCS#11 header (tools/provision) has
  # no token keys to test: test_provision_pkcs11 then skips, saying so.
  get_target_property(prov_sources mayday-provision SOURCES)
  if("prov_pkcs11.c" IN_LIST prov_sources)
    target_compile_definitions(test_provision_pkcs11 PRIVATE MAYDAY_PKCS11=1)
  else()
    target_compile_definitions(test_provision_pkcs11 PRIVATE MAYDAY_PKCS11=0)
  endif()
  set_tests_properties(test_provision_pkcs11 PROPERTIES SKIP_RETURN_CODE 77)
endif()

# "psk" against an in-test UDP responder that holds the device's PSK; the
# transport fixture (a device with a RoT, dcf.conf from text) is the HTTP
# tests' test_dcf_txfx.c, which needs their test_dcf_httpd.c to link.
add_executable(test_tx_psk ${CMAKE_CURRENT_LIST_DIR}/test_tx_psk.c
  ${CMAKE_CURRENT_LIST_DIR}/test_dcf_txfx.c ${CMAKE_CURRENT_LIST_DIR}/test_dcf_httpd.c)
target_compile_definitions(test_tx_psk PRIVATE _GNU_SOURCE)   # memmem, nftw, mkdtemp
target_link_libraries(test_tx_psk PRIVATE mayday_dcf_core PkgConfig::CMOCKA Threads::Threads
                      OpenSSL::SSL)
add_test(NAME test_tx_psk COMMAND test_tx_psk)
set_tests_properties(test_tx_psk PROPERTIES LABELS unit TIMEOUT 120)

# The remediation tests (dcf_remediate; mayday-normal's report, its source
# compiled in) against the CPE tests' ACS (test_cpe_acs.c) on the transport
# tests' device fixture (test_dcf_txfx.c, which needs its H(e)MS), shared
# through test_remed_fx.c.
set(MAYDAY_REMED_FX ${CMAKE_CURRENT_LIST_DIR}/test_remed_fx.c
  ${CMAKE_CURRENT_LIST_DIR}/test_cpe_acs.c ${CMAKE_CURRENT_LIST_DIR}/test_dcf_txfx.c
  ${CMAKE_CURRENT_LIST_DIR}/test_dcf_httpd.c ${CMAKE_SOURCE_DIR}/tools/provision/prov_x509.c)
target_sources(test_dcf_remediate PRIVATE ${MAYDAY_REMED_FX})
target_include_directories(test_dcf_remediate PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_dcf_remediate PRIVATE OpenSSL::SSL)
add_executable(test_normal_report ${CMAKE_CURRENT_LIST_DIR}/test_normal_report.c
  ${MAYDAY_REMED_FX})
target_compile_definitions(test_normal_report PRIVATE _GNU_SOURCE)
target_include_directories(test_normal_report PRIVATE ${CMAKE_SOURCE_DIR}/device/normal
  ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_normal_report PRIVATE mayday_normal_core mayday_dcf_core
                      PkgConfig::CMOCKA Threads::Threads OpenSSL::SSL)
add_test(NAME test_normal_report COMMAND test_normal_report)
set_tests_properties(test_normal_report PROPERTIES LABELS unit TIMEOUT 120)

# mayday-provision's PKCS#11 URI parser (--key pkcs11:...), on its own.
add_executable(test_prov_p11uri ${CMAKE_CURRENT_LIST_DIR}/test_prov_p11uri.c
  ${CMAKE_SOURCE_DIR}/tools/provision/prov_p11uri.c)
target_include_directories(test_prov_p11uri PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(test_prov_p11uri PRIVATE mayday OpenSSL::Crypto PkgConfig::CMOCKA)
add_test(NAME test_prov_p11uri COMMAND test_prov_p11uri)
set_tests_properties(test_prov_p11uri PROPERTIES LABELS unit)
# The DCF on the tpm2 RoT backend (swtpm; rot_tpm2_testlib from hal.cmake):
# the tls method fails cleanly (nothing listens) and the DCF falls back.
if(MAYDAY_HAVE_TPM2)
  add_executable(test_dcf_tpm2 ${CMAKE_CURRENT_LIST_DIR}/test_dcf_tpm2.c)
  target_compile_definitions(test_dcf_tpm2 PRIVATE _GNU_SOURCE)
  target_link_libraries(test_dcf_tpm2 PRIVATE mayday_dcf_core rot_tpm2_testlib
                        PkgConfig::CMOCKA Threads::Threads)
  mayday_link_rot_tpm2(test_dcf_tpm2)
  add_test(NAME test_dcf_tpm2 COMMAND test_dcf_tpm2)
  set_tests_properties(test_dcf_tpm2 PROPERTIES LABELS "unit;tpm" SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endif()

# Unit tests of mayday-dcf (device/dcf) and mayday-provision (tools/provision).
# Listed one by one; each is its own executable and CTest test, label "unit".

set(MAYDAY_DCF_TESTS test_dcf_config test_dcf_retry test_dcf_ack test_dcf_report test_dcf_run)
foreach(t ${MAYDAY_DCF_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE)   # nftw, mkdtemp
  target_link_libraries(${t} PRIVATE mayday_dcf_core PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
target_compile_definitions(test_dcf_config PRIVATE
  DCF_CONF_EXAMPLE="${CMAKE_SOURCE_DIR}/docs/dcf.conf.example")

# The provisioning tests run the real mayday-provision (and copy the real
# mayday-dcf into the devices they make), then check the result with
# libmayday and plain hashing, not with mayday-boot.
set(MAYDAY_PROVISION_TESTS test_provision_init test_provision_device test_provision_tamper)
foreach(t ${MAYDAY_PROVISION_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_provision_util.c)
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE
    PROVISION_BIN="$<TARGET_FILE:mayday-provision>"
    DCF_BIN="$<TARGET_FILE:mayday-dcf>")
  target_link_libraries(${t} PRIVATE mayday_dcf_core mayday_store PkgConfig::CMOCKA)
  add_dependencies(${t} mayday-provision mayday-dcf)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 300)
endforeach()

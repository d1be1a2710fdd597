# Unit tests of maydayd and its store (server/): one file per unit, each its
# own executable and CTest test, label "unit". They run against real
# temporary SQLite stores under $TMPDIR, never mocks.
set(MAYDAY_SERVER_TESTS test_store test_store_ingest test_ingest test_srvconf)
foreach(t ${MAYDAY_SERVER_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c)
  target_link_libraries(${t} PRIVATE maydayd_core mayday_store mayday PkgConfig::CMOCKA SQLite::SQLite3)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
target_compile_definitions(test_srvconf PRIVATE
  MAYDAY_CONF_EXAMPLE="${CMAKE_SOURCE_DIR}/docs/maydayd.conf.example")

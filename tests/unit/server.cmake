# SPDX-License-Identifier: Apache-2.0
# Unit tests of maydayd and its store (server/): one file per unit, each its
# own executable and CTest test, label "unit". They run against real
# temporary SQLite stores under $TMPDIR, never mocks.
set(MAYDAY_SERVER_TESTS test_store test_store_ingest test_store_psk test_ingest test_ingest_psk test_store_remed test_store_silence test_store_events test_store_fleet test_store_api_write test_acs_policy
    test_writer_pace
    test_store_acs
    test_srvconf test_srv_tls test_srv_metrics test_acs_auth test_srv_ves)
foreach(t ${MAYDAY_SERVER_TESTS})
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c)
  target_link_libraries(${t} PRIVATE maydayd_core mayday_store mayday PkgConfig::CMOCKA SQLite::SQLite3)
  if(MAYDAY_HAVE_POSTGRESQL)
    # The fixture can put the store on PostgreSQL (MAYDAY_TEST_STORE=postgresql).
    target_sources(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
    target_compile_definitions(${t} PRIVATE MAYDAY_TEST_PG=1)
    target_link_libraries(${t} PRIVATE PkgConfig::LIBPQ)
  endif()
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
# test_store_acs's nodes are threads, each with its own handle.
target_link_libraries(test_store_acs PRIVATE Threads::Threads)
# Several handles at once (threads), as several maydayd nodes.
target_link_libraries(test_store_api_write PRIVATE Threads::Threads)
# Several nodes (threads, each its own handle) evaluating the anomaly rule.
target_link_libraries(test_store_fleet PRIVATE Threads::Threads)
# The PSK method's per-kid key cache: hits, misses, TTL on an injected
# clock, its bound, and that nothing of an evicted entry stays in memory.
add_executable(test_srv_pskcache ${CMAKE_CURRENT_LIST_DIR}/test_srv_pskcache.c)
target_link_libraries(test_srv_pskcache PRIVATE maydayd_core PkgConfig::CMOCKA Threads::Threads)
add_test(NAME test_srv_pskcache COMMAND test_srv_pskcache)
set_tests_properties(test_srv_pskcache PROPERTIES LABELS unit TIMEOUT 120)
# The dashboard's embedded files and what each path gets (srv_ui.h).
add_executable(test_srv_ui ${CMAKE_CURRENT_LIST_DIR}/test_srv_ui.c)
target_link_libraries(test_srv_ui PRIVATE maydayd_ui PkgConfig::CMOCKA)
add_test(NAME test_srv_ui COMMAND test_srv_ui)
set_tests_properties(test_srv_ui PROPERTIES LABELS unit TIMEOUT 60)
# Admission control's signed busy answer, checked against the protocol's
# example indication.
add_executable(test_srv_busy ${CMAKE_CURRENT_LIST_DIR}/test_srv_busy.c)
target_link_libraries(test_srv_busy PRIVATE maydayd_core mayday_test_vectors PkgConfig::CMOCKA)
add_test(NAME test_srv_busy COMMAND test_srv_busy)
set_tests_properties(test_srv_busy PROPERTIES LABELS unit TIMEOUT 120)
# The REST API's router and read routes, in-process on real stores
# (server/api/, docs/api.md).
foreach(t test_api_router test_api_read test_api_write)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c)
  target_link_libraries(${t} PRIVATE mayday_api mayday_store mayday PkgConfig::CMOCKA SQLite::SQLite3)
  if(MAYDAY_HAVE_POSTGRESQL)
    target_sources(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
    target_compile_definitions(${t} PRIVATE MAYDAY_TEST_PG=1)
    target_link_libraries(${t} PRIVATE PkgConfig::LIBPQ)
  endif()
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120)
endforeach()
if(MAYDAY_HAVE_POSTGRESQL)
  # test_api_write runs on PostgreSQL too (test_api_write_pg, below).
  target_sources(test_api_write PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
  target_compile_definitions(test_api_write PRIVATE MAYDAY_TEST_PG=1)
  target_link_libraries(test_api_write PRIVATE PkgConfig::LIBPQ)
endif()
# Every read route's answers validate against docs/openapi.json (python3
# jsonschema; skipped, 77, without it). api_dump serves them on a seeded store.
add_executable(api_dump ${CMAKE_CURRENT_LIST_DIR}/api_dump.c ${CMAKE_CURRENT_LIST_DIR}/api_seed.c)
target_include_directories(api_dump PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(api_dump PRIVATE mayday_api mayday_store mayday OpenSSL::Crypto)
add_test(NAME test_api_openapi
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_api_openapi.py $<TARGET_FILE:api_dump>
                 ${CMAKE_SOURCE_DIR}/docs/openapi.json)
set_tests_properties(test_api_openapi PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77)
# And every answer of the write routes' unit test (test_api_write).
add_test(NAME test_api_write_openapi
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_api_write_openapi.py
                 $<TARGET_FILE:test_api_write> ${CMAKE_SOURCE_DIR}/docs/openapi.json)
set_tests_properties(test_api_write_openapi PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77)
target_compile_definitions(test_srvconf PRIVATE
  MAYDAY_CONF_EXAMPLE="${CMAKE_SOURCE_DIR}/docs/maydayd.conf.example")

# The ipsec method's identity map, against the scripted fake charon that
# tests/unit/ipsec_unit.cmake's tests use too.
add_executable(test_srv_ikemap ${CMAKE_CURRENT_LIST_DIR}/test_srv_ikemap.c
               ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c ${CMAKE_CURRENT_LIST_DIR}/vici_fake.c)
target_link_libraries(test_srv_ikemap PRIVATE maydayd_core mayday_vici PkgConfig::CMOCKA
                      Threads::Threads)
add_test(NAME test_srv_ikemap COMMAND test_srv_ikemap)
set_tests_properties(test_srv_ikemap PROPERTIES LABELS unit TIMEOUT 120)

# The ACS session against the device's own CWMP session (device/cpe).
add_executable(test_acs_session ${CMAKE_CURRENT_LIST_DIR}/test_acs_session.c
               ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c)
target_link_libraries(test_acs_session PRIVATE maydayd_core mayday_cpe mayday_store mayday
                      PkgConfig::CMOCKA SQLite::SQLite3)
add_test(NAME test_acs_session COMMAND test_acs_session)
set_tests_properties(test_acs_session PROPERTIES LABELS unit TIMEOUT 120)
if(MAYDAY_HAVE_POSTGRESQL)
  # Also on PostgreSQL (test_acs_session_pg, below).
  target_sources(test_acs_session PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
  target_compile_definitions(test_acs_session PRIVATE MAYDAY_TEST_PG=1)
  target_link_libraries(test_acs_session PRIVATE PkgConfig::LIBPQ)
endif()

# The enrolment record that maydayctl and mayday-provision read and write
# (tools/enrolment, docs/protocol.md §14): round trips and hostile records.
add_executable(test_enrol_rec ${CMAKE_CURRENT_LIST_DIR}/test_enrol_rec.c)
target_link_libraries(test_enrol_rec PRIVATE mayday_enrol_rec mayday_test_vectors PkgConfig::CMOCKA)
add_test(NAME test_enrol_rec COMMAND test_enrol_rec)
set_tests_properties(test_enrol_rec PROPERTIES LABELS unit)
# The PostgreSQL store backend against a real server: the fixture pg_server
# starts one (tests/integration/pg_harness.sh: initdb and pg_ctl in a
# temporary directory, UNIX socket only, fsync on; as nobody when run as
# root) before the tests that need it and stops it after; each test makes
# its own database on it. Skipped (77) when PostgreSQL is not installed.
if(MAYDAY_HAVE_POSTGRESQL)
  set(MAYDAY_PG_STATE ${CMAKE_BINARY_DIR}/pg_server.state)
  add_test(NAME pg_server_start
           COMMAND ${PROJECT_SOURCE_DIR}/tests/integration/pg_harness.sh start ${MAYDAY_PG_STATE})
  set_tests_properties(pg_server_start PROPERTIES FIXTURES_SETUP pg_server LABELS unit
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
  add_test(NAME pg_server_stop
           COMMAND ${PROJECT_SOURCE_DIR}/tests/integration/pg_harness.sh stop ${MAYDAY_PG_STATE})
  set_tests_properties(pg_server_stop PROPERTIES FIXTURES_CLEANUP pg_server LABELS unit
                       TIMEOUT 120)
  # test_store_remed_nodes: remediation's rules across nodes (several
  # handles on one database at once): download slots, class pause and
  # resume, one-time bundle tokens. test_store_pg_backoff: reconnecting
  # after an outage, with a back-off.
  foreach(t test_store_postgresql test_store_remed_nodes test_store_pg_backoff)
    add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c
                   ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
    target_link_libraries(${t} PRIVATE mayday_store mayday PkgConfig::CMOCKA SQLite::SQLite3
                          PkgConfig::LIBPQ Threads::Threads)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77
                         FIXTURES_REQUIRED pg_server
                         ENVIRONMENT MAYDAY_TEST_PG_FILE=${MAYDAY_PG_STATE})
  endforeach()
  # Batched ingest on SQLite and PostgreSQL in one run, and PostgreSQL's
  # own multi-row INSERT: prints rows/s, asserts every row stored.
  add_executable(test_store_ingest_rate ${CMAKE_CURRENT_LIST_DIR}/test_store_ingest_rate.c
                 ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c
                 ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
  target_compile_definitions(test_store_ingest_rate PRIVATE MAYDAY_TEST_PG=1)
  target_link_libraries(test_store_ingest_rate PRIVATE mayday_store mayday PkgConfig::CMOCKA
                        SQLite::SQLite3 PkgConfig::LIBPQ)
  add_test(NAME test_store_ingest_rate COMMAND test_store_ingest_rate)
  set_tests_properties(test_store_ingest_rate PROPERTIES LABELS unit TIMEOUT 300
                       FIXTURES_REQUIRED pg_server
                       ENVIRONMENT MAYDAY_TEST_PG_FILE=${MAYDAY_PG_STATE})
  # The writer's redo of a batch that lost a deadlock, on a real one; the
  # schema's replay window (PSK ingest, server-side) against the library's.
  foreach(t test_writer_redo test_store_pg_replay)
    add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c
                   ${CMAKE_CURRENT_LIST_DIR}/test_store_fixture.c
                   ${CMAKE_CURRENT_LIST_DIR}/test_store_pg_fixture.c)
    target_compile_definitions(${t} PRIVATE MAYDAY_TEST_PG=1)
    target_link_libraries(${t} PRIVATE maydayd_core mayday_store mayday PkgConfig::CMOCKA
                          SQLite::SQLite3 PkgConfig::LIBPQ Threads::Threads)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77
                         FIXTURES_REQUIRED pg_server
                         ENVIRONMENT MAYDAY_TEST_PG_FILE=${MAYDAY_PG_STATE})
  endforeach()
  # The store's own tests again, each on a fresh PostgreSQL database: the
  # same executable with MAYDAY_TEST_STORE=postgresql (tests about SQLite
  # itself skip there: FX_SQLITE_ONLY).
  foreach(t test_store test_store_ingest test_store_psk test_store_silence test_store_remed
          test_store_events test_store_acs test_acs_auth test_acs_session test_store_api_write
          test_api_write test_store_fleet test_api_read)
    add_test(NAME ${t}_pg COMMAND ${t})
    set_tests_properties(${t}_pg PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77
                         FIXTURES_REQUIRED pg_server
                         ENVIRONMENT "MAYDAY_TEST_STORE=postgresql;MAYDAY_TEST_PG_FILE=${MAYDAY_PG_STATE}")
  endforeach()
endif()

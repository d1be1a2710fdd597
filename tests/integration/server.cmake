# SPDX-License-Identifier: Apache-2.0
# Integration tests of maydayd, maydayctl and mayday-sim: the real binaries
# on 127.0.0.1 (ports picked by the kernel), checked with sqlite3 and jq.
# srv_itool plays the device side where mayday-sim does not (signed
# indications for curl, the PSK method's sealed datagrams, ack checks).
add_executable(srv_itool ${CMAKE_CURRENT_LIST_DIR}/srv_itool.c)
target_link_libraries(srv_itool PRIVATE mayday_store mayday)

# srv_flood: forgeries naming an enrolled device at a bounded rate while the
# device itself sends (test_server_badsig.sh).
add_executable(srv_flood ${CMAKE_CURRENT_LIST_DIR}/srv_flood.c)
target_link_libraries(srv_flood PRIVATE mayday Threads::Threads)

# srv_slowloris: slow HTTP, TLS-handshake and mTLS clients, many at once
# (test_server_slowloris.sh).
add_executable(srv_slowloris ${CMAKE_CURRENT_LIST_DIR}/srv_slowloris.c)
target_link_libraries(srv_slowloris PRIVATE OpenSSL::SSL)

set(MAYDAY_SERVER_IT ingest hostile sigterm http https psk daemon ctl_load privs metrics badsig
                     slowloris secrets ctl replay reload silence claims events fleet ves writer
                     api-auth api-openapi ackbatch http-loops storm ui)
# http-loops: [server] http_threads = 2, both loops serve and share the caps.
# api-auth, api-openapi: the REST API over maydayd's listeners (test_server_api_auth.sh:
# the script's name has _ where the test's has -).
foreach(t ${MAYDAY_SERVER_IT})
  string(REPLACE "-" "_" script ${t})
  add_test(NAME integration-server-${t}
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_server_${script}.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(integration-server-${t} PROPERTIES LABELS integration TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endforeach()
# storm: 200 devices in distress against a held-still maydayd, then
# bench/storm.sh at that scale; generous bounds for a loaded machine.
set_tests_properties(integration-server-storm PROPERTIES TIMEOUT 900)

# The ACS (POST /cwmp, GET /bundles/TOKEN) with curl as the CPE; acs_itool
# makes and reads the envelopes.
add_executable(acs_itool ${CMAKE_CURRENT_LIST_DIR}/acs_itool.c)
target_link_libraries(acs_itool PRIVATE mayday_cwmp)
add_test(NAME integration-acs-session
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_acs_session.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration-acs-session PROPERTIES LABELS integration TIMEOUT 300)
# The automatic pause of a product class after failed attempts in a row,
# and maydayctl classes / resume.
add_test(NAME integration-acs-pause
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_acs_pause.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration-acs-pause PROPERTIES LABELS integration TIMEOUT 300)
# The ACS with a third-party-style CPE (cwmp_cpe.py, Python standard library
# only): Digest login, cwmp-1-0 and cwmp-1-2, InternetGatewayDevice. root,
# a refused Reboot, envelopes checked against ../shared/cwmp (issue 12).
add_test(NAME integration-acs-thirdparty
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_acs_thirdparty.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration-acs-thirdparty PROPERTIES LABELS integration TIMEOUT 300
                     SKIP_RETURN_CODE 77)
# maydayctl as the API's client (issue 13): every command over maydayd's
# socket and the management listener, -d writes refused beside maydayd,
# JSON errors and exit codes, each command's --help.
add_test(NAME integration-ctl-api
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_ctl_api.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration-ctl-api PROPERTIES LABELS integration TIMEOUT 300)
# Three maydayd nodes on one PostgreSQL store (issue 15): one device's
# retransmissions and its CWMP session on different nodes, one node killed
# under load, nothing acknowledged lost or stored twice, the remediation
# completed; a throwaway server of its own (pg_harness.sh run). Skipped
# without PostgreSQL.
if(MAYDAY_HAVE_POSTGRESQL)
  add_test(NAME integration-server-pg-nodes
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/pg_harness.sh run --
                   ${CMAKE_CURRENT_LIST_DIR}/test_server_pg_nodes.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(integration-server-pg-nodes PROPERTIES LABELS integration TIMEOUT 600
                       SKIP_RETURN_CODE 77)
endif()

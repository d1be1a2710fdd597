# SPDX-License-Identifier: Apache-2.0
# Fuzz targets of maydayd's own parsers (the wire decoders are libmayday's).
mayday_fuzz_target(fuzz_srv_config)
target_link_libraries(fuzz_srv_config PRIVATE maydayd_core)
mayday_fuzz_target(fuzz_srv_ikemap)
target_link_libraries(fuzz_srv_ikemap PRIVATE maydayd_core)
# The enrolment record (maydayctl enrol --from reads it from a file).
mayday_fuzz_target(fuzz_enrol_rec)
target_link_libraries(fuzz_enrol_rec PRIVATE mayday_enrol_rec)
# The ACS's Authorization header (Digest / Basic), read before the client is
# authenticated.
mayday_fuzz_target(fuzz_acs_auth)
target_link_libraries(fuzz_acs_auth PRIVATE maydayd_core)
# An outbox document as a VES fault (srv_ves.c).
mayday_fuzz_target(fuzz_srv_ves)
target_link_libraries(fuzz_srv_ves PRIVATE maydayd_core)
# The golden bundle check of PUT /v1/classes/{class}/bundle and of maydayd's
# load ([acs] vendor_key): every byte of an upload is an admin's, but one
# mistake (or stolen token) must not crash the daemon.
mayday_fuzz_target(fuzz_api_bundle)
target_link_libraries(fuzz_api_bundle PRIVATE mayday_api mayday_test_vectors)
# The REST API's requests (server/api/: routing, parameters, query strings,
# cursors, bodies) on a store seeded by tests/unit/api_seed.c.
mayday_fuzz_target(fuzz_api_request ${CMAKE_SOURCE_DIR}/tests/unit/api_seed.c)
target_include_directories(fuzz_api_request PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
target_link_libraries(fuzz_api_request PRIVATE mayday_api OpenSSL::Crypto)
# The dashboard's file answers (server/srv_ui.c): paths and If-None-Match.
mayday_fuzz_target(fuzz_srv_ui)
target_link_libraries(fuzz_srv_ui PRIVATE maydayd_ui)

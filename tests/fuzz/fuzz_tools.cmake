# SPDX-License-Identifier: Apache-2.0
# Parsers of mayday-provision (tools/provision): the bundle reader of
# `bundle info` / `bundle verify` (hostile files), and the PKCS#11 URI of --key.
mayday_fuzz_target(fuzz_prov_bundle ${CMAKE_SOURCE_DIR}/tools/provision/prov_bundle_read.c)
target_include_directories(fuzz_prov_bundle PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(fuzz_prov_bundle PRIVATE mayday OpenSSL::Crypto)
mayday_fuzz_target(fuzz_prov_p11uri ${CMAKE_SOURCE_DIR}/tools/provision/prov_p11uri.c)
target_include_directories(fuzz_prov_p11uri PRIVATE ${CMAKE_SOURCE_DIR}/tools/provision)
target_link_libraries(fuzz_prov_p11uri PRIVATE mayday OpenSSL::Crypto)

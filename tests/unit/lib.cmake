# SPDX-License-Identifier: Apache-2.0
# libmayday unit tests (cmocka), one file per unit, listed explicitly.
# mayday_test_vectors holds the docs/protocol.md vectors and shared helpers;
# mayday_gen_vectors prints them (see tests/unit/gen_vectors.c).
add_library(mayday_test_vectors STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/vectors/test_vectors.c)
target_include_directories(mayday_test_vectors PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/vectors)
target_link_libraries(mayday_test_vectors PUBLIC mayday PkgConfig::CBOR)   # an independent CBOR encoder for the vectors

add_executable(mayday_gen_vectors ${CMAKE_CURRENT_SOURCE_DIR}/unit/gen_vectors.c)
target_link_libraries(mayday_gen_vectors PRIVATE mayday_test_vectors)

set(MAYDAY_LIB_TESTS
  test_cose
  test_evidence
  test_indication
  test_indication_eat
  test_ack
  test_ack_batch
  test_manifest
  test_keys
)
foreach(t IN LISTS MAYDAY_LIB_TESTS)
  add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${t}.c)
  target_link_libraries(${t} PRIVATE mayday_test_vectors PkgConfig::CMOCKA)
  add_test(NAME lib-${t} COMMAND ${t})
  set_tests_properties(lib-${t} PROPERTIES LABELS unit)
endforeach()
add_custom_target(mayday_lib_tests DEPENDS ${MAYDAY_LIB_TESTS} mayday_gen_vectors)

# docs/protocol.md carries the same vectors (regenerate the block with
# tests/unit/vectors/check_doc.sh <build>/tests/mayday_gen_vectors docs/protocol.md --update).
add_test(NAME lib-vectors-doc
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/unit/vectors/check_doc.sh
                 $<TARGET_FILE:mayday_gen_vectors> ${CMAKE_CURRENT_SOURCE_DIR}/../docs/protocol.md)
set_tests_properties(lib-vectors-doc PROPERTIES LABELS unit)

# The PSK method (COSE_Encrypt0) and the anti-replay window. test_psk also
# checks that docs/protocol.md §12 carries the vectors it tests.
add_executable(test_psk ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_psk.c)
target_link_libraries(test_psk PRIVATE mayday_test_vectors PkgConfig::CMOCKA)
add_test(NAME lib-test_psk COMMAND test_psk ${CMAKE_CURRENT_SOURCE_DIR}/../docs/protocol.md)
set_tests_properties(lib-test_psk PROPERTIES LABELS unit)
add_executable(test_replay ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_replay.c)
target_link_libraries(test_replay PRIVATE mayday PkgConfig::CMOCKA)
add_test(NAME lib-test_replay COMMAND test_replay)
set_tests_properties(lib-test_replay PROPERTIES LABELS unit)
add_dependencies(mayday_lib_tests test_psk test_replay)

# docs/protocol.md §10.1: the negative vectors, read from the document, each
# refused with the error it names (a receiver model of §15 judges them).
add_executable(test_negative_vectors ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_negative_vectors.c)
target_link_libraries(test_negative_vectors PRIVATE mayday_test_vectors PkgConfig::CMOCKA)
add_test(NAME lib-test_negative_vectors
         COMMAND test_negative_vectors ${CMAKE_CURRENT_SOURCE_DIR}/../docs/protocol.md)
set_tests_properties(lib-test_negative_vectors PROPERTIES LABELS unit)
add_dependencies(mayday_lib_tests test_negative_vectors)

# libFuzzer targets for every libmayday decoder. Seeds: tests/corpus/<target>/
# (regenerate the valid ones with `mayday_gen_vectors --corpus tests/corpus`).
foreach(t IN ITEMS fuzz_cose fuzz_indication fuzz_ack fuzz_manifest fuzz_evidence)
  mayday_fuzz_target(${t})
  target_link_libraries(${t} PRIVATE mayday_test_vectors)
endforeach()

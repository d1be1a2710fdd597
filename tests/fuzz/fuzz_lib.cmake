# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets for every libmayday decoder. Seeds: tests/corpus/<target>/
# (regenerate the valid ones with `mayday_gen_vectors --corpus tests/corpus`).
foreach(t IN ITEMS fuzz_cose fuzz_indication fuzz_ack fuzz_ack_batch fuzz_manifest fuzz_evidence)
  mayday_fuzz_target(${t})
  target_link_libraries(${t} PRIVATE mayday_test_vectors)
endforeach()
# The PSK method's COSE_Encrypt0 datagrams (both directions), with the
# docs/protocol.md §12.8 test keys.
mayday_fuzz_target(fuzz_psk_open)
target_link_libraries(fuzz_psk_open PRIVATE mayday)
# Remediation bundles (mayday/bundle.h): header, manifest, payloads.
mayday_fuzz_target(fuzz_bundle)
target_link_libraries(fuzz_bundle PRIVATE mayday_test_vectors)
# The build record in an executable (mayday/build_record.h): what
# mayday-provision reads from the DCF it is given.
mayday_fuzz_target(fuzz_build_record)
target_link_libraries(fuzz_build_record PRIVATE mayday)

# SPDX-License-Identifier: Apache-2.0
# The CWMP (TR-069) envelope parser, fed from tests/corpus/fuzz_cwmp/
# (valid envelopes of every kind in cwmp-1-2 and cwmp-1-0, plus peer quirks).
mayday_fuzz_target(fuzz_cwmp)
target_link_libraries(fuzz_cwmp PRIVATE mayday_cwmp)
# The emitter and its bounded writer: sample messages with fuzzed text must
# parse back unchanged (tests/corpus/fuzz_cwmp_emit/: one seed per kind).
mayday_fuzz_target(fuzz_cwmp_emit)
target_link_libraries(fuzz_cwmp_emit PRIVATE mayday_cwmp_samples)

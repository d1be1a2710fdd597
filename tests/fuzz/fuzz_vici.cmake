# SPDX-License-Identifier: Apache-2.0
# Fuzz target of the VICI client's decoder (common/vici.c): what charon's
# control socket sends to mayday-dcf (ipsec method) and maydayd (srv_ike).
mayday_fuzz_target(fuzz_vici)
target_link_libraries(fuzz_vici PRIVATE mayday_vici)

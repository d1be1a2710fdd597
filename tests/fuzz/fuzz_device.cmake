# SPDX-License-Identifier: Apache-2.0
# Fuzz targets for parsers of flash bytes on the device side. The parser's
# own source is compiled into the target (not linked from its library) so
# libFuzzer's coverage instrumentation sees it.
mayday_fuzz_target(fuzz_boot_state ${CMAKE_SOURCE_DIR}/device/boot/boot_state.c)
target_include_directories(fuzz_boot_state PRIVATE ${CMAKE_SOURCE_DIR}/device/boot)
target_link_libraries(fuzz_boot_state PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_attach_state ${CMAKE_SOURCE_DIR}/device/boot/boot_attach.c)
target_include_directories(fuzz_attach_state PRIVATE ${CMAKE_SOURCE_DIR}/device/boot)
target_link_libraries(fuzz_attach_state PRIVATE mayday_hal mayday)
# mayday-normal's attach settings (from the environment); the probe itself
# and the record it writes come along, uncalled.
mayday_fuzz_target(fuzz_normal_attach_cfg ${CMAKE_SOURCE_DIR}/device/normal/normal_attach.c
  ${CMAKE_SOURCE_DIR}/device/boot/boot_attach.c)
target_include_directories(fuzz_normal_attach_cfg PRIVATE ${CMAKE_SOURCE_DIR}/device/boot
  ${CMAKE_SOURCE_DIR}/device/normal)
target_link_libraries(fuzz_normal_attach_cfg PRIVATE mayday_hal mayday mayday_log)
# mayday-normal's own settings, normal.conf (inih + this parser's checks).
mayday_fuzz_target(fuzz_normal_config ${CMAKE_SOURCE_DIR}/device/normal/normal_config.c)
target_include_directories(fuzz_normal_config PRIVATE ${CMAKE_SOURCE_DIR}/device/normal)
target_link_libraries(fuzz_normal_config PRIVATE mayday_hal mayday PkgConfig::INIH)
# The device credentials bundle normal code is handed (with or without its
# private key: normal_creds.h).
mayday_fuzz_target(fuzz_normal_creds ${CMAKE_SOURCE_DIR}/device/normal/normal_creds.c)
target_include_directories(fuzz_normal_creds PRIVATE ${CMAKE_SOURCE_DIR}/device/normal)
target_link_libraries(fuzz_normal_creds PRIVATE mayday_hal mayday)
# dcf_config needs the transport table (which methods this build has), and
# with it every transport and the URL parser (device/net/net_url.c): it links
# mayday_dcf_core, which the fuzz build instruments like every library.
mayday_fuzz_target(fuzz_dcf_config)
target_link_libraries(fuzz_dcf_config PRIVATE mayday_dcf_core)
# The DCF's attempt state, read back from the state partition.
mayday_fuzz_target(fuzz_dcf_attempt ${CMAKE_SOURCE_DIR}/device/dcf/dcf_attempt.c)
target_include_directories(fuzz_dcf_attempt PRIVATE ${CMAKE_SOURCE_DIR}/device/dcf)
target_link_libraries(fuzz_dcf_attempt PRIVATE mayday_hal mayday)
# Parsers of the RoT partition's items and of the fault backend's options
# (device/hal/), each exposed through its private header.
mayday_fuzz_target(fuzz_hal_rot_counters ${CMAKE_SOURCE_DIR}/device/hal/rot_counters.c)
target_link_libraries(fuzz_hal_rot_counters PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_hal_rot_device_id ${CMAKE_SOURCE_DIR}/device/hal/rot_device_id.c)
target_link_libraries(fuzz_hal_rot_device_id PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_hal_rot_keys ${CMAKE_SOURCE_DIR}/device/hal/rot_keys.c)
target_link_libraries(fuzz_hal_rot_keys PRIVATE mayday_hal mayday)
# The tpm2 backend's layout record, as read from the TPM's NV index.
mayday_fuzz_target(fuzz_hal_rot_tpm2_layout ${CMAKE_SOURCE_DIR}/device/hal/rot_tpm2_layout.c)
target_link_libraries(fuzz_hal_rot_tpm2_layout PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_hal_flash_fault_spec ${CMAKE_SOURCE_DIR}/device/hal/flash_fault_spec.c)
target_link_libraries(fuzz_hal_flash_fault_spec PRIVATE mayday_hal mayday)
# The remediation command persisted in the state partition (device/cpe/).
mayday_fuzz_target(fuzz_cpe_record ${CMAKE_SOURCE_DIR}/device/cpe/cpe_record.c)
target_include_directories(fuzz_cpe_record PRIVATE ${CMAKE_SOURCE_DIR}/device/cpe)
target_link_libraries(fuzz_cpe_record PRIVATE mayday_cwmp mayday_hal mayday)
# The device's HTTP response parser (device/net/), fed whole and in pieces.
mayday_fuzz_target(fuzz_net_http ${CMAKE_SOURCE_DIR}/device/net/net_http_parse.c)
target_include_directories(fuzz_net_http PRIVATE ${CMAKE_SOURCE_DIR}/device/net)
target_link_libraries(fuzz_net_http PRIVATE mayday)
# The RoT agent protocol, each side's parser (device/hal/rot_wire.h): the
# agent's of requests, the remote backend's of answers.
mayday_fuzz_target(fuzz_rot_wire_request ${CMAKE_SOURCE_DIR}/device/hal/rot_wire.c)
target_link_libraries(fuzz_rot_wire_request PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_rot_wire_response ${CMAKE_SOURCE_DIR}/device/hal/rot_wire.c)
target_link_libraries(fuzz_rot_wire_response PRIVATE mayday_hal mayday)

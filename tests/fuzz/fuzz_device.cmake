# Fuzz targets for parsers of flash bytes on the device side. The parser's
# own source is compiled into the target (not linked from its library) so
# libFuzzer's coverage instrumentation sees it.
mayday_fuzz_target(fuzz_boot_state ${CMAKE_SOURCE_DIR}/device/boot/boot_state.c)
target_include_directories(fuzz_boot_state PRIVATE ${CMAKE_SOURCE_DIR}/device/boot)
target_link_libraries(fuzz_boot_state PRIVATE mayday_hal mayday)
mayday_fuzz_target(fuzz_dcf_config ${CMAKE_SOURCE_DIR}/device/dcf/dcf_config.c ${CMAKE_SOURCE_DIR}/device/dcf/tx/dcf_tx.c ${CMAKE_SOURCE_DIR}/device/dcf/tx/tx_plain_udp.c)
target_include_directories(fuzz_dcf_config PRIVATE ${CMAKE_SOURCE_DIR}/device/dcf)
target_link_libraries(fuzz_dcf_config PRIVATE mayday_hal mayday PkgConfig::INIH)

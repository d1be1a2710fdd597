# SPDX-License-Identifier: Apache-2.0
# The device side's integration tests in a device-only (cross) build: the
# same scripts and names as in a host build (integration.cmake, psk.cmake),
# run on the cross-built mayday-boot, mayday-dcf and mayday-normal under
# qemu-user, against the host build's maydayd, maydayctl and
# mayday-provision over loopback (cmake/host_tools.cmake puts them where the
# scripts look). `make check-cross` runs them under scripts/cross-run.sh, so
# the TrE's fexecve of a foreign DCF reaches qemu too.
#
# Not here: the network side's own tests (the host build has them), the
# IPsec tests (they need strongSwan's daemon for the target in the DCF
# partition), and the DCF trace tests (strace would trace qemu, whose own
# files are not the DCF's).
set(MAYDAY_INTEGRATION_DIR ${CMAKE_CURRENT_LIST_DIR})
foreach(spec
    "integration-distress-loop test_distress_loop.sh 300"
    "integration-claims-loop test_claims_loop.sh 300"
    "integration-methods-fallback test_methods_loop.sh 400"
    "integration-remediation-loop test_remediation_loop.sh 600"
    "integration-distress-persists test_persist_loop.sh 600"
    "integration-flip-fallback test_flip_loop.sh 300"
    "integration-attach-loop test_attach_loop.sh 300"
    "integration-psk-loop test_psk_loop.sh 300")
  separate_arguments(spec)
  list(GET spec 0 name)
  list(GET spec 1 script)
  list(GET spec 2 timeout)
  add_test(NAME ${name}
           COMMAND ${MAYDAY_INTEGRATION_DIR}/${script} ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  # Timeouts above the host's: the device's programs run emulated.
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT ${timeout})
endforeach()
# The demo's healthy devices inform every second and are declared silent
# after 8 s: emulated, one TLS Inform can take longer than that on a busy
# machine. 30 s still shows the silent device (it never reports at all).
set_tests_properties(integration-distress-loop PROPERTIES ENVIRONMENT DEMO_SILENCE_S=30)

# SPDX-License-Identifier: Apache-2.0
# The IKEv2/IPsec method end to end with real strongSwan (charon + swanctl)
# in two network namespaces: label "ipsec". The device side runs only the
# charon of the device's DCF partition, which the DCF starts itself; the
# first run is traced (strace) and every file the IKE daemon touches must be
# in the DCF, RoT or run partition (DCF_TRACE_ALL=1 in the environment: the
# whole DCF run too). Needs root and Debian's strongswan-charon,
# strongswan-swanctl, strongswan-pki, libstrongswan-standard-plugins,
# libcharon-extra-plugins, tcpdump, socat, jq and strace; without them the
# tests report "skipped" (exit 77). About 30 s each.
set(MAYDAY_IPSEC_IT_DIR ${CMAKE_CURRENT_LIST_DIR}/ipsec)

# Test helper: maydayd's srv_ike lookup against the SeGW's charon.
add_executable(ipsec_ike_lookup ${MAYDAY_IPSEC_IT_DIR}/ipsec_ike_lookup.c)
target_link_libraries(ipsec_ike_lookup PRIVATE maydayd_core)

foreach(mode psk cert)
  add_test(NAME integration-ipsec-${mode}
           COMMAND ${MAYDAY_IPSEC_IT_DIR}/test_ipsec.sh ${mode} ${CMAKE_BINARY_DIR}
                   $<TARGET_FILE:ipsec_ike_lookup>)
  set_tests_properties(integration-ipsec-${mode} PROPERTIES
                       LABELS ipsec SKIP_RETURN_CODE 77 TIMEOUT 120)
  if(MAYDAY_DCF_STATIC)
    # The whole DCF run under the trace check, not only the IKE daemon.
    set_tests_properties(integration-ipsec-${mode} PROPERTIES ENVIRONMENT DCF_TRACE_ALL=1)
  endif()
endforeach()

# SPDX-License-Identifier: Apache-2.0
# Installability (cmake/install.cmake): every program answers --version and
# --help and its man page covers its options; the man pages format without
# a warning and list every configuration key; a DESTDIR install holds
# everything, and its systemd unit passes systemd's own checks.

set(cli_args)
foreach(p ${MAYDAY_PROGRAMS})
  list(APPEND cli_args "${p}=$<TARGET_FILE:${p}>")
endforeach()
add_test(NAME integration-cli-version-help
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_cli.sh ${PROJECT_VERSION}
                 ${CMAKE_SOURCE_DIR}/docs/man ${cli_args})
set_tests_properties(integration-cli-version-help PROPERTIES LABELS integration TIMEOUT 120)

add_test(NAME integration-man-pages
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_man.sh ${CMAKE_SOURCE_DIR} ${MAYDAY_MAN_PAGES})
set_tests_properties(integration-man-pages PROPERTIES LABELS integration TIMEOUT 120)

# The shell script takes each list as one space-separated word.
string(REPLACE ";" " " sbin_words "${MAYDAY_SBIN_PROGRAMS}")
string(REPLACE ";" " " bin_words "${MAYDAY_BIN_PROGRAMS}")
string(REPLACE ";" " " page_words "${MAYDAY_MAN_PAGES}")
foreach(mode tree unit)
  add_test(NAME integration-install-${mode}
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_install.sh ${mode} ${CMAKE_BINARY_DIR}
                   ${PROJECT_VERSION} "${sbin_words}" "${bin_words}"
                   "${page_words}")
  set_tests_properties(integration-install-${mode} PROPERTIES LABELS integration TIMEOUT 180
                       SKIP_RETURN_CODE 77)
endforeach()

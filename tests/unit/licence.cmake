# SPDX-License-Identifier: Apache-2.0
# LICENSE is there and every tracked source, build and script file names
# its licence in an SPDX header (data and prose excepted).
# The sources' check, not the build's: the host build runs it, a
# device-only (cross) build of the same tree need not again.
if(NOT MAYDAY_DEVICE_ONLY)
  add_test(NAME lint-licence COMMAND ${CMAKE_CURRENT_LIST_DIR}/licence.sh ${CMAKE_SOURCE_DIR})
  set_tests_properties(lint-licence PROPERTIES LABELS unit TIMEOUT 60)
endif()

# mayday-normal links no DCF code (issue 11; normal_links.sh).
add_test(NAME lint-normal-links-no-dcf
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/normal_links.sh $<TARGET_FILE:mayday-normal>)
set_tests_properties(lint-normal-links-no-dcf PROPERTIES LABELS unit TIMEOUT 60)

# SPDX-License-Identifier: Apache-2.0
# LICENSE is there and every tracked source, build and script file names
# its licence in an SPDX header (data and prose excepted).
add_test(NAME lint-licence COMMAND ${CMAKE_CURRENT_LIST_DIR}/licence.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(lint-licence PROPERTIES LABELS unit TIMEOUT 60)

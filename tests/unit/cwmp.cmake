# SPDX-License-Identifier: Apache-2.0
# The CWMP codec (cwmp/): unit tests and schema validation of every envelope
# the project emits. cwmp_samples.c holds the sample messages both use.
add_library(mayday_cwmp_samples STATIC ${CMAKE_CURRENT_SOURCE_DIR}/unit/cwmp_samples.c)
target_include_directories(mayday_cwmp_samples PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(mayday_cwmp_samples PUBLIC mayday_cwmp)

add_executable(test_cwmp ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_cwmp.c)
target_link_libraries(test_cwmp PRIVATE mayday_cwmp_samples PkgConfig::CMOCKA)
add_test(NAME cwmp-test_cwmp COMMAND test_cwmp)
set_tests_properties(cwmp-test_cwmp PROPERTIES LABELS unit)

add_executable(cwmp_emit_samples ${CMAKE_CURRENT_SOURCE_DIR}/unit/cwmp_emit_samples.c)
target_link_libraries(cwmp_emit_samples PRIVATE mayday_cwmp_samples)
# The shared schemas sit beside the clone (../shared); skipped (77) if absent.
add_test(NAME cwmp-schema
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/unit/cwmp_schema.sh $<TARGET_FILE:cwmp_emit_samples>
                 ${CMAKE_SOURCE_DIR}/../shared/cwmp/all.xsd)
set_tests_properties(cwmp-schema PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
add_custom_target(mayday_cwmp_tests DEPENDS test_cwmp cwmp_emit_samples)

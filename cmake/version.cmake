# SPDX-License-Identifier: Apache-2.0
# mayday_version: the generated header with the project version, for every
# program's --version (and mayday-provision, which writes it into the
# dcf.conf and manifests it makes). Link it PRIVATE; it carries no code.
configure_file(${CMAKE_CURRENT_LIST_DIR}/mayday_version.h.in
               ${CMAKE_BINARY_DIR}/generated/mayday_version.h @ONLY)
add_library(mayday_version INTERFACE)
target_include_directories(mayday_version INTERFACE ${CMAKE_BINARY_DIR}/generated)

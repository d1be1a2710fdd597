# SPDX-License-Identifier: Apache-2.0
# The network side for a device-only (cross) build's integration tests.
#
# The integration tests find every program under the build directory they
# are given ($build/server/maydayd, $build/tools/provision/mayday-provision,
# ...). A device-only build makes only the device's programs; the others --
# maydayd, maydayctl, mayday-provision (a factory tool: it writes a device's
# partitions on the host, it never runs on the device) and the tests' own
# network-side helpers -- come from a host build of the same tree, linked
# here at the same places. So the tests run the cross-built device programs
# (under qemu-user) against a host maydayd over loopback, unchanged.
#
# MAYDAY_HOST_BUILD_DIR: that host build (`make check-cross` gives $(BUILD)).
# Without it the integration tests are not registered; the unit tests are.
set(MAYDAY_HOST_BUILD_DIR "" CACHE PATH
    "A host build of this tree whose maydayd, maydayctl and mayday-provision the device-only build's integration tests use")
set(MAYDAY_HOST_TOOLS
  server/maydayd
  tools/maydayctl/maydayctl
  tools/provision/mayday-provision
  tools/sim/mayday-sim
  tests/acs_itool      # the ACS tests' CWMP helper (tests/integration/server.cmake)
  tests/srv_itool
  tests/flip_relay)    # the on-path attacker of integration-flip-fallback
if(MAYDAY_HOST_BUILD_DIR)
  get_filename_component(host "${MAYDAY_HOST_BUILD_DIR}" ABSOLUTE)
  if(host STREQUAL CMAKE_BINARY_DIR)
    message(FATAL_ERROR "MAYDAY_HOST_BUILD_DIR is this build directory: give the host build's")
  endif()
  foreach(tool IN LISTS MAYDAY_HOST_TOOLS)
    get_filename_component(dir "${CMAKE_BINARY_DIR}/${tool}" DIRECTORY)
    file(MAKE_DIRECTORY "${dir}")
    file(CREATE_LINK "${host}/${tool}" "${CMAKE_BINARY_DIR}/${tool}" SYMBOLIC)
  endforeach()
endif()

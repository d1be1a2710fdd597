# SPDX-License-Identifier: Apache-2.0
# Install rules: `cmake --install BUILD [--prefix P]`, DESTDIR honoured
# (`make install DESTDIR=...`). Kept in one file, apart from the build rules,
# so what lands where is read in one place; tests/integration/install.cmake
# checks every entry below against a DESTDIR install.
#
#   sbin/    maydayd and maydayctl (an administrator's tools: the store is the
#            mayday user's), the device side (mayday-boot, mayday-dcf,
#            mayday-normal, mayday-install: a host simulation of a femtocell's
#            start-up, run by whoever owns the device directory)
#   bin/     mayday-provision, mayday-sim (any user, on their own files)
#   share/man/man{1,5,8}   one page per program and per configuration format
#   share/doc/mayday/      README, LICENSE, operations, protocol, cwmp, ipsec;
#                          examples/ the commented maydayd.conf and dcf.conf
#   lib/systemd/system/maydayd.service, lib/sysusers.d/mayday.conf
#
# Configuration is not installed into etc/: a reinstall must never overwrite
# an operator's maydayd.conf, and the daemon refuses to start without one it
# was given on purpose (hems_key, db). The unit's ConfigurationDirectory=
# creates /etc/mayday; the operator copies the example there.
include(GNUInstallDirs)

set(MAYDAY_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where maydayd.service is installed (relative to the prefix, or absolute)")
set(MAYDAY_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "Where the sysusers.d entry creating the mayday user is installed")

# Every installed program, by directory. The CLI and install tests take
# these lists, so a program added here is checked for --version and --help.
set(MAYDAY_SBIN_PROGRAMS maydayd maydayctl mayday-boot mayday-dcf mayday-normal mayday-install)
set(MAYDAY_BIN_PROGRAMS mayday-provision mayday-sim)
set(MAYDAY_PROGRAMS ${MAYDAY_SBIN_PROGRAMS} ${MAYDAY_BIN_PROGRAMS})

# Man pages: section 1 for the bin/ programs, 8 for sbin/, 5 for the files.
set(MAYDAY_MAN_PAGES
  docs/man/mayday-provision.1
  docs/man/mayday-sim.1
  docs/man/maydayd.conf.5
  docs/man/dcf.conf.5
  docs/man/maydayd.8
  docs/man/maydayctl.8
  docs/man/mayday-boot.8
  docs/man/mayday-dcf.8
  docs/man/mayday-normal.8
  docs/man/mayday-install.8)

install(TARGETS ${MAYDAY_SBIN_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS ${MAYDAY_BIN_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

foreach(page ${MAYDAY_MAN_PAGES})
  string(REGEX REPLACE "^.*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${CMAKE_SOURCE_DIR}/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

install(FILES docs/maydayd.conf.example docs/dcf.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md LICENSE docs/operations.md docs/protocol.md docs/cwmp.md docs/ipsec.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(FILES ${CMAKE_SOURCE_DIR}/packaging/sysusers-mayday.conf
        DESTINATION ${MAYDAY_SYSUSERSDIR} RENAME mayday.conf)

# The unit names maydayd by its full installed path, which is known only at
# install time (`cmake --install --prefix` may differ from the configured
# prefix), so it is written then and installed from the build tree.
install(CODE "
  set(sbindir \"${CMAKE_INSTALL_SBINDIR}\")
  if(NOT IS_ABSOLUTE \"\${sbindir}\")
    set(sbindir \"\${CMAKE_INSTALL_PREFIX}/\${sbindir}\")
  endif()
  set(MAYDAY_SBINDIR \"\${sbindir}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/packaging/maydayd.service.in\"
                 \"${CMAKE_BINARY_DIR}/packaging/maydayd.service\" @ONLY)
")
install(FILES ${CMAKE_BINARY_DIR}/packaging/maydayd.service DESTINATION ${MAYDAY_SYSTEMD_UNITDIR})

# SPDX-License-Identifier: Apache-2.0
# The PostgreSQL store backend (db = postgresql://...): built when libpq is
# found (pkg-config libpq, Debian's libpq-dev), and then on by default.
# Without it maydayd has the SQLite backend only, and a postgresql:// store
# is refused at open with a message saying the build left it out.
# MAYDAY_HAVE_POSTGRESQL (cache, internal) tells the tests' directory too.
pkg_check_modules(LIBPQ IMPORTED_TARGET GLOBAL libpq)
if(LIBPQ_FOUND)
  set(mayday_pg_default ON)
else()
  set(mayday_pg_default OFF)
endif()
option(MAYDAY_POSTGRESQL "Build the PostgreSQL store backend (needs libpq)" ${mayday_pg_default})
if(MAYDAY_POSTGRESQL AND NOT LIBPQ_FOUND)
  message(FATAL_ERROR "MAYDAY_POSTGRESQL=ON but libpq was not found by pkg-config: "
                      "apt-get install libpq-dev (scripts/deps.sh), or -DMAYDAY_POSTGRESQL=OFF")
endif()
if(MAYDAY_POSTGRESQL)
  message(STATUS "PostgreSQL store backend: on (libpq ${LIBPQ_VERSION})")
else()
  message(STATUS "PostgreSQL store backend: off (libpq-dev not found, or -DMAYDAY_POSTGRESQL=OFF); "
                 "only sqlite: stores")
endif()
set(MAYDAY_HAVE_POSTGRESQL ${MAYDAY_POSTGRESQL} CACHE INTERNAL "the PostgreSQL store backend is built")

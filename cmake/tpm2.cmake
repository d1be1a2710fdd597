# SPDX-License-Identifier: Apache-2.0
# The tpm2 RoT backend (rot = tpm2:TCTI; device/hal/rot_tpm2*.c): built
# when pkg-config finds the tpm2-tss libraries it links (Debian's
# libtss2-dev), and then on by default. The TCTIs are linked directly
# (tss2-tcti-device, tss2-tcti-swtpm), never through the TCTI loader: the
# backend dlopens nothing.
# Debian ships no static libtss2*.a, so only dynamically linked programs
# get the backend (mayday_link_rot_tpm2 in device/hal/CMakeLists.txt); the
# static mayday-boot and mayday-dcf reach a TPM through another process.
# MAYDAY_HAVE_TPM2 (cache, internal) tells the tests' directory too.
pkg_check_modules(TSS2 IMPORTED_TARGET GLOBAL
                  tss2-esys tss2-mu tss2-rc tss2-tcti-device tss2-tcti-swtpm)
if(TSS2_FOUND)
  set(mayday_tpm2_default ON)
else()
  set(mayday_tpm2_default OFF)
endif()
option(MAYDAY_TPM2 "Build the TPM 2.0 RoT backend (needs libtss2-dev)" ${mayday_tpm2_default})
if(MAYDAY_TPM2 AND NOT TSS2_FOUND)
  message(FATAL_ERROR "MAYDAY_TPM2=ON but tss2-esys/-mu/-rc/-tcti-device/-tcti-swtpm were not "
                      "found by pkg-config: apt-get install libtss2-dev (scripts/deps.sh), "
                      "or -DMAYDAY_TPM2=OFF")
endif()
if(MAYDAY_TPM2)
  message(STATUS "TPM 2.0 RoT backend: on (tss2-esys ${TSS2_tss2-esys_VERSION})")
else()
  message(STATUS "TPM 2.0 RoT backend: off (libtss2-dev not found, or -DMAYDAY_TPM2=OFF); "
                 "rot = tpm2:... is refused at open, its tests are not built")
endif()
set(MAYDAY_HAVE_TPM2 ${MAYDAY_TPM2} CACHE INTERNAL "the tpm2 RoT backend is built")

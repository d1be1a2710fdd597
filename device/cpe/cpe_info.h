/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the device reports about itself to the network, shared by the DCF
 * (its indication and its CWMP sessions) and normal code (its CWMP
 * sessions), so neither links the other's code for it.
 */
#ifndef MAYDAY_CPE_INFO_H
#define MAYDAY_CPE_INFO_H

#include <stdint.h>

/* Bytes available to an unprivileged writer on the filesystem holding `dir`
 * (0 if it cannot be determined). */
uint64_t cpe_info_free_space(const char *dir);

#endif

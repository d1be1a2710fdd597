/* SPDX-License-Identifier: Apache-2.0 */
/* Representative CWMP messages of every kind the project emits (tests only). */
#ifndef MAYDAY_CWMP_SAMPLES_H
#define MAYDAY_CWMP_SAMPLES_H

#include "cwmp.h"

/* The kinds cwmp_emit supports, CWMP_EMPTY excluded. */
extern const enum cwmp_kind cwmp_sample_kinds[];
extern const size_t cwmp_sample_count;

/* Fills *m (zeroed first) with a message of that kind, with text that needs escaping. */
void cwmp_sample(enum cwmp_kind kind, struct cwmp_msg *m);

#endif

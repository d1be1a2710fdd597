/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A store seeded for the API's answers (tests/unit/api_dump.c,
 * tests/fuzz/fuzz_api_request.c), through the store's own calls only, so
 * every object of docs/openapi.json appears with its optional parts:
 * devices of two classes in several states, signed indications (one of
 * reason attach-failed), unverified ones of a sender never enrolled, a
 * failed remediation attempt that pauses a class, an ACS decision, a fleet
 * anomaly, and events. No cmocka: the fuzzer links it too.
 */
#ifndef MAYDAY_TEST_API_SEED_H
#define MAYDAY_TEST_API_SEED_H

#include <stdint.h>

#include "store.h"

#define API_SEED_NOW 1700005000
#define API_SEED_DEVICES 12

/* 0 on success; on failure a line on stderr and -1. */
int api_seed(struct store *st);

#endif

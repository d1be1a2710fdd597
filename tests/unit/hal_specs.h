/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HAL backends the power-cut and fault-injection tests run against.
 * By default the host's ("host" flash, "fault" for cuts and flips, "file"
 * RoT); the conformance harness (tests/conformance/hal_conformance.sh,
 * docs/porting.md) names a vendor's instead through the environment:
 *
 *   MAYDAY_TEST_FLASH   the plain flash backend spec           ("host")
 *   MAYDAY_TEST_FAULT   the counting, power-cutting variant    ("fault")
 *                       of it, taking cut=N and flip=PART/NAME@BIT options
 *   MAYDAY_TEST_ROT     the RoT backend spec                    ("file")
 *   MAYDAY_TEST_FILTER  run only the tests whose names match (cmocka glob)
 *   MAYDAY_TEST_SKIP    skip the tests whose names match (the harness skips
 *                       test_host_*: they check the host backend's own
 *                       directory layout and spec parsing, not a protocol)
 *
 * Every test that opens the backend under test takes its spec from here;
 * a literal "host" or "fault" is left only in test_host_* tests and in the
 * fault backend's own option-parser tests.
 *
 * So the same test code, not a copy, judges every backend.
 */
#ifndef MAYDAY_TEST_HAL_SPECS_H
#define MAYDAY_TEST_HAL_SPECS_H

const char *hal_specs_flash(void);
const char *hal_specs_rot(void);
/* The fault backend's spec with the options `fmt` formats ("cut=%llu"), or
 * without options for NULL. The text lives in a static buffer until the
 * next call (tests are single-threaded); asserts it fits. */
const char *hal_specs_fault(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Applies MAYDAY_TEST_FILTER and MAYDAY_TEST_SKIP, if set; call before
 * cmocka_run_group_tests. */
void hal_specs_filter(void);

#endif

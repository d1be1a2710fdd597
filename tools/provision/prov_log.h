/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-provision's exit codes and messages: errors on stderr, reported
 * once by whoever detects them; progress on stdout. */
#ifndef MAYDAY_PROV_LOG_H
#define MAYDAY_PROV_LOG_H

enum prov_exit {
	PROV_EXIT_OK = 0,
	PROV_EXIT_ERROR = 1,
	PROV_EXIT_USAGE = 2,
	PROV_EXIT_REJECTED = 3  /* bundle info/verify: the input is not a (valid) bundle */
};

void prov_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void prov_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

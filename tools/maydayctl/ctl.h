/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl internals: one file per command, sharing these helpers.
 * Exit codes: CTL_OK, CTL_FAIL (store or I/O error), CTL_USAGE, CTL_NOTFOUND
 * (no such device, or no device of that class).
 */
#ifndef MAYDAY_CTL_H
#define MAYDAY_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"
#include "store_query.h"

enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2, CTL_NOTFOUND = 3 };

struct ctl {
	const char *db;
	bool json;
	struct store *st;   /* opened by main before a command runs */
};

int ctl_devices(struct ctl *c, int argc, char **argv);
int ctl_show(struct ctl *c, int argc, char **argv);
int ctl_enrol(struct ctl *c, int argc, char **argv);
int ctl_export(struct ctl *c, int argc, char **argv);
int ctl_approve(struct ctl *c, int argc, char **argv);
int ctl_classes(struct ctl *c, int argc, char **argv);
int ctl_resume(struct ctl *c, int argc, char **argv);
int ctl_fleet(struct ctl *c, int argc, char **argv);
int ctl_cwmp_credentials(struct ctl *c, int argc, char **argv);

/* "2024-05-01T12:00:00Z"; "-" for 0. */
void ctl_time(int64_t t, char out[32]);
/* One line of text output (ctl_out.c): formatted like printf, then every
 * byte that is not printable ASCII written as \xNN and a backslash as \\,
 * then '\n'. Every line maydayctl prints to stdout goes through here, so
 * text a device sent (versions, peers, FaultStrings) can neither drive the
 * operator's terminal nor forge rows. `fmt` holds no '\n' of its own. */
void ctl_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The escaping ctl_line applies, of s[0..n). */
void ctl_escape(const char *s, size_t n, FILE *out);
/* How long before `now` t was, for a table: "12s ago", "5m ago", "3h ago",
 * "2d ago"; "never" for 0 (a device never heard from). */
void ctl_ago(int64_t t, int64_t now, char out[32]);
/* A JSON time string, or null for 0. */
json_t *ctl_json_time(int64_t t);
/* Prints a JSON value to stdout (and frees it); CTL_FAIL if it cannot. */
int ctl_json_print(json_t *v);
/* Reports a store error once, on stderr. */
int ctl_store_fail(struct ctl *c, const char *what, enum mayday_err err);

#endif

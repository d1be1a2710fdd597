/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl internals: one file per command, each a client of the API
 * (docs/api.md) through ctl_call (ctl_call.h picks the transport), each
 * rendering the API's JSON as a table or passing it on under --json.
 * maydayctl holds no store code of its own: the API is the one
 * implementation of every resource.
 *
 * Exit codes: CTL_OK, CTL_FAIL (an error: the API's, the transport's, I/O),
 * CTL_USAGE (bad command line, or a request the API calls malformed),
 * CTL_NOTFOUND (no such device, class, token), CTL_DENIED (not
 * authenticated, or the role does not allow it).
 */
#ifndef MAYDAY_CTL_H
#define MAYDAY_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_call.h"

enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2, CTL_NOTFOUND = 3, CTL_DENIED = 4 };

struct ctl {
	struct ctl_target target;
	bool json;
	const char *cmd;                  /* "devices", ...: prefixes messages */
	const struct ctl_transport *tr;   /* opened at the first call */
	void *tr_state;
};

/* One command: its name, its function, and its --help text (the lines after
 * "usage: maydayctl [OPTIONS] "). */
struct ctl_command {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	const char *usage;
	const char *summary;
};

int ctl_devices(struct ctl *c, int argc, char **argv);
int ctl_show(struct ctl *c, int argc, char **argv);
int ctl_indications(struct ctl *c, int argc, char **argv);
int ctl_enrol(struct ctl *c, int argc, char **argv);
int ctl_revoke(struct ctl *c, int argc, char **argv);
int ctl_export(struct ctl *c, int argc, char **argv);
int ctl_approve(struct ctl *c, int argc, char **argv);
int ctl_classes(struct ctl *c, int argc, char **argv);
int ctl_pause(struct ctl *c, int argc, char **argv);
int ctl_resume(struct ctl *c, int argc, char **argv);
int ctl_bundle(struct ctl *c, int argc, char **argv);
int ctl_fleet(struct ctl *c, int argc, char **argv);
int ctl_cwmp_credentials(struct ctl *c, int argc, char **argv);
int ctl_tokens(struct ctl *c, int argc, char **argv);
int ctl_whoami(struct ctl *c, int argc, char **argv);

/* ---- ctl_call.c: requests and errors ---- */

/* Sends one request and waits for its answer. CTL_OK with *a filled when an
 * answer came with a 2xx status. Otherwise the error is reported here
 * (ctl_error: the API's code and message, or "transport") and the exit code
 * returned, *a cleared -- unless the status is `pass` (0: none), which is
 * the caller's to handle (CTL_OK, *a filled). */
int ctl_call(struct ctl *c, const char *method, const char *path, const void *body,
	     size_t body_len, const char *content_type, int pass, struct ctl_answer *a);
/* As ctl_call, a JSON body (taken, freed here). */
int ctl_call_json(struct ctl *c, const char *method, const char *path, json_t *body, int pass,
		  struct ctl_answer *a);
/* GET `path` for a table: CTL_OK with *a filled, a->json set, for the
 * caller to render; under --json the answer is printed here instead and *a
 * left cleared (a->json NULL, the print's exit code returned); errors as
 * ctl_call. */
int ctl_get_table(struct ctl *c, const char *path, struct ctl_answer *a);
/* The API's error answer reported (ctl_error) and its exit code. */
int ctl_api_error(struct ctl *c, const struct ctl_answer *a);
/* Reports an error once: under --json {"error":{"code","message"}} on
 * stdout, else "maydayctl CMD: message" on stderr. Returns `rc`. */
int ctl_error(struct ctl *c, int rc, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A command line the command cannot use: reported as ctl_error with code
 * "usage", CTL_USAGE returned. */
int ctl_usage(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long's '?' (an unknown option, a missing argument): getopt said
 * so on stderr already, except under --json, where it is told here. */
int ctl_bad_option(struct ctl *c, char **argv);
/* The exit code of an HTTP status (400 usage, 401/403 denied, 404 not
 * found, other errors fail). */
int ctl_status_exit(int status);
/* Closes the transport (main, once). */
void ctl_call_done(struct ctl *c);

/* Appends s percent-encoded (all but unreserved characters, RFC 3986) to
 * out[0..cap) at *at. false when it does not fit. */
bool ctl_pct(char *out, size_t cap, size_t *at, const char *s);
/* Builds "PATH?a=1&b=2": ctl_url_init then ctl_url_seg / ctl_url_param.
 * A URL that did not fit is reported by ctl_url_ok. */
struct ctl_url {
	char s[1024];
	size_t n;
	bool q, bad;
};
void ctl_url_init(struct ctl_url *u, const char *prefix);
void ctl_url_seg(struct ctl_url *u, const char *segment);   /* "/" + encoded */
void ctl_url_lit(struct ctl_url *u, const char *text);      /* as is */
void ctl_url_param(struct ctl_url *u, const char *name, const char *value); /* NULL: none */
int ctl_url_ok(struct ctl *c, const struct ctl_url *u);    /* CTL_OK or CTL_USAGE */

/* ---- ctl_json.c: reading the API's JSON ---- */
const char *ctl_jstr(const json_t *o, const char *key);       /* NULL if absent or not a string */
long long ctl_jint(const json_t *o, const char *key);          /* 0 if absent */
bool ctl_jbool(const json_t *o, const char *key);
/* An RFC 3339 time of the API ("2026-12-07T08:00:00Z") as epoch seconds,
 * 0 for null or absent. */
int64_t ctl_jtime(const json_t *o, const char *key);
/* The time as the tables print it: the API's string, "-" for null. */
const char *ctl_jtime_str(const json_t *o, const char *key);
/* Reads a whole file of at most `max` bytes (malloc'd, NUL-terminated, the
 * caller frees): CTL_OK, or CTL_FAIL reported (code "io"). */
int ctl_read_file(struct ctl *c, const char *path, size_t max, char **out, size_t *len);

/* ---- ctl_util.c / ctl_out.c: text output ---- */
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
/* Prints a JSON value to stdout (and frees it); CTL_FAIL if it cannot. */
int ctl_json_print(json_t *v);
/* Before a command's getopt_long over its argv (argv[0] = the command):
 * optind 0, not 1, makes glibc start afresh in permuting order (main's
 * getopt stopped at the command word), so options may follow operands. */
#define CTL_GETOPT_RESET() (optind = 0)

#endif

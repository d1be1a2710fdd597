/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scripted stand-in for charon's VICI socket, for unit tests: a thread
 * that serves one connection on a unix socket in a fresh temporary
 * directory, answers event registrations, "initiate" and "list-sas" as the
 * script says, and records what the client sent.
 */
#ifndef MAYDAY_TEST_VICI_FAKE_H
#define MAYDAY_TEST_VICI_FAKE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "vici.h"

#define VICI_FAKE_EVENTS_MAX 8

enum vici_fake_mode {
	VICI_FAKE_NORMAL,       /* answers as charon would */
	VICI_FAKE_SILENT,       /* takes the command, never answers */
	VICI_FAKE_CLOSE,        /* closes the connection after the command */
	VICI_FAKE_HUGE,         /* answers the command with a length beyond VICI_PACKET_MAX */
	VICI_FAKE_UNKNOWN_CMD,  /* answers the command with CMD_UNKNOWN */
	VICI_FAKE_NO_EVENTS     /* answers every registration with EVENT_UNKNOWN */
};

struct vici_fake {
	/* script, set before vici_fake_start */
	enum vici_fake_mode mode;
	const uint8_t *events[VICI_FAKE_EVENTS_MAX]; /* streamed before the answer to list-sas */
	size_t event_len[VICI_FAKE_EVENTS_MAX];
	unsigned n_events;
	unsigned control_logs;          /* control-log events sent before the initiate answer */
	int initiate_ok;                /* answer success = yes|no */
	const char *errmsg;             /* errmsg of a failed initiate, or NULL */
	unsigned connections;           /* served one after the other; 0 means 1 */
	/* what the client did (the last connection's), valid after vici_fake_stop */
	char registered[VICI_NAME_MAX + 1]; /* last event name registered */
	char command[VICI_NAME_MAX + 1];    /* command name */
	char commands[256];             /* every command, space-separated */
	uint8_t request[1024];          /* the command's message */
	size_t request_len;
	int protocol_error;             /* the client sent something the fake did not expect */
	/* internals */
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	pthread_t thread;
};

/* One IKE SA as charon's "list-sa" event describes it (the parts the
 * lookup reads, plus some it must skip). */
struct vici_fake_sa {
	const char *state;          /* IKE SA state, e.g. "ESTABLISHED" */
	const char *remote_id;      /* NULL: no remote-id key */
	const char *vip;            /* NULL: no remote-vips list */
	const char *child_state;    /* e.g. "INSTALLED" */
	const char *remote_ts;      /* the child's one remote traffic selector */
	int remote_id_twice;        /* a second remote-id key (malformed) */
	int two_sas;                /* the IKE SA section twice in one event (malformed) */
};

/* Its message into buf; the length, or 0 if it does not fit. */
size_t vici_fake_list_sa(const struct vici_fake_sa *s, uint8_t *buf, size_t cap);

/* 0 on success. f->path is then the socket to connect to. */
int vici_fake_start(struct vici_fake *f);
/* Waits for the connections to end, removes the socket and directory. */
void vici_fake_stop(struct vici_fake *f);

#endif

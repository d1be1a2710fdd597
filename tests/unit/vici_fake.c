/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scripted VICI peer of the unit tests. It frames and splits packets
 * with the codec under test, which test_vici checks separately against
 * hand-written bytes, so a codec bug cannot hide behind the fake.
 */
#include "vici_fake.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vici.h"

static int io_all(int fd, void *buf, size_t len, int wr)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int put_packet(int fd, uint8_t type, const char *name, const uint8_t *msg, size_t len)
{
	uint8_t out[VICI_PACKET_MAX + 4];
	size_t n;

	if (vici_packet_encode(type, name, msg, len, out, sizeof(out), &n) != MAYDAY_OK)
		return -1;
	return io_all(fd, out, n, 1);
}

/* 0 and the packet in buf/p, or -1 when the client closed. */
static int get_packet(int fd, uint8_t *buf, size_t cap, struct vici_packet *p)
{
	uint8_t hdr[4];

	if (io_all(fd, hdr, 4, 0) != 0)
		return -1;
	size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > cap || io_all(fd, buf, len, 0) != 0)
		return -1;
	return vici_packet_parse(buf, len, p, NULL) == MAYDAY_OK ? 0 : -1;
}

static void wait_close(int fd)
{
	uint8_t b[256];

	while (recv(fd, b, sizeof(b), 0) > 0)
		;
}

static int answer_initiate(struct vici_fake *f, int fd)
{
	uint8_t msg[512];
	struct vici_builder b;
	size_t len;
	char line[32];

	for (unsigned i = 0; i < f->control_logs; i++) {
		snprintf(line, sizeof(line), "fake progress line %u", i);
		vici_build_init(&b, msg, sizeof(msg));
		vici_build_kv_str(&b, "group", "IKE");
		vici_build_kv_str(&b, "level", "1");
		vici_build_kv_str(&b, "msg", line);
		if (vici_build_finish(&b, &len) != MAYDAY_OK ||
		    put_packet(fd, VICI_EVENT, "control-log", msg, len) != 0)
			return -1;
	}
	vici_build_init(&b, msg, sizeof(msg));
	vici_build_kv_str(&b, "success", f->initiate_ok ? "yes" : "no");
	if (f->errmsg)
		vici_build_kv_str(&b, "errmsg", f->errmsg);
	if (vici_build_finish(&b, &len) != MAYDAY_OK)
		return -1;
	return put_packet(fd, VICI_CMD_RESPONSE, NULL, msg, len);
}

static int answer_list_sas(struct vici_fake *f, int fd)
{
	for (unsigned i = 0; i < f->n_events; i++)
		if (put_packet(fd, VICI_EVENT, "list-sa", f->events[i], f->event_len[i]) != 0)
			return -1;
	return put_packet(fd, VICI_CMD_RESPONSE, NULL, NULL, 0);
}

static void serve(struct vici_fake *f, int fd)
{
	uint8_t buf[VICI_PACKET_MAX];
	static const uint8_t huge[] = { 0x00, 0x10, 0x00, 0x00, VICI_CMD_RESPONSE };
	struct vici_packet p;

	while (get_packet(fd, buf, sizeof(buf), &p) == 0) {
		switch (p.type) {
		case VICI_EVENT_REGISTER:
			snprintf(f->registered, sizeof(f->registered), "%s", p.name);
			put_packet(fd, f->mode == VICI_FAKE_NO_EVENTS ? VICI_EVENT_UNKNOWN
								      : VICI_EVENT_CONFIRM,
				   NULL, NULL, 0);
			continue;
		case VICI_EVENT_UNREGISTER:
			put_packet(fd, VICI_EVENT_CONFIRM, NULL, NULL, 0);
			continue;
		case VICI_CMD_REQUEST:
			break;
		default:
			f->protocol_error = 1;
			return;
		}
		snprintf(f->command, sizeof(f->command), "%s", p.name);
		size_t used = strlen(f->commands);
		snprintf(f->commands + used, sizeof(f->commands) - used, "%s%s", used ? " " : "",
			 p.name);
		if (p.msg_len > sizeof(f->request)) {
			f->protocol_error = 1;
			return;
		}
		memcpy(f->request, p.msg, p.msg_len);
		f->request_len = p.msg_len;
		switch (f->mode) {
		case VICI_FAKE_SILENT:
			wait_close(fd);
			return;
		case VICI_FAKE_CLOSE:
			return;
		case VICI_FAKE_HUGE:
			io_all(fd, (void *)huge, sizeof(huge), 1);
			wait_close(fd);
			return;
		case VICI_FAKE_UNKNOWN_CMD:
			put_packet(fd, VICI_CMD_UNKNOWN, NULL, NULL, 0);
			continue;
		default:
			break;
		}
		if (strcmp(p.name, "initiate") == 0)
			answer_initiate(f, fd);
		else if (strcmp(p.name, "list-sas") == 0)
			answer_list_sas(f, fd);
		else
			put_packet(fd, VICI_CMD_UNKNOWN, NULL, NULL, 0);
	}
}

size_t vici_fake_list_sa(const struct vici_fake_sa *s, uint8_t *buf, size_t cap)
{
	struct vici_builder b;
	size_t len = 0;

	vici_build_init(&b, buf, cap);
	for (int i = 0; i <= s->two_sas; i++) {
		vici_build_section_start(&b, i ? "other" : "distress-segw");
		vici_build_kv_str(&b, "uniqueid", "7");
		vici_build_kv_str(&b, "state", s->state);
		vici_build_kv_str(&b, "local-id", "segw.mayday.test");
		if (s->remote_id)
			vici_build_kv_str(&b, "remote-id", s->remote_id);
		if (s->remote_id_twice)
			vici_build_kv_str(&b, "remote-id", "hnb-0002");
		if (s->vip) {
			vici_build_list_start(&b, "remote-vips");
			vici_build_list_item(&b, s->vip, strlen(s->vip));
			vici_build_list_end(&b);
		}
		vici_build_section_start(&b, "child-sas");
		vici_build_section_start(&b, "distress-3");
		vici_build_kv_str(&b, "name", "distress");
		vici_build_kv_str(&b, "state", s->child_state);
		vici_build_list_start(&b, "local-ts");
		vici_build_list_item(&b, "10.99.0.1/32[udp/7701]", 22);
		vici_build_list_end(&b);
		vici_build_list_start(&b, "remote-ts");
		vici_build_list_item(&b, s->remote_ts, strlen(s->remote_ts));
		vici_build_list_end(&b);
		vici_build_section_end(&b);
		vici_build_section_end(&b);
		vici_build_section_end(&b);
	}
	return vici_build_finish(&b, &len) == MAYDAY_OK ? len : 0;
}

static void *run(void *arg)
{
	struct vici_fake *f = arg;
	struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };

	for (unsigned i = 0; i < (f->connections ? f->connections : 1); i++) {
		/* Tests that never connect must not hang the fake. */
		if (poll(&pfd, 1, 20000) != 1)
			break;
		int fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0)
			break;
		serve(f, fd);
		close(fd);
	}
	return NULL;
}

int vici_fake_start(struct vici_fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/vici-fake.XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/charon.vici", f->dir);
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(f->listen_fd, 4) != 0 || pthread_create(&f->thread, NULL, run, f) != 0) {
		if (f->listen_fd >= 0)
			close(f->listen_fd);
		unlink(f->path);
		rmdir(f->dir);
		return -1;
	}
	return 0;
}

void vici_fake_stop(struct vici_fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-rot-agent: holds one RoT backend open in one role and answers the
 * RoT calls of a static mayday-boot or mayday-dcf over an inherited socket
 * (device/hal/rot_agent.h; docs/rot.md, "The RoT agent").
 *
 *   mayday-rot-agent --fd N --device DIR [--flash SPEC] --rot SPEC --role tre|dcf|normal
 *
 * The first message on the socket is the HELLO carrying the open's result;
 * then one answer per request until the client closes the socket. Exit 0
 * after a clean close, 1 if the backend did not open or the protocol broke,
 * 2 for a bad command line. Started by hal_rot_open_agent only: nothing
 * here reads the environment or a configuration file (OpenSSL is
 * initialised without one, as in the TrE and the DCF).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "agent_serve.h"
#include "flash.h"
#include "log.h"
#include "rot.h"
#include "rot_wire.h"

struct opts {
	int fd;
	const char *device, *flash, *rot;
	enum hal_rot_role role;
};

static int usage(void)
{
	fprintf(stderr, "usage: mayday-rot-agent --fd N --device DIR [--flash SPEC] --rot SPEC "
			"--role tre|dcf|normal\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ "flash", required_argument, NULL, 'F' },
		{ "rot", required_argument, NULL, 'r' },
		{ "role", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->fd = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->fd = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->fd < 0)
				return -1;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'F':
			o->flash = optarg;
			break;
		case 'r':
			o->rot = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "tre") == 0)
				o->role = HAL_ROT_ROLE_TRE;
			else if (strcmp(optarg, "dcf") == 0)
				o->role = HAL_ROT_ROLE_DCF;
			else if (strcmp(optarg, "normal") == 0)
				o->role = HAL_ROT_ROLE_NORMAL;
			else
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc && o->fd >= 0 && o->device && o->rot && o->role ? 0 : -1;
}

static enum mayday_err hello(int fd, enum hal_rot_role role, enum mayday_err status)
{
	struct rot_wire_msg m = { .kind = ROT_WIRE_RESPONSE, .op = ROT_WIRE_HELLO, .role = role,
				  .status = status };
	uint8_t buf[ROT_WIRE_HDR_LEN];
	size_t len = 0;
	enum mayday_err err = rot_wire_encode(&m, buf, sizeof(buf), &len);

	if (err == MAYDAY_OK)
		err = rot_wire_send(fd, buf, len, rot_wire_now_ms() + AGENT_SERVE_MSG_MS);
	return err;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	enum mayday_err err;
	int code = 1;

	log_init("mayday-rot-agent", 0);
	if (parse(argc, argv, &o) != 0)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				NULL) != 1) {
		err = MAYDAY_E_INTERNAL;
		log_info("cannot initialise OpenSSL");
	} else {
		err = hal_flash_open(&f, o.device, o.flash);
		if (err != MAYDAY_OK)
			log_info("cannot open the flash of %s: %s", o.device, mayday_strerror(err));
	}
	if (err == MAYDAY_OK) {
		err = hal_rot_open_role(&rot, o.rot, f, o.role);
		if (err != MAYDAY_OK)
			log_info("cannot open RoT %s: %s", o.rot, mayday_strerror(err));
	}
	if (hello(o.fd, o.role, err) == MAYDAY_OK && err == MAYDAY_OK)
		code = agent_serve_loop(rot, o.fd);
	hal_rot_close(rot);
	hal_flash_close(f);
	close(o.fd);
	return code;
}

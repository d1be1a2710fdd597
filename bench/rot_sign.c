/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RoT call costs (bench/tpm.sh): distress-key signatures per second and
 * the time of one cheap call (a counter read), on a RoT opened directly
 * (this program links every backend) or through mayday-rot-agent, as the
 * static TrE and DCF reach it.
 *
 *   rot_sign DEVICE_DIR SPEC direct|agent AGENT_DIR N
 * prints "SIGNS_PER_S US_PER_COUNTER_READ".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flash.h"
#include "rot.h"
#include "rot_agent.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	struct mayday_signer s;
	uint8_t tbs[200], sig[MAYDAY_ES256_SIG_LEN];
	uint64_t v;
	enum mayday_err rc;
	int n;
	double t0, t_sign, t_read;

	if (argc != 6 || (n = atoi(argv[5])) <= 0) {
		fprintf(stderr, "usage: rot_sign DEVICE_DIR SPEC direct|agent AGENT_DIR N\n");
		return 2;
	}
	rc = hal_flash_open(&f, argv[1], "host");
	if (rc == MAYDAY_OK && strcmp(argv[3], "agent") == 0) {
		struct hal_rot_agent_cmd cmd = { .dir = argv[4], .device_dir = argv[1],
						 .flash_spec = "host" };
		rc = hal_rot_open_agent(&rot, &cmd, argv[2], HAL_ROT_ROLE_DCF);
	} else if (rc == MAYDAY_OK) {
		rc = hal_rot_open_role(&rot, argv[2], f, HAL_ROT_ROLE_DCF);
	}
	if (rc == MAYDAY_OK)
		rc = hal_rot_signer(rot, &s);
	if (rc != MAYDAY_OK) {
		fprintf(stderr, "rot_sign: %s: %s\n", argv[2], mayday_strerror(rc));
		return 1;
	}
	memset(tbs, 0x42, sizeof(tbs));
	t0 = now();
	for (int i = 0; i < n && rc == MAYDAY_OK; i++) {
		tbs[0] = (uint8_t)i;
		rc = s.sign(s.ctx, tbs, sizeof(tbs), sig);
	}
	t_sign = now() - t0;
	t0 = now();
	for (int i = 0; i < 10 * n && rc == MAYDAY_OK; i++)
		rc = hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v);
	t_read = now() - t0;
	hal_rot_close(rot);
	hal_flash_close(f);
	if (rc != MAYDAY_OK) {
		fprintf(stderr, "rot_sign: %s\n", mayday_strerror(rc));
		return 1;
	}
	printf("%.1f %.1f\n", n / t_sign, t_read * 1e6 / (10.0 * n));
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-dcf (dcf_run, in-process) on the tpm2 RoT backend (swtpm): the
 * tls method comes first but nothing listens at its URL, so that attempt
 * fails cleanly and the DCF goes on to plain-udp, where the
 * indication it sends is signed by the TPM's distress key (it verifies
 * with the key provisioning returned) and carries the RoT counter.
 * Nothing answers, so the DCF ends unacknowledged at its deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dcf_run.h"
#include "exit_codes.h"
#include "mayday/evidence.h"
#include "mayday/indication.h"
#include "rot_tpm2_testlib.h"

static void put(struct hal_flash *f, const char *part, const char *name, const void *data,
		size_t len)
{
	assert_int_equal(hal_flash_write_atomic(f, part, name, data, len), MAYDAY_OK);
}

static void tls_falls_back_to_udp(void **state)
{
	struct tpm2_fx *fx = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct hal_flash *pf = NULL;
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH, .n_failed = 1 };
	uint8_t evbuf[MAYDAY_EVIDENCE_MAX], buf[4096];
	size_t evlen = 0;
	char conf[1024];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), n, verified = 0;
	struct dcf_run_opts opts = { .device_dir = fx->flash_dir, .flash_spec = "host",
				     .rot_spec = fx->tpm.spec, .deadline_ms = 1500 };
	struct dcf_stats st;
	ssize_t got;

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);

	/* the DCF partition and the evidence, as provisioning and the TrE leave them */
	assert_int_equal(hal_flash_open_provisioning(&pf, fx->flash_dir, "host"), MAYDAY_OK);
	n = snprintf(conf, sizeof(conf),
		     "[dcf]\nversion = 0.1.0\nproduct_class = femto-test\nmax_image_size = 1048576\n"
		     "[hems]\nmethods = tls,plain-udp\n"
		     "[tls]\nurl = https://127.0.0.1:9/v1/distress\nca = operator-ca.pem\n"
		     "cert = dcf-cert.pem\n"
		     "[udp]\nendpoint = 127.0.0.1:%u\n"
		     "[retry]\ninitial_ms = 40\nmax_ms = 160\nattempt_timeout_ms = 200\n"
		     "deadline_ms = 8000\n", ntohs(sin.sin_port));
	put(pf, HAL_PART_DCF, "dcf.conf", conf, (size_t)n);
	/* read before the key is asked for; never parsed, the attempt ends first */
	put(pf, HAL_PART_DCF, "operator-ca.pem", "CA\n", 3);
	put(pf, HAL_PART_DCF, "dcf-cert.pem", "CERT\n", 5);
	strcpy(ev.image_version, "1.0.0");
	strcpy(ev.failed[0].name, "comp-0.bin");
	ev.failed[0].flags = MAYDAY_COMP_DIGEST_MISMATCH;
	assert_int_equal(mayday_evidence_encode(&ev, evbuf, sizeof(evbuf), &evlen), MAYDAY_OK);
	put(pf, HAL_PART_RUN, "evidence.cbor", evbuf, evlen);
	hal_flash_close(pf);

	/* the PCR as the TrE leaves it for the DCF: the TPM admits the distress
	 * key, the PRK and the message counter in no other state */
	tpm2_fx_enter_dcf(fx, ev.reason);
	assert_int_equal(dcf_run(&opts, &st), MAYDAY_EXIT_DCF_UNACKED);
	while ((got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct mayday_cose_sign1 msg;
		struct mayday_indication ind;
		struct mayday_diag diag;

		assert_int_equal(mayday_indication_open(buf, (size_t)got, &msg, &ind, &diag),
				 MAYDAY_OK);
		assert_int_equal(mayday_cose_sign1_verify(&msg, fx->distress_pub), MAYDAY_OK);
		assert_int_equal(ind.transport, MAYDAY_TRANSPORT_PLAIN_UDP);
		assert_string_equal(ind.device_id, TPM2_FX_DEVICE_ID);
		assert_true(ind.counter >= 1);
		verified++;
	}
	close(fd);
	assert_true(verified >= 1);
	printf("dcf on tpm2: tls failed (nothing listens), %d indication(s) over plain-udp, "
	       "each signed in the TPM\n", verified);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tls_falls_back_to_udp, tpm2_fx_setup,
						tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

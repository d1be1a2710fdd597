/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process exit codes of the device programs. The simulation harness (demo,
 * integration tests) reads them as a real board would read a reset reason.
 *
 *   mayday-boot execs the program it chose, so its exit status is that
 *   program's, except for the TrE halts below, where nothing is started and
 *   nothing is claimed to the network.
 */
#ifndef MAYDAY_EXIT_CODES_H
#define MAYDAY_EXIT_CODES_H

enum mayday_exit {
	MAYDAY_EXIT_NORMAL_OK      = 0,  /* normal code ran and reported healthy */
	/* DCF: acknowledged -- an authenticated ack said the H(e)MS verified
	 * the indication's signature and stored it */
	MAYDAY_EXIT_DCF_ACKED      = 10,
	MAYDAY_EXIT_DCF_UNACKED    = 11, /* DCF: deadline (if one is set) passed without any usable answer */
	MAYDAY_EXIT_DCF_CONFIG     = 12, /* DCF: own config/credentials unusable */
	MAYDAY_EXIT_REBOOT         = 13, /* device asks to be rebooted (harness runs mayday-boot again) */
	/* DCF: deadline passed; answers came, but never an acknowledgement:
	 * only acks that failed authentication, said stored-unverified (the
	 * H(e)MS could not verify what reached it: tampering on the path, or
	 * keys out of step) or rejected. Each was a failed attempt; the DCF
	 * went on trying until the deadline. */
	MAYDAY_EXIT_DCF_NOT_STORED = 14,
	/* DCF: an authenticated ack of a verified and stored indication said
	 * "stand down" (action 4): the network has the report and takes it from
	 * here; no more announcements until the next boot. The harness does not
	 * restart the DCF on this code. */
	MAYDAY_EXIT_DCF_STAND_DOWN = 15,
	MAYDAY_EXIT_HALT_ROT       = 20, /* TrE halt: RoT unreadable or inconsistent */
	MAYDAY_EXIT_HALT_DCF       = 21, /* TrE halt: DCF partition missing or fails verification */
	MAYDAY_EXIT_HALT_INTERNAL  = 22, /* TrE halt: usage error or internal failure */
	/* TrE halt: verified normal code could not be executed after the
	 * device credentials were released (fexecve failed); the register was
	 * moved on with the failure, and the DCF is not started in this power
	 * cycle (device/boot/README.md, "Hand-over and exit status") */
	MAYDAY_EXIT_HALT_EXEC      = 23,
	MAYDAY_EXIT_NORMAL_FAILED  = 30  /* normal code started but reported failure */
};

#endif

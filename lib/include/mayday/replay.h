/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Anti-replay window over a per-device message counter (the partial IV of
 * the PSK method, docs/protocol.md §12.6). Pure logic: no I/O, no clock, no
 * allocation; the caller persists the 16-byte state with its device record.
 *
 * The window remembers the highest counter accepted and, in a 64-bit
 * bitmap, which of the 64 counters highest, highest-1, ..., highest-63 were
 * accepted (bit i <-> counter highest - i). A counter is acceptable when it
 * is above highest, or within the window and not yet accepted. Anything 64
 * or more below highest is rejected as too old, whether or not it was ever
 * seen: after a big jump the window forgets what lies behind it. Counter 0
 * is never acceptable (RoT counters start at 1), so the zero state
 * MAYDAY_REPLAY_WINDOW_INIT is a fresh window.
 *
 * Check and update are separate so a server can check before the work,
 * and update only once the record has committed: a failed commit leaves
 * the counter acceptable for the retransmission. The caller serialises
 * check/update per device.
 */
#ifndef MAYDAY_REPLAY_H
#define MAYDAY_REPLAY_H

#include <stdint.h>

#include "mayday/error.h"

#define MAYDAY_REPLAY_WINDOW 64

struct mayday_replay_window {
	uint64_t highest;  /* highest accepted counter; 0: none yet */
	uint64_t bitmap;   /* bit i set: counter highest - i accepted */
};

#define MAYDAY_REPLAY_WINDOW_INIT { 0, 0 }

/* MAYDAY_OK if `counter` may be accepted; MAYDAY_E_REPLAY if it is 0, was
 * already accepted, or lies MAYDAY_REPLAY_WINDOW or more below the highest.
 * MAYDAY_E_INVALID if w is NULL. Does not change the window. */
MAYDAY_NODISCARD enum mayday_err
mayday_replay_check(const struct mayday_replay_window *w, uint64_t counter);

/* Record `counter` as accepted. MAYDAY_E_REPLAY (and no change) if
 * mayday_replay_check would reject it, e.g. a concurrent update got there
 * first; MAYDAY_E_INVALID if w is NULL. */
MAYDAY_NODISCARD enum mayday_err
mayday_replay_update(struct mayday_replay_window *w, uint64_t counter);

#endif

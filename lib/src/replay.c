/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sliding anti-replay window (design: replay.h). The bitmap is anchored at
 * the highest counter, so a new highest shifts it left by the jump; a jump
 * of 64 or more clears it. Differences are taken only as highest - counter
 * with counter <= highest, so nothing wraps, up to UINT64_MAX.
 */
#include "mayday/replay.h"

enum mayday_err mayday_replay_check(const struct mayday_replay_window *w, uint64_t counter)
{
	uint64_t behind;

	if (!w)
		return MAYDAY_E_INVALID;
	if (counter == 0)
		return MAYDAY_E_REPLAY;
	if (counter > w->highest)
		return MAYDAY_OK;
	behind = w->highest - counter;
	if (behind >= MAYDAY_REPLAY_WINDOW)
		return MAYDAY_E_REPLAY;
	if (w->bitmap & (UINT64_C(1) << behind))
		return MAYDAY_E_REPLAY;
	return MAYDAY_OK;
}

enum mayday_err mayday_replay_update(struct mayday_replay_window *w, uint64_t counter)
{
	enum mayday_err err = mayday_replay_check(w, counter);
	uint64_t jump;

	if (err)
		return err;
	if (counter <= w->highest) {
		w->bitmap |= UINT64_C(1) << (w->highest - counter);
		return MAYDAY_OK;
	}
	jump = counter - w->highest;
	w->bitmap = jump >= MAYDAY_REPLAY_WINDOW ? 0 : w->bitmap << jump;
	w->bitmap |= 1;
	w->highest = counter;
	return MAYDAY_OK;
}

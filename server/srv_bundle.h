/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /bundles/<token> (issue 4): the golden bundle of one remediation
 * attempt, for the device it was issued to only. A token serves one
 * download (store_remed_take_token marks it used).
 */
#ifndef MAYDAY_SRV_BUNDLE_H
#define MAYDAY_SRV_BUNDLE_H

#include <stdint.h>

#include "mayday/error.h"
#include "store.h"

/*
 * The bundle for `token` (the path after /bundles/) asked for over the
 * channel of `identity` (the mTLS CN): an open read-only descriptor (the
 * caller's, close it or hand it to evbuffer_add_file) and its size, which
 * is the FileSize the Download announced. Errors: MAYDAY_E_NOTFOUND (not a
 * token, unknown, used, or its attempt is over: 404), MAYDAY_E_MISMATCH
 * (issued to another device: 403; the token stays valid), MAYDAY_E_IO (the
 * file is gone or changed size since the Download: 500), store errors.
 */
MAYDAY_NODISCARD enum mayday_err srv_bundle_open(struct store *st, const char *token,
						 const char *identity, int *fd, uint64_t *size);

#endif

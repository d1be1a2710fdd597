/* SPDX-License-Identifier: Apache-2.0 */
/* Bundle download by token (srv_bundle.h): the token's syntax is checked
 * before the store is asked, the file is opened and its size compared with
 * what the attempt recorded, so a device never gets bytes it was not told
 * to expect. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srv_acs_session.h"
#include "srv_bundle.h"
#include "store_remed.h"

static bool token_ok(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");
	return n == SRV_ACS_TOKEN_LEN && t[n] == '\0';
}

enum mayday_err srv_bundle_open(struct store *st, const char *token, const char *identity,
				int *fd, uint64_t *size)
{
	struct store_remed_attempt a;
	struct stat sb;
	*fd = -1;
	*size = 0;
	if (!token_ok(token))
		return MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_remed_take_token(st, token, identity, &a);
	if (err != MAYDAY_OK)
		return err;
	int f = open(a.bundle, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return MAYDAY_E_IO;
	if (fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != a.bundle_size) {
		close(f);
		return MAYDAY_E_IO;
	}
	*fd = f;
	*size = a.bundle_size;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What the device reports about itself (see cpe_info.h). */
#include "cpe_info.h"

#include <sys/statvfs.h>

uint64_t cpe_info_free_space(const char *dir)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) != 0)
		return 0;
	return (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What `show` and `indications` share (ctl_show.c). */
#ifndef MAYDAY_CTL_SHOW_H
#define MAYDAY_CTL_SHOW_H

#include "ctl.h"

/* One indication of the API as show's text block; `device` (NULL: left
 * out) names the device on its first line, for lists of many devices. */
void ctl_show_indication(const json_t *r, const char *device);
/* Every page of an indications list at `path` (no query yet) appended to
 * the array `into`. */
int ctl_show_pages(struct ctl *c, const char *path, json_t *into);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs a RoT unit test through mayday-rot-agent: linked with
 * -Wl,--wrap=hal_rot_open_role,--wrap=hal_rot_open (tests/unit/hal.cmake,
 * the *_agent variants), every RoT the test opens is opened by a real agent
 * process on the same device directory and reached over the agent protocol
 * (device/hal/rot_agent.h). The test's assertions are unchanged: what holds
 * for the backend directly must hold through the agent. The agent opens the
 * test's flash spec, so fault injection by spec (a flipped bit) reaches it;
 * power-cut tests, which count the test process's own flash operations,
 * are skipped (ROT_VIA_AGENT_SKIP, a cmocka skip pattern).
 */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flash.h"
#include "rot.h"
#include "rot_agent.h"

enum mayday_err __real_hal_rot_open_role(struct hal_rot **out, const char *spec,
					 struct hal_flash *flash, enum hal_rot_role role);
enum mayday_err __wrap_hal_rot_open_role(struct hal_rot **out, const char *spec,
					 struct hal_flash *flash, enum hal_rot_role role);
enum mayday_err __wrap_hal_rot_open(struct hal_rot **out, const char *spec,
				    struct hal_flash *flash);

enum mayday_err __wrap_hal_rot_open_role(struct hal_rot **out, const char *spec,
					 struct hal_flash *flash, enum hal_rot_role role)
{
	struct hal_rot_agent_cmd cmd = { .dir = MAYDAY_ROT_AGENT_DIR, .from_dir = false };

	if (out == NULL || flash == NULL)
		return __real_hal_rot_open_role(out, spec, flash, role);
	cmd.device_dir = hal_flash_device_dir(flash);
	cmd.flash_spec = hal_flash_spec(flash); /* a flipped bit is flipped there too */
	return hal_rot_open_agent(out, &cmd, spec, role);
}

enum mayday_err __wrap_hal_rot_open(struct hal_rot **out, const char *spec,
				    struct hal_flash *flash)
{
	return __wrap_hal_rot_open_role(out, spec, flash, HAL_ROT_ROLE_DCF);
}

__attribute__((constructor)) static void rot_via_agent_skip(void)
{
	const char *skip = getenv("ROT_VIA_AGENT_SKIP");

	if (skip != NULL && skip[0] != '\0')
		cmocka_set_skip_filter(skip);
}

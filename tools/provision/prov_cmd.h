/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-provision's subcommands, one file each. argv[0] is the subcommand
 * name; each returns an enum prov_exit and reports its own errors once. */
#ifndef MAYDAY_PROV_CMD_H
#define MAYDAY_PROV_CMD_H

int prov_init_main(int argc, char **argv);    /* prov_init.c */
int prov_device_main(int argc, char **argv);  /* prov_device.c */
int prov_tamper_main(int argc, char **argv);  /* prov_tamper.c */
int prov_dcf_conf_main(int argc, char **argv); /* prov_dcf_conf.c */
int prov_bundle_main(int argc, char **argv);  /* prov_bundle.c */
/* `bundle info` and `bundle verify` (argv[0] is "info" or "verify"). */
int prov_bundle_inspect_main(int argc, char **argv); /* prov_bundle_inspect.c */
int prov_revoke_main(int argc, char **argv);  /* prov_revoke.c */

#endif

/* Devices and the Intel 8237A in scenarios (devices.c). */
#ifndef DMASIM_CLI_DEVICES_H
#define DMASIM_CLI_DEVICES_H

#include <stdio.h>

#include "dmasim/dmasim.h"
#include "load.h"

struct cli_system;

/* devices.N.kind parsed (the library's message at the key otherwise). Returns 0 or -1. */
int cli_device_kind(const scn_file *f, unsigned i, dmasim_device_kind *kind);
/* devices.N's config: its preset, then the keys it gives. Returns 0 or -1 (unknown preset). */
int cli_disk_config(const scn_file *f, unsigned i, dmasim_disk_config *cfg);
int cli_audio_config(const scn_file *f, unsigned i, dmasim_audio_config *cfg);
int cli_nic_config(const scn_file *f, unsigned i, dmasim_nic_config *cfg);

/* Checks of `i8237` and `devices` (from scn_validate). Returns 0 or -1 after printing. */
int cli_devices_validate(const scn_file *f);

/* Create the 8237A and the devices, attach them and program their channels. */
int sys_devices_build(struct cli_system *s);
/* Free what the devices' drivers allocated (after dmasim_sim_destroy). */
void sys_devices_free(struct cli_system *s);
/* A device still busy at the end of the run is an error. */
int sys_devices_check_finished(const struct cli_system *s);
/* Compare each disk command's memory with the disk's sectors (verify: true); print the first
 * failure when `print`. Returns 0 or -1. */
int sys_devices_verify(struct cli_system *s, int print);
/* The name of the device on a channel of `dmac`, or NULL. */
const char *sys_device_on_dmac_channel(const struct cli_system *s, unsigned ch);
/* The summary's lines of the 8237A and of each device. */
void report_devices(FILE *out, const struct cli_system *s);

#endif

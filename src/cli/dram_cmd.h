/* `dmasim dram`: the DRAM model standalone (dram_cmd.c, docs/dram.md). */
#ifndef DMASIM_CLI_DRAM_CMD_H
#define DMASIM_CLI_DRAM_CMD_H

/* Run `dmasim dram` with the arguments after the command name. Returns the exit status
 * (CLI_OK, CLI_FAIL or CLI_USAGE). */
int cli_dram(int argc, char **argv);

#endif

/* The `dmasim` command line: options, and the run and compare commands.
 *
 * Exit statuses: 0 success; 1 a bad scenario, a failed run or a failed verification; 2 a
 * usage error (the usage is printed).
 */
#ifndef DMASIM_CLI_CLI_H
#define DMASIM_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "load.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_opts {
    const char *command;    /* "run" or "compare" */
    const char *scenario;
    const char **sets;      /* "path=value", in order (--reference adds reference=true) */
    size_t nsets;
    const char *stats_json; /* run */
    const char *resolved;   /* run */
    const char *vcd;        /* run: VCD of every signal (gzip if it ends in .gz) */
    const char *timeline;   /* run: transaction timeline, trace-event JSON */
    const char *csv;        /* compare */
} cli_opts;

/* Parse the arguments after the command name. Returns CLI_OK or CLI_USAGE (message printed). */
int cli_parse(int argc, char **argv, const char *command, cli_opts *o);
void cli_opts_free(cli_opts *o);
void cli_usage(FILE *out);

/* Load the scenario, apply the --set overrides, resolve and check it. Returns 0 or -1 (the
 * error is printed); on -1 nothing needs freeing. */
int cli_load(scn_file *f, const cli_opts *o);

int cli_run(const cli_opts *o);
int cli_compare(const cli_opts *o);

#endif

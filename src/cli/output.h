/* Output files: statistics JSON, the resolved scenario, compare's CSV.
 *
 * Each is written to FILE.tmp and renamed to FILE only when every output of the run has been
 * written, so a failed run (or a failed write) leaves no output file behind.
 */
#ifndef DMASIM_CLI_OUTPUT_H
#define DMASIM_CLI_OUTPUT_H

#include <stdio.h>

#include "build.h"

typedef int (*out_writer)(FILE *fp, const void *ctx);

typedef struct out_file {
    const char *path; /* NULL: not requested */
    char *tmp;        /* PATH.tmp once written */
    out_writer write;
    const void *ctx;
} out_file;

/* Write every requested file to its .tmp, then rename them all. On any failure, remove the
 * .tmp files, print the error and return -1. */
int out_commit_all(out_file *files, size_t n);

/* Writers. */
int out_stats_json(FILE *fp, const void *system);  /* const cli_system * */
int out_resolved(FILE *fp, const void *file);      /* const scn_file * */

#endif

/* Output files: statistics JSON, the resolved scenario, compare's CSV, the traces.
 *
 * Each is written to FILE.tmp and renamed to FILE only when every output of the run has been
 * written, so a failed run (or a failed write) leaves no output file behind. The traces (VCD,
 * timeline) are written during the run by the library: their FILE.tmp is already there when
 * the outputs are committed (write is NULL, tmp set).
 */
#ifndef DMASIM_CLI_OUTPUT_H
#define DMASIM_CLI_OUTPUT_H

#include <stdio.h>

#include "build.h"

typedef int (*out_writer)(FILE *fp, const void *ctx);

typedef struct out_file {
    const char *path; /* NULL: not requested */
    char *tmp;        /* PATH.tmp once written (malloc'd; freed by out_commit_all) */
    out_writer write; /* NULL: tmp is already written */
    const void *ctx;
} out_file;

/* "PATH.tmp", malloc'd; NULL (message printed) when out of memory. */
char *out_tmp_path(const char *path);

/* Write every requested file to its .tmp, then rename them all. On any failure, remove the
 * .tmp files, print the error and return -1. */
int out_commit_all(out_file *files, size_t n);

/* Writers. */
int out_stats_json(FILE *fp, const void *system);  /* const cli_system * */
int out_resolved(FILE *fp, const void *file);      /* const scn_file * */

#endif

/* What a run reports: the readable summary, the statistics as JSON, and the per-run numbers
 * that `compare` puts in its table. */
#ifndef DMASIM_CLI_REPORT_H
#define DMASIM_CLI_REPORT_H

#include <stdio.h>

#include "build.h"

/* The readable summary of a finished run (time, CPU, D1, DMA channels, bus masters). */
void report_summary(FILE *out, const cli_system *s);

/* Numbers of one finished run, for compare. */
#define REPORT_MAX_MASTERS 8
typedef struct report_row {
    int has_dma;            /* a DMA transfer ran */
    uint64_t dma_cycles;    /* bus cycles: the last-ending transfer's end minus its start */
    int has_cpu;
    uint64_t cpu_cycles;    /* CPU clock */
    uint64_t stall_by_dmac; /* CPU cycles stalled while the DMAC held the bus */
    int nmasters;
    double util[REPORT_MAX_MASTERS]; /* % of elapsed bus cycles owned by each master */
    double idle;                     /* % of elapsed bus cycles with no owner */
} report_row;

void report_collect(const cli_system *s, report_row *row);

/* Statistic by path (0 if it does not exist). */
uint64_t report_stat(const cli_system *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif

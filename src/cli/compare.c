/* `dmasim compare`: the scenario without DMA, then in each DMA mode, in one table.
 *
 * Row "none" drops the DMA jobs and the script's dma_start/dma_wait operations; the other
 * rows set dmac.mode (jobs and operations with a mode of their own keep it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "report.h"

#define NROWS 4
#define MAXCOLS (4 + REPORT_MAX_MASTERS + 1)
#define CELL 40

typedef struct table {
    char cell[NROWS + 1][MAXCOLS][CELL]; /* row 0: header */
    int ncols;
} table;

static const struct {
    const char *label;
    int mode; /* dmasim_dma_mode, or -1 for no DMA */
} rows[NROWS] = {
    {"none", -1},
    {"burst", DMASIM_DMA_BURST},
    {"cycle_stealing", DMASIM_DMA_CYCLE_STEALING},
    {"transparent", DMASIM_DMA_TRANSPARENT},
};

/* Master names in the order build.c adds them: the CPU first, then the DMAC. */
static int master_names(const scenario *scn, const char **names)
{
    int n = 0;

    if (scn->cpu)
        names[n++] = scn->cpu->name;
    names[n++] = scn->dmac->name;
    return n;
}

static void header(table *t, const scenario *scn)
{
    const char *names[2];
    int m, n = master_names(scn, names), c = 0;

    snprintf(t->cell[0][c++], CELL, "mode");
    snprintf(t->cell[0][c++], CELL, "dma_cycles");
    snprintf(t->cell[0][c++], CELL, "cpu_cycles");
    snprintf(t->cell[0][c++], CELL, "stall_by_%.30s", scn->dmac->name);
    for (m = 0; m < n; m++)
        snprintf(t->cell[0][c++], CELL, "%.30s_%%", names[m]);
    snprintf(t->cell[0][c++], CELL, "idle_%%");
    t->ncols = c;
}

static void fill_row(table *t, int r, const char *label, const report_row *row)
{
    char(*cell)[CELL] = t->cell[r];
    int m, c = 0;

    snprintf(cell[c++], CELL, "%s", label);
    if (row->has_dma)
        snprintf(cell[c++], CELL, "%" PRIu64, row->dma_cycles);
    else
        snprintf(cell[c++], CELL, "-");
    if (row->has_cpu) {
        snprintf(cell[c++], CELL, "%" PRIu64, row->cpu_cycles);
        snprintf(cell[c++], CELL, "%" PRIu64, row->stall_by_dmac);
    } else {
        snprintf(cell[c++], CELL, "-");
        snprintf(cell[c++], CELL, "-");
    }
    for (m = 0; m < row->nmasters && c < t->ncols - 1; m++)
        snprintf(cell[c++], CELL, "%.2f", row->util[m]);
    snprintf(cell[t->ncols - 1], CELL, "%.2f", row->idle);
}

static void print_table(FILE *out, const table *t)
{
    size_t width[MAXCOLS] = {0};
    int r, c;

    for (r = 0; r <= NROWS; r++)
        for (c = 0; c < t->ncols; c++)
            if (strlen(t->cell[r][c]) > width[c])
                width[c] = strlen(t->cell[r][c]);
    for (r = 0; r <= NROWS; r++) {
        for (c = 0; c < t->ncols; c++) {
            if (c == 0)
                fprintf(out, "%-*s", (int)width[c], t->cell[r][c]);
            else
                fprintf(out, "  %*s", (int)width[c], t->cell[r][c]);
        }
        fprintf(out, "\n");
    }
}

static int write_csv(FILE *fp, const void *ctx)
{
    const table *t = ctx;
    int r, c;

    for (r = 0; r <= NROWS; r++)
        for (c = 0; c < t->ncols; c++)
            fprintf(fp, "%s%s", t->cell[r][c], c + 1 < t->ncols ? "," : "\n");
    return 0;
}

/* One row: build with the mode (or without DMA), run, verify, collect. */
static int run_row(scn_file *f, int r, report_row *row)
{
    cli_system s;
    int rc = -1;

    if (rows[r].mode >= 0)
        f->scn->dmac->mode = rows[r].mode;
    if (sys_build(&s, f, rows[r].mode < 0 ? (unsigned)BUILD_NO_DMA : 0u) == 0 && sys_run(&s) == 0 &&
        sys_jobs_verify(&s) == 0) {
        report_collect(&s, row);
        rc = 0;
    }
    sys_destroy(&s);
    if (rc)
        fprintf(stderr, "dmasim: compare: row '%s' failed\n", rows[r].label);
    return rc;
}

static int run_rows(scn_file *f, table *t)
{
    report_row row;
    int r;

    header(t, f->scn);
    for (r = 0; r < NROWS; r++) {
        if (run_row(f, r, &row))
            return -1;
        fill_row(t, r + 1, rows[r].label, &row);
    }
    return 0;
}

int cli_compare(const cli_opts *o)
{
    table t;
    scn_file f;
    int rc = CLI_FAIL;

    memset(&t, 0, sizeof(t));
    if (cli_load(&f, o))
        return CLI_FAIL;
    if (!f.scn->dmac) {
        scn_error_at(&f, "", "compare needs a 'dmac'");
    } else if (run_rows(&f, &t) == 0) {
        out_file csv = {o->csv, NULL, write_csv, &t};

        printf("%s: DMA completion in bus cycles, CPU cycles and stalls in CPU cycles, bus ownership in %% of "
               "elapsed bus cycles\n",
               f.scn->name);
        print_table(stdout, &t);
        rc = out_commit_all(&csv, 1) == 0 ? CLI_OK : CLI_FAIL;
    }
    scn_file_free(&f);
    return rc;
}

/* `dmasim run`: load, build, run, verify, summarise, write the outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dmasim/trace.h"
#include "output.h"
#include "report.h"

int cli_load(scn_file *f, const cli_opts *o)
{
    if (scn_file_load(f, o->scenario) || scn_file_apply_sets(f, o->sets, o->nsets) || scn_file_finalize(f)) {
        scn_file_free(f);
        return -1;
    }
    return 0;
}

/* --vcd and --timeline: the library writes them during the run, to FILE.tmp; they are
 * renamed with the other outputs (files[0] the VCD, files[1] the timeline). */
typedef struct run_traces {
    dmasim_trace_vcd *vcd;
    dmasim_trace_timeline *tl;
    out_file files[2];
} run_traces;

/* gzip or not by the final name (the .tmp name does not end in .gz). */
static dmasim_trace_compression compression_of(const char *path)
{
    size_t n = strlen(path);

    return n >= 3 && strcmp(path + n - 3, ".gz") == 0 ? DMASIM_TRACE_GZIP : DMASIM_TRACE_PLAIN;
}

static int trace_error(const cli_system *s, const char *path, int rc)
{
    const char *detail = dmasim_sim_errmsg(s->sim);

    fprintf(stderr, "dmasim: cannot write %s: %s\n", path, detail[0] ? detail : dmasim_strerror(rc));
    return -1;
}

/* After sys_build: open the traces, subscribed to every signal and observing the bus. */
static int traces_open(const cli_opts *o, const cli_system *s, run_traces *t)
{
    int rc;

    memset(t, 0, sizeof(*t));
    t->files[0].path = o->vcd;
    t->files[1].path = o->timeline;
    if (o->vcd) {
        t->files[0].tmp = out_tmp_path(o->vcd);
        if (!t->files[0].tmp)
            return -1;
        rc = dmasim_trace_vcd_open_v2(s->sim, t->files[0].tmp, compression_of(o->vcd), &t->vcd);
        if (!rc && (rc = dmasim_trace_vcd_add_bus(t->vcd, s->bus)) != 0)
            dmasim_trace_vcd_close(t->vcd);
        if (rc) {
            t->vcd = NULL;
            return trace_error(s, t->files[0].tmp, rc);
        }
    }
    if (o->timeline) {
        t->files[1].tmp = out_tmp_path(o->timeline);
        if (!t->files[1].tmp)
            return -1;
        rc = dmasim_trace_timeline_open_v2(s->sim, t->files[1].tmp, compression_of(o->timeline), &t->tl);
        if (!rc && (rc = dmasim_trace_timeline_add_bus(t->tl, s->bus)) != 0)
            dmasim_trace_timeline_close(t->tl);
        if (rc) {
            t->tl = NULL;
            return trace_error(s, t->files[1].tmp, rc);
        }
    }
    return 0;
}

/* Close the traces (after the run: everything written). Returns 0 or -1 (error printed). */
static int traces_close(const cli_system *s, run_traces *t)
{
    int rc = 0, e;

    if (t->vcd) {
        e = dmasim_trace_vcd_close(t->vcd);
        t->vcd = NULL;
        if (e)
            rc = trace_error(s, t->files[0].tmp, e);
    }
    if (t->tl) {
        e = dmasim_trace_timeline_close(t->tl);
        t->tl = NULL;
        if (e && !rc)
            rc = trace_error(s, t->files[1].tmp, e);
    }
    return rc;
}

/* Whatever was not committed: close, remove the .tmp files, free their names. */
static void traces_discard(const cli_system *s, run_traces *t)
{
    size_t i;

    if (s->sim)
        (void)traces_close(s, t);
    for (i = 0; i < 2; i++) {
        if (t->files[i].tmp)
            remove(t->files[i].tmp);
        free(t->files[i].tmp);
        t->files[i].tmp = NULL;
    }
}

static int write_outputs(const cli_opts *o, const cli_system *s, const scn_file *f, run_traces *t)
{
    out_file files[] = {
        {o->stats_json, NULL, out_stats_json, s},
        {o->resolved, NULL, out_resolved, f},
        t->files[0],
        t->files[1],
    };
    int rc = out_commit_all(files, sizeof(files) / sizeof(files[0]));

    t->files[0].tmp = t->files[1].tmp = NULL; /* renamed or removed, and freed */
    return rc;
}

int cli_run(const cli_opts *o)
{
    scn_file f;
    cli_system s;
    run_traces t;
    int rc = CLI_FAIL;

    if (cli_load(&f, o))
        return CLI_FAIL;
    memset(&t, 0, sizeof(t));
    if (sys_build(&s, &f, 0) == 0 && traces_open(o, &s, &t) == 0 && sys_run(&s) == 0 &&
        traces_close(&s, &t) == 0) {
        int verified = sys_jobs_verify(&s) == 0;

        report_summary(stdout, &s);
        fflush(stdout);
        if (verified && write_outputs(o, &s, &f, &t) == 0)
            rc = CLI_OK;
    }
    traces_discard(&s, &t);
    sys_destroy(&s);
    scn_file_free(&f);
    return rc;
}

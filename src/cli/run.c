/* `dmasim run`: load, build, run, verify, summarise, write the outputs. */
#include <stdio.h>

#include "cli.h"
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

static int write_outputs(const cli_opts *o, const cli_system *s, const scn_file *f)
{
    out_file files[] = {
        {o->stats_json, NULL, out_stats_json, s},
        {o->resolved, NULL, out_resolved, f},
    };

    return out_commit_all(files, sizeof(files) / sizeof(files[0]));
}

int cli_run(const cli_opts *o)
{
    scn_file f;
    cli_system s;
    int rc = CLI_FAIL;

    if (cli_load(&f, o))
        return CLI_FAIL;
    if (sys_build(&s, &f, 0) == 0 && sys_run(&s) == 0) {
        int verified = sys_jobs_verify(&s) == 0;

        report_summary(stdout, &s);
        fflush(stdout);
        if (verified && write_outputs(o, &s, &f) == 0)
            rc = CLI_OK;
    }
    sys_destroy(&s);
    scn_file_free(&f);
    return rc;
}

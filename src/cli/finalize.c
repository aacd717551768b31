/* After loading and --set: resolve values that depend on where the file is, then check. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram_cfg.h"
#include "load.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* The trace path is relative to the scenario file's directory; make it absolute so a resolved
 * scenario written anywhere else still finds the trace. A file that does not exist keeps the
 * joined path (validation reports it). */
static int resolve_trace_path(scn_file *f, scn_trace *t)
{
    const char *slash = strrchr(f->path, '/');
    char joined[PATH_MAX], real[PATH_MAX];
    const char *result = joined;
    char *copy;
    int n;

    if (t->path[0] == '/' || !slash)
        n = snprintf(joined, sizeof(joined), "%s", t->path);
    else
        n = snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - f->path), f->path, t->path);
    if (n < 0 || (size_t)n >= sizeof(joined))
        return scn_error_at(f, "cpu.workload.trace.path", "path too long");
    if (realpath(joined, real))
        result = real;
    copy = scn_strdup(result);
    if (!copy) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    scn_mem(NULL, t->path, 0);
    t->path = copy;
    return 0;
}

int scn_file_finalize(scn_file *f)
{
    scenario *s = f->scn;

    if (s->cpu && s->cpu->workload && s->cpu->workload->trace) {
        if (resolve_trace_path(f, s->cpu->workload->trace))
            return -1;
    }
    if (cli_dram_resolve(f))
        return -1;
    return scn_validate(f);
}

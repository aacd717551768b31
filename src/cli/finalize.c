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

/* A trace path (the CPU's, a NIC's packets) is relative to the scenario file's directory; make
 * it absolute so a resolved scenario written anywhere else still finds the trace. A file that
 * does not exist keeps the joined path (validation or the device reports it). */
static int resolve_path(scn_file *f, char **path, const char *key)
{
    const char *slash = strrchr(f->path, '/');
    char joined[PATH_MAX], real[PATH_MAX];
    const char *result = joined;
    char *copy;
    int n;

    if ((*path)[0] == '/' || !slash)
        n = snprintf(joined, sizeof(joined), "%s", *path);
    else
        n = snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - f->path), f->path, *path);
    if (n < 0 || (size_t)n >= sizeof(joined))
        return scn_error_at(f, key, "path too long");
    if (realpath(joined, real))
        result = real;
    copy = scn_strdup(result);
    if (!copy) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    scn_mem(NULL, *path, 0);
    *path = copy;
    return 0;
}

int scn_file_finalize(scn_file *f)
{
    scenario *s = f->scn;

    if (s->cpu && s->cpu->workload && s->cpu->workload->trace) {
        if (resolve_path(f, &s->cpu->workload->trace->path, "cpu.workload.trace.path"))
            return -1;
    }
    for (unsigned i = 0; i < s->devices_count; i++) {
        char key[48];
        scn_nic_receive *r = s->devices[i].receive;
        snprintf(key, sizeof(key), "devices.%u.receive.trace", i);
        if (r && r->trace && resolve_path(f, &r->trace, key))
            return -1;
    }
    if (cli_dram_resolve(f))
        return -1;
    return scn_validate(f);
}

/* Output files, written through FILE.tmp and renamed together (see output.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static void json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

static void json_stat(FILE *fp, const dmasim_stat *st)
{
    json_string(fp, st->path);
    if (st->kind == DMASIM_STAT_U64) {
        fprintf(fp, ": %" PRIu64, *(const uint64_t *)st->value);
    } else {
        double v = *(const double *)st->value;

        if (isfinite(v))
            fprintf(fp, ": %.17g", v);
        else
            fprintf(fp, ": null");
    }
}

int out_stats_json(FILE *fp, const void *system)
{
    const cli_system *s = system;
    size_t i, n;

    dmasim_sim_stats_update(s->sim);
    n = dmasim_sim_stat_count(s->sim);
    fprintf(fp, "{\n  \"scenario\": ");
    json_string(fp, s->file->scn->name);
    fprintf(fp, ",\n  \"seed\": %" PRIu64 ",\n  \"stats\": {", s->file->scn->seed);
    for (i = 0; i < n; i++) {
        fprintf(fp, "%s\n    ", i ? "," : "");
        json_stat(fp, dmasim_sim_stat_at(s->sim, i));
    }
    fprintf(fp, "\n  }\n}\n");
    return 0;
}

int out_resolved(FILE *fp, const void *file)
{
    const scn_file *f = file;
    cyaml_config_t cfg = {.mem_fn = scn_mem, .log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_STYLE_BLOCK};
    char *yaml = NULL;
    size_t len = 0, i;
    cyaml_err_t err;

    err = cyaml_save_data(&yaml, &len, &cfg, &scn_schema, f->scn, 0);
    if (err != CYAML_OK) {
        fprintf(stderr, "dmasim: cannot write the resolved scenario: %s\n", cyaml_strerror(err));
        return -1;
    }
    fprintf(fp, "# Resolved by dmasim %s from %s", dmasim_version_string(), f->path);
    for (i = 0; i < f->set_count; i++)
        fprintf(fp, " --set %s", f->sets[i]);
    fprintf(fp, "\n# (every default filled in; `dmasim run` of this file repeats the run exactly)\n");
    fwrite(yaml, 1, len, fp);
    if (len && yaml[len - 1] != '\n')
        fputc('\n', fp);
    scn_mem(NULL, yaml, 0);
    return 0;
}

char *out_tmp_path(const char *path)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);

    if (!tmp) {
        fprintf(stderr, "dmasim: out of memory\n");
        return NULL;
    }
    snprintf(tmp, n, "%s.tmp", path);
    return tmp;
}

static int write_tmp(out_file *o)
{
    FILE *fp;
    int rc;

    o->tmp = out_tmp_path(o->path);
    if (!o->tmp)
        return -1;
    fp = fopen(o->tmp, "w");
    if (!fp) {
        fprintf(stderr, "dmasim: cannot write %s: %s\n", o->tmp, strerror(errno));
        return -1;
    }
    rc = o->write(fp, o->ctx);
    if (ferror(fp))
        rc = -1;
    if (fclose(fp) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "dmasim: error writing %s\n", o->tmp);
    return rc;
}

static void cleanup(out_file *files, size_t n, int remove_tmp)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (files[i].tmp && remove_tmp)
            remove(files[i].tmp);
        free(files[i].tmp);
        files[i].tmp = NULL;
    }
}

int out_commit_all(out_file *files, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (files[i].path && files[i].write && write_tmp(&files[i])) {
            cleanup(files, n, 1);
            return -1;
        }
    }
    for (i = 0; i < n; i++) {
        if (files[i].tmp && rename(files[i].tmp, files[i].path) != 0) {
            fprintf(stderr, "dmasim: cannot rename %s to %s: %s\n", files[i].tmp, files[i].path, strerror(errno));
            while (i-- > 0) {
                if (files[i].tmp)
                    remove(files[i].path); /* all or nothing */
            }
            cleanup(files, n, 1);
            return -1;
        }
    }
    cleanup(files, n, 0);
    return 0;
}

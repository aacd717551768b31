/* Scenario memory entries of `kind: dram` (dram_cfg.h, docs/scenario.md): a preset and a
 * `dram:` mapping of overrides, resolved into a complete mapping, checked and turned into the
 * library's configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "dram_cfg.h"
#include "load.h"

typedef struct entry_ctx {
    const scn_file *f;
    unsigned index;
    yaml_node_t *map; /* the entry's dram: mapping in the file, or NULL */
} entry_ctx;

/* Did the file's dram: mapping, or a --set memory.N.dram.KEY, write key? */
static int entry_present(void *ctx, const char *key)
{
    entry_ctx *c = ctx;
    char prefix[96];
    int n = snprintf(prefix, sizeof(prefix), "memory.%u.dram.%s=", c->index, key);

    for (size_t i = 0; i < c->f->set_count; i++)
        if (strncmp(c->f->sets[i], prefix, (size_t)n) == 0)
            return 1;
    return c->map && scn_doc_lookup((scn_doc *)&c->f->doc, c->map, key, NULL) != NULL;
}

static int all_present(void *ctx, const char *key)
{
    (void)ctx;
    (void)key;
    return 1;
}

static yaml_node_t *entry_map(const scn_file *f, unsigned i)
{
    scn_doc *doc = (scn_doc *)&f->doc;
    yaml_node_t *mem = scn_doc_lookup(doc, scn_doc_root(doc), "memory", NULL);
    yaml_node_t *entry = mem ? scn_doc_item(doc, mem, i) : NULL;
    yaml_node_t *map = entry ? scn_doc_lookup(doc, entry, "dram", NULL) : NULL;

    return map && map->type == YAML_MAPPING_NODE ? map : NULL;
}

/* Replace a string member with a copy of v (NULL stays NULL). */
static int set_string(char **slot, const char *v)
{
    char *copy = v ? scn_strdup(v) : NULL;

    if (v && !copy)
        return -1;
    scn_mem(NULL, *slot, 0);
    *slot = copy;
    return 0;
}

/* Write every key of cfg into sd. */
static int fill(scn_dram *sd, const dmasim_dram_config *c)
{
    sd->channels = c->channels;
    sd->ranks = c->ranks;
    sd->bankgroups = c->bankgroups;
    sd->banks_per_group = c->banks_per_group;
    sd->rows = c->rows;
    sd->columns = c->columns;
    sd->bus_width = c->bus_width;
    sd->burst_length = c->burst_length;
    sd->tck_ps = c->tck_ps;
    sd->cl = c->cl;
    sd->cwl = c->cwl;
    sd->trcd = c->trcd;
    sd->trp = c->trp;
    sd->trpab = c->trpab;
    sd->tras = c->tras;
    sd->trc = c->trc;
    sd->twr = c->twr;
    sd->twtr_s = c->twtr_s;
    sd->twtr_l = c->twtr_l;
    sd->trtp = c->trtp;
    sd->tccd_s = c->tccd_s;
    sd->tccd_l = c->tccd_l;
    sd->trrd_s = c->trrd_s;
    sd->trrd_l = c->trrd_l;
    sd->tfaw = c->tfaw;
    sd->trfc = c->trfc;
    sd->trefi = c->trefi;
    sd->trtrs = c->trtrs;
    sd->refresh = c->refresh != 0;
    sd->controller_delay = c->controller_delay;
    sd->page_policy = (int)c->page_policy;
    sd->scheduler = (int)c->scheduler;
    sd->queue_depth = c->queue_depth;
    sd->hist_bin_cycles = c->hist_bin_cycles;
    sd->hist_bins = c->hist_bins;
    /* the strings may point into sd itself: copy both before replacing either */
    char source[512] = "", mapping[256] = "";
    int has_source = c->source != NULL;
    if (has_source)
        snprintf(source, sizeof(source), "%s", c->source);
    snprintf(mapping, sizeof(mapping), "%s", c->address_mapping ? c->address_mapping : "");
    if (set_string(&sd->source, has_source ? source : NULL) || set_string(&sd->address_mapping, mapping))
        return -1;
    return 0;
}

int cli_dram_resolve(scn_file *f)
{
    scenario *s = f->scn;

    for (unsigned i = 0; i < s->memory_count; i++) {
        scn_memory *m = &s->memory[i];
        entry_ctx c = {f, i, entry_map(f, i)};
        dmasim_dram_config cfg;
        char err[512], path[64];

        if (m->kind != SCN_MEM_DRAM)
            continue;
        if (!m->dram) {
            m->dram = scn_mem(NULL, NULL, sizeof(*m->dram));
            if (!m->dram) {
                fprintf(stderr, "dmasim: out of memory\n");
                return -1;
            }
            memset(m->dram, 0, sizeof(*m->dram));
        }
        if (scn_dram_config(m->dram, m->preset, entry_present, &c, &cfg, err, sizeof(err))) {
            snprintf(path, sizeof(path), "memory.%u.preset", i);
            return scn_error_at(f, path, "%s", err);
        }
        if (fill(m->dram, &cfg)) {
            fprintf(stderr, "dmasim: out of memory\n");
            return -1;
        }
    }
    return 0;
}

int cli_dram_memory_config(const scn_file *f, unsigned i, dmasim_dram_config *out)
{
    const scn_memory *m = &f->scn->memory[i];
    char err[512], msg[256], path[96], key[64];
    size_t n = 0;

    if (scn_dram_config(m->dram, NULL, all_present, NULL, out, err, sizeof(err)))
        return scn_error_at(f, "memory", "%s", err);
    out->name = m->name;
    out->base = m->base;
    out->size = m->size;
    if (dmasim_dram_config_check(out, msg, sizeof(msg)) == 0)
        return 0;
    while (n + 1 < sizeof(key) && ((msg[n] >= 'a' && msg[n] <= 'z') || (msg[n] >= '0' && msg[n] <= '9') ||
                                   msg[n] == '_'))
        n++;
    memcpy(key, msg, n);
    key[n] = '\0';
    if (strcmp(key, "size") == 0 || strcmp(key, "base") == 0)
        snprintf(path, sizeof(path), "memory.%u.%s", i, key);
    else
        snprintf(path, sizeof(path), "memory.%u.dram.%s", i, key);
    return scn_error_at(f, path, "%s", msg);
}

/* ---- command traces ---- */

typedef struct trace_files {
    FILE **f;
    size_t n;
} trace_files;

int cli_dram_trace_open(cli_system *s, dmasim_dram *d, unsigned i)
{
    const char *path = s->file->scn->memory[i].command_trace;
    trace_files *t = s->dram_traces;
    FILE *f;

    if (!t) {
        t = calloc(1, sizeof(*t));
        if (!t) {
            fprintf(stderr, "dmasim: out of memory\n");
            return -1;
        }
        s->dram_traces = t;
    }
    FILE **grown = realloc(t->f, (t->n + 1) * sizeof(*grown));
    if (!grown) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    t->f = grown;
    f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        char where[64];
        snprintf(where, sizeof(where), "memory.%u.command_trace", i);
        return scn_error_at(s->file, where, "%s: %s", path, strerror(errno));
    }
    t->f[t->n++] = f;
    dmasim_dram_on_command(d, cli_dram_print_command, f);
    return 0;
}

void cli_dram_trace_close(cli_system *s)
{
    trace_files *t = s->dram_traces;

    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (t->f[i] == stdout)
            fflush(stdout);
        else
            fclose(t->f[i]);
    }
    free(t->f);
    free(t);
    s->dram_traces = NULL;
}

/* DRAM configurations in YAML (dram_cfg.h): the schema shared by the scenario's `dram:`
 * mapping and `dmasim dram --config` files, the overlay of written keys on a preset, and the
 * loader of a configuration file with "FILE:LINE:COL" messages. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dram_cfg.h"
#include "locate.h"
#include "path.h"
#include "scenario.h"

#define OPT CYAML_FLAG_OPTIONAL
#define OPT_ENUM (CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT)
#define U32(key) CYAML_FIELD_UINT(#key, OPT, scn_dram, key)

static const cyaml_strval_t page_policy_names[] = {
    {"open", DMASIM_DRAM_OPEN_PAGE},
    {"closed", DMASIM_DRAM_CLOSED_PAGE},
};

static const cyaml_strval_t scheduler_names[] = {
    {"frfcfs", DMASIM_DRAM_FRFCFS},
    {"fcfs", DMASIM_DRAM_FCFS},
};

const cyaml_schema_field_t scn_dram_fields[] = {
    CYAML_FIELD_STRING_PTR("preset", OPT, scn_dram, preset, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("source", OPT, scn_dram, source, 0, CYAML_UNLIMITED),
    U32(channels), U32(ranks), U32(bankgroups), U32(banks_per_group), U32(rows), U32(columns),
    U32(bus_width), U32(burst_length),
    U32(tck_ps), U32(cl), U32(cwl), U32(trcd), U32(trp), U32(trpab), U32(tras), U32(trc), U32(twr),
    U32(twtr_s), U32(twtr_l), U32(trtp), U32(tccd_s), U32(tccd_l), U32(trrd_s), U32(trrd_l), U32(tfaw),
    U32(trfc), U32(trefi), U32(trtrs),
    CYAML_FIELD_BOOL("refresh", OPT, scn_dram, refresh),
    U32(controller_delay),
    CYAML_FIELD_ENUM("page_policy", OPT_ENUM, scn_dram, page_policy, page_policy_names,
                     CYAML_ARRAY_LEN(page_policy_names)),
    CYAML_FIELD_ENUM("scheduler", OPT_ENUM, scn_dram, scheduler, scheduler_names,
                     CYAML_ARRAY_LEN(scheduler_names)),
    U32(queue_depth),
    CYAML_FIELD_STRING_PTR("address_mapping", OPT, scn_dram, address_mapping, 1, CYAML_UNLIMITED),
    U32(hist_bin_cycles), U32(hist_bins),
    CYAML_FIELD_END,
};

/* Where each uint32 key lives in both structs. */
#define MAP(key) {#key, offsetof(scn_dram, key), offsetof(dmasim_dram_config, key)}
static const struct u32map {
    const char *key;
    size_t scn, cfg;
} u32_keys[] = {
    MAP(channels), MAP(ranks), MAP(bankgroups), MAP(banks_per_group), MAP(rows), MAP(columns),
    MAP(bus_width), MAP(burst_length), MAP(tck_ps), MAP(cl), MAP(cwl), MAP(trcd), MAP(trp), MAP(trpab),
    MAP(tras), MAP(trc), MAP(twr), MAP(twtr_s), MAP(twtr_l), MAP(trtp), MAP(tccd_s), MAP(tccd_l),
    MAP(trrd_s), MAP(trrd_l), MAP(tfaw), MAP(trfc), MAP(trefi), MAP(trtrs), MAP(controller_delay),
    MAP(queue_depth), MAP(hist_bin_cycles), MAP(hist_bins),
};
#undef MAP

void scn_dram_preset_list(char *buf, size_t len)
{
    size_t used = 0;
    const char *name;

    buf[0] = '\0';
    for (size_t i = 0; (name = dmasim_dram_preset_name(i)) != NULL && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name);
        if (n > 0)
            used += (size_t)n;
    }
}

int scn_dram_config(const scn_dram *sd, const char *preset, scn_dram_present_fn present, void *ctx,
                    dmasim_dram_config *out, char *err, size_t err_len)
{
    dmasim_dram_config_init(out);
    if (preset && *preset && dmasim_dram_preset(preset, out) != 0) {
        char known[256];

        scn_dram_preset_list(known, sizeof(known));
        snprintf(err, err_len, "unknown DRAM preset '%s' (known: %s)", preset, known);
        return -1;
    }
    for (size_t i = 0; i < sizeof(u32_keys) / sizeof(u32_keys[0]); i++) {
        if (present(ctx, u32_keys[i].key))
            memcpy((char *)out + u32_keys[i].cfg, (const char *)sd + u32_keys[i].scn, sizeof(uint32_t));
    }
    if (present(ctx, "source"))
        out->source = sd->source;
    if (present(ctx, "refresh"))
        out->refresh = sd->refresh;
    if (present(ctx, "page_policy"))
        out->page_policy = (dmasim_dram_page_policy)sd->page_policy;
    if (present(ctx, "scheduler"))
        out->scheduler = (dmasim_dram_scheduler)sd->scheduler;
    if (present(ctx, "address_mapping"))
        out->address_mapping = sd->address_mapping;
    return 0;
}

void scn_dram_free_strings(scn_dram *sd)
{
    scn_mem(NULL, sd->preset, 0);
    scn_mem(NULL, sd->source, 0);
    scn_mem(NULL, sd->address_mapping, 0);
    sd->preset = sd->source = sd->address_mapping = NULL;
}

/* One command per line: "CYCLE CMD chC raR [bgG baB row R [col C]]". */
void cli_dram_print_command(void *ud, const dmasim_dram_command *c)
{
    FILE *f = ud;
    const char *name = dmasim_dram_cmd_name(c->cmd);

    switch (c->cmd) {
    case DMASIM_DRAM_PREA:
    case DMASIM_DRAM_REF:
        fprintf(f, "%10" PRIu64 " %-4s ch%u ra%u\n", c->cycle, name, c->channel, c->rank);
        break;
    case DMASIM_DRAM_ACT:
    case DMASIM_DRAM_PRE:
        fprintf(f, "%10" PRIu64 " %-4s ch%u ra%u bg%u ba%u row %u\n", c->cycle, name, c->channel, c->rank,
                c->bankgroup, c->bank, c->row);
        break;
    default:
        fprintf(f, "%10" PRIu64 " %-4s ch%u ra%u bg%u ba%u row %u col %u\n", c->cycle, name, c->channel, c->rank,
                c->bankgroup, c->bank, c->row, c->column);
        break;
    }
}

/* ---- configuration files ------------------------------------------------------------------ */

typedef struct file_ctx {
    const char *path;
    scn_doc doc;
    yaml_node_t *root;
    const char *const *sets;
    size_t nsets;
} file_ctx;

static const cyaml_schema_field_t *field_of(const char *key)
{
    for (const cyaml_schema_field_t *f = scn_dram_fields; f->key; f++)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

static int set_has(const file_ctx *c, const char *key)
{
    size_t n = strlen(key);

    for (size_t i = 0; i < c->nsets; i++)
        if (strncmp(c->sets[i], key, n) == 0 && c->sets[i][n] == '=')
            return 1;
    return 0;
}

static int file_present(void *ctx, const char *key)
{
    file_ctx *c = ctx;

    return set_has(c, key) || scn_doc_lookup(&c->doc, c->root, key, NULL) != NULL;
}

static void file_keys(char *buf, size_t len)
{
    static const cyaml_schema_value_t mapping = {
        CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, scn_dram, scn_dram_fields),
    };

    scn_schema_keys(&mapping, buf, len);
}

/* Store one "key: value" of the file (or a --set) into sd. */
static int store(scn_dram *sd, const char *key, const char *text, char *err, size_t err_len)
{
    const cyaml_schema_field_t *f = field_of(key);
    char known[600];

    if (!f) {
        file_keys(known, sizeof(known));
        snprintf(err, err_len, "unknown key '%s' (known: %s)", key, known);
        return -1;
    }
    scn_leaf leaf = {&f->value, (char *)sd + f->data_offset};
    return scn_leaf_parse(&leaf, text, err, err_len);
}

/* Read every key of the file's top-level mapping into sd. */
static int read_file_keys(file_ctx *c, scn_dram *sd)
{
    char err[800];

    if (!c->root || c->root->type != YAML_MAPPING_NODE) {
        scn_pos p = c->root ? scn_node_pos(c->root) : (scn_pos){1, 1};

        fprintf(stderr, "%s:%u:%u: a DRAM configuration is a mapping of keys (see models/dram/*.yaml)\n", c->path,
                p.line, p.col);
        return -1;
    }
    for (yaml_node_pair_t *pr = c->root->data.mapping.pairs.start; pr < c->root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(&c->doc.doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(&c->doc.doc, pr->value);
        const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        scn_pos kp = scn_node_pos(k), vp = scn_node_pos(v);

        for (yaml_node_pair_t *q = c->root->data.mapping.pairs.start; q < pr; q++) {
            yaml_node_t *k2 = yaml_document_get_node(&c->doc.doc, q->key);
            if (k2 && k2->type == YAML_SCALAR_NODE && strcmp((const char *)k2->data.scalar.value, key) == 0) {
                fprintf(stderr, "%s:%u:%u: duplicate key '%s'\n", c->path, kp.line, kp.col, key);
                return -1;
            }
        }
        if (!v || v->type != YAML_SCALAR_NODE) {
            fprintf(stderr, "%s:%u:%u: %s: expected a scalar value\n", c->path, vp.line, vp.col, key);
            return -1;
        }
        if (store(sd, key, (const char *)v->data.scalar.value, err, sizeof(err))) {
            scn_pos p = field_of(key) ? vp : kp;
            fprintf(stderr, "%s:%u:%u: %s%s%s\n", c->path, p.line, p.col, field_of(key) ? key : "",
                    field_of(key) ? ": " : "", err);
            return -1;
        }
    }
    return 0;
}

static int apply_sets(const char *const *sets, size_t n, scn_dram *sd)
{
    char key[64], err[800];

    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(sets[i], '=');

        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(key)) {
            fprintf(stderr, "dmasim dram: --set %s: expected key=value (e.g. cl=18)\n", sets[i]);
            return -1;
        }
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = '\0';
        if (store(sd, key, eq + 1, err, sizeof(err))) {
            fprintf(stderr, "dmasim dram: --set %s: %s\n", sets[i], err);
            return -1;
        }
    }
    return 0;
}

/* The parameter a dmasim_dram_config_check() message starts with ("tras (60) > ..."). */
static void message_key(const char *msg, char *key, size_t len)
{
    size_t n = 0;

    while (msg[n] && (islower((unsigned char)msg[n]) || isdigit((unsigned char)msg[n]) || msg[n] == '_') &&
           n + 1 < len)
        n++;
    memcpy(key, msg, n);
    key[n] = '\0';
}

/* Check the configuration; on error print it at the key it names (a --set, the key in the
 * file, the file's preset, or the file itself). */
static int check(const file_ctx *c, const dmasim_dram_config *cfg, const char *what)
{
    char msg[256], key[64];

    if (dmasim_dram_config_check(cfg, msg, sizeof(msg)) == 0)
        return 0;
    message_key(msg, key, sizeof(key));
    for (size_t i = c->nsets; *key && i-- > 0;) { /* the last --set of that key */
        size_t n = strlen(key);
        if (strncmp(c->sets[i], key, n) == 0 && c->sets[i][n] == '=') {
            fprintf(stderr, "dmasim dram: --set %s: %s\n", c->sets[i], msg);
            return -1;
        }
    }
    yaml_node_t *k = NULL, *v = c->root ? scn_doc_lookup((scn_doc *)&c->doc, c->root, key, &k) : NULL;
    if (!v && c->root)
        v = scn_doc_lookup((scn_doc *)&c->doc, c->root, "preset", &k);
    if (v) {
        scn_pos p = scn_node_pos(v);
        fprintf(stderr, "%s:%u:%u: %s\n", c->path, p.line, p.col, msg);
    } else {
        fprintf(stderr, "%s: %s\n", what, msg);
    }
    return -1;
}

int cli_dram_load_file(const char *path, const char *const *sets, size_t nsets, scn_dram *sd,
                       dmasim_dram_config *out)
{
    file_ctx c = {.path = path, .sets = sets, .nsets = nsets};
    char err[512];
    scn_pos pos;
    int rc = -1;

    memset(sd, 0, sizeof(*sd));
    if (scn_doc_load(&c.doc, path, &pos, err, sizeof(err))) {
        if (pos.line)
            fprintf(stderr, "%s:%u:%u: %s\n", path, pos.line, pos.col, err);
        else
            fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    c.root = scn_doc_root(&c.doc);
    if (read_file_keys(&c, sd) == 0 && apply_sets(sets, nsets, sd) == 0) {
        if (scn_dram_config(sd, sd->preset, file_present, &c, out, err, sizeof(err))) {
            yaml_node_t *v = scn_doc_lookup(&c.doc, c.root, "preset", NULL);
            scn_pos p = v ? scn_node_pos(v) : (scn_pos){1, 1};
            fprintf(stderr, "%s:%u:%u: preset: %s\n", path, p.line, p.col, err);
        } else {
            rc = check(&c, out, path);
        }
    }
    scn_doc_free(&c.doc);
    return rc;
}

static int set_present(void *ctx, const char *key) { return set_has(ctx, key); }

int cli_dram_load_preset(const char *name, const char *const *sets, size_t nsets, scn_dram *sd,
                         dmasim_dram_config *out)
{
    file_ctx c = {.path = "--preset", .sets = sets, .nsets = nsets};
    char err[512];

    memset(sd, 0, sizeof(*sd));
    if (apply_sets(sets, nsets, sd))
        return -1;
    if (scn_dram_config(sd, name, set_present, &c, out, err, sizeof(err))) {
        fprintf(stderr, "dmasim dram: --preset %s: %s\n", name, err);
        return -1;
    }
    return check(&c, out, "dmasim dram");
}

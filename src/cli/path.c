/* Dotted paths through the libcyaml schema, and scalar parsing (see path.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path.h"

/* Where a walk stands: a schema value and, unless walking the schema alone, the address of
 * its storage. A sequence also carries its entry count (stored in the parent mapping). */
typedef struct walk_state {
    const cyaml_schema_value_t *schema;
    void *data;
    uint64_t count;
    char err[640];
} walk_state;

uint64_t scn_load_uint(const void *data, uint32_t size)
{
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, data, 1); return v; }
    case 2: { uint16_t v; memcpy(&v, data, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, data, 4); return v; }
    default: { uint64_t v; memcpy(&v, data, 8); return v; }
    }
}

void scn_store_uint(void *data, uint32_t size, uint64_t v)
{
    uint8_t v8 = (uint8_t)v;
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;

    switch (size) {
    case 1: memcpy(data, &v8, 1); break;
    case 2: memcpy(data, &v16, 2); break;
    case 4: memcpy(data, &v32, 4); break;
    default: memcpy(data, &v, 8); break;
    }
}

void scn_schema_keys(const cyaml_schema_value_t *schema, char *buf, size_t len)
{
    const cyaml_schema_field_t *f;
    size_t used = 0;

    buf[0] = '\0';
    if (!schema || schema->type != CYAML_MAPPING)
        return;
    for (f = schema->mapping.fields; f->key && used < len; f++) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", f->key);

        if (n < 0)
            return;
        used += (size_t)n;
    }
}

static uint64_t uint_max(uint32_t size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static int64_t int_max(uint32_t size)
{
    return size >= 8 ? INT64_MAX : (int64_t)((UINT64_C(1) << (size * 8 - 1)) - 1);
}

static void describe_enum(const cyaml_schema_value_t *schema, char *buf, size_t len)
{
    size_t used = 0;
    uint32_t i;

    buf[0] = '\0';
    for (i = 0; i < schema->enumeration.count && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "one of: ",
                         schema->enumeration.strings[i].str);

        if (n < 0)
            return;
        used += (size_t)n;
    }
}

void scn_schema_describe(const cyaml_schema_value_t *schema, char *buf, size_t len)
{
    switch (schema->type) {
    case CYAML_UINT:
        snprintf(buf, len, "an unsigned integer (0..%" PRIu64 ")", uint_max(schema->data_size));
        break;
    case CYAML_INT:
        snprintf(buf, len, "an integer (%" PRId64 "..%" PRId64 ")", -int_max(schema->data_size) - 1,
                 int_max(schema->data_size));
        break;
    case CYAML_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case CYAML_ENUM:
        describe_enum(schema, buf, len);
        break;
    case CYAML_STRING:
        snprintf(buf, len, "a non-empty string");
        break;
    case CYAML_MAPPING:
        snprintf(buf, len, "a mapping");
        break;
    case CYAML_SEQUENCE:
        snprintf(buf, len, "a sequence");
        break;
    default:
        snprintf(buf, len, "a value");
        break;
    }
}

/* ---- walking ------------------------------------------------------------------------------ */

static int step_mapping(walk_state *w, const char *comp, const char *path, size_t at)
{
    const cyaml_schema_field_t *f;
    char keys[400];

    if (w->data && (w->schema->flags & CYAML_FLAG_POINTER)) {
        w->data = *(void **)w->data;
        if (!w->data) {
            snprintf(w->err, sizeof(w->err), "'%.*s' is not present in the scenario",
                     (int)(at ? at - 1 : 0), path);
            return -1;
        }
    }
    for (f = w->schema->mapping.fields; f->key; f++) {
        if (strcmp(f->key, comp) != 0)
            continue;
        if (w->data && f->value.type == CYAML_SEQUENCE)
            w->count = scn_load_uint((char *)w->data + f->count_offset, f->count_size);
        w->schema = &f->value;
        if (w->data)
            w->data = (char *)w->data + f->data_offset;
        return 0;
    }
    scn_schema_keys(w->schema, keys, sizeof(keys));
    snprintf(w->err, sizeof(w->err), "unknown key '%s' in '%s' (known: %s)", comp, path, keys);
    return -1;
}

static int step_sequence(walk_state *w, const char *comp, const char *path)
{
    const cyaml_schema_value_t *entry = w->schema->sequence.entry;
    unsigned long long i;
    char *end;

    errno = 0;
    i = strtoull(comp, &end, 10);
    if (comp[0] < '0' || comp[0] > '9' || *end || errno) {
        snprintf(w->err, sizeof(w->err), "'%s' in '%s' is not a sequence index", comp, path);
        return -1;
    }
    if (w->data && i >= w->count) {
        snprintf(w->err, sizeof(w->err), "index %llu out of range in '%s' (%" PRIu64 " entries)", i,
                 path, w->count);
        return -1;
    }
    w->schema = entry;
    if (w->data)
        w->data = *(char **)w->data + (size_t)i * entry->data_size;
    return 0;
}

/* Walk every component of path from the scenario root. */
static int walk(walk_state *w, const char *path)
{
    char comp[128];
    const char *p = path;

    while (*p) {
        size_t n = strcspn(p, "."), at;
        int rc;

        if (n == 0 || n >= sizeof(comp)) {
            snprintf(w->err, sizeof(w->err), "malformed path '%s'", path);
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        at = (size_t)(p - path);
        p += n;
        if (w->schema->type == CYAML_MAPPING)
            rc = step_mapping(w, comp, path, at);
        else if (w->schema->type == CYAML_SEQUENCE)
            rc = step_sequence(w, comp, path);
        else {
            snprintf(w->err, sizeof(w->err), "'%.*s' is a value, it has no '%s'",
                     (int)(at - 1), path, comp);
            rc = -1;
        }
        if (rc)
            return rc;
        if (*p == '.' && p[1] == '\0') {
            snprintf(w->err, sizeof(w->err), "malformed path '%s'", path);
            return -1;
        }
        if (*p == '.')
            p++;
    }
    return 0;
}

int scn_path_leaf(scenario *scn, const char *path, scn_leaf *out, char *err, size_t err_len)
{
    walk_state w = {.schema = &scn_schema, .data = &scn};
    char keys[256];

    if (walk(&w, path)) {
        snprintf(err, err_len, "%s", w.err);
        return -1;
    }
    if (w.schema->type == CYAML_MAPPING) {
        scn_schema_keys(w.schema, keys, sizeof(keys));
        snprintf(err, err_len, "'%s' is a mapping; give one of its keys (%s)", path, keys);
        return -1;
    }
    if (w.schema->type == CYAML_SEQUENCE) {
        snprintf(err, err_len, "'%s' is a sequence; give an index, e.g. '%s.0'", path, path);
        return -1;
    }
    out->schema = w.schema;
    out->data = w.data;
    return 0;
}

const cyaml_schema_value_t *scn_path_schema(const char *path)
{
    walk_state w = {.schema = &scn_schema};

    return walk(&w, path) ? NULL : w.schema;
}

/* ---- parsing ------------------------------------------------------------------------------ */

int scn_parse_bool(const char *text)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0)
            return 1;
        if (strcasecmp(text, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int parse_uint(const scn_leaf *leaf, const char *text)
{
    unsigned long long v;
    char *end;

    errno = 0;
    if (text[0] == '-' || text[0] == '\0' || text[0] == ' ')
        return -1;
    v = strtoull(text, &end, 0);
    if (*end || errno || v > uint_max(leaf->schema->data_size))
        return -1;
    scn_store_uint(leaf->data, leaf->schema->data_size, v);
    return 0;
}

static int parse_int(const scn_leaf *leaf, const char *text)
{
    int64_t max = int_max(leaf->schema->data_size);
    long long v;
    char *end;

    errno = 0;
    if (text[0] == '\0' || text[0] == ' ')
        return -1;
    v = strtoll(text, &end, 0);
    if (*end || errno || v > max || v < -max - 1)
        return -1;
    scn_store_uint(leaf->data, leaf->schema->data_size, (uint64_t)v);
    return 0;
}

static int parse_enum(const scn_leaf *leaf, const char *text)
{
    uint32_t i;

    for (i = 0; i < leaf->schema->enumeration.count; i++) {
        if (strcmp(text, leaf->schema->enumeration.strings[i].str) == 0) {
            scn_store_uint(leaf->data, leaf->schema->data_size,
                           (uint64_t)leaf->schema->enumeration.strings[i].val);
            return 0;
        }
    }
    return -1;
}

static int parse_string(const scn_leaf *leaf, const char *text)
{
    char **slot = leaf->data;
    char *copy;

    if (strlen(text) < leaf->schema->string.min)
        return -1;
    copy = scn_strdup(text);
    if (!copy)
        return -1;
    scn_mem(NULL, *slot, 0);
    *slot = copy;
    return 0;
}

int scn_leaf_parse(const scn_leaf *leaf, const char *text, char *err, size_t err_len)
{
    char want[256];
    int rc = -1, b;

    switch (leaf->schema->type) {
    case CYAML_UINT: rc = parse_uint(leaf, text); break;
    case CYAML_INT: rc = parse_int(leaf, text); break;
    case CYAML_ENUM: rc = parse_enum(leaf, text); break;
    case CYAML_STRING: rc = parse_string(leaf, text); break;
    case CYAML_BOOL:
        b = scn_parse_bool(text);
        if (b >= 0)
            scn_store_uint(leaf->data, leaf->schema->data_size, (uint64_t)b);
        rc = b >= 0 ? 0 : -1;
        break;
    default: break;
    }
    if (rc) {
        scn_schema_describe(leaf->schema, want, sizeof(want));
        snprintf(err, err_len, "bad value '%s' (expected %s)", text, want);
    }
    return rc;
}

int scn_scalar_check(const cyaml_schema_value_t *schema, const char *text, char *err, size_t err_len)
{
    uint64_t scratch = 0;
    scn_leaf leaf = {schema, &scratch};

    if (schema->type == CYAML_STRING)
        return 0; /* libcyaml checked the length; no copy needed */
    return scn_leaf_parse(&leaf, text, err, err_len);
}

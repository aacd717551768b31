/* Loading a scenario file with libcyaml, and turning libcyaml's log into one clear line.
 *
 * libcyaml reports a schema error through its log callback: a message ("Load: Unexpected
 * key: brust"), then a backtrace from the innermost value out ("  in mapping field 'dmac'
 * (line: 3, column: 5)", "  in sequence entry '2' (...)", 1-based entry numbers). We keep
 * the first message and its backtrace, rebuild the dotted path, and print
 * "FILE:LINE:COL: PATH: message" in our own words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "path.h"

#define BT_MAX 16

typedef struct bt_frame {
    char kind;      /* 'f' mapping field, 'e' sequence entry, 'm' mapping */
    char name[96];  /* field key, or entry number (1-based) */
    scn_pos pos;
} bt_frame;

typedef struct log_capture {
    char message[256];
    bt_frame bt[BT_MAX];
    int nbt;
    int state; /* 0 nothing yet, 1 message seen, 2 in its backtrace, 3 done */
} log_capture;

static void chomp(char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void capture_frame(log_capture *c, const char *line)
{
    bt_frame *fr = &c->bt[c->nbt];
    unsigned l, col;

    if (c->nbt >= BT_MAX)
        return;
    if (sscanf(line, " in mapping field '%95[^']' (line: %u, column: %u)", fr->name, &l, &col) == 3)
        fr->kind = 'f';
    else if (sscanf(line, " in sequence entry '%95[^']' (line: %u, column: %u)", fr->name, &l, &col) == 3)
        fr->kind = 'e';
    else if (sscanf(line, " in mapping (line: %u, column: %u)", &l, &col) == 2)
        fr->kind = 'm', fr->name[0] = '\0';
    else {
        c->state = 3;
        return;
    }
    fr->pos.line = l;
    fr->pos.col = col;
    c->nbt++;
}

static void log_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    log_capture *c = ctx;
    char line[512];

    if (level < CYAML_LOG_ERROR || c->state == 3)
        return;
    vsnprintf(line, sizeof(line), fmt, args);
    chomp(line);
    if (c->state == 0) {
        const char *msg = strncmp(line, "Load: ", 6) == 0 ? line + 6 : line;

        snprintf(c->message, sizeof(c->message), "%.255s", msg);
        c->state = 1;
    } else if (c->state == 1) {
        c->state = strstr(line, "Backtrace:") ? 2 : 3;
    } else {
        capture_frame(c, line);
    }
}

/* The dotted path of the innermost frame. */
static void bt_path(const log_capture *c, char *path, size_t len)
{
    size_t used = 0;
    int i;

    path[0] = '\0';
    for (i = c->nbt - 1; i >= 0 && used < len; i--) {
        const bt_frame *fr = &c->bt[i];
        int n = 0;

        if (fr->kind == 'f')
            n = snprintf(path + used, len - used, "%s%s", used ? "." : "", fr->name);
        else if (fr->kind == 'e')
            n = snprintf(path + used, len - used, "%s%ld", used ? "." : "", strtol(fr->name, NULL, 10) - 1);
        if (n > 0)
            used += (size_t)n;
    }
}

static const char *event_noun(const char *msg)
{
    if (strstr(msg, "MAPPING_START"))
        return "a mapping";
    if (strstr(msg, "SEQUENCE_START"))
        return "a sequence";
    if (strstr(msg, "SCALAR"))
        return "a scalar";
    return "something else";
}

/* The offending text of "Invalid X value: 'V'" or "Invalid ENUM value: V". */
static void bad_value_text(const char *msg, char *out, size_t len)
{
    const char *v = strstr(msg, "value: ");
    size_t n;

    v = v ? v + 7 : "";
    n = strlen(v);
    if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
        v++;
        n -= 2;
    }
    snprintf(out, len, "%.*s", (int)n, v);
}

/* "a.b.c" -> "a.b", "a" -> "". */
static void parent_path(char *path)
{
    char *dot = strrchr(path, '.');

    if (dot)
        *dot = '\0';
    else
        path[0] = '\0';
}

static void report_capture(const scn_file *f, const log_capture *c, cyaml_err_t err)
{
    const cyaml_schema_value_t *schema;
    char path[256], key[96], text[160], want[400];
    scn_pos pos = c->nbt ? c->bt[0].pos : (scn_pos){1, 1};

    bt_path(c, path, sizeof(path));
    schema = scn_path_schema(path);
    if (c->state == 0) {
        scn_error_pos(f, pos, "", "%s", cyaml_strerror(err));
    } else if (sscanf(c->message, "Unexpected key: %95s", key) == 1) {
        scn_schema_keys(schema, want, sizeof(want));
        pos = scn_doc_locate_key((scn_doc *)&f->doc, path, key, 0);
        scn_error_pos(f, pos, "", "unknown key '%s' in '%s' (known: %s)", key, path[0] ? path : "(top level)",
                      want);
    } else if (sscanf(c->message, "Mapping field already seen: %95s", key) == 1) {
        parent_path(path);
        pos = scn_doc_locate_key((scn_doc *)&f->doc, path, key, 1);
        scn_error_pos(f, pos, path, "duplicate key '%s'", key);
    } else if (strncmp(c->message, "Invalid ", 8) == 0 && schema) {
        bad_value_text(c->message, text, sizeof(text));
        scn_schema_describe(schema, want, sizeof(want));
        scn_error_pos(f, pos, path, "bad value '%s' (expected %s)", text, want);
    } else if (strncmp(c->message, "Expecting ", 10) == 0 && schema) {
        scn_schema_describe(schema, want, sizeof(want));
        scn_error_pos(f, pos, path, "expected %s, got %s", want, event_noun(c->message));
    } else if (strncmp(c->message, "STRING length < ", 16) == 0) {
        scn_error_pos(f, pos, path, "must not be empty");
    } else {
        scn_error_pos(f, pos, path, "%s", c->message);
    }
}

static int load_structs(scn_file *f)
{
    log_capture cap;
    cyaml_config_t cfg = {
        .log_fn = log_fn,
        .log_ctx = &cap,
        .mem_fn = scn_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    cyaml_err_t err;

    memset(&cap, 0, sizeof(cap));
    err = cyaml_load_file(f->path, &cfg, &scn_schema, (cyaml_data_t **)&f->scn, NULL);
    if (err != CYAML_OK) {
        report_capture(f, &cap, err);
        return -1;
    }
    if (!f->scn) {
        fprintf(stderr, "%s: empty scenario (it needs at least 'name' and 'memory')\n", f->path);
        return -1;
    }
    return 0;
}

int scn_file_load(scn_file *f, const char *path)
{
    char err[256];
    scn_pos pos;

    memset(f, 0, sizeof(*f));
    f->path = path;
    if (scn_doc_load(&f->doc, path, &pos, err, sizeof(err))) {
        if (pos.line)
            fprintf(stderr, "%s:%u:%u: %s\n", path, pos.line, pos.col, err);
        else
            fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    if (!scn_doc_root(&f->doc)) {
        fprintf(stderr, "%s: empty scenario (it needs at least 'name' and 'memory')\n", path);
        return -1;
    }
    if (load_structs(f))
        return -1;
    return scn_fill_defaults(f);
}

void scn_file_free(scn_file *f)
{
    scn_free(f->scn);
    f->scn = NULL;
    scn_doc_free(&f->doc);
}

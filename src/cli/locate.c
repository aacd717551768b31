/* Positions in a scenario file through libyaml's document API (see locate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locate.h"

static void parse_error(const yaml_parser_t *p, scn_pos *pos, char *err, size_t err_len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";

    pos->line = (unsigned)p->problem_mark.line + 1;
    pos->col = (unsigned)p->problem_mark.column + 1;
    if (p->context)
        snprintf(err, err_len, "malformed YAML: %s %s (started at %u:%u)", problem, p->context,
                 (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
    else
        snprintf(err, err_len, "malformed YAML: %s", problem);
}

/* A scenario is one YAML document: a second one would be silently ignored by libcyaml. */
static int only_document(yaml_parser_t *parser, scn_pos *pos, char *err, size_t err_len)
{
    yaml_document_t next;
    yaml_node_t *root;
    int ok;

    if (!yaml_parser_load(parser, &next)) {
        parse_error(parser, pos, err, err_len);
        return 0;
    }
    root = yaml_document_get_root_node(&next);
    ok = root == NULL || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0);
    if (!ok) {
        *pos = (scn_pos){(unsigned)next.start_mark.line + 1, (unsigned)next.start_mark.column + 1};
        snprintf(err, err_len, "a scenario is one YAML document; a second one starts here");
    }
    yaml_document_delete(&next);
    return ok;
}

int scn_doc_load(scn_doc *d, const char *path, scn_pos *pos, char *err, size_t err_len)
{
    yaml_parser_t parser;
    FILE *fp;
    int ok;

    memset(d, 0, sizeof(*d));
    pos->line = pos->col = 0;
    fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, fp);
    ok = yaml_parser_load(&parser, &d->doc);
    if (!ok)
        parse_error(&parser, pos, err, err_len);
    else
        ok = only_document(&parser, pos, err, err_len);
    if (!ok && d->doc.nodes.start)
        yaml_document_delete(&d->doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    d->loaded = ok;
    return ok ? 0 : -1;
}

void scn_doc_free(scn_doc *d)
{
    if (d->loaded)
        yaml_document_delete(&d->doc);
    d->loaded = 0;
}

yaml_node_t *scn_doc_root(scn_doc *d)
{
    return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

static int scalar_is(const yaml_node_t *node, const char *s)
{
    size_t n = strlen(s);

    return node && node->type == YAML_SCALAR_NODE && node->data.scalar.length == n &&
           memcmp(node->data.scalar.value, s, n) == 0;
}

yaml_node_t *scn_doc_lookup(scn_doc *d, yaml_node_t *map, const char *key, yaml_node_t **key_node)
{
    yaml_node_pair_t *pair;

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&d->doc, pair->key);

        if (scalar_is(k, key)) {
            if (key_node)
                *key_node = k;
            return yaml_document_get_node(&d->doc, pair->value);
        }
    }
    return NULL;
}

yaml_node_t *scn_doc_item(scn_doc *d, yaml_node_t *seq, size_t i)
{
    size_t n;

    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return NULL;
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (i >= n)
        return NULL;
    return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

scn_pos scn_node_pos(const yaml_node_t *node)
{
    scn_pos pos = {1, 1};

    if (node) {
        pos.line = (unsigned)node->start_mark.line + 1;
        pos.col = (unsigned)node->start_mark.column + 1;
    }
    return pos;
}

static int is_block_collection(const yaml_node_t *node)
{
    if (node->type == YAML_MAPPING_NODE)
        return node->data.mapping.style != YAML_FLOW_MAPPING_STYLE;
    if (node->type == YAML_SEQUENCE_NODE)
        return node->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE;
    return 0;
}

/* One step of a path: a key in a mapping, an index in a sequence. */
static yaml_node_t *step(scn_doc *d, yaml_node_t *node, const char *comp, yaml_node_t **key_node)
{
    char *end;
    unsigned long long i;

    *key_node = NULL;
    if (node->type == YAML_MAPPING_NODE)
        return scn_doc_lookup(d, node, comp, key_node);
    if (node->type != YAML_SEQUENCE_NODE || comp[0] < '0' || comp[0] > '9')
        return NULL;
    errno = 0;
    i = strtoull(comp, &end, 10);
    if (*end || errno)
        return NULL;
    return scn_doc_item(d, node, (size_t)i);
}

/* Walk path; *node gets the deepest node reached, *key the key node that led to it (or NULL). */
static void walk(scn_doc *d, const char *path, yaml_node_t **node, yaml_node_t **key)
{
    char comp[128];
    const char *p = path;

    *node = scn_doc_root(d);
    *key = NULL;
    while (*node && *p) {
        size_t n = strcspn(p, ".");
        yaml_node_t *k, *next;

        if (n >= sizeof(comp))
            return;
        memcpy(comp, p, n);
        comp[n] = '\0';
        next = step(d, *node, comp, &k);
        if (!next)
            return;
        *node = next;
        *key = k;
        p += n;
        if (*p == '.')
            p++;
    }
}

scn_pos scn_doc_locate(scn_doc *d, const char *path)
{
    yaml_node_t *node, *key;

    walk(d, path, &node, &key);
    if (!node)
        return scn_node_pos(NULL);
    if (key && is_block_collection(node))
        return scn_node_pos(key);
    return scn_node_pos(node);
}

scn_pos scn_doc_locate_key(scn_doc *d, const char *path, const char *key, int last)
{
    yaml_node_t *node, *parent_key, *found = NULL;
    yaml_node_pair_t *pair;

    walk(d, path, &node, &parent_key);
    if (!node || node->type != YAML_MAPPING_NODE)
        return scn_doc_locate(d, path);
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&d->doc, pair->key);

        if (scalar_is(k, key) && (!found || last))
            found = k;
    }
    return found ? scn_node_pos(found) : scn_doc_locate(d, path);
}

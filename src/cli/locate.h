/* Where things are in a scenario file: the libyaml document of the file, and the line:column
 * of a dotted path in it ("dmac.jobs.0.count").
 *
 * libcyaml turns the file into C structs and forgets positions; errors found later (a cache
 * geometry, an unmapped DMA job) still deserve "file:line:column", so the file is also read
 * with libyaml's document API and kept beside the scenario. Lines and columns are 1-based.
 */
#ifndef DMASIM_CLI_LOCATE_H
#define DMASIM_CLI_LOCATE_H

#include <stddef.h>

#include <yaml.h>

typedef struct scn_doc {
    yaml_document_t doc;
    int loaded; /* the document is valid and must be deleted */
} scn_doc;

typedef struct scn_pos {
    unsigned line;
    unsigned col;
} scn_pos;

/* Parse the file. Returns 0, or -1 with a one-line reason in err ("LINE:COL: message" for a
 * syntax error, "LINE:COL: " omitted when the file cannot be read). *pos gets the position of
 * a syntax error (0:0 otherwise). */
int scn_doc_load(scn_doc *d, const char *path, scn_pos *pos, char *err, size_t err_len);
void scn_doc_free(scn_doc *d);

/* The root node, or NULL for an empty document. */
yaml_node_t *scn_doc_root(scn_doc *d);

/* The value of `key` in a mapping node (NULL if absent or node is not a mapping); the key
 * node goes to *key_node when key_node is not NULL. */
yaml_node_t *scn_doc_lookup(scn_doc *d, yaml_node_t *map, const char *key, yaml_node_t **key_node);

/* Item i of a sequence node (NULL if absent). */
yaml_node_t *scn_doc_item(scn_doc *d, yaml_node_t *seq, size_t i);

/* Position of a node's first character. */
scn_pos scn_node_pos(const yaml_node_t *node);

/* Position of a dotted path: its value when that is a scalar or a flow collection, else its
 * key; when the path goes further than the file (a key left out), the deepest part present.
 * 1:1 for an empty document. */
scn_pos scn_doc_locate(scn_doc *d, const char *path);

/* Position of the key `key` inside the mapping at `path` (path "" is the root): its first
 * occurrence, or its last one when `last` is non-zero (a duplicate key). */
scn_pos scn_doc_locate_key(scn_doc *d, const char *path, const char *key, int last);

#endif

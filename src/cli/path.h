/* Dotted paths into a scenario, walked generically through the libcyaml schema.
 *
 * "dmac.jobs.0.count": mapping fields by key, sequence entries by index. The walk needs no
 * knowledge of the scenario structs: it follows cyaml_schema_field_t offsets, so any key the
 * schema gains is reachable by --set and by error messages at once.
 */
#ifndef DMASIM_CLI_PATH_H
#define DMASIM_CLI_PATH_H

#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>

#include "scenario.h"

/* A scalar in the data: its schema and the address of its storage (for a string, the
 * address of the char * member). */
typedef struct scn_leaf {
    const cyaml_schema_value_t *schema;
    void *data;
} scn_leaf;

/* Find the scalar at path. Returns 0, or -1 with a reason in err: an unknown key ("unknown
 * key 'brust' in 'dmac.brust' (known: name, channels, ...)"), an index out of range, a part
 * of the scenario that is not present, or a path that names a mapping or sequence. */
int scn_path_leaf(scenario *scn, const char *path, scn_leaf *out, char *err, size_t err_len);

/* The schema of the value at path, without data (NULL if the schema has no such path). For
 * messages about a file that failed to load. Sequence indices may be any number. */
const cyaml_schema_value_t *scn_path_schema(const char *path);

/* Parse text into a scalar according to its schema (ints with base 0, so hex works; bools
 * true/false; enums by name; strings), range-checked. Returns 0 or -1 with a reason. */
int scn_leaf_parse(const scn_leaf *leaf, const char *text, char *err, size_t err_len);

/* Check that text is a valid value for a scalar schema without storing it (libcyaml 1.3
 * takes "1.5" as 1 and any unknown word as true). Returns 0 or -1 with a reason. */
int scn_scalar_check(const cyaml_schema_value_t *schema, const char *text, char *err, size_t err_len);

/* "an unsigned integer (0..4294967295)", "one of: fixed, round_robin", "true or false", ... */
void scn_schema_describe(const cyaml_schema_value_t *schema, char *buf, size_t len);

/* The keys of a mapping schema, comma separated ("" if it is not a mapping). */
void scn_schema_keys(const cyaml_schema_value_t *schema, char *buf, size_t len);

/* Parse YAML-style booleans (true/false, yes/no, on/off, 1/0; any case). Returns 1, 0 or -1. */
int scn_parse_bool(const char *text);

/* Integer storage of a schema scalar of data_size bytes. */
uint64_t scn_load_uint(const void *data, uint32_t size);
void scn_store_uint(void *data, uint32_t size, uint64_t v);

#endif

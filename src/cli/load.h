/* Loading a scenario file: libyaml document (positions), libcyaml structs, defaults, --set
 * overrides, resolution of dependent values, checks; and one-line messages that point into
 * the file ("examples/x.yaml:14:13: cpu.dcache: number of sets (96) is not a power of two").
 */
#ifndef DMASIM_CLI_LOAD_H
#define DMASIM_CLI_LOAD_H

#include <stddef.h>

#include "locate.h"
#include "scenario.h"

typedef struct scn_file {
    const char *path;           /* as given on the command line */
    scn_doc doc;                /* the file's YAML document (positions) */
    scenario *scn;              /* the loaded scenario (owned) */
    const char *const *sets;    /* the --set arguments applied, "path=value" (not owned) */
    size_t set_count;
} scn_file;

/* Read, parse and fill defaults. Returns 0, or -1 after printing one error line. */
int scn_file_load(scn_file *f, const char *path);

/* Apply "path=value" overrides in order. Returns 0, or -1 after printing the error. */
int scn_file_apply_sets(scn_file *f, const char *const *sets, size_t n);

/* Resolve dependent values (modes left at "default", the trace path relative to the file's
 * directory) and check every value. Returns 0, or -1 after printing the first error. */
int scn_file_finalize(scn_file *f);

void scn_file_free(scn_file *f);

/* Print "FILE:LINE:COL: PATH: message" for the value at a dotted path (or "dmasim: --set
 * PATH=VALUE: message" when --set gave that value). Returns -1, for `return scn_error_at(...)`. */
int scn_error_at(const scn_file *f, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* As scn_error_at, at an explicit position. Returns -1. */
int scn_error_pos(const scn_file *f, scn_pos pos, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Fill in defaults and check required keys, walking the document beside the data
 * (defaults.c). Returns 0 or -1 after printing an error. */
int scn_fill_defaults(scn_file *f);

/* Semantic checks of a finalized scenario (validate.c). Returns 0 or -1 after printing. */
int scn_validate(const scn_file *f);

#endif

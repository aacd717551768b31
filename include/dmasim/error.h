/* dmasim error codes.
 *
 * Every public function that can fail returns 0 (or a non-negative value) on success and a
 * negative DMASIM_E* code on failure. dmasim_strerror() gives the fixed text of a code;
 * dmasim_sim_errmsg() gives the detail of the last failure in one simulation (for example
 * "scenario.yaml:12:5: unknown key 'brust'"). There is no process-global error state.
 */
#ifndef DMASIM_ERROR_H
#define DMASIM_ERROR_H

#include "dmasim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, text): one table generates the enum and the strings. */
#define DMASIM_ERRNO_MAP(X)                                                        \
    X(EINVAL, -1, "invalid argument")                                              \
    X(ENOMEM, -2, "out of memory")                                                 \
    X(ERANGE, -3, "value out of range")                                            \
    X(EOVERLAP, -4, "address ranges overlap")                                      \
    X(EUNMAPPED, -5, "address not mapped on the bus")                              \
    X(EIO, -6, "input/output error")                                               \
    X(EFORMAT, -7, "malformed input")                                              \
    X(EBUSY, -8, "resource busy")                                                  \
    X(ENOENT, -9, "no such file or entry")                                         \
    X(ESTATE, -10, "operation not valid in the current state")                     \
    X(EBUSERR, -11, "bus error")                                                  \
    X(EFAULT, -12, "translation fault")

typedef enum dmasim_errno {
#define DMASIM__ERR_ENUM(name, value, text) DMASIM_##name = (value),
    DMASIM_ERRNO_MAP(DMASIM__ERR_ENUM)
#undef DMASIM__ERR_ENUM
} dmasim_errno;

/* Fixed text for an error code (never NULL; "unknown error" for codes not in the table,
 * "success" for 0 and positive values). */
DMASIM_API const char *dmasim_strerror(int err);

/* Symbolic name of an error code, e.g. "DMASIM_EINVAL" (never NULL). */
DMASIM_API const char *dmasim_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif

/* One-line messages about a scenario, pointing into the file (or at the --set that gave the
 * value). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "load.h"

/* The --set argument that gave the value at path, or NULL. */
static const char *set_for(const scn_file *f, const char *path)
{
    size_t i, n = strlen(path);

    for (i = f->set_count; i-- > 0;) {
        const char *s = f->sets[i];

        if (n && strncmp(s, path, n) == 0 && s[n] == '=')
            return s;
    }
    return NULL;
}

static void verror(const scn_file *f, scn_pos pos, const char *path, const char *fmt, va_list ap)
{
    const char *set = set_for(f, path);
    char msg[1024];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (set)
        fprintf(stderr, "dmasim: --set %s: %s\n", set, msg);
    else if (path[0])
        fprintf(stderr, "%s:%u:%u: %s: %s\n", f->path, pos.line, pos.col, path, msg);
    else
        fprintf(stderr, "%s:%u:%u: %s\n", f->path, pos.line, pos.col, msg);
}

int scn_error_pos(const scn_file *f, scn_pos pos, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(f, pos, path, fmt, ap);
    va_end(ap);
    return -1;
}

int scn_error_at(const scn_file *f, const char *path, const char *fmt, ...)
{
    scn_pos pos = scn_doc_locate((scn_doc *)&f->doc, path);
    va_list ap;

    va_start(ap, fmt);
    verror(f, pos, path, fmt, ap);
    va_end(ap);
    return -1;
}

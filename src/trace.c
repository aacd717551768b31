/* Reader of Valgrind Lackey memory traces ("I  addr,size", " L addr,size", " S addr,size",
 * " M addr,size"; hex address, decimal size), plain or gzip: zlib's gzread reads both.
 * Lines starting with "==" (Valgrind's own messages) and blank lines are skipped. Parsing is
 * hand-written for speed (the replay target is >= 10 M lines per host second). */
#include <errno.h>
#include <stdio.h>
#include <zlib.h>
#include "internal.h"

#define TRACE_BUF (1u << 20)

struct dmasim__trace {
    dmasim_sim *sim;
    gzFile gz;
    char *path;
    char *buf;        /* TRACE_BUF + 1 bytes */
    size_t pos, len;  /* unread bytes are buf[pos, len) */
    int eof;
    uint64_t line;
};

int dmasim__trace_open(dmasim_sim *sim, const char *path, dmasim__trace **out)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return dmasim__error(sim, DMASIM_ENOENT, "%s: cannot open trace: %s", path,
                             errno ? strerror(errno) : "out of memory");
    dmasim__trace *t = dmasim__alloc(sim, sizeof *t);
    char *buf = dmasim__alloc(sim, TRACE_BUF + 1);
    char *p = dmasim__strdup(sim, path);
    if (!t || !buf || !p) {
        gzclose(gz);
        dmasim__free(sim, t, sizeof *t);
        dmasim__free(sim, buf, TRACE_BUF + 1);
        dmasim__strfree(sim, p);
        return DMASIM_ENOMEM;
    }
    gzbuffer(gz, 256 * 1024);
    t->sim = sim;
    t->gz = gz;
    t->buf = buf;
    t->path = p;
    *out = t;
    return 0;
}

void dmasim__trace_close(dmasim__trace *t)
{
    if (!t)
        return;
    dmasim_sim *sim = t->sim;
    gzclose(t->gz);
    dmasim__free(sim, t->buf, TRACE_BUF + 1);
    dmasim__strfree(sim, t->path);
    dmasim__free(sim, t, sizeof *t);
}

uint64_t dmasim__trace_line(const dmasim__trace *t) { return t->line; }

/* Refill so that at least one whole line (or the rest of the file) is in the buffer. */
static int refill(dmasim__trace *t)
{
    size_t rest = t->len - t->pos;
    memmove(t->buf, t->buf + t->pos, rest);
    t->pos = 0;
    t->len = rest;
    while (!t->eof && t->len < TRACE_BUF) {
        int n = gzread(t->gz, t->buf + t->len, (unsigned)(TRACE_BUF - t->len));
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(t->gz, &zerr);
            return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: corrupt trace (%s)", t->path,
                                 (unsigned long long)t->line + 1, msg);
        }
        if (n == 0) {
            int zerr;
            const char *msg = gzerror(t->gz, &zerr);
            if (zerr != Z_OK)
                return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: corrupt or truncated trace (%s)",
                                     t->path, (unsigned long long)t->line + 1, msg);
            t->eof = 1;
            break;
        }
        t->len += (size_t)n;
        if (memchr(t->buf + t->len - (size_t)n, '\n', (size_t)n))
            break;
    }
    t->buf[t->len] = '\n'; /* sentinel: every parse stops at a newline */
    return 0;
}

static int bad_line(dmasim__trace *t, const char *why)
{
    return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: malformed Lackey trace line (%s)", t->path,
                         (unsigned long long)t->line, why);
}

static const signed char hexval[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9,
    ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int dmasim__trace_next(dmasim__trace *t, dmasim__trace_rec *rec)
{
    for (;;) {
        char *nl = t->pos < t->len ? memchr(t->buf + t->pos, '\n', t->len - t->pos) : NULL;
        if (!nl) {
            if (t->eof && t->pos >= t->len)
                return 0;
            int err = refill(t);
            if (err)
                return err;
            if (t->pos >= t->len && t->eof)
                return 0;
            nl = memchr(t->buf + t->pos, '\n', t->len - t->pos + 1); /* sentinel guarantees one */
        }
        char *p = t->buf + t->pos;
        t->pos = (size_t)(nl - t->buf) + 1;
        t->line++;
        if (nl > t->buf + t->len) /* only the sentinel: last line had no newline */
            t->pos = t->len;
        while (*p == ' ')
            p++;
        if (*p == '\n' || *p == '\r' || (p[0] == '=' && p[1] == '='))
            continue;
        char k = *p++;
        if (k != 'I' && k != 'L' && k != 'S' && k != 'M')
            return bad_line(t, "expected I, L, S or M");
        if (*p != ' ')
            return bad_line(t, "expected a space after the access kind");
        while (*p == ' ')
            p++;
        uint64_t a = 0;
        int digits = 0;
        int v;
        while ((v = hexval[(unsigned char)*p]) != 0) {
            a = (a << 4) | (uint64_t)(v - 1);
            p++;
            digits++;
        }
        if (!digits || digits > 16 || *p != ',')
            return bad_line(t, "expected hex-address,size");
        p++;
        uint32_t sz = 0;
        digits = 0;
        while (*p >= '0' && *p <= '9') {
            sz = sz * 10 + (uint32_t)(*p - '0');
            p++;
            if (++digits > 6)
                return bad_line(t, "size too large");
        }
        if (!digits || sz == 0)
            return bad_line(t, "expected a non-zero decimal size");
        while (*p == ' ' || *p == '\r')
            p++;
        if (*p != '\n')
            return bad_line(t, "unexpected text after the size");
        rec->kind = k;
        rec->addr = a;
        rec->size = sz;
        return 1;
    }
}

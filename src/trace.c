/* Reader of Valgrind Lackey memory traces ("I  addr,size", " L addr,size", " S addr,size",
 * " M addr,size"; hex address, decimal size), plain or gzip: zlib's gzread reads both and
 * checks the gzip CRC. Lines starting with "==" (Valgrind's own messages) and blank lines are
 * skipped. Parsing is hand-written for speed (the replay target is >= 10 M lines per host
 * second): the buffer always ends after a complete line (or at end of file, with a sentinel
 * newline), so lines are parsed in place without searching for their ends first. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <zlib.h>
#include "internal.h"

#define TRACE_BUF (1u << 20)

/* Decompression runs on a reader thread (gzread and its CRC check), filling a ring of chunks
 * in file order; the simulation thread only parses. The bytes and their order are those of
 * the file, so results do not depend on the thread. */
#define CHUNKS 4
#define CHUNK (TRACE_BUF / 2)

typedef struct chunk {
    char *data;
    size_t len;
    int err;          /* zlib error at this point of the file (0 = none) */
    char msg[128];
    int last;         /* end of file after these bytes */
} chunk;

struct dmasim__trace {
    dmasim_sim *sim;
    gzFile gz;
    char *path;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk ring[CHUNKS];
    unsigned head, tail;   /* filled chunks are [tail, head); counts, not wrapped */
    int stop;
    char *buf;        /* TRACE_BUF + 1 bytes */
    size_t pos;       /* next unread byte */
    size_t end;       /* just after the last complete line in buf (parse up to here) */
    size_t len;       /* bytes in buf */
    int eof;
    uint64_t line;
};

static void *reader_main(void *arg);

int dmasim__trace_open(dmasim_sim *sim, const char *path, dmasim__trace **out)
{
    errno = 0;
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
    for (int i = 0; i < CHUNKS; i++) {
        t->ring[i].data = dmasim__alloc(sim, CHUNK);
        if (!t->ring[i].data) {
            dmasim__trace_close(t);
            return DMASIM_ENOMEM;
        }
    }
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->thread, NULL, reader_main, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        dmasim__trace_close(t);
        return dmasim__error(sim, DMASIM_ENOMEM, "%s: cannot start the trace reader thread", path);
    }
    t->thread_started = 1;
    *out = t;
    return 0;
}

void dmasim__trace_close(dmasim__trace *t)
{
    if (!t)
        return;
    dmasim_sim *sim = t->sim;
    if (t->thread_started) {
        pthread_mutex_lock(&t->mu);
        t->stop = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
    }
    for (int i = 0; i < CHUNKS; i++)
        dmasim__free(sim, t->ring[i].data, CHUNK);
    gzclose(t->gz);
    dmasim__free(sim, t->buf, TRACE_BUF + 1);
    dmasim__strfree(sim, t->path);
    dmasim__free(sim, t, sizeof *t);
}

uint64_t dmasim__trace_line(const dmasim__trace *t) { return t->line; }

/* The reader thread: decompress chunk after chunk until the end, an error, or stop. */
static void *reader_main(void *arg)
{
    dmasim__trace *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (!t->stop && t->head - t->tail == CHUNKS)
            pthread_cond_wait(&t->cv, &t->mu);
        int stop = t->stop;
        pthread_mutex_unlock(&t->mu);
        if (stop)
            return NULL;
        chunk *c = &t->ring[t->head % CHUNKS];
        int n = gzread(t->gz, c->data, CHUNK);
        int zerr = Z_OK;
        const char *msg = n <= 0 ? gzerror(t->gz, &zerr) : "";
        c->len = n > 0 ? (size_t)n : 0;
        c->err = n < 0 || (n == 0 && zerr != Z_OK);
        snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "");
        c->last = n <= 0;
        pthread_mutex_lock(&t->mu);
        t->head++;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        if (c->last)
            return NULL;
    }
}

/* Copy the next decompressed chunk to dst (room bytes free). Returns the bytes copied, sets
 * *last at end of file, or returns -1 with the zlib message in *msg on an error. A chunk larger
 * than room is consumed partly (the rest stays for the next call). */
static long take_chunk(dmasim__trace *t, char *dst, size_t room, int *last, const char **msg)
{
    pthread_mutex_lock(&t->mu);
    while (t->head == t->tail)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
    chunk *c = &t->ring[t->tail % CHUNKS];
    if (c->err) {
        *msg = c->msg;
        return -1;
    }
    size_t n = c->len < room ? c->len : room;
    memcpy(dst, c->data, n);
    if (n < c->len) { /* keep the rest of this chunk */
        memmove(c->data, c->data + n, c->len - n);
        c->len -= n;
        return (long)n;
    }
    *last = c->last;
    pthread_mutex_lock(&t->mu);
    t->tail++;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return (long)n;
}

/* Move the unread tail to the front and read until the buffer holds at least one complete
 * line, or the file ends (then a sentinel newline closes the last line). */
static int refill(dmasim__trace *t)
{
    size_t rest = t->len - t->pos;
    memmove(t->buf, t->buf + t->pos, rest);
    t->pos = 0;
    t->len = rest;
    t->end = 0;
    while (!t->eof && t->len < TRACE_BUF) {
        int last = 0;
        const char *msg = "";
        long n = take_chunk(t, t->buf + t->len, TRACE_BUF - t->len, &last, &msg);
        if (n < 0)
            return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: corrupt or truncated trace (%s)", t->path,
                                 (unsigned long long)t->line + 1, msg);
        t->len += (size_t)n;
        if (last) {
            t->eof = 1;
            break;
        }
        if (n && memchr(t->buf + t->len - (size_t)n, '\n', (size_t)n))
            break;
    }
    if (t->eof) {
        t->buf[t->len] = '\n';
        t->end = t->len + (t->len > 0 && t->buf[t->len - 1] != '\n'); /* sentinel ends the last line */
        return 0;
    }
    for (size_t i = t->len; i > 0; i--) /* the last complete line ends at the last newline */
        if (t->buf[i - 1] == '\n') {
            t->end = i;
            return 0;
        }
    return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: malformed Lackey trace line (longer than %u bytes)",
                         t->path, (unsigned long long)t->line + 1, TRACE_BUF);
}

static int bad_line(dmasim__trace *t, const char *why)
{
    return dmasim__error(t->sim, DMASIM_EFORMAT, "%s:%llu: malformed Lackey trace line (%s)", t->path,
                         (unsigned long long)t->line, why);
}

/* hex digit value + 1 (0: not a hex digit) */
static const unsigned char hexval[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9,
    ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Parse the "addr,size" part and the end of the line at *pp. Returns NULL on success. */
static inline const char *parse_operands(const char **pp, uint64_t *addr, uint32_t *size)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    uint64_t a = 0;
    const char *start = p;
    unsigned v;
    while ((v = hexval[(unsigned char)*p]) != 0) {
        a = (a << 4) | (v - 1);
        p++;
    }
    if (p == start || p - start > 16 || *p != ',')
        return "expected hex-address,size";
    p++;
    uint32_t sz = 0;
    start = p;
    while ((unsigned)(*p - '0') < 10u) {
        sz = sz * 10 + (uint32_t)(*p - '0');
        p++;
    }
    if (p == start || p - start > 6 || sz == 0)
        return "expected a non-zero decimal size";
    while (*p == ' ' || *p == '\r')
        p++;
    if (*p != '\n')
        return "unexpected text after the size";
    *pp = p + 1;
    *addr = a;
    *size = sz;
    return NULL;
}

/* Fast check of an instruction line's operands ("  0401ab70,3\n"): 1 if well formed (p moved
 * past the line), 0 to let parse_operands() produce the exact error. */
static inline int skip_instruction(const char **pp)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    const char *start = p;
    while (hexval[(unsigned char)*p])
        p++;
    if (p == start || p - start > 16 || *p != ',')
        return 0;
    p++;
    start = p;
    unsigned nonzero = 0;
    while ((unsigned)(*p - '0') < 10u)
        nonzero |= (unsigned)(*p++ - '0');
    if (p == start || p - start > 6 || *p != '\n' || !nonzero)
        return 0;
    *pp = p + 1;
    return 1;
}

int dmasim__trace_next(dmasim__trace *t, dmasim__trace_rec *rec, uint64_t max_run)
{
    uint64_t icount = 0;
    for (;;) {
        if (t->pos >= t->end) {
            if (t->eof) {
                if (icount)
                    break;
                return 0;
            }
            int err = refill(t);
            if (err)
                return err;
            continue;
        }
        const char *p = t->buf + t->pos;
        while (*p == ' ')
            p++;
        char k = *p;
        if (k == '\n' || k == '\r' || (k == '=' && p[1] == '=')) { /* blank or Valgrind message */
            if (icount)
                break;
            const char *nl = memchr(p, '\n', (size_t)(t->buf + t->end - p));
            t->pos = nl ? (size_t)(nl - t->buf) + 1 : t->end;
            t->line++;
            continue;
        }
        if (k != 'I' && k != 'L' && k != 'S' && k != 'M') {
            if (icount)
                break;
            t->line++;
            return bad_line(t, "expected I, L, S or M");
        }
        if (k != 'I' && icount)
            break; /* end of the instruction run: the data access is the next record */
        t->line++;
        p++;
        if (*p != ' ')
            return bad_line(t, "expected a space after the access kind");
        if (k == 'I' && skip_instruction(&p)) { /* validated; its operands are not needed */
            t->pos = (size_t)(p - t->buf);
            if (++icount < max_run)
                continue;
            break;
        }
        uint64_t a;
        uint32_t sz;
        const char *why = parse_operands(&p, &a, &sz);
        if (why)
            return bad_line(t, why);
        t->pos = (size_t)(p - t->buf);
        rec->addr = a;
        rec->size = sz;
        if (k == 'I') {
            if (++icount < max_run)
                continue;
            break;
        }
        rec->kind = k;
        rec->count = 1;
        return 1;
    }
    rec->kind = 'I';
    rec->count = icount;
    return 1;
}

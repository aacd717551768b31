/* Transaction timeline in the Chrome / Perfetto trace-event JSON format (include/dmasim/trace.h).
 *
 * It observes bus transactions (one complete "X" event each, on the track of its master) and
 * subscribes to the "<x>.busy" signals (async "b"/"e" slices), writing each event as it
 * arrives: a bus reports its transactions in start order, and signals change in time order, so
 * every track is in time order without buffering. Metadata (names of processes and tracks)
 * is written at close, when every master is known. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <zlib.h>
#include "internal.h"
#include "dmasim/trace.h"

#define OUT_BUF (1u << 16)
#define EVENT_MAX 1024 /* longest event line, names excluded (they are written separately) */
#define PID_CHANNELS 1 /* the process of the DMA channel slices; buses are 2, 3, ... */

typedef struct slice_tap {
    dmasim_trace_timeline *tl;
    dmasim_signal *sig;
    char *name;    /* the signal's name without ".busy" */
    uint32_t id;
} slice_tap;

typedef struct tl_bus {
    dmasim_trace_timeline *tl;
    dmasim_bus *bus;
    int pid;
} tl_bus;

struct dmasim_trace_timeline {
    dmasim_sim *sim;
    char *path;
    gzFile gz;
    int open, err;
    uint64_t nevents;
    slice_tap *slices;
    size_t nslices;
    tl_bus **buses;
    size_t nbuses, buses_cap;
    char *out;
    size_t olen;
};

/* ---- output ---- */

static void out_flush(dmasim_trace_timeline *tl)
{
    if (tl->olen && !tl->err && gzwrite(tl->gz, tl->out, (unsigned)tl->olen) != (int)tl->olen) {
        int zerr;
        const char *msg = gzerror(tl->gz, &zerr);
        dmasim__error(tl->sim, DMASIM_EIO, "%s: write failed: %s", tl->path,
                      zerr == Z_ERRNO ? strerror(errno) : msg);
        tl->err = DMASIM_EIO;
    }
    tl->olen = 0;
}

static void out_mem(dmasim_trace_timeline *tl, const char *s, size_t n)
{
    while (n) {
        if (tl->olen == OUT_BUF)
            out_flush(tl);
        size_t k = OUT_BUF - tl->olen < n ? OUT_BUF - tl->olen : n;
        memcpy(tl->out + tl->olen, s, k);
        tl->olen += k;
        s += k;
        n -= k;
    }
}

static void out_str(dmasim_trace_timeline *tl, const char *s) { out_mem(tl, s, strlen(s)); }

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void out_json_string(dmasim_trace_timeline *tl, const char *s)
{
    out_str(tl, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c < 0x20)
            snprintf(esc, sizeof esc, "\\u%04x", c);
        else {
            esc[0] = (char)c;
            esc[1] = '\0';
        }
        out_str(tl, esc);
    }
    out_str(tl, "\"");
}

/* ps as microseconds, exactly: 1234560 -> "1.23456", 5000000 -> "5". */
static void fmt_us(char *buf, size_t n, dmasim_time ps)
{
    uint64_t whole = ps / 1000000u, frac = ps % 1000000u;
    if (!frac) {
        snprintf(buf, n, "%" PRIu64, whole);
        return;
    }
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    snprintf(buf, n, "%" PRIu64 ".%0*" PRIu64, whole, digits, frac);
}

/* Start an event: the separator, then "{". */
static void event_begin(dmasim_trace_timeline *tl)
{
    out_str(tl, tl->nevents++ ? ",\n{" : "{");
}

/* ---- events ---- */

static void on_txn(void *ctx, int master, const dmasim_bus_txn *txn, dmasim_time start, dmasim_time end)
{
    tl_bus *b = ctx;
    dmasim_trace_timeline *tl = b->tl;
    if (!tl->open)
        return;
    const char *op = txn->is_write ? "write" : "read";
    char ts[32], dur[32], line[EVENT_MAX];
    fmt_us(ts, sizeof ts, start);
    fmt_us(dur, sizeof dur, end - start);
    int n = snprintf(line, sizeof line,
                     "\"name\":\"%s\",\"cat\":\"bus\",\"ph\":\"X\",\"ts\":%s,\"dur\":%s,\"pid\":%d,\"tid\":%d,"
                     "\"args\":{\"addr\":\"0x%" PRIx64 "\",\"bytes\":%" PRIu32 ",\"op\":\"%s\",\"status\":\"%s\","
                     "\"cycles\":%" PRIu64 ",\"tag\":%" PRIu32 "}}",
                     op, ts, dur, b->pid, master + 1, (uint64_t)txn->addr, txn->len, op,
                     txn->status ? dmasim_strerror(txn->status) : "ok", txn->cycles, txn->tag);
    event_begin(tl);
    out_mem(tl, line, (size_t)n);
}

static void slice_event(dmasim_trace_timeline *tl, const slice_tap *st, const char *ph, dmasim_time t)
{
    char ts[32], line[EVENT_MAX];
    fmt_us(ts, sizeof ts, t);
    event_begin(tl);
    out_str(tl, "\"name\":");
    out_json_string(tl, st->name);
    int n = snprintf(line, sizeof line, ",\"cat\":\"dma\",\"ph\":\"%s\",\"id\":%" PRIu32 ",\"ts\":%s,\"pid\":%d,\"tid\":0}",
                     ph, st->id, ts, PID_CHANNELS);
    out_mem(tl, line, (size_t)n);
}

static void on_busy(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    slice_tap *st = ctx;
    if (st->tl->open)
        slice_event(st->tl, st, value ? "b" : "e", t);
}

static void metadata(dmasim_trace_timeline *tl, const char *what, int pid, int tid, const char *key,
                     const char *name, long sort_index)
{
    char line[128];
    event_begin(tl);
    snprintf(line, sizeof line, "\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"%s\":", what, pid,
             tid, key);
    out_str(tl, line);
    if (name) {
        out_json_string(tl, name);
    } else {
        snprintf(line, sizeof line, "%ld", sort_index);
        out_str(tl, line);
    }
    out_str(tl, "}}");
}

static void write_metadata(dmasim_trace_timeline *tl)
{
    if (tl->nslices)
        metadata(tl, "process_name", PID_CHANNELS, 0, "name", "DMA channels", 0);
    for (size_t b = 0; b < tl->nbuses; b++) {
        const tl_bus *tb = tl->buses[b];
        metadata(tl, "process_name", tb->pid, 0, "name", dmasim_bus_name(tb->bus), 0);
        for (int m = 0; m < dmasim_bus_master_count(tb->bus); m++) {
            metadata(tl, "thread_name", tb->pid, m + 1, "name", dmasim_bus_master_name(tb->bus, m), 0);
            metadata(tl, "thread_sort_index", tb->pid, m + 1, "sort_index", NULL, m);
        }
    }
}

/* ---- life cycle ---- */

static void release(dmasim_trace_timeline *tl)
{
    dmasim__free(tl->sim, tl->out, OUT_BUF);
    tl->out = NULL;
    tl->open = 0;
}

static void tl_destroy(void *self)
{
    dmasim_trace_timeline *tl = self;
    dmasim_sim *sim = tl->sim;
    if (tl->open)
        (void)dmasim_trace_timeline_close(tl);
    release(tl);
    for (size_t i = 0; i < tl->nslices; i++)
        dmasim__strfree(sim, tl->slices[i].name);
    dmasim__free(sim, tl->slices, tl->nslices * sizeof *tl->slices);
    for (size_t b = 0; b < tl->nbuses; b++)
        dmasim__free(sim, tl->buses[b], sizeof *tl->buses[b]);
    dmasim__free(sim, tl->buses, tl->buses_cap * sizeof *tl->buses);
    dmasim__strfree(sim, tl->path);
    dmasim__free(sim, tl, sizeof *tl);
}

static const dmasim__component_ops tl_ops = {tl_destroy, NULL};

/* A 1-bit signal named "<x>.busy": its slice name <x> (length), or 0. */
static size_t busy_prefix(const dmasim_signal *s)
{
    const char *n = dmasim_signal_name(s);
    size_t len = strlen(n);
    if (dmasim_signal_width(s) != 1 || len <= 5 || strcmp(n + len - 5, ".busy") != 0)
        return 0;
    return len - 5;
}

static int subscribe_busy(dmasim_trace_timeline *tl)
{
    size_t n = dmasim_sim_signal_count(tl->sim), k = 0;
    for (size_t i = 0; i < n; i++)
        k += busy_prefix(dmasim_sim_signal_at(tl->sim, i)) != 0;
    if (!k)
        return 0;
    tl->slices = dmasim__alloc(tl->sim, k * sizeof *tl->slices);
    if (!tl->slices)
        return DMASIM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        dmasim_signal *s = dmasim_sim_signal_at(tl->sim, i);
        size_t plen = busy_prefix(s);
        if (!plen)
            continue;
        slice_tap *st = &tl->slices[tl->nslices];
        st->name = dmasim__alloc(tl->sim, plen + 1);
        if (!st->name)
            return DMASIM_ENOMEM;
        memcpy(st->name, dmasim_signal_name(s), plen);
        st->tl = tl;
        st->sig = s;
        st->id = (uint32_t)tl->nslices++;
        if (dmasim_signal_subscribe(s, on_busy, st))
            return DMASIM_ENOMEM;
        if (dmasim_signal_value(s)) /* already busy */
            slice_event(tl, st, "b", dmasim_sim_now(tl->sim));
    }
    return 0;
}

int dmasim_trace_timeline_open_v2(dmasim_sim *sim, const char *path, dmasim_trace_compression compression,
                                  dmasim_trace_timeline **out)
{
    if (!sim || !path || !out || (unsigned)compression > DMASIM_TRACE_GZIP)
        return sim ? dmasim__error(sim, DMASIM_EINVAL, "timeline: no path, no output handle or unknown compression")
                   : DMASIM_EINVAL;
    dmasim_trace_timeline *tl = dmasim__alloc(sim, sizeof *tl);
    if (!tl)
        return DMASIM_ENOMEM;
    tl->sim = sim;
    tl->path = dmasim__strdup(sim, path);
    tl->out = dmasim__alloc(sim, OUT_BUF);
    if (!tl->path || !tl->out || dmasim__component_add(sim, tl, &tl_ops)) {
        tl_destroy(tl);
        return DMASIM_ENOMEM;
    }
    /* owned by the sim from here: on failure it stays, inert, until dmasim_sim_destroy */
    if (compression == DMASIM_TRACE_BY_NAME) {
        size_t n = strlen(path);
        compression = n >= 3 && strcmp(path + n - 3, ".gz") == 0 ? DMASIM_TRACE_GZIP : DMASIM_TRACE_PLAIN;
    }
    errno = 0;
    tl->gz = gzopen(path, compression == DMASIM_TRACE_GZIP ? "wb6" : "wbT");
    if (!tl->gz) {
        int e = errno;
        release(tl);
        return dmasim__error(sim, DMASIM_EIO, "%s: cannot create: %s", path, e ? strerror(e) : "zlib error");
    }
    gzbuffer(tl->gz, 1u << 17);
    tl->open = 1;
    out_str(tl, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    if (subscribe_busy(tl)) {
        gzclose(tl->gz);
        remove(path);
        release(tl);
        return DMASIM_ENOMEM;
    }
    *out = tl;
    return 0;
}

int dmasim_trace_timeline_open(dmasim_sim *sim, const char *path, dmasim_trace_timeline **out)
{
    return dmasim_trace_timeline_open_v2(sim, path, DMASIM_TRACE_BY_NAME, out);
}

int dmasim_trace_timeline_add_bus(dmasim_trace_timeline *tl, dmasim_bus *bus)
{
    if (!tl->open)
        return dmasim__error(tl->sim, DMASIM_ESTATE, "%s: timeline closed", tl->path);
    if (dmasim_bus_sim(bus) != tl->sim)
        return dmasim__error(tl->sim, DMASIM_EINVAL, "%s: bus %s belongs to another simulation", tl->path,
                             dmasim_bus_name(bus));
    for (size_t b = 0; b < tl->nbuses; b++)
        if (tl->buses[b]->bus == bus)
            return dmasim__error(tl->sim, DMASIM_EBUSY, "%s: bus %s added twice", tl->path, dmasim_bus_name(bus));
    if (dmasim__grow(tl->sim, (void **)&tl->buses, &tl->buses_cap, tl->nbuses + 1, sizeof *tl->buses))
        return DMASIM_ENOMEM;
    tl_bus *tb = dmasim__alloc(tl->sim, sizeof *tb);
    if (!tb)
        return DMASIM_ENOMEM;
    *tb = (tl_bus){tl, bus, PID_CHANNELS + 1 + (int)tl->nbuses};
    if (dmasim_bus_add_observer(bus, on_txn, tb)) {
        dmasim__free(tl->sim, tb, sizeof *tb);
        return DMASIM_ENOMEM;
    }
    tl->buses[tl->nbuses++] = tb;
    return 0;
}

int dmasim_trace_timeline_close(dmasim_trace_timeline *tl)
{
    if (!tl->open)
        return dmasim__error(tl->sim, DMASIM_ESTATE, "%s: already closed", tl->path);
    dmasim_time now = dmasim_sim_now(tl->sim);
    for (size_t i = 0; i < tl->nslices; i++) /* slices still open end now */
        if (dmasim_signal_value(tl->slices[i].sig))
            slice_event(tl, &tl->slices[i], "e", now);
    write_metadata(tl);
    out_str(tl, "\n]}\n");
    out_flush(tl);
    int zerr = gzclose(tl->gz);
    if (zerr != Z_OK && !tl->err) {
        dmasim__error(tl->sim, DMASIM_EIO, "%s: closing failed: %s", tl->path,
                      zerr == Z_ERRNO ? strerror(errno) : "zlib error");
        tl->err = DMASIM_EIO;
    }
    tl->gz = NULL;
    release(tl);
    return tl->err;
}

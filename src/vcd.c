/* VCD writer (include/dmasim/trace.h): subscribes to every signal, optionally observes bus
 * transactions, and writes IEEE 1364 value changes through zlib (gzip or plain).
 *
 * Signal changes arrive in simulated-time order; transactions arrive per bus in start order,
 * but on the fast path possibly ahead of simulated time (a whole burst when it is computed),
 * and on both paths only when they end, after the signal changes made during their cycles.
 * So each source has its own FIFO (signals: one; each traced bus: one record per
 * transaction), and a flush merges them in time order up to a horizon before which nothing
 * can still arrive: the current time, lowered for each traced bus whose owner signal is
 * non-zero to the later of that signal's last change (the tenure's start) and the end of the
 * last transaction reported (a transaction still to come starts at or after both). At each
 * instant every variable shows its last value (a variable belongs to one source, whose order
 * is its arrival order), in variable order; the output does not depend on when flushes
 * happen, so both paths give the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "internal.h"
#include "dmasim/trace.h"

#define OUT_BUF (1u << 16)
#define FLUSH_MIN 8192u /* queued changes and transactions before the first flush */

/* A queue: items [head, n) of cap, each elem bytes. */
typedef struct fifo {
    void *items;
    size_t head, n, cap;
} fifo;

typedef struct sig_change {
    dmasim_time t;
    uint64_t value;
    uint32_t var;
} sig_change;

typedef struct txn_rec {
    dmasim_time start, end;
    dmasim_addr addr;
    int32_t master;
} txn_rec;

typedef struct var {
    char *name;           /* full dotted name */
    unsigned width;
    uint64_t value;       /* initial value, then the last one written */
    uint64_t next;        /* during a flush: its last value at the instant being written */
    int touched;          /* next is set */
    dmasim_time changed;  /* time of the signal's last change (the open time before any) */
    char code[8];         /* identifier code, NUL-terminated */
} var;

/* Subscription context of one signal (the var array may move; taps do not). */
typedef struct tap {
    dmasim_trace_vcd *vcd;
    uint32_t var;
} tap;

typedef struct bus_tap {
    dmasim_trace_vcd *vcd;
    dmasim_bus *bus;
    dmasim_signal *owner;
    uint32_t owner_var, addr_var, master_var;
    dmasim_time last_end; /* end of the last transaction reported */
    dmasim_time idle_at;  /* txn_master goes to 0 then, unless a transaction starts then */
    fifo txns;            /* txn_rec, in start order */
} bus_tap;

struct dmasim_trace_vcd {
    dmasim_sim *sim;
    char *path;
    gzFile gz;
    int open, header_done, err;
    dmasim_time t0, last_t; /* open time; last timestamp written */
    var *vars;
    size_t nvars, vars_cap;
    tap *taps;
    size_t ntaps;
    bus_tap **buses;
    size_t nbuses, buses_cap;
    fifo sigs;              /* sig_change, in time order */
    size_t queued, flush_at;
    uint32_t *touched;      /* variables set at the instant being written (nvars, after the header) */
    size_t ntouched;
    char *out;
    size_t olen;
};

/* ---- output ---- */

static void set_err(dmasim_trace_vcd *v, int err)
{
    if (!v->err)
        v->err = err;
}

static void out_flush(dmasim_trace_vcd *v)
{
    if (v->olen && !v->err && gzwrite(v->gz, v->out, (unsigned)v->olen) != (int)v->olen) {
        int zerr;
        const char *msg = gzerror(v->gz, &zerr);
        dmasim__error(v->sim, DMASIM_EIO, "%s: write failed: %s", v->path,
                      zerr == Z_ERRNO ? strerror(errno) : msg);
        set_err(v, DMASIM_EIO);
    }
    v->olen = 0;
}

/* Room for n more bytes (n <= OUT_BUF). */
static char *out_room(dmasim_trace_vcd *v, size_t n)
{
    if (v->olen + n > OUT_BUF)
        out_flush(v);
    return v->out + v->olen;
}

static void out_str(dmasim_trace_vcd *v, const char *s)
{
    while (*s) {
        size_t n = strlen(s), k = n < OUT_BUF ? n : OUT_BUF;
        memcpy(out_room(v, k), s, k);
        v->olen += k;
        s += k;
    }
}

/* A name component for the header: whitespace and control bytes become '_' (a VCD
 * reference is one token), an empty component "_". */
static void out_ref(dmasim_trace_vcd *v, const char *s, size_t n)
{
    if (!n) {
        out_str(v, "_");
        return;
    }
    while (n) {
        size_t k = n < OUT_BUF ? n : OUT_BUF;
        char *p = out_room(v, k);
        for (size_t i = 0; i < k; i++)
            p[i] = (unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ? '_' : s[i];
        v->olen += k;
        s += k;
        n -= k;
    }
}

static size_t fmt_u64(char *p, uint64_t x)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static void out_time(dmasim_trace_vcd *v, dmasim_time t)
{
    char *p = out_room(v, 24);
    size_t n = 0;
    p[n++] = '#';
    n += fmt_u64(p + n, t);
    p[n++] = '\n';
    v->olen += n;
    v->last_t = t;
}

/* "0!" / "1!" for one bit, "b101 !" otherwise (no leading zeros; "b0 !" for zero). */
static void out_value(dmasim_trace_vcd *v, const var *x, uint64_t value)
{
    char *p = out_room(v, 64 + 12);
    size_t n = 0;
    if (x->width == 1) {
        p[n++] = (char)('0' + (value & 1));
    } else {
        p[n++] = 'b';
        int hi = 63;
        while (hi > 0 && !((value >> hi) & 1))
            hi--;
        for (int b = hi; b >= 0; b--)
            p[n++] = (char)('0' + ((value >> b) & 1));
        p[n++] = ' ';
    }
    for (const char *c = x->code; *c; c++)
        p[n++] = *c;
    p[n++] = '\n';
    v->olen += n;
}

/* ---- header ---- */

static void make_code(char code[8], size_t i)
{
    size_t n = 0;
    do { /* printable ASCII '!'..'~', least significant digit first */
        code[n++] = (char)('!' + i % 94);
        i /= 94;
    } while (i && n < 7);
    code[n] = '\0';
}

/* Is var i inside the scope named by the first plen bytes of pfx (a dotted prefix with its
 * trailing dot, or plen == 0 for the top)? */
static int in_scope(const var *x, const char *pfx, size_t plen)
{
    return strncmp(x->name, pfx, plen) == 0;
}

/* The $var lines and nested $scopes of one scope, in the order of first appearance. */
static void write_scope(dmasim_trace_vcd *v, const char *pfx, size_t plen)
{
    for (size_t i = 0; i < v->nvars; i++) {
        const var *x = &v->vars[i];
        if (!in_scope(x, pfx, plen))
            continue;
        const char *rest = x->name + plen, *dot = strchr(rest, '.');
        if (!dot) {
            char w[32];
            snprintf(w, sizeof w, "$var wire %u ", x->width);
            out_str(v, w);
            out_str(v, x->code);
            out_str(v, " ");
            out_ref(v, rest, strlen(rest));
            out_str(v, " $end\n");
            continue;
        }
        size_t clen = (size_t)(dot - rest) + 1; /* the child scope with its dot */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = in_scope(&v->vars[j], pfx, plen) && strncmp(v->vars[j].name + plen, rest, clen) == 0;
        if (seen)
            continue;
        out_str(v, "$scope module ");
        out_ref(v, rest, clen - 1);
        out_str(v, " $end\n");
        write_scope(v, x->name, plen + clen);
        out_str(v, "$upscope $end\n");
    }
}

static void write_header(dmasim_trace_vcd *v)
{
    char line[64];
    v->touched = dmasim__alloc(v->sim, (v->nvars + 1) * sizeof *v->touched);
    if (!v->touched)
        set_err(v, DMASIM_ENOMEM);
    out_str(v, "$version dmasim ");
    out_str(v, dmasim_version_string());
    out_str(v, " $end\n$timescale 1ps $end\n");
    for (size_t b = 0; b < v->nbuses; b++) {
        dmasim_bus *bus = v->buses[b]->bus;
        out_str(v, "$comment ");
        out_str(v, dmasim_bus_name(bus));
        out_str(v, " masters:");
        for (int m = 0; m < dmasim_bus_master_count(bus); m++) {
            snprintf(line, sizeof line, " %d=", m + 1);
            out_str(v, line);
            out_str(v, dmasim_bus_master_name(bus, m));
        }
        out_str(v, " (values of owner and txn_master; 0 = none) $end\n");
    }
    write_scope(v, "", 0);
    out_str(v, "$enddefinitions $end\n");
    out_time(v, v->t0);
    out_str(v, "$dumpvars\n");
    for (size_t i = 0; i < v->nvars; i++)
        out_value(v, &v->vars[i], v->vars[i].value);
    out_str(v, "$end\n");
    v->header_done = 1;
}

/* ---- the queues ---- */

/* Room for one more item at the tail (compacting or growing); NULL when out of memory. */
static void *fifo_push(dmasim_sim *sim, fifo *f, size_t elem)
{
    if (f->n == f->cap && f->head >= f->n / 2 && f->head) {
        memmove(f->items, (char *)f->items + f->head * elem, (f->n - f->head) * elem);
        f->n -= f->head;
        f->head = 0;
    }
    if (f->n == f->cap && dmasim__grow(sim, &f->items, &f->cap, f->n + 1, elem))
        return NULL;
    return (char *)f->items + f->n++ * elem;
}

static void *fifo_head(const fifo *f, size_t elem)
{
    return f->head < f->n ? (char *)f->items + f->head * elem : NULL;
}

static void fifo_free(dmasim_sim *sim, fifo *f, size_t elem)
{
    dmasim__free(sim, f->items, f->cap * elem);
    memset(f, 0, sizeof *f);
}

/* The time before which every change has arrived (see the top of the file). */
static dmasim_time horizon(const dmasim_trace_vcd *v)
{
    dmasim_time h = dmasim_sim_now(v->sim);
    for (size_t b = 0; b < v->nbuses; b++) {
        const bus_tap *bt = v->buses[b];
        if (!dmasim_signal_value(bt->owner))
            continue; /* free: nothing in flight, the next transaction starts after a grant */
        dmasim_time l = v->vars[bt->owner_var].changed;
        if (bt->last_end > l)
            l = bt->last_end;
        if (l < h)
            h = l;
    }
    return h;
}

static void set_next(dmasim_trace_vcd *v, uint32_t i, uint64_t value)
{
    var *x = &v->vars[i];
    if (!x->touched) {
        x->touched = 1;
        v->touched[v->ntouched++] = i;
    }
    x->next = value;
}

/* Write the variables set at instant t, in variable order, those whose value changed. */
static void write_instant(dmasim_trace_vcd *v, dmasim_time t)
{
    uint32_t *a = v->touched;
    for (size_t i = 1; i < v->ntouched; i++) /* insertion sort: a handful per instant */
        for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
            uint32_t tmp = a[j];
            a[j] = a[j - 1];
            a[j - 1] = tmp;
        }
    for (size_t i = 0; i < v->ntouched; i++) {
        var *x = &v->vars[a[i]];
        x->touched = 0;
        if (x->next == x->value)
            continue;
        if (t != v->last_t)
            out_time(v, t);
        out_value(v, x, x->next);
        x->value = x->next;
    }
    v->ntouched = 0;
}

/* The next instant at which bus bt changes its wires (DMASIM_TIME_NEVER: none queued). */
static dmasim_time bus_next(const bus_tap *bt)
{
    const txn_rec *r = fifo_head(&bt->txns, sizeof *r);
    return r && r->start < bt->idle_at ? r->start : bt->idle_at;
}

/* Write every queued change with time < limit (<= limit if inclusive), merging the sources. */
static void flush(dmasim_trace_vcd *v, dmasim_time limit, int inclusive)
{
    if (!v->header_done)
        write_header(v);
    for (; !v->err;) {
        const sig_change *c = fifo_head(&v->sigs, sizeof *c);
        dmasim_time t = c ? c->t : DMASIM_TIME_NEVER;
        for (size_t b = 0; b < v->nbuses; b++) {
            dmasim_time bt = bus_next(v->buses[b]);
            if (bt < t)
                t = bt;
        }
        if (t == DMASIM_TIME_NEVER || t > limit || (t == limit && !inclusive))
            break;
        for (; c && c->t == t; c = fifo_head(&v->sigs, sizeof *c)) {
            set_next(v, c->var, c->value);
            v->sigs.head++;
            v->queued--;
        }
        for (size_t b = 0; b < v->nbuses; b++) {
            bus_tap *bt = v->buses[b];
            const txn_rec *r = fifo_head(&bt->txns, sizeof *r);
            if (r && r->start == t) { /* a transaction starts (it supersedes an idle at t) */
                set_next(v, bt->addr_var, r->addr);
                set_next(v, bt->master_var, (uint64_t)r->master + 1);
                bt->idle_at = r->end;
                bt->txns.head++;
                v->queued--;
            } else if (bt->idle_at == t) {
                set_next(v, bt->master_var, 0);
                bt->idle_at = DMASIM_TIME_NEVER;
            }
        }
        /* (a change can only be late if a master breaks the bus's rules; keep the file valid) */
        write_instant(v, t < v->last_t ? v->last_t : t);
    }
    v->flush_at = 2 * v->queued > FLUSH_MIN ? 2 * v->queued : FLUSH_MIN;
}

static void maybe_flush(dmasim_trace_vcd *v)
{
    if (++v->queued >= v->flush_at && !v->err)
        flush(v, horizon(v), 0);
}

static void on_signal(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    tap *tp = ctx;
    dmasim_trace_vcd *v = tp->vcd;
    if (!v->open || v->err)
        return;
    v->vars[tp->var].changed = t;
    sig_change *c = fifo_push(v->sim, &v->sigs, sizeof *c);
    if (!c) {
        set_err(v, DMASIM_ENOMEM);
        return;
    }
    *c = (sig_change){t, value, tp->var};
    maybe_flush(v);
}

static void on_txn(void *ctx, int master, const dmasim_bus_txn *txn, dmasim_time start, dmasim_time end)
{
    bus_tap *bt = ctx;
    dmasim_trace_vcd *v = bt->vcd;
    if (!v->open || v->err || start < v->t0) /* (one that started before the writer was opened) */
        return;
    bt->last_end = end;
    txn_rec *r = fifo_push(v->sim, &bt->txns, sizeof *r);
    if (!r) {
        set_err(v, DMASIM_ENOMEM);
        return;
    }
    *r = (txn_rec){start, end, txn->addr, master};
    maybe_flush(v);
}

/* ---- life cycle ---- */

static void release(dmasim_trace_vcd *v)
{
    dmasim_sim *sim = v->sim;
    fifo_free(sim, &v->sigs, sizeof(sig_change));
    for (size_t b = 0; b < v->nbuses; b++)
        fifo_free(sim, &v->buses[b]->txns, sizeof(txn_rec));
    dmasim__free(sim, v->touched, (v->nvars + 1) * sizeof *v->touched);
    dmasim__free(sim, v->out, OUT_BUF);
    v->touched = NULL;
    v->out = NULL;
    v->queued = 0;
    v->open = 0;
}

static void vcd_destroy(void *self)
{
    dmasim_trace_vcd *v = self;
    dmasim_sim *sim = v->sim;
    if (v->open)
        (void)dmasim_trace_vcd_close(v);
    release(v);
    for (size_t i = 0; i < v->nvars; i++)
        dmasim__strfree(sim, v->vars[i].name);
    dmasim__free(sim, v->vars, v->vars_cap * sizeof *v->vars);
    dmasim__free(sim, v->taps, v->ntaps * sizeof *v->taps);
    for (size_t b = 0; b < v->nbuses; b++)
        dmasim__free(sim, v->buses[b], sizeof *v->buses[b]);
    dmasim__free(sim, v->buses, v->buses_cap * sizeof *v->buses);
    dmasim__strfree(sim, v->path);
    dmasim__free(sim, v, sizeof *v);
}

static const dmasim__component_ops vcd_ops = {vcd_destroy, NULL};

/* Append a variable (name copied); returns its index or -1 (ENOMEM). */
static long add_var(dmasim_trace_vcd *v, const char *name, unsigned width, uint64_t value)
{
    if (dmasim__grow(v->sim, (void **)&v->vars, &v->vars_cap, v->nvars + 1, sizeof *v->vars))
        return -1;
    var *x = &v->vars[v->nvars];
    x->name = dmasim__strdup(v->sim, name);
    if (!x->name)
        return -1;
    x->width = width;
    x->value = value;
    x->changed = v->t0;
    make_code(x->code, v->nvars);
    return (long)v->nvars++;
}

static const char *gz_mode(const char *path, dmasim_trace_compression c)
{
    if (c == DMASIM_TRACE_BY_NAME) {
        size_t n = strlen(path);
        c = n >= 3 && strcmp(path + n - 3, ".gz") == 0 ? DMASIM_TRACE_GZIP : DMASIM_TRACE_PLAIN;
    }
    return c == DMASIM_TRACE_GZIP ? "wb6" : "wbT";
}

/* The signals' variables and subscriptions. */
static int subscribe_all(dmasim_trace_vcd *v)
{
    size_t n = dmasim_sim_signal_count(v->sim);
    v->taps = n ? dmasim__alloc(v->sim, n * sizeof *v->taps) : NULL;
    if (n && !v->taps)
        return DMASIM_ENOMEM;
    v->ntaps = n;
    for (size_t i = 0; i < n; i++) {
        dmasim_signal *s = dmasim_sim_signal_at(v->sim, i);
        long vi = add_var(v, dmasim_signal_name(s), dmasim_signal_width(s), dmasim_signal_value(s));
        if (vi < 0)
            return DMASIM_ENOMEM;
        v->taps[i] = (tap){v, (uint32_t)vi};
    }
    for (size_t i = 0; i < n; i++)
        if (dmasim_signal_subscribe(dmasim_sim_signal_at(v->sim, i), on_signal, &v->taps[i]))
            return DMASIM_ENOMEM;
    return 0;
}

int dmasim_trace_vcd_open_v2(dmasim_sim *sim, const char *path, dmasim_trace_compression compression,
                             dmasim_trace_vcd **out)
{
    if (!sim || !path || !out || (unsigned)compression > DMASIM_TRACE_GZIP)
        return sim ? dmasim__error(sim, DMASIM_EINVAL, "vcd: no path, no output handle or unknown compression")
                   : DMASIM_EINVAL;
    dmasim_trace_vcd *v = dmasim__alloc(sim, sizeof *v);
    if (!v)
        return DMASIM_ENOMEM;
    v->sim = sim;
    v->t0 = v->last_t = dmasim_sim_now(sim);
    v->flush_at = FLUSH_MIN;
    v->path = dmasim__strdup(sim, path);
    v->out = dmasim__alloc(sim, OUT_BUF);
    if (!v->path || !v->out || dmasim__component_add(sim, v, &vcd_ops)) {
        vcd_destroy(v);
        return DMASIM_ENOMEM;
    }
    /* owned by the sim from here: on failure it stays, inert, until dmasim_sim_destroy */
    errno = 0;
    v->gz = gzopen(path, gz_mode(path, compression));
    if (!v->gz) {
        int e = errno;
        release(v);
        return dmasim__error(sim, DMASIM_EIO, "%s: cannot create: %s", path, e ? strerror(e) : "zlib error");
    }
    gzbuffer(v->gz, 1u << 17);
    v->open = 1;
    if (subscribe_all(v)) {
        gzclose(v->gz);
        remove(path);
        release(v);
        return DMASIM_ENOMEM;
    }
    *out = v;
    return 0;
}

int dmasim_trace_vcd_open(dmasim_sim *sim, const char *path, dmasim_trace_vcd **out)
{
    return dmasim_trace_vcd_open_v2(sim, path, DMASIM_TRACE_BY_NAME, out);
}

/* The variable of a signal, or -1 if it is not traced. */
static long var_of(const dmasim_trace_vcd *v, const dmasim_signal *s)
{
    for (size_t i = 0; i < v->ntaps; i++)
        if (dmasim_sim_signal_at(v->sim, i) == s)
            return (long)v->taps[i].var;
    return -1;
}

int dmasim_trace_vcd_add_bus(dmasim_trace_vcd *v, dmasim_bus *bus)
{
    if (!v->open || v->header_done)
        return dmasim__error(v->sim, DMASIM_ESTATE, "%s: buses are added before the trace is written", v->path);
    const char *bn = dmasim_bus_name(bus);
    char name[300];
    snprintf(name, sizeof name, "%s.owner", bn);
    dmasim_signal *owner = dmasim_bus_sim(bus) == v->sim ? dmasim_sim_signal_find(v->sim, name) : NULL;
    long ov = owner ? var_of(v, owner) : -1;
    if (ov < 0)
        return dmasim__error(v->sim, DMASIM_EINVAL, "%s: bus %s is not traced (created after the VCD was opened?)",
                             v->path, bn);
    for (size_t b = 0; b < v->nbuses; b++)
        if (v->buses[b]->bus == bus)
            return dmasim__error(v->sim, DMASIM_EBUSY, "%s: bus %s added twice", v->path, bn);
    if (dmasim__grow(v->sim, (void **)&v->buses, &v->buses_cap, v->nbuses + 1, sizeof *v->buses))
        return DMASIM_ENOMEM;
    bus_tap *bt = dmasim__alloc(v->sim, sizeof *bt);
    if (!bt)
        return DMASIM_ENOMEM;
    *bt = (bus_tap){v, bus, owner, (uint32_t)ov, 0, 0, v->t0, DMASIM_TIME_NEVER, {NULL, 0, 0, 0}};
    snprintf(name, sizeof name, "%s.addr", bn);
    long av = add_var(v, name, 64, 0);
    snprintf(name, sizeof name, "%s.txn_master", bn);
    long mv = av < 0 ? -1 : add_var(v, name, 8, 0);
    if (mv < 0 || dmasim_bus_add_observer(bus, on_txn, bt)) {
        dmasim__free(v->sim, bt, sizeof *bt);
        return DMASIM_ENOMEM; /* a variable without a bus stays at 0: harmless */
    }
    bt->addr_var = (uint32_t)av;
    bt->master_var = (uint32_t)mv;
    v->buses[v->nbuses++] = bt;
    return 0;
}

int dmasim_trace_vcd_close(dmasim_trace_vcd *v)
{
    if (!v->open)
        return dmasim__error(v->sim, DMASIM_ESTATE, "%s: already closed", v->path);
    dmasim_time now = dmasim_sim_now(v->sim);
    if (!v->err)
        flush(v, now, 1); /* later changes (reported ahead of a stopped run) are dropped */
    if (!v->err && now > v->last_t)
        out_time(v, now);
    out_flush(v);
    int zerr = gzclose(v->gz);
    if (zerr != Z_OK && !v->err) {
        dmasim__error(v->sim, DMASIM_EIO, "%s: closing failed: %s", v->path,
                      zerr == Z_ERRNO ? strerror(errno) : "zlib error");
        set_err(v, DMASIM_EIO);
    }
    v->gz = NULL;
    release(v);
    if (v->err == DMASIM_ENOMEM)
        dmasim__error(v->sim, DMASIM_ENOMEM, "%s: out of memory while tracing: changes were lost", v->path);
    return v->err;
}

/* dmasim_bench: host throughput of the simulator core, with the results it measures checked.
 *
 * Cases (each repeated --reps times, 3 by default; host time by clock_gettime(CLOCK_MONOTONIC)
 * around the simulation only: building the system, filling the source and checking the result
 * are outside the timed region):
 *
 *   trace_replay      Lackey trace replay through a CPU (clock_ratio 4) with a 32 KiB 8-way 64 B
 *                     D1, on a bus (width 8) with SRAM (2 wait states), no DMA: trace lines/s.
 *   burst_copy        64 MiB memory-to-memory burst copy (item 8), idle CPU: bus cycles/s.
 *   burst_copy_ref    the same on the per-cycle reference path, 4 MiB: bus cycles/s.
 *   burst_fast_vs_ref ratio of the two rates above.
 *   cycle_steal_trace cycle-stealing copy concurrent with the trace-replaying CPU, sized to run
 *                     about as long as the trace: bus cycles of the whole run per host second.
 *   transparent_trace the same in transparent mode.
 *   kernel_events     the event kernel alone: 64 self-rescheduling events, events/s.
 *   dram_random       the DRAM model alone (DDR4-2400), 5 M random reads with 16 outstanding:
 *                     requests/s.
 *
 * Checks (exit 1 on failure; a benchmark of a wrong result is worthless): destination bytes
 * equal the source (a deterministic pattern) and the byte after the block is untouched; the
 * channel reached terminal count without error; the burst copy takes exactly the bus cycles the
 * timing rules give; every repetition gives the same simulated quantity; the D1 misses of the
 * md5sum trace equal Cachegrind's; the fast path gives the same statistics as the reference path
 * (burst 4 MiB, cycle stealing and transparent with the trace); in transparent mode the CPU's
 * cycle count equals that of the trace alone and it never waits for the DMAC; in cycle stealing
 * no CPU request waits longer than one unit (plus one cycle of edge alignment).
 *
 * Usage: dmasim_bench [--quick] [--reps N] [--only CASE[,CASE...]] [--no-ref-check] [TRACE]
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dmasim/dmasim.h"

#ifndef DMASIM_SOURCE_DIR
#define DMASIM_SOURCE_DIR "."
#endif

/* ---- the system every case uses ---------------------------------------------------------- */

enum {
    BUS_WIDTH = 8,
    SRAM_WAIT_STATES = 2,
    CPU_CLOCK_RATIO = 4,
    ITEM_SIZE = 8,
    MAX_REPS = 15
};

#define BURST_SRC 0x10000000ull /* 64 MiB blocks inside the 1 GiB SRAM */
#define BURST_DST 0x18000000ull
#define MIXED_SRC 0x20000000ull /* the copy that runs with the trace CPU */
#define MIXED_DST 0x28000000ull

/* Cachegrind's D1 misses for md5sum.lackey.gz at 32768,8,64 (test/data/cachegrind-refs.tsv). */
#define MD5SUM_D1_READ_MISSES 3140u
#define MD5SUM_D1_WRITE_MISSES 620u

typedef struct opts {
    int quick;
    int reps;
    int ref_check;
    unsigned only; /* bit mask of cases; all if 0 */
    const char *trace;
    /* sizes */
    uint64_t trace_lines;   /* max_lines (0 = whole trace) */
    uint64_t burst_bytes;
    uint64_t ref_bytes;
    uint64_t kernel_events;
} opts;

enum {
    C_TRACE = 1u << 0,
    C_BURST = 1u << 1,
    C_BURST_REF = 1u << 2,
    C_CYCLE_STEAL = 1u << 3,
    C_TRANSPARENT = 1u << 4,
    C_KERNEL = 1u << 5,
    C_DRAM = 1u << 6
};

static const struct {
    const char *name;
    unsigned bit;
} case_names[] = {
    {"trace_replay", C_TRACE},          {"burst_copy", C_BURST},
    {"burst_copy_ref", C_BURST_REF},    {"cycle_steal_trace", C_CYCLE_STEAL},
    {"transparent_trace", C_TRANSPARENT}, {"kernel_events", C_KERNEL},
    {"dram_random", C_DRAM},
};

typedef struct rig {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
} rig;

static int g_failures;

/* Notes printed after the table (details of the cases, information from the checks). */
enum { MAX_NOTES = 32, NOTE_LEN = 400 };
static char g_notes[MAX_NOTES][NOTE_LEN];
static int g_nnotes;

#if defined(__GNUC__)
static void add_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static void add_note(const char *fmt, ...)
{
    if (g_nnotes >= MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_notes[g_nnotes++], NOTE_LEN, fmt, ap);
    va_end(ap);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check_rc(int rc, dmasim_sim *sim, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "dmasim_bench: %s failed: %s (%s)\n", what, dmasim_strerror(rc),
            sim ? dmasim_sim_errmsg(sim) : "");
    exit(1);
}

/* A correctness failure: reported, counted, and the run ends with exit status 1. */
#if defined(__GNUC__)
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dmasim_bench: CHECK FAILED: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    g_failures++;
}

static uint64_t stat_u64(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    check_rc(dmasim_sim_stat_u64(sim, path, &v), sim, path);
    return v;
}

static void rig_build(rig *r, int reference, int with_dmac)
{
    memset(r, 0, sizeof *r);
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.reference = reference;
    check_rc(dmasim_sim_create(&sc, &r->sim), NULL, "dmasim_sim_create");

    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc);
    bc.width = BUS_WIDTH;
    check_rc(dmasim_bus_create(r->sim, &bc, &r->bus), r->sim, "dmasim_bus_create");

    dmasim_sram_config mc;
    dmasim_sram_config_init(&mc);
    mc.wait_states = SRAM_WAIT_STATES;
    mc.size = 1ull << 30;
    check_rc(dmasim_sram_create(r->bus, &mc), r->sim, "dmasim_sram_create");

    if (with_dmac) {
        dmasim_dmac_config dc;
        dmasim_dmac_config_init(&dc);
        check_rc(dmasim_dmac_create(r->bus, &dc, &r->dmac), r->sim, "dmasim_dmac_create");
    }

    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = CPU_CLOCK_RATIO;
    cc.dcache.size = 32768;
    cc.dcache.ways = 8;
    cc.dcache.line = 64;
    check_rc(dmasim_cpu_create(r->bus, &cc, &r->cpu), r->sim, "dmasim_cpu_create");
}

/* ---- data pattern and the copy check ------------------------------------------------------ */

static uint64_t pattern_word(uint64_t i)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

enum { CHUNK = 1u << 16 };

static void pattern_chunk(uint8_t *buf, uint64_t offset, size_t n)
{
    for (size_t k = 0; k < n; k += 8) {
        uint64_t w = pattern_word((offset + k) / 8);
        for (unsigned b = 0; b < 8 && k + b < n; b++)
            buf[k + b] = (uint8_t)(w >> (8 * b));
    }
}

static void fill_pattern(dmasim_sim *sim, dmasim_addr base, uint64_t bytes)
{
    uint8_t *buf = malloc(CHUNK);
    if (!buf) {
        fprintf(stderr, "dmasim_bench: out of memory\n");
        exit(1);
    }
    for (uint64_t off = 0; off < bytes; off += CHUNK) {
        size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;
        pattern_chunk(buf, off, n);
        check_rc(dmasim_mem_write(sim, base + off, buf, n), sim, "dmasim_mem_write");
    }
    free(buf);
}

/* Source still holds the pattern, destination equals the source, the byte after it is 0. */
static void verify_copy(dmasim_sim *sim, dmasim_addr src, dmasim_addr dst, uint64_t bytes, const char *what)
{
    uint8_t *s = malloc(CHUNK), *d = malloc(CHUNK), *e = malloc(CHUNK);
    if (!s || !d || !e) {
        fprintf(stderr, "dmasim_bench: out of memory\n");
        exit(1);
    }
    for (uint64_t off = 0; off < bytes; off += CHUNK) {
        size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;
        check_rc(dmasim_mem_read(sim, src + off, s, n), sim, "dmasim_mem_read");
        check_rc(dmasim_mem_read(sim, dst + off, d, n), sim, "dmasim_mem_read");
        pattern_chunk(e, off, n);
        if (memcmp(s, e, n) || memcmp(d, s, n)) {
            size_t k = 0;
            while (k < n && s[k] == e[k] && d[k] == s[k])
                k++;
            fail("%s: copied data differ at byte %" PRIu64 " (source 0x%02x, destination 0x%02x, pattern 0x%02x)",
                 what, off + k, k < n ? s[k] : 0, k < n ? d[k] : 0, k < n ? e[k] : 0);
            break;
        }
    }
    uint8_t after[64];
    check_rc(dmasim_mem_read(sim, dst + bytes, after, sizeof after), sim, "dmasim_mem_read");
    for (size_t k = 0; k < sizeof after; k++)
        if (after[k]) {
            fail("%s: byte %zu past the destination block was written (0x%02x)", what, k, after[k]);
            break;
        }
    free(s);
    free(d);
    free(e);
}

static void check_channel_done(rig *r, uint64_t count, const char *what)
{
    dmasim_dma_channel_status st;
    check_rc(dmasim_dmac_channel_status(r->dmac, 0, &st), r->sim, "dmasim_dmac_channel_status");
    if (st.busy || !st.tc || st.error || st.items_done != count)
        fail("%s: channel not cleanly done (items %" PRIu64 " of %" PRIu64 ")", what, st.items_done, count);
}

/* ---- statistics snapshots (fast vs reference) --------------------------------------------- */

typedef struct snap {
    size_t n;
    char **path;
    double *dval;
    uint64_t *uval;
    int *kind;
    /* signals: final value and number of changes */
    size_t nsig;
    char **sig_name;
    uint64_t *sig_value, *sig_toggles;
} snap;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "dmasim_bench: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = xcalloc(strlen(s) + 1, 1);
    strcpy(d, s);
    return d;
}

static void snap_take(dmasim_sim *sim, snap *s)
{
    dmasim_sim_stats_update(sim);
    s->n = dmasim_sim_stat_count(sim);
    s->path = xcalloc(s->n, sizeof *s->path);
    s->dval = xcalloc(s->n, sizeof *s->dval);
    s->uval = xcalloc(s->n, sizeof *s->uval);
    s->kind = xcalloc(s->n, sizeof *s->kind);
    for (size_t i = 0; i < s->n; i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(sim, i);
        s->path[i] = xstrdup(st->path);
        s->kind[i] = (int)st->kind;
        if (st->kind == DMASIM_STAT_U64)
            s->uval[i] = *(const uint64_t *)st->value;
        else
            s->dval[i] = *(const double *)st->value;
    }
    s->nsig = dmasim_sim_signal_count(sim);
    s->sig_name = xcalloc(s->nsig, sizeof *s->sig_name);
    s->sig_value = xcalloc(s->nsig, sizeof *s->sig_value);
    s->sig_toggles = xcalloc(s->nsig, sizeof *s->sig_toggles);
    for (size_t i = 0; i < s->nsig; i++) {
        dmasim_signal *sig = dmasim_sim_signal_at(sim, i);
        s->sig_name[i] = xstrdup(dmasim_signal_name(sig));
        s->sig_value[i] = dmasim_signal_value(sig);
        s->sig_toggles[i] = dmasim_signal_toggles(sig);
    }
}

static void snap_free(snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->path[i]);
    free(s->path);
    free(s->dval);
    free(s->uval);
    free(s->kind);
    for (size_t i = 0; i < s->nsig; i++)
        free(s->sig_name[i]);
    free(s->sig_name);
    free(s->sig_value);
    free(s->sig_toggles);
    memset(s, 0, sizeof *s);
}

/* Compares every statistic and signal value; a difference is a failed check (up to 10 are
 * shown). Adds a note with the count. */
static void snap_compare(const snap *fast, const snap *ref, const char *what)
{
    size_t shown = 0;
    if (fast->n != ref->n) {
        fail("%s: fast path has %" PRIu64 " statistics, reference path %" PRIu64, what, (uint64_t)fast->n,
             (uint64_t)ref->n);
        return;
    }
    for (size_t i = 0; i < fast->n; i++) {
        int same = strcmp(fast->path[i], ref->path[i]) == 0 && fast->kind[i] == ref->kind[i] &&
                   (fast->kind[i] == DMASIM_STAT_U64 ? fast->uval[i] == ref->uval[i]
                                                     : fast->dval[i] == ref->dval[i]);
        if (same)
            continue;
        if (shown++ < 10) {
            if (fast->kind[i] == DMASIM_STAT_U64)
                fprintf(stderr, "dmasim_bench: CHECK FAILED: %s: %s fast %" PRIu64 " reference %" PRIu64 "\n", what,
                        fast->path[i], fast->uval[i], ref->uval[i]);
            else
                fprintf(stderr, "dmasim_bench: CHECK FAILED: %s: %s fast %.17g reference %.17g\n", what,
                        fast->path[i], fast->dval[i], ref->dval[i]);
        }
    }
    if (shown)
        g_failures++;
    /* Signals: final values must match. Toggle counts may differ for signals nobody observes
     * (signal.h lets the fast path batch them); report that as information only. */
    if (fast->nsig != ref->nsig) {
        fail("%s: fast path has %zu signals, reference path %zu", what, fast->nsig, ref->nsig);
        return;
    }
    for (size_t i = 0; i < fast->nsig; i++) {
        if (strcmp(fast->sig_name[i], ref->sig_name[i]) || fast->sig_value[i] != ref->sig_value[i])
            fail("%s: signal %s ends at %" PRIu64 " on the fast path, %" PRIu64 " on the reference path", what,
                 fast->sig_name[i], fast->sig_value[i], ref->sig_value[i]);
        else if (fast->sig_toggles[i] != ref->sig_toggles[i])
            add_note("info: %s: unobserved signal %s changed %" PRIu64 " times on the fast path, %" PRIu64
                     " on the reference path",
                     what, fast->sig_name[i], fast->sig_toggles[i], ref->sig_toggles[i]);
    }
    add_note("%s: %zu statistics and %zu signal values compared, %zu statistic(s) differ%s", what, fast->n,
             fast->nsig, shown, shown ? " (FAILED)" : "");
}

/* ---- results table ------------------------------------------------------------------------ */

typedef struct result {
    const char *name;
    const char *unit;     /* of the simulated quantity */
    const char *rate_unit;
    uint64_t quantity;
    double t[MAX_REPS];
    int n;
    double target;        /* rate target per host second; 0 = none */
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void result_times(const result *r, double *best, double *median)
{
    double t[MAX_REPS];
    memcpy(t, r->t, (size_t)r->n * sizeof *t);
    qsort(t, (size_t)r->n, sizeof *t, cmp_double);
    *best = t[0];
    *median = r->n % 2 ? t[r->n / 2] : 0.5 * (t[r->n / 2 - 1] + t[r->n / 2]);
}

static double result_rate(const result *r)
{
    double best, median;
    result_times(r, &best, &median);
    return best > 0 ? (double)r->quantity / best : 0.0;
}

static void fmt_rate(char *buf, size_t n, double v, const char *unit)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.2f G %s", v / 1e9, unit);
    else if (v >= 1e6)
        snprintf(buf, n, "%.2f M %s", v / 1e6, unit);
    else if (v >= 1e3)
        snprintf(buf, n, "%.2f k %s", v / 1e3, unit);
    else
        snprintf(buf, n, "%.2f %s", v, unit);
}

static void print_header(void)
{
    printf("%-18s %22s %10s %10s %22s %22s %s\n", "case", "simulated", "best_s", "median_s", "rate(best)",
           "target", "result");
}

static void print_result(const result *r)
{
    double best, median;
    result_times(r, &best, &median);
    double rate = best > 0 ? (double)r->quantity / best : 0.0;
    char q[64], rt[64], tg[64];
    snprintf(q, sizeof q, "%" PRIu64 " %s", r->quantity, r->unit);
    fmt_rate(rt, sizeof rt, rate, r->rate_unit);
    if (r->target > 0) {
        char t2[48];
        fmt_rate(t2, sizeof t2, r->target, r->rate_unit);
        snprintf(tg, sizeof tg, ">= %s", t2);
    } else {
        snprintf(tg, sizeof tg, "-");
    }
    printf("%-18s %22s %10.4f %10.4f %22s %22s %s\n", r->name, q, best, median, rt, tg,
           r->target <= 0 ? "-" : rate >= r->target ? "PASS" : "BELOW");
    fflush(stdout);
}

/* The simulated quantity must be the same in every repetition. */
static void record(result *r, int rep, double seconds, uint64_t quantity)
{
    if (rep == 0)
        r->quantity = quantity;
    else if (quantity != r->quantity)
        fail("%s: repetition gave %" PRIu64 " instead of %" PRIu64 " (not deterministic)", r->name, quantity,
             r->quantity);
    r->t[rep] = seconds;
    r->n = rep + 1;
}

/* ---- (a) trace replay ----------------------------------------------------------------------- */

typedef struct trace_run {
    uint64_t lines, bus_cycles, cpu_cycles, read_misses, write_misses;
} trace_run;

static double run_trace(const opts *o, trace_run *out)
{
    rig r;
    rig_build(&r, 0, 0);
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = o->trace;
    tc.max_lines = o->trace_lines;
    double t0 = now_s();
    check_rc(dmasim_cpu_run_trace(r.cpu, &tc), r.sim, "dmasim_cpu_run_trace");
    check_rc(dmasim_sim_run(r.sim), r.sim, "dmasim_sim_run (trace)");
    double t1 = now_s();
    if (!dmasim_cpu_finished(r.cpu))
        fail("trace_replay: CPU did not finish the trace");
    out->lines = stat_u64(r.sim, "cpu0.trace_lines");
    out->bus_cycles = stat_u64(r.sim, "bus0.cycles");
    out->cpu_cycles = stat_u64(r.sim, "cpu0.cycles");
    out->read_misses = stat_u64(r.sim, "cpu0.dcache.read_misses");
    out->write_misses = stat_u64(r.sim, "cpu0.dcache.write_misses");
    dmasim_sim_destroy(r.sim);
    return t1 - t0;
}

static int is_md5sum_trace(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strcmp(b, "md5sum.lackey.gz") == 0;
}

static void case_trace(const opts *o, result *res, trace_run *base)
{
    *res = (result){.name = "trace_replay", .unit = "lines", .rate_unit = "lines/s", .target = 10e6};
    for (int rep = 0; rep < o->reps; rep++) {
        trace_run tr;
        double s = run_trace(o, &tr);
        record(res, rep, s, tr.lines);
        if (rep == 0)
            *base = tr;
        else if (tr.bus_cycles != base->bus_cycles || tr.cpu_cycles != base->cpu_cycles)
            fail("%s: bus/CPU cycles differ between repetitions (%" PRIu64 " vs %" PRIu64 ")", "trace_replay",
                 tr.bus_cycles, base->bus_cycles);
    }
    if (o->trace_lines == 0 && is_md5sum_trace(o->trace) &&
        (base->read_misses != MD5SUM_D1_READ_MISSES || base->write_misses != MD5SUM_D1_WRITE_MISSES))
        fail("%s: D1 misses %" PRIu64 "/%" PRIu64 " differ from Cachegrind's 3140/620", "trace_replay",
             base->read_misses, base->write_misses);
}

/* ---- (b) burst copy, fast and reference ---------------------------------------------------- */

/* Bus cycles of one memory-to-memory unit without arbitration: a read and a write, each one
 * address cycle and item/width beats of (1 + wait states) cycles. */
static uint64_t unit_bus_cycles(void)
{
    uint64_t beats = (ITEM_SIZE + BUS_WIDTH - 1) / BUS_WIDTH;
    return 2 * (1 + beats * (1 + SRAM_WAIT_STATES));
}

static double run_burst(uint64_t bytes, int reference, uint64_t *cycles, snap *sn, uint64_t *events)
{
    const char *what = reference ? "burst_copy_ref" : "burst_copy";
    rig r;
    rig_build(&r, reference, 1);
    uint64_t count = bytes / ITEM_SIZE;
    fill_pattern(r.sim, BURST_SRC, bytes);
    dmasim_dma_transfer x;
    dmasim_dma_transfer_init(&x);
    x.src = BURST_SRC;
    x.dst = BURST_DST;
    x.count = count;
    x.item_size = ITEM_SIZE;
    x.mode = DMASIM_DMA_BURST;
    uint64_t ev0 = dmasim_sim_events_executed(r.sim);
    double t0 = now_s();
    check_rc(dmasim_dmac_channel_start(r.dmac, 0, &x), r.sim, "dmasim_dmac_channel_start");
    check_rc(dmasim_sim_run(r.sim), r.sim, "dmasim_sim_run (burst)");
    double t1 = now_s();
    if (events)
        *events = dmasim_sim_events_executed(r.sim) - ev0;
    check_channel_done(&r, count, what);
    *cycles = stat_u64(r.sim, "bus0.cycles");
    /* one grant (1 arbitration cycle), then every unit back to back */
    uint64_t expect = 1 + count * unit_bus_cycles();
    if (*cycles != expect)
        fail("%s: took %" PRIu64 " bus cycles, the timing rules give %" PRIu64, what, *cycles, expect);
    verify_copy(r.sim, BURST_SRC, BURST_DST, bytes, what);
    if (sn)
        snap_take(r.sim, sn);
    dmasim_sim_destroy(r.sim);
    return t1 - t0;
}

static void case_burst(const opts *o, result *res)
{
    *res = (result){.name = "burst_copy", .unit = "bus cycles", .rate_unit = "cycles/s", .target = 100e6};
    uint64_t events = 0;
    for (int rep = 0; rep < o->reps; rep++) {
        uint64_t cycles;
        double s = run_burst(o->burst_bytes, 0, &cycles, NULL, &events);
        record(res, rep, s, cycles);
    }
    add_note("burst_copy: %" PRIu64 " units in %" PRIu64 " kernel events on the fast path",
             o->burst_bytes / ITEM_SIZE, events);
}

static void case_burst_ref(const opts *o, result *res, double *ref_events_per_s)
{
    *res = (result){.name = "burst_copy_ref", .unit = "bus cycles", .rate_unit = "cycles/s"};
    snap ref = {0};
    double best_ev = 0;
    for (int rep = 0; rep < o->reps; rep++) {
        uint64_t cycles, events;
        snap *sp = rep == o->reps - 1 ? &ref : NULL;
        double s = run_burst(o->ref_bytes, 1, &cycles, sp, &events);
        record(res, rep, s, cycles);
        if (s > 0 && (double)events / s > best_ev)
            best_ev = (double)events / s;
    }
    *ref_events_per_s = best_ev;
    if (o->ref_check) {
        snap fast = {0};
        uint64_t cycles;
        run_burst(o->ref_bytes, 0, &cycles, &fast, NULL);
        snap_compare(&fast, &ref, "burst_copy fast vs reference (ref size)");
        snap_free(&fast);
    }
    snap_free(&ref);
}

/* ---- (c), (e) a DMA copy concurrent with the trace CPU ----------------------------------- */

typedef struct mixed_run {
    uint64_t bus_cycles, cpu_cycles, cpu_stall, dma_done_cycles;
    uint64_t cpu_wait_by_dmac, cpu_max_wait; /* bus cycles */
} mixed_run;

static double run_mixed(const opts *o, dmasim_dma_mode mode, int reference, uint64_t units, mixed_run *out,
                        snap *sn)
{
    const char *what = mode == DMASIM_DMA_TRANSPARENT ? "transparent_trace" : "cycle_steal_trace";
    rig r;
    rig_build(&r, reference, 1);
    fill_pattern(r.sim, MIXED_SRC, units * ITEM_SIZE);
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = o->trace;
    tc.max_lines = o->trace_lines;
    dmasim_dma_transfer x;
    dmasim_dma_transfer_init(&x);
    x.src = MIXED_SRC;
    x.dst = MIXED_DST;
    x.count = units;
    x.item_size = ITEM_SIZE;
    x.mode = mode;
    double t0 = now_s();
    /* The CPU first: a transparent DMAC started before it would not yet see its next request. */
    check_rc(dmasim_cpu_run_trace(r.cpu, &tc), r.sim, "dmasim_cpu_run_trace");
    check_rc(dmasim_dmac_channel_start(r.dmac, 0, &x), r.sim, "dmasim_dmac_channel_start");
    check_rc(dmasim_sim_run(r.sim), r.sim, "dmasim_sim_run (trace + DMA)");
    double t1 = now_s();
    if (!dmasim_cpu_finished(r.cpu))
        fail("%s: CPU did not finish the trace", what);
    check_channel_done(&r, units, what);
    verify_copy(r.sim, MIXED_SRC, MIXED_DST, units * ITEM_SIZE, what);
    out->bus_cycles = stat_u64(r.sim, "bus0.cycles");
    out->cpu_cycles = stat_u64(r.sim, "cpu0.cycles");
    out->cpu_stall = stat_u64(r.sim, "cpu0.stall_cycles");
    out->dma_done_cycles = stat_u64(r.sim, "dmac0.ch0.completion_cycles");
    out->cpu_wait_by_dmac = stat_u64(r.sim, "bus0.master.cpu0.wait_by.dmac0");
    out->cpu_max_wait = stat_u64(r.sim, "bus0.master.cpu0.max_wait_cycles");
    if (sn)
        snap_take(r.sim, sn);
    dmasim_sim_destroy(r.sim);
    return t1 - t0;
}

static void case_mixed(const opts *o, dmasim_dma_mode mode, const trace_run *base, result *res, mixed_run *mr,
                       uint64_t *units_out)
{
    int transparent = mode == DMASIM_DMA_TRANSPARENT;
    *res = (result){.name = transparent ? "transparent_trace" : "cycle_steal_trace", .unit = "bus cycles",
                    .rate_unit = "cycles/s", .target = transparent ? 0 : 20e6};
    /* a cycle-stealing unit costs one arbitration cycle plus the read and the write */
    uint64_t units = base->bus_cycles / (1 + unit_bus_cycles());
    if (units < 1)
        units = 1;
    *units_out = units;
    snap fast = {0};
    for (int rep = 0; rep < o->reps; rep++) {
        double s = run_mixed(o, mode, 0, units, mr, rep == 0 && o->ref_check ? &fast : NULL);
        record(res, rep, s, mr->bus_cycles);
    }
    /* The modes' user-visible properties (DESIGN.md): transparent: the CPU's cycle count is that of
     * the run without DMA and it never waits while the DMAC holds the bus; cycle stealing: a CPU
     * request waits at most one unit (arbitration + read + write) plus one cycle of edge alignment. */
    if (transparent && mr->cpu_cycles != base->cpu_cycles)
        fail("%s: CPU cycles %" PRIu64 " differ from the trace alone (%" PRIu64 ")", res->name, mr->cpu_cycles,
             base->cpu_cycles);
    if (transparent && mr->cpu_wait_by_dmac != 0)
        fail("%s: the CPU waited %" PRIu64 " bus cycles for the DMAC", res->name, mr->cpu_wait_by_dmac);
    if (!transparent && mr->cpu_max_wait > 2 + unit_bus_cycles())
        fail("%s: a CPU request waited %" PRIu64 " bus cycles (one unit is %" PRIu64 ")", res->name,
             mr->cpu_max_wait, 1 + unit_bus_cycles());
    if (o->ref_check) {
        snap ref = {0};
        mixed_run rr;
        run_mixed(o, mode, 1, units, &rr, &ref);
        snap_compare(&fast, &ref, transparent ? "transparent_trace fast vs reference"
                                              : "cycle_steal_trace fast vs reference");
        snap_free(&ref);
    }
    snap_free(&fast);
}

/* ---- (d) the event kernel alone -------------------------------------------------------------- */

typedef struct chain {
    dmasim_event ev;
    uint64_t *left;
    uint64_t lcg;
} chain;

static void chain_fire(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    chain *c = ctx;
    if (*c->left == 0)
        return;
    (*c->left)--;
    c->lcg = c->lcg * 6364136223846793005ull + 1442695040888963407ull;
    dmasim_time d = (1 + ((c->lcg >> 33) & 1023)) * 1000;
    dmasim_event_schedule(sim, ev, dmasim_sim_now(sim) + d, (int32_t)((c->lcg >> 20) & 3));
}

enum { KERNEL_CHAINS = 64 };

static double run_kernel(uint64_t events, uint64_t *executed)
{
    dmasim_sim *sim;
    check_rc(dmasim_sim_create(NULL, &sim), NULL, "dmasim_sim_create");
    chain ch[KERNEL_CHAINS];
    uint64_t left = events > KERNEL_CHAINS ? events - KERNEL_CHAINS : 0;
    for (int i = 0; i < KERNEL_CHAINS; i++) {
        ch[i].left = &left;
        ch[i].lcg = (uint64_t)i * 0x9E3779B97F4A7C15ull + 1;
        dmasim_event_init(&ch[i].ev, chain_fire, &ch[i]);
        check_rc(dmasim_event_schedule(sim, &ch[i].ev, (dmasim_time)i * 10, 0), sim, "dmasim_event_schedule");
    }
    double t0 = now_s();
    check_rc(dmasim_sim_run(sim), sim, "dmasim_sim_run (kernel)");
    double t1 = now_s();
    *executed = dmasim_sim_events_executed(sim);
    dmasim_sim_destroy(sim);
    return t1 - t0;
}

static void case_kernel(const opts *o, result *res)
{
    *res = (result){.name = "kernel_events", .unit = "events", .rate_unit = "events/s"};
    for (int rep = 0; rep < o->reps; rep++) {
        uint64_t n;
        double s = run_kernel(o->kernel_events, &n);
        record(res, rep, s, n);
    }
}

/* ---- (f) DRAM standalone mode: a random stream, 16 outstanding ------------------------------- */

typedef struct dram_loop {
    dmasim_dram *d;
    uint64_t rng, left, last_done;
} dram_loop;

static void dram_loop_done(void *ud, const dmasim_dram_request *r)
{
    dram_loop *l = ud;
    l->last_done = r->done;
    if (!l->left)
        return;
    l->left--;
    uint64_t z = (l->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    if (dmasim_dram_submit(l->d, z & ~(uint64_t)63, 0, r->done, NULL))
        fail("dram_random: submit failed");
}

/* `dmasim dram --preset ddr4-2400 --pattern random --outstanding 16` in the library: random
 * 64-byte reads over the 4 GiB device, a new one issued in the cycle one completes. The rate is
 * requests per host second; checked: every request completes, and every repetition ends at the
 * same DRAM cycle. Runs when no --only is given. */
static void case_dram_random(const opts *o)
{
    enum { OUTSTANDING = 16 };
    uint64_t n = o->quick ? 20000 : 5000000, first_end = 0;
    result res = {.name = "dram_random", .unit = "requests", .rate_unit = "req/s", .target = 20e6};
    for (int rep = 0; rep < o->reps; rep++) {
        dmasim_sim *sim;
        check_rc(dmasim_sim_create(NULL, &sim), NULL, "dmasim_sim_create");
        dmasim_dram_config cfg;
        check_rc(dmasim_dram_preset("ddr4-2400", &cfg), sim, "dmasim_dram_preset");
        dram_loop l = {NULL, 1, n - OUTSTANDING, 0};
        check_rc(dmasim_dram_create_standalone(sim, &cfg, &l.d), sim, "dmasim_dram_create_standalone");
        dmasim_dram_on_complete(l.d, dram_loop_done, &l);
        double t0 = now_s();
        for (int i = 0; i < OUTSTANDING; i++)
            check_rc(dmasim_dram_submit(l.d, (uint64_t)i * 0x10040, 0, 0, NULL), sim, "dmasim_dram_submit");
        check_rc(dmasim_dram_drain(l.d), sim, "dmasim_dram_drain");
        double t1 = now_s();
        dmasim_dram_stats st;
        dmasim_dram_get_stats(l.d, &st);
        if (st.reads != n || dmasim_dram_outstanding(l.d) != 0)
            fail("dram_random: %" PRIu64 " of %" PRIu64 " requests completed", st.reads, n);
        if (rep == 0) {
            first_end = l.last_done;
            add_note("dram_random: DDR4-2400, %" PRIu64 " random reads, %d outstanding: last completion at "
                     "DRAM cycle %" PRIu64 ", %.1f %% of peak bandwidth, %" PRIu64 " row conflicts, average "
                     "read latency %.1f cycles",
                     n, OUTSTANDING, l.last_done, st.bandwidth_pct, st.row_conflicts, st.read_latency_avg);
        } else if (l.last_done != first_end) {
            fail("dram_random: repetition ended at cycle %" PRIu64 " instead of %" PRIu64, l.last_done, first_end);
        }
        record(&res, rep, t1 - t0, st.reads);
        dmasim_sim_destroy(sim);
    }
    print_result(&res);
}

/* ---- main ------------------------------------------------------------------------------------ */

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dmasim_bench [--quick] [--reps N] [--only CASE[,CASE...]] [--no-ref-check] [TRACE]\n"
            "  --quick         tiny sizes (smoke test; rates are not meaningful)\n"
            "  --reps N        repetitions per case, 1..%d (default 3): best and median are reported\n"
            "  --only LIST     cases: trace_replay, burst_copy, burst_copy_ref, cycle_steal_trace,\n"
            "                  transparent_trace, kernel_events, dram_random\n"
            "  --no-ref-check  skip the untimed fast-vs-reference statistics comparisons\n"
            "  TRACE           Lackey trace (default examples/traces/md5sum.lackey.gz, else\n"
            "                  test/data/md5sum.lackey.gz in the source tree)\n",
            MAX_REPS);
}

static unsigned parse_only(const char *list)
{
    unsigned mask = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof case_names / sizeof case_names[0]; i++)
            if (strcmp(tok, case_names[i].name) == 0)
                bit = case_names[i].bit;
        if (!bit) {
            fprintf(stderr, "dmasim_bench: unknown case '%s'\n", tok);
            usage(stderr);
            exit(2);
        }
        mask |= bit;
    }
    return mask;
}

static void parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->reps = 3;
    o->ref_check = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--reps") == 0 && i + 1 < argc) {
            o->reps = atoi(argv[++i]);
            if (o->reps < 1 || o->reps > MAX_REPS) {
                fprintf(stderr, "dmasim_bench: --reps must be 1..%d\n", MAX_REPS);
                exit(2);
            }
        } else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
            o->only = parse_only(argv[++i]);
        } else if (strcmp(a, "--no-ref-check") == 0) {
            o->ref_check = 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (a[0] == '-') {
            fprintf(stderr, "dmasim_bench: unknown option '%s'\n", a);
            usage(stderr);
            exit(2);
        } else {
            o->trace = a;
        }
    }
    if (!o->trace) {
        static const char *cands[] = {DMASIM_SOURCE_DIR "/examples/traces/md5sum.lackey.gz",
                                      DMASIM_SOURCE_DIR "/test/data/md5sum.lackey.gz"};
        for (size_t i = 0; i < 2 && !o->trace; i++)
            if (file_exists(cands[i]))
                o->trace = cands[i];
    }
    if (!o->trace || !file_exists(o->trace)) {
        fprintf(stderr, "dmasim_bench: no trace found (%s); give its path as an argument\n",
                o->trace ? o->trace : "examples/traces or test/data md5sum.lackey.gz");
        exit(2);
    }
    if (o->quick) {
        o->trace_lines = 20000;
        o->burst_bytes = 256u << 10;
        o->ref_bytes = 64u << 10;
        o->kernel_events = 200000;
    } else {
        o->trace_lines = 0;
        o->burst_bytes = 64ull << 20;
        o->ref_bytes = 4ull << 20;
        o->kernel_events = 20000000;
    }
}

static int wanted(const opts *o, unsigned bit) { return o->only == 0 || (o->only & bit); }

int main(int argc, char **argv)
{
    opts o;
    parse_args(argc, argv, &o);
    printf("# dmasim %s bench%s: %d repetitions per case, rate from the best; trace %s\n",
           dmasim_version_string(), o.quick ? " (--quick: tiny sizes, rates not meaningful)" : "", o.reps,
           o.trace);
    printf("# system: bus width %d B, 100 MHz; SRAM %d wait states; CPU clock_ratio %d, D1 32 KiB 8-way 64 B; "
           "DMA item %d B\n",
           BUS_WIDTH, SRAM_WAIT_STATES, CPU_CLOCK_RATIO, ITEM_SIZE);
    print_header();

    result r;
    trace_run base = {0};
    int have_base = 0;
    double fast_rate = 0, ref_rate = 0, ref_ev = 0;

    if (wanted(&o, C_TRACE)) {
        case_trace(&o, &r, &base);
        have_base = 1;
        print_result(&r);
    }
    if (wanted(&o, C_BURST)) {
        case_burst(&o, &r);
        fast_rate = result_rate(&r);
        print_result(&r);
    }
    if (wanted(&o, C_BURST_REF)) {
        case_burst_ref(&o, &r, &ref_ev);
        ref_rate = result_rate(&r);
        print_result(&r);
        if (fast_rate > 0 && ref_rate > 0) {
            char q[64], rt[64];
            snprintf(q, sizeof q, "%s", "fast/reference");
            snprintf(rt, sizeof rt, "%.1fx", fast_rate / ref_rate);
            printf("%-18s %22s %10s %10s %22s %22s %s\n", "burst_fast_vs_ref", q, "-", "-", rt, "-", "-");
        }
        add_note("burst_copy_ref: %.2f M kernel events/s on the reference path", ref_ev / 1e6);
    }
    if (wanted(&o, C_CYCLE_STEAL) || wanted(&o, C_TRANSPARENT)) {
        if (!have_base) {
            trace_run tr;
            run_trace(&o, &tr);
            base = tr;
        }
        for (int k = 0; k < 2; k++) {
            dmasim_dma_mode mode = k ? DMASIM_DMA_TRANSPARENT : DMASIM_DMA_CYCLE_STEALING;
            if (!wanted(&o, k ? C_TRANSPARENT : C_CYCLE_STEAL))
                continue;
            mixed_run mr = {0};
            uint64_t units = 0;
            case_mixed(&o, mode, &base, &r, &mr, &units);
            print_result(&r);
            add_note("%s: %" PRIu64 " units; CPU %" PRIu64 " cycles (trace alone %" PRIu64 "), %" PRIu64
                     " stalled; CPU waited %" PRIu64 " bus cycles for the DMAC (longest wait %" PRIu64
                     "); DMA done after %" PRIu64 " bus cycles (trace alone: %" PRIu64 ")",
                     r.name, units, mr.cpu_cycles, base.cpu_cycles, mr.cpu_stall, mr.cpu_wait_by_dmac,
                     mr.cpu_max_wait, mr.dma_done_cycles, base.bus_cycles);
        }
    }
    if (wanted(&o, C_KERNEL)) {
        case_kernel(&o, &r);
        print_result(&r);
    }
    if (wanted(&o, C_DRAM))
        case_dram_random(&o);
    if (have_base)
        add_note("trace alone: %" PRIu64 " lines, %" PRIu64 " bus cycles, %" PRIu64 " CPU cycles, D1 misses %" PRIu64
                 " read / %" PRIu64 " write",
                 base.lines, base.bus_cycles, base.cpu_cycles, base.read_misses, base.write_misses);
    for (int i = 0; i < g_nnotes; i++)
        printf("# %s\n", g_notes[i]);
    if (g_failures) {
        printf("# %d correctness check(s) FAILED (details on stderr)\n", g_failures);
        return 1;
    }
    printf("# all correctness checks passed\n");
    return 0;
}

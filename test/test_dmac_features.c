/* The DMAC's features beyond the three modes of test_modes.c: devices (fly-by units, burst,
 * cycle stealing and demand with DREQ, a device that answers DMASIM_EBUSY), address steps,
 * autoinitialize, the mask bit, rotating priority, the TC pin, external EOP, scatter-gather
 * chains and rings, and the register file (DESC/CTRL.SG, TC_STATUS, REQUEST, PRIORITY).
 *
 * Every expected time below is computed from the rules of docs/timing.md and the
 * configuration: R1 (arbitration on the edge at or after a request), R2 (arb cycles per tenure),
 * R3 (a transaction is addr + beats * (1 + ws) cycles), R7 (an unmapped address costs addr + 1),
 * R9 (a memory-to-memory unit is a read and a write), R12/R13 (burst: arb + sum of units; cycle
 * stealing: arb per unit), R14 (a CPU request is served between two stolen units), R19 (an
 * uncached register access), R20 (a device unit is ONE memory transaction of item_size bytes),
 * R21 (demand follows DREQ; burst with a device holds to TC) and R22 (descriptor fetch and ring
 * write-back). Nothing is taken from an earlier run. Every scenario runs on the fast path and on the per-cycle reference path
 * (tcase_add_loop_test, _i = dmasim_sim_config.reference), and
 * test_fast_path_equals_reference_path_every_feature checks that both give every statistic
 * identically.
 *
 * The test device (fdev) is a FIFO with a byte counter: as a source it hands out the bytes of
 * a known stream, as a sink it records what it takes; it drives its DREQ (a dmasim signal) from
 * a plan of timed events (raise DREQ, add data or room) and drops DREQ after a given number of
 * items.
 *
 * Besides the features, three groups check promises made elsewhere: the fast path agrees with
 * the reference path when an event lands inside one of its batches (signal.h, docs/timing.md);
 * what dmac.h says of dmasim_dmac_busy(); and progress and transparency (time
 * advances past a device that answers EBUSY, R15 holds with scatter-gather, a masked channel
 * does not take the bus). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

/* ======================================================================================= */
/* The system                                                                               */
/* ======================================================================================= */

#define HI_BASE 0x20000000ull  /* second SRAM ("ram_hi", its own wait states) */
#define MEM_END 0x40000000ull
#define UNMAPPED 0x50000000ull /* no slave */
#define REG_BASE 0xF0000000ull /* DMAC register file */
#define NCH 4u
#define GLOBAL (REG_BASE + NCH * DMASIM_DMAC_CH_STRIDE) /* the global block */

typedef struct fcfg {
    int ref;
    dmasim_time P;         /* bus period, ps */
    uint32_t width, arb, addr;
    uint32_t ws_lo, ws_hi; /* "ram" [0, HI_BASE), "ram_hi" [HI_BASE, MEM_END) */
    uint32_t reg_ws;
    int with_cpu;
    uint32_t ratio;        /* CPU cycles per bus cycle */
    int rotating;
    uint32_t max_desc;
} fcfg;

static fcfg cfg_default(int ref)
{
    fcfg c;
    memset(&c, 0, sizeof c);
    c.ref = ref;
    c.P = 10000;
    c.width = 8;
    c.arb = 1;
    c.addr = 1;
    c.reg_ws = 1;
    c.ratio = 4;
    return c;
}

/* One bus transaction as the bus observer saw it. */
typedef struct txrec {
    int master;
    dmasim_addr addr;
    uint32_t len, tag;
    int is_write, status;
    dmasim_time start, end;
} txrec;

typedef struct fsys {
    fcfg c;
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
    int dm;                /* the DMAC's bus master index */
    txrec *tx;
    size_t ntx, captx;
} fsys;

static void on_txn(void *ctx, int master, const dmasim_bus_txn *txn, dmasim_time start, dmasim_time end)
{
    fsys *s = ctx;
    if (s->ntx == s->captx) {
        s->captx = s->captx ? 2 * s->captx : 256;
        s->tx = realloc(s->tx, s->captx * sizeof *s->tx);
        ck_assert_ptr_nonnull(s->tx);
    }
    s->tx[s->ntx++] = (txrec){master, txn->addr, txn->len, txn->tag, txn->is_write, txn->status, start, end};
}

static void sys_init(fsys *s, const fcfg *c)
{
    memset(s, 0, sizeof *s);
    s->c = *c;
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.reference = c->ref;
    ck_assert_int_eq(dmasim_sim_create(&sc, &s->sim), 0);

    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc);
    bc.period_ps = c->P;
    bc.width = c->width;
    bc.arbitration_cycles = c->arb;
    bc.address_cycles = c->addr;
    int err = dmasim_bus_create(s->sim, &bc, &s->bus);
    ck_assert_msg(err == 0, "bus_create: %s", dmasim_sim_errmsg(s->sim));

    dmasim_sram_config rc;
    dmasim_sram_config_init(&rc);
    rc.name = "ram";
    rc.base = 0;
    rc.size = HI_BASE;
    rc.wait_states = c->ws_lo;
    ck_assert_int_eq(dmasim_sram_create(s->bus, &rc), 0);
    rc.name = "ram_hi";
    rc.base = HI_BASE;
    rc.size = MEM_END - HI_BASE;
    rc.wait_states = c->ws_hi;
    ck_assert_int_eq(dmasim_sram_create(s->bus, &rc), 0);

    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    dc.name = "dmac0";
    dc.channels = NCH;
    dc.reg_base = REG_BASE;
    dc.reg_wait_states = c->reg_ws;
    dc.rotating_priority = c->rotating;
    if (c->max_desc)
        dc.max_descriptors = c->max_desc;
    err = dmasim_dmac_create(s->bus, &dc, &s->dmac);
    ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(s->sim));
    s->dm = dmasim_dmac_bus_master(s->dmac);

    if (c->with_cpu) {
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        cc.name = "cpu0";
        cc.clock_ratio = c->ratio;
        err = dmasim_cpu_create(s->bus, &cc, &s->cpu);
        ck_assert_msg(err == 0, "cpu_create: %s", dmasim_sim_errmsg(s->sim));
    }
    ck_assert_int_eq(dmasim_bus_add_observer(s->bus, on_txn, s), 0);
}

static void sys_run(fsys *s)
{
    int err = dmasim_sim_run(s->sim);
    ck_assert_msg(err == 0, "sim_run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static void sys_run_until(fsys *s, dmasim_time t)
{
    int err = dmasim_sim_run_until(s->sim, t);
    ck_assert_msg(err == 0, "sim_run_until: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

/* Run to the end, then `extra` ps more. The end of a TC pulse is a passive event: it does not
 * keep a run going (so that watching TC changes no result), and time passing it completes the
 * pulse. */
static void sys_run_then(fsys *s, dmasim_time extra)
{
    sys_run(s);
    sys_run_until(s, dmasim_sim_now(s->sim) + extra);
}

static void sys_free(fsys *s)
{
    dmasim_sim_destroy(s->sim);
    free(s->tx);
    memset(s, 0, sizeof *s);
}

static uint64_t stat_get(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    int err = dmasim_sim_stat_u64(sim, path, &v);
    ck_assert_msg(err == 0, "no statistic %s", path);
    return v;
}

static dmasim_dma_channel_status ch_status(fsys *s, unsigned ch)
{
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, ch, &st), 0);
    return st;
}

static dmasim_dma_transfer xfer(dmasim_addr src, dmasim_addr dst, uint64_t count, uint32_t item, dmasim_dma_mode mode)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = dst;
    t.count = count;
    t.item_size = item;
    t.mode = mode;
    return t;
}

static void start(fsys *s, unsigned ch, const dmasim_dma_transfer *t)
{
    int err = dmasim_dmac_channel_start(s->dmac, ch, t);
    ck_assert_msg(err == 0, "channel_start: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

/* A register of the DMAC, read or written in zero time (what a debugger does; the side effects
 * of the register still happen: reading TC_STATUS clears it). */
static uint32_t reg_peek(fsys *s, dmasim_addr a)
{
    uint8_t b[4];
    ck_assert_int_eq(dmasim_bus_debug_read(s->bus, a, b, 4), 0);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void reg_poke(dmasim_bus *bus, dmasim_addr a, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_int_eq(dmasim_bus_debug_write(bus, a, b, 4), 0);
}

static dmasim_addr chreg(unsigned ch, uint32_t off) { return REG_BASE + ch * DMASIM_DMAC_CH_STRIDE + off; }

/* The DMAC's transactions, in order of completion (copied out of the observer's log). */
static size_t dmac_txns(const fsys *s, txrec *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ntx; i++)
        if (s->tx[i].master == s->dm) {
            ck_assert_msg(n < cap, "more than %zu DMAC transactions", cap);
            out[n++] = s->tx[i];
        }
    return n;
}

/* ---- data patterns ---- */

static uint8_t pattern_byte(uint64_t i, unsigned seed) { return (uint8_t)(i * 131u + (i >> 8) * 7u + seed * 29u + 1u); }

static void fill_pattern(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pattern_byte(i, seed);
    ck_assert_int_eq(dmasim_mem_write(sim, a, b, len), 0);
    free(b);
}

/* Memory at a holds, for each k < n, the item-sized piece of the pattern starting at byte
 * first + step * k (step in items, may be negative). */
static void check_items(dmasim_sim *sim, dmasim_addr a, uint64_t n, uint32_t item, unsigned seed, int64_t first,
                        int64_t step, const char *what)
{
    for (uint64_t k = 0; k < n; k++) {
        uint8_t b[64];
        ck_assert_int_eq(dmasim_mem_read(sim, a + k * item, b, item), 0);
        int64_t from = (first + step * (int64_t)k) * (int64_t)item;
        for (uint32_t j = 0; j < item; j++)
            if (b[j] != pattern_byte((uint64_t)from + j, seed))
                ck_abort_msg("%s: item %llu byte %u at 0x%llx is 0x%02x, expected 0x%02x", what,
                             (unsigned long long)k, j, (unsigned long long)(a + k * item + j), b[j],
                             pattern_byte((uint64_t)from + j, seed));
    }
}

static void check_pattern(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed, const char *what)
{
    check_items(sim, a, len, 1, seed, 0, 1, what);
}

static void check_zero(dmasim_sim *sim, dmasim_addr a, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b;
        ck_assert_int_eq(dmasim_mem_read(sim, a + i, &b, 1), 0);
        ck_assert_msg(b == 0, "%s: byte at 0x%llx is 0x%02x, expected untouched (0)", what,
                      (unsigned long long)(a + i), b);
    }
}

static void put_u32(dmasim_sim *sim, dmasim_addr a, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_int_eq(dmasim_mem_write(sim, a, b, 4), 0);
}

static uint32_t get_u32(dmasim_sim *sim, dmasim_addr a)
{
    uint8_t b[4];
    ck_assert_int_eq(dmasim_mem_read(sim, a, b, 4), 0);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put_u64(dmasim_sim *sim, dmasim_addr a, uint64_t v)
{
    put_u32(sim, a, (uint32_t)v);
    put_u32(sim, a + 4, (uint32_t)(v >> 32));
}

/* A scatter-gather descriptor (32 bytes, include/dmasim/dmac.h) written into memory. */
static void put_desc(dmasim_sim *sim, dmasim_addr d, dmasim_addr src, dmasim_addr dst, uint32_t count,
                     uint32_t flags, dmasim_addr next)
{
    put_u64(sim, d + DMASIM_DESC_SRC, src);
    put_u64(sim, d + DMASIM_DESC_DST, dst);
    put_u32(sim, d + DMASIM_DESC_COUNT, count);
    put_u32(sim, d + DMASIM_DESC_FLAGS, flags);
    put_u64(sim, d + DMASIM_DESC_NEXT, next);
}

/* ---- expected cycles, from the rules ---- */

static dmasim_time edge(const fcfg *c, dmasim_time t) { return dmasim_clock_edge_at_or_after(t, c->P); }

/* R3: the bus-width-aligned words that [a, a + len) covers. */
static uint64_t x_beats(const fcfg *c, dmasim_addr a, uint32_t len)
{
    return (a + len - 1) / c->width - a / c->width + 1;
}

static uint64_t x_ws(const fcfg *c, dmasim_addr a) { return a >= HI_BASE ? c->ws_hi : c->ws_lo; }

/* R3: one SRAM transaction; a device unit (fly-by) is exactly one of these. */
static uint64_t x_txn(const fcfg *c, dmasim_addr a, uint32_t len)
{
    return c->addr + x_beats(c, a, len) * (1 + x_ws(c, a));
}

/* R9: a memory-to-memory unit. */
static uint64_t x_unit(const fcfg *c, dmasim_addr src, dmasim_addr dst, uint32_t item)
{
    return x_txn(c, src, item) + x_txn(c, dst, item);
}

/* A descriptor fetch: one 32-byte read (ceil(32 / width) beats when aligned). */
static uint64_t x_fetch(const fcfg *c, dmasim_addr d) { return x_txn(c, d, DMASIM_DESC_SIZE); }

/* Ring mode's write-back: the 4-byte flags word. */
static uint64_t x_wb(const fcfg *c, dmasim_addr d) { return x_txn(c, d + DMASIM_DESC_FLAGS, 4); }

/* R19: one 4-byte register access (without the arbitration). */
static uint64_t x_reg(const fcfg *c, dmasim_addr a) { return c->addr + x_beats(c, a, 4) * (1 + c->reg_ws); }

/* R7: a transaction to an unmapped address. */
static uint64_t x_unmapped(const fcfg *c) { return c->addr + 1; }

/* ---- signal edges ---- */

typedef struct edges {
    size_t n;
    uint64_t v[64];
    dmasim_time t[64];
} edges;

static void edge_record(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    edges *e = ctx;
    if (e->n < 64) {
        e->v[e->n] = value;
        e->t[e->n] = t;
    }
    e->n++;
}

static void watch(fsys *s, const char *name, edges *e)
{
    memset(e, 0, sizeof *e);
    dmasim_signal *sig = dmasim_sim_signal_find(s->sim, name);
    ck_assert_msg(sig != NULL, "no signal %s", name);
    ck_assert_int_eq(dmasim_signal_subscribe(sig, edge_record, e), 0);
}

static void check_edge(const edges *e, size_t i, uint64_t v, dmasim_time t, const char *what)
{
    ck_assert_msg(i < e->n, "%s: edge %zu missing (%zu edges)", what, i, e->n);
    ck_assert_msg(e->v[i] == v && e->t[i] == t, "%s: edge %zu is %llu at %llu ps, expected %llu at %llu ps", what, i,
                  (unsigned long long)e->v[i], (unsigned long long)e->t[i], (unsigned long long)v,
                  (unsigned long long)t);
}

/* ---- the CPU ---- */

static dmasim_cpu_op op_compute(uint64_t cycles)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_COMPUTE;
    o.a = cycles;
    return o;
}

static dmasim_cpu_op op_load(dmasim_addr a, uint32_t size)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_LOAD;
    o.a = a;
    o.b = size;
    return o;
}

static dmasim_cpu_op op_store(dmasim_addr a, uint32_t size, uint64_t value)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_STORE;
    o.a = a;
    o.b = size;
    o.c = value;
    return o;
}

static dmasim_cpu_op op_read_buffer(dmasim_addr a, uint64_t len)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_READ_BUFFER;
    o.a = a;
    o.b = len;
    return o;
}

static void run_script(fsys *s, const dmasim_cpu_op *ops, size_t n)
{
    int err = dmasim_cpu_run_script(s->cpu, ops, n);
    ck_assert_msg(err == 0, "run_script: %s", dmasim_sim_errmsg(s->sim));
}

static dmasim_time cpu_period(const fcfg *c) { return c->P / c->ratio; }

/* ======================================================================================= */
/* The FIFO device                                                                          */
/* ======================================================================================= */

#define FDEV_PLAN 8
#define FDEV_LOG 256

typedef struct fdev_step {
    dmasim_time t;
    int dreq;            /* DREQ level to drive (-1: leave it) */
    uint64_t add;        /* bytes of data (source) or room (sink) that arrive */
    uint64_t drop_after; /* from now on, drop DREQ after this many items (0: never) */
} fdev_step;

typedef struct fdev {
    dmasim_sim *sim;
    dmasim_signal *dreq;
    unsigned seed;
    uint64_t level;      /* source: bytes it holds; sink: bytes of room it has */
    uint64_t pos;        /* source: bytes handed out (byte k of the stream is pattern_byte(k, seed)) */
    uint8_t *in;         /* sink: every byte taken, in order */
    size_t in_len, in_cap;
    uint64_t items;      /* items given or taken since the last plan step */
    uint64_t drop_after;
    uint64_t busy;       /* DMASIM_EBUSY answers */
    dmasim_time busy_t;  /* time of the last one */
    uint64_t busy_again; /* EBUSY answers at the same simulated time as the one before */
    size_t nlog;
    dmasim_time log_t[FDEV_LOG]; /* the time argument of each successful give/take */
    int done_calls, done_status;
    dmasim_time done_t;
    dmasim_event ev;
    fdev_step plan[FDEV_PLAN];
    size_t nplan, iplan;
} fdev;

static void fdev_apply(fdev *f, const fdev_step *st)
{
    f->level += st->add;
    f->items = 0;
    f->drop_after = st->drop_after;
    if (st->dreq >= 0)
        dmasim_signal_set(f->dreq, (uint64_t)st->dreq);
}

static void fdev_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    fdev *f = ctx;
    fdev_apply(f, &f->plan[f->iplan++]);
    if (f->iplan < f->nplan)
        ck_assert_int_eq(dmasim_event_schedule(sim, &f->ev, f->plan[f->iplan].t, DMASIM_PRIO_DEFAULT), 0);
}

static void fdev_item(fdev *f, uint32_t len, dmasim_time t)
{
    f->level -= len;
    if (f->nlog < FDEV_LOG)
        f->log_t[f->nlog] = t;
    f->nlog++;
    if (f->drop_after && ++f->items == f->drop_after)
        dmasim_signal_set(f->dreq, 0);
}

/* An EBUSY answer. A DMAC asking again and again at one simulated time would never let time
 * advance: after 1000 such answers the simulation is stopped (the test then fails on
 * busy_again instead of hanging). */
static int fdev_busy(fdev *f, dmasim_time t)
{
    if (f->busy && t == f->busy_t && ++f->busy_again >= 1000)
        dmasim_sim_stop(f->sim);
    f->busy++;
    f->busy_t = t;
    return DMASIM_EBUSY;
}

static int fdev_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    fdev *f = ctx;
    if (f->level < len)
        return fdev_busy(f, t);
    uint8_t *b = buf;
    for (uint32_t i = 0; i < len; i++)
        b[i] = pattern_byte(f->pos + i, f->seed);
    f->pos += len;
    fdev_item(f, len, t);
    return 0;
}

static int fdev_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    fdev *f = ctx;
    if (f->level < len)
        return fdev_busy(f, t);
    if (f->in_len + len > f->in_cap) {
        f->in_cap = f->in_cap ? 2 * (f->in_cap + len) : 1024;
        f->in = realloc(f->in, f->in_cap);
        ck_assert_ptr_nonnull(f->in);
    }
    memcpy(f->in + f->in_len, buf, len);
    f->in_len += len;
    fdev_item(f, len, t);
    return 0;
}

static void fdev_done(void *ctx, int status, dmasim_time t)
{
    fdev *f = ctx;
    f->done_calls++;
    f->done_status = status;
    f->done_t = t;
}

static const dmasim_dma_device_ops fdev_ops = {1, fdev_give, fdev_take, fdev_done};

/* A device on channel ch with DREQ "fdevN.dreq" low, `level` bytes of data (source) or room
 * (sink), and a plan of steps in time order (the first at or after now). */
static void fdev_attach(fsys *s, fdev *f, unsigned ch, unsigned seed, uint64_t level, const fdev_step *plan,
                        size_t nplan)
{
    memset(f, 0, sizeof *f);
    f->sim = s->sim;
    f->seed = seed;
    f->level = level;
    char name[32];
    snprintf(name, sizeof name, "fdev%u.dreq", ch);
    ck_assert_int_eq(dmasim_signal_create(s->sim, name, 1, 0, &f->dreq), 0);
    ck_assert_int_eq(dmasim_dmac_attach_device(s->dmac, ch, &fdev_ops, f, f->dreq), 0);
    ck_assert(nplan <= FDEV_PLAN);
    if (nplan)
        memcpy(f->plan, plan, nplan * sizeof *plan);
    f->nplan = nplan;
    dmasim_event_init(&f->ev, fdev_event, f);
    if (nplan)
        ck_assert_int_eq(dmasim_event_schedule(s->sim, &f->ev, plan[0].t, DMASIM_PRIO_DEFAULT), 0);
}

static void fdev_free(fdev *f)
{
    free(f->in);
    f->in = NULL;
}

/* The sink took exactly the pattern bytes [first, first + len) of `seed`, in order. */
static void fdev_check_in(const fdev *f, size_t off, size_t len, unsigned seed, uint64_t first, const char *what)
{
    ck_assert_msg(off + len <= f->in_len, "%s: the device took %zu bytes, expected at least %zu", what, f->in_len,
                  off + len);
    for (size_t i = 0; i < len; i++)
        if (f->in[off + i] != pattern_byte(first + i, seed))
            ck_abort_msg("%s: byte %zu taken is 0x%02x, expected 0x%02x", what, off + i, f->in[off + i],
                         pattern_byte(first + i, seed));
}

/* ---- a generic event (test bench actions at a simulated time) ---- */

typedef struct action {
    dmasim_event ev;
    void (*fn)(struct action *a);
    fsys *s;
    unsigned ch;
    uint64_t arg;
} action;

static void action_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    action *a = ctx;
    a->fn(a);
}

static void at(fsys *s, action *a, dmasim_time t, void (*fn)(action *), unsigned ch, uint64_t arg)
{
    a->fn = fn;
    a->s = s;
    a->ch = ch;
    a->arg = arg;
    dmasim_event_init(&a->ev, action_event, a);
    ck_assert_int_eq(dmasim_event_schedule(s->sim, &a->ev, t, DMASIM_PRIO_DEFAULT), 0);
}

static void act_mask(action *a) { ck_assert_int_eq(dmasim_dmac_set_mask(a->s->dmac, a->ch, (int)a->arg), 0); }

static void act_eop(action *a) { dmasim_signal_set(dmasim_dmac_eop(a->s->dmac), a->arg); }

/* The end of a scenario: its statistics into *snap (if asked), then the simulation goes. */
/* A scenario returns its two headline results as a tu_outcome (testutil.h) - what it measured and
 * what the timing rules (docs/timing.md R20-R22, docs/dmac.md) give for it - so that each test
 * asserts them in its own body; the scenario checks its other details (unit times, pins, bytes)
 * itself. */
static void finish(fsys *s, tu_stat_snap *snap)
{
    if (snap)
        tu_snap_take(s->sim, snap);
    sys_free(s);
}

/* ======================================================================================= */
/* Devices: fly-by units                                                                    */
/* ======================================================================================= */

/* A device-to-memory or memory-to-device burst: DREQ rises at T1 (between two edges), the
 * block starts at the next edge (R1) and each unit is one memory transaction (device rule):
 * completion = edge(T1) + (arb + sum of x_txn(memory address of item k, item)) cycles. The bytes
 * arrive in order; DACK is high from the grant (after arb) to TC. The device is asked for an
 * item when the memory write that carries it starts (give()), and handed one when the memory
 * read has ended (take()), as the 8237A model does (i8237.h).
 * Variants: 0 device to memory, default bus; 1 the same on a 4-byte bus with 2 arbitration and
 * 2 address cycles, 2 wait states and 16-byte items at an address = 4 mod 8 (4 beats each);
 * 2, 3 the same memory to device. */
static tu_outcome sc_fly_by(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    uint32_t item = 8;
    const uint64_t n = 6;
    dmasim_addr mem = HI_BASE + 0x1000;
    if (v & 1) {
        c.width = 4;
        c.arb = 2;
        c.addr = 2;
        c.ws_hi = 2;
        item = 16;
        mem = HI_BASE + 0x1004;
    }
    const int to_mem = v < 2;
    const unsigned ch = 1;
    fsys s;
    sys_init(&s, &c);
    edges dack, tc;
    watch(&s, "dmac0.ch1.dack", &dack);
    watch(&s, "dmac0.ch1.tc", &tc);
    const dmasim_time T1 = 2 * c.P + c.P / 2;
    const fdev_step plan[] = {{T1, 1, 0, 0}};
    fdev f;
    fdev_attach(&s, &f, ch, 3, to_mem ? n * item : UINT64_MAX / 2, plan, 1);
    dmasim_dma_transfer t = xfer(0, 0, n, item, DMASIM_DMA_BURST);
    t.direction = to_mem ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
    if (to_mem) {
        t.dst = mem;
    } else {
        t.src = mem;
        fill_pattern(s.sim, mem, n * item, 5);
    }
    start(&s, ch, &t);
    sys_run_then(&s, c.P); /* the TC pulse ends */

    const dmasim_time g = edge(&c, T1);
    dmasim_time cur = g + c.arb * c.P;
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), n); /* one transaction per unit */
    for (uint64_t k = 0; k < n; k++) {
        const dmasim_addr a = mem + k * item;
        ck_assert_uint_eq(tx[k].addr, a);
        ck_assert_uint_eq(tx[k].len, item);
        ck_assert_int_eq(tx[k].is_write, to_mem);
        ck_assert_uint_eq(tx[k].tag, ch);
        ck_assert_uint_eq(tx[k].start, cur);
        if (to_mem) /* give() when the memory write starts: the device drives the data from then */
            ck_assert_uint_eq(f.log_t[k], cur);
        cur += x_txn(&c, a, item) * c.P;
        ck_assert_uint_eq(tx[k].end, cur);
        if (!to_mem) /* take() when the read has ended (its data time) */
            ck_assert_uint_eq(f.log_t[k], cur);
    }
    const dmasim_time end = cur;
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_uint_eq(st.start_time, 0);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, end);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_int_eq(st.busy, 0);
    ck_assert_int_eq(st.error, 0);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.completion_cycles"), end / c.P);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.items"), n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.bytes"), n * item);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.units"), n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 1);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.transactions"), n);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.bytes"), n * item);
    ck_assert_uint_eq(f.nlog, n);
    ck_assert_int_eq(f.done_calls, 1);
    ck_assert_int_eq(f.done_status, 0);
    ck_assert_uint_eq(f.done_t, end);
    ck_assert_uint_eq(f.busy, 0);
    if (to_mem)
        check_pattern(s.sim, mem, n * item, 3, "device to memory");
    else
        fdev_check_in(&f, 0, n * item, 5, 0, "memory to device");
    ck_assert_uint_eq(f.in_len, to_mem ? 0 : n * item);
    ck_assert_uint_eq(dack.n, 2);
    check_edge(&dack, 0, 1, g + c.arb * c.P, "dack");
    check_edge(&dack, 1, 0, end, "dack");
    ck_assert_uint_eq(tc.n, 2);
    check_edge(&tc, 0, 1, end, "tc");
    check_edge(&tc, 1, 0, end + c.P, "tc");
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Devices: demand, burst and cycle stealing with DREQ                                      */
/* ======================================================================================= */

/* Demand: DREQ rises at T1, the device drops it after n1 items: the DMAC releases the bus at
 * the end of that unit (E1 = edge(T1) + (arb + n1 units)), a CPU request that waited since r
 * is served in the gap (it reads REQUEST: 0), DREQ rises again at T2 and the remaining n2
 * units run from edge(T2) + arb. Variants: 0 device to memory, 1 memory to device. */
static tu_outcome sc_demand(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ws_lo = 1;
    const uint32_t item = 8;
    const uint64_t n1 = 4, n2 = 3, n = n1 + n2;
    const dmasim_addr mem = 0x4000;
    const int to_mem = v == 0;
    const unsigned ch = 1;
    const dmasim_time P = c.P, Pc = cpu_period(&c);

    /* expected, from the rules */
    const dmasim_time T1 = 3 * P + 3 * P / 10, g1 = edge(&c, T1);
    dmasim_time E1 = g1 + c.arb * P;
    for (uint64_t k = 0; k < n1; k++)
        E1 += x_txn(&c, mem + k * item, item) * P;
    const dmasim_time r = g1 + (c.arb + 1) * P; /* inside the first unit, a CPU edge */
    ck_assert(r < E1 && r % Pc == 0);
    const dmasim_time Ec = E1 + (c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST)) * P;
    const dmasim_time T2 = Ec + 4 * P + P / 2, g2 = edge(&c, T2);
    dmasim_time end = g2 + c.arb * P;
    for (uint64_t k = n1; k < n; k++)
        end += x_txn(&c, mem + k * item, item) * P;

    fsys s;
    sys_init(&s, &c);
    edges hrq;
    watch(&s, "dmac0.hrq", &hrq);
    const fdev_step plan[] = {{T1, 1, 0, n1}, {T2, 1, 0, 0}};
    fdev f;
    fdev_attach(&s, &f, ch, 4, to_mem ? n * item : UINT64_MAX / 2, plan, 2);
    dmasim_dma_transfer t = xfer(0, 0, n, item, DMASIM_DMA_DEMAND);
    t.direction = to_mem ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
    if (to_mem) {
        t.dst = mem;
    } else {
        t.src = mem;
        fill_pattern(s.sim, mem, n * item, 6);
    }
    start(&s, ch, &t);
    const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 2);
    sys_run(&s);

    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), n);
    dmasim_time cur = g1 + c.arb * P;
    for (uint64_t k = 0; k < n; k++) {
        if (k == n1)
            cur = g2 + c.arb * P;
        ck_assert_uint_eq(tx[k].addr, mem + k * item);
        ck_assert_uint_eq(tx[k].start, cur);
        cur += x_txn(&c, mem + k * item, item) * P;
        ck_assert_uint_eq(tx[k].end, cur);
        if (k == n1 - 1)
            ck_assert_uint_eq(cur, E1);
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, end);
    ck_assert_int_eq(st.tc, 1);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 2);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), 2);
    /* the CPU waited from r to E1 (the DMAC's), then read REQUEST with DREQ low */
    ck_assert(dmasim_cpu_finished(s.cpu));
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), Ec / Pc);
    ck_assert_uint_eq(dmasim_cpu_stall_cycles_by(s.cpu, s.dm), (E1 - r) / Pc);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0);
    /* HRQ: requested at each DREQ rise, released when DREQ dropped and at TC */
    ck_assert_uint_eq(hrq.n, 4);
    check_edge(&hrq, 0, 1, T1, "hrq");
    check_edge(&hrq, 1, 0, E1, "hrq");
    check_edge(&hrq, 2, 1, T2, "hrq");
    check_edge(&hrq, 3, 0, end, "hrq");
    if (to_mem)
        check_pattern(s.sim, mem, n * item, 4, "demand device to memory");
    else
        fdev_check_in(&f, 0, n * item, 6, 0, "demand memory to device");
    ck_assert_int_eq(f.done_calls, 1);
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* Burst with a device: DREQ starts the block, the device drops DREQ after its first item and
 * the DMAC still holds the bus to TC: completion = edge(T1) + arb + n units, in one tenure; a
 * CPU request made during the block waits for its end (and then reads REQUEST: 0). Variants:
 * 0 device to memory, 1 memory to device. */
static tu_outcome sc_burst_device(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ws_lo = 1;
    const uint32_t item = 8;
    const uint64_t n = 6;
    const dmasim_addr mem = 0x4000;
    const int to_mem = v == 0;
    const unsigned ch = 1;
    const dmasim_time P = c.P, Pc = cpu_period(&c);
    const dmasim_time T1 = 3 * P + 3 * P / 10, g1 = edge(&c, T1);
    dmasim_time end = g1 + c.arb * P;
    for (uint64_t k = 0; k < n; k++)
        end += x_txn(&c, mem + k * item, item) * P;
    const dmasim_time r = g1 + (c.arb + 1) * P;
    const dmasim_time Ec = end + (c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST)) * P;

    fsys s;
    sys_init(&s, &c);
    const fdev_step plan[] = {{T1, 1, 0, 1}};
    fdev f;
    fdev_attach(&s, &f, ch, 7, to_mem ? n * item : UINT64_MAX / 2, plan, 1);
    dmasim_dma_transfer t = xfer(0, 0, n, item, DMASIM_DMA_BURST);
    t.direction = to_mem ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
    if (to_mem) {
        t.dst = mem;
    } else {
        t.src = mem;
        fill_pattern(s.sim, mem, n * item, 8);
    }
    start(&s, ch, &t);
    const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 2);
    /* nothing happens before DREQ */
    sys_run_until(&s, T1 - 1);
    ck_assert_uint_eq(s.ntx, 0);
    ck_assert_int_eq(ch_status(&s, ch).busy, 1);
    sys_run(&s);

    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), n);
    ck_assert_uint_eq(tx[0].start, g1 + c.arb * P);
    for (uint64_t k = 1; k < n; k++)
        ck_assert_uint_eq(tx[k].start, tx[k - 1].end); /* back to back: the bus is held */
    ck_assert_uint_eq(tx[n - 1].end, end);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, end);
    ck_assert_int_eq(st.tc, 1);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    ck_assert_uint_eq(dmasim_signal_value(f.dreq), 0);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 1);
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), Ec / Pc);
    ck_assert_uint_eq(dmasim_cpu_stall_cycles_by(s.cpu, s.dm), (end - r) / Pc);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0);
    if (to_mem)
        check_pattern(s.sim, mem, n * item, 7, "burst device to memory");
    else
        fdev_check_in(&f, 0, n * item, 8, 0, "burst memory to device");
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* Cycle stealing with a device: one unit per grant (arb + unit each) while DREQ is high; a CPU
 * request made during the first unit is served right after it (R14; it reads REQUEST with
 * the channel's bit set); the device drops DREQ after k1 items and the channel waits; DREQ
 * rises again at T2 and the rest follows, one unit per grant. Variants: 0 device to memory,
 * 1 memory to device. */
static tu_outcome sc_cycle_stealing_device(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ws_lo = 1;
    const uint32_t item = 8;
    const uint64_t n = 6, k1 = 4;
    const dmasim_addr mem = 0x4000;
    const int to_mem = v == 0;
    const unsigned ch = 1;
    const dmasim_time P = c.P, Pc = cpu_period(&c);
    const dmasim_time T1 = 3 * P + 3 * P / 10, g1 = edge(&c, T1);
    const dmasim_time r = g1 + (c.arb + 1) * P;
    const uint64_t creg = c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST);

    /* expected unit times: one grant each; the CPU's tenure after the unit it arrived in */
    dmasim_time ustart[16], uend[16], t = g1, Ec = 0, T2 = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (k == k1) {
            T2 = t + 5 * P + P / 2;
            t = edge(&c, T2);
        }
        ustart[k] = t + c.arb * P;
        uend[k] = ustart[k] + x_txn(&c, mem + k * item, item) * P;
        t = uend[k];
        if (!Ec && r < t) {
            Ec = t + creg * P;
            t = Ec;
        }
    }
    const dmasim_time end = uend[n - 1];

    fsys s;
    sys_init(&s, &c);
    const fdev_step plan[] = {{T1, 1, 0, k1}, {T2, 1, 0, 0}};
    fdev f;
    fdev_attach(&s, &f, ch, 9, to_mem ? n * item : UINT64_MAX / 2, plan, 2);
    dmasim_dma_transfer tr = xfer(0, 0, n, item, DMASIM_DMA_CYCLE_STEALING);
    tr.direction = to_mem ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
    if (to_mem) {
        tr.dst = mem;
    } else {
        tr.src = mem;
        fill_pattern(s.sim, mem, n * item, 10);
    }
    start(&s, ch, &tr);
    const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 2);
    sys_run(&s);

    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), n);
    for (uint64_t k = 0; k < n; k++) {
        ck_assert_msg(tx[k].start == ustart[k] && tx[k].end == uend[k],
                      "unit %llu: [%llu, %llu] ps, expected [%llu, %llu]", (unsigned long long)k,
                      (unsigned long long)tx[k].start, (unsigned long long)tx[k].end,
                      (unsigned long long)ustart[k], (unsigned long long)uend[k]);
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, end);
    ck_assert_int_eq(st.tc, 1);
    tu_outcome_set(&o, 1, "tenures", stat_get(s.sim, "dmac0.tenures"), n);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), n);
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), Ec / Pc);
    ck_assert_uint_eq(dmasim_cpu_stall_cycles_by(s.cpu, s.dm), (uend[0] - r) / Pc);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 1u << ch);
    if (to_mem)
        check_pattern(s.sim, mem, n * item, 9, "cycle stealing device to memory");
    else
        fdev_check_in(&f, 0, n * item, 10, 0, "cycle stealing memory to device");
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* A device that answers DMASIM_EBUSY (its FIFO empty, or full) but keeps DREQ high: each
 * attempt is a stall (nothing moves, nothing is counted as an item), the DMAC releases the bus
 * and tries again at the next grant, until the device has data (room) again. Demand mode.
 *   Device to memory (variant 0): give() fails before the write, so an attempt costs only
 *   its grant: attempts at E, E + arb, E + 2 arb, ... while before T_fill.
 *   Memory to device (variant 1): the read runs, then take() fails at its data time, so an
 *   attempt costs arb + the read; the same item is read again at the next attempt.
 * No byte is lost or duplicated. */
static tu_outcome sc_device_busy(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_lo = 1;
    const uint32_t item = 8;
    const uint64_t n = 6, k1 = 3;
    const dmasim_addr mem = 0x4000;
    const int to_mem = v == 0;
    const unsigned ch = 1;
    const dmasim_time P = c.P;
    const dmasim_time T1 = 3 * P + 3 * P / 10, g1 = edge(&c, T1);

    /* expected transactions */
    dmasim_time xs[64], xe[64];
    dmasim_addr xa[64];
    size_t nx = 0;
    dmasim_time t = g1 + c.arb * P;
    for (uint64_t k = 0; k < k1; k++) {
        xa[nx] = mem + k * item;
        xs[nx] = t;
        t += x_txn(&c, xa[nx], item) * P;
        xe[nx++] = t;
    }
    const dmasim_time E = t;
    uint64_t stalls = 0;
    dmasim_time Tready;
    if (to_mem) {
        Tready = E + 4 * c.arb * P + P / 2; /* the refill */
        while (t < Tready) {          /* give() at the attempt's start */
            stalls++;
            t += c.arb * P;
        }
    } else {
        Tready = E + 10 * P + P / 2; /* the device drains */
        for (;;) {
            const dmasim_time re = t + x_txn(&c, mem + k1 * item, item) * P;
            xa[nx] = mem + k1 * item;
            xs[nx] = t;
            xe[nx++] = re;
            if (re >= Tready) { /* take() at the read's data time */
                t = re;
                break;
            }
            stalls++;
            t = re + c.arb * P;
        }
    }
    for (uint64_t k = to_mem ? k1 : k1 + 1; k < n; k++) {
        xa[nx] = mem + k * item;
        xs[nx] = t;
        t += x_txn(&c, xa[nx], item) * P;
        xe[nx++] = t;
    }
    const dmasim_time end = t;
    ck_assert_uint_ge(stalls, 2);

    fsys s;
    sys_init(&s, &c);
    const fdev_step plan[] = {{T1, 1, 0, 0}, {Tready, -1, (n - k1) * item, 0}};
    fdev f;
    fdev_attach(&s, &f, ch, 11, k1 * item, plan, 2);
    dmasim_dma_transfer tr = xfer(0, 0, n, item, DMASIM_DMA_DEMAND);
    tr.direction = to_mem ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
    if (to_mem) {
        tr.dst = mem;
    } else {
        tr.src = mem;
        fill_pattern(s.sim, mem, n * item, 12);
    }
    start(&s, ch, &tr);
    sys_run(&s);

    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), nx);
    for (size_t i = 0; i < nx; i++)
        ck_assert_msg(tx[i].addr == xa[i] && tx[i].start == xs[i] && tx[i].end == xe[i],
                      "transaction %zu: 0x%llx [%llu, %llu], expected 0x%llx [%llu, %llu]", i,
                      (unsigned long long)tx[i].addr, (unsigned long long)tx[i].start,
                      (unsigned long long)tx[i].end, (unsigned long long)xa[i], (unsigned long long)xs[i],
                      (unsigned long long)xe[i]);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, end);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_int_eq(st.error, 0);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.stalls"), stalls);
    ck_assert_uint_eq(f.busy, stalls);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.items"), n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.bytes"), n * item);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.units"), n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 1 + stalls);
    ck_assert_uint_eq(f.nlog, n);
    if (to_mem) {
        check_pattern(s.sim, mem, n * item, 11, "busy device to memory");
        check_zero(s.sim, mem + n * item, 64, "past the block");
        ck_assert_uint_eq(f.pos, n * item);
    } else {
        ck_assert_uint_eq(f.in_len, n * item);
        fdev_check_in(&f, 0, n * item, 12, 0, "busy memory to device");
    }
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Address steps                                                                            */
/* ======================================================================================= */

/* Decrement and fixed addresses: each unit's transactions go where the steps say, its cycles
 * follow from those addresses (R3, R9), and the bytes land where they must. Variants:
 *   0 burst, source decrementing from the top item, destination incrementing: reversed copy;
 *   1 cycle stealing, destination fixed: it holds the last item, the rest is untouched;
 *   2 burst on a 4-byte bus (8-byte items = 2 beats), destination decrementing: reversed;
 *   3 device to memory, burst, destination fixed: it holds the device's last item. */
static tu_outcome sc_steps(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_hi = 1;
    if (v == 2)
        c.width = 4;
    const uint32_t item = 8;
    const uint64_t n = 5;
    const dmasim_addr sbase = 0x2000, dbase = HI_BASE + 0x3000;
    const unsigned ch = 0;
    fsys s;
    sys_init(&s, &c);
    fdev f;
    dmasim_dma_transfer t = xfer(sbase, dbase, n, item, v == 1 ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST);
    dmasim_addr s0 = sbase, d0 = dbase;
    if (v == 0) {
        t.src_step = DMASIM_DMA_DECREMENT;
        s0 = sbase + (n - 1) * item;
    } else if (v == 1 || v == 3) {
        t.dst_step = DMASIM_DMA_FIXED;
    } else {
        t.dst_step = DMASIM_DMA_DECREMENT;
        d0 = dbase + (n - 1) * item;
    }
    t.src = s0;
    t.dst = d0;
    if (v == 3) {
        const fdev_step plan[] = {{0, 1, 0, 0}};
        fdev_attach(&s, &f, ch, 13, n * item, plan, 1);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
    } else {
        fill_pattern(s.sim, sbase, n * item, 14);
    }
    start(&s, ch, &t);
    sys_run(&s);

    /* expected: per unit, the read (not for a device) and the write */
    const int dev = v == 3;
    dmasim_time cur = 0;
    txrec tx[64];
    const size_t ntx = dmac_txns(&s, tx, 64);
    ck_assert_uint_eq(ntx, dev ? n : 2 * n);
    size_t i = 0;
    for (uint64_t k = 0; k < n; k++) {
        const dmasim_addr sa = t.src_step == DMASIM_DMA_DECREMENT ? s0 - k * item : s0 + k * item;
        const dmasim_addr da = t.dst_step == DMASIM_DMA_DECREMENT ? d0 - k * item
                               : t.dst_step == DMASIM_DMA_FIXED   ? d0
                                                                  : d0 + k * item;
        if (k == 0 || t.mode == DMASIM_DMA_CYCLE_STEALING)
            cur += c.arb * c.P;
        if (!dev) {
            ck_assert_uint_eq(tx[i].addr, sa);
            ck_assert_uint_eq(tx[i].start, cur);
            cur += x_txn(&c, sa, item) * c.P;
            i++;
        }
        ck_assert_uint_eq(tx[i].addr, da);
        ck_assert_int_eq(tx[i].is_write, 1);
        ck_assert_uint_eq(tx[i].start, cur);
        cur += x_txn(&c, da, item) * c.P;
        ck_assert_uint_eq(tx[i].end, cur);
        i++;
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, cur);
    tu_outcome_set(&o, 1, "tc", (uint64_t)st.tc, 1);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.completion_cycles"), cur / c.P);
    switch (v) {
    case 0: /* dst item k = src item n-1-k */
    case 2:
        check_items(s.sim, dbase, n, item, 14, (int64_t)n - 1, -1, "reversed copy");
        break;
    case 1:
        check_items(s.sim, dbase, 1, item, 14, (int64_t)n - 1, 1, "fixed destination");
        check_zero(s.sim, dbase + item, (n - 1) * item, "beyond the fixed destination");
        break;
    default:
        check_items(s.sim, dbase, 1, item, 13, (int64_t)n - 1, 1, "fixed destination of a device");
        check_zero(s.sim, dbase + item, (n - 1) * item, "beyond the fixed destination");
        fdev_free(&f);
        break;
    }
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Autoinitialize and the mask bit                                                          */
/* ======================================================================================= */

typedef struct ai_ctx {
    fsys *s;
    unsigned ch;
    int rises;
    dmasim_addr src;
    size_t len;
    int mem_to_mem;
    action clear;
} ai_ctx;

static void act_clear_tc(action *a) { reg_poke(a->s->bus, chreg(a->ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_TC); }

/* On the TC pin: after the first block, software refills the source and clears TC (3 cycles
 * later); after the second, it masks the channel (which then stays busy but is not served). */
static void ai_on_tc(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    ai_ctx *a = ctx;
    if (!value || !a->mem_to_mem)
        return;
    if (++a->rises == 1) {
        fill_pattern(a->s->sim, a->src, a->len, 16);
        at(a->s, &a->clear, t + 3 * a->s->c.P, act_clear_tc, a->ch, 0);
    } else {
        ck_assert_int_eq(dmasim_dmac_set_mask(a->s->dmac, a->ch, 1), 0);
    }
}

/* Autoinitialize: at the end of each block the TC bit is set, the TC pin pulses and the IRQ
 * rises, the channel reloads its start values and goes on (in the same burst tenure):
 * block ends at t1 = arb + B and t2 = t1 + B, B the block's units. autoinits counted; the data
 * is copied twice. Variant 0: memory to memory, burst, the source refilled between the blocks
 * (the destination ends with the second pattern), TC cleared by software in between (IRQ
 * falls, and rises again at t2), masked at t2. Variant 1: memory to a device in demand mode:
 * the device takes the block twice, then drops DREQ. */
static tu_outcome sc_autoinit(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_lo = 1;
    const uint32_t item = 8;
    const uint64_t n = 5;
    const dmasim_addr src = 0x2000, dst = HI_BASE + 0x2000;
    const unsigned ch = 2;
    const int m2m = v == 0;
    fsys s;
    sys_init(&s, &c);
    edges irq, tc;
    watch(&s, "dmac0.irq", &irq);
    watch(&s, "dmac0.ch2.tc", &tc);
    ai_ctx a;
    memset(&a, 0, sizeof a);
    a.s = &s;
    a.ch = ch;
    a.src = src;
    a.len = n * item;
    a.mem_to_mem = m2m;
    ck_assert_int_eq(dmasim_signal_subscribe(dmasim_sim_signal_find(s.sim, "dmac0.ch2.tc"), ai_on_tc, &a), 0);
    fill_pattern(s.sim, src, n * item, 15);
    fdev f;
    const dmasim_time T1 = 2 * c.P + c.P / 2;
    dmasim_dma_transfer t = xfer(src, dst, n, item, m2m ? DMASIM_DMA_BURST : DMASIM_DMA_DEMAND);
    t.autoinit = 1;
    if (!m2m) {
        const fdev_step plan[] = {{T1, 1, 0, 2 * n}};
        fdev_attach(&s, &f, ch, 0, UINT64_MAX / 2, plan, 1);
        t.direction = DMASIM_DMA_MEM_TO_DEV;
    }
    start(&s, ch, &t);
    sys_run_then(&s, c.P); /* the TC pulse ends */

    uint64_t B = 0;
    for (uint64_t k = 0; k < n; k++)
        B += m2m ? x_unit(&c, src + k * item, dst + k * item, item) : x_txn(&c, src + k * item, item);
    const dmasim_time g = m2m ? 0 : edge(&c, T1);
    const dmasim_time t1 = g + (c.arb + B) * c.P, t2 = t1 + B * c.P;
    ck_assert_uint_eq(tc.n, 4);
    check_edge(&tc, 0, 1, t1, "tc");
    check_edge(&tc, 1, 0, t1 + c.P, "tc");
    check_edge(&tc, 2, 1, t2, "tc");
    check_edge(&tc, 3, 0, t2 + c.P, "tc");
    if (m2m) {
        ck_assert_uint_eq(irq.n, 3);
        check_edge(&irq, 0, 1, t1, "irq");
        check_edge(&irq, 1, 0, t1 + 3 * c.P, "irq");
        check_edge(&irq, 2, 1, t2, "irq");
    } else {
        ck_assert_uint_eq(irq.n, 1);
        check_edge(&irq, 0, 1, t1, "irq");
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.busy, 1); /* it went on: reloaded for a third block */
    ck_assert_int_eq(st.tc, 1);
    ck_assert_int_eq(st.masked, m2m); /* autoinitialize never sets the mask bit */
    tu_outcome_set(&o, 0, "items of the block in progress", st.items_done, 0);
    tu_outcome_set(&o, 1, "end_time (ps; still running)", st.end_time, DMASIM_TIME_NEVER);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.autoinits"), 2);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.transfers"), 3);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.items"), 2 * n);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.bytes"), 2 * n * item);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 1);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_BUSY | DMASIM_DMAC_STATUS_TC);
    if (m2m) {
        check_pattern(s.sim, dst, n * item, 16, "second block (refilled source)");
    } else {
        ck_assert_uint_eq(f.in_len, 2 * n * item);
        fdev_check_in(&f, 0, n * item, 15, 0, "first block");
        fdev_check_in(&f, n * item, n * item, 15, 0, "second block");
        ck_assert_int_eq(f.done_calls, 2); /* told at each TC */
        ck_assert_int_eq(f.done_status, 0);
        ck_assert_uint_eq(f.done_t, t2);
        ck_assert_uint_eq(dmasim_signal_value(f.dreq), 0);
        fdev_free(&f);
    }
    finish(&s, snap);
    return o;
}

/* The mask bit is set at TC (without autoinitialize; the 8237A does so) and cleared by a new
 * start; the MASK register shows it. */
static tu_outcome sc_mask_at_tc(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    const uint32_t item = 8;
    const uint64_t n = 3;
    const dmasim_addr src = 0x2000, dst = HI_BASE + 0x2000, dst2 = HI_BASE + 0x3000;
    const unsigned ch = 2;
    fsys s;
    sys_init(&s, &c);
    fill_pattern(s.sim, src, n * item, 17);
    dmasim_dma_transfer t = xfer(src, dst, n, item, DMASIM_DMA_BURST);
    start(&s, ch, &t);
    sys_run(&s);
    uint64_t B = 0;
    for (uint64_t k = 0; k < n; k++)
        B += x_unit(&c, src + k * item, dst + k * item, item);
    const dmasim_time e1 = (c.arb + B) * c.P;
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "first end_time (ps)", st.end_time, e1);
    ck_assert_int_eq(st.masked, 1);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_MASK)), 1);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC);

    const dmasim_time S2 = dmasim_sim_now(s.sim);
    t.dst = dst2;
    start(&s, ch, &t);
    st = ch_status(&s, ch);
    ck_assert_int_eq(st.masked, 0);
    ck_assert_int_eq(st.tc, 0);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_MASK)), 0);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_BUSY);
    sys_run(&s);
    uint64_t B2 = 0;
    for (uint64_t k = 0; k < n; k++)
        B2 += x_unit(&c, src + k * item, dst2 + k * item, item);
    st = ch_status(&s, ch);
    ck_assert_uint_eq(st.start_time, S2);
    tu_outcome_set(&o, 1, "second end_time (ps)", st.end_time, edge(&c, S2) + (c.arb + B2) * c.P);
    ck_assert_int_eq(st.masked, 1);
    ck_assert_int_eq(st.tc, 1);
    check_pattern(s.sim, dst, n * item, 17, "first transfer");
    check_pattern(s.sim, dst2, n * item, 17, "second transfer");
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.transfers"), 2);
    finish(&s, snap);
    return o;
}

/* A masked channel is not served until unmasked.
 * Variant 0: masked with dmasim_dmac_set_mask right after its start, unmasked at Tu: its
 * first transaction starts at edge(Tu) + arb, completion edge(Tu) + arb + B.
 * Variant 1: a running cycle-stealing channel is masked and unmasked by the CPU through the
 * MASK register: after its first unit the CPU's MASK=1 write (R14: served between two units)
 * stops it; the MASK=0 write, whose data beat ends at W2, lets it go on from W2 + arb. */
static tu_outcome sc_masked(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_hi = 1;
    c.with_cpu = v == 1;
    const uint32_t item = 8;
    const uint64_t n = 6;
    const dmasim_addr src = 0x2000, dst = HI_BASE + 0x2000;
    const unsigned ch = 0;
    const dmasim_time P = c.P;
    fsys s;
    sys_init(&s, &c);
    fill_pattern(s.sim, src, n * item, 18);
    action unmask;
    dmasim_time ustart[16], uend[16];
    if (v == 0) {
        dmasim_dma_transfer t = xfer(src, dst, n, item, DMASIM_DMA_BURST);
        start(&s, ch, &t);
        ck_assert_int_eq(dmasim_dmac_set_mask(s.dmac, ch, 1), 0);
        const dmasim_time Tu = 7 * P + P / 2;
        at(&s, &unmask, Tu, act_mask, ch, 0);
        sys_run_until(&s, Tu - 1);
        dmasim_dma_channel_status st = ch_status(&s, ch);
        ck_assert_int_eq(st.busy, 1);
        ck_assert_int_eq(st.masked, 1);
        ck_assert_uint_eq(st.items_done, 0);
        ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_MASK)), 1);
        ck_assert_uint_eq(s.ntx, 0);
        dmasim_time tt = edge(&c, Tu) + c.arb * P;
        for (uint64_t k = 0; k < n; k++) {
            ustart[k] = tt;
            tt += x_unit(&c, src + k * item, dst + k * item, item) * P;
            uend[k] = tt;
        }
    } else {
        const dmasim_time Pc = cpu_period(&c);
        const uint64_t creg = c.arb + x_reg(&c, chreg(ch, DMASIM_DMAC_MASK));
        /* unit 0 wins edge 0 (DMAC priority 0); the CPU's MASK=1 write follows it */
        ustart[0] = c.arb * P;
        uend[0] = ustart[0] + x_unit(&c, src, dst, item) * P;
        const dmasim_time W1 = uend[0] + creg * P;
        const dmasim_time r2 = W1 + 10 * P, W2 = r2 + creg * P;
        dmasim_time t = W2;
        for (uint64_t k = 1; k < n; k++) {
            ustart[k] = t + c.arb * P;
            t = ustart[k] + x_unit(&c, src + k * item, dst + k * item, item) * P;
            uend[k] = t;
        }
        dmasim_dma_transfer tr = xfer(src, dst, n, item, DMASIM_DMA_CYCLE_STEALING);
        start(&s, ch, &tr);
        const dmasim_cpu_op ops[] = {op_store(chreg(ch, DMASIM_DMAC_MASK), 4, 1), op_compute((r2 - W1) / Pc),
                                     op_store(chreg(ch, DMASIM_DMAC_MASK), 4, 0)};
        run_script(&s, ops, 3);
        sys_run_until(&s, r2);
        dmasim_dma_channel_status st = ch_status(&s, ch);
        ck_assert_int_eq(st.busy, 1);
        ck_assert_int_eq(st.masked, 1);
        ck_assert_uint_eq(st.items_done, 1);
        ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), r2 / Pc);
    }
    sys_run(&s);
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), 2 * n);
    for (uint64_t k = 0; k < n; k++) {
        ck_assert_msg(tx[2 * k].start == ustart[k] && tx[2 * k + 1].end == uend[k],
                      "unit %llu: [%llu, %llu] ps, expected [%llu, %llu]", (unsigned long long)k,
                      (unsigned long long)tx[2 * k].start, (unsigned long long)tx[2 * k + 1].end,
                      (unsigned long long)ustart[k], (unsigned long long)uend[k]);
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, uend[n - 1]);
    ck_assert_int_eq(st.tc, 1);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    check_pattern(s.sim, dst, n * item, 18, "masked then unmasked");
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Priority                                                                                 */
/* ======================================================================================= */

/* Two cycle-stealing channels, 0 and 2, started together. Fixed priority: channel 0's units
 * all come first. Rotating: the channel just served becomes the lowest, so they alternate
 * 0, 2, 0, 2, ... Each unit costs arb + unit (R13) whatever the order. The order is read from
 * the tag of each transaction the bus observer saw.
 * Variants: 0 fixed; 1 rotating (dmasim_dmac_config.rotating_priority); 2 rotating selected by
 * a CPU write of PRIORITY = 1 (the channels start after it). */
static tu_outcome sc_priority(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_hi = 1;
    c.rotating = v == 1;
    c.with_cpu = v == 2;
    const uint32_t item = 8;
    const uint64_t n = 4;
    const unsigned chs[2] = {0, 2};
    const dmasim_addr src[2] = {0x1000, 0x2000}, dst[2] = {HI_BASE + 0x1000, 0x6000};
    fsys s;
    sys_init(&s, &c);
    ck_assert_uint_eq(reg_peek(&s, GLOBAL + DMASIM_DMAC_G_PRIORITY), (uint32_t)c.rotating);
    for (int j = 0; j < 2; j++)
        fill_pattern(s.sim, src[j], n * item, 20 + (unsigned)j);
    dmasim_time S = 0;
    if (v == 2) {
        const dmasim_cpu_op ops[] = {op_store(GLOBAL + DMASIM_DMAC_G_PRIORITY, 4, 1)};
        run_script(&s, ops, 1);
        const dmasim_time W = (c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_PRIORITY)) * c.P;
        sys_run_until(&s, W + c.P / 2);
        ck_assert_uint_eq(reg_peek(&s, GLOBAL + DMASIM_DMAC_G_PRIORITY), 1);
        S = dmasim_sim_now(s.sim);
    }
    for (int j = 0; j < 2; j++) {
        dmasim_dma_transfer t = xfer(src[j], dst[j], n, item, DMASIM_DMA_CYCLE_STEALING);
        start(&s, chs[j], &t);
    }
    sys_run(&s);

    const int rotating = v != 0;
    int order[16];
    uint64_t done[2] = {0, 0};
    dmasim_time t = edge(&c, S), ustart[16], uend[16], chend[2];
    for (uint64_t u = 0; u < 2 * n; u++) {
        const int j = rotating ? (int)(u % 2) : (u < n ? 0 : 1);
        order[u] = j;
        const uint64_t k = done[j]++;
        ustart[u] = t + c.arb * c.P;
        t = ustart[u] + x_unit(&c, src[j] + k * item, dst[j] + k * item, item) * c.P;
        uend[u] = t;
        chend[j] = t;
    }
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), 4 * n);
    for (uint64_t u = 0; u < 2 * n; u++) {
        ck_assert_msg(tx[2 * u].tag == chs[order[u]] && tx[2 * u + 1].tag == chs[order[u]],
                      "unit %llu is channel %u's, expected channel %u's", (unsigned long long)u, tx[2 * u].tag,
                      chs[order[u]]);
        ck_assert_uint_eq(tx[2 * u].start, ustart[u]);
        ck_assert_uint_eq(tx[2 * u + 1].end, uend[u]);
    }
    for (int j = 0; j < 2; j++) {
        dmasim_dma_channel_status st = ch_status(&s, chs[j]);
        tu_outcome_set(&o, j, "end_time (ps)", st.end_time, chend[j]);
        ck_assert_int_eq(st.tc, 1);
        check_pattern(s.sim, dst[j], n * item, 20 + (unsigned)j, "priority destination");
    }
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 2 * n);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* The TC pin and external EOP                                                              */
/* ======================================================================================= */

/* "<dmac>.chN.tc" rises at end_time and falls one bus cycle later (a pulse for whoever watches
 * the pin; an unwatched channel's pin never moves). Variants: 0 memory to memory, burst (one
 * event per tenure on the fast path); 1 cycle stealing; 2 device to memory, demand. */
static tu_outcome sc_tc_pin(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_lo = 2;
    const uint32_t item = 16;
    const uint64_t n = 4;
    const dmasim_addr src = 0x1000, dst = 0x5008;
    const unsigned ch = 3;
    fsys s;
    sys_init(&s, &c);
    edges tc, irq;
    watch(&s, "dmac0.ch3.tc", &tc);
    watch(&s, "dmac0.irq", &irq);
    fdev f;
    const dmasim_dma_mode modes[3] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING, DMASIM_DMA_DEMAND};
    dmasim_dma_transfer t = xfer(src, dst, n, item, modes[v]);
    if (v == 2) {
        const fdev_step plan[] = {{0, 1, 0, 0}};
        fdev_attach(&s, &f, ch, 22, n * item, plan, 1);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
    } else {
        fill_pattern(s.sim, src, n * item, 22);
    }
    start(&s, ch, &t);
    /* another channel, not watched, ends first (lower number) */
    fill_pattern(s.sim, 0x8000, 8, 1);
    dmasim_dma_transfer t0 = xfer(0x8000, 0x9000, 1, 8, DMASIM_DMA_BURST);
    start(&s, 0, &t0);
    sys_run(&s);
    dmasim_time cur = (c.arb + x_unit(&c, 0x8000, 0x9000, 8)) * c.P; /* channel 0's tenure */
    for (uint64_t k = 0; k < n; k++) {
        if (k == 0 || v == 1)
            cur += c.arb * c.P;
        cur += (v == 2 ? x_txn(&c, dst + k * item, item) : x_unit(&c, src + k * item, dst + k * item, item)) * c.P;
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, cur);
    /* the run ends at terminal count: the pulse's end does not keep it going (watching TC changes
     * no result), TC is still high; time passing completes the pulse */
    ck_assert_uint_eq(dmasim_sim_now(s.sim), cur);
    ck_assert_uint_eq(tc.n, 1);
    sys_run_until(&s, cur + c.P);
    tu_outcome_set(&o, 1, "TC edges once time passed the pulse", tc.n, 2);
    check_edge(&tc, 0, 1, cur, "tc");
    check_edge(&tc, 1, 0, cur + c.P, "tc");
    ck_assert_int_eq(ch_status(&s, 0).tc, 1);
    ck_assert_uint_eq(dmasim_signal_toggles(dmasim_sim_signal_find(s.sim, "dmac0.ch0.tc")), 0);
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, ch_status(&s, 0).end_time, "irq");
    if (v == 2) {
        check_pattern(s.sim, dst, n * item, 22, "demand destination");
        fdev_free(&f);
    } else {
        check_pattern(s.sim, dst, n * item, 22, "destination");
    }
    finish(&s, snap);
    return o;
}

/* External EOP while a channel is in service: the unit in progress completes, then the
 * channel stops (aborted, STATUS.EOP, IRQ at the end of that unit, no TC); the device is told
 * (DMASIM_ESTATE). EOP rises 1.5 cycles into unit 3: the channel ends after 4 units.
 * Variants: 0 memory to memory, burst; 1 device to memory, demand. */
static tu_outcome sc_eop_in_service(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_hi = 1;
    const uint32_t item = 8;
    const uint64_t n = 10, k_eop = 3;
    const dmasim_addr src = 0x1000, dst = HI_BASE + 0x1000;
    const unsigned ch = 1;
    const int dev = v == 1;
    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    fdev f;
    dmasim_dma_transfer t = xfer(src, dst, n, item, dev ? DMASIM_DMA_DEMAND : DMASIM_DMA_BURST);
    if (dev) {
        const fdev_step plan[] = {{0, 1, 0, 0}};
        fdev_attach(&s, &f, ch, 23, n * item, plan, 1);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
    } else {
        fill_pattern(s.sim, src, n * item, 23);
    }
    start(&s, ch, &t);
    dmasim_time ustart[16], uend[16], cur = c.arb * c.P;
    for (uint64_t k = 0; k < n; k++) {
        ustart[k] = cur;
        cur += (dev ? x_txn(&c, dst + k * item, item) : x_unit(&c, src + k * item, dst + k * item, item)) * c.P;
        uend[k] = cur;
    }
    const dmasim_time Te = ustart[k_eop] + c.P + c.P / 2;
    ck_assert(Te < uend[k_eop]);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_eop(s.dmac)), 0);
    action eop;
    at(&s, &eop, Te, act_eop, 0, 1);
    sys_run(&s);

    const dmasim_time end = uend[k_eop];
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.aborted, 1);
    ck_assert_int_eq(st.tc, 0);
    ck_assert_int_eq(st.error, 0);
    ck_assert_int_eq(st.busy, 0);
    tu_outcome_set(&o, 0, "items", st.items_done, k_eop + 1);
    tu_outcome_set(&o, 1, "end_time (ps)", st.end_time, end);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_EOP);
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, end, "irq");
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), (dev ? 1 : 2) * (k_eop + 1));
    ck_assert_uint_eq(tx[(dev ? 1 : 2) * (k_eop + 1) - 1].end, end);
    if (dev) {
        check_pattern(s.sim, dst, (k_eop + 1) * item, 23, "before EOP");
        ck_assert_int_eq(f.done_calls, 1);
        ck_assert_int_eq(f.done_status, DMASIM_ESTATE);
        ck_assert_uint_eq(f.done_t, end);
        fdev_free(&f);
    } else {
        check_pattern(s.sim, dst, (k_eop + 1) * item, 23, "before EOP");
    }
    check_zero(s.sim, dst + (k_eop + 1) * item, (n - k_eop - 1) * item, "after EOP");
    /* write 1 to clear: the IRQ falls */
    reg_poke(s.bus, chreg(ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_EOP);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
    finish(&s, snap);
    return o;
}

/* External EOP while no channel is in service: a cycle-stealing channel waits for the bus
 * while the CPU (served between two stolen units, R14) reads a register; EOP then stops the
 * channel at once, at EOP's own time, after the units it completed. */
static tu_outcome sc_eop_not_in_service(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    const uint32_t item = 8;
    const uint64_t n = 10;
    const dmasim_addr src = 0x1000, dst = 0x3000;
    const unsigned ch = 0;
    const dmasim_time P = c.P, Pc = cpu_period(&c);
    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    fill_pattern(s.sim, src, n * item, 24);
    dmasim_dma_transfer t = xfer(src, dst, n, item, DMASIM_DMA_CYCLE_STEALING);
    start(&s, ch, &t);
    const dmasim_time r = (c.arb + 1) * P; /* inside unit 0 */
    const dmasim_time u0 = (c.arb + x_unit(&c, src, dst, item)) * P;
    const dmasim_time Te = u0 + c.arb * P + P / 2; /* during the CPU's tenure */
    const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 2);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_eop(s.dmac)), 0);
    action eop;
    at(&s, &eop, Te, act_eop, 0, 1);
    sys_run(&s);

    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.aborted, 1);
    ck_assert_int_eq(st.busy, 0);
    ck_assert_int_eq(st.tc, 0);
    tu_outcome_set(&o, 0, "items", st.items_done, 1);
    tu_outcome_set(&o, 1, "end_time (ps)", st.end_time, Te);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.completion_cycles"), Te / P);
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, Te, "irq");
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), 2);
    ck_assert_uint_eq(tx[1].end, u0);
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (u0 + (c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST)) * P) / Pc);
    check_pattern(s.sim, dst, item, 24, "the one unit");
    check_zero(s.sim, dst + item, (n - 1) * item, "after EOP");
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_EOP);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Scatter-gather                                                                           */
/* ======================================================================================= */

/* A chain of 3 descriptors (not contiguous in memory): each is fetched (one 32-byte read:
 * addr + ceil(32 / width) * (1 + ws) cycles) before its first item, inside that unit's tenure.
 * Descriptor 1 has the IRQ flag (STATUS.DESC and the IRQ at the end of its last unit),
 * descriptor 2 END (terminal count). Burst: completion = arb + sum(fetch + units); cycle
 * stealing: sum(fetch) + sum(arb + unit). Variants: 0 burst; 1 cycle stealing; 2 burst on a
 * 4-byte bus with a wait state in the memory holding the descriptors (a fetch = 1 + 8 * 2). */
static tu_outcome sc_sg_chain(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    if (v == 2) {
        c.width = 4;
        c.ws_lo = 1;
    }
    const uint32_t item = 8;
    const dmasim_addr D[3] = {0x8000, 0x9020, 0x8100};
    const uint32_t cnt[3] = {3, 2, 4}, flags[3] = {0, DMASIM_DESC_IRQ, DMASIM_DESC_END};
    const unsigned ch = 2;
    const dmasim_dma_mode mode = v == 1 ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST;
    fsys s;
    sys_init(&s, &c);
    edges irq, tc;
    watch(&s, "dmac0.irq", &irq);
    watch(&s, "dmac0.ch2.tc", &tc);
    for (int d = 0; d < 3; d++) {
        const dmasim_addr sa = 0x1000 * (dmasim_addr)(d + 1), da = HI_BASE + 0x1000 * (dmasim_addr)(d + 1);
        put_desc(s.sim, D[d], sa, da, cnt[d], flags[d], d < 2 ? D[d + 1] : 0);
        fill_pattern(s.sim, sa, cnt[d] * item, 30 + (unsigned)d);
    }
    dmasim_dma_transfer t = xfer(0, 0, 1, item, mode);
    t.sg = D[0];
    start(&s, ch, &t);
    sys_run_then(&s, c.P); /* the TC pulse ends */

    /* expected, transaction by transaction */
    txrec tx[64];
    const size_t ntx = dmac_txns(&s, tx, 64);
    ck_assert_uint_eq(ntx, 3 + 2 * (3 + 2 + 4));
    dmasim_time cur = 0, end_d1 = 0;
    uint64_t fetch_cycles = 0;
    size_t i = 0;
    for (int d = 0; d < 3; d++) {
        const dmasim_addr sa = 0x1000 * (dmasim_addr)(d + 1), da = HI_BASE + 0x1000 * (dmasim_addr)(d + 1);
        for (uint32_t k = 0; k < cnt[d]; k++) {
            if (mode == DMASIM_DMA_CYCLE_STEALING || (d == 0 && k == 0))
                cur += c.arb * c.P;
            if (k == 0) { /* the fetch */
                ck_assert_uint_eq(tx[i].addr, D[d]);
                ck_assert_uint_eq(tx[i].len, DMASIM_DESC_SIZE);
                ck_assert_int_eq(tx[i].is_write, 0);
                ck_assert_uint_eq(tx[i].start, cur);
                cur += x_fetch(&c, D[d]) * c.P;
                fetch_cycles += x_fetch(&c, D[d]);
                ck_assert_uint_eq(tx[i].end, cur);
                i++;
            }
            ck_assert_uint_eq(tx[i].addr, sa + k * item);
            ck_assert_uint_eq(tx[i].start, cur);
            cur += x_unit(&c, sa + k * item, da + k * item, item) * c.P;
            ck_assert_uint_eq(tx[i + 1].addr, da + k * item);
            ck_assert_uint_eq(tx[i + 1].end, cur);
            i += 2;
        }
        if (d == 1)
            end_d1 = cur;
        check_pattern(s.sim, da, cnt[d] * item, 30 + (unsigned)d, "chain segment");
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, cur);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_int_eq(st.error, 0);
    ck_assert_uint_eq(st.descriptors, 3);
    tu_outcome_set(&o, 1, "items", st.items_done, 9);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.descriptors"), 3);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.descriptor_fetch_cycles"), fetch_cycles);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.items"), 9);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.bytes"), 9 * item);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.completion_cycles"), cur / c.P);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), mode == DMASIM_DMA_BURST ? 1 : 9);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC | DMASIM_DMAC_STATUS_DESC);
    ck_assert_uint_eq(irq.n, 1); /* raised by descriptor 1, still high at TC */
    check_edge(&irq, 0, 1, end_d1, "irq");
    ck_assert_uint_eq(tc.n, 2);
    check_edge(&tc, 0, 1, cur, "tc");
    /* clearing TC leaves DESC holding the IRQ; clearing DESC lowers it */
    reg_poke(s.bus, chreg(ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_TC);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
    reg_poke(s.bus, chreg(ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_DESC);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
    finish(&s, snap);
    return o;
}

/* A chain that loops (no END) stops with ERR, err DMASIM_ERANGE at the descriptor it was about
 * to use, after max_descriptors (8) descriptors: completion = arb + 8 (fetch + units) + the
 * ninth fetch. Variants: 0 a descriptor that points to itself; 1 two that point to each other. */
static tu_outcome sc_sg_loop(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.max_desc = 8;
    const uint32_t item = 8, cnt = 2;
    const dmasim_addr A = 0x8000, B = 0x8040;
    const dmasim_addr src = 0x1000, dst = HI_BASE + 0x1000;
    const unsigned ch = 0;
    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    fill_pattern(s.sim, src, cnt * item, 33);
    put_desc(s.sim, A, src, dst, cnt, 0, v == 0 ? A : B);
    put_desc(s.sim, B, src, dst, cnt, 0, A);
    dmasim_dma_transfer t = xfer(0, 0, 1, item, DMASIM_DMA_BURST);
    t.sg = A;
    start(&s, ch, &t);
    sys_run(&s);

    uint64_t cyc = c.arb, fetch = 0;
    for (int d = 0; d < 8; d++) {
        const dmasim_addr D = (v == 1 && (d & 1)) ? B : A;
        cyc += x_fetch(&c, D);
        fetch += x_fetch(&c, D);
        for (uint32_t k = 0; k < cnt; k++)
            cyc += x_unit(&c, src + k * item, dst + k * item, item);
    }
    cyc += x_fetch(&c, A); /* the ninth descriptor: A again */
    fetch += x_fetch(&c, A);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.error, 1);
    ck_assert_int_eq(st.err, DMASIM_ERANGE);
    ck_assert_uint_eq(st.err_addr, A);
    ck_assert_int_eq(st.tc, 0);
    ck_assert_int_eq(st.busy, 0);
    ck_assert_uint_eq(st.descriptors, 8);
    tu_outcome_set(&o, 0, "items", st.items_done, 8 * cnt);
    tu_outcome_set(&o, 1, "end_time (ps)", st.end_time, cyc * c.P);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.descriptors"), 8);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.descriptor_fetch_cycles"), fetch);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.errors"), 1);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_ERR);
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, cyc * c.P, "irq");
    check_pattern(s.sim, dst, cnt * item, 33, "looped copy");
    finish(&s, snap);
    return o;
}

/* A descriptor at an unmapped address: its fetch is answered with a decode error (R7: addr + 1
 * cycles) and the channel stops with ERR, err DMASIM_EUNMAPPED, err_addr that address; the
 * other channel (started at the same time, lower priority) then runs to TC. Variants: 0 the
 * second descriptor's address is unmapped; 1 the first one's. */
static tu_outcome sc_sg_unmapped(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    const uint32_t item = 8;
    const dmasim_addr D0 = 0x8000, src = 0x1000, dst = HI_BASE + 0x1000;
    const dmasim_addr src1 = 0x2000, dst1 = HI_BASE + 0x2000;
    const uint64_t n1 = 3;
    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    fill_pattern(s.sim, src, 2 * item, 34);
    fill_pattern(s.sim, src1, n1 * item, 35);
    put_desc(s.sim, D0, src, dst, 2, 0, UNMAPPED);
    dmasim_dma_transfer t = xfer(0, 0, 1, item, DMASIM_DMA_BURST);
    t.sg = v == 0 ? D0 : UNMAPPED;
    start(&s, 0, &t);
    dmasim_dma_transfer t1 = xfer(src1, dst1, n1, item, DMASIM_DMA_BURST);
    start(&s, 1, &t1);
    sys_run(&s);

    uint64_t cyc = c.arb;
    if (v == 0) {
        cyc += x_fetch(&c, D0);
        for (uint32_t k = 0; k < 2; k++)
            cyc += x_unit(&c, src + k * item, dst + k * item, item);
    }
    cyc += x_unmapped(&c);
    const dmasim_time e0 = cyc * c.P;
    dmasim_time e1 = e0 + c.arb * c.P;
    for (uint64_t k = 0; k < n1; k++)
        e1 += x_unit(&c, src1 + k * item, dst1 + k * item, item) * c.P;
    dmasim_dma_channel_status st = ch_status(&s, 0);
    ck_assert_int_eq(st.error, 1);
    ck_assert_int_eq(st.err, DMASIM_EUNMAPPED);
    ck_assert_uint_eq(st.err_addr, UNMAPPED);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, e0);
    ck_assert_uint_eq(st.descriptors, v == 0 ? 1 : 0);
    tu_outcome_set(&o, 1, "items", st.items_done, v == 0 ? 2 : 0);
    ck_assert_uint_eq(reg_peek(&s, chreg(0, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_ERR);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.bus_errors"), 1);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.errors"), 1);
    st = ch_status(&s, 1);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_int_eq(st.error, 0);
    ck_assert_uint_eq(st.end_time, e1);
    check_pattern(s.sim, dst1, n1 * item, 35, "the other channel");
    if (v == 0)
        check_pattern(s.sim, dst, 2 * item, 34, "the first descriptor");
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, e0, "irq");
    finish(&s, snap);
    return o;
}

/* A descriptor with count 0 stops the channel with ERR (DMASIM_ERANGE at that descriptor)
 * right after its fetch. Variants: 0 the first descriptor; 1 the second. */
static tu_outcome sc_sg_count_zero(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    const uint32_t item = 8;
    const dmasim_addr D0 = 0x8000, D1 = 0x8020, src = 0x1000, dst = HI_BASE + 0x1000;
    const unsigned ch = 3;
    fsys s;
    sys_init(&s, &c);
    fill_pattern(s.sim, src, 2 * item, 36);
    put_desc(s.sim, D0, src, dst, v == 0 ? 0 : 2, 0, D1);
    put_desc(s.sim, D1, src + 0x100, dst + 0x100, 0, DMASIM_DESC_END, 0);
    dmasim_dma_transfer t = xfer(0, 0, 1, item, DMASIM_DMA_BURST);
    t.sg = D0;
    start(&s, ch, &t);
    sys_run(&s);
    uint64_t cyc = c.arb + x_fetch(&c, D0);
    if (v == 1) {
        for (uint32_t k = 0; k < 2; k++)
            cyc += x_unit(&c, src + k * item, dst + k * item, item);
        cyc += x_fetch(&c, D1);
    }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.error, 1);
    ck_assert_int_eq(st.err, DMASIM_ERANGE);
    ck_assert_uint_eq(st.err_addr, v == 0 ? D0 : D1);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, cyc * c.P);
    tu_outcome_set(&o, 1, "items", st.items_done, v == 0 ? 0 : 2);
    ck_assert_int_eq(st.tc, 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
    txrec tx[16];
    ck_assert_uint_eq(dmac_txns(&s, tx, 16), v == 0 ? 1 : 6);
    if (v == 0)
        check_zero(s.sim, dst, 2 * item, "nothing copied");
    else
        check_pattern(s.sim, dst, 2 * item, 36, "the first descriptor");
    finish(&s, snap);
    return o;
}

/* Ring mode: 4 descriptors, each with OWN set, the last pointing back to the first. After a
 * descriptor's last item the DMAC writes its flags word back with OWN cleared (a 4-byte write,
 * in the same unit), then fetches the next; finding the first one not owned, it waits
 * (STATUS.WAIT; a stall). Software sets OWN again and writes DOORBELL: the DMAC fetches that
 * descriptor again (from the edge after the doorbell, R1), runs it, and waits at the next one.
 * Burst. Variant 0: the doorbell is a zero-time write by a test-bench event; variant 1: a
 * scripted CPU stores OWN into the (uncached) descriptor and then writes DOORBELL; the DMAC
 * requests the bus when that write's data beat ends. */
static tu_outcome sc_sg_ring(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_lo = 1;
    c.with_cpu = v == 1;
    const uint32_t item = 8;
    const dmasim_addr R = 0xA000;
    const uint32_t cnt[4] = {1, 2, 3, 2};
    const uint32_t fl[4] = {0, DMASIM_DESC_END /* ignored in a ring */, 0, DMASIM_DESC_IRQ};
    const unsigned ch = 1;
    const dmasim_time P = c.P;
    dmasim_addr D[4], sa[4], da[4];
    for (int i = 0; i < 4; i++) {
        D[i] = R + (dmasim_addr)DMASIM_DESC_SIZE * (dmasim_addr)i;
        sa[i] = 0x1000 * (dmasim_addr)(i + 1);
        da[i] = HI_BASE + 0x1000 * (dmasim_addr)(i + 1);
    }
    /* expected first round */
    dmasim_time t = c.arb * P, irq_t = 0;
    uint64_t fetch = 0;
    for (int i = 0; i < 4; i++) {
        t += x_fetch(&c, D[i]) * P;
        fetch += x_fetch(&c, D[i]);
        for (uint32_t k = 0; k < cnt[i]; k++)
            t += x_unit(&c, sa[i] + k * item, da[i] + k * item, item) * P;
        t += x_wb(&c, D[i]) * P;
        if (i == 3)
            irq_t = t;
    }
    t += x_fetch(&c, D[0]) * P; /* not owned: wait */
    fetch += x_fetch(&c, D[0]);
    const dmasim_time W1 = t;

    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    for (int i = 0; i < 4; i++) {
        put_desc(s.sim, D[i], sa[i], da[i], cnt[i], fl[i] | DMASIM_DESC_OWN, D[(i + 1) % 4]);
        fill_pattern(s.sim, sa[i], cnt[i] * item, 40 + (unsigned)i);
    }
    dmasim_dma_transfer tr = xfer(0, 0, 1, item, DMASIM_DMA_BURST);
    tr.sg = D[0];
    tr.ring = 1;
    start(&s, ch, &tr);

    dmasim_time Tdb, g2;
    if (v == 0) {
        Tdb = W1 + 7 * P + P / 2;
        g2 = edge(&c, Tdb);
    } else {
        const dmasim_time Pc = cpu_period(&c);
        ck_assert_int_eq(dmasim_cpu_add_uncached(s.cpu, R, 0x1000), 0);
        const dmasim_time r = W1 + 5 * P;
        const dmasim_time w1 = r + (c.arb + x_txn(&c, D[0] + DMASIM_DESC_FLAGS, 4)) * P;
        Tdb = w1 + (c.arb + x_reg(&c, chreg(ch, DMASIM_DMAC_DOORBELL))) * P;
        g2 = Tdb;
        const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_store(D[0] + DMASIM_DESC_FLAGS, 4, fl[0] | DMASIM_DESC_OWN),
                                     op_store(chreg(ch, DMASIM_DMAC_DOORBELL), 4, 1)};
        run_script(&s, ops, 3);
    }
    /* new data for descriptor 0's second round, before the doorbell */
    sys_run_until(&s, W1 + P);
    ck_assert_uint_eq(get_u32(s.sim, D[0] + DMASIM_DESC_FLAGS), fl[0]); /* OWN cleared */
    fill_pattern(s.sim, sa[0], cnt[0] * item, 44);
    if (v == 0) { /* software gives descriptor 0 back, then rings at Tdb */
        sys_run_until(&s, Tdb);
        put_u32(s.sim, D[0] + DMASIM_DESC_FLAGS, fl[0] | DMASIM_DESC_OWN);
    }

    /* the first round is done: OWN cleared in memory, waiting */
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.busy, 1);
    tu_outcome_set(&o, 0, "descriptors of the first round", st.descriptors, 4);
    tu_outcome_set(&o, 1, "items of the first round", st.items_done, 8);
    for (int i = 1; i < 4; i++)
        ck_assert_uint_eq(get_u32(s.sim, D[i] + DMASIM_DESC_FLAGS), fl[i]);
    if (v == 0)
        ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)),
                          DMASIM_DMAC_STATUS_BUSY | DMASIM_DMAC_STATUS_DESC | DMASIM_DMAC_STATUS_WAIT);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.stalls"), 1);
    txrec tx[64];
    const size_t n1 = dmac_txns(&s, tx, 64);
    ck_assert_uint_eq(n1, 4 + 2 * 8 + 4 + 1);
    ck_assert_uint_eq(tx[n1 - 1].addr, D[0]);
    ck_assert_uint_eq(tx[n1 - 1].end, W1);
    for (int i = 0, j = 0; i < 4; i++) { /* the write-backs */
        j += 1 + 2 * (int)cnt[i];
        ck_assert_uint_eq(tx[j].addr, D[i] + DMASIM_DESC_FLAGS);
        ck_assert_uint_eq(tx[j].len, 4);
        ck_assert_int_eq(tx[j].is_write, 1);
        j++;
    }
    ck_assert_uint_eq(irq.n, 1);
    check_edge(&irq, 0, 1, irq_t, "irq");
    for (int i = 1; i < 4; i++)
        check_pattern(s.sim, da[i], cnt[i] * item, 40 + (unsigned)i, "ring, first round");

    if (v == 0)
        reg_poke(s.bus, chreg(ch, DMASIM_DMAC_DOORBELL), 1);
    sys_run(&s);
    dmasim_time e2 = g2 + c.arb * P + x_fetch(&c, D[0]) * P;
    for (uint32_t k = 0; k < cnt[0]; k++)
        e2 += x_unit(&c, sa[0] + k * item, da[0] + k * item, item) * P;
    e2 += (x_wb(&c, D[0]) + x_fetch(&c, D[1])) * P;
    fetch += x_fetch(&c, D[0]) + x_fetch(&c, D[1]);
    const size_t n2 = dmac_txns(&s, tx, 64);
    ck_assert_uint_eq(n2, n1 + 1 + 2 * cnt[0] + 2);
    ck_assert_uint_eq(tx[n1].addr, D[0]);
    ck_assert_uint_eq(tx[n1].start, g2 + c.arb * P);
    ck_assert_uint_eq(tx[n2 - 1].addr, D[1]);
    ck_assert_uint_eq(tx[n2 - 1].end, e2);
    st = ch_status(&s, ch);
    ck_assert_int_eq(st.busy, 1);
    ck_assert_uint_eq(st.descriptors, 5);
    ck_assert_uint_eq(get_u32(s.sim, D[0] + DMASIM_DESC_FLAGS), fl[0]);
    ck_assert_uint_eq(get_u32(s.sim, D[1] + DMASIM_DESC_FLAGS), fl[1]);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)) & DMASIM_DMAC_STATUS_WAIT, DMASIM_DMAC_STATUS_WAIT);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.stalls"), 2);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.descriptors"), 5);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.descriptor_fetch_cycles"), fetch);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.items"), 8 + cnt[0]);
    check_pattern(s.sim, da[0], cnt[0] * item, 44, "ring, descriptor 0 again");
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Registers                                                                                */
/* ======================================================================================= */

/* A scripted CPU programs a chain through the registers: DESC_LO, DESC_HI, then CTRL with START,
 * SG, IRQ_EN, the mode and log2(item size); three uncached 4-byte stores, each its own tenure
 * (arb + addr + beats * (1 + reg_ws), R19). The channel starts when the CTRL write's data beat
 * ends (R11), at S, and the chain (2 descriptors, the descriptors in ram_hi) completes at
 * S + arb + fetch + 2 units + fetch + 3 units. Variants: 0 burst; 1 cycle stealing. */
static tu_outcome sc_reg_sg(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ws_hi = 1;
    c.reg_ws = 2;
    const uint32_t item = 8;
    const unsigned ch = 3;
    const dmasim_addr D0 = HI_BASE + 0x8000, D1 = HI_BASE + 0x8800;
    const dmasim_addr sa[2] = {0x1000, 0x2000}, da[2] = {0x5000, 0x6000};
    const uint32_t cnt[2] = {2, 3};
    const dmasim_dma_mode mode = v ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST;
    fsys s;
    sys_init(&s, &c);
    put_desc(s.sim, D0, sa[0], da[0], cnt[0], 0, D1);
    put_desc(s.sim, D1, sa[1], da[1], cnt[1], DMASIM_DESC_END, 0);
    fill_pattern(s.sim, sa[0], cnt[0] * item, 50);
    fill_pattern(s.sim, sa[1], cnt[1] * item, 51);
    const uint32_t ctrl = DMASIM_DMAC_CTRL_START | (uint32_t)mode << DMASIM_DMAC_CTRL_MODE_SHIFT |
                          DMASIM_DMAC_CTRL_IRQ_EN | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT | DMASIM_DMAC_CTRL_SG;
    const dmasim_cpu_op ops[] = {op_store(chreg(ch, DMASIM_DMAC_DESC_LO), 4, (uint32_t)D0),
                                 op_store(chreg(ch, DMASIM_DMAC_DESC_HI), 4, (uint32_t)(D0 >> 32)),
                                 op_store(chreg(ch, DMASIM_DMAC_CTRL), 4, ctrl)};
    run_script(&s, ops, 3);
    sys_run(&s);

    const dmasim_time S = (3 * c.arb + x_reg(&c, chreg(ch, DMASIM_DMAC_DESC_LO)) +
                           x_reg(&c, chreg(ch, DMASIM_DMAC_DESC_HI)) + x_reg(&c, chreg(ch, DMASIM_DMAC_CTRL))) *
                          c.P;
    dmasim_time t = S;
    for (int d = 0; d < 2; d++)
        for (uint32_t k = 0; k < cnt[d]; k++) {
            if (mode == DMASIM_DMA_CYCLE_STEALING || (d == 0 && k == 0))
                t += c.arb * c.P;
            if (k == 0)
                t += x_fetch(&c, d ? D1 : D0) * c.P;
            t += x_unit(&c, sa[d] + k * item, da[d] + k * item, item) * c.P;
        }
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_uint_eq(st.start_time, S);
    tu_outcome_set(&o, 0, "end_time (ps)", st.end_time, t);
    tu_outcome_set(&o, 1, "tc", (uint64_t)st.tc, 1);
    ck_assert_uint_eq(st.descriptors, 2);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 0);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch3.descriptor_fetch_cycles"), x_fetch(&c, D0) + x_fetch(&c, D1));
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_DESC_LO)), (uint32_t)D0);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_DESC_HI)), 0);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_CTRL)), ctrl & ~(uint32_t)DMASIM_DMAC_CTRL_START);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
    check_pattern(s.sim, da[0], cnt[0] * item, 50, "register chain, descriptor 0");
    check_pattern(s.sim, da[1], cnt[1] * item, 51, "register chain, descriptor 1");
    finish(&s, snap);
    return o;
}

/* TC_STATUS: bit n for each channel at TC; reading it returns them and clears them all (8237A):
 * a second read returns 0, and the IRQ falls at the first read's data time. Channels 0 and 2
 * reach TC; the CPU then reads TC_STATUS twice (READ_BUFFER, 4 bytes each). */
static tu_outcome sc_reg_tc_status(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    const uint32_t item = 8;
    fsys s;
    sys_init(&s, &c);
    edges irq;
    watch(&s, "dmac0.irq", &irq);
    fill_pattern(s.sim, 0x1000, 16, 52);
    dmasim_dma_transfer t0 = xfer(0x1000, 0x3000, 2, item, DMASIM_DMA_BURST);
    dmasim_dma_transfer t2 = xfer(0x1000, 0x4000, 2, item, DMASIM_DMA_BURST);
    start(&s, 0, &t0);
    start(&s, 2, &t2);
    const dmasim_time P = c.P, Pc = cpu_period(&c);
    const dmasim_time e0 = (c.arb + x_unit(&c, 0x1000, 0x3000, item) + x_unit(&c, 0x1008, 0x3008, item)) * P;
    const dmasim_time e2 = e0 + (c.arb + x_unit(&c, 0x1000, 0x4000, item) + x_unit(&c, 0x1008, 0x4008, item)) * P;
    const dmasim_time r = e2 + 3 * P;
    const uint64_t rd = c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_TC_STATUS);
    const dmasim_cpu_op ops[] = {op_compute(r / Pc), op_read_buffer(GLOBAL + DMASIM_DMAC_G_TC_STATUS, 4),
                                 op_read_buffer(GLOBAL + DMASIM_DMAC_G_TC_STATUS, 4)};
    run_script(&s, ops, 3);
    sys_run(&s);
    tu_outcome_set(&o, 0, "ch0 end_time (ps)", ch_status(&s, 0).end_time, e0);
    tu_outcome_set(&o, 1, "ch2 end_time (ps)", ch_status(&s, 2).end_time, e2);
    size_t len = 0;
    const uint8_t *b = dmasim_cpu_captured(s.cpu, &len);
    ck_assert_uint_eq(len, 8);
    const uint32_t first = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    const uint32_t second = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    ck_assert_uint_eq(first, (1u << 0) | (1u << 2));
    ck_assert_uint_eq(second, 0);
    ck_assert_int_eq(ch_status(&s, 0).tc, 0);
    ck_assert_int_eq(ch_status(&s, 2).tc, 0);
    ck_assert_uint_eq(irq.n, 2);
    check_edge(&irq, 0, 1, e0, "irq");
    check_edge(&irq, 1, 0, r + rd * P, "irq");
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (r + 2 * rd * P) / Pc);
    finish(&s, snap);
    return o;
}

/* REQUEST shows the DREQ level of each channel's device (read only). Devices on channels 1 and
 * 3 raise DREQ at 1.5 and 2.5 cycles (no transfer started); ch3 drops it at 4.5. Read in zero
 * time between, and by the CPU at 4 cycles (R19: its data beat at 4 + arb + addr + 1 + reg_ws,
 * after ch3's drop). Writing REQUEST changes nothing. */
static tu_outcome sc_reg_request(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    const dmasim_time P = c.P, Pc = cpu_period(&c);
    fsys s;
    sys_init(&s, &c);
    const fdev_step p1[] = {{P + P / 2, 1, 0, 0}};
    const fdev_step p3[] = {{2 * P + P / 2, 1, 0, 0}, {4 * P + P / 2, 0, 0, 0}};
    fdev f1, f3;
    fdev_attach(&s, &f1, 1, 0, 0, p1, 1);
    fdev_attach(&s, &f3, 3, 0, 0, p3, 2);
    const dmasim_cpu_op ops[] = {op_compute(4 * P / Pc), op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 2);
    const dmasim_addr rq = GLOBAL + DMASIM_DMAC_G_REQUEST;
    ck_assert_uint_eq(reg_peek(&s, rq), 0);
    sys_run_until(&s, 2 * P);
    ck_assert_uint_eq(reg_peek(&s, rq), 1u << 1);
    sys_run_until(&s, 3 * P);
    ck_assert_uint_eq(reg_peek(&s, rq), (1u << 1) | (1u << 3));
    reg_poke(s.bus, rq, 0xFFFFFFFFu);
    ck_assert_uint_eq(reg_peek(&s, rq), (1u << 1) | (1u << 3));
    sys_run(&s);
    ck_assert(4 * P + (c.arb + x_reg(&c, rq)) * P > 4 * P + P / 2);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 1u << 1);
    ck_assert_uint_eq(reg_peek(&s, rq), 1u << 1);
    tu_outcome_set(&o, 0, "bus transactions (the CPU's load only)", s.ntx, 1);
    tu_outcome_set(&o, 1, "DMAC tenures", stat_get(s.sim, "dmac0.tenures"), 0);
    fdev_free(&f1);
    fdev_free(&f3);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* The fast path: events that land inside a batch                                           */
/* ======================================================================================= */

/* The fast path computes a burst tenure, or a run of cycle-stealing units with their
 * re-arbitrations folded in, in one event. Whatever another event changes meanwhile (a mask
 * bit, a higher-priority channel becoming ready, an observed pin) must give what the reference
 * path gives, which looks at the channels again after every unit. */


/* dmasim_dmac_set_mask on a channel in the middle of a burst (a test bench or firmware model
 * calling it from an event): the reference path finishes the unit in progress and releases the
 * bus (tenure_goes_on() checks the mask after every unit); unmasked at Tu, the channel goes on
 * from edge(Tu) + arb. The fast path, which computes the whole burst in one event, must agree. */
static tu_outcome sc_mask_mid_burst(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    const uint32_t item = 8;
    const uint64_t n = 10, k_mask = 3;
    const dmasim_addr src = 0x1000, dst = HI_BASE + 0x1000;
    const dmasim_dma_mode mode = v ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST;
    fsys s;
    sys_init(&s, &c);
    fill_pattern(s.sim, src, n * item, 61);
    dmasim_dma_transfer t = xfer(src, dst, n, item, mode);
    start(&s, 0, &t);
    dmasim_time ustart[16], uend[16], cur = 0;
    for (uint64_t k = 0; k <= k_mask; k++) {
        if (k == 0 || mode == DMASIM_DMA_CYCLE_STEALING)
            cur += c.arb * c.P;
        ustart[k] = cur;
        cur += x_unit(&c, src + k * item, dst + k * item, item) * c.P;
        uend[k] = cur;
    }
    const dmasim_time Tm = ustart[k_mask] + c.P + c.P / 2, Tu = uend[k_mask] + 20 * c.P + c.P / 2;
    cur = edge(&c, Tu);
    for (uint64_t k = k_mask + 1; k < n; k++) {
        if (k == k_mask + 1 || mode == DMASIM_DMA_CYCLE_STEALING)
            cur += c.arb * c.P;
        ustart[k] = cur;
        cur += x_unit(&c, src + k * item, dst + k * item, item) * c.P;
        uend[k] = cur;
    }
    action m, u;
    at(&s, &m, Tm, act_mask, 0, 1);
    at(&s, &u, Tu, act_mask, 0, 0);
    sys_run_until(&s, Tu - 1);
    tu_outcome_set(&o, 0, "items when masked", ch_status(&s, 0).items_done, k_mask + 1);
    sys_run(&s);
    txrec tx[64];
    ck_assert_uint_eq(dmac_txns(&s, tx, 64), 2 * n);
    for (uint64_t k = 0; k < n; k++)
        ck_assert_msg(tx[2 * k].start == ustart[k] && tx[2 * k + 1].end == uend[k],
                      "unit %llu: [%llu, %llu] ps, expected [%llu, %llu]", (unsigned long long)k,
                      (unsigned long long)tx[2 * k].start, (unsigned long long)tx[2 * k + 1].end,
                      (unsigned long long)ustart[k], (unsigned long long)uend[k]);
    tu_outcome_set(&o, 1, "end_time (ps)", ch_status(&s, 0).end_time, uend[n - 1]);
    check_pattern(s.sim, dst, n * item, 61, "masked mid-transfer");
    finish(&s, snap);
    return o;
}

/* Channel 1 copies memory in cycle-stealing mode; the device of channel 0
 * (higher priority) raises DREQ at Td, during channel 1's third unit. The reference path
 * re-arbitrates inside the DMAC at every grant, so channel 0's two units come right after the
 * unit in progress, then channel 1 goes on. The fast path, which folds channel 1's
 * re-arbitrations into one event, must agree. Variant 1: channel 0 is a memory-to-memory
 * channel started by dmasim_dmac_channel_start from an event at Td. */
static tu_outcome sc_preempt_batch(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.ws_hi = 1;
    const uint32_t item = 8;
    const uint64_t n1 = 8, n0 = 2;
    const dmasim_addr src = 0x1000, dst = HI_BASE + 0x1000, dst0 = HI_BASE + 0x8000, src0 = 0x8000;
    fsys s;
    sys_init(&s, &c);
    fill_pattern(s.sim, src, n1 * item, 62);
    fill_pattern(s.sim, src0, n0 * item, 63);
    const dmasim_time Td = (2 * (c.arb + x_unit(&c, src, dst, item)) + c.arb + 1) * c.P + c.P / 2;
    fdev f;
    dmasim_dma_transfer t0 = xfer(src0, dst0, n0, item, DMASIM_DMA_CYCLE_STEALING);
    if (v == 0) {
        const fdev_step plan[] = {{Td, 1, 0, 0}};
        fdev_attach(&s, &f, 0, 63, n0 * item, plan, 1);
        t0.direction = DMASIM_DMA_DEV_TO_MEM;
        start(&s, 0, &t0);
    }
    dmasim_dma_transfer t1 = xfer(src, dst, n1, item, DMASIM_DMA_CYCLE_STEALING);
    start(&s, 1, &t1);
    /* run to Td and start channel 0 there (variant 1) */
    sys_run_until(&s, Td);
    if (v == 1)
        start(&s, 0, &t0);
    sys_run(&s);

    /* expected order: channel 1's units 0..2, channel 0's two, channel 1's 3..7 */
    dmasim_time cur = 0;
    int order_ch[16];
    dmasim_time ustart[16], uend[16];
    uint64_t k1 = 0, k0 = 0;
    for (int u = 0; u < (int)(n0 + n1); u++) {
        const int c0 = u >= 3 && k0 < n0;
        order_ch[u] = c0 ? 0 : 1;
        ustart[u] = cur + c.arb * c.P;
        if (c0) {
            cur = ustart[u] + (v == 0 ? x_txn(&c, dst0 + k0 * item, item)
                                      : x_unit(&c, src0 + k0 * item, dst0 + k0 * item, item)) *
                                  c.P;
            k0++;
        } else {
            cur = ustart[u] + x_unit(&c, src + k1 * item, dst + k1 * item, item) * c.P;
            k1++;
        }
        uend[u] = cur;
    }
    ck_assert(Td > ustart[2] && Td < uend[2]);
    txrec tx[64];
    const size_t ntx = dmac_txns(&s, tx, 64);
    tu_outcome_set(&o, 0, "DMA transactions", ntx, 2 * n1 + (v == 0 ? 1 : 2) * n0);
    size_t i = 0;
    for (int u = 0; u < (int)(n0 + n1); u++) {
        const size_t w = order_ch[u] == 0 && v == 0 ? 1 : 2;
        ck_assert_msg(tx[i].tag == (uint32_t)order_ch[u] && tx[i].start == ustart[u] && tx[i + w - 1].end == uend[u],
                      "unit %d: channel %u [%llu, %llu] ps, expected channel %d [%llu, %llu]", u, tx[i].tag,
                      (unsigned long long)tx[i].start, (unsigned long long)tx[i + w - 1].end, order_ch[u],
                      (unsigned long long)ustart[u], (unsigned long long)uend[u]);
        i += w;
    }
    tu_outcome_set(&o, 1, "end of the last unit (ps)", tx[ntx - 1].end, uend[n0 + n1 - 1]);
    check_pattern(s.sim, dst, n1 * item, 62, "channel 1");
    check_pattern(s.sim, dst0, n0 * item, 63, "channel 0");
    if (v == 0)
        fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* DACK ("<dmac>.chN.dack") while a memory-to-memory cycle-stealing channel runs and someone
 * watches it: the reference path raises it at each grant (after arb) and drops it at the end of
 * each unit. The fast path must not fold the re-grants then (signal.h: no batching across a
 * toggle of an observed signal). */
static tu_outcome sc_dack_watched(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    const uint32_t item = 8;
    const uint64_t n = 4;
    const dmasim_addr src = 0x1000, dst = 0x3000;
    fsys s;
    sys_init(&s, &c);
    edges dack;
    watch(&s, "dmac0.ch0.dack", &dack);
    fill_pattern(s.sim, src, n * item, 64);
    dmasim_dma_transfer t = xfer(src, dst, n, item, DMASIM_DMA_CYCLE_STEALING);
    start(&s, 0, &t);
    sys_run(&s);
    dmasim_time cur = 0;
    tu_outcome_set(&o, 0, "DACK edges", dack.n, 2 * n);
    for (uint64_t k = 0; k < n; k++) {
        cur += c.arb * c.P;
        check_edge(&dack, 2 * k, 1, cur, "dack");
        cur += x_unit(&c, src + k * item, dst + k * item, item) * c.P;
        check_edge(&dack, 2 * k + 1, 0, cur, "dack");
    }
    tu_outcome_set(&o, 1, "last DACK fall (ps)", dack.t[2 * n - 1], cur);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* The header's promises                                                                    */
/* ======================================================================================= */

/* dmac.h: dmasim_dmac_busy() is "non-zero while any channel is busy": also while the busy
 * channel waits (for DREQ, for its mask bit to clear, or for a ring descriptor it owns). */
static tu_outcome sc_busy_while_waiting(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    fsys s;
    sys_init(&s, &c);
    fdev f;
    dmasim_dma_transfer t = xfer(0x1000, 0x3000, 2, 8, DMASIM_DMA_BURST);
    if (v == 0) { /* a device channel before DREQ */
        fdev_attach(&s, &f, 0, 0, 64, NULL, 0);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
        start(&s, 0, &t);
    } else if (v == 1) { /* masked */
        start(&s, 0, &t);
        ck_assert_int_eq(dmasim_dmac_set_mask(s.dmac, 0, 1), 0);
    } else { /* a ring whose first descriptor is not owned */
        put_desc(s.sim, 0x8000, 0x1000, 0x3000, 1, 0, 0x8000);
        t.sg = 0x8000;
        t.ring = 1;
        start(&s, 0, &t);
    }
    sys_run(&s);
    tu_outcome_set(&o, 0, "channel 0 busy", (uint64_t)ch_status(&s, 0).busy, 1);
    tu_outcome_set(&o, 1, "dmasim_dmac_busy() != 0", (uint64_t)(dmasim_dmac_busy(s.dmac) != 0), 1);
    if (v == 0)
        fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* Progress and transparency                                                                */
/* ======================================================================================= */

/* With arbitration_cycles = 0 a stalled attempt costs no bus time at all: a device that answers
 * DMASIM_EBUSY with DREQ high must still not be asked again at the same simulated time (time
 * has to advance until its FIFO fills at T_fill); then the block completes, bytes in order.
 * Variants: 0 demand; 1 burst (the block, once started by DREQ, is ready regardless of DREQ). */
static tu_outcome sc_busy_zero_arb(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.arb = 0;
    const uint32_t item = 8;
    const uint64_t n = 4;
    const dmasim_addr dst = 0x4000;
    fsys s;
    sys_init(&s, &c);
    const dmasim_time Tfill = 5 * c.P + c.P / 2;
    const fdev_step plan[] = {{0, 1, 0, 0}, {Tfill, -1, n * item, 0}};
    fdev f;
    fdev_attach(&s, &f, 0, 65, 0, plan, 2);
    dmasim_dma_transfer t = xfer(0, dst, n, item, v ? DMASIM_DMA_BURST : DMASIM_DMA_DEMAND);
    t.direction = DMASIM_DMA_DEV_TO_MEM;
    start(&s, 0, &t);
    sys_run(&s);
    tu_outcome_set(&o, 0, "device asked again at the same time", f.busy_again, 0);
    dmasim_dma_channel_status st = ch_status(&s, 0);
    ck_assert_int_eq(st.tc, 1);
    tu_outcome_set(&o, 1, "items", st.items_done, n);
    ck_assert_uint_ge(st.end_time, Tfill + n * x_txn(&c, dst, item) * c.P);
    check_pattern(s.sim, dst, n * item, 65, "after the stalls");
    fdev_free(&f);
    finish(&s, snap);
    return o;
}

/* R15 with scatter-gather: a transparent unit that begins a descriptor also fetches it (and in
 * a ring writes it back), so the lookahead must count those cycles: the CPU's cycle count stays
 * exactly that of the run without DMA (each of its 20 register loads costs arb + x_reg, then 6
 * cycles of compute: a gap in which a unit fits, a fetch and a unit do not), with no stall
 * charged to the DMAC; the chain completes once the CPU is done. Variants: 0 chain; 1 ring. */
static tu_outcome sc_transparent_sg(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ratio = 1;
    const uint32_t item = 8, gap = 6, loads = 20;
    fsys s;
    sys_init(&s, &c);
    dmasim_cpu_op ops[2 * 20];
    for (uint32_t i = 0; i < loads; i++) {
        ops[2 * i] = op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4);
        ops[2 * i + 1] = op_compute(gap);
    }
    run_script(&s, ops, 2 * loads);
    ck_assert((c.arb + x_unit(&c, 0x1000, 0x3000, item)) <= gap); /* a unit fits the gap ... */
    ck_assert((c.arb + x_fetch(&c, 0x8000) + x_unit(&c, 0x1000, 0x3000, item)) > gap); /* ... with its fetch not */
    for (int k = 0; k < 4; k++) {
        const dmasim_addr D = 0x8000 + 0x20 * (dmasim_addr)k;
        const uint32_t fl = v ? DMASIM_DESC_OWN : (k == 3 ? DMASIM_DESC_END : 0);
        put_desc(s.sim, D, 0x1000 + 0x100 * (dmasim_addr)k, 0x3000 + 0x100 * (dmasim_addr)k, 1, fl,
                 v && k == 3 ? 0x8000 : D + 0x20);
        fill_pattern(s.sim, 0x1000 + 0x100 * (dmasim_addr)k, item, 66 + (unsigned)k);
    }
    dmasim_dma_transfer t = xfer(0, 0, 1, item, DMASIM_DMA_TRANSPARENT);
    t.sg = 0x8000;
    t.ring = v;
    start(&s, 0, &t);
    sys_run(&s);
    const uint64_t expect = loads * (c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST) + gap);
    tu_outcome_set(&o, 0, "CPU cycles (as without DMA)", dmasim_cpu_cycles(s.cpu), expect);
    tu_outcome_set(&o, 1, "CPU cycles stalled by the DMAC", dmasim_cpu_stall_cycles_by(s.cpu, s.dm), 0);
    ck_assert_uint_eq(ch_status(&s, 0).descriptors, 4);
    for (int k = 0; k < 4; k++)
        check_pattern(s.sim, 0x3000 + 0x100 * (dmasim_addr)k, item, 66 + (unsigned)k, "transparent chain");
    finish(&s, snap);
    return o;
}

/* A channel masked while the DMAC's bus request for it is pending is not served, and the DMAC
 * does not take the bus for nothing: a CPU load issued at the same time costs what it costs
 * without DMA (arb + x_reg), and the DMAC has no tenure. */
static tu_outcome sc_masked_no_tenure(int ref, int v, tu_stat_snap *snap)
{
    tu_outcome o = {0};
    (void)v;
    fcfg c = cfg_default(ref);
    c.with_cpu = 1;
    c.ratio = 1;
    c.arb = 2;
    fsys s;
    sys_init(&s, &c);
    const dmasim_cpu_op ops[] = {op_load(GLOBAL + DMASIM_DMAC_G_REQUEST, 4)};
    run_script(&s, ops, 1);
    dmasim_dma_transfer t = xfer(0x1000, 0x2000, 4, 8, DMASIM_DMA_BURST);
    start(&s, 0, &t);
    ck_assert_int_eq(dmasim_dmac_set_mask(s.dmac, 0, 1), 0);
    sys_run(&s);
    tu_outcome_set(&o, 0, "items", ch_status(&s, 0).items_done, 0);
    tu_outcome_set(&o, 1, "CPU cycles (as without DMA)", dmasim_cpu_cycles(s.cpu),
                   c.arb + x_reg(&c, GLOBAL + DMASIM_DMAC_G_REQUEST));
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 0);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), 0);
    finish(&s, snap);
    return o;
}

/* ======================================================================================= */
/* The tests                                                                                */
/* ======================================================================================= */

typedef tu_outcome (*scenario_fn)(int ref, int variant, tu_stat_snap *snap);

typedef struct scenario {
    const char *name;
    scenario_fn fn;
    int variants;
} scenario;

static const scenario scenarios[] = {
    {"fly_by", sc_fly_by, 4},
    {"demand", sc_demand, 2},
    {"burst_device", sc_burst_device, 2},
    {"cycle_stealing_device", sc_cycle_stealing_device, 2},
    {"device_busy", sc_device_busy, 2},
    {"steps", sc_steps, 4},
    {"autoinit", sc_autoinit, 2},
    {"mask_at_tc", sc_mask_at_tc, 1},
    {"masked", sc_masked, 2},
    {"priority", sc_priority, 3},
    {"tc_pin", sc_tc_pin, 3},
    {"eop_in_service", sc_eop_in_service, 2},
    {"eop_not_in_service", sc_eop_not_in_service, 1},
    {"sg_chain", sc_sg_chain, 3},
    {"sg_loop", sc_sg_loop, 2},
    {"sg_unmapped", sc_sg_unmapped, 2},
    {"sg_count_zero", sc_sg_count_zero, 2},
    {"sg_ring", sc_sg_ring, 2},
    {"reg_sg", sc_reg_sg, 2},
    {"reg_tc_status", sc_reg_tc_status, 1},
    {"reg_request", sc_reg_request, 1},
};

/* How many variants fn has in scenarios[] (0 if it is missing: a test would check nothing). */
static int variants_of(scenario_fn fn)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (scenarios[i].fn == fn)
            return scenarios[i].variants;
    return 0;
}

/* Every variant of fn on one path (_i = dmasim_sim_config.reference: 0 fast, 1 per-cycle
 * reference): its two headline results equal what the rules give. */
#define FEATURE_TEST(test_name, fn)                                                                                    \
    START_TEST(test_name)                                                                                              \
    {                                                                                                                  \
        const int variants = variants_of(fn);                                                                          \
        ck_assert_msg(variants > 0, #fn " is not in scenarios[]");                                                     \
        for (int v = 0; v < variants; v++) {                                                                           \
            tu_outcome o = fn(_i, v, NULL);                                                                            \
            ck_assert_msg(o.what[0] && o.got[0] == o.want[0], #fn " variant %d: %s %llu, the rule gives %llu", v,    \
                          o.what[0], (unsigned long long)o.got[0], (unsigned long long)o.want[0]);                     \
            ck_assert_msg(o.what[1] && o.got[1] == o.want[1], #fn " variant %d: %s %llu, the rule gives %llu", v,    \
                          o.what[1], (unsigned long long)o.got[1], (unsigned long long)o.want[1]);                     \
        }                                                                                                              \
    }                                                                                                                  \
    END_TEST

FEATURE_TEST(test_r20_device_unit_is_one_transaction_fly_by_both_directions, sc_fly_by)
FEATURE_TEST(test_r21_demand_releases_bus_when_dreq_drops_and_resumes_when_it_rises, sc_demand)
FEATURE_TEST(test_r21_burst_with_device_starts_on_dreq_and_holds_bus_to_tc, sc_burst_device)
FEATURE_TEST(test_r21_cycle_stealing_with_device_one_unit_per_grant_while_dreq, sc_cycle_stealing_device)
FEATURE_TEST(test_device_busy_stalls_channel_without_losing_or_duplicating_bytes, sc_device_busy)
FEATURE_TEST(test_address_decrement_and_fixed, sc_steps)
FEATURE_TEST(test_autoinitialize_tc_and_irq_at_each_block_end_channel_goes_on, sc_autoinit)
FEATURE_TEST(test_mask_bit_set_at_tc_cleared_by_new_start, sc_mask_at_tc)
FEATURE_TEST(test_masked_channel_not_served_until_unmasked, sc_masked)
FEATURE_TEST(test_rotating_priority_alternates_fixed_serves_channel_0_first, sc_priority)
FEATURE_TEST(test_tc_pin_pulses_one_bus_cycle_at_terminal_count, sc_tc_pin)
FEATURE_TEST(test_external_eop_aborts_channel_in_service_after_unit_in_progress, sc_eop_in_service)
FEATURE_TEST(test_external_eop_aborts_channel_not_in_service_at_once, sc_eop_not_in_service)
FEATURE_TEST(test_r22_sg_chain_of_three_descriptors_fetch_cycles_desc_irq_and_tc, sc_sg_chain)
FEATURE_TEST(test_sg_chain_that_loops_stops_with_erange_after_max_descriptors, sc_sg_loop)
FEATURE_TEST(test_sg_unmapped_descriptor_stops_channel_others_go_on, sc_sg_unmapped)
FEATURE_TEST(test_sg_descriptor_with_count_zero_is_an_error, sc_sg_count_zero)
FEATURE_TEST(test_r22_sg_ring_clears_own_waits_and_resumes_on_doorbell, sc_sg_ring)
FEATURE_TEST(test_registers_program_sg_through_desc_and_ctrl, sc_reg_sg)
FEATURE_TEST(test_registers_tc_status_read_returns_and_clears_tc_bits, sc_reg_tc_status)
FEATURE_TEST(test_registers_request_shows_dreq_levels, sc_reg_request)

/* Every scenario above, every variant: the fast path gives exactly the statistics of the
 * reference path. */
START_TEST(test_fast_path_equals_reference_path_every_feature)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        for (int v = 0; v < scenarios[i].variants; v++) {
            tu_stat_snap fast, refp;
            tu_outcome of = scenarios[i].fn(0, v, &fast), orf = scenarios[i].fn(1, v, &refp);
            for (int k = 0; k < 2; k++) /* each path: what the rule gives */
                ck_assert(of.got[k] == of.want[k] && orf.got[k] == orf.want[k]);
            char what[80];
            snprintf(what, sizeof what, "%s variant %d", scenarios[i].name, v);
            char msg[2048] = "";
            int diffs = tu_snap_diff(&fast, &refp, what, msg, sizeof msg);
            ck_assert_msg(diffs == 0, "%s: %d statistics differ:%s", what, diffs, msg);
            tu_snap_free(&fast);
            tu_snap_free(&refp);
        }
}
END_TEST

/* The CPU writes PRIORITY = 1 before the channels start: the two channels' 4 units each then
 * alternate, one tenure per unit (sc_priority checks the order and times unit by unit). */
START_TEST(test_registers_priority_write_switches_to_rotating)
{
    tu_stat_snap snap;
    tu_outcome o = sc_priority(_i, 2, &snap);
    ck_assert_uint_eq(o.got[0], o.want[0]); /* channel 0's end time */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* channel 1's */
    ck_assert_uint_eq(tu_snap_u64(&snap, "dmac0.tenures"), 8);
    tu_snap_free(&snap);
}
END_TEST

/* _i = 2 * variant + reference: each variant on each path is its own iteration. */
START_TEST(test_mask_set_mid_transfer_stops_after_unit_in_progress)
{
    tu_outcome o = sc_mask_mid_burst(_i % 2, _i / 2, NULL);
    ck_assert_uint_eq(o.got[0], o.want[0]); /* items done when the mask took effect: k_mask + 1 */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* end time after unmasking */
}
END_TEST

START_TEST(test_higher_priority_channel_ready_mid_cycle_stealing_served_at_next_grant)
{
    tu_outcome o = sc_preempt_batch(_i % 2, _i / 2, NULL);
    ck_assert_uint_eq(o.got[0], o.want[0]); /* DMA transactions */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* end of the last unit, channel 0 served first from the grant after */
}
END_TEST

START_TEST(test_dack_watched_toggles_per_unit_in_cycle_stealing)
{
    tu_outcome o = sc_dack_watched(_i % 2, 0, NULL);
    ck_assert_uint_eq(o.got[0], o.want[0]); /* two DACK edges per unit */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* the last fall at the last unit's end */
}
END_TEST

START_TEST(test_dmac_busy_while_a_channel_waits)
{
    tu_outcome o = sc_busy_while_waiting(_i % 2, _i / 2, NULL);
    ck_assert_uint_eq(o.got[0], 1); /* the channel is busy (waiting) */
    ck_assert_uint_eq(o.got[1], 1); /* and dmasim_dmac_busy() says so */
}
END_TEST

START_TEST(test_device_busy_with_zero_arbitration_cycles_time_advances)
{
    tu_outcome o = sc_busy_zero_arb(_i % 2, _i / 2, NULL);
    ck_assert_uint_eq(o.got[0], 0); /* never asked again at the same simulated time */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* every item moved */
}
END_TEST

START_TEST(test_r15_transparent_scatter_gather_never_delays_cpu)
{
    tu_outcome o = sc_transparent_sg(_i % 2, _i / 2, NULL);
    ck_assert_uint_eq(o.got[0], o.want[0]); /* CPU cycles as without DMA */
    ck_assert_uint_eq(o.got[1], 0);         /* no cycle stalled by the DMAC */
}
END_TEST

START_TEST(test_masked_channel_does_not_take_the_bus)
{
    tu_outcome o = sc_masked_no_tenure(_i % 2, 0, NULL);
    ck_assert_uint_eq(o.got[0], 0);         /* no item moved */
    ck_assert_uint_eq(o.got[1], o.want[1]); /* the CPU's load costs what it costs without DMA */
}
END_TEST

/* R20 with zero arbitration cycles: a device that answers DMASIM_EBUSY with DREQ high is asked
 * again one bus cycle later (docs/timing.md), so the first item moves at the first bus edge at or
 * after its data arrives (T_fill), and the demand block then runs back to back:
 * end = edge(T_fill) + n * x_txn. The EBUSY answers are those at 0, P, ..., edge(T_fill) - P.
 * T_fill in an even and in an odd bus cycle, so that no other retry period fits both. */
START_TEST(test_r20_device_busy_without_arbitration_is_asked_again_one_bus_cycle_later)
{
    for (uint64_t cyc = 4; cyc <= 5; cyc++) {
        fcfg c = cfg_default(_i);
        c.arb = 0;
        const uint32_t item = 8;
        const uint64_t n = 4;
        const dmasim_addr dst = 0x4000;
        fsys s;
        sys_init(&s, &c);
        const dmasim_time Tfill = cyc * c.P + c.P / 2, first = edge(&c, Tfill);
        const fdev_step plan[] = {{0, 1, 0, 0}, {Tfill, -1, n * item, 0}};
        fdev f;
        fdev_attach(&s, &f, 0, 67, 0, plan, 2);
        dmasim_dma_transfer t = xfer(0, dst, n, item, DMASIM_DMA_DEMAND);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
        start(&s, 0, &t);
        sys_run(&s);
        ck_assert_uint_eq(f.busy, first / c.P);
        ck_assert_uint_eq(f.busy_t, first - c.P);
        ck_assert_uint_eq(f.nlog, n);
        ck_assert_uint_eq(f.log_t[0], first);
        dmasim_dma_channel_status st = ch_status(&s, 0);
        ck_assert_int_eq(st.tc, 1);
        ck_assert_uint_eq(st.end_time, first + n * x_txn(&c, dst, item) * c.P);
        check_pattern(s.sim, dst, n * item, 67, "after the retries");
        fdev_free(&f);
        sys_free(&s);
    }
}
END_TEST

/* R11 when the CTRL write comes from the DMAC itself (a chained start): channel 0 copies a CTRL
 * word with START into channel 1's CTRL register. Channel 1 starts when that write's data beat
 * ends - also on the fast path, where channel 0's unit is computed ahead of simulated time - and
 * runs its burst after channel 0 releases the bus at that same edge. */
START_TEST(test_r11_dma_written_start_takes_effect_at_the_write_data_beat)
{
    fcfg c = cfg_default(_i);
    c.ws_lo = 1;
    fsys s;
    sys_init(&s, &c);
    const dmasim_addr word = 0x1000, src1 = 0x2000, dst1 = 0x3000;
    const uint32_t item1 = 8;
    const uint64_t n1 = 3;
    fill_pattern(s.sim, src1, n1 * item1, 68);
    reg_poke(s.bus, chreg(1, DMASIM_DMAC_SRC_LO), (uint32_t)src1);
    reg_poke(s.bus, chreg(1, DMASIM_DMAC_SRC_HI), 0);
    reg_poke(s.bus, chreg(1, DMASIM_DMAC_DST_LO), (uint32_t)dst1);
    reg_poke(s.bus, chreg(1, DMASIM_DMAC_DST_HI), 0);
    reg_poke(s.bus, chreg(1, DMASIM_DMAC_COUNT), (uint32_t)n1);
    put_u32(s.sim, word, DMASIM_DMAC_CTRL_START | (uint32_t)DMASIM_DMA_BURST << DMASIM_DMAC_CTRL_MODE_SHIFT |
                             3u << DMASIM_DMAC_CTRL_SIZE_SHIFT); /* item 8 = 1 << 3 */
    dmasim_dma_transfer t = xfer(word, chreg(1, DMASIM_DMAC_CTRL), 1, 4, DMASIM_DMA_BURST);
    start(&s, 0, &t);
    sys_run(&s);
    const dmasim_time S = (c.arb + x_txn(&c, word, 4) + x_reg(&c, chreg(1, DMASIM_DMAC_CTRL))) * c.P;
    ck_assert_uint_eq(ch_status(&s, 0).end_time, S);
    dmasim_dma_channel_status st = ch_status(&s, 1);
    ck_assert_uint_eq(st.start_time, S);
    ck_assert_uint_eq(st.end_time, S + (c.arb + n1 * x_unit(&c, src1, dst1, item1)) * c.P);
    ck_assert_uint_eq(st.items_done, n1);
    check_pattern(s.sim, dst1, n1 * item1, 68, "chained channel");
    sys_free(&s);
}
END_TEST

/* ======================================================================================= */
/* Register file details, EOP's edge, autoinitialize with a device                          */
/* ======================================================================================= */

/* Channel 1's SRC, DST and COUNT written in zero time (CTRL not yet). */
static void program_plain(fsys *s, unsigned ch, dmasim_addr src, dmasim_addr dst, uint32_t count)
{
    reg_poke(s->bus, chreg(ch, DMASIM_DMAC_SRC_LO), (uint32_t)src);
    reg_poke(s->bus, chreg(ch, DMASIM_DMAC_SRC_HI), 0);
    reg_poke(s->bus, chreg(ch, DMASIM_DMAC_DST_LO), (uint32_t)dst);
    reg_poke(s->bus, chreg(ch, DMASIM_DMAC_DST_HI), 0);
    reg_poke(s->bus, chreg(ch, DMASIM_DMAC_COUNT), count);
}

/* Invalid programming at CTRL.START (docs/dmac.md, CTRL): SIZE 8 (above 6) and RING without SG.
 * The channel never runs: STATUS.ERR, err DMASIM_ERANGE, err_addr 0, start_time = end_time = the
 * write's time, nothing moved, and the IRQ rises (IRQ_EN). STATUS is write-1-to-clear bit by
 * bit: writing TC leaves ERR (and the IRQ), writing ERR clears it and the IRQ falls. */
START_TEST(test_registers_invalid_programming_sets_err_erange_and_w1c_clears_it)
{
    const uint32_t bad[] = {8u << DMASIM_DMAC_CTRL_SIZE_SHIFT,
                            3u << DMASIM_DMAC_CTRL_SIZE_SHIFT | DMASIM_DMAC_CTRL_RING};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fcfg c = cfg_default(_i);
        fsys s;
        sys_init(&s, &c);
        const unsigned ch = 1;
        const dmasim_addr src = 0x1000, dst = 0x3000;
        fill_pattern(s.sim, src, 64, 70);
        program_plain(&s, ch, src, dst, 4);
        sys_run_until(&s, 3 * c.P);
        const dmasim_time W = dmasim_sim_now(s.sim);
        ck_assert_uint_eq(W, 3 * c.P);
        reg_poke(s.bus, chreg(ch, DMASIM_DMAC_CTRL), DMASIM_DMAC_CTRL_START | DMASIM_DMAC_CTRL_IRQ_EN | bad[i]);
        sys_run(&s);
        dmasim_dma_channel_status st = ch_status(&s, ch);
        ck_assert_int_eq(st.error, 1);
        ck_assert_int_eq(st.err, DMASIM_ERANGE);
        ck_assert_uint_eq(st.err_addr, 0);
        ck_assert_int_eq(st.busy, 0);
        ck_assert_int_eq(st.tc, 0);
        ck_assert_uint_eq(st.items_done, 0);
        ck_assert_uint_eq(st.start_time, W);
        ck_assert_uint_eq(st.end_time, W);
        ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.errors"), 1);
        ck_assert_uint_eq(s.ntx, 0);
        check_zero(s.sim, dst, 64, "never ran");
        ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_ERR);
        ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
        reg_poke(s.bus, chreg(ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_TC);
        ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_ERR);
        ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
        reg_poke(s.bus, chreg(ch, DMASIM_DMAC_STATUS), DMASIM_DMAC_STATUS_ERR);
        ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), 0);
        ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
        sys_free(&s);
    }
}
END_TEST

/* dmasim_dmac_channel_start refuses RING without SG with DMASIM_EINVAL (docs/dmac.md, CTRL). */
START_TEST(test_channel_start_refuses_ring_without_sg)
{
    fcfg c = cfg_default(_i);
    fsys s;
    sys_init(&s, &c);
    dmasim_dma_transfer t = xfer(0x1000, 0x3000, 4, 8, DMASIM_DMA_BURST);
    t.ring = 1;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t), DMASIM_EINVAL);
    ck_assert(!dmasim_dmac_busy(s.dmac));
    sys_run(&s);
    ck_assert_uint_eq(s.ntx, 0);
    sys_free(&s);
}
END_TEST

/* A start clears STATUS.TC and DESC (docs/dmac.md, CTRL.START) and so the IRQ they held: a
 * one-descriptor chain with FLAGS.IRQ | END leaves TC | DESC; the next start reads BUSY alone. */
START_TEST(test_start_clears_tc_and_desc_and_the_irq)
{
    fcfg c = cfg_default(_i);
    fsys s;
    sys_init(&s, &c);
    const unsigned ch = 2;
    const dmasim_addr d0 = 0x8000, src = 0x1000, dst = 0x3000, dst2 = 0x5000;
    const uint32_t item = 8, n = 3;
    fill_pattern(s.sim, src, n * item, 71);
    put_desc(s.sim, d0, src, dst, n, DMASIM_DESC_IRQ | DMASIM_DESC_END, 0);
    dmasim_dma_transfer t = xfer(0, 0, 0, item, DMASIM_DMA_BURST);
    t.sg = d0;
    start(&s, ch, &t);
    sys_run(&s);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC | DMASIM_DMAC_STATUS_DESC);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
    check_pattern(s.sim, dst, n * item, 71, "chain");
    dmasim_dma_transfer t2 = xfer(src, dst2, n, item, DMASIM_DMA_BURST);
    start(&s, ch, &t2);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_BUSY);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
    sys_run(&s);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC);
    check_pattern(s.sim, dst2, n * item, 71, "plain transfer");
    sys_free(&s);
}
END_TEST

/* Access rules (docs/dmac.md, Register map): an access of another size than 4 bytes is a bus
 * error counted in register_errors; PRIORITY has one bit (ROT; bits 31:1 read 0); while a
 * channel's start is pending (CTRL.START written, the start not yet taken), COUNT cannot be
 * written: the transfer runs with the COUNT it was started with. */
START_TEST(test_registers_access_rules_size_priority_bit_and_pending_start)
{
    fcfg c = cfg_default(_i);
    fsys s;
    sys_init(&s, &c);
    uint8_t b[4] = {0};
    ck_assert_int_eq(dmasim_bus_debug_read(s.bus, chreg(0, DMASIM_DMAC_COUNT), b, 2), DMASIM_EBUSERR);
    ck_assert_int_eq(dmasim_bus_debug_write(s.bus, chreg(0, DMASIM_DMAC_COUNT), b, 2), DMASIM_EBUSERR);
    ck_assert_int_eq(dmasim_bus_debug_read(s.bus, chreg(0, DMASIM_DMAC_COUNT), b, 1), DMASIM_EBUSERR);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 3);

    reg_poke(s.bus, GLOBAL + DMASIM_DMAC_G_PRIORITY, 2);
    ck_assert_uint_eq(reg_peek(&s, GLOBAL + DMASIM_DMAC_G_PRIORITY), 0);
    reg_poke(s.bus, GLOBAL + DMASIM_DMAC_G_PRIORITY, 3);
    ck_assert_uint_eq(reg_peek(&s, GLOBAL + DMASIM_DMAC_G_PRIORITY), 1);
    reg_poke(s.bus, GLOBAL + DMASIM_DMAC_G_PRIORITY, 0);

    const unsigned ch = 0;
    const dmasim_addr src = 0x1000, dst = 0x3000;
    const uint32_t item = 8, n = 3;
    fill_pattern(s.sim, src, 2 * n * item, 72);
    program_plain(&s, ch, src, dst, n);
    reg_poke(s.bus, chreg(ch, DMASIM_DMAC_CTRL), DMASIM_DMAC_CTRL_START | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT);
    const uint8_t more[4] = {2 * n, 0, 0, 0};
    ck_assert_int_eq(dmasim_bus_debug_write(s.bus, chreg(ch, DMASIM_DMAC_COUNT), more, 4), DMASIM_EBUSERR);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 4);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_COUNT)), n);
    sys_run(&s);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_uint_eq(st.items_done, n);
    check_pattern(s.sim, dst, n * item, 72, "the programmed COUNT");
    check_zero(s.sim, dst + n * item, n * item, "past COUNT");
    sys_free(&s);
}
END_TEST

/* EOP acts on a rising edge only (docs/dmac.md, External EOP): EOP raised while no channel is
 * ready does nothing (and is not remembered); its fall in the middle of a burst stops nothing:
 * the block completes at arb + B. */
START_TEST(test_external_eop_falling_edge_stops_nothing)
{
    fcfg c = cfg_default(_i);
    fsys s;
    sys_init(&s, &c);
    const unsigned ch = 1;
    const dmasim_addr src = 0x1000, dst = HI_BASE + 0x1000;
    const uint32_t item = 8;
    const uint64_t n = 6;
    fill_pattern(s.sim, src, n * item, 73);
    dmasim_signal_set(dmasim_dmac_eop(s.dmac), 1); /* no channel ready */
    dmasim_dma_transfer t = xfer(src, dst, n, item, DMASIM_DMA_BURST);
    start(&s, ch, &t);
    uint64_t B = 0;
    for (uint64_t k = 0; k < n; k++)
        B += x_unit(&c, src + k * item, dst + k * item, item);
    const dmasim_time Tf = (c.arb + x_unit(&c, src, dst, item)) * c.P + c.P + c.P / 2; /* inside unit 1 */
    action fall;
    at(&s, &fall, Tf, act_eop, 0, 0);
    sys_run(&s);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.aborted, 0);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_uint_eq(st.items_done, n);
    ck_assert_uint_eq(st.end_time, (c.arb + B) * c.P);
    ck_assert_uint_eq(reg_peek(&s, chreg(ch, DMASIM_DMAC_STATUS)), DMASIM_DMAC_STATUS_TC);
    check_pattern(s.sim, dst, n * item, 73, "the whole block");
    sys_free(&s);
}
END_TEST

/* Autoinitialize with a device in burst mode (docs/dmac.md, Terminal count): the reloaded
 * channel waits for DREQ before its next block. DREQ rises at T1 and drops after one item; the
 * block holds the bus to TC at t1 = edge(T1) + (arb + B) * P; the next block starts when DREQ
 * rises again at T2 > t1: t2 = edge(T2) + (arb + B) * P, in a second tenure. */
START_TEST(test_autoinitialize_with_device_burst_next_block_waits_for_dreq)
{
    fcfg c = cfg_default(_i);
    c.ws_lo = 1;
    fsys s;
    sys_init(&s, &c);
    edges tc;
    watch(&s, "dmac0.ch3.tc", &tc);
    const unsigned ch = 3;
    const uint32_t item = 8;
    const uint64_t n = 4;
    const dmasim_addr src = 0x2000;
    uint64_t B = 0;
    for (uint64_t k = 0; k < n; k++)
        B += x_txn(&c, src + k * item, item);
    const dmasim_time T1 = c.P + c.P / 2, t1 = edge(&c, T1) + (c.arb + B) * c.P;
    const dmasim_time T2 = t1 + 3 * c.P + c.P / 2, t2 = edge(&c, T2) + (c.arb + B) * c.P;
    fill_pattern(s.sim, src, n * item, 74);
    const fdev_step plan[] = {{T1, 1, 0, 1}, {T2, 1, 0, 1}};
    fdev f;
    fdev_attach(&s, &f, ch, 0, 2 * n * item, plan, 2);
    dmasim_dma_transfer t = xfer(src, 0, n, item, DMASIM_DMA_BURST);
    t.direction = DMASIM_DMA_MEM_TO_DEV;
    t.autoinit = 1;
    start(&s, ch, &t);
    sys_run_until(&s, t2 + 10 * c.P);
    ck_assert_uint_eq(tc.n, 4);
    check_edge(&tc, 0, 1, t1, "tc");
    check_edge(&tc, 2, 1, t2, "tc");
    txrec tx[16];
    ck_assert_uint_eq(dmac_txns(&s, tx, 16), 2 * n);
    ck_assert_uint_eq(tx[n].start, edge(&c, T2) + c.arb * c.P);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.tenures"), 2);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch3.autoinits"), 2);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    ck_assert_int_eq(st.busy, 1);
    ck_assert_uint_eq(st.items_done, 0);
    ck_assert_uint_eq(f.in_len, 2 * n * item);
    fdev_check_in(&f, 0, n * item, 74, 0, "first block");
    fdev_check_in(&f, n * item, n * item, 74, 0, "second block");
    fdev_free(&f);
    sys_free(&s);
}
END_TEST

/* ======================================================================================= */

static Suite *features_suite(void)
{
    Suite *s = suite_create("dmac_features");
    TCase *dev = tcase_create("devices");
    tcase_set_timeout(dev, 60);
    tcase_add_loop_test(dev, test_r20_device_unit_is_one_transaction_fly_by_both_directions, 0, 2);
    tcase_add_loop_test(dev, test_r21_demand_releases_bus_when_dreq_drops_and_resumes_when_it_rises, 0, 2);
    tcase_add_loop_test(dev, test_r21_burst_with_device_starts_on_dreq_and_holds_bus_to_tc, 0, 2);
    tcase_add_loop_test(dev, test_r21_cycle_stealing_with_device_one_unit_per_grant_while_dreq, 0, 2);
    tcase_add_loop_test(dev, test_device_busy_stalls_channel_without_losing_or_duplicating_bytes, 0, 2);
    tcase_add_loop_test(dev, test_r20_device_busy_without_arbitration_is_asked_again_one_bus_cycle_later, 0, 2);
    suite_add_tcase(s, dev);

    TCase *ch = tcase_create("channels");
    tcase_set_timeout(ch, 60);
    tcase_add_loop_test(ch, test_address_decrement_and_fixed, 0, 2);
    tcase_add_loop_test(ch, test_autoinitialize_tc_and_irq_at_each_block_end_channel_goes_on, 0, 2);
    tcase_add_loop_test(ch, test_mask_bit_set_at_tc_cleared_by_new_start, 0, 2);
    tcase_add_loop_test(ch, test_masked_channel_not_served_until_unmasked, 0, 2);
    tcase_add_loop_test(ch, test_rotating_priority_alternates_fixed_serves_channel_0_first, 0, 2);
    tcase_add_loop_test(ch, test_tc_pin_pulses_one_bus_cycle_at_terminal_count, 0, 2);
    tcase_add_loop_test(ch, test_external_eop_aborts_channel_in_service_after_unit_in_progress, 0, 2);
    tcase_add_loop_test(ch, test_external_eop_aborts_channel_not_in_service_at_once, 0, 2);
    tcase_add_loop_test(ch, test_external_eop_falling_edge_stops_nothing, 0, 2);
    tcase_add_loop_test(ch, test_autoinitialize_with_device_burst_next_block_waits_for_dreq, 0, 2);
    suite_add_tcase(s, ch);

    TCase *sg = tcase_create("scatter_gather");
    tcase_set_timeout(sg, 60);
    tcase_add_loop_test(sg, test_r22_sg_chain_of_three_descriptors_fetch_cycles_desc_irq_and_tc, 0, 2);
    tcase_add_loop_test(sg, test_sg_chain_that_loops_stops_with_erange_after_max_descriptors, 0, 2);
    tcase_add_loop_test(sg, test_sg_unmapped_descriptor_stops_channel_others_go_on, 0, 2);
    tcase_add_loop_test(sg, test_sg_descriptor_with_count_zero_is_an_error, 0, 2);
    tcase_add_loop_test(sg, test_r22_sg_ring_clears_own_waits_and_resumes_on_doorbell, 0, 2);
    suite_add_tcase(s, sg);

    TCase *regs = tcase_create("registers");
    tcase_set_timeout(regs, 60);
    tcase_add_loop_test(regs, test_registers_program_sg_through_desc_and_ctrl, 0, 2);
    tcase_add_loop_test(regs, test_registers_tc_status_read_returns_and_clears_tc_bits, 0, 2);
    tcase_add_loop_test(regs, test_registers_request_shows_dreq_levels, 0, 2);
    tcase_add_loop_test(regs, test_registers_priority_write_switches_to_rotating, 0, 2);
    tcase_add_loop_test(regs, test_r11_dma_written_start_takes_effect_at_the_write_data_beat, 0, 2);
    tcase_add_loop_test(regs, test_registers_invalid_programming_sets_err_erange_and_w1c_clears_it, 0, 2);
    tcase_add_loop_test(regs, test_channel_start_refuses_ring_without_sg, 0, 2);
    tcase_add_loop_test(regs, test_start_clears_tc_and_desc_and_the_irq, 0, 2);
    tcase_add_loop_test(regs, test_registers_access_rules_size_priority_bit_and_pending_start, 0, 2);
    suite_add_tcase(s, regs);

    TCase *paths = tcase_create("fast_path_equals_reference_path");
    tcase_set_timeout(paths, 120);
    tcase_add_test(paths, test_fast_path_equals_reference_path_every_feature);
    tcase_add_loop_test(paths, test_mask_set_mid_transfer_stops_after_unit_in_progress, 0, 4);
    tcase_add_loop_test(paths, test_higher_priority_channel_ready_mid_cycle_stealing_served_at_next_grant, 0, 4);
    tcase_add_loop_test(paths, test_dack_watched_toggles_per_unit_in_cycle_stealing, 0, 2);
    suite_add_tcase(s, paths);

    TCase *contract = tcase_create("contract");
    tcase_set_timeout(contract, 60);
    tcase_add_loop_test(contract, test_dmac_busy_while_a_channel_waits, 0, 6);
    tcase_add_loop_test(contract, test_device_busy_with_zero_arbitration_cycles_time_advances, 0, 4);
    tcase_add_loop_test(contract, test_r15_transparent_scatter_gather_never_delays_cpu, 0, 4);
    tcase_add_loop_test(contract, test_masked_channel_does_not_take_the_bus, 0, 2);
    suite_add_tcase(s, contract);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(features_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

/* The Intel 8237A preset (include/dmasim/i8237.h, docs/i8237.md) against its datasheet's state
 * machine (Intel order no. 231466).
 *
 * Every expected clock count is computed here from the rules of docs/i8237.md and the
 * configuration (bus arbitration cycles = S0 states, SRAM wait states = SW states, count, start
 * address, direction, timing, mode), never taken from an earlier run:
 *
 *   fly-by byte            S1? + T + SW      T = 3 (normal: S2 S3 S4) or 2 (compressed: S2 S4)
 *   block / demand         SI + S0 + S1 + X + n * (T + SW)    X = A8-A15 changes inside the block
 *   single                 n * (SI + S0 + S1 + T + SW)        one HRQ/HLDA handshake per byte
 *   memory-to-memory       SI + S0 + n * (8 + SW_read + SW_write)
 *
 * with SI = 1 clock (the edge that sees DREQ) and S0 = the bus's arbitration cycles. Each
 * configuration runs on the fast path and on the per-cycle reference path, and every statistic
 * of the two runs must be equal. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "dmasim/i8237.h"
#include "testutil.h"

#define MEM_SIZE (16u << 20) /* what A0-A23 reach */
#define IO_BASE 0xE0000000ull
#define PAGE_BASE 0xE0000080ull
#define P5MHZ 200000u /* 8237A-5 CLK period, ps */
#define LOG_MAX 8192

/* ======================================================================================= */
/* A test device and a small system                                                         */
/* ======================================================================================= */

typedef struct tsys tsys;

typedef struct tdev {
    tsys *s;
    int ch;
    dmasim_signal *dreq;
    uint8_t src[4096];      /* device-to-memory bytes */
    size_t nsrc, given;
    uint8_t got[4096];      /* memory-to-device bytes */
    size_t ngot;
    size_t chunk;           /* drop DREQ after this many bytes (0: never) ... */
    size_t in_chunk;
    dmasim_time gap;        /* ... and raise it again this long after the drop (0: never) */
    dmasim_event rise_ev;
    int drop_at_done;       /* drop DREQ at the end of process */
    int done_calls, done_status;
    dmasim_time done_t;
    dmasim_time drop_t[512];
    size_t ndrops;
} tdev;

struct tsys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_i8237 *dma;
    tdev dev[DMASIM_I8237_CHANNELS];
    int log_ch[LOG_MAX];    /* every give/take, in order */
    dmasim_time log_t[LOG_MAX];
    size_t nlog;
};

static void dev_byte(tdev *v, dmasim_time t)
{
    tsys *s = v->s;
    if (s->nlog < LOG_MAX) {
        s->log_ch[s->nlog] = v->ch;
        s->log_t[s->nlog++] = t;
    }
    if (v->chunk && ++v->in_chunk == v->chunk) {
        v->in_chunk = 0;
        dmasim_signal_set(v->dreq, 0);
        if (v->ndrops < 512)
            v->drop_t[v->ndrops++] = t;
        if (v->gap)
            dmasim_event_schedule(s->sim, &v->rise_ev, t + v->gap, DMASIM_PRIO_DEFAULT);
    }
}

static int dev_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    tdev *v = ctx;
    ck_assert_uint_eq(len, 1);
    if (v->given >= v->nsrc)
        return DMASIM_EBUSY;
    *(uint8_t *)buf = v->src[v->given++];
    dev_byte(v, t);
    return 0;
}

static int dev_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    tdev *v = ctx;
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_lt(v->ngot, sizeof v->got);
    v->got[v->ngot++] = *(const uint8_t *)buf;
    dev_byte(v, t);
    return 0;
}

static void dev_done(void *ctx, int status, dmasim_time t)
{
    tdev *v = ctx;
    v->done_calls++;
    v->done_status = status;
    v->done_t = t;
    if (v->drop_at_done)
        dmasim_signal_set(v->dreq, 0);
}

static void dev_rise(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    tdev *v = ctx;
    dmasim_signal_set(v->dreq, 1);
}

static const dmasim_dma_device_ops dev_ops = {1, dev_give, dev_take, dev_done};

static uint32_t bus_address_cycles = 1; /* of the buses sys_new_cfg makes */
static uint64_t sram_size = MEM_SIZE;

static tsys *sys_new_cfg(int reference, dmasim_time period, uint32_t arb, uint32_t ws, const dmasim_i8237_config *cfg)
{
    tsys *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->sim = tu_sim(reference);
    s->bus = tu_bus_ex(s->sim, period, 1, arb, bus_address_cycles, DMASIM_ARB_FIXED); /* 8-bit data bus */
    tu_sram(s->bus, 0, sram_size, ws);
    int err = dmasim_i8237_create(s->bus, cfg, &s->dma);
    ck_assert_msg(err == 0, "i8237_create: %s", dmasim_sim_errmsg(s->sim));
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++) {
        tdev *v = &s->dev[i];
        char name[32];
        v->s = s;
        v->ch = i;
        snprintf(name, sizeof name, "dev%d.dreq", i);
        ck_assert_int_eq(dmasim_signal_create(s->sim, name, 1, 0, &v->dreq), 0);
        dmasim_event_init(&v->rise_ev, dev_rise, v);
        for (size_t k = 0; k < sizeof v->src; k++)
            v->src[k] = (uint8_t)(k * 13 + 5 + i * 64);
        v->nsrc = sizeof v->src;
        ck_assert_int_eq(dmasim_i8237_attach_device(s->dma, (unsigned)i, &dev_ops, v, v->dreq), 0);
    }
    return s;
}

static tsys *sys_new(int reference, dmasim_time period, uint32_t arb, uint32_t ws)
{
    return sys_new_cfg(reference, period, arb, ws, NULL);
}

static void sys_free(tsys *s)
{
    dmasim_sim_destroy(s->sim);
    free(s);
}

static void run_ok(tsys *s)
{
    int err = dmasim_sim_run(s->sim);
    ck_assert_msg(err == 0, "run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static uint8_t mem_byte(dmasim_sim *sim, dmasim_addr a)
{
    uint8_t b;
    dmasim_mem_read(sim, a, &b, 1);
    return b;
}

static uint64_t stat(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    dmasim_sim_stats_update(sim);
    ck_assert_msg(dmasim_sim_stat_u64(sim, path, &v) == 0, "no statistic %s", path);
    return v;
}

/* Every statistic of two simulations is equal (fast path vs reference path). */
static void same_stats(dmasim_sim *a, dmasim_sim *b)
{
    dmasim_sim_stats_update(a);
    dmasim_sim_stats_update(b);
    ck_assert_uint_eq(dmasim_sim_stat_count(a), dmasim_sim_stat_count(b));
    for (size_t i = 0; i < dmasim_sim_stat_count(a); i++) {
        const dmasim_stat *x = dmasim_sim_stat_at(a, i), *y = dmasim_sim_stat_at(b, i);
        ck_assert_str_eq(x->path, y->path);
        if (x->kind == DMASIM_STAT_U64)
            ck_assert_msg(*(const uint64_t *)x->value == *(const uint64_t *)y->value, "%s: fast %llu, reference %llu",
                          x->path, (unsigned long long)*(const uint64_t *)x->value,
                          (unsigned long long)*(const uint64_t *)y->value);
        else
            ck_assert_msg(*(const double *)x->value == *(const double *)y->value, "%s: fast %g, reference %g",
                          x->path, *(const double *)x->value, *(const double *)y->value);
    }
    ck_assert_uint_eq(dmasim_sim_now(a), dmasim_sim_now(b));
}

static dmasim_i8237_channel_state chan_state(tsys *s, unsigned ch)
{
    dmasim_i8237_channel_state st;
    ck_assert_int_eq(dmasim_i8237_channel_status(s->dma, ch, &st), 0);
    return st;
}

/* ======================================================================================= */
/* The rules as formulas                                                                    */
/* ======================================================================================= */

/* A8-A15 changes between consecutive bytes of n bytes from a (16-bit address). */
static uint64_t a8_changes(uint32_t a, uint32_t n, int dec)
{
    uint32_t last = dec ? a - (n - 1) : a + (n - 1);
    return dec ? (a >> 8) - (last >> 8) : (last >> 8) - (a >> 8);
}

typedef struct xfer {
    unsigned mode;      /* DMASIM_I8237_MODE_SINGLE / _BLOCK / _DEMAND */
    unsigned type;      /* DMASIM_I8237_XFER_WRITE (device to memory) / _READ / _VERIFY */
    int compressed, decrement;
    uint32_t n;         /* bytes */
    uint16_t addr;
    uint8_t page;
    uint32_t ws, arb;
    dmasim_time period;
} xfer;

static xfer xfer_default(void)
{
    xfer x = {DMASIM_I8237_MODE_BLOCK, DMASIM_I8237_XFER_WRITE, 0, 0, 16, 0x0000, 0x01, 0, 1, 10000};
    return x;
}

/* Clocks from DREQ (at an edge, 8237A idle) to the end of the last S4 (terminal count), the
 * device holding DREQ throughout. */
static uint64_t expected_clocks(const xfer *x)
{
    uint64_t t = x->compressed ? 2 : 3;
    uint64_t sw = x->type == DMASIM_I8237_XFER_VERIFY ? 0 : x->ws;
    if (x->mode == DMASIM_I8237_MODE_SINGLE)
        return (uint64_t)x->n * (1 + x->arb + 1 + t + sw);
    return 1 + x->arb + 1 + a8_changes(x->addr, x->n, x->decrement) + (uint64_t)x->n * (t + sw);
}

static dmasim_addr byte_addr(const xfer *x, uint32_t i)
{
    uint16_t a = (uint16_t)(x->decrement ? x->addr - i : x->addr + i);
    return (dmasim_addr)x->page << 16 | a;
}

static uint8_t mem_pattern(dmasim_addr a) { return (uint8_t)(a * 7 + 3); }

/* Program channel 2 for x, fill memory, raise DREQ at time 0, run. */
static tsys *run_xfer(const xfer *x, int reference)
{
    tsys *s = sys_new(reference, x->period, x->arb, x->ws);
    for (uint32_t i = 0; i < x->n + 2; i++) { /* +2: the bytes around must stay untouched */
        dmasim_addr a = byte_addr(x, i);
        uint8_t b = mem_pattern(a);
        dmasim_mem_write(s->sim, a, &b, 1);
    }
    dmasim_addr before = byte_addr(x, 0) + (x->decrement ? 1 : (dmasim_addr)-1);
    uint8_t b0 = mem_pattern(before);
    dmasim_mem_write(s->sim, before, &b0, 1);
    if (x->compressed)
        ck_assert_int_eq(dmasim_i8237_set_command(s->dma, DMASIM_I8237_CMD_COMPRESSED), 0);
    dmasim_i8237_program p = {x->addr, (uint16_t)(x->n - 1),
                              (uint8_t)(x->mode | x->type | (x->decrement ? DMASIM_I8237_DECREMENT : 0)), x->page, 1};
    int err = dmasim_i8237_program_channel(s->dma, 2, &p);
    ck_assert_msg(err == 0, "program: %s", dmasim_sim_errmsg(s->sim));
    dmasim_signal_set(s->dev[2].dreq, 1);
    run_ok(s);
    return s;
}

static void check_xfer(const xfer *x, tsys *s)
{
    char what[200];
    snprintf(what, sizeof what, "mode 0x%02x type 0x%02x %s%s n=%u addr=0x%04x ws=%u", x->mode, x->type,
             x->compressed ? "compressed" : "normal", x->decrement ? " decrement" : "", x->n, x->addr, x->ws);
    dmasim_i8237_channel_state st = chan_state(s, 2);
    dmasim_time tc = expected_clocks(x) * x->period;
    ck_assert_msg(st.last_eop == tc, "%s: TC at %llu ps, expected %llu (%llu clocks)", what,
                  (unsigned long long)st.last_eop, (unsigned long long)tc, (unsigned long long)expected_clocks(x));
    ck_assert_msg(st.bytes == x->n, "%s: %llu bytes", what, (unsigned long long)st.bytes);
    ck_assert_msg(st.masked && st.tc, "%s: mask and TC bits must be set at TC", what);
    ck_assert_uint_eq(st.current_count, 0xFFFF);
    tdev *v = &s->dev[2];
    ck_assert_int_eq(v->done_calls, 1);
    ck_assert_int_eq(v->done_status, 0);
    ck_assert_uint_eq(v->done_t, tc);
    /* the bytes */
    for (uint32_t i = 0; i < x->n; i++) {
        dmasim_addr a = byte_addr(x, i);
        uint8_t m = mem_byte(s->sim, a);
        if (x->type == DMASIM_I8237_XFER_WRITE)
            ck_assert_msg(m == v->src[i], "%s: byte %u at 0x%llx", what, i, (unsigned long long)a);
        else
            ck_assert_msg(m == mem_pattern(a), "%s: memory changed at 0x%llx", what, (unsigned long long)a);
        if (x->type == DMASIM_I8237_XFER_READ)
            ck_assert_msg(v->got[i] == mem_pattern(a), "%s: device byte %u", what, i);
    }
    ck_assert_uint_eq(v->ngot, x->type == DMASIM_I8237_XFER_READ ? x->n : 0);
    ck_assert_uint_eq(v->given, x->type == DMASIM_I8237_XFER_WRITE ? x->n : 0);
    ck_assert_uint_eq(mem_byte(s->sim, byte_addr(x, x->n)), mem_pattern(byte_addr(x, x->n)));
    /* states and handshakes */
    uint64_t services = x->mode == DMASIM_I8237_MODE_SINGLE ? x->n : 1;
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.services"), services);
    ck_assert_uint_eq(stat(s->sim, "i8237.handshake_cycles"), services * x->arb);
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.s1_states"),
                      x->mode == DMASIM_I8237_MODE_SINGLE ? x->n : 1 + a8_changes(x->addr, x->n, x->decrement));
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.sw_states"), x->type == DMASIM_I8237_XFER_VERIFY ? 0 : x->n * x->ws);
    ck_assert_uint_eq(stat(s->sim, "bus0.master.i8237.transactions"),
                      x->type == DMASIM_I8237_XFER_VERIFY ? 0 : x->n);
}

/* x on both paths: the formulas hold on each, and every statistic is equal. */
/* Run x on both paths, check each (check_xfer) and their statistics against each other; returns
 * the clock at which TC came (the same on both paths), for the caller to assert. */
static uint64_t check_both_paths(const xfer *x)
{
    tsys *f = run_xfer(x, 0), *r = run_xfer(x, 1);
    check_xfer(x, f);
    check_xfer(x, r);
    same_stats(f->sim, r->sim);
    const uint64_t tc_clock = chan_state(f, 2).last_eop / x->period;
    sys_free(f);
    sys_free(r);
    return tc_clock;
}

static const uint32_t counts[] = {1, 16, 256, 257, 1024};
static const uint16_t starts[] = {0x0000, 0x00F0}; /* aligned; A8 changes after 16 bytes */

/* Every count, start, direction, timing and wait-state setting of `mode`, each checked on both
 * paths against expected_clocks() and its bytes (check_xfer); returns how many ended at the clock
 * expected_clocks() gives. */
static int matrix(unsigned mode)
{
    int cases = 0;
    static const unsigned types[] = {DMASIM_I8237_XFER_WRITE, DMASIM_I8237_XFER_READ};
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++)
        for (size_t si = 0; si < 2; si++)
            for (int ti = 0; ti < 2; ti++)
                for (int comp = 0; comp < 2; comp++)
                    for (uint32_t ws = 0; ws <= 2; ws += 2) {
                        xfer x = xfer_default();
                        x.mode = mode;
                        x.type = types[ti];
                        x.compressed = comp;
                        x.n = counts[ci];
                        x.addr = starts[si];
                        x.ws = ws;
                        cases += check_both_paths(&x) == expected_clocks(&x);
                    }
    return cases;
}

/* Clocks from DREQ to terminal count of transfer x on one path (the end of the last S4). */
static uint64_t tc_clocks(const xfer *x, int reference)
{
    tsys *s = run_xfer(x, reference);
    uint64_t clocks = chan_state(s, 2).last_eop / x->period;
    sys_free(s);
    return clocks;
}

/* ======================================================================================= */
/* The bus hold primitive                                                                   */
/* ======================================================================================= */

typedef struct hmaster {
    dmasim_bus *bus;
    int idx;
    dmasim_bus_txn hold, txn;
    uint8_t buf[4];
    int step;
    dmasim_time t_granted, t_hold, t_txn;
} hmaster;

static void hm_granted(void *ctx, dmasim_time t)
{
    hmaster *m = ctx;
    m->t_granted = t;
    ck_assert_int_eq(dmasim_bus_hold(m->bus, m->idx, 3, &m->hold), 0);
    ck_assert_int_eq(dmasim_bus_hold(m->bus, m->idx, 1, &m->hold), DMASIM_ESTATE); /* one at a time */
}

static void hm_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    hmaster *m = ctx;
    if (txn == &m->hold) {
        ck_assert_uint_eq(txn->cycles, 3);
        m->t_hold = t;
        m->txn = (dmasim_bus_txn){.addr = 0x100, .len = 4, .is_write = 1, .data = m->buf};
        ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &m->txn), 0);
        return;
    }
    m->t_txn = t;
    ck_assert_int_eq(dmasim_bus_release(m->bus, m->idx, 0), 0);
}

static const dmasim_bus_master_ops hm_ops = {1, hm_granted, hm_done, NULL, NULL};

static void hold_run(int reference, hmaster *m, dmasim_sim **out)
{
    dmasim_sim *sim = tu_sim(reference);
    dmasim_bus *bus = tu_bus_ex(sim, 10000, 4, 2, 1, DMASIM_ARB_FIXED);
    tu_sram(bus, 0, 0x10000, 1);
    memset(m, 0, sizeof *m);
    m->bus = bus;
    m->idx = dmasim_bus_add_master(bus, "hm", 0, &hm_ops, m);
    ck_assert_int_ge(m->idx, 0);
    ck_assert_int_eq(dmasim_bus_hold(bus, m->idx, 1, &m->hold), DMASIM_ESTATE); /* not the owner */
    ck_assert_int_eq(dmasim_bus_request(bus, m->idx), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    *out = sim;
}

START_TEST(test_r26_bus_hold_same_on_both_paths)
{
    hmaster f, r;
    dmasim_sim *sf, *sr;
    hold_run(0, &f, &sf);
    hold_run(1, &r, &sr);
    /* grant at 0 + 2 arbitration cycles; hold 3 cycles; 4-byte write on a 4-byte bus with 1 wait
     * state: 1 address cycle + 1 beat * (1 + 1) */
    ck_assert_uint_eq(f.t_granted, 20000);
    ck_assert_uint_eq(f.t_hold, 50000);
    ck_assert_uint_eq(f.t_txn, 80000);
    ck_assert_uint_eq(r.t_granted, f.t_granted);
    ck_assert_uint_eq(r.t_hold, f.t_hold);
    ck_assert_uint_eq(r.t_txn, f.t_txn);
    same_stats(sf, sr);
    ck_assert_uint_eq(stat(sf, "bus0.master.hm.transactions"), 1); /* a hold is not a transaction */
    ck_assert_uint_eq(stat(sf, "bus0.master.hm.owned_cycles"), 8);
    dmasim_sim_destroy(sf);
    dmasim_sim_destroy(sr);
}
END_TEST

typedef struct smaster {
    dmasim_bus *bus;
    int idx, reference;
    dmasim_time t_end;
} smaster;

static void sm_granted(void *ctx, dmasim_time t)
{
    (void)t;
    smaster *m = ctx;
    if (m->reference) { /* the synchronous form is the fast path's */
        ck_assert_int_eq(dmasim_bus_hold(m->bus, m->idx, 2, NULL), DMASIM_ESTATE);
        ck_assert_int_eq(dmasim_bus_release(m->bus, m->idx, 0), 0);
        return;
    }
    ck_assert_int_eq(dmasim_bus_hold(m->bus, m->idx, 0, NULL), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_bus_hold(m->bus, m->idx, 5, NULL), 0);
    m->t_end = dmasim_bus_cursor(m->bus);
    ck_assert_int_eq(dmasim_bus_release(m->bus, m->idx, 0), 0); /* at the cursor */
}

static const dmasim_bus_master_ops sm_ops = {1, sm_granted, NULL, NULL, NULL};

START_TEST(test_r26_bus_hold_synchronous_advances_cursor)
{
    for (int reference = 0; reference < 2; reference++) {
        dmasim_sim *sim = tu_sim(reference);
        dmasim_bus *bus = tu_bus(sim);
        smaster m = {bus, 0, reference, 0};
        m.idx = dmasim_bus_add_master(bus, "sm", 0, &sm_ops, &m);
        ck_assert_int_eq(dmasim_bus_request(bus, m.idx), 0);
        ck_assert_int_eq(dmasim_sim_run(sim), 0);
        if (!reference) {
            ck_assert_uint_eq(m.t_end, 10000 + 5 * 10000);
            ck_assert_uint_eq(stat(sim, "bus0.master.sm.owned_cycles"), 6);
        }
        dmasim_sim_destroy(sim);
    }
}
END_TEST

/* ======================================================================================= */
/* Counts per mode (1, 16, 256, 257, 1024 bytes; aligned and unaligned; both directions;     */
/* normal and compressed timing; with and without SW states; both paths)                    */
/* ======================================================================================= */

/* The datasheet's block transfer (docs/i8237.md): 1024 bytes, normal timing, no wait states:
 * SI->S0 + one arbitration clock + S1, 3 clocks per byte, and an S1 at each of the 3 A8-A15
 * changes = 3078 clocks (1.66 MB/s at 5 MHz, the datasheet's 1.6 MB/s). */
START_TEST(test_block_mode_clock_counts)
{
    xfer x = xfer_default();
    x.n = 1024;
    ck_assert_uint_eq(tc_clocks(&x, 0), 3078);
    ck_assert_uint_eq(tc_clocks(&x, 1), 3078);
    ck_assert_int_eq(matrix(DMASIM_I8237_MODE_BLOCK), 80);
}
END_TEST

/* Demand mode with DREQ held is block mode: compressed timing (2 clocks a byte), 1024 bytes =
 * 3 + 3 + 1024 * 2 = 2054 clocks (2.49 MB/s at 5 MHz). */
START_TEST(test_demand_mode_clock_counts_with_dreq_held)
{
    xfer x = xfer_default();
    x.mode = DMASIM_I8237_MODE_DEMAND;
    x.compressed = 1;
    x.n = 1024;
    ck_assert_uint_eq(tc_clocks(&x, 0), 2054);
    ck_assert_uint_eq(tc_clocks(&x, 1), 2054);
    ck_assert_int_eq(matrix(DMASIM_I8237_MODE_DEMAND), 80);
}
END_TEST

START_TEST(test_single_mode_one_handshake_per_byte)
{
    /* each byte: SI->S0, the arbitration clock, S1, S2-S4: 16 bytes = 16 * 6 clocks */
    xfer x = xfer_default();
    x.mode = DMASIM_I8237_MODE_SINGLE;
    ck_assert_uint_eq(tc_clocks(&x, 0), 16 * 6);
    ck_assert_uint_eq(tc_clocks(&x, 1), 16 * 6);
    ck_assert_int_eq(matrix(DMASIM_I8237_MODE_SINGLE), 80);
}
END_TEST

START_TEST(test_s1_when_a8_a15_change_decrementing)
{
    static const uint16_t dstarts[] = {0xFFFF, 0x0110, 0x04FF};
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++)
        for (size_t si = 0; si < 3; si++)
            for (int comp = 0; comp < 2; comp++) {
                xfer x = xfer_default();
                x.decrement = 1;
                x.compressed = comp;
                x.n = counts[ci];
                x.addr = dstarts[si];
                if (x.n > (uint32_t)x.addr + 1)
                    continue; /* would leave the page */
                ck_assert_uint_eq(check_both_paths(&x), expected_clocks(&x));
            }
}
END_TEST

START_TEST(test_verify_transfer_moves_nothing_and_ignores_ready)
{
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++)
        for (int m = 0; m < 3; m++) {
            static const unsigned modes[] = {DMASIM_I8237_MODE_SINGLE, DMASIM_I8237_MODE_BLOCK,
                                             DMASIM_I8237_MODE_DEMAND};
            xfer x = xfer_default();
            x.type = DMASIM_I8237_XFER_VERIFY;
            x.mode = modes[m];
            x.n = counts[ci];
            x.addr = 0x00F0;
            x.ws = 3;
            /* no memory cycle: no wait states (SW) however slow the memory */
            const uint64_t per_service = 1 + x.arb + 1; /* SI, S0 */
            const uint64_t want = x.mode == DMASIM_I8237_MODE_SINGLE
                                      ? x.n * (per_service + 3)
                                      : per_service + a8_changes(x.addr, x.n, 0) + 3ull * x.n;
            ck_assert_uint_eq(check_both_paths(&x), want);
        }
}
END_TEST

START_TEST(test_ready_inserts_sw_states)
{
    /* the same block with 0..4 memory wait states: each adds n SW states, nothing else */
    for (uint32_t ws = 0; ws <= 4; ws++) {
        xfer x = xfer_default();
        x.n = 257;
        x.addr = 0x00F0;
        x.ws = ws;
        tsys *s = run_xfer(&x, 0);
        check_xfer(&x, s);
        dmasim_i8237_channel_state st = chan_state(s, 2);
        xfer x0 = x;
        x0.ws = 0;
        ck_assert_uint_eq(st.last_eop, (expected_clocks(&x0) + (uint64_t)ws * x.n) * x.period);
        sys_free(s);
    }
}
END_TEST

static void m2m_address_cycles0(void);

START_TEST(test_bus_address_phase_is_part_of_the_states)
{
    /* with no address phase on the bus the memory access is its beat alone: same counts */
    bus_address_cycles = 0;
    for (int comp = 0; comp < 2; comp++)
        for (int m = 0; m < 3; m++) {
            static const unsigned modes[] = {DMASIM_I8237_MODE_SINGLE, DMASIM_I8237_MODE_BLOCK,
                                             DMASIM_I8237_MODE_DEMAND};
            xfer x = xfer_default();
            x.mode = modes[m];
            x.compressed = comp;
            x.n = 257;
            x.addr = 0x00F0;
            x.ws = 1;
            ck_assert_uint_eq(check_both_paths(&x), expected_clocks(&x));
            x.type = DMASIM_I8237_XFER_READ;
            ck_assert_uint_eq(check_both_paths(&x), expected_clocks(&x));
        }
    m2m_address_cycles0();
    bus_address_cycles = 1;
}
END_TEST

START_TEST(test_arbitration_cycles_are_s0_states)
{
    for (uint32_t arb = 0; arb <= 3; arb++)
        for (int m = 0; m < 2; m++) {
            xfer x = xfer_default();
            x.arb = arb;
            x.mode = m ? DMASIM_I8237_MODE_SINGLE : DMASIM_I8237_MODE_BLOCK;
            x.n = 16;
            /* arb extra S0 states per service: once per block, once per byte in single mode */
            ck_assert_uint_eq(check_both_paths(&x), (m ? 16 * (1 + arb + 1 + 3ull) : 1 + arb + 1 + 16 * 3ull));
        }
}
END_TEST

/* ======================================================================================= */
/* Memory to memory                                                                         */
/* ======================================================================================= */

typedef struct m2m {
    uint32_t n, ws;
    uint16_t src, dst;
    int hold;
} m2m;

static tsys *run_m2m(const m2m *x, int reference)
{
    tsys *s = sys_new(reference, 10000, 1, x->ws);
    for (uint32_t i = 0; i < x->n; i++) {
        uint8_t b = mem_pattern(0x10000 + x->src + i);
        dmasim_mem_write(s->sim, 0x10000 + (dmasim_addr)x->src + i, &b, 1);
    }
    dmasim_i8237_program p0 = {x->src, (uint16_t)(x->n - 1), DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_READ, 1, 0};
    dmasim_i8237_program p1 = {x->dst, (uint16_t)(x->n - 1), DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 2, 0};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 0, &p0), 0);
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 1, &p1), 0);
    uint8_t cmd = DMASIM_I8237_CMD_MEM_TO_MEM | (x->hold ? DMASIM_I8237_CMD_CH0_HOLD : 0);
    ck_assert_int_eq(dmasim_i8237_set_command(s->dma, cmd), 0);
    ck_assert_int_eq(dmasim_i8237_request(s->dma, 0, 1), 0); /* the software DREQ of channel 0 */
    run_ok(s);
    return s;
}

/* Checks a memory-to-memory run; returns the clock of its TC for the caller to assert. */
static uint64_t check_m2m(const m2m *x, tsys *s)
{
    uint64_t clocks = 1 + 1 + (uint64_t)x->n * (8 + 2 * x->ws); /* SI + S0 + n * (S11..S24 + SW) */
    dmasim_i8237_channel_state c0 = chan_state(s, 0), c1 = chan_state(s, 1);
    ck_assert_msg(c1.last_eop == clocks * 10000, "n=%u: TC at %llu, expected %llu", x->n,
                  (unsigned long long)c1.last_eop, (unsigned long long)(clocks * 10000));
    ck_assert(c0.tc && c1.tc && c0.masked && c1.masked && !c0.sw_request);
    for (uint32_t i = 0; i < x->n; i++) {
        uint8_t want = mem_pattern(0x10000 + x->src + (x->hold ? 0 : i));
        ck_assert_uint_eq(mem_byte(s->sim, 0x20000 + (dmasim_addr)x->dst + i), want);
    }
    ck_assert_uint_eq(dmasim_i8237_temp(s->dma), mem_pattern(0x10000 + x->src + (x->hold ? 0 : x->n - 1)));
    ck_assert_uint_eq(c1.current_count, 0xFFFF);
    ck_assert_uint_eq(c1.current_address, (uint16_t)(x->dst + x->n));
    ck_assert_uint_eq(c0.current_address, (uint16_t)(x->src + (x->hold ? 0 : x->n)));
    ck_assert_uint_eq(stat(s->sim, "i8237.ch1.sw_states"), (uint64_t)x->n * x->ws);
    ck_assert_uint_eq(stat(s->sim, "bus0.master.i8237.transactions"), 2ull * x->n);
    ck_assert_int_eq(s->dev[0].done_calls + s->dev[1].done_calls, 0); /* no device involved */
    return c1.last_eop / 10000;
}

START_TEST(test_memory_to_memory_eight_clocks_per_byte)
{
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++)
        for (size_t si = 0; si < 2; si++)
            for (uint32_t ws = 0; ws <= 1; ws++) {
                m2m x = {counts[ci], ws, starts[si], (uint16_t)(starts[si] + 0x300), 0};
                tsys *f = run_m2m(&x, 0), *r = run_m2m(&x, 1);
                const uint64_t clocks = 1 + 1 + (uint64_t)x.n * (8 + 2 * ws); /* SI, S0, S11..S24 + SW */
                ck_assert_uint_eq(check_m2m(&x, f), clocks);
                ck_assert_uint_eq(check_m2m(&x, r), clocks);
                same_stats(f->sim, r->sim);
                sys_free(f);
                sys_free(r);
            }
}
END_TEST

static void m2m_address_cycles0(void)
{
    m2m x = {257, 1, 0x00F0, 0x0400, 0};
    tsys *f = run_m2m(&x, 0), *r = run_m2m(&x, 1);
    check_m2m(&x, f);
    check_m2m(&x, r);
    same_stats(f->sim, r->sim);
    sys_free(f);
    sys_free(r);
}

START_TEST(test_memory_to_memory_channel0_address_hold_fills)
{
    m2m x = {300, 0, 0x0040, 0x1000, 1};
    tsys *s = run_m2m(&x, 0);
    ck_assert_uint_eq(check_m2m(&x, s), 1 + 1 + 300 * 8); /* holding the address costs no clock */
    ck_assert_uint_eq(mem_byte(s->sim, 0x20000 + 0x1000 + 299), mem_pattern(0x10000 + 0x0040)); /* one byte fills */
    sys_free(s);
}
END_TEST

/* ======================================================================================= */
/* The datasheet's headline rate                                                            */
/* ======================================================================================= */

START_TEST(test_headline_rate_5mhz_normal_timing)
{
    xfer x = xfer_default();
    x.period = P5MHZ;
    x.n = 1024;
    x.addr = 0x0000;
    tsys *s = run_xfer(&x, 0);
    check_xfer(&x, s);
    double seconds = (double)chan_state(s, 2).last_eop * 1e-12;
    double rate = 1024.0 / seconds;
    /* 1024 bytes in 1 + 1 + 1 + 3 + 1024 * 3 = 3078 clocks of 200 ns: 1.66 MB/s. The datasheet
     * quotes 1.6 MB/s for the 8237A-5; the ceiling is 5 MHz / 3 clocks a byte. */
    ck_assert_msg(rate >= 1.6e6 && rate <= 5e6 / 3.0, "rate %.0f B/s", rate);
    ck_assert_msg(fabs(rate - 5e6 / 3.0) / (5e6 / 3.0) < 0.01, "rate %.0f B/s", rate);
    sys_free(s);
    /* compressed timing: 2 clocks a byte, 2.5 MB/s */
    x.compressed = 1;
    s = run_xfer(&x, 0);
    check_xfer(&x, s);
    rate = 1024.0 / ((double)chan_state(s, 2).last_eop * 1e-12);
    ck_assert_msg(fabs(rate - 2.5e6) / 2.5e6 < 0.01, "compressed rate %.0f B/s", rate);
    sys_free(s);
}
END_TEST

START_TEST(test_preset_i8237a_is_5mhz)
{
    dmasim_i8237_config c;
    ck_assert_int_eq(dmasim_i8237_preset("i8237a", &c), 0);
    ck_assert_uint_eq(c.clock_period_ps, P5MHZ);
    ck_assert_uint_eq(c.page_bits, 8);
    ck_assert_int_eq(dmasim_i8237_preset("i8237a-4", &c), 0);
    ck_assert_uint_eq(c.clock_period_ps, 250000);
    ck_assert_int_eq(dmasim_i8237_preset("i8237", &c), DMASIM_ENOENT);
    ck_assert_str_eq(dmasim_i8237_preset_name(0), "i8237a");
    ck_assert_ptr_null(dmasim_i8237_preset_name(3));
    /* the preset's clock must be the bus's */
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus_ex(sim, 10000, 1, 1, 1, DMASIM_ARB_FIXED);
    dmasim_i8237 *d = NULL;
    ck_assert_int_eq(dmasim_i8237_preset("i8237a", &c), 0);
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "200000 ps"));
    dmasim_sim_destroy(sim);
    sim = tu_sim(0);
    bus = tu_bus_ex(sim, P5MHZ, 1, 1, 1, DMASIM_ARB_FIXED);
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ======================================================================================= */
/* Demand mode, autoinitialize, EOP                                                         */
/* ======================================================================================= */

/* The device drops DREQ after every `chunk` bytes (in its give/take call) and raises it again
 * `gap` clocks later: each burst is a service of its own, from SI. */
/* Returns the TC time and the number of services with the values the rule gives. */
static tu_outcome demand_case(int reference, unsigned type, uint32_t n, uint32_t chunk, uint16_t addr)
{
    tu_outcome o = {0};
    const dmasim_time P = 10000;
    const uint64_t gap = 50;
    xfer x = xfer_default();
    x.mode = DMASIM_I8237_MODE_DEMAND;
    x.type = type;
    x.n = n;
    x.addr = addr;
    tsys *s = sys_new(reference, P, 1, 0);
    tdev *v = &s->dev[2];
    v->chunk = chunk;
    v->gap = gap * P;
    dmasim_i8237_program p = {addr, (uint16_t)(n - 1), (uint8_t)(x.mode | type), x.page, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
    dmasim_signal_set(v->dreq, 1);
    run_ok(s);
    /* expected: per burst SI + S0 + S1 + A8 changes + k * 3; the next burst starts at the edge
     * where DREQ rises again (the device's call for the burst's last byte + gap): a write's
     * give() comes at the start of its memory transaction (2 clocks before the end of S4), a
     * read's take() at the end of S4 */
    dmasim_time t = 0;
    uint32_t done = 0, bursts = 0;
    while (done < n) {
        uint32_t k = n - done < chunk ? n - done : chunk;
        t += (1 + 1 + 1 + a8_changes((uint16_t)(addr + done), k, 0) + 3ull * k) * P;
        done += k;
        bursts++;
        if (done < n || k == chunk) {
            dmasim_time drop = type == DMASIM_I8237_XFER_WRITE ? t - 2 * P : t;
            ck_assert_uint_ge(v->ndrops, bursts);
            ck_assert_uint_eq(v->drop_t[bursts - 1], drop);
            if (done < n)
                t = drop + gap * P;
        }
    }
    dmasim_i8237_channel_state st = chan_state(s, 2);
    tu_outcome_set(&o, 0, "TC time (ps)", st.last_eop, t);
    tu_outcome_set(&o, 1, "services", stat(s->sim, "i8237.ch2.services"), bursts);
    ck_assert_uint_eq(st.bytes, n);
    sys_free(s);
    return o;
}

START_TEST(test_demand_mode_releases_when_dreq_drops)
{
    static const uint32_t chunks[] = {1, 5, 16, 100};
    for (size_t c = 0; c < 4; c++)
        for (int ti = 0; ti < 2; ti++)
            for (int reference = 0; reference < 2; reference++) {
                unsigned type = ti ? DMASIM_I8237_XFER_READ : DMASIM_I8237_XFER_WRITE;
                const tu_outcome o[2] = {demand_case(reference, type, 257, chunks[c], 0x00F0),
                                         demand_case(reference, type, 16, chunks[c], 0x0000)};
                for (int i = 0; i < 2; i++)
                    for (int k = 0; k < 2; k++)
                        ck_assert_msg(o[i].got[k] == o[i].want[k],
                                      "chunk %u type %u ref %d case %d: %s %llu, expected %llu", chunks[c], type,
                                      reference, i, o[i].what[k], (unsigned long long)o[i].got[k],
                                      (unsigned long long)o[i].want[k]);
            }
}
END_TEST

START_TEST(test_demand_mode_lets_the_cpu_in_between_bursts)
{
    /* during the gap the bus is free: HLDA drops with DREQ (owner signal goes to 0) */
    tsys *s = sys_new(0, 10000, 1, 0);
    tdev *v = &s->dev[2];
    v->chunk = 8;
    v->gap = 40 * 10000;
    dmasim_i8237_program p = {0, 31, DMASIM_I8237_MODE_DEMAND | DMASIM_I8237_XFER_WRITE, 1, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
    dmasim_signal_set(v->dreq, 1);
    run_ok(s);
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.services"), 4);
    ck_assert_uint_eq(stat(s->sim, "bus0.master.i8237.grants"), 4);
    /* owned: 4 services of S0 + S1 + 8 * 3 */
    ck_assert_uint_eq(stat(s->sim, "bus0.master.i8237.owned_cycles"), 4 * (1 + 1 + 24));
    sys_free(s);
}
END_TEST

START_TEST(test_mask_set_at_tc_unless_autoinitialize)
{
    for (int reference = 0; reference < 2; reference++) {
        /* without autoinitialize: masked, DREQ still high does nothing more */
        tsys *s = sys_new(reference, 10000, 1, 0);
        dmasim_i8237_program p = {0x0100, 9, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 3, 1};
        ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
        dmasim_signal_set(s->dev[2].dreq, 1);
        run_ok(s);
        dmasim_i8237_channel_state st = chan_state(s, 2);
        ck_assert(st.masked && st.tc && st.dreq);
        ck_assert_uint_eq(st.bytes, 10);
        ck_assert_uint_eq(st.current_address, 0x010A);
        ck_assert_uint_eq(st.current_count, 0xFFFF);
        ck_assert_uint_eq(stat(s->sim, "i8237.ch2.autoinits"), 0);
        sys_free(s);

        /* with autoinitialize: the current registers reload from the base ones, the mask bit
         * stays clear, and the next DREQ runs the same block again */
        s = sys_new(reference, 10000, 1, 0);
        tdev *v = &s->dev[2];
        v->drop_at_done = 1;
        p.mode = DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE | DMASIM_I8237_AUTOINIT;
        ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
        dmasim_signal_set(v->dreq, 1);
        run_ok(s);
        st = chan_state(s, 2);
        ck_assert(!st.masked && st.tc && !st.dreq);
        ck_assert_uint_eq(st.current_address, 0x0100);
        ck_assert_uint_eq(st.current_count, 9);
        ck_assert_uint_eq(stat(s->sim, "i8237.ch2.autoinits"), 1);
        dmasim_time first = st.last_eop;
        ck_assert_uint_eq(first, (1 + 1 + 1 + 30) * 10000ull);
        dmasim_signal_set(v->dreq, 1); /* now (after the run), at an edge */
        dmasim_time t0 = dmasim_sim_now(s->sim);
        run_ok(s);
        st = chan_state(s, 2);
        ck_assert_uint_eq(st.bytes, 20);
        ck_assert_uint_eq(st.last_eop, t0 + (1 + 1 + 1 + 30) * 10000ull);
        for (uint32_t i = 0; i < 10; i++) /* the second block overwrote the first */
            ck_assert_uint_eq(mem_byte(s->sim, 0x30100 + i), v->src[10 + i]);
        ck_assert_uint_eq(stat(s->sim, "i8237.ch2.autoinits"), 2);
        sys_free(s);
    }
}
END_TEST

typedef struct eop_drv {
    dmasim_signal *eop_in;
    dmasim_event ev;
} eop_drv;

static void eop_raise(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    eop_drv *e = ctx;
    dmasim_signal_set(e->eop_in, 1);
}

START_TEST(test_external_eop_aborts_after_the_byte_in_progress)
{
    const dmasim_time P = 10000;
    for (int reference = 0; reference < 2; reference++)
        for (uint32_t k = 0; k < 40; k += 13) {
            tsys *s = sys_new(reference, P, 1, 0);
            tdev *v = &s->dev[2];
            dmasim_i8237_program p = {0x0000, 199, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 1, 1};
            ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
            dmasim_signal_set(v->dreq, 1);
            /* byte j (no A8 change before 256) ends at (SI + S0 + S1 + 3 (j + 1)) clocks; EOP
             * rises one clock before byte k ends */
            dmasim_time end_k = (1 + 1 + 1 + 3 * (k + 1)) * P;
            eop_drv e = {dmasim_i8237_eop_in(s->dma), {0}};
            dmasim_event_init(&e.ev, eop_raise, &e);
            dmasim_event_schedule(s->sim, &e.ev, end_k - P, DMASIM_PRIO_DEFAULT);
            run_ok(s);
            dmasim_i8237_channel_state st = chan_state(s, 2);
            ck_assert_uint_eq(st.bytes, k + 1);
            ck_assert_uint_eq(st.last_eop, end_k);
            ck_assert(st.tc && st.masked);
            ck_assert_int_eq(v->done_calls, 1);
            ck_assert_int_eq(v->done_status, DMASIM_ESTATE);
            ck_assert_uint_eq(v->done_t, end_k);
            ck_assert_uint_eq(st.current_count, 199 - (k + 1));
            ck_assert_uint_eq(stat(s->sim, "i8237.ch2.eop_aborts"), 1);
            ck_assert_uint_eq(stat(s->sim, "i8237.ch2.tc"), 0);
            ck_assert_uint_eq(mem_byte(s->sim, 0x10000 + k + 1), 0); /* nothing after it */
            sys_free(s);
        }
}
END_TEST

/* An external EOP during the last byte: that byte takes the word count from 0 to FFFFh, which is
 * terminal count (docs/i8237.md, End of process), so the end of process counts as a TC (status
 * 0 to the device, chN.tc), not as an EOP abort. */
START_TEST(test_external_eop_during_the_last_byte_is_terminal_count)
{
    const dmasim_time P = 10000;
    const uint16_t count = 199; /* 200 bytes, no A8 change */
    tsys *s = sys_new(_i, P, 1, 0);
    tdev *v = &s->dev[2];
    dmasim_i8237_program p = {0x0000, count, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 1, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
    dmasim_signal_set(v->dreq, 1);
    const dmasim_time end = (1 + 1 + 1 + 3 * ((dmasim_time)count + 1)) * P; /* SI S0 S1, 3 clocks a byte */
    eop_drv e = {dmasim_i8237_eop_in(s->dma), {0}};
    dmasim_event_init(&e.ev, eop_raise, &e);
    dmasim_event_schedule(s->sim, &e.ev, end - P, DMASIM_PRIO_DEFAULT);
    run_ok(s);
    dmasim_i8237_channel_state st = chan_state(s, 2);
    ck_assert_uint_eq(st.bytes, (uint64_t)count + 1);
    ck_assert_uint_eq(st.current_count, 0xFFFF);
    ck_assert_uint_eq(st.last_eop, end);
    ck_assert(st.tc && st.masked);
    ck_assert_int_eq(v->done_calls, 1);
    ck_assert_int_eq(v->done_status, 0);
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.tc"), 1);
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.eop_aborts"), 0);
    sys_free(s);
}
END_TEST

/* ======================================================================================= */
/* Page register reach                                                                      */
/* ======================================================================================= */

START_TEST(test_transfer_crossing_a_64k_page_is_refused)
{
    tsys *s = sys_new(0, 10000, 1, 0);
    dmasim_i8237_program p = {0xFF00, 0x01FF, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 0x12, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), DMASIM_ERANGE);
    const char *msg = dmasim_sim_errmsg(s->sim);
    ck_assert_msg(strstr(msg, "i8237.ch2") && strstr(msg, "512 bytes from 0x12ff00") && strstr(msg, "0x130000") &&
                      strstr(msg, "wrap to 0x120000"),
                  "message: %s", msg);
    p.count = 0x00FF; /* 256 bytes end exactly at 0x12FFFF: fine */
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
    p.address = 0x0010; /* decrementing below 0x0000 */
    p.count = 0x0011;
    p.mode |= DMASIM_I8237_DECREMENT;
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 3, &p), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(s->sim), "decrementing"));
    p.count = 0x0010;
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 3, &p), 0);
    sys_free(s);
}
END_TEST

/* Program channel 2 through its ports with 1-byte debug writes, as software would. */
static void port(tsys *s, unsigned off, uint8_t v)
{
    ck_assert_int_eq(dmasim_bus_debug_write(s->bus, IO_BASE + off, &v, 1), 0);
}

static uint8_t port_in(tsys *s, unsigned off)
{
    uint8_t v = 0;
    ck_assert_int_eq(dmasim_bus_debug_read(s->bus, IO_BASE + off, &v, 1), 0);
    return v;
}

static void program_ports(tsys *s, uint16_t addr, uint16_t count, uint8_t mode, uint8_t page)
{
    uint8_t pg = page;
    port(s, DMASIM_I8237_MASK_SINGLE, 0x04 | 2);
    port(s, DMASIM_I8237_CLEAR_FF, 0);
    port(s, DMASIM_I8237_MODE, (uint8_t)(mode | 2));
    port(s, 4, (uint8_t)addr);
    port(s, 4, (uint8_t)(addr >> 8));
    ck_assert_int_eq(dmasim_bus_debug_write(s->bus, PAGE_BASE + 1, &pg, 1), 0); /* 0x81: channel 2 */
    port(s, 5, (uint8_t)count);
    port(s, 5, (uint8_t)(count >> 8));
    port(s, DMASIM_I8237_MASK_SINGLE, 2);
}

START_TEST(test_page_crossing_programmed_through_ports_stops_the_run)
{
    for (int reference = 0; reference < 2; reference++) {
        tsys *s = sys_new(reference, 10000, 1, 0);
        program_ports(s, 0xFFF0, 0x001F, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 0x05);
        dmasim_signal_set(s->dev[2].dreq, 1);
        int err = dmasim_sim_run(s->sim);
        ck_assert_int_eq(err, DMASIM_ERANGE);
        const char *msg = dmasim_sim_errmsg(s->sim);
        ck_assert_msg(strstr(msg, "32 bytes from 0x5fff0") && strstr(msg, "64 KiB page boundary at 0x60000"),
                      "message: %s", msg);
        ck_assert_uint_eq(chan_state(s, 2).bytes, 0);
        ck_assert_uint_eq(mem_byte(s->sim, 0x5FFF0), 0);
        sys_free(s);
    }
}
END_TEST

START_TEST(test_page_wrap_policy_wraps_like_the_hardware)
{
    for (int reference = 0; reference < 2; reference++) {
        dmasim_i8237_config c;
        dmasim_i8237_config_init(&c);
        c.page_policy = DMASIM_I8237_PAGE_WRAP;
        tsys *s = sys_new_cfg(reference, 10000, 1, 0, &c);
        dmasim_i8237_program p = {0xFFF0, 0x001F, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 0x05, 1};
        ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
        dmasim_signal_set(s->dev[2].dreq, 1);
        run_ok(s);
        tdev *v = &s->dev[2];
        for (uint32_t i = 0; i < 32; i++) { /* 0x5FFF0..0x5FFFF, then 0x50000..0x5000F */
            dmasim_addr a = 0x50000 | (uint16_t)(0xFFF0 + i);
            ck_assert_uint_eq(mem_byte(s->sim, a), v->src[i]);
        }
        ck_assert_uint_eq(mem_byte(s->sim, 0x60000), 0);
        ck_assert_uint_eq(stat(s->sim, "i8237.ch2.page_wraps"), 1);
        /* the wrap changes A8-A15: one more S1 */
        ck_assert_uint_eq(chan_state(s, 2).last_eop, (1 + 1 + 1 + 1 + 32 * 3) * 10000ull);
        sys_free(s);
    }
}
END_TEST

START_TEST(test_unmapped_memory_stops_the_run)
{
    sram_size = 0x20000; /* pages 0 and 1 only */
    for (int reference = 0; reference < 2; reference++) {
        tsys *s = sys_new(reference, 10000, 1, 0);
        dmasim_i8237_program p = {0x0000, 15, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 0x02, 1};
        ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
        dmasim_signal_set(s->dev[2].dreq, 1);
        ck_assert_int_eq(dmasim_sim_run(s->sim), DMASIM_EUNMAPPED);
        const char *msg = dmasim_sim_errmsg(s->sim);
        ck_assert_msg(strstr(msg, "i8237.ch2: memory write of 0x20000 failed"), "message: %s", msg);
        ck_assert_uint_eq(chan_state(s, 2).bytes, 0);
        sys_free(s);
    }
    sram_size = MEM_SIZE;
}
END_TEST

START_TEST(test_page_bits_limit_the_reach)
{
    dmasim_i8237_config c;
    dmasim_i8237_config_init(&c);
    c.page_bits = 4; /* the PC/XT's 74LS670: A16-A19 only */
    tsys *s = sys_new_cfg(0, 10000, 1, 0, &c);
    dmasim_i8237_program p = {0x0000, 3, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE, 0x35, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
    dmasim_signal_set(s->dev[2].dreq, 1);
    run_ok(s);
    ck_assert_uint_eq(mem_byte(s->sim, 0x50000), s->dev[2].src[0]);
    ck_assert_uint_eq(mem_byte(s->sim, 0x350000), 0);
    sys_free(s);
}
END_TEST

/* ======================================================================================= */
/* The programming model                                                                    */
/* ======================================================================================= */

START_TEST(test_ports_flip_flop_status_and_master_clear)
{
    tsys *s = sys_new(0, 10000, 1, 0);
    program_ports(s, 0x1234, 0x0003, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE, 0x07);
    dmasim_i8237_channel_state st = chan_state(s, 2);
    ck_assert_uint_eq(st.base_address, 0x1234);
    ck_assert_uint_eq(st.current_address, 0x1234);
    ck_assert_uint_eq(st.base_count, 3);
    ck_assert_uint_eq(st.page, 7);
    ck_assert_uint_eq(st.mode, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE);
    ck_assert(!st.masked);
    /* reads go through the same flip-flop: low byte, then high byte */
    port(s, DMASIM_I8237_CLEAR_FF, 0);
    ck_assert_uint_eq(port_in(s, 4), 0x34);
    ck_assert_uint_eq(port_in(s, 4), 0x12);
    ck_assert_uint_eq(port_in(s, 5), 0x03);
    ck_assert_uint_eq(port_in(s, 5), 0x00);
    /* a 2-byte access is a bus error */
    uint16_t w = 0;
    ck_assert_int_eq(dmasim_bus_debug_read(s->bus, IO_BASE + 8, &w, 2), DMASIM_EBUSERR);
    ck_assert_uint_eq(stat(s->sim, "i8237.register_errors"), 1);
    s->dev[2].drop_at_done = 1;
    dmasim_signal_set(s->dev[2].dreq, 1);
    ck_assert_uint_eq(port_in(s, DMASIM_I8237_STATUS), 0x40); /* DREQ2 */
    run_ok(s);
    ck_assert_uint_eq(chan_state(s, 2).bytes, 4);
    /* status: TC2; reading it clears the TC bits */
    ck_assert_uint_eq(port_in(s, DMASIM_I8237_STATUS), 0x04);
    ck_assert_uint_eq(port_in(s, DMASIM_I8237_STATUS), 0x00);
    port(s, DMASIM_I8237_CLEAR_FF, 0);
    ck_assert_uint_eq(port_in(s, 4), 0x38);
    ck_assert_uint_eq(port_in(s, 4), 0x12);
    /* write-only ports read as a floating bus */
    ck_assert_uint_eq(port_in(s, DMASIM_I8237_MODE), 0xFF);
    /* master clear: everything masked, command cleared */
    port(s, DMASIM_I8237_COMMAND, DMASIM_I8237_CMD_COMPRESSED);
    port(s, DMASIM_I8237_CLEAR_MASK, 0);
    ck_assert(!chan_state(s, 2).masked);
    port(s, DMASIM_I8237_MASTER_CLEAR, 0);
    for (unsigned ch = 0; ch < 4; ch++)
        ck_assert(chan_state(s, ch).masked);
    port(s, DMASIM_I8237_MASK_ALL, 0x0B);
    ck_assert(chan_state(s, 0).masked && chan_state(s, 1).masked && !chan_state(s, 2).masked &&
              chan_state(s, 3).masked);
    sys_free(s);
}
END_TEST

START_TEST(test_dack_pin_follows_the_sense_bit)
{
    tsys *s = sys_new(0, 10000, 1, 0);
    dmasim_signal *dack2 = dmasim_sim_signal_find(s->sim, "i8237.dack2");
    ck_assert_ptr_nonnull(dack2);
    ck_assert_uint_eq(dmasim_signal_value(dack2), 1); /* reset: active low, idle high */
    ck_assert_int_eq(dmasim_i8237_set_command(s->dma, DMASIM_I8237_CMD_DACK_HIGH), 0);
    ck_assert_uint_eq(dmasim_signal_value(dack2), 0);
    /* DREQ sense active low: a device whose line idles low is requesting */
    ck_assert_int_eq(dmasim_i8237_set_command(s->dma, DMASIM_I8237_CMD_DREQ_LOW), 0);
    ck_assert(chan_state(s, 2).dreq);
    ck_assert_int_eq(dmasim_i8237_set_command(s->dma, 0), 0);
    ck_assert(!chan_state(s, 2).dreq);
    sys_free(s);
}
END_TEST

/* Pins observed (as a VCD writer would): the same timing, and the pins move at their times. */
typedef struct pinlog {
    dmasim_time t[64];
    uint64_t v[64];
    size_t n;
} pinlog;

static void pin_note(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    pinlog *l = ctx;
    if (l->n < 64) {
        l->t[l->n] = t;
        l->v[l->n++] = value;
    }
}

START_TEST(test_pins_observed_single_mode_handshake_per_byte)
{
    const dmasim_time P = 10000;
    for (int reference = 0; reference < 2; reference++) {
        tsys *s = sys_new(reference, P, 2, 0);
        pinlog hrq = {0}, dack = {0}, eop = {0};
        dmasim_signal_subscribe(dmasim_sim_signal_find(s->sim, "i8237.hrq"), pin_note, &hrq);
        dmasim_signal_subscribe(dmasim_sim_signal_find(s->sim, "i8237.dack2"), pin_note, &dack);
        dmasim_signal_subscribe(dmasim_sim_signal_find(s->sim, "i8237.eop"), pin_note, &eop);
        dmasim_i8237_program p = {0x0000, 7, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE, 1, 1};
        ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p), 0);
        dmasim_signal_set(s->dev[2].dreq, 1);
        run_ok(s);
        /* per byte: SI (1) + S0 (2) + S1 S2 S3 S4 (4) = 7 clocks; HRQ rises after SI, HLDA (and
         * DACK) after S0, both drop at the end of S4 */
        ck_assert_uint_eq(hrq.n, 16);
        for (size_t k = 0; k < 8; k++) {
            dmasim_time b = k * 7 * P;
            ck_assert_uint_eq(hrq.t[2 * k], b + P);
            ck_assert_uint_eq(hrq.v[2 * k], 1);
            ck_assert_uint_eq(hrq.t[2 * k + 1], b + 7 * P);
            ck_assert_uint_eq(dack.t[2 * k], b + 3 * P);
            ck_assert_uint_eq(dack.v[2 * k], 0); /* active low */
            ck_assert_uint_eq(dack.t[2 * k + 1], b + 7 * P);
        }
        ck_assert_uint_eq(eop.n, 2); /* one clock wide, at TC */
        ck_assert_uint_eq(eop.t[0], 8 * 7 * P);
        ck_assert_uint_eq(eop.t[1], 8 * 7 * P + P);
        ck_assert_uint_eq(chan_state(s, 2).last_eop, 8 * 7 * P);
        sys_free(s);
    }
}
END_TEST

START_TEST(test_fixed_and_rotating_priority)
{
    for (int rotating = 0; rotating < 2; rotating++)
        for (int reference = 0; reference < 2; reference++) {
            tsys *s = sys_new(reference, 10000, 1, 0);
            if (rotating)
                ck_assert_int_eq(dmasim_i8237_set_command(s->dma, DMASIM_I8237_CMD_ROTATING), 0);
            for (unsigned ch = 1; ch <= 3; ch++) {
                dmasim_i8237_program p = {(uint16_t)(ch * 0x1000), 3,
                                          DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE, 1, 1};
                ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, ch, &p), 0);
                dmasim_signal_set(s->dev[ch].dreq, 1);
            }
            run_ok(s);
            ck_assert_uint_eq(s->nlog, 12);
            for (size_t i = 0; i < 12; i++) {
                int want = rotating ? 1 + (int)(i % 3) : 1 + (int)(i / 4);
                ck_assert_msg(s->log_ch[i] == want, "rotating=%d byte %zu: channel %d, expected %d", rotating, i,
                              s->log_ch[i], want);
            }
            sys_free(s);
        }
}
END_TEST

START_TEST(test_software_request_starts_block_mode_only)
{
    tsys *s = sys_new(0, 10000, 1, 0);
    dmasim_i8237_program p = {0x0000, 15, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE, 1, 0};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 3, &p), 0);
    ck_assert_int_eq(dmasim_i8237_request(s->dma, 3, 1), 0); /* single mode: ignored */
    run_ok(s);
    ck_assert_uint_eq(chan_state(s, 3).bytes, 0);
    /* block mode, still masked: software requests are not maskable */
    p.mode = DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE;
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 3, &p), 0);
    dmasim_time t0 = dmasim_sim_now(s->sim);
    ck_assert_int_eq(dmasim_i8237_request(s->dma, 3, 1), 0);
    run_ok(s);
    dmasim_i8237_channel_state st = chan_state(s, 3);
    ck_assert_uint_eq(st.bytes, 16);
    ck_assert(!st.sw_request); /* cleared at TC */
    ck_assert_uint_eq(st.last_eop, t0 + (1 + 1 + 1 + 48) * 10000ull);
    sys_free(s);
}
END_TEST

START_TEST(test_bad_configuration_is_refused)
{
    dmasim_i8237_config c;
    dmasim_i8237 *d = NULL;
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus_ex(sim, 10000, 1, 1, 2, DMASIM_ARB_FIXED); /* 2 address cycles */
    ck_assert_int_eq(dmasim_i8237_create(bus, NULL, &d), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "address_cycles 0 or 1"));
    dmasim_sim_destroy(sim);

    sim = tu_sim(0);
    bus = tu_bus_ex(sim, 10000, 1, 1, 1, DMASIM_ARB_FIXED);
    dmasim_i8237_config_init(&c);
    c.page_bits = 9;
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), DMASIM_ERANGE);
    dmasim_i8237_config_init(&c);
    c.page_index[1] = 16;
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), DMASIM_ERANGE);
    tu_sram(bus, 0xE0000000ull, 0x100, 0);
    dmasim_i8237_config_init(&c);
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), DMASIM_EOVERLAP);
    c.io_base = 0xD0000000ull;
    c.page_base = 0xD0000080ull;
    c.name = "dma1";
    ck_assert_int_eq(dmasim_i8237_create(bus, &c, &d), 0);
    ck_assert_int_eq(dmasim_i8237_attach_device(d, 4, &dev_ops, NULL, NULL), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_i8237_attach_device(d, 0, &dev_ops, NULL, NULL), 0);
    ck_assert_int_eq(dmasim_i8237_attach_device(d, 0, &dev_ops, NULL, NULL), DMASIM_EBUSY);
    dmasim_i8237_program p = {0, 0, DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_MASK, 0, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(d, 0, &p), DMASIM_EINVAL);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ======================================================================================= */
/* A CPU programs it through its ports; fast path equals reference path with a busy CPU     */
/* ======================================================================================= */

static dmasim_cpu *add_cpu(tsys *s, int dcache)
{
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = 1;
    cc.dcache_enabled = dcache;
    if (dcache) {
        cc.dcache.size = 4096;
        cc.dcache.ways = 2;
        cc.dcache.line = 16;
    }
    dmasim_cpu *cpu = NULL;
    int err = dmasim_cpu_create(s->bus, &cc, &cpu);
    ck_assert_msg(err == 0, "cpu_create: %s", dmasim_sim_errmsg(s->sim));
    return cpu;
}

static size_t store(dmasim_cpu_op *ops, size_t n, dmasim_addr a, uint8_t v)
{
    ops[n] = (dmasim_cpu_op){.kind = DMASIM_OP_STORE, .a = a, .b = 1, .c = v};
    return n + 1;
}

static size_t load(dmasim_cpu_op *ops, size_t n, dmasim_addr a)
{
    ops[n] = (dmasim_cpu_op){.kind = DMASIM_OP_READ_BUFFER, .a = a, .b = 1};
    return n + 1;
}

static tsys *cpu_programs(int reference)
{
    tsys *s = sys_new(reference, P5MHZ, 1, 0);
    dmasim_cpu *cpu = add_cpu(s, 0);
    s->dev[2].drop_at_done = 1;
    dmasim_signal_set(s->dev[2].dreq, 1); /* waiting for the channel to be unmasked */
    dmasim_cpu_op ops[32];
    size_t n = 0;
    n = store(ops, n, IO_BASE + DMASIM_I8237_MASK_SINGLE, 0x06);
    n = store(ops, n, IO_BASE + DMASIM_I8237_CLEAR_FF, 0);
    n = store(ops, n, IO_BASE + DMASIM_I8237_MODE, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE | 2);
    n = store(ops, n, IO_BASE + 4, 0x80);
    n = store(ops, n, IO_BASE + 4, 0x00);
    n = store(ops, n, PAGE_BASE + 1, 0x02);
    n = store(ops, n, IO_BASE + 5, 99);
    n = store(ops, n, IO_BASE + 5, 0);
    n = store(ops, n, IO_BASE + DMASIM_I8237_MASK_SINGLE, 0x02);
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_COMPUTE, .a = 2000};
    n = load(ops, n, IO_BASE + DMASIM_I8237_STATUS);
    n = load(ops, n, IO_BASE + DMASIM_I8237_STATUS);
    n = store(ops, n, IO_BASE + DMASIM_I8237_CLEAR_FF, 0);
    n = load(ops, n, IO_BASE + 4);
    n = load(ops, n, IO_BASE + 4);
    n = load(ops, n, IO_BASE + 5);
    n = load(ops, n, IO_BASE + 5);
    ck_assert_int_eq(dmasim_cpu_run_script(cpu, ops, n), 0);
    run_ok(s);
    ck_assert(dmasim_cpu_finished(cpu));
    size_t len = 0;
    const uint8_t *cap = dmasim_cpu_captured(cpu, &len);
    ck_assert_uint_eq(len, 6);
    ck_assert_uint_eq(cap[0], 0x04); /* TC2; DREQ2 dropped at TC */
    ck_assert_uint_eq(cap[1], 0x00);
    ck_assert_uint_eq(cap[2], 0x80 + 100); /* current address: 0x00E4 */
    ck_assert_uint_eq(cap[3], 0x00);
    ck_assert_uint_eq(cap[4], 0xFF); /* current count: 0xFFFF */
    ck_assert_uint_eq(cap[5], 0xFF);
    for (uint32_t i = 0; i < 100; i++)
        ck_assert_uint_eq(mem_byte(s->sim, 0x20080 + i), s->dev[2].src[i]);
    ck_assert_uint_eq(stat(s->sim, "i8237.ch2.services"), 100);
    return s;
}

START_TEST(test_cpu_programs_it_with_byte_stores)
{
    tsys *f = cpu_programs(0), *r = cpu_programs(1);
    /* 100 single-mode services, one per byte; the count register read back as FFFFh (TC) */
    ck_assert_uint_eq(stat(f->sim, "i8237.ch2.services"), 100);
    ck_assert_uint_eq(stat(r->sim, "i8237.ch2.services"), 100);
    ck_assert_uint_eq(chan_state(f, 2).bytes, 100);
    same_stats(f->sim, r->sim);
    sys_free(f);
    sys_free(r);
}
END_TEST

/* Three channels in three modes, rotating priority, a CPU missing in its cache all along, a
 * demand device with gaps: the fast path's statistics and bytes equal the reference path's. */
static tsys *busy_system(int reference, int observe)
{
    tsys *s = sys_new(reference, 10000, 1, 1);
    dmasim_cpu *cpu = add_cpu(s, 1);
    dmasim_synthetic_config sc;
    dmasim_synthetic_config_init(&sc);
    sc.accesses = 3000;
    sc.base = 0x800000;
    sc.working_set = 65536;
    sc.compute_cycles = 3;
    sc.size = 4;
    ck_assert_int_eq(dmasim_cpu_run_synthetic(cpu, &sc), 0);
    pinlog l = {0};
    if (observe)
        dmasim_signal_subscribe(dmasim_sim_signal_find(s->sim, "i8237.hlda"), pin_note, &l);
    ck_assert_int_eq(dmasim_i8237_set_command(s->dma, DMASIM_I8237_CMD_ROTATING), 0);
    dmasim_i8237_program p1 = {0x00F0, 299, DMASIM_I8237_MODE_SINGLE | DMASIM_I8237_XFER_WRITE, 1, 1};
    dmasim_i8237_program p2 = {0x0F00, 999, DMASIM_I8237_MODE_DEMAND | DMASIM_I8237_XFER_READ, 2, 1};
    dmasim_i8237_program p3 = {0x8000, 511,
                               DMASIM_I8237_MODE_BLOCK | DMASIM_I8237_XFER_WRITE | DMASIM_I8237_DECREMENT, 3, 1};
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 1, &p1), 0);
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 2, &p2), 0);
    ck_assert_int_eq(dmasim_i8237_program_channel(s->dma, 3, &p3), 0);
    s->dev[2].chunk = 37;
    s->dev[2].gap = 123 * 10000 + 3000; /* DREQ comes back between two edges */
    dmasim_signal_set(s->dev[1].dreq, 1);
    dmasim_signal_set(s->dev[2].dreq, 1);
    dmasim_signal_set(s->dev[3].dreq, 1);
    for (uint32_t i = 0; i < 1000; i++) {
        uint8_t b = mem_pattern(i);
        dmasim_mem_write(s->sim, 0x20F00 + i, &b, 1);
    }
    run_ok(s);
    ck_assert(dmasim_cpu_finished(cpu));
    ck_assert_uint_eq(chan_state(s, 1).bytes, 300);
    ck_assert_uint_eq(chan_state(s, 2).bytes, 1000);
    ck_assert_uint_eq(chan_state(s, 3).bytes, 512);
    ck_assert_uint_gt(dmasim_cpu_stall_cycles_by(cpu, dmasim_i8237_bus_master(s->dma)), 0);
    return s;
}

START_TEST(test_fast_path_equals_reference_path)
{
    for (int observe = 0; observe < 2; observe++) {
        tsys *f = busy_system(0, observe), *r = busy_system(1, observe);
        same_stats(f->sim, r->sim);
        for (unsigned ch = 1; ch <= 3; ch++)
            ck_assert_uint_eq(chan_state(f, ch).last_eop, chan_state(r, ch).last_eop);
        ck_assert_uint_eq(f->nlog, r->nlog);
        for (size_t i = 0; i < f->nlog; i++) {
            ck_assert_int_eq(f->log_ch[i], r->log_ch[i]);
            ck_assert_uint_eq(f->log_t[i], r->log_t[i]);
        }
        for (uint32_t i = 0; i < 512; i++)
            ck_assert_uint_eq(mem_byte(f->sim, 0x38000 - i), mem_byte(r->sim, 0x38000 - i));
        ck_assert(memcmp(f->dev[2].got, r->dev[2].got, 1000) == 0);
        sys_free(f);
        sys_free(r);
    }
}
END_TEST

static Suite *i8237_suite(void)
{
    Suite *s = suite_create("i8237");
    TCase *bus = tcase_create("bus_hold");
    tcase_add_test(bus, test_r26_bus_hold_same_on_both_paths);
    tcase_add_test(bus, test_r26_bus_hold_synchronous_advances_cursor);
    suite_add_tcase(s, bus);

    TCase *counts_tc = tcase_create("clock_counts");
    tcase_set_timeout(counts_tc, 120);
    tcase_add_test(counts_tc, test_block_mode_clock_counts);
    tcase_add_test(counts_tc, test_demand_mode_clock_counts_with_dreq_held);
    tcase_add_test(counts_tc, test_single_mode_one_handshake_per_byte);
    tcase_add_test(counts_tc, test_s1_when_a8_a15_change_decrementing);
    tcase_add_test(counts_tc, test_verify_transfer_moves_nothing_and_ignores_ready);
    tcase_add_test(counts_tc, test_ready_inserts_sw_states);
    tcase_add_test(counts_tc, test_arbitration_cycles_are_s0_states);
    tcase_add_test(counts_tc, test_bus_address_phase_is_part_of_the_states);
    tcase_add_test(counts_tc, test_memory_to_memory_eight_clocks_per_byte);
    tcase_add_test(counts_tc, test_memory_to_memory_channel0_address_hold_fills);
    tcase_add_test(counts_tc, test_headline_rate_5mhz_normal_timing);
    tcase_add_test(counts_tc, test_preset_i8237a_is_5mhz);
    suite_add_tcase(s, counts_tc);

    TCase *modes = tcase_create("modes");
    tcase_set_timeout(modes, 60);
    tcase_add_test(modes, test_demand_mode_releases_when_dreq_drops);
    tcase_add_test(modes, test_demand_mode_lets_the_cpu_in_between_bursts);
    tcase_add_test(modes, test_mask_set_at_tc_unless_autoinitialize);
    tcase_add_test(modes, test_external_eop_aborts_after_the_byte_in_progress);
    tcase_add_loop_test(modes, test_external_eop_during_the_last_byte_is_terminal_count, 0, 2);
    tcase_add_test(modes, test_fixed_and_rotating_priority);
    tcase_add_test(modes, test_software_request_starts_block_mode_only);
    tcase_add_test(modes, test_pins_observed_single_mode_handshake_per_byte);
    suite_add_tcase(s, modes);

    TCase *pages = tcase_create("pages");
    tcase_add_test(pages, test_transfer_crossing_a_64k_page_is_refused);
    tcase_add_test(pages, test_page_crossing_programmed_through_ports_stops_the_run);
    tcase_add_test(pages, test_page_wrap_policy_wraps_like_the_hardware);
    tcase_add_test(pages, test_page_bits_limit_the_reach);
    tcase_add_test(pages, test_unmapped_memory_stops_the_run);
    suite_add_tcase(s, pages);

    TCase *prog = tcase_create("programming");
    tcase_set_timeout(prog, 60);
    tcase_add_test(prog, test_ports_flip_flop_status_and_master_clear);
    tcase_add_test(prog, test_dack_pin_follows_the_sense_bit);
    tcase_add_test(prog, test_bad_configuration_is_refused);
    tcase_add_test(prog, test_cpu_programs_it_with_byte_stores);
    tcase_add_test(prog, test_fast_path_equals_reference_path);
    suite_add_tcase(s, prog);
    return s;
}

int main(void)
{
    return tu_run_suite(i8237_suite());
}

/* The DMA modes and the CPU against the timing contract (docs/timing.md, rules R8..R19).
 *
 * Every expected cycle count below is computed from the rules and the configuration (bus
 * width, wait states, arbitration and address cycles, item size, count, CPU clock ratio), never
 * taken from an earlier run. Each rule is checked in several configurations, on the fast path
 * and on the per-cycle reference path, so a test cannot pass by accident.
 *
 * Property tests (from the issue): transparent mode leaves the CPU's cycle count exactly
 * unchanged (trace and synthetic workloads); cycle stealing delays a CPU request by at most one
 * unit; burst finishes first; with an idle CPU the modes differ only by re-arbitration; every
 * mode copies the same bytes; a scenario run twice gives identical statistics; and the fast path
 * gives exactly the statistics of the reference path. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

/* ======================================================================================= */
/* Private helpers                                                                          */
/* ======================================================================================= */

#define HI_BASE 0x20000000ull   /* second SRAM ("ram_hi", its own wait states) */
#define MEM_END 0x40000000ull   /* both SRAMs together: 1 GiB, the trace mask */
#define REG_BASE 0xF0000000ull  /* DMAC register file */
#define TRACE_MD5 DMASIM_TEST_DATA_DIR "/md5sum.lackey.gz"
#define TRACE_LINES 400000u

typedef struct tcfg {
    int reference;
    dmasim_time period;    /* bus period, ps */
    uint32_t width, arb, addr;
    uint32_t ws_lo, ws_hi; /* wait states of "ram" [0, HI_BASE) and "ram_hi" [HI_BASE, MEM_END) */
    uint32_t reg_ws;       /* DMAC register wait states */
    uint32_t max_burst;
    uint32_t channels;
    int with_cpu;
    uint32_t ratio;        /* CPU cycles per bus cycle */
    int dcache_enabled;
    uint32_t dc_size, dc_ways, dc_line, hit_cycles;
} tcfg;

static tcfg cfg_default(int reference)
{
    tcfg c;
    memset(&c, 0, sizeof c);
    c.reference = reference;
    c.period = 10000;
    c.width = 8;
    c.arb = 1;
    c.addr = 1;
    c.reg_ws = 1;
    c.channels = 4;
    c.with_cpu = 1;
    c.ratio = 4;
    c.dcache_enabled = 1;
    c.dc_size = 32768;
    c.dc_ways = 8;
    c.dc_line = 64;
    return c;
}

typedef struct tsys {
    tcfg c;
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
} tsys;

static void sys_init(tsys *s, const tcfg *c)
{
    memset(s, 0, sizeof *s);
    s->c = *c;
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.reference = c->reference;
    int err = dmasim_sim_create(&sc, &s->sim);
    ck_assert_msg(err == 0, "sim_create: %s", dmasim_strerror(err));

    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc);
    bc.period_ps = c->period;
    bc.width = c->width;
    bc.arbitration_cycles = c->arb;
    bc.address_cycles = c->addr;
    err = dmasim_bus_create(s->sim, &bc, &s->bus);
    ck_assert_msg(err == 0, "bus_create: %s", dmasim_sim_errmsg(s->sim));

    dmasim_sram_config rc;
    dmasim_sram_config_init(&rc);
    rc.name = "ram";
    rc.base = 0;
    rc.size = HI_BASE;
    rc.wait_states = c->ws_lo;
    err = dmasim_sram_create(s->bus, &rc);
    ck_assert_msg(err == 0, "sram_create: %s", dmasim_sim_errmsg(s->sim));
    rc.name = "ram_hi";
    rc.base = HI_BASE;
    rc.size = MEM_END - HI_BASE;
    rc.wait_states = c->ws_hi;
    err = dmasim_sram_create(s->bus, &rc);
    ck_assert_msg(err == 0, "sram_create: %s", dmasim_sim_errmsg(s->sim));

    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    dc.name = "dmac0";
    dc.channels = c->channels;
    dc.reg_base = REG_BASE;
    dc.reg_wait_states = c->reg_ws;
    dc.max_burst = c->max_burst;
    err = dmasim_dmac_create(s->bus, &dc, &s->dmac);
    ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(s->sim));

    if (c->with_cpu) {
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        cc.name = "cpu0";
        cc.clock_ratio = c->ratio;
        cc.dcache_enabled = c->dcache_enabled;
        cc.dcache.size = c->dc_size;
        cc.dcache.ways = c->dc_ways;
        cc.dcache.line = c->dc_line;
        cc.dcache.hit_cycles = c->hit_cycles;
        err = dmasim_cpu_create(s->bus, &cc, &s->cpu);
        ck_assert_msg(err == 0, "cpu_create: %s", dmasim_sim_errmsg(s->sim));
    }
}

static void sys_run(tsys *s)
{
    int err = dmasim_sim_run(s->sim);
    ck_assert_msg(err == 0, "sim_run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static void sys_free(tsys *s)
{
    dmasim_sim_destroy(s->sim);
    s->sim = NULL;
}

static uint64_t stat_get(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    int err = dmasim_sim_stat_u64(sim, path, &v);
    ck_assert_msg(err == 0, "no statistic %s", path);
    return v;
}

static dmasim_time cpu_period(const tcfg *c) { return c->period / c->ratio; }

static dmasim_time edge_of(const tcfg *c, dmasim_time t) { return dmasim_clock_edge_at_or_after(t, c->period); }

static void start_ch(tsys *s, unsigned ch, dmasim_addr src, dmasim_addr dst, uint64_t count, uint32_t item,
                     dmasim_dma_mode mode, int irq)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = dst;
    t.count = count;
    t.item_size = item;
    t.mode = mode;
    t.irq_enable = irq;
    int err = dmasim_dmac_channel_start(s->dmac, ch, &t);
    ck_assert_msg(err == 0, "channel_start: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static dmasim_dma_channel_status ch_status(tsys *s, unsigned ch)
{
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, ch, &st), 0);
    return st;
}

static void run_script(tsys *s, const dmasim_cpu_op *ops, size_t n)
{
    int err = dmasim_cpu_run_script(s->cpu, ops, n);
    ck_assert_msg(err == 0, "run_script: %s", dmasim_sim_errmsg(s->sim));
}

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

static uint8_t pattern_byte(uint64_t i, unsigned seed) { return (uint8_t)(i * 131u + (i >> 8) * 7u + seed); }

static void fill_pattern(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pattern_byte(i, seed);
    ck_assert_int_eq(dmasim_mem_write(sim, a, b, len), 0);
    free(b);
}

static void check_pattern(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed, const char *what)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(dmasim_mem_read(sim, a, b, len), 0);
    /* (one assertion, not one per byte: each passing Check assertion costs a pipe write) */
    size_t i = 0;
    while (i < len && b[i] == pattern_byte(i, seed))
        i++;
    uint8_t got = i < len ? b[i] : 0;
    free(b);
    ck_assert_msg(i == len, "%s: byte %zu at 0x%llx is 0x%02x, expected 0x%02x", what, i,
                  (unsigned long long)(a + i), got, pattern_byte(i, seed));
}

/* ---- expected cycles, from the rules ---- */

/* R3: the bus-width-aligned words that [a, a + len) covers. */
static uint64_t x_beats(const tcfg *c, dmasim_addr a, uint32_t len)
{
    return (a + len - 1) / c->width - a / c->width + 1;
}

static uint64_t x_ws(const tcfg *c, dmasim_addr a) { return a >= HI_BASE ? c->ws_hi : c->ws_lo; }

/* R3: cycles = addr + beats * (1 + ws), SRAM. */
static uint64_t x_txn(const tcfg *c, dmasim_addr a, uint32_t len)
{
    return c->addr + x_beats(c, a, len) * (1 + x_ws(c, a));
}

/* R9: one memory-to-memory unit. */
static uint64_t x_unit(const tcfg *c, dmasim_addr src, dmasim_addr dst, uint32_t item)
{
    return x_txn(c, src, item) + x_txn(c, dst, item);
}

/* Sum of the units of a block (addresses increment by item). */
static uint64_t x_units(const tcfg *c, dmasim_addr src, dmasim_addr dst, uint32_t item, uint64_t n)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += x_unit(c, src + i * item, dst + i * item, item);
    return sum;
}

static uint64_t x_unit_max(const tcfg *c, dmasim_addr src, dmasim_addr dst, uint32_t item, uint64_t n)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t u = x_unit(c, src + i * item, dst + i * item, item);
        if (u > m)
            m = u;
    }
    return m;
}

/* R19: one 4-byte register access (a transaction without the arbitration). */
static uint64_t x_reg(const tcfg *c, dmasim_addr a) { return c->addr + x_beats(c, a, 4) * (1 + c->reg_ws); }

/* R18: one line transfer (fill or write-back) of the line holding a. */
static uint64_t x_line(const tcfg *c, dmasim_addr a)
{
    return x_txn(c, a & ~(dmasim_addr)(c->dc_line - 1), c->dc_line);
}

/* Every statistic identical (same paths in the same order, same values). */
static void snap_compare(const tu_stat_snap *a, const tu_stat_snap *b, const char *what)
{
    char msg[2048] = "";
    int diffs = tu_snap_diff(a, b, what, msg, sizeof msg);
    ck_assert_msg(diffs == 0, "%d statistics differ:%s", diffs, msg);
}

/* ---- scenarios with a trace or synthetic CPU ---- */

enum { WL_IDLE, WL_TRACE, WL_SYNTH };

typedef struct scen {
    int workload;
    int dma;               /* 0: no channel started */
    dmasim_dma_mode mode;
    dmasim_addr src, dst;
    uint64_t count;
    uint32_t item;
    uint64_t synth_accesses;
} scen;

/* Start the CPU workload first (the limitation in docs/timing.md), then the channel, at 0. */
static void scen_start(tsys *s, const scen *sc)
{
    if (sc->workload == WL_TRACE) {
        dmasim_trace_config t;
        dmasim_trace_config_init(&t);
        t.path = TRACE_MD5;
        t.max_lines = TRACE_LINES;
        int err = dmasim_cpu_run_trace(s->cpu, &t);
        ck_assert_msg(err == 0, "run_trace: %s", dmasim_sim_errmsg(s->sim));
    } else if (sc->workload == WL_SYNTH) {
        dmasim_synthetic_config y;
        dmasim_synthetic_config_init(&y);
        y.accesses = sc->synth_accesses ? sc->synth_accesses : 20000;
        y.base = 0x00100000;
        y.working_set = 64 * 1024; /* 2 x the D1: misses, dirty write-backs and hits */
        y.read_percent = 70;
        y.compute_cycles = 16;
        y.size = 8;
        int err = dmasim_cpu_run_synthetic(s->cpu, &y);
        ck_assert_msg(err == 0, "run_synthetic: %s", dmasim_sim_errmsg(s->sim));
    }
    if (sc->dma) {
        fill_pattern(s->sim, sc->src, (size_t)(sc->count * sc->item), 7);
        start_ch(s, 0, sc->src, sc->dst, sc->count, sc->item, sc->mode, 1);
    }
}

/* Two configurations for the property tests: A is the default bus, B a narrow bus with wait
 * states, two arbitration cycles and an unaligned source (item 16 = 5 beats on 4 bytes). */
static void prop_config(int which, int reference, tcfg *c, scen *sc, int workload)
{
    *c = cfg_default(reference);
    memset(sc, 0, sizeof *sc);
    sc->workload = workload;
    sc->dma = 1;
    if (which == 0) {
        sc->src = 0x08000000;
        sc->dst = HI_BASE + 0x08000000;
        sc->item = 8;
        sc->count = 1024;
    } else {
        c->width = 4;
        c->arb = 2;
        c->ws_lo = 1;
        c->ws_hi = 3;
        c->ratio = 2;
        sc->src = 0x08000002;
        sc->dst = HI_BASE + 0x08000000;
        sc->item = 16;
        sc->count = 512;
    }
}

/* Run a scenario to the end; returns the channel's status (and the sim stays for the caller). */
static void scen_run(tsys *s, const tcfg *c, const scen *sc)
{
    sys_init(s, c);
    scen_start(s, sc);
    sys_run(s);
    ck_assert(dmasim_cpu_finished(s->cpu) || sc->workload == WL_IDLE);
    if (sc->dma) {
        dmasim_dma_channel_status st = ch_status(s, 0);
        ck_assert_msg(!st.busy && st.tc && !st.error && st.items_done == sc->count,
                      "channel did not complete (busy %d tc %d error %d items %llu)", st.busy, st.tc, st.error,
                      (unsigned long long)st.items_done);
        check_pattern(s->sim, sc->dst, (size_t)(sc->count * sc->item), 7, "destination");
    }
}

static uint64_t cpu_end_ps(tsys *s) { return dmasim_cpu_cycles(s->cpu) * cpu_period(&s->c); }

/* ---- IRQ recorder ---- */

typedef struct irq_log {
    int n;
    uint64_t value[8];
    dmasim_time t[8];
} irq_log;

static void irq_record(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    irq_log *l = ctx;
    if (l->n < 8) {
        l->value[l->n] = value;
        l->t[l->n] = t;
    }
    l->n++;
}

/* ======================================================================================= */
/* R8: wait attribution                                                                     */
/* ======================================================================================= */

/* A DMAC burst owns the bus from 0 to E = (arb + units) cycles. The CPU computes one CPU cycle,
 * then misses: it requests at one CPU period (not a bus edge). Its wait from the first edge (P)
 * to E is the DMAC's; the alignment P - Pcpu and its own tenure are its own. */
START_TEST(test_r8_wait_attribution)
{
    for (int cfgi = 0; cfgi < 2; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            if (cfgi == 1) {
                c.ratio = 2;
                c.arb = 2;
                c.addr = 0;
                c.ws_lo = 3;
                c.ws_hi = 1;
                c.width = 16;
            }
            tsys s;
            sys_init(&s, &c);
            const dmasim_addr src = 0x100000, dst = HI_BASE + 0x100000, x = 0x200000;
            const uint64_t n = 6;
            const uint32_t item = 8;
            dmasim_cpu_op ops[] = {op_compute(1), op_load(x, 8)};
            run_script(&s, ops, 2);
            fill_pattern(s.sim, src, n * item, 1);
            start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_BURST, 0);
            sys_run(&s);

            const dmasim_time P = c.period, Pc = cpu_period(&c);
            const dmasim_time E = (c.arb + x_units(&c, src, dst, item, n)) * P;
            const uint64_t F = c.arb + x_line(&c, x);
            const dmasim_time end = E + F * P;
            ck_assert_uint_eq(ch_status(&s, 0).end_time, E);
            ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), end / Pc);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles"), (end - Pc) / Pc);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), (E - P) / Pc);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.cpu0"), F * c.ratio + (c.ratio - 1));
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.wait_by.dmac0"), (E - P) / P);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.wait_by.cpu0"), (P - Pc) / P);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.wait_cycles"), (E - Pc) / P);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.wait_by.cpu0"), 0);
            check_pattern(s.sim, dst, n * item, 1, "r8 destination");
            sys_free(&s);
        }
}
END_TEST

/* ======================================================================================= */
/* R9: the unit                                                                             */
/* ======================================================================================= */

START_TEST(test_r9_unit)
{
    struct {
        uint32_t width, arb, addr, ws_lo, ws_hi, item;
        dmasim_addr src, dst; /* src in "ram", dst in "ram_hi" */
    } cases[] = {
        {8, 1, 1, 0, 0, 8, 0x1000, HI_BASE + 0x2000},          /* 1 + 1 beats */
        {8, 0, 1, 0, 3, 8, 0x1004, HI_BASE + 0x2000},          /* src = 4 mod 8: 2 beats */
        {4, 2, 2, 3, 0, 16, 0x1000, HI_BASE + 0x2000},         /* item 16 on 4 bytes: 4 beats */
        {4, 1, 0, 1, 1, 16, 0x1002, HI_BASE + 0x2001},         /* unaligned: 5 + 5 beats */
        {16, 2, 3, 0, 2, 1, 0x100F, HI_BASE + 0x2003},         /* one byte: 1 beat */
        {8, 1, 1, 2, 0, 64, 0x1003, HI_BASE + 0x2000},         /* 9 + 8 beats */
        {32, 1, 1, 1, 1, 64, 0x1010, HI_BASE + 0x2020},        /* 3 + 2 beats */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            c.width = cases[k].width;
            c.arb = cases[k].arb;
            c.addr = cases[k].addr;
            c.ws_lo = cases[k].ws_lo;
            c.ws_hi = cases[k].ws_hi;
            c.with_cpu = 0;
            tsys s;
            sys_init(&s, &c);
            const uint32_t item = cases[k].item;
            const dmasim_addr src = cases[k].src, dst = cases[k].dst;
            fill_pattern(s.sim, src, item, 3);
            start_ch(&s, 0, src, dst, 1, item, DMASIM_DMA_BURST, 1);
            sys_run(&s);
            const uint64_t br = x_beats(&c, src, item), bw = x_beats(&c, dst, item);
            const uint64_t unit = (c.addr + br * (1 + c.ws_lo)) + (c.addr + bw * (1 + c.ws_hi));
            ck_assert_uint_eq(unit, x_unit(&c, src, dst, item));
            dmasim_dma_channel_status st = ch_status(&s, 0);
            ck_assert_msg(st.end_time == (c.arb + unit) * c.period, "case %zu ref %d: end %llu, expected %llu", k,
                          ref, (unsigned long long)st.end_time,
                          (unsigned long long)((c.arb + unit) * c.period));
            ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.completion_cycles"), c.arb + unit);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.transactions"), 2);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.beats"), br + bw);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.bytes"), 2 * item);
            ck_assert_uint_eq(stat_get(s.sim, "dmac0.units"), 1);
            check_pattern(s.sim, dst, item, 3, "r9 destination");
            sys_free(&s);
        }
}
END_TEST

/* ======================================================================================= */
/* R10: terminal count                                                                      */
/* ======================================================================================= */

START_TEST(test_r10_terminal_count)
{
    const dmasim_dma_mode modes[] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING, DMASIM_DMA_TRANSPARENT};
    for (int m = 0; m < 3; m++)
        for (int ref = 0; ref < 2; ref++)
            for (int irq_en = 0; irq_en < 2; irq_en++) {
                tcfg c = cfg_default(ref);
                c.arb = 2;
                c.ws_hi = 1;
                c.with_cpu = 0;
                tsys s;
                sys_init(&s, &c);
                irq_log log;
                memset(&log, 0, sizeof log);
                ck_assert_int_eq(dmasim_signal_subscribe(dmasim_dmac_irq(s.dmac), irq_record, &log), 0);
                const dmasim_addr src = 0x3000, dst = HI_BASE + 0x3004;
                const uint64_t n = 5;
                const uint32_t item = 8;
                fill_pattern(s.sim, src, n * item, 4);
                start_ch(&s, 2, src, dst, n, item, modes[m], irq_en);
                sys_run(&s);
                const uint64_t units = x_units(&c, src, dst, item, n);
                const uint64_t cyc = modes[m] == DMASIM_DMA_BURST ? c.arb + units : n * c.arb + units;
                dmasim_dma_channel_status st = ch_status(&s, 2);
                ck_assert_uint_eq(st.start_time, 0);
                ck_assert_uint_eq(st.end_time, cyc * c.period);
                ck_assert_int_eq(st.tc, 1);
                ck_assert_int_eq(st.busy, 0);
                ck_assert_int_eq(st.error, 0);
                ck_assert_uint_eq(st.items_done, n);
                ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.completion_cycles"), cyc);
                if (irq_en) {
                    ck_assert_int_eq(log.n, 1);
                    ck_assert_uint_eq(log.value[0], 1);
                    ck_assert_uint_eq(log.t[0], st.end_time);
                    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
                } else {
                    ck_assert_int_eq(log.n, 0);
                }
                check_pattern(s.sim, dst, n * item, 4, "r10 destination");
                sys_free(&s);
            }
}
END_TEST

/* ======================================================================================= */
/* R11: register start                                                                      */
/* ======================================================================================= */

/* The CPU programs channel 1 with six uncached 32-bit writes (each its own tenure: arbitration,
 * address phase, beats with reg_wait_states), then waits for the interrupt, reads STATUS and
 * writes it back. The channel starts when the CTRL write's data beat ends. Returns the channel's
 * start and end times with the values the rules give. */
static tu_outcome r11_case(int cfgi, int mode, int ref)
{
    tu_outcome o = {0};
    tcfg c = cfg_default(ref);
    if (cfgi == 1) {
        c.width = 2; /* a 32-bit register access is 2 beats */
        c.arb = 2;
        c.addr = 0;
        c.reg_ws = 3;
        c.ratio = 1;
        c.ws_lo = 1;
    } else if (cfgi == 2) {
        c.arb = 0;
        c.addr = 2;
        c.reg_ws = 0;
        c.ratio = 8;
        c.ws_hi = 2;
    }
    tsys s;
    sys_init(&s, &c);
    irq_log log;
    memset(&log, 0, sizeof log);
    ck_assert_int_eq(dmasim_cpu_set_irq(s.cpu, dmasim_dmac_irq(s.dmac)), 0);
    ck_assert_int_eq(dmasim_signal_subscribe(dmasim_dmac_irq(s.dmac), irq_record, &log), 0);
    const unsigned ch = 1;
    const dmasim_addr src = 0x5000, dst = HI_BASE + 0x6000;
    const uint64_t n = 7;
    const uint32_t item = 16;
    fill_pattern(s.sim, src, n * item, 5);
    dmasim_cpu_op ops[2];
    memset(ops, 0, sizeof ops);
    ops[0].kind = DMASIM_OP_DMA_START;
    ops[0].a = REG_BASE;
    ops[0].b = src;
    ops[0].c = dst;
    ops[0].d = n;
    ops[0].channel = ch;
    ops[0].item_size = item;
    ops[0].mode = (uint32_t)mode;
    ops[1].kind = DMASIM_OP_DMA_WAIT;
    ops[1].a = REG_BASE;
    ops[1].channel = ch;
    run_script(&s, ops, 2);
    sys_run(&s);

    ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 0);
    const dmasim_time P = c.period, Pc = cpu_period(&c);
    const dmasim_addr regs = REG_BASE + ch * DMASIM_DMAC_CH_STRIDE;
    const uint32_t offs[6] = {DMASIM_DMAC_SRC_LO, DMASIM_DMAC_SRC_HI, DMASIM_DMAC_DST_LO,
                              DMASIM_DMAC_DST_HI, DMASIM_DMAC_COUNT, DMASIM_DMAC_CTRL};
    uint64_t prog = 0;
    for (int k = 0; k < 6; k++)
        prog += c.arb + x_reg(&c, regs + offs[k]);
    const dmasim_time S = prog * P;
    const uint64_t units = x_units(&c, src, dst, item, n);
    /* The CPU waits for the interrupt: it does not need the bus, so transparent
     * units always fit and equal cycle stealing (R16). */
    const uint64_t dma = mode == DMASIM_DMA_BURST ? c.arb + units : n * c.arb + units;
    const dmasim_time end = S + dma * P;
    const uint64_t ws = c.arb + x_reg(&c, regs + DMASIM_DMAC_STATUS);
    dmasim_dma_channel_status st = ch_status(&s, ch);
    tu_outcome_set(&o, 0, "start time (ps)", st.start_time, S);
    tu_outcome_set(&o, 1, "end time (ps)", st.end_time, end);
    ck_assert_uint_eq(st.items_done, n);
    ck_assert_int_eq(st.tc, 0); /* cleared by the STATUS write-back */
    ck_assert(log.n >= 1);
    ck_assert_uint_eq(log.value[0], 1);
    ck_assert_uint_eq(log.t[0], end);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
    ck_assert(dmasim_cpu_finished(s.cpu));
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (end + 2 * ws * P) / Pc);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.irq_waits"), 1);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.irq_wait_cycles"), (end - S) / Pc);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.uncached_accesses"), 8);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.grants"), 8);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu) & DMASIM_DMAC_STATUS_TC, DMASIM_DMAC_STATUS_TC);
    check_pattern(s.sim, dst, n * item, 5, "r11 destination");
    sys_free(&s);
    return o;
}

START_TEST(test_r11_register_start)
{
    for (int cfgi = 0; cfgi < 3; cfgi += 2)
        for (int mode = 0; mode < 3; mode++)
            for (int ref = 0; ref < 2; ref++) {
                const tu_outcome o = r11_case(cfgi, mode, ref);
                for (int k = 0; k < 2; k++)
                    ck_assert_msg(o.got[k] == o.want[k], "cfg %d mode %d ref %d: %s %llu, expected %llu", cfgi, mode,
                                  ref, o.what[k], (unsigned long long)o.got[k], (unsigned long long)o.want[k]);
            }
}
END_TEST

/* The same on a 2-byte bus: each 32-bit register write is one transaction of two beats (R3,
 * R19), and the channel starts when the CTRL write's last beat ends. */
START_TEST(test_r11_register_start_narrow_bus)
{
    for (int mode = 0; mode < 3; mode++)
        for (int ref = 0; ref < 2; ref++) {
            const tu_outcome o = r11_case(1, mode, ref);
            for (int k = 0; k < 2; k++)
                ck_assert_msg(o.got[k] == o.want[k], "cfg %d mode %d ref %d: %s %llu, expected %llu", 1, mode, ref,
                              o.what[k], (unsigned long long)o.got[k], (unsigned long long)o.want[k]);
        }
}
END_TEST

/* The STATUS write-back that clears TC is a register write with a side effect: like the CTRL
 * start (R11, include/dmasim/bus.h: dmasim_bus_data_time), it takes effect when the write's
 * data beat ends, on both paths, so the interrupt line falls at the same time in a trace. */
START_TEST(test_r11_status_clear_at_write_data_beat)
{
    for (int ref = 0; ref < 2; ref++) {
        tcfg c = cfg_default(ref);
        c.reg_ws = 2;
        tsys s;
        sys_init(&s, &c);
        irq_log log;
        memset(&log, 0, sizeof log);
        ck_assert_int_eq(dmasim_cpu_set_irq(s.cpu, dmasim_dmac_irq(s.dmac)), 0);
        ck_assert_int_eq(dmasim_signal_subscribe(dmasim_dmac_irq(s.dmac), irq_record, &log), 0);
        dmasim_cpu_op ops[2];
        memset(ops, 0, sizeof ops);
        ops[0].kind = DMASIM_OP_DMA_START;
        ops[0].a = REG_BASE;
        ops[0].b = 0x1000;
        ops[0].c = HI_BASE;
        ops[0].d = 4;
        ops[0].item_size = 8;
        ops[0].mode = DMASIM_DMA_BURST;
        ops[1].kind = DMASIM_OP_DMA_WAIT;
        ops[1].a = REG_BASE;
        run_script(&s, ops, 2);
        sys_run(&s);
        dmasim_dma_channel_status st = ch_status(&s, 0);
        const uint64_t ws = c.arb + x_reg(&c, REG_BASE + DMASIM_DMAC_STATUS);
        ck_assert_int_eq(log.n, 2);
        ck_assert_uint_eq(log.t[0], st.end_time);
        ck_assert_uint_eq(log.value[1], 0);
        ck_assert_msg(log.t[1] == st.end_time + 2 * ws * c.period,
                      "ref %d: irq fell at %llu, expected the end of the STATUS write's data beat %llu", ref,
                      (unsigned long long)log.t[1], (unsigned long long)(st.end_time + 2 * ws * c.period));
        sys_free(&s);
    }
}
END_TEST

/* ======================================================================================= */
/* R12: burst                                                                               */
/* ======================================================================================= */

START_TEST(test_r12_burst_holds_bus)
{
    for (int cfgi = 0; cfgi < 3; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            dmasim_addr src = 0x2000, dst = HI_BASE + 0x4000;
            uint32_t item = 8;
            uint64_t n = 12;
            if (cfgi == 1) {
                c.width = 4;
                c.arb = 2;
                c.ws_lo = 3;
                c.ratio = 2;
                item = 16;
                src = 0x2002;
            } else if (cfgi == 2) {
                c.arb = 0;
                c.addr = 2;
                c.ws_hi = 1;
                item = 4;
                dst = HI_BASE + 0x4006;
                n = 9;
            }
            const uint64_t units = x_units(&c, src, dst, item, n);

            /* (a) nobody else on the bus: completion = arb + N * unit, one grant */
            tsys s;
            sys_init(&s, &c);
            fill_pattern(s.sim, src, n * item, 6);
            start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_BURST, 1);
            sys_run(&s);
            ck_assert_uint_eq(ch_status(&s, 0).end_time, (c.arb + units) * c.period);
            ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.completion_cycles"), c.arb + units);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), 1);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.owned_cycles"), c.arb + units);
            check_pattern(s.sim, dst, n * item, 6, "r12 destination");
            sys_free(&s);

            /* (b) max_burst M: ceil(N / M) tenures, each paying arb */
            for (uint32_t mb = 1; mb <= 5; mb += 2) {
                tcfg c2 = c;
                c2.max_burst = mb;
                sys_init(&s, &c2);
                fill_pattern(s.sim, src, n * item, 6);
                start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_BURST, 1);
                sys_run(&s);
                const uint64_t tenures = (n + mb - 1) / mb;
                ck_assert_uint_eq(ch_status(&s, 0).end_time, (tenures * c.arb + units) * c.period);
                ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), tenures);
                check_pattern(s.sim, dst, n * item, 6, "r12 max_burst destination");
                sys_free(&s);
            }

            /* (c) a CPU request made at the same edge waits until the release (R4: the DMAC
             * wins), its whole wait charged to the DMAC */
            sys_init(&s, &c);
            const dmasim_addr x = 0x300000;
            dmasim_cpu_op ops[] = {op_load(x, 8)};
            run_script(&s, ops, 1);
            fill_pattern(s.sim, src, n * item, 6);
            start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_BURST, 1);
            sys_run(&s);
            const dmasim_time E = (c.arb + units) * c.period;
            ck_assert_uint_eq(ch_status(&s, 0).end_time, E);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles"), c.arb + units);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), E / cpu_period(&c));
            ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (E + (c.arb + x_line(&c, x)) * c.period) / cpu_period(&c));
            sys_free(&s);
        }
}
END_TEST

/* ======================================================================================= */
/* R13: cycle stealing with nobody else on the bus                                          */
/* ======================================================================================= */

START_TEST(test_r13_cycle_stealing_one_unit_per_grant)
{
    for (int cfgi = 0; cfgi < 3; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            dmasim_addr src = 0x8000, dst = HI_BASE + 0x9000;
            uint32_t item = 8;
            uint64_t n = 10;
            if (cfgi == 1) {
                c.width = 4;
                c.arb = 2;
                c.ws_hi = 3;
                item = 16;
                src = 0x8002;
            } else if (cfgi == 2) {
                c.arb = 0; /* no re-arbitration cost: burst == cycle stealing */
                c.ws_lo = 1;
                item = 32;
                n = 7;
            }
            const uint64_t units = x_units(&c, src, dst, item, n);
            dmasim_time end[2];
            for (int m = 0; m < 2; m++) {
                tsys s;
                sys_init(&s, &c);
                fill_pattern(s.sim, src, n * item, 8);
                start_ch(&s, 0, src, dst, n, item, m ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST, 1);
                sys_run(&s);
                end[m] = ch_status(&s, 0).end_time;
                if (m) {
                    ck_assert_uint_eq(end[m], (n * c.arb + units) * c.period);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), n);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.arbitration_cycles"), n * c.arb);
                    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.completion_cycles"), n * c.arb + units);
                }
                check_pattern(s.sim, dst, n * item, 8, "r13 destination");
                sys_free(&s);
            }
            /* burst + (N - 1) * arb: the modes differ only by re-arbitration */
            ck_assert_uint_eq(end[1] - end[0], (n - 1) * c.arb * c.period);
        }
}
END_TEST

/* ======================================================================================= */
/* R14: cycle stealing, the CPU waits at most one unit                                      */
/* ======================================================================================= */

/* The two configurations of the R14 tests: the default one, and a 4-byte bus with 2 arbitration
 * cycles, wait states 1 and 3, CPU clock ratio 2 and unaligned 16-byte items. */
static void r14_config(int cfgi, int ref, tcfg *c, dmasim_addr *src, dmasim_addr *dst, uint32_t *item)
{
    *c = cfg_default(ref);
    *src = 0x10000;
    *dst = HI_BASE + 0x10000;
    *item = 8;
    if (cfgi == 1) {
        c->width = 4;
        c->arb = 2;
        c->ws_lo = 1;
        c->ws_hi = 3;
        c->ratio = 2;
        *item = 16;
        *src = 0x10002;
    }
}

/* Cycle stealing, CPU request at r2 after its first tenure ended at g1: the number of DMAC units
 * (U bus cycles of period P each) after g1 until the CPU is granted at a unit's end (R6). */
static uint64_t r14_units_before_grant(dmasim_time g1, dmasim_time r2, uint64_t U, dmasim_time P)
{
    uint64_t j = 1;
    while (g1 + j * U * P < r2)
        j++;
    return j;
}

/* Exact: the CPU misses at 0 (the DMAC wins the edge, R4, so the CPU waits one whole unit plus
 * its arbitration: the bound, reached), then computes k cycles and misses again in the middle
 * of a unit: it is granted at the end of that unit (R6), and the DMAC resumes after the CPU. */
START_TEST(test_r14_cycle_stealing_cpu_waits_at_most_one_unit)
{
    for (int cfgi = 0; cfgi < 2; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c;
            dmasim_addr src, dst;
            uint32_t item;
            r14_config(cfgi, ref, &c, &src, &dst, &item);
            const uint64_t n = 20;
            const dmasim_time P = c.period, Pc = cpu_period(&c);
            const uint64_t U = c.arb + x_unit(&c, src, dst, item); /* same for every item here */
            ck_assert_uint_eq(x_unit_max(&c, src, dst, item, n) + c.arb, U);
            const dmasim_addr a = 0x400000, b = 0x500000;
            const uint64_t k = c.ratio * U + 1; /* lands strictly inside a unit */
            for (int m = 0; m < 2; m++) {
                tsys s;
                sys_init(&s, &c);
                dmasim_cpu_op ops[] = {op_load(a, 8), op_compute(k), op_load(b, 8)};
                run_script(&s, ops, 3);
                fill_pattern(s.sim, src, n * item, 9);
                start_ch(&s, 0, src, dst, n, item, m ? DMASIM_DMA_CYCLE_STEALING : DMASIM_DMA_BURST, 1);
                sys_run(&s);
                const dmasim_time Fa = (c.arb + x_line(&c, a)) * P, Fb = (c.arb + x_line(&c, b)) * P;
                dmasim_dma_channel_status st = ch_status(&s, 0);
                if (!m) { /* burst: the CPU waits for the whole block */
                    const dmasim_time E = (c.arb + n * (U - c.arb)) * P;
                    ck_assert_uint_eq(st.end_time, E);
                    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (edge_of(&c, E + Fa + k * Pc) + Fb) / Pc);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles"), E / P);
                } else {
                    const dmasim_time g1 = U * P + Fa;       /* end of the CPU's first tenure */
                    const dmasim_time r2 = g1 + k * Pc;      /* second request */
                    const uint64_t j = r14_units_before_grant(g1, r2, U, P);
                    const dmasim_time g2 = g1 + j * U * P;
                    ck_assert_uint_lt(1 + j, n);
                    const dmasim_time end = g2 + Fb + (n - 1 - j) * U * P;
                    ck_assert_msg(st.end_time == end, "cfg %d ref %d: end %llu, expected %llu", cfgi, ref,
                                  (unsigned long long)st.end_time, (unsigned long long)end);
                    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), (g2 + Fb) / Pc);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles"), U);
                    ck_assert_uint_le(stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles"), U);
                    ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"),
                                      (U * P + g2 - edge_of(&c, r2)) / Pc);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), n);
                    /* later than burst */
                    ck_assert_uint_gt(end, (c.arb + n * (U - c.arb)) * P);
                }
                check_pattern(s.sim, dst, n * item, 9, "r14 destination");
                sys_free(&s);
            }
        }
}
END_TEST

/* The boundary of R14 (with R6): the CPU's second request lands exactly on the end of a stolen
 * unit, or within the bus cycle before it. Either way the CPU is requesting at that edge, so it
 * is granted there, before the DMAC's next unit (which yielded); one CPU cycle later it would
 * wait for the next unit. Same computation as test_r14_cycle_stealing_cpu_waits_at_most_one_unit,
 * on both paths (the fast path must not fold the DMAC's re-grant past a CPU request). */
START_TEST(test_r14_cpu_request_at_a_unit_end_is_granted_before_the_next_unit)
{
    for (int cfgi = 0; cfgi < 2; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c;
            dmasim_addr src, dst;
            uint32_t item;
            r14_config(cfgi, ref, &c, &src, &dst, &item);
            const uint64_t n = 20;
            const dmasim_time P = c.period, Pc = cpu_period(&c);
            const uint64_t U = c.arb + x_unit(&c, src, dst, item);
            ck_assert_uint_eq(x_unit_max(&c, src, dst, item, n) + c.arb, U);
            const dmasim_addr a = 0x400000, b = 0x500000;
            /* request one CPU cycle before a unit's end, at it, and one CPU cycle after it */
            const uint64_t ks[3] = {c.ratio * U - 1, c.ratio * U, c.ratio * U + 1};
            for (int ki = 0; ki < 3; ki++) {
                const uint64_t k = ks[ki];
                tsys s;
                sys_init(&s, &c);
                dmasim_cpu_op ops[] = {op_load(a, 8), op_compute(k), op_load(b, 8)};
                run_script(&s, ops, 3);
                fill_pattern(s.sim, src, n * item, 9);
                start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_CYCLE_STEALING, 1);
                sys_run(&s);
                const dmasim_time Fa = (c.arb + x_line(&c, a)) * P, Fb = (c.arb + x_line(&c, b)) * P;
                const dmasim_time g1 = U * P + Fa; /* end of the CPU's first tenure */
                const dmasim_time r2 = g1 + k * Pc; /* second request */
                const uint64_t j = r14_units_before_grant(g1, r2, U, P);
                ck_assert_uint_eq(j, ki < 2 ? 1 : 2);
                const dmasim_time g2 = g1 + j * U * P;
                const dmasim_time end = g2 + Fb + (n - 1 - j) * U * P;
                dmasim_dma_channel_status st = ch_status(&s, 0);
                ck_assert_msg(st.end_time == end, "cfg %d ref %d k %llu: end %llu, expected %llu", cfgi, ref,
                              (unsigned long long)k, (unsigned long long)st.end_time, (unsigned long long)end);
                ck_assert_msg(dmasim_cpu_cycles(s.cpu) == (g2 + Fb) / Pc,
                              "cfg %d ref %d k %llu: CPU %llu, expected %llu", cfgi, ref, (unsigned long long)k,
                              (unsigned long long)dmasim_cpu_cycles(s.cpu), (unsigned long long)((g2 + Fb) / Pc));
                ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.grants"), n);
                check_pattern(s.sim, dst, n * item, 9, "r14 boundary destination");
                sys_free(&s);
            }
        }
}
END_TEST

/* Property, with the md5sum trace: no single CPU wait exceeds arb + unit, and the DMA finishes
 * later than in burst mode. */
START_TEST(test_r14_cycle_stealing_trace_property)
{
    for (int which = 0; which < 2; which++) {
        tcfg c;
        scen sc;
        prop_config(which, 0, &c, &sc, WL_TRACE);
        const uint64_t bound = c.arb + x_unit_max(&c, sc.src, sc.dst, sc.item, sc.count);
        tsys s;
        sc.mode = DMASIM_DMA_CYCLE_STEALING;
        scen_run(&s, &c, &sc);
        const dmasim_time cs_end = ch_status(&s, 0).end_time;
        const uint64_t maxw = stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles");
        ck_assert_msg(maxw <= bound, "config %d: CPU waited %llu cycles, more than arb + unit = %llu", which,
                      (unsigned long long)maxw, (unsigned long long)bound);
        ck_assert_uint_gt(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), 0); /* the DMA did get in the way */
        sys_free(&s);
        sc.mode = DMASIM_DMA_BURST;
        scen_run(&s, &c, &sc);
        const dmasim_time burst_end = ch_status(&s, 0).end_time;
        sys_free(&s);
        ck_assert_uint_gt(cs_end, burst_end);
    }
}
END_TEST

/* ======================================================================================= */
/* R15: transparent                                                                         */
/* ======================================================================================= */

/* Exact: CPU computes c1, misses A, computes c2, misses B. A transparent unit (U = arb + unit)
 * is started only if it ends by the edge of the CPU's next request. */
START_TEST(test_r15_transparent_never_delays_others)
{
    for (int cfgi = 0; cfgi < 2; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            dmasim_addr src = 0x20000, dst = HI_BASE + 0x20000;
            uint32_t item = 8;
            uint64_t c1 = 12 * 4 + 1, c2 = 11 * 4;
            if (cfgi == 1) {
                c.width = 4;
                c.arb = 2;
                c.ws_lo = 1;
                c.ws_hi = 3;
                c.ratio = 2;
                item = 16;
                src = 0x20002;
                c1 = 2 * 30 + 1;
                c2 = 2 * 47 + 1;
            }
            const uint64_t n = 10;
            const dmasim_time P = c.period, Pc = cpu_period(&c);
            const uint64_t U = c.arb + x_unit(&c, src, dst, item);
            ck_assert_uint_eq(x_unit_max(&c, src, dst, item, n) + c.arb, U);
            const dmasim_addr a = 0x600000, b = HI_BASE + 0x700000;
            dmasim_time cpu_ps[2];
            for (int dma = 0; dma < 2; dma++) {
                tsys s;
                sys_init(&s, &c);
                dmasim_cpu_op ops[] = {op_compute(c1), op_load(a, 8), op_compute(c2), op_load(b, 8)};
                run_script(&s, ops, 4);
                if (dma) {
                    fill_pattern(s.sim, src, n * item, 10);
                    start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_TRANSPARENT, 1);
                }
                sys_run(&s);
                const dmasim_time e1 = edge_of(&c, c1 * Pc), f1 = e1 + (c.arb + x_line(&c, a)) * P;
                const dmasim_time e2 = edge_of(&c, f1 + c2 * Pc), f2 = e2 + (c.arb + x_line(&c, b)) * P;
                cpu_ps[dma] = dmasim_cpu_cycles(s.cpu) * Pc;
                ck_assert_uint_eq(cpu_ps[dma], f2);
                if (dma) {
                    uint64_t k0 = e1 / (U * P);
                    if (k0 > n)
                        k0 = n;
                    uint64_t k1 = (e2 - f1) / (U * P);
                    if (k1 > n - k0)
                        k1 = n - k0;
                    ck_assert_msg(k0 > 0 && k1 > 0 && k0 + k1 < n, "scenario must use all three gaps");
                    const dmasim_time end = f2 + (n - k0 - k1) * U * P;
                    dmasim_dma_channel_status st = ch_status(&s, 0);
                    ck_assert_msg(st.end_time == end, "cfg %d ref %d: end %llu, expected %llu", cfgi, ref,
                                  (unsigned long long)st.end_time, (unsigned long long)end);
                    ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), 0);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.wait_by.dmac0"), 0);
                    check_pattern(s.sim, dst, n * item, 10, "r15 destination");
                }
                sys_free(&s);
            }
            ck_assert_uint_eq(cpu_ps[0], cpu_ps[1]);
        }
}
END_TEST

/* The boundary of R15: a transparent unit that ends exactly at the edge of the CPU's next
 * request (the CPU requesting at that edge or within the bus cycle before it) still fits and is
 * started. CPU: compute c1, miss A, compute c2, miss B, with c1 and c2 chosen so that the gaps
 * before the two requests hold exactly m0 and m1 units (U = arb + unit): the DMA does m0 units
 * before A, m1 between A and B, the rest after B; the CPU's time is that without DMA. */
START_TEST(test_r15_transparent_unit_ending_at_the_cpu_request_edge_fits)
{
    for (int cfgi = 0; cfgi < 2; cfgi++)
        for (int early = 0; early < 2; early++)
            for (int ref = 0; ref < 2; ref++) {
                tcfg c = cfg_default(ref);
                dmasim_addr src = 0x20000, dst = HI_BASE + 0x20000;
                uint32_t item = 8;
                if (cfgi == 1) {
                    c.width = 4;
                    c.arb = 2;
                    c.ws_lo = 1;
                    c.ws_hi = 3;
                    c.ratio = 2;
                    item = 16;
                    src = 0x20002;
                }
                const uint64_t n = 10, m0 = 3, m1 = 2;
                const dmasim_time P = c.period, Pc = cpu_period(&c);
                const uint64_t U = c.arb + x_unit(&c, src, dst, item);
                ck_assert_uint_eq(x_unit_max(&c, src, dst, item, n) + c.arb, U);
                const uint64_t c1 = c.ratio * m0 * U - (uint64_t)early, c2 = c.ratio * m1 * U - (uint64_t)early;
                const dmasim_addr a = 0x600000, b = HI_BASE + 0x700000;
                tsys s;
                sys_init(&s, &c);
                dmasim_cpu_op ops[] = {op_compute(c1), op_load(a, 8), op_compute(c2), op_load(b, 8)};
                run_script(&s, ops, 4);
                fill_pattern(s.sim, src, n * item, 11);
                start_ch(&s, 0, src, dst, n, item, DMASIM_DMA_TRANSPARENT, 1);
                sys_run(&s);
                const dmasim_time e1 = edge_of(&c, c1 * Pc), f1 = e1 + (c.arb + x_line(&c, a)) * P;
                const dmasim_time e2 = edge_of(&c, f1 + c2 * Pc), f2 = e2 + (c.arb + x_line(&c, b)) * P;
                ck_assert_uint_eq(e1, m0 * U * P); /* the gaps hold the units exactly */
                ck_assert_uint_eq(e2 - f1, m1 * U * P);
                ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu) * Pc, f2);
                const dmasim_time end = f2 + (n - m0 - m1) * U * P;
                dmasim_dma_channel_status st = ch_status(&s, 0);
                ck_assert_msg(st.end_time == end, "cfg %d early %d ref %d: end %llu, expected %llu", cfgi, early, ref,
                              (unsigned long long)st.end_time, (unsigned long long)end);
                ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), 0);
                check_pattern(s.sim, dst, n * item, 11, "r15 boundary destination");
                sys_free(&s);
            }
}
END_TEST

/* R15 on configuration `which`: returns the CPU's cycles with transparent DMA (want: without DMA)
 * and its stall cycles charged to the DMAC (want: 0). */
static tu_outcome transparent_property(int workload, int which)
{
    tu_outcome o = {0};
    tcfg c;
    scen sc;
    prop_config(which, 0, &c, &sc, workload);
    sc.mode = DMASIM_DMA_TRANSPARENT;
    tsys s;
    scen dry = sc;
    dry.dma = 0;
    scen_run(&s, &c, &dry);
    const uint64_t cycles0 = dmasim_cpu_cycles(s.cpu);
    const uint64_t stall0 = stat_get(s.sim, "cpu0.stall_cycles");
    sys_free(&s);

    scen_run(&s, &c, &sc);
    tu_outcome_set(&o, 0, "CPU cycles with transparent DMA", dmasim_cpu_cycles(s.cpu), cycles0);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles"), stall0);
    tu_outcome_set(&o, 1, "stall cycles by dmac0", stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), 0);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.wait_by.dmac0"), 0);
    /* the scenario is meaningful: the DMA ran in the CPU's idle bus time, not after it */
    ck_assert_msg(ch_status(&s, 0).end_time < cpu_end_ps(&s), "config %d: DMA did not interleave with the CPU",
                  which);
    sys_free(&s);
    return o;
}

START_TEST(test_r15_transparent_trace_cpu_cycles_unchanged)
{
    for (int which = 0; which < 2; which++) {
        const tu_outcome o = transparent_property(WL_TRACE, which);
        tu_assert_outcome(o, which ? "configuration 1" : "configuration 0");
    }
}
END_TEST

START_TEST(test_r15_transparent_synthetic_cpu_cycles_unchanged)
{
    for (int which = 0; which < 2; which++) {
        const tu_outcome o = transparent_property(WL_SYNTH, which);
        tu_assert_outcome(o, which ? "configuration 1" : "configuration 0");
    }
}
END_TEST

/* ======================================================================================= */
/* R16: transparent == cycle stealing when idle                                             */
/* ======================================================================================= */

START_TEST(test_r16_transparent_equals_cycle_stealing_when_idle)
{
    for (int cfgi = 0; cfgi < 3; cfgi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            dmasim_addr src = 0x30000, dst = HI_BASE + 0x30000;
            uint32_t item = 8;
            uint64_t n = 16;
            if (cfgi == 1) {
                c.width = 4;
                c.arb = 2;
                c.ws_lo = 3;
                item = 16;
                src = 0x30002;
            } else if (cfgi == 2) {
                c.width = 16;
                c.addr = 0;
                c.ws_hi = 1;
                item = 64;
                dst = HI_BASE + 0x30008;
                n = 5;
            }
            const uint64_t units = x_units(&c, src, dst, item, n);
            dmasim_time end[3];
            uint64_t grants[3];
            for (int m = 0; m < 3; m++) {
                tsys s;
                sys_init(&s, &c); /* the CPU exists but has no workload: it never requests */
                fill_pattern(s.sim, src, n * item, 11);
                start_ch(&s, 0, src, dst, n, item, (dmasim_dma_mode)m, 1);
                sys_run(&s);
                end[m] = ch_status(&s, 0).end_time;
                grants[m] = stat_get(s.sim, "bus0.master.dmac0.grants");
                check_pattern(s.sim, dst, n * item, 11, "r16 destination");
                sys_free(&s);
            }
            ck_assert_uint_eq(end[DMASIM_DMA_BURST], (c.arb + units) * c.period);
            ck_assert_uint_eq(end[DMASIM_DMA_CYCLE_STEALING], (n * c.arb + units) * c.period);
            ck_assert_uint_eq(end[DMASIM_DMA_TRANSPARENT], end[DMASIM_DMA_CYCLE_STEALING]);
            ck_assert_uint_eq(end[DMASIM_DMA_CYCLE_STEALING] - end[DMASIM_DMA_BURST], (n - 1) * c.arb * c.period);
            ck_assert_uint_eq(grants[DMASIM_DMA_TRANSPARENT], n);
            ck_assert_uint_eq(grants[DMASIM_DMA_CYCLE_STEALING], n);
            ck_assert_uint_eq(grants[DMASIM_DMA_BURST], 1);
        }
}
END_TEST

/* ======================================================================================= */
/* R17: CPU clock                                                                           */
/* ======================================================================================= */

static void write_trace(char *path, size_t n, const char *text)
{
    snprintf(path, n, "/tmp/dmasim_test_modes_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp failed");
    size_t len = strlen(text);
    ck_assert_int_eq((long)write(fd, text, len), (long)len);
    close(fd);
}

static uint64_t run_small_trace(const tcfg *c, const char *path, uint32_t cpi, uint64_t *instructions)
{
    tsys s;
    sys_init(&s, c);
    dmasim_trace_config t;
    dmasim_trace_config_init(&t);
    t.path = path;
    t.cpi = cpi;
    int err = dmasim_cpu_run_trace(s.cpu, &t);
    ck_assert_msg(err == 0, "run_trace: %s", dmasim_sim_errmsg(s.sim));
    sys_run(&s);
    uint64_t cyc = dmasim_cpu_cycles(s.cpu);
    if (instructions)
        *instructions = stat_get(s.sim, "cpu0.instructions");
    sys_free(&s);
    return cyc;
}

START_TEST(test_r17_cpu_clock)
{
    /* (a) the CPU period is P / clock_ratio: k compute cycles, then a miss at k * Pc, granted at
     * the next bus edge */
    const uint32_t ratios[] = {1, 3, 4, 8};
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++)
        for (int ref = 0; ref < 2; ref++)
            for (uint64_t k = 0; k <= 9; k += 3) {
                tcfg c = cfg_default(ref);
                c.period = 12000; /* divisible by every ratio above */
                c.ratio = ratios[i];
                tsys s;
                sys_init(&s, &c);
                const dmasim_addr x = 0x40000;
                dmasim_cpu_op ops[] = {op_compute(k), op_load(x, 4)};
                run_script(&s, ops, 2);
                sys_run(&s);
                const uint64_t r = c.ratio;
                const uint64_t expect = (k + r - 1) / r * r + (c.arb + x_line(&c, x)) * r;
                ck_assert_msg(dmasim_cpu_cycles(s.cpu) == expect, "ratio %u k %llu: %llu cycles, expected %llu",
                              c.ratio, (unsigned long long)k, (unsigned long long)dmasim_cpu_cycles(s.cpu),
                              (unsigned long long)expect);
                sys_free(&s);
            }

    /* (b) trace replay: an I line costs cpi CPU cycles; a hit costs hit_cycles */
    static const char base_trace[] = "I  00400000,4\n"
                                     "I  00400004,4\n"
                                     " L 00041000,8\n" /* cold miss */
                                     "I  00400008,4\n"
                                     "I  0040000c,4\n"
                                     "I  00400010,4\n";
    static const char hits_trace[] = "I  00400000,4\n"
                                     "I  00400004,4\n"
                                     " L 00041000,8\n"
                                     "I  00400008,4\n"
                                     " L 00041008,8\n" /* three hits in the same line */
                                     " S 00041010,4\n"
                                     " M 00041018,8\n"
                                     "I  0040000c,4\n"
                                     "I  00400010,4\n";
    char p1[64], p2[64];
    write_trace(p1, sizeof p1, base_trace);
    write_trace(p2, sizeof p2, hits_trace);
    const uint32_t cpis[] = {1, 3, 0};
    for (size_t i = 0; i < sizeof cpis / sizeof cpis[0]; i++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            c.ratio = 4;
            c.ws_lo = (uint32_t)i;
            const uint64_t cpi = cpis[i], r = c.ratio;
            const uint64_t fill = (c.arb + x_line(&c, 0x41000)) * r;
            uint64_t ins = 0;
            /* hit_cycles 0: 5 I lines, the miss requested after 2 of them (aligned to a bus edge) */
            const uint64_t expect = (2 * cpi + r - 1) / r * r + fill + 3 * cpi;
            ck_assert_uint_eq(run_small_trace(&c, p1, (uint32_t)cpi, &ins), expect);
            ck_assert_uint_eq(ins, 5);
            ck_assert_uint_eq(run_small_trace(&c, p2, (uint32_t)cpi, NULL), expect);
            /* hit_cycles h: each of the three extra hits costs h more */
            c.hit_cycles = 5;
            const uint64_t with_hits = run_small_trace(&c, p2, (uint32_t)cpi, NULL);
            const uint64_t without = run_small_trace(&c, p1, (uint32_t)cpi, NULL);
            ck_assert_uint_eq(with_hits - without, 3 * c.hit_cycles);
        }
    unlink(p1);
    unlink(p2);
}
END_TEST

/* ======================================================================================= */
/* R18: CPU miss                                                                            */
/* ======================================================================================= */

START_TEST(test_r18_cpu_miss)
{
    const uint32_t widths[] = {8, 32, 4};
    for (size_t wi = 0; wi < 3; wi++)
        for (int ref = 0; ref < 2; ref++) {
            tcfg c = cfg_default(ref);
            c.width = widths[wi];
            c.ws_lo = (uint32_t)wi;
            c.ws_hi = 2;
            c.arb = wi == 1 ? 0 : 2;
            c.ratio = 2;
            c.dc_size = 4096; /* direct mapped, 64 sets of 64 bytes */
            c.dc_ways = 1;
            c.dc_line = 64;
            tsys s;
            sys_init(&s, &c);
            const dmasim_addr a = HI_BASE + 0x10000;  /* set 0 */
            const dmasim_addr a2 = a + 4096;          /* set 0: evicts a (dirty) */
            const dmasim_addr b = 0x20000 + 60;       /* straddles 0x20000 (set 0) and 0x20040 (set 1) */
            dmasim_cpu_op ops[] = {op_store(a, 8, 0x1122334455667788ull), op_load(a2, 8), op_load(b, 8),
                                   op_load(b, 8)};
            run_script(&s, ops, 4);
            sys_run(&s);
            const uint64_t t1 = c.arb + x_line(&c, a);                      /* fill */
            const uint64_t t2 = c.arb + x_line(&c, a) + x_line(&c, a2);     /* write-back + fill */
            const uint64_t t3 = c.arb + x_line(&c, b) + x_line(&c, b + 8);  /* two fills */
            const uint64_t expect = (t1 + t2 + t3) * c.ratio;               /* the last load hits */
            ck_assert_msg(dmasim_cpu_cycles(s.cpu) == expect, "width %u ref %d: %llu cycles, expected %llu",
                          c.width, ref, (unsigned long long)dmasim_cpu_cycles(s.cpu), (unsigned long long)expect);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles"), expect);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.cpu0"), expect);
            ck_assert_uint_eq(stat_get(s.sim, "cpu0.stall_cycles_by.dmac0"), 0);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.grants"), 3); /* one tenure per miss */
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.transactions"), 5);
            ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.bytes"), 5 * c.dc_line);
            /* the write-back really wrote the stored value */
            uint8_t buf[8];
            ck_assert_int_eq(dmasim_mem_read(s.sim, a, buf, 8), 0);
            ck_assert_uint_eq(buf[0], 0x88);
            ck_assert_uint_eq(buf[7], 0x11);
            sys_free(&s);
        }
}
END_TEST

/* ======================================================================================= */
/* R19: uncached access                                                                     */
/* ======================================================================================= */

/* Returns the CPU cycles of (a) the register accesses and (b) the accesses with the D1 disabled,
 * with the values R19 gives. */
static tu_outcome r19_case(int cfgi, int ref)
{
    tu_outcome o = {0};
    tcfg c = cfg_default(ref);
    if (cfgi == 1) {
        c.width = 2;
        c.arb = 2;
        c.addr = 0;
        c.reg_ws = 3;
        c.ws_lo = 1;
        c.ratio = 1;
    }
    /* (a) device registers are not cacheable: one transaction of the access's size */
    tsys s;
    sys_init(&s, &c);
    const dmasim_addr reg = REG_BASE + 2 * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_COUNT;
    dmasim_cpu_op ops[] = {op_store(reg, 4, 0x1234), op_load(reg, 4)};
    run_script(&s, ops, 2);
    sys_run(&s);
    ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 0);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.bus_errors"), 0);
    const uint64_t w = c.arb + x_reg(&c, reg);
    tu_outcome_set(&o, 0, "CPU cycles of the register store and load", dmasim_cpu_cycles(s.cpu),
                   2 * w * c.ratio);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0x1234);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.uncached_accesses"), 2);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.bytes"), 8);
    dmasim_cache_stats cs;
    dmasim_cache_get_stats(dmasim_cpu_dcache(s.cpu), &cs);
    ck_assert_uint_eq(cs.read_accesses + cs.write_accesses, 0);
    sys_free(&s);

    /* (b) D1 disabled: every access is one transaction of its size */
    tcfg c2 = c;
    c2.dcache_enabled = 0;
    sys_init(&s, &c2);
    ck_assert_ptr_null(dmasim_cpu_dcache(s.cpu));
    const dmasim_addr x = 0x50004; /* 4 mod 8 */
    const dmasim_addr y = 0x50107; /* 7 mod 8 */
    dmasim_cpu_op ops2[] = {op_store(x, 8, 0x0102030405060708ull), op_load(x, 8), op_store(y, 2, 0xBEEF),
                            op_load(y, 2)};
    run_script(&s, ops2, 4);
    sys_run(&s);
    const uint64_t expect =
        (2 * (c2.arb + x_txn(&c2, x, 8)) + 2 * (c2.arb + x_txn(&c2, y, 2))) * c2.ratio;
    tu_outcome_set(&o, 1, "CPU cycles without D1", dmasim_cpu_cycles(s.cpu), expect);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0xBEEF);
    ck_assert_uint_eq(stat_get(s.sim, "cpu0.uncached_accesses"), 4);
    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.cpu0.beats"),
                      2 * x_beats(&c2, x, 8) + 2 * x_beats(&c2, y, 2));
    uint8_t buf[8];
    ck_assert_int_eq(dmasim_mem_read(s.sim, x, buf, 8), 0);
    ck_assert_uint_eq(buf[0], 0x08);
    ck_assert_uint_eq(buf[7], 0x01);
    sys_free(&s);
    return o;
}

START_TEST(test_r19_uncached_access)
{
    for (int ref = 0; ref < 2; ref++) {
        const tu_outcome o = r19_case(0, ref);
        tu_assert_outcome(o, ref ? "reference path" : "fast path");
    }
}
END_TEST

/* The same on a 2-byte bus: a 32-bit register access is one transaction of two beats; it
 * must reach the register file as one 4-byte access on both paths. */
START_TEST(test_r19_uncached_access_narrow_bus)
{
    for (int ref = 0; ref < 2; ref++) {
        const tu_outcome o = r19_case(1, ref);
        tu_assert_outcome(o, ref ? "reference path" : "fast path");
    }
}
END_TEST

/* ======================================================================================= */
/* Properties across the modes                                                              */
/* ======================================================================================= */

/* Burst finishes first; the CPU (first miss a few cycles after 0) waits about the whole block. */
START_TEST(test_burst_finishes_first_cpu_waits_for_block)
{
    for (int which = 0; which < 2; which++) {
        tcfg c;
        scen sc;
        prop_config(which, 0, &c, &sc, WL_TRACE);
        dmasim_time end[3];
        for (int m = 0; m < 3; m++) {
            sc.mode = (dmasim_dma_mode)m;
            tsys s;
            scen_run(&s, &c, &sc);
            end[m] = ch_status(&s, 0).end_time;
            if (m == DMASIM_DMA_BURST) {
                const uint64_t block = c.arb + x_units(&c, sc.src, sc.dst, sc.item, sc.count);
                ck_assert_uint_eq(end[m], block * c.period); /* nobody interrupts a burst */
                const uint64_t maxw = stat_get(s.sim, "bus0.master.cpu0.max_wait_cycles");
                ck_assert_msg(maxw <= block && maxw + 1 >= block, "config %d: max wait %llu, block %llu", which,
                              (unsigned long long)maxw, (unsigned long long)block);
            }
            sys_free(&s);
        }
        ck_assert_uint_lt(end[DMASIM_DMA_BURST], end[DMASIM_DMA_CYCLE_STEALING]);
        ck_assert_uint_lt(end[DMASIM_DMA_BURST], end[DMASIM_DMA_TRANSPARENT]);
    }
}
END_TEST

/* Every mode copies the same bytes (a source pattern, unaligned, over page boundaries). */
START_TEST(test_all_modes_identical_destination_bytes)
{
    for (int which = 0; which < 2; which++) {
        tcfg c;
        scen sc;
        prop_config(which, 0, &c, &sc, WL_SYNTH);
        sc.synth_accesses = 5000;
        const size_t len = (size_t)(sc.count * sc.item);
        uint8_t *out[3];
        for (int m = 0; m < 3; m++) {
            sc.mode = (dmasim_dma_mode)m;
            tsys s;
            scen_run(&s, &c, &sc); /* checks the pattern itself */
            out[m] = malloc(len);
            ck_assert_ptr_nonnull(out[m]);
            ck_assert_int_eq(dmasim_mem_read(s.sim, sc.dst, out[m], len), 0);
            sys_free(&s);
        }
        ck_assert_int_eq(memcmp(out[0], out[1], len), 0);
        ck_assert_int_eq(memcmp(out[0], out[2], len), 0);
        for (int m = 0; m < 3; m++)
            free(out[m]);
    }
}
END_TEST

START_TEST(test_same_scenario_twice_identical_stats)
{
    for (int m = -1; m < 3; m++) {
        tcfg c;
        scen sc;
        prop_config(m < 0 ? 0 : m % 2, 0, &c, &sc, WL_TRACE);
        sc.dma = m >= 0;
        sc.mode = (dmasim_dma_mode)(m < 0 ? 0 : m);
        tu_stat_snap snap[2];
        for (int run = 0; run < 2; run++) {
            tsys s;
            scen_run(&s, &c, &sc);
            tu_snap_take(s.sim, &snap[run]);
            sys_free(&s);
        }
        ck_assert_uint_gt(snap[0].n, 20);
        char what[64];
        snprintf(what, sizeof what, "mode %d, run twice", m);
        snap_compare(&snap[0], &snap[1], what);
        tu_snap_free(&snap[0]);
        tu_snap_free(&snap[1]);
    }
}
END_TEST

/* Every statistic of the main scenario (md5sum trace CPU, one channel) identical on the fast
 * and the reference path, in every mode and without DMA, in two configurations; and the same
 * destination bytes. All cases run before the verdict, so the message lists every difference. */
START_TEST(test_fast_path_equals_reference_path)
{
    char msg[4096] = "";
    int total = 0;
    for (int which = 0; which < 2; which++)
        for (int m = -1; m < 3; m++) {
            tcfg c;
            scen sc;
            tu_stat_snap snap[2];
            uint8_t *bytes[2] = {NULL, NULL};
            size_t len = 0;
            for (int ref = 0; ref < 2; ref++) {
                prop_config(which, ref, &c, &sc, WL_TRACE);
                sc.dma = m >= 0;
                sc.mode = (dmasim_dma_mode)(m < 0 ? 0 : m);
                tsys s;
                scen_run(&s, &c, &sc);
                tu_snap_take(s.sim, &snap[ref]);
                if (sc.dma) {
                    len = (size_t)(sc.count * sc.item);
                    bytes[ref] = malloc(len);
                    ck_assert_ptr_nonnull(bytes[ref]);
                    ck_assert_int_eq(dmasim_mem_read(s.sim, sc.dst, bytes[ref], len), 0);
                }
                sys_free(&s);
            }
            char what[64];
            snprintf(what, sizeof what, "config %d %s", which,
                     m < 0 ? "no DMA" : dmasim_dma_mode_name((dmasim_dma_mode)m));
            total += tu_snap_diff(&snap[0], &snap[1], what, msg, sizeof msg);
            if (len)
                ck_assert_int_eq(memcmp(bytes[0], bytes[1], len), 0);
            tu_snap_free(&snap[0]);
            tu_snap_free(&snap[1]);
            free(bytes[0]);
            free(bytes[1]);
        }
    ck_assert_msg(total == 0, "fast vs reference: %d statistics differ (fast vs reference):%s", total, msg);
}
END_TEST

/* ======================================================================================= */
/* Errors                                                                                   */
/* ======================================================================================= */

/* Channel 0's destination is unmapped: its first write fails (R7: addr + 1 cycles), the channel
 * stops with ERR and raises the interrupt. Channel 1 and the CPU go on to completion; channel 2
 * (unmapped source) fails on its first read. All burst: the DMAC keeps winning (R4). */
START_TEST(test_error_unmapped_stops_channel_others_complete)
{
    for (int ref = 0; ref < 2; ref++) {
        tcfg c = cfg_default(ref);
        c.arb = 2;
        c.ws_lo = 1;
        tsys s;
        sys_init(&s, &c);
        irq_log log;
        memset(&log, 0, sizeof log);
        ck_assert_int_eq(dmasim_signal_subscribe(dmasim_dmac_irq(s.dmac), irq_record, &log), 0);
        scen sc;
        memset(&sc, 0, sizeof sc);
        sc.workload = WL_SYNTH;
        sc.synth_accesses = 3000;
        scen_start(&s, &sc);
        const dmasim_addr bad = 0x80000000ull;
        const dmasim_addr src0 = 0x60000, src1 = 0x61000, dst1 = HI_BASE + 0x61000;
        const uint64_t n1 = 9;
        const uint32_t item = 8;
        fill_pattern(s.sim, src0, 64, 12);
        fill_pattern(s.sim, src1, n1 * item, 13);
        start_ch(&s, 0, src0, bad, 4, item, DMASIM_DMA_BURST, 1);
        start_ch(&s, 1, src1, dst1, n1, item, DMASIM_DMA_BURST, 1);
        start_ch(&s, 2, bad + 0x100, dst1 + 0x1000, 4, item, DMASIM_DMA_BURST, 1);
        sys_run(&s);
        const dmasim_time P = c.period;
        const dmasim_time t0 = (c.arb + x_txn(&c, src0, item) + c.addr + 1) * P;
        const dmasim_time t1 = t0 + (c.arb + x_units(&c, src1, dst1, item, n1)) * P;
        const dmasim_time t2 = t1 + (c.arb + c.addr + 1) * P;

        dmasim_dma_channel_status st = ch_status(&s, 0);
        ck_assert_int_eq(st.error, 1);
        ck_assert_int_eq(st.err, DMASIM_EUNMAPPED);
        ck_assert_uint_eq(st.err_addr, bad);
        ck_assert_int_eq(st.tc, 0);
        ck_assert_int_eq(st.busy, 0);
        ck_assert_uint_eq(st.items_done, 0);
        ck_assert_uint_eq(st.end_time, t0);
        ck_assert(log.n >= 1);
        ck_assert_uint_eq(log.value[0], 1);
        ck_assert_uint_eq(log.t[0], t0);

        st = ch_status(&s, 1);
        ck_assert_int_eq(st.error, 0);
        ck_assert_int_eq(st.tc, 1);
        ck_assert_uint_eq(st.items_done, n1);
        ck_assert_uint_eq(st.end_time, t1);
        check_pattern(s.sim, dst1, n1 * item, 13, "channel 1 destination");

        st = ch_status(&s, 2);
        ck_assert_int_eq(st.error, 1);
        ck_assert_int_eq(st.err, DMASIM_EUNMAPPED);
        ck_assert_uint_eq(st.err_addr, bad + 0x100);
        ck_assert_uint_eq(st.end_time, t2);

        ck_assert(dmasim_cpu_finished(s.cpu));
        ck_assert_uint_eq(stat_get(s.sim, "cpu0.loads") + stat_get(s.sim, "cpu0.stores"), 3000);
        ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch0.errors"), 1);
        ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch2.errors"), 1);
        ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.bus_errors"), 2);
        ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1);
        ck_assert(!dmasim_dmac_busy(s.dmac));
        sys_free(&s);
    }
}
END_TEST

START_TEST(test_channel_start_rejects_bad_arguments)
{
    tcfg c = cfg_default(0);
    c.with_cpu = 0;
    tsys s;
    sys_init(&s, &c);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x1000;
    t.dst = HI_BASE;
    t.count = 0;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t), DMASIM_ERANGE);
    t.count = 4;
    const uint32_t bad_items[] = {0, 3, 12, 128, 256};
    for (size_t i = 0; i < sizeof bad_items / sizeof bad_items[0]; i++) {
        t.item_size = bad_items[i];
        ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t), DMASIM_ERANGE);
    }
    t.item_size = 8;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, c.channels, &t), DMASIM_EINVAL);
    ck_assert(!dmasim_dmac_busy(s.dmac));
    fill_pattern(s.sim, t.src, 32, 14);
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t), 0);
    dmasim_dma_transfer t2 = t;
    t2.dst = HI_BASE + 0x1000;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t2), DMASIM_EBUSY);
    ck_assert_int_eq(dmasim_sim_run_until(s.sim, c.period), 0); /* still busy mid-transfer */
    ck_assert(dmasim_dmac_busy(s.dmac));
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t2), DMASIM_EBUSY);
    sys_run(&s);
    /* the rejected starts changed nothing: the first transfer completed as programmed */
    dmasim_dma_channel_status st = ch_status(&s, 0);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_uint_eq(st.items_done, 4);
    ck_assert_uint_eq(st.end_time, (c.arb + x_units(&c, t.src, t.dst, 8, 4)) * c.period);
    check_pattern(s.sim, t.dst, 32, 14, "destination");
    uint8_t z[32], zero[32];
    memset(zero, 0, sizeof zero);
    ck_assert_int_eq(dmasim_mem_read(s.sim, t2.dst, z, 32), 0);
    ck_assert_int_eq(memcmp(z, zero, 32), 0);
    /* once finished, the channel can be started again */
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t2), 0);
    sys_run(&s);
    check_pattern(s.sim, t2.dst, 32, 14, "second destination");
    sys_free(&s);
}
END_TEST

/* ======================================================================================= */

static Suite *modes_suite(void)
{
    Suite *s = suite_create("modes");
    TCase *rules = tcase_create("rules");
    tcase_set_timeout(rules, 60);
    tcase_add_test(rules, test_r8_wait_attribution);
    tcase_add_test(rules, test_r9_unit);
    tcase_add_test(rules, test_r10_terminal_count);
    tcase_add_test(rules, test_r11_register_start);
    tcase_add_test(rules, test_r11_register_start_narrow_bus);
    tcase_add_test(rules, test_r11_status_clear_at_write_data_beat);
    tcase_add_test(rules, test_r12_burst_holds_bus);
    tcase_add_test(rules, test_r13_cycle_stealing_one_unit_per_grant);
    tcase_add_test(rules, test_r14_cycle_stealing_cpu_waits_at_most_one_unit);
    tcase_add_test(rules, test_r14_cpu_request_at_a_unit_end_is_granted_before_the_next_unit);
    tcase_add_test(rules, test_r15_transparent_never_delays_others);
    tcase_add_test(rules, test_r15_transparent_unit_ending_at_the_cpu_request_edge_fits);
    tcase_add_test(rules, test_r16_transparent_equals_cycle_stealing_when_idle);
    tcase_add_test(rules, test_r17_cpu_clock);
    tcase_add_test(rules, test_r18_cpu_miss);
    tcase_add_test(rules, test_r19_uncached_access);
    tcase_add_test(rules, test_r19_uncached_access_narrow_bus);
    suite_add_tcase(s, rules);

    TCase *props = tcase_create("properties");
    tcase_set_timeout(props, 120);
    tcase_add_test(props, test_r14_cycle_stealing_trace_property);
    tcase_add_test(props, test_r15_transparent_trace_cpu_cycles_unchanged);
    tcase_add_test(props, test_r15_transparent_synthetic_cpu_cycles_unchanged);
    tcase_add_test(props, test_burst_finishes_first_cpu_waits_for_block);
    tcase_add_test(props, test_all_modes_identical_destination_bytes);
    tcase_add_test(props, test_same_scenario_twice_identical_stats);
    tcase_add_test(props, test_fast_path_equals_reference_path);
    suite_add_tcase(s, props);

    TCase *errs = tcase_create("errors");
    tcase_add_test(errs, test_error_unmapped_stops_channel_others_complete);
    tcase_add_test(errs, test_channel_start_rejects_bad_arguments);
    suite_add_tcase(s, errs);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(modes_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

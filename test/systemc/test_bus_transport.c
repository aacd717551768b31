/* Version-2 bus slaves (dmasim_bus_slave_ops2.transport): the bytes and the wait states of a
 * transaction in one call, as the SystemC wrapper needs to forward a transaction to a TLM target
 * whose delay is only known after b_transport. The rules (include/dmasim/bus.h): one call per
 * timed transaction on both paths, so the reference path equals the fast path; a transport slave
 * that asks for the wait states of an SRAM gives exactly the SRAM's results; version-1 tables
 * are unchanged. Also: a debug write of CTRL.START starts the channel at the current time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dmasim/dmasim.h"
#include "testutil.h"

/* ---- a transport slave backed by the simulation's memory ---- */

typedef struct tslave {
    dmasim_sim *sim;
    uint32_t ws;              /* wait states per beat, as an SRAM */
    dmasim_addr fail_lo, fail_hi;
    uint64_t calls, null_calls, bad_args;
} tslave;

static int t_transport(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                       uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states)
{
    tslave *s = ctx;
    s->calls++;
    uint64_t want = (addr + len - 1) / beat_bytes - addr / beat_bytes + 1;
    if (beats != want || beat_bytes != 8 || t % 10000 || len == 0)
        s->bad_args++;
    *wait_states = (uint64_t)s->ws * beats;
    if (addr < s->fail_hi && addr + len > s->fail_lo)
        return DMASIM_EBUSERR;
    if (!buf) {
        s->null_calls++;
        return 0;
    }
    return is_write ? dmasim_mem_write(s->sim, addr, buf, len) : dmasim_mem_read(s->sim, addr, buf, len);
}

static int t_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    tslave *s = ctx;
    return dmasim_mem_read(s->sim, addr, buf, len);
}

static int t_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    tslave *s = ctx;
    return dmasim_mem_write(s->sim, addr, buf, len);
}

/* Predictions (transparent mode's look-ahead). */
static uint64_t t_wait_states(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes, int is_write,
                              dmasim_time t, int commit)
{
    (void)addr;
    (void)beat_bytes;
    (void)is_write;
    (void)t;
    tslave *s = ctx;
    if (commit) /* a version-2 slave is never asked to commit wait states */
        s->bad_args++;
    return (uint64_t)s->ws * beats;
}

static const dmasim_bus_slave_ops2 t_ops = {{2, t_read, t_write, t_wait_states}, t_transport};

/* ---- the system: bus, memory (SRAM or transport slave), optional CPU, DMAC ---- */

enum { MEM_SRAM, MEM_TRANSPORT };

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
    tslave slave;
} sys;

#define MEM_SIZE (16u << 20)
#define SRC 0x200000u
#define DST 0x300000u
#define WS 2u

static void sys_build(sys *s, int mem, int reference)
{
    memset(s, 0, sizeof *s);
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    if (mem == MEM_SRAM) {
        tu_sram(s->bus, 0, MEM_SIZE, WS);
    } else {
        s->slave.sim = s->sim;
        s->slave.ws = WS;
        ck_assert_int_eq(dmasim_bus_map(s->bus, "tmem", 0, MEM_SIZE, DMASIM_SLAVE_CACHEABLE, &t_ops.v1, &s->slave), 0);
    }
    ck_assert_int_eq(dmasim_dmac_create(s->bus, NULL, &s->dmac), 0);
}

static void sys_cpu_synthetic(sys *s)
{
    ck_assert_int_eq(dmasim_cpu_create(s->bus, NULL, &s->cpu), 0);
    dmasim_synthetic_config sc;
    dmasim_synthetic_config_init(&sc);
    sc.accesses = 3000;
    sc.base = 0x100000;
    sc.working_set = 256 * 1024;
    ck_assert_int_eq(dmasim_cpu_run_synthetic(s->cpu, &sc), 0);
}

static void sys_copy(sys *s, dmasim_dma_mode mode, uint64_t count, uint32_t item, dmasim_addr src)
{
    uint8_t buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    for (uint64_t off = 0; off < count * item; off += sizeof buf)
        ck_assert_int_eq(dmasim_mem_write(s->sim, src + off, buf, sizeof buf), 0);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = DST;
    t.count = count;
    t.item_size = item;
    t.mode = mode;
    ck_assert_int_eq(dmasim_dmac_channel_start(s->dmac, 0, &t), 0);
}

static void sys_run(sys *s)
{
    int rc = dmasim_sim_run(s->sim);
    ck_assert_msg(rc == 0, "run: %s: %s", dmasim_strerror(rc), dmasim_sim_errmsg(s->sim));
}

/* Every statistic equal (same registration order, same values) and the same final time. */
static void assert_same(sys *a, sys *b, const char *what)
{
    ck_assert_msg(dmasim_sim_now(a->sim) == dmasim_sim_now(b->sim), "%s: end %llu vs %llu ps", what,
                  (unsigned long long)dmasim_sim_now(a->sim), (unsigned long long)dmasim_sim_now(b->sim));
    dmasim_sim_stats_update(a->sim);
    dmasim_sim_stats_update(b->sim);
    size_t n = dmasim_sim_stat_count(a->sim);
    ck_assert_uint_eq(n, dmasim_sim_stat_count(b->sim));
    for (size_t i = 0; i < n; i++) {
        const dmasim_stat *x = dmasim_sim_stat_at(a->sim, i), *y = dmasim_sim_stat_at(b->sim, i);
        ck_assert_str_eq(x->path, y->path);
        if (x->kind == DMASIM_STAT_U64)
            ck_assert_msg(*(const uint64_t *)x->value == *(const uint64_t *)y->value, "%s: %s: %llu vs %llu", what,
                          x->path, (unsigned long long)*(const uint64_t *)x->value,
                          (unsigned long long)*(const uint64_t *)y->value);
        else
            ck_assert_msg(*(const double *)x->value == *(const double *)y->value, "%s: %s: %g vs %g", what, x->path,
                          *(const double *)x->value, *(const double *)y->value);
    }
}

static void assert_same_bytes(sys *a, sys *b, dmasim_addr addr, size_t len)
{
    uint8_t *x = malloc(len), *y = malloc(len);
    ck_assert(x && y);
    dmasim_mem_read(a->sim, addr, x, len);
    dmasim_mem_read(b->sim, addr, y, len);
    ck_assert_msg(memcmp(x, y, len) == 0, "bytes at 0x%llx differ", (unsigned long long)addr);
    free(x);
    free(y);
}

static void destroy(sys *s) { dmasim_sim_destroy(s->sim); }

/* ---- tests ---- */

static const dmasim_dma_mode modes[] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING, DMASIM_DMA_TRANSPARENT};

/* A transport slave with an SRAM's wait states gives the SRAM's results, with a CPU and a DMAC
 * competing for the bus, on the fast and the reference path (four runs, one result). */
START_TEST(test_transport_slave_equals_sram_on_both_paths)
{
    dmasim_dma_mode mode = modes[_i];
    sys runs[4];
    for (int k = 0; k < 4; k++) {
        sys_build(&runs[k], k & 1 ? MEM_TRANSPORT : MEM_SRAM, k >> 1);
        sys_cpu_synthetic(&runs[k]);
        sys_copy(&runs[k], mode, 700, 16, SRC + 4);
        sys_run(&runs[k]);
    }
    assert_same(&runs[0], &runs[1], "sram vs transport (fast)");
    assert_same(&runs[0], &runs[2], "fast vs reference (sram)");
    assert_same(&runs[0], &runs[3], "sram fast vs transport reference");
    for (int k = 1; k < 4; k++)
        assert_same_bytes(&runs[0], &runs[k], DST, 700 * 16);
    ck_assert_uint_eq(runs[1].slave.bad_args, 0);
    ck_assert_uint_eq(runs[3].slave.bad_args, 0);
    /* once per transaction on both paths */
    uint64_t txns = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(runs[1].sim, "bus0.transactions", &txns), 0);
    ck_assert_uint_eq(runs[1].slave.calls, txns);
    ck_assert_uint_eq(runs[3].slave.calls, txns);
    for (int k = 0; k < 4; k++)
        destroy(&runs[k]);
}
END_TEST

/* A timing-only transaction (the trace CPU's line fills carry no data) reaches transport() with
 * buf == NULL and the same timing. */
START_TEST(test_transport_timing_only_gets_null_buffer)
{
    char path[512];
    sys runs[2];
    for (int k = 0; k < 2; k++) {
        sys_build(&runs[k], k ? MEM_TRANSPORT : MEM_SRAM, 0);
        ck_assert_int_eq(dmasim_cpu_create(runs[k].bus, NULL, &runs[k].cpu), 0);
        dmasim_trace_config tc;
        dmasim_trace_config_init(&tc);
        tc.path = tu_data_path(path, sizeof path, "md5sum.lackey.gz");
        tc.max_lines = 50000;
        tc.mask = MEM_SIZE - 1;
        ck_assert_int_eq(dmasim_cpu_run_trace(runs[k].cpu, &tc), 0);
        sys_run(&runs[k]);
    }
    assert_same(&runs[0], &runs[1], "sram vs transport (trace)");
    ck_assert_uint_gt(runs[1].slave.calls, 0);
    ck_assert_uint_eq(runs[1].slave.null_calls, runs[1].slave.calls);
    ck_assert_uint_eq(runs[1].slave.bad_args, 0);
    destroy(&runs[0]);
    destroy(&runs[1]);
}
END_TEST

/* A failing transport() is a bus error: the DMAC's channel stops with ERR at that address, the
 * same way on both paths. */
START_TEST(test_transport_error_is_bus_error_on_both_paths)
{
    sys runs[2];
    for (int k = 0; k < 2; k++) {
        sys_build(&runs[k], MEM_TRANSPORT, k);
        runs[k].slave.fail_lo = DST + 8 * 37;
        runs[k].slave.fail_hi = runs[k].slave.fail_lo + 1;
        sys_copy(&runs[k], modes[_i], 100, 8, SRC);
        sys_run(&runs[k]);
        dmasim_dma_channel_status st;
        ck_assert_int_eq(dmasim_dmac_channel_status(runs[k].dmac, 0, &st), 0);
        ck_assert_int_eq(st.error, 1);
        ck_assert_int_eq(st.err, DMASIM_EBUSERR);
        ck_assert_uint_eq(st.err_addr, DST + 8 * 37);
        ck_assert_uint_eq(st.items_done, 37);
        ck_assert_int_eq(dmasim_signal_value(dmasim_dmac_irq(runs[k].dmac)), 1);
    }
    assert_same(&runs[0], &runs[1], "fast vs reference (error)");
    destroy(&runs[0]);
    destroy(&runs[1]);
}
END_TEST

/* A version-1 table is read as version 1 only: whatever follows it in memory is never called. */
typedef struct v1_with_junk {
    dmasim_bus_slave_ops v1;
    int (*junk)(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states);
} v1_with_junk;

static int junk_called;
static int junk_transport(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                          uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states)
{
    (void)ctx, (void)addr, (void)buf, (void)len, (void)is_write, (void)beats, (void)beat_bytes, (void)t;
    *wait_states = 0;
    junk_called++;
    return 0;
}

START_TEST(test_version1_slave_unchanged)
{
    static const v1_with_junk ops = {{1, t_read, t_write, t_wait_states}, junk_transport};
    sys a, b;
    sys_build(&a, MEM_SRAM, 0);
    memset(&b, 0, sizeof b);
    b.sim = tu_sim(0);
    b.bus = tu_bus(b.sim);
    b.slave.sim = b.sim;
    b.slave.ws = WS;
    ck_assert_int_eq(dmasim_bus_map(b.bus, "v1mem", 0, MEM_SIZE, DMASIM_SLAVE_CACHEABLE, &ops.v1, &b.slave), 0);
    ck_assert_int_eq(dmasim_dmac_create(b.bus, NULL, &b.dmac), 0);
    sys_copy(&a, DMASIM_DMA_BURST, 64, 8, SRC);
    sys_copy(&b, DMASIM_DMA_BURST, 64, 8, SRC);
    sys_run(&a);
    sys_run(&b);
    ck_assert_int_eq(junk_called, 0);
    assert_same(&a, &b, "sram vs version-1 slave");
    assert_same_bytes(&a, &b, DST, 64 * 8);
    destroy(&a);
    destroy(&b);
}
END_TEST

/* dmasim_bus_debug_write of CTRL.START (a debugger, the SystemC wrapper's transport_dbg) starts
 * the channel at the current time, also after timed transactions have moved the bus's data
 * time elsewhere. */
START_TEST(test_debug_write_of_start_starts_channel_now)
{
    sys s;
    sys_build(&s, MEM_SRAM, _i);
    sys_copy(&s, DMASIM_DMA_BURST, 50, 8, SRC);
    sys_run(&s);
    const dmasim_time t = dmasim_sim_now(s.sim) + 123450;
    ck_assert_int_eq(dmasim_sim_run_until(s.sim, t), 0);
    const dmasim_addr ch1 = 0xF0000000u + DMASIM_DMAC_CH_STRIDE;
    const uint32_t regs[][2] = {{DMASIM_DMAC_SRC_LO, SRC}, {DMASIM_DMAC_DST_LO, DST + 0x10000}, {DMASIM_DMAC_COUNT, 50},
                                {DMASIM_DMAC_CTRL, DMASIM_DMAC_CTRL_START | DMASIM_DMAC_CTRL_IRQ_EN |
                                                       3u << DMASIM_DMAC_CTRL_SIZE_SHIFT}};
    for (size_t k = 0; k < sizeof regs / sizeof regs[0]; k++) {
        uint8_t b[4] = {(uint8_t)regs[k][1], (uint8_t)(regs[k][1] >> 8), (uint8_t)(regs[k][1] >> 16),
                        (uint8_t)(regs[k][1] >> 24)};
        ck_assert_int_eq(dmasim_bus_debug_write(s.bus, ch1 + regs[k][0], b, 4), 0);
    }
    sys_run(&s);
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s.dmac, 1, &st), 0);
    ck_assert_uint_eq(st.start_time, t);
    ck_assert_int_eq(st.tc, 1);
    ck_assert_uint_eq(st.items_done, 50);
    /* R12 from a start between edges: the request waits for the next edge */
    dmasim_time edge = dmasim_clock_edge_at_or_after(t, 10000);
    ck_assert_uint_eq(st.end_time, edge + (1 + 50 * 2 * (1 + 1 * (1 + WS))) * 10000);
    destroy(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bus_transport");
    TCase *tc = tcase_create("transport");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_transport_slave_equals_sram_on_both_paths, 0, 3);
    tcase_add_test(tc, test_transport_timing_only_gets_null_buffer);
    tcase_add_loop_test(tc, test_transport_error_is_bus_error_on_both_paths, 0, 3);
    tcase_add_test(tc, test_version1_slave_unchanged);
    tcase_add_loop_test(tc, test_debug_write_of_start_starts_channel_now, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(suite()); }

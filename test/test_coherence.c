/* DMA and the CPU cache: stale-data detection, snooping, software maintenance, uncached
 * regions (include/dmasim/cache.h, docs/coherence.md). Every expectation follows from the
 * definitions: which bytes the device wrote, which the CPU must see, which memory must end with. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define REGS 0xF0000000u
#define RX 0x100000u   /* the receive buffer (cache-line aligned) */
#define NICBUF 0x200000u /* the device's own buffer: the DMA source */
#define LEN 1536u
#define LINE 64u

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
    uint8_t packet[LEN];
} sys;

/* CPU at clock_ratio 1 (its cycles are bus cycles), 32 KiB 8-way D1 with 64-byte lines, SRAM
 * with 2 wait states, a DMAC with its interrupt wired to the CPU. */
static void sys_init(sys *s, int reference, int ratio)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 0x40000000, 2);
    ck_assert_int_eq(dmasim_dmac_create(s->bus, NULL, &s->dmac), 0);
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = (uint32_t)ratio;
    ck_assert_int_eq(dmasim_cpu_create(s->bus, &cc, &s->cpu), 0);
    ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    for (unsigned i = 0; i < LEN; i++)
        s->packet[i] = (uint8_t)(i * 29 + 11);
    ck_assert_int_eq(dmasim_mem_write(s->sim, NICBUF, s->packet, LEN), 0);
}

static const dmasim_cache_coherence_stats *cstats(sys *s)
{
    static dmasim_cache_coherence_stats cs;
    dmasim_cache_get_coherence_stats(dmasim_cpu_dcache(s->cpu), &cs);
    return &cs;
}

enum variant { V_NONE, V_SYNC, V_SNOOP, V_SNOOP_UPDATE, V_UNCACHED };

/* The driver: read the buffer (lines get cached), start the NIC's receive DMA (channel 0,
 * cycle stealing), wait for its interrupt, [dma_sync_for_cpu], read the packet. */
static void nic_receive(sys *s, enum variant v)
{
    if (v == V_UNCACHED)
        ck_assert_int_eq(dmasim_cpu_add_uncached(s->cpu, RX, 4096), 0);
    uint32_t coh = v == V_SNOOP ? DMASIM_COHERENCE_SNOOP : v == V_SNOOP_UPDATE ? DMASIM_COHERENCE_SNOOP_UPDATE
                                                                               : DMASIM_COHERENCE_NONE;
    dmasim_cpu_op ops[5];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LEN};
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX, .d = LEN / 8,
                               .item_size = 8, .mode = DMASIM_DMA_CYCLE_STEALING, .coherence = coh};
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_WAIT, .a = REGS};
    if (v == V_SYNC)
        ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_SYNC_FOR_CPU, .a = RX, .b = LEN, .c = DMASIM_DMA_FROM_DEVICE};
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LEN};
    ck_assert_int_eq(dmasim_cpu_run_script(s->cpu, ops, n), 0);
    ck_assert_msg(dmasim_sim_run(s->sim) == 0, "%s", dmasim_sim_errmsg(s->sim));
    ck_assert(dmasim_cpu_finished(s->cpu));
}

/* The bytes the driver's second read returned. */
static const uint8_t *second_read(sys *s)
{
    size_t len;
    const uint8_t *cap = dmasim_cpu_captured(s->cpu, &len);
    ck_assert_uint_eq(len, 2 * LEN);
    return cap + LEN;
}

START_TEST(test_noncoherent_receive_without_maintenance_reads_stale_data_at_the_packet_addresses)
{
    sys s;
    sys_init(&s, _i, 4);
    nic_receive(&s, V_NONE);
    /* every 8-byte load of the second read returns the old (zero) bytes: 1536 / 8 stale reads */
    ck_assert_uint_eq(cstats(&s)->stale_reads, LEN / 8);
    const uint8_t *got = second_read(&s);
    for (unsigned i = 0; i < LEN; i++)
        ck_assert_uint_eq(got[i], 0);
    dmasim_cache *c = dmasim_cpu_dcache(s.cpu);
    ck_assert_uint_eq(dmasim_cache_stale_report_count(c), 16); /* the default number kept */
    for (unsigned i = 0; i < 16; i++) {
        const dmasim_stale_report *r = dmasim_cache_stale_report_at(c, i);
        ck_assert_int_eq(r->kind, DMASIM_STALE_READ);
        ck_assert_uint_eq(r->addr, RX + 8 * i);
        ck_assert_int_eq(r->master, dmasim_dmac_bus_master(s.dmac));
        ck_assert_uint_eq(r->channel, 0);
        ck_assert_uint_eq(r->cpu_op, 3); /* the script's second read_buffer */
        dmasim_dma_channel_status st;
        dmasim_dmac_channel_status(s.dmac, 0, &st);
        ck_assert_uint_ge(r->time, st.end_time); /* read after the packet landed */
    }
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* What the CPU saw after nic_receive(): the cache's coherence statistics and whether its second
 * read of the buffer returned the device's packet. */
typedef struct fresh {
    dmasim_cache_coherence_stats st;
    int cpu_read_packet;
} fresh;

static fresh receive(enum variant v, int reference)
{
    sys s;
    sys_init(&s, reference, 4);
    nic_receive(&s, v);
    fresh f = {.st = *cstats(&s), .cpu_read_packet = memcmp(second_read(&s), s.packet, LEN) == 0};
    dmasim_sim_destroy(s.sim);
    return f;
}

START_TEST(test_dma_sync_for_cpu_makes_the_cpu_see_the_device_bytes)
{
    fresh f = receive(V_SYNC, _i);
    ck_assert_uint_eq(f.st.stale_reads, 0);
    ck_assert_uint_eq(f.st.lost_dma_writes, 0);
    ck_assert(f.cpu_read_packet);
    ck_assert_uint_eq(f.st.maintenance_lines, LEN / LINE);
}
END_TEST
START_TEST(test_snoop_invalidate_makes_the_cpu_see_the_device_bytes)
{
    fresh f = receive(V_SNOOP, _i);
    ck_assert_uint_eq(f.st.stale_reads, 0);
    ck_assert_uint_eq(f.st.lost_dma_writes, 0);
    ck_assert(f.cpu_read_packet);
    ck_assert_uint_eq(f.st.snoop_invalidations, LEN / LINE);
}
END_TEST
START_TEST(test_snoop_update_makes_the_cpu_see_the_device_bytes)
{
    fresh f = receive(V_SNOOP_UPDATE, _i);
    ck_assert_uint_eq(f.st.stale_reads, 0);
    ck_assert_uint_eq(f.st.lost_dma_writes, 0);
    ck_assert(f.cpu_read_packet);
    ck_assert_uint_eq(f.st.snoop_updates, LEN / 8); /* every DMA write found its line */
}
END_TEST
START_TEST(test_uncached_buffer_makes_the_cpu_see_the_device_bytes)
{
    fresh f = receive(V_UNCACHED, _i);
    ck_assert_uint_eq(f.st.stale_reads, 0);
    ck_assert_uint_eq(f.st.lost_dma_writes, 0);
    ck_assert(f.cpu_read_packet);
}
END_TEST

/* Snooping costs snoop_cycles (default 2) on each of the unit's two transactions. */
START_TEST(test_snoop_cycles_lengthen_every_coherent_transaction)
{
    uint64_t done[2];
    for (int snoop = 0; snoop < 2; snoop++) {
        sys s;
        sys_init(&s, _i, 4);
        nic_receive(&s, snoop ? V_SNOOP : V_NONE);
        dmasim_dma_channel_status st;
        dmasim_dmac_channel_status(s.dmac, 0, &st);
        done[snoop] = (st.end_time - st.start_time) / 10000;
        dmasim_sim_destroy(s.sim);
    }
    ck_assert_uint_eq(done[1] - done[0], (uint64_t)(LEN / 8) * 2 * 2);
}
END_TEST

static void script_run(sys *s, const dmasim_cpu_op *ops, size_t n)
{
    ck_assert_int_eq(dmasim_cpu_run_script(s->cpu, ops, n), 0);
    ck_assert_msg(dmasim_sim_run(s->sim) == 0, "%s", dmasim_sim_errmsg(s->sim));
    ck_assert(dmasim_cpu_finished(s->cpu));
}

/* The CPU dirties a line, a non-coherent DMA writes other bytes of it, then the CPU's clean
 * writes the whole line back: the DMA's bytes are overwritten (a lost DMA write). */
START_TEST(test_write_back_over_dma_bytes_is_a_lost_dma_write)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x1111111111111111ull},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX + 32, .d = 4, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_CACHE_CLEAN, .a = RX, .b = LINE},
    };
    script_run(&s, ops, 4);
    ck_assert_uint_eq(cstats(&s)->lost_dma_writes, 1);
    uint8_t mem[32];
    dmasim_mem_read(s.sim, RX + 32, mem, 32);
    for (unsigned i = 0; i < 32; i++) /* the line's old (zero) bytes came back over the packet */
        ck_assert_uint_eq(mem[i], 0);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 0);
    ck_assert_int_eq(r->kind, DMASIM_LOST_DMA_WRITE);
    ck_assert_uint_eq(r->addr, RX);
    ck_assert_uint_eq(r->cpu_op, 3);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* The CPU writes a buffer (dirty in the D1) and DMAs it out: without maintenance the device
 * reads memory's old bytes (a stale device read); with dma_map(TO_DEVICE) (a clean) or a
 * snooping DMA it reads the CPU's bytes. */
typedef struct device_read {
    dmasim_cache_coherence_stats st;
    uint64_t got; /* the 8 bytes the DMA delivered to the NIC buffer */
} device_read;

static device_read tx(int variant, int reference)
{
    sys s;
    sys_init(&s, reference, 4);
    dmasim_cpu_op ops[5];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x0123456789ABCDEFull};
    if (variant == 1)
        ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_MAP, .a = RX, .b = LINE, .c = DMASIM_DMA_TO_DEVICE};
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_START, .a = REGS, .b = RX, .c = NICBUF, .d = 1, .item_size = 8,
                               .mode = 0, .coherence = variant == 2 ? DMASIM_COHERENCE_SNOOP : 0};
    ops[n++] = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_WAIT, .a = REGS};
    script_run(&s, ops, n);
    device_read r = {.st = *cstats(&s)};
    dmasim_mem_read(s.sim, NICBUF, &r.got, 8);
    dmasim_sim_destroy(s.sim);
    return r;
}

START_TEST(test_dma_read_of_a_dirty_line_is_a_stale_device_read)
{
    device_read r = tx(0, _i);
    ck_assert_uint_eq(r.st.stale_device_reads, 1);
    ck_assert_uint_eq(r.got, 0); /* memory's old bytes */
}
END_TEST
START_TEST(test_dma_map_to_device_cleans_so_the_device_reads_cpu_bytes)
{
    device_read r = tx(1, _i);
    ck_assert_uint_eq(r.st.stale_device_reads, 0);
    ck_assert_uint_eq(r.got, 0x0123456789ABCDEFull);
}
END_TEST
START_TEST(test_snooping_dma_read_gets_the_cpu_dirty_bytes)
{
    device_read r = tx(2, _i);
    ck_assert_uint_eq(r.st.stale_device_reads, 0);
    ck_assert_uint_eq(r.got, 0x0123456789ABCDEFull);
    ck_assert_uint_eq(r.st.snoop_dirty_supplies, 1);
}
END_TEST

/* A coherent write into part of a dirty line invalidates it, and the CPU's other dirty bytes
 * reach memory: memory ends with both the CPU's and the device's bytes. */
START_TEST(test_snoop_invalidate_merges_the_cpu_dirty_bytes)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x1111111111111111ull},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX + 32, .d = 1, .item_size = 8, .mode = 0,
         .coherence = DMASIM_COHERENCE_SNOOP},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_LOAD, .a = RX + 32, .b = 8},
    };
    script_run(&s, ops, 4);
    uint64_t cpu_bytes = 0, dev_bytes = 0, want = 0;
    dmasim_mem_read(s.sim, RX, &cpu_bytes, 8);
    dmasim_mem_read(s.sim, RX + 32, &dev_bytes, 8);
    memcpy(&want, s.packet, 8);
    ck_assert_uint_eq(cpu_bytes, 0x1111111111111111ull);
    ck_assert_uint_eq(dev_bytes, want);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), want); /* the reload misses and sees the device */
    ck_assert_uint_eq(cstats(&s)->snoop_invalidations, 1);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* An invalidate drops a dirty line: the CPU's store never reaches memory. */
START_TEST(test_invalidate_discards_dirty_data)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x2222222222222222ull},
        {.kind = DMASIM_OP_CACHE_INVALIDATE, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
    };
    script_run(&s, ops, 3);
    ck_assert_uint_eq(cstats(&s)->discarded_dirty_lines, 1);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Cost: a clean of 4 lines, 2 of them dirty, takes 4 * maintenance_cycles plus two line
 * write-backs; with clock_ratio 1, SRAM 2 wait states, 8-byte bus: each write-back is
 * arbitration 1 + address 1 + 8 beats * (1 + 2) = 26 cycles. */
START_TEST(test_clean_costs_cycles_per_line_and_a_write_back_per_dirty_line)
{
    uint64_t cycles[2];
    for (int with = 0; with < 2; with++) {
        sys s;
        sys_init(&s, _i, 1);
        dmasim_cpu_op ops[4] = {
            {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 1},
            {.kind = DMASIM_OP_STORE, .a = RX + 2 * LINE, .b = 8, .c = 2},
            {.kind = DMASIM_OP_COMPUTE, .a = 0},
            {.kind = DMASIM_OP_CACHE_CLEAN, .a = RX, .b = 4 * LINE},
        };
        script_run(&s, ops, with ? 4 : 3);
        cycles[with] = dmasim_cpu_cycles(s.cpu);
        if (with) {
            ck_assert_uint_eq(cstats(&s)->maintenance_lines, 4);
            ck_assert_uint_eq(cstats(&s)->maintenance_writebacks, 2);
            uint64_t v = 0;
            dmasim_mem_read(s.sim, RX + 2 * LINE, &v, 8);
            ck_assert_uint_eq(v, 2); /* cleaned to memory */
        }
        dmasim_sim_destroy(s.sim);
    }
    ck_assert_uint_eq(cycles[1] - cycles[0], 4 * 2 + 2 * 26);
}
END_TEST

START_TEST(test_unaligned_or_empty_maintenance_range_is_rejected)
{
    sys s;
    sys_init(&s, 0, 4);
    dmasim_cpu_op op = {.kind = DMASIM_OP_DMA_SYNC_FOR_CPU, .a = RX + 8, .b = LINE, .c = DMASIM_DMA_FROM_DEVICE};
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, &op, 1), DMASIM_EINVAL);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(s.sim), "aligned"));
    op = (dmasim_cpu_op){.kind = DMASIM_OP_CACHE_FLUSH, .a = RX, .b = 0};
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, &op, 1), DMASIM_EINVAL);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(s.sim), "empty"));
    op = (dmasim_cpu_op){.kind = DMASIM_OP_DMA_MAP, .a = RX, .b = LINE, .c = 7};
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, &op, 1), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_cpu_add_uncached(s.cpu, RX, 0), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_cpu_add_uncached(s.cpu, RX, 4096), 0);
    ck_assert_int_eq(dmasim_cpu_add_uncached(s.cpu, RX + 4000, 64), DMASIM_EINVAL); /* overlap */
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A trace-replaying CPU runs ahead of simulated time while a DMA writes into its stack
 * region (trace addresses 0x1fff000..., masked to 0x3F000...): the stale reads are judged per
 * window and must be identical on the per-cycle reference path; with a snooping DMA none. */
static void stats_of(int reference, dmasim_dma_coherence coh, uint64_t *out, size_t nout, size_t *n)
{
    sys s;
    sys_init(&s, reference, 4);
    char path[512];
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = tu_data_path(path, sizeof path, "md5sum.lackey.gz");
    tc.max_lines = 300000;
    ck_assert_int_eq(dmasim_cpu_run_trace(s.cpu, &tc), 0);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = NICBUF;
    t.dst = 0x3EFF8000; /* 64 KiB over the stack lines at 0x3F000000 */
    t.count = 8192;
    t.item_size = 8;
    t.mode = DMASIM_DMA_CYCLE_STEALING;
    t.coherence = coh;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.dmac, 0, &t), 0);
    ck_assert_msg(dmasim_sim_run(s.sim) == 0, "%s", dmasim_sim_errmsg(s.sim));
    dmasim_sim_stats_update(s.sim);
    *n = dmasim_sim_stat_count(s.sim);
    ck_assert_uint_le(*n, nout);
    for (size_t i = 0; i < *n; i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(s.sim, i);
        out[i] = st->kind == DMASIM_STAT_U64 ? *(const uint64_t *)st->value : (uint64_t)(*(const double *)st->value * 1e6);
    }
    if (coh != DMASIM_COHERENCE_NONE)
        ck_assert_uint_eq(cstats(&s)->stale_reads, 0);
    else
        ck_assert_uint_gt(cstats(&s)->stale_reads, 0);
    dmasim_sim_destroy(s.sim);
}

START_TEST(test_stale_detection_with_a_running_trace_is_the_same_on_both_paths)
{
    static uint64_t a[512], b[512];
    size_t na, nb;
    dmasim_dma_coherence coh = (dmasim_dma_coherence)_i;
    stats_of(0, coh, a, 512, &na);
    stats_of(1, coh, b, 512, &nb);
    ck_assert_uint_eq(na, nb);
    for (size_t i = 0; i < na; i++)
        ck_assert_msg(a[i] == b[i], "statistic %zu differs: fast %llu, reference %llu", i, (unsigned long long)a[i],
                      (unsigned long long)b[i]);
}
END_TEST


static void start_job(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    sys *s = ctx;
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = NICBUF;
    t.dst = RX;
    t.count = 8;
    t.item_size = 8;
    t.mode = DMASIM_DMA_BURST;
    ck_assert_int_eq(dmasim_dmac_channel_start(s->dmac, 0, &t), 0);
}

/* A read is stale only for the bytes written at or before it. CPU at the bus clock: its first
 * read_buffer fills the line in 1 + 1 + 8 * 3 = 26 cycles; it computes 999 cycles and reads the
 * line again at cycle 1025 (hits take no time). The burst starts at cycle 1000: unit k's write
 * ends at 1000 + 1 + 8 * (k + 1), so units 0..2 (ending 1009, 1017, 1025) are written by then
 * and exactly 3 of the 8 loads are stale. */
START_TEST(test_a_read_is_stale_only_for_bytes_written_before_it)
{
    sys s;
    sys_init(&s, _i, 1);
    dmasim_event ev;
    dmasim_event_init(&ev, start_job, &s);
    ck_assert_int_eq(dmasim_event_schedule(s.sim, &ev, 1000 * 10000, DMASIM_PRIO_DEFAULT), 0);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_COMPUTE, .a = 999},
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
    };
    script_run(&s, ops, 3);
    ck_assert_uint_eq(cstats(&s)->stale_reads, 3);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 2);
    ck_assert_uint_eq(r->addr, RX + 16);
    ck_assert_uint_eq(r->time, 1025 * 10000);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* cpu.max_stale_reports 0 keeps no report but still counts. */
START_TEST(test_zero_max_reports_keeps_none_but_counts)
{
    sys s;
    sys_init(&s, 0, 4);
    ck_assert_int_eq(dmasim_cache_set_max_reports(dmasim_cpu_dcache(s.cpu), 0), 0);
    nic_receive(&s, V_NONE);
    ck_assert_uint_eq(cstats(&s)->stale_reads, LEN / 8);
    ck_assert_uint_eq(dmasim_cache_stale_report_count(dmasim_cpu_dcache(s.cpu)), 0);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A snooping DMA reads the CPU's dirty bytes: the coherent view of memory shows them. */
START_TEST(test_coherent_view_overlays_dirty_lines)
{
    sys s;
    sys_init(&s, 0, 4);
    const dmasim_cpu_op ops[] = {{.kind = DMASIM_OP_STORE, .a = RX + 8, .b = 8, .c = 0x5555555555555555ull}};
    script_run(&s, ops, 1);
    uint64_t mem = 1, view = 0;
    dmasim_mem_read(s.sim, RX + 8, &mem, 8);
    dmasim_cache_read_coherent(dmasim_cpu_dcache(s.cpu), RX + 8, &view, 8);
    ck_assert_uint_eq(mem, 0);
    ck_assert_uint_eq(view, 0x5555555555555555ull);
    dmasim_sim_destroy(s.sim);
}
END_TEST

static Suite *coherence_suite(void)
{
    Suite *s = suite_create("coherence");
    TCase *t = tcase_create("coherence");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, test_noncoherent_receive_without_maintenance_reads_stale_data_at_the_packet_addresses, 0, 2);
    tcase_add_loop_test(t, test_dma_sync_for_cpu_makes_the_cpu_see_the_device_bytes, 0, 2);
    tcase_add_loop_test(t, test_snoop_invalidate_makes_the_cpu_see_the_device_bytes, 0, 2);
    tcase_add_loop_test(t, test_snoop_update_makes_the_cpu_see_the_device_bytes, 0, 2);
    tcase_add_loop_test(t, test_uncached_buffer_makes_the_cpu_see_the_device_bytes, 0, 2);
    tcase_add_loop_test(t, test_snoop_cycles_lengthen_every_coherent_transaction, 0, 2);
    tcase_add_loop_test(t, test_write_back_over_dma_bytes_is_a_lost_dma_write, 0, 2);
    tcase_add_loop_test(t, test_dma_read_of_a_dirty_line_is_a_stale_device_read, 0, 2);
    tcase_add_loop_test(t, test_dma_map_to_device_cleans_so_the_device_reads_cpu_bytes, 0, 2);
    tcase_add_loop_test(t, test_snooping_dma_read_gets_the_cpu_dirty_bytes, 0, 2);
    tcase_add_loop_test(t, test_snoop_invalidate_merges_the_cpu_dirty_bytes, 0, 2);
    tcase_add_loop_test(t, test_invalidate_discards_dirty_data, 0, 2);
    tcase_add_loop_test(t, test_clean_costs_cycles_per_line_and_a_write_back_per_dirty_line, 0, 2);
    tcase_add_test(t, test_unaligned_or_empty_maintenance_range_is_rejected);
    tcase_add_loop_test(t, test_a_read_is_stale_only_for_bytes_written_before_it, 0, 2);
    tcase_add_test(t, test_zero_max_reports_keeps_none_but_counts);
    tcase_add_test(t, test_coherent_view_overlays_dirty_lines);
    tcase_add_loop_test(t, test_stale_detection_with_a_running_trace_is_the_same_on_both_paths, 0, 3);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(coherence_suite());
}

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
    dmasim_dma_transfer job; /* started by start_job() */
} sys;

/* CPU at clock_ratio `ratio` (1: its cycles are bus cycles), a D1 of geometry `dc` (NULL: the
 * default 32 KiB 8-way D1 with 64-byte lines), SRAM with 2 wait states, a DMAC with its
 * interrupt wired to the CPU. */
static void sys_init_dcache(sys *s, int reference, int ratio, const dmasim_cache_config *dc)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 0x40000000, 2);
    ck_assert_int_eq(dmasim_dmac_create(s->bus, NULL, &s->dmac), 0);
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = (uint32_t)ratio;
    if (dc)
        cc.dcache = *dc;
    ck_assert_int_eq(dmasim_cpu_create(s->bus, &cc, &s->cpu), 0);
    ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    for (unsigned i = 0; i < LEN; i++)
        s->packet[i] = (uint8_t)(i * 29 + 11);
    ck_assert_int_eq(dmasim_mem_write(s->sim, NICBUF, s->packet, LEN), 0);
}

static void sys_init(sys *s, int reference, int ratio)
{
    sys_init_dcache(s, reference, ratio, NULL);
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

/* Two channels write different bytes of a cached (and dirty) line, one after the other: a stale
 * read names the channel that wrote the bytes it read, whichever wrote first; the lost DMA write
 * of the clean that follows names the line's first foreign write (docs/coherence.md). */
START_TEST(test_stale_reports_name_the_writer_of_the_bytes)
{
    for (int ch1_first = 0; ch1_first < 2; ch1_first++) {
        sys s;
        sys_init(&s, _i, 4);
        const dmasim_addr ch[2] = {REGS, REGS + DMASIM_DMAC_CH_STRIDE}, at[2] = {RX, RX + 32};
        const int first = ch1_first, second = !ch1_first;
        const dmasim_cpu_op ops[] = {
            {.kind = DMASIM_OP_STORE, .a = RX + 56, .b = 8, .c = 0x2222222222222222ull},
            {.kind = DMASIM_OP_DMA_START, .a = ch[first], .b = NICBUF, .c = at[first], .d = 1, .item_size = 8},
            {.kind = DMASIM_OP_DMA_WAIT, .a = ch[first]},
            {.kind = DMASIM_OP_DMA_START, .a = ch[second], .b = NICBUF, .c = at[second], .d = 1, .item_size = 8},
            {.kind = DMASIM_OP_DMA_WAIT, .a = ch[second]},
            {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
            {.kind = DMASIM_OP_LOAD, .a = RX + 32, .b = 8},
            {.kind = DMASIM_OP_CACHE_CLEAN, .a = RX, .b = LINE},
        };
        script_run(&s, ops, 8);
        const dmasim_cache *c = dmasim_cpu_dcache(s.cpu);
        ck_assert_uint_eq(cstats(&s)->stale_reads, 2);
        ck_assert_uint_eq(cstats(&s)->lost_dma_writes, 1);
        /* reads are judged once simulated time has passed them, so reports need not be in
         * program order: find them by kind and address */
        const dmasim_stale_report *r0 = NULL, *r1 = NULL, *r2 = NULL;
        for (size_t i = 0; i < 3; i++) {
            const dmasim_stale_report *r = dmasim_cache_stale_report_at(c, i);
            if (r->kind == DMASIM_LOST_DMA_WRITE)
                r2 = r;
            else if (r->addr == RX)
                r0 = r;
            else
                r1 = r;
        }
        ck_assert_ptr_nonnull(r0);
        ck_assert_ptr_nonnull(r1);
        ck_assert_ptr_nonnull(r2);
        ck_assert_int_eq(r0->kind, DMASIM_STALE_READ);
        ck_assert_uint_eq(r0->addr, RX);
        ck_assert_uint_eq(r0->channel, 0); /* channel 0 wrote RX */
        ck_assert_int_eq(r1->kind, DMASIM_STALE_READ);
        ck_assert_uint_eq(r1->addr, RX + 32);
        ck_assert_uint_eq(r1->channel, 1); /* channel 1 wrote RX + 32 */
        ck_assert_int_eq(r2->kind, DMASIM_LOST_DMA_WRITE);
        ck_assert_uint_eq(r2->addr, RX);
        ck_assert_uint_eq(r2->channel, (uint32_t)first); /* the line's first foreign write */
        ck_assert_int_eq(r0->master, r2->master);         /* one DMAC, one bus master */
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* A D1 of one line cannot hold the two lines of a straddling access (a store would be lost):
 * the CPU refuses it; two lines (one set of two ways) is the smallest accepted. */
START_TEST(test_one_line_dcache_is_refused_by_the_cpu)
{
    for (uint32_t lines = 1; lines <= 2; lines++) {
        dmasim_sim *sim = tu_sim(0);
        dmasim_bus *bus = tu_bus(sim);
        tu_sram(bus, 0, 0x40000000, 2);
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        cc.dcache.size = lines * LINE;
        cc.dcache.ways = lines;
        cc.dcache.line = LINE;
        dmasim_cpu *cpu = NULL;
        int rc = dmasim_cpu_create(bus, &cc, &cpu);
        if (lines == 1) {
            ck_assert_int_eq(rc, DMASIM_EINVAL);
            ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "size must be at least 2 * line"));
        } else {
            ck_assert_int_eq(rc, 0);
            /* a store straddling two lines of a two-line D1 reaches memory through a clean */
            const dmasim_cpu_op ops[] = {
                {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
                {.kind = DMASIM_OP_STORE, .a = RX + 0x1000 + LINE - 4, .b = 8, .c = 0x8877665544332211ull},
                {.kind = DMASIM_OP_CACHE_CLEAN, .a = RX + 0x1000, .b = 2 * LINE},
            };
            ck_assert_int_eq(dmasim_cpu_run_script(cpu, ops, 3), 0);
            ck_assert_int_eq(dmasim_sim_run(sim), 0);
            uint64_t got = 0;
            ck_assert_int_eq(dmasim_mem_read(sim, RX + 0x1000 + LINE - 4, &got, 8), 0);
            ck_assert_uint_eq(got, 0x8877665544332211ull);
        }
        dmasim_sim_destroy(sim);
    }
}
END_TEST

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

/* The same with the write-back done by an eviction. The default D1 has 32768 / (8 * 64) = 64
 * sets, so lines 64 * 64 = 4096 bytes apart share a set: after the store, loads of eight other
 * lines of RX's set make RX the LRU victim of the eighth (true LRU). */
START_TEST(test_eviction_of_a_dirty_line_over_dma_bytes_is_a_lost_dma_write)
{
    const uint32_t ways = 8, set_stride = 32768 / ways;
    sys s;
    sys_init(&s, _i, 4);
    dmasim_cpu_op ops[3 + 8] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x1111111111111111ull},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX + 32, .d = 4, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
    };
    for (uint32_t k = 1; k <= ways; k++)
        ops[2 + k] = (dmasim_cpu_op){.kind = DMASIM_OP_LOAD, .a = RX + k * set_stride, .b = 8};
    script_run(&s, ops, 3 + ways);
    ck_assert_uint_eq(cstats(&s)->lost_dma_writes, 1);
    uint64_t cpu_bytes = 0;
    uint8_t mem[32];
    dmasim_mem_read(s.sim, RX, &cpu_bytes, 8);
    dmasim_mem_read(s.sim, RX + 32, mem, 32);
    ck_assert_uint_eq(cpu_bytes, 0x1111111111111111ull); /* the eviction wrote the line back */
    for (unsigned i = 0; i < 32; i++) /* ... with its old (zero) bytes over the packet */
        ck_assert_uint_eq(mem[i], 0);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 0);
    ck_assert_int_eq(r->kind, DMASIM_LOST_DMA_WRITE);
    ck_assert_uint_eq(r->addr, RX);
    ck_assert_uint_eq(r->cpu_op, 2 + ways); /* the eighth load */
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Stale reads are judged per chunk of a line: a byte for lines up to 64 bytes, line / 64 bytes
 * above (docs/coherence.md). After the CPU caches the line, a DMA writes exactly one chunk; loads
 * of the chunks just before and just after it are not stale, a load of the chunk itself is. */
START_TEST(test_stale_reads_are_judged_per_chunk_of_the_line)
{
    const uint32_t line = LINE << _i, chunk = line <= 64 ? 1 : line / 64, at = 4 * chunk;
    dmasim_cache_config dc;
    dmasim_cache_config_init(&dc);
    dc.line = line;
    sys s;
    sys_init_dcache(&s, 0, 4, &dc);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX + at, .d = 1, .item_size = chunk, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_LOAD, .a = RX + at - chunk, .b = chunk},
        {.kind = DMASIM_OP_LOAD, .a = RX + at + chunk, .b = chunk},
        {.kind = DMASIM_OP_LOAD, .a = RX + at, .b = chunk},
    };
    script_run(&s, ops, 6);
    ck_assert_uint_eq(cstats(&s)->stale_reads, 1);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 0);
    ck_assert_int_eq(r->kind, DMASIM_STALE_READ);
    ck_assert_uint_eq(r->addr, RX + at);
    ck_assert_uint_eq(r->cpu_op, 5);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0); /* the cached (old) bytes, not the packet's */
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

/* Only a dirty line supplies its bytes to a snooping read. The CPU caches RX clean; a
 * non-coherent DMA then writes a packet into RX behind the D1's back; a snooping DMA copying RX
 * must read memory (the packet), not the D1's stale clean copy (zeros). */
START_TEST(test_snooping_read_of_a_clean_line_reads_memory)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX, .d = 1, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = RX, .c = NICBUF + LEN, .d = 1, .item_size = 8, .mode = 0,
         .coherence = DMASIM_COHERENCE_SNOOP},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
    };
    script_run(&s, ops, 5);
    uint64_t got = 0, want;
    memcpy(&want, s.packet, 8);
    dmasim_mem_read(s.sim, NICBUF + LEN, &got, 8);
    ck_assert_uint_eq(got, want);
    ck_assert_uint_eq(cstats(&s)->snoop_hits, 1);
    ck_assert_uint_eq(cstats(&s)->snoop_dirty_supplies, 0);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A coherent write into part of a dirty line invalidates it, and the CPU's other dirty bytes,
 * below and above the written ones, reach memory: memory ends with both the CPU's and the
 * device's bytes. */
START_TEST(test_snoop_invalidate_merges_the_cpu_dirty_bytes)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = 0x1111111111111111ull},
        {.kind = DMASIM_OP_STORE, .a = RX + 56, .b = 8, .c = 0x6666666666666666ull},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX + 32, .d = 1, .item_size = 8, .mode = 0,
         .coherence = DMASIM_COHERENCE_SNOOP},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_LOAD, .a = RX + 32, .b = 8},
    };
    script_run(&s, ops, 5);
    uint64_t cpu_bytes = 0, cpu_bytes_above = 0, dev_bytes = 0, want = 0;
    dmasim_mem_read(s.sim, RX, &cpu_bytes, 8);
    dmasim_mem_read(s.sim, RX + 56, &cpu_bytes_above, 8);
    dmasim_mem_read(s.sim, RX + 32, &dev_bytes, 8);
    memcpy(&want, s.packet, 8);
    ck_assert_uint_eq(cpu_bytes, 0x1111111111111111ull);
    ck_assert_uint_eq(cpu_bytes_above, 0x6666666666666666ull);
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

/* What each maintenance and streaming DMA API operation does to a dirty line (the tables of
 * docs/coherence.md): a clean writes it back and keeps it, an invalidate drops it with its store,
 * a flush does both, "nothing" leaves it dirty in the D1. The CPU stores to RX, runs the
 * operation over RX's line, then loads RX again. */
enum line_op { L_NOTHING, L_CLEAN, L_INVALIDATE, L_FLUSH };

static const struct maintenance_case {
    dmasim_cpu_op_kind kind;
    dmasim_dma_dir dir;
    enum line_op does;
} maintenance_cases[] = {
    {DMASIM_OP_CACHE_CLEAN, 0, L_CLEAN},
    {DMASIM_OP_CACHE_INVALIDATE, 0, L_INVALIDATE},
    {DMASIM_OP_CACHE_FLUSH, 0, L_FLUSH},
    {DMASIM_OP_DMA_MAP, DMASIM_DMA_TO_DEVICE, L_CLEAN},
    {DMASIM_OP_DMA_MAP, DMASIM_DMA_FROM_DEVICE, L_INVALIDATE},
    {DMASIM_OP_DMA_MAP, DMASIM_DMA_BIDIRECTIONAL, L_CLEAN},
    {DMASIM_OP_DMA_SYNC_FOR_DEVICE, DMASIM_DMA_TO_DEVICE, L_CLEAN},
    {DMASIM_OP_DMA_SYNC_FOR_DEVICE, DMASIM_DMA_FROM_DEVICE, L_INVALIDATE},
    {DMASIM_OP_DMA_SYNC_FOR_DEVICE, DMASIM_DMA_BIDIRECTIONAL, L_CLEAN},
    {DMASIM_OP_DMA_UNMAP, DMASIM_DMA_TO_DEVICE, L_NOTHING},
    {DMASIM_OP_DMA_UNMAP, DMASIM_DMA_FROM_DEVICE, L_INVALIDATE},
    {DMASIM_OP_DMA_UNMAP, DMASIM_DMA_BIDIRECTIONAL, L_INVALIDATE},
    {DMASIM_OP_DMA_SYNC_FOR_CPU, DMASIM_DMA_TO_DEVICE, L_NOTHING},
    {DMASIM_OP_DMA_SYNC_FOR_CPU, DMASIM_DMA_FROM_DEVICE, L_INVALIDATE},
    {DMASIM_OP_DMA_SYNC_FOR_CPU, DMASIM_DMA_BIDIRECTIONAL, L_INVALIDATE},
};

START_TEST(test_each_maintenance_operation_treats_a_dirty_line_as_documented)
{
    const struct maintenance_case *mc = &maintenance_cases[_i];
    const uint64_t value = 0x7777777777777777ull;
    const int writes_back = mc->does == L_CLEAN || mc->does == L_FLUSH;
    const int drops = mc->does == L_INVALIDATE || mc->does == L_FLUSH;
    sys s;
    sys_init(&s, 0, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_STORE, .a = RX, .b = 8, .c = value},
        {.kind = mc->kind, .a = RX, .b = LINE, .c = mc->dir},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
    };
    script_run(&s, ops, 3);
    uint64_t mem = 0;
    dmasim_mem_read(s.sim, RX, &mem, 8);
    ck_assert_uint_eq(mem, writes_back ? value : 0);
    ck_assert_uint_eq(cstats(&s)->maintenance_writebacks, (uint64_t)writes_back);
    ck_assert_uint_eq(cstats(&s)->discarded_dirty_lines, (uint64_t)(mc->does == L_INVALIDATE));
    dmasim_cache_stats st;
    dmasim_cache_get_stats(dmasim_cpu_dcache(s.cpu), &st);
    ck_assert_uint_eq(st.read_misses, (uint64_t)drops); /* the reload misses only if the line was dropped */
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), mc->does == L_INVALIDATE ? 0 : value);
    dmasim_sim_destroy(s.sim);
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
    ck_assert_int_eq(dmasim_dmac_channel_start(s->dmac, 0, &s->job), 0);
}

/* A CPU at the bus clock runs its script while a burst of 8 8-byte units from src to dst
 * (dst_step: its destination addresses; coherence coh) starts at bus cycle 1000. */
static void script_with_burst(sys *s, int reference, dmasim_addr src, dmasim_addr dst, dmasim_dma_step dst_step,
                              dmasim_dma_coherence coh, const dmasim_cpu_op *ops, size_t n)
{
    sys_init(s, reference, 1);
    dmasim_dma_transfer_init(&s->job);
    s->job.src = src;
    s->job.dst = dst;
    s->job.count = 8;
    s->job.item_size = 8;
    s->job.mode = DMASIM_DMA_BURST;
    s->job.dst_step = dst_step;
    s->job.coherence = coh;
    dmasim_event ev; /* has run when script_run() returns */
    dmasim_event_init(&ev, start_job, s);
    ck_assert_int_eq(dmasim_event_schedule(s->sim, &ev, 1000 * 10000, DMASIM_PRIO_DEFAULT), 0);
    script_run(s, ops, n);
}

/* A read is stale only for the bytes written at or before it. CPU at the bus clock: its first
 * read_buffer fills the line in 1 + 1 + 8 * 3 = 26 cycles; it computes 999 cycles and reads the
 * line again at cycle 1025 (hits take no time). The burst starts at cycle 1000: unit k's write
 * ends at 1000 + 1 + 8 * (k + 1), so units 0..2 (ending 1009, 1017, 1025) are written by then
 * and exactly 3 of the 8 loads are stale. */
START_TEST(test_a_read_is_stale_only_for_bytes_written_before_it)
{
    sys s;
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_COMPUTE, .a = 999},
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
    };
    script_with_burst(&s, _i, NICBUF, RX, DMASIM_DMA_INCREMENT, DMASIM_COHERENCE_NONE, ops, 3);
    ck_assert_uint_eq(cstats(&s)->stale_reads, 3);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 2);
    ck_assert_uint_eq(r->addr, RX + 16);
    ck_assert_uint_eq(r->time, 1025 * 10000);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Each chunk keeps the time of its *first* foreign write since the fill, and a read at that very
 * time is stale. The burst above with a fixed destination writes RX's first 8 bytes eight times,
 * at 1009, 1017, ..., 1065. The CPU loads them at 26 + 983 = 1009, then computes past the burst
 * and misses on another line (its reads are judged when that access completes, when all eight
 * writes are known): the load is stale. */
START_TEST(test_a_chunk_written_again_stays_stale_from_its_first_write)
{
    sys s;
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_COMPUTE, .a = 983},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
        {.kind = DMASIM_OP_COMPUTE, .a = 100},
        {.kind = DMASIM_OP_LOAD, .a = RX + 0x1000, .b = 8},
    };
    script_with_burst(&s, _i, NICBUF, RX, DMASIM_DMA_FIXED, DMASIM_COHERENCE_NONE, ops, 5);
    ck_assert_uint_eq(cstats(&s)->stale_reads, 1);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 0);
    ck_assert_uint_eq(r->addr, RX);
    ck_assert_uint_eq(r->time, 1009 * 10000);
    ck_assert_uint_eq(r->cpu_op, 2);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A non-coherent read of a dirty line is a stale device read if the line's first store is at or
 * before the read's time. The CPU fills RX's line by cycle 26, computes 979 cycles and stores to
 * the line's last 8 bytes at cycle 1005 (a hit). A burst from RX starting at cycle 1000 reads
 * unit k from 1001 + 8k to 1005 + 8k (arbitration 1, address 1, one beat of 1 + 2 wait states):
 * its first read ends at the store's very time. All 8 reads of the line are stale device reads
 * (dirtiness is per line), the first at cycle 1005. */
START_TEST(test_a_device_read_at_the_time_of_the_first_store_is_a_stale_device_read)
{
    sys s;
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_COMPUTE, .a = 979},
        {.kind = DMASIM_OP_STORE, .a = RX + LINE - 8, .b = 8, .c = 0x4444444444444444ull},
    };
    script_with_burst(&s, _i, RX, NICBUF, DMASIM_DMA_INCREMENT, DMASIM_COHERENCE_NONE, ops, 3);
    ck_assert_uint_eq(cstats(&s)->stale_device_reads, LINE / 8);
    const dmasim_stale_report *r = dmasim_cache_stale_report_at(dmasim_cpu_dcache(s.cpu), 0);
    ck_assert_int_eq(r->kind, DMASIM_STALE_DEVICE_READ);
    ck_assert_uint_eq(r->addr, RX);
    ck_assert_uint_eq(r->time, 1005 * 10000);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A snooping write that drops a line whose fill is still waiting for the bus does not leave it
 * invalid: the fill reads memory after the write, so the line is valid with the device's bytes.
 * The CPU misses on RX at cycle 1002, during a snooping burst to RX that started at 1000 (its
 * writes at 1009, 1017, ..., 1065 hold the bus); its fill follows the burst, and its next load of
 * RX hits. */
START_TEST(test_a_line_dropped_while_its_fill_waits_is_valid_after_the_fill)
{
    sys s;
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_COMPUTE, .a = 1002},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
    };
    script_with_burst(&s, _i, NICBUF, RX, DMASIM_DMA_INCREMENT, DMASIM_COHERENCE_SNOOP, ops, 3);
    dmasim_cache_stats st;
    dmasim_cache_get_stats(dmasim_cpu_dcache(s.cpu), &st);
    ck_assert_uint_ge(cstats(&s)->snoop_invalidations, 1); /* the burst did drop the line */
    ck_assert_uint_eq(st.read_misses, 1);
    uint64_t want;
    memcpy(&want, s.packet, 8);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), want);
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

/* The number of kept reports follows the last dmasim_cache_set_max_reports: raised before the
 * run, every one of the 1536 / 8 stale reads is kept; lowered afterwards, the first n stay. */
START_TEST(test_max_reports_raised_keeps_all_and_lowered_keeps_the_first)
{
    sys s;
    sys_init(&s, 0, 4);
    dmasim_cache *c = dmasim_cpu_dcache(s.cpu);
    ck_assert_int_eq(dmasim_cache_set_max_reports(c, 1000), 0);
    nic_receive(&s, V_NONE);
    ck_assert_uint_eq(dmasim_cache_stale_report_count(c), LEN / 8);
    ck_assert_uint_eq(dmasim_cache_stale_report_at(c, LEN / 8 - 1)->addr, RX + LEN - 8);
    ck_assert_int_eq(dmasim_cache_set_max_reports(c, 4), 0);
    ck_assert_uint_eq(dmasim_cache_stale_report_count(c), 4);
    ck_assert_ptr_null(dmasim_cache_stale_report_at(c, 4));
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(dmasim_cache_stale_report_at(c, i)->addr, RX + 8 * i);
    ck_assert_uint_eq(cstats(&s)->stale_reads, LEN / 8);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* The snoop filter forgets a line found absent once the D1 installs a line: a DMA writes 16
 * bytes to RX while the D1 does not hold it, the CPU then caches RX, and a second DMA copies
 * RX + 8 over RX (both non-coherent). The second DMA's write makes the CPU's next load of RX stale:
 * it returns the first packet bytes (its fill), memory holds the next ones. */
START_TEST(test_a_line_cached_after_the_dma_found_it_absent_is_tracked_again)
{
    sys s;
    sys_init(&s, _i, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX, .d = 2, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = RX + 8, .c = RX, .d = 1, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
        {.kind = DMASIM_OP_LOAD, .a = RX, .b = 8},
    };
    script_run(&s, ops, 6);
    uint64_t first, next, mem = 0;
    memcpy(&first, s.packet, 8);
    memcpy(&next, s.packet + 8, 8);
    dmasim_mem_read(s.sim, RX, &mem, 8);
    ck_assert_uint_eq(mem, next);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), first);
    ck_assert_uint_eq(cstats(&s)->stale_reads, 1);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* The coherent view overlays only dirty lines: under a clean line that a non-coherent DMA wrote
 * behind the D1's back, it shows memory (the device's bytes), not the D1's stale copy. A range
 * over the clean line's last 8 bytes and the dirty next line's first 8 shows both. */
START_TEST(test_coherent_view_shows_memory_under_clean_lines)
{
    sys s;
    sys_init(&s, 0, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_READ_BUFFER, .a = RX, .b = LINE},
        {.kind = DMASIM_OP_STORE, .a = RX + LINE, .b = 8, .c = 0x5555555555555555ull},
        {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = NICBUF, .c = RX, .d = LINE / 8, .item_size = 8, .mode = 0},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
    };
    script_run(&s, ops, 4);
    uint8_t view[16];
    dmasim_cache_read_coherent(dmasim_cpu_dcache(s.cpu), RX + LINE - 8, view, sizeof view);
    ck_assert_mem_eq(view, s.packet + LINE - 8, 8);
    uint64_t dirty;
    memcpy(&dirty, view + 8, 8);
    ck_assert_uint_eq(dirty, 0x5555555555555555ull);
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
    tcase_add_loop_test(t, test_stale_reports_name_the_writer_of_the_bytes, 0, 2);
    tcase_add_test(t, test_one_line_dcache_is_refused_by_the_cpu);
    tcase_add_loop_test(t, test_eviction_of_a_dirty_line_over_dma_bytes_is_a_lost_dma_write, 0, 2);
    tcase_add_loop_test(t, test_stale_reads_are_judged_per_chunk_of_the_line, 0, 3);
    tcase_add_loop_test(t, test_dma_read_of_a_dirty_line_is_a_stale_device_read, 0, 2);
    tcase_add_loop_test(t, test_dma_map_to_device_cleans_so_the_device_reads_cpu_bytes, 0, 2);
    tcase_add_loop_test(t, test_snooping_dma_read_gets_the_cpu_dirty_bytes, 0, 2);
    tcase_add_loop_test(t, test_snooping_read_of_a_clean_line_reads_memory, 0, 2);
    tcase_add_loop_test(t, test_snoop_invalidate_merges_the_cpu_dirty_bytes, 0, 2);
    tcase_add_loop_test(t, test_invalidate_discards_dirty_data, 0, 2);
    tcase_add_loop_test(t, test_clean_costs_cycles_per_line_and_a_write_back_per_dirty_line, 0, 2);
    tcase_add_loop_test(t, test_each_maintenance_operation_treats_a_dirty_line_as_documented, 0,
                        (int)(sizeof maintenance_cases / sizeof maintenance_cases[0]));
    tcase_add_test(t, test_unaligned_or_empty_maintenance_range_is_rejected);
    tcase_add_loop_test(t, test_a_read_is_stale_only_for_bytes_written_before_it, 0, 2);
    tcase_add_loop_test(t, test_a_chunk_written_again_stays_stale_from_its_first_write, 0, 2);
    tcase_add_loop_test(t, test_a_device_read_at_the_time_of_the_first_store_is_a_stale_device_read, 0, 2);
    tcase_add_loop_test(t, test_a_line_dropped_while_its_fill_waits_is_valid_after_the_fill, 0, 2);
    tcase_add_test(t, test_zero_max_reports_keeps_none_but_counts);
    tcase_add_test(t, test_coherent_view_overlays_dirty_lines);
    tcase_add_test(t, test_max_reports_raised_keeps_all_and_lowered_keeps_the_first);
    tcase_add_loop_test(t, test_a_line_cached_after_the_dma_found_it_absent_is_tracked_again, 0, 2);
    tcase_add_test(t, test_coherent_view_shows_memory_under_clean_lines);
    tcase_add_loop_test(t, test_stale_detection_with_a_running_trace_is_the_same_on_both_paths, 0, 3);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(coherence_suite());
}

/* Data really moves: the DMAC copies bytes through the bus, in every mode, on the fast and the
 * reference path.
 *
 *   - every item size (1..64) at unaligned source and destination addresses, over 4 KiB page
 *     boundaries (items that straddle a page included); the destination equals the source and
 *     the bytes just outside it are untouched;
 *   - overlapping copies give the result of copying item by item (each item read into the
 *     DMAC's data register, then written), computed here in plain C;
 *   - a scripted CPU that programs the channel through its registers (64-bit addresses, so the
 *     _HI registers matter) moves the right bytes, and a load after DMA_WAIT from a line the CPU
 *     never cached returns the destination's new value; a line it cached before the DMA still
 *     holds the old value (the D1 is not coherent with DMA: include/dmasim/cache.h). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"

/* ======================================================================================= */
/* Private helpers                                                                          */
/* ======================================================================================= */

#define HI_BASE 0x20000000ull   /* "ram_hi": [HI_BASE, 1 GiB) */
#define MEM_END 0x40000000ull
#define FAR_BASE 0x100000000ull /* "ram_far": [4 GiB, 12 GiB), addresses above 32 bits */
#define FAR_SIZE 0x200000000ull
#define REG_BASE 0xF0000000ull
#define GUARD 64

typedef struct dsys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
} dsys;

static void mem_map(dsys *s, const char *name, dmasim_addr base, uint64_t size, uint32_t ws)
{
    dmasim_sram_config rc;
    dmasim_sram_config_init(&rc);
    rc.name = name;
    rc.base = base;
    rc.size = size;
    rc.wait_states = ws;
    int err = dmasim_sram_create(s->bus, &rc);
    ck_assert_msg(err == 0, "sram_create %s: %s", name, dmasim_sim_errmsg(s->sim));
}

static void dsys_init(dsys *s, int reference, uint32_t width, uint32_t arb, int with_cpu)
{
    memset(s, 0, sizeof *s);
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.reference = reference;
    ck_assert_int_eq(dmasim_sim_create(&sc, &s->sim), 0);
    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc);
    bc.width = width;
    bc.arbitration_cycles = arb;
    int err = dmasim_bus_create(s->sim, &bc, &s->bus);
    ck_assert_msg(err == 0, "bus_create: %s", dmasim_sim_errmsg(s->sim));
    mem_map(s, "ram", 0, HI_BASE, 0);
    mem_map(s, "ram_hi", HI_BASE, MEM_END - HI_BASE, 2);
    mem_map(s, "ram_far", FAR_BASE, FAR_SIZE, 1);
    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    dc.reg_base = REG_BASE;
    err = dmasim_dmac_create(s->bus, &dc, &s->dmac);
    ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(s->sim));
    if (with_cpu) {
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        err = dmasim_cpu_create(s->bus, &cc, &s->cpu);
        ck_assert_msg(err == 0, "cpu_create: %s", dmasim_sim_errmsg(s->sim));
        ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    }
}

static void dsys_run(dsys *s)
{
    int err = dmasim_sim_run(s->sim);
    ck_assert_msg(err == 0, "sim_run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static uint8_t pat(uint64_t i, unsigned seed) { return (uint8_t)(i * 151u + (i >> 8) * 13u + seed * 29u + 1u); }

static void fill(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pat(i, seed);
    ck_assert_int_eq(dmasim_mem_write(sim, a, b, len), 0);
    free(b);
}

/* The bytes at a equal pat(0.., seed). */
static void expect_pattern(dmasim_sim *sim, dmasim_addr a, size_t len, unsigned seed, const char *what)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(dmasim_mem_read(sim, a, b, len), 0);
    /* (one assertion, not one per byte: each passing Check assertion costs a pipe write) */
    size_t i = 0;
    while (i < len && b[i] == pat(i, seed))
        i++;
    uint8_t got = i < len ? b[i] : 0;
    free(b);
    ck_assert_msg(i == len, "%s: byte %zu (0x%llx) is 0x%02x, expected 0x%02x", what, i,
                  (unsigned long long)(a + i), got, pat(i, seed));
}

static void expect_bytes(dmasim_sim *sim, dmasim_addr a, uint8_t v, size_t len, const char *what)
{
    uint8_t b[GUARD];
    ck_assert_uint_le(len, sizeof b);
    ck_assert_int_eq(dmasim_mem_read(sim, a, b, len), 0);
    size_t i = 0;
    while (i < len && b[i] == v)
        i++;
    ck_assert_msg(i == len, "%s: byte at 0x%llx is 0x%02x, expected 0x%02x", what, (unsigned long long)(a + i),
                  i < len ? b[i] : v, v);
}

static void start(dsys *s, unsigned ch, dmasim_addr src, dmasim_addr dst, uint64_t count, uint32_t item,
                  dmasim_dma_mode mode)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = dst;
    t.count = count;
    t.item_size = item;
    t.mode = mode;
    int err = dmasim_dmac_channel_start(s->dmac, ch, &t);
    ck_assert_msg(err == 0, "channel_start: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static void expect_done(dsys *s, unsigned ch, uint64_t count)
{
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, ch, &st), 0);
    ck_assert_msg(!st.busy && st.tc && !st.error && st.items_done == count,
                  "channel %u: busy %d tc %d error %d (%s at 0x%llx) items %llu of %llu", ch, st.busy, st.tc,
                  st.error, dmasim_strerror(st.err), (unsigned long long)st.err_addr,
                  (unsigned long long)st.items_done, (unsigned long long)count);
}

static uint64_t stat_get(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    ck_assert_msg(dmasim_sim_stat_u64(sim, path, &v) == 0, "no statistic %s", path);
    return v;
}

/* ======================================================================================= */
/* Item sizes, alignment, page boundaries                                                   */
/* ======================================================================================= */

START_TEST(test_item_sizes_unaligned_across_pages)
{
    const uint32_t items[] = {1, 2, 4, 8, 16, 32, 64};
    const uint32_t widths[] = {4, 8, 32};
    unsigned seed = 0;
    for (size_t ii = 0; ii < sizeof items / sizeof items[0]; ii++)
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
            for (int mode = 0; mode < 3; mode++)
                for (int ref = 0; ref < 2; ref++) {
                    const uint32_t item = items[ii];
                    /* the source starts 3 items + 1 byte before a page end: item 3 straddles
                     * the page boundary; the block (>= 4 KiB) crosses at least one more */
                    const dmasim_addr src = 0x11000 - 3 * item - 1;
                    const dmasim_addr dst = HI_BASE + 0x23000 - 5 * item + 3;
                    const uint64_t count = 5000 / item > 16 ? 5000 / item : 16;
                    const size_t len = (size_t)(count * item);
                    ck_assert_uint_gt((src + len) / 4096, src / 4096 + 1);
                    ck_assert_uint_gt((dst + len) / 4096, dst / 4096 + 1);
                    seed++;
                    dsys s;
                    dsys_init(&s, ref, widths[wi], 1, 0);
                    fill(s.sim, src, len, seed);
                    ck_assert_int_eq(dmasim_mem_fill(s.sim, dst - GUARD, 0xA5, len + 2 * GUARD), 0);
                    start(&s, 1, src, dst, count, item, (dmasim_dma_mode)mode);
                    dsys_run(&s);
                    expect_done(&s, 1, count);
                    char what[96];
                    snprintf(what, sizeof what, "item %u width %u mode %d ref %d", item, widths[wi], mode, ref);
                    expect_pattern(s.sim, dst, len, seed, what);
                    expect_pattern(s.sim, src, len, seed, what); /* the source is unchanged */
                    expect_bytes(s.sim, dst - GUARD, 0xA5, GUARD, what);
                    expect_bytes(s.sim, dst + len, 0xA5, GUARD, what);
                    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.items"), count);
                    ck_assert_uint_eq(stat_get(s.sim, "dmac0.ch1.bytes"), len);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.bytes"), 2 * len);
                    ck_assert_uint_eq(stat_get(s.sim, "bus0.master.dmac0.transactions"), 2 * count);
                    dmasim_sim_destroy(s.sim);
                }
}
END_TEST

/* A block that runs off the end of memory: the item that straddles the end is not inside one
 * slave, so its write is a transaction to an unmapped range (R7); the channel stops with an
 * error there, and the items before it were copied. */
START_TEST(test_block_runs_off_the_end_of_memory)
{
    for (int ref = 0; ref < 2; ref++) {
        dsys s;
        dsys_init(&s, ref, 8, 1, 0);
        const uint32_t item = 16;
        const dmasim_addr src = 0x1000;
        const dmasim_addr dst = MEM_END - 5 * item - 8; /* 5 items fit, the 6th straddles the end */
        fill(s.sim, src, 10 * item, 3);
        start(&s, 0, src, dst, 10, item, DMASIM_DMA_BURST);
        dsys_run(&s);
        dmasim_dma_channel_status st;
        ck_assert_int_eq(dmasim_dmac_channel_status(s.dmac, 0, &st), 0);
        ck_assert_int_eq(st.error, 1);
        ck_assert_int_eq(st.err, DMASIM_EUNMAPPED);
        ck_assert_uint_eq(st.err_addr, MEM_END - 8);
        ck_assert_uint_eq(st.items_done, 5);
        expect_pattern(s.sim, dst, 5 * item, 3, "copied part");
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* ======================================================================================= */
/* Overlapping copies                                                                       */
/* ======================================================================================= */

START_TEST(test_overlapping_copy_is_item_by_item)
{
    struct {
        uint32_t item;
        int64_t delta; /* dst - src */
        uint64_t count;
    } cases[] = {
        {4, 4, 64},   /* the case: every item is the first one again */
        {8, 4, 40},   /* overlap inside an item */
        {4, 2, 50},
        {1, 1, 100},
        {16, 24, 30},
        {16, -4, 30}, /* destination below the source: an ordinary forward copy */
        {64, 32, 12},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int mode = 0; mode < 3; mode++)
            for (int ref = 0; ref < 2; ref++) {
                const uint32_t item = cases[k].item;
                const uint64_t count = cases[k].count;
                const dmasim_addr src = 0x7FF0 + 3; /* unaligned, crosses 0x8000 */
                const dmasim_addr dst = (dmasim_addr)((int64_t)src + cases[k].delta);
                const dmasim_addr lo = (src < dst ? src : dst) - GUARD;
                const size_t span = (size_t)(count * item + (cases[k].delta < 0 ? -cases[k].delta : cases[k].delta)) +
                                    2 * GUARD;
                uint8_t *expect = malloc(span), *got = malloc(span);
                ck_assert_ptr_nonnull(expect);
                ck_assert_ptr_nonnull(got);
                for (size_t i = 0; i < span; i++)
                    expect[i] = pat(i, (unsigned)k);

                dsys s;
                dsys_init(&s, ref, 8, 1, 0);
                ck_assert_int_eq(dmasim_mem_write(s.sim, lo, expect, span), 0);
                start(&s, 0, src, dst, count, item, (dmasim_dma_mode)mode);
                dsys_run(&s);
                expect_done(&s, 0, count);
                ck_assert_int_eq(dmasim_mem_read(s.sim, lo, got, span), 0);

                /* item by item: read the whole item, then write it */
                for (uint64_t i = 0; i < count; i++)
                    memmove(expect + (dst - lo) + i * item, expect + (src - lo) + i * item, item);
                size_t i = 0;
                while (i < span && got[i] == expect[i])
                    i++;
                ck_assert_msg(i == span,
                              "item %u delta %lld mode %d ref %d: byte at 0x%llx is 0x%02x, expected 0x%02x", item,
                              (long long)cases[k].delta, mode, ref, (unsigned long long)(lo + i),
                              i < span ? got[i] : 0, i < span ? expect[i] : 0);
                dmasim_sim_destroy(s.sim);
                free(expect);
                free(got);
            }
}
END_TEST

/* ======================================================================================= */
/* Register programming by a scripted CPU                                                   */
/* ======================================================================================= */

static dmasim_cpu_op op_dma_start(unsigned ch, dmasim_addr src, dmasim_addr dst, uint64_t count, uint32_t item,
                                  uint32_t mode)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_DMA_START;
    o.a = REG_BASE;
    o.b = src;
    o.c = dst;
    o.d = count;
    o.channel = ch;
    o.item_size = item;
    o.mode = mode;
    return o;
}

static dmasim_cpu_op op_dma_wait(unsigned ch)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_DMA_WAIT;
    o.a = REG_BASE;
    o.channel = ch;
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

static dmasim_cpu_op op_compute(uint64_t n)
{
    dmasim_cpu_op o;
    memset(&o, 0, sizeof o);
    o.kind = DMASIM_OP_COMPUTE;
    o.a = n;
    return o;
}

static uint64_t pat_le(size_t off, uint32_t size, unsigned seed)
{
    uint64_t v = 0;
    for (uint32_t i = size; i-- > 0;)
        v = v << 8 | pat(off + i, seed);
    return v;
}

START_TEST(test_register_programmed_copy_and_load)
{
    const uint32_t items[] = {4, 8, 64, 1};
    for (size_t ii = 0; ii < sizeof items / sizeof items[0]; ii++)
        for (int mode = 0; mode < 3; mode++)
            for (int ref = 0; ref < 2; ref++) {
                const uint32_t item = items[ii];
                /* above 4 GiB: SRC_HI and DST_HI carry 1 and 2 */
                const dmasim_addr src = FAR_BASE + 0x123, dst = FAR_BASE + 0x100000456ull;
                const uint64_t count = 1024 / item;
                const size_t len = (size_t)(count * item);
                const unsigned ch = (unsigned)(ii % 4);
                const size_t off = 21; /* an unaligned 8-byte load of the destination */
                dsys s;
                dsys_init(&s, ref, 8, 1, 1);
                fill(s.sim, src, len, 40 + (unsigned)ii);
                ck_assert_int_eq(dmasim_mem_fill(s.sim, dst - GUARD, 0xA5, len + 2 * GUARD), 0);
                dmasim_cpu_op ops[] = {op_compute(10), op_dma_start(ch, src, dst, count, item, (uint32_t)mode),
                                       op_dma_wait(ch), op_load(dst + off, 8)};
                ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 4), 0);
                dsys_run(&s);
                ck_assert(dmasim_cpu_finished(s.cpu));
                ck_assert_uint_eq(stat_get(s.sim, "dmac0.register_errors"), 0);
                ck_assert_uint_eq(stat_get(s.sim, "cpu0.bus_errors"), 0);
                dmasim_dma_channel_status st;
                ck_assert_int_eq(dmasim_dmac_channel_status(s.dmac, ch, &st), 0);
                ck_assert_uint_eq(st.items_done, count);
                ck_assert_int_eq(st.error, 0);
                ck_assert_int_eq(st.tc, 0); /* DMA_WAIT wrote STATUS back to clear TC */
                ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 0);
                char what[64];
                snprintf(what, sizeof what, "item %u mode %d ref %d", item, mode, ref);
                expect_pattern(s.sim, dst, len, 40 + (unsigned)ii, what);
                expect_bytes(s.sim, dst - GUARD, 0xA5, GUARD, what);
                expect_bytes(s.sim, dst + len, 0xA5, GUARD, what);
                ck_assert_msg(dmasim_cpu_last_load(s.cpu) == pat_le(off, 8, 40 + (unsigned)ii),
                              "%s: load after DMA_WAIT returned 0x%016llx, expected 0x%016llx", what,
                              (unsigned long long)dmasim_cpu_last_load(s.cpu),
                              (unsigned long long)pat_le(off, 8, 40 + (unsigned)ii));
                dmasim_sim_destroy(s.sim);
            }
}
END_TEST

/* The D1 is not coherent with DMA (include/dmasim/cache.h: "Coherence with DMA: none"): a line
 * the CPU cached before the transfer still returns the old bytes after it, while memory and a
 * line never cached return the new ones. */
START_TEST(test_cached_line_is_stale_after_dma)
{
    for (int ref = 0; ref < 2; ref++) {
        dsys s;
        dsys_init(&s, ref, 8, 1, 1);
        const dmasim_addr src = 0x9000, dst = HI_BASE + 0x9000;
        const size_t len = 512;
        fill(s.sim, src, len, 50);
        fill(s.sim, dst, len, 51); /* the old contents */
        dmasim_cpu_op ops[] = {op_load(dst + 8, 8), op_dma_start(0, src, dst, len / 8, 8, DMASIM_DMA_BURST),
                               op_dma_wait(0), op_load(dst + 8, 8)};
        ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 4), 0);
        dsys_run(&s);
        expect_pattern(s.sim, dst, len, 50, "memory after DMA");
        ck_assert_msg(dmasim_cpu_last_load(s.cpu) == pat_le(8, 8, 51),
                      "ref %d: cached line returned 0x%016llx, expected the stale 0x%016llx", ref,
                      (unsigned long long)dmasim_cpu_last_load(s.cpu), (unsigned long long)pat_le(8, 8, 51));
        dmasim_sim_destroy(s.sim);

        /* same script, but the first load is from another line: the line at dst + 8 is filled
         * after the DMA and holds the new bytes */
        dsys_init(&s, ref, 8, 1, 1);
        fill(s.sim, src, len, 50);
        fill(s.sim, dst, len, 51);
        ops[0] = op_load(dst + 256, 8);
        ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 4), 0);
        dsys_run(&s);
        ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), pat_le(8, 8, 50));
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* ======================================================================================= */

static Suite *dma_data_suite(void)
{
    Suite *s = suite_create("dma_data");
    TCase *tc = tcase_create("data");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_item_sizes_unaligned_across_pages);
    tcase_add_test(tc, test_block_runs_off_the_end_of_memory);
    tcase_add_test(tc, test_overlapping_copy_is_item_by_item);
    tcase_add_test(tc, test_register_programmed_copy_and_load);
    tcase_add_test(tc, test_cached_line_is_stale_after_dma);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dma_data_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

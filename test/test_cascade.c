/* Cascading a second DMA controller behind a channel of the first (include/dmasim/dmac.h,
 * 8237A cascade mode): the second one's transfers run in the first one's bus tenures, with
 * the first one's channel priority, and take the cycles R12 gives a channel of its own. */
#include <check.h>
#include <string.h>
#include "testutil.h"

#define ITEM 8u
/* bus 8 bytes wide, SRAM 2 wait states: read 1 + 1 * 3, write 1 + 1 * 3 */
#define UNIT 8u
#define ARB 1u
#define P 10000u

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *first, *second;
} sys;

static void sys_init(sys *s, int reference)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 0x40000000, 2);
    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    ck_assert_int_eq(dmasim_dmac_create(s->bus, &dc, &s->first), 0);
    dc.name = "dmac1";
    dc.reg_base = 0xF1000000u;
    ck_assert_int_eq(dmasim_dmac_create(s->bus, &dc, &s->second), 0);
    ck_assert_int_eq(dmasim_dmac_cascade(s->first, 1, s->second), 0);
    uint8_t buf[4096];
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 5 + 3);
    dmasim_mem_write(s->sim, 0x100000, buf, sizeof buf);
}

static void start(dmasim_dmac *d, unsigned ch, dmasim_addr dst, uint64_t n)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x100000;
    t.dst = dst;
    t.count = n;
    t.item_size = ITEM;
    ck_assert_int_eq(dmasim_dmac_channel_start(d, ch, &t), 0);
}

static dmasim_time end_of(dmasim_dmac *d, unsigned ch)
{
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(d, ch, &st), 0);
    ck_assert(st.tc && !st.error);
    return st.end_time;
}

static void reg_write32(dmasim_bus *bus, dmasim_addr a, uint32_t v)
{
    const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_int_eq(dmasim_bus_debug_write(bus, a, b, 4), 0);
}

static uint64_t stat(sys *s, const char *path)
{
    uint64_t v = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(s->sim, path, &v), 0);
    return v;
}

/* Alone, a cascaded burst takes exactly what a channel of the first controller would:
 * ARB + N * UNIT (R12); its transactions are the first controller's on the bus. */
START_TEST(test_cascaded_burst_takes_the_cycles_of_a_channel_of_its_own)
{
    sys s;
    sys_init(&s, _i);
    start(s.second, 0, 0x200000, 64);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(end_of(s.second, 0), (ARB + 64 * UNIT) * P);
    ck_assert_uint_eq(stat(&s, "bus0.master.dmac0.transactions"), 2 * 64);
    ck_assert_uint_eq(stat(&s, "bus0.master.dmac1.transactions"), 0);
    uint8_t a[512], b[512];
    dmasim_mem_read(s.sim, 0x100000, a, sizeof a);
    dmasim_mem_read(s.sim, 0x200000, b, sizeof b);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Fixed priority: the first controller's channel 0 goes before its cascade channel 1. Both
 * start at 0: channel 0's burst ends at ARB + 32 * UNIT; the bus is re-arbitrated there and the
 * cascaded burst follows: ARB + 16 * UNIT more. */
START_TEST(test_cascade_channel_obeys_the_first_controllers_priority)
{
    sys s;
    sys_init(&s, _i);
    start(s.second, 0, 0x200000, 16);
    start(s.first, 0, 0x300000, 32);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    dmasim_time e0 = end_of(s.first, 0);
    ck_assert_uint_eq(e0, (ARB + 32 * UNIT) * P);
    ck_assert_uint_eq(end_of(s.second, 0), e0 + (ARB + 16 * UNIT) * P);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A cascaded controller in cycle stealing yields the bus after each unit like any master. */
START_TEST(test_cascaded_cycle_stealing_unit_per_grant)
{
    sys s;
    sys_init(&s, _i);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x100000;
    t.dst = 0x200000;
    t.count = 10;
    t.item_size = ITEM;
    t.mode = DMASIM_DMA_CYCLE_STEALING;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.second, 0, &t), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(end_of(s.second, 0), 10 * (ARB + UNIT) * P); /* R13 */
    ck_assert_uint_eq(stat(&s, "bus0.master.dmac0.grants"), 10);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Rotating priority in the first controller (docs/dmac.md, Channel priority and Cascade): its
 * channel 0 and the cascade channel 1 both cycle-steal 4 units; the cascaded tenure counts as
 * channel 1 being served, so the two alternate unit by unit, channel 0 first (after reset the
 * channel served last is the highest). Each grant is ARB + UNIT (R13): channel 0 ends after 7
 * grants, the cascaded channel after 8. */
START_TEST(test_cascade_channel_takes_its_turn_in_rotating_priority)
{
    sys s;
    sys_init(&s, _i);
    reg_write32(s.bus, 0xF0000000u + 4 * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_G_PRIORITY, 1);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x100000;
    t.count = 4;
    t.item_size = ITEM;
    t.mode = DMASIM_DMA_CYCLE_STEALING;
    t.dst = 0x200000;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.second, 0, &t), 0);
    t.dst = 0x300000;
    ck_assert_int_eq(dmasim_dmac_channel_start(s.first, 0, &t), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(end_of(s.first, 0), 7 * (ARB + UNIT) * P);
    ck_assert_uint_eq(end_of(s.second, 0), 8 * (ARB + UNIT) * P);
    ck_assert_uint_eq(stat(&s, "bus0.master.dmac0.grants"), 8);
    dmasim_sim_destroy(s.sim);
}
END_TEST

START_TEST(test_bad_cascades_are_refused)
{
    sys s;
    sys_init(&s, 0);
    ck_assert_int_eq(dmasim_dmac_cascade(s.first, 2, s.second), DMASIM_EBUSY);  /* already cascaded */
    ck_assert_int_eq(dmasim_dmac_cascade(s.second, 0, s.first), DMASIM_EINVAL); /* a loop */
    ck_assert_int_eq(dmasim_dmac_cascade(s.first, 2, s.first), DMASIM_EINVAL);  /* itself */
    ck_assert_int_eq(dmasim_dmac_cascade(s.first, 9, NULL), DMASIM_EINVAL);
    dmasim_sim_destroy(s.sim);
}
END_TEST

static Suite *cascade_suite(void)
{
    Suite *s = suite_create("cascade");
    TCase *t = tcase_create("cascade");
    tcase_add_loop_test(t, test_cascaded_burst_takes_the_cycles_of_a_channel_of_its_own, 0, 2);
    tcase_add_loop_test(t, test_cascade_channel_obeys_the_first_controllers_priority, 0, 2);
    tcase_add_loop_test(t, test_cascaded_cycle_stealing_unit_per_grant, 0, 2);
    tcase_add_loop_test(t, test_cascade_channel_takes_its_turn_in_rotating_priority, 0, 2);
    tcase_add_test(t, test_bad_cascades_are_refused);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(cascade_suite());
}

/* The CPU's interrupt, polling and programmed-I/O operations (include/dmasim/cpu.h): their
 * costs follow from the configuration and the timing rules of docs/timing.md. */
#include <check.h>
#include <string.h>
#include "testutil.h"

#define REGS 0xF0000000u
#define SRC 0x100000u
#define DST 0x200000u

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
    dmasim_cpu *cpu;
} sys;

/* Bus 100 MHz, 8 bytes wide, SRAM with 2 wait states; CPU at the bus clock (ratio 1) so CPU
 * cycles are bus cycles; the given interrupt and polling costs. */
static void sys_init(sys *s, int reference, uint32_t latency, uint32_t handler, uint32_t poll)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 0x40000000, 2);
    ck_assert_int_eq(dmasim_dmac_create(s->bus, NULL, &s->dmac), 0);
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = 1;
    cc.irq_latency_cycles = latency;
    cc.irq_handler_cycles = handler;
    cc.poll_interval_cycles = poll;
    ck_assert_int_eq(dmasim_cpu_create(s->bus, &cc, &s->cpu), 0);
    ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    uint8_t buf[4096];
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    ck_assert_int_eq(dmasim_mem_write(s->sim, SRC, buf, sizeof buf), 0);
}

static void run(sys *s, const dmasim_cpu_op *ops, size_t n)
{
    ck_assert_int_eq(dmasim_cpu_run_script(s->cpu, ops, n), 0);
    ck_assert_msg(dmasim_sim_run(s->sim) == 0, "%s", dmasim_sim_errmsg(s->sim));
    ck_assert(dmasim_cpu_finished(s->cpu));
}

static uint64_t stat(sys *s, const char *path)
{
    uint64_t v = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(s->sim, path, &v), 0);
    return v;
}

static const dmasim_cpu_op dma_then_wait[] = {
    {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = SRC, .c = DST, .d = 64, .item_size = 8},
    {.kind = DMASIM_OP_DMA_WAIT, .a = REGS},
};

/* Taking the interrupt costs exactly latency + handler CPU cycles more than an ideal one. */
START_TEST(test_r23_interrupt_costs_latency_plus_handler_cycles)
{
    uint64_t cycles[2];
    for (int k = 0; k < 2; k++) {
        sys s;
        sys_init(&s, _i, k ? 30 : 0, k ? 100 : 0, 20);
        run(&s, dma_then_wait, 2);
        cycles[k] = dmasim_cpu_cycles(s.cpu);
        ck_assert_uint_eq(stat(&s, "cpu0.irqs_taken"), 1);
        ck_assert_uint_eq(stat(&s, "cpu0.irq_overhead_cycles"), k ? 130 : 0);
        dmasim_sim_destroy(s.sim);
    }
    ck_assert_uint_eq(cycles[1] - cycles[0], 130);
}
END_TEST

/* Polling (the DMA cycle-steals, so the CPU's reads interleave with its units; in burst mode the
 * first read would wait for the whole block): the CPU reads STATUS until TC, so it finishes no
 * earlier than the DMA and at most one poll period after it (interval + the STATUS read: arbitration 1 + address 1 + one beat
 * with the register's 1 wait state = 4 cycles) plus the clearing write (4 cycles). */
START_TEST(test_r24_polling_ends_within_one_poll_period_of_terminal_count)
{
    uint32_t intervals[2] = {20, 200};
    uint64_t polls[2];
    for (int k = 0; k < 2; k++) {
        sys s;
        sys_init(&s, _i, 0, 0, intervals[k]);
        const dmasim_cpu_op ops[] = {
            {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = SRC, .c = DST, .d = 64, .item_size = 8,
             .mode = DMASIM_DMA_CYCLE_STEALING},
            {.kind = DMASIM_OP_DMA_POLL, .a = REGS},
        };
        run(&s, ops, 2);
        dmasim_dma_channel_status st;
        dmasim_dmac_channel_status(s.dmac, 0, &st);
        dmasim_time cpu_end = dmasim_sim_now(s.sim);
        ck_assert_uint_ge(cpu_end, st.end_time);
        ck_assert_uint_le(cpu_end - st.end_time, (uint64_t)(intervals[k] + 4 + 4) * 10000);
        ck_assert(!st.tc); /* cleared by the poll's write-back */
        polls[k] = stat(&s, "cpu0.polls");
        ck_assert_uint_ge(polls[k], 2);
        dmasim_sim_destroy(s.sim);
    }
    ck_assert_uint_lt(polls[1], polls[0]); /* a longer interval polls less often */
}
END_TEST

/* Polling, exactly: with a transparent DMA (which never delays the CPU, R15) the CPU's time is
 * its own: the six register writes of DMA_START, then `polls` STATUS reads with
 * poll_interval_cycles between two of them, then the clearing write. Each register access is
 * arbitration 1 + address 1 + one beat with the register's wait state = 4 cycles (CPU at the
 * bus clock), so cycles = 6 * 4 + polls * 4 + (polls - 1) * interval + 4. */
START_TEST(test_r24_polling_costs_its_reads_and_intervals)
{
    static const uint32_t intervals[] = {20, 37};
    for (size_t k = 0; k < sizeof intervals / sizeof intervals[0]; k++) {
        sys s;
        sys_init(&s, _i, 0, 0, intervals[k]);
        const dmasim_cpu_op ops[] = {
            {.kind = DMASIM_OP_DMA_START, .a = REGS, .b = SRC, .c = DST, .d = 64, .item_size = 8,
             .mode = DMASIM_DMA_TRANSPARENT},
            {.kind = DMASIM_OP_DMA_POLL, .a = REGS},
        };
        run(&s, ops, 2);
        const uint64_t polls = stat(&s, "cpu0.polls"), reg = 1 + 1 + 1 * (1 + 1);
        ck_assert_uint_ge(polls, 2);
        ck_assert_uint_eq(stat(&s, "cpu0.stall_cycles_by.dmac0"), 0);
        ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), 6 * reg + polls * reg + (polls - 1) * intervals[k] + reg);
        dmasim_dma_channel_status st;
        dmasim_dmac_channel_status(s.dmac, 0, &st);
        ck_assert(!st.busy && !st.tc); /* done, and TC cleared by the poll's write-back */
        ck_assert_uint_eq(st.items_done, 64);
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* Programmed I/O with a cold D1 (64-byte lines, large enough to hold both buffers): per line,
 * one load miss and one store miss, each a line fill of arbitration 1 + address 1 + 8 beats *
 * (1 + 2) = 26 cycles; the other loads and stores hit; plus pio_cycles_per_word (2) per
 * 8 bytes: 26 + 26 + 8 * 2 = 68 CPU cycles per 64 bytes. */
START_TEST(test_r25_pio_copy_costs_two_fills_and_loop_overhead_per_line)
{
    sys s;
    sys_init(&s, _i, 0, 0, 20);
    const dmasim_cpu_op ops[] = {{.kind = DMASIM_OP_COPY, .a = SRC, .b = DST, .c = 4096}};
    run(&s, ops, 1);
    ck_assert_uint_eq(dmasim_cpu_cycles(s.cpu), 4096 / 64 * 68);
    ck_assert_uint_eq(stat(&s, "cpu0.pio_bytes"), 4096);
    uint8_t want[4096], got[4096];
    dmasim_mem_read(s.sim, SRC, want, sizeof want);
    dmasim_cache_read_coherent(dmasim_cpu_dcache(s.cpu), DST, got, sizeof got); /* stores are in the D1 */
    ck_assert_int_eq(memcmp(want, got, sizeof want), 0);
    dmasim_sim_destroy(s.sim);
}
END_TEST

START_TEST(test_copy_size_must_be_a_multiple_of_8)
{
    sys s;
    sys_init(&s, 0, 0, 0, 20);
    const dmasim_cpu_op op = {.kind = DMASIM_OP_COPY, .a = SRC, .b = DST, .c = 12};
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, &op, 1), DMASIM_EINVAL);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(s.sim), "multiple of 8"));
    dmasim_sim_destroy(s.sim);
}
END_TEST

static Suite *cpu_ops_suite(void)
{
    Suite *s = suite_create("cpu_ops");
    TCase *t = tcase_create("cpu_ops");
    tcase_add_loop_test(t, test_r23_interrupt_costs_latency_plus_handler_cycles, 0, 2);
    tcase_add_loop_test(t, test_r24_polling_ends_within_one_poll_period_of_terminal_count, 0, 2);
    tcase_add_loop_test(t, test_r24_polling_costs_its_reads_and_intervals, 0, 2);
    tcase_add_loop_test(t, test_r25_pio_copy_costs_two_fills_and_loop_overhead_per_line, 0, 2);
    tcase_add_test(t, test_copy_size_must_be_a_multiple_of_8);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(cpu_ops_suite());
}

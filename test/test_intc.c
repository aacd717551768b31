/* The interrupt controller (include/dmasim/intc.h): the output follows the enabled inputs,
 * the registers report and mask them, and a CPU waiting on the output wakes when an enabled
 * source fires. */
#include <check.h>
#include <stdio.h>
#include "testutil.h"

#define REGS 0xF0000000u
#define INTC 0xF1000000u

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac[2];
    dmasim_intc *intc;
    dmasim_cpu *cpu;
} sys;

/* Two DMACs (lines 0 and 1) into an intc at INTC, the CPU waiting on its output. */
static void sys_init(sys *s, int reference)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 0x40000000, 2);
    for (int i = 0; i < 2; i++) {
        dmasim_dmac_config dc;
        dmasim_dmac_config_init(&dc);
        dc.name = i ? "dmac1" : "dmac0";
        dc.reg_base = REGS + (dmasim_addr)i * 0x10000;
        ck_assert_int_eq(dmasim_dmac_create(s->bus, &dc, &s->dmac[i]), 0);
    }
    ck_assert_int_eq(dmasim_intc_create(s->sim, NULL, &s->intc), 0);
    ck_assert_int_eq(dmasim_intc_map(s->intc, s->bus, INTC), 0);
    for (unsigned i = 0; i < 2; i++)
        ck_assert_int_eq(dmasim_intc_connect(s->intc, i, dmasim_dmac_irq(s->dmac[i])), 0);
    ck_assert_int_eq(dmasim_cpu_create(s->bus, NULL, &s->cpu), 0);
    ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_intc_irq(s->intc)), 0);
}

static void start_mode(sys *s, int which, uint64_t count, dmasim_dma_mode mode)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x100000;
    t.dst = 0x200000 + (dmasim_addr)which * 0x10000;
    t.count = count;
    t.item_size = 8;
    t.mode = mode;
    ck_assert_int_eq(dmasim_dmac_channel_start(s->dmac[which], 0, &t), 0);
}

static void start(sys *s, int which, uint64_t count)
{
    start_mode(s, which, count, DMASIM_DMA_BURST);
}

/* The output is the OR of the enabled inputs; a disabled line is pending but not active. */
START_TEST(test_output_is_the_or_of_enabled_lines)
{
    sys s;
    sys_init(&s, _i);
    ck_assert_int_eq(dmasim_intc_enable(s.intc, 1, 0), 0);
    start(&s, 1, 4);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(dmasim_intc_pending(s.intc), 2);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_intc_irq(s.intc)), 0);
    ck_assert_int_eq(dmasim_intc_enable(s.intc, 1, 1), 0); /* enabling a pending line raises it */
    ck_assert_uint_eq(dmasim_signal_value(dmasim_intc_irq(s.intc)), 1);
    ck_assert_int_eq(dmasim_intc_enable(s.intc, 9, 1), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_intc_connect(s.intc, 0, dmasim_dmac_irq(s.dmac[1])), DMASIM_EINVAL); /* taken */
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A handler finds the source through the registers: both DMAs finish, the CPU wakes on the
 * first, reads HIGHEST (line 0 has priority) and ACTIVE over the bus, masks line 1 by writing
 * ENABLE, and the output then follows line 0 alone. */
START_TEST(test_registers_report_and_mask_the_sources)
{
    sys s;
    sys_init(&s, _i);
    start(&s, 0, 4);
    start(&s, 1, 4);
    const dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_COMPUTE, .a = 1000},
        {.kind = DMASIM_OP_LOAD, .a = INTC + DMASIM_INTC_HIGHEST, .b = 4},
        {.kind = DMASIM_OP_LOAD, .a = INTC + DMASIM_INTC_ACTIVE, .b = 4},
        {.kind = DMASIM_OP_STORE, .a = INTC + DMASIM_INTC_ENABLE, .b = 4, .c = 1},
        {.kind = DMASIM_OP_LOAD, .a = INTC + DMASIM_INTC_ENABLE, .b = 4},
    };
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 3), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 3); /* ACTIVE: both lines */
    dmasim_sim_destroy(s.sim);

    sys_init(&s, _i);
    start(&s, 0, 4);
    start(&s, 1, 4);
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 2), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 0); /* HIGHEST: line 0 */
    dmasim_sim_destroy(s.sim);

    sys_init(&s, _i);
    start(&s, 1, 4);
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 5), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert_uint_eq(dmasim_cpu_last_load(s.cpu), 1);                     /* ENABLE read back */
    ck_assert_uint_eq(dmasim_signal_value(dmasim_intc_irq(s.intc)), 0);    /* line 1 masked */
    ck_assert_uint_eq(dmasim_intc_pending(s.intc), 2);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A CPU waiting on the output wakes when an enabled source fires; the masked one does not wake
 * it. dmac0 cycle-steals a long transfer (releasing with yield after each unit, so dmac1 gets the
 * bus: R6), dmac1 bursts a short one (masked) that ends first: the CPU wakes at dmac0's terminal
 * count (the wait ends at or after it, on a CPU clock edge). */
START_TEST(test_cpu_wakes_on_an_enabled_source_only)
{
    sys s;
    sys_init(&s, _i);
    ck_assert_int_eq(dmasim_intc_enable(s.intc, 1, 0), 0);
    start(&s, 1, 2);
    start_mode(&s, 0, 64, DMASIM_DMA_CYCLE_STEALING);
    const dmasim_cpu_op ops[] = {{.kind = DMASIM_OP_DMA_WAIT, .a = REGS}};
    ck_assert_int_eq(dmasim_cpu_run_script(s.cpu, ops, 1), 0);
    ck_assert_int_eq(dmasim_sim_run(s.sim), 0);
    ck_assert(dmasim_cpu_finished(s.cpu));
    dmasim_dma_channel_status st0, st1;
    dmasim_dmac_channel_status(s.dmac[0], 0, &st0);
    dmasim_dmac_channel_status(s.dmac[1], 0, &st1);
    ck_assert_uint_lt(st1.end_time, st0.end_time);
    uint64_t waited = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(s.sim, "cpu0.irq_wait_cycles", &waited), 0);
    ck_assert_uint_ge(waited * 2500, st0.end_time); /* CPU clock 2.5 ns: woke at dmac0's TC */
    uint64_t a0 = 0, a1 = 0;
    dmasim_sim_stat_u64(s.sim, "intc0.line0.assertions", &a0);
    dmasim_sim_stat_u64(s.sim, "intc0.line1.assertions", &a1);
    ck_assert_uint_eq(a0, 1);
    ck_assert_uint_eq(a1, 1);
    dmasim_sim_destroy(s.sim);
}
END_TEST

static uint32_t intc_reg(dmasim_bus *bus, uint32_t off)
{
    uint8_t b[4];
    ck_assert_int_eq(dmasim_bus_debug_read(bus, INTC + off, b, 4), 0);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t intc_stat(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, path, &v), 0);
    return v;
}

/* The register file line by line (include/dmasim/intc.h), with three test-driven inputs on an
 * 8-line controller: ENABLE keeps only the existing lines' bits; ACTIVE = PENDING & ENABLE;
 * HIGHEST is the lowest-numbered active line (all ones when none); the output counts its rising
 * edges only (a second enabled source while it is high is not one), and a line counts its
 * rising edges only. */
START_TEST(test_registers_active_highest_and_rising_edge_counts)
{
    dmasim_sim *sim = tu_sim(_i);
    dmasim_bus *bus = tu_bus(sim);
    dmasim_intc *c = NULL;
    ck_assert_int_eq(dmasim_intc_create(sim, NULL, &c), 0); /* 8 lines */
    ck_assert_int_eq(dmasim_intc_map(c, bus, INTC), 0);
    dmasim_signal *in[3];
    for (unsigned i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "src%u", i);
        ck_assert_int_eq(dmasim_signal_create(sim, name, 1, 0, &in[i]), 0);
        ck_assert_int_eq(dmasim_intc_connect(c, i, in[i]), 0);
    }
    dmasim_signal *out = dmasim_intc_irq(c);
    const uint8_t all[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    ck_assert_int_eq(dmasim_bus_debug_write(bus, INTC + DMASIM_INTC_ENABLE, all, 4), 0);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_ENABLE), 0xFFu); /* lines 0..7 */
    const uint8_t en[4] = {0x05, 0, 0, 0};                        /* lines 0 and 2 */
    ck_assert_int_eq(dmasim_bus_debug_write(bus, INTC + DMASIM_INTC_ENABLE, en, 4), 0);

    dmasim_signal_set(in[1], 1); /* disabled: pending, not active */
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_PENDING), 1u << 1);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_ACTIVE), 0);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_HIGHEST), 0xFFFFFFFFu);
    ck_assert_uint_eq(dmasim_signal_value(out), 0);

    dmasim_signal_set(in[2], 1);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_ACTIVE), 1u << 2);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_HIGHEST), 2);
    ck_assert_uint_eq(dmasim_signal_value(out), 1);
    dmasim_signal_set(in[0], 1); /* the output is already high */
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_PENDING), 7);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_ACTIVE), 5);
    ck_assert_uint_eq(intc_reg(bus, DMASIM_INTC_HIGHEST), 0);
    ck_assert_uint_eq(intc_stat(sim, "intc0.irq_assertions"), 1);

    dmasim_signal_set(in[0], 0);
    dmasim_signal_set(in[2], 0);
    ck_assert_uint_eq(dmasim_signal_value(out), 0);
    dmasim_signal_set(in[2], 1);
    ck_assert_uint_eq(dmasim_signal_value(out), 1);
    ck_assert_uint_eq(intc_stat(sim, "intc0.irq_assertions"), 2);
    ck_assert_uint_eq(intc_stat(sim, "intc0.line0.assertions"), 1);
    ck_assert_uint_eq(intc_stat(sim, "intc0.line1.assertions"), 1);
    ck_assert_uint_eq(intc_stat(sim, "intc0.line2.assertions"), 2);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_bad_configuration_is_rejected)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_intc_config cfg;
    dmasim_intc_config_init(&cfg);
    cfg.lines = 33;
    dmasim_intc *c = NULL;
    ck_assert_int_eq(dmasim_intc_create(sim, &cfg, &c), DMASIM_ERANGE);
    cfg.lines = 0;
    ck_assert_int_eq(dmasim_intc_create(sim, &cfg, &c), DMASIM_ERANGE);
    dmasim_sim_destroy(sim);
}
END_TEST

static Suite *intc_suite(void)
{
    Suite *s = suite_create("intc");
    TCase *t = tcase_create("intc");
    tcase_add_loop_test(t, test_output_is_the_or_of_enabled_lines, 0, 2);
    tcase_add_loop_test(t, test_registers_report_and_mask_the_sources, 0, 2);
    tcase_add_loop_test(t, test_cpu_wakes_on_an_enabled_source_only, 0, 2);
    tcase_add_loop_test(t, test_registers_active_highest_and_rising_edge_counts, 0, 2);
    tcase_add_test(t, test_bad_configuration_is_rejected);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(intc_suite());
}

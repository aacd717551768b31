/* The DRAM model (include/dmasim/dram.h, docs/dram.md) against its timing rules.
 *
 * Every expected cycle below is computed from the JEDEC parameters of the configuration and the
 * rule it tests (written out next to it), never taken from an earlier run. The idle-device
 * latencies are the numbers the published DRAMsim3 configurations give (issue: DDR3-1600
 * 11-11-11 closed bank 28, row hit 17, conflict 39; DDR4-2400 17-17-17 closed bank 40, row hit
 * 23, with its controller delay of 2 cycles), and the same decomposition with delay 0. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

/* ======================================================================================= */
/* Helpers                                                                                  */
/* ======================================================================================= */

static dmasim_dram_config preset(const char *name)
{
    dmasim_dram_config c;
    ck_assert_int_eq(dmasim_dram_preset(name, &c), 0);
    return c;
}

static unsigned lg2(uint64_t x)
{
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

/* Address of (bankgroup, bank, row, burst-in-row) for the presets' mappings
 * "row:channel:rank:bank[:bankgroup]:column" with one channel and one rank. */
static dmasim_addr addr_of(const dmasim_dram_config *c, uint32_t bg, uint32_t ba, uint32_t row, uint32_t burst)
{
    unsigned s_co = lg2((uint64_t)c->bus_width / 8 * c->burst_length);
    unsigned s_bg = s_co + lg2(c->columns / c->burst_length);
    unsigned s_ba = s_bg + lg2(c->bankgroups);
    unsigned s_ro = s_ba + lg2(c->banks_per_group);
    return ((dmasim_addr)row << s_ro) | ((dmasim_addr)ba << s_ba) | ((dmasim_addr)bg << s_bg) |
           ((dmasim_addr)burst << s_co);
}

#define MAXDONE 64
#define MAXCMD 512

/* A standalone controller that records completions and commands. */
typedef struct bench {
    dmasim_sim *sim;
    dmasim_dram *d;
    dmasim_dram_config cfg;
    dmasim_dram_request done[MAXDONE];
    size_t ndone;
    dmasim_dram_command cmd[MAXCMD];
    size_t ncmd;
} bench;

static void on_done(void *ud, const dmasim_dram_request *r)
{
    bench *b = ud;
    if (b->ndone < MAXDONE)
        b->done[b->ndone] = *r;
    b->ndone++;
}

static void on_cmd(void *ud, const dmasim_dram_command *c)
{
    bench *b = ud;
    if (b->ncmd < MAXCMD)
        b->cmd[b->ncmd] = *c;
    b->ncmd++;
}

static void bench_init(bench *b, const dmasim_dram_config *cfg, int trace)
{
    memset(b, 0, sizeof *b);
    b->cfg = *cfg;
    b->sim = tu_sim(0);
    int err = dmasim_dram_create_standalone(b->sim, cfg, &b->d);
    ck_assert_msg(err == 0, "create_standalone: %s", dmasim_sim_errmsg(b->sim));
    dmasim_dram_on_complete(b->d, on_done, b);
    if (trace)
        dmasim_dram_on_command(b->d, on_cmd, b);
}

static void bench_free(bench *b)
{
    dmasim_sim_destroy(b->sim);
}

static uint64_t submit(bench *b, dmasim_addr a, int is_write, uint64_t arrival)
{
    uint64_t id = 0;
    int err = dmasim_dram_submit(b->d, a, is_write, arrival, &id);
    ck_assert_msg(err == 0, "submit: %s", dmasim_sim_errmsg(b->sim));
    return id;
}

static const dmasim_dram_request *done_of(bench *b, uint64_t id)
{
    for (size_t i = 0; i < b->ndone && i < MAXDONE; i++)
        if (b->done[i].id == id)
            return &b->done[i];
    ck_abort_msg("request %llu did not complete", (unsigned long long)id);
    return NULL;
}

/* One request alone: submit, drain, return its latency (done - arrival). */
static uint64_t lone(bench *b, dmasim_addr a, int is_write, uint64_t arrival, dmasim_dram_outcome *oc)
{
    uint64_t id = submit(b, a, is_write, arrival);
    ck_assert_int_eq(dmasim_dram_drain(b->d), 0);
    const dmasim_dram_request *r = done_of(b, id);
    if (oc)
        *oc = r->outcome;
    return r->done - r->arrival;
}

/* Cycles of the n-th command of a kind in the trace (n from 0), or UINT64_MAX. */
static uint64_t nth_cmd(const bench *b, dmasim_dram_cmd kind, size_t n)
{
    for (size_t i = 0; i < b->ncmd && i < MAXCMD; i++)
        if (b->cmd[i].cmd == kind && n-- == 0)
            return b->cmd[i].cycle;
    return UINT64_MAX;
}

/* ======================================================================================= */
/* Idle-device latencies: the JEDEC sums plus the controller delay                          */
/* ======================================================================================= */

/* Read latencies of a lone request to an idle bank, measured, and the JEDEC sums they must equal:
 * closed bank = delay + tRCD + CL + BL/2; row hit = delay + CL + BL/2;
 * conflict = delay + tRP + tRCD + CL + BL/2 (the previous row open long enough: tRAS, tRTP). */
typedef struct idle_lat {
    uint64_t closed, hit, conflict;             /* measured, DRAM cycles */
    uint64_t sum_closed, sum_hit, sum_conflict; /* the JEDEC sums of the preset's parameters */
} idle_lat;

static idle_lat idle_latencies(const char *name, uint32_t delay)
{
    dmasim_dram_config c = preset(name);
    c.controller_delay = delay;
    c.refresh = 0;
    if (c.channels > 1) /* keep addr_of's layout: channel on top */
        c.address_mapping = "channel:row:rank:bank:bankgroup:column";
    bench b;
    bench_init(&b, &c, 0);
    const uint64_t bl2 = c.burst_length / 2;
    idle_lat l = {0, 0, 0, delay + c.trcd + c.cl + bl2, delay + c.cl + bl2, delay + c.trp + c.trcd + c.cl + bl2};
    dmasim_dram_outcome oc;
    l.closed = lone(&b, addr_of(&c, 0, 1, 5, 3), 0, 100, &oc);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_MISS);
    l.hit = lone(&b, addr_of(&c, 0, 1, 5, 9), 0, 1000, &oc);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_HIT);
    l.conflict = lone(&b, addr_of(&c, 0, 1, 6, 9), 0, 2000, &oc);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_CONFLICT);
    dmasim_dram_stats st;
    dmasim_dram_get_stats(b.d, &st);
    ck_assert_uint_eq(st.reads, 3);
    ck_assert_uint_eq(st.row_hits, 1);
    ck_assert_uint_eq(st.row_misses, 1);
    ck_assert_uint_eq(st.row_conflicts, 1);
    ck_assert_uint_eq(st.activates, 2);
    ck_assert_uint_eq(st.precharges, 1);
    ck_assert_uint_eq(st.read_latency_max, l.conflict);
    bench_free(&b);
    return l;
}

/* DRAMsim3's published idle-bank latencies (controller delay 2; the same decomposition with 0). */
START_TEST(test_ddr3_1600_idle_latencies_match_dramsim3)
{
    static const uint64_t want[2][3] = {{26, 15, 37}, {28, 17, 39}}; /* delay 0, delay 2 */
    for (uint32_t delay = 0; delay <= 2; delay += 2) {
        const idle_lat l = idle_latencies("ddr3-1600", delay);
        ck_assert_uint_eq(l.closed, want[delay / 2][0]);
        ck_assert_uint_eq(l.hit, want[delay / 2][1]);
        ck_assert_uint_eq(l.conflict, want[delay / 2][2]);
        ck_assert(l.closed == l.sum_closed && l.hit == l.sum_hit && l.conflict == l.sum_conflict);
    }
}
END_TEST

START_TEST(test_ddr4_2400_idle_latencies_match_dramsim3)
{
    static const uint64_t want[2][3] = {{38, 21, 55}, {40, 23, 57}}; /* delay 0, delay 2 */
    for (uint32_t delay = 0; delay <= 2; delay += 2) {
        const idle_lat l = idle_latencies("ddr4-2400", delay);
        ck_assert_uint_eq(l.closed, want[delay / 2][0]);
        ck_assert_uint_eq(l.hit, want[delay / 2][1]);
        ck_assert_uint_eq(l.conflict, want[delay / 2][2]);
        ck_assert(l.closed == l.sum_closed && l.hit == l.sum_hit && l.conflict == l.sum_conflict);
    }
}
END_TEST

/* The sums written out from the presets' datasheet numbers (tRCD, CL, tRP, BL/2). */
START_TEST(test_ddr4_3200_and_lpddr4_latencies_are_the_jedec_sums)
{
    const idle_lat d = idle_latencies("ddr4-3200", 2);
    ck_assert_uint_eq(d.closed, 2 + 22 + 22 + 4);
    ck_assert_uint_eq(d.hit, 2 + 22 + 4);
    ck_assert_uint_eq(d.conflict, 2 + 22 + 22 + 22 + 4);
    /* LPDDR4: BL16, so BL/2 = 8 */
    const idle_lat l = idle_latencies("lpddr4-3200", 2);
    ck_assert_uint_eq(l.closed, 2 + 29 + 28 + 8);
    ck_assert_uint_eq(l.hit, 2 + 28 + 8);
    ck_assert_uint_eq(l.conflict, 2 + 29 + 29 + 28 + 8);
}
END_TEST

/* Write latency: delay + (tRCD) + CWL + BL/2, end of the write burst. */
START_TEST(test_write_latency_is_cwl_plus_burst)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    bench b;
    bench_init(&b, &c, 0);
    ck_assert_uint_eq(lone(&b, addr_of(&c, 2, 3, 7, 0), 1, 50, NULL), 2 + c.trcd + c.cwl + 4);
    ck_assert_uint_eq(lone(&b, addr_of(&c, 2, 3, 7, 1), 1, 500, NULL), 2 + c.cwl + 4);
    bench_free(&b);
}
END_TEST

/* Closed page: every access precharges, so the next one to the same row is a miss again. */
START_TEST(test_closed_page_makes_every_access_a_miss)
{
    dmasim_dram_config c = preset("ddr3-1600");
    c.refresh = 0;
    c.page_policy = DMASIM_DRAM_CLOSED_PAGE;
    bench b;
    bench_init(&b, &c, 1);
    dmasim_dram_outcome oc;
    ck_assert_uint_eq(lone(&b, addr_of(&c, 0, 2, 5, 0), 0, 100, &oc), 28);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_MISS);
    ck_assert_uint_eq(lone(&b, addr_of(&c, 0, 2, 5, 1), 0, 1000, &oc), 28);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_MISS);
    ck_assert_int_eq(b.cmd[1].cmd, DMASIM_DRAM_RDA);
    /* back to back: the second ACT waits for the auto-precharge (max(RD + tRTP, ACT + tRAS))
     * plus tRP, and for tRC after the first ACT */
    uint64_t i1 = submit(&b, addr_of(&c, 0, 2, 5, 0), 0, 2000);
    uint64_t i2 = submit(&b, addr_of(&c, 0, 2, 5, 1), 0, 2000);
    ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
    uint64_t act = 2002, rd = act + c.trcd;
    uint64_t pre = rd + c.trtp > act + c.tras ? rd + c.trtp : act + c.tras;
    uint64_t act2 = pre + c.trp > act + c.trc ? pre + c.trp : act + c.trc;
    ck_assert_uint_eq(done_of(&b, i1)->done, rd + c.cl + 4);
    ck_assert_uint_eq(done_of(&b, i2)->done, act2 + c.trcd + c.cl + 4);
    dmasim_dram_stats st;
    dmasim_dram_get_stats(b.d, &st);
    ck_assert_uint_eq(st.precharges, 4);
    ck_assert_uint_eq(st.row_misses, 4);
    bench_free(&b);
}
END_TEST

/* ======================================================================================= */
/* Refresh                                                                                  */
/* ======================================================================================= */

START_TEST(test_refresh_every_trefi_blocks_banks_for_trfc)
{
    dmasim_dram_config c = preset("ddr4-2400");
    uint64_t bl2 = 4, R = c.trefi;
    bench b;
    bench_init(&b, &c, 1);
    /* idle: REF exactly at k * tREFI */
    ck_assert_int_eq(dmasim_dram_run(b.d, 3 * R + 1), 0);
    ck_assert_uint_eq(b.ncmd, 3);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(b.cmd[k].cmd, DMASIM_DRAM_REF);
        ck_assert_uint_eq(b.cmd[k].cycle, (k + 1) * R);
    }
    /* a read arriving when a refresh is due waits for it: REF at 4R, ACT at 4R + tRFC */
    ck_assert_uint_eq(lone(&b, addr_of(&c, 1, 1, 9, 0), 0, 4 * R, NULL), c.trfc + c.trcd + c.cl + bl2);
    /* one arriving tRFC later sees an idle bank again (row hit) */
    ck_assert_uint_eq(lone(&b, addr_of(&c, 1, 1, 9, 1), 0, 4 * R + c.trfc + 100, NULL), 2 + c.cl + bl2);
    /* a row hit arriving one cycle before the refresh: the refresh is due before the RD may
     * issue (arrival + delay), so PREA at 5R, REF tRP later, then ACT, RD: a miss */
    dmasim_dram_outcome oc;
    uint64_t lat = lone(&b, addr_of(&c, 1, 1, 9, 2), 0, 5 * R - 1, &oc);
    ck_assert_uint_eq(lat, 1 + c.trp + c.trfc + c.trcd + c.cl + bl2);
    ck_assert_int_eq(oc, DMASIM_DRAM_ROW_MISS);
    ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_PREA, 0), 5 * R);
    ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_REF, 4), 5 * R + c.trp);
    /* a long idle stretch: one refresh per tREFI (counted without stepping through them) */
    dmasim_dram_on_command(b.d, NULL, NULL);
    ck_assert_int_eq(dmasim_dram_run(b.d, 1000 * R + 1), 0);
    dmasim_dram_stats st;
    dmasim_dram_get_stats(b.d, &st);
    ck_assert_uint_eq(st.refreshes, 1000);
    bench_free(&b);
}
END_TEST

/* ======================================================================================= */
/* Scheduling rules                                                                         */
/* ======================================================================================= */

/* Five ACTs to five banks at once: tRRD_S apart across bank groups, and the fifth no earlier
 * than tFAW after the first. */
START_TEST(test_tfaw_limits_activates)
{
    for (int with_faw = 0; with_faw < 2; with_faw++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        if (!with_faw)
            c.tfaw = 0;
        bench b;
        bench_init(&b, &c, 1);
        static const uint32_t bgba[5][2] = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 1}};
        for (int i = 0; i < 5; i++)
            submit(&b, addr_of(&c, bgba[i][0], bgba[i][1], 3, 0), 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        uint64_t a0 = 102;
        for (size_t i = 0; i < 4; i++)
            ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, i), a0 + i * c.trrd_s);
        uint64_t fifth = a0 + 4 * c.trrd_s;
        if (with_faw) {
            ck_assert_uint_gt(a0 + c.tfaw, fifth);
            fifth = a0 + c.tfaw;
        }
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, 4), fifth);
        bench_free(&b);
    }
}
END_TEST

/* Row R open in a bank; an older request to another row (a conflict) and a younger one to R
 * (a hit) arrive together. FR-FCFS serves the hit first and closes R only after it; FCFS serves
 * them in order, so the younger one becomes a conflict too. */
START_TEST(test_frfcfs_prefers_row_hits_over_older_misses)
{
    for (int fcfs = 0; fcfs < 2; fcfs++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        c.scheduler = fcfs ? DMASIM_DRAM_FCFS : DMASIM_DRAM_FRFCFS;
        bench b;
        bench_init(&b, &c, 0);
        lone(&b, addr_of(&c, 0, 0, 5, 0), 0, 100, NULL);
        uint64_t older = submit(&b, addr_of(&c, 0, 0, 6, 0), 0, 1000);
        uint64_t younger = submit(&b, addr_of(&c, 0, 0, 5, 1), 0, 1000);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const dmasim_dram_request *o = done_of(&b, older), *y = done_of(&b, younger);
        uint64_t t0 = 1000 + c.controller_delay, bl2 = 4;
        if (!fcfs) {
            ck_assert_uint_eq(b.done[1].id, younger); /* completes first */
            ck_assert_int_eq(y->outcome, DMASIM_DRAM_ROW_HIT);
            ck_assert_uint_eq(y->done, t0 + c.cl + bl2);
            uint64_t pre = t0 + c.trtp; /* after the hit's RD */
            ck_assert_int_eq(o->outcome, DMASIM_DRAM_ROW_CONFLICT);
            ck_assert_uint_eq(o->done, pre + c.trp + c.trcd + c.cl + bl2);
        } else {
            ck_assert_uint_eq(b.done[1].id, older);
            ck_assert_uint_eq(o->done, t0 + c.trp + c.trcd + c.cl + bl2);
            uint64_t act = t0 + c.trp, rd = act + c.trcd;
            uint64_t pre = rd + c.trtp > act + c.tras ? rd + c.trtp : act + c.tras;
            ck_assert_int_eq(y->outcome, DMASIM_DRAM_ROW_CONFLICT);
            ck_assert_uint_eq(y->done, pre + c.trp + c.trcd + c.cl + bl2);
        }
        bench_free(&b);
    }
}
END_TEST

/* A read after a write waits until tWTR after the end of the write data: tWTR_L in the same
 * bank group, tWTR_S in another. */
START_TEST(test_write_to_read_turnaround)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    for (int same_bg = 0; same_bg < 2; same_bg++) {
        bench b;
        bench_init(&b, &c, 0);
        uint32_t rbg = same_bg ? 0 : 1;
        lone(&b, addr_of(&c, 0, 0, 5, 0), 0, 100, NULL);   /* open both rows */
        lone(&b, addr_of(&c, rbg, 2, 5, 0), 0, 200, NULL);
        uint64_t w = submit(&b, addr_of(&c, 0, 0, 5, 1), 1, 1000);
        uint64_t r = submit(&b, addr_of(&c, rbg, 2, 5, 1), 0, 1000);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        uint64_t wr = 1002, wend = wr + c.cwl + 4;
        ck_assert_uint_eq(done_of(&b, w)->done, wend);
        uint64_t rd = wend + (same_bg ? c.twtr_l : c.twtr_s);
        ck_assert_uint_eq(done_of(&b, r)->done, rd + c.cl + 4);
        bench_free(&b);
    }
}
END_TEST

/* A whole row read with every request queued at once: one ACT, then RDs exactly tCCD apart
 * (tCCD_L within a bank group; DDR3's tCCD = BL/2 fills the data bus). */
START_TEST(test_streaming_a_whole_row_at_the_tccd_rate)
{
    static const char *const names[] = {"ddr3-1600", "ddr4-2400"};
    for (int p = 0; p < 2; p++) {
        dmasim_dram_config c = preset(names[p]);
        c.refresh = 0;
        c.queue_depth = 128;
        bench b;
        bench_init(&b, &c, 1);
        uint32_t n = c.columns / c.burst_length;
        for (uint32_t i = 0; i < n; i++)
            submit(&b, addr_of(&c, 0, 1, 7, i), 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        ck_assert_uint_eq(b.ncmd, n + 1);
        uint64_t rd0 = 102 + c.trcd;
        for (uint32_t i = 0; i < n; i++)
            ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_RD, i), rd0 + (uint64_t)i * c.tccd_l);
        dmasim_dram_stats st;
        dmasim_dram_get_stats(b.d, &st);
        ck_assert_uint_eq(st.row_hits, n - 1);
        ck_assert_uint_eq(st.row_misses, 1);
        ck_assert_uint_eq(st.cycles, rd0 + (uint64_t)(n - 1) * c.tccd_l + c.cl + 4);
        bench_free(&b);
    }
}
END_TEST

/* With the bank group in the lowest bits, consecutive bursts alternate bank groups and stream
 * at tCCD_S. */
START_TEST(test_bankgroup_interleaving_streams_at_tccd_s)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    c.address_mapping = "row:bank:column:bankgroup";
    bench b;
    bench_init(&b, &c, 1);
    for (uint32_t i = 0; i < 32; i++)
        submit(&b, (dmasim_addr)i * 64, 0, 100);
    ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, i), 102 + i * c.trrd_s);
    for (size_t i = 0; i < 32; i++)
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_RD, i), 102 + c.trcd + i * c.tccd_s);
    ck_assert_uint_eq(b.done[0].bankgroup, 0);
    ck_assert_uint_eq(b.done[1].bankgroup, 1);
    bench_free(&b);
}
END_TEST

/* Cycle of the command of a kind that served request id (standalone trace), or UINT64_MAX. */
static uint64_t cmd_for(const bench *b, dmasim_dram_cmd kind, uint64_t id)
{
    for (size_t i = 0; i < b->ncmd && i < MAXCMD; i++)
        if (b->cmd[i].cmd == kind && b->cmd[i].request == id)
            return b->cmd[i].cycle;
    return UINT64_MAX;
}

static uint64_t umax(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* One bank, two rows requested together: ACT row A, RD, then PRE no earlier than tRAS after the
 * ACT (and tRTP after the RD), and the ACT of row B no earlier than tRP after the PRE and tRC
 * after the first ACT. With the preset tRC = tRAS + tRP both bounds coincide; a longer tRC
 * (allowed: trc >= tras + trp) becomes the binding one. */
START_TEST(test_tras_and_trc_bound_the_row_cycle)
{
    for (int longer_trc = 0; longer_trc < 2; longer_trc++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        if (longer_trc)
            c.trc = c.tras + c.trp + 10;
        bench b;
        bench_init(&b, &c, 1);
        uint64_t ia = submit(&b, addr_of(&c, 1, 2, 5, 0), 0, 100);
        uint64_t ib = submit(&b, addr_of(&c, 1, 2, 6, 0), 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const uint64_t act = 100 + c.controller_delay, rd = act + c.trcd;
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, ia), act);
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_RD, ia), rd);
        ck_assert_uint_gt(act + c.tras, rd + c.trtp); /* tRAS is the binding bound of the PRE */
        const uint64_t pre = act + c.tras;
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_PRE, ib), pre);
        const uint64_t act2 = umax(pre + c.trp, act + c.trc);
        ck_assert_uint_eq(act2, longer_trc ? act + c.trc : pre + c.trp);
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, ib), act2);
        ck_assert_uint_eq(done_of(&b, ib)->done, act2 + c.trcd + c.cl + c.burst_length / 2);
        bench_free(&b);
    }
}
END_TEST

/* ACTs to different banks, all requested at once (tRCD made long, so no column command
 * competes for the command bus meanwhile). Two banks of one bank group: tRRD_L apart; of two
 * bank groups: tRRD_S. Eight banks taking the bank groups in turn (0 1 2 3 0 1 2 3): ACT i waits
 * for max(ACT i-1 + tRRD_S, ACT i-4 + tRRD_L (its bank group's last ACT), ACT i-4 + tFAW). */
START_TEST(test_trrd_l_and_the_tfaw_window)
{
    for (int same_bg = 0; same_bg < 2; same_bg++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        c.trcd = 200;
        bench b;
        bench_init(&b, &c, 1);
        submit(&b, addr_of(&c, 0, 0, 3, 0), 0, 100);
        submit(&b, addr_of(&c, same_bg ? 0 : 1, 1, 3, 0), 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, 0), 100 + c.controller_delay);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, 1), 100 + c.controller_delay + (same_bg ? c.trrd_l : c.trrd_s));
        bench_free(&b);
    }
    static const uint32_t tfaws[] = {26, 30, 37};
    for (size_t k = 0; k < sizeof tfaws / sizeof tfaws[0]; k++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        c.trcd = 200;
        c.tfaw = tfaws[k];
        bench b;
        bench_init(&b, &c, 1);
        for (uint32_t i = 0; i < 8; i++)
            submit(&b, addr_of(&c, i % 4, i / 4, 3, 0), 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        uint64_t a[8];
        for (size_t i = 0; i < 8; i++) {
            a[i] = i == 0 ? 100 + c.controller_delay : a[i - 1] + c.trrd_s;
            if (i >= 4)
                a[i] = umax(a[i], umax(a[i - 4] + c.trrd_l, a[i - 4] + c.tfaw));
            ck_assert_msg(nth_cmd(&b, DMASIM_DRAM_ACT, i) == a[i], "tFAW %u: ACT %zu at %llu, expected %llu",
                          c.tfaw, i, (unsigned long long)nth_cmd(&b, DMASIM_DRAM_ACT, i), (unsigned long long)a[i]);
        }
        ck_assert_uint_gt(a[4], a[3] + c.trrd_s); /* the window, not tRRD, placed the fifth */
        bench_free(&b);
    }
}
END_TEST

/* A write, then a request to another row of its bank: the PRE waits until tWR after the end of
 * the write data (WR + CWL + BL/2 + tWR; the row was opened long before, so tRAS is met). */
START_TEST(test_twr_delays_the_precharge_after_a_write)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    const uint64_t bl2 = c.burst_length / 2;
    bench b;
    bench_init(&b, &c, 1);
    lone(&b, addr_of(&c, 2, 1, 5, 0), 0, 100, NULL);
    uint64_t w = submit(&b, addr_of(&c, 2, 1, 5, 1), 1, 1000);
    uint64_t r = submit(&b, addr_of(&c, 2, 1, 6, 0), 0, 1000);
    ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
    const uint64_t wr = 1000 + c.controller_delay, pre = wr + c.cwl + bl2 + c.twr;
    ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_WR, w), wr);
    ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_PRE, r), pre);
    ck_assert_uint_eq(done_of(&b, r)->done, pre + c.trp + c.trcd + c.cl + bl2);
    bench_free(&b);
}
END_TEST

/* Closed page: RDA precharges at max(RD + tRTP, ACT + tRAS), WRA at max(end of the write data +
 * tWR, ACT + tRAS); the bank's next ACT comes tRP later and no earlier than tRC after the first.
 * For the reads tRAS is shortened (and tRC with it) so that RD + tRTP binds; for the writes tWR
 * binds with the preset; in both the tRP bound lies beyond tRC. */
START_TEST(test_closed_page_auto_precharge_after_trtp_or_twr)
{
    for (int is_write = 0; is_write < 2; is_write++) {
        dmasim_dram_config c = preset("ddr3-1600");
        c.refresh = 0;
        c.page_policy = DMASIM_DRAM_CLOSED_PAGE;
        if (!is_write) {
            c.tras = 12;
            c.trc = c.tras + c.trp;
        }
        const uint64_t bl2 = c.burst_length / 2;
        bench b;
        bench_init(&b, &c, 1);
        uint64_t i1 = submit(&b, addr_of(&c, 0, 3, 5, 0), is_write, 2000);
        uint64_t i2 = submit(&b, addr_of(&c, 0, 3, 5, 1), is_write, 2000);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const uint64_t act = 2000 + c.controller_delay, col = act + c.trcd;
        const uint64_t pre = umax(is_write ? col + c.cwl + bl2 + c.twr : col + c.trtp, act + c.tras);
        ck_assert_uint_gt(pre, act + c.tras);
        ck_assert_uint_gt(pre + c.trp, act + c.trc);
        const uint64_t act2 = pre + c.trp;
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, i1), act);
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, i2), act2);
        const uint64_t lat = is_write ? c.cwl + bl2 : c.cl + bl2;
        ck_assert_uint_eq(done_of(&b, i2)->done, act2 + c.trcd + lat);
        bench_free(&b);
    }
}
END_TEST

/* A write after a read (both row hits) waits RD + CL + BL/2 + 2 - CWL (JESD79-4 read-to-write
 * turnaround), which on DDR4-2400 exceeds tCCD_S and tCCD_L: same and other bank group. */
START_TEST(test_read_to_write_turnaround)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    const uint64_t bl2 = c.burst_length / 2;
    for (int same_bg = 0; same_bg < 2; same_bg++) {
        bench b;
        bench_init(&b, &c, 0);
        uint32_t wbg = same_bg ? 0 : 1;
        lone(&b, addr_of(&c, 0, 0, 5, 0), 0, 100, NULL); /* open both rows */
        lone(&b, addr_of(&c, wbg, 2, 5, 0), 0, 200, NULL);
        uint64_t r = submit(&b, addr_of(&c, 0, 0, 5, 1), 0, 1000);
        uint64_t w = submit(&b, addr_of(&c, wbg, 2, 5, 1), 1, 1000);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const uint64_t rd = 1000 + c.controller_delay, wr = rd + c.cl + bl2 + 2 - c.cwl;
        ck_assert_uint_gt(wr, rd + (same_bg ? c.tccd_l : c.tccd_s));
        ck_assert_uint_eq(done_of(&b, r)->done, rd + c.cl + bl2);
        ck_assert_uint_eq(done_of(&b, w)->done, wr + c.cwl + bl2);
        bench_free(&b);
    }
}
END_TEST

/* Address of (rank, bankgroup, bank, row, burst-in-row) for "row:channel:rank:bank:bankgroup:column"
 * with one channel. */
static dmasim_addr addr_rank(const dmasim_dram_config *c, uint32_t rank, uint32_t bg, uint32_t ba, uint32_t row,
                             uint32_t burst)
{
    unsigned s_co = lg2((uint64_t)c->bus_width / 8 * c->burst_length);
    unsigned s_bg = s_co + lg2(c->columns / c->burst_length);
    unsigned s_ba = s_bg + lg2(c->bankgroups);
    unsigned s_ra = s_ba + lg2(c->banks_per_group);
    unsigned s_ro = s_ra + lg2(c->ranks);
    return ((dmasim_addr)row << s_ro) | ((dmasim_addr)rank << s_ra) | ((dmasim_addr)ba << s_ba) |
           ((dmasim_addr)bg << s_bg) | ((dmasim_addr)burst << s_co);
}

/* Two ranks share the channel's data bus: a column command of the other rank (no tCCD between
 * ranks) waits until the previous burst is off the bus plus tRTRS, so its data follows at
 * previous data end + tRTRS: RD1 = RD0 + BL/2 + tRTRS, WR1 = WR0 + BL/2 + tRTRS. */
START_TEST(test_ranks_share_the_data_bus_with_trtrs)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    c.ranks = 2;
    const uint64_t bl2 = c.burst_length / 2;
    for (int is_write = 0; is_write < 2; is_write++) {
        bench b;
        bench_init(&b, &c, 1);
        lone(&b, addr_rank(&c, 0, 0, 0, 5, 0), 0, 100, NULL); /* open a row in each rank */
        lone(&b, addr_rank(&c, 1, 0, 0, 5, 0), 0, 200, NULL);
        uint64_t i0 = submit(&b, addr_rank(&c, 0, 0, 0, 5, 1), is_write, 1000);
        uint64_t i1 = submit(&b, addr_rank(&c, 1, 0, 0, 5, 1), is_write, 1000);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        ck_assert_uint_eq(done_of(&b, i0)->rank, 0);
        ck_assert_uint_eq(done_of(&b, i1)->rank, 1);
        dmasim_dram_cmd k = is_write ? DMASIM_DRAM_WR : DMASIM_DRAM_RD;
        const uint64_t c0 = 1000 + c.controller_delay, c1 = c0 + bl2 + c.trtrs;
        ck_assert_uint_eq(cmd_for(&b, k, i0), c0);
        ck_assert_uint_eq(cmd_for(&b, k, i1), c1);
        const uint64_t lat = is_write ? c.cwl + bl2 : c.cl + bl2;
        ck_assert_uint_eq(done_of(&b, i1)->done, done_of(&b, i0)->done + bl2 + c.trtrs);
        ck_assert_uint_eq(done_of(&b, i1)->done, c1 + lat);
        bench_free(&b);
    }
}
END_TEST

/* Two ranks: rank r's first refresh is due at tREFI + r * tREFI / 2, then every tREFI
 * (staggered). And a due refresh goes first: a command of rank 1 legal in the cycle rank 0's
 * REF is due issues one cycle after it (one command per cycle). */
START_TEST(test_ranks_refresh_staggered_and_refresh_goes_first)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.ranks = 2;
    const uint64_t R = c.trefi, bl2 = c.burst_length / 2;
    bench b;
    bench_init(&b, &c, 1);
    ck_assert_int_eq(dmasim_dram_run(b.d, 2 * R + R / 2 + 1), 0);
    static const uint32_t rank[4] = {0, 1, 0, 1};
    ck_assert_uint_eq(b.ncmd, 4);
    for (size_t k = 0; k < 4; k++) {
        ck_assert_int_eq(b.cmd[k].cmd, DMASIM_DRAM_REF);
        ck_assert_uint_eq(b.cmd[k].rank, rank[k]);
        ck_assert_uint_eq(b.cmd[k].cycle, R + (k / 2) * R + rank[k] * (R / 2));
    }
    bench_free(&b);

    bench_init(&b, &c, 1);
    uint64_t id = submit(&b, addr_rank(&c, 1, 2, 1, 7, 0), 0, R - c.controller_delay);
    ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
    ck_assert_int_eq(b.cmd[0].cmd, DMASIM_DRAM_REF);
    ck_assert_uint_eq(b.cmd[0].rank, 0);
    ck_assert_uint_eq(b.cmd[0].cycle, R);
    ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, id), R + 1);
    ck_assert_uint_eq(done_of(&b, id)->done, R + 1 + c.trcd + c.cl + bl2);
    bench_free(&b);
}
END_TEST

/* A refresh falls due while a bank is open and its request's RD not yet issued: from the due
 * cycle the rank issues nothing but the refresh, so the RD waits; PREA waits for tRAS after the
 * ACT, REF comes tRPab after the PREA (tRP when trpab is 0), and the bank is activated again
 * tRFC after the REF. */
START_TEST(test_refresh_waits_for_tras_and_blocks_the_rank)
{
    for (int own_trpab = 0; own_trpab < 2; own_trpab++) {
        dmasim_dram_config c = preset("ddr4-2400");
        if (own_trpab)
            c.trpab = c.trp + 4;
        const uint64_t R = c.trefi, bl2 = c.burst_length / 2, trpab = own_trpab ? c.trpab : c.trp;
        bench b;
        bench_init(&b, &c, 1);
        const uint64_t act = R - 5;
        ck_assert_uint_gt(act + c.trcd, R); /* the RD would fall after the due cycle */
        uint64_t id = submit(&b, addr_of(&c, 3, 1, 4, 0), 0, act - c.controller_delay);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const uint64_t prea = act + c.tras, ref = prea + trpab, act2 = ref + c.trfc;
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, 0), act);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_PREA, 0), prea);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_REF, 0), ref);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_ACT, 1), act2);
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_RD, id), act2 + c.trcd);
        ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_RD, 1), UINT64_MAX);
        ck_assert_uint_eq(done_of(&b, id)->done, act2 + c.trcd + c.cl + bl2);
        bench_free(&b);
    }
}
END_TEST

/* The refreshes of a long idle span are counted in one step, not issued one by one (no command
 * trace); the last of them still blocks the rank for tRFC: a read arriving 10 cycles after the
 * third refresh was due waits until tRFC after it. */
START_TEST(test_refresh_after_an_idle_span_still_blocks_for_trfc)
{
    dmasim_dram_config c = preset("ddr4-2400");
    const uint64_t R = c.trefi, bl2 = c.burst_length / 2;
    bench b;
    bench_init(&b, &c, 0);
    const uint64_t arrival = 3 * R + 10;
    ck_assert_uint_gt(3 * R + c.trfc, arrival + c.controller_delay);
    ck_assert_uint_eq(lone(&b, addr_of(&c, 1, 3, 2, 0), 0, arrival, NULL),
                      3 * R + c.trfc + c.trcd + c.cl + bl2 - arrival);
    dmasim_dram_stats st;
    dmasim_dram_get_stats(b.d, &st);
    ck_assert_uint_eq(st.refreshes, 3);
    bench_free(&b);
}
END_TEST

/* Closed page: a read's auto-precharge ends (RDA + tRTP or ACT + tRAS, then tRP) after the
 * rank's refresh is due, with the queue already empty: the REF waits until every bank may be
 * activated again, then blocks the rank for tRFC. The same with the command trace (every
 * command issued) and without it (the idle rank's refreshes are counted in one step). */
START_TEST(test_refresh_waits_for_an_auto_precharge_to_complete)
{
    for (int trace = 0; trace < 2; trace++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.page_policy = DMASIM_DRAM_CLOSED_PAGE;
        const uint64_t R = c.trefi, bl2 = c.burst_length / 2;
        bench b;
        bench_init(&b, &c, trace);
        const uint64_t act = R - 18, rda = act + c.trcd;
        ck_assert_uint_lt(rda, R); /* the request is served before the refresh is due */
        uint64_t i1 = submit(&b, addr_of(&c, 2, 0, 4, 0), 0, act - c.controller_delay);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        ck_assert_uint_eq(done_of(&b, i1)->done, rda + c.cl + bl2);
        const uint64_t pre = umax(rda + c.trtp, act + c.tras);
        const uint64_t ref = umax(R, umax(pre + c.trp, act + c.trc));
        ck_assert_uint_gt(ref, R);
        const uint64_t arrival = ref + 100, act2 = ref + c.trfc;
        ck_assert_uint_gt(act2, arrival + c.controller_delay);
        uint64_t i2 = submit(&b, addr_of(&c, 3, 1, 9, 0), 0, arrival);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        ck_assert_uint_eq(done_of(&b, i2)->done, act2 + c.trcd + c.cl + bl2);
        if (trace)
            ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_REF, 0), ref);
        bench_free(&b);
    }
}
END_TEST

/* Across banks: row 5 is open in bank A; an older request to closed bank B and a younger row
 * hit in bank A arrive together, both legal at once. FR-FCFS issues the hit's RD first and B's
 * ACT one cycle later (one command per cycle); FCFS the older one's ACT first. */
START_TEST(test_frfcfs_column_commands_first_across_banks)
{
    for (int fcfs = 0; fcfs < 2; fcfs++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        c.scheduler = fcfs ? DMASIM_DRAM_FCFS : DMASIM_DRAM_FRFCFS;
        const uint64_t bl2 = c.burst_length / 2;
        bench b;
        bench_init(&b, &c, 1);
        lone(&b, addr_of(&c, 0, 0, 5, 0), 0, 100, NULL);
        uint64_t x = submit(&b, addr_of(&c, 1, 0, 9, 0), 0, 1000); /* older, bank B closed */
        uint64_t y = submit(&b, addr_of(&c, 0, 0, 5, 1), 0, 1000); /* younger, a hit in bank A */
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        const uint64_t t0 = 1000 + c.controller_delay;
        const uint64_t rd_y = fcfs ? t0 + 1 : t0, act_x = fcfs ? t0 : t0 + 1;
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_RD, y), rd_y);
        ck_assert_uint_eq(cmd_for(&b, DMASIM_DRAM_ACT, x), act_x);
        ck_assert_uint_eq(done_of(&b, y)->done, rd_y + c.cl + bl2);
        ck_assert_uint_eq(done_of(&b, x)->done, act_x + c.trcd + c.cl + bl2);
        bench_free(&b);
    }
}
END_TEST

/* tCCD_S longer than a burst (BL/2): reads alternating bank groups are tCCD_S apart, not BL/2
 * (which is all the data bus needs). */
START_TEST(test_tccd_s_binds_when_longer_than_a_burst)
{
    for (uint32_t tccd_s = 5; tccd_s <= 6; tccd_s++) {
        dmasim_dram_config c = preset("ddr4-2400");
        c.refresh = 0;
        c.address_mapping = "row:bank:column:bankgroup";
        c.tccd_s = tccd_s;
        ck_assert_uint_gt(c.tccd_s, c.burst_length / 2);
        bench b;
        bench_init(&b, &c, 1);
        for (uint32_t i = 0; i < 16; i++)
            submit(&b, (dmasim_addr)i * 64, 0, 100);
        ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
        for (size_t i = 0; i < 16; i++)
            ck_assert_uint_eq(nth_cmd(&b, DMASIM_DRAM_RD, i), 102 + c.trcd + i * c.tccd_s);
        bench_free(&b);
    }
}
END_TEST

/* ======================================================================================= */
/* Bandwidth                                                                                */
/* ======================================================================================= */

static double seq_read_bandwidth(const char *name, uint32_t n, dmasim_dram_stats *st)
{
    dmasim_dram_config c = preset(name);
    dmasim_sim *sim = tu_sim(0);
    dmasim_dram *d = NULL;
    ck_assert_int_eq(dmasim_dram_create_standalone(sim, &c, &d), 0);
    uint64_t burst = (uint64_t)c.bus_width / 8 * c.burst_length;
    for (uint32_t i = 0; i < n; i++)
        ck_assert_int_eq(dmasim_dram_submit(d, (dmasim_addr)i * burst, 0, 0, NULL), 0);
    ck_assert_int_eq(dmasim_dram_drain(d), 0);
    dmasim_dram_get_stats(d, st);
    ck_assert_uint_eq(st->reads, n);
    dmasim_sim_destroy(sim);
    return st->bandwidth_pct;
}

/* Unlimited outstanding requests (all submitted at cycle 0, the queue always full): tCCD_L
 * within a row's bank group, bank-group overlap only where the queue spans two rows, and
 * refresh leave 70-80% of peak (docs/dram.md explains the split). */
START_TEST(test_sequential_read_bandwidth_is_70_to_80_percent_of_peak)
{
    dmasim_dram_stats st;
    double pct = seq_read_bandwidth("ddr4-2400", 1u << 18, &st);
    printf("ddr4-2400 sequential read: %.2f GB/s of %.2f GB/s peak = %.1f%%, %llu refreshes\n",
           st.bandwidth_gbs, st.peak_bandwidth_gbs, pct, (unsigned long long)st.refreshes);
    ck_assert_msg(pct >= 70.0 && pct <= 80.0, "bandwidth %.2f%% of peak", pct);
    ck_assert_uint_gt(st.refreshes, 0);
}
END_TEST

/* ======================================================================================= */
/* Configuration errors                                                                     */
/* ======================================================================================= */

static void expect_bad(const dmasim_dram_config *c, const char *needle)
{
    char msg[256];
    ck_assert_int_eq(dmasim_dram_config_check(c, msg, sizeof msg), DMASIM_EINVAL);
    ck_assert_msg(strstr(msg, needle) != NULL, "message '%s' lacks '%s'", msg, needle);
    dmasim_sim *sim = tu_sim(0);
    dmasim_dram *d = NULL;
    ck_assert_int_eq(dmasim_dram_create_standalone(sim, c, &d), DMASIM_EINVAL);
    ck_assert_msg(strstr(dmasim_sim_errmsg(sim), needle) != NULL, "errmsg '%s'", dmasim_sim_errmsg(sim));
    ck_assert_msg(strncmp(dmasim_sim_errmsg(sim), "dram0: ", 7) == 0, "errmsg '%s'", dmasim_sim_errmsg(sim));
    dmasim_sim_destroy(sim);
}

START_TEST(test_bad_configurations_name_the_parameter)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.tras = 60;
    expect_bad(&c, "tras (60) > trc (56)");
    c = preset("ddr4-2400");
    c.trc = 40;
    expect_bad(&c, "trc (40) < tras (39) + trp (17)");
    c = preset("ddr4-2400");
    c.banks_per_group = 0;
    expect_bad(&c, "banks_per_group must be >= 1");
    c = preset("ddr4-2400");
    c.rows = 1000;
    expect_bad(&c, "rows (1000) must be a power of two");
    c = preset("ddr4-2400");
    c.address_mapping = "row:rank:bankgroup:column";
    expect_bad(&c, "does not cover bank (2 bits)");
    c.address_mapping = "row:bank:bnak:column";
    expect_bad(&c, "unknown field 'bnak'");
    c.address_mapping = "row:bank:bank:bankgroup:column";
    expect_bad(&c, "'bank' appears twice");
    c = preset("ddr4-2400");
    c.trfc = c.trefi;
    expect_bad(&c, "trfc (9360) >= trefi (9360)");
    c = preset("ddr4-2400");
    c.tccd_l = 2;
    expect_bad(&c, "tccd_l (2) < tccd_s (4)");
    c = preset("ddr4-2400");
    c.size = dmasim_dram_capacity(&c) + 64;
    expect_bad(&c, "exceeds the capacity");
    c = preset("ddr4-2400");
    c.queue_depth = 0;
    expect_bad(&c, "queue_depth (0)");
    ck_assert_int_eq(dmasim_dram_preset("ddr5-9999", &c), DMASIM_ENOENT);
    ck_assert_int_eq(dmasim_dram_preset(NULL, &c), DMASIM_ENOENT);
}
END_TEST

START_TEST(test_presets_are_valid_and_cite_their_source)
{
    size_t n = 0;
    for (const char *name; (name = dmasim_dram_preset_name(n)) != NULL; n++) {
        dmasim_dram_config c = preset(name);
        char msg[256];
        ck_assert_msg(dmasim_dram_config_check(&c, msg, sizeof msg) == 0, "%s: %s", name, msg);
        ck_assert_ptr_nonnull(c.source);
        ck_assert_msg(strstr(c.source, "JESD") != NULL, "%s cites no JEDEC document", name);
        ck_assert_uint_eq(c.trc, c.tras + c.trp);
    }
    ck_assert_uint_ge(n, 4);
    dmasim_dram_config def;
    dmasim_dram_config_init(&def);
    dmasim_dram_config d4 = preset("ddr4-2400");
    ck_assert_uint_eq(def.cl, d4.cl);
    ck_assert_uint_eq(def.trfc, d4.trfc);
    ck_assert_uint_eq(dmasim_dram_capacity(&d4), 4ull << 30);
    ck_assert_str_eq(def.name, "dram0");
    ck_assert_uint_eq(def.controller_delay, 2);
}
END_TEST

/* The DRAMsim3 spelling of a mapping decodes like the long one; addresses above the capacity
 * wrap; an arrival in the past is refused. */
START_TEST(test_address_mapping_forms_and_decoding)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    c.address_mapping = "rochrababgco";
    bench b;
    bench_init(&b, &c, 0);
    dmasim_addr a = addr_of(&c, 3, 2, 1234, 17) + 40;
    submit(&b, a, 0, 10);
    submit(&b, a + dmasim_dram_capacity(&c), 0, 10);
    ck_assert_int_eq(dmasim_dram_drain(b.d), 0);
    ck_assert_uint_eq(b.ndone, 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(b.done[i].bankgroup, 3);
        ck_assert_uint_eq(b.done[i].bank, 2);
        ck_assert_uint_eq(b.done[i].row, 1234);
        ck_assert_uint_eq(b.done[i].column, 17 * 8);
    }
    ck_assert_int_eq(dmasim_dram_submit(b.d, 0, 0, 5, NULL), DMASIM_EINVAL);
    bench_free(&b);
}
END_TEST

/* A closed loop of K outstanding random requests: deterministic, and never more than the
 * queue holds in flight at once. */
typedef struct loop {
    dmasim_dram *d;
    uint64_t rng, left, sum;
} loop;

static void loop_done(void *ud, const dmasim_dram_request *r)
{
    loop *l = ud;
    l->sum = l->sum * 31 + r->done;
    if (l->left) {
        l->left--;
        uint64_t z = (l->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z ^= z >> 31;
        ck_assert_int_eq(dmasim_dram_submit(l->d, z & ~63ull, (z >> 20) % 4 == 0, r->done, NULL), 0);
    }
}

static uint64_t random_loop(uint32_t outstanding, uint64_t total)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_dram_config c = preset("ddr4-2400");
    loop l = {NULL, 1, total - outstanding, 0};
    ck_assert_int_eq(dmasim_dram_create_standalone(sim, &c, &l.d), 0);
    dmasim_dram_on_complete(l.d, loop_done, &l);
    for (uint32_t i = 0; i < outstanding; i++)
        ck_assert_int_eq(dmasim_dram_submit(l.d, (uint64_t)i * 0x12345640ull, 0, 0, NULL), 0);
    ck_assert_int_eq(dmasim_dram_drain(l.d), 0);
    dmasim_dram_stats st;
    dmasim_dram_get_stats(l.d, &st);
    ck_assert_uint_eq(st.reads + st.writes, total);
    ck_assert_uint_eq(st.row_hits + st.row_misses + st.row_conflicts, total);
    ck_assert_uint_eq(dmasim_dram_outstanding(l.d), 0);
    uint64_t h = l.sum ^ st.cycles;
    dmasim_sim_destroy(sim);
    return h;
}

START_TEST(test_random_closed_loop_is_deterministic)
{
    ck_assert_uint_eq(random_loop(16, 20000), random_loop(16, 20000));
    ck_assert_uint_ne(random_loop(16, 20000), random_loop(4, 20000));
}
END_TEST

/* ======================================================================================= */
/* On the bus                                                                               */
/* ======================================================================================= */

#define DRAM_SIZE (256ull << 20)

static dmasim_dram *bus_dram(dmasim_bus *bus, dmasim_dram_config *c)
{
    c->size = DRAM_SIZE;
    dmasim_dram *d = NULL;
    int err = dmasim_dram_create(bus, c, &d);
    ck_assert_msg(err == 0, "dram_create: %s", dmasim_sim_errmsg(dmasim_bus_sim(bus)));
    return d;
}

/* A bus master that issues one transaction and records its cycles. */
typedef struct tmaster {
    dmasim_bus *bus;
    int idx;
    dmasim_bus_txn txn;
    uint8_t buf[1024];
    int done;
} tmaster;

static void tm_granted(void *ctx, dmasim_time t)
{
    (void)t;
    tmaster *m = ctx;
    ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &m->txn), 0);
}

static void tm_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    (void)txn;
    (void)t;
    tmaster *m = ctx;
    m->done = 1;
    dmasim_bus_release(m->bus, m->idx, 0);
}

static const dmasim_bus_master_ops tm_ops = {1, tm_granted, tm_done, NULL, NULL};

/* Cycles of one read transaction of len bytes at addr, the bus being period_ps and width bytes,
 * on the fast (reference 0) or reference path. */
static uint64_t one_txn(int reference, dmasim_dram_config c, dmasim_time period, uint32_t width, dmasim_addr addr,
                        uint32_t len, int is_write)
{
    dmasim_sim *sim = tu_sim(reference);
    dmasim_bus *bus = tu_bus_ex(sim, period, width, 1, 1, DMASIM_ARB_FIXED);
    bus_dram(bus, &c);
    tmaster m;
    memset(&m, 0, sizeof m);
    m.bus = bus;
    m.idx = dmasim_bus_add_master(bus, "m", 0, &tm_ops, &m);
    m.txn.addr = addr;
    m.txn.len = len;
    m.txn.is_write = (uint8_t)is_write;
    m.txn.data = m.buf;
    ck_assert_int_eq(dmasim_bus_request(bus, m.idx), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert(m.done);
    ck_assert_int_eq(m.txn.status, 0);
    uint64_t cycles = m.txn.cycles;
    dmasim_sim_destroy(sim);
    return cycles;
}

/* Bus clock = DRAM clock (DDR3-1600, 1250 ps), 64-byte beats (one DRAM burst each). The
 * transaction's first beat starts at bus cycle 2 (arbitration, address phase) = DRAM cycle a0.
 * In one row: the first burst costs delay + tRCD + CL + BL/2, every later one tCCD (the
 * bus announces the burst, so the controller pipelines the column commands). */
START_TEST(test_bus_burst_in_one_row_streams_at_the_column_rate)
{
    dmasim_dram_config c = preset("ddr3-1600");
    c.refresh = 0;
    for (int ref = 0; ref < 2; ref++) {
        uint32_t n = 8;
        uint64_t want = 1 + (c.controller_delay + c.trcd + c.cl + 4) + (uint64_t)(n - 1) * c.tccd_s;
        ck_assert_uint_eq(one_txn(ref, c, c.tck_ps, 64, addr_of(&c, 0, 1, 3, 0), n * 64, 0), want);
        /* a write burst is posted but paced by the depth-1 queue: beat k's data is taken when
         * request k enters the queue, i.e. when WR k - 1 issues; WRs are tCCD apart. So the
         * last beat ends at WR n - 2 = WR 0 + (n - 2) tCCD. */
        uint64_t wr0 = 2 + c.controller_delay + c.trcd;
        want = 1 + (wr0 - 2) + (uint64_t)(n - 2) * c.tccd_s;
        ck_assert_uint_eq(one_txn(ref, c, c.tck_ps, 64, addr_of(&c, 0, 1, 3, 0), n * 64, 1), want);
    }
}
END_TEST

/* The same burst crossing into the next row of the same bank (mapping bank:row:column): the
 * fifth burst pays PRE (after tRAS from the ACT and tRTP from the last RD) + tRP + tRCD. */
START_TEST(test_bus_burst_across_a_row_pays_precharge_and_activate)
{
    dmasim_dram_config c = preset("ddr3-1600");
    c.refresh = 0;
    c.address_mapping = "bank:row:column";
    uint64_t row_bytes = (uint64_t)c.columns * c.bus_width / 8;
    for (int ref = 0; ref < 2; ref++) {
        uint64_t a0 = 2, act0 = a0 + c.controller_delay, rd3 = act0 + c.trcd + 3 * c.tccd_s;
        uint64_t pre = rd3 + c.trtp > act0 + c.tras ? rd3 + c.trtp : act0 + c.tras;
        uint64_t rd4 = pre + c.trp + c.trcd;
        uint64_t end = rd4 + 3 * c.tccd_s + c.cl + 4;
        uint64_t want = 1 + (end - a0);
        ck_assert_uint_eq(one_txn(ref, c, c.tck_ps, 64, row_bytes - 4 * 64, 8 * 64, 0), want);
        /* within the row it would have been tCCD per burst */
        ck_assert_uint_lt(1 + (c.controller_delay + c.trcd + c.cl + 4) + 7 * c.tccd_s, want);
    }
}
END_TEST

/* A DMA system: bus 100 MHz x 8 bytes, the DRAM at 0, the DMAC. */
typedef struct dsys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dram *dram;
    dmasim_dmac *dmac;
} dsys;

static void dsys_init(dsys *s, int reference, dmasim_dram_config c)
{
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    s->dram = bus_dram(s->bus, &c);
    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    int err = dmasim_dmac_create(s->bus, &dc, &s->dmac);
    ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(s->sim));
}

static void dma_start(dsys *s, dmasim_addr src, dmasim_addr dst, uint64_t count, uint32_t item, dmasim_dma_mode mode)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = dst;
    t.count = count;
    t.item_size = item;
    t.mode = mode;
    int err = dmasim_dmac_channel_start(s->dmac, 0, &t);
    ck_assert_msg(err == 0, "channel_start: %s", dmasim_sim_errmsg(s->sim));
}

static dmasim_time dma_end(dsys *s)
{
    ck_assert_int_eq(dmasim_sim_run(s->sim), 0);
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, 0, &st), 0);
    ck_assert(st.tc && !st.error);
    return st.end_time;
}

/* Wait states of a beat at t (ps) whose data is ready at `ready` DRAM cycles: the beat ends at
 * the first bus edge at or after the data, and lasts at least one cycle. */
static uint64_t ws_for(uint64_t ready_cycle, uint64_t tck, dmasim_time t, dmasim_time period)
{
    dmasim_time need = ready_cycle * tck;
    if (need <= t + period)
        return 0;
    return (need - t + period - 1) / period - 1;
}

/* Two 8-byte DMA units in burst mode, source in bank 0 and destination in bank 1 (DDR3-1600,
 * tCK 1.25 ns = 1/8 bus cycle). Unit 1: the read beat at 20 ns (DRAM cycle 16) misses: ACT,
 * RD, data 28 cycles later; the write is posted (no wait). Unit 2: the read is a row hit, but
 * its RD waits for tWTR after the first write's data. Every number from the rules. */
START_TEST(test_dma_burst_over_dram_costs_the_model_wait_states)
{
    dmasim_dram_config c = preset("ddr3-1600");
    c.refresh = 0;
    const dmasim_time P = 10000, tck = c.tck_ps;
    const uint64_t d = c.controller_delay, bl2 = 4;
    dmasim_addr src = addr_of(&c, 0, 0, 2, 0), dst = addr_of(&c, 0, 1, 2, 0);
    for (int ref = 0; ref < 2; ref++) {
        dsys s;
        dsys_init(&s, ref, c);
        dma_start(&s, src, dst, 2, 8, DMASIM_DMA_BURST);
        /* unit 1 read: grant at 0, arbitration 1 cycle, address 1 cycle, beat at 2P */
        dmasim_time t = 2 * P;
        uint64_t a = t / tck, act_r = a + d, rd1 = act_r + c.trcd;
        uint64_t ws1 = ws_for(rd1 + c.cl + bl2, tck, t, P);
        ck_assert_uint_eq(ws1, 3);
        t += (1 + ws1) * P;              /* end of the read */
        t += P;                          /* write address phase */
        uint64_t aw = t / tck, wr1 = aw + d + c.trcd; /* bank 1 closed: ACT, WR */
        uint64_t wend = wr1 + c.cwl + bl2;
        t += P;                          /* posted write: no wait */
        /* unit 2 read (hit) */
        t += P;
        uint64_t a2 = t / tck, rd2 = a2 + d;
        if (rd2 < wend + c.twtr_s)
            rd2 = wend + c.twtr_s;      /* write-to-read turnaround */
        uint64_t ws2 = ws_for(rd2 + c.cl + bl2, tck, t, P);
        t += (1 + ws2) * P;
        t += 2 * P;                      /* write: address + one beat, posted */
        ck_assert_uint_eq(dma_end(&s), t);
        uint64_t v = 0;
        ck_assert_int_eq(dmasim_sim_stat_u64(s.sim, "dram0.reads", &v), 0);
        ck_assert_uint_eq(v, 2);
        ck_assert_int_eq(dmasim_sim_stat_u64(s.sim, "dram0.row_hits", &v), 0);
        ck_assert_uint_eq(v, 2); /* unit 2's read and write */
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* A DMA read that reaches the DRAM when a refresh is due pays tRFC on top of its miss. */
START_TEST(test_refresh_collision_adds_trfc_to_a_dma_read)
{
    dmasim_dram_config c = preset("ddr3-1600");
    const dmasim_time P = 10000, tck = c.tck_ps;
    for (int ref = 0; ref < 2; ref++) {
        dsys s;
        dsys_init(&s, ref, c);
        dmasim_time beat = (dmasim_time)c.trefi * tck;  /* the read beat arrives as REF is due */
        ck_assert_int_eq(dmasim_sim_run_until(s.sim, beat - 2 * P), 0);
        dma_start(&s, addr_of(&c, 0, 0, 1, 0), addr_of(&c, 0, 1, 1, 0), 1, 8, DMASIM_DMA_BURST);
        uint64_t ready = c.trefi + c.trfc + c.trcd + c.cl + 4;  /* REF, then ACT, RD, data */
        uint64_t ws = ws_for(ready, tck, beat, P);
        dmasim_time want = beat + (1 + ws) * P + 2 * P;
        ck_assert_uint_eq(dma_end(&s), want);
        ck_assert_uint_gt(ws, 20);
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

/* Fast path and reference path: every statistic identical, for a DMA copy long enough to meet
 * many refreshes, with multi-beat items (64 bytes on an 8-byte bus) in burst and
 * cycle-stealing modes. */
static void collect(dmasim_sim *sim, char ***names, double **vals, size_t *n)
{
    dmasim_sim_stats_update(sim);
    *n = dmasim_sim_stat_count(sim);
    *names = calloc(*n, sizeof **names);
    *vals = calloc(*n, sizeof **vals);
    for (size_t i = 0; i < *n; i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(sim, i);
        (*names)[i] = strdup(st->path);
        (*vals)[i] = st->kind == DMASIM_STAT_U64 ? (double)*(const uint64_t *)st->value : *(const double *)st->value;
    }
}

static void run_copy(int reference, dmasim_dma_mode mode, uint32_t item, char ***names, double **vals, size_t *n,
                     dmasim_time *end)
{
    dmasim_dram_config c = preset("ddr4-2400");
    dsys s;
    dsys_init(&s, reference, c);
    static uint8_t pattern[4096];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 13 + 1);
    ck_assert_int_eq(dmasim_mem_write(s.sim, 0x100000, pattern, sizeof pattern), 0);
    dma_start(&s, 0x100000, 0x4000040, (64 * 1024) / item, item, mode);
    *end = dma_end(&s);
    static uint8_t out[4096];
    ck_assert_int_eq(dmasim_mem_read(s.sim, 0x4000040, out, sizeof out), 0);
    ck_assert_mem_eq(out, pattern, sizeof pattern);
    collect(s.sim, names, vals, n);
    dmasim_sim_destroy(s.sim);
}

START_TEST(test_fast_and_reference_paths_give_identical_dram_statistics)
{
    static const dmasim_dma_mode modes[] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING};
    static const uint32_t items[] = {64, 8};
    for (int m = 0; m < 2; m++) {
        char **n0, **n1;
        double *v0, *v1;
        size_t c0, c1;
        dmasim_time e0, e1;
        run_copy(0, modes[m], items[m], &n0, &v0, &c0, &e0);
        run_copy(1, modes[m], items[m], &n1, &v1, &c1, &e1);
        ck_assert_uint_eq(e0, e1);
        ck_assert_uint_eq(c0, c1);
        int saw_refresh = 0;
        for (size_t i = 0; i < c0; i++) {
            ck_assert_str_eq(n0[i], n1[i]);
            ck_assert_msg(v0[i] == v1[i], "%s: fast %.17g, reference %.17g", n0[i], v0[i], v1[i]);
            if (strcmp(n0[i], "dram0.refreshes") == 0)
                saw_refresh = v0[i] > 5;
            free(n0[i]);
            free(n1[i]);
        }
        ck_assert(saw_refresh);
        free(n0);
        free(n1);
        free(v0);
        free(v1);
    }
}
END_TEST

/* A prediction (commit == 0) changes nothing and equals what the transaction then costs. */
START_TEST(test_prediction_has_no_side_effects)
{
    dmasim_dram_config c = preset("ddr4-2400");
    dsys s;
    dsys_init(&s, 0, c);
    dmasim_addr a = addr_of(&c, 1, 1, 4, 0);
    uint64_t p1 = dmasim_bus_predict_cycles(s.bus, a, 64, 0, 0);
    uint64_t p2 = dmasim_bus_predict_cycles(s.bus, a, 64, 0, 0);
    ck_assert_uint_eq(p1, p2);
    uint64_t v = 1;
    ck_assert_int_eq(dmasim_sim_stat_u64(s.sim, "dram0.activates", &v), 0);
    ck_assert_uint_eq(v, 0);
    /* bus: 1 address cycle, 8 beats; DRAM: miss latency from the first beat at 10 ns */
    uint64_t ready = (10000 + c.tck_ps - 1) / c.tck_ps + 2 + c.trcd + c.cl + 4;
    ck_assert_uint_eq(p1, 1 + 8 + ws_for(ready, c.tck_ps, 10000, 10000));
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* A bus master that issues two transactions in one tenure and records their cycles. */
typedef struct tmaster2 {
    dmasim_bus *bus;
    int idx, next;
    dmasim_bus_txn txn[2];
    uint8_t buf[2][64];
} tmaster2;

static void tm2_granted(void *ctx, dmasim_time t)
{
    (void)t;
    tmaster2 *m = ctx;
    ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &m->txn[m->next++]), 0);
}

static void tm2_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    (void)txn;
    (void)t;
    tmaster2 *m = ctx;
    if (m->next < 2)
        ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &m->txn[m->next++]), 0);
    else
        dmasim_bus_release(m->bus, m->idx, 0);
}

static const dmasim_bus_master_ops tm2_ops = {1, tm2_granted, tm2_done, NULL, NULL};

/* Two one-word read transactions in one tenure, to consecutive words of one DRAM burst (DDR3-1600
 * behind the default bus). The second is no continuation of a stream (its address phase lies
 * between the two beats), so it is a new DRAM request, a row hit: its beat waits for
 * arrival + delay + CL + BL/2, not for the controller's buffer. */
START_TEST(test_a_new_transaction_to_the_same_burst_reads_the_dram_again)
{
    dmasim_dram_config c = preset("ddr3-1600");
    c.refresh = 0;
    const dmasim_time P = 10000, tck = c.tck_ps;
    const uint64_t d = c.controller_delay, bl2 = c.burst_length / 2;
    for (int ref = 0; ref < 2; ref++) {
        dmasim_sim *sim = tu_sim(ref);
        dmasim_bus *bus = tu_bus(sim);
        bus_dram(bus, &c);
        tmaster2 m;
        memset(&m, 0, sizeof m);
        m.bus = bus;
        m.idx = dmasim_bus_add_master(bus, "m", 0, &tm2_ops, &m);
        const dmasim_addr a = addr_of(&c, 0, 1, 3, 0);
        for (int k = 0; k < 2; k++) {
            m.txn[k].addr = a + 8 * (dmasim_addr)k;
            m.txn[k].len = 8;
            m.txn[k].data = m.buf[k];
        }
        ck_assert_int_eq(dmasim_bus_request(bus, m.idx), 0);
        ck_assert_int_eq(dmasim_sim_run(sim), 0);
        ck_assert_int_eq(m.next, 2);
        /* first beat at 2P (arbitration, address phase): the bank is closed */
        const dmasim_time t1 = 2 * P;
        const uint64_t a1 = (t1 + tck - 1) / tck;
        const uint64_t ws1 = ws_for(a1 + d + c.trcd + c.cl + bl2, tck, t1, P);
        ck_assert_uint_eq(m.txn[0].cycles, 1 + 1 + ws1);
        /* second beat after the first transaction and the second's address phase */
        const dmasim_time t2 = t1 + (1 + ws1) * P + P;
        const uint64_t a2 = (t2 + tck - 1) / tck;
        const uint64_t ws2 = ws_for(a2 + d + c.cl + bl2, tck, t2, P);
        ck_assert_uint_gt(ws2, 0);
        ck_assert_uint_eq(m.txn[1].cycles, 1 + 1 + ws2);
        uint64_t v = 0;
        ck_assert_int_eq(dmasim_sim_stat_u64(sim, "dram0.reads", &v), 0);
        ck_assert_uint_eq(v, 2);
        ck_assert_int_eq(dmasim_sim_stat_u64(sim, "dram0.row_hits", &v), 0);
        ck_assert_uint_eq(v, 1);
        dmasim_sim_destroy(sim);
    }
}
END_TEST

/* A beat starting at t ps reaches the controller at DRAM cycle ceil(t / tCK). With a bus clock
 * that is not a multiple of the DRAM clock (DDR4-2400, tCK 833 ps) the rounding shows in the
 * wait states of a read of a closed bank: ready = ceil(t / tCK) + delay + tRCD + CL + BL/2. */
START_TEST(test_bus_beat_arrives_at_the_next_dram_clock_edge)
{
    dmasim_dram_config c = preset("ddr4-2400");
    c.refresh = 0;
    static const dmasim_time periods[] = {1000, 1500, 10000};
    int rounding_mattered = 0;
    for (size_t p = 0; p < sizeof periods / sizeof periods[0]; p++)
        for (int ref = 0; ref < 2; ref++) {
            const dmasim_time P = periods[p], t = 2 * P; /* arbitration, address phase */
            const uint64_t rest = c.controller_delay + c.trcd + c.cl + c.burst_length / 2;
            const uint64_t up = (t + c.tck_ps - 1) / c.tck_ps, down = t / c.tck_ps;
            const uint64_t ws = ws_for(up + rest, c.tck_ps, t, P);
            rounding_mattered |= ws != ws_for(down + rest, c.tck_ps, t, P);
            ck_assert_uint_eq(one_txn(ref, c, P, 8, addr_of(&c, 1, 2, 3, 0), 8, 0), 1 + 1 + ws);
        }
    ck_assert(rounding_mattered);
}
END_TEST

/* Every allocation failure is reported (DMASIM_ENOMEM) and leaks nothing: fail the n-th
 * allocation for n = 0, 1, ... until everything succeeds. */
typedef struct failing {
    long left;
    long long live;
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing *f = ud;
    if (nsize == 0) {
        if (ptr)
            f->live -= (long long)osize;
        free(ptr);
        return NULL;
    }
    if (f->left-- == 0)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        f->live += (long long)nsize - (ptr ? (long long)osize : 0);
    return p;
}

START_TEST(test_allocation_failures_are_reported_and_leak_nothing)
{
    for (int bus_mode = 0; bus_mode < 2; bus_mode++) {
        int succeeded = 0;
        for (long n = 0; !succeeded && n < 10000; n++) {
            failing f = {n, 0};
            dmasim_sim_config sc;
            dmasim_sim_config_init(&sc);
            sc.alloc = failing_alloc;
            sc.alloc_ud = &f;
            dmasim_sim *sim = NULL;
            if (dmasim_sim_create(&sc, &sim) == 0) {
                dmasim_dram_config c = preset("ddr4-2400");
                c.size = DRAM_SIZE;
                dmasim_dram *d = NULL;
                int err;
                if (bus_mode) {
                    dmasim_bus *bus = NULL;
                    err = dmasim_bus_create(sim, NULL, &bus);
                    if (!err)
                        err = dmasim_dram_create(bus, &c, &d);
                    if (!err) {
                        uint8_t buf[64] = {1};
                        dmasim_bus_predict_cycles(bus, 4096, 64, 0, 0);
                        err = dmasim_bus_debug_write(bus, 4096, buf, sizeof buf);
                    }
                } else {
                    err = dmasim_dram_create_standalone(sim, &c, &d);
                    for (int i = 0; !err && i < 200; i++)
                        err = dmasim_dram_submit(d, (dmasim_addr)i * 4160, i & 1, 0, NULL);
                    if (!err)
                        err = dmasim_dram_drain(d);
                }
                ck_assert(err == 0 || err == DMASIM_ENOMEM);
                succeeded = err == 0;
                dmasim_sim_destroy(sim);
            }
            ck_assert_msg(f.live == 0, "n = %ld: %lld bytes leaked", n, f.live);
        }
        ck_assert(succeeded);
    }
}
END_TEST

static Suite *dram_suite(void)
{
    Suite *s = suite_create("dram");
    TCase *lat = tcase_create("latency");
    tcase_add_test(lat, test_ddr3_1600_idle_latencies_match_dramsim3);
    tcase_add_test(lat, test_ddr4_2400_idle_latencies_match_dramsim3);
    tcase_add_test(lat, test_ddr4_3200_and_lpddr4_latencies_are_the_jedec_sums);
    tcase_add_test(lat, test_write_latency_is_cwl_plus_burst);
    tcase_add_test(lat, test_closed_page_makes_every_access_a_miss);
    suite_add_tcase(s, lat);
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, test_refresh_every_trefi_blocks_banks_for_trfc);
    tcase_add_test(rules, test_tfaw_limits_activates);
    tcase_add_test(rules, test_frfcfs_prefers_row_hits_over_older_misses);
    tcase_add_test(rules, test_write_to_read_turnaround);
    tcase_add_test(rules, test_streaming_a_whole_row_at_the_tccd_rate);
    tcase_add_test(rules, test_bankgroup_interleaving_streams_at_tccd_s);
    tcase_add_test(rules, test_tras_and_trc_bound_the_row_cycle);
    tcase_add_test(rules, test_trrd_l_and_the_tfaw_window);
    tcase_add_test(rules, test_twr_delays_the_precharge_after_a_write);
    tcase_add_test(rules, test_closed_page_auto_precharge_after_trtp_or_twr);
    tcase_add_test(rules, test_read_to_write_turnaround);
    tcase_add_test(rules, test_ranks_share_the_data_bus_with_trtrs);
    tcase_add_test(rules, test_ranks_refresh_staggered_and_refresh_goes_first);
    tcase_add_test(rules, test_refresh_waits_for_tras_and_blocks_the_rank);
    tcase_add_test(rules, test_refresh_after_an_idle_span_still_blocks_for_trfc);
    tcase_add_test(rules, test_refresh_waits_for_an_auto_precharge_to_complete);
    tcase_add_test(rules, test_frfcfs_column_commands_first_across_banks);
    tcase_add_test(rules, test_tccd_s_binds_when_longer_than_a_burst);
    tcase_add_test(rules, test_random_closed_loop_is_deterministic);
    suite_add_tcase(s, rules);
    TCase *bw = tcase_create("bandwidth");
    tcase_set_timeout(bw, 60);
    tcase_add_test(bw, test_sequential_read_bandwidth_is_70_to_80_percent_of_peak);
    suite_add_tcase(s, bw);
    TCase *cfg = tcase_create("config");
    tcase_add_test(cfg, test_bad_configurations_name_the_parameter);
    tcase_add_test(cfg, test_presets_are_valid_and_cite_their_source);
    tcase_add_test(cfg, test_address_mapping_forms_and_decoding);
    tcase_add_test(cfg, test_allocation_failures_are_reported_and_leak_nothing);
    suite_add_tcase(s, cfg);
    TCase *bus = tcase_create("bus");
    tcase_set_timeout(bus, 120);
    tcase_add_test(bus, test_bus_burst_in_one_row_streams_at_the_column_rate);
    tcase_add_test(bus, test_bus_burst_across_a_row_pays_precharge_and_activate);
    tcase_add_test(bus, test_dma_burst_over_dram_costs_the_model_wait_states);
    tcase_add_test(bus, test_refresh_collision_adds_trfc_to_a_dma_read);
    tcase_add_test(bus, test_fast_and_reference_paths_give_identical_dram_statistics);
    tcase_add_test(bus, test_prediction_has_no_side_effects);
    tcase_add_test(bus, test_a_new_transaction_to_the_same_burst_reads_the_dram_again);
    tcase_add_test(bus, test_bus_beat_arrives_at_the_next_dram_clock_edge);
    suite_add_tcase(s, bus);
    return s;
}

int main(void)
{
    return tu_run_suite(dram_suite());
}

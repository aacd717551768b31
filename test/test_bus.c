/* The system bus (rules from include/dmasim/bus.h), checked on both the fast path
 * (dmasim_sim_config.reference = 0) and the per-cycle reference path (reference = 1) with the
 * same hand-computed expectations, plus a randomised scenario whose every observable must be
 * identical on the two paths.
 *
 * The masters here are small scripted test masters: each has a list of tenures; a tenure is a
 * bus request, then its transactions back to back (dmasim_bus_transfer from the granted/done
 * callbacks), then a release (optionally with DMASIM_BUS_YIELD). The first request is made at
 * an absolute time; each later one `gap` ps after the previous release (gap 0: at the release
 * edge, from inside the done callback). */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

#define P 10000u /* bus period used by every scenario (ps) */

enum { MAX_TEN = 8, MAX_TXN = 8, MAX_LOG = 256 };

typedef struct tenure {
    dmasim_time gap;      /* request this long after the previous release (first: absolute time) */
    unsigned flags;       /* release flags */
    size_t ntxn;
    dmasim_bus_txn txn[MAX_TXN];
    uint8_t buf[MAX_TXN][128];
    /* results */
    dmasim_time req_time, granted_t, granted_now, done_t[MAX_TXN];
} tenure;

typedef struct harness harness;

typedef struct tmaster {
    harness *h;
    dmasim_bus *bus;
    int idx;
    size_t nten, cur, cur_txn;
    tenure ten[MAX_TEN];
    dmasim_event req_ev;
    int finished;
} tmaster;

struct harness {
    dmasim_sim *sim;
    dmasim_bus *bus;
    tmaster m[4];
    int nm;
    /* grant order: master index and the time granted() said the address phase may start */
    int grant_who[MAX_LOG];
    dmasim_time grant_t[MAX_LOG];
    size_t ngrants;
    /* bus owner signal changes */
    dmasim_time own_t[MAX_LOG];
    uint64_t own_v[MAX_LOG];
    size_t nown;
};

static void tm_request(tmaster *m)
{
    tenure *tn = &m->ten[m->cur];
    tn->req_time = dmasim_sim_now(m->h->sim);
    ck_assert_int_eq(dmasim_bus_request(m->bus, m->idx), 0);
}

static void tm_req_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    tm_request(ctx);
}

static void tm_granted(void *ctx, dmasim_time t)
{
    tmaster *m = ctx;
    harness *h = m->h;
    tenure *tn = &m->ten[m->cur];
    ck_assert_uint_ge(t, dmasim_sim_now(h->sim));
    tn->granted_t = t;
    tn->granted_now = dmasim_sim_now(h->sim);
    ck_assert_uint_lt(h->ngrants, MAX_LOG);
    h->grant_who[h->ngrants] = m->idx;
    h->grant_t[h->ngrants] = t;
    h->ngrants++;
    m->cur_txn = 0;
    ck_assert_uint_gt(tn->ntxn, 0);
    ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &tn->txn[0]), 0);
}

static void tm_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    tmaster *m = ctx;
    harness *h = m->h;
    tenure *tn = &m->ten[m->cur];
    ck_assert_ptr_eq(txn, &tn->txn[m->cur_txn]);
    ck_assert_uint_eq(t, dmasim_sim_now(h->sim));
    tn->done_t[m->cur_txn] = t;
    if (++m->cur_txn < tn->ntxn) {
        ck_assert_int_eq(dmasim_bus_transfer(m->bus, m->idx, &tn->txn[m->cur_txn]), 0);
        return;
    }
    ck_assert_int_eq(dmasim_bus_release(m->bus, m->idx, tn->flags), 0);
    if (++m->cur >= m->nten) {
        m->finished = 1;
        return;
    }
    dmasim_time gap = m->ten[m->cur].gap;
    if (gap == 0)
        tm_request(m);
    else
        ck_assert_int_eq(dmasim_event_schedule(h->sim, &m->req_ev, t + gap, DMASIM_PRIO_DEFAULT), 0);
}

static const dmasim_bus_master_ops tm_ops = {1, tm_granted, tm_done, NULL, NULL};

static void owner_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    harness *h = ctx;
    ck_assert_uint_lt(h->nown, MAX_LOG);
    h->own_t[h->nown] = t;
    h->own_v[h->nown] = value;
    h->nown++;
}

/* A harness: sim (path `ref`), bus with the given timing, SRAM "ram" at [0, 1 MiB) with
 * `ws` wait states per beat, memory [0, 0x1000) filled with the pattern byte(a) = a * 13 + 7. */
static harness *h_new(int ref, uint32_t width, uint32_t arb, uint32_t addr, dmasim_arbitration pol, uint32_t ws)
{
    harness *h = calloc(1, sizeof *h);
    ck_assert_ptr_nonnull(h);
    h->sim = tu_sim(ref);
    h->bus = tu_bus_ex(h->sim, P, width, arb, addr, pol);
    tu_sram(h->bus, 0, 1u << 20, ws);
    uint8_t pat[0x1000];
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (uint8_t)(i * 13 + 7);
    ck_assert_int_eq(dmasim_mem_write(h->sim, 0, pat, sizeof pat), 0);
    dmasim_signal *own = dmasim_sim_signal_find(h->sim, "bus0.owner");
    ck_assert_ptr_nonnull(own);
    ck_assert_int_eq(dmasim_signal_subscribe(own, owner_changed, h), 0);
    return h;
}

static uint8_t pat_at(dmasim_addr a)
{
    return (uint8_t)(a * 13 + 7);
}

static tmaster *h_master(harness *h, const char *name, unsigned prio)
{
    tmaster *m = &h->m[h->nm];
    m->h = h;
    m->bus = h->bus;
    int idx = dmasim_bus_add_master(h->bus, name, prio, &tm_ops, m);
    ck_assert_int_eq(idx, h->nm);
    m->idx = idx;
    h->nm++;
    dmasim_event_init(&m->req_ev, tm_req_event, m);
    return m;
}

/* Add a tenure (first one: `gap` is the absolute request time). */
static tenure *tm_tenure(tmaster *m, dmasim_time gap, unsigned flags)
{
    ck_assert_uint_lt(m->nten, MAX_TEN);
    tenure *tn = &m->ten[m->nten++];
    tn->gap = gap;
    tn->flags = flags;
    return tn;
}

/* Add a transaction to a tenure; a write sends bytes 0xA0 + i. */
static dmasim_bus_txn *tn_txn(tenure *tn, dmasim_addr addr, uint32_t len, int is_write)
{
    ck_assert_uint_lt(tn->ntxn, MAX_TXN);
    ck_assert_uint_le(len, sizeof tn->buf[0]);
    size_t k = tn->ntxn++;
    uint8_t *b = tn->buf[k];
    memset(b, 0xEE, sizeof tn->buf[k]); /* sentinel: a read that moves no bytes leaves it */
    if (is_write)
        for (uint32_t i = 0; i < len; i++)
            b[i] = (uint8_t)(0xA0 + i);
    dmasim_bus_txn *t = &tn->txn[k];
    *t = (dmasim_bus_txn){.addr = addr, .len = len, .is_write = (uint8_t)is_write, .data = b};
    return t;
}

/* Schedule every master's first request and run to the end. */
static void h_run(harness *h)
{
    for (int i = 0; i < h->nm; i++) {
        tmaster *m = &h->m[i];
        if (m->nten)
            ck_assert_int_eq(dmasim_event_schedule(h->sim, &m->req_ev, m->ten[0].gap, DMASIM_PRIO_DEFAULT), 0);
    }
    ck_assert_int_eq(dmasim_sim_run(h->sim), 0);
    for (int i = 0; i < h->nm; i++)
        ck_assert_msg(h->m[i].finished || !h->m[i].nten, "master %d did not finish", i);
}

static void h_free(harness *h)
{
    dmasim_sim_destroy(h->sim);
    free(h);
}

static uint64_t stat(harness *h, const char *path)
{
    uint64_t v = 0;
    int err = dmasim_sim_stat_u64(h->sim, path, &v);
    ck_assert_msg(err == 0, "no statistic %s", path);
    return v;
}

/* ---- transaction cost -------------------------------------------------------------------- */

/* Rule: a transaction costs address_cycles + beats + wait states, where beats = the number of
 * bus-width-aligned words its bytes cover and an SRAM asks its wait states once per beat.
 * Beats below are counted by hand from the aligned words each byte range touches. */
static const struct beat_case {
    uint32_t width;
    dmasim_addr addr;
    uint32_t len;
    uint32_t beats; /* by hand */
} beat_cases[] = {
    {8, 0, 8, 1},    {8, 4, 8, 2},    {8, 7, 2, 2},     {8, 5, 1, 1},   {8, 1, 16, 3},
    {8, 8, 16, 2},   {8, 0, 64, 8},   {8, 60, 8, 2},    {16, 4, 8, 1},  {16, 12, 8, 2},
    {16, 0, 64, 4},  {16, 15, 34, 4}, {4, 2, 4, 2},     {4, 0, 16, 4},  {1, 3, 5, 5},
    {2, 1, 2, 2},    {32, 31, 2, 2},  {32, 0, 100, 4},  {128, 1, 127, 1}, {128, 100, 100, 2},
};

START_TEST(test_r3_transaction_costs_address_plus_aligned_beats_plus_wait_states)
{
    int ref = _i;
    const uint32_t A = 2, C = 3, WS = 2;
    for (size_t k = 0; k < sizeof beat_cases / sizeof beat_cases[0]; k++) {
        const struct beat_case *bc = &beat_cases[k];
        for (int write = 0; write <= 1; write++) {
            harness *h = h_new(ref, bc->width, A, C, DMASIM_ARB_FIXED, WS);
            tmaster *m = h_master(h, "m0", 0);
            tenure *tn = tm_tenure(m, 0, 0);
            dmasim_bus_txn *t = tn_txn(tn, bc->addr, bc->len, write);
            uint64_t want = C + bc->beats + (uint64_t)WS * bc->beats;
            ck_assert_uint_eq(dmasim_bus_predict_cycles(h->bus, bc->addr, bc->len, write, 0), want);
            h_run(h);
            ck_assert_msg(t->status == 0 && t->cycles == want,
                          "ref %d width %u addr %llu len %u write %d: status %d cycles %llu, want %llu", ref,
                          bc->width, (unsigned long long)bc->addr, bc->len, write, t->status,
                          (unsigned long long)t->cycles, (unsigned long long)want);
            /* request at 0: grant edge 0; first address phase A cycles later; done after the cycles */
            ck_assert_uint_eq(tn->granted_t, (dmasim_time)A * P);
            ck_assert_uint_eq(tn->done_t[0], (A + want) * P);
            ck_assert_uint_eq(stat(h, "bus0.master.m0.beats"), bc->beats);
            ck_assert_uint_eq(stat(h, "bus0.master.m0.bytes"), bc->len);
            /* the bytes moved */
            uint8_t mem[128];
            ck_assert_int_eq(dmasim_mem_read(h->sim, bc->addr, mem, bc->len), 0);
            for (uint32_t i = 0; i < bc->len; i++) {
                if (write)
                    ck_assert_uint_eq(mem[i], (uint8_t)(0xA0 + i));
                else
                    ck_assert_uint_eq(tn->buf[0][i], pat_at(bc->addr + i));
            }
            h_free(h);
        }
    }
}
END_TEST

/* Rule: an owner's transactions run back to back: each starts where the previous ended. */
START_TEST(test_transactions_of_one_tenure_run_back_to_back)
{
    int ref = _i;
    harness *h = h_new(ref, 8, 1, 1, DMASIM_ARB_FIXED, 1);
    tmaster *m = h_master(h, "m0", 0);
    tenure *tn = tm_tenure(m, 0, 0);
    tn_txn(tn, 0, 8, 0);     /* 1 + 1 + 1 = 3 */
    tn_txn(tn, 4, 8, 1);     /* 1 + 2 + 2 = 5 */
    tn_txn(tn, 0x101, 3, 0); /* 1 + 1 + 1 = 3 */
    tn_txn(tn, 0x40, 32, 1); /* 1 + 4 + 4 = 9 */
    h_run(h);
    const dmasim_time want[] = {4 * P, 9 * P, 12 * P, 21 * P};
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(tn->done_t[i], want[i]);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.transactions"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.beats"), 8);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.bytes"), 51);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.owned_cycles"), 21);
    ck_assert_uint_eq(stat(h, "bus0.transactions"), 4);
    /* data: txn 1 wrote A0.. at 4, so txn 0 (before it) read the pattern */
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(tn->buf[0][i], pat_at((dmasim_addr)i));
    uint8_t mem[32];
    ck_assert_int_eq(dmasim_mem_read(h->sim, 4, mem, 8), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(mem[i], 0xA0 + i);
    ck_assert_int_eq(dmasim_mem_read(h->sim, 0x40, mem, 32), 0);
    for (int i = 0; i < 32; i++)
        ck_assert_uint_eq(mem[i], 0xA0 + i);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(tn->buf[2][i], pat_at(0x101 + (dmasim_addr)i));
    h_free(h);
}
END_TEST

/* ---- arbitration timing ------------------------------------------------------------------ */

/* Rules: a request at time r is arbitrated at the first bus edge >= r (the grant edge, where the
 * owner signal changes); the first address phase starts arbitration_cycles after it. */
START_TEST(test_r1_r2_request_granted_at_first_edge_then_arbitration_cycles)
{
    int ref = _i;
    static const struct {
        dmasim_time r;
        dmasim_time edge; /* by hand: first multiple of P at or after r */
    } reqs[] = {{0, 0}, {1, P}, {3000, P}, {P, P}, {2 * P, 2 * P}, {2 * P + 1, 3 * P}, {7 * P - 1, 7 * P}};
    static const uint32_t arbs[] = {0, 1, 3};
    for (size_t a = 0; a < 3; a++) {
        for (size_t k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
            harness *h = h_new(ref, 8, arbs[a], 1, DMASIM_ARB_FIXED, 0);
            tmaster *m = h_master(h, "m0", 0);
            tenure *tn = tm_tenure(m, reqs[k].r, 0);
            tn_txn(tn, 0, 8, 0); /* 1 + 1 cycles */
            h_run(h);
            ck_assert_msg(tn->granted_t == reqs[k].edge + arbs[a] * P,
                          "ref %d arbitration_cycles %u request at %llu: address phase at %llu, want %llu", ref,
                          arbs[a], (unsigned long long)reqs[k].r, (unsigned long long)tn->granted_t,
                          (unsigned long long)(reqs[k].edge + arbs[a] * P));
            ck_assert_uint_eq(tn->done_t[0], reqs[k].edge + (arbs[a] + 2) * P);
            /* owner: master 0 (value 1) from the grant edge, free (0) from the release */
            ck_assert_uint_eq(h->nown, 2);
            ck_assert_uint_eq(h->own_t[0], reqs[k].edge);
            ck_assert_uint_eq(h->own_v[0], 1);
            ck_assert_uint_eq(h->own_t[1], tn->done_t[0]);
            ck_assert_uint_eq(h->own_v[1], 0);
            ck_assert_uint_eq(stat(h, "bus0.master.m0.arbitration_cycles"), arbs[a]);
            ck_assert_uint_eq(stat(h, "bus0.master.m0.owned_cycles"), arbs[a] + 2);
            /* waiting before the first edge is the master's own (bus free) */
            ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 0, 0), reqs[k].edge - reqs[k].r);
            h_free(h);
        }
    }
}
END_TEST

/* Rule: fixed priority: the lowest priority value wins; ties go to the master added first.
 * All four request at 0, one 3-cycle tenure each (1 arbitration + 1 address + 1 beat). */
START_TEST(test_r4_fixed_priority_lowest_value_wins_ties_to_first_added)
{
    int ref = _i;
    harness *h = h_new(ref, 8, 1, 1, DMASIM_ARB_FIXED, 0);
    static const unsigned prio[] = {2, 1, 1, 0};
    static const char *names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) {
        tmaster *m = h_master(h, names[i], prio[i]);
        tn_txn(tm_tenure(m, 0, 0), 8 * (dmasim_addr)i, 8, 0);
    }
    h_run(h);
    static const int want[] = {3, 1, 2, 0};
    ck_assert_uint_eq(h->ngrants, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(h->grant_who[i], want[i]);
        ck_assert_uint_eq(h->grant_t[i], (dmasim_time)(3 * i + 1) * P);
    }
    /* owner signal: d, b, c, a (index + 1), then free */
    static const uint64_t own[] = {4, 2, 3, 1, 0};
    ck_assert_uint_eq(h->nown, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(h->own_v[i], own[i]);
        ck_assert_uint_eq(h->own_t[i], (dmasim_time)(3 * i) * P);
    }
    /* waits: d 0, b 3, c 6, a 9 cycles, each charged to the owners meanwhile */
    ck_assert_uint_eq(stat(h, "bus0.master.a.wait_cycles"), 9);
    ck_assert_uint_eq(stat(h, "bus0.master.a.wait_by.d"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.a.wait_by.b"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.a.wait_by.c"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.a.wait_by.a"), 0);
    ck_assert_uint_eq(stat(h, "bus0.master.c.wait_cycles"), 6);
    ck_assert_uint_eq(stat(h, "bus0.master.b.wait_cycles"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.d.wait_cycles"), 0);
    h_free(h);
}
END_TEST

/* Rule: a master that re-requests at its own release edge (without yield) is just another
 * requester: under fixed priority the highest priority wins again; under round-robin the
 * first requester after the last owner wins, so the bus rotates. Three masters, two tenures
 * each, all requesting at 0; m0 has the highest priority (ignored by round-robin). */
START_TEST(test_r5_round_robin_rotates_fixed_priority_does_not)
{
    int ref = _i;
    for (int pol = 0; pol <= 1; pol++) {
        harness *h = h_new(ref, 8, 1, 1, pol ? DMASIM_ARB_ROUND_ROBIN : DMASIM_ARB_FIXED, 0);
        static const unsigned prio[] = {0, 1, 1};
        static const char *names[] = {"m0", "m1", "m2"};
        for (int i = 0; i < 3; i++) {
            tmaster *m = h_master(h, names[i], prio[i]);
            tn_txn(tm_tenure(m, 0, 0), 0, 8, 0);
            tn_txn(tm_tenure(m, 0, 0), 0, 8, 0); /* re-request at the release edge */
        }
        h_run(h);
        static const int want_rr[] = {0, 1, 2, 0, 1, 2};
        static const int want_fixed[] = {0, 0, 1, 1, 2, 2};
        const int *want = pol ? want_rr : want_fixed;
        ck_assert_uint_eq(h->ngrants, 6);
        for (int i = 0; i < 6; i++) {
            ck_assert_msg(h->grant_who[i] == want[i], "ref %d %s: grant %d went to m%d, want m%d", ref,
                          pol ? "round-robin" : "fixed", i, h->grant_who[i], want[i]);
            ck_assert_uint_eq(h->grant_t[i], (dmasim_time)(3 * i + 1) * P);
        }
        h_free(h);
    }
}
END_TEST

/* Rule: round-robin picks the first requesting master after the last owner, in the order the
 * masters were added. m1 owns [0, 3P); m0 and m2 request meanwhile; after m1 the order is m2
 * (after m1), then m0 (wrapping). Fixed priority with the same priorities picks m0 first. */
START_TEST(test_r5_round_robin_starts_after_last_owner)
{
    int ref = _i;
    for (int pol = 0; pol <= 1; pol++) {
        harness *h = h_new(ref, 8, 1, 1, pol ? DMASIM_ARB_ROUND_ROBIN : DMASIM_ARB_FIXED, 0);
        tmaster *m0 = h_master(h, "m0", 1);
        tmaster *m1 = h_master(h, "m1", 1);
        tmaster *m2 = h_master(h, "m2", 1);
        tn_txn(tm_tenure(m1, 0, 0), 0, 8, 0);
        tn_txn(tm_tenure(m0, 5000, 0), 0, 8, 0);
        tn_txn(tm_tenure(m2, 5000, 0), 0, 8, 0);
        h_run(h);
        ck_assert_uint_eq(h->ngrants, 3);
        ck_assert_int_eq(h->grant_who[0], 1);
        ck_assert_int_eq(h->grant_who[1], pol ? 2 : 0);
        ck_assert_int_eq(h->grant_who[2], pol ? 0 : 2);
        ck_assert_uint_eq(h->grant_t[1], 4 * P);
        ck_assert_uint_eq(h->grant_t[2], 7 * P);
        h_free(h);
    }
}
END_TEST

/* Rule (HOLD/HLDA): a master that releases with DMASIM_BUS_YIELD and requests again at the
 * release edge loses to every master already waiting at that edge, even one of lower priority;
 * with nobody waiting it wins again; without yield it keeps winning on priority.
 * d (priority 0) has three one-transaction tenures, re-requesting at each release; c
 * (priority 1) requests at `c_req` (during d's first tenure, or exactly at its release edge). */
START_TEST(test_r6_yield_loses_to_master_already_waiting)
{
    int ref = _i;
    static const dmasim_time c_reqs[] = {5000, 3 * P};
    for (int yield = 0; yield <= 1; yield++) {
        for (size_t k = 0; k < 2; k++) {
            harness *h = h_new(ref, 8, 1, 1, DMASIM_ARB_FIXED, 0);
            tmaster *d = h_master(h, "d", 0);
            tmaster *c = h_master(h, "c", 1);
            unsigned fl = yield ? DMASIM_BUS_YIELD : 0;
            for (int i = 0; i < 3; i++)
                tn_txn(tm_tenure(d, 0, fl), 0x100 + 8 * (dmasim_addr)i, 8, 1);
            tn_txn(tm_tenure(c, c_reqs[k], 0), 0, 8, 0);
            h_run(h);
            static const int want_yield[] = {0, 1, 0, 0};
            static const int want_plain[] = {0, 0, 0, 1};
            const int *want = yield ? want_yield : want_plain;
            ck_assert_uint_eq(h->ngrants, 4);
            for (int i = 0; i < 4; i++) {
                ck_assert_msg(h->grant_who[i] == want[i], "ref %d yield %d c requests at %llu: grant %d to %s", ref,
                              yield, (unsigned long long)c_reqs[k], i, h->grant_who[i] ? "c" : "d");
                ck_assert_uint_eq(h->grant_t[i], (dmasim_time)(3 * i + 1) * P);
            }
            /* the stolen-cycle rule: with yield, c waits for one d tenure only (from its first
             * edge, P or 3P, to its grant edge, 3P with yield, 9P without), all charged to d */
            dmasim_time first_edge = k == 0 ? P : 3 * P;
            ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 1, 0), (yield ? 3 * P : 9 * P) - first_edge);
            h_free(h);
        }
    }
}
END_TEST

/* ---- errors and the address map ---------------------------------------------------------- */

/* Rule: a transaction to an address that is not mapped (or not wholly inside one slave) answers
 * DMASIM_EUNMAPPED after its address phase plus one cycle, and moves no bytes; the owner goes
 * on with its next transaction. RAM [0, 1 MiB) with 2 wait states, 2 address cycles. */
START_TEST(test_r7_unmapped_address_answers_after_address_phase_plus_one_and_moves_nothing)
{
    int ref = _i;
    harness *h = h_new(ref, 8, 1, 2, DMASIM_ARB_FIXED, 2);
    tmaster *m = h_master(h, "m0", 0);
    tenure *tn = tm_tenure(m, 0, 0);
    const dmasim_addr end = 1u << 20;
    tn_txn(tn, end + 0x100, 8, 0);  /* unmapped read */
    tn_txn(tn, end + 0x100, 16, 1); /* unmapped write */
    tn_txn(tn, end - 4, 8, 1);      /* half mapped write */
    tn_txn(tn, end - 4, 8, 0);      /* half mapped read */
    tn_txn(tn, 0x10, 8, 0);         /* mapped: 2 + 1 + 2 = 5 */
    size_t resident = dmasim_mem_resident_bytes(h->sim);
    ck_assert_int_eq(dmasim_bus_slave_flags(h->bus, end + 0x100), DMASIM_EINVAL);
    ck_assert_uint_eq(dmasim_bus_predict_cycles(h->bus, end + 0x100, 8, 0, 0), 0);
    h_run(h);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(tn->txn[i].status, DMASIM_EUNMAPPED);
        ck_assert_uint_eq(tn->txn[i].cycles, 3);
        ck_assert_uint_eq(tn->done_t[i], (dmasim_time)(1 + 3 * (i + 1)) * P);
    }
    ck_assert_int_eq(tn->txn[4].status, 0);
    ck_assert_uint_eq(tn->txn[4].cycles, 5);
    ck_assert_uint_eq(tn->done_t[4], 18 * P);
    /* no bytes moved: read buffers keep their sentinel, memory keeps its zeros */
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(tn->buf[0][i], 0xEE);
        ck_assert_uint_eq(tn->buf[3][i], 0xEE);
    }
    uint8_t mem[16];
    ck_assert_int_eq(dmasim_mem_read(h->sim, end - 4, mem, 16), 0);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(mem[i], 0);
    ck_assert_int_eq(dmasim_mem_read(h->sim, end + 0x100, mem, 16), 0);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(mem[i], 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(h->sim), resident);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(tn->buf[4][i], pat_at(0x10 + (dmasim_addr)i));
    ck_assert_uint_eq(stat(h, "bus0.master.m0.transactions"), 5);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.bus_errors"), 4);
    ck_assert_uint_eq(stat(h, "bus0.bus_errors"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.bytes"), 8);
    ck_assert_uint_eq(stat(h, "bus0.master.m0.beats"), 1);
    /* the functional path agrees */
    ck_assert_int_eq(dmasim_bus_debug_read(h->bus, end + 0x100, mem, 4), DMASIM_EUNMAPPED);
    ck_assert_int_eq(dmasim_bus_debug_write(h->bus, end - 2, mem, 4), DMASIM_EUNMAPPED);
    h_free(h);
}
END_TEST

static const dmasim_bus_slave_ops null_slave = {1, NULL, NULL, NULL};

/* Rule: dmasim_bus_map of a range that overlaps a mapped one returns DMASIM_EOVERLAP and names
 * both slaves in dmasim_sim_errmsg; it maps nothing. Adjacent ranges are fine. */
START_TEST(test_overlapping_map_is_eoverlap_naming_both)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    ck_assert_int_eq(dmasim_bus_map(bus, "ram", 0x1000, 0x1000, DMASIM_SLAVE_CACHEABLE, &null_slave, NULL), 0);
    ck_assert_int_eq(dmasim_bus_map(bus, "rom", 0x4000, 0x1000, 0, &null_slave, NULL), 0);
    static const struct {
        dmasim_addr base;
        uint64_t size;
        const char *other;
    } bad[] = {
        {0x1800, 0x1000, "ram"}, /* tail overlaps ram's second half */
        {0x0800, 0x1000, "ram"}, /* head overlaps ram's first half */
        {0x1400, 0x10, "ram"},   /* inside ram */
        {0x0000, 0x8000, NULL},  /* covers both */
        {0x1FFF, 1, "ram"},      /* last byte of ram */
        {0x3000, 0x1001, "rom"}, /* one byte into rom */
        {0x4FFF, 0x10, "rom"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(dmasim_bus_map(bus, "uart", bad[i].base, bad[i].size, 0, &null_slave, NULL),
                         DMASIM_EOVERLAP);
        const char *msg = dmasim_sim_errmsg(sim);
        ck_assert_msg(strstr(msg, "uart") != NULL, "message does not name the new slave: %s", msg);
        if (bad[i].other)
            ck_assert_msg(strstr(msg, bad[i].other) != NULL, "message does not name %s: %s", bad[i].other, msg);
        else
            ck_assert_msg(strstr(msg, "ram") || strstr(msg, "rom"), "message names no mapped slave: %s", msg);
    }
    /* nothing of "uart" got mapped */
    ck_assert_int_eq(dmasim_bus_slave_flags(bus, 0x3000), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_bus_slave_flags(bus, 0x1000), DMASIM_SLAVE_CACHEABLE);
    ck_assert_int_eq(dmasim_bus_slave_flags(bus, 0x4000), 0);
    /* adjacent on both sides is fine */
    ck_assert_int_eq(dmasim_bus_map(bus, "lo", 0x0, 0x1000, 0, &null_slave, NULL), 0);
    ck_assert_int_eq(dmasim_bus_map(bus, "mid", 0x2000, 0x2000, 0, &null_slave, NULL), 0);
    ck_assert_int_eq(dmasim_bus_map(bus, "hi", 0x5000, UINT64_MAX - 0x5000 + 1, 0, &null_slave, NULL), 0);
    /* size 0 and wrap-around are DMASIM_EINVAL */
    dmasim_sim *sim2 = tu_sim(0);
    dmasim_bus *bus2 = tu_bus(sim2);
    ck_assert_int_eq(dmasim_bus_map(bus2, "z", 0x100, 0, 0, &null_slave, NULL), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_bus_map(bus2, "w", UINT64_MAX - 10, 12, 0, &null_slave, NULL), DMASIM_EINVAL);
    dmasim_sim_destroy(sim2);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule (bus.h): at most DMASIM_BUS_MAX_MASTERS masters on one bus; one more is DMASIM_ERANGE.
 * Indices are given in the order masters are added. */
START_TEST(test_more_than_max_masters_is_erange)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    for (int i = 0; i < DMASIM_BUS_MAX_MASTERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        ck_assert_int_eq(dmasim_bus_add_master(bus, name, 0, &tm_ops, NULL), i);
    }
    ck_assert_int_eq(dmasim_bus_master_count(bus), DMASIM_BUS_MAX_MASTERS);
    ck_assert_int_eq(dmasim_bus_add_master(bus, "one_more", 0, &tm_ops, NULL), DMASIM_ERANGE);
    ck_assert_str_ne(dmasim_sim_errmsg(sim), "");
    ck_assert_int_eq(dmasim_bus_master_count(bus), DMASIM_BUS_MAX_MASTERS);
    ck_assert_str_eq(dmasim_bus_master_name(bus, 5), "m5");
    ck_assert_ptr_null(dmasim_bus_master_name(bus, DMASIM_BUS_MAX_MASTERS));
    /* a master without a granted() callback is refused */
    static const dmasim_bus_master_ops no_granted = {1, NULL, NULL, NULL, NULL};
    dmasim_sim *sim2 = tu_sim(0);
    ck_assert_int_eq(dmasim_bus_add_master(tu_bus(sim2), "x", 0, &no_granted, NULL), DMASIM_EINVAL);
    dmasim_sim_destroy(sim2);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- statistics -------------------------------------------------------------------------- */

/* Rule: per-master statistics for a hand-computed scenario (P = 10 ns, 8-byte bus, 1
 * arbitration cycle, 1 address cycle, SRAM 1 wait state per beat). dma (index 0, priority 0),
 * cpu (index 1, priority 1):
 *   0      dma requests; grant edge 0; write 8 @0x100: 1+1+1 = 3 cycles [1P, 4P); release 4P
 *   1P     cpu requests (edge 1P), waits for dma until 4P: 3 cycles, all while dma owned
 *   4P     cpu granted; read 16 @0: 1+2+2 = 5 cycles [5P, 10P); release 10P
 *   6P     dma requests (gap 2P), waits for cpu until 10P: 4 cycles
 *   10P    dma granted; read 8 @4 (2 beats): 1+2+2 = 5 cycles [11P, 16P); release 16P
 *   12P    cpu requests (gap 2P), waits for dma until 16P: 4 cycles
 *   16P    cpu granted; write 1 @0x200: 1+1+1 = 3 cycles [17P, 20P); release 20P, bus free
 * dma: grants 2, transactions 2, beats 3, bytes 16, wait 0+4, max 4, owned 4+6 = 10.
 * cpu: grants 2, transactions 2, beats 3, bytes 17, wait 3+4 = 7, max 4, owned 6+4 = 10. */
START_TEST(test_per_master_statistics_hand_computed)
{
    int ref = _i;
    harness *h = h_new(ref, 8, 1, 1, DMASIM_ARB_FIXED, 1);
    tmaster *dma = h_master(h, "dma", 0);
    tmaster *cpu = h_master(h, "cpu", 1);
    tn_txn(tm_tenure(dma, 0, 0), 0x100, 8, 1);
    tn_txn(tm_tenure(dma, 2 * P, 0), 4, 8, 0);
    tn_txn(tm_tenure(cpu, 1 * P, 0), 0, 16, 0);
    tn_txn(tm_tenure(cpu, 2 * P, 0), 0x200, 1, 1);
    h_run(h);

    static const int who[] = {0, 1, 0, 1};
    static const dmasim_time gt[] = {1 * P, 5 * P, 11 * P, 17 * P};
    ck_assert_uint_eq(h->ngrants, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(h->grant_who[i], who[i]);
        ck_assert_uint_eq(h->grant_t[i], gt[i]);
    }
    ck_assert_uint_eq(dma->ten[0].done_t[0], 4 * P);
    ck_assert_uint_eq(cpu->ten[0].done_t[0], 10 * P);
    ck_assert_uint_eq(dma->ten[1].done_t[0], 16 * P);
    ck_assert_uint_eq(cpu->ten[1].done_t[0], 20 * P);
    ck_assert_uint_eq(dmasim_sim_now(h->sim), 20 * P);

    ck_assert_uint_eq(stat(h, "bus0.master.dma.grants"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.requests"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.transactions"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.beats"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.bytes"), 16);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.wait_cycles"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.max_wait_cycles"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.owned_cycles"), 10);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.arbitration_cycles"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.wait_by.cpu"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.wait_by.dma"), 0);
    ck_assert_uint_eq(stat(h, "bus0.master.dma.bus_errors"), 0);

    ck_assert_uint_eq(stat(h, "bus0.master.cpu.grants"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.requests"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.transactions"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.beats"), 3);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.bytes"), 17);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.wait_cycles"), 7);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.max_wait_cycles"), 4);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.owned_cycles"), 10);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.arbitration_cycles"), 2);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.wait_by.dma"), 7);
    ck_assert_uint_eq(stat(h, "bus0.master.cpu.wait_by.cpu"), 0);

    ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 1, 0), 7 * P);
    ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 0, 1), 4 * P);
    ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 0, 0), 0);

    ck_assert_uint_eq(stat(h, "bus0.transactions"), 4);
    ck_assert_uint_eq(stat(h, "bus0.cycles"), 20);
    ck_assert_uint_eq(stat(h, "bus0.idle_cycles"), 0);
    double u = 0;
    ck_assert_int_eq(dmasim_sim_stat_double(h->sim, "bus0.master.cpu.utilisation", &u), 0);
    ck_assert_double_eq_tol(u, 50.0, 1e-9);

    /* owner signal: dma (1) at 0, cpu (2) at 4P, dma at 10P, cpu at 16P, free at 20P */
    static const dmasim_time ot[] = {0, 4 * P, 10 * P, 16 * P, 20 * P};
    static const uint64_t ov[] = {1, 2, 1, 2, 0};
    ck_assert_uint_eq(h->nown, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(h->own_t[i], ot[i]);
        ck_assert_uint_eq(h->own_v[i], ov[i]);
    }
    ck_assert_uint_eq(dmasim_signal_toggles(dmasim_sim_signal_find(h->sim, "bus0.owner")), 5);

    /* bytes */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(cpu->ten[0].buf[0][i], pat_at((dmasim_addr)i));
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(dma->ten[1].buf[0][i], pat_at(4 + (dmasim_addr)i));
    uint8_t mem[8];
    ck_assert_int_eq(dmasim_mem_read(h->sim, 0x100, mem, 8), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(mem[i], 0xA0 + i);
    ck_assert_int_eq(dmasim_mem_read(h->sim, 0x200, mem, 2), 0);
    ck_assert_uint_eq(mem[0], 0xA0);
    ck_assert_uint_eq(mem[1], pat_at(0x201));
    h_free(h);
}
END_TEST

/* Rule: a master's wait is charged to the owner only from the first edge its request could be
 * served at; the part before that edge (alignment) is its own. cpu owns [0, 6P); dma requests
 * at 2.5P: from its first edge 3P to the grant edge 6P, 3P is charged to cpu; the 0.5P before
 * that edge is dma's own (wait_by self). */
START_TEST(test_wait_before_first_edge_is_the_requesters_own)
{
    int ref = _i;
    harness *h = h_new(ref, 8, 1, 1, DMASIM_ARB_FIXED, 1);
    tmaster *dma = h_master(h, "dma", 0);
    tmaster *cpu = h_master(h, "cpu", 1);
    tn_txn(tm_tenure(cpu, 0, 0), 0, 16, 0); /* [0, 6P) */
    tn_txn(tm_tenure(dma, 25000, 0), 0, 8, 0);
    h_run(h);
    ck_assert_uint_eq(dma->ten[0].granted_t, 7 * P);
    ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 0, 1), 3 * P);
    ck_assert_uint_eq(dmasim_bus_wait_by(h->bus, 0, 0), 5000);
    h_free(h);
}
END_TEST

/* ---- fast and reference paths agree ------------------------------------------------------ */

typedef struct snapshot {
    char text[1 << 17]; /* every observable, printed */
    size_t len;
} snapshot;

static void snap_add(snapshot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void snap_add(snapshot *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->text + s->len, sizeof s->text - s->len, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof s->text - s->len);
    s->len += (size_t)n;
}

static uint32_t rnd(uint64_t *x, uint32_t n)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((*x >> 33) % n);
}

static void random_scenario(int ref, uint64_t seed, snapshot *s, uint64_t *events, uint64_t *grants)
{
    uint64_t x = seed;
#define RND(n) rnd(&x, (n))
    static const uint32_t widths[] = {1, 4, 8, 16, 64};
    uint32_t width = widths[RND(5)];
    dmasim_arbitration pol = RND(2) ? DMASIM_ARB_ROUND_ROBIN : DMASIM_ARB_FIXED;
    uint32_t arb = RND(3);
    uint32_t addr_cycles = RND(3);
    uint32_t ws = RND(3);
    harness *h = h_new(ref, width, arb, addr_cycles, pol, ws);
    int nm = 2 + (int)RND(3);
    for (int i = 0; i < nm; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        tmaster *m = h_master(h, name, RND(3));
        int nten = 1 + (int)RND(MAX_TEN);
        for (int k = 0; k < nten; k++) {
            dmasim_time gap = k == 0 ? (dmasim_time)RND(40) * 1000 : RND(3) ? 0 : (dmasim_time)RND(40) * 1000;
            tenure *tn = tm_tenure(m, gap, RND(2) ? DMASIM_BUS_YIELD : 0);
            int ntxn = 1 + (int)RND(4);
            for (int j = 0; j < ntxn; j++) {
                dmasim_addr a = RND(10) == 0 ? (1u << 20) - 8 + RND(16) : RND(0x1000);
                uint32_t len = 1 + RND(100);
                tn_txn(tn, a, len, (int)RND(2));
            }
        }
    }
    h_run(h);
    *events = dmasim_sim_events_executed(h->sim);
    *grants = h->ngrants;
    snap_add(s, "now %llu\n", (unsigned long long)dmasim_sim_now(h->sim));
    for (size_t i = 0; i < h->ngrants; i++)
        snap_add(s, "grant %d %llu\n", h->grant_who[i], (unsigned long long)h->grant_t[i]);
    for (size_t i = 0; i < h->nown; i++)
        snap_add(s, "owner %llu %llu\n", (unsigned long long)h->own_t[i], (unsigned long long)h->own_v[i]);
    for (int i = 0; i < h->nm; i++) {
        tmaster *m = &h->m[i];
        for (size_t k = 0; k < m->nten; k++) {
            tenure *tn = &m->ten[k];
            snap_add(s, "m%d t%zu req %llu granted %llu\n", i, k, (unsigned long long)tn->req_time,
                     (unsigned long long)tn->granted_t);
            for (size_t j = 0; j < tn->ntxn; j++) {
                snap_add(s, "  txn %d %llu %llu:", tn->txn[j].status, (unsigned long long)tn->txn[j].cycles,
                         (unsigned long long)tn->done_t[j]);
                for (uint32_t b = 0; b < tn->txn[j].len; b++)
                    snap_add(s, "%02x", tn->buf[j][b]);
                snap_add(s, "\n");
            }
        }
    }
    dmasim_sim_stats_update(h->sim);
    for (size_t i = 0; i < dmasim_sim_stat_count(h->sim); i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(h->sim, i);
        if (st->kind == DMASIM_STAT_U64)
            snap_add(s, "%s %llu\n", st->path, (unsigned long long)*(const uint64_t *)st->value);
        else
            snap_add(s, "%s %.17g\n", st->path, *(const double *)st->value);
    }
    for (int i = 0; i < h->nm; i++)
        for (int j = 0; j < h->nm; j++)
            snap_add(s, "wait_by %d %d %llu\n", i, j, (unsigned long long)dmasim_bus_wait_by(h->bus, i, j));
    uint8_t mem[0x1000];
    ck_assert_int_eq(dmasim_mem_read(h->sim, 0, mem, sizeof mem), 0);
    uint64_t hsum = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof mem; i++)
        hsum = (hsum ^ mem[i]) * 1099511628211ull;
    snap_add(s, "memory %016llx\n", (unsigned long long)hsum);
    h_free(h);
#undef RND
}

/* Rule (sim.h): the reference path gives results identical to the fast path. 40 random
 * scenarios (bus widths, timings, both policies, 2-4 masters, yields, unmapped accesses):
 * every grant, owner change, transaction result and time, byte read, statistic and the memory
 * contents are compared. */
START_TEST(test_fast_and_reference_paths_identical_on_random_scenarios)
{
    static snapshot a, b;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        a.len = b.len = 0;
        uint64_t ev_fast, ev_ref, grants_fast, grants_ref;
        random_scenario(0, seed, &a, &ev_fast, &grants_fast);
        random_scenario(1, seed, &b, &ev_ref, &grants_ref);
        ck_assert_uint_ge(grants_fast, 2);
        /* the two runs really took different paths: the reference one has an event per cycle */
        ck_assert_uint_gt(ev_ref, ev_fast);
        if (a.len != b.len || memcmp(a.text, b.text, a.len) != 0) {
            size_t i = 0;
            while (i < a.len && i < b.len && a.text[i] == b.text[i])
                i++;
            size_t ls = i;
            while (ls > 0 && a.text[ls - 1] != '\n')
                ls--;
            ck_abort_msg("seed %llu: paths differ at\n fast: %.120s\n ref:  %.120s", (unsigned long long)seed,
                         a.text + ls, b.text + ls);
        }
    }
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("bus");
    /* each of these runs on the fast path (_i = 0) and the reference path (_i = 1) */
    TCase *tc = tcase_create("rules");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_r3_transaction_costs_address_plus_aligned_beats_plus_wait_states, 0, 2);
    tcase_add_loop_test(tc, test_transactions_of_one_tenure_run_back_to_back, 0, 2);
    tcase_add_loop_test(tc, test_r1_r2_request_granted_at_first_edge_then_arbitration_cycles, 0, 2);
    tcase_add_loop_test(tc, test_r4_fixed_priority_lowest_value_wins_ties_to_first_added, 0, 2);
    tcase_add_loop_test(tc, test_r5_round_robin_rotates_fixed_priority_does_not, 0, 2);
    tcase_add_loop_test(tc, test_r5_round_robin_starts_after_last_owner, 0, 2);
    tcase_add_loop_test(tc, test_r6_yield_loses_to_master_already_waiting, 0, 2);
    tcase_add_loop_test(tc, test_r7_unmapped_address_answers_after_address_phase_plus_one_and_moves_nothing, 0, 2);
    tcase_add_loop_test(tc, test_per_master_statistics_hand_computed, 0, 2);
    tcase_add_loop_test(tc, test_wait_before_first_edge_is_the_requesters_own, 0, 2);
    tcase_add_test(tc, test_overlapping_map_is_eoverlap_naming_both);
    tcase_add_test(tc, test_more_than_max_masters_is_erange);
    tcase_add_test(tc, test_fast_and_reference_paths_identical_on_random_scenarios);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(bus_suite());
}

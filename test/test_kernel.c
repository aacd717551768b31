/* The event kernel and the simulation object (include/dmasim/sim.h, error.h):
 * event order (time, priority, insertion sequence), cancel/reschedule, the co-simulation entry
 * points run_until/next_event_time, stop, independence of simulations, error strings, and
 * out-of-memory behaviour with an injected allocator. */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "internal.h"
#include "testutil.h"

/* ---- a recorder of executed events ------------------------------------------------------- */

typedef struct rec {
    dmasim_time at[4096];
    int id[4096];
    size_t n;
} rec;

typedef struct tev {
    dmasim_event ev;
    int id;
    rec *log;
    /* optional actions when it runs */
    int stop;                  /* call dmasim_sim_stop */
    struct tev *chain;         /* schedule this one ... */
    dmasim_time chain_at;      /* ... at this time ... */
    int32_t chain_prio;        /* ... with this priority */
} tev;

static void tev_fn(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    tev *e = ctx;
    ck_assert_ptr_eq(ev, &e->ev);
    ck_assert_uint_eq(dmasim_sim_now(sim), ev->time);
    ck_assert_uint_lt(e->log->n, 4096);
    e->log->at[e->log->n] = dmasim_sim_now(sim);
    e->log->id[e->log->n] = e->id;
    e->log->n++;
    if (e->stop)
        dmasim_sim_stop(sim);
    if (e->chain)
        ck_assert_int_eq(dmasim_event_schedule(sim, &e->chain->ev, e->chain_at, e->chain_prio), 0);
}

static void tev_init(tev *e, int id, rec *log)
{
    memset(e, 0, sizeof *e);
    e->id = id;
    e->log = log;
    dmasim_event_init(&e->ev, tev_fn, e);
}

/* ---- ordering ---------------------------------------------------------------------------- */

typedef struct key {
    dmasim_time t;
    int32_t prio;
    int seq; /* order of the schedule call */
} key;

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->prio != y->prio)
        return x->prio < y->prio ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Rule (sim.h): events run in order of (time, priority, insertion sequence). 1000 events with
 * few distinct times and priorities (many exact ties) scheduled in a scrambled order; the
 * reference order is a plain sort by the rule. */
START_TEST(test_events_ordered_by_time_priority_then_sequence)
{
    enum { N = 1000 };
    static tev evs[N];
    static rec log;
    static key keys[N];
    memset(&log, 0, sizeof log);
    dmasim_sim *sim = tu_sim(0);
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        dmasim_time t = (x >> 33) % 7 * 1000;   /* 7 distinct times */
        int32_t prio = (int32_t)((x >> 45) % 5) * 50 - 100; /* -100, -50, 0, 50, 100 */
        tev_init(&evs[i], i, &log);
        ck_assert_int_eq(dmasim_event_schedule(sim, &evs[i].ev, t, prio), 0);
        ck_assert(dmasim_event_pending(&evs[i].ev));
        keys[i] = (key){t, prio, i};
    }
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 0);
    qsort(keys, N, sizeof keys[0], key_cmp);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(log.id[i], keys[i].seq);
        ck_assert_uint_eq(log.at[i], keys[i].t);
        ck_assert(!dmasim_event_pending(&evs[i].ev));
    }
    ck_assert_uint_eq(dmasim_sim_events_executed(sim), N);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: the standard priorities order wire changes, then component activity, then arbitration,
 * at the same time, whatever order they were scheduled in. */
START_TEST(test_standard_priorities_signal_default_arbitrate)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev a, b, c;
    tev_init(&a, 0, &log);
    tev_init(&b, 1, &log);
    tev_init(&c, 2, &log);
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &c.ev, 500, DMASIM_PRIO_ARBITRATE), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &b.ev, 500, DMASIM_PRIO_DEFAULT), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 500, DMASIM_PRIO_SIGNAL), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 3);
    ck_assert_int_eq(log.id[0], 0);
    ck_assert_int_eq(log.id[1], 1);
    ck_assert_int_eq(log.id[2], 2);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: an event scheduled while running, at the current time and a priority that sorts after
 * the running one, runs in the same run at that time; one scheduled at the current time with a
 * lower priority than events still pending runs before them. */
START_TEST(test_event_scheduled_during_run_at_now_runs_in_order)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev a, b, c;
    tev_init(&a, 0, &log);
    tev_init(&b, 1, &log);
    tev_init(&c, 2, &log);
    dmasim_sim *sim = tu_sim(0);
    /* a at (100, 0) schedules c at (100, -5); b is at (100, 10): order a, c, b */
    a.chain = &c;
    a.chain_at = 100;
    a.chain_prio = -5;
    ck_assert_int_eq(dmasim_event_schedule(sim, &b.ev, 100, 10), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 100, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 100), 0);
    ck_assert_uint_eq(log.n, 3);
    ck_assert_int_eq(log.id[0], 0);
    ck_assert_int_eq(log.id[1], 2);
    ck_assert_int_eq(log.id[2], 1);
    ck_assert_uint_eq(dmasim_sim_now(sim), 100);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rules: a cancelled event never runs and is no longer pending; cancelling an idle event does
 * nothing; scheduling a pending event moves it (it runs once, at the new time); rescheduling
 * makes it the latest insertion, so it runs after events already at the same (time, priority). */
START_TEST(test_cancel_and_reschedule)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev e[5];
    for (int i = 0; i < 5; i++)
        tev_init(&e[i], i, &log);
    dmasim_sim *sim = tu_sim(0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(dmasim_event_schedule(sim, &e[i].ev, 1000 * (dmasim_time)(i + 1), 0), 0);
    /* cancel e1 (in the middle of the heap) and the idle-cancel of a never-scheduled event */
    dmasim_event_cancel(sim, &e[1].ev);
    ck_assert(!dmasim_event_pending(&e[1].ev));
    tev idle;
    tev_init(&idle, 99, &log);
    dmasim_event_cancel(sim, &idle.ev);
    ck_assert(!dmasim_event_pending(&idle.ev));
    /* move e4 (5000) to 500: now the first */
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[4].ev, 500, 0), 0);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 500);
    /* move e0 (1000) to 3000, same priority as e2 (at 3000 and inserted earlier): after e2 */
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[0].ev, 3000, 0), 0);
    /* cancel then reschedule e3 at its old time: it still runs */
    dmasim_event_cancel(sim, &e[3].ev);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[3].ev, 4000, 0), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    int want_id[] = {4, 2, 0, 3};
    dmasim_time want_t[] = {500, 3000, 3000, 4000};
    ck_assert_uint_eq(log.n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(log.id[i], want_id[i]);
        ck_assert_uint_eq(log.at[i], want_t[i]);
    }
    /* a cancelled event can be scheduled again after the run */
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[1].ev, 6000, 0), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 5);
    ck_assert_int_eq(log.id[4], 1);
    ck_assert_uint_eq(log.at[4], 6000);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Cancelling an event leaves the others in time order whatever its place in the queue. Seven
 * events at 1, 14, 27, 18, 21, 4, 6 ns (in this scheduling order), then the one at 18 is
 * cancelled: the rest run at 1, 4, 6, 14, 21, 27 ns. (In a binary heap, the event moved into the
 * cancelled one's place can be earlier than that place's parent and must move up.) */
START_TEST(test_cancel_keeps_the_remaining_events_in_time_order)
{
    static rec log;
    memset(&log, 0, sizeof log);
    const dmasim_time at[] = {1, 14, 27, 18, 21, 4, 6};
    const size_t n = sizeof at / sizeof at[0];
    tev e[sizeof at / sizeof at[0]];
    dmasim_sim *sim = tu_sim(0);
    for (size_t i = 0; i < n; i++) {
        tev_init(&e[i], (int)i, &log);
        ck_assert_int_eq(dmasim_event_schedule(sim, &e[i].ev, at[i] * 1000, 0), 0);
    }
    dmasim_event_cancel(sim, &e[3].ev);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, n - 1);
    for (size_t i = 0; i < log.n; i++) {
        ck_assert_int_ne(log.id[i], 3);
        ck_assert_uint_eq(log.at[i], at[log.id[i]] * 1000);
        if (i)
            ck_assert_uint_le(log.at[i - 1], log.at[i]);
    }
    dmasim_sim_destroy(sim);
}
END_TEST

/* A fatal error stops the simulation for good (no event runs after it), and the first one is
 * the one reported: a second fatal error changes neither the code nor the message. */
START_TEST(test_the_first_fatal_error_is_kept)
{
    dmasim_sim *sim = tu_sim(0);
    static rec log;
    memset(&log, 0, sizeof log);
    tev e;
    tev_init(&e, 1, &log);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e.ev, 500, 0), 0);
    dmasim__fatal(sim, DMASIM_ENOMEM, "first failure at %d", 1);
    dmasim__fatal(sim, DMASIM_EIO, "second failure at %d", 2);
    ck_assert_int_eq(dmasim_sim_run(sim), DMASIM_ENOMEM);
    ck_assert_str_eq(dmasim_sim_errmsg(sim), "first failure at 1");
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1000), DMASIM_ENOMEM);
    ck_assert_uint_eq(log.n, 0); /* nothing runs after a fatal error */
    ck_assert(dmasim_event_pending(&e.ev));
    dmasim_sim_destroy(sim);
}
END_TEST

/* A signal of width w holds w bits: its initial value and every value set are taken modulo
 * 2^w, and setting a value equal to the current one modulo 2^w is no change (no toggle). */
START_TEST(test_signal_values_are_truncated_to_the_width)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_signal *sig;
    ck_assert_int_eq(dmasim_signal_create(sim, "four_bits", 4, 0x1F, &sig), 0);
    ck_assert_uint_eq(dmasim_signal_value(sig), 0x1F % 16);
    dmasim_signal_set(sig, 0x35);
    ck_assert_uint_eq(dmasim_signal_value(sig), 0x35 % 16);
    ck_assert_uint_eq(dmasim_signal_toggles(sig), 1);
    dmasim_signal_set(sig, 0x15); /* 5 again */
    ck_assert_uint_eq(dmasim_signal_value(sig), 5);
    ck_assert_uint_eq(dmasim_signal_toggles(sig), 1);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: scheduling before now is DMASIM_EINVAL and schedules nothing; at now is allowed. */
START_TEST(test_schedule_in_the_past_is_einval)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev a, b;
    tev_init(&a, 0, &log);
    tev_init(&b, 1, &log);
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1000), 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), 1000);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 999, 0), DMASIM_EINVAL);
    ck_assert(!dmasim_event_pending(&a.ev));
    ck_assert_str_ne(dmasim_sim_errmsg(sim), "");
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    /* moving a pending event into the past fails too, and leaves it where it was */
    ck_assert_int_eq(dmasim_event_schedule(sim, &b.ev, 2000, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &b.ev, 0, 0), DMASIM_EINVAL);
    ck_assert(dmasim_event_pending(&b.ev));
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 2000);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 1000, 0), 0); /* exactly now */
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 2);
    ck_assert_int_eq(log.id[0], 0);
    ck_assert_uint_eq(log.at[0], 1000);
    ck_assert_int_eq(log.id[1], 1);
    ck_assert_uint_eq(log.at[1], 2000);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rules: run_until(t) runs every event with time <= t and none after t, then now == t;
 * next_event_time gives the earliest pending event (DMASIM_TIME_NEVER if none). */
START_TEST(test_run_until_never_runs_past_t_and_leaves_now_at_t)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev e[4];
    for (int i = 0; i < 4; i++)
        tev_init(&e[i], i, &log);
    dmasim_sim *sim = tu_sim(0);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[2].ev, 300, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[0].ev, 100, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[1].ev, 200, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[3].ev, 200, 5), 0);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 100);

    /* nothing at or before 50 */
    ck_assert_int_eq(dmasim_sim_run_until(sim, 50), 0);
    ck_assert_uint_eq(log.n, 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), 50);
    /* the events at exactly t run */
    ck_assert_int_eq(dmasim_sim_run_until(sim, 200), 0);
    ck_assert_uint_eq(log.n, 3);
    ck_assert_int_eq(log.id[2], 3);
    for (size_t i = 0; i < log.n; i++)
        ck_assert_uint_le(log.at[i], 200);
    ck_assert_uint_eq(dmasim_sim_now(sim), 200);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 300);
    /* t between events */
    ck_assert_int_eq(dmasim_sim_run_until(sim, 299), 0);
    ck_assert_uint_eq(log.n, 3);
    ck_assert_uint_eq(dmasim_sim_now(sim), 299);
    /* same t again: nothing happens */
    ck_assert_int_eq(dmasim_sim_run_until(sim, 299), 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), 299);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1000000), 0);
    ck_assert_uint_eq(log.n, 4);
    ck_assert_uint_eq(log.at[3], 300);
    ck_assert_uint_eq(dmasim_sim_now(sim), 1000000);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: an event that schedules another one after t during run_until(t) leaves it pending. */
START_TEST(test_run_until_leaves_events_chained_past_t_pending)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev a, b;
    tev_init(&a, 0, &log);
    tev_init(&b, 1, &log);
    a.chain = &b;
    a.chain_at = 501;
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 400, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 500), 0);
    ck_assert_uint_eq(log.n, 1);
    ck_assert(dmasim_event_pending(&b.ev));
    ck_assert_uint_eq(dmasim_sim_now(sim), 500);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 501);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: run_until earlier than now is DMASIM_EINVAL, runs nothing and keeps now. */
START_TEST(test_run_until_before_now_is_einval)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev a;
    tev_init(&a, 0, &log);
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 5000), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &a.ev, 6000, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 4999), DMASIM_EINVAL);
    ck_assert_str_ne(dmasim_sim_errmsg(sim), "");
    ck_assert_uint_eq(dmasim_sim_now(sim), 5000);
    ck_assert_uint_eq(log.n, 0);
    ck_assert(dmasim_event_pending(&a.ev));
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: dmasim_sim_stop makes run/run_until return after the current event; the events left
 * keep their order and run on the next call. Time stays at the stopping event (moving it to
 * t would put the events left in the past). */
/* A passive event (internal.h; the end of a DMAC's TC pulse) keeps no run to the end going, so a
 * component that only completes what an observer sees changes no result; time passing it (a run
 * that goes on for other events, run_until) runs it, in order. */
static void passive_fn(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    tev_fn(sim, ev, ctx);
    dmasim__sim_passive_add(sim, -1);
}

START_TEST(test_passive_events_keep_no_run_going)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev active, early, late;
    tev_init(&active, 0, &log);
    tev_init(&early, 1, &log);
    tev_init(&late, 2, &log);
    early.ev.fn = late.ev.fn = passive_fn;
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &early.ev, 200, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &active.ev, 300, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &late.ev, 500, 0), 0);
    dmasim__sim_passive_add(sim, 2);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 2); /* the passive one before the active one runs, in order */
    ck_assert_int_eq(log.id[0], 1);
    ck_assert_int_eq(log.id[1], 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), 300); /* the run ended with the last active event */
    ck_assert(dmasim_event_pending(&late.ev));
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 500); /* still reported (co-simulation) */
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 2);
    ck_assert_uint_eq(dmasim_sim_now(sim), 300);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 499), 0);
    ck_assert_uint_eq(log.n, 2);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 500), 0); /* time passes it: it runs */
    ck_assert_uint_eq(log.n, 3);
    ck_assert_uint_eq(log.at[2], 500);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    ck_assert_uint_eq(dmasim_sim_events_executed(sim), 3);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_stop_returns_after_current_event)
{
    static rec log;
    memset(&log, 0, sizeof log);
    tev e[4];
    for (int i = 0; i < 4; i++)
        tev_init(&e[i], i, &log);
    e[1].stop = 1;
    dmasim_sim *sim = tu_sim(0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[0].ev, 100, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[1].ev, 200, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[2].ev, 200, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(sim, &e[3].ev, 300, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1000), 0);
    ck_assert_uint_eq(log.n, 2);
    ck_assert_int_eq(log.id[1], 1);
    ck_assert_uint_eq(dmasim_sim_now(sim), 200);
    ck_assert(dmasim_event_pending(&e[2].ev));
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), 200);
    /* next call continues (stop applies to one call only) */
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    ck_assert_uint_eq(log.n, 4);
    ck_assert_int_eq(log.id[2], 2);
    ck_assert_int_eq(log.id[3], 3);
    ck_assert_uint_eq(log.at[3], 300);
    ck_assert_uint_eq(dmasim_sim_events_executed(sim), 4);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule (DESIGN.md, sim.h): no global state; two simulations in one process are independent
 * (time, events, memory, statistics, signals, error messages). */
START_TEST(test_two_simulations_are_independent)
{
    static rec log1, log2;
    memset(&log1, 0, sizeof log1);
    memset(&log2, 0, sizeof log2);
    tev a, b;
    tev_init(&a, 1, &log1);
    tev_init(&b, 2, &log2);
    dmasim_sim *s1 = tu_sim(0), *s2 = tu_sim(1);
    ck_assert_int_eq(dmasim_sim_reference(s1), 0);
    ck_assert_int_eq(dmasim_sim_reference(s2), 1);
    ck_assert_int_eq(dmasim_event_schedule(s1, &a.ev, 100, 0), 0);
    ck_assert_int_eq(dmasim_event_schedule(s2, &b.ev, 50, 0), 0);
    ck_assert_int_eq(dmasim_sim_run(s1), 0);
    ck_assert_uint_eq(log1.n, 1);
    ck_assert_uint_eq(log2.n, 0);
    ck_assert_uint_eq(dmasim_sim_now(s1), 100); /* run(): time stays at the last event */
    ck_assert_uint_eq(dmasim_sim_now(s2), 0);
    ck_assert_uint_eq(dmasim_sim_next_event_time(s2), 50);
    ck_assert_uint_eq(dmasim_sim_events_executed(s2), 0);

    /* memory */
    uint32_t v = 0xDEADBEEF, r = 1;
    ck_assert_int_eq(dmasim_mem_write(s1, 0x1000, &v, 4), 0);
    ck_assert_int_eq(dmasim_mem_read(s2, 0x1000, &r, 4), 0);
    ck_assert_uint_eq(r, 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(s2), 0);

    /* statistics with the same path in both */
    static uint64_t c1 = 7, c2 = 9;
    ck_assert_int_eq(dmasim_stat_register(s1, "x.count", DMASIM_STAT_U64, &c1, "", "test"), 0);
    ck_assert_int_eq(dmasim_stat_register(s2, "x.count", DMASIM_STAT_U64, &c2, "", "test"), 0);
    uint64_t o1 = 0, o2 = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(s1, "x.count", &o1), 0);
    ck_assert_int_eq(dmasim_sim_stat_u64(s2, "x.count", &o2), 0);
    ck_assert_uint_eq(o1, 7);
    ck_assert_uint_eq(o2, 9);
    /* duplicate in one sim only is an error there */
    ck_assert_int_eq(dmasim_stat_register(s1, "x.count", DMASIM_STAT_U64, &c1, "", "test"), DMASIM_EINVAL);

    /* signals with the same name in both */
    dmasim_signal *g1 = NULL, *g2 = NULL;
    ck_assert_int_eq(dmasim_signal_create(s1, "irq", 1, 0, &g1), 0);
    ck_assert_int_eq(dmasim_signal_create(s2, "irq", 1, 0, &g2), 0);
    dmasim_signal_set(g1, 1);
    ck_assert_uint_eq(dmasim_signal_value(g2), 0);
    ck_assert_ptr_eq(dmasim_sim_signal_find(s2, "irq"), g2);

    /* an error message in one sim does not appear in the other */
    ck_assert_str_eq(dmasim_sim_errmsg(s2), "");
    ck_assert_int_eq(dmasim_sim_run_until(s1, 0), DMASIM_EINVAL);
    ck_assert_str_ne(dmasim_sim_errmsg(s1), "");
    ck_assert_str_eq(dmasim_sim_errmsg(s2), "");

    ck_assert_int_eq(dmasim_sim_run(s2), 0);
    ck_assert_uint_eq(log2.n, 1);
    ck_assert_uint_eq(log2.at[0], 50);
    ck_assert_uint_eq(log1.n, 1);
    dmasim_sim_destroy(s1);
    /* s2 survives the destruction of s1 */
    ck_assert_int_eq(dmasim_mem_write(s2, 0, &v, 4), 0);
    ck_assert_int_eq(dmasim_mem_read(s2, 0, &r, 4), 0);
    ck_assert_uint_eq(r, v);
    dmasim_sim_destroy(s2);
}
END_TEST

/* ---- error strings ----------------------------------------------------------------------- */

/* Rule (error.h): one table gives every code its text; each code has a distinct text that is
 * not "unknown error"; 0 and positive values are "success"; other codes "unknown error". */
START_TEST(test_every_error_code_has_a_distinct_string)
{
#define CODE(name, value, text) {DMASIM_##name, value, text, "DMASIM_" #name},
    static const struct {
        int code, value;
        const char *text, *name;
    } codes[] = {DMASIM_ERRNO_MAP(CODE)};
#undef CODE
    size_t n = sizeof codes / sizeof codes[0];
    ck_assert_uint_ge(n, 11);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_lt(codes[i].code, 0);
        ck_assert_int_eq(codes[i].code, codes[i].value);
        const char *s = dmasim_strerror(codes[i].code);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_ne(s, "");
        ck_assert_str_ne(s, "unknown error");
        ck_assert_str_ne(s, "success");
        ck_assert_str_eq(s, codes[i].text);
        ck_assert_str_eq(dmasim_err_name(codes[i].code), codes[i].name);
        for (size_t j = 0; j < i; j++) {
            ck_assert_int_ne(codes[i].code, codes[j].code);
            ck_assert_str_ne(s, dmasim_strerror(codes[j].code));
            ck_assert_str_ne(dmasim_err_name(codes[i].code), dmasim_err_name(codes[j].code));
        }
    }
    ck_assert_str_eq(dmasim_strerror(0), "success");
    ck_assert_str_eq(dmasim_strerror(5), "success");
    ck_assert_str_eq(dmasim_strerror(-1000), "unknown error");
    ck_assert_ptr_nonnull(dmasim_err_name(-1000));
    ck_assert_str_eq(dmasim_version_string(), "0.1.0");
}
END_TEST

/* ---- out of memory ----------------------------------------------------------------------- */

/* An allocator that fails the fail_at-th allocation (1-based; 0 = never) and otherwise
 * forwards to malloc, keeping every block's size in a header so it can check that each free
 * and realloc names the size the block really has (the dmasim_alloc_fn contract), and count
 * the bytes still outstanding. */
typedef struct oom {
    size_t calls;        /* allocations and growing reallocations attempted */
    size_t fail_at;
    int failed;          /* the injected failure happened */
    size_t outstanding;  /* bytes */
    size_t blocks;
    size_t bad_osize;    /* frees/reallocs whose osize was not the block's size */
} oom;

typedef struct hdr {
    alignas(max_align_t) size_t size;
} hdr;

static void *oom_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    oom *o = ud;
    hdr *h = ptr ? (hdr *)ptr - 1 : NULL;
    if (h && h->size != osize)
        o->bad_osize++;
    if (nsize == 0) {
        if (h) {
            o->outstanding -= h->size;
            o->blocks--;
            free(h);
        }
        return NULL;
    }
    o->calls++;
    if (o->calls == o->fail_at) {
        o->failed = 1;
        return NULL;
    }
    size_t old = h ? h->size : 0;
    hdr *n = realloc(h, sizeof *n + nsize);
    if (!n)
        return NULL;
    n->size = nsize;
    o->outstanding += nsize;
    o->outstanding -= old;
    if (!h)
        o->blocks++;
    return n + 1;
}

static void many_granted(void *ctx, dmasim_time t)
{
    (void)ctx;
    (void)t;
}

static const dmasim_bus_master_ops many_ops = {1, many_granted, NULL, NULL, NULL};

static int ok_or_enomem(int err)
{
    return err == 0 || err == DMASIM_ENOMEM;
}

/* Build the small system: sim, bus, SRAM, CPU with its D1, DMAC, some memory contents.
 * Every call must return 0 or DMASIM_ENOMEM; stops at the first failure. Returns the first
 * failure (0 if none) and the sim (maybe NULL) in *out. */
static int build_small_system(oom *o, dmasim_sim **out, dmasim_cpu **cpu_out, dmasim_dmac **dmac_out)
{
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.alloc = oom_alloc;
    sc.alloc_ud = o;
    dmasim_sim *sim = NULL;
    *out = NULL;
    *cpu_out = NULL;
    *dmac_out = NULL;
    int err = dmasim_sim_create(&sc, &sim);
    ck_assert_msg(ok_or_enomem(err), "sim_create: %d", err);
    if (err) {
        ck_assert_ptr_null(sim);
        return err;
    }
    *out = sim;
    dmasim_bus *bus = NULL;
    err = dmasim_bus_create(sim, NULL, &bus);
    ck_assert_msg(ok_or_enomem(err), "bus_create: %d", err);
    if (err)
        return err;
    dmasim_sram_config rc;
    dmasim_sram_config_init(&rc);
    rc.size = 1u << 20;
    err = dmasim_sram_create(bus, &rc);
    ck_assert_msg(ok_or_enomem(err), "sram_create: %d", err);
    if (err)
        return err;
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.dcache.size = 4096;
    cc.dcache.ways = 2;
    cc.dcache.line = 32;
    dmasim_cpu *cpu = NULL;
    err = dmasim_cpu_create(bus, &cc, &cpu);
    ck_assert_msg(ok_or_enomem(err), "cpu_create: %d", err);
    if (err)
        return err;
    dmasim_dmac *dmac = NULL;
    err = dmasim_dmac_create(bus, NULL, &dmac);
    ck_assert_msg(ok_or_enomem(err), "dmac_create: %d", err);
    if (err)
        return err;
    uint8_t src[256];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i ^ 0x5A);
    err = dmasim_mem_write(sim, 0x1000, src, sizeof src);
    ck_assert_msg(ok_or_enomem(err), "mem_write: %d", err);
    if (err)
        return err;
    *cpu_out = cpu;
    *dmac_out = dmac;
    return 0;
}

/* Rule (sim.h): every allocation goes through the configured allocator; a create call whose
 * allocation fails returns DMASIM_ENOMEM (never crashes, never reports success), and
 * dmasim_sim_destroy frees everything, whatever state the build stopped in. */
START_TEST(test_out_of_memory_while_building_returns_enomem_and_leaks_nothing)
{
    oom probe = {0};
    dmasim_sim *sim;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    ck_assert_int_eq(build_small_system(&probe, &sim, &cpu, &dmac), 0);
    size_t total = probe.calls;
    ck_assert_uint_gt(total, 10);
    dmasim_sim_destroy(sim);
    ck_assert_uint_eq(probe.outstanding, 0);
    ck_assert_uint_eq(probe.blocks, 0);
    ck_assert_uint_eq(probe.bad_osize, 0);

    for (size_t n = 1; n <= total; n++) {
        oom o = {0};
        o.fail_at = n;
        int err = build_small_system(&o, &sim, &cpu, &dmac);
        ck_assert(o.failed);
        /* the failure must be reported by the call that met it (or a later one) */
        ck_assert_msg(err == DMASIM_ENOMEM, "allocation %zu of %zu failed but the build reported %d", n, total,
                      err);
        dmasim_sim_destroy(sim);
        ck_assert_msg(o.outstanding == 0 && o.blocks == 0,
                      "allocation %zu of %zu failed: %zu bytes in %zu blocks leaked after dmasim_sim_destroy", n,
                      total, o.outstanding, o.blocks);
        ck_assert_msg(o.bad_osize == 0, "allocation %zu of %zu failed: %zu frees with a wrong osize", n, total,
                      o.bad_osize);
    }
}
END_TEST

/* Rule: a create call that returned DMASIM_ENOMEM leaves a simulation that is still a valid
 * object: its statistics can be brought up to date and read (a runner printing what it has
 * after a failed build), and it can be destroyed.
 *
 * Regression (fixed in e5caf6f): dmasim_bus_add_master used to append the new master before
 * checking its allocations and return DMASIM_ENOMEM with a half-built master in the bus;
 * bus_stats_update() then dereferenced its NULL arrays (SIGSEGV in dmasim_sim_stats_update). */
START_TEST(test_out_of_memory_while_building_leaves_statistics_readable)
{
    oom probe = {0};
    dmasim_sim *sim;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    ck_assert_int_eq(build_small_system(&probe, &sim, &cpu, &dmac), 0);
    dmasim_sim_destroy(sim);
    for (size_t n = 2; n <= probe.calls; n++) { /* n == 1: dmasim_sim_create itself fails */
        oom o = {0};
        o.fail_at = n;
        int err = build_small_system(&o, &sim, &cpu, &dmac);
        ck_assert_int_eq(err, DMASIM_ENOMEM);
        ck_assert_ptr_nonnull(sim);
        dmasim_sim_stats_update(sim);
        size_t ns = dmasim_sim_stat_count(sim);
        for (size_t i = 0; i < ns; i++) {
            const dmasim_stat *st = dmasim_sim_stat_at(sim, i);
            ck_assert_ptr_nonnull(st);
            ck_assert_ptr_nonnull(st->path);
            ck_assert_ptr_nonnull(st->value);
            double v;
            ck_assert_int_eq(dmasim_sim_stat_double(sim, st->path, &v), 0);
        }
        dmasim_sim_destroy(sim);
        ck_assert_uint_eq(o.outstanding, 0);
    }
}
END_TEST

/* Rule (sim.h allocator contract): every free names the size the block really has. A bus with
 * more masters than its first capacity (8) regrows per-master arrays; an allocation failing
 * anywhere in that regrowth still leaves sizes consistent, DMASIM_ENOMEM returned, nothing
 * leaked after destroy.
 *
 * Regression (fixed in e5caf6f): the per-master arrays used to be regrown when the ninth master
 * was added; a failed regrowth left arrays shorter than the size bus_destroy freed them with
 * (wrong osize) and than dmasim_bus_request indexed after a retry (heap overflow). */
START_TEST(test_out_of_memory_adding_many_masters_keeps_block_sizes)
{
    for (size_t n = 0;; n++) {
        oom o = {0};
        o.fail_at = n;
        dmasim_sim_config sc;
        dmasim_sim_config_init(&sc);
        sc.alloc = oom_alloc;
        sc.alloc_ud = &o;
        dmasim_sim *sim = NULL;
        int err = dmasim_sim_create(&sc, &sim);
        dmasim_bus *bus = NULL;
        if (!err)
            err = dmasim_bus_create(sim, NULL, &bus);
        for (int m = 0; m < 12 && !err; m++) {
            char name[16];
            snprintf(name, sizeof name, "m%d", m);
            int idx = dmasim_bus_add_master(bus, name, (unsigned)m, &many_ops, NULL);
            err = idx < 0 ? idx : 0;
            if (!err)
                ck_assert_int_eq(idx, m);
        }
        ck_assert_msg(ok_or_enomem(err), "allocation %zu: %d", n, err);
        if (n == 0)
            ck_assert_int_eq(err, 0);
        else
            ck_assert_int_eq(err, o.failed ? DMASIM_ENOMEM : 0);
        dmasim_sim_destroy(sim);
        ck_assert_msg(o.outstanding == 0 && o.blocks == 0, "allocation %zu failed: %zu bytes in %zu blocks leaked",
                      n, o.outstanding, o.blocks);
        ck_assert_msg(o.bad_osize == 0, "allocation %zu failed: %zu frees named the wrong block size", n,
                      o.bad_osize);
        if (n > 0 && !o.failed)
            break; /* past the last allocation */
    }
}
END_TEST

/* One run of the small system with allocation fail_at failing (0: none): a DMA copy of 256
 * bytes into an untouched page and a CPU script, with `dummies` idle events of the test pending
 * far in the future so that the event heap must grow at a different point of the run for each
 * value. Returns the run's result and fills *res; asserts the per-call contract. */
typedef struct run_result {
    size_t built;     /* allocations made by the build */
    size_t calls;     /* allocations attempted in all */
    int failed;       /* the injected failure happened */
    int err;          /* first failure reported by any call */
    int complete;     /* the copy and the script finished and are right */
    char why[256];
} run_result;

static void dummy_fn(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    (void)ctx;
}

static void run_small_system(size_t fail_at, int dummies, int dst_resident, run_result *res)
{
    static dmasim_event dummy[16];
    oom o = {0};
    o.fail_at = fail_at;
    dmasim_sim *sim;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    memset(res, 0, sizeof *res);
    int err = build_small_system(&o, &sim, &cpu, &dmac);
    res->built = o.calls;
    if (err == 0 && dst_resident) {
        err = dmasim_mem_fill(sim, 0x8000, 0xFF, 256); /* the destination page exists before the run */
        ck_assert_msg(ok_or_enomem(err), "mem_fill: %d", err);
    }
    for (int i = 0; i < dummies && !err; i++) {
        dmasim_event_init(&dummy[i], dummy_fn, NULL);
        err = dmasim_event_schedule(sim, &dummy[i], 1000000000000ull + (dmasim_time)i, 0);
        ck_assert_msg(ok_or_enomem(err), "event_schedule: %d", err);
    }
    if (err == 0) {
        dmasim_dma_transfer t;
        dmasim_dma_transfer_init(&t);
        t.src = 0x1000;
        t.dst = 0x8000; /* unless dst_resident, a page not yet allocated: the copy allocates it */
        t.count = 64;
        t.item_size = 4;
        err = dmasim_dmac_channel_start(dmac, 0, &t);
        ck_assert_msg(ok_or_enomem(err), "channel_start: %d", err);
    }
    if (err == 0) {
        dmasim_cpu_op ops[4] = {
            {.kind = DMASIM_OP_STORE, .a = 0x20000, .b = 8, .c = 0x1122334455667788ull},
            {.kind = DMASIM_OP_COMPUTE, .a = 100},
            {.kind = DMASIM_OP_LOAD, .a = 0x30000, .b = 4},
            {.kind = DMASIM_OP_LOAD, .a = 0x20000, .b = 8},
        };
        err = dmasim_cpu_run_script(cpu, ops, 4);
        ck_assert_msg(ok_or_enomem(err), "run_script: %d", err);
    }
    if (err == 0) {
        err = dmasim_sim_run(sim);
        ck_assert_msg(ok_or_enomem(err), "run with allocation %zu failing: %d (%s)", fail_at, err,
                      dmasim_sim_errmsg(sim));
    }
    res->err = err;
    if (err == 0) {
        uint8_t src[256], dst[256];
        ck_assert_int_eq(dmasim_mem_read(sim, 0x1000, src, 256), 0);
        ck_assert_int_eq(dmasim_mem_read(sim, 0x8000, dst, 256), 0);
        dmasim_dma_channel_status st;
        ck_assert_int_eq(dmasim_dmac_channel_status(dmac, 0, &st), 0);
        res->complete = st.tc && !st.error && st.items_done == 64 && memcmp(src, dst, 256) == 0 &&
                        dmasim_cpu_finished(cpu) && dmasim_cpu_last_load(cpu) == 0x1122334455667788ull;
        snprintf(res->why, sizeof res->why,
                 "DMA tc %d error %d (%s) items %llu copy %s; CPU finished %d last load 0x%llx; errmsg '%s'", st.tc,
                 st.error, dmasim_err_name(st.err), (unsigned long long)st.items_done,
                 memcmp(src, dst, 256) == 0 ? "right" : "wrong", dmasim_cpu_finished(cpu),
                 (unsigned long long)dmasim_cpu_last_load(cpu), dmasim_sim_errmsg(sim));
    }
    res->calls = o.calls;
    res->failed = o.failed;
    dmasim_sim_destroy(sim);
    ck_assert_msg(o.outstanding == 0 && o.blocks == 0, "allocation %zu failed: %zu bytes in %zu blocks leaked",
                  fail_at, o.outstanding, o.blocks);
    ck_assert_msg(o.bad_osize == 0, "allocation %zu failed: %zu frees with a wrong osize", fail_at, o.bad_osize);
}

/* Same rule while a simulation runs, for the event heap: with `_i` idle events of the test
 * pending, the heap must grow at a different event of the components (the CPU's bus request,
 * the bus arbitration, the DMAC's continuation, ...). A failed growth must come back as
 * DMASIM_ENOMEM from the call (or from dmasim_sim_run); if every call said 0, the copy and the
 * script are complete and right (no silently lost event); destroy frees everything.
 *
 * Regression (fixed in e5caf6f): the components ignore dmasim_event_schedule's result, and a
 * failed heap growth used to lose the event silently (with 7 idle events pending, the CPU's bus
 * request from dmasim_cpu_run_script: the script never finished and the run returned 0); the
 * kernel now makes it fatal (DMASIM_ENOMEM). */
START_TEST(test_out_of_memory_in_event_heap_while_running_is_reported)
{
    int dummies = _i;
    run_result clean;
    run_small_system(0, dummies, 1, &clean);
    ck_assert_int_eq(clean.err, 0);
    ck_assert_msg(clean.complete, "clean run: %s", clean.why);
    ck_assert_uint_gt(clean.calls, clean.built);
    for (size_t n = 1; n <= clean.calls; n++) {
        run_result r;
        run_small_system(n, dummies, 1, &r);
        ck_assert(r.failed);
        ck_assert_msg(r.err == DMASIM_ENOMEM || r.complete,
                      "%d idle events pending, allocation %zu of %zu (build: %zu) failed, every call returned 0, "
                      "but the work is not done: %s",
                      dummies, n, clean.calls, clean.built, r.why);
    }
}
END_TEST

/* Same rule for a page of simulated memory that a DMA write allocates: a host out-of-memory is
 * not a simulated event; the run must return DMASIM_ENOMEM rather than carry on as if the
 * hardware had answered a bus error.
 *
 * Regression (fixed in e5caf6f): the SRAM's ENOMEM used to become a simulated bus error (the
 * channel stopped with ERR = DMASIM_EBUSERR and dmasim_sim_run returned 0). */
START_TEST(test_out_of_memory_in_simulated_page_while_running_is_reported)
{
    run_result clean;
    run_small_system(0, 0, 0, &clean);
    ck_assert_int_eq(clean.err, 0);
    ck_assert_msg(clean.complete, "clean run: %s", clean.why);
    for (size_t n = clean.built + 1; n <= clean.calls; n++) {
        run_result r;
        run_small_system(n, 0, 0, &r);
        ck_assert(r.failed);
        ck_assert_msg(r.err == DMASIM_ENOMEM || r.complete,
                      "allocation %zu of %zu (build: %zu) failed, every call returned 0, but the work is not "
                      "done: %s",
                      n, clean.calls, clean.built, r.why);
    }
}
END_TEST

static Suite *kernel_suite(void)
{
    Suite *s = suite_create("kernel");
    TCase *tc = tcase_create("events");
    tcase_add_test(tc, test_events_ordered_by_time_priority_then_sequence);
    tcase_add_test(tc, test_standard_priorities_signal_default_arbitrate);
    tcase_add_test(tc, test_event_scheduled_during_run_at_now_runs_in_order);
    tcase_add_test(tc, test_cancel_and_reschedule);
    tcase_add_test(tc, test_cancel_keeps_the_remaining_events_in_time_order);
    tcase_add_test(tc, test_the_first_fatal_error_is_kept);
    tcase_add_test(tc, test_signal_values_are_truncated_to_the_width);
    tcase_add_test(tc, test_schedule_in_the_past_is_einval);
    tcase_add_test(tc, test_run_until_never_runs_past_t_and_leaves_now_at_t);
    tcase_add_test(tc, test_run_until_leaves_events_chained_past_t_pending);
    tcase_add_test(tc, test_run_until_before_now_is_einval);
    tcase_add_test(tc, test_stop_returns_after_current_event);
    tcase_add_test(tc, test_passive_events_keep_no_run_going);
    tcase_add_test(tc, test_two_simulations_are_independent);
    suite_add_tcase(s, tc);

    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_every_error_code_has_a_distinct_string);
    suite_add_tcase(s, te);

    TCase *to = tcase_create("out_of_memory");
    tcase_set_timeout(to, 30);
    tcase_add_test(to, test_out_of_memory_while_building_returns_enomem_and_leaks_nothing);
    tcase_add_test(to, test_out_of_memory_while_building_leaves_statistics_readable);
    tcase_add_test(to, test_out_of_memory_adding_many_masters_keeps_block_sizes);
    tcase_add_loop_test(to, test_out_of_memory_in_event_heap_while_running_is_reported, 0, 10);
    tcase_add_test(to, test_out_of_memory_in_simulated_page_while_running_is_reported);
    suite_add_tcase(s, to);
    return s;
}

int main(void)
{
    return tu_run_suite(kernel_suite());
}

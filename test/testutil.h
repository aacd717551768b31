/* Small shared helpers for the Check unit tests: build a simulation, a bus and an SRAM in one
 * line each, name files of test/data, and snapshot statistics. Everything is static inline (no link-time symbols),
 * and every helper fails the current test (ck_assert) instead of returning an error. */
#ifndef DMASIM_TESTUTIL_H
#define DMASIM_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"

#ifndef DMASIM_TEST_DATA_DIR
#error "DMASIM_TEST_DATA_DIR must be defined (test/CMakeLists.txt does it)"
#endif

/* A simulation with the default configuration, fast path (reference == 0) or per-cycle
 * reference path (reference != 0). */
static inline dmasim_sim *tu_sim(int reference)
{
    dmasim_sim_config cfg;
    dmasim_sim_config_init(&cfg);
    cfg.reference = reference;
    dmasim_sim *sim = NULL;
    int err = dmasim_sim_create(&cfg, &sim);
    ck_assert_msg(err == 0 && sim != NULL, "dmasim_sim_create: %s", dmasim_strerror(err));
    return sim;
}

/* A bus named "bus0" with the given timing (period in ps, width in bytes, arbitration cycles,
 * address cycles, arbitration policy). */
static inline dmasim_bus *tu_bus_ex(dmasim_sim *sim, dmasim_time period_ps, uint32_t width,
                                    uint32_t arbitration_cycles, uint32_t address_cycles,
                                    dmasim_arbitration arbitration)
{
    dmasim_bus_config cfg;
    dmasim_bus_config_init(&cfg);
    cfg.period_ps = period_ps;
    cfg.width = width;
    cfg.arbitration_cycles = arbitration_cycles;
    cfg.address_cycles = address_cycles;
    cfg.arbitration = arbitration;
    dmasim_bus *bus = NULL;
    int err = dmasim_bus_create(sim, &cfg, &bus);
    ck_assert_msg(err == 0 && bus != NULL, "dmasim_bus_create: %s: %s", dmasim_strerror(err),
                  dmasim_sim_errmsg(sim));
    return bus;
}

/* The default bus: 10 ns period, 8 bytes wide, 1 arbitration cycle, 1 address cycle, fixed. */
static inline dmasim_bus *tu_bus(dmasim_sim *sim)
{
    return tu_bus_ex(sim, 10000, 8, 1, 1, DMASIM_ARB_FIXED);
}

/* An SRAM "ram" at [base, base + size) with `wait_states` per beat. */
static inline void tu_sram(dmasim_bus *bus, dmasim_addr base, uint64_t size, uint32_t wait_states)
{
    dmasim_sram_config cfg;
    dmasim_sram_config_init(&cfg);
    cfg.base = base;
    cfg.size = size;
    cfg.wait_states = wait_states;
    int err = dmasim_sram_create(bus, &cfg);
    ck_assert_msg(err == 0, "dmasim_sram_create: %s: %s", dmasim_strerror(err),
                  dmasim_sim_errmsg(dmasim_bus_sim(bus)));
}

/* Path of a file in test/data. */
static inline const char *tu_data_path(char *buf, size_t n, const char *name)
{
    int len = snprintf(buf, n, "%s/%s", DMASIM_TEST_DATA_DIR, name);
    ck_assert_msg(len > 0 && (size_t)len < n, "test data path too long: %s", name);
    return buf;
}

/* ---- statistics snapshots: every statistic of a simulation, to compare two runs ---- */

typedef struct tu_stat_val {
    char path[200];
    int kind;
    uint64_t u;
    double d;
} tu_stat_val;

typedef struct tu_stat_snap {
    size_t n;
    tu_stat_val *v;
} tu_stat_snap;

static inline void tu_snap_take(dmasim_sim *sim, tu_stat_snap *s)
{
    dmasim_sim_stats_update(sim);
    s->n = dmasim_sim_stat_count(sim);
    s->v = calloc(s->n ? s->n : 1, sizeof *s->v);
    ck_assert_ptr_nonnull(s->v);
    for (size_t i = 0; i < s->n; i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(sim, i);
        ck_assert_ptr_nonnull(st);
        snprintf(s->v[i].path, sizeof s->v[i].path, "%s", st->path);
        s->v[i].kind = (int)st->kind;
        if (st->kind == DMASIM_STAT_U64)
            s->v[i].u = *(const uint64_t *)st->value;
        else
            s->v[i].d = *(const double *)st->value;
    }
}

static inline void tu_snap_free(tu_stat_snap *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Append the differences between two snapshots to msg (at most 8 per call); returns how many
 * statistics differ. The paths must be the same, in the same order. */
static inline int tu_snap_diff(const tu_stat_snap *a, const tu_stat_snap *b, const char *what, char *msg, size_t cap)
{
    ck_assert_msg(a->n == b->n, "%s: %zu vs %zu statistics", what, a->n, b->n);
    size_t len = strlen(msg);
    int diffs = 0;
    for (size_t i = 0; i < a->n; i++) {
        const tu_stat_val *x = &a->v[i], *y = &b->v[i];
        ck_assert_msg(strcmp(x->path, y->path) == 0 && x->kind == y->kind, "%s: statistic %zu is %s vs %s", what,
                      i, x->path, y->path);
        int same = x->kind == DMASIM_STAT_U64 ? x->u == y->u : memcmp(&x->d, &y->d, sizeof x->d) == 0;
        if (same)
            continue;
        if (diffs++ < 8 && len + 200 < cap) {
            int n = x->kind == DMASIM_STAT_U64
                        ? snprintf(msg + len, cap - len, " [%s] %s: %llu vs %llu;", what, x->path,
                                   (unsigned long long)x->u, (unsigned long long)y->u)
                        : snprintf(msg + len, cap - len, " [%s] %s: %.17g vs %.17g;", what, x->path, x->d, y->d);
            if (n > 0)
                len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
        }
    }
    return diffs;
}

/* The value of the integer statistic at path; fails the test if the snapshot has none. */
static inline uint64_t tu_snap_u64(const tu_stat_snap *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].path, path) == 0 && s->v[i].kind == DMASIM_STAT_U64)
            return s->v[i].u;
    ck_abort_msg("no integer statistic %s", path);
    return 0;
}

/* What a scenario run by a helper returns so that the test body can assert it: up to two
 * headline results, each with the value the rule (or reference) gives. */
typedef struct tu_outcome {
    const char *what[2];
    uint64_t got[2], want[2];
} tu_outcome;

static inline void tu_outcome_set(tu_outcome *o, int k, const char *what, uint64_t got, uint64_t want)
{
    o->what[k] = what;
    o->got[k] = got;
    o->want[k] = want;
}

/* Assert, in the test body, both headline results of outcome o; label names the run. */
#define tu_assert_outcome(o, label)                                                                           \
    for (int tu_k_ = 0; tu_k_ < 2; tu_k_++)                                                                   \
    ck_assert_msg((o).what[tu_k_] && (o).got[tu_k_] == (o).want[tu_k_], "%s: %s %llu, the rule gives %llu",   \
                  (label), (o).what[tu_k_], (unsigned long long)(o).got[tu_k_],                               \
                  (unsigned long long)(o).want[tu_k_])

/* Run a suite (fork mode unless CK_FORK says otherwise); returns the process exit status. */
static inline int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif

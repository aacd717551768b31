/* The D1 cache (include/dmasim/cache.h) against Valgrind's Cachegrind, and its unit rules.
 *
 * Reference: test/data/cachegrind-refs.tsv (columns trace, size, ways, line, read_misses,
 * write_misses, source; test/data/README.md says how every number was produced by Cachegrind).
 * Every row is replayed through a standalone cache (Lackey L -> load, S -> store, M -> modify,
 * I skipped) and must give exactly Cachegrind's D1 read and write misses. Each trace is read
 * once and fed to all the caches of its rows. The md5sum row is also replayed through the whole
 * system (CPU + bus + SRAM, dmasim_cpu_run_trace). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dmasim/dmasim.h"
#include "internal.h"
#include "testutil.h"

/* ---- the reference table ----------------------------------------------------------------- */

enum { MAX_ROWS = 64, MAX_TRACES = 16 };

typedef struct ref_row {
    char trace[128];
    uint32_t size, ways, line;
    uint64_t read_misses, write_misses;
} ref_row;

static ref_row rows[MAX_ROWS];
static size_t nrows;
static char traces[MAX_TRACES][128]; /* distinct traces, in table order */
static size_t ntraces;

/* Read the TSV (done in main, before the runner forks, so every test sees it). Returns 0 or -1. */
static int load_refs(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/cachegrind-refs.tsv", DMASIM_TEST_DATA_DIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1) {
            static const char header[] = "trace\tsize\tways\tline\tread_misses\twrite_misses";
            if (strncmp(line, header, sizeof header - 1) != 0) {
                fprintf(stderr, "%s: unexpected header\n", path);
                fclose(f);
                return -1;
            }
            continue;
        }
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (nrows == MAX_ROWS) {
            fclose(f);
            return -1;
        }
        ref_row *r = &rows[nrows];
        unsigned long long rm, wm;
        if (sscanf(line, "%127[^\t]\t%u\t%u\t%u\t%llu\t%llu", r->trace, &r->size, &r->ways, &r->line, &rm, &wm) !=
            6) {
            fprintf(stderr, "%s:%d: malformed row\n", path, lineno);
            fclose(f);
            return -1;
        }
        r->read_misses = rm;
        r->write_misses = wm;
        nrows++;
        size_t t = 0;
        while (t < ntraces && strcmp(traces[t], r->trace) != 0)
            t++;
        if (t == ntraces) {
            if (ntraces == MAX_TRACES) {
                fclose(f);
                return -1;
            }
            snprintf(traces[ntraces++], sizeof traces[0], "%s", r->trace);
        }
    }
    fclose(f);
    return 0;
}

/* Cachegrind's own totals printed in test/data/README.md ("D refs: ... (Dr rd + Dw wr)" and
 * "I refs"), for the traces it gives them for: the reader must see every line. */
static const struct {
    const char *trace;
    uint64_t instr, reads, writes;
} cg_totals[] = {
    {"sha1sum.lackey.gz", 604475, 97026, 38776},
    {"sha1sum-i386.lackey.gz", 682317, 154876, 59603},
};

/* Rule (cache.h, README): replaying a Lackey trace through a D1 of Cachegrind's geometry gives
 * exactly Cachegrind's D1 read and write misses. One test per distinct trace of the table (_i);
 * all of that trace's rows are checked in one pass over it. */
START_TEST(test_replay_matches_cachegrind_d1_misses)
{
    ck_assert_uint_lt((size_t)_i, ntraces);
    const char *name = traces[_i];
    char path[512];
    tu_data_path(path, sizeof path, name);
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *caches[MAX_ROWS];
    size_t idx[MAX_ROWS], n = 0;
    for (size_t r = 0; r < nrows; r++) {
        if (strcmp(rows[r].trace, name) != 0)
            continue;
        dmasim_cache_config cfg;
        dmasim_cache_config_init(&cfg);
        cfg.size = rows[r].size;
        cfg.ways = rows[r].ways;
        cfg.line = rows[r].line;
        char cname[32];
        snprintf(cname, sizeof cname, "c%zu", r);
        int err = dmasim_cache_create(sim, cname, &cfg, &caches[n]);
        ck_assert_msg(err == 0, "%s %u,%u,%u: %s", name, cfg.size, cfg.ways, cfg.line, dmasim_sim_errmsg(sim));
        idx[n++] = r;
    }
    ck_assert_uint_gt(n, 0);

    dmasim__trace *t = NULL;
    ck_assert_int_eq(dmasim__trace_open(sim, path, &t), 0);
    dmasim__trace_rec rec;
    uint64_t instr = 0, loads = 0, stores = 0, modifies = 0;
    uint32_t max_data = 0;
    int got;
    while ((got = dmasim__trace_next(t, &rec, UINT64_MAX)) == 1) {
        int kind;
        switch (rec.kind) {
        case 'I': /* a run of rec.count instruction lines */
            instr += rec.count;
            continue;
        case 'L':
            kind = 0;
            loads++;
            break;
        case 'S':
            kind = 1;
            stores++;
            break;
        case 'M':
            kind = 2;
            modifies++;
            break;
        default:
            ck_abort_msg("%s: record kind '%c'", name, rec.kind);
        }
        if (rec.size > max_data)
            max_data = rec.size;
        for (size_t c = 0; c < n; c++)
            dmasim_cache_access(caches[c], rec.addr, rec.size, kind);
    }
    ck_assert_msg(got == 0, "%s: reader error %d: %s", name, got, dmasim_sim_errmsg(sim));
    dmasim__trace_close(t);

    for (size_t k = 0; k < sizeof cg_totals / sizeof cg_totals[0]; k++) {
        if (strcmp(cg_totals[k].trace, name) != 0)
            continue;
        ck_assert_uint_eq(instr, cg_totals[k].instr);
        ck_assert_uint_eq(loads + modifies, cg_totals[k].reads);
        ck_assert_uint_eq(stores, cg_totals[k].writes);
    }

    size_t checked = 0;
    for (size_t c = 0; c < n; c++) {
        const ref_row *r = &rows[idx[c]];
        if (r->line < max_data) {
            /* Cachegrind itself refuses such a geometry (README): an access may span 3 lines */
            printf("NOTE: %s %u,%u,%u skipped: line %u < largest access %u bytes\n", name, r->size, r->ways,
                   r->line, r->line, max_data);
            continue;
        }
        dmasim_cache_stats st;
        dmasim_cache_get_stats(caches[c], &st);
        ck_assert_msg(st.read_misses == r->read_misses && st.write_misses == r->write_misses,
                      "%s D1=%u,%u,%u: read/write misses %llu/%llu, Cachegrind %llu/%llu", name, r->size, r->ways,
                      r->line, (unsigned long long)st.read_misses, (unsigned long long)st.write_misses,
                      (unsigned long long)r->read_misses, (unsigned long long)r->write_misses);
        /* M is one read access (Cachegrind's "modify"), S one write access */
        ck_assert_uint_eq(st.read_accesses, loads + modifies);
        ck_assert_uint_eq(st.write_accesses, stores);
        checked++;
    }
    ck_assert_uint_gt(checked, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* The table itself: every row is a Cachegrind number for a trace that is here. */
START_TEST(test_reference_table_is_complete)
{
    ck_assert_uint_ge(nrows, 22);
    for (size_t r = 0; r < nrows; r++) {
        char path[512];
        tu_data_path(path, sizeof path, rows[r].trace);
        ck_assert_msg(access(path, R_OK) == 0, "%s is missing", path);
        dmasim_cache_config cfg = {rows[r].size, rows[r].ways, rows[r].line, 0};
        char why[160];
        ck_assert_msg(dmasim_cache_config_check(&cfg, why, sizeof why) == 0, "row %zu: %s", r, why);
    }
}
END_TEST

/* ---- the whole system path --------------------------------------------------------------- */

static uint64_t stat_u64(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    int err = dmasim_sim_stat_u64(sim, path, &v);
    ck_assert_msg(err == 0, "no statistic %s", path);
    return v;
}

/* Rule: the CPU replaying a trace (dmasim_cpu_run_trace) on a bus with SRAM gives the same D1
 * misses as Cachegrind: md5sum at 32768,8,64. Memory covers the trace's whole address range
 * (mask 2^40 - 1, no aliasing, no bus errors). Every miss is one line fill on the bus and every
 * dirty victim one write-back: the CPU's bus transactions are exactly fills + write-backs. */
START_TEST(test_cpu_trace_replay_matches_cachegrind_md5sum)
{
    int ref = _i;
    const ref_row *row = NULL;
    for (size_t r = 0; r < nrows; r++)
        if (strcmp(rows[r].trace, "md5sum.lackey.gz") == 0 && rows[r].size == 32768 && rows[r].ways == 8 &&
            rows[r].line == 64)
            row = &rows[r];
    ck_assert_ptr_nonnull(row);
    ck_assert_uint_eq(row->read_misses, 3140); /* the shared reference (README) */
    ck_assert_uint_eq(row->write_misses, 620);

    dmasim_sim *sim = tu_sim(ref);
    dmasim_bus *bus = tu_bus(sim);
    tu_sram(bus, 0, 1ull << 40, 0);
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.dcache.size = 32768;
    cc.dcache.ways = 8;
    cc.dcache.line = 64;
    dmasim_cpu *cpu = NULL;
    ck_assert_int_eq(dmasim_cpu_create(bus, &cc, &cpu), 0);
    char path[512];
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = tu_data_path(path, sizeof path, "md5sum.lackey.gz");
    tc.mask = (1ull << 40) - 1;
    ck_assert_int_eq(dmasim_cpu_run_trace(cpu, &tc), 0);
    int err = dmasim_sim_run(sim);
    ck_assert_msg(err == 0, "run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(sim));
    ck_assert(dmasim_cpu_finished(cpu));
    ck_assert_uint_eq(stat_u64(sim, "cpu0.trace_lines"), 3417855); /* README: 3,417,855 lines */
    ck_assert_uint_eq(stat_u64(sim, "cpu0.dcache.read_misses"), row->read_misses);
    ck_assert_uint_eq(stat_u64(sim, "cpu0.dcache.write_misses"), row->write_misses);
    ck_assert_uint_eq(stat_u64(sim, "cpu0.bus_errors"), 0);
    uint64_t fills = stat_u64(sim, "cpu0.dcache.line_fills"), wbs = stat_u64(sim, "cpu0.dcache.writebacks");
    ck_assert_uint_ge(fills, row->read_misses + row->write_misses);
    ck_assert_uint_eq(stat_u64(sim, "bus0.master.cpu0.transactions"), fills + wbs);
    ck_assert_uint_eq(stat_u64(sim, "bus0.master.cpu0.bytes"), 64 * (fills + wbs));
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- geometry ---------------------------------------------------------------------------- */

/* Rule: size = sets * ways * line with sets and line powers of two, line 4..4096, ways
 * 1..1024, nothing zero; a bad geometry is an error with a one-line reason, from
 * dmasim_cache_config_check, dmasim_cache_create and dmasim_cpu_create alike. */
START_TEST(test_bad_geometry_is_an_error_with_a_reason)
{
    static const struct {
        uint32_t size, ways, line;
        const char *must_mention; /* in the reason (NULL: anything non-empty) */
    } bad[] = {
        {6144, 1, 64, "96"},     /* 96 sets: not a power of two */
        {3 * 64 * 4, 4, 64, "3"}, /* 3 sets */
        {0, 8, 64, NULL},
        {32768, 0, 64, NULL},
        {32768, 8, 0, NULL},
        {32768, 8, 48, "48"},    /* line not a power of two */
        {32768, 8, 96, "96"},
        {32768, 8, 2, "2"},      /* line below 4 */
        {32768, 1, 8192, "8192"}, /* line above 4096 */
        {1000, 2, 64, NULL},     /* not a multiple of ways * line */
        {32768, 2048, 16, "2048"}, /* ways above 1024 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dmasim_cache_config cfg;
        dmasim_cache_config_init(&cfg);
        cfg.size = bad[i].size;
        cfg.ways = bad[i].ways;
        cfg.line = bad[i].line;
        char why[160] = "";
        int err = dmasim_cache_config_check(&cfg, why, sizeof why);
        ck_assert_msg(err == DMASIM_EINVAL || err == DMASIM_ERANGE, "%u,%u,%u accepted (%d)", cfg.size, cfg.ways,
                      cfg.line, err);
        ck_assert_msg(why[0] != 0, "%u,%u,%u: no reason", cfg.size, cfg.ways, cfg.line);
        ck_assert_ptr_null(strchr(why, '\n'));
        if (bad[i].must_mention)
            ck_assert_msg(strstr(why, bad[i].must_mention), "%u,%u,%u: reason '%s' does not mention %s", cfg.size,
                          cfg.ways, cfg.line, why, bad[i].must_mention);
        ck_assert_int_eq(dmasim_cache_config_check(&cfg, NULL, 0), err);

        dmasim_sim *sim = tu_sim(0);
        dmasim_cache *c = NULL;
        ck_assert_int_eq(dmasim_cache_create(sim, "d1", &cfg, &c), err);
        ck_assert_msg(strstr(dmasim_sim_errmsg(sim), why), "errmsg '%s' lacks the reason '%s'",
                      dmasim_sim_errmsg(sim), why);
        dmasim_bus *bus = tu_bus(sim);
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        cc.dcache = cfg;
        dmasim_cpu *cpu = NULL;
        ck_assert_int_eq(dmasim_cpu_create(bus, &cc, &cpu), err);
        dmasim_sim_destroy(sim);
    }
    /* the number-of-sets reason of the header's example */
    dmasim_cache_config cfg = {6144, 1, 64, 0};
    char why[160];
    dmasim_cache_config_check(&cfg, why, sizeof why);
    ck_assert_msg(strstr(why, "sets") && strstr(why, "power of two"), "reason: %s", why);
}
END_TEST

START_TEST(test_good_geometries_are_accepted)
{
    static const uint32_t good[][3] = {
        {32768, 8, 64}, {12288, 3, 64}, {2048, 32, 64}, {64, 1, 64}, {4096, 64, 64},
        {16, 1, 16},    {4, 1, 4},      {4096, 1, 4096}, {1u << 20, 1024, 64}, {1536, 3, 512},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        dmasim_cache_config cfg;
        dmasim_cache_config_init(&cfg);
        cfg.size = good[i][0];
        cfg.ways = good[i][1];
        cfg.line = good[i][2];
        char why[160] = "x";
        ck_assert_msg(dmasim_cache_config_check(&cfg, why, sizeof why) == 0, "%u,%u,%u: %s", cfg.size, cfg.ways,
                      cfg.line, why);
        ck_assert_str_eq(why, "");
        dmasim_sim *sim = tu_sim(0);
        dmasim_cache *c = NULL;
        ck_assert_int_eq(dmasim_cache_create(sim, "d1", &cfg, &c), 0);
        ck_assert_uint_eq(dmasim_cache_line_size(c), cfg.line);
        dmasim_sim_destroy(sim);
    }
}
END_TEST

/* ---- unit rules -------------------------------------------------------------------------- */

static dmasim_cache *tiny_cache(dmasim_sim *sim, uint32_t size, uint32_t ways, uint32_t line)
{
    dmasim_cache_config cfg;
    dmasim_cache_config_init(&cfg);
    cfg.size = size;
    cfg.ways = ways;
    cfg.line = line;
    dmasim_cache *c = NULL;
    ck_assert_int_eq(dmasim_cache_create(sim, "d1", &cfg, &c), 0);
    return c;
}

/* Rule: true LRU in a set. One set of 2 ways, 64-byte lines (blocks A=0, B=64, C=128, D=192):
 * the victim is always the least recently used way, and a hit makes a line most recent. */
START_TEST(test_lru_evicts_least_recently_used_in_a_two_way_set)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *c = tiny_cache(sim, 128, 2, 64);
    static const struct {
        dmasim_addr a;
        int miss;
    } seq[] = {
        {0, 1},      /* A: cold */
        {64, 1},     /* B: cold; set = {B, A} */
        {0 + 8, 0},  /* A hit; set = {A, B} */
        {128, 1},    /* C evicts B (LRU); {C, A} */
        {0, 0},      /* A still there; {A, C} */
        {64 + 63, 1}, /* B again: miss, evicts C; {B, A} */
        {128, 1},    /* C: miss, evicts A; {C, B} */
        {0, 1},      /* A: miss, evicts B; {A, C} */
        {128, 0},    /* C hit; {C, A} */
        {192, 1},    /* D evicts A; {D, C} */
        {128, 0},    /* C hit */
        {0, 1},      /* A miss */
    };
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
        ck_assert_msg(dmasim_cache_access(c, seq[i].a, 1, 0) == seq[i].miss, "access %zu at %llu: want %s", i,
                      (unsigned long long)seq[i].a, seq[i].miss ? "miss" : "hit");
    dmasim_cache_stats st;
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.read_accesses, 12);
    ck_assert_uint_eq(st.read_misses, 8);
    ck_assert_uint_eq(st.write_accesses, 0);
    ck_assert_uint_eq(st.line_fills, 8);
    ck_assert_uint_eq(st.writebacks, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: sets are independent: block b goes to set b mod sets. 2 sets, 1 way, 32-byte lines:
 * blocks 0 and 2 share set 0, block 1 is in set 1. */
START_TEST(test_blocks_map_to_sets_by_block_number)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *c = tiny_cache(sim, 64, 1, 32);
    ck_assert_int_eq(dmasim_cache_access(c, 0, 4, 0), 1);  /* block 0 -> set 0 */
    ck_assert_int_eq(dmasim_cache_access(c, 32, 4, 0), 1); /* block 1 -> set 1 */
    ck_assert_int_eq(dmasim_cache_access(c, 4, 4, 0), 0);
    ck_assert_int_eq(dmasim_cache_access(c, 64, 4, 0), 1); /* block 2 -> set 0, evicts block 0 */
    ck_assert_int_eq(dmasim_cache_access(c, 40, 4, 0), 0); /* block 1 untouched */
    ck_assert_int_eq(dmasim_cache_access(c, 0, 4, 0), 1);
    /* high addresses: the tag is the full block number */
    ck_assert_int_eq(dmasim_cache_access(c, 0x100000000ull, 4, 0), 1); /* set 0, evicts block 0 */
    ck_assert_int_eq(dmasim_cache_access(c, 0, 4, 0), 1);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: write-back, write-allocate: a store miss allocates like a load miss; a victim is written
 * back only if it is dirty (stored to, or modified by an M); M counts as a read access. One set
 * of 2 ways, 64-byte lines. */
START_TEST(test_writeback_only_for_dirty_victims)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *c = tiny_cache(sim, 128, 2, 64);
    dmasim_cache_stats st;
#define L(a) dmasim_cache_access(c, (a), 4, 0)
#define S(a) dmasim_cache_access(c, (a), 4, 1)
#define M(a) dmasim_cache_access(c, (a), 4, 2)
#define WB() (dmasim_cache_get_stats(c, &st), st.writebacks)
    ck_assert_int_eq(S(0x000), 1);   /* A dirty (write miss allocates) */
    ck_assert_int_eq(S(0x004), 0);   /* write hit: allocated */
    ck_assert_int_eq(L(0x040), 1);   /* B clean; {B, A} */
    ck_assert_int_eq(L(0x080), 1);   /* C evicts A (dirty) */
    ck_assert_uint_eq(WB(), 1);
    ck_assert_int_eq(L(0x0C0), 1);   /* D evicts B (clean) */
    ck_assert_uint_eq(WB(), 1);
    ck_assert_int_eq(M(0x100), 1);   /* E by an M: evicts C (clean), E dirty */
    ck_assert_uint_eq(WB(), 1);
    ck_assert_int_eq(L(0x140), 1);   /* F evicts D (clean) */
    ck_assert_uint_eq(WB(), 1);
    ck_assert_int_eq(L(0x180), 1);   /* G evicts E (dirty by M) */
    ck_assert_uint_eq(WB(), 2);
    ck_assert_int_eq(S(0x140), 0);   /* F dirty by a store hit; {F, G} */
    ck_assert_int_eq(L(0x1C0), 1);   /* H evicts G (clean) */
    ck_assert_uint_eq(WB(), 2);
    ck_assert_int_eq(L(0x200), 1);   /* I evicts F (dirty) */
    ck_assert_uint_eq(WB(), 3);
    ck_assert_int_eq(L(0x000), 1);   /* A again: a fresh, clean copy; evicts H (clean) */
    ck_assert_int_eq(L(0x240), 1);   /* evicts I (clean) */
    ck_assert_int_eq(L(0x280), 1);   /* evicts A (clean now: its dirt went with the first write-back) */
    ck_assert_uint_eq(WB(), 3);
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.write_accesses, 3);
    ck_assert_uint_eq(st.write_misses, 1);
    ck_assert_uint_eq(st.read_accesses, 11); /* 10 L + 1 M */
    ck_assert_uint_eq(st.read_misses, 11);
#undef L
#undef S
#undef M
#undef WB
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule (Cachegrind cg_sim.c): an access whose bytes lie in two lines touches both, the lower
 * first, and is one access, a miss if either line misses. */
START_TEST(test_straddling_access_is_one_miss_if_either_line_misses)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *c = tiny_cache(sim, 4096, 2, 64);
    dmasim_cache_stats st;
    ck_assert_int_eq(dmasim_cache_access(c, 60, 8, 0), 1); /* lines 0 and 1, both cold: one miss */
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.read_accesses, 1);
    ck_assert_uint_eq(st.read_misses, 1);
    ck_assert_uint_eq(st.line_fills, 2);
    ck_assert_int_eq(dmasim_cache_access(c, 0, 4, 0), 0);   /* both lines are in */
    ck_assert_int_eq(dmasim_cache_access(c, 64, 4, 0), 0);
    ck_assert_int_eq(dmasim_cache_access(c, 124, 8, 1), 1); /* line 1 hits, line 2 misses: one write miss */
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.write_accesses, 1);
    ck_assert_uint_eq(st.write_misses, 1);
    ck_assert_uint_eq(st.line_fills, 3);
    ck_assert_int_eq(dmasim_cache_access(c, 120, 16, 0), 0); /* both in: hit */
    ck_assert_int_eq(dmasim_cache_access(c, 63, 2, 1), 0);
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.read_accesses, 4);
    ck_assert_uint_eq(st.read_misses, 1);
    ck_assert_uint_eq(st.write_accesses, 2);
    ck_assert_uint_eq(st.write_misses, 1);
    /* an access ending exactly at a line end touches one line */
    ck_assert_int_eq(dmasim_cache_access(c, 192, 64, 0), 1);
    dmasim_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.line_fills, 4);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: the lower line of a straddling access is referenced first, so the higher one ends up
 * most recently used. One set of 2 ways: after an access over blocks 0 and 1, block 2 evicts
 * block 0 (the LRU), not block 1. */
START_TEST(test_straddling_access_references_lower_line_first)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_cache *c = tiny_cache(sim, 128, 2, 64);
    ck_assert_int_eq(dmasim_cache_access(c, 62, 4, 0), 1);  /* blocks 0 then 1 */
    ck_assert_int_eq(dmasim_cache_access(c, 128, 1, 0), 1); /* block 2 evicts block 0 */
    ck_assert_int_eq(dmasim_cache_access(c, 64, 1, 0), 0);  /* block 1 still in */
    ck_assert_int_eq(dmasim_cache_access(c, 0, 1, 0), 1);   /* block 0 gone */
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- trace reader errors ----------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void temp_path(char *buf, size_t n, const char *suffix)
{
    char tmpl[] = "/tmp/dmasim-test-cache-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(tmpl);
    snprintf(buf, n, "%s%s", tmpl, suffix);
}

/* Rule: a malformed trace line is DMASIM_EFORMAT with "file:line" (the line number in the file,
 * counting Valgrind's "==" lines and blank lines, which are skipped) in the message; through
 * the CPU the simulation stops with DMASIM_EFORMAT and the same message (cpu.h).
 *
 * Regression (fixed in e5caf6f): on the CPU path the message used to be empty (cpu.c advance()
 * formatted sim->errmsg into itself). */
START_TEST(test_malformed_trace_line_is_eformat_with_file_and_line)
{
    static const char *bad[] = {
        " X 1ffefff000,8",     /* unknown kind */
        " L 1ffefff0g0,8",     /* bad hex */
        " L 1ffefff000",       /* no size */
        " L 1ffefff000,0",     /* zero size */
        " L 1ffefff000,8 xyz", /* trailing text */
        " L ,8",               /* no address */
        "L1ffefff000,8",       /* no space after the kind */
        " L 10000000000000000,8", /* an address of 17 hex digits: beyond 64 bits */
        "I  04000003,0",       /* an instruction of zero size */
        "=123= not Valgrind's", /* a single '=': not a Valgrind message */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        int len = snprintf(text, sizeof text,
                           "==123== Lackey, an example Valgrind tool\n"
                           "I  04000000,3\n"
                           "\n"
                           " L 1ffefff000,8\n"
                           " S 1ffefff008,8\n"
                           " M 1ffefff010,4\n"
                           "%s\n"
                           "I  04000003,3\n",
                           bad[i]);
        char path[256];
        temp_path(path, sizeof path, ".lackey");
        write_file(path, text, (size_t)len);
        char want[300];
        snprintf(want, sizeof want, "%s:7", path);

        /* the reader */
        dmasim_sim *sim = tu_sim(0);
        dmasim__trace *t = NULL;
        ck_assert_int_eq(dmasim__trace_open(sim, path, &t), 0);
        dmasim__trace_rec rec;
        int got, n = 0;
        while ((got = dmasim__trace_next(t, &rec, 1)) == 1)
            n++;
        ck_assert_int_eq(n, 4);
        ck_assert_int_eq(got, DMASIM_EFORMAT);
        ck_assert_msg(strstr(dmasim_sim_errmsg(sim), want), "'%s': message '%s' lacks '%s'", bad[i],
                      dmasim_sim_errmsg(sim), want);
        dmasim__trace_close(t);
        dmasim_sim_destroy(sim);

        /* the CPU */
        sim = tu_sim(0);
        dmasim_bus *bus = tu_bus(sim);
        tu_sram(bus, 0, 1ull << 30, 0);
        dmasim_cpu *cpu = NULL;
        ck_assert_int_eq(dmasim_cpu_create(bus, NULL, &cpu), 0);
        dmasim_trace_config tc;
        dmasim_trace_config_init(&tc);
        tc.path = path;
        int err = dmasim_cpu_run_trace(cpu, &tc);
        if (err == 0)
            err = dmasim_sim_run(sim);
        ck_assert_int_eq(err, DMASIM_EFORMAT);
        ck_assert_msg(strstr(dmasim_sim_errmsg(sim), want), "'%s': message '%s' lacks '%s'", bad[i],
                      dmasim_sim_errmsg(sim), want);
        dmasim_sim_destroy(sim);
        unlink(path);
    }
}
END_TEST

/* Rule: a last line without a newline is still a line; Windows line ends are accepted. */
START_TEST(test_trace_reader_accepts_crlf_and_missing_final_newline)
{
    static const char text[] = "I  04000000,3\r\n L 10,4\r\n S 20,8\r\n M 30,2";
    char path[256];
    temp_path(path, sizeof path, ".lackey");
    write_file(path, text, sizeof text - 1);
    dmasim_sim *sim = tu_sim(0);
    dmasim__trace *t = NULL;
    ck_assert_int_eq(dmasim__trace_open(sim, path, &t), 0);
    static const char kinds[] = "ILSM";
    static const uint64_t addrs[] = {0x4000000, 0x10, 0x20, 0x30};
    static const uint32_t sizes[] = {3, 4, 8, 2};
    dmasim__trace_rec rec;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(dmasim__trace_next(t, &rec, 1), 1);
        ck_assert_int_eq(rec.kind, kinds[i]);
        ck_assert_uint_eq(rec.count, 1);
        ck_assert_uint_eq(rec.addr, addrs[i]);
        ck_assert_uint_eq(rec.size, sizes[i]);
    }
    ck_assert_int_eq(dmasim__trace_next(t, &rec, 1), 0);
    dmasim__trace_close(t);
    dmasim_sim_destroy(sim);
    unlink(path);
}
END_TEST

/* Rule: a truncated gzip trace (the first half of sha1sum.lackey.gz) stops the simulation with
 * DMASIM_EFORMAT and "file:line" in the message, after replaying what it could. */
START_TEST(test_truncated_gzip_trace_is_eformat)
{
    char src[512];
    tu_data_path(src, sizeof src, "sha1sum.lackey.gz");
    FILE *f = fopen(src, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 1000);
    rewind(f);
    size_t half = (size_t)size / 2;
    char *buf = malloc(half);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, half, f), half);
    fclose(f);
    char path[256];
    temp_path(path, sizeof path, ".lackey.gz");
    write_file(path, buf, half);
    free(buf);
    char want[300];
    snprintf(want, sizeof want, "%s:", path);

    /* the reader: records up to the cut, then DMASIM_EFORMAT at the first line it cannot complete */
    dmasim_sim *sim = tu_sim(0);
    dmasim__trace *t = NULL;
    ck_assert_int_eq(dmasim__trace_open(sim, path, &t), 0);
    dmasim__trace_rec rec;
    uint64_t nlines = 0;
    int got;
    while ((got = dmasim__trace_next(t, &rec, 1)) == 1)
        nlines++;
    ck_assert_int_eq(got, DMASIM_EFORMAT);
    ck_assert_uint_gt(nlines, 1000);
    ck_assert_uint_lt(nlines, 740277); /* the whole trace has 740,277 lines */
    const char *rmsg = strstr(dmasim_sim_errmsg(sim), want);
    ck_assert_msg(rmsg != NULL, "reader message '%s' does not name the file", dmasim_sim_errmsg(sim));
    ck_assert_uint_eq(strtoull(rmsg + strlen(want), NULL, 10), nlines + 1);
    dmasim__trace_close(t);
    dmasim_sim_destroy(sim);

    /* the CPU */
    sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    tu_sram(bus, 0, 1ull << 40, 0);
    dmasim_cpu *cpu = NULL;
    ck_assert_int_eq(dmasim_cpu_create(bus, NULL, &cpu), 0);
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = path;
    tc.mask = (1ull << 40) - 1;
    ck_assert_int_eq(dmasim_cpu_run_trace(cpu, &tc), 0);
    int err = dmasim_sim_run(sim);
    ck_assert_int_eq(err, DMASIM_EFORMAT);
    uint64_t lines = 0;
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "cpu0.trace_lines", &lines), 0);
    ck_assert_uint_gt(lines, 1000);
    ck_assert_uint_le(lines, nlines);
    const char *msg = dmasim_sim_errmsg(sim);
    const char *p = strstr(msg, want);
    ck_assert_msg(p != NULL, "message '%s' does not name the file", msg);
    p += strlen(want);
    ck_assert_msg(*p >= '1' && *p <= '9', "message '%s' has no line number after the file", msg);
    ck_assert_uint_eq(strtoull(p, NULL, 10), nlines + 1); /* the same line as the reader's */
    dmasim_sim_destroy(sim);
    unlink(path);
}
END_TEST

/* Rule: a trace that cannot be opened is DMASIM_ENOENT, with the file named in the message. */
START_TEST(test_missing_trace_is_enoent)
{
    const char *path = "/nonexistent-dir/no-such-trace.lackey.gz";
    dmasim_sim *sim = tu_sim(0);
    dmasim__trace *t = NULL;
    ck_assert_int_eq(dmasim__trace_open(sim, path, &t), DMASIM_ENOENT);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), path));
    dmasim_bus *bus = tu_bus(sim);
    tu_sram(bus, 0, 1ull << 30, 0);
    dmasim_cpu *cpu = NULL;
    ck_assert_int_eq(dmasim_cpu_create(bus, NULL, &cpu), 0);
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    tc.path = path;
    ck_assert_int_eq(dmasim_cpu_run_trace(cpu, &tc), DMASIM_ENOENT);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), path));
    ck_assert(!dmasim_cpu_finished(cpu));
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    dmasim_sim_destroy(sim);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tr = tcase_create("cachegrind");
    tcase_set_timeout(tr, 120); /* the gzip trace is 8.7 M lines */
    tcase_add_test(tr, test_reference_table_is_complete);
    tcase_add_loop_test(tr, test_replay_matches_cachegrind_d1_misses, 0, (int)ntraces);
    tcase_add_loop_test(tr, test_cpu_trace_replay_matches_cachegrind_md5sum, 0, 2); /* fast, reference path */
    suite_add_tcase(s, tr);

    TCase *tu = tcase_create("rules");
    tcase_add_test(tu, test_bad_geometry_is_an_error_with_a_reason);
    tcase_add_test(tu, test_good_geometries_are_accepted);
    tcase_add_test(tu, test_lru_evicts_least_recently_used_in_a_two_way_set);
    tcase_add_test(tu, test_blocks_map_to_sets_by_block_number);
    tcase_add_test(tu, test_writeback_only_for_dirty_victims);
    tcase_add_test(tu, test_straddling_access_is_one_miss_if_either_line_misses);
    tcase_add_test(tu, test_straddling_access_references_lower_line_first);
    suite_add_tcase(s, tu);

    TCase *te = tcase_create("trace_errors");
    tcase_set_timeout(te, 30);
    tcase_add_test(te, test_malformed_trace_line_is_eformat_with_file_and_line);
    tcase_add_test(te, test_trace_reader_accepts_crlf_and_missing_final_newline);
    tcase_add_test(te, test_truncated_gzip_trace_is_eformat);
    tcase_add_test(te, test_missing_trace_is_enoent);
    suite_add_tcase(s, te);
    return s;
}

int main(void)
{
    if (load_refs() != 0)
        return 1;
    return tu_run_suite(cache_suite());
}

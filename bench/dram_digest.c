/* dmasim_dram_digest: one 64-bit digest (FNV-1a) of everything the standalone DRAM model
 * produces - every completion (id, cycles, outcome, coordinates), every command of the command
 * trace and the final statistics with the histogram - over many configurations and streams:
 * the four presets; FR-FCFS and FCFS; open and closed page; refresh on and off; one and two
 * channels and ranks; controller delay 0 with an 8-deep queue; another address mapping;
 * random, sequential, mixed and few-row streams; 1, 4, 16 and 64 outstanding; 0, 30 and 70 %
 * writes; back-to-back and spaced arrivals; drained at once or run in steps.
 *
 * A tool for optimising the model: an optimisation must leave the digest unchanged. Run it
 * before and after and compare the two lines:
 *
 *   build/bench/dmasim_dram_digest [REQUESTS_PER_RUN]     (default 20000; 704 runs)
 *   build/bench/dmasim_dram_digest --twice [N]            (computes it twice: exit 1 if the
 *                                                          two differ; the ctest dram_digest_twice)
 *
 * The digest itself is not a reference: it is only compared with another build's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmasim/dram.h"
#include "dmasim/sim.h"

static uint64_t digest;

static void mix(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        digest ^= (v >> (8 * i)) & 0xff;
        digest *= 1099511628211ull;
    }
}

static void mix_all(const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mix(v[i]);
}

#define MIX(...) mix_all((const uint64_t[]){__VA_ARGS__}, sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

enum { PAT_RANDOM, PAT_SEQ, PAT_MIXED, PAT_FEW_ROWS, NPAT };

/* A closed-loop requester: a new request when one completes, optionally after a gap. */
typedef struct stream {
    dmasim_dram *dram;
    uint64_t rng, left, seq_addr;
    int pattern, write_pct, gap;
} stream;

static uint64_t next_addr(stream *s)
{
    uint64_t z = splitmix(&s->rng);
    switch (s->pattern) {
    case PAT_RANDOM: return z & ~(uint64_t)63;
    case PAT_SEQ: return s->seq_addr += 64;
    case PAT_MIXED: return z % 4 == 0 ? z & ~(uint64_t)63 : (s->seq_addr += 64);
    default: return (z & 0x3ffc0) | ((z >> 40) & 3) << 28; /* a few rows: many hits */
    }
}

static void submit(stream *s, uint64_t arrival)
{
    int is_write = (int)(splitmix(&s->rng) % 100) < s->write_pct;
    if (dmasim_dram_submit(s->dram, next_addr(s), is_write, arrival, NULL)) {
        fprintf(stderr, "dmasim_dram_digest: submit failed\n");
        exit(2);
    }
}

static void on_done(void *ud, const dmasim_dram_request *r)
{
    stream *s = ud;
    MIX(r->id, r->addr, (uint64_t)r->is_write, r->arrival, r->queued, r->done, r->outcome, r->channel, r->rank,
        r->bankgroup, r->bank, r->row, r->column);
    if (!s->left)
        return;
    s->left--;
    submit(s, r->done + (s->gap ? (splitmix(&s->rng) >> 20) % (uint64_t)s->gap : 0));
}

static void on_command(void *ud, const dmasim_dram_command *c)
{
    (void)ud;
    MIX(c->cycle, c->cmd, c->channel, c->rank, c->bankgroup, c->bank, c->row, c->column, c->request);
}

/* Configuration variants, bit flags. */
enum { V_FCFS = 1, V_CLOSED = 2, V_NOREFRESH = 4, V_2CH_2RK = 8, V_DELAY0_DEPTH8 = 16, V_MAPPING = 32 };

static void run(const char *preset, int variant, int pattern, int outstanding, int write_pct, int gap, int trace,
                int stepped, uint64_t requests)
{
    dmasim_sim *sim;
    dmasim_dram_config cfg;
    if (dmasim_sim_create(NULL, &sim) || dmasim_dram_preset(preset, &cfg)) {
        fprintf(stderr, "dmasim_dram_digest: cannot set up %s\n", preset);
        exit(2);
    }
    if (variant & V_FCFS)
        cfg.scheduler = DMASIM_DRAM_FCFS;
    if (variant & V_CLOSED)
        cfg.page_policy = DMASIM_DRAM_CLOSED_PAGE;
    if (variant & V_NOREFRESH)
        cfg.refresh = 0;
    if (variant & V_2CH_2RK) {
        cfg.channels = 2;
        cfg.ranks = 2;
        cfg.rows /= 4;
    }
    if (variant & V_DELAY0_DEPTH8) {
        cfg.controller_delay = 0;
        cfg.queue_depth = 8;
    }
    if (variant & V_MAPPING)
        cfg.address_mapping = "row:bank:bankgroup:rank:channel:column";
    stream s = {NULL, (uint64_t)variant * 7919 + (uint64_t)pattern * 31 + (uint64_t)outstanding, requests, 0,
                pattern, write_pct, gap};
    if (dmasim_dram_create_standalone(sim, &cfg, &s.dram)) {
        fprintf(stderr, "dmasim_dram_digest: %s variant %d: %s\n", preset, variant, dmasim_sim_errmsg(sim));
        exit(2);
    }
    dmasim_dram_on_complete(s.dram, on_done, &s);
    if (trace)
        dmasim_dram_on_command(s.dram, on_command, NULL);
    for (int i = 0; i < outstanding; i++) {
        s.left--;
        submit(&s, (uint64_t)i * (uint64_t)gap / 4);
    }
    if (stepped) {
        for (uint64_t until = 37; dmasim_dram_outstanding(s.dram); until += 37)
            dmasim_dram_run(s.dram, until);
    } else {
        dmasim_dram_drain(s.dram);
    }
    dmasim_dram_stats st;
    dmasim_dram_get_stats(s.dram, &st);
    MIX(st.reads, st.writes, st.row_hits, st.row_misses, st.row_conflicts, st.activates, st.precharges, st.refreshes,
        st.read_latency_max, (uint64_t)(st.read_latency_avg * 1000), (uint64_t)(st.bandwidth_pct * 1000),
        dmasim_dram_now(s.dram));
    for (uint32_t i = 0; i < st.hist_bins; i++)
        mix(st.hist[i]);
    dmasim_sim_destroy(sim);
}

static uint64_t compute(uint64_t requests)
{
    static const char *const presets[] = {"ddr3-1600", "ddr4-2400", "ddr4-3200", "lpddr4-3200"};
    static const int variants[] = {0,
                                   V_FCFS,
                                   V_CLOSED,
                                   V_FCFS | V_CLOSED,
                                   V_NOREFRESH,
                                   V_2CH_2RK,
                                   V_2CH_2RK | V_FCFS,
                                   V_DELAY0_DEPTH8,
                                   V_MAPPING,
                                   V_MAPPING | V_2CH_2RK,
                                   V_CLOSED | V_2CH_2RK};
    static const int outstanding[] = {1, 4, 16, 64};
    digest = 1469598103934665603ull;
    for (int p = 0; p < 4; p++)
        for (int v = 0; v < (int)(sizeof variants / sizeof variants[0]); v++)
            for (int pat = 0; pat < NPAT; pat++)
                for (int o = 0; o < 4; o++) {
                    int k = pat + o;
                    run(presets[p], variants[v], pat, outstanding[o], k % 3 == 0 ? 0 : k % 3 == 1 ? 30 : 70,
                        k % 2 ? 0 : 500, (v + o) % 2, (p + k) % 5 == 0, requests);
                }
    return digest;
}

int main(int argc, char **argv)
{
    int twice = argc > 1 && strcmp(argv[1], "--twice") == 0;
    const char *n_arg = argc > 1 + twice ? argv[1 + twice] : NULL;
    char *end = NULL;
    uint64_t requests = n_arg ? strtoull(n_arg, &end, 0) : 20000;
    if ((n_arg && (*end || requests < 64)) || argc > 2 + twice) {
        fprintf(stderr, "usage: dmasim_dram_digest [--twice] [REQUESTS_PER_RUN >= 64]\n");
        return 2;
    }
    uint64_t first = compute(requests);
    printf("%016" PRIx64 "\n", first);
    if (twice) {
        uint64_t second = compute(requests);
        if (second != first) {
            fprintf(stderr, "dmasim_dram_digest: second computation gave %016" PRIx64 "\n", second);
            return 1;
        }
    }
    return 0;
}

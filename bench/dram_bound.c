/* A rough bound on the DRAM benchmark's speed (docs/performance.md, "DRAM standalone mode"): a
 * minimal FR-FCFS engine for exactly the dram_random case, 5 M random 64-byte reads with 16
 * outstanding, a new one when one completes, on one DDR4-2400 rank of 4 bank groups x 4 banks
 * (the preset's CL, tRCD, tRP, tRAS, tRC, tRTP, tCCD_S/L, tRRD_S/L, tFAW, BL8, controller delay 2).
 * It is not dmasim's model: no refresh, writes, ranks, channels, statistics, callbacks or
 * configuration, so its speed bounds what dropping generality could gain. Each command is picked
 * by scanning all 16 banks: branch-free scalar code, and where the host has AVX-512 the same scan
 * in two 8-lane vectors (both pick the same commands: the last completion cycle is printed).
 *
 * Usage: dmasim_dram_bound [REQUESTS]  (default 5000000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX512_PATH 1
#endif

enum { CL = 17, TRCD = 17, TRP = 17, TRAS = 39, TRC = 56, TRTP = 9, TCCD_S = 4, TCCD_L = 6, TRRD_S = 4,
       TRRD_L = 6, TFAW = 26, BL2 = 4, DELAY = 2, NB = 16, QCAP = 32, OUTSTANDING = 16 };
enum { K_ACT, K_PRE, K_COL };
#define NONE UINT64_MAX

typedef struct rq {
    uint64_t ready, seq;
    uint32_t row;
} rq;

typedef struct bank {
    uint64_t next_act, next_pre, next_col;
    uint32_t row, open, n, hits, head;
    rq q[QCAP];
} bank;

/* The engine's state; the candidate of each bank (its next command, bank-local earliest cycle and
 * FR-FCFS key) is kept in arrays the scan reads, with the shared bound per bank. */
typedef struct engine {
    bank b[NB];
    uint64_t local[NB], key[NB], kind[NB];
    uint64_t sh[3][NB]; /* shared bound per command kind (K_PRE: none, 0) and bank */
    uint64_t act_s, col_s, faw[4], act_l[4], col_l[4], data_end, next_cmd, seq, rng;
    unsigned faw_i;
    uint64_t done_q[64];
    unsigned dq_h, dq_n;
} engine;

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t rnd(engine *e)
{
    uint64_t z = (e->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The shared (rank and bank group) bounds of ACT and column commands, per bank. */
static void shared_bounds(engine *e)
{
    uint64_t sact = mx(e->act_s, e->faw[e->faw_i]), scol = mx(e->col_s, e->data_end > CL ? e->data_end - CL : 0);
    for (int i = 0; i < NB; i++) {
        e->sh[K_ACT][i] = mx(sact, e->act_l[i >> 2]);
        e->sh[K_COL][i] = mx(scol, e->col_l[i >> 2]);
    }
}

/* The queue slot bank b serves next: its first row hit if the row is open and has one (FR-FCFS). */
static uint32_t slot_of(const bank *b)
{
    if (b->open && b->hits)
        for (uint32_t i = 0;; i++)
            if (b->q[(b->head + i) % QCAP].row == b->row)
                return (b->head + i) % QCAP;
    return b->head;
}

static void candidate(engine *e, int i)
{
    bank *b = &e->b[i];
    if (!b->n) {
        e->local[i] = e->key[i] = NONE;
        e->kind[i] = K_PRE;
        return;
    }
    const rq *r = &b->q[slot_of(b)];
    int hit = b->open && r->row == b->row;
    e->kind[i] = hit ? K_COL : b->open ? K_PRE : K_ACT;
    e->local[i] = mx(hit ? b->next_col : b->open ? b->next_pre : b->next_act, r->ready);
    e->key[i] = (hit ? 0 : 1ull << 62) | r->seq;
}

/* A random 64-byte read arrives at cycle t; returns its bank. */
static int submit(engine *e, uint64_t t)
{
    uint64_t a = rnd(e) & ~63ull;
    int i = (int)((a >> 13) & 15);
    uint32_t row = (uint32_t)(a >> 17) & 32767;
    bank *b = &e->b[i];
    rq *r = &b->q[(b->head + b->n++) % QCAP];
    *r = (rq){t + DELAY, e->seq++, row};
    b->hits += b->open && row == b->row;
    candidate(e, i);
    return i;
}

typedef struct pick {
    uint64_t t, key;
    int bank;
} pick;

static pick pick_scalar(const engine *e)
{
    pick p = {NONE, NONE, -1};
    for (int i = 0; i < NB; i++) {
        uint64_t t = mx(mx(e->local[i], e->sh[e->kind[i]][i]), e->next_cmd);
        int better = (t < p.t) | ((t == p.t) & (e->key[i] < p.key));
        p.t = better ? t : p.t;
        p.key = better ? e->key[i] : p.key;
        p.bank = better ? i : p.bank;
    }
    return p;
}

#ifdef HAVE_AVX512_PATH
__attribute__((target("avx512f"))) static pick pick_avx512(const engine *e)
{
    __m512i T = _mm512_set1_epi64((long long)e->next_cmd), t[2], k[2];
    for (int v = 0; v < 2; v++) {
        __m512i kind = _mm512_loadu_si512(e->kind + 8 * v);
        __mmask8 act = _mm512_cmpeq_epi64_mask(kind, _mm512_set1_epi64(K_ACT));
        __mmask8 col = _mm512_cmpeq_epi64_mask(kind, _mm512_set1_epi64(K_COL));
        __m512i s = _mm512_maskz_mov_epi64(act, _mm512_loadu_si512(e->sh[K_ACT] + 8 * v));
        s = _mm512_mask_mov_epi64(s, col, _mm512_loadu_si512(e->sh[K_COL] + 8 * v));
        t[v] = _mm512_max_epu64(_mm512_max_epu64(_mm512_loadu_si512(e->local + 8 * v), s), T);
        k[v] = _mm512_loadu_si512(e->key + 8 * v);
    }
    uint64_t mt = _mm512_reduce_min_epu64(_mm512_min_epu64(t[0], t[1]));
    __m512i MT = _mm512_set1_epi64((long long)mt), none = _mm512_set1_epi64(-1);
    __mmask8 m0 = _mm512_cmpeq_epi64_mask(t[0], MT), m1 = _mm512_cmpeq_epi64_mask(t[1], MT);
    uint64_t mk = _mm512_reduce_min_epu64(
        _mm512_min_epu64(_mm512_mask_mov_epi64(none, m0, k[0]), _mm512_mask_mov_epi64(none, m1, k[1])));
    __m512i MK = _mm512_set1_epi64((long long)mk);
    unsigned w = (unsigned)_mm512_mask_cmpeq_epi64_mask(m0, k[0], MK) |
                 (unsigned)_mm512_mask_cmpeq_epi64_mask(m1, k[1], MK) << 8;
    return (pick){mt, mk, w ? __builtin_ctz(w) : -1};
}
#endif

static void issue(engine *e, pick p)
{
    bank *b = &e->b[p.bank];
    const uint64_t t = p.t;
    e->next_cmd = t + 1;
    if (e->kind[p.bank] == K_ACT) {
        b->open = 1;
        b->row = b->q[b->head].row;
        b->next_act = t + TRC;
        b->next_pre = mx(b->next_pre, t + TRAS);
        b->next_col = t + TRCD;
        e->act_s = t + TRRD_S;
        e->act_l[p.bank >> 2] = t + TRRD_L;
        e->faw[e->faw_i] = t + TFAW;
        e->faw_i = (e->faw_i + 1) & 3;
        b->hits = 0;
        for (uint32_t i = 0; i < b->n; i++)
            b->hits += b->q[(b->head + i) % QCAP].row == b->row;
    } else if (e->kind[p.bank] == K_PRE) {
        b->open = 0;
        b->hits = 0;
        b->next_act = mx(b->next_act, t + TRP);
    } else {
        uint32_t s = slot_of(b);
        e->col_s = t + TCCD_S;
        e->col_l[p.bank >> 2] = t + TCCD_L;
        e->data_end = t + CL + BL2;
        b->next_pre = mx(b->next_pre, t + TRTP);
        b->hits--;
        e->done_q[(e->dq_h + e->dq_n++) & 63] = e->data_end;
        for (uint32_t i = (s + QCAP - b->head) % QCAP; i > 0; i--) /* remove slot s */
            b->q[(b->head + i) % QCAP] = b->q[(b->head + i - 1) % QCAP];
        b->head = (b->head + 1) % QCAP;
        b->n--;
    }
    if (e->kind[p.bank] != K_PRE) /* a PRE changes no rank or bank-group bound */
        shared_bounds(e);
    candidate(e, p.bank);
}

/* Runs n requests; returns the last completion cycle, *seconds the host time. */
static uint64_t run(uint64_t n, pick (*pick_fn)(const engine *), double *seconds)
{
    static engine e;
    e = (engine){.rng = 1};
    for (int i = 0; i < NB; i++)
        candidate(&e, i);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t left = n - OUTSTANDING, done = 0, last = 0;
    for (int i = 0; i < OUTSTANDING; i++)
        submit(&e, 0);
    pick p = {0, 0, -1};
    int valid = 0;
    while (done < n) {
        if (!valid) {
            p = pick_fn(&e);
            valid = 1;
        }
        if (e.dq_n && e.done_q[e.dq_h] <= p.t) { /* a completion, and the next request at its cycle */
            uint64_t t = e.done_q[e.dq_h];
            e.dq_h = (e.dq_h + 1) & 63;
            e.dq_n--;
            done++;
            last = t;
            if (left) {
                left--;
                int i = submit(&e, t); /* only its bank changed: the pick stands unless it beats it */
                uint64_t ti = mx(mx(e.local[i], e.sh[e.kind[i]][i]), e.next_cmd);
                if (i == p.bank)
                    valid = 0;
                else if (ti < p.t || (ti == p.t && e.key[i] < p.key))
                    p = (pick){ti, e.key[i], i};
            }
            continue;
        }
        issue(&e, p);
        valid = 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return last;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
    if (n < OUTSTANDING) {
        fprintf(stderr, "usage: %s [REQUESTS >= %d]\n", argv[0], OUTSTANDING);
        return 2;
    }
    double s;
    uint64_t last = run(n, pick_scalar, &s);
    printf("scalar scan: %llu requests, last completion at cycle %llu, %.3f s, %.2f M requests/s\n",
           (unsigned long long)n, (unsigned long long)last, s, (double)n / s / 1e6);
#ifdef HAVE_AVX512_PATH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        uint64_t last2 = run(n, pick_avx512, &s);
        printf("AVX-512 scan: %llu requests, last completion at cycle %llu, %.3f s, %.2f M requests/s\n",
               (unsigned long long)n, (unsigned long long)last2, s, (double)n / s / 1e6);
        if (last2 != last) {
            fprintf(stderr, "the two scans picked different commands\n");
            return 1;
        }
        return 0;
    }
#endif
    printf("AVX-512 scan: not available on this host\n");
    return 0;
}

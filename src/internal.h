/* Internal declarations shared by the core's files. Not installed; names dmasim__* are hidden
 * from the shared library by the default visibility (only DMASIM_API symbols are exported). */
#ifndef DMASIM_INTERNAL_H
#define DMASIM_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "dmasim/dmasim.h"

#if defined(__GNUC__)
#define DMASIM__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define DMASIM__LIKELY(x) __builtin_expect(!!(x), 1)
#define DMASIM__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define DMASIM__PRINTF(a, b)
#define DMASIM__LIKELY(x) (x)
#define DMASIM__UNLIKELY(x) (x)
#endif

/* ---- allocation (every byte goes through the sim's allocator) ---- */
void *dmasim__alloc(dmasim_sim *sim, size_t size);             /* zeroed; NULL on failure */
void *dmasim__realloc(dmasim_sim *sim, void *p, size_t osize, size_t nsize);
void dmasim__free(dmasim_sim *sim, void *p, size_t size);
char *dmasim__strdup(dmasim_sim *sim, const char *s);
void dmasim__strfree(dmasim_sim *sim, char *s);
/* Grow a dynamic array *arr of *cap elements of elem bytes to hold at least need elements. */
int dmasim__grow(dmasim_sim *sim, void **arr, size_t *cap, size_t need, size_t elem);

/* ---- errors ---- */
/* Set the sim's message (printf format) and return err. */
int dmasim__error(dmasim_sim *sim, int err, const char *fmt, ...) DMASIM__PRINTF(3, 4);
/* Report an error that stops the simulation: run/run_until return err after the current event.
 * fmt == NULL keeps the message already set (by dmasim__error). */
void dmasim__fatal(dmasim_sim *sim, int err, const char *fmt, ...) DMASIM__PRINTF(3, 4);

/* ---- components: the sim owns them and destroys them in reverse creation order ---- */
typedef struct dmasim__component_ops {
    void (*destroy)(void *self);
    void (*stats_update)(void *self); /* refresh derived statistics; may be NULL */
} dmasim__component_ops;
int dmasim__component_add(dmasim_sim *sim, void *self, const dmasim__component_ops *ops);

/* Register a u64 statistic "<prefix>.<name>". */
int dmasim__stat_u64(dmasim_sim *sim, const char *prefix, const char *name, const uint64_t *v,
                     const char *unit, const char *desc);
int dmasim__stat_double(dmasim_sim *sim, const char *prefix, const char *name, const double *v,
                        const char *unit, const char *desc);

/* ---- deterministic random stream (splitmix64) ---- */
static inline uint64_t dmasim__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* floor(a * b / c), or the ceiling if up; UINT64_MAX when it does not fit. c > 0. */
static inline uint64_t dmasim__muldiv(uint64_t a, uint64_t b, uint64_t c, int up)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    uint64_t lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    uint64_t q = 0, r = hi;
    if (hi >= c)
        return UINT64_MAX;
    if (hi == 0) {
        q = lo / c;
        r = lo % c;
    } else {
        for (int i = 63; i >= 0; i--) {
            uint64_t carry = r >> 63;
            r = (r << 1) | ((lo >> i) & 1);
            q <<= 1;
            if (carry || r >= c) {
                r -= c;
                q |= 1;
            }
        }
    }
    if (up && r)
        q = q == UINT64_MAX ? q : q + 1;
    return q;
}

static inline int dmasim__is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static inline unsigned dmasim__log2(uint64_t x)
{
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

#endif

/* ---- sparse physical memory: 4 KiB pages in an open-addressing hash table ---- */
#define DMASIM__PAGE_SHIFT 12
#define DMASIM__PAGE_SIZE (1u << DMASIM__PAGE_SHIFT)
typedef struct dmasim__mem {
    uint64_t *keys;      /* page number + 1 (0 = empty slot) */
    uint8_t **pages;
    size_t cap;          /* power of two */
    size_t count;
    uint64_t last_key[2];  /* two-entry MRU lookup cache: a copy alternates source and destination */
    uint8_t *last_page[2];
} dmasim__mem;
dmasim__mem *dmasim__sim_mem(dmasim_sim *sim);
void dmasim__mem_free(dmasim_sim *sim, dmasim__mem *m);
/* The page holding addr: NULL if absent and !create (reads as zeros), or on allocation failure. */
uint8_t *dmasim__mem_page(dmasim_sim *sim, dmasim__mem *m, dmasim_addr addr, int create);

/* ---- signals ---- */
typedef struct dmasim__signal_list {
    dmasim_signal **items;
    size_t n, cap;
} dmasim__signal_list;
dmasim__signal_list *dmasim__sim_signals(dmasim_sim *sim);
void dmasim__signals_free(dmasim_sim *sim);
/* How far a component may compute ahead in one event: the next pending event, or the time
 * run_until was asked to reach (the caller may act there), whichever comes first. */
dmasim_time dmasim__sim_batch_limit(const dmasim_sim *sim);
/* dmasim_bus_map() for a slave whose every beat costs `wait_states` bus cycles (SRAM, register
 * files): ops->wait_states must be NULL; the bus multiplies, with no call per transaction. */
int dmasim__bus_map_fixed(dmasim_bus *bus, const char *name, dmasim_addr base, uint64_t size, unsigned flags,
                          const dmasim_bus_slave_ops *ops, void *ctx, uint32_t wait_states);
/* Passive events: ones that only complete what an observer sees (the end of a TC pulse) and must
 * not keep the simulation alive. The owner counts them: +1 when it schedules one that was not
 * pending, -1 when it fires or is cancelled. dmasim_sim_run() stops when only passive events are
 * left; run_until(t) runs the ones at or before t (time passes them), and
 * dmasim_sim_next_event_time() reports them (a co-simulation runs them as its time passes). So
 * watching a pin changes no result of a run to the end. */
void dmasim__sim_passive_add(dmasim_sim *sim, int delta);
/* dmasim_sim_now() without a call, for hot paths: `now` is the first member of struct dmasim_sim
 * (checked by a static assertion in sim.c), and C allows a struct pointer to be read as its first member. */
static inline dmasim_time dmasim__now(const dmasim_sim *sim) { return *(const dmasim_time *)(const void *)sim; }

/* ---- cache internals used by the CPU ---- */
typedef struct dmasim__line_op {
    dmasim_addr fill_addr;  /* line to fill (line-aligned) */
    uint8_t *fill_data;     /* where its bytes go (NULL when the cache holds no data) */
    int writeback;          /* a dirty victim must be written first */
    dmasim_addr wb_addr;    /* victim's line address */
    uint32_t slot;          /* where the line goes */
} dmasim__line_op;

typedef struct dmasim__cache_result {
    int miss;               /* 1 if any touched line missed */
    unsigned nlines;        /* lines touched (1 or 2) */
    unsigned nops;          /* lines that missed (0..2): fills and maybe write-backs */
    dmasim__line_op op[2];
    uint8_t *line_data[2];  /* the touched lines' bytes (valid once filled); NULL without data */
    dmasim_addr line_addr[2];
    uint32_t slot[2];       /* the touched lines' slots (for the stale-read check) */
} dmasim__cache_result;

/* A transaction of another master, as a snooping cache sees it (at its data time). */
typedef struct dmasim__snoop {
    dmasim_addr addr;
    uint32_t len;
    int is_write;
    int coherent;           /* 0: non-coherent (bookkeeping only), 1: snoop */
    int update;             /* coherent write: update the cached copy instead of invalidating */
    uint8_t *data;          /* the transaction's bytes (NULL: timing only) */
    int master;
    uint32_t tag;           /* the master's channel */
    dmasim_time time;
} dmasim__snoop;
void dmasim__cache_observe(dmasim_cache *c, const dmasim__snoop *sn);

/* Deferred stale-read check of a CPU read that hit slot (filled at fill_time) at time t. */
int dmasim__cache_check_read(dmasim_cache *c, uint32_t slot, dmasim_time fill_time, dmasim_addr addr,
                             uint32_t size, dmasim_time t, uint64_t op_id);
dmasim_time dmasim__cache_fill_time(const dmasim_cache *c, uint32_t slot);
/* Clean / invalidate / flush the line holding addr; returns 1 if a write-back is needed
 * (its bytes copied into wb_buf when the cache holds data). */
int dmasim__cache_maintain(dmasim_cache *c, dmasim_addr addr, dmasim_cache_op op, uint8_t *wb_buf);
/* A fill completed at time t: the line in slot holds memory's bytes as of t (fresh metadata;
 * re-validated if another master's coherent write invalidated it while the fill was pending). */
void dmasim__cache_fill_done(dmasim_cache *c, dmasim_addr line_addr, uint32_t slot, dmasim_time t);
/* The owner's time and current operation, for metadata and reports. */
void dmasim__cache_set_time(dmasim_cache *c, dmasim_time t, uint64_t op_id);

/* Access with full detail for the CPU. Victim data to write back is copied into wb_buf
 * (2 * line bytes) when the cache holds data. Returns 1 on a miss, 0 on a hit. */
int dmasim__cache_access_ex(dmasim_cache *c, dmasim_addr addr, uint32_t size, int is_write,
                            dmasim__cache_result *r, uint8_t *wb_buf);
/* Make the cache hold bytes (allocates the data array). Returns 0 or DMASIM_ENOMEM. */
int dmasim__cache_enable_data(dmasim_cache *c);
int dmasim__cache_create(dmasim_sim *sim, const char *name, const dmasim_cache_config *cfg, dmasim_cache **out);

/* ---- Valgrind Lackey trace reader (plain or gzip through zlib) ---- */
typedef struct dmasim__trace dmasim__trace;
typedef struct dmasim__trace_rec {
    char kind;          /* 'I', 'L', 'S' or 'M' */
    uint32_t size;
    uint64_t addr;      /* for 'I': the address of the last instruction of the run */
    uint64_t count;     /* 'I': consecutive instruction lines in this record (>= 1); else 1 */
} dmasim__trace_rec;
/* Open: 0, DMASIM_ENOENT or DMASIM_ENOMEM (detail set in sim). */
int dmasim__trace_open(dmasim_sim *sim, const char *path, dmasim__trace **out);
/* Next record: 1 = got one, 0 = end of trace, negative = error (detail "path:line: ..." in sim).
 * Consecutive `I` lines are merged into one record of up to max_run lines (>= 1). */
int dmasim__trace_next(dmasim__trace *t, dmasim__trace_rec *rec, uint64_t max_run);
uint64_t dmasim__trace_line(const dmasim__trace *t);
void dmasim__trace_close(dmasim__trace *t);

/* The deepest page-table walk an IOMMU may make (iommu.h: 3 or 4 levels). */
#define DMASIM__IOMMU_MAX_LEVELS 4

/* ---- bus internals ---- */
dmasim_time dmasim__bus_arb_ps(const dmasim_bus *bus); /* arbitration_cycles in ps */

/* A snooper's filter of blocks it certainly does not hold (valid while gen is unchanged), read
 * by the bus before it calls observe() for a non-coherent transaction. */
typedef struct dmasim__snoop_filter {
    unsigned line_shift;
    uint64_t gen;
    uint64_t absent_block[2], absent_gen[2];
} dmasim__snoop_filter;

static inline int dmasim__snoop_filter_hit(const dmasim__snoop_filter *f, dmasim_addr addr, uint32_t len)
{
    uint64_t b = addr >> f->line_shift;
    if (b != (addr + len - 1) >> f->line_shift)
        return 0;
    return (b == f->absent_block[0] && f->absent_gen[0] == f->gen) ||
           (b == f->absent_block[1] && f->absent_gen[1] == f->gen);
}
/* Attach a filter to the most recently added snooper of `owner`. */
void dmasim__bus_snooper_filter(dmasim_bus *bus, int owner, const dmasim__snoop_filter *f);
dmasim__snoop_filter *dmasim__cache_filter(dmasim_cache *c);

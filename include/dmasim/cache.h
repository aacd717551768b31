/* The CPU's data cache (D1).
 *
 * Set-associative, true LRU, write-back, write-allocate. Geometry: size = sets * ways * line,
 * with sets and line powers of two. An access of `size` bytes at `addr` touches every line its
 * bytes cover (at most two for the accesses a CPU makes); it is one hit or one miss: a miss if
 * any touched line misses. These are the rules Valgrind's Cachegrind uses for its D1 model
 * (cg_sim.c), so replaying a Valgrind Lackey trace gives Cachegrind's D1 miss counts exactly
 * (test/data/cachegrind-refs.tsv; a Lackey `M` counts as one read access that also dirties).
 *
 * The cache holds real bytes when the CPU gives it data (scripted loads/stores) and holds
 * tags only for timing-only accesses (trace replay). It does not talk to the bus itself: each
 * miss reports which line to fill and which dirty victim to write back, and the CPU does the
 * bus transactions.
 *
 * Coherence with other masters (docs/coherence.md). The cache watches every other master's
 * transaction on the bus (a snooper). A non-coherent transaction changes nothing in the cache,
 * but the cache keeps account: a write marks the bytes of any cached line it covers as written
 * behind the cache's back; a CPU read that later returns marked bytes is a *stale read*; a
 * write-back of a marked line is a *lost DMA write* (it overwrites the master's bytes); a
 * non-coherent read of memory the CPU holds dirty is a *stale device read*. A coherent (snoop)
 * transaction is served as hardware-coherent systems do: a read gets the CPU's dirty bytes, a
 * write invalidates the cached copy (merging the CPU's other dirty bytes to memory) or, in update
 * mode, updates it. Each problem is counted and the first ones kept as reports.
 */
#ifndef DMASIM_CACHE_H
#define DMASIM_CACHE_H

#include "dmasim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_cache dmasim_cache;

typedef struct dmasim_cache_config {
    uint32_t size;       /* bytes; default 32768 */
    uint32_t ways;       /* associativity 1..1024; default 8 */
    uint32_t line;       /* bytes per line, a power of two 4..4096; default 64 */
    uint32_t hit_cycles; /* extra CPU cycles of a hit (0 = pipelined with the instruction); default 0 */
} dmasim_cache_config;

DMASIM_API void dmasim_cache_config_init(dmasim_cache_config *cfg);

/* Check a geometry: returns 0, or DMASIM_EINVAL/DMASIM_ERANGE and writes a one-line reason
 * (e.g. "number of sets (96) is not a power of two") into msg (msg_len bytes, may be NULL). */
DMASIM_API int dmasim_cache_config_check(const dmasim_cache_config *cfg, char *msg, size_t msg_len);

/* A standalone cache (owned by sim), for models and tests that drive it directly.
 * Returns 0, DMASIM_EINVAL/ERANGE (detail in dmasim_sim_errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_cache_create(dmasim_sim *sim, const char *name, const dmasim_cache_config *cfg,
                                   dmasim_cache **out);

/* One data access of `size` >= 1 bytes. is_write: 0 load, 1 store, 2 modify (a load and a store
 * of the same bytes: counted as one read access, and it dirties the line, like a Lackey `M`).
 * Returns 1 for a miss, 0 for a hit. Tags and LRU only (no data, no bus): this is the Cachegrind-comparable core. */
DMASIM_API int dmasim_cache_access(dmasim_cache *c, dmasim_addr addr, uint32_t size, int is_write);

typedef struct dmasim_cache_stats {
    uint64_t read_accesses, write_accesses;
    uint64_t read_misses, write_misses;
    uint64_t line_fills;   /* lines brought in (a straddling miss may fill two) */
    uint64_t writebacks;   /* dirty lines evicted */
} dmasim_cache_stats;

DMASIM_API void dmasim_cache_get_stats(const dmasim_cache *c, dmasim_cache_stats *out);

/* Cache maintenance operations (per line), as the Linux streaming DMA API issues them. */
typedef enum dmasim_cache_op {
    DMASIM_CACHE_CLEAN = 0,      /* write back if dirty, keep the line */
    DMASIM_CACHE_INVALIDATE = 1, /* drop the line (a dirty line's stores are lost) */
    DMASIM_CACHE_FLUSH = 2       /* clean, then invalidate */
} dmasim_cache_op;

typedef enum dmasim_stale_kind {
    DMASIM_STALE_READ = 0,        /* CPU read returned bytes older than memory's */
    DMASIM_STALE_DEVICE_READ = 1, /* another master read memory while the CPU held newer bytes */
    DMASIM_LOST_DMA_WRITE = 2     /* a CPU write-back overwrote bytes another master wrote */
} dmasim_stale_kind;

typedef struct dmasim_stale_report {
    dmasim_stale_kind kind;
    dmasim_time time;     /* ps: the CPU read, the device read, or the write-back */
    dmasim_addr addr;     /* first byte concerned (line address for lost writes) */
    int master;           /* bus master index of the other party (the DMA writer or reader) */
    uint32_t channel;     /* that master's channel (its transaction tag) */
    uint64_t cpu_op;      /* the CPU operation: trace file line (1-based) or script op index (0-based) */
} dmasim_stale_report;

typedef struct dmasim_cache_coherence_stats {
    uint64_t stale_reads, stale_device_reads, lost_dma_writes;
    uint64_t snoops, snoop_hits, snoop_invalidations, snoop_updates, snoop_dirty_supplies;
    uint64_t maintenance_lines, maintenance_writebacks, discarded_dirty_lines;
} dmasim_cache_coherence_stats;

DMASIM_API void dmasim_cache_get_coherence_stats(const dmasim_cache *c, dmasim_cache_coherence_stats *out);

/* Keep at most n reports (default 16; 0 keeps none; all problems are counted regardless).
 * Returns 0 or ENOMEM. */
DMASIM_API int dmasim_cache_set_max_reports(dmasim_cache *c, size_t n);
/* The bytes a coherent observer reads now: memory overlaid with the cache's dirty lines (when
 * it holds data). Zero time, no side effects. Returns 0. */
DMASIM_API int dmasim_cache_read_coherent(const dmasim_cache *c, dmasim_addr addr, void *buf, size_t len);

/* The kept reports, in the order they were found (time order per kind). */
DMASIM_API size_t dmasim_cache_stale_report_count(const dmasim_cache *c);
DMASIM_API const dmasim_stale_report *dmasim_cache_stale_report_at(const dmasim_cache *c, size_t i);
DMASIM_API uint32_t dmasim_cache_line_size(const dmasim_cache *c);

#ifdef __cplusplus
}
#endif
#endif

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
 * bus transactions. Coherence with DMA: none (DMA does not see or change the cache).
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
DMASIM_API uint32_t dmasim_cache_line_size(const dmasim_cache *c);

#ifdef __cplusplus
}
#endif
#endif

/* The simulation: time, the event kernel, statistics, physical memory.
 *
 * Time is an unsigned 64-bit count of picoseconds (dmasim_time). Host time never enters the core.
 * A clock domain is a period in ps; a component counts its own cycles of its own clock.
 *
 * Ordering rule: events run in order of (time, priority, insertion sequence). Lower priority
 * values run first at equal time; at equal time and priority, the event scheduled first runs
 * first. So two runs of the same scenario and seed execute the same events in the same order,
 * and give identical statistics and byte-identical traces.
 *
 * Ownership: a dmasim_sim owns every component created in it (bus, memories, CPU, DMAC, ...)
 * and every signal; dmasim_sim_destroy() destroys them all. Components are never shared
 * between simulations, and a simulation has no global state, so many simulations can run in
 * one process (one thread each).
 *
 * Memory: every allocation goes through the allocator function of dmasim_sim_config
 * (same contract as Lua's lua_Alloc: alloc(ud, ptr, osize, nsize) with nsize == 0 meaning free).
 */
#ifndef DMASIM_SIM_H
#define DMASIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include "dmasim/export.h"
#include "dmasim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Simulated time in picoseconds. DMASIM_TIME_NEVER means "no such time". */
typedef uint64_t dmasim_time;
#define DMASIM_TIME_NEVER UINT64_MAX

/* A physical address (bytes). */
typedef uint64_t dmasim_addr;

typedef struct dmasim_sim dmasim_sim;

/* Allocator: returns the new block, or NULL on failure (then the old block is untouched);
 * nsize == 0 frees ptr and returns NULL. osize is the old size (0 for a new block). */
typedef void *(*dmasim_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef struct dmasim_sim_config {
    /* Allocator; NULL selects the C library's realloc/free. */
    dmasim_alloc_fn alloc;
    void *alloc_ud;
    /* Non-zero selects the per-cycle reference paths: the bus advances one bus clock edge per
     * event and masters issue one transaction at a time, never batching units or skipping
     * cycles. Results are identical to the fast paths (tests check it); only speed differs.
     * Default 0 (fast paths). */
    int reference;
    /* Seed of the simulation's deterministic random stream (synthetic workloads). Default 1. */
    uint64_t seed;
} dmasim_sim_config;

/* Fill *cfg with the defaults documented above. */
DMASIM_API void dmasim_sim_config_init(dmasim_sim_config *cfg);

/* Create a simulation at time 0. cfg may be NULL for the defaults.
 * Returns 0 and sets *out, or DMASIM_ENOMEM. */
DMASIM_API int dmasim_sim_create(const dmasim_sim_config *cfg, dmasim_sim **out);

/* Destroy a simulation and every component and signal in it. NULL is accepted. */
DMASIM_API void dmasim_sim_destroy(dmasim_sim *sim);

/* Current simulated time (ps). */
DMASIM_API dmasim_time dmasim_sim_now(const dmasim_sim *sim);

/* Time of the earliest pending event, or DMASIM_TIME_NEVER if none. Co-simulation entry point. */
DMASIM_API dmasim_time dmasim_sim_next_event_time(const dmasim_sim *sim);

/* Run every event with time <= t, then set the current time to t (never beyond t).
 * t earlier than now is DMASIM_EINVAL. Returns 0, or the first negative code a component
 * reported as fatal (the simulation then stops with the detail in dmasim_sim_errmsg()).
 * Co-simulation entry point. */
DMASIM_API int dmasim_sim_run_until(dmasim_sim *sim, dmasim_time t);

/* Run until no event is pending (or dmasim_sim_stop() is called). Events that only end a pulse
 * for an observer (a watched DMAC TC pin, docs/dmac.md) do not count: the run stops before them,
 * so watching a pin changes no result; run_until() past them runs them. Returns as run_until. */
DMASIM_API int dmasim_sim_run(dmasim_sim *sim);

/* Ask a running simulation to return from run/run_until after the current event. */
DMASIM_API void dmasim_sim_stop(dmasim_sim *sim);

/* Detail of the last error in this simulation ("" if none). Valid until the next call into sim. */
DMASIM_API const char *dmasim_sim_errmsg(const dmasim_sim *sim);

/* The simulation's reference-path flag and seed, as configured. */
DMASIM_API int dmasim_sim_reference(const dmasim_sim *sim);
DMASIM_API uint64_t dmasim_sim_seed(const dmasim_sim *sim);

/* ---- Events ------------------------------------------------------------------------------ */

/* An event is embedded in its owner (no allocation, no pool). Initialise once with
 * dmasim_event_init(); it can then be scheduled, cancelled and rescheduled any number of times. */
typedef struct dmasim_event dmasim_event;
typedef void (*dmasim_event_fn)(dmasim_sim *sim, dmasim_event *ev, void *ctx);
struct dmasim_event {
    dmasim_time time;    /* when it fires (ps); valid while scheduled */
    uint64_t seq;        /* insertion sequence (tie-break) */
    int32_t priority;    /* lower runs first at equal time */
    uint32_t heap_index; /* position in the kernel heap + 1; 0 when not scheduled */
    dmasim_event_fn fn;
    void *ctx;
};

/* Standard priorities used by the core (lower runs first at the same time). */
enum {
    DMASIM_PRIO_SIGNAL = -100, /* wire changes */
    DMASIM_PRIO_DEFAULT = 0,   /* component activity (requests, completions) */
    DMASIM_PRIO_ARBITRATE = 100, /* bus arbitration: after every request at the same time */
    DMASIM_PRIO_LATE = 200       /* observers: after everything else that happens at that time */
};

DMASIM_API void dmasim_event_init(dmasim_event *ev, dmasim_event_fn fn, void *ctx);

/* Schedule ev at absolute time t (>= now) with a priority. If ev is already scheduled it is
 * moved. Returns 0, DMASIM_EINVAL (t < now), or DMASIM_ENOMEM. */
DMASIM_API int dmasim_event_schedule(dmasim_sim *sim, dmasim_event *ev, dmasim_time t, int32_t priority);

/* Cancel ev if scheduled (no effect otherwise). */
DMASIM_API void dmasim_event_cancel(dmasim_sim *sim, dmasim_event *ev);

/* Non-zero if ev is scheduled. */
DMASIM_API int dmasim_event_pending(const dmasim_event *ev);

/* Total events executed so far. */
DMASIM_API uint64_t dmasim_sim_events_executed(const dmasim_sim *sim);

/* ---- Clocks ------------------------------------------------------------------------------ */

/* First edge of a clock of period `period_ps` (edges at k * period) at or after t. */
static inline dmasim_time dmasim_clock_edge_at_or_after(dmasim_time t, dmasim_time period_ps)
{
    dmasim_time r = t % period_ps;
    return r ? t + (period_ps - r) : t;
}

/* ---- Statistics -------------------------------------------------------------------------- */

/* Statistics are named with stable dotted component paths ("cpu0.dcache.read_misses") and
 * registered by the component that owns the counter. The registry only points at them. */
typedef enum dmasim_stat_kind { DMASIM_STAT_U64 = 0, DMASIM_STAT_DOUBLE = 1 } dmasim_stat_kind;

typedef struct dmasim_stat {
    const char *path;        /* e.g. "bus0.master.cpu0.wait_cycles" */
    const char *unit;        /* e.g. "cycles (bus clock)", "bytes", "" */
    const char *description; /* one line */
    dmasim_stat_kind kind;
    const void *value;       /* uint64_t* or double* */
} dmasim_stat;

/* Register a statistic. path is copied; unit and description must be string literals (or
 * outlive the sim). Returns 0, DMASIM_EINVAL (duplicate path) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_stat_register(dmasim_sim *sim, const char *path, dmasim_stat_kind kind,
                                    const void *value, const char *unit, const char *description);

/* Bring derived statistics (averages, utilisations) up to date. Called by the readers below. */
DMASIM_API void dmasim_sim_stats_update(dmasim_sim *sim);

/* Number of statistics and the i-th one, in registration order (stable for a given scenario). */
DMASIM_API size_t dmasim_sim_stat_count(dmasim_sim *sim);
DMASIM_API const dmasim_stat *dmasim_sim_stat_at(dmasim_sim *sim, size_t i);

/* Look up a statistic by path. Returns 0 and *out, or DMASIM_ENOENT. */
DMASIM_API int dmasim_sim_stat_u64(dmasim_sim *sim, const char *path, uint64_t *out);
DMASIM_API int dmasim_sim_stat_double(dmasim_sim *sim, const char *path, double *out);

/* ---- Physical memory (the bytes) --------------------------------------------------------- */

/* The simulation holds one sparse physical address space of 2^64 bytes. Pages (4 KiB) are
 * allocated on first write; reading an untouched byte gives 0. These accessors take no
 * simulated time (debug/back-door access, like a loader or a test bench); timed accesses go
 * through the bus. Return 0 or DMASIM_ENOMEM (writes only). */
DMASIM_API int dmasim_mem_read(dmasim_sim *sim, dmasim_addr addr, void *buf, size_t len);
DMASIM_API int dmasim_mem_write(dmasim_sim *sim, dmasim_addr addr, const void *buf, size_t len);
DMASIM_API int dmasim_mem_fill(dmasim_sim *sim, dmasim_addr addr, uint8_t byte, size_t len);

/* Bytes of host memory held by physical memory pages (for checking sparseness). */
DMASIM_API size_t dmasim_mem_resident_bytes(const dmasim_sim *sim);

#ifdef __cplusplus
}
#endif
#endif

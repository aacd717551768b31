/* The system bus: one shared bus, one owner at a time.
 *
 * Masters (CPU, DMAC, bus-mastering devices) request the bus; slaves (memories, register files)
 * answer transactions by address. Timing, in cycles of the bus clock (period `period_ps`):
 *
 *   - Arbitration happens on a bus clock edge while the bus is free, after every request made
 *     at that same time (DMASIM_PRIO_ARBITRATE). A request at time r is first considered at the
 *     edge at or after r. The winner's tenure starts at that edge (the grant edge) and its first
 *     address phase starts `arbitration_cycles` later.
 *   - A transaction is `address_cycles` cycles of address phase, then ceil(len / width) data
 *     beats; a beat costs 1 cycle plus the wait states the slave asks for that beat.
 *   - The owner keeps the bus for as many transactions as it likes, back to back, and releases
 *     it at the end of its last transaction; the bus arbitrates again at that edge.
 *   - Fixed priority: the requesting master with the lowest `priority` value wins, ties to the
 *     master added first. Round-robin: the first requesting master after the last owner, in the
 *     order masters were added. A master that releases with DMASIM_BUS_YIELD and requests again
 *     at the release edge loses to every master already waiting at that edge (the HOLD/HLDA
 *     rule: the CPU gets its bus cycle between two stolen cycles).
 *
 * The bus knows nothing of DMA modes or DRAM rows: modes are the masters' business, DRAM timing
 * is the slave's (through its wait_states function). Statistics per master: grants,
 * transactions, beats, bytes, owned cycles, arbitration cycles, wait cycles (request to grant),
 * the longest single wait, and the wait split by the master that held the bus meanwhile.
 * The bus owner is a signal ("<bus>.owner": 0 when free, else master index + 1).
 */
#ifndef DMASIM_BUS_H
#define DMASIM_BUS_H

#include "dmasim/sim.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_bus dmasim_bus;

typedef enum dmasim_arbitration {
    DMASIM_ARB_FIXED = 0,      /* fixed priority */
    DMASIM_ARB_ROUND_ROBIN = 1 /* rotating */
} dmasim_arbitration;

typedef struct dmasim_bus_config {
    const char *name;            /* statistics prefix; default "bus0" */
    dmasim_time period_ps;       /* bus clock period in ps (>= 1); default 10000 (100 MHz) */
    uint32_t width;              /* bytes per beat, a power of two 1..128; default 8 */
    dmasim_arbitration arbitration; /* default DMASIM_ARB_FIXED */
    uint32_t arbitration_cycles; /* grant edge to first address phase, 0..64; default 1 */
    uint32_t address_cycles;     /* address phase of each transaction, 0..64; default 1 */
} dmasim_bus_config;

DMASIM_API void dmasim_bus_config_init(dmasim_bus_config *cfg);

/* Create a bus. Returns 0 and *out, DMASIM_EINVAL/DMASIM_ERANGE (bad config, detail in
 * dmasim_sim_errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_bus_create(dmasim_sim *sim, const dmasim_bus_config *cfg, dmasim_bus **out);

DMASIM_API const char *dmasim_bus_name(const dmasim_bus *bus);
DMASIM_API dmasim_time dmasim_bus_period(const dmasim_bus *bus);
DMASIM_API uint32_t dmasim_bus_width(const dmasim_bus *bus);
DMASIM_API dmasim_sim *dmasim_bus_sim(const dmasim_bus *bus);

/* ---- Slaves ------------------------------------------------------------------------------ */

typedef struct dmasim_bus_slave_ops {
    int version; /* 1 */
    /* Move bytes (addr is the absolute bus address). Return 0, or a negative code to answer
     * with a bus error (DMASIM_EBUSERR). May be NULL for a timing-only slave. */
    int (*read)(void *ctx, dmasim_addr addr, void *buf, uint32_t len);
    int (*write)(void *ctx, dmasim_addr addr, const void *buf, uint32_t len);
    /* Total wait states (bus cycles) for `beats` beats of `beat_bytes` bytes starting at addr,
     * whose first beat starts at time t (a bus edge). commit != 0: the slave updates its state
     * (a DRAM's open rows); commit == 0: a prediction without side effects. The reference path
     * calls it once per beat (beats == 1); the fast path once per transaction; a slave must
     * give the same total both ways. NULL means zero wait states. */
    uint64_t (*wait_states)(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes, int is_write,
                            dmasim_time t, int commit);
} dmasim_bus_slave_ops;

/* Version 2: a slave whose wait states are only known once its bytes have moved, such as a proxy
 * for another simulator (the SystemC wrapper forwards to a TLM-2.0 socket and learns the wait
 * states from the delay the target annotates). Fill `v1` with v1.version = 2 and pass &ops.v1 to
 * dmasim_bus_map(). For timed transactions the bus then calls transport() instead of
 * wait_states(commit != 0) and read/write; read/write keep serving the debug accesses
 * (dmasim_bus_debug_read/write) and wait_states(commit == 0) the predictions
 * (dmasim_bus_predict_cycles). A version-1 table is used exactly as before. */
typedef struct dmasim_bus_slave_ops2 {
    dmasim_bus_slave_ops v1;
    /* Move `len` bytes at addr (buf NULL: a timing-only transaction, no bytes move) and store in
     * *wait_states the total wait states (bus cycles) of its `beats` beats of `beat_bytes` bytes,
     * the first of which starts at time t (ps, a bus edge: the end of the address phase). Called
     * once per timed transaction, with all its bytes, on both paths: the fast path when it times
     * the transaction; the reference path when its first beat starts, that beat then lasting
     * 1 + *wait_states cycles and the others 1 cycle each (same total, same end). The bytes move
     * during the call (not when the last beat ends). During the call dmasim_bus_data_time() is
     * t. Return 0, or a negative code: the transaction then completes with DMASIM_EBUSERR, its
     * cycles still counting *wait_states. */
    int (*transport)(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                     uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states);
} dmasim_bus_slave_ops2;

enum { DMASIM_SLAVE_CACHEABLE = 1 }; /* flag: memory that the CPU may cache */

/* Map a slave at [base, base + size). name is used in messages. Returns 0, DMASIM_EINVAL
 * (size 0 or wrap-around), DMASIM_EOVERLAP (detail names both slaves) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_bus_map(dmasim_bus *bus, const char *name, dmasim_addr base, uint64_t size,
                              unsigned flags, const dmasim_bus_slave_ops *ops, void *ctx);

/* Flags of the slave mapped at addr, or -1 (DMASIM_EINVAL) if nothing is mapped there. */
DMASIM_API int dmasim_bus_slave_flags(const dmasim_bus *bus, dmasim_addr addr);

/* ---- Masters ----------------------------------------------------------------------------- */

typedef struct dmasim_bus_txn {
    dmasim_addr addr;  /* first byte */
    uint32_t len;      /* bytes, >= 1 */
    uint8_t is_write;
    void *data;        /* read: filled; write: taken; NULL: timing only, no bytes move */
    uint8_t coherent;  /* DMASIM_TXN_NONCOHERENT (default), _SNOOP or _SNOOP_UPDATE (see snoopers) */
    uint32_t tag;      /* the master's own label (a DMA channel number), shown to snoopers */
    /* results */
    int status;        /* 0, DMASIM_EUNMAPPED or DMASIM_EBUSERR */
    uint64_t cycles;   /* bus cycles taken (address phase + beats + wait states) */
} dmasim_bus_txn;

typedef struct dmasim_bus_master_ops {
    int version; /* 1 */
    /* The bus is granted; called when the arbitration cycles have passed, at time t == now,
     * when the first address phase may start (on both paths). */
    void (*granted)(void *ctx, dmasim_time t);
    /* A transaction started with dmasim_bus_transfer() completed at time t (== now). */
    void (*done)(void *ctx, dmasim_bus_txn *txn, dmasim_time t);
    /* Lookahead: the earliest time this master may next request the bus (DMASIM_TIME_NEVER if
     * it will not). NULL means "unknown", treated as "now". Used by dmasim_bus_quiet_until(). */
    dmasim_time (*next_request)(void *ctx);
    /* Called once after dmasim_bus_notify_idle(), at the first arbitration edge where the bus
     * is free and no master requests it. May call dmasim_bus_request(). */
    void (*idle)(void *ctx, dmasim_time t);
} dmasim_bus_master_ops;

/* At most this many masters on one bus. */
#define DMASIM_BUS_MAX_MASTERS 64

/* Add a master. priority: 0 is the highest (fixed-priority arbitration). Returns the master
 * index (>= 0), or DMASIM_ENOMEM, DMASIM_EINVAL, DMASIM_ERANGE (more than DMASIM_BUS_MAX_MASTERS). */
DMASIM_API int dmasim_bus_add_master(dmasim_bus *bus, const char *name, unsigned priority,
                                     const dmasim_bus_master_ops *ops, void *ctx);

DMASIM_API int dmasim_bus_master_count(const dmasim_bus *bus);
DMASIM_API const char *dmasim_bus_master_name(const dmasim_bus *bus, int master);

/* Request the bus now. Returns 0, DMASIM_ESTATE (already requesting or owning). */
DMASIM_API int dmasim_bus_request(dmasim_bus *bus, int master);

/* Withdraw a request not yet granted (the master no longer needs the bus; HRQ dropped before
 * HLDA). Returns 0 or DMASIM_ESTATE (not requesting). The wait so far is not counted. */
DMASIM_API int dmasim_bus_cancel_request(dmasim_bus *bus, int master);

enum { DMASIM_BUS_YIELD = 1 };
/* Release the bus at the end of the owner's last transaction (its cursor, >= now). flags:
 * DMASIM_BUS_YIELD (see the arbitration rules above). Returns 0 or DMASIM_ESTATE. */
DMASIM_API int dmasim_bus_release(dmasim_bus *bus, int master, unsigned flags);

/* Start a transaction as owner; ops->done() is called when it completes. Works on both paths.
 * Returns 0 or DMASIM_ESTATE (not the owner, or a transaction is in flight). */
DMASIM_API int dmasim_bus_transfer(dmasim_bus *bus, int master, dmasim_bus_txn *txn);

enum { DMASIM_TXN_NONCOHERENT = 0, DMASIM_TXN_SNOOP = 1, DMASIM_TXN_SNOOP_UPDATE = 2 };

/* Keep the bus idle for `cycles` bus cycles (>= 1) as its owner: no address phase, no slave, no
 * bytes. For a master whose protocol has clock states without a transaction of its own (the
 * 8237A's S1 and the states before its memory command). A hold is not a transaction: it counts only as owned time (no
 * transaction, beat or byte statistics, no observer or snooper call).
 *   txn != NULL: like dmasim_bus_transfer(), on both paths: ops->done() is called with txn when
 *     the cycles have passed (txn->status 0, txn->cycles = cycles; its other fields are the
 *     master's, untouched: it tells a hold from a transaction by its own bookkeeping). The
 *     reference path ticks them one bus cycle per event.
 *   txn == NULL: like dmasim_bus_access(), fast path only: the owner's cursor advances at once.
 * Returns 0, DMASIM_EINVAL (cycles 0) or DMASIM_ESTATE (not the owner, a transaction or hold in
 * flight, or txn NULL on the reference path). */
DMASIM_API int dmasim_bus_hold(dmasim_bus *bus, int master, uint64_t cycles, dmasim_bus_txn *txn);

/* ---- Snoopers (a cache watching the bus) -------------------------------------------------- */

typedef struct dmasim_bus_snooper_ops {
    int version; /* 1 */
    /* Every transaction of a master other than the snooper's owner, at its data time t (after
     * its bytes moved). For a coherent read the snooper may overwrite txn->data with newer bytes
     * it holds; for a coherent write it invalidates or updates its copies. */
    void (*observe)(void *ctx, int master, dmasim_bus_txn *txn, dmasim_time t);
} dmasim_bus_snooper_ops;

/* Add a snooper belonging to master `owner` (its own transactions are not shown to it). A
 * coherent transaction of another master costs `snoop_cycles` extra bus cycles (the snoop
 * response, added to its address phase) per snooper. Returns 0, DMASIM_EINVAL or ENOMEM. */
DMASIM_API int dmasim_bus_add_snooper(dmasim_bus *bus, int owner, uint32_t snoop_cycles,
                                      const dmasim_bus_snooper_ops *ops, void *ctx);

/* Extra bus cycles a coherent transaction of `master` costs (sum over the other snoopers). */
DMASIM_API uint64_t dmasim_bus_snoop_cycles(const dmasim_bus *bus, int master);

/* ---- Observers (tracing) ------------------------------------------------------------------ */

/* Called once per transaction of any master when it completes, with its first cycle's start
 * (the address phase, ps) and its end (ps), on both paths. For tracing only: it must not change
 * the simulation. The end is the simulated time of the completion; on the fast path a batched
 * transaction is reported when it is computed, which can be before simulated time reaches its
 * end (a trace writer keeps them in order per master). */
typedef void (*dmasim_bus_observer_fn)(void *ctx, int master, const dmasim_bus_txn *txn, dmasim_time start,
                                       dmasim_time end);
/* Returns 0, DMASIM_EINVAL (fn NULL) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_bus_add_observer(dmasim_bus *bus, dmasim_bus_observer_fn fn, void *ctx);

/* Masters that issue coherent (snoop) transactions say so while they do (counted per call);
 * a snooper whose owner runs ahead of simulated time must not while any is active. */
DMASIM_API void dmasim_bus_coherent_traffic(dmasim_bus *bus, int delta);
DMASIM_API int dmasim_bus_coherent_active(const dmasim_bus *bus);

/* Fast path only (DMASIM_ESTATE on the reference path): run a transaction at the owner's
 * cursor at once, move its bytes, advance the cursor by its cycles. Returns 0 or the
 * transaction's status (negative). */
DMASIM_API int dmasim_bus_access(dmasim_bus *bus, int master, dmasim_bus_txn *txn);

/* Fast path only: release and win the re-arbitration at the cursor in one step, as the
 * reference path would if no other master requests by then (it costs arbitration_cycles and
 * counts a grant). Returns 0, or DMASIM_EBUSY if another master would be waiting at the
 * cursor or a bus signal is observed (then nothing changed; release and request instead). */
DMASIM_API int dmasim_bus_rearbitrate(dmasim_bus *bus, int master);

/* Time at which the owner's queued transactions end (its cursor); now if it has none. */
DMASIM_API dmasim_time dmasim_bus_cursor(const dmasim_bus *bus);

/* Lookahead: the first bus edge at which a master other than `master` may be waiting for the
 * bus: now's edge if one is requesting (or owns the bus), else the edge at or after the
 * earliest next_request() of the others; DMASIM_TIME_NEVER if none will. */
DMASIM_API dmasim_time dmasim_bus_quiet_until(const dmasim_bus *bus, int master);

/* Ask for one ops->idle() call at the next arbitration edge that finds no requester (the edge
 * where another master releases the bus and nobody waits). It schedules nothing by itself.
 * Returns 0. */
DMASIM_API int dmasim_bus_notify_idle(dmasim_bus *bus, int master);

/* The edge at which a request made now would be arbitrated: the next edge if the bus is free,
 * the release time if the owner has released at a later cursor; DMASIM_TIME_NEVER if owned. */
DMASIM_API dmasim_time dmasim_bus_grant_edge(const dmasim_bus *bus);

/* For slaves, inside their read/write callback: the time (ps) at which the data of the
 * transaction being performed is transferred (the end of its beat). A register whose write
 * has a side effect (starting a DMA channel) schedules that effect at this time, so both paths
 * agree. Inside a debug access (dmasim_bus_debug_read/write, which takes no time) it is now. */
DMASIM_API dmasim_time dmasim_bus_data_time(const dmasim_bus *bus);

/* Bus cycles a transaction would take if it started at time t, without side effects (status
 * DMASIM_EUNMAPPED gives 0). */
DMASIM_API uint64_t dmasim_bus_predict_cycles(const dmasim_bus *bus, dmasim_addr addr, uint32_t len,
                                              int is_write, dmasim_time t);

/* Waiting of `master` so far split by owner: time (ps) it waited for the bus while `owner`
 * held it. owner == master gives its waits with the bus free (edge alignment). */
DMASIM_API dmasim_time dmasim_bus_wait_by(const dmasim_bus *bus, int master, int owner);

/* Functional (zero-time) access through the address map, for loaders and debuggers.
 * Returns 0 or DMASIM_EUNMAPPED / the slave's error. */
DMASIM_API int dmasim_bus_debug_read(dmasim_bus *bus, dmasim_addr addr, void *buf, uint32_t len);
DMASIM_API int dmasim_bus_debug_write(dmasim_bus *bus, dmasim_addr addr, const void *buf, uint32_t len);

/* ---- SRAM-style memory ------------------------------------------------------------------- */

typedef struct dmasim_sram_config {
    const char *name;       /* default "ram" */
    dmasim_addr base;       /* default 0 */
    uint64_t size;          /* bytes, >= 1; default 1 GiB */
    uint32_t wait_states;   /* per beat, 0..1024; default 0 */
} dmasim_sram_config;

DMASIM_API void dmasim_sram_config_init(dmasim_sram_config *cfg);

/* Map a memory with fixed wait states per beat, backed by the simulation's sparse physical
 * memory (only touched pages cost host memory). Cacheable. Returns as dmasim_bus_map(). */
DMASIM_API int dmasim_sram_create(dmasim_bus *bus, const dmasim_sram_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

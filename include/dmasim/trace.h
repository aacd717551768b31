/* Trace writers: a VCD of every signal, and a transaction timeline for Perfetto / chrome://tracing.
 *
 * Both only watch: they subscribe to signals (dmasim_signal_subscribe) and observe bus
 * transactions (dmasim_bus_add_observer); no model contains tracing code. Open a writer after
 * the system is built (it traces the signals that exist when it is opened), add the buses whose
 * transactions it should show before running, run, then close it. Both write through zlib's
 * gzopen: gzip (mode "wb6") or plain (mode "wbT"), one code path; by default gzip when the
 * path ends in ".gz".
 *
 * Cost: once a writer subscribes to a DMAC's hrq/hlda and a bus's owner signal, the fast path
 * no longer folds several DMA units into one bus tenure (signal.h), so a traced run is slower;
 * its results (statistics, bytes) are unchanged.
 *
 * Ownership: a writer belongs to its simulation. Closing writes everything out and closes the
 * file; the handle then stays valid but inert (its subscriptions remain and ignore further
 * changes) and its memory is released by dmasim_sim_destroy(), which also closes a writer that
 * was never closed (without reporting errors). docs/tracing.md shows real output.
 */
#ifndef DMASIM_TRACE_H
#define DMASIM_TRACE_H

#include "dmasim/bus.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dmasim_trace_compression {
    DMASIM_TRACE_BY_NAME = 0, /* gzip if the path ends in ".gz", else plain */
    DMASIM_TRACE_PLAIN = 1,   /* gzopen mode "wbT" */
    DMASIM_TRACE_GZIP = 2     /* gzopen mode "wb6" */
} dmasim_trace_compression;

/* ---- VCD (IEEE 1364 value change dump; GTKWave opens .vcd and .vcd.gz) --------------------
 *
 * Header: $timescale 1ps; one $scope module per dotted prefix of the signal names ("dmac0.irq"
 * is wire irq in module dmac0, "dmac0.ch0.busy" wire busy in module ch0 inside dmac0); each
 * signal a "$var wire <width> <id> <name>" with a short printable identifier code, in signal
 * creation order. $dumpvars gives every value at the time the writer was opened (normally 0).
 * Then "#<ps>" timestamps in increasing order, each followed by the changes at that time
 * ("0!"/"1!" for 1-bit signals, "b<binary> <id>" otherwise), in identifier order. A signal
 * that changes several times at one instant shows its last value at that instant (a
 * zero-width glitch is not kept; dmasim_signal_toggles() still counts it). The file ends with
 * a timestamp at the time it was closed. The same run gives byte-identical files, and so do
 * the fast and reference paths (dmasim_sim_config.reference).
 *
 * Transactions, if asked (dmasim_trace_vcd_add_bus): two more wires in the bus's module,
 * "<bus>.addr" (64 bits, the address of the latest transaction, from its first cycle) and
 * "<bus>.txn_master" (8 bits: master index + 1 during a transaction's cycles, 0 between), the
 * numbering of "<bus>.owner"; a $comment in the header names the masters. The fast path
 * reports transactions when it computes them, possibly ahead of simulated time (a whole burst
 * at once); the writer keeps changes in memory (32 bytes per transaction) until no earlier
 * change can still arrive, and writes them in time order. */

typedef struct dmasim_trace_vcd dmasim_trace_vcd;

/* Open path for writing (compression by name) and subscribe to every signal of sim. Returns 0
 * and *out, DMASIM_EIO (cannot create the file; detail in dmasim_sim_errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_trace_vcd_open(dmasim_sim *sim, const char *path, dmasim_trace_vcd **out);
/* The same with the compression chosen explicitly (a file written as "x.vcd.gz.tmp" and
 * renamed later, say). DMASIM_EINVAL for an unknown compression. */
DMASIM_API int dmasim_trace_vcd_open_v2(dmasim_sim *sim, const char *path, dmasim_trace_compression compression,
                                        dmasim_trace_vcd **out);

/* Trace the address and master of every transaction on bus (see above). Call before the
 * simulation runs on (before the header is written): DMASIM_ESTATE after that or after close,
 * DMASIM_EINVAL if the bus belongs to another simulation or its owner signal is not traced
 * (the bus was created after the writer was opened), DMASIM_EBUSY if it was already added,
 * DMASIM_ENOMEM. */
DMASIM_API int dmasim_trace_vcd_add_bus(dmasim_trace_vcd *vcd, dmasim_bus *bus);

/* Write out every change up to the current simulated time (later ones, which only a run
 * stopped by dmasim_sim_run_until() can have reported, are dropped), a final timestamp, and
 * close the file. Returns 0, DMASIM_EIO (a write failed: the file is incomplete; detail in
 * dmasim_sim_errmsg), DMASIM_ENOMEM (memory ran out while tracing: changes were lost) or
 * DMASIM_ESTATE (already closed). */
DMASIM_API int dmasim_trace_vcd_close(dmasim_trace_vcd *vcd);

/* ---- Timeline (Chrome / Perfetto trace-event JSON; ui.perfetto.dev, chrome://tracing) -----
 *
 * A JSON object {"displayTimeUnit":"ns","traceEvents":[...]}. Times ("ts", "dur") are in
 * microseconds written as exact decimals of the ps values (1234560 ps is 1.23456).
 *   - Each added bus is a process (pid 2, 3, ... in the order added, named after the bus); each
 *     of its masters a track (tid = master index + 1, named after the master). Each transaction
 *     is one complete event ("ph":"X", name "read" or "write", cat "bus") from its first cycle
 *     to its end, with args addr (hex string), bytes, op ("read"/"write"), status ("ok" or the
 *     error text), cycles (bus cycles) and tag (the master's label: a DMA channel number).
 *   - Every 1-bit signal named "<x>.busy" that exists at open (a DMAC's "<dmac>.chN.busy") gives
 *     async slices ("ph":"b" then "e", cat "dma", name "<x>", one id per signal) in process 1,
 *     "DMA channels", from each rise to the next fall.
 *   - Metadata events (process_name, thread_name) come last.
 * Events are written as they are produced: each track's events are in time order; across
 * tracks they are not sorted (the format does not ask for it; viewers sort). Deterministic:
 * the same run gives byte-identical files. */

typedef struct dmasim_trace_timeline dmasim_trace_timeline;

/* As dmasim_trace_vcd_open(): 0, DMASIM_EIO or DMASIM_ENOMEM. */
DMASIM_API int dmasim_trace_timeline_open(dmasim_sim *sim, const char *path, dmasim_trace_timeline **out);
DMASIM_API int dmasim_trace_timeline_open_v2(dmasim_sim *sim, const char *path,
                                             dmasim_trace_compression compression,
                                             dmasim_trace_timeline **out);

/* Show the transactions of bus. Returns 0, DMASIM_EINVAL (another simulation's bus),
 * DMASIM_EBUSY (already added), DMASIM_ESTATE (closed) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_trace_timeline_add_bus(dmasim_trace_timeline *tl, dmasim_bus *bus);

/* End every slice still open at the current time, write the metadata and the closing
 * brackets, close the file. Returns 0, DMASIM_EIO (a write failed) or DMASIM_ESTATE (already
 * closed). */
DMASIM_API int dmasim_trace_timeline_close(dmasim_trace_timeline *tl);

#ifdef __cplusplus
}
#endif
#endif

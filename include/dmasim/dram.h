/* DRAM: JEDEC-style DRAM devices behind a memory controller, as a bus slave or standalone.
 *
 * Organisation: channels > ranks > bank groups > banks > rows > columns. A column is one
 * `bus_width`-bit word of the channel; a burst moves `burst_length` columns, so one request is
 * bus_width / 8 * burst_length bytes (64 for a 64-bit DDR4 channel). Each bank has a row buffer:
 * a request to the open row is a row hit (column command only), to a closed bank a row miss
 * (ACT, then the column command), to a bank with another row open a row conflict (PRE, ACT,
 * column command). Timing parameters are JEDEC's, in DRAM clock cycles (tCK); docs/dram.md
 * lists every rule the model enforces, and models/dram/ holds presets that cite their source.
 *
 * Latency (DRAM cycles, from the cycle a request arrives to the end of its data burst) for an
 * idle device:   row hit  = controller_delay + CL + BL/2
 *                row miss = controller_delay + tRCD + CL + BL/2
 *                conflict = controller_delay + tRP + tRCD + CL + BL/2
 * (DDR3-1600 11-11-11 with controller_delay 2: 17, 28, 39, as DRAMsim3 reports them.)
 *
 * The controller: one queue per channel of `queue_depth` requests; FR-FCFS (row hits first,
 * then the oldest; a row that a queued request still hits is never closed) or FCFS (each bank
 * serves its requests in arrival order, ready commands go oldest first). One command per cycle
 * on a channel's command bus. A request may issue its first command `controller_delay` cycles
 * after it arrives. Refresh: every tREFI a rank's banks are precharged (PREA) and refreshed
 * (REF), blocking them for tRFC; from the cycle a refresh is due, the rank issues nothing else.
 * Open page keeps rows open; closed page precharges with every column command (RDA/WRA).
 * The model is event driven: it computes each command's earliest legal cycle from per-bank,
 * per-rank and per-channel timestamps and never steps cycle by cycle.
 *
 * Two ways to use it:
 *
 *   - As a bus slave (dmasim_dram_create): bus transactions get their wait states from the model,
 *     beat by beat. Each beat that reaches a DRAM burst not yet fetched issues one request (a
 *     queue of depth 1: the controller takes the next request once the previous one has issued
 *     its column command). A read beat waits until its burst's data is back; later beats of the
 *     same burst read the controller's buffer; a write beat waits only until the controller can
 *     take the request (writes are posted). Beats that continue a stream (next address, same
 *     direction, starting the cycle the previous beat ended) belong to one bus burst, whose
 *     length an AXI-style bus announces up front: their DRAM requests count as arrived when the
 *     burst began, so a burst that stays in one row streams at the column rate (tCCD), and one
 *     that crosses into a busy bank pays precharge and activate. Bus time (ps) converts to DRAM
 *     cycles with tCK: a beat starting at t arrives at the first DRAM edge at or after t.
 *   - Standalone (dmasim_dram_create_standalone): submit requests with their arrival cycle, run,
 *     get a callback per completed request. This is the trace mode of `dmasim dram`, used to
 *     compare timing with other DRAM simulators.
 *
 * Statistics ("<name>.<stat>"): reads, writes, row_hits, row_misses, row_conflicts, activates,
 * precharges, refreshes, read_latency_avg, read_latency_max, write_latency_avg, a read-latency
 * histogram (read_latency_hist.<lo>_<hi>), bytes, cycles, bandwidth_gbs, peak_bandwidth_gbs,
 * bandwidth_pct. Latencies are DRAM cycles.
 */
#ifndef DMASIM_DRAM_H
#define DMASIM_DRAM_H

#include "dmasim/sim.h"
#include "dmasim/bus.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_dram dmasim_dram;

typedef enum dmasim_dram_page_policy {
    DMASIM_DRAM_OPEN_PAGE = 0,  /* rows stay open until a conflict or a refresh */
    DMASIM_DRAM_CLOSED_PAGE = 1 /* every column command auto-precharges (RDA/WRA) */
} dmasim_dram_page_policy;

typedef enum dmasim_dram_scheduler {
    DMASIM_DRAM_FRFCFS = 0, /* first-ready, first-come first-served (Rixner et al., ISCA 2000) */
    DMASIM_DRAM_FCFS = 1    /* per bank in arrival order */
} dmasim_dram_scheduler;

typedef struct dmasim_dram_config {
    const char *name;        /* statistics prefix; default "dram0" */
    const char *source;      /* where the numbers come from (free text, reported); default NULL */
    /* Bus mapping (dmasim_dram_create only). */
    dmasim_addr base;        /* first byte; default 0 */
    uint64_t size;           /* bytes mapped, <= capacity; 0 = the capacity; default 0 */

    /* Organisation. channels, ranks, bankgroups, banks_per_group, rows, columns and
     * burst_length are powers of two (the address mapping is a bit-field split). */
    uint32_t channels;        /* default 1 */
    uint32_t ranks;           /* per channel; default 1 */
    uint32_t bankgroups;      /* per rank (1 for DDR3/LPDDR4); default 4 */
    uint32_t banks_per_group; /* default 4 */
    uint32_t rows;            /* per bank; default 32768 */
    uint32_t columns;         /* per row, each bus_width bits; default 1024 */
    uint32_t bus_width;       /* channel data width in bits, a multiple of 8; default 64 */
    uint32_t burst_length;    /* BL, columns per burst (8 DDR3/DDR4, 16 LPDDR4); default 8 */

    /* Timing, in DRAM clock cycles except tck_ps. Defaults: DDR4-2400R 17-17-17 (JESD79-4B,
     * 4 Gb x8, as models/dram/ddr4-2400.yaml). */
    uint32_t tck_ps;   /* clock period, ps; default 833 */
    uint32_t cl;       /* read (CAS) latency; default 17 */
    uint32_t cwl;      /* write latency; default 12 */
    uint32_t trcd;     /* ACT to RD/WR; default 17 */
    uint32_t trp;      /* PRE to ACT; default 17 */
    uint32_t trpab;    /* PREA (all banks) to ACT/REF; 0 = trp; default 0 */
    uint32_t tras;     /* ACT to PRE; default 39 */
    uint32_t trc;      /* ACT to ACT, same bank (>= tras + trp); default 56 */
    uint32_t twr;      /* end of write data to PRE; default 18 */
    uint32_t twtr_s;   /* end of write data to RD, other bank group; default 3 */
    uint32_t twtr_l;   /* end of write data to RD, same bank group; default 9 */
    uint32_t trtp;     /* RD to PRE; default 9 */
    uint32_t tccd_s;   /* column to column, other bank group; default 4 */
    uint32_t tccd_l;   /* column to column, same bank group; default 6 */
    uint32_t trrd_s;   /* ACT to ACT, other bank group; default 4 */
    uint32_t trrd_l;   /* ACT to ACT, same bank group; default 6 */
    uint32_t tfaw;     /* window holding at most four ACTs of a rank; default 26 */
    uint32_t trfc;     /* REF to ACT; default 312 */
    uint32_t trefi;    /* refresh interval (<= trfc is an error); default 9360 */
    uint32_t trtrs;    /* rank to rank data-bus switch; default 1 */
    int refresh;       /* non-zero: refresh every trefi; default 1 */

    /* Controller. */
    uint32_t controller_delay;  /* cycles from arrival to the first possible command, 0..1000.
                                 * Default 2, DRAMsim3's count (one cycle into the command
                                 * queue, one back); Ramulator adds 0. */
    dmasim_dram_page_policy page_policy; /* default DMASIM_DRAM_OPEN_PAGE */
    dmasim_dram_scheduler scheduler;     /* default DMASIM_DRAM_FRFCFS */
    uint32_t queue_depth;       /* requests per channel, 1..1024 (standalone; the bus path
                                 * uses 1); default 32 */
    /* Address mapping, most significant field first, fields separated by ':' among row,
     * channel, rank, bankgroup, bank, column (or ro, ch, ra, bg, ba, co; the DRAMsim3 form
     * "rochrababgco" is accepted too). Below the fields sit the byte-in-burst bits. Every
     * field with more than one value must appear exactly once.
     * Default "row:channel:rank:bank:bankgroup:column". */
    const char *address_mapping;
    /* Read-latency histogram: hist_bins bins of hist_bin_cycles cycles, the last one open.
     * Defaults 8 and 32. */
    uint32_t hist_bin_cycles;
    uint32_t hist_bins;
} dmasim_dram_config;

/* Fill *cfg with the defaults above (DDR4-2400 17-17-17). */
DMASIM_API void dmasim_dram_config_init(dmasim_dram_config *cfg);

/* Fill *cfg with a built-in preset: "ddr3-1600", "ddr4-2400", "ddr4-3200", "lpddr4-3200" (the
 * same numbers as models/dram/<name>.yaml). name and the other fields not part of a preset
 * (base, size, controller settings) keep dmasim_dram_config_init()'s defaults. Returns 0 or
 * DMASIM_ENOENT (unknown name). */
DMASIM_API int dmasim_dram_preset(const char *name, dmasim_dram_config *cfg);
/* The i-th preset name, or NULL past the last one. */
DMASIM_API const char *dmasim_dram_preset_name(size_t i);

/* Check a configuration without creating anything. Returns 0, or DMASIM_EINVAL/DMASIM_ERANGE
 * with a message naming the parameter in msg (if msg != NULL), e.g.
 * "tras (40) > trc (39): a row cannot stay open longer than the row cycle". */
DMASIM_API int dmasim_dram_config_check(const dmasim_dram_config *cfg, char *msg, size_t msglen);

/* Bytes addressed by a configuration: channels * ranks * bankgroups * banks_per_group * rows
 * * columns * bus_width / 8. */
DMASIM_API uint64_t dmasim_dram_capacity(const dmasim_dram_config *cfg);

/* Map a DRAM on the bus at [base, base + size) as a cacheable slave, bytes in the simulation's
 * sparse memory. out may be NULL (the sim owns the DRAM either way). Returns 0,
 * DMASIM_EINVAL/DMASIM_ERANGE (bad configuration, detail names the parameter), the errors of
 * dmasim_bus_map(), or DMASIM_ENOMEM. */
DMASIM_API int dmasim_dram_create(dmasim_bus *bus, const dmasim_dram_config *cfg, dmasim_dram **out);

/* Create a standalone controller in sim (no bus, no bytes; the sim provides the allocator,
 * the error message and the statistics registry). Returns as dmasim_dram_create(). */
DMASIM_API int dmasim_dram_create_standalone(dmasim_sim *sim, const dmasim_dram_config *cfg,
                                             dmasim_dram **out);

/* ---- Standalone requests ------------------------------------------------------------------ */

typedef enum dmasim_dram_outcome {
    DMASIM_DRAM_ROW_HIT = 0,     /* the row was open: column command only */
    DMASIM_DRAM_ROW_MISS = 1,    /* the bank was closed: ACT + column command */
    DMASIM_DRAM_ROW_CONFLICT = 2 /* another row was open: PRE + ACT + column command */
} dmasim_dram_outcome;

typedef struct dmasim_dram_request {
    uint64_t id;         /* submission number, from 0 */
    dmasim_addr addr;
    int is_write;
    uint64_t arrival;    /* DRAM cycle it was submitted for */
    uint64_t queued;     /* cycle it entered the controller's queue (>= arrival when full) */
    uint64_t done;       /* cycle its data burst ended */
    dmasim_dram_outcome outcome;
    uint32_t channel, rank, bankgroup, bank, row, column;
} dmasim_dram_request;

typedef void (*dmasim_dram_done_fn)(void *ud, const dmasim_dram_request *req);

/* Called for every completed request, in order of (done cycle, id). The callback may submit
 * new requests with arrival >= req->done (a closed-loop requester). */
DMASIM_API void dmasim_dram_on_complete(dmasim_dram *dram, dmasim_dram_done_fn fn, void *ud);

/* Submit a request arriving at DRAM cycle `arrival` (>= dmasim_dram_now()). addr is taken
 * relative to cfg->base, modulo the capacity. A request that finds its channel's queue full
 * waits outside (in submission order) until a slot frees. *id (may be NULL) receives its id.
 * Returns 0, DMASIM_EINVAL (arrival in the past), DMASIM_ESTATE (a bus-mapped DRAM) or
 * DMASIM_ENOMEM. */
DMASIM_API int dmasim_dram_submit(dmasim_dram *dram, dmasim_addr addr, int is_write, uint64_t arrival,
                                  uint64_t *id);

/* Issue commands and deliver completions at cycles before `until`, then set now to until (if
 * until is finite; refreshes of idle ranks up to it are issued). until = UINT64_MAX runs until
 * every submitted request has completed (see dmasim_dram_drain). Returns 0 or DMASIM_ESTATE. */
DMASIM_API int dmasim_dram_run(dmasim_dram *dram, uint64_t until);

/* Run until every submitted request has completed. now is then the last completion cycle.
 * Returns 0 or DMASIM_ESTATE (a bus-mapped DRAM). */
DMASIM_API int dmasim_dram_drain(dmasim_dram *dram);

/* The controller's current DRAM cycle (the last event processed, or the last `until`). */
DMASIM_API uint64_t dmasim_dram_now(const dmasim_dram *dram);

/* Submitted requests not yet completed. */
DMASIM_API uint64_t dmasim_dram_outstanding(const dmasim_dram *dram);

/* ---- Command trace ------------------------------------------------------------------------ */

typedef enum dmasim_dram_cmd {
    DMASIM_DRAM_ACT = 0, DMASIM_DRAM_PRE, DMASIM_DRAM_PREA, DMASIM_DRAM_RD, DMASIM_DRAM_RDA,
    DMASIM_DRAM_WR, DMASIM_DRAM_WRA, DMASIM_DRAM_REF
} dmasim_dram_cmd;

/* "ACT", "PRE", "PREA", "RD", "RDA", "WR", "WRA", "REF" (NULL for other values). */
DMASIM_API const char *dmasim_dram_cmd_name(dmasim_dram_cmd cmd);

typedef struct dmasim_dram_command {
    uint64_t cycle;      /* DRAM cycle the command is issued at */
    dmasim_dram_cmd cmd;
    uint32_t channel, rank;
    uint32_t bankgroup, bank, row, column; /* meaningful for the commands that address them */
    uint64_t request;    /* id of the request served (standalone), UINT64_MAX for PREA/REF
                          * and on the bus path */
} dmasim_dram_command;

typedef void (*dmasim_dram_cmd_fn)(void *ud, const dmasim_dram_command *cmd);

/* Observe every command issued (in issue order per channel). fn NULL stops. Predictions made
 * for the bus (commit == 0) issue nothing and are not traced. */
DMASIM_API void dmasim_dram_on_command(dmasim_dram *dram, dmasim_dram_cmd_fn fn, void *ud);

/* ---- Statistics --------------------------------------------------------------------------- */

typedef struct dmasim_dram_stats {
    uint64_t reads, writes;           /* requests (bursts) completed */
    uint64_t row_hits, row_misses, row_conflicts;
    uint64_t activates, precharges, refreshes; /* precharges include PREA and auto-precharge */
    uint64_t read_latency_max;        /* DRAM cycles */
    double read_latency_avg, write_latency_avg;
    uint64_t bytes;                   /* bytes of all completed bursts */
    uint64_t cycles;                  /* elapsed DRAM cycles: standalone, the last completion;
                                       * on the bus, the simulation's time */
    double bandwidth_gbs, peak_bandwidth_gbs, bandwidth_pct; /* 1e9 bytes per second */
    const uint64_t *hist;             /* read-latency histogram, hist_bins entries */
    uint32_t hist_bins, hist_bin_cycles;
} dmasim_dram_stats;

/* Fill *out (brought up to date). The histogram pointer stays valid while the DRAM exists. */
DMASIM_API void dmasim_dram_get_stats(dmasim_dram *dram, dmasim_dram_stats *out);

/* The configuration the DRAM was created with (name, mapping and source strings copied). */
DMASIM_API const dmasim_dram_config *dmasim_dram_get_config(const dmasim_dram *dram);

#ifdef __cplusplus
}
#endif
#endif

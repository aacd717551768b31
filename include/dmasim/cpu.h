/* The CPU: a workload engine with a D1 data cache (not an ISA simulator).
 *
 * The CPU clock is an integer multiple (`clock_ratio`) of the bus clock, so its period is
 * bus period / clock_ratio (which must divide exactly). Between bus accesses the CPU only
 * accumulates its own cycles; it uses the bus for line fills, dirty write-backs and uncached
 * accesses (device registers), and stalls until each completes. Every stalled cycle is
 * attributed to the master that held the bus while the CPU waited, or to the CPU itself (its
 * own transactions, arbitration and edge alignment): stats "<cpu>.stall_cycles_by.<master>".
 *
 * Workloads (one per CPU):
 *   - trace: replay of a Valgrind Lackey trace (plain or gzip), `I` lines cost `cpi` cycles,
 *     L/S/M go through the D1 cache (timing only: a trace has no data values). Trace addresses
 *     are virtual; the physical address is base + (addr & mask).
 *   - script: a list of operations (compute, load, store, program a DMA channel through its
 *     registers, wait for a DMA interrupt).
 *   - synthetic: random loads and stores over a working set, from the simulation's seed.
 */
#ifndef DMASIM_CPU_H
#define DMASIM_CPU_H

#include "dmasim/bus.h"
#include "dmasim/cache.h"
#include "dmasim/iommu.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_cpu dmasim_cpu;

typedef struct dmasim_cpu_config {
    const char *name;        /* default "cpu0" */
    uint32_t clock_ratio;    /* CPU cycles per bus cycle, 1..1024; default 4 */
    unsigned bus_priority;   /* default 1 (below a DMAC at 0) */
    int dcache_enabled;      /* default 1; 0: every access is an uncached bus access */
    dmasim_cache_config dcache; /* the D1 (cache.h); at least two lines: size >= 2 * line */
    uint32_t snoop_cycles;   /* bus cycles a coherent (snoop) transaction of another master costs
                                for the D1's snoop response, 0..1024; default 2 */
    uint32_t maintenance_cycles; /* CPU cycles per line of a clean/invalidate/flush, 0..1000; default 2 */
    uint32_t max_stale_reports;  /* coherence problems kept as reports (all are counted); default 16 */
    uint32_t iommu_op_cycles;    /* CPU cycles of an IOMMU map/unmap/invalidate op, 0..100000; default 100 */
    /* Interrupt cost in CPU cycles, charged when DMA_WAIT takes the interrupt: from the line's
     * rise to the handler's first instruction (latency: pipeline drain, vectoring), and the
     * handler's own work besides its register accesses (which are bus transactions). Defaults 0
     * (an ideal interrupt: only the handler's bus accesses cost); set them from your platform
     * (tens and hundreds of cycles on a small embedded core). 0..100000. */
    uint32_t irq_latency_cycles;
    uint32_t irq_handler_cycles;
    uint32_t poll_interval_cycles;  /* DMA_POLL: compute between two status reads, 0..100000; default 20 */
    uint32_t pio_cycles_per_word;   /* COPY: loop overhead per 8 bytes, 0..1000; default 2 */
} dmasim_cpu_config;

DMASIM_API void dmasim_cpu_config_init(dmasim_cpu_config *cfg);

/* Create a CPU on a bus. Returns 0 and *out, DMASIM_EINVAL/ERANGE (detail in errmsg; e.g. the
 * bus period not divisible by clock_ratio) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_cpu_create(dmasim_bus *bus, const dmasim_cpu_config *cfg, dmasim_cpu **out);

/* ---- Workloads: set one, then it starts at the current time ----------------------------- */

typedef struct dmasim_trace_config {
    const char *path;        /* Lackey trace, plain or gzip (detected by content) */
    uint32_t cpi;            /* CPU cycles per `I` line, 0..1000; default 1 */
    dmasim_addr base;        /* physical = base + (virtual & mask); default 0 */
    uint64_t mask;           /* default 0x3FFFFFFF (1 GiB, the default memory) */
    uint64_t max_lines;      /* stop after this many lines (0 = whole trace); default 0 */
} dmasim_trace_config;

DMASIM_API void dmasim_trace_config_init(dmasim_trace_config *cfg);

/* Open the trace and start replaying it now. Returns 0, DMASIM_ENOENT (cannot open; detail
 * names the file), DMASIM_EFORMAT (not a trace) or DMASIM_ESTATE (a workload is set). A
 * malformed line or truncated gzip found during the run stops the simulation with
 * DMASIM_EFORMAT and "file:line: ..." in dmasim_sim_errmsg(). */
DMASIM_API int dmasim_cpu_run_trace(dmasim_cpu *cpu, const dmasim_trace_config *cfg);

typedef enum dmasim_cpu_op_kind {
    DMASIM_OP_COMPUTE = 0,   /* a = CPU cycles */
    DMASIM_OP_LOAD = 1,      /* a = address, b = size (1,2,4,8) */
    DMASIM_OP_STORE = 2,     /* a = address, b = size (1,2,4,8), c = value (little-endian) */
    DMASIM_OP_DMA_START = 3, /* program channel `channel` of the DMAC at a = register base:
                                src = b, dst = c, count = d items of item_size bytes, mode;
                                six 32-bit register writes, the last one starts it */
    DMASIM_OP_DMA_WAIT = 4,  /* wait for the DMAC interrupt line (set with
                                dmasim_cpu_set_irq), then read the channel's STATUS register
                                at a = register base and write it back to clear TC. The line is
                                shared: with several channels, wait in completion order */
    /* Cache maintenance of [a, a + b): a and b must be multiples of the line size and b > 0
     * (the Linux DMA API requires cache-line-aligned buffers for non-coherent DMA). Each line
     * costs maintenance_cycles; a dirty line cleaned is written back over the bus. */
    DMASIM_OP_CACHE_CLEAN = 5,
    DMASIM_OP_CACHE_INVALIDATE = 6,
    DMASIM_OP_CACHE_FLUSH = 7,
    /* The Linux streaming DMA API on [a, a + b) for direction c (dmasim_dma_dir), as 32-bit ARM
     * and older arm64 kernels implement it (__dma_map_area): map and sync_for_device clean
     * (TO_DEVICE, BIDIRECTIONAL) or invalidate (FROM_DEVICE); unmap and sync_for_cpu invalidate
     * unless TO_DEVICE (then nothing). Current arm64 cleans on map in every direction, which
     * costs write-backs of dirty lines but gives the same bytes. */
    DMASIM_OP_DMA_MAP = 8,
    DMASIM_OP_DMA_UNMAP = 9,
    DMASIM_OP_DMA_SYNC_FOR_CPU = 10,
    DMASIM_OP_DMA_SYNC_FOR_DEVICE = 11,
    /* Read b bytes from a (loads of 8 bytes, or fewer at the end); the bytes loaded are appended
     * to the CPU's capture buffer (dmasim_cpu_captured) so tests see what the CPU saw. */
    DMASIM_OP_READ_BUFFER = 12,
    /* What a driver does with the IOMMU set by dmasim_cpu_set_iommu (iommu.h), each costing
     * iommu_op_cycles and taking effect at the CPU's time after them: map [a, a + c) of IOVA
     * space to physical b in `domain` with permissions d (DMASIM_IOMMU_READ | _WRITE) and
     * page_size (0: 4 KiB); unmap [a, a + c) (page tables only: the IOTLB keeps its entries);
     * invalidate the IOTLB for [a, a + c) of `domain` (c = 0: the whole domain). A failing
     * map/unmap (overlap, misalignment) stops the simulation with its error. */
    DMASIM_OP_IOMMU_MAP = 13,
    DMASIM_OP_IOMMU_UNMAP = 14,
    DMASIM_OP_IOMMU_INVALIDATE = 15,
    /* Poll channel `channel`'s STATUS register (DMAC registers at a) until TC or ERR: an uncached
     * read, then poll_interval_cycles of compute, repeated; then write the bits back to clear
     * them. The alternative to DMA_WAIT's interrupt. */
    DMASIM_OP_DMA_POLL = 16,
    /* Programmed I/O: copy c bytes (a multiple of 8) from a to b with 8-byte loads and stores
     * through the D1, plus pio_cycles_per_word of loop overhead per 8 bytes. */
    DMASIM_OP_COPY = 17
} dmasim_cpu_op_kind;

typedef enum dmasim_dma_dir {
    DMASIM_DMA_TO_DEVICE = 0,
    DMASIM_DMA_FROM_DEVICE = 1,
    DMASIM_DMA_BIDIRECTIONAL = 2
} dmasim_dma_dir;

typedef struct dmasim_cpu_op {
    dmasim_cpu_op_kind kind;
    uint64_t a, b, c, d;
    uint32_t channel;
    uint32_t item_size;
    uint32_t mode;       /* dmasim_dma_mode */
    uint32_t coherence;  /* DMA_START: dmasim_dma_coherence */
    uint32_t domain;     /* IOMMU ops */
    uint64_t page_size;  /* IOMMU_MAP: DMASIM_IOMMU_PAGE_4K (0 means 4 KiB) or _2M */
} dmasim_cpu_op;

/* Copy a script of n operations and start it now. Returns 0, DMASIM_EINVAL (detail names the
 * first bad op), DMASIM_ESTATE or DMASIM_ENOMEM. */
DMASIM_API int dmasim_cpu_run_script(dmasim_cpu *cpu, const dmasim_cpu_op *ops, size_t n);

typedef struct dmasim_synthetic_config {
    uint64_t accesses;       /* number of data accesses; default 100000 */
    dmasim_addr base;        /* working set start; default 0 */
    uint64_t working_set;    /* bytes, >= 8; default 1 MiB */
    uint32_t read_percent;   /* 0..100; default 70 */
    uint32_t compute_cycles; /* CPU cycles between accesses; default 4 */
    uint32_t size;           /* bytes per access (1,2,4,8), aligned; default 8 */
} dmasim_synthetic_config;

DMASIM_API void dmasim_synthetic_config_init(dmasim_synthetic_config *cfg);
/* Start the synthetic workload now. Returns 0, DMASIM_ERANGE (a parameter out of the ranges
 * above, detail in errmsg), DMASIM_ESTATE (a workload is already set) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_cpu_run_synthetic(dmasim_cpu *cpu, const dmasim_synthetic_config *cfg);

/* Make [base, base + size) uncached for this CPU (the dma_alloc_coherent way): scripted and
 * synthetic accesses there bypass the D1 and go to the bus. Returns 0, EINVAL (size 0, overlap
 * with another uncached range) or ENOMEM. */
DMASIM_API int dmasim_cpu_add_uncached(dmasim_cpu *cpu, dmasim_addr base, uint64_t size);

/* The IOMMU the IOMMU_* script ops program (NULL: none; those ops are then errors). Returns 0. */
DMASIM_API int dmasim_cpu_set_iommu(dmasim_cpu *cpu, dmasim_iommu *mmu);

/* Bytes loaded by READ_BUFFER operations so far, in order (*len set; NULL if none). */
DMASIM_API const uint8_t *dmasim_cpu_captured(const dmasim_cpu *cpu, size_t *len);

/* The interrupt line DMA_WAIT waits on (level, active high; NULL: none). Returns 0 or
 * DMASIM_ENOMEM. */
DMASIM_API int dmasim_cpu_set_irq(dmasim_cpu *cpu, dmasim_signal *irq);

/* Non-zero once the workload has finished. */
DMASIM_API int dmasim_cpu_finished(const dmasim_cpu *cpu);

/* The CPU's cache (NULL if disabled) and cycle counters (CPU clock). cycles: from workload start
 * to its end (or to now while running). */
DMASIM_API dmasim_cache *dmasim_cpu_dcache(dmasim_cpu *cpu);
DMASIM_API uint64_t dmasim_cpu_cycles(const dmasim_cpu *cpu);
DMASIM_API uint64_t dmasim_cpu_stall_cycles(const dmasim_cpu *cpu);
/* Stall cycles (CPU clock) spent waiting while bus master `master` held the bus. */
DMASIM_API uint64_t dmasim_cpu_stall_cycles_by(const dmasim_cpu *cpu, int master);
DMASIM_API int dmasim_cpu_bus_master(const dmasim_cpu *cpu);
/* Value of the last scripted or synthetic load (little-endian, zero-extended). */
DMASIM_API uint64_t dmasim_cpu_last_load(const dmasim_cpu *cpu);

#ifdef __cplusplus
}
#endif
#endif

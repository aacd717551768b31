/* The IOMMU: device addresses (IOVA) translated to physical addresses through page tables that
 * live in simulated physical memory.
 *
 * Concept. A device id selects a domain (dmasim_iommu_attach); a domain has a root table. A
 * translation first looks in the IOTLB (set-associative, true LRU, tagged by domain); on a miss
 * the page tables are walked: a series of 8-byte PTE reads, one per level. The IOMMU never
 * touches the bus: the DMA master that owns the translation does each PTE read as a real bus
 * transaction (so a walk costs bus cycles, on both simulation paths alike) and hands the value
 * back. Per access the master does:
 *
 *     r = dmasim_iommu_translate(mmu, device, iova, is_write, &w);
 *     while (r == DMASIM_IOMMU_WALK) {        // read 8 bytes at w.pte_addr over the bus
 *         uint64_t pte = <the 8 bytes, little-endian>;
 *         r = dmasim_iommu_walk_step(mmu, &w, pte);
 *     }
 *     r == DMASIM_IOMMU_HIT: access w.phys;   r == DMASIM_EFAULT: stop, w.fault says why.
 *
 * An IOTLB lookup takes no time; only the PTE reads cost cycles (the master's bus transactions).
 *
 * PTE format (64 bits, little-endian in memory; docs/iommu.md has the full table):
 *   bit 0      P     present; 0: every other bit is ignored (not-present fault)
 *   bit 1      R     readable
 *   bit 2      W     writable
 *   bits 6:3   -     ignored (available to software)
 *   bit 7      LEAF  at level 2: this PTE maps a 2 MiB page; at level 1: ignored (every present
 *                    level-1 PTE maps a 4 KiB page); at levels 3 and 4: must be 0 (bad-PTE fault)
 *   bits 11:8  -     ignored
 *   bits 51:12 ADDR  physical address of the next table (4 KiB aligned) or of the page (a 2 MiB
 *                    page must have bits 20:12 zero: bad-PTE fault otherwise)
 *   bits 63:52 -     ignored
 * Levels: `levels` (3 or 4) tables of 512 PTEs (4 KiB) each. The PTE of level L for an IOVA is
 * at table + 8 * ((iova >> (12 + 9 * (L - 1))) & 511); level `levels` is the root table.
 * 4 levels cover a 48-bit IOVA, 3 levels a 39-bit one.
 * Permissions are the AND along the path: an access needs R (read) or W (write) in every PTE
 * of its walk. dmasim_iommu_map() writes table pointers with R and W set, so its leaves decide.
 *
 * Faults return DMASIM_EFAULT and fill w.fault; each is appended to the IOMMU's fault log (the
 * first max_records kept, all counted) and raises the error interrupt "<name>.irq" (level,
 * active high) until dmasim_iommu_fault_clear(). A walk whose next PTE lies outside the
 * memory range of the config (mem_base, mem_size) stops with a walk-error fault before the
 * master reads it; that rule needs no bus, so both paths agree.
 *
 * Invalidation: dmasim_iommu_unmap() clears PTEs in memory and does not touch the IOTLB (like
 * real hardware); dmasim_iommu_invalidate() drops IOTLB entries. Every IOTLB hit is checked,
 * functionally and in zero time, against the page tables in memory; a hit whose entry no
 * longer matches them is a stale-IOTLB use (the use-after-unmap hazard): it is counted and the
 * first max_records are recorded, and the access still uses the stale entry, as hardware would.
 *
 * Ownership: the IOMMU belongs to its simulation (destroyed with it). A dmasim_iommu_walk is
 * owned by the master (one per outstanding translation, e.g. one per DMA channel).
 */
#ifndef DMASIM_IOMMU_H
#define DMASIM_IOMMU_H

#include "dmasim/sim.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Faults return DMASIM_EFAULT ("translation fault", error.h). */

typedef struct dmasim_iommu dmasim_iommu;

/* Results of translate/walk_step besides the negative codes. */
enum {
    DMASIM_IOMMU_HIT = 0, /* translation done: w->phys is the physical address */
    DMASIM_IOMMU_WALK = 1 /* read the 8-byte PTE at w->pte_addr, then call walk_step */
};

/* PTE fields. */
#define DMASIM_IOMMU_PTE_P (1ull << 0)
#define DMASIM_IOMMU_PTE_R (1ull << 1)
#define DMASIM_IOMMU_PTE_W (1ull << 2)
#define DMASIM_IOMMU_PTE_LEAF (1ull << 7)
#define DMASIM_IOMMU_PTE_ADDR 0x000FFFFFFFFFF000ull /* bits 51:12 */

/* Access permissions of a mapping (PTE bits 2:1 shifted down by one). */
enum { DMASIM_IOMMU_READ = 1, DMASIM_IOMMU_WRITE = 2 };

/* Page sizes (bytes). */
#define DMASIM_IOMMU_PAGE_4K 0x1000ull
#define DMASIM_IOMMU_PAGE_2M 0x200000ull

/* Domain id meaning "none" (dmasim_iommu_attach: detach). Any other uint32_t is a domain id. */
#define DMASIM_IOMMU_NO_DOMAIN UINT32_MAX

typedef enum dmasim_iommu_fault_kind {
    DMASIM_IOMMU_FAULT_NONE = 0,
    DMASIM_IOMMU_FAULT_NOT_PRESENT = 1,  /* a PTE with P = 0, or a domain without a root table */
    DMASIM_IOMMU_FAULT_PERMISSION = 2,   /* R (read) or W (write) missing along the path */
    DMASIM_IOMMU_FAULT_WALK_ERROR = 3,   /* next PTE outside [mem_base, mem_base + mem_size), or
                                            the master's PTE read failed (walk_abort) */
    DMASIM_IOMMU_FAULT_CYCLE = 4,        /* next table already used earlier in this walk */
    DMASIM_IOMMU_FAULT_NO_DOMAIN = 5,    /* device not attached (and passthrough is off) */
    DMASIM_IOMMU_FAULT_ADDRESS_SIZE = 6, /* IOVA >= 2^(12 + 9 * levels) */
    DMASIM_IOMMU_FAULT_BAD_PTE = 7       /* LEAF at level 3/4, or a 2 MiB leaf not 2 MiB aligned */
} dmasim_iommu_fault_kind;

/* "not_present", "permission", "walk_error", "cycle", "no_domain", "address_size", "bad_pte",
 * "none"; NULL for an unknown value. */
DMASIM_API const char *dmasim_iommu_fault_kind_name(dmasim_iommu_fault_kind kind);

/* One fault (in a walk's result and in the fault log). */
typedef struct dmasim_iommu_fault {
    dmasim_iommu_fault_kind kind;
    uint32_t device;
    uint32_t domain;      /* DMASIM_IOMMU_NO_DOMAIN for a no-domain fault */
    dmasim_addr iova;
    int is_write;         /* 0 read, 1 write */
    /* The PTE at which the walk stopped: the one read (not present, permission: the leaf,
     * bad PTE), or the one it refused to read (walk error, cycle). level 0 and pte_addr 0:
     * no PTE involved (no domain, address size, domain without root table). */
    unsigned level;
    dmasim_addr pte_addr;
    dmasim_time time;     /* ps: dmasim_sim_now(), or the t of the *_at call */
} dmasim_iommu_fault;

/* One stale-IOTLB use: an IOTLB hit whose entry no longer matched the page tables. */
typedef struct dmasim_iommu_stale_use {
    dmasim_time time;     /* ps */
    uint32_t device;
    uint32_t domain;
    dmasim_addr iova;
    int is_write;
    dmasim_addr phys;     /* the (stale) physical address the access used */
} dmasim_iommu_stale_use;

/* The state of one translation, owned by the master. Fill nothing: translate() initialises it. */
typedef struct dmasim_iommu_walk {
    /* results, valid after the call that returned them */
    dmasim_addr phys;         /* HIT: physical address of iova */
    uint64_t page_size;       /* HIT: 4 KiB or 2 MiB; 0 for passthrough */
    dmasim_addr pte_addr;     /* WALK: the PTE to read next (8 bytes, 8-aligned) */
    unsigned level;           /* WALK: its level (levels .. 1) */
    unsigned reads;           /* PTE reads delivered in this walk so far */
    dmasim_iommu_fault fault; /* DMASIM_EFAULT: what and where */
    /* private to the IOMMU */
    struct {
        uint32_t device, domain;
        dmasim_addr iova;
        int is_write;
        int walking;
        unsigned perms;        /* AND of R/W along the path */
        unsigned ntables;
        dmasim_addr tables[4]; /* tables entered in this walk (cycle check) */
    } priv;
} dmasim_iommu_walk;

typedef struct dmasim_iommu_config {
    const char *name;         /* statistics and signal prefix; default "iommu0" */
    unsigned levels;          /* 3 (39-bit IOVA) or 4 (48-bit IOVA); default 4 */
    uint32_t iotlb_entries;   /* 0 (no IOTLB: every access walks) .. 65536; default 64 */
    uint32_t iotlb_ways;      /* 1 (direct mapped) .. iotlb_entries (fully associative); entries
                                 / ways must be a power of two; default 4 */
    dmasim_addr mem_base;     /* physical range page tables may live in; default 0 */
    uint64_t mem_size;        /* bytes, >= 4096; default 1 GiB (the default SRAM) */
    dmasim_addr table_base;   /* region dmasim_iommu_map() takes table pages from (bump
                                 allocator, 4 KiB each), 4 KiB aligned, inside the memory
                                 range; default 0x3FF00000 (the last MiB of the default) */
    uint64_t table_size;      /* bytes, a multiple of 4096 (0: map() cannot allocate); default 1 MiB */
    uint32_t max_records;     /* fault and stale-use records kept (each), 0..1048576; default 16 */
    int passthrough;          /* a device with no domain: 0 fault (NO_DOMAIN), 1 its IOVA is the
                                 physical address (no IOTLB, no walk); default 0 */
} dmasim_iommu_config;

DMASIM_API void dmasim_iommu_config_init(dmasim_iommu_config *cfg);

/* Create an IOMMU in sim (owned by it). cfg may be NULL for the defaults. Registers its
 * statistics and creates the signal "<name>.irq". Allocates everything it will ever need here
 * (IOTLB, record logs), so translations never allocate. Returns 0 and *out,
 * DMASIM_EINVAL/DMASIM_ERANGE (bad config, or name already used; detail in dmasim_sim_errmsg)
 * or DMASIM_ENOMEM. */
DMASIM_API int dmasim_iommu_create(dmasim_sim *sim, const dmasim_iommu_config *cfg, dmasim_iommu **out);

DMASIM_API const char *dmasim_iommu_name(const dmasim_iommu *mmu);

/* ---- Domains ----------------------------------------------------------------------------- */

/* Make `device` use `domain` (created if new); DMASIM_IOMMU_NO_DOMAIN detaches it. Takes effect
 * for the next translate(); it does not touch the IOTLB. Returns 0 or DMASIM_ENOMEM. */
DMASIM_API int dmasim_iommu_attach(dmasim_iommu *mmu, uint32_t device, uint32_t domain);

/* The domain of a device, or DMASIM_IOMMU_NO_DOMAIN. */
DMASIM_API uint32_t dmasim_iommu_device_domain(const dmasim_iommu *mmu, uint32_t device);

/* Root table of a domain. map() allocates it from the table region on first use; set_root
 * points the domain at a table built by other means (a test bench, a hand-made table). Like a
 * context-entry change on hardware it does not touch the IOTLB. root must be 4 KiB aligned
 * (else DMASIM_EINVAL); domain_root returns DMASIM_ENOENT while the domain has no root. */
DMASIM_API int dmasim_iommu_domain_set_root(dmasim_iommu *mmu, uint32_t domain, dmasim_addr root);
DMASIM_API int dmasim_iommu_domain_root(const dmasim_iommu *mmu, uint32_t domain, dmasim_addr *root);

/* ---- Software side (what a driver does; zero simulated time) ----------------------------- */

/* Map [iova, iova + size) to [phys, phys + size) in `domain` with perms (DMASIM_IOMMU_READ |
 * DMASIM_IOMMU_WRITE; 0 maps pages every access faults on) using pages of page_size
 * (DMASIM_IOMMU_PAGE_4K or _2M). Writes the PTEs, and new tables taken from the table region,
 * in simulated memory (dmasim_mem_write). Either everything is mapped or nothing changes.
 * Returns 0, or:
 *   DMASIM_EINVAL    page_size not 4 KiB / 2 MiB, size 0, iova/phys/size not multiples of it,
 *                    perms with other bits, domain DMASIM_IOMMU_NO_DOMAIN;
 *   DMASIM_ERANGE    iova + size beyond the IOVA space, phys + size beyond 2^52;
 *   DMASIM_EOVERLAP  a page of the range is already mapped (detail names it); a 2 MiB map over a
 *                    level-1 table with no present PTE is not an overlap (the table is dropped);
 *   DMASIM_ENOMEM    the table region cannot hold the new tables (detail gives the numbers), or
 *                    the host is out of memory.
 * It does not touch the IOTLB. */
DMASIM_API int dmasim_iommu_map(dmasim_iommu *mmu, uint32_t domain, dmasim_addr iova, dmasim_addr phys,
                                uint64_t size, unsigned perms, uint64_t page_size);

/* Clear the leaf PTEs of [iova, iova + size) (4 KiB aligned, size > 0) in memory; pages not
 * mapped are skipped; tables are kept (the bump allocator never frees). The IOTLB is NOT
 * touched: call dmasim_iommu_invalidate() next. Returns 0, DMASIM_EINVAL (alignment, or the
 * range covers only part of a 2 MiB page: nothing changes then), DMASIM_ERANGE or DMASIM_ENOMEM. */
DMASIM_API int dmasim_iommu_unmap(dmasim_iommu *mmu, uint32_t domain, dmasim_addr iova, uint64_t size);

/* Drop the IOTLB entries of `domain` whose page overlaps [iova, iova + size); size 0 drops every
 * entry of the domain. Counted in "<name>.invalidations" (one per call). Returns 0. */
DMASIM_API int dmasim_iommu_invalidate(dmasim_iommu *mmu, uint32_t domain, dmasim_addr iova, uint64_t size);

/* Functional translation through the page tables in memory (zero time, no IOTLB, no statistics,
 * no fault log): what a walk would give now. Returns 0 and *phys, *perms, *page_size (each may be
 * NULL), or DMASIM_ENOENT (the walk would fault; *kind, if not NULL, says how). */
DMASIM_API int dmasim_iommu_lookup(dmasim_iommu *mmu, uint32_t domain, dmasim_addr iova, dmasim_addr *phys,
                                   unsigned *perms, uint64_t *page_size, dmasim_iommu_fault_kind *kind);

/* ---- Hardware side (what the DMA master drives) ------------------------------------------ */

/* Start the translation of one access of `device` at `iova` (is_write: 0 read, non-zero write).
 * Returns DMASIM_IOMMU_HIT (IOTLB hit, or passthrough: w->phys set), DMASIM_IOMMU_WALK (IOTLB
 * miss: read the PTE at w->pte_addr and call walk_step) or DMASIM_EFAULT (w->fault set, logged,
 * IRQ raised: no domain, address size, permission on an IOTLB hit, domain without root, root
 * outside memory). A hit whose entry is stale is counted and recorded, and still returns HIT.
 * The access happens at dmasim_sim_now(). */
DMASIM_API int dmasim_iommu_translate(dmasim_iommu *mmu, uint32_t device, dmasim_addr iova, int is_write,
                                      dmasim_iommu_walk *w);

/* Give the walk the 8-byte value the master read at w->pte_addr. Returns DMASIM_IOMMU_HIT
 * (translation done, IOTLB filled, w->phys set), DMASIM_IOMMU_WALK (read the next level at the
 * new w->pte_addr), DMASIM_EFAULT (w->fault set, logged, IRQ raised), or DMASIM_ESTATE (w is
 * not in a walk). */
DMASIM_API int dmasim_iommu_walk_step(dmasim_iommu *mmu, dmasim_iommu_walk *w, uint64_t pte);

/* The master's read of w->pte_addr failed on the bus (bus error, unmapped): end the walk with a
 * walk-error fault at that PTE. Counts the read. Returns DMASIM_EFAULT, or DMASIM_ESTATE. */
DMASIM_API int dmasim_iommu_walk_abort(dmasim_iommu *mmu, dmasim_iommu_walk *w);

/* The same three at an explicit time t (ps; taken as now if earlier; same returns): the time of
 * the access or of the PTE read's completion. A master that runs ahead of now (the fast path doing
 * dmasim_bus_access at the bus cursor) passes its cursor, so fault and stale-use records and
 * the IRQ edge are the same as on the reference path; the IRQ then rises by an event at t. */
DMASIM_API int dmasim_iommu_translate_at(dmasim_iommu *mmu, uint32_t device, dmasim_addr iova, int is_write,
                                         dmasim_time t, dmasim_iommu_walk *w);
DMASIM_API int dmasim_iommu_walk_step_at(dmasim_iommu *mmu, dmasim_iommu_walk *w, uint64_t pte, dmasim_time t);
DMASIM_API int dmasim_iommu_walk_abort_at(dmasim_iommu *mmu, dmasim_iommu_walk *w, dmasim_time t);

/* ---- Faults, stale uses, statistics ------------------------------------------------------ */

/* The error interrupt line "<name>.irq" (level, active high): rises on every fault. */
DMASIM_API dmasim_signal *dmasim_iommu_irq(const dmasim_iommu *mmu);

/* Lower the interrupt line now (software has read the log). The log is kept. A fault recorded
 * at a time after now (master running ahead) still raises the line at its time. */
DMASIM_API void dmasim_iommu_fault_clear(dmasim_iommu *mmu);

/* Faults so far (all counted), and the i-th recorded one (i < min(count, max_records); else NULL). */
DMASIM_API uint64_t dmasim_iommu_fault_count(const dmasim_iommu *mmu);
DMASIM_API const dmasim_iommu_fault *dmasim_iommu_fault_at(const dmasim_iommu *mmu, size_t i);

/* Stale-IOTLB uses so far, and the i-th recorded one (as above). */
DMASIM_API uint64_t dmasim_iommu_stale_count(const dmasim_iommu *mmu);
DMASIM_API const dmasim_iommu_stale_use *dmasim_iommu_stale_at(const dmasim_iommu *mmu, size_t i);

/* Counters, also registered as "<name>.<field>" statistics. */
typedef struct dmasim_iommu_stats {
    uint64_t iotlb_hits;       /* translations answered by the IOTLB */
    uint64_t iotlb_misses;     /* translations that needed a walk */
    uint64_t iotlb_evictions;  /* valid entries replaced (LRU) by a fill */
    uint64_t walks;            /* page-table walks started (a domain without root starts none) */
    uint64_t walk_reads;       /* PTE reads the master performed for walks */
    uint64_t faults;           /* translation faults of every kind */
    uint64_t stale_iotlb_uses; /* IOTLB hits that no longer matched the page tables */
    uint64_t invalidations;    /* dmasim_iommu_invalidate() calls */
    uint64_t passthrough;      /* accesses of unattached devices passed through */
} dmasim_iommu_stats;

DMASIM_API void dmasim_iommu_get_stats(const dmasim_iommu *mmu, dmasim_iommu_stats *out);

/* Tables handed out from the table region so far (4 KiB each). */
DMASIM_API uint64_t dmasim_iommu_tables_used(const dmasim_iommu *mmu);

/* ---- PTE helpers ------------------------------------------------------------------------- */

/* A PTE from/to its 8 bytes in memory (little-endian). */
static inline uint64_t dmasim_iommu_pte_load(const void *bytes)
{
    const uint8_t *b = (const uint8_t *)bytes;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static inline void dmasim_iommu_pte_store(void *bytes, uint64_t pte)
{
    uint8_t *b = (uint8_t *)bytes;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(pte >> (8 * i));
}

#ifdef __cplusplus
}
#endif
#endif

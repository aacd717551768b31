/* The DMA controller (DMAC): one bus master with N channels.
 *
 * A channel copies `count` items of `item_size` bytes from `src` to `dst` (memory to memory).
 * A DMA unit is one item: a read transaction into the DMAC's data register, then a write
 * transaction from it. The modes (docs/timing.md gives the exact cycle rules and diagrams):
 *
 *   burst           request once, keep the bus until the block (or max_burst units) is done;
 *   cycle stealing  request for one unit, release with yield (a CPU request that is waiting is
 *                   served before the next unit), request again;
 *   transparent     start a unit only when the bus is free and no other master will request it
 *                   before the unit ends (bus lookahead), so other masters never wait for it.
 *
 * Channel priority is fixed: the lowest-numbered active channel is served first. At the end
 * of a channel (terminal count) its TC status bit is set and, if its interrupt is enabled, the
 * controller's interrupt line ("<dmac>.irq", level) goes high until software clears every TC
 * bit that asked for it. A transaction that fails (unmapped address, slave error) stops the
 * channel with its ERR bit set and raises the interrupt; the rest of the simulation goes on.
 *
 * Register file (memory mapped at reg_base, 32-bit registers, 0x20 bytes per channel; writes of
 * other sizes are bus errors; docs/dmac.md has the full map):
 *   +0x00 SRC_LO  +0x04 SRC_HI  +0x08 DST_LO  +0x0C DST_HI  +0x10 COUNT (items)
 *   +0x14 CTRL: bit 0 START (write 1 starts), bits 2:1 MODE, bit 3 IRQ_EN, bits 7:4 log2(item),
 *         bits 9:8 COHERENCE (0 none, 1 snoop, 2 snoop-update)
 *   +0x18 STATUS: bit 0 BUSY (read only), bit 1 TC (write 1 to clear), bit 2 ERR (write 1 to clear)
 */
#ifndef DMASIM_DMAC_H
#define DMASIM_DMAC_H

#include "dmasim/bus.h"
#include "dmasim/iommu.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_dmac dmasim_dmac;

typedef enum dmasim_dma_mode {
    DMASIM_DMA_BURST = 0,
    DMASIM_DMA_CYCLE_STEALING = 1,
    DMASIM_DMA_TRANSPARENT = 2
} dmasim_dma_mode;

/* "burst", "cycle_stealing", "transparent" (NULL for an unknown value). */
DMASIM_API const char *dmasim_dma_mode_name(dmasim_dma_mode mode);

/* Register offsets and fields. */
enum {
    DMASIM_DMAC_CH_STRIDE = 0x20,
    DMASIM_DMAC_SRC_LO = 0x00, DMASIM_DMAC_SRC_HI = 0x04,
    DMASIM_DMAC_DST_LO = 0x08, DMASIM_DMAC_DST_HI = 0x0C,
    DMASIM_DMAC_COUNT = 0x10, DMASIM_DMAC_CTRL = 0x14, DMASIM_DMAC_STATUS = 0x18,
    DMASIM_DMAC_CTRL_START = 1u << 0,
    DMASIM_DMAC_CTRL_MODE_SHIFT = 1,
    DMASIM_DMAC_CTRL_IRQ_EN = 1u << 3,
    DMASIM_DMAC_CTRL_SIZE_SHIFT = 4,
    DMASIM_DMAC_CTRL_COHERENCE_SHIFT = 8,
    DMASIM_DMAC_STATUS_BUSY = 1u << 0,
    DMASIM_DMAC_STATUS_TC = 1u << 1,
    DMASIM_DMAC_STATUS_ERR = 1u << 2
};

typedef struct dmasim_dmac_config {
    const char *name;          /* default "dmac0" */
    uint32_t channels;         /* 1..32; default 4 */
    unsigned bus_priority;     /* default 0 (highest) */
    dmasim_addr reg_base;      /* register file on the bus; default 0xF0000000 */
    uint32_t reg_wait_states;  /* wait states of a register access; default 1 */
    uint32_t max_burst;        /* burst mode: units per bus tenure, 0 = unlimited; default 0 */
} dmasim_dmac_config;

DMASIM_API void dmasim_dmac_config_init(dmasim_dmac_config *cfg);

/* Create a DMAC: a bus master, plus its register file mapped at reg_base. Returns 0 and *out,
 * DMASIM_EINVAL/ERANGE/EOVERLAP (detail in errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_dmac_create(dmasim_bus *bus, const dmasim_dmac_config *cfg, dmasim_dmac **out);

/* Coherence of a channel's transactions with the CPU's cache (docs/coherence.md):
 * NONE: memory only, the cache is not told (stale data is detected and reported);
 * SNOOP: hardware-coherent, writes invalidate the CPU's copies, reads get its dirty bytes;
 * SNOOP_UPDATE: as SNOOP, but writes update the CPU's copies. Snoops cost the cache's
 * snoop cycles per transaction (bus clock). */
typedef enum dmasim_dma_coherence {
    DMASIM_COHERENCE_NONE = 0,
    DMASIM_COHERENCE_SNOOP = 1,
    DMASIM_COHERENCE_SNOOP_UPDATE = 2
} dmasim_dma_coherence;

typedef struct dmasim_dma_transfer {
    dmasim_addr src;      /* first source byte */
    dmasim_addr dst;      /* first destination byte */
    uint64_t count;       /* items, >= 1 */
    uint32_t item_size;   /* bytes per item: 1, 2, 4, 8, 16, 32 or 64; default 4 */
    dmasim_dma_mode mode; /* default DMASIM_DMA_BURST */
    int irq_enable;       /* raise the interrupt at terminal count; default 1 */
    dmasim_dma_coherence coherence; /* default DMASIM_COHERENCE_NONE */
} dmasim_dma_transfer;

DMASIM_API void dmasim_dma_transfer_init(dmasim_dma_transfer *t);

/* Start channel `ch` now, without register writes (as a test bench or firmware model would).
 * Returns 0, DMASIM_EINVAL/ERANGE (bad channel or transfer, detail in errmsg) or DMASIM_EBUSY
 * (channel running). Addresses are checked when the units run: an unmapped one stops the
 * channel with ERR. */
DMASIM_API int dmasim_dmac_channel_start(dmasim_dmac *dmac, unsigned ch, const dmasim_dma_transfer *t);

typedef struct dmasim_dma_channel_status {
    int busy;                 /* 1 while units remain */
    int tc;                   /* terminal count reached (not yet cleared) */
    int error;                /* stopped by an error (DMASIM_E* in err) */
    int err;
    dmasim_addr err_addr;     /* address of the failed transaction */
    uint64_t items_done;      /* items moved of the current or last transfer */
    dmasim_time start_time;   /* ps, when the channel was started */
    dmasim_time end_time;     /* ps, end of the last write (DMASIM_TIME_NEVER while busy) */
} dmasim_dma_channel_status;

DMASIM_API int dmasim_dmac_channel_status(const dmasim_dmac *dmac, unsigned ch, dmasim_dma_channel_status *out);

/* Put an IOMMU in front of the DMAC: every address of its channels is then an IOVA that
 * `mmu` translates; channel n issues requests as device `device + n` (the requester id that
 * selects the IOMMU domain). Page-table reads are the DMAC's own bus transactions (they cost
 * cycles); a translation fault stops the channel with ERR and err = DMASIM_EFAULT, err_addr the
 * IOVA, and the IOMMU logs it and raises its own interrupt. mmu NULL removes it. In transparent
 * mode the lookahead assumes a full walk per address. Returns 0, DMASIM_EBUSY (a channel
 * runs) or DMASIM_ERANGE. */
DMASIM_API int dmasim_dmac_set_iommu(dmasim_dmac *dmac, dmasim_iommu *mmu, uint32_t device);

/* The interrupt line (level, active high). */
DMASIM_API dmasim_signal *dmasim_dmac_irq(const dmasim_dmac *dmac);
DMASIM_API int dmasim_dmac_bus_master(const dmasim_dmac *dmac);
/* Non-zero while any channel is busy. */
DMASIM_API int dmasim_dmac_busy(const dmasim_dmac *dmac);

#ifdef __cplusplus
}
#endif
#endif

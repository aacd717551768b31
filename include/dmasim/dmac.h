/* The DMA controller (DMAC): one bus master with N channels.
 *
 * A channel moves `count` items of `item_size` bytes. Directions: memory to memory (a unit is a
 * read transaction into the DMAC's data register, then a write transaction from it), device to
 * memory and memory to device (fly-by: a unit is one memory transaction, the device being
 * selected by DACK; device.h). Addresses increment, decrement or stay fixed per side. The modes
 * (docs/timing.md gives the exact cycle rules and diagrams):
 *
 *   burst           request once, keep the bus until the block (or max_burst units) is done;
 *                   with a device, DREQ starts the block;
 *   cycle stealing  request for one unit, release with yield (a CPU request that is waiting is
 *                   served before the next unit), request again (with a device: while DREQ);
 *   transparent     start a unit only when the bus is free and no other master will request it
 *                   before the unit ends (bus lookahead), so other masters never wait for it;
 *   demand          like burst while the device holds DREQ; release when it drops (without a
 *                   device, like burst).
 *
 * Channel priority is fixed (the lowest-numbered ready channel first) or rotating (the channel
 * just served becomes the lowest). At terminal count (TC) the channel's TC status bit is set, its
 * TC pin pulses for one bus cycle, and, if enabled, the interrupt line ("<dmac>.irq", level) rises
 * until software clears every TC/ERR bit that asked for it; with autoinitialize the channel
 * reloads its start values and goes on, otherwise its mask bit is set (8237A behaviour). An
 * external EOP (dmasim_dmac_eop) aborts the channel in service. A transaction that fails
 * (unmapped address, slave error, IOMMU fault), a descriptor that points nowhere, a zero count or
 * a descriptor chain that loops stops the channel with its ERR bit set and raises the interrupt;
 * the rest of the simulation goes on.
 *
 * Scatter-gather: a chain of 32-byte descriptors in simulated memory (docs/dmac.md), each read
 * over the bus before its items (the fetch costs bus cycles and counts as the DMAC's own
 * transaction); per-descriptor and end-of-chain interrupts; a ring mode with an OWN bit written
 * back when a descriptor is done.
 *
 * Register file (memory mapped at reg_base, 32-bit registers, 0x40 bytes per channel, then a
 * 0x10-byte global block; docs/dmac.md has the full map with reset values and side effects).
 */
#ifndef DMASIM_DMAC_H
#define DMASIM_DMAC_H

#include "dmasim/bus.h"
#include "dmasim/device.h"
#include "dmasim/iommu.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_dmac dmasim_dmac;

typedef enum dmasim_dma_mode {
    DMASIM_DMA_BURST = 0,
    DMASIM_DMA_CYCLE_STEALING = 1,
    DMASIM_DMA_TRANSPARENT = 2,
    DMASIM_DMA_DEMAND = 3
} dmasim_dma_mode;

typedef enum dmasim_dma_direction {
    DMASIM_DMA_MEM_TO_MEM = 0,
    DMASIM_DMA_DEV_TO_MEM = 1, /* from the channel's device (device.h) to dst */
    DMASIM_DMA_MEM_TO_DEV = 2  /* from src to the channel's device */
} dmasim_dma_direction;

typedef enum dmasim_dma_step {
    DMASIM_DMA_INCREMENT = 0,
    DMASIM_DMA_DECREMENT = 1,
    DMASIM_DMA_FIXED = 2
} dmasim_dma_step;

/* "burst", "cycle_stealing", "transparent", "demand" (NULL for an unknown value). */
DMASIM_API const char *dmasim_dma_mode_name(dmasim_dma_mode mode);

/* Register offsets and fields (docs/dmac.md). */
enum {
    DMASIM_DMAC_CH_STRIDE = 0x40,
    DMASIM_DMAC_SRC_LO = 0x00, DMASIM_DMAC_SRC_HI = 0x04,
    DMASIM_DMAC_DST_LO = 0x08, DMASIM_DMAC_DST_HI = 0x0C,
    DMASIM_DMAC_COUNT = 0x10, DMASIM_DMAC_CTRL = 0x14, DMASIM_DMAC_STATUS = 0x18,
    DMASIM_DMAC_MASK = 0x1C, DMASIM_DMAC_DESC_LO = 0x20, DMASIM_DMAC_DESC_HI = 0x24,
    DMASIM_DMAC_DOORBELL = 0x28,
    DMASIM_DMAC_CTRL_START = 1u << 0,
    DMASIM_DMAC_CTRL_MODE_SHIFT = 1,
    DMASIM_DMAC_CTRL_IRQ_EN = 1u << 3,
    DMASIM_DMAC_CTRL_SIZE_SHIFT = 4,
    DMASIM_DMAC_CTRL_COHERENCE_SHIFT = 8,
    DMASIM_DMAC_CTRL_DIR_SHIFT = 10,
    DMASIM_DMAC_CTRL_SRC_STEP_SHIFT = 12,
    DMASIM_DMAC_CTRL_DST_STEP_SHIFT = 14,
    DMASIM_DMAC_CTRL_AUTOINIT = 1u << 16,
    DMASIM_DMAC_CTRL_SG = 1u << 17,
    DMASIM_DMAC_CTRL_RING = 1u << 18,
    DMASIM_DMAC_STATUS_BUSY = 1u << 0,
    DMASIM_DMAC_STATUS_TC = 1u << 1,
    DMASIM_DMAC_STATUS_ERR = 1u << 2,
    DMASIM_DMAC_STATUS_EOP = 1u << 3,   /* stopped by an external EOP */
    DMASIM_DMAC_STATUS_DESC = 1u << 4,  /* a descriptor with its IRQ flag completed (write 1 to clear) */
    DMASIM_DMAC_STATUS_WAIT = 1u << 5,  /* ring mode: waiting for a descriptor it owns (read only) */
    /* the global block, at reg_base + channels * DMASIM_DMAC_CH_STRIDE */
    DMASIM_DMAC_G_PRIORITY = 0x0,       /* bit 0: rotating priority */
    DMASIM_DMAC_G_TC_STATUS = 0x4,      /* bit n: channel n reached TC; reading clears all (8237A) */
    DMASIM_DMAC_G_REQUEST = 0x8,        /* bit n: channel n's DREQ (read only) */
    DMASIM_DMAC_GLOBAL_SIZE = 0x10
};

/* Scatter-gather descriptor: 32 bytes, little-endian, in simulated memory. */
enum {
    DMASIM_DESC_SRC = 0x00,   /* u64 */
    DMASIM_DESC_DST = 0x08,   /* u64 */
    DMASIM_DESC_COUNT = 0x10, /* u32 items (>= 1) */
    DMASIM_DESC_FLAGS = 0x14, /* u32 */
    DMASIM_DESC_NEXT = 0x18,  /* u64 address of the next descriptor */
    DMASIM_DESC_SIZE = 32,
    DMASIM_DESC_END = 1u << 0,  /* last descriptor of a chain (chain mode) */
    DMASIM_DESC_IRQ = 1u << 1   /* interrupt when this descriptor completes */
};
/* ring mode: the descriptor is owned by the DMAC; cleared (written back) when done */
#define DMASIM_DESC_OWN 0x80000000u

typedef struct dmasim_dmac_config {
    const char *name;          /* default "dmac0" */
    uint32_t channels;         /* 1..32; default 4 */
    unsigned bus_priority;     /* default 0 (highest) */
    dmasim_addr reg_base;      /* register file on the bus; default 0xF0000000 */
    uint32_t reg_wait_states;  /* wait states of a register access; default 1 */
    uint32_t max_burst;        /* burst mode: units per bus tenure, 0 = unlimited; default 0 */
    int rotating_priority;     /* 0 fixed (default), 1 rotating */
    uint32_t max_descriptors;  /* chain mode: descriptors per transfer before it is a loop; default 65536 */
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
    dmasim_dma_direction direction; /* default DMASIM_DMA_MEM_TO_MEM */
    dmasim_dma_step src_step, dst_step; /* default DMASIM_DMA_INCREMENT */
    int autoinit;         /* at TC reload src, dst, count (or the first descriptor) and go on; default 0 */
    dmasim_addr sg;       /* non-zero: the first scatter-gather descriptor (src/dst/count then come
                             from the descriptors); default 0 */
    int ring;             /* with sg: ring mode (OWN bits, written back); default 0 */
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
    int aborted;              /* stopped by an external EOP */
    int masked;               /* the mask bit */
    uint64_t descriptors;     /* descriptors completed in this transfer */
    int err;
    dmasim_addr err_addr;     /* address of the failed transaction */
    uint64_t items_done;      /* items moved of the current or last transfer */
    dmasim_time start_time;   /* ps, when the channel was started */
    dmasim_time end_time;     /* ps, end of the last write (DMASIM_TIME_NEVER while busy) */
} dmasim_dma_channel_status;

/* Channel ch's state at now. Returns 0, or DMASIM_EINVAL (ch >= the DMAC's channel count). */
DMASIM_API int dmasim_dmac_channel_status(const dmasim_dmac *dmac, unsigned ch, dmasim_dma_channel_status *out);

/* Put an IOMMU in front of the DMAC: every address of its channels is then an IOVA that
 * `mmu` translates; channel n issues requests as device `device + n` (the requester id that
 * selects the IOMMU domain). Page-table reads are the DMAC's own bus transactions (they cost
 * cycles); a translation fault stops the channel with ERR and err = DMASIM_EFAULT, err_addr the
 * IOVA, and the IOMMU logs it and raises its own interrupt. mmu NULL removes it. In transparent
 * mode the lookahead assumes a full walk per address. Returns 0, DMASIM_EBUSY (a channel
 * runs) or DMASIM_ERANGE. */
DMASIM_API int dmasim_dmac_set_iommu(dmasim_dmac *dmac, dmasim_iommu *mmu, uint32_t device);

/* Attach a device to channel ch: the DMAC watches `dreq` (1 = the device requests service) and
 * calls ops for fly-by transfers; it drives "<dmac>.chN.dack". Returns 0, DMASIM_EINVAL or
 * DMASIM_EBUSY (the channel runs). */
DMASIM_API int dmasim_dmac_attach_device(dmasim_dmac *dmac, unsigned ch, const dmasim_dma_device_ops *ops,
                                         void *ctx, dmasim_signal *dreq);

/* Cascade a second controller behind channel ch (8237A cascade mode): the second controller's
 * HRQ becomes this channel's DREQ and this channel's DACK its HLDA; when the channel wins the
 * DMAC's priority and the DMAC has the bus, the second controller runs its own tenure with the
 * DMAC's bus master (its transactions count as the DMAC's on the bus). Both must be idle; the
 * channel must have no device. Returns 0, DMASIM_EINVAL or DMASIM_EBUSY. */
DMASIM_API int dmasim_dmac_cascade(dmasim_dmac *dmac, unsigned ch, dmasim_dmac *second);

/* Set or clear channel ch's mask bit (a masked channel is not served). Returns 0 or EINVAL. */
DMASIM_API int dmasim_dmac_set_mask(dmasim_dmac *dmac, unsigned ch, int masked);

/* The external EOP input ("<dmac>.eop"): a rising edge aborts the channel in service (or, with
 * none in service, the highest-priority ready channel). Asking for it makes the DMAC run its
 * units one transaction per event, so the abort lands at its simulated time. */
DMASIM_API dmasim_signal *dmasim_dmac_eop(dmasim_dmac *dmac);

/* The interrupt line (level, active high). */
DMASIM_API dmasim_signal *dmasim_dmac_irq(const dmasim_dmac *dmac);
DMASIM_API int dmasim_dmac_bus_master(const dmasim_dmac *dmac);
/* Non-zero while any channel is busy. */
DMASIM_API int dmasim_dmac_busy(const dmasim_dmac *dmac);

#ifdef __cplusplus
}
#endif
#endif

/* Peripherals that request DMA service: the device side of a DMAC channel.
 *
 * A device attached to a DMAC channel (dmasim_dmac_attach_device) drives its DREQ signal (1 =
 * requesting service) and is told of each transfer through its ops; the DMAC drives DACK
 * ("<dmac>.chN.dack") while it serves the channel. Transfers with a device are fly-by: one unit
 * is one bus transaction to memory (device-to-memory: a memory write of the item the device
 * hands over; memory-to-device: a memory read of the item the device takes), the device being
 * selected by DACK instead of an address (8237A datasheet, "fly-by" / I/O-to-memory transfers).
 *
 * When a channel with a device runs depends on its mode (docs/dmac.md):
 *   burst (block)   DREQ starts the block; the DMAC keeps the bus until terminal count;
 *   cycle stealing  (single) one unit per grant while DREQ is high;
 *   demand          units while DREQ stays high; the DMAC releases the bus when it drops;
 *   transparent     like cycle stealing, only in bus idle time.
 * A device that cannot give or take an item when asked (its FIFO is empty or full) answers
 * DMASIM_EBUSY: the unit is not done and the channel waits for DREQ again (the device should
 * drop DREQ before that happens; a device that misbehaves costs bus time - each retry an
 * arbitration, and for memory-to-device the read - never data). With zero arbitration cycles the
 * device is asked again one bus cycle later, not in the same instant.
 */
#ifndef DMASIM_DEVICE_H
#define DMASIM_DEVICE_H

#include "dmasim/sim.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_dma_device_ops {
    int version; /* 1 */
    /* Device-to-memory: give the next `len` bytes (one item) at time t, when the memory write
     * starts. Return 0, or DMASIM_EBUSY if the device has no data. */
    int (*give)(void *ctx, void *buf, uint32_t len, dmasim_time t);
    /* Memory-to-device: take `len` bytes at time t (the read's data time). Return 0 or DMASIM_EBUSY. */
    int (*take)(void *ctx, const void *buf, uint32_t len, dmasim_time t);
    /* Terminal count (or an abort) of the channel's transfer, at time t. May be NULL. */
    void (*done)(void *ctx, int status, dmasim_time t);
} dmasim_dma_device_ops;

#ifdef __cplusplus
}
#endif
#endif

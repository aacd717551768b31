/* Interrupt controller: several interrupt lines combined into the CPU's one.
 *
 * Each input is a level-sensitive signal (a DMAC's "<dmac>.irq", a device's "<dev>.irq"),
 * connected to a numbered line. The output "<intc>.irq" is high while any enabled line is high;
 * a CPU's DMA_WAIT waits on it (dmasim_cpu_set_irq). Lines are enabled at creation. The
 * controller adds no latency of its own: the CPU's irq_latency_cycles stands for the whole path
 * from the line to the handler. Optional memory-mapped registers (32-bit, uncached) let a
 * handler find the source and mask lines with bus accesses:
 *   +0x0 PENDING (RO)  bit n: line n is high
 *   +0x4 ENABLE  (RW)  bit n: line n is enabled (reset: bits 0..lines-1 set)
 *   +0x8 ACTIVE  (RO)  PENDING & ENABLE
 *   +0xC HIGHEST (RO)  the lowest-numbered active line (highest priority), or 0xFFFFFFFF
 */
#ifndef DMASIM_INTC_H
#define DMASIM_INTC_H

#include "dmasim/bus.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_intc dmasim_intc;

enum {
    DMASIM_INTC_PENDING = 0x0, DMASIM_INTC_ENABLE = 0x4, DMASIM_INTC_ACTIVE = 0x8, DMASIM_INTC_HIGHEST = 0xC,
    DMASIM_INTC_REG_SIZE = 0x10
};

typedef struct dmasim_intc_config {
    const char *name;          /* default "intc0" */
    uint32_t lines;            /* 1..32; default 8 */
    uint32_t reg_wait_states;  /* register accesses, when mapped; default 1 */
} dmasim_intc_config;

DMASIM_API void dmasim_intc_config_init(dmasim_intc_config *cfg);

/* Create a controller in sim. Returns 0, DMASIM_ERANGE (lines out of range; detail in errmsg)
 * or DMASIM_ENOMEM. */
DMASIM_API int dmasim_intc_create(dmasim_sim *sim, const dmasim_intc_config *cfg, dmasim_intc **out);

/* Map the registers on a bus at base. Returns as dmasim_bus_map(). */
DMASIM_API int dmasim_intc_map(dmasim_intc *intc, dmasim_bus *bus, dmasim_addr base);

/* Connect an input signal to line n (one signal per line). Returns 0, DMASIM_EINVAL (bad line,
 * line taken) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_intc_connect(dmasim_intc *intc, unsigned line, dmasim_signal *input);

/* Enable or disable line n (the ENABLE register's bit). Returns 0 or DMASIM_EINVAL. */
DMASIM_API int dmasim_intc_enable(dmasim_intc *intc, unsigned line, int enabled);

/* The output line. */
DMASIM_API dmasim_signal *dmasim_intc_irq(const dmasim_intc *intc);

/* PENDING, ENABLE and ACTIVE as bit masks. */
DMASIM_API uint32_t dmasim_intc_pending(const dmasim_intc *intc);
DMASIM_API uint32_t dmasim_intc_enabled(const dmasim_intc *intc);

#ifdef __cplusplus
}
#endif
#endif

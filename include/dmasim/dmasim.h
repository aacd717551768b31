/* dmasim: a cycle-accurate DMA controller simulator (umbrella header).
 *
 * Build a system: create a simulation (sim.h), a bus (bus.h), memories on it (dmasim_sram_create),
 * a CPU with its data cache (cpu.h) and a DMA controller (dmac.h); give the CPU a workload and
 * the DMAC transfers; run; read statistics by their dotted paths. Every public function
 * returns 0 or a negative DMASIM_E* code (error.h). Time is in picoseconds.
 */
#ifndef DMASIM_DMASIM_H
#define DMASIM_DMASIM_H

#include "dmasim/export.h"
#include "dmasim/error.h"
#include "dmasim/sim.h"
#include "dmasim/signal.h"
#include "dmasim/bus.h"
#include "dmasim/cache.h"
#include "dmasim/cpu.h"
#include "dmasim/device.h"
#include "dmasim/dmac.h"
#include "dmasim/i8237.h"
#include "dmasim/devices.h"
#include "dmasim/intc.h"
#include "dmasim/iommu.h"
#include "dmasim/trace.h"
#include "dmasim/dram.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMASIM_VERSION_MAJOR 0
#define DMASIM_VERSION_MINOR 1
#define DMASIM_VERSION_PATCH 0

/* "0.1.0" */
DMASIM_API const char *dmasim_version_string(void);

#ifdef __cplusplus
}
#endif
#endif

/* The scenario: the YAML document the `dmasim` runner builds a system from.
 *
 * A scenario is loaded with libcyaml into the plain C structs below (schema.c holds the
 * schema), then defaults are filled in for every key the file leaves out (defaults.c), then
 * `--set path=value` overrides are applied (set.c), then dependent values are resolved
 * (finalize: a job's `mode: default` becomes dmac.mode, a relative trace path becomes an
 * absolute one) and everything is checked (validate.c). docs/scenario.md documents the keys.
 *
 * Ownership: every pointer inside a scenario was allocated through scn_mem() (libcyaml's
 * memory function), and scn_free() releases the whole tree.
 */
#ifndef DMASIM_CLI_SCENARIO_H
#define DMASIM_CLI_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>

/* A mode field left at "default" takes dmac.mode. */
enum { SCN_MODE_DEFAULT = 255 }; /* non-negative: libcyaml 1.3 cannot save a negative enum */

typedef enum scn_init { SCN_INIT_PATTERN = 0, SCN_INIT_ZERO = 1, SCN_INIT_KEEP = 2 } scn_init;

typedef struct scn_bus {
    char *name;
    uint64_t period_ps;
    uint32_t width;
    int arbitration; /* dmasim_arbitration */
    uint32_t arbitration_cycles;
    uint32_t address_cycles;
} scn_bus;

typedef enum scn_mem_kind { SCN_MEM_SRAM = 0, SCN_MEM_DRAM = 1 } scn_mem_kind;

struct scn_dram; /* dram_cfg.h */

typedef struct scn_memory {
    char *name;
    uint64_t base;
    uint64_t size;
    uint32_t wait_states;   /* sram */
    int kind;               /* scn_mem_kind */
    char *preset;           /* dram: a built-in preset (NULL: the library's defaults) */
    struct scn_dram *dram;  /* dram: keys over the preset; complete after finalize */
    char *command_trace;    /* dram: file for every DRAM command ("-": stdout), or NULL */
} scn_memory;

typedef struct scn_dcache {
    bool enabled;
    uint32_t size;
    uint32_t ways;
    uint32_t line;
    uint32_t hit_cycles;
} scn_dcache;

typedef struct scn_trace {
    char *path;
    uint32_t cpi;
    uint64_t base;
    uint64_t mask;
    uint64_t max_lines;
} scn_trace;

/* One scripted CPU operation; which fields matter depends on `op` (dmasim_cpu_op_kind). */
typedef struct scn_op {
    int op;
    uint64_t cycles;
    uint64_t addr;
    uint32_t size;
    uint64_t value;
    uint32_t channel;
    uint64_t src;
    uint64_t dst;
    uint64_t count;
    uint32_t item_size;
    int mode; /* dmasim_dma_mode or SCN_MODE_DEFAULT */
    int coherence; /* dma_start: dmasim_dma_coherence or SCN_MODE_DEFAULT (dmac.coherence) */
    int dir;       /* DMA API ops: dmasim_dma_dir */
    uint32_t domain;   /* IOMMU ops */
    uint64_t iova;     /* IOMMU ops (size: the range's bytes) */
    uint64_t phys;     /* iommu_map */
    int perms;         /* iommu_map: DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE */
    int page_size;     /* iommu_map: bytes, DMASIM_IOMMU_PAGE_4K or _2M */
} scn_op;

typedef struct scn_synthetic {
    uint64_t accesses;
    uint64_t base;
    uint64_t working_set;
    uint32_t read_percent;
    uint32_t compute_cycles;
    uint32_t size;
} scn_synthetic;

typedef struct scn_workload {
    scn_trace *trace;         /* NULL when absent */
    scn_op *script;
    unsigned script_count;    /* 0 when absent */
    scn_synthetic *synthetic; /* NULL when absent */
} scn_workload;

typedef struct scn_range {
    uint64_t base;
    uint64_t size;
} scn_range;

typedef struct scn_cpu {
    char *name;
    uint32_t clock_ratio;
    uint32_t bus_priority;
    uint32_t snoop_cycles;
    uint32_t maintenance_cycles;
    uint32_t max_stale_reports;
    uint32_t iommu_op_cycles;
    uint32_t irq_latency_cycles;
    uint32_t irq_handler_cycles;
    uint32_t poll_interval_cycles;
    uint32_t pio_cycles_per_word;
    scn_range *uncached;
    unsigned uncached_count;
    scn_dcache dcache;
    scn_workload *workload; /* NULL: the CPU does nothing */
} scn_cpu;

/* One scatter-gather descriptor of a job (a 32-byte DMASIM_DESC_* record in memory). */
typedef struct scn_desc {
    uint64_t src;
    uint64_t dst;
    uint64_t count; /* items, 1..2^32-1 */
    bool irq;       /* DMASIM_DESC_IRQ: interrupt when this descriptor completes */
} scn_desc;

typedef struct scn_job {
    uint32_t channel;
    uint64_t src;
    uint64_t dst;
    uint64_t count;
    uint32_t item_size;
    int mode; /* dmasim_dma_mode or SCN_MODE_DEFAULT */
    int coherence; /* dmasim_dma_coherence or SCN_MODE_DEFAULT */
    int src_step;  /* dmasim_dma_step */
    int dst_step;
    bool autoinit;
    uint64_t start_ps;
    int init_source; /* scn_init */
    bool verify;
    bool check_only;    /* fill the source and verify, but start nothing (another agent moves the data) */
    uint64_t sg_base;   /* where the descriptor chain is written before the run (0: nowhere) */
    scn_desc *descriptors; /* non-empty: a scatter-gather job (src, dst and count unused) */
    unsigned descriptors_count;
} scn_job;

typedef struct scn_dmac {
    char *name;
    uint32_t channels;
    uint32_t bus_priority;
    uint64_t reg_base;
    uint32_t reg_wait_states;
    uint32_t max_burst;
    bool rotating_priority;
    uint32_t max_descriptors;
    int mode; /* dmasim_dma_mode */
    int coherence; /* dmasim_dma_coherence: of jobs and dma_start ops without their own */
    bool iommu;            /* behind the scenario's IOMMU (ignored without one) */
    uint32_t iommu_device; /* requester id of channel 0; channel n is iommu_device + n */
    scn_job *jobs;
    unsigned jobs_count;
} scn_dmac;

typedef struct scn_iommu_attach {
    uint32_t device;
    uint32_t domain;
} scn_iommu_attach;

/* One dmasim_iommu_map() made before the run. */
typedef struct scn_iommu_map {
    uint32_t domain;
    uint64_t iova;
    uint64_t phys;
    uint64_t size;
    int perms;     /* DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE */
    int page_size; /* bytes: DMASIM_IOMMU_PAGE_4K or _2M */
} scn_iommu_map;

typedef struct scn_iommu {
    char *name;
    uint32_t levels;
    uint32_t iotlb_entries;
    uint32_t iotlb_ways;
    uint64_t mem_base;
    uint64_t mem_size;
    uint64_t table_base;
    uint64_t table_size;
    uint32_t max_records;
    bool passthrough;
    scn_iommu_attach *attach;
    unsigned attach_count;
    scn_iommu_map *mappings;
    unsigned mappings_count;
} scn_iommu;

/* A disk command issued at at_ps, and the DMA of its bytes to or from memory at addr. */
typedef struct scn_disk_cmd {
    int op;          /* dmasim_disk_op */
    uint64_t lba;
    uint32_t count;  /* sectors */
    uint64_t at_ps;
    uint64_t addr;   /* memory: destination of a read, source of a write */
    int mode;        /* dmasim_dma_mode of the channel (8237A: demand, block, single) */
    bool verify;     /* after the run: memory equals the disk's sectors */
} scn_disk_cmd;

/* Audio playback of `frames` frames from memory at addr (one transfer, no ring). */
typedef struct scn_audio_start {
    uint64_t at_ps;
    uint64_t frames;
    uint64_t addr;
    int mode;
} scn_audio_start;

/* A bus-master job (dmasim_busmaster_start). */
typedef struct scn_bm_job {
    bool to_memory;
    uint64_t addr;
    uint64_t length;
    uint64_t pattern;
    uint64_t at_ps;
} scn_bm_job;

/* A NIC's receive ring (dmasim_nic_ring_init) and the driver that gives descriptors back. */
typedef struct scn_nic_ring {
    uint64_t descriptors;    /* address of the first of `entries` 32-byte descriptors */
    uint32_t entries;
    uint64_t buffers;        /* descriptor i's buffer: buffers + i * buffer_size */
    uint32_t buffer_size;    /* bytes */
    int64_t owned;           /* descriptors the NIC owns at the start; -1: all */
    uint64_t recycle_ps;     /* a used descriptor is given back this long after its write-back;
                              * 0: never */
} scn_nic_ring;

/* A NIC's packets: synthetic, or a packet trace. Numbers left at 0 take the preset's. */
typedef struct scn_nic_receive {
    char *trace;             /* NULL: synthetic */
    uint64_t packets;
    uint64_t rate;           /* packets/s */
    uint32_t size, size_max; /* bytes */
    uint64_t at_ps;          /* the first arrival */
} scn_nic_receive;

enum { SCN_NO_CHANNEL = -1 };

/* A device (docs/devices.md). Numeric parameters left at 0 take the preset's value (or the
 * library's default without a preset). */
typedef struct scn_device {
    char *kind;              /* checked with dmasim_device_kind_parse (validate.c) */
    char *name;
    char *preset;            /* NULL: the library's defaults */
    int64_t dmac_channel;    /* disk, audio: channel of `dmac`, or SCN_NO_CHANNEL */
    int64_t i8237_channel;   /* disk, audio: channel of `i8237`, or SCN_NO_CHANNEL */
    uint32_t bus_priority;   /* busmaster (0: the library's default, 2) */
    uint32_t sector_size;    /* disk */
    uint32_t sectors_per_track;
    uint32_t rpm;
    uint64_t seek_avg_ns;
    uint32_t sample_rate;    /* audio */
    uint32_t frame_bytes;
    uint32_t fifo_size;      /* disk, audio */
    uint32_t threshold;
    uint32_t item_size;
    uint32_t txn_size;       /* busmaster; nic: its burst */
    uint64_t reg_base;       /* nic (0: the library's default) */
    uint64_t line_rate;      /* nic, bits/s */
    scn_disk_cmd *command;   /* disk */
    scn_audio_start *start;  /* audio */
    scn_bm_job *job;         /* busmaster */
    scn_nic_ring *ring;      /* nic */
    scn_nic_receive *receive; /* nic */
} scn_device;

/* An Intel 8237A (dmasim_i8237). */
typedef struct scn_i8237 {
    char *name;
    char *preset;            /* NULL: clock_period_ps 0 (any bus clock) */
    uint32_t bus_priority;
    uint64_t io_base;
    uint64_t page_base;
    uint32_t io_wait_states;
    uint32_t page_bits;
    int page_policy;         /* dmasim_i8237_page_policy */
} scn_i8237;

typedef struct scenario {
    char *name;
    uint64_t seed;
    bool reference;
    scn_bus bus;
    scn_memory *memory;
    unsigned memory_count;
    scn_cpu *cpu;   /* NULL when absent */
    scn_dmac *dmac; /* NULL when absent */
    scn_iommu *iommu; /* NULL when absent */
    scn_i8237 *i8237; /* NULL when absent */
    scn_device *devices;
    unsigned devices_count;
} scenario;

/* ---- schema.c ---------------------------------------------------------------------------- */

/* The top-level libcyaml schema (a pointer to a `scenario` mapping). */
extern const cyaml_schema_value_t scn_schema;

/* libcyaml's memory function for every scenario allocation (realloc/free). */
void *scn_mem(void *ctx, void *ptr, size_t size);

/* A copy of s made with scn_mem (NULL on out of memory). */
char *scn_strdup(const char *s);

/* Free a scenario loaded by scn_load (NULL is accepted). */
void scn_free(scenario *scn);

#endif

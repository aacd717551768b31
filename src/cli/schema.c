/* The libcyaml schema of a scenario (docs/scenario.md is the user-facing version).
 *
 * Every key is optional here: required keys and defaults are handled by defaults.c, which
 * knows which keys the file actually wrote. Enumerations are strict (names only). Leaf
 * mappings and sequence entries are saved in flow style so a resolved scenario stays
 * readable (one line per memory region, job or script operation).
 */
#include <stdlib.h>
#include <string.h>

#include "dmasim/dmasim.h"
#include "dram_cfg.h"
#include "scenario.h"

#define OPT CYAML_FLAG_OPTIONAL
#define OPT_ENUM (CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT)
#define OPT_PTR (CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER)
#define OPT_FLOW_PTR (CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER | CYAML_FLAG_FLOW)
#define STR(key, type, member) CYAML_FIELD_STRING_PTR(key, OPT, type, member, 1, CYAML_UNLIMITED)
#define ENUM(key, type, member, table) \
    CYAML_FIELD_ENUM(key, OPT_ENUM, type, member, table, CYAML_ARRAY_LEN(table))

static const cyaml_strval_t arbitration_names[] = {
    {"fixed", DMASIM_ARB_FIXED},
    {"round_robin", DMASIM_ARB_ROUND_ROBIN},
};

static const cyaml_strval_t mode_names[] = {
    {"burst", DMASIM_DMA_BURST},
    {"cycle_stealing", DMASIM_DMA_CYCLE_STEALING},
    {"transparent", DMASIM_DMA_TRANSPARENT},
    {"demand", DMASIM_DMA_DEMAND},
};

static const cyaml_strval_t step_names[] = {
    {"increment", DMASIM_DMA_INCREMENT},
    {"decrement", DMASIM_DMA_DECREMENT},
    {"fixed", DMASIM_DMA_FIXED},
};

/* A job's or a dma_start op's mode: one of the modes, or "default" (dmac.mode). */
static const cyaml_strval_t op_mode_names[] = {
    {"burst", DMASIM_DMA_BURST},
    {"cycle_stealing", DMASIM_DMA_CYCLE_STEALING},
    {"transparent", DMASIM_DMA_TRANSPARENT},
    {"demand", DMASIM_DMA_DEMAND},
    {"default", SCN_MODE_DEFAULT},
};

static const cyaml_strval_t op_names[] = {
    {"compute", DMASIM_OP_COMPUTE},
    {"load", DMASIM_OP_LOAD},
    {"store", DMASIM_OP_STORE},
    {"dma_start", DMASIM_OP_DMA_START},
    {"dma_wait", DMASIM_OP_DMA_WAIT},
    {"cache_clean", DMASIM_OP_CACHE_CLEAN},
    {"cache_invalidate", DMASIM_OP_CACHE_INVALIDATE},
    {"cache_flush", DMASIM_OP_CACHE_FLUSH},
    {"dma_map", DMASIM_OP_DMA_MAP},
    {"dma_unmap", DMASIM_OP_DMA_UNMAP},
    {"dma_sync_for_cpu", DMASIM_OP_DMA_SYNC_FOR_CPU},
    {"dma_sync_for_device", DMASIM_OP_DMA_SYNC_FOR_DEVICE},
    {"read_buffer", DMASIM_OP_READ_BUFFER},
    {"dma_poll", DMASIM_OP_DMA_POLL},
    {"copy", DMASIM_OP_COPY},
    {"iommu_map", DMASIM_OP_IOMMU_MAP},
    {"iommu_unmap", DMASIM_OP_IOMMU_UNMAP},
    {"iommu_invalidate", DMASIM_OP_IOMMU_INVALIDATE},
};

static const cyaml_strval_t coherence_names[] = {
    {"none", DMASIM_COHERENCE_NONE},
    {"snoop", DMASIM_COHERENCE_SNOOP},
    {"snoop_update", DMASIM_COHERENCE_SNOOP_UPDATE},
};

/* A job's or a dma_start op's coherence: one of the above, or "default" (dmac.coherence). */
static const cyaml_strval_t op_coherence_names[] = {
    {"none", DMASIM_COHERENCE_NONE},
    {"snoop", DMASIM_COHERENCE_SNOOP},
    {"snoop_update", DMASIM_COHERENCE_SNOOP_UPDATE},
    {"default", SCN_MODE_DEFAULT},
};

static const cyaml_strval_t dir_names[] = {
    {"to_device", DMASIM_DMA_TO_DEVICE},
    {"from_device", DMASIM_DMA_FROM_DEVICE},
    {"bidirectional", DMASIM_DMA_BIDIRECTIONAL},
};

static const cyaml_strval_t perms_names[] = {
    {"none", 0},
    {"r", DMASIM_IOMMU_READ},
    {"w", DMASIM_IOMMU_WRITE},
    {"rw", DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE},
};

static const cyaml_strval_t page_size_names[] = {
    {"4k", (int64_t)DMASIM_IOMMU_PAGE_4K},
    {"2m", (int64_t)DMASIM_IOMMU_PAGE_2M},
};

static const cyaml_strval_t init_names[] = {
    {"pattern", SCN_INIT_PATTERN},
    {"zero", SCN_INIT_ZERO},
    {"keep", SCN_INIT_KEEP},
};

static const cyaml_schema_field_t bus_fields[] = {
    STR("name", scn_bus, name),
    CYAML_FIELD_UINT("period_ps", OPT, scn_bus, period_ps),
    CYAML_FIELD_UINT("width", OPT, scn_bus, width),
    ENUM("arbitration", scn_bus, arbitration, arbitration_names),
    CYAML_FIELD_UINT("arbitration_cycles", OPT, scn_bus, arbitration_cycles),
    CYAML_FIELD_UINT("address_cycles", OPT, scn_bus, address_cycles),
    CYAML_FIELD_END,
};

static const cyaml_strval_t memory_kind_names[] = {
    {"sram", SCN_MEM_SRAM},
    {"dram", SCN_MEM_DRAM},
};

static const cyaml_schema_field_t memory_fields[] = {
    STR("name", scn_memory, name),
    CYAML_FIELD_UINT("base", OPT, scn_memory, base),
    CYAML_FIELD_UINT("size", OPT, scn_memory, size),
    CYAML_FIELD_UINT("wait_states", OPT, scn_memory, wait_states),
    ENUM("kind", scn_memory, kind, memory_kind_names),
    STR("preset", scn_memory, preset),
    CYAML_FIELD_MAPPING_PTR("dram", OPT_FLOW_PTR, scn_memory, dram, scn_dram_fields),
    STR("command_trace", scn_memory, command_trace),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t memory_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_memory, memory_fields),
};

static const cyaml_schema_field_t dcache_fields[] = {
    CYAML_FIELD_BOOL("enabled", OPT, scn_dcache, enabled),
    CYAML_FIELD_UINT("size", OPT, scn_dcache, size),
    CYAML_FIELD_UINT("ways", OPT, scn_dcache, ways),
    CYAML_FIELD_UINT("line", OPT, scn_dcache, line),
    CYAML_FIELD_UINT("hit_cycles", OPT, scn_dcache, hit_cycles),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t trace_fields[] = {
    STR("path", scn_trace, path),
    CYAML_FIELD_UINT("cpi", OPT, scn_trace, cpi),
    CYAML_FIELD_UINT("base", OPT, scn_trace, base),
    CYAML_FIELD_UINT("mask", OPT, scn_trace, mask),
    CYAML_FIELD_UINT("max_lines", OPT, scn_trace, max_lines),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t op_fields[] = {
    ENUM("op", scn_op, op, op_names),
    CYAML_FIELD_UINT("cycles", OPT, scn_op, cycles),
    CYAML_FIELD_UINT("addr", OPT, scn_op, addr),
    CYAML_FIELD_UINT("size", OPT, scn_op, size),
    CYAML_FIELD_UINT("value", OPT, scn_op, value),
    CYAML_FIELD_UINT("channel", OPT, scn_op, channel),
    CYAML_FIELD_UINT("src", OPT, scn_op, src),
    CYAML_FIELD_UINT("dst", OPT, scn_op, dst),
    CYAML_FIELD_UINT("count", OPT, scn_op, count),
    CYAML_FIELD_UINT("item_size", OPT, scn_op, item_size),
    ENUM("mode", scn_op, mode, op_mode_names),
    ENUM("coherence", scn_op, coherence, op_coherence_names),
    ENUM("dir", scn_op, dir, dir_names),
    CYAML_FIELD_UINT("domain", OPT, scn_op, domain),
    CYAML_FIELD_UINT("iova", OPT, scn_op, iova),
    CYAML_FIELD_UINT("phys", OPT, scn_op, phys),
    ENUM("perms", scn_op, perms, perms_names),
    ENUM("page_size", scn_op, page_size, page_size_names),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t op_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_op, op_fields),
};

static const cyaml_schema_field_t synthetic_fields[] = {
    CYAML_FIELD_UINT("accesses", OPT, scn_synthetic, accesses),
    CYAML_FIELD_UINT("base", OPT, scn_synthetic, base),
    CYAML_FIELD_UINT("working_set", OPT, scn_synthetic, working_set),
    CYAML_FIELD_UINT("read_percent", OPT, scn_synthetic, read_percent),
    CYAML_FIELD_UINT("compute_cycles", OPT, scn_synthetic, compute_cycles),
    CYAML_FIELD_UINT("size", OPT, scn_synthetic, size),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t workload_fields[] = {
    CYAML_FIELD_MAPPING_PTR("trace", OPT_FLOW_PTR, scn_workload, trace, trace_fields),
    CYAML_FIELD_SEQUENCE("script", OPT_PTR | CYAML_FLAG_BLOCK, scn_workload, script, &op_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("synthetic", OPT_FLOW_PTR, scn_workload, synthetic, synthetic_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t range_fields[] = {
    CYAML_FIELD_UINT("base", OPT, scn_range, base),
    CYAML_FIELD_UINT("size", OPT, scn_range, size),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t range_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_range, range_fields),
};

static const cyaml_schema_field_t cpu_fields[] = {
    STR("name", scn_cpu, name),
    CYAML_FIELD_UINT("clock_ratio", OPT, scn_cpu, clock_ratio),
    CYAML_FIELD_UINT("bus_priority", OPT, scn_cpu, bus_priority),
    CYAML_FIELD_UINT("snoop_cycles", OPT, scn_cpu, snoop_cycles),
    CYAML_FIELD_UINT("maintenance_cycles", OPT, scn_cpu, maintenance_cycles),
    CYAML_FIELD_UINT("max_stale_reports", OPT, scn_cpu, max_stale_reports),
    CYAML_FIELD_UINT("iommu_op_cycles", OPT, scn_cpu, iommu_op_cycles),
    CYAML_FIELD_UINT("irq_latency_cycles", OPT, scn_cpu, irq_latency_cycles),
    CYAML_FIELD_UINT("irq_handler_cycles", OPT, scn_cpu, irq_handler_cycles),
    CYAML_FIELD_UINT("poll_interval_cycles", OPT, scn_cpu, poll_interval_cycles),
    CYAML_FIELD_UINT("pio_cycles_per_word", OPT, scn_cpu, pio_cycles_per_word),
    CYAML_FIELD_SEQUENCE("uncached", OPT_PTR | CYAML_FLAG_BLOCK, scn_cpu, uncached, &range_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING("dcache", OPT | CYAML_FLAG_FLOW, scn_cpu, dcache, dcache_fields),
    CYAML_FIELD_MAPPING_PTR("workload", OPT_PTR, scn_cpu, workload, workload_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t desc_fields[] = {
    CYAML_FIELD_UINT("src", OPT, scn_desc, src),
    CYAML_FIELD_UINT("dst", OPT, scn_desc, dst),
    CYAML_FIELD_UINT("count", OPT, scn_desc, count),
    CYAML_FIELD_BOOL("irq", OPT, scn_desc, irq),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t desc_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_desc, desc_fields),
};

static const cyaml_schema_field_t job_fields[] = {
    CYAML_FIELD_UINT("channel", OPT, scn_job, channel),
    CYAML_FIELD_UINT("src", OPT, scn_job, src),
    CYAML_FIELD_UINT("dst", OPT, scn_job, dst),
    CYAML_FIELD_UINT("count", OPT, scn_job, count),
    CYAML_FIELD_UINT("item_size", OPT, scn_job, item_size),
    ENUM("mode", scn_job, mode, op_mode_names),
    ENUM("coherence", scn_job, coherence, op_coherence_names),
    ENUM("src_step", scn_job, src_step, step_names),
    ENUM("dst_step", scn_job, dst_step, step_names),
    CYAML_FIELD_BOOL("autoinit", OPT, scn_job, autoinit),
    CYAML_FIELD_UINT("start_ps", OPT, scn_job, start_ps),
    ENUM("init_source", scn_job, init_source, init_names),
    CYAML_FIELD_BOOL("verify", OPT, scn_job, verify),
    CYAML_FIELD_BOOL("check_only", OPT, scn_job, check_only),
    CYAML_FIELD_UINT("sg_base", OPT, scn_job, sg_base),
    CYAML_FIELD_SEQUENCE("descriptors", OPT_PTR | CYAML_FLAG_FLOW, scn_job, descriptors, &desc_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t job_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_job, job_fields),
};

static const cyaml_schema_field_t dmac_fields[] = {
    STR("name", scn_dmac, name),
    CYAML_FIELD_UINT("channels", OPT, scn_dmac, channels),
    CYAML_FIELD_UINT("bus_priority", OPT, scn_dmac, bus_priority),
    CYAML_FIELD_UINT("reg_base", OPT, scn_dmac, reg_base),
    CYAML_FIELD_UINT("reg_wait_states", OPT, scn_dmac, reg_wait_states),
    CYAML_FIELD_UINT("max_burst", OPT, scn_dmac, max_burst),
    CYAML_FIELD_BOOL("rotating_priority", OPT, scn_dmac, rotating_priority),
    CYAML_FIELD_UINT("max_descriptors", OPT, scn_dmac, max_descriptors),
    ENUM("mode", scn_dmac, mode, mode_names),
    ENUM("coherence", scn_dmac, coherence, coherence_names),
    CYAML_FIELD_BOOL("iommu", OPT, scn_dmac, iommu),
    CYAML_FIELD_UINT("iommu_device", OPT, scn_dmac, iommu_device),
    CYAML_FIELD_SEQUENCE("jobs", OPT_PTR | CYAML_FLAG_BLOCK, scn_dmac, jobs, &job_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t iommu_attach_fields[] = {
    CYAML_FIELD_UINT("device", OPT, scn_iommu_attach, device),
    CYAML_FIELD_UINT("domain", OPT, scn_iommu_attach, domain),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t iommu_attach_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_iommu_attach, iommu_attach_fields),
};

static const cyaml_schema_field_t iommu_map_fields[] = {
    CYAML_FIELD_UINT("domain", OPT, scn_iommu_map, domain),
    CYAML_FIELD_UINT("iova", OPT, scn_iommu_map, iova),
    CYAML_FIELD_UINT("phys", OPT, scn_iommu_map, phys),
    CYAML_FIELD_UINT("size", OPT, scn_iommu_map, size),
    ENUM("perms", scn_iommu_map, perms, perms_names),
    ENUM("page_size", scn_iommu_map, page_size, page_size_names),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t iommu_map_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_FLOW, scn_iommu_map, iommu_map_fields),
};

static const cyaml_schema_field_t iommu_fields[] = {
    STR("name", scn_iommu, name),
    CYAML_FIELD_UINT("levels", OPT, scn_iommu, levels),
    CYAML_FIELD_UINT("iotlb_entries", OPT, scn_iommu, iotlb_entries),
    CYAML_FIELD_UINT("iotlb_ways", OPT, scn_iommu, iotlb_ways),
    CYAML_FIELD_UINT("mem_base", OPT, scn_iommu, mem_base),
    CYAML_FIELD_UINT("mem_size", OPT, scn_iommu, mem_size),
    CYAML_FIELD_UINT("table_base", OPT, scn_iommu, table_base),
    CYAML_FIELD_UINT("table_size", OPT, scn_iommu, table_size),
    CYAML_FIELD_UINT("max_records", OPT, scn_iommu, max_records),
    CYAML_FIELD_BOOL("passthrough", OPT, scn_iommu, passthrough),
    CYAML_FIELD_SEQUENCE("attach", OPT_PTR | CYAML_FLAG_BLOCK, scn_iommu, attach, &iommu_attach_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("mappings", OPT_PTR | CYAML_FLAG_BLOCK, scn_iommu, mappings, &iommu_map_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_strval_t disk_op_names[] = {
    {"read", DMASIM_DISK_READ},
    {"write", DMASIM_DISK_WRITE},
};

static const cyaml_strval_t page_policy_names[] = {
    {"error", DMASIM_I8237_PAGE_ERROR},
    {"wrap", DMASIM_I8237_PAGE_WRAP},
};

static const cyaml_schema_field_t disk_cmd_fields[] = {
    ENUM("op", scn_disk_cmd, op, disk_op_names),
    CYAML_FIELD_UINT("lba", OPT, scn_disk_cmd, lba),
    CYAML_FIELD_UINT("count", OPT, scn_disk_cmd, count),
    CYAML_FIELD_UINT("at_ps", OPT, scn_disk_cmd, at_ps),
    CYAML_FIELD_UINT("addr", OPT, scn_disk_cmd, addr),
    ENUM("mode", scn_disk_cmd, mode, mode_names),
    CYAML_FIELD_BOOL("verify", OPT, scn_disk_cmd, verify),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t audio_start_fields[] = {
    CYAML_FIELD_UINT("at_ps", OPT, scn_audio_start, at_ps),
    CYAML_FIELD_UINT("frames", OPT, scn_audio_start, frames),
    CYAML_FIELD_UINT("addr", OPT, scn_audio_start, addr),
    ENUM("mode", scn_audio_start, mode, mode_names),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t bm_job_fields[] = {
    CYAML_FIELD_BOOL("to_memory", OPT, scn_bm_job, to_memory),
    CYAML_FIELD_UINT("addr", OPT, scn_bm_job, addr),
    CYAML_FIELD_UINT("length", OPT, scn_bm_job, length),
    CYAML_FIELD_UINT("pattern", OPT, scn_bm_job, pattern),
    CYAML_FIELD_UINT("at_ps", OPT, scn_bm_job, at_ps),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t nic_ring_fields[] = {
    CYAML_FIELD_UINT("descriptors", OPT, scn_nic_ring, descriptors),
    CYAML_FIELD_UINT("entries", OPT, scn_nic_ring, entries),
    CYAML_FIELD_UINT("buffers", OPT, scn_nic_ring, buffers),
    CYAML_FIELD_UINT("buffer_size", OPT, scn_nic_ring, buffer_size),
    CYAML_FIELD_INT("owned", OPT, scn_nic_ring, owned),
    CYAML_FIELD_UINT("recycle_ps", OPT, scn_nic_ring, recycle_ps),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t nic_receive_fields[] = {
    STR("trace", scn_nic_receive, trace),
    CYAML_FIELD_UINT("packets", OPT, scn_nic_receive, packets),
    CYAML_FIELD_UINT("rate", OPT, scn_nic_receive, rate),
    CYAML_FIELD_UINT("size", OPT, scn_nic_receive, size),
    CYAML_FIELD_UINT("size_max", OPT, scn_nic_receive, size_max),
    CYAML_FIELD_UINT("at_ps", OPT, scn_nic_receive, at_ps),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t device_fields[] = {
    STR("kind", scn_device, kind),
    STR("name", scn_device, name),
    STR("preset", scn_device, preset),
    CYAML_FIELD_INT("dmac_channel", OPT, scn_device, dmac_channel),
    CYAML_FIELD_INT("i8237_channel", OPT, scn_device, i8237_channel),
    CYAML_FIELD_UINT("bus_priority", OPT, scn_device, bus_priority),
    CYAML_FIELD_UINT("sector_size", OPT, scn_device, sector_size),
    CYAML_FIELD_UINT("sectors_per_track", OPT, scn_device, sectors_per_track),
    CYAML_FIELD_UINT("rpm", OPT, scn_device, rpm),
    CYAML_FIELD_UINT("seek_avg_ns", OPT, scn_device, seek_avg_ns),
    CYAML_FIELD_UINT("sample_rate", OPT, scn_device, sample_rate),
    CYAML_FIELD_UINT("frame_bytes", OPT, scn_device, frame_bytes),
    CYAML_FIELD_UINT("fifo_size", OPT, scn_device, fifo_size),
    CYAML_FIELD_UINT("threshold", OPT, scn_device, threshold),
    CYAML_FIELD_UINT("item_size", OPT, scn_device, item_size),
    CYAML_FIELD_UINT("txn_size", OPT, scn_device, txn_size),
    CYAML_FIELD_UINT("reg_base", OPT, scn_device, reg_base),
    CYAML_FIELD_UINT("line_rate", OPT, scn_device, line_rate),
    CYAML_FIELD_MAPPING_PTR("command", OPT_FLOW_PTR, scn_device, command, disk_cmd_fields),
    CYAML_FIELD_MAPPING_PTR("start", OPT_FLOW_PTR, scn_device, start, audio_start_fields),
    CYAML_FIELD_MAPPING_PTR("job", OPT_FLOW_PTR, scn_device, job, bm_job_fields),
    CYAML_FIELD_MAPPING_PTR("ring", OPT_FLOW_PTR, scn_device, ring, nic_ring_fields),
    CYAML_FIELD_MAPPING_PTR("receive", OPT_FLOW_PTR, scn_device, receive, nic_receive_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t device_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_BLOCK, scn_device, device_fields),
};

static const cyaml_schema_field_t i8237_fields[] = {
    STR("name", scn_i8237, name),
    STR("preset", scn_i8237, preset),
    CYAML_FIELD_UINT("bus_priority", OPT, scn_i8237, bus_priority),
    CYAML_FIELD_UINT("io_base", OPT, scn_i8237, io_base),
    CYAML_FIELD_UINT("page_base", OPT, scn_i8237, page_base),
    CYAML_FIELD_UINT("io_wait_states", OPT, scn_i8237, io_wait_states),
    CYAML_FIELD_UINT("page_bits", OPT, scn_i8237, page_bits),
    ENUM("page_policy", scn_i8237, page_policy, page_policy_names),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t scenario_fields[] = {
    STR("name", scenario, name),
    CYAML_FIELD_UINT("seed", OPT, scenario, seed),
    CYAML_FIELD_BOOL("reference", OPT, scenario, reference),
    CYAML_FIELD_MAPPING("bus", OPT | CYAML_FLAG_FLOW, scenario, bus, bus_fields),
    CYAML_FIELD_SEQUENCE("memory", OPT_PTR | CYAML_FLAG_BLOCK, scenario, memory, &memory_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("cpu", OPT_PTR | CYAML_FLAG_BLOCK, scenario, cpu, cpu_fields),
    CYAML_FIELD_MAPPING_PTR("dmac", OPT_PTR | CYAML_FLAG_BLOCK, scenario, dmac, dmac_fields),
    CYAML_FIELD_MAPPING_PTR("iommu", OPT_PTR | CYAML_FLAG_BLOCK, scenario, iommu, iommu_fields),
    CYAML_FIELD_MAPPING_PTR("i8237", OPT_PTR | CYAML_FLAG_BLOCK, scenario, i8237, i8237_fields),
    CYAML_FIELD_SEQUENCE("devices", OPT_PTR | CYAML_FLAG_BLOCK, scenario, devices, &device_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

const cyaml_schema_value_t scn_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER | CYAML_FLAG_BLOCK, scenario, scenario_fields),
};

void *scn_mem(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

char *scn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = scn_mem(NULL, NULL, n);

    if (copy)
        memcpy(copy, s, n);
    return copy;
}

void scn_free(scenario *scn)
{
    cyaml_config_t cfg = {.mem_fn = scn_mem, .log_level = CYAML_LOG_ERROR};

    if (scn)
        cyaml_free(&cfg, &scn_schema, scn, 0);
}

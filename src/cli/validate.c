/* Semantic checks of a scenario, each reported at the key that is wrong.
 *
 * The library checks its configs too (and the runner reports what it says), but only here do
 * we know which key of the file a value came from. Address-map checks (overlapping memories,
 * DMA jobs on unmapped addresses) need the bus and are done while building (build.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dmasim/dmasim.h"
#include "devices_cli.h"
#include "dram_cfg.h"
#include "load.h"

#define P(buf, ...) (snprintf((buf), sizeof(buf), __VA_ARGS__), (buf))

static int is_pow2(uint64_t v)
{
    return v && (v & (v - 1)) == 0;
}

static int is_access_size(uint64_t v)
{
    return v == 1 || v == 2 || v == 4 || v == 8;
}

static int is_item_size(uint64_t v)
{
    return is_pow2(v) && v <= 64;
}

static int check_bus(const scn_file *f, const scn_bus *b)
{
    if (b->period_ps == 0)
        return scn_error_at(f, "bus.period_ps", "must be >= 1 ps");
    if (!is_pow2(b->width) || b->width > 128)
        return scn_error_at(f, "bus.width", "%" PRIu32 " is not a power of two in 1..128 (bytes per beat)",
                            b->width);
    if (b->arbitration_cycles > 64)
        return scn_error_at(f, "bus.arbitration_cycles", "%" PRIu32 " is out of range 0..64",
                            b->arbitration_cycles);
    if (b->address_cycles > 64)
        return scn_error_at(f, "bus.address_cycles", "%" PRIu32 " is out of range 0..64", b->address_cycles);
    return 0;
}

static int check_memory(const scn_file *f, const scn_memory *m, unsigned i)
{
    char path[64];

    if (m->size == 0)
        return scn_error_at(f, P(path, "memory.%u.size", i), "must be >= 1 byte");
    if (m->base + (m->size - 1) < m->base)
        return scn_error_at(f, P(path, "memory.%u.size", i),
                            "region 0x%" PRIx64 " + 0x%" PRIx64 " wraps past the end of the address space",
                            m->base, m->size);
    if (m->wait_states > 1024)
        return scn_error_at(f, P(path, "memory.%u.wait_states", i), "%" PRIu32 " is out of range 0..1024",
                            m->wait_states);
    if (m->kind == SCN_MEM_DRAM) {
        dmasim_dram_config dc;
        return cli_dram_memory_config(f, i, &dc);
    }
    if (m->command_trace || m->preset || m->dram)
        return scn_error_at(f, P(path, "memory.%u.kind", i), "'%s' needs kind: dram",
                            m->command_trace ? "command_trace" : m->preset ? "preset" : "dram");
    return 0;
}

static int check_dcache(const scn_file *f, const scn_dcache *d)
{
    dmasim_cache_config cfg;
    char msg[256];

    if (!d->enabled)
        return 0;
    if (d->size == 0)
        return scn_error_at(f, "cpu.dcache.size", "must be >= 1 byte");
    if (d->ways == 0)
        return scn_error_at(f, "cpu.dcache.ways", "must be >= 1");
    if (d->line == 0)
        return scn_error_at(f, "cpu.dcache.line", "must be >= 1 byte");
    dmasim_cache_config_init(&cfg);
    cfg.size = d->size;
    cfg.ways = d->ways;
    cfg.line = d->line;
    cfg.hit_cycles = d->hit_cycles;
    if (dmasim_cache_config_check(&cfg, msg, sizeof(msg)) != 0)
        return scn_error_at(f, "cpu.dcache", "%s", msg);
    if (d->size == d->line)
        return scn_error_at(f, "cpu.dcache.size",
                            "a D1 of one line (size == line) cannot hold both lines of an access that straddles "
                            "two lines; size must be at least 2 * line");
    return 0;
}

static int check_trace(const scn_file *f, const scn_trace *t)
{
    FILE *fp = fopen(t->path, "rb");

    if (!fp)
        return scn_error_at(f, "cpu.workload.trace.path", "cannot open trace '%s': %s", t->path,
                            strerror(errno));
    fclose(fp);
    if (t->cpi > 1000)
        return scn_error_at(f, "cpu.workload.trace.cpi", "%" PRIu32 " is out of range 0..1000", t->cpi);
    return 0;
}

static int check_dma_op(const scn_file *f, const scn_op *op, unsigned i)
{
    const scn_dmac *d = f->scn->dmac;
    char path[64];

    if (!d)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.op", i), "DMA operations need a 'dmac'");
    if (op->channel >= d->channels)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.channel", i),
                            "channel %" PRIu32 " does not exist (dmac.channels is %" PRIu32 ")", op->channel,
                            d->channels);
    if (op->op != DMASIM_OP_DMA_START)
        return 0;
    if (op->count == 0 || op->count > UINT32_MAX)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.count", i),
                            "must be in 1..4294967295 (items; the COUNT register is 32 bits)");
    if (!is_item_size(op->item_size))
        return scn_error_at(f, P(path, "cpu.workload.script.%u.item_size", i),
                            "%" PRIu32 " is not one of 1, 2, 4, 8, 16, 32, 64", op->item_size);
    return 0;
}

/* A cache maintenance or DMA API range: non-empty and aligned to the D1 line. */
static int check_line_range(const scn_file *f, const scn_op *op, unsigned i)
{
    uint32_t line = f->scn->cpu->dcache.line;
    char path[64];

    if (op->size == 0)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.size", i), "an empty range (size 0)");
    if (line && op->addr % line)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.addr", i),
                            "0x%" PRIx64 " is not aligned to the %" PRIu32 "-byte cache line (non-coherent "
                            "DMA buffers must be line aligned, as the Linux DMA API requires)", op->addr, line);
    if (line && op->size % line)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.size", i),
                            "%" PRIu32 " is not a multiple of the %" PRIu32 "-byte cache line", op->size, line);
    return 0;
}

/* IOVA space of the scenario's IOMMU: 2^(12 + 9 * levels) bytes. */
static uint64_t iova_limit(const scn_iommu *m)
{
    return UINT64_C(1) << (12 + 9 * m->levels);
}

#define PHYS_LIMIT (UINT64_C(1) << 52) /* PTE bits 51:12 */

/* A range that dmasim_iommu_map() would refuse for its shape (overlaps are found while
 * building): non-empty, aligned to the page size, inside the IOVA space and below 2^52. */
static int check_map_range(const scn_file *f, const char *at, uint32_t domain, uint64_t iova, uint64_t phys,
                           uint64_t size, uint64_t page)
{
    const scn_iommu *m = f->scn->iommu;
    char path[80];

    if (domain == DMASIM_IOMMU_NO_DOMAIN)
        return scn_error_at(f, P(path, "%s.domain", at), "%" PRIu32 " is reserved (no domain)", domain);
    if (size == 0 || size % page)
        return scn_error_at(f, P(path, "%s.size", at),
                            "0x%" PRIx64 " is not a non-zero multiple of the page size (0x%" PRIx64 ")", size, page);
    if (iova % page)
        return scn_error_at(f, P(path, "%s.iova", at), "0x%" PRIx64 " is not aligned to the page size (0x%" PRIx64 ")",
                            iova, page);
    if (phys % page)
        return scn_error_at(f, P(path, "%s.phys", at), "0x%" PRIx64 " is not aligned to the page size (0x%" PRIx64 ")",
                            phys, page);
    if (iova >= iova_limit(m) || size > iova_limit(m) - iova)
        return scn_error_at(f, P(path, "%s.size", at),
                            "IOVA range 0x%" PRIx64 " + 0x%" PRIx64 " goes beyond the %u-level IOVA space (2^%u bytes)",
                            iova, size, m->levels, 12 + 9 * m->levels);
    if (phys >= PHYS_LIMIT || size > PHYS_LIMIT - phys)
        return scn_error_at(f, P(path, "%s.size", at),
                            "physical range 0x%" PRIx64 " + 0x%" PRIx64 " goes beyond 2^52 (the PTE address field)",
                            phys, size);
    return 0;
}

/* iommu_map / iommu_unmap / iommu_invalidate. */
static int check_iommu_op(const scn_file *f, const scn_op *op, unsigned i)
{
    char at[48], path[64];

    if (!f->scn->iommu)
        return scn_error_at(f, P(path, "cpu.workload.script.%u.op", i), "IOMMU operations need an 'iommu'");
    P(at, "cpu.workload.script.%u", i);
    if (op->op == DMASIM_OP_IOMMU_MAP)
        return check_map_range(f, at, op->domain, op->iova, op->phys, op->size, (uint64_t)op->page_size);
    if (op->domain == DMASIM_IOMMU_NO_DOMAIN)
        return scn_error_at(f, P(path, "%s.domain", at), "%" PRIu32 " is reserved (no domain)", op->domain);
    if (op->op == DMASIM_OP_IOMMU_UNMAP) {
        if (op->size == 0 || op->size % DMASIM_IOMMU_PAGE_4K)
            return scn_error_at(f, P(path, "%s.size", at), "%" PRIu32 " is not a non-zero multiple of 4096", op->size);
        if (op->iova % DMASIM_IOMMU_PAGE_4K)
            return scn_error_at(f, P(path, "%s.iova", at), "0x%" PRIx64 " is not 4 KiB aligned", op->iova);
    }
    return 0;
}

static int check_op(const scn_file *f, const scn_op *op, unsigned i)
{
    char path[64];

    switch (op->op) {
    case DMASIM_OP_LOAD:
    case DMASIM_OP_STORE:
        if (!is_access_size(op->size))
            return scn_error_at(f, P(path, "cpu.workload.script.%u.size", i),
                                "%" PRIu32 " is not one of 1, 2, 4, 8 (bytes)", op->size);
        return 0;
    case DMASIM_OP_DMA_START:
    case DMASIM_OP_DMA_WAIT:
    case DMASIM_OP_DMA_POLL:
        return check_dma_op(f, op, i);
    case DMASIM_OP_COPY:
        if (op->size == 0 || op->size % 8)
            return scn_error_at(f, P(path, "cpu.workload.script.%u.size", i),
                                "%" PRIu32 " is not a non-zero multiple of 8 (copy moves 8-byte words)", op->size);
        return 0;
    case DMASIM_OP_COMPUTE:
        return 0;
    case DMASIM_OP_READ_BUFFER:
        if (op->size == 0)
            return scn_error_at(f, P(path, "cpu.workload.script.%u.size", i), "must be > 0 (bytes)");
        return 0;
    case DMASIM_OP_IOMMU_MAP:
    case DMASIM_OP_IOMMU_UNMAP:
    case DMASIM_OP_IOMMU_INVALIDATE:
        return check_iommu_op(f, op, i);
    default: /* cache maintenance and the DMA API work on whole lines */
        return check_line_range(f, op, i);
    }
}

static int check_synthetic(const scn_file *f, const scn_synthetic *s)
{
    if (s->accesses == 0)
        return scn_error_at(f, "cpu.workload.synthetic.accesses", "must be >= 1");
    if (s->working_set < 8)
        return scn_error_at(f, "cpu.workload.synthetic.working_set", "must be >= 8 bytes");
    if (s->read_percent > 100)
        return scn_error_at(f, "cpu.workload.synthetic.read_percent", "%" PRIu32 " is out of range 0..100",
                            s->read_percent);
    if (!is_access_size(s->size))
        return scn_error_at(f, "cpu.workload.synthetic.size", "%" PRIu32 " is not one of 1, 2, 4, 8 (bytes)",
                            s->size);
    return 0;
}

static int check_workload(const scn_file *f, const scn_workload *w)
{
    int n = (w->trace != NULL) + (w->script_count > 0) + (w->synthetic != NULL);
    unsigned i;

    if (n > 1)
        return scn_error_at(f, "cpu.workload", "give only one of trace, script, synthetic");
    if (w->trace && check_trace(f, w->trace))
        return -1;
    if (w->synthetic && check_synthetic(f, w->synthetic))
        return -1;
    for (i = 0; i < w->script_count; i++) {
        if (check_op(f, &w->script[i], i))
            return -1;
    }
    return 0;
}

/* Uncached ranges: non-empty, inside the address space, not overlapping each other. */
static int check_uncached(const scn_file *f, const scn_cpu *c)
{
    char path[64];

    for (unsigned i = 0; i < c->uncached_count; i++) {
        const scn_range *r = &c->uncached[i];
        if (r->size == 0 || r->base + (r->size - 1) < r->base)
            return scn_error_at(f, P(path, "cpu.uncached.%u.size", i),
                                "must be > 0 and the range must not wrap past the address space");
        for (unsigned j = 0; j < i; j++) {
            const scn_range *o = &c->uncached[j];
            if (r->base <= o->base + (o->size - 1) && o->base <= r->base + (r->size - 1))
                return scn_error_at(f, P(path, "cpu.uncached.%u", i), "overlaps cpu.uncached.%u", j);
        }
    }
    return 0;
}

static int check_cpu(const scn_file *f, const scn_cpu *c)
{
    if (c->clock_ratio == 0 || c->clock_ratio > 1024)
        return scn_error_at(f, "cpu.clock_ratio", "%" PRIu32 " is out of range 1..1024", c->clock_ratio);
    if (f->scn->bus.period_ps % c->clock_ratio != 0)
        return scn_error_at(f, "cpu.clock_ratio",
                            "the bus period (%" PRIu64 " ps) is not a multiple of clock_ratio %" PRIu32,
                            f->scn->bus.period_ps, c->clock_ratio);
    if (check_dcache(f, &c->dcache))
        return -1;
    if (c->snoop_cycles > 1024)
        return scn_error_at(f, "cpu.snoop_cycles", "%" PRIu32 " is out of range 0..1024", c->snoop_cycles);
    if (c->maintenance_cycles > 1000)
        return scn_error_at(f, "cpu.maintenance_cycles", "%" PRIu32 " is out of range 0..1000",
                            c->maintenance_cycles);
    if (c->iommu_op_cycles > 100000)
        return scn_error_at(f, "cpu.iommu_op_cycles", "%" PRIu32 " is out of range 0..100000", c->iommu_op_cycles);
    if (check_uncached(f, c))
        return -1;
    return c->workload ? check_workload(f, c->workload) : 0;
}

/* A scatter-gather job: each descriptor's count fits its 32-bit field, and the chain has a
 * place (the DMAC reads sg = 0 as "no chain"), unless the job only checks. */
static int check_sg_job(const scn_file *f, const scn_job *j, unsigned i)
{
    char path[80];

    for (unsigned k = 0; k < j->descriptors_count; k++) {
        const scn_desc *e = &j->descriptors[k];
        if (e->count == 0 || e->count > UINT32_MAX)
            return scn_error_at(f, P(path, "dmac.jobs.%u.descriptors.%u.count", i, k),
                                "must be in 1..4294967295 (items; the descriptor's count is 32 bits)");
    }
    if (j->sg_base == 0 && !j->check_only)
        return scn_error_at(f, P(path, "dmac.jobs.%u.sg_base", i),
                            "a job with descriptors needs sg_base, the non-zero address of its chain");
    if (j->sg_base + (uint64_t)j->descriptors_count * DMASIM_DESC_SIZE - 1 < j->sg_base)
        return scn_error_at(f, P(path, "dmac.jobs.%u.sg_base", i),
                            "the chain (%u descriptors of %d bytes) wraps past the end of the address space",
                            j->descriptors_count, DMASIM_DESC_SIZE);
    return 0;
}

static int check_job(const scn_file *f, const scn_job *j, unsigned i)
{
    uint32_t channels = f->scn->dmac->channels;
    char path[64];

    if (j->channel >= channels)
        return scn_error_at(f, P(path, "dmac.jobs.%u.channel", i),
                            "channel %" PRIu32 " does not exist (dmac.channels is %" PRIu32 ")", j->channel,
                            channels);
    if (!is_item_size(j->item_size))
        return scn_error_at(f, P(path, "dmac.jobs.%u.item_size", i),
                            "%" PRIu32 " is not one of 1, 2, 4, 8, 16, 32, 64", j->item_size);
    if (j->descriptors_count)
        return check_sg_job(f, j, i);
    if (j->sg_base)
        return scn_error_at(f, P(path, "dmac.jobs.%u.sg_base", i), "needs descriptors (a scatter-gather job)");
    if (j->count == 0)
        return scn_error_at(f, P(path, "dmac.jobs.%u.count", i), "must be >= 1 item");
    if (j->count > UINT64_MAX / j->item_size)
        return scn_error_at(f, P(path, "dmac.jobs.%u.count", i), "transfer larger than 2^64 bytes");
    return 0;
}

static int check_dmac(const scn_file *f, const scn_dmac *d)
{
    unsigned i;

    if (d->channels == 0 || d->channels > 32)
        return scn_error_at(f, "dmac.channels", "%" PRIu32 " is out of range 1..32", d->channels);
    if (d->reg_wait_states > 1024)
        return scn_error_at(f, "dmac.reg_wait_states", "%" PRIu32 " is out of range 0..1024",
                            d->reg_wait_states);
    if (f->scn->iommu && d->iommu && d->iommu_device > UINT32_MAX - (d->channels - 1))
        return scn_error_at(f, "dmac.iommu_device",
                            "%" PRIu32 " + %" PRIu32 " channels goes past the last requester id (4294967295)",
                            d->iommu_device, d->channels);
    for (i = 0; i < d->jobs_count; i++) {
        if (check_job(f, &d->jobs[i], i))
            return -1;
    }
    return 0;
}

/* The page-table region must be memory the bus reaches: the walks read it. */
static int check_table_region(const scn_file *f, const scn_iommu *m)
{
    const scenario *s = f->scn;

    if (m->table_size == 0)
        return 0;
    for (unsigned i = 0; i < s->memory_count; i++) {
        const scn_memory *r = &s->memory[i];
        if (m->table_base >= r->base && m->table_base - r->base <= r->size - 1 &&
            m->table_size - 1 <= r->size - 1 - (m->table_base - r->base))
            return 0;
    }
    return scn_error_at(f, "iommu.table_base",
                        "table region [0x%" PRIx64 ", +0x%" PRIx64 ") is not inside one memory region", m->table_base,
                        m->table_size);
}

static int check_iommu(const scn_file *f, const scn_iommu *m)
{
    char path[64];

    if (m->levels != 3 && m->levels != 4)
        return scn_error_at(f, "iommu.levels", "%" PRIu32 " is not 3 or 4", m->levels);
    if (m->iotlb_entries > 65536)
        return scn_error_at(f, "iommu.iotlb_entries", "%" PRIu32 " is out of range 0..65536", m->iotlb_entries);
    if (m->iotlb_entries && (m->iotlb_ways == 0 || m->iotlb_ways > m->iotlb_entries ||
                             m->iotlb_entries % m->iotlb_ways || !is_pow2(m->iotlb_entries / m->iotlb_ways)))
        return scn_error_at(f, "iommu.iotlb_ways",
                            "%" PRIu32 " does not divide iotlb_entries (%" PRIu32
                            ") into a power-of-two number of sets", m->iotlb_ways, m->iotlb_entries);
    if (m->mem_size < 4096 || m->mem_base + (m->mem_size - 1) < m->mem_base)
        return scn_error_at(f, "iommu.mem_size", "must be >= 4096 and the range must not wrap past the address space");
    if (m->table_base % 4096)
        return scn_error_at(f, "iommu.table_base", "0x%" PRIx64 " is not 4 KiB aligned", m->table_base);
    if (m->table_size % 4096)
        return scn_error_at(f, "iommu.table_size", "0x%" PRIx64 " is not a multiple of 4096", m->table_size);
    if (m->table_size && (m->table_base < m->mem_base || m->table_size > m->mem_size ||
                          m->table_base - m->mem_base > m->mem_size - m->table_size))
        return scn_error_at(f, "iommu.table_base",
                            "table region [0x%" PRIx64 ", +0x%" PRIx64 ") is not inside iommu.mem_base/mem_size",
                            m->table_base, m->table_size);
    if (check_table_region(f, m))
        return -1;
    if (m->max_records > 1048576)
        return scn_error_at(f, "iommu.max_records", "%" PRIu32 " is out of range 0..1048576", m->max_records);
    for (unsigned i = 0; i < m->attach_count; i++) {
        if (m->attach[i].domain == DMASIM_IOMMU_NO_DOMAIN)
            return scn_error_at(f, P(path, "iommu.attach.%u.domain", i), "%" PRIu32 " is reserved (no domain)",
                                m->attach[i].domain);
        for (unsigned j = 0; j < i; j++)
            if (m->attach[j].device == m->attach[i].device)
                return scn_error_at(f, P(path, "iommu.attach.%u.device", i),
                                    "device %" PRIu32 " is attached by iommu.attach.%u too", m->attach[i].device, j);
    }
    for (unsigned i = 0; i < m->mappings_count; i++) {
        const scn_iommu_map *p = &m->mappings[i];
        char at[32];
        if (check_map_range(f, P(at, "iommu.mappings.%u", i), p->domain, p->iova, p->phys, p->size,
                            (uint64_t)p->page_size))
            return -1;
    }
    return 0;
}

/* Component names prefix the statistics and name the bus masters: they must differ. */
static int check_names(const scn_file *f)
{
    const scenario *s = f->scn;

    if (s->cpu && strcmp(s->cpu->name, s->bus.name) == 0)
        return scn_error_at(f, "cpu.name", "'%s' is the bus's name too", s->cpu->name);
    if (s->dmac && strcmp(s->dmac->name, s->bus.name) == 0)
        return scn_error_at(f, "dmac.name", "'%s' is the bus's name too", s->dmac->name);
    if (s->cpu && s->dmac && strcmp(s->dmac->name, s->cpu->name) == 0)
        return scn_error_at(f, "dmac.name", "'%s' is the CPU's name too", s->dmac->name);
    if (s->iommu && (strcmp(s->iommu->name, s->bus.name) == 0 ||
                     (s->cpu && strcmp(s->iommu->name, s->cpu->name) == 0) ||
                     (s->dmac && strcmp(s->iommu->name, s->dmac->name) == 0)))
        return scn_error_at(f, "iommu.name", "'%s' is the name of another component too", s->iommu->name);
    if (s->i8237 && (strcmp(s->i8237->name, s->bus.name) == 0 || (s->cpu && strcmp(s->i8237->name, s->cpu->name) == 0) ||
                     (s->dmac && strcmp(s->i8237->name, s->dmac->name) == 0) ||
                     (s->iommu && strcmp(s->i8237->name, s->iommu->name) == 0)))
        return scn_error_at(f, "i8237.name", "'%s' is the name of another component too", s->i8237->name);
    return 0;
}

int scn_validate(const scn_file *f)
{
    const scenario *s = f->scn;
    unsigned i;

    if (check_names(f) || check_bus(f, &s->bus))
        return -1;
    if (s->memory_count == 0)
        return scn_error_at(f, "memory", "at least one memory region is needed");
    for (i = 0; i < s->memory_count; i++) {
        if (check_memory(f, &s->memory[i], i))
            return -1;
    }
    if (s->iommu && check_iommu(f, s->iommu))
        return -1;
    if (s->cpu && check_cpu(f, s->cpu))
        return -1;
    if (s->dmac && check_dmac(f, s->dmac))
        return -1;
    return cli_devices_validate(f);
}

/* The scenario's IOMMU (`iommu:`): created after the memories, its devices attached and its
 * mappings written into simulated memory before the run; then the DMAC is put behind it
 * (`dmac.iommu`) and the CPU's script gets it for the iommu_* operations. */
#include <inttypes.h>
#include <stdio.h>

#include "build.h"

static int lib_error(const cli_system *s, const char *path, int rc)
{
    const char *detail = dmasim_sim_errmsg(s->sim);

    return scn_error_at(s->file, path, "%s", detail[0] ? detail : dmasim_strerror(rc));
}

int sys_iommu_build(cli_system *s)
{
    const scn_iommu *m = s->file->scn->iommu;
    dmasim_iommu_config cfg;
    char path[48];
    unsigned i;
    int rc;

    dmasim_iommu_config_init(&cfg);
    cfg.name = m->name;
    cfg.levels = m->levels;
    cfg.iotlb_entries = m->iotlb_entries;
    cfg.iotlb_ways = m->iotlb_ways;
    cfg.mem_base = m->mem_base;
    cfg.mem_size = m->mem_size;
    cfg.table_base = m->table_base;
    cfg.table_size = m->table_size;
    cfg.max_records = m->max_records;
    cfg.passthrough = m->passthrough;
    rc = dmasim_iommu_create(s->sim, &cfg, &s->iommu);
    if (rc)
        return lib_error(s, "iommu", rc);
    for (i = 0; i < m->attach_count; i++) {
        rc = dmasim_iommu_attach(s->iommu, m->attach[i].device, m->attach[i].domain);
        if (rc) {
            snprintf(path, sizeof(path), "iommu.attach.%u", i);
            return lib_error(s, path, rc);
        }
    }
    for (i = 0; i < m->mappings_count; i++) {
        const scn_iommu_map *p = &m->mappings[i];

        rc = dmasim_iommu_map(s->iommu, p->domain, p->iova, p->phys, p->size, (unsigned)p->perms,
                              (uint64_t)p->page_size);
        if (rc) { /* an overlap, or the table region is full */
            snprintf(path, sizeof(path), "iommu.mappings.%u", i);
            return lib_error(s, path, rc);
        }
    }
    return 0;
}

int sys_iommu_connect(cli_system *s)
{
    const scn_dmac *d = s->file->scn->dmac;
    int rc;

    if (s->dmac && d->iommu) {
        rc = dmasim_dmac_set_iommu(s->dmac, s->iommu, d->iommu_device);
        if (rc)
            return lib_error(s, "dmac.iommu", rc);
        s->dmac_translated = 1;
    }
    if (s->cpu) {
        rc = dmasim_cpu_set_iommu(s->cpu, s->iommu);
        if (rc)
            return lib_error(s, "cpu", rc);
    }
    return 0;
}

void sys_iommu_device_name(const cli_system *s, uint32_t device, char *buf, size_t len)
{
    const scn_dmac *d = s->file->scn->dmac;

    if (s->dmac_translated && device >= d->iommu_device && device - d->iommu_device < d->channels)
        snprintf(buf, len, "%s ch%" PRIu32, d->name, device - d->iommu_device);
    else
        snprintf(buf, len, "%s", "");
}

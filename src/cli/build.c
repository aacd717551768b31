/* Building the system a scenario describes, and running it (see build.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "devices_cli.h"
#include "dram_cfg.h"

/* Report a library error at a scenario path, with the simulation's detail. */
static int lib_error(const cli_system *s, const char *path, int rc)
{
    const char *detail = s->sim ? dmasim_sim_errmsg(s->sim) : "";

    return scn_error_at(s->file, path, "%s", detail[0] ? detail : dmasim_strerror(rc));
}

static int build_bus(cli_system *s)
{
    const scn_bus *b = &s->file->scn->bus;
    dmasim_bus_config cfg;
    int rc;

    dmasim_bus_config_init(&cfg);
    cfg.name = b->name;
    cfg.period_ps = b->period_ps;
    cfg.width = b->width;
    cfg.arbitration = (dmasim_arbitration)b->arbitration;
    cfg.arbitration_cycles = b->arbitration_cycles;
    cfg.address_cycles = b->address_cycles;
    rc = dmasim_bus_create(s->sim, &cfg, &s->bus);
    return rc ? lib_error(s, "bus", rc) : 0;
}

static int build_memories(cli_system *s)
{
    const scenario *scn = s->file->scn;
    unsigned i;

    for (i = 0; i < scn->memory_count; i++) {
        const scn_memory *m = &scn->memory[i];
        dmasim_sram_config cfg;
        char path[32];
        int rc;

        if (m->kind == SCN_MEM_DRAM) {
            dmasim_dram_config dc;
            dmasim_dram *dram = NULL;
            rc = cli_dram_memory_config(s->file, i, &dc);
            if (rc == 0 && (rc = dmasim_dram_create(s->bus, &dc, &dram)) != 0) {
                snprintf(path, sizeof(path), "memory.%u", i);
                return lib_error(s, path, rc);
            }
            if (rc || (m->command_trace && cli_dram_trace_open(s, dram, i)))
                return -1;
            continue;
        }
        dmasim_sram_config_init(&cfg);
        cfg.name = m->name;
        cfg.base = m->base;
        cfg.size = m->size;
        cfg.wait_states = m->wait_states;
        rc = dmasim_sram_create(s->bus, &cfg);
        if (rc) {
            snprintf(path, sizeof(path), "memory.%u", i);
            return lib_error(s, path, rc);
        }
    }
    return 0;
}

static int build_cpu(cli_system *s)
{
    const scn_cpu *c = s->file->scn->cpu;
    dmasim_cpu_config cfg;
    int rc;

    dmasim_cpu_config_init(&cfg);
    cfg.name = c->name;
    cfg.clock_ratio = c->clock_ratio;
    cfg.bus_priority = c->bus_priority;
    cfg.dcache_enabled = c->dcache.enabled;
    cfg.dcache.size = c->dcache.size;
    cfg.dcache.ways = c->dcache.ways;
    cfg.dcache.line = c->dcache.line;
    cfg.dcache.hit_cycles = c->dcache.hit_cycles;
    cfg.snoop_cycles = c->snoop_cycles;
    cfg.maintenance_cycles = c->maintenance_cycles;
    cfg.max_stale_reports = c->max_stale_reports;
    cfg.iommu_op_cycles = c->iommu_op_cycles;
    cfg.irq_latency_cycles = c->irq_latency_cycles;
    cfg.irq_handler_cycles = c->irq_handler_cycles;
    cfg.poll_interval_cycles = c->poll_interval_cycles;
    cfg.pio_cycles_per_word = c->pio_cycles_per_word;
    rc = dmasim_cpu_create(s->bus, &cfg, &s->cpu);
    if (rc)
        return lib_error(s, "cpu", rc);
    for (unsigned i = 0; i < c->uncached_count; i++) {
        char path[64];
        snprintf(path, sizeof(path), "cpu.uncached.%u", i);
        rc = dmasim_cpu_add_uncached(s->cpu, c->uncached[i].base, c->uncached[i].size);
        if (rc)
            return lib_error(s, path, rc);
    }
    return 0;
}

static int build_dmac(cli_system *s)
{
    const scn_dmac *d = s->file->scn->dmac;
    dmasim_dmac_config cfg;
    int rc;

    dmasim_dmac_config_init(&cfg);
    cfg.name = d->name;
    cfg.channels = d->channels;
    cfg.bus_priority = d->bus_priority;
    cfg.reg_base = d->reg_base;
    cfg.reg_wait_states = d->reg_wait_states;
    cfg.max_burst = d->max_burst;
    cfg.rotating_priority = d->rotating_priority;
    cfg.max_descriptors = d->max_descriptors;
    rc = dmasim_dmac_create(s->bus, &cfg, &s->dmac);
    if (rc)
        return lib_error(s, rc == DMASIM_EOVERLAP ? "dmac.reg_base" : "dmac", rc);
    if (s->cpu) {
        rc = dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac));
        if (rc)
            return lib_error(s, "dmac", rc);
    }
    return 0;
}

int sys_build(cli_system *s, const scn_file *f, unsigned flags)
{
    const scenario *scn = f->scn;
    dmasim_sim_config cfg;
    int rc;

    memset(s, 0, sizeof(*s));
    s->file = f;
    s->flags = flags;
    dmasim_sim_config_init(&cfg);
    cfg.seed = scn->seed;
    cfg.reference = scn->reference;
    rc = dmasim_sim_create(&cfg, &s->sim);
    if (rc) {
        fprintf(stderr, "dmasim: cannot create the simulation: %s\n", dmasim_strerror(rc));
        return -1;
    }
    if (build_bus(s) || build_memories(s))
        return -1;
    /* The CPU is added first: master 0, then the DMAC (ties and round-robin order). */
    if (scn->cpu && build_cpu(s))
        return -1;
    if (scn->dmac && build_dmac(s))
        return -1;
    if (scn->iommu && (sys_iommu_build(s) || sys_iommu_connect(s)))
        return -1;
    if (sys_devices_build(s))
        return -1;
    if (sys_jobs_build(s))
        return -1;
    return s->cpu ? sys_workload_start(s) : 0;
}

static int check_finished(const cli_system *s)
{
    if (s->workload_started && !dmasim_cpu_finished(s->cpu))
        return scn_error_at(s->file, "cpu.workload",
                            "the run ended with the workload unfinished (a dma_wait with no transfer to wait for?)");
    if (s->dmac && dmasim_dmac_busy(s->dmac))
        return scn_error_at(s->file, "dmac", "the run ended with a DMA channel still busy");
    return sys_devices_check_finished(s);
}

int sys_run(cli_system *s)
{
    int rc = dmasim_sim_run(s->sim);
    char path[32];

    if (s->job_err) {
        snprintf(path, sizeof(path), "dmac.jobs.%u", s->job_err_index);
        return scn_error_at(s->file, path, "cannot start: %s", s->job_errmsg);
    }
    if (rc) {
        fprintf(stderr, "%s: run failed at %" PRIu64 " ps: %s (%s)\n", s->file->path, dmasim_sim_now(s->sim),
                dmasim_sim_errmsg(s->sim), dmasim_err_name(rc));
        return -1;
    }
    if (check_finished(s))
        return -1;
    dmasim_sim_stats_update(s->sim);
    return 0;
}

void sys_destroy(cli_system *s)
{
    cli_dram_trace_close(s);
    dmasim_sim_destroy(s->sim);
    sys_devices_free(s); /* after the simulation: its events may point into a device's driver */
    free(s->jobs);
    free(s->devs);
    memset(s, 0, sizeof(*s));
}

uint32_t sys_channels_used(const cli_system *s)
{
    const scenario *scn = s->file->scn;
    uint32_t mask = 0;
    unsigned i;

    if (!scn->dmac || (s->flags & BUILD_NO_DMA))
        return 0;
    for (i = 0; i < scn->dmac->jobs_count; i++)
        mask |= UINT32_C(1) << scn->dmac->jobs[i].channel;
    for (i = 0; i < scn->devices_count; i++)
        if (scn->devices[i].dmac_channel >= 0)
            mask |= UINT32_C(1) << scn->devices[i].dmac_channel;
    if (scn->cpu && scn->cpu->workload) {
        const scn_workload *w = scn->cpu->workload;

        for (i = 0; i < w->script_count; i++) {
            if (w->script[i].op == DMASIM_OP_DMA_START)
                mask |= UINT32_C(1) << w->script[i].channel;
        }
    }
    return mask;
}

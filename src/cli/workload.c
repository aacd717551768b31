/* The CPU's workload: a trace, a script or a synthetic generator, started at time 0. */
#include <stdio.h>
#include <stdlib.h>

#include "build.h"

static int lib_error(const cli_system *s, const char *path, int rc)
{
    const char *detail = dmasim_sim_errmsg(s->sim);

    return scn_error_at(s->file, path, "%s", detail[0] ? detail : dmasim_strerror(rc));
}

static int start_trace(cli_system *s, const scn_trace *t)
{
    dmasim_trace_config cfg;
    int rc;

    dmasim_trace_config_init(&cfg);
    cfg.path = t->path;
    cfg.cpi = t->cpi;
    cfg.base = t->base;
    cfg.mask = t->mask;
    cfg.max_lines = t->max_lines;
    rc = dmasim_cpu_run_trace(s->cpu, &cfg);
    s->workload_started = rc == 0;
    return rc ? lib_error(s, "cpu.workload.trace.path", rc) : 0;
}

static void convert_op(const scn_op *in, const scn_dmac *d, dmasim_cpu_op *out)
{
    out->kind = (dmasim_cpu_op_kind)in->op;
    out->a = out->b = out->c = out->d = 0;
    out->channel = in->channel;
    out->item_size = in->item_size;
    out->mode = (uint32_t)(in->mode == SCN_MODE_DEFAULT && d ? d->mode : in->mode);
    out->coherence = (uint32_t)(in->coherence == SCN_MODE_DEFAULT ? (d ? d->coherence : 0) : in->coherence);
    switch (in->op) {
    case DMASIM_OP_COMPUTE:
        out->a = in->cycles;
        break;
    case DMASIM_OP_LOAD:
    case DMASIM_OP_STORE:
        out->a = in->addr;
        out->b = in->size;
        out->c = in->value;
        break;
    case DMASIM_OP_DMA_START:
        out->a = d->reg_base;
        out->b = in->src;
        out->c = in->dst;
        out->d = in->count;
        break;
    case DMASIM_OP_DMA_WAIT:
    case DMASIM_OP_DMA_POLL:
        out->a = d->reg_base;
        break;
    case DMASIM_OP_COPY:
        out->a = in->src;
        out->b = in->dst;
        out->c = in->size;
        break;
    case DMASIM_OP_IOMMU_MAP:
    case DMASIM_OP_IOMMU_UNMAP:
    case DMASIM_OP_IOMMU_INVALIDATE:
        out->a = in->iova;
        out->b = in->phys;
        out->c = in->size;
        out->d = (uint64_t)in->perms;
        out->domain = in->domain;
        out->page_size = (uint64_t)in->page_size;
        break;
    default: /* cache maintenance, the DMA API, read_buffer: a range */
        out->a = in->addr;
        out->b = in->size;
        out->c = (uint64_t)in->dir;
        break;
    }
}

static int is_dma_op(const scn_op *op)
{
    return op->op == DMASIM_OP_DMA_START || op->op == DMASIM_OP_DMA_WAIT || op->op == DMASIM_OP_DMA_POLL;
}

static int start_script(cli_system *s, const scn_workload *w)
{
    const scn_dmac *d = s->file->scn->dmac;
    dmasim_cpu_op *ops = calloc(w->script_count, sizeof(*ops));
    size_t i, n = 0;
    int rc;

    if (!ops) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    for (i = 0; i < w->script_count; i++) {
        if ((s->flags & BUILD_NO_DMA) && is_dma_op(&w->script[i]))
            continue;
        convert_op(&w->script[i], d, &ops[n++]);
    }
    rc = n ? dmasim_cpu_run_script(s->cpu, ops, n) : 0;
    s->workload_started = n > 0;
    free(ops);
    return rc ? lib_error(s, "cpu.workload.script", rc) : 0;
}

static int start_synthetic(cli_system *s, const scn_synthetic *y)
{
    dmasim_synthetic_config cfg;
    int rc;

    dmasim_synthetic_config_init(&cfg);
    cfg.accesses = y->accesses;
    cfg.base = y->base;
    cfg.working_set = y->working_set;
    cfg.read_percent = y->read_percent;
    cfg.compute_cycles = y->compute_cycles;
    cfg.size = y->size;
    rc = dmasim_cpu_run_synthetic(s->cpu, &cfg);
    s->workload_started = rc == 0;
    return rc ? lib_error(s, "cpu.workload.synthetic", rc) : 0;
}

int sys_workload_start(cli_system *s)
{
    const scn_workload *w = s->file->scn->cpu->workload;

    if (!w)
        return 0;
    if (w->trace)
        return start_trace(s, w->trace);
    if (w->script_count)
        return start_script(s, w);
    if (w->synthetic)
        return start_synthetic(s, w->synthetic);
    return 0;
}

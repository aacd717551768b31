/* The CPU workload engine: trace replay, scripts and synthetic loads/stores through the D1
 * cache. Between bus accesses it only accumulates its own cycles (one event per bus access,
 * never one per instruction); the time of its next bus request is therefore known in advance
 * and offered to the bus as lookahead (next_request). */
#include <stdio.h>
#include "internal.h"

typedef enum { W_NONE, W_TRACE, W_SCRIPT, W_SYNTH } wkind;
typedef enum { S_IDLE, S_RUN, S_WAIT_BUS, S_BUS, S_WAIT_IRQ, S_STEP, S_DONE } cstate;
typedef enum { IT_COMPUTE, IT_ACCESS, IT_WAIT_IRQ, IT_MAINT, IT_IOMMU, IT_END } ikind;

typedef struct item {
    ikind kind;
    uint64_t cycles;
    dmasim_addr addr;
    uint32_t size;
    int write;        /* 0 load, 1 store, 2 modify */
    int uncached;     /* force an uncached access (device registers) */
    int capture;      /* READ_BUFFER: append the loaded bytes to the capture buffer */
    dmasim_cache_op maint; /* IT_MAINT: the operation on the line at addr */
    const dmasim_cpu_op *op; /* IT_IOMMU: the script op */
    uint64_t value;
} item;

/* A cache-hit read of the current window, checked for staleness when the window is over. */
typedef struct read_rec {
    dmasim_addr addr;
    dmasim_time t, fill;
    uint64_t op;
    uint32_t slot, size;
} read_rec;

typedef struct range {
    dmasim_addr base;
    uint64_t size;
} range;

struct dmasim_cpu {
    dmasim_sim *sim;
    dmasim_bus *bus;
    char *name;
    int master;
    uint32_t ratio;
    dmasim_time period;        /* CPU clock period (ps) */
    dmasim_cache *cache;
    uint32_t hit_cycles, line;
    dmasim_signal *irq;

    wkind wk;
    cstate state;
    dmasim_time t;             /* the CPU's own time while it runs ahead (ps) */
    dmasim_time start_time, end_time, req_time, irq_wait_start;
    /* trace */
    dmasim__trace *trace;
    dmasim_trace_config tcfg;
    /* script */
    dmasim_cpu_op *ops;
    size_t nops, op_idx;
    unsigned step;
    uint32_t dma_status;
    /* synthetic */
    dmasim_synthetic_config syn;
    uint64_t syn_done, rng;
    int syn_phase;

    /* the access in progress and its bus transactions */
    item pending;
    dmasim__cache_result cres;
    dmasim_bus_txn txn[4];
    unsigned ntxn, cur_txn;
    uint8_t *wbbuf;            /* 2 lines */
    uint8_t ubuf[8];           /* uncached data */
    dmasim_event req_ev, resume_ev, step_ev, check_ev;
    uint64_t op_id;            /* current operation: trace line or script op index */
    uint32_t maint_cycles;
    uint32_t irq_latency, irq_handler, poll_interval, pio_cycles;
    uint64_t irqs_taken, irq_overhead_cycles, polls, pio_bytes;
    read_rec *reads;           /* this window's cache-hit reads */
    size_t nreads, reads_cap;
    range *uncached_ranges;
    size_t nuncached, uncached_cap;
    dmasim_iommu *mmu;
    uint32_t iommu_cycles;
    item held;                 /* an IOMMU op waiting for simulated time to reach the CPU's */
    int has_held;
    uint8_t *cap;              /* READ_BUFFER capture */
    size_t ncap, cap_cap;

    /* statistics (CPU cycles) */
    uint64_t cycles, instructions, loads, stores, uncached, bus_errors, irq_waits, irq_wait_cycles;
    uint64_t stall_cycles, trace_lines;
    dmasim_time stall_ps;
    uint64_t *stall_by;        /* per bus master, filled at stats update */
    size_t nstall_by;
    uint64_t last_load;
};

void dmasim_cpu_config_init(dmasim_cpu_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "cpu0";
    cfg->clock_ratio = 4;
    cfg->bus_priority = 1;
    cfg->dcache_enabled = 1;
    dmasim_cache_config_init(&cfg->dcache);
    cfg->snoop_cycles = 2;
    cfg->maintenance_cycles = 2;
    cfg->max_stale_reports = 16;
    cfg->iommu_op_cycles = 100;
    cfg->irq_latency_cycles = 0;
    cfg->irq_handler_cycles = 0;
    cfg->poll_interval_cycles = 20;
    cfg->pio_cycles_per_word = 2;
}

void dmasim_trace_config_init(dmasim_trace_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->cpi = 1;
    cfg->mask = 0x3FFFFFFFull;
}

void dmasim_synthetic_config_init(dmasim_synthetic_config *cfg)
{
    cfg->accesses = 100000;
    cfg->base = 0;
    cfg->working_set = 1u << 20;
    cfg->read_percent = 70;
    cfg->compute_cycles = 4;
    cfg->size = 8;
}

static void advance(dmasim_cpu *c);

/* ---- workload items ---- */

static int next_trace_item(dmasim_cpu *c, item *it)
{
    uint64_t room = UINT64_MAX;
    if (c->tcfg.max_lines) {
        if (c->trace_lines >= c->tcfg.max_lines) {
            it->kind = IT_END;
            return 0;
        }
        room = c->tcfg.max_lines - c->trace_lines;
    }
    dmasim__trace_rec r;
    int got = dmasim__trace_next(c->trace, &r, room);
    if (got < 0)
        return got;
    if (got == 0) {
        it->kind = IT_END;
        return 0;
    }
    c->trace_lines += r.count;
    c->op_id = dmasim__trace_line(c->trace); /* the file line of the access (1-based) */
    if (r.kind == 'I') { /* a run of instruction lines */
        c->instructions += r.count;
        it->kind = IT_COMPUTE;
        it->cycles = r.count * c->tcfg.cpi;
        return 0;
    }
    it->kind = IT_ACCESS;
    it->addr = c->tcfg.base + (r.addr & c->tcfg.mask);
    it->size = r.size;
    it->write = r.kind == 'S' ? 1 : r.kind == 'M' ? 2 : 0;
    it->uncached = 0;
    it->value = 0;
    return 0;
}

static void reg_access(item *it, dmasim_addr addr, int write, uint64_t value)
{
    it->kind = IT_ACCESS;
    it->addr = addr;
    it->size = 4;
    it->write = write;
    it->uncached = 1;
    it->value = value;
}

/* The cache operation an op performs per line, or -1 for none (arm64's streaming DMA API). */
static int maintenance_of(const dmasim_cpu_op *op)
{
    dmasim_dma_dir dir = (dmasim_dma_dir)op->c;
    switch (op->kind) {
    case DMASIM_OP_CACHE_CLEAN: return DMASIM_CACHE_CLEAN;
    case DMASIM_OP_CACHE_INVALIDATE: return DMASIM_CACHE_INVALIDATE;
    case DMASIM_OP_CACHE_FLUSH: return DMASIM_CACHE_FLUSH;
    case DMASIM_OP_DMA_MAP:
    case DMASIM_OP_DMA_SYNC_FOR_DEVICE:
        return dir == DMASIM_DMA_FROM_DEVICE ? DMASIM_CACHE_INVALIDATE : DMASIM_CACHE_CLEAN;
    case DMASIM_OP_DMA_UNMAP:
    case DMASIM_OP_DMA_SYNC_FOR_CPU:
        return dir == DMASIM_DMA_TO_DEVICE ? -1 : DMASIM_CACHE_INVALIDATE;
    default: return -1;
    }
}

static int next_script_item(dmasim_cpu *c, item *it)
{
    if (c->op_idx >= c->nops) {
        it->kind = IT_END;
        return 0;
    }
    const dmasim_cpu_op *op = &c->ops[c->op_idx];
    unsigned step = c->step++;
    int last = 1;
    c->op_id = c->op_idx;
    it->capture = 0;
    dmasim_addr regs = op->a + (dmasim_addr)op->channel * DMASIM_DMAC_CH_STRIDE;
    switch (op->kind) {
    case DMASIM_OP_COMPUTE:
        it->kind = IT_COMPUTE;
        it->cycles = op->a;
        break;
    case DMASIM_OP_LOAD:
    case DMASIM_OP_STORE:
        it->kind = IT_ACCESS;
        it->addr = op->a;
        it->size = (uint32_t)op->b;
        it->write = op->kind == DMASIM_OP_STORE;
        it->uncached = 0;
        it->value = op->c;
        break;
    case DMASIM_OP_DMA_START: {
        static const uint32_t off[6] = {DMASIM_DMAC_SRC_LO, DMASIM_DMAC_SRC_HI, DMASIM_DMAC_DST_LO,
                                        DMASIM_DMAC_DST_HI, DMASIM_DMAC_COUNT, DMASIM_DMAC_CTRL};
        uint64_t ctrl = DMASIM_DMAC_CTRL_START | DMASIM_DMAC_CTRL_IRQ_EN |
                        ((uint64_t)op->mode << DMASIM_DMAC_CTRL_MODE_SHIFT) |
                        ((uint64_t)op->coherence << DMASIM_DMAC_CTRL_COHERENCE_SHIFT) |
                        ((uint64_t)dmasim__log2(op->item_size) << DMASIM_DMAC_CTRL_SIZE_SHIFT);
        const uint64_t val[6] = {op->b & 0xFFFFFFFFu, op->b >> 32, op->c & 0xFFFFFFFFu, op->c >> 32, op->d, ctrl};
        reg_access(it, regs + off[step], 1, val[step]);
        last = step == 5;
        break;
    }
    case DMASIM_OP_DMA_WAIT:
        if (step == 0) {
            it->kind = IT_WAIT_IRQ;
            last = 0;
        } else if (step == 1) { /* the interrupt is taken: latency, then the handler */
            it->kind = IT_COMPUTE;
            it->cycles = (uint64_t)c->irq_latency + c->irq_handler;
            c->irqs_taken++;
            c->irq_overhead_cycles += it->cycles;
            last = 0;
        } else if (step == 2) {
            reg_access(it, regs + DMASIM_DMAC_STATUS, 0, 0);
            last = 0;
        } else {
            reg_access(it, regs + DMASIM_DMAC_STATUS, 1,
                       c->dma_status & (DMASIM_DMAC_STATUS_TC | DMASIM_DMAC_STATUS_ERR));
        }
        break;
    case DMASIM_OP_DMA_POLL:
        if (step == 0) { /* read STATUS */
            reg_access(it, regs + DMASIM_DMAC_STATUS, 0, 0);
            c->polls++;
            last = 0;
        } else if (c->dma_status & (DMASIM_DMAC_STATUS_TC | DMASIM_DMAC_STATUS_ERR)) {
            reg_access(it, regs + DMASIM_DMAC_STATUS, 1,
                       c->dma_status & (DMASIM_DMAC_STATUS_TC | DMASIM_DMAC_STATUS_ERR));
        } else { /* not yet: wait, then read again */
            it->kind = IT_COMPUTE;
            it->cycles = c->poll_interval;
            c->step = 0;
            last = 0;
        }
        break;
    case DMASIM_OP_COPY: { /* per word: load, store what was loaded, loop overhead */
        uint64_t off = (uint64_t)(step / 3) * 8;
        it->kind = IT_ACCESS;
        it->size = 8;
        it->uncached = 0;
        if (step % 3 == 0) {
            it->addr = op->a + off;
            it->write = 0;
            last = 0;
        } else if (step % 3 == 1) {
            it->addr = op->b + off;
            it->write = 1;
            it->value = c->last_load;
            c->pio_bytes += 8;
            last = 0;
        } else {
            it->kind = IT_COMPUTE;
            it->cycles = c->pio_cycles;
            last = off + 8 >= op->c;
        }
        break;
    }
    case DMASIM_OP_READ_BUFFER: {
        uint64_t off = (uint64_t)step * 8;
        it->kind = IT_ACCESS;
        it->addr = op->a + off;
        it->size = (uint32_t)(op->b - off < 8 ? op->b - off : 8);
        it->write = 0;
        it->uncached = 0;
        it->capture = 1;
        last = off + 8 >= op->b;
        break;
    }
    case DMASIM_OP_IOMMU_MAP:
    case DMASIM_OP_IOMMU_UNMAP:
    case DMASIM_OP_IOMMU_INVALIDATE:
        it->kind = IT_IOMMU;
        it->op = op;
        break;
    default: { /* cache maintenance, directly or through the DMA API */
        int mop = maintenance_of(op);
        if (mop < 0) { /* the DMA API asks for nothing here */
            it->kind = IT_COMPUTE;
            it->cycles = 0;
            break;
        }
        uint64_t off = (uint64_t)step * c->line;
        it->kind = IT_MAINT;
        it->addr = op->a + off;
        it->maint = (dmasim_cache_op)mop;
        last = off + c->line >= op->b;
        break;
    }
    }
    if (last) {
        c->op_idx++;
        c->step = 0;
    }
    return 0;
}

static int next_synth_item(dmasim_cpu *c, item *it)
{
    if (c->syn_done >= c->syn.accesses) {
        it->kind = IT_END;
        return 0;
    }
    if (c->syn_phase == 0 && c->syn.compute_cycles) {
        c->syn_phase = 1;
        it->kind = IT_COMPUTE;
        it->cycles = c->syn.compute_cycles;
        return 0;
    }
    c->syn_phase = 0;
    c->syn_done++;
    uint64_t r = dmasim__splitmix64(&c->rng);
    uint64_t slots = c->syn.working_set / c->syn.size;
    it->kind = IT_ACCESS;
    it->addr = c->syn.base + (r % slots) * c->syn.size;
    it->size = c->syn.size;
    it->write = (r >> 40) % 100 >= c->syn.read_percent;
    it->uncached = 0;
    it->value = r;
    return 0;
}

static int next_item(dmasim_cpu *c, item *it)
{
    switch (c->wk) {
    case W_TRACE: return next_trace_item(c, it);
    case W_SCRIPT: return next_script_item(c, it);
    case W_SYNTH: return next_synth_item(c, it);
    case W_NONE: break;
    }
    it->kind = IT_END;
    return 0;
}

/* ---- data of scripted accesses ---- */

static void put_le(uint8_t *p, uint64_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* Apply a cached access's data to the line(s) it touches (scripts and synthetic only). */
static void apply_cached_data(dmasim_cpu *c, const item *it)
{
    const dmasim__cache_result *r = &c->cres;
    if (!r->line_data[0] || it->size > 8)
        return;
    uint8_t tmp[8];
    uint32_t first = (uint32_t)(r->line_addr[0] + c->line - it->addr);
    if (first > it->size)
        first = it->size;
    const uint8_t *src0 = r->line_data[0] + (it->addr - r->line_addr[0]);
    if (it->write == 1) {
        put_le(tmp, it->value, it->size);
        memcpy(r->line_data[0] + (it->addr - r->line_addr[0]), tmp, first);
        if (first < it->size && r->line_data[1])
            memcpy(r->line_data[1], tmp + first, it->size - first);
    } else {
        memcpy(tmp, src0, first);
        if (first < it->size && r->line_data[1])
            memcpy(tmp + first, r->line_data[1], it->size - first);
        c->last_load = get_le(tmp, it->size);
    }
}

/* ---- bus side ---- */

static void queue_txn(dmasim_cpu *c, dmasim_addr a, uint32_t len, int write, void *data)
{
    c->txn[c->ntxn++] = (dmasim_bus_txn){.addr = a, .len = len, .is_write = (uint8_t)write, .data = data};
}

static void request_at(dmasim_cpu *c, dmasim_time t)
{
    c->state = S_WAIT_BUS;
    c->req_time = t;
    dmasim_event_schedule(c->sim, &c->req_ev, t, DMASIM_PRIO_DEFAULT);
}

/* Start an access at the CPU's time; returns 1 if it needs the bus (request scheduled). */
static int in_uncached_range(const dmasim_cpu *c, dmasim_addr a)
{
    for (size_t i = 0; i < c->nuncached; i++)
        if (a >= c->uncached_ranges[i].base && a - c->uncached_ranges[i].base < c->uncached_ranges[i].size)
            return 1;
    return 0;
}

static void capture(dmasim_cpu *c, uint64_t value, uint32_t n)
{
    if (dmasim__grow(c->sim, (void **)&c->cap, &c->cap_cap, c->ncap + n, 1)) {
        dmasim__fatal(c->sim, DMASIM_ENOMEM, "%s: out of memory for the capture buffer", c->name);
        return;
    }
    put_le(c->cap + c->ncap, value, n);
    c->ncap += n;
}

/* Remember a cache-hit read of this window; it is checked for staleness once simulated time
 * has passed it (check_reads), when every earlier write of another master is known. */
static void log_read(dmasim_cpu *c, const item *it)
{
    const dmasim__cache_result *r = &c->cres;
    if (dmasim__grow(c->sim, (void **)&c->reads, &c->reads_cap, c->nreads + r->nlines, sizeof *c->reads)) {
        dmasim__fatal(c->sim, DMASIM_ENOMEM, "%s: out of memory for the read log", c->name);
        return;
    }
    for (unsigned k = 0; k < r->nlines; k++) {
        dmasim_addr lo = k ? r->line_addr[1] : it->addr;
        dmasim_addr hi = it->addr + it->size;
        if (!k && r->nlines == 2)
            hi = r->line_addr[1];
        c->reads[c->nreads++] = (read_rec){lo, c->t, dmasim__cache_fill_time(c->cache, r->slot[k]), c->op_id,
                                           r->slot[k], (uint32_t)(hi - lo)};
    }
}

static void check_reads(dmasim_cpu *c)
{
    for (size_t i = 0; i < c->nreads; i++) {
        const read_rec *r = &c->reads[i];
        dmasim__cache_check_read(c->cache, r->slot, r->fill, r->addr, r->size, r->t, r->op);
    }
    c->nreads = 0;
}

static int do_access(dmasim_cpu *c, const item *it)
{
    int data = c->wk != W_TRACE;
    if (it->write == 1)
        c->stores++;
    else
        c->loads++;
    /* Trace accesses always go through the D1 (a fill from an unmapped address is a bus error);
     * scripted and synthetic ones only where the slave is cacheable memory and the CPU has not
     * made the range uncached. */
    int cacheable = c->cache && !it->uncached;
    if (cacheable && data) {
        int flags = dmasim_bus_slave_flags(c->bus, it->addr);
        cacheable = flags > 0 && (flags & DMASIM_SLAVE_CACHEABLE) && !in_uncached_range(c, it->addr);
    }
    c->ntxn = 0;
    c->cur_txn = 0;
    if (cacheable) {
        dmasim__cache_set_time(c->cache, c->t, c->op_id);
        if (!dmasim__cache_access_ex(c->cache, it->addr, it->size, it->write, &c->cres, c->wbbuf)) {
            if (it->write != 1)
                log_read(c, it);
            if (data)
                apply_cached_data(c, it);
            if (it->capture)
                capture(c, c->last_load, it->size);
            c->t += (dmasim_time)c->hit_cycles * c->period;
            return 0;
        }
        for (unsigned k = 0; k < c->cres.nops; k++) {
            const dmasim__line_op *op = &c->cres.op[k];
            if (op->writeback)
                queue_txn(c, op->wb_addr, c->line, 1, data ? c->wbbuf + (size_t)k * c->line : NULL);
            queue_txn(c, op->fill_addr, c->line, 0, data ? op->fill_data : NULL);
        }
    } else {
        c->uncached++;
        c->cres.line_data[0] = NULL;
        uint32_t n = it->size > 8 ? 8 : it->size;
        put_le(c->ubuf, it->value, n);
        queue_txn(c, it->addr, n, it->write == 1, c->ubuf);
    }
    c->pending = *it;
    c->pending.uncached = !cacheable;
    request_at(c, c->t);
    return 1;
}

/* A line of a cache maintenance operation; returns 1 if it needs the bus (a write-back). */
static int do_maintenance(dmasim_cpu *c, const item *it)
{
    c->t += (dmasim_time)c->maint_cycles * c->period;
    if (!c->cache)
        return 0;
    dmasim__cache_set_time(c->cache, c->t, c->op_id);
    if (!dmasim__cache_maintain(c->cache, it->addr, it->maint, c->wk != W_TRACE ? c->wbbuf : NULL))
        return 0;
    c->ntxn = 0;
    c->cur_txn = 0;
    queue_txn(c, it->addr, c->line, 1, c->wk != W_TRACE ? c->wbbuf : NULL);
    c->pending = *it;
    request_at(c, c->t);
    return 1;
}

/* An IOMMU op at the CPU's time (>= now). Returns 0, 1 if it must wait for simulated time to
 * reach the CPU's (held; a step event resumes), or a negative error (fatal). */
static int do_iommu(dmasim_cpu *c, const item *it)
{
    if (c->t > dmasim_sim_now(c->sim)) { /* page tables change at the CPU's time, not before */
        c->held = *it;
        c->has_held = 1;
        c->state = S_STEP;
        dmasim_event_schedule(c->sim, &c->step_ev, c->t, DMASIM_PRIO_DEFAULT);
        return 1;
    }
    const dmasim_cpu_op *op = it->op;
    int err;
    switch (op->kind) {
    case DMASIM_OP_IOMMU_MAP:
        err = dmasim_iommu_map(c->mmu, op->domain, op->a, op->b, op->c, (unsigned)op->d,
                               op->page_size ? op->page_size : DMASIM_IOMMU_PAGE_4K);
        break;
    case DMASIM_OP_IOMMU_UNMAP:
        err = dmasim_iommu_unmap(c->mmu, op->domain, op->a, op->c);
        break;
    default:
        err = dmasim_iommu_invalidate(c->mmu, op->domain, op->a, op->c);
        break;
    }
    if (err) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", dmasim_sim_errmsg(c->sim));
        dmasim__fatal(c->sim, err, "%s: op %zu: %s", c->name, (size_t)(op - c->ops), msg);
    }
    return err;
}

static void check_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    check_reads(ctx);
}

static void finish(dmasim_cpu *c)
{
    c->state = S_DONE;
    c->end_time = c->t;
    /* The simulation reaches the workload's end (its last compute cycles count), where the last
     * window's reads are judged. */
    dmasim_event_schedule(c->sim, &c->check_ev, c->t, DMASIM_PRIO_LATE);
    c->cycles = (c->end_time - c->start_time) / c->period;
    if (c->trace) {
        dmasim__trace_close(c->trace);
        c->trace = NULL;
    }
}

/* Run ahead from c->t until the next bus access, interrupt wait, or the end. */
static void advance(dmasim_cpu *c)
{
    c->state = S_RUN;
    if (c->nreads) /* the previous window ended at or before now: its reads can be judged */
        check_reads(c);
    int bounded = dmasim_bus_coherent_active(c->bus);
    for (;;) {
        /* While another master makes coherent transactions, the cache may change under the CPU
         * at any event: run only up to the next one. */
        if (bounded && c->t >= dmasim_sim_next_event_time(c->sim) && c->t > dmasim_sim_now(c->sim)) {
            c->state = S_STEP;
            dmasim_event_schedule(c->sim, &c->step_ev, c->t, DMASIM_PRIO_DEFAULT);
            return;
        }
        item it = {.kind = IT_END};
        int err = 0;
        if (c->has_held) { /* resume the IOMMU op that waited for simulated time */
            it = c->held;
            c->has_held = 0;
        } else {
            err = next_item(c, &it);
            if (!err && it.kind == IT_IOMMU)
                c->t += (dmasim_time)c->iommu_cycles * c->period;
        }
        if (err) {
            finish(c);
            dmasim__fatal(c->sim, err, NULL); /* the reader set "file:line: ..." */
            return;
        }
        switch (it.kind) {
        case IT_COMPUTE:
            c->t += it.cycles * c->period;
            continue;
        case IT_ACCESS:
            if (do_access(c, &it))
                return;
            continue;
        case IT_MAINT:
            if (do_maintenance(c, &it))
                return;
            continue;
        case IT_IOMMU:
            err = do_iommu(c, &it);
            if (err < 0)
                finish(c);
            if (err)
                return;
            continue;
        case IT_WAIT_IRQ:
            if (c->irq && dmasim_signal_value(c->irq))
                continue;
            if (!c->irq) {
                finish(c);
                dmasim__fatal(c->sim, DMASIM_ESTATE, "%s: dma_wait without an interrupt line", c->name);
                return;
            }
            c->state = S_WAIT_IRQ;
            c->irq_waits++;
            c->irq_wait_start = c->t;
            c->step = 0; /* re-run the wait step when woken */
            return;
        case IT_END:
            finish(c);
            return;
        }
    }
}

static void req_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_cpu *c = ctx;
    dmasim_bus_request(c->bus, c->master);
}

static void cpu_granted(void *ctx, dmasim_time t)
{
    (void)t;
    dmasim_cpu *c = ctx;
    c->state = S_BUS;
    dmasim_bus_transfer(c->bus, c->master, &c->txn[0]);
}

static void cpu_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_cpu *c = ctx;
    if (txn->status)
        c->bus_errors++;
    if (++c->cur_txn < c->ntxn) {
        dmasim_bus_transfer(c->bus, c->master, &c->txn[c->cur_txn]);
        return;
    }
    dmasim_bus_release(c->bus, c->master, 0);
    const item *it = &c->pending;
    c->stall_ps += t - c->req_time;
    c->t = t;
    if (it->kind == IT_MAINT) { /* a write-back of a clean/flush: nothing else to do */
        advance(c);
        return;
    }
    if (it->uncached) {
        if (it->write != 1) {
            c->last_load = get_le(c->ubuf, it->size > 8 ? 8 : it->size);
            c->dma_status = (uint32_t)c->last_load;
            if (it->capture)
                capture(c, c->last_load, it->size > 8 ? 8 : it->size);
        }
    } else {
        for (unsigned k = 0; k < c->cres.nops; k++)
            dmasim__cache_fill_done(c->cache, c->cres.op[k].fill_addr, c->cres.op[k].slot, t);
        if (c->wk != W_TRACE) {
            dmasim__cache_set_time(c->cache, t, c->op_id);
            apply_cached_data(c, it);
            if (it->capture)
                capture(c, c->last_load, it->size);
        }
        c->t += (dmasim_time)c->hit_cycles * c->period;
    }
    advance(c);
}

static dmasim_time cpu_next_request(void *ctx)
{
    const dmasim_cpu *c = ctx;
    switch (c->state) {
    case S_WAIT_BUS:
        return c->req_time;
    case S_BUS:
        return dmasim_sim_now(c->sim);
    case S_RUN: /* inside advance(): not yet known, assume now */
        return dmasim_sim_now(c->sim);
    case S_STEP: /* stopped at c->t for coherence: it may need the bus right there */
        return c->t;
    default:
        return DMASIM_TIME_NEVER;
    }
}

static const dmasim_bus_master_ops cpu_master_ops = {1, cpu_granted, cpu_done, cpu_next_request, NULL};

static void step_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    advance(ctx);
}

/* The D1 as a snooper of the other masters' transactions. */
static void cpu_observe(void *ctx, int master, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_cpu *c = ctx;
    dmasim__snoop sn = {txn->addr, txn->len, txn->is_write, txn->coherent != DMASIM_TXN_NONCOHERENT,
                        txn->coherent == DMASIM_TXN_SNOOP_UPDATE, txn->data, master, txn->tag, t};
    dmasim__cache_observe(c->cache, &sn);
}

static const dmasim_bus_snooper_ops cpu_snooper_ops = {1, cpu_observe};

static void resume_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_cpu *c = ctx;
    c->t = dmasim_sim_now(sim);
    c->irq_wait_cycles += (c->t - c->irq_wait_start) / c->period;
    advance(c);
}

static void irq_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    dmasim_cpu *c = ctx;
    if (value && c->state == S_WAIT_IRQ && !dmasim_event_pending(&c->resume_ev)) {
        dmasim_time w = dmasim_clock_edge_at_or_after(t < c->irq_wait_start ? c->irq_wait_start : t, c->period);
        dmasim_event_schedule(c->sim, &c->resume_ev, w, DMASIM_PRIO_DEFAULT);
    }
}

int dmasim_cpu_set_irq(dmasim_cpu *c, dmasim_signal *irq)
{
    c->irq = irq;
    return irq ? dmasim_signal_subscribe(irq, irq_changed, c) : 0;
}

/* ---- life cycle and statistics ---- */

static void cpu_destroy(void *self)
{
    dmasim_cpu *c = self;
    dmasim_sim *sim = c->sim;
    dmasim__trace_close(c->trace);
    dmasim__free(sim, c->ops, c->nops * sizeof *c->ops);
    dmasim__free(sim, c->wbbuf, 2 * (size_t)c->line);
    dmasim__free(sim, c->stall_by, c->nstall_by * sizeof *c->stall_by);
    dmasim__free(sim, c->reads, c->reads_cap * sizeof *c->reads);
    dmasim__free(sim, c->uncached_ranges, c->uncached_cap * sizeof *c->uncached_ranges);
    dmasim__free(sim, c->cap, c->cap_cap);
    dmasim__strfree(sim, c->name);
    dmasim__free(sim, c, sizeof *c);
}

static void cpu_stats_update(void *self)
{
    dmasim_cpu *c = self;
    if (c->state != S_DONE && c->state != S_IDLE)
        c->cycles = (dmasim_sim_now(c->sim) - c->start_time) / c->period;
    c->stall_cycles = c->stall_ps / c->period;
    uint64_t others = 0;
    for (size_t i = 0; i < c->nstall_by; i++) {
        if ((int)i == c->master)
            continue;
        c->stall_by[i] = dmasim_bus_wait_by(c->bus, c->master, (int)i) / c->period;
        others += c->stall_by[i];
    }
    if ((size_t)c->master < c->nstall_by)
        c->stall_by[c->master] = c->stall_cycles - others;
}

static const dmasim__component_ops cpu_component = {cpu_destroy, cpu_stats_update};

static int cpu_register(dmasim_cpu *c)
{
    dmasim_sim *sim = c->sim;
    const char *p = c->name;
    int e = 0;
    e |= dmasim__stat_u64(sim, p, "cycles", &c->cycles, "cycles (CPU clock)", "workload start to end");
    e |= dmasim__stat_u64(sim, p, "instructions", &c->instructions, "", "trace I lines");
    e |= dmasim__stat_u64(sim, p, "loads", &c->loads, "", "data loads (L and M)");
    e |= dmasim__stat_u64(sim, p, "stores", &c->stores, "", "data stores");
    e |= dmasim__stat_u64(sim, p, "uncached_accesses", &c->uncached, "", "accesses that bypassed the D1");
    e |= dmasim__stat_u64(sim, p, "stall_cycles", &c->stall_cycles, "cycles (CPU clock)",
                          "cycles stalled on the bus (request to completion)");
    e |= dmasim__stat_u64(sim, p, "bus_errors", &c->bus_errors, "", "transactions answered with an error");
    e |= dmasim__stat_u64(sim, p, "irq_waits", &c->irq_waits, "", "waits for the DMA interrupt");
    e |= dmasim__stat_u64(sim, p, "irq_wait_cycles", &c->irq_wait_cycles, "cycles (CPU clock)",
                          "cycles spent waiting for the interrupt");
    e |= dmasim__stat_u64(sim, p, "trace_lines", &c->trace_lines, "", "trace lines replayed");
    e |= dmasim__stat_u64(sim, p, "irqs_taken", &c->irqs_taken, "", "interrupts taken by DMA_WAIT");
    e |= dmasim__stat_u64(sim, p, "irq_overhead_cycles", &c->irq_overhead_cycles, "cycles (CPU clock)",
                          "interrupt latency and handler cycles");
    e |= dmasim__stat_u64(sim, p, "polls", &c->polls, "", "status reads of DMA_POLL");
    e |= dmasim__stat_u64(sim, p, "pio_bytes", &c->pio_bytes, "bytes", "bytes copied by COPY (programmed I/O)");
    return e ? DMASIM_ENOMEM : 0;
}

/* Stall-by statistics for every master on the bus (call after all masters exist: at start). */
static int cpu_register_stall_by(dmasim_cpu *c)
{
    if (c->stall_by)
        return 0;
    size_t n = (size_t)dmasim_bus_master_count(c->bus);
    c->stall_by = dmasim__alloc(c->sim, n * sizeof *c->stall_by);
    if (!c->stall_by)
        return DMASIM_ENOMEM;
    c->nstall_by = n;
    char p[300];
    snprintf(p, sizeof p, "%s.stall_cycles_by", c->name);
    for (size_t i = 0; i < n; i++)
        if (dmasim__stat_u64(c->sim, p, dmasim_bus_master_name(c->bus, (int)i), &c->stall_by[i],
                             "cycles (CPU clock)", "stall cycles while this master held the bus (self: own accesses)"))
            return DMASIM_ENOMEM;
    return 0;
}

int dmasim_cpu_create(dmasim_bus *bus, const dmasim_cpu_config *cfg, dmasim_cpu **out)
{
    dmasim_cpu_config def;
    if (!cfg) {
        dmasim_cpu_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "cpu0";
    dmasim_time bp = dmasim_bus_period(bus);
    if (cfg->clock_ratio < 1 || cfg->clock_ratio > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: clock_ratio %u out of range 1..1024", name, cfg->clock_ratio);
    if (bp % cfg->clock_ratio)
        return dmasim__error(sim, DMASIM_EINVAL,
                             "%s: bus period %llu ps is not divisible by clock_ratio %u (the CPU period must be whole ps)",
                             name, (unsigned long long)bp, cfg->clock_ratio);
    dmasim_cpu *c = dmasim__alloc(sim, sizeof *c);
    if (!c)
        return DMASIM_ENOMEM;
    c->sim = sim;
    c->bus = bus;
    c->ratio = cfg->clock_ratio;
    c->period = bp / cfg->clock_ratio;
    c->name = dmasim__strdup(sim, name);
    if (!c->name) {
        dmasim__free(sim, c, sizeof *c);
        return DMASIM_ENOMEM;
    }
    c->line = cfg->dcache.line ? cfg->dcache.line : 64;
    if (dmasim__component_add(sim, c, &cpu_component)) {
        cpu_destroy(c);
        return DMASIM_ENOMEM;
    }
    dmasim_event_init(&c->req_ev, req_event, c);
    dmasim_event_init(&c->resume_ev, resume_event, c);
    dmasim_event_init(&c->step_ev, step_event, c);
    dmasim_event_init(&c->check_ev, check_event, c);
    if (cfg->snoop_cycles > 1024 || cfg->maintenance_cycles > 1000)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: snoop_cycles must be 0..1024 and maintenance_cycles 0..1000",
                             name);
    c->maint_cycles = cfg->maintenance_cycles;
    if (cfg->iommu_op_cycles > 100000 || cfg->irq_latency_cycles > 100000 || cfg->irq_handler_cycles > 100000 ||
        cfg->poll_interval_cycles > 100000 || cfg->pio_cycles_per_word > 1000)
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: iommu_op/irq_latency/irq_handler/poll_interval cycles must be 0..100000 and "
                             "pio_cycles_per_word 0..1000", name);
    c->irq_latency = cfg->irq_latency_cycles;
    c->irq_handler = cfg->irq_handler_cycles;
    c->poll_interval = cfg->poll_interval_cycles;
    c->pio_cycles = cfg->pio_cycles_per_word;
    c->iommu_cycles = cfg->iommu_op_cycles;
    int err;
    if (cfg->dcache_enabled) {
        char cname[300];
        snprintf(cname, sizeof cname, "%s.dcache", name);
        if (cfg->dcache.size && cfg->dcache.size == cfg->dcache.line)
            return dmasim__error(sim, DMASIM_EINVAL,
                                 "%s: a D1 of one line (size == line) cannot hold both lines of an access that "
                                 "straddles two lines; size must be at least 2 * line", cname);
        err = dmasim__cache_create(sim, cname, &cfg->dcache, &c->cache);
        if (err)
            return err;
        c->hit_cycles = cfg->dcache.hit_cycles;
    }
    c->wbbuf = dmasim__alloc(sim, 2 * (size_t)c->line);
    if (!c->wbbuf)
        return DMASIM_ENOMEM;
    if ((err = cpu_register(c)) != 0)
        return err;
    int m = dmasim_bus_add_master(bus, name, cfg->bus_priority, &cpu_master_ops, c);
    if (m < 0)
        return m;
    c->master = m;
    if (c->cache) {
        if ((err = dmasim_cache_set_max_reports(c->cache, cfg->max_stale_reports)) != 0)
            return err;
        if ((err = dmasim_bus_add_snooper(bus, m, cfg->snoop_cycles, &cpu_snooper_ops, c)) != 0)
            return err;
        dmasim__bus_snooper_filter(bus, m, dmasim__cache_filter(c->cache));
    }
    *out = c;
    return 0;
}

int dmasim_cpu_add_uncached(dmasim_cpu *c, dmasim_addr base, uint64_t size)
{
    if (size == 0 || base + (size - 1) < base)
        return dmasim__error(c->sim, DMASIM_EINVAL, "%s: uncached range needs a size > 0 that does not wrap",
                             c->name);
    for (size_t i = 0; i < c->nuncached; i++) {
        const range *r = &c->uncached_ranges[i];
        if (base <= r->base + (r->size - 1) && r->base <= base + (size - 1))
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: uncached range [0x%llx, +0x%llx) overlaps another",
                                 c->name, (unsigned long long)base, (unsigned long long)size);
    }
    if (dmasim__grow(c->sim, (void **)&c->uncached_ranges, &c->uncached_cap, c->nuncached + 1,
                     sizeof *c->uncached_ranges))
        return DMASIM_ENOMEM;
    c->uncached_ranges[c->nuncached++] = (range){base, size};
    return 0;
}

int dmasim_cpu_set_iommu(dmasim_cpu *c, dmasim_iommu *mmu)
{
    c->mmu = mmu;
    return 0;
}

const uint8_t *dmasim_cpu_captured(const dmasim_cpu *c, size_t *len)
{
    *len = c->ncap;
    return c->ncap ? c->cap : NULL;
}

static int start_workload(dmasim_cpu *c, wkind wk)
{
    int err = cpu_register_stall_by(c);
    if (err)
        return err;
    if (wk != W_TRACE && c->cache && (err = dmasim__cache_enable_data(c->cache)) != 0)
        return err;
    c->wk = wk;
    c->t = c->start_time = dmasim_sim_now(c->sim);
    c->end_time = DMASIM_TIME_NEVER;
    advance(c);
    return 0;
}

int dmasim_cpu_run_trace(dmasim_cpu *c, const dmasim_trace_config *cfg)
{
    if (c->wk != W_NONE)
        return dmasim__error(c->sim, DMASIM_ESTATE, "%s: a workload is already set", c->name);
    if (!cfg || !cfg->path)
        return dmasim__error(c->sim, DMASIM_EINVAL, "%s: trace path missing", c->name);
    if (cfg->cpi > 1000)
        return dmasim__error(c->sim, DMASIM_ERANGE, "%s: cpi %u out of range 0..1000", c->name, cfg->cpi);
    int err = dmasim__trace_open(c->sim, cfg->path, &c->trace);
    if (err)
        return err;
    c->tcfg = *cfg;
    c->tcfg.path = NULL;
    return start_workload(c, W_TRACE);
}

static int check_op(dmasim_cpu *c, size_t i, const dmasim_cpu_op *op)
{
    switch (op->kind) {
    case DMASIM_OP_COMPUTE:
        return 0;
    case DMASIM_OP_LOAD:
    case DMASIM_OP_STORE:
        if (op->b == 1 || op->b == 2 || op->b == 4 || op->b == 8)
            return 0;
        return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: size %llu is not 1, 2, 4 or 8", c->name, i,
                             (unsigned long long)op->b);
    case DMASIM_OP_DMA_START:
        if (!dmasim__is_pow2(op->item_size) || op->item_size > 64 || op->mode > 2 || op->d == 0 ||
            op->d > 0xFFFFFFFFu)
            return dmasim__error(c->sim, DMASIM_EINVAL,
                                 "%s: op %zu: dma_start needs item_size 1..64 (power of two), a mode 0..2 and "
                                 "count 1..2^32-1", c->name, i);
        return 0;
    case DMASIM_OP_DMA_WAIT:
    case DMASIM_OP_DMA_POLL:
        return 0;
    case DMASIM_OP_COPY:
        if (op->c == 0 || op->c % 8 || op->a + op->c < op->a || op->b + op->c < op->b)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: copy needs a size that is a non-zero multiple of 8",
                                 c->name, i);
        return 0;
    case DMASIM_OP_IOMMU_MAP:
    case DMASIM_OP_IOMMU_UNMAP:
    case DMASIM_OP_IOMMU_INVALIDATE:
        if (!c->mmu)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: an IOMMU op, but the CPU has no IOMMU", c->name, i);
        if (op->kind != DMASIM_OP_IOMMU_INVALIDATE && op->c == 0)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: an IOMMU map/unmap of an empty range", c->name, i);
        return 0;
    case DMASIM_OP_READ_BUFFER:
        if (op->b == 0 || op->a + op->b < op->a)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: read_buffer needs a size > 0", c->name, i);
        return 0;
    case DMASIM_OP_DMA_MAP:
    case DMASIM_OP_DMA_UNMAP:
    case DMASIM_OP_DMA_SYNC_FOR_CPU:
    case DMASIM_OP_DMA_SYNC_FOR_DEVICE:
        if (op->c > DMASIM_DMA_BIDIRECTIONAL)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: unknown DMA direction %llu", c->name, i,
                                 (unsigned long long)op->c);
        /* fall through - the same range rules as the cache operations */
    case DMASIM_OP_CACHE_CLEAN:
    case DMASIM_OP_CACHE_INVALIDATE:
    case DMASIM_OP_CACHE_FLUSH:
        if (op->b == 0)
            return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: cache maintenance of an empty range", c->name,
                                 i);
        if (op->a % c->line || op->b % c->line || op->a + op->b < op->a)
            return dmasim__error(c->sim, DMASIM_EINVAL,
                                 "%s: op %zu: range [0x%llx, +0x%llx) is not aligned to the %u-byte cache line "
                                 "(non-coherent DMA buffers must be cache-line aligned, as the Linux DMA API "
                                 "requires: a partial line would lose the neighbour's data)",
                                 c->name, i, (unsigned long long)op->a, (unsigned long long)op->b, c->line);
        return 0;
    }
    return dmasim__error(c->sim, DMASIM_EINVAL, "%s: op %zu: unknown kind %d", c->name, i, (int)op->kind);
}

int dmasim_cpu_run_script(dmasim_cpu *c, const dmasim_cpu_op *ops, size_t n)
{
    if (c->wk != W_NONE)
        return dmasim__error(c->sim, DMASIM_ESTATE, "%s: a workload is already set", c->name);
    for (size_t i = 0; i < n; i++) {
        int err = check_op(c, i, &ops[i]);
        if (err)
            return err;
    }
    if (n) {
        c->ops = dmasim__alloc(c->sim, n * sizeof *ops);
        if (!c->ops)
            return DMASIM_ENOMEM;
        memcpy(c->ops, ops, n * sizeof *ops);
    }
    c->nops = n;
    return start_workload(c, W_SCRIPT);
}

int dmasim_cpu_run_synthetic(dmasim_cpu *c, const dmasim_synthetic_config *cfg)
{
    if (c->wk != W_NONE)
        return dmasim__error(c->sim, DMASIM_ESTATE, "%s: a workload is already set", c->name);
    if (!(cfg->size == 1 || cfg->size == 2 || cfg->size == 4 || cfg->size == 8) || cfg->working_set < cfg->size ||
        cfg->read_percent > 100)
        return dmasim__error(c->sim, DMASIM_ERANGE,
                             "%s: synthetic workload needs size 1/2/4/8, working_set >= size, read_percent <= 100",
                             c->name);
    c->syn = *cfg;
    c->rng = dmasim_sim_seed(c->sim) ^ 0xC0FFEEull;
    return start_workload(c, W_SYNTH);
}

int dmasim_cpu_finished(const dmasim_cpu *c) { return c->state == S_DONE; }
dmasim_cache *dmasim_cpu_dcache(dmasim_cpu *c) { return c->cache; }
int dmasim_cpu_bus_master(const dmasim_cpu *c) { return c->master; }
uint64_t dmasim_cpu_last_load(const dmasim_cpu *c) { return c->last_load; }

uint64_t dmasim_cpu_cycles(const dmasim_cpu *c)
{
    cpu_stats_update((void *)c);
    return c->cycles;
}

uint64_t dmasim_cpu_stall_cycles(const dmasim_cpu *c)
{
    return c->stall_ps / c->period;
}

uint64_t dmasim_cpu_stall_cycles_by(const dmasim_cpu *c, int master)
{
    cpu_stats_update((void *)c);
    return master >= 0 && (size_t)master < c->nstall_by ? c->stall_by[master] : 0;
}

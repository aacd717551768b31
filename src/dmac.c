/* The DMA controller: channels, the three modes, register file, interrupt, HRQ/HLDA pins.
 * Mode policy lives here; the bus only arbitrates. Fast path: a tenure's units are computed
 * in one event (and, in cycle stealing / transparent mode, the re-arbitrations the reference
 * path would win anyway are folded in with dmasim_bus_rearbitrate). Reference path: one
 * transaction at a time, the bus advancing one cycle per event. Both give identical results. */
#include <stdio.h>
#include "internal.h"

typedef struct channel {
    /* registers as programmed */
    uint64_t reg_src, reg_dst, reg_count;
    uint32_t reg_ctrl;
    /* the transfer in progress (or the last one) */
    dmasim_dma_transfer x;
    int busy, tc, error, err;
    dmasim_addr err_addr, next_src, next_dst;
    uint64_t items_done;
    dmasim_time start_time, end_time;
    uint64_t reg_desc;
    dmasim_event start_ev; /* register-programmed start, at the write's data time */
    dmasim_event tc_ev;    /* end of the TC pulse */
    dmasim_signal *busy_sig; /* "<dmac>.chN.busy": 1 from start to terminal count or error */
    dmasim_signal *dack, *tc_sig; /* "<dmac>.chN.dack", "<dmac>.chN.tc" */
    /* the device (device.h) */
    const dmasim_dma_device_ops *dev;
    void *dev_ctx;
    dmasim_signal *dreq;
    struct dmasim_dmac *child; /* cascade: a second controller requests the bus through this channel */
    int masked, aborted, block_started, desc_irq;
    dmasim_time retry_at;  /* a device that answered EBUSY is not asked again before this */
    /* scatter-gather */
    dmasim_addr desc_addr, desc_next;
    int desc_loaded, desc_wait;
    uint64_t desc_count, desc_done, desc_seen, ndesc;
    uint32_t desc_flags;
    struct dmasim_dmac *dmac;
    /* statistics */
    uint64_t transfers, items, bytes, completion_cycles, total_busy_cycles, errors;
    uint64_t walk_reads, walk_cycles; /* IOMMU page-table reads issued for this channel */
    uint64_t descriptors, desc_fetch_cycles, autoinits, stalls;
} channel;

enum state { ST_IDLE, ST_WAIT_IDLE, ST_REQUESTING, ST_OWN };

/* The steps of one unit: fetch a scatter-gather descriptor (when one is needed), translate the
 * source (page-table reads through the IOMMU, if any), read, translate the destination, write,
 * write the descriptor back (ring mode, after its last item). Device directions skip the side
 * the device stands for. */
enum { U_FETCH, U_XLATE_SRC, U_READ, U_XLATE_DST, U_WRITE, U_WRITEBACK, U_DONE };

/* unit_done() outcomes */
enum { UNIT_GO_ON = 0, UNIT_FINISHED = 1, UNIT_STALLED = 2 };
/* unit status for "nothing moved, not an error": the device was not ready, or ring-mode wait */
enum { U_NOT_READY = 1 };

typedef struct unit {
    int phase;
    int walking;              /* the transaction in flight reads a page-table entry */
    dmasim_iommu_walk walk;
    dmasim_addr src, dst;     /* physical addresses */
    uint8_t pte[8];
    uint8_t desc[DMASIM_DESC_SIZE];
    int status;               /* 0, U_NOT_READY, a bus error, DMASIM_EFAULT, DMASIM_ERANGE */
    dmasim_addr fail_addr;    /* the failing transaction's address (the IOVA for a fault) */
} unit;

struct dmasim_dmac {
    dmasim_sim *sim;
    dmasim_bus *bus;
    char *name;
    int master;
    uint32_t nch;
    channel *ch;
    dmasim_addr reg_base;
    uint32_t reg_ws, max_burst;
    dmasim_time period;
    dmasim_signal *irq, *hrq, *hlda, *eop;
    int rotating, eop_armed;
    int last_served;         /* rotating priority: the channel served last */
    uint32_t max_desc;
    struct dmasim_dmac *parent; /* cascaded behind parent's channel parent_ch (NULL: on its own) */
    unsigned parent_ch;
    enum state state;
    int cur;                 /* channel served in this tenure */
    uint64_t tenure_units;
    dmasim_event cont_ev;    /* fast path: end of a batch */
    dmasim_event retry_ev;   /* a stalled device channel may be served again */
    int batch_finished;      /* the batch ended the channel (TC or error) */
    int batch_pause;         /* the batch stopped at an event inside a burst tenure */
    unit u;
    dmasim_iommu *mmu;       /* translates the channels' addresses (NULL: none) */
    uint32_t iommu_device;   /* requester id of channel 0; channel n is iommu_device + n */
    /* reference path: one unit as two async transactions */
    dmasim_bus_txn txn;
    uint8_t data[64];        /* the data register */
    /* statistics */
    uint64_t units, tenures, register_errors;
};

static const char *mode_names[] = {"burst", "cycle_stealing", "transparent", "demand"};

const char *dmasim_dma_mode_name(dmasim_dma_mode mode)
{
    return (unsigned)mode < 4 ? mode_names[mode] : NULL;
}

void dmasim_dmac_config_init(dmasim_dmac_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "dmac0";
    cfg->channels = 4;
    cfg->bus_priority = 0;
    cfg->reg_base = 0xF0000000u;
    cfg->reg_wait_states = 1;
    cfg->max_burst = 0;
    cfg->max_descriptors = 65536;
}

void dmasim_dma_transfer_init(dmasim_dma_transfer *t)
{
    memset(t, 0, sizeof *t);
    t->count = 1;
    t->item_size = 4;
    t->mode = DMASIM_DMA_BURST;
    t->irq_enable = 1;
}

static void kick(dmasim_dmac *d);
static void request_bus(dmasim_dmac *d);
static void withdraw_if_unneeded(dmasim_dmac *d);
static void cascade_over(dmasim_dmac *p);
static void dmac_granted(void *ctx, dmasim_time t);
static void dmac_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t);

/* ---- channel bookkeeping ---- */

static void update_irq(dmasim_dmac *d)
{
    int level = 0;
    for (uint32_t i = 0; i < d->nch; i++)
        if ((d->ch[i].tc || d->ch[i].error || d->ch[i].aborted || d->ch[i].desc_irq) && d->ch[i].x.irq_enable)
            level = 1;
    dmasim_signal_set(d->irq, (uint64_t)level);
}

static void tc_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    channel *c = ctx;
    dmasim__sim_passive_add(sim, -1);
    dmasim_signal_set(c->tc_sig, 0);
}

/* Terminal count at time t: the TC bit, a one-cycle TC pulse, the device told. */
static void terminal_count(dmasim_dmac *d, channel *c, dmasim_time t)
{
    c->tc = 1;
    if (dmasim_signal_observed(c->tc_sig)) { /* a one-cycle pulse, for whoever watches the pin */
        dmasim_signal_set(c->tc_sig, 1);
        /* passive: the pulse's end does not keep the run alive, so watching TC changes no result
         * (a run that ends before the pulse does leaves TC high at its end) */
        if (!dmasim_event_pending(&c->tc_ev))
            dmasim__sim_passive_add(d->sim, 1);
        dmasim_event_schedule(d->sim, &c->tc_ev, t + d->period, DMASIM_PRIO_SIGNAL);
    }
    if (c->dev && c->dev->done && c->x.direction != DMASIM_DMA_MEM_TO_MEM)
        c->dev->done(c->dev_ctx, 0, t);
}

static void channel_finish(dmasim_dmac *d, channel *c, dmasim_time t)
{
    c->busy = 0;
    c->block_started = 0;
    dmasim_signal_set(c->busy_sig, 0);
    dmasim_signal_set(c->dack, 0);
    if (c->x.coherence != DMASIM_COHERENCE_NONE)
        dmasim_bus_coherent_traffic(d->bus, -1);
    c->end_time = t;
    c->completion_cycles = (t - c->start_time) / d->period;
    c->total_busy_cycles += c->completion_cycles;
    if (!c->error && !c->aborted) {
        terminal_count(d, c, t);
        c->masked = 1; /* 8237A: the mask bit is set at TC (autoinitialize never gets here) */
    } else if (c->dev && c->dev->done && c->x.direction != DMASIM_DMA_MEM_TO_MEM) {
        c->dev->done(c->dev_ctx, c->aborted ? DMASIM_ESTATE : c->err, t);
    }
    update_irq(d);
}

static int check_transfer(dmasim_dmac *d, unsigned ch, const dmasim_dma_transfer *t)
{
    if (ch >= d->nch)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: no channel %u (has %u)", d->name, ch, d->nch);
    if (t->count == 0 && !t->sg)
        return dmasim__error(d->sim, DMASIM_ERANGE, "%s.ch%u: count must be >= 1", d->name, ch);
    if (!dmasim__is_pow2(t->item_size) || t->item_size > 64)
        return dmasim__error(d->sim, DMASIM_ERANGE, "%s.ch%u: item_size %u is not 1, 2, 4, 8, 16, 32 or 64",
                             d->name, ch, t->item_size);
    if ((unsigned)t->mode > DMASIM_DMA_DEMAND)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: unknown mode %d", d->name, ch, (int)t->mode);
    if ((unsigned)t->direction > DMASIM_DMA_MEM_TO_DEV || (unsigned)t->src_step > DMASIM_DMA_FIXED ||
        (unsigned)t->dst_step > DMASIM_DMA_FIXED)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: unknown direction or address step", d->name, ch);
    if (t->direction != DMASIM_DMA_MEM_TO_MEM && !d->ch[ch].dev)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: a device transfer needs an attached device", d->name,
                             ch);
    if (t->ring && !t->sg)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: ring mode needs a descriptor (sg)", d->name, ch);
    if ((unsigned)t->coherence > DMASIM_COHERENCE_SNOOP_UPDATE)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: unknown coherence %d", d->name, ch,
                             (int)t->coherence);
    if (t->count > UINT64_MAX / t->item_size)
        return dmasim__error(d->sim, DMASIM_ERANGE, "%s.ch%u: count * item_size overflows", d->name, ch);
    return 0;
}

/* Start values of the transfer (also autoinitialize's reload). */
static void load_start(channel *c)
{
    c->items_done = 0;
    c->next_src = c->x.src;
    c->next_dst = c->x.dst;
    c->desc_addr = c->x.sg;
    c->desc_loaded = 0;
    c->desc_wait = 0;
    c->desc_seen = 0;
}

int dmasim_dmac_channel_start(dmasim_dmac *d, unsigned ch, const dmasim_dma_transfer *t)
{
    int err = check_transfer(d, ch, t);
    if (err)
        return err;
    channel *c = &d->ch[ch];
    if (c->busy)
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s.ch%u: channel is running", d->name, ch);
    c->x = *t;
    c->busy = 1;
    c->tc = c->error = c->aborted = c->desc_irq = 0;
    c->err = 0;
    c->masked = 0;
    c->block_started = c->dev && t->mode == DMASIM_DMA_BURST && c->dreq && dmasim_signal_value(c->dreq);
    c->ndesc = 0;
    load_start(c);
    c->start_time = dmasim__now(d->sim);
    c->end_time = DMASIM_TIME_NEVER;
    c->transfers++;
    dmasim_signal_set(c->busy_sig, 1);
    if (t->coherence != DMASIM_COHERENCE_NONE)
        dmasim_bus_coherent_traffic(d->bus, +1);
    update_irq(d);
    if (d->state == ST_IDLE || d->state == ST_WAIT_IDLE)
        kick(d);
    return 0;
}

/* Whether channel c can be served now: running, unmasked, not waiting for a descriptor, and
 * (with a device) requested: DREQ high, or a burst block already started by DREQ. */
static int channel_ready(const channel *c)
{
    if (c->child) /* cascade: the second controller's HRQ is this channel's DREQ */
        return !c->masked && c->child->state == ST_REQUESTING;
    if (!c->busy || c->masked || c->desc_wait || dmasim__now(c->dmac->sim) < c->retry_at)
        return 0;
    if (!c->dev || c->x.direction == DMASIM_DMA_MEM_TO_MEM)
        return 1;
    if (c->x.mode == DMASIM_DMA_BURST && c->block_started)
        return 1;
    return c->dreq && dmasim_signal_value(c->dreq) != 0;
}

/* The channel to serve: fixed priority, the lowest-numbered ready one; rotating, the first
 * ready one after the channel served last. -1 if none. */
static int pick_channel(const dmasim_dmac *d)
{
    uint32_t first = d->rotating ? (uint32_t)(d->last_served + 1) % d->nch : 0;
    for (uint32_t k = 0; k < d->nch; k++) {
        uint32_t i = (first + k) % d->nch;
        if (channel_ready(&d->ch[i]))
            return (int)i;
    }
    return -1;
}

/* End time of one unit of channel c granted at edge e: arbitration, the read, the write. */
static dmasim_time unit_end(const dmasim_dmac *d, const channel *c, dmasim_time e)
{
    uint64_t snoop = c->x.coherence ? dmasim_bus_snoop_cycles(d->bus, d->master) : 0;
    dmasim_time t = e + dmasim__bus_arb_ps(d->bus) + snoop * d->period;
    if (d->mmu) /* at most a full walk per address; table reads assumed to cost source reads */
        t += 2 * DMASIM__IOMMU_MAX_LEVELS * dmasim_bus_predict_cycles(d->bus, c->next_src, 8, 0, t) * d->period;
    if (c->x.sg && !c->desc_loaded) /* the descriptor fetch comes first (R22) */
        t += dmasim_bus_predict_cycles(d->bus, c->desc_addr, DMASIM_DESC_SIZE, 0, t) * d->period;
    t += dmasim_bus_predict_cycles(d->bus, c->next_src, c->x.item_size, 0, t) * d->period + snoop * d->period;
    t += dmasim_bus_predict_cycles(d->bus, c->next_dst, c->x.item_size, 1, t) * d->period;
    if (c->x.ring && c->desc_loaded && c->desc_done + 1 == c->desc_count) /* and the write-back */
        t += dmasim_bus_predict_cycles(d->bus, c->desc_addr + DMASIM_DESC_FLAGS, 4, 1, t) * d->period;
    else if (c->x.ring && !c->desc_loaded) /* a one-item descriptor: fetched and written back */
        t += dmasim_bus_predict_cycles(d->bus, c->desc_addr + DMASIM_DESC_FLAGS, 4, 1, t) * d->period;
    return t;
}

/* ---- requesting the bus ---- */

/* Transparent mode: request only if the unit fits before any other master needs the bus. */
static void try_transparent(dmasim_dmac *d, int ci)
{
    dmasim_time e = dmasim_bus_grant_edge(d->bus);
    if (e != DMASIM_TIME_NEVER) {
        if (unit_end(d, &d->ch[ci], e) <= dmasim_bus_quiet_until(d->bus, d->master)) {
            request_bus(d);
            return;
        }
    }
    d->state = ST_WAIT_IDLE;
    dmasim_bus_notify_idle(d->bus, d->master);
}

/* Raise HRQ: a request on the bus, or, cascaded, a DREQ on the parent's channel (8237A
 * cascade mode: the second controller's HRQ drives the first one's DREQ, its DACK the HLDA). */
static void request_bus(dmasim_dmac *d)
{
    d->state = ST_REQUESTING;
    dmasim_signal_set(d->hrq, 1);
    if (d->parent) {
        if (d->parent->state == ST_IDLE || d->parent->state == ST_WAIT_IDLE)
            kick(d->parent);
        return;
    }
    dmasim_bus_request(d->bus, d->master);
}

static void kick(dmasim_dmac *d)
{
    int ci = pick_channel(d);
    if (ci < 0) {
        d->state = ST_IDLE;
        return;
    }
    if (!d->ch[ci].child && d->ch[ci].x.mode == DMASIM_DMA_TRANSPARENT) {
        try_transparent(d, ci);
        return;
    }
    request_bus(d);
}

static void dmac_idle(void *ctx, dmasim_time t)
{
    dmasim_dmac *d = ctx;
    for (uint32_t i = 0; i < d->nch; i++) /* a cascaded controller waits through our master */
        if (d->ch[i].child && d->ch[i].child->state == ST_WAIT_IDLE)
            dmac_idle(d->ch[i].child, t);
    if (d->state == ST_WAIT_IDLE)
        kick(d);
}

static dmasim_time dmac_next_request(void *ctx)
{
    const dmasim_dmac *d = ctx;
    return d->state == ST_IDLE ? DMASIM_TIME_NEVER : dmasim__now(d->sim);
}

static dmasim_addr stepped(dmasim_addr a, dmasim_dma_step step, uint32_t n)
{
    return step == DMASIM_DMA_INCREMENT ? a + n : step == DMASIM_DMA_DECREMENT ? a - n : a;
}

/* The end of the transfer's block at time t: autoinitialize reloads and goes on (UNIT_GO_ON),
 * otherwise the channel is finished. */
static int end_of_block(dmasim_dmac *d, channel *c, dmasim_time t)
{
    if (!c->x.autoinit)
        return UNIT_FINISHED;
    terminal_count(d, c, t);
    update_irq(d);
    c->completion_cycles = (t - c->start_time) / d->period; /* this block */
    c->total_busy_cycles += c->completion_cycles;
    c->start_time = t;
    c->autoinits++;
    c->transfers++;
    c->block_started = 0; /* with a device, the next block waits for DREQ again */
    load_start(c);
    return UNIT_GO_ON;
}

/* After a unit at time t: record it; returns UNIT_GO_ON, UNIT_FINISHED (TC, error, EOP) or
 * UNIT_STALLED (the device was not ready, or a ring descriptor is not owned: nothing moved). */
static int unit_done(dmasim_dmac *d, channel *c, int status, dmasim_addr fail_addr, dmasim_time t)
{
    d->tenure_units++;
    if (status == U_NOT_READY) {
        c->stalls++;
        if (!c->desc_wait && dmasim__bus_arb_ps(d->bus) == 0) {
            /* Without arbitration cycles the re-grant would ask the device again in the same
             * instant, forever: ask again one bus cycle later. (With them, time moves anyway.) */
            c->retry_at = t + d->period;
            dmasim_event_schedule(d->sim, &d->retry_ev, c->retry_at, DMASIM_PRIO_DEFAULT);
        }
        return UNIT_STALLED;
    }
    d->units++;
    if (status) {
        c->error = 1;
        c->err = status;
        c->err_addr = fail_addr;
        c->errors++;
        return UNIT_FINISHED;
    }
    c->items_done++;
    c->items++;
    c->bytes += c->x.item_size;
    c->next_src = stepped(c->next_src, c->x.src_step, c->x.item_size);
    c->next_dst = stepped(c->next_dst, c->x.dst_step, c->x.item_size);
    if (c->aborted)
        return UNIT_FINISHED;
    if (!c->x.sg)
        return c->items_done == c->x.count ? end_of_block(d, c, t) : UNIT_GO_ON;
    if (++c->desc_done < c->desc_count)
        return UNIT_GO_ON;
    /* a descriptor is complete */
    c->ndesc++;
    c->descriptors++;
    c->desc_loaded = 0;
    if (c->desc_flags & DMASIM_DESC_IRQ) {
        c->desc_irq = 1;
        update_irq(d);
    }
    if (!c->x.ring && (c->desc_flags & DMASIM_DESC_END))
        return end_of_block(d, c, t);
    c->desc_addr = c->desc_next;
    return UNIT_GO_ON;
}

/* Burst and demand: another unit fits in the tenure's max_burst. */
static int burst_continues(const dmasim_dmac *d)
{
    return d->max_burst == 0 || d->tenure_units < d->max_burst;
}

/* Rotating priority: another ready channel would win the next arbitration inside the DMAC. */
static int pick_other(const dmasim_dmac *d, const channel *c)
{
    for (uint32_t i = 0; i < d->nch; i++)
        if (&d->ch[i] != c && channel_ready(&d->ch[i]))
            return 1;
    return 0;
}

/* After a unit that left the channel running, in the current tenure: another unit of the same
 * channel now (1), or end the tenure (0). Burst keeps the bus; demand keeps it while DREQ is
 * high; cycle stealing and transparent give it back after every unit. */
static int tenure_goes_on(const dmasim_dmac *d, const channel *c)
{
    if (c->x.mode != DMASIM_DMA_BURST && c->x.mode != DMASIM_DMA_DEMAND)
        return 0;
    return channel_ready(c) && burst_continues(d); /* a block holds the bus to TC (8237A) */
}

/* End of a tenure at time t (the cursor): flags for release by mode, then look for more work. */
static void end_tenure(dmasim_dmac *d, channel *c, int finished, dmasim_time t)
{
    d->last_served = (int)(c - d->ch);
    dmasim_signal_set(c->dack, 0);
    if (finished)
        channel_finish(d, c, t);
    unsigned flags = c->x.mode == DMASIM_DMA_CYCLE_STEALING ? DMASIM_BUS_YIELD : 0;
    dmasim_bus_release(d->bus, d->master, flags);
    dmasim_signal_set(d->hlda, 0);
    dmasim_signal_set(d->hrq, 0);
    d->state = ST_IDLE;
    kick(d);
    if (d->parent)
        cascade_over(d->parent);
}

/* The cascaded controller behind the channel in service gave the bus back. */
static void cascade_over(dmasim_dmac *p)
{
    p->last_served = p->cur;
    dmasim_signal_set(p->ch[p->cur].dack, 0);
    dmasim_signal_set(p->hlda, 0);
    dmasim_signal_set(p->hrq, 0);
    p->state = ST_IDLE;
    kick(p);
}

/* ---- the unit's transactions ---- */

static int first_data_phase(const channel *c)
{
    return c->x.direction == DMASIM_DMA_DEV_TO_MEM ? U_XLATE_DST : U_XLATE_SRC;
}

static void unit_begin(dmasim_dmac *d, const channel *c)
{
    d->u.phase = c->x.sg && !c->desc_loaded ? U_FETCH : first_data_phase(c);
    d->u.walking = 0;
    d->u.status = 0;
}

/* The phase after the data transfer: the descriptor's write-back after its last item (ring). */
static int after_data(const channel *c)
{
    return c->x.ring && c->desc_done + 1 == c->desc_count ? U_WRITEBACK : U_DONE;
}

static void unit_fail(unit *u, int status, dmasim_addr addr)
{
    u->status = status;
    u->fail_addr = addr;
    u->phase = U_DONE;
}

static uint64_t le_load(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* A descriptor has been read into u->desc: load it, or fail/stall as the hardware would. */
static void load_descriptor(dmasim_dmac *d, channel *c)
{
    unit *u = &d->u;
    uint32_t flags = (uint32_t)le_load(u->desc + DMASIM_DESC_FLAGS, 4);
    if (c->x.ring && !(flags & DMASIM_DESC_OWN)) { /* the ring is full: wait for software */
        c->desc_wait = 1;
        unit_fail(u, U_NOT_READY, c->desc_addr);
        return;
    }
    if (!c->x.ring && ++c->desc_seen > d->max_desc) { /* a chain that loops back on itself */
        unit_fail(u, DMASIM_ERANGE, c->desc_addr);
        return;
    }
    c->desc_count = le_load(u->desc + DMASIM_DESC_COUNT, 4);
    if (c->desc_count == 0) {
        unit_fail(u, DMASIM_ERANGE, c->desc_addr);
        return;
    }
    c->next_src = le_load(u->desc + DMASIM_DESC_SRC, 8);
    c->next_dst = le_load(u->desc + DMASIM_DESC_DST, 8);
    c->desc_next = le_load(u->desc + DMASIM_DESC_NEXT, 8);
    c->desc_flags = flags;
    c->desc_done = 0;
    c->desc_loaded = 1;
    u->phase = first_data_phase(c);
}

/* The unit's next transaction at time t into *txn (1), or 0 when the unit is over. */
static int unit_next(dmasim_dmac *d, const channel *c, dmasim_bus_txn *txn, dmasim_time t)
{
    unit *u = &d->u;
    uint32_t ch = (uint32_t)(c - d->ch);
    for (;;) {
        switch (u->phase) {
        case U_FETCH:
            *txn = (dmasim_bus_txn){.addr = c->desc_addr, .len = DMASIM_DESC_SIZE, .data = u->desc, .tag = ch};
            return 1;
        case U_WRITEBACK: { /* the flags word, OWN cleared */
            uint32_t f = c->desc_flags & ~(uint32_t)DMASIM_DESC_OWN;
            for (int i = 0; i < 4; i++)
                u->desc[DMASIM_DESC_FLAGS + i] = (uint8_t)(f >> (8 * i));
            *txn = (dmasim_bus_txn){.addr = c->desc_addr + DMASIM_DESC_FLAGS, .len = 4, .is_write = 1,
                                    .data = u->desc + DMASIM_DESC_FLAGS, .tag = ch};
            return 1;
        }
        case U_XLATE_SRC:
        case U_XLATE_DST: {
            int w = u->phase == U_XLATE_DST;
            dmasim_addr iova = w ? c->next_dst : c->next_src;
            if (!d->mmu || !u->walking) {
                int r = d->mmu ? dmasim_iommu_translate_at(d->mmu, d->iommu_device + ch, iova, w, t, &u->walk)
                               : DMASIM_IOMMU_HIT;
                if (r < 0) {
                    u->status = r;
                    u->fail_addr = iova;
                    u->phase = U_DONE;
                    return 0;
                }
                if (r == DMASIM_IOMMU_HIT) {
                    *(w ? &u->dst : &u->src) = d->mmu ? u->walk.phys : iova;
                    u->phase++;
                    continue;
                }
                u->walking = 1;
            }
            *txn = (dmasim_bus_txn){.addr = u->walk.pte_addr, .len = 8, .data = u->pte, .tag = ch};
            return 1;
        }
        case U_READ:
        case U_WRITE: {
            int w = u->phase == U_WRITE;
            if (w && c->x.direction == DMASIM_DMA_DEV_TO_MEM &&
                c->dev->give(c->dev_ctx, d->data, c->x.item_size, t) != 0) {
                unit_fail(u, U_NOT_READY, c->next_dst); /* the device has no data: nothing moved */
                return 0;
            }
            *txn = (dmasim_bus_txn){.addr = w ? u->dst : u->src,
                                    .len = c->x.item_size,
                                    .is_write = (uint8_t)w,
                                    .data = d->data,
                                    .coherent = (uint8_t)c->x.coherence,
                                    .tag = ch};
            return 1;
        }
        default:
            return 0;
        }
    }
}

/* The unit's transaction txn completed at time t. */
static void unit_step_done(dmasim_dmac *d, channel *c, const dmasim_bus_txn *txn, dmasim_time t)
{
    unit *u = &d->u;
    if (u->walking) {
        c->walk_reads++;
        c->walk_cycles += txn->cycles;
        int r = txn->status ? dmasim_iommu_walk_abort_at(d->mmu, &u->walk, t)
                            : dmasim_iommu_walk_step_at(d->mmu, &u->walk, dmasim_iommu_pte_load(u->pte), t);
        if (r == DMASIM_IOMMU_WALK)
            return;
        u->walking = 0;
        if (r < 0) {
            u->status = r;
            u->fail_addr = u->phase == U_XLATE_DST ? c->next_dst : c->next_src;
            u->phase = U_DONE;
            return;
        }
        *(u->phase == U_XLATE_DST ? &u->dst : &u->src) = u->walk.phys;
        u->phase++;
        return;
    }
    if (u->phase == U_FETCH)
        c->desc_fetch_cycles += txn->cycles; /* a failed fetch costs its cycles too */
    if (txn->status) {
        unit_fail(u, txn->status, txn->addr);
        return;
    }
    switch (u->phase) {
    case U_FETCH:
        load_descriptor(d, c);
        return;
    case U_READ:
        if (c->x.direction == DMASIM_DMA_MEM_TO_DEV) {
            if (c->dev->take(c->dev_ctx, d->data, c->x.item_size, t) != 0)
                unit_fail(u, U_NOT_READY, c->next_src); /* the device cannot take it: read again later */
            else
                u->phase = after_data(c);
            return;
        }
        u->phase = U_XLATE_DST;
        return;
    case U_WRITE:
        u->phase = after_data(c);
        return;
    default: /* U_WRITEBACK */
        u->phase = U_DONE;
        return;
    }
}

/* ---- fast path: a batch of units in one event ---- */

static int signals_watched(const dmasim_dmac *d)
{
    if (dmasim_signal_observed(d->hrq) || dmasim_signal_observed(d->hlda))
        return 1;
    return d->cur >= 0 && dmasim_signal_observed(d->ch[d->cur].dack);
}

/* Release and win the next grant in one step, exactly as the reference path would (the bus
 * refuses if anyone else would be waiting); it counts as a new tenure of the DMAC. */
static int fold_regrant(dmasim_dmac *d)
{
    if (dmasim_bus_rearbitrate(d->bus, d->master) != 0)
        return 0;
    d->tenures++;
    d->tenure_units = 0;
    return 1;
}

/* Whether channel c's units may be computed ahead of simulated time in one event (fast path):
 * plain memory-to-memory copies only. Whatever must happen at its own simulated time — a
 * device's FIFO, a snoop of the CPU's cache, a descriptor, a reload, an external EOP — runs one
 * transaction per event, as on the reference path. */
static int batchable(const dmasim_dmac *d, const channel *c)
{
    return !dmasim_sim_reference(d->sim) && c->x.coherence == DMASIM_COHERENCE_NONE &&
           c->x.direction == DMASIM_DMA_MEM_TO_MEM && !c->x.sg && !c->x.autoinit && !d->eop_armed;
}

/* May the next unit of c follow in this batch without the reference path doing otherwise? */
static int batch_may_continue(dmasim_dmac *d, const channel *c)
{
    switch (c->x.mode) {
    case DMASIM_DMA_BURST:
    case DMASIM_DMA_DEMAND:
        return burst_continues(d);
    case DMASIM_DMA_CYCLE_STEALING:
        return !signals_watched(d) && !(d->rotating && pick_other(d, c)) && fold_regrant(d);
    case DMASIM_DMA_TRANSPARENT: {
        if (signals_watched(d) || (d->rotating && pick_other(d, c)))
            return 0; /* another channel would be served at the next grant */
        if (unit_end(d, c, dmasim_bus_cursor(d->bus)) > dmasim_bus_quiet_until(d->bus, d->master))
            return 0;
        return fold_regrant(d);
    }
    }
    return 0;
}

static void run_batch(dmasim_dmac *d)
{
    channel *c = &d->ch[d->cur];
    int finished = 0;
    d->batch_pause = 0;
    /* Nothing in a batch schedules an event (a fault ends the unit and the batch), so the limit
     * holds for the whole batch. */
    const dmasim_time limit = dmasim__sim_batch_limit(d->sim);
    for (;;) {
        dmasim_bus_txn txn;
        unit_begin(d, c);
        while (unit_next(d, c, &txn, dmasim_bus_cursor(d->bus))) {
            dmasim_bus_access(d->bus, d->master, &txn);
            unit_step_done(d, c, &txn, dmasim_bus_cursor(d->bus));
        }
        finished = unit_done(d, c, d->u.status, d->u.fail_addr, dmasim_bus_cursor(d->bus)) == UNIT_FINISHED;
        if (finished)
            break;
        /* Any event may change what the next unit does (a mask, a DREQ, another channel, page
         * tables): stop at the first unit end at or after it. In a burst the tenure is paused
         * and goes on as the reference path would decide then; otherwise the reference path
         * re-arbitrates after each unit anyway. */
        if (dmasim_bus_cursor(d->bus) >= limit) {
            d->batch_pause = (c->x.mode == DMASIM_DMA_BURST || c->x.mode == DMASIM_DMA_DEMAND) && burst_continues(d);
            break;
        }
        if (!batch_may_continue(d, c))
            break;
    }
    d->batch_finished = finished;
    dmasim_event_schedule(d->sim, &d->cont_ev, dmasim_bus_cursor(d->bus), DMASIM_PRIO_DEFAULT);
}

static void retry_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_dmac *d = ctx;
    if (d->state == ST_IDLE || d->state == ST_WAIT_IDLE)
        kick(d);
}

static void cont_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_dmac *d = ctx;
    if (d->batch_pause) { /* the burst tenure goes on if the reference path would go on */
        channel *c = &d->ch[d->cur];
        if (tenure_goes_on(d, c))
            run_batch(d);
        else
            end_tenure(d, c, 0, dmasim__now(sim));
        return;
    }
    end_tenure(d, &d->ch[d->cur], d->batch_finished, dmasim__now(sim));
}

/* ---- reference path: one transaction at a time ---- */

static void unit_over(dmasim_dmac *d, dmasim_time t);

static void start_unit(dmasim_dmac *d)
{
    unit_begin(d, &d->ch[d->cur]);
    if (unit_next(d, &d->ch[d->cur], &d->txn, dmasim__now(d->sim)))
        dmasim_bus_transfer(d->bus, d->master, &d->txn);
    else
        unit_over(d, dmasim__now(d->sim)); /* a fault before any transaction */
}

static void dmac_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_dmac *d = ctx;
    if (d->ch[d->cur].child) { /* the cascaded controller's transaction */
        dmac_done(d->ch[d->cur].child, txn, t);
        return;
    }
    channel *c = &d->ch[d->cur];
    unit_step_done(d, c, txn, t);
    if (unit_next(d, c, &d->txn, t)) {
        dmasim_bus_transfer(d->bus, d->master, &d->txn);
        return;
    }
    unit_over(d, t);
}

static void unit_over(dmasim_dmac *d, dmasim_time t)
{
    channel *c = &d->ch[d->cur];
    int r = unit_done(d, c, d->u.status, d->u.fail_addr, t);
    if (r == UNIT_GO_ON && tenure_goes_on(d, c)) {
        start_unit(d);
        return;
    }
    end_tenure(d, c, r == UNIT_FINISHED, t);
}

static void dmac_granted(void *ctx, dmasim_time t)
{
    dmasim_dmac *d = ctx;
    d->state = ST_OWN;
    d->tenures++;
    d->tenure_units = 0;
    dmasim_signal_set(d->hlda, 1);
    d->cur = pick_channel(d);
    if (d->cur < 0) { /* nothing left (cannot happen: channels only stop in our tenure) */
        dmasim_bus_release(d->bus, d->master, 0);
        dmasim_signal_set(d->hlda, 0);
        dmasim_signal_set(d->hrq, 0);
        d->state = ST_IDLE;
        return;
    }
    dmasim_signal_set(d->ch[d->cur].dack, 1);
    if (d->ch[d->cur].child) { /* cascade: DACK is the second controller's HLDA */
        dmac_granted(d->ch[d->cur].child, t);
        return;
    }
    if (batchable(d, &d->ch[d->cur]))
        run_batch(d);
    else
        start_unit(d);
}

static const dmasim_bus_master_ops dmac_master_ops = {1, dmac_granted, dmac_done, dmac_next_request, dmac_idle};

/* ---- pins: DREQ, EOP; the mask ---- */

static void dreq_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    (void)t;
    channel *c = ctx;
    dmasim_dmac *d = c->dmac;
    if (!value) { /* a falling DREQ ends a demand tenure after the unit in progress */
        withdraw_if_unneeded(d);
        return;
    }
    if (c->busy && c->x.mode == DMASIM_DMA_BURST)
        c->block_started = 1;
    if (d->state == ST_IDLE || d->state == ST_WAIT_IDLE)
        kick(d);
}

static void eop_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    dmasim_dmac *d = ctx;
    if (!value)
        return;
    int ci = d->state == ST_OWN ? d->cur : pick_channel(d);
    if (ci < 0)
        return;
    channel *c = &d->ch[ci];
    c->aborted = 1;
    if (d->state != ST_OWN) { /* not in service: it stops at once */
        channel_finish(d, c, t);
        withdraw_if_unneeded(d);
    }
    /* in service: unit_done() finishes it after the unit in progress */
}

int dmasim_dmac_attach_device(dmasim_dmac *d, unsigned ch, const dmasim_dma_device_ops *ops, void *ctx,
                              dmasim_signal *dreq)
{
    if (ch >= d->nch || !ops || !ops->give || !ops->take || !dreq)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: attach_device needs a channel, give/take and a DREQ",
                             d->name);
    channel *c = &d->ch[ch];
    if (c->busy)
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s.ch%u: channel is running", d->name, ch);
    if (c->dreq)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: a device is already attached", d->name, ch);
    int err = dmasim_signal_subscribe(dreq, dreq_changed, c);
    if (err)
        return err;
    c->dev = ops;
    c->dev_ctx = ctx;
    c->dreq = dreq;
    return 0;
}

/* A pending bus request that no channel needs any more is withdrawn (HRQ drops before HLDA). */
static void withdraw_if_unneeded(dmasim_dmac *d)
{
    if (d->parent) { /* cascaded: drop HRQ, which is the parent channel's DREQ */
        if (d->state == ST_REQUESTING && pick_channel(d) < 0) {
            dmasim_signal_set(d->hrq, 0);
            d->state = ST_IDLE;
            withdraw_if_unneeded(d->parent);
        }
        return;
    }
    if (d->state == ST_REQUESTING && pick_channel(d) < 0 && dmasim_bus_cancel_request(d->bus, d->master) == 0) {
        dmasim_signal_set(d->hrq, 0);
        d->state = ST_IDLE;
    }
}

int dmasim_dmac_cascade(dmasim_dmac *d, unsigned ch, dmasim_dmac *second)
{
    if (ch >= d->nch || !second || second == d || second->bus != d->bus)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: cascade needs a channel and a second controller on the same bus",
                             d->name);
    channel *c = &d->ch[ch];
    if (c->busy || c->dev || c->child || second->parent || second->state != ST_IDLE || dmasim_dmac_busy(second))
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s.ch%u: cascade needs an idle, unused channel and an idle "
                             "second controller that is not cascaded yet", d->name, ch);
    for (dmasim_dmac *p = d; p; p = p->parent)
        if (p == second)
            return dmasim__error(d->sim, DMASIM_EINVAL, "%s: a cascade loop", d->name);
    c->child = second;
    second->parent = d;
    second->parent_ch = ch;
    second->master = d->master; /* its transactions are ours on the bus */
    return 0;
}

int dmasim_dmac_set_mask(dmasim_dmac *d, unsigned ch, int masked)
{
    if (ch >= d->nch)
        return DMASIM_EINVAL;
    d->ch[ch].masked = masked != 0;
    if (!masked && (d->state == ST_IDLE || d->state == ST_WAIT_IDLE))
        kick(d);
    if (masked)
        withdraw_if_unneeded(d);
    return 0;
}

dmasim_signal *dmasim_dmac_eop(dmasim_dmac *d)
{
    d->eop_armed = 1;
    return d->eop;
}

/* ---- register file ---- */

static void start_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    channel *c = ctx;
    dmasim_dmac *d = c->dmac;
    unsigned ch = (unsigned)(c - d->ch);
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = c->reg_src;
    t.dst = c->reg_dst;
    t.count = c->reg_count;
    t.mode = (dmasim_dma_mode)((c->reg_ctrl >> DMASIM_DMAC_CTRL_MODE_SHIFT) & 3);
    t.irq_enable = (c->reg_ctrl & DMASIM_DMAC_CTRL_IRQ_EN) != 0;
    t.item_size = 1u << ((c->reg_ctrl >> DMASIM_DMAC_CTRL_SIZE_SHIFT) & 0xF);
    t.coherence = (dmasim_dma_coherence)((c->reg_ctrl >> DMASIM_DMAC_CTRL_COHERENCE_SHIFT) & 3);
    t.direction = (dmasim_dma_direction)((c->reg_ctrl >> DMASIM_DMAC_CTRL_DIR_SHIFT) & 3);
    t.src_step = (dmasim_dma_step)((c->reg_ctrl >> DMASIM_DMAC_CTRL_SRC_STEP_SHIFT) & 3);
    t.dst_step = (dmasim_dma_step)((c->reg_ctrl >> DMASIM_DMAC_CTRL_DST_STEP_SHIFT) & 3);
    t.autoinit = (c->reg_ctrl & DMASIM_DMAC_CTRL_AUTOINIT) != 0;
    t.sg = (c->reg_ctrl & DMASIM_DMAC_CTRL_SG) ? c->reg_desc : 0;
    t.ring = (c->reg_ctrl & DMASIM_DMAC_CTRL_RING) != 0;
    if (dmasim_dmac_channel_start(d, ch, &t)) {
        /* bad programming (count 0, an unknown mode/direction/step, item too large, a device
         * transfer without a device): the channel reports an error */
        c->x = t;
        c->error = 1;
        c->err = DMASIM_ERANGE;
        c->err_addr = 0;
        c->errors++;
        c->start_time = c->end_time = dmasim__now(d->sim);
        update_irq(d);
    }
}

/* Decode a register access: *c is the channel (NULL for the global block) and *off the offset
 * inside its window. */
static int reg_decode(dmasim_dmac *d, dmasim_addr addr, uint32_t len, channel **c, uint32_t *off)
{
    dmasim_addr rel = addr - d->reg_base;
    if (len != 4 || (rel & 3)) {
        d->register_errors++;
        return DMASIM_EBUSERR;
    }
    uint64_t n = rel / DMASIM_DMAC_CH_STRIDE;
    *c = n < d->nch ? &d->ch[n] : NULL;
    *off = (uint32_t)(n < d->nch ? rel % DMASIM_DMAC_CH_STRIDE : rel - (dmasim_addr)d->nch * DMASIM_DMAC_CH_STRIDE);
    return 0;
}

/* The global block: PRIORITY, TC_STATUS (reading clears every TC bit, 8237A), REQUEST. */
static uint32_t global_read(dmasim_dmac *d, uint32_t off)
{
    uint32_t v = 0;
    switch (off) {
    case DMASIM_DMAC_G_PRIORITY:
        return (uint32_t)d->rotating;
    case DMASIM_DMAC_G_TC_STATUS:
        for (uint32_t i = 0; i < d->nch && i < 32; i++)
            if (d->ch[i].tc) {
                v |= 1u << i;
                d->ch[i].tc = 0;
            }
        update_irq(d);
        return v;
    case DMASIM_DMAC_G_REQUEST:
        for (uint32_t i = 0; i < d->nch && i < 32; i++)
            if (d->ch[i].dreq && dmasim_signal_value(d->ch[i].dreq))
                v |= 1u << i;
        return v;
    default:
        return 0;
    }
}

static uint32_t reg_value(const channel *c, uint32_t off)
{
    switch (off) {
    case DMASIM_DMAC_SRC_LO: return (uint32_t)c->reg_src;
    case DMASIM_DMAC_SRC_HI: return (uint32_t)(c->reg_src >> 32);
    case DMASIM_DMAC_DST_LO: return (uint32_t)c->reg_dst;
    case DMASIM_DMAC_DST_HI: return (uint32_t)(c->reg_dst >> 32);
    case DMASIM_DMAC_COUNT: return (uint32_t)c->reg_count;
    case DMASIM_DMAC_CTRL: return c->reg_ctrl & ~(uint32_t)DMASIM_DMAC_CTRL_START;
    case DMASIM_DMAC_STATUS:
        return (c->busy ? DMASIM_DMAC_STATUS_BUSY : 0) | (c->tc ? DMASIM_DMAC_STATUS_TC : 0) |
               (c->error ? DMASIM_DMAC_STATUS_ERR : 0) | (c->aborted ? DMASIM_DMAC_STATUS_EOP : 0) |
               (c->desc_irq ? DMASIM_DMAC_STATUS_DESC : 0) | (c->desc_wait ? DMASIM_DMAC_STATUS_WAIT : 0);
    case DMASIM_DMAC_MASK: return (uint32_t)c->masked;
    case DMASIM_DMAC_DESC_LO: return (uint32_t)c->reg_desc;
    case DMASIM_DMAC_DESC_HI: return (uint32_t)(c->reg_desc >> 32);
    default: return 0;
    }
}

static int reg_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_dmac *d = ctx;
    channel *c;
    uint32_t off;
    int err = reg_decode(d, addr, len, &c, &off);
    if (err)
        return err;
    uint32_t v = c ? reg_value(c, off) : global_read(d, off);
    uint8_t *b = buf;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return 0;
}

static int reg_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_dmac *d = ctx;
    channel *c;
    uint32_t off;
    int err = reg_decode(d, addr, len, &c, &off);
    if (err)
        return err;
    const uint8_t *b = buf;
    uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (!c) { /* the global block: only PRIORITY is writable */
        if (off == DMASIM_DMAC_G_PRIORITY)
            d->rotating = (int)(v & 1);
        return 0;
    }
    if (off == DMASIM_DMAC_STATUS) { /* write 1 to clear TC, ERR, EOP and DESC */
        if (v & DMASIM_DMAC_STATUS_TC)
            c->tc = 0;
        if (v & DMASIM_DMAC_STATUS_ERR)
            c->error = 0;
        if (v & DMASIM_DMAC_STATUS_EOP)
            c->aborted = 0;
        if (v & DMASIM_DMAC_STATUS_DESC)
            c->desc_irq = 0;
        update_irq(d);
        return 0;
    }
    if (off == DMASIM_DMAC_MASK) { /* allowed on a running channel: that is what it is for */
        dmasim_dmac_set_mask(d, (unsigned)(c - d->ch), (int)(v & 1));
        return 0;
    }
    if (off == DMASIM_DMAC_DOORBELL) { /* ring mode: software gave descriptors back */
        if (c->desc_wait) {
            c->desc_wait = 0;
            if (d->state == ST_IDLE || d->state == ST_WAIT_IDLE)
                kick(d);
        }
        return 0;
    }
    if (c->busy || dmasim_event_pending(&c->start_ev)) { /* programming a running channel */
        d->register_errors++;
        return DMASIM_EBUSERR;
    }
    switch (off) {
    case DMASIM_DMAC_SRC_LO: c->reg_src = (c->reg_src & ~0xFFFFFFFFull) | v; break;
    case DMASIM_DMAC_SRC_HI: c->reg_src = (c->reg_src & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case DMASIM_DMAC_DST_LO: c->reg_dst = (c->reg_dst & ~0xFFFFFFFFull) | v; break;
    case DMASIM_DMAC_DST_HI: c->reg_dst = (c->reg_dst & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case DMASIM_DMAC_COUNT: c->reg_count = v; break;
    case DMASIM_DMAC_DESC_LO: c->reg_desc = (c->reg_desc & ~0xFFFFFFFFull) | v; break;
    case DMASIM_DMAC_DESC_HI: c->reg_desc = (c->reg_desc & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case DMASIM_DMAC_CTRL:
        c->reg_ctrl = v;
        if (v & DMASIM_DMAC_CTRL_START) /* takes effect when the write's data phase ends */
            dmasim_event_schedule(d->sim, &c->start_ev, dmasim_bus_data_time(d->bus), DMASIM_PRIO_DEFAULT);
        break;
    default: break;
    }
    return 0;
}

static const dmasim_bus_slave_ops reg_ops = {1, reg_read, reg_write, NULL}; /* fixed wait states */

/* ---- life cycle, statistics, queries ---- */

static void dmac_destroy(void *self)
{
    dmasim_dmac *d = self;
    dmasim_sim *sim = d->sim;
    dmasim__free(sim, d->ch, d->nch * sizeof *d->ch);
    dmasim__strfree(sim, d->name);
    dmasim__free(sim, d, sizeof *d);
}

static const dmasim__component_ops dmac_component = {dmac_destroy, NULL};

static int dmac_register(dmasim_dmac *d)
{
    dmasim_sim *sim = d->sim;
    char buf[300];
    int e = 0;
    e |= dmasim__stat_u64(sim, d->name, "units", &d->units, "", "DMA units (items) moved or attempted");
    e |= dmasim__stat_u64(sim, d->name, "tenures", &d->tenures, "", "bus tenures (grants) of the DMAC");
    e |= dmasim__stat_u64(sim, d->name, "register_errors", &d->register_errors, "",
                          "register accesses answered with a bus error");
    for (uint32_t i = 0; i < d->nch && !e; i++) {
        channel *c = &d->ch[i];
        snprintf(buf, sizeof buf, "%s.ch%u", d->name, i);
        e |= dmasim__stat_u64(sim, buf, "transfers", &c->transfers, "", "transfers started");
        e |= dmasim__stat_u64(sim, buf, "items", &c->items, "", "items moved");
        e |= dmasim__stat_u64(sim, buf, "bytes", &c->bytes, "bytes", "bytes moved");
        e |= dmasim__stat_u64(sim, buf, "completion_cycles", &c->completion_cycles, "cycles (bus clock)",
                              "start to terminal count of the last transfer");
        e |= dmasim__stat_u64(sim, buf, "busy_cycles", &c->total_busy_cycles, "cycles (bus clock)",
                              "start to end, summed over transfers");
        e |= dmasim__stat_u64(sim, buf, "errors", &c->errors, "", "transfers stopped by an error");
        e |= dmasim__stat_u64(sim, buf, "iommu_walk_reads", &c->walk_reads, "",
                              "IOMMU page-table reads made for this channel's translations");
        e |= dmasim__stat_u64(sim, buf, "iommu_walk_cycles", &c->walk_cycles, "cycles (bus clock)",
                              "bus cycles of those page-table reads");
        e |= dmasim__stat_u64(sim, buf, "descriptors", &c->descriptors, "", "scatter-gather descriptors completed");
        e |= dmasim__stat_u64(sim, buf, "descriptor_fetch_cycles", &c->desc_fetch_cycles, "cycles (bus clock)",
                              "bus cycles of descriptor fetches");
        e |= dmasim__stat_u64(sim, buf, "autoinits", &c->autoinits, "", "autoinitialize reloads at TC");
        e |= dmasim__stat_u64(sim, buf, "stalls", &c->stalls, "",
                              "units that found the device not ready or the ring not owned");
    }
    if (e)
        return DMASIM_ENOMEM;
    snprintf(buf, sizeof buf, "%s.irq", d->name);
    e = dmasim_signal_create(sim, buf, 1, 0, &d->irq);
    snprintf(buf, sizeof buf, "%s.hrq", d->name);
    if (!e)
        e = dmasim_signal_create(sim, buf, 1, 0, &d->hrq);
    snprintf(buf, sizeof buf, "%s.hlda", d->name);
    if (!e)
        e = dmasim_signal_create(sim, buf, 1, 0, &d->hlda);
    for (uint32_t i = 0; i < d->nch && !e; i++) {
        snprintf(buf, sizeof buf, "%s.ch%u.busy", d->name, i);
        e = dmasim_signal_create(sim, buf, 1, 0, &d->ch[i].busy_sig);
        snprintf(buf, sizeof buf, "%s.ch%u.dack", d->name, i);
        if (!e)
            e = dmasim_signal_create(sim, buf, 1, 0, &d->ch[i].dack);
        snprintf(buf, sizeof buf, "%s.ch%u.tc", d->name, i);
        if (!e)
            e = dmasim_signal_create(sim, buf, 1, 0, &d->ch[i].tc_sig);
    }
    snprintf(buf, sizeof buf, "%s.eop", d->name);
    if (!e)
        e = dmasim_signal_create(sim, buf, 1, 0, &d->eop);
    if (!e)
        e = dmasim_signal_subscribe(d->eop, eop_changed, d);
    return e;
}

int dmasim_dmac_create(dmasim_bus *bus, const dmasim_dmac_config *cfg, dmasim_dmac **out)
{
    dmasim_dmac_config def;
    if (!cfg) {
        dmasim_dmac_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "dmac0";
    if (cfg->channels < 1 || cfg->channels > 32)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: channels %u out of range 1..32", name, cfg->channels);
    if (cfg->reg_wait_states > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: reg_wait_states out of range 0..1024", name);
    dmasim_dmac *d = dmasim__alloc(sim, sizeof *d);
    if (!d)
        return DMASIM_ENOMEM;
    d->sim = sim;
    d->bus = bus;
    d->nch = cfg->channels;
    d->reg_base = cfg->reg_base;
    d->reg_ws = cfg->reg_wait_states;
    d->max_burst = cfg->max_burst;
    d->rotating = cfg->rotating_priority != 0;
    d->max_desc = cfg->max_descriptors ? cfg->max_descriptors : 65536;
    d->last_served = (int)cfg->channels - 1;
    d->period = dmasim_bus_period(bus);
    d->name = dmasim__strdup(sim, name);
    d->ch = dmasim__alloc(sim, d->nch * sizeof *d->ch);
    if (!d->name || !d->ch) {
        dmac_destroy(d);
        return DMASIM_ENOMEM;
    }
    if (dmasim__component_add(sim, d, &dmac_component)) {
        dmac_destroy(d);
        return DMASIM_ENOMEM;
    }
    for (uint32_t i = 0; i < d->nch; i++) {
        d->ch[i].dmac = d;
        d->ch[i].end_time = DMASIM_TIME_NEVER;
        dmasim_event_init(&d->ch[i].start_ev, start_event, &d->ch[i]);
        dmasim_event_init(&d->ch[i].tc_ev, tc_event, &d->ch[i]);
    }
    dmasim_event_init(&d->cont_ev, cont_event, d);
    dmasim_event_init(&d->retry_ev, retry_event, d);
    int err = dmac_register(d);
    if (err)
        return err;
    err = dmasim__bus_map_fixed(bus, name, cfg->reg_base,
                                (uint64_t)d->nch * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_GLOBAL_SIZE, 0, &reg_ops, d,
                                d->reg_ws);
    if (err)
        return err;
    int m = dmasim_bus_add_master(bus, name, cfg->bus_priority, &dmac_master_ops, d);
    if (m < 0)
        return m;
    d->master = m;
    *out = d;
    return 0;
}

int dmasim_dmac_channel_status(const dmasim_dmac *d, unsigned ch, dmasim_dma_channel_status *out)
{
    if (ch >= d->nch)
        return DMASIM_EINVAL;
    const channel *c = &d->ch[ch];
    out->busy = c->busy;
    out->tc = c->tc;
    out->error = c->error;
    out->err = c->err;
    out->err_addr = c->err_addr;
    out->items_done = c->items_done;
    out->aborted = c->aborted;
    out->masked = c->masked;
    out->descriptors = c->ndesc;
    out->start_time = c->start_time;
    out->end_time = c->end_time;
    return 0;
}

dmasim_signal *dmasim_dmac_irq(const dmasim_dmac *d) { return d->irq; }
int dmasim_dmac_bus_master(const dmasim_dmac *d) { return d->master; }

int dmasim_dmac_set_iommu(dmasim_dmac *d, dmasim_iommu *mmu, uint32_t device)
{
    if (dmasim_dmac_busy(d))
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s: cannot change the IOMMU while a channel runs", d->name);
    if (device > UINT32_MAX - d->nch)
        return dmasim__error(d->sim, DMASIM_ERANGE, "%s: requester id %u leaves no room for %u channels", d->name,
                             device, d->nch);
    d->mmu = mmu;
    d->iommu_device = device;
    return 0;
}
int dmasim_dmac_busy(const dmasim_dmac *d)
{
    for (uint32_t i = 0; i < d->nch; i++)
        if (d->ch[i].busy)
            return 1;
    return 0;
}

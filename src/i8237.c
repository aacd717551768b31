/* The Intel 8237A DMA controller: programming model, the SI/S0/S1-S4/SW state timing on the bus
 * clock, the four modes, memory-to-memory, page registers, pins. Rules and formulas:
 * include/dmasim/i8237.h and docs/i8237.md (Intel 8237A datasheet, order no. 231466).
 *
 * A byte is a short list of bus operations: holds (clock states without a transaction: S1, the
 * states before the memory command) and one memory transaction per memory access, whose address
 * phase and beat are the last states of the access and whose wait states are the SW states.
 * Reference path: one operation at a time (dmasim_bus_hold / dmasim_bus_transfer, the bus ticking
 * each cycle). Fast path: a service's bytes in one event (dmasim_bus_hold(NULL) / access) while no
 * other event is due before a byte ends and no output pin is observed; otherwise the same
 * operations one at a time. The end of a service is always handled at its own time. */
#include <stdio.h>
#include "internal.h"
#include "dmasim/i8237.h"

enum state {
    ST_SI,       /* idle: DREQ sampled at each clock edge */
    ST_S0_NEXT,  /* a request was seen at an SI edge: S0 (HRQ) starts at the next edge */
    ST_S0,       /* HRQ high, waiting for HLDA (the bus grant) */
    ST_SERVICE   /* HLDA: S1..S4 states of the channel in service */
};

/* What a byte leaves behind at the end of its S4. */
enum outcome { GO_ON, END_SERVICE, END_PROCESS };

enum { OP_HOLD, OP_READ, OP_WRITE };

typedef struct bus_op {
    int kind;
    uint64_t cycles;   /* OP_HOLD */
    dmasim_addr addr;  /* OP_READ / OP_WRITE */
} bus_op;

/* SI samples DREQ after the component activity of its edge, before the bus arbitrates there. */
#define SAMPLE_PRIO (DMASIM_PRIO_DEFAULT + 50)

typedef struct chan {
    struct dmasim_i8237 *d;
    uint16_t base_addr, base_count, addr, count;
    uint8_t mode;
    const dmasim_dma_device_ops *dev;
    void *dev_ctx;
    dmasim_signal *dreq;      /* the DREQ wire watched (own pin, or the device's) */
    dmasim_signal *own_dreq;  /* "<name>.dreqN" */
    dmasim_signal *dack;      /* "<name>.dackN" (pin level) */
    dmasim_time last_eop;
    /* statistics */
    uint64_t bytes, services, tcs, eop_aborts, autoinits, s1_states, sw_states, service_cycles;
    uint64_t device_stalls, page_wraps;
} chan;

struct dmasim_i8237 {
    dmasim_sim *sim;
    dmasim_bus *bus;
    char *name;
    int master;
    dmasim_time period;
    dmasim_addr io_base, page_base;
    uint8_t page_index[DMASIM_I8237_CHANNELS];
    uint8_t page_mask;
    uint32_t io_ws;
    uint32_t addr_cycles;     /* the bus's address phase (cycles) */
    dmasim_i8237_page_policy policy;
    chan ch[DMASIM_I8237_CHANNELS];
    /* registers */
    uint8_t command, status_tc, request, mask, temp, ff;
    uint8_t pages[16];
    /* pins */
    dmasim_signal *hrq, *hlda, *aen, *eop, *eop_in;
    /* state machine */
    enum state state;
    int cur;                  /* channel in service (0 for memory-to-memory) */
    int m2m;                  /* the service is memory-to-memory */
    int last_served;          /* rotating priority */
    int s1_next;              /* the next byte starts with S1 */
    int eop_latched;          /* an external EOP arrived during the service */
    int not_ready;            /* the device could not give/take the byte in progress */
    int failed;               /* the byte's memory transaction failed (the run stops) */
    int pending;              /* fast path: the outcome handled at end_ev */
    dmasim_time hrq_time, service_start;
    bus_op ops[4];
    int nops, opi;
    uint8_t data;
    dmasim_bus_txn txn, hold_txn;
    dmasim_event sample_ev, req_ev, step_ev, end_ev, eop_off_ev;
    /* statistics */
    uint64_t services, handshake_cycles, empty_grants, register_errors, bytes;
};

/* ---- configuration and presets ---- */

void dmasim_i8237_config_init(dmasim_i8237_config *cfg)
{
    static const uint8_t pc_at_pages[DMASIM_I8237_CHANNELS] = {7, 3, 1, 2};
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "i8237";
    cfg->bus_priority = 0;
    cfg->io_base = 0xE0000000u;
    cfg->page_base = 0xE0000080u;
    memcpy(cfg->page_index, pc_at_pages, sizeof pc_at_pages);
    cfg->page_bits = 8;
    cfg->io_wait_states = 1;
    cfg->clock_period_ps = 0;
    cfg->page_policy = DMASIM_I8237_PAGE_ERROR;
}

/* The speed grades of datasheet 231466 (models/dmac/i8237a.yaml): CLK period in ps. */
static const struct {
    const char *name;
    dmasim_time period_ps;
} presets[] = {
    {"i8237a", 200000},   /* 8237A-5, 5 MHz */
    {"i8237a-4", 250000}, /* 8237A-4, 4 MHz */
    {"i8237a-3", 333333}, /* 8237A, 3 MHz */
};

int dmasim_i8237_preset(const char *name, dmasim_i8237_config *cfg)
{
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(name, presets[i].name) == 0) {
            dmasim_i8237_config_init(cfg);
            cfg->clock_period_ps = presets[i].period_ps;
            return 0;
        }
    return DMASIM_ENOENT;
}

const char *dmasim_i8237_preset_name(size_t i)
{
    return i < sizeof presets / sizeof presets[0] ? presets[i].name : NULL;
}

/* ---- helpers ---- */

static int is_m2m_enabled(const dmasim_i8237 *d) { return (d->command & DMASIM_I8237_CMD_MEM_TO_MEM) != 0; }
static unsigned mode_of(const chan *c) { return c->mode & DMASIM_I8237_MODE_MASK; }
static unsigned xfer_of(const chan *c) { return c->mode & DMASIM_I8237_XFER_MASK; }
static int chan_index(const chan *c) { return (int)(c - c->d->ch); }

static int dreq_active(const dmasim_i8237 *d, const chan *c)
{
    uint64_t v = dmasim_signal_value(c->dreq);
    return (d->command & DMASIM_I8237_CMD_DREQ_LOW) ? v == 0 : v != 0;
}

static void set_dack(dmasim_i8237 *d, int ch, int active)
{
    int high = (d->command & DMASIM_I8237_CMD_DACK_HIGH) != 0;
    dmasim_signal_set(d->ch[ch].dack, (uint64_t)(active ? high : !high));
}

/* The 24-bit (page_bits + 16) memory address of channel ch's current byte. */
static dmasim_addr phys(const dmasim_i8237 *d, int ch)
{
    return (dmasim_addr)(d->pages[d->page_index[ch]] & d->page_mask) << 16 | d->ch[ch].addr;
}

/* Would `count + 1` bytes from addr (incrementing or decrementing) leave the 64 KiB page? */
static int crosses_page(uint16_t addr, uint16_t count, int decrement)
{
    uint32_t n = (uint32_t)count + 1;
    return decrement ? (uint32_t)addr + 1 < n : (uint32_t)addr + n > 0x10000u;
}

/* The ERROR policy's message for count + 1 bytes from page:addr. Returns DMASIM_ERANGE. */
static int page_error(dmasim_i8237 *d, int ch, uint8_t page_reg, uint16_t addr, uint16_t count, int dec)
{
    dmasim_addr page = (dmasim_addr)(page_reg & d->page_mask) << 16, first = page | addr;
    return dmasim__error(d->sim, DMASIM_ERANGE,
                         "%s.ch%d: %u bytes from 0x%llx (page register 0x%02x, address 0x%04x, %s) cross the "
                         "64 KiB page boundary at 0x%llx; the 8237A would wrap to 0x%llx instead (start in the "
                         "next page, or split the transfer)",
                         d->name, ch, (unsigned)count + 1, (unsigned long long)first, page_reg, addr,
                         dec ? "decrementing" : "incrementing", (unsigned long long)(dec ? page : page + 0x10000),
                         (unsigned long long)(dec ? page + 0xFFFF : page));
}

/* Channel ch's remaining count + 1 bytes: 0, or DMASIM_ERANGE if they leave the page. */
static int check_channel_pages(dmasim_i8237 *d, int ch, uint16_t count)
{
    const chan *c = &d->ch[ch];
    int dec = (c->mode & DMASIM_I8237_DECREMENT) != 0;
    if (!crosses_page(c->addr, count, dec))
        return 0;
    return page_error(d, ch, d->pages[d->page_index[ch]], c->addr, count, dec);
}

/* Check the range a service is about to move (ERROR policy). Returns 0 or DMASIM_ERANGE. */
static int check_pages(dmasim_i8237 *d)
{
    if (d->policy == DMASIM_I8237_PAGE_WRAP)
        return 0;
    if (!d->m2m)
        return check_channel_pages(d, d->cur, d->ch[d->cur].count);
    uint16_t n = d->ch[1].count; /* channel 1's word count ends a memory-to-memory transfer */
    int err = (d->command & DMASIM_I8237_CMD_CH0_HOLD) ? 0 : check_channel_pages(d, 0, n);
    return err ? err : check_channel_pages(d, 1, n);
}

/* Is channel ch asking for service? DREQ (unmasked) or its request bit (block mode: datasheet,
 * "Request Register"; not maskable). Cascade channels do no transfers of their own; with
 * memory-to-memory enabled, channel 0 starts one in any mode and channel 1 is its destination. */
static int requesting(const dmasim_i8237 *d, int ch)
{
    const chan *c = &d->ch[ch];
    int m2m = is_m2m_enabled(d);
    if (m2m && ch == 1)
        return 0;
    if (mode_of(c) == DMASIM_I8237_MODE_CASCADE && !(m2m && ch == 0))
        return 0;
    if (!(d->mask & (1u << ch)) && dreq_active(d, c))
        return 1;
    return (d->request & (1u << ch)) && (mode_of(c) == DMASIM_I8237_MODE_BLOCK || (m2m && ch == 0));
}

/* The channel the priority encoder picks: fixed (0 highest) or rotating (the channel served
 * last becomes the lowest). -1 if none. */
static int pick_channel(const dmasim_i8237 *d)
{
    if (d->command & DMASIM_I8237_CMD_DISABLE)
        return -1;
    int first = (d->command & DMASIM_I8237_CMD_ROTATING) ? (d->last_served + 1) % DMASIM_I8237_CHANNELS : 0;
    for (int k = 0; k < DMASIM_I8237_CHANNELS; k++) {
        int ch = (first + k) % DMASIM_I8237_CHANNELS;
        if (requesting(d, ch))
            return ch;
    }
    return -1;
}

static int pins_observed(const dmasim_i8237 *d)
{
    if (dmasim_signal_observed(d->hrq) || dmasim_signal_observed(d->hlda) || dmasim_signal_observed(d->aen) ||
        dmasim_signal_observed(d->eop))
        return 1;
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++)
        if (dmasim_signal_observed(d->ch[i].dack))
            return 1;
    return 0;
}

/* ---- SI and S0: sampling DREQ, the HRQ/HLDA handshake ---- */

/* In SI, look at the requests at the first edge at or after t (and now). */
static void arm_sample(dmasim_i8237 *d, dmasim_time t)
{
    if (d->state != ST_SI || pick_channel(d) < 0)
        return;
    dmasim_time now = dmasim_sim_now(d->sim);
    dmasim_time e = dmasim_clock_edge_at_or_after(t > now ? t : now, d->period);
    if (dmasim_event_pending(&d->sample_ev) && d->sample_ev.time <= e)
        return;
    dmasim_event_schedule(d->sim, &d->sample_ev, e, SAMPLE_PRIO);
}

static void sample_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_i8237 *d = ctx;
    if (d->state != ST_SI || pick_channel(d) < 0)
        return;
    d->state = ST_S0_NEXT; /* this edge was an SI state that saw the request; S0 next */
    dmasim_event_schedule(sim, &d->req_ev, dmasim_sim_now(sim) + d->period, DMASIM_PRIO_DEFAULT);
}

static void req_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_i8237 *d = ctx;
    d->state = ST_S0;
    d->hrq_time = dmasim_sim_now(sim);
    dmasim_signal_set(d->hrq, 1);
    dmasim_bus_request(d->bus, d->master);
}

static void dreq_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)value;
    chan *c = ctx;
    if (sig == c->dreq)
        arm_sample(c->d, t);
}

static void eop_in_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    (void)t;
    dmasim_i8237 *d = ctx;
    if (value && d->state == ST_SERVICE)
        d->eop_latched = 1; /* honoured at the end of the byte in progress */
}

static dmasim_time next_request(void *ctx)
{
    const dmasim_i8237 *d = ctx;
    if (d->state == ST_S0 || d->state == ST_SERVICE)
        return dmasim_sim_now(d->sim);
    if (d->state == ST_S0_NEXT)
        return d->req_ev.time;
    return dmasim_event_pending(&d->sample_ev) ? d->sample_ev.time + d->period : DMASIM_TIME_NEVER;
}

/* ---- the end of a service and of a process ---- */

static void eop_off_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_i8237 *d = ctx;
    dmasim_signal_set(d->eop, 0);
}

/* TC or external EOP of channel ch at time t: status bit, request bit cleared, autoinitialize
 * or mask (datasheet: "Autoinitialize", "Mask Register"). */
static void channel_eop(dmasim_i8237 *d, int ch, int tc, dmasim_time t)
{
    chan *c = &d->ch[ch];
    d->status_tc |= (uint8_t)(1u << ch);
    d->request &= (uint8_t)~(1u << ch);
    if (c->mode & DMASIM_I8237_AUTOINIT) {
        c->addr = c->base_addr;
        c->count = c->base_count;
        c->autoinits++;
    } else {
        d->mask |= (uint8_t)(1u << ch);
    }
    if (tc)
        c->tcs++;
    else
        c->eop_aborts++;
    c->last_eop = t;
}

static void end_of_process(dmasim_i8237 *d, dmasim_time t)
{
    int tc = !d->eop_latched || (d->m2m ? d->ch[1].count : d->ch[d->cur].count) == 0xFFFF;
    if (d->m2m) {
        channel_eop(d, 0, tc, t);
        channel_eop(d, 1, tc, t);
    } else {
        channel_eop(d, d->cur, tc, t);
    }
    dmasim_signal_set(d->eop, 1);
    dmasim_event_schedule(d->sim, &d->eop_off_ev, t + d->period, DMASIM_PRIO_SIGNAL);
    const chan *c = &d->ch[d->cur];
    if (!d->m2m && c->dev && c->dev->done)
        c->dev->done(c->dev_ctx, tc ? 0 : DMASIM_ESTATE, t);
}

/* End the service at t (== now, the end of the last S4): DACK, HRQ, HLDA, AEN drop, the bus is
 * released, and the 8237A goes back to SI, which samples DREQ at this edge. */
static void end_service(dmasim_i8237 *d, dmasim_time t)
{
    uint64_t cycles = (t - d->service_start) / d->period;
    d->ch[d->cur].service_cycles += cycles;
    if (d->m2m)
        d->ch[1].service_cycles += cycles;
    else
        set_dack(d, d->cur, 0);
    d->last_served = d->cur;
    d->eop_latched = 0;
    dmasim_bus_release(d->bus, d->master, 0);
    dmasim_signal_set(d->aen, 0);
    dmasim_signal_set(d->hlda, 0);
    dmasim_signal_set(d->hrq, 0);
    d->state = ST_SI;
    arm_sample(d, t);
}

static void finish(dmasim_i8237 *d, int outcome, dmasim_time t)
{
    if (outcome == END_PROCESS)
        end_of_process(d, t);
    end_service(d, t);
}

/* ---- one byte: its bus operations ---- */

/* Build the byte's operations (and count its S1): the datasheet states, with the memory access's
 * address phase and beat as its last states (their wait states are the SW states). */
static void plan_byte(dmasim_i8237 *d)
{
    uint64_t access = d->addr_cycles + 1; /* address phase + 1 beat of a 1-byte transaction */
    d->nops = d->opi = 0;
    d->not_ready = d->failed = 0;
    if (d->m2m) { /* S11 S12 S13 S14 (read), S21 S22 S23 S24 (write) */
        d->ops[d->nops++] = (bus_op){OP_HOLD, 4 - access, 0};
        d->ops[d->nops++] = (bus_op){OP_READ, 0, phys(d, 0)};
        d->ops[d->nops++] = (bus_op){OP_HOLD, 4 - access, 0};
        d->ops[d->nops++] = (bus_op){OP_WRITE, 0, phys(d, 1)};
        return;
    }
    chan *c = &d->ch[d->cur];
    c->s1_states += (uint64_t)d->s1_next;
    uint64_t states = (uint64_t)d->s1_next + ((d->command & DMASIM_I8237_CMD_COMPRESSED) ? 2 : 3);
    unsigned x = xfer_of(c);
    if (x == DMASIM_I8237_XFER_VERIFY) { /* no memory or I/O command: no READY, no SW */
        d->ops[d->nops++] = (bus_op){OP_HOLD, states, 0};
        return;
    }
    if (states > access)
        d->ops[d->nops++] = (bus_op){OP_HOLD, states - access, 0};
    d->ops[d->nops++] = (bus_op){x == DMASIM_I8237_XFER_WRITE ? OP_WRITE : OP_READ, 0, phys(d, d->cur)};
}

/* Predicted end of the planned byte if it starts at t (ps). */
static dmasim_time byte_end(const dmasim_i8237 *d, dmasim_time t)
{
    for (int i = 0; i < d->nops; i++) {
        const bus_op *o = &d->ops[i];
        uint64_t n = o->kind == OP_HOLD ? o->cycles
                                        : dmasim_bus_predict_cycles(d->bus, o->addr, 1, o->kind == OP_WRITE, t);
        t += n * d->period;
    }
    return t;
}

/* Before a memory write: the byte to write (the device's, or the temporary register's). Returns
 * 0, or 1 if the device has none (the byte is not done). */
static int fetch_write_data(dmasim_i8237 *d, dmasim_time t)
{
    if (d->m2m)
        return 0; /* d->data holds what S14 read */
    chan *c = &d->ch[d->cur];
    if (!c->dev) {
        d->data = 0xFF; /* nothing drives the data bus */
        return 0;
    }
    if (c->dev->give(c->dev_ctx, &d->data, 1, t) != 0) {
        d->not_ready = 1;
        return 1;
    }
    return 0;
}

static void fill_txn(dmasim_i8237 *d, const bus_op *o)
{
    d->txn = (dmasim_bus_txn){.addr = o->addr, .len = 1, .is_write = (uint8_t)(o->kind == OP_WRITE),
                              .data = &d->data, .tag = (uint32_t)d->cur};
}

/* An operation ended at t (txn: the memory transaction, NULL for a hold). */
static void op_ended(dmasim_i8237 *d, const dmasim_bus_txn *txn, dmasim_time t)
{
    d->opi++;
    if (!txn)
        return;
    chan *c = &d->ch[d->m2m ? (txn->is_write ? 1 : 0) : d->cur];
    if (txn->status) {
        dmasim__fatal(d->sim, txn->status, "%s.ch%d: memory %s of 0x%llx failed (%s): the 8237A cannot report a bus "
                      "error, so the simulation stops",
                      d->name, chan_index(c), txn->is_write ? "write" : "read", (unsigned long long)txn->addr,
                      dmasim_strerror(txn->status));
        d->failed = 1;
        d->opi = d->nops;
        return;
    }
    c->sw_states += txn->cycles - (d->addr_cycles + 1);
    if (d->m2m) {
        d->temp = d->data;
        return;
    }
    if (!txn->is_write && c->dev && c->dev->take(c->dev_ctx, &d->data, 1, t) != 0)
        d->not_ready = 1;
}

/* Step a channel's current address; returns 1 if A8-A15 changed. */
static int step_address(chan *c, int last)
{
    uint16_t old = c->addr;
    c->addr = (uint16_t)((c->mode & DMASIM_I8237_DECREMENT) ? old - 1 : old + 1);
    if (!last && ((old == 0xFFFF && c->addr == 0) || (old == 0 && c->addr == 0xFFFF)))
        c->page_wraps++; /* PAGE_WRAP policy: the next byte is at the other end of the page */
    return (old ^ c->addr) >> 8 != 0;
}

/* The end of the byte's S4 at t: counters, then what comes next. */
static int byte_done(dmasim_i8237 *d)
{
    if (d->failed)
        return END_SERVICE;
    if (d->not_ready) {
        if (!d->m2m)
            d->ch[d->cur].device_stalls++;
        return d->eop_latched ? END_PROCESS : END_SERVICE;
    }
    d->bytes++;
    if (d->m2m) {
        chan *src = &d->ch[0], *dst = &d->ch[1];
        int tc = dst->count == 0;
        if (!(d->command & DMASIM_I8237_CMD_CH0_HOLD))
            step_address(src, tc);
        src->count--;
        src->bytes++;
        step_address(dst, tc);
        dst->count--;
        dst->bytes++;
        return tc || d->eop_latched ? END_PROCESS : GO_ON;
    }
    chan *c = &d->ch[d->cur];
    int tc = c->count == 0;
    d->s1_next = step_address(c, tc);
    c->count--;
    c->bytes++;
    if (tc || d->eop_latched)
        return END_PROCESS;
    switch (mode_of(c)) {
    case DMASIM_I8237_MODE_SINGLE:
        return END_SERVICE;
    case DMASIM_I8237_MODE_DEMAND: /* DREQ sampled in S4 */
        return dreq_active(d, c) ? GO_ON : END_SERVICE;
    default:
        return GO_ON;
    }
}

/* ---- running a service ---- */

static void service_step(dmasim_i8237 *d);

/* One operation at a time (reference path, or fast path at exact times). */
static void run_ops_async(dmasim_i8237 *d)
{
    while (d->opi < d->nops) {
        const bus_op *o = &d->ops[d->opi];
        if (o->kind == OP_HOLD) {
            dmasim_bus_hold(d->bus, d->master, o->cycles, &d->hold_txn);
            return;
        }
        if (o->kind == OP_WRITE && fetch_write_data(d, dmasim_sim_now(d->sim))) {
            d->opi = d->nops;
            break;
        }
        fill_txn(d, o);
        dmasim_bus_transfer(d->bus, d->master, &d->txn);
        return;
    }
    int outcome = byte_done(d);
    if (outcome == GO_ON)
        service_step(d);
    else
        finish(d, outcome, dmasim_sim_now(d->sim));
}

static void i8237_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_i8237 *d = ctx;
    op_ended(d, txn == &d->hold_txn ? NULL : txn, t);
    run_ops_async(d);
}

/* Fast path: may the planned byte run ahead of simulated time? Not a device's byte: a device
 * gives and takes at the current simulated time (its FIFO and DREQ follow time, device.h); and
 * not past the next event or the time run_until was asked to reach (someone may act there). */
static int may_batch(const dmasim_i8237 *d)
{
    if (dmasim_sim_reference(d->sim) || pins_observed(d))
        return 0;
    if (!d->m2m && d->ch[d->cur].dev)
        return 0;
    return byte_end(d, dmasim_bus_cursor(d->bus)) < dmasim__sim_batch_limit(d->sim);
}

static void run_batch(dmasim_i8237 *d)
{
    for (;;) {
        while (d->opi < d->nops) {
            const bus_op *o = &d->ops[d->opi];
            dmasim_time t = dmasim_bus_cursor(d->bus);
            if (o->kind == OP_HOLD) {
                dmasim_bus_hold(d->bus, d->master, o->cycles, NULL);
                op_ended(d, NULL, t);
                continue;
            }
            if (o->kind == OP_WRITE && fetch_write_data(d, t)) {
                d->opi = d->nops;
                break;
            }
            fill_txn(d, o);
            dmasim_bus_access(d->bus, d->master, &d->txn);
            op_ended(d, &d->txn, dmasim_bus_cursor(d->bus));
        }
        int outcome = byte_done(d);
        if (outcome != GO_ON) { /* the end of the service is handled at its time */
            d->pending = outcome;
            dmasim_event_schedule(d->sim, &d->end_ev, dmasim_bus_cursor(d->bus), DMASIM_PRIO_DEFAULT);
            return;
        }
        plan_byte(d);
        if (!may_batch(d)) {
            dmasim_event_schedule(d->sim, &d->step_ev, dmasim_bus_cursor(d->bus), DMASIM_PRIO_DEFAULT);
            return;
        }
    }
}

/* The next byte of the service, at now (the end of the previous one, or HLDA). */
static void service_step(dmasim_i8237 *d)
{
    plan_byte(d);
    if (may_batch(d))
        run_batch(d);
    else
        run_ops_async(d);
}

/* step_ev: a batch stopped before a byte that must run at exact times; its plan is ready. */
static void step_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_i8237 *d = ctx;
    if (may_batch(d))
        run_batch(d);
    else
        run_ops_async(d);
}

static void end_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_i8237 *d = ctx;
    finish(d, d->pending, dmasim_sim_now(sim));
}

/* HLDA: the bus is granted at t; the priority encoder picks the channel, S1 follows. */
static void i8237_granted(void *ctx, dmasim_time t)
{
    dmasim_i8237 *d = ctx;
    d->handshake_cycles += (t - d->hrq_time) / d->period;
    d->state = ST_SERVICE;
    d->service_start = t;
    dmasim_signal_set(d->hlda, 1);
    dmasim_signal_set(d->aen, 1);
    int ch = pick_channel(d);
    if (ch < 0) { /* the request went away during S0 (masked, master clear) */
        d->empty_grants++;
        d->state = ST_SI;
        dmasim_bus_release(d->bus, d->master, 0);
        dmasim_signal_set(d->aen, 0);
        dmasim_signal_set(d->hlda, 0);
        dmasim_signal_set(d->hrq, 0);
        arm_sample(d, t);
        return;
    }
    d->cur = ch;
    d->m2m = is_m2m_enabled(d) && ch == 0;
    chan *c = &d->ch[ch];
    int err = check_pages(d);
    if (!err && !d->m2m && xfer_of(c) == DMASIM_I8237_XFER_MASK)
        err = dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%d: mode 0x%02x has the illegal transfer type 11 (mode "
                            "register bits 3-2)", d->name, ch, c->mode);
    if (err) { /* nothing moves: the run stops here with the message */
        dmasim__fatal(d->sim, err, NULL);
        end_service(d, t);
        return;
    }
    d->services++;
    c->services++;
    if (d->m2m)
        d->ch[1].services++;
    else
        set_dack(d, ch, 1);
    d->s1_next = !d->m2m; /* a service starts with S1 (memory-to-memory: S11 and S21 every byte) */
    service_step(d);
}

static const dmasim_bus_master_ops master_ops = {1, i8237_granted, i8237_done, next_request, NULL};

/* ---- registers (I/O ports and page registers) ---- */

static void master_clear(dmasim_i8237 *d)
{
    d->command = 0;
    d->status_tc = 0;
    d->request = 0;
    d->temp = 0;
    d->ff = 0;
    d->mask = 0x0F;
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++)
        if (d->state != ST_SERVICE || i != d->cur)
            set_dack(d, i, 0);
}

static int port_error(dmasim_i8237 *d)
{
    d->register_errors++;
    return DMASIM_EBUSERR;
}

static int io_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_i8237 *d = ctx;
    if (len != 1)
        return port_error(d);
    unsigned off = (unsigned)(addr - d->io_base);
    uint8_t v = 0xFF; /* write-only ports: nothing drives the data bus */
    if (off < 8) {
        const chan *c = &d->ch[off >> 1];
        uint16_t r = (off & 1) ? c->count : c->addr;
        v = (uint8_t)(d->ff ? r >> 8 : r);
        d->ff ^= 1;
    } else if (off == DMASIM_I8237_STATUS) {
        v = d->status_tc;
        for (int i = 0; i < DMASIM_I8237_CHANNELS; i++)
            if (dreq_active(d, &d->ch[i]))
                v |= (uint8_t)(0x10u << i);
        d->status_tc = 0; /* reading the status clears the TC bits */
    } else if (off == DMASIM_I8237_TEMP) {
        v = d->temp;
    }
    *(uint8_t *)buf = v;
    return 0;
}

static void write_command(dmasim_i8237 *d, uint8_t v)
{
    d->command = v;
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++) /* the DACK sense may have changed */
        set_dack(d, i, d->state == ST_SERVICE && !d->m2m && i == d->cur);
}

static int io_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_i8237 *d = ctx;
    if (len != 1)
        return port_error(d);
    unsigned off = (unsigned)(addr - d->io_base);
    uint8_t v = *(const uint8_t *)buf;
    if (off < 8) {
        chan *c = &d->ch[off >> 1];
        uint16_t *base = (off & 1) ? &c->base_count : &c->base_addr;
        *base = d->ff ? (uint16_t)((*base & 0x00FF) | v << 8) : (uint16_t)((*base & 0xFF00) | v);
        if (off & 1)
            c->count = *base;
        else
            c->addr = *base;
        d->ff ^= 1;
        return 0;
    }
    switch (off) {
    case DMASIM_I8237_COMMAND: write_command(d, v); break;
    case DMASIM_I8237_REQUEST:
        if (v & 4)
            d->request |= (uint8_t)(1u << (v & 3));
        else
            d->request &= (uint8_t)~(1u << (v & 3));
        break;
    case DMASIM_I8237_MASK_SINGLE:
        if (v & 4)
            d->mask |= (uint8_t)(1u << (v & 3));
        else
            d->mask &= (uint8_t)~(1u << (v & 3));
        break;
    case DMASIM_I8237_MODE: d->ch[v & 3].mode = (uint8_t)(v & 0xFC); break;
    case DMASIM_I8237_CLEAR_FF: d->ff = 0; break;
    case DMASIM_I8237_MASTER_CLEAR: master_clear(d); break;
    case DMASIM_I8237_CLEAR_MASK: d->mask = 0; break;
    case DMASIM_I8237_MASK_ALL: d->mask = v & 0x0F; break;
    default: break;
    }
    arm_sample(d, dmasim_bus_data_time(d->bus)); /* a request may have become visible */
    return 0;
}

static const dmasim_bus_slave_ops io_ops = {1, io_read, io_write, NULL}; /* fixed wait states */

static int page_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_i8237 *d = ctx;
    if (len != 1)
        return port_error(d);
    *(uint8_t *)buf = d->pages[addr - d->page_base];
    return 0;
}

static int page_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_i8237 *d = ctx;
    if (len != 1)
        return port_error(d);
    d->pages[addr - d->page_base] = *(const uint8_t *)buf;
    return 0;
}

static const dmasim_bus_slave_ops page_ops = {1, page_read, page_write, NULL};

/* ---- life cycle ---- */

static void i8237_destroy(void *self)
{
    dmasim_i8237 *d = self;
    dmasim__strfree(d->sim, d->name);
    dmasim__free(d->sim, d, sizeof *d);
}

static const dmasim__component_ops i8237_component = {i8237_destroy, NULL};

static int register_stats(dmasim_i8237 *d)
{
    dmasim_sim *sim = d->sim;
    const char *cy = "cycles (bus clock)";
    int e = 0;
    e |= dmasim__stat_u64(sim, d->name, "services", &d->services, "", "DMA services (HLDA to the end of the last S4)");
    e |= dmasim__stat_u64(sim, d->name, "handshake_cycles", &d->handshake_cycles, cy,
                          "S0 states: HRQ to HLDA, summed over services");
    e |= dmasim__stat_u64(sim, d->name, "empty_grants", &d->empty_grants, "",
                          "grants with no request left (released at once)");
    e |= dmasim__stat_u64(sim, d->name, "register_errors", &d->register_errors, "",
                          "port accesses of a size other than 1 byte");
    e |= dmasim__stat_u64(sim, d->name, "bytes", &d->bytes, "bytes", "bytes moved by all channels");
    for (int i = 0; i < DMASIM_I8237_CHANNELS && !e; i++) {
        chan *c = &d->ch[i];
        char p[300];
        snprintf(p, sizeof p, "%s.ch%d", d->name, i);
        e |= dmasim__stat_u64(sim, p, "bytes", &c->bytes, "bytes", "bytes moved (memory-to-memory: both channels)");
        e |= dmasim__stat_u64(sim, p, "services", &c->services, "", "services of this channel");
        e |= dmasim__stat_u64(sim, p, "tc", &c->tcs, "", "terminal counts");
        e |= dmasim__stat_u64(sim, p, "eop_aborts", &c->eop_aborts, "", "services ended by an external EOP");
        e |= dmasim__stat_u64(sim, p, "autoinits", &c->autoinits, "", "autoinitializations");
        e |= dmasim__stat_u64(sim, p, "s1_states", &c->s1_states, cy, "S1 states (A8-A15 updates)");
        e |= dmasim__stat_u64(sim, p, "sw_states", &c->sw_states, cy, "SW (wait) states, from the memory's READY");
        e |= dmasim__stat_u64(sim, p, "service_cycles", &c->service_cycles, cy, "HLDA to the end of the last S4");
        e |= dmasim__stat_u64(sim, p, "device_stalls", &c->device_stalls, "",
                              "bytes the device could not give or take (service ended)");
        e |= dmasim__stat_u64(sim, p, "page_wraps", &c->page_wraps, "",
                              "A0-A15 wrapped within the 64 KiB page (page_policy wrap)");
    }
    return e ? DMASIM_ENOMEM : 0;
}

static int create_pins(dmasim_i8237 *d)
{
    struct {
        const char *suffix;
        dmasim_signal **sig;
    } pins[] = {{"hrq", &d->hrq}, {"hlda", &d->hlda}, {"aen", &d->aen}, {"eop", &d->eop}, {"eop_in", &d->eop_in}};
    char buf[300];
    int err = 0;
    for (size_t i = 0; i < sizeof pins / sizeof pins[0] && !err; i++) {
        snprintf(buf, sizeof buf, "%s.%s", d->name, pins[i].suffix);
        err = dmasim_signal_create(d->sim, buf, 1, 0, pins[i].sig);
    }
    for (int i = 0; i < DMASIM_I8237_CHANNELS && !err; i++) {
        chan *c = &d->ch[i];
        snprintf(buf, sizeof buf, "%s.dreq%d", d->name, i);
        err = dmasim_signal_create(d->sim, buf, 1, 0, &c->own_dreq);
        snprintf(buf, sizeof buf, "%s.dack%d", d->name, i);
        if (!err) /* reset: DACK active low, so the idle pin is high */
            err = dmasim_signal_create(d->sim, buf, 1, 1, &c->dack);
        if (!err)
            err = dmasim_signal_subscribe(c->own_dreq, dreq_changed, c);
        c->dreq = c->own_dreq;
    }
    if (!err)
        err = dmasim_signal_subscribe(d->eop_in, eop_in_changed, d);
    return err;
}

static int check_config(dmasim_sim *sim, dmasim_bus *bus, const dmasim_i8237_config *cfg, const char *name)
{
    if (cfg->page_bits > 8)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: page_bits %u out of range 0..8 (A16-A23)", name, cfg->page_bits);
    if (cfg->io_wait_states > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: io_wait_states %u out of range 0..1024", name,
                             cfg->io_wait_states);
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++)
        if (cfg->page_index[i] > 15)
            return dmasim__error(sim, DMASIM_ERANGE, "%s: page_index[%d] = %u is not a page register 0..15", name, i,
                                 cfg->page_index[i]);
    if ((unsigned)cfg->page_policy > DMASIM_I8237_PAGE_WRAP)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: unknown page_policy %d", name, (int)cfg->page_policy);
    if (cfg->clock_period_ps && cfg->clock_period_ps != dmasim_bus_period(bus))
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: the 8237A's CLK period is %llu ps but bus %s runs at %llu ps: set the bus period "
                             "to the CLK period",
                             name, (unsigned long long)cfg->clock_period_ps, dmasim_bus_name(bus),
                             (unsigned long long)dmasim_bus_period(bus));
    return 0;
}

/* The bus's address phase, from rule R3 applied to our own port (1 byte, io_wait_states). */
static uint32_t bus_address_cycles(const dmasim_i8237 *d)
{
    return (uint32_t)(dmasim_bus_predict_cycles(d->bus, d->io_base, 1, 0, 0) - 1 - d->io_ws);
}

int dmasim_i8237_create(dmasim_bus *bus, const dmasim_i8237_config *cfg, dmasim_i8237 **out)
{
    dmasim_i8237_config def;
    if (!cfg) {
        dmasim_i8237_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "i8237";
    int err = check_config(sim, bus, cfg, name);
    if (err)
        return err;
    dmasim_i8237 *d = dmasim__alloc(sim, sizeof *d);
    if (!d)
        return DMASIM_ENOMEM;
    d->sim = sim;
    d->bus = bus;
    d->period = dmasim_bus_period(bus);
    d->io_base = cfg->io_base;
    d->page_base = cfg->page_base;
    memcpy(d->page_index, cfg->page_index, sizeof d->page_index);
    d->page_mask = (uint8_t)((1u << cfg->page_bits) - 1);
    d->io_ws = cfg->io_wait_states;
    d->policy = cfg->page_policy;
    d->mask = 0x0F; /* reset: every channel masked */
    d->last_served = DMASIM_I8237_CHANNELS - 1;
    d->name = dmasim__strdup(sim, name);
    if (!d->name) {
        i8237_destroy(d);
        return DMASIM_ENOMEM;
    }
    if (dmasim__component_add(sim, d, &i8237_component)) {
        i8237_destroy(d);
        return DMASIM_ENOMEM;
    }
    for (int i = 0; i < DMASIM_I8237_CHANNELS; i++) {
        d->ch[i].d = d;
        d->ch[i].last_eop = DMASIM_TIME_NEVER;
    }
    dmasim_event_init(&d->sample_ev, sample_event, d);
    dmasim_event_init(&d->req_ev, req_event, d);
    dmasim_event_init(&d->step_ev, step_event, d);
    dmasim_event_init(&d->end_ev, end_event, d);
    dmasim_event_init(&d->eop_off_ev, eop_off_event, d);
    /* from here d belongs to the sim: errors just return */
    if ((err = register_stats(d)) != 0 || (err = create_pins(d)) != 0)
        return err;
    char pname[300];
    snprintf(pname, sizeof pname, "%s.pages", name);
    if ((err = dmasim__bus_map_fixed(bus, name, cfg->io_base, DMASIM_I8237_PORTS, 0, &io_ops, d, d->io_ws)) != 0 ||
        (err = dmasim__bus_map_fixed(bus, pname, cfg->page_base, 16, 0, &page_ops, d, d->io_ws)) != 0)
        return err;
    d->addr_cycles = bus_address_cycles(d);
    if (d->addr_cycles > 1)
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: bus %s has %u address cycles; the 8237A's states include the address phase, so "
                             "it needs address_cycles 0 or 1",
                             name, dmasim_bus_name(bus), d->addr_cycles);
    int m = dmasim_bus_add_master(bus, name, cfg->bus_priority, &master_ops, d);
    if (m < 0)
        return m;
    d->master = m;
    *out = d;
    return 0;
}

/* ---- programming without ports, queries ---- */

int dmasim_i8237_attach_device(dmasim_i8237 *d, unsigned ch, const dmasim_dma_device_ops *ops, void *ctx,
                               dmasim_signal *dreq)
{
    if (ch >= DMASIM_I8237_CHANNELS || !ops || !ops->give || !ops->take)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: attach_device needs a channel 0..3 and give/take", d->name);
    chan *c = &d->ch[ch];
    if (c->dev)
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s.ch%u: a device is already attached", d->name, ch);
    if (dreq && dreq != c->own_dreq) {
        int err = dmasim_signal_subscribe(dreq, dreq_changed, c);
        if (err)
            return err;
        c->dreq = dreq;
    }
    c->dev = ops;
    c->dev_ctx = ctx;
    arm_sample(d, dmasim_sim_now(d->sim));
    return 0;
}

int dmasim_i8237_program_channel(dmasim_i8237 *d, unsigned ch, const dmasim_i8237_program *p)
{
    if (ch >= DMASIM_I8237_CHANNELS)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: no channel %u (0..3)", d->name, ch);
    if (d->state == ST_SERVICE && ((int)ch == d->cur || (d->m2m && ch == 1)))
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: channel is in service", d->name, ch);
    if ((p->mode & DMASIM_I8237_XFER_MASK) == DMASIM_I8237_XFER_MASK &&
        (p->mode & DMASIM_I8237_MODE_MASK) != DMASIM_I8237_MODE_CASCADE)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s.ch%u: transfer type 11 is illegal", d->name, ch);
    int dec = (p->mode & DMASIM_I8237_DECREMENT) != 0;
    if (d->policy == DMASIM_I8237_PAGE_ERROR && crosses_page(p->address, p->count, dec))
        return page_error(d, (int)ch, p->page, p->address, p->count, dec);
    chan *c = &d->ch[ch];
    c->base_addr = c->addr = p->address;
    c->base_count = c->count = p->count;
    c->mode = (uint8_t)(p->mode & 0xFC);
    d->pages[d->page_index[ch]] = p->page;
    if (p->unmask)
        d->mask &= (uint8_t)~(1u << ch);
    arm_sample(d, dmasim_sim_now(d->sim));
    return 0;
}

int dmasim_i8237_set_command(dmasim_i8237 *d, uint8_t command)
{
    write_command(d, command);
    arm_sample(d, dmasim_sim_now(d->sim));
    return 0;
}

int dmasim_i8237_request(dmasim_i8237 *d, unsigned ch, int set)
{
    if (ch >= DMASIM_I8237_CHANNELS)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: no channel %u (0..3)", d->name, ch);
    if (set)
        d->request |= (uint8_t)(1u << ch);
    else
        d->request &= (uint8_t)~(1u << ch);
    arm_sample(d, dmasim_sim_now(d->sim));
    return 0;
}

int dmasim_i8237_channel_status(const dmasim_i8237 *d, unsigned ch, dmasim_i8237_channel_state *out)
{
    if (ch >= DMASIM_I8237_CHANNELS)
        return DMASIM_EINVAL;
    const chan *c = &d->ch[ch];
    out->base_address = c->base_addr;
    out->base_count = c->base_count;
    out->current_address = c->addr;
    out->current_count = c->count;
    out->mode = c->mode;
    out->page = d->pages[d->page_index[ch]];
    out->masked = (d->mask >> ch) & 1;
    out->tc = (d->status_tc >> ch) & 1;
    out->dreq = dreq_active(d, c);
    out->sw_request = (d->request >> ch) & 1;
    out->bytes = c->bytes;
    out->eops = c->tcs + c->eop_aborts;
    out->last_eop = c->last_eop;
    return 0;
}

dmasim_signal *dmasim_i8237_eop_in(const dmasim_i8237 *d) { return d->eop_in; }
dmasim_signal *dmasim_i8237_dreq(const dmasim_i8237 *d, unsigned ch)
{
    return ch < DMASIM_I8237_CHANNELS ? d->ch[ch].dreq : NULL;
}
int dmasim_i8237_bus_master(const dmasim_i8237 *d) { return d->master; }
uint8_t dmasim_i8237_temp(const dmasim_i8237 *d) { return d->temp; }

/* The network card's receive side: packets from a trace or a synthetic source go into an on-chip
 * FIFO; a bus-master DMA engine of its own fetches descriptors (the DMAC's 32-byte format, OWN
 * bit as in its ring mode), writes the packet in bursts, writes the descriptor back and raises
 * its interrupt (devices.h, docs/devices.md). One bus tenure per transaction, released with
 * yield; the same events on both simulation paths. */
#include <errno.h>
#include <stdio.h>
#include "internal.h"
#include "dmasim/devices.h"

typedef struct pkt {
    uint64_t seq;
    uint32_t len, done; /* bytes; bytes already written to memory */
} pkt;

typedef struct trace_pkt {
    dmasim_time time; /* ps */
    uint32_t len;
} trace_pkt;

typedef struct pending_write {
    dmasim_time time;
    uint32_t off, value;
} pending_write;

enum { E_IDLE, E_REQ, E_OWN };
enum { S_FETCH, S_DATA, S_WB };

struct dmasim_nic {
    dmasim_sim *sim;
    dmasim_bus *bus;
    char *name;
    int master;
    dmasim_nic_config cfg;
    dmasim_signal *irq;
    dmasim_event arrive_ev, reg_ev;
    /* traffic: a trace (times in ps, lengths) or the synthetic source */
    int use_trace;
    trace_pkt *trace;
    size_t ntrace, trace_cap;
    uint64_t next_seq;       /* packets arrived so far */
    dmasim_time last_arrival;
    uint32_t next_len;
    uint64_t rng;
    /* the FIFO: a circular queue of packets */
    pkt *q;
    size_t qhead, qn, qcap;
    uint32_t fifo_used;
    /* the DMA engine */
    int enabled, ring_wait, st, step, desc_valid;
    dmasim_addr ring_reg, cur_desc, desc_dst, desc_next;
    uint32_t desc_size, desc_flags;
    uint8_t desc[DMASIM_DESC_SIZE], wb[8];
    dmasim_bus_txn txn;
    uint32_t chunk;
    uint8_t *buf;
    uint32_t icr;
    /* register writes waiting for their data time */
    pending_write *pend;
    size_t npend, pend_cap;
    /* statistics */
    uint64_t arrivals, rx_packets, rx_bytes, drop_fifo, drop_ring, drop_long, fetches, writebacks, ring_empty;
    uint64_t transactions, bus_cycles, bus_errors, fifo_max, interrupts;
};

static uint64_t le_load(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void le_store(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- configuration ---- */

/* The same numbers as models/devices/<name>.yaml, which cites their sources. */
static const struct {
    const char *name;
    uint32_t fifo_size, burst, packet_size;
    uint64_t line_rate, rate, packets;
} presets[] = {
    {"nic-1g", 49152, 128, 1518, 1000000000ull, 81274, 1000},
};

void dmasim_nic_config_init(dmasim_nic_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "nic0";
    cfg->bus_priority = 2;
    cfg->reg_base = 0xE0000000u;
    cfg->reg_wait_states = 1;
    cfg->fifo_size = presets[0].fifo_size;
    cfg->burst = presets[0].burst;
    cfg->line_rate = presets[0].line_rate;
    cfg->rate = presets[0].rate;
    cfg->packets = presets[0].packets;
    cfg->packet_size = presets[0].packet_size;
}

int dmasim_nic_preset(const char *name, dmasim_nic_config *cfg)
{
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            dmasim_nic_config_init(cfg);
            cfg->fifo_size = presets[i].fifo_size;
            cfg->burst = presets[i].burst;
            cfg->line_rate = presets[i].line_rate;
            cfg->rate = presets[i].rate;
            cfg->packets = presets[i].packets;
            cfg->packet_size = presets[i].packet_size;
            return 0;
        }
    }
    return DMASIM_ENOENT;
}

static int check_config(dmasim_sim *sim, const char *n, const dmasim_nic_config *c)
{
    if (c->fifo_size < 64 || c->fifo_size > (1u << 26))
        return dmasim__error(sim, DMASIM_ERANGE, "%s: fifo_size %u out of range 64..67108864", n, c->fifo_size);
    if (!dmasim__is_pow2(c->burst) || c->burst < 4 || c->burst > 4096)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: burst %u is not a power of two in 4..4096", n, c->burst);
    if (c->reg_wait_states > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: reg_wait_states %u out of range 0..1024", n,
                             c->reg_wait_states);
    if (c->trace)
        return 0;
    if (c->rate < 1 || c->rate > 10000000000ull)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: rate %llu packets/s out of range 1..1e10 (or give a trace)", n,
                             (unsigned long long)c->rate);
    if (c->packet_size < 1 || c->packet_size > c->fifo_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: packet_size %u must be 1..fifo_size (%u)", n, c->packet_size,
                             c->fifo_size);
    if (c->packet_size_max && (c->packet_size_max < c->packet_size || c->packet_size_max > c->fifo_size))
        return dmasim__error(sim, DMASIM_ERANGE, "%s: packet_size_max %u must be packet_size (%u)..fifo_size (%u)",
                             n, c->packet_size_max, c->packet_size, c->fifo_size);
    return 0;
}

/* ---- the packet trace: "<time_ns> <bytes>" per line ---- */

static const char *parse_u64(const char *s, uint64_t *v)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    if (*s < '0' || *s > '9')
        return NULL;
    uint64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return NULL;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return s;
}

static int trace_add(dmasim_nic *nic, dmasim_time t, uint32_t len)
{
    if (dmasim__grow(nic->sim, (void **)&nic->trace, &nic->trace_cap, nic->ntrace + 1, sizeof *nic->trace))
        return DMASIM_ENOMEM;
    nic->trace[nic->ntrace++] = (trace_pkt){t, len};
    return 0;
}

static int trace_line(dmasim_nic *nic, const char *path, size_t ln, char *line, dmasim_time *prev)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    line[strcspn(line, "\n")] = '\0';
    const char *s = line;
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    if (!*s)
        return 0; /* blank or comment */
    uint64_t tns, len;
    const char *p = parse_u64(s, &tns);
    if (p && (*p == ' ' || *p == '\t'))
        p = parse_u64(p, &len);
    else
        p = NULL;
    if (p)
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
    if (!p || *p)
        return dmasim__error(nic->sim, DMASIM_EFORMAT, "%s:%zu: expected '<time_ns> <bytes>', got '%s'", path, ln, s);
    if (tns > DMASIM_TIME_NEVER / 1000 - 1)
        return dmasim__error(nic->sim, DMASIM_ERANGE, "%s:%zu: time %llu ns is too large", path, ln,
                             (unsigned long long)tns);
    if (len < 1 || len > nic->cfg.fifo_size)
        return dmasim__error(nic->sim, DMASIM_ERANGE, "%s:%zu: packet of %llu bytes: must be 1..fifo_size (%u)", path,
                             ln, (unsigned long long)len, nic->cfg.fifo_size);
    if (tns * 1000 < *prev)
        return dmasim__error(nic->sim, DMASIM_EFORMAT, "%s:%zu: time %llu ns is before the previous packet's", path,
                             ln, (unsigned long long)tns);
    *prev = tns * 1000;
    return trace_add(nic, tns * 1000, (uint32_t)len);
}

static int trace_load(dmasim_nic *nic, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return dmasim__error(nic->sim, DMASIM_ENOENT, "%s: cannot open packet trace '%s': %s", nic->name, path,
                             strerror(errno));
    char line[512];
    size_t ln = 0;
    dmasim_time prev = 0;
    int err = 0;
    while (!err && fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f))
            err = dmasim__error(nic->sim, DMASIM_EFORMAT, "%s:%zu: line longer than %zu characters", path, ln,
                                sizeof line - 2);
        else
            err = trace_line(nic, path, ln, line, &prev);
    }
    if (!err && ferror(f))
        err = dmasim__error(nic->sim, DMASIM_EIO, "%s: read error", path);
    fclose(f);
    return err;
}

/* ---- interrupt ---- */

static void update_irq(dmasim_nic *nic)
{
    int level = nic->icr != 0;
    if (level && !dmasim_signal_value(nic->irq))
        nic->interrupts++;
    dmasim_signal_set(nic->irq, (uint64_t)level);
}

/* ---- the FIFO ---- */

static pkt *head(dmasim_nic *nic) { return &nic->q[nic->qhead]; }

static int push(dmasim_nic *nic, uint64_t seq, uint32_t len)
{
    if (nic->qn == nic->qcap) { /* grow and unwrap */
        size_t ncap = nic->qcap ? nic->qcap * 2 : 16;
        pkt *nq = dmasim__alloc(nic->sim, ncap * sizeof *nq);
        if (!nq)
            return DMASIM_ENOMEM;
        for (size_t i = 0; i < nic->qn; i++)
            nq[i] = nic->q[(nic->qhead + i) % nic->qcap];
        dmasim__free(nic->sim, nic->q, nic->qcap * sizeof *nic->q);
        nic->q = nq;
        nic->qcap = ncap;
        nic->qhead = 0;
    }
    nic->q[(nic->qhead + nic->qn) % nic->qcap] = (pkt){seq, len, 0};
    nic->qn++;
    nic->fifo_used += len;
    if (nic->fifo_used > nic->fifo_max)
        nic->fifo_max = nic->fifo_used;
    return 0;
}

static void pop(dmasim_nic *nic)
{
    pkt *p = head(nic);
    nic->fifo_used -= p->len - p->done;
    nic->qhead = (nic->qhead + 1) % nic->qcap;
    nic->qn--;
}

/* ---- the DMA engine ---- */

static void kick(dmasim_nic *nic)
{
    if (nic->st != E_IDLE || !nic->enabled || nic->ring_wait || nic->qn == 0)
        return;
    nic->st = E_REQ;
    dmasim_bus_request(nic->bus, nic->master);
}

static void nic_granted(void *ctx, dmasim_time t)
{
    (void)t;
    dmasim_nic *nic = ctx;
    if (nic->qn == 0) { /* cannot happen: only the engine empties the FIFO */
        dmasim_bus_release(nic->bus, nic->master, DMASIM_BUS_YIELD);
        nic->st = E_IDLE;
        return;
    }
    pkt *p = head(nic);
    nic->st = E_OWN;
    if (!nic->desc_valid) {
        nic->step = S_FETCH;
        nic->txn = (dmasim_bus_txn){.addr = nic->cur_desc, .len = DMASIM_DESC_SIZE, .data = nic->desc};
    } else if (p->done < p->len) {
        dmasim_addr a = nic->desc_dst + p->done;
        uint32_t to_boundary = nic->cfg.burst - (uint32_t)(a & (nic->cfg.burst - 1)), rest = p->len - p->done;
        nic->step = S_DATA;
        nic->chunk = to_boundary < rest ? to_boundary : rest;
        for (uint32_t i = 0; i < nic->chunk; i++)
            nic->buf[i] = dmasim_device_pattern(p->seq, p->done + i);
        nic->txn = (dmasim_bus_txn){.addr = a, .len = nic->chunk, .is_write = 1, .data = nic->buf};
    } else {
        nic->step = S_WB;
        le_store(nic->wb, p->len, 4);
        le_store(nic->wb + 4, nic->desc_flags & ~(uint32_t)DMASIM_DESC_OWN, 4);
        nic->txn = (dmasim_bus_txn){
            .addr = nic->cur_desc + DMASIM_DESC_COUNT, .len = 8, .is_write = 1, .data = nic->wb};
    }
    dmasim_bus_transfer(nic->bus, nic->master, &nic->txn);
}

static void drop(dmasim_nic *nic, uint64_t *counter)
{
    (*counter)++;
    nic->icr |= DMASIM_NIC_ICR_DROP;
    update_irq(nic);
}

static void fetched(dmasim_nic *nic)
{
    uint32_t flags = (uint32_t)le_load(nic->desc + DMASIM_DESC_FLAGS, 4);
    nic->fetches++;
    if (!(flags & DMASIM_DESC_OWN)) { /* the ring is full: wait for the doorbell */
        nic->ring_wait = 1;
        nic->ring_empty++;
        nic->icr |= DMASIM_NIC_ICR_NO_DESC;
        update_irq(nic);
        return;
    }
    nic->desc_valid = 1;
    nic->desc_flags = flags;
    nic->desc_dst = le_load(nic->desc + DMASIM_DESC_DST, 8);
    nic->desc_size = (uint32_t)le_load(nic->desc + DMASIM_DESC_COUNT, 4);
    nic->desc_next = le_load(nic->desc + DMASIM_DESC_NEXT, 8);
    if (head(nic)->len > nic->desc_size) { /* the buffer is too small: drop, keep the descriptor */
        pop(nic);
        drop(nic, &nic->drop_long);
    }
}

static void written_back(dmasim_nic *nic, dmasim_time t)
{
    pkt p = *head(nic);
    dmasim_addr desc = nic->cur_desc;
    pop(nic);
    nic->writebacks++;
    nic->rx_packets++;
    nic->rx_bytes += p.len;
    nic->desc_valid = 0;
    nic->cur_desc = nic->desc_next;
    nic->icr |= DMASIM_NIC_ICR_RX;
    update_irq(nic);
    if (nic->cfg.on_packet)
        nic->cfg.on_packet(nic->cfg.ctx, p.seq, p.len, desc, t);
}

static void nic_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_nic *nic = ctx;
    nic->transactions++;
    nic->bus_cycles += txn->cycles;
    dmasim_bus_release(nic->bus, nic->master, DMASIM_BUS_YIELD);
    nic->st = E_IDLE;
    if (txn->status) { /* a DMA error: receive stops until software enables it again */
        nic->bus_errors++;
        nic->enabled = 0;
        nic->desc_valid = 0;
        nic->icr |= DMASIM_NIC_ICR_ERR;
        update_irq(nic);
        return;
    }
    switch (nic->step) {
    case S_FETCH:
        fetched(nic);
        break;
    case S_DATA:
        head(nic)->done += nic->chunk;
        nic->fifo_used -= nic->chunk;
        break;
    default:
        written_back(nic, t);
        break;
    }
    kick(nic);
}

static dmasim_time nic_next_request(void *ctx)
{
    const dmasim_nic *nic = ctx;
    if (nic->st != E_IDLE)
        return dmasim_sim_now(nic->sim);
    if (!nic->enabled || nic->ring_wait)
        return DMASIM_TIME_NEVER;
    if (nic->qn)
        return dmasim_sim_now(nic->sim);
    return dmasim_event_pending(&nic->arrive_ev) ? nic->arrive_ev.time : DMASIM_TIME_NEVER;
}

static const dmasim_bus_master_ops nic_master_ops = {1, nic_granted, nic_done, nic_next_request, NULL};

/* ---- arrivals ---- */

/* Schedule packet next_seq's arrival, if there is one. */
static void schedule_arrival(dmasim_nic *nic)
{
    uint64_t k = nic->next_seq;
    dmasim_time t;
    if (nic->use_trace) {
        if (k >= nic->ntrace)
            return;
        t = nic->trace[k].time;
        nic->next_len = nic->trace[k].len;
    } else {
        if (k >= nic->cfg.packets)
            return;
        uint32_t len = nic->cfg.packet_size;
        if (nic->cfg.packet_size_max > len)
            len += (uint32_t)(dmasim__splitmix64(&nic->rng) % (nic->cfg.packet_size_max - len + 1));
        uint64_t dt = dmasim__muldiv(k, 1000000000000ull, nic->cfg.rate, 1);
        t = dt > DMASIM_TIME_NEVER - nic->cfg.start_time ? DMASIM_TIME_NEVER : nic->cfg.start_time + dt;
        if (k > 0 && nic->cfg.line_rate) {
            dmasim_time wire = dmasim__muldiv((uint64_t)(len + 20) * 8, 1000000000000ull, nic->cfg.line_rate, 1);
            if (t < nic->last_arrival + wire)
                t = nic->last_arrival + wire;
        }
        nic->next_len = len;
    }
    if (t != DMASIM_TIME_NEVER)
        dmasim_event_schedule(nic->sim, &nic->arrive_ev, t, DMASIM_PRIO_DEFAULT);
}

static void arrive_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_nic *nic = ctx;
    uint64_t seq = nic->next_seq++;
    uint32_t len = nic->next_len;
    nic->arrivals++;
    nic->last_arrival = dmasim_sim_now(sim);
    if (!nic->enabled) {
        drop(nic, &nic->drop_ring); /* receive disabled: no ring */
    } else if (len > nic->cfg.fifo_size - nic->fifo_used) {
        drop(nic, nic->ring_wait ? &nic->drop_ring : &nic->drop_fifo);
    } else if (push(nic, seq, len)) {
        dmasim__fatal(sim, DMASIM_ENOMEM, "%s: out of memory for the FIFO", nic->name);
        return;
    } else {
        kick(nic);
    }
    schedule_arrival(nic);
}

/* ---- software side ---- */

int dmasim_nic_set_ring(dmasim_nic *nic, dmasim_addr first_desc)
{
    if (nic->enabled)
        return dmasim__error(nic->sim, DMASIM_EBUSY, "%s: disable receive before changing the ring", nic->name);
    nic->ring_reg = nic->cur_desc = first_desc;
    nic->desc_valid = 0;
    nic->ring_wait = 0;
    return 0;
}

int dmasim_nic_enable(dmasim_nic *nic, int on)
{
    nic->enabled = on != 0;
    if (nic->enabled)
        kick(nic);
    return 0;
}

void dmasim_nic_doorbell(dmasim_nic *nic)
{
    if (!nic->ring_wait)
        return;
    nic->ring_wait = 0;
    kick(nic); /* the descriptor that was not owned is read again */
}

void dmasim_nic_irq_clear(dmasim_nic *nic, uint32_t bits)
{
    nic->icr &= ~bits;
    update_irq(nic);
}

uint32_t dmasim_nic_icr(const dmasim_nic *nic) { return nic->icr; }
dmasim_signal *dmasim_nic_irq(const dmasim_nic *nic) { return nic->irq; }
int dmasim_nic_bus_master(const dmasim_nic *nic) { return nic->master; }

int dmasim_nic_ring_init(dmasim_sim *sim, dmasim_addr descs, uint32_t n, dmasim_addr bufs, uint32_t buf_size,
                         uint32_t owned)
{
    if (n == 0 || owned > n)
        return dmasim__error(sim, DMASIM_EINVAL, "ring of %u descriptors with %u owned", n, owned);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t d[DMASIM_DESC_SIZE];
        le_store(d + DMASIM_DESC_SRC, 0, 8);
        le_store(d + DMASIM_DESC_DST, bufs + (uint64_t)i * buf_size, 8);
        le_store(d + DMASIM_DESC_COUNT, buf_size, 4);
        le_store(d + DMASIM_DESC_FLAGS, i < owned ? DMASIM_DESC_OWN : 0, 4);
        le_store(d + DMASIM_DESC_NEXT, descs + (uint64_t)((i + 1) % n) * DMASIM_DESC_SIZE, 8);
        int err = dmasim_mem_write(sim, descs + (uint64_t)i * DMASIM_DESC_SIZE, d, sizeof d);
        if (err)
            return err;
    }
    return 0;
}

/* ---- registers ---- */

static void reg_apply(dmasim_nic *nic, uint32_t off, uint32_t v)
{
    switch (off) {
    case DMASIM_NIC_RING_LO:
        dmasim_nic_set_ring(nic, (nic->ring_reg & ~0xFFFFFFFFull) | v);
        break;
    case DMASIM_NIC_RING_HI:
        dmasim_nic_set_ring(nic, (nic->ring_reg & 0xFFFFFFFFull) | (uint64_t)v << 32);
        break;
    case DMASIM_NIC_CTRL:
        dmasim_nic_enable(nic, (int)(v & DMASIM_NIC_CTRL_RX_EN));
        break;
    case DMASIM_NIC_DOORBELL:
        dmasim_nic_doorbell(nic);
        break;
    case DMASIM_NIC_ICR:
        dmasim_nic_irq_clear(nic, v);
        break;
    default:
        break;
    }
}

static void reg_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_nic *nic = ctx;
    dmasim_time now = dmasim_sim_now(sim);
    size_t i = 0;
    while (i < nic->npend && nic->pend[i].time <= now) {
        reg_apply(nic, nic->pend[i].off, nic->pend[i].value);
        i++;
    }
    memmove(nic->pend, nic->pend + i, (nic->npend - i) * sizeof *nic->pend);
    nic->npend -= i;
    if (nic->npend)
        dmasim_event_schedule(sim, &nic->reg_ev, nic->pend[0].time, DMASIM_PRIO_DEFAULT);
}

static int reg_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_nic *nic = ctx;
    uint32_t off = (uint32_t)(addr - nic->cfg.reg_base), v = 0;
    if (len != 4 || (off & 3))
        return DMASIM_EBUSERR;
    switch (off) {
    case DMASIM_NIC_RING_LO: v = (uint32_t)nic->ring_reg; break;
    case DMASIM_NIC_RING_HI: v = (uint32_t)(nic->ring_reg >> 32); break;
    case DMASIM_NIC_CTRL: v = nic->enabled ? DMASIM_NIC_CTRL_RX_EN : 0; break;
    case DMASIM_NIC_ICR: v = nic->icr; break;
    case DMASIM_NIC_RX_PACKETS: v = (uint32_t)nic->rx_packets; break;
    case DMASIM_NIC_RX_DROPPED: v = (uint32_t)(nic->drop_fifo + nic->drop_ring + nic->drop_long); break;
    default: break;
    }
    le_store(buf, v, 4);
    return 0;
}

static int reg_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_nic *nic = ctx;
    uint32_t off = (uint32_t)(addr - nic->cfg.reg_base);
    if (len != 4 || (off & 3))
        return DMASIM_EBUSERR;
    if ((off == DMASIM_NIC_RING_LO || off == DMASIM_NIC_RING_HI) && nic->enabled)
        return DMASIM_EBUSERR;
    if (dmasim__grow(nic->sim, (void **)&nic->pend, &nic->pend_cap, nic->npend + 1, sizeof *nic->pend))
        return DMASIM_ENOMEM;
    dmasim_time t = dmasim_bus_data_time(nic->bus), now = dmasim_sim_now(nic->sim);
    nic->pend[nic->npend++] = (pending_write){t < now ? now : t, off, (uint32_t)le_load(buf, 4)};
    if (!dmasim_event_pending(&nic->reg_ev) || nic->reg_ev.time > nic->pend[nic->npend - 1].time)
        dmasim_event_schedule(nic->sim, &nic->reg_ev, nic->pend[nic->npend - 1].time, DMASIM_PRIO_DEFAULT);
    return 0;
}

static const dmasim_bus_slave_ops reg_ops = {1, reg_read, reg_write, NULL}; /* fixed wait states */

/* ---- life cycle ---- */

static void nic_destroy(void *self)
{
    dmasim_nic *nic = self;
    dmasim_sim *sim = nic->sim;
    dmasim__free(sim, nic->trace, nic->trace_cap * sizeof *nic->trace);
    dmasim__free(sim, nic->q, nic->qcap * sizeof *nic->q);
    dmasim__free(sim, nic->pend, nic->pend_cap * sizeof *nic->pend);
    dmasim__free(sim, nic->buf, nic->cfg.burst);
    dmasim__strfree(sim, nic->name);
    dmasim__free(sim, nic, sizeof *nic);
}

static const dmasim__component_ops nic_component = {nic_destroy, NULL};

static int nic_register(dmasim_nic *nic)
{
    dmasim_sim *sim = nic->sim;
    const char *n = nic->name;
    int e = 0;
    e |= dmasim__stat_u64(sim, n, "arrivals", &nic->arrivals, "", "packets that arrived from the wire");
    e |= dmasim__stat_u64(sim, n, "rx_packets", &nic->rx_packets, "", "packets written to memory");
    e |= dmasim__stat_u64(sim, n, "rx_bytes", &nic->rx_bytes, "bytes", "bytes of those packets");
    e |= dmasim__stat_u64(sim, n, "rx_dropped_fifo", &nic->drop_fifo, "", "dropped: FIFO full (DMA too slow)");
    e |= dmasim__stat_u64(sim, n, "rx_dropped_ring_full", &nic->drop_ring, "",
                          "dropped: FIFO full while no descriptor was owned, or receive disabled");
    e |= dmasim__stat_u64(sim, n, "rx_dropped_too_long", &nic->drop_long, "", "dropped: longer than the buffer");
    e |= dmasim__stat_u64(sim, n, "descriptor_fetches", &nic->fetches, "", "descriptor reads");
    e |= dmasim__stat_u64(sim, n, "descriptor_writebacks", &nic->writebacks, "", "descriptor write-backs");
    e |= dmasim__stat_u64(sim, n, "ring_empty", &nic->ring_empty, "", "fetched descriptors not owned by the NIC");
    e |= dmasim__stat_u64(sim, n, "bus_transactions", &nic->transactions, "", "bus transactions (all kinds)");
    e |= dmasim__stat_u64(sim, n, "bus_cycles", &nic->bus_cycles, "cycles (bus clock)", "cycles of those");
    e |= dmasim__stat_u64(sim, n, "bus_errors", &nic->bus_errors, "", "transactions that failed");
    e |= dmasim__stat_u64(sim, n, "fifo_max_level", &nic->fifo_max, "bytes", "highest FIFO level");
    e |= dmasim__stat_u64(sim, n, "interrupts", &nic->interrupts, "", "rising edges of the interrupt line");
    if (e)
        return e == DMASIM_EINVAL ? e : DMASIM_ENOMEM;
    char buf[300];
    snprintf(buf, sizeof buf, "%s.irq", n);
    return dmasim_signal_create(sim, buf, 1, 0, &nic->irq);
}

int dmasim_nic_create(dmasim_bus *bus, const dmasim_nic_config *cfg, dmasim_nic **out)
{
    dmasim_nic_config def;
    if (!cfg) {
        dmasim_nic_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "nic0";
    int err = check_config(sim, name, cfg);
    if (err)
        return err;
    dmasim_nic *nic = dmasim__alloc(sim, sizeof *nic);
    if (!nic)
        return DMASIM_ENOMEM;
    nic->sim = sim;
    nic->bus = bus;
    nic->cfg = *cfg;
    nic->name = dmasim__strdup(sim, name);
    nic->buf = dmasim__alloc(sim, cfg->burst);
    if (!nic->name || !nic->buf || dmasim__component_add(sim, nic, &nic_component)) {
        nic_destroy(nic);
        return DMASIM_ENOMEM;
    }
    nic->cfg.name = nic->name;
    nic->cfg.trace = NULL; /* the path is not kept */
    dmasim_event_init(&nic->arrive_ev, arrive_event, nic);
    dmasim_event_init(&nic->reg_ev, reg_event, nic);
    uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a of the name, mixed with the seed */
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001B3ull;
    nic->rng = dmasim_sim_seed(sim) ^ h;
    if (cfg->trace) {
        err = trace_load(nic, cfg->trace);
        if (err)
            return err;
        nic->use_trace = 1;
    }
    err = nic_register(nic);
    if (err)
        return err;
    err = dmasim__bus_map_fixed(bus, name, cfg->reg_base, DMASIM_NIC_REG_SIZE, 0, &reg_ops, nic, cfg->reg_wait_states);
    if (err)
        return err;
    int m = dmasim_bus_add_master(bus, name, cfg->bus_priority, &nic_master_ops, nic);
    if (m < 0)
        return m;
    nic->master = m;
    if (cfg->ring) {
        nic->ring_reg = nic->cur_desc = cfg->ring;
        nic->enabled = 1;
    }
    schedule_arrival(nic);
    *out = nic;
    return 0;
}

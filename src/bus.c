/* The shared system bus: address map, arbitration, transactions (fast and reference paths),
 * ownership accounting and per-master statistics. Timing rules: include/dmasim/bus.h and
 * docs/timing.md. The bus knows nothing of DMA modes: a master's policy is in the master. */
#include <stdio.h>
#include "internal.h"

typedef struct slave {
    dmasim_addr base;
    uint64_t size;
    unsigned flags;
    const dmasim_bus_slave_ops *ops;
    void *ctx;
    char *name;
    /* version-2 slaves: bytes and wait states in one call (NULL for version 1) */
    int (*transport)(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                     uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states);
    uint64_t fixed_ws;  /* wait states per beat when ops->wait_states is NULL (dmasim__bus_map_fixed) */
} slave;

typedef struct master {
    char *name;
    unsigned priority;
    const dmasim_bus_master_ops *ops;
    void *ctx;
    int requesting;
    int want_idle;
    int yield;              /* released with DMASIM_BUS_YIELD at yield_edge */
    dmasim_time yield_edge;
    dmasim_time req_time;
    /* ownership: tenures before the last one, and the last one [last_start, last_end) */
    dmasim_time prev_owned, last_start, last_end;
    int has_tenure;
    dmasim_time *snap;      /* owned_at(X, req_time) for every X, taken at request */
    dmasim_time *wait_by;   /* ps waited while X owned the bus (X == self: bus free) */
    /* statistics (bus cycles unless noted) */
    uint64_t grants, transactions, beats, bytes, requests;
    uint64_t owned_cycles, arbitration_cycles, wait_cycles, max_wait_cycles;
    dmasim_time wait_ps, max_wait_ps;
    uint64_t bus_errors;
    double utilisation;
    uint64_t *wait_by_cycles;
} master;

enum phase { PH_NONE, PH_ARB, PH_ADDR, PH_BEAT, PH_ERR, PH_HOLD };

struct dmasim_bus {
    dmasim_sim *sim;
    char *name;
    dmasim_time period;
    uint32_t width;
    unsigned width_shift;
    dmasim_arbitration arbitration;
    uint32_t arb_cycles, addr_cycles;

    slave *slaves;
    size_t nslaves, slaves_cap;
    size_t last_slave;

    master **masters;
    size_t nmasters, masters_cap;

    int owner;              /* -1 when free */
    int last_owner;         /* round-robin pointer */
    dmasim_time cursor;     /* end of the owner's queued transactions */
    dmasim_time free_at;    /* the bus is free from this time (last release) */
    dmasim_signal *owner_sig;

    dmasim_event arb_ev;
    dmasim_event grant_ev;  /* the winner's granted() call, after the arbitration cycles */
    /* fast path: one async transaction in flight */
    dmasim_event done_ev;
    dmasim_bus_txn *inflight;
    int holding;            /* the operation in flight is a hold (dmasim_bus_hold), both paths */
    /* reference path: per-cycle state */
    dmasim_event tick_ev;
    enum phase phase;
    uint64_t cycles_left;
    uint32_t beat, nbeats;
    slave *txn_slave;
    dmasim_time txn_start;

    dmasim_time data_time;  /* end of the data phase of the transaction being performed */
    struct observer {
        dmasim_bus_observer_fn fn;
        void *ctx;
    } *observers;
    size_t nobservers, observers_cap;
    struct snooper {
        int owner;
        uint32_t cycles;
        const dmasim_bus_snooper_ops *ops;
        void *ctx;
        const dmasim__snoop_filter *filter;
    } *snoopers;
    size_t nsnoopers, snoopers_cap;
    int coherent_traffic;
    uint64_t cycles, idle_cycles, transactions, bus_errors;
};

/* ---- configuration ---- */

void dmasim_bus_config_init(dmasim_bus_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "bus0";
    cfg->period_ps = 10000;
    cfg->width = 8;
    cfg->arbitration = DMASIM_ARB_FIXED;
    cfg->arbitration_cycles = 1;
    cfg->address_cycles = 1;
}

static void master_free(dmasim_sim *sim, master *m)
{
    dmasim__strfree(sim, m->name);
    dmasim__free(sim, m->snap, DMASIM_BUS_MAX_MASTERS * sizeof *m->snap);
    dmasim__free(sim, m->wait_by, DMASIM_BUS_MAX_MASTERS * sizeof *m->wait_by);
    dmasim__free(sim, m->wait_by_cycles, DMASIM_BUS_MAX_MASTERS * sizeof *m->wait_by_cycles);
    dmasim__free(sim, m, sizeof *m);
}

static void bus_destroy(void *self)
{
    dmasim_bus *bus = self;
    dmasim_sim *sim = bus->sim;
    for (size_t i = 0; i < bus->nslaves; i++)
        dmasim__strfree(sim, bus->slaves[i].name);
    dmasim__free(sim, bus->slaves, bus->slaves_cap * sizeof *bus->slaves);
    for (size_t i = 0; i < bus->nmasters; i++)
        master_free(sim, bus->masters[i]);
    dmasim__free(sim, bus->masters, bus->masters_cap * sizeof *bus->masters);
    dmasim__free(sim, bus->snoopers, bus->snoopers_cap * sizeof *bus->snoopers);
    dmasim__free(sim, bus->observers, bus->observers_cap * sizeof *bus->observers);
    dmasim__strfree(sim, bus->name);
    dmasim__free(sim, bus, sizeof *bus);
}

static dmasim_time owned_at(const master *m, dmasim_time t)
{
    if (!m->has_tenure || t <= m->last_start)
        return m->prev_owned;
    dmasim_time end = m->last_end < t ? m->last_end : t;
    return m->prev_owned + (end - m->last_start);
}

static void bus_stats_update(void *self)
{
    dmasim_bus *bus = self;
    dmasim_time now = dmasim__now(bus->sim);
    bus->cycles = now / bus->period;
    uint64_t owned = 0;
    for (size_t i = 0; i < bus->nmasters; i++) {
        master *m = bus->masters[i];
        m->owned_cycles = owned_at(m, now) / bus->period;
        owned += m->owned_cycles;
        m->wait_cycles = m->wait_ps / bus->period;
        m->max_wait_cycles = m->max_wait_ps / bus->period;
        m->utilisation = bus->cycles ? 100.0 * (double)m->owned_cycles / (double)bus->cycles : 0.0;
        for (size_t j = 0; j < bus->nmasters; j++)
            m->wait_by_cycles[j] = m->wait_by[j] / bus->period;
    }
    bus->idle_cycles = bus->cycles > owned ? bus->cycles - owned : 0;
}

static const dmasim__component_ops bus_ops = {bus_destroy, bus_stats_update};

static void arb_event(dmasim_sim *sim, dmasim_event *ev, void *ctx);
static void done_event(dmasim_sim *sim, dmasim_event *ev, void *ctx);
static void grant_event(dmasim_sim *sim, dmasim_event *ev, void *ctx);
static void tick_event(dmasim_sim *sim, dmasim_event *ev, void *ctx);

static int bus_register_stats(dmasim_bus *bus)
{
    int e = 0;
    e |= dmasim__stat_u64(bus->sim, bus->name, "cycles", &bus->cycles, "cycles (bus clock)",
                          "elapsed bus cycles");
    e |= dmasim__stat_u64(bus->sim, bus->name, "idle_cycles", &bus->idle_cycles, "cycles (bus clock)",
                          "cycles no master owned the bus");
    e |= dmasim__stat_u64(bus->sim, bus->name, "transactions", &bus->transactions, "",
                          "transactions of all masters");
    e |= dmasim__stat_u64(bus->sim, bus->name, "bus_errors", &bus->bus_errors, "",
                          "transactions answered with a bus error");
    return e ? DMASIM_ENOMEM : 0;
}

int dmasim_bus_create(dmasim_sim *sim, const dmasim_bus_config *cfg, dmasim_bus **out)
{
    dmasim_bus_config def;
    if (!cfg) {
        dmasim_bus_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "bus0";
    if (cfg->period_ps < 1)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: period_ps must be >= 1", name);
    if (!dmasim__is_pow2(cfg->width) || cfg->width > 128)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: width %u is not a power of two in 1..128 bytes", name,
                             cfg->width);
    if (cfg->arbitration_cycles > 64 || cfg->address_cycles > 64)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: arbitration_cycles and address_cycles must be 0..64",
                             name);
    if (cfg->arbitration != DMASIM_ARB_FIXED && cfg->arbitration != DMASIM_ARB_ROUND_ROBIN)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: unknown arbitration %d", name, (int)cfg->arbitration);
    dmasim_bus *bus = dmasim__alloc(sim, sizeof *bus);
    if (!bus)
        return DMASIM_ENOMEM;
    bus->sim = sim;
    bus->name = dmasim__strdup(sim, name);
    if (!bus->name) {
        dmasim__free(sim, bus, sizeof *bus);
        return DMASIM_ENOMEM;
    }
    bus->period = cfg->period_ps;
    bus->width = cfg->width;
    bus->width_shift = dmasim__log2(cfg->width);
    bus->arbitration = cfg->arbitration;
    bus->arb_cycles = cfg->arbitration_cycles;
    bus->addr_cycles = cfg->address_cycles;
    bus->owner = -1;
    bus->last_owner = -1;
    dmasim_event_init(&bus->arb_ev, arb_event, bus);
    dmasim_event_init(&bus->done_ev, done_event, bus);
    dmasim_event_init(&bus->grant_ev, grant_event, bus);
    dmasim_event_init(&bus->tick_ev, tick_event, bus);
    if (dmasim__component_add(sim, bus, &bus_ops)) {
        bus_destroy(bus);
        return DMASIM_ENOMEM;
    }
    char sname[256];
    snprintf(sname, sizeof sname, "%s.owner", name);
    int err = dmasim_signal_create(sim, sname, 8, 0, &bus->owner_sig);
    if (!err)
        err = bus_register_stats(bus);
    if (err)
        return err; /* bus is owned by the sim now */
    *out = bus;
    return 0;
}

const char *dmasim_bus_name(const dmasim_bus *bus) { return bus->name; }
dmasim_time dmasim_bus_period(const dmasim_bus *bus) { return bus->period; }
uint32_t dmasim_bus_width(const dmasim_bus *bus) { return bus->width; }
dmasim_sim *dmasim_bus_sim(const dmasim_bus *bus) { return bus->sim; }
dmasim_time dmasim_bus_cursor(const dmasim_bus *bus)
{
    dmasim_time now = dmasim__now(bus->sim);
    return bus->owner >= 0 && bus->cursor > now ? bus->cursor : now;
}

/* ---- address map ---- */

static int map_slave(dmasim_bus *bus, const char *name, dmasim_addr base, uint64_t size, unsigned flags,
                     const dmasim_bus_slave_ops *ops, void *ctx, uint64_t fixed_ws)
{
    dmasim_sim *sim = bus->sim;
    name = name ? name : "slave";
    if (size == 0)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: size must be > 0", name);
    if (base + (size - 1) < base)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: range wraps around the address space", name);
    if (!ops)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: no slave ops", name);
    const dmasim_addr last = base + (size - 1);
    size_t pos = bus->nslaves; /* the slaves are sorted by base: insert before the first above */
    for (size_t i = 0; i < bus->nslaves; i++) {
        const slave *s = &bus->slaves[i];
        dmasim_addr slast = s->base + (s->size - 1);
        if (base <= slast && s->base <= last)
            return dmasim__error(sim, DMASIM_EOVERLAP, "%s [0x%llx, 0x%llx] overlaps %s [0x%llx, 0x%llx]", name,
                                 (unsigned long long)base, (unsigned long long)last, s->name,
                                 (unsigned long long)s->base, (unsigned long long)slast);
        if (s->base > base && pos == bus->nslaves)
            pos = i;
    }
    if (dmasim__grow(sim, (void **)&bus->slaves, &bus->slaves_cap, bus->nslaves + 1, sizeof *bus->slaves))
        return DMASIM_ENOMEM;
    char *n = dmasim__strdup(sim, name);
    if (!n)
        return DMASIM_ENOMEM;
    memmove(&bus->slaves[pos + 1], &bus->slaves[pos], (bus->nslaves - pos) * sizeof *bus->slaves);
    bus->slaves[pos] = (slave){base, size, flags, ops, ctx, n,
                               ops->version >= 2 ? ((const dmasim_bus_slave_ops2 *)ops)->transport : NULL,
                               fixed_ws};
    bus->nslaves++;
    bus->last_slave = 0;
    return 0;
}

int dmasim_bus_map(dmasim_bus *bus, const char *name, dmasim_addr base, uint64_t size, unsigned flags,
                   const dmasim_bus_slave_ops *ops, void *ctx)
{
    return map_slave(bus, name, base, size, flags, ops, ctx, 0);
}

int dmasim__bus_map_fixed(dmasim_bus *bus, const char *name, dmasim_addr base, uint64_t size, unsigned flags,
                          const dmasim_bus_slave_ops *ops, void *ctx, uint32_t wait_states)
{
    return map_slave(bus, name, base, size, flags, ops, ctx, wait_states);
}

/* Wait states of `beats` beats of a slave from `addr` at t: its callback, or its fixed count. */
static inline uint64_t slave_wait_states(const dmasim_bus *bus, const slave *s, dmasim_addr addr, uint32_t beats,
                                         int is_write, dmasim_time t, int commit)
{
    if (s->ops->wait_states)
        return s->ops->wait_states(s->ctx, addr, beats, bus->width, is_write, t, commit);
    return s->fixed_ws * beats;
}

/* The slave holding [addr, addr + len), or NULL. */
static slave *decode(dmasim_bus *bus, dmasim_addr addr, uint64_t len)
{
    slave *s = bus->nslaves ? &bus->slaves[bus->last_slave] : NULL;
    if (s && addr >= s->base && addr - s->base < s->size && len <= s->size - (addr - s->base))
        return s;
    size_t lo = 0, hi = bus->nslaves;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bus->slaves[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    s = &bus->slaves[lo - 1];
    if (addr - s->base >= s->size || len > s->size - (addr - s->base))
        return NULL;
    bus->last_slave = lo - 1;
    return s;
}

int dmasim_bus_slave_flags(const dmasim_bus *bus, dmasim_addr addr)
{
    slave *s = decode((dmasim_bus *)bus, addr, 1);
    return s ? (int)s->flags : DMASIM_EINVAL;
}

static inline uint32_t beats_of(const dmasim_bus *bus, dmasim_addr addr, uint32_t len)
{
    uint64_t first = addr >> bus->width_shift, last = (addr + len - 1) >> bus->width_shift;
    return (uint32_t)(last - first + 1);
}

static int move_bytes(slave *s, dmasim_bus_txn *txn, dmasim_addr addr, void *data, uint32_t len)
{
    if (!data)
        return 0;
    if (txn->is_write)
        return s->ops->write ? s->ops->write(s->ctx, addr, data, len) : 0;
    if (s->ops->read)
        return s->ops->read(s->ctx, addr, data, len);
    memset(data, 0, len);
    return 0;
}

int dmasim_bus_debug_read(dmasim_bus *bus, dmasim_addr addr, void *buf, uint32_t len)
{
    slave *s = decode(bus, addr, len);
    if (!s)
        return dmasim__error(bus->sim, DMASIM_EUNMAPPED, "%s: 0x%llx (+%u) is not mapped", bus->name,
                             (unsigned long long)addr, len);
    dmasim_bus_txn t = {.addr = addr, .len = len, .data = buf};
    dmasim_time saved = bus->data_time;
    bus->data_time = dmasim__now(bus->sim); /* a debug access takes no time */
    int err = move_bytes(s, &t, addr, buf, len);
    bus->data_time = saved;
    return err;
}

int dmasim_bus_debug_write(dmasim_bus *bus, dmasim_addr addr, const void *buf, uint32_t len)
{
    slave *s = decode(bus, addr, len);
    if (!s)
        return dmasim__error(bus->sim, DMASIM_EUNMAPPED, "%s: 0x%llx (+%u) is not mapped", bus->name,
                             (unsigned long long)addr, len);
    dmasim_bus_txn t = {.addr = addr, .len = len, .is_write = 1, .data = (void *)buf};
    dmasim_time saved = bus->data_time;
    bus->data_time = dmasim__now(bus->sim); /* a debug access takes no time */
    int err = move_bytes(s, &t, addr, (void *)buf, len);
    bus->data_time = saved;
    return err;
}

uint64_t dmasim_bus_predict_cycles(const dmasim_bus *bus, dmasim_addr addr, uint32_t len, int is_write,
                                   dmasim_time t)
{
    slave *s = decode((dmasim_bus *)bus, addr, len);
    if (!s || !len)
        return 0;
    uint32_t beats = beats_of(bus, addr, len);
    dmasim_time t0 = t + bus->addr_cycles * bus->period;
    uint64_t ws = slave_wait_states(bus, s, addr, beats, is_write, t0, 0);
    return bus->addr_cycles + beats + ws;
}

/* ---- masters ---- */

int dmasim_bus_add_master(dmasim_bus *bus, const char *name, unsigned priority,
                          const dmasim_bus_master_ops *ops, void *ctx)
{
    dmasim_sim *sim = bus->sim;
    if (!name || !ops || !ops->granted)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: a master needs a name and a granted() callback",
                             bus->name);
    if (bus->nmasters >= DMASIM_BUS_MAX_MASTERS)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: more than %d masters", bus->name, DMASIM_BUS_MAX_MASTERS);
    if (dmasim__grow(sim, (void **)&bus->masters, &bus->masters_cap, bus->nmasters + 1, sizeof *bus->masters))
        return DMASIM_ENOMEM;
    /* Per-pair arrays have a fixed capacity: statistics point into them, so they never move. */
    master *m = dmasim__alloc(sim, sizeof *m);
    if (!m)
        return DMASIM_ENOMEM;
    m->snap = dmasim__alloc(sim, DMASIM_BUS_MAX_MASTERS * sizeof *m->snap);
    m->wait_by = dmasim__alloc(sim, DMASIM_BUS_MAX_MASTERS * sizeof *m->wait_by);
    m->wait_by_cycles = dmasim__alloc(sim, DMASIM_BUS_MAX_MASTERS * sizeof *m->wait_by_cycles);
    m->name = dmasim__strdup(sim, name);
    if (!m->snap || !m->wait_by || !m->wait_by_cycles || !m->name) {
        master_free(sim, m);
        return DMASIM_ENOMEM;
    }
    bus->masters[bus->nmasters] = m; /* owned by the bus from here (freed by bus_destroy) */
    bus->nmasters++;
    m->priority = priority;
    m->ops = ops;
    m->ctx = ctx;
    int idx = (int)bus->nmasters - 1;

    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.master.%s", bus->name, name);
    int e = 0;
    e |= dmasim__stat_u64(sim, prefix, "grants", &m->grants, "", "times the bus was granted");
    e |= dmasim__stat_u64(sim, prefix, "requests", &m->requests, "", "bus requests");
    e |= dmasim__stat_u64(sim, prefix, "transactions", &m->transactions, "", "transactions");
    e |= dmasim__stat_u64(sim, prefix, "beats", &m->beats, "", "data beats");
    e |= dmasim__stat_u64(sim, prefix, "bytes", &m->bytes, "bytes", "bytes moved");
    e |= dmasim__stat_u64(sim, prefix, "owned_cycles", &m->owned_cycles, "cycles (bus clock)",
                          "cycles the master owned the bus (arbitration cycles included)");
    e |= dmasim__stat_u64(sim, prefix, "arbitration_cycles", &m->arbitration_cycles, "cycles (bus clock)",
                          "arbitration cycles of its grants");
    e |= dmasim__stat_u64(sim, prefix, "wait_cycles", &m->wait_cycles, "cycles (bus clock)",
                          "cycles from request to grant, summed");
    e |= dmasim__stat_u64(sim, prefix, "max_wait_cycles", &m->max_wait_cycles, "cycles (bus clock)",
                          "longest single wait from request to grant");
    e |= dmasim__stat_u64(sim, prefix, "bus_errors", &m->bus_errors, "", "transactions answered with an error");
    e |= dmasim__stat_double(sim, prefix, "utilisation", &m->utilisation, "percent",
                             "owned cycles / elapsed bus cycles");
    if (e)
        return DMASIM_ENOMEM;
    /* wait_by.<other> for every pair, both directions */
    for (size_t i = 0; i < bus->nmasters; i++) {
        master *a = bus->masters[i];
        char p2[300];
        snprintf(p2, sizeof p2, "%s.master.%s.wait_by", bus->name, a->name);
        if (dmasim__stat_u64(sim, p2, m->name, &a->wait_by_cycles[idx], "cycles (bus clock)",
                             "cycles waited while this master held the bus (self: bus free)"))
            return DMASIM_ENOMEM;
        if ((int)i != idx) {
            snprintf(p2, sizeof p2, "%s.master.%s.wait_by", bus->name, m->name);
            if (dmasim__stat_u64(sim, p2, a->name, &m->wait_by_cycles[i], "cycles (bus clock)",
                                 "cycles waited while this master held the bus (self: bus free)"))
                return DMASIM_ENOMEM;
        }
    }
    return idx;
}

int dmasim_bus_master_count(const dmasim_bus *bus) { return (int)bus->nmasters; }
const char *dmasim_bus_master_name(const dmasim_bus *bus, int i)
{
    return i >= 0 && (size_t)i < bus->nmasters ? bus->masters[i]->name : NULL;
}

dmasim_time dmasim_bus_wait_by(const dmasim_bus *bus, int m, int owner)
{
    if (m < 0 || owner < 0 || (size_t)m >= bus->nmasters || (size_t)owner >= bus->nmasters)
        return 0;
    return bus->masters[m]->wait_by[owner];
}

static inline dmasim_time edge_after(const dmasim_bus *bus, dmasim_time t)
{
    return dmasim_clock_edge_at_or_after(t, bus->period);
}

static void schedule_arbitration(dmasim_bus *bus)
{
    dmasim_time now = dmasim__now(bus->sim);
    dmasim_time t = edge_after(bus, now > bus->free_at ? now : bus->free_at);
    if (dmasim_event_pending(&bus->arb_ev) && bus->arb_ev.time <= t)
        return;
    dmasim_event_schedule(bus->sim, &bus->arb_ev, t, DMASIM_PRIO_ARBITRATE);
}

int dmasim_bus_request(dmasim_bus *bus, int mi)
{
    master *m = bus->masters[mi];
    if (m->requesting || bus->owner == mi)
        return dmasim__error(bus->sim, DMASIM_ESTATE, "%s: %s requests the bus twice", bus->name, m->name);
    dmasim_time now = dmasim__now(bus->sim);
    m->requesting = 1;
    m->requests++;
    m->req_time = now;
    /* Waiting is charged to an owner only from the first edge the request could be served at:
     * the time before it (edge alignment) is the requester's own. An owner at `now` owns at
     * least until that edge, so the snapshot can be taken now. */
    dmasim_time e = edge_after(bus, now);
    for (size_t i = 0; i < bus->nmasters; i++)
        m->snap[i] = owned_at(bus->masters[i], e);
    if (bus->owner < 0)
        schedule_arbitration(bus);
    return 0;
}

int dmasim_bus_cancel_request(dmasim_bus *bus, int mi)
{
    master *m = bus->masters[mi];
    if (!m->requesting)
        return DMASIM_ESTATE;
    m->requesting = 0; /* an arbitration edge that finds no requester simply does nothing */
    return 0;
}

int dmasim_bus_notify_idle(dmasim_bus *bus, int mi)
{
    bus->masters[mi]->want_idle = 1; /* served at the next arbitration edge that finds no requester */
    return 0;
}

dmasim_time dmasim_bus_grant_edge(const dmasim_bus *bus)
{
    if (bus->owner >= 0)
        return DMASIM_TIME_NEVER;
    dmasim_time now = dmasim__now(bus->sim);
    return edge_after(bus, now > bus->free_at ? now : bus->free_at);
}

dmasim_time dmasim__bus_arb_ps(const dmasim_bus *bus)
{
    return (dmasim_time)bus->arb_cycles * bus->period;
}

dmasim_time dmasim_bus_data_time(const dmasim_bus *bus)
{
    return bus->data_time;
}

dmasim_time dmasim_bus_quiet_until(const dmasim_bus *bus, int mi)
{
    dmasim_time now = dmasim__now(bus->sim);
    dmasim_time q = DMASIM_TIME_NEVER;
    if (bus->owner >= 0 && bus->owner != mi)
        return edge_after(bus, now);
    for (size_t i = 0; i < bus->nmasters; i++) {
        if ((int)i == mi)
            continue;
        const master *o = bus->masters[i];
        if (o->requesting)
            return edge_after(bus, now);
        dmasim_time r = o->ops->next_request ? o->ops->next_request(o->ctx) : now;
        if (r == DMASIM_TIME_NEVER)
            continue;
        r = edge_after(bus, r < now ? now : r);
        if (r < q)
            q = r;
    }
    return q;
}

/* Choose among the requesting masters at edge e (fixed priority or round-robin; yielders last). */
static int pick_winner(dmasim_bus *bus, dmasim_time e)
{
    int any_strict = 0;
    for (size_t i = 0; i < bus->nmasters; i++) {
        master *m = bus->masters[i];
        if (m->requesting && !(m->yield && m->yield_edge == e))
            any_strict = 1;
    }
    int best = -1;
    size_t n = bus->nmasters;
    for (size_t k = 0; k < n; k++) {
        size_t i = bus->arbitration == DMASIM_ARB_ROUND_ROBIN ? (size_t)(bus->last_owner + 1 + (int)k) % n : k;
        master *m = bus->masters[i];
        if (!m->requesting || (any_strict && m->yield && m->yield_edge == e))
            continue;
        if (bus->arbitration == DMASIM_ARB_ROUND_ROBIN)
            return (int)i;
        if (best < 0 || m->priority < bus->masters[best]->priority)
            best = (int)i;
    }
    return best;
}

static void account_wait(dmasim_bus *bus, master *w, dmasim_time e)
{
    dmasim_time waited = e - w->req_time, attributed = 0;
    int self = -1;
    for (size_t i = 0; i < bus->nmasters; i++) {
        if (bus->masters[i] == w) {
            self = (int)i;
            continue;
        }
        dmasim_time d = owned_at(bus->masters[i], e) - w->snap[i];
        w->wait_by[i] += d;
        attributed += d;
    }
    w->wait_by[self] += waited - attributed;
    w->wait_ps += waited;
    if (waited > w->max_wait_ps)
        w->max_wait_ps = waited;
}

static void start_tenure(dmasim_bus *bus, int wi, dmasim_time e)
{
    master *w = bus->masters[wi];
    account_wait(bus, w, e);
    w->requesting = 0;
    w->yield = 0;
    if (w->has_tenure)
        w->prev_owned += w->last_end - w->last_start;
    w->has_tenure = 1;
    w->last_start = e;
    w->last_end = DMASIM_TIME_NEVER;
    w->grants++;
    w->arbitration_cycles += bus->arb_cycles;
    bus->owner = wi;
    bus->last_owner = wi;
    bus->cursor = e + (dmasim_time)bus->arb_cycles * bus->period;
}

static void arb_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_bus *bus = ctx;
    dmasim_time e = dmasim__now(sim);
    if (bus->owner >= 0)
        return;
    int wi = pick_winner(bus, e);
    if (wi < 0) {
        for (size_t i = 0; i < bus->nmasters && wi < 0; i++) {
            master *m = bus->masters[i];
            if (!m->want_idle)
                continue;
            m->want_idle = 0;
            if (m->ops->idle)
                m->ops->idle(m->ctx, e);
            wi = pick_winner(bus, e);
        }
    }
    if (wi < 0) {
        dmasim_signal_set(bus->owner_sig, 0);
        return;
    }
    start_tenure(bus, wi, e);
    dmasim_signal_set(bus->owner_sig, (uint64_t)wi + 1);
    master *w = bus->masters[wi];
    if (bus->arb_cycles) { /* the winner hears of its grant when the arbitration cycles end */
        if (dmasim_sim_reference(sim)) {
            bus->phase = PH_ARB;
            bus->cycles_left = bus->arb_cycles;
            dmasim_event_schedule(sim, &bus->tick_ev, e + bus->period, DMASIM_PRIO_DEFAULT);
        } else {
            dmasim_event_schedule(sim, &bus->grant_ev, bus->cursor, DMASIM_PRIO_DEFAULT);
        }
        return;
    }
    w->ops->granted(w->ctx, bus->cursor);
}

static void grant_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_bus *bus = ctx;
    master *w = bus->masters[bus->owner];
    w->ops->granted(w->ctx, dmasim__now(sim));
}

int dmasim_bus_release(dmasim_bus *bus, int mi, unsigned flags)
{
    if (bus->owner != mi || bus->inflight || bus->phase != PH_NONE)
        return dmasim__error(bus->sim, DMASIM_ESTATE, "%s: %s releases a bus it does not own (or mid-transfer)",
                             bus->name, bus->masters[mi]->name);
    master *m = bus->masters[mi];
    dmasim_time f = dmasim_bus_cursor(bus);
    m->last_end = f;
    m->yield = (flags & DMASIM_BUS_YIELD) != 0;
    m->yield_edge = f;
    bus->owner = -1;
    bus->free_at = f;
    dmasim_event_schedule(bus->sim, &bus->arb_ev, f, DMASIM_PRIO_ARBITRATE);
    return 0;
}

int dmasim_bus_rearbitrate(dmasim_bus *bus, int mi)
{
    if (bus->owner != mi || bus->inflight || bus->phase != PH_NONE || dmasim_sim_reference(bus->sim))
        return DMASIM_ESTATE;
    dmasim_time f = dmasim_bus_cursor(bus);
    if (dmasim_bus_quiet_until(bus, mi) <= f || dmasim_signal_observed(bus->owner_sig))
        return DMASIM_EBUSY;
    master *m = bus->masters[mi];
    /* release at f, request at f, win at f with no wait */
    m->last_end = f;
    m->requests++;
    m->req_time = f;
    for (size_t i = 0; i < bus->nmasters; i++)
        m->snap[i] = owned_at(bus->masters[i], f);
    start_tenure(bus, mi, f);
    bus->cursor = f + (dmasim_time)bus->arb_cycles * bus->period;
    return 0;
}

/* ---- transactions: fast path ---- */

static void count_txn(dmasim_bus *bus, master *m, const dmasim_bus_txn *txn, uint32_t beats, dmasim_time end)
{
    for (size_t i = 0; i < bus->nobservers; i++) /* tracing: every transaction, once, when it ends */
        bus->observers[i].fn(bus->observers[i].ctx, bus->owner, txn, end - txn->cycles * bus->period, end);
    m->transactions++;
    bus->transactions++;
    if (txn->status) {
        m->bus_errors++;
        bus->bus_errors++;
        return;
    }
    m->beats += beats;
    m->bytes += txn->len;
}

/* A version-2 slave's transport() for the whole of txn, its first beat at t: sets txn->status
 * on failure; returns the wait states. */
static uint64_t slave_transport(dmasim_bus *bus, slave *s, dmasim_bus_txn *txn, uint32_t beats, dmasim_time t)
{
    uint64_t ws = 0;
    bus->data_time = t;
    if (s->transport(s->ctx, txn->addr, txn->data, txn->len, txn->is_write, beats, bus->width, t, &ws))
        txn->status = DMASIM_EBUSERR;
    return ws;
}

/* Fast path, timing half: the transaction's cycles from the cursor; advances the cursor.
 * Returns its slave (NULL if unmapped: status set). */
static slave *time_txn(dmasim_bus *bus, int mi, dmasim_bus_txn *txn, uint32_t *beats)
{
    dmasim_time t0 = dmasim_bus_cursor(bus);
    if (txn->coherent) /* the snoop response lengthens the address phase */
        t0 += dmasim_bus_snoop_cycles(bus, mi) * bus->period;
    slave *s = decode(bus, txn->addr, txn->len);
    *beats = 0;
    txn->status = 0;
    if (DMASIM__UNLIKELY(!s)) {
        txn->status = DMASIM_EUNMAPPED;
        txn->cycles = bus->addr_cycles + 1; /* address phase, then the decode-error response */
    } else if (s->transport) { /* version 2: bytes and wait states in one call */
        *beats = beats_of(bus, txn->addr, txn->len);
        uint64_t ws = slave_transport(bus, s, txn, *beats, t0 + bus->addr_cycles * bus->period);
        txn->cycles = bus->addr_cycles + *beats + ws;
    } else {
        *beats = beats_of(bus, txn->addr, txn->len);
        uint64_t ws = slave_wait_states(bus, s, txn->addr, *beats, txn->is_write, t0 + bus->addr_cycles * bus->period, 1);
        txn->cycles = bus->addr_cycles + *beats + ws;
    }
    bus->cursor = t0 + txn->cycles * bus->period;
    if (txn->coherent)
        txn->cycles += dmasim_bus_snoop_cycles(bus, mi);
    return s;
}

/* Data half: the bytes move when the last beat ends (data_time), on both paths. */
static void data_txn(dmasim_bus *bus, slave *s, dmasim_bus_txn *txn, dmasim_time end)
{
    bus->data_time = end;
    if (s && !s->transport && move_bytes(s, txn, txn->addr, txn->data, txn->len))
        txn->status = DMASIM_EBUSERR;
    if (!s || txn->status)
        return;
    for (size_t i = 0; i < bus->nsnoopers; i++) {
        const struct snooper *sn = &bus->snoopers[i];
        if (sn->owner == bus->owner ||
            (!txn->coherent && sn->filter && dmasim__snoop_filter_hit(sn->filter, txn->addr, txn->len)))
            continue;
        sn->ops->observe(sn->ctx, bus->owner, txn, end);
    }
}

void dmasim__bus_snooper_filter(dmasim_bus *bus, int owner, const dmasim__snoop_filter *f)
{
    for (size_t i = bus->nsnoopers; i-- > 0;)
        if (bus->snoopers[i].owner == owner) {
            bus->snoopers[i].filter = f;
            return;
        }
}

int dmasim_bus_add_snooper(dmasim_bus *bus, int owner, uint32_t snoop_cycles, const dmasim_bus_snooper_ops *ops,
                           void *ctx)
{
    if (!ops || !ops->observe || snoop_cycles > 1024)
        return dmasim__error(bus->sim, DMASIM_EINVAL, "%s: a snooper needs observe() and snoop_cycles <= 1024",
                             bus->name);
    if (dmasim__grow(bus->sim, (void **)&bus->snoopers, &bus->snoopers_cap, bus->nsnoopers + 1,
                     sizeof *bus->snoopers))
        return DMASIM_ENOMEM;
    bus->snoopers[bus->nsnoopers++] = (struct snooper){owner, snoop_cycles, ops, ctx, NULL};
    return 0;
}

uint64_t dmasim_bus_snoop_cycles(const dmasim_bus *bus, int mi)
{
    uint64_t n = 0;
    for (size_t i = 0; i < bus->nsnoopers; i++)
        if (bus->snoopers[i].owner != mi)
            n += bus->snoopers[i].cycles;
    return n;
}

int dmasim_bus_add_observer(dmasim_bus *bus, dmasim_bus_observer_fn fn, void *ctx)
{
    if (!fn)
        return DMASIM_EINVAL;
    if (dmasim__grow(bus->sim, (void **)&bus->observers, &bus->observers_cap, bus->nobservers + 1,
                     sizeof *bus->observers))
        return DMASIM_ENOMEM;
    bus->observers[bus->nobservers++] = (struct observer){fn, ctx};
    return 0;
}

void dmasim_bus_coherent_traffic(dmasim_bus *bus, int delta) { bus->coherent_traffic += delta; }
int dmasim_bus_coherent_active(const dmasim_bus *bus) { return bus->coherent_traffic > 0; }

int dmasim_bus_access(dmasim_bus *bus, int mi, dmasim_bus_txn *txn)
{
    if (bus->owner != mi || bus->inflight || dmasim_sim_reference(bus->sim) || !txn->len)
        return dmasim__error(bus->sim, DMASIM_ESTATE, "%s: access by a master that does not own the bus",
                             bus->name);
    uint32_t beats;
    slave *s = time_txn(bus, mi, txn, &beats);
    data_txn(bus, s, txn, bus->cursor); /* nobody else can touch the bus until the cursor */
    count_txn(bus, bus->masters[mi], txn, beats, bus->cursor);
    return txn->status;
}

static void done_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_bus *bus = ctx;
    dmasim_bus_txn *txn = bus->inflight;
    master *m = bus->masters[bus->owner];
    if (bus->holding) { /* a hold moves nothing and is not a transaction */
        bus->holding = 0;
    } else {
        data_txn(bus, bus->txn_slave, txn, dmasim__now(sim));
        count_txn(bus, m, txn, bus->nbeats, dmasim__now(sim));
    }
    bus->inflight = NULL;
    m->ops->done(m->ctx, txn, bus->cursor);
}

/* ---- transactions: reference path, one bus cycle per event ---- */

static void beat_start(dmasim_bus *bus, dmasim_time t)
{
    dmasim_bus_txn *txn = bus->inflight;
    slave *s = bus->txn_slave;
    dmasim_addr a = ((txn->addr >> bus->width_shift) + bus->beat) << bus->width_shift;
    if (s->transport) { /* version 2: the whole transaction's wait states in its first beat */
        bus->phase = PH_BEAT;
        bus->cycles_left = 1 + (bus->beat == 0 ? slave_transport(bus, s, txn, bus->nbeats, t) : 0);
        return;
    }
    uint64_t ws = slave_wait_states(bus, s, a < txn->addr ? txn->addr : a, 1, txn->is_write, t, 1);
    bus->phase = PH_BEAT;
    bus->cycles_left = 1 + ws;
}

static void beat_end(dmasim_bus *bus)
{
    bus->beat++;
}

static void txn_complete(dmasim_bus *bus, dmasim_time t)
{
    dmasim_bus_txn *txn = bus->inflight;
    if (!txn->status) /* the bytes move as the last beat ends (a register sees one access) */
        data_txn(bus, bus->txn_slave, txn, t);
    txn->cycles = (t - bus->txn_start) / bus->period;
    master *m = bus->masters[bus->owner];
    count_txn(bus, m, txn, txn->status ? 0 : bus->nbeats, t);
    bus->inflight = NULL;
    bus->phase = PH_NONE;
    bus->cursor = t;
    m->ops->done(m->ctx, txn, t);
}

/* Enter the phase after the address phase. */
static void after_address(dmasim_bus *bus, dmasim_time t)
{
    if (!bus->txn_slave) {
        bus->phase = PH_ERR;
        bus->cycles_left = 1;
    } else {
        beat_start(bus, t);
    }
}

static void tick_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_bus *bus = ctx;
    dmasim_time t = dmasim__now(sim);
    if (--bus->cycles_left > 0) {
        dmasim_event_schedule(sim, &bus->tick_ev, t + bus->period, DMASIM_PRIO_DEFAULT);
        return;
    }
    switch (bus->phase) {
    case PH_ARB: {
        bus->phase = PH_NONE;
        master *w = bus->masters[bus->owner];
        w->ops->granted(w->ctx, t);
        return;
    }
    case PH_ADDR:
        after_address(bus, t);
        break;
    case PH_BEAT:
        beat_end(bus);
        if (bus->beat == bus->nbeats) {
            txn_complete(bus, t);
            return;
        }
        beat_start(bus, t);
        break;
    case PH_ERR:
        txn_complete(bus, t);
        return;
    case PH_HOLD: {
        dmasim_bus_txn *txn = bus->inflight;
        master *m = bus->masters[bus->owner];
        bus->inflight = NULL;
        bus->holding = 0;
        bus->phase = PH_NONE;
        bus->cursor = t;
        m->ops->done(m->ctx, txn, t);
        return;
    }
    case PH_NONE:
        return;
    }
    dmasim_event_schedule(sim, &bus->tick_ev, t + bus->period, DMASIM_PRIO_DEFAULT);
}

int dmasim_bus_transfer(dmasim_bus *bus, int mi, dmasim_bus_txn *txn)
{
    if (bus->owner != mi || bus->inflight || bus->phase != PH_NONE || !txn->len || !bus->masters[mi]->ops->done)
        return dmasim__error(bus->sim, DMASIM_ESTATE, "%s: transfer by a master that does not own the bus",
                             bus->name);
    if (!dmasim_sim_reference(bus->sim)) { /* timing now, bytes at the end (done_event) */
        bus->txn_slave = time_txn(bus, mi, txn, &bus->nbeats);
        bus->inflight = txn;
        dmasim_event_schedule(bus->sim, &bus->done_ev, bus->cursor, DMASIM_PRIO_DEFAULT);
        return 0;
    }
    dmasim_time t = dmasim__now(bus->sim);
    bus->inflight = txn;
    txn->status = 0;
    bus->txn_start = t;
    bus->beat = 0;
    bus->txn_slave = decode(bus, txn->addr, txn->len);
    if (!bus->txn_slave)
        txn->status = DMASIM_EUNMAPPED;
    bus->nbeats = beats_of(bus, txn->addr, txn->len);
    uint64_t pre = bus->addr_cycles + (txn->coherent ? dmasim_bus_snoop_cycles(bus, mi) : 0);
    if (pre) { /* address phase, lengthened by the snoop response of a coherent transaction */
        bus->phase = PH_ADDR;
        bus->cycles_left = pre;
    } else {
        after_address(bus, t);
    }
    dmasim_event_schedule(bus->sim, &bus->tick_ev, t + bus->period, DMASIM_PRIO_DEFAULT);
    return 0;
}

int dmasim_bus_hold(dmasim_bus *bus, int mi, uint64_t cycles, dmasim_bus_txn *txn)
{
    int reference = dmasim_sim_reference(bus->sim);
    if (bus->owner != mi || bus->inflight || bus->phase != PH_NONE || (!txn && reference) ||
        (txn && !bus->masters[mi]->ops->done))
        return dmasim__error(bus->sim, DMASIM_ESTATE,
                             "%s: hold by a master that does not own the bus (or mid-transfer)", bus->name);
    if (cycles == 0 || cycles > DMASIM_TIME_NEVER / 2 / bus->period)
        return dmasim__error(bus->sim, DMASIM_EINVAL, "%s: a hold must last 1 or more bus cycles", bus->name);
    if (txn) {
        txn->status = 0;
        txn->cycles = cycles;
    }
    if (!reference) { /* the cursor moves now; with txn, done() when it is reached */
        bus->cursor = dmasim_bus_cursor(bus) + (dmasim_time)cycles * bus->period;
        if (txn) {
            bus->inflight = txn;
            bus->holding = 1;
            dmasim_event_schedule(bus->sim, &bus->done_ev, bus->cursor, DMASIM_PRIO_DEFAULT);
        }
        return 0;
    }
    bus->inflight = txn;
    bus->holding = 1;
    bus->phase = PH_HOLD;
    bus->cycles_left = cycles;
    dmasim_event_schedule(bus->sim, &bus->tick_ev, dmasim__now(bus->sim) + bus->period, DMASIM_PRIO_DEFAULT);
    return 0;
}

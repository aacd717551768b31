/* A generic bus-mastering device (PCIe style): copies a job's bytes between its own buffer and
 * memory with its own bus transactions, one bus tenure per transaction, an optional gap between
 * them, optionally through an IOMMU (devices.h, docs/devices.md). Also the device kinds, the
 * preset list and the data pattern shared by every device. */
#include <stdio.h>
#include "internal.h"
#include "dmasim/devices.h"

/* ---- kinds, presets, pattern ---- */

static const char *const kind_names[] = {"disk", "nic", "audio", "busmaster"};

const char *dmasim_device_kind_name(dmasim_device_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : NULL;
}

int dmasim_device_kind_parse(dmasim_sim *sim, const char *name, dmasim_device_kind *out)
{
    for (unsigned i = 0; name && i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *out = (dmasim_device_kind)i;
            return 0;
        }
    }
    if (sim)
        return dmasim__error(sim, DMASIM_EINVAL, "unknown device kind '%s' (expected disk, nic, audio or busmaster)",
                             name ? name : "(null)");
    return DMASIM_EINVAL;
}

static const struct {
    const char *name;
    dmasim_device_kind kind;
} preset_list[] = {
    {"disk-hdd-7200", DMASIM_DEVICE_DISK},
    {"nic-1g", DMASIM_DEVICE_NIC},
    {"audio-48k", DMASIM_DEVICE_AUDIO},
};

const char *dmasim_device_preset_name(size_t i, dmasim_device_kind *kind)
{
    if (i >= sizeof preset_list / sizeof preset_list[0])
        return NULL;
    if (kind)
        *kind = preset_list[i].kind;
    return preset_list[i].name;
}

uint8_t dmasim_device_pattern(uint64_t key, uint64_t offset)
{
    uint64_t state = key * 0xD1B54A32D192ED03ull + (offset >> 3);
    uint64_t h = dmasim__splitmix64(&state);
    return (uint8_t)(h >> (8 * (offset & 7)));
}

/* ---- the device ---- */

enum { B_IDLE, B_WAIT, B_REQ, B_OWN };

struct dmasim_busmaster {
    dmasim_sim *sim;
    dmasim_bus *bus;
    char *name;
    int master;
    uint32_t txn_size, gap;
    dmasim_time period;
    void (*on_complete)(void *ctx, int status, dmasim_time t);
    void *ctx;
    dmasim_signal *irq;
    dmasim_event req_ev;
    dmasim_iommu *mmu;
    uint32_t device;
    /* the job */
    dmasim_busmaster_job job;
    int st, busy, status;
    dmasim_addr err_addr;
    uint64_t done, job_txns;
    dmasim_time start_time, end_time, next_req;
    /* the transaction in flight */
    dmasim_bus_txn txn;
    uint32_t chunk;
    int walking;
    dmasim_iommu_walk walk;
    uint8_t pte[8];
    uint8_t *buf;
    /* statistics */
    uint64_t jobs, bytes, transactions, bus_cycles, walk_reads, errors;
};

void dmasim_busmaster_config_init(dmasim_busmaster_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "bm0";
    cfg->bus_priority = 2;
    cfg->txn_size = 64;
    cfg->gap_cycles = 0;
}

static void complete(dmasim_busmaster *b, int status, dmasim_addr addr)
{
    dmasim_time now = dmasim_sim_now(b->sim);
    if (b->st == B_OWN)
        dmasim_bus_release(b->bus, b->master, DMASIM_BUS_YIELD);
    b->st = B_IDLE;
    b->busy = 0;
    b->status = status;
    b->err_addr = addr;
    b->end_time = now;
    if (status)
        b->errors++;
    dmasim_signal_set(b->irq, 1);
    if (b->on_complete)
        b->on_complete(b->ctx, status, now);
}

static void request(dmasim_busmaster *b)
{
    b->st = B_REQ;
    dmasim_bus_request(b->bus, b->master);
}

static void req_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    request(ctx);
}

/* The data transaction of the current chunk, at physical address pa. */
static void data_txn(dmasim_busmaster *b, dmasim_addr pa)
{
    const dmasim_busmaster_job *j = &b->job;
    b->walking = 0;
    if (j->to_memory && j->data)
        memcpy(b->buf, (const uint8_t *)j->data + b->done, b->chunk);
    else if (j->to_memory)
        for (uint32_t i = 0; i < b->chunk; i++)
            b->buf[i] = dmasim_device_pattern(j->pattern, b->done + i);
    b->txn = (dmasim_bus_txn){.addr = pa, .len = b->chunk, .is_write = (uint8_t)(j->to_memory != 0), .data = b->buf};
    dmasim_bus_transfer(b->bus, b->master, &b->txn);
}

static void pte_txn(dmasim_busmaster *b)
{
    b->walking = 1;
    b->txn = (dmasim_bus_txn){.addr = b->walk.pte_addr, .len = 8, .data = b->pte};
    dmasim_bus_transfer(b->bus, b->master, &b->txn);
}

/* Continue the translation after result r (HIT, WALK or a fault). */
static void translated(dmasim_busmaster *b, int r)
{
    if (r == DMASIM_IOMMU_HIT)
        data_txn(b, b->walk.phys);
    else if (r == DMASIM_IOMMU_WALK)
        pte_txn(b);
    else
        complete(b, r, b->job.addr + b->done);
}

static void bm_granted(void *ctx, dmasim_time t)
{
    dmasim_busmaster *b = ctx;
    const dmasim_busmaster_job *j = &b->job;
    dmasim_addr a = j->addr + b->done;
    uint64_t to_boundary = b->txn_size - (a & (b->txn_size - 1)), rest = j->length - b->done;
    b->st = B_OWN;
    b->chunk = (uint32_t)(to_boundary < rest ? to_boundary : rest);
    if (!b->mmu) {
        data_txn(b, a);
        return;
    }
    translated(b, dmasim_iommu_translate_at(b->mmu, b->device, a, j->to_memory != 0, t, &b->walk));
}

static void bm_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    dmasim_busmaster *b = ctx;
    b->bus_cycles += txn->cycles;
    if (b->walking) {
        b->walk_reads++;
        translated(b, txn->status ? dmasim_iommu_walk_abort_at(b->mmu, &b->walk, t)
                                  : dmasim_iommu_walk_step_at(b->mmu, &b->walk, dmasim_iommu_pte_load(b->pte), t));
        return;
    }
    b->transactions++;
    b->job_txns++;
    if (txn->status) {
        complete(b, txn->status, b->job.addr + b->done);
        return;
    }
    if (!b->job.to_memory && b->job.data)
        memcpy((uint8_t *)b->job.data + b->done, b->buf, b->chunk);
    b->done += b->chunk;
    b->bytes += b->chunk;
    if (b->done == b->job.length) {
        complete(b, 0, 0);
        return;
    }
    dmasim_bus_release(b->bus, b->master, DMASIM_BUS_YIELD);
    if (b->gap) {
        b->st = B_WAIT;
        b->next_req = t + (dmasim_time)b->gap * b->period;
        dmasim_event_schedule(b->sim, &b->req_ev, b->next_req, DMASIM_PRIO_DEFAULT);
        return;
    }
    request(b);
}

static dmasim_time bm_next_request(void *ctx)
{
    const dmasim_busmaster *b = ctx;
    switch (b->st) {
    case B_WAIT:
        return b->next_req;
    case B_REQ:
    case B_OWN:
        return dmasim_sim_now(b->sim);
    default:
        return DMASIM_TIME_NEVER;
    }
}

static const dmasim_bus_master_ops bm_master_ops = {1, bm_granted, bm_done, bm_next_request, NULL};

int dmasim_busmaster_start(dmasim_busmaster *b, const dmasim_busmaster_job *job)
{
    if (b->busy)
        return dmasim__error(b->sim, DMASIM_EBUSY, "%s: a job is running", b->name);
    if (job->length == 0 || job->addr + job->length - 1 < job->addr)
        return dmasim__error(b->sim, DMASIM_EINVAL, "%s: a job needs length >= 1 and an address range that does "
                             "not wrap", b->name);
    if (job->at < dmasim_sim_now(b->sim))
        return dmasim__error(b->sim, DMASIM_EINVAL, "%s: job time %llu ps is before now", b->name,
                             (unsigned long long)job->at);
    b->job = *job;
    b->busy = 1;
    b->status = 0;
    b->err_addr = 0;
    b->done = b->job_txns = 0;
    b->start_time = job->at;
    b->end_time = DMASIM_TIME_NEVER;
    b->jobs++;
    b->st = B_WAIT;
    b->next_req = job->at;
    dmasim_signal_set(b->irq, 0);
    return dmasim_event_schedule(b->sim, &b->req_ev, job->at, DMASIM_PRIO_DEFAULT);
}

int dmasim_busmaster_set_iommu(dmasim_busmaster *b, dmasim_iommu *mmu, uint32_t device)
{
    if (b->busy)
        return dmasim__error(b->sim, DMASIM_EBUSY, "%s: cannot change the IOMMU while a job runs", b->name);
    b->mmu = mmu;
    b->device = device;
    return 0;
}

int dmasim_busmaster_status_get(const dmasim_busmaster *b, dmasim_busmaster_status *out)
{
    memset(out, 0, sizeof *out);
    out->busy = b->busy;
    out->status = b->status;
    out->err_addr = b->err_addr;
    out->bytes_done = b->done;
    out->transactions = b->job_txns;
    out->start_time = b->start_time;
    out->end_time = b->busy ? DMASIM_TIME_NEVER : b->end_time;
    return 0;
}

dmasim_signal *dmasim_busmaster_irq(const dmasim_busmaster *b) { return b->irq; }
void dmasim_busmaster_irq_clear(dmasim_busmaster *b) { dmasim_signal_set(b->irq, 0); }
int dmasim_busmaster_bus_master(const dmasim_busmaster *b) { return b->master; }

static void bm_destroy(void *self)
{
    dmasim_busmaster *b = self;
    dmasim_sim *sim = b->sim;
    dmasim__free(sim, b->buf, b->txn_size);
    dmasim__strfree(sim, b->name);
    dmasim__free(sim, b, sizeof *b);
}

static const dmasim__component_ops bm_component = {bm_destroy, NULL};

static int bm_register(dmasim_busmaster *b)
{
    dmasim_sim *sim = b->sim;
    const char *n = b->name;
    char buf[300];
    int e = 0;
    e |= dmasim__stat_u64(sim, n, "jobs", &b->jobs, "", "jobs started");
    e |= dmasim__stat_u64(sim, n, "bytes", &b->bytes, "bytes", "bytes copied");
    e |= dmasim__stat_u64(sim, n, "transactions", &b->transactions, "", "data transactions");
    e |= dmasim__stat_u64(sim, n, "bus_cycles", &b->bus_cycles, "cycles (bus clock)",
                          "cycles of its transactions (data and page-table reads)");
    e |= dmasim__stat_u64(sim, n, "walk_reads", &b->walk_reads, "", "IOMMU page-table reads");
    e |= dmasim__stat_u64(sim, n, "errors", &b->errors, "", "jobs stopped by a bus error or a fault");
    if (e)
        return e == DMASIM_EINVAL ? e : DMASIM_ENOMEM;
    snprintf(buf, sizeof buf, "%s.irq", n);
    return dmasim_signal_create(sim, buf, 1, 0, &b->irq);
}

int dmasim_busmaster_create(dmasim_bus *bus, const dmasim_busmaster_config *cfg, dmasim_busmaster **out)
{
    dmasim_busmaster_config def;
    if (!cfg) {
        dmasim_busmaster_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "bm0";
    if (!dmasim__is_pow2(cfg->txn_size) || cfg->txn_size > 4096)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: txn_size %u is not a power of two in 1..4096", name,
                             cfg->txn_size);
    if (cfg->gap_cycles > 1000000000u)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: gap_cycles %u out of range 0..1000000000", name,
                             cfg->gap_cycles);
    dmasim_busmaster *b = dmasim__alloc(sim, sizeof *b);
    if (!b)
        return DMASIM_ENOMEM;
    b->sim = sim;
    b->bus = bus;
    b->txn_size = cfg->txn_size;
    b->gap = cfg->gap_cycles;
    b->period = dmasim_bus_period(bus);
    b->on_complete = cfg->on_complete;
    b->ctx = cfg->ctx;
    b->end_time = DMASIM_TIME_NEVER;
    b->name = dmasim__strdup(sim, name);
    b->buf = dmasim__alloc(sim, cfg->txn_size);
    if (!b->name || !b->buf || dmasim__component_add(sim, b, &bm_component)) {
        bm_destroy(b);
        return DMASIM_ENOMEM;
    }
    dmasim_event_init(&b->req_ev, req_event, b);
    int err = bm_register(b);
    if (err)
        return err;
    int m = dmasim_bus_add_master(bus, name, cfg->bus_priority, &bm_master_ops, b);
    if (m < 0)
        return m;
    b->master = m;
    *out = b;
    return 0;
}

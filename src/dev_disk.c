/* The disk: seek, rotational latency, a medium streaming bytes at the media rate through a FIFO
 * with DREQ at a threshold (devices.h, docs/devices.md). The FIFO level is a function of time:
 * the medium's progress is computed when the FIFO is looked at (a give/take, the DREQ event, a
 * statistic), never byte by byte. Byte k of a command moves at T(k) = t_start + ceil((k + slip)
 * * num / den) ps; a byte that finds the FIFO full (read) or empty (write) waits a revolution
 * (slip grows by rev_bytes), as a drive that missed its sector must. */
#include <stdio.h>
#include "internal.h"
#include "dmasim/devices.h"

typedef struct sector_entry {
    uint64_t lba;
    uint8_t *data;
} sector_entry;

enum { D_IDLE, D_PENDING, D_ACTIVE };

struct dmasim_disk {
    dmasim_sim *sim;
    char *name;
    dmasim_disk_config cfg;
    uint64_t num, den;     /* one byte time: num / den ps */
    uint64_t rev_bytes;    /* byte slots per revolution */
    dmasim_signal *dreq, *irq;
    dmasim_event start_ev, dreq_ev, media_ev;
    /* the command */
    int state, is_write, status;
    uint64_t lba;
    uint32_t count;
    uint64_t total, host, media, slip;
    int host_done, dma_done, media_done;
    dmasim_time issue, t_start, media_end, complete;
    uint64_t cmd_overruns, cmd_underruns;
    uint64_t head_track;
    dmasim_time dreq_since;
    uint64_t dreq_acc;
    /* written sectors, sorted by lba */
    sector_entry *store;
    size_t nstore, store_cap;
    /* statistics */
    uint64_t commands, bytes_read, bytes_written, seek_ps, rotation_ps, overruns, underruns, missed_ps;
    uint64_t dreq_high_ps, give_empty, take_full;
};

/* ---- configuration ---- */

typedef struct disk_preset {
    const char *name;
    uint32_t sector_size, sectors_per_track, rpm, fifo_size, threshold, item_size;
    uint64_t sectors, seek_avg_ns, seek_settle_ns, seek_per_track_ps;
    dmasim_disk_seek_model seek_model;
    dmasim_disk_rotation_model rotation;
} disk_preset;

/* The same numbers as models/devices/<name>.yaml, which cites their sources. */
static const disk_preset presets[] = {
    {"disk-hdd-7200", 512, 3418, 7200, 512, 256, 4, 1953525168ull, 8500000, 1000000, 0,
     DMASIM_DISK_SEEK_AVERAGE, DMASIM_DISK_ROTATION_HALF},
};

static void apply(const disk_preset *p, dmasim_disk_config *c)
{
    c->sector_size = p->sector_size;
    c->sectors = p->sectors;
    c->sectors_per_track = p->sectors_per_track;
    c->rpm = p->rpm;
    c->seek_model = p->seek_model;
    c->seek_avg_ns = p->seek_avg_ns;
    c->seek_settle_ns = p->seek_settle_ns;
    c->seek_per_track_ps = p->seek_per_track_ps;
    c->rotation = p->rotation;
    c->fifo_size = p->fifo_size;
    c->threshold = p->threshold;
    c->item_size = p->item_size;
}

void dmasim_disk_config_init(dmasim_disk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "disk0";
    apply(&presets[0], cfg);
}

int dmasim_disk_preset(const char *name, dmasim_disk_config *cfg)
{
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            dmasim_disk_config_init(cfg);
            apply(&presets[i], cfg);
            return 0;
        }
    }
    return DMASIM_ENOENT;
}

static int check_config(dmasim_sim *sim, const char *n, const dmasim_disk_config *c)
{
    if (!dmasim__is_pow2(c->item_size) || c->item_size > 64)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: item_size %u is not 1, 2, 4, 8, 16, 32 or 64", n, c->item_size);
    if (c->sector_size < 1 || c->sector_size > 65536 || c->sector_size % c->item_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: sector_size %u must be 1..65536 and a multiple of item_size %u",
                             n, c->sector_size, c->item_size);
    if (c->sectors < 1)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: sectors must be >= 1", n);
    if (c->rpm < 1 || c->rpm > 100000)
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: rpm %u out of range 1..100000 (the media rate is sectors_per_track * "
                             "sector_size * rpm / 60 bytes/s)",
                             n, c->rpm);
    if (c->sectors_per_track < 1 || c->sectors_per_track > 10000000)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: sectors_per_track %u out of range 1..10000000", n,
                             c->sectors_per_track);
    if (c->fifo_size < c->item_size || c->fifo_size > (1u << 24))
        return dmasim__error(sim, DMASIM_ERANGE, "%s: fifo_size %u out of range %u (item_size)..16777216", n,
                             c->fifo_size, c->item_size);
    if (c->threshold > c->fifo_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: threshold %u bytes exceeds fifo_size %u", n, c->threshold,
                             c->fifo_size);
    if (c->threshold < c->item_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: threshold %u bytes is below item_size %u", n, c->threshold,
                             c->item_size);
    if ((unsigned)c->seek_model > DMASIM_DISK_SEEK_LINEAR || (unsigned)c->rotation > DMASIM_DISK_ROTATION_ANGLE)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: unknown seek model %d or rotation model %d", n,
                             (int)c->seek_model, (int)c->rotation);
    if (c->seek_avg_ns > 10000000000ull || c->seek_settle_ns > 10000000000ull ||
        c->seek_per_track_ps > 1000000000000ull)
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: seek times out of range (seek_avg_ns, seek_settle_ns <= 10 s; "
                             "seek_per_track_ps <= 1 s)",
                             n);
    return 0;
}

/* ---- the medium ---- */

/* Time at which byte k (1-based) of the command moves, with the current slip. */
static dmasim_time byte_time(const dmasim_disk *d, uint64_t k)
{
    uint64_t dt = dmasim__muldiv(k + d->slip, d->num, d->den, 1);
    return dt > DMASIM_TIME_NEVER - d->t_start ? DMASIM_TIME_NEVER : d->t_start + dt;
}

static void set_dreq(dmasim_disk *d, int v)
{
    if ((uint64_t)v == dmasim_signal_value(d->dreq))
        return;
    dmasim_time now = dmasim_sim_now(d->sim);
    if (v)
        d->dreq_since = now;
    else
        d->dreq_acc += now - d->dreq_since;
    dmasim_signal_set(d->dreq, (uint64_t)v);
}

static void schedule_at(dmasim_disk *d, dmasim_event *ev, dmasim_time t)
{
    dmasim_time now = dmasim_sim_now(d->sim);
    if (t == DMASIM_TIME_NEVER)
        return;
    if (!dmasim_event_pending(ev) || ev->time != (t < now ? now : t))
        dmasim_event_schedule(d->sim, ev, t < now ? now : t, DMASIM_PRIO_DEFAULT);
}

/* Bring the medium's progress up to time t (no give/take happened since the last call). */
static void advance(dmasim_disk *d, dmasim_time t)
{
    if (d->state != D_ACTIVE || d->media_done || t < d->t_start)
        return;
    uint64_t limit = d->is_write ? d->host : d->host + d->cfg.fifo_size;
    if (limit > d->total)
        limit = d->total;
    uint64_t f = dmasim__muldiv(t - d->t_start, d->den, d->num, 0); /* byte slots passed since t_start */
    uint64_t raw = f > d->slip ? f - d->slip : 0;
    if (raw > limit && limit < d->total) {
        /* byte limit + 1 found the FIFO full (read) or empty (write), once per revolution */
        uint64_t k = (f - (limit + 1 + d->slip)) / d->rev_bytes + 1;
        dmasim_time before = byte_time(d, limit + 1);
        d->slip += k * d->rev_bytes;
        d->missed_ps += byte_time(d, limit + 1) - before;
        if (d->is_write) {
            d->underruns += k;
            d->cmd_underruns += k;
            schedule_at(d, &d->media_ev, byte_time(d, d->total));
        } else {
            d->overruns += k;
            d->cmd_overruns += k;
        }
        raw = limit;
    }
    if (raw > d->total)
        raw = d->total;
    if (raw > d->media)
        d->media = raw;
    if (d->media == d->total && !d->media_done) {
        d->media_done = 1;
        d->media_end = byte_time(d, d->total);
    }
}

static uint32_t fifo_level(const dmasim_disk *d)
{
    return (uint32_t)(d->is_write ? d->host - d->media : d->media - d->host);
}

/* DREQ's rising condition: enough data (read) or room (write) for a threshold, or the rest. */
static uint64_t want(const dmasim_disk *d)
{
    uint64_t rest = d->total - d->host;
    return rest < d->cfg.threshold ? rest : d->cfg.threshold;
}

static void schedule_rise(dmasim_disk *d)
{
    if (d->host_done)
        return;
    uint64_t need; /* the medium progress that satisfies the rising condition */
    if (d->is_write) {
        uint64_t x = d->host + want(d);
        need = x > d->cfg.fifo_size ? x - d->cfg.fifo_size : 0;
    } else {
        need = d->host + want(d);
    }
    if (d->media >= need) {
        set_dreq(d, 1);
        return;
    }
    schedule_at(d, &d->dreq_ev, byte_time(d, need));
}

static void dreq_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_disk *d = ctx;
    advance(d, dmasim_sim_now(sim));
    if (d->state == D_ACTIVE)
        schedule_rise(d);
}

/* ---- completion ---- */

static void finish(dmasim_disk *d, int status)
{
    d->state = D_IDLE;
    d->status = status;
    d->complete = dmasim_sim_now(d->sim);
    dmasim_event_cancel(d->sim, &d->dreq_ev);
    dmasim_event_cancel(d->sim, &d->media_ev);
    set_dreq(d, 0);
    dmasim_signal_set(d->irq, 1);
    if (d->cfg.on_complete)
        d->cfg.on_complete(d->cfg.ctx, status, d->complete);
}

static void try_complete(dmasim_disk *d)
{
    if (d->state == D_ACTIVE && d->host_done && d->dma_done && (!d->is_write || d->media_done))
        finish(d, 0);
}

static void media_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_disk *d = ctx;
    advance(d, dmasim_sim_now(sim)); /* a miss moved T(total) later: advance rescheduled us */
    try_complete(d);
}

/* ---- sector store ---- */

static size_t store_find(const dmasim_disk *d, uint64_t lba, int *found)
{
    size_t lo = 0, hi = d->nstore;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->store[mid].lba < lba)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < d->nstore && d->store[lo].lba == lba;
    return lo;
}

static const uint8_t *stored(const dmasim_disk *d, uint64_t lba)
{
    int found;
    size_t i = store_find(d, lba, &found);
    return found ? d->store[i].data : NULL;
}

static uint8_t *store_get(dmasim_disk *d, uint64_t lba)
{
    int found;
    size_t i = store_find(d, lba, &found);
    if (found)
        return d->store[i].data;
    if (dmasim__grow(d->sim, (void **)&d->store, &d->store_cap, d->nstore + 1, sizeof *d->store))
        return NULL;
    uint8_t *data = dmasim__alloc(d->sim, d->cfg.sector_size);
    if (!data)
        return NULL;
    for (uint32_t o = 0; o < d->cfg.sector_size; o++)
        data[o] = dmasim_device_pattern(lba, o);
    memmove(&d->store[i + 1], &d->store[i], (d->nstore - i) * sizeof *d->store);
    d->store[i].lba = lba;
    d->store[i].data = data;
    d->nstore++;
    return data;
}

/* Copy `len` bytes at command offset `off` out of the medium. */
static void copy_out(const dmasim_disk *d, uint64_t off, uint8_t *buf, uint32_t len)
{
    uint32_t ss = d->cfg.sector_size;
    while (len) {
        uint64_t lba = d->lba + off / ss;
        uint32_t o = (uint32_t)(off % ss), n = ss - o < len ? ss - o : len;
        const uint8_t *s = stored(d, lba);
        for (uint32_t i = 0; i < n; i++)
            buf[i] = s ? s[o + i] : dmasim_device_pattern(lba, o + i);
        buf += n;
        off += n;
        len -= n;
    }
}

/* Copy `len` bytes into the medium at command offset `off`. Returns 0 or DMASIM_ENOMEM. */
static int copy_in(dmasim_disk *d, uint64_t off, const uint8_t *buf, uint32_t len)
{
    uint32_t ss = d->cfg.sector_size;
    while (len) {
        uint64_t lba = d->lba + off / ss;
        uint32_t o = (uint32_t)(off % ss), n = ss - o < len ? ss - o : len;
        uint8_t *s = store_get(d, lba);
        if (!s)
            return DMASIM_ENOMEM;
        memcpy(s + o, buf, n);
        buf += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- the device side of the DMA channel (device.h) ---- */

static int disk_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    dmasim_disk *d = ctx;
    if (d->state != D_ACTIVE || d->is_write) {
        d->give_empty++;
        return DMASIM_EBUSY;
    }
    advance(d, t);
    if (d->media - d->host < len) {
        d->give_empty++;
        return DMASIM_EBUSY;
    }
    copy_out(d, d->host, buf, len);
    d->host += len;
    d->bytes_read += len;
    if (d->host == d->total) {
        d->host_done = 1;
        set_dreq(d, 0);
    } else if (d->media - d->host < d->cfg.item_size) {
        set_dreq(d, 0);
        schedule_rise(d);
    }
    return 0;
}

static int disk_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    dmasim_disk *d = ctx;
    if (d->state != D_ACTIVE || !d->is_write) {
        d->take_full++;
        return DMASIM_EBUSY;
    }
    advance(d, t);
    if (d->cfg.fifo_size - fifo_level(d) < len || d->total - d->host < len) {
        d->take_full++;
        return DMASIM_EBUSY;
    }
    int err = copy_in(d, d->host, buf, len);
    if (err) { /* host memory exhausted: the run cannot go on */
        dmasim__fatal(d->sim, err, "%s: out of memory for written sectors", d->name);
        return err;
    }
    d->host += len;
    d->bytes_written += len;
    if (d->host == d->total) {
        d->host_done = 1;
        set_dreq(d, 0);
    } else if (d->cfg.fifo_size - fifo_level(d) < d->cfg.item_size) {
        set_dreq(d, 0);
        schedule_rise(d);
    }
    return 0;
}

static void disk_done(void *ctx, int status, dmasim_time t)
{
    (void)t;
    dmasim_disk *d = ctx;
    if (d->state != D_ACTIVE)
        return;
    if (status) { /* the DMA stopped (error, EOP): the command ends with its status */
        finish(d, status);
        return;
    }
    if (d->host_done) { /* terminal count after the last byte; an earlier one is a partial DMA */
        d->dma_done = 1;
        try_complete(d);
    }
}

static const dmasim_dma_device_ops disk_ops = {1, disk_give, disk_take, disk_done};

const dmasim_dma_device_ops *dmasim_disk_device_ops(void) { return &disk_ops; }
dmasim_signal *dmasim_disk_dreq(const dmasim_disk *d) { return d->dreq; }
dmasim_signal *dmasim_disk_irq(const dmasim_disk *d) { return d->irq; }
void dmasim_disk_irq_clear(dmasim_disk *d) { dmasim_signal_set(d->irq, 0); }

int dmasim_disk_attach(dmasim_disk *d, dmasim_dmac *dmac, unsigned ch)
{
    return dmasim_dmac_attach_device(dmac, ch, &disk_ops, d, d->dreq);
}

/* ---- commands ---- */

static dmasim_time seek_time(dmasim_disk *d)
{
    uint64_t track = d->lba / d->cfg.sectors_per_track;
    uint64_t dist = track > d->head_track ? track - d->head_track : d->head_track - track;
    if (d->cfg.seek_model == DMASIM_DISK_SEEK_AVERAGE)
        return d->cfg.seek_avg_ns * 1000;
    if (dist == 0)
        return 0;
    uint64_t per = d->cfg.seek_per_track_ps;
    uint64_t travel = per && dist > (DMASIM_TIME_NEVER / 4) / per ? DMASIM_TIME_NEVER / 4 : dist * per;
    return d->cfg.seek_settle_ns * 1000 + travel;
}

/* Rotational latency for a stream that may start at t. */
static dmasim_time rotation_time(dmasim_disk *d, dmasim_time t)
{
    if (d->cfg.rotation == DMASIM_DISK_ROTATION_HALF)
        return dmasim__muldiv(30000000000000ull, 1, d->cfg.rpm, 1);
    uint64_t slot = dmasim__muldiv(t, d->den, d->num, 1); /* first byte-slot boundary at or after t */
    uint64_t target = (uint64_t)(d->lba % d->cfg.sectors_per_track) * d->cfg.sector_size;
    uint64_t j = slot + (target + d->rev_bytes - slot % d->rev_bytes) % d->rev_bytes;
    return dmasim__muldiv(j, d->num, d->den, 1) - t;
}

static void start_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_disk *d = ctx;
    dmasim_time now = dmasim_sim_now(sim);
    dmasim_time seek = seek_time(d), rot = rotation_time(d, now + seek);
    d->state = D_ACTIVE;
    d->issue = now;
    d->t_start = now + seek + rot;
    d->head_track = (d->lba + d->count - 1) / d->cfg.sectors_per_track;
    d->commands++;
    d->seek_ps += seek;
    d->rotation_ps += rot;
    if (d->is_write)
        schedule_at(d, &d->media_ev, byte_time(d, d->total));
    schedule_rise(d);
}

int dmasim_disk_submit(dmasim_disk *d, dmasim_disk_op op, uint64_t lba, uint32_t count, dmasim_time at)
{
    if ((unsigned)op > DMASIM_DISK_WRITE)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: unknown operation %d", d->name, (int)op);
    if (d->state != D_IDLE)
        return dmasim__error(d->sim, DMASIM_EBUSY, "%s: a command is already pending or running", d->name);
    if (count == 0 || lba >= d->cfg.sectors || count > d->cfg.sectors - lba)
        return dmasim__error(d->sim, DMASIM_ERANGE, "%s: %u sectors at LBA %llu: outside the disk (%llu sectors)",
                             d->name, count, (unsigned long long)lba, (unsigned long long)d->cfg.sectors);
    if (at < dmasim_sim_now(d->sim))
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: command time %llu ps is before now", d->name,
                             (unsigned long long)at);
    d->state = D_PENDING;
    d->is_write = op == DMASIM_DISK_WRITE;
    d->lba = lba;
    d->count = count;
    d->total = (uint64_t)count * d->cfg.sector_size;
    d->host = d->media = d->slip = 0;
    d->host_done = d->dma_done = d->media_done = 0;
    d->cmd_overruns = d->cmd_underruns = 0;
    d->status = 0;
    d->issue = at;
    d->t_start = d->media_end = d->complete = DMASIM_TIME_NEVER;
    dmasim_signal_set(d->irq, 0);
    return dmasim_event_schedule(d->sim, &d->start_ev, at, DMASIM_PRIO_DEFAULT);
}

int dmasim_disk_status_get(dmasim_disk *d, dmasim_disk_status *out)
{
    advance(d, dmasim_sim_now(d->sim));
    memset(out, 0, sizeof *out);
    out->busy = d->state != D_IDLE;
    out->status = d->status;
    out->bytes_moved = d->host;
    out->media_bytes = d->media;
    out->fifo_level = fifo_level(d);
    out->overruns = d->cmd_overruns;
    out->underruns = d->cmd_underruns;
    out->issue_time = d->issue;
    out->stream_start = d->t_start;
    out->media_end = d->media_done ? d->media_end : DMASIM_TIME_NEVER;
    out->complete_time = d->state == D_IDLE ? d->complete : DMASIM_TIME_NEVER;
    return 0;
}

int dmasim_disk_peek(const dmasim_disk *d, uint64_t lba, void *buf)
{
    if (lba >= d->cfg.sectors)
        return DMASIM_ERANGE;
    const uint8_t *s = stored(d, lba);
    uint8_t *b = buf;
    for (uint32_t o = 0; o < d->cfg.sector_size; o++)
        b[o] = s ? s[o] : dmasim_device_pattern(lba, o);
    return 0;
}

/* ---- life cycle ---- */

static void disk_destroy(void *self)
{
    dmasim_disk *d = self;
    dmasim_sim *sim = d->sim;
    for (size_t i = 0; i < d->nstore; i++)
        dmasim__free(sim, d->store[i].data, d->cfg.sector_size);
    dmasim__free(sim, d->store, d->store_cap * sizeof *d->store);
    dmasim__strfree(sim, d->name);
    dmasim__free(sim, d, sizeof *d);
}

static void disk_stats_update(void *self)
{
    dmasim_disk *d = self;
    dmasim_time now = dmasim_sim_now(d->sim);
    if (!d->dreq) /* its creation failed half way */
        return;
    advance(d, now);
    d->dreq_high_ps = d->dreq_acc + (dmasim_signal_value(d->dreq) ? now - d->dreq_since : 0);
}

static const dmasim__component_ops disk_component = {disk_destroy, disk_stats_update};

static int disk_register(dmasim_disk *d)
{
    dmasim_sim *sim = d->sim;
    const char *n = d->name;
    char buf[300];
    int e = 0;
    e |= dmasim__stat_u64(sim, n, "commands", &d->commands, "", "commands started");
    e |= dmasim__stat_u64(sim, n, "bytes_read", &d->bytes_read, "bytes", "bytes given to the DMA (reads)");
    e |= dmasim__stat_u64(sim, n, "bytes_written", &d->bytes_written, "bytes", "bytes taken from the DMA (writes)");
    e |= dmasim__stat_u64(sim, n, "seek_ps", &d->seek_ps, "ps", "seek time, summed over commands");
    e |= dmasim__stat_u64(sim, n, "rotation_ps", &d->rotation_ps, "ps", "rotational latency, summed");
    e |= dmasim__stat_u64(sim, n, "overruns", &d->overruns, "",
                          "read bytes that found the FIFO full (each costs a revolution)");
    e |= dmasim__stat_u64(sim, n, "underruns", &d->underruns, "",
                          "write bytes not in the FIFO when the medium needed them (a revolution each)");
    e |= dmasim__stat_u64(sim, n, "missed_revolution_ps", &d->missed_ps, "ps", "time lost to overruns/underruns");
    e |= dmasim__stat_u64(sim, n, "dreq_high_ps", &d->dreq_high_ps, "ps", "time DREQ was high");
    e |= dmasim__stat_u64(sim, n, "give_empty", &d->give_empty, "", "DMA units refused: FIFO empty");
    e |= dmasim__stat_u64(sim, n, "take_full", &d->take_full, "", "DMA units refused: FIFO full");
    if (e)
        return e == DMASIM_EINVAL ? e : DMASIM_ENOMEM;
    snprintf(buf, sizeof buf, "%s.dreq", n);
    e = dmasim_signal_create(sim, buf, 1, 0, &d->dreq);
    snprintf(buf, sizeof buf, "%s.irq", n);
    if (!e)
        e = dmasim_signal_create(sim, buf, 1, 0, &d->irq);
    return e;
}

int dmasim_disk_create(dmasim_sim *sim, const dmasim_disk_config *cfg, dmasim_disk **out)
{
    dmasim_disk_config def;
    if (!cfg) {
        dmasim_disk_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "disk0";
    int err = check_config(sim, name, cfg);
    if (err)
        return err;
    dmasim_disk *d = dmasim__alloc(sim, sizeof *d);
    if (!d)
        return DMASIM_ENOMEM;
    d->sim = sim;
    d->cfg = *cfg;
    d->name = dmasim__strdup(sim, name);
    if (!d->name) {
        dmasim__free(sim, d, sizeof *d);
        return DMASIM_ENOMEM;
    }
    d->cfg.name = d->name;
    d->num = 60000000000000ull; /* 60 s in ps */
    d->den = (uint64_t)cfg->rpm * cfg->sectors_per_track * cfg->sector_size;
    d->rev_bytes = (uint64_t)cfg->sectors_per_track * cfg->sector_size;
    d->state = D_IDLE;
    d->t_start = d->media_end = d->complete = DMASIM_TIME_NEVER;
    dmasim_event_init(&d->start_ev, start_event, d);
    dmasim_event_init(&d->dreq_ev, dreq_event, d);
    dmasim_event_init(&d->media_ev, media_event, d);
    if (dmasim__component_add(sim, d, &disk_component)) {
        disk_destroy(d);
        return DMASIM_ENOMEM;
    }
    err = disk_register(d);
    if (err)
        return err;
    *out = d;
    return 0;
}

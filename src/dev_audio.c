/* The sound card: a fixed-rate sink that plays one frame per sample tick from its FIFO, with
 * DREQ when the FIFO has room (devices.h, docs/devices.md). Ticks are played lazily: whenever
 * the FIFO is looked at (a take, the DREQ event, a statistic) every tick up to that time is
 * played first, in order, so the FIFO level and the underruns are exact functions of time and
 * the only events are DREQ's rising edges. */
#include <stdio.h>
#include "internal.h"
#include "dmasim/devices.h"

struct dmasim_audio {
    dmasim_sim *sim;
    char *name;
    dmasim_audio_config cfg;
    uint8_t *fifo;          /* ring of fifo_size bytes */
    uint32_t head, level;   /* first byte, bytes held */
    uint8_t *frame;         /* one frame, contiguous, for play() */
    dmasim_signal *dreq;
    dmasim_event dreq_ev, end_ev; /* DREQ's next rise; the last tick (playback ends) */
    int playing;
    dmasim_time t0;
    uint64_t frames_limit;  /* 0: until stopped */
    uint64_t next_k;        /* next tick */
    dmasim_time dreq_since;
    uint64_t dreq_acc;
    /* statistics */
    uint64_t frames, bytes, underruns, first_underrun, dreq_high_ps, take_full;
};

/* The same numbers as models/devices/<name>.yaml, which cites their sources. */
static const struct {
    const char *name;
    uint32_t sample_rate, frame_bytes, fifo_size, threshold, item_size;
} presets[] = {
    {"audio-48k", 48000, 4, 256, 128, 4},
};

void dmasim_audio_config_init(dmasim_audio_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "audio0";
    cfg->sample_rate = presets[0].sample_rate;
    cfg->frame_bytes = presets[0].frame_bytes;
    cfg->fifo_size = presets[0].fifo_size;
    cfg->threshold = presets[0].threshold;
    cfg->item_size = presets[0].item_size;
}

int dmasim_audio_preset(const char *name, dmasim_audio_config *cfg)
{
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            dmasim_audio_config_init(cfg);
            cfg->sample_rate = presets[i].sample_rate;
            cfg->frame_bytes = presets[i].frame_bytes;
            cfg->fifo_size = presets[i].fifo_size;
            cfg->threshold = presets[i].threshold;
            cfg->item_size = presets[i].item_size;
            return 0;
        }
    }
    return DMASIM_ENOENT;
}

/* ---- ticks ---- */

static dmasim_time tick_time(const dmasim_audio *a, uint64_t k)
{
    uint64_t dt = dmasim__muldiv(k, 1000000000000ull, a->cfg.sample_rate, 1);
    return dt > DMASIM_TIME_NEVER - a->t0 ? DMASIM_TIME_NEVER : a->t0 + dt;
}

static int ticks_left(const dmasim_audio *a)
{
    return a->playing && (a->frames_limit == 0 || a->next_k < a->frames_limit);
}

static void play_tick(dmasim_audio *a, dmasim_time t)
{
    uint32_t fb = a->cfg.frame_bytes, size = a->cfg.fifo_size;
    if (a->level < fb) {
        if (a->underruns++ == 0)
            a->first_underrun = t;
        if (a->cfg.play)
            a->cfg.play(a->cfg.ctx, NULL, fb, t);
        return;
    }
    if (a->cfg.play) {
        for (uint32_t i = 0; i < fb; i++)
            a->frame[i] = a->fifo[(a->head + i) % size];
        a->cfg.play(a->cfg.ctx, a->frame, fb, t);
    }
    a->head = (a->head + fb) % size;
    a->level -= fb;
    a->frames++;
}

/* Play every tick at or before t. */
static void advance(dmasim_audio *a, dmasim_time t)
{
    while (ticks_left(a)) {
        dmasim_time tk = tick_time(a, a->next_k);
        if (tk > t)
            break;
        play_tick(a, tk);
        a->next_k++;
    }
    if (a->playing && !ticks_left(a))
        a->playing = 0;
}

/* ---- DREQ ---- */

static void set_dreq(dmasim_audio *a, int v)
{
    if ((uint64_t)v == dmasim_signal_value(a->dreq))
        return;
    dmasim_time now = dmasim_sim_now(a->sim);
    if (v)
        a->dreq_since = now;
    else
        a->dreq_acc += now - a->dreq_since;
    dmasim_signal_set(a->dreq, (uint64_t)v);
}

static int rising_condition(const dmasim_audio *a)
{
    return a->cfg.fifo_size - a->level >= a->cfg.threshold || a->level < a->cfg.frame_bytes;
}

/* DREQ low: raise it now if its condition holds, else schedule the tick at which it will. */
static void schedule_rise(dmasim_audio *a)
{
    if (rising_condition(a)) {
        set_dreq(a, 1);
        return;
    }
    if (!ticks_left(a))
        return; /* nothing drains the FIFO any more */
    uint32_t fb = a->cfg.frame_bytes, room = a->cfg.fifo_size - a->level;
    uint64_t need = (a->cfg.threshold - room + fb - 1) / fb; /* frames to play for the room */
    uint64_t have = a->level / fb;                           /* then it starves instead */
    uint64_t k = a->next_k + (need < have ? need : have) - 1;
    if (a->frames_limit && k >= a->frames_limit)
        return;
    dmasim_event_schedule(a->sim, &a->dreq_ev, tick_time(a, k), DMASIM_PRIO_DEFAULT);
}

static void dreq_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    dmasim_audio *a = ctx;
    advance(a, dmasim_sim_now(sim));
    if (!dmasim_signal_value(a->dreq))
        schedule_rise(a);
}

/* The last tick of a playback of `frames` frames: the simulation runs at least until it. */
static void end_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)ev;
    advance(ctx, dmasim_sim_now(sim));
}

/* ---- the device side of the DMA channel (device.h) ---- */

static int audio_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    (void)buf;
    (void)len;
    (void)t;
    (void)ctx;
    return DMASIM_EBUSY; /* a sink has nothing to give */
}

static int audio_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    dmasim_audio *a = ctx;
    uint32_t size = a->cfg.fifo_size;
    advance(a, t);
    if (size - a->level < len) {
        a->take_full++;
        return DMASIM_EBUSY;
    }
    const uint8_t *in = buf;
    for (uint32_t i = 0; i < len; i++)
        a->fifo[(a->head + a->level + i) % size] = in[i];
    a->level += len;
    a->bytes += len;
    if (size - a->level < a->cfg.item_size) {
        set_dreq(a, 0);
        schedule_rise(a);
    }
    return 0;
}

static const dmasim_dma_device_ops audio_ops = {1, audio_give, audio_take, NULL};

const dmasim_dma_device_ops *dmasim_audio_device_ops(void) { return &audio_ops; }
dmasim_signal *dmasim_audio_dreq(const dmasim_audio *a) { return a->dreq; }

int dmasim_audio_attach(dmasim_audio *a, dmasim_dmac *dmac, unsigned ch)
{
    return dmasim_dmac_attach_device(dmac, ch, &audio_ops, a, a->dreq);
}

/* ---- playback ---- */

int dmasim_audio_start(dmasim_audio *a, dmasim_time t0, uint64_t frames)
{
    advance(a, dmasim_sim_now(a->sim));
    if (a->playing)
        return dmasim__error(a->sim, DMASIM_EBUSY, "%s: already playing", a->name);
    if (t0 < dmasim_sim_now(a->sim))
        return dmasim__error(a->sim, DMASIM_EINVAL, "%s: start time %llu ps is before now", a->name,
                             (unsigned long long)t0);
    a->playing = 1;
    a->t0 = t0;
    a->frames_limit = frames;
    a->next_k = 0;
    if (frames)
        dmasim_event_schedule(a->sim, &a->end_ev, tick_time(a, frames - 1), DMASIM_PRIO_DEFAULT);
    if (!dmasim_signal_value(a->dreq))
        schedule_rise(a);
    return 0;
}

int dmasim_audio_stop(dmasim_audio *a)
{
    advance(a, dmasim_sim_now(a->sim));
    a->playing = 0;
    dmasim_event_cancel(a->sim, &a->end_ev);
    dmasim_event_cancel(a->sim, &a->dreq_ev);
    return 0;
}

int dmasim_audio_status_get(dmasim_audio *a, dmasim_audio_status *out)
{
    advance(a, dmasim_sim_now(a->sim));
    memset(out, 0, sizeof *out);
    out->playing = a->playing;
    out->fifo_level = a->level;
    out->frames = a->frames;
    out->underruns = a->underruns;
    out->first_underrun = a->underruns ? a->first_underrun : DMASIM_TIME_NEVER;
    out->next_tick = a->next_k;
    out->next_tick_time = ticks_left(a) ? tick_time(a, a->next_k) : DMASIM_TIME_NEVER;
    return 0;
}

/* ---- life cycle ---- */

static void audio_destroy(void *self)
{
    dmasim_audio *a = self;
    dmasim_sim *sim = a->sim;
    dmasim__free(sim, a->fifo, a->cfg.fifo_size);
    dmasim__free(sim, a->frame, a->cfg.frame_bytes);
    dmasim__strfree(sim, a->name);
    dmasim__free(sim, a, sizeof *a);
}

static void audio_stats_update(void *self)
{
    dmasim_audio *a = self;
    dmasim_time now = dmasim_sim_now(a->sim);
    if (!a->dreq) /* its creation failed half way */
        return;
    advance(a, now);
    a->dreq_high_ps = a->dreq_acc + (dmasim_signal_value(a->dreq) ? now - a->dreq_since : 0);
}

static const dmasim__component_ops audio_component = {audio_destroy, audio_stats_update};

static int check_config(dmasim_sim *sim, const char *n, const dmasim_audio_config *c)
{
    if (c->sample_rate < 1 || c->sample_rate > 10000000)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: sample_rate %u Hz out of range 1..10000000", n,
                             c->sample_rate);
    if (c->frame_bytes < 1 || c->frame_bytes > 4096)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: frame_bytes %u out of range 1..4096", n, c->frame_bytes);
    if (!dmasim__is_pow2(c->item_size) || c->item_size > 64)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: item_size %u is not 1, 2, 4, 8, 16, 32 or 64", n, c->item_size);
    if (c->fifo_size < c->frame_bytes || c->fifo_size < c->item_size || c->fifo_size > (1u << 24))
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: fifo_size %u must hold a frame (%u) and an item (%u), at most 16777216", n,
                             c->fifo_size, c->frame_bytes, c->item_size);
    if (c->threshold > c->fifo_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: threshold %u bytes exceeds fifo_size %u", n, c->threshold,
                             c->fifo_size);
    if (c->threshold < c->item_size)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: threshold %u bytes is below item_size %u", n, c->threshold,
                             c->item_size);
    return 0;
}

int dmasim_audio_create(dmasim_sim *sim, const dmasim_audio_config *cfg, dmasim_audio **out)
{
    dmasim_audio_config def;
    if (!cfg) {
        dmasim_audio_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "audio0";
    int err = check_config(sim, name, cfg);
    if (err)
        return err;
    dmasim_audio *a = dmasim__alloc(sim, sizeof *a);
    if (!a)
        return DMASIM_ENOMEM;
    a->sim = sim;
    a->cfg = *cfg;
    a->name = dmasim__strdup(sim, name);
    a->fifo = dmasim__alloc(sim, cfg->fifo_size);
    a->frame = dmasim__alloc(sim, cfg->frame_bytes);
    if (!a->name || !a->fifo || !a->frame || dmasim__component_add(sim, a, &audio_component)) {
        audio_destroy(a);
        return DMASIM_ENOMEM;
    }
    a->cfg.name = a->name;
    a->first_underrun = UINT64_MAX;
    dmasim_event_init(&a->dreq_ev, dreq_event, a);
    dmasim_event_init(&a->end_ev, end_event, a);
    const char *n = a->name;
    int e = 0;
    e |= dmasim__stat_u64(sim, n, "frames", &a->frames, "", "ticks that played a frame");
    e |= dmasim__stat_u64(sim, n, "bytes", &a->bytes, "bytes", "bytes taken from the DMA");
    e |= dmasim__stat_u64(sim, n, "underruns", &a->underruns, "", "ticks that found less than a frame");
    e |= dmasim__stat_u64(sim, n, "first_underrun_ps", &a->first_underrun, "ps",
                          "time of the first underrun (UINT64_MAX if none)");
    e |= dmasim__stat_u64(sim, n, "dreq_high_ps", &a->dreq_high_ps, "ps", "time DREQ was high");
    e |= dmasim__stat_u64(sim, n, "take_full", &a->take_full, "", "DMA units refused: FIFO full");
    if (e)
        return e == DMASIM_EINVAL ? e : DMASIM_ENOMEM;
    char buf[300];
    snprintf(buf, sizeof buf, "%s.dreq", n);
    err = dmasim_signal_create(sim, buf, 1, 0, &a->dreq);
    if (err)
        return err;
    /* an empty FIFO starves: DREQ is high from the start (filled before playback begins) */
    set_dreq(a, 1);
    *out = a;
    return 0;
}

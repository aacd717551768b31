/* The simulation object: event kernel (binary heap ordered by time, priority, sequence),
 * allocator, error message, component ownership, statistics registry. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

typedef struct dmasim__comp {
    void *self;
    const dmasim__component_ops *ops;
} dmasim__comp;

typedef struct dmasim__stat_entry {
    dmasim_stat pub;
    char *path;
} dmasim__stat_entry;

struct dmasim_sim {
    dmasim_time now; /* first member: dmasim__now() in internal.h reads it without a call */
    dmasim_alloc_fn alloc;
    void *alloc_ud;
    int reference;
    uint64_t seed;

    dmasim_time horizon;  /* run_until's t: the outside may act there, nothing may run past it */
    dmasim_event **heap; /* 0-based array; ev->heap_index = position + 1 */
    size_t heap_n, heap_cap;
    size_t passive_n;    /* pending passive events (internal.h) */
    uint64_t seq;
    uint64_t executed;
    int stop;
    int fatal;

    dmasim__comp *comps;
    size_t ncomps, comps_cap;
    dmasim__stat_entry *stats;
    size_t nstats, stats_cap;

    dmasim__mem mem;
    dmasim__signal_list signals;
    char errmsg[1024];
};

/* ---- allocation ---- */

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

void *dmasim__alloc(dmasim_sim *sim, size_t size)
{
    void *p = sim->alloc(sim->alloc_ud, NULL, 0, size ? size : 1);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

void *dmasim__realloc(dmasim_sim *sim, void *p, size_t osize, size_t nsize)
{
    return sim->alloc(sim->alloc_ud, p, p ? osize : 0, nsize);
}

void dmasim__free(dmasim_sim *sim, void *p, size_t size)
{
    if (p)
        sim->alloc(sim->alloc_ud, p, size ? size : 1, 0);
}

char *dmasim__strdup(dmasim_sim *sim, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = sim->alloc(sim->alloc_ud, NULL, 0, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void dmasim__strfree(dmasim_sim *sim, char *s)
{
    if (s)
        sim->alloc(sim->alloc_ud, s, strlen(s) + 1, 0);
}

int dmasim__grow(dmasim_sim *sim, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *n = dmasim__realloc(sim, *arr, *cap * elem, ncap * elem);
    if (!n)
        return DMASIM_ENOMEM;
    memset((char *)n + *cap * elem, 0, (ncap - *cap) * elem);
    *arr = n;
    *cap = ncap;
    return 0;
}

/* ---- errors ---- */

int dmasim__error(dmasim_sim *sim, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim->errmsg, sizeof sim->errmsg, fmt, ap);
    va_end(ap);
    return err;
}

void dmasim__fatal(dmasim_sim *sim, int err, const char *fmt, ...)
{
    if (sim->fatal)
        return; /* keep the first */
    if (fmt) { /* format into a copy: an argument may be the current message itself */
        char msg[sizeof sim->errmsg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        memcpy(sim->errmsg, msg, sizeof msg);
    }
    sim->fatal = err;
    sim->stop = 1;
}

const char *dmasim_sim_errmsg(const dmasim_sim *sim)
{
    return sim->errmsg;
}

/* ---- life cycle ---- */

void dmasim_sim_config_init(dmasim_sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
}

int dmasim_sim_create(const dmasim_sim_config *cfg, dmasim_sim **out)
{
    dmasim_sim_config def;
    if (!out)
        return DMASIM_EINVAL;
    *out = NULL;
    if (!cfg) {
        dmasim_sim_config_init(&def);
        cfg = &def;
    }
    dmasim_alloc_fn fn = cfg->alloc ? cfg->alloc : default_alloc;
    dmasim_sim *sim = fn(cfg->alloc_ud, NULL, 0, sizeof *sim);
    if (!sim)
        return DMASIM_ENOMEM;
    memset(sim, 0, sizeof *sim);
    sim->alloc = fn;
    sim->alloc_ud = cfg->alloc_ud;
    sim->reference = cfg->reference != 0;
    sim->seed = cfg->seed;
    *out = sim;
    return 0;
}

void dmasim_sim_destroy(dmasim_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = sim->ncomps; i-- > 0;)
        sim->comps[i].ops->destroy(sim->comps[i].self);
    dmasim__free(sim, sim->comps, sim->comps_cap * sizeof *sim->comps);
    for (size_t i = 0; i < sim->nstats; i++)
        dmasim__strfree(sim, sim->stats[i].path);
    dmasim__free(sim, sim->stats, sim->stats_cap * sizeof *sim->stats);
    dmasim__signals_free(sim);
    dmasim__free(sim, sim->heap, sim->heap_cap * sizeof *sim->heap);
    dmasim__mem_free(sim, &sim->mem);
    sim->alloc(sim->alloc_ud, sim, sizeof *sim, 0);
}

int dmasim__component_add(dmasim_sim *sim, void *self, const dmasim__component_ops *ops)
{
    if (dmasim__grow(sim, (void **)&sim->comps, &sim->comps_cap, sim->ncomps + 1, sizeof *sim->comps))
        return DMASIM_ENOMEM;
    sim->comps[sim->ncomps].self = self;
    sim->comps[sim->ncomps].ops = ops;
    sim->ncomps++;
    return 0;
}

dmasim__mem *dmasim__sim_mem(dmasim_sim *sim) { return &sim->mem; }
dmasim__signal_list *dmasim__sim_signals(dmasim_sim *sim) { return &sim->signals; }
dmasim_time dmasim_sim_now(const dmasim_sim *sim) { return sim->now; }
_Static_assert(offsetof(struct dmasim_sim, now) == 0, "dmasim__now() reads the first member");
int dmasim_sim_reference(const dmasim_sim *sim) { return sim->reference; }
uint64_t dmasim_sim_seed(const dmasim_sim *sim) { return sim->seed; }
uint64_t dmasim_sim_events_executed(const dmasim_sim *sim) { return sim->executed; }
void dmasim_sim_stop(dmasim_sim *sim) { sim->stop = 1; }

/* ---- event heap ---- */

static inline int ev_before(const dmasim_event *a, const dmasim_event *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return a->seq < b->seq;
}

static inline void heap_set(dmasim_sim *sim, size_t i, dmasim_event *ev)
{
    sim->heap[i] = ev;
    ev->heap_index = (uint32_t)(i + 1);
}

static void sift_up(dmasim_sim *sim, size_t i)
{
    dmasim_event *ev = sim->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_before(ev, sim->heap[p]))
            break;
        heap_set(sim, i, sim->heap[p]);
        i = p;
    }
    heap_set(sim, i, ev);
}

static void sift_down(dmasim_sim *sim, size_t i)
{
    dmasim_event *ev = sim->heap[i];
    size_t n = sim->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_before(sim->heap[c + 1], sim->heap[c]))
            c++;
        if (!ev_before(sim->heap[c], ev))
            break;
        heap_set(sim, i, sim->heap[c]);
        i = c;
    }
    heap_set(sim, i, ev);
}

static void heap_remove(dmasim_sim *sim, dmasim_event *ev)
{
    size_t i = ev->heap_index - 1;
    ev->heap_index = 0;
    sim->heap_n--;
    if (i == sim->heap_n)
        return;
    dmasim_event *last = sim->heap[sim->heap_n];
    heap_set(sim, i, last);
    if (i > 0 && ev_before(last, sim->heap[(i - 1) / 2]))
        sift_up(sim, i);
    else
        sift_down(sim, i);
}

void dmasim_event_init(dmasim_event *ev, dmasim_event_fn fn, void *ctx)
{
    memset(ev, 0, sizeof *ev);
    ev->fn = fn;
    ev->ctx = ctx;
}

int dmasim_event_pending(const dmasim_event *ev)
{
    return ev->heap_index != 0;
}

int dmasim_event_schedule(dmasim_sim *sim, dmasim_event *ev, dmasim_time t, int32_t priority)
{
    if (t < sim->now)
        return dmasim__error(sim, DMASIM_EINVAL, "event scheduled in the past (%llu ps < now %llu ps)",
                             (unsigned long long)t, (unsigned long long)sim->now);
    if (ev->heap_index)
        heap_remove(sim, ev);
    if (dmasim__grow(sim, (void **)&sim->heap, &sim->heap_cap, sim->heap_n + 1, sizeof *sim->heap)) {
        /* the host ran out of memory: the simulation cannot go on correctly */
        dmasim__fatal(sim, DMASIM_ENOMEM, "out of memory growing the event queue at %llu ps",
                      (unsigned long long)sim->now);
        return DMASIM_ENOMEM;
    }
    ev->time = t;
    ev->priority = priority;
    ev->seq = sim->seq++;
    sim->heap[sim->heap_n] = ev;
    ev->heap_index = (uint32_t)(sim->heap_n + 1);
    sim->heap_n++;
    sift_up(sim, sim->heap_n - 1);
    return 0;
}

void dmasim_event_cancel(dmasim_sim *sim, dmasim_event *ev)
{
    if (ev->heap_index)
        heap_remove(sim, ev);
}

dmasim_time dmasim_sim_next_event_time(const dmasim_sim *sim)
{
    return sim->heap_n ? sim->heap[0]->time : DMASIM_TIME_NEVER;
}

void dmasim__sim_passive_add(dmasim_sim *sim, int delta)
{
    sim->passive_n = (size_t)((ptrdiff_t)sim->passive_n + delta);
}

dmasim_time dmasim__sim_batch_limit(const dmasim_sim *sim)
{
    dmasim_time next = sim->heap_n ? sim->heap[0]->time : DMASIM_TIME_NEVER;
    return next < sim->horizon ? next : sim->horizon;
}

int dmasim_sim_run_until(dmasim_sim *sim, dmasim_time t)
{
    if (t < sim->now)
        return dmasim__error(sim, DMASIM_EINVAL, "run_until(%llu ps) is before now (%llu ps)",
                             (unsigned long long)t, (unsigned long long)sim->now);
    if (sim->fatal)
        return sim->fatal;
    sim->stop = 0;
    sim->horizon = t;
    /* to the end (t NEVER): while an event that is not passive is pending */
    size_t keep = t == DMASIM_TIME_NEVER ? sim->passive_n : 0;
    while (sim->heap_n > keep && sim->heap[0]->time <= t && !sim->stop) {
        dmasim_event *ev = sim->heap[0];
        heap_remove(sim, ev);
        sim->now = ev->time;
        sim->executed++;
        ev->fn(sim, ev, ev->ctx);
        if (t == DMASIM_TIME_NEVER)
            keep = sim->passive_n;
    }
    if (sim->fatal)
        return sim->fatal;
    if (!sim->stop && t != DMASIM_TIME_NEVER)
        sim->now = t;
    return 0;
}

int dmasim_sim_run(dmasim_sim *sim)
{
    return dmasim_sim_run_until(sim, DMASIM_TIME_NEVER);
}

/* ---- statistics ---- */

int dmasim_stat_register(dmasim_sim *sim, const char *path, dmasim_stat_kind kind, const void *value,
                         const char *unit, const char *description)
{
    if (!path || !value)
        return DMASIM_EINVAL;
    for (size_t i = 0; i < sim->nstats; i++)
        if (strcmp(sim->stats[i].path, path) == 0)
            return dmasim__error(sim, DMASIM_EINVAL, "statistic '%s' registered twice", path);
    if (dmasim__grow(sim, (void **)&sim->stats, &sim->stats_cap, sim->nstats + 1, sizeof *sim->stats))
        return DMASIM_ENOMEM;
    dmasim__stat_entry *e = &sim->stats[sim->nstats];
    e->path = dmasim__strdup(sim, path);
    if (!e->path)
        return DMASIM_ENOMEM;
    e->pub.path = e->path;
    e->pub.kind = kind;
    e->pub.value = value;
    e->pub.unit = unit ? unit : "";
    e->pub.description = description ? description : "";
    sim->nstats++;
    return 0;
}

static int stat_prefixed(dmasim_sim *sim, const char *prefix, const char *name, dmasim_stat_kind kind,
                         const void *v, const char *unit, const char *desc)
{
    char path[256];
    int n = snprintf(path, sizeof path, "%s.%s", prefix, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return dmasim__error(sim, DMASIM_EINVAL, "statistic name too long: %s.%s", prefix, name);
    return dmasim_stat_register(sim, path, kind, v, unit, desc);
}

int dmasim__stat_u64(dmasim_sim *sim, const char *prefix, const char *name, const uint64_t *v,
                     const char *unit, const char *desc)
{
    return stat_prefixed(sim, prefix, name, DMASIM_STAT_U64, v, unit, desc);
}

int dmasim__stat_double(dmasim_sim *sim, const char *prefix, const char *name, const double *v,
                        const char *unit, const char *desc)
{
    return stat_prefixed(sim, prefix, name, DMASIM_STAT_DOUBLE, v, unit, desc);
}

void dmasim_sim_stats_update(dmasim_sim *sim)
{
    for (size_t i = 0; i < sim->ncomps; i++)
        if (sim->comps[i].ops->stats_update)
            sim->comps[i].ops->stats_update(sim->comps[i].self);
}

size_t dmasim_sim_stat_count(dmasim_sim *sim) { return sim->nstats; }

const dmasim_stat *dmasim_sim_stat_at(dmasim_sim *sim, size_t i)
{
    return i < sim->nstats ? &sim->stats[i].pub : NULL;
}

static const dmasim_stat *stat_find(dmasim_sim *sim, const char *path)
{
    for (size_t i = 0; i < sim->nstats; i++)
        if (strcmp(sim->stats[i].path, path) == 0)
            return &sim->stats[i].pub;
    return NULL;
}

int dmasim_sim_stat_u64(dmasim_sim *sim, const char *path, uint64_t *out)
{
    dmasim_sim_stats_update(sim);
    const dmasim_stat *s = stat_find(sim, path);
    if (!s || s->kind != DMASIM_STAT_U64)
        return dmasim__error(sim, DMASIM_ENOENT, "no u64 statistic '%s'", path);
    *out = *(const uint64_t *)s->value;
    return 0;
}

int dmasim_sim_stat_double(dmasim_sim *sim, const char *path, double *out)
{
    dmasim_sim_stats_update(sim);
    const dmasim_stat *s = stat_find(sim, path);
    if (!s)
        return dmasim__error(sim, DMASIM_ENOENT, "no statistic '%s'", path);
    *out = s->kind == DMASIM_STAT_DOUBLE ? *(const double *)s->value : (double)*(const uint64_t *)s->value;
    return 0;
}

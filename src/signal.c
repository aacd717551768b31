/* Signals: named wires with subscribers (tracing subscribes; models only drive values). */
#include "internal.h"

typedef struct sub {
    dmasim_signal_fn fn;
    void *ctx;
} sub;

struct dmasim_signal {
    dmasim_sim *sim;
    char *name;
    unsigned width;
    uint64_t value;
    uint64_t toggles;
    sub *subs;
    size_t nsubs, subs_cap;
};

int dmasim_signal_create(dmasim_sim *sim, const char *name, unsigned width, uint64_t initial,
                         dmasim_signal **out)
{
    if (!name || width < 1 || width > 64)
        return dmasim__error(sim, DMASIM_EINVAL, "signal '%s': width %u out of range 1..64",
                             name ? name : "(null)", width);
    if (dmasim_sim_signal_find(sim, name))
        return dmasim__error(sim, DMASIM_EINVAL, "signal '%s' already exists", name);
    dmasim__signal_list *l = dmasim__sim_signals(sim);
    if (dmasim__grow(sim, (void **)&l->items, &l->cap, l->n + 1, sizeof *l->items))
        return DMASIM_ENOMEM;
    dmasim_signal *s = dmasim__alloc(sim, sizeof *s);
    if (!s)
        return DMASIM_ENOMEM;
    s->name = dmasim__strdup(sim, name);
    if (!s->name) {
        dmasim__free(sim, s, sizeof *s);
        return DMASIM_ENOMEM;
    }
    s->sim = sim;
    s->width = width;
    s->value = width == 64 ? initial : initial & ((1ull << width) - 1);
    l->items[l->n++] = s;
    *out = s;
    return 0;
}

void dmasim__signals_free(dmasim_sim *sim)
{
    dmasim__signal_list *l = dmasim__sim_signals(sim);
    for (size_t i = 0; i < l->n; i++) {
        dmasim_signal *s = l->items[i];
        dmasim__free(sim, s->subs, s->subs_cap * sizeof *s->subs);
        dmasim__strfree(sim, s->name);
        dmasim__free(sim, s, sizeof *s);
    }
    dmasim__free(sim, l->items, l->cap * sizeof *l->items);
    memset(l, 0, sizeof *l);
}

void dmasim_signal_set(dmasim_signal *sig, uint64_t value)
{
    if (sig->width < 64)
        value &= (1ull << sig->width) - 1;
    if (value == sig->value)
        return;
    sig->value = value;
    sig->toggles++;
    dmasim_time t = dmasim_sim_now(sig->sim);
    for (size_t i = 0; i < sig->nsubs; i++)
        sig->subs[i].fn(sig, value, t, sig->subs[i].ctx);
}

int dmasim_signal_subscribe(dmasim_signal *sig, dmasim_signal_fn fn, void *ctx)
{
    if (!fn)
        return DMASIM_EINVAL;
    if (dmasim__grow(sig->sim, (void **)&sig->subs, &sig->subs_cap, sig->nsubs + 1, sizeof *sig->subs))
        return DMASIM_ENOMEM;
    sig->subs[sig->nsubs].fn = fn;
    sig->subs[sig->nsubs].ctx = ctx;
    sig->nsubs++;
    return 0;
}

uint64_t dmasim_signal_value(const dmasim_signal *sig) { return sig->value; }
const char *dmasim_signal_name(const dmasim_signal *sig) { return sig->name; }
unsigned dmasim_signal_width(const dmasim_signal *sig) { return sig->width; }
unsigned dmasim_signal_observed(const dmasim_signal *sig) { return (unsigned)sig->nsubs; }
uint64_t dmasim_signal_toggles(const dmasim_signal *sig) { return sig->toggles; }

size_t dmasim_sim_signal_count(const dmasim_sim *sim)
{
    return dmasim__sim_signals((dmasim_sim *)sim)->n;
}

dmasim_signal *dmasim_sim_signal_at(const dmasim_sim *sim, size_t i)
{
    dmasim__signal_list *l = dmasim__sim_signals((dmasim_sim *)sim);
    return i < l->n ? l->items[i] : NULL;
}

dmasim_signal *dmasim_sim_signal_find(const dmasim_sim *sim, const char *name)
{
    dmasim__signal_list *l = dmasim__sim_signals((dmasim_sim *)sim);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i]->name, name) == 0)
            return l->items[i];
    return NULL;
}

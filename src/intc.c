/* Interrupt controller: input lines OR-ed, through their enable bits, into one output. */
#include <stdio.h>
#include "internal.h"

typedef struct line {
    struct dmasim_intc *intc;
    dmasim_signal *input;
    uint64_t assertions;      /* rising edges */
} line;

struct dmasim_intc {
    dmasim_sim *sim;
    char *name;
    uint32_t nlines, enabled, reg_ws;
    line *l;
    dmasim_signal *out;
    uint64_t output_assertions;
};

void dmasim_intc_config_init(dmasim_intc_config *cfg)
{
    cfg->name = "intc0";
    cfg->lines = 8;
    cfg->reg_wait_states = 1;
}

uint32_t dmasim_intc_pending(const dmasim_intc *c)
{
    uint32_t p = 0;
    for (uint32_t i = 0; i < c->nlines; i++)
        if (c->l[i].input && dmasim_signal_value(c->l[i].input))
            p |= 1u << i;
    return p;
}

uint32_t dmasim_intc_enabled(const dmasim_intc *c) { return c->enabled; }
dmasim_signal *dmasim_intc_irq(const dmasim_intc *c) { return c->out; }

static void update(dmasim_intc *c)
{
    int level = (dmasim_intc_pending(c) & c->enabled) != 0;
    if (level && !dmasim_signal_value(c->out))
        c->output_assertions++;
    dmasim_signal_set(c->out, (uint64_t)level);
}

static void input_changed(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    (void)t;
    line *l = ctx;
    if (value)
        l->assertions++;
    update(l->intc);
}

int dmasim_intc_connect(dmasim_intc *c, unsigned n, dmasim_signal *input)
{
    if (n >= c->nlines || !input || c->l[n].input)
        return dmasim__error(c->sim, DMASIM_EINVAL, "%s: line %u is out of range 0..%u or already connected", c->name,
                             n, c->nlines - 1);
    int err = dmasim_signal_subscribe(input, input_changed, &c->l[n]);
    if (err)
        return err;
    c->l[n].input = input;
    update(c);
    return 0;
}

int dmasim_intc_enable(dmasim_intc *c, unsigned n, int enabled)
{
    if (n >= c->nlines)
        return DMASIM_EINVAL;
    c->enabled = enabled ? c->enabled | 1u << n : c->enabled & ~(1u << n);
    update(c);
    return 0;
}

/* ---- registers ---- */

static int reg_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_intc *c = ctx;
    uint32_t off = (uint32_t)(addr & (DMASIM_INTC_REG_SIZE - 1)), v = 0;
    if (len != 4 || (off & 3))
        return DMASIM_EBUSERR;
    uint32_t active = dmasim_intc_pending(c) & c->enabled;
    switch (off) {
    case DMASIM_INTC_PENDING: v = dmasim_intc_pending(c); break;
    case DMASIM_INTC_ENABLE: v = c->enabled; break;
    case DMASIM_INTC_ACTIVE: v = active; break;
    default: /* HIGHEST */
        v = 0xFFFFFFFFu;
        for (uint32_t i = 0; i < c->nlines; i++)
            if (active >> i & 1) {
                v = i;
                break;
            }
        break;
    }
    uint8_t *b = buf;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return 0;
}

static int reg_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_intc *c = ctx;
    uint32_t off = (uint32_t)(addr & (DMASIM_INTC_REG_SIZE - 1));
    if (len != 4 || (off & 3))
        return DMASIM_EBUSERR;
    if (off != DMASIM_INTC_ENABLE)
        return 0; /* the other registers are read only */
    const uint8_t *b = buf;
    uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    c->enabled = c->nlines == 32 ? v : v & ((1u << c->nlines) - 1);
    update(c);
    return 0;
}

static const dmasim_bus_slave_ops reg_ops = {1, reg_read, reg_write, NULL}; /* fixed wait states */

int dmasim_intc_map(dmasim_intc *c, dmasim_bus *bus, dmasim_addr base)
{
    return dmasim__bus_map_fixed(bus, c->name, base, DMASIM_INTC_REG_SIZE, 0, &reg_ops, c, c->reg_ws);
}

/* ---- life cycle ---- */

static void intc_destroy(void *self)
{
    dmasim_intc *c = self;
    dmasim_sim *sim = c->sim;
    dmasim__free(sim, c->l, c->nlines * sizeof *c->l);
    dmasim__strfree(sim, c->name);
    dmasim__free(sim, c, sizeof *c);
}

static const dmasim__component_ops intc_component = {intc_destroy, NULL};

int dmasim_intc_create(dmasim_sim *sim, const dmasim_intc_config *cfg, dmasim_intc **out)
{
    dmasim_intc_config def;
    if (!cfg) {
        dmasim_intc_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "intc0";
    if (cfg->lines < 1 || cfg->lines > 32 || cfg->reg_wait_states > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: lines must be 1..32 and reg_wait_states 0..1024", name);
    dmasim_intc *c = dmasim__alloc(sim, sizeof *c);
    if (!c)
        return DMASIM_ENOMEM;
    c->sim = sim;
    c->nlines = cfg->lines;
    c->reg_ws = cfg->reg_wait_states;
    c->enabled = cfg->lines == 32 ? 0xFFFFFFFFu : (1u << cfg->lines) - 1;
    c->name = dmasim__strdup(sim, name);
    c->l = dmasim__alloc(sim, c->nlines * sizeof *c->l);
    if (!c->name || !c->l) {
        intc_destroy(c);
        return DMASIM_ENOMEM;
    }
    if (dmasim__component_add(sim, c, &intc_component)) {
        intc_destroy(c);
        return DMASIM_ENOMEM;
    }
    char buf[300];
    int e = 0;
    for (uint32_t i = 0; i < c->nlines && !e; i++) {
        c->l[i].intc = c;
        snprintf(buf, sizeof buf, "line%u.assertions", i);
        e = dmasim__stat_u64(sim, name, buf, &c->l[i].assertions, "", "rising edges of this input line");
    }
    if (!e)
        e = dmasim__stat_u64(sim, name, "irq_assertions", &c->output_assertions, "",
                             "rising edges of the output line");
    snprintf(buf, sizeof buf, "%s.irq", name);
    if (!e)
        e = dmasim_signal_create(sim, buf, 1, 0, &c->out);
    if (e)
        return e;
    *out = c;
    return 0;
}

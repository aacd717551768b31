/* SRAM-style memory slave: fixed wait states per beat, bytes in the sim's sparse memory. */
#include "internal.h"

typedef struct sram {
    dmasim_sim *sim;
    uint32_t wait_states;
} sram;

void dmasim_sram_config_init(dmasim_sram_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "ram";
    cfg->base = 0;
    cfg->size = 1ull << 30;
    cfg->wait_states = 0;
}

static int sram_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    sram *s = ctx;
    return dmasim_mem_read(s->sim, addr, buf, len);
}

static int sram_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    sram *s = ctx;
    int err = dmasim_mem_write(s->sim, addr, buf, len);
    if (err) /* host memory exhausted: not a simulated fault, the run cannot go on */
        dmasim__fatal(s->sim, err, NULL);
    return err;
}

static const dmasim_bus_slave_ops sram_ops = {1, sram_read, sram_write, NULL}; /* fixed wait states */

static void sram_destroy(void *self)
{
    sram *s = self;
    dmasim__free(s->sim, s, sizeof *s);
}

static const dmasim__component_ops sram_component = {sram_destroy, NULL};

int dmasim_sram_create(dmasim_bus *bus, const dmasim_sram_config *cfg)
{
    dmasim_sram_config def;
    if (!cfg) {
        dmasim_sram_config_init(&def);
        cfg = &def;
    }
    dmasim_sim *sim = dmasim_bus_sim(bus);
    const char *name = cfg->name ? cfg->name : "ram";
    if (cfg->size == 0)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: size must be > 0", name);
    if (cfg->wait_states > 1024)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: wait_states %u out of range 0..1024", name, cfg->wait_states);
    sram *s = dmasim__alloc(sim, sizeof *s);
    if (!s)
        return DMASIM_ENOMEM;
    s->sim = sim;
    s->wait_states = cfg->wait_states;
    if (dmasim__component_add(sim, s, &sram_component)) {
        sram_destroy(s);
        return DMASIM_ENOMEM;
    }
    return dmasim__bus_map_fixed(bus, name, cfg->base, cfg->size, DMASIM_SLAVE_CACHEABLE, &sram_ops, s, s->wait_states);
}

/* D1 data cache: set-associative, true LRU (each set kept in most-recently-used order, as
 * Cachegrind's cg_sim.c does), write-back, write-allocate. Tags are block numbers + 1 (0 means
 * invalid), so address 0 needs no special case. */
#include <stdio.h>
#include "internal.h"

typedef struct way {
    uint64_t tag;   /* block number + 1; 0 = invalid */
    uint32_t slot;  /* index of its bytes in data[] */
    uint32_t dirty;
} way;

struct dmasim_cache {
    dmasim_sim *sim;
    char *name;
    uint32_t sets, ways, line;
    unsigned line_shift;
    uint64_t set_mask;
    uint32_t hit_cycles;
    way *w;            /* sets * ways, each set MRU first */
    uint8_t *data;     /* sets * ways * line bytes, or NULL */
    dmasim_cache_stats st;
    uint64_t evictions;
};

void dmasim_cache_config_init(dmasim_cache_config *cfg)
{
    cfg->size = 32768;
    cfg->ways = 8;
    cfg->line = 64;
    cfg->hit_cycles = 0;
}

int dmasim_cache_config_check(const dmasim_cache_config *cfg, char *msg, size_t msg_len)
{
    char dummy[8];
    if (!msg) {
        msg = dummy;
        msg_len = sizeof dummy;
    }
    if (cfg->size == 0 || cfg->ways == 0 || cfg->line == 0) {
        snprintf(msg, msg_len, "size, ways and line must all be > 0 (got %u, %u, %u)", cfg->size, cfg->ways,
                 cfg->line);
        return DMASIM_ERANGE;
    }
    if (!dmasim__is_pow2(cfg->line) || cfg->line < 4 || cfg->line > 4096) {
        snprintf(msg, msg_len, "line size %u is not a power of two in 4..4096", cfg->line);
        return DMASIM_ERANGE;
    }
    if (cfg->ways > 1024) {
        snprintf(msg, msg_len, "ways %u out of range 1..1024", cfg->ways);
        return DMASIM_ERANGE;
    }
    uint64_t per_set = (uint64_t)cfg->ways * cfg->line;
    if (cfg->size % per_set) {
        snprintf(msg, msg_len, "size %u is not a multiple of ways * line (%llu)", cfg->size,
                 (unsigned long long)per_set);
        return DMASIM_EINVAL;
    }
    uint64_t sets = cfg->size / per_set;
    if (!dmasim__is_pow2(sets)) {
        snprintf(msg, msg_len, "number of sets (%llu = size / (ways * line)) is not a power of two",
                 (unsigned long long)sets);
        return DMASIM_EINVAL;
    }
    if (cfg->hit_cycles > 1000) {
        snprintf(msg, msg_len, "hit_cycles %u out of range 0..1000", cfg->hit_cycles);
        return DMASIM_ERANGE;
    }
    if (msg_len)
        msg[0] = 0;
    return 0;
}

static void cache_destroy(void *self)
{
    dmasim_cache *c = self;
    dmasim_sim *sim = c->sim;
    size_t n = (size_t)c->sets * c->ways;
    dmasim__free(sim, c->w, n * sizeof *c->w);
    dmasim__free(sim, c->data, n * c->line);
    dmasim__strfree(sim, c->name);
    dmasim__free(sim, c, sizeof *c);
}

static const dmasim__component_ops cache_component = {cache_destroy, NULL};

static int cache_stats(dmasim_cache *c)
{
    dmasim_sim *sim = c->sim;
    const char *p = c->name;
    int e = 0;
    e |= dmasim__stat_u64(sim, p, "read_accesses", &c->st.read_accesses, "", "loads (Lackey L and M)");
    e |= dmasim__stat_u64(sim, p, "write_accesses", &c->st.write_accesses, "", "stores (Lackey S)");
    e |= dmasim__stat_u64(sim, p, "read_misses", &c->st.read_misses, "", "loads that missed (Cachegrind D1mr)");
    e |= dmasim__stat_u64(sim, p, "write_misses", &c->st.write_misses, "", "stores that missed (Cachegrind D1mw)");
    e |= dmasim__stat_u64(sim, p, "line_fills", &c->st.line_fills, "", "lines brought in from the bus");
    e |= dmasim__stat_u64(sim, p, "writebacks", &c->st.writebacks, "", "dirty lines written back");
    e |= dmasim__stat_u64(sim, p, "evictions", &c->evictions, "", "valid lines evicted");
    return e ? DMASIM_ENOMEM : 0;
}

int dmasim__cache_create(dmasim_sim *sim, const char *name, const dmasim_cache_config *cfg, dmasim_cache **out)
{
    char why[160];
    int err = dmasim_cache_config_check(cfg, why, sizeof why);
    if (err)
        return dmasim__error(sim, err, "%s: %s", name, why);
    dmasim_cache *c = dmasim__alloc(sim, sizeof *c);
    if (!c)
        return DMASIM_ENOMEM;
    c->sim = sim;
    c->ways = cfg->ways;
    c->line = cfg->line;
    c->sets = cfg->size / (cfg->ways * cfg->line);
    c->line_shift = dmasim__log2(cfg->line);
    c->set_mask = c->sets - 1;
    c->hit_cycles = cfg->hit_cycles;
    c->name = dmasim__strdup(sim, name);
    c->w = dmasim__alloc(sim, (size_t)c->sets * c->ways * sizeof *c->w);
    if (!c->name || !c->w) {
        cache_destroy(c);
        return DMASIM_ENOMEM;
    }
    for (size_t i = 0; i < (size_t)c->sets * c->ways; i++)
        c->w[i].slot = (uint32_t)i;
    if (dmasim__component_add(sim, c, &cache_component)) {
        cache_destroy(c);
        return DMASIM_ENOMEM;
    }
    if (cache_stats(c))
        return DMASIM_ENOMEM;
    *out = c;
    return 0;
}

int dmasim_cache_create(dmasim_sim *sim, const char *name, const dmasim_cache_config *cfg, dmasim_cache **out)
{
    dmasim_cache_config def;
    if (!cfg) {
        dmasim_cache_config_init(&def);
        cfg = &def;
    }
    return dmasim__cache_create(sim, name ? name : "dcache", cfg, out);
}

int dmasim__cache_enable_data(dmasim_cache *c)
{
    if (c->data)
        return 0;
    c->data = dmasim__alloc(c->sim, (size_t)c->sets * c->ways * c->line);
    return c->data ? 0 : DMASIM_ENOMEM;
}

/* Reference one block: returns the way (now MRU, at index 0 of its set) and whether it missed.
 * On a miss the LRU way is the victim: *victim gets its old contents. */
static inline way *ref_block(dmasim_cache *c, uint64_t block, int *miss, way *victim)
{
    way *set = &c->w[(block & c->set_mask) * c->ways];
    uint64_t tag = block + 1;
    if (DMASIM__LIKELY(set[0].tag == tag)) {
        *miss = 0;
        return &set[0];
    }
    uint32_t n = c->ways;
    for (uint32_t i = 1; i < n; i++) {
        if (set[i].tag == tag) {
            way hit = set[i];
            memmove(&set[1], &set[0], i * sizeof *set);
            set[0] = hit;
            *miss = 0;
            return &set[0];
        }
    }
    way lru = set[n - 1];
    memmove(&set[1], &set[0], (n - 1) * sizeof *set);
    *victim = lru;
    set[0].tag = tag;
    set[0].slot = lru.slot;
    set[0].dirty = 0;
    *miss = 1;
    return &set[0];
}

int dmasim__cache_access_ex(dmasim_cache *c, dmasim_addr addr, uint32_t size, int is_write,
                            dmasim__cache_result *r, uint8_t *wb_buf)
{
    uint64_t b1 = addr >> c->line_shift, b2 = (addr + (size ? size - 1 : 0)) >> c->line_shift;
    unsigned nlines = b1 == b2 ? 1 : 2;
    int any_miss = 0;
    r->nops = 0;
    r->nlines = nlines;
    for (unsigned k = 0; k < nlines; k++) {
        uint64_t b = k ? b2 : b1;
        int miss;
        way victim;
        way *w = ref_block(c, b, &miss, &victim);
        r->line_addr[k] = b << c->line_shift;
        r->line_data[k] = c->data ? c->data + (size_t)w->slot * c->line : NULL;
        if (miss) {
            dmasim__line_op *op = &r->op[r->nops];
            op->fill_addr = b << c->line_shift;
            op->fill_data = r->line_data[k];
            op->writeback = victim.tag && victim.dirty;
            op->wb_addr = victim.tag ? (victim.tag - 1) << c->line_shift : 0;
            if (victim.tag)
                c->evictions++;
            if (op->writeback) {
                c->st.writebacks++;
                if (c->data && wb_buf)
                    memcpy(wb_buf + (size_t)r->nops * c->line, c->data + (size_t)victim.slot * c->line, c->line);
            }
            c->st.line_fills++;
            r->nops++;
            any_miss = 1;
        }
        if (is_write)
            w->dirty = 1;
    }
    if (is_write == 1) {
        c->st.write_accesses++;
        c->st.write_misses += (uint64_t)any_miss;
    } else {
        c->st.read_accesses++;
        c->st.read_misses += (uint64_t)any_miss;
    }
    r->miss = any_miss;
    return any_miss;
}

int dmasim_cache_access(dmasim_cache *c, dmasim_addr addr, uint32_t size, int is_write)
{
    dmasim__cache_result r;
    return dmasim__cache_access_ex(c, addr, size, is_write, &r, NULL);
}

void dmasim_cache_get_stats(const dmasim_cache *c, dmasim_cache_stats *out) { *out = c->st; }
uint32_t dmasim_cache_line_size(const dmasim_cache *c) { return c->line; }

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

/* What the coherence bookkeeping knows of the line in a slot (indexed like data[]). */
typedef struct slot_meta {
    dmasim_time fill_time;   /* when the line was filled */
    dmasim_time dirty_since; /* first store since the fill; DMASIM_TIME_NEVER while clean */
    uint64_t stale_mask;     /* chunks written by another master after the fill (non-coherent) */
} slot_meta;

/* The first non-coherent write of a marked chunk since its line's fill: when, and by whom. */
typedef struct chunk_write {
    dmasim_time t;
    int32_t master;
    uint32_t tag;
} chunk_write;

struct dmasim_cache {
    dmasim_sim *sim;
    char *name;
    uint32_t sets, ways, line;
    unsigned line_shift, chunk_shift; /* a stale_mask bit covers 1 << chunk_shift bytes */
    uint64_t set_mask;
    uint32_t hit_cycles;
    way *w;            /* sets * ways, each set MRU first */
    uint8_t *data;     /* sets * ways * line bytes, or NULL */
    slot_meta *meta;   /* sets * ways */
    dmasim_cache_stats st;
    uint64_t evictions;
    /* set by the owner before each access: its time and what it is doing (for reports) */
    dmasim_time now;
    uint64_t op_id;
    /* coherence */
    dmasim_cache_coherence_stats cs;
    chunk_write *chunk_w; /* sets * ways * 64: the first write of each marked chunk */
    dmasim_stale_report *reports;
    size_t nreports, max_reports, reports_cap;
    /* Snoop filter: blocks found absent, valid while no line has been installed since (gen).
     * A DMA stream touches each line several times, and the source and destination alternate. */
    dmasim__snoop_filter f;
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
    dmasim__free(sim, c->meta, n * sizeof *c->meta);
    dmasim__free(sim, c->reports, c->reports_cap * sizeof *c->reports);
    dmasim__free(sim, c->chunk_w, n * 64 * sizeof *c->chunk_w);
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
    e |= dmasim__stat_u64(sim, p, "stale_reads", &c->cs.stale_reads, "",
                          "CPU reads that returned bytes another master had written since the fill");
    e |= dmasim__stat_u64(sim, p, "stale_device_reads", &c->cs.stale_device_reads, "",
                          "non-coherent reads by another master of memory the CPU held newer (dirty)");
    e |= dmasim__stat_u64(sim, p, "lost_dma_writes", &c->cs.lost_dma_writes, "",
                          "write-backs that overwrote bytes another master wrote since the fill");
    e |= dmasim__stat_u64(sim, p, "snoops", &c->cs.snoops, "", "coherent transactions of other masters snooped");
    e |= dmasim__stat_u64(sim, p, "snoop_hits", &c->cs.snoop_hits, "", "snoops that found the line");
    e |= dmasim__stat_u64(sim, p, "snoop_invalidations", &c->cs.snoop_invalidations, "",
                          "lines invalidated by a coherent write");
    e |= dmasim__stat_u64(sim, p, "snoop_updates", &c->cs.snoop_updates, "", "lines updated by a coherent write");
    e |= dmasim__stat_u64(sim, p, "snoop_dirty_supplies", &c->cs.snoop_dirty_supplies, "",
                          "dirty lines that supplied or merged data for a coherent transaction");
    e |= dmasim__stat_u64(sim, p, "maintenance_lines", &c->cs.maintenance_lines, "",
                          "lines visited by clean/invalidate/flush operations");
    e |= dmasim__stat_u64(sim, p, "maintenance_writebacks", &c->cs.maintenance_writebacks, "",
                          "dirty lines written back by clean/flush operations");
    e |= dmasim__stat_u64(sim, p, "discarded_dirty_lines", &c->cs.discarded_dirty_lines, "",
                          "dirty lines dropped by an invalidate (their stores are lost)");
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
    c->chunk_shift = c->line_shift > 6 ? c->line_shift - 6 : 0;
    c->f.gen = 1;
    c->f.line_shift = c->line_shift;
    c->max_reports = c->reports_cap = 16;
    c->name = dmasim__strdup(sim, name);
    c->w = dmasim__alloc(sim, (size_t)c->sets * c->ways * sizeof *c->w);
    c->meta = dmasim__alloc(sim, (size_t)c->sets * c->ways * sizeof *c->meta);
    c->reports = dmasim__alloc(sim, c->max_reports * sizeof *c->reports);
    if (!c->name || !c->w || !c->meta || !c->reports) {
        cache_destroy(c);
        return DMASIM_ENOMEM;
    }
    for (size_t i = 0; i < (size_t)c->sets * c->ways; i++) {
        c->w[i].slot = (uint32_t)i;
        c->meta[i].dirty_since = DMASIM_TIME_NEVER;
    }
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

/* Count one coherence problem and keep the first max_reports of them. */
static void report(dmasim_cache *c, dmasim_stale_kind kind, dmasim_addr addr, int master, uint32_t tag)
{
    uint64_t *count = kind == DMASIM_STALE_READ ? &c->cs.stale_reads
                      : kind == DMASIM_STALE_DEVICE_READ ? &c->cs.stale_device_reads
                                                         : &c->cs.lost_dma_writes;
    (*count)++;
    if (c->nreports < c->max_reports)
        c->reports[c->nreports++] = (dmasim_stale_report){kind, c->now, addr, master, tag, c->op_id};
}

static void report_lost_write(dmasim_cache *c, uint32_t slot, dmasim_addr line_addr);

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
    c->f.gen++; /* a line is installed: forget the snoop filter's absent blocks */
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
            op->slot = w->slot;
            op->writeback = victim.tag && victim.dirty;
            op->wb_addr = victim.tag ? (victim.tag - 1) << c->line_shift : 0;
            if (victim.tag)
                c->evictions++;
            slot_meta *m = &c->meta[w->slot];
            if (op->writeback && m->stale_mask)
                report_lost_write(c, victim.slot, op->wb_addr);
            m->fill_time = c->now;
            m->dirty_since = DMASIM_TIME_NEVER;
            m->stale_mask = 0;
            if (op->writeback) {
                c->st.writebacks++;
                if (c->data && wb_buf)
                    memcpy(wb_buf + (size_t)r->nops * c->line, c->data + (size_t)victim.slot * c->line, c->line);
            }
            c->st.line_fills++;
            r->nops++;
            any_miss = 1;
        }
        if (is_write) {
            w->dirty = 1;
            if (c->meta[w->slot].dirty_since == DMASIM_TIME_NEVER)
                c->meta[w->slot].dirty_since = c->now;
        }
        r->slot[k] = w->slot;
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

/* ---- coherence: what other masters' transactions do to the cached lines ---- */

/* The way holding block b, or NULL; no LRU change. */
static way *peek_block(dmasim_cache *c, uint64_t block)
{
    way *set = &c->w[(block & c->set_mask) * c->ways];
    for (uint32_t i = 0; i < c->ways; i++)
        if (set[i].tag == block + 1)
            return &set[i];
    return NULL;
}

/* Stale-mask chunks of [lo, hi) within the line starting at base. */
static uint64_t chunk_mask(const dmasim_cache *c, dmasim_addr base, dmasim_addr lo, dmasim_addr hi)
{
    unsigned first = (unsigned)((lo - base) >> c->chunk_shift);
    unsigned last = (unsigned)((hi - 1 - base) >> c->chunk_shift);
    uint64_t upto = last >= 63 ? ~0ull : (2ull << last) - 1;
    return upto & ~((1ull << first) - 1);
}

/* Invalidate way w: it moves to the LRU end of its set so it is refilled first. */
static void drop_way(dmasim_cache *c, way *w)
{
    way *set = &c->w[((size_t)(w - c->w) / c->ways) * c->ways];
    way old = *w;
    size_t i = (size_t)(w - set);
    memmove(&set[i], &set[i + 1], (c->ways - 1 - i) * sizeof *set);
    old.tag = 0;
    old.dirty = 0;
    set[c->ways - 1] = old;
    c->meta[old.slot].stale_mask = 0;
    c->meta[old.slot].dirty_since = DMASIM_TIME_NEVER;
}

dmasim__snoop_filter *dmasim__cache_filter(dmasim_cache *c) { return &c->f; }

/* Mark chunks of slot as written at time t by master/tag (the earliest write of each chunk is
 * kept). If the host is out of memory for the chunk records, that is reported as fatal and
 * nothing is marked. */
static void mark_chunks(dmasim_cache *c, uint32_t slot, uint64_t mask, dmasim_time t, int master, uint32_t tag)
{
    if (!c->chunk_w) {
        c->chunk_w = dmasim__alloc(c->sim, (size_t)c->sets * c->ways * 64 * sizeof *c->chunk_w);
        if (!c->chunk_w) {
            dmasim__fatal(c->sim, DMASIM_ENOMEM, "%s: out of memory for stale-data bookkeeping", c->name);
            return;
        }
    }
    slot_meta *m = &c->meta[slot];
    chunk_write *cw = &c->chunk_w[(size_t)slot * 64];
    for (unsigned k = 0; k < 64; k++)
        if ((mask >> k & 1) && (!(m->stale_mask >> k & 1) || t < cw[k].t))
            cw[k] = (chunk_write){t, master, tag};
    m->stale_mask |= mask;
}

/* Of the marked chunks of slot in mask first written at or before t, the one written first
 * (the lowest chunk among equal times); NULL if none. Names the writer in reports. */
static const chunk_write *first_write(const dmasim_cache *c, uint32_t slot, uint64_t mask, dmasim_time t)
{
    const chunk_write *cw = &c->chunk_w[(size_t)slot * 64], *first = NULL;
    mask &= c->meta[slot].stale_mask;
    for (unsigned k = 0; mask && k < 64; k++, mask >>= 1)
        if ((mask & 1) && cw[k].t <= t && (!first || cw[k].t < first->t))
            first = &cw[k];
    return first;
}

/* A write-back of slot, whose line another master wrote since its fill: the lost DMA write is
 * reported with the line's first such write. */
static void report_lost_write(dmasim_cache *c, uint32_t slot, dmasim_addr line_addr)
{
    const chunk_write *w = first_write(c, slot, ~(uint64_t)0, DMASIM_TIME_NEVER);
    report(c, DMASIM_LOST_DMA_WRITE, line_addr, w->master, w->tag);
}

void dmasim__cache_observe(dmasim_cache *c, const dmasim__snoop *sn)
{
    dmasim_time saved = c->now;
    c->now = sn->time;
    if (sn->coherent)
        c->cs.snoops++;
    dmasim_addr end = sn->addr + sn->len;
    for (uint64_t b = sn->addr >> c->line_shift; b <= (end - 1) >> c->line_shift; b++) {
        if ((b == c->f.absent_block[0] && c->f.absent_gen[0] == c->f.gen) ||
            (b == c->f.absent_block[1] && c->f.absent_gen[1] == c->f.gen))
            continue;
        way *w = peek_block(c, b);
        if (!w) {
            c->f.absent_block[1] = c->f.absent_block[0];
            c->f.absent_gen[1] = c->f.absent_gen[0];
            c->f.absent_block[0] = b;
            c->f.absent_gen[0] = c->f.gen;
            continue;
        }
        dmasim_addr base = b << c->line_shift;
        dmasim_addr lo = sn->addr > base ? sn->addr : base;
        dmasim_addr hi = end < base + c->line ? end : base + c->line;
        slot_meta *m = &c->meta[w->slot];
        uint8_t *line = c->data ? c->data + (size_t)w->slot * c->line : NULL;
        if (!sn->coherent) { /* memory and cache now disagree: remember it, or detect it */
            if (sn->is_write) {
                mark_chunks(c, w->slot, chunk_mask(c, base, lo, hi), sn->time, sn->master, sn->tag);
            } else if (w->dirty && m->dirty_since <= sn->time) {
                report(c, DMASIM_STALE_DEVICE_READ, lo, sn->master, sn->tag);
            }
            continue;
        }
        c->cs.snoop_hits++;
        if (!sn->is_write) { /* a coherent read gets the CPU's newer bytes */
            if (w->dirty && line && sn->data) {
                memcpy(sn->data + (lo - sn->addr), line + (lo - base), (size_t)(hi - lo));
                c->cs.snoop_dirty_supplies++;
            }
            continue;
        }
        if (sn->update) { /* write-update: the cached copy takes the new bytes */
            if (line && sn->data)
                memcpy(line + (lo - base), sn->data + (lo - sn->addr), (size_t)(hi - lo));
            c->cs.snoop_updates++;
            continue;
        }
        if (w->dirty && line) { /* write-invalidate of a dirty line: merge the CPU's other bytes */
            if (lo > base)
                dmasim_mem_write(c->sim, base, line, (size_t)(lo - base));
            if (hi < base + c->line)
                dmasim_mem_write(c->sim, hi, line + (hi - base), (size_t)(base + c->line - hi));
            c->cs.snoop_dirty_supplies++;
        }
        drop_way(c, w);
        c->cs.snoop_invalidations++;
    }
    c->now = saved;
}

int dmasim__cache_check_read(dmasim_cache *c, uint32_t slot, dmasim_time fill_time, dmasim_addr addr,
                             uint32_t size, dmasim_time t, uint64_t op_id)
{
    slot_meta *m = &c->meta[slot];
    if (!m->stale_mask || m->fill_time != fill_time)
        return 0;
    dmasim_addr base = addr & ~(dmasim_addr)(c->line - 1);
    dmasim_addr hi = addr + size < base + c->line ? addr + size : base + c->line;
    /* only chunks written at or before the read; the report names the first such write */
    const chunk_write *w = first_write(c, slot, chunk_mask(c, base, addr, hi), t);
    if (!w)
        return 0;
    dmasim_time saved_t = c->now;
    uint64_t saved_op = c->op_id;
    c->now = t;
    c->op_id = op_id;
    report(c, DMASIM_STALE_READ, addr, w->master, w->tag);
    c->now = saved_t;
    c->op_id = saved_op;
    return 1;
}

dmasim_time dmasim__cache_fill_time(const dmasim_cache *c, uint32_t slot)
{
    return c->meta[slot].fill_time;
}

int dmasim__cache_maintain(dmasim_cache *c, dmasim_addr addr, dmasim_cache_op op, uint8_t *wb_buf)
{
    way *w = peek_block(c, addr >> c->line_shift);
    c->cs.maintenance_lines++;
    if (!w)
        return 0;
    int writeback = 0;
    slot_meta *m = &c->meta[w->slot];
    if (w->dirty && op != DMASIM_CACHE_INVALIDATE) {
        if (m->stale_mask)
            report_lost_write(c, w->slot, addr & ~(dmasim_addr)(c->line - 1));
        if (c->data && wb_buf)
            memcpy(wb_buf, c->data + (size_t)w->slot * c->line, c->line);
        w->dirty = 0;
        m->dirty_since = DMASIM_TIME_NEVER;
        c->cs.maintenance_writebacks++;
        writeback = 1;
    }
    if (op == DMASIM_CACHE_CLEAN)
        return writeback;
    if (w->dirty)
        c->cs.discarded_dirty_lines++;
    drop_way(c, w);
    return writeback;
}

void dmasim__cache_fill_done(dmasim_cache *c, dmasim_addr line_addr, uint32_t slot, dmasim_time t)
{
    uint64_t block = line_addr >> c->line_shift;
    way *set = &c->w[(block & c->set_mask) * c->ways];
    for (uint32_t i = 0; i < c->ways; i++) {
        if (set[i].slot != slot)
            continue;
        if (set[i].tag != block + 1) { /* dropped by a snoop meanwhile: it is valid again */
            c->f.gen++;
            set[i].tag = block + 1;
            set[i].dirty = 0;
        }
        slot_meta *m = &c->meta[slot];
        m->fill_time = t;
        m->stale_mask = 0;
        if (!set[i].dirty)
            m->dirty_since = DMASIM_TIME_NEVER;
        return;
    }
}

void dmasim__cache_set_time(dmasim_cache *c, dmasim_time t, uint64_t op_id)
{
    c->now = t;
    c->op_id = op_id;
}

int dmasim_cache_set_max_reports(dmasim_cache *c, size_t n)
{
    size_t cap = n ? n : 1; /* keep a block allocated even when no report is kept */
    dmasim_stale_report *r = dmasim__realloc(c->sim, c->reports, c->reports_cap * sizeof *r, cap * sizeof *r);
    if (!r)
        return DMASIM_ENOMEM;
    c->reports = r;
    c->reports_cap = cap;
    c->max_reports = n;
    if (c->nreports > n)
        c->nreports = n;
    return 0;
}

int dmasim_cache_read_coherent(const dmasim_cache *c, dmasim_addr addr, void *buf, size_t len)
{
    dmasim_mem_read(c->sim, addr, buf, len);
    if (!c->data || !len)
        return 0;
    uint8_t *out = buf;
    for (uint64_t b = addr >> c->line_shift; b <= (addr + len - 1) >> c->line_shift; b++) {
        way *w = peek_block((dmasim_cache *)c, b);
        if (!w || !w->dirty)
            continue;
        dmasim_addr base = b << c->line_shift;
        dmasim_addr lo = addr > base ? addr : base;
        dmasim_addr hi = addr + len < base + c->line ? addr + len : base + c->line;
        memcpy(out + (lo - addr), c->data + (size_t)w->slot * c->line + (lo - base), (size_t)(hi - lo));
    }
    return 0;
}

size_t dmasim_cache_stale_report_count(const dmasim_cache *c) { return c->nreports; }

const dmasim_stale_report *dmasim_cache_stale_report_at(const dmasim_cache *c, size_t i)
{
    return i < c->nreports ? &c->reports[i] : NULL;
}

void dmasim_cache_get_coherence_stats(const dmasim_cache *c, dmasim_cache_coherence_stats *out) { *out = c->cs; }

/* IOMMU: IOVA -> physical translation through multi-level page tables in simulated memory, an
 * IOTLB (set-associative, true LRU with each set kept in most-recently-used order, as cache.c
 * does), a fault log with an error interrupt, and the stale-IOTLB (use-after-unmap) check.
 *
 * The IOMMU never touches the bus: the master asks for a translation, performs each PTE read of
 * a walk as its own bus transaction and hands the value back (walk_step), so a walk costs the
 * same cycles on both simulation paths. The software side (map/unmap) and the stale check read
 * and write simulated memory directly, in zero time. include/dmasim/iommu.h has the PTE format. */
#include <stdio.h>
#include "internal.h"
#include "dmasim/iommu.h"

#define TABLE_BYTES 4096u
#define SHIFT_4K 12u
#define SHIFT_2M 21u
#define PHYS_LIMIT (1ull << 52)
#define MAX_TLB_ENTRIES 65536u
#define MAX_RECORDS (1u << 20)

typedef struct tlb_entry {
    uint64_t vpn;         /* iova >> shift */
    dmasim_addr page;     /* physical address of the page */
    dmasim_addr leaf_pte; /* where its leaf PTE was (for fault reports) */
    uint32_t domain;
    uint8_t valid, shift, perms, level;
} tlb_entry;

typedef struct domain {
    uint32_t id;
    int has_root;
    dmasim_addr root;
} domain;

typedef struct binding {
    uint32_t device, domain;
} binding;

struct dmasim_iommu {
    dmasim_sim *sim;
    char *name;
    unsigned levels;
    uint64_t iova_limit; /* 2^(12 + 9 * levels) */
    dmasim_addr mem_base;
    uint64_t mem_size;
    dmasim_addr table_base;
    uint64_t table_size, table_used; /* bytes */
    int passthrough;
    uint32_t sets, ways;
    uint64_t set_mask;
    tlb_entry *tlb;  /* sets * ways, each set MRU first, invalid entries last; NULL: no IOTLB */
    uint32_t n2m;    /* valid 2 MiB entries (the 2 MiB probe is skipped while 0) */
    domain *doms;
    size_t ndoms, doms_cap;
    binding *binds;
    size_t nbinds, binds_cap;
    uint32_t max_records;
    dmasim_iommu_fault *faults;
    dmasim_iommu_stale_use *stale;
    dmasim_iommu_stats st;
    dmasim_signal *irq;
    dmasim_event irq_ev;  /* raises irq at a fault time later than now (master ahead of now) */
    dmasim_time irq_last; /* latest such fault time */
};

/* A translation as the page tables give it. */
typedef struct xlate {
    dmasim_addr page;
    dmasim_addr pte_addr; /* the leaf PTE */
    unsigned shift, perms, level;
} xlate;

const char *dmasim_iommu_fault_kind_name(dmasim_iommu_fault_kind kind)
{
    switch (kind) {
    case DMASIM_IOMMU_FAULT_NONE: return "none";
    case DMASIM_IOMMU_FAULT_NOT_PRESENT: return "not_present";
    case DMASIM_IOMMU_FAULT_PERMISSION: return "permission";
    case DMASIM_IOMMU_FAULT_WALK_ERROR: return "walk_error";
    case DMASIM_IOMMU_FAULT_CYCLE: return "cycle";
    case DMASIM_IOMMU_FAULT_NO_DOMAIN: return "no_domain";
    case DMASIM_IOMMU_FAULT_ADDRESS_SIZE: return "address_size";
    case DMASIM_IOMMU_FAULT_BAD_PTE: return "bad_pte";
    }
    return NULL;
}

void dmasim_iommu_config_init(dmasim_iommu_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "iommu0";
    cfg->levels = 4;
    cfg->iotlb_entries = 64;
    cfg->iotlb_ways = 4;
    cfg->mem_base = 0;
    cfg->mem_size = 1ull << 30;
    cfg->table_base = 0x3FF00000u;
    cfg->table_size = 1u << 20;
    cfg->max_records = 16;
    cfg->passthrough = 0;
}

/* ---- page-table format ---- */

static inline unsigned level_shift(unsigned level) { return SHIFT_4K + 9 * (level - 1); }

static inline dmasim_addr pte_addr(dmasim_addr table, unsigned level, dmasim_addr iova)
{
    return table + 8 * ((iova >> level_shift(level)) & 511);
}

/* May the walk read the 8 bytes at a? */
static inline int in_mem(const dmasim_iommu *m, dmasim_addr a)
{
    return a >= m->mem_base && a - m->mem_base <= m->mem_size - 8;
}

enum { STEP_NEXT = 0, STEP_LEAF = 1 };

/* Meaning of a PTE read at `level`: STEP_LEAF (*addr is the page, *shift its size), STEP_NEXT
 * (*addr is the next table) or -1 with *kind. *perms is ANDed with the PTE's R/W. */
static int pte_decode(unsigned level, uint64_t pte, unsigned *perms, dmasim_addr *addr, unsigned *shift,
                      dmasim_iommu_fault_kind *kind)
{
    if (!(pte & DMASIM_IOMMU_PTE_P)) {
        *kind = DMASIM_IOMMU_FAULT_NOT_PRESENT;
        return -1;
    }
    *perms &= (unsigned)(pte >> 1) & 3u;
    *addr = pte & DMASIM_IOMMU_PTE_ADDR;
    if (level == 1) {
        *shift = SHIFT_4K;
        return STEP_LEAF;
    }
    if (!(pte & DMASIM_IOMMU_PTE_LEAF))
        return STEP_NEXT;
    if (level != 2 || (*addr & (DMASIM_IOMMU_PAGE_2M - 1))) {
        *kind = DMASIM_IOMMU_FAULT_BAD_PTE;
        return -1;
    }
    *shift = SHIFT_2M;
    return STEP_LEAF;
}

static inline unsigned need_perm(int is_write) { return is_write ? DMASIM_IOMMU_WRITE : DMASIM_IOMMU_READ; }

static uint64_t pte_read(dmasim_iommu *m, dmasim_addr a)
{
    uint8_t b[8];
    dmasim_mem_read(m->sim, a, b, sizeof b);
    return dmasim_iommu_pte_load(b);
}

static int pte_write(dmasim_iommu *m, dmasim_addr a, uint64_t pte)
{
    uint8_t b[8];
    dmasim_iommu_pte_store(b, pte);
    return dmasim_mem_write(m->sim, a, b, sizeof b);
}

/* ---- domains and devices ---- */

static domain *find_domain(const dmasim_iommu *m, uint32_t id)
{
    for (size_t i = 0; i < m->ndoms; i++)
        if (m->doms[i].id == id)
            return &m->doms[i];
    return NULL;
}

static domain *get_domain(dmasim_iommu *m, uint32_t id)
{
    domain *d = find_domain(m, id);
    if (d)
        return d;
    if (dmasim__grow(m->sim, (void **)&m->doms, &m->doms_cap, m->ndoms + 1, sizeof *m->doms))
        return NULL;
    d = &m->doms[m->ndoms++];
    d->id = id;
    d->has_root = 0;
    d->root = 0;
    return d;
}

uint32_t dmasim_iommu_device_domain(const dmasim_iommu *m, uint32_t device)
{
    for (size_t i = 0; i < m->nbinds; i++)
        if (m->binds[i].device == device)
            return m->binds[i].domain;
    return DMASIM_IOMMU_NO_DOMAIN;
}

int dmasim_iommu_attach(dmasim_iommu *m, uint32_t device, uint32_t dom)
{
    size_t i = 0;
    while (i < m->nbinds && m->binds[i].device != device)
        i++;
    if (dom == DMASIM_IOMMU_NO_DOMAIN) {
        if (i < m->nbinds)
            m->binds[i] = m->binds[--m->nbinds];
        return 0;
    }
    if (!get_domain(m, dom))
        return DMASIM_ENOMEM;
    if (i == m->nbinds) {
        if (dmasim__grow(m->sim, (void **)&m->binds, &m->binds_cap, m->nbinds + 1, sizeof *m->binds))
            return DMASIM_ENOMEM;
        m->binds[m->nbinds++].device = device;
    }
    m->binds[i].domain = dom;
    return 0;
}

int dmasim_iommu_domain_set_root(dmasim_iommu *m, uint32_t dom, dmasim_addr root)
{
    if (dom == DMASIM_IOMMU_NO_DOMAIN || (root & (TABLE_BYTES - 1)))
        return dmasim__error(m->sim, DMASIM_EINVAL, "%s: domain root 0x%llx is not 4 KiB aligned (or no domain)",
                             m->name, (unsigned long long)root);
    domain *d = get_domain(m, dom);
    if (!d)
        return DMASIM_ENOMEM;
    d->has_root = 1;
    d->root = root;
    return 0;
}

int dmasim_iommu_domain_root(const dmasim_iommu *m, uint32_t dom, dmasim_addr *root)
{
    const domain *d = find_domain(m, dom);
    if (!d || !d->has_root)
        return DMASIM_ENOENT;
    *root = d->root;
    return 0;
}

/* ---- functional walk (zero time): the stale check, lookup(), map/unmap ---- */

/* Walk the tables in memory as the hardware would. Returns 0 and *x, or a fault kind. */
static dmasim_iommu_fault_kind soft_walk(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, xlate *x)
{
    const domain *d = find_domain(m, dom);
    if (iova >= m->iova_limit)
        return DMASIM_IOMMU_FAULT_ADDRESS_SIZE;
    if (!d || !d->has_root)
        return DMASIM_IOMMU_FAULT_NOT_PRESENT;
    dmasim_addr tables[4], table = d->root;
    unsigned n = 0, perms = DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE;
    for (unsigned level = m->levels;; level--) {
        for (unsigned i = 0; i < n; i++)
            if (tables[i] == table)
                return DMASIM_IOMMU_FAULT_CYCLE;
        tables[n++] = table;
        dmasim_addr a = pte_addr(table, level, iova);
        if (!in_mem(m, a))
            return DMASIM_IOMMU_FAULT_WALK_ERROR;
        dmasim_addr addr;
        unsigned shift = 0;
        dmasim_iommu_fault_kind kind = DMASIM_IOMMU_FAULT_NONE;
        int r = pte_decode(level, pte_read(m, a), &perms, &addr, &shift, &kind);
        if (r < 0)
            return kind;
        if (r == STEP_LEAF) {
            x->page = addr;
            x->pte_addr = a;
            x->shift = shift;
            x->perms = perms;
            x->level = level;
            return DMASIM_IOMMU_FAULT_NONE;
        }
        table = addr;
    }
}

int dmasim_iommu_lookup(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, dmasim_addr *phys, unsigned *perms,
                        uint64_t *page_size, dmasim_iommu_fault_kind *kind)
{
    xlate x;
    dmasim_iommu_fault_kind k = soft_walk(m, dom, iova, &x);
    if (kind)
        *kind = k;
    if (k != DMASIM_IOMMU_FAULT_NONE)
        return DMASIM_ENOENT;
    uint64_t size = 1ull << x.shift;
    if (phys)
        *phys = x.page + (iova & (size - 1));
    if (perms)
        *perms = x.perms;
    if (page_size)
        *page_size = size;
    return 0;
}

/* ---- IOTLB ---- */

static tlb_entry *tlb_probe(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, unsigned shift)
{
    uint64_t vpn = iova >> shift;
    tlb_entry *set = &m->tlb[(vpn & m->set_mask) * m->ways];
    for (uint32_t i = 0; i < m->ways; i++) {
        tlb_entry *e = &set[i];
        if (!e->valid)
            return NULL; /* invalid entries are last */
        if (e->vpn == vpn && e->shift == shift && e->domain == dom) {
            if (i) {
                tlb_entry hit = *e;
                memmove(&set[1], &set[0], i * sizeof *set);
                set[0] = hit;
            }
            return &set[0];
        }
    }
    return NULL;
}

/* 4 KiB entries are probed first, then 2 MiB ones; a hit becomes the MRU of its set. */
static tlb_entry *tlb_lookup(dmasim_iommu *m, uint32_t dom, dmasim_addr iova)
{
    if (!m->tlb)
        return NULL;
    tlb_entry *e = tlb_probe(m, dom, iova, SHIFT_4K);
    if (!e && m->n2m)
        e = tlb_probe(m, dom, iova, SHIFT_2M);
    return e;
}

/* Insert as MRU; the victim is an entry with the same tag, else the LRU way. */
static void tlb_fill(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, const xlate *x)
{
    if (!m->tlb)
        return;
    uint64_t vpn = iova >> x->shift;
    tlb_entry *set = &m->tlb[(vpn & m->set_mask) * m->ways];
    uint32_t i = 0;
    while (i < m->ways && set[i].valid && !(set[i].vpn == vpn && set[i].shift == x->shift && set[i].domain == dom))
        i++;
    if (i == m->ways) {
        i = m->ways - 1;
        m->st.iotlb_evictions++;
    }
    if (set[i].valid && set[i].shift == SHIFT_2M)
        m->n2m--;
    memmove(&set[1], &set[0], i * sizeof *set);
    set[0] = (tlb_entry){vpn, x->page, x->pte_addr, dom, 1, (uint8_t)x->shift, (uint8_t)x->perms,
                         (uint8_t)x->level};
    if (x->shift == SHIFT_2M)
        m->n2m++;
}

int dmasim_iommu_invalidate(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, uint64_t size)
{
    m->st.invalidations++;
    if (!m->tlb)
        return 0;
    dmasim_addr end = size > UINT64_MAX - iova ? UINT64_MAX : iova + size;
    for (uint32_t s = 0; s < m->sets; s++) {
        tlb_entry *set = &m->tlb[(size_t)s * m->ways];
        uint32_t i = 0;
        while (i < m->ways && set[i].valid) {
            tlb_entry *e = &set[i];
            dmasim_addr lo = e->vpn << e->shift, hi = lo + (1ull << e->shift);
            if (e->domain == dom && (size == 0 || (lo < end && iova < hi))) {
                if (e->shift == SHIFT_2M)
                    m->n2m--;
                memmove(&set[i], &set[i + 1], (m->ways - 1 - i) * sizeof *set);
                memset(&set[m->ways - 1], 0, sizeof *set);
            } else {
                i++;
            }
        }
    }
    return 0;
}

/* ---- faults, stale uses, the interrupt ---- */

static void irq_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    dmasim_iommu *m = ctx;
    dmasim_signal_set(m->irq, 1);
    /* A later fault was recorded too: raise again at its time (the line may be cleared between). */
    if (m->irq_last > dmasim_sim_now(sim))
        dmasim_event_schedule(sim, ev, m->irq_last, DMASIM_PRIO_SIGNAL);
}

static void irq_raise(dmasim_iommu *m, dmasim_time t)
{
    if (t <= dmasim_sim_now(m->sim)) {
        dmasim_signal_set(m->irq, 1);
        return;
    }
    if (t > m->irq_last)
        m->irq_last = t;
    if (!dmasim_event_pending(&m->irq_ev) || m->irq_ev.time > t)
        dmasim_event_schedule(m->sim, &m->irq_ev, t, DMASIM_PRIO_SIGNAL);
}

static int fault(dmasim_iommu *m, dmasim_iommu_walk *w, dmasim_iommu_fault_kind kind, unsigned level,
                 dmasim_addr pte, dmasim_time t)
{
    w->priv.walking = 0;
    dmasim_iommu_fault *f = &w->fault;
    f->kind = kind;
    f->device = w->priv.device;
    f->domain = w->priv.domain;
    f->iova = w->priv.iova;
    f->is_write = w->priv.is_write;
    f->level = level;
    f->pte_addr = pte;
    f->time = t;
    if (m->st.faults < m->max_records)
        m->faults[m->st.faults] = *f;
    m->st.faults++;
    irq_raise(m, t);
    return DMASIM_EFAULT;
}

/* A hit: does the entry still say what the page tables say? If not, count and record. */
static void check_stale(dmasim_iommu *m, const tlb_entry *e, const dmasim_iommu_walk *w, dmasim_time t)
{
    xlate x;
    if (soft_walk(m, e->domain, w->priv.iova, &x) == DMASIM_IOMMU_FAULT_NONE && x.page == e->page &&
        x.shift == e->shift && x.perms == e->perms)
        return;
    if (m->st.stale_iotlb_uses < m->max_records)
        m->stale[m->st.stale_iotlb_uses] = (dmasim_iommu_stale_use){t, w->priv.device, e->domain, w->priv.iova,
                                                                    w->priv.is_write, w->phys};
    m->st.stale_iotlb_uses++;
}

/* ---- the hardware walk (driven by the master) ---- */

static int next_read(dmasim_iommu *m, dmasim_iommu_walk *w, dmasim_addr table, unsigned level, dmasim_time t)
{
    dmasim_addr a = pte_addr(table, level, w->priv.iova);
    if (!in_mem(m, a))
        return fault(m, w, DMASIM_IOMMU_FAULT_WALK_ERROR, level, a, t);
    w->pte_addr = a;
    w->level = level;
    return DMASIM_IOMMU_WALK;
}

static inline dmasim_time at_least_now(const dmasim_iommu *m, dmasim_time t)
{
    dmasim_time now = dmasim_sim_now(m->sim);
    return t < now ? now : t;
}

int dmasim_iommu_translate_at(dmasim_iommu *m, uint32_t device, dmasim_addr iova, int is_write, dmasim_time t,
                              dmasim_iommu_walk *w)
{
    t = at_least_now(m, t);
    memset(w, 0, sizeof *w);
    uint32_t dom = dmasim_iommu_device_domain(m, device);
    w->priv.device = device;
    w->priv.domain = dom;
    w->priv.iova = iova;
    w->priv.is_write = is_write != 0;
    if (dom == DMASIM_IOMMU_NO_DOMAIN) {
        if (!m->passthrough)
            return fault(m, w, DMASIM_IOMMU_FAULT_NO_DOMAIN, 0, 0, t);
        m->st.passthrough++;
        w->phys = iova;
        return DMASIM_IOMMU_HIT;
    }
    if (iova >= m->iova_limit)
        return fault(m, w, DMASIM_IOMMU_FAULT_ADDRESS_SIZE, 0, 0, t);
    tlb_entry *e = tlb_lookup(m, dom, iova);
    if (e) {
        m->st.iotlb_hits++;
        if (!(e->perms & need_perm(is_write)))
            return fault(m, w, DMASIM_IOMMU_FAULT_PERMISSION, e->level, e->leaf_pte, t);
        w->page_size = 1ull << e->shift;
        w->phys = e->page + (iova & (w->page_size - 1));
        check_stale(m, e, w, t);
        return DMASIM_IOMMU_HIT;
    }
    m->st.iotlb_misses++;
    const domain *d = find_domain(m, dom);
    if (!d || !d->has_root)
        return fault(m, w, DMASIM_IOMMU_FAULT_NOT_PRESENT, 0, 0, t);
    m->st.walks++;
    w->priv.walking = 1;
    w->priv.perms = DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE;
    w->priv.ntables = 1;
    w->priv.tables[0] = d->root;
    return next_read(m, w, d->root, m->levels, t);
}

int dmasim_iommu_walk_step_at(dmasim_iommu *m, dmasim_iommu_walk *w, uint64_t pte, dmasim_time t)
{
    if (!w->priv.walking)
        return dmasim__error(m->sim, DMASIM_ESTATE, "%s: walk_step on a translation that is not walking", m->name);
    t = at_least_now(m, t);
    m->st.walk_reads++;
    w->reads++;
    unsigned level = w->level;
    dmasim_addr addr;
    unsigned shift = 0;
    dmasim_iommu_fault_kind kind = DMASIM_IOMMU_FAULT_NONE;
    int r = pte_decode(level, pte, &w->priv.perms, &addr, &shift, &kind);
    if (r < 0)
        return fault(m, w, kind, level, w->pte_addr, t);
    if (r == STEP_LEAF) {
        if (!(w->priv.perms & need_perm(w->priv.is_write)))
            return fault(m, w, DMASIM_IOMMU_FAULT_PERMISSION, level, w->pte_addr, t);
        xlate x = {addr, w->pte_addr, shift, w->priv.perms, level};
        tlb_fill(m, w->priv.domain, w->priv.iova, &x);
        w->priv.walking = 0;
        w->page_size = 1ull << shift;
        w->phys = addr + (w->priv.iova & (w->page_size - 1));
        return DMASIM_IOMMU_HIT;
    }
    for (unsigned i = 0; i < w->priv.ntables; i++)
        if (w->priv.tables[i] == addr)
            return fault(m, w, DMASIM_IOMMU_FAULT_CYCLE, level - 1, pte_addr(addr, level - 1, w->priv.iova), t);
    w->priv.tables[w->priv.ntables++] = addr; /* at most `levels` (<= 4) tables: one per level */
    return next_read(m, w, addr, level - 1, t);
}

int dmasim_iommu_walk_abort_at(dmasim_iommu *m, dmasim_iommu_walk *w, dmasim_time t)
{
    if (!w->priv.walking)
        return dmasim__error(m->sim, DMASIM_ESTATE, "%s: walk_abort on a translation that is not walking", m->name);
    m->st.walk_reads++;
    w->reads++;
    return fault(m, w, DMASIM_IOMMU_FAULT_WALK_ERROR, w->level, w->pte_addr, at_least_now(m, t));
}

int dmasim_iommu_translate(dmasim_iommu *m, uint32_t device, dmasim_addr iova, int is_write, dmasim_iommu_walk *w)
{
    return dmasim_iommu_translate_at(m, device, iova, is_write, dmasim_sim_now(m->sim), w);
}

int dmasim_iommu_walk_step(dmasim_iommu *m, dmasim_iommu_walk *w, uint64_t pte)
{
    return dmasim_iommu_walk_step_at(m, w, pte, dmasim_sim_now(m->sim));
}

int dmasim_iommu_walk_abort(dmasim_iommu *m, dmasim_iommu_walk *w)
{
    return dmasim_iommu_walk_abort_at(m, w, dmasim_sim_now(m->sim));
}

/* ---- software side: map and unmap ---- */

static const char *page_name(unsigned shift)
{
    switch (shift) {
    case SHIFT_4K: return "4 KiB";
    case SHIFT_2M: return "2 MiB";
    case 30: return "1 GiB";
    default: return "512 GiB";
    }
}

static int overlap_error(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, uint64_t size, dmasim_addr page,
                         unsigned shift, uint64_t pte)
{
    return dmasim__error(m->sim, DMASIM_EOVERLAP,
                         "%s: domain %u: map of [0x%llx, 0x%llx) overlaps the %s page at IOVA 0x%llx (phys 0x%llx)",
                         m->name, dom, (unsigned long long)iova, (unsigned long long)(iova + size), page_name(shift),
                         (unsigned long long)page, (unsigned long long)(pte & DMASIM_IOMMU_PTE_ADDR));
}

/* A 2 MiB map may replace a level-1 table only if none of its PTEs is present. */
static int l1_table_in_use(dmasim_iommu *m, dmasim_addr table, dmasim_addr va, dmasim_addr *page, uint64_t *pte)
{
    for (unsigned i = 0; i < 512; i++) {
        *pte = pte_read(m, table + 8 * i);
        if (*pte & DMASIM_IOMMU_PTE_P) {
            *page = (va & ~(DMASIM_IOMMU_PAGE_2M - 1)) + ((dmasim_addr)i << SHIFT_4K);
            return 1;
        }
    }
    return 0;
}

/* Check pass of map: refuse overlaps, count the tables the map will create (a new table at
 * level k covers 2^(12 + 9k) bytes of IOVA; pages come in order, so equal prefixes are adjacent). */
static int map_plan(dmasim_iommu *m, const domain *d, uint32_t dom, dmasim_addr iova, uint64_t size,
                    unsigned leaf_level, uint64_t *new_tables)
{
    uint64_t page = 1ull << level_shift(leaf_level), count = 0, last[5] = {0};
    int have[5] = {0};
    for (uint64_t off = 0; off < size; off += page) {
        dmasim_addr va = iova + off, table = d ? d->root : 0;
        unsigned missing = m->levels; /* tables at levels missing .. leaf_level do not exist yet */
        if (d && d->has_root) {
            missing = 0;
            for (unsigned l = m->levels; l > leaf_level; l--) {
                uint64_t pte = pte_read(m, pte_addr(table, l, va));
                if (!(pte & DMASIM_IOMMU_PTE_P)) {
                    missing = l - 1;
                    break;
                }
                if (pte & DMASIM_IOMMU_PTE_LEAF)
                    return overlap_error(m, dom, iova, size, va & ~((1ull << level_shift(l)) - 1), level_shift(l),
                                         pte);
                table = pte & DMASIM_IOMMU_PTE_ADDR;
            }
        }
        if (!missing) {
            uint64_t pte = pte_read(m, pte_addr(table, leaf_level, va));
            dmasim_addr used;
            if ((pte & DMASIM_IOMMU_PTE_P) && (leaf_level == 1 || (pte & DMASIM_IOMMU_PTE_LEAF)))
                return overlap_error(m, dom, iova, size, va, level_shift(leaf_level), pte);
            if ((pte & DMASIM_IOMMU_PTE_P) && l1_table_in_use(m, pte & DMASIM_IOMMU_PTE_ADDR, va, &used, &pte))
                return overlap_error(m, dom, iova, size, used, SHIFT_4K, pte);
        }
        for (unsigned k = missing; k >= leaf_level && k > 0; k--) {
            uint64_t prefix = va >> level_shift(k + 1);
            if (!have[k] || last[k] != prefix) {
                have[k] = 1;
                last[k] = prefix;
                count++;
            }
        }
    }
    *new_tables = count;
    return 0;
}

/* Take a zeroed table page from the region (map_plan has checked there is room). */
static int alloc_table(dmasim_iommu *m, dmasim_addr *out)
{
    *out = m->table_base + m->table_used;
    m->table_used += TABLE_BYTES;
    return dmasim_mem_fill(m->sim, *out, 0, TABLE_BYTES);
}

static int map_build(dmasim_iommu *m, domain *d, dmasim_addr iova, dmasim_addr phys, uint64_t size,
                     unsigned perms, unsigned leaf_level)
{
    uint64_t page = 1ull << level_shift(leaf_level);
    int err;
    if (!d->has_root) {
        if ((err = alloc_table(m, &d->root)) != 0)
            return err;
        d->has_root = 1;
    }
    for (uint64_t off = 0; off < size; off += page) {
        dmasim_addr va = iova + off, table = d->root;
        for (unsigned l = m->levels; l > leaf_level; l--) {
            dmasim_addr a = pte_addr(table, l, va);
            uint64_t pte = pte_read(m, a);
            if (!(pte & DMASIM_IOMMU_PTE_P)) {
                dmasim_addr t;
                if ((err = alloc_table(m, &t)) != 0)
                    return err;
                pte = t | DMASIM_IOMMU_PTE_P | DMASIM_IOMMU_PTE_R | DMASIM_IOMMU_PTE_W;
                if ((err = pte_write(m, a, pte)) != 0)
                    return err;
            }
            table = pte & DMASIM_IOMMU_PTE_ADDR;
        }
        uint64_t leaf = (phys + off) | DMASIM_IOMMU_PTE_P | ((uint64_t)perms << 1) |
                        (leaf_level == 2 ? DMASIM_IOMMU_PTE_LEAF : 0);
        if ((err = pte_write(m, pte_addr(table, leaf_level, va), leaf)) != 0)
            return err;
    }
    return 0;
}

int dmasim_iommu_map(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, dmasim_addr phys, uint64_t size,
                     unsigned perms, uint64_t page_size)
{
    dmasim_sim *sim = m->sim;
    if (page_size != DMASIM_IOMMU_PAGE_4K && page_size != DMASIM_IOMMU_PAGE_2M)
        return dmasim__error(sim, DMASIM_EINVAL, "%s: page size %llu is not 4 KiB or 2 MiB", m->name,
                             (unsigned long long)page_size);
    if (dom == DMASIM_IOMMU_NO_DOMAIN || (perms & ~3u))
        return dmasim__error(sim, DMASIM_EINVAL, "%s: map: bad domain or perms 0x%x", m->name, perms);
    if (size == 0 || ((iova | phys | size) & (page_size - 1)))
        return dmasim__error(sim, DMASIM_EINVAL,
                             "%s: map of IOVA 0x%llx -> phys 0x%llx, size 0x%llx: not multiples of the %s page size",
                             m->name, (unsigned long long)iova, (unsigned long long)phys, (unsigned long long)size,
                             page_name(page_size == DMASIM_IOMMU_PAGE_2M ? SHIFT_2M : SHIFT_4K));
    if (iova >= m->iova_limit || size > m->iova_limit - iova || phys >= PHYS_LIMIT || size > PHYS_LIMIT - phys)
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: map of IOVA 0x%llx -> phys 0x%llx, size 0x%llx: beyond the %u-bit IOVA or 52-bit "
                             "physical space",
                             m->name, (unsigned long long)iova, (unsigned long long)phys, (unsigned long long)size,
                             level_shift(m->levels + 1));
    unsigned leaf_level = page_size == DMASIM_IOMMU_PAGE_2M ? 2 : 1;
    uint64_t need = 0;
    int err = map_plan(m, find_domain(m, dom), dom, iova, size, leaf_level, &need);
    if (err)
        return err;
    uint64_t left = (m->table_size - m->table_used) / TABLE_BYTES;
    if (need > left)
        return dmasim__error(sim, DMASIM_ENOMEM,
                             "%s: domain %u: map needs %llu new page tables, the table region has %llu left (of %llu)",
                             m->name, dom, (unsigned long long)need, (unsigned long long)left,
                             (unsigned long long)(m->table_size / TABLE_BYTES));
    domain *d = get_domain(m, dom);
    if (!d)
        return DMASIM_ENOMEM;
    return map_build(m, d, iova, phys, size, perms, leaf_level);
}

/* Go through the leaves of [iova, end): check (apply == 0) that no 2 MiB page is cut, or clear
 * them (apply != 0). Unmapped spans are skipped a whole table entry at a time. */
static int unmap_pass(dmasim_iommu *m, const domain *d, dmasim_addr iova, dmasim_addr end, int apply)
{
    dmasim_addr va = iova;
    while (va < end) {
        dmasim_addr table = d->root;
        for (unsigned l = m->levels;; l--) {
            dmasim_addr a = pte_addr(table, l, va);
            uint64_t pte = pte_read(m, a);
            uint64_t span = 1ull << level_shift(l);
            dmasim_addr base = va & ~(span - 1);
            if ((pte & DMASIM_IOMMU_PTE_P) && (l == 1 || (pte & DMASIM_IOMMU_PTE_LEAF))) {
                if (!apply && (base < iova || base + span > end))
                    return dmasim__error(m->sim, DMASIM_EINVAL,
                                         "%s: unmap of [0x%llx, 0x%llx) covers only part of the %s page at IOVA 0x%llx",
                                         m->name, (unsigned long long)iova, (unsigned long long)end,
                                         l == 2 ? "2 MiB" : "large", (unsigned long long)base);
                if (apply) {
                    int err = pte_write(m, a, 0);
                    if (err)
                        return err;
                }
            }
            if (!(pte & DMASIM_IOMMU_PTE_P) || l == 1 || (pte & DMASIM_IOMMU_PTE_LEAF)) {
                va = base + span;
                break;
            }
            table = pte & DMASIM_IOMMU_PTE_ADDR;
        }
    }
    return 0;
}

int dmasim_iommu_unmap(dmasim_iommu *m, uint32_t dom, dmasim_addr iova, uint64_t size)
{
    if (size == 0 || ((iova | size) & (DMASIM_IOMMU_PAGE_4K - 1)))
        return dmasim__error(m->sim, DMASIM_EINVAL, "%s: unmap of IOVA 0x%llx, size 0x%llx: not 4 KiB multiples",
                             m->name, (unsigned long long)iova, (unsigned long long)size);
    if (iova >= m->iova_limit || size > m->iova_limit - iova)
        return dmasim__error(m->sim, DMASIM_ERANGE, "%s: unmap of IOVA 0x%llx, size 0x%llx: beyond the IOVA space",
                             m->name, (unsigned long long)iova, (unsigned long long)size);
    const domain *d = find_domain(m, dom);
    if (!d || !d->has_root)
        return 0;
    int err = unmap_pass(m, d, iova, iova + size, 0);
    return err ? err : unmap_pass(m, d, iova, iova + size, 1);
}

/* ---- life cycle, statistics, queries ---- */

static void iommu_destroy(void *self)
{
    dmasim_iommu *m = self;
    dmasim_sim *sim = m->sim;
    dmasim__free(sim, m->tlb, (size_t)m->sets * m->ways * sizeof *m->tlb);
    dmasim__free(sim, m->faults, m->max_records * sizeof *m->faults);
    dmasim__free(sim, m->stale, m->max_records * sizeof *m->stale);
    dmasim__free(sim, m->doms, m->doms_cap * sizeof *m->doms);
    dmasim__free(sim, m->binds, m->binds_cap * sizeof *m->binds);
    dmasim__strfree(sim, m->name);
    dmasim__free(sim, m, sizeof *m);
}

static const dmasim__component_ops iommu_component = {iommu_destroy, NULL};

static int check_config(dmasim_sim *sim, const char *name, const dmasim_iommu_config *c)
{
    if (c->levels != 3 && c->levels != 4)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: levels %u is not 3 or 4", name, c->levels);
    if (c->iotlb_entries > MAX_TLB_ENTRIES)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: iotlb_entries %u out of range 0..%u", name, c->iotlb_entries,
                             MAX_TLB_ENTRIES);
    if (c->iotlb_entries &&
        (c->iotlb_ways < 1 || c->iotlb_ways > c->iotlb_entries || c->iotlb_entries % c->iotlb_ways ||
         !dmasim__is_pow2(c->iotlb_entries / c->iotlb_ways)))
        return dmasim__error(sim, DMASIM_EINVAL,
                             "%s: iotlb_ways %u: must divide iotlb_entries %u into a power-of-two number of sets",
                             name, c->iotlb_ways, c->iotlb_entries);
    if (c->mem_size < TABLE_BYTES || c->mem_base > UINT64_MAX - (c->mem_size - 1))
        return dmasim__error(sim, DMASIM_ERANGE, "%s: memory range base 0x%llx size 0x%llx: size < 4096 or wraps",
                             name, (unsigned long long)c->mem_base, (unsigned long long)c->mem_size);
    if ((c->table_base | c->table_size) & (TABLE_BYTES - 1))
        return dmasim__error(sim, DMASIM_EINVAL, "%s: table region base 0x%llx size 0x%llx: not 4 KiB multiples", name,
                             (unsigned long long)c->table_base, (unsigned long long)c->table_size);
    if (c->table_size && (c->table_base < c->mem_base || c->table_size > c->mem_size ||
                          c->table_base - c->mem_base > c->mem_size - c->table_size || c->table_base >= PHYS_LIMIT))
        return dmasim__error(sim, DMASIM_ERANGE,
                             "%s: table region [0x%llx, +0x%llx) is not inside the memory range [0x%llx, +0x%llx)",
                             name, (unsigned long long)c->table_base, (unsigned long long)c->table_size,
                             (unsigned long long)c->mem_base, (unsigned long long)c->mem_size);
    if (c->max_records > MAX_RECORDS)
        return dmasim__error(sim, DMASIM_ERANGE, "%s: max_records %u out of range 0..%u", name, c->max_records,
                             MAX_RECORDS);
    return 0;
}

static int iommu_register(dmasim_iommu *m)
{
    static const struct {
        const char *name, *desc;
        size_t off;
    } stats[] = {
        {"iotlb_hits", "translations answered by the IOTLB", offsetof(dmasim_iommu_stats, iotlb_hits)},
        {"iotlb_misses", "translations that needed a page-table walk", offsetof(dmasim_iommu_stats, iotlb_misses)},
        {"iotlb_evictions", "valid IOTLB entries replaced (LRU)", offsetof(dmasim_iommu_stats, iotlb_evictions)},
        {"walks", "page-table walks started", offsetof(dmasim_iommu_stats, walks)},
        {"walk_reads", "8-byte PTE reads done by masters for walks", offsetof(dmasim_iommu_stats, walk_reads)},
        {"faults", "translation faults (every kind)", offsetof(dmasim_iommu_stats, faults)},
        {"stale_iotlb_uses", "IOTLB hits that no longer matched the page tables (use after unmap)",
         offsetof(dmasim_iommu_stats, stale_iotlb_uses)},
        {"invalidations", "IOTLB invalidation commands", offsetof(dmasim_iommu_stats, invalidations)},
        {"passthrough", "accesses of unattached devices passed through untranslated",
         offsetof(dmasim_iommu_stats, passthrough)},
    };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        const uint64_t *v = (const uint64_t *)((const char *)&m->st + stats[i].off);
        int e = dmasim__stat_u64(m->sim, m->name, stats[i].name, v, "", stats[i].desc);
        if (e)
            return e;
    }
    char buf[300];
    snprintf(buf, sizeof buf, "%s.irq", m->name);
    return dmasim_signal_create(m->sim, buf, 1, 0, &m->irq);
}

int dmasim_iommu_create(dmasim_sim *sim, const dmasim_iommu_config *cfg, dmasim_iommu **out)
{
    dmasim_iommu_config def;
    if (!cfg) {
        dmasim_iommu_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "iommu0";
    int err = check_config(sim, name, cfg);
    if (err)
        return err;
    dmasim_iommu *m = dmasim__alloc(sim, sizeof *m);
    if (!m)
        return DMASIM_ENOMEM;
    m->sim = sim;
    m->levels = cfg->levels;
    m->iova_limit = 1ull << level_shift(cfg->levels + 1);
    m->mem_base = cfg->mem_base;
    m->mem_size = cfg->mem_size;
    m->table_base = cfg->table_base;
    m->table_size = cfg->table_size;
    m->passthrough = cfg->passthrough != 0;
    m->max_records = cfg->max_records;
    m->ways = cfg->iotlb_entries ? cfg->iotlb_ways : 0;
    m->sets = cfg->iotlb_entries ? cfg->iotlb_entries / cfg->iotlb_ways : 0;
    m->set_mask = m->sets ? m->sets - 1 : 0;
    dmasim_event_init(&m->irq_ev, irq_event, m);
    m->name = dmasim__strdup(sim, name);
    if (m->sets)
        m->tlb = dmasim__alloc(sim, (size_t)m->sets * m->ways * sizeof *m->tlb);
    if (m->max_records) {
        m->faults = dmasim__alloc(sim, m->max_records * sizeof *m->faults);
        m->stale = dmasim__alloc(sim, m->max_records * sizeof *m->stale);
    }
    if (!m->name || (m->sets && !m->tlb) || (m->max_records && (!m->faults || !m->stale))) {
        iommu_destroy(m);
        return DMASIM_ENOMEM;
    }
    if (dmasim__component_add(sim, m, &iommu_component)) {
        iommu_destroy(m);
        return DMASIM_ENOMEM;
    }
    /* From here the sim owns m: a failure leaves it to dmasim_sim_destroy(). */
    if ((err = iommu_register(m)) != 0)
        return err;
    *out = m;
    return 0;
}

const char *dmasim_iommu_name(const dmasim_iommu *m) { return m->name; }
dmasim_signal *dmasim_iommu_irq(const dmasim_iommu *m) { return m->irq; }
void dmasim_iommu_fault_clear(dmasim_iommu *m) { dmasim_signal_set(m->irq, 0); }
uint64_t dmasim_iommu_fault_count(const dmasim_iommu *m) { return m->st.faults; }
uint64_t dmasim_iommu_stale_count(const dmasim_iommu *m) { return m->st.stale_iotlb_uses; }
uint64_t dmasim_iommu_tables_used(const dmasim_iommu *m) { return m->table_used / TABLE_BYTES; }
void dmasim_iommu_get_stats(const dmasim_iommu *m, dmasim_iommu_stats *out) { *out = m->st; }

const dmasim_iommu_fault *dmasim_iommu_fault_at(const dmasim_iommu *m, size_t i)
{
    return i < m->st.faults && i < m->max_records ? &m->faults[i] : NULL;
}

const dmasim_iommu_stale_use *dmasim_iommu_stale_at(const dmasim_iommu *m, size_t i)
{
    return i < m->st.stale_iotlb_uses && i < m->max_records ? &m->stale[i] : NULL;
}

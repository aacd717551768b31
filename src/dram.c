/* The DRAM model: a memory controller (request queue per channel, FR-FCFS/FCFS, refresh) in
 * front of JEDEC-timed devices, as a bus slave or standalone. Rules: include/dmasim/dram.h and
 * docs/dram.md.
 *
 * Event driven: for every bank with queued requests the controller knows the next command it
 * wants (ACT, PRE or a column command) and the cycle that command becomes legal, from per-bank,
 * per-rank, per-bank-group and per-channel timestamps. The next command issued on a channel is
 * the earliest of those (ties: refresh, then row hits under FR-FCFS, then the oldest request).
 * From the cycle a rank's refresh is due, that rank issues only PREA and REF. */
#include <stdio.h>
#include "internal.h"

#define NEVER UINT64_MAX

/* ---- address mapping fields ---- */
enum { F_CH, F_RA, F_BG, F_BA, F_RO, F_CO, NFIELDS };
static const char *const field_long[NFIELDS] = {"channel", "rank", "bankgroup", "bank", "row", "column"};
static const char *const field_short[NFIELDS] = {"ch", "ra", "bg", "ba", "ro", "co"};

/* The next command a bank wants. */
enum { K_NONE, K_ACT, K_PRE, K_COL, K_PREA, K_REF };

typedef struct req {            /* 64 bytes */
    uint64_t id, arrival, queued, ready, seq;
    dmasim_addr addr;
    uint32_t row, col;
    int32_t next;               /* next request of the same bank (slot index), -1 */
    uint16_t bank;              /* flat index within the channel (< 4096) */
    uint8_t is_write;
} req;

typedef struct bank {
    uint64_t next_act, next_pre, next_col, act_time, cand_local, cand_key;
    uint32_t row, cols_since_act, count, hits, cand_sidx;
    int32_t lprev, lnext;       /* neighbours in the channel's active list (while count > 0) */
    int32_t head, tail, cand_slot;
    uint32_t rank, bg, ba, rgi;  /* rgi = rank * bankgroups + bg */
    uint8_t open, cand;
    uint8_t closed_by_conflict; /* closed by a PRE issued for a request to another row */
    uint8_t act_conflict;       /* the open row was activated after such a PRE */
    uint8_t pad[20];            /* 128 bytes: indexing the bank array is a shift */
} bank;

typedef struct rankst {
    uint64_t act_s, col_s, wtr_s, rtw, ref_due;
    uint64_t faw[4];            /* cycle from which each of the last four ACTs allows a fifth */
    uint32_t faw_i;
} rankst;

typedef struct bgst {
    uint64_t act_l, col_l, wtr_l;
} bgst;

typedef struct chanst {
    uint64_t next_cmd, data_end, seq, slot_free;
    uint64_t ref_min;           /* earliest ref_due of its ranks */
    uint32_t data_rank;
} chanst;

/* Bus path: the burst being streamed by consecutive beats. */
typedef struct stream {
    int valid, is_write;
    dmasim_addr next_addr;      /* the next beat's (aligned) address if it continues */
    dmasim_time next_t;         /* and its start time */
    uint64_t arrival;           /* DRAM cycle the burst began */
    uint64_t block;             /* last DRAM burst fetched (relative address >> burst_shift) */
    dmasim_time ready_ps;       /* when that burst's read data is back */
} stream;

/* The controller's state. The timestamps and bank states (ch, rk, bg, bk) share one block that
 * the bus path saves and restores around a prediction, together with st and next_id. */
typedef struct state {
    stream st;
    uint64_t next_id;
    chanst *ch;
    rankst *rk;
    bgst *bg;
    bank *bk;
    uint64_t *sh;               /* shared bounds, S_KINDS * ranks * bankgroups per channel */
} state;

typedef struct pend {
    uint64_t id, arrival;
    dmasim_addr addr;
    uint8_t is_write;
} pend;

/* A completed request waiting for its callback. Per channel, reads complete in the order
 * their RDs issued and writes in the order of their WRs, so two FIFOs per channel replace a
 * heap: the next completion is the earliest head. */
typedef struct fin {
    uint64_t id, arrival, queued, done;
    dmasim_addr addr;
    uint32_t row, col;          /* decoded coordinates, so delivery need not decode again */
    uint16_t bank;              /* flat index within the channel */
    uint8_t is_write, outcome;
} fin;

typedef struct finq {
    fin *v;
    size_t head, n, cap;        /* ring, cap a power of two */
} finq;

/* Queue structures of a channel (not saved: empty between bus requests). */
typedef struct chanq {
    req *slot;
    int32_t *free_slots;
    uint32_t nfree, nq;
    int32_t ahead, atail;       /* active list: the banks with queued requests, linked through
                                 * bank.lprev/lnext in increasing cand_local (-1: none) */
    pend *pq;                   /* requests waiting for a queue slot (ring) */
    size_t pq_head, pq_n, pq_cap;
    int pick_valid;
    int pick_kind;
    int32_t pick_bank;
    uint32_t pick_rank;
    uint64_t pick_t, pick_key;
    finq fq[2];                 /* completions: reads, writes */
    /* this channel's part of the state block */
    chanst *ch;
    rankst *rk;
    bgst *bg;
    bank *bk;
    uint64_t *sh;
    char pad[56];               /* 256 bytes on LP64: indexing the channels is a shift */
} chanq;

typedef struct stats {
    uint64_t reads, writes, row_hits, row_misses, row_conflicts, activates, precharges, refreshes;
    uint64_t read_lat_sum, read_lat_max, write_lat_sum, bytes, cycles, last_done, refreshes_report;
    double read_lat_avg, write_lat_avg, bw, peak, bw_pct;
    uint64_t *hist;
} stats;

struct dmasim_dram {
    dmasim_sim *sim;
    dmasim_bus *bus;            /* NULL: standalone */
    dmasim_dram_config cfg;     /* strings point at the copies below */
    char *name, *mapping, *source;
    /* derived */
    uint64_t cl, cwl, trcd, trp, trpab, tras, trc, twr, twtr_s, twtr_l, trtp, tccd_s, tccd_l;
    uint64_t trrd_s, trrd_l, tfaw, trfc, trefi, trtrs, bl2, delay, rtw_gap;
    uint64_t tck, capacity, size;
    unsigned burst_shift, fshift[NFIELDS];
    int hist_shift;             /* log2(hist_bin_cycles) if a power of two, else -1 */
    uint64_t fmask[NFIELDS];
    uint32_t nch, nrk, nbg, nbpg, banks_per_rank, banks_per_ch, depth, nrgs;
    int frfcfs, closed, refresh;
    dmasim_time bus_period;
    /* state */
    state s;
    void *block, *backup;
    size_t block_size;
    chanq *q;
    uint64_t now, outstanding;
    int recording;
    /* callbacks */
    dmasim_dram_done_fn done_fn;
    void *done_ud;
    dmasim_dram_cmd_fn cmd_fn;
    void *cmd_ud;
    stats st;
};

static inline uint64_t max2(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* ---- configuration ---- */

uint64_t dmasim_dram_capacity(const dmasim_dram_config *c)
{
    return (uint64_t)c->channels * c->ranks * c->bankgroups * c->banks_per_group * c->rows * c->columns *
           (c->bus_width / 8);
}

static int field_index(const char *tok, size_t len)
{
    for (int f = 0; f < NFIELDS; f++) {
        if ((strlen(field_long[f]) == len && strncmp(tok, field_long[f], len) == 0) ||
            (len == 2 && strncmp(tok, field_short[f], 2) == 0))
            return f;
    }
    return -1;
}

static uint32_t field_count(const dmasim_dram_config *c, int f)
{
    switch (f) {
    case F_CH: return c->channels;
    case F_RA: return c->ranks;
    case F_BG: return c->bankgroups;
    case F_BA: return c->banks_per_group;
    case F_RO: return c->rows;
    default: return c->columns / c->burst_length;
    }
}

/* Parse the mapping into order[] (most significant first); returns the number of fields or -1
 * with msg set. */
static int parse_mapping(const dmasim_dram_config *c, int order[NFIELDS], char *msg, size_t n)
{
    const char *m = c->address_mapping;
    int cnt = 0, seen[NFIELDS] = {0};
    size_t len = strlen(m);
    int pairs = strchr(m, ':') == NULL && len % 2 == 0 && len >= 2;
    for (size_t i = 0; pairs && i < len; i += 2)
        if (field_index(m + i, 2) < 0)
            pairs = 0;
    const char *p = m;
    while (*p) {
        size_t tl = pairs ? 2 : strcspn(p, ":");
        int f = field_index(p, tl);
        if (f < 0 || cnt == NFIELDS) {
            snprintf(msg, n, "address_mapping '%s': unknown field '%.*s' (fields: row, channel, rank, "
                     "bankgroup, bank, column)", m, (int)tl, p);
            return -1;
        }
        if (seen[f]) {
            snprintf(msg, n, "address_mapping '%s': field '%s' appears twice", m, field_long[f]);
            return -1;
        }
        seen[f] = 1;
        order[cnt++] = f;
        p += tl;
        if (!pairs && *p == ':')
            p++;
    }
    for (int f = 0; f < NFIELDS; f++) {
        uint32_t k = field_count(c, f);
        if (!seen[f] && k > 1) {
            snprintf(msg, n, "address_mapping '%s' does not cover %s (%u bits): every field with more "
                     "than one value must appear", m, field_long[f], dmasim__log2(k));
            return -1;
        }
    }
    return cnt;
}

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (cond) {                                                                              \
            snprintf(msg, n, __VA_ARGS__);                                                      \
            return DMASIM_EINVAL;                                                                \
        }                                                                                        \
    } while (0)

static int check_geometry(const dmasim_dram_config *c, char *msg, size_t n)
{
    static const char *const names[] = {"channels", "ranks", "bankgroups", "banks_per_group", "rows",
                                        "columns", "burst_length"};
    const uint32_t vals[] = {c->channels, c->ranks, c->bankgroups, c->banks_per_group, c->rows,
                             c->columns, c->burst_length};
    static const uint32_t maxv[] = {64, 16, 16, 64, 1u << 24, 1u << 20, 64};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        CHECK(vals[i] == 0, "%s must be >= 1 (got 0)", names[i]);
        CHECK(!dmasim__is_pow2(vals[i]) || vals[i] > maxv[i], "%s (%u) must be a power of two in 1..%u",
              names[i], vals[i], maxv[i]);
    }
    CHECK(c->burst_length < 2, "burst_length (%u) must be >= 2", c->burst_length);
    CHECK(c->burst_length > c->columns, "burst_length (%u) > columns (%u)", c->burst_length, c->columns);
    CHECK(c->bus_width % 8 || !dmasim__is_pow2(c->bus_width / 8) || c->bus_width > 1024,
          "bus_width (%u bits) must be 8, 16, 32, ... 1024", c->bus_width);
    CHECK((uint64_t)c->ranks * c->bankgroups * c->banks_per_group > 4096,
          "ranks * bankgroups * banks_per_group (%llu) exceeds 4096 banks per channel",
          (unsigned long long)c->ranks * c->bankgroups * c->banks_per_group);
    return 0;
}

static int check_timing(const dmasim_dram_config *c, char *msg, size_t n)
{
    CHECK(c->tck_ps == 0, "tck_ps must be >= 1 (got 0)");
    static const char *const names[] = {"cl", "cwl", "trcd", "trp", "tras", "trc", "tccd_s", "trtp"};
    const uint32_t vals[] = {c->cl, c->cwl, c->trcd, c->trp, c->tras, c->trc, c->tccd_s, c->trtp};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        CHECK(vals[i] == 0, "%s must be >= 1 (got 0)", names[i]);
    const uint32_t all[] = {c->cl, c->cwl, c->trcd, c->trp, c->trpab, c->tras, c->trc, c->twr,
                            c->twtr_s, c->twtr_l, c->trtp, c->tccd_s, c->tccd_l, c->trrd_s, c->trrd_l,
                            c->tfaw, c->trfc, c->trefi, c->trtrs};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK(all[i] > 10000000u, "a timing parameter (%u cycles) exceeds 10000000 cycles", all[i]);
    CHECK(c->tras > c->trc, "tras (%u) > trc (%u): a row cannot stay open longer than the row cycle",
          c->tras, c->trc);
    CHECK((uint64_t)c->tras + c->trp > c->trc, "trc (%u) < tras (%u) + trp (%u): inconsistent row cycle",
          c->trc, c->tras, c->trp);
    CHECK(c->tccd_l < c->tccd_s, "tccd_l (%u) < tccd_s (%u)", c->tccd_l, c->tccd_s);
    CHECK(c->trrd_l < c->trrd_s, "trrd_l (%u) < trrd_s (%u)", c->trrd_l, c->trrd_s);
    CHECK(c->twtr_l < c->twtr_s, "twtr_l (%u) < twtr_s (%u)", c->twtr_l, c->twtr_s);
    if (c->refresh) {
        CHECK(c->trefi == 0, "trefi must be >= 1 with refresh on (got 0)");
        CHECK(c->trfc == 0, "trfc must be >= 1 with refresh on (got 0)");
        CHECK(c->trfc >= c->trefi, "trfc (%u) >= trefi (%u): the rank would never leave refresh", c->trfc,
              c->trefi);
        CHECK(c->trefi < c->ranks, "trefi (%u) < ranks (%u): refreshes cannot be staggered", c->trefi,
              c->ranks);
    }
    return 0;
}

int dmasim_dram_config_check(const dmasim_dram_config *c, char *msgbuf, size_t msglen)
{
    char tmp[256];
    char *msg = msgbuf ? msgbuf : tmp;
    size_t n = msgbuf ? msglen : sizeof tmp;
    if (n)
        msg[0] = 0;
    int e = check_geometry(c, msg, n);
    if (!e)
        e = check_timing(c, msg, n);
    if (e)
        return e;
    CHECK(c->controller_delay > 1000, "controller_delay (%u) out of range 0..1000", c->controller_delay);
    CHECK(c->queue_depth < 1 || c->queue_depth > 1024, "queue_depth (%u) out of range 1..1024",
          c->queue_depth);
    CHECK(c->hist_bins < 1 || c->hist_bins > 4096, "hist_bins (%u) out of range 1..4096", c->hist_bins);
    CHECK(c->hist_bin_cycles < 1, "hist_bin_cycles must be >= 1 (got 0)");
    CHECK(c->page_policy != DMASIM_DRAM_OPEN_PAGE && c->page_policy != DMASIM_DRAM_CLOSED_PAGE,
          "page_policy (%d) is neither open nor closed", (int)c->page_policy);
    CHECK(c->scheduler != DMASIM_DRAM_FRFCFS && c->scheduler != DMASIM_DRAM_FCFS,
          "scheduler (%d) is neither frfcfs nor fcfs", (int)c->scheduler);
    CHECK(!c->address_mapping || !*c->address_mapping, "address_mapping is empty");
    int order[NFIELDS];
    if (parse_mapping(c, order, msg, n) < 0)
        return DMASIM_EINVAL;
    uint64_t cap = dmasim_dram_capacity(c);
    CHECK(c->size > cap, "size (%llu bytes) exceeds the capacity (%llu bytes)", (unsigned long long)c->size,
          (unsigned long long)cap);
    uint64_t burst = (uint64_t)c->bus_width / 8 * c->burst_length;
    CHECK(c->base % burst, "base (0x%llx) must be a multiple of the burst size (%llu bytes)",
          (unsigned long long)c->base, (unsigned long long)burst);
    return 0;
}

#undef CHECK

/* ---- decoding ---- */

typedef struct loc {
    uint32_t ch, rank, bg, ba, row, col, bank; /* bank: flat within the channel */
} loc;

static inline void decode(const dmasim_dram *d, uint64_t rel, loc *l)
{
    l->ch = (uint32_t)((rel >> d->fshift[F_CH]) & d->fmask[F_CH]);
    l->rank = (uint32_t)((rel >> d->fshift[F_RA]) & d->fmask[F_RA]);
    l->bg = (uint32_t)((rel >> d->fshift[F_BG]) & d->fmask[F_BG]);
    l->ba = (uint32_t)((rel >> d->fshift[F_BA]) & d->fmask[F_BA]);
    l->row = (uint32_t)((rel >> d->fshift[F_RO]) & d->fmask[F_RO]);
    l->col = (uint32_t)((rel >> d->fshift[F_CO]) & d->fmask[F_CO]) * d->cfg.burst_length;
    l->bank = (l->rank * d->nbg + l->bg) * d->nbpg + l->ba;
}

/* ---- command trace and statistics ---- */

static void trace_cmd(dmasim_dram *d, uint64_t t, int kind, uint32_t c, uint32_t rank, const bank *b,
                      const req *r)
{
    dmasim_dram_command x;
    memset(&x, 0, sizeof x);
    x.cycle = t;
    x.channel = c;
    x.rank = rank;
    x.request = r && !d->bus ? r->id : UINT64_MAX;
    if (b) {
        x.bankgroup = b->bg;
        x.bank = b->ba;
        x.row = r ? r->row : b->row;
        x.column = r ? r->col : 0;
    }
    switch (kind) {
    case K_ACT: x.cmd = DMASIM_DRAM_ACT; x.column = 0; break;
    case K_PRE: x.cmd = DMASIM_DRAM_PRE; x.row = b->row; x.column = 0; break;
    case K_PREA: x.cmd = DMASIM_DRAM_PREA; break;
    case K_REF: x.cmd = DMASIM_DRAM_REF; break;
    default:
        x.cmd = r->is_write ? (d->closed ? DMASIM_DRAM_WRA : DMASIM_DRAM_WR)
                            : (d->closed ? DMASIM_DRAM_RDA : DMASIM_DRAM_RD);
        break;
    }
    d->cmd_fn(d->cmd_ud, &x);
}

static void record_done(dmasim_dram *d, const req *r, uint64_t done, dmasim_dram_outcome oc)
{
    stats *s = &d->st;
    uint64_t lat = done - r->arrival;
    if (r->is_write) {
        s->writes++;
        s->write_lat_sum += lat;
    } else {
        s->reads++;
        s->read_lat_sum += lat;
        if (lat > s->read_lat_max)
            s->read_lat_max = lat;
        uint64_t bin = d->hist_shift >= 0 ? lat >> d->hist_shift : lat / d->cfg.hist_bin_cycles;
        s->hist[bin < d->cfg.hist_bins ? bin : d->cfg.hist_bins - 1]++;
    }
    s->bytes += (uint64_t)1 << d->burst_shift;
    if (done > s->last_done)
        s->last_done = done;
    if (oc == DMASIM_DRAM_ROW_HIT)
        s->row_hits++;
    else if (oc == DMASIM_DRAM_ROW_MISS)
        s->row_misses++;
    else
        s->row_conflicts++;
}

/* ---- completions (standalone) ---- */

static int fin_push(dmasim_dram *d, finq *f, const fin *x)
{
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 64;
        fin *nv = dmasim__alloc(d->sim, ncap * sizeof *nv);
        if (!nv)
            return DMASIM_ENOMEM;
        for (size_t i = 0; i < f->n; i++)
            nv[i] = f->v[(f->head + i) & (f->cap - 1)];
        dmasim__free(d->sim, f->v, f->cap * sizeof *f->v);
        f->v = nv;
        f->cap = ncap;
        f->head = 0;
    }
    f->v[(f->head + f->n++) & (f->cap - 1)] = *x;
    return 0;
}

/* ---- per-bank candidate ---- */

static inline bank *bank_at(dmasim_dram *d, uint32_t c, uint32_t b)
{
    return &d->q[c].bk[b];
}

/* Shared bounds: for each rank and bank group, the earliest ACT, RD and WR that the rank-,
 * bank-group- and channel-level timing allows (tRRD, tFAW, tCCD, tWTR, read-to-write, data
 * bus). Kept up to date as commands issue, so a candidate's earliest cycle is
 * max(its bank-local bound, one shared bound, the command bus). */
enum { S_ACT, S_RD, S_WR, S_PRE, S_KINDS };

static inline uint64_t *shared_of(dmasim_dram *d, uint32_t c)
{
    return d->q[c].sh;
}

static inline uint64_t data_bound(const dmasim_dram *d, const chanst *ch, uint32_t rank, uint64_t lat)
{
    uint64_t de = ch->data_end + (rank != ch->data_rank ? d->trtrs : 0);
    return de > lat ? de - lat : 0;
}

static void shared_act(dmasim_dram *d, uint32_t c, uint32_t r)
{
    const rankst *rk = &d->q[c].rk[r];
    const bgst *g = &d->q[c].bg[r * d->nbg];
    uint64_t *S = shared_of(d, c) + S_ACT * d->nrk * d->nbg + r * d->nbg;
    uint64_t base = max2(rk->act_s, rk->faw[rk->faw_i]);
    for (uint32_t i = 0; i < d->nbg; i++)
        S[i] = max2(base, g[i].act_l);
}

static void shared_col(dmasim_dram *d, uint32_t c)
{
    const chanst *ch = d->q[c].ch;
    uint32_t rg = d->nrk * d->nbg;
    uint64_t *S = shared_of(d, c);
    for (uint32_t r = 0; r < d->nrk; r++) {
        const rankst *rk = &d->q[c].rk[r];
        const bgst *g = &d->q[c].bg[r * d->nbg];
        uint64_t rd = max2(max2(rk->col_s, rk->wtr_s), data_bound(d, ch, r, d->cl));
        uint64_t wr = max2(max2(rk->col_s, rk->rtw), data_bound(d, ch, r, d->cwl));
        for (uint32_t i = 0; i < d->nbg; i++) {
            S[S_RD * rg + r * d->nbg + i] = max2(rd, max2(g[i].col_l, g[i].wtr_l));
            S[S_WR * rg + r * d->nbg + i] = max2(wr, g[i].col_l);
        }
    }
}

/* Bank b (of channel q) has its candidate: put it back in the active list where its new
 * bank-local bound sorts. A bound that grew usually becomes one of the largest, so the place is
 * searched from the tail; one that shrank, from the old place leftwards. Equal bounds may sit in
 * any order: channel_pick's result does not depend on it. */
static void active_place(chanq *q, bank *b, uint64_t old_local)
{
    bank *bks = q->bk;
    int32_t me = (int32_t)(b - bks), p = b->lprev;
    uint64_t key = b->cand_local;
    if ((p < 0 || bks[p].cand_local <= key) && (b->lnext < 0 || bks[b->lnext].cand_local >= key))
        return; /* still in order */
    /* unlink */
    if (p >= 0)
        bks[p].lnext = b->lnext;
    else
        q->ahead = b->lnext;
    if (b->lnext >= 0)
        bks[b->lnext].lprev = p;
    else
        q->atail = p;
    /* insert after the last bank with a bound <= key */
    if (key >= old_local)
        p = q->atail;
    while (p >= 0 && bks[p].cand_local > key)
        p = bks[p].lprev;
    int32_t n = p >= 0 ? bks[p].lnext : q->ahead;
    b->lprev = p;
    b->lnext = n;
    if (p >= 0)
        bks[p].lnext = me;
    else
        q->ahead = me;
    if (n >= 0)
        bks[n].lprev = me;
    else
        q->atail = me;
}

/* Recompute the command bank b (of channel c) wants next, the bank-local part of its earliest
 * cycle, and its priority key (FR-FCFS: column commands first; then the oldest). */
static void bank_cand(const dmasim_dram *d, chanq *q, bank *b)
{
    if (b->count == 0) {
        b->cand = K_NONE;
        return;
    }
    int32_t slot = b->head;
    uint32_t kind;
    uint64_t t;
    if (b->open) {
        if (d->frfcfs && b->hits > 0) {
            while (q->slot[slot].row != b->row)
                slot = q->slot[slot].next;
            b->cand = K_COL;
        } else {
            b->cand = q->slot[slot].row == b->row ? K_COL : K_PRE;
        }
    } else {
        b->cand = K_ACT;
    }
    const req *r = &q->slot[slot];
    switch (b->cand) {
    case K_ACT: t = b->next_act; kind = S_ACT; break;
    case K_PRE: t = b->next_pre; kind = S_PRE; break;
    default: t = b->next_col; kind = r->is_write ? S_WR : S_RD; break;
    }
    uint64_t old_local = b->cand_local;
    b->cand_slot = slot;
    b->cand_local = max2(t, r->ready);
    b->cand_sidx = kind * d->nrgs + b->rgi;
    b->cand_key = ((uint64_t)(d->frfcfs && b->cand != K_COL) << 62) | r->seq;
    active_place(q, b, old_local);
}

/* Earliest cycle of bank b's candidate command. */
static inline uint64_t cand_time(dmasim_dram *d, uint32_t c, const bank *b)
{
    uint64_t e = max2(b->cand_local, shared_of(d, c)[b->cand_sidx]);
    return max2(e, d->q[c].ch->next_cmd);
}

/* Refresh command wanted by rank r of channel c and its earliest cycle (NEVER if refresh off). */
static uint64_t refresh_cand(dmasim_dram *d, uint32_t c, uint32_t r, int *kind)
{
    rankst *rk = &d->q[c].rk[r];
    if (!d->refresh)
        return NEVER;
    bank *b0 = bank_at(d, c, r * d->banks_per_rank);
    uint64_t pre = rk->ref_due, act = rk->ref_due;
    int any_open = 0;
    for (uint32_t i = 0; i < d->banks_per_rank; i++) {
        if (b0[i].open) {
            any_open = 1;
            pre = max2(pre, b0[i].next_pre);
        }
        act = max2(act, b0[i].next_act);
    }
    *kind = any_open ? K_PREA : K_REF;
    return max2(any_open ? pre : act, d->q[c].ch->next_cmd);
}

/* Choose the next command of channel c (with queued requests, or refresh-only if idle_ok).
 * Returns 0 if there is none. The active banks are sorted by their bank-local bound, a lower
 * bound of their earliest cycle, so the scan stops at the first one beyond the best so far. */
static int channel_pick(dmasim_dram *d, uint32_t c, int idle_ok)
{
    chanq *q = &d->q[c];
    const uint64_t T = d->q[c].ch->next_cmd;
    const uint64_t *S = shared_of(d, c);
    const rankst *rks = d->q[c].rk;
    const bank *bks = bank_at(d, c, 0);
    uint64_t best_t = NEVER, best_key = NEVER;
    int best_kind = K_NONE;
    int32_t best_bank = -1;
    uint32_t best_rank = 0;
    const uint64_t ref_min = q->ch->ref_min; /* <= every rank's ref_due */
    for (int32_t i = q->ahead; i >= 0 && bks[i].cand_local <= best_t; i = bks[i].lnext) {
        const bank *b = &bks[i];
        uint64_t e = max2(max2(b->cand_local, S[b->cand_sidx]), T);
        if (e > best_t || (e >= ref_min && e >= rks[b->rank].ref_due))
            continue;
        if (e < best_t || b->cand_key < best_key) {
            best_t = e;
            best_key = b->cand_key;
            best_kind = b->cand;
            best_bank = i;
        }
    }
    if (q->ch->ref_min <= best_t && (q->nq > 0 || idle_ok)) {
        for (uint32_t r = 0; r < d->nrk; r++) {
            if (rks[r].ref_due > best_t)
                continue;
            int kind = K_NONE;
            uint64_t e = refresh_cand(d, c, r, &kind);
            if (kind != K_NONE && e <= best_t) { /* refresh first at equal cycles */
                best_t = e;
                best_key = 0;
                best_kind = kind;
                best_rank = r;
                best_bank = -1;
            }
        }
    }
    if (best_kind == K_NONE)
        return 0;
    q->pick_valid = 1;
    q->pick_t = best_t;
    q->pick_key = best_key;
    q->pick_kind = best_kind;
    q->pick_bank = best_bank;
    q->pick_rank = best_rank; /* used by PREA and REF only */
    return 1;
}

/* ---- queue ---- */

/* Bank bi gets its first request: append it to the active list (bank_cand then places it). */
static void active_add(chanq *q, uint32_t bi)
{
    bank *b = &q->bk[bi];
    b->lprev = q->atail;
    b->lnext = -1;
    if (q->atail >= 0)
        q->bk[q->atail].lnext = (int32_t)bi;
    else
        q->ahead = (int32_t)bi;
    q->atail = (int32_t)bi;
    b->cand_local = NEVER; /* sorts last: bank_cand searches its place from the tail */
}

static void active_remove(chanq *q, bank *b)
{
    if (b->lprev >= 0)
        q->bk[b->lprev].lnext = b->lnext;
    else
        q->ahead = b->lnext;
    if (b->lnext >= 0)
        q->bk[b->lnext].lprev = b->lprev;
    else
        q->atail = b->lprev;
}

/* Put a request into channel c's queue at cycle t (a free slot exists). */
static void admit(dmasim_dram *d, uint32_t c, uint64_t id, dmasim_addr rel, int is_write, uint64_t arrival,
                  uint64_t t)
{
    chanq *q = &d->q[c];
    chanst *ch = d->q[c].ch;
    loc l;
    decode(d, rel, &l);
    int32_t s = q->free_slots[--q->nfree];
    req *r = &q->slot[s];
    r->id = id;
    r->arrival = arrival;
    r->queued = t;
    r->ready = t + d->delay;
    r->seq = ch->seq++;
    r->addr = rel;
    r->row = l.row;
    r->col = l.col;
    r->bank = (uint16_t)l.bank;
    r->next = -1;
    r->is_write = (uint8_t)(is_write != 0);
    bank *b = bank_at(d, c, l.bank);
    int hit = b->open && b->row == l.row;
    /* A request appended behind others changes the bank's candidate only if it is the first
     * row hit that FR-FCFS would serve ahead of them (the candidate depends on the head, the
     * open row and, under FR-FCFS, the first queued hit). Otherwise bank_cand would recompute
     * the same candidate and the pick stands as far as this bank is concerned. */
    int same_cand = b->count > 0 && !(hit && d->frfcfs && b->hits == 0);
    if (b->count++ == 0) {
        b->head = s;
        active_add(q, l.bank);
    } else {
        q->slot[b->tail].next = s;
    }
    b->tail = s;
    b->hits += (uint32_t)hit;
    q->nq++;
    if (same_cand)
        return;
    bank_cand(d, q, b);
    /* the pick stands unless the new request's bank now offers something better */
    if (q->pick_valid && (q->pick_bank < 0 || q->pick_bank == (int32_t)l.bank))
        q->pick_valid = 0;
    if (q->pick_valid) {
        uint64_t e = cand_time(d, c, b);
        if (e < d->q[c].rk[b->rank].ref_due &&
            (e < q->pick_t || (e == q->pick_t && b->cand_key < q->pick_key)))
            q->pick_valid = 0;
    }
}

/* Remove the request in slot s from bank b's list. */
static void unlink_req(chanq *q, bank *b, int32_t s)
{
    if (b->head == s) {
        b->head = q->slot[s].next;
        if (b->tail == s)
            b->tail = -1;
    } else {
        int32_t p = b->head;
        while (q->slot[p].next != s)
            p = q->slot[p].next;
        q->slot[p].next = q->slot[s].next;
        if (b->tail == s)
            b->tail = p;
    }
    q->free_slots[q->nfree++] = s;
    q->nq--;
    if (--b->count == 0)
        active_remove(q, b);
}

/* ---- issuing commands ---- */

static void issue_act(dmasim_dram *d, uint32_t c, bank *b, uint64_t t)
{
    chanq *q = &d->q[c];
    rankst *rk = &d->q[c].rk[b->rank];
    bgst *g = &d->q[c].bg[b->rgi];
    const req *r = &q->slot[b->cand_slot];
    b->open = 1;
    b->row = r->row;
    b->act_time = t;
    b->next_act = t + d->trc;
    b->next_pre = max2(b->next_pre, t + d->tras);
    b->next_col = t + d->trcd;
    b->cols_since_act = 0;
    b->act_conflict = b->closed_by_conflict;
    b->closed_by_conflict = 0;
    rk->act_s = t + d->trrd_s;
    g->act_l = t + d->trrd_l;
    rk->faw[rk->faw_i] = t + d->tfaw;
    rk->faw_i = (rk->faw_i + 1) & 3;
    shared_act(d, c, b->rank);
    uint32_t hits = 0;
    for (int32_t s = b->head; s >= 0; s = q->slot[s].next)
        hits += q->slot[s].row == b->row;
    b->hits = hits;
    if (d->recording) {
        d->st.activates++;
        if (d->cmd_fn)
            trace_cmd(d, t, K_ACT, c, b->rank, b, r);
    }
}

static void issue_pre(dmasim_dram *d, uint32_t c, bank *b, uint64_t t)
{
    b->open = 0;
    b->hits = 0;
    b->next_act = max2(b->next_act, t + d->trp);
    b->closed_by_conflict = 1;
    if (d->recording) {
        d->st.precharges++;
        if (d->cmd_fn)
            trace_cmd(d, t, K_PRE, c, b->rank, b, &d->q[c].slot[b->cand_slot]);
    }
}

/* Column command for bank b's candidate request; returns its completion cycle. */
static uint64_t issue_col(dmasim_dram *d, uint32_t c, bank *b, uint64_t t)
{
    chanq *q = &d->q[c];
    chanst *ch = d->q[c].ch;
    rankst *rk = &d->q[c].rk[b->rank];
    bgst *g = &d->q[c].bg[b->rgi];
    int32_t s = b->cand_slot;
    req *r = &q->slot[s];
    dmasim_dram_outcome oc = b->cols_since_act > 0 ? DMASIM_DRAM_ROW_HIT
                             : b->act_conflict    ? DMASIM_DRAM_ROW_CONFLICT
                                                  : DMASIM_DRAM_ROW_MISS;
    b->cols_since_act++;
    rk->col_s = t + d->tccd_s;
    g->col_l = t + d->tccd_l;
    uint64_t done, pre_at;
    if (r->is_write) {
        done = t + d->cwl + d->bl2;
        pre_at = done + d->twr;
        rk->wtr_s = done + d->twtr_s;
        g->wtr_l = done + d->twtr_l;
    } else {
        done = t + d->cl + d->bl2;
        pre_at = t + d->trtp;
        rk->rtw = t + d->rtw_gap;
    }
    ch->data_end = done;
    ch->data_rank = b->rank;
    ch->slot_free = t;
    shared_col(d, c);
    b->next_pre = max2(b->next_pre, pre_at);
    b->hits--;
    if (d->closed) {
        pre_at = max2(pre_at, b->act_time + d->tras);
        b->open = 0;
        b->hits = 0;
        b->closed_by_conflict = 0;
        b->next_act = max2(b->next_act, pre_at + d->trp);
    }
    if (d->recording) {
        if (d->closed)
            d->st.precharges++;
        if (d->cmd_fn)
            trace_cmd(d, t, K_COL, c, b->rank, b, r);
        record_done(d, r, done, oc);
        if (!d->bus) {
            fin x = {r->id, r->arrival, r->queued, done, r->addr, r->row, r->col, r->bank, r->is_write, (uint8_t)oc};
            if (fin_push(d, &q->fq[r->is_write], &x))
                dmasim__fatal(d->sim, DMASIM_ENOMEM, "%s: out of memory", d->name);
        }
    }
    unlink_req(q, b, s);
    return done;
}

static void issue_prea(dmasim_dram *d, uint32_t c, uint32_t r, uint64_t t)
{
    bank *b0 = bank_at(d, c, r * d->banks_per_rank);
    for (uint32_t i = 0; i < d->banks_per_rank; i++) {
        bank *b = &b0[i];
        if (!b->open)
            continue;
        b->open = 0;
        b->hits = 0;
        b->closed_by_conflict = 0;
        b->next_act = max2(b->next_act, t + d->trpab);
    }
    if (d->recording) {
        d->st.precharges++;
        if (d->cmd_fn)
            trace_cmd(d, t, K_PREA, c, r, NULL, NULL);
    }
}

static void issue_ref(dmasim_dram *d, uint32_t c, uint32_t r, uint64_t t)
{
    bank *b0 = bank_at(d, c, r * d->banks_per_rank);
    for (uint32_t i = 0; i < d->banks_per_rank; i++)
        b0[i].next_act = max2(b0[i].next_act, t + d->trfc);
    chanq *q = &d->q[c];
    q->rk[r].ref_due += d->trefi;
    q->ch->ref_min = NEVER;
    for (uint32_t i = 0; i < d->nrk; i++)
        q->ch->ref_min = q->rk[i].ref_due < q->ch->ref_min ? q->rk[i].ref_due : q->ch->ref_min;
    if (d->recording) {
        d->st.refreshes++;
        if (d->cmd_fn)
            trace_cmd(d, t, K_REF, c, r, NULL, NULL);
    }
}

/* Issue channel c's picked command. Returns the completion cycle of a column command, else 0. */
static uint64_t issue(dmasim_dram *d, uint32_t c)
{
    chanq *q = &d->q[c];
    uint64_t t = q->pick_t, done = 0;
    q->pick_valid = 0;
    d->q[c].ch->next_cmd = t + 1;
    if (t > d->now)
        d->now = t;
    if (q->pick_kind == K_PREA || q->pick_kind == K_REF) {
        if (q->pick_kind == K_PREA)
            issue_prea(d, c, q->pick_rank, t);
        else
            issue_ref(d, c, q->pick_rank, t);
        bank *b0 = bank_at(d, c, q->pick_rank * d->banks_per_rank);
        for (uint32_t i = 0; i < d->banks_per_rank; i++)
            if (b0[i].count)
                bank_cand(d, q, &b0[i]);
        return 0;
    }
    bank *b = bank_at(d, c, (uint32_t)q->pick_bank);
    switch (q->pick_kind) {
    case K_ACT: issue_act(d, c, b, t); break;
    case K_PRE: issue_pre(d, c, b, t); break;
    default: done = issue_col(d, c, b, t); break;
    }
    bank_cand(d, q, b);
    return done;
}

/* Channel c has an empty queue: issue its refreshes that fall before cycle `until`. A rank
 * whose banks are all closed and idle refreshes exactly when due, so long idle spans are
 * skipped in one step (one rank per channel, no command trace). */
static void idle_until(dmasim_dram *d, uint32_t c, uint64_t until)
{
    if (!d->refresh)
        return;
    for (;;) {
        if (d->nrk == 1 && !(d->recording && d->cmd_fn)) {
            rankst *rk = d->q[c].rk;
            bank *b0 = bank_at(d, c, 0);
            uint64_t ready = d->q[c].ch->next_cmd;
            int open = 0;
            for (uint32_t i = 0; i < d->banks_per_rank; i++) {
                open |= b0[i].open;
                ready = max2(ready, b0[i].next_act);
            }
            if (!open && rk->ref_due >= ready && rk->ref_due < until) {
                uint64_t k = (until - 1 - rk->ref_due) / d->trefi + 1;
                uint64_t last = rk->ref_due + (k - 1) * d->trefi;
                for (uint32_t i = 0; i < d->banks_per_rank; i++)
                    b0[i].next_act = max2(b0[i].next_act, last + d->trfc);
                rk->ref_due += k * d->trefi;
                d->q[c].ch->ref_min = rk->ref_due;
                d->q[c].ch->next_cmd = last + 1;
                if (d->recording)
                    d->st.refreshes += k;
                continue;
            }
        }
        if (!channel_pick(d, c, 1) || d->q[c].pick_t >= until)
            break;
        issue(d, c);
    }
    d->q[c].pick_valid = 0;
}

/* ---- standalone ---- */

int dmasim_dram_submit(dmasim_dram *d, dmasim_addr addr, int is_write, uint64_t arrival, uint64_t *id)
{
    if (d->bus)
        return dmasim__error(d->sim, DMASIM_ESTATE, "%s: requests go through the bus for a bus-mapped DRAM",
                             d->name);
    if (arrival < d->now)
        return dmasim__error(d->sim, DMASIM_EINVAL, "%s: arrival cycle %llu is before the controller's cycle %llu",
                             d->name, (unsigned long long)arrival, (unsigned long long)d->now);
    uint64_t rel = (addr - d->cfg.base) & (d->capacity - 1); /* capacity: a power of two */
    uint32_t c = (uint32_t)((rel >> d->fshift[F_CH]) & d->fmask[F_CH]);
    chanq *q = &d->q[c];
    if (arrival == d->now && q->pq_n == 0 && q->nq < d->depth) { /* it would be admitted next */
        uint64_t nid = d->s.next_id++;
        d->outstanding++;
        if (q->nq == 0)
            idle_until(d, c, arrival);
        admit(d, c, nid, rel, is_write, arrival, arrival);
        if (id)
            *id = nid;
        return 0;
    }
    if (q->pq_n == q->pq_cap) {
        size_t oldcap = q->pq_cap, ncap = oldcap ? oldcap * 2 : 64;
        pend *np = dmasim__alloc(d->sim, ncap * sizeof *np);
        if (!np)
            return DMASIM_ENOMEM;
        for (size_t i = 0; i < q->pq_n; i++)
            np[i] = q->pq[(q->pq_head + i) & (oldcap - 1)];
        dmasim__free(d->sim, q->pq, oldcap * sizeof *q->pq);
        q->pq = np;
        q->pq_cap = ncap;
        q->pq_head = 0;
    }
    uint64_t nid = d->s.next_id++;
    q->pq[(q->pq_head + q->pq_n++) & (q->pq_cap - 1)] = (pend){nid, arrival, rel, (uint8_t)(is_write != 0)};
    d->outstanding++;
    if (id)
        *id = nid;
    return 0;
}

/* Move the head of channel c's waiting requests into its queue at cycle t. */
static void admit_pending(dmasim_dram *d, uint32_t c, uint64_t t)
{
    chanq *q = &d->q[c];
    pend p = q->pq[q->pq_head];
    q->pq_head = (q->pq_head + 1) & (q->pq_cap - 1);
    q->pq_n--;
    if (q->nq == 0)
        idle_until(d, c, t);
    admit(d, c, p.id, p.addr, p.is_write, p.arrival, t);
}

/* Deliver the completion at the head of channel c's FIFO k. */
static void deliver(dmasim_dram *d, uint32_t c, int k)
{
    finq *f = &d->q[c].fq[k];
    fin x = f->v[f->head];
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
    if (x.done > d->now)
        d->now = x.done;
    d->outstanding--;
    if (!d->done_fn)
        return;
    const bank *b = bank_at(d, c, x.bank);
    dmasim_dram_request r = {x.id, x.addr + d->cfg.base, x.is_write, x.arrival, x.queued, x.done,
                             (dmasim_dram_outcome)x.outcome, c, b->rank, b->bg, b->ba, x.row, x.col};
    d->done_fn(d->done_ud, &r);
}

int dmasim_dram_run(dmasim_dram *d, uint64_t until)
{
    if (d->bus)
        return dmasim__error(d->sim, DMASIM_ESTATE, "%s: a bus-mapped DRAM runs with the simulation", d->name);
    for (;;) {
        /* the next event: an arrival, then a completion, then a command at equal cycles */
        uint64_t t_cmd = NEVER, t_arr = NEVER, t_done = NEVER, id_done = NEVER;
        uint32_t c_cmd = 0, c_arr = 0, c_done = 0;
        int k_done = 0;
        for (uint32_t c = 0; c < d->nch; c++) {
            chanq *q = &d->q[c];
            if (q->nq && (q->pick_valid || channel_pick(d, c, 0)) && q->pick_t < t_cmd) {
                t_cmd = q->pick_t;
                c_cmd = c;
            }
            if (q->pq_n && q->nq < d->depth) {
                uint64_t ta = max2(q->pq[q->pq_head].arrival, d->now);
                if (ta < t_arr) {
                    t_arr = ta;
                    c_arr = c;
                }
            }
            for (int k = 0; k < 2; k++) {
                if (!q->fq[k].n)
                    continue;
                const fin *f = &q->fq[k].v[q->fq[k].head];
                if (f->done < t_done || (f->done == t_done && f->id < id_done)) {
                    t_done = f->done;
                    id_done = f->id;
                    c_done = c;
                    k_done = k;
                }
            }
        }
        uint64_t t = t_cmd < t_done ? t_cmd : t_done;
        if (t_arr <= t && t_arr < until) {
            if (t_arr > d->now)
                d->now = t_arr;
            admit_pending(d, c_arr, t_arr);
        } else if (t >= until || t == NEVER) {
            break;
        } else if (t_done <= t_cmd) {
            deliver(d, c_done, k_done);
        } else {
            /* commands of this channel up to the next other event, without looking again */
            uint64_t limit = t_done < t_arr ? t_done : t_arr;
            if (until < limit)
                limit = until;
            for (uint32_t c = 0; c < d->nch; c++)
                if (c != c_cmd && d->q[c].nq && d->q[c].pick_t < limit)
                    limit = d->q[c].pick_t;
            chanq *q = &d->q[c_cmd];
            for (;;) {
                uint64_t done = issue(d, c_cmd); /* a column command: a completion to deliver */
                if (done && done < limit)
                    limit = done;
                if (!q->nq || !channel_pick(d, c_cmd, 0) || q->pick_t >= limit)
                    break;
            }
        }
    }
    if (until != NEVER) {
        for (uint32_t c = 0; c < d->nch; c++)
            if (d->q[c].nq == 0)
                idle_until(d, c, until);
        if (until > d->now)
            d->now = until;
    }
    return 0;
}

int dmasim_dram_drain(dmasim_dram *d)
{
    return dmasim_dram_run(d, NEVER);
}

uint64_t dmasim_dram_now(const dmasim_dram *d) { return d->now; }
uint64_t dmasim_dram_outstanding(const dmasim_dram *d) { return d->outstanding; }

void dmasim_dram_on_complete(dmasim_dram *d, dmasim_dram_done_fn fn, void *ud)
{
    d->done_fn = fn;
    d->done_ud = ud;
}

void dmasim_dram_on_command(dmasim_dram *d, dmasim_dram_cmd_fn fn, void *ud)
{
    d->cmd_fn = fn;
    d->cmd_ud = ud;
}

const char *dmasim_dram_cmd_name(dmasim_dram_cmd cmd)
{
    static const char *const names[] = {"ACT", "PRE", "PREA", "RD", "RDA", "WR", "WRA", "REF"};
    return (unsigned)cmd < sizeof names / sizeof names[0] ? names[cmd] : NULL;
}

/* ---- bus path ---- */

/* One DRAM request through the depth-1 queue: enters at max(arrival, the slot's release),
 * runs to its column command. Returns its completion cycle; *queued gets the entry cycle. */
static uint64_t bus_request(dmasim_dram *d, uint64_t rel, int is_write, uint64_t arrival, uint64_t *queued)
{
    loc l;
    decode(d, rel, &l);
    uint32_t c = l.ch;
    uint64_t t = max2(arrival, d->q[c].ch->slot_free);
    idle_until(d, c, t);
    admit(d, c, d->s.next_id++, rel, is_write, arrival, t);
    uint64_t done = 0;
    while (d->q[c].nq) {
        if (!channel_pick(d, c, 0))
            break; /* cannot happen: a queued request always has a command */
        done = issue(d, c);
    }
    *queued = t;
    return done;
}

static inline uint64_t wait_cycles(dmasim_time need, dmasim_time t, dmasim_time period)
{
    if (need <= t + period)
        return 0;
    return (need - t + period - 1) / period - 1;
}

/* Wait states of one bus beat of beat_bytes at address a starting at time t. */
static uint64_t beat_wait(dmasim_dram *d, dmasim_addr a, uint32_t beat_bytes, int is_write, dmasim_time t)
{
    stream *s = &d->s.st;
    dmasim_addr ba = a & ~(dmasim_addr)(beat_bytes - 1);
    int cont = s->valid && ba == s->next_addr && t == s->next_t && s->is_write == (is_write != 0);
    uint64_t rel_lo = a - d->cfg.base;
    uint64_t rel_hi = (ba + beat_bytes) - d->cfg.base; /* exclusive */
    if (rel_hi > d->size)
        rel_hi = d->size;
    uint64_t first = rel_lo >> d->burst_shift, last = (rel_hi - 1) >> d->burst_shift;
    dmasim_time need = 0;
    if (cont) {
        if (first <= s->block) {
            if (!is_write)
                need = s->ready_ps;
            first = s->block + 1;
        }
    } else {
        s->arrival = (t + d->tck - 1) / d->tck;
    }
    for (uint64_t blk = first; blk <= last; blk++) {
        uint64_t queued, done = bus_request(d, (blk << d->burst_shift) % d->capacity, is_write, s->arrival, &queued);
        dmasim_time at = (is_write ? queued : done) * d->tck;
        if (at > need)
            need = at;
        s->block = blk;
        s->ready_ps = done * d->tck;
    }
    uint64_t ws = wait_cycles(need, t, d->bus_period);
    s->valid = 1;
    s->is_write = is_write != 0;
    s->next_addr = ba + beat_bytes;
    s->next_t = t + (1 + ws) * d->bus_period;
    return ws;
}

static uint64_t dram_wait_states(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes, int is_write,
                                 dmasim_time t, int commit)
{
    dmasim_dram *d = ctx;
    stream st_save = d->s.st;
    uint64_t id_save = d->s.next_id, now_save = d->now;
    if (!commit) {
        memcpy(d->backup, d->block, d->block_size);
        d->recording = 0;
    }
    uint64_t total = 0;
    dmasim_addr beat0 = addr & ~(dmasim_addr)(beat_bytes - 1);
    for (uint32_t k = 0; k < beats; k++) {
        dmasim_addr a = k == 0 ? addr : beat0 + (dmasim_addr)k * beat_bytes;
        total += beat_wait(d, a, beat_bytes, is_write, t + (k + total) * d->bus_period);
    }
    if (!commit) {
        memcpy(d->block, d->backup, d->block_size);
        d->s.st = st_save;
        d->s.next_id = id_save;
        d->now = now_save;
        d->recording = 1;
    }
    return total;
}

static int dram_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    dmasim_dram *d = ctx;
    return dmasim_mem_read(d->sim, addr, buf, len);
}

static int dram_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    dmasim_dram *d = ctx;
    return dmasim_mem_write(d->sim, addr, buf, len);
}

static const dmasim_bus_slave_ops dram_slave_ops = {1, dram_read, dram_write, dram_wait_states};

/* ---- statistics ---- */

static void dram_stats_update(void *self)
{
    dmasim_dram *d = self;
    stats *s = &d->st;
    uint64_t now = d->bus ? dmasim_sim_now(d->sim) / d->tck : d->now;
    s->cycles = d->bus ? now : s->last_done;
    s->refreshes_report = s->refreshes;
    if (d->refresh) { /* refreshes due by now that the lazily run controller has not issued yet */
        for (size_t i = 0; i < (size_t)d->nch * d->nrk; i++)
            if (d->s.rk[i].ref_due <= now)
                s->refreshes_report += (now - d->s.rk[i].ref_due) / d->trefi + 1;
    }
    s->read_lat_avg = s->reads ? (double)s->read_lat_sum / (double)s->reads : 0.0;
    s->write_lat_avg = s->writes ? (double)s->write_lat_sum / (double)s->writes : 0.0;
    s->peak = 2.0 * (double)(d->cfg.bus_width / 8) * d->nch * 1000.0 / (double)d->tck;
    s->bw = s->cycles ? (double)s->bytes * 1000.0 / ((double)s->cycles * (double)d->tck) : 0.0;
    s->bw_pct = s->peak > 0 ? 100.0 * s->bw / s->peak : 0.0;
}

void dmasim_dram_get_stats(dmasim_dram *d, dmasim_dram_stats *o)
{
    dram_stats_update(d);
    const stats *s = &d->st;
    memset(o, 0, sizeof *o);
    o->reads = s->reads;
    o->writes = s->writes;
    o->row_hits = s->row_hits;
    o->row_misses = s->row_misses;
    o->row_conflicts = s->row_conflicts;
    o->activates = s->activates;
    o->precharges = s->precharges;
    o->refreshes = s->refreshes_report;
    o->read_latency_max = s->read_lat_max;
    o->read_latency_avg = s->read_lat_avg;
    o->write_latency_avg = s->write_lat_avg;
    o->bytes = s->bytes;
    o->cycles = s->cycles;
    o->bandwidth_gbs = s->bw;
    o->peak_bandwidth_gbs = s->peak;
    o->bandwidth_pct = s->bw_pct;
    o->hist = s->hist;
    o->hist_bins = d->cfg.hist_bins;
    o->hist_bin_cycles = d->cfg.hist_bin_cycles;
}

const dmasim_dram_config *dmasim_dram_get_config(const dmasim_dram *d) { return &d->cfg; }

static int register_stats(dmasim_dram *d)
{
    dmasim_sim *sim = d->sim;
    const char *p = d->name;
    stats *s = &d->st;
    static const char *const cy = "cycles (DRAM clock)";
    int e = 0;
    e |= dmasim__stat_u64(sim, p, "reads", &s->reads, "", "read requests (bursts) completed");
    e |= dmasim__stat_u64(sim, p, "writes", &s->writes, "", "write requests (bursts) completed");
    e |= dmasim__stat_u64(sim, p, "row_hits", &s->row_hits, "", "requests served from an open row");
    e |= dmasim__stat_u64(sim, p, "row_misses", &s->row_misses, "", "requests that found their bank closed");
    e |= dmasim__stat_u64(sim, p, "row_conflicts", &s->row_conflicts, "",
                          "requests that found another row open");
    e |= dmasim__stat_u64(sim, p, "activates", &s->activates, "", "ACT commands");
    e |= dmasim__stat_u64(sim, p, "precharges", &s->precharges, "", "PRE, PREA and auto-precharges");
    e |= dmasim__stat_u64(sim, p, "refreshes", &s->refreshes_report, "", "REF commands (due by now)");
    e |= dmasim__stat_double(sim, p, "read_latency_avg", &s->read_lat_avg, cy, "arrival to end of data");
    e |= dmasim__stat_u64(sim, p, "read_latency_max", &s->read_lat_max, cy, "longest read");
    e |= dmasim__stat_double(sim, p, "write_latency_avg", &s->write_lat_avg, cy, "arrival to end of data");
    e |= dmasim__stat_u64(sim, p, "bytes", &s->bytes, "bytes", "bytes of all completed bursts");
    e |= dmasim__stat_u64(sim, p, "cycles", &s->cycles, cy, "elapsed DRAM cycles");
    e |= dmasim__stat_double(sim, p, "bandwidth_gbs", &s->bw, "GB/s", "bytes / elapsed time");
    e |= dmasim__stat_double(sim, p, "peak_bandwidth_gbs", &s->peak, "GB/s", "2 transfers per tCK, all channels");
    e |= dmasim__stat_double(sim, p, "bandwidth_pct", &s->bw_pct, "percent", "achieved / peak");
    if (e)
        return DMASIM_ENOMEM;
    char path[300];
    snprintf(path, sizeof path, "%s.read_latency_hist", p);
    for (uint32_t i = 0; i < d->cfg.hist_bins; i++) {
        char bin[64];
        uint64_t lo = (uint64_t)i * d->cfg.hist_bin_cycles, hi = lo + d->cfg.hist_bin_cycles - 1;
        if (i + 1 == d->cfg.hist_bins)
            snprintf(bin, sizeof bin, "%llu_inf", (unsigned long long)lo);
        else
            snprintf(bin, sizeof bin, "%llu_%llu", (unsigned long long)lo, (unsigned long long)hi);
        if (dmasim__stat_u64(sim, path, bin, &s->hist[i], cy, "reads with a latency in this bin"))
            return DMASIM_ENOMEM;
    }
    return 0;
}

/* ---- creation ---- */

static void dram_destroy(void *self)
{
    dmasim_dram *d = self;
    dmasim_sim *sim = d->sim;
    if (d->q) {
        for (uint32_t c = 0; c < d->nch; c++) {
            chanq *q = &d->q[c];
            dmasim__free(sim, q->slot, d->depth * sizeof *q->slot);
            dmasim__free(sim, q->free_slots, d->depth * sizeof *q->free_slots);
            dmasim__free(sim, q->pq, q->pq_cap * sizeof *q->pq);
            for (int k = 0; k < 2; k++)
                dmasim__free(sim, q->fq[k].v, q->fq[k].cap * sizeof *q->fq[k].v);
        }
        dmasim__free(sim, d->q, d->nch * sizeof *d->q);
    }
    dmasim__free(sim, d->block, d->block_size);
    dmasim__free(sim, d->backup, d->block_size);
    dmasim__free(sim, d->st.hist, d->cfg.hist_bins * sizeof *d->st.hist);
    dmasim__strfree(sim, d->name);
    dmasim__strfree(sim, d->mapping);
    dmasim__strfree(sim, d->source);
    dmasim__free(sim, d, sizeof *d);
}

static const dmasim__component_ops dram_component = {dram_destroy, dram_stats_update};

static void derive(dmasim_dram *d)
{
    const dmasim_dram_config *c = &d->cfg;
    d->cl = c->cl;
    d->cwl = c->cwl;
    d->trcd = c->trcd;
    d->trp = c->trp;
    d->trpab = c->trpab ? c->trpab : c->trp;
    d->tras = c->tras;
    d->trc = c->trc;
    d->twr = c->twr;
    d->twtr_s = c->twtr_s;
    d->twtr_l = c->twtr_l;
    d->trtp = c->trtp;
    d->tccd_s = c->tccd_s;
    d->tccd_l = c->tccd_l;
    d->trrd_s = c->trrd_s;
    d->trrd_l = c->trrd_l;
    d->tfaw = c->tfaw;
    d->trfc = c->trfc;
    d->trefi = c->trefi;
    d->trtrs = c->trtrs;
    d->bl2 = c->burst_length / 2;
    d->delay = c->controller_delay;
    /* RD to WR: RL + BL/2 - WL + 2 (JESD79-4 read-to-write turnaround), at least 1 */
    d->rtw_gap = d->cl + d->bl2 + 2 > d->cwl ? d->cl + d->bl2 + 2 - d->cwl : 1;
    d->tck = c->tck_ps;
    d->capacity = dmasim_dram_capacity(c);
    d->size = c->size ? c->size : d->capacity;
    d->nch = c->channels;
    d->nrk = c->ranks;
    d->nbg = c->bankgroups;
    d->nbpg = c->banks_per_group;
    d->banks_per_rank = c->bankgroups * c->banks_per_group;
    d->banks_per_ch = c->ranks * d->banks_per_rank;
    d->nrgs = c->ranks * c->bankgroups;
    d->frfcfs = c->scheduler == DMASIM_DRAM_FRFCFS;
    d->closed = c->page_policy == DMASIM_DRAM_CLOSED_PAGE;
    d->refresh = c->refresh != 0;
    d->hist_shift = dmasim__is_pow2(c->hist_bin_cycles) ? (int)dmasim__log2(c->hist_bin_cycles) : -1;
    d->burst_shift = dmasim__log2((uint64_t)(c->bus_width / 8) * c->burst_length);
    int order[NFIELDS], n = 0;
    char msg[8];
    n = parse_mapping(c, order, msg, sizeof msg);
    for (int f = 0; f < NFIELDS; f++) { /* absent fields have one value: mask 0 */
        d->fshift[f] = 0;
        d->fmask[f] = 0;
    }
    unsigned shift = d->burst_shift;
    for (int i = n - 1; i >= 0; i--) {
        int f = order[i];
        unsigned bits = dmasim__log2(field_count(c, f));
        d->fshift[f] = shift;
        d->fmask[f] = bits ? (((uint64_t)1 << bits) - 1) : 0;
        shift += bits;
    }
}

static int alloc_state(dmasim_dram *d)
{
    dmasim_sim *sim = d->sim;
    size_t nch = d->nch, nrk = nch * d->nrk, nbg = nrk * d->nbg, nbk = nch * d->banks_per_ch;
    size_t o_ch = 0, o_rk = o_ch + nch * sizeof(chanst), o_bg = o_rk + nrk * sizeof(rankst);
    size_t o_bk = o_bg + nbg * sizeof(bgst);
    size_t o_sh = o_bk + nbk * sizeof(bank);
    d->block_size = o_sh + nbg * S_KINDS * sizeof(uint64_t);
    d->block = dmasim__alloc(sim, d->block_size);
    d->backup = dmasim__alloc(sim, d->block_size);
    d->q = dmasim__alloc(sim, nch * sizeof *d->q);
    d->st.hist = dmasim__alloc(sim, d->cfg.hist_bins * sizeof *d->st.hist);
    if (!d->block || !d->backup || !d->q || !d->st.hist)
        return DMASIM_ENOMEM;
    char *base = d->block;
    d->s.ch = (chanst *)(void *)(base + o_ch);
    d->s.rk = (rankst *)(void *)(base + o_rk);
    d->s.bg = (bgst *)(void *)(base + o_bg);
    d->s.bk = (bank *)(void *)(base + o_bk);
    d->s.sh = (uint64_t *)(void *)(base + o_sh);
    for (uint32_t c = 0; c < d->nch; c++) {
        chanq *q = &d->q[c];
        q->ch = &d->s.ch[c];
        q->rk = &d->s.rk[(size_t)c * d->nrk];
        q->bg = &d->s.bg[(size_t)c * d->nrk * d->nbg];
        q->bk = &d->s.bk[(size_t)c * d->banks_per_ch];
        q->sh = &d->s.sh[(size_t)c * S_KINDS * d->nrgs];
        q->slot = dmasim__alloc(sim, d->depth * sizeof *q->slot);
        q->free_slots = dmasim__alloc(sim, d->depth * sizeof *q->free_slots);
        q->ahead = q->atail = -1;
        if (!q->slot || !q->free_slots)
            return DMASIM_ENOMEM;
        for (uint32_t i = 0; i < d->depth; i++)
            q->free_slots[i] = (int32_t)(d->depth - 1 - i);
        q->nfree = d->depth;
        for (uint32_t r = 0; r < d->nrk; r++) {
            rankst *rk = &d->q[c].rk[r];
            /* RANK_LEVEL_STAGGERED: rank r's first refresh is due at trefi + r * trefi / ranks */
            rk->ref_due = d->refresh ? d->trefi + r * (d->trefi / d->nrk) : NEVER;
        }
        q->ch->ref_min = q->rk[0].ref_due;
        for (uint32_t b = 0; b < d->banks_per_ch; b++) {
            bank *bk = bank_at(d, c, b);
            bk->rank = b / d->banks_per_rank;
            bk->bg = (b / d->nbpg) % d->nbg;
            bk->ba = b % d->nbpg;
            bk->rgi = bk->rank * d->nbg + bk->bg;
            bk->head = bk->tail = bk->cand_slot = -1;
        }
    }
    return 0;
}

static int dram_new(dmasim_sim *sim, dmasim_bus *bus, const dmasim_dram_config *cfg, dmasim_dram **out)
{
    dmasim_dram_config def;
    if (!cfg) {
        dmasim_dram_config_init(&def);
        cfg = &def;
    }
    const char *name = cfg->name ? cfg->name : "dram0";
    char msg[256];
    int err = dmasim_dram_config_check(cfg, msg, sizeof msg);
    if (err)
        return dmasim__error(sim, err, "%s: %s", name, msg);
    dmasim_dram *d = dmasim__alloc(sim, sizeof *d);
    if (!d)
        return DMASIM_ENOMEM;
    d->sim = sim;
    d->bus = bus;
    d->cfg = *cfg;
    d->name = dmasim__strdup(sim, name);
    d->mapping = dmasim__strdup(sim, cfg->address_mapping);
    d->source = cfg->source ? dmasim__strdup(sim, cfg->source) : NULL;
    d->cfg.name = d->name;
    d->cfg.address_mapping = d->mapping;
    d->cfg.source = d->source;
    d->recording = 1;
    d->depth = bus ? 1 : cfg->queue_depth;
    d->bus_period = bus ? dmasim_bus_period(bus) : 1;
    if (!d->name || !d->mapping || (cfg->source && !d->source)) {
        dram_destroy(d);
        return DMASIM_ENOMEM;
    }
    derive(d);
    if (alloc_state(d)) {
        dram_destroy(d);
        return DMASIM_ENOMEM;
    }
    if (dmasim__component_add(sim, d, &dram_component)) {
        dram_destroy(d);
        return DMASIM_ENOMEM;
    }
    err = register_stats(d);
    if (err)
        return err; /* d is owned by the sim now */
    if (out)
        *out = d;
    return 0;
}

int dmasim_dram_create_standalone(dmasim_sim *sim, const dmasim_dram_config *cfg, dmasim_dram **out)
{
    return dram_new(sim, NULL, cfg, out);
}

int dmasim_dram_create(dmasim_bus *bus, const dmasim_dram_config *cfg, dmasim_dram **out)
{
    dmasim_sim *sim = dmasim_bus_sim(bus);
    dmasim_dram *d = NULL;
    int err = dram_new(sim, bus, cfg, &d);
    if (err)
        return err;
    err = dmasim_bus_map(bus, d->name, d->cfg.base, d->size, DMASIM_SLAVE_CACHEABLE, &dram_slave_ops, d);
    if (err)
        return err;
    if (out)
        *out = d;
    return 0;
}

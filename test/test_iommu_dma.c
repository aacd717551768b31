/* The DMAC behind the IOMMU (dmasim_dmac_set_iommu, docs/iommu.md): what a whole system does.
 *
 *   - timing: a burst copy's completion follows the rule 1 + N * unit + walks * reads * read,
 *     where a unit is a read and a write of one 8-byte item (each address 1 + 1 beat + wait
 *     states), every page of the source and of the destination costs one walk the first time
 *     the stream touches it, and a walk reads `levels` PTEs for a 4 KiB page, `levels - 1` for
 *     a 2 MiB one; a 1-entry IOTLB thrashes between the source and the destination page;
 *   - a translation fault stops only its channel (DMASIM_EFAULT at the IOVA, nothing written),
 *     is logged and raises the IOMMU's interrupt; another channel and the CPU run to the end;
 *   - a malicious bus-mastering device: with the IOMMU its reads and writes outside its mapping
 *     fault and the bytes are intact, without it the secret is copied and the kernel word
 *     overwritten;
 *   - use after unmap: a CPU script that unmaps without invalidating lets the next DMA go
 *     through the stale IOTLB entries (two stale uses per unit, the bytes move); with the
 *     invalidation the DMA faults;
 *   - bad page tables: a PTE outside the IOMMU's memory range, one pointing where the bus has
 *     no memory, and a table pointing to itself give faults, never a crash.
 * Every case runs on the fast and on the reference path, and the two must give identical
 * statistics, fault records and stale-use records. Expected values come from the rules above,
 * not from a previous run. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

#define P 10000ull  /* bus period, ps */
#define WS 2u       /* SRAM wait states */
#define RD (2u + WS) /* bus cycles of one 8-byte transaction: address + one beat + wait states */
#define TB 0x3FF00000ull /* default table region */
#define REG 0xF0000000ull
#define KB4 DMASIM_IOMMU_PAGE_4K
#define MB2 DMASIM_IOMMU_PAGE_2M
#define RW (DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE)

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    dmasim_iommu *mmu;
    dmasim_time mmu_irq_rise; /* first rising edge of "<iommu>.irq" */
} sys;

static void on_mmu_irq(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    sys *s = ctx;
    if (value && s->mmu_irq_rise == DMASIM_TIME_NEVER)
        s->mmu_irq_rise = t;
}

/* A 1 GiB SRAM at 0 with WS wait states on the default bus, optionally a CPU (master 0), a
 * DMAC with its registers at REG, and an IOMMU (levels, IOTLB entries and ways; mem_size
 * 0 keeps the default 1 GiB range). The DMAC is not put behind the IOMMU here. */
static void sys_init(sys *s, int reference, int with_cpu, unsigned levels, uint32_t entries, uint32_t ways,
                     uint64_t mem_size)
{
    memset(s, 0, sizeof *s);
    s->mmu_irq_rise = DMASIM_TIME_NEVER;
    s->sim = tu_sim(reference);
    s->bus = tu_bus(s->sim);
    tu_sram(s->bus, 0, 1ull << 30, WS);
    int err;
    if (with_cpu) {
        dmasim_cpu_config cc;
        dmasim_cpu_config_init(&cc);
        err = dmasim_cpu_create(s->bus, &cc, &s->cpu);
        ck_assert_msg(err == 0, "cpu_create: %s", dmasim_sim_errmsg(s->sim));
    }
    dmasim_dmac_config dc;
    dmasim_dmac_config_init(&dc);
    dc.reg_base = REG;
    err = dmasim_dmac_create(s->bus, &dc, &s->dmac);
    ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(s->sim));
    if (s->cpu)
        ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    dmasim_iommu_config mc;
    dmasim_iommu_config_init(&mc);
    mc.levels = levels;
    mc.iotlb_entries = entries;
    mc.iotlb_ways = ways;
    if (mem_size) {
        mc.mem_size = mem_size;
        mc.table_base = mem_size > (1ull << 30) ? TB : mem_size - (1u << 20);
    }
    err = dmasim_iommu_create(s->sim, &mc, &s->mmu);
    ck_assert_msg(err == 0, "iommu_create: %s", dmasim_sim_errmsg(s->sim));
    ck_assert_int_eq(dmasim_signal_subscribe(dmasim_iommu_irq(s->mmu), on_mmu_irq, s), 0);
    if (s->cpu)
        ck_assert_int_eq(dmasim_cpu_set_iommu(s->cpu, s->mmu), 0);
}

static void behind(sys *s, uint32_t device)
{
    int err = dmasim_dmac_set_iommu(s->dmac, s->mmu, device);
    ck_assert_msg(err == 0, "set_iommu: %s", dmasim_sim_errmsg(s->sim));
}

static void attach(sys *s, uint32_t device, uint32_t domain)
{
    ck_assert_int_eq(dmasim_iommu_attach(s->mmu, device, domain), 0);
}

static void map(sys *s, uint32_t domain, dmasim_addr iova, dmasim_addr phys, uint64_t size, unsigned perms,
                uint64_t page)
{
    int err = dmasim_iommu_map(s->mmu, domain, iova, phys, size, perms, page);
    ck_assert_msg(err == 0, "map: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static void run(sys *s)
{
    int err = dmasim_sim_run(s->sim);
    ck_assert_msg(err == 0, "sim_run: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static void start(sys *s, unsigned ch, dmasim_addr src, dmasim_addr dst, uint64_t count)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = src;
    t.dst = dst;
    t.count = count;
    t.item_size = 8;
    t.mode = DMASIM_DMA_BURST;
    int err = dmasim_dmac_channel_start(s->dmac, ch, &t);
    ck_assert_msg(err == 0, "channel_start: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(s->sim));
}

static dmasim_dma_channel_status status(const sys *s, unsigned ch)
{
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, ch, &st), 0);
    return st;
}

static void expect_done(const sys *s, unsigned ch, uint64_t count)
{
    dmasim_dma_channel_status st = status(s, ch);
    ck_assert_msg(!st.busy && st.tc && !st.error && st.items_done == count,
                  "channel %u: busy %d tc %d error %d (%s at 0x%llx) items %llu of %llu", ch, st.busy, st.tc,
                  st.error, dmasim_err_name(st.err), (unsigned long long)st.err_addr,
                  (unsigned long long)st.items_done, (unsigned long long)count);
}

/* The channel stopped by a translation fault at iova, after `items` items. */
static void expect_fault(const sys *s, unsigned ch, dmasim_addr iova, uint64_t items)
{
    dmasim_dma_channel_status st = status(s, ch);
    ck_assert_msg(!st.busy && !st.tc && st.error && st.err == DMASIM_EFAULT && st.err_addr == iova &&
                      st.items_done == items,
                  "channel %u: busy %d tc %d error %d (%s at 0x%llx) items %llu; want EFAULT at 0x%llx after %llu",
                  ch, st.busy, st.tc, st.error, dmasim_err_name(st.err), (unsigned long long)st.err_addr,
                  (unsigned long long)st.items_done, (unsigned long long)iova, (unsigned long long)items);
}

static void expect_fault_record(const sys *s, size_t i, uint32_t device, uint32_t domain, dmasim_addr iova,
                                int is_write, dmasim_iommu_fault_kind kind)
{
    const dmasim_iommu_fault *f = dmasim_iommu_fault_at(s->mmu, i);
    ck_assert_ptr_nonnull(f);
    ck_assert_msg(f->device == device && f->domain == domain && f->iova == iova && f->is_write == is_write &&
                      f->kind == kind,
                  "fault %zu: device %u domain %u iova 0x%llx %s %s; want device %u domain %u iova 0x%llx %s %s", i,
                  f->device, f->domain, (unsigned long long)f->iova, f->is_write ? "write" : "read",
                  dmasim_iommu_fault_kind_name(f->kind), device, domain, (unsigned long long)iova,
                  is_write ? "write" : "read", dmasim_iommu_fault_kind_name(kind));
}

static dmasim_iommu_stats mmu_stats(const sys *s)
{
    dmasim_iommu_stats st;
    dmasim_iommu_get_stats(s->mmu, &st);
    return st;
}

static uint64_t stat_get(const sys *s, const char *path)
{
    uint64_t v = 0;
    ck_assert_msg(dmasim_sim_stat_u64(s->sim, path, &v) == 0, "no statistic %s", path);
    return v;
}

static uint8_t pat(uint64_t i, unsigned seed)
{
    return (uint8_t)(i * 151u + (i >> 8) * 13u + seed * 29u + 1u);
}

static void fill(const sys *s, dmasim_addr a, size_t len, unsigned seed)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pat(i, seed);
    ck_assert_int_eq(dmasim_mem_write(s->sim, a, b, len), 0);
    free(b);
}

/* The len bytes at a are pat(first.., seed), or all `byte` when seed is 0. */
static void expect_bytes(const sys *s, dmasim_addr a, size_t len, unsigned seed, uint64_t first, uint8_t byte,
                         const char *what)
{
    uint8_t *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(dmasim_mem_read(s->sim, a, b, len), 0);
    size_t i = 0;
    while (i < len && b[i] == (seed ? pat(first + i, seed) : byte))
        i++;
    uint8_t got = i < len ? b[i] : 0, want = i < len ? (seed ? pat(first + i, seed) : byte) : 0;
    free(b);
    ck_assert_msg(i == len, "%s: byte at 0x%llx is 0x%02x, want 0x%02x", what, (unsigned long long)(a + i), got,
                  want);
}

/* Every statistic, then every fault and stale-use record, one per line (malloc'ed): what the
 * two simulation paths must agree on. */
static char *digest(sys *s)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    out[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(out + len, cap - len, __VA_ARGS__);                                      \
        ck_assert(n_ >= 0);                                                                        \
        while ((size_t)n_ >= cap - len) {                                                          \
            cap *= 2;                                                                              \
            out = realloc(out, cap);                                                               \
            ck_assert_ptr_nonnull(out);                                                            \
            n_ = snprintf(out + len, cap - len, __VA_ARGS__);                                      \
        }                                                                                          \
        len += (size_t)n_;                                                                         \
    } while (0)
    dmasim_sim_stats_update(s->sim);
    size_t n = dmasim_sim_stat_count(s->sim);
    for (size_t i = 0; i < n; i++) {
        const dmasim_stat *st = dmasim_sim_stat_at(s->sim, i);
        if (st->kind == DMASIM_STAT_U64)
            ADD("%s %" PRIu64 "\n", st->path, *(const uint64_t *)st->value);
        else
            ADD("%s %.17g\n", st->path, *(const double *)st->value);
    }
    for (size_t i = 0; dmasim_iommu_fault_at(s->mmu, i); i++) {
        const dmasim_iommu_fault *f = dmasim_iommu_fault_at(s->mmu, i);
        ADD("fault %d dev %u dom %u iova 0x%llx w %d level %u pte 0x%llx t %llu\n", (int)f->kind, f->device,
            f->domain, (unsigned long long)f->iova, f->is_write, f->level, (unsigned long long)f->pte_addr,
            (unsigned long long)f->time);
    }
    for (size_t i = 0; dmasim_iommu_stale_at(s->mmu, i); i++) {
        const dmasim_iommu_stale_use *u = dmasim_iommu_stale_at(s->mmu, i);
        ADD("stale dev %u dom %u iova 0x%llx w %d phys 0x%llx t %llu\n", u->device, u->domain,
            (unsigned long long)u->iova, u->is_write, (unsigned long long)u->phys, (unsigned long long)u->time);
    }
    ADD("mmu irq %llu now %llu\n", (unsigned long long)s->mmu_irq_rise, (unsigned long long)dmasim_sim_now(s->sim));
#undef ADD
    return out;
}

/* The fast path's digest equals the reference path's; names the first differing line. */
static void expect_same(char *fast, char *ref, const char *what)
{
    size_t i = 0, line = 0;
    while (fast[i] && fast[i] == ref[i]) {
        if (fast[i] == '\n')
            line = i + 1;
        i++;
    }
    if (fast[i] || ref[i]) {
        char a[160], b[160];
        snprintf(a, sizeof a, "%.*s", (int)strcspn(fast + line, "\n"), fast + line);
        snprintf(b, sizeof b, "%.*s", (int)strcspn(ref + line, "\n"), ref + line);
        free(fast);
        free(ref);
        ck_abort_msg("%s: fast and reference paths differ: '%s' vs '%s'", what, a, b);
    }
    free(fast);
    free(ref);
}

/* What a case returns: the digest of its run, and its two headline results with the values
 * the rule gives (asserted by the test body). */
typedef struct case_result {
    char *digest;
    tu_outcome o;
} case_result;

/* Run one case on both paths: out[0] fast, out[1] reference; their digests must be equal. */
static void both_paths(case_result (*fn)(int reference), const char *what, tu_outcome out[2])
{
    case_result f = fn(0), r = fn(1);
    out[0] = f.o;
    out[1] = r.o;
    expect_same(f.digest, r.digest, what);
}

/* Digest the run, free it, and return the digest with the outcome. */
static case_result finish(sys *s, tu_outcome o)
{
    case_result r = {digest(s), o};
    dmasim_sim_destroy(s->sim);
    return r;
}

/* ======================================================================================= */
/* Timing: the walk rule                                                                    */
/* ======================================================================================= */

#define SRC_IOVA 0x10000000ull
#define DST_IOVA 0x10400000ull
#define SRC_PHYS 0x200000ull
#define DST_PHYS 0x600000ull
#define N_ITEMS 8192u /* 64 KiB: 16 pages of 4 KiB per side */

static const struct {
    unsigned levels;
    uint64_t page;
} rule_cases[] = {{4, KB4}, {3, KB4}, {4, MB2}, {3, MB2}};
static int rule_case;

/* Completion of an N-item burst without IOMMU: one arbitration cycle, then N units. */
static uint64_t plain_cycles(uint64_t n)
{
    return 1 + n * 2 * RD;
}

static case_result case_walk_rule(int reference)
{
    tu_outcome o = {0};
    const unsigned levels = rule_cases[rule_case].levels;
    const uint64_t page = rule_cases[rule_case].page;
    const uint64_t bytes = (uint64_t)N_ITEMS * 8;
    const uint64_t map_size = page == KB4 ? bytes : MB2;
    const uint64_t walks = 2 * (map_size == bytes ? bytes / page : 1); /* source pages + destination pages */
    const uint64_t reads = page == KB4 ? levels : levels - 1;
    sys s;
    sys_init(&s, reference, 0, levels, 64, 4, 0);
    behind(&s, 0);
    attach(&s, 0, 7);
    map(&s, 7, SRC_IOVA, SRC_PHYS, map_size, DMASIM_IOMMU_READ, page);
    map(&s, 7, DST_IOVA, DST_PHYS, map_size, DMASIM_IOMMU_WRITE, page);
    fill(&s, SRC_PHYS, bytes, 1);
    start(&s, 0, SRC_IOVA, DST_IOVA, N_ITEMS);
    run(&s);
    expect_done(&s, 0, N_ITEMS);
    expect_bytes(&s, DST_PHYS, bytes, 1, 0, 0, "destination (physical)");
    dmasim_dma_channel_status st = status(&s, 0);
    uint64_t cycles = (st.end_time - st.start_time) / P;
    tu_outcome_set(&o, 0, "completion cycles", cycles, plain_cycles(N_ITEMS) + walks * reads * RD);
    ck_assert_uint_eq(stat_get(&s, "dmac0.ch0.completion_cycles"), cycles);
    dmasim_iommu_stats ms = mmu_stats(&s);
    tu_outcome_set(&o, 1, "walk reads", ms.walk_reads, walks * reads);
    ck_assert_uint_eq(ms.iotlb_misses, walks);
    ck_assert_uint_eq(ms.walks, walks);
    ck_assert_uint_eq(ms.walk_reads, walks * reads);
    ck_assert_uint_eq(ms.iotlb_hits, 2ull * N_ITEMS - walks); /* every other translation hits */
    ck_assert_uint_eq(ms.faults + ms.stale_iotlb_uses + ms.iotlb_evictions, 0);
    /* PTE reads are the DMAC's own bus transactions */
    ck_assert_uint_eq(stat_get(&s, "bus0.master.dmac0.transactions"), 2ull * N_ITEMS + walks * reads);
    return finish(&s, o);
}

START_TEST(test_burst_completion_follows_the_walk_rule)
{
    rule_case = _i;
    tu_outcome o[2];
    both_paths(case_walk_rule, "walk rule", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* The same copy at physical addresses with no IOMMU in front: 1 + N * unit. */
static case_result case_no_iommu(int reference)
{
    tu_outcome o = {0};
    sys s;
    sys_init(&s, reference, 0, 4, 64, 4, 0);
    fill(&s, SRC_PHYS, N_ITEMS * 8, 1);
    start(&s, 0, SRC_PHYS, DST_PHYS, N_ITEMS);
    run(&s);
    expect_done(&s, 0, N_ITEMS);
    tu_outcome_set(&o, 0, "completion cycles", stat_get(&s, "dmac0.ch0.completion_cycles"), plain_cycles(N_ITEMS));
    tu_outcome_set(&o, 1, "walks", mmu_stats(&s).walks, 0);
    return finish(&s, o);
}

START_TEST(test_without_the_iommu_a_burst_is_one_plus_n_units)
{
    tu_outcome o[2];
    both_paths(case_no_iommu, "no IOMMU", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* One IOTLB entry: the source and the destination page evict each other, so every
 * translation walks: two walks per unit. */
static case_result case_thrash(int reference)
{
    tu_outcome o = {0};
    const uint64_t n = 64;
    sys s;
    sys_init(&s, reference, 0, 4, 1, 1, 0);
    behind(&s, 0);
    attach(&s, 0, 0);
    map(&s, 0, SRC_IOVA, SRC_PHYS, KB4, DMASIM_IOMMU_READ, KB4);
    map(&s, 0, DST_IOVA, DST_PHYS, KB4, DMASIM_IOMMU_WRITE, KB4);
    start(&s, 0, SRC_IOVA, DST_IOVA, n);
    run(&s);
    expect_done(&s, 0, n);
    tu_outcome_set(&o, 0, "completion cycles", stat_get(&s, "dmac0.ch0.completion_cycles"),
                   plain_cycles(n) + 2 * n * 4 * RD);
    dmasim_iommu_stats ms = mmu_stats(&s);
    ck_assert_uint_eq(ms.iotlb_hits, 0);
    tu_outcome_set(&o, 1, "IOTLB misses", ms.iotlb_misses, 2 * n);
    ck_assert_uint_eq(ms.iotlb_evictions, 2 * n - 1);
    return finish(&s, o);
}

START_TEST(test_one_entry_iotlb_walks_for_every_access)
{
    tu_outcome o[2];
    both_paths(case_thrash, "1-entry IOTLB", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* ======================================================================================= */
/* A fault stops only its channel                                                           */
/* ======================================================================================= */

#define DEV0 4u /* requester id of channel 0 */

static case_result case_fault_isolated(int reference)
{
    tu_outcome o = {0};
    const dmasim_addr secret = 0x200000, buf = 0x300000;
    sys s;
    sys_init(&s, reference, 1, 4, 64, 4, 0);
    behind(&s, DEV0);
    attach(&s, DEV0 + 0, 1); /* channel 0: a device that may only use its buffer */
    attach(&s, DEV0 + 1, 2); /* channel 1: a legitimate copy */
    map(&s, 1, buf, buf, KB4, RW, KB4);
    map(&s, 2, 0x400000, 0x400000, 0x4000, DMASIM_IOMMU_READ, KB4);
    map(&s, 2, 0x500000, 0x500000, 0x4000, DMASIM_IOMMU_WRITE, KB4);
    fill(&s, secret, KB4, 2);
    fill(&s, 0x400000, 0x4000, 3);
    dmasim_synthetic_config syn;
    dmasim_synthetic_config_init(&syn);
    syn.accesses = 2000;
    syn.base = 0x800000;
    syn.working_set = 0x10000;
    ck_assert_int_eq(dmasim_cpu_run_synthetic(s.cpu, &syn), 0);
    start(&s, 0, secret, buf, 512);
    start(&s, 1, 0x400000, 0x500000, 0x800);
    run(&s);
    expect_fault(&s, 0, secret, 0);
    expect_done(&s, 1, 0x800);
    expect_bytes(&s, 0x500000, 0x4000, 3, 0, 0, "channel 1's destination");
    expect_bytes(&s, buf, KB4, 0, 0, 0, "channel 0's buffer");
    ck_assert(dmasim_cpu_finished(s.cpu));
    ck_assert_uint_eq(stat_get(&s, "cpu0.loads") + stat_get(&s, "cpu0.stores"), 2000);
    tu_outcome_set(&o, 0, "faults", dmasim_iommu_fault_count(s.mmu), 1);
    tu_outcome_set(&o, 1, "channel 1 items", status(&s, 1).items_done, 0x800);
    expect_fault_record(&s, 0, DEV0, 1, secret, 0, DMASIM_IOMMU_FAULT_NOT_PRESENT);
    const dmasim_iommu_fault *f = dmasim_iommu_fault_at(s.mmu, 0);
    ck_assert_uint_eq(f->level, 1); /* the buffer's level-1 table exists; the secret's PTE is empty */
    ck_assert_uint_eq(s.mmu_irq_rise, f->time);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(s.mmu)), 1);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_dmac_irq(s.dmac)), 1); /* ERR of channel 0, TC of 1 */
    ck_assert_uint_eq(stat_get(&s, "dmac0.ch0.errors"), 1);
    return finish(&s, o);
}

START_TEST(test_fault_stops_only_its_channel)
{
    tu_outcome o[2];
    both_paths(case_fault_isolated, "fault isolation", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* ======================================================================================= */
/* A malicious bus-mastering device                                                         */
/* ======================================================================================= */

#define KERNEL_WORD 0x100040ull
#define SECRET 0x200000ull
#define DEVBUF 0x300000ull   /* the device's receive buffer; DEVBUF + 4 KiB: its own data */
#define KERNEL_VALUE 0x1122334455667788ull

static int malicious_iommu_on;

static uint64_t read_u64(const sys *s, dmasim_addr a)
{
    uint8_t b[8];
    ck_assert_int_eq(dmasim_mem_read(s->sim, a, b, 8), 0);
    return dmasim_iommu_pte_load(b);
}

/* Channel 1 is the device's DMA engine (requester id 1, domain 1: only its 8 KiB buffer). It
 * copies the secret page into its buffer, then writes 8 bytes of its own over a kernel word. */
static case_result case_malicious(int reference)
{
    tu_outcome o = {0};
    sys s;
    sys_init(&s, reference, 0, 4, 64, 4, 0);
    if (malicious_iommu_on)
        behind(&s, 0);
    attach(&s, 1, 1);
    map(&s, 1, DEVBUF, DEVBUF, 0x2000, RW, KB4);
    fill(&s, SECRET, KB4, 5);
    fill(&s, DEVBUF + KB4, 8, 6);
    uint8_t kw[8];
    dmasim_iommu_pte_store(kw, KERNEL_VALUE);
    ck_assert_int_eq(dmasim_mem_write(s.sim, KERNEL_WORD, kw, 8), 0);

    start(&s, 1, SECRET, DEVBUF, 512); /* exfiltration */
    run(&s);
    dmasim_time t1 = dmasim_sim_now(s.sim);
    start(&s, 1, DEVBUF + KB4, KERNEL_WORD, 1); /* overwrite */
    run(&s);

    expect_bytes(&s, SECRET, KB4, 5, 0, 0, "the secret page");
    if (malicious_iommu_on) {
        expect_fault(&s, 1, KERNEL_WORD, 0);
        expect_bytes(&s, DEVBUF, KB4, 0, 0, 0, "the device's buffer");
        tu_outcome_set(&o, 0, "kernel word", read_u64(&s, KERNEL_WORD), KERNEL_VALUE);
        tu_outcome_set(&o, 1, "faults", dmasim_iommu_fault_count(s.mmu), 2);
        expect_fault_record(&s, 0, 1, 1, SECRET, 0, DMASIM_IOMMU_FAULT_NOT_PRESENT);
        expect_fault_record(&s, 1, 1, 1, KERNEL_WORD, 1, DMASIM_IOMMU_FAULT_NOT_PRESENT);
        /* the read of the secret: arbitration, then a 4-read walk that ends on an empty PTE */
        ck_assert_uint_eq(dmasim_iommu_fault_at(s.mmu, 0)->time, (1 + 4 * RD) * P);
        ck_assert_uint_eq(s.mmu_irq_rise, (1 + 4 * RD) * P);
        /* the write: walk of the device's own page (4 reads), its read, then the kernel word's
         * walk stops at level 2 (third read): no table there in domain 1 */
        ck_assert_uint_eq(dmasim_iommu_fault_at(s.mmu, 1)->level, 2);
        ck_assert_uint_eq(dmasim_iommu_fault_at(s.mmu, 1)->time, t1 + (1 + 4 * RD + RD + 3 * RD) * P);
        ck_assert_uint_eq(stat_get(&s, "dmac0.ch1.bytes"), 0);
    } else {
        expect_done(&s, 1, 1);
        expect_bytes(&s, DEVBUF, KB4, 5, 0, 0, "the device's buffer (holds the secret)");
        expect_bytes(&s, KERNEL_WORD, 8, 6, 0, 0, "the kernel word (overwritten)");
        tu_outcome_set(&o, 1, "faults", dmasim_iommu_fault_count(s.mmu), 0);
        ck_assert_uint_eq(s.mmu_irq_rise, DMASIM_TIME_NEVER);
        tu_outcome_set(&o, 0, "bytes the device moved", stat_get(&s, "dmac0.ch1.bytes"), KB4 + 8);
    }
    return finish(&s, o);
}

START_TEST(test_malicious_device_with_and_without_iommu)
{
    malicious_iommu_on = _i;
    tu_outcome o[2];
    both_paths(case_malicious, _i ? "malicious, IOMMU on" : "malicious, IOMMU off", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* ======================================================================================= */
/* Use after unmap: a CPU script with and without the IOTLB invalidation                    */
/* ======================================================================================= */

#define UA_IOVA 0x10000000ull
#define UA_PHYS 0x100000ull
#define UA_ITEMS 64u

static int ua_invalidate;

static dmasim_cpu_op op_iommu(dmasim_cpu_op_kind kind, uint64_t iova, uint64_t phys, uint64_t size)
{
    dmasim_cpu_op o = {0};
    o.kind = kind;
    o.a = iova;
    o.b = phys;
    o.c = size;
    o.d = RW;
    o.domain = 0;
    o.page_size = KB4;
    return o;
}

static dmasim_cpu_op op_dma(dmasim_cpu_op_kind kind, uint64_t src, uint64_t dst)
{
    dmasim_cpu_op o = {0};
    o.kind = kind;
    o.a = REG;
    o.b = src;
    o.c = dst;
    o.d = UA_ITEMS;
    o.item_size = 8;
    o.mode = DMASIM_DMA_BURST;
    return o;
}

static case_result case_use_after_unmap(int reference)
{
    tu_outcome o = {0};
    sys s;
    sys_init(&s, reference, 1, 4, 64, 4, 0);
    behind(&s, 0);
    attach(&s, 0, 0);
    fill(&s, UA_PHYS, KB4, 9); /* the source page; its destination is the next page */
    dmasim_cpu_op ops[8];
    size_t n = 0;
    ops[n++] = op_iommu(DMASIM_OP_IOMMU_MAP, UA_IOVA, UA_PHYS, 2 * KB4);
    ops[n++] = op_dma(DMASIM_OP_DMA_START, UA_IOVA, UA_IOVA + KB4);
    ops[n++] = op_dma(DMASIM_OP_DMA_WAIT, 0, 0);
    ops[n++] = op_iommu(DMASIM_OP_IOMMU_UNMAP, UA_IOVA, 0, 2 * KB4);
    if (ua_invalidate)
        ops[n++] = op_iommu(DMASIM_OP_IOMMU_INVALIDATE, UA_IOVA, 0, 2 * KB4);
    ops[n++] = op_dma(DMASIM_OP_DMA_START, UA_IOVA + 0x200, UA_IOVA + KB4 + 0x200);
    ops[n++] = op_dma(DMASIM_OP_DMA_WAIT, 0, 0);
    int err = dmasim_cpu_run_script(s.cpu, ops, n);
    ck_assert_msg(err == 0, "run_script: %s", dmasim_sim_errmsg(s.sim));
    run(&s);
    ck_assert(dmasim_cpu_finished(s.cpu));
    dmasim_iommu_stats ms = mmu_stats(&s);
    /* the first DMA: 64 units over [0, 0x200) of both pages */
    expect_bytes(&s, UA_PHYS + KB4, 0x200, 9, 0, 0, "first DMA");
    ck_assert_uint_eq(stat_get(&s, "dmac0.ch0.transfers"), 2);
    if (!ua_invalidate) {
        /* the second DMA ran entirely on the IOTLB entries of the unmapped pages */
        tu_outcome_set(&o, 0, "stale IOTLB uses", ms.stale_iotlb_uses, 2 * UA_ITEMS);
        ck_assert_uint_eq(dmasim_iommu_stale_count(s.mmu), 2 * UA_ITEMS);
        ck_assert_uint_eq(ms.faults, 0);
        ck_assert_uint_eq(ms.walks, 2);
        const dmasim_iommu_stale_use *u = dmasim_iommu_stale_at(s.mmu, 0);
        ck_assert_ptr_nonnull(u);
        ck_assert(u->device == 0 && u->domain == 0 && u->iova == UA_IOVA + 0x200 && !u->is_write &&
                  u->phys == UA_PHYS + 0x200);
        u = dmasim_iommu_stale_at(s.mmu, 1);
        ck_assert(u->iova == UA_IOVA + KB4 + 0x200 && u->is_write && u->phys == UA_PHYS + KB4 + 0x200);
        expect_bytes(&s, UA_PHYS + KB4 + 0x200, 0x200, 9, 0x200, 0, "second DMA, through stale entries");
        tu_outcome_set(&o, 1, "items", stat_get(&s, "dmac0.ch0.items"), 2 * UA_ITEMS);
        ck_assert_uint_eq(stat_get(&s, "dmac0.ch0.errors"), 0);
    } else {
        tu_outcome_set(&o, 0, "stale IOTLB uses", ms.stale_iotlb_uses, 0);
        ck_assert_uint_eq(ms.invalidations, 1);
        ck_assert_uint_eq(ms.faults, 1);
        expect_fault_record(&s, 0, 0, 0, UA_IOVA + 0x200, 0, DMASIM_IOMMU_FAULT_NOT_PRESENT);
        expect_bytes(&s, UA_PHYS + KB4 + 0x200, 0x200, 0, 0, 0, "second DMA's destination (untouched)");
        tu_outcome_set(&o, 1, "items", stat_get(&s, "dmac0.ch0.items"), UA_ITEMS);
        ck_assert_uint_eq(stat_get(&s, "dmac0.ch0.errors"), 1);
    }
    return finish(&s, o);
}

START_TEST(test_use_after_unmap_is_detected_and_invalidation_prevents_it)
{
    ua_invalidate = _i;
    tu_outcome o[2];
    both_paths(case_use_after_unmap, _i ? "unmap + invalidate" : "unmap without invalidate", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

/* ======================================================================================= */
/* Bad page tables                                                                          */
/* ======================================================================================= */

enum { BAD_OUTSIDE_RANGE, BAD_NO_MEMORY_ON_BUS, BAD_CYCLE };
#define GOOD_IOVA (1ull << 39) /* root index 1; SRC_IOVA uses root index 0 */
static int bad_case;

static void write_pte(const sys *s, dmasim_addr a, uint64_t pte)
{
    uint8_t b[8];
    dmasim_iommu_pte_store(b, pte);
    ck_assert_int_eq(dmasim_mem_write(s->sim, a, b, 8), 0);
}

/* The domain's tables are built by map(), then its root PTE for SRC_IOVA is corrupted:
 *   outside range   -> a table at 512 MiB, outside the IOMMU's 16 MiB memory range: walk
 *                      error before the read (1 PTE read);
 *   no memory       -> a table at 1.5 GiB, inside the IOMMU's 2 GiB range, where the bus has
 *                      no memory: the DMAC's read fails, walk error (2 PTE reads);
 *   cycle           -> the root table itself: cycle fault (1 PTE read). */
static case_result case_bad_tables(int reference)
{
    tu_outcome o = {0};
    static const uint64_t mem_size[] = {16ull << 20, 2ull << 30, 0};
    static const dmasim_addr target[] = {0x20000000, 0x60000000, 0};
    static const dmasim_iommu_fault_kind kind[] = {DMASIM_IOMMU_FAULT_WALK_ERROR, DMASIM_IOMMU_FAULT_WALK_ERROR,
                                                   DMASIM_IOMMU_FAULT_CYCLE};
    static const uint64_t reads[] = {1, 2, 1};
    sys s;
    sys_init(&s, reference, 0, 4, 64, 4, mem_size[bad_case]);
    behind(&s, 0);
    attach(&s, 0, 0);
    map(&s, 0, SRC_IOVA, SRC_PHYS, KB4, RW, KB4);
    map(&s, 0, DST_IOVA, DST_PHYS, KB4, RW, KB4);
    dmasim_addr root;
    ck_assert_int_eq(dmasim_iommu_domain_root(s.mmu, 0, &root), 0);
    dmasim_addr pte = root + 8 * ((SRC_IOVA >> 39) & 511);
    dmasim_addr table = bad_case == BAD_CYCLE ? root : target[bad_case];
    write_pte(&s, pte, table | DMASIM_IOMMU_PTE_P | DMASIM_IOMMU_PTE_R | DMASIM_IOMMU_PTE_W);
    if (bad_case == BAD_NO_MEMORY_ON_BUS)
        ck_assert_int_lt(dmasim_bus_slave_flags(s.bus, table), 0);
    start(&s, 0, SRC_IOVA, DST_IOVA, 16);
    run(&s);
    expect_fault(&s, 0, SRC_IOVA, 0);
    tu_outcome_set(&o, 0, "faults", dmasim_iommu_fault_count(s.mmu), 1);
    expect_fault_record(&s, 0, 0, 0, SRC_IOVA, 0, kind[bad_case]);
    dmasim_iommu_stats ms = mmu_stats(&s);
    tu_outcome_set(&o, 1, "walk reads", ms.walk_reads, reads[bad_case]);
    ck_assert_uint_eq(ms.iotlb_hits, 0);
    ck_assert_uint_eq(s.mmu_irq_rise, dmasim_iommu_fault_at(s.mmu, 0)->time);
    /* the simulation goes on: another transfer on the same channel, under another root PTE */
    map(&s, 0, GOOD_IOVA, 0x700000, KB4, RW, KB4);
    start(&s, 0, GOOD_IOVA, GOOD_IOVA + 0x800, 16);
    run(&s);
    expect_done(&s, 0, 16);
    return finish(&s, o);
}

START_TEST(test_bad_page_tables_fault_without_crashing)
{
    bad_case = _i;
    tu_outcome o[2];
    both_paths(case_bad_tables, "bad page tables", o);
    tu_assert_outcome(o[0], "fast path");
    tu_assert_outcome(o[1], "reference path");
}
END_TEST

static Suite *iommu_dma_suite(void)
{
    Suite *s = suite_create("iommu_dma");
    TCase *tc = tcase_create("timing");
    tcase_add_loop_test(tc, test_burst_completion_follows_the_walk_rule, 0,
                        (int)(sizeof rule_cases / sizeof rule_cases[0]));
    tcase_add_test(tc, test_without_the_iommu_a_burst_is_one_plus_n_units);
    tcase_add_test(tc, test_one_entry_iotlb_walks_for_every_access);
    suite_add_tcase(s, tc);
    tc = tcase_create("faults");
    tcase_add_test(tc, test_fault_stops_only_its_channel);
    tcase_add_loop_test(tc, test_malicious_device_with_and_without_iommu, 0, 2);
    tcase_add_loop_test(tc, test_bad_page_tables_fault_without_crashing, 0, 3);
    suite_add_tcase(s, tc);
    tc = tcase_create("invalidation");
    tcase_add_loop_test(tc, test_use_after_unmap_is_detected_and_invalidation_prevents_it, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(iommu_dma_suite());
}

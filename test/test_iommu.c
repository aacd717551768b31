/* The IOMMU (include/dmasim/iommu.h, docs/iommu.md): page-table format and walk order, IOTLB,
 * faults and their log and interrupt, map/unmap/invalidate and the stale-IOTLB hazard, domains,
 * configuration and out-of-memory handling.
 *
 * Expected PTE addresses are computed from the documented format, not from a previous run:
 * the PTE of level L for an IOVA is at table + 8 * ((iova >> (12 + 9 * (L - 1))) & 511), and
 * dmasim_iommu_map() takes table pages from the table region in order (root first, then one
 * table per level going down). Most tests play the DMA master with zero-time reads of simulated
 * memory (drive()); the last ones use a real bus master, on both simulation paths. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "dmasim/iommu.h"
#include "testutil.h"

#define TB 0x3FF00000ull /* default table region base */
#define KB4 DMASIM_IOMMU_PAGE_4K
#define MB2 DMASIM_IOMMU_PAGE_2M
#define RW (DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE)

static dmasim_addr idx_addr(dmasim_addr table, unsigned level, dmasim_addr iova)
{
    return table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511);
}

static dmasim_iommu *mk_iommu_cfg(dmasim_sim *sim, const dmasim_iommu_config *cfg)
{
    dmasim_iommu *m = NULL;
    int err = dmasim_iommu_create(sim, cfg, &m);
    ck_assert_msg(err == 0 && m, "dmasim_iommu_create: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(sim));
    return m;
}

static dmasim_iommu *mk_iommu(dmasim_sim *sim, unsigned levels, uint32_t entries, uint32_t ways)
{
    dmasim_iommu_config cfg;
    dmasim_iommu_config_init(&cfg);
    cfg.levels = levels;
    cfg.iotlb_entries = entries;
    cfg.iotlb_ways = ways;
    return mk_iommu_cfg(sim, &cfg);
}

static void map_ok(dmasim_sim *sim, dmasim_iommu *m, uint32_t dom, dmasim_addr iova, dmasim_addr phys,
                   uint64_t size, unsigned perms, uint64_t page)
{
    int err = dmasim_iommu_map(m, dom, iova, phys, size, perms, page);
    ck_assert_msg(err == 0, "map: %s: %s", dmasim_strerror(err), dmasim_sim_errmsg(sim));
}

static uint64_t read_pte(dmasim_sim *sim, dmasim_addr a)
{
    uint8_t b[8];
    dmasim_mem_read(sim, a, b, 8);
    return dmasim_iommu_pte_load(b);
}

static void write_pte(dmasim_sim *sim, dmasim_addr a, uint64_t pte)
{
    uint8_t b[8];
    dmasim_iommu_pte_store(b, pte);
    ck_assert_int_eq(dmasim_mem_write(sim, a, b, 8), 0);
}

/* Play the DMA master: translate, and read each PTE the IOMMU asks for (zero time). */
typedef struct run {
    int rc;
    unsigned n;
    dmasim_addr pte[8];
    dmasim_iommu_walk w;
} run;

static int drive(dmasim_sim *sim, dmasim_iommu *m, uint32_t dev, dmasim_addr iova, int is_write, run *r)
{
    r->n = 0;
    int rc = dmasim_iommu_translate(m, dev, iova, is_write, &r->w);
    while (rc == DMASIM_IOMMU_WALK) {
        ck_assert_uint_lt(r->n, 8);
        r->pte[r->n++] = r->w.pte_addr;
        rc = dmasim_iommu_walk_step(m, &r->w, read_pte(sim, r->w.pte_addr));
    }
    r->rc = rc;
    return rc;
}

static dmasim_iommu_stats stats(const dmasim_iommu *m)
{
    dmasim_iommu_stats s;
    dmasim_iommu_get_stats(m, &s);
    return s;
}

/* ---- walk order and the PTE format -------------------------------------------------------- */

START_TEST(test_walk_reads_four_ptes_for_a_4k_page)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    const dmasim_addr iova = (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12);
    ck_assert_int_eq(dmasim_iommu_attach(m, 10, 1), 0);
    map_ok(sim, m, 1, iova, 0x12345000, KB4, RW, KB4);
    ck_assert_uint_eq(dmasim_iommu_tables_used(m), 4);

    /* root, then the tables allocated for levels 3, 2, 1 in order */
    const dmasim_addr t4 = TB, t3 = TB + 0x1000, t2 = TB + 0x2000, t1 = TB + 0x3000;
    ck_assert_uint_eq(read_pte(sim, t4 + 8 * 3), t3 | 7);
    ck_assert_uint_eq(read_pte(sim, t3 + 8 * 5), t2 | 7);
    ck_assert_uint_eq(read_pte(sim, t2 + 8 * 7), t1 | 7);
    ck_assert_uint_eq(read_pte(sim, t1 + 8 * 9), 0x12345000ull | 7);

    run r;
    ck_assert_int_eq(drive(sim, m, 10, iova + 0x123, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_uint_eq(r.pte[0], idx_addr(t4, 4, iova));
    ck_assert_uint_eq(r.pte[1], idx_addr(t3, 3, iova));
    ck_assert_uint_eq(r.pte[2], idx_addr(t2, 2, iova));
    ck_assert_uint_eq(r.pte[3], idx_addr(t1, 1, iova));
    ck_assert_uint_eq(r.pte[0], TB + 24);
    ck_assert_uint_eq(r.pte[3], TB + 0x3000 + 72);
    ck_assert_uint_eq(r.w.phys, 0x12345123);
    ck_assert_uint_eq(r.w.page_size, KB4);
    ck_assert_uint_eq(r.w.reads, 4);
    dmasim_iommu_stats s = stats(m);
    ck_assert_uint_eq(s.walks, 1);
    ck_assert_uint_eq(s.walk_reads, 4);
    ck_assert_uint_eq(s.iotlb_misses, 1);
    ck_assert_uint_eq(s.iotlb_hits, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_walk_reads_three_ptes_for_a_2m_page)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    const dmasim_addr iova = (1ull << 39) | (2ull << 30) | (3ull << 21);
    ck_assert_int_eq(dmasim_iommu_attach(m, 10, 1), 0);
    map_ok(sim, m, 1, iova, 0x40000000, MB2, DMASIM_IOMMU_READ, MB2);
    ck_assert_uint_eq(dmasim_iommu_tables_used(m), 3);
    /* the leaf at level 2: address | LEAF | R | P */
    ck_assert_uint_eq(read_pte(sim, idx_addr(TB + 0x2000, 2, iova)), 0x40000000ull | 0x83);

    run r;
    ck_assert_int_eq(drive(sim, m, 10, iova + 0x12345, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_uint_eq(r.pte[0], TB + 8 * 1);
    ck_assert_uint_eq(r.pte[1], TB + 0x1000 + 8 * 2);
    ck_assert_uint_eq(r.pte[2], TB + 0x2000 + 8 * 3);
    ck_assert_uint_eq(r.w.phys, 0x40012345);
    ck_assert_uint_eq(r.w.page_size, MB2);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_three_level_tables_cover_39_bits)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 3, 64, 4);
    const dmasim_addr iova = (4ull << 30) | (6ull << 21) | (8ull << 12);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, iova, 0x8000, KB4, RW, KB4);
    map_ok(sim, m, 1, 0x7F000000, 0x600000, MB2, RW, MB2);
    run r;
    ck_assert_int_eq(drive(sim, m, 1, iova, 1, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_uint_eq(r.pte[0], TB + 8 * 4);
    ck_assert_uint_eq(r.pte[1], TB + 0x1000 + 8 * 6);
    ck_assert_uint_eq(r.pte[2], TB + 0x2000 + 8 * 8);
    ck_assert_uint_eq(r.w.phys, 0x8000);
    ck_assert_int_eq(drive(sim, m, 1, 0x7F000010, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_uint_eq(r.w.phys, 0x600010);
    /* 2^39 is beyond a 3-level IOVA space */
    ck_assert_int_eq(drive(sim, m, 1, 1ull << 39, 0, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_ADDRESS_SIZE);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 1ull << 39, 0, KB4, RW, KB4), DMASIM_ERANGE);
    /* so is it for the functional walk, although its low 39 bits (IOVA 0) are mapped */
    map_ok(sim, m, 1, 0x0, 0x9000, KB4, RW, KB4);
    dmasim_iommu_fault_kind kind = DMASIM_IOMMU_FAULT_NONE;
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 1ull << 39, NULL, NULL, NULL, &kind), DMASIM_ENOENT);
    ck_assert_int_eq(kind, DMASIM_IOMMU_FAULT_ADDRESS_SIZE);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- IOTLB -------------------------------------------------------------------------------- */

START_TEST(test_iotlb_hits_after_a_walk)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x10000, 0x90000, KB4, RW, KB4);
    map_ok(sim, m, 1, 0x400000, 0xA00000, MB2, RW, MB2);
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x10008, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(drive(sim, m, 1, 0x10FF0, 1, &r), DMASIM_IOMMU_HIT); /* same page */
    ck_assert_uint_eq(r.n, 0);
    ck_assert_uint_eq(r.w.phys, 0x90FF0);
    ck_assert_int_eq(drive(sim, m, 1, 0x400000, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_int_eq(drive(sim, m, 1, 0x5FFFFF, 0, &r), DMASIM_IOMMU_HIT); /* same 2 MiB page */
    ck_assert_uint_eq(r.n, 0);
    ck_assert_uint_eq(r.w.phys, 0xBFFFFF);
    ck_assert_uint_eq(r.w.page_size, MB2);
    dmasim_iommu_stats s = stats(m);
    ck_assert_uint_eq(s.iotlb_hits, 2);
    ck_assert_uint_eq(s.iotlb_misses, 2);
    ck_assert_uint_eq(s.walks, 2);
    ck_assert_uint_eq(s.walk_reads, 7);
    ck_assert_uint_eq(s.stale_iotlb_uses, 0);
    uint64_t v;
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "iommu0.iotlb_hits", &v), 0);
    ck_assert_uint_eq(v, 2);
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "iommu0.walk_reads", &v), 0);
    ck_assert_uint_eq(v, 7);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_iotlb_replaces_the_least_recently_used_entry)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 2, 2); /* one set, two ways */
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x0, 0x100000, 3 * KB4, RW, KB4); /* A = 0x0, B = 0x1000, C = 0x2000 */
    run r;
    drive(sim, m, 1, 0x0000, 0, &r);    /* miss A */
    drive(sim, m, 1, 0x1000, 0, &r);    /* miss B */
    drive(sim, m, 1, 0x0000, 0, &r);    /* hit A: A is MRU, B LRU */
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 1, 0x2000, 0, &r);    /* miss C: evicts B */
    ck_assert_uint_eq(r.n, 4);
    drive(sim, m, 1, 0x0000, 0, &r);    /* A still there */
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 1, 0x1000, 0, &r);    /* B was evicted */
    ck_assert_uint_eq(r.n, 4);
    dmasim_iommu_stats s = stats(m);
    ck_assert_uint_eq(s.iotlb_hits, 2);
    ck_assert_uint_eq(s.iotlb_misses, 4);
    ck_assert_uint_eq(s.iotlb_evictions, 2); /* B by C, then C by B (A was used after C) */
    /* the set holds B (MRU) and A (LRU): invalidating the LRU entry really drops it */
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 1, 0x0, KB4), 0);
    drive(sim, m, 1, 0x1000, 0, &r);
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 1, 0x0000, 0, &r);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_uint_eq(stats(m).iotlb_evictions, 2); /* it took the freed way */
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_two_walks_of_one_page_in_flight_fill_one_entry)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 2, 2); /* one set, two ways */
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 1), 0);
    map_ok(sim, m, 1, 0x0, 0x100000, 2 * KB4, RW, KB4);
    dmasim_iommu_walk a, b; /* two channels translate the same page, walks interleaved */
    int ra = dmasim_iommu_translate(m, 1, 0x10, 0, &a), rb = dmasim_iommu_translate(m, 2, 0x20, 1, &b);
    while (ra == DMASIM_IOMMU_WALK || rb == DMASIM_IOMMU_WALK) {
        if (ra == DMASIM_IOMMU_WALK)
            ra = dmasim_iommu_walk_step(m, &a, read_pte(sim, a.pte_addr));
        if (rb == DMASIM_IOMMU_WALK)
            rb = dmasim_iommu_walk_step(m, &b, read_pte(sim, b.pte_addr));
    }
    ck_assert_int_eq(ra, DMASIM_IOMMU_HIT);
    ck_assert_int_eq(rb, DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(a.phys, 0x100010);
    ck_assert_uint_eq(b.phys, 0x100020);
    run r;
    drive(sim, m, 1, 0x1000, 0, &r); /* takes the second way: nothing evicted */
    ck_assert_uint_eq(r.n, 4);
    ck_assert_uint_eq(stats(m).iotlb_evictions, 0);
    drive(sim, m, 1, 0x0, 0, &r);
    ck_assert_uint_eq(r.n, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_direct_mapped_iotlb_conflicts_on_the_set_index)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 4, 1); /* 4 sets of 1: set = (iova >> 12) & 3 */
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x0, 0x100000, 8 * KB4, RW, KB4);
    run r;
    drive(sim, m, 1, 0x0000, 0, &r);
    drive(sim, m, 1, 0x1000, 0, &r); /* other set: both stay */
    drive(sim, m, 1, 0x0000, 0, &r);
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 1, 0x4000, 0, &r); /* same set as 0x0000: replaces it */
    drive(sim, m, 1, 0x1000, 0, &r);
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 1, 0x0000, 0, &r);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_uint_eq(stats(m).iotlb_evictions, 2);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_without_iotlb_every_access_walks)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 0, 0);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x0, 0x100000, KB4, RW, KB4);
    run r;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(drive(sim, m, 1, 0x10, 0, &r), DMASIM_IOMMU_HIT);
        ck_assert_uint_eq(r.n, 4);
    }
    ck_assert_uint_eq(stats(m).walk_reads, 12);
    ck_assert_uint_eq(stats(m).iotlb_hits, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- faults ------------------------------------------------------------------------------- */

START_TEST(test_write_to_read_only_page_is_a_permission_fault)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 3, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, DMASIM_IOMMU_READ, KB4);
    run r;
    ck_assert_int_eq(drive(sim, m, 3, 0x5010, 1, &r), DMASIM_EFAULT); /* walk, then refuse */
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_PERMISSION);
    ck_assert_uint_eq(r.w.fault.level, 1);
    ck_assert_uint_eq(r.w.fault.pte_addr, r.pte[3]);
    ck_assert_int_eq(r.w.fault.is_write, 1);
    ck_assert_int_eq(drive(sim, m, 3, 0x5010, 0, &r), DMASIM_IOMMU_HIT); /* read is allowed */
    ck_assert_uint_eq(r.n, 4); /* the faulting walk filled nothing */
    ck_assert_int_eq(drive(sim, m, 3, 0x5020, 1, &r), DMASIM_EFAULT); /* refused from the IOTLB */
    ck_assert_uint_eq(r.n, 0);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_PERMISSION);
    ck_assert_uint_eq(r.w.fault.level, 1);
    ck_assert_uint_eq(r.w.fault.pte_addr, TB + 0x3000 + 8 * 5);
    dmasim_iommu_stats s = stats(m);
    ck_assert_uint_eq(s.faults, 2);
    ck_assert_uint_eq(s.iotlb_hits, 1);
    ck_assert_uint_eq(s.walks, 2);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_permissions_are_the_and_along_the_path)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    /* drop W from the level-3 table pointer: the leaf's W no longer suffices */
    dmasim_addr a = idx_addr(TB + 0x1000, 3, 0x5000);
    write_pte(sim, a, read_pte(sim, a) & ~DMASIM_IOMMU_PTE_W);
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x5000, 1, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_PERMISSION);
    ck_assert_int_eq(drive(sim, m, 1, 0x5000, 0, &r), DMASIM_IOMMU_HIT);
    unsigned perms = 0;
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 0x5000, NULL, &perms, NULL, NULL), 0);
    ck_assert_uint_eq(perms, DMASIM_IOMMU_READ);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_unmapped_iova_is_a_not_present_fault_at_the_first_empty_level)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x6000, 0, &r), DMASIM_EFAULT); /* neighbour in the same L1 table */
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NOT_PRESENT);
    ck_assert_uint_eq(r.w.fault.level, 1);
    ck_assert_uint_eq(r.w.fault.pte_addr, TB + 0x3000 + 8 * 6);
    ck_assert_int_eq(drive(sim, m, 1, 5ull << 39, 0, &r), DMASIM_EFAULT); /* empty root entry */
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.w.fault.level, 4);
    ck_assert_uint_eq(r.w.fault.pte_addr, TB + 8 * 5);
    /* a domain that has no root table yet */
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 7), 0);
    ck_assert_int_eq(drive(sim, m, 2, 0x5000, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NOT_PRESENT);
    ck_assert_uint_eq(r.w.fault.level, 0);
    ck_assert_uint_eq(stats(m).walks, 2);
    ck_assert_uint_eq(stats(m).iotlb_misses, 3);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_pte_outside_memory_is_a_walk_error_without_reading_it)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4); /* memory [0, 1 GiB) */
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, 0x100000), 0);
    write_pte(sim, 0x100000, 0x80000000ull | 7); /* level-3 table at 2 GiB */
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 1); /* only the root PTE was read */
    ck_assert_uint_eq(r.pte[0], 0x100000);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_WALK_ERROR);
    ck_assert_uint_eq(r.w.fault.level, 3);
    ck_assert_uint_eq(r.w.fault.pte_addr, 0x80000000);
    /* a root table outside memory: no read at all */
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, 0x40000000), 0);
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_WALK_ERROR);
    ck_assert_uint_eq(r.w.fault.level, 4);
    ck_assert_uint_eq(stats(m).walk_reads, 1);
    /* the last 8 bytes of memory are inside: a root table in memory's last page, read at entry
     * 511 (IOVA bits 47:39 all ones), is read (its PTE is empty: not present) */
    const dmasim_addr top = (1ull << 30) - KB4;
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, top), 0);
    const dmasim_addr iova = 511ull << 39;
    ck_assert_int_eq(drive(sim, m, 1, iova, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.pte[0], idx_addr(top, 4, iova));
    ck_assert_uint_eq(r.pte[0], (1ull << 30) - 8);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NOT_PRESENT);
    ck_assert_uint_eq(r.w.fault.level, 4);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_failed_pte_read_aborts_the_walk_with_a_walk_error)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    dmasim_iommu_walk w;
    ck_assert_int_eq(dmasim_iommu_translate(m, 1, 0x5000, 0, &w), DMASIM_IOMMU_WALK);
    ck_assert_int_eq(dmasim_iommu_walk_abort(m, &w), DMASIM_EFAULT);
    ck_assert_int_eq(w.fault.kind, DMASIM_IOMMU_FAULT_WALK_ERROR);
    ck_assert_uint_eq(w.fault.level, 4);
    ck_assert_uint_eq(w.fault.pte_addr, TB);
    ck_assert_uint_eq(stats(m).walk_reads, 1);
    /* the walk is over: more steps are refused */
    ck_assert_int_eq(dmasim_iommu_walk_step(m, &w, 0), DMASIM_ESTATE);
    ck_assert_int_eq(dmasim_iommu_walk_abort(m, &w), DMASIM_ESTATE);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_table_pointing_to_itself_is_a_cycle_fault)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, 0x100000), 0);
    write_pte(sim, 0x100000, 0x100000ull | 7); /* root entry 0 -> root */
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_CYCLE);
    ck_assert_uint_eq(r.w.fault.level, 3);
    ck_assert_uint_eq(r.w.fault.pte_addr, 0x100000);
    /* a longer loop: root -> A -> B -> A */
    write_pte(sim, 0x100000, 0x101000ull | 7);
    write_pte(sim, 0x101000, 0x102000ull | 7);
    write_pte(sim, 0x102000, 0x101000ull | 7);
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_CYCLE);
    ck_assert_uint_eq(r.w.fault.level, 1);
    dmasim_iommu_fault_kind k;
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 0x0, NULL, NULL, NULL, &k), DMASIM_ENOENT);
    ck_assert_int_eq(k, DMASIM_IOMMU_FAULT_CYCLE);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_leaf_bit_above_level_2_is_a_bad_pte_fault)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, 0x100000), 0);
    write_pte(sim, 0x100000, 0x101000ull | 0x87); /* LEAF at level 4 */
    run r;
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_BAD_PTE);
    ck_assert_uint_eq(r.w.fault.level, 4);
    /* LEAF at level 3, with an address that would be aligned for any page size */
    write_pte(sim, 0x100000, 0x101000ull | 7);
    write_pte(sim, 0x101000, 0x40000000ull | 0x87);
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_BAD_PTE);
    ck_assert_uint_eq(r.w.fault.level, 3);
    ck_assert_uint_eq(r.w.fault.pte_addr, 0x101000);
    /* a 2 MiB leaf whose address is not 2 MiB aligned */
    write_pte(sim, 0x100000, 0x101000ull | 7);
    write_pte(sim, 0x101000, 0x102000ull | 7);
    write_pte(sim, 0x102000, 0x201000ull | 0x87);
    ck_assert_int_eq(drive(sim, m, 1, 0x0, 0, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_BAD_PTE);
    ck_assert_uint_eq(r.w.fault.level, 2);
    /* bits 63:52 and 11:8 are ignored */
    write_pte(sim, 0x102000, 0xFFF0000000200F87ull);
    ck_assert_int_eq(drive(sim, m, 1, 0x1234, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.w.phys, 0x201234);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_unattached_device_faults_or_passes_through)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    run r;
    ck_assert_int_eq(drive(sim, m, 99, 0x1234, 1, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NO_DOMAIN);
    ck_assert_uint_eq(r.w.fault.domain, DMASIM_IOMMU_NO_DOMAIN);
    ck_assert_uint_eq(r.w.fault.device, 99);
    /* attach, then detach again */
    ck_assert_int_eq(dmasim_iommu_attach(m, 99, 4), 0);
    ck_assert_uint_eq(dmasim_iommu_device_domain(m, 99), 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 99, DMASIM_IOMMU_NO_DOMAIN), 0);
    ck_assert_uint_eq(dmasim_iommu_device_domain(m, 99), DMASIM_IOMMU_NO_DOMAIN);
    ck_assert_int_eq(drive(sim, m, 99, 0x1234, 1, &r), DMASIM_EFAULT);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NO_DOMAIN);

    dmasim_iommu_config cfg;
    dmasim_iommu_config_init(&cfg);
    cfg.name = "iommu1";
    cfg.passthrough = 1;
    dmasim_iommu *p = mk_iommu_cfg(sim, &cfg);
    ck_assert_int_eq(drive(sim, p, 99, 0x1234, 1, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.w.phys, 0x1234);
    ck_assert_uint_eq(stats(p).passthrough, 1);
    ck_assert_uint_eq(stats(p).faults, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_faults_are_logged_with_time_and_raise_the_irq)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu_config cfg;
    dmasim_iommu_config_init(&cfg);
    cfg.max_records = 2;
    dmasim_iommu *m = mk_iommu_cfg(sim, &cfg);
    dmasim_signal *irq = dmasim_iommu_irq(m);
    ck_assert_ptr_eq(irq, dmasim_sim_signal_find(sim, "iommu0.irq"));
    ck_assert_uint_eq(dmasim_signal_value(irq), 0);
    ck_assert_int_eq(dmasim_iommu_attach(m, 5, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, DMASIM_IOMMU_READ, KB4);

    ck_assert_int_eq(dmasim_sim_run_until(sim, 5000), 0);
    run r;
    ck_assert_int_eq(drive(sim, m, 5, 0x5008, 1, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(dmasim_signal_value(irq), 1);
    dmasim_iommu_fault_clear(m);
    ck_assert_uint_eq(dmasim_signal_value(irq), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 7000), 0);
    ck_assert_int_eq(drive(sim, m, 6, 0x9000, 0, &r), DMASIM_EFAULT);
    ck_assert_int_eq(drive(sim, m, 5, 0x9000, 0, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(dmasim_signal_value(irq), 1);

    ck_assert_uint_eq(dmasim_iommu_fault_count(m), 3);
    const dmasim_iommu_fault *f0 = dmasim_iommu_fault_at(m, 0), *f1 = dmasim_iommu_fault_at(m, 1);
    ck_assert_ptr_nonnull(f0);
    ck_assert_ptr_nonnull(f1);
    ck_assert_ptr_null(dmasim_iommu_fault_at(m, 2)); /* counted, not kept */
    ck_assert_uint_eq(f0->time, 5000);
    ck_assert_uint_eq(f0->device, 5);
    ck_assert_uint_eq(f0->domain, 1);
    ck_assert_uint_eq(f0->iova, 0x5008);
    ck_assert_int_eq(f0->is_write, 1);
    ck_assert_int_eq(f0->kind, DMASIM_IOMMU_FAULT_PERMISSION);
    ck_assert_uint_eq(f1->time, 7000);
    ck_assert_uint_eq(f1->device, 6);
    ck_assert_int_eq(f1->kind, DMASIM_IOMMU_FAULT_NO_DOMAIN);
    ck_assert_str_eq(dmasim_iommu_fault_kind_name(f1->kind), "no_domain");
    uint64_t v;
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "iommu0.faults", &v), 0);
    ck_assert_uint_eq(v, 3);
    ck_assert_uint_eq(dmasim_signal_toggles(irq), 3);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_fault_at_a_later_time_raises_the_irq_at_that_time)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    dmasim_iommu_walk w;
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 30000, &w), DMASIM_EFAULT);
    ck_assert_uint_eq(w.fault.time, 30000);
    ck_assert_uint_eq(dmasim_iommu_fault_at(m, 0)->time, 30000);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 29999), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 30000), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 1);
    /* a time in the past is taken as now */
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 10, &w), DMASIM_EFAULT);
    ck_assert_uint_eq(w.fault.time, 30000);
    /* two faults ahead of now: each raises the line at its own time, also after a clear between */
    dmasim_iommu_fault_clear(m);
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 40000, &w), DMASIM_EFAULT);
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 50000, &w), DMASIM_EFAULT);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 40000), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 1);
    dmasim_iommu_fault_clear(m);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 49999), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 50000), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 1);
    /* faults recorded out of time order (two masters ahead of now): the earlier one raises it */
    dmasim_iommu_fault_clear(m);
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 70000, &w), DMASIM_EFAULT);
    ck_assert_int_eq(dmasim_iommu_translate_at(m, 1, 0x0, 0, 60000, &w), DMASIM_EFAULT);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 59999), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 60000), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_iommu_irq(m)), 1);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- map, unmap, invalidate ------------------------------------------------------------- */

START_TEST(test_overlapping_map_is_refused)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    uint64_t used = dmasim_iommu_tables_used(m);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x4000, 0x90000, 2 * KB4, RW, KB4), DMASIM_EOVERLAP);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "overlaps the 4 KiB page at IOVA 0x5000"));
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x0, 0x200000, MB2, RW, MB2), DMASIM_EOVERLAP);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "0x5000"));
    /* nothing changed: 0x4000 is still unmapped, no table was taken */
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 0x4000, NULL, NULL, NULL, NULL), DMASIM_ENOENT);
    ck_assert_uint_eq(dmasim_iommu_tables_used(m), used);
    /* a 4 KiB page inside a 2 MiB one */
    map_ok(sim, m, 1, 0x400000, 0x800000, MB2, RW, MB2);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x401000, 0x90000, KB4, RW, KB4), DMASIM_EOVERLAP);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "2 MiB page at IOVA 0x400000"));
    /* the same IOVA in another domain is no overlap */
    map_ok(sim, m, 2, 0x5000, 0x70000, KB4, RW, KB4);
    /* once every 4 KiB page of an L1 table is unmapped, a 2 MiB page may take its place */
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x5000, KB4), 0);
    map_ok(sim, m, 1, 0x0, 0x200000, MB2, RW, MB2);
    dmasim_addr phys;
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 0x5008, &phys, NULL, NULL, NULL), 0);
    ck_assert_uint_eq(phys, 0x205008);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_unaligned_map_is_invalid)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1001, 0x2000, KB4, RW, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x2010, KB4, RW, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x2000, 0x800, RW, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x2000, 0, RW, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x200000, MB2, RW, MB2), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x200000, 0x201000, MB2, RW, MB2), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x2000, KB4, RW, 8192), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 0x2000, KB4, 4, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, DMASIM_IOMMU_NO_DOMAIN, 0x1000, 0x2000, KB4, RW, KB4), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 1ull << 48, 0x2000, KB4, RW, KB4), DMASIM_ERANGE);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, (1ull << 48) - KB4, 0x2000, 2 * KB4, RW, KB4), DMASIM_ERANGE);
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1000, 1ull << 52, KB4, RW, KB4), DMASIM_ERANGE);
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x1800, KB4), DMASIM_EINVAL);
    ck_assert_uint_eq(dmasim_iommu_tables_used(m), 0);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_map_fails_cleanly_when_the_table_region_is_exhausted)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu_config cfg;
    dmasim_iommu_config_init(&cfg);
    cfg.table_size = 4 * 4096;
    dmasim_iommu *m = mk_iommu_cfg(sim, &cfg);
    map_ok(sim, m, 1, 0x1FD000, 0x70000, 2 * KB4, RW, KB4); /* 4 tables (both pages share them): all */
    map_ok(sim, m, 1, 0x1FC000, 0x71000, KB4, RW, KB4); /* same L1 table: none needed */
    /* [0x1FF000, 0x201000): the first page fits the existing L1 table, the second needs a new one */
    ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x1FF000, 0x72000, 2 * KB4, RW, KB4), DMASIM_ENOMEM);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "needs 1 new page tables"));
    ck_assert_int_eq(dmasim_iommu_lookup(m, 1, 0x1FF000, NULL, NULL, NULL, NULL), DMASIM_ENOENT);
    ck_assert_uint_eq(dmasim_iommu_tables_used(m), 4);
    ck_assert_int_eq(dmasim_iommu_map(m, 2, 0x0, 0x0, KB4, RW, KB4), DMASIM_ENOMEM); /* new root too */
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_unmap_without_invalidate_leaves_a_stale_iotlb_entry_in_use)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    run r;
    ck_assert_int_eq(drive(sim, m, 2, 0x5000, 1, &r), DMASIM_IOMMU_HIT); /* walk, fill */
    ck_assert_int_eq(drive(sim, m, 2, 0x5010, 1, &r), DMASIM_IOMMU_HIT); /* valid hit */
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 0);

    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x5000, KB4), 0);
    ck_assert_uint_eq(read_pte(sim, TB + 0x3000 + 8 * 5), 0); /* the PTE is cleared in memory */
    ck_assert_int_eq(dmasim_sim_run_until(sim, 12345), 0);
    ck_assert_int_eq(drive(sim, m, 2, 0x5020, 1, &r), DMASIM_IOMMU_HIT); /* still hits: stale */
    ck_assert_uint_eq(r.n, 0);
    ck_assert_uint_eq(r.w.phys, 0x70020);
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 1);
    const dmasim_iommu_stale_use *u = dmasim_iommu_stale_at(m, 0);
    ck_assert_ptr_nonnull(u);
    ck_assert_uint_eq(u->time, 12345);
    ck_assert_uint_eq(u->device, 2);
    ck_assert_uint_eq(u->domain, 1);
    ck_assert_uint_eq(u->iova, 0x5020);
    ck_assert_int_eq(u->is_write, 1);
    ck_assert_uint_eq(u->phys, 0x70020);
    ck_assert_ptr_null(dmasim_iommu_stale_at(m, 1));
    uint64_t v;
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "iommu0.stale_iotlb_uses", &v), 0);
    ck_assert_uint_eq(v, 1);
    ck_assert_uint_eq(dmasim_iommu_fault_count(m), 0);

    /* after the invalidation the access walks and finds nothing */
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 1, 0x5000, KB4), 0);
    ck_assert_int_eq(drive(sim, m, 2, 0x5020, 1, &r), DMASIM_EFAULT);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(r.w.fault.kind, DMASIM_IOMMU_FAULT_NOT_PRESENT);
    ck_assert_uint_eq(r.w.fault.level, 1);
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 1);
    ck_assert_int_eq(dmasim_sim_stat_u64(sim, "iommu0.invalidations", &v), 0);
    ck_assert_uint_eq(v, 1);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_remap_without_invalidate_uses_the_old_page)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 1), 0);
    map_ok(sim, m, 1, 0x400000, 0x600000, MB2, RW, MB2);
    run r;
    drive(sim, m, 2, 0x400000, 0, &r);
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x400000, 0x1000), DMASIM_EINVAL); /* part of a 2 MiB page */
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x400000, MB2 - KB4), DMASIM_EINVAL); /* all but its last 4 KiB */
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x401000, MB2 - KB4), DMASIM_EINVAL); /* all but its first 4 KiB */
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x400000, MB2), 0);
    map_ok(sim, m, 1, 0x400000, 0xA00000, MB2, RW, MB2);
    ck_assert_int_eq(drive(sim, m, 2, 0x400040, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.w.phys, 0x600040); /* the stale entry's page */
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 1);
    /* invalidate the whole domain (size 0) */
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 1, 0, 0), 0);
    ck_assert_int_eq(drive(sim, m, 2, 0x400040, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_uint_eq(r.w.phys, 0xA00040);
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 1);
    dmasim_sim_destroy(sim);
}
END_TEST

/* A hit is a stale use whenever the entry differs from the tables: also when only the
 * permissions or only the page size changed (docs/iommu.md), the physical address staying the
 * same. */
START_TEST(test_remap_with_other_permissions_or_page_size_is_a_stale_use)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    run r;
    drive(sim, m, 2, 0x5000, 0, &r);
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x5000, KB4), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, DMASIM_IOMMU_READ, KB4);
    ck_assert_int_eq(drive(sim, m, 2, 0x5008, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_uint_eq(r.w.phys, 0x70008);
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 1);
    /* a 2 MiB page replaced by 4 KiB pages onto the same physical bytes */
    map_ok(sim, m, 1, 0x400000, 0x600000, MB2, RW, MB2);
    drive(sim, m, 2, 0x401000, 0, &r);
    ck_assert_int_eq(dmasim_iommu_unmap(m, 1, 0x400000, MB2), 0);
    map_ok(sim, m, 1, 0x400000, 0x600000, 2 * KB4, RW, KB4);
    ck_assert_int_eq(drive(sim, m, 2, 0x400010, 0, &r), DMASIM_IOMMU_HIT); /* the first 4 KiB: same page address */
    ck_assert_uint_eq(r.n, 0);
    ck_assert_uint_eq(r.w.phys, 0x600010);
    ck_assert_uint_eq(dmasim_iommu_stale_count(m), 2);
    ck_assert_uint_eq(dmasim_iommu_stale_at(m, 1)->iova, 0x400010);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_invalidate_drops_only_its_domain_and_range)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 64);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 2), 0);
    map_ok(sim, m, 1, 0x0, 0x100000, 4 * KB4, RW, KB4);
    map_ok(sim, m, 2, 0x0, 0x200000, 4 * KB4, RW, KB4);
    run r;
    for (dmasim_addr a = 0; a < 4 * KB4; a += KB4) {
        drive(sim, m, 1, a, 0, &r);
        drive(sim, m, 2, a, 0, &r);
    }
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 1, 0x1800, 0x1000), 0); /* pages 0x1000, 0x2000 */
    int expect_walk[4] = {0, 1, 1, 0};
    for (unsigned i = 0; i < 4; i++) {
        drive(sim, m, 1, i * KB4, 0, &r);
        ck_assert_uint_eq(r.n, expect_walk[i] ? 4 : 0);
        drive(sim, m, 2, i * KB4, 0, &r);
        ck_assert_uint_eq(r.n, 0);
    }
    /* a page-aligned range [0x1000, 0x2000) drops page 0x1000 only: page 0x0 ends where it
     * starts, page 0x2000 starts where it ends */
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 1, KB4, KB4), 0);
    for (unsigned i = 0; i < 4; i++) {
        drive(sim, m, 1, i * KB4, 0, &r);
        ck_assert_uint_eq(r.n, i == 1 ? 4 : 0);
    }
    ck_assert_int_eq(dmasim_iommu_invalidate(m, 2, 0, 0), 0);
    drive(sim, m, 1, 0, 0, &r);
    ck_assert_uint_eq(r.n, 0);
    drive(sim, m, 2, 0, 0, &r);
    ck_assert_uint_eq(r.n, 4);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_domains_isolate_devices_using_the_same_iova)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 10), 0);
    ck_assert_int_eq(dmasim_iommu_attach(m, 2, 20), 0);
    map_ok(sim, m, 10, 0x8000, 0x100000, KB4, RW, KB4);
    map_ok(sim, m, 20, 0x8000, 0x200000, KB4, DMASIM_IOMMU_READ, KB4);
    dmasim_addr r10, r20;
    ck_assert_int_eq(dmasim_iommu_domain_root(m, 10, &r10), 0);
    ck_assert_int_eq(dmasim_iommu_domain_root(m, 20, &r20), 0);
    ck_assert_uint_ne(r10, r20);
    ck_assert_int_eq(dmasim_iommu_domain_root(m, 30, &r20), DMASIM_ENOENT);
    run r;
    for (int k = 0; k < 2; k++) { /* first walks, then IOTLB hits: tagged by domain */
        ck_assert_int_eq(drive(sim, m, 1, 0x8004, 1, &r), DMASIM_IOMMU_HIT);
        ck_assert_uint_eq(r.w.phys, 0x100004);
        ck_assert_uint_eq(r.n, k ? 0 : 4);
        ck_assert_int_eq(drive(sim, m, 2, 0x8004, 0, &r), DMASIM_IOMMU_HIT);
        ck_assert_uint_eq(r.w.phys, 0x200004);
        ck_assert_uint_eq(r.n, k ? 0 : 4);
        ck_assert_int_eq(drive(sim, m, 2, 0x8004, 1, &r), DMASIM_EFAULT); /* device 2 may not write */
    }
    ck_assert_int_eq(drive(sim, m, 2, 0x9000, 0, &r), DMASIM_EFAULT); /* nor reach device 1's pages */
    /* two devices in one domain share its mappings */
    ck_assert_int_eq(dmasim_iommu_attach(m, 3, 10), 0);
    ck_assert_int_eq(drive(sim, m, 3, 0x8004, 0, &r), DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(r.w.phys, 0x100004);
    ck_assert_uint_eq(r.n, 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- configuration, statistics, out of memory ------------------------------------------- */

START_TEST(test_bad_configurations_are_refused)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu_config cfg;
    dmasim_iommu *m = NULL;
    dmasim_iommu_config_init(&cfg);
    cfg.levels = 5;
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_ERANGE);
    dmasim_iommu_config_init(&cfg);
    cfg.iotlb_ways = 3;
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_EINVAL);
    dmasim_iommu_config_init(&cfg);
    cfg.iotlb_entries = 48; /* 12 sets of 4 */
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_EINVAL);
    dmasim_iommu_config_init(&cfg);
    cfg.table_base = 0x40000000; /* just past the memory range */
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_ERANGE);
    dmasim_iommu_config_init(&cfg);
    cfg.table_size = 100;
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_EINVAL);
    dmasim_iommu_config_init(&cfg);
    cfg.mem_size = 0;
    ck_assert_int_eq(dmasim_iommu_create(sim, &cfg, &m), DMASIM_ERANGE);
    ck_assert_ptr_null(m);
    /* defaults, then the same name again */
    m = mk_iommu_cfg(sim, NULL);
    ck_assert_str_eq(dmasim_iommu_name(m), "iommu0");
    dmasim_iommu *m2 = NULL;
    ck_assert_int_eq(dmasim_iommu_create(sim, NULL, &m2), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_iommu_domain_set_root(m, 1, 0x1234), DMASIM_EINVAL);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_statistics_are_registered_by_dotted_path)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_iommu_config cfg;
    dmasim_iommu_config_init(&cfg);
    cfg.name = "smmu";
    mk_iommu_cfg(sim, &cfg);
    static const char *names[] = {"iotlb_hits", "iotlb_misses", "walks", "walk_reads", "faults",
                                  "stale_iotlb_uses", "invalidations", "iotlb_evictions", "passthrough"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[64];
        uint64_t v = 1;
        snprintf(path, sizeof path, "smmu.%s", names[i]);
        ck_assert_msg(dmasim_sim_stat_u64(sim, path, &v) == 0, "missing statistic %s", path);
        ck_assert_uint_eq(v, 0);
    }
    ck_assert_ptr_nonnull(dmasim_sim_signal_find(sim, "smmu.irq"));
    dmasim_sim_destroy(sim);
}
END_TEST

typedef struct failing {
    long left;   /* allocations that still succeed; < 0: all */
    size_t live; /* bytes allocated and not freed */
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing *f = ud;
    if (nsize == 0) {
        if (ptr)
            f->live -= osize;
        free(ptr);
        return NULL;
    }
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    void *p = realloc(ptr, nsize);
    if (p)
        f->live += nsize - (ptr ? osize : 0);
    return p;
}

START_TEST(test_out_of_memory_during_create_leaks_nothing)
{
    failing f = {-1, 0};
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.alloc = failing_alloc;
    sc.alloc_ud = &f;
    long k;
    for (k = 0; k < 200; k++) {
        dmasim_sim *sim = NULL;
        f.left = -1;
        ck_assert_int_eq(dmasim_sim_create(&sc, &sim), 0);
        f.left = k;
        dmasim_iommu *m = NULL;
        int err = dmasim_iommu_create(sim, NULL, &m);
        f.left = -1;
        if (err == 0) {
            /* it works once it has what it needs */
            ck_assert_int_eq(dmasim_iommu_map(m, 1, 0x0, 0x0, KB4, RW, KB4), 0);
            dmasim_sim_destroy(sim);
            ck_assert_uint_eq(f.live, 0);
            break;
        }
        ck_assert_int_eq(err, DMASIM_ENOMEM);
        ck_assert_ptr_null(m);
        dmasim_sim_destroy(sim);
        ck_assert_msg(f.live == 0, "%zu bytes leaked after failing allocation %ld", f.live, k);
    }
    ck_assert_int_gt(k, 5); /* several allocations were failed one by one */
    ck_assert_int_lt(k, 200);
}
END_TEST

/* ---- a real bus master, on both simulation paths ----------------------------------------- */

/* One translation per tenure: the master requests the bus at time 0, walks with real 8-byte
 * read transactions, then releases. Reference path: dmasim_bus_transfer from granted/done, each
 * walk_step at the read's completion (now). Fast path: dmasim_bus_access at the cursor, and
 * walk_step_at(cursor). */
typedef struct walker {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_iommu *mmu;
    int idx;
    dmasim_addr iova;
    dmasim_iommu_walk w;
    dmasim_bus_txn txn;
    uint8_t buf[8];
    int rc;
    dmasim_time end;
    dmasim_time irq_rise;
} walker;

static void walker_finish(walker *wk, int rc, dmasim_time t)
{
    wk->rc = rc;
    wk->end = t;
    dmasim_bus_release(wk->bus, wk->idx, 0);
}

static void walker_read(walker *wk)
{
    memset(&wk->txn, 0, sizeof wk->txn);
    wk->txn.addr = wk->w.pte_addr;
    wk->txn.len = 8;
    wk->txn.data = wk->buf;
}

static void walker_granted(void *ctx, dmasim_time t)
{
    walker *wk = ctx;
    int rc = dmasim_iommu_translate_at(wk->mmu, 1, wk->iova, 0, t, &wk->w);
    if (dmasim_sim_reference(wk->sim)) {
        if (rc != DMASIM_IOMMU_WALK) {
            walker_finish(wk, rc, t);
            return;
        }
        walker_read(wk);
        dmasim_bus_transfer(wk->bus, wk->idx, &wk->txn);
        return;
    }
    while (rc == DMASIM_IOMMU_WALK) {
        walker_read(wk);
        int st = dmasim_bus_access(wk->bus, wk->idx, &wk->txn);
        dmasim_time c = dmasim_bus_cursor(wk->bus);
        rc = st ? dmasim_iommu_walk_abort_at(wk->mmu, &wk->w, c)
                : dmasim_iommu_walk_step_at(wk->mmu, &wk->w, dmasim_iommu_pte_load(wk->buf), c);
    }
    walker_finish(wk, rc, rc == DMASIM_IOMMU_HIT && wk->w.reads == 0 ? t : dmasim_bus_cursor(wk->bus));
}

static void walker_done(void *ctx, dmasim_bus_txn *txn, dmasim_time t)
{
    walker *wk = ctx;
    int rc = txn->status ? dmasim_iommu_walk_abort(wk->mmu, &wk->w)
                         : dmasim_iommu_walk_step(wk->mmu, &wk->w, dmasim_iommu_pte_load(wk->buf));
    if (rc != DMASIM_IOMMU_WALK) {
        walker_finish(wk, rc, t);
        return;
    }
    walker_read(wk);
    dmasim_bus_transfer(wk->bus, wk->idx, &wk->txn);
}

static void walker_irq(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    walker *wk = ctx;
    if (value)
        wk->irq_rise = t;
}

static const dmasim_bus_master_ops walker_ops = {1, walker_granted, walker_done, NULL, NULL};

/* Run one translation of iova through a bus with `ws` wait states; returns the walker. */
static walker run_walker(int reference, dmasim_addr iova, uint32_t ws)
{
    dmasim_sim *sim = tu_sim(reference);
    dmasim_bus *bus = tu_bus(sim); /* 10 ns, 8 bytes, arb 1, addr 1 */
    tu_sram(bus, 0, 1ull << 30, ws);
    dmasim_iommu *m = mk_iommu(sim, 4, 64, 4);
    ck_assert_int_eq(dmasim_iommu_attach(m, 1, 1), 0);
    map_ok(sim, m, 1, 0x5000, 0x70000, KB4, RW, KB4);
    walker wk = {0};
    wk.sim = sim;
    wk.bus = bus;
    wk.mmu = m;
    wk.iova = iova;
    wk.irq_rise = DMASIM_TIME_NEVER;
    wk.idx = dmasim_bus_add_master(bus, "walker", 0, &walker_ops, &wk);
    ck_assert_int_ge(wk.idx, 0);
    ck_assert_int_eq(dmasim_signal_subscribe(dmasim_iommu_irq(m), walker_irq, &wk), 0);
    ck_assert_int_eq(dmasim_bus_request(bus, wk.idx), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    walker out = wk;
    out.sim = NULL;
    if (wk.rc == DMASIM_EFAULT)
        ck_assert_uint_eq(dmasim_iommu_fault_at(m, 0)->time, wk.w.fault.time);
    dmasim_sim_destroy(sim);
    return out;
}

START_TEST(test_walk_reads_cost_bus_transactions)
{
    int reference = _i;
    const uint32_t ws = 2;
    const dmasim_time P = 10000, per_read = (1 + 1 * (1 + ws)) * P; /* addr + one beat */
    walker hit = run_walker(reference, 0x5008, ws);
    ck_assert_int_eq(hit.rc, DMASIM_IOMMU_HIT);
    ck_assert_uint_eq(hit.w.phys, 0x70008);
    ck_assert_uint_eq(hit.end, 1 * P + 4 * per_read); /* grant at 0, arbitration, 4 PTE reads */
    ck_assert_uint_eq(hit.irq_rise, DMASIM_TIME_NEVER);

    walker miss = run_walker(reference, 0x6008, ws); /* same L1 table, PTE not present */
    ck_assert_int_eq(miss.rc, DMASIM_EFAULT);
    ck_assert_uint_eq(miss.end, 1 * P + 4 * per_read);
    ck_assert_uint_eq(miss.w.fault.time, miss.end);
    ck_assert_uint_eq(miss.irq_rise, miss.end);

    walker far = run_walker(reference, 7ull << 39, ws); /* empty root entry: one read */
    ck_assert_int_eq(far.rc, DMASIM_EFAULT);
    ck_assert_uint_eq(far.end, 1 * P + per_read);
    ck_assert_uint_eq(far.irq_rise, far.end);
}
END_TEST

static Suite *iommu_suite(void)
{
    Suite *s = suite_create("iommu");
    TCase *tc = tcase_create("walk");
    tcase_add_test(tc, test_walk_reads_four_ptes_for_a_4k_page);
    tcase_add_test(tc, test_walk_reads_three_ptes_for_a_2m_page);
    tcase_add_test(tc, test_three_level_tables_cover_39_bits);
    tcase_add_loop_test(tc, test_walk_reads_cost_bus_transactions, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("iotlb");
    tcase_add_test(tc, test_iotlb_hits_after_a_walk);
    tcase_add_test(tc, test_iotlb_replaces_the_least_recently_used_entry);
    tcase_add_test(tc, test_direct_mapped_iotlb_conflicts_on_the_set_index);
    tcase_add_test(tc, test_two_walks_of_one_page_in_flight_fill_one_entry);
    tcase_add_test(tc, test_without_iotlb_every_access_walks);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_test(tc, test_write_to_read_only_page_is_a_permission_fault);
    tcase_add_test(tc, test_permissions_are_the_and_along_the_path);
    tcase_add_test(tc, test_unmapped_iova_is_a_not_present_fault_at_the_first_empty_level);
    tcase_add_test(tc, test_pte_outside_memory_is_a_walk_error_without_reading_it);
    tcase_add_test(tc, test_failed_pte_read_aborts_the_walk_with_a_walk_error);
    tcase_add_test(tc, test_table_pointing_to_itself_is_a_cycle_fault);
    tcase_add_test(tc, test_leaf_bit_above_level_2_is_a_bad_pte_fault);
    tcase_add_test(tc, test_unattached_device_faults_or_passes_through);
    tcase_add_test(tc, test_faults_are_logged_with_time_and_raise_the_irq);
    tcase_add_test(tc, test_fault_at_a_later_time_raises_the_irq_at_that_time);
    suite_add_tcase(s, tc);

    tc = tcase_create("software");
    tcase_add_test(tc, test_overlapping_map_is_refused);
    tcase_add_test(tc, test_unaligned_map_is_invalid);
    tcase_add_test(tc, test_map_fails_cleanly_when_the_table_region_is_exhausted);
    tcase_add_test(tc, test_unmap_without_invalidate_leaves_a_stale_iotlb_entry_in_use);
    tcase_add_test(tc, test_remap_without_invalidate_uses_the_old_page);
    tcase_add_test(tc, test_remap_with_other_permissions_or_page_size_is_a_stale_use);
    tcase_add_test(tc, test_invalidate_drops_only_its_domain_and_range);
    tcase_add_test(tc, test_domains_isolate_devices_using_the_same_iova);
    suite_add_tcase(s, tc);

    tc = tcase_create("setup");
    tcase_add_test(tc, test_bad_configurations_are_refused);
    tcase_add_test(tc, test_statistics_are_registered_by_dotted_path);
    tcase_add_test(tc, test_out_of_memory_during_create_leaks_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(iommu_suite());
}

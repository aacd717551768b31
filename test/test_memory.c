/* Sparse physical memory (include/dmasim/sim.h): 4 KiB pages allocated on first write,
 * untouched bytes read as 0, accessors take no simulated time. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "testutil.h"

#define PAGE 4096u

/* Rule: a page is allocated on first write only; three writes of one byte in three distinct
 * pages (at 0, at the last byte of the 32-bit space, above 32 bits) cost exactly 3 pages. */
START_TEST(test_three_far_apart_bytes_cost_exactly_three_pages)
{
    dmasim_sim *sim = tu_sim(0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 0);
    uint8_t a = 0x11, b = 0x22, c = 0x33;
    ck_assert_int_eq(dmasim_mem_write(sim, 0, &a, 1), 0);
    ck_assert_int_eq(dmasim_mem_write(sim, 0xFFFFFFFFull, &b, 1), 0);
    ck_assert_int_eq(dmasim_mem_write(sim, 0x700000000ull, &c, 1), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 3 * PAGE);

    /* writing again into the same pages costs nothing more */
    ck_assert_int_eq(dmasim_mem_write(sim, 1, &a, 1), 0);
    ck_assert_int_eq(dmasim_mem_write(sim, 0xFFFFF000ull, &b, 1), 0);
    ck_assert_int_eq(dmasim_mem_write(sim, 0x700000FFFull, &c, 1), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 3 * PAGE);

    uint8_t r = 0;
    ck_assert_int_eq(dmasim_mem_read(sim, 0, &r, 1), 0);
    ck_assert_uint_eq(r, 0x11);
    ck_assert_int_eq(dmasim_mem_read(sim, 0xFFFFFFFFull, &r, 1), 0);
    ck_assert_uint_eq(r, 0x22);
    ck_assert_int_eq(dmasim_mem_read(sim, 0x700000000ull, &r, 1), 0);
    ck_assert_uint_eq(r, 0x33);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: reading an untouched byte gives 0, and reading never allocates. */
START_TEST(test_untouched_bytes_read_as_zero_without_allocating)
{
    dmasim_sim *sim = tu_sim(0);
    uint8_t buf[3 * PAGE];
    memset(buf, 0xA5, sizeof buf);
    ck_assert_int_eq(dmasim_mem_read(sim, 0x123456789ull, buf, sizeof buf), 0);
    for (size_t i = 0; i < sizeof buf; i++)
        ck_assert_uint_eq(buf[i], 0);
    /* top of the 64-bit space */
    memset(buf, 0xA5, 16);
    ck_assert_int_eq(dmasim_mem_read(sim, UINT64_MAX - 15, buf, 16), 0);
    for (size_t i = 0; i < 16; i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 0);

    /* the untouched neighbours of a written byte in the same page also read as zero */
    uint8_t one = 0xEE;
    ck_assert_int_eq(dmasim_mem_write(sim, 0x5000 + 100, &one, 1), 0);
    ck_assert_int_eq(dmasim_mem_read(sim, 0x5000, buf, PAGE), 0);
    for (size_t i = 0; i < PAGE; i++)
        ck_assert_uint_eq(buf[i], i == 100 ? 0xEE : 0);
    /* and the next page (untouched) still reads as zero and is not allocated */
    ck_assert_int_eq(dmasim_mem_read(sim, 0x6000, buf, PAGE), 0);
    for (size_t i = 0; i < PAGE; i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), PAGE);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: a write that crosses page boundaries stores every byte and reads back identically;
 * it allocates exactly the pages it touches. */
START_TEST(test_write_crossing_page_boundaries_round_trips)
{
    dmasim_sim *sim = tu_sim(0);
    enum { N = 2 * PAGE + 200 };
    static uint8_t in[N], out[N + 64];
    for (size_t i = 0; i < N; i++)
        in[i] = (uint8_t)(i * 7u + 3u);
    dmasim_addr base = 0x10000ull * 7 + PAGE - 100; /* 100 bytes before a boundary: 4 pages */
    ck_assert_int_eq(dmasim_mem_write(sim, base, in, N), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 4 * PAGE);
    memset(out, 0xCC, sizeof out);
    ck_assert_int_eq(dmasim_mem_read(sim, base - 32, out, N + 64), 0);
    for (size_t i = 0; i < 32; i++)
        ck_assert_uint_eq(out[i], 0);
    ck_assert_mem_eq(out + 32, in, N);
    for (size_t i = 0; i < 32; i++)
        ck_assert_uint_eq(out[32 + N + i], 0);

    /* a two-byte write straddling a boundary */
    uint8_t two[2] = {0xAB, 0xCD}, back[2] = {0, 0};
    ck_assert_int_eq(dmasim_mem_write(sim, 0x40000ull * PAGE - 1, two, 2), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 6 * PAGE);
    ck_assert_int_eq(dmasim_mem_read(sim, 0x40000ull * PAGE - 1, back, 2), 0);
    ck_assert_mem_eq(back, two, 2);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: fill sets every byte of the range (across pages) and nothing outside it; filling with
 * zero an untouched range allocates nothing (it already reads as zero). */
START_TEST(test_fill_sets_exactly_the_range)
{
    dmasim_sim *sim = tu_sim(0);
    enum { N = PAGE + 300 };
    dmasim_addr base = 0x900000000ull + PAGE - 50;
    ck_assert_int_eq(dmasim_mem_fill(sim, base, 0x5A, N), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 3 * PAGE);
    static uint8_t out[N + 2];
    ck_assert_int_eq(dmasim_mem_read(sim, base - 1, out, N + 2), 0);
    ck_assert_uint_eq(out[0], 0);
    for (size_t i = 1; i <= N; i++)
        ck_assert_uint_eq(out[i], 0x5A);
    ck_assert_uint_eq(out[N + 1], 0);

    /* zero fill over part of it clears those bytes only */
    ck_assert_int_eq(dmasim_mem_fill(sim, base + 10, 0, 20), 0);
    ck_assert_int_eq(dmasim_mem_read(sim, base, out, 40), 0);
    for (size_t i = 0; i < 40; i++)
        ck_assert_uint_eq(out[i], (i >= 10 && i < 30) ? 0 : 0x5A);

    /* zero fill of untouched memory: still reads as zero, no new page */
    ck_assert_int_eq(dmasim_mem_fill(sim, 0x1000000ull, 0, 3 * PAGE), 0);
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), 3 * PAGE);
    ck_assert_int_eq(dmasim_mem_read(sim, 0x1000000ull, out, 64), 0);
    for (size_t i = 0; i < 64; i++)
        ck_assert_uint_eq(out[i], 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: many pages (more than the hash table's first capacity) stay distinct and readable. */
START_TEST(test_many_pages_keep_their_own_bytes)
{
    dmasim_sim *sim = tu_sim(0);
    enum { NPAGES = 3000 };
    for (uint64_t i = 0; i < NPAGES; i++) {
        uint64_t v = i * 0x9E3779B97F4A7C15ull;
        /* scattered over the 64-bit space, one 8-byte word per page */
        dmasim_addr a = (v & ~(uint64_t)(PAGE - 1)) + (i % (PAGE / 8)) * 8;
        ck_assert_int_eq(dmasim_mem_write(sim, a, &v, sizeof v), 0);
    }
    ck_assert_uint_eq(dmasim_mem_resident_bytes(sim), (size_t)NPAGES * PAGE);
    for (uint64_t i = 0; i < NPAGES; i++) {
        uint64_t v = i * 0x9E3779B97F4A7C15ull, r = 0;
        dmasim_addr a = (v & ~(uint64_t)(PAGE - 1)) + (i % (PAGE / 8)) * 8;
        ck_assert_int_eq(dmasim_mem_read(sim, a, &r, sizeof r), 0);
        ck_assert_uint_eq(r, v);
    }
    dmasim_sim_destroy(sim);
}
END_TEST

/* Rule: memory accessors take no simulated time. */
START_TEST(test_memory_access_takes_no_simulated_time)
{
    dmasim_sim *sim = tu_sim(0);
    uint8_t b[64] = {1};
    ck_assert_int_eq(dmasim_mem_write(sim, 0, b, sizeof b), 0);
    ck_assert_int_eq(dmasim_mem_read(sim, 0, b, sizeof b), 0);
    ck_assert_int_eq(dmasim_mem_fill(sim, 0, 3, sizeof b), 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), 0);
    ck_assert_uint_eq(dmasim_sim_next_event_time(sim), DMASIM_TIME_NEVER);
    dmasim_sim_destroy(sim);
}
END_TEST

static Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("sparse");
    tcase_add_test(tc, test_three_far_apart_bytes_cost_exactly_three_pages);
    tcase_add_test(tc, test_untouched_bytes_read_as_zero_without_allocating);
    tcase_add_test(tc, test_write_crossing_page_boundaries_round_trips);
    tcase_add_test(tc, test_fill_sets_exactly_the_range);
    tcase_add_test(tc, test_many_pages_keep_their_own_bytes);
    tcase_add_test(tc, test_memory_access_takes_no_simulated_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(memory_suite());
}

/* The zero-copy example (examples/c/zero_copy.c, docs/examples.md question 4): the shape of its
 * answer, not its numbers.
 *
 *   - both paths deliver the file: the bytes the NIC (the bus-mastering device) read are the
 *     disk's, dmasim_device_pattern(LBA, offset), in file order;
 *   - sendfile costs the CPU less than classic's copy loop overhead alone (2 cycles per 8-byte
 *     word, two copies), and never touches the file's lines (no D1 fill);
 *   - bus traffic: sendfile moves the file about twice (the disk's DMA and the NIC's reads, plus
 *     descriptors and registers: between 2 and 2.1 file sizes); classic at least four times
 *     (the CPU's copies alone read and write two file sizes each);
 *   - both read the disk the same way, so the file is in memory at the same time; sendfile
 *     sends it no later;
 *   - without the clean of the socket buffer, the NIC reads memory under dirty D1 lines: stale
 *     device reads, and bytes that are not the file's;
 *   - the per-cycle reference path gives the same result.
 * The example's main() is left out (ZERO_COPY_NO_MAIN); zero_copy_run() is the example itself. */
#define ZERO_COPY_NO_MAIN
#include "../examples/c/zero_copy.c"

#include <check.h>
#include "testutil.h"

#define F ((uint64_t)ZC_FILE_BYTES)

static zc_result classic, sendfile_, other;

static void run(int path, zc_result *r)
{
    int err = zero_copy_run(path, r);
    ck_assert_msg(err == 0, "zero_copy_run(%d): %s", path, r->err);
}

/* The NIC read the file on the disk, in file order. */
static void check_wire(const zc_result *r)
{
    ck_assert_uint_eq(r->nic_bytes, F);
    for (uint64_t k = 0; k < F; k++) {
        uint8_t want = dmasim_device_pattern(ZC_LBA + k / ZC_SECTOR, k % ZC_SECTOR);
        ck_assert_msg(r->wire[k] == want, "%s: NIC byte %llu is 0x%02x, the disk's is 0x%02x", r->name,
                      (unsigned long long)k, r->wire[k], want);
    }
    ck_assert_uint_eq(r->nic_wrong_bytes, 0);
    ck_assert_uint_eq(r->stale_device_reads, 0);
}

START_TEST(test_both_paths_deliver_the_file)
{
    run(ZC_CLASSIC, &classic);
    run(ZC_SENDFILE, &sendfile_);
    check_wire(&classic);
    check_wire(&sendfile_);
    ck_assert_uint_eq(classic.nic_descriptors, 1);         /* the socket buffer */
    ck_assert_uint_eq(sendfile_.nic_descriptors, ZC_PAGES); /* a gather descriptor per page */
}
END_TEST

START_TEST(test_sendfile_costs_the_cpu_less)
{
    run(ZC_CLASSIC, &classic);
    run(ZC_SENDFILE, &sendfile_);
    /* classic's two copies cost at least their loop overhead: 2 cycles per word */
    uint64_t loop = 2 * (F / 8) * 2;
    ck_assert_uint_gt(classic.cpu_busy, loop);
    ck_assert_uint_lt(sendfile_.cpu_busy, loop);
    ck_assert_uint_eq(classic.cpu_busy + classic.cpu_free, classic.cpu_cycles);
    ck_assert_uint_eq(sendfile_.cpu_busy + sendfile_.cpu_free, sendfile_.cpu_cycles);
    /* the copies pull the file's lines through the D1; sendfile never touches them */
    ck_assert_uint_ge(classic.d1_fills, 2 * F / 64);
    ck_assert_uint_eq(sendfile_.d1_fills, 0);
    /* the clean of the socket buffer wrote back what the copy left dirty */
    ck_assert_uint_gt(classic.maintenance_writebacks, 0);
    ck_assert_uint_eq(sendfile_.maintenance_writebacks, 0);
}
END_TEST

START_TEST(test_sendfile_moves_the_file_twice_classic_at_least_four_times)
{
    run(ZC_CLASSIC, &classic);
    run(ZC_SENDFILE, &sendfile_);
    /* the disk's DMA and the NIC each move the file once in both paths (plus descriptors) */
    ck_assert_uint_eq(classic.dmac.bytes, sendfile_.dmac.bytes);
    ck_assert_uint_ge(classic.dmac.bytes, F);
    ck_assert_uint_ge(classic.nic.bytes, F);
    ck_assert_uint_ge(sendfile_.nic.bytes, F);
    ck_assert_uint_lt(sendfile_.nic.bytes, F + F / 32);
    /* sendfile: about 2 file sizes in all; the CPU only descriptors and registers */
    ck_assert_uint_ge(sendfile_.bus_bytes, 2 * F);
    ck_assert_uint_le(sendfile_.bus_bytes * 10, 21 * F);
    ck_assert_uint_lt(sendfile_.cpu.bytes, F / 16);
    /* classic: the CPU's two copies read and write the file at least twice each */
    ck_assert_uint_ge(classic.cpu.bytes, 4 * F);
    ck_assert_uint_ge(classic.bus_bytes, 4 * F);
    ck_assert_uint_gt(classic.bus_bytes, 2 * sendfile_.bus_bytes);
    ck_assert_uint_gt(classic.cpu.owned_cycles, sendfile_.cpu.owned_cycles);
    ck_assert(classic.bus_copies > 2 * sendfile_.bus_copies);
}
END_TEST

START_TEST(test_sendfile_finishes_no_later)
{
    run(ZC_CLASSIC, &classic);
    run(ZC_SENDFILE, &sendfile_);
    /* the same disk read, the same set-up before it */
    ck_assert_uint_eq(classic.disk_done, sendfile_.disk_done);
    ck_assert_uint_gt(classic.disk_done, 0);
    ck_assert_uint_gt(sendfile_.sent, sendfile_.disk_done);
    ck_assert_uint_le(sendfile_.sent, classic.sent);
    ck_assert_uint_le(sendfile_.end, classic.end);
    ck_assert_uint_ge(classic.end, classic.sent);
    ck_assert_uint_ge(sendfile_.end, sendfile_.sent);
}
END_TEST

START_TEST(test_without_the_clean_the_nic_reads_stale_bytes)
{
    run(ZC_CLASSIC_NO_CLEAN, &other);
    ck_assert_str_eq(other.name, "classic-no-clean");
    ck_assert_uint_gt(other.stale_device_reads, 0);
    ck_assert_uint_gt(other.nic_wrong_bytes, 0);
    ck_assert_uint_eq(other.nic_bytes, F);
    ck_assert_uint_eq(other.maintenance_writebacks, 0);
    /* the wrong bytes are the count of wire bytes that differ from the disk's */
    uint64_t wrong = 0;
    for (uint64_t k = 0; k < F; k++)
        wrong += other.wire[k] != dmasim_device_pattern(ZC_LBA + k / ZC_SECTOR, k % ZC_SECTOR);
    ck_assert_uint_eq(wrong, other.nic_wrong_bytes);
}
END_TEST

static void same_result(const zc_result *a, const zc_result *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert_uint_eq(a->disk_done, b->disk_done);
    ck_assert_uint_eq(a->sent, b->sent);
    ck_assert_uint_eq(a->end, b->end);
    ck_assert_uint_eq(a->cpu_cycles, b->cpu_cycles);
    ck_assert_uint_eq(a->cpu_busy, b->cpu_busy);
    ck_assert_uint_eq(a->cpu_stall_cycles, b->cpu_stall_cycles);
    const zc_master *ma[3] = {&a->cpu, &a->dmac, &a->nic}, *mb[3] = {&b->cpu, &b->dmac, &b->nic};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(ma[i]->bytes, mb[i]->bytes);
        ck_assert_uint_eq(ma[i]->owned_cycles, mb[i]->owned_cycles);
        ck_assert_uint_eq(ma[i]->transactions, mb[i]->transactions);
    }
    ck_assert_uint_eq(a->d1_fills, b->d1_fills);
    ck_assert_uint_eq(a->d1_writebacks, b->d1_writebacks);
    ck_assert_uint_eq(a->maintenance_lines, b->maintenance_lines);
    ck_assert_uint_eq(a->maintenance_writebacks, b->maintenance_writebacks);
    ck_assert_uint_eq(a->stale_device_reads, b->stale_device_reads);
    ck_assert_uint_eq(a->nic_descriptors, b->nic_descriptors);
    ck_assert_int_eq(memcmp(a->wire, b->wire, sizeof a->wire), 0);
}

START_TEST(test_reference_path_gives_the_same_result)
{
    static const int paths[3] = {ZC_CLASSIC, ZC_SENDFILE, ZC_CLASSIC_NO_CLEAN};
    int path = paths[_i];
    run(path, &classic);
    run(path | ZC_REFERENCE, &other);
    same_result(&classic, &other);
    /* the headline: the same end time and the same bytes on the wire */
    ck_assert_uint_eq(other.end, classic.end);
    ck_assert_int_eq(memcmp(other.wire, classic.wire, sizeof classic.wire), 0);
}
END_TEST

START_TEST(test_unknown_path_is_an_error)
{
    ck_assert_int_eq(zero_copy_run(3, &other), DMASIM_EINVAL);
    ck_assert_str_eq(other.err, "unknown path 3");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("zero_copy");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_both_paths_deliver_the_file);
    tcase_add_test(tc, test_sendfile_costs_the_cpu_less);
    tcase_add_test(tc, test_sendfile_moves_the_file_twice_classic_at_least_four_times);
    tcase_add_test(tc, test_sendfile_finishes_no_later);
    tcase_add_test(tc, test_without_the_clean_the_nic_reads_stale_bytes);
    tcase_add_loop_test(tc, test_reference_path_gives_the_same_result, 0, 3);
    tcase_add_test(tc, test_unknown_path_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(suite()); }

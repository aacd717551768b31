/* The zero-copy example (docs/examples.md, question 4): a file goes from a disk to the network
 * the classic way (read() + write(): 4 copies) or the sendfile way (2 copies). zero_copy.c builds
 * the system with the C API, runs one path and fills a zc_result; its main() prints the table.
 *
 * Build it standalone (examples/c/README.md) or through test/test_zero_copy.c, which includes
 * zero_copy.c with ZERO_COPY_NO_MAIN defined. */
#ifndef ZERO_COPY_H
#define ZERO_COPY_H

#include <stdint.h>
#include "dmasim/dmasim.h"

/* The file: 64 KiB = 128 sectors of 512 bytes from LBA ZC_LBA; on the disk, byte k of the file
 * is dmasim_device_pattern(ZC_LBA + k / 512, k % 512). */
#define ZC_FILE_BYTES (64u * 1024u)
#define ZC_PAGE 4096u
#define ZC_PAGES (ZC_FILE_BYTES / ZC_PAGE)
#define ZC_SECTOR 512u
#define ZC_LBA 200000u

/* The `path` argument of zero_copy_run: 0 and 1 are the two answers (classic, sendfile);
 * ZC_CLASSIC_NO_CLEAN is the classic path without the clean of the socket buffer before the NIC
 * reads it (the bug the clean prevents). Or ZC_REFERENCE in to run on the per-cycle reference
 * path (dmasim_sim_config.reference), which gives the same numbers, slower. */
enum {
    ZC_CLASSIC = 0,
    ZC_SENDFILE = 1,
    ZC_CLASSIC_NO_CLEAN = 2,
    ZC_REFERENCE = 0x100
};

/* What one bus master did on the bus (<bus>.master.<name>.*). */
typedef struct zc_master {
    uint64_t bytes;        /* bytes it moved */
    uint64_t owned_cycles; /* bus cycles it owned the bus (bus clock) */
    uint64_t transactions;
} zc_master;

typedef struct zc_result {
    const char *name;           /* "classic", "sendfile", "classic-no-clean" */
    unsigned copies;            /* copies of the file the path makes by design: 4 or 2 */
    /* times, ps from the CPU's first instruction (time 0) */
    dmasim_time disk_done;      /* the disk's DMA reached terminal count: the file is in memory */
    dmasim_time sent;           /* the NIC has read the file's last byte */
    dmasim_time end;            /* the CPU has taken the NIC's completion interrupt (end of run) */
    /* CPU cycles (CPU clock): busy = cycles - free; free = waiting for an interrupt */
    uint64_t cpu_cycles, cpu_busy, cpu_free;
    uint64_t cpu_stall_cycles;  /* of busy: waiting for the bus (its own fills, write-backs,
                                   register accesses) */
    /* bus traffic */
    zc_master cpu, dmac, nic;
    uint64_t bus_bytes;         /* all masters */
    double bus_copies;          /* bus_bytes / ZC_FILE_BYTES */
    /* the CPU's D1 (cpu0.dcache.*): line fills, write-backs of evicted dirty lines, lines of
     * maintenance (clean/invalidate) and the write-backs they made, stale device reads (a
     * device read memory while the D1 held newer bytes) */
    uint64_t d1_fills, d1_writebacks, maintenance_lines, maintenance_writebacks, stale_device_reads;
    /* what the NIC read: its descriptors and the bytes it would send, in order */
    uint32_t nic_descriptors;
    uint64_t nic_bytes;
    uint64_t nic_wrong_bytes;   /* bytes of wire[] that differ from the file on the disk */
    uint8_t wire[ZC_FILE_BYTES];
    char err[256];              /* why zero_copy_run failed ("" on success) */
} zc_result;

/* Build the system, run one path (ZC_CLASSIC, ZC_SENDFILE or ZC_CLASSIC_NO_CLEAN, optionally
 * | ZC_REFERENCE) to its end and fill *out. Returns 0, or a negative DMASIM_E* code with the
 * reason in out->err. */
int zero_copy_run(int path, zc_result *out);

#endif

/* Devices (devices.h, docs/devices.md): each device's rate and FIFO behaviour against its
 * parameters, the bytes that land in memory, and bad input.
 *
 *   - disk: byte k of a command moves at T(k) = t_start + ceil(k * 60e12 / (rpm * spt * 512)),
 *     t_start = issue + seek + half a revolution. A demand-mode read raises DREQ at T(64 i)
 *     (threshold 64) and the DMAC drains 16 units of 2 bus cycles per rise, so the read ends at
 *     edge(T(4096)) + arb + 16 units; a block-mode read retries a unit every bus edge, so it
 *     ends at edge(T(4096)) + 1 unit + 0 (its last give is at the first edge at or after the
 *     last byte, the unit's write then takes 2 cycles); a masked channel makes the FIFO
 *     overrun: the byte waits one revolution; writes end when the medium has written its last
 *     byte, and read back what was written; the angle model and the linear seek model;
 *   - sound card: with the DMA keeping up no underrun; a DMA started late, or masked for a
 *     while, gives exactly the ticks at which the FIFO held less than a frame;
 *   - NIC: packets under the ring size land in their buffers with written-back descriptors at
 *     the times R1-R3 give; a ring of 4 descriptors and a FIFO of 4 packets drop exactly the
 *     others (ring full) until the doorbell; traces, malformed traces (file:line);
 *   - bus-master device: a copy ends at the time R1-R3 give for its transactions (and gaps),
 *     through an IOMMU with the walks' reads added, a fault stops it;
 *   - presets agree with their files in models/devices; unknown kinds/presets and bad parameters are
 *     clear errors.
 * Every timed case runs on both paths (reference 0 and 1), which must give identical
 * statistics. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "dmasim/devices.h"
#include "testutil.h"

#ifndef DMASIM_SOURCE_DIR
#error "DMASIM_SOURCE_DIR must be defined (test/CMakeLists.txt does it)"
#endif

#define P 10000ull   /* bus period, ps */
#define UNIT (2 * P) /* a fly-by unit of 4 bytes: address + one beat */
#define NS 1000ull
#define US 1000000ull
#define MS 1000000000ull

static dmasim_time edge(dmasim_time t) { return dmasim_clock_edge_at_or_after(t, P); }

/* ---- a system: sim, default bus, 1 GiB SRAM without wait states, a DMAC ---- */

typedef struct rig {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_dmac *dmac;
} rig;

static void rig_init(rig *r, int reference, int with_dmac)
{
    memset(r, 0, sizeof *r);
    r->sim = tu_sim(reference);
    r->bus = tu_bus(r->sim);
    tu_sram(r->bus, 0, 1ull << 30, 0);
    if (with_dmac) {
        int err = dmasim_dmac_create(r->bus, NULL, &r->dmac);
        ck_assert_msg(err == 0, "dmac_create: %s", dmasim_sim_errmsg(r->sim));
    }
}

/* Every statistic of a and b has the same path and value. */
static void stats_identical(dmasim_sim *a, dmasim_sim *b)
{
    dmasim_sim_stats_update(a);
    dmasim_sim_stats_update(b);
    ck_assert_uint_eq(dmasim_sim_stat_count(a), dmasim_sim_stat_count(b));
    for (size_t i = 0; i < dmasim_sim_stat_count(a); i++) {
        const dmasim_stat *x = dmasim_sim_stat_at(a, i), *y = dmasim_sim_stat_at(b, i);
        ck_assert_str_eq(x->path, y->path);
        if (x->kind == DMASIM_STAT_U64)
            ck_assert_msg(*(const uint64_t *)x->value == *(const uint64_t *)y->value, "%s: %llu (fast) != %llu (ref)",
                          x->path, (unsigned long long)*(const uint64_t *)x->value,
                          (unsigned long long)*(const uint64_t *)y->value);
        else
            ck_assert_msg(*(const double *)x->value == *(const double *)y->value, "%s differs", x->path);
    }
}

static uint64_t stat(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    int err = dmasim_sim_stat_u64(sim, path, &v);
    ck_assert_msg(err == 0, "%s", dmasim_sim_errmsg(sim));
    return v;
}

/* Rising and falling edges of a signal. */
typedef struct edges {
    dmasim_time rise[256], fall[256];
    size_t nrise, nfall;
} edges;

static void on_edge(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    edges *e = ctx;
    if (value && e->nrise < 256)
        e->rise[e->nrise++] = t;
    else if (!value && e->nfall < 256)
        e->fall[e->nfall++] = t;
}

/* ---- disk ---- */

#define DISK_RPM 6000u
#define DISK_SEEK (1 * US)                      /* 1000 ns average seek */
#define DISK_HALF (5 * MS)                      /* ceil(30e12 / 6000) */
#define DISK_TSTART (DISK_SEEK + DISK_HALF)     /* for a command issued at 0 */
#define DISK_LBA 1000u
#define DISK_N 4096u                            /* 8 sectors */

static uint64_t disk_den(uint32_t spt) { return (uint64_t)DISK_RPM * spt * 512; }

/* T(k) = t_start + ceil(k * 60e12 / den). */
static dmasim_time disk_T(dmasim_time t_start, uint64_t k, uint32_t spt)
{
    uint64_t n = k * 60000000000000ull, den = disk_den(spt);
    return t_start + (n + den - 1) / den;
}

typedef struct disk_done_rec {
    int calls, status;
    dmasim_time t;
} disk_done_rec;

static void on_disk_complete(void *ctx, int status, dmasim_time t)
{
    disk_done_rec *r = ctx;
    r->calls++;
    r->status = status;
    r->t = t;
}

static dmasim_disk *mk_disk_threshold(dmasim_sim *sim, uint32_t spt, uint32_t threshold, disk_done_rec *rec);

static dmasim_disk *mk_disk(dmasim_sim *sim, uint32_t spt, disk_done_rec *rec)
{
    return mk_disk_threshold(sim, spt, 64, rec);
}

static dmasim_disk *mk_disk_threshold(dmasim_sim *sim, uint32_t spt, uint32_t threshold, disk_done_rec *rec)
{
    dmasim_disk_config c;
    dmasim_disk_config_init(&c);
    c.sector_size = 512;
    c.sectors = 1u << 20;
    c.sectors_per_track = spt;
    c.rpm = DISK_RPM;
    c.seek_model = DMASIM_DISK_SEEK_AVERAGE;
    c.seek_avg_ns = DISK_SEEK / NS;
    c.rotation = DMASIM_DISK_ROTATION_HALF;
    c.fifo_size = 512;
    c.threshold = threshold;
    c.item_size = 4;
    c.on_complete = on_disk_complete;
    c.ctx = rec;
    dmasim_disk *d = NULL;
    int err = dmasim_disk_create(sim, &c, &d);
    ck_assert_msg(err == 0, "disk_create: %s", dmasim_sim_errmsg(sim));
    return d;
}

static void start_channel(rig *r, unsigned ch, dmasim_dma_direction dir, dmasim_dma_mode mode, dmasim_addr mem,
                          uint64_t items, int autoinit)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.direction = dir;
    t.mode = mode;
    t.item_size = 4;
    t.count = items;
    t.autoinit = autoinit;
    if (dir == DMASIM_DMA_DEV_TO_MEM)
        t.dst = mem;
    else
        t.src = mem;
    int err = dmasim_dmac_channel_start(r->dmac, ch, &t);
    ck_assert_msg(err == 0, "channel_start: %s", dmasim_sim_errmsg(r->sim));
}

static void check_disk_bytes(dmasim_sim *sim, dmasim_addr dst, uint64_t lba, uint32_t n)
{
    uint8_t *buf = malloc(n);
    ck_assert_ptr_nonnull(buf);
    dmasim_mem_read(sim, dst, buf, n);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_msg(buf[i] == dmasim_device_pattern(lba + i / 512, i % 512), "byte %u: 0x%02x, want 0x%02x", i,
                      buf[i], dmasim_device_pattern(lba + i / 512, i % 512));
    free(buf);
}

START_TEST(test_disk_demand_read_follows_media_rate_and_threshold)
{
    const uint32_t spt = 16; /* one byte per 1.22 us: a DMA burst of 16 units ends before the next byte */
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rig_init(r, ref, 1);
        disk_done_rec rec = {0};
        dmasim_disk *d = mk_disk(r->sim, spt, &rec);
        edges dreq = {0}, irq = {0};
        dmasim_signal_subscribe(dmasim_disk_dreq(d), on_edge, &dreq);
        dmasim_signal_subscribe(dmasim_disk_irq(d), on_edge, &irq);
        ck_assert_int_eq(dmasim_disk_attach(d, r->dmac, 0), 0);
        start_channel(r, 0, DMASIM_DMA_DEV_TO_MEM, DMASIM_DMA_DEMAND, 0x10000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, DISK_LBA, 8, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);

        /* DREQ rises each time the FIFO reaches the threshold: at T(64 i) */
        ck_assert_uint_eq(dreq.nrise, DISK_N / 64);
        dmasim_time high = 0;
        for (size_t i = 0; i < dreq.nrise; i++) {
            dmasim_time ti = disk_T(DISK_TSTART, 64 * (i + 1), spt);
            ck_assert_uint_eq(dreq.rise[i], ti);
            /* the DMAC is granted at the next edge + 1 cycle and drains 16 units; DREQ falls
             * at the 16th give (the start of the 16th unit's write) */
            ck_assert_uint_eq(dreq.fall[i], edge(ti) + P + 15 * UNIT);
            high += dreq.fall[i] - dreq.rise[i];
        }
        dmasim_time end = edge(disk_T(DISK_TSTART, DISK_N, spt)) + P + 16 * UNIT;
        dmasim_dma_channel_status cs;
        dmasim_dmac_channel_status(r->dmac, 0, &cs);
        ck_assert_uint_eq(cs.end_time, end);
        ck_assert_int_eq(rec.calls, 1);
        ck_assert_int_eq(rec.status, 0);
        ck_assert_uint_eq(rec.t, end);
        ck_assert_uint_eq(irq.nrise, 1);
        ck_assert_uint_eq(irq.rise[0], end);
        dmasim_disk_status st;
        dmasim_disk_status_get(d, &st);
        ck_assert_int_eq(st.busy, 0);
        ck_assert_uint_eq(st.stream_start, DISK_TSTART);
        ck_assert_uint_eq(st.media_end, disk_T(DISK_TSTART, DISK_N, spt));
        ck_assert_uint_eq(st.complete_time, end);
        check_disk_bytes(r->sim, 0x10000, DISK_LBA, DISK_N);
        ck_assert_uint_eq(stat(r->sim, "disk0.bytes_read"), DISK_N);
        ck_assert_uint_eq(stat(r->sim, "disk0.overruns"), 0);
        ck_assert_uint_eq(stat(r->sim, "disk0.seek_ps"), DISK_SEEK);
        ck_assert_uint_eq(stat(r->sim, "disk0.rotation_ps"), DISK_HALF);
        ck_assert_uint_eq(stat(r->sim, "disk0.dreq_high_ps"), high);
        ck_assert_uint_eq(stat(r->sim, "disk0.give_empty"), 0);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

/* A threshold that does not divide the command (docs/devices.md, disk DREQ): DREQ rises when the
 * FIFO holds the threshold, or the rest of the command if less. One 512-byte sector, threshold
 * 192: rises at T(192), T(384) and, for the last 128 bytes, T(512); each demand burst drains the
 * FIFO (threshold / 4 units) before the next byte arrives. */
START_TEST(test_disk_dreq_rises_for_the_rest_below_the_threshold)
{
    const uint32_t spt = 16, thr = 192, n = 512;
    rig r;
    rig_init(&r, _i, 1);
    disk_done_rec rec = {0};
    dmasim_disk *d = mk_disk_threshold(r.sim, spt, thr, &rec);
    edges dreq = {0};
    dmasim_signal_subscribe(dmasim_disk_dreq(d), on_edge, &dreq);
    ck_assert_int_eq(dmasim_disk_attach(d, r.dmac, 0), 0);
    start_channel(&r, 0, DMASIM_DMA_DEV_TO_MEM, DMASIM_DMA_DEMAND, 0x10000, n / 4, 0);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, DISK_LBA, 1, 0), 0);
    const dmasim_time end = edge(disk_T(DISK_TSTART, n, spt)) + P + (n - 2 * thr) / 4 * UNIT;
    ck_assert_int_eq(dmasim_sim_run_until(r.sim, end + 100 * P), 0); /* the byte slot after n is far later */
    const uint32_t at[] = {thr, 2 * thr, n};
    ck_assert_uint_eq(dreq.nrise, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(dreq.rise[i], disk_T(DISK_TSTART, at[i], spt));
    dmasim_dma_channel_status cs;
    dmasim_dmac_channel_status(r.dmac, 0, &cs);
    ck_assert_uint_eq(cs.end_time, end);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(rec.status, 0);
    ck_assert_uint_eq(rec.t, end);
    check_disk_bytes(r.sim, 0x10000, DISK_LBA, n);
    dmasim_sim_destroy(r.sim);
}
END_TEST

START_TEST(test_disk_block_mode_read_retries_until_last_byte)
{
    const uint32_t spt = 256; /* 76.3 ns per byte */
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rig_init(r, ref, 1);
        disk_done_rec rec = {0};
        dmasim_disk *d = mk_disk(r->sim, spt, &rec);
        edges dreq = {0};
        dmasim_signal_subscribe(dmasim_disk_dreq(d), on_edge, &dreq);
        ck_assert_int_eq(dmasim_disk_attach(d, r->dmac, 1), 0);
        start_channel(r, 1, DMASIM_DMA_DEV_TO_MEM, DMASIM_DMA_BURST, 0x10000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, DISK_LBA, 8, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        /* DREQ starts the block at T(64); then the DMAC holds the channel to terminal count,
         * retrying a unit at every bus edge while the FIFO is empty: the last item is given at
         * the first edge at or after the last byte, and its write takes one unit */
        ck_assert_uint_ge(dreq.nrise, 1);
        ck_assert_uint_eq(dreq.rise[0], disk_T(DISK_TSTART, 64, spt));
        dmasim_time end = edge(disk_T(DISK_TSTART, DISK_N, spt)) + UNIT;
        ck_assert_int_eq(rec.calls, 1);
        ck_assert_uint_eq(rec.t, end);
        check_disk_bytes(r->sim, 0x10000, DISK_LBA, DISK_N);
        ck_assert_uint_eq(stat(r->sim, "disk0.overruns"), 0);
        ck_assert_uint_gt(stat(r->sim, "dmac0.ch1.stalls"), 0);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_disk_overrun_waits_one_revolution)
{
    const uint32_t spt = 16;
    const uint64_t rev = 16 * 512; /* byte slots per revolution */
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rig_init(r, ref, 1);
        disk_done_rec rec = {0};
        dmasim_disk *d = mk_disk(r->sim, spt, &rec);
        ck_assert_int_eq(dmasim_disk_attach(d, r->dmac, 0), 0);
        start_channel(r, 0, DMASIM_DMA_DEV_TO_MEM, DMASIM_DMA_DEMAND, 0x10000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 0, 1), 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, DISK_LBA, 8, 0), 0);
        /* the FIFO is full at T(512); byte 513 finds no room: it comes round a revolution later */
        dmasim_time unmask = disk_T(DISK_TSTART, 512, spt) + 100 * US;
        ck_assert_int_eq(dmasim_sim_run_until(r->sim, unmask), 0);
        dmasim_disk_status st;
        dmasim_disk_status_get(d, &st);
        ck_assert_uint_eq(st.fifo_level, 512);
        ck_assert_uint_eq(st.overruns, 1);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 0, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        dmasim_time end = edge(disk_T(DISK_TSTART, DISK_N + rev, spt)) + P + 16 * UNIT;
        ck_assert_int_eq(rec.calls, 1);
        ck_assert_uint_eq(rec.t, end);
        ck_assert_uint_eq(stat(r->sim, "disk0.overruns"), 1);
        ck_assert_uint_eq(stat(r->sim, "disk0.missed_revolution_ps"),
                          disk_T(DISK_TSTART, 513 + rev, spt) - disk_T(DISK_TSTART, 513, spt));
        check_disk_bytes(r->sim, 0x10000, DISK_LBA, DISK_N);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_disk_write_ends_with_the_medium_and_reads_back)
{
    const uint32_t spt = 16;
    const uint64_t rev = 16 * 512;
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rig_init(r, ref, 1);
        disk_done_rec rec = {0};
        dmasim_disk *d = mk_disk(r->sim, spt, &rec);
        ck_assert_int_eq(dmasim_disk_attach(d, r->dmac, 2), 0);
        uint8_t src[DISK_N];
        for (uint32_t i = 0; i < DISK_N; i++)
            src[i] = (uint8_t)(i * 13 + 7);
        dmasim_mem_write(r->sim, 0x20000, src, sizeof src);

        /* a write with the DMA ready: the FIFO is filled during the seek, the medium never
         * waits, the command completes when the medium has written byte 4096 */
        start_channel(r, 2, DMASIM_DMA_MEM_TO_DEV, DMASIM_DMA_DEMAND, 0x20000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_WRITE, 2000, 8, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_int_eq(rec.calls, 1);
        ck_assert_uint_eq(rec.t, disk_T(DISK_TSTART, DISK_N, spt));
        ck_assert_uint_eq(stat(r->sim, "disk0.underruns"), 0);
        ck_assert_uint_eq(stat(r->sim, "disk0.bytes_written"), DISK_N);
        uint8_t sec[512];
        for (uint32_t s = 0; s < 8; s++) {
            ck_assert_int_eq(dmasim_disk_peek(d, 2000 + s, sec), 0);
            ck_assert_int_eq(memcmp(sec, src + 512 * s, 512), 0);
        }

        /* the same sectors read back (a second command, new channel program) */
        dmasim_time t1 = dmasim_sim_now(r->sim);
        dmasim_disk_irq_clear(d);
        start_channel(r, 2, DMASIM_DMA_DEV_TO_MEM, DMASIM_DMA_DEMAND, 0x30000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 2000, 8, t1), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_int_eq(rec.calls, 2);
        uint8_t back[DISK_N];
        dmasim_mem_read(r->sim, 0x30000, back, sizeof back);
        ck_assert_int_eq(memcmp(back, src, sizeof src), 0);

        /* a write whose DMA is masked until after the stream started: byte 1 is not in the
         * FIFO when the medium needs it, the medium waits a revolution */
        dmasim_time t2 = dmasim_sim_now(r->sim);
        start_channel(r, 2, DMASIM_DMA_MEM_TO_DEV, DMASIM_DMA_DEMAND, 0x20000, DISK_N / 4, 0);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 2, 1), 0);
        ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_WRITE, 4000, 8, t2), 0);
        ck_assert_int_eq(dmasim_sim_run_until(r->sim, t2 + DISK_TSTART + 50 * US), 0);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 2, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_int_eq(rec.calls, 3);
        ck_assert_uint_eq(rec.t, disk_T(t2 + DISK_TSTART, DISK_N + rev, spt));
        ck_assert_uint_eq(stat(r->sim, "disk0.underruns"), 1);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_disk_angle_rotation_and_linear_seek)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_disk_config c;
    dmasim_disk_config_init(&c);
    c.sectors = 1u << 20;
    c.sectors_per_track = 16;
    c.rpm = DISK_RPM; /* 10 ms per revolution, 625 us per sector */
    c.seek_model = DMASIM_DISK_SEEK_LINEAR;
    c.seek_settle_ns = 500000;      /* 0.5 ms */
    c.seek_per_track_ps = 100000;   /* 100 ns per track */
    c.rotation = DMASIM_DISK_ROTATION_ANGLE;
    dmasim_disk *d = NULL;
    ck_assert_int_eq(dmasim_disk_create(sim, &c, &d), 0);
    /* LBA 85 = track 5, sector 5: seek 0.5 ms + 5 * 100 ns from track 0; the head then waits for
     * sector 5, which starts at 5/16 of a revolution (3.125 ms) after every 10 ms */
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 85, 1, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1), 0);
    dmasim_disk_status st;
    dmasim_disk_status_get(d, &st);
    ck_assert_uint_eq(st.stream_start, 3125 * US);
    ck_assert_uint_eq(stat(sim, "disk0.seek_ps"), 500 * US + 500 * NS);
    ck_assert_uint_eq(stat(sim, "disk0.rotation_ps"), 3125 * US - (500 * US + 500 * NS));
    /* without a DMA the command never completes: give the bytes by hand, then the done() */
    const dmasim_dma_device_ops *ops = dmasim_disk_device_ops();
    ck_assert_int_eq(dmasim_sim_run_until(sim, 3125 * US + 625 * US), 0);
    uint8_t sec[512];
    for (uint32_t i = 0; i < 512; i += 4)
        ck_assert_int_eq(ops->give(d, sec + i, 4, dmasim_sim_now(sim)), 0);
    ck_assert_int_eq(ops->give(d, sec, 4, dmasim_sim_now(sim)), DMASIM_EBUSY);
    for (uint32_t i = 0; i < 512; i++)
        ck_assert_uint_eq(sec[i], dmasim_device_pattern(85, i));
    ops->done(d, 0, dmasim_sim_now(sim));
    dmasim_disk_status_get(d, &st);
    ck_assert_int_eq(st.busy, 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_disk_irq(d)), 1);
    /* a second command on the same track: no seek; sector 7 comes at 7/16 of the revolution */
    dmasim_time now = dmasim_sim_now(sim);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 87, 1, now), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_disk_irq(d)), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, now), 0);
    dmasim_disk_status_get(d, &st);
    ck_assert_uint_eq(st.stream_start, 4375 * US);
    ck_assert_uint_eq(stat(sim, "disk0.seek_ps"), 500 * US + 500 * NS);
    dmasim_sim_destroy(sim);
}
END_TEST

/* The linear seek model measures from the track of the last sector the previous command used
 * (docs/devices.md, seek): a read of LBA 79-80 (track 4 sector 15, then track 5 sector 0)
 * seeks 0.5 ms + 4 tracks from track 0 and leaves the head on track 5, so a read of LBA 85
 * (track 5) next seeks not at all. */
START_TEST(test_disk_linear_seek_starts_from_the_last_sector_read)
{
    dmasim_sim *sim = tu_sim(_i);
    dmasim_disk_config c;
    dmasim_disk_config_init(&c);
    c.sectors = 1u << 20;
    c.sectors_per_track = 16;
    c.rpm = DISK_RPM; /* 625 us per sector */
    c.seek_model = DMASIM_DISK_SEEK_LINEAR;
    c.seek_settle_ns = 500000;
    c.seek_per_track_ps = 100000;
    c.rotation = DMASIM_DISK_ROTATION_ANGLE;
    dmasim_disk *d = NULL;
    ck_assert_int_eq(dmasim_disk_create(sim, &c, &d), 0);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 79, 2, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 1), 0);
    ck_assert_uint_eq(stat(sim, "disk0.seek_ps"), 500 * US + 4 * 100 * NS);
    dmasim_disk_status st;
    dmasim_disk_status_get(d, &st);
    const dmasim_time s0 = st.stream_start;
    const dmasim_dma_device_ops *ops = dmasim_disk_device_ops(); /* no DMA: the bytes by hand */
    uint8_t sec[512];
    for (uint32_t k = 1; k <= 2; k++) {
        ck_assert_int_eq(dmasim_sim_run_until(sim, s0 + k * 625 * US), 0);
        for (uint32_t i = 0; i < 512; i += 4)
            ck_assert_int_eq(ops->give(d, sec + i, 4, dmasim_sim_now(sim)), 0);
    }
    ops->done(d, 0, dmasim_sim_now(sim));
    dmasim_disk_status_get(d, &st);
    ck_assert_int_eq(st.busy, 0);
    ck_assert_uint_eq(st.overruns, 0);
    dmasim_time now = dmasim_sim_now(sim);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 85, 1, now), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, now), 0);
    ck_assert_uint_eq(stat(sim, "disk0.seek_ps"), 500 * US + 4 * 100 * NS); /* no second seek */
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- sound card ---- */

#define RING 0x30000u
#define RING_BYTES 256u

static dmasim_time tick(dmasim_time t0, uint64_t k) { return t0 + (k * 1000000000000ull + 47999) / 48000; }

typedef struct player {
    uint64_t frames, underruns;
    dmasim_time under[256];
    size_t nunder;
    int bad_bytes;
} player;

static uint8_t ring_byte(uint64_t i) { return (uint8_t)((i % RING_BYTES) * 5 + 1); }

static void on_play(void *ctx, const void *frame, uint32_t len, dmasim_time t)
{
    player *p = ctx;
    if (!frame) {
        if (p->nunder < 256)
            p->under[p->nunder] = t;
        p->nunder++;
        p->underruns++;
        return;
    }
    const uint8_t *b = frame;
    for (uint32_t i = 0; i < len; i++)
        if (b[i] != ring_byte(p->frames * 4 + i))
            p->bad_bytes++;
    p->frames++;
}

static dmasim_audio *mk_audio(rig *r, player *pl)
{
    dmasim_audio_config c;
    dmasim_audio_config_init(&c);
    c.sample_rate = 48000;
    c.frame_bytes = 4;
    c.fifo_size = 64;
    c.threshold = 32;
    c.item_size = 4;
    c.play = on_play;
    c.ctx = pl;
    dmasim_audio *a = NULL;
    int err = dmasim_audio_create(r->sim, &c, &a);
    ck_assert_msg(err == 0, "audio_create: %s", dmasim_sim_errmsg(r->sim));
    ck_assert_int_eq(dmasim_audio_attach(a, r->dmac, 1), 0);
    uint8_t ring[RING_BYTES];
    for (uint32_t i = 0; i < RING_BYTES; i++)
        ring[i] = ring_byte(i);
    dmasim_mem_write(r->sim, RING, ring, sizeof ring);
    return a;
}

START_TEST(test_audio_dma_keeping_up_never_underruns)
{
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        player pl = {0};
        rig_init(r, ref, 1);
        dmasim_audio *a = mk_audio(r, &pl);
        /* an autoinitialized demand-mode channel over a 256-byte ring buffer */
        start_channel(r, 1, DMASIM_DMA_MEM_TO_DEV, DMASIM_DMA_DEMAND, RING, RING_BYTES / 4, 1);
        ck_assert_int_eq(dmasim_audio_start(a, 10 * US, 480), 0); /* 10 ms */
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_uint_eq(pl.frames, 480);
        ck_assert_uint_eq(pl.underruns, 0);
        ck_assert_int_eq(pl.bad_bytes, 0);
        ck_assert_uint_eq(stat(r->sim, "audio0.frames"), 480);
        ck_assert_uint_eq(stat(r->sim, "audio0.underruns"), 0);
        ck_assert_uint_eq(stat(r->sim, "audio0.first_underrun_ps"), UINT64_MAX);
        /* what was played plus a full FIFO left at the end */
        ck_assert_uint_eq(stat(r->sim, "audio0.bytes"), 480 * 4 + 64);
        ck_assert_uint_eq(stat(r->sim, "dmac0.ch1.autoinits"), (480 * 4 + 64) / RING_BYTES);
        ck_assert_uint_eq(dmasim_sim_now(r->sim) >= tick(10 * US, 479), 1);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_audio_late_dma_underruns_until_first_take)
{
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        player pl = {0};
        rig_init(r, ref, 1);
        dmasim_audio *a = mk_audio(r, &pl);
        ck_assert_int_eq(dmasim_audio_start(a, 0, 200), 0);
        /* the channel starts at 1 ms: its first item arrives at 1 ms + edge + arb + read (30 ns);
         * every tick up to then (t_0 .. t_48 = 1 ms exactly) found the FIFO empty */
        ck_assert_int_eq(dmasim_sim_run_until(r->sim, 1 * MS), 0);
        start_channel(r, 1, DMASIM_DMA_MEM_TO_DEV, DMASIM_DMA_DEMAND, RING, RING_BYTES / 4, 1);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_uint_eq(pl.underruns, 49);
        for (size_t k = 0; k < 49; k++)
            ck_assert_uint_eq(pl.under[k], tick(0, k));
        ck_assert_uint_eq(pl.frames, 151);
        ck_assert_int_eq(pl.bad_bytes, 0);
        ck_assert_uint_eq(stat(r->sim, "audio0.underruns"), 49);
        ck_assert_uint_eq(stat(r->sim, "audio0.first_underrun_ps"), 0);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_audio_masked_dma_underruns_at_the_right_ticks)
{
    const dmasim_time t0 = 10 * US, A = 2 * MS + 5 * US, B = 3 * MS + 5 * US;
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        player pl = {0};
        rig_init(r, ref, 1);
        dmasim_audio *a = mk_audio(r, &pl);
        start_channel(r, 1, DMASIM_DMA_MEM_TO_DEV, DMASIM_DMA_DEMAND, RING, RING_BYTES / 4, 1);
        ck_assert_int_eq(dmasim_audio_start(a, t0, 240), 0);
        ck_assert_int_eq(dmasim_sim_run_until(r->sim, A), 0);
        dmasim_audio_status st;
        dmasim_audio_status_get(a, &st);
        ck_assert_uint_eq(st.underruns, 0);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 1, 1), 0);
        ck_assert_int_eq(dmasim_sim_run_until(r->sim, B), 0);
        ck_assert_int_eq(dmasim_dmac_set_mask(r->dmac, 1, 0), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        /* the FIFO held st.fifo_level bytes at A: that many frames play, then every tick up to
         * the first take after the unmask (B + arb + read = B + 30 ns) underruns */
        uint64_t k = st.next_tick + st.fifo_level / 4;
        size_t n = 0;
        for (; tick(t0, k) <= B + 3 * P; k++, n++)
            ck_assert_uint_eq(pl.under[n], tick(t0, k));
        ck_assert_uint_gt(n, 20);
        ck_assert_uint_eq(pl.underruns, n);
        ck_assert_uint_eq(pl.frames, 240 - n);
        ck_assert_int_eq(pl.bad_bytes, 0);
        ck_assert_uint_eq(stat(r->sim, "audio0.first_underrun_ps"), tick(t0, st.next_tick + st.fifo_level / 4));
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

/* A card of 48 kHz, 4-byte frames, driven through its device ops without a DMAC: takes of
 * chosen sizes at chosen times. */
static dmasim_audio *mk_card(dmasim_sim *sim, const char *name, uint32_t fifo, uint32_t threshold, uint32_t item)
{
    dmasim_audio_config c;
    dmasim_audio_config_init(&c);
    c.name = name;
    c.sample_rate = 48000;
    c.frame_bytes = 4;
    c.fifo_size = fifo;
    c.threshold = threshold;
    c.item_size = item;
    dmasim_audio *a = NULL;
    int err = dmasim_audio_create(sim, &c, &a);
    ck_assert_msg(err == 0, "audio_create: %s", dmasim_sim_errmsg(sim));
    return a;
}

/* `n` takes of `len` bytes at now; returns how many the card accepted. */
static unsigned take_n(dmasim_audio *a, unsigned n, uint32_t len, dmasim_time now)
{
    static const uint8_t zeros[64];
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += dmasim_audio_device_ops()->take(a, zeros, len, now) == 0;
    return ok;
}

static uint64_t dreq_at(dmasim_sim *sim, dmasim_audio *a, dmasim_time t)
{
    ck_assert_int_eq(dmasim_sim_run_until(sim, t), 0);
    return dmasim_signal_value(dmasim_audio_dreq(a));
}

/* DREQ by the rules of docs/devices.md: high while the FIFO is empty; down when the room is
 * below item_size (a take that would not fit is refused: take_full); up again at the tick that
 * makes the room >= threshold (a threshold of 30 bytes needs ceil(30 / 4) = 8 frames played:
 * tick 7), or, when the threshold cannot be reached while a frame is left, at the tick that
 * leaves less than a frame (66 bytes in 4-byte frames: 16 frames, tick 15 leaves 2).
 * dreq_high_ps sums the high intervals, the current one included. */
START_TEST(test_audio_dreq_follows_room_threshold_and_starvation)
{
    const dmasim_time t1 = 1000;
    dmasim_sim *sim = tu_sim(0);
    dmasim_audio *room = mk_card(sim, "room0", 64, 30, 4), *starve = mk_card(sim, "starve0", 66, 66, 2);
    ck_assert_uint_eq(dreq_at(sim, room, t1), 1);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_audio_dreq(starve)), 1);
    /* fill both: 16 items of 4 bytes, 33 of 2; one more is refused */
    ck_assert_uint_eq(take_n(room, 17, 4, t1), 16);
    ck_assert_uint_eq(take_n(starve, 34, 2, t1), 33);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_audio_dreq(room)), 0);
    ck_assert_uint_eq(dmasim_signal_value(dmasim_audio_dreq(starve)), 0);
    ck_assert_uint_eq(stat(sim, "room0.take_full"), 1);
    ck_assert_uint_eq(stat(sim, "starve0.take_full"), 1);
    ck_assert_uint_eq(stat(sim, "room0.bytes"), 64);
    ck_assert_uint_eq(stat(sim, "starve0.bytes"), 66);
    ck_assert_uint_eq(stat(sim, "room0.dreq_high_ps"), t1); /* high from 0 to t1 */
    ck_assert_int_eq(dmasim_audio_start(room, t1, 0), 0);
    ck_assert_int_eq(dmasim_audio_start(starve, t1, 0), 0);

    ck_assert_uint_eq(dreq_at(sim, room, tick(t1, 7) - 1), 0);
    ck_assert_uint_eq(stat(sim, "room0.frames"), 7);
    ck_assert_uint_eq(stat(sim, "room0.dreq_high_ps"), t1);
    ck_assert_uint_eq(dreq_at(sim, room, tick(t1, 7)), 1);
    ck_assert_uint_eq(stat(sim, "room0.frames"), 8);
    ck_assert_uint_eq(dreq_at(sim, room, tick(t1, 7) + 500), 1);
    ck_assert_uint_eq(stat(sim, "room0.dreq_high_ps"), t1 + 500);

    ck_assert_uint_eq(dreq_at(sim, starve, tick(t1, 15) - 1), 0);
    ck_assert_uint_eq(dreq_at(sim, starve, tick(t1, 15)), 1);
    ck_assert_uint_eq(stat(sim, "starve0.frames"), 16);
    ck_assert_uint_eq(stat(sim, "starve0.underruns"), 0);
    /* the 2 bytes left are less than a frame: the next tick underruns */
    ck_assert_uint_eq(dreq_at(sim, starve, tick(t1, 16)), 1);
    ck_assert_uint_eq(stat(sim, "starve0.underruns"), 1);
    ck_assert_uint_eq(stat(sim, "starve0.first_underrun_ps"), tick(t1, 16));
    ck_assert_int_eq(dmasim_audio_stop(room), 0);
    ck_assert_int_eq(dmasim_audio_stop(starve), 0);
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- NIC ---- */

#define DESCS 0x100000u
#define BUFS 0x200000u
#define BUFSZ 2048u
#define NIC_REG 0xE0000000u

typedef struct rx_log {
    uint64_t seq[64];
    uint32_t len[64];
    dmasim_addr desc[64];
    dmasim_time t[64];
    size_t n;
    dmasim_nic *nic;
    int clear_irq;
} rx_log;

static void on_rx(void *ctx, uint64_t seq, uint32_t len, dmasim_addr desc, dmasim_time t)
{
    rx_log *l = ctx;
    if (l->n < 64) {
        l->seq[l->n] = seq;
        l->len[l->n] = len;
        l->desc[l->n] = desc;
        l->t[l->n] = t;
    }
    l->n++;
    if (l->clear_irq)
        dmasim_nic_irq_clear(l->nic, DMASIM_NIC_ICR_RX);
}

static void nic_cfg(dmasim_nic_config *c, rx_log *log)
{
    dmasim_nic_config_init(c);
    c->fifo_size = 4096;
    c->burst = 64;
    c->line_rate = 1000000000ull;
    c->rate = 100000; /* one packet every 10 us */
    c->on_packet = on_rx;
    c->ctx = log;
}

static uint32_t le32(dmasim_sim *sim, dmasim_addr a)
{
    uint8_t b[4];
    dmasim_mem_read(sim, a, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void check_packet(dmasim_sim *sim, dmasim_addr buf, uint64_t seq, uint32_t len)
{
    uint8_t b[2048];
    dmasim_mem_read(sim, buf, b, len);
    for (uint32_t i = 0; i < len; i++)
        ck_assert_msg(b[i] == dmasim_device_pattern(seq, i), "packet %llu byte %u", (unsigned long long)seq, i);
}

START_TEST(test_nic_synthetic_rate_under_ring_size_drops_nothing)
{
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rx_log log = {0};
        rig_init(r, ref, 0);
        ck_assert_int_eq(dmasim_nic_ring_init(r->sim, DESCS, 16, BUFS, BUFSZ, 16), 0);
        dmasim_nic_config c;
        nic_cfg(&c, &log);
        c.packets = 8;
        c.packet_size = 100;
        c.ring = DESCS;
        dmasim_nic *nic = NULL;
        ck_assert_int_eq(dmasim_nic_create(r->bus, &c, &nic), 0);
        log.nic = nic;
        log.clear_irq = 1;
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_uint_eq(log.n, 8);
        for (uint64_t k = 0; k < 8; k++) {
            ck_assert_uint_eq(log.seq[k], k);
            ck_assert_uint_eq(log.len[k], 100);
            ck_assert_uint_eq(log.desc[k], DESCS + 32 * k);
            /* arrival k * 10 us; four tenures (R1-R3): fetch 1 + 4 beats, 64 bytes 1 + 8,
             * 36 bytes 1 + 5, write-back 1 + 1, each after 1 arbitration cycle */
            ck_assert_uint_eq(log.t[k], k * 10 * US + (4 + 5 + 9 + 6 + 2) * P);
            check_packet(r->sim, BUFS + k * BUFSZ, k, 100);
            ck_assert_uint_eq(le32(r->sim, DESCS + 32 * k + DMASIM_DESC_COUNT), 100);
            ck_assert_uint_eq(le32(r->sim, DESCS + 32 * k + DMASIM_DESC_FLAGS) & DMASIM_DESC_OWN, 0);
        }
        for (uint64_t k = 8; k < 16; k++) { /* untouched */
            ck_assert_uint_eq(le32(r->sim, DESCS + 32 * k + DMASIM_DESC_COUNT), BUFSZ);
            ck_assert_uint_eq(le32(r->sim, DESCS + 32 * k + DMASIM_DESC_FLAGS), DMASIM_DESC_OWN);
        }
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_packets"), 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_bytes"), 800);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_dropped_fifo") + stat(r->sim, "nic0.rx_dropped_ring_full"), 0);
        ck_assert_uint_eq(stat(r->sim, "nic0.descriptor_fetches"), 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.descriptor_writebacks"), 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.bus_transactions"), 32);
        ck_assert_uint_eq(stat(r->sim, "nic0.bus_cycles"), 8 * (5 + 9 + 6 + 2));
        ck_assert_uint_eq(stat(r->sim, "nic0.interrupts"), 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.fifo_max_level"), 100);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

static void reg_write32(dmasim_bus *bus, uint32_t off, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_int_eq(dmasim_bus_debug_write(bus, NIC_REG + off, b, 4), 0);
}

static uint32_t reg_read32(dmasim_bus *bus, uint32_t off)
{
    uint8_t b[4];
    ck_assert_int_eq(dmasim_bus_debug_read(bus, NIC_REG + off, b, 4), 0);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

START_TEST(test_nic_ring_full_drops_exactly_the_excess)
{
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rx_log log = {0};
        rig_init(r, ref, 0);
        ck_assert_int_eq(dmasim_nic_ring_init(r->sim, DESCS, 4, BUFS, BUFSZ, 4), 0);
        dmasim_nic_config c;
        nic_cfg(&c, &log);
        c.packets = 20;
        c.packet_size = 1000; /* the 4096-byte FIFO holds 4 of them */
        c.start_time = 1 * US;
        dmasim_nic *nic = NULL;
        ck_assert_int_eq(dmasim_nic_create(r->bus, &c, &nic), 0);
        /* software programs the ring and enables receive through the registers */
        reg_write32(r->bus, DMASIM_NIC_RING_LO, DESCS);
        reg_write32(r->bus, DMASIM_NIC_RING_HI, 0);
        reg_write32(r->bus, DMASIM_NIC_CTRL, DMASIM_NIC_CTRL_RX_EN);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        /* packets 0-3 took the 4 descriptors; packet 4 found descriptor 0 not owned; 4-7 wait
         * in the FIFO; the 12 others were dropped because the ring was full */
        ck_assert_uint_eq(log.n, 4);
        ck_assert_uint_eq(stat(r->sim, "nic0.arrivals"), 20);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_dropped_ring_full"), 12);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_dropped_fifo"), 0);
        ck_assert_uint_eq(stat(r->sim, "nic0.ring_empty"), 1);
        ck_assert_uint_eq(stat(r->sim, "nic0.fifo_max_level"), 4000);
        ck_assert_uint_eq(reg_read32(r->bus, DMASIM_NIC_ICR),
                          DMASIM_NIC_ICR_RX | DMASIM_NIC_ICR_NO_DESC | DMASIM_NIC_ICR_DROP);
        ck_assert_uint_eq(reg_read32(r->bus, DMASIM_NIC_RX_DROPPED), 12);
        ck_assert_uint_eq(dmasim_signal_value(dmasim_nic_irq(nic)), 1);
        for (uint64_t k = 0; k < 4; k++)
            check_packet(r->sim, BUFS + k * BUFSZ, k, 1000);
        /* software gives the descriptors back and rings the doorbell: packets 4-7 follow */
        ck_assert_int_eq(dmasim_nic_ring_init(r->sim, DESCS, 4, BUFS, BUFSZ, 4), 0);
        reg_write32(r->bus, DMASIM_NIC_ICR, 0xF);
        reg_write32(r->bus, DMASIM_NIC_DOORBELL, 1);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_uint_eq(log.n, 8);
        for (uint64_t k = 4; k < 8; k++) {
            ck_assert_uint_eq(log.seq[k], k);
            ck_assert_uint_eq(log.desc[k], DESCS + 32 * (k - 4));
            check_packet(r->sim, BUFS + (k - 4) * BUFSZ, k, 1000);
        }
        ck_assert_uint_eq(reg_read32(r->bus, DMASIM_NIC_RX_PACKETS), 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_dropped_ring_full"), 12);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

START_TEST(test_nic_slow_bus_drops_on_fifo)
{
    /* 64-byte packets every 100 ns (wire time 672 ns spaces them), a FIFO of 256 bytes and a
     * bus whose memory has 40 wait states: the DMA cannot keep up, drops are "fifo" */
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    tu_sram(bus, 0, 1ull << 30, 40);
    ck_assert_int_eq(dmasim_nic_ring_init(sim, DESCS, 64, BUFS, BUFSZ, 64), 0);
    rx_log log = {0};
    dmasim_nic_config c;
    nic_cfg(&c, &log);
    c.fifo_size = 256;
    c.rate = 10000000;
    c.packets = 50;
    c.packet_size = 64;
    c.ring = DESCS;
    dmasim_nic *nic = NULL;
    ck_assert_int_eq(dmasim_nic_create(bus, &c, &nic), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    uint64_t got = stat(sim, "nic0.rx_packets"), lost = stat(sim, "nic0.rx_dropped_fifo");
    ck_assert_uint_gt(lost, 0);
    ck_assert_uint_eq(stat(sim, "nic0.rx_dropped_ring_full"), 0);
    ck_assert_uint_eq(got + lost, 50);
    ck_assert_uint_eq(log.n, got);
    for (size_t i = 0; i < log.n && i < 64; i++)
        check_packet(sim, BUFS + i * BUFSZ, log.seq[i], 64);
    dmasim_sim_destroy(sim);
}
END_TEST

START_TEST(test_nic_bursts_stop_at_burst_boundaries)
{
    /* a 120-byte packet into a buffer at 0x...10 with 64-byte bursts: 48 bytes up to the
     * boundary, 64, then 8 (three data transactions, not two) */
    rig r;
    rx_log log = {0};
    rig_init(&r, 0, 0);
    ck_assert_int_eq(dmasim_nic_ring_init(r.sim, DESCS, 1, BUFS + 0x10, BUFSZ, 1), 0);
    dmasim_nic_config c;
    nic_cfg(&c, &log);
    c.packets = 1;
    c.packet_size = 120;
    c.ring = DESCS;
    dmasim_nic *nic = NULL;
    ck_assert_int_eq(dmasim_nic_create(r.bus, &c, &nic), 0);
    ck_assert_int_eq(dmasim_sim_run(r.sim), 0);
    ck_assert_uint_eq(log.n, 1);
    ck_assert_uint_eq(stat(r.sim, "nic0.bus_transactions"), 5);
    /* fetch 1 + 4, 48 bytes 1 + 6, 64 bytes 1 + 8, 8 bytes 1 + 1, write-back 1 + 1 */
    ck_assert_uint_eq(stat(r.sim, "nic0.bus_cycles"), 5 + 7 + 9 + 2 + 2);
    ck_assert_uint_eq(log.t[0], (5 + 5 + 7 + 9 + 2 + 2) * P);
    check_packet(r.sim, BUFS + 0x10, 0, 120);
    dmasim_sim_destroy(r.sim);
}
END_TEST

static const char *write_file(char *path, size_t n, const char *name, const char *text)
{
    snprintf(path, n, "%s", name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A packet exactly as long as its buffer fits (docs/devices.md: only a longer one is dropped),
 * and back-to-back synthetic packets are spaced by their wire time, ceil((len + 20) * 8 * 1e12 /
 * line_rate) ps (preamble, start delimiter and inter-frame gap): with a far higher packet rate,
 * packet k arrives at k * wire, and each reaches memory the same DMA time after the bus edge at
 * or after its arrival. */
START_TEST(test_nic_full_buffer_packets_spaced_by_wire_time)
{
    rig r;
    rx_log log = {0};
    rig_init(&r, _i, 0);
    ck_assert_int_eq(dmasim_nic_ring_init(r.sim, DESCS, 8, BUFS, BUFSZ, 8), 0);
    dmasim_nic_config c;
    nic_cfg(&c, &log);
    c.packets = 4;
    c.packet_size = BUFSZ;
    c.rate = 10000000000ull; /* 0.1 ns apart: the wire decides */
    c.ring = DESCS;
    dmasim_nic *nic = NULL;
    ck_assert_int_eq(dmasim_nic_create(r.bus, &c, &nic), 0);
    ck_assert_int_eq(dmasim_sim_run(r.sim), 0);
    const dmasim_time wire = ((uint64_t)BUFSZ + 20) * 8 * 1000000000000ull / c.line_rate;
    ck_assert_uint_eq(((uint64_t)BUFSZ + 20) * 8 * 1000000000000ull % c.line_rate, 0);
    ck_assert_uint_eq(log.n, 4);
    for (uint64_t k = 0; k < 4; k++) {
        ck_assert_uint_eq(log.len[k], BUFSZ);
        ck_assert_uint_eq(log.t[k] - edge(k * wire), log.t[0]); /* the DMA starts at the next edge (R1) */
        check_packet(r.sim, BUFS + k * BUFSZ, k, BUFSZ);
    }
    ck_assert_uint_lt(log.t[0], wire); /* each packet is in memory before the next arrives */
    ck_assert_uint_eq(stat(r.sim, "nic0.rx_dropped_too_long"), 0);
    dmasim_sim_destroy(r.sim);
}
END_TEST

START_TEST(test_nic_packet_trace_and_buffer_too_small)
{
    char path[256];
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rx_log log = {0};
        rig_init(r, ref, 0);
        ck_assert_int_eq(dmasim_nic_ring_init(r->sim, DESCS, 8, BUFS, 512, 8), 0);
        dmasim_nic_config c;
        nic_cfg(&c, &log);
        c.trace = write_file(path, sizeof path, "devices_trace_ok.txt",
                             "# time_ns bytes\n1000 64\n\n2500 600   # longer than the 512-byte buffers\r\n"
                             "3000 60\n3000 8\n");
        c.ring = DESCS;
        dmasim_nic *nic = NULL;
        ck_assert_msg(dmasim_nic_create(r->bus, &c, &nic) == 0, "%s", dmasim_sim_errmsg(r->sim));
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        ck_assert_uint_eq(log.n, 3);
        ck_assert_uint_eq(log.seq[0], 0);
        ck_assert_uint_eq(log.seq[1], 2);
        ck_assert_uint_eq(log.seq[2], 3);
        ck_assert_uint_eq(log.len[1], 60);
        /* packet 0: arrives at 1 us; fetch, one 64-byte write, write-back */
        ck_assert_uint_eq(log.t[0], 1 * US + (3 + 5 + 9 + 2) * P);
        /* packet 1 was dropped after its fetch; packet 2 used that descriptor (number 1) */
        ck_assert_uint_eq(log.desc[1], DESCS + 32);
        check_packet(r->sim, BUFS, 0, 64);
        check_packet(r->sim, BUFS + 512, 2, 60);
        check_packet(r->sim, BUFS + 1024, 3, 8);
        ck_assert_uint_eq(stat(r->sim, "nic0.rx_dropped_too_long"), 1);
        ck_assert_uint_eq(stat(r->sim, "nic0.arrivals"), 4);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
    remove(path);
}
END_TEST

START_TEST(test_nic_bad_traces_name_file_and_line)
{
    static const struct {
        const char *text;
        int err;
        const char *where;
    } cases[] = {
        {"1000 64\n2000 abc\n", DMASIM_EFORMAT, "devices_trace_bad.txt:2:"},
        {"# header\n1000\n", DMASIM_EFORMAT, "devices_trace_bad.txt:2:"},
        {"1000 64 7\n", DMASIM_EFORMAT, "devices_trace_bad.txt:1:"},
        {"-5 64\n", DMASIM_EFORMAT, "devices_trace_bad.txt:1:"},
        {"2000 64\n1000 64\n", DMASIM_EFORMAT, "devices_trace_bad.txt:2:"},
        {"1000 0\n", DMASIM_ERANGE, "devices_trace_bad.txt:1:"},
        {"1000 5000\n", DMASIM_ERANGE, "devices_trace_bad.txt:1:"},
    };
    char path[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dmasim_sim *sim = tu_sim(0);
        dmasim_bus *bus = tu_bus(sim);
        dmasim_nic_config c;
        nic_cfg(&c, NULL);
        c.trace = write_file(path, sizeof path, "devices_trace_bad.txt", cases[i].text);
        dmasim_nic *nic = NULL;
        int err = dmasim_nic_create(bus, &c, &nic);
        ck_assert_msg(err == cases[i].err, "case %zu: %s (%s)", i, dmasim_err_name(err), dmasim_sim_errmsg(sim));
        ck_assert_msg(strstr(dmasim_sim_errmsg(sim), cases[i].where), "case %zu: '%s'", i, dmasim_sim_errmsg(sim));
        dmasim_sim_destroy(sim);
    }
    remove(path);
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    dmasim_nic_config c;
    nic_cfg(&c, NULL);
    c.trace = "no/such/trace.txt";
    dmasim_nic *nic = NULL;
    ck_assert_int_eq(dmasim_nic_create(bus, &c, &nic), DMASIM_ENOENT);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "no/such/trace.txt"));
    dmasim_sim_destroy(sim);
}
END_TEST

static uint64_t nic_random_run(uint64_t seed, rx_log *log)
{
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.seed = seed;
    dmasim_sim *sim = NULL;
    ck_assert_int_eq(dmasim_sim_create(&sc, &sim), 0);
    dmasim_bus *bus = tu_bus(sim);
    tu_sram(bus, 0, 1ull << 30, 0);
    ck_assert_int_eq(dmasim_nic_ring_init(sim, DESCS, 64, BUFS, BUFSZ, 64), 0);
    dmasim_nic_config c;
    nic_cfg(&c, log);
    c.packets = 40;
    c.packet_size = 64;
    c.packet_size_max = 1518;
    c.ring = DESCS;
    dmasim_nic *nic = NULL;
    ck_assert_int_eq(dmasim_nic_create(bus, &c, &nic), 0);
    ck_assert_int_eq(dmasim_sim_run(sim), 0);
    uint64_t bytes = stat(sim, "nic0.rx_bytes");
    for (size_t i = 0; i < log->n; i++)
        check_packet(sim, BUFS + i * BUFSZ, log->seq[i], log->len[i]);
    dmasim_sim_destroy(sim);
    return bytes;
}

START_TEST(test_nic_random_sizes_follow_the_seed)
{
    rx_log a = {0}, b = {0}, c = {0};
    uint64_t ba = nic_random_run(7, &a), bb = nic_random_run(7, &b), bc = nic_random_run(8, &c);
    ck_assert_uint_eq(a.n, 40);
    ck_assert_uint_eq(ba, bb);
    ck_assert_int_eq(memcmp(a.len, b.len, sizeof a.len), 0);
    ck_assert_uint_ne(ba, bc);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < a.n; i++) {
        lo = a.len[i] < lo ? a.len[i] : lo;
        hi = a.len[i] > hi ? a.len[i] : hi;
    }
    ck_assert_uint_ge(lo, 64);
    ck_assert_uint_le(hi, 1518);
    ck_assert_uint_lt(lo, hi);
}
END_TEST

/* ---- bus-master device ---- */

/* R3 on the 8-byte bus: beats of a transaction of len bytes at addr. */
static uint64_t beats(dmasim_addr addr, uint64_t len) { return (addr + len - 1) / 8 - addr / 8 + 1; }

/* Bus cycles of a job cut at txn-aligned boundaries: per transaction arb + addr + beats. */
static uint64_t job_cycles(dmasim_addr addr, uint64_t len, uint32_t txn, uint64_t *ntxn)
{
    uint64_t cyc = 0, n = 0;
    for (uint64_t done = 0; done < len; n++) {
        dmasim_addr a = addr + done;
        uint64_t c = txn - (a % txn);
        if (c > len - done)
            c = len - done;
        cyc += 1 + 1 + beats(a, c);
        done += c;
    }
    *ntxn = n;
    return cyc;
}

typedef struct bm_rec {
    int calls, status;
    dmasim_time t;
} bm_rec;

static void on_bm(void *ctx, int status, dmasim_time t)
{
    bm_rec *r = ctx;
    r->calls++;
    r->status = status;
    r->t = t;
}

static dmasim_busmaster *mk_bm(dmasim_bus *bus, uint32_t txn, uint32_t gap, bm_rec *rec)
{
    dmasim_busmaster_config c;
    dmasim_busmaster_config_init(&c);
    c.txn_size = txn;
    c.gap_cycles = gap;
    c.on_complete = on_bm;
    c.ctx = rec;
    dmasim_busmaster *b = NULL;
    ck_assert_int_eq(dmasim_busmaster_create(bus, &c, &b), 0);
    return b;
}

START_TEST(test_busmaster_copy_time_follows_r1_r3)
{
    static const struct {
        dmasim_addr addr;
        uint64_t len;
        uint32_t txn, gap;
    } cases[] = {
        {0x40000, 1000, 64, 0}, {0x40000, 1000, 64, 3}, {0x40004, 1000, 64, 0},
        {0x40003, 77, 16, 2},   {0x41000, 8, 4096, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rig rr[2];
        for (int ref = 0; ref < 2; ref++) {
            rig *r = &rr[ref];
            rig_init(r, ref, 0);
            bm_rec rec = {0};
            dmasim_busmaster *b = mk_bm(r->bus, cases[i].txn, cases[i].gap, &rec);
            dmasim_busmaster_job j = {.to_memory = 1, .addr = cases[i].addr, .length = cases[i].len,
                                      .pattern = 42 + i, .at = 5 * NS};
            ck_assert_int_eq(dmasim_busmaster_start(b, &j), 0);
            ck_assert_int_eq(dmasim_busmaster_start(b, &j), DMASIM_EBUSY);
            ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
            uint64_t n, cyc = job_cycles(cases[i].addr, cases[i].len, cases[i].txn, &n);
            dmasim_time end = edge(5 * NS) + (cyc + (n - 1) * cases[i].gap) * P;
            ck_assert_int_eq(rec.calls, 1);
            ck_assert_int_eq(rec.status, 0);
            ck_assert_msg(rec.t == end, "case %zu: end %llu, want %llu", i, (unsigned long long)rec.t,
                          (unsigned long long)end);
            dmasim_busmaster_status st;
            dmasim_busmaster_status_get(b, &st);
            ck_assert_uint_eq(st.transactions, n);
            ck_assert_uint_eq(st.end_time, end);
            ck_assert_uint_eq(stat(r->sim, "bm0.bus_cycles"), cyc - n); /* arbitration is not a transaction's */
            ck_assert_uint_eq(stat(r->sim, "bm0.transactions"), n);
            ck_assert_uint_eq(stat(r->sim, "bm0.bytes"), cases[i].len);
            ck_assert_uint_eq(stat(r->sim, "bm0.jobs"), 1);
            uint8_t buf[1000];
            dmasim_mem_read(r->sim, cases[i].addr, buf, cases[i].len);
            for (uint64_t k = 0; k < cases[i].len; k++)
                ck_assert_uint_eq(buf[k], dmasim_device_pattern(42 + i, k));
            ck_assert_uint_eq(dmasim_signal_value(dmasim_busmaster_irq(b)), 1);
        }
        stats_identical(rr[0].sim, rr[1].sim);
        dmasim_sim_destroy(rr[0].sim);
        dmasim_sim_destroy(rr[1].sim);
    }
}
END_TEST

START_TEST(test_busmaster_reads_memory_into_its_buffer)
{
    rig r;
    rig_init(&r, 0, 0);
    bm_rec rec = {0};
    dmasim_busmaster *b = mk_bm(r.bus, 32, 0, &rec);
    uint8_t src[300], dst[300];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i ^ 0x5A);
    dmasim_mem_write(r.sim, 0x50010, src, sizeof src);
    memset(dst, 0, sizeof dst);
    dmasim_busmaster_job j = {.to_memory = 0, .addr = 0x50010, .length = sizeof dst, .data = dst, .at = 0};
    ck_assert_int_eq(dmasim_busmaster_start(b, &j), 0);
    ck_assert_int_eq(dmasim_sim_run(r.sim), 0);
    ck_assert_int_eq(memcmp(src, dst, sizeof src), 0);
    uint64_t n, cyc = job_cycles(0x50010, sizeof dst, 32, &n);
    ck_assert_uint_eq(rec.t, cyc * P);
    ck_assert_uint_eq(stat(r.sim, "bm0.bytes"), sizeof dst);
    dmasim_sim_destroy(r.sim);
}
END_TEST

START_TEST(test_busmaster_behind_iommu_pays_walks_and_faults)
{
    rig rr[2];
    for (int ref = 0; ref < 2; ref++) {
        rig *r = &rr[ref];
        rig_init(r, ref, 0);
        dmasim_iommu *mmu = NULL;
        ck_assert_int_eq(dmasim_iommu_create(r->sim, NULL, &mmu), 0);
        ck_assert_int_eq(dmasim_iommu_attach(mmu, 7, 1), 0);
        ck_assert_int_eq(dmasim_iommu_map(mmu, 1, 0x1000000, 0x60000, 0x2000, DMASIM_IOMMU_READ | DMASIM_IOMMU_WRITE,
                                          DMASIM_IOMMU_PAGE_4K),
                         0);
        bm_rec rec = {0};
        dmasim_busmaster *b = mk_bm(r->bus, 64, 0, &rec);
        ck_assert_int_eq(dmasim_busmaster_set_iommu(b, mmu, 7), 0);
        dmasim_busmaster_job j = {.to_memory = 1, .addr = 0x1000000, .length = 0x2000, .pattern = 3, .at = 0};
        ck_assert_int_eq(dmasim_busmaster_start(b, &j), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        /* 128 transactions of 64 bytes (1 + 1 + 8 cycles each); the first in each of the two
         * pages walks 4 levels (four 8-byte reads of 1 + 1 cycles) in the same tenure */
        ck_assert_int_eq(rec.status, 0);
        ck_assert_uint_eq(rec.t, (128 * 10 + 2 * 4 * 2) * P);
        ck_assert_uint_eq(stat(r->sim, "bm0.walk_reads"), 8);
        uint8_t buf[0x2000];
        dmasim_mem_read(r->sim, 0x60000, buf, sizeof buf);
        for (uint32_t k = 0; k < sizeof buf; k++)
            ck_assert_uint_eq(buf[k], dmasim_device_pattern(3, k));
        /* beyond the mapping: the first transaction of the third page faults */
        dmasim_busmaster_job f = {.to_memory = 1, .addr = 0x1001FC0, .length = 0x80, .pattern = 4,
                                  .at = dmasim_sim_now(r->sim)};
        ck_assert_int_eq(dmasim_busmaster_start(b, &f), 0);
        ck_assert_int_eq(dmasim_sim_run(r->sim), 0);
        dmasim_busmaster_status st;
        dmasim_busmaster_status_get(b, &st);
        ck_assert_int_eq(st.status, DMASIM_EFAULT);
        ck_assert_uint_eq(st.err_addr, 0x1002000);
        ck_assert_uint_eq(st.bytes_done, 0x40);
        ck_assert_uint_eq(rec.status, DMASIM_EFAULT);
        ck_assert_uint_eq(dmasim_iommu_fault_count(mmu), 1);
        ck_assert_uint_eq(stat(r->sim, "bm0.errors"), 1);
        /* two jobs: 128 data transactions, then the one of 0x40 bytes before the fault */
        ck_assert_uint_eq(stat(r->sim, "bm0.jobs"), 2);
        ck_assert_uint_eq(stat(r->sim, "bm0.transactions"), 128 + 1);
        ck_assert_uint_eq(stat(r->sim, "bm0.bytes"), 0x2000 + 0x40);
    }
    stats_identical(rr[0].sim, rr[1].sim);
    dmasim_sim_destroy(rr[0].sim);
    dmasim_sim_destroy(rr[1].sim);
}
END_TEST

/* ---- presets and bad input ---- */

/* The value of `key` in a preset YAML file ("key: value  # comment"), or NULL. */
static const char *yaml_value(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
            const char *v = l + kl + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, " #\n");
            ck_assert_uint_lt(len, n);
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

static char *read_preset(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models/devices/%s.yaml", DMASIM_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = calloc(1, 1 << 16);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    /* every key line is one the model knows */
    return text;
}

static void expect_key(const char *text, const char *key, uint64_t v)
{
    char buf[64];
    ck_assert_msg(yaml_value(text, key, buf, sizeof buf), "missing key %s", key);
    ck_assert_msg(strtoull(buf, NULL, 10) == v, "%s: file %s, preset %llu", key, buf, (unsigned long long)v);
}

static void expect_str(const char *text, const char *key, const char *v)
{
    char buf[64];
    ck_assert_msg(yaml_value(text, key, buf, sizeof buf), "missing key %s", key);
    ck_assert_str_eq(buf, v);
}

START_TEST(test_presets_match_their_yaml_files)
{
    size_t n = 0;
    dmasim_device_kind kind;
    for (const char *name; (name = dmasim_device_preset_name(n, &kind)) != NULL; n++) {
        char *text = read_preset(name);
        expect_str(text, "kind", dmasim_device_kind_name(kind));
        if (kind == DMASIM_DEVICE_DISK) {
            dmasim_disk_config c;
            ck_assert_int_eq(dmasim_disk_preset(name, &c), 0);
            expect_key(text, "sector_size", c.sector_size);
            expect_key(text, "sectors", c.sectors);
            expect_key(text, "sectors_per_track", c.sectors_per_track);
            expect_key(text, "rpm", c.rpm);
            expect_str(text, "seek_model", c.seek_model == DMASIM_DISK_SEEK_AVERAGE ? "average" : "linear");
            expect_key(text, "seek_avg_ns", c.seek_avg_ns);
            expect_key(text, "seek_settle_ns", c.seek_settle_ns);
            expect_key(text, "seek_per_track_ps", c.seek_per_track_ps);
            expect_str(text, "rotation", c.rotation == DMASIM_DISK_ROTATION_HALF ? "half" : "angle");
            expect_key(text, "fifo_size", c.fifo_size);
            expect_key(text, "threshold", c.threshold);
            expect_key(text, "item_size", c.item_size);
        } else if (kind == DMASIM_DEVICE_NIC) {
            dmasim_nic_config c;
            ck_assert_int_eq(dmasim_nic_preset(name, &c), 0);
            expect_key(text, "fifo_size", c.fifo_size);
            expect_key(text, "burst", c.burst);
            expect_key(text, "line_rate", c.line_rate);
            expect_key(text, "rate", c.rate);
            expect_key(text, "packets", c.packets);
            expect_key(text, "packet_size", c.packet_size);
            expect_key(text, "packet_size_max", c.packet_size_max);
        } else {
            ck_assert_int_eq(kind, DMASIM_DEVICE_AUDIO);
            dmasim_audio_config c;
            ck_assert_int_eq(dmasim_audio_preset(name, &c), 0);
            expect_key(text, "sample_rate", c.sample_rate);
            expect_key(text, "frame_bytes", c.frame_bytes);
            expect_key(text, "fifo_size", c.fifo_size);
            expect_key(text, "threshold", c.threshold);
            expect_key(text, "item_size", c.item_size);
        }
        free(text);
    }
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(test_presets_have_the_documented_rates)
{
    /* disk-hdd-7200: 210 MB/s media rate, 4.17 ms average rotational latency */
    dmasim_disk_config d;
    ck_assert_int_eq(dmasim_disk_preset("disk-hdd-7200", &d), 0);
    ck_assert_uint_eq((uint64_t)d.sectors_per_track * d.sector_size * d.rpm / 60, 210001920);
    dmasim_sim *sim = tu_sim(0);
    dmasim_disk *disk = NULL;
    ck_assert_int_eq(dmasim_disk_create(sim, &d, &disk), 0);
    ck_assert_int_eq(dmasim_disk_submit(disk, DMASIM_DISK_READ, 0, 8, 0), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 0), 0);
    ck_assert_uint_eq(stat(sim, "disk0.rotation_ps"), 4166666667ull);
    ck_assert_uint_eq(stat(sim, "disk0.seek_ps"), 8500 * US);
    dmasim_sim_destroy(sim);
    /* nic-1g: 1518-byte frames at line rate */
    dmasim_nic_config n;
    ck_assert_int_eq(dmasim_nic_preset("nic-1g", &n), 0);
    ck_assert_uint_le(n.rate * (n.packet_size + 20) * 8, n.line_rate);
    ck_assert_uint_gt((n.rate + 1) * (n.packet_size + 20) * 8, n.line_rate);
    /* audio-48k: 192 kB/s */
    dmasim_audio_config a;
    ck_assert_int_eq(dmasim_audio_preset("audio-48k", &a), 0);
    ck_assert_uint_eq((uint64_t)a.sample_rate * a.frame_bytes, 192000);
    /* the defaults are the presets */
    dmasim_disk_config dd;
    dmasim_disk_config_init(&dd);
    ck_assert_uint_eq(dd.sectors_per_track, d.sectors_per_track);
}
END_TEST

START_TEST(test_unknown_kinds_presets_and_bad_parameters_are_clear_errors)
{
    dmasim_sim *sim = tu_sim(0);
    dmasim_bus *bus = tu_bus(sim);
    dmasim_device_kind k;
    ck_assert_int_eq(dmasim_device_kind_parse(sim, "dsik", &k), DMASIM_EINVAL);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "unknown device kind 'dsik'"));
    ck_assert_int_eq(dmasim_device_kind_parse(NULL, NULL, &k), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_device_kind_parse(sim, "busmaster", &k), 0);
    ck_assert_int_eq(k, DMASIM_DEVICE_BUSMASTER);
    ck_assert_ptr_null(dmasim_device_kind_name((dmasim_device_kind)9));

    dmasim_disk_config dc;
    dmasim_nic_config nc;
    dmasim_audio_config ac;
    ck_assert_int_eq(dmasim_disk_preset("disk-ssd", &dc), DMASIM_ENOENT);
    ck_assert_int_eq(dmasim_disk_preset("nic-1g", &dc), DMASIM_ENOENT);
    ck_assert_int_eq(dmasim_nic_preset("nic-10g", &nc), DMASIM_ENOENT);
    ck_assert_int_eq(dmasim_audio_preset(NULL, &ac), DMASIM_ENOENT);

    dmasim_disk *d = NULL;
    dmasim_disk_config_init(&dc);
    dc.rpm = 0;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "rpm 0"));
    dmasim_disk_config_init(&dc);
    dc.threshold = 600;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "disk0: threshold 600 bytes exceeds fifo_size 512"));
    dmasim_disk_config_init(&dc);
    dc.sector_size = 510;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d), DMASIM_ERANGE);
    dmasim_disk_config_init(&dc);
    dc.seek_model = (dmasim_disk_seek_model)5;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d), DMASIM_EINVAL);

    dmasim_audio *a = NULL;
    dmasim_audio_config_init(&ac);
    ac.sample_rate = 0;
    ck_assert_int_eq(dmasim_audio_create(sim, &ac, &a), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "sample_rate 0 Hz"));
    dmasim_audio_config_init(&ac);
    ac.threshold = 257;
    ck_assert_int_eq(dmasim_audio_create(sim, &ac, &a), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "threshold 257 bytes exceeds fifo_size 256"));
    dmasim_audio_config_init(&ac); /* threshold: item_size..fifo_size (devices.h) */
    ac.threshold = ac.item_size - 1;
    ck_assert_int_eq(dmasim_audio_create(sim, &ac, &a), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "is below item_size"));

    dmasim_nic *nic = NULL;
    dmasim_nic_config_init(&nc);
    nc.rate = 0;
    ck_assert_int_eq(dmasim_nic_create(bus, &nc, &nic), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "rate 0 packets/s"));
    dmasim_nic_config_init(&nc);
    nc.burst = 48;
    ck_assert_int_eq(dmasim_nic_create(bus, &nc, &nic), DMASIM_ERANGE);
    dmasim_nic_config_init(&nc);
    nc.packet_size = 60000;
    ck_assert_int_eq(dmasim_nic_create(bus, &nc, &nic), DMASIM_ERANGE);

    dmasim_busmaster *b = NULL;
    dmasim_busmaster_config bc;
    dmasim_busmaster_config_init(&bc);
    bc.txn_size = 48;
    ck_assert_int_eq(dmasim_busmaster_create(bus, &bc, &b), DMASIM_ERANGE);
    dmasim_busmaster_config_init(&bc); /* gap_cycles: 0..1000000000 */
    bc.gap_cycles = 1000000001u;
    ck_assert_int_eq(dmasim_busmaster_create(bus, &bc, &b), DMASIM_ERANGE);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "gap_cycles 1000000001 out of range 0..1000000000"));
    bc.name = "bm_gap";
    bc.gap_cycles = 1000000000u;
    ck_assert_int_eq(dmasim_busmaster_create(bus, &bc, &b), 0);
    dmasim_busmaster_config_init(&bc);
    ck_assert_int_eq(dmasim_busmaster_create(bus, &bc, &b), 0);
    dmasim_busmaster_job j = {.to_memory = 1, .addr = 0, .length = 0};
    ck_assert_int_eq(dmasim_busmaster_start(b, &j), DMASIM_EINVAL);

    /* commands outside the disk, or while one runs */
    dmasim_disk_config_init(&dc);
    dc.sectors = 100;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d), 0);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 0, 0, 0), DMASIM_ERANGE);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 96, 5, 0), DMASIM_ERANGE);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 96, 4, 0), 0);
    ck_assert_int_eq(dmasim_disk_submit(d, DMASIM_DISK_READ, 0, 1, 0), DMASIM_EBUSY);
    uint8_t sec[512];
    ck_assert_int_eq(dmasim_disk_peek(d, 100, sec), DMASIM_ERANGE);
    /* two devices may not share a name */
    dmasim_disk *d2 = NULL;
    ck_assert_int_eq(dmasim_disk_create(sim, &dc, &d2), DMASIM_EINVAL);
    ck_assert_ptr_nonnull(strstr(dmasim_sim_errmsg(sim), "registered twice"));
    dmasim_audio_config_init(&ac);
    ck_assert_int_eq(dmasim_audio_create(sim, &ac, &a), 0);
    ck_assert_int_eq(dmasim_audio_create(sim, &ac, &a), DMASIM_EINVAL);
    dmasim_sim_stats_update(sim); /* the half-created devices stay harmless */
    dmasim_sim_destroy(sim);
}
END_TEST

/* ---- out of memory ---- */

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

/* Create device `kind` in a sim whose k-th allocation (from the device's creation on) fails. */
static int create_failing(int kind, failing *f, long k, char *trace)
{
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.alloc = failing_alloc;
    sc.alloc_ud = f;
    dmasim_sim *sim = NULL;
    f->left = -1;
    ck_assert_int_eq(dmasim_sim_create(&sc, &sim), 0);
    dmasim_bus *bus = NULL;
    ck_assert_int_eq(dmasim_bus_create(sim, NULL, &bus), 0);
    void *out = NULL;
    int err = 0;
    f->left = k;
    if (kind == DMASIM_DEVICE_DISK) {
        err = dmasim_disk_create(sim, NULL, (dmasim_disk **)&out);
    } else if (kind == DMASIM_DEVICE_AUDIO) {
        err = dmasim_audio_create(sim, NULL, (dmasim_audio **)&out);
    } else if (kind == DMASIM_DEVICE_BUSMASTER) {
        err = dmasim_busmaster_create(bus, NULL, (dmasim_busmaster **)&out);
    } else {
        dmasim_nic_config c;
        dmasim_nic_config_init(&c);
        c.trace = trace;
        err = dmasim_nic_create(bus, &c, (dmasim_nic **)&out);
    }
    f->left = -1;
    if (err) {
        ck_assert_msg(err == DMASIM_ENOMEM, "kind %d, allocation %ld: %s", kind, k, dmasim_err_name(err));
        ck_assert_ptr_null(out);
    }
    dmasim_sim_stats_update(sim);
    dmasim_sim_destroy(sim);
    ck_assert_msg(f->live == 0, "kind %d: %zu bytes leaked after failing allocation %ld", kind, f->live, k);
    return err;
}

START_TEST(test_out_of_memory_during_create_leaks_nothing)
{
    char trace[256];
    write_file(trace, sizeof trace, "devices_trace_oom.txt", "1000 64\n2000 64\n3000 64\n4000 64\n"
                                                              "5000 64\n6000 64\n7000 64\n8000 64\n9000 64\n");
    for (int kind = 0; kind < 4; kind++) {
        failing f = {-1, 0};
        long k;
        for (k = 0; k < 300; k++)
            if (create_failing(kind, &f, k, kind == DMASIM_DEVICE_NIC ? trace : NULL) == 0)
                break;
        ck_assert_int_gt(k, 3); /* several allocations were failed one by one */
        ck_assert_int_lt(k, 300);
    }
    remove(trace);
}
END_TEST

/* ---- suite ---- */

static Suite *devices_suite(void)
{
    Suite *s = suite_create("devices");
    TCase *disk = tcase_create("disk");
    tcase_set_timeout(disk, 120);
    tcase_add_test(disk, test_disk_demand_read_follows_media_rate_and_threshold);
    tcase_add_loop_test(disk, test_disk_dreq_rises_for_the_rest_below_the_threshold, 0, 2);
    tcase_add_test(disk, test_disk_block_mode_read_retries_until_last_byte);
    tcase_add_test(disk, test_disk_overrun_waits_one_revolution);
    tcase_add_test(disk, test_disk_write_ends_with_the_medium_and_reads_back);
    tcase_add_test(disk, test_disk_angle_rotation_and_linear_seek);
    tcase_add_loop_test(disk, test_disk_linear_seek_starts_from_the_last_sector_read, 0, 2);
    suite_add_tcase(s, disk);
    TCase *audio = tcase_create("audio");
    tcase_set_timeout(audio, 120);
    tcase_add_test(audio, test_audio_dma_keeping_up_never_underruns);
    tcase_add_test(audio, test_audio_late_dma_underruns_until_first_take);
    tcase_add_test(audio, test_audio_masked_dma_underruns_at_the_right_ticks);
    tcase_add_test(audio, test_audio_dreq_follows_room_threshold_and_starvation);
    suite_add_tcase(s, audio);
    TCase *nic = tcase_create("nic");
    tcase_set_timeout(nic, 120);
    tcase_add_test(nic, test_nic_synthetic_rate_under_ring_size_drops_nothing);
    tcase_add_test(nic, test_nic_ring_full_drops_exactly_the_excess);
    tcase_add_test(nic, test_nic_slow_bus_drops_on_fifo);
    tcase_add_test(nic, test_nic_bursts_stop_at_burst_boundaries);
    tcase_add_test(nic, test_nic_packet_trace_and_buffer_too_small);
    tcase_add_loop_test(nic, test_nic_full_buffer_packets_spaced_by_wire_time, 0, 2);
    tcase_add_test(nic, test_nic_bad_traces_name_file_and_line);
    tcase_add_test(nic, test_nic_random_sizes_follow_the_seed);
    suite_add_tcase(s, nic);
    TCase *bm = tcase_create("busmaster");
    tcase_set_timeout(bm, 120);
    tcase_add_test(bm, test_busmaster_copy_time_follows_r1_r3);
    tcase_add_test(bm, test_busmaster_reads_memory_into_its_buffer);
    tcase_add_test(bm, test_busmaster_behind_iommu_pays_walks_and_faults);
    suite_add_tcase(s, bm);
    TCase *errs = tcase_create("presets_and_errors");
    tcase_add_test(errs, test_presets_match_their_yaml_files);
    tcase_add_test(errs, test_presets_have_the_documented_rates);
    tcase_add_test(errs, test_unknown_kinds_presets_and_bad_parameters_are_clear_errors);
    tcase_add_test(errs, test_out_of_memory_during_create_leaks_nothing);
    suite_add_tcase(s, errs);
    return s;
}

int main(void)
{
    return tu_run_suite(devices_suite());
}

/* Peripheral devices: a disk, a network card (NIC), a sound card and a generic bus-mastering
 * device. docs/devices.md gives each model with diagrams, parameters and sources.
 *
 * Two ways a device moves data:
 *   - through a DMAC channel (device.h): the disk and the sound card have a FIFO and a DREQ pin
 *     ("<name>.dreq"); the DMAC's fly-by units call their give()/take(). Attach them with
 *     dmasim_disk_attach()/dmasim_audio_attach(), or with dmasim_dmac_attach_device() and the
 *     ops and signal the device exports (any controller with the device.h interface).
 *   - as bus masters of their own (the PCIe style, no central DMAC): the NIC (a receive ring of
 *     DMAC-format descriptors) and dmasim_busmaster. Each transaction is arbitrated on its own
 *     (docs/timing.md R1-R3) and released with DMASIM_BUS_YIELD, so a waiting CPU gets the bus
 *     between two of them.
 *
 * Rates and FIFO levels are exact functions of simulated time (integer picoseconds); the models
 * keep no per-byte events: a FIFO level is brought up to date whenever it is looked at (a
 * give/take, a register read, a statistic), and an event is scheduled only where a pin must
 * change (DREQ rising, an interrupt, a packet arrival). Both simulation paths (reference 0/1)
 * see the same events, so they give identical statistics.
 *
 * Data is real: the disk serves dmasim_device_pattern(lba, offset) for sectors never written
 * (and the bytes written otherwise), the NIC's packet n carries dmasim_device_pattern(n, i), a
 * bus-master job without a buffer writes dmasim_device_pattern(job.pattern, i). Tests check the
 * bytes that land in memory.
 *
 * Ownership: every device belongs to its simulation (destroyed with it). Statistics are
 * "<name>.<stat>"; signals "<name>.dreq" and "<name>.irq" (level, active high).
 */
#ifndef DMASIM_DEVICES_H
#define DMASIM_DEVICES_H

#include "dmasim/bus.h"
#include "dmasim/device.h"
#include "dmasim/dmac.h"
#include "dmasim/iommu.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Kinds, presets, data pattern ---------------------------------------------------------- */

typedef enum dmasim_device_kind {
    DMASIM_DEVICE_DISK = 0,
    DMASIM_DEVICE_NIC = 1,
    DMASIM_DEVICE_AUDIO = 2,
    DMASIM_DEVICE_BUSMASTER = 3
} dmasim_device_kind;

/* "disk", "nic", "audio", "busmaster" (NULL for an unknown value). */
DMASIM_API const char *dmasim_device_kind_name(dmasim_device_kind kind);

/* Parse a kind name. Returns 0 and *out, or DMASIM_EINVAL with "unknown device kind 'x'
 * (expected disk, nic, audio or busmaster)" in dmasim_sim_errmsg(sim) (sim may be NULL). */
DMASIM_API int dmasim_device_kind_parse(dmasim_sim *sim, const char *name, dmasim_device_kind *out);

/* The i-th built-in preset: its name (the stem of models/devices/<name>.yaml, e.g.
 * "disk-hdd-7200") and, if kind != NULL, its kind. NULL past the last one. */
DMASIM_API const char *dmasim_device_preset_name(size_t i, dmasim_device_kind *kind);

/* Deterministic data of devices: byte `offset` of stream `key` (a disk LBA and the offset in
 * its sector, a NIC packet number and the offset in the packet, a bus-master job's pattern key
 * and the offset in the job). A fixed function (splitmix64 of key and offset / 8), the same on
 * every host. */
DMASIM_API uint8_t dmasim_device_pattern(uint64_t key, uint64_t offset);

/* ---- Disk ------------------------------------------------------------------------------------
 *
 * One command at a time: read or write `count` sectors from `lba`. Timing of a command issued
 * at t_cmd:
 *   seek       SEEK_AVERAGE: seek_avg_ns on every command (the datasheet's average, a random
 *              access); SEEK_LINEAR: 0 on the same track, else seek_settle_ns +
 *              seek_per_track_ps * tracks crossed (track = lba / sectors_per_track; the head
 *              starts on track 0 and stays on the last track of a command).
 *   rotation   ROTATION_HALF: half a revolution, ceil(30e12 / rpm) ps (the average latency);
 *              ROTATION_ANGLE: the platter turns from angle 0 at time 0 and the stream waits
 *              for the first byte slot of sector (lba % sectors_per_track) to come under the
 *              head (a revolution is sectors_per_track * sector_size byte slots).
 *   stream     from t_start = t_cmd + seek + rotation the medium moves one byte per byte time
 *              B = 60e12 / (rpm * sectors_per_track * sector_size) ps (the media rate is
 *              sectors_per_track * sector_size * rpm / 60 bytes/s): byte k (1-based) of the
 *              command is read (or written) at T(k) = t_start + ceil((k + slip) * B). The
 *              sectors of a command follow each other with no track/head switch time.
 * Read: bytes go into the FIFO at T(k). DREQ rises when the FIFO holds >= min(threshold, bytes
 * of the command not yet given) and falls when it holds fewer than item_size bytes (give()
 * moves item bytes out). A byte that finds the FIFO full (fifo_size bytes) is an overrun: like
 * a real drive missing a sector, the medium must wait for that byte to come round again, one
 * revolution later (slip grows by a revolution; no data is lost).
 * Write: DREQ rises when the FIFO has room >= min(threshold, bytes not yet taken) and falls
 * when it has less room than item_size; the medium takes byte k out of the FIFO at T(k); a byte
 * not yet in the FIFO then is an underrun (the medium waits a revolution). Written sectors are
 * kept (a sparse store) and read back by later reads.
 * Completion: when every byte has moved between FIFO and host, the medium is done (write), and
 * the DMA's done() (terminal count) has come after the last byte: "<name>.irq" rises (level,
 * until dmasim_disk_irq_clear() or the next command) and on_complete is called. A done() with an
 * error status aborts the command (completes with that status).
 * Statistics "<name>.": commands, bytes_read, bytes_written, seek_ps, rotation_ps, overruns,
 * underruns, missed_revolution_ps, dreq_high_ps, give_empty / take_full (give/take refused).
 */
typedef struct dmasim_disk dmasim_disk;

typedef enum dmasim_disk_seek_model {
    DMASIM_DISK_SEEK_AVERAGE = 0,
    DMASIM_DISK_SEEK_LINEAR = 1
} dmasim_disk_seek_model;

typedef enum dmasim_disk_rotation_model {
    DMASIM_DISK_ROTATION_HALF = 0,
    DMASIM_DISK_ROTATION_ANGLE = 1
} dmasim_disk_rotation_model;

typedef enum dmasim_disk_op { DMASIM_DISK_READ = 0, DMASIM_DISK_WRITE = 1 } dmasim_disk_op;

typedef struct dmasim_disk_config {
    const char *name;                    /* statistics and signal prefix; default "disk0" */
    uint32_t sector_size;                /* bytes, a multiple of item_size, 1..65536; default 512 */
    uint64_t sectors;                    /* capacity, >= 1; default 1953525168 (1 TB) */
    uint32_t sectors_per_track;          /* >= 1; default 3418 (210 MB/s at 7200 rpm) */
    uint32_t rpm;                        /* 1..100000; default 7200 */
    dmasim_disk_seek_model seek_model;   /* default DMASIM_DISK_SEEK_AVERAGE */
    uint64_t seek_avg_ns;                /* SEEK_AVERAGE; default 8500000 (8.5 ms) */
    uint64_t seek_settle_ns;             /* SEEK_LINEAR: fixed part; default 1000000 (1 ms) */
    uint64_t seek_per_track_ps;          /* SEEK_LINEAR: per track crossed; default 0 */
    dmasim_disk_rotation_model rotation; /* default DMASIM_DISK_ROTATION_HALF */
    uint32_t fifo_size;                  /* bytes, item_size..2^24; default 512 */
    uint32_t threshold;                  /* bytes, item_size..fifo_size; default 256 */
    uint32_t item_size;                  /* bytes per DMA unit (the channel's item_size): 1, 2, 4,
                                            8, 16, 32 or 64; default 4 */
    /* Called at completion (status 0 or the DMA's error), after "<name>.irq" rose. May be NULL. */
    void (*on_complete)(void *ctx, int status, dmasim_time t);
    void *ctx;
} dmasim_disk_config;

DMASIM_API void dmasim_disk_config_init(dmasim_disk_config *cfg);
/* Load a preset ("disk-hdd-7200"): cfg is reset to the defaults, then the preset's values.
 * Returns 0 or DMASIM_ENOENT (no such disk preset). */
DMASIM_API int dmasim_disk_preset(const char *name, dmasim_disk_config *cfg);

/* Create a disk in sim. Returns 0 and *out, DMASIM_ERANGE/EINVAL (bad parameter: zero rate,
 * threshold above fifo_size, ...; detail in dmasim_sim_errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_disk_create(dmasim_sim *sim, const dmasim_disk_config *cfg, dmasim_disk **out);

/* Attach the disk to channel ch of a DMAC (dmasim_dmac_attach_device with the two below).
 * Returns as dmasim_dmac_attach_device: 0, DMASIM_EINVAL or DMASIM_EBUSY. */
DMASIM_API int dmasim_disk_attach(dmasim_disk *disk, dmasim_dmac *dmac, unsigned ch);
DMASIM_API const dmasim_dma_device_ops *dmasim_disk_device_ops(void); /* ctx: the disk */
DMASIM_API dmasim_signal *dmasim_disk_dreq(const dmasim_disk *disk);
DMASIM_API dmasim_signal *dmasim_disk_irq(const dmasim_disk *disk);
DMASIM_API void dmasim_disk_irq_clear(dmasim_disk *disk);

/* Issue a command that starts at time `at` (ps, >= now). Returns 0, DMASIM_EBUSY (a command is
 * pending or running), DMASIM_ERANGE (count 0, or beyond the capacity), DMASIM_EINVAL (at < now,
 * unknown op). Program the DMA channel for count * sector_size /
 * item_size items, direction DEV_TO_MEM (read) or MEM_TO_DEV (write). */
DMASIM_API int dmasim_disk_submit(dmasim_disk *disk, dmasim_disk_op op, uint64_t lba, uint32_t count,
                                  dmasim_time at);

typedef struct dmasim_disk_status {
    int busy;                   /* a command is pending or running */
    int status;                 /* of the last completed command: 0 or the DMA's error */
    uint64_t bytes_moved;       /* host side (give/take) of the current or last command */
    uint64_t media_bytes;       /* medium side */
    uint32_t fifo_level;        /* bytes in the FIFO now */
    uint64_t overruns, underruns; /* of the current or last command */
    dmasim_time issue_time;     /* ps: when the command started (its `at`) */
    dmasim_time stream_start;   /* ps: t_start (after seek and rotation) */
    dmasim_time media_end;      /* ps: the medium's last byte (DMASIM_TIME_NEVER until known) */
    dmasim_time complete_time;  /* ps: completion (DMASIM_TIME_NEVER while busy) */
} dmasim_disk_status;

/* State brought up to now. Returns 0. */
DMASIM_API int dmasim_disk_status_get(dmasim_disk *disk, dmasim_disk_status *out);

/* Back door (zero time): the bytes of sector lba as the medium holds them (written bytes, else
 * the pattern). buf gets sector_size bytes. Returns 0, DMASIM_ERANGE. */
DMASIM_API int dmasim_disk_peek(const dmasim_disk *disk, uint64_t lba, void *buf);

/* ---- Network card (receive side) ------------------------------------------------------------
 *
 * Packets arrive from a packet trace (each line "<time_ns> <bytes>": the time, from simulated
 * time 0, at which the packet's last byte has been received; '#' starts a comment; times never
 * go backwards) or from a synthetic source: packet k (0-based) arrives at
 * max(start_time + ceil(k * 1e12 / rate), arrival(k-1) + wire(len_k)), wire(len) =
 * ceil((len + 20) * 8 * 1e12 / line_rate) ps (preamble 8 + inter-frame gap 12 bytes; no limit
 * when line_rate is 0); len_k = packet_size, or uniform in [packet_size, packet_size_max] from a
 * splitmix64 stream seeded with the simulation's seed and the NIC's name.
 * A packet enters the on-chip FIFO if it has room (fifo_size bytes), else it is dropped:
 * rx_dropped_ring_full if the NIC is waiting for a descriptor, else rx_dropped_fifo (the bus
 * was too slow). Packets in the FIFO are kept while the ring is full (like the Intel 8254x: the
 * FIFO fills, then packets are missed). With receive disabled every packet is dropped
 * (rx_dropped_ring_full: there is no ring).
 * DMA engine, for the packet at the head of the FIFO: read the current 32-byte descriptor
 * (dmac.h format) over the bus; if its OWN bit (DMASIM_DESC_OWN) is clear the ring is full: the
 * NIC waits for a doorbell (ICR.NO_DESC). Else it writes the packet to dst in transactions of at
 * most `burst` bytes that never cross a burst-aligned boundary, then writes back 8 bytes at
 * descriptor + 0x10: count = packet length in bytes, flags with OWN cleared; ICR.RX and the
 * interrupt rise; the next descriptor is the NEXT field. The descriptor's COUNT (before the
 * write-back) is its buffer size in bytes: a longer packet is dropped (rx_dropped_too_long) and
 * the descriptor used for the next one. The FIFO frees a transaction's bytes when it ends.
 * Every transaction (fetch, data, write-back) is one bus tenure (docs/timing.md R1-R3).
 * Software gives descriptors back by setting OWN and ringing the doorbell (register or
 * dmasim_nic_doorbell); the NIC reads each descriptor when it needs it (no prefetch).
 * Registers (32-bit, at reg_base; effects at the write's data time):
 *   0x00 RING_LO, 0x04 RING_HI  the next descriptor's address (R/W; writes refused with a bus
 *                               error while receive is enabled)
 *   0x08 CTRL      bit 0 RX_EN (R/W)
 *   0x0C DOORBELL  write anything: descriptors were given back
 *   0x10 ICR       interrupt causes (R/W1C): bit 0 RX (a packet was written back), bit 1
 *                  NO_DESC (a fetched descriptor was not owned), bit 2 DROP (a packet was
 *                  dropped), bit 3 ERR (a bus error; receive is disabled); "<name>.irq" is ICR != 0
 *   0x14 RX_PACKETS (R) packets written back, low 32 bits
 *   0x18 RX_DROPPED (R) packets dropped (all causes), low 32 bits
 * Statistics "<name>.": arrivals, rx_packets, rx_bytes, rx_dropped_fifo, rx_dropped_ring_full,
 * rx_dropped_too_long, descriptor_fetches, descriptor_writebacks, ring_empty, bus_transactions,
 * bus_cycles, bus_errors, fifo_max_level, interrupts.
 */
typedef struct dmasim_nic dmasim_nic;

enum {
    DMASIM_NIC_RING_LO = 0x00, DMASIM_NIC_RING_HI = 0x04, DMASIM_NIC_CTRL = 0x08,
    DMASIM_NIC_DOORBELL = 0x0C, DMASIM_NIC_ICR = 0x10, DMASIM_NIC_RX_PACKETS = 0x14,
    DMASIM_NIC_RX_DROPPED = 0x18, DMASIM_NIC_REG_SIZE = 0x20,
    DMASIM_NIC_CTRL_RX_EN = 1u << 0,
    DMASIM_NIC_ICR_RX = 1u << 0, DMASIM_NIC_ICR_NO_DESC = 1u << 1, DMASIM_NIC_ICR_DROP = 1u << 2,
    DMASIM_NIC_ICR_ERR = 1u << 3
};

typedef struct dmasim_nic_config {
    const char *name;           /* default "nic0" */
    unsigned bus_priority;      /* default 2 */
    dmasim_addr reg_base;       /* register file; default 0xE0000000 */
    uint32_t reg_wait_states;   /* 0..1024; default 1 */
    uint32_t fifo_size;         /* bytes, 64..2^26; default 49152 */
    uint32_t burst;             /* bytes per data transaction, a power of two 4..4096; default 128 */
    uint64_t line_rate;         /* bits/s, 0 = no limit; default 1000000000 */
    dmasim_addr ring;           /* first descriptor; non-zero also enables receive; default 0 */
    const char *trace;          /* packet trace path; NULL: the synthetic source below */
    uint64_t rate;              /* synthetic: packets/s, 1..1e10; default 81274 (1 GbE, 1518 B) */
    uint64_t packets;           /* synthetic: packets to generate; default 1000 */
    uint32_t packet_size;       /* synthetic: bytes, 1..fifo_size; default 1518 */
    uint32_t packet_size_max;   /* synthetic: 0 = fixed size, else packet_size..fifo_size */
    dmasim_time start_time;     /* synthetic: first arrival, ps; default 0 */
    /* Called after each write-back (packet number, length, descriptor address). May be NULL. */
    void (*on_packet)(void *ctx, uint64_t seq, uint32_t len, dmasim_addr desc, dmasim_time t);
    void *ctx;
} dmasim_nic_config;

DMASIM_API void dmasim_nic_config_init(dmasim_nic_config *cfg);
/* Load a preset ("nic-1g"). Returns 0 or DMASIM_ENOENT. */
DMASIM_API int dmasim_nic_preset(const char *name, dmasim_nic_config *cfg);

/* Create a NIC on a bus: a bus master and its register file. A trace is read whole here.
 * Returns 0 and *out, DMASIM_ENOENT (trace not found), DMASIM_EFORMAT ("file:line: ..." for a
 * malformed line), DMASIM_ERANGE/EINVAL (bad parameter, or a trace packet of 0 bytes or
 * larger than the FIFO: "file:line: ..."), DMASIM_EOVERLAP (registers) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_nic_create(dmasim_bus *bus, const dmasim_nic_config *cfg, dmasim_nic **out);

/* Software side, at now (as the register writes would be): set the ring (refused with
 * DMASIM_EBUSY while enabled), enable/disable receive, ring the doorbell, clear ICR bits.
 * set_ring returns 0 or DMASIM_EBUSY, enable 0. */
DMASIM_API int dmasim_nic_set_ring(dmasim_nic *nic, dmasim_addr first_desc);
DMASIM_API int dmasim_nic_enable(dmasim_nic *nic, int on);
DMASIM_API void dmasim_nic_doorbell(dmasim_nic *nic);
DMASIM_API void dmasim_nic_irq_clear(dmasim_nic *nic, uint32_t icr_bits);
DMASIM_API uint32_t dmasim_nic_icr(const dmasim_nic *nic);
DMASIM_API dmasim_signal *dmasim_nic_irq(const dmasim_nic *nic);
DMASIM_API int dmasim_nic_bus_master(const dmasim_nic *nic);

/* Build a ring of n descriptors at `descs` (32 bytes each, consecutive, the last pointing back
 * to the first) for buffers of buf_size bytes at bufs + i * buf_size, OWN set on the first `owned`
 * of them. Back door (dmasim_mem_write, zero time), for tests and loaders. Returns 0,
 * DMASIM_EINVAL (n 0, owned > n) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_nic_ring_init(dmasim_sim *sim, dmasim_addr descs, uint32_t n, dmasim_addr bufs,
                                    uint32_t buf_size, uint32_t owned);

/* ---- Sound card (playback) -------------------------------------------------------------------
 *
 * A fixed-rate sink: after dmasim_audio_start(t0, frames), tick k (k = 0, 1, ...) at
 * t0 + ceil(k * 1e12 / sample_rate) ps plays one frame (frame_bytes bytes) from the FIFO; if
 * the FIFO holds fewer than frame_bytes then it is an underrun (counted, the first one's time
 * kept, silence played, nothing consumed). A tick and a take() at the same picosecond: the tick
 * comes first; the simulation runs at least until the last tick of a bounded playback. DREQ
 * rises when the FIFO has room >= threshold, or holds less than one frame (starving), and falls
 * when its room is below item_size; take() moves item bytes in (refused with DMASIM_EBUSY when
 * there is no room). Attach it to a DMAC channel in memory-to-device
 * direction, typically with autoinitialize over a ring buffer in memory (docs/devices.md).
 * Statistics "<name>.": frames, bytes, underruns, first_underrun_ps (UINT64_MAX if none),
 * dreq_high_ps, take_full.
 */
typedef struct dmasim_audio dmasim_audio;

typedef struct dmasim_audio_config {
    const char *name;       /* default "audio0" */
    uint32_t sample_rate;   /* frames per second, 1..10000000; default 48000 */
    uint32_t frame_bytes;   /* bytes per frame (all channels), 1..4096; default 4 (16-bit stereo) */
    uint32_t fifo_size;     /* bytes, >= max(frame_bytes, item_size), <= 2^24; default 256 */
    uint32_t threshold;     /* bytes of room, item_size..fifo_size; default 128 */
    uint32_t item_size;     /* bytes per DMA unit: 1, 2, 4, ..., 64; default 4 */
    /* Called for every tick in time order, with the frame played (NULL: an underrun). Frames
     * are played lazily: the call may come after simulated time passed the tick (t is the
     * tick's time). May be NULL. */
    void (*play)(void *ctx, const void *frame, uint32_t len, dmasim_time t);
    void *ctx;
} dmasim_audio_config;

DMASIM_API void dmasim_audio_config_init(dmasim_audio_config *cfg);
/* Load a preset ("audio-48k"). Returns 0 or DMASIM_ENOENT. */
DMASIM_API int dmasim_audio_preset(const char *name, dmasim_audio_config *cfg);
/* Create a sound card in sim (owned by it); cfg NULL for the defaults. Registers its statistics
 * and its DREQ signal. Returns 0 and *out, DMASIM_ERANGE (a parameter out of its range above;
 * detail in dmasim_sim_errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_audio_create(dmasim_sim *sim, const dmasim_audio_config *cfg, dmasim_audio **out);
/* Attach the card to DMAC channel ch (dmasim_dmac_attach_device): returns 0, DMASIM_EINVAL (no
 * such channel) or DMASIM_EBUSY (the channel runs). */
DMASIM_API int dmasim_audio_attach(dmasim_audio *audio, dmasim_dmac *dmac, unsigned ch);
DMASIM_API const dmasim_dma_device_ops *dmasim_audio_device_ops(void); /* ctx: the card */
DMASIM_API dmasim_signal *dmasim_audio_dreq(const dmasim_audio *audio);

/* Start playback at t0 (>= now) for `frames` ticks (0: until dmasim_audio_stop). Returns 0,
 * DMASIM_EINVAL (t0 < now) or DMASIM_EBUSY (playing). */
DMASIM_API int dmasim_audio_start(dmasim_audio *audio, dmasim_time t0, uint64_t frames);
/* Stop after the ticks up to now. Returns 0. */
DMASIM_API int dmasim_audio_stop(dmasim_audio *audio);

typedef struct dmasim_audio_status {
    int playing;
    uint32_t fifo_level;          /* bytes */
    uint64_t frames;              /* ticks that played a frame */
    uint64_t underruns;           /* ticks that found less than a frame */
    dmasim_time first_underrun;   /* ps, DMASIM_TIME_NEVER if none */
    uint64_t next_tick;           /* index of the next tick */
    dmasim_time next_tick_time;   /* ps (DMASIM_TIME_NEVER when not playing) */
} dmasim_audio_status;

/* The card's state at now (plays the ticks up to now first). Returns 0. */
DMASIM_API int dmasim_audio_status_get(dmasim_audio *audio, dmasim_audio_status *out);

/* ---- Generic bus-mastering device (PCIe style) -----------------------------------------------
 *
 * Copies a job's bytes between its own buffer and memory with its own bus transactions: the job
 * is cut into transactions of at most txn_size bytes that never cross a txn_size-aligned
 * address boundary (so never a 4 KiB page); each one is a bus tenure of its own: request,
 * arbitration, the transaction, release (with yield); the next request comes gap_cycles bus
 * cycles after the release. With SRAM and no other master, a job of n transactions started at
 * t finishes at edge(t) + sum over transactions of (arb + addr + beats * (1 + ws)) * P +
 * (n - 1) * gap_cycles * P (docs/timing.md R1-R3). Behind an IOMMU (dmasim_busmaster_set_iommu)
 * each transaction's address is an IOVA translated before it, in the same tenure: page-table
 * reads are the device's own bus transactions; a fault stops the job with DMASIM_EFAULT.
 * Completion raises "<name>.irq" (until dmasim_busmaster_irq_clear() or the next job) and calls
 * on_complete. Statistics "<name>.": jobs, bytes, transactions, bus_cycles, walk_reads, errors.
 */
typedef struct dmasim_busmaster dmasim_busmaster;

typedef struct dmasim_busmaster_config {
    const char *name;          /* default "bm0" */
    unsigned bus_priority;     /* default 2 */
    uint32_t txn_size;         /* bytes per transaction, a power of two 1..4096; default 64 */
    uint32_t gap_cycles;       /* bus cycles between a release and the next request; default 0 */
    void (*on_complete)(void *ctx, int status, dmasim_time t);
    void *ctx;
} dmasim_busmaster_config;

typedef struct dmasim_busmaster_job {
    int to_memory;             /* 1: device buffer -> memory (writes); 0: memory -> device (reads) */
    dmasim_addr addr;          /* first memory byte (an IOVA behind an IOMMU) */
    uint64_t length;           /* bytes, >= 1 */
    void *data;                /* the device's buffer (length bytes, kept by the caller until
                                  completion); NULL: writes carry dmasim_device_pattern(pattern, i),
                                  reads are discarded */
    uint64_t pattern;          /* pattern key for data == NULL */
    dmasim_time at;            /* start, ps (>= now) */
} dmasim_busmaster_job;

DMASIM_API void dmasim_busmaster_config_init(dmasim_busmaster_config *cfg);
/* Create a bus-mastering device on bus (a new bus master at cfg->bus_priority); cfg NULL for
 * the defaults. Returns 0 and *out, DMASIM_ERANGE (txn_size or gap_cycles out of range; detail
 * in dmasim_sim_errmsg), an error of dmasim_bus_add_master, or DMASIM_ENOMEM. */
DMASIM_API int dmasim_busmaster_create(dmasim_bus *bus, const dmasim_busmaster_config *cfg,
                                       dmasim_busmaster **out);
/* Returns 0, DMASIM_EBUSY (a job runs), DMASIM_EINVAL (length 0, at < now, address wraps). */
DMASIM_API int dmasim_busmaster_start(dmasim_busmaster *bm, const dmasim_busmaster_job *job);
/* Translate through mmu as requester `device` (NULL removes it). DMASIM_EBUSY while a job runs. */
DMASIM_API int dmasim_busmaster_set_iommu(dmasim_busmaster *bm, dmasim_iommu *mmu, uint32_t device);

typedef struct dmasim_busmaster_status {
    int busy;
    int status;                /* of the last job: 0, a bus error code or DMASIM_EFAULT */
    dmasim_addr err_addr;      /* the failing transaction's address (the IOVA for a fault) */
    uint64_t bytes_done;       /* bytes */
    uint64_t transactions;     /* data transactions of the current or last job */
    dmasim_time start_time, end_time; /* ps (end DMASIM_TIME_NEVER while busy) */
} dmasim_busmaster_status;

/* The current or last job's progress. Returns 0. */
DMASIM_API int dmasim_busmaster_status_get(const dmasim_busmaster *bm, dmasim_busmaster_status *out);
DMASIM_API dmasim_signal *dmasim_busmaster_irq(const dmasim_busmaster *bm);
DMASIM_API void dmasim_busmaster_irq_clear(dmasim_busmaster *bm);
DMASIM_API int dmasim_busmaster_bus_master(const dmasim_busmaster *bm);

#ifdef __cplusplus
}
#endif
#endif

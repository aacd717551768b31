/* Zero copy: a 64 KiB file from a disk to the network, the classic way or the sendfile way
 * (docs/examples.md, question 4).
 *
 *   classic (read() + write(), 4 copies): the disk's DMA fills the page cache; the CPU copies
 *     the page cache to the application's buffer (copy_to_user) and that buffer to a socket
 *     buffer (copy_from_user); the driver cleans the socket buffer from the D1 (dma_map
 *     TO_DEVICE) and the NIC reads it.
 *   sendfile (2 copies): the disk's DMA fills the page cache; the NIC reads the page cache's
 *     pages in place, one gather descriptor per 4 KiB page (the pages are scattered).
 *
 * The system is the one of docs/examples.md: a 100 MHz 8-byte bus, SRAM with 2 wait states, a
 * CPU at 4 cycles per bus cycle with a 32 KiB 8-way D1 of 64-byte lines, interrupts of 30 + 100
 * cycles, a DMAC (channel 0: the disk, fly-by, demand mode, 64-byte items, a scatter-gather chain
 * over the page cache's pages), the disk of preset disk-hdd-7200 (8.5 ms seek, 4.17 ms rotation,
 * 210 MB/s). The NIC model of dmasim (dmasim_nic) receives only, so the NIC's transmit DMA is a
 * bus-mastering device (dmasim_busmaster, PCIe style: each 128-byte read its own bus tenure)
 * driven by a small transmit engine in this file: a descriptor ring (16-byte descriptors: buffer
 * address, length) that it reads over the bus when the driver writes its tail register, then
 * one read job per descriptor. The disk model has no register file either, so this file maps
 * three command registers whose write issues the disk command. Every DMA is started by the CPU's
 * register stores (uncached bus transactions) and every descriptor is written by its stores (to
 * coherent, i.e. uncached, memory as dma_alloc_coherent gives): that is what starting a DMA
 * costs it. What is not modelled: the system calls and the TCP/IP stack (the same work per
 * packet in both paths, plus one system call more for classic), the network line (the NIC's
 * time is until it has read the last byte; at 1 Gb/s the wire takes 0.54 ms for 64 KiB).
 *
 *   cc examples/c/zero_copy.c -Iinclude -Ibuild/include build/libdmasim_static.a \
 *      -DDMASIM_STATIC_DEFINE -lz -lm -lpthread -o zero_copy && ./zero_copy
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmasim/dmasim.h"
#include "zero_copy.h"

/* ---- the system ---- */

#define BUS_PERIOD 10000u       /* ps: 100 MHz */
#define CPU_RATIO 4u            /* CPU cycles per bus cycle */
#define CPU_PERIOD (BUS_PERIOD / CPU_RATIO)
#define MEM_WAIT_STATES 2u
#define DISK_ITEM 64u           /* bytes per DMA unit of the disk's channel */
#define NIC_TXN 128u            /* bytes per NIC read: PCIe Max_Payload_Size 128 B (preset nic-1g) */

/* Memory map. The page cache's pages are scattered: file page i at PAGECACHE + PAGE_SLOT(i). */
#define PAGECACHE 0x01000000ull
#define PAGE_SLOT(i) ((dmasim_addr)(((i) * 7u) % ZC_PAGES) * 0x2000u) /* out of order, 8 KiB apart */
#define USERBUF 0x02000000ull   /* the application's buffer (classic) */
#define SOCKBUF 0x03000000ull   /* the socket buffer (classic) */
#define COHERENT 0x00100000ull  /* dma_alloc_coherent memory: uncached for the CPU */
#define COHERENT_SIZE 0x2000ull
#define DISK_CHAIN COHERENT     /* the DMAC's descriptor chain: 32 bytes per page */
#define TX_RING (COHERENT + 0x1000u) /* the NIC's transmit descriptors: 16 bytes each */
#define DMAC_REGS 0xF0000000ull /* dmasim_dmac_config default */
#define DISK_REGS 0xE1000000ull /* the disk's command registers (this file) */
#define NIC_REGS 0xE2000000ull  /* the NIC's transmit registers (this file) */

/* Disk command registers: LBA, COUNT (sectors), CMD (write 1: read). */
enum { DISK_R_LBA = 0x0, DISK_R_COUNT = 0x4, DISK_R_CMD = 0x8, DISK_R_SIZE = 0x10 };
/* NIC transmit registers: TDT (the tail: writing n hands descriptors 0..n-1 of the ring at
 * TX_RING to the NIC; the ring's base is fixed, as a driver sets it once when it starts) and
 * STATUS at 0x18, where DMA_WAIT reads a DMAC channel's STATUS (bit 1 done, bit 2 error; write 1
 * to clear), so the CPU's DMA_WAIT serves both. There is no interrupt controller: the CPU's
 * interrupt input is the DMAC's line OR the NIC's. */
enum { NIC_R_TDT = 0x0C, NIC_R_STATUS = 0x18, NIC_R_SIZE = 0x20 };
enum { NIC_ST_DONE = 1u << 1, NIC_ST_ERR = 1u << 2 };
#define TX_DESC 16u             /* bytes: u64 address, u32 length, u32 flags */
#define TX_EOP 1u

typedef struct zc_sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    dmasim_disk *disk;
    dmasim_busmaster *bm;
    dmasim_signal *irq;      /* the CPU's interrupt input: the DMAC's line OR the NIC's */
    dmasim_signal *dmac_irq, *nic_irq;
    int err;                 /* first error of a device (the run then fails) */
    char msg[200];
    /* disk command registers */
    uint32_t disk_lba, disk_count;
    /* NIC transmit engine */
    uint32_t nic_status;
    dmasim_event nic_clear_ev;
    uint32_t ndesc, cur;     /* descriptors handed over; the one whose buffer is being read */
    int fetching;            /* reading the descriptors */
    uint8_t desc[ZC_PAGES * TX_DESC];
    uint64_t wire_off;
    uint32_t descriptors;
    dmasim_time sent;
    uint8_t *wire;
} zc_sys;

static void sys_fail(zc_sys *s, int err, const char *fmt, ...)
{
    if (s->err)
        return;
    s->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    dmasim_sim_stop(s->sim);
}

static uint32_t get32(const void *buf)
{
    const uint8_t *b = buf;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put32(void *buf, uint32_t v)
{
    uint8_t *b = buf;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *b) { return (uint64_t)get32(b) | (uint64_t)get32(b + 4) << 32; }

/* Both register files: one wait state per beat (as the DMAC's and the NIC's). */
static uint64_t reg_wait_states(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes, int is_write,
                                dmasim_time t, int commit)
{
    (void)ctx, (void)addr, (void)beat_bytes, (void)is_write, (void)t, (void)commit;
    return beats;
}

/* ---- the disk's command registers ---- */

static int disk_reg_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    zc_sys *s = ctx;
    uint32_t off = (uint32_t)(addr - DISK_REGS), v = off == DISK_R_LBA ? s->disk_lba : off == DISK_R_COUNT ? s->disk_count : 0;
    memset(buf, 0, len);
    if (len >= 4)
        put32(buf, v);
    return 0;
}

static int disk_reg_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    zc_sys *s = ctx;
    if (len != 4)
        return DMASIM_EBUSERR;
    uint32_t off = (uint32_t)(addr - DISK_REGS), v = get32(buf);
    if (off == DISK_R_LBA)
        s->disk_lba = v;
    else if (off == DISK_R_COUNT)
        s->disk_count = v;
    else if (off == DISK_R_CMD && v == 1) { /* the command starts when the write's data beat ends */
        int err = dmasim_disk_submit(s->disk, DMASIM_DISK_READ, s->disk_lba, s->disk_count,
                                     dmasim_bus_data_time(s->bus));
        if (err)
            sys_fail(s, err, "disk command: %s", dmasim_sim_errmsg(s->sim));
    }
    return 0;
}

static const dmasim_bus_slave_ops disk_reg_ops = {1, disk_reg_read, disk_reg_write, reg_wait_states};

/* ---- the NIC's transmit engine ---- */

static void nic_set_status(zc_sys *s, uint32_t st)
{
    s->nic_status = st;
    dmasim_signal_set(s->nic_irq, st != 0);
}

static void nic_clear_event(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim, (void)ev;
    zc_sys *s = ctx;
    nic_set_status(s, s->nic_status);
}

static void nic_start(zc_sys *s, dmasim_addr addr, uint64_t len, void *data, dmasim_time at)
{
    dmasim_busmaster_job j;
    memset(&j, 0, sizeof j);
    j.to_memory = 0;
    j.addr = addr;
    j.length = len;
    j.data = data;
    j.at = at;
    int err = dmasim_busmaster_start(s->bm, &j);
    if (err)
        sys_fail(s, err, "NIC: %s", dmasim_sim_errmsg(s->sim));
}

/* Read descriptor s->cur's buffer into the wire. */
static void nic_next_buffer(zc_sys *s, dmasim_time t)
{
    const uint8_t *d = s->desc + (size_t)s->cur * TX_DESC;
    dmasim_addr addr = get64(d);
    uint32_t len = get32(d + 8);
    if (len == 0 || len > ZC_FILE_BYTES - s->wire_off) {
        sys_fail(s, DMASIM_ERANGE, "NIC: descriptor %u has length %u (%llu bytes of the file left)", s->cur, len,
                 (unsigned long long)(ZC_FILE_BYTES - s->wire_off));
        return;
    }
    nic_start(s, addr, len, s->wire + s->wire_off, t);
    s->wire_off += len;
}

static void nic_job_done(void *ctx, int status, dmasim_time t)
{
    zc_sys *s = ctx;
    if (status) {
        nic_set_status(s, NIC_ST_ERR);
        sys_fail(s, status, "NIC: a read failed: %s", dmasim_strerror(status));
        return;
    }
    if (s->fetching) { /* the descriptors are in: read the first buffer */
        s->fetching = 0;
        s->cur = 0;
    } else if (++s->cur == s->ndesc) { /* the last buffer is in: done */
        s->sent = t;
        nic_set_status(s, s->nic_status | NIC_ST_DONE);
        return;
    }
    s->descriptors++;
    nic_next_buffer(s, t);
}

static int nic_reg_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    zc_sys *s = ctx;
    uint32_t off = (uint32_t)(addr - NIC_REGS);
    memset(buf, 0, len);
    if (len >= 4)
        put32(buf, off == NIC_R_STATUS ? s->nic_status : off == NIC_R_TDT ? s->ndesc : 0);
    return 0;
}

static int nic_reg_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    zc_sys *s = ctx;
    if (len != 4)
        return DMASIM_EBUSERR;
    uint32_t off = (uint32_t)(addr - NIC_REGS), v = get32(buf);
    dmasim_time t = dmasim_bus_data_time(s->bus);
    if (off == NIC_R_TDT) { /* descriptors 0..v-1: fetch them (one read job), then their buffers */
        if (v == 0 || v > ZC_PAGES) {
            sys_fail(s, DMASIM_ERANGE, "NIC: TDT %u out of range 1..%u", v, ZC_PAGES);
            return 0;
        }
        s->ndesc = v;
        s->fetching = 1;
        nic_start(s, TX_RING, (uint64_t)v * TX_DESC, s->desc, t);
    } else if (off == NIC_R_STATUS) { /* write 1 to clear, effective at the data beat's end */
        s->nic_status &= ~v;
        dmasim_event_schedule(s->sim, &s->nic_clear_ev, t, DMASIM_PRIO_DEFAULT);
    }
    return 0;
}

static const dmasim_bus_slave_ops nic_reg_ops = {1, nic_reg_read, nic_reg_write, reg_wait_states};

/* The CPU's interrupt input: the DMAC's line OR the NIC's. */
static void irq_or(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig, (void)value, (void)t;
    zc_sys *s = ctx;
    dmasim_signal_set(s->irq, dmasim_signal_value(s->dmac_irq) | dmasim_signal_value(s->nic_irq));
}

/* ---- the CPU's script ---- */

#define MAX_OPS 256

typedef struct script {
    dmasim_cpu_op op[MAX_OPS];
    size_t n;
} script;

static dmasim_cpu_op *add(script *sc, dmasim_cpu_op_kind kind, uint64_t a, uint64_t b, uint64_t c)
{
    if (sc->n == MAX_OPS) /* the scripts below have at most 137 operations */
        abort();
    dmasim_cpu_op *o = &sc->op[sc->n++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->a = a;
    o->b = b;
    o->c = c;
    return o;
}

static void store(script *sc, dmasim_addr a, unsigned size, uint64_t v) { add(sc, DMASIM_OP_STORE, a, size, v); }

static dmasim_addr page(unsigned i) { return PAGECACHE + PAGE_SLOT(i); }

/* Both paths first read the file into the page cache, as read() and sendfile() do on a miss:
 * dma_map_sg(FROM_DEVICE) of the pages, the DMAC's chain (one descriptor per page), the DMAC's
 * channel (3 register stores), the disk's command (3), the interrupt, dma_unmap_sg. */
static void read_file(script *sc)
{
    for (unsigned i = 0; i < ZC_PAGES; i++)
        add(sc, DMASIM_OP_DMA_MAP, page(i), ZC_PAGE, DMASIM_DMA_FROM_DEVICE);
    for (unsigned i = 0; i < ZC_PAGES; i++) {
        dmasim_addr d = DISK_CHAIN + (dmasim_addr)i * DMASIM_DESC_SIZE;
        uint32_t flags = i + 1 == ZC_PAGES ? DMASIM_DESC_END : 0;
        store(sc, d + DMASIM_DESC_DST, 8, page(i));
        store(sc, d + DMASIM_DESC_COUNT, 8, (uint64_t)(ZC_PAGE / DISK_ITEM) | (uint64_t)flags << 32);
        store(sc, d + DMASIM_DESC_NEXT, 8, d + DMASIM_DESC_SIZE);
    }
    uint32_t ctrl = DMASIM_DMAC_CTRL_START | (uint32_t)DMASIM_DMA_DEMAND << DMASIM_DMAC_CTRL_MODE_SHIFT |
                    DMASIM_DMAC_CTRL_IRQ_EN | 6u << DMASIM_DMAC_CTRL_SIZE_SHIFT /* 64-byte items */ |
                    (uint32_t)DMASIM_DMA_DEV_TO_MEM << DMASIM_DMAC_CTRL_DIR_SHIFT | DMASIM_DMAC_CTRL_SG;
    store(sc, DMAC_REGS + DMASIM_DMAC_DESC_LO, 4, DISK_CHAIN & 0xFFFFFFFFu);
    store(sc, DMAC_REGS + DMASIM_DMAC_DESC_HI, 4, DISK_CHAIN >> 32);
    store(sc, DMAC_REGS + DMASIM_DMAC_CTRL, 4, ctrl);
    store(sc, DISK_REGS + DISK_R_LBA, 4, ZC_LBA);
    store(sc, DISK_REGS + DISK_R_COUNT, 4, ZC_FILE_BYTES / ZC_SECTOR);
    store(sc, DISK_REGS + DISK_R_CMD, 4, 1);
    add(sc, DMASIM_OP_DMA_WAIT, DMAC_REGS, 0, 0);
    for (unsigned i = 0; i < ZC_PAGES; i++)
        add(sc, DMASIM_OP_DMA_UNMAP, page(i), ZC_PAGE, DMASIM_DMA_FROM_DEVICE);
}

/* Hand n buffers to the NIC: a descriptor each (2 stores), the tail register, then wait for the
 * NIC's interrupt (the transmit completion that frees the buffers). */
static void transmit(script *sc, const dmasim_addr *buf, const uint32_t *len, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        dmasim_addr d = TX_RING + (dmasim_addr)i * TX_DESC;
        store(sc, d, 8, buf[i]);
        store(sc, d + 8, 8, len[i] | (uint64_t)(i + 1 == n ? TX_EOP : 0) << 32);
    }
    store(sc, NIC_REGS + NIC_R_TDT, 4, n);
    add(sc, DMASIM_OP_DMA_WAIT, NIC_REGS, 0, 0);
}

static void build_script(script *sc, int path)
{
    dmasim_addr buf[ZC_PAGES];
    uint32_t len[ZC_PAGES];
    sc->n = 0;
    read_file(sc);
    if (path == ZC_SENDFILE) { /* the NIC gathers the page cache's pages: dma_map each, one descriptor each */
        for (unsigned i = 0; i < ZC_PAGES; i++) {
            add(sc, DMASIM_OP_DMA_MAP, page(i), ZC_PAGE, DMASIM_DMA_TO_DEVICE);
            buf[i] = page(i);
            len[i] = ZC_PAGE;
        }
        transmit(sc, buf, len, ZC_PAGES);
        return;
    }
    /* read(): copy_to_user, page by page; write(): copy_from_user into the socket buffer */
    for (unsigned i = 0; i < ZC_PAGES; i++)
        add(sc, DMASIM_OP_COPY, page(i), USERBUF + (dmasim_addr)i * ZC_PAGE, ZC_PAGE);
    add(sc, DMASIM_OP_COPY, USERBUF, SOCKBUF, ZC_FILE_BYTES);
    if (path == ZC_CLASSIC)
        add(sc, DMASIM_OP_DMA_MAP, SOCKBUF, ZC_FILE_BYTES, DMASIM_DMA_TO_DEVICE);
    buf[0] = SOCKBUF;
    len[0] = ZC_FILE_BYTES;
    transmit(sc, buf, len, 1);
}

/* ---- one run ---- */

static uint64_t stat_u64(dmasim_sim *sim, const char *fmt, const char *name)
{
    char path[128];
    uint64_t v = 0;
    snprintf(path, sizeof path, fmt, name);
    dmasim_sim_stat_u64(sim, path, &v);
    return v;
}

static void master_stats(dmasim_sim *sim, const char *name, zc_master *m)
{
    m->bytes = stat_u64(sim, "bus0.master.%s.bytes", name);
    m->owned_cycles = stat_u64(sim, "bus0.master.%s.owned_cycles", name);
    m->transactions = stat_u64(sim, "bus0.master.%s.transactions", name);
}

#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        int err_ = (call);                                                                                   \
        if (err_ < 0) {                                                                                      \
            snprintf(out->err, sizeof out->err, "%s: %s (%s)", #call, dmasim_strerror(err_),                  \
                     dmasim_sim_errmsg(s.sim));                                                              \
            rc = err_;                                                                                       \
            goto done;                                                                                       \
        }                                                                                                    \
    } while (0)

int zero_copy_run(int path, zc_result *out)
{
    static const char *const names[] = {"classic", "sendfile", "classic-no-clean"};
    int reference = (path & ZC_REFERENCE) != 0, rc = 0;
    path &= ~ZC_REFERENCE;
    memset(out, 0, sizeof *out);
    if (path < ZC_CLASSIC || path > ZC_CLASSIC_NO_CLEAN) {
        snprintf(out->err, sizeof out->err, "unknown path %d", path);
        return DMASIM_EINVAL;
    }
    out->name = names[path];
    out->copies = path == ZC_SENDFILE ? 2 : 4;

    zc_sys s;
    memset(&s, 0, sizeof s);
    s.wire = out->wire;
    dmasim_event_init(&s.nic_clear_ev, nic_clear_event, &s);
    script *sc = malloc(sizeof *sc);
    if (!sc) {
        snprintf(out->err, sizeof out->err, "out of memory");
        return DMASIM_ENOMEM;
    }

    dmasim_sim_config simc;
    dmasim_sim_config_init(&simc);
    simc.reference = reference;
    CHECK(dmasim_sim_create(&simc, &s.sim));

    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc); /* bus0: 100 MHz, 8 bytes, 1 arbitration + 1 address cycle */
    bc.period_ps = BUS_PERIOD;
    CHECK(dmasim_bus_create(s.sim, &bc, &s.bus));
    dmasim_sram_config mc;
    dmasim_sram_config_init(&mc); /* 1 GiB at 0 */
    mc.wait_states = MEM_WAIT_STATES;
    CHECK(dmasim_sram_create(s.bus, &mc));

    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc); /* cpu0, 32 KiB 8-way D1 of 64-byte lines, write-back */
    cc.clock_ratio = CPU_RATIO;
    cc.irq_latency_cycles = 30;
    cc.irq_handler_cycles = 100;
    CHECK(dmasim_cpu_create(s.bus, &cc, &s.cpu));
    CHECK(dmasim_cpu_add_uncached(s.cpu, COHERENT, COHERENT_SIZE));

    CHECK(dmasim_dmac_create(s.bus, NULL, &s.dmac)); /* dmac0 at 0xF0000000, bus priority 0 */

    dmasim_disk_config dc;
    CHECK(dmasim_disk_preset("disk-hdd-7200", &dc));
    dc.item_size = DISK_ITEM; /* a 64-byte fly-by unit: 25 bus cycles, 256 MB/s > the medium's 210 */
    CHECK(dmasim_disk_create(s.sim, &dc, &s.disk));
    CHECK(dmasim_disk_attach(s.disk, s.dmac, 0));
    CHECK(dmasim_bus_map(s.bus, "disk0.regs", DISK_REGS, DISK_R_SIZE, 0, &disk_reg_ops, &s));

    dmasim_busmaster_config bmc;
    dmasim_busmaster_config_init(&bmc);
    bmc.name = "nic0";
    bmc.txn_size = NIC_TXN;
    bmc.on_complete = nic_job_done;
    bmc.ctx = &s;
    CHECK(dmasim_busmaster_create(s.bus, &bmc, &s.bm));
    CHECK(dmasim_bus_map(s.bus, "nic0.regs", NIC_REGS, NIC_R_SIZE, 0, &nic_reg_ops, &s));

    s.dmac_irq = dmasim_dmac_irq(s.dmac);
    CHECK(dmasim_signal_create(s.sim, "nic0.tx_irq", 1, 0, &s.nic_irq));
    CHECK(dmasim_signal_create(s.sim, "cpu0.irq_in", 1, 0, &s.irq));
    CHECK(dmasim_signal_subscribe(s.dmac_irq, irq_or, &s));
    CHECK(dmasim_signal_subscribe(s.nic_irq, irq_or, &s));
    CHECK(dmasim_cpu_set_irq(s.cpu, s.irq));

    build_script(sc, path);
    CHECK(dmasim_cpu_run_script(s.cpu, sc->op, sc->n));
    CHECK(dmasim_sim_run(s.sim));
    if (s.err) {
        snprintf(out->err, sizeof out->err, "%s", s.msg);
        rc = s.err;
        goto done;
    }
    if (!dmasim_cpu_finished(s.cpu) || s.sent == 0) {
        snprintf(out->err, sizeof out->err, "the run ended before the file was sent");
        rc = DMASIM_ESTATE;
        goto done;
    }

    dmasim_dma_channel_status chs;
    CHECK(dmasim_dmac_channel_status(s.dmac, 0, &chs));
    if (chs.error) {
        snprintf(out->err, sizeof out->err, "the disk's channel stopped: %s", dmasim_strerror(chs.err));
        rc = chs.err;
        goto done;
    }
    out->disk_done = chs.end_time;
    out->sent = s.sent;
    out->cpu_cycles = dmasim_cpu_cycles(s.cpu);
    out->end = out->cpu_cycles * CPU_PERIOD;
    out->cpu_free = stat_u64(s.sim, "%s.irq_wait_cycles", "cpu0");
    out->cpu_busy = out->cpu_cycles - out->cpu_free;
    out->cpu_stall_cycles = dmasim_cpu_stall_cycles(s.cpu);
    master_stats(s.sim, "cpu0", &out->cpu);
    master_stats(s.sim, "dmac0", &out->dmac);
    master_stats(s.sim, "nic0", &out->nic);
    out->bus_bytes = out->cpu.bytes + out->dmac.bytes + out->nic.bytes;
    out->bus_copies = (double)out->bus_bytes / ZC_FILE_BYTES;
    out->d1_fills = stat_u64(s.sim, "%s.dcache.line_fills", "cpu0");
    out->d1_writebacks = stat_u64(s.sim, "%s.dcache.writebacks", "cpu0");
    out->maintenance_lines = stat_u64(s.sim, "%s.dcache.maintenance_lines", "cpu0");
    out->maintenance_writebacks = stat_u64(s.sim, "%s.dcache.maintenance_writebacks", "cpu0");
    out->stale_device_reads = stat_u64(s.sim, "%s.dcache.stale_device_reads", "cpu0");
    out->nic_descriptors = s.descriptors;
    out->nic_bytes = s.wire_off;
    for (uint32_t k = 0; k < ZC_FILE_BYTES; k++)
        out->nic_wrong_bytes += out->wire[k] != dmasim_device_pattern(ZC_LBA + k / ZC_SECTOR, k % ZC_SECTOR);
done:
    dmasim_sim_destroy(s.sim);
    free(sc);
    return rc;
}

#ifndef ZERO_COPY_NO_MAIN

static double us(dmasim_time t) { return (double)t / 1e6; }

int main(void)
{
    static zc_result r[3];
    for (int p = 0; p < 3; p++) {
        int err = zero_copy_run(p, &r[p]);
        if (err) {
            fprintf(stderr, "zero_copy: path %d: %s\n", p, r[p].err);
            return 1;
        }
    }
    printf("A 64 KiB file from the disk (disk-hdd-7200) to the NIC. Times in us from the CPU's first "
           "instruction; CPU cycles (400 MHz); D1 lines.\n");
    printf("%-9s %6s %10s %10s %10s %9s %9s %9s %8s %6s %7s %5s %8s\n", "path", "copies", "disk_done", "sent",
           "after_disk", "cpu_busy", "cpu_stall", "cpu_free", "d1_fills", "d1_wb", "cleaned", "stale", "nic_got");
    for (int p = 0; p < 2; p++) {
        const zc_result *x = &r[p];
        printf("%-9s %6u %10.3f %10.3f %10.3f %9llu %9llu %9llu %8llu %6llu %7llu %5llu %8s\n", x->name, x->copies,
               us(x->disk_done), us(x->sent), us(x->sent - x->disk_done), (unsigned long long)x->cpu_busy,
               (unsigned long long)x->cpu_stall_cycles, (unsigned long long)x->cpu_free,
               (unsigned long long)x->d1_fills, (unsigned long long)x->d1_writebacks,
               (unsigned long long)x->maintenance_writebacks, (unsigned long long)x->stale_device_reads,
               x->nic_wrong_bytes ? "WRONG" : "the file");
    }
    printf("\nBus traffic: bytes moved and bus cycles owned (100 MHz) per master.\n");
    printf("%-9s %10s %10s %10s %11s %10s %10s %10s %8s\n", "path", "cpu_bytes", "cpu_cycles", "dmac_bytes",
           "dmac_cycles", "nic_bytes", "nic_cycles", "bus_bytes", "bus/file");
    for (int p = 0; p < 2; p++) {
        const zc_result *x = &r[p];
        printf("%-9s %10llu %10llu %10llu %11llu %10llu %10llu %10llu %8.2f\n", x->name,
               (unsigned long long)x->cpu.bytes, (unsigned long long)x->cpu.owned_cycles,
               (unsigned long long)x->dmac.bytes, (unsigned long long)x->dmac.owned_cycles,
               (unsigned long long)x->nic.bytes, (unsigned long long)x->nic.owned_cycles,
               (unsigned long long)x->bus_bytes, x->bus_copies);
    }
    printf("\nclassic without the clean of the socket buffer: %llu stale device reads; %llu of the %u bytes "
           "the NIC read are not the file's\n",
           (unsigned long long)r[2].stale_device_reads, (unsigned long long)r[2].nic_wrong_bytes, ZC_FILE_BYTES);
    return 0;
}

#endif

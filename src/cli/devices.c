/* Devices (docs/devices.md) and the Intel 8237A (docs/i8237.md) in scenarios: their checks, how
 * they are built and attached to a channel of `dmac` or `i8237`, the disk's verification and
 * their lines in the summary.
 *
 * A device's numeric keys left out (0) take its preset's value, or the library's default
 * without a preset. A disk `command` programs its channel before the run (device to memory for
 * a read, memory to device for a write, `count * sector_size` bytes at `addr`) and is submitted
 * to the disk for `at_ps`; an audio `start` programs `frames * frame_bytes` bytes from `addr`
 * (one transfer, no ring) and starts playback at `at_ps`; a busmaster `job` starts at `at_ps`.
 * A NIC's `ring` is built in memory before the run (dmasim_nic_ring_init) and enables receive;
 * with `recycle_ps` an ideal driver gives each used descriptor back that long after its
 * write-back (OWN and the buffer size written by the back door, no CPU time, no bus traffic)
 * and rings the doorbell.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "devices_cli.h"

#define P(buf, ...) (snprintf((buf), sizeof(buf), __VA_ARGS__), (buf))

/* "disk-hdd-7200" or "i8237a, i8237a-4, i8237a-3": the presets of a kind (kind < 0: 8237A). */
static void preset_list(int kind, char *buf, size_t len)
{
    const char *name;
    size_t used = 0;
    dmasim_device_kind k;

    buf[0] = '\0';
    for (size_t i = 0; used < len; i++) {
        if (kind < 0)
            name = dmasim_i8237_preset_name(i);
        else if ((name = dmasim_device_preset_name(i, &k)) != NULL && (int)k != kind)
            continue;
        if (!name)
            break;
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
    }
}

static int unknown_preset(const scn_file *f, unsigned i, int kind, const char *preset)
{
    char path[48], known[256];

    preset_list(kind, known, sizeof(known));
    if (kind < 0)
        return scn_error_at(f, "i8237.preset", "unknown 8237A preset '%s' (known: %s)", preset, known);
    return scn_error_at(f, P(path, "devices.%u.preset", i), "unknown %s preset '%s' (known: %s)",
                        dmasim_device_kind_name((dmasim_device_kind)kind), preset, known[0] ? known : "none");
}

int cli_device_kind(const scn_file *f, unsigned i, dmasim_device_kind *kind)
{
    dmasim_sim_config sc;
    dmasim_sim *sim = NULL;
    char path[48];
    int rc;

    if (dmasim_device_kind_parse(NULL, f->scn->devices[i].kind, kind) == 0)
        return 0;
    /* The library words the message; it keeps it in a simulation. */
    dmasim_sim_config_init(&sc);
    if (dmasim_sim_create(&sc, &sim) != 0) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    dmasim_device_kind_parse(sim, f->scn->devices[i].kind, kind);
    rc = scn_error_at(f, P(path, "devices.%u.kind", i), "%s", dmasim_sim_errmsg(sim));
    dmasim_sim_destroy(sim);
    return rc;
}

#define OVER(field, value) do { if (value) (field) = (value); } while (0)

int cli_disk_config(const scn_file *f, unsigned i, dmasim_disk_config *cfg)
{
    const scn_device *d = &f->scn->devices[i];

    dmasim_disk_config_init(cfg);
    if (d->preset && dmasim_disk_preset(d->preset, cfg) != 0)
        return unknown_preset(f, i, DMASIM_DEVICE_DISK, d->preset);
    cfg->name = d->name;
    OVER(cfg->sector_size, d->sector_size);
    OVER(cfg->sectors_per_track, d->sectors_per_track);
    OVER(cfg->rpm, d->rpm);
    OVER(cfg->seek_avg_ns, d->seek_avg_ns);
    OVER(cfg->fifo_size, d->fifo_size);
    OVER(cfg->threshold, d->threshold);
    OVER(cfg->item_size, d->item_size);
    return 0;
}

int cli_audio_config(const scn_file *f, unsigned i, dmasim_audio_config *cfg)
{
    const scn_device *d = &f->scn->devices[i];

    dmasim_audio_config_init(cfg);
    if (d->preset && dmasim_audio_preset(d->preset, cfg) != 0)
        return unknown_preset(f, i, DMASIM_DEVICE_AUDIO, d->preset);
    cfg->name = d->name;
    OVER(cfg->sample_rate, d->sample_rate);
    OVER(cfg->frame_bytes, d->frame_bytes);
    OVER(cfg->fifo_size, d->fifo_size);
    OVER(cfg->threshold, d->threshold);
    OVER(cfg->item_size, d->item_size);
    return 0;
}

int cli_nic_config(const scn_file *f, unsigned i, dmasim_nic_config *cfg)
{
    const scn_device *d = &f->scn->devices[i];
    const scn_nic_receive *r = d->receive;

    dmasim_nic_config_init(cfg);
    if (d->preset && dmasim_nic_preset(d->preset, cfg) != 0)
        return unknown_preset(f, i, DMASIM_DEVICE_NIC, d->preset);
    cfg->name = d->name;
    OVER(cfg->bus_priority, d->bus_priority);
    OVER(cfg->reg_base, d->reg_base);
    OVER(cfg->fifo_size, d->fifo_size);
    OVER(cfg->burst, d->txn_size);
    OVER(cfg->line_rate, d->line_rate);
    if (r) {
        cfg->trace = r->trace;
        OVER(cfg->packets, r->packets);
        OVER(cfg->rate, r->rate);
        OVER(cfg->packet_size, r->size);
        OVER(cfg->packet_size_max, r->size_max);
        OVER(cfg->start_time, r->at_ps);
    }
    if (d->ring)
        cfg->ring = d->ring->descriptors;
    return 0;
}

static int i8237_config(const scn_file *f, dmasim_i8237_config *cfg)
{
    const scn_i8237 *m = f->scn->i8237;

    dmasim_i8237_config_init(cfg);
    if (m->preset && dmasim_i8237_preset(m->preset, cfg) != 0)
        return unknown_preset(f, 0, -1, m->preset);
    cfg->name = m->name;
    cfg->bus_priority = m->bus_priority;
    cfg->io_base = m->io_base;
    cfg->page_base = m->page_base;
    cfg->io_wait_states = m->io_wait_states;
    cfg->page_bits = m->page_bits;
    cfg->page_policy = (dmasim_i8237_page_policy)m->page_policy;
    return 0;
}

/* ---- checks ------------------------------------------------------------------------------- */

static int check_i8237(const scn_file *f)
{
    const scn_i8237 *m = f->scn->i8237;
    const scn_bus *b = &f->scn->bus;
    dmasim_i8237_config cfg;

    if (i8237_config(f, &cfg))
        return -1;
    if (cfg.clock_period_ps && b->period_ps != cfg.clock_period_ps)
        return scn_error_at(f, "bus.period_ps",
                            "%" PRIu64 " ps is not the clock of %s (preset %s: CLK period %" PRIu64
                            " ps); the 8237A's CLK is the bus clock",
                            b->period_ps, m->name, m->preset, (uint64_t)cfg.clock_period_ps);
    if (b->width != 1)
        return scn_error_at(f, "bus.width", "%" PRIu32 " bytes: the 8237A (%s) moves 8-bit data, bus.width must be 1",
                            b->width, m->name);
    if (b->address_cycles > 1)
        return scn_error_at(f, "bus.address_cycles", "%" PRIu32 ": the 8237A (%s) needs 0 or 1", b->address_cycles,
                            m->name);
    if (m->page_bits > 8)
        return scn_error_at(f, "i8237.page_bits", "%" PRIu32 " is out of range 0..8", m->page_bits);
    if (m->io_wait_states > 1024)
        return scn_error_at(f, "i8237.io_wait_states", "%" PRIu32 " is out of range 0..1024", m->io_wait_states);
    return 0;
}

/* Which channel a disk or sound card uses: 0 none, 1 the DMAC's, 2 the 8237A's; *ch. */
static int device_channel(const scn_device *d, unsigned *ch)
{
    *ch = 0;
    if (d->dmac_channel >= 0) {
        *ch = (unsigned)d->dmac_channel;
        return 1;
    }
    if (d->i8237_channel >= 0) {
        *ch = (unsigned)d->i8237_channel;
        return 2;
    }
    return 0;
}

static int check_channel(const scn_file *f, unsigned i, dmasim_device_kind kind)
{
    const scenario *s = f->scn;
    const scn_device *d = &s->devices[i];
    char path[48];
    unsigned ch;
    int which;

    if (d->dmac_channel < SCN_NO_CHANNEL)
        return scn_error_at(f, P(path, "devices.%u.dmac_channel", i), "%" PRId64 " is not a channel (-1: none)",
                            d->dmac_channel);
    if (d->i8237_channel < SCN_NO_CHANNEL)
        return scn_error_at(f, P(path, "devices.%u.i8237_channel", i), "%" PRId64 " is not a channel (-1: none)",
                            d->i8237_channel);
    which = device_channel(d, &ch);
    if (which == 0) {
        if (d->command || d->start)
            return scn_error_at(f, P(path, "devices.%u.%s", i, d->command ? "command" : "start"),
                                "needs dmac_channel or i8237_channel (the channel that moves the bytes)");
        return 0;
    }
    if (kind != DMASIM_DEVICE_DISK && kind != DMASIM_DEVICE_AUDIO)
        return scn_error_at(f, P(path, "devices.%u.%s", i, which == 1 ? "dmac_channel" : "i8237_channel"),
                            "a %s masters the bus itself: only a disk or a sound card attaches to a channel",
                            dmasim_device_kind_name(kind));
    if (d->dmac_channel >= 0 && d->i8237_channel >= 0)
        return scn_error_at(f, P(path, "devices.%u.i8237_channel", i), "give only one of dmac_channel, i8237_channel");
    P(path, "devices.%u.%s", i, which == 1 ? "dmac_channel" : "i8237_channel");
    if (which == 1 && !s->dmac)
        return scn_error_at(f, path, "needs a 'dmac'");
    if (which == 2 && !s->i8237)
        return scn_error_at(f, path, "needs an 'i8237'");
    if (which == 1 && ch >= s->dmac->channels)
        return scn_error_at(f, path, "channel %u does not exist (dmac.channels is %" PRIu32 ")", ch, s->dmac->channels);
    if (which == 2 && ch >= DMASIM_I8237_CHANNELS)
        return scn_error_at(f, path, "channel %u does not exist (the 8237A has channels 0..3)", ch);
    for (unsigned j = 0; j < i; j++) {
        unsigned other;
        if (device_channel(&s->devices[j], &other) == which && other == ch)
            return scn_error_at(f, path, "channel %u is devices.%u's too", ch, j);
    }
    if (which == 1) {
        for (unsigned j = 0; j < s->dmac->jobs_count; j++)
            if (s->dmac->jobs[j].channel == ch)
                return scn_error_at(f, path, "channel %u is used by dmac.jobs.%u too", ch, j);
    }
    return 0;
}

static int check_command(const scn_file *f, unsigned i, const dmasim_disk_config *cfg)
{
    const scn_device *d = &f->scn->devices[i];
    const scn_disk_cmd *c = d->command;
    uint64_t bytes = (uint64_t)c->count * cfg->sector_size;
    char path[64];

    if (c->count == 0)
        return scn_error_at(f, P(path, "devices.%u.command.count", i), "must be >= 1 sector");
    if (d->i8237_channel >= 0) {
        if (cfg->item_size != 1)
            return scn_error_at(f, P(path, "devices.%u.item_size", i),
                                "%" PRIu32 ": a disk on the 8237A moves bytes, item_size must be 1", cfg->item_size);
        if (bytes > 65536)
            return scn_error_at(f, P(path, "devices.%u.command.count", i),
                                "%" PRIu64 " bytes: the 8237A moves at most 65536 bytes a transfer", bytes);
        if (c->mode == DMASIM_DMA_TRANSPARENT)
            return scn_error_at(f, P(path, "devices.%u.command.mode", i),
                                "the 8237A has demand, burst (block) and cycle_stealing (single) modes");
    }
    return 0;
}

static int check_names(const scn_file *f, unsigned i)
{
    const scenario *s = f->scn;
    const char *n = s->devices[i].name;
    char path[48];

    P(path, "devices.%u.name", i);
    if (strcmp(n, s->bus.name) == 0 || (s->cpu && strcmp(n, s->cpu->name) == 0) ||
        (s->dmac && strcmp(n, s->dmac->name) == 0) || (s->iommu && strcmp(n, s->iommu->name) == 0) ||
        (s->i8237 && strcmp(n, s->i8237->name) == 0))
        return scn_error_at(f, path, "'%s' is the name of another component too", n);
    for (unsigned j = 0; j < i; j++)
        if (strcmp(n, s->devices[j].name) == 0)
            return scn_error_at(f, path, "'%s' is devices.%u's name too", n, j);
    return 0;
}

static int check_device(const scn_file *f, unsigned i)
{
    const scn_device *d = &f->scn->devices[i];
    dmasim_device_kind kind;
    char path[48];

    if (cli_device_kind(f, i, &kind) || check_names(f, i))
        return -1;
    if (d->command && kind != DMASIM_DEVICE_DISK)
        return scn_error_at(f, P(path, "devices.%u.command", i), "only a disk takes a command");
    if (d->start && kind != DMASIM_DEVICE_AUDIO)
        return scn_error_at(f, P(path, "devices.%u.start", i), "only a sound card (audio) takes start");
    if (d->job && kind != DMASIM_DEVICE_BUSMASTER)
        return scn_error_at(f, P(path, "devices.%u.job", i), "only a busmaster takes a job");
    if (kind != DMASIM_DEVICE_NIC) {
        const char *key = d->ring ? "ring" : d->receive ? "receive" : d->reg_base ? "reg_base"
                                           : d->line_rate                   ? "line_rate"
                                                                            : NULL;
        if (key)
            return scn_error_at(f, P(path, "devices.%u.%s", i, key), "only a nic takes %s", key);
    }
    if (kind == DMASIM_DEVICE_BUSMASTER && d->preset)
        return unknown_preset(f, i, kind, d->preset);
    if (check_channel(f, i, kind))
        return -1;
    if (kind == DMASIM_DEVICE_DISK) {
        dmasim_disk_config cfg;
        if (cli_disk_config(f, i, &cfg) || (d->command && check_command(f, i, &cfg)))
            return -1;
    } else if (kind == DMASIM_DEVICE_AUDIO) {
        dmasim_audio_config cfg;
        if (cli_audio_config(f, i, &cfg))
            return -1;
        if (d->start && (d->start->frames == 0 || (d->start->frames * cfg.frame_bytes) % cfg.item_size))
            return scn_error_at(f, P(path, "devices.%u.start.frames", i),
                                "must be >= 1, and frames * frame_bytes a multiple of item_size (%" PRIu32 ")",
                                cfg.item_size);
        if (d->start && d->i8237_channel >= 0 && cfg.item_size != 1)
            return scn_error_at(f, P(path, "devices.%u.item_size", i),
                                "%" PRIu32 ": a device on the 8237A moves bytes, item_size must be 1", cfg.item_size);
    } else if (kind == DMASIM_DEVICE_NIC) {
        dmasim_nic_config cfg;
        const scn_nic_ring *r = d->ring;
        if (cli_nic_config(f, i, &cfg))
            return -1;
        if (r && r->entries == 0)
            return scn_error_at(f, P(path, "devices.%u.ring.entries", i), "must be >= 1 descriptor");
        if (r && r->buffer_size == 0)
            return scn_error_at(f, P(path, "devices.%u.ring.buffer_size", i), "must be >= 1 byte");
        if (r && (r->owned < -1 || r->owned > (int64_t)r->entries))
            return scn_error_at(f, P(path, "devices.%u.ring.owned", i),
                                "%" PRId64 " is not 0..entries (%" PRIu32 "), or -1 for all", r->owned, r->entries);
        if (r && r->descriptors == 0)
            return scn_error_at(f, P(path, "devices.%u.ring.descriptors", i),
                                "must not be 0 (a NIC ring address of 0 means no ring)");
        if (r && r->descriptors < r->buffers + (uint64_t)r->entries * r->buffer_size &&
            r->buffers < r->descriptors + (uint64_t)r->entries * DMASIM_DESC_SIZE)
            return scn_error_at(f, P(path, "devices.%u.ring.buffers", i),
                                "the buffers [0x%" PRIx64 ", 0x%" PRIx64 ") overlap the descriptors [0x%" PRIx64
                                ", 0x%" PRIx64 ")",
                                r->buffers, r->buffers + (uint64_t)r->entries * r->buffer_size, r->descriptors,
                                r->descriptors + (uint64_t)r->entries * DMASIM_DESC_SIZE);
    } else if (d->job && d->job->length == 0) {
        return scn_error_at(f, P(path, "devices.%u.job.length", i), "must be >= 1 byte");
    }
    return 0;
}

int cli_devices_validate(const scn_file *f)
{
    const scenario *s = f->scn;

    if (s->i8237 && check_i8237(f))
        return -1;
    for (unsigned i = 0; i < s->devices_count; i++)
        if (check_device(f, i))
            return -1;
    return 0;
}

/* ---- building ------------------------------------------------------------------------------ */

static int lib_error(const cli_system *s, const char *path, int rc)
{
    const char *detail = dmasim_sim_errmsg(s->sim);

    return scn_error_at(s->file, path, "%s", detail[0] ? detail : dmasim_strerror(rc));
}

/* [addr, addr + len) mapped on the bus (first and last byte). */
static int check_mapped(cli_system *s, const char *path, dmasim_addr addr, uint64_t len)
{
    dmasim_addr last = addr + (len - 1);

    if (last < addr || dmasim_bus_slave_flags(s->bus, addr) < 0 || dmasim_bus_slave_flags(s->bus, last) < 0)
        return scn_error_at(s->file, path, "range 0x%" PRIx64 "..0x%" PRIx64 " is not mapped on the bus", addr, last);
    return 0;
}

static const uint8_t i8237_modes[] = {
    [DMASIM_DMA_BURST] = DMASIM_I8237_MODE_BLOCK,
    [DMASIM_DMA_CYCLE_STEALING] = DMASIM_I8237_MODE_SINGLE,
    [DMASIM_DMA_TRANSPARENT] = DMASIM_I8237_MODE_SINGLE, /* refused by the checks */
    [DMASIM_DMA_DEMAND] = DMASIM_I8237_MODE_DEMAND,
};

/* Program the device's channel for `bytes` bytes at addr (to memory or from it). */
static int start_channel(cli_system *s, unsigned i, const char *path, int to_memory, dmasim_addr addr,
                         uint64_t bytes, uint32_t item_size, int mode)
{
    const scn_device *d = &s->file->scn->devices[i];
    unsigned ch;
    int rc;

    if (check_mapped(s, path, addr, bytes))
        return -1;
    if (device_channel(d, &ch) == 1) {
        dmasim_dma_transfer t;

        dmasim_dma_transfer_init(&t);
        t.direction = to_memory ? DMASIM_DMA_DEV_TO_MEM : DMASIM_DMA_MEM_TO_DEV;
        if (to_memory)
            t.dst = addr;
        else
            t.src = addr;
        t.count = bytes / item_size;
        t.item_size = item_size;
        t.mode = (dmasim_dma_mode)mode;
        rc = dmasim_dmac_channel_start(s->dmac, ch, &t);
    } else {
        dmasim_i8237_program p;
        uint32_t page_bits = s->file->scn->i8237->page_bits;

        if (addr >> (16 + page_bits))
            return scn_error_at(s->file, path, "0x%" PRIx64 " is beyond the 8237A's %u address bits", addr,
                                16 + page_bits);
        memset(&p, 0, sizeof(p));
        p.address = (uint16_t)addr;
        p.page = (uint8_t)(addr >> 16);
        p.count = (uint16_t)(bytes - 1);
        p.mode = (uint8_t)((to_memory ? DMASIM_I8237_XFER_WRITE : DMASIM_I8237_XFER_READ) | i8237_modes[mode]);
        p.unmask = 1;
        rc = dmasim_i8237_program_channel(s->i8237, ch, &p);
    }
    return rc ? lib_error(s, path, rc) : 0;
}

static int attach(cli_system *s, unsigned i, const dmasim_dma_device_ops *ops, void *ctx, dmasim_signal *dreq)
{
    const scn_device *d = &s->file->scn->devices[i];
    char path[48];
    unsigned ch;
    int which = device_channel(d, &ch), rc = 0;

    if (which == 1)
        rc = dmasim_dmac_attach_device(s->dmac, ch, ops, ctx, dreq);
    else if (which == 2)
        rc = dmasim_i8237_attach_device(s->i8237, ch, ops, ctx, dreq);
    return rc ? lib_error(s, P(path, "devices.%u.%s", i, which == 1 ? "dmac_channel" : "i8237_channel"), rc) : 0;
}

static int build_disk(cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    const scn_disk_cmd *c = d->command;
    dmasim_disk_config cfg;
    dmasim_disk *disk;
    char path[64];
    int rc;

    if (cli_disk_config(s->file, i, &cfg))
        return -1;
    rc = dmasim_disk_create(s->sim, &cfg, &disk);
    if (rc)
        return lib_error(s, P(path, "devices.%u", i), rc);
    s->devs[i].ptr = disk;
    if (attach(s, i, dmasim_disk_device_ops(), disk, dmasim_disk_dreq(disk)))
        return -1;
    if (!c)
        return 0;
    if (start_channel(s, i, P(path, "devices.%u.command.addr", i), c->op == DMASIM_DISK_READ, c->addr,
                      (uint64_t)c->count * cfg.sector_size, cfg.item_size, c->mode))
        return -1;
    rc = dmasim_disk_submit(disk, (dmasim_disk_op)c->op, c->lba, c->count, c->at_ps);
    return rc ? lib_error(s, P(path, "devices.%u.command", i), rc) : 0;
}

static int build_audio(cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    dmasim_audio_config cfg;
    dmasim_audio *audio;
    char path[64];
    int rc;

    if (cli_audio_config(s->file, i, &cfg))
        return -1;
    rc = dmasim_audio_create(s->sim, &cfg, &audio);
    if (rc)
        return lib_error(s, P(path, "devices.%u", i), rc);
    s->devs[i].ptr = audio;
    if (attach(s, i, dmasim_audio_device_ops(), audio, dmasim_audio_dreq(audio)))
        return -1;
    if (!d->start)
        return 0;
    if (start_channel(s, i, P(path, "devices.%u.start.addr", i), 0, d->start->addr,
                      d->start->frames * cfg.frame_bytes, cfg.item_size, d->start->mode))
        return -1;
    rc = dmasim_audio_start(audio, d->start->at_ps, d->start->frames);
    return rc ? lib_error(s, P(path, "devices.%u.start", i), rc) : 0;
}

static int build_busmaster(cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    dmasim_busmaster_config cfg;
    dmasim_busmaster *bm;
    char path[64];
    int rc;

    dmasim_busmaster_config_init(&cfg);
    cfg.name = d->name;
    OVER(cfg.bus_priority, d->bus_priority);
    OVER(cfg.txn_size, d->txn_size);
    rc = dmasim_busmaster_create(s->bus, &cfg, &bm);
    if (rc)
        return lib_error(s, P(path, "devices.%u", i), rc);
    s->devs[i].ptr = bm;
    if (d->job) {
        dmasim_busmaster_job j;

        if (check_mapped(s, P(path, "devices.%u.job.addr", i), d->job->addr, d->job->length))
            return -1;
        memset(&j, 0, sizeof(j));
        j.to_memory = d->job->to_memory;
        j.addr = d->job->addr;
        j.length = d->job->length;
        j.pattern = d->job->pattern;
        j.at = d->job->at_ps;
        rc = dmasim_busmaster_start(bm, &j);
        if (rc)
            return lib_error(s, P(path, "devices.%u.job", i), rc);
    }
    return 0;
}

/* The ideal driver of a NIC ring: recycle_ps after each write-back it gives one descriptor back,
 * the one at its tail (the first the NIC does not own: descriptor `owned` at the start, then the
 * next one each time), as a ring driver refilling buffers does. A constant delay keeps the queue
 * in time order. */
typedef struct nic_driver {
    dmasim_sim *sim;
    dmasim_nic *nic;
    dmasim_event ev;
    uint64_t recycle_ps;
    uint32_t buffer_size, entries, tail;
    dmasim_addr descriptors;
    struct {
        dmasim_addr desc; /* the descriptor written back (kept for messages) */
        dmasim_time at;
    } *q;
    size_t head, n, cap;        /* ring, cap a power of two */
    uint64_t given_back;
    int oom;
} nic_driver;

static void nic_give_back(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    nic_driver *drv = ctx;
    dmasim_time now = dmasim_sim_now(sim);
    (void)ev;
    while (drv->n && drv->q[drv->head].at <= now) {
        dmasim_addr desc = drv->descriptors + (dmasim_addr)drv->tail * DMASIM_DESC_SIZE;
        unsigned char b[8];
        drv->tail = (drv->tail + 1) % drv->entries;
        uint32_t flags;
        drv->head = (drv->head + 1) & (drv->cap - 1);
        drv->n--;
        dmasim_mem_read(sim, desc + DMASIM_DESC_COUNT, b, 8);
        flags = ((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24) | DMASIM_DESC_OWN;
        for (int k = 0; k < 4; k++) {
            b[k] = (unsigned char)(drv->buffer_size >> (8 * k));
            b[4 + k] = (unsigned char)(flags >> (8 * k));
        }
        dmasim_mem_write(sim, desc + DMASIM_DESC_COUNT, b, 8);
        drv->given_back++;
    }
    dmasim_nic_doorbell(drv->nic);
    if (drv->n)
        dmasim_event_schedule(sim, &drv->ev, drv->q[drv->head].at, DMASIM_PRIO_DEFAULT);
}

static void nic_written_back(void *ctx, uint64_t seq, uint32_t len, dmasim_addr desc, dmasim_time t)
{
    nic_driver *drv = ctx;
    dmasim_time now = dmasim_sim_now(drv->sim), at = t + drv->recycle_ps;
    (void)seq;
    (void)len;
    if (drv->n == drv->cap) {
        size_t ncap = drv->cap ? drv->cap * 2 : 64;
        void *nq = malloc(ncap * sizeof(*drv->q));
        if (!nq) {
            drv->oom = 1; /* the descriptor is not given back; reported after the run */
            return;
        }
        for (size_t k = 0; k < drv->n; k++)
            memcpy((char *)nq + k * sizeof(*drv->q), &drv->q[(drv->head + k) & (drv->cap - 1)], sizeof(*drv->q));
        free(drv->q);
        drv->q = nq;
        drv->cap = ncap;
        drv->head = 0;
    }
    drv->q[(drv->head + drv->n) & (drv->cap - 1)].desc = desc;
    drv->q[(drv->head + drv->n) & (drv->cap - 1)].at = at > now ? at : now;
    if (drv->n++ == 0)
        dmasim_event_schedule(drv->sim, &drv->ev, drv->q[drv->head].at, DMASIM_PRIO_DEFAULT);
}

static int build_nic(cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    const scn_nic_ring *r = d->ring;
    dmasim_nic_config cfg;
    dmasim_nic *nic;
    nic_driver *drv = NULL;
    char path[64];
    int rc;

    if (cli_nic_config(s->file, i, &cfg))
        return -1;
    if (r) {
        uint32_t owned = r->owned < 0 ? r->entries : (uint32_t)r->owned;
        if (check_mapped(s, P(path, "devices.%u.ring.descriptors", i), r->descriptors,
                         (uint64_t)r->entries * DMASIM_DESC_SIZE) ||
            check_mapped(s, P(path, "devices.%u.ring.buffers", i), r->buffers,
                         (uint64_t)r->entries * r->buffer_size))
            return -1;
        rc = dmasim_nic_ring_init(s->sim, r->descriptors, r->entries, r->buffers, r->buffer_size, owned);
        if (rc)
            return lib_error(s, P(path, "devices.%u.ring", i), rc);
        if (r->recycle_ps) {
            drv = calloc(1, sizeof(*drv));
            if (!drv) {
                fprintf(stderr, "dmasim: out of memory\n");
                return -1;
            }
            s->devs[i].aux = drv;
            drv->sim = s->sim;
            drv->recycle_ps = r->recycle_ps;
            drv->buffer_size = r->buffer_size;
            drv->entries = r->entries;
            drv->tail = owned % r->entries;
            drv->descriptors = r->descriptors;
            dmasim_event_init(&drv->ev, nic_give_back, drv);
            cfg.on_packet = nic_written_back;
            cfg.ctx = drv;
        }
    }
    rc = dmasim_nic_create(s->bus, &cfg, &nic);
    if (rc) { /* the library names its parameter: point at the scenario's key for it */
        static const char *const keys[][2] = {{": packet_size_max ", "receive.size_max"},
                                              {": packet_size ", "receive.size"},
                                              {": rate ", "receive.rate"},
                                              {": fifo_size ", "fifo_size"},
                                              {": burst ", "txn_size"}};
        const char *msg = dmasim_sim_errmsg(s->sim), *key = NULL;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !key; k++)
            if (strstr(msg, keys[k][0]))
                key = keys[k][1];
        if (!key && rc == DMASIM_EOVERLAP)
            key = "reg_base";
        if (!key && cfg.trace)
            key = "receive.trace";
        return lib_error(s, key ? P(path, "devices.%u.%s", i, key) : P(path, "devices.%u", i), rc);
    }
    s->devs[i].ptr = nic;
    if (drv)
        drv->nic = nic;
    return 0;
}

void sys_devices_free(cli_system *s)
{
    for (unsigned i = 0; i < s->ndevs; i++) {
        nic_driver *drv = s->devs[i].aux;
        if (drv)
            free(drv->q);
        free(drv);
    }
}

int sys_devices_build(cli_system *s)
{
    const scenario *scn = s->file->scn;
    int rc;

    if (scn->i8237) {
        dmasim_i8237_config cfg;

        if (i8237_config(s->file, &cfg))
            return -1;
        rc = dmasim_i8237_create(s->bus, &cfg, &s->i8237);
        if (rc)
            return lib_error(s, "i8237", rc);
    }
    if (scn->devices_count == 0)
        return 0;
    s->devs = calloc(scn->devices_count, sizeof(*s->devs));
    if (!s->devs) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    s->ndevs = scn->devices_count;
    for (unsigned i = 0; i < s->ndevs; i++) {
        if (cli_device_kind(s->file, i, &s->devs[i].kind))
            return -1;
        if (s->devs[i].kind == DMASIM_DEVICE_DISK)
            rc = build_disk(s, i);
        else if (s->devs[i].kind == DMASIM_DEVICE_AUDIO)
            rc = build_audio(s, i);
        else if (s->devs[i].kind == DMASIM_DEVICE_NIC)
            rc = build_nic(s, i);
        else
            rc = build_busmaster(s, i);
        if (rc)
            return -1;
    }
    return 0;
}

int sys_devices_check_finished(const cli_system *s)
{
    char path[48];

    for (unsigned i = 0; i < s->ndevs; i++) {
        int busy = 0;

        if (s->devs[i].kind == DMASIM_DEVICE_DISK) {
            dmasim_disk_status st;
            dmasim_disk_status_get(s->devs[i].ptr, &st);
            busy = st.busy;
        } else if (s->devs[i].kind == DMASIM_DEVICE_BUSMASTER) {
            dmasim_busmaster_status st;
            dmasim_busmaster_status_get(s->devs[i].ptr, &st);
            busy = st.busy;
        }
        if (busy)
            return scn_error_at(s->file, P(path, "devices.%u", i), "the run ended with %s still busy",
                                s->file->scn->devices[i].name);
        if (s->devs[i].aux && ((nic_driver *)s->devs[i].aux)->oom)
            return scn_error_at(s->file, P(path, "devices.%u.ring.recycle_ps", i),
                                "out of memory: the driver could not give every descriptor back");
    }
    return 0;
}

int sys_devices_verify(cli_system *s, int print)
{
    int failed = 0;
    char path[64];

    for (unsigned i = 0; i < s->ndevs; i++) {
        const scn_disk_cmd *c = s->file->scn->devices[i].command;
        cli_dev *dev = &s->devs[i];
        dmasim_disk_config cfg;
        unsigned char a[65536], b[65536];

        if (dev->kind != DMASIM_DEVICE_DISK || !c || !c->verify)
            continue;
        cli_disk_config(s->file, i, &cfg);
        if (cfg.sector_size > sizeof(a))
            continue;
        dev->verdict = VERDICT_OK;
        for (uint32_t k = 0; k < c->count && dev->verdict == VERDICT_OK; k++) {
            dmasim_addr at = c->addr + (uint64_t)k * cfg.sector_size;

            if (dmasim_disk_peek(dev->ptr, c->lba + k, a) || dmasim_mem_read(s->sim, at, b, cfg.sector_size)) {
                dev->verdict = VERDICT_MISMATCH;
                dev->bad_addr = at;
                break;
            }
            for (uint32_t n = 0; n < cfg.sector_size; n++) {
                if (a[n] != b[n]) {
                    dev->verdict = VERDICT_MISMATCH;
                    dev->bad_addr = at + n;
                    break;
                }
            }
        }
        if (dev->verdict == VERDICT_MISMATCH) {
            if (print && !failed)
                scn_error_at(s->file, P(path, "devices.%u.command.addr", i),
                             "verification failed: memory differs from the disk's sectors at 0x%" PRIx64,
                             dev->bad_addr);
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

const char *sys_device_on_dmac_channel(const cli_system *s, unsigned ch)
{
    const scenario *scn = s->file->scn;

    for (unsigned i = 0; i < scn->devices_count; i++)
        if (scn->devices[i].dmac_channel == (int64_t)ch)
            return scn->devices[i].name;
    return NULL;
}

/* ---- summary ------------------------------------------------------------------------------- */

static uint64_t stat(const cli_system *s, const char *name, const char *what)
{
    char path[300];
    uint64_t v = 0;

    snprintf(path, sizeof(path), "%s.%s", name, what);
    return dmasim_sim_stat_u64(s->sim, path, &v) == 0 ? v : 0;
}

/* "dmac0 ch0" or "i8237 ch2" */
static void channel_name(const cli_system *s, const scn_device *d, char *buf, size_t len)
{
    unsigned ch;
    int which = device_channel(d, &ch);

    if (which == 0)
        snprintf(buf, len, "no channel");
    else
        snprintf(buf, len, "%s ch%u", which == 1 ? s->file->scn->dmac->name : s->file->scn->i8237->name, ch);
}

static void summary_disk(FILE *out, const cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    const cli_dev *dev = &s->devs[i];
    const char *n = d->name;
    dmasim_disk_status st;
    char via[64];

    dmasim_disk_status_get(dev->ptr, &st);
    channel_name(s, d, via, sizeof(via));
    fprintf(out, "%-11s disk%s%s, %s: %" PRIu64 " command(s), %" PRIu64 " bytes read, %" PRIu64 " written\n", n,
            d->preset ? " " : "", d->preset ? d->preset : "", via, stat(s, n, "commands"), stat(s, n, "bytes_read"),
            stat(s, n, "bytes_written"));
    if (!d->command)
        return;
    fprintf(out, "  command   %s %" PRIu32 " sectors from LBA %" PRIu64 " at 0x%" PRIx64 ", issued at %" PRIu64 " ns",
            d->command->op == DMASIM_DISK_READ ? "read" : "write", d->command->count, d->command->lba,
            d->command->addr, d->command->at_ps / 1000);
    if (st.complete_time != DMASIM_TIME_NEVER)
        fprintf(out, ", complete at %" PRIu64 " ns", st.complete_time / 1000);
    fprintf(out, ", %s\n",
            dev->verdict == VERDICT_OK ? "verified"
            : dev->verdict == VERDICT_MISMATCH ? "MISMATCH"
                                               : "not verified");
    fprintf(out, "  timing    seek %" PRIu64 " ns, rotation %" PRIu64 " ns, %" PRIu64 " overruns (%" PRIu64
                 " ns of missed revolutions), %" PRIu64 " underruns\n",
            stat(s, n, "seek_ps") / 1000, stat(s, n, "rotation_ps") / 1000, stat(s, n, "overruns"),
            stat(s, n, "missed_revolution_ps") / 1000, stat(s, n, "underruns"));
}

static void summary_audio(FILE *out, const cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    const char *n = d->name;
    uint64_t first = stat(s, n, "first_underrun_ps");
    char via[64];

    channel_name(s, d, via, sizeof(via));
    fprintf(out, "%-11s audio%s%s, %s: %" PRIu64 " frames, %" PRIu64 " bytes, %" PRIu64 " underruns", n,
            d->preset ? " " : "", d->preset ? d->preset : "", via, stat(s, n, "frames"), stat(s, n, "bytes"),
            stat(s, n, "underruns"));
    if (first != UINT64_MAX && stat(s, n, "underruns"))
        fprintf(out, " (first at %" PRIu64 " ns)", first / 1000);
    fprintf(out, "\n");
}

static void summary_busmaster(FILE *out, const cli_system *s, unsigned i)
{
    const char *n = s->file->scn->devices[i].name;
    dmasim_busmaster_status st;

    dmasim_busmaster_status_get(s->devs[i].ptr, &st);
    fprintf(out, "%-11s busmaster: %" PRIu64 " bytes in %" PRIu64 " transactions", n, st.bytes_done, st.transactions);
    if (st.end_time != DMASIM_TIME_NEVER && st.bytes_done)
        fprintf(out, ", %" PRIu64 " .. %" PRIu64 " ns", st.start_time / 1000, st.end_time / 1000);
    if (st.status)
        fprintf(out, ", ERROR %s at 0x%" PRIx64, dmasim_err_name(st.status), st.err_addr);
    fprintf(out, "\n");
}

static void summary_i8237(FILE *out, const cli_system *s)
{
    const scn_i8237 *m = s->file->scn->i8237;
    char ch[16];

    fprintf(out, "%-11s 8237A%s%s: %" PRIu64 " bytes in %" PRIu64 " services, %" PRIu64 " handshake cycles\n", m->name,
            m->preset ? " " : "", m->preset ? m->preset : "", stat(s, m->name, "bytes"), stat(s, m->name, "services"),
            stat(s, m->name, "handshake_cycles"));
    for (unsigned c = 0; c < DMASIM_I8237_CHANNELS; c++) {
        char what[32];

        if (!stat(s, m->name, P(what, "ch%u.services", c)))
            continue;
        P(ch, "ch%u", c);
        fprintf(out, "  %-9s %" PRIu64 " bytes, %" PRIu64 " services, %" PRIu64 " tc, %" PRIu64 " service cycles\n", ch,
                stat(s, m->name, P(what, "ch%u.bytes", c)), stat(s, m->name, P(what, "ch%u.services", c)),
                stat(s, m->name, P(what, "ch%u.tc", c)), stat(s, m->name, P(what, "ch%u.service_cycles", c)));
    }
}

static void summary_nic(FILE *out, const cli_system *s, unsigned i)
{
    const scn_device *d = &s->file->scn->devices[i];
    const char *n = d->name;
    const nic_driver *drv = s->devs[i].aux;

    uint64_t arrived = stat(s, n, "arrivals"), rx = stat(s, n, "rx_packets");
    uint64_t dropped = stat(s, n, "rx_dropped_fifo") + stat(s, n, "rx_dropped_ring_full") +
                       stat(s, n, "rx_dropped_too_long");

    fprintf(out, "%-11s nic%s%s: %" PRIu64 " packets arrived, %" PRIu64 " received (%" PRIu64 " bytes), %" PRIu64
                 " dropped (%" PRIu64 " FIFO full, %" PRIu64 " ring full, %" PRIu64 " too long)",
            n, d->preset ? " " : "", d->preset ? d->preset : "", arrived, rx, stat(s, n, "rx_bytes"), dropped,
            stat(s, n, "rx_dropped_fifo"), stat(s, n, "rx_dropped_ring_full"), stat(s, n, "rx_dropped_too_long"));
    if (arrived > rx + dropped) /* the NIC waits for a descriptor with these in its FIFO */
        fprintf(out, ", %" PRIu64 " still in the FIFO", arrived - rx - dropped);
    fprintf(out, "\n");
    if (stat(s, n, "bus_errors"))
        fprintf(out, "  ERROR     %" PRIu64 " bus error(s): receive was disabled (ICR.ERR)\n", stat(s, n, "bus_errors"));
    if (d->ring) {
        fprintf(out, "  ring      %" PRIu32 " descriptors at 0x%" PRIx64 ": %" PRIu64 " fetched, %" PRIu64
                     " written back, %" PRIu64 " found not owned, ",
                d->ring->entries, d->ring->descriptors, stat(s, n, "descriptor_fetches"),
                stat(s, n, "descriptor_writebacks"), stat(s, n, "ring_empty"));
        if (drv)
            fprintf(out, "%" PRIu64 " given back %" PRIu64 " ns after use\n", drv->given_back, drv->recycle_ps / 1000);
        else
            fprintf(out, "none given back\n");
    }
    fprintf(out, "  bus       %" PRIu64 " transactions, %" PRIu64 " bus cycles, %" PRIu64 " errors; FIFO peak %" PRIu64
                 " bytes\n",
            stat(s, n, "bus_transactions"), stat(s, n, "bus_cycles"), stat(s, n, "bus_errors"),
            stat(s, n, "fifo_max_level"));
}

void report_devices(FILE *out, const cli_system *s)
{
    if (s->i8237)
        summary_i8237(out, s);
    for (unsigned i = 0; i < s->ndevs; i++) {
        if (!s->devs[i].ptr)
            continue;
        if (s->devs[i].kind == DMASIM_DEVICE_DISK)
            summary_disk(out, s, i);
        else if (s->devs[i].kind == DMASIM_DEVICE_AUDIO)
            summary_audio(out, s, i);
        else if (s->devs[i].kind == DMASIM_DEVICE_NIC)
            summary_nic(out, s, i);
        else
            summary_busmaster(out, s, i);
    }
}

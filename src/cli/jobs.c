/* DMA jobs: transfers started directly on a channel at a given time (no register writes).
 *
 * Before the run each job's source and destination ranges must be mapped on the bus (first
 * and last byte), and its source is filled as `init_source` says: `pattern` writes bytes from
 * a splitmix64 stream whose state starts at seed ^ ((index + 1) * 0xD1B54A32D192ED03), as
 * little-endian 64-bit words. After the run, `verify` compares destination and source.
 *
 * A scatter-gather job has one source and destination range per descriptor: the stream goes
 * on from one descriptor's source to the next (each starting on a new word), and verify
 * compares each pair. Its chain of 32-byte descriptors (DMASIM_DESC_*, END on the last, each
 * `next` pointing to the following one) is written at sg_base before the run, in no simulated
 * time, as a loader would. A check_only job is filled and verified but never started: it checks
 * bytes that the CPU's script moves (copies, a dma_start, a chain started by register stores).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "devices_cli.h"

#define CHUNK 16384

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The bytes a job reads and writes: the job's own range, or one per descriptor. */
typedef struct job_range {
    dmasim_addr src, dst;
    uint64_t len;
} job_range;

static unsigned job_nranges(const scn_job *j)
{
    return j->descriptors_count ? j->descriptors_count : 1;
}

static job_range job_range_at(const scn_job *j, unsigned k)
{
    job_range r;

    if (j->descriptors_count) {
        r.src = j->descriptors[k].src;
        r.dst = j->descriptors[k].dst;
        r.len = j->descriptors[k].count * j->item_size;
    } else {
        r.src = j->src;
        r.dst = j->dst;
        r.len = j->count * j->item_size;
    }
    return r;
}

/* Write len bytes of the stream at addr (a last partial word drops the rest of the word). */
static int fill_pattern(cli_system *s, uint64_t *state, dmasim_addr addr, uint64_t total)
{
    uint64_t done = 0;
    unsigned char buf[CHUNK];

    while (done < total) {
        size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        size_t k;

        for (k = 0; k < n; k += 8) {
            uint64_t w = splitmix64(state);
            size_t b;

            for (b = 0; b < 8 && k + b < n; b++)
                buf[k + b] = (unsigned char)(w >> (8 * b));
        }
        if (dmasim_mem_write(s->sim, addr + done, buf, n))
            return -1;
        done += n;
    }
    return 0;
}

static int init_source(cli_system *s, const scn_job *j, unsigned index)
{
    uint64_t state = s->file->scn->seed ^ ((uint64_t)(index + 1) * UINT64_C(0xD1B54A32D192ED03));
    char path[48];
    unsigned k;
    int rc = 0;

    for (k = 0; k < job_nranges(j) && !rc; k++) {
        job_range r = job_range_at(j, k);

        if (j->init_source == SCN_INIT_PATTERN)
            rc = fill_pattern(s, &state, r.src, r.len);
        else if (j->init_source == SCN_INIT_ZERO)
            rc = dmasim_mem_fill(s->sim, r.src, 0, (size_t)r.len);
    }
    if (rc) {
        snprintf(path, sizeof(path), "dmac.jobs.%u.init_source", index);
        return scn_error_at(s->file, path, "out of memory while filling the source");
    }
    return 0;
}

/* The first and the last byte of [addr, addr + len) must be mapped. */
static int check_mapped(cli_system *s, unsigned index, const char *key, dmasim_addr addr, uint64_t len)
{
    dmasim_addr last = addr + (len - 1);
    char path[80];

    snprintf(path, sizeof(path), "dmac.jobs.%u.%s", index, key);
    if (last < addr)
        return scn_error_at(s->file, path,
                            "range 0x%" PRIx64 " + 0x%" PRIx64 " wraps past the end of the address space", addr, len);
    if (dmasim_bus_slave_flags(s->bus, addr) < 0 || dmasim_bus_slave_flags(s->bus, last) < 0)
        return scn_error_at(s->file, path,
                            "range 0x%" PRIx64 "..0x%" PRIx64 " is not mapped on the bus (0x%" PRIx64 ")", addr,
                            last, dmasim_bus_slave_flags(s->bus, addr) < 0 ? addr : last);
    return 0;
}

static void job_start(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    cli_job *job = ctx;
    cli_system *s = job->sys;
    const scn_dmac *d = s->file->scn->dmac;
    const scn_job *j = &d->jobs[job->index];
    dmasim_dma_transfer t;
    int rc;

    (void)ev;
    dmasim_dma_transfer_init(&t);
    t.src = j->src;
    t.dst = j->dst;
    t.count = j->count;
    t.sg = j->descriptors_count ? j->sg_base : 0; /* then src, dst, count come from the chain */
    t.item_size = j->item_size;
    t.mode = (dmasim_dma_mode)(j->mode == SCN_MODE_DEFAULT ? d->mode : j->mode);
    t.coherence = (dmasim_dma_coherence)(j->coherence == SCN_MODE_DEFAULT ? d->coherence : j->coherence);
    t.src_step = (dmasim_dma_step)j->src_step;
    t.dst_step = (dmasim_dma_step)j->dst_step;
    t.autoinit = j->autoinit;
    rc = dmasim_dmac_channel_start(s->dmac, j->channel, &t);
    if (rc && !s->job_err) {
        s->job_err = rc;
        s->job_err_index = job->index;
        snprintf(s->job_errmsg, sizeof(s->job_errmsg), "%s (%s)", dmasim_sim_errmsg(sim), dmasim_err_name(rc));
        dmasim_sim_stop(sim);
    }
}

/* Each range of the job mapped (src, dst, or descriptors.K.src and .dst). */
static int check_ranges(cli_system *s, const scn_job *j, unsigned i)
{
    char src[48], dst[48];
    unsigned k;

    for (k = 0; k < job_nranges(j); k++) {
        job_range r = job_range_at(j, k);

        if (j->descriptors_count) {
            snprintf(src, sizeof(src), "descriptors.%u.src", k);
            snprintf(dst, sizeof(dst), "descriptors.%u.dst", k);
        } else {
            snprintf(src, sizeof(src), "src");
            snprintf(dst, sizeof(dst), "dst");
        }
        if (check_mapped(s, i, src, r.src, r.len) || check_mapped(s, i, dst, r.dst, r.len))
            return -1;
    }
    return 0;
}

static int overlaps(dmasim_addr a, uint64_t alen, dmasim_addr b, uint64_t blen)
{
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

static void store_le(unsigned char *p, uint64_t v, int n)
{
    int b;

    for (b = 0; b < n; b++)
        p[b] = (unsigned char)(v >> (8 * b));
}

/* Write the job's descriptor chain at sg_base: mapped, clear of the data it moves. */
static int write_chain(cli_system *s, const scn_job *j, unsigned i)
{
    uint64_t chain = (uint64_t)j->descriptors_count * DMASIM_DESC_SIZE;
    unsigned char d[DMASIM_DESC_SIZE];
    char path[80];
    unsigned k;

    if (!s->dmac_translated && check_mapped(s, i, "sg_base", j->sg_base, chain))
        return -1;
    for (k = 0; k < j->descriptors_count; k++) {
        const scn_desc *e = &j->descriptors[k];
        job_range r = job_range_at(j, k);
        int last = k + 1 == j->descriptors_count;

        if (overlaps(r.src, r.len, j->sg_base, chain) || overlaps(r.dst, r.len, j->sg_base, chain)) {
            snprintf(path, sizeof(path), "dmac.jobs.%u.descriptors.%u.%s", i, k,
                     overlaps(r.src, r.len, j->sg_base, chain) ? "src" : "dst");
            return scn_error_at(s->file, path,
                                "range 0x%" PRIx64 " + 0x%" PRIx64 " overlaps the descriptor chain at 0x%" PRIx64
                                " + 0x%" PRIx64 " (sg_base)",
                                overlaps(r.src, r.len, j->sg_base, chain) ? r.src : r.dst, r.len, j->sg_base, chain);
        }
        memset(d, 0, sizeof(d));
        store_le(d + DMASIM_DESC_SRC, e->src, 8);
        store_le(d + DMASIM_DESC_DST, e->dst, 8);
        store_le(d + DMASIM_DESC_COUNT, e->count, 4);
        store_le(d + DMASIM_DESC_FLAGS, (last ? DMASIM_DESC_END : 0u) | (e->irq ? DMASIM_DESC_IRQ : 0u), 4);
        store_le(d + DMASIM_DESC_NEXT, last ? 0 : j->sg_base + (uint64_t)(k + 1) * DMASIM_DESC_SIZE, 8);
        if (dmasim_mem_write(s->sim, j->sg_base + (uint64_t)k * DMASIM_DESC_SIZE, d, sizeof(d))) {
            snprintf(path, sizeof(path), "dmac.jobs.%u.sg_base", i);
            return scn_error_at(s->file, path, "out of memory while writing the descriptor chain");
        }
    }
    return 0;
}

static int build_job(cli_system *s, unsigned i)
{
    const scn_job *j = &s->file->scn->dmac->jobs[i];
    cli_job *job = &s->jobs[i];
    char path[48];
    int rc;

    /* Behind an IOMMU src and dst are IOVAs: one that is not mapped is a translation fault
     * when the channel reaches it (as on hardware), not a bad scenario. */
    if (!s->dmac_translated && check_ranges(s, j, i))
        return -1;
    if (init_source(s, j, i))
        return -1;
    if (j->descriptors_count && j->sg_base && write_chain(s, j, i))
        return -1;
    job->sys = s;
    job->index = i;
    if (j->check_only)
        return 0; /* nothing to start: the scenario moves the bytes some other way */
    dmasim_event_init(&job->ev, job_start, job);
    rc = dmasim_event_schedule(s->sim, &job->ev, j->start_ps, DMASIM_PRIO_DEFAULT);
    if (rc) {
        snprintf(path, sizeof(path), "dmac.jobs.%u.start_ps", i);
        return scn_error_at(s->file, path, "cannot schedule: %s", dmasim_strerror(rc));
    }
    return 0;
}

int sys_jobs_build(cli_system *s)
{
    const scn_dmac *d = s->file->scn->dmac;
    unsigned i;

    if (!d || d->jobs_count == 0 || (s->flags & BUILD_NO_DMA))
        return 0;
    s->jobs = calloc(d->jobs_count, sizeof(*s->jobs));
    if (!s->jobs) {
        fprintf(stderr, "dmasim: out of memory\n");
        return -1;
    }
    s->njobs = d->jobs_count;
    for (i = 0; i < s->njobs; i++) {
        if (build_job(s, i))
            return -1;
    }
    return 0;
}

/* Compare [dst, dst + len) with [src, src + len); 0 if equal, else 1 and *bad. */
/* Read len bytes at addr: memory, or for a coherent job the coherent view (memory overlaid
 * with the CPU's dirty lines, which a snooping DMA reads and writes around). */
static int read_view(dmasim_sim *sim, const dmasim_cache *coherent, dmasim_addr addr, void *buf, size_t len)
{
    return coherent ? dmasim_cache_read_coherent(coherent, addr, buf, len) : dmasim_mem_read(sim, addr, buf, len);
}

static int compare_ranges(dmasim_sim *sim, const dmasim_cache *coherent, dmasim_addr src, dmasim_addr dst,
                          uint64_t len, dmasim_addr *bad)
{
    unsigned char a[CHUNK], b[CHUNK];
    uint64_t done = 0;

    while (done < len) {
        size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        size_t k;

        if (read_view(sim, coherent, src + done, a, n) || read_view(sim, coherent, dst + done, b, n)) {
            *bad = dst + done; /* reads cannot fail today; treat a failure as a difference */
            return 1;
        }
        if (memcmp(a, b, n) != 0) {
            for (k = 0; a[k] == b[k]; k++)
                ;
            *bad = dst + done + k;
            return 1;
        }
        done += n;
    }
    return 0;
}

/* Each range of the job (each descriptor's) compared; 0 if all are equal, else 1, *bad and
 * *which (the descriptor). */
static int compare_job(dmasim_sim *sim, const dmasim_cache *coherent, const scn_job *j, dmasim_addr *bad,
                       unsigned *which)
{
    unsigned k;

    for (k = 0; k < job_nranges(j); k++) {
        job_range r = job_range_at(j, k);

        *which = k;
        if (compare_ranges(sim, coherent, r.src, r.dst, r.len, bad))
            return 1;
    }
    return 0;
}

int sys_jobs_verify(cli_system *s)
{
    int failed = 0;
    char path[80];
    unsigned i, k;

    for (i = 0; i < s->njobs; i++) {
        const scn_job *j = &s->file->scn->dmac->jobs[i];
        cli_job *job = &s->jobs[i];

        dmasim_dma_channel_status st;
        int coherent = (j->coherence == SCN_MODE_DEFAULT ? s->file->scn->dmac->coherence : j->coherence) !=
                       DMASIM_COHERENCE_NONE;
        const dmasim_cache *view = coherent && s->cpu ? dmasim_cpu_dcache(s->cpu) : NULL;

        if (!j->verify || j->src_step != DMASIM_DMA_INCREMENT || j->dst_step != DMASIM_DMA_INCREMENT)
            continue; /* verification compares two incrementing ranges */
        if (dmasim_dmac_channel_status(s->dmac, j->channel, &st) == 0 && st.error) {
            job->verdict = VERDICT_STOPPED; /* reported with the channel's error, not a mismatch */
            continue;
        }
        if (compare_job(s->sim, view, j, &job->bad_addr, &k)) {
            job->verdict = VERDICT_MISMATCH;
            if (j->descriptors_count)
                snprintf(path, sizeof(path), "dmac.jobs.%u.descriptors.%u.dst", i, k);
            else
                snprintf(path, sizeof(path), "dmac.jobs.%u.dst", i);
            if (!failed)
                scn_error_at(s->file, path, "verification failed: destination differs from source at 0x%" PRIx64,
                             job->bad_addr);
            failed = 1;
        } else {
            job->verdict = VERDICT_OK;
        }
    }
    if (sys_devices_verify(s, !failed))
        failed = 1;
    return failed ? -1 : 0;
}

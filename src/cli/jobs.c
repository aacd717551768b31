/* DMA jobs: transfers started directly on a channel at a given time (no register writes).
 *
 * Before the run each job's source and destination ranges must be mapped on the bus (first
 * and last byte), and its source is filled as `init_source` says: `pattern` writes bytes from
 * a splitmix64 stream whose state starts at seed ^ ((index + 1) * 0xD1B54A32D192ED03), as
 * little-endian 64-bit words. After the run, `verify` compares destination and source.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

#define CHUNK 16384

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t job_bytes(const scn_job *j)
{
    return j->count * j->item_size;
}

static int fill_pattern(cli_system *s, const scn_job *j, unsigned index)
{
    uint64_t state = s->file->scn->seed ^ ((uint64_t)(index + 1) * UINT64_C(0xD1B54A32D192ED03));
    uint64_t total = job_bytes(j), done = 0;
    unsigned char buf[CHUNK];

    while (done < total) {
        size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        size_t k;

        for (k = 0; k < n; k += 8) {
            uint64_t w = splitmix64(&state);
            size_t b;

            for (b = 0; b < 8 && k + b < n; b++)
                buf[k + b] = (unsigned char)(w >> (8 * b));
        }
        if (dmasim_mem_write(s->sim, j->src + done, buf, n))
            return -1;
        done += n;
    }
    return 0;
}

static int init_source(cli_system *s, const scn_job *j, unsigned index)
{
    char path[48];
    int rc = 0;

    if (j->init_source == SCN_INIT_PATTERN)
        rc = fill_pattern(s, j, index);
    else if (j->init_source == SCN_INIT_ZERO)
        rc = dmasim_mem_fill(s->sim, j->src, 0, (size_t)job_bytes(j));
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
    char path[48];

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

static int build_job(cli_system *s, unsigned i)
{
    const scn_job *j = &s->file->scn->dmac->jobs[i];
    cli_job *job = &s->jobs[i];
    char path[48];
    int rc;

    /* Behind an IOMMU src and dst are IOVAs: one that is not mapped is a translation fault
     * when the channel reaches it (as on hardware), not a bad scenario. */
    if (!s->dmac_translated &&
        (check_mapped(s, i, "src", j->src, job_bytes(j)) || check_mapped(s, i, "dst", j->dst, job_bytes(j))))
        return -1;
    if (init_source(s, j, i))
        return -1;
    job->sys = s;
    job->index = i;
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

int sys_jobs_verify(cli_system *s)
{
    int failed = 0;
    char path[48];
    unsigned i;

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
        if (compare_ranges(s->sim, view, j->src, j->dst, job_bytes(j), &job->bad_addr)) {
            job->verdict = VERDICT_MISMATCH;
            snprintf(path, sizeof(path), "dmac.jobs.%u.dst", i);
            if (!failed)
                scn_error_at(s->file, path, "verification failed: destination differs from source at 0x%" PRIx64,
                             job->bad_addr);
            failed = 1;
        } else {
            job->verdict = VERDICT_OK;
        }
    }
    return failed ? -1 : 0;
}

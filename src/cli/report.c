/* The summary of a run, and the numbers compare needs (see report.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devices_cli.h"
#include "report.h"

uint64_t report_stat(const cli_system *s, const char *fmt, ...)
{
    char path[512];
    uint64_t v = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (dmasim_sim_stat_u64(s->sim, path, &v) != 0)
        return 0;
    return v;
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void summary_time(FILE *out, const cli_system *s)
{
    const scenario *scn = s->file->scn;
    dmasim_time now = dmasim_sim_now(s->sim);

    fprintf(out, "scenario    %s (seed %" PRIu64 ", %s path)\n", scn->name, scn->seed,
            scn->reference ? "reference" : "fast");
    fprintf(out, "simulated   %" PRIu64 " ns = %" PRIu64 " bus cycles of %" PRIu64 " ps (%s, %" PRIu32
                 " bytes wide)\n",
            now / 1000, now / dmasim_bus_period(s->bus), dmasim_bus_period(s->bus), dmasim_bus_name(s->bus),
            dmasim_bus_width(s->bus));
}

static const char *const stale_kind_names[] = {"stale read", "stale device read", "lost DMA write"};

/* Coherence with the other masters: costs, and the problems found with their first reports. */
static void summary_coherence(FILE *out, const cli_system *s, dmasim_cache *c)
{
    dmasim_cache_coherence_stats cs;
    size_t i, n = dmasim_cache_stale_report_count(c);

    dmasim_cache_get_coherence_stats(c, &cs);
    if (cs.snoops || cs.maintenance_lines)
        fprintf(out,
                "  coherence %" PRIu64 " snoops (%" PRIu64 " hits, %" PRIu64 " invalidations, %" PRIu64
                " updates), %" PRIu64 " maintenance lines (%" PRIu64 " written back, %" PRIu64 " dirty discarded)\n",
                cs.snoops, cs.snoop_hits, cs.snoop_invalidations, cs.snoop_updates, cs.maintenance_lines,
                cs.maintenance_writebacks, cs.discarded_dirty_lines);
    fprintf(out, "  stale     %" PRIu64 " stale reads, %" PRIu64 " stale device reads, %" PRIu64 " lost DMA writes\n",
            cs.stale_reads, cs.stale_device_reads, cs.lost_dma_writes);
    for (i = 0; i < n; i++) {
        const dmasim_stale_report *r = dmasim_cache_stale_report_at(c, i);
        int trace = s->file->scn->cpu->workload && s->file->scn->cpu->workload->trace;
        fprintf(out, "            %s at %" PRIu64 " ns: 0x%" PRIx64 ", %s ch%" PRIu32 ", CPU %s %" PRIu64 "\n",
                stale_kind_names[r->kind], r->time / 1000, r->addr, dmasim_bus_master_name(s->bus, r->master),
                r->channel, trace ? "trace line" : "op", r->cpu_op);
    }
}

/* What each read_buffer op loaded, against memory at the end of the run: a driver reading a
 * received packet must see exactly the bytes the device wrote. */
static void summary_reads(FILE *out, const cli_system *s)
{
    const scn_workload *w = s->file->scn->cpu->workload;
    size_t len, off = 0;
    const uint8_t *cap = dmasim_cpu_captured(s->cpu, &len);
    unsigned i;

    if (!w)
        return;
    for (i = 0; i < w->script_count; i++) {
        const scn_op *op = &w->script[i];
        uint8_t buf[4096];
        uint64_t differ = 0, first = 0, done;

        if (op->op != DMASIM_OP_READ_BUFFER || off + op->size > len)
            continue;
        for (done = 0; done < op->size; done += sizeof(buf)) {
            size_t n = op->size - done < sizeof(buf) ? (size_t)(op->size - done) : sizeof(buf);
            dmasim_mem_read(s->sim, op->addr + done, buf, n);
            for (size_t k = 0; k < n; k++)
                if (buf[k] != cap[off + done + k] && differ++ == 0)
                    first = op->addr + done + k;
        }
        off += op->size;
        if (differ)
            fprintf(out, "  read      op %u 0x%" PRIx64 " +%" PRIu32 ": %" PRIu64
                         " bytes differ from memory at the end (first at 0x%" PRIx64 ")\n",
                    i, op->addr, op->size, differ, first);
        else
            fprintf(out, "  read      op %u 0x%" PRIx64 " +%" PRIu32 ": equal to memory at the end\n", i, op->addr,
                    op->size);
    }
}

static void summary_dcache(FILE *out, const cli_system *s)
{
    dmasim_cache *c = dmasim_cpu_dcache(s->cpu);
    dmasim_cache_stats st;
    uint64_t accesses, misses;

    if (!c) {
        fprintf(out, "  D1        disabled (every access goes to the bus)\n");
        return;
    }
    dmasim_cache_get_stats(c, &st);
    accesses = st.read_accesses + st.write_accesses;
    misses = st.read_misses + st.write_misses;
    fprintf(out,
            "  D1        %" PRIu64 " accesses, %" PRIu64 " misses (%.2f%%: %" PRIu64 " read, %" PRIu64
            " write), %" PRIu64 " write-backs\n",
            accesses, misses, percent(misses, accesses), st.read_misses, st.write_misses, st.writebacks);
    summary_coherence(out, s, c);
}

static void summary_cpu(FILE *out, const cli_system *s)
{
    const char *name = s->file->scn->cpu->name;
    int m, n = dmasim_bus_master_count(s->bus);

    const scn_workload *w = s->file->scn->cpu->workload;

    fprintf(out, "%-11s %" PRIu64 " cycles", name, dmasim_cpu_cycles(s->cpu));
    if (w && w->trace)
        fprintf(out, ", %" PRIu64 " trace lines (%" PRIu64 " instructions)", report_stat(s, "%s.trace_lines", name),
                report_stat(s, "%s.instructions", name));
    else if (w && w->script_count)
        fprintf(out, ", %u script operations", w->script_count);
    fprintf(out, ", %" PRIu64 " loads, %" PRIu64 " stores, %" PRIu64 " uncached\n", report_stat(s, "%s.loads", name),
            report_stat(s, "%s.stores", name), report_stat(s, "%s.uncached_accesses", name));
    fprintf(out, "  stalls    %" PRIu64 " cycles (%.2f%%):", dmasim_cpu_stall_cycles(s->cpu),
            percent(dmasim_cpu_stall_cycles(s->cpu), dmasim_cpu_cycles(s->cpu)));
    for (m = 0; m < n; m++)
        fprintf(out, "%s %s %" PRIu64, m ? "," : "", dmasim_bus_master_name(s->bus, m),
                dmasim_cpu_stall_cycles_by(s->cpu, m));
    fprintf(out, "\n");
    summary_dcache(out, s);
    summary_reads(out, s);
}

/* "verified", "MISMATCH at 0x...", or "not verified" for the jobs of a channel. */
static void channel_verdict(const cli_system *s, uint32_t ch, char *buf, size_t len)
{
    int ok = 0, jobs = 0;
    unsigned i;

    for (i = 0; i < s->njobs; i++) {
        const cli_job *job = &s->jobs[i];

        if (s->file->scn->dmac->jobs[i].channel != ch)
            continue;
        jobs++;
        if (job->verdict == VERDICT_MISMATCH) {
            snprintf(buf, len, "MISMATCH at 0x%" PRIx64, job->bad_addr);
            return;
        }
        if (job->verdict == VERDICT_STOPPED) {
            snprintf(buf, len, "not verified (the channel stopped with an error)");
            return;
        }
        ok |= job->verdict == VERDICT_OK;
    }
    if (!jobs && sys_device_on_dmac_channel(s, ch)) {
        snprintf(buf, len, "device %s", sys_device_on_dmac_channel(s, ch));
        return;
    }
    snprintf(buf, len, "%s", ok ? "verified" : jobs ? "not verified" : "not verified (started by the CPU)");
}

static void summary_channel(FILE *out, const cli_system *s, uint32_t ch)
{
    const char *name = s->file->scn->dmac->name;
    dmasim_time period = dmasim_bus_period(s->bus);
    uint64_t bytes = report_stat(s, "%s.ch%u.bytes", name, ch);
    uint64_t busy = report_stat(s, "%s.ch%u.busy_cycles", name, ch);
    double mbps = busy ? (double)bytes * 1e6 / ((double)busy * (double)period) : 0.0;
    dmasim_dma_channel_status st;
    char verdict[64];

    if (dmasim_dmac_channel_status(s->dmac, ch, &st) != 0)
        return;
    channel_verdict(s, ch, verdict, sizeof(verdict));
    fprintf(out,
            "  ch%-7u %" PRIu64 " transfer(s), %" PRIu64 " bytes, completed in %" PRIu64 " bus cycles, "
            "%.2f MB/s, %s\n",
            ch, report_stat(s, "%s.ch%u.transfers", name, ch), bytes,
            report_stat(s, "%s.ch%u.completion_cycles", name, ch), mbps, verdict);
    if (st.end_time != DMASIM_TIME_NEVER)
        fprintf(out, "            last transfer: %" PRIu64 " items, %" PRIu64 " .. %" PRIu64 " ns\n", st.items_done,
                st.start_time / 1000, st.end_time / 1000);
    if (report_stat(s, "%s.ch%u.descriptors", name, ch))
        fprintf(out, "            scatter-gather: %" PRIu64 " descriptors, fetched in %" PRIu64 " bus cycles\n",
                report_stat(s, "%s.ch%u.descriptors", name, ch),
                report_stat(s, "%s.ch%u.descriptor_fetch_cycles", name, ch));
    if (st.error)
        fprintf(out, "            ERROR %s at 0x%" PRIx64 "\n", dmasim_err_name(st.err), st.err_addr);
}

static void summary_dmac(FILE *out, const cli_system *s)
{
    const char *name = s->file->scn->dmac->name;
    uint32_t ch, used = sys_channels_used(s);

    fprintf(out, "%-11s %" PRIu64 " units in %" PRIu64 " bus tenure(s)\n", name, report_stat(s, "%s.units", name),
            report_stat(s, "%s.tenures", name));
    for (ch = 0; ch < s->file->scn->dmac->channels; ch++) {
        if ((used >> ch & 1) || report_stat(s, "%s.ch%u.transfers", name, ch))
            summary_channel(out, s, ch);
    }
}

/* "device 1 (dmac0 ch1, domain 1)" */
static void iommu_who(const cli_system *s, uint32_t device, uint32_t domain, char *buf, size_t len)
{
    char name[64], dom[32];

    sys_iommu_device_name(s, device, name, sizeof(name));
    if (domain == DMASIM_IOMMU_NO_DOMAIN)
        snprintf(dom, sizeof(dom), "no domain");
    else
        snprintf(dom, sizeof(dom), "domain %" PRIu32, domain);
    snprintf(buf, len, "device %" PRIu32 " (%s%s%s)", device, name, name[0] ? ", " : "", dom);
}

/* IOTLB and walks, then the faults and the stale-IOTLB uses with their first records. */
static void summary_iommu(FILE *out, const cli_system *s)
{
    const scn_iommu *m = s->file->scn->iommu;
    const scn_dmac *d = s->file->scn->dmac;
    dmasim_iommu_stats st;
    uint64_t lookups;
    char who[128];
    size_t i, n;

    dmasim_iommu_get_stats(s->iommu, &st);
    lookups = st.iotlb_hits + st.iotlb_misses;
    fprintf(out, "%-11s %" PRIu32 " levels, IOTLB %" PRIu32 " entries (%" PRIu32 " ways)", m->name, m->levels,
            m->iotlb_entries, m->iotlb_ways);
    if (s->dmac_translated)
        fprintf(out, ", %s translated (ch0 = device %" PRIu32 ")\n", d->name, d->iommu_device);
    else
        fprintf(out, "%s\n", d ? ", the DMAC bypasses it (dmac.iommu: false)" : "");
    fprintf(out, "  IOTLB     %" PRIu64 " hits, %" PRIu64 " misses (%.2f%%), %" PRIu64 " evictions, %" PRIu64
                 " invalidations\n",
            st.iotlb_hits, st.iotlb_misses, percent(st.iotlb_misses, lookups), st.iotlb_evictions, st.invalidations);
    fprintf(out, "  walks     %" PRIu64 " walks, %" PRIu64 " PTE reads", st.walks, st.walk_reads);
    if (st.passthrough)
        fprintf(out, ", %" PRIu64 " passthrough accesses", st.passthrough);
    fprintf(out, "\n  faults    %" PRIu64 "\n", st.faults);
    n = dmasim_iommu_fault_count(s->iommu);
    for (i = 0; i < n; i++) {
        const dmasim_iommu_fault *r = dmasim_iommu_fault_at(s->iommu, i);

        if (!r)
            break;
        iommu_who(s, r->device, r->domain, who, sizeof(who));
        fprintf(out, "            %s %s at IOVA 0x%" PRIx64 " by %s at %" PRIu64 " ns",
                dmasim_iommu_fault_kind_name(r->kind), r->is_write ? "write" : "read", r->iova, who, r->time / 1000);
        if (r->level)
            fprintf(out, " (level %u PTE at 0x%" PRIx64 ")", r->level, r->pte_addr);
        fprintf(out, "\n");
    }
    fprintf(out, "  stale     %" PRIu64 " stale IOTLB uses\n", st.stale_iotlb_uses);
    n = dmasim_iommu_stale_count(s->iommu);
    for (i = 0; i < n; i++) {
        const dmasim_iommu_stale_use *r = dmasim_iommu_stale_at(s->iommu, i);

        if (!r)
            break;
        iommu_who(s, r->device, r->domain, who, sizeof(who));
        fprintf(out, "            %s at IOVA 0x%" PRIx64 " by %s at %" PRIu64 " ns used physical 0x%" PRIx64 "\n",
                r->is_write ? "write" : "read", r->iova, who, r->time / 1000, r->phys);
    }
}

static void summary_bus(FILE *out, const cli_system *s)
{
    const char *bus = dmasim_bus_name(s->bus);
    uint64_t cycles = report_stat(s, "%s.cycles", bus), owned = 0;
    int m, n = dmasim_bus_master_count(s->bus);

    fprintf(out, "%-11s %-10s %8s %10s %14s %10s\n", bus, "master", "util %", "grants", "wait cycles",
            "max wait");
    for (m = 0; m < n; m++) {
        const char *mn = dmasim_bus_master_name(s->bus, m);
        uint64_t own = report_stat(s, "%s.master.%s.owned_cycles", bus, mn);

        owned += own;
        fprintf(out, "%-11s %-10s %8.2f %10" PRIu64 " %14" PRIu64 " %10" PRIu64 "\n", "", mn,
                percent(own, cycles), report_stat(s, "%s.master.%s.grants", bus, mn),
                report_stat(s, "%s.master.%s.wait_cycles", bus, mn),
                report_stat(s, "%s.master.%s.max_wait_cycles", bus, mn));
    }
    fprintf(out, "%-11s %-10s %8.2f\n", "", "(idle)", percent(cycles > owned ? cycles - owned : 0, cycles));
}

/* Each DRAM memory: requests, row-buffer outcomes, read latency, refreshes (docs/dram.md). */
static void summary_dram(FILE *out, const cli_system *s)
{
    const scenario *scn = s->file->scn;

    for (unsigned i = 0; i < scn->memory_count; i++) {
        const scn_memory *m = &scn->memory[i];
        const char *n = m->name;
        uint64_t reads = report_stat(s, "%s.reads", n), writes = report_stat(s, "%s.writes", n);
        double lat = 0;
        char path[300];

        if (m->kind != SCN_MEM_DRAM)
            continue;
        snprintf(path, sizeof(path), "%s.read_latency_avg", n);
        dmasim_sim_stat_double(s->sim, path, &lat);
        fprintf(out, "%-11s %s%s%" PRIu64 " reads, %" PRIu64 " writes (DRAM bursts)\n", n, m->preset ? m->preset : "",
                m->preset ? ": " : "", reads, writes);
        fprintf(out, "  rows      %" PRIu64 " hits (%.2f%%), %" PRIu64 " misses, %" PRIu64 " conflicts; %" PRIu64
                     " ACT, %" PRIu64 " PRE, %" PRIu64 " REF\n",
                report_stat(s, "%s.row_hits", n), percent(report_stat(s, "%s.row_hits", n), reads + writes),
                report_stat(s, "%s.row_misses", n), report_stat(s, "%s.row_conflicts", n),
                report_stat(s, "%s.activates", n), report_stat(s, "%s.precharges", n),
                report_stat(s, "%s.refreshes", n));
        fprintf(out, "  latency   read avg %.2f, max %" PRIu64 " DRAM cycles\n", lat,
                report_stat(s, "%s.read_latency_max", n));
    }
}

void report_summary(FILE *out, const cli_system *s)
{
    summary_time(out, s);
    if (s->cpu)
        summary_cpu(out, s);
    if (s->dmac)
        summary_dmac(out, s);
    if (s->iommu)
        summary_iommu(out, s);
    report_devices(out, s);
    summary_dram(out, s);
    summary_bus(out, s);
}

/* ---- compare's numbers --------------------------------------------------------------------- */

static void collect_dma(const cli_system *s, report_row *row)
{
    uint32_t ch, used = sys_channels_used(s);
    dmasim_time last_end = 0;

    for (ch = 0; ch < 32; ch++) {
        dmasim_dma_channel_status st;

        if (!(used >> ch & 1) || dmasim_dmac_channel_status(s->dmac, ch, &st) != 0)
            continue;
        if (st.end_time == DMASIM_TIME_NEVER || st.end_time < last_end)
            continue;
        last_end = st.end_time;
        row->has_dma = 1;
        row->dma_cycles = (st.end_time - st.start_time) / dmasim_bus_period(s->bus);
    }
}

void report_collect(const cli_system *s, report_row *row)
{
    const char *bus = dmasim_bus_name(s->bus);
    uint64_t cycles = report_stat(s, "%s.cycles", bus), owned = 0;
    int m;

    memset(row, 0, sizeof(*row));
    if (s->dmac)
        collect_dma(s, row);
    if (s->cpu) {
        row->has_cpu = 1;
        row->cpu_cycles = dmasim_cpu_cycles(s->cpu);
        if (s->dmac)
            row->stall_by_dmac = dmasim_cpu_stall_cycles_by(s->cpu, dmasim_dmac_bus_master(s->dmac));
    }
    row->nmasters = dmasim_bus_master_count(s->bus);
    if (row->nmasters > REPORT_MAX_MASTERS)
        row->nmasters = REPORT_MAX_MASTERS;
    for (m = 0; m < row->nmasters; m++) {
        uint64_t own = report_stat(s, "%s.master.%s.owned_cycles", bus, dmasim_bus_master_name(s->bus, m));

        owned += own;
        row->util[m] = percent(own, cycles);
    }
    row->idle = percent(cycles > owned ? cycles - owned : 0, cycles);
}

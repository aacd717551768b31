/* `dmasim dram`: the DRAM model on its own (docs/dram.md, "Standalone mode").
 *
 *   dmasim dram (--config FILE.yaml | --preset NAME) [--set key=value]...
 *               (--trace FILE | --pattern seq|random --bytes N [--outstanding K]
 *                [--write-percent P] [--seed S])
 *               [--command-trace FILE] [--requests FILE]
 *
 * The trace is DRAMsim3's text format, "0xADDR READ|WRITE CYCLE" per line. The report gives
 * per-request latency statistics and the cycle at which the last request completed.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dram_cfg.h"
#include "dram_cmd.h"

typedef struct dram_opts {
    const char *config, *preset, *trace, *pattern, *cmd_trace, *requests;
    const char **sets;
    size_t nsets;
    uint64_t bytes, outstanding, write_percent, seed;
    int have_bytes;
} dram_opts;

/* Latencies (DRAM cycles) of every completed read, counted per value for exact percentiles. */
enum { LAT_MAX = 1 << 20 };

typedef struct dram_run {
    dmasim_dram *d;
    const dram_opts *o;
    uint64_t burst, capacity;
    uint64_t issued, total, rng;
    uint64_t last_done, reads, writes, lat_min, lat_max, lat_over;
    uint32_t *lat_count;
    FILE *req_out;
    int err;
} dram_run;

static void dram_usage(FILE *out)
{
    fprintf(out,
            "usage: dmasim dram (--config FILE.yaml | --preset NAME) [--set key=value]...\n"
            "                   (--trace FILE | --pattern seq|random --bytes N [--outstanding K]\n"
            "                    [--write-percent P] [--seed S])\n"
            "                   [--command-trace FILE] [--requests FILE]\n"
            "\n"
            "  --config FILE     a DRAM configuration (models/dram/*.yaml)\n"
            "  --preset NAME     a built-in preset: ddr3-1600, ddr4-2400, ddr4-3200, lpddr4-3200\n"
            "  --set key=value   override a configuration key (cl=18, page_policy=closed, ...)\n"
            "  --trace FILE      requests in DRAMsim3's format, '0xADDR READ|WRITE CYCLE' per line\n"
            "  --pattern P       synthetic stream: seq or random (64-byte aligned, seeded)\n"
            "  --bytes N         its size (suffixes KiB, MiB, GiB); one request per DRAM burst\n"
            "  --outstanding K   requests in flight (a new one the cycle one completes); default 16\n"
            "  --write-percent P share of writes, 0..100; default 0\n"
            "  --seed S          random stream seed; default 1\n"
            "  --command-trace F every ACT/PRE/PREA/RD/RDA/WR/WRA/REF with its cycle ('-': stdout)\n"
            "  --requests F      one line per request: id addr R|W arrival done latency outcome\n"
            "\n"
            "Exit status: 0 success, 1 bad configuration or trace, 2 usage error.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dmasim dram: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    dram_usage(stderr);
    return CLI_USAGE;
}

/* "64MiB", "4096", "0x1000", "2GiB", "1K". Returns 0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    uint64_t mul = 1;

    if (errno || end == s || *s == '-')
        return -1;
    if (*end) {
        char u = (char)toupper((unsigned char)*end);
        const char *rest = end + 1;
        if (u == 'K')
            mul = 1ull << 10;
        else if (u == 'M')
            mul = 1ull << 20;
        else if (u == 'G')
            mul = 1ull << 30;
        else
            return -1;
        if (*rest && strcmp(rest, "iB") != 0 && strcmp(rest, "B") != 0 && strcmp(rest, "ib") != 0)
            return -1;
    }
    if (mul > 1 && v > UINT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int parse_num(const char *opt, const char *v, uint64_t *out)
{
    if (parse_size(v, out) == 0)
        return 0;
    fprintf(stderr, "dmasim dram: %s: bad number '%s'\n", opt, v);
    return -1;
}

static int parse_args(int argc, char **argv, dram_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->outstanding = 16;
    o->seed = 1;
    for (int i = 0; i < argc; i++) {
        const char *v;
        int missing = 0;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            dram_usage(stdout);
            return -1;
        }
        if ((v = opt_value(argc, argv, &i, "--set", &missing))) {
            const char **g = realloc(o->sets, (o->nsets + 1) * sizeof(*g));
            if (!g)
                return CLI_FAIL;
            o->sets = g;
            o->sets[o->nsets++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--config", &missing))) {
            o->config = v;
        } else if ((v = opt_value(argc, argv, &i, "--preset", &missing))) {
            o->preset = v;
        } else if ((v = opt_value(argc, argv, &i, "--trace", &missing))) {
            o->trace = v;
        } else if ((v = opt_value(argc, argv, &i, "--pattern", &missing))) {
            o->pattern = v;
        } else if ((v = opt_value(argc, argv, &i, "--command-trace", &missing))) {
            o->cmd_trace = v;
        } else if ((v = opt_value(argc, argv, &i, "--requests", &missing))) {
            o->requests = v;
        } else if ((v = opt_value(argc, argv, &i, "--bytes", &missing))) {
            if (parse_num("--bytes", v, &o->bytes))
                return CLI_USAGE;
            o->have_bytes = 1;
        } else if ((v = opt_value(argc, argv, &i, "--outstanding", &missing))) {
            if (parse_num("--outstanding", v, &o->outstanding))
                return CLI_USAGE;
        } else if ((v = opt_value(argc, argv, &i, "--write-percent", &missing))) {
            if (parse_num("--write-percent", v, &o->write_percent))
                return CLI_USAGE;
        } else if ((v = opt_value(argc, argv, &i, "--seed", &missing))) {
            if (parse_num("--seed", v, &o->seed))
                return CLI_USAGE;
        } else if (missing) {
            return usage_error("option %s needs a value", argv[i]);
        } else {
            return usage_error("unknown argument '%s'", argv[i]);
        }
    }
    if (!o->config == !o->preset)
        return usage_error("%s", "give exactly one of --config FILE and --preset NAME");
    if (!o->trace == !o->pattern)
        return usage_error("%s", "give exactly one of --trace FILE and --pattern seq|random");
    if (o->pattern && strcmp(o->pattern, "seq") != 0 && strcmp(o->pattern, "random") != 0)
        return usage_error("--pattern '%s': expected seq or random", o->pattern);
    if (o->pattern && !o->have_bytes)
        return usage_error("%s", "--pattern needs --bytes N");
    if (o->outstanding < 1 || o->outstanding > 1000000)
        return usage_error("%s", "--outstanding must be 1..1000000");
    if (o->write_percent > 100)
        return usage_error("%s", "--write-percent must be 0..100");
    return CLI_OK;
}

/* ---- requests ---------------------------------------------------------------------------- */

static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Submit the next request of the synthetic stream at cycle t. */
static int issue_synthetic(dram_run *r, uint64_t t)
{
    uint64_t i = r->issued++, a, z = next_random(&r->rng);
    int is_write = (z % 100) < r->o->write_percent;

    if (strcmp(r->o->pattern, "seq") == 0)
        a = (i * r->burst) % r->capacity;
    else
        a = (next_random(&r->rng) % (r->capacity / r->burst)) * r->burst;
    if (dmasim_dram_submit(r->d, a, is_write, t, NULL)) {
        r->err = 1;
        return -1;
    }
    return 0;
}

static const char *const outcome_names[] = {"hit", "miss", "conflict"};

static void on_done(void *ud, const dmasim_dram_request *q)
{
    dram_run *r = ud;
    uint64_t lat = q->done - q->arrival;

    r->last_done = q->done;
    if (q->is_write) {
        r->writes++;
    } else {
        r->reads++;
        if (lat < r->lat_min)
            r->lat_min = lat;
        if (lat > r->lat_max)
            r->lat_max = lat;
        if (lat < LAT_MAX)
            r->lat_count[lat]++;
        else
            r->lat_over++;
    }
    if (r->req_out)
        fprintf(r->req_out, "%" PRIu64 " 0x%" PRIx64 " %c %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n", q->id,
                q->addr, q->is_write ? 'W' : 'R', q->arrival, q->done, lat, outcome_names[q->outcome]);
    if (r->o->pattern && r->issued < r->total && !r->err)
        issue_synthetic(r, q->done);
}

/* One trace line: "0xADDR READ|WRITE CYCLE" (blank lines and '#' comments skipped).
 * Returns 1 (a request), 0 (nothing on the line) or -1 (malformed; why in err). */
static int parse_trace_line(char *line, uint64_t *addr, int *is_write, uint64_t *cycle, char *err, size_t n)
{
    char *p = line, *end;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    char *hash = strchr(p, '#');
    if (hash)
        *hash = '\0';
    char *tok[4];
    int nt = 0;
    for (char *s = strtok(p, " \t\r\n,"); s && nt < 4; s = strtok(NULL, " \t\r\n,"))
        tok[nt++] = s;
    if (nt != 3) {
        snprintf(err, n, "expected '0xADDR READ|WRITE CYCLE', got %d field%s", nt, nt == 1 ? "" : "s");
        return -1;
    }
    errno = 0;
    if (strncmp(tok[0], "0x", 2) != 0 && strncmp(tok[0], "0X", 2) != 0) {
        snprintf(err, n, "address '%s' must be hexadecimal with 0x", tok[0]);
        return -1;
    }
    *addr = strtoull(tok[0], &end, 16);
    if (errno || *end || end == tok[0] + 2) {
        snprintf(err, n, "bad address '%s'", tok[0]);
        return -1;
    }
    for (char *s = tok[1]; *s; s++)
        *s = (char)toupper((unsigned char)*s);
    if (strcmp(tok[1], "READ") == 0)
        *is_write = 0;
    else if (strcmp(tok[1], "WRITE") == 0)
        *is_write = 1;
    else {
        snprintf(err, n, "bad command '%s' (expected READ or WRITE)", tok[1]);
        return -1;
    }
    errno = 0;
    *cycle = strtoull(tok[2], &end, 10);
    if (errno || *end || tok[2][0] == '-' || !isdigit((unsigned char)tok[2][0])) {
        snprintf(err, n, "bad cycle '%s'", tok[2]);
        return -1;
    }
    return 1;
}

static int run_trace(dram_run *r)
{
    FILE *f = fopen(r->o->trace, "r");
    char line[1024], err[256];
    uint64_t lineno = 0, prev = 0;
    int rc = 0;

    if (!f) {
        fprintf(stderr, "%s: %s\n", r->o->trace, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        uint64_t addr, cycle;
        int w, k;

        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "%s:%" PRIu64 ": line longer than %zu characters\n", r->o->trace, lineno, sizeof(line) - 2);
            rc = -1;
            break;
        }
        k = parse_trace_line(line, &addr, &w, &cycle, err, sizeof(err));
        if (k == 0)
            continue;
        if (k < 0) {
            fprintf(stderr, "%s:%" PRIu64 ": %s\n", r->o->trace, lineno, err);
            rc = -1;
            break;
        }
        if (cycle < prev) {
            fprintf(stderr, "%s:%" PRIu64 ": cycle %" PRIu64 " is before the previous request's cycle %" PRIu64 "\n",
                    r->o->trace, lineno, cycle, prev);
            rc = -1;
            break;
        }
        prev = cycle;
        if (dmasim_dram_run(r->d, cycle) || dmasim_dram_submit(r->d, addr, w, cycle, NULL)) {
            rc = -1;
            break;
        }
        r->issued++;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "%s: read error\n", r->o->trace);
        rc = -1;
    }
    fclose(f);
    return rc;
}

/* ---- report ------------------------------------------------------------------------------- */

static uint64_t percentile(const dram_run *r, double p)
{
    uint64_t n = r->reads, want = (uint64_t)(p * (double)n + 0.5), seen = 0;

    if (want < 1)
        want = 1;
    for (uint64_t l = 0; l < LAT_MAX; l++) {
        seen += r->lat_count[l];
        if (seen >= want)
            return l;
    }
    return r->lat_max;
}

static void report(const dram_run *r, const dmasim_dram_config *c, const char *what)
{
    dmasim_dram_stats st;

    dmasim_dram_get_stats(r->d, &st);
    uint64_t reqs = st.reads + st.writes;
    printf("dram        %s\n", what);
    if (c->source)
        printf("source      %s\n", c->source);
    printf("device      %u channel(s) x %u rank(s) x %u bank group(s) x %u banks, %u rows x %u columns x %u bits, "
           "BL%u, %.3g GiB\n",
           c->channels, c->ranks, c->bankgroups, c->banks_per_group, c->rows, c->columns, c->bus_width,
           c->burst_length, (double)dmasim_dram_capacity(c) / (double)(1ull << 30));
    printf("timing      tCK %u ps, CL-tRCD-tRP %u-%u-%u, tRAS %u, tRC %u, tRFC %u, tREFI %u%s; controller delay %u; "
           "%s page, %s, queue %u\n",
           c->tck_ps, c->cl, c->trcd, c->trp, c->tras, c->trc, c->trfc, c->trefi, c->refresh ? "" : " (refresh off)",
           c->controller_delay, c->page_policy == DMASIM_DRAM_OPEN_PAGE ? "open" : "closed",
           c->scheduler == DMASIM_DRAM_FRFCFS ? "frfcfs" : "fcfs", c->queue_depth);
    printf("requests    %" PRIu64 " (reads %" PRIu64 ", writes %" PRIu64 ")\n", reqs, st.reads, st.writes);
    printf("last done   cycle %" PRIu64 " (%.3f us)\n", r->last_done,
           (double)r->last_done * (double)c->tck_ps / 1e6);
    if (reqs)
        printf("row buffer  hits %" PRIu64 " (%.1f %%), misses %" PRIu64 ", conflicts %" PRIu64 "\n", st.row_hits,
               100.0 * (double)st.row_hits / (double)reqs, st.row_misses, st.row_conflicts);
    printf("commands    ACT %" PRIu64 ", PRE %" PRIu64 " (with PREA and auto-precharge), REF %" PRIu64 "\n",
           st.activates, st.precharges, st.refreshes);
    if (st.reads) {
        printf("read lat    avg %.2f, min %" PRIu64 ", p50 %" PRIu64 ", p90 %" PRIu64 ", p99 %" PRIu64
               ", max %" PRIu64 " (cycles)\n",
               st.read_latency_avg, r->lat_min, percentile(r, 0.5), percentile(r, 0.9), percentile(r, 0.99),
               r->lat_max);
        printf("histogram  ");
        for (uint32_t i = 0; i < st.hist_bins; i++) {
            if (!st.hist[i])
                continue;
            uint64_t lo = (uint64_t)i * st.hist_bin_cycles;
            if (i + 1 == st.hist_bins)
                printf(" [%" PRIu64 ",inf) %" PRIu64, lo, st.hist[i]);
            else
                printf(" [%" PRIu64 ",%" PRIu64 ") %" PRIu64, lo, lo + st.hist_bin_cycles, st.hist[i]);
        }
        printf("\n");
    }
    if (st.writes)
        printf("write lat   avg %.2f (cycles)\n", st.write_latency_avg);
    printf("bandwidth   %.2f GB/s of %.2f GB/s peak (%.1f %%)\n", st.bandwidth_gbs, st.peak_bandwidth_gbs,
           st.bandwidth_pct);
}

int cli_dram(int argc, char **argv)
{
    dram_opts o;
    scn_dram sd;
    dmasim_dram_config cfg;
    dmasim_sim *sim = NULL;
    FILE *cmd_out = NULL;
    dram_run r;
    int rc = parse_args(argc, argv, &o);

    memset(&r, 0, sizeof(r));
    memset(&sd, 0, sizeof(sd));
    if (rc != CLI_OK) {
        free(o.sets);
        return rc < 0 ? CLI_OK : rc;
    }
    rc = CLI_FAIL;
    if ((o.config ? cli_dram_load_file(o.config, o.sets, o.nsets, &sd, &cfg)
                  : cli_dram_load_preset(o.preset, o.sets, o.nsets, &sd, &cfg)) != 0)
        goto out;
    if (dmasim_sim_create(NULL, &sim) || dmasim_dram_create_standalone(sim, &cfg, &r.d)) {
        fprintf(stderr, "dmasim dram: %s\n", sim ? dmasim_sim_errmsg(sim) : "out of memory");
        goto out;
    }
    r.o = &o;
    r.burst = (uint64_t)cfg.bus_width / 8 * cfg.burst_length;
    r.capacity = dmasim_dram_capacity(&cfg);
    r.rng = o.seed;
    r.lat_min = UINT64_MAX;
    r.lat_count = calloc(LAT_MAX, sizeof(*r.lat_count));
    if (!r.lat_count)
        goto out;
    if (o.requests && !(r.req_out = strcmp(o.requests, "-") == 0 ? stdout : fopen(o.requests, "w"))) {
        fprintf(stderr, "%s: %s\n", o.requests, strerror(errno));
        goto out;
    }
    if (o.cmd_trace) {
        cmd_out = strcmp(o.cmd_trace, "-") == 0 ? stdout : fopen(o.cmd_trace, "w");
        if (!cmd_out) {
            fprintf(stderr, "%s: %s\n", o.cmd_trace, strerror(errno));
            goto out;
        }
        dmasim_dram_on_command(r.d, cli_dram_print_command, cmd_out);
    }
    dmasim_dram_on_complete(r.d, on_done, &r);
    if (o.trace) {
        if (run_trace(&r))
            goto out;
    } else {
        r.total = (o.bytes + r.burst - 1) / r.burst;
        for (uint64_t i = 0; i < o.outstanding && i < r.total; i++)
            if (issue_synthetic(&r, 0))
                break;
    }
    if (r.err || dmasim_dram_drain(r.d)) {
        fprintf(stderr, "dmasim dram: %s\n", dmasim_sim_errmsg(sim));
        goto out;
    }
    if (cmd_out)
        fflush(cmd_out);
    if (r.req_out)
        fflush(r.req_out);
    {
        char what[600];
        if (o.config)
            snprintf(what, sizeof(what), "%s%s%s", o.config, sd.preset ? ", preset " : "", sd.preset ? sd.preset : "");
        else
            snprintf(what, sizeof(what), "preset %s", o.preset);
        if (o.trace)
            snprintf(what + strlen(what), sizeof(what) - strlen(what), "; trace %s", o.trace);
        else
            snprintf(what + strlen(what), sizeof(what) - strlen(what),
                     "; %s stream of %" PRIu64 " bytes, %" PRIu64 " outstanding, %" PRIu64 " %% writes, seed %" PRIu64,
                     o.pattern, o.bytes, o.outstanding, o.write_percent, o.seed);
        report(&r, &cfg, what);
    }
    rc = CLI_OK;
out:
    if (cmd_out && cmd_out != stdout)
        fclose(cmd_out);
    if (r.req_out && r.req_out != stdout)
        fclose(r.req_out);
    free(r.lat_count);
    dmasim_sim_destroy(sim);
    scn_dram_free_strings(&sd);
    free(o.sets);
    return rc;
}

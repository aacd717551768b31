/* Trace writers (include/dmasim/trace.h): the VCD of every signal and the transaction timeline.
 *
 * One small system: bus0 (10 ns, 8 bytes, 1 arbitration cycle, 1 address cycle), an SRAM with
 * 1 wait state per beat, a scripted CPU (master 0) and a DMAC (master 1, priority 0). A test
 * bench starts channel 0 (4 items of 8 bytes, burst) at T0 = 12345 ps while the CPU computes;
 * the CPU then waits for its interrupt, programs channel 1 through the registers, loads, waits
 * again and reads the copy. Expected times of channel 0 come from the timing rules
 * (docs/timing.md), computed below, never from an earlier run. The written files are parsed
 * back here (a small VCD reader); test/cli_trace.sh checks the syntax with GTKWave's vcd2fst
 * and Python's JSON parser. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "dmasim/dmasim.h"
#include "dmasim/trace.h"

#define P 10000u              /* bus period, ps */
#define REG_BASE 0xF0000000ull
#define T0 12345u             /* channel 0 starts (a test-bench event) */
#define CH0_SRC 0x1000u
#define CH0_DST 0x8000u
#define CH0_ITEMS 4u
#define COMPUTE_CYCLES 200u   /* CPU cycles before its first dma_wait (CPU period P / 4) */

/* ---- the system -------------------------------------------------------------------------- */

typedef struct sys {
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_cpu *cpu;
    dmasim_dmac *dmac;
    dmasim_event start_ev;
} sys;

static void start_ch0(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    sys *s = ctx;
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = CH0_SRC;
    t.dst = CH0_DST;
    t.count = CH0_ITEMS;
    t.item_size = 8;
    t.mode = DMASIM_DMA_BURST;
    ck_assert_int_eq(dmasim_dmac_channel_start(s->dmac, 0, &t), 0);
}

/* Build the system; ch1_mode is the mode of the CPU's channel-1 transfer. */
static void sys_build(sys *s, int reference, dmasim_dma_mode ch1_mode)
{
    memset(s, 0, sizeof *s);
    dmasim_sim_config sc;
    dmasim_sim_config_init(&sc);
    sc.reference = reference;
    ck_assert_int_eq(dmasim_sim_create(&sc, &s->sim), 0);
    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc); /* bus0: 10 ns, 8 bytes, 1 arbitration and 1 address cycle */
    ck_assert_int_eq(dmasim_bus_create(s->sim, &bc, &s->bus), 0);
    dmasim_sram_config mc;
    dmasim_sram_config_init(&mc);
    mc.size = 1u << 20;
    mc.wait_states = 1;
    ck_assert_int_eq(dmasim_sram_create(s->bus, &mc), 0);
    ck_assert_int_eq(dmasim_cpu_create(s->bus, NULL, &s->cpu), 0); /* cpu0, ratio 4, priority 1 */
    ck_assert_int_eq(dmasim_dmac_create(s->bus, NULL, &s->dmac), 0); /* dmac0, 4 channels */
    ck_assert_int_eq(dmasim_cpu_set_irq(s->cpu, dmasim_dmac_irq(s->dmac)), 0);
    for (uint32_t i = 0; i < 16; i++) /* some source bytes */
        ck_assert_int_eq(dmasim_mem_fill(s->sim, 0x2000 + 8 * i, (uint8_t)(i + 1), 8), 0);
    dmasim_cpu_op ops[] = {
        {.kind = DMASIM_OP_COMPUTE, .a = COMPUTE_CYCLES},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REG_BASE, .channel = 0},
        {.kind = DMASIM_OP_DMA_START, .a = REG_BASE, .b = 0x2000, .c = 0x9000, .d = 16, .channel = 1,
         .item_size = 8, .mode = (uint32_t)ch1_mode},
        {.kind = DMASIM_OP_LOAD, .a = 0x40000, .b = 8},
        {.kind = DMASIM_OP_DMA_WAIT, .a = REG_BASE, .channel = 1},
        {.kind = DMASIM_OP_LOAD, .a = 0x9000, .b = 8},
    };
    ck_assert_int_eq(dmasim_cpu_run_script(s->cpu, ops, sizeof ops / sizeof ops[0]), 0);
    dmasim_event_init(&s->start_ev, start_ch0, s);
    ck_assert_int_eq(dmasim_event_schedule(s->sim, &s->start_ev, T0, DMASIM_PRIO_DEFAULT), 0);
}

static void sys_run(sys *s)
{
    ck_assert_int_eq(dmasim_sim_run(s->sim), 0);
    ck_assert(dmasim_cpu_finished(s->cpu));
    ck_assert(!dmasim_dmac_busy(s->dmac));
}

/* Build, trace to vcd_path and/or tl_path (NULL: not), run, close. The sim stays for checks. */
static void traced_run(sys *s, int reference, dmasim_dma_mode mode, const char *vcd_path, const char *tl_path)
{
    sys_build(s, reference, mode);
    dmasim_trace_vcd *vcd = NULL;
    dmasim_trace_timeline *tl = NULL;
    if (vcd_path) {
        ck_assert_int_eq(dmasim_trace_vcd_open(s->sim, vcd_path, &vcd), 0);
        ck_assert_int_eq(dmasim_trace_vcd_add_bus(vcd, s->bus), 0);
    }
    if (tl_path) {
        ck_assert_int_eq(dmasim_trace_timeline_open(s->sim, tl_path, &tl), 0);
        ck_assert_int_eq(dmasim_trace_timeline_add_bus(tl, s->bus), 0);
    }
    sys_run(s);
    if (vcd)
        ck_assert_int_eq(dmasim_trace_vcd_close(vcd), 0);
    if (tl)
        ck_assert_int_eq(dmasim_trace_timeline_close(tl), 0);
}

static uint64_t stat(dmasim_sim *sim, const char *path)
{
    uint64_t v = 0;
    ck_assert_msg(dmasim_sim_stat_u64(sim, path, &v) == 0, "no statistic %s", path);
    return v;
}

/* ---- files ------------------------------------------------------------------------------- */

/* The whole file (gzread reads gzip and plain alike); *len set. */
static char *slurp(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    ck_assert_msg(gz != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    int r;
    while ((r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            ck_assert(buf != NULL);
        }
    }
    ck_assert_int_eq(r, 0);
    gzclose(gz);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- a small VCD reader ----------------------------------------------------------------- */

typedef struct vvar {
    char name[200]; /* full dotted name, from the scopes */
    char code[8];
    unsigned width;
} vvar;

typedef struct vchange {
    dmasim_time t;
    int var;
    uint64_t value;
} vchange;

typedef struct vcd_file {
    vvar vars[256];
    int nvars;
    vchange *ch;
    size_t nch;
    int has_timescale_ps, has_dumpvars;
} vcd_file;

static int var_by_code(const vcd_file *f, const char *code)
{
    for (int i = 0; i < f->nvars; i++)
        if (strcmp(f->vars[i].code, code) == 0)
            return i;
    ck_abort_msg("VCD: undeclared identifier code '%s'", code);
    return -1;
}

static int var_by_name(const vcd_file *f, const char *name)
{
    for (int i = 0; i < f->nvars; i++)
        if (strcmp(f->vars[i].name, name) == 0)
            return i;
    ck_abort_msg("VCD: no variable %s", name);
    return -1;
}

/* Parse text (modified in place). Checks: declarations before $enddefinitions, timestamps
 * strictly increasing, every change names a declared code and fits its width. */
static void vcd_parse(char *text, vcd_file *f)
{
    memset(f, 0, sizeof *f);
    char scope[96] = "";
    int defs = 1, have_t = 0;
    dmasim_time t = 0;
    size_t cap = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char a[96], b[96], c[96], d[96];
        unsigned w;
        if (defs) {
            if (sscanf(line, "$scope module %95s $end", a) == 1) {
                if (scope[0])
                    strcat(scope, ".");
                strcat(scope, a);
            } else if (strcmp(line, "$upscope $end") == 0) {
                char *dot = strrchr(scope, '.');
                ck_assert_msg(scope[0], "VCD: $upscope at the top");
                *(dot ? dot : scope) = '\0';
            } else if (sscanf(line, "$var wire %u %7s %95s %95s", &w, b, c, d) == 4) {
                ck_assert_str_eq(d, "$end");
                ck_assert_int_lt(f->nvars, 256);
                vvar *v = &f->vars[f->nvars++];
                snprintf(v->name, sizeof v->name, "%s%s%s", scope, scope[0] ? "." : "", c);
                strcpy(v->code, b);
                v->width = w;
            } else if (strcmp(line, "$timescale 1ps $end") == 0) {
                f->has_timescale_ps = 1;
            } else if (strcmp(line, "$enddefinitions $end") == 0) {
                ck_assert_msg(!scope[0], "VCD: unclosed $scope %s", scope);
                defs = 0;
            } else {
                ck_assert_msg(strncmp(line, "$version ", 9) == 0 || strncmp(line, "$comment ", 9) == 0,
                              "VCD: unexpected header line '%s'", line);
            }
            continue;
        }
        if (line[0] == '#') {
            dmasim_time nt = strtoull(line + 1, NULL, 10);
            ck_assert_msg(!have_t || nt > t, "VCD: timestamp #%llu after #%llu", (unsigned long long)nt,
                          (unsigned long long)t);
            t = nt;
            have_t = 1;
            continue;
        }
        if (strcmp(line, "$dumpvars") == 0) {
            f->has_dumpvars = 1;
            continue;
        }
        if (strcmp(line, "$end") == 0)
            continue;
        ck_assert_msg(have_t, "VCD: a change before the first timestamp");
        vchange x = {t, 0, 0};
        if (line[0] == 'b') {
            ck_assert_int_eq(sscanf(line + 1, "%95s %7s", a, b), 2);
            x.var = var_by_code(f, b);
            ck_assert_msg(strlen(a) <= f->vars[x.var].width, "VCD: '%s' wider than its var", line);
            for (const char *p = a; *p; p++) {
                ck_assert_msg(*p == '0' || *p == '1', "VCD: bad binary value '%s'", line);
                x.value = x.value << 1 | (uint64_t)(*p - '0');
            }
        } else {
            ck_assert_msg(line[0] == '0' || line[0] == '1', "VCD: bad change line '%s'", line);
            x.var = var_by_code(f, line + 1);
            ck_assert_int_eq(f->vars[x.var].width, 1);
            x.value = (uint64_t)(line[0] - '0');
        }
        if (f->nch == cap) {
            cap = cap ? 2 * cap : 1024;
            f->ch = realloc(f->ch, cap * sizeof *f->ch);
            ck_assert(f->ch != NULL);
        }
        f->ch[f->nch++] = x;
    }
    ck_assert_msg(!defs, "VCD: no $enddefinitions");
}

static void vcd_load(const char *path, vcd_file *f)
{
    size_t len;
    char *text = slurp(path, &len);
    vcd_parse(text, f);
    free(text);
}

/* The first time at or after `after` when `name` changes to `value` (DMASIM_TIME_NEVER: none). */
static dmasim_time vcd_when(const vcd_file *f, const char *name, uint64_t value, dmasim_time after)
{
    int v = var_by_name(f, name);
    for (size_t i = 0; i < f->nch; i++)
        if (f->ch[i].var == v && f->ch[i].t >= after && f->ch[i].value == value && (i >= (size_t)f->nvars))
            return f->ch[i].t;
    return DMASIM_TIME_NEVER;
}

/* The value of `name` once every change at or before t is applied. */
static uint64_t vcd_value_at(const vcd_file *f, const char *name, dmasim_time t)
{
    int v = var_by_name(f, name);
    uint64_t x = 0;
    for (size_t i = 0; i < f->nch && f->ch[i].t <= t; i++)
        if (f->ch[i].var == v)
            x = f->ch[i].value;
    return x;
}

/* Number of changes of `name` after $dumpvars. */
static size_t vcd_changes(const vcd_file *f, const char *name)
{
    int v = var_by_name(f, name);
    size_t n = 0;
    for (size_t i = (size_t)f->nvars; i < f->nch; i++)
        n += f->ch[i].var == v;
    return n;
}

/* ps as the timeline writes microseconds: the shortest exact decimal ("0.27", "2", "0.012345"). */
static const char *us(char buf[32], dmasim_time ps)
{
    snprintf(buf, 32, "%.6f", (double)ps / 1e6);
    char *e = buf + strlen(buf);
    while (e[-1] == '0')
        *--e = '\0';
    if (e[-1] == '.')
        e[-1] = '\0';
    return buf;
}

/* The event lines of a timeline (separating commas removed), sorted; *n set. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static char **event_lines(char *json, size_t *n)
{
    size_t cap = 1024;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    for (char *line = strtok(json, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] != '{' || strncmp(line, "{\"displayTimeUnit\"", 18) == 0)
            continue;
        size_t l = strlen(line);
        if (line[l - 1] == ',')
            line[l - 1] = '\0';
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = line;
    }
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

/* ======================================================================================= */
/* VCD                                                                                      */
/* ======================================================================================= */

START_TEST(test_vcd_header_has_a_scope_per_component_and_a_var_per_signal)
{
    sys s;
    traced_run(&s, 0, DMASIM_DMA_BURST, "hdr.vcd", NULL);
    size_t len;
    char *text = slurp("hdr.vcd", &len);
    ck_assert(strstr(text, "$timescale 1ps $end\n") != NULL);
    ck_assert(strstr(text, "$scope module dmac0 $end\n") != NULL);
    ck_assert(strstr(text, "$scope module bus0 $end\n") != NULL);
    ck_assert(strstr(text, "$comment bus0 masters: 1=cpu0 2=dmac0") != NULL);
    ck_assert_ptr_null(strstr(text, "$date")); /* nothing that changes from run to run */
    /* ch0 nests inside dmac0, after dmac0's own pins */
    const char *dm = strstr(text, "$scope module dmac0 $end\n"), *ch0 = strstr(text, "$scope module ch0 $end\n");
    ck_assert(ch0 != NULL && ch0 > dm && strstr(dm, " irq $end\n") < ch0);
    /* the last timestamp is the time of the close: the end of the run */
    char last[32];
    snprintf(last, sizeof last, "\n#%llu\n", (unsigned long long)dmasim_sim_now(s.sim));
    const char *lt = strstr(text, last);
    ck_assert(lt != NULL && strchr(lt + 2, '#') == NULL);
    ck_assert(strstr(text, "$enddefinitions $end\n#0\n$dumpvars\n") != NULL);
    vcd_file f;
    vcd_parse(text, &f);
    ck_assert(f.has_timescale_ps && f.has_dumpvars);
    /* every signal of the simulation, with its width, plus the two bus wires */
    size_t n = dmasim_sim_signal_count(s.sim);
    ck_assert_int_eq(f.nvars, (int)n + 2);
    for (size_t i = 0; i < n; i++) {
        dmasim_signal *sig = dmasim_sim_signal_at(s.sim, i);
        const vvar *v = &f.vars[var_by_name(&f, dmasim_signal_name(sig))];
        ck_assert_uint_eq(v->width, dmasim_signal_width(sig));
        ck_assert_uint_eq(vcd_value_at(&f, v->name, DMASIM_TIME_NEVER - 1), dmasim_signal_value(sig));
    }
    ck_assert_uint_eq(f.vars[var_by_name(&f, "bus0.addr")].width, 64);
    ck_assert_uint_eq(f.vars[var_by_name(&f, "bus0.txn_master")].width, 8);
    var_by_name(&f, "dmac0.ch3.busy");
    /* identifier codes are short and distinct */
    for (int i = 0; i < f.nvars; i++) {
        ck_assert_uint_le(strlen(f.vars[i].code), 2);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(f.vars[i].code, f.vars[j].code);
    }
    /* $dumpvars at 0 gives every variable its initial value (all 0 here) */
    int dumped[64] = {0};
    for (int i = 0; i < f.nvars; i++) {
        ck_assert_uint_eq(f.ch[i].t, 0);
        ck_assert_uint_eq(f.ch[i].value, 0);
        dumped[f.ch[i].var]++;
    }
    for (int i = 0; i < f.nvars; i++)
        ck_assert_int_eq(dumped[i], 1);
    free(text);
    free(f.ch);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Channel 0 by the rules: the request (HRQ) at T0; the grant at the first bus edge at or after
 * T0 (bus0.owner = DMAC index + 1); HLDA and the first address phase one arbitration cycle
 * later; each unit a read and a write of 1 address cycle + 1 beat + 1 wait state; the release,
 * HRQ/HLDA down, the interrupt and owner 0 (the CPU is computing) at the end of the last write. */
static void check_channel0(const vcd_file *f, const sys *s)
{
    const dmasim_time grant = (T0 + P - 1) / P * P;     /* 20000 */
    const dmasim_time first = grant + 1 * P;            /* 30000 */
    const dmasim_time txn = (1 + 1 + 1) * P;            /* address, beat, wait state */
    const dmasim_time end = first + CH0_ITEMS * 2 * txn; /* 270000 */
    dmasim_dma_channel_status st;
    ck_assert_int_eq(dmasim_dmac_channel_status(s->dmac, 0, &st), 0);
    ck_assert_uint_eq(st.start_time, T0);
    ck_assert_uint_eq(st.end_time, end);

    ck_assert_uint_eq(vcd_when(f, "dmac0.hrq", 1, 0), T0);
    ck_assert_uint_eq(vcd_when(f, "dmac0.ch0.busy", 1, 0), T0);
    ck_assert_uint_eq(vcd_when(f, "bus0.owner", 2, 0), grant);
    ck_assert_uint_eq(vcd_when(f, "dmac0.hlda", 1, 0), first);
    /* the transactions: address and master at each start */
    for (uint32_t u = 0; u < CH0_ITEMS; u++) {
        dmasim_time rd = first + 2 * u * txn, wr = rd + txn;
        ck_assert_uint_eq(vcd_value_at(f, "bus0.addr", rd), CH0_SRC + 8 * u);
        ck_assert_uint_eq(vcd_value_at(f, "bus0.addr", wr), CH0_DST + 8 * u);
        ck_assert_uint_eq(vcd_value_at(f, "bus0.txn_master", rd), 2);
        ck_assert_uint_eq(vcd_value_at(f, "bus0.txn_master", wr + txn - 1), 2);
    }
    ck_assert_uint_eq(vcd_value_at(f, "bus0.txn_master", first - 1), 0);
    /* the end of the channel: the irq edge at its end_time */
    ck_assert_uint_eq(vcd_when(f, "dmac0.irq", 1, 0), st.end_time);
    ck_assert_uint_eq(vcd_when(f, "dmac0.ch0.busy", 0, T0), end);
    ck_assert_uint_eq(vcd_when(f, "dmac0.hrq", 0, T0), end);
    ck_assert_uint_eq(vcd_when(f, "dmac0.hlda", 0, first), end);
    ck_assert_uint_eq(vcd_when(f, "bus0.owner", 0, grant), end);
    ck_assert_uint_eq(vcd_when(f, "bus0.txn_master", 0, first), end);
}

START_TEST(test_vcd_pins_follow_the_timing_rules)
{
    for (int reference = 0; reference <= 1; reference++) {
        sys s;
        traced_run(&s, reference, DMASIM_DMA_CYCLE_STEALING, "rules.vcd", NULL);
        vcd_file f;
        vcd_load("rules.vcd", &f);
        check_channel0(&f, &s);
        /* the CPU computes COMPUTE_CYCLES (4 per bus cycle) before it touches the bus: its first
         * tenure (reading STATUS in dma_wait) starts at the edge at or after that */
        const dmasim_time cpu_t = COMPUTE_CYCLES * (P / 4);
        ck_assert_uint_eq(vcd_when(&f, "bus0.owner", 1, 0), (cpu_t + P - 1) / P * P);
        /* dma_wait writes STATUS back: the interrupt falls before channel 1 is programmed */
        dmasim_dma_channel_status st1;
        ck_assert_int_eq(dmasim_dmac_channel_status(s.dmac, 1, &st1), 0);
        dmasim_time irq_low = vcd_when(&f, "dmac0.irq", 0, cpu_t);
        ck_assert_uint_lt(irq_low, st1.start_time);
        /* channel 1 (programmed through the registers): HRQ rises when it starts (the CTRL
         * write's data time), the interrupt when it ends */
        ck_assert_uint_eq(vcd_when(&f, "dmac0.hrq", 1, cpu_t), st1.start_time);
        ck_assert_uint_eq(vcd_when(&f, "dmac0.ch1.busy", 1, 0), st1.start_time);
        ck_assert_uint_eq(vcd_when(&f, "dmac0.irq", 1, irq_low), st1.end_time);
        ck_assert_uint_eq(vcd_when(&f, "dmac0.ch1.busy", 0, st1.start_time), st1.end_time);
        /* cycle stealing gives the bus back after every unit and wins it again one arbitration
         * cycle later: HLDA rises once per unit of channel 1 (and once for channel 0's burst) */
        ck_assert_uint_eq(vcd_changes(&f, "dmac0.hlda"), 2 * (1 + 16));
        /* every transaction shows its master: the DMAC's 2 per unit and the CPU's */
        ck_assert_uint_ge(vcd_changes(&f, "bus0.addr"), 2 * (CH0_ITEMS + 16) - 1);
        free(f.ch);
        dmasim_sim_destroy(s.sim);
    }
}
END_TEST

START_TEST(test_vcd_same_bytes_on_fast_and_reference_paths)
{
    static const dmasim_dma_mode modes[] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING, DMASIM_DMA_TRANSPARENT};
    for (size_t m = 0; m < 3; m++) {
        sys fast, ref;
        traced_run(&fast, 0, modes[m], "fast.vcd", NULL);
        traced_run(&ref, 1, modes[m], "ref.vcd", NULL);
        ck_assert_msg(same_file("fast.vcd", "ref.vcd"), "mode %s: the fast path's VCD differs",
                      dmasim_dma_mode_name(modes[m]));
        ck_assert_uint_eq(stat(fast.sim, "bus0.transactions"), stat(ref.sim, "bus0.transactions"));
        dmasim_sim_destroy(fast.sim);
        dmasim_sim_destroy(ref.sim);
    }
}
END_TEST

START_TEST(test_vcd_same_bytes_across_runs)
{
    sys a, b;
    traced_run(&a, 0, DMASIM_DMA_TRANSPARENT, "run1.vcd", NULL);
    traced_run(&b, 0, DMASIM_DMA_TRANSPARENT, "run2.vcd", NULL);
    ck_assert(same_file("run1.vcd", "run2.vcd"));
    dmasim_sim_destroy(a.sim);
    dmasim_sim_destroy(b.sim);
}
END_TEST

START_TEST(test_vcd_gzip_decompresses_to_the_plain_bytes)
{
    sys a, b;
    traced_run(&a, 0, DMASIM_DMA_BURST, "plain.vcd", NULL);
    traced_run(&b, 0, DMASIM_DMA_BURST, "packed.vcd.gz", NULL);
    /* the .gz file is gzip (magic 1f 8b), the other not; both read back the same */
    unsigned char magic[2] = {0, 0};
    FILE *fp = fopen("packed.vcd.gz", "rb");
    ck_assert(fp && fread(magic, 1, 2, fp) == 2);
    fclose(fp);
    ck_assert(magic[0] == 0x1f && magic[1] == 0x8b);
    fp = fopen("plain.vcd", "rb");
    ck_assert(fp && fread(magic, 1, 2, fp) == 2);
    fclose(fp);
    ck_assert(magic[0] == '$');
    ck_assert(same_file("plain.vcd", "packed.vcd.gz"));
    dmasim_sim_destroy(a.sim);
    dmasim_sim_destroy(b.sim);

    /* the compression can be forced (a temporary name without ".gz") */
    sys c;
    sys_build(&c, 0, DMASIM_DMA_BURST);
    dmasim_trace_vcd *v;
    ck_assert_int_eq(dmasim_trace_vcd_open_v2(c.sim, "forced.tmp", DMASIM_TRACE_GZIP, &v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, c.bus), 0);
    sys_run(&c);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    ck_assert(same_file("plain.vcd", "forced.tmp"));
    fp = fopen("forced.tmp", "rb");
    ck_assert(fp && fread(magic, 1, 2, fp) == 2);
    fclose(fp);
    ck_assert(magic[0] == 0x1f && magic[1] == 0x8b);
    dmasim_sim_destroy(c.sim);
}
END_TEST

/* The fast path folds a DMAC's re-arbitrations (cycle stealing: one tenure per unit) into one
 * batch only while nobody watches HRQ/HLDA/owner; a VCD watches them, so the pins then toggle
 * once per unit, exactly as on the reference path. Statistics do not change. */
START_TEST(test_vcd_makes_the_fast_path_toggle_pins_per_unit)
{
    sys plain, traced, ref;
    sys_build(&plain, 0, DMASIM_DMA_CYCLE_STEALING);
    sys_run(&plain);
    traced_run(&traced, 0, DMASIM_DMA_CYCLE_STEALING, "toggles.vcd", NULL);
    traced_run(&ref, 1, DMASIM_DMA_CYCLE_STEALING, "toggles_ref.vcd", NULL);
    dmasim_signal *hrq[3] = {dmasim_sim_signal_find(plain.sim, "dmac0.hrq"),
                             dmasim_sim_signal_find(traced.sim, "dmac0.hrq"),
                             dmasim_sim_signal_find(ref.sim, "dmac0.hrq")};
    dmasim_signal *hlda[3] = {dmasim_sim_signal_find(plain.sim, "dmac0.hlda"),
                              dmasim_sim_signal_find(traced.sim, "dmac0.hlda"),
                              dmasim_sim_signal_find(ref.sim, "dmac0.hlda")};
    ck_assert_uint_eq(dmasim_signal_observed(hrq[0]), 0);
    ck_assert_uint_ge(dmasim_signal_observed(hrq[1]), 1);
    /* per unit when traced: as many toggles as the reference path, more than untraced */
    ck_assert_uint_eq(dmasim_signal_toggles(hrq[1]), dmasim_signal_toggles(hrq[2]));
    ck_assert_uint_eq(dmasim_signal_toggles(hlda[1]), dmasim_signal_toggles(hlda[2]));
    ck_assert_uint_eq(dmasim_signal_toggles(hlda[1]), 2 * (1 + 16));
    ck_assert_uint_lt(dmasim_signal_toggles(hlda[0]), dmasim_signal_toggles(hlda[1]));
    ck_assert_uint_lt(dmasim_signal_toggles(hrq[0]), dmasim_signal_toggles(hrq[1]));
    ck_assert_uint_gt(dmasim_sim_events_executed(traced.sim), dmasim_sim_events_executed(plain.sim));
    /* and the results are those of the untraced run */
    dmasim_sim_stats_update(plain.sim);
    dmasim_sim_stats_update(traced.sim);
    size_t n = dmasim_sim_stat_count(plain.sim);
    ck_assert_uint_eq(n, dmasim_sim_stat_count(traced.sim));
    for (size_t i = 0; i < n; i++) {
        const dmasim_stat *a = dmasim_sim_stat_at(plain.sim, i), *b = dmasim_sim_stat_at(traced.sim, i);
        ck_assert_str_eq(a->path, b->path);
        if (a->kind == DMASIM_STAT_U64)
            ck_assert_msg(*(const uint64_t *)a->value == *(const uint64_t *)b->value, "%s differs", a->path);
        else
            ck_assert_msg(*(const double *)a->value == *(const double *)b->value, "%s differs", a->path);
    }
    ck_assert_uint_eq(dmasim_cpu_cycles(plain.cpu), dmasim_cpu_cycles(traced.cpu));
    dmasim_sim_destroy(plain.sim);
    dmasim_sim_destroy(traced.sim);
    dmasim_sim_destroy(ref.sim);
}
END_TEST

/* A long burst on the fast path is computed in one event, its transactions reported ahead of
 * simulated time: with a flush threshold far below the number of queued changes, the writer
 * must still put them in time order between the signal changes (the reader checks order). */
START_TEST(test_vcd_orders_transactions_reported_ahead_of_time)
{
    for (int reference = 0; reference <= 1; reference++) {
        dmasim_sim_config sc;
        dmasim_sim_config_init(&sc);
        sc.reference = reference;
        dmasim_sim *sim;
        dmasim_bus *bus;
        dmasim_dmac *dmac;
        ck_assert_int_eq(dmasim_sim_create(&sc, &sim), 0);
        ck_assert_int_eq(dmasim_bus_create(sim, NULL, &bus), 0);
        dmasim_sram_config mc;
        dmasim_sram_config_init(&mc);
        mc.size = 1u << 24;
        ck_assert_int_eq(dmasim_sram_create(bus, &mc), 0);
        dmasim_dmac_config dc;
        dmasim_dmac_config_init(&dc);
        dc.max_burst = 1000; /* tenures of 1000 units, re-requested at once */
        ck_assert_int_eq(dmasim_dmac_create(bus, &dc, &dmac), 0);
        dmasim_trace_vcd *v;
        ck_assert_int_eq(dmasim_trace_vcd_open(sim, reference ? "ahead_ref.vcd" : "ahead.vcd", &v), 0);
        ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, bus), 0);
        dmasim_dma_transfer t;
        dmasim_dma_transfer_init(&t);
        t.dst = 0x800000;
        t.count = 10000;
        t.item_size = 8;
        for (unsigned ch = 0; ch < 2; ch++) { /* two channels: busy edges inside the traffic */
            t.src = 0x10000 + ch * 0x100000;
            t.dst = 0x800000 + ch * 0x100000;
            t.count = ch ? 3000 : 10000;
            ck_assert_int_eq(dmasim_dmac_channel_start(dmac, ch, &t), 0);
        }
        ck_assert_int_eq(dmasim_sim_run(sim), 0);
        ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
        vcd_file f;
        vcd_load(reference ? "ahead_ref.vcd" : "ahead.vcd", &f);
        /* 2 transactions per unit, each a new address */
        ck_assert_uint_eq(vcd_changes(&f, "bus0.addr"), 2 * 13000);
        ck_assert_uint_eq(vcd_changes(&f, "dmac0.ch0.busy"), 2);
        free(f.ch);
        dmasim_sim_destroy(sim);
    }
    ck_assert(same_file("ahead.vcd", "ahead_ref.vcd"));
}
END_TEST

START_TEST(test_vcd_close_mid_run_ends_at_that_time)
{
    sys s;
    sys_build(&s, 0, DMASIM_DMA_BURST);
    dmasim_trace_vcd *v;
    ck_assert_int_eq(dmasim_trace_vcd_open(s.sim, "partial.vcd", &v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, s.bus), 0);
    ck_assert_int_eq(dmasim_sim_run_until(s.sim, 100000), 0); /* inside channel 0's burst */
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), DMASIM_ESTATE);
    sys_run(&s); /* the writer is inert now */
    vcd_file f;
    vcd_load("partial.vcd", &f);
    ck_assert_uint_le(f.ch[f.nch - 1].t, 100000);
    ck_assert_uint_eq(vcd_when(&f, "dmac0.hrq", 1, 0), T0);
    ck_assert_uint_eq(vcd_value_at(&f, "dmac0.irq", 100000), 0);
    size_t len;
    char *text = slurp("partial.vcd", &len);
    ck_assert_str_eq(text + len - 8, "#100000\n");
    free(text);
    free(f.ch);
    dmasim_sim_destroy(s.sim);
}
END_TEST

START_TEST(test_vcd_errors)
{
    sys s;
    sys_build(&s, 0, DMASIM_DMA_BURST);
    dmasim_trace_vcd *v = NULL;
    ck_assert_int_eq(dmasim_trace_vcd_open(s.sim, "no/such/dir/x.vcd", &v), DMASIM_EIO);
    ck_assert(strstr(dmasim_sim_errmsg(s.sim), "no/such/dir/x.vcd") != NULL);
    ck_assert_int_eq(dmasim_trace_vcd_open_v2(s.sim, "x.vcd", (dmasim_trace_compression)7, &v), DMASIM_EINVAL);
    ck_assert_int_eq(dmasim_trace_vcd_open(s.sim, "err.vcd", &v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, s.bus), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, s.bus), DMASIM_EBUSY);
    dmasim_bus_config bc;
    dmasim_bus_config_init(&bc);
    bc.name = "late";
    dmasim_bus *late;
    ck_assert_int_eq(dmasim_bus_create(s.sim, &bc, &late), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, late), DMASIM_EINVAL); /* its owner is not traced */
    sys_run(&s);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, s.bus), DMASIM_ESTATE);
    dmasim_sim_destroy(s.sim);

    /* a write that fails (a full disk) is reported by close */
    sys_build(&s, 0, DMASIM_DMA_BURST);
    ck_assert_int_eq(dmasim_trace_vcd_open(s.sim, "/dev/full", &v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_add_bus(v, s.bus), 0);
    sys_run(&s);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), DMASIM_EIO);
    ck_assert(strstr(dmasim_sim_errmsg(s.sim), "/dev/full") != NULL);
    dmasim_sim_destroy(s.sim);

    /* never closed: destroying the simulation closes it, and the file is complete */
    sys_build(&s, 0, DMASIM_DMA_BURST);
    ck_assert_int_eq(dmasim_trace_vcd_open(s.sim, "unclosed.vcd", &v), 0);
    sys_run(&s);
    dmasim_sim_destroy(s.sim);
    vcd_file f;
    vcd_load("unclosed.vcd", &f);
    ck_assert_uint_eq(vcd_when(&f, "dmac0.hrq", 1, 0), T0);
    free(f.ch);
}
END_TEST

/* ---- bare signals, set by hand between runs (no bus, no DMAC) ---- */

static dmasim_signal *new_pin(dmasim_sim *sim, const char *name, unsigned width)
{
    dmasim_signal *sig = NULL;
    ck_assert_int_eq(dmasim_signal_create(sim, name, width, 0, &sig), 0);
    return sig;
}

/* Advance the bare simulation to t, where the next dmasim_signal_set() happens. */
static void go_to(dmasim_sim *sim, dmasim_time t)
{
    ck_assert_int_eq(dmasim_sim_run_until(sim, t), 0);
    ck_assert_uint_eq(dmasim_sim_now(sim), t);
}

/* The variables of a VCD header in declaration order are the signals in creation order, and
 * their identifier codes (IEEE 1364 §18) are printable ASCII '!'..'~' (33..126), distinct,
 * and short: one character for the first 94 variables, two for the next ones. The first two
 * are '!' and '"' (docs/tracing.md's example: '!' owner, '"' irq). */
START_TEST(test_vcd_identifier_codes_are_printable_and_distinct_past_94_variables)
{
    enum { N = 200 }; /* > 94: two-character codes */
    dmasim_sim *sim = NULL;
    ck_assert_int_eq(dmasim_sim_create(NULL, &sim), 0);
    dmasim_signal *sigs[N];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "blk.s%03d", i);
        sigs[i] = new_pin(sim, name, 1);
    }
    dmasim_trace_vcd *v;
    ck_assert_int_eq(dmasim_trace_vcd_open(sim, "codes.vcd", &v), 0);
    go_to(sim, 1000);
    for (int i = 0; i < N; i++)
        dmasim_signal_set(sigs[i], 1);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    vcd_file f;
    vcd_load("codes.vcd", &f);
    ck_assert_int_eq(f.nvars, N);
    ck_assert_str_eq(f.vars[0].code, "!");
    ck_assert_str_eq(f.vars[1].code, "\"");
    for (int i = 0; i < N; i++) {
        ck_assert_str_eq(f.vars[i].name, dmasim_signal_name(sigs[i]));
        size_t len = strlen(f.vars[i].code);
        ck_assert_uint_eq(len, i < 94 ? 1 : 2);
        for (size_t k = 0; k < len; k++)
            ck_assert_msg(f.vars[i].code[k] >= 33 && f.vars[i].code[k] <= 126, "var %d: code byte %d", i,
                          (unsigned char)f.vars[i].code[k]);
        for (int j = 0; j < i; j++)
            ck_assert_msg(strcmp(f.vars[i].code, f.vars[j].code) != 0, "vars %d and %d share code '%s'", j, i,
                          f.vars[i].code);
    }
    /* every variable changes once, to 1, at 1000: each change names its own variable */
    ck_assert_uint_eq(f.nch, 2 * N);
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(vcd_changes(&f, f.vars[i].name), 1);
        ck_assert_uint_eq(vcd_when(&f, f.vars[i].name, 1, 0), 1000);
    }
    free(f.ch);
    remove("codes.vcd");
    dmasim_sim_destroy(sim);
}
END_TEST

/* A VCD reference is one token of printable ASCII: whitespace and control bytes of a signal
 * name (DEL, 0x7f, included) do not reach the file; the other bytes stay. */
START_TEST(test_vcd_names_have_no_whitespace_or_control_bytes)
{
    static const char *names[] = {"del\x7f.pin", "sp ace.t\tab", "ctl\x01.x\x1f", "plain.ok"};
    enum { N = sizeof names / sizeof names[0] };
    dmasim_sim *sim = NULL;
    ck_assert_int_eq(dmasim_sim_create(NULL, &sim), 0);
    for (int i = 0; i < N; i++)
        new_pin(sim, names[i], 1);
    dmasim_trace_vcd *v;
    ck_assert_int_eq(dmasim_trace_vcd_open(sim, "names.vcd", &v), 0);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    size_t len;
    char *text = slurp("names.vcd", &len);
    const char *defs_end = strstr(text, "$enddefinitions $end\n");
    ck_assert_ptr_nonnull(defs_end);
    /* the header: printable ASCII, spaces between tokens only */
    for (const char *p = text; p < defs_end; p++)
        ck_assert_msg(*p == '\n' || (*p >= ' ' && *p <= '~'), "header byte 0x%02x at %ld", (unsigned char)*p,
                      (long)(p - text));
    /* each declaration has its fixed number of tokens: no name split in two */
    size_t scopes = 0, vars = 0;
    for (const char *line = text; line < defs_end; line = strchr(line, '\n') + 1) {
        size_t tokens = 0;
        for (const char *p = line; *p != '\n'; p++)
            tokens += *p != ' ' && (p == line || p[-1] == ' ');
        if (strncmp(line, "$scope ", 7) == 0) {
            ck_assert_uint_eq(tokens, 4);
            scopes++;
        } else if (strncmp(line, "$var ", 5) == 0) {
            ck_assert_uint_eq(tokens, 6);
            vars++;
        }
    }
    ck_assert_uint_eq(scopes, N);
    ck_assert_uint_eq(vars, N);
    vcd_file f;
    vcd_parse(text, &f);
    ck_assert_int_eq(f.nvars, N);
    for (int i = 0; i < N; i++) { /* same length, same printable bytes */
        const char *a = f.vars[i].name, *b = names[i];
        ck_assert_uint_eq(strlen(a), strlen(b));
        for (; *b; a++, b++)
            if (*b > ' ' && *b < 0x7f)
                ck_assert_int_eq(*a, *b);
    }
    free(f.ch);
    free(text);
    remove("names.vcd");
    dmasim_sim_destroy(sim);
}
END_TEST

/* After $dumpvars a value is written only when it changes (a signal set back to its value at
 * the same instant, a zero-width glitch, writes nothing; an instant with nothing to write has no
 * timestamp), and the changes of one instant come in $var order (creation order), whatever the
 * order in which the signals were set. */
START_TEST(test_vcd_writes_only_changes_in_var_order)
{
    dmasim_sim *sim = NULL;
    ck_assert_int_eq(dmasim_sim_create(NULL, &sim), 0);
    dmasim_signal *a = new_pin(sim, "t.a", 1), *b = new_pin(sim, "t.b", 1), *c = new_pin(sim, "t.c", 1),
                  *w = new_pin(sim, "t.w", 8);
    dmasim_trace_vcd *v;
    ck_assert_int_eq(dmasim_trace_vcd_open(sim, "changes.vcd", &v), 0);
    go_to(sim, 1000); /* set in reverse order */
    dmasim_signal_set(w, 7);
    dmasim_signal_set(c, 1);
    dmasim_signal_set(b, 1);
    dmasim_signal_set(a, 1);
    go_to(sim, 2000); /* glitches on a and w; b really falls */
    dmasim_signal_set(w, 5);
    dmasim_signal_set(a, 0);
    dmasim_signal_set(b, 0);
    dmasim_signal_set(a, 1);
    dmasim_signal_set(w, 7);
    go_to(sim, 3000); /* glitches only */
    dmasim_signal_set(c, 0);
    dmasim_signal_set(c, 1);
    go_to(sim, 4000);
    ck_assert_int_eq(dmasim_trace_vcd_close(v), 0);
    size_t len;
    char *text = slurp("changes.vcd", &len);
    ck_assert_ptr_null(strstr(text, "\n#3000\n"));
    ck_assert_str_eq(text + len - 7, "\n#4000\n");
    vcd_file f;
    vcd_parse(text, &f);
    ck_assert_int_eq(f.nvars, 4);
    static const char *order[] = {"t.a", "t.b", "t.c", "t.w"};
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(f.vars[i].name, order[i]);
    /* $dumpvars (4), then a, b, c, w at 1000, then b alone at 2000 */
    ck_assert_uint_eq(f.nch, 4 + 4 + 1);
    for (int i = 0; i < 4; i++) {
        const vchange *x = &f.ch[f.nvars + i];
        ck_assert_uint_eq(x->t, 1000);
        ck_assert_int_eq(x->var, i);
        ck_assert_uint_eq(x->value, i == 3 ? 7 : 1);
    }
    ck_assert_uint_eq(f.ch[8].t, 2000);
    ck_assert_int_eq(f.ch[8].var, var_by_name(&f, "t.b"));
    ck_assert_uint_eq(f.ch[8].value, 0);
    /* no change repeats a variable's value */
    uint64_t last[4] = {0};
    for (size_t i = 0; i < f.nch; i++) {
        const vchange *x = &f.ch[i];
        if (i >= (size_t)f.nvars)
            ck_assert_msg(x->value != last[x->var], "%s written again as %llu at %llu", f.vars[x->var].name,
                          (unsigned long long)x->value, (unsigned long long)x->t);
        last[x->var] = x->value;
    }
    free(f.ch);
    free(text);
    remove("changes.vcd");
    dmasim_sim_destroy(sim);
}
END_TEST

/* ======================================================================================= */
/* Timeline                                                                                 */
/* ======================================================================================= */

START_TEST(test_timeline_has_one_complete_event_per_transaction)
{
    sys s;
    traced_run(&s, 0, DMASIM_DMA_CYCLE_STEALING, NULL, "tl.json");
    size_t len;
    char *j = slurp("tl.json", &len);
    const char *head = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{";
    ck_assert_int_eq(strncmp(j, head, strlen(head)), 0);
    ck_assert_str_eq(j + len - 4, "\n]}\n");
    /* one X event per transaction, split by master as the bus counts them */
    ck_assert_uint_eq(count(j, "\"ph\":\"X\""), stat(s.sim, "bus0.transactions"));
    ck_assert_uint_eq(count(j, "\"ph\":\"X\",\"ts\":"), stat(s.sim, "bus0.transactions"));
    ck_assert_uint_eq(count(j, "\"pid\":2,\"tid\":1,\"args\":{\"addr\""), stat(s.sim, "bus0.master.cpu0.transactions"));
    ck_assert_uint_eq(count(j, "\"pid\":2,\"tid\":2,\"args\":{\"addr\""), stat(s.sim, "bus0.master.dmac0.transactions"));
    ck_assert_uint_eq(count(j, "\"op\":\"write\""), count(j, "\"name\":\"write\""));
    /* tracks named after the bus and its masters */
    ck_assert(strstr(j, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":2,\"tid\":0,\"args\":{\"name\":\"bus0\"}}"));
    ck_assert(strstr(j, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":1,\"args\":{\"name\":\"cpu0\"}}"));
    ck_assert(strstr(j, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":2,\"args\":{\"name\":\"dmac0\"}}"));
    /* channel 0's first read, by the rules (see check_channel0): at 30000 ps for 30000 ps */
    ck_assert(strstr(j, "{\"name\":\"read\",\"cat\":\"bus\",\"ph\":\"X\",\"ts\":0.03,\"dur\":0.03,\"pid\":2,"
                        "\"tid\":2,\"args\":{\"addr\":\"0x1000\",\"bytes\":8,\"op\":\"read\",\"status\":\"ok\","
                        "\"cycles\":3,\"tag\":0}}"));
    /* channel operations: one async slice each, from start (ps precision) to end */
    ck_assert(strstr(j, "{\"name\":\"dmac0.ch0\",\"cat\":\"dma\",\"ph\":\"b\",\"id\":0,\"ts\":0.012345,\"pid\":1,"
                        "\"tid\":0}"));
    ck_assert(strstr(j, "{\"name\":\"dmac0.ch0\",\"cat\":\"dma\",\"ph\":\"e\",\"id\":0,\"ts\":0.27,\"pid\":1,"
                        "\"tid\":0}"));
    ck_assert_uint_eq(count(j, "\"ph\":\"b\""), 2);
    ck_assert_uint_eq(count(j, "\"ph\":\"e\""), 2);
    dmasim_dma_channel_status st1;
    ck_assert_int_eq(dmasim_dmac_channel_status(s.dmac, 1, &st1), 0);
    char end1[128], ts[32];
    snprintf(end1, sizeof end1, "\"name\":\"dmac0.ch1\",\"cat\":\"dma\",\"ph\":\"e\",\"id\":1,\"ts\":%s,",
             us(ts, st1.end_time));
    ck_assert_msg(strstr(j, end1) != NULL, "no %s", end1);
    /* balanced brackets and no trailing comma: a cheap JSON sanity check (cli_trace.sh parses) */
    ck_assert_uint_eq(count(j, "{"), count(j, "}"));
    ck_assert_ptr_null(strstr(j, ",\n]"));
    free(j);
    dmasim_sim_destroy(s.sim);
}
END_TEST

START_TEST(test_timeline_same_bytes_across_runs_and_same_events_on_both_paths)
{
    sys a, b, r;
    traced_run(&a, 0, DMASIM_DMA_TRANSPARENT, "vcd_tl1.vcd", "tl1.json");
    traced_run(&b, 0, DMASIM_DMA_TRANSPARENT, "vcd_tl2.vcd", "tl2.json.gz");
    traced_run(&r, 1, DMASIM_DMA_TRANSPARENT, NULL, "tl_ref.json");
    ck_assert(same_file("tl1.json", "tl2.json.gz"));
    /* the reference path reports in another order; the events are the same */
    size_t la, lr, na, nr;
    char *x = slurp("tl1.json", &la), *y = slurp("tl_ref.json", &lr);
    ck_assert_uint_eq(la, lr);
    char **ea = event_lines(x, &na), **er = event_lines(y, &nr);
    ck_assert_uint_eq(na, nr);
    ck_assert_uint_gt(na, 40);
    for (size_t i = 0; i < na; i++)
        ck_assert_str_eq(ea[i], er[i]);
    free(ea);
    free(er);
    free(x);
    free(y);
    dmasim_sim_destroy(a.sim);
    dmasim_sim_destroy(b.sim);
    dmasim_sim_destroy(r.sim);
}
END_TEST

START_TEST(test_timeline_errors)
{
    sys s;
    sys_build(&s, 0, DMASIM_DMA_BURST);
    dmasim_trace_timeline *tl;
    ck_assert_int_eq(dmasim_trace_timeline_open(s.sim, "no/such/dir/t.json", &tl), DMASIM_EIO);
    ck_assert_int_eq(dmasim_trace_timeline_open(s.sim, "/dev/full", &tl), 0);
    ck_assert_int_eq(dmasim_trace_timeline_add_bus(tl, s.bus), 0);
    ck_assert_int_eq(dmasim_trace_timeline_add_bus(tl, s.bus), DMASIM_EBUSY);
    sys_run(&s);
    ck_assert_int_eq(dmasim_trace_timeline_close(tl), DMASIM_EIO);
    ck_assert_int_eq(dmasim_trace_timeline_close(tl), DMASIM_ESTATE);
    ck_assert_int_eq(dmasim_trace_timeline_add_bus(tl, s.bus), DMASIM_ESTATE);
    dmasim_sim_destroy(s.sim);

    /* a channel still busy at close: its slice ends at the close */
    sys_build(&s, 0, DMASIM_DMA_BURST);
    ck_assert_int_eq(dmasim_trace_timeline_open(s.sim, "open_slice.json", &tl), 0);
    ck_assert_int_eq(dmasim_sim_run_until(s.sim, 100000), 0);
    ck_assert_int_eq(dmasim_trace_timeline_close(tl), 0);
    size_t len;
    char *j = slurp("open_slice.json", &len);
    ck_assert(strstr(j, "\"ph\":\"e\",\"id\":0,\"ts\":0.1,") != NULL);
    free(j);
    dmasim_sim_destroy(s.sim);
}
END_TEST

/* Slice names are JSON strings: every control byte (below 0x20) is escaped as \u00XX. A busy
 * signal already 1 when the timeline opens starts its slice at the open time. */
START_TEST(test_timeline_escapes_control_bytes_and_starts_slices_already_busy)
{
    dmasim_sim *sim = NULL;
    ck_assert_int_eq(dmasim_sim_create(NULL, &sim), 0);
    dmasim_signal *sig;
    ck_assert_int_eq(dmasim_signal_create(sim, "dev\x1f\x01.busy", 1, 1, &sig), 0);
    dmasim_trace_timeline *tl;
    ck_assert_int_eq(dmasim_trace_timeline_open(sim, "escaped_slice.json", &tl), 0);
    ck_assert_int_eq(dmasim_sim_run_until(sim, 2000000), 0);
    dmasim_signal_set(sig, 0);
    ck_assert_int_eq(dmasim_trace_timeline_close(tl), 0);
    size_t len;
    char *j = slurp("escaped_slice.json", &len);
    ck_assert_ptr_nonnull(strstr(j, "\"name\":\"dev\\u001f\\u0001\",\"cat\":\"dma\",\"ph\":\"b\",\"id\":0,\"ts\":0,"));
    ck_assert_ptr_nonnull(strstr(j, "\"ph\":\"e\",\"id\":0,\"ts\":2,"));
    free(j);
    remove("escaped_slice.json");
    dmasim_sim_destroy(sim);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *vcd = tcase_create("vcd");
    tcase_set_timeout(vcd, 60);
    tcase_add_test(vcd, test_vcd_header_has_a_scope_per_component_and_a_var_per_signal);
    tcase_add_test(vcd, test_vcd_pins_follow_the_timing_rules);
    tcase_add_test(vcd, test_vcd_same_bytes_on_fast_and_reference_paths);
    tcase_add_test(vcd, test_vcd_same_bytes_across_runs);
    tcase_add_test(vcd, test_vcd_gzip_decompresses_to_the_plain_bytes);
    tcase_add_test(vcd, test_vcd_makes_the_fast_path_toggle_pins_per_unit);
    tcase_add_test(vcd, test_vcd_orders_transactions_reported_ahead_of_time);
    tcase_add_test(vcd, test_vcd_close_mid_run_ends_at_that_time);
    tcase_add_test(vcd, test_vcd_errors);
    tcase_add_test(vcd, test_vcd_identifier_codes_are_printable_and_distinct_past_94_variables);
    tcase_add_test(vcd, test_vcd_names_have_no_whitespace_or_control_bytes);
    tcase_add_test(vcd, test_vcd_writes_only_changes_in_var_order);
    suite_add_tcase(s, vcd);
    TCase *tl = tcase_create("timeline");
    tcase_set_timeout(tl, 60);
    tcase_add_test(tl, test_timeline_has_one_complete_event_per_transaction);
    tcase_add_test(tl, test_timeline_same_bytes_across_runs_and_same_events_on_both_paths);
    tcase_add_test(tl, test_timeline_errors);
    tcase_add_test(tl, test_timeline_escapes_control_bytes_and_starts_slices_already_busy);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

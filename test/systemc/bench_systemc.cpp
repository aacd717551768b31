// dmasim_systemc_bench: host cost of the SystemC wrappers, with the results checked
// (docs/performance.md, section SystemC).
//
// Co-simulation overhead of dmasim::System (each case run alone with dmasim_sim_run, then the
// same scenario inside a System; host time around dmasim_sim_run / sc_start only; the statistics
// of the two runs must be identical):
//   system_trace       the CPU replays md5sum.lackey.gz (D1 32 KiB 8-way 64 B, clock ratio 4)
//                      while the DMAC copies 97,567 items of 8 B in cycle-stealing mode (the
//                      dmasim_bench cycle_steal_trace case); port: dmac0.irq.
//   system_trace_pins  the same with dmac0.irq, dmac0.hrq, dmac0.hlda and bus0.owner as ports (the
//                      standalone run observes the same signals, so both run the same events).
//   system_synthetic   200,000 random CPU accesses over 1 MiB with a cycle-stealing copy of
//                      20,000 items: many short bus tenures, many events.
//   system_synthetic_strict  the same with lookahead off (strict lockstep: one SystemC wake-up
//                      per core event time).
// A copy of N words (8 B) from one SystemC memory buffer to another (example::Memory, 2 wait
// states per 8-byte beat, 10 ns clock); host time around sc_start():
//   dmac_burst         dmasim::Dmac, burst mode, 8-byte items: 2 b_transport per word.
//   dmac_cycle_steal   dmasim::Dmac, cycle stealing, 8-byte items.
//   dmac_burst_64      dmasim::Dmac, burst mode, 64-byte items (8 words per b_transport).
//   dmac_burst_dmi     as dmac_burst, the memory granting DMI (latency = its wait states per
//   dmac_burst_64_dmi  beat): one b_transport, then direct pointers; the same timing.
//   loop_wait          a plain SystemC TLM-2.0 DMA loop: per word a read and a write
//                      b_transport, each charged its address phase, its beat and the memory's
//                      annotated delay, then wait() for that time (timing kept by synchronising).
//   loop_quantum       the same loop with a tlm_quantumkeeper (global quantum 1 us): the time is
//                      kept as an annotation and the loop synchronises once per quantum.
// Checks: destination equals source; final SystemC time equals the timing rules (burst:
// 1 + N * 8 cycles, cycle stealing: N * 9, 64-byte items: 1 + N/8 * 2 * (1 + 8 * 3), loops:
// N * 8); every repetition gives the same simulated time.
//
// Every run is its own process (one SystemC kernel per process): the parent forks a child per run.
// Host time: CPU time of the run's process by default (--wall: elapsed time), around
// dmasim_sim_run / sc_start only.
// Usage: dmasim_systemc_bench [--quick] [--wall] [--reps N] [--words N] [--only CASE[,CASE]] [TRACE]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dmasim/systemc.hpp"
#include "memory.hpp"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

using namespace sc_core;

#ifndef DMASIM_SOURCE_DIR
#define DMASIM_SOURCE_DIR "."
#endif

namespace {

struct Opts {
    bool quick = false;
    int reps = 3;
    uint64_t words = 10000000;
    std::string only;
    std::string trace = DMASIM_SOURCE_DIR "/examples/traces/md5sum.lackey.gz";
};

// The host time of a run: CPU time of the process (user + system, all its threads: the trace
// reader decompresses on a thread of its own; SystemC's threads are coroutines) by default, so
// that other work on a shared machine does not count; --wall for elapsed time (CLOCK_MONOTONIC).
clockid_t g_clock = CLOCK_PROCESS_CPUTIME_ID;

double now_s()
{
    timespec ts;
    clock_gettime(g_clock, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const char *fmt, const char *what)
{
    std::fprintf(stderr, fmt, what);
    std::fprintf(stderr, "\n");
    std::exit(1);
}

void ok_or_die(int rc, dmasim_sim *sim, const char *what)
{
    if (rc < 0) {
        std::fprintf(stderr, "%s: %s: %s\n", what, dmasim_strerror(rc), sim ? dmasim_sim_errmsg(sim) : "");
        std::exit(1);
    }
}

// What a child reports: host seconds, simulated ps, a fingerprint of the statistics, events.
struct Run {
    double seconds = 0;
    uint64_t sim_ps = 0;
    uint64_t fingerprint = 0;
    uint64_t events = 0;
};

uint64_t fingerprint(dmasim_sim *sim)
{
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const void *p, size_t n) {
        const unsigned char *b = static_cast<const unsigned char *>(p);
        for (size_t i = 0; i < n; i++)
            h = (h ^ b[i]) * 1099511628211ull;
    };
    dmasim_sim_stats_update(sim);
    for (size_t i = 0; i < dmasim_sim_stat_count(sim); i++) {
        const dmasim_stat *s = dmasim_sim_stat_at(sim, i);
        mix(s->path, std::strlen(s->path));
        mix(s->value, s->kind == DMASIM_STAT_U64 ? sizeof(uint64_t) : sizeof(double));
    }
    uint64_t now = dmasim_sim_now(sim);
    mix(&now, sizeof now);
    return h;
}

// Run f in a child process; f returns the Run to report (or exits non-zero on failure).
Run in_child(const std::function<Run()> &f)
{
    int fd[2];
    if (pipe(fd))
        die("%s", "pipe failed");
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("%s", "fork failed");
    if (pid == 0) {
        close(fd[0]);
        Run r = f();
        if (write(fd[1], &r, sizeof r) != ssize_t(sizeof r))
            _exit(3);
        close(fd[1]);
        std::fflush(stdout);
        _exit(0);
    }
    close(fd[1]);
    Run r;
    ssize_t n = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (n != ssize_t(sizeof r) || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("a benchmark run failed (%s)", "see its messages above");
    return r;
}

// ---- dmasim::System cases ------------------------------------------------------------------

enum class Scenario { Trace, Synthetic };

dmasim_sim *build(const Opts &o, Scenario sc)
{
    dmasim_sim *sim = nullptr;
    ok_or_die(dmasim_sim_create(nullptr, &sim), nullptr, "sim");
    dmasim_bus *bus = nullptr;
    ok_or_die(dmasim_bus_create(sim, nullptr, &bus), sim, "bus");
    dmasim_sram_config mc;
    dmasim_sram_config_init(&mc);
    mc.wait_states = 2;
    mc.size = 1ull << 30;
    ok_or_die(dmasim_sram_create(bus, &mc), sim, "sram");
    dmasim_dmac *dmac = nullptr;
    ok_or_die(dmasim_dmac_create(bus, nullptr, &dmac), sim, "dmac");
    dmasim_cpu_config cc;
    dmasim_cpu_config_init(&cc);
    cc.clock_ratio = 4;
    cc.dcache.size = 32768;
    cc.dcache.ways = 8;
    cc.dcache.line = 64;
    dmasim_cpu *cpu = nullptr;
    ok_or_die(dmasim_cpu_create(bus, &cc, &cpu), sim, "cpu");
    uint64_t units;
    if (sc == Scenario::Trace) {
        dmasim_trace_config tc;
        dmasim_trace_config_init(&tc);
        tc.path = o.trace.c_str();
        tc.max_lines = o.quick ? 20000 : 0;
        ok_or_die(dmasim_cpu_run_trace(cpu, &tc), sim, "trace");
        units = o.quick ? 600 : 97567;
    } else {
        dmasim_synthetic_config syn;
        dmasim_synthetic_config_init(&syn);
        syn.accesses = o.quick ? 2000 : 200000;
        syn.working_set = 1 << 20;
        ok_or_die(dmasim_cpu_run_synthetic(cpu, &syn), sim, "synthetic");
        units = o.quick ? 200 : 20000;
    }
    std::vector<uint64_t> src(units);
    for (uint64_t i = 0; i < units; i++)
        src[i] = i * 0x9E3779B97F4A7C15ull;
    ok_or_die(dmasim_mem_write(sim, 0x20000000, src.data(), units * 8), sim, "fill");
    dmasim_dma_transfer x;
    dmasim_dma_transfer_init(&x);
    x.src = 0x20000000;
    x.dst = 0x28000000;
    x.count = units;
    x.item_size = 8;
    x.mode = DMASIM_DMA_CYCLE_STEALING;
    ok_or_die(dmasim_dmac_channel_start(dmac, 0, &x), sim, "start");
    return sim;
}

const std::vector<std::string> kAllPins = {"dmac0.irq", "dmac0.hrq", "dmac0.hlda", "bus0.owner"};

void ignore(dmasim_signal *, uint64_t, dmasim_time, void *) {}

Run system_alone(const Opts &o, Scenario sc, const std::vector<std::string> &pins)
{
    dmasim_sim *sim = build(o, sc);
    for (const std::string &p : pins) // observed as the System's ports observe them
        dmasim_signal_subscribe(dmasim_sim_signal_find(sim, p.c_str()), ignore, nullptr);
    double t0 = now_s();
    ok_or_die(dmasim_sim_run(sim), sim, "run");
    double t1 = now_s();
    Run r{t1 - t0, dmasim_sim_now(sim), fingerprint(sim), dmasim_sim_events_executed(sim)};
    dmasim_sim_destroy(sim);
    return r;
}

struct SystemTop : sc_module {
    dmasim::System sys;
    std::vector<std::unique_ptr<sc_signal<bool>>> bits;
    std::unique_ptr<sc_signal<sc_dt::uint64>> owner;
    SystemTop(const sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &cfg)
        : sc_module(n), sys("sys", sim, cfg)
    {
        for (const std::string &p : cfg.outputs) {
            if (p == "bus0.owner") {
                owner = std::make_unique<sc_signal<sc_dt::uint64>>("owner");
                sys.out_u64(p).bind(*owner);
            } else {
                bits.push_back(std::make_unique<sc_signal<bool>>(sc_gen_unique_name("pin")));
                sys.out(p).bind(*bits.back());
            }
        }
    }
};

Run system_in_systemc(const Opts &o, Scenario sc, const std::vector<std::string> &pins, bool lookahead)
{
    dmasim::System::Config cfg;
    cfg.outputs = pins;
    cfg.lookahead = lookahead;
    cfg.own_sim = true;
    SystemTop top("top", build(o, sc), cfg);
    double t0 = now_s();
    sc_start();
    double t1 = now_s();
    if (!top.sys.done() || top.sys.status())
        die("%s", "System did not finish");
    if (dmasim::to_ps(sc_time_stamp()) != dmasim_sim_now(top.sys.sim()))
        die("%s", "SystemC time differs from the core's at the end");
    return Run{t1 - t0, dmasim_sim_now(top.sys.sim()), fingerprint(top.sys.sim()),
               dmasim_sim_events_executed(top.sys.sim())};
}


// ---- copying N words ------------------------------------------------------------------------

const sc_time kClock(10, SC_NS);
const uint32_t kWs = 2;

example::Memory::Config memory_config(uint64_t words, bool dmi)
{
    example::Memory::Config mc;
    mc.dmi = dmi;
    mc.size = 2 * words * 8 + 4096;
    mc.clock_period = kClock;
    mc.wait_states = kWs;
    return mc;
}

void fill(example::Memory &m, uint64_t words)
{
    for (uint64_t i = 0; i < words; i++) {
        uint64_t v = i * 0x9E3779B97F4A7C15ull + 1;
        std::memcpy(m.data(i * 8), &v, 8);
    }
}

void check_copy(example::Memory &m, uint64_t words)
{
    if (std::memcmp(m.data(0), m.data(words * 8), words * 8) != 0)
        die("%s", "the copy is wrong");
}

struct DmacTop : sc_module {
    example::Memory mem;
    dmasim::Dmac dmac;
    tlm_utils::simple_initiator_socket<DmacTop> regs; // unused: started with Dmac::start()
    sc_signal<bool> irq;
    dmasim_dma_transfer x;
    SC_HAS_PROCESS(DmacTop);
    DmacTop(const sc_module_name &n, uint64_t words, dmasim_dma_mode mode, uint32_t item, bool dmi)
        : sc_module(n), mem("mem", memory_config(words, dmi)), dmac("dmac"), regs("regs"), irq("irq")
    {
        dmac.initiator_socket.bind(mem.socket);
        regs.bind(dmac.target_socket);
        dmac.irq.bind(irq);
        dmasim_dma_transfer_init(&x);
        x.src = 0;
        x.dst = words * 8;
        x.count = words * 8 / item;
        x.item_size = item;
        x.mode = mode;
        SC_THREAD(run);
    }
    void run()
    {
        ok_or_die(dmac.start(0, x), dmac.sim(), "start");
        wait(irq.posedge_event());
    }
};

Run dmac_copy(uint64_t words, dmasim_dma_mode mode, uint32_t item, bool dmi = false)
{
    DmacTop top("top", words, mode, item, dmi);
    fill(top.mem, words);
    double t0 = now_s();
    sc_start();
    double t1 = now_s();
    check_copy(top.mem, words);
    dmasim_dma_channel_status st = top.dmac.channel_status(0);
    if (!st.tc || st.error)
        die("%s", "the DMAC did not reach terminal count");
    return Run{t1 - t0, dmasim::to_ps(sc_time_stamp()), fingerprint(top.dmac.sim()),
               dmasim_sim_events_executed(top.dmac.sim())};
}

// The plain loop: per word, read then write, each charged address phase + beat + the memory's
// annotated delay; either wait() per word or a quantum keeper.
struct LoopTop : sc_module {
    example::Memory mem;
    tlm_utils::simple_initiator_socket<LoopTop> socket;
    uint64_t words;
    bool quantum;
    SC_HAS_PROCESS(LoopTop);
    LoopTop(const sc_module_name &n, uint64_t w, bool q)
        : sc_module(n), mem("mem", memory_config(w, false)), socket("socket"), words(w), quantum(q)
    {
        socket.bind(mem.socket);
        SC_THREAD(run);
    }
    void run()
    {
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        const sc_time bus_cycles = 2 * kClock; // address phase + one beat
        unsigned char word[8];
        tlm::tlm_generic_payload p;
        p.set_data_ptr(word);
        p.set_data_length(8);
        p.set_streaming_width(8);
        for (uint64_t i = 0; i < words; i++) {
            sc_time d = quantum ? qk.get_local_time() : SC_ZERO_TIME;
            p.set_command(tlm::TLM_READ_COMMAND);
            p.set_address(i * 8);
            p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            d += bus_cycles;
            socket->b_transport(p, d);
            if (!p.is_response_ok())
                die("%s", "read failed");
            p.set_command(tlm::TLM_WRITE_COMMAND);
            p.set_address(words * 8 + i * 8);
            p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            d += bus_cycles;
            socket->b_transport(p, d);
            if (!p.is_response_ok())
                die("%s", "write failed");
            if (quantum) {
                qk.set(d);
                if (qk.need_sync())
                    qk.sync();
            } else {
                wait(d);
            }
        }
        if (quantum)
            qk.sync();
    }
};

Run loop_copy(uint64_t words, bool quantum)
{
    if (quantum)
        tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    LoopTop top("top", words, quantum);
    fill(top.mem, words);
    double t0 = now_s();
    sc_start();
    double t1 = now_s();
    check_copy(top.mem, words);
    return Run{t1 - t0, dmasim::to_ps(sc_time_stamp()), 0, 0};
}

// ---- driver ----------------------------------------------------------------------------------

struct Stats {
    double best = 0, median = 0;
    Run first;
};

Stats repeat(const Opts &o, const char *name, const std::function<Run()> &f)
{
    std::vector<double> t;
    Stats s;
    for (int i = 0; i < o.reps; i++) {
        Run r = in_child(f);
        if (i == 0)
            s.first = r;
        else if (r.sim_ps != s.first.sim_ps || r.fingerprint != s.first.fingerprint)
            die("%s: repetitions differ", name);
        t.push_back(r.seconds);
    }
    std::sort(t.begin(), t.end());
    s.best = t.front();
    s.median = t[t.size() / 2];
    return s;
}

// Two cases run alternately, rep after rep.
void repeat2(const Opts &o, const char *name, const std::function<Run()> &f, const std::function<Run()> &g,
             Stats &sf, Stats &sg)
{
    std::vector<double> tf, tg;
    for (int i = 0; i < o.reps; i++) {
        for (int k = 0; k < 2; k++) {
            Run r = in_child(k ? g : f);
            Stats &s = k ? sg : sf;
            if (i == 0)
                s.first = r;
            else if (r.sim_ps != s.first.sim_ps || r.fingerprint != s.first.fingerprint)
                die("%s: repetitions differ", name);
            (k ? tg : tf).push_back(r.seconds);
        }
    }
    for (int k = 0; k < 2; k++) {
        std::vector<double> &t = k ? tg : tf;
        Stats &s = k ? sg : sf;
        std::sort(t.begin(), t.end());
        s.best = t.front();
        s.median = t[t.size() / 2];
    }
}

bool selected(const Opts &o, const std::string &name)
{
    if (o.only.empty())
        return true;
    std::string list = "," + o.only + ",";
    return list.find("," + name + ",") != std::string::npos;
}

int bench(const Opts &o)
{
    int failures = 0;
    std::printf("# dmasim_systemc_bench: reps %d, best and median host seconds (%s)%s\n", o.reps,
                g_clock == CLOCK_MONOTONIC ? "elapsed" : "process CPU time",
                o.quick ? " (--quick: tiny sizes, the rates mean nothing)" : "");
    std::printf("%-18s %12s %10s %10s %14s %10s\n", "case", "simulated", "best s", "median s", "rate", "vs");

    struct SysCase {
        const char *name;
        Scenario sc;
        std::vector<std::string> pins;
        bool lookahead;
    } sys_cases[] = {{"system_trace", Scenario::Trace, {"dmac0.irq"}, true},
                     {"system_trace_pins", Scenario::Trace, kAllPins, true},
                     {"system_synthetic", Scenario::Synthetic, {"dmac0.irq"}, true},
                     {"system_synthetic_strict", Scenario::Synthetic, {"dmac0.irq"}, false}};
    for (const SysCase &c : sys_cases) {
        if (!selected(o, c.name))
            continue;
        // alternately, so that both see the same machine load
        Stats alone, in_sc;
        repeat2(o, c.name, [&] { return system_alone(o, c.sc, c.pins); },
                [&] { return system_in_systemc(o, c.sc, c.pins, c.lookahead); }, alone, in_sc);
        if (alone.first.fingerprint != in_sc.first.fingerprint || alone.first.sim_ps != in_sc.first.sim_ps ||
            alone.first.events != in_sc.first.events) {
            std::printf("%s: System and standalone results DIFFER\n", c.name);
            failures++;
        }
        double cycles = double(alone.first.sim_ps) / 10000.0;
        std::printf("%-18s %9.0f cyc %10.4f %10.4f %9.1f Mc/s %10s  standalone, %" PRIu64 " events\n",
                    (std::string(c.name) + "/alone").c_str(), cycles, alone.best, alone.median,
                    cycles / alone.best / 1e6, "", alone.first.events);
        std::printf("%-18s %9.0f cyc %10.4f %10.4f %9.1f Mc/s %9.2fx  in dmasim::System, same statistics\n",
                    (std::string(c.name) + "/System").c_str(), cycles, in_sc.best, in_sc.median,
                    cycles / in_sc.best / 1e6, in_sc.best / alone.best);
    }

    const uint64_t n = o.words;
    const dmasim_time P = 10000;
    struct CopyCase {
        const char *name;
        std::function<Run()> run;
        dmasim_time expect_ps;
    } copies[] = {
        {"dmac_burst", [&] { return dmac_copy(n, DMASIM_DMA_BURST, 8); }, (1 + n * 8) * P},
        {"dmac_cycle_steal", [&] { return dmac_copy(n, DMASIM_DMA_CYCLE_STEALING, 8); }, n * 9 * P},
        {"dmac_burst_64", [&] { return dmac_copy(n, DMASIM_DMA_BURST, 64); }, (1 + n / 8 * 2 * (1 + 8 * 3)) * P},
        {"dmac_burst_dmi", [&] { return dmac_copy(n, DMASIM_DMA_BURST, 8, true); }, (1 + n * 8) * P},
        {"dmac_burst_64_dmi", [&] { return dmac_copy(n, DMASIM_DMA_BURST, 64, true); },
         (1 + n / 8 * 2 * (1 + 8 * 3)) * P},
        {"loop_wait", [&] { return loop_copy(n, false); }, n * 8 * P},
        {"loop_quantum", [&] { return loop_copy(n, true); }, n * 8 * P},
    };
    std::map<std::string, double> best;
    for (const CopyCase &c : copies) {
        if (!selected(o, c.name))
            continue;
        Stats s = repeat(o, c.name, c.run);
        if (s.first.sim_ps != c.expect_ps) {
            std::printf("%s: ends at %" PRIu64 " ps, the timing rules say %" PRIu64 " ps\n", c.name, s.first.sim_ps,
                        c.expect_ps);
            failures++;
        }
        best[c.name] = s.best;
        std::printf("%-18s %8.2f M words %10.4f %10.4f %9.1f Mw/s %10s  ends at %.3f ms simulated", c.name,
                    double(n) / 1e6, s.best, s.median, double(n) / s.best / 1e6, "", double(s.first.sim_ps) / 1e9);
        if (s.first.events)
            std::printf(", %" PRIu64 " core events", s.first.events);
        std::printf("\n");
    }
    for (const char *d : {"dmac_burst", "dmac_cycle_steal", "dmac_burst_64", "dmac_burst_dmi", "dmac_burst_64_dmi"})
        for (const char *l : {"loop_wait", "loop_quantum"})
            if (best.count(d) && best.count(l))
                std::printf("speed-up %-16s vs %-12s %6.2fx\n", d, l, best[l] / best[d]);
    if (failures)
        std::printf("FAILED: %d check(s)\n", failures);
    return failures ? 1 : 0;
}

} // namespace

int sc_main(int argc, char **argv)
{
    Opts o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--quick") {
            o.quick = true;
            o.words = 10000;
            o.reps = 1;
        } else if (a == "--wall") {
            g_clock = CLOCK_MONOTONIC;
        } else if (a == "--reps" && i + 1 < argc) {
            o.reps = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--words" && i + 1 < argc) {
            o.words = std::strtoull(argv[++i], nullptr, 10) / 8 * 8;
        } else if (a == "--only" && i + 1 < argc) {
            o.only = argv[++i];
        } else if (!a.empty() && a[0] != '-') {
            o.trace = a;
        } else {
            std::fprintf(stderr, "usage: %s [--quick] [--wall] [--reps N] [--words N] [--only CASE[,CASE]] [TRACE]\n",
                         argv[0]);
            return 2;
        }
    }
    if (o.words < 8)
        o.words = 8;
    return bench(o);
}

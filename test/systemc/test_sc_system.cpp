// dmasim::System: a whole dmasim scenario run in lockstep with SystemC time gives the cycle
// counts and statistics of the same scenario run alone, and its signal ports change exactly
// when the C signals do (with and without a quantum keeper); inputs drive C signals; errors.
#include <functional>
#include <memory>

#include "sc_testutil.hpp"

using namespace sctest;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

namespace {

const dmasim_addr kSrc = 0x100000, kDst = 0x180000, kRegs = 0xF0000000u;

enum class Workload { Script, Synthetic };

// The scenario, built with the C API: bus, SRAM (2 wait states), CPU (D1), DMAC.
//   Script:    the CPU fills a word, programs a DMA copy through the registers, computes and
//              loads (contending for the bus), waits for the interrupt, reads the copy.
//   Synthetic: random loads/stores by the CPU while the DMAC copies (started directly).
dmasim_sim *build(Workload w, dmasim_dma_mode mode)
{
    dmasim_sim *sim = nullptr;
    ck_ok(dmasim_sim_create(nullptr, &sim), nullptr, "sim");
    dmasim_bus *bus = nullptr;
    ck_ok(dmasim_bus_create(sim, nullptr, &bus), sim, "bus");
    dmasim_sram_config sc;
    dmasim_sram_config_init(&sc);
    sc.size = 16 << 20;
    sc.wait_states = 2;
    ck_ok(dmasim_sram_create(bus, &sc), sim, "sram");
    dmasim_cpu *cpu = nullptr;
    ck_ok(dmasim_cpu_create(bus, nullptr, &cpu), sim, "cpu");
    dmasim_dmac *dmac = nullptr;
    ck_ok(dmasim_dmac_create(bus, nullptr, &dmac), sim, "dmac");
    ck_ok(dmasim_cpu_set_irq(cpu, dmasim_dmac_irq(dmac)), sim, "irq");
    std::vector<unsigned char> src(8 * 3000);
    for (size_t i = 0; i < src.size(); i++)
        src[i] = pattern(i);
    ck_ok(dmasim_mem_write(sim, kSrc, src.data(), src.size()), sim, "fill");
    if (w == Workload::Script) {
        std::vector<dmasim_cpu_op> ops;
        auto op = [&](dmasim_cpu_op_kind k, uint64_t a, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0) {
            dmasim_cpu_op o;
            std::memset(&o, 0, sizeof o);
            o.kind = k;
            o.a = a;
            o.b = b;
            o.c = c;
            o.d = d;
            o.item_size = 8;
            o.mode = uint32_t(mode);
            ops.push_back(o);
        };
        op(DMASIM_OP_COMPUTE, 37);
        op(DMASIM_OP_DMA_START, kRegs, kSrc, kDst, 3000);
        for (int i = 0; i < 40; i++) {
            op(DMASIM_OP_COMPUTE, 50 + i);
            op(DMASIM_OP_LOAD, 0x400000 + uint64_t(i) * 4096, 8);
        }
        op(DMASIM_OP_DMA_WAIT, kRegs);
        op(DMASIM_OP_LOAD, kDst + 8 * 2999, 8);
        op(DMASIM_OP_COMPUTE, 11);
        ck_ok(dmasim_cpu_run_script(cpu, ops.data(), ops.size()), sim, "script");
    } else {
        dmasim_synthetic_config syn;
        dmasim_synthetic_config_init(&syn);
        syn.accesses = 20000;
        syn.base = 0x400000;
        syn.working_set = 1 << 20;
        ck_ok(dmasim_cpu_run_synthetic(cpu, &syn), sim, "synthetic");
        dmasim_dma_transfer t;
        dmasim_dma_transfer_init(&t);
        t.src = kSrc;
        t.dst = kDst;
        t.count = 3000;
        t.item_size = 8;
        t.mode = mode;
        ck_ok(dmasim_dmac_channel_start(dmac, 0, &t), sim, "start");
    }
    return sim;
}

const std::vector<std::string> kOutputs = {"dmac0.irq", "dmac0.hrq", "dmac0.hlda", "bus0.owner"};

using Changes = std::vector<std::pair<dmasim_time, uint64_t>>;

// Changes as SystemC shows them: the last value at each time, and only real changes.
Changes collapse(uint64_t initial, const Changes &raw)
{
    Changes out;
    uint64_t cur = initial;
    for (size_t i = 0; i < raw.size(); i++) {
        if (i + 1 < raw.size() && raw[i + 1].first == raw[i].first)
            continue;
        if (raw[i].second != cur)
            out.push_back(raw[i]);
        cur = raw[i].second;
    }
    return out;
}

struct Result {
    std::map<std::string, double> stats;
    dmasim_time end = 0;
    uint64_t events = 0;
    std::map<std::string, Changes> changes;
    uint64_t last_load = 0;
};

void record(dmasim_signal *sig, uint64_t v, dmasim_time t, void *ctx)
{
    (void)sig;
    static_cast<Changes *>(ctx)->emplace_back(t, v);
}

Result run_alone(Workload w, dmasim_dma_mode mode)
{
    dmasim_sim *sim = build(w, mode);
    std::map<std::string, Changes> raw;
    std::map<std::string, uint64_t> initial;
    for (const std::string &s : kOutputs) { // observe the same signals as System does
        dmasim_signal *sig = dmasim_sim_signal_find(sim, s.c_str());
        initial[s] = dmasim_signal_value(sig);
        ck_ok(dmasim_signal_subscribe(sig, record, &raw[s]), sim, "subscribe");
    }
    ck_ok(dmasim_sim_run(sim), sim, "run");
    Result r;
    r.stats = stats(sim);
    r.end = dmasim_sim_now(sim);
    r.events = dmasim_sim_events_executed(sim);
    for (const std::string &s : kOutputs) { // a SystemC signal starts at 0: a value at time 0 is a change
        raw[s].insert(raw[s].begin(), {0, initial[s]});
        r.changes[s] = collapse(0, raw[s]);
    }
    dmasim_sim_destroy(sim);
    return r;
}

// The SystemC side: a System, a signal per output port, a monitor per signal.
struct Top : sc_core::sc_module {
    dmasim::System sys;
    sc_core::sc_signal<bool> irq, hrq, hlda;
    sc_core::sc_signal<sc_dt::uint64> owner;
    std::map<std::string, Changes> seen;

    Top(const sc_core::sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &cfg)
        : sc_core::sc_module(n), sys("sys", sim, cfg), irq("irq"), hrq("hrq"), hlda("hlda"), owner("owner")
    {
        sys.out("dmac0.irq").bind(irq);
        sys.out("dmac0.hrq").bind(hrq);
        sys.out("dmac0.hlda").bind(hlda);
        sys.out_u64("bus0.owner").bind(owner);
        watch("dmac0.irq", irq.value_changed_event(), [this] { return uint64_t(irq.read()); });
        watch("dmac0.hrq", hrq.value_changed_event(), [this] { return uint64_t(hrq.read()); });
        watch("dmac0.hlda", hlda.value_changed_event(), [this] { return uint64_t(hlda.read()); });
        watch("bus0.owner", owner.value_changed_event(), [this] { return uint64_t(owner.read()); });
    }
    void watch(const std::string &name, const sc_core::sc_event &ev, std::function<uint64_t()> read)
    {
        Changes *c = &seen[name];
        sc_core::sc_spawn_options o;
        o.spawn_method();
        o.dont_initialize();
        o.set_sensitivity(&ev);
        sc_core::sc_spawn([c, read] { c->emplace_back(dmasim::to_ps(sc_core::sc_time_stamp()), read()); },
                          sc_core::sc_gen_unique_name("watch"), &o);
    }
};

// slice: run with sc_start(slice) until done (0: one sc_start()); with strict lockstep
// (lookahead off) the core must never be past SystemC time when sc_start returns.
void equivalence(Workload w, dmasim_dma_mode mode, bool quantum, bool lookahead = true, sc_time slice = sc_time())
{
    Result alone = run_alone(w, mode);
    if (quantum)
        tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    dmasim::System::Config cfg;
    cfg.outputs = kOutputs;
    cfg.use_quantum_keeper = quantum;
    cfg.lookahead = lookahead;
    cfg.own_sim = true;
    Top top("top", build(w, mode), cfg);
    if (slice == sc_core::SC_ZERO_TIME) {
        sc_core::sc_start();
    } else {
        int slices = 0;
        while (!top.sys.done() || dmasim::to_ps(sc_core::sc_time_stamp()) < dmasim_sim_now(top.sys.sim())) {
            sc_core::sc_start(slice);
            slices++;
            if (!lookahead)
                ck_assert_msg(dmasim_sim_now(top.sys.sim()) <= dmasim::to_ps(sc_core::sc_time_stamp()),
                              "core at %llu ps after sc_start returned at %s",
                              (unsigned long long)dmasim_sim_now(top.sys.sim()),
                              sc_core::sc_time_stamp().to_string().c_str());
            ck_assert_int_lt(slices, 1000000);
        }
        sc_core::sc_start(); // deliver what is left
    }
    dmasim_sim *sim = top.sys.sim();
    ck_assert(top.sys.done());
    ck_assert_int_eq(top.sys.status(), 0);
    dmasim_time sc_end = dmasim::to_ps(sc_core::sc_time_stamp()); // sc_start(slice) runs to the slice's end
    ck_assert_msg(slice == sc_core::SC_ZERO_TIME ? sc_end == alone.end : sc_end >= alone.end,
                  "SystemC ends at %s, the C core at %llu ps", sc_core::sc_time_stamp().to_string().c_str(),
                  (unsigned long long)alone.end);
    ck_assert_uint_eq(dmasim_sim_now(sim), alone.end);
    /* Not the number of kernel events: the fast path's batches also stop where run_until was
     * asked to reach (the caller may act there), so System's lockstep can add a few; every
     * statistic, the end time and every port change must still be identical. */
    ck_assert_uint_ge(dmasim_sim_events_executed(sim), alone.events);
    assert_same_stats(alone.stats, stats(sim));
    for (const std::string &s : kOutputs) {
        const Changes &a = alone.changes[s], &b = top.seen[s];
        ck_assert_msg(a.size() == b.size(), "%s: %zu changes alone, %zu on the port", s.c_str(), a.size(), b.size());
        for (size_t i = 0; i < a.size(); i++)
            ck_assert_msg(a[i] == b[i], "%s change %zu: %llu ps -> %llu alone, %llu ps -> %llu on the port", s.c_str(),
                          i, (unsigned long long)a[i].first, (unsigned long long)a[i].second,
                          (unsigned long long)b[i].first, (unsigned long long)b[i].second);
    }
    double cpu_cycles = alone.stats.at("cpu0.cycles");
    std::printf("%s %s%s: %.0f CPU cycles, end %llu ps, %llu events, %zu irq / %zu owner changes: identical\n",
                w == Workload::Script ? "script" : "synthetic", dmasim_dma_mode_name(mode),
                quantum ? " (quantum keeper 1 us)" : "", cpu_cycles, (unsigned long long)alone.end,
                (unsigned long long)alone.events, alone.changes["dmac0.irq"].size(),
                alone.changes["bus0.owner"].size());
}

} // namespace

SC_TEST(system_script_burst_equals_standalone)
{
    equivalence(Workload::Script, DMASIM_DMA_BURST, false);
}

SC_TEST(system_script_cycle_stealing_equals_standalone)
{
    equivalence(Workload::Script, DMASIM_DMA_CYCLE_STEALING, false);
}

SC_TEST(system_script_transparent_equals_standalone)
{
    equivalence(Workload::Script, DMASIM_DMA_TRANSPARENT, false);
}

SC_TEST(system_synthetic_cycle_stealing_equals_standalone)
{
    equivalence(Workload::Synthetic, DMASIM_DMA_CYCLE_STEALING, false);
}

SC_TEST(system_synthetic_transparent_equals_standalone)
{
    equivalence(Workload::Synthetic, DMASIM_DMA_TRANSPARENT, false);
}

SC_TEST(system_strict_lockstep_equals_standalone)
{
    equivalence(Workload::Synthetic, DMASIM_DMA_CYCLE_STEALING, false, false);
}

// sc_start(100 ns) again and again: with strict lockstep the core is never past SystemC time
// when sc_start returns; either way the results and every port change are those of the run alone.
SC_TEST(system_strict_lockstep_in_sc_start_slices)
{
    equivalence(Workload::Script, DMASIM_DMA_CYCLE_STEALING, false, false, sc_time(100, SC_NS));
}

SC_TEST(system_lookahead_in_sc_start_slices)
{
    equivalence(Workload::Script, DMASIM_DMA_TRANSPARENT, false, true, sc_time(100, SC_NS));
}

SC_TEST(system_quantum_keeper_equals_standalone)
{
    equivalence(Workload::Synthetic, DMASIM_DMA_CYCLE_STEALING, true);
}

SC_TEST(system_quantum_keeper_script_equals_standalone)
{
    equivalence(Workload::Script, DMASIM_DMA_BURST, true);
}

// A C signal driven from SystemC: the CPU waits for "ext.irq" (instead of the DMAC's line); a
// SystemC process raises it at 5 us; the run equals a standalone run where a C event raises it.
namespace {

dmasim_sim *build_ext(dmasim_signal **ext)
{
    dmasim_sim *sim = nullptr;
    ck_ok(dmasim_sim_create(nullptr, &sim), nullptr, "sim");
    dmasim_bus *bus = nullptr;
    ck_ok(dmasim_bus_create(sim, nullptr, &bus), sim, "bus");
    ck_ok(dmasim_sram_create(bus, nullptr), sim, "sram");
    dmasim_cpu *cpu = nullptr;
    ck_ok(dmasim_cpu_create(bus, nullptr, &cpu), sim, "cpu");
    dmasim_dmac *dmac = nullptr;
    ck_ok(dmasim_dmac_create(bus, nullptr, &dmac), sim, "dmac");
    ck_ok(dmasim_signal_create(sim, "ext.irq", 1, 0, ext), sim, "signal");
    ck_ok(dmasim_cpu_set_irq(cpu, *ext), sim, "irq");
    dmasim_cpu_op ops[3];
    std::memset(ops, 0, sizeof ops);
    ops[0].kind = DMASIM_OP_COMPUTE;
    ops[0].a = 100;
    ops[1].kind = DMASIM_OP_DMA_WAIT;
    ops[1].a = kRegs;
    ops[2].kind = DMASIM_OP_COMPUTE;
    ops[2].a = 77;
    ck_ok(dmasim_cpu_run_script(cpu, ops, 3), sim, "script");
    return sim;
}

void raise(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_signal_set(static_cast<dmasim_signal *>(ctx), 1);
}

} // namespace

SC_TEST(system_input_port_drives_c_signal)
{
    dmasim_signal *ext = nullptr;
    dmasim_sim *alone = build_ext(&ext);
    dmasim_event ev;
    dmasim_event_init(&ev, raise, ext);
    ck_ok(dmasim_event_schedule(alone, &ev, 5000000, DMASIM_PRIO_SIGNAL), alone, "schedule");
    ck_ok(dmasim_sim_run(alone), alone, "run");
    std::map<std::string, double> ref = stats(alone);
    dmasim_time end = dmasim_sim_now(alone);
    dmasim_sim_destroy(alone);
    ck_assert_uint_gt(end, 5000000);

    struct Top2 : sc_core::sc_module {
        dmasim::System sys;
        sc_core::sc_signal<bool> ext, irq;
        SC_HAS_PROCESS(Top2);
        Top2(const sc_core::sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &cfg)
            : sc_core::sc_module(n), sys("sys", sim, cfg), ext("ext"), irq("irq")
        {
            sys.in("ext.irq").bind(ext);
            sys.out("dmac0.irq").bind(irq);
            SC_THREAD(drive);
        }
        void drive()
        {
            sc_core::wait(5, SC_US);
            ext.write(true);
        }
    };
    dmasim::System::Config cfg;
    cfg.inputs = {"ext.irq"};
    cfg.outputs = {"dmac0.irq"};
    cfg.own_sim = true;
    Top2 top("top", build_ext(&ext), cfg);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    ck_assert(top.sys.done());
    ck_assert_uint_eq(dmasim_sim_now(top.sys.sim()), end);
    assert_same_stats(ref, stats(top.sys.sim()));
}

SC_TEST(system_stop_when_done_stops_a_clocked_platform)
{
    struct Top3 : sc_core::sc_module {
        dmasim::System sys;
        sc_core::sc_signal<bool> irq;
        sc_core::sc_clock clk; // never runs out of events
        Top3(const sc_core::sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &cfg)
            : sc_core::sc_module(n), sys("sys", sim, cfg), irq("irq"), clk("clk", 7, SC_NS)
        {
            sys.out("dmac0.irq").bind(irq);
        }
    };
    Result alone = run_alone(Workload::Script, DMASIM_DMA_BURST);
    dmasim::System::Config cfg;
    cfg.outputs = {"dmac0.irq"};
    cfg.stop_when_done = true;
    cfg.own_sim = true;
    Top3 top("top", build(Workload::Script, DMASIM_DMA_BURST), cfg);
    bool done_seen = false;
    sc_core::sc_spawn_options o;
    o.spawn_method();
    o.dont_initialize();
    o.set_sensitivity(&top.sys.done_event());
    sc_core::sc_spawn([&] { done_seen = true; }, "on_done", &o);
    sc_core::sc_start();
    ck_assert(done_seen);
    ck_assert(top.sys.done());
    ck_assert_uint_eq(dmasim::to_ps(sc_core::sc_time_stamp()), alone.end);
    ck_assert_int_eq(sc_core::sc_get_status(), sc_core::SC_STOPPED);
    assert_same_stats(alone.stats, stats(top.sys.sim()));
}

// A C-side observer of a TC pin (a VCD would be one): the end of the pulse is a passive event
// (it keeps no run alone going). System must neither hang on it nor leave the pin high: SystemC
// time passes it and the pulse completes, one bus cycle after terminal count.
SC_TEST(system_watched_tc_pulse_completes_and_does_not_hang)
{
    CSystem cs = c_system(1 << 20, 2);
    Changes tc;
    ck_ok(dmasim_signal_subscribe(dmasim_sim_signal_find(cs.sim, "dmac0.ch0.tc"), record, &tc), cs.sim, "subscribe");
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.src = 0x1000;
    t.dst = 0x8000;
    t.count = 16;
    t.item_size = 8;
    ck_ok(dmasim_dmac_channel_start(cs.dmac, 0, &t), cs.sim, "start");
    dmasim::System::Config cfg;
    cfg.outputs = {"dmac0.irq"};
    cfg.own_sim = true;
    struct Top4 : sc_core::sc_module {
        dmasim::System sys;
        sc_core::sc_signal<bool> irq;
        Top4(const sc_core::sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &c)
            : sc_core::sc_module(n), sys("sys", sim, c), irq("irq")
        {
            sys.out("dmac0.irq").bind(irq);
        }
    } top("top", cs.sim, cfg);
    sc_core::sc_start();
    dmasim_dma_channel_status st;
    dmasim_dmac_channel_status(cs.dmac, 0, &st);
    ck_assert(st.tc && !st.error);
    ck_assert(top.sys.done());
    ck_assert_uint_eq(tc.size(), 2);
    ck_assert(tc[0] == std::make_pair(st.end_time, uint64_t(1)));
    ck_assert(tc[1] == std::make_pair(st.end_time + 10000, uint64_t(0)));
    ck_assert_uint_eq(dmasim_sim_now(cs.sim), st.end_time + 10000);
    std::printf("TC watched from C: terminal count at %llu ps, pulse ended %llu ps, SystemC at %s\n",
                (unsigned long long)st.end_time, (unsigned long long)tc[1].first,
                sc_core::sc_time_stamp().to_string().c_str());
}

SC_TEST(system_core_error_is_reported)
{
    dmasim_sim *sim = nullptr;
    ck_ok(dmasim_sim_create(nullptr, &sim), nullptr, "sim");
    dmasim_bus *bus = nullptr;
    ck_ok(dmasim_bus_create(sim, nullptr, &bus), sim, "bus");
    ck_ok(dmasim_sram_create(bus, nullptr), sim, "sram");
    dmasim_cpu *cpu = nullptr;
    ck_ok(dmasim_cpu_create(bus, nullptr, &cpu), sim, "cpu");
    dmasim_trace_config tc;
    dmasim_trace_config_init(&tc);
    std::string path = std::string(DMASIM_TEST_DATA_DIR) + "/bad/corrupt.lackey";
    tc.path = path.c_str();
    ck_ok(dmasim_cpu_run_trace(cpu, &tc), sim, "trace");
    dmasim::System::Config cfg;
    cfg.own_sim = true;
    dmasim::System sys("sys", sim, cfg);
    bool thrown = false;
    try {
        sc_core::sc_start();
    } catch (const sc_core::sc_report &r) {
        thrown = true;
        ck_assert_msg(std::strstr(r.what(), "corrupt.lackey") != nullptr, "message: %s", r.what());
    }
    ck_assert(thrown);
    ck_assert_int_eq(sys.status(), DMASIM_EFORMAT);
}

SC_TEST(system_unknown_or_mistyped_signal_is_an_error)
{
    dmasim_sim *sim = build(Workload::Script, DMASIM_DMA_BURST);
    dmasim::System::Config cfg;
    cfg.outputs = {"dmac0.irq", "bus0.owner"};
    cfg.own_sim = true;
    dmasim::System sys("sys", sim, cfg);
    auto throws = [](std::function<void()> f, const char *needle) {
        try {
            f();
        } catch (const sc_core::sc_report &r) {
            ck_assert_msg(std::strstr(r.what(), needle) != nullptr, "message: %s", r.what());
            return;
        }
        ck_abort_msg("no error (expected one about '%s')", needle);
    };
    throws([&] { sys.out("bus0.owner"); }, "out_u64()");
    throws([&] { sys.out_u64("dmac0.irq"); }, "out()");
    throws([&] { sys.out("dmac0.hrq"); }, "not one of the outputs");
    throws([&] { sys.in("dmac0.irq"); }, "not one of the inputs");
    dmasim::System::Config bad;
    bad.outputs = {"no.such.signal"};
    throws([&] { dmasim::System s2("sys2", sim, bad); }, "no signal named 'no.such.signal'");
}

SC_CHECK_MAIN("systemc_system")

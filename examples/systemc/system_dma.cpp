// dmasim::System: three whole dmasim systems (CPU with a D1 cache, SRAM, DMAC on one bus), built
// with the C API, one per DMA mode, run side by side in one SystemC simulation. Each exposes its
// DMAC's pins and its bus owner as SystemC ports; SystemC's tracing writes them to
// system_dma.vcd. Afterwards each system is built again and run alone (dmasim_sim_run): the
// statistics must be identical. Exit status 0 if they are. (The event counts differ: the fast
// path folds re-arbitrations only while nobody observes HRQ/HLDA/owner, and the ports observe
// them; the results do not depend on it, docs/timing.md.)
//
// The scenario: the CPU programs a 256-item copy through the DMAC's registers, then computes and
// loads from memory it does not have cached (it needs the bus while the DMAC uses it), waits for
// the DMA interrupt, clears it and reads the last word copied.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dmasim/systemc.hpp"

using namespace sc_core;

namespace {

const dmasim_addr kSrc = 0x10000, kDst = 0x20000, kRegs = 0xF0000000u;

dmasim_sim *build(dmasim_dma_mode mode)
{
    dmasim_sim *sim = nullptr;
    dmasim_bus *bus = nullptr;
    dmasim_cpu *cpu = nullptr;
    dmasim_dmac *dmac = nullptr;
    dmasim_sram_config ram;
    dmasim_sram_config_init(&ram);
    ram.size = 16 << 20;
    ram.wait_states = 2;
    if (dmasim_sim_create(nullptr, &sim) || dmasim_bus_create(sim, nullptr, &bus) || dmasim_sram_create(bus, &ram) ||
        dmasim_cpu_create(bus, nullptr, &cpu) || dmasim_dmac_create(bus, nullptr, &dmac) ||
        dmasim_cpu_set_irq(cpu, dmasim_dmac_irq(dmac))) {
        std::fprintf(stderr, "building the system: %s\n", sim ? dmasim_sim_errmsg(sim) : "out of memory");
        std::exit(1);
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint64_t v = 0x1000 + i;
        dmasim_mem_write(sim, kSrc + 8 * i, &v, 8);
    }
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
    op(DMASIM_OP_DMA_START, kRegs, kSrc, kDst, 256);
    for (int i = 0; i < 12; i++) {
        op(DMASIM_OP_COMPUTE, 40);
        op(DMASIM_OP_LOAD, 0x100000 + uint64_t(i) * 4096, 8);
    }
    op(DMASIM_OP_DMA_WAIT, kRegs);
    op(DMASIM_OP_LOAD, kDst + 8 * 255, 8);
    if (dmasim_cpu_run_script(cpu, ops.data(), ops.size())) {
        std::fprintf(stderr, "script: %s\n", dmasim_sim_errmsg(sim));
        std::exit(1);
    }
    return sim;
}

std::map<std::string, double> stats(dmasim_sim *sim)
{
    std::map<std::string, double> m;
    dmasim_sim_stats_update(sim);
    for (size_t i = 0; i < dmasim_sim_stat_count(sim); i++) {
        const dmasim_stat *s = dmasim_sim_stat_at(sim, i);
        m[s->path] = s->kind == DMASIM_STAT_U64 ? double(*static_cast<const uint64_t *>(s->value))
                                                : *static_cast<const double *>(s->value);
    }
    return m;
}

// One system and the signals its ports drive.
struct Board : sc_module {
    dmasim::System sys;
    sc_signal<bool> irq, hrq, hlda;
    sc_signal<sc_dt::uint64> owner;
    Board(const sc_module_name &n, dmasim_sim *sim, const dmasim::System::Config &cfg)
        : sc_module(n), sys("sys", sim, cfg), irq("irq"), hrq("hrq"), hlda("hlda"), owner("owner")
    {
        sys.out("dmac0.irq").bind(irq);
        sys.out("dmac0.hrq").bind(hrq);
        sys.out("dmac0.hlda").bind(hlda);
        sys.out_u64("bus0.owner").bind(owner);
    }
};

} // namespace

int sc_main(int, char **)
{
    const dmasim_dma_mode modes[3] = {DMASIM_DMA_BURST, DMASIM_DMA_CYCLE_STEALING, DMASIM_DMA_TRANSPARENT};
    dmasim::System::Config cfg;
    cfg.outputs = {"dmac0.irq", "dmac0.hrq", "dmac0.hlda", "bus0.owner"};
    cfg.own_sim = true;
    std::vector<std::unique_ptr<Board>> boards;
    sc_trace_file *tf = sc_create_vcd_trace_file("system_dma");
    tf->set_time_unit(1, SC_NS);
    for (dmasim_dma_mode m : modes) {
        std::string name = dmasim_dma_mode_name(m);
        boards.push_back(std::make_unique<Board>(name.c_str(), build(m), cfg));
        Board &b = *boards.back();
        sc_trace(tf, b.irq, name + ".irq");
        sc_trace(tf, b.hrq, name + ".hrq");
        sc_trace(tf, b.hlda, name + ".hlda");
        sc_trace(tf, b.owner, name + ".owner");
    }
    sc_start();
    sc_close_vcd_trace_file(tf);

    bool ok = true;
    std::printf("%-15s %10s %12s %12s %12s %16s %s\n", "mode", "cpu cycles", "stall(dmac)", "dma cycles",
                "end", "events (alone)", "statistics vs standalone");
    for (size_t i = 0; i < 3; i++) {
        dmasim_sim *sim = boards[i]->sys.sim();
        std::map<std::string, double> s = stats(sim);
        dmasim_sim *alone = build(modes[i]);
        int rc = dmasim_sim_run(alone);
        std::map<std::string, double> sa = stats(alone);
        bool same = rc == 0 && sa == s && dmasim_sim_now(alone) == dmasim_sim_now(sim);
        for (auto &kv : sa)
            if (s[kv.first] != kv.second)
                std::printf("  %s: %g alone, %g in SystemC\n", kv.first.c_str(), kv.second, s[kv.first]);
        uint64_t last = 0;
        dmasim_mem_read(sim, kDst + 8 * 255, &last, 8);
        same = same && last == 0x1000 + 255;
        std::printf("%-15s %10.0f %12.0f %12.0f %9.3f us %7llu (%6llu) %s\n", dmasim_dma_mode_name(modes[i]),
                    s["cpu0.cycles"], s["cpu0.stall_cycles_by.dmac0"], s["dmac0.ch0.completion_cycles"],
                    double(dmasim_sim_now(sim)) / 1e6, (unsigned long long)dmasim_sim_events_executed(sim),
                    (unsigned long long)dmasim_sim_events_executed(alone), same ? "identical" : "DIFFERENT");
        ok = ok && same;
        dmasim_sim_destroy(alone);
    }
    std::printf("SystemC time at the end: %s\n", sc_time_stamp().to_string().c_str());
    return ok ? 0 : 1;
}

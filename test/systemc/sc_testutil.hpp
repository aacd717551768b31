// Helpers shared by the SystemC tests: statistics snapshots and a standalone C run of a DMA copy.
#ifndef DMASIM_SC_TESTUTIL_HPP
#define DMASIM_SC_TESTUTIL_HPP

#include <map>
#include <string>
#include <vector>

#include "dmasim/systemc.hpp"
#include "sc_check.hpp"

namespace sctest {

// Every statistic of a simulation by path (u64 as double: exact below 2^53).
inline std::map<std::string, double> stats(dmasim_sim *sim)
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

// ck_assert that two snapshots are equal (same paths, same values), naming the first difference.
inline void assert_same_stats(const std::map<std::string, double> &a, const std::map<std::string, double> &b)
{
    ck_assert_msg(a.size() == b.size(), "%zu statistics vs %zu", a.size(), b.size());
    for (const auto &kv : a) {
        auto it = b.find(kv.first);
        ck_assert_msg(it != b.end(), "statistic %s missing", kv.first.c_str());
        ck_assert_msg(it->second == kv.second, "statistic %s: %.17g vs %.17g", kv.first.c_str(), kv.second,
                      it->second);
    }
}

// The byte pattern of source buffers.
inline unsigned char pattern(uint64_t i) { return static_cast<unsigned char>((i * 131u + 7u) ^ (i >> 8)); }

inline void ck_ok(int rc, dmasim_sim *sim, const char *what)
{
    ck_assert_msg(rc >= 0, "%s: %s: %s", what, dmasim_strerror(rc), sim ? dmasim_sim_errmsg(sim) : "");
}

// A DMA copy, and the same copy run in the C core alone: a bus (10 ns, 8 bytes, 1 arbitration
// cycle, 1 address cycle), an SRAM with `ws` wait states at [0, mem_size), a DMAC with 4
// channels; channel 0 is started at start_ps.
struct Copy {
    dmasim_dma_mode mode = DMASIM_DMA_BURST;
    uint64_t count = 1000;
    uint32_t item = 8;
    dmasim_addr src = 0x1000, dst = 0x40000;
    uint32_t ws = 2;
    uint64_t mem_size = 1 << 20;
    dmasim_time start_ps = 0;
    uint32_t max_burst = 0;

    dmasim_dma_transfer transfer() const
    {
        dmasim_dma_transfer t;
        dmasim_dma_transfer_init(&t);
        t.src = src;
        t.dst = dst;
        t.count = count;
        t.item_size = item;
        t.mode = mode;
        return t;
    }
    uint64_t bytes() const { return count * item; }
};

struct CRun {
    dmasim_time end = 0;
    dmasim_dma_channel_status status{};
    std::map<std::string, double> stats;
    std::vector<unsigned char> dst;
};

// The C side of the equivalence tests: a default bus, an SRAM of mem_size bytes with ws wait
// states at 0, a default DMAC (4 channels) with max_burst. The caller destroys sim.
struct CSystem {
    dmasim_sim *sim = nullptr;
    dmasim_bus *bus = nullptr;
    dmasim_dmac *dmac = nullptr;
};

inline CSystem c_system(uint64_t mem_size, uint32_t ws, uint32_t max_burst = 0)
{
    CSystem s;
    ck_ok(dmasim_sim_create(nullptr, &s.sim), nullptr, "sim");
    ck_ok(dmasim_bus_create(s.sim, nullptr, &s.bus), s.sim, "bus");
    dmasim_sram_config scfg;
    dmasim_sram_config_init(&scfg);
    scfg.size = mem_size;
    scfg.wait_states = ws;
    ck_ok(dmasim_sram_create(s.bus, &scfg), s.sim, "sram");
    dmasim_dmac_config dcfg;
    dmasim_dmac_config_init(&dcfg);
    dcfg.max_burst = max_burst;
    ck_ok(dmasim_dmac_create(s.bus, &dcfg, &s.dmac), s.sim, "dmac");
    return s;
}

inline CRun run_c(const Copy &c)
{
    CSystem cs = c_system(c.mem_size, c.ws, c.max_burst);
    dmasim_sim *sim = cs.sim;
    dmasim_dmac *dmac = cs.dmac;
    std::vector<unsigned char> src(c.bytes());
    for (uint64_t i = 0; i < src.size(); i++)
        src[i] = pattern(i);
    ck_ok(dmasim_mem_write(sim, c.src, src.data(), src.size()), sim, "fill");
    ck_ok(dmasim_sim_run_until(sim, c.start_ps), sim, "run_until");
    dmasim_dma_transfer t = c.transfer();
    ck_ok(dmasim_dmac_channel_start(dmac, 0, &t), sim, "start");
    ck_ok(dmasim_sim_run(sim), sim, "run");
    CRun r;
    dmasim_dmac_channel_status(dmac, 0, &r.status);
    r.end = r.status.end_time;
    r.stats = stats(sim);
    r.dst.resize(c.bytes());
    dmasim_mem_read(sim, c.dst, r.dst.data(), r.dst.size());
    dmasim_sim_destroy(sim);
    return r;
}

} // namespace sctest

#endif

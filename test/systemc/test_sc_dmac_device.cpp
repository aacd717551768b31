// dmasim::Dmac with device ports (Config::device_ports): a SystemC device on dreq/dack/tc and
// device_socket gets the same transfer as the same device attached to the C DMAC alone - the
// same item times, the same DACK and TC edges, the same end time, statistics and bytes - in
// each mode and both directions, with a device that is not ready at first, and with DREQ
// dropping and rising again (demand mode). Contract: include/dmasim/systemc.hpp ("Devices").
#include <functional>
#include <memory>
#include <utility>

#include "memory.hpp"
#include "sc_testutil.hpp"

using namespace sctest;

namespace {

constexpr dmasim_time P = 10000;        // bus period (ps)
constexpr dmasim_time T0 = 1000003;     // DREQ rises (ps); off the clock edges on purpose

// What the device does, the same in SystemC and in C.
struct Script {
    dmasim_dma_mode mode = DMASIM_DMA_BURST;
    dmasim_dma_direction dir = DMASIM_DMA_DEV_TO_MEM;
    uint64_t count = 64;
    uint32_t item = 8;
    dmasim_addr mem = 0x40000;          // destination (from the device) or source (to it)
    unsigned refuse = 0;                // the first `refuse` items are refused (not ready)
    std::vector<std::pair<dmasim_time, bool>> dreq = {{T0, true}}; // DREQ changes (ps, level)
    // A reacting device (fifo > 0): it holds `fifo` items from T0; giving the last one drops DREQ
    // at that item's time, and `refill` ps later the FIFO is full again and DREQ rises. A DREQ
    // change at time T is seen after the core's events at T (as the Dmac's dreq port is).
    unsigned fifo = 0;
    dmasim_time refill = 0;
    uint64_t bytes() const { return count * item; }
};

// What both runs record.
struct Trace {
    std::vector<dmasim_time> items;     // time of each device transaction, refused ones included
    std::vector<std::pair<dmasim_time, bool>> dack, tc;
    std::vector<unsigned char> got;     // bytes the device took (to-device)
    std::vector<unsigned char> mem;     // memory after the run (from-device: the destination)
    dmasim_dma_channel_status status{};
    std::map<std::string, double> stats;
};

dmasim_dma_transfer transfer(const Script &s)
{
    dmasim_dma_transfer t;
    dmasim_dma_transfer_init(&t);
    t.count = s.count;
    t.item_size = s.item;
    t.mode = s.mode;
    t.direction = s.dir;
    if (s.dir == DMASIM_DMA_DEV_TO_MEM)
        t.dst = s.mem;
    else
        t.src = s.mem;
    return t;
}

// ---- the C reference: the C DMAC with a C device ------------------------------------------

struct CDevice {
    const Script *s = nullptr;
    Trace *tr = nullptr;
    dmasim_sim *sim = nullptr;
    dmasim_signal *dreq = nullptr;
    uint64_t given = 0;
    unsigned seen = 0, level = 0;
    dmasim_event drop{}, rise{};
};

void c_drop(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    dmasim_signal_set(static_cast<CDevice *>(ctx)->dreq, 0);
}

void c_rise(dmasim_sim *sim, dmasim_event *ev, void *ctx)
{
    (void)sim;
    (void)ev;
    CDevice *d = static_cast<CDevice *>(ctx);
    d->level = d->s->fifo;
    dmasim_signal_set(d->dreq, 1);
}

int c_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    CDevice *d = static_cast<CDevice *>(ctx);
    d->tr->items.push_back(t);
    if (d->seen++ < d->s->refuse || (d->s->fifo && d->level == 0))
        return DMASIM_EBUSY;
    for (uint32_t i = 0; i < len; i++)
        static_cast<unsigned char *>(buf)[i] = pattern(d->given + i);
    d->given += len;
    if (d->s->fifo && --d->level == 0) {
        dmasim_event_schedule(d->sim, &d->drop, t, DMASIM_PRIO_LATE);
        dmasim_event_schedule(d->sim, &d->rise, t + d->s->refill, DMASIM_PRIO_LATE);
    }
    return 0;
}

int c_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    CDevice *d = static_cast<CDevice *>(ctx);
    d->tr->items.push_back(t);
    if (d->seen++ < d->s->refuse)
        return DMASIM_EBUSY;
    const unsigned char *b = static_cast<const unsigned char *>(buf);
    d->tr->got.insert(d->tr->got.end(), b, b + len);
    return 0;
}

void c_edge(dmasim_signal *sig, uint64_t v, dmasim_time t, void *ctx)
{
    (void)sig;
    static_cast<std::vector<std::pair<dmasim_time, bool>> *>(ctx)->emplace_back(t, v != 0);
}

Trace run_c(const Script &s)
{
    Trace tr;
    CSystem cs = c_system(1 << 20, 2);
    dmasim_sim *sim = cs.sim;
    dmasim_dmac *dmac = cs.dmac;
    dmasim_signal *dreq = nullptr;
    ck_ok(dmasim_signal_create(sim, "dev.dreq", 1, 0, &dreq), sim, "dreq");
    static const dmasim_dma_device_ops ops = {1, c_give, c_take, nullptr};
    CDevice dev;
    dev.s = &s;
    dev.tr = &tr;
    dev.sim = sim;
    dev.dreq = dreq;
    dev.level = s.fifo;
    dmasim_event_init(&dev.drop, c_drop, &dev);
    dmasim_event_init(&dev.rise, c_rise, &dev);
    ck_ok(dmasim_dmac_attach_device(dmac, 0, &ops, &dev, dreq), sim, "attach");
    ck_ok(dmasim_signal_subscribe(dmasim_sim_signal_find(sim, "dmac0.ch0.dack"), c_edge, &tr.dack), sim, "dack");
    ck_ok(dmasim_signal_subscribe(dmasim_sim_signal_find(sim, "dmac0.ch0.tc"), c_edge, &tr.tc), sim, "tc");
    if (s.dir == DMASIM_DMA_MEM_TO_DEV) { // the source; a destination starts zero
        std::vector<unsigned char> src(s.bytes());
        for (uint64_t i = 0; i < src.size(); i++)
            src[i] = pattern(i);
        ck_ok(dmasim_mem_write(sim, s.mem, src.data(), src.size()), sim, "fill");
    }
    dmasim_dma_transfer t = transfer(s);
    ck_ok(dmasim_dmac_channel_start(dmac, 0, &t), sim, "start");
    for (const auto &ch : s.dreq) { // after the core's events at that time, as on the port
        ck_ok(dmasim_sim_run_until(sim, ch.first), sim, "run_until");
        dmasim_signal_set(dreq, ch.second ? 1 : 0);
    }
    ck_ok(dmasim_sim_run(sim), sim, "run");
    // The end of the TC pulse is passive: it keeps no run going, so a run that ends at terminal
    // count leaves TC high. In SystemC, time passes it and the pulse completes: here too.
    dmasim_dmac_channel_status(dmac, 0, &tr.status);
    if (dmasim_sim_now(sim) < tr.status.end_time + P)
        ck_ok(dmasim_sim_run_until(sim, tr.status.end_time + P), sim, "run_until");
    tr.stats = stats(sim);
    tr.mem.resize(s.bytes());
    dmasim_mem_read(sim, s.mem, tr.mem.data(), tr.mem.size());
    dmasim_sim_destroy(sim);
    return tr;
}

// ---- the same device in SystemC -----------------------------------------------------------

struct Device : sc_core::sc_module {
    tlm_utils::simple_target_socket<Device> socket;
    sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> dreq; // the schedule and the FIFO drive it
    const Script &s;
    Trace &tr;
    uint64_t given = 0;
    unsigned seen = 0, level = 0;
    sc_core::sc_event drop_ev, rise_ev;

    SC_HAS_PROCESS(Device);
    Device(const sc_core::sc_module_name &n, const Script &sc, Trace &t)
        : sc_core::sc_module(n), socket("socket"), dreq("dreq"), s(sc), tr(t), level(sc.fifo)
    {
        socket.register_b_transport(this, &Device::b_transport);
        SC_THREAD(drive);
        SC_METHOD(drop);
        sensitive << drop_ev;
        dont_initialize();
        SC_METHOD(rise);
        sensitive << rise_ev;
        dont_initialize();
    }
    void drop() { dreq.write(false); }
    void rise()
    {
        level = s.fifo;
        dreq.write(true);
    }
    void drive() // the DREQ schedule
    {
        for (const auto &ch : s.dreq) {
            sc_core::wait(dmasim::to_sc_time(ch.first) - sc_core::sc_time_stamp());
            dreq.write(ch.second);
        }
    }
    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay)
    {
        ck_assert_uint_eq(p.get_address(), 0); // channel 0
        ck_assert_uint_eq(p.get_data_length(), s.item);
        ck_assert_uint_eq(p.get_streaming_width(), s.item);
        ck_assert(p.get_byte_enable_ptr() == nullptr);
        tr.items.push_back(dmasim::to_ps(sc_core::sc_time_stamp() + delay));
        const sc_core::sc_time delay0 = delay;
        delay += sc_core::sc_time(1, sc_core::SC_US); // ignored: fly-by items take the memory's time
        if (seen++ < s.refuse || (s.fifo && level == 0)) {
            p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        if (s.fifo && --level == 0) { // empty: DREQ drops at this item's time
            drop_ev.notify(delay0);
            rise_ev.notify(delay0 + dmasim::to_sc_time(s.refill));
        }
        unsigned char *b = p.get_data_ptr();
        if (p.is_read()) {
            ck_assert(s.dir == DMASIM_DMA_DEV_TO_MEM);
            for (uint32_t i = 0; i < s.item; i++)
                b[i] = pattern(given + i);
            given += s.item;
        } else {
            ck_assert(s.dir == DMASIM_DMA_MEM_TO_DEV);
            tr.got.insert(tr.got.end(), b, b + s.item);
        }
        p.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// Memory <- Dmac (device ports) <-> Device; records the DACK and TC edges of channel 0.
struct Platform : sc_core::sc_module {
    example::Memory mem;
    dmasim::Dmac dmac;
    Device dev;
    sc_core::sc_vector<sc_core::sc_signal<bool>> dack, tc, idle; // idle: DREQ of channels 1..
    sc_core::sc_signal<bool> irq;
    tlm_utils::simple_initiator_socket<Platform> cpu; // to the registers (unused: Dmac::start)
    Trace &tr;
    const Script &s;

    SC_HAS_PROCESS(Platform);
    Platform(const sc_core::sc_module_name &n, const example::Memory::Config &mc, const dmasim::Dmac::Config &dc,
             const Script &sc, Trace &t)
        : sc_core::sc_module(n), mem("mem", mc), dmac("dmac", dc), dev("dev", sc, t), dack("dack", dc.channels),
          tc("tc", dc.channels), idle("idle", dc.channels), irq("irq"), cpu("cpu"), tr(t), s(sc)
    {
        dmac.initiator_socket.bind(mem.socket);
        cpu.bind(dmac.target_socket);
        dmac.device_socket.bind(dev.socket);
        dmac.irq.bind(irq);
        for (unsigned ch = 0; ch < dc.channels; ch++) {
            if (ch == 0) // the device is on channel 0
                dmac.dreq[ch].bind(dev.dreq);
            else
                dmac.dreq[ch].bind(idle[ch]);
            dmac.dack[ch].bind(dack[ch]);
            dmac.tc[ch].bind(tc[ch]);
        }
        SC_METHOD(on_dack);
        sensitive << dack[0];
        dont_initialize();
        SC_METHOD(on_tc);
        sensitive << tc[0];
        dont_initialize();
        SC_THREAD(start);
    }
    void on_dack() { tr.dack.emplace_back(dmasim::to_ps(sc_core::sc_time_stamp()), dack[0].read()); }
    void on_tc() { tr.tc.emplace_back(dmasim::to_ps(sc_core::sc_time_stamp()), tc[0].read()); }
    void start()
    {
        for (uint64_t i = 0; i < s.bytes(); i++)
            *mem.data(s.mem + i) = s.dir == DMASIM_DMA_DEV_TO_MEM ? 0 : pattern(i);
        dmasim_dma_transfer t = transfer(s);
        ck_ok(dmac.start(0, t), dmac.sim(), "start");
    }
};

Trace run_sc(const Script &s, dmasim::Dmac::Config dc, bool sync_memory = false)
{
    Trace tr;
    dc.device_ports = true;
    example::Memory::Config mc;
    mc.size = 1 << 20;
    mc.wait_states = 2;
    mc.sync = sync_memory; // the memory wait()s for its delay inside the DMAC's transactions
    Platform pf("top", mc, dc, s, tr);
    sc_core::sc_start();
    tr.status = pf.dmac.channel_status(0);
    tr.stats = stats(pf.dmac.sim());
    tr.mem.assign(pf.mem.data(s.mem), pf.mem.data(s.mem) + s.bytes());
    return tr;
}

// A C pin's edges as a SystemC port shows them: of several changes at one time the last value,
// and nothing when that is the value the port already had (a zero-width pulse is not seen).
std::vector<std::pair<dmasim_time, bool>> as_port(const std::vector<std::pair<dmasim_time, bool>> &edges)
{
    std::vector<std::pair<dmasim_time, bool>> v;
    bool level = false;
    for (size_t i = 0; i < edges.size(); i++) {
        if (i + 1 < edges.size() && edges[i + 1].first == edges[i].first)
            continue; // a later change at the same time wins
        if (edges[i].second != level)
            v.push_back(edges[i]);
        level = edges[i].second;
    }
    return v;
}

void check_same(const Script &s, const Trace &c, const Trace &o)
{
    ck_assert_msg(c.status.tc && !c.status.error, "C run did not reach terminal count");
    ck_assert_msg(o.status.tc && !o.status.error, "SystemC run did not reach terminal count (err %d)",
                  o.status.err);
    ck_assert_msg(o.status.end_time == c.status.end_time, "end_time %llu ps in SystemC, %llu ps in C",
                  (unsigned long long)o.status.end_time, (unsigned long long)c.status.end_time);
    ck_assert_uint_eq(o.items.size(), c.items.size());
    ck_assert_uint_eq(c.items.size(), s.count + s.refuse);
    for (size_t i = 0; i < c.items.size(); i++)
        ck_assert_msg(o.items[i] == c.items[i], "item %zu at %llu ps in SystemC, %llu ps in C", i,
                      (unsigned long long)o.items[i], (unsigned long long)c.items[i]);
    ck_assert_msg(o.dack == as_port(c.dack), "DACK edges differ (%zu in SystemC, %zu in C)", o.dack.size(),
                  as_port(c.dack).size());
    ck_assert_msg(!c.dack.empty() && c.dack.front().second && !c.dack.back().second, "DACK never rose and fell");
    ck_assert_msg(o.tc == as_port(c.tc), "TC edges differ (%zu in SystemC, %zu in C)", o.tc.size(), c.tc.size());
    ck_assert_uint_eq(c.tc.size(), 2); // one pulse
    ck_assert_uint_eq(c.tc[1].first - c.tc[0].first, P);
    assert_same_stats(c.stats, o.stats);
    ck_assert_msg(o.mem == c.mem, "memory differs");
    ck_assert_msg(o.got == c.got, "bytes the device took differ");
    for (uint64_t i = 0; i < s.bytes(); i++) {
        unsigned char b = s.dir == DMASIM_DMA_DEV_TO_MEM ? o.mem[i] : o.got.at(i);
        ck_assert_msg(b == pattern(i), "byte %llu", (unsigned long long)i);
    }
    std::printf("%s %s: %llu items of %u B, %u refused: end %llu ps, first item %llu ps, %zu DACK edges in C, "
                "%zu on the port\n",
                dmasim_dma_mode_name(s.mode), s.dir == DMASIM_DMA_DEV_TO_MEM ? "from device" : "to device",
                (unsigned long long)s.count, s.item, s.refuse, (unsigned long long)c.status.end_time,
                (unsigned long long)c.items.front(), c.dack.size(), o.dack.size());
}

void equivalence(const Script &s, dmasim::Dmac::Config dc = dmasim::Dmac::Config())
{
    Trace c = run_c(s);
    Trace o = run_sc(s, dc);
    check_same(s, c, o);
}

} // namespace

SC_TEST(dmac_device_burst_from_device)
{
    Script s;
    equivalence(s);
}

SC_TEST(dmac_device_cycle_stealing_to_device)
{
    Script s;
    s.mode = DMASIM_DMA_CYCLE_STEALING;
    s.dir = DMASIM_DMA_MEM_TO_DEV;
    equivalence(s);
}

SC_TEST(dmac_device_transparent_from_device_strict_lockstep)
{
    Script s;
    s.mode = DMASIM_DMA_TRANSPARENT;
    dmasim::Dmac::Config dc;
    dc.lookahead = false;
    equivalence(s, dc);
}

SC_TEST(dmac_device_not_ready_items_are_retried)
{
    Script s;
    s.mode = DMASIM_DMA_CYCLE_STEALING;
    s.refuse = 3;
    s.item = 16;
    equivalence(s);
}

SC_TEST(dmac_device_demand_mode_follows_dreq)
{
    // DREQ high at T0, low 200 ns later (mid-transfer), high again 1 us after that: in demand
    // mode the DMAC releases the bus when DREQ drops and goes on when it rises.
    Script s;
    s.mode = DMASIM_DMA_DEMAND;
    s.dir = DMASIM_DMA_MEM_TO_DEV;
    s.dreq = {{T0, true}, {T0 + 200000, false}, {T0 + 1200000, true}};
    Trace c = run_c(s);
    // the drop shows: a gap of at least 1 us between two consecutive items
    bool gap = false;
    for (size_t i = 1; i < c.items.size(); i++)
        gap = gap || c.items[i] - c.items[i - 1] >= 1000000;
    ck_assert_msg(gap, "DREQ's drop did not pause the transfer");
    ck_assert_uint_ge(c.dack.size(), 4); // DACK fell with DREQ and rose again
    Trace o = run_sc(s, dmasim::Dmac::Config());
    check_same(s, c, o);
}

// The device drops DREQ when its FIFO empties, in reaction to an item: the core must not have
// run past that item's time when the drop arrives (with lookahead, and in strict lockstep).
void reacting(dmasim_dma_mode mode, bool lookahead)
{
    Script s;
    s.mode = mode;
    s.count = 40;
    s.fifo = 8;
    s.refill = 700000;
    Trace c = run_c(s);
    ck_assert_uint_eq(c.items.size(), s.count);          // DREQ dropped in time: nothing refused
    ck_assert_uint_ge(c.status.end_time, T0 + 4 * s.refill); // four refills
    dmasim::Dmac::Config dc;
    dc.lookahead = lookahead;
    Trace o = run_sc(s, dc);
    check_same(s, c, o);
}

SC_TEST(dmac_device_reacting_fifo_cycle_stealing)
{
    reacting(DMASIM_DMA_CYCLE_STEALING, true);
}

SC_TEST(dmac_device_reacting_fifo_demand)
{
    reacting(DMASIM_DMA_DEMAND, true);
}

SC_TEST(dmac_device_reacting_fifo_demand_strict_lockstep)
{
    reacting(DMASIM_DMA_DEMAND, false);
}

// DREQ changes while the DMAC's memory target wait()s inside the core (a thread is in it): the
// change is applied when that transaction returns, and the transfer completes.
SC_TEST(dmac_device_dreq_change_while_the_memory_waits)
{
    Script s;
    s.mode = DMASIM_DMA_DEMAND;
    s.dreq = {{T0, true}, {T0 + 200000, false}, {T0 + 1200000, true}};
    Trace o = run_sc(s, dmasim::Dmac::Config(), true);
    ck_assert_msg(o.status.tc && !o.status.error, "no terminal count (err %d)", o.status.err);
    ck_assert_uint_eq(o.items.size(), s.count);
    bool gap = false;
    for (size_t i = 1; i < o.items.size(); i++)
        gap = gap || o.items[i] - o.items[i - 1] >= 900000;
    ck_assert_msg(gap, "DREQ's drop did not pause the transfer");
    for (uint64_t i = 0; i < s.bytes(); i++)
        ck_assert_msg(o.mem[i] == pattern(i), "byte %llu", (unsigned long long)i);
    std::printf("demand with a waiting memory: %llu items, end %llu ps\n", (unsigned long long)s.count,
                (unsigned long long)o.status.end_time);
}

SC_TEST(dmac_device_ports_need_device_socket)
{
    struct Top : sc_core::sc_module {
        example::Memory mem;
        dmasim::Dmac dmac;
        sc_core::sc_signal<bool> irq, dreq;
        sc_core::sc_vector<sc_core::sc_signal<bool>> dack, tc;
        tlm_utils::simple_initiator_socket<Top> cpu;
        Top(const sc_core::sc_module_name &n, const dmasim::Dmac::Config &dc)
            : sc_core::sc_module(n), mem("mem", example::Memory::Config()), dmac("dmac", dc),
              dack("dack", dc.channels), tc("tc", dc.channels), cpu("cpu")
        {
            dmac.initiator_socket.bind(mem.socket);
            cpu.bind(dmac.target_socket);
            dmac.irq.bind(irq);
            for (unsigned ch = 0; ch < dc.channels; ch++) {
                dmac.dreq[ch].bind(dreq);
                dmac.dack[ch].bind(dack[ch]);
                dmac.tc[ch].bind(tc[ch]);
            }
        }
    };
    dmasim::Dmac::Config dc;
    dc.device_ports = true;
    Top top("top", dc);
    ck_assert_uint_eq(top.dmac.dreq.size(), dc.channels);
    bool thrown = false;
    try {
        sc_core::sc_start();
    } catch (const sc_core::sc_report &r) {
        thrown = true;
        ck_assert_msg(std::strstr(r.what(), "device_socket") != nullptr, "message: %s", r.what());
    }
    ck_assert(thrown);
}

SC_CHECK_MAIN("systemc_dmac_device")

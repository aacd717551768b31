// dmasim::Dmac in a SystemC platform: the same copy completes at the same time as in the C core
// alone (against a SystemC memory that annotates the SRAM's wait states), in every mode, on both
// core paths, with a quantum keeper and with a target that synchronises; register access through
// b_transport and transport_dbg, with the TLM error responses.
#include <memory>

#include "memory.hpp"
#include "sc_testutil.hpp"

using namespace sctest;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_PS;

namespace {

constexpr dmasim_time P = 10000; // bus period (ps)

example::Memory::Config memory_config(const Copy &c, bool sync = false, bool dmi = false)
{
    example::Memory::Config m;
    m.size = c.mem_size;
    m.wait_states = c.ws;
    m.sync = sync;
    m.dmi = dmi;
    return m;
}

// A platform: memory <- Dmac, a test process `body`, the IRQ on a signal.
struct Platform : sc_core::sc_module {
    example::Memory mem;
    dmasim::Dmac dmac;
    tlm_utils::simple_initiator_socket<Platform> cpu; // to the DMAC's registers
    sc_core::sc_signal<bool> irq;
    std::function<void(Platform &)> body;
    bool finished = false;

    SC_HAS_PROCESS(Platform);
    Platform(const sc_core::sc_module_name &n, const example::Memory::Config &mc, const dmasim::Dmac::Config &dc,
             std::function<void(Platform &)> b)
        : sc_core::sc_module(n), mem("mem", mc), dmac("dmac", dc), cpu("cpu"), irq("irq"), body(std::move(b))
    {
        dmac.initiator_socket.bind(mem.socket);
        cpu.bind(dmac.target_socket);
        dmac.irq.bind(irq);
        SC_THREAD(run);
    }
    void run()
    {
        body(*this);
        finished = true;
    }

    void fill(const Copy &c)
    {
        for (uint64_t i = 0; i < c.bytes(); i++)
            *mem.data(c.src + i) = pattern(i);
    }
    // A register access through b_transport; returns the response, updates the delay.
    tlm::tlm_response_status reg(tlm::tlm_command cmd, uint64_t addr, uint32_t *v, sc_time &delay,
                                 unsigned len = 4, unsigned char *be = nullptr, unsigned sw = 0)
    {
        tlm::tlm_generic_payload p;
        unsigned char buf[8] = {0};
        if (v)
            std::memcpy(buf, v, 4);
        p.set_command(cmd);
        p.set_address(addr);
        p.set_data_ptr(buf);
        p.set_data_length(len);
        p.set_streaming_width(sw ? sw : len);
        p.set_byte_enable_ptr(be);
        p.set_byte_enable_length(be ? len : 0);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        cpu->b_transport(p, delay);
        if (v && cmd == tlm::TLM_READ_COMMAND)
            std::memcpy(v, buf, 4);
        return p.get_response_status();
    }
    void write_ok(uint64_t addr, uint32_t v, sc_time &delay)
    {
        tlm::tlm_response_status st = reg(tlm::TLM_WRITE_COMMAND, addr, &v, delay);
        ck_assert_msg(st == tlm::TLM_OK_RESPONSE, "write 0x%llx: %d", (unsigned long long)addr, int(st));
    }
    uint32_t read_ok(uint64_t addr, sc_time &delay)
    {
        uint32_t v = 0;
        tlm::tlm_response_status st = reg(tlm::TLM_READ_COMMAND, addr, &v, delay);
        ck_assert_msg(st == tlm::TLM_OK_RESPONSE, "read 0x%llx: %d", (unsigned long long)addr, int(st));
        return v;
    }
    unsigned dbg(tlm::tlm_command cmd, uint64_t addr, unsigned char *buf, unsigned len)
    {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(addr);
        p.set_data_ptr(buf);
        p.set_data_length(len);
        p.set_streaming_width(len);
        return cpu->transport_dbg(p);
    }
};

struct Outcome {
    dmasim_time irq_ps = 0;
    dmasim_dma_channel_status status{};
    std::map<std::string, double> stats;
    std::vector<unsigned char> dst;
};

// Run copy c through Dmac (started with Dmac::start at c.start_ps), until the IRQ rises. With
// invalidate_at, the memory withdraws its DMI pointers at that time.
Outcome run_sc(const Copy &c, dmasim::Dmac::Config dc, bool sync_memory = false, bool dmi = false,
               uint64_t *mem_transactions = nullptr, dmasim_time invalidate_at = 0)
{
    Outcome o;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        if (c.start_ps)
            sc_core::wait(dmasim::to_sc_time(c.start_ps));
        dmasim_dma_transfer t = c.transfer();
        ck_ok(pf.dmac.start(0, t), pf.dmac.sim(), "start");
        if (invalidate_at) {
            sc_core::wait(dmasim::to_sc_time(invalidate_at - c.start_ps));
            pf.mem.invalidate_dmi();
        }
        sc_core::wait(pf.irq.posedge_event());
        o.irq_ps = dmasim::to_ps(sc_core::sc_time_stamp());
        o.status = pf.dmac.channel_status(0);
        o.stats = stats(pf.dmac.sim());
        o.dst.assign(pf.mem.data(c.dst), pf.mem.data(c.dst) + c.bytes());
    };
    Platform pf("top", memory_config(c, sync_memory, dmi), dc, body);
    sc_core::sc_start();
    ck_assert_msg(pf.finished, "the test process did not finish (no interrupt?)");
    if (mem_transactions)
        *mem_transactions = pf.mem.transactions();
    return o;
}

void check_same(const Copy &c, const CRun &ref, const Outcome &o)
{
    ck_assert_msg(ref.status.tc && !ref.status.error, "C run did not reach terminal count");
    ck_assert_msg(o.status.tc && !o.status.error, "SystemC run did not reach terminal count (err %d)", o.status.err);
    ck_assert_msg(o.irq_ps == ref.end, "IRQ rose at %llu ps in SystemC, C core ends at %llu ps",
                  (unsigned long long)o.irq_ps, (unsigned long long)ref.end);
    ck_assert_msg(o.status.end_time == ref.end, "end_time %llu vs %llu", (unsigned long long)o.status.end_time,
                  (unsigned long long)ref.end);
    assert_same_stats(ref.stats, o.stats);
    ck_assert_msg(o.dst == ref.dst, "destination bytes differ");
    for (uint64_t i = 0; i < c.bytes(); i++)
        ck_assert_msg(o.dst[i] == pattern(i), "destination byte %llu", (unsigned long long)i);
    std::printf("%s: %llu items of %u B: C core %llu ps, SystemC IRQ %llu ps (%llu bus cycles)\n",
                dmasim_dma_mode_name(c.mode), (unsigned long long)c.count, c.item, (unsigned long long)ref.end,
                (unsigned long long)o.irq_ps, (unsigned long long)((o.irq_ps - c.start_ps) / P));
}

void equivalence(const Copy &c, dmasim::Dmac::Config dc = dmasim::Dmac::Config(), bool sync = false)
{
    dc.max_burst = c.max_burst;
    CRun ref = run_c(c);
    Outcome o = run_sc(c, dc, sync);
    check_same(c, ref, o);
}

} // namespace

SC_TEST(dmac_burst_completes_when_c_core_does)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    equivalence(c);
    // R12: arbitration + N units of (1 + 1 * (1 + ws)) * 2 cycles.
    CRun ref = run_c(c);
    ck_assert_uint_eq(ref.end, (1 + c.count * 2 * (1 + 1 * (1 + c.ws))) * P);
}

SC_TEST(dmac_cycle_stealing_completes_when_c_core_does)
{
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    equivalence(c);
}

SC_TEST(dmac_strict_lockstep_completes_when_c_core_does)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    c.max_burst = 16;
    dmasim::Dmac::Config dc;
    dc.lookahead = false;
    equivalence(c, dc);
}

SC_TEST(dmac_transparent_completes_when_c_core_does)
{
    Copy c;
    c.mode = DMASIM_DMA_TRANSPARENT;
    equivalence(c);
}

SC_TEST(dmac_unaligned_items_off_edge_start)
{
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    c.item = 16;
    c.count = 300;
    c.src = 0x1004; // 16 bytes at an address = 4 mod 8: 3 beats each
    c.dst = 0x20002;
    c.ws = 3;
    c.start_ps = 123457; // not on a bus edge
    equivalence(c);
}

SC_TEST(dmac_large_items_max_burst)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    c.item = 64;
    c.count = 300;
    c.src = 0x1008;
    c.start_ps = 5001;
    c.max_burst = 7;
    equivalence(c);
}

// A memory that grants DMI: after the first read (a b_transport, whose response carries the DMI
// hint; the memory grants read and write on all of itself), the bytes move through the pointer and the wait states come from the DMI
// latency (per beat): the same completion time, statistics and bytes.
SC_TEST(dmac_dmi_keeps_completion_time)
{
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    c.item = 16;
    c.count = 500;
    c.src = 0x1004;
    CRun ref = run_c(c);
    uint64_t txns = 0;
    Outcome o = run_sc(c, dmasim::Dmac::Config(), false, true, &txns);
    check_same(c, ref, o);
    ck_assert_uint_eq(txns, 1);
}

// The memory withdraws its DMI pointers in the middle of the copy: the DMAC goes back to
// b_transport (and asks again); the timing does not change.
SC_TEST(dmac_dmi_invalidated_mid_copy)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    c.max_burst = 10; // a bus tenure (one C event on the fast path) per 10 items
    c.count = 500;
    CRun ref = run_c(c);
    uint64_t txns = 0;
    dmasim::Dmac::Config dc;
    dc.max_burst = c.max_burst;
    Outcome o = run_sc(c, dc, false, true, &txns, ref.end / 2);
    check_same(c, ref, o);
    ck_assert_uint_eq(txns, 2); // one before, one after the invalidation
}

// With use_dmi off the DMAC uses b_transport only, even where DMI is offered.
SC_TEST(dmac_without_dmi_uses_b_transport)
{
    Copy c;
    c.count = 300;
    CRun ref = run_c(c);
    uint64_t txns = 0;
    dmasim::Dmac::Config dc;
    dc.use_dmi = false;
    Outcome o = run_sc(c, dc, false, true, &txns);
    check_same(c, ref, o);
    ck_assert_uint_eq(txns, 2 * c.count);
}

SC_TEST(dmac_reference_path_burst_unaligned)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    c.count = 200;
    c.item = 16;
    c.src = 0x2004;
    dmasim::Dmac::Config dc;
    dc.reference = true;
    equivalence(c, dc);
}

SC_TEST(dmac_reference_path_cycle_stealing)
{
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    c.count = 200;
    dmasim::Dmac::Config dc;
    dc.reference = true;
    equivalence(c, dc);
}

SC_TEST(dmac_quantum_keeper_keeps_completion_time)
{
    tlm::tlm_global_quantum::instance().set(sc_time(1, sc_core::SC_US));
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    c.count = 500;
    dmasim::Dmac::Config dc;
    dc.use_quantum_keeper = true;
    dc.reference = true; // one C event per bus cycle: the keeper batches them per quantum
    equivalence(c, dc);
}

namespace {

// The memory wait()s inside b_transport, so the DMAC's thread is suspended inside the core; a
// CPU reading STATUS meanwhile waits until the core is free, sees BUSY until terminal count, and
// the completion time is unchanged. On the fast path a burst is one event (one long stay in the
// core); on the reference path the core is left after every bus cycle.
void synchronising_target(bool reference)
{
    Copy c;
    c.mode = DMASIM_DMA_BURST;
    c.count = 300;
    CRun ref = run_c(c);
    Outcome o;
    int polls = 0;
    dmasim_time tc_seen = 0;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        dmasim_dma_transfer t = c.transfer();
        ck_ok(pf.dmac.start(0, t), pf.dmac.sim(), "start");
        sc_core::sc_spawn([&] {
            for (;;) {
                sc_time d = sc_core::SC_ZERO_TIME;
                uint32_t st = pf.read_ok(DMASIM_DMAC_STATUS, d);
                sc_core::wait(d);
                polls++;
                if (st & DMASIM_DMAC_STATUS_TC) {
                    tc_seen = dmasim::to_ps(sc_core::sc_time_stamp());
                    break;
                }
                ck_assert_uint_eq(st & DMASIM_DMAC_STATUS_BUSY, DMASIM_DMAC_STATUS_BUSY);
                sc_core::wait(sc_time(777, SC_NS));
            }
        });
        sc_core::wait(pf.irq.posedge_event());
        o.irq_ps = dmasim::to_ps(sc_core::sc_time_stamp());
        o.status = pf.dmac.channel_status(0);
        o.stats = stats(pf.dmac.sim());
        o.dst.assign(pf.mem.data(c.dst), pf.mem.data(c.dst) + c.bytes());
    };
    dmasim::Dmac::Config dc;
    dc.reference = reference;
    Platform pf("top", memory_config(c, true), dc, body);
    sc_core::sc_start();
    ck_assert(pf.finished);
    ck_assert_int_ge(polls, reference ? int(ref.end / 800000) : 2);
    ck_assert_uint_ge(tc_seen, ref.end);
    check_same(c, ref, o);
}

} // namespace

SC_TEST(dmac_synchronising_target_keeps_completion_time)
{
    synchronising_target(false);
}

SC_TEST(dmac_synchronising_target_reference_path)
{
    synchronising_target(true);
}

// Six register writes from a loosely-timed CPU: each costs the register transaction (3 cycles:
// address, one beat, one wait state) from the first edge at or after its time; the channel
// starts when the CTRL write's beat ends (R11) and completes as the C core says.
SC_TEST(dmac_register_programming_times)
{
    Copy c;
    c.mode = DMASIM_DMA_CYCLE_STEALING;
    c.count = 100;
    const uint64_t base = 0x40000000;
    const dmasim_time t_issue = 2 * P + 3333; // SystemC time of the first write (local offset)
    const dmasim_time edge = 3 * P;
    const dmasim_time data_ctrl = edge + 6 * 3 * P;
    Copy cref = c;
    cref.start_ps = data_ctrl;
    CRun ref = run_c(cref);
    Outcome o;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        sc_core::wait(sc_time(double(P), SC_PS)); // now = P; the CPU is P + 3333 ps ahead
        sc_time d = dmasim::to_sc_time(t_issue - P);
        uint32_t ctrl = DMASIM_DMAC_CTRL_START | uint32_t(c.mode) << DMASIM_DMAC_CTRL_MODE_SHIFT |
                        DMASIM_DMAC_CTRL_IRQ_EN | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT;
        const uint32_t regs[6][2] = {{DMASIM_DMAC_SRC_LO, uint32_t(c.src)}, {DMASIM_DMAC_SRC_HI, 0},
                                     {DMASIM_DMAC_DST_LO, uint32_t(c.dst)}, {DMASIM_DMAC_DST_HI, 0},
                                     {DMASIM_DMAC_COUNT, uint32_t(c.count)}, {DMASIM_DMAC_CTRL, ctrl}};
        for (int k = 0; k < 6; k++) {
            pf.write_ok(base + regs[k][0], regs[k][1], d);
            dmasim_time at = dmasim::to_ps(sc_core::sc_time_stamp() + d);
            ck_assert_msg(at == edge + (k + 1) * 3 * P, "write %d ends at %llu ps, expected %llu", k,
                          (unsigned long long)at, (unsigned long long)(edge + (k + 1) * 3 * P));
        }
        sc_core::wait(d);
        sc_core::wait(pf.irq.posedge_event());
        o.irq_ps = dmasim::to_ps(sc_core::sc_time_stamp());
        o.status = pf.dmac.channel_status(0);
        o.stats = stats(pf.dmac.sim());
        o.dst.assign(pf.mem.data(c.dst), pf.mem.data(c.dst) + c.bytes());
    };
    dmasim::Dmac::Config dc;
    dc.reg_base = base;
    Platform pf("top", memory_config(c), dc, body);
    sc_core::sc_start();
    ck_assert(pf.finished);
    ck_assert_uint_eq(o.status.start_time, data_ctrl);
    check_same(cref, ref, o);
}

SC_TEST(dmac_register_readback_and_status_clear)
{
    Copy c;
    c.count = 10;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        sc_time d = sc_core::SC_ZERO_TIME;
        const uint64_t ch1 = DMASIM_DMAC_CH_STRIDE;
        pf.write_ok(ch1 + DMASIM_DMAC_SRC_LO, 0x1000, d);
        pf.write_ok(ch1 + DMASIM_DMAC_SRC_HI, 0, d);
        pf.write_ok(ch1 + DMASIM_DMAC_DST_LO, 0x8000, d);
        pf.write_ok(ch1 + DMASIM_DMAC_COUNT, 10, d);
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_SRC_LO, d), 0x1000);
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_DST_LO, d), 0x8000);
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_COUNT, d), 10);
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_STATUS, d), 0);
        pf.write_ok(ch1 + DMASIM_DMAC_CTRL,
                    DMASIM_DMAC_CTRL_START | DMASIM_DMAC_CTRL_IRQ_EN | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT, d);
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_STATUS, d), DMASIM_DMAC_STATUS_BUSY);
        sc_core::wait(d);
        d = sc_core::SC_ZERO_TIME;
        sc_core::wait(pf.irq.posedge_event());
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_STATUS, d), DMASIM_DMAC_STATUS_TC);
        for (uint64_t i = 0; i < 80; i++)
            ck_assert_uint_eq(*pf.mem.data(0x8000 + i), pattern(i));
        // Write 1 to clear TC: the interrupt falls when that write's beat ends.
        pf.write_ok(ch1 + DMASIM_DMAC_STATUS, DMASIM_DMAC_STATUS_TC, d);
        sc_time cleared = sc_core::sc_time_stamp() + d;
        sc_core::wait(pf.irq.negedge_event());
        ck_assert_msg(sc_core::sc_time_stamp() == cleared, "IRQ fell at %s, the write ended at %s",
                      sc_core::sc_time_stamp().to_string().c_str(), cleared.to_string().c_str());
        d = sc_core::SC_ZERO_TIME;
        ck_assert_uint_eq(pf.read_ok(ch1 + DMASIM_DMAC_STATUS, d), 0);
    };
    Platform pf("top", memory_config(c), dmasim::Dmac::Config(), body);
    sc_core::sc_start();
    ck_assert(pf.finished);
}

SC_TEST(dmac_register_errors_get_tlm_error_responses)
{
    Copy c;
    c.count = 2000;
    auto body = [&](Platform &pf) {
        sc_time d = sc_core::SC_ZERO_TIME;
        uint32_t v = 0;
        const uint64_t base = 0x100;
        auto st = [&](tlm::tlm_command cmd, uint64_t a, unsigned len, unsigned char *be = nullptr,
                      unsigned sw = 0) { return pf.reg(cmd, a, &v, d, len, be, sw); };
        // outside the window (below, above), unaligned
        ck_assert_int_eq(st(tlm::TLM_READ_COMMAND, 0x0, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base + 4 * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_GLOBAL_SIZE, 4),
                         tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ck_assert_int_eq(st(tlm::TLM_READ_COMMAND, base + 2, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        // wrong sizes, streaming, byte enables
        ck_assert_int_eq(st(tlm::TLM_READ_COMMAND, base, 2), tlm::TLM_BURST_ERROR_RESPONSE);
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base, 8), tlm::TLM_BURST_ERROR_RESPONSE);
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base, 1), tlm::TLM_BURST_ERROR_RESPONSE);
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base, 4, nullptr, 2), tlm::TLM_BURST_ERROR_RESPONSE);
        unsigned char be[4] = {0xff, 0xff, 0, 0};
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base, 4, be), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        // none of them took time
        ck_assert(d == sc_core::SC_ZERO_TIME);
        // TLM_IGNORE_COMMAND: nothing happens
        ck_assert_int_eq(st(tlm::TLM_IGNORE_COMMAND, base, 4), tlm::TLM_OK_RESPONSE);
        // programming a running channel is refused by the register file
        pf.fill(c);
        dmasim_dma_transfer t = c.transfer();
        ck_ok(pf.dmac.start(0, t), pf.dmac.sim(), "start");
        v = 0x1234;
        ck_assert_int_eq(st(tlm::TLM_WRITE_COMMAND, base + DMASIM_DMAC_SRC_LO, 4), tlm::TLM_GENERIC_ERROR_RESPONSE);
        ck_assert_uint_eq(pf.dmac.channel_status(0).busy, 1);
        sc_core::wait(pf.irq.posedge_event());
        ck_assert_uint_eq(pf.dmac.channel_status(0).tc, 1);
        ck_assert_uint_eq(pf.dmac.channel_status(0).items_done, c.count);
    };
    dmasim::Dmac::Config dc;
    dc.reg_base = 0x100;
    Platform pf("top", memory_config(c), dc, body);
    sc_core::sc_start();
    ck_assert(pf.finished);
}

SC_TEST(dmac_transport_dbg_reads_and_writes_registers)
{
    Copy c;
    c.count = 50;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        sc_core::wait(sc_time(55, SC_NS));
        // three registers in one debug write: SRC_LO, SRC_HI, DST_LO of channel 2
        const uint64_t ch2 = 2 * DMASIM_DMAC_CH_STRIDE;
        uint32_t w[3] = {uint32_t(c.src), 0, uint32_t(c.dst)};
        ck_assert_uint_eq(pf.dbg(tlm::TLM_WRITE_COMMAND, ch2, reinterpret_cast<unsigned char *>(w), 12), 12);
        uint32_t n = uint32_t(c.count);
        ck_assert_uint_eq(pf.dbg(tlm::TLM_WRITE_COMMAND, ch2 + DMASIM_DMAC_COUNT, reinterpret_cast<unsigned char *>(&n), 4), 4);
        uint32_t r[8] = {0};
        ck_assert_uint_eq(pf.dbg(tlm::TLM_READ_COMMAND, ch2, reinterpret_cast<unsigned char *>(r), 32), 32);
        ck_assert_uint_eq(r[0], uint32_t(c.src));
        ck_assert_uint_eq(r[2], uint32_t(c.dst));
        ck_assert_uint_eq(r[4], uint32_t(c.count));
        ck_assert(sc_core::sc_time_stamp() == sc_time(55, SC_NS)); // debug accesses take no time
        // cannot serve: unaligned, partial register, outside the window
        unsigned char b[8];
        ck_assert_uint_eq(pf.dbg(tlm::TLM_READ_COMMAND, ch2 + 2, b, 4), 0);
        ck_assert_uint_eq(pf.dbg(tlm::TLM_READ_COMMAND, ch2, b, 2), 0);
        const uint64_t end = 4 * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_GLOBAL_SIZE; // the register window
        ck_assert_uint_eq(pf.dbg(tlm::TLM_READ_COMMAND, end - 4, b, 8), 0);
        ck_assert_uint_eq(pf.dbg(tlm::TLM_READ_COMMAND, end, b, 4), 0);
        // a debug write of CTRL.START starts the channel now
        uint32_t ctrl = DMASIM_DMAC_CTRL_START | DMASIM_DMAC_CTRL_IRQ_EN | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT;
        ck_assert_uint_eq(pf.dbg(tlm::TLM_WRITE_COMMAND, ch2 + DMASIM_DMAC_CTRL, reinterpret_cast<unsigned char *>(&ctrl), 4), 4);
        sc_core::wait(pf.irq.posedge_event());
        dmasim_dma_channel_status s = pf.dmac.channel_status(2);
        ck_assert_uint_eq(s.start_time, 55000);
        ck_assert_uint_eq(s.items_done, c.count);
        Copy cref = c;
        cref.start_ps = 55000;
        CRun ref = run_c(cref);
        ck_assert_uint_eq(dmasim::to_ps(sc_core::sc_time_stamp()), ref.end);
    };
    Platform pf("top", memory_config(c), dmasim::Dmac::Config(), body);
    sc_core::sc_start();
    ck_assert(pf.finished);
}

SC_TEST(dmac_memory_error_stops_channel_with_err)
{
    Copy c;
    c.count = 100;
    auto body = [&](Platform &pf) {
        pf.fill(c);
        dmasim_dma_transfer t = c.transfer();
        ck_ok(pf.dmac.start(0, t), pf.dmac.sim(), "start");
        sc_core::wait(pf.irq.posedge_event());
        dmasim_dma_channel_status s = pf.dmac.channel_status(0);
        ck_assert_int_eq(s.error, 1);
        ck_assert_int_eq(s.err, DMASIM_EBUSERR);
        ck_assert_uint_eq(s.items_done, 40); // items 0..39 done; item 40 reads 0x1000 + 320
        ck_assert_uint_eq(s.err_addr, c.src + 40 * 8);
        sc_time d = sc_core::SC_ZERO_TIME;
        ck_assert_uint_eq(pf.read_ok(DMASIM_DMAC_STATUS, d), DMASIM_DMAC_STATUS_ERR);
    };
    example::Memory::Config mc = memory_config(c);
    mc.fail_lo = c.src + 40 * 8;
    mc.fail_hi = mc.fail_lo + 1;
    Platform pf("top", mc, dmasim::Dmac::Config(), body);
    sc_core::sc_start();
    ck_assert(pf.finished);
}

// The optional EOP input: a rising edge at a time between clock edges aborts the channel in
// service after its unit in progress, exactly as the C DMAC alone does (docs/dmac.md).
void eop_abort(dmasim_dma_mode mode)
{
    Copy c;
    c.mode = mode;
    const dmasim_time T = 3000003; // ps: mid-copy, off the clock edges

    CSystem cs = c_system(c.mem_size, c.ws);
    std::vector<unsigned char> src(c.bytes());
    for (uint64_t i = 0; i < src.size(); i++)
        src[i] = pattern(i);
    ck_ok(dmasim_mem_write(cs.sim, c.src, src.data(), src.size()), cs.sim, "fill");
    dmasim_signal *eop = dmasim_dmac_eop(cs.dmac);
    dmasim_dma_transfer t = c.transfer();
    ck_ok(dmasim_dmac_channel_start(cs.dmac, 0, &t), cs.sim, "start");
    ck_ok(dmasim_sim_run_until(cs.sim, T), cs.sim, "run_until");
    dmasim_signal_set(eop, 1);
    ck_ok(dmasim_sim_run(cs.sim), cs.sim, "run");
    dmasim_dma_channel_status ref;
    dmasim_dmac_channel_status(cs.dmac, 0, &ref);
    std::map<std::string, double> ref_stats = stats(cs.sim);
    dmasim_sim_destroy(cs.sim);
    ck_assert(ref.aborted && !ref.tc && !ref.error);
    ck_assert_uint_gt(ref.items_done, 0);
    ck_assert_uint_lt(ref.items_done, c.count);

    Outcome o;
    sc_core::sc_signal<bool> eop_sig("eop_sig");
    auto body = [&](Platform &pf) {
        pf.fill(c);
        dmasim_dma_transfer tt = c.transfer();
        ck_ok(pf.dmac.start(0, tt), pf.dmac.sim(), "start");
        sc_core::wait(dmasim::to_sc_time(T));
        eop_sig.write(true);
        sc_core::wait(pf.irq.posedge_event());
        o.irq_ps = dmasim::to_ps(sc_core::sc_time_stamp());
        o.status = pf.dmac.channel_status(0);
        o.stats = stats(pf.dmac.sim());
        o.dst.assign(pf.mem.data(c.dst), pf.mem.data(c.dst) + c.bytes());
    };
    Platform pf("top", memory_config(c), dmasim::Dmac::Config(), body);
    pf.dmac.eop.bind(eop_sig);
    sc_core::sc_start();
    ck_assert(pf.finished);
    ck_assert(o.status.aborted && !o.status.tc && !o.status.error);
    ck_assert_uint_eq(o.status.items_done, ref.items_done);
    ck_assert_uint_eq(o.status.end_time, ref.end_time);
    ck_assert_uint_eq(o.irq_ps, ref.end_time);
    assert_same_stats(ref_stats, o.stats);
    for (uint64_t i = 0; i < ref.items_done * c.item; i++)
        ck_assert_msg(o.dst[i] == pattern(i), "byte %llu", (unsigned long long)i);
    std::printf("%s: EOP at %llu ps: %llu of %llu items, aborted at %llu ps in both\n", dmasim_dma_mode_name(mode),
                (unsigned long long)T, (unsigned long long)ref.items_done, (unsigned long long)c.count,
                (unsigned long long)ref.end_time);
}

SC_TEST(dmac_eop_aborts_a_burst_as_the_c_core_does)
{
    eop_abort(DMASIM_DMA_BURST);
}

SC_TEST(dmac_eop_aborts_cycle_stealing_as_the_c_core_does)
{
    eop_abort(DMASIM_DMA_CYCLE_STEALING);
}

SC_TEST(dmac_bad_configuration_is_reported)
{
    dmasim::Dmac::Config dc;
    dc.channels = 0;
    bool thrown = false;
    try {
        dmasim::Dmac d("dmac", dc);
    } catch (const sc_core::sc_report &r) {
        thrown = true;
        ck_assert_msg(std::strstr(r.what(), "channels") != nullptr, "message: %s", r.what());
    }
    ck_assert(thrown);
}

SC_CHECK_MAIN("systemc_dmac")

// A small SystemC platform with dmasim::Dmac: a SystemC memory, a traffic generator playing the
// CPU, and the DMAC, on a zero-latency router. For each mode the CPU loads a 4 KiB buffer
// (debug transport), programs channel 0 through the DMAC's registers (six loosely-timed
// b_transport writes, with a quantum keeper), waits for the interrupt, clears it, and checks the
// copy. Each completion is compared with the timing rules of docs/timing.md (R12, R13, R16):
// the DMAC keeps dmasim's cycle-accurate timing inside the SystemC platform.
//
// Writes dma_platform.vcd with SystemC's own tracing (interrupt, mode, CPU phase).
// Exit status 0 if every copy is right and on time.
#include <cstdio>
#include <cstring>

#include "dmasim/systemc.hpp"
#include "memory.hpp"
#include "router.hpp"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

using namespace sc_core;

namespace {

const sc_time kClock(10, SC_NS);    // bus clock of the DMAC and the memory
const uint32_t kWaitStates = 2;     // memory wait states per beat
const uint64_t kMemSize = 16 << 20; // memory at 0
const uint64_t kDmacBase = 0x40000000;
const uint64_t kSrc = 0x10000, kDst = 0x20000;
const uint32_t kWords = 512, kWord = 8; // 4 KiB in 8-byte items

struct Cpu : sc_module {
    tlm_utils::simple_initiator_socket<Cpu> socket;
    sc_in<bool> irq;
    sc_signal<int> mode_sig{"mode"};   // traced: the mode being run
    sc_signal<int> phase_sig{"phase"}; // traced: 1 programming, 2 waiting, 3 checking
    bool ok = true;

    SC_HAS_PROCESS(Cpu);
    explicit Cpu(const sc_module_name &n) : sc_module(n), socket("socket"), irq("irq") { SC_THREAD(run); }

    void reg_write(uint32_t off, uint32_t v, tlm_utils::tlm_quantumkeeper &qk)
    {
        tlm::tlm_generic_payload p;
        sc_time d = qk.get_local_time();
        p.set_command(tlm::TLM_WRITE_COMMAND);
        p.set_address(kDmacBase + off);
        p.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        p.set_data_length(4);
        p.set_streaming_width(4);
        socket->b_transport(p, d);
        if (!p.is_response_ok()) {
            std::printf("register write 0x%x failed: %s\n", off, p.get_response_string().c_str());
            ok = false;
        }
        qk.set(d);
        if (qk.need_sync())
            qk.sync();
    }
    uint32_t reg_read(uint32_t off, tlm_utils::tlm_quantumkeeper &qk)
    {
        uint32_t v = 0;
        tlm::tlm_generic_payload p;
        sc_time d = qk.get_local_time();
        p.set_command(tlm::TLM_READ_COMMAND);
        p.set_address(kDmacBase + off);
        p.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        p.set_data_length(4);
        p.set_streaming_width(4);
        socket->b_transport(p, d);
        qk.set(d);
        return v;
    }
    void dbg(tlm::tlm_command cmd, uint64_t a, unsigned char *buf, unsigned n)
    {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(a);
        p.set_data_ptr(buf);
        p.set_data_length(n);
        p.set_streaming_width(n);
        if (socket->transport_dbg(p) != n)
            ok = false;
    }

    void run()
    {
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        std::printf("%-15s %12s %12s %10s %10s %s\n", "mode", "start", "interrupt", "cycles", "expected", "copy");
        for (int m = 0; m < 3; m++) {
            mode_sig.write(m);
            std::vector<unsigned char> buf(kWords * kWord), back(kWords * kWord);
            for (size_t i = 0; i < buf.size(); i++)
                buf[i] = static_cast<unsigned char>(i * 37 + m);
            dbg(tlm::TLM_WRITE_COMMAND, kSrc, buf.data(), unsigned(buf.size()));

            phase_sig.write(1);
            reg_write(DMASIM_DMAC_SRC_LO, uint32_t(kSrc), qk);
            reg_write(DMASIM_DMAC_SRC_HI, 0, qk);
            reg_write(DMASIM_DMAC_DST_LO, uint32_t(kDst), qk);
            reg_write(DMASIM_DMAC_DST_HI, 0, qk);
            reg_write(DMASIM_DMAC_COUNT, kWords, qk);
            reg_write(DMASIM_DMAC_CTRL, DMASIM_DMAC_CTRL_START | uint32_t(m) << DMASIM_DMAC_CTRL_MODE_SHIFT |
                                            DMASIM_DMAC_CTRL_IRQ_EN | 3u << DMASIM_DMAC_CTRL_SIZE_SHIFT, qk);
            sc_time start = sc_time_stamp() + qk.get_local_time(); // the CTRL write's beat ends (R11)
            qk.sync();
            phase_sig.write(2);
            wait(irq.posedge_event());
            sc_time end = sc_time_stamp();

            phase_sig.write(3);
            qk.reset();
            uint32_t status = reg_read(DMASIM_DMAC_STATUS, qk);
            reg_write(DMASIM_DMAC_STATUS, status & DMASIM_DMAC_STATUS_TC, qk); // write 1 to clear
            qk.sync();
            dbg(tlm::TLM_READ_COMMAND, kDst, back.data(), unsigned(back.size()));
            bool copy_ok = back == buf && (status & DMASIM_DMAC_STATUS_TC);

            // docs/timing.md: unit = 2 * (address + beats * (1 + ws)); burst = arb + N * unit
            // (R12); cycle stealing = N * (arb + unit) (R13); transparent = cycle stealing here,
            // no other master shares the DMAC's bus (R16).
            const uint64_t unit = 2 * (1 + 1 * (1 + kWaitStates));
            uint64_t expected = m == 0 ? 1 + kWords * unit : kWords * (1 + unit);
            uint64_t cycles = uint64_t((end - start) / kClock);
            bool on_time = cycles == expected && (end - start) == kClock * double(cycles);
            std::printf("%-15s %12s %12s %10llu %10llu %s%s\n", dmasim_dma_mode_name(dmasim_dma_mode(m)),
                        start.to_string().c_str(), end.to_string().c_str(), (unsigned long long)cycles,
                        (unsigned long long)expected, copy_ok ? "ok" : "WRONG", on_time ? "" : " (LATE/EARLY)");
            ok = ok && copy_ok && on_time;
            phase_sig.write(0);
            wait(1, SC_US);
        }
    }
};

} // namespace

int sc_main(int, char **)
{
    tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));

    example::Memory::Config mc;
    mc.size = kMemSize;
    mc.clock_period = kClock;
    mc.wait_states = kWaitStates;
    example::Memory mem("mem", mc);

    dmasim::Dmac::Config dc;
    dc.clock_period = kClock;
    dc.reg_base = kDmacBase;
    dc.use_quantum_keeper = true;
    dmasim::Dmac dmac("dmac", dc);

    example::Router bus("bus");
    Cpu cpu("cpu");
    sc_signal<bool> irq("irq");

    cpu.socket.bind(bus.in);
    dmac.initiator_socket.bind(bus.in);
    bus.out.bind(mem.socket);
    bus.map(0, kMemSize);
    bus.out.bind(dmac.target_socket);
    bus.map(kDmacBase, dc.channels * DMASIM_DMAC_CH_STRIDE);
    dmac.irq.bind(irq);
    cpu.irq.bind(irq);

    sc_trace_file *tf = sc_create_vcd_trace_file("dma_platform");
    tf->set_time_unit(1, SC_NS);
    sc_trace(tf, irq, "irq");
    sc_trace(tf, cpu.mode_sig, "mode");
    sc_trace(tf, cpu.phase_sig, "cpu_phase");

    sc_start();
    sc_close_vcd_trace_file(tf);

    uint64_t units = 0;
    dmasim_sim_stat_u64(dmac.sim(), "dmac0.units", &units);
    std::printf("dmac0.units %llu, memory transactions %llu, end of simulation %s: %s\n", (unsigned long long)units,
                (unsigned long long)mem.transactions(), sc_time_stamp().to_string().c_str(),
                cpu.ok ? "all copies right and on time" : "FAILED");
    return cpu.ok ? 0 : 1;
}

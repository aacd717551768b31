// A SystemC peripheral served by dmasim::Dmac through its device ports (Config::device_ports):
// a serial receiver whose 16-word FIFO fills with one 4-byte word every 200 ns. It raises DREQ
// when 8 words are waiting and drops it when it hands over the last one; the DMAC, in demand
// mode, moves words into memory (fly-by: one memory write per word, the word taken from the
// device with one b_transport on device_socket) while DREQ stays high, then gives the bus back.
//
// The device is loosely timed: its FIFO level is computed from the time each transaction is
// for (sc_time_stamp() + delay), and it changes DREQ at that time with an event notification.
// Prints each DMA burst (DACK high) and checks that every word arrived, in order, and that no
// word was lost. Exit status 0 if so. docs/systemc.md ("Devices") shows the output.
#include <cstdio>
#include <cstring>

#include "dmasim/systemc.hpp"
#include "memory.hpp"

using namespace sc_core;

namespace {

const sc_time kClock(10, SC_NS);     // bus clock of the DMAC and the memory
const sc_time kWordTime(200, SC_NS); // one received word per 200 ns (20 MB/s)
const unsigned kWords = 256, kFifo = 16, kThreshold = 8;
const uint64_t kBuffer = 0x8000;     // destination in memory

// The receiver. Word i (value 0xC0DE0000 + i) is complete at (i + 1) * kWordTime.
struct Receiver : sc_module {
    tlm_utils::simple_target_socket<Receiver> socket;
    sc_signal<bool> dreq{"dreq"};
    sc_event rise_ev, drop_ev;
    unsigned taken = 0, overruns = 0, refused = 0;

    SC_HAS_PROCESS(Receiver);
    explicit Receiver(const sc_module_name &n) : sc_module(n), socket("socket")
    {
        socket.register_b_transport(this, &Receiver::b_transport);
        SC_METHOD(drive);
        sensitive << rise_ev << drop_ev;
        dont_initialize();
    }
    void start_of_simulation() override { rise_ev.notify(arrival(kThreshold - 1)); } // 8th word: DREQ
    static sc_time arrival(unsigned i) { return kWordTime * double(i + 1); }
    unsigned arrived(const sc_time &t) const
    {
        unsigned n = unsigned(t / kWordTime); // words complete by t
        return n < kWords ? n : kWords;
    }
    void drive() { dreq.write(rise_ev.triggered()); }
    void b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
    {
        sc_time t = sc_time_stamp() + delay;
        unsigned level = arrived(t) - taken;
        if (level > kFifo) { // words that found the FIFO full were lost
            overruns += level - kFifo;
            taken += level - kFifo;
            level = kFifo;
        }
        if (!p.is_read() || p.get_data_length() != 4 || level == 0) {
            refused++;
            p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        uint32_t w = 0xC0DE0000u + taken++;
        std::memcpy(p.get_data_ptr(), &w, 4);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
        if (level == 1) { // that was the last word waiting: DREQ drops now, rises at the threshold
            drop_ev.notify(delay);
            if (taken + kThreshold <= kWords)
                rise_ev.notify(arrival(taken + kThreshold - 1) - sc_time_stamp());
            else if (taken < kWords) // the tail: DREQ for what is left once it is all there
                rise_ev.notify(arrival(kWords - 1) - sc_time_stamp());
        }
    }
};

struct Top : sc_module {
    example::Memory mem;
    dmasim::Dmac dmac;
    Receiver rx{"rx"};
    tlm_utils::simple_initiator_socket<Top> cpu{"cpu"}; // register side, unused here
    sc_signal<bool> irq{"irq"};
    sc_vector<sc_signal<bool>> dack{"dack", 4}, tc{"tc", 4}, idle{"idle", 4};
    sc_time dack_rose;
    unsigned bursts = 0;
    bool done = false;

    SC_HAS_PROCESS(Top);
    Top(const sc_module_name &n, const example::Memory::Config &mc, const dmasim::Dmac::Config &dc)
        : sc_module(n), mem("mem", mc), dmac("dmac", dc)
    {
        dmac.initiator_socket.bind(mem.socket);
        dmac.device_socket.bind(rx.socket);
        cpu.bind(dmac.target_socket);
        dmac.irq.bind(irq);
        for (unsigned ch = 0; ch < 4; ch++) {
            if (ch == 0)
                dmac.dreq[ch].bind(rx.dreq);
            else
                dmac.dreq[ch].bind(idle[ch]);
            dmac.dack[ch].bind(dack[ch]);
            dmac.tc[ch].bind(tc[ch]);
        }
        SC_THREAD(run);
        SC_METHOD(on_dack);
        sensitive << dack[0];
        dont_initialize();
    }
    void run()
    {
        dmasim_dma_transfer t;
        dmasim_dma_transfer_init(&t);
        t.direction = DMASIM_DMA_DEV_TO_MEM;
        t.mode = DMASIM_DMA_DEMAND;
        t.dst = kBuffer;
        t.count = kWords;
        t.item_size = 4;
        if (dmac.start(0, t) != 0) {
            std::printf("start: %s\n", dmasim_sim_errmsg(dmac.sim()));
            return;
        }
        wait(irq.posedge_event());
        done = true;
    }
    void on_dack()
    {
        if (dack[0].read()) {
            dack_rose = sc_time_stamp();
            return;
        }
        bursts++;
        if (bursts <= 3 || bursts > 30)
            std::printf("burst %2u: DACK %8.0f .. %8.0f ns (%2.0f bus cycles)\n", bursts,
                        dack_rose.to_seconds() * 1e9, sc_time_stamp().to_seconds() * 1e9,
                        (sc_time_stamp() - dack_rose) / kClock);
        else if (bursts == 4)
            std::printf("...\n");
    }
};

} // namespace

int sc_main(int, char **)
{
    example::Memory::Config mc;
    mc.wait_states = 2;
    dmasim::Dmac::Config dc;
    dc.device_ports = true;
    Top top("top", mc, dc);
    sc_start();

    bool ok = top.done && top.rx.overruns == 0;
    for (unsigned i = 0; i < kWords && ok; i++) {
        uint32_t w;
        std::memcpy(&w, top.mem.data(kBuffer + 4 * i), 4);
        ok = w == 0xC0DE0000u + i;
    }
    dmasim_dma_channel_status st = top.dmac.channel_status(0);
    std::printf("%u words in %u demand bursts; last word received at %.0f ns, in memory at %.0f ns; "
                "%u overruns, %u items refused\n",
                kWords, top.bursts, Receiver::arrival(kWords - 1).to_seconds() * 1e9, st.end_time / 1000.0,
                top.rx.overruns, top.rx.refused);
    std::printf("%s\n", ok ? "every word arrived, in order" : "WRONG");
    return ok ? 0 : 1;
}

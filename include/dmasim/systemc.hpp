/* dmasim in SystemC/TLM-2.0 (library dmasim_systemc, C++17, SystemC 2.3.4).
 *
 * Two modules carry the C core's cycle-accurate timing into SystemC time and back:
 *
 *   dmasim::Dmac    a DMA controller for a SystemC platform. Its registers are a TLM-2.0 target
 *                   (b_transport and transport_dbg); it moves data through a TLM-2.0 initiator
 *                   socket, loosely timed: every b_transport it issues carries the time of that
 *                   transaction as its delay, and the delay the target adds becomes the bus wait
 *                   states of the transaction in the C core. Its interrupt line is an sc_out<bool>.
 *   dmasim::System  a whole dmasim simulation (built with the C API) run in lockstep with
 *                   SystemC time, with chosen signals (IRQ, DREQ/DACK, HRQ/HLDA, the bus owner)
 *                   as SystemC ports.
 *
 * Time. dmasim time is integer picoseconds; SystemC time is converted exactly (the SystemC time
 * resolution must be 1 ps or finer). Each module drives its C core with the co-simulation entry
 * points: a thread waits until the SystemC time of the core's next event
 * (dmasim_sim_next_event_time), then runs it (dmasim_sim_run_until); the SystemC kernel sees at
 * most one wake-up per C event time, never one per simulated cycle. Three things let the core be
 * ahead of sc_time_stamp():
 *   - lookahead (on by default): the events before the next time at which anything else in
 *     SystemC is scheduled (sc_time_to_pending_activity(), the module's own port updates
 *     included) run at once, without a wake-up each. No SystemC process can tell this from
 *     waiting for each event, with one exception: sc_start(duration) is not an activity, so
 *     when it returns the core may have run past sc_time_stamp() (ports still change at the
 *     right times when the simulation resumes). Set lookahead = false for strict lockstep
 *     (the core never past sc_time_stamp()) at one wake-up per C event time.
 *   - use_quantum_keeper: the core also runs past other SystemC activity, up to the next
 *     tlm_global_quantum boundary (loosely timed: inputs and register accesses that arrive
 *     while the core is ahead act at the core's time, late).
 *   - a register access of Dmac runs the core to the end of that access (its annotated time).
 *
 * Signals. A C signal change reaches its SystemC port through an sc_event and one SC_METHOD per
 * port (the only process writing that port), at the SystemC time equal to the C time of the
 * change, even when the core has run ahead. Several changes at one time give the last value.
 *
 * Errors. Configuration errors and a C core run that stops with an error are reported with
 * SC_REPORT_ERROR (message type "dmasim"), which throws by default. TLM accesses the module
 * cannot serve are answered with a TLM error response (see Dmac).
 *
 * docs/systemc.md has the details, diagrams and the examples in examples/systemc/.
 */
#ifndef DMASIM_SYSTEMC_HPP
#define DMASIM_SYSTEMC_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "dmasim/dmasim.h"

/* The library is built with hidden visibility; this marks what it exports. */
#if defined(__GNUC__)
#define DMASIM_SYSTEMC_API __attribute__((visibility("default")))
#else
#define DMASIM_SYSTEMC_API
#endif

namespace dmasim {

namespace detail {
class Core;
}

/* Exact conversions between dmasim time (ps) and SystemC time. to_ps() reports an error if t is
 * not a whole number of picoseconds. Both need a SystemC time resolution of 1 ps or finer. */
DMASIM_SYSTEMC_API sc_core::sc_time to_sc_time(dmasim_time ps);
DMASIM_SYSTEMC_API dmasim_time to_ps(const sc_core::sc_time &t);

/* A DMA controller (dmasim_dmac) as a loosely-timed TLM-2.0 component.
 *
 * Inside: a dmasim simulation with one bus (clock_period, bus_width, arbitration_cycles,
 * address_cycles) whose only master is the DMAC; the whole address space except a hidden
 * register window is one slave that forwards every transaction to initiator_socket. Modes,
 * channels and the register map are those of the C DMAC (include/dmasim/dmac.h,
 * docs/dmac.md); contention with the platform's other initiators is the platform's business
 * (its interconnect), so burst and cycle stealing differ here only by the re-arbitration cycles.
 *
 * Memory side (initiator_socket). A DMA transaction of n bytes (n beats of bus_width bytes)
 * starting its first beat at C time t is one b_transport with delay = t - sc_time_stamp() (the
 * data pointer is the DMAC's data register; no byte enables; streaming width = length; a
 * timing-only transaction is a TLM_IGNORE_COMMAND). The time the target adds to the delay
 * (plus any time it waited) is the transaction's wait states, rounded up to whole bus cycles:
 * the transaction lasts address_cycles + beats + wait states cycles. A target that adds
 * `ws * beats * clock_period` therefore behaves exactly as a dmasim SRAM with `ws` wait states
 * (docs/timing.md R3). A response other than TLM_OK_RESPONSE is a bus error: the channel
 * stops with ERR and the interrupt is raised. Debug accesses of the core use transport_dbg.
 * DMI (Config::use_dmi, on by default): when a target sets the DMI hint in a response, the
 * DMAC asks it for a direct memory pointer; later transactions inside a granted region (and
 * access) move their bytes through the pointer instead of b_transport, and their wait states
 * are beats * the region's read or write latency, rounded up to whole cycles (the latency is
 * taken as the time of one beat). invalidate_direct_mem_ptr is honoured.
 *
 * Register side (target_socket). Channel n's registers are at reg_base + 0x40 * n + offset
 * (DMASIM_DMAC_CH_STRIDE), the global block (PRIORITY, TC_STATUS, REQUEST) after the last channel.
 * b_transport of a 32-bit register at time T = sc_time_stamp() + delay costs what the same
 * register transaction costs on a dmasim bus (R3: address_cycles + 1 + reg_wait_states bus
 * cycles, from the first DMAC clock edge at or after T; no arbitration, the platform's
 * interconnect has done it). The register is read or written when that transaction's data beat
 * ends, and the delay is advanced to that time; a write of CTRL.START starts the channel then
 * (R11). Responses: TLM_ADDRESS_ERROR_RESPONSE for an address outside the register window or
 * not 4-byte aligned; TLM_BURST_ERROR_RESPONSE for a length other than 4 or a streaming width
 * other than the length; TLM_BYTE_ENABLE_ERROR_RESPONSE for byte enables;
 * TLM_GENERIC_ERROR_RESPONSE for an access the register file refuses (programming a running
 * channel) or a re-entrant access from the DMAC's own transfers; TLM_IGNORE_COMMAND is
 * answered TLM_OK_RESPONSE without touching anything. transport_dbg reads or writes any
 * number of whole aligned registers inside the window in zero time (at the current SystemC
 * time) and returns the bytes transferred (0 for an access it cannot serve). Register data is
 * the 32-bit value in host byte order.
 *
 * Devices (Config::device_ports). The module then has, per channel n, an input dreq[n] (DREQ,
 * active high), outputs dack[n] (high while the DMAC serves channel n) and tc[n] (a one-bus-cycle
 * pulse at terminal count), and an initiator socket device_socket for the fly-by data of the
 * device transfers (directions DMASIM_DMA_DEV_TO_MEM and DMASIM_DMA_MEM_TO_DEV; include/dmasim/
 * device.h and docs/dmac.md give when each mode serves DREQ). Every item is one b_transport on
 * device_socket: TLM_READ_COMMAND for device-to-memory (the device fills the item; at the time the
 * memory write starts), TLM_WRITE_COMMAND for memory-to-device (the device takes it; at the time
 * the memory read's data is there), address = the channel number n, length = streaming width =
 * item_size, no byte enables, delay = that time - sc_time_stamp(). Answer TLM_OK_RESPONSE, or any
 * other response when the device cannot give or take the item now (FIFO empty or full): the item
 * is not moved and the channel waits for DREQ again (device.h's DMASIM_EBUSY). The time the
 * device adds to the delay is ignored: in a fly-by transfer the memory transaction sets the time.
 * A device changes DREQ at the time it is told (notify the change with the delay, as an LT model
 * does); running ahead (lookahead), the core does not run past a device transaction before
 * SystemC has caught up with it. Two things let the core past it all the same, and the change
 * then acts late, at the core's time: a register access, which runs the core to the access's end,
 * and the quantum keeper. dreq is sampled as the C DMAC's DREQ at the SystemC time of each change
 * (when the change comes while a target of the DMAC's own transaction waits inside the core: when
 * that transaction returns). device_socket must be
 * bound when device_ports is set. Mem-to-mem transfers on a module with device ports keep their
 * timing, but run one transaction per core event while a DACK is watched (slower on the host).
 */
class DMASIM_SYSTEMC_API Dmac : public sc_core::sc_module {
public:
    struct Config {
        sc_core::sc_time clock_period = sc_core::sc_time(10, sc_core::SC_NS); /* bus clock */
        uint32_t bus_width = 8;          /* bytes per beat, as dmasim_bus_config.width */
        uint32_t arbitration_cycles = 1; /* as dmasim_bus_config */
        uint32_t address_cycles = 1;
        uint32_t channels = 4;           /* as dmasim_dmac_config */
        uint32_t reg_wait_states = 1;
        uint32_t max_burst = 0;
        uint64_t reg_base = 0;           /* address of channel 0's SRC_LO on target_socket */
        bool lookahead = true;           /* see "Time" above */
        bool use_quantum_keeper = false; /* let the core run ahead to the next global quantum */
        bool use_dmi = true;             /* use direct memory pointers that targets grant */
        bool reference = false;          /* the core's per-cycle reference path (for tests) */
        bool device_ports = false;       /* dreq/dack/tc per channel and device_socket (above) */
    };

    tlm_utils::simple_target_socket<Dmac> target_socket;       /* registers */
    tlm_utils::simple_initiator_socket<Dmac> initiator_socket; /* DMA transfers */
    sc_core::sc_out<bool> irq;                                 /* "dmac0.irq", level, active high */
    /* With Config::device_ports, `channels` of each ("dmac.dreq_0", ...); otherwise empty. */
    sc_core::sc_vector<sc_core::sc_in<bool>> dreq;             /* DREQ, active high */
    sc_core::sc_vector<sc_core::sc_out<bool>> dack;            /* DACK, "dmac0.chN.dack" */
    sc_core::sc_vector<sc_core::sc_out<bool>> tc;              /* TC pulse, "dmac0.chN.tc" */
    tlm_utils::simple_initiator_socket_optional<Dmac> device_socket; /* fly-by data, one item each */
    /* The external EOP input (optional: leave it unbound if unused). Bound, it arms the C DMAC's
     * EOP (dmasim_dmac_eop: every channel then runs one transaction per core event) and a rising
     * edge at SystemC time T aborts the channel in service as docs/dmac.md ("External EOP") says,
     * seen after the core's events at T. */
    sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> eop;

    explicit Dmac(const sc_core::sc_module_name &name);
    Dmac(const sc_core::sc_module_name &name, const Config &cfg);
    ~Dmac() override;
    Dmac(const Dmac &) = delete;
    Dmac &operator=(const Dmac &) = delete;
    const char *kind() const override { return "dmasim::Dmac"; }

    /* Start channel `ch` at the current SystemC time without register accesses (as
     * dmasim_dmac_channel_start). Returns 0 or a DMASIM_E* code (detail in dmasim_sim_errmsg). */
    int start(unsigned ch, const dmasim_dma_transfer &t);
    dmasim_dma_channel_status channel_status(unsigned ch) const;

    /* The C objects inside (statistics "bus0.*" and "dmac0.*", signals "dmac0.irq", ...). The
     * core's time is dmasim_sim_now(sim()); run it only through this module. */
    dmasim_sim *sim() const { return sim_; }
    dmasim_bus *bus() const { return bus_; }
    dmasim_dmac *dmac() const { return dmac_; }
    const Config &config() const { return cfg_; }

private:
    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &p);
    tlm::tlm_response_status check_register_access(tlm::tlm_generic_payload &p, dmasim_addr *off) const;
    int register_access(dmasim_addr off, bool is_write, unsigned char *data);

    static int mem_transport(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                             uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states);
    static int mem_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len);
    static int mem_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len);
    static uint64_t mem_wait_states(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes,
                                    int is_write, dmasim_time t, int commit);
    int mem_debug(dmasim_addr addr, void *buf, uint32_t len, bool is_write);
    static int dev_give(void *ctx, void *buf, uint32_t len, dmasim_time t);
    static int dev_take(void *ctx, const void *buf, uint32_t len, dmasim_time t);
    int device_item(unsigned ch, unsigned char *buf, uint32_t len, bool to_device, dmasim_time t);
    void add_device_ports();
    void end_of_elaboration() override;
    void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);
    void request_dmi(dmasim_addr addr, bool is_write);
    uint64_t to_cycles(sc_dt::uint64 units);

    struct DmiRegion {
        sc_dt::uint64 start, end;     /* inclusive */
        unsigned char *ptr;
        bool allowed[2];              /* read, write */
        sc_dt::uint64 latency[2];     /* per beat, SystemC time units */
    };

    Config cfg_;
    dmasim_time period_ps_ = 0;
    dmasim_sim *sim_ = nullptr;
    dmasim_bus *bus_ = nullptr;
    dmasim_dmac *dmac_ = nullptr;
    dmasim_addr regs_ = 0;                   /* the register window on the internal bus */
    uint64_t window_ = 0;                    /* its size */
    uint64_t last_ws_[2] = {0, 0};           /* last b_transport's wait states and beats */
    uint32_t last_beats_[2] = {0, 0};        /* (read, write), for predictions */
    sc_dt::uint64 upp_ = 1, period_units_ = 1; /* SystemC time units per ps, per bus cycle */
    sc_core::sc_time unit_;                  /* one SystemC time unit */
    const sc_core::sc_time *now_ = nullptr;  /* &sc_time_stamp(): the simulation context's clock */
    sc_dt::uint64 last_extra_ = 0;           /* cache of the last conversion to_cycles() made */
    uint64_t last_cycles_ = 0;
    std::vector<DmiRegion> dmi_;             /* granted regions, most recent last */
    tlm::tlm_generic_payload payload_;       /* reused for every DMA transaction */
    tlm::tlm_generic_payload dev_payload_;   /* reused for every device item */
    struct DeviceCtx {
        Dmac *dmac;
        unsigned ch;
    };
    std::vector<DeviceCtx> dev_ctx_;         /* one per channel (device_ports) */
    unsigned char scratch_[128] = {0};       /* data pointer of timing-only transactions */
    std::unique_ptr<detail::Core> core_;
};

/* A whole dmasim simulation in lockstep with SystemC time.
 *
 * The user builds the simulation with the C API (bus, memories, CPU, DMAC, workloads) and hands
 * it over before sc_start(). A thread runs the core one event time at a time (see the top of this
 * file); statistics and cycle counts are those of the same simulation run alone with
 * dmasim_sim_run(). Config::outputs names the signals to expose as output ports (sc_out<bool> for
 * 1-bit signals, sc_out<sc_dt::uint64> for wider ones); Config::inputs the signals SystemC drives
 * (sc_in of the same types): a change of such an input at SystemC time T is set on the C signal
 * at T (or at the core's time if it has run ahead with the quantum keeper). Every port must be
 * bound. When no event is pending the core is done (done(), done_event()); with no inputs
 * nothing can wake it again, and Config::stop_when_done calls sc_stop() then.
 */
class DMASIM_SYSTEMC_API System : public sc_core::sc_module {
public:
    struct Config {
        std::vector<std::string> outputs; /* C signal names, e.g. "dmac0.irq", "bus0.owner" */
        std::vector<std::string> inputs;  /* C signals driven from SystemC */
        bool lookahead = true;            /* see "Time" above */
        bool use_quantum_keeper = false;  /* let the core run ahead to the next global quantum */
        bool stop_when_done = false;      /* sc_stop() once the simulation has no pending event */
        bool own_sim = false;             /* dmasim_sim_destroy() the simulation in ~System() */
    };

    System(const sc_core::sc_module_name &name, dmasim_sim *sim, const Config &cfg);
    ~System() override;
    System(const System &) = delete;
    System &operator=(const System &) = delete;
    const char *kind() const override { return "dmasim::System"; }

    /* The ports of signal `name` (an error if it is not in Config::outputs / inputs with that
     * width). Port object names are the signal names with '.' replaced by '_'. */
    sc_core::sc_out<bool> &out(const std::string &name);
    sc_core::sc_out<sc_dt::uint64> &out_u64(const std::string &name);
    sc_core::sc_in<bool> &in(const std::string &name);
    sc_core::sc_in<sc_dt::uint64> &in_u64(const std::string &name);

    /* No event pending (the scenario has finished, unless an input wakes it). */
    bool done() const;
    const sc_core::sc_event &done_event() const;
    /* 0, or the DMASIM_E* code with which the core stopped (detail in dmasim_sim_errmsg). */
    int status() const;
    dmasim_sim *sim() const { return sim_; }

private:
    struct Port {
        dmasim_signal *sig;
        std::unique_ptr<sc_core::sc_out<bool>> out_bool;
        std::unique_ptr<sc_core::sc_out<sc_dt::uint64>> out_u64;
        std::unique_ptr<sc_core::sc_in<bool>> in_bool;
        std::unique_ptr<sc_core::sc_in<sc_dt::uint64>> in_u64;
    };
    Port &port(const std::string &name, bool output, bool wide);

    dmasim_sim *sim_;
    Config cfg_;
    std::map<std::string, Port> outputs_, inputs_;
    std::unique_ptr<detail::Core> core_;
};

} // namespace dmasim

#endif

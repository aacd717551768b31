// Internal to dmasim_systemc: the driver that runs a C core in step with SystemC time, and the
// feeds that carry C signal changes to SystemC ports (and SystemC inputs to C signals).
#ifndef DMASIM_SYSTEMC_CORE_HPP
#define DMASIM_SYSTEMC_CORE_HPP

#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dmasim/systemc.hpp"

namespace dmasim {
namespace detail {

// Report an error with SC_REPORT_ERROR (message type "dmasim"); throws by default.
[[noreturn]] void fail(const std::string &who, const std::string &what);

// SystemC time units per picosecond (1 with the default resolution of 1 ps).
sc_dt::uint64 units_per_ps();

// Current SystemC time in ps.
dmasim_time now_ps();

class Core {
public:
    struct Options {
        bool quantum_keeper = false; // run ahead to the next global quantum boundary
        bool lookahead = true;       // run the events before the next SystemC activity at once
        bool stop_when_done = false; // sc_stop() once no event is pending (and no inputs)
    };

    // sim is not owned. Spawns the driver thread: call from a module constructor.
    Core(dmasim_sim *sim, std::string who, const Options &opt);
    ~Core();
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;

    // Run the core to time t (ps): every event at or before t. No effect if the core is
    // already there. Reports a core error (fail()).
    void advance(dmasim_time t);
    // advance() to the current SystemC time.
    void sync_now() { advance(now_ps()); }
    // May the calling process enter the core now? If another thread is inside it (a target of
    // the core's own transactions has called wait()), a thread waits until it leaves; a method,
    // or the process already inside it (a re-entrant call), gets false.
    bool enter();
    // New events may have been scheduled: wake the driver to look again.
    void kick() { wake_.notify(sc_core::SC_ZERO_TIME); }
    // The core has just called into SystemC for C time t (a device transaction): SystemC may
    // react at t, so a run ahead stops after the events of time t.
    void interacted(dmasim_time t);

    bool done() const { return dmasim_sim_next_event_time(sim_) == DMASIM_TIME_NEVER; }
    const sc_core::sc_event &done_event() const { return done_; }
    int status() const { return status_; }

    // C signal -> SystemC: write(value) is called from one SC_METHOD, at the SystemC time of
    // each change (the last value of that time); the signal's current value at time 0.
    void add_output(dmasim_signal *sig, const std::string &name, std::function<void(uint64_t)> write);
    // SystemC -> C signal: an SC_METHOD sensitive to `port` (and run once at time 0) sets sig to
    // read() at the current time; if a thread waits inside the core then (a target of the core's
    // own transaction called wait()), when the core is left (late, at the core's time).
    void add_input(dmasim_signal *sig, const std::string &name, sc_core::sc_port_base &port,
                   std::function<uint64_t()> read);

private:
    struct Feed {
        Core *core;
        dmasim_signal *sig;
        std::function<void(uint64_t)> write;
        std::deque<std::pair<dmasim_time, uint64_t>> pending; // (time, value), in time order
        uint64_t value;                                        // as delivered to SystemC
        sc_core::sc_event ev;
        explicit Feed(const char *name) : ev(name) {}
        void deliver();
    };
    static void on_change(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx);
    void run();
    void sleep(dmasim_time ps);
    void run_ahead(dmasim_time limit);
    void begin();
    void finish(int rc);

    dmasim_sim *sim_;
    std::string who_;
    Options opt_;
    bool has_inputs_ = false;
    int status_ = 0;
    bool inside_ = false;
    dmasim_time first_change_ = DMASIM_TIME_NEVER; // earliest port change during run_ahead()
    bool ahead_ = false;                           // in run_ahead()
    sc_core::sc_process_handle inside_proc_;
    // The driver is statically sensitive to wake_ only, notified for the next event's time or
    // by kick() (the earlier notification wins): the cheapest wait SystemC has.
    sc_core::sc_event wake_, left_, done_;
    std::vector<std::unique_ptr<Feed>> feeds_;
    // Input values that changed while a thread waited inside the core (a target of the core's
    // own transaction called wait()): set when the core is left, in order.
    std::vector<std::pair<dmasim_signal *, uint64_t>> deferred_;
    bool deferred_proc_ = false;
    sc_core::sc_event deferred_ev_{"deferred"}; // notified (a delta later) when the core is left with some
};

} // namespace detail
} // namespace dmasim

#endif

// The driver of a C core inside SystemC: time conversion, the lockstep thread, signal feeds.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "core.hpp"

#include <tlm_utils/tlm_quantumkeeper.h>

namespace dmasim {

namespace detail {

// SystemC time units per picosecond (1 with the default resolution). The first call fixes the
// SystemC time resolution, as any sc_time does.
sc_dt::uint64 units_per_ps()
{
    static sc_dt::uint64 upp = 0;
    if (!upp) {
        upp = sc_core::sc_time(1.0, sc_core::SC_PS).value();
        if (!upp)
            detail::fail("dmasim", "the SystemC time resolution must be 1 ps or finer, it is " +
                                       sc_core::sc_get_time_resolution().to_string());
    }
    return upp;
}

} // namespace detail

using detail::units_per_ps;

sc_core::sc_time to_sc_time(dmasim_time ps)
{
    return sc_core::sc_time::from_value(ps * units_per_ps());
}

dmasim_time to_ps(const sc_core::sc_time &t)
{
    sc_dt::uint64 upp = units_per_ps();
    if (t.value() % upp)
        detail::fail("dmasim", "time " + t.to_string() + " is not a whole number of picoseconds");
    return t.value() / upp;
}

namespace detail {

void fail(const std::string &who, const std::string &what)
{
    std::string msg = who + ": " + what;
    SC_REPORT_ERROR("dmasim", msg.c_str());
    throw std::runtime_error(msg); // only reached if the report action does not throw
}

dmasim_time now_ps()
{
    return sc_core::sc_time_stamp().value() / units_per_ps();
}

Core::Core(dmasim_sim *sim, std::string who, const Options &opt)
    : sim_(sim), who_(std::move(who)), opt_(opt), wake_("wake"), left_("left"), done_("done")
{
    units_per_ps(); // check the resolution during elaboration
    sc_core::sc_spawn_options o;
    o.set_sensitivity(&wake_);
    sc_core::sc_spawn([this] { run(); }, "driver", &o);
}

Core::~Core() = default;

void Core::advance(dmasim_time t)
{
    if (status_)
        return;
    dmasim_time c = dmasim_sim_now(sim_);
    if (t < c || (t == c && dmasim_sim_next_event_time(sim_) > t))
        return;
    begin();
    finish(dmasim_sim_run_until(sim_, t));
}

// Run the events before `limit`, one time after the other, but none after the time of a signal
// change that a port will show (SystemC processes may react to it, even at that same time).
void Core::run_ahead(dmasim_time limit)
{
    if (status_)
        return;
    begin();
    first_change_ = DMASIM_TIME_NEVER;
    ahead_ = true;
    int rc = 0;
    for (;;) {
        dmasim_time t = dmasim_sim_next_event_time(sim_);
        if (t >= limit || t > first_change_)
            break;
        // Nothing else in SystemC at all: one run, which a port change stops (on_change) after
        // its event. Otherwise one event time after the other (run_until(limit - 1) would move
        // the core's time past its last event).
        uint64_t before = dmasim_sim_events_executed(sim_);
        if (limit == DMASIM_TIME_NEVER && first_change_ == DMASIM_TIME_NEVER)
            rc = dmasim_sim_run(sim_);
        if (!rc && dmasim_sim_events_executed(sim_) == before) // not run: only passive events
            rc = dmasim_sim_run_until(sim_, t);                 // are left (a TC pulse's end)
        if (rc)
            break;
    }
    ahead_ = false;
    finish(rc);
}

void Core::interacted(dmasim_time t)
{
    if (!ahead_)
        return;
    if (t < first_change_)
        first_change_ = t;
    dmasim_sim_stop(sim_); // as for a port change (on_change)
}

// The calling process is inside the core (see enter()) from begin() to finish().
void Core::begin()
{
    inside_ = true;
    inside_proc_ = sc_core::sc_get_current_process_handle();
}

void Core::finish(int rc)
{
    inside_ = false;
    inside_proc_ = sc_core::sc_process_handle();
    left_.notify();
    if (!deferred_.empty()) // input changes waited for the core to be left
        deferred_ev_.notify(sc_core::SC_ZERO_TIME);
    if (rc) {
        status_ = rc;
        fail(who_, std::string("the simulation stopped: ") + dmasim_strerror(rc) + ": " + dmasim_sim_errmsg(sim_));
    }
}

bool Core::enter()
{
    if (!inside_)
        return true;
    sc_core::sc_process_handle me = sc_core::sc_get_current_process_handle();
    if (!me.valid() || me == inside_proc_ ||
        (me.proc_kind() != sc_core::SC_THREAD_PROC_ && me.proc_kind() != sc_core::SC_CTHREAD_PROC_))
        return false;
    while (inside_)
        sc_core::wait(left_);
    return true;
}

// Wait `ps` picoseconds, or less if kicked.
void Core::sleep(dmasim_time ps)
{
    wake_.notify(to_sc_time(ps));
    sc_core::wait();
}

void Core::run()
{
    tlm_utils::tlm_quantumkeeper qk;
    qk.reset();
    for (;;) {
        dmasim_time now = now_ps();
        dmasim_time t = dmasim_sim_next_event_time(sim_);
        if (t == DMASIM_TIME_NEVER) {
            dmasim_time c = dmasim_sim_now(sim_);
            if (c > now) { // ran ahead: let SystemC time catch up first
                sleep(c - now);
                continue;
            }
            done_.notify(sc_core::SC_ZERO_TIME);
            if (opt_.stop_when_done && !has_inputs_) {
                sc_core::wait(sc_core::SC_ZERO_TIME); // the last port writes take effect
                sc_core::wait(sc_core::SC_ZERO_TIME);
                sc_core::sc_stop();
            }
            sc_core::wait(); // for a kick
            qk.reset();
            continue;
        }
        if (t <= now) {
            advance(t);
            continue;
        }
        // Look-ahead: nothing else in SystemC happens before `horizon` (no process runs, no
        // event fires; the ports' own feeds count), so events before it can run now: no process
        // can tell this from waiting for each of them.
        sc_core::sc_time gap = opt_.lookahead ? sc_core::sc_time_to_pending_activity() : sc_core::SC_ZERO_TIME;
        if (gap != sc_core::SC_ZERO_TIME) {
            dmasim_time horizon = gap == sc_core::sc_max_time() - sc_core::sc_time_stamp()
                                      ? DMASIM_TIME_NEVER
                                      : now + gap.value() / units_per_ps();
            if (t < horizon) {
                run_ahead(horizon);
                continue;
            }
        }
        if (opt_.quantum_keeper) {
            qk.set(to_sc_time(t - now));
            if (!qk.need_sync()) {
                advance(t);
                continue;
            }
        }
        sleep(t - now);
        qk.reset();
    }
}

void Core::Feed::deliver()
{
    dmasim_time now = now_ps();
    while (!pending.empty() && pending.front().first <= now) {
        value = pending.front().second;
        pending.pop_front();
    }
    write(value);
    if (!pending.empty())
        ev.notify(to_sc_time(pending.front().first - now));
}

void Core::on_change(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx)
{
    (void)sig;
    Feed *f = static_cast<Feed *>(ctx);
    f->pending.emplace_back(t, value);
    if (t < f->core->first_change_)
        f->core->first_change_ = t;
    if (f->core->ahead_)
        dmasim_sim_stop(f->core->sim_); // SystemC may react to this change: run no later event
    dmasim_time now = now_ps();
    f->ev.notify(t > now ? to_sc_time(t - now) : sc_core::SC_ZERO_TIME);
}

void Core::add_output(dmasim_signal *sig, const std::string &name, std::function<void(uint64_t)> write)
{
    auto f = std::make_unique<Feed>(sc_core::sc_gen_unique_name((name + "_changed").c_str()));
    f->core = this;
    f->sig = sig;
    f->write = std::move(write);
    f->value = dmasim_signal_value(sig);
    int rc = dmasim_signal_subscribe(sig, on_change, f.get());
    if (rc)
        fail(who_, std::string("cannot observe signal ") + dmasim_signal_name(sig) + ": " + dmasim_strerror(rc));
    Feed *fp = f.get();
    feeds_.push_back(std::move(f));
    sc_core::sc_spawn_options o;
    o.spawn_method();
    o.set_sensitivity(&fp->ev);
    sc_core::sc_spawn([fp] { fp->deliver(); }, (name + "_out").c_str(), &o);
}

void Core::add_input(dmasim_signal *sig, const std::string &name, sc_core::sc_port_base &port,
                     std::function<uint64_t()> read)
{
    has_inputs_ = true;
    sc_core::sc_spawn_options o;
    o.spawn_method();
    o.set_sensitivity(&port);
    sc_core::sc_spawn(
        [this, sig, read] {
            if (!enter()) { // a target of the core's own transaction waits inside it: later
                deferred_.emplace_back(sig, read());
                return;
            }
            sync_now();
            dmasim_signal_set(sig, read());
            kick();
        },
        (name + "_in").c_str(), &o);
    if (!deferred_proc_) { // applies deferred input values when the core is left
        deferred_proc_ = true;
        sc_core::sc_spawn_options d;
        d.spawn_method();
        d.set_sensitivity(&deferred_ev_);
        d.dont_initialize();
        sc_core::sc_spawn(
            [this] {
                if (deferred_.empty() || !enter())
                    return;
                sync_now();
                for (const auto &v : deferred_)
                    dmasim_signal_set(v.first, v.second);
                deferred_.clear();
                kick();
            },
            "deferred_inputs", &d);
    }
}

} // namespace detail
} // namespace dmasim

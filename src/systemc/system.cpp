// dmasim::System: a whole dmasim simulation in lockstep with SystemC time, with chosen signals
// as SystemC ports. The contract is in include/dmasim/systemc.hpp.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "core.hpp"

namespace dmasim {

namespace {

// SystemC object names cannot contain the hierarchy separator.
std::string port_name(const std::string &signal)
{
    std::string n = signal;
    for (char &c : n)
        if (c == '.' || c == ' ')
            c = '_';
    return n;
}

} // namespace

System::System(const sc_core::sc_module_name &name, dmasim_sim *sim, const Config &cfg)
    : sc_core::sc_module(name), sim_(sim), cfg_(cfg)
{
    const std::string who = this->name();
    if (!sim)
        detail::fail(who, "no simulation (sim is NULL)");
    detail::Core::Options o;
    o.quantum_keeper = cfg.use_quantum_keeper;
    o.lookahead = cfg.lookahead;
    o.stop_when_done = cfg.stop_when_done;
    core_ = std::make_unique<detail::Core>(sim, who, o);

    auto find = [&](const std::string &s, std::map<std::string, Port> &ports) -> Port & {
        dmasim_signal *sig = dmasim_sim_signal_find(sim, s.c_str());
        if (!sig)
            detail::fail(who, "no signal named '" + s + "' in the simulation");
        if (outputs_.count(s) || inputs_.count(s))
            detail::fail(who, "signal '" + s + "' is listed twice");
        Port &p = ports[s];
        p.sig = sig;
        return p;
    };
    for (const std::string &s : cfg.outputs) {
        Port &p = find(s, outputs_);
        std::string pn = port_name(s);
        uint64_t v = dmasim_signal_value(p.sig);
        if (dmasim_signal_width(p.sig) == 1) {
            p.out_bool = std::make_unique<sc_core::sc_out<bool>>(pn.c_str());
            p.out_bool->initialize(v != 0);
            sc_core::sc_out<bool> *port = p.out_bool.get();
            core_->add_output(p.sig, pn, [port](uint64_t x) { port->write(x != 0); });
        } else {
            p.out_u64 = std::make_unique<sc_core::sc_out<sc_dt::uint64>>(pn.c_str());
            p.out_u64->initialize(v);
            sc_core::sc_out<sc_dt::uint64> *port = p.out_u64.get();
            core_->add_output(p.sig, pn, [port](uint64_t x) { port->write(x); });
        }
    }
    for (const std::string &s : cfg.inputs) {
        Port &p = find(s, inputs_);
        std::string pn = port_name(s);
        if (dmasim_signal_width(p.sig) == 1) {
            p.in_bool = std::make_unique<sc_core::sc_in<bool>>(pn.c_str());
            sc_core::sc_in<bool> *port = p.in_bool.get();
            core_->add_input(p.sig, pn, *port, [port]() -> uint64_t { return port->read() ? 1 : 0; });
        } else {
            p.in_u64 = std::make_unique<sc_core::sc_in<sc_dt::uint64>>(pn.c_str());
            sc_core::sc_in<sc_dt::uint64> *port = p.in_u64.get();
            core_->add_input(p.sig, pn, *port, [port]() -> uint64_t { return port->read(); });
        }
    }
}

System::~System()
{
    core_.reset();
    if (cfg_.own_sim)
        dmasim_sim_destroy(sim_);
}

System::Port &System::port(const std::string &name, bool output, bool wide)
{
    std::map<std::string, Port> &ports = output ? outputs_ : inputs_;
    auto it = ports.find(name);
    if (it == ports.end())
        detail::fail(this->name(), "signal '" + name + "' is not one of the " + (output ? "outputs" : "inputs"));
    bool is_wide = dmasim_signal_width(it->second.sig) > 1;
    if (is_wide != wide)
        detail::fail(this->name(), "signal '" + name + "' is " + (is_wide ? "wider than 1 bit: use " : "1 bit: use ") +
                                       (output ? (is_wide ? "out_u64()" : "out()") : (is_wide ? "in_u64()" : "in()")));
    return it->second;
}

sc_core::sc_out<bool> &System::out(const std::string &name) { return *port(name, true, false).out_bool; }
sc_core::sc_out<sc_dt::uint64> &System::out_u64(const std::string &name) { return *port(name, true, true).out_u64; }
sc_core::sc_in<bool> &System::in(const std::string &name) { return *port(name, false, false).in_bool; }
sc_core::sc_in<sc_dt::uint64> &System::in_u64(const std::string &name) { return *port(name, false, true).in_u64; }

bool System::done() const { return core_->done(); }
const sc_core::sc_event &System::done_event() const { return core_->done_event(); }
int System::status() const { return core_->status(); }

} // namespace dmasim

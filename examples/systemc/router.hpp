// A zero-latency TLM-2.0 interconnect for the examples: any number of initiators, targets by
// address range (addresses are passed on unchanged). b_transport and transport_dbg are routed;
// an address no target maps gets TLM_ADDRESS_ERROR_RESPONSE. Contention is not modelled here.
#ifndef DMASIM_EXAMPLE_ROUTER_HPP
#define DMASIM_EXAMPLE_ROUTER_HPP

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace example {

class Router : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Router> in;     // bind initiators here
    tlm_utils::multi_passthrough_initiator_socket<Router> out; // bind targets here, in map() order

    explicit Router(const sc_core::sc_module_name &name) : sc_core::sc_module(name), in("in"), out("out")
    {
        in.register_b_transport(this, &Router::b_transport);
        in.register_transport_dbg(this, &Router::transport_dbg);
    }

    // The n-th target bound to `out` answers [base, base + size).
    void map(uint64_t base, uint64_t size) { ranges_.push_back({base, size}); }

private:
    struct Range {
        uint64_t base, size;
    };
    int decode(uint64_t a) const
    {
        for (size_t i = 0; i < ranges_.size(); i++)
            if (a >= ranges_[i].base && a - ranges_[i].base < ranges_[i].size)
                return int(i);
        return -1;
    }
    void b_transport(int, tlm::tlm_generic_payload &p, sc_core::sc_time &delay)
    {
        int t = decode(p.get_address());
        if (t < 0) {
            p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        out[t]->b_transport(p, delay);
    }
    unsigned int transport_dbg(int, tlm::tlm_generic_payload &p)
    {
        int t = decode(p.get_address());
        return t < 0 ? 0 : out[t]->transport_dbg(p);
    }

    std::vector<Range> ranges_;
};

} // namespace example

#endif

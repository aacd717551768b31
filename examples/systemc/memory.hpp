// A loosely-timed SystemC TLM-2.0 memory that times its accesses like a dmasim SRAM.
//
// An access of n bytes at addr covers beats = the bus-width-aligned words its bytes touch, and
// the memory adds `wait_states * beats * clock_period` to the b_transport delay: exactly the
// wait states a dmasim SRAM with `wait_states` asks for (docs/timing.md R3). So dmasim::Dmac
// against this memory completes at the same time as the C core with its SRAM.
//
// Options: `sync` makes b_transport wait() for the whole delay and return a zero delay (a
// target that synchronises, legal in TLM-2.0 LT); `fail_lo..fail_hi` answers accesses in that
// range with TLM_GENERIC_ERROR_RESPONSE (to test error paths); `dmi` grants a direct memory
// pointer to the whole memory (read and write), with a read and write latency of
// `wait_states * clock_period` per beat (the same timing as b_transport, per beat of `width`
// bytes). transport_dbg moves bytes in zero time. Accesses outside [base, base + size) get
// TLM_ADDRESS_ERROR_RESPONSE. `width` must be a power of two.
#ifndef DMASIM_EXAMPLE_MEMORY_HPP
#define DMASIM_EXAMPLE_MEMORY_HPP

#include <cstdint>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace example {

class Memory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Memory> socket;

    struct Config {
        uint64_t base = 0;
        uint64_t size = 1 << 20;
        sc_core::sc_time clock_period = sc_core::sc_time(10, sc_core::SC_NS);
        uint32_t width = 8;       // bytes per beat
        uint32_t wait_states = 0; // per beat
        bool sync = false;
        bool dmi = false;
        uint64_t fail_lo = 0, fail_hi = 0;
    };

    Memory(const sc_core::sc_module_name &name, const Config &cfg)
        : sc_core::sc_module(name), socket("socket"), cfg_(cfg), bytes_(cfg.size, 0),
          beat_delay_(cfg.clock_period * double(cfg.wait_states))
    {
        while ((1u << width_shift_) < cfg.width)
            width_shift_++;
        socket.register_b_transport(this, &Memory::b_transport);
        socket.register_transport_dbg(this, &Memory::transport_dbg);
        socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
    }

    // Back door for test benches (no time, no TLM).
    unsigned char *data(uint64_t addr) { return &bytes_[addr - cfg_.base]; }
    uint64_t transactions() const { return transactions_; } // b_transport calls
    // Withdraw every direct memory pointer granted so far (initiators must ask again).
    void invalidate_dmi() { socket->invalidate_direct_mem_ptr(0, ~sc_dt::uint64(0)); }
    const Config &config() const { return cfg_; }

private:
    bool in_range(uint64_t a, uint64_t n) const
    {
        return a >= cfg_.base && a - cfg_.base < cfg_.size && n <= cfg_.size - (a - cfg_.base);
    }

    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay)
    {
        uint64_t a = p.get_address();
        uint64_t n = p.get_data_length();
        transactions_++;
        if (!in_range(a, n)) {
            p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (p.get_byte_enable_ptr()) {
            p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        if (p.get_streaming_width() < n) {
            p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        uint64_t beats = n ? ((a + n - 1) >> width_shift_) - (a >> width_shift_) + 1 : 0;
        if (beats == 1)
            delay += beat_delay_;
        else
            delay += beat_delay_ * double(beats);
        if (a < cfg_.fail_hi && a + n > cfg_.fail_lo) {
            p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        if (p.is_read())
            std::memcpy(p.get_data_ptr(), &bytes_[a - cfg_.base], n);
        else if (p.is_write())
            std::memcpy(&bytes_[a - cfg_.base], p.get_data_ptr(), n);
        if (cfg_.sync) {
            wait(delay);
            delay = sc_core::SC_ZERO_TIME;
        }
        p.set_dmi_allowed(cfg_.dmi);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
    }

    bool get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d)
    {
        if (!cfg_.dmi || cfg_.fail_hi > cfg_.fail_lo || !in_range(p.get_address(), 1))
            return false; // (no DMI over failing addresses)
        d.set_dmi_ptr(bytes_.data());
        d.set_start_address(cfg_.base);
        d.set_end_address(cfg_.base + cfg_.size - 1);
        d.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
        d.set_read_latency(beat_delay_);
        d.set_write_latency(beat_delay_);
        return true;
    }

    unsigned int transport_dbg(tlm::tlm_generic_payload &p)
    {
        uint64_t a = p.get_address();
        uint64_t n = p.get_data_length();
        if (!in_range(a, n))
            return 0;
        if (p.is_read())
            std::memcpy(p.get_data_ptr(), &bytes_[a - cfg_.base], n);
        else if (p.is_write())
            std::memcpy(&bytes_[a - cfg_.base], p.get_data_ptr(), n);
        return static_cast<unsigned int>(n);
    }

    Config cfg_;
    std::vector<unsigned char> bytes_;
    sc_core::sc_time beat_delay_;
    unsigned width_shift_ = 0;
    uint64_t transactions_ = 0;
};

} // namespace example

#endif

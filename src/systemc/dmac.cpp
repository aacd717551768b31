// dmasim::Dmac: the C DMAC behind a TLM-2.0 register target and a TLM-2.0 memory initiator.
// The contract (delays, wait states, responses) is in include/dmasim/systemc.hpp.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "core.hpp"

#include <cstring>

namespace dmasim {

namespace {

// The register window on the internal bus: the top page of the address space, so that every
// address a DMA channel may be given (anything below) reaches the platform.
constexpr dmasim_addr kRegisterWindow = 0xFFFFFFFFFFFFF000ull;

sc_dt::uint64 units(const sc_core::sc_time &t) { return t.value(); }

// A payload reset for a new transaction: no byte enables, streaming width = length, no DMI hint.
void prepare(tlm::tlm_generic_payload &p, tlm::tlm_command cmd, sc_dt::uint64 addr, unsigned char *data,
             unsigned len)
{
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_byte_enable_ptr(nullptr);
    p.set_byte_enable_length(0);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

} // namespace

Dmac::Dmac(const sc_core::sc_module_name &name) : Dmac(name, Config()) {}

Dmac::Dmac(const sc_core::sc_module_name &name, const Config &cfg)
    : sc_core::sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket"), irq("irq"),
      dreq("dreq"), dack("dack"), tc("tc"), device_socket("device_socket"), eop("eop"), cfg_(cfg)
{
    const std::string who = this->name();
    period_ps_ = to_ps(cfg.clock_period);
    if (period_ps_ == 0)
        detail::fail(who, "clock_period must be at least 1 ps");

    dmasim_sim_config scfg;
    dmasim_sim_config_init(&scfg);
    scfg.reference = cfg.reference ? 1 : 0;
    int rc = dmasim_sim_create(&scfg, &sim_);
    if (rc)
        detail::fail(who, std::string("dmasim_sim_create: ") + dmasim_strerror(rc));
    try {
        auto check = [&](int err, const char *what) {
            if (err < 0)
                detail::fail(who, std::string(what) + ": " + dmasim_strerror(err) + ": " + dmasim_sim_errmsg(sim_));
        };
        dmasim_bus_config bcfg;
        dmasim_bus_config_init(&bcfg);
        bcfg.period_ps = period_ps_;
        bcfg.width = cfg.bus_width;
        bcfg.arbitration_cycles = cfg.arbitration_cycles;
        bcfg.address_cycles = cfg.address_cycles;
        check(dmasim_bus_create(sim_, &bcfg, &bus_), "bus");

        if (cfg.channels < 1 || cfg.channels > 32)
            check(DMASIM_ERANGE, "channels must be 1..32");
        regs_ = kRegisterWindow;
        window_ = uint64_t(cfg.channels) * DMASIM_DMAC_CH_STRIDE + DMASIM_DMAC_GLOBAL_SIZE; // channels, then the global block
        static const dmasim_bus_slave_ops2 forward = {{2, mem_read, mem_write, mem_wait_states}, mem_transport};
        check(dmasim_bus_map(bus_, "platform", 0, regs_, 0, &forward.v1, this), "map");
        check(dmasim_bus_map(bus_, "platform_top", regs_ + window_, 0 - (regs_ + window_), 0, &forward.v1, this),
              "map");

        dmasim_dmac_config dcfg;
        dmasim_dmac_config_init(&dcfg);
        dcfg.channels = cfg.channels;
        dcfg.reg_base = regs_;
        dcfg.reg_wait_states = cfg.reg_wait_states;
        dcfg.max_burst = cfg.max_burst;
        check(dmasim_dmac_create(bus_, &dcfg, &dmac_), "dmac");

        target_socket.register_b_transport(this, &Dmac::b_transport);
        target_socket.register_transport_dbg(this, &Dmac::transport_dbg);
        initiator_socket.register_invalidate_direct_mem_ptr(this, &Dmac::invalidate_dmi);
        upp_ = detail::units_per_ps();
        period_units_ = period_ps_ * upp_;
        unit_ = sc_core::sc_time::from_value(1);
        now_ = &sc_core::sc_time_stamp(); // the kernel's current time, read per transaction

        detail::Core::Options o;
        o.quantum_keeper = cfg.use_quantum_keeper;
        o.lookahead = cfg.lookahead;
        core_ = std::make_unique<detail::Core>(sim_, who, o);
        irq.initialize(false);
        core_->add_output(dmasim_dmac_irq(dmac_), "irq", [this](uint64_t v) { irq.write(v != 0); });
        if (cfg.device_ports)
            add_device_ports();
    } catch (...) {
        core_.reset();
        dmasim_sim_destroy(sim_);
        sim_ = nullptr;
        throw;
    }
}

// Per channel: a C DREQ signal fed by dreq[n], the DMAC's DACK and TC pins on dack[n] and tc[n],
// and a device whose items are b_transport calls on device_socket.
void Dmac::add_device_ports()
{
    const std::string who = this->name();
    static const dmasim_dma_device_ops ops = {1, dev_give, dev_take, nullptr};
    unsigned n = cfg_.channels;
    dreq.init(n);
    dack.init(n);
    tc.init(n);
    dev_ctx_.resize(n);
    const char *dname = "dmac0"; // the C DMAC's name (dmasim_dmac_config_init's default)
    for (unsigned ch = 0; ch < n; ch++) {
        std::string base = std::string(dname) + ".ch" + std::to_string(ch);
        dmasim_signal *sig = nullptr;
        int rc = dmasim_signal_create(sim_, (base + ".dreq").c_str(), 1, 0, &sig);
        dev_ctx_[ch] = DeviceCtx{this, ch};
        if (!rc)
            rc = dmasim_dmac_attach_device(dmac_, ch, &ops, &dev_ctx_[ch], sig);
        dmasim_signal *ack = dmasim_sim_signal_find(sim_, (base + ".dack").c_str());
        dmasim_signal *tcs = dmasim_sim_signal_find(sim_, (base + ".tc").c_str());
        if (rc || !ack || !tcs)
            detail::fail(who, "channel " + std::to_string(ch) + ": cannot attach the device ports: " +
                                  (rc ? std::string(dmasim_strerror(rc)) + ": " + dmasim_sim_errmsg(sim_)
                                      : std::string("no DACK/TC pin")));
        sc_core::sc_in<bool> *in = &dreq[ch];
        core_->add_input(sig, "dreq_" + std::to_string(ch), *in,
                         [in]() -> uint64_t { return in->read() ? 1 : 0; });
        sc_core::sc_out<bool> *a = &dack[ch], *p = &tc[ch];
        a->initialize(false);
        p->initialize(false);
        core_->add_output(ack, "dack_" + std::to_string(ch), [a](uint64_t v) { a->write(v != 0); });
        core_->add_output(tcs, "tc_" + std::to_string(ch), [p](uint64_t v) { p->write(v != 0); });
    }
}

void Dmac::end_of_elaboration()
{
    if (cfg_.device_ports && device_socket.size() == 0)
        detail::fail(name(), "device_ports is set but device_socket is not bound");
    if (eop.size() > 0) // bound: arm the C DMAC's EOP input and feed it
        core_->add_input(dmasim_dmac_eop(dmac_), "eop", eop, [this]() -> uint64_t { return eop->read() ? 1 : 0; });
}

Dmac::~Dmac()
{
    core_.reset();
    dmasim_sim_destroy(sim_);
}

int Dmac::start(unsigned ch, const dmasim_dma_transfer &t)
{
    if (!core_->enter())
        return DMASIM_ESTATE;
    core_->sync_now();
    int rc = dmasim_dmac_channel_start(dmac_, ch, &t);
    core_->kick();
    return rc;
}

dmasim_dma_channel_status Dmac::channel_status(unsigned ch) const
{
    dmasim_dma_channel_status s;
    std::memset(&s, 0, sizeof s);
    dmasim_dmac_channel_status(dmac_, ch, &s);
    return s;
}

// ---- register side --------------------------------------------------------------------------

tlm::tlm_response_status Dmac::check_register_access(tlm::tlm_generic_payload &p, dmasim_addr *off) const
{
    if (p.get_byte_enable_ptr())
        return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    uint64_t a = p.get_address();
    if (a < cfg_.reg_base || a - cfg_.reg_base >= window_)
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    *off = a - cfg_.reg_base;
    if (p.get_data_length() != 4 || p.get_streaming_width() != 4)
        return tlm::TLM_BURST_ERROR_RESPONSE;
    if (*off & 3)
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

// One 32-bit register through the C register file (little-endian bytes there, host order here).
int Dmac::register_access(dmasim_addr off, bool is_write, unsigned char *data)
{
    unsigned char b[4];
    uint32_t v;
    if (is_write) {
        std::memcpy(&v, data, 4);
        for (int i = 0; i < 4; i++)
            b[i] = static_cast<unsigned char>(v >> (8 * i));
        return dmasim_bus_debug_write(bus_, regs_ + off, b, 4);
    }
    int rc = dmasim_bus_debug_read(bus_, regs_ + off, b, 4);
    v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    std::memcpy(data, &v, 4);
    return rc;
}

void Dmac::b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay)
{
    dmasim_addr off = 0;
    tlm::tlm_response_status st = check_register_access(p, &off);
    if (st != tlm::TLM_OK_RESPONSE || p.is_read() == p.is_write()) { // errors and TLM_IGNORE_COMMAND
        p.set_response_status(st);
        return;
    }
    if (!core_->enter()) {
        p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // The access reaches the register file at the first clock edge at or after its time, and
    // takes the bus transaction of a register (R3); the data moves when its beat ends.
    dmasim_time at = detail::now_ps() + units(delay) / upp_;
    if (at < dmasim_sim_now(sim_))
        at = dmasim_sim_now(sim_); // the core has run ahead (quantum): the access is late
    dmasim_time edge = dmasim_clock_edge_at_or_after(at, period_ps_);
    dmasim_time data = edge + dmasim_bus_predict_cycles(bus_, regs_ + off, 4, p.is_write(), edge) * period_ps_;
    core_->advance(data);
    int rc = register_access(off, p.is_write(), p.get_data_ptr());
    dmasim_time now = detail::now_ps();
    delay = data > now ? to_sc_time(data - now) : sc_core::SC_ZERO_TIME;
    p.set_response_status(rc ? tlm::TLM_GENERIC_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
    core_->kick();
}

unsigned int Dmac::transport_dbg(tlm::tlm_generic_payload &p)
{
    uint64_t a = p.get_address();
    uint64_t len = p.get_data_length();
    if (p.is_read() == p.is_write() || p.get_byte_enable_ptr() || p.get_streaming_width() < len || len == 0 ||
        len % 4 || a < cfg_.reg_base || (a - cfg_.reg_base) % 4 || a - cfg_.reg_base >= window_ ||
        len > window_ - (a - cfg_.reg_base))
        return 0;
    if (!core_->enter())
        return 0;
    core_->sync_now();
    dmasim_addr off = a - cfg_.reg_base;
    unsigned int n = 0;
    while (n < len && register_access(off + n, p.is_write(), p.get_data_ptr() + n) == 0)
        n += 4;
    if (p.is_write())
        core_->kick();
    p.set_response_status(n == len ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
    return n;
}

// ---- memory side: the internal bus's slave that forwards to initiator_socket -------------------

// Bus cycles covering `units` of SystemC time (rounded up). A DMA stream keeps asking the same.
uint64_t Dmac::to_cycles(sc_dt::uint64 units)
{
    if (units != last_extra_) {
        last_extra_ = units;
        last_cycles_ = (units + period_units_ - 1) / period_units_;
    }
    return last_cycles_;
}

int Dmac::mem_transport(void *ctx, dmasim_addr addr, void *buf, uint32_t len, int is_write, uint32_t beats,
                        uint32_t beat_bytes, dmasim_time t, uint64_t *wait_states)
{
    (void)beat_bytes;
    Dmac *d = static_cast<Dmac *>(ctx);
    const int w = is_write ? 1 : 0;
    if (buf && !d->dmi_.empty()) { // a direct memory pointer: no b_transport
        for (auto r = d->dmi_.rbegin(); r != d->dmi_.rend(); ++r) {
            if (addr < r->start || addr + (len - 1) > r->end || !r->allowed[w])
                continue;
            unsigned char *q = r->ptr + (addr - r->start);
            if (w)
                std::memcpy(q, buf, len);
            else
                std::memcpy(buf, q, len);
            *wait_states = d->to_cycles(r->latency[w] * beats);
            return 0;
        }
    }
    tlm::tlm_generic_payload &p = d->payload_;
    prepare(p, !buf ? tlm::TLM_IGNORE_COMMAND : w ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr,
            buf ? static_cast<unsigned char *>(buf) : d->scratch_, len);

    // In SystemC time units: the transaction starts at t (or now, if SystemC is already later:
    // a target before it waited), and ends when the target says; the excess is wait states.
    sc_dt::uint64 now = units(*d->now_);
    sc_dt::uint64 start = t * d->upp_ > now ? t * d->upp_ : now;
    sc_core::sc_time delay = d->unit_ * double(start - now); // exact below 2^53 units
    d->initiator_socket->b_transport(p, delay);
    sc_dt::uint64 end = units(*d->now_) + units(delay);
    uint64_t ws = end > start ? d->to_cycles(end - start) : 0;
    *wait_states = ws;
    if (!p.is_response_ok())
        return DMASIM_EBUSERR;
    if (buf && beats) { // for predictions
        d->last_ws_[w] = ws;
        d->last_beats_[w] = beats;
    }
    if (buf && p.is_dmi_allowed() && d->cfg_.use_dmi)
        d->request_dmi(addr, w != 0);
    return 0;
}

void Dmac::request_dmi(dmasim_addr addr, bool is_write)
{
    tlm::tlm_generic_payload q;
    tlm::tlm_dmi dmi;
    q.set_command(is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    q.set_address(addr);
    if (!initiator_socket->get_direct_mem_ptr(q, dmi) || !dmi.get_dmi_ptr() || addr < dmi.get_start_address() ||
        addr > dmi.get_end_address())
        return;
    DmiRegion r;
    r.start = dmi.get_start_address();
    r.end = dmi.get_end_address();
    r.ptr = dmi.get_dmi_ptr();
    r.allowed[0] = dmi.is_read_allowed();
    r.allowed[1] = dmi.is_write_allowed();
    r.latency[0] = dmi.get_read_latency().value();
    r.latency[1] = dmi.get_write_latency().value();
    if (dmi_.size() >= 4) // a few regions are enough for a copy (source and destination)
        dmi_.erase(dmi_.begin());
    dmi_.push_back(r);
}

void Dmac::invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end)
{
    for (size_t i = dmi_.size(); i-- > 0;)
        if (dmi_[i].start <= end && start <= dmi_[i].end)
            dmi_.erase(dmi_.begin() + long(i));
}

int Dmac::mem_debug(dmasim_addr addr, void *buf, uint32_t len, bool is_write)
{
    tlm::tlm_generic_payload p;
    p.set_command(is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    p.set_data_ptr(static_cast<unsigned char *>(buf));
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_byte_enable_ptr(nullptr);
    return initiator_socket->transport_dbg(p) == len ? 0 : DMASIM_EBUSERR;
}

int Dmac::mem_read(void *ctx, dmasim_addr addr, void *buf, uint32_t len)
{
    return static_cast<Dmac *>(ctx)->mem_debug(addr, buf, len, false);
}

int Dmac::mem_write(void *ctx, dmasim_addr addr, const void *buf, uint32_t len)
{
    return static_cast<Dmac *>(ctx)->mem_debug(addr, const_cast<void *>(buf), len, true);
}

// Predictions only (transparent mode's look-ahead): the last wait states seen per beat.
uint64_t Dmac::mem_wait_states(void *ctx, dmasim_addr addr, uint32_t beats, uint32_t beat_bytes, int is_write,
                               dmasim_time t, int commit)
{
    (void)addr;
    (void)beat_bytes;
    (void)t;
    (void)commit;
    const Dmac *d = static_cast<Dmac *>(ctx);
    const int w = is_write ? 1 : 0;
    return d->last_beats_[w] ? d->last_ws_[w] / d->last_beats_[w] * beats : 0;
}

// ---- device side: one b_transport on device_socket per fly-by item --------------------------

int Dmac::device_item(unsigned ch, unsigned char *buf, uint32_t len, bool to_device, dmasim_time t)
{
    tlm::tlm_generic_payload &p = dev_payload_;
    prepare(p, to_device ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, ch, buf, len);
    sc_dt::uint64 now = units(*now_);
    sc_dt::uint64 at = t * upp_;
    sc_core::sc_time delay = at > now ? unit_ * double(at - now) : sc_core::SC_ZERO_TIME;
    device_socket->b_transport(p, delay); // the delay the device adds is not used (fly-by)
    core_->interacted(t);
    return p.is_response_ok() ? 0 : DMASIM_EBUSY;
}

int Dmac::dev_give(void *ctx, void *buf, uint32_t len, dmasim_time t)
{
    DeviceCtx *c = static_cast<DeviceCtx *>(ctx);
    return c->dmac->device_item(c->ch, static_cast<unsigned char *>(buf), len, false, t);
}

int Dmac::dev_take(void *ctx, const void *buf, uint32_t len, dmasim_time t)
{
    DeviceCtx *c = static_cast<DeviceCtx *>(ctx);
    // The device must not write the item: TLM write data is the initiator's, read-only by contract.
    return c->dmac->device_item(c->ch, static_cast<unsigned char *>(const_cast<void *>(buf)), len, true, t);
}

} // namespace dmasim

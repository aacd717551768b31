/* The Intel 8237A DMA controller (`dmasim_i8237`), after its datasheet (Intel 8237A/8237A-4/
 * 8237A-5 High Performance Programmable DMA Controller, order no. 231466).
 *
 * One bus master with 4 channels, 8-bit data, 16-bit addresses (A0-A15 from the channel's
 * current address register) and an external 8-bit page register per channel (74LS612-style,
 * A16-A23), on a dmasim bus whose clock is the 8237A's CLK: a scenario sets the bus period to the
 * CLK period (200000 ps for an 8237A-5 at 5 MHz). docs/i8237.md has the state sequences, the
 * clock-count formulas and the register map.
 *
 * Timing: every byte costs the datasheet's states on the bus clock. SI samples DREQ; S0 raises
 * HRQ (a bus request) and lasts until HLDA (the bus grant, after the bus's arbitration cycles);
 * S1 outputs A8-A15 and is present at the start of a service and whenever A8-A15 change; then
 * S2 S3 S4 (normal timing, 3 clocks a byte) or S2 S4 (compressed timing, 2 clocks), plus one SW
 * state per wait state the memory asks for on the bus (READY). Memory-to-memory moves a byte in
 * 8 states (S11-S14 read from channel 0's address into the temporary register, S21-S24 write to
 * channel 1's). Single mode ends the service (HRQ drops, the bus is released) after every byte;
 * block mode holds the bus until terminal count (TC) or an external EOP; demand mode also ends
 * the service when DREQ is inactive at the end of a byte's S4. At TC (or EOP) the channel's TC
 * status bit is set, the EOP pin pulses for one clock, and the channel autoinitializes (current
 * registers reloaded from the base registers) or gets its mask bit set.
 *
 * Devices attach per channel with the ops of device.h (fly-by: one memory transaction a byte,
 * the device selected by DACK; give() is called when the memory write starts, take() when the
 * memory read has ended). Registers: 16 I/O ports at io_base (1-byte accesses; a scripted CPU
 * programs them with DMASIM_OP_STORE of size 1) and the 16 page registers at page_base.
 *
 * Addresses never cross a 64 KiB page: the real part wraps A0-A15 within the page and silently
 * moves the wrong bytes. With page_policy DMASIM_I8237_PAGE_ERROR (the default) a service whose
 * remaining bytes would wrap stops the simulation with DMASIM_ERANGE and a message naming the
 * channel, its addresses and the boundary (and dmasim_i8237_program() refuses such a transfer
 * with DMASIM_ERANGE); DMASIM_I8237_PAGE_WRAP wraps as the hardware does and counts it.
 * A memory transaction answered with a bus error also stops the simulation (the 8237A has no way
 * to report it).
 *
 * Fast and reference paths (dmasim_sim_config.reference) give identical statistics: the fast
 * path runs a service's bytes in one event while no other event is due before a byte ends and no
 * output pin of the 8237A is observed.
 */
#ifndef DMASIM_I8237_H
#define DMASIM_I8237_H

#include "dmasim/bus.h"
#include "dmasim/device.h"
#include "dmasim/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_i8237 dmasim_i8237;

enum { DMASIM_I8237_CHANNELS = 4 };

/* I/O ports, offsets from io_base (datasheet table "Register Codes"). */
enum {
    DMASIM_I8237_ADDR0 = 0x0,    /* channel n base+current address: 2n; word count: 2n + 1 */
    DMASIM_I8237_COUNT0 = 0x1,
    DMASIM_I8237_STATUS = 0x8,   /* read: status (clears the TC bits); write: command */
    DMASIM_I8237_COMMAND = 0x8,
    DMASIM_I8237_REQUEST = 0x9,  /* write */
    DMASIM_I8237_MASK_SINGLE = 0xA, /* write: bit 2 set/clear, bits 1-0 channel */
    DMASIM_I8237_MODE = 0xB,     /* write */
    DMASIM_I8237_CLEAR_FF = 0xC, /* write: clear the byte pointer flip-flop */
    DMASIM_I8237_TEMP = 0xD,     /* read: temporary register */
    DMASIM_I8237_MASTER_CLEAR = 0xD, /* write */
    DMASIM_I8237_CLEAR_MASK = 0xE,   /* write: unmask all */
    DMASIM_I8237_MASK_ALL = 0xF,     /* write: bits 3-0 */
    DMASIM_I8237_PORTS = 16
};

/* Command register bits. */
enum {
    DMASIM_I8237_CMD_MEM_TO_MEM = 1u << 0,
    DMASIM_I8237_CMD_CH0_HOLD = 1u << 1,    /* channel 0 address hold (memory-to-memory) */
    DMASIM_I8237_CMD_DISABLE = 1u << 2,     /* controller disable */
    DMASIM_I8237_CMD_COMPRESSED = 1u << 3,  /* compressed timing (ignored in memory-to-memory) */
    DMASIM_I8237_CMD_ROTATING = 1u << 4,    /* rotating priority */
    DMASIM_I8237_CMD_EXT_WRITE = 1u << 5,   /* extended write (no effect on clock counts) */
    DMASIM_I8237_CMD_DREQ_LOW = 1u << 6,    /* DREQ sense active low */
    DMASIM_I8237_CMD_DACK_HIGH = 1u << 7    /* DACK sense active high */
};

/* Mode register fields (bits 1-0 select the channel). */
enum {
    DMASIM_I8237_XFER_VERIFY = 0u << 2,
    DMASIM_I8237_XFER_WRITE = 1u << 2,      /* device to memory (I/O read, memory write) */
    DMASIM_I8237_XFER_READ = 2u << 2,       /* memory to device (memory read, I/O write) */
    DMASIM_I8237_XFER_MASK = 3u << 2,
    DMASIM_I8237_AUTOINIT = 1u << 4,
    DMASIM_I8237_DECREMENT = 1u << 5,
    DMASIM_I8237_MODE_DEMAND = 0u << 6,
    DMASIM_I8237_MODE_SINGLE = 1u << 6,
    DMASIM_I8237_MODE_BLOCK = 2u << 6,
    DMASIM_I8237_MODE_CASCADE = 3u << 6,
    DMASIM_I8237_MODE_MASK = 3u << 6
};

typedef enum dmasim_i8237_page_policy {
    DMASIM_I8237_PAGE_ERROR = 0, /* a transfer that would cross a 64 KiB page is an error */
    DMASIM_I8237_PAGE_WRAP = 1   /* wrap A0-A15 within the page, as the hardware does (counted) */
} dmasim_i8237_page_policy;

typedef struct dmasim_i8237_config {
    const char *name;            /* statistics and signal prefix; default "i8237" */
    unsigned bus_priority;       /* bus arbitration priority (0 highest); default 0 */
    dmasim_addr io_base;         /* the 16 ports; default 0xE0000000 */
    dmasim_addr page_base;       /* the 16 page registers; default 0xE0000080 (the PC's 0x80) */
    uint8_t page_index[DMASIM_I8237_CHANNELS]; /* page register of channel n; default the PC/AT's
                                                  {7, 3, 1, 2} (ports 0x87, 0x83, 0x81, 0x82) */
    uint32_t page_bits;          /* address bits a page register gives (A16 up), 0..8; default 8 */
    uint32_t io_wait_states;     /* bus wait states of a port access, 0..1024; default 1 */
    dmasim_time clock_period_ps; /* CLK period it expects; 0 = the bus's, whatever it is; else
                                    the bus period must equal it; default 0 */
    dmasim_i8237_page_policy page_policy; /* default DMASIM_I8237_PAGE_ERROR */
} dmasim_i8237_config;

/* Fill *cfg with the defaults above (an 8237A on any bus clock). */
DMASIM_API void dmasim_i8237_config_init(dmasim_i8237_config *cfg);

/* Fill *cfg with a built-in preset: "i8237a" (8237A-5, CLK 5 MHz: clock_period_ps 200000),
 * "i8237a-4" (4 MHz), "i8237a-3" (3 MHz: 333333 ps) (models/dmac/i8237a.yaml); the other
 * fields get the defaults. Returns 0 or DMASIM_ENOENT. */
DMASIM_API int dmasim_i8237_preset(const char *name, dmasim_i8237_config *cfg);
/* The i-th preset name, or NULL past the last one. */
DMASIM_API const char *dmasim_i8237_preset_name(size_t i);

/* Create an 8237A on a bus: a bus master, its ports at io_base and page registers at page_base.
 * The bus's address_cycles must be 0 or 1 (the states of a byte include its address phase).
 * Returns 0 and *out, DMASIM_EINVAL/ERANGE/EOVERLAP (detail in errmsg) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_i8237_create(dmasim_bus *bus, const dmasim_i8237_config *cfg, dmasim_i8237 **out);

/* Attach a device to channel ch (fly-by transfers; device.h). dreq: the device's DREQ wire,
 * watched instead of the 8237A's own "<name>.dreqN" pin (NULL: keep that pin, which the
 * caller drives). A channel takes one device, once. Returns 0, DMASIM_EINVAL or DMASIM_EBUSY. */
DMASIM_API int dmasim_i8237_attach_device(dmasim_i8237 *d, unsigned ch, const dmasim_dma_device_ops *ops,
                                          void *ctx, dmasim_signal *dreq);

/* A channel's programming without port writes (as a test bench or firmware model would): base
 * and current address, base and current word count, mode, page; the byte count is count + 1. */
typedef struct dmasim_i8237_program {
    uint16_t address;  /* A0-A15 of the first byte */
    uint16_t count;    /* bytes - 1 (the datasheet's word count) */
    uint8_t mode;      /* mode register value (bits 1-0 ignored: ch selects the channel) */
    uint8_t page;      /* the channel's page register (A16 up) */
    int unmask;        /* clear the channel's mask bit */
} dmasim_i8237_program;

/* Program channel ch now. Returns 0, DMASIM_EINVAL (no such channel, a channel in service,
 * an illegal transfer type) or DMASIM_ERANGE (the transfer would cross a 64 KiB page and the
 * policy is DMASIM_I8237_PAGE_ERROR; detail in errmsg). */
DMASIM_API int dmasim_i8237_program_channel(dmasim_i8237 *d, unsigned ch, const dmasim_i8237_program *p);

/* Write the command register / a channel's request bit now (request: software DREQ; served in
 * block mode, and on channel 0 to start a memory-to-memory transfer). Return 0 or DMASIM_EINVAL. */
DMASIM_API int dmasim_i8237_set_command(dmasim_i8237 *d, uint8_t command);
DMASIM_API int dmasim_i8237_request(dmasim_i8237 *d, unsigned ch, int set);

typedef struct dmasim_i8237_channel_state {
    uint16_t base_address, base_count, current_address, current_count;
    uint8_t mode, page;
    int masked;              /* mask bit */
    int tc;                  /* TC bit of the status register (cleared by a status read) */
    int dreq;                /* DREQ active (per the command register's sense) */
    int sw_request;          /* request register bit */
    uint64_t bytes;          /* bytes moved so far (all transfers) */
    uint64_t eops;           /* ends of process so far: TC and external EOP */
    dmasim_time last_eop;    /* ps, time of the last end of process (DMASIM_TIME_NEVER if none) */
} dmasim_i8237_channel_state;

/* Channel ch's registers and counters at now. Returns 0, or DMASIM_EINVAL (ch > 3). */
DMASIM_API int dmasim_i8237_channel_status(const dmasim_i8237 *d, unsigned ch, dmasim_i8237_channel_state *out);

/* Pins. Outputs: "<name>.hrq", ".hlda" (the bus grant, as the 8237A sees it), ".aen", ".eop"
 * (1 for one clock at an end of process), ".dackN" (pin level: active low unless command bit 7).
 * Inputs: ".dreqN" (pin level: active high unless command bit 6; see attach_device) and
 * ".eop_in" (external EOP, 1 = asserted: a rising edge during a service ends it after the byte
 * in progress, as TC would). */
DMASIM_API dmasim_signal *dmasim_i8237_eop_in(const dmasim_i8237 *d);
DMASIM_API dmasim_signal *dmasim_i8237_dreq(const dmasim_i8237 *d, unsigned ch);
DMASIM_API int dmasim_i8237_bus_master(const dmasim_i8237 *d);
DMASIM_API uint8_t dmasim_i8237_temp(const dmasim_i8237 *d);

#ifdef __cplusplus
}
#endif
#endif

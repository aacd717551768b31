/* DRAM configuration defaults and the built-in presets. Each preset carries the same numbers
 * as models/dram/<name>.yaml and cites where they come from (JEDEC speed bin, a vendor part
 * whose datasheet has them, and the DRAMsim3 configuration that uses them). */
#include "internal.h"

/* Timing in tCK unless noted; one row per preset. */
typedef struct preset {
    const char *name;
    const char *source;
    uint32_t channels, ranks, bankgroups, banks_per_group, rows, columns, bus_width, burst_length;
    uint32_t tck_ps, cl, cwl, trcd, trp, trpab, tras, trc, twr, twtr_s, twtr_l, trtp;
    uint32_t tccd_s, tccd_l, trrd_s, trrd_l, tfaw, trfc, trefi, trtrs;
    const char *address_mapping;
} preset;

static const preset presets[] = {
    {"ddr3-1600",
     "JEDEC JESD79-3F speed bin DDR3-1600K (11-11-11); Micron 4Gb x8 MT41K512M8RH-125 "
     "(-125 = DDR3-1600 CL11); same numbers as DRAMsim3 configs/DDR3_4Gb_x8_1600.ini",
     1, 1, 1, 8, 65536, 1024, 64, 8,
     1250, 11, 8, 11, 11, 0, 28, 39, 12, 6, 6, 6,
     4, 4, 5, 5, 24, 208, 6240, 1,
     "row:channel:rank:bank:column"},
    {"ddr4-2400",
     "JEDEC JESD79-4B speed bin DDR4-2400R (17-17-17); Micron 4Gb x8 MT40A512M8 speed grade "
     "-083 (DDR4-2400 CL17); same numbers as DRAMsim3 configs/DDR4_4Gb_x8_2400.ini",
     1, 1, 4, 4, 32768, 1024, 64, 8,
     833, 17, 12, 17, 17, 0, 39, 56, 18, 3, 9, 9,
     4, 6, 4, 6, 26, 312, 9360, 1,
     "row:channel:rank:bank:bankgroup:column"},
    {"ddr4-3200",
     "JEDEC JESD79-4B speed bin DDR4-3200AA (22-22-22); Micron 8Gb x8 MT40A1G8 speed grade "
     "-062E (DDR4-3200 CL22); same numbers as DRAMsim3 configs/DDR4_8Gb_x8_3200.ini",
     1, 1, 4, 4, 65536, 1024, 64, 8,
     625, 22, 16, 22, 22, 0, 52, 74, 24, 4, 12, 12,
     4, 8, 4, 8, 34, 560, 12480, 1,
     "row:channel:rank:bank:bankgroup:column"},
    {"lpddr4-3200",
     "JEDEC JESD209-4B LPDDR4-3200 (tCK 0.625 ns, RL 28 without DBI, WL 14 set A, tRCD/tRPpb "
     "18 ns, tRPab 21 ns, tRAS 42 ns, tWR 18 ns, tWTR 10 ns, tRTP 7.5 ns, tRRD 10 ns, tFAW 40 ns, "
     "tRFCab 280 ns for 8 Gb per channel, tREFI 3.904 us); organisation of a x32 dual-channel "
     "16 Gb package (two x16 channels of 8 Gb)",
     2, 1, 1, 8, 65536, 1024, 16, 16,
     625, 28, 14, 29, 29, 34, 68, 97, 29, 16, 16, 12,
     8, 8, 16, 16, 64, 448, 6246, 1,
     "row:rank:bank:channel:column"},
};

enum { NPRESETS = sizeof presets / sizeof presets[0] };

static void apply(const preset *p, dmasim_dram_config *c)
{
    c->source = p->source;
    c->channels = p->channels;
    c->ranks = p->ranks;
    c->bankgroups = p->bankgroups;
    c->banks_per_group = p->banks_per_group;
    c->rows = p->rows;
    c->columns = p->columns;
    c->bus_width = p->bus_width;
    c->burst_length = p->burst_length;
    c->tck_ps = p->tck_ps;
    c->cl = p->cl;
    c->cwl = p->cwl;
    c->trcd = p->trcd;
    c->trp = p->trp;
    c->trpab = p->trpab;
    c->tras = p->tras;
    c->trc = p->trc;
    c->twr = p->twr;
    c->twtr_s = p->twtr_s;
    c->twtr_l = p->twtr_l;
    c->trtp = p->trtp;
    c->tccd_s = p->tccd_s;
    c->tccd_l = p->tccd_l;
    c->trrd_s = p->trrd_s;
    c->trrd_l = p->trrd_l;
    c->tfaw = p->tfaw;
    c->trfc = p->trfc;
    c->trefi = p->trefi;
    c->trtrs = p->trtrs;
    c->address_mapping = p->address_mapping;
}

void dmasim_dram_config_init(dmasim_dram_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "dram0";
    cfg->refresh = 1;
    cfg->controller_delay = 2;
    cfg->page_policy = DMASIM_DRAM_OPEN_PAGE;
    cfg->scheduler = DMASIM_DRAM_FRFCFS;
    cfg->queue_depth = 32;
    cfg->hist_bin_cycles = 8;
    cfg->hist_bins = 32;
    apply(&presets[1], cfg); /* ddr4-2400 */
    cfg->source = NULL;
}

int dmasim_dram_preset(const char *name, dmasim_dram_config *cfg)
{
    if (!name)
        return DMASIM_ENOENT;
    for (size_t i = 0; i < NPRESETS; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            dmasim_dram_config_init(cfg);
            apply(&presets[i], cfg);
            return 0;
        }
    }
    return DMASIM_ENOENT;
}

const char *dmasim_dram_preset_name(size_t i)
{
    return i < NPRESETS ? presets[i].name : NULL;
}

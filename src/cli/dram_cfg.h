/* DRAM configurations in YAML: the keys of the files in models/dram/, of `dmasim dram --config`, and
 * of a scenario memory entry's `dram:` mapping (docs/dram.md, docs/scenario.md).
 *
 * A configuration starts from a preset (`preset: ddr4-2400`, built into the library) or from
 * the library's defaults (dmasim_dram_config_init), and every key the YAML writes (or a --set
 * gives) overrides it. Keys are the dmasim_dram_config field names.
 */
#ifndef DMASIM_CLI_DRAM_CFG_H
#define DMASIM_CLI_DRAM_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>

#include "dmasim/dmasim.h"

typedef struct scn_dram {
    char *preset;
    char *source;
    uint32_t channels, ranks, bankgroups, banks_per_group, rows, columns, bus_width, burst_length;
    uint32_t tck_ps, cl, cwl, trcd, trp, trpab, tras, trc, twr, twtr_s, twtr_l, trtp;
    uint32_t tccd_s, tccd_l, trrd_s, trrd_l, tfaw, trfc, trefi, trtrs;
    bool refresh;
    uint32_t controller_delay;
    int page_policy; /* dmasim_dram_page_policy */
    int scheduler;   /* dmasim_dram_scheduler */
    uint32_t queue_depth;
    char *address_mapping;
    uint32_t hist_bin_cycles, hist_bins;
} scn_dram;

/* The libcyaml fields of a DRAM configuration mapping. */
extern const cyaml_schema_field_t scn_dram_fields[];

/* Whether the YAML (or a --set) wrote `key`. */
typedef int (*scn_dram_present_fn)(void *ctx, const char *key);

/* The library configuration: `preset` (NULL or "": dmasim_dram_config_init), then each key
 * present() reports. Strings of *out point into sd. Returns 0, or -1 with a reason in err
 * ("unknown DRAM preset 'ddr9' (known: ddr3-1600, ...)"). */
int scn_dram_config(const scn_dram *sd, const char *preset, scn_dram_present_fn present, void *ctx,
                    dmasim_dram_config *out, char *err, size_t err_len);

/* Free the strings inside sd (allocated with scn_mem), not sd itself. */
void scn_dram_free_strings(scn_dram *sd);

/* "ddr3-1600, ddr4-2400, ..." */
void scn_dram_preset_list(char *buf, size_t len);

/* The configuration in a DRAM YAML file (dmasim dram --config), with "key=value" overrides,
 * checked. Errors are printed as "FILE:LINE:COL: key: message". Returns 0 or -1. The
 * strings of *out stay valid until scn_dram_free_strings(sd). */
int cli_dram_load_file(const char *path, const char *const *sets, size_t nsets, scn_dram *sd,
                       dmasim_dram_config *out);

/* A built-in preset with "key=value" overrides, checked (errors printed). Returns 0 or -1. */
int cli_dram_load_preset(const char *name, const char *const *sets, size_t nsets, scn_dram *sd,
                         dmasim_dram_config *out);

/* Print one command as `dmasim dram --command-trace` does; ud is a FILE *. */
void cli_dram_print_command(void *ud, const dmasim_dram_command *c);

/* ---- scenario memory entries of kind: dram (dram_scn.c) ---- */

struct scn_file;
struct cli_system;

/* Memory entry i's command_trace: open the file ("-": stdout) and trace d's commands into it.
 * Returns 0, or -1 after printing the error. */
int cli_dram_trace_open(struct cli_system *s, dmasim_dram *d, unsigned i);

/* Close the files cli_dram_trace_open() opened. */
void cli_dram_trace_close(struct cli_system *s);

/* Resolve every DRAM memory entry: its preset, then the keys its `dram:` mapping writes (or a
 * --set memory.N.dram.KEY gives); the entry's `dram:` mapping is then filled with every key,
 * so a resolved scenario repeats the run exactly. Returns 0, or -1 after printing the error
 * (an unknown preset). */
int cli_dram_resolve(struct scn_file *f);

/* The library configuration of resolved memory entry i (name, base and size included).
 * Returns 0, or -1 after printing the first inconsistency, at the key it names. */
int cli_dram_memory_config(const struct scn_file *f, unsigned i, dmasim_dram_config *out);

#endif

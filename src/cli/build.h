/* A simulated system built from a scenario: the simulation, its bus, memories, CPU and DMAC,
 * the DMA jobs (each started by an event embedded in its cli_job), and the checks of the
 * destination bytes after the run.
 */
#ifndef DMASIM_CLI_BUILD_H
#define DMASIM_CLI_BUILD_H

#include "dmasim/dmasim.h"
#include "load.h"

typedef enum cli_verdict {
    VERDICT_UNCHECKED = 0, /* verify: false, or not run */
    VERDICT_OK = 1,        /* destination equals source */
    VERDICT_MISMATCH = 2,  /* first differing byte in bad_addr */
    VERDICT_STOPPED = 3    /* the channel stopped with an error (a simulated fault): nothing to compare */
} cli_verdict;

struct cli_system;

typedef struct cli_job {
    dmasim_event ev; /* fires at start_ps and starts the channel */
    struct cli_system *sys;
    unsigned index;  /* in dmac.jobs */
    cli_verdict verdict;
    dmasim_addr bad_addr;
} cli_job;

/* A device of the scenario (devices.N). */
typedef struct cli_dev {
    dmasim_device_kind kind;
    void *ptr;           /* dmasim_disk, dmasim_audio, dmasim_nic or dmasim_busmaster */
    void *aux;           /* a NIC's ring driver (devices.c), or NULL */
    cli_verdict verdict; /* a disk command's bytes */
    dmasim_addr bad_addr;
} cli_dev;

enum { BUILD_NO_DMA = 1 }; /* compare's "none" row: no jobs, no DMA script operations */

typedef struct cli_system {
    const scn_file *file;
    unsigned flags;    /* BUILD_* */
    dmasim_sim *sim;
    dmasim_bus *bus;
    dmasim_cpu *cpu;     /* NULL without a cpu */
    dmasim_dmac *dmac;   /* NULL without a dmac */
    dmasim_iommu *iommu; /* NULL without an iommu */
    dmasim_i8237 *i8237; /* NULL without an i8237 */
    cli_dev *devs;       /* devices.N */
    unsigned ndevs;
    int dmac_translated; /* the DMAC's addresses are IOVAs (an iommu, and dmac.iommu) */
    int workload_started;
    cli_job *jobs;
    unsigned njobs;
    void *dram_traces; /* command_trace files of DRAM memories (dram_scn.c) */
    int job_err;       /* a job could not start (stops the run) */
    unsigned job_err_index;
    char job_errmsg[256];
} cli_system;

/* Build everything and schedule the jobs. Returns 0, or -1 after printing the error (the
 * partly built system is still destroyed by sys_destroy). */
int sys_build(cli_system *s, const scn_file *f, unsigned flags);

/* Run to completion. Returns 0, or -1 after printing the error (a failed run, a job that
 * could not start, an unfinished workload). */
int sys_run(cli_system *s);

void sys_destroy(cli_system *s);

/* ---- jobs.c and workload.c (parts of sys_build / sys_run) ---- */
int sys_jobs_build(cli_system *s);
/* Compare each job's destination with its source (verify: true); sets the verdicts.
 * Returns 0, or -1 after printing where the first failed job differs. */
int sys_jobs_verify(cli_system *s);
int sys_workload_start(cli_system *s);

/* ---- iommu.c ---- */
/* Create the IOMMU, attach its devices and make its mappings (after the memories). */
int sys_iommu_build(cli_system *s);
/* Put the DMAC behind the IOMMU (dmac.iommu) and give the CPU the IOMMU for its script ops. */
int sys_iommu_connect(cli_system *s);
/* Who requester id `device` is, for messages: "dmac0 ch1", or "" if no DMA channel has it. */
void sys_iommu_device_name(const cli_system *s, uint32_t device, char *buf, size_t len);

/* The channels that a job or a script operation uses, as a bit mask. */
uint32_t sys_channels_used(const cli_system *s);

#endif

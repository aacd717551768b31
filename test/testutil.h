/* Small shared helpers for the Check unit tests: build a simulation, a bus and an SRAM in one
 * line each, and name files of test/data. Everything is static inline (no link-time symbols),
 * and every helper fails the current test (ck_assert) instead of returning an error. */
#ifndef DMASIM_TESTUTIL_H
#define DMASIM_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include "dmasim/dmasim.h"

#ifndef DMASIM_TEST_DATA_DIR
#error "DMASIM_TEST_DATA_DIR must be defined (test/CMakeLists.txt does it)"
#endif

/* A simulation with the default configuration, fast path (reference == 0) or per-cycle
 * reference path (reference != 0). */
static inline dmasim_sim *tu_sim(int reference)
{
    dmasim_sim_config cfg;
    dmasim_sim_config_init(&cfg);
    cfg.reference = reference;
    dmasim_sim *sim = NULL;
    int err = dmasim_sim_create(&cfg, &sim);
    ck_assert_msg(err == 0 && sim != NULL, "dmasim_sim_create: %s", dmasim_strerror(err));
    return sim;
}

/* A bus named "bus0" with the given timing (period in ps, width in bytes, arbitration cycles,
 * address cycles, arbitration policy). */
static inline dmasim_bus *tu_bus_ex(dmasim_sim *sim, dmasim_time period_ps, uint32_t width,
                                    uint32_t arbitration_cycles, uint32_t address_cycles,
                                    dmasim_arbitration arbitration)
{
    dmasim_bus_config cfg;
    dmasim_bus_config_init(&cfg);
    cfg.period_ps = period_ps;
    cfg.width = width;
    cfg.arbitration_cycles = arbitration_cycles;
    cfg.address_cycles = address_cycles;
    cfg.arbitration = arbitration;
    dmasim_bus *bus = NULL;
    int err = dmasim_bus_create(sim, &cfg, &bus);
    ck_assert_msg(err == 0 && bus != NULL, "dmasim_bus_create: %s: %s", dmasim_strerror(err),
                  dmasim_sim_errmsg(sim));
    return bus;
}

/* The default bus: 10 ns period, 8 bytes wide, 1 arbitration cycle, 1 address cycle, fixed. */
static inline dmasim_bus *tu_bus(dmasim_sim *sim)
{
    return tu_bus_ex(sim, 10000, 8, 1, 1, DMASIM_ARB_FIXED);
}

/* An SRAM "ram" at [base, base + size) with `wait_states` per beat. */
static inline void tu_sram(dmasim_bus *bus, dmasim_addr base, uint64_t size, uint32_t wait_states)
{
    dmasim_sram_config cfg;
    dmasim_sram_config_init(&cfg);
    cfg.base = base;
    cfg.size = size;
    cfg.wait_states = wait_states;
    int err = dmasim_sram_create(bus, &cfg);
    ck_assert_msg(err == 0, "dmasim_sram_create: %s: %s", dmasim_strerror(err),
                  dmasim_sim_errmsg(dmasim_bus_sim(bus)));
}

/* Path of a file in test/data. */
static inline const char *tu_data_path(char *buf, size_t n, const char *name)
{
    int len = snprintf(buf, n, "%s/%s", DMASIM_TEST_DATA_DIR, name);
    ck_assert_msg(len > 0 && (size_t)len < n, "test data path too long: %s", name);
    return buf;
}

/* Run a suite (fork mode unless CK_FORK says otherwise); returns the process exit status. */
static inline int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif

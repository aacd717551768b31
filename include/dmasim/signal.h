/* Signals: the wires between components.
 *
 * IRQ lines, DREQ/DACK, HRQ/HLDA, TC/EOP and the bus owner are signals. A signal has a name
 * (a stable dotted path such as "dmac0.hrq"), a width in bits (1 for a pin) and a value. A
 * component drives it with dmasim_signal_set() at the current simulated time; every
 * subscriber is called synchronously, in subscription order, with the new value and the time.
 * Setting the value it already has does nothing. Tracing (a VCD of every pin) is done by
 * subscribing, so no model contains tracing code.
 *
 * Signals belong to the simulation (destroyed with it). A component that batches several bus
 * cycles in one event (fast path) must not do so while a signal it would toggle inside the
 * batch is observed (dmasim_signal_observed()), so traces are the same as on the reference path.
 */
#ifndef DMASIM_SIGNAL_H
#define DMASIM_SIGNAL_H

#include "dmasim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmasim_signal dmasim_signal;

/* Subscriber: called after the value changed. */
typedef void (*dmasim_signal_fn)(dmasim_signal *sig, uint64_t value, dmasim_time t, void *ctx);

/* Create a signal of `width` bits (1..64) with an initial value. name is copied.
 * Returns 0 and *out, DMASIM_EINVAL (width out of range, duplicate name) or DMASIM_ENOMEM. */
DMASIM_API int dmasim_signal_create(dmasim_sim *sim, const char *name, unsigned width, uint64_t initial,
                                    dmasim_signal **out);

/* Drive a new value at the current time; notifies subscribers if it changed. */
DMASIM_API void dmasim_signal_set(dmasim_signal *sig, uint64_t value);

/* Subscribe; returns 0 or DMASIM_ENOMEM. */
DMASIM_API int dmasim_signal_subscribe(dmasim_signal *sig, dmasim_signal_fn fn, void *ctx);

DMASIM_API uint64_t dmasim_signal_value(const dmasim_signal *sig);
DMASIM_API const char *dmasim_signal_name(const dmasim_signal *sig);
DMASIM_API unsigned dmasim_signal_width(const dmasim_signal *sig);
/* Number of subscribers (non-zero means someone watches every change). */
DMASIM_API unsigned dmasim_signal_observed(const dmasim_signal *sig);
/* Number of value changes so far. */
DMASIM_API uint64_t dmasim_signal_toggles(const dmasim_signal *sig);

/* All signals of a simulation, in creation order; and lookup by name (NULL if none). */
DMASIM_API size_t dmasim_sim_signal_count(const dmasim_sim *sim);
DMASIM_API dmasim_signal *dmasim_sim_signal_at(const dmasim_sim *sim, size_t i);
DMASIM_API dmasim_signal *dmasim_sim_signal_find(const dmasim_sim *sim, const char *name);

#ifdef __cplusplus
}
#endif
#endif

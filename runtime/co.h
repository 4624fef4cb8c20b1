/* co.h: coroutines, each on its own C stack (co.c).
 *
 * Invariants:
 * - A coroutine's C stack exists from its first resume until it finishes (returns or errors)
 *   or is closed; a suspended coroutine's C frames stay intact on it, so yield may happen at
 *   any depth (pcall, metamethods, C functions) without unwinding.
 * - While a coroutine runs, its resumer is suspended inside co_resume on its own C stack;
 *   errors never cross C stacks: each coroutine body runs in its own protected call.
 */
#ifndef JOLT_CO_H
#define JOLT_CO_H

#include "state.h"

/* Resume co from `from` with the nargs values on co's top (the function below them on a first
 * resume). Returns ST_OK (finished: results on co's stack), ST_YIELD (yielded values on top),
 * or an error status with the error object on co's top; *nres = number of values. */
J_HIDDEN int co_resume(State *co, State *from, int nargs, int *nres);
/* Yield the top nres values of L to its resumer; returns the number of values passed by the
 * next resume (on top of L). Raises an error outside a coroutine. */
J_HIDDEN int co_yield(State *L, int nres);
J_HIDDEN int co_isyieldable(State *L);
/* Close a suspended or dead coroutine: reset its stack and run pending __close variables.
 * Returns ST_OK or the error status with the error object on co's top. */
J_HIDDEN int co_close(State *co, State *from);
/* Release the C stack of a thread (state_freethread). */
J_HIDDEN void co_free(State *L, State *co);

/* The lowest address C code running for L should use (the JIT's nesting limit). */
J_HIDDEN char *co_stacklimit(State *L);

#endif

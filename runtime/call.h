/* call.h: calls, returns, the value stack and errors (call.c).
 *
 * Errors: every error is raised with call_throw, which longjmps to the innermost ErrJmp of the
 * running thread with the error object on the stack top. A thread without a handler (an
 * unprotected main) panics: prints the message and exits, as a host would.
 */
#ifndef JOLT_CALL_H
#define JOLT_CALL_H

#include "state.h"

_Noreturn J_HIDDEN void call_throw(State *L, int status);      /* error value at L->top-1 */
/* "chunk:line: " of the running Lua function (level 1) + message, then throw ST_ERRRUN. */
_Noreturn J_HIDDEN void call_runerror(State *L, const char *fmt, ...);
/* Run f(L, ud) catching errors; returns the status (ST_OK or an error, value at top). */
J_HIDDEN int call_rawrunprotected(State *L, void (*f)(State *L, void *ud), void *ud);
/* Protected call of f with stack restoration and tbc closing on error. */
J_HIDDEN int call_pcall(State *L, void (*f)(State *L, void *ud), void *ud,
                        ptrdiff_t oldtop, ptrdiff_t errfunc);
/* Call the value at `func` with the arguments above it up to L->top; leaves `nresults`
 * results (MULTRET: all) starting at func, L->top after them. Handles __call. */
J_HIDDEN void call_call(State *L, TValue *func, int nresults);
J_HIDDEN void call_growstack(State *L, int n);
#define call_checkstack(L, n) \
  do { if ((L)->stack_last - (L)->top <= (n)) call_growstack(L, n); } while (0)
/* Frame setup/teardown used by the interpreter (vm.c). precall returns the new CallInfo for a
 * Lua function (the caller runs it) or NULL after running a C function to completion. */
J_HIDDEN CallInfo *call_precall(State *L, TValue *func, int nresults);
J_HIDDEN void call_poscall(State *L, CallInfo *ci, int nres);
/* Close upvalues and to-be-closed variables down to `level` (status: ST_OK or the error). */
J_HIDDEN void call_close(State *L, TValue *level, int status);
/* Traceback text of L1 from `level` as lua5.4 prints it ("stack traceback:\n\t..."), pushed on L. */
J_HIDDEN void call_traceback(State *L, State *L1, const char *msg, int level);

#endif

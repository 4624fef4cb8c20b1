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
/* Protected call of f with stack restoration and tbc closing on error. On error the error
 * object is left at oldtop (a savestack offset) and L->top just above it. errfunc is the
 * savestack offset of the message handler, or 0 for none. */
J_HIDDEN int call_pcall(State *L, void (*f)(State *L, void *ud), void *ud,
                        ptrdiff_t oldtop, ptrdiff_t errfunc);
/* Call the value at `func` with the arguments above it up to L->top; leaves `nresults`
 * results (MULTRET: all) starting at func, L->top after them. Handles __call. */
J_HIDDEN void call_call(State *L, TValue *func, int nresults);
J_HIDDEN void call_growstack(State *L, int n);
/* For a non-function at func: insert its __call below the arguments (L->top moves up one) and
 * return func re-derived; "attempt to call a X value" without one. */
J_HIDDEN TValue *call_tryfunc(State *L, TValue *func);
#define call_checkstack(L, n) \
  do { if ((L)->stack_last - (L)->top <= (n)) call_growstack(L, n); } while (0)
/* Frame setup/teardown used by the interpreter (vm.c). precall returns the new CallInfo for a
 * Lua function (the caller runs it) or NULL after running a C function to completion. */
J_HIDDEN CallInfo *call_precall(State *L, TValue *func, int nresults);
J_HIDDEN void call_poscall(State *L, CallInfo *ci, int nres);
/* A new CallInfo linked after L->ci (L->ci->next was NULL); L->ci is not changed. */
J_HIDDEN CallInfo *call_newci(State *L);
/* Close upvalues and to-be-closed variables down to `level` (status: ST_OK or the error). */
J_HIDDEN void call_close(State *L, TValue *level, int status);
/* Mark the value at level as a to-be-closed variable (TBC, TFORPREP): nil/false are ignored,
 * a value without __close raises "variable 'x' got a non-closable value". */
J_HIDDEN void call_newtbc(State *L, TValue *level);
/* "C stack overflow" (or an error-handling error past it) when nCcalls is at the limit. */
J_HIDDEN void call_checkcstack(State *L);
/* Free the spare CallInfo entries of a thread (state.c, when freeing it). */
J_HIDDEN void call_freecis(State *L);
/* Run the debug hook for event (vm.h HOOK_*); line is the new line or -1. */
J_HIDDEN void call_hook(State *L, int event, int line);
/* Debug information (lib_debug.c, api.c, meta.c). Level 0 is the running function. */
J_HIDDEN CallInfo *call_getstack(State *L, int level);          /* NULL past the bottom */
J_HIDDEN int call_currentpc(const CallInfo *ci);                /* Lua frames only */
J_HIDDEN int call_currentline(const CallInfo *ci);              /* -1 for C frames */
J_HIDDEN void call_chunkid(char *out, const Proto *p);          /* out: OBJ_IDSIZE bytes */
/* How the frame's function was named by its caller ("global", "local", "method", "field",
 * "upvalue", "metamethod", "for iterator", "hook", ...) with *name set; NULL if unknown. */
J_HIDDEN const char *call_funcname(State *L, CallInfo *ci, const char **name);
/* Traceback text of L1 from `level` as lua5.4 prints it ("stack traceback:\n\t..."), pushed on L. */
J_HIDDEN void call_traceback(State *L, State *L1, const char *msg, int level);

#endif

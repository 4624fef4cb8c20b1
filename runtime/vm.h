/* vm.h: the interpreter (vm.c) and the generic operations with metamethods (meta.c). */
#ifndef JOLT_VM_H
#define JOLT_VM_H

#include "state.h"

/* Run Lua frames starting at ci (a frame call_precall just made) until it returns. */
J_HIDDEN void vm_execute(State *L, CallInfo *ci);
/* Run the one instruction at L->ci->savedpc of a Lua frame (for compiled code), with all it
 * calls; returns with L->ci->savedpc at the frame's next instruction. Not for instructions
 * that return from the frame. */
J_HIDDEN void vm_step(State *L);
/* Go on interpreting L->ci from its savedpc (running that instruction first with compiled
 * code's step rules if stepfirst) until a frame returns into stopci. */
J_HIDDEN void vm_finish(State *L, CallInfo *stopci, int stepfirst);

/* Generic operations honouring metamethods; `out` may alias an operand. They may call Lua
 * (and so reallocate the stack): pass pointers that stay valid or re-derive after. */
J_HIDDEN void vm_gettable(State *L, const TValue *t, const TValue *k, TValue *out);
J_HIDDEN void vm_settable(State *L, const TValue *t, const TValue *k, const TValue *v);
J_HIDDEN int vm_equal(State *L, const TValue *a, const TValue *b);     /* with __eq */
J_HIDDEN int vm_rawequal(const TValue *a, const TValue *b);
J_HIDDEN int vm_lessthan(State *L, const TValue *a, const TValue *b);
J_HIDDEN int vm_lessequal(State *L, const TValue *a, const TValue *b);
J_HIDDEN void vm_arith(State *L, int op, const TValue *a, const TValue *b, TValue *out); /* op: TM_ADD.. TM_BNOT */
J_HIDDEN void vm_len(State *L, const TValue *v, TValue *out);
J_HIDDEN void vm_concat(State *L, int n);          /* the n values below L->top, result replaces them */
J_HIDDEN int vm_tostring(State *L, TValue *v);     /* number -> string in place; 0 if not convertible */
/* a < b and a <= b for two numbers of any subtypes, exact as 5.4 (no rounding of integers). */
J_HIDDEN int vm_ltnum(const TValue *a, const TValue *b);
J_HIDDEN int vm_lenum(const TValue *a, const TValue *b);

/* Debug hooks. lib_debug.c sets L->hook, L->hookmask (HOOK_MASK* bits), L->basehookcount and
 * L->hookcount = basehookcount. The interpreter checks L->hookmask on function entry and after
 * every call returns; while it is non-zero it dispatches through a table that runs the line and
 * count hooks before each instruction, so an unhooked program pays nothing per instruction.
 * Call and return hooks run from call.c (call_hook). The hook gets (event, line or -1). */
enum { HOOK_CALL, HOOK_RET, HOOK_LINE, HOOK_COUNT, HOOK_TAILCALL };
#define HOOK_MASKCALL  (1 << HOOK_CALL)
#define HOOK_MASKRET   (1 << HOOK_RET)
#define HOOK_MASKLINE  (1 << HOOK_LINE)
#define HOOK_MASKCOUNT (1 << HOOK_COUNT)

/* Metamethods (meta.c). */
J_HIDDEN void meta_init(State *L);                 /* interns the "__x" names */
J_HIDDEN const TValue *meta_get(State *L, const TValue *o, int event);  /* nil-tag if none */
J_HIDDEN const TValue *meta_gettab(State *L, Table *mt, int event);     /* uses/updates nomm */
/* t[key] found through t's chain of __index tables (t itself not looked at); NULL when the chain
 * has no such field or needs a metamethod call. */
J_HIDDEN const TValue *meta_indexstr(State *L, Table *t, Str *key, uint16_t *hint);
J_HIDDEN const char *meta_typename(State *L, const TValue *o);          /* honours __name */
/* Errors worded as lua5.4's, with the variable's name when the value is a register or upvalue
 * of the running Lua function: "attempt to <op> a <type> value (local 'x')". */
_Noreturn J_HIDDEN void meta_typeerror(State *L, const TValue *o, const char *op);
_Noreturn J_HIDDEN void meta_callerror(State *L, const TValue *o);
/* a .. b through __concat (either operand's), result stored into a (a stack slot). */
J_HIDDEN void meta_concat(State *L, TValue *a, TValue *b);
/* Symbolic execution of p's bytecode: what the instruction at pc calls ("global", "method",
 * "metamethod", ...) with *name set, or NULL. */
J_HIDDEN const char *meta_funcnamefromcode(State *L, const Proto *p, int pc, const char **name);
/* What register reg holds at pc ("local", "global", "field", "upvalue", "constant", "method"). */
J_HIDDEN const char *meta_objname(const Proto *p, int pc, int reg, const char **name);

#endif

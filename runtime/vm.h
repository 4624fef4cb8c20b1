/* vm.h: the interpreter (vm.c) and the generic operations with metamethods (meta.c). */
#ifndef JOLT_VM_H
#define JOLT_VM_H

#include "state.h"

/* Run Lua frames starting at ci (a frame call_precall just made) until it returns. */
J_HIDDEN void vm_execute(State *L, CallInfo *ci);

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

/* Metamethods (meta.c). */
J_HIDDEN void meta_init(State *L);                 /* interns the "__x" names */
J_HIDDEN const TValue *meta_get(State *L, const TValue *o, int event);  /* nil-tag if none */
J_HIDDEN const TValue *meta_gettab(State *L, Table *mt, int event);     /* uses/updates nomm */
J_HIDDEN const char *meta_typename(State *L, const TValue *o);          /* honours __name */

#endif

/* func.h: prototypes, closures and upvalues (func.c). */
#ifndef JOLT_FUNC_H
#define JOLT_FUNC_H

#include "obj.h"

J_HIDDEN Proto *func_newproto(State *L);              /* empty, fields zero; compiler fills */
/* Frees the proto and its arrays, which must have exactly these sizes: code[ncode],
 * lineinfo[ncode], k[nk], p[np], upvals[nupvals], locvars[nlocvars] (gc_alloc counts bytes). */
J_HIDDEN void func_freeproto(State *L, Proto *p);
#define func_lclosuresize(n) (offsetof(LClosure, up) + (size_t)(n) * sizeof(UpVal *))
#define func_cclosuresize(n) (offsetof(CClosure, up) + (size_t)(n) * sizeof(TValue))
J_HIDDEN LClosure *func_newlclosure(State *L, Proto *p);   /* upvalues NULL, filled by caller */
J_HIDDEN CClosure *func_newcclosure(State *L, CFunction f, const char *name, int nup);
J_HIDDEN UpVal *func_findupval(State *L, TValue *level);  /* open upvalue for a stack slot */
J_HIDDEN void func_closeupvals(State *L, TValue *level);  /* close open upvalues >= level */
J_HIDDEN void func_unlinkupval(UpVal *uv);                /* drop an open upvalue from its list */
J_HIDDEN void func_initupvals(State *L, LClosure *cl);    /* fresh closed nil upvalues */
/* Name of local variable number n (1-based) active at pc, or NULL (debug info). */
J_HIDDEN const char *func_localname(const Proto *p, int n, int pc);

#endif

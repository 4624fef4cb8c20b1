/* func.c: prototypes, Lua and C closures, and upvalues.
 *
 * An open upvalue points at a live stack slot and sits in its thread's open list, sorted by
 * stack level with the highest slot first, so closing a frame only walks the list's head.
 */
#include <string.h>
#include "func.h"
#include "jit.h"
#include "state.h"
#include "gc.h"
#include "prof.h"

Proto *func_newproto(State *L)
{
  Proto *p = (Proto *)gc_newobj(L, TAG_PROTO, sizeof(Proto));
  /* Everything after the GC header starts zeroed: the compiler fills what it needs. */
  memset((char *)p + sizeof(GCObj), 0, sizeof(Proto) - sizeof(GCObj));
  return p;
}

void func_freeproto(State *L, Proto *p)
{
  if (p->prof)
    prof_free(L, p);
  jit_free(L, p);
  gc_freevec(L, p->code, p->ncode, Instr);
  gc_freevec(L, p->lineinfo, p->ncode, int);
  gc_freevec(L, p->k, p->nk, TValue);
  gc_freevec(L, p->p, p->np, Proto *);
  gc_freevec(L, p->upvals, p->nupvals, UpvalDesc);
  gc_freevec(L, p->locvars, p->nlocvars, LocVar);
  gc_free(L, p, sizeof(Proto));
}

LClosure *func_newlclosure(State *L, Proto *p)
{
  int n = p->nupvals;
  LClosure *cl = (LClosure *)gc_newobj(L, TAG_LFN, func_lclosuresize(n));
  cl->nup = (uint8_t)n;
  cl->p = p;
  cl->gclist = NULL;
  for (int i = 0; i < n; i++)
    cl->up[i] = NULL;
  return cl;
}

CClosure *func_newcclosure(State *L, CFunction f, const char *name, int nup)
{
  CClosure *cl = (CClosure *)gc_newobj(L, TAG_CFN, func_cclosuresize(nup));
  cl->nup = (uint8_t)nup;
  cl->f = f;
  cl->name = name;
  cl->gclist = NULL;
  for (int i = 0; i < nup; i++)
    setnil(&cl->up[i]);
  return cl;
}

static UpVal *newclosedupval(State *L)
{
  UpVal *uv = (UpVal *)gc_newobj(L, TAG_UPVAL, sizeof(UpVal));
  uv->v = &uv->u.closed;
  setnil(uv->v);
  return uv;
}

void func_initupvals(State *L, LClosure *cl)
{
  for (int i = 0; i < cl->nup; i++) {
    UpVal *uv = newclosedupval(L);
    cl->up[i] = uv;
    gc_objbarrier(L, cl, uv);
  }
}

UpVal *func_findupval(State *L, TValue *level)
{
  UpVal **pp = &L->openupval;
  UpVal *p;
  while ((p = *pp) != NULL && p->v >= level) {
    if (p->v == level)
      return p;
    pp = &p->u.open.next;
  }
  UpVal *uv = (UpVal *)gc_newobj(L, TAG_UPVAL, sizeof(UpVal));
  uv->v = level;
  uv->u.open.next = p;
  uv->u.open.prevp = pp;
  if (p)
    p->u.open.prevp = &uv->u.open.next;
  *pp = uv;
  return uv;
}

void func_unlinkupval(UpVal *uv)
{
  *uv->u.open.prevp = uv->u.open.next;
  if (uv->u.open.next)
    uv->u.open.next->u.open.prevp = uv->u.open.prevp;
}

void func_closeupvals(State *L, TValue *level)
{
  UpVal *uv;
  while ((uv = L->openupval) != NULL && uv->v >= level) {
    TValue *slot = &uv->u.closed;
    func_unlinkupval(uv);
    setobj(slot, uv->v);
    uv->v = slot;
    gc_barrier(L, uv, slot);
  }
}

const char *func_localname(const Proto *p, int n, int pc)
{
  for (int i = 0; i < p->nlocvars && p->locvars[i].startpc <= pc; i++) {
    if (pc < p->locvars[i].endpc && --n == 0)
      return p->locvars[i].name ? strdata(p->locvars[i].name) : NULL;
  }
  return NULL;
}

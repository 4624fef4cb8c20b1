/* vm.c: the bytecode interpreter.
 *
 * One vm_execute invocation runs a chain of Lua frames: Lua-to-Lua calls and returns switch
 * `ci` inside the loop, so Lua recursion costs no C stack; only C functions, metamethods
 * and hooks re-enter from C. Dispatch is computed goto through `disp`, which is the plain
 * opcode table, or, while a line/count hook is set, a table whose every entry runs the hook
 * first.
 *
 * Register pointers (base, ra, ...) are re-derived after anything that can call Lua or grow
 * the stack (PROTECT), and L->top is raised to ci->top first so that whatever runs there
 * (a metamethod, the GC) works above every live register.
 */
#include <math.h>
#include <string.h>
#include "vm.h"
#include "call.h"
#include "func.h"
#include "tab.h"
#include "str.h"
#include "bc.h"
#include "prof.h"

/* -- Number helpers --------------------------------------------------------------------- */

#define TWO63 9223372036854775808.0

#define intop(op, x, y) ((int64_t)((uint64_t)(x) op (uint64_t)(y)))

/* Exact comparisons between an integer and a float (no rounding of large integers). */
static int lt_intflt(int64_t i, double f)
{
  if (f != f) return 0;
  if (f >= TWO63) return 1;
  if (f <= -TWO63) return 0;
  return i < (int64_t)ceil(f);
}

static int le_intflt(int64_t i, double f)
{
  if (f != f) return 0;
  if (f >= TWO63) return 1;
  if (f < -TWO63) return 0;
  return i <= (int64_t)floor(f);
}

static int lt_fltint(double f, int64_t i)
{
  if (f != f) return 0;
  if (f >= TWO63) return 0;
  if (f < -TWO63) return 1;
  return (int64_t)floor(f) < i;
}

static int le_fltint(double f, int64_t i)
{
  if (f != f) return 0;
  if (f >= TWO63) return 0;
  if (f <= -TWO63) return 1;
  return (int64_t)ceil(f) <= i;
}

/* a < b for two numbers of any subtypes. */
J_HIDDEN int vm_ltnum(const TValue *a, const TValue *b)
{
  if (ttisint(a))
    return ttisint(b) ? ivalue(a) < ivalue(b) : lt_intflt(ivalue(a), fltvalue(b));
  return ttisflt(b) ? fltvalue(a) < fltvalue(b) : lt_fltint(fltvalue(a), ivalue(b));
}

J_HIDDEN int vm_lenum(const TValue *a, const TValue *b)
{
  if (ttisint(a))
    return ttisint(b) ? ivalue(a) <= ivalue(b) : le_intflt(ivalue(a), fltvalue(b));
  return ttisflt(b) ? fltvalue(a) <= fltvalue(b) : le_fltint(fltvalue(a), ivalue(b));
}

/* Floor modulo and division of integers, y != 0 (inline copies of obj_imod/obj_idiv for the
 * interpreter's fast path; y == -1 is special since INT64_MIN / -1 overflows in C). */
static inline int64_t imod(int64_t x, int64_t y)
{
  if (unlikely(y == -1))
    return 0;
  int64_t m = x % y;
  if (m != 0 && (m ^ y) < 0)
    m += y;
  return m;
}

static inline int64_t idiv(int64_t x, int64_t y)
{
  if (unlikely(y == -1))
    return intop(-, 0, x);
  int64_t q = x / y;
  if ((x % y != 0) && ((x ^ y) < 0))
    q -= 1;
  return q;
}

/* -- Numeric for ------------------------------------------------------------------------ */

_Noreturn static void forerror(State *L, const TValue *o, const char *what)
{
  call_runerror(L, "bad 'for' %s (number expected, got %s)", what, meta_typename(L, o));
}

static int fortonum(const TValue *o, double *out)
{
  if (ttisflt(o)) { *out = fltvalue(o); return 1; }
  if (ttisint(o)) { *out = (double)ivalue(o); return 1; }
  return ttisstr(o) && obj_tonum(o, out);
}

/* The integer limit of an integer loop; returns 1 when the loop must not run at all. */
static int forlimit(State *L, int64_t init, const TValue *lim, int64_t *p, int64_t step)
{
  TValue conv;
  if (ttisstr(lim) && obj_str2num(strdata(strvalue(lim)), strvalue(lim)->len, &conv))
    lim = &conv;
  if (ttisint(lim)) {
    *p = ivalue(lim);
  } else {
    double f;
    if (!fortonum(lim, &f))
      forerror(L, lim, "limit");
    if (f != f)
      return 1;
    if (!obj_flt2int(f, p, step < 0 ? 2 : 1)) {
      if (f > 0) {
        if (step < 0) return 1;
        *p = INT64_MAX;
      } else {
        if (step > 0) return 1;
        *p = INT64_MIN;
      }
    }
  }
  return step > 0 ? init > *p : init < *p;
}

/* Prepare a numeric loop; returns 1 to skip it. Integer loops keep the iteration count in
 * R[A+1] (so they can never overflow); float loops keep init, limit and step as floats. */
static int forprep(State *L, TValue *ra)
{
  if (ttisint(ra) && ttisint(ra + 2)) {
    int64_t init = ivalue(ra), step = ivalue(ra + 2), limit;
    if (step == 0)
      call_runerror(L, "'for' step is zero");
    setint(ra + 3, init);
    if (forlimit(L, init, ra + 1, &limit, step))
      return 1;
    uint64_t count;
    if (step > 0) {
      count = (uint64_t)limit - (uint64_t)init;
      if (step != 1)
        count /= (uint64_t)step;
    } else {
      count = (uint64_t)init - (uint64_t)limit;
      count /= (uint64_t)(-(step + 1)) + 1u;
    }
    setint(ra + 1, (int64_t)count);
    return 0;
  }
  double init, limit, step;
  if (!fortonum(ra + 1, &limit))
    forerror(L, ra + 1, "limit");
  if (!fortonum(ra + 2, &step))
    forerror(L, ra + 2, "step");
  if (!fortonum(ra, &init))
    forerror(L, ra, "initial value");
  if (step == 0)
    call_runerror(L, "'for' step is zero");
  if (step > 0 ? limit < init : init < limit)
    return 1;
  setflt(ra, init);
  setflt(ra + 1, limit);
  setflt(ra + 2, step);
  setflt(ra + 3, init);
  return 0;
}

/* -- Field sites ------------------------------------------------------------------------ */

/* The site's inline cache is seen[0] = a shape and slot = the key's slot in it, or SLOT_ABSENT
 * when that shape lacks the key (so a method found through __index costs no shape lookup on
 * the instance). Shapes never change their keys, so a cached answer stays true. */
#define SLOT_ABSENT 0xffff
_Static_assert(SHAPE_MAXKEYS < SLOT_ABSENT, "slot numbers below SLOT_ABSENT");

static const TValue absentnil = { { 0 }, TAG_NIL };

static __attribute__((noinline)) TValue *fieldmiss(ProfFn *pf, ProfSite *s, Table *t, Str *key,
                                                   int forwrite)
{
  Shape *sh = t->shape;
  if (!sh) {
    PROF_FLAG(s, PS_HASH);
    return NULL;
  }
  int slot = shape_lookup(sh, key);
  uint32_t rec = slot < 0 ? SLOT_ABSENT : (uint32_t)slot;
  PROF_SEEN(pf, s, sh, rec);
  /* The cache works without profiling too: fill it when the profile did not. */
  if (s->seen[0] == NULL) {
    s->seen[0] = sh;
    s->slot = (uint16_t)rec;
  }
  if (slot < 0)
    return forwrite ? NULL : (TValue *)&absentnil;
  return &t->slots[slot];
}

/* The value slot of field `key` of t: for reads, &absentnil when the shape lacks the key; for
 * writes NULL then. NULL also for dictionary-mode tables (callers use tab.c). */
static inline TValue *fieldslot(ProfFn *pf, ProfSite *s, Table *t, Str *key, int forwrite)
{
  Shape *sh = t->shape;
  if (likely(sh == s->seen[0]) && likely(sh != NULL)) {
    uint32_t slot = s->slot;
    if (unlikely(slot == SLOT_ABSENT))
      return forwrite ? NULL : (TValue *)&absentnil;
    return &t->slots[slot];
  }
  return fieldmiss(pf, s, t, key, forwrite);
}

static inline int nonewindex(State *L, Table *t)
{
  return t->mt == NULL || ttisnil(meta_gettab(L, t->mt, TM_NEWINDEX));
}

/* -- The interpreter -------------------------------------------------------------------- */

#define RA      (base + GET_A(i))
#define RB      (base + GET_B(i))
#define RC      (base + GET_C(i))
#define KB      (k + GET_B(i))
#define KC      (k + GET_C(i))
/* Site of the running instruction: sbias folds pf->site and code together, so that the site
 * address is one multiply-add of pc (sizeof(ProfSite) == 8 * sizeof(Instr)). */
#define SITE()  ((ProfSite *)(sbias + (uintptr_t)pc * (sizeof(ProfSite) / sizeof(Instr))))
_Static_assert(sizeof(ProfSite) % sizeof(Instr) == 0, "site scaling");
#define SAVEPC()  (ci->savedpc = pc)
#define REFRESH() (base = ci->func + 1)
#define PROTECT(x) do { SAVEPC(); L->top = ci->top; x; REFRESH(); } while (0)
#define NEXT()  do { i = *pc++; goto *disp[GET_OP(i)]; } while (0)
#define GCCHECK() do { L->top = ci->top; gc_check(L); REFRESH(); } while (0)

/* Conditional test outcome `res` against C: skip the following JMP, or take it here. */
#define CONDJUMP(res) do { \
    int taken_ = (res) == GET_C(i); \
    PROF_BRANCH(SITE(), taken_); \
    if (taken_) { int j_ = GET_sJ(*pc); pc += j_ + 1; if (j_ < 0) PROF_LOOP(pf); } \
    else pc++; \
    NEXT(); } while (0)

#if JOLT_PROFILE
/* Both operand types of a binary site with one test of t1 and t2 together. */
#define PROFBIN(a, b) do { ProfSite *s_ = SITE(); uint32_t w_; \
    uint32_t want_ = (uint32_t)tagbit(tt(a)) | ((uint32_t)tagbit(tt(b)) << 16); \
    memcpy(&w_, &s_->t1, sizeof w_); \
    if (unlikely((w_ & want_) != want_)) { PROF_TYPE(pf, s_, 1, a); PROF_TYPE(pf, s_, 2, b); } \
  } while (0)
_Static_assert(offsetof(ProfSite, t2) == offsetof(ProfSite, t1) + 2, "t1, t2 adjacent");
#else
#define PROFBIN(a, b) ((void)0)
#endif

/* Arithmetic with integer and float fast paths; iexp/fexp use x and y. */
#define ARITH(rcv, iexp, fexp, tm) { \
    TValue *ra = RA, *rb = RB; const TValue *rc = (rcv); \
    PROFBIN(rb, rc); \
    if (likely(ttisint(rb) && ttisint(rc))) { \
      int64_t x = ivalue(rb), y = ivalue(rc); setint(ra, iexp); \
    } else if (ttisflt(rb) && ttisflt(rc)) { \
      double x = fltvalue(rb), y = fltvalue(rc); setflt(ra, fexp); \
    } else if (ttisnum(rb) && ttisnum(rc)) { \
      double x = numvalue(rb), y = numvalue(rc); setflt(ra, fexp); \
    } else PROTECT(vm_arith(L, tm, rb, rc, ra)); \
    NEXT(); }

#define FARITH(rcv, fexp, tm) { \
    TValue *ra = RA, *rb = RB; const TValue *rc = (rcv); \
    PROFBIN(rb, rc); \
    if (likely(ttisnum(rb) && ttisnum(rc))) { \
      double x = numvalue(rb), y = numvalue(rc); setflt(ra, fexp); \
    } else PROTECT(vm_arith(L, tm, rb, rc, ra)); \
    NEXT(); }

/* Integer division and modulo need a zero check on the integer path. */
#define DIVARITH(rcv, ifn, ffexp, tm, zmsg) { \
    TValue *ra = RA, *rb = RB; const TValue *rc = (rcv); \
    PROFBIN(rb, rc); \
    if (likely(ttisint(rb) && ttisint(rc))) { \
      int64_t x = ivalue(rb), y = ivalue(rc); \
      if (unlikely(y == 0)) PROTECT(call_runerror(L, zmsg)); \
      setint(ra, ifn(x, y)); \
    } else if (ttisnum(rb) && ttisnum(rc)) { \
      double x = numvalue(rb), y = numvalue(rc); setflt(ra, ffexp); \
    } else PROTECT(vm_arith(L, tm, rb, rc, ra)); \
    NEXT(); }

#define BITWISE(rcv, iexp, tm) { \
    TValue *ra = RA, *rb = RB; const TValue *rc = (rcv); \
    PROFBIN(rb, rc); \
    if (likely(ttisint(rb) && ttisint(rc))) { \
      int64_t x = ivalue(rb), y = ivalue(rc); setint(ra, iexp); \
    } else PROTECT(vm_arith(L, tm, rb, rc, ra)); \
    NEXT(); }

/* Comparison of R[A] with the small integer sB; `inv` swaps operands for the generic path. */
#define CMPI(iop, fop, fn, inv) { \
    TValue *ra = RA; int im = GET_sB(i); int res; \
    PROF_TYPE(pf, SITE(), 1, ra); \
    if (likely(ttisint(ra))) res = ivalue(ra) iop im; \
    else if (ttisflt(ra)) res = fltvalue(ra) fop (double)im; \
    else { TValue iv; setint(&iv, im); \
      PROTECT(res = inv ? fn(L, &iv, ra) : fn(L, ra, &iv)); } \
    CONDJUMP(res); }

void vm_execute(State *L, CallInfo *ci)
{
  static const void *const optab[OP__N] = {
#define X(name, fmt, doc) &&L_##name,
    BC_LIST(X)
#undef X
  };
  static const void *const hooktab[OP__N] = {
#define X(name, fmt, doc) &&L_hook,
    BC_LIST(X)
#undef X
  };
  const void *const *disp;
  LClosure *cl;
  TValue *k, *base;
  const Instr *pc;
  uintptr_t sbias;
  ProfFn *pf;
  Instr i;
  int hookline = -1;       /* line hooks: line and pc of the last instruction seen */
  int hookpc = -1;
  TValue *rret;            /* results being returned ... */
  int nret;                /* ... and their number */

  ci->status |= CIST_FRESH;
startfunc:
  cl = lfnvalue(ci->func);
  if (unlikely(cl->p->prof == NULL))
    prof_attach(L, cl->p);   /* a proto the loader did not attach (defensive, cheap) */
  PROF_CALL(cl->p->prof);
  if (unlikely(L->hookmask & HOOK_MASKCALL) && !cl->p->is_vararg) {
    ci->savedpc = cl->p->code;
    call_hook(L, (ci->status & CIST_TAIL) ? HOOK_TAILCALL : HOOK_CALL, -1);
  }
returning:
  cl = lfnvalue(ci->func);
  k = cl->p->k;
  pf = cl->p->prof;
  sbias = (uintptr_t)pf->site -
          ((uintptr_t)cl->p->code + sizeof(Instr)) * (sizeof(ProfSite) / sizeof(Instr));
  base = ci->func + 1;
  pc = ci->savedpc;
  disp = L->hookmask ? hooktab : optab;
  if (unlikely(L->hookmask)) {
    hookpc = (int)(pc - cl->p->code) - 1;
    hookline = (hookpc >= 0 && cl->p->lineinfo) ? cl->p->lineinfo[hookpc] : -1;
  }
  NEXT();

L_hook: {
    /* Line and count hooks, then the instruction itself. An instruction taking its operands
     * "to top" (B = 0) needs L->top as the previous one left it. */
    OpCode op = GET_OP(i);
    if (op == OP_VARARGPREP)
      goto *optab[op];   /* as lua5.4: hooks of a vararg function start after it */
    SAVEPC();
    if (!(GET_B(i) == 0 && (op == OP_CALL || op == OP_TAILCALL || op == OP_RETURN ||
                            op == OP_SETLIST)))
      L->top = ci->top;
    if ((L->hookmask & HOOK_MASKCOUNT) && --L->hookcount == 0) {
      L->hookcount = L->basehookcount;
      call_hook(L, HOOK_COUNT, -1);
    }
    if (L->hookmask & HOOK_MASKLINE) {
      int npc = (int)(pc - cl->p->code) - 1;
      int line = cl->p->lineinfo ? cl->p->lineinfo[npc] : -1;
      /* A new line, or a jump back (a loop on one line), is a line event. */
      int fire = line != hookline || npc <= hookpc;
      hookline = line;
      hookpc = npc;
      if (fire)
        call_hook(L, HOOK_LINE, line);
    }
    REFRESH();
    disp = L->hookmask ? hooktab : optab;
    goto *optab[op];
  }

L_MOVE:
  setobj(RA, RB);
  NEXT();
L_LOADI:
  setint(RA, GET_sBx(i));
  NEXT();
L_LOADK:
  setobj(RA, k + GET_Bx(i));
  NEXT();
L_LOADKX:
  setobj(RA, k + GET_Ax(*pc));
  pc++;
  NEXT();
L_LOADNIL: {
    TValue *ra = RA;
    for (int n = GET_B(i); n >= 0; n--)
      setnil(ra++);
    NEXT();
  }
L_LOADFALSE:
  setbool(RA, 0);
  NEXT();
L_LOADTRUE:
  setbool(RA, 1);
  NEXT();
L_GETUPVAL:
  setobj(RA, cl->up[GET_B(i)]->v);
  NEXT();
L_SETUPVAL: {
    UpVal *uv = cl->up[GET_B(i)];
    TValue *ra = RA;
    setobj(uv->v, ra);
    gc_barrier(L, uv, ra);
    NEXT();
  }

L_GETTABUP: {
    TValue *ra = RA;
    const TValue *t = cl->up[GET_B(i)]->v;
    ProfSite *s = SITE();
    PROF_TYPE(pf, s, 1, t);
    if (likely(ttistab(t))) {
      Table *h = tabvalue(t);
      const TValue *v = fieldslot(pf, s, h, strvalue(KC), 0);
      if (!v && !h->shape)
        v = tab_getstr(h, strvalue(KC));
      if (likely(v && !ttisnil(v))) {
        setobj(ra, v);
        PROF_TYPE(pf, s, 2, ra);
        NEXT();
      }
      if (!h->mt) {
        setnil(ra);
        NEXT();
      }
    }
    PROTECT(vm_gettable(L, t, KC, ra));
    NEXT();
  }
L_GETFIELD: {
    TValue *ra = RA, *rb = RB;
    ProfSite *s = SITE();
    PROF_TYPE(pf, s, 1, rb);
    if (likely(ttistab(rb))) {
      Table *h = tabvalue(rb);
      const TValue *v = fieldslot(pf, s, h, strvalue(KC), 0);
      if (!v && !h->shape)
        v = tab_getstr(h, strvalue(KC));
      if (likely(v && !ttisnil(v))) {
        setobj(ra, v);
        PROF_TYPE(pf, s, 2, ra);
        NEXT();
      }
      if (!h->mt) {
        setnil(ra);
        NEXT();
      }
    }
    PROTECT(vm_gettable(L, rb, KC, ra));
    NEXT();
  }
L_SELF: {
    TValue *ra = RA, *rb = RB;
    TValue obj = *rb;
    ProfSite *s = SITE();
    PROF_TYPE(pf, s, 1, rb);
    setobj(ra + 1, &obj);
    if (likely(ttistab(&obj))) {
      Table *h = tabvalue(&obj);
      const TValue *v = fieldslot(pf, s, h, strvalue(KC), 0);
      if (!v && !h->shape)
        v = tab_getstr(h, strvalue(KC));
      if (likely(v && !ttisnil(v))) {
        setobj(ra, v);
        NEXT();
      }
    }
    PROTECT(vm_gettable(L, rb, KC, RA));   /* rb, not &obj: errors name the register */
    NEXT();
  }
L_GETTABLE: {
    TValue *ra = RA, *rb = RB, *rc = RC;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttistab(rb))) {
      Table *h = tabvalue(rb);
      const TValue *v;
      if (ttisint(rc) && (uint64_t)ivalue(rc) - 1 < h->asize)
        v = &h->arr[ivalue(rc) - 1];
      else
        v = tab_get(h, rc);
      if (!ttisnil(v) || !h->mt) {
        setobj(ra, v);
        NEXT();
      }
    }
    PROTECT(vm_gettable(L, rb, rc, ra));
    NEXT();
  }
L_GETINT: {
    TValue *ra = RA, *rb = RB;
    int c = GET_C(i);
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttistab(rb))) {
      Table *h = tabvalue(rb);
      const TValue *v = (uint32_t)(c - 1) < h->asize ? &h->arr[c - 1] : tab_getint(h, c);
      if (!ttisnil(v) || !h->mt) {
        setobj(ra, v);
        NEXT();
      }
    }
    TValue key;
    setint(&key, c);
    PROTECT(vm_gettable(L, rb, &key, ra));
    NEXT();
  }

L_SETTABUP: {
    const TValue *t = cl->up[GET_A(i)]->v;
    TValue *rc = RC;
    ProfSite *s = SITE();
    PROF_TYPE(pf, s, 1, t);
    PROF_TYPE(pf, s, 2, rc);
    if (likely(ttistab(t))) {
      Table *h = tabvalue(t);
      TValue *slot = fieldslot(pf, s, h, strvalue(KB), 1);
      if (likely(slot && (!ttisnil(slot) || nonewindex(L, h)))) {
        if (ttisnil(slot))          /* a key comes back: it may be a metamethod's */
          tab_invalidate_mm(h);
        setobj(slot, rc);
        gc_barrierback(L, h, rc);
        NEXT();
      }
      if (!slot && nonewindex(L, h)) {
        PROTECT(tab_setstr(L, h, strvalue(KB), RC));
        gc_barrierback(L, h, RC);
        GCCHECK();
        NEXT();
      }
    }
    PROTECT(vm_settable(L, t, KB, rc));
    NEXT();
  }
L_SETFIELD: {
    TValue *ra = RA, *rc = RC;
    ProfSite *s = SITE();
    PROF_TYPE(pf, s, 1, ra);
    PROF_TYPE(pf, s, 2, rc);
    if (likely(ttistab(ra))) {
      Table *h = tabvalue(ra);
      TValue *slot = fieldslot(pf, s, h, strvalue(KB), 1);
      if (likely(slot && (!ttisnil(slot) || nonewindex(L, h)))) {
        if (ttisnil(slot))          /* a key comes back: it may be a metamethod's */
          tab_invalidate_mm(h);
        setobj(slot, rc);
        gc_barrierback(L, h, rc);
        NEXT();
      }
      if (!slot && nonewindex(L, h)) {
        PROTECT(tab_setstr(L, h, strvalue(KB), RC));
        gc_barrierback(L, h, RC);
        GCCHECK();
        NEXT();
      }
    }
    PROTECT(vm_settable(L, ra, KB, rc));
    NEXT();
  }
L_SETTABLE: {
    TValue *ra = RA, *rb = RB, *rc = RC;
    PROFBIN(ra, rc);
    if (likely(ttistab(ra))) {
      Table *h = tabvalue(ra);
      if (ttisint(rb) && (uint64_t)ivalue(rb) - 1 < h->asize) {
        TValue *slot = &h->arr[ivalue(rb) - 1];
        if (!ttisnil(slot) || nonewindex(L, h)) {
          setobj(slot, rc);
          gc_barrierback(L, h, rc);
          NEXT();
        }
      } else if (nonewindex(L, h)) {
        TValue *slot;
        PROTECT(slot = tab_set(L, h, RB));
        setobj(slot, RC);
        gc_barrierback(L, h, RC);
        GCCHECK();
        NEXT();
      }
    }
    PROTECT(vm_settable(L, ra, rb, rc));
    NEXT();
  }
L_SETINT: {
    TValue *ra = RA, *rc = RC;
    int b = GET_B(i);
    PROFBIN(ra, rc);
    if (likely(ttistab(ra))) {
      Table *h = tabvalue(ra);
      if ((uint32_t)(b - 1) < h->asize) {
        TValue *slot = &h->arr[b - 1];
        if (!ttisnil(slot) || nonewindex(L, h)) {
          setobj(slot, rc);
          gc_barrierback(L, h, rc);
          NEXT();
        }
      } else if (nonewindex(L, h)) {
        PROTECT(tab_setint(L, h, b, RC));
        gc_barrierback(L, h, RC);
        GCCHECK();
        NEXT();
      }
    }
    TValue key;
    setint(&key, b);
    PROTECT(vm_settable(L, ra, &key, rc));
    NEXT();
  }
L_NEWTABLE: {
    SAVEPC();
    Table *h = tab_new(L, GET_B(i), GET_C(i));
    REFRESH();
    settab(RA, h);
    GCCHECK();
    NEXT();
  }

L_ADD:  ARITH(RC, intop(+, x, y), x + y, TM_ADD)
L_SUB:  ARITH(RC, intop(-, x, y), x - y, TM_SUB)
L_MUL:  ARITH(RC, intop(*, x, y), x * y, TM_MUL)
L_MOD:  DIVARITH(RC, imod, obj_fmod(x, y), TM_MOD, "attempt to perform 'n%%0'")
L_POW:  FARITH(RC, (y == 2 ? x * x : pow(x, y)), TM_POW)
L_DIV:  FARITH(RC, x / y, TM_DIV)
L_IDIV: DIVARITH(RC, idiv, floor(x / y), TM_IDIV, "attempt to divide by zero")
L_BAND: BITWISE(RC, x & y, TM_BAND)
L_BOR:  BITWISE(RC, x | y, TM_BOR)
L_BXOR: BITWISE(RC, x ^ y, TM_BXOR)
L_SHL:  BITWISE(RC, obj_shl(x, y), TM_SHL)
L_SHR:  BITWISE(RC, obj_shl(x, intop(-, 0, y)), TM_SHR)
L_ADDK:  ARITH(KC, intop(+, x, y), x + y, TM_ADD)
L_SUBK:  ARITH(KC, intop(-, x, y), x - y, TM_SUB)
L_MULK:  ARITH(KC, intop(*, x, y), x * y, TM_MUL)
L_MODK:  DIVARITH(KC, imod, obj_fmod(x, y), TM_MOD, "attempt to perform 'n%%0'")
L_POWK:  FARITH(KC, (y == 2 ? x * x : pow(x, y)), TM_POW)
L_DIVK:  FARITH(KC, x / y, TM_DIV)
L_IDIVK: DIVARITH(KC, idiv, floor(x / y), TM_IDIV, "attempt to divide by zero")
L_BANDK: BITWISE(KC, x & y, TM_BAND)
L_BORK:  BITWISE(KC, x | y, TM_BOR)
L_BXORK: BITWISE(KC, x ^ y, TM_BXOR)
L_ADDI: {
    TValue *ra = RA, *rb = RB;
    int c = GET_sC(i);
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttisint(rb))) {
      setint(ra, intop(+, ivalue(rb), c));
    } else if (ttisflt(rb)) {
      setflt(ra, fltvalue(rb) + c);
    } else {
      TValue iv;
      setint(&iv, c);
      PROTECT(vm_arith(L, TM_ADD, rb, &iv, ra));
    }
    NEXT();
  }
L_SHLI: {
    TValue *ra = RA, *rb = RB;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttisint(rb))) {
      setint(ra, obj_shl(ivalue(rb), GET_sC(i)));
    } else {
      TValue iv;
      setint(&iv, GET_sC(i));
      PROTECT(vm_arith(L, TM_SHL, rb, &iv, ra));
    }
    NEXT();
  }
L_SHRI: {
    TValue *ra = RA, *rb = RB;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttisint(rb))) {
      setint(ra, obj_shl(ivalue(rb), -GET_sC(i)));
    } else {
      TValue iv;
      setint(&iv, GET_sC(i));
      PROTECT(vm_arith(L, TM_SHR, rb, &iv, ra));
    }
    NEXT();
  }
L_UNM: {
    TValue *ra = RA, *rb = RB;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttisint(rb)))
      setint(ra, intop(-, 0, ivalue(rb)));
    else if (ttisflt(rb))
      setflt(ra, -fltvalue(rb));
    else
      PROTECT(vm_arith(L, TM_UNM, rb, rb, ra));
    NEXT();
  }
L_BNOT: {
    TValue *ra = RA, *rb = RB;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (likely(ttisint(rb)))
      setint(ra, ~ivalue(rb));
    else
      PROTECT(vm_arith(L, TM_BNOT, rb, rb, ra));
    NEXT();
  }
L_NOT: {
    TValue *ra = RA, *rb = RB;
    setbool(ra, isfalsy(rb));
    NEXT();
  }
L_LEN: {
    TValue *ra = RA, *rb = RB;
    PROF_TYPE(pf, SITE(), 1, rb);
    if (ttistab(rb) && (!tabvalue(rb)->mt || (tabvalue(rb)->mt->nomm & (1u << TM_LEN))))
      setint(ra, (int64_t)tab_len(tabvalue(rb)));
    else if (ttisstr(rb))
      setint(ra, (int64_t)strvalue(rb)->len);
    else
      PROTECT(vm_len(L, rb, ra));
    NEXT();
  }
L_CONCAT: {
    int n = GET_B(i);
    TValue *ra = RA;
    SAVEPC();
    L->top = ra + n;
    vm_concat(L, n);
    GCCHECK();
    NEXT();
  }
L_CLOSE:
  PROTECT(call_close(L, RA, ST_OK));
  NEXT();
L_TBC:
  PROTECT(call_newtbc(L, RA));
  NEXT();
L_JMP: {
    int j = GET_sJ(i);
    pc += j;
    if (j < 0)
      PROF_LOOP(pf);
    NEXT();
  }

L_EQ: {
    TValue *ra = RA, *rb = RB;
    int res;
    PROFBIN(ra, rb);
    if (ttisint(ra) && ttisint(rb))
      res = ivalue(ra) == ivalue(rb);
    else if (tt(ra) == tt(rb) && tt(ra) != TAG_TAB && tt(ra) != TAG_UD)
      res = vm_rawequal(ra, rb);
    else
      PROTECT(res = vm_equal(L, ra, rb));
    CONDJUMP(res);
  }
L_LT: {
    TValue *ra = RA, *rb = RB;
    int res;
    PROFBIN(ra, rb);
    if (likely(ttisint(ra) && ttisint(rb)))
      res = ivalue(ra) < ivalue(rb);
    else if (ttisnum(ra) && ttisnum(rb))
      res = vm_ltnum(ra, rb);
    else
      PROTECT(res = vm_lessthan(L, ra, rb));
    CONDJUMP(res);
  }
L_LE: {
    TValue *ra = RA, *rb = RB;
    int res;
    PROFBIN(ra, rb);
    if (likely(ttisint(ra) && ttisint(rb)))
      res = ivalue(ra) <= ivalue(rb);
    else if (ttisnum(ra) && ttisnum(rb))
      res = vm_lenum(ra, rb);
    else
      PROTECT(res = vm_lessequal(L, ra, rb));
    CONDJUMP(res);
  }
L_EQK: {
    TValue *ra = RA;
    PROF_TYPE(pf, SITE(), 1, ra);
    CONDJUMP(vm_rawequal(ra, KB));
  }
L_EQI: {
    TValue *ra = RA;
    int im = GET_sB(i);
    int res;
    PROF_TYPE(pf, SITE(), 1, ra);
    if (ttisint(ra))
      res = ivalue(ra) == im;
    else if (ttisflt(ra))
      res = fltvalue(ra) == (double)im;
    else
      res = 0;
    CONDJUMP(res);
  }
L_LTI: CMPI(<, <, vm_lessthan, 0)
L_LEI: CMPI(<=, <=, vm_lessequal, 0)
L_GTI: CMPI(>, >, vm_lessthan, 1)
L_GEI: CMPI(>=, >=, vm_lessequal, 1)
L_TEST:
  CONDJUMP(!isfalsy(RA));
L_TESTSET: {
    TValue *rb = RB;
    int truth = !isfalsy(rb);
    if (truth != GET_C(i)) {
      PROF_BRANCH(SITE(), 0);
      pc++;
    } else {
      PROF_BRANCH(SITE(), 1);
      setobj(RA, rb);
      int j = GET_sJ(*pc);
      pc += j + 1;
    }
    NEXT();
  }

L_CALL: {
    TValue *ra = RA;
    int b = GET_B(i);
    int nresults = GET_C(i) - 1;
    if (b)
      L->top = ra + b;
    SAVEPC();
#if JOLT_PROFILE
    {
      ProfSite *s = SITE();
      if (ttislfn(ra))
        PROF_SEEN(pf, s, lfnvalue(ra)->p, 0);
      else if (ttiscfn(ra))
        PROF_SEEN(pf, s, cfnvalue(ra), 0);
    }
#endif
    if (likely(ttislfn(ra))) {
      /* A Lua function: a new frame in this same loop (call_precall's Lua case, inline). */
      Proto *np = lfnvalue(ra)->p;
      int narg = (int)(L->top - ra) - 1;
      if (unlikely(L->stack_last - L->top <= np->maxstack)) {
        ptrdiff_t off = savestack(L, ra);
        call_growstack(L, np->maxstack);
        ra = restorestack(L, off);
      }
      CallInfo *nci = ci->next;
      if (unlikely(!nci))
        nci = call_newci(L);
      nci->func = ra;
      nci->top = ra + 1 + np->maxstack;
      nci->nresults = nresults;
      nci->status = CIST_LUA;
      nci->savedpc = np->code;
      nci->nextra = 0;
      for (; narg < np->numparams; narg++)
        setnil(L->top++);
      L->ci = ci = nci;
      goto startfunc;
    }
    CallInfo *nci = call_precall(L, ra, nresults);
    if (nci) {
      ci = nci;
      goto startfunc;
    }
    if (nresults >= 0)
      L->top = ci->top;
    REFRESH();
    disp = L->hookmask ? hooktab : optab;
    NEXT();
  }
L_TAILCALL: {
    TValue *ra = RA;
    int b = GET_B(i);
    if (b)
      L->top = ra + b;
    SAVEPC();
    if (L->openupval && L->openupval->v >= base) {
      ptrdiff_t off = savestack(L, ra);
      func_closeupvals(L, base);
      ra = restorestack(L, off);
    }
    while (unlikely(!ttisfn(ra)))
      ra = call_tryfunc(L, ra);
#if JOLT_PROFILE
    PROF_SEEN(pf, SITE(), ttislfn(ra) ? (void *)lfnvalue(ra)->p : (void *)cfnvalue(ra), 0);
#endif
    if (ttiscfn(ra)) {
      /* A C function: call it, then return its results from this frame. */
      ptrdiff_t off = savestack(L, ra);
      call_precall(L, ra, MULTRET);
      REFRESH();
      rret = restorestack(L, off);
      nret = (int)(L->top - rret);
      goto doreturn;
    }
    Proto *own = cl->p;
    TValue *func = ci->func;
    if (own->is_vararg)
      func -= ci->nextra + own->numparams + 1;
    int n = (int)(L->top - ra);
    for (int j = 0; j < n; j++)
      setobj(func + j, ra + j);
    L->top = func + n;
    Proto *np = lfnvalue(func)->p;
    if (unlikely(L->stack_last - func <= np->maxstack + 1)) {
      ptrdiff_t off = savestack(L, func);
      call_growstack(L, np->maxstack + 1);
      func = restorestack(L, off);
    }
    ci->func = func;
    ci->top = func + 1 + np->maxstack;
    ci->savedpc = np->code;
    ci->nextra = 0;
    ci->status |= CIST_TAIL;
    for (int narg = n - 1; narg < np->numparams; narg++)
      setnil(L->top++);
    goto startfunc;
  }
L_RETURN: {
    TValue *ra = RA;
    int b = GET_B(i);
    int n = b ? b - 1 : (int)(L->top - ra);
    if ((L->openupval && L->openupval->v >= base) || (L->tbclist && L->tbclist >= base)) {
      ptrdiff_t off = savestack(L, ra);
      SAVEPC();
      L->top = ra + n;
      call_close(L, base, ST_OK);
      REFRESH();
      ra = restorestack(L, off);
    }
    rret = ra;
    nret = n;
    goto doreturn;
  }
L_RETURN0:
  rret = base;
  nret = 0;
  goto doreturn;
L_RETURN1:
  rret = RA;
  nret = 1;
  goto doreturn;
doreturn: {
    /* Results rret[0..nret-1] go to the caller; a vararg frame first moves its func back. */
    Proto *p = cl->p;
    if (p->is_vararg)
      ci->func -= ci->nextra + p->numparams + 1;
    int fresh = ci->status & CIST_FRESH;
    int wanted = ci->nresults;
    if (unlikely(L->hookmask)) {
      L->top = rret + nret;
      SAVEPC();
      call_poscall(L, ci, nret);
    } else {
      /* call_poscall inline */
      TValue *res = ci->func;
      int want = wanted < 0 ? nret : wanted;
      if (likely(want == 1 && nret >= 1)) {
        setobj(res, rret);   /* the common single result */
      } else {
        int j = 0;
        for (; j < nret && j < want; j++)
          setobj(res + j, rret + j);
        for (; j < want; j++)
          setnil(res + j);
      }
      L->top = res + want;
      L->ci = ci->prev;
    }
    if (fresh)
      return;
    ci = L->ci;
    if (wanted >= 0)
      L->top = ci->top;
    goto returning;
  }

L_FORPREP: {
    int skip;
    PROTECT(skip = forprep(L, RA));
    if (skip)
      pc += GET_Bx(i);
    NEXT();
  }
L_FORLOOP: {
    TValue *ra = RA;
    if (likely(ttisint(ra + 2))) {
      uint64_t count = (uint64_t)ivalue(ra + 1);
      if (count > 0) {
        int64_t idx = intop(+, ivalue(ra), ivalue(ra + 2));
        ra[1].v.i = (int64_t)(count - 1);   /* tags stay integer */
        ra->v.i = idx;
        setint(ra + 3, idx);
        pc -= GET_Bx(i);
        PROF_LOOP(pf);
      }
    } else {
      double step = fltvalue(ra + 2), limit = fltvalue(ra + 1);
      double idx = fltvalue(ra) + step;
      if (step > 0 ? idx <= limit : limit <= idx) {
        setflt(ra, idx);
        setflt(ra + 3, idx);
        pc -= GET_Bx(i);
        PROF_LOOP(pf);
      }
    }
    NEXT();
  }
L_TFORPREP:
  PROTECT(call_newtbc(L, RA + 3));
  pc += GET_Bx(i);
  NEXT();
L_TFORCALL: {
    TValue *ra = RA;
    setobj(ra + 4, ra);
    setobj(ra + 5, ra + 1);
    setobj(ra + 6, ra + 2);
    L->top = ra + 7;
    SAVEPC();
    call_call(L, ra + 4, GET_C(i));
    L->top = ci->top;
    REFRESH();
    disp = L->hookmask ? hooktab : optab;
    NEXT();
  }
L_TFORLOOP: {
    TValue *ra = RA;
    if (!ttisnil(ra + 4)) {
      setobj(ra + 2, ra + 4);
      pc -= GET_Bx(i);
      PROF_LOOP(pf);
    }
    NEXT();
  }
L_SETLIST: {
    TValue *ra = RA;
    int n = GET_B(i);
    int64_t last = GET_C(i);
    if (last == MAXARG_C)
      last = GET_Ax(*pc++);
    if (n == 0)
      n = (int)(L->top - ra) - 1;
    Table *h = tabvalue(ra);
    SAVEPC();
    if (last + n > (int64_t)h->asize)
      tab_resizearray(L, h, (uint32_t)(last + n));
    REFRESH();
    ra = RA;
    for (int j = 1; j <= n; j++) {
      TValue *v = ra + j;
      setobj(&h->arr[last + j - 1], v);
      gc_barrierback(L, h, v);
    }
    L->top = ci->top;
    NEXT();
  }
L_CLOSURE: {
    Proto *np = cl->p->p[GET_Bx(i)];
    SAVEPC();
    LClosure *ncl = func_newlclosure(L, np);
    REFRESH();
    setlfn(RA, ncl);
    for (int j = 0; j < np->nupvals; j++) {
      UpvalDesc *d = &np->upvals[j];
      ncl->up[j] = d->instack ? func_findupval(L, base + d->idx) : cl->up[d->idx];
    }
    GCCHECK();
    NEXT();
  }
L_VARARG: {
    TValue *ra = RA;
    int nextra = ci->nextra;
    int wanted = GET_C(i) - 1;
    if (wanted < 0) {
      wanted = nextra;
      if (unlikely(L->stack_last - ra <= nextra)) {
        ptrdiff_t off = savestack(L, ra);
        SAVEPC();
        L->top = ci->top;
        call_growstack(L, nextra);
        REFRESH();
        ra = restorestack(L, off);
      }
      L->top = ra + nextra;
    }
    TValue *src = ci->func - nextra;
    int j = 0;
    for (; j < wanted && j < nextra; j++)
      setobj(ra + j, src + j);
    for (; j < wanted; j++)
      setnil(ra + j);
    NEXT();
  }
L_VARARGPREP: {
    /* Move the function and its fixed parameters above the actual arguments, so the
     * extra ones stay below ci->func where VARARG finds them. */
    int nfix = GET_A(i);
    int actual = (int)(L->top - ci->func) - 1;
    int fsize = cl->p->maxstack;
    if (unlikely(L->stack_last - L->top <= fsize + nfix + 2)) {
      SAVEPC();
      call_growstack(L, fsize + nfix + 2);
    }
    TValue *func = ci->func;
    TValue *top = L->top;
    setobj(top, func);
    for (int j = 1; j <= nfix; j++) {
      setobj(top + j, func + j);
      setnil(func + j);
    }
    ci->nextra = actual - nfix;
    ci->func = top;
    ci->top = top + 1 + fsize;
    L->top = top + 1 + nfix;
    REFRESH();
    if (unlikely(L->hookmask & HOOK_MASKCALL)) {
      SAVEPC();
      call_hook(L, (ci->status & CIST_TAIL) ? HOOK_TAILCALL : HOOK_CALL, -1);
      REFRESH();
    }
    NEXT();
  }
L_EXTRAARG:
  NEXT();
}

/* -- Generic operations used outside the interpreter ------------------------------------ */

int vm_tostring(State *L, TValue *v)
{
  if (ttisstr(v))
    return 1;
  if (!ttisnum(v))
    return 0;
  char buf[OBJ_NUMBUF];
  int n = obj_num2str(v, buf);
  setstr(v, str_new(L, buf, (size_t)n));
  return 1;
}

static int isstrnum(const TValue *v)
{
  return ttisstr(v) || ttisnum(v);
}

/* Length of a string or number operand of a concatenation, as text. */
static size_t concatlen(const TValue *v, char *buf, const char **s)
{
  if (ttisstr(v)) {
    *s = strdata(strvalue(v));
    return strvalue(v)->len;
  }
  *s = buf;
  return (size_t)obj_num2str(v, buf);
}

void vm_concat(State *L, int n)
{
  while (n > 1) {
    TValue *top = L->top;
    if (!isstrnum(top - 2) || !isstrnum(top - 1)) {
      meta_concat(L, top - 2, top - 1);   /* result in top[-2] */
      L->top--;
      n--;
      continue;
    }
    /* Gather as many strings/numbers as possible from the top down. */
    int m = 1;
    size_t total = 0;
    char buf[OBJ_NUMBUF];
    const char *s;
    while (m < n && isstrnum(top - m - 1))
      m++;
    if (m == 2 && ttisstr(top - 1) && strvalue(top - 1)->len == 0 && ttisstr(top - 2)) {
      L->top--;
      n--;
      continue;
    }
    for (int j = 1; j <= m; j++) {
      size_t l = concatlen(top - j, buf, &s);
      if (l >= SIZE_MAX / 2 - total)
        call_runerror(L, "string length overflow");
      total += l;
    }
    Str *r;
    if (total <= STR_MAXSHORT) {
      char sbuf[STR_MAXSHORT + 1];
      size_t off = 0;
      for (int j = m; j >= 1; j--) {
        size_t l = concatlen(top - j, buf, &s);
        memcpy(sbuf + off, s, l);
        off += l;
      }
      r = str_new(L, sbuf, total);
    } else {
      r = str_newlong(L, total);
      size_t off = 0;
      for (int j = m; j >= 1; j--) {
        size_t l = concatlen(top - j, buf, &s);
        memcpy(strdata(r) + off, s, l);
        off += l;
      }
    }
    top = L->top;
    setstr(top - m, r);
    L->top = top - m + 1;
    n -= m - 1;
  }
}

/* vm.c: the bytecode interpreter.
 *
 * One vm_execute invocation runs a chain of Lua frames: Lua-to-Lua calls and returns switch
 * `ci` inside the loop, so Lua recursion costs no C stack; only C functions, metamethods
 * and hooks re-enter from C. Dispatch is computed goto through `disp`, which is one of two
 * opcode tables, or, while a line/count hook is set, a table whose every entry runs the hook
 * first. The opcode bodies (vm_ops.inc) exist twice: one instance records the profile (prof.h),
 * the other, for functions whose profiling window has closed (ProfFn.stable), does not. The
 * table is chosen on function entry and return and when a loop closes the window.
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
#include "probe.h"
#include "jit.h"

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
  if (y > 0 && (y & (y - 1)) == 0)
    return x & (y - 1);   /* a power of two (x % 2, ...): floor modulo is a mask, no divide */
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

static __attribute__((noinline)) TValue *fieldmiss(State *L, ProfFn *pf, ProfSite *s, Table *t, Str *key,
                                                   int forwrite)
{
  Shape *sh = t->shape;
  if (!sh) {
    PROF_FLAG(s, PS_HASH);
    return NULL;
  }
  int slot = shape_lookup(sh, key);
  uint32_t rec = slot < 0 ? SLOT_ABSENT : (uint32_t)slot;
  /* The records are the cache, so they are kept in every mode (stable, noprof) alike. */
  prof_newseen(L, pf, s, sh, rec);
  if (slot < 0)
    return forwrite ? NULL : (TValue *)&absentnil;
  return &t->slots[slot];
}

/* The value slot of field `key` of t: for reads, &absentnil when the shape lacks the key; for
 * writes NULL then. NULL also for dictionary-mode tables (callers use tab.c). */
static inline TValue *fieldslot(State *L, ProfFn *pf, ProfSite *s, Table *t, Str *key, int forwrite)
{
  Shape *sh = t->shape;
  uint32_t slot;
  if (likely(sh == s->seen[0]) && likely(sh != NULL))
    slot = s->slot;
  else if (sh == s->seen[1] && sh != NULL)
    slot = s->slot1;    /* bimorphic second chance: alternating shapes cost no lookup */
  else
    return fieldmiss(L, pf, s, t, key, forwrite);
  if (unlikely(slot == SLOT_ABSENT))
    return forwrite ? NULL : (TValue *)&absentnil;
  return &t->slots[slot];
}

/* The first step of the __index chain of a field absent from t (the method of an object):
 * its value when __index is a table holding the key, else NULL and the generic path starts
 * over from t. Runs no Lua code and raises nothing. */
static inline const TValue *indexfield(State *L, Table *t, Str *key, ProfSite *s)
{
  return t->mt == NULL ? NULL : meta_indexstr(L, t, key, &s->hint);
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
#define SBIAS(pf, p) ((uintptr_t)(pf)->site - \
    ((uintptr_t)(p)->code + sizeof(Instr)) * (sizeof(ProfSite) / sizeof(Instr)))
_Static_assert(sizeof(ProfSite) % sizeof(Instr) == 0, "site scaling");
#define SAVEPC()  (ci->savedpc = pc)
/* The interpreter's registers for frame ci, at its saved pc. */
#define LOADFRAME() do { cl = lfnvalue(ci->func); k = cl->p->k; pf = cl->p->prof; \
    sbias = SBIAS(pf, cl->p); base = ci->func + 1; pc = ci->savedpc; } while (0)
#define REFRESH() (base = ci->func + 1)
#define PROTECT(x) do { SAVEPC(); L->top = ci->top; x; REFRESH(); } while (0)
#define NEXT()  do { i = *pc++; goto *disp[GET_OP(i)]; } while (0)
#define GCCHECK() do { L->top = ci->top; gc_check(L); REFRESH(); } while (0)

#if defined(__GNUC__) && !defined(__clang__)
#define COLDLABEL __attribute__((cold));
#else
#define COLDLABEL
#endif

/* Recording, in the profiling instance of the opcode bodies only (PROFON is 1 there and 0 in
 * the instance for stable functions, so these compile to nothing in the latter). */
#define P_TYPE(f, s, w, v)       do { if (PROFON) PROF_TYPE(f, s, w, v); } while (0)
#define P_SEEN(f, s, o, sl)      do { if (PROFON) PROF_SEEN(L, f, s, o, sl); } while (0)
#define P_BRANCH(s, taken)       do { if (PROFON) PROF_BRANCH(s, taken); } while (0)

/* Dispatch table of the current frame: hooks first, else by its profiling window. */
#if JOLT_PROFILE
#define BASETAB() (pf->stable ? fasttab : proftab)
#else
#define BASETAB() fasttab
#endif
/* After a step, jittab comes first even with hooks (its handler applies them), so that a step
 * that turned hooks on still ends where compiled code waits for it. */
#define SETDISP() (disp = unlikely(stepping) ? jittab : unlikely(L->hookmask) ? hooktab : BASETAB())

/* Events since the last record change that close a profiling window. */
#define QUIET(f) ((f)->calls + (f)->backedges - (f)->lastevent >= PROF_STABLE_EVENTS)

/* Close f's profiling window: its records went PROF_STABLE_EVENTS events without a change. */
static __attribute__((cold, noinline)) void closewindow(ProfFn *f)
{
  f->stable = 1;
  JOLT_PROBE_FN_STABLE(f->proto->fid, f->calls);
}

/* A loop back-edge: counted always; while profiling it may close the window mid-loop. With
 * compiled code, or once the loop is hot, the loop header may be entered compiled (OSR). */
/* A hook set from outside (Ctrl-C's) takes effect at the next back-edge of a call-free loop. */
#define LOOPEDGE() do { PROF_LOOP(pf); \
    if (unlikely(L->hookmask)) SETDISP(); \
    if (PROFON && unlikely(QUIET(pf))) { closewindow(pf); SETDISP(); } \
    if (unlikely(cl->p->jit != NULL || (pf->backedges >= jit_state.hotloops && !pf->nojit))) goto L_jitloop; \
  } while (0)

/* Conditional test outcome `res` against C: skip the following JMP, or take it here. */
#define CONDJUMP(res) do { \
    int taken_ = (res) == GET_C(i); \
    P_BRANCH(SITE(), taken_); \
    if (taken_) { int j_ = GET_sJ(*pc); pc += j_ + 1; if (j_ < 0) LOOPEDGE(); } \
    else pc++; \
    NEXT(); } while (0)

#if JOLT_PROFILE
/* Both operand types of a binary site with one test of t1 and t2 together. */
#define PROFBIN(a, b) do { if (PROFON) { ProfSite *s_ = SITE(); uint32_t w_; \
    uint32_t want_ = (uint32_t)tagbit(tt(a)) | ((uint32_t)tagbit(tt(b)) << 16); \
    memcpy(&w_, &s_->t1, sizeof w_); \
    if (unlikely((w_ & want_) != want_)) { PROF_TYPE(pf, s_, 1, a); PROF_TYPE(pf, s_, 2, b); } \
  } } while (0)
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
    P_TYPE(pf, SITE(), 1, ra); \
    if (likely(ttisint(ra))) res = ivalue(ra) iop im; \
    else if (ttisflt(ra)) res = fltvalue(ra) fop (double)im; \
    else { TValue iv; setint(&iv, im); \
      PROTECT(res = inv ? fn(L, &iv, ra) : fn(L, ra, &iv)); } \
    CONDJUMP(res); }

/* Run Lua frames from ci (stepci NULL), or, for compiled code (stepci == ci), run the one
 * instruction at ci->savedpc, with everything it calls, and return when ci reaches its next
 * instruction (vm_step). */
static void execute(State *L, CallInfo *ci, CallInfo *stepci, int stepfirst)
{
#if JOLT_PROFILE
  static const void *const proftab[OP__N] = {
#define X(name, fmt, doc) &&P_##name,
    BC_LIST(X)
#undef X
  };
#endif
  static const void *const fasttab[OP__N] = {
#define X(name, fmt, doc) &&F_##name,
    BC_LIST(X)
#undef X
  };
  static const void *const hooktab[OP__N] = {
#define X(name, fmt, doc) &&L_hook,
    BC_LIST(X)
#undef X
  };
  /* After an instruction the interpreter ran for compiled code (a step): the next one may
   * have a compiled entry. */
  static const void *const jittab[OP__N] = {
#define X(name, fmt, doc) &&L_jitstep,
    BC_LIST(X)
#undef X
  };
  int stepping = 0;

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

  if (stepci != NULL) {
    LOADFRAME();
    if (stepfirst) {
      stepping = 1;
      disp = jittab;
      i = *pc++;
      goto *BASETAB()[GET_OP(i)];
    }
    disp = unlikely(L->hookmask) ? hooktab : BASETAB();
    NEXT();
  }
  ci->status |= CIST_FRESH;
startfunc:
  cl = lfnvalue(ci->func);
  pf = cl->p->prof;
  if (unlikely(pf == NULL)) {
    prof_attach(L, cl->p);   /* a proto the loader did not attach (defensive, cheap) */
    pf = cl->p->prof;
  }
  PROF_CALL(pf);
#if JOLT_PROFILE
  if (unlikely(!pf->stable) && QUIET(pf))
    closewindow(pf);
#endif
  if (unlikely(L->hookmask)) {
    if ((L->hookmask & HOOK_MASKCALL) && !cl->p->is_vararg) {
      ci->savedpc = cl->p->code;
      call_hook(L, (ci->status & CIST_TAIL) ? HOOK_TAILCALL : HOOK_CALL, -1);
    }
    goto returning;
  }
  /* No hooks: the frame's registers straight from what was just loaded. */
  k = cl->p->k;
  sbias = SBIAS(pf, cl->p);
  base = ci->func + 1;
  pc = ci->savedpc;
  stepping = 0;
  disp = BASETAB();
  if (unlikely(cl->p->jit != NULL || (pf->calls >= jit_state.hotcalls && !pf->nojit))) {
    if (cl->p->jit == NULL && jit_due(cl->p, 0))
      jit_compile(L, cl->p);
    if (cl->p->jit != NULL && cl->p->jit->entry[pc - cl->p->code])
      goto L_jitrun;
  }
  NEXT();

returning:
  LOADFRAME();
  stepping = 0;
  if (unlikely(ci == stepci))
    return;          /* the call that compiled code asked for returned */
  if (unlikely(cl->p->jit != NULL) && !L->hookmask && cl->p->jit->entry[pc - cl->p->code])
    goto L_jitrun;   /* the continuation of a call made for compiled code */
  if (unlikely(L->hookmask)) {
    disp = hooktab;
    hookpc = (int)(pc - cl->p->code) - 1;
    /* -2 at a function's entry: its first instruction is a line event even without line info. */
    hookline = hookpc < 0 ? -2 : cl->p->lineinfo ? cl->p->lineinfo[hookpc] : -1;
  } else {
    disp = BASETAB();
  }
  NEXT();

L_hook: {
    /* Line and count hooks, then the instruction itself. An instruction taking its operands
     * "to top" (B = 0) needs L->top as the previous one left it. */
    OpCode op = GET_OP(i);
    if (op == OP_VARARGPREP)
      goto *BASETAB()[op];   /* as lua5.4: hooks of a vararg function start after it */
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
    SETDISP();
    goto *BASETAB()[op];
  }

  /* Compiled code: run it from pc (an entry), then continue where it exits. A step exit
   * runs its one instruction here with `jittab` as the next dispatch; a deopt exit just
   * goes on interpreting. */
L_jitrun: {
    const JitExit *ex = jit_enter(L, cl->p->jit, base, (uint32_t)(pc - cl->p->code));
    if (ex->kind == JX_RETURNED) {
      /* The frame is gone (jit_h_return): the rest of the interpreter's return. */
      if (ci->status & CIST_FRESH)
        return;
      int wanted = ci->nresults;
      ci = L->ci;
      if (wanted >= 0)
        L->top = ci->top;
      goto returning;
    }
    base = ci->func + 1;     /* steps run from compiled code may have moved the stack */
    pc = ex->kind == JX_RESUME ? ci->savedpc : cl->p->code + ex->pc;
    if (ex->kind == JX_STEP) {
      stepping = 1;
      disp = jittab;
      i = *pc++;
      goto *BASETAB()[GET_OP(i)];
    }
    stepping = 0;
    SETDISP();
    NEXT();
  }
L_jitstep: {
    if (unlikely(ci == stepci)) {
      ci->savedpc = pc - 1;   /* the step is done: back to compiled code */
      return;
    }
    stepping = 0;
    JitFn *jf = cl->p->jit;
    if (jf != NULL && !L->hookmask && jf->entry[pc - 1 - cl->p->code]) {
      pc--;
      goto L_jitrun;
    }
    SETDISP();
    goto *disp[GET_OP(i)];
  }
L_jitloop: {
    /* A back-edge just landed pc on a loop header. */
    if (!L->hookmask) {
      if (cl->p->jit == NULL && jit_due(cl->p, 1)) {
        SAVEPC();
        jit_compile(L, cl->p);
      }
      if (cl->p->jit != NULL && cl->p->jit->entry[pc - cl->p->code])
        goto L_jitrun;
    }
    NEXT();
  }

  /* The opcode bodies, twice: recording (profiling window open) and not (stable). OPL(name)
   * defines an opcode's label. The recording instance is marked cold for gcc: it runs only
   * while functions warm up, and without the hint the register allocator spills the hot
   * instance's state (disp, k, cl) to make room for the recording one's. */
#if JOLT_PROFILE
#define PROFON 1
#define OPL(name) P_##name: COLDLABEL
#include "vm_ops.inc"
#undef PROFON
#undef OPL
#endif
#define PROFON 0
#define OPL(name) F_##name:
#include "vm_ops.inc"
#undef PROFON
#undef OPL

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

}

void vm_execute(State *L, CallInfo *ci)
{
  execute(L, ci, NULL, 0);
}

void vm_step(State *L)
{
  execute(L, L->ci, L->ci, 1);
}

void vm_finish(State *L, CallInfo *stopci, int stepfirst)
{
  execute(L, L->ci, stopci, stepfirst);
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

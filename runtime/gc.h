/* gc.h: memory and the garbage collector.
 *
 * A precise, non-moving, incremental tri-color mark and sweep collector (generational mode is
 * a later refinement). Invariant between steps: a black object never points to a white one;
 * writers keep it with the barriers below. Every allocation goes through gc_alloc, which counts
 * debt; the VM calls gc_check at allocation points, which runs a bounded step when in debt.
 * Weak tables (__mode), ephemerons, finalizers (__gc, ordered and resurrectable) are handled here.
 */
#ifndef JOLT_GC_H
#define JOLT_GC_H

#include "obj.h"

/* marked bits: two whites (current and other) let sweeping tell new objects from dead ones. */
#define GC_WHITE0   (1 << 0)
#define GC_WHITE1   (1 << 1)
#define GC_BLACK    (1 << 2)
#define GC_FINOBJ   (1 << 3)    /* has a __gc registered */
#define GC_FIXED    (1 << 4)    /* never collected (reserved words, metamethod names) */
#define GC_WHITES   (GC_WHITE0 | GC_WHITE1)

typedef struct GCState {
  size_t totalbytes;            /* bytes allocated now */
  ptrdiff_t debt;               /* bytes allocated not yet paid by collection work */
  GCObj *allgc;                 /* all collectable objects but finobj */
  GCObj *finobj;                /* objects with finalizers */
  GCObj *tobefnz;               /* unreachable objects waiting to be finalized */
  GCObj *fixedgc;
  GCObj *gray, *grayagain;
  GCObj *weak, *ephemeron, *allweak;
  GCObj **sweepgc;
  uint8_t currentwhite;
  uint8_t gcstate;              /* phase, gc.c */
  uint8_t gcstp;                /* stopped (collectgarbage("stop")) or internal stop */
  uint8_t gckind;               /* incremental or generational */
  uint8_t emergency;
  int pause, stepmul, stepsize; /* incremental parameters, as collectgarbage sets them */
  int genminor, genmajor;
  size_t estimate;
  uint64_t ncollections;        /* --stats */
  uint64_t batch_steps, batch_ns;   /* steps not yet reported by the gc_steps probe */
  struct UpVal **openuv;        /* open upvalues marked this cycle, re-marked at atomic */
  size_t nopenuv, openuvcap;
} GCState;

struct State;
/* Allocate, resize or free (nsize 0). Raises a memory error (after an emergency collection)
 * when the system refuses; never returns NULL for nsize > 0. */
J_HIDDEN void *gc_alloc(State *L, void *p, size_t osize, size_t nsize);
#define gc_free(L, p, sz) ((void)gc_alloc((L), (p), (sz), 0))
#define gc_newvec(L, n, t) ((t *)gc_alloc((L), NULL, 0, (size_t)(n) * sizeof(t)))
#define gc_freevec(L, p, n, t) gc_free((L), (p), (size_t)(n) * sizeof(t))
#define gc_resizevec(L, p, on, nn, t) \
  ((t *)gc_alloc((L), (p), (size_t)(on) * sizeof(t), (size_t)(nn) * sizeof(t)))
/* New collectable object of `size` bytes with tag `tag`, linked into allgc, white. */
J_HIDDEN GCObj *gc_newobj(State *L, int tag, size_t size);
/* One incremental step if the collector is in debt. Call at safe points (after allocating). */
#define gc_check(L) do { if (G(L)->gc.debt > 0) gc_step(L); } while (0)
J_HIDDEN void gc_step(State *L);
J_HIDDEN void gc_fullgc(State *L, int emergency);
/* Steps not yet reported to a tracer of the gc_steps probe: report them now (exit). */
J_HIDDEN void gc_flushsteps(State *L);
J_HIDDEN void gc_freeall(State *L);                 /* at state_close, runs finalizers */
/* Barriers: `p` is the object written into, `v` the value written. */
#define gc_iswhite(o)  ((o)->marked & GC_WHITES)
#define gc_isblack(o)  ((o)->marked & GC_BLACK)
#define gc_barrier(L, p, v) do { if (iscollectable(v) && gc_isblack((GCObj *)(p)) && \
    gc_iswhite(gcvalue(v))) gc_barrier_(L, (GCObj *)(p), gcvalue(v)); } while (0)
#define gc_barrierback(L, p, v) do { if (iscollectable(v) && gc_isblack((GCObj *)(p)) && \
    gc_iswhite(gcvalue(v))) gc_barrierback_(L, (GCObj *)(p)); } while (0)
#define gc_objbarrier(L, p, o) do { if (gc_isblack((GCObj *)(p)) && gc_iswhite((GCObj *)(o))) \
    gc_barrier_(L, (GCObj *)(p), (GCObj *)(o)); } while (0)
#define gc_objbarrierback(L, p, o) do { if (gc_isblack((GCObj *)(p)) && gc_iswhite((GCObj *)(o))) \
    gc_barrierback_(L, (GCObj *)(p)); } while (0)
J_HIDDEN void gc_barrier_(State *L, GCObj *p, GCObj *v);   /* marks v (forward) */
J_HIDDEN void gc_barrierback_(State *L, GCObj *p);          /* makes p gray again (tables) */
/* setmetatable calls this: registers o for finalization if mt has __gc. */
J_HIDDEN void gc_checkfinalizer(State *L, GCObj *o, Table *mt);
/* Mark one object reachable during the mark phase (for modules that keep private references,
 * e.g. prof_mark). */
J_HIDDEN void gc_mark(State *L, GCObj *o);
/* Set up the collector's parameters (state_new calls it before allocating objects). */
J_HIDDEN void gc_init(State *L);
/* Make a just-created object permanent (moved to fixedgc, never collected). */
J_HIDDEN void gc_fix(State *L, GCObj *o);
/* An object of the old white while sweeping is dead; interning may revive it (str.c). */
#define gc_otherwhite(g)   ((g)->gc.currentwhite ^ GC_WHITES)
#define gc_isdead(g, o)    ((o)->marked & gc_otherwhite(g) & GC_WHITES)
#define gc_changewhite(o)  ((o)->marked ^= GC_WHITES)
/* Freeing one object of any tag (used by sweep). */
J_HIDDEN void gc_freeobj(State *L, GCObj *o);
/* collectgarbage() options; returns what the option returns (see lib_base.c). */
enum { GCO_STOP, GCO_RESTART, GCO_COLLECT, GCO_COUNT, GCO_COUNTB, GCO_STEP, GCO_SETPAUSE,
       GCO_SETSTEPMUL, GCO_ISRUNNING, GCO_GEN, GCO_INC };
J_HIDDEN int gc_control(State *L, int what, int a, int b, int c);

#endif

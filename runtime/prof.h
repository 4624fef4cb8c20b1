/* prof.h: the interpreter's profile, the input of the JIT and the content of snapshots.
 *
 * Each Proto has one ProfFn, created with it; each instruction pc has one ProfSite. A site
 * records what flowed through that instruction: the tag sets of its operands, up to two table
 * shapes (field sites) or callees (call sites) and whether it saw more (megamorphic), and branch
 * directions. The field-site shape doubles as the interpreter's inline cache (shape -> slot).
 *
 * Invariants:
 * - Records only grow (sets get more bits, counts go up); a change of a set bumps the
 *   function's `lastchange` to its current call count, which is how the stability point is found.
 * - Profiling windows: a function is profiled while it warms up. Once it ran PROF_STABLE_EVENTS
 *   events (calls + loop back-edges) without a record change it becomes `stable` and the
 *   interpreter runs it without recording types, branches or callees (calls and back-edges are
 *   still counted, field-site caches still fill). A record change (e.g. a new shape at a
 *   field site's cache miss) re-opens the window.
 * - The pointers here (shapes, callee protos) are live objects the GC marks through the proto;
 *   the snapshot writer turns them into shape key sequences and function ids, never addresses.
 */
#ifndef JOLT_PROF_H
#define JOLT_PROF_H

#include <stdio.h>
#include "obj.h"

#define PS_MEGA      (1 << 0)     /* more than two shapes / callees seen */
#define PS_TAKEN     (1 << 1)     /* conditional: the jump was taken */
#define PS_NOTTAKEN  (1 << 2)     /* conditional: fell through */
#define PS_META      (1 << 3)     /* a metamethod ran here */
#define PS_HASH      (1 << 4)     /* field found in a dictionary-mode table / hash part */
#define PS_DEOPT     (1 << 5)     /* a JIT guard failed here: compile the site without speculation */
#define PS_ENTRY     (1 << 6)     /* a JIT entry check failed at this block: assume no slot tags there */
#define PS_WIDEN     (1 << 7)     /* a JIT guard failed here once: re-profiled before PS_DEOPT */

typedef struct ProfSite {
  uint16_t t1, t2;        /* tagbit() sets: first and second operand (GET*: the result in t2) */
  uint8_t flags;          /* PS_* */
  uint8_t nseen;          /* used entries of seen[] */
  uint16_t slot;          /* field sites: slot of seen[0]'s key */
  uint32_t count;         /* executions (call sites, conditionals; others may leave it 0) */
  uint16_t slot1;         /* field sites: slot of seen[1]'s key (bimorphic inline cache) */
  uint16_t hint;          /* field sites: slot of the key in the __index table that answered last (checked before use) */
  void *seen[2];          /* Shape* at field sites; Proto* or CClosure* at call sites */
} ProfSite;

typedef struct ProfFn {
  struct ProfFn *next, *prev;   /* all live profiles, for --stats and the snapshot writer */
  Proto *proto;
  uint64_t calls;         /* entries (calls, and OSR entries from loops) */
  uint64_t backedges;     /* loop iterations */
  uint64_t lastchange;    /* `calls` when a site record last changed: the stability point */
  uint32_t deopts;        /* (JIT) deoptimizations, by site in the JIT's own records */
  uint32_t nsites;        /* == proto->ncode */
  uint64_t lastevent;     /* calls + backedges when a site record last changed */
  uint16_t stable;        /* 1: the window is closed, the interpreter stops recording types */
  uint16_t snapwait;      /* 1: its snapshot code is still streaming in (snap_code_pending) */
  uint16_t jitversions;   /* (JIT) compiled versions so far */
  uint16_t nojit;         /* (JIT) 1: not compilable, or recompiled too often */
  ProfSite site[];
} ProfFn;

/* Process-wide profiling state, embedded in Global (all zero at start). */
typedef struct ProfState {
  ProfFn *fns;            /* list of live profiles, newest first */
  uint64_t nprotos;       /* protos ever profiled */
  uint64_t nfreed;
} ProfState;

/* Function id: a 64-bit hash of the chunk name and the function's bytecode, constants (by
 * value, strings by content), upvalue descriptors and nested functions' ids; not line numbers. */
J_HIDDEN uint64_t prof_fid(const Proto *p, uint64_t srchash);
J_HIDDEN uint64_t prof_srchash(const Proto *p);     /* the chunk-name part of prof_fid */
/* Attach a fresh ProfFn to p (after the compiler filled p) and compute p->fid, recursively. */
J_HIDDEN void prof_attach(State *L, Proto *p);
J_HIDDEN void prof_free(State *L, Proto *p);
J_HIDDEN void prof_mark(State *L, Proto *p);    /* gc: mark the shapes and callees it holds */
/* Slow paths of the hooks below. */
J_HIDDEN void prof_newtype(ProfFn *f, ProfSite *s, int which, int tag);
J_HIDDEN void prof_newseen(State *L, ProfFn *f, ProfSite *s, void *obj, uint32_t slot);
J_HIDDEN void prof_report(State *L, FILE *out);   /* --stats and -j dump */

/* Events (calls + back-edges) without a record change after which a function is stable:
 * large enough that a loop's first iterations of every path are seen, small next to a hot run. */
#ifndef PROF_STABLE_EVENTS
#define PROF_STABLE_EVENTS 2000
#endif

#ifndef JOLT_PROFILE
#define JOLT_PROFILE 1            /* build knob: 0 builds the interpreter without profiling */
#endif

#if JOLT_PROFILE
/* Record the tag of TValue *v as operand `which` (1 or 2) of site s of function f. */
#define PROF_TYPE(f, s, which, v) do { uint16_t b_ = tagbit(tt(v)); \
    uint16_t *m_ = (which) == 1 ? &(s)->t1 : &(s)->t2; \
    if (unlikely(!(*m_ & b_))) prof_newtype(f, s, which, tt(v)); } while (0)
/* Record a shape (field sites) or a callee (call sites); slot is the field's slot or 0. */
#define PROF_SEEN(L, f, s, obj, slotv) do { void *o_ = (void *)(obj); \
    if (unlikely((s)->seen[0] != o_ && (s)->seen[1] != o_)) prof_newseen(L, f, s, o_, slotv); } while (0)
#define PROF_BRANCH(s, taken) ((s)->flags |= (taken) ? PS_TAKEN : PS_NOTTAKEN, (s)->count++)
#define PROF_CALL(f)  ((f)->calls++)
#define PROF_LOOP(f)  ((f)->backedges++)
#define PROF_FLAG(s, fl) ((s)->flags |= (fl))
#else
#define PROF_TYPE(f, s, which, v) ((void)0)
#define PROF_SEEN(L, f, s, obj, slotv) ((void)0)
#define PROF_BRANCH(s, taken) ((void)0)
#define PROF_CALL(f)  ((void)0)
#define PROF_LOOP(f)  ((void)0)
#define PROF_FLAG(s, fl) ((void)0)
#endif

#endif

/* jit.h: the JIT as the interpreter sees it: tier-up, entering compiled code, exits.
 *
 * jolt compiles a whole function (a method JIT) from its bytecode and its profile. Compiled
 * code works on the interpreter's own frame: the Lua stack slots base[0..maxstack-1] are the
 * home of every bytecode register, and compiled code keeps values unboxed in machine
 * registers only between the points where it must hand the frame back. So an exit is cheap
 * and always possible (DESIGN.md decision 6): the exit stub stores the values not yet written
 * back into their slots and returns an exit number; the interpreter continues at that exit's
 * pc with exactly the frame it would have had.
 *
 * Exits come in two kinds:
 * - deopt: a guard failed (a type, a shape, a bound, a cold branch); the interpreter resumes
 *   at the instruction whose speculation failed and keeps interpreting; the exit is counted,
 *   and a function whose guards keep failing is recompiled with the failing sites widened.
 * - step: the instruction at the exit's pc is one the compiled code leaves to the interpreter
 *   (calls, returns, allocation, metamethods, ...). The interpreter runs exactly that
 *   instruction and re-enters compiled code at the next one through its entry.
 *
 * Native steps: most steps do not even leave: compiled code calls jit_h_step, which runs the
 * instruction through the interpreter (vm_step) and comes back, unless the C stack is too
 * deep for one more nesting (then it is a real step exit) or a hook got set (then compiled
 * code leaves, JX_RESUME). A call of a compiled Lua function goes straight from machine code
 * to machine code; its return (jit_h_return) pops the frame and comes back as
 * JIT_EXIT_RETURNED.
 *
 * Entries: compiled code can be entered at the start of the function, at every loop header
 * (on-stack replacement) and after every step instruction. Each entry first checks the tags
 * of the slots its code assumes; a mismatch is a deopt exit before any work is done.
 *
 * Invariants:
 * - Compiled code's own instructions never allocate, never raise an error and never run Lua
 *   code: anything that could is a step, and a step (native or not) ends a block, so every
 *   value is in its slot whenever the GC may run or the stack may move; after a native step
 *   the code reloads base.
 * - Code and everything it needs to run lives in the code region (jit_mem.h) and reaches heap
 *   constants (shapes) through its slot table only; metadata (exits, entries) is plain data
 *   of pcs and offsets. A JitFn is never freed while the process lives if its code ran.
 */
#ifndef JOLT_JIT_H
#define JOLT_JIT_H

#include <stdio.h>
#include "obj.h"

typedef struct State State;

enum { JX_DEOPT, JX_STEP, JX_RESUME, JX_RETURNED };
/* JX_RESUME: go on at ci->savedpc (a native step ran and turned hooks on). JX_RETURNED: the
 * compiled function returned (jit_h_return popped its frame): the caller goes on. */
#define JIT_EXIT_RETURNED 0xffffffffu   /* the exit number compiled code gives for a return */

/* Why a deopt exit was taken (for --stats and the deopt history). */
#define JIT_REASONS(X) \
  X(TYPE, "type guard") X(SHAPE, "shape guard") X(BOUNDS, "array bound") \
  X(BRANCH, "cold branch") X(COLD, "cold code") X(ENTRY, "entry check") \
  X(META, "metatable or nil") X(BARRIER, "gc barrier") X(STRESS, "stress") \
  X(DIVZERO, "division by zero") X(FOR, "loop type")
enum {
#define X(n, s) JR_##n,
  JIT_REASONS(X)
#undef X
  JR__N
};

typedef struct JitExit {
  uint32_t pc;            /* bytecode index to resume at */
  uint8_t kind;           /* JX_* */
  uint8_t reason;         /* JR_* (deopt exits) */
  uint16_t site;          /* pc of the speculation that failed (deopt history) */
  uint32_t count;         /* times taken */
} JitExit;

typedef uint32_t (*JitCodeFn)(TValue *base, const void *target, State *L);

typedef struct JitFn {
  Proto *proto;
  uint8_t *code;          /* executable; offset 0 is the shared prologue (JitCodeFn) */
  uint32_t codesize;
  uint32_t nexits;
  JitExit *exits;
  uint32_t *entry;        /* per pc: offset of its entry check + 1, or 0 (proto->ncode) */
  uint32_t nconst;
  GCObj **consts;         /* heap objects in the slot table (shapes), marked by the GC */
  uint32_t deopts;        /* deopt exits taken */
  uint32_t nbc;           /* bytecodes compiled */
  uint32_t nentries;      /* times entered */
  uint64_t profstamp;     /* the profile's lastevent when compiled (stress: recompile when it moved) */
  int dead;               /* 1: retired (too many deopts); proto->jit no longer points here */
  struct JitFn *next;     /* all JitFns, for --stats and freeing at close */
} JitFn;

/* Settings (-j options) and counters, process-wide. */
typedef struct JitState {
  int on;                 /* -j on (default) / -j off */
  int stress;             /* -j stress: compile at first call, fail every stress-th guard */
  int dump;               /* -j dump: IR and disassembly of each compiled function */
  int perf;               /* -j perf: /tmp/perf-PID.map */
  int verbose;
  uint32_t hotcalls, hotloops;   /* tier-up thresholds: calls / loop iterations */
  uint32_t stressn;       /* stress: every n-th guard fails */
  uint32_t maxdeopts;     /* deopts of one compiled version before it is retired */
  uint32_t maxrecompiles; /* versions of one function before the JIT gives up on it */
  /* counters */
  uint64_t ncompiled, nfailed, nbc, codebytes, nretired, nsteps, nentries, nnative;
  uint64_t nloaded, loadedbytes;   /* code installed from a snapshot (jit_install) */
  uint64_t deopts[JR__N];
  double compile_ns;
  JitFn *all;
  struct JitMem *mem;
  uint32_t stresscount;   /* stress: the countdown compiled guards decrement */
} JitState;

extern JitState jit_state;

/* Parse one -j argument ("on", "off", "stress", "dump", "perf", "hot=N", "hotloop=N",
 * "stressn=N", comma-separated); 0 and a message on a bad one. */
int jit_option(const char *arg, char *err, size_t errlen);
void jit_close(void);
/* A forked worker: code placed before the fork stays shared, new code goes elsewhere. */
void jit_after_fork(void);
void jit_report(FILE *out);                     /* --stats */

/* Tier-up: compile p (from its profile) now. Sets p->jit or marks p as not compilable. */
J_HIDDEN void jit_compile(State *L, Proto *p);
/* Install code that another process compiled for p (a snapshot's, already validated): its
 * slot-table constants bound to this process's objects, exits, entries (per pc offset+1, ncode+1
 * of them). Takes ownership of consts, exits and entry on success (0); -1 and why otherwise. */
J_HIDDEN int jit_install(State *L, Proto *p, const uint8_t *code, uint32_t size, GCObj **consts,
                         uint32_t nconst, JitExit *exits, uint32_t nexits, uint32_t *entry,
                         uint32_t nbc, char *why, size_t nwhy);
/* Recompile p from its profile if the profile changed since p's code was compiled (a seeder
 * ships code of the whole profile, not of the first 200 calls); keeps the old code if the new
 * version cannot be made. */
J_HIDDEN void jit_refresh(State *L, Proto *p);
/* Whether p is due for compilation (hot, not given up). */
J_HIDDEN int jit_due(Proto *p, int loop);
/* Run compiled code of p from pc (an entry of p->jit); returns the exit taken. */
J_HIDDEN const JitExit *jit_enter(State *L, JitFn *j, TValue *base, uint32_t pc);
/* Called by compiled code: run the instruction at pc of the running frame; 0 done, 1 refused
 * (C stack too deep: take the step exit), 2 done but hooks are on (leave, JX_RESUME). */
J_HIDDEN int jit_h_step(State *L, uint32_t pc);
/* Called by compiled code for RETURN0/RETURN1: results r[0..nret-1] to the caller, frame
 * popped (L->top = results end, L->ci = the caller) as the interpreter's return does. */
J_HIDDEN void jit_h_return(State *L, TValue *r, int nret);
/* Called by compiled code whose direct call of compiled callee cj came back with exit x
 * other than a return: the interpreter finishes the callee. 0 done, 2 hooks are on. */
J_HIDDEN int jit_h_callexit(State *L, JitFn *cj, uint32_t x);
J_HIDDEN void jit_mark(State *L, Proto *p);
/* lib_math.c: which math function f is, for calls compiled inline: JIT_INTR_*, or 0. */
enum { JIT_INTR_SQRT = 1, JIT_INTR_ABS = 2 };
J_HIDDEN int lib_math_intrinsic(CFunction f);     /* gc: the heap constants of p's code */
J_HIDDEN void jit_free(State *L, Proto *p);     /* proto freed: retire its code */

#endif

/* state.h: threads (State), call frames (CallInfo) and the process-wide Global.
 *
 * Invariants:
 * - A thread's value stack is one TValue array that grows by reallocation (call.c), so code
 *   that keeps a pointer into it across anything that may call Lua or allocate stack must keep
 *   an offset instead (savestack/restorestack) and re-derive the pointer.
 * - Each coroutine runs on its own C stack (co.c), so a yield may come from anywhere (inside
 *   pcall, a metamethod, a C function) and compiled code needs no unwinding to yield.
 * - Every error is a longjmp to the innermost protected call of the running thread (call.c).
 */
#ifndef JOLT_STATE_H
#define JOLT_STATE_H

#include <setjmp.h>
#include "obj.h"
#include "str.h"
#include "gc.h"
#include "prof.h"

/* Thread / call status codes. */
enum { ST_OK = 0, ST_YIELD, ST_ERRRUN, ST_ERRSYNTAX, ST_ERRMEM, ST_ERRERR, ST_ERRFILE };

#define STACK_EXTRA   5          /* slots kept free above every frame's top */
#define STACK_MAX     1000000    /* "stack overflow" past this many slots */
#define MAX_CCALLS    200        /* C recursion depth ("C stack overflow") */
#define MULTRET       (-1)

/* CallInfo.status bits. */
#define CIST_LUA    (1 << 0)     /* a Lua function's frame */
#define CIST_FRESH  (1 << 1)     /* the first Lua frame of a vm_execute invocation */
#define CIST_TAIL   (1 << 2)     /* entered through a tail call */
#define CIST_HOOKED (1 << 3)     /* running a debug hook */
#define CIST_FIN    (1 << 4)     /* running a finalizer */
#define CIST_CLSRET (1 << 5)     /* closing tbc variables while returning */

typedef struct CallInfo {
  TValue *func;                  /* the function; its arguments start at func + 1 */
  TValue *top;                   /* top for this frame (Lua: func + 1 + maxstack) */
  struct CallInfo *prev, *next;  /* doubly linked, entries reused */
  const Instr *savedpc;          /* Lua frames: next instruction to run */
  int nresults;                  /* results wanted by the caller (MULTRET = all) */
  int nextra;                    /* vararg Lua frames: extra arguments below func */
  uint16_t status;               /* CIST_* */
} CallInfo;

/* An error recovery point (call.c). */
typedef struct ErrJmp {
  struct ErrJmp *prev;
  jmp_buf b;
  volatile int status;
  ptrdiff_t errfunc;             /* message handler (savestack offset) or 0 (call.c) */
} ErrJmp;

typedef void (*Hook)(State *L, int event, int line);

struct State {
  GCHEADER;
  uint8_t status;                /* ST_OK, ST_YIELD, or the error that killed a coroutine */
  uint8_t allowhook;
  TValue *top;                   /* first free slot */
  TValue *stack;                 /* stack base */
  TValue *stack_last;            /* stack + size - STACK_EXTRA */
  int stacksize;
  CallInfo *ci;                  /* running frame */
  CallInfo base_ci;              /* frame of the C host (bottom of the list) */
  UpVal *openupval;              /* open upvalues of this stack, highest level first */
  TValue *tbclist;               /* innermost to-be-closed variable (chained by offset) */
  struct Global *g;
  ErrJmp *errjmp;
  int nCcalls;                   /* nested C calls (and non-yieldable count, co.c) */
  GCObj *gclist;
  struct CoCtx *co;              /* co.c: C stack and saved context; NULL for the main thread */
  State *resumer;                /* thread that resumed this one (co.c) */
  /* debug hooks (lib_debug.c / call.c) */
  Hook hook;
  int hookmask, basehookcount, hookcount;
  char *jitclimit;               /* JIT: compiled code calls no deeper than this C stack address */
  TValue hookfn;
};

/* Process-wide state. Each owning module keeps its part in its own struct. */
typedef struct Global {
  StrTable strt;                 /* str.c */
  GCState gc;                    /* gc.c */
  TValue registry;               /* table: [1] main thread, [2] globals, named metatables */
  Table *mt[BT__N];              /* metatables of basic types (strings have one) */
  Str *tmname[TM__N];            /* "__index", ... (fixed, never collected) */
  Str *memerrmsg;                /* "not enough memory" (fixed) */
  struct Shape *rootshape;       /* shape.c: the empty shape */
  void *shapes;                  /* shape.c: transition table */
  State *mainthread;
  uint32_t seed;                 /* string hash seed */
  TValue nilvalue;               /* returned for absent keys */
  CFunction warnf;               /* warn() handler state lives in lib_base.c */
  int warnon;
  ProfState prof;                /* prof.c: live profiles and --stats counters (zeroed at start) */
  void *snap;                    /* snap_bind.c: the snapshot this process started from, or NULL */
} Global;

#define G(L) ((L)->g)
#define REGISTRY_MAINTHREAD 1
#define REGISTRY_GLOBALS    2

#define savestack(L, p)    ((char *)(p) - (char *)(L)->stack)
#define restorestack(L, n) ((TValue *)((char *)(L)->stack + (n)))

/* Create and close a whole runtime (state.c). NULL if memory is lacking. */
State *state_new(void);
void state_close(State *L);
/* Thread objects (state.c): a new coroutine state sharing L's Global. */
J_HIDDEN State *state_newthread(State *L);
J_HIDDEN void state_freethread(State *L, State *L1);

#endif

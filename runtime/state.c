/* state.c: creating and freeing a runtime (Global + main thread) and thread objects.
 *
 * A thread's stack starts with STATE_STACK0 slots; slot 0 holds the base frame's (absent)
 * function, so a host's first pushed value is at index 1. stacksize counts all slots,
 * stack_last = stack + stacksize - STACK_EXTRA (call.c grows it).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "state.h"
#include "gc.h"
#include "api.h"
#include "call.h"
#include "co.h"
#include "func.h"
#include "tab.h"
#include "vm.h"
#include "snap_rt.h"
#include "probe.h"

#define STATE_STACK0 (2 * API_MINSTACK + STACK_EXTRA)

/* The main thread and the Global are one allocation, freed together by state_close. */
typedef struct MainState {
  State l;
  Global g;
} MainState;

static void stack_init(State *L1, State *L)
{
  L1->stack = gc_newvec(L, STATE_STACK0, TValue);
  L1->stacksize = STATE_STACK0;
  for (int i = 0; i < STATE_STACK0; i++)
    setnil(&L1->stack[i]);
  L1->stack_last = L1->stack + STATE_STACK0 - STACK_EXTRA;
  L1->top = L1->stack + 1;
  CallInfo *ci = &L1->base_ci;
  ci->func = L1->stack;
  ci->top = L1->top + API_MINSTACK;
  ci->prev = ci->next = NULL;
  ci->savedpc = NULL;
  ci->nresults = 0;
  ci->nextra = 0;
  ci->status = 0;
  L1->ci = ci;
}

/* Fields common to every thread; the object header is set by the caller. */
static void thread_preinit(State *L1, Global *g)
{
  L1->g = g;
  L1->status = ST_OK;
  L1->allowhook = 1;
  L1->stack = NULL;
  L1->stacksize = 0;
  L1->openupval = NULL;
  L1->tbclist = NULL;
  L1->errjmp = NULL;
  L1->nCcalls = 0;
  L1->gclist = NULL;
  L1->co = NULL;
  L1->resumer = NULL;
  L1->hook = NULL;
  L1->jitclimit = NULL;   /* found when compiled code first runs on this thread */
  L1->hookmask = L1->basehookcount = L1->hookcount = 0;
  setnil(&L1->hookfn);
}

/* Hash seed: varies per run (address space layout and time) like lua5.4's. */
static uint32_t make_seed(void *p)
{
  uint64_t x = (uint64_t)(uintptr_t)p ^ (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)&make_seed << 7);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

/* Everything that allocates, run protected so a memory error during start-up is reported. */
static void state_init(State *L, void *ud)
{
  Global *g = G(L);
  (void)ud;
  stack_init(L, L);
  str_init(L);
  meta_init(L);
  shape_init(L);
  Table *reg = tab_new(L, 2, 0);
  settab(&g->registry, reg);
  TValue v;
  setthread(&v, L);
  tab_setint(L, reg, REGISTRY_MAINTHREAD, &v);
  settab(&v, tab_new(L, 0, 0));
  tab_setint(L, reg, REGISTRY_GLOBALS, &v);
}

State *state_new(void)
{
  MainState *m = calloc(1, sizeof(MainState));
  if (!m)
    return NULL;
  State *L = &m->l;
  Global *g = &m->g;
  L->tt = TAG_THREAD;
  L->marked = GC_FIXED;
  L->gcnext = NULL;
  thread_preinit(L, g);
  g->mainthread = L;
  g->seed = make_seed(m);
  setnil(&g->nilvalue);
  setnil(&g->registry);
  g->warnon = 0;
  gc_init(L);
  if (call_rawrunprotected(L, state_init, NULL) != ST_OK) {
    state_close(L);
    return NULL;
  }
  JOLT_PROBE_START();
  return L;
}

/* Pending to-be-closed variables of the main thread run before the finalizers (errors in
 * them are ignored, as there is nobody left to report to). */
static void close_main(State *L, void *ud)
{
  (void)ud;
  call_close(L, L->stack + 1, ST_OK);
}

void state_close(State *L)
{
  L = G(L)->mainthread;
  gc_flushsteps(L);
  JOLT_PROBE_EXIT();
  L->ci = &L->base_ci;
  if (L->stack)
    call_rawrunprotected(L, close_main, NULL);
  gc_freeall(L);
  snap_release(L);
  str_freeall(L);
  call_freecis(L);
  if (L->stack)
    gc_freevec(L, L->stack, L->stacksize, TValue);
  free((MainState *)L);
}

State *state_newthread(State *L)
{
  State *L1 = (State *)gc_newobj(L, TAG_THREAD, sizeof(State));
  thread_preinit(L1, G(L));
  setnil(&L1->hookfn);
  stack_init(L1, L);
  L1->hook = L->hook;
  L1->hookmask = L->hookmask;
  L1->basehookcount = L->basehookcount;
  L1->hookcount = L1->basehookcount;
  setobj(&L1->hookfn, &L->hookfn);
  return L1;
}

void state_freethread(State *L, State *L1)
{
  if (L1->stack)
    func_closeupvals(L1, L1->stack);
  co_free(L, L1);
  L1->ci = &L1->base_ci;
  call_freecis(L1);
  if (L1->stack)
    gc_freevec(L, L1->stack, L1->stacksize, TValue);
  gc_free(L, L1, sizeof(State));
}

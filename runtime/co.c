/* co.c: coroutines on separate C stacks, switched by a few lines of x86-64 assembly.
 *
 * A coroutine gets a C stack (CO_STACKSIZE bytes of address space, committed by the kernel
 * page by page as it is touched, with a PROT_NONE guard page below it) on its first resume.
 * The body runs there inside call_rawrunprotected, so an error ends in the coroutine's own
 * protected call and never longjmps across stacks. Resume saves the resumer's registers and
 * switches to the coroutine; yield and the end of the body switch back. Finished coroutines
 * give their stack back at once to a small pool that later coroutines reuse.
 *
 * Control-flow enforcement: the switch returns into another stack with `ret`, which a CET
 * shadow stack would refuse. Nothing here opts into shadow stacks (the binary carries no
 * SHSTK property from this file), so the kernel never enables them for jolt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <unistd.h>
#include "co.h"
#include "api.h"
#include "call.h"
#include "func.h"

/* AddressSanitizer must be told about stack switches, or it sees stale redzones on reused
 * stacks; these hooks compile to nothing in normal builds. */
#if defined(__SANITIZE_ADDRESS__)
#define CO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CO_ASAN 1
#endif
#endif
#ifdef CO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define asan_start(fake, bottom, size) __sanitizer_start_switch_fiber(fake, bottom, size)
#define asan_finish(fake, bottom, size) __sanitizer_finish_switch_fiber(fake, bottom, size)
#define asan_unpoison(p, size) ASAN_UNPOISON_MEMORY_REGION(p, size)
#else
#define asan_start(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#define asan_finish(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#define asan_unpoison(p, size) ((void)(p), (void)(size))
#endif

#define CO_STACKSIZE (1024 * 1024)   /* address space per coroutine; only touched pages count */
#define CO_GUARD     4096
#define CO_POOLMAX   256     /* spare stacks kept: GC frees suspended coroutines in bursts */

typedef struct CoCtx {
  void *sp;          /* the coroutine's saved stack pointer while it is not running */
  void *resumer_sp;  /* the resumer's saved stack pointer while the coroutine runs */
  char *mem;         /* mapping: guard page, then the stack */
  int running;       /* 1 while the coroutine's C stack is the current one */
  int finished;      /* the body returned or raised an error: the stack is free to reuse */
  int status;        /* how it finished */
  int nargs;         /* values passed by resume (to the body or to yield) */
  int nyield;        /* values passed by yield */
  /* AddressSanitizer bookkeeping: the resumer's stack and both sides' fake stacks */
  const void *rbottom;
  size_t rsize;
  void *fake_resumer, *fake_co;
} CoCtx;

/* co_switch(save, to): push the callee-saved registers, store rsp in *save, load rsp = to,
 * pop the registers saved there and return into that context. The SysV ABI lets everything
 * else be clobbered by a call, and the MXCSR/x87 control words are left as they are (jolt
 * never changes them). */
void co_switch(void **save, void *to) __asm__("jolt_co_switch");
/* First code run on a new stack: co_switch "returns" here with r12 = State*, r13 = entry. */
void co_trampoline(void) __asm__("jolt_co_trampoline");

__asm__(
  ".text\n"
  ".p2align 4\n"
  ".globl jolt_co_switch\n"
  ".hidden jolt_co_switch\n"
  ".type jolt_co_switch, @function\n"
  "jolt_co_switch:\n"
  "  pushq %rbp\n"
  "  pushq %rbx\n"
  "  pushq %r12\n"
  "  pushq %r13\n"
  "  pushq %r14\n"
  "  pushq %r15\n"
  "  movq %rsp, (%rdi)\n"
  "  movq %rsi, %rsp\n"
  "  popq %r15\n"
  "  popq %r14\n"
  "  popq %r13\n"
  "  popq %r12\n"
  "  popq %rbx\n"
  "  popq %rbp\n"
  "  ret\n"
  ".size jolt_co_switch, .-jolt_co_switch\n"
  ".p2align 4\n"
  ".globl jolt_co_trampoline\n"
  ".hidden jolt_co_trampoline\n"
  ".type jolt_co_trampoline, @function\n"
  "jolt_co_trampoline:\n"
  "  movq %r12, %rdi\n"
  "  callq *%r13\n"
  "  ud2\n"
  ".size jolt_co_trampoline, .-jolt_co_trampoline\n");

/* Spare stacks; jolt runs one runtime per thread of control, so a plain array suffices. */
static char *pool[CO_POOLMAX];
static int npool;

static char *stack_get(void)
{
  if (npool > 0) {
    char *m = pool[--npool];
    asan_unpoison(m + CO_GUARD, CO_STACKSIZE - CO_GUARD);   /* redzones of abandoned frames */
    return m;
  }
  char *m = mmap(NULL, CO_STACKSIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return NULL;
  mprotect(m, CO_GUARD, PROT_NONE);   /* an overflow faults instead of corrupting memory */
  return m;
}

static void stack_put(char *m)
{
  char here;
  if (&here >= m && &here < m + CO_STACKSIZE)
    return;   /* the runtime is being closed from this very stack (os.exit(c, true)) */
  if (npool < CO_POOLMAX)
    pool[npool++] = m;
  else
    munmap(m, CO_STACKSIZE);
}

static void co_body(State *L, void *ud)
{
  int nargs = *(int *)ud;
  call_call(L, L->top - (nargs + 1), MULTRET);
}

/* Runs on the coroutine's stack; never returns (its stack is abandoned once it switches back). */
static void co_main(State *L)
{
  CoCtx *c = L->co;
  asan_finish(NULL, &c->rbottom, &c->rsize);
  c->status = call_rawrunprotected(L, co_body, &c->nargs);
  c->finished = 1;
  c->running = 0;
  asan_start(NULL, c->rbottom, c->rsize);   /* NULL: this stack's frames are abandoned */
  co_switch(&c->sp, c->resumer_sp);
  abort();
}

/* Give a thread's context and stack back (not while running on that stack). */
static void ctx_release(State *co)
{
  CoCtx *c = co->co;
  if (!c)
    return;
  if (c->mem)
    stack_put(c->mem);
  free(c);
  co->co = NULL;
}

static CoCtx *ctx_new(State *co)
{
  CoCtx *c = calloc(1, sizeof(CoCtx));
  if (!c)
    return NULL;
  c->mem = stack_get();
  if (!c->mem) {
    free(c);
    return NULL;
  }
  /* Initial frame popped by co_switch: r15 r14 r13 r12 rbx rbp, then the return address.
   * After `ret` rsp is 16-byte aligned, as the trampoline's call requires. */
  uintptr_t top = ((uintptr_t)c->mem + CO_STACKSIZE) & ~(uintptr_t)15;
  void **sp = (void **)(top - 72);
  sp[0] = NULL;                          /* r15 */
  sp[1] = NULL;                          /* r14 */
  sp[2] = (void *)co_main;               /* r13: entry */
  sp[3] = co;                            /* r12: its argument */
  sp[4] = NULL;                          /* rbx */
  sp[5] = NULL;                          /* rbp */
  sp[6] = (void *)co_trampoline;         /* return address */
  c->sp = sp;
  co->co = c;
  return c;
}

static int resume_error(State *co, const char *msg, int nargs)
{
  co->top -= nargs;
  api_pushstring(co, msg);
  return ST_ERRRUN;
}

int co_resume(State *co, State *from, int nargs, int *nres)
{
  *nres = 0;
  if (co->status == ST_OK) {
    if (co->ci != &co->base_ci)
      return resume_error(co, "cannot resume non-suspended coroutine", nargs);
    if (co->top - (co->ci->func + 1) == nargs)   /* no function left: it finished */
      return resume_error(co, "cannot resume dead coroutine", nargs);
  } else if (co->status != ST_YIELD) {
    return resume_error(co, "cannot resume dead coroutine", nargs);
  }
  if (from && (from->nCcalls & 0xffff) >= MAX_CCALLS)
    return resume_error(co, "C stack overflow", nargs);
  CoCtx *c = co->co;
  if (!c) {
    c = ctx_new(co);
    if (!c)
      return resume_error(co, "not enough memory", nargs);
    /* nested first resumes add up, so endless coroutine recursion meets the C-call limit;
     * afterwards the count stays the coroutine's own, consistent with its C frames */
    co->nCcalls = from ? (from->nCcalls & 0xffff) : 0;
  }
  co->resumer = from;
  co->status = ST_OK;
  c->nargs = nargs;
  c->running = 1;
  asan_start(&c->fake_resumer, c->mem + CO_GUARD, CO_STACKSIZE - CO_GUARD);
  co_switch(&c->resumer_sp, c->sp);
  asan_finish(c->fake_resumer, NULL, NULL);
  co->resumer = NULL;
  if (!c->finished) {
    co->status = ST_YIELD;
    *nres = c->nyield;
    return ST_YIELD;
  }
  int status = c->status;
  ctx_release(co);
  if (status == ST_OK) {
    co->ci = &co->base_ci;
    *nres = (int)(co->top - (co->base_ci.func + 1));
  } else {
    co->status = (uint8_t)status;   /* dead; frames stay for debug.traceback(co) */
    /* a second copy of the error object stays behind for co_close (as lua5.4 keeps one) */
    setobj(co->top, co->top - 1);
    co->top++;
    *nres = 1;
  }
  return status;
}

/* A finalizer runs in the middle of a collector step: suspending it would leave the collector
 * stopped, so (as in lua5.4) it cannot yield. */
static int infinalizer(State *L)
{
  for (CallInfo *ci = L->ci; ci; ci = ci->prev)
    if (ci->status & CIST_FIN)
      return 1;
  return 0;
}

int co_isyieldable(State *L)
{
  return L->co && L->co->running && !infinalizer(L);
}

int co_yield(State *L, int nres)
{
  CoCtx *c = L->co;
  if (!c || !c->running || infinalizer(L)) {
    if (L == G(L)->mainthread)
      api_pushstring(L, "attempt to yield from outside a coroutine");
    else
      api_pushstring(L, "attempt to yield across a C-call boundary");
    api_error(L);
  }
  c->nyield = nres;
  c->running = 0;
  asan_start(&c->fake_co, c->rbottom, c->rsize);
  co_switch(&c->sp, c->resumer_sp);
  asan_finish(c->fake_co, &c->rbottom, &c->rsize);
  return c->nargs;
}

struct CloseArgs { int status; };

static void f_close(State *L, void *ud)
{
  call_close(L, L->stack + 1, ((struct CloseArgs *)ud)->status);
}

int co_close(State *co, State *from)
{
  int status = co->status;
  if (status == ST_YIELD)
    status = ST_OK;
  /* The suspended C frames are dropped: __close handlers run on the caller's C stack. */
  ctx_release(co);
  co->ci = &co->base_ci;
  co->errjmp = NULL;
  co->allowhook = 1;   /* it may have been suspended inside a hook */
  co->status = ST_OK;
  co->nCcalls = from ? (from->nCcalls & 0xffff) : 0;
  for (;;) {   /* an error in a __close handler replaces the error object, closing goes on */
    struct CloseArgs a = { status };
    int st = call_rawrunprotected(co, f_close, &a);
    co->ci = &co->base_ci;
    if (st == ST_OK)
      break;
    status = st;
  }
  if (status != ST_OK) {
    TValue err = co->top[-1];
    setobj(co->stack + 1, &err);
    co->top = co->stack + 2;
  } else {
    co->top = co->stack + 1;
  }
  co->base_ci.top = co->top + API_MINSTACK;
  return status;
}

void co_free(State *L, State *co)
{
  (void)L;
  ctx_release(co);
}

/* -- C stack room ----------------------------------------------------------------------------- */

/* Below this address the running C stack of L has less than CO_ROOM bytes left: compiled code
 * stops nesting its calls there and leaves them to the interpreter. */
#define CO_ROOM (256 * 1024)

char *co_stacklimit(State *L)
{
  static char *mainlimit;
  if (L->co != NULL)
    return L->co->mem + CO_GUARD + CO_ROOM;
  if (mainlimit == NULL) {
    pthread_attr_t a;
    void *lo = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
      pthread_attr_getstack(&a, &lo, &size);
      pthread_attr_destroy(&a);
    }
    /* Unknown bounds: assume 8 MiB below this frame, the usual limit. */
    mainlimit = lo ? (char *)lo + 2 * CO_ROOM
                   : (char *)__builtin_frame_address(0) - (8u << 20) + 2 * CO_ROOM;
  }
  return mainlimit;
}

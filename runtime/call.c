/* call.c: the value stack, call frames, calls and returns, errors and tracebacks.
 *
 * Invariants:
 * - L->stack holds L->stacksize slots; L->stack_last = stack + stacksize - STACK_EXTRA. Slots
 *   above L->top may hold stale values; new slots are nil.
 * - A vararg Lua frame keeps its extra arguments below ci->func (ci->nextra of them, under the
 *   original function slot and fixed parameters); returning moves ci->func back down first.
 * - To-be-closed variables form a list through the stack: L->tbclist is the innermost one and
 *   each keeps the distance (in slots) to the previous one in its TValue's padding bytes, which
 *   no store to the (constant) variable ever touches.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "call.h"
#include "func.h"
#include "vm.h"
#include "api.h"
#include "tab.h"
#include "str.h"
#include "bc.h"

#define ERRORSTACK   200          /* extra slots granted to report a stack overflow */
#define CCALLS(L)    ((L)->nCcalls & 0xffff)
#define TRACE_LEVELS1 10           /* traceback: first levels shown of a long stack */
#define TRACE_LEVELS2 11           /* and last levels */

/* -- The stack -------------------------------------------------------------------------- */

static void reallocstack(State *L, int newsize)
{
  TValue *old = L->stack;
  int oldsize = L->stacksize;
  TValue *ns = gc_resizevec(L, old, oldsize, newsize, TValue);
  uintptr_t delta = (uintptr_t)ns - (uintptr_t)old;
#define FIX(p) ((p) = (TValue *)((uintptr_t)(p) + delta))
  for (int i = oldsize; i < newsize; i++)
    setnil(&ns[i]);
  FIX(L->top);
  if (L->tbclist)
    FIX(L->tbclist);
  for (UpVal *uv = L->openupval; uv; uv = uv->u.open.next)
    FIX(uv->v);
  for (CallInfo *ci = L->ci; ci; ci = ci->prev) {
    FIX(ci->func);
    FIX(ci->top);
  }
#undef FIX
  L->stack = ns;
  L->stacksize = newsize;
  L->stack_last = ns + newsize - STACK_EXTRA;
}

void call_growstack(State *L, int n)
{
  int size = L->stacksize - STACK_EXTRA;   /* usable slots */
  if (unlikely(size > STACK_MAX))
    call_throw(L, ST_ERRERR);   /* overflow while handling an overflow */
  int needed = (int)(L->top - L->stack) + n;
  if (needed <= STACK_MAX) {
    int newsize = 2 * size;
    if (newsize > STACK_MAX)
      newsize = STACK_MAX;
    if (newsize < needed)
      newsize = needed;
    reallocstack(L, newsize + STACK_EXTRA);
    return;
  }
  reallocstack(L, STACK_MAX + ERRORSTACK + STACK_EXTRA);
  call_runerror(L, "stack overflow");
}

/* After an error, give back the room a deep recursion took, so a later overflow is reported
 * as "stack overflow" again rather than as an error in error handling. */
static void shrinkstack(State *L)
{
  TValue *lim = L->top;
  for (CallInfo *ci = L->ci; ci; ci = ci->prev)
    if (lim < ci->top)
      lim = ci->top;
  int inuse = (int)(lim - L->stack) + 1;
  int goal = inuse + inuse / 2 + STACK_EXTRA + API_MINSTACK;
  if (goal > STACK_MAX)
    goal = STACK_MAX;
  if (inuse <= STACK_MAX && L->stacksize > goal && L->stacksize > 2 * goal)
    reallocstack(L, goal);
  else if (inuse <= STACK_MAX && L->stacksize - STACK_EXTRA > STACK_MAX)
    reallocstack(L, STACK_MAX + STACK_EXTRA);
}

/* Make room for n slots above p (a pointer into the stack), returning p re-derived. */
static TValue *checkstackp(State *L, int n, TValue *p)
{
  if (unlikely(L->stack_last - L->top <= n)) {
    ptrdiff_t off = savestack(L, p);
    call_growstack(L, n);
    p = restorestack(L, off);
  }
  return p;
}

/* -- Frames ----------------------------------------------------------------------------- */

CallInfo *call_newci(State *L)
{
  CallInfo *ci = (CallInfo *)gc_alloc(L, NULL, 0, sizeof(CallInfo));
  ci->next = NULL;
  ci->prev = L->ci;
  L->ci->next = ci;
  return ci;
}

static CallInfo *nextci(State *L)
{
  CallInfo *ci = L->ci->next;
  if (!ci)
    ci = call_newci(L);
  L->ci = ci;
  return ci;
}

void call_freecis(State *L)
{
  CallInfo *ci = L->base_ci.next;
  L->base_ci.next = NULL;
  while (ci) {
    CallInfo *next = ci->next;
    gc_free(L, ci, sizeof(CallInfo));
    ci = next;
  }
}

/* The function to call in place of the non-function at func: its __call, inserted below the
 * arguments (the original value becomes the first argument). */
TValue *call_tryfunc(State *L, TValue *func)
{
  const TValue *tm = meta_get(L, func, TM_CALL);
  if (unlikely(ttisnil(tm)))
    meta_callerror(L, func);
  func = checkstackp(L, 1, func);
  tm = meta_get(L, func, TM_CALL);   /* the stack may have moved: fetch again */
  for (TValue *p = L->top; p > func; p--)
    setobj(p, p - 1);
  L->top++;
  setobj(func, tm);
  return func;
}

void call_hook(State *L, int event, int line)
{
  if (!L->hook || !L->allowhook)
    return;
  CallInfo *ci = L->ci;
  ptrdiff_t top = savestack(L, L->top);
  ptrdiff_t citop = savestack(L, ci->top);
  call_checkstack(L, API_MINSTACK);
  if (ci->top < L->top + API_MINSTACK)
    ci->top = L->top + API_MINSTACK;
  /* As lua5.4, a call hook sees a Lua frame one instruction on, so that its current line is
   * the first instruction's (the one after VARARGPREP in a vararg function). */
  int bump = (event == HOOK_CALL || event == HOOK_TAILCALL) && (ci->status & CIST_LUA);
  if (bump)
    ci->savedpc++;
  L->allowhook = 0;
  ci->status |= CIST_HOOKED;
  L->hook(L, event, line);
  L->allowhook = 1;
  ci->status &= (uint16_t)~CIST_HOOKED;
  if (bump)
    ci->savedpc--;
  ci->top = restorestack(L, citop);
  L->top = restorestack(L, top);
}

static void precallC(State *L, TValue *func, int nresults, CFunction f)
{
  func = checkstackp(L, API_MINSTACK, func);
  CallInfo *ci = nextci(L);
  ci->func = func;
  ci->top = L->top + API_MINSTACK;
  ci->nresults = nresults;
  ci->status = 0;
  ci->savedpc = NULL;
  ci->nextra = 0;
  if (unlikely(L->hookmask & HOOK_MASKCALL))
    call_hook(L, HOOK_CALL, -1);
  int n = f(L);
  call_poscall(L, ci, n);
}

CallInfo *call_precall(State *L, TValue *func, int nresults)
{
  for (;;) {
    switch (tt(func)) {
    case TAG_LFN: {
      Proto *p = lfnvalue(func)->p;
      int narg = (int)(L->top - func) - 1;
      int fsize = p->maxstack;
      func = checkstackp(L, fsize, func);
      CallInfo *ci = nextci(L);
      ci->func = func;
      ci->top = func + 1 + fsize;
      ci->nresults = nresults;
      ci->status = CIST_LUA;
      ci->savedpc = p->code;
      ci->nextra = 0;
      for (; narg < p->numparams; narg++)
        setnil(L->top++);
      return ci;
    }
    case TAG_CFN:
      precallC(L, func, nresults, cfnvalue(func)->f);
      return NULL;
    default:
      func = call_tryfunc(L, func);
      break;
    }
  }
}

void call_poscall(State *L, CallInfo *ci, int nres)
{
  if (unlikely(L->hookmask & HOOK_MASKRET))
    call_hook(L, HOOK_RET, -1);
  TValue *res = ci->func;
  TValue *src = L->top - nres;
  int wanted = ci->nresults;
  L->ci = ci->prev;
  if (wanted == MULTRET)
    wanted = nres;
  int i = 0;
  for (; i < nres && i < wanted; i++)
    setobj(res + i, src + i);
  for (; i < wanted; i++)
    setnil(res + i);
  L->top = res + wanted;
}

void call_call(State *L, TValue *func, int nresults)
{
  L->nCcalls++;
  if (unlikely(CCALLS(L) >= MAX_CCALLS)) {
    ptrdiff_t off = savestack(L, func);
    call_checkcstack(L);
    func = restorestack(L, off);
  }
  CallInfo *ci = call_precall(L, func, nresults);
  if (ci)
    vm_execute(L, ci);
  L->nCcalls--;
}

void call_checkcstack(State *L)
{
  if (CCALLS(L) == MAX_CCALLS)
    call_runerror(L, "C stack overflow");
  else if (CCALLS(L) >= MAX_CCALLS / 10 * 11)
    call_throw(L, ST_ERRERR);   /* error while handling the overflow */
}

/* -- To-be-closed variables ------------------------------------------------------------- */

_Static_assert(sizeof(TValue) == 16 && offsetof(TValue, tt) == 8, "TValue padding layout");
#define TBC_DELTA_OFF 12

static uint32_t tbcdelta(const TValue *o)
{
  uint32_t d;
  memcpy(&d, (const char *)o + TBC_DELTA_OFF, sizeof d);
  return d;
}

void call_newtbc(State *L, TValue *level)
{
  if (isfalsy(level))
    return;   /* false and nil need no closing */
  const TValue *tm = meta_get(L, level, TM_CLOSE);
  if (ttisnil(tm)) {
    CallInfo *ci = L->ci;
    const char *name = NULL;
    if (ci->status & CIST_LUA) {
      Proto *p = lfnvalue(ci->func)->p;
      name = func_localname(p, (int)(level - ci->func), (int)(ci->savedpc - p->code) - 1);
    }
    call_runerror(L, "variable '%s' got a non-closable value", name ? name : "?");
  }
  uint32_t d = L->tbclist ? (uint32_t)(level - L->tbclist) : 0;
  memcpy((char *)level + TBC_DELTA_OFF, &d, sizeof d);
  L->tbclist = level;
}

static void poptbc(State *L)
{
  TValue *tbc = L->tbclist;
  uint32_t d = tbcdelta(tbc);
  L->tbclist = d ? tbc - d : NULL;
}

/* Put the error object of `status` in *slot (the value at L->top-1 for runtime errors). */
static void seterrorobj(State *L, int status, TValue *slot)
{
  switch (status) {
  case ST_ERRMEM:
    setstr(slot, G(L)->memerrmsg);
    break;
  case ST_ERRERR:
    setstr(slot, str_newz(L, "error in error handling"));
    break;
  case ST_OK:
    setnil(slot);
    break;
  default:
    setobj(slot, L->top - 1);
    break;
  }
  L->top = slot + 1;
}

/* Call __close of the variable at level with (value, error object or nil). */
static void callclose(State *L, TValue *level, int status)
{
  ptrdiff_t lv = savestack(L, level);
  TValue errv;
  if (status == ST_OK)
    setnil(&errv);
  else {
    seterrorobj(L, status, level + 1);
    errv = level[1];
  }
  call_checkstack(L, 4);
  level = restorestack(L, lv);
  TValue *top = L->top;
  setobj(top, meta_get(L, level, TM_CLOSE));
  setobj(top + 1, level);
  setobj(top + 2, &errv);
  L->top = top + 3;
  call_call(L, top, 0);
}

void call_close(State *L, TValue *level, int status)
{
  ptrdiff_t lv = savestack(L, level);
  func_closeupvals(L, level);
  while (L->tbclist && L->tbclist >= restorestack(L, lv)) {
    TValue *tbc = L->tbclist;
    poptbc(L);
    callclose(L, tbc, status);
  }
}

/* -- Errors ----------------------------------------------------------------------------- */

/* Run the message handler of the innermost protected call, if any, on the error at top. */
static void callerrfunc(State *L)
{
  ptrdiff_t ef = L->errjmp->errfunc;
  if (!ef)
    return;
  if (CCALLS(L) >= MAX_CCALLS / 10 * 11 - 1)
    call_throw(L, ST_ERRERR);
  call_checkstack(L, 2);
  setobj(L->top, L->top - 1);
  setobj(L->top - 1, restorestack(L, ef));
  L->top++;
  call_call(L, L->top - 2, 1);
}

void call_throw(State *L, int status)
{
  if (L->errjmp) {
    if (status == ST_ERRRUN)
      callerrfunc(L);
    L->errjmp->status = status;
    longjmp(L->errjmp->b, 1);
  }
  const char *msg = "error object is not a string";
  if (status == ST_ERRERR)
    msg = "error in error handling";
  else if (L->top > L->stack && (ttisstr(L->top - 1)))
    msg = strdata(strvalue(L->top - 1));
  fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n", msg);
  fflush(stderr);
  abort();
}

static int runprotected(State *L, void (*f)(State *L, void *ud), void *ud, ptrdiff_t errfunc)
{
  ErrJmp ej;
  int oldnC = L->nCcalls;
  ej.status = ST_OK;
  ej.prev = L->errjmp;
  ej.errfunc = errfunc;
  L->errjmp = &ej;
  if (setjmp(ej.b) == 0)
    f(L, ud);
  L->errjmp = ej.prev;
  L->nCcalls = oldnC;
  return ej.status;
}

int call_rawrunprotected(State *L, void (*f)(State *L, void *ud), void *ud)
{
  return runprotected(L, f, ud, L->errjmp ? L->errjmp->errfunc : 0);
}

struct CloseArgs { ptrdiff_t level; int status; };

static void closepaux(State *L, void *ud)
{
  struct CloseArgs *a = ud;
  call_close(L, restorestack(L, a->level), a->status);
}

/* Close what the failed call left open; an error in a __close replaces the error object. */
static int closeprotected(State *L, ptrdiff_t level, int status, CallInfo *oldci)
{
  for (;;) {
    struct CloseArgs a = { level, status };
    int st = runprotected(L, closepaux, &a, 0);
    if (st == ST_OK)
      return status;
    L->ci = oldci;
    status = st;
  }
}

int call_pcall(State *L, void (*f)(State *L, void *ud), void *ud, ptrdiff_t oldtop,
               ptrdiff_t errfunc)
{
  CallInfo *oldci = L->ci;
  uint8_t oldallowhook = L->allowhook;
  int status = runprotected(L, f, ud, errfunc);
  if (unlikely(status != ST_OK)) {
    L->ci = oldci;
    L->allowhook = oldallowhook;
    status = closeprotected(L, oldtop, status, oldci);
    seterrorobj(L, status, restorestack(L, oldtop));
    shrinkstack(L);
  }
  return status;
}

/* "chunk:line: " of a Lua frame, or "" for a C one. */
static void pushwhere(State *L, CallInfo *ci)
{
  if (ci && (ci->status & CIST_LUA)) {
    char id[OBJ_IDSIZE];
    Proto *p = lfnvalue(ci->func)->p;
    call_chunkid(id, p);
    api_pushfstring(L, "%s:%d: ", id, call_currentline(ci));
  } else {
    api_pushstring(L, "");
  }
}

void call_runerror(State *L, const char *fmt, ...)
{
  va_list ap;
  CallInfo *ci = L->ci;
  if (ci->status & CIST_LUA)
    L->top = ci->top;   /* keep the frame's registers below what we push */
  call_checkstack(L, 4);
  pushwhere(L, ci);
  va_start(ap, fmt);
  api_pushvfstring(L, fmt, ap);
  va_end(ap);
  api_concat(L, 2);
  call_throw(L, ST_ERRRUN);
}

/* -- Debug information ------------------------------------------------------------------ */

void call_chunkid(char *out, const Proto *p)
{
  if (p->source)
    obj_chunkid(out, strdata(p->source), p->source->len);
  else
    obj_chunkid(out, "=?", 2);
}

int call_currentpc(const CallInfo *ci)
{
  Proto *p = lfnvalue(ci->func)->p;
  return (int)(ci->savedpc - p->code) - 1;
}

int call_currentline(const CallInfo *ci)
{
  if (!(ci->status & CIST_LUA))
    return -1;
  Proto *p = lfnvalue(ci->func)->p;
  int pc = call_currentpc(ci);
  if (!p->lineinfo || pc < 0)
    return p->linedefined;
  return p->lineinfo[pc];
}

CallInfo *call_getstack(State *L, int level)
{
  CallInfo *ci = L->ci;
  for (; level > 0 && ci != &L->base_ci; ci = ci->prev)
    level--;
  return (level == 0 && ci != &L->base_ci) ? ci : NULL;
}

const char *call_funcname(State *L, CallInfo *ci, const char **name)
{
  if (!ci || !ci->prev || (ci->status & CIST_TAIL))
    return NULL;
  CallInfo *caller = ci->prev;
  if (caller->status & CIST_HOOKED) {
    *name = "?";
    return "hook";
  }
  if (caller->status & CIST_FIN) {
    *name = "__gc";
    return "metamethod";
  }
  if (caller->status & CIST_LUA)
    return meta_funcnamefromcode(L, lfnvalue(caller->func)->p, call_currentpc(caller), name);
  return NULL;
}

/* Find "module.field" holding function fn in package.loaded (as lua5.4 names functions in
 * tracebacks); pushes the name and returns 1, or returns 0. */
static int findfield(State *L, Table *t, const TValue *fn, int level, char *buf, size_t cap)
{
  TValue kv[2];
  setnil(&kv[0]);
  while (tab_next(L, t, kv)) {
    if (!ttisstr(&kv[0]))
      continue;
    const char *key = strdata(strvalue(&kv[0]));
    if (vm_rawequal(&kv[1], fn)) {
      snprintf(buf, cap, "%s", key);
      return 1;
    }
    if (level > 1 && ttistab(&kv[1])) {
      size_t n = strlen(key);
      if (n + 2 < cap && findfield(L, tabvalue(&kv[1]), fn, level - 1, buf + n + 1, cap - n - 1)) {
        memcpy(buf, key, n);
        buf[n] = '.';
        return 1;
      }
    }
  }
  return 0;
}

static int globalfuncname(State *L, const TValue *fn, char *buf, size_t cap)
{
  if (!ttistab(&G(L)->registry))
    return 0;
  const TValue *loaded = tab_getstr(tabvalue(&G(L)->registry), str_newz(L, "_LOADED"));
  if (!ttistab(loaded) || !findfield(L, tabvalue(loaded), fn, 2, buf, cap))
    return 0;
  if (strncmp(buf, "_G.", 3) == 0)
    memmove(buf, buf + 3, strlen(buf + 3) + 1);
  return 1;
}

static void addfuncname(State *L, ApiBuf *b, CallInfo *ci)
{
  char gname[256];
  const char *name = NULL;
  const char *kind = call_funcname(L, ci, &name);
  if (globalfuncname(L, ci->func, gname, sizeof gname)) {
    api_pushfstring(L, "function '%s'", gname);
  } else if (kind) {
    api_pushfstring(L, "%s '%s'", kind, name);
  } else if (ci->status & CIST_LUA) {
    Proto *p = lfnvalue(ci->func)->p;
    if (p->linedefined == 0) {
      api_pushstring(L, "main chunk");
    } else {
      char id[OBJ_IDSIZE];
      call_chunkid(id, p);
      api_pushfstring(L, "function <%s:%d>", id, p->linedefined);
    }
  } else {
    api_pushstring(L, "?");
  }
  api_buf_addvalue(b);
}

void call_traceback(State *L, State *L1, const char *msg, int level)
{
  ApiBuf b;
  int last = -1;   /* the deepest level: one walk, since stacks can be a million deep */
  for (CallInfo *c = L1->ci; c != &L1->base_ci; c = c->prev)
    last++;
  int limit = (last - level > TRACE_LEVELS1 + TRACE_LEVELS2) ? TRACE_LEVELS1 : -1;
  api_buf_init(L, &b);
  if (msg) {
    api_buf_addstring(&b, msg);
    api_buf_addchar(&b, '\n');
  }
  api_buf_addstring(&b, "stack traceback:");
  CallInfo *ci;
  while ((ci = call_getstack(L1, level++)) != NULL) {
    if (limit-- == 0) {
      int n = last - level - TRACE_LEVELS2 + 1;
      api_pushfstring(L, "\n\t...\t(skipping %d levels)", n);
      api_buf_addvalue(&b);
      level += n;
      continue;
    }
    if (ci->status & CIST_LUA) {
      char id[OBJ_IDSIZE];
      call_chunkid(id, lfnvalue(ci->func)->p);
      int line = call_currentline(ci);
      if (line > 0)
        api_pushfstring(L, "\n\t%s:%d: in ", id, line);
      else                /* stripped: lua5.4 leaves the line out */
        api_pushfstring(L, "\n\t%s: in ", id);
    } else {
      api_pushstring(L, "\n\t[C]: in ");
    }
    api_buf_addvalue(&b);
    addfuncname(L, &b, ci);
    if (ci->status & CIST_TAIL)
      api_buf_addstring(&b, "\n\t(...tail calls...)");
  }
  api_buf_pushresult(&b);
}

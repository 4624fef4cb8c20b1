/* lib_co.c: the coroutine library (create, resume, yield, status, wrap, isyieldable, running,
 * close) on top of api_resume/api_yield (co.c). */
#include "api.h"

enum { COS_RUN, COS_DEAD, COS_YIELD, COS_NORM };
static const char *const statname[] = { "running", "dead", "suspended", "normal" };

static State *getco(State *L)
{
  State *co = api_tothread(L, 1);
  if (!co)
    api_typeerror(L, 1, "thread");
  return co;
}

static int costatus(State *L, State *co)
{
  if (L == co)
    return COS_RUN;
  switch (api_status(co)) {
  case ST_YIELD:
    return COS_YIELD;
  case ST_OK:
    if (co->ci != &co->base_ci)
      return COS_NORM;   /* it has frames: it resumed another coroutine */
    return api_gettop(co) == 0 ? COS_DEAD : COS_YIELD;   /* a function there: not started */
  default:
    return COS_DEAD;
  }
}

/* Resume co with narg values from L's top; the results (or the error) move to L.
 * Returns the number of results, or -1 with the error object on top. */
static int auxresume(State *L, State *co, int narg)
{
  int nres;
  if (!api_checkstack(co, narg)) {
    api_pushstring(L, "too many arguments to resume");
    return -1;
  }
  api_xmove(L, co, narg);
  int status = api_resume(co, L, narg, &nres);
  if (status == ST_OK || status == ST_YIELD) {
    if (!api_checkstack(L, nres + 1)) {
      api_pop(co, nres);
      api_pushstring(L, "too many results to resume");
      return -1;
    }
    api_xmove(co, L, nres);
    return nres;
  }
  api_xmove(co, L, 1);
  return -1;
}

static int co_create(State *L)
{
  api_checktype(L, 1, BT_FUNCTION);
  State *co = api_newthread(L);
  api_pushvalue(L, 1);
  api_xmove(L, co, 1);
  return 1;
}

static int co_resumef(State *L)
{
  State *co = getco(L);
  int r = auxresume(L, co, api_gettop(L) - 1);
  if (r < 0) {
    api_pushboolean(L, 0);
    api_insert(L, -2);
    return 2;
  }
  api_pushboolean(L, 1);
  api_insert(L, -(r + 1));
  return r + 1;
}

static int co_yieldf(State *L)
{
  return api_yield(L, api_gettop(L));
}

static int co_statusf(State *L)
{
  State *co = getco(L);
  api_pushstring(L, statname[costatus(L, co)]);
  return 1;
}

static int co_auxwrap(State *L)
{
  State *co = api_tothread(L, api_upvalueindex(1));
  int r = auxresume(L, co, api_gettop(L));
  if (r >= 0)
    return r;
  int stat = api_status(co);
  if (stat != ST_OK && stat != ST_YIELD) {   /* an error in the body: close its tbc variables */
    api_closethread(co, L);
    api_xmove(co, L, 1);
    api_remove(L, -2);   /* the original error object; closing gave the final one */
  }
  if (api_type(L, -1) == BT_STRING) {
    api_where(L, 1);
    api_insert(L, -2);
    api_concat(L, 2);
  }
  api_error(L);
}

static int co_wrap(State *L)
{
  co_create(L);
  api_pushcclosure(L, co_auxwrap, "wrap", 1);
  return 1;
}

static int co_isyieldablef(State *L)
{
  State *co = api_isnone(L, 1) ? L : getco(L);
  /* Another thread is stopped at a yield, not started or dead: as in lua5.4 (whose answer is
   * that thread's non-yieldable count, zero outside a running call) only the main one cannot. */
  if (co != L)
    api_pushboolean(L, co != G(co)->mainthread);
  else
    api_pushboolean(L, api_isyieldable(co));
  return 1;
}

static int co_running(State *L)
{
  int ismain = api_pushthread(L);
  api_pushboolean(L, ismain);
  return 2;
}

static int co_closef(State *L)
{
  State *co = getco(L);
  int st = costatus(L, co);
  if (st != COS_DEAD && st != COS_YIELD)
    api_errorf(L, "cannot close a %s coroutine", statname[st]);
  if (api_closethread(co, L) == ST_OK) {
    api_pushboolean(L, 1);
    return 1;
  }
  api_pushboolean(L, 0);
  api_xmove(co, L, 1);
  return 2;
}

static const ApiReg colib[] = {
  { "create", co_create },
  { "resume", co_resumef },
  { "running", co_running },
  { "status", co_statusf },
  { "wrap", co_wrap },
  { "yield", co_yieldf },
  { "isyieldable", co_isyieldablef },
  { "close", co_closef },
  { NULL, NULL }
};

int lib_open_coroutine(State *L)
{
  api_newlib(L, colib);
  return 1;
}

/* lib_debug.c: the debug library.
 *
 * It reads frames through call.h's debug functions (call_getstack, call_currentline,
 * call_funcname) and values straight from the thread stacks. Hooks: the Lua hook function of
 * each thread lives in a weak-keyed registry table (HOOK_KEY) so the collector sees it; the
 * interpreter calls hook_dispatch through L->hook with vm.h's HOOK_* events.
 */
#include <stdio.h>
#include <string.h>
#include "api.h"
#include "call.h"
#include "func.h"
#include "gc.h"
#include "vm.h"

#define HOOK_KEY "_HOOKKEY"

/* Push a raw value (possibly from another thread's stack) onto L. */
static void push_tvalue(State *L, const TValue *v)
{
  api_pushnil(L);
  setobj(api_index2val(L, -1), v);
}

/* Push thread L1 onto L's stack. */
static void push_thread(State *L, State *L1)
{
  api_pushthread(L1);
  if (L1 != L)
    api_xmove(L1, L, 1);
}

/* The thread argument, if any: *arg is 1 when there is one (the other arguments shift). */
static State *get_thread(State *L, int *arg)
{
  if (api_type(L, 1) == BT_THREAD) {
    *arg = 1;
    return api_tothread(L, 1);
  }
  *arg = 0;
  return L;
}

static void set_str(State *L, const char *k, const char *v)
{
  api_pushstring(L, v);
  api_setfield(L, -2, k);
}

static void set_int(State *L, const char *k, int64_t v)
{
  api_pushinteger(L, v);
  api_setfield(L, -2, k);
}

static void set_bool(State *L, const char *k, int v)
{
  api_pushboolean(L, v);
  api_setfield(L, -2, k);
}

static int valid_options(const char *opt)
{
  return strspn(opt, "SlnrutfL") == strlen(opt);
}

static void info_source(State *L, const TValue *fn)
{
  if (!ttislfn(fn)) {
    set_str(L, "source", "=[C]");
    set_str(L, "short_src", "[C]");
    set_int(L, "linedefined", -1);
    set_int(L, "lastlinedefined", -1);
    set_str(L, "what", "C");
    return;
  }
  Proto *p = lfnvalue(fn)->p;
  char id[OBJ_IDSIZE];
  call_chunkid(id, p);
  if (p->source)
    api_pushlstring(L, strdata(p->source), p->source->len);
  else
    api_pushstring(L, "=?");
  api_setfield(L, -2, "source");
  set_str(L, "short_src", id);
  set_int(L, "linedefined", p->linedefined);
  set_int(L, "lastlinedefined", p->lastlinedefined);
  set_str(L, "what", p->linedefined == 0 ? "main" : "Lua");
}

static void info_upvals(State *L, const TValue *fn)
{
  if (ttislfn(fn)) {
    LClosure *cl = lfnvalue(fn);
    set_int(L, "nups", cl->nup);
    set_int(L, "nparams", cl->p->numparams);
    set_bool(L, "isvararg", cl->p->is_vararg);
  } else {
    set_int(L, "nups", ttiscfn(fn) ? cfnvalue(fn)->nup : 0);
    set_int(L, "nparams", 0);
    set_bool(L, "isvararg", 1);
  }
}

/* Table of the lines that have code (the first instruction of a vararg function, which only
 * adjusts arguments, does not count, as in 5.4). */
static void info_activelines(State *L, const TValue *fn)
{
  if (!ttislfn(fn))
    return;
  Proto *p = lfnvalue(fn)->p;
  api_newtable(L);
  if (p->lineinfo) {
    for (int i = p->is_vararg ? 1 : 0; i < p->ncode; i++) {
      if (p->lineinfo[i] < 1)
        continue;     /* stripped code has no lines to report */
      api_pushboolean(L, 1);
      api_rawseti(L, -2, p->lineinfo[i]);
    }
  }
  api_setfield(L, -2, "activelines");
}

/* Fill the table at the top with the fields `opt` asks for, about fn and (if any) frame ci. */
static void fill_info(State *L, State *L1, const char *opt, const TValue *fn, CallInfo *ci)
{
  for (; *opt; opt++) {
    switch (*opt) {
    case 'S':
      info_source(L, fn);
      break;
    case 'l':
      set_int(L, "currentline", ci ? call_currentline(ci) : -1);
      break;
    case 'u':
      info_upvals(L, fn);
      break;
    case 't':
      set_bool(L, "istailcall", ci ? (ci->status & CIST_TAIL) != 0 : 0);
      break;
    case 'n': {
      const char *name = NULL;
      const char *what = ci ? call_funcname(L1, ci, &name) : NULL;
      if (what) {
        set_str(L, "name", name);
        set_str(L, "namewhat", what);
      } else {
        set_str(L, "namewhat", "");
      }
      break;
    }
    case 'r':
      set_int(L, "ftransfer", 0);
      set_int(L, "ntransfer", 0);
      break;
    case 'f':
      push_tvalue(L, fn);
      api_setfield(L, -2, "func");
      break;
    case 'L':
      info_activelines(L, fn);
      break;
    }
  }
}

static int db_getinfo(State *L)
{
  int arg;
  State *L1 = get_thread(L, &arg);
  const char *opt = api_optstring(L, arg + 2, "flnSrtu");
  if (opt[0] == '>')
    api_argerror(L, arg + 2, "invalid option '>'");
  TValue fn;
  CallInfo *ci = NULL;
  if (api_isfunction(L, arg + 1)) {
    fn = *api_index2val(L, arg + 1);
  } else {
    int64_t level = api_checkinteger(L, arg + 1);
    ci = level < 0 || level > 0x7fffffff ? NULL : call_getstack(L1, (int)level);
    if (ci == NULL) {
      api_pushnil(L);
      return 1;
    }
    fn = *ci->func;
  }
  /* checked after the level, as 5.4 does: a missing level wins over a bad option */
  if (!valid_options(opt))
    api_argerror(L, arg + 2, "invalid option");
  api_createtable(L, 0, 16);
  fill_info(L, L1, opt, &fn, ci);
  return 1;
}

/* Name and stack slot of local n of frame ci (negative n: varargs), or NULL. */
static const char *find_local(State *L1, CallInfo *ci, int n, TValue **pos)
{
  TValue *base = ci->func + 1;
  const char *name = NULL;
  if (ci->status & CIST_LUA) {
    if (n < 0) {
      if (!lfnvalue(ci->func)->p->is_vararg || n < -ci->nextra)
        return NULL;
      *pos = ci->func - ci->nextra - (n + 1);
      return "(vararg)";
    }
    name = func_localname(lfnvalue(ci->func)->p, n, call_currentpc(ci));
  }
  if (name == NULL) {
    TValue *limit = ci == L1->ci ? L1->top : ci->next->func;
    if (n <= 0 || limit - base < n)
      return NULL;
    name = (ci->status & CIST_LUA) ? "(temporary)" : "(C temporary)";
  }
  *pos = base + (n - 1);
  return name;
}

static CallInfo *check_level(State *L, State *L1, int arg, int64_t level)
{
  CallInfo *ci = level < 0 || level > 0x7fffffff ? NULL : call_getstack(L1, (int)level);
  if (ci == NULL)
    api_argerror(L, arg, "level out of range");
  return ci;
}

static int db_getlocal(State *L)
{
  int arg;
  State *L1 = get_thread(L, &arg);
  int n = (int)api_checkinteger(L, arg + 2);
  if (api_isfunction(L, arg + 1)) {
    /* only parameter names: no frame, so no values */
    const TValue *fn = api_index2val(L, arg + 1);
    api_pushstring(L, ttislfn(fn) ? func_localname(lfnvalue(fn)->p, n, 0) : NULL);
    return 1;
  }
  CallInfo *ci = check_level(L, L1, arg + 1, api_checkinteger(L, arg + 1));
  TValue *pos;
  const char *name = find_local(L1, ci, n, &pos);
  if (name == NULL) {
    api_pushnil(L);
    return 1;
  }
  api_pushstring(L, name);
  push_tvalue(L, pos);
  return 2;
}

static int db_setlocal(State *L)
{
  int arg;
  State *L1 = get_thread(L, &arg);
  int64_t level = api_checkinteger(L, arg + 1);
  int n = (int)api_checkinteger(L, arg + 2);
  CallInfo *ci = check_level(L, L1, arg + 1, level);
  api_checkany(L, arg + 3);
  api_settop(L, arg + 3);
  TValue *pos;
  const char *name = find_local(L1, ci, n, &pos);
  if (name)
    setobj(pos, api_index2val(L, arg + 3));
  api_pushstring(L, name);
  return 1;
}

/* Upvalue n of the function at arg: its name ("" for C functions) and value slot, or NULL. */
static const char *find_upval(State *L, int arg, int n, TValue **val, GCObj **owner)
{
  const TValue *fn = api_index2val(L, arg);
  if (ttislfn(fn)) {
    LClosure *cl = lfnvalue(fn);
    if (n < 1 || n > cl->nup)
      return NULL;
    UpVal *uv = cl->up[n - 1];
    *val = uv->v;
    *owner = (GCObj *)uv;
    Str *s = cl->p->upvals[n - 1].name;
    return s ? strdata(s) : "(no name)";
  }
  if (ttiscfn(fn)) {
    CClosure *cl = cfnvalue(fn);
    if (n < 1 || n > cl->nup)
      return NULL;
    *val = &cl->up[n - 1];
    *owner = (GCObj *)cl;
    return "";
  }
  return NULL;
}

static int aux_upvalue(State *L, int get)
{
  if (!get)
    api_checkany(L, 3);      /* first, as 5.4 checks it */
  int n = (int)api_checkinteger(L, 2);
  api_checktype(L, 1, BT_FUNCTION);
  TValue *val;
  GCObj *owner;
  const char *name = find_upval(L, 1, n, &val, &owner);
  if (name == NULL)
    return 0;
  api_pushstring(L, name);
  if (get) {
    push_tvalue(L, val);
    return 2;
  }
  const TValue *v = api_index2val(L, 3);
  setobj(val, v);
  gc_barrier(L, owner, v);
  return 1;
}

static int db_getupvalue(State *L) { return aux_upvalue(L, 1); }
static int db_setupvalue(State *L) { return aux_upvalue(L, 0); }

/* The identity of upvalue n of the function at argf (NULL if there is none). */
static void *upval_id(State *L, int argf, int n)
{
  const TValue *fn = api_index2val(L, argf);
  if (ttislfn(fn)) {
    LClosure *cl = lfnvalue(fn);
    return n >= 1 && n <= cl->nup ? (void *)cl->up[n - 1] : NULL;
  }
  if (ttiscfn(fn)) {
    CClosure *cl = cfnvalue(fn);
    return n >= 1 && n <= cl->nup ? (void *)&cl->up[n - 1] : NULL;
  }
  return NULL;
}

static int db_upvalueid(State *L)
{
  int n = (int)api_checkinteger(L, 2);
  api_checktype(L, 1, BT_FUNCTION);
  void *id = upval_id(L, 1, n);
  if (id)
    api_pushlightuserdata(L, id);
  else
    api_pushnil(L);
  return 1;
}

static int check_upval(State *L, int argf, int argn)
{
  int n = (int)api_checkinteger(L, argn);
  api_checktype(L, argf, BT_FUNCTION);
  if (upval_id(L, argf, n) == NULL)
    api_argerror(L, argn, "invalid upvalue index");
  return n;
}

static int db_upvaluejoin(State *L)
{
  int n1 = check_upval(L, 1, 2);
  int n2 = check_upval(L, 3, 4);
  if (api_iscfunction(L, 1))
    api_argerror(L, 1, "Lua function expected");
  if (api_iscfunction(L, 3))
    api_argerror(L, 3, "Lua function expected");
  LClosure *f1 = lfnvalue(api_index2val(L, 1));
  LClosure *f2 = lfnvalue(api_index2val(L, 3));
  f1->up[n1 - 1] = f2->up[n2 - 1];
  gc_objbarrier(L, f1, f1->up[n1 - 1]);
  return 0;
}

static int db_getmetatable(State *L)
{
  api_checkany(L, 1);
  if (!api_getmetatable(L, 1))
    api_pushnil(L);
  return 1;
}

static int db_setmetatable(State *L)
{
  int t = api_type(L, 2);
  if (t != BT_NIL && t != BT_TABLE)
    api_typeerror(L, 2, "nil or table");
  api_settop(L, 2);
  api_setmetatable(L, 1);
  return 1;
}

static int db_getregistry(State *L)
{
  api_pushvalue(L, API_REGISTRYINDEX);
  return 1;
}

static int db_getuservalue(State *L)
{
  int n = (int)api_optinteger(L, 2, 1);
  if (api_type(L, 1) != BT_USERDATA) {
    api_pushnil(L);
    return 1;
  }
  if (api_getiuservalue(L, 1, n) != API_TNONE) {
    api_pushboolean(L, 1);
    return 2;
  }
  return 1;
}

static int db_setuservalue(State *L)
{
  int n = (int)api_optinteger(L, 3, 1);
  api_checktype(L, 1, BT_USERDATA);
  api_checkany(L, 2);
  api_settop(L, 2);
  if (!api_setiuservalue(L, 1, n))
    api_pushnil(L);
  return 1;
}

static int db_traceback(State *L)
{
  int arg;
  State *L1 = get_thread(L, &arg);
  const char *msg = api_tostring(L, arg + 1);
  if (msg == NULL && !api_isnoneornil(L, arg + 1)) {
    api_pushvalue(L, arg + 1);     /* a non-string message is returned untouched */
    return 1;
  }
  int level = (int)api_optinteger(L, arg + 2, L == L1 ? 1 : 0);
  api_traceback(L, L1, msg, level);
  return 1;
}

/* -- Hooks -------------------------------------------------------------------------------- */

static const char *const hook_events[] = { "call", "return", "line", "count", "tail call" };

/* L->hook: call the thread's Lua hook with the event name and the line (or nil). */
static void hook_dispatch(State *L, int event, int line)
{
  int top = api_gettop(L);
  api_getfield(L, API_REGISTRYINDEX, HOOK_KEY);
  api_pushthread(L);
  if (api_rawget(L, -2) == BT_FUNCTION) {
    api_pushstring(L, hook_events[event]);
    if (line >= 0)
      api_pushinteger(L, line);
    else
      api_pushnil(L);
    api_call(L, 2, 0);
  }
  api_settop(L, top);
}

static int make_mask(const char *s, int count)
{
  int mask = 0;
  if (strchr(s, 'c'))
    mask |= HOOK_MASKCALL;
  if (strchr(s, 'r'))
    mask |= HOOK_MASKRET;
  if (strchr(s, 'l'))
    mask |= HOOK_MASKLINE;
  if (count > 0)
    mask |= HOOK_MASKCOUNT;
  return mask;
}

static int db_sethook(State *L)
{
  int arg, mask, count;
  Hook fn;
  State *L1 = get_thread(L, &arg);
  if (api_isnoneornil(L, arg + 1)) {
    api_settop(L, arg + 1);
    fn = NULL;
    mask = 0;
    count = 0;
  } else {
    const char *smask = api_checkstring(L, arg + 2);
    api_checktype(L, arg + 1, BT_FUNCTION);
    count = (int)api_optinteger(L, arg + 3, 0);
    fn = hook_dispatch;
    mask = make_mask(smask, count);
  }
  if (!api_getsubtable(L, API_REGISTRYINDEX, HOOK_KEY)) {
    /* a new table: weak keys, so a dead thread does not stay alive for its hook */
    api_pushstring(L, "k");
    api_setfield(L, -2, "__mode");
    api_pushvalue(L, -1);
    api_setmetatable(L, -2);
  }
  push_thread(L, L1);
  api_pushvalue(L, arg + 1);
  api_rawset(L, -3);
  if (fn == NULL)
    mask = 0;
  L1->hook = fn;
  L1->basehookcount = count;
  L1->hookcount = count;
  L1->hookmask = mask;
  return 0;
}

static int db_gethook(State *L)
{
  int arg;
  State *L1 = get_thread(L, &arg);
  if (L1->hook == NULL) {
    api_pushnil(L);
    return 1;
  }
  if (L1->hook != hook_dispatch) {
    api_pushstring(L, "external hook");
  } else {
    api_getfield(L, API_REGISTRYINDEX, HOOK_KEY);
    push_thread(L, L1);
    api_rawget(L, -2);
    api_remove(L, -2);
  }
  char buf[4];
  int i = 0;
  int mask = L1->hookmask;
  if (mask & HOOK_MASKCALL)
    buf[i++] = 'c';
  if (mask & HOOK_MASKRET)
    buf[i++] = 'r';
  if (mask & HOOK_MASKLINE)
    buf[i++] = 'l';
  api_pushlstring(L, buf, (size_t)i);
  api_pushinteger(L, L1->basehookcount);
  return 3;
}

/* debug.debug(): a minimal command loop on stdin, as lua5.4's. */
static int db_debug(State *L)
{
  for (;;) {
    char line[250];
    fputs("lua_debug> ", stderr);
    fflush(stderr);
    if (fgets(line, sizeof line, stdin) == NULL || strcmp(line, "cont\n") == 0)
      return 0;
    if (api_load(L, line, strlen(line), "=(debug command)", "t") != ST_OK ||
        api_pcall(L, 0, 0, 0) != ST_OK) {
      fprintf(stderr, "%s\n", api_tolstring_meta(L, -1, NULL));
      fflush(stderr);
    }
    api_settop(L, 0);
  }
}

/* Kept for 5.4.0-5.4.2 programs: the limit is fixed; like 5.4.4, report it and change nothing. */
static int db_setcstacklimit(State *L)
{
  api_checkinteger(L, 1);
  api_pushinteger(L, MAX_CCALLS);
  return 1;
}

static const ApiReg debug_funcs[] = {
  { "debug", db_debug }, { "gethook", db_gethook }, { "getinfo", db_getinfo },
  { "getlocal", db_getlocal }, { "getmetatable", db_getmetatable },
  { "getregistry", db_getregistry }, { "getupvalue", db_getupvalue },
  { "getuservalue", db_getuservalue }, { "setcstacklimit", db_setcstacklimit },
  { "sethook", db_sethook }, { "setlocal", db_setlocal }, { "setmetatable", db_setmetatable },
  { "setupvalue", db_setupvalue }, { "setuservalue", db_setuservalue },
  { "traceback", db_traceback }, { "upvalueid", db_upvalueid },
  { "upvaluejoin", db_upvaluejoin },
  { NULL, NULL }
};

int lib_open_debug(State *L)
{
  api_newlib(L, debug_funcs);
  return 1;
}

/* lib_base.c: the basic library (_G): print, type, pcall, load, tonumber, ... as lua5.4. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "call.h"
#include "func.h"
#include "gc.h"

static int base_print(State *L)
{
  int n = api_gettop(L);
  for (int i = 1; i <= n; i++) {
    size_t l;
    const char *s = api_tolstring_meta(L, i, &l);
    if (i > 1)
      fwrite("\t", 1, 1, stdout);
    fwrite(s, 1, l, stdout);
    api_pop(L, 1);
  }
  fwrite("\n", 1, 1, stdout);
  fflush(stdout);
  return 0;
}

/* warn(): a single piece starting with '@' is a control message; others print when on. */
static int base_warn(State *L)
{
  int n = api_gettop(L);
  api_checkstring(L, 1);
  for (int i = 2; i <= n; i++)
    api_checkstring(L, i);
  const char *first = api_tostring(L, 1);
  if (n == 1 && first[0] == '@') {
    if (strcmp(first, "@on") == 0)
      G(L)->warnon = 1;
    else if (strcmp(first, "@off") == 0)
      G(L)->warnon = 0;
    return 0;
  }
  if (G(L)->warnon) {
    fputs("Lua warning: ", stderr);
    for (int i = 1; i <= n; i++) {
      size_t l;
      const char *s = api_tolstring(L, i, &l);
      fwrite(s, 1, l, stderr);
    }
    fputs("\n", stderr);
    fflush(stderr);
  }
  return 0;
}

/* Digits of s in base (2..36) with optional sign and surrounding spaces; 0 if not a numeral. */
static int str2int_base(const char *s, size_t len, int base, int64_t *out)
{
  const char *e = s + len;
  uint64_t n = 0;
  int neg = 0;
  while (s < e && isspace((unsigned char)*s))
    s++;
  if (s < e && *s == '-') {
    neg = 1;
    s++;
  } else if (s < e && *s == '+') {
    s++;
  }
  if (s >= e || !isalnum((unsigned char)*s))
    return 0;
  while (s < e && isalnum((unsigned char)*s)) {
    int c = (unsigned char)*s;
    int d = isdigit(c) ? c - '0' : toupper(c) - 'A' + 10;
    if (d >= base)
      return 0;
    n = n * (uint64_t)base + (uint64_t)d;
    s++;
  }
  while (s < e && isspace((unsigned char)*s))
    s++;
  if (s != e)
    return 0;
  *out = (int64_t)(neg ? 0 - n : n);
  return 1;
}

static int base_tonumber(State *L)
{
  if (api_isnoneornil(L, 2)) {
    if (api_type(L, 1) == BT_NUMBER) {
      api_settop(L, 1);
      return 1;
    }
    size_t l;
    const char *s = api_tolstring(L, 1, &l);
    if (s && api_stringtonumber(L, s, l))
      return 1;
    api_checkany(L, 1);
  } else {
    int64_t base = api_checkinteger(L, 2);
    api_checktype(L, 1, BT_STRING);
    size_t l;
    const char *s = api_tolstring(L, 1, &l);
    if (base < 2 || base > 36)
      api_argerror(L, 2, "base out of range");
    int64_t n;
    if (str2int_base(s, l, (int)base, &n)) {
      api_pushinteger(L, n);
      return 1;
    }
  }
  api_pushnil(L);
  return 1;
}

static int base_error(State *L)
{
  int64_t level = api_optinteger(L, 2, 1);
  api_settop(L, 1);
  if (api_type(L, 1) == BT_STRING && level > 0) {
    api_where(L, (int)level);
    api_pushvalue(L, 1);
    api_concat(L, 2);
  }
  api_error(L);
}

static int base_getmetatable(State *L)
{
  api_checkany(L, 1);
  if (!api_getmetatable(L, 1)) {
    api_pushnil(L);
    return 1;
  }
  api_getmetafield(L, 1, "__metatable");
  return 1;
}

static int base_setmetatable(State *L)
{
  int t = api_type(L, 2);
  api_checktype(L, 1, BT_TABLE);
  if (t != BT_NIL && t != BT_TABLE)
    api_typeerror(L, 2, "nil or table");
  if (api_getmetafield(L, 1, "__metatable") != BT_NIL)
    api_errorf(L, "cannot change a protected metatable");
  api_settop(L, 2);
  api_setmetatable(L, 1);
  return 1;
}

static int base_rawequal(State *L)
{
  api_checkany(L, 1);
  api_checkany(L, 2);
  api_pushboolean(L, api_rawequal(L, 1, 2));
  return 1;
}

static int base_rawlen(State *L)
{
  int t = api_type(L, 1);
  if (t != BT_TABLE && t != BT_STRING)
    api_typeerror(L, 1, "table or string");
  api_pushinteger(L, (int64_t)api_rawlen(L, 1));
  return 1;
}

static int base_rawget(State *L)
{
  api_checktype(L, 1, BT_TABLE);
  api_checkany(L, 2);
  api_settop(L, 2);
  api_rawget(L, 1);
  return 1;
}

static int base_rawset(State *L)
{
  api_checktype(L, 1, BT_TABLE);
  api_checkany(L, 2);
  api_checkany(L, 3);
  api_settop(L, 3);
  api_rawset(L, 1);
  return 1;
}

static int base_collectgarbage(State *L)
{
  static const char *const opts[] = { "stop", "restart", "collect", "count", "step",
    "setpause", "setstepmul", "isrunning", "generational", "incremental", NULL };
  static const int optnum[] = { GCO_STOP, GCO_RESTART, GCO_COLLECT, GCO_COUNT, GCO_STEP,
    GCO_SETPAUSE, GCO_SETSTEPMUL, GCO_ISRUNNING, GCO_GEN, GCO_INC };
  int o = optnum[api_checkoption(L, 1, "collect", opts)];
  int res;
  switch (o) {
  case GCO_COUNT: {
    int k = api_gc(L, GCO_COUNT, 0, 0, 0);
    int b = api_gc(L, GCO_COUNTB, 0, 0, 0);
    if (k == -1)
      break;
    api_pushnumber(L, (double)k + (double)b / 1024);
    return 1;
  }
  case GCO_STEP:
  case GCO_ISRUNNING:
    res = api_gc(L, o, (int)api_optinteger(L, 2, 0), 0, 0);
    if (res == -1)
      break;
    api_pushboolean(L, res);
    return 1;
  case GCO_GEN:
  case GCO_INC:
    res = api_gc(L, o, (int)api_optinteger(L, 2, 0), (int)api_optinteger(L, 3, 0),
                 (int)api_optinteger(L, 4, 0));
    if (res == -1)
      break;
    api_pushstring(L, res == GCO_GEN ? "generational" : "incremental");
    return 1;
  default:
    res = api_gc(L, o, (int)api_optinteger(L, 2, 0), 0, 0);
    if (res == -1)
      break;
    api_pushinteger(L, res);
    return 1;
  }
  api_pushnil(L);
  return 1;
}

static int base_type(State *L)
{
  int t = api_type(L, 1);
  if (t == API_TNONE)
    api_argerror(L, 1, "value expected");
  api_pushstring(L, api_typename(L, t));
  return 1;
}

static int base_next(State *L)
{
  api_checktype(L, 1, BT_TABLE);
  api_settop(L, 2);
  if (api_next(L, 1))
    return 2;
  api_pushnil(L);
  return 1;
}

static int base_pairs(State *L)
{
  api_checkany(L, 1);
  if (api_getmetafield(L, 1, "__pairs") == BT_NIL) {
    api_pushvalue(L, api_upvalueindex(1));   /* next */
    api_pushvalue(L, 1);
    api_pushnil(L);
  } else {
    api_pushvalue(L, 1);
    api_call(L, 1, 3);
  }
  return 3;
}

static int ipairs_aux(State *L)
{
  int64_t i = api_checkinteger(L, 2);
  i++;
  api_pushinteger(L, i);
  return api_geti(L, 1, i) == BT_NIL ? 1 : 2;
}

static int base_ipairs(State *L)
{
  api_checkany(L, 1);
  api_pushvalue(L, api_upvalueindex(1));   /* ipairs_aux */
  api_pushvalue(L, 1);
  api_pushinteger(L, 0);
  return 3;
}

/* After a load: the function (with env as its first upvalue when given), or nil and message. */
static int load_result(State *L, int status, int envidx)
{
  if (status != ST_OK) {
    api_pushnil(L);
    api_insert(L, -2);
    return 2;
  }
  if (envidx) {
    LClosure *cl = lfnvalue(api_index2val(L, -1));
    if (cl->nup >= 1) {
      const TValue *env = api_index2val(L, envidx);
      setobj(cl->up[0]->v, env);
      gc_barrier(L, cl->up[0], env);
    }
  }
  return 1;
}

/* Run protected by load in load's own frame: concatenates the pieces that the reader function
 * (argument 1) returns, so that level 1 of an error in it is the reader and level 2 is load. */
static void load_readall(State *L, void *ud)
{
  (void)ud;
  ApiBuf b;
  api_buf_init(L, &b);
  for (;;) {
    api_pushvalue(L, 1);
    api_call(L, 0, 1);
    if (api_isnil(L, -1)) {
      api_pop(L, 1);
      break;
    }
    if (!api_isstring(L, -1)) {   /* positioned at load's caller, as lua5.4 reports it */
      api_where(L, 1);
      api_pushstring(L, "reader function must return a string");
      api_concat(L, 2);
      api_error(L);
    }
    size_t l;
    api_tolstring(L, -1, &l);
    if (l == 0) {
      api_pop(L, 1);
      break;
    }
    api_buf_addvalue(&b);
  }
  api_buf_pushresult(&b);
}

/* Read a chunk from the reader at index 1 (the text left on top, or the error object). As in
 * lua5.4, the message handler of the enclosing protected call (the CLI's traceback, xpcall's
 * handler) also sees an error of the reader; load then returns what the handler made of it. */
static int load_fromreader(State *L)
{
  ptrdiff_t errfunc = L->errjmp ? L->errjmp->errfunc : 0;
  return call_pcall(L, load_readall, NULL, savestack(L, L->top), errfunc);
}

static int base_load(State *L)
{
  size_t l;
  const char *s = api_tolstring(L, 1, &l);
  const char *mode = api_optstring(L, 3, "bt");
  int envidx = api_isnone(L, 4) ? 0 : 4;
  int status;
  if (s) {
    const char *name = api_optstring(L, 2, s);
    status = api_load(L, s, l, name, mode);
  } else {
    const char *name = api_optstring(L, 2, "=(load)");
    api_checktype(L, 1, BT_FUNCTION);
    status = load_fromreader(L);
    if (status == ST_OK) {
      s = api_tolstring(L, -1, &l);
      status = api_load(L, s, l, name, mode);
      api_remove(L, -2);
    }
  }
  return load_result(L, status, envidx);
}

static int base_loadfile(State *L)
{
  const char *fname = api_optstring(L, 1, NULL);
  const char *mode = api_optstring(L, 2, NULL);
  int envidx = api_isnone(L, 3) ? 0 : 3;
  return load_result(L, api_loadfile(L, fname, mode), envidx);
}

static int base_dofile(State *L)
{
  const char *fname = api_optstring(L, 1, NULL);
  api_settop(L, 1);
  if (api_loadfile(L, fname, NULL) != ST_OK)
    api_error(L);
  api_call(L, 0, MULTRET);
  return api_gettop(L) - 1;
}

static int base_assert(State *L)
{
  if (api_toboolean(L, 1))
    return api_gettop(L);
  api_checkany(L, 1);
  api_remove(L, 1);
  api_pushstring(L, "assertion failed!");
  api_settop(L, 1);
  return base_error(L);
}

static int base_select(State *L)
{
  int n = api_gettop(L);
  if (api_type(L, 1) == BT_STRING && *api_tostring(L, 1) == '#') {
    api_pushinteger(L, n - 1);
    return 1;
  }
  int64_t i = api_checkinteger(L, 1);
  if (i < 0)
    i = n + i;
  else if (i > n)
    i = n;
  if (i < 1)
    api_argerror(L, 1, "index out of range");
  return n - (int)i;
}

/* The end of pcall/xpcall: true and the results, or false and the error object. */
static int finishpcall(State *L, int status, int extra)
{
  if (status != ST_OK) {
    api_pushboolean(L, 0);
    api_pushvalue(L, -2);
    return 2;
  }
  return api_gettop(L) - extra;
}

static int base_pcall(State *L)
{
  api_checkany(L, 1);
  api_pushboolean(L, 1);
  api_insert(L, 1);
  return finishpcall(L, api_pcall(L, api_gettop(L) - 2, MULTRET, 0), 0);
}

static int base_xpcall(State *L)
{
  int n = api_gettop(L);
  api_checktype(L, 2, BT_FUNCTION);
  api_pushboolean(L, 1);
  api_pushvalue(L, 1);
  api_rotate(L, 3, 2);   /* true, f after the handler, before the arguments */
  return finishpcall(L, api_pcall(L, n - 2, MULTRET, 2), 2);
}

static int base_tostring(State *L)
{
  api_checkany(L, 1);
  api_tolstring_meta(L, 1, NULL);
  return 1;
}

static const ApiReg baselib[] = {
  { "assert", base_assert },
  { "collectgarbage", base_collectgarbage },
  { "dofile", base_dofile },
  { "error", base_error },
  { "getmetatable", base_getmetatable },
  { "loadfile", base_loadfile },
  { "load", base_load },
  { "next", base_next },
  { "pcall", base_pcall },
  { "print", base_print },
  { "warn", base_warn },
  { "rawequal", base_rawequal },
  { "rawlen", base_rawlen },
  { "rawget", base_rawget },
  { "rawset", base_rawset },
  { "select", base_select },
  { "setmetatable", base_setmetatable },
  { "tonumber", base_tonumber },
  { "tostring", base_tostring },
  { "type", base_type },
  { "xpcall", base_xpcall },
  { NULL, NULL }
};

int lib_open_base(State *L)
{
  api_pushglobaltable(L);
  api_setfuncs(L, baselib, 0);
  /* the iterator functions are upvalues, so a loop allocates nothing to start */
  api_getfield(L, -1, "next");
  api_pushcclosure(L, base_pairs, "pairs", 1);
  api_setfield(L, -2, "pairs");
  api_pushcfunction(L, ipairs_aux, "ipairs_aux");
  api_pushcclosure(L, base_ipairs, "ipairs", 1);
  api_setfield(L, -2, "ipairs");
  api_pushvalue(L, -1);
  api_setfield(L, -2, "_G");
  api_pushstring(L, "Lua 5.4");
  api_setfield(L, -2, "_VERSION");
  return 1;
}

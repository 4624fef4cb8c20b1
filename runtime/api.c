/* api.c: the C interface of api.h (stack-index access to values, calls, errors, loading) and
 * its auxiliary layer (argument checks, buffers, library registration).
 *
 * Invariants:
 * - Index 1 is ci->func + 1 of the running frame; an index at or above L->top reads as
 *   G->nilvalue, which is never written.
 * - Values handed to vm_* operations are copied to C locals first: a metamethod may reallocate
 *   the stack, and results are stored back through L->top, re-derived after the call. The
 *   originals stay on the stack, so the copies are always reachable for the collector.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "api.h"
#include "call.h"
#include "co.h"
#include "dump.h"
#include "func.h"
#include "parse.h"
#include "str.h"
#include "tab.h"
#include "vm.h"

#define api_incrtop(L) ((L)->top++)

/* -- Stack ------------------------------------------------------------------------------ */

static TValue *index2val(State *L, int idx)
{
  CallInfo *ci = L->ci;
  if (idx > 0) {
    TValue *o = ci->func + idx;
    return o < L->top ? o : &G(L)->nilvalue;
  }
  if (idx > API_REGISTRYINDEX)
    return L->top + idx;
  if (idx == API_REGISTRYINDEX)
    return &G(L)->registry;
  idx = API_REGISTRYINDEX - idx;   /* upvalue number of the running C closure */
  if (ttiscfn(ci->func)) {
    CClosure *f = cfnvalue(ci->func);
    if (idx <= f->nup)
      return &f->up[idx - 1];
  }
  return &G(L)->nilvalue;
}

TValue *api_index2val(State *L, int idx)
{
  return index2val(L, idx);
}

static int isabsent(State *L, const TValue *o)
{
  return o == &G(L)->nilvalue;
}

int api_absindex(State *L, int idx)
{
  return (idx > 0 || idx <= API_REGISTRYINDEX) ? idx : (int)(L->top - L->ci->func) + idx;
}

int api_gettop(State *L)
{
  return (int)(L->top - (L->ci->func + 1));
}

void api_settop(State *L, int idx)
{
  if (idx >= 0) {
    TValue *newtop = L->ci->func + 1 + idx;
    while (L->top < newtop)
      setnil(L->top++);
    L->top = newtop;
  } else {
    L->top += idx + 1;
  }
}

void api_pushvalue(State *L, int idx)
{
  setobj(L->top, index2val(L, idx));
  api_incrtop(L);
}

static void reverse(TValue *a, TValue *b)
{
  for (; a < b; a++, b--) {
    TValue t = *a;
    *a = *b;
    *b = t;
  }
}

void api_rotate(State *L, int idx, int n)
{
  TValue *t = L->top - 1;
  TValue *p = index2val(L, idx);
  TValue *m = n >= 0 ? t - n : p - n - 1;
  reverse(p, m);
  reverse(m + 1, t);
  reverse(p, t);
}

void api_copy(State *L, int from, int to)
{
  TValue *dst = index2val(L, to);
  setobj(dst, index2val(L, from));
  if (to < API_REGISTRYINDEX && iscollectable(dst))   /* an upvalue of a C closure */
    gc_barrier(L, cfnvalue(L->ci->func), dst);
}

void api_insert(State *L, int idx)
{
  api_rotate(L, idx, 1);
}

void api_remove(State *L, int idx)
{
  api_rotate(L, idx, -1);
  L->top--;
}

void api_replace(State *L, int idx)
{
  api_copy(L, -1, idx);
  L->top--;
}

int api_checkstack(State *L, int n)
{
  CallInfo *ci = L->ci;
  if (L->stack_last - L->top <= n) {
    int inuse = (int)(L->top - L->stack) + STACK_EXTRA;
    if (inuse > STACK_MAX - n)
      return 0;
    call_growstack(L, n);
  }
  if (ci->top < L->top + n)
    ci->top = L->top + n;
  return 1;
}

void api_xmove(State *from, State *to, int n)
{
  if (from == to || n <= 0)
    return;
  call_checkstack(to, n);
  from->top -= n;
  for (int i = 0; i < n; i++) {
    setobj(to->top, from->top + i);
    to->top++;
  }
}

/* -- Reading values --------------------------------------------------------------------- */

int api_type(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  return isabsent(L, o) ? API_TNONE : tag_basictype(tt(o));
}

const char *api_typename(State *L, int t)
{
  (void)L;
  return t == API_TNONE ? "no value" : obj_typenames[t];
}

int api_isnumber(State *L, int idx)
{
  double d;
  return obj_tonum(index2val(L, idx), &d);
}

int api_isstring(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  return ttisstr(o) || ttisnum(o);
}

int api_isinteger(State *L, int idx)
{
  return ttisint(index2val(L, idx));
}

int api_iscfunction(State *L, int idx)
{
  return ttiscfn(index2val(L, idx));
}

int64_t api_tointegerx(State *L, int idx, int *isnum)
{
  int64_t i = 0;
  int ok = obj_toint(index2val(L, idx), &i);
  if (isnum)
    *isnum = ok;
  return ok ? i : 0;
}

double api_tonumberx(State *L, int idx, int *isnum)
{
  const TValue *o = index2val(L, idx);
  double d = 0;
  int ok = 1;
  if (ttisint(o))
    d = (double)ivalue(o);
  else if (ttisflt(o))
    d = fltvalue(o);
  else
    ok = obj_tonum(o, &d);
  if (isnum)
    *isnum = ok;
  return ok ? d : 0;
}

int api_toboolean(State *L, int idx)
{
  return !isfalsy(index2val(L, idx));
}

const char *api_tolstring(State *L, int idx, size_t *len)
{
  TValue *o = index2val(L, idx);
  if (!ttisstr(o)) {
    if (!ttisnum(o) || isabsent(L, o)) {
      if (len)
        *len = 0;
      return NULL;
    }
    vm_tostring(L, o);
    gc_check(L);
    o = index2val(L, idx);
  }
  if (len)
    *len = strvalue(o)->len;
  return strdata(strvalue(o));
}

void *api_touserdata(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  if (ttisud(o))
    return udvalue(o)->data;
  if (ttislud(o))
    return pvalue(o);
  return NULL;
}

State *api_tothread(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  return ttisthread(o) ? thvalue(o) : NULL;
}

const void *api_topointer(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  switch (tt(o)) {
  case TAG_LUD:
    return pvalue(o);
  case TAG_UD:
    return udvalue(o)->data;
  default:
    return iscollectable(o) ? (const void *)gcvalue(o) : NULL;
  }
}

size_t api_rawlen(State *L, int idx)
{
  const TValue *o = index2val(L, idx);
  switch (tt(o)) {
  case TAG_STR:
    return strvalue(o)->len;
  case TAG_UD:
    return udvalue(o)->len;
  case TAG_TAB:
    return (size_t)tab_len(tabvalue(o));
  default:
    return 0;
  }
}

int api_rawequal(State *L, int a, int b)
{
  const TValue *x = index2val(L, a), *y = index2val(L, b);
  return !isabsent(L, x) && !isabsent(L, y) && vm_rawequal(x, y);
}

int api_compare(State *L, int a, int b, int op)
{
  const TValue *px = index2val(L, a), *py = index2val(L, b);
  if (isabsent(L, px) || isabsent(L, py))
    return 0;
  TValue x = *px, y = *py;
  switch (op) {
  case API_OPEQ:
    return vm_equal(L, &x, &y);
  case API_OPLT:
    return vm_lessthan(L, &x, &y);
  default:
    return vm_lessequal(L, &x, &y);
  }
}

/* -- Pushing values --------------------------------------------------------------------- */

void api_pushnil(State *L)
{
  setnil(L->top);
  api_incrtop(L);
}

void api_pushinteger(State *L, int64_t n)
{
  setint(L->top, n);
  api_incrtop(L);
}

void api_pushnumber(State *L, double n)
{
  setflt(L->top, n);
  api_incrtop(L);
}

size_t api_stringtonumber(State *L, const char *s, size_t len)
{
  TValue v;
  if (obj_str2num(s, len, &v) != len + 1)
    return 0;
  setobj(L->top, &v);
  api_incrtop(L);
  return len + 1;
}

void api_pushboolean(State *L, int b)
{
  setbool(L->top, b);
  api_incrtop(L);
}

const char *api_pushlstring(State *L, const char *s, size_t len)
{
  Str *ts = str_new(L, s, len);
  setstr(L->top, ts);
  api_incrtop(L);
  gc_check(L);
  return strdata(ts);
}

const char *api_pushstring(State *L, const char *s)
{
  if (!s) {
    api_pushnil(L);
    return NULL;
  }
  return api_pushlstring(L, s, strlen(s));
}

/* UTF-8 encoding of x (up to 0x7FFFFFFF, as Lua's %U); returns the byte count. */
static int utf8_encode(char *buf, unsigned long x)
{
  if (x < 0x80) {
    buf[0] = (char)x;
    return 1;
  }
  char tmp[8];
  int n = 0;
  unsigned long mfb = 0x3f;   /* largest value the first byte can hold */
  do {
    tmp[n++] = (char)(0x80 | (x & 0x3f));
    x >>= 6;
    mfb >>= 1;
  } while (x > mfb);
  tmp[n++] = (char)((~mfb << 1) | x);
  for (int i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  return n;
}

const char *api_pushvfstring(State *L, const char *fmt, va_list ap)
{
  ApiBuf b;
  api_buf_init(L, &b);
  const char *e;
  while ((e = strchr(fmt, '%')) != NULL) {
    api_buf_addlstring(&b, fmt, (size_t)(e - fmt));
    char tmp[OBJ_NUMBUF];
    int n;
    switch (e[1]) {
    case 's': {
      const char *s = va_arg(ap, const char *);
      api_buf_addstring(&b, s ? s : "(null)");
      break;
    }
    case 'd':
      n = snprintf(tmp, sizeof tmp, "%d", va_arg(ap, int));
      api_buf_addlstring(&b, tmp, (size_t)n);
      break;
    case 'I':
      n = snprintf(tmp, sizeof tmp, "%" PRId64, va_arg(ap, int64_t));
      api_buf_addlstring(&b, tmp, (size_t)n);
      break;
    case 'f': {
      TValue v;
      setflt(&v, va_arg(ap, double));
      n = obj_num2str(&v, tmp);
      api_buf_addlstring(&b, tmp, (size_t)n);
      break;
    }
    case 'p':
      n = snprintf(tmp, sizeof tmp, "%p", va_arg(ap, void *));
      api_buf_addlstring(&b, tmp, (size_t)n);
      break;
    case 'c':
      api_buf_addchar(&b, (char)va_arg(ap, int));
      break;
    case 'U':
      n = utf8_encode(tmp, (unsigned long)va_arg(ap, long));
      api_buf_addlstring(&b, tmp, (size_t)n);
      break;
    case '%':
      api_buf_addchar(&b, '%');
      break;
    default:
      api_buf_addlstring(&b, e, 2);
      break;
    }
    fmt = e + 2;
  }
  api_buf_addstring(&b, fmt);
  api_buf_pushresult(&b);
  return strdata(strvalue(L->top - 1));
}

const char *api_pushfstring(State *L, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const char *s = api_pushvfstring(L, fmt, ap);
  va_end(ap);
  return s;
}

void api_pushcclosure(State *L, CFunction f, const char *name, int nup)
{
  CClosure *cl = func_newcclosure(L, f, name, nup);
  L->top -= nup;
  for (int i = 0; i < nup; i++)
    setobj(&cl->up[i], L->top + i);
  setcfn(L->top, cl);
  api_incrtop(L);
  gc_check(L);
}

void api_pushlightuserdata(State *L, void *p)
{
  setlud(L->top, p);
  api_incrtop(L);
}

int api_pushthread(State *L)
{
  setthread(L->top, L);
  api_incrtop(L);
  return G(L)->mainthread == L;
}

void *api_newuserdata(State *L, size_t size)
{
  Udata *u = (Udata *)gc_newobj(L, TAG_UD, offsetof(Udata, data) + size);
  u->mt = NULL;
  u->len = size;
  u->gclist = NULL;
  setnil(&u->user);
  setud(L->top, u);
  api_incrtop(L);
  gc_check(L);
  return u->data;
}

static const TValue *globals(State *L)
{
  return tab_getint(tabvalue(&G(L)->registry), REGISTRY_GLOBALS);
}

void api_pushglobaltable(State *L)
{
  setobj(L->top, globals(L));
  api_incrtop(L);
}

/* -- Tables and metatables -------------------------------------------------------------- */

void api_createtable(State *L, int narr, int nrec)
{
  Table *t = tab_new(L, narr, nrec);
  settab(L->top, t);
  api_incrtop(L);
  gc_check(L);
}

/* t[top-1] through metamethods; the key slot receives the value. */
static int gettop_key(State *L, TValue t)
{
  TValue k = L->top[-1], res;
  vm_gettable(L, &t, &k, &res);
  setobj(L->top - 1, &res);
  return tag_basictype(tt(&res));
}

int api_gettable(State *L, int idx)
{
  return gettop_key(L, *index2val(L, idx));
}

int api_getfield(State *L, int idx, const char *k)
{
  TValue t = *index2val(L, idx);
  api_pushstring(L, k);
  return gettop_key(L, t);
}

int api_geti(State *L, int idx, int64_t i)
{
  TValue t = *index2val(L, idx);
  if (likely(ttistab(&t))) {
    /* A present value, or an absent one without a metatable to ask: no metamethod runs. */
    Table *h = tabvalue(&t);
    const TValue *v = (uint64_t)i - 1 < h->asize ? &h->arr[i - 1] : tab_getint(h, i);
    if (likely(!ttisnil(v) || h->mt == NULL)) {
      setobj(L->top, v);
      api_incrtop(L);
      return tag_basictype(tt(v));
    }
  }
  api_pushinteger(L, i);
  return gettop_key(L, t);
}

int api_rawget(State *L, int idx)
{
  Table *t = tabvalue(index2val(L, idx));
  setobj(L->top - 1, tab_get(t, L->top - 1));
  return tag_basictype(tt(L->top - 1));
}

int api_rawgeti(State *L, int idx, int64_t i)
{
  Table *t = tabvalue(index2val(L, idx));
  setobj(L->top, tab_getint(t, i));
  api_incrtop(L);
  return tag_basictype(tt(L->top - 1));
}

/* t[top-2] = top-1 through metamethods; pops both. */
static void settop_kv(State *L, TValue t)
{
  TValue k = L->top[-2], v = L->top[-1];
  vm_settable(L, &t, &k, &v);
  L->top -= 2;
}

void api_settable(State *L, int idx)
{
  settop_kv(L, *index2val(L, idx));
}

void api_setfield(State *L, int idx, const char *k)
{
  TValue t = *index2val(L, idx);
  api_pushstring(L, k);
  api_insert(L, -2);
  settop_kv(L, t);
}

void api_seti(State *L, int idx, int64_t i)
{
  TValue t = *index2val(L, idx);
  if (likely(ttistab(&t))) {
    /* An existing array entry, or any key of a table without a metatable: a raw write. */
    Table *h = tabvalue(&t);
    TValue *v = L->top - 1;
    if ((uint64_t)i - 1 < h->asize && (h->mt == NULL || !ttisnil(&h->arr[i - 1]))) {
      setobj(&h->arr[i - 1], v);
      gc_barrierback(L, h, v);
      L->top--;
      return;
    }
    if (h->mt == NULL) {
      tab_setint(L, h, i, v);   /* barrier included */
      L->top--;
      return;
    }
  }
  api_pushinteger(L, i);
  api_insert(L, -2);
  settop_kv(L, t);
}

int api_arrayshift(State *L, int idx, int64_t f, int64_t e, int d)
{
  const TValue *o = index2val(L, idx);
  if (!ttistab(o) || f > e)
    return 0;
  Table *h = tabvalue(o);
  int64_t lo = f + (d < 0 ? d : 0), hi = e + (d > 0 ? d : 0);
  if (h->mt != NULL || lo < 1 || hi > (int64_t)h->asize)
    return 0;
  /* Values move inside one table: no new reference from it, so no barrier. */
  memmove(&h->arr[f - 1 + d], &h->arr[f - 1], (size_t)(e - f + 1) * sizeof(TValue));
  return 1;
}

void api_rawset(State *L, int idx)
{
  Table *t = tabvalue(index2val(L, idx));
  TValue *slot = tab_set(L, t, L->top - 2);
  setobj(slot, L->top - 1);
  gc_barrierback(L, t, L->top - 1);
  L->top -= 2;
}

void api_rawseti(State *L, int idx, int64_t i)
{
  Table *t = tabvalue(index2val(L, idx));
  tab_setint(L, t, i, L->top - 1);
  gc_barrierback(L, t, L->top - 1);
  L->top--;
}

int api_getglobal(State *L, const char *name)
{
  TValue g = *globals(L);
  api_pushstring(L, name);
  return gettop_key(L, g);
}

void api_setglobal(State *L, const char *name)
{
  TValue g = *globals(L);
  api_pushstring(L, name);
  api_insert(L, -2);
  settop_kv(L, g);
}

int api_next(State *L, int idx)
{
  Table *t = tabvalue(index2val(L, idx));
  if (tab_next(L, t, L->top - 1)) {
    api_incrtop(L);
    return 1;
  }
  L->top--;
  return 0;
}

static Table *getmt(State *L, const TValue *o)
{
  switch (tt(o)) {
  case TAG_TAB:
    return tabvalue(o)->mt;
  case TAG_UD:
    return udvalue(o)->mt;
  default:
    return G(L)->mt[tag_basictype(tt(o))];
  }
}

int api_getmetatable(State *L, int idx)
{
  Table *mt = getmt(L, index2val(L, idx));
  if (!mt)
    return 0;
  settab(L->top, mt);
  api_incrtop(L);
  return 1;
}

void api_setmetatable(State *L, int idx)
{
  TValue *o = index2val(L, idx);
  Table *mt = ttisnil(L->top - 1) ? NULL : tabvalue(L->top - 1);
  switch (tt(o)) {
  case TAG_TAB:
    tabvalue(o)->mt = mt;
    if (mt) {
      gc_objbarrier(L, gcvalue(o), mt);
      gc_checkfinalizer(L, gcvalue(o), mt);
    }
    break;
  case TAG_UD:
    udvalue(o)->mt = mt;
    if (mt) {
      gc_objbarrier(L, gcvalue(o), mt);
      gc_checkfinalizer(L, gcvalue(o), mt);
    }
    break;
  default:
    G(L)->mt[tag_basictype(tt(o))] = mt;
    break;
  }
  L->top--;
}

int api_getiuservalue(State *L, int idx, int n)
{
  const TValue *o = index2val(L, idx);
  if (!ttisud(o) || n != 1) {
    api_pushnil(L);
    return API_TNONE;
  }
  setobj(L->top, &udvalue(o)->user);
  api_incrtop(L);
  return tag_basictype(tt(L->top - 1));
}

int api_setiuservalue(State *L, int idx, int n)
{
  TValue *o = index2val(L, idx);
  int ok = ttisud(o) && n == 1;
  if (ok) {
    setobj(&udvalue(o)->user, L->top - 1);
    gc_barrier(L, gcvalue(o), L->top - 1);
  }
  L->top--;
  return ok;
}

void api_len(State *L, int idx)
{
  TValue v = *index2val(L, idx), res;
  if (ttistab(&v) && tabvalue(&v)->mt == NULL)
    setint(&res, (int64_t)tab_len(tabvalue(&v)));
  else
    vm_len(L, &v, &res);
  setobj(L->top, &res);
  api_incrtop(L);
}

void api_arith(State *L, int op)
{
  if (op == TM_UNM || op == TM_BNOT) {   /* unary: the operand doubles as the second one */
    setobj(L->top, L->top - 1);
    api_incrtop(L);
  }
  TValue a = L->top[-2], b = L->top[-1], res;
  vm_arith(L, op, &a, &b, &res);
  L->top--;
  setobj(L->top - 1, &res);
}

void api_concat(State *L, int n)
{
  if (n == 0) {
    api_pushlstring(L, "", 0);
  } else if (n >= 2) {
    vm_concat(L, n);
    gc_check(L);
  }
}

/* -- Calls and errors ------------------------------------------------------------------- */

static void adjustresults(State *L, int nres)
{
  if (nres == MULTRET && L->ci->top < L->top)
    L->ci->top = L->top;
}

void api_call(State *L, int nargs, int nresults)
{
  call_call(L, L->top - (nargs + 1), nresults);
  adjustresults(L, nresults);
}

struct CallArgs { ptrdiff_t func; int nresults; };

static void f_call(State *L, void *ud)
{
  struct CallArgs *c = ud;
  call_call(L, restorestack(L, c->func), c->nresults);
}

int api_pcall(State *L, int nargs, int nresults, int msgh)
{
  struct CallArgs c;
  ptrdiff_t errfunc = msgh ? savestack(L, index2val(L, msgh)) : 0;
  c.func = savestack(L, L->top - (nargs + 1));
  c.nresults = nresults;
  int status = call_pcall(L, f_call, &c, c.func, errfunc);
  adjustresults(L, nresults);
  return status;
}

struct LoadArgs {
  const char *buf;
  size_t len;
  const char *name;
};

static void setglobalsup(State *L, LClosure *cl)
{
  if (cl->nup >= 1) {
    const TValue *g = globals(L);
    setobj(cl->up[0]->v, g);
    gc_barrier(L, cl->up[0], g);
  }
}

static void f_parse(State *L, void *ud)
{
  struct LoadArgs *a = ud;
  /* api_load saw the first byte: ESC starts a binary chunk (string.dump, dump.h) */
  Proto *p = a->len > 0 && a->buf[0] == '\x1b' ? dump_undump(L, a->buf, a->len, a->name)
                                               : parse_chunk(L, a->buf, a->len, a->name);
  LClosure *cl = func_newlclosure(L, p);
  setlfn(L->top, cl);
  api_incrtop(L);
  func_initupvals(L, cl);
  setglobalsup(L, cl);
}

int api_load(State *L, const char *buf, size_t len, const char *chunkname, const char *mode)
{
  struct LoadArgs a = { buf, len, chunkname ? chunkname : "?" };
  int binary = len > 0 && buf[0] == '\x1b';
  if (!mode)
    mode = "bt";
  if (!strchr(mode, binary ? 'b' : 't')) {
    api_pushfstring(L, "attempt to load a %s chunk (mode is '%s')", binary ? "binary" : "text", mode);
    return ST_ERRSYNTAX;
  }
  int status = call_pcall(L, f_parse, &a, savestack(L, L->top), 0);
  gc_check(L);
  return status;
}

int api_loadfile(State *L, const char *fname, const char *mode)
{
  FILE *f = fname ? fopen(fname, "rb") : stdin;
  if (!f) {
    api_pushfstring(L, "cannot open %s: %s", fname, strerror(errno));
    return ST_ERRFILE;
  }
  ApiBuf b;
  api_buf_init(L, &b);
  size_t n;
  do {
    char *p = api_buf_prep(&b, API_BUFSIZE);
    n = fread(p, 1, API_BUFSIZE, f);
    api_buf_addsize(&b, n);
  } while (n == API_BUFSIZE);
  int readerr = ferror(f);
  int err = errno;
  if (fname)
    fclose(f);
  else
    clearerr(stdin);
  api_buf_pushresult(&b);
  if (readerr) {
    api_pop(L, 1);
    api_pushfstring(L, "cannot read %s: %s", fname ? fname : "stdin", strerror(err));
    return ST_ERRFILE;
  }
  size_t len;
  const char *s = api_tolstring(L, -1, &len);
  /* a first line starting with '#' (a Unix exec line) is skipped, keeping its newline */
  size_t skip = 0;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
    skip = 3;
  if (skip < len && s[skip] == '#') {
    while (skip < len && s[skip] != '\n')
      skip++;
    if (skip + 1 < len && s[skip + 1] == '\x1b')
      skip++;     /* a binary chunk must start at its signature */
  }
  if (fname)
    api_pushfstring(L, "@%s", fname);
  else
    api_pushstring(L, "=stdin");
  int status = api_load(L, s + skip, len - skip, api_tostring(L, -1), mode);
  api_remove(L, -2);   /* chunk name */
  api_remove(L, -2);   /* text */
  return status;
}

_Noreturn void api_error(State *L)
{
  int status = ST_ERRRUN;
  if (ttisstr(L->top - 1) && strvalue(L->top - 1) == G(L)->memerrmsg)
    status = ST_ERRMEM;
  call_throw(L, status);
}

int api_status(State *L)
{
  return L->status;
}

/* -- Coroutines -------------------------------------------------------------------------- */

State *api_newthread(State *L)
{
  State *L1 = state_newthread(L);
  setthread(L->top, L1);
  api_incrtop(L);
  gc_check(L);
  return L1;
}

int api_resume(State *co, State *from, int nargs, int *nresults)
{
  return co_resume(co, from, nargs, nresults);
}

int api_yield(State *L, int nresults)
{
  return co_yield(L, nresults);
}

int api_isyieldable(State *L)
{
  return co_isyieldable(L);
}

int api_closethread(State *co, State *from)
{
  return co_close(co, from);
}

int api_gc(State *L, int what, int a, int b, int c)
{
  return gc_control(L, what, a, b, c);
}

/* -- Auxiliary layer: errors -------------------------------------------------------------- */

void api_where(State *L, int level)
{
  CallInfo *ci = call_getstack(L, level);
  if (ci && (ci->status & CIST_LUA)) {
    int line = call_currentline(ci);
    if (line > 0) {
      char id[OBJ_IDSIZE];
      call_chunkid(id, lfnvalue(ci->func)->p);
      api_pushfstring(L, "%s:%d: ", id, line);
      return;
    }
  }
  api_pushstring(L, "");
}

_Noreturn void api_errorf(State *L, const char *fmt, ...)
{
  va_list ap;
  api_where(L, 1);
  va_start(ap, fmt);
  api_pushvfstring(L, fmt, ap);
  va_end(ap);
  api_concat(L, 2);
  api_error(L);
}

/* Name under which the running function is known in package.loaded ("string.rep", "print"),
 * written into buf; 0 if it is in none of the loaded modules. */
static int loadedname(State *L, char *buf, size_t cap)
{
  const TValue *loaded = tab_getstr(tabvalue(&G(L)->registry), str_newz(L, "_LOADED"));
  if (!ttistab(loaded))
    return 0;
  const TValue *fn = L->ci->func;
  TValue mod[2], fld[2];
  setnil(&mod[0]);
  while (tab_next(L, tabvalue(loaded), mod)) {
    if (!ttisstr(&mod[0]) || !ttistab(&mod[1]))
      continue;
    setnil(&fld[0]);
    while (tab_next(L, tabvalue(&mod[1]), fld)) {
      if (ttisstr(&fld[0]) && vm_rawequal(&fld[1], fn)) {
        const char *m = strdata(strvalue(&mod[0]));
        if (strcmp(m, "_G") == 0)
          snprintf(buf, cap, "%s", strdata(strvalue(&fld[0])));
        else
          snprintf(buf, cap, "%s.%s", m, strdata(strvalue(&fld[0])));
        return 1;
      }
    }
  }
  return 0;
}

const char *api_funcname(State *L)
{
  const char *name = NULL;
  if (call_funcname(L, L->ci, &name) && name)
    return name;
  if (ttiscfn(L->ci->func) && cfnvalue(L->ci->func)->name)
    return cfnvalue(L->ci->func)->name;
  return "?";
}

_Noreturn void api_argerror(State *L, int arg, const char *extramsg)
{
  const char *name = NULL;
  const char *what = call_funcname(L, L->ci, &name);
  if (what && strcmp(what, "method") == 0) {
    arg--;
    if (arg == 0)
      api_errorf(L, "calling '%s' on bad self (%s)", name, extramsg);
  }
  char gname[128];
  if (!what || !name) {
    if (loadedname(L, gname, sizeof gname))
      name = gname;
    else if (ttiscfn(L->ci->func) && cfnvalue(L->ci->func)->name)
      name = cfnvalue(L->ci->func)->name;
    else
      name = "?";
  }
  api_errorf(L, "bad argument #%d to '%s' (%s)", arg, name, extramsg);
}

_Noreturn void api_typeerror(State *L, int arg, const char *tname)
{
  const char *actual;
  if (api_getmetafield(L, arg, "__name") == BT_STRING)
    actual = api_tostring(L, -1);
  else if (api_type(L, arg) == BT_LUD)
    actual = "light userdata";
  else
    actual = api_typename(L, api_type(L, arg));
  api_argerror(L, arg, api_pushfstring(L, "%s expected, got %s", tname, actual));
}

/* -- Auxiliary layer: argument checks ----------------------------------------------------- */

int64_t api_checkinteger(State *L, int arg)
{
  int isnum;
  int64_t i = api_tointegerx(L, arg, &isnum);
  if (!isnum) {
    if (api_isnumber(L, arg))
      api_argerror(L, arg, "number has no integer representation");
    api_typeerror(L, arg, "number");
  }
  return i;
}

int64_t api_optinteger(State *L, int arg, int64_t def)
{
  return api_isnoneornil(L, arg) ? def : api_checkinteger(L, arg);
}

double api_checknumber(State *L, int arg)
{
  int isnum;
  double d = api_tonumberx(L, arg, &isnum);
  if (!isnum)
    api_typeerror(L, arg, "number");
  return d;
}

double api_optnumber(State *L, int arg, double def)
{
  return api_isnoneornil(L, arg) ? def : api_checknumber(L, arg);
}

const char *api_checklstring(State *L, int arg, size_t *len)
{
  const char *s = api_tolstring(L, arg, len);
  if (!s)
    api_typeerror(L, arg, "string");
  return s;
}

const char *api_optlstring(State *L, int arg, const char *def, size_t *len)
{
  if (api_isnoneornil(L, arg)) {
    if (len)
      *len = def ? strlen(def) : 0;
    return def;
  }
  return api_checklstring(L, arg, len);
}

void api_checktype(State *L, int arg, int t)
{
  if (api_type(L, arg) != t)
    api_typeerror(L, arg, api_typename(L, t));
}

void api_checkany(State *L, int arg)
{
  if (api_type(L, arg) == API_TNONE)
    api_argerror(L, arg, "value expected");
}

int api_checkoption(State *L, int arg, const char *def, const char *const lst[])
{
  const char *name = def ? api_optstring(L, arg, def) : api_checkstring(L, arg);
  for (int i = 0; lst[i]; i++)
    if (strcmp(lst[i], name) == 0)
      return i;
  api_argerror(L, arg, api_pushfstring(L, "invalid option '%s'", name));
}

void api_checkstackmsg(State *L, int n, const char *msg)
{
  if (!api_checkstack(L, n)) {
    if (msg)
      api_errorf(L, "stack overflow (%s)", msg);
    api_errorf(L, "stack overflow");
  }
}

void *api_testudata(State *L, int arg, const char *tname)
{
  void *p = api_touserdata(L, arg);
  if (!p || !api_getmetatable(L, arg))
    return NULL;
  api_getfield(L, API_REGISTRYINDEX, tname);
  if (!api_rawequal(L, -1, -2))
    p = NULL;
  api_pop(L, 2);
  return p;
}

void *api_checkudata(State *L, int arg, const char *tname)
{
  void *p = api_testudata(L, arg, tname);
  if (!p)
    api_typeerror(L, arg, tname);
  return p;
}

int api_newmetatable(State *L, const char *tname)
{
  if (api_getfield(L, API_REGISTRYINDEX, tname) != BT_NIL)
    return 0;
  api_pop(L, 1);
  api_createtable(L, 0, 2);
  api_pushstring(L, tname);
  api_setfield(L, -2, "__name");
  api_pushvalue(L, -1);
  api_setfield(L, API_REGISTRYINDEX, tname);
  return 1;
}

void api_setmetatable_named(State *L, const char *tname)
{
  api_getfield(L, API_REGISTRYINDEX, tname);
  api_setmetatable(L, -2);
}

int api_getmetafield(State *L, int obj, const char *e)
{
  if (!api_getmetatable(L, obj))
    return BT_NIL;
  api_pushstring(L, e);
  int t = api_rawget(L, -2);
  if (t == BT_NIL) {
    api_pop(L, 2);
    return BT_NIL;
  }
  api_remove(L, -2);
  return t;
}

int api_callmeta(State *L, int obj, const char *e)
{
  obj = api_absindex(L, obj);
  if (api_getmetafield(L, obj, e) == BT_NIL)
    return 0;
  api_pushvalue(L, obj);
  api_call(L, 1, 1);
  return 1;
}

const char *api_tolstring_meta(State *L, int idx, size_t *len)
{
  idx = api_absindex(L, idx);
  if (api_callmeta(L, idx, "__tostring")) {
    if (!api_isstring(L, -1))
      api_errorf(L, "'__tostring' must return a string");
  } else {
    switch (api_type(L, idx)) {
    case BT_NUMBER:
    case BT_STRING:
      api_pushvalue(L, idx);
      break;
    case BT_BOOLEAN:
      api_pushstring(L, api_toboolean(L, idx) ? "true" : "false");
      break;
    case BT_NIL:
      api_pushstring(L, "nil");
      break;
    default: {
      int tt = api_getmetafield(L, idx, "__name");
      const char *kind = tt == BT_STRING ? api_tostring(L, -1) : api_typename(L, api_type(L, idx));
      api_pushfstring(L, "%s: %p", kind, api_topointer(L, idx));
      if (tt != BT_NIL)
        api_remove(L, -2);
      break;
    }
    }
  }
  return api_tolstring(L, -1, len);
}

/* -- Auxiliary layer: libraries --------------------------------------------------------- */

void api_setfuncs(State *L, const ApiReg *l, int nup)
{
  api_checkstackmsg(L, nup, "too many upvalues");
  for (; l->name; l++) {
    if (!l->func) {
      api_pushboolean(L, 0);
    } else {
      for (int i = 0; i < nup; i++)
        api_pushvalue(L, -nup);
      api_pushcclosure(L, l->func, l->name, nup);
    }
    api_setfield(L, -(nup + 2), l->name);
  }
  api_pop(L, nup);
}

void api_newlib(State *L, const ApiReg *l)
{
  int n = 0;
  while (l[n].name)
    n++;
  api_createtable(L, 0, n);
  api_setfuncs(L, l, 0);
}

void api_requiref(State *L, const char *modname, CFunction openf, int glb)
{
  api_getsubtable(L, API_REGISTRYINDEX, "_LOADED");
  api_getfield(L, -1, modname);
  if (!api_toboolean(L, -1)) {
    api_pop(L, 1);
    api_pushcfunction(L, openf, modname);
    api_pushstring(L, modname);
    api_call(L, 1, 1);
    api_pushvalue(L, -1);
    api_setfield(L, -3, modname);
  }
  api_remove(L, -2);
  if (glb) {
    api_pushvalue(L, -1);
    api_setglobal(L, modname);
  }
}

void api_traceback(State *L, State *L1, const char *msg, int level)
{
  call_traceback(L, L1, msg, level);
}

int api_getsubtable(State *L, int idx, const char *fname)
{
  if (api_getfield(L, idx, fname) == BT_TABLE)
    return 1;
  api_pop(L, 1);
  idx = api_absindex(L, idx);
  api_newtable(L);
  api_pushvalue(L, -1);
  api_setfield(L, idx, fname);
  return 0;
}

int api_fileresult(State *L, int stat, const char *fname)
{
  int en = errno;
  if (stat) {
    api_pushboolean(L, 1);
    return 1;
  }
  api_pushnil(L);
  if (fname)
    api_pushfstring(L, "%s: %s", fname, strerror(en));
  else
    api_pushstring(L, strerror(en));
  api_pushinteger(L, en);
  return 3;
}

int api_execresult(State *L, int stat)
{
  if (stat != 0 && errno != 0)
    return api_fileresult(L, 0, NULL);
  const char *what = "exit";
  if (WIFEXITED(stat)) {
    stat = WEXITSTATUS(stat);
  } else if (WIFSIGNALED(stat)) {
    stat = WTERMSIG(stat);
    what = "signal";
  }
  if (*what == 'e' && stat == 0)
    api_pushboolean(L, 1);
  else
    api_pushnil(L);
  api_pushstring(L, what);
  api_pushinteger(L, stat);
  return 3;
}

int64_t api_len_checked(State *L, int idx)
{
  int isnum;
  api_len(L, idx);
  int64_t l = api_tointegerx(L, -1, &isnum);
  if (!isnum)
    api_errorf(L, "object length is not an integer");
  api_pop(L, 1);
  return l;
}

/* -- String buffers ----------------------------------------------------------------------- */

void api_buf_init(State *L, ApiBuf *B)
{
  B->L = L;
  B->b = B->init;
  B->n = 0;
  B->size = API_BUFSIZE;
  B->boxed = 0;
  api_pushlightuserdata(L, B);   /* placeholder for the box */
}

/* Move the contents into a bigger box (a full userdata) replacing the one at boxidx. */
static char *buf_grow(ApiBuf *B, size_t sz, int boxidx)
{
  State *L = B->L;
  if (sz > SIZE_MAX / 2 - B->n)
    api_errorf(L, "buffer too large");
  size_t need = B->n + sz;
  size_t ns = B->size * 2;
  if (ns < need)
    ns = need;
  char *nb = api_newuserdata(L, ns);
  memcpy(nb, B->b, B->n);
  api_replace(L, boxidx - 1);
  B->b = nb;
  B->size = ns;
  B->boxed = 1;
  return nb + B->n;
}

char *api_buf_prep(ApiBuf *B, size_t sz)
{
  if (B->size - B->n >= sz)
    return B->b + B->n;
  return buf_grow(B, sz, -1);
}

void api_buf_addlstring(ApiBuf *B, const char *s, size_t l)
{
  if (l > 0) {
    memcpy(api_buf_prep(B, l), s, l);
    api_buf_addsize(B, l);
  }
}

void api_buf_addstring(ApiBuf *B, const char *s)
{
  api_buf_addlstring(B, s, strlen(s));
}

void api_buf_addchar(ApiBuf *B, char c)
{
  *api_buf_prep(B, 1) = c;
  api_buf_addsize(B, 1);
}

void api_buf_addvalue(ApiBuf *B)
{
  State *L = B->L;
  size_t l;
  const char *s = api_tolstring(L, -1, &l);
  char *p = B->size - B->n >= l ? B->b + B->n : buf_grow(B, l, -2);
  memcpy(p, s, l);
  api_buf_addsize(B, l);
  api_pop(L, 1);
}

void api_buf_pushresult(ApiBuf *B)
{
  State *L = B->L;
  api_pushlstring(L, B->b, B->n);
  api_remove(L, -2);
}

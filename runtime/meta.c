/* meta.c: metamethod lookup, the generic (metamethod-aware) operations, and the runtime
 * error messages that name the variable involved, found by symbolic execution of the
 * bytecode at the failing pc.
 *
 * Invariant: a metatable's nomm bit for an event up to TM_EQ is set only while the event is
 * absent from it; tab.c clears nomm on every write of a "__" key.
 */
#include <stdio.h>
#include <string.h>
#include "vm.h"
#include "call.h"
#include "tab.h"
#include "str.h"
#include "bc.h"
#include "func.h"
#include <math.h>

#define MAXTAGLOOP 2000   /* __index/__newindex chain length before "possible loop" */

/* -- Metatables ------------------------------------------------------------------------- */

void meta_init(State *L)
{
  static const char *const names[TM__N] = {
#define X(name, s) s,
    TM_LIST(X)
#undef X
  };
  for (int e = 0; e < TM__N; e++) {
    Str *s = str_newz(L, names[e]);
    if (G(L)->gc.allgc == (GCObj *)s)
      gc_fix(L, (GCObj *)s);
    else
      s->marked |= GC_FIXED;   /* interned earlier: pin it where it is */
    G(L)->tmname[e] = s;
  }
}

const TValue *meta_gettab(State *L, Table *mt, int event)
{
  if (event <= TM_EQ && (mt->nomm & (1u << event)))
    return &G(L)->nilvalue;
  const TValue *tm = tab_getstr(mt, G(L)->tmname[event]);
  if (ttisnil(tm) && event <= TM_EQ)
    mt->nomm |= (uint8_t)(1u << event);
  return tm;
}

/* The slot of `key` in t's shape when *hint names it (a cheap check: shapes never change their
 * keys), else a lookup that refreshes the hint. Method lookups repeat the same few keys in the
 * same class tables, where a shape lookup costs a scan or a probe each time. */
static const TValue *hintedget(Table *t, Str *key, uint16_t *hint)
{
  const Shape *sh = t->shape;
  if (sh != NULL && *hint < sh->nkeys && sh->keys[*hint] == key)
    return &t->slots[*hint];
  const TValue *v = tab_getstr(t, key);
  if (sh != NULL && v >= t->slots && v < t->slots + sh->nkeys)
    *hint = (uint16_t)(v - t->slots);
  return v;
}

/* mt.__index, remembering its slot in mt itself. */
static const TValue *indexof(State *L, Table *mt)
{
  if (mt->nomm & (1u << TM_INDEX))
    return &G(L)->nilvalue;
  uint16_t h = mt->idxhint;
  const Shape *sh = mt->shape;
  if (sh != NULL && h < sh->nkeys && sh->keys[h] == G(L)->tmname[TM_INDEX])
    return &mt->slots[h];
  const TValue *tm = meta_gettab(L, mt, TM_INDEX);
  if (sh != NULL && tm >= mt->slots && tm < mt->slots + sh->nkeys)
    mt->idxhint = (uint8_t)(tm - mt->slots);
  return tm;
}

const TValue *meta_indexstr(State *L, Table *t, Str *key, uint16_t *hint)
{
  /* Classes are chains of __index tables (object -> class -> superclass ...); a chain longer
   * than this, or a function anywhere in it, takes the generic path (vm_gettable). */
  uint16_t scratch = 0;
  if (!hint)
    hint = &scratch;
  for (int depth = 0; depth < 16 && t->mt != NULL; depth++) {
    const TValue *tm = indexof(L, t->mt);
    if (!ttistab(tm))
      return NULL;
    t = tabvalue(tm);
    const TValue *v = hintedget(t, key, hint);
    if (!ttisnil(v))
      return v;
  }
  return NULL;
}

static Table *getmt(State *L, const TValue *o)
{
  switch (tt(o)) {
  case TAG_TAB: return tabvalue(o)->mt;
  case TAG_UD: return udvalue(o)->mt;
  default: return G(L)->mt[tag_basictype(tt(o))];
  }
}

const TValue *meta_get(State *L, const TValue *o, int event)
{
  Table *mt = getmt(L, o);
  return mt ? meta_gettab(L, mt, event) : &G(L)->nilvalue;
}

const char *meta_typename(State *L, const TValue *o)
{
  Table *mt = (ttistab(o) || ttisud(o)) ? getmt(L, o) : NULL;
  if (mt) {
    const TValue *name = tab_getstr(mt, G(L)->tmname[TM_NAME]);
    if (ttisstr(name))
      return strdata(strvalue(name));
  }
  return obj_typenames[tag_basictype(tt(o))];
}

/* -- Symbolic execution ----------------------------------------------------------------- */

static const char *upvalname(const Proto *p, int idx)
{
  if (idx < p->nupvals && p->upvals[idx].name)
    return strdata(p->upvals[idx].name);
  return "?";
}

/* Does the instruction set register A? */
static int setsA(OpCode op)
{
  switch (op) {
  case OP_SETUPVAL: case OP_SETTABUP: case OP_SETTABLE: case OP_SETINT: case OP_SETFIELD:
  case OP_CLOSE: case OP_TBC: case OP_JMP: case OP_EQ: case OP_LT: case OP_LE: case OP_EQK:
  case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: case OP_TEST:
  case OP_RETURN: case OP_RETURN0: case OP_RETURN1: case OP_TFORPREP: case OP_SETLIST:
  case OP_EXTRAARG: case OP_VARARGPREP:
    return 0;
  default:
    return 1;
  }
}

/* The last instruction before lastpc that certainly set reg, or -1 (e.g. set inside a
 * conditional branch that may have been skipped). */
static int findsetreg(const Proto *p, int lastpc, int reg)
{
  int setreg = -1;
  int jmptarget = 0;   /* code before this pc ran conditionally */
  for (int pc = 0; pc < lastpc; pc++) {
    Instr i = p->code[pc];
    OpCode op = GET_OP(i);
    int a = GET_A(i);
    int change;
    switch (op) {
    case OP_LOADNIL:
      change = a <= reg && reg <= a + GET_B(i);
      break;
    case OP_TFORCALL:
      change = reg >= a + 2;
      break;
    case OP_CALL: case OP_TAILCALL:
      change = reg >= a;
      break;
    case OP_JMP: {
      int dest = pc + 1 + GET_sJ(i);
      if (dest <= lastpc && dest > jmptarget)
        jmptarget = dest;
      change = 0;
      break;
    }
    default:
      change = setsA(op) && reg == a;
      break;
    }
    if (change)
      setreg = pc < jmptarget ? -1 : pc;
  }
  return setreg;
}

static const char *kname(const Proto *p, int idx, const char **name)
{
  const TValue *kv = &p->k[idx];
  *name = ttisstr(kv) ? strdata(strvalue(kv)) : "?";
  return *name;
}

/* "global" if the table operand is the variable _ENV, "field" otherwise. */
static const char *gxf(const Proto *p, int pc, int t, int isup)
{
  const char *name = NULL;
  if (isup)
    name = upvalname(p, t);
  else
    meta_objname(p, pc, t, &name);
  return (name && strcmp(name, "_ENV") == 0) ? "global" : "field";
}

const char *meta_objname(const Proto *p, int lastpc, int reg, const char **name)
{
  *name = func_localname(p, reg + 1, lastpc);
  if (*name)
    return "local";
  int pc = findsetreg(p, lastpc, reg);
  if (pc < 0)
    return NULL;
  Instr i = p->code[pc];
  switch (GET_OP(i)) {
  case OP_MOVE:
    if (GET_B(i) < GET_A(i))
      return meta_objname(p, pc, GET_B(i), name);
    return NULL;
  case OP_GETTABUP:
    kname(p, GET_C(i), name);
    return gxf(p, pc, GET_B(i), 1);
  case OP_GETTABLE: {
    const char *kind = meta_objname(p, pc, GET_C(i), name);
    if (!kind || strcmp(kind, "constant") != 0)
      *name = "?";
    return gxf(p, pc, GET_B(i), 0);
  }
  case OP_GETINT:
    *name = "integer index";
    return "field";
  case OP_GETFIELD:
    kname(p, GET_C(i), name);
    return gxf(p, pc, GET_B(i), 0);
  case OP_GETUPVAL:
    *name = upvalname(p, GET_B(i));
    return "upvalue";
  case OP_LOADK:
    if (ttisstr(&p->k[GET_Bx(i)])) {
      *name = strdata(strvalue(&p->k[GET_Bx(i)]));
      return "constant";
    }
    return NULL;
  case OP_SELF:
    kname(p, GET_C(i), name);
    return "method";
  default:
    return NULL;
  }
}

const char *meta_funcnamefromcode(State *L, const Proto *p, int pc, const char **name)
{
  int tm;
  Instr i = p->code[pc];
  switch (GET_OP(i)) {
  case OP_CALL: case OP_TAILCALL:
    return meta_objname(p, pc, GET_A(i), name);
  case OP_TFORCALL:
    *name = "for iterator";
    return "for iterator";
  case OP_SELF: case OP_GETTABUP: case OP_GETTABLE: case OP_GETINT: case OP_GETFIELD:
    tm = TM_INDEX; break;
  case OP_SETTABUP: case OP_SETTABLE: case OP_SETINT: case OP_SETFIELD:
    tm = TM_NEWINDEX; break;
  case OP_ADD: case OP_ADDK: case OP_ADDI: tm = TM_ADD; break;
  case OP_SUB: case OP_SUBK: tm = TM_SUB; break;
  case OP_MUL: case OP_MULK: tm = TM_MUL; break;
  case OP_MOD: case OP_MODK: tm = TM_MOD; break;
  case OP_POW: case OP_POWK: tm = TM_POW; break;
  case OP_DIV: case OP_DIVK: tm = TM_DIV; break;
  case OP_IDIV: case OP_IDIVK: tm = TM_IDIV; break;
  case OP_BAND: case OP_BANDK: tm = TM_BAND; break;
  case OP_BOR: case OP_BORK: tm = TM_BOR; break;
  case OP_BXOR: case OP_BXORK: tm = TM_BXOR; break;
  case OP_SHL: case OP_SHLI: tm = TM_SHL; break;
  case OP_SHR: case OP_SHRI: tm = TM_SHR; break;
  case OP_UNM: tm = TM_UNM; break;
  case OP_BNOT: tm = TM_BNOT; break;
  case OP_LEN: tm = TM_LEN; break;
  case OP_CONCAT: tm = TM_CONCAT; break;
  case OP_EQ: tm = TM_EQ; break;
  case OP_LT: case OP_LTI: case OP_GTI: tm = TM_LT; break;
  case OP_LE: case OP_LEI: case OP_GEI: tm = TM_LE; break;
  case OP_CLOSE: case OP_RETURN: tm = TM_CLOSE; break;
  default:
    return NULL;
  }
  *name = strdata(G(L)->tmname[tm]) + 2;
  return "metamethod";
}

/* " (kind 'name')" for a value that is a register or an upvalue of the running Lua function. */
static const char *varinfo(State *L, const TValue *o, char *buf, size_t cap)
{
  CallInfo *ci = L->ci;
  buf[0] = '\0';
  if (!(ci->status & CIST_LUA))
    return buf;
  LClosure *cl = lfnvalue(ci->func);
  const char *kind = NULL, *name = NULL;
  for (int i = 0; i < cl->nup; i++) {
    if (cl->up[i] && cl->up[i]->v == o) {
      kind = "upvalue";
      name = upvalname(cl->p, i);
      break;
    }
  }
  TValue *base = ci->func + 1;
  if (!kind && o >= base && o < ci->top)
    kind = meta_objname(cl->p, call_currentpc(ci), (int)(o - base), &name);
  if (kind)
    snprintf(buf, cap, " (%s '%s')", kind, name);
  return buf;
}

void meta_typeerror(State *L, const TValue *o, const char *op)
{
  char info[320];
  const char *t = meta_typename(L, o);
  call_runerror(L, "attempt to %s a %s value%s", op, t, varinfo(L, o, info, sizeof info));
}

/* As lua5.4 names a call's target by the calling instruction first ("for iterator",
 * "metamethod 'add'"), then by where the value came from. */
void meta_callerror(State *L, const TValue *o)
{
  CallInfo *ci = L->ci;
  const char *name = NULL, *kind = NULL;
  if (ci->status & CIST_HOOKED) {
    kind = "hook";
    name = "?";
  } else if (ci->status & CIST_FIN) {
    kind = "metamethod";
    name = "__gc";
  } else if (ci->status & CIST_LUA) {
    kind = meta_funcnamefromcode(L, lfnvalue(ci->func)->p, call_currentpc(ci), &name);
  }
  if (!kind)
    meta_typeerror(L, o, "call");
  call_runerror(L, "attempt to call a %s value (%s '%s')", meta_typename(L, o), kind, name);
}

_Noreturn static void ordererror(State *L, const TValue *a, const TValue *b)
{
  const char *t1 = meta_typename(L, a), *t2 = meta_typename(L, b);
  if (strcmp(t1, t2) == 0)
    call_runerror(L, "attempt to compare two %s values", t1);
  call_runerror(L, "attempt to compare %s with %s", t1, t2);
}

/* -- Calling metamethods ---------------------------------------------------------------- */

static int instack(State *L, const TValue *p)
{
  return p >= L->stack && p < L->stack + L->stacksize;
}

/* Call f with nargs arguments; with `out`, store the first result there (out may point into
 * the stack, which the call may move). */
static void calltm(State *L, const TValue *f, const TValue *args, int nargs, TValue *out)
{
  TValue fv = *f, av[3];
  for (int j = 0; j < nargs; j++)
    av[j] = args[j];
  ptrdiff_t outoff = (out && instack(L, out)) ? savestack(L, out) : -1;
  call_checkstack(L, nargs + 1);
  TValue *top = L->top;
  setobj(top, &fv);
  for (int j = 0; j < nargs; j++)
    setobj(top + 1 + j, &av[j]);
  L->top = top + 1 + nargs;
  call_call(L, top, out ? 1 : 0);
  if (out) {
    if (outoff >= 0)
      out = restorestack(L, outoff);
    L->top--;
    setobj(out, L->top);
  }
}

static void calltm2(State *L, const TValue *f, const TValue *a, const TValue *b, TValue *out)
{
  TValue args[2] = { *a, *b };
  calltm(L, f, args, 2, out);
}

/* -- Indexing --------------------------------------------------------------------------- */

void vm_gettable(State *L, const TValue *t, const TValue *k, TValue *out)
{
  if (ttistab(t) && ttisint(k)) {
    /* the common integer read (api_geti, table library) straight from the array part */
    Table *h = tabvalue(t);
    if ((uint64_t)ivalue(k) - 1 < h->asize && !ttisnil(&h->arr[ivalue(k) - 1])) {
      setobj(out, &h->arr[ivalue(k) - 1]);
      return;
    }
  }
  TValue tv = *t;
  for (int loop = 0; loop < MAXTAGLOOP; loop++) {
    const TValue *tm;
    if (ttistab(&tv)) {
      Table *h = tabvalue(&tv);
      const TValue *v = tab_get(h, k);
      if (!ttisnil(v)) {
        setobj(out, v);
        return;
      }
      if (!h->mt || ttisnil(tm = meta_gettab(L, h->mt, TM_INDEX))) {
        setnil(out);
        return;
      }
    } else {
      tm = meta_get(L, &tv, TM_INDEX);
      if (ttisnil(tm))
        meta_typeerror(L, loop == 0 ? t : &tv, "index");
    }
    if (ttisfn(tm)) {
      calltm2(L, tm, &tv, k, out);
      return;
    }
    tv = *tm;
  }
  call_runerror(L, "'__index' chain too long; possible loop");
}

void vm_settable(State *L, const TValue *t, const TValue *k, const TValue *v)
{
  if (ttistab(t) && ttisint(k)) {
    Table *h = tabvalue(t);
    if ((uint64_t)ivalue(k) - 1 < h->asize && (!ttisnil(&h->arr[ivalue(k) - 1]) || !h->mt)) {
      setobj(&h->arr[ivalue(k) - 1], v);
      gc_barrierback(L, h, v);
      return;
    }
  }
  TValue tv = *t;
  for (int loop = 0; loop < MAXTAGLOOP; loop++) {
    const TValue *tm;
    if (ttistab(&tv)) {
      Table *h = tabvalue(&tv);
      const TValue *cur = tab_get(h, k);
      if (!ttisnil(cur) || !h->mt || ttisnil(tm = meta_gettab(L, h->mt, TM_NEWINDEX))) {
        TValue val = *v;
        TValue *slot = tab_set(L, h, k);
        setobj(slot, &val);
        gc_barrierback(L, h, &val);
        return;
      }
    } else {
      tm = meta_get(L, &tv, TM_NEWINDEX);
      if (ttisnil(tm))
        meta_typeerror(L, loop == 0 ? t : &tv, "index");
    }
    if (ttisfn(tm)) {
      TValue args[3] = { tv, *k, *v };
      calltm(L, tm, args, 3, NULL);
      return;
    }
    tv = *tm;
  }
  call_runerror(L, "'__newindex' chain too long; possible loop");
}

/* -- Comparison ------------------------------------------------------------------------- */

int vm_rawequal(const TValue *a, const TValue *b)
{
  if (tt(a) != tt(b)) {
    if (ttisint(a) && ttisflt(b)) {
      int64_t i;
      return obj_flt2int(fltvalue(b), &i, 0) && i == ivalue(a);
    }
    if (ttisflt(a) && ttisint(b)) {
      int64_t i;
      return obj_flt2int(fltvalue(a), &i, 0) && i == ivalue(b);
    }
    return 0;
  }
  switch (tt(a)) {
  case TAG_NIL: case TAG_FALSE: case TAG_TRUE: return 1;
  case TAG_INT: return ivalue(a) == ivalue(b);
  case TAG_FLT: return fltvalue(a) == fltvalue(b);
  case TAG_LUD: return pvalue(a) == pvalue(b);
  case TAG_STR: {
    Str *x = strvalue(a), *y = strvalue(b);
    if (x == y) return 1;
    if (x->isshort || y->isshort) return 0;
    return str_eq(x, y);
  }
  default: return gcvalue(a) == gcvalue(b);
  }
}

int vm_equal(State *L, const TValue *a, const TValue *b)
{
  if (tt(a) != tt(b) || (!ttistab(a) && !ttisud(a)) || gcvalue(a) == gcvalue(b))
    return vm_rawequal(a, b);
  const TValue *tm = meta_get(L, a, TM_EQ);
  if (ttisnil(tm))
    tm = meta_get(L, b, TM_EQ);
  if (ttisnil(tm))
    return 0;
  TValue res;
  calltm2(L, tm, a, b, &res);
  return !isfalsy(&res);
}

/* Compare strings as C's strcoll does, chunk by chunk across embedded zeros. */
static int strcmp_lua(const Str *a, const Str *b)
{
  const char *l = strdata(a), *r = strdata(b);
  size_t ll = a->len, lr = b->len;
  for (;;) {
    int t = strcoll(l, r);
    if (t != 0)
      return t;
    size_t len = strlen(l);
    if (len == lr)
      return len == ll ? 0 : 1;
    if (len == ll)
      return -1;
    len++;
    l += len; ll -= len;
    r += len; lr -= len;
  }
}

static int ordertm(State *L, const TValue *a, const TValue *b, int event)
{
  const TValue *tm = meta_get(L, a, event);
  if (ttisnil(tm))
    tm = meta_get(L, b, event);
  if (ttisnil(tm) && event == TM_LE) {
    /* lua5.4 is built with LUA_COMPAT_LT_LE: a <= b as not (b < a) without __le */
    tm = meta_get(L, b, TM_LT);
    if (ttisnil(tm))
      tm = meta_get(L, a, TM_LT);
    if (!ttisnil(tm)) {
      TValue res;
      calltm2(L, tm, b, a, &res);
      return isfalsy(&res);
    }
  }
  if (ttisnil(tm))
    ordererror(L, a, b);
  TValue res;
  calltm2(L, tm, a, b, &res);
  return !isfalsy(&res);
}

int vm_lessthan(State *L, const TValue *a, const TValue *b)
{
  if (ttisnum(a) && ttisnum(b))
    return vm_ltnum(a, b);
  if (ttisstr(a) && ttisstr(b))
    return strcmp_lua(strvalue(a), strvalue(b)) < 0;
  return ordertm(L, a, b, TM_LT);
}

int vm_lessequal(State *L, const TValue *a, const TValue *b)
{
  if (ttisnum(a) && ttisnum(b))
    return vm_lenum(a, b);
  if (ttisstr(a) && ttisstr(b))
    return strcmp_lua(strvalue(a), strvalue(b)) <= 0;
  return ordertm(L, a, b, TM_LE);
}

/* -- Arithmetic ------------------------------------------------------------------------- */

static int tointns(const TValue *o, int64_t *out)
{
  if (ttisint(o)) { *out = ivalue(o); return 1; }
  return ttisflt(o) && obj_flt2int(fltvalue(o), out, 0);
}

/* Raw arithmetic on numbers; returns 0 when an operand does not fit the operation. */
static int rawarith(State *L, int op, const TValue *a, const TValue *b, TValue *out)
{
  if (op >= TM_BAND && op <= TM_SHR) {
    int64_t x, y;
    if (!tointns(a, &x) || !tointns(b, &y))
      return 0;
    switch (op) {
    case TM_BAND: setint(out, x & y); break;
    case TM_BOR: setint(out, x | y); break;
    case TM_BXOR: setint(out, x ^ y); break;
    case TM_SHL: setint(out, obj_shl(x, y)); break;
    default: setint(out, obj_shl(x, (int64_t)(0u - (uint64_t)y))); break;
    }
    return 1;
  }
  if (op == TM_BNOT) {
    int64_t x;
    if (!tointns(a, &x))
      return 0;
    setint(out, ~x);
    return 1;
  }
  if (!ttisnum(a) || !ttisnum(b))
    return 0;
  if (ttisint(a) && ttisint(b) && op != TM_DIV && op != TM_POW) {
    uint64_t x = (uint64_t)ivalue(a), y = (uint64_t)ivalue(b);
    switch (op) {
    case TM_ADD: setint(out, (int64_t)(x + y)); break;
    case TM_SUB: setint(out, (int64_t)(x - y)); break;
    case TM_MUL: setint(out, (int64_t)(x * y)); break;
    case TM_UNM: setint(out, (int64_t)(0u - x)); break;
    case TM_MOD:
      if (y == 0) call_runerror(L, "attempt to perform 'n%%0'");
      setint(out, obj_imod((int64_t)x, (int64_t)y));
      break;
    default:   /* TM_IDIV */
      if (y == 0) call_runerror(L, "attempt to divide by zero");
      setint(out, obj_idiv((int64_t)x, (int64_t)y));
      break;
    }
    return 1;
  }
  double x = numvalue(a), y = numvalue(b), r;
  switch (op) {
  case TM_ADD: r = x + y; break;
  case TM_SUB: r = x - y; break;
  case TM_MUL: r = x * y; break;
  case TM_DIV: r = x / y; break;
  case TM_POW: r = y == 2 ? x * x : pow(x, y); break;
  case TM_UNM: r = -x; break;
  case TM_MOD: r = obj_fmod(x, y); break;
  default: r = floor(x / y); break;
  }
  setflt(out, r);
  return 1;
}

void vm_arith(State *L, int op, const TValue *a, const TValue *b, TValue *out)
{
  if (rawarith(L, op, a, b, out))
    return;
  const TValue *tm = meta_get(L, a, op);
  if (ttisnil(tm))
    tm = meta_get(L, b, op);
  if (!ttisnil(tm)) {
    calltm2(L, tm, a, b, out);
    return;
  }
  char info[320];
  if (op >= TM_BAND && op <= TM_BNOT && op != TM_UNM) {
    if (ttisnum(a) && ttisnum(b)) {
      int64_t tmp;
      const TValue *bad = tointns(a, &tmp) ? b : a;
      call_runerror(L, "number%s has no integer representation",
                    varinfo(L, bad, info, sizeof info));
    }
    meta_typeerror(L, ttisnum(a) ? b : a, "perform bitwise operation on");
  }
  meta_typeerror(L, ttisnum(a) ? b : a, "perform arithmetic on");
}

void vm_len(State *L, const TValue *v, TValue *out)
{
  const TValue *tm;
  if (ttistab(v)) {
    Table *h = tabvalue(v);
    if (!h->mt || ttisnil(tm = meta_gettab(L, h->mt, TM_LEN))) {
      setint(out, (int64_t)tab_len(h));
      return;
    }
  } else if (ttisstr(v)) {
    setint(out, (int64_t)strvalue(v)->len);
    return;
  } else {
    tm = meta_get(L, v, TM_LEN);
    if (ttisnil(tm))
      meta_typeerror(L, v, "get length of");
  }
  calltm2(L, tm, v, v, out);
}

void meta_concat(State *L, TValue *a, TValue *b)
{
  const TValue *tm = meta_get(L, a, TM_CONCAT);
  if (ttisnil(tm))
    tm = meta_get(L, b, TM_CONCAT);
  if (ttisnil(tm))
    meta_typeerror(L, (ttisstr(a) || ttisnum(a)) ? b : a, "concatenate");
  calltm2(L, tm, a, b, a);
}

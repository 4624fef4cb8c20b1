/* dump.c: binary chunks, written by string.dump and read back by load (format: dump.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "dump.h"
#include "api.h"
#include "bc.h"
#include "call.h"
#include "func.h"
#include "gc.h"
#include "prof.h"
#include "state.h"
#include "str.h"

#define DUMP_SIG      "\x1bLua"
#define DUMP_VERSION  0x54
#define DUMP_FORMAT   'J'            /* PUC Lua writes 0 here: each rejects the other's chunks */
#define DUMP_DATA     "\x19\x93\r\n\x1a\n"
#define DUMP_INT      ((int64_t)0x5678)
#define DUMP_FLT      370.5
#define DUMP_STRIPPED 1
#define DUMP_MAXDEPTH 200            /* nested functions; the compiler's limits are lower */

/* Hash of the opcode table's text (names, formats, semantics), so a chunk written by a build
 * with another instruction set is refused instead of misread. */
uint32_t dump_bcid(void)
{
  static const char *const list[] = {
#define X(name, fmt, doc) #name "|" #fmt "|" doc,
    BC_LIST(X)
#undef X
  };
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
    for (const char *s = list[i]; *s; s++)
      h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* -- Writing ------------------------------------------------------------------------------ */

typedef struct Dumper {
  State *L;
  DumpWriter w;
  void *ud;
  int strip;
} Dumper;

static void put(Dumper *D, const void *b, size_t n)
{
  D->w(D->L, D->ud, b, n);
}

static void put_byte(Dumper *D, int b)
{
  uint8_t c = (uint8_t)b;
  put(D, &c, 1);
}

static void put_varint(Dumper *D, uint64_t v)
{
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  put(D, b, n);
}

static void put_sint(Dumper *D, int64_t v)
{
  put_varint(D, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_le(Dumper *D, uint64_t v, int nbytes)
{
  uint8_t b[8];
  for (int i = 0; i < nbytes; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  put(D, b, (size_t)nbytes);
}

static uint64_t fltbits(double d)
{
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static void put_str(Dumper *D, const Str *s)
{
  if (s == NULL) {
    put_varint(D, 0);
    return;
  }
  put_varint(D, (uint64_t)s->len + 1);
  put(D, strdata(s), s->len);
}

static void put_header(Dumper *D)
{
  put(D, DUMP_SIG, 4);
  put_byte(D, DUMP_VERSION);
  put_byte(D, DUMP_FORMAT);
  put(D, DUMP_DATA, 6);
  put_byte(D, sizeof(Instr));
  put_byte(D, sizeof(int64_t));
  put_byte(D, sizeof(double));
  put_le(D, (uint64_t)DUMP_INT, 8);
  put_le(D, fltbits(DUMP_FLT), 8);
  put_le(D, dump_bcid(), 4);
  put_byte(D, D->strip ? DUMP_STRIPPED : 0);
}

static void put_const(Dumper *D, const TValue *k)
{
  put_byte(D, tt(k));
  switch (tt(k)) {
  case TAG_INT: put_le(D, (uint64_t)ivalue(k), 8); break;
  case TAG_FLT: put_le(D, fltbits(fltvalue(k)), 8); break;
  case TAG_STR: put_str(D, strvalue(k)); break;
  default: break;   /* nil, false, true: the tag is the value */
  }
}

static void put_debug(Dumper *D, const Proto *p)
{
  int nline = D->strip || !p->lineinfo ? 0 : p->ncode;
  put_varint(D, (uint64_t)nline);
  for (int i = 0; i < nline; i++)
    put_sint(D, p->lineinfo[i]);
  int nloc = D->strip ? 0 : p->nlocvars;
  put_varint(D, (uint64_t)nloc);
  for (int i = 0; i < nloc; i++) {
    const LocVar *lv = &p->locvars[i];
    put_str(D, lv->name);
    put_varint(D, (uint64_t)lv->startpc);
    put_varint(D, (uint64_t)lv->endpc);
    put_varint(D, (uint64_t)lv->reg);
  }
  int nname = D->strip ? 0 : p->nupvals;
  put_varint(D, (uint64_t)nname);
  for (int i = 0; i < nname; i++)
    put_str(D, p->upvals[i].name);
}

static void put_proto(Dumper *D, const Proto *p, const Str *psource)
{
  put_str(D, D->strip || p->source == psource ? NULL : p->source);
  put_sint(D, p->linedefined);
  put_sint(D, p->lastlinedefined);
  put_byte(D, p->numparams);
  put_byte(D, p->is_vararg);
  put_byte(D, p->maxstack);
  put_varint(D, (uint64_t)p->ncode);
  for (int i = 0; i < p->ncode; i++)
    put_le(D, p->code[i], 4);
  put_varint(D, (uint64_t)p->nk);
  for (int i = 0; i < p->nk; i++)
    put_const(D, &p->k[i]);
  put_varint(D, (uint64_t)p->nupvals);
  for (int i = 0; i < p->nupvals; i++) {
    put_byte(D, p->upvals[i].instack);
    put_byte(D, p->upvals[i].idx);
    put_byte(D, p->upvals[i].kind);
  }
  put_varint(D, (uint64_t)p->np);
  for (int i = 0; i < p->np; i++)
    put_proto(D, p->p[i], p->source);
  put_debug(D, p);
}

void dump_proto(State *L, const Proto *p, int strip, DumpWriter w, void *ud)
{
  Dumper D = { L, w, ud, strip };
  put_header(&D);
  put_proto(&D, p, NULL);
}

/* -- Reading ------------------------------------------------------------------------------ */

typedef struct Loader {
  State *L;
  const uint8_t *p, *end;
  const char *name;       /* for messages */
  int depth;
} Loader;

static _Noreturn void bad(Loader *S, const char *why)
{
  api_pushfstring(S->L, "%s: bad binary format (%s)", S->name, why);
  call_throw(S->L, ST_ERRSYNTAX);
}

static _Noreturn void badcode(Loader *S, const Proto *p, int pc)
{
  char why[96];
  snprintf(why, sizeof why, "invalid %s at instruction %d of function <%d>",
           bc_opnames[GET_OP(p->code[pc])], pc + 1, p->linedefined);
  bad(S, why);
}

static size_t left(const Loader *S)
{
  return (size_t)(S->end - S->p);
}

static const uint8_t *need(Loader *S, size_t n)
{
  if (left(S) < n)
    bad(S, "truncated chunk");
  const uint8_t *r = S->p;
  S->p += n;
  return r;
}

static int get_byte(Loader *S)
{
  return *need(S, 1);
}

static uint64_t get_varint(Loader *S)
{
  uint64_t v = 0;
  for (int shift = 0; ; shift += 7) {
    int b = get_byte(S);
    if (shift == 63 && b > 1)
      bad(S, "corrupted chunk");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
}

static uint64_t get_le(Loader *S, int nbytes)
{
  const uint8_t *b = need(S, (size_t)nbytes);
  uint64_t v = 0;
  for (int i = 0; i < nbytes; i++)
    v |= (uint64_t)b[i] << (8 * i);
  return v;
}

/* A line or line-like number (zigzag varint) that fits an int. */
static int get_sint(Loader *S)
{
  uint64_t u = get_varint(S);
  int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
  if (v < INT_MIN || v > INT_MAX)
    bad(S, "corrupted chunk");
  return (int)v;
}

/* A count of items of at least `each` bytes: more than the bytes left is a truncated chunk,
 * which also bounds every allocation by the chunk's size. */
static int get_count(Loader *S, size_t each)
{
  uint64_t n = get_varint(S);
  if (n > INT_MAX || n > left(S) / each)
    bad(S, "truncated chunk");
  return (int)n;
}

static int get_small(Loader *S, int max)
{
  uint64_t n = get_varint(S);
  if (n > (uint64_t)max)
    bad(S, "corrupted chunk");
  return (int)n;
}

static Str *get_str(Loader *S)
{
  uint64_t n = get_varint(S);
  if (n == 0)
    return NULL;
  if (n - 1 > left(S))
    bad(S, "truncated chunk");
  const uint8_t *b = need(S, (size_t)(n - 1));
  return str_new(S->L, (const char *)b, (size_t)(n - 1));
}

static double get_flt(Loader *S)
{
  uint64_t u = get_le(S, 8);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static void check_header(Loader *S)
{
  if (memcmp(need(S, 4), DUMP_SIG, 4) != 0)
    bad(S, "not a binary chunk");
  if (get_byte(S) != DUMP_VERSION)
    bad(S, "version mismatch");
  if (get_byte(S) != DUMP_FORMAT)
    bad(S, "format mismatch");
  if (memcmp(need(S, 6), DUMP_DATA, 6) != 0)
    bad(S, "corrupted chunk");
  if (get_byte(S) != sizeof(Instr))
    bad(S, "Instruction size mismatch");
  if (get_byte(S) != sizeof(int64_t))
    bad(S, "lua_Integer size mismatch");
  if (get_byte(S) != sizeof(double))
    bad(S, "lua_Number size mismatch");
  if ((int64_t)get_le(S, 8) != DUMP_INT)
    bad(S, "integer format mismatch");
  if (get_flt(S) != DUMP_FLT)
    bad(S, "float format mismatch");
  if (get_le(S, 4) != dump_bcid())
    bad(S, "bytecode version mismatch");
  if (get_byte(S) & ~DUMP_STRIPPED)
    bad(S, "corrupted chunk");
}

static void load_code(Loader *S, Proto *p)
{
  State *L = S->L;
  int n = get_count(S, sizeof(Instr));
  if (n == 0)
    bad(S, "corrupted chunk");
  Instr *code = gc_newvec(L, n, Instr);
  int *lines = gc_newvec(L, n, int);
  for (int i = 0; i < n; i++) {
    code[i] = (Instr)get_le(S, 4);   /* cannot fail: get_count saw the bytes */
    lines[i] = -1;                    /* stripped: lua5.4 reports line -1 */
  }
  p->code = code;
  p->lineinfo = lines;
  p->ncode = n;
}

static void load_consts(Loader *S, Proto *p)
{
  State *L = S->L;
  int n = get_count(S, 1);
  TValue *k = gc_newvec(L, n, TValue);
  for (int i = 0; i < n; i++)
    setnil(&k[i]);
  p->k = k;
  p->nk = n;
  for (int i = 0; i < n; i++) {
    int tag = get_byte(S);
    switch (tag) {
    case TAG_NIL: case TAG_FALSE: case TAG_TRUE: k[i].tt = (uint8_t)tag; break;
    case TAG_INT: setint(&k[i], (int64_t)get_le(S, 8)); break;
    case TAG_FLT: setflt(&k[i], get_flt(S)); break;
    case TAG_STR: {
      Str *s = get_str(S);
      if (s == NULL)
        bad(S, "corrupted chunk");
      setstr(&k[i], s);
      gc_objbarrier(L, p, s);
      break;
    }
    default: bad(S, "corrupted chunk");
    }
  }
}

/* Upvalue descriptors; a nested function's must name registers or upvalues of its parent. */
static void load_upvals(Loader *S, Proto *p, const Proto *parent)
{
  int n = get_count(S, 3);
  if (n > UINT8_MAX)
    bad(S, "corrupted chunk");
  UpvalDesc *u = gc_newvec(S->L, n, UpvalDesc);
  for (int i = 0; i < n; i++)
    u[i] = (UpvalDesc){ NULL, 0, 0, 0 };
  p->upvals = u;
  p->nupvals = n;
  for (int i = 0; i < n; i++) {
    u[i].instack = (uint8_t)get_byte(S);
    u[i].idx = (uint8_t)get_byte(S);
    u[i].kind = (uint8_t)get_byte(S);
    int lim = parent ? (u[i].instack ? parent->maxstack : parent->nupvals) : 256;
    if (u[i].instack > 1 || u[i].kind > 2 || u[i].idx >= lim)
      bad(S, "corrupted chunk");
  }
}

static void load_proto(Loader *S, Proto *p, Str *psource, const Proto *parent);

static void load_protos(Loader *S, Proto *p)
{
  State *L = S->L;
  int n = get_count(S, 16);   /* a proto takes more than 16 bytes */
  if (n > MAXARG_Bx + 1)
    bad(S, "corrupted chunk");
  Proto **ps = gc_newvec(L, n, Proto *);
  for (int i = 0; i < n; i++)
    ps[i] = NULL;
  p->p = ps;
  p->np = n;
  if (n > 0 && S->depth >= DUMP_MAXDEPTH)
    bad(S, "functions nested too deeply");
  S->depth++;
  for (int i = 0; i < n; i++) {
    Proto *c = func_newproto(L);
    ps[i] = c;
    gc_objbarrier(L, p, c);
    load_proto(S, c, p->source, p);
  }
  S->depth--;
}

static void load_debug(Loader *S, Proto *p)
{
  State *L = S->L;
  int nline = get_count(S, 1);
  if (nline != 0 && nline != p->ncode)
    bad(S, "corrupted chunk");
  for (int i = 0; i < nline; i++)
    p->lineinfo[i] = get_sint(S);
  int nloc = get_count(S, 4);
  LocVar *lv = gc_newvec(L, nloc, LocVar);
  for (int i = 0; i < nloc; i++)
    lv[i] = (LocVar){ NULL, 0, 0, 0 };
  p->locvars = lv;
  p->nlocvars = nloc;
  for (int i = 0; i < nloc; i++) {
    Str *name = get_str(S);
    if (name == NULL)
      bad(S, "corrupted chunk");
    lv[i].name = name;
    gc_objbarrier(L, p, name);
    lv[i].startpc = get_small(S, p->ncode);
    lv[i].endpc = get_small(S, p->ncode);
    lv[i].reg = get_small(S, p->maxstack);
    if (lv[i].startpc > lv[i].endpc)
      bad(S, "corrupted chunk");
  }
  int nname = get_count(S, 1);
  if (nname != 0 && nname != p->nupvals)
    bad(S, "corrupted chunk");
  for (int i = 0; i < nname; i++) {
    Str *name = get_str(S);
    p->upvals[i].name = name;
    if (name)
      gc_objbarrier(L, p, name);
  }
}

/* -- Checking the code -------------------------------------------------------------------- */

typedef struct Code {
  const Proto *p;
  uint8_t *target;        /* target[pc]: some jump lands on pc */
} Code;

static int reg(const Proto *p, int r) { return r < p->maxstack; }
static int kidx(const Proto *p, int x) { return x < p->nk; }

/* K[x] is a short string: the field instructions look it up by pointer in shapes. */
static int kstr(const Proto *p, int x)
{
  return x < p->nk && ttisstr(&p->k[x]) && strvalue(&p->k[x])->isshort;
}

static int jumpto(Code *C, int pc, int64_t off)
{
  int64_t t = pc + 1 + off;
  /* pc 0 of a vararg function is its VARARGPREP, which must run once */
  if (t < (C->p->is_vararg ? 1 : 0) || t >= C->p->ncode)
    return 0;
  C->target[t] = 1;
  return 1;
}

static int nextop(const Proto *p, int pc)
{
  return pc + 1 < p->ncode ? (int)GET_OP(p->code[pc + 1]) : -1;
}

/* A test skips the JMP that follows it or takes it; the VM reads that JMP's offset blindly. */
static int cond(Code *C, int pc)
{
  return nextop(C->p, pc) == OP_JMP && jumpto(C, pc, 1);
}

static int extraarg_k(const Proto *p, int pc)
{
  return nextop(p, pc) == OP_EXTRAARG && kidx(p, GET_Ax(p->code[pc + 1]));
}

/* The operands of instruction pc are in range for p (see bc.h for each format). */
static int check_instr(Code *C, int pc)
{
  const Proto *p = C->p;
  Instr i = p->code[pc];
  int a = GET_A(i), b = GET_B(i), c = GET_C(i), ms = p->maxstack;
  switch (GET_OP(i)) {
  case OP_MOVE: case OP_UNM: case OP_BNOT: case OP_NOT: case OP_LEN:
  case OP_GETINT: case OP_ADDI: case OP_SHLI: case OP_SHRI:
    return reg(p, a) && reg(p, b);
  case OP_LOADI: case OP_LOADFALSE: case OP_LOADTRUE: case OP_CLOSE: case OP_TBC:
  case OP_RETURN1: case OP_NEWTABLE:
    return reg(p, a);
  case OP_LOADK: return reg(p, a) && kidx(p, GET_Bx(i));
  case OP_LOADKX: return reg(p, a) && extraarg_k(p, pc);
  case OP_LOADNIL: return a + b < ms;
  case OP_GETUPVAL: case OP_SETUPVAL: return reg(p, a) && b < p->nupvals;
  case OP_GETTABUP: return reg(p, a) && b < p->nupvals && kstr(p, c);
  case OP_SETTABUP: return a < p->nupvals && kstr(p, b) && reg(p, c);
  case OP_GETTABLE: case OP_SETTABLE:
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_MOD: case OP_POW: case OP_DIV: case OP_IDIV:
  case OP_BAND: case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR:
    return reg(p, a) && reg(p, b) && reg(p, c);
  case OP_SETINT: return reg(p, a) && reg(p, c);
  case OP_GETFIELD: return reg(p, a) && reg(p, b) && kstr(p, c);
  case OP_SETFIELD: return reg(p, a) && kstr(p, b) && reg(p, c);
  case OP_SELF: return reg(p, a + 1) && reg(p, b) && kstr(p, c);
  case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_MODK: case OP_POWK: case OP_DIVK:
  case OP_IDIVK: case OP_BANDK: case OP_BORK: case OP_BXORK:
    return reg(p, a) && reg(p, b) && kidx(p, c);
  case OP_CONCAT: return b >= 2 && a + b - 1 < ms;
  case OP_JMP: return jumpto(C, pc, GET_sJ(i));
  case OP_EQ: case OP_LT: case OP_LE: return reg(p, a) && reg(p, b) && cond(C, pc);
  case OP_EQK: return reg(p, a) && kidx(p, b) && cond(C, pc);
  case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: case OP_TEST:
    return reg(p, a) && cond(C, pc);
  case OP_TESTSET: return reg(p, a) && reg(p, b) && cond(C, pc);
  case OP_CALL: return reg(p, a) && a + b - 1 < ms && a + c - 2 < ms;
  case OP_TAILCALL: return reg(p, a) && a + b - 1 < ms;
  case OP_RETURN: return a <= ms && a + b - 2 < ms;
  case OP_RETURN0: case OP_EXTRAARG: return 1;
  case OP_FORPREP: case OP_TFORPREP: return a + 3 < ms && jumpto(C, pc, GET_Bx(i));
  case OP_FORLOOP: return a + 3 < ms && jumpto(C, pc, -(int64_t)GET_Bx(i));
  case OP_TFORCALL: return a + 6 < ms && a + 3 + c < ms;
  case OP_TFORLOOP: return a + 4 < ms && jumpto(C, pc, -(int64_t)GET_Bx(i));
  case OP_SETLIST:
    return reg(p, a) && a + b < ms && (c != MAXARG_C || nextop(p, pc) == OP_EXTRAARG);
  case OP_CLOSURE: return reg(p, a) && GET_Bx(i) < p->np;
  case OP_VARARG: return a <= ms && a + c - 2 < ms;
  case OP_VARARGPREP: return pc == 0 && p->is_vararg && a == p->numparams;
  default: return 0;
  }
}

/* Instructions that take their operands "to top" (B = 0) find the top where the instruction
 * just before left it: a CALL or VARARG with open results at or above their own base. A
 * RETURN after a TAILCALL is never reached (the TAILCALL returns itself). */
static int check_totop(Code *C, int pc)
{
  const Proto *p = C->p;
  Instr i = p->code[pc];
  OpCode op = GET_OP(i);
  if (GET_B(i) != 0 || !(op == OP_CALL || op == OP_TAILCALL || op == OP_RETURN ||
                         op == OP_SETLIST))
    return 1;
  if (pc == 0 || C->target[pc])
    return 0;
  Instr prev = p->code[pc - 1];
  OpCode pop = GET_OP(prev);
  int lo = GET_A(i) + (op == OP_RETURN ? 0 : 1);
  if (op == OP_RETURN && pop == OP_TAILCALL)
    return 1;
  return (pop == OP_CALL || pop == OP_VARARG) && GET_C(prev) == 0 && GET_A(prev) >= lo;
}

/* -- SETLIST's table: which registers surely hold a table NEWTABLE made ------------------- */

typedef struct RegSet { uint64_t w[4]; } RegSet;

/* Facts at one pc: `tab` must hold a NEWTABLE table on every path; `num` must hold a number
 * (FORPREP checked it, and FORLOOP updates the integer payloads of R[A] and R[A+1] in place,
 * keeping their tags); `open` may have an open upvalue (a closure made here captured it and no
 * CLOSE closed it since), so code that runs during an instruction (a metamethod, a finalizer,
 * a callee) may write it; `tbc` may be a to-be-closed variable (TBC, TFORPREP) not closed. */
typedef struct Facts { RegSet tab, num, open, tbc; } Facts;

static int rs_empty(const RegSet *s) { return !(s->w[0] | s->w[1] | s->w[2] | s->w[3]); }

static void rs_add(RegSet *s, int r) { s->w[r >> 6] |= (uint64_t)1 << (r & 63); }
static int rs_has(const RegSet *s, int r) { return (int)(s->w[r >> 6] >> (r & 63)) & 1; }

static void rs_kill(RegSet *s, int from, int to)   /* registers from..to-1, a word at a time */
{
  for (int w = 0; w < 4; w++) {
    int lo = from > w * 64 ? from : w * 64, hi = to < w * 64 + 64 ? to : w * 64 + 64;
    if (lo < hi)
      s->w[w] &= ~((hi - lo == 64 ? ~(uint64_t)0 : ((uint64_t)1 << (hi - lo)) - 1) << (lo & 63));
  }
}

/* Instructions that run no code of the program (no metamethod, call, allocation). */
static int pure(OpCode op)
{
  switch (op) {
  case OP_MOVE: case OP_LOADI: case OP_LOADK: case OP_LOADKX: case OP_LOADNIL:
  case OP_LOADFALSE: case OP_LOADTRUE: case OP_GETUPVAL: case OP_SETUPVAL: case OP_JMP:
  case OP_EQK: case OP_EQI: case OP_NOT: case OP_TEST: case OP_TESTSET: case OP_RETURN:
  case OP_RETURN0: case OP_RETURN1: case OP_EXTRAARG:
    return 1;
  default:
    return 0;
  }
}

/* The registers instruction i writes: *from up to (not including) the result. Instructions
 * not listed write nothing of this frame; calls and the like write from A up. FORLOOP writes
 * R[A] and R[A+1] too, but as numbers, which is what the facts about them say. */
static int written(Instr i, int *from)
{
  int a = GET_A(i), b = GET_B(i);
  *from = a;
  switch (GET_OP(i)) {
  case OP_MOVE: case OP_LOADI: case OP_LOADK: case OP_LOADKX: case OP_LOADFALSE:
  case OP_LOADTRUE: case OP_GETUPVAL: case OP_GETTABUP: case OP_GETTABLE: case OP_GETINT:
  case OP_GETFIELD: case OP_NEWTABLE: case OP_ADD: case OP_SUB: case OP_MUL: case OP_MOD:
  case OP_POW: case OP_DIV: case OP_IDIV: case OP_BAND: case OP_BOR: case OP_BXOR:
  case OP_SHL: case OP_SHR: case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_MODK:
  case OP_POWK: case OP_DIVK: case OP_IDIVK: case OP_BANDK: case OP_BORK: case OP_BXORK:
  case OP_ADDI: case OP_SHLI: case OP_SHRI: case OP_UNM: case OP_BNOT: case OP_NOT:
  case OP_LEN: case OP_TESTSET: case OP_CLOSURE:
    return a + 1;
  case OP_LOADNIL: return a + b + 1;
  case OP_SELF: return a + 2;
  case OP_CONCAT: return a + b;
  case OP_FORLOOP: *from = a + 3; return a + 4;
  case OP_SETTABUP: case OP_SETTABLE: case OP_SETINT: case OP_SETFIELD: case OP_SETUPVAL:
  case OP_EQ: case OP_LT: case OP_LE: case OP_EQK: case OP_EQI: case OP_LTI: case OP_LEI:
  case OP_GTI: case OP_GEI: case OP_TEST: case OP_JMP: case OP_CLOSE: case OP_TBC:
  case OP_SETLIST: case OP_TFORPREP: case OP_EXTRAARG: case OP_RETURN: case OP_RETURN0:
  case OP_RETURN1:
    return a;
  default:   /* CALL, TAILCALL, VARARG, VARARGPREP, FORPREP, TFORCALL, TFORLOOP */
    return 256;
  }
}

static void facts_step(const Proto *p, Facts *f, Instr i)
{
  RegSet open0 = f->open;
  int a = GET_A(i), from, to = written(i, &from);
  rs_kill(&f->tab, from, to);
  rs_kill(&f->num, from, to);
  switch (GET_OP(i)) {
  case OP_NEWTABLE: rs_add(&f->tab, a); break;
  case OP_FORPREP:   /* it checked R[A..A+2] are numbers (or raised) */
    rs_add(&f->num, a);
    rs_add(&f->num, a + 1);
    rs_add(&f->num, a + 2);
    break;
  case OP_CLOSURE: {
    const Proto *c = p->p[GET_Bx(i)];
    for (int u = 0; u < c->nupvals; u++)
      if (c->upvals[u].instack)
        rs_add(&f->open, c->upvals[u].idx);
    break;
  }
  case OP_CLOSE:
    rs_kill(&f->open, a, 256);
    rs_kill(&f->tbc, a, 256);
    break;
  case OP_TBC: rs_add(&f->tbc, a); break;
  case OP_TFORPREP: rs_add(&f->tbc, a + 3); break;
  default: break;
  }
  if (!pure(GET_OP(i)))
    for (int w = 0; w < 4; w++) {
      f->tab.w[w] &= ~(open0.w[w] | f->open.w[w]);
      f->num.w[w] &= ~(open0.w[w] | f->open.w[w]);
    }
}

/* Merge `out` into the facts on entry of a successor; returns 1 if they changed. */
static int facts_join(Facts *in, const Facts *out)
{
  int changed = 0;
  for (int w = 0; w < 4; w++) {
    uint64_t t = in->tab.w[w] & out->tab.w[w], o = in->open.w[w] | out->open.w[w];
    uint64_t c = in->tbc.w[w] | out->tbc.w[w], n = in->num.w[w] & out->num.w[w];
    changed |= t != in->tab.w[w] || o != in->open.w[w] || c != in->tbc.w[w] ||
               n != in->num.w[w];
    in->tab.w[w] = t;
    in->num.w[w] = n;
    in->open.w[w] = o;
    in->tbc.w[w] = c;
  }
  return changed;
}

/* Successors of pc: up to two; returns how many. */
static int successors(const Proto *p, int pc, int out[2])
{
  Instr i = p->code[pc];
  int n = 0;
  switch (GET_OP(i)) {
  case OP_RETURN: case OP_RETURN0: case OP_RETURN1: return 0;
  case OP_JMP: out[n++] = pc + 1 + GET_sJ(i); return n;
  case OP_TFORPREP: out[n++] = pc + 1 + GET_Bx(i); return n;
  case OP_FORPREP: out[n++] = pc + 1 + GET_Bx(i); break;
  case OP_FORLOOP: case OP_TFORLOOP: out[n++] = pc + 1 - GET_Bx(i); break;
  case OP_EQ: case OP_LT: case OP_LE: case OP_EQK: case OP_EQI: case OP_LTI: case OP_LEI:
  case OP_GTI: case OP_GEI: case OP_TEST: case OP_TESTSET: out[n++] = pc + 2; break;
  default: break;
  }
  out[n++] = pc + 1;   /* in range: the last instruction cannot fall through */
  return n;
}

typedef struct Flow {
  Facts *in;              /* in[pc]: facts on entry (valid where seen[pc]) */
  uint8_t *seen, *queued;
  int *work;
} Flow;

/* What the VM takes on trust at pc, given the facts there: SETLIST's R[A] is a table;
 * FORLOOP's R[A] and R[A+1] are numbers;
 * RETURN0 and RETURN1 have nothing to close; TAILCALL (which closes upvalues itself) leaves
 * no to-be-closed variable behind. */
static int facts_ok(const Facts *f, Instr i)
{
  switch (GET_OP(i)) {
  case OP_SETLIST: return rs_has(&f->tab, GET_A(i));
  case OP_FORLOOP: return rs_has(&f->num, GET_A(i)) && rs_has(&f->num, GET_A(i) + 1);
  case OP_RETURN0: case OP_RETURN1: return rs_empty(&f->open) && rs_empty(&f->tbc);
  case OP_TAILCALL: return rs_empty(&f->tbc);
  default: return 1;
  }
}

/* Forward analysis to a fixpoint. Each pc is re-queued only when its facts change, and they
 * only shrink (tab, num) or grow (open, tbc), so the work is bounded by 1024 * ncode steps. Returns
 * the pc of an instruction facts_ok refuses, or -1. */
static int check_flow(const Proto *p, Flow *F)
{
  int nwork = 0;
  memset(&F->in[0], 0, sizeof F->in[0]);
  F->seen[0] = F->queued[0] = 1;
  F->work[nwork++] = 0;
  while (nwork > 0) {
    int pc = F->work[--nwork];
    F->queued[pc] = 0;
    Instr i = p->code[pc];
    if (!facts_ok(&F->in[pc], i))
      return pc;
    Facts out = F->in[pc];
    facts_step(p, &out, i);
    int succ[2];
    int ns = successors(p, pc, succ);
    for (int j = 0; j < ns; j++) {
      int t = succ[j];
      int changed = 1;
      if (!F->seen[t]) {
        F->in[t] = out;
        F->seen[t] = 1;
      } else {
        changed = facts_join(&F->in[t], &out);
      }
      if (changed && !F->queued[t]) {
        F->queued[t] = 1;
        F->work[nwork++] = t;
      }
    }
  }
  return -1;
}

static void check_code(Loader *S, const Proto *p)
{
  State *L = S->L;
  int n = p->ncode;
  if (p->is_vararg > 1 || p->numparams > p->maxstack ||
      (p->is_vararg && GET_OP(p->code[0]) != OP_VARARGPREP))
    bad(S, "corrupted chunk");
  int last = GET_OP(p->code[n - 1]);
  if (last != OP_RETURN && last != OP_RETURN0 && last != OP_RETURN1 && last != OP_JMP)
    bad(S, "code falls off its end");
  /* Scratch memory lives in a string on the stack, so an error frees it with the rest. */
  size_t per = sizeof(Facts) + sizeof(int) + 3;
  call_checkstack(L, 1);
  Str *scratch = str_newlong(L, (size_t)n * per);
  setstr(L->top, scratch);
  L->top++;
  char *mem = strdata(scratch);
  memset(mem, 0, (size_t)n * per);
  Flow F = { (Facts *)mem, (uint8_t *)mem + (size_t)n * (sizeof(Facts) + sizeof(int)),
             NULL, (int *)(mem + (size_t)n * sizeof(Facts)) };
  F.queued = F.seen + n;
  Code C = { p, F.queued + n };
  for (int pc = 0; pc < n; pc++) {
    if (GET_OP(p->code[pc]) >= OP__N)
      bad(S, "invalid opcode");
    if (!check_instr(&C, pc))
      badcode(S, p, pc);
  }
  for (int pc = 0; pc < n; pc++)
    if (!check_totop(&C, pc))
      badcode(S, p, pc);
  int pc = check_flow(p, &F);
  if (pc >= 0)
    badcode(S, p, pc);
  L->top--;
}

static void load_proto(Loader *S, Proto *p, Str *psource, const Proto *parent)
{
  State *L = S->L;
  Str *src = get_str(S);
  p->source = src ? src : psource;
  if (p->source)
    gc_objbarrier(L, p, p->source);
  p->linedefined = get_sint(S);
  p->lastlinedefined = get_sint(S);
  p->numparams = (uint8_t)get_byte(S);
  p->is_vararg = (uint8_t)get_byte(S);
  p->maxstack = (uint8_t)get_byte(S);
  load_code(S, p);
  load_consts(S, p);
  load_upvals(S, p, parent);
  load_protos(S, p);
  load_debug(S, p);
  check_code(S, p);
}

/* Chunk name as lua5.4 shows it in these messages. */
static const char *msgname(const char *chunkname)
{
  if (chunkname[0] == '@' || chunkname[0] == '=')
    return chunkname + 1;
  if (chunkname[0] == '\x1b')
    return "binary string";
  return chunkname;
}

Proto *dump_undump(State *L, const char *buf, size_t len, const char *chunkname)
{
  Loader S = { L, (const uint8_t *)buf, (const uint8_t *)buf + len, msgname(chunkname), 0 };
  call_checkstack(L, 2);   /* the anchor, then an error message */
  check_header(&S);
  Proto *p = func_newproto(L);
  setgco(L->top, p, TAG_PROTO);   /* anchors the whole tree while it is built */
  L->top++;
  load_proto(&S, p, NULL, NULL);
  prof_attach(L, p);
  L->top--;
  return p;
}

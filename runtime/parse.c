/* parse.c: the compiler: a one-pass recursive-descent parser that emits bc.h bytecode.
 *
 * Pipeline: lex.c tokens -> statements and expressions (this file, top half) -> the code
 * generator (this file, "Code generation" sections) -> a Proto per function (close_func).
 *
 * Glossary:
 *   ExpDesc    an expression not yet (fully) emitted: a constant, a variable, an indexed
 *              access, or an instruction whose destination register is still open (E_RELOC).
 *   jump list  pending jumps chained through their own sJ fields (NO_JUMP ends the list);
 *              `t` jumps when the expression is true, `f` when it is false.
 *   freereg    first free register; locals occupy the registers below nvarstack().
 *   CTC        a <const> local initialized with a constant: it has no register, its uses
 *              compile to the constant itself.
 *
 * Memory: a FuncState and its growing arrays are malloc'ed and copied into GC vectors when
 * the function closes. The strings the parser holds are anchored by the lexer's table; each
 * open function anchors its constant-index table and its finished children on the Lua stack.
 * parse_chunk runs everything protected, so on an error it frees the malloc'ed state.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "parse.h"
#include "lex.h"
#include "bc.h"
#include "str.h"
#include "gc.h"
#include "tab.h"
#include "func.h"
#include "call.h"
#include "prof.h"

#define NO_JUMP  (-1)
#define NO_REG   MAXARG_A
#define MAX_VARS 200
#define MAX_UPVALS 255
#define FIELDS_PER_FLUSH 50
#define MAX_LEVELS 200

/* -- Data structures -------------------------------------------------------------------- */

typedef enum {
  E_VOID,       /* no value (empty expression list) */
  E_NIL, E_TRUE, E_FALSE,
  E_K,          /* info: constant index */
  E_KFLT,       /* nval */
  E_KINT,       /* ival */
  E_KSTR,       /* strval */
  E_NONRELOC,   /* info: register holding the value */
  E_LOCAL,      /* var.ridx: register, var.vidx: index among the active locals */
  E_UPVAL,      /* info: upvalue index */
  E_CONST,      /* info: absolute index in dyd->actvar of a CTC local */
  E_INDEXED,    /* ind.t: table register, ind.idx: key register */
  E_INDEXUP,    /* ind.t: table upvalue, ind.idx: key constant (short string) */
  E_INDEXI,     /* ind.t: table register, ind.idx: integer key 0..255 */
  E_INDEXSTR,   /* ind.t: table register, ind.idx: key constant (short string) */
  E_JMP,        /* info: pc of the jump of a test */
  E_RELOC,      /* info: pc of an instruction whose A is still to be set */
  E_CALL,       /* info: pc of the CALL */
  E_VARARG      /* info: pc of the VARARG */
} ExpKind;

#define vkisvar(k)     ((k) >= E_LOCAL && (k) <= E_INDEXSTR)
#define vkisindexed(k) ((k) >= E_INDEXED && (k) <= E_INDEXSTR)
#define hasmultret(k)  ((k) == E_CALL || (k) == E_VARARG)

typedef struct ExpDesc {
  ExpKind k;
  union {
    int info;
    int64_t ival;
    double nval;
    Str *strval;
    struct { int t, idx; } ind;
    struct { int ridx, vidx; } var;
  } u;
  int t, f;     /* jump lists: exit when true, exit when false */
} ExpDesc;

/* Local variable kinds; the first three equal UpvalDesc.kind. */
enum { VK_REG, VK_CONST, VK_CLOSE, VK_CTC };

typedef struct VarDesc {
  uint8_t kind;
  uint8_t ridx;         /* register (not for CTC) */
  short pidx;           /* index in the function's locvars (not for CTC) */
  Str *name;
  TValue k;             /* value of a CTC */
} VarDesc;

typedef struct LabelDesc {
  Str *name;
  int pc;               /* label position, or the goto's jump */
  int line;
  int nactvar;          /* active locals at that point */
  int close;            /* goto leaves the scope of a captured or tbc variable */
} LabelDesc;

typedef struct LabelList { LabelDesc *arr; int n, cap; } LabelList;

typedef struct Dyndata {
  struct { VarDesc *arr; int n, cap; } actvar;
  LabelList gt;         /* pending gotos */
  LabelList label;      /* active labels */
} Dyndata;

typedef struct BlockCnt {
  struct BlockCnt *previous;
  int firstlabel, firstgoto;
  int nactvar;          /* active locals outside the block */
  uint8_t upval;        /* some local of the block is captured or to-be-closed */
  uint8_t isloop;
  uint8_t insidetbc;
} BlockCnt;

typedef struct KSlot { uint64_t bits; int tag; int idx; } KSlot;   /* idx -1: empty */

typedef struct FuncState {
  struct FuncState *prev;
  LexState *ls;
  BlockCnt *bl;
  Instr *code; int *lineinfo; int pc, codecap;
  TValue *k; int nk, kcap;
  Proto **p; int np, pcap;
  UpvalDesc *upvals; int nups, upcap;
  LocVar *locvars; int nlocvars, lvcap;
  int lasttarget;       /* last pc that is a jump target */
  int firstlocal;       /* this function's first entry in dyd->actvar */
  int firstlabel;
  int nactvar;
  int freereg;
  int maxstack;
  int numparams, is_vararg, needclose;
  int linedefined, lastlinedefined;
  KSlot *kmap; int kmapcap;  /* constant -> index (power-of-2 capacity) */
  ptrdiff_t mark;       /* stack slot where the finished proto goes; children anchored from here */
} FuncState;

typedef enum {
  OPR_ADD, OPR_SUB, OPR_MUL, OPR_MOD, OPR_POW, OPR_DIV, OPR_IDIV,
  OPR_BAND, OPR_BOR, OPR_BXOR, OPR_SHL, OPR_SHR,
  OPR_CONCAT,
  OPR_EQ, OPR_LT, OPR_LE, OPR_NE, OPR_GT, OPR_GE,
  OPR_AND, OPR_OR,
  OPR_NOBINOPR
} BinOpr;

typedef enum { OPR_MINUS, OPR_BNOT, OPR_NOT, OPR_LEN, OPR_NOUNOPR } UnOpr;

#define foldbinop(op) ((op) <= OPR_SHR)
#define isbitwise(op) ((op) >= OPR_BAND && (op) <= OPR_SHR)

/* -- Small helpers ---------------------------------------------------------------------- */

static _Noreturn void memerror(State *L) {
  setstr(L->top, G(L)->memerrmsg);
  L->top++;
  call_throw(L, ST_ERRMEM);
}

/* Grows a malloc'ed array so that index n is valid. */
static void *grow(State *L, void *arr, int *cap, int n, size_t elem) {
  if (n < *cap) return arr;
  int ncap = *cap ? *cap * 2 : 16;
  while (ncap <= n) ncap *= 2;
  void *na = realloc(arr, (size_t)ncap * elem);
  if (na == NULL) memerror(L);
  *cap = ncap;
  return na;
}
#define GROW(L, arr, cap, n) ((arr) = grow(L, arr, &(cap), n, sizeof(*(arr))))

static int eqstr(const Str *a, const Str *b) {
  return a == b || (!a->isshort && !b->isshort && str_eq(a, b));
}

static _Noreturn void errorlimit(FuncState *fs, int limit, const char *what) {
  char msg[160];
  char where[40];
  if (fs->linedefined == 0) snprintf(where, sizeof where, "main function");
  else snprintf(where, sizeof where, "function at line %d", fs->linedefined);
  snprintf(msg, sizeof msg, "too many %s (limit is %d) in %s", what, limit, where);
  lex_syntaxerror(fs->ls, msg);
}

static void checklimit(FuncState *fs, int v, int limit, const char *what) {
  if (v > limit) errorlimit(fs, limit, what);
}

/* Formats a message with one string and one integer and raises it as a semantic error. */
static _Noreturn void semerrorf(LexState *ls, const char *fmt, const Str *s, int n) {
  size_t cap = strlen(fmt) + s->len + 32;
  char *msg = malloc(cap);
  if (msg == NULL) memerror(ls->L);
  snprintf(msg, cap, fmt, strdata(s), n);
  /* The message must outlive the malloc'ed copy: intern it first. */
  Str *m = lex_newstring(ls, msg, strlen(msg));
  free(msg);
  lex_semerror(ls, strdata(m));
}

/* -- Emitting instructions -------------------------------------------------------------- */

static int code(FuncState *fs, Instr i) {
  if (fs->pc >= fs->codecap) {   /* lineinfo grows the same way, so both hold codecap */
    int cap = fs->codecap;
    GROW(fs->ls->L, fs->code, fs->codecap, fs->pc);
    GROW(fs->ls->L, fs->lineinfo, cap, fs->pc);
  }
  fs->code[fs->pc] = i;
  fs->lineinfo[fs->pc] = fs->ls->lastline;
  return fs->pc++;
}

static int codeABC(FuncState *fs, OpCode op, int a, int b, int c) {
  return code(fs, MK_ABC(op, a, b, c));
}

static int codeABx(FuncState *fs, OpCode op, int a, int bx) {
  return code(fs, MK_ABx(op, a, bx));
}

static void fixline(FuncState *fs, int line) {
  fs->lineinfo[fs->pc - 1] = line;
}

static int getlabel(FuncState *fs) {
  fs->lasttarget = fs->pc;
  return fs->pc;
}

/* The instruction before pc, unless pc is a jump target (then it may be skipped). */
static Instr *previous_instr(FuncState *fs) {
  if (fs->pc > fs->lasttarget && fs->pc > 0) return &fs->code[fs->pc - 1];
  return NULL;
}

static void checkstack(FuncState *fs, int n) {
  int newstack = fs->freereg + n;
  if (newstack > fs->maxstack) {
    if (newstack >= MAX_REGS)
      lex_syntaxerror(fs->ls, "function or expression needs too many registers");
    fs->maxstack = newstack;
  }
}

static void reserveregs(FuncState *fs, int n) {
  checkstack(fs, n);
  fs->freereg += n;
}

static void loadnil(FuncState *fs, int from, int n) {
  int last = from + n - 1;
  Instr *prev = previous_instr(fs);
  if (prev != NULL && GET_OP(*prev) == OP_LOADNIL) {
    int pfrom = GET_A(*prev), plast = pfrom + GET_B(*prev);
    if ((pfrom <= from && from <= plast + 1) || (from <= pfrom && pfrom <= last + 1)) {
      if (pfrom < from) from = pfrom;
      if (plast > last) last = plast;
      SET_A(*prev, from);
      SET_B(*prev, last - from);
      return;
    }
  }
  codeABC(fs, OP_LOADNIL, from, n - 1, 0);
}

/* -- Jump lists ------------------------------------------------------------------------- */

static int getjump(FuncState *fs, int pc) {
  int offset = GET_sJ(fs->code[pc]);
  return offset == NO_JUMP ? NO_JUMP : pc + 1 + offset;
}

static void fixjump(FuncState *fs, int pc, int dest) {
  int offset = dest - (pc + 1);
  if (offset > J_BIAS + 1 || offset < -J_BIAS)
    lex_syntaxerror(fs->ls, "control structure too long");
  SET_sJ(fs->code[pc], offset);
}

static void concat_jumps(FuncState *fs, int *l1, int l2) {
  if (l2 == NO_JUMP) return;
  if (*l1 == NO_JUMP) {
    *l1 = l2;
    return;
  }
  int list = *l1, next;
  while ((next = getjump(fs, list)) != NO_JUMP) list = next;
  fixjump(fs, list, l2);
}

static int jump(FuncState *fs) {
  return code(fs, MK_sJ(OP_JMP, NO_JUMP));
}

static int istest(OpCode op) {
  return (op >= OP_EQ && op <= OP_TESTSET);
}

/* The instruction that decides jump pc: the test before it, or the jump itself. */
static Instr *jumpcontrol(FuncState *fs, int pc) {
  if (pc >= 1 && istest(GET_OP(fs->code[pc - 1]))) return &fs->code[pc - 1];
  return &fs->code[pc];
}

/* A TESTSET that should leave its value in reg: set its A, or turn it into a TEST when no
 * value is wanted (reg == NO_REG) or the value is already there. Returns 0 for other tests. */
static int patchtestreg(FuncState *fs, int node, int reg) {
  Instr *i = jumpcontrol(fs, node);
  if (GET_OP(*i) != OP_TESTSET) return 0;
  if (reg != NO_REG && reg != GET_B(*i)) SET_A(*i, reg);
  else *i = MK_ABC(OP_TEST, GET_B(*i), 0, GET_C(*i));
  return 1;
}

static void removevalues(FuncState *fs, int list) {
  for (; list != NO_JUMP; list = getjump(fs, list)) patchtestreg(fs, list, NO_REG);
}

/* Jumps of the list that produce a value go to vtarget (storing into reg), the others to
 * dtarget. */
static void patchlistaux(FuncState *fs, int list, int vtarget, int reg, int dtarget) {
  while (list != NO_JUMP) {
    int next = getjump(fs, list);
    if (patchtestreg(fs, list, reg)) fixjump(fs, list, vtarget);
    else fixjump(fs, list, dtarget);
    list = next;
  }
}

static void patchlist(FuncState *fs, int list, int target) {
  patchlistaux(fs, list, target, NO_REG, target);
}

static void patchtohere(FuncState *fs, int list) {
  patchlist(fs, list, getlabel(fs));
}

static int condjump(FuncState *fs, OpCode op, int a, int b, int c) {
  codeABC(fs, op, a, b, c);
  return jump(fs);
}

/* Some jump of the list does not produce a value (it is not a TESTSET). */
static int need_value(FuncState *fs, int list) {
  for (; list != NO_JUMP; list = getjump(fs, list))
    if (GET_OP(*jumpcontrol(fs, list)) != OP_TESTSET) return 1;
  return 0;
}

/* -- Constants -------------------------------------------------------------------------- */

/* The constant index of a value is found through a private open-addressing map keyed by tag
 * and payload bits: strings by pointer (the lexer gives equal strings one object), floats by
 * bit pattern (0.0 and -0.0 stay apart), nil and booleans by tag alone. */
static uint32_t kmap_hash(int tag, uint64_t bits) {
  uint64_t h = (bits ^ ((uint64_t)tag << 56)) * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h >> 32);
}

static uint64_t kbits(const TValue *v) {
  if (ttisnil(v) || ttisbool(v)) return 0;
  if (ttisstr(v)) return (uint64_t)(uintptr_t)strvalue(v);
  uint64_t b;
  memcpy(&b, &v->v, sizeof b);
  return b;
}

/* Slot of v in the map: its entry, or the empty slot where it belongs. */
static KSlot *kmap_slot(FuncState *fs, int tag, uint64_t bits) {
  uint32_t mask = (uint32_t)fs->kmapcap - 1;
  for (uint32_t i = kmap_hash(tag, bits) & mask; ; i = (i + 1) & mask) {
    KSlot *ks = &fs->kmap[i];
    if (ks->idx < 0 || (ks->tag == tag && ks->bits == bits)) return ks;
  }
}

static void kmap_grow(FuncState *fs) {
  KSlot *old = fs->kmap;
  int oldcap = fs->kmapcap;
  int cap = oldcap ? oldcap * 2 : 64;
  KSlot *nm = malloc((size_t)cap * sizeof(KSlot));
  if (nm == NULL) memerror(fs->ls->L);
  for (int i = 0; i < cap; i++) nm[i].idx = -1;
  fs->kmap = nm;
  fs->kmapcap = cap;
  for (int i = 0; i < oldcap; i++)
    if (old[i].idx >= 0) *kmap_slot(fs, old[i].tag, old[i].bits) = old[i];
  free(old);
}

static int addk(FuncState *fs, const TValue *v) {
  if (2 * (fs->nk + 1) > fs->kmapcap) kmap_grow(fs);   /* at most half full */
  int tag = tt(v);
  uint64_t bits = kbits(v);
  KSlot *ks = kmap_slot(fs, tag, bits);
  if (ks->idx >= 0) return ks->idx;
  GROW(fs->ls->L, fs->k, fs->kcap, fs->nk);
  fs->k[fs->nk] = *v;
  ks->tag = tag;
  ks->bits = bits;
  ks->idx = fs->nk;
  return fs->nk++;
}

static int stringK(FuncState *fs, Str *s) {
  TValue v;
  setstr(&v, s);
  return addk(fs, &v);
}

static int intK(FuncState *fs, int64_t n) {
  TValue v;
  setint(&v, n);
  return addk(fs, &v);
}

static int numberK(FuncState *fs, double n) {
  TValue v;
  setflt(&v, n);
  return addk(fs, &v);
}

static int singletonK(FuncState *fs, int tag) {
  TValue v;
  v.tt = (uint8_t)tag;
  v.v.i = 0;
  return addk(fs, &v);
}

static int isshortK(FuncState *fs, int idx) {
  return idx <= MAXARG_C && ttisstr(&fs->k[idx]) && strvalue(&fs->k[idx])->isshort;
}

/* -- Expressions: basic operations ------------------------------------------------------ */

static void init_exp(ExpDesc *e, ExpKind k, int info) {
  e->k = k;
  e->u.info = info;
  e->t = e->f = NO_JUMP;
}

static int hasjumps(const ExpDesc *e) { return e->t != e->f; }

static VarDesc *getlocalvardesc(FuncState *fs, int vidx) {
  return &fs->ls->dyd->actvar.arr[fs->firstlocal + vidx];
}

/* Register level (number of registers in use) below local number nvar. */
static int reglevel(FuncState *fs, int nvar) {
  while (nvar-- > 0) {
    VarDesc *vd = getlocalvardesc(fs, nvar);
    if (vd->kind != VK_CTC) return vd->ridx + 1;
  }
  return 0;
}

static int nvarstack(FuncState *fs) { return reglevel(fs, fs->nactvar); }

static void freereg(FuncState *fs, int reg) {
  if (reg >= nvarstack(fs)) fs->freereg--;
}

static void freeregs(FuncState *fs, int r1, int r2) {
  if (r1 > r2) {
    freereg(fs, r1);
    freereg(fs, r2);
  } else {
    freereg(fs, r2);
    freereg(fs, r1);
  }
}

static void freeexp(FuncState *fs, ExpDesc *e) {
  if (e->k == E_NONRELOC) freereg(fs, e->u.info);
}

static void freeexps(FuncState *fs, ExpDesc *e1, ExpDesc *e2) {
  int r1 = e1->k == E_NONRELOC ? e1->u.info : -1;
  int r2 = e2->k == E_NONRELOC ? e2->u.info : -1;
  if (r1 >= 0 && r2 >= 0) freeregs(fs, r1, r2);
  else if (r1 >= 0) freereg(fs, r1);
  else if (r2 >= 0) freereg(fs, r2);
}

static void const2exp(const TValue *v, ExpDesc *e) {
  switch (tt(v)) {
    case TAG_INT: e->k = E_KINT; e->u.ival = ivalue(v); break;
    case TAG_FLT: e->k = E_KFLT; e->u.nval = fltvalue(v); break;
    case TAG_FALSE: e->k = E_FALSE; break;
    case TAG_TRUE: e->k = E_TRUE; break;
    case TAG_NIL: e->k = E_NIL; break;
    default: e->k = E_KSTR; e->u.strval = strvalue(v); break;
  }
}

/* Numeric value of a constant expression without jumps. */
static int tonumeral(const ExpDesc *e, TValue *v) {
  if (hasjumps(e)) return 0;
  if (e->k == E_KINT) {
    if (v) setint(v, e->u.ival);
    return 1;
  }
  if (e->k == E_KFLT) {
    if (v) setflt(v, e->u.nval);
    return 1;
  }
  return 0;
}

static int exp2const(FuncState *fs, const ExpDesc *e, TValue *v) {
  if (hasjumps(e)) return 0;
  switch (e->k) {
    case E_FALSE: setbool(v, 0); return 1;
    case E_TRUE: setbool(v, 1); return 1;
    case E_NIL: setnil(v); return 1;
    case E_KSTR: setstr(v, e->u.strval); return 1;
    case E_CONST: *v = fs->ls->dyd->actvar.arr[e->u.info].k; return 1;
    default: return tonumeral(e, v);
  }
}

static void setreturns(FuncState *fs, ExpDesc *e, int nresults) {
  Instr *pc = &fs->code[e->u.info];
  SET_C(*pc, nresults + 1);
  if (e->k == E_VARARG) {   /* a call's results start at its function register; VARARG's here */
    SET_A(*pc, fs->freereg);
    reserveregs(fs, 1);
  }
}

static void setmultret(FuncState *fs, ExpDesc *e) { setreturns(fs, e, MULTRET); }

static void setoneret(FuncState *fs, ExpDesc *e) {
  if (e->k == E_CALL) {
    e->k = E_NONRELOC;
    e->u.info = GET_A(fs->code[e->u.info]);
  } else if (e->k == E_VARARG) {
    SET_C(fs->code[e->u.info], 2);
    e->k = E_RELOC;
  }
}

static void dischargevars(FuncState *fs, ExpDesc *e) {
  switch (e->k) {
    case E_CONST:
      const2exp(&fs->ls->dyd->actvar.arr[e->u.info].k, e);
      break;
    case E_LOCAL: {
      int r = e->u.var.ridx;
      e->u.info = r;
      e->k = E_NONRELOC;
      break;
    }
    case E_UPVAL:
      e->u.info = codeABC(fs, OP_GETUPVAL, 0, e->u.info, 0);
      e->k = E_RELOC;
      break;
    case E_INDEXUP:
      e->u.info = codeABC(fs, OP_GETTABUP, 0, e->u.ind.t, e->u.ind.idx);
      e->k = E_RELOC;
      break;
    case E_INDEXI:
      freereg(fs, e->u.ind.t);
      e->u.info = codeABC(fs, OP_GETINT, 0, e->u.ind.t, e->u.ind.idx);
      e->k = E_RELOC;
      break;
    case E_INDEXSTR:
      freereg(fs, e->u.ind.t);
      e->u.info = codeABC(fs, OP_GETFIELD, 0, e->u.ind.t, e->u.ind.idx);
      e->k = E_RELOC;
      break;
    case E_INDEXED:
      freeregs(fs, e->u.ind.t, e->u.ind.idx);
      e->u.info = codeABC(fs, OP_GETTABLE, 0, e->u.ind.t, e->u.ind.idx);
      e->k = E_RELOC;
      break;
    case E_VARARG: case E_CALL:
      setoneret(fs, e);
      break;
    default: break;
  }
}

static void loadK(FuncState *fs, int reg, int idx) {
  if (idx <= MAXARG_Bx) {
    codeABx(fs, OP_LOADK, reg, idx);
    return;
  }
  if (idx > MAXARG_Ax) lex_syntaxerror(fs->ls, "constant table overflow");
  codeABC(fs, OP_LOADKX, reg, 0, 0);
  code(fs, MK_Ax(OP_EXTRAARG, idx));
}

static void discharge2reg(FuncState *fs, ExpDesc *e, int reg) {
  dischargevars(fs, e);
  switch (e->k) {
    case E_NIL: loadnil(fs, reg, 1); break;
    case E_FALSE: codeABC(fs, OP_LOADFALSE, reg, 0, 0); break;
    case E_TRUE: codeABC(fs, OP_LOADTRUE, reg, 0, 0); break;
    case E_KSTR: loadK(fs, reg, stringK(fs, e->u.strval)); break;
    case E_K: loadK(fs, reg, e->u.info); break;
    case E_KFLT: loadK(fs, reg, numberK(fs, e->u.nval)); break;
    case E_KINT:
      if (e->u.ival >= -BX_BIAS && e->u.ival <= MAXARG_Bx - BX_BIAS)
        codeABx(fs, OP_LOADI, reg, (int)e->u.ival + BX_BIAS);
      else
        loadK(fs, reg, intK(fs, e->u.ival));
      break;
    case E_RELOC: SET_A(fs->code[e->u.info], reg); break;
    case E_NONRELOC:
      if (reg != e->u.info) codeABC(fs, OP_MOVE, reg, e->u.info, 0);
      break;
    default: return;   /* E_JMP: nothing to do here */
  }
  e->u.info = reg;
  e->k = E_NONRELOC;
}

static void discharge2anyreg(FuncState *fs, ExpDesc *e) {
  if (e->k != E_NONRELOC) {
    reserveregs(fs, 1);
    discharge2reg(fs, e, fs->freereg - 1);
  }
}

static int code_loadbool(FuncState *fs, int reg, OpCode op) {
  getlabel(fs);
  return codeABC(fs, op, reg, 0, 0);
}

static void exp2reg(FuncState *fs, ExpDesc *e, int reg) {
  discharge2reg(fs, e, reg);
  if (e->k == E_JMP) concat_jumps(fs, &e->t, e->u.info);
  if (hasjumps(e)) {
    int p_f = NO_JUMP, p_t = NO_JUMP;
    if (need_value(fs, e->t) || need_value(fs, e->f)) {
      int fj = e->k == E_JMP ? NO_JUMP : jump(fs);
      p_f = code_loadbool(fs, reg, OP_LOADFALSE);
      int skip = jump(fs);
      p_t = code_loadbool(fs, reg, OP_LOADTRUE);
      patchtohere(fs, skip);
      patchtohere(fs, fj);
    }
    int final = getlabel(fs);
    patchlistaux(fs, e->f, final, reg, p_f);
    patchlistaux(fs, e->t, final, reg, p_t);
  }
  e->f = e->t = NO_JUMP;
  e->u.info = reg;
  e->k = E_NONRELOC;
}

static void exp2nextreg(FuncState *fs, ExpDesc *e) {
  dischargevars(fs, e);
  freeexp(fs, e);
  reserveregs(fs, 1);
  exp2reg(fs, e, fs->freereg - 1);
}

static int exp2anyreg(FuncState *fs, ExpDesc *e) {
  dischargevars(fs, e);
  if (e->k == E_NONRELOC) {
    if (!hasjumps(e)) return e->u.info;
    if (e->u.info >= nvarstack(fs)) {   /* a temporary: put the final value there */
      exp2reg(fs, e, e->u.info);
      return e->u.info;
    }
  }
  exp2nextreg(fs, e);
  return e->u.info;
}

static void exp2anyregup(FuncState *fs, ExpDesc *e) {
  if (e->k != E_UPVAL || hasjumps(e)) exp2anyreg(fs, e);
}

static void exp2val(FuncState *fs, ExpDesc *e) {
  if (hasjumps(e)) exp2anyreg(fs, e);
  else dischargevars(fs, e);
}

static void str2K(FuncState *fs, ExpDesc *e) {
  e->u.info = stringK(fs, e->u.strval);
  e->k = E_K;
}

/* Puts a constant expression in the constant table; 1 if its index fits an 8-bit operand. */
static int exp2K(FuncState *fs, ExpDesc *e) {
  if (hasjumps(e)) return 0;
  int info;
  switch (e->k) {
    case E_TRUE: info = singletonK(fs, TAG_TRUE); break;
    case E_FALSE: info = singletonK(fs, TAG_FALSE); break;
    case E_NIL: info = singletonK(fs, TAG_NIL); break;
    case E_KINT: info = intK(fs, e->u.ival); break;
    case E_KFLT: info = numberK(fs, e->u.nval); break;
    case E_KSTR: info = stringK(fs, e->u.strval); break;
    case E_K: info = e->u.info; break;
    default: return 0;
  }
  if (info > MAXARG_B) return 0;
  e->k = E_K;
  e->u.info = info;
  return 1;
}

static void storevar(FuncState *fs, ExpDesc *var, ExpDesc *ex) {
  switch (var->k) {
    case E_LOCAL:
      freeexp(fs, ex);
      exp2reg(fs, ex, var->u.var.ridx);
      return;
    case E_UPVAL:
      codeABC(fs, OP_SETUPVAL, exp2anyreg(fs, ex), var->u.info, 0);
      break;
    case E_INDEXUP:
      codeABC(fs, OP_SETTABUP, var->u.ind.t, var->u.ind.idx, exp2anyreg(fs, ex));
      break;
    case E_INDEXI:
      codeABC(fs, OP_SETINT, var->u.ind.t, var->u.ind.idx, exp2anyreg(fs, ex));
      break;
    case E_INDEXSTR:
      codeABC(fs, OP_SETFIELD, var->u.ind.t, var->u.ind.idx, exp2anyreg(fs, ex));
      break;
    case E_INDEXED:
      codeABC(fs, OP_SETTABLE, var->u.ind.t, var->u.ind.idx, exp2anyreg(fs, ex));
      break;
    default: break;
  }
  freeexp(fs, ex);
}

/* obj:key(...) -> SELF; a key that is no short string goes through a register. */
static void codeself(FuncState *fs, ExpDesc *e, ExpDesc *key) {
  exp2anyreg(fs, e);
  int ereg = e->u.info;
  freeexp(fs, e);
  e->u.info = fs->freereg;
  e->k = E_NONRELOC;
  reserveregs(fs, 2);
  str2K(fs, key);
  if (isshortK(fs, key->u.info)) {
    codeABC(fs, OP_SELF, e->u.info, ereg, key->u.info);
  } else {
    codeABC(fs, OP_MOVE, e->u.info + 1, ereg, 0);
    loadK(fs, e->u.info, key->u.info);
    codeABC(fs, OP_GETTABLE, e->u.info, e->u.info + 1, e->u.info);
  }
}

static void negatecondition(FuncState *fs, ExpDesc *e) {
  Instr *i = jumpcontrol(fs, e->u.info);
  SET_C(*i, GET_C(*i) ^ 1);
}

static int jumponcond(FuncState *fs, ExpDesc *e, int cond) {
  if (e->k == E_RELOC) {
    Instr ie = fs->code[e->u.info];
    if (GET_OP(ie) == OP_NOT) {
      fs->pc--;                                   /* drop the NOT, test its operand */
      return condjump(fs, OP_TEST, GET_B(ie), 0, !cond);
    }
  }
  discharge2anyreg(fs, e);
  freeexp(fs, e);
  return condjump(fs, OP_TESTSET, NO_REG, e->u.info, cond);
}

/* Falls through when e is true, jumps (list e->f) when false. */
static void goiftrue(FuncState *fs, ExpDesc *e) {
  int pc;
  dischargevars(fs, e);
  switch (e->k) {
    case E_JMP: negatecondition(fs, e); pc = e->u.info; break;
    case E_K: case E_KFLT: case E_KINT: case E_KSTR: case E_TRUE: pc = NO_JUMP; break;
    default: pc = jumponcond(fs, e, 0); break;
  }
  concat_jumps(fs, &e->f, pc);
  patchtohere(fs, e->t);
  e->t = NO_JUMP;
}

/* Falls through when e is false, jumps (list e->t) when true. */
static void goiffalse(FuncState *fs, ExpDesc *e) {
  int pc;
  dischargevars(fs, e);
  switch (e->k) {
    case E_JMP: pc = e->u.info; break;
    case E_NIL: case E_FALSE: pc = NO_JUMP; break;
    default: pc = jumponcond(fs, e, 1); break;
  }
  concat_jumps(fs, &e->t, pc);
  patchtohere(fs, e->f);
  e->f = NO_JUMP;
}

static void codenot(FuncState *fs, ExpDesc *e) {
  switch (e->k) {
    case E_NIL: case E_FALSE: e->k = E_TRUE; break;
    case E_K: case E_KFLT: case E_KINT: case E_KSTR: case E_TRUE: e->k = E_FALSE; break;
    case E_JMP: negatecondition(fs, e); break;
    case E_RELOC: case E_NONRELOC:
      discharge2anyreg(fs, e);
      freeexp(fs, e);
      e->u.info = codeABC(fs, OP_NOT, 0, e->u.info, 0);
      e->k = E_RELOC;
      break;
    default: break;
  }
  int tmp = e->f;
  e->f = e->t;
  e->t = tmp;
  removevalues(fs, e->f);
  removevalues(fs, e->t);
}

/* t[k]: t is in a register or an upvalue. */
static void indexed(FuncState *fs, ExpDesc *t, ExpDesc *k) {
  if (k->k == E_KSTR) str2K(fs, k);
  int kstr = k->k == E_K && isshortK(fs, k->u.info);
  if (t->k == E_UPVAL && !kstr) exp2anyreg(fs, t);
  if (t->k == E_UPVAL) {
    t->u.ind.t = t->u.info;
    t->u.ind.idx = k->u.info;
    t->k = E_INDEXUP;
    return;
  }
  int treg = t->k == E_LOCAL ? t->u.var.ridx : t->u.info;
  t->u.ind.t = treg;
  if (kstr) {
    t->u.ind.idx = k->u.info;
    t->k = E_INDEXSTR;
  } else if (k->k == E_KINT && !hasjumps(k) && k->u.ival >= 0 && k->u.ival <= MAXARG_C) {
    t->u.ind.idx = (int)k->u.ival;
    t->k = E_INDEXI;
  } else {
    t->u.ind.idx = exp2anyreg(fs, k);
    t->k = E_INDEXED;
  }
}

/* -- Constant folding ------------------------------------------------------------------- */

static int tointexact(const TValue *v, int64_t *out) {
  if (ttisint(v)) {
    *out = ivalue(v);
    return 1;
  }
  return obj_flt2int(fltvalue(v), out, 0);
}

/* Computes a op b when that cannot raise an error; 0 if it must be left to run time. */
static int arith_fold(int op, const TValue *a, const TValue *b, TValue *res) {
  if (isbitwise(op)) {
    int64_t x, y;
    if (!tointexact(a, &x) || !tointexact(b, &y)) return 0;
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    switch (op) {
      case OPR_BAND: setint(res, (int64_t)(ux & uy)); break;
      case OPR_BOR: setint(res, (int64_t)(ux | uy)); break;
      case OPR_BXOR: setint(res, (int64_t)(ux ^ uy)); break;
      case OPR_SHL: setint(res, obj_shl(x, y)); break;
      default: setint(res, obj_shl(x, (int64_t)(0 - uy))); break;
    }
    return 1;
  }
  if ((op == OPR_DIV || op == OPR_IDIV || op == OPR_MOD) && numvalue(b) == 0) return 0;
  if (ttisint(a) && ttisint(b) && op != OPR_DIV && op != OPR_POW) {
    uint64_t x = (uint64_t)ivalue(a), y = (uint64_t)ivalue(b);
    switch (op) {
      case OPR_ADD: setint(res, (int64_t)(x + y)); break;
      case OPR_SUB: setint(res, (int64_t)(x - y)); break;
      case OPR_MUL: setint(res, (int64_t)(x * y)); break;
      case OPR_MOD: setint(res, obj_imod(ivalue(a), ivalue(b))); break;
      default: setint(res, obj_idiv(ivalue(a), ivalue(b))); break;
    }
    return 1;
  }
  double x = numvalue(a), y = numvalue(b), r;
  switch (op) {
    case OPR_ADD: r = x + y; break;
    case OPR_SUB: r = x - y; break;
    case OPR_MUL: r = x * y; break;
    case OPR_MOD: r = obj_fmod(x, y); break;
    case OPR_POW: r = y == 2 ? x * x : pow(x, y); break;
    case OPR_DIV: r = x / y; break;
    default: r = floor(x / y); break;
  }
  setflt(res, r);
  return 1;
}

/* Folds e1 op e2 (or the unary op on e1 when e2 is NULL) into e1. Results that are NaN or a
 * float zero stay unfolded, so constants never have to tell 0.0 from -0.0 or NaN apart. */
static int constfold(int op, ExpDesc *e1, const ExpDesc *e2, int unary) {
  TValue a, b, res;
  if (!tonumeral(e1, &a)) return 0;
  if (unary) {
    if (op == OPR_MINUS) {
      if (ttisint(&a)) setint(&res, (int64_t)(0u - (uint64_t)ivalue(&a)));
      else setflt(&res, -fltvalue(&a));
    } else {
      int64_t x;
      if (!tointexact(&a, &x)) return 0;
      setint(&res, (int64_t)~(uint64_t)x);
    }
  } else {
    if (!tonumeral(e2, &b) || !arith_fold(op, &a, &b, &res)) return 0;
  }
  if (ttisint(&res)) {
    e1->k = E_KINT;
    e1->u.ival = ivalue(&res);
    return 1;
  }
  double n = fltvalue(&res);
  if (n != n || n == 0) return 0;
  e1->k = E_KFLT;
  e1->u.nval = n;
  return 1;
}

/* -- Operators -------------------------------------------------------------------------- */

static const OpCode binop_reg[] = {
  OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_POW, OP_DIV, OP_IDIV,
  OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR
};
static const OpCode binop_k[] = {
  OP_ADDK, OP_SUBK, OP_MULK, OP_MODK, OP_POWK, OP_DIVK, OP_IDIVK,
  OP_BANDK, OP_BORK, OP_BXORK, OP_JMP, OP_JMP   /* no SHLK/SHRK */
};

static int isSCint(const ExpDesc *e) {
  return e->k == E_KINT && !hasjumps(e) && e->u.ival >= -SC_BIAS && e->u.ival <= MAXARG_C - SC_BIAS;
}

static void codearith(FuncState *fs, BinOpr op, ExpDesc *e1, ExpDesc *e2, int line) {
  OpCode opc;
  int c;
  if (op == OPR_ADD && isSCint(e2)) {
    opc = OP_ADDI;
    c = (int)e2->u.ival + SC_BIAS;
  } else if ((op == OPR_SHL || op == OPR_SHR) && isSCint(e2)) {
    opc = op == OPR_SHL ? OP_SHLI : OP_SHRI;
    c = (int)e2->u.ival + SC_BIAS;
  } else if (binop_k[op] != OP_JMP && (e2->k == E_KINT || (e2->k == E_KFLT && !isbitwise(op)))
             && !hasjumps(e2) && exp2K(fs, e2)) {
    opc = binop_k[op];
    c = e2->u.info;
  } else {
    int r2 = exp2anyreg(fs, e2);
    int r1 = exp2anyreg(fs, e1);
    freeexps(fs, e1, e2);
    e1->u.info = codeABC(fs, binop_reg[op], 0, r1, r2);
    e1->k = E_RELOC;
    fixline(fs, line);
    return;
  }
  int r1 = exp2anyreg(fs, e1);
  freeexp(fs, e1);
  e1->u.info = codeABC(fs, opc, 0, r1, c);
  e1->k = E_RELOC;
  fixline(fs, line);
}

static void codeunary(FuncState *fs, OpCode op, ExpDesc *e, int line) {
  int r = exp2anyreg(fs, e);
  freeexp(fs, e);
  e->u.info = codeABC(fs, op, 0, r, 0);
  e->k = E_RELOC;
  fixline(fs, line);
}

static void prefix(FuncState *fs, UnOpr op, ExpDesc *e, int line) {
  dischargevars(fs, e);
  switch (op) {
    case OPR_MINUS:
      if (constfold(OPR_MINUS, e, NULL, 1)) break;
      codeunary(fs, OP_UNM, e, line);
      break;
    case OPR_BNOT:
      if (constfold(OPR_BNOT, e, NULL, 1)) break;
      codeunary(fs, OP_BNOT, e, line);
      break;
    case OPR_LEN: codeunary(fs, OP_LEN, e, line); break;
    default: codenot(fs, e); break;
  }
}

static int isconstexp(const ExpDesc *e) {
  return !hasjumps(e) && (e->k == E_NIL || e->k == E_TRUE || e->k == E_FALSE || e->k == E_K ||
                          e->k == E_KINT || e->k == E_KFLT || e->k == E_KSTR);
}

static void infix(FuncState *fs, BinOpr op, ExpDesc *v) {
  dischargevars(fs, v);
  switch (op) {
    case OPR_AND: goiftrue(fs, v); break;
    case OPR_OR: goiffalse(fs, v); break;
    case OPR_CONCAT: exp2nextreg(fs, v); break;
    case OPR_EQ: case OPR_NE:
      if (!isconstexp(v)) exp2anyreg(fs, v);
      break;
    case OPR_LT: case OPR_LE: case OPR_GT: case OPR_GE:
      if (!isSCint(v)) exp2anyreg(fs, v);
      break;
    default:
      if (!tonumeral(v, NULL)) exp2anyreg(fs, v);
      break;
  }
}

static void codeconcat(FuncState *fs, ExpDesc *e1, ExpDesc *e2, int line) {
  Instr *prev = previous_instr(fs);
  if (prev != NULL && GET_OP(*prev) == OP_CONCAT && GET_A(*prev) == e1->u.info + 1) {
    freeexp(fs, e2);
    SET_A(*prev, e1->u.info);
    SET_B(*prev, GET_B(*prev) + 1);
  } else {
    codeABC(fs, OP_CONCAT, e1->u.info, 2, 0);
    freeexp(fs, e2);
    fixline(fs, line);
  }
}

static void codeeq(FuncState *fs, BinOpr op, ExpDesc *e1, ExpDesc *e2) {
  if (e1->k != E_NONRELOC) {   /* a constant on the left: equality is symmetric */
    ExpDesc tmp = *e1;
    *e1 = *e2;
    *e2 = tmp;
  }
  int r1 = exp2anyreg(fs, e1);
  int c = op == OPR_EQ;
  OpCode opc;
  int b;
  if (isSCint(e2)) {
    opc = OP_EQI;
    b = (int)e2->u.ival + SC_BIAS;
  } else if (isconstexp(e2) && exp2K(fs, e2)) {
    opc = OP_EQK;
    b = e2->u.info;
  } else {
    opc = OP_EQ;
    b = exp2anyreg(fs, e2);
  }
  freeexps(fs, e1, e2);
  e1->u.info = condjump(fs, opc, r1, b, c);
  e1->k = E_JMP;
}

static void codeorder(FuncState *fs, BinOpr op, ExpDesc *e1, ExpDesc *e2) {
  int le = op == OPR_LE;
  OpCode opc;
  int a, b;
  if (isSCint(e2)) {
    a = exp2anyreg(fs, e1);
    b = (int)e2->u.ival + SC_BIAS;
    opc = le ? OP_LEI : OP_LTI;
  } else if (isSCint(e1)) {
    a = exp2anyreg(fs, e2);
    b = (int)e1->u.ival + SC_BIAS;
    opc = le ? OP_GEI : OP_GTI;
  } else {
    a = exp2anyreg(fs, e1);
    b = exp2anyreg(fs, e2);
    opc = le ? OP_LE : OP_LT;
  }
  freeexps(fs, e1, e2);
  e1->u.info = condjump(fs, opc, a, b, 1);
  e1->k = E_JMP;
}

static void posfix(FuncState *fs, BinOpr op, ExpDesc *e1, ExpDesc *e2, int line) {
  dischargevars(fs, e2);
  if (foldbinop(op) && constfold(op, e1, e2, 0)) return;
  switch (op) {
    case OPR_AND:
      concat_jumps(fs, &e2->f, e1->f);
      *e1 = *e2;
      break;
    case OPR_OR:
      concat_jumps(fs, &e2->t, e1->t);
      *e1 = *e2;
      break;
    case OPR_CONCAT:
      exp2nextreg(fs, e2);
      codeconcat(fs, e1, e2, line);
      break;
    case OPR_EQ: case OPR_NE:
      codeeq(fs, op, e1, e2);
      break;
    case OPR_GT: case OPR_GE: {   /* a > b is b < a */
      ExpDesc tmp = *e1;
      *e1 = *e2;
      *e2 = tmp;
      codeorder(fs, op == OPR_GT ? OPR_LT : OPR_LE, e1, e2);
      break;
    }
    case OPR_LT: case OPR_LE:
      codeorder(fs, op, e1, e2);
      break;
    default:
      codearith(fs, op, e1, e2, line);
      break;
  }
}

/* -- Parser: helpers -------------------------------------------------------------------- */

static void statement(LexState *ls);
static void expr(LexState *ls, ExpDesc *v);
static void body(LexState *ls, ExpDesc *e, int ismethod, int line);

static _Noreturn void error_expected(LexState *ls, int tok) {
  char name[64], msg[96];
  lex_token2str(tok, name);
  snprintf(msg, sizeof msg, "%s expected", name);
  lex_syntaxerror(ls, msg);
}

static int testnext(LexState *ls, int c) {
  if (ls->t.tok != c) return 0;
  lex_next(ls);
  return 1;
}

static void check(LexState *ls, int c) {
  if (ls->t.tok != c) error_expected(ls, c);
}

static void checknext(LexState *ls, int c) {
  check(ls, c);
  lex_next(ls);
}

static void check_condition(LexState *ls, int cond, const char *msg) {
  if (!cond) lex_syntaxerror(ls, msg);
}

static void check_match(LexState *ls, int what, int who, int where) {
  if (testnext(ls, what)) return;
  if (where == ls->line) error_expected(ls, what);
  char a[64], b[64], msg[200];
  snprintf(msg, sizeof msg, "%s expected (to close %s at line %d)",
           lex_token2str(what, a), lex_token2str(who, b), where);
  lex_syntaxerror(ls, msg);
}

static Str *str_checkname(LexState *ls) {
  check(ls, TK_NAME);
  Str *s = ls->t.sem.s;
  lex_next(ls);
  return s;
}

static void codestring(ExpDesc *e, Str *s) {
  e->f = e->t = NO_JUMP;
  e->k = E_KSTR;
  e->u.strval = s;
}

static void codename(LexState *ls, ExpDesc *e) {
  codestring(e, str_checkname(ls));
}

static int block_follow(LexState *ls, int withuntil) {
  switch (ls->t.tok) {
    case TK_ELSE: case TK_ELSEIF: case TK_END: case TK_EOS: return 1;
    case TK_UNTIL: return withuntil;
    default: return 0;
  }
}

/* Nesting counts with the C calls already active (low 16 bits of nCcalls), as in lua5.4. */
static void enterlevel(LexState *ls) {
  if ((int)(ls->L->nCcalls & 0xffff) + ++ls->nest >= MAX_LEVELS) {
    Str *m = lex_newstring(ls, "C stack overflow", 16);
    setstr(ls->L->top, m);
    ls->L->top++;
    call_throw(ls->L, ST_ERRSYNTAX);
  }
}

static void leavelevel(LexState *ls) { ls->nest--; }

/* -- Variables -------------------------------------------------------------------------- */

static int registerlocalvar(FuncState *fs, Str *name, int reg) {
  /* VarDesc.pidx is a short: debug entries of one function stop at 32767, as in lua5.4. */
  if (fs->nlocvars >= SHRT_MAX) errorlimit(fs, SHRT_MAX, "local variables");
  GROW(fs->ls->L, fs->locvars, fs->lvcap, fs->nlocvars);
  LocVar *lv = &fs->locvars[fs->nlocvars];
  lv->name = name;
  lv->startpc = fs->pc;
  lv->endpc = 0;
  lv->reg = reg;
  return fs->nlocvars++;
}

static int new_localvar(LexState *ls, Str *name) {
  FuncState *fs = ls->fs;
  Dyndata *dyd = ls->dyd;
  checklimit(fs, dyd->actvar.n + 1 - fs->firstlocal, MAX_VARS, "local variables");
  GROW(ls->L, dyd->actvar.arr, dyd->actvar.cap, dyd->actvar.n);
  VarDesc *vd = &dyd->actvar.arr[dyd->actvar.n++];
  vd->kind = VK_REG;
  vd->name = name;
  vd->ridx = 0;
  vd->pidx = -1;
  setnil(&vd->k);
  return dyd->actvar.n - 1 - fs->firstlocal;
}

static void new_localvarliteral(LexState *ls, const char *name) {
  new_localvar(ls, lex_newstring(ls, name, strlen(name)));
}

static LocVar *localdebuginfo(FuncState *fs, int vidx) {
  VarDesc *vd = getlocalvardesc(fs, vidx);
  if (vd->kind == VK_CTC) return NULL;
  return &fs->locvars[vd->pidx];
}

static void init_var(FuncState *fs, ExpDesc *e, int vidx) {
  e->f = e->t = NO_JUMP;
  e->k = E_LOCAL;
  e->u.var.vidx = vidx;
  e->u.var.ridx = getlocalvardesc(fs, vidx)->ridx;
}

static void adjustlocalvars(LexState *ls, int nvars) {
  FuncState *fs = ls->fs;
  int level = nvarstack(fs);
  for (int i = 0; i < nvars; i++) {
    int vidx = fs->nactvar++;
    VarDesc *vd = getlocalvardesc(fs, vidx);
    vd->ridx = (uint8_t)level++;
    vd->pidx = (short)registerlocalvar(fs, vd->name, vd->ridx);
  }
}

static void removevars(FuncState *fs, int tolevel) {
  fs->ls->dyd->actvar.n -= fs->nactvar - tolevel;
  while (fs->nactvar > tolevel) {
    LocVar *lv = localdebuginfo(fs, --fs->nactvar);
    if (lv) lv->endpc = fs->pc;
  }
}

static int searchupvalue(FuncState *fs, Str *name) {
  for (int i = 0; i < fs->nups; i++)
    if (eqstr(fs->upvals[i].name, name)) return i;
  return -1;
}

static UpvalDesc *allocupvalue(FuncState *fs) {
  checklimit(fs, fs->nups + 1, MAX_UPVALS, "upvalues");
  GROW(fs->ls->L, fs->upvals, fs->upcap, fs->nups);
  return &fs->upvals[fs->nups++];
}

static int newupvalue(FuncState *fs, Str *name, ExpDesc *v) {
  UpvalDesc *up = allocupvalue(fs);
  FuncState *prev = fs->prev;
  if (v->k == E_LOCAL) {
    up->instack = 1;
    up->idx = (uint8_t)v->u.var.ridx;
    up->kind = getlocalvardesc(prev, v->u.var.vidx)->kind;
  } else {
    up->instack = 0;
    up->idx = (uint8_t)v->u.info;
    up->kind = prev->upvals[v->u.info].kind;
  }
  up->name = name;
  return fs->nups - 1;
}

/* Local variable `name` of fs: sets var and returns its kind, or -1. */
static int searchvar(FuncState *fs, Str *name, ExpDesc *var) {
  for (int i = fs->nactvar - 1; i >= 0; i--) {
    VarDesc *vd = getlocalvardesc(fs, i);
    if (eqstr(name, vd->name)) {
      if (vd->kind == VK_CTC) init_exp(var, E_CONST, fs->firstlocal + i);
      else init_var(fs, var, i);
      return var->k;
    }
  }
  return -1;
}

/* The block holding local `level` has a captured variable: it must close it at its end. */
static void markupval(FuncState *fs, int level) {
  BlockCnt *bl = fs->bl;
  while (bl->nactvar > level) bl = bl->previous;
  bl->upval = 1;
  fs->needclose = 1;
}

static void marktobeclosed(FuncState *fs) {
  BlockCnt *bl = fs->bl;
  bl->upval = 1;
  bl->insidetbc = 1;
  fs->needclose = 1;
}

static void singlevaraux(FuncState *fs, Str *name, ExpDesc *var, int base) {
  if (fs == NULL) {
    init_exp(var, E_VOID, 0);
    return;
  }
  int k = searchvar(fs, name, var);
  if (k >= 0) {
    if (k == E_LOCAL && !base) markupval(fs, var->u.var.vidx);
    return;
  }
  int idx = searchupvalue(fs, name);
  if (idx < 0) {
    singlevaraux(fs->prev, name, var, 0);
    if (var->k != E_LOCAL && var->k != E_UPVAL) return;   /* global or CTC */
    idx = newupvalue(fs, name, var);
  }
  init_exp(var, E_UPVAL, idx);
}

static void singlevar(LexState *ls, ExpDesc *var) {
  Str *name = str_checkname(ls);
  FuncState *fs = ls->fs;
  singlevaraux(fs, name, var, 1);
  if (var->k == E_VOID) {   /* global: _ENV[name] */
    ExpDesc key;
    singlevaraux(fs, ls->envname, var, 1);
    exp2anyregup(fs, var);
    codestring(&key, name);
    indexed(fs, var, &key);
  }
}

static void check_readonly(LexState *ls, ExpDesc *e) {
  FuncState *fs = ls->fs;
  Str *name = NULL;
  switch (e->k) {
    case E_CONST: name = ls->dyd->actvar.arr[e->u.info].name; break;
    case E_LOCAL: {
      VarDesc *vd = getlocalvardesc(fs, e->u.var.vidx);
      if (vd->kind != VK_REG) name = vd->name;
      break;
    }
    case E_UPVAL:
      if (fs->upvals[e->u.info].kind != VK_REG) name = fs->upvals[e->u.info].name;
      break;
    default: return;
  }
  if (name) semerrorf(ls, "attempt to assign to const variable '%s'", name, 0);
}

/* -- Blocks, labels and gotos ----------------------------------------------------------- */

static int newlabelentry(LexState *ls, LabelList *l, Str *name, int line, int pc) {
  GROW(ls->L, l->arr, l->cap, l->n);
  LabelDesc *d = &l->arr[l->n];
  d->name = name;
  d->line = line;
  d->nactvar = ls->fs->nactvar;
  d->close = 0;
  d->pc = pc;
  return l->n++;
}

static int newgotoentry(LexState *ls, Str *name, int line, int pc) {
  return newlabelentry(ls, &ls->dyd->gt, name, line, pc);
}

static _Noreturn void jumpscopeerror(LexState *ls, LabelDesc *gt) {
  const char *var = strdata(getlocalvardesc(ls->fs, gt->nactvar)->name);
  size_t cap = strlen(var) + gt->name->len + 80;
  char *msg = malloc(cap);
  if (msg == NULL) memerror(ls->L);
  snprintf(msg, cap, "<goto %s> at line %d jumps into the scope of local '%s'",
           strdata(gt->name), gt->line, var);
  Str *m = lex_newstring(ls, msg, strlen(msg));
  free(msg);
  lex_semerror(ls, strdata(m));
}

/* Resolves pending goto g to label lb and removes it from the list. */
static void solvegoto(LexState *ls, int g, LabelDesc *lb) {
  LabelList *gl = &ls->dyd->gt;
  LabelDesc *gt = &gl->arr[g];
  if (gt->nactvar < lb->nactvar) jumpscopeerror(ls, gt);
  patchlist(ls->fs, gt->pc, lb->pc);
  memmove(&gl->arr[g], &gl->arr[g + 1], (size_t)(gl->n - g - 1) * sizeof(LabelDesc));
  gl->n--;
}

static int solvegotos(LexState *ls, LabelDesc *lb) {
  LabelList *gl = &ls->dyd->gt;
  int i = ls->fs->bl->firstgoto;
  int needsclose = 0;
  while (i < gl->n) {
    if (eqstr(gl->arr[i].name, lb->name)) {
      needsclose |= gl->arr[i].close;
      solvegoto(ls, i, lb);
    } else {
      i++;
    }
  }
  return needsclose;
}

static LabelDesc *findlabel(LexState *ls, Str *name) {
  Dyndata *dyd = ls->dyd;
  for (int i = ls->fs->firstlabel; i < dyd->label.n; i++)
    if (eqstr(dyd->label.arr[i].name, name)) return &dyd->label.arr[i];
  return NULL;
}

/* A label at the current pc; `last`: nothing but void statements follows it in its block,
 * so the block's locals are already out of scope there. Returns 1 if it emitted a CLOSE. */
static int createlabel(LexState *ls, Str *name, int line, int last) {
  FuncState *fs = ls->fs;
  LabelList *ll = &ls->dyd->label;
  int l = newlabelentry(ls, ll, name, line, getlabel(fs));
  if (last) ll->arr[l].nactvar = fs->bl->nactvar;
  if (solvegotos(ls, &ll->arr[l])) {
    codeABC(fs, OP_CLOSE, nvarstack(fs), 0, 0);
    return 1;
  }
  return 0;
}

/* Pending gotos of a block that ends now belong to the enclosing block. */
static void movegotosout(FuncState *fs, BlockCnt *bl) {
  LabelList *gl = &fs->ls->dyd->gt;
  for (int i = bl->firstgoto; i < gl->n; i++) {
    LabelDesc *gt = &gl->arr[i];
    if (reglevel(fs, gt->nactvar) > reglevel(fs, bl->nactvar)) gt->close |= bl->upval;
    gt->nactvar = bl->nactvar;
  }
}

static void enterblock(FuncState *fs, BlockCnt *bl, int isloop) {
  bl->isloop = (uint8_t)isloop;
  bl->nactvar = fs->nactvar;
  bl->firstlabel = fs->ls->dyd->label.n;
  bl->firstgoto = fs->ls->dyd->gt.n;
  bl->upval = 0;
  bl->insidetbc = fs->bl != NULL && fs->bl->insidetbc;
  bl->previous = fs->bl;
  fs->bl = bl;
}

static _Noreturn void undefgoto(LexState *ls, LabelDesc *gt) {
  if (eqstr(gt->name, lex_newstring(ls, "break", 5))) {
    char msg[64];
    snprintf(msg, sizeof msg, "break outside loop at line %d", gt->line);
    lex_semerror(ls, msg);
  }
  semerrorf(ls, "no visible label '%s' for <goto> at line %d", gt->name, gt->line);
}

static void leaveblock(FuncState *fs) {
  BlockCnt *bl = fs->bl;
  LexState *ls = fs->ls;
  int hasclose = 0;
  int stklevel = reglevel(fs, bl->nactvar);
  removevars(fs, bl->nactvar);
  if (bl->isloop) hasclose = createlabel(ls, lex_newstring(ls, "break", 5), 0, 0);
  if (!hasclose && bl->previous && bl->upval) codeABC(fs, OP_CLOSE, stklevel, 0, 0);
  fs->freereg = stklevel;
  ls->dyd->label.n = bl->firstlabel;
  fs->bl = bl->previous;
  if (bl->previous) movegotosout(fs, bl);
  else if (bl->firstgoto < ls->dyd->gt.n) undefgoto(ls, &ls->dyd->gt.arr[bl->firstgoto]);
}

/* -- Functions -------------------------------------------------------------------------- */

static FuncState *open_func(LexState *ls, BlockCnt *bl) {
  State *L = ls->L;
  FuncState *fs = calloc(1, sizeof *fs);
  if (fs == NULL) memerror(L);
  fs->prev = ls->fs;
  fs->ls = ls;
  ls->fs = fs;
  fs->firstlocal = ls->dyd->actvar.n;
  fs->firstlabel = ls->dyd->label.n;
  fs->maxstack = 2;
  fs->mark = savestack(L, L->top);
  enterblock(fs, bl, 0);
  return fs;
}

static void ret(FuncState *fs, int first, int nret) {
  codeABC(fs, OP_RETURN, first, nret + 1, 0);
}

/* Returns that close nothing become RETURN0/RETURN1. */
static void finish(FuncState *fs) {
  if (fs->needclose) return;
  for (int i = 0; i < fs->pc; i++) {
    Instr *pi = &fs->code[i];
    if (GET_OP(*pi) != OP_RETURN) continue;
    if (GET_B(*pi) == 1) *pi = MK_ABC(OP_RETURN0, GET_A(*pi), 0, 0);
    else if (GET_B(*pi) == 2) *pi = MK_ABC(OP_RETURN1, GET_A(*pi), 0, 0);
  }
}

static void free_funcstate(FuncState *fs) {
  free(fs->code);
  free(fs->lineinfo);
  free(fs->k);
  free(fs->p);
  free(fs->upvals);
  free(fs->locvars);
  free(fs->kmap);
  free(fs);
}

#define COPYVEC(L, dst, src, n, T) \
  do { dst = gc_newvec(L, n, T); if ((n) > 0) memcpy(dst, src, (size_t)(n) * sizeof(T)); } while (0)

/* Builds the Proto of fs, leaves it anchored in fs's first stack slot, returns it. */
static Proto *build_proto(FuncState *fs) {
  State *L = fs->ls->L;
  Proto *p = func_newproto(L);
  call_checkstack(L, 1);
  setgco(L->top, p, TAG_PROTO);
  L->top++;
  p->numparams = (uint8_t)fs->numparams;
  p->is_vararg = (uint8_t)fs->is_vararg;
  p->maxstack = (uint8_t)fs->maxstack;
  p->source = fs->ls->source;
  p->linedefined = fs->linedefined;
  p->lastlinedefined = fs->lastlinedefined;
  Instr *codev;
  int *lines;
  COPYVEC(L, codev, fs->code, fs->pc, Instr);
  p->code = codev;
  COPYVEC(L, lines, fs->lineinfo, fs->pc, int);
  p->lineinfo = lines;
  p->ncode = fs->pc;
  TValue *kv;
  COPYVEC(L, kv, fs->k, fs->nk, TValue);
  p->k = kv;
  p->nk = fs->nk;
  UpvalDesc *uv;
  COPYVEC(L, uv, fs->upvals, fs->nups, UpvalDesc);
  p->upvals = uv;
  p->nupvals = fs->nups;
  LocVar *lv;
  COPYVEC(L, lv, fs->locvars, fs->nlocvars, LocVar);
  p->locvars = lv;
  p->nlocvars = fs->nlocvars;
  Proto **pv;
  COPYVEC(L, pv, fs->p, fs->np, Proto *);
  p->p = pv;
  p->np = fs->np;
  /* p may already be black: keep the invariant for what it now points to. */
  for (int i = 0; i < fs->np; i++) gc_objbarrier(L, p, fs->p[i]);
  for (int i = 0; i < fs->nk; i++) gc_barrier(L, p, &fs->k[i]);
  TValue *slot = restorestack(L, fs->mark);
  setgco(slot, p, TAG_PROTO);
  L->top = slot + 1;
  return p;
}

static Proto *close_func(LexState *ls) {
  State *L = ls->L;
  FuncState *fs = ls->fs;
  ret(fs, nvarstack(fs), 0);
  leaveblock(fs);
  finish(fs);
  Proto *p = build_proto(fs);
  gc_check(L);
  ls->fs = fs->prev;
  free_funcstate(fs);
  if (ls->fs != NULL) {
    FuncState *parent = ls->fs;
    if (parent->np >= MAXARG_Bx) errorlimit(parent, MAXARG_Bx, "functions");
    GROW(ls->L, parent->p, parent->pcap, parent->np);
    parent->p[parent->np++] = p;
  }
  return p;
}

static void setvararg(FuncState *fs, int nparams) {
  fs->is_vararg = 1;
  codeABC(fs, OP_VARARGPREP, nparams, 0, 0);
}

/* -- Parser: expressions ---------------------------------------------------------------- */

static void fieldsel(LexState *ls, ExpDesc *v) {
  FuncState *fs = ls->fs;
  ExpDesc key;
  exp2anyregup(fs, v);
  lex_next(ls);
  codename(ls, &key);
  indexed(fs, v, &key);
}

static void yindex(LexState *ls, ExpDesc *v) {
  lex_next(ls);
  expr(ls, v);
  exp2val(ls->fs, v);
  checknext(ls, ']');
}

typedef struct ConsControl {
  ExpDesc v;        /* last list item read */
  ExpDesc *t;       /* the table */
  int nh;           /* record fields */
  int na;           /* list items already stored */
  int tostore;      /* list items pending */
} ConsControl;

static void recfield(LexState *ls, ConsControl *cc) {
  FuncState *fs = ls->fs;
  int reg = fs->freereg;
  ExpDesc tab, key, val;
  if (ls->t.tok == TK_NAME) codename(ls, &key);
  else yindex(ls, &key);
  cc->nh++;
  checknext(ls, '=');
  tab = *cc->t;
  indexed(fs, &tab, &key);
  expr(ls, &val);
  storevar(fs, &tab, &val);
  fs->freereg = reg;
}

static void setlist(FuncState *fs, int base, int nstored, int tostore) {
  int b = tostore == MULTRET ? 0 : tostore;
  if (nstored < MAXARG_C) {
    codeABC(fs, OP_SETLIST, base, b, nstored);
  } else {
    codeABC(fs, OP_SETLIST, base, b, MAXARG_C);
    code(fs, MK_Ax(OP_EXTRAARG, nstored));
  }
  fs->freereg = base + 1;
}

static void closelistfield(FuncState *fs, ConsControl *cc) {
  if (cc->v.k == E_VOID) return;
  exp2nextreg(fs, &cc->v);
  cc->v.k = E_VOID;
  if (cc->tostore == FIELDS_PER_FLUSH) {
    setlist(fs, cc->t->u.info, cc->na, cc->tostore);
    cc->na += cc->tostore;
    cc->tostore = 0;
  }
}

static void lastlistfield(FuncState *fs, ConsControl *cc) {
  if (cc->tostore == 0) return;
  if (hasmultret(cc->v.k)) {
    setmultret(fs, &cc->v);
    setlist(fs, cc->t->u.info, cc->na, MULTRET);
    cc->na--;   /* the open item does not count in the size hint */
  } else {
    if (cc->v.k != E_VOID) exp2nextreg(fs, &cc->v);
    setlist(fs, cc->t->u.info, cc->na, cc->tostore);
  }
  cc->na += cc->tostore;
}

static void listfield(LexState *ls, ConsControl *cc) {
  expr(ls, &cc->v);
  cc->tostore++;
}

static void field(LexState *ls, ConsControl *cc) {
  switch (ls->t.tok) {
    case TK_NAME:
      if (lex_lookahead(ls) != '=') listfield(ls, cc);
      else recfield(ls, cc);
      break;
    case '[': recfield(ls, cc); break;
    default: listfield(ls, cc); break;
  }
}

static void constructor(LexState *ls, ExpDesc *t) {
  FuncState *fs = ls->fs;
  int line = ls->line;
  int pc = codeABC(fs, OP_NEWTABLE, 0, 0, 0);
  ConsControl cc;
  cc.na = cc.nh = cc.tostore = 0;
  cc.t = t;
  init_exp(t, E_NONRELOC, fs->freereg);
  reserveregs(fs, 1);
  init_exp(&cc.v, E_VOID, 0);
  checknext(ls, '{');
  do {
    if (ls->t.tok == '}') break;
    closelistfield(fs, &cc);
    field(ls, &cc);
  } while (testnext(ls, ',') || testnext(ls, ';'));
  check_match(ls, '}', '{', line);
  lastlistfield(fs, &cc);
  Instr *ni = &fs->code[pc];
  SET_A(*ni, t->u.info);
  SET_B(*ni, cc.na < MAXARG_B ? cc.na : MAXARG_B);
  SET_C(*ni, cc.nh < MAXARG_C ? cc.nh : MAXARG_C);
}

static void parlist(LexState *ls) {
  FuncState *fs = ls->fs;
  int nparams = 0, isvararg = 0;
  if (ls->t.tok != ')') {
    do {
      switch (ls->t.tok) {
        case TK_NAME:
          new_localvar(ls, str_checkname(ls));
          nparams++;
          break;
        case TK_DOTS:
          lex_next(ls);
          isvararg = 1;
          break;
        default: lex_syntaxerror(ls, "<name> or '...' expected");
      }
    } while (!isvararg && testnext(ls, ','));
  }
  adjustlocalvars(ls, nparams);
  fs->numparams = fs->nactvar;
  if (isvararg) setvararg(fs, fs->numparams);
  reserveregs(fs, fs->nactvar);
}

static void statlist(LexState *ls) {
  while (!block_follow(ls, 1)) {
    if (ls->t.tok == TK_RETURN) {
      statement(ls);
      return;
    }
    statement(ls);
  }
}

static void body(LexState *ls, ExpDesc *e, int ismethod, int line) {
  BlockCnt bl;
  FuncState *nfs = open_func(ls, &bl);
  nfs->linedefined = line;
  checknext(ls, '(');
  if (ismethod) {
    new_localvarliteral(ls, "self");
    adjustlocalvars(ls, 1);
  }
  parlist(ls);
  checknext(ls, ')');
  statlist(ls);
  nfs->lastlinedefined = ls->line;
  check_match(ls, TK_END, TK_FUNCTION, line);
  close_func(ls);
  FuncState *fs = ls->fs;
  init_exp(e, E_RELOC, codeABx(fs, OP_CLOSURE, 0, fs->np - 1));
  exp2nextreg(fs, e);
}

static int explist(LexState *ls, ExpDesc *v) {
  int n = 1;
  expr(ls, v);
  while (testnext(ls, ',')) {
    exp2nextreg(ls->fs, v);
    expr(ls, v);
    n++;
  }
  return n;
}

static void funcargs(LexState *ls, ExpDesc *f, int line) {
  FuncState *fs = ls->fs;
  ExpDesc args;
  switch (ls->t.tok) {
    case '(':
      lex_next(ls);
      if (ls->t.tok == ')') {
        args.k = E_VOID;
      } else {
        explist(ls, &args);
        if (hasmultret(args.k)) setmultret(fs, &args);
      }
      check_match(ls, ')', '(', line);
      break;
    case '{':
      constructor(ls, &args);
      break;
    case TK_STRING:
      codestring(&args, ls->t.sem.s);
      lex_next(ls);
      break;
    default:
      lex_syntaxerror(ls, "function arguments expected");
  }
  int base = f->u.info;
  int nparams;
  if (hasmultret(args.k)) {
    nparams = MULTRET;
  } else {
    if (args.k != E_VOID) exp2nextreg(fs, &args);
    nparams = fs->freereg - (base + 1);
  }
  init_exp(f, E_CALL, codeABC(fs, OP_CALL, base, nparams + 1, 2));
  fixline(fs, line);
  fs->freereg = base + 1;
}

static void primaryexp(LexState *ls, ExpDesc *v) {
  switch (ls->t.tok) {
    case '(': {
      int line = ls->line;
      lex_next(ls);
      expr(ls, v);
      check_match(ls, ')', '(', line);
      dischargevars(ls->fs, v);
      return;
    }
    case TK_NAME:
      singlevar(ls, v);
      return;
    default:
      lex_syntaxerror(ls, "unexpected symbol");
  }
}

static void suffixedexp(LexState *ls, ExpDesc *v) {
  FuncState *fs = ls->fs;
  int line = ls->line;
  primaryexp(ls, v);
  for (;;) {
    switch (ls->t.tok) {
      case '.':
        fieldsel(ls, v);
        break;
      case '[': {
        ExpDesc key;
        exp2anyregup(fs, v);
        yindex(ls, &key);
        indexed(fs, v, &key);
        break;
      }
      case ':': {
        ExpDesc key;
        lex_next(ls);
        codename(ls, &key);
        codeself(fs, v, &key);
        funcargs(ls, v, line);
        break;
      }
      case '(': case TK_STRING: case '{':
        exp2nextreg(fs, v);
        funcargs(ls, v, line);
        break;
      default:
        return;
    }
  }
}

static void simpleexp(LexState *ls, ExpDesc *v) {
  switch (ls->t.tok) {
    case TK_FLT:
      init_exp(v, E_KFLT, 0);
      v->u.nval = ls->t.sem.n;
      break;
    case TK_INT:
      init_exp(v, E_KINT, 0);
      v->u.ival = ls->t.sem.i;
      break;
    case TK_STRING: codestring(v, ls->t.sem.s); break;
    case TK_NIL: init_exp(v, E_NIL, 0); break;
    case TK_TRUE: init_exp(v, E_TRUE, 0); break;
    case TK_FALSE: init_exp(v, E_FALSE, 0); break;
    case TK_DOTS: {
      FuncState *fs = ls->fs;
      check_condition(ls, fs->is_vararg, "cannot use '...' outside a vararg function");
      init_exp(v, E_VARARG, codeABC(fs, OP_VARARG, 0, 0, 1));
      break;
    }
    case '{': constructor(ls, v); return;
    case TK_FUNCTION:
      lex_next(ls);
      body(ls, v, 0, ls->line);
      return;
    default:
      suffixedexp(ls, v);
      return;
  }
  lex_next(ls);
}

static UnOpr getunopr(int tok) {
  switch (tok) {
    case TK_NOT: return OPR_NOT;
    case '-': return OPR_MINUS;
    case '~': return OPR_BNOT;
    case '#': return OPR_LEN;
    default: return OPR_NOUNOPR;
  }
}

static BinOpr getbinopr(int tok) {
  switch (tok) {
    case '+': return OPR_ADD;
    case '-': return OPR_SUB;
    case '*': return OPR_MUL;
    case '%': return OPR_MOD;
    case '^': return OPR_POW;
    case '/': return OPR_DIV;
    case TK_IDIV: return OPR_IDIV;
    case '&': return OPR_BAND;
    case '|': return OPR_BOR;
    case '~': return OPR_BXOR;
    case TK_SHL: return OPR_SHL;
    case TK_SHR: return OPR_SHR;
    case TK_CONCAT: return OPR_CONCAT;
    case TK_NE: return OPR_NE;
    case TK_EQ: return OPR_EQ;
    case '<': return OPR_LT;
    case TK_LE: return OPR_LE;
    case '>': return OPR_GT;
    case TK_GE: return OPR_GE;
    case TK_AND: return OPR_AND;
    case TK_OR: return OPR_OR;
    default: return OPR_NOBINOPR;
  }
}

/* Left and right binding power of each binary operator (right < left: right associative). */
static const struct { uint8_t left, right; } priority[] = {
  {10, 10}, {10, 10}, {11, 11}, {11, 11}, {14, 13}, {11, 11}, {11, 11},   /* + - * % ^ / // */
  {6, 6}, {4, 4}, {5, 5}, {7, 7}, {7, 7},                                 /* & | ~ << >> */
  {9, 8},                                                                 /* .. */
  {3, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3},                         /* == < <= ~= > >= */
  {2, 2}, {1, 1}                                                          /* and or */
};
#define UNARY_PRIORITY 12

static BinOpr subexpr(LexState *ls, ExpDesc *v, int limit) {
  enterlevel(ls);
  UnOpr uop = getunopr(ls->t.tok);
  if (uop != OPR_NOUNOPR) {
    int line = ls->line;
    lex_next(ls);
    subexpr(ls, v, UNARY_PRIORITY);
    prefix(ls->fs, uop, v, line);
  } else {
    simpleexp(ls, v);
  }
  BinOpr op = getbinopr(ls->t.tok);
  while (op != OPR_NOBINOPR && priority[op].left > limit) {
    ExpDesc v2;
    int line = ls->line;
    lex_next(ls);
    infix(ls->fs, op, v);
    BinOpr nextop = subexpr(ls, &v2, priority[op].right);
    posfix(ls->fs, op, v, &v2, line);
    op = nextop;
  }
  leavelevel(ls);
  return op;
}

static void expr(LexState *ls, ExpDesc *v) {
  subexpr(ls, v, 0);
}

/* -- Parser: statements ----------------------------------------------------------------- */

static void block(LexState *ls) {
  FuncState *fs = ls->fs;
  BlockCnt bl;
  enterblock(fs, &bl, 0);
  statlist(ls);
  leaveblock(fs);
}

typedef struct LHS_assign {
  struct LHS_assign *prev;
  ExpDesc v;
} LHS_assign;

/* An earlier target of a multiple assignment indexes with a local (or upvalue) that this
 * target overwrites: the earlier one must use a copy made before any assignment. */
static void check_conflict(LexState *ls, LHS_assign *lh, ExpDesc *v) {
  FuncState *fs = ls->fs;
  int extra = fs->freereg;
  int conflict = 0;
  for (; lh; lh = lh->prev) {
    if (!vkisindexed(lh->v.k)) continue;
    if (lh->v.k == E_INDEXUP) {
      if (v->k == E_UPVAL && lh->v.u.ind.t == v->u.info) {
        conflict = 1;
        lh->v.k = E_INDEXSTR;
        lh->v.u.ind.t = extra;
      }
    } else {
      if (v->k == E_LOCAL && lh->v.u.ind.t == v->u.var.ridx) {
        conflict = 1;
        lh->v.u.ind.t = extra;
      }
      if (lh->v.k == E_INDEXED && v->k == E_LOCAL && lh->v.u.ind.idx == v->u.var.ridx) {
        conflict = 1;
        lh->v.u.ind.idx = extra;
      }
    }
  }
  if (conflict) {
    if (v->k == E_LOCAL) codeABC(fs, OP_MOVE, extra, v->u.var.ridx, 0);
    else codeABC(fs, OP_GETUPVAL, extra, v->u.info, 0);
    reserveregs(fs, 1);
  }
}

static void adjust_assign(LexState *ls, int nvars, int nexps, ExpDesc *e) {
  FuncState *fs = ls->fs;
  int needed = nvars - nexps;
  if (hasmultret(e->k)) {
    int extra = needed + 1;
    if (extra < 0) extra = 0;
    setreturns(fs, e, extra);
  } else {
    if (e->k != E_VOID) exp2nextreg(fs, e);
    if (needed > 0) loadnil(fs, fs->freereg, needed);
  }
  if (needed > 0) reserveregs(fs, needed);
  else fs->freereg += needed;
}

static void restassign(LexState *ls, LHS_assign *lh, int nvars) {
  ExpDesc e;
  check_condition(ls, vkisvar(lh->v.k), "syntax error");
  check_readonly(ls, &lh->v);
  if (testnext(ls, ',')) {
    LHS_assign nv;
    nv.prev = lh;
    suffixedexp(ls, &nv.v);
    if (!vkisindexed(nv.v.k)) check_conflict(ls, lh, &nv.v);
    enterlevel(ls);
    restassign(ls, &nv, nvars + 1);
    leavelevel(ls);
  } else {
    checknext(ls, '=');
    int nexps = explist(ls, &e);
    if (nexps != nvars) {
      adjust_assign(ls, nvars, nexps, &e);
    } else {
      setoneret(ls->fs, &e);
      storevar(ls->fs, &lh->v, &e);
      return;
    }
  }
  init_exp(&e, E_NONRELOC, ls->fs->freereg - 1);   /* the value assigned to this target */
  storevar(ls->fs, &lh->v, &e);
}

static int cond(LexState *ls) {
  ExpDesc v;
  expr(ls, &v);
  if (v.k == E_NIL) v.k = E_FALSE;
  goiftrue(ls->fs, &v);
  return v.f;
}

static void gotostat(LexState *ls) {
  FuncState *fs = ls->fs;
  int line = ls->line;
  Str *name = str_checkname(ls);
  LabelDesc *lb = findlabel(ls, name);
  if (lb == NULL) {
    newgotoentry(ls, name, line, jump(fs));
  } else {   /* backward jump: close what it leaves */
    int lblevel = reglevel(fs, lb->nactvar);
    if (nvarstack(fs) > lblevel) codeABC(fs, OP_CLOSE, lblevel, 0, 0);
    patchlist(fs, jump(fs), lb->pc);
  }
}

static void breakstat(LexState *ls) {
  int line = ls->line;
  lex_next(ls);
  newgotoentry(ls, lex_newstring(ls, "break", 5), line, jump(ls->fs));
}

static void checkrepeated(LexState *ls, Str *name) {
  LabelDesc *lb = findlabel(ls, name);
  if (lb != NULL) semerrorf(ls, "label '%s' already defined on line %d", name, lb->line);
}

static void labelstat(LexState *ls, Str *name, int line) {
  checknext(ls, TK_DBCOLON);
  while (ls->t.tok == ';' || ls->t.tok == TK_DBCOLON) statement(ls);
  checkrepeated(ls, name);
  createlabel(ls, name, line, block_follow(ls, 0));
}

static void whilestat(LexState *ls, int line) {
  FuncState *fs = ls->fs;
  BlockCnt bl;
  lex_next(ls);
  int whileinit = getlabel(fs);
  int condexit = cond(ls);
  enterblock(fs, &bl, 1);
  checknext(ls, TK_DO);
  block(ls);
  patchlist(fs, jump(fs), whileinit);
  check_match(ls, TK_END, TK_WHILE, line);
  leaveblock(fs);
  patchtohere(fs, condexit);
}

static void repeatstat(LexState *ls, int line) {
  FuncState *fs = ls->fs;
  int repeat_init = getlabel(fs);
  BlockCnt bl1, bl2;
  enterblock(fs, &bl1, 1);
  enterblock(fs, &bl2, 0);
  lex_next(ls);
  statlist(ls);
  check_match(ls, TK_UNTIL, TK_REPEAT, line);
  int condexit = cond(ls);   /* sees the body's locals */
  leaveblock(fs);
  if (bl2.upval) {   /* going around again must close the captured locals first */
    int exit = jump(fs);
    patchtohere(fs, condexit);
    codeABC(fs, OP_CLOSE, reglevel(fs, bl2.nactvar), 0, 0);
    condexit = jump(fs);
    patchtohere(fs, exit);
  }
  patchlist(fs, condexit, repeat_init);
  leaveblock(fs);
}

static void exp1(LexState *ls) {
  ExpDesc e;
  expr(ls, &e);
  exp2nextreg(ls->fs, &e);
}

/* FORPREP/TFORPREP at prep jumps to dest (forward); FORLOOP/TFORLOOP at pc back to dest. */
static void fixforjump(FuncState *fs, int pc, int dest, int back) {
  int offset = back ? (pc + 1) - dest : dest - (pc + 1);
  if (offset > MAXARG_Bx) lex_syntaxerror(fs->ls, "control structure too long");
  SET_Bx(fs->code[pc], offset);
}

static void forbody(LexState *ls, int base, int line, int nvars, int isgen) {
  FuncState *fs = ls->fs;
  BlockCnt bl;
  checknext(ls, TK_DO);
  int prep = codeABx(fs, isgen ? OP_TFORPREP : OP_FORPREP, base, 0);
  enterblock(fs, &bl, 0);
  adjustlocalvars(ls, nvars);
  reserveregs(fs, nvars);
  block(ls);
  leaveblock(fs);
  int endfor;
  if (isgen) {
    fixforjump(fs, prep, getlabel(fs), 0);
    codeABC(fs, OP_TFORCALL, base, 0, nvars);
    fixline(fs, line);
    endfor = codeABx(fs, OP_TFORLOOP, base, 0);
    fixforjump(fs, endfor, prep + 1, 1);
  } else {
    endfor = codeABx(fs, OP_FORLOOP, base, 0);
    fixforjump(fs, endfor, prep + 1, 1);
    fixforjump(fs, prep, endfor + 1, 0);
  }
  fixline(fs, line);
}

static void fornum(LexState *ls, Str *varname, int line) {
  FuncState *fs = ls->fs;
  int base = fs->freereg;
  new_localvarliteral(ls, "(for state)");
  new_localvarliteral(ls, "(for state)");
  new_localvarliteral(ls, "(for state)");
  new_localvar(ls, varname);
  checknext(ls, '=');
  exp1(ls);
  checknext(ls, ',');
  exp1(ls);
  if (testnext(ls, ',')) {
    exp1(ls);
  } else {
    codeABx(fs, OP_LOADI, fs->freereg, 1 + BX_BIAS);
    reserveregs(fs, 1);
  }
  adjustlocalvars(ls, 3);
  forbody(ls, base, line, 1, 0);
}

static void forlist(LexState *ls, Str *indexname) {
  FuncState *fs = ls->fs;
  ExpDesc e;
  int nvars = 5;
  int base = fs->freereg;
  new_localvarliteral(ls, "(for state)");
  new_localvarliteral(ls, "(for state)");
  new_localvarliteral(ls, "(for state)");
  new_localvarliteral(ls, "(for state)");
  new_localvar(ls, indexname);
  while (testnext(ls, ',')) {
    new_localvar(ls, str_checkname(ls));
    nvars++;
  }
  checknext(ls, TK_IN);
  int line = ls->line;
  adjust_assign(ls, 4, explist(ls, &e), &e);
  adjustlocalvars(ls, 4);
  marktobeclosed(fs);
  checkstack(fs, 3);   /* room to call the generator */
  forbody(ls, base, line, nvars - 4, 1);
}

static void forstat(LexState *ls, int line) {
  FuncState *fs = ls->fs;
  BlockCnt bl;
  enterblock(fs, &bl, 1);
  lex_next(ls);
  Str *varname = str_checkname(ls);
  switch (ls->t.tok) {
    case '=': fornum(ls, varname, line); break;
    case ',': case TK_IN: forlist(ls, varname); break;
    default: lex_syntaxerror(ls, "'=' or 'in' expected");
  }
  check_match(ls, TK_END, TK_FOR, line);
  leaveblock(fs);
}

static void test_then_block(LexState *ls, int *escapelist) {
  FuncState *fs = ls->fs;
  BlockCnt bl;
  ExpDesc v;
  lex_next(ls);
  expr(ls, &v);
  checknext(ls, TK_THEN);
  goiftrue(fs, &v);
  enterblock(fs, &bl, 0);
  int jf = v.f;
  statlist(ls);
  leaveblock(fs);
  if (ls->t.tok == TK_ELSE || ls->t.tok == TK_ELSEIF) concat_jumps(fs, escapelist, jump(fs));
  patchtohere(fs, jf);
}

static void ifstat(LexState *ls, int line) {
  FuncState *fs = ls->fs;
  int escapelist = NO_JUMP;
  test_then_block(ls, &escapelist);
  while (ls->t.tok == TK_ELSEIF) test_then_block(ls, &escapelist);
  if (testnext(ls, TK_ELSE)) block(ls);
  check_match(ls, TK_END, TK_IF, line);
  patchtohere(fs, escapelist);
}

static void localfunc(LexState *ls) {
  FuncState *fs = ls->fs;
  ExpDesc b;
  int fvar = fs->nactvar;
  new_localvar(ls, str_checkname(ls));
  adjustlocalvars(ls, 1);
  body(ls, &b, 0, ls->line);
  localdebuginfo(fs, fvar)->startpc = fs->pc;
}

static int getlocalattribute(LexState *ls) {
  if (!testnext(ls, '<')) return VK_REG;
  Str *attr = str_checkname(ls);
  checknext(ls, '>');
  if (strcmp(strdata(attr), "const") == 0) return VK_CONST;
  if (strcmp(strdata(attr), "close") == 0) return VK_CLOSE;
  semerrorf(ls, "unknown attribute '%s'", attr, 0);
}

static void checktoclose(FuncState *fs, int level) {
  if (level == -1) return;
  marktobeclosed(fs);
  codeABC(fs, OP_TBC, reglevel(fs, level), 0, 0);
}

static void localstat(LexState *ls) {
  FuncState *fs = ls->fs;
  int toclose = -1;
  int vidx, kind;
  int nvars = 0, nexps;
  ExpDesc e;
  do {
    vidx = new_localvar(ls, str_checkname(ls));
    kind = getlocalattribute(ls);
    getlocalvardesc(fs, vidx)->kind = (uint8_t)kind;
    if (kind == VK_CLOSE) {
      if (toclose != -1) lex_semerror(ls, "multiple to-be-closed variables in local list");
      toclose = fs->nactvar + nvars;
    }
    nvars++;
  } while (testnext(ls, ','));
  if (testnext(ls, '=')) {
    nexps = explist(ls, &e);
  } else {
    e.k = E_VOID;
    nexps = 0;
  }
  VarDesc *var = getlocalvardesc(fs, vidx);
  if (nvars == nexps && var->kind == VK_CONST && exp2const(fs, &e, &var->k)) {
    var->kind = VK_CTC;            /* no register: uses compile to the constant */
    adjustlocalvars(ls, nvars - 1);
    fs->nactvar++;
  } else {
    adjust_assign(ls, nvars, nexps, &e);
    adjustlocalvars(ls, nvars);
  }
  checktoclose(fs, toclose);
}

static int funcname(LexState *ls, ExpDesc *v) {
  int ismethod = 0;
  singlevar(ls, v);
  while (ls->t.tok == '.') fieldsel(ls, v);
  if (ls->t.tok == ':') {
    ismethod = 1;
    fieldsel(ls, v);
  }
  return ismethod;
}

static void funcstat(LexState *ls, int line) {
  ExpDesc v, b;
  lex_next(ls);
  int ismethod = funcname(ls, &v);
  body(ls, &b, ismethod, line);
  check_readonly(ls, &v);
  storevar(ls->fs, &v, &b);
  fixline(ls->fs, line);
}

static void exprstat(LexState *ls) {
  FuncState *fs = ls->fs;
  LHS_assign v;
  suffixedexp(ls, &v.v);
  if (ls->t.tok == '=' || ls->t.tok == ',') {
    v.prev = NULL;
    restassign(ls, &v, 1);
  } else {
    check_condition(ls, v.v.k == E_CALL, "syntax error");
    SET_C(fs->code[v.v.u.info], 1);   /* a call statement keeps no results */
  }
}

static void retstat(LexState *ls) {
  FuncState *fs = ls->fs;
  ExpDesc e;
  int nret;
  int first = nvarstack(fs);
  if (block_follow(ls, 1) || ls->t.tok == ';') {
    nret = 0;
  } else {
    nret = explist(ls, &e);
    if (hasmultret(e.k)) {
      setmultret(fs, &e);
      if (e.k == E_CALL && nret == 1 && !fs->bl->insidetbc) {
        Instr *ci = &fs->code[e.u.info];
        *ci = MK_ABC(OP_TAILCALL, GET_A(*ci), GET_B(*ci), 0);
      }
      nret = MULTRET;
    } else if (nret == 1) {
      first = exp2anyreg(fs, &e);
    } else {
      exp2nextreg(fs, &e);
    }
  }
  ret(fs, first, nret);
  testnext(ls, ';');
}

static void statement(LexState *ls) {
  int line = ls->line;
  enterlevel(ls);
  switch (ls->t.tok) {
    case ';': lex_next(ls); break;
    case TK_IF: ifstat(ls, line); break;
    case TK_WHILE: whilestat(ls, line); break;
    case TK_DO:
      lex_next(ls);
      block(ls);
      check_match(ls, TK_END, TK_DO, line);
      break;
    case TK_FOR: forstat(ls, line); break;
    case TK_REPEAT: repeatstat(ls, line); break;
    case TK_FUNCTION: funcstat(ls, line); break;
    case TK_LOCAL:
      lex_next(ls);
      if (testnext(ls, TK_FUNCTION)) localfunc(ls);
      else localstat(ls);
      break;
    case TK_DBCOLON:
      lex_next(ls);
      labelstat(ls, str_checkname(ls), line);
      break;
    case TK_RETURN:
      lex_next(ls);
      retstat(ls);
      break;
    case TK_BREAK: breakstat(ls); break;
    case TK_GOTO:
      lex_next(ls);
      gotostat(ls);
      break;
    default: exprstat(ls); break;
  }
  ls->fs->freereg = nvarstack(ls->fs);
  leavelevel(ls);
}

/* -- Entry point ------------------------------------------------------------------------ */

typedef struct ParseJob {
  LexState ls;
  Dyndata dyd;
  const char *buf;
  size_t len;
  const char *chunkname;
  Proto *result;
} ParseJob;

static Proto *mainfunc(LexState *ls) {
  BlockCnt bl;
  FuncState *fs = open_func(ls, &bl);
  setvararg(fs, 0);
  UpvalDesc *env = allocupvalue(fs);
  env->instack = 1;
  env->idx = 0;
  env->kind = VK_REG;
  env->name = ls->envname;
  lex_next(ls);
  statlist(ls);
  check(ls, TK_EOS);
  return close_func(ls);
}

static void doparse(State *L, void *ud) {
  ParseJob *job = ud;
  LexState *ls = &job->ls;
  lex_init(L);
  call_checkstack(L, 2);
  Table *anchor = tab_new(L, 0, 0);
  settab(L->top, anchor);
  L->top++;
  ls->anchor = savestack(L, L->top - 1);
  ls->L = L;
  ls->dyd = &job->dyd;
  Str *source = lex_newstring(ls, job->chunkname, strlen(job->chunkname));
  lex_setinput(ls, job->buf, job->len, source);
  Proto *p = mainfunc(ls);
  prof_attach(L, p);
  job->result = p;
}

Proto *parse_chunk(State *L, const char *buf, size_t len, const char *chunkname) {
  ParseJob *job = calloc(1, sizeof *job);
  if (job == NULL) memerror(L);
  job->buf = buf;
  job->len = len;
  job->chunkname = chunkname;
  ptrdiff_t oldtop = savestack(L, L->top);
  int status = call_rawrunprotected(L, doparse, job);
  for (FuncState *fs = job->ls.fs; fs != NULL; ) {
    FuncState *prev = fs->prev;
    free_funcstate(fs);
    fs = prev;
  }
  free(job->ls.buf);
  free(job->dyd.actvar.arr);
  free(job->dyd.gt.arr);
  free(job->dyd.label.arr);
  Proto *p = job->result;
  free(job);
  if (status != ST_OK) call_throw(L, status);
  L->top = restorestack(L, oldtop);
  return p;
}

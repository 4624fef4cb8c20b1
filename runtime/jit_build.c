/* jit_build.c: bytecode and profile to IR (jit_ir.h), with the speculation decisions.
 *
 *   bytecode + ProfFn --leaders--> blocks --passes (dataflow of slot tags)--> IR + snapshots
 *
 * Blocks start at jump targets, after conditional jumps and after every step instruction
 * (the interpreter re-enters compiled code there). The builder walks the blocks in pc order;
 * the tags it knows at a block's end flow along the block's edges into its successors'
 * entry states (equal tags stay known, different ones become unknown), and the passes repeat
 * until no entry state changes; the last pass keeps its IR. One walk serves as both the
 * transfer function and the code generator, so the two cannot disagree.
 *
 * Speculation, per site of the profile: a single operand tag seen becomes a tag guard; a
 * never-executed instruction or branch direction becomes a deopt exit; one field shape seen
 * becomes a shape guard and a slot load at a fixed offset; everything else is a step. A site
 * whose guard failed before (PS_DEOPT) is not speculated on again.
 *
 * Folding, CSE and guard elimination happen as instructions are emitted: constants fold,
 * pure instructions with equal operands are found again in the current block, a tag known
 * from an earlier guard or store needs no guard, and a slot read after a write in the same
 * block takes the written value (store-to-load forwarding); stores wait for the block end.
 */
#include <stdlib.h>
#include <string.h>
#include "jit.h"
#include "jit_ir.h"
#include "bc.h"
#include "prof.h"
#include "state.h"

const char *const jit_irnames[IR__N] = {
#define X(n, o, d) #n,
  IR_LIST(X)
#undef X
};

/* -- Growable arrays ---------------------------------------------------------------------- */

int jit_grow(void **arr, uint32_t *cap, uint32_t need, size_t esz)
{
  if (need <= *cap)
    return 1;
  uint32_t n = *cap ? *cap * 2 : 64;
  while (n < need)
    n *= 2;
  void *q = realloc(*arr, n * esz);
  if (!q)
    return 0;
  *arr = q;
  *cap = n;
  return 1;
}

static int grow(JitCtx *J, void **arr, uint32_t *cap, uint32_t need, size_t esz)
{
  if (jit_grow(arr, cap, need, esz))
    return 1;
  J->oom = 1;
  return 0;
}
#define GROW(J, arr, cap, need) grow(J, (void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* -- The abstract frame of the block being built -------------------------------------------- */

/* A slot's current value: in memory (have 0) or refs (payload val, tag: known or tref). */
typedef struct FEnt {
  IRRef val, tref;
  uint8_t tag;      /* known tag, or JT_UNK (then tref holds it if have) */
  uint8_t mtag;     /* tag in memory now, if known (JT_UNK otherwise) */
  uint8_t have, dirty;
} FEnt;

typedef struct B {
  JitCtx *J;
  int blk;              /* block being built */
  uint32_t bstart;      /* first instruction of the current block */
  uint32_t pc;          /* instruction being built */
  int ended;            /* the block has its terminator */
  FEnt f[256];
} B;

static IRRef emit(B *b, int op, int type, IRRef a, IRRef c, int32_t aux, int64_t k)
{
  JitCtx *J = b->J;
  if (!GROW(J, J->ins, J->cins, J->nins + 1))
    return 0;
  if (J->nins == 0)
    J->nins = 1;          /* ref 0 means none */
  IRIns *ins = &J->ins[J->nins];
  ins->op = (uint8_t)op;
  ins->type = (uint8_t)type;
  ins->a = a;
  ins->b = c;
  ins->snap = 0;
  ins->aux = aux;
  ins->k = k;
  return (IRRef)J->nins++;
}

static int pure(int op)
{
  return (op >= IR_KINT && op <= IR_KSLOT) || (op >= IR_ADD && op <= IR_NOTTAG);
}

/* Emit, folding constants and finding an equal pure instruction in this block (CSE). */
static IRRef emitf(B *b, int op, int type, IRRef a, IRRef c, int32_t aux, int64_t k)
{
  JitCtx *J = b->J;
  IRIns *A = a ? &J->ins[a] : NULL, *C = c ? &J->ins[c] : NULL;
  if (A && A->op == IR_KINT && (!c || (C && C->op == IR_KINT))) {
    int64_t x = A->k, y = C ? C->k : 0, r;
    int ok = 1;
    switch (op) {
    case IR_ADD: r = (int64_t)((uint64_t)x + (uint64_t)y); break;
    case IR_SUB: r = (int64_t)((uint64_t)x - (uint64_t)y); break;
    case IR_MUL: r = (int64_t)((uint64_t)x * (uint64_t)y); break;
    case IR_BAND: r = x & y; break;
    case IR_BOR: r = x | y; break;
    case IR_BXOR: r = x ^ y; break;
    case IR_NEG: r = (int64_t)(0 - (uint64_t)x); break;
    case IR_BNOT: r = ~x; break;
    case IR_SHLK: r = (int64_t)((uint64_t)x << k); break;
    case IR_SHRK: r = (int64_t)((uint64_t)x >> k); break;
    default: ok = 0; r = 0; break;
    }
    if (ok)
      return emitf(b, IR_KINT, IRT_INT, 0, 0, 0, r);
  }
  if (op == IR_CONVIF && A && A->op == IR_KINT) {
    double d = (double)A->k;
    int64_t bits;
    memcpy(&bits, &d, 8);
    return emitf(b, IR_KFLT, IRT_FLT, 0, 0, 0, bits);
  }
  if (pure(op)) {
    for (uint32_t r = b->bstart; r < J->nins; r++) {
      IRIns *x = &J->ins[r];
      if (x->op == op && x->type == type && x->a == a && x->b == c && x->aux == aux && x->k == k)
        return (IRRef)r;
    }
  }
  return emit(b, op, type, a, c, aux, k);
}

static IRRef kint(B *b, int64_t v) { return emitf(b, IR_KINT, IRT_INT, 0, 0, 0, v); }
static IRRef kflt(B *b, double d)
{
  int64_t bits;
  memcpy(&bits, &d, 8);
  return emitf(b, IR_KFLT, IRT_FLT, 0, 0, 0, bits);
}

static IRRef kslot(B *b, GCObj *o)
{
  JitCtx *J = b->J;
  uint32_t i;
  for (i = 0; i < J->nconsts; i++)
    if (J->consts[i] == o)
      break;
  if (i == J->nconsts) {
    if (!GROW(J, J->consts, J->cconsts, J->nconsts + 1))
      return 0;
    J->consts[J->nconsts++] = o;
  }
  return emitf(b, IR_KSLOT, IRT_PTR, 0, 0, (int32_t)i, 0);
}

/* -- Exits and snapshots ------------------------------------------------------------------ */

static uint16_t snapshot(B *b, int kind, int reason, uint32_t pc)
{
  JitCtx *J = b->J;
  if (!GROW(J, J->exits, J->cexits, J->nexits + 1) || !GROW(J, J->snaps, J->csnaps, J->nsnaps + 1))
    return 0;
  JitExit *x = &J->exits[J->nexits];
  x->pc = pc;
  x->kind = (uint8_t)kind;
  x->reason = (uint8_t)reason;
  x->site = (uint16_t)b->pc;
  x->count = 0;
  IRSnap *s = &J->snaps[J->nsnaps];
  s->exitno = J->nexits++;
  s->first = J->nsents;
  s->n = 0;
  for (int i = 0; i < J->nslots; i++) {
    FEnt *e = &b->f[i];
    if (!e->dirty)
      continue;
    if (!GROW(J, J->sents, J->csents, J->nsents + 1))
      return 0;
    IRSnapEnt *se = &J->sents[J->nsents++];
    se->slot = (int16_t)i;
    se->tag = e->tag;
    se->pad = e->mtag == e->tag && e->tag != JT_UNK;   /* 1: the tag is already in memory */
    se->ref = e->val;
    se->tref = e->tag == JT_UNK ? e->tref : 0;
    s->n++;
  }
  if (J->nsnaps == 0)
    J->nsnaps = 1;        /* snapshot 0 means none */
  return (uint16_t)J->nsnaps++;
}

static void guard(B *b, int op, IRRef a, IRRef c, int32_t aux, int64_t k, int reason)
{
  uint16_t s = snapshot(b, JX_DEOPT, reason, b->pc);
  IRRef r = emit(b, op, IRT_NONE, a, c, aux, k);
  if (r)
    b->J->ins[r].snap = s;
  if (b->J->stress && reason != JR_STRESS) {
    IRRef t = emit(b, IR_GSTRESS, IRT_NONE, 0, 0, 0, 0);
    if (t)
      b->J->ins[t].snap = snapshot(b, JX_DEOPT, JR_STRESS, b->pc);
  }
}

/* Leave the block: write back, then exit at pc (deopt or step). */
static void leave(B *b, int kind, int reason, uint32_t pc);

/* -- Slots ---------------------------------------------------------------------------------- */

static int slottag(B *b, int s) { return b->f[s].tag; }

/* Make sure slot s holds tag `tag` (guarding if not known), return its payload ref
 * (0 for nil and booleans). */
static IRRef slotget(B *b, int s, int tag, int reason)
{
  FEnt *e = &b->f[s];
  if (e->tag != JT_UNK && e->tag != tag) {
    /* Known to be something else: the speculation fails here every time. What follows is
     * unreachable; it gets a value of the right kind so that it stays well-formed. */
    guard(b, IR_GFAIL, 0, 0, 0, 0, reason);
    if (tag < TAG_LUD)
      return 0;
    return tag == TAG_INT ? kint(b, 0) : tag == TAG_FLT ? kflt(b, 0.0) :
           emitf(b, IR_KINT, IRT_PTR, 0, 0, 0, 0);
  }
  if (e->tag == JT_UNK) {
    if (e->have)
      guard(b, IR_GTAG, e->tref, 0, 0, tag, reason);
    else
      guard(b, IR_GSTAG, 0, 0, s, tag, reason);
    e->tag = (uint8_t)tag;
    if (!e->have)
      e->mtag = (uint8_t)tag;
  }
  if (tag < TAG_LUD)
    return 0;
  if (e->have && tag == TAG_FLT && b->J->ins[e->val].type != IRT_FLT)
    e->val = emitf(b, IR_BITSF, IRT_FLT, e->val, 0, 0, 0);   /* raw payload -> xmm */
  if (!e->have) {
    int ty = tag == TAG_INT ? IRT_INT : tag == TAG_FLT ? IRT_FLT : IRT_PTR;
    e->val = emit(b, IR_SLOAD, ty, 0, 0, s, 0);
    e->have = 1;
  }
  return e->val;
}

/* Slot s as (payload, tag ref) whatever its tag. */
static void slotany(B *b, int s, IRRef *val, IRRef *tref, int *tag)
{
  FEnt *e = &b->f[s];
  *tag = e->tag;
  if (e->tag != JT_UNK) {
    *val = slotget(b, s, e->tag, JR_TYPE);
    *tref = 0;
    return;
  }
  if (!e->have) {
    e->val = emit(b, IR_SLOAD, IRT_PTR, 0, 0, s, 0);
    e->tref = emit(b, IR_STAG, IRT_TAG, 0, 0, s, 0);
    e->have = 1;
  }
  *val = e->val;
  *tref = e->tref;
}

static void slotset(B *b, int s, IRRef val, int tag, IRRef tref)
{
  FEnt *e = &b->f[s];
  e->val = val;
  e->tag = (uint8_t)tag;
  e->tref = tref;
  e->have = 1;
  e->dirty = 1;
}

static void flush(B *b)
{
  for (int i = 0; i < b->J->nslots; i++) {
    FEnt *e = &b->f[i];
    if (!e->dirty)
      continue;
    int keeptag = e->tag != JT_UNK && e->mtag == e->tag;
    emit(b, IR_SSTORE, IRT_NONE, e->val, e->tag == JT_UNK ? e->tref : 0, i,
         keeptag ? -1 : (e->tag == JT_UNK ? 0 : e->tag));
    e->dirty = 0;
    e->mtag = e->tag;
  }
}

/* -- Block states --------------------------------------------------------------------------- */

static uint8_t *bstate(JitCtx *J, int blk) { return J->state + (size_t)blk * (size_t)J->nslots; }

/* Merge tags (the block-end knowledge, adjusted by the caller) into block `blk`'s entry. */
static void mergeinto(JitCtx *J, int blk, const uint8_t *tags)
{
  uint8_t *st = bstate(J, blk);
  if (!J->blocks[blk].reached) {
    J->blocks[blk].reached = 1;
    J->changed = 1;
  }
  /* An entry check failed here before: values come in from the interpreter with other tags
   * than the compiled paths into this block have, so assume none. */
  int noentry = (J->pf->site[J->blocks[blk].pc].flags & PS_ENTRY) != 0;
  for (int i = 0; i < J->nslots; i++) {
    uint8_t t = noentry ? JT_UNK : tags[i];
    if (st[i] == JT_BOT)
      st[i] = t, J->changed = 1;
    else if (st[i] != t && st[i] != JT_UNK)
      st[i] = JT_UNK, J->changed = 1;
  }
}

static void curtags(B *b, uint8_t *tags)
{
  for (int i = 0; i < b->J->nslots; i++)
    tags[i] = b->f[i].tag;
}

/* An edge from the current point to the block at pc. */
static int edge(B *b, uint32_t pc)
{
  JitCtx *J = b->J;
  int blk = J->blockat[pc];
  uint8_t tags[256];
  curtags(b, tags);
  mergeinto(J, blk, tags);
  return blk;
}

static void jumpto(B *b, uint32_t pc)
{
  int blk = edge(b, pc);
  flush(b);
  emit(b, IR_JMP, IRT_NONE, 0, 0, blk, 0);
  b->ended = 1;
}

static void leave(B *b, int kind, int reason, uint32_t pc)
{
  uint16_t s = snapshot(b, kind, reason, pc);
  IRRef r = emit(b, IR_EXIT, IRT_NONE, 0, 0, 0, 0);
  if (r)
    b->J->ins[r].snap = s;
  b->ended = 1;
}

/* -- Which instructions are steps ---------------------------------------------------------- */

static const ProfSite *site(JitCtx *J, uint32_t pc) { return &J->pf->site[pc]; }

static int onetag(uint16_t set)
{
  if (set == 0 || (set & (set - 1)))
    return -1;
  return __builtin_ctz(set);
}

static int isnumtag(int t) { return t == TAG_INT || t == TAG_FLT; }

/* Operand tags the profile predicts for a binary arithmetic site, or 0 to step. */
static int arithspec(JitCtx *J, uint32_t pc, int *t1, int *t2)
{
  const ProfSite *s = site(J, pc);
  if (s->flags & (PS_DEOPT | PS_META))
    return 0;
  *t1 = onetag(s->t1);
  *t2 = onetag(s->t2);
  return isnumtag(*t1) && isnumtag(*t2);
}

#define NUMSET ((uint16_t)(tagbit(TAG_INT) | tagbit(TAG_FLT)))

/* A float-producing mix of integers and floats (x - y where x was seen as both): the result
 * is a float as long as one operand is; a guard checks that. */
static int mixspec(JitCtx *J, uint32_t pc, const TValue *kc)
{
  const ProfSite *s = site(J, pc);
  if (s->flags & (PS_DEOPT | PS_META))
    return 0;
  uint16_t s1 = s->t1, s2 = kc ? tagbit(tt(kc)) : s->t2;
  return s1 && s2 && !(s1 & ~NUMSET) && !(s2 & ~NUMSET) && ((s1 | s2) & tagbit(TAG_FLT));
}

/* A field site the compiled code can serve: one shape seen, key found in it. */
static int fieldspec(JitCtx *J, uint32_t pc)
{
  const ProfSite *s = site(J, pc);
  if (s->flags & (PS_MEGA | PS_DEOPT | PS_HASH) || onetag(s->t1) != TAG_TAB)
    return 0;
  if (s->nseen == 1)
    return s->seen[0] != NULL && s->slot != 0xffff;
  /* Two shapes (bimorphic), both holding the key: the slot's offset is chosen at run time. */
  return s->nseen == 2 && s->seen[0] != NULL && s->seen[1] != NULL && s->slot != 0xffff &&
         s->slot1 != 0xffff;
}

/* A call the compiled code computes itself: one argument, one result, and the one callee the
 * profile saw is math.sqrt or math.abs. Returns JIT_INTR_* or 0. */
static int intrinsic(JitCtx *J, uint32_t pc)
{
  Instr i = J->p->code[pc];
  const ProfSite *s = site(J, pc);
  if (GET_OP(i) != OP_CALL || GET_B(i) != 2 || GET_C(i) != 2 || s->nseen != 1 ||
      (s->flags & (PS_MEGA | PS_DEOPT)) || s->seen[0] == NULL ||
      ((GCObj *)s->seen[0])->tt != TAG_CFN)
    return 0;
  return lib_math_intrinsic(((CClosure *)s->seen[0])->f);
}

/* Whether the instruction at pc is left to the interpreter (static: the leaders pass and the
 * builder both ask). Instructions never executed are not steps: they become deopt exits. */
static int isstep(JitCtx *J, uint32_t pc)
{
  Instr i = J->p->code[pc];
  const ProfSite *s = site(J, pc);
  int t1, t2;
  switch (GET_OP(i)) {
  case OP_MOVE: case OP_LOADI: case OP_LOADK: case OP_LOADKX: case OP_LOADNIL:
  case OP_LOADFALSE: case OP_LOADTRUE: case OP_GETUPVAL: case OP_JMP: case OP_EXTRAARG:
  case OP_RETURN0: case OP_RETURN1:
  case OP_FORLOOP: case OP_TFORLOOP: case OP_NOT:
    return 0;
  case OP_GETTABUP: case OP_GETFIELD: case OP_SETTABUP: case OP_SETFIELD:
    return !fieldspec(J, pc) || s->t2 == 0;   /* values of several types move as they are */
  case OP_GETTABLE: case OP_GETINT: case OP_SETTABLE: case OP_SETINT:
    return (s->flags & PS_DEOPT) || onetag(s->t1) != TAG_TAB;
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
    return !arithspec(J, pc, &t1, &t2) && !mixspec(J, pc, NULL);
  case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK:
    return !arithspec(J, pc, &t1, &t2) && !mixspec(J, pc, &J->p->k[GET_C(i)]);
  case OP_POW: case OP_POWK:
    return !arithspec(J, pc, &t1, &t2) || GET_OP(i) != OP_POWK ||
           !ttisnum(&J->p->k[GET_C(i)]) || numvalue(&J->p->k[GET_C(i)]) != 2.0;
  case OP_MODK: case OP_IDIVK: {
    const TValue *kv = &J->p->k[GET_C(i)];
    return !arithspec(J, pc, &t1, &t2) || t1 != TAG_INT || !ttisint(kv) ||
           ivalue(kv) == 0 || ivalue(kv) == -1;
  }
  case OP_BANDK: case OP_BORK: case OP_BXORK:
    return !arithspec(J, pc, &t1, &t2) || t1 != TAG_INT || t2 != TAG_INT;
  case OP_BAND: case OP_BOR: case OP_BXOR:
    return !arithspec(J, pc, &t1, &t2) || t1 != TAG_INT || t2 != TAG_INT;
  case OP_ADDI: case OP_UNM:
    return (s->flags & PS_DEOPT) || !isnumtag(onetag(s->t1));
  case OP_SHLI: case OP_SHRI: case OP_BNOT:
    return (s->flags & PS_DEOPT) || onetag(s->t1) != TAG_INT;
  case OP_LEN:
    return (s->flags & PS_DEOPT) || (onetag(s->t1) != TAG_STR && onetag(s->t1) != TAG_TAB);
  case OP_EQ: case OP_LT: case OP_LE: {
    if (s->flags & (PS_DEOPT | PS_META))
      return 1;
    t1 = onetag(s->t1), t2 = onetag(s->t2);
    /* An integer and a float compare exactly (not through a rounding conversion): those
     * mixes are the interpreter's. */
    if (t1 < 0 || t2 < 0 || (t1 != t2 && isnumtag(t1) && isnumtag(t2)))
      return 1;
    if (GET_OP(i) == OP_EQ)
      return t1 == t2 && (t1 == TAG_TAB || t1 == TAG_UD || t1 == TAG_STR);
    return !isnumtag(t1) || t1 != t2;
  }
  case OP_EQK: {
    const TValue *kv = &J->p->k[GET_B(i)];
    t1 = onetag(s->t1);
    if (t1 < 0 && tt(kv) < TAG_LUD)
      return (s->flags & PS_DEOPT) != 0 || !s->t1;   /* nil and booleans: a tag compare */
    return (s->flags & PS_DEOPT) || t1 < 0 ||
           !(ttisint(kv) || ttisflt(kv) || (ttisstr(kv) && strvalue(kv)->isshort) || ttisnil(kv) ||
             ttisbool(kv));
  }
  case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI:
    return (s->flags & PS_DEOPT) || !isnumtag(onetag(s->t1));
  case OP_TEST: case OP_TESTSET:
    return 0;
  case OP_CALL:
    return intrinsic(J, pc) == 0;
  case OP_FORPREP:
    return (s->flags & PS_DEOPT) != 0;   /* buildins falls back to a step when it must */
  default:
    return 1;
  }
}

/* The registers lo..hi a step instruction may write (before the call: *lo = A, *hi = top). */
static void stepwrites(Instr i, int *lo, int *hi)
{
  int a = GET_A(i);
  switch (GET_OP(i)) {
  case OP_SETTABUP: case OP_SETFIELD: case OP_SETTABLE: case OP_SETINT: case OP_SETUPVAL:
  case OP_SETLIST: case OP_CLOSE: case OP_TBC:
  case OP_EQ: case OP_LT: case OP_LE: case OP_EQK: case OP_EQI: case OP_LTI: case OP_LEI:
  case OP_GTI: case OP_GEI: case OP_TEST:
    *lo = 1, *hi = 0;
    break;
  case OP_GETTABUP: case OP_GETTABLE: case OP_GETINT: case OP_GETFIELD: case OP_NEWTABLE:
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_MOD: case OP_POW: case OP_DIV: case OP_IDIV:
  case OP_BAND: case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR: case OP_ADDK:
  case OP_SUBK: case OP_MULK: case OP_MODK: case OP_POWK: case OP_DIVK: case OP_IDIVK:
  case OP_BANDK: case OP_BORK: case OP_BXORK: case OP_ADDI: case OP_SHLI: case OP_SHRI:
  case OP_UNM: case OP_BNOT: case OP_NOT: case OP_LEN: case OP_CLOSURE: case OP_TESTSET:
  case OP_GETUPVAL: case OP_MOVE: case OP_LOADK: case OP_LOADI:
    *lo = *hi = a;
    break;
  case OP_SELF:
    *lo = a, *hi = a + 1;
    break;
  case OP_CONCAT:
    *lo = a, *hi = a + GET_B(i) - 1;
    break;
  case OP_FORPREP:
    *lo = a, *hi = a + 3;
    break;
  case OP_VARARGPREP:
    *lo = 0;
    break;
  default:
    break;   /* calls, varargs: A and everything above */
  }
}

/* How much an instruction at loop depth d counts: an inner loop runs more often, say 8 times
 * per iteration of the loop around it. */
static uint32_t loopweight(int d) { return d ? 1u << (3 * (d < 6 ? d : 6)) : 0; }

/* Steps with the one continuation pc + 1, which compiled code can run without leaving. */
static int nativestep(OpCode op)
{
  switch (op) {
  case OP_EQ: case OP_LT: case OP_LE: case OP_EQK: case OP_EQI: case OP_LTI: case OP_LEI:
  case OP_GTI: case OP_GEI: case OP_TEST: case OP_TESTSET: case OP_FORPREP: case OP_TFORPREP:
  case OP_JMP: case OP_RETURN: case OP_RETURN0: case OP_RETURN1: case OP_TAILCALL:
  case OP_FORLOOP: case OP_TFORLOOP: case OP_VARARGPREP: case OP_EXTRAARG: case OP_LOADKX:
    return 0;
  default:
    return 1;
  }
}

/* Instructions that leave the frame for good (no continuation). */
static int noreturn(OpCode op)
{
  return op == OP_RETURN || op == OP_RETURN0 || op == OP_RETURN1 || op == OP_TAILCALL;
}

/* Whether the instruction at pc ever ran, for the instructions whose every execution leaves
 * a record (the others are assumed to have run when their block did). */
static int executed(JitCtx *J, uint32_t pc)
{
  const ProfSite *s = site(J, pc);
  if (J->stress)
    return 1;   /* stress compiles before anything ran: unknown code is stepped, not cold */
  switch (GET_OP(J->p->code[pc])) {
  case OP_GETTABUP: case OP_GETFIELD: case OP_SELF: case OP_GETTABLE: case OP_GETINT:
  case OP_SETTABUP: case OP_SETFIELD: case OP_SETTABLE: case OP_SETINT:
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_MOD: case OP_POW: case OP_DIV: case OP_IDIV:
  case OP_BAND: case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR: case OP_ADDK:
  case OP_SUBK: case OP_MULK: case OP_MODK: case OP_POWK: case OP_DIVK: case OP_IDIVK:
  case OP_BANDK: case OP_BORK: case OP_BXORK: case OP_ADDI: case OP_SHLI: case OP_SHRI:
  case OP_UNM: case OP_BNOT: case OP_LEN: case OP_EQ: case OP_LT: case OP_LE: case OP_EQK:
  case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: case OP_CALL:
  case OP_TAILCALL:
    return s->t1 || s->t2 || s->count || s->nseen || (s->flags & ~(PS_DEOPT | PS_ENTRY));
  default:
    return 1;
  }
}

/* -- Leaders ------------------------------------------------------------------------------- */

static int isconditional(OpCode op)
{
  return op >= OP_EQ && op <= OP_TESTSET;
}

static int findblocks(JitCtx *J)
{
  Proto *p = J->p;
  int n = p->ncode;
  uint8_t *lead = calloc((size_t)n + 1, 1);
  J->blockat = malloc(sizeof(int) * ((size_t)n + 1));
  if (!lead || !J->blockat) {
    free(lead);
    return -1;
  }
  lead[0] = 1;
  for (int pc = 0; pc < n; pc++) {
    Instr i = p->code[pc];
    OpCode op = GET_OP(i);
    int t = -1;
    if (op == OP_JMP)
      t = pc + 1 + GET_sJ(i), lead[pc + 1] = 1;
    else if (op == OP_FORLOOP)
      t = pc + 1 - GET_Bx(i), lead[pc + 1] = 1;
    else if (op == OP_TFORLOOP)
      t = pc + 1 - GET_Bx(i), lead[pc + 1] = 1;
    else if (op == OP_FORPREP || op == OP_TFORPREP)
      t = pc + 1 + GET_Bx(i), lead[pc + 1] = 1;
    else if (isconditional(op) && pc + 2 <= n)
      lead[pc + 2] = 1;
    else if (op == OP_LOADKX)
      continue;
    if (t >= 0 && t <= n)
      lead[t] = 1;
    if (isstep(J, (uint32_t)pc) && !noreturn(op))
      lead[pc + 1] = 1;
  }
  J->nblocks = 0;
  for (int pc = 0; pc <= n; pc++)
    J->blockat[pc] = -1;
  for (int pc = 0; pc < n; pc++)
    if (lead[pc])
      J->blockat[pc] = J->nblocks++;
  J->blocks = calloc((size_t)J->nblocks, sizeof(IRBlock));
  J->state = malloc((size_t)J->nblocks * (size_t)J->nslots + 1);
  if (!J->blocks || !J->state) {
    free(lead);
    return -1;
  }
  for (int pc = 0; pc < n; pc++)
    if (lead[pc])
      J->blocks[J->blockat[pc]].pc = (uint32_t)pc;
  free(lead);
  memset(J->state, JT_BOT, (size_t)J->nblocks * (size_t)J->nslots);
  /* Entries the interpreter uses: the function start, loop headers (targets of back edges)
   * and the instructions after steps. Loop bodies are marked for the profitability check. */
  J->blocks[0].entry = 1;
  J->inloop = NULL;
  for (int pc = 0; pc < n; pc++) {
    Instr i = p->code[pc];
    OpCode op = GET_OP(i);
    int t = -1;
    if (op == OP_JMP && GET_sJ(i) < 0)
      t = pc + 1 + GET_sJ(i);
    else if (op == OP_FORLOOP || op == OP_TFORLOOP)
      t = pc + 1 - GET_Bx(i);
    if (t >= 0) {
      J->blocks[J->blockat[t]].entry = 1;
      if (!J->inloop && !(J->inloop = calloc((size_t)n, 1)))
        return -1;
      for (int q = t; q <= pc; q++)
        if (J->inloop[q] < 8)
          J->inloop[q]++;
    }
  }
  return 0;
}

/* Slots that a call may change behind the frame's back: captured by a closure as upvalues. */
static void findcaptured(JitCtx *J)
{
  Proto *p = J->p;
  memset(J->captured, 0, sizeof J->captured);
  for (int i = 0; i < p->np; i++)
    for (int u = 0; u < p->p[i]->nupvals; u++)
      if (p->p[i]->upvals[u].instack)
        J->captured[p->p[i]->upvals[u].idx] = 1;
}

/* -- Instructions ----------------------------------------------------------------------- */

static int tagof(const TValue *v) { return tt(v); }

static void loadconst(B *b, int a, const TValue *kv)
{
  if (ttisint(kv))
    slotset(b, a, kint(b, ivalue(kv)), TAG_INT, 0);
  else if (ttisflt(kv))
    slotset(b, a, kflt(b, fltvalue(kv)), TAG_FLT, 0);
  else if (tagof(kv) < TAG_LUD)
    slotset(b, a, 0, tagof(kv), 0);
  else
    slotset(b, a, kslot(b, gcvalue(kv)), tagof(kv), 0);
}

/* An arithmetic operand: slot or constant, as a number of the predicted tag. */
static IRRef numop(B *b, int slot, const TValue *kv, int tag)
{
  if (kv) {
    if (ttisint(kv))
      return kint(b, ivalue(kv));
    return kflt(b, fltvalue(kv));
  }
  return slotget(b, slot, tag, JR_TYPE);
}

static IRRef tofloat(B *b, IRRef r, int tag)
{
  return tag == TAG_INT ? emitf(b, IR_CONVIF, IRT_FLT, r, 0, 0, 0) : r;
}

/* Operand of a mixed site as a float: *known is its tag when known, else *tref its tag ref. */
static IRRef mixop(B *b, int slot, uint16_t set, int *known, IRRef *tref)
{
  int t = slottag(b, slot);
  if (t == JT_UNK && onetag(set) >= 0)
    t = onetag(set);
  *tref = 0;
  if (t == TAG_INT || t == TAG_FLT) {
    *known = t;
    return tofloat(b, slotget(b, slot, t, JR_TYPE), t);
  }
  IRRef v;
  int tag;
  slotany(b, slot, &v, tref, &tag);
  *known = JT_UNK;
  uint16_t s = snapshot(b, JX_DEOPT, JR_TYPE, b->pc);
  IRRef r = emit(b, IR_TOFLT, IRT_FLT, v, *tref, 0, 0);
  if (r)
    b->J->ins[r].snap = s;
  return r;
}

static void mixarith(B *b, Instr i, OpCode op, const TValue *kc, int fop)
{
  const ProfSite *s = site(b->J, b->pc);
  int k1, k2 = JT_UNK;
  IRRef t1r, t2r = 0, y;
  IRRef x = mixop(b, GET_B(i), s->t1, &k1, &t1r);
  if (kc) {
    k2 = tagof(kc);
    y = ttisint(kc) ? kflt(b, (double)ivalue(kc)) : kflt(b, fltvalue(kc));
  } else {
    y = mixop(b, GET_C(i), s->t2, &k2, &t2r);
  }
  (void)op;
  /* At least one float: known, or checked. */
  if (k1 != TAG_FLT && k2 != TAG_FLT && fop != IR_FDIV) {
    if (k1 == TAG_INT && k2 == TAG_INT) {
      /* Both integers after all: not this speculation. */
      flush(b);
      leave(b, JX_DEOPT, JR_TYPE, b->pc);
      return;
    }
    if (k1 == TAG_INT)
      guard(b, IR_GTAG, t2r, 0, 0, TAG_FLT, JR_TYPE);
    else if (k2 == TAG_INT)
      guard(b, IR_GTAG, t1r, 0, 0, TAG_FLT, JR_TYPE);
    else
      guard(b, IR_GNUMF, t1r, t2r, 0, 0, JR_TYPE);
  }
  slotset(b, GET_A(i), emitf(b, fop, IRT_FLT, x, y, 0, 0), TAG_FLT, 0);
}

static void arith(B *b, Instr i, OpCode op, const TValue *kc)
{
  JitCtx *J = b->J;
  int t1, t2;
  if (!arithspec(J, b->pc, &t1, &t2)) {
    int fop = op == OP_ADD || op == OP_ADDK ? IR_FADD : op == OP_SUB || op == OP_SUBK ? IR_FSUB :
              op == OP_MUL || op == OP_MULK ? IR_FMUL : IR_FDIV;
    mixarith(b, i, op, kc, fop);
    return;
  }
  if (kc)
    t2 = tagof(kc);
  IRRef x = numop(b, GET_B(i), NULL, t1);
  IRRef y = numop(b, GET_C(i), kc, t2);
  int a = GET_A(i), iop = -1, fop = -1;
  switch (op) {
  case OP_ADD: case OP_ADDK: iop = IR_ADD; fop = IR_FADD; break;
  case OP_SUB: case OP_SUBK: iop = IR_SUB; fop = IR_FSUB; break;
  case OP_MUL: case OP_MULK: iop = IR_MUL; fop = IR_FMUL; break;
  case OP_DIV: case OP_DIVK: fop = IR_FDIV; break;
  case OP_POWK: fop = IR_FMUL; y = 0; break;
  case OP_BAND: case OP_BANDK: iop = IR_BAND; break;
  case OP_BOR: case OP_BORK: iop = IR_BOR; break;
  case OP_BXOR: case OP_BXORK: iop = IR_BXOR; break;
  case OP_MODK: slotset(b, a, emitf(b, IR_IMODK, IRT_INT, x, 0, 0, ivalue(kc)), TAG_INT, 0); return;
  case OP_IDIVK: slotset(b, a, emitf(b, IR_IDIVK, IRT_INT, x, 0, 0, ivalue(kc)), TAG_INT, 0); return;
  default: break;
  }
  if (iop >= 0 && t1 == TAG_INT && t2 == TAG_INT) {
    slotset(b, a, emitf(b, iop, IRT_INT, x, y, 0, 0), TAG_INT, 0);
    return;
  }
  x = tofloat(b, x, t1);
  y = y ? tofloat(b, y, t2) : x;   /* x ^ 2 is x * x */
  slotset(b, a, emitf(b, fop, IRT_FLT, x, y, 0, 0), TAG_FLT, 0);
}

/* Conditional at b->pc (followed by its JMP): the jump is taken when the condition (x cc y;
 * for BRTAG: x truthy when cc is 1) equals C of the test, else execution goes on at pc + 2.
 * A direction the profile never saw becomes a deopt exit. */
static int notcc(int op, int cc)
{
  return op == IR_BRI ? (int)x_negcond((XCond)cc) : op == IR_BRF ? cc ^ 0x100 : !cc;
}

static void branch(B *b, int op, IRRef x, IRRef y, int cc, int c)
{
  JitCtx *J = b->J;
  uint32_t pc = b->pc;
  uint32_t taken = pc + 2 + (uint32_t)GET_sJ(J->p->code[pc + 1]), fall = pc + 2;
  const ProfSite *s = site(J, pc);
  int ht = (s->flags & PS_TAKEN) != 0, hf = (s->flags & PS_NOTTAKEN) != 0;
  if ((s->flags & PS_DEOPT) || (!ht && !hf))
    ht = hf = 1;
  int tcc = c ? cc : notcc(op, cc);     /* condition of "jump taken" */
  if (ht && hf) {
    int bt = edge(b, taken), bf = edge(b, fall);
    flush(b);
    emit(b, op, IRT_NONE, x, y, tcc, ((int64_t)bt << 32) | (uint32_t)bf);
    b->ended = 1;
    return;
  }
  int gcc = ht ? tcc : notcc(op, tcc);
  if (op == IR_BRTAG)
    guard(b, IR_GCMP, x, 0, gcc ? XC_A : XC_BE, TAG_FALSE, JR_BRANCH);
  else
    guard(b, op == IR_BRI ? IR_GCMP : IR_GFCMP, x, y, gcc, 0, JR_BRANCH);
  jumpto(b, ht ? taken : fall);
}

/* Tag of a TValue in memory at ptr + off, loaded as (payload, tag ref) and set in slot a
 * with the profile's predicted tag `want` guarded (JT_UNK: keep dynamic). */
static void loadvalue(B *b, int a, IRRef ptr, int32_t off, int want, int reason)
{
  if (want != JT_UNK && want >= 0) {
    guard(b, IR_GVTAG, ptr, 0, off, want, reason);
    int ty = want == TAG_INT ? IRT_INT : want == TAG_FLT ? IRT_FLT : IRT_PTR;
    slotset(b, a, want < TAG_LUD ? 0 : emit(b, IR_VLOAD, ty, ptr, 0, off, 0), want, 0);
  } else {
    IRRef v = emit(b, IR_VLOAD, IRT_PTR, ptr, 0, off, 0);
    IRRef t = emit(b, IR_TLOAD, IRT_TAG, ptr, 0, off, 0);
    slotset(b, a, v, JT_UNK, t);
  }
}

/* The value of slot c (or constant) to store: payload ref, tag (or JT_UNK with tref). */
static void storeval(B *b, int c, IRRef *v, int *tag, IRRef *tref)
{
  slotany(b, c, v, tref, tag);
}

/* Table stores of collectable values need the GC's back barrier (compiled inline). */
static void barrier(B *b, IRRef t, IRRef v, int tag, IRRef tref)
{
  if (tag != JT_UNK && tag < TAG_FIRSTGC)
    return;
  IRRef r = emit(b, IR_BARRIER, IRT_NONE, t, v, 0, tag == JT_UNK ? 0x100 : tag);
  if (r && tag == JT_UNK)
    b->J->ins[r].snap = tref;
}

static IRRef upvalptr(B *b, int idx)
{
  IRRef cl = emitf(b, IR_SLOAD, IRT_PTR, 0, 0, -1, 0);
  IRRef uv = emitf(b, IR_PLOAD, IRT_PTR, cl, 0, (int32_t)(offsetof(LClosure, up) + 8 * (size_t)idx), 0);
  return emitf(b, IR_PLOAD, IRT_PTR, uv, 0, offsetof(UpVal, v), 0);
}

/* Field access through a shape guard: returns the slots pointer and sets *off. */
static IRRef fieldref(B *b, IRRef t, int32_t *off)
{
  const ProfSite *s = site(b->J, b->pc);
  IRRef shp = kslot(b, (GCObj *)s->seen[0]);
  IRRef cur = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, shape), 0);
  if (s->nseen == 2) {
    /* The byte offset of the key's slot in whichever of the two shapes t has. */
    IRRef shp1 = kslot(b, (GCObj *)s->seen[1]);
    uint16_t sn = snapshot(b, JX_DEOPT, JR_SHAPE, b->pc);
    int64_t offs = ((int64_t)(16 * s->slot) << 32) | (uint32_t)(16 * s->slot1);
    IRRef o = emit(b, IR_SHAPE2, IRT_INT, cur, shp1, b->J->ins[shp].aux, offs);
    if (o)
      b->J->ins[o].snap = sn;
    *off = 0;
    IRRef slots = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, slots), 0);
    return emitf(b, IR_ADD, IRT_PTR, slots, o, 0, 0);
  }
  guard(b, IR_GCMP, cur, shp, XC_E, 0, JR_SHAPE);
  *off = (int32_t)(16 * (int32_t)s->slot);
  return emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, slots), 0);
}

/* Array element R[t][key] (key an int ref): bounds guard, returns element pointer base
 * (arr - 16, so that the offset is 16 * key). */
static IRRef arrayref(B *b, IRRef t, IRRef key)
{
  IRRef asz = emitf(b, IR_PLOAD32, IRT_INT, t, 0, offsetof(Table, asize), 0);
  IRRef km1 = emitf(b, IR_SUB, IRT_INT, key, kint(b, 1), 0, 0);
  guard(b, IR_GCMP, km1, asz, XC_B, 0, JR_BOUNDS);
  IRRef mt = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, mt), 0);
  guard(b, IR_GCMP, mt, kint(b, 0), XC_E, 0, JR_META);
  IRRef arr = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, arr), 0);
  IRRef k16 = emitf(b, IR_SHLK, IRT_INT, km1, 0, 0, 4);
  return emitf(b, IR_ADD, IRT_PTR, arr, k16, 0, 0);
}

/* The Lua function a CALL at pc can call directly: the one callee its profile saw, with a
 * fixed number of arguments and parameters. */
static Proto *directcallee(JitCtx *J, uint32_t pc)
{
  Instr i = J->p->code[pc];
  const ProfSite *s = site(J, pc);
  if (GET_OP(i) != OP_CALL || GET_B(i) == 0 || s->nseen != 1 ||
      (s->flags & (PS_MEGA | PS_DEOPT)) || s->seen[0] == NULL ||
      ((GCObj *)s->seen[0])->tt != TAG_PROTO)
    return NULL;
  Proto *np = (Proto *)s->seen[0];
  return np->is_vararg ? NULL : np;
}

/* The instruction at b->pc is left to the interpreter: a native step (compiled code calls
 * jit_h_step and goes on at pc + 1) or a step exit. Its continuations become entries. */
static int stepins(B *b)
{
  JitCtx *J = b->J;
  Proto *p = J->p;
  uint32_t pc = b->pc;
  Instr i = p->code[pc];
  OpCode op = GET_OP(i);
  const ProfSite *s = site(J, pc);
  int a = GET_A(i);
  if (!executed(J, pc)) {
    flush(b);
    leave(b, JX_DEOPT, JR_COLD, pc);
    return 1;
  }
  flush(b);
  /* The continuation's entry state: what a step may change becomes unknown (the
   * registers it writes, and slots a called function may reach as upvalues). */
  if (!noreturn(op)) {
    uint8_t tags[256];
    int lo = a, hi = J->nslots - 1;
    stepwrites(J->p->code[pc], &lo, &hi);
    curtags(b, tags);
    for (int r = 0; r < J->nslots; r++)
      if (J->captured[r] || (r >= lo && r <= hi))
        tags[r] = JT_UNK;
    if (op == OP_FORPREP) {
      uint8_t sk[256];
      memcpy(sk, tags, sizeof sk);
      for (int r = a; r < a + 4 && !(s->flags & PS_DEOPT); r++)
        tags[r] = TAG_INT;     /* integer loops, checked at the loop's entry */
      mergeinto(J, J->blockat[pc + 1 + GET_Bx(i)], sk);
      J->blocks[J->blockat[pc + 1 + GET_Bx(i)]].entry = 1;
    }
    if (pc + 1 < (uint32_t)p->ncode) {
      mergeinto(J, J->blockat[pc + 1], tags);
      J->blocks[J->blockat[pc + 1]].entry = 1;   /* the interpreter comes back here */
    }
    if (op == OP_TFORPREP) {
      mergeinto(J, J->blockat[pc + 1 + GET_Bx(i)], tags);
      J->blocks[J->blockat[pc + 1 + GET_Bx(i)]].entry = 1;
    }
  }
  if (nativestep(op) && pc + 1 < (uint32_t)p->ncode) {
    /* Run it from compiled code and go on at pc + 1 (leave only if that is refused). A call
     * of the one Lua function the profile saw calls its code directly. */
    uint16_t sx = snapshot(b, JX_STEP, 0, pc);
    uint16_t rx = snapshot(b, JX_RESUME, 0, pc);
    Proto *np = directcallee(J, pc);
    IRRef kp = np ? kslot(b, (GCObj *)np) : 0;
    IRRef r = emit(b, np ? IR_CALLJ : IR_CALLSTEP, IRT_NONE, kp, rx, (int32_t)pc,
                   J->blockat[pc + 1]);
    if (r)
      J->ins[r].snap = sx;
    b->ended = 1;
    uint32_t w = J->inloop ? loopweight(J->inloop[pc]) : 1;
    J->nnativesites += w;
    J->stepops[op] += w;
    if (op == OP_CALL)
      J->ncallsites += w;     /* calls have their own fast path (jit.c: fastcall) */
    return 1;
  }
  J->nstepsites += J->inloop ? loopweight(J->inloop[pc]) : 1;
  J->stepops[op] += J->inloop ? loopweight(J->inloop[pc]) : 1;
  leave(b, JX_STEP, 0, pc);
  return 1;
}

/* " (CALL 40, SELF 12, ...)": the opcodes that cost most, for -j verbose. */
static void stepsummary(const JitCtx *J, char *out, size_t n)
{
  uint32_t done[OP__N] = { 0 };
  size_t len = 0;
  for (int k = 0; k < 4; k++) {
    int best = -1;
    for (int op = 0; op < OP__N; op++)
      if (!done[op] && J->stepops[op] && (best < 0 || J->stepops[op] > J->stepops[best]))
        best = op;
    if (best < 0)
      break;
    done[best] = 1;
    int w = snprintf(out + len, n - len, "%s%s %u", k ? ", " : " (", bc_opnames[best], J->stepops[best]);
    if (w < 0 || (size_t)w >= n - len)
      return;
    len += (size_t)w;
  }
  if (len && len + 1 < n)
    memcpy(out + len, ")", 2);
}

/* Build one instruction; returns the number of instructions consumed. */
static int buildins(B *b)
{
  JitCtx *J = b->J;
  Proto *p = J->p;
  uint32_t pc = b->pc;
  Instr i = p->code[pc];
  OpCode op = GET_OP(i);
  const ProfSite *s = site(J, pc);
  int a = GET_A(i);

  if (isstep(J, pc))
    return stepins(b);

  switch (op) {
  case OP_MOVE: {
    IRRef v, t;
    int tag;
    slotany(b, GET_B(i), &v, &t, &tag);
    slotset(b, a, v, tag, t);
    break;
  }
  case OP_LOADI:
    slotset(b, a, kint(b, GET_sBx(i)), TAG_INT, 0);
    break;
  case OP_LOADK:
    loadconst(b, a, &p->k[GET_Bx(i)]);
    break;
  case OP_LOADKX:
    loadconst(b, a, &p->k[GET_Ax(p->code[pc + 1])]);
    return 2;
  case OP_LOADNIL:
    for (int r = a; r <= a + GET_B(i); r++)
      slotset(b, r, 0, TAG_NIL, 0);
    break;
  case OP_LOADFALSE: slotset(b, a, 0, TAG_FALSE, 0); break;
  case OP_LOADTRUE: slotset(b, a, 0, TAG_TRUE, 0); break;
  case OP_GETUPVAL:
    loadvalue(b, a, upvalptr(b, GET_B(i)), 0, JT_UNK, JR_TYPE);
    break;
  case OP_GETTABUP: case OP_GETFIELD: {
    IRRef t;
    if (op == OP_GETTABUP) {
      IRRef tv = upvalptr(b, GET_B(i));
      guard(b, IR_GVTAG, tv, 0, 0, TAG_TAB, JR_TYPE);
      t = emitf(b, IR_VLOAD, IRT_PTR, tv, 0, 0, 0);
    } else {
      t = slotget(b, GET_B(i), TAG_TAB, JR_TYPE);
    }
    int32_t off;
    IRRef slots = fieldref(b, t, &off);
    int want = onetag(s->t2);
    if (s->t2 & tagbit(TAG_NIL)) {
      /* A nil read is the answer only without a metatable (else __index may have one). */
      IRRef mt = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, mt), 0);
      guard(b, IR_GCMP, mt, kint(b, 0), XC_E, 0, JR_META);
    } else if (want < 0) {
      guard(b, IR_GVNTAG, slots, 0, off, TAG_NIL, JR_META);   /* several types, never nil */
    }
    loadvalue(b, a, slots, off, want < 0 ? JT_UNK : want, JR_META);
    break;
  }
  case OP_SETTABUP: case OP_SETFIELD: {
    IRRef t;
    if (op == OP_SETTABUP) {
      IRRef tv = upvalptr(b, a);
      guard(b, IR_GVTAG, tv, 0, 0, TAG_TAB, JR_TYPE);
      t = emitf(b, IR_VLOAD, IRT_PTR, tv, 0, 0, 0);
    } else {
      t = slotget(b, a, TAG_TAB, JR_TYPE);
    }
    IRRef v, tr;
    int tag;
    storeval(b, GET_C(i), &v, &tag, &tr);
    int32_t off;
    IRRef slots = fieldref(b, t, &off);
    /* A nil slot may need __newindex; a "__" key coming back may be a metamethod's. */
    const Str *key = strvalue(&p->k[GET_B(i)]);
    guard(b, IR_GNEWIDX, slots, t, off, key->len >= 2 && key->data[0] == '_' && key->data[1] == '_',
          JR_META);
    barrier(b, t, v, tag, tr);
    emit(b, IR_VSTORE, IRT_NONE, slots, v, off, tag == JT_UNK ? 0x100 | 0 : tag);
    if (tag == JT_UNK)
      J->ins[J->nins - 1].snap = tr;
    break;
  }
  case OP_GETTABLE: case OP_GETINT: {
    IRRef t = slotget(b, GET_B(i), TAG_TAB, JR_TYPE);
    IRRef key = op == OP_GETINT ? kint(b, GET_C(i)) : slotget(b, GET_C(i), TAG_INT, JR_TYPE);
    loadvalue(b, a, arrayref(b, t, key), 0, JT_UNK, JR_TYPE);
    break;
  }
  case OP_SETTABLE: case OP_SETINT: {
    IRRef t = slotget(b, a, TAG_TAB, JR_TYPE);
    IRRef key = op == OP_SETINT ? kint(b, GET_B(i)) : slotget(b, GET_B(i), TAG_INT, JR_TYPE);
    IRRef v, tr;
    int tag;
    storeval(b, GET_C(i), &v, &tag, &tr);
    IRRef el = arrayref(b, t, key);
    barrier(b, t, v, tag, tr);
    emit(b, IR_VSTORE, IRT_NONE, el, v, 0, tag == JT_UNK ? 0x100 : tag);
    if (tag == JT_UNK)
      J->ins[J->nins - 1].snap = tr;
    break;
  }
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_BAND: case OP_BOR: case OP_BXOR:
    arith(b, i, op, NULL);
    break;
  case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_POWK: case OP_MODK:
  case OP_IDIVK: case OP_BANDK: case OP_BORK: case OP_BXORK:
    arith(b, i, op, &p->k[GET_C(i)]);
    break;
  case OP_ADDI: {
    int t1 = onetag(s->t1);
    IRRef x = slotget(b, GET_B(i), t1, JR_TYPE);
    if (t1 == TAG_INT)
      slotset(b, a, emitf(b, IR_ADD, IRT_INT, x, kint(b, GET_sC(i)), 0, 0), TAG_INT, 0);
    else
      slotset(b, a, emitf(b, IR_FADD, IRT_FLT, x, kflt(b, GET_sC(i)), 0, 0), TAG_FLT, 0);
    break;
  }
  case OP_SHLI: case OP_SHRI: {
    /* SHLI: sC << R[B]; SHRI: R[B] >> sC. Only constant shift amounts are native. */
    IRRef x = slotget(b, GET_B(i), TAG_INT, JR_TYPE);
    int n = GET_sC(i);
    if (op == OP_SHLI) {
      flush(b);
      leave(b, JX_STEP, 0, pc);
      break;
    }
    IRRef r;
    if (n >= 64 || n <= -64) r = kint(b, 0);
    else if (n >= 0) r = emitf(b, IR_SHRK, IRT_INT, x, 0, 0, n);
    else r = emitf(b, IR_SHLK, IRT_INT, x, 0, 0, -n);
    slotset(b, a, r, TAG_INT, 0);
    break;
  }
  case OP_UNM: {
    int t1 = onetag(s->t1);
    IRRef x = slotget(b, GET_B(i), t1, JR_TYPE);
    if (t1 == TAG_INT)
      slotset(b, a, emitf(b, IR_NEG, IRT_INT, x, 0, 0, 0), TAG_INT, 0);
    else
      slotset(b, a, emitf(b, IR_FNEG, IRT_FLT, x, 0, 0, 0), TAG_FLT, 0);
    break;
  }
  case OP_BNOT:
    slotset(b, a, emitf(b, IR_BNOT, IRT_INT, slotget(b, GET_B(i), TAG_INT, JR_TYPE), 0, 0, 0),
            TAG_INT, 0);
    break;
  case OP_NOT: {
    int t = slottag(b, GET_B(i));
    if (t != JT_UNK) {
      slotset(b, a, 0, t <= TAG_FALSE ? TAG_TRUE : TAG_FALSE, 0);
    } else {
      IRRef v, tr;
      slotany(b, GET_B(i), &v, &tr, &t);
      slotset(b, a, 0, JT_UNK, emitf(b, IR_NOTTAG, IRT_TAG, tr, 0, 0, 0));
    }
    break;
  }
  case OP_LEN: {
    if (onetag(s->t1) == TAG_TAB) {
      /* #t of a table without a metatable: tab_len, as the interpreter; not CSE'd (the table
       * may change in between). */
      IRRef t = slotget(b, GET_B(i), TAG_TAB, JR_TYPE);
      IRRef mt = emitf(b, IR_PLOAD, IRT_PTR, t, 0, offsetof(Table, mt), 0);
      guard(b, IR_GCMP, mt, kint(b, 0), XC_E, 0, JR_META);
      slotset(b, a, emit(b, IR_CALLH, IRT_INT, t, 0, JSLOT_TABLEN, 0), TAG_INT, 0);
      break;
    }
    IRRef str = slotget(b, GET_B(i), TAG_STR, JR_TYPE);
    slotset(b, a, emitf(b, IR_PLOAD, IRT_INT, str, 0, offsetof(Str, len), 0), TAG_INT, 0);
    break;
  }
  case OP_JMP:
    jumpto(b, pc + 1 + (uint32_t)GET_sJ(i));
    break;
  case OP_RETURN0: case OP_RETURN1:
    /* Returned by jit_h_return from compiled code (nothing to close in these). */
    flush(b);
    emit(b, IR_RET, IRT_NONE, 0, 0, a, op == OP_RETURN1);
    b->ended = 1;
    break;
  case OP_EQ: case OP_LT: case OP_LE: {
    int t1 = onetag(s->t1), t2 = onetag(s->t2);
    if (op == OP_EQ && t1 != t2) {
      /* Different tags: never equal (no metamethods for these). */
      slotget(b, a, t1, JR_TYPE);
      slotget(b, GET_B(i), t2, JR_TYPE);
      if (GET_C(i) == 0)
        jumpto(b, pc + 2 + (uint32_t)GET_sJ(p->code[pc + 1]));
      else
        jumpto(b, pc + 2);
      return 2;
    }
    if (op == OP_EQ && t1 < TAG_LUD) {
      slotget(b, a, t1, JR_TYPE);
      slotget(b, GET_B(i), t2, JR_TYPE);
      jumpto(b, GET_C(i) ? pc + 2 + (uint32_t)GET_sJ(p->code[pc + 1]) : pc + 2);
      return 2;
    }
    IRRef x = slotget(b, a, t1, JR_TYPE), y = slotget(b, GET_B(i), t2, JR_TYPE);
    int cc = op == OP_EQ ? XC_E : op == OP_LT ? XC_L : XC_LE;
    if (t1 == TAG_INT && t2 == TAG_INT)
      branch(b, IR_BRI, x, y, cc, GET_C(i));
    else if (isnumtag(t1))
      branch(b, IR_BRF, tofloat(b, x, t1), tofloat(b, y, t2), cc, GET_C(i));
    else   /* same-tag pointers: light userdata, functions, threads, booleans handled above */
      branch(b, IR_BRI, x, y, XC_E, GET_C(i));
    return 2;
  }
  case OP_EQK: {
    const TValue *kv = &p->k[GET_B(i)];
    int t1 = onetag(s->t1);
    uint32_t taken = pc + 2 + (uint32_t)GET_sJ(p->code[pc + 1]);
    if (t1 < 0) {
      /* Several types seen and the constant is nil or a boolean: equal when the tags are. */
      IRRef v, tr;
      int tag;
      slotany(b, a, &v, &tr, &tag);
      if (tag != JT_UNK)
        jumpto(b, (tag == tagof(kv)) == GET_C(i) ? taken : pc + 2);
      else
        branch(b, IR_BRI, tr, kint(b, tagof(kv)), XC_E, GET_C(i));
      return 2;
    }
    if (t1 != tagof(kv) && !(isnumtag(t1) && ttisnum(kv))) {
      slotget(b, a, t1, JR_TYPE);
      jumpto(b, GET_C(i) == 0 ? taken : pc + 2);
      return 2;
    }
    if (t1 < TAG_LUD) {
      slotget(b, a, t1, JR_TYPE);
      jumpto(b, GET_C(i) ? taken : pc + 2);
      return 2;
    }
    IRRef x = slotget(b, a, t1, JR_TYPE);
    /* Exact integer/float equality: an integer equals a float constant only when the float
     * is integral (then compare integers); a float equals an integer constant exactly
     * converted (|k| <= 2^53); other mixes are the interpreter's. */
    if (t1 == TAG_INT && ttisint(kv)) {
      branch(b, IR_BRI, x, kint(b, ivalue(kv)), XC_E, GET_C(i));
    } else if (t1 == TAG_INT) {
      double f = fltvalue(kv);
      if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == (double)(int64_t)f)
        branch(b, IR_BRI, x, kint(b, (int64_t)f), XC_E, GET_C(i));
      else
        jumpto(b, GET_C(i) == 0 ? taken : pc + 2);    /* NaN, fractional or out of range */
    } else if (isnumtag(t1)) {
      if (ttisint(kv) && (ivalue(kv) < -9007199254740992LL || ivalue(kv) > 9007199254740992LL))
        return stepins(b);
      branch(b, IR_BRF, x, ttisint(kv) ? kflt(b, (double)ivalue(kv)) : kflt(b, fltvalue(kv)),
             XC_E, GET_C(i));
    } else
      branch(b, IR_BRI, x, kslot(b, gcvalue(kv)), XC_E, GET_C(i));
    return 2;
  }
  case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: {
    int t1 = onetag(s->t1);
    IRRef x = slotget(b, a, t1, JR_TYPE);
    int cc = op == OP_EQI ? XC_E : op == OP_LTI ? XC_L : op == OP_LEI ? XC_LE :
             op == OP_GTI ? XC_G : XC_GE;
    if (t1 == TAG_INT)
      branch(b, IR_BRI, x, kint(b, GET_sB(i)), cc, GET_C(i));
    else
      branch(b, IR_BRF, x, kflt(b, GET_sB(i)), cc, GET_C(i));
    return 2;
  }
  case OP_TEST: case OP_TESTSET: {
    int src = op == OP_TEST ? a : GET_B(i);
    int t = slottag(b, src);
    uint32_t taken = pc + 2 + (uint32_t)GET_sJ(p->code[pc + 1]);
    /* TEST: if truthy(R) ~= C then skip the jump, i.e. jump when truthy(R) == C.
     * TESTSET: if truthy(R[B]) ~= C then skip, else R[A] := R[B] and jump. */
    IRRef v, tr;
    int tag;
    slotany(b, src, &v, &tr, &tag);
    if (t != JT_UNK) {
      int truthy = t > TAG_FALSE;
      if (truthy == GET_C(i)) {
        if (op == OP_TESTSET)
          slotset(b, a, v, tag, tr);
        jumpto(b, taken);
      } else {
        jumpto(b, pc + 2);
      }
      return 2;
    }
    if (op == OP_TESTSET) {
      /* The move happens only on the jump: keep it simple, one direction at a time. */
      const ProfSite *ps = s;
      int ht = (ps->flags & PS_TAKEN) != 0, hf = (ps->flags & PS_NOTTAKEN) != 0;
      if ((ht && hf) || (ps->flags & PS_DEOPT)) {
        flush(b);
        leave(b, JX_STEP, 0, pc);
        return 1;
      }
      guard(b, IR_GCMP, tr, 0, (ht ? GET_C(i) : !GET_C(i)) ? XC_A : XC_BE, TAG_FALSE, JR_BRANCH);
      if (ht) {
        slotset(b, a, v, JT_UNK, tr);
        jumpto(b, taken);
      } else {
        jumpto(b, pc + 2);
      }
      return 2;
    }
    branch(b, IR_BRTAG, tr, 0, 1, GET_C(i));
    return 2;
  }
  case OP_CALL: {
    /* math.sqrt / math.abs of a number: guard the callee, compute in place. */
    int kind = intrinsic(J, pc);
    IRRef f = slotget(b, a, TAG_CFN, JR_TYPE);
    guard(b, IR_GCMP, f, kslot(b, (GCObj *)s->seen[0]), XC_E, 0, JR_TYPE);
    int t = slottag(b, a + 1);
    if (kind == JIT_INTR_ABS || (t != TAG_INT && t != TAG_FLT))
      t = TAG_FLT;
    IRRef x = tofloat(b, slotget(b, a + 1, t, JR_TYPE), t);
    slotset(b, a, emitf(b, kind == JIT_INTR_SQRT ? IR_FSQRT : IR_FABS, IRT_FLT, x, 0, 0, 0),
            TAG_FLT, 0);
    break;
  }
  case OP_FORPREP: {
    /* Integer loops with step 1 (a constant here): count = limit - init, skipped when
     * init > limit. Anything else is the interpreter's (a step). */
    FEnt *st = &b->f[a + 2];
    if (!(st->have && st->tag == TAG_INT && J->ins[st->val].op == IR_KINT && J->ins[st->val].k == 1))
      return stepins(b);
    IRRef init = slotget(b, a, TAG_INT, JR_FOR);
    IRRef lim = slotget(b, a + 1, TAG_INT, JR_FOR);
    slotset(b, a + 1, emitf(b, IR_SUB, IRT_INT, lim, init, 0, 0), TAG_INT, 0);
    slotset(b, a + 3, init, TAG_INT, 0);
    int bskip = edge(b, pc + 1 + (uint32_t)GET_Bx(i)), bbody = edge(b, pc + 1);
    flush(b);
    emit(b, IR_BRI, IRT_NONE, init, lim, XC_G, ((int64_t)bskip << 32) | (uint32_t)bbody);
    b->ended = 1;
    break;
  }
  case OP_FORLOOP: {
    IRRef cnt = slotget(b, a + 1, TAG_INT, JR_FOR);
    IRRef step = slotget(b, a + 2, TAG_INT, JR_FOR);
    IRRef idx = slotget(b, a, TAG_INT, JR_FOR);
    IRRef nidx = emitf(b, IR_ADD, IRT_INT, idx, step, 0, 0);
    IRRef ncnt = emitf(b, IR_SUB, IRT_INT, cnt, kint(b, 1), 0, 0);
    slotset(b, a + 1, ncnt, TAG_INT, 0);
    slotset(b, a, nidx, TAG_INT, 0);
    slotset(b, a + 3, nidx, TAG_INT, 0);
    int bt = edge(b, pc + 1 - (uint32_t)GET_Bx(i)), bf = edge(b, pc + 1);
    flush(b);
    emit(b, IR_BRI, IRT_NONE, cnt, kint(b, 0), XC_NE, ((int64_t)bt << 32) | (uint32_t)bf);
    b->ended = 1;
    break;
  }
  case OP_TFORLOOP: {
    IRRef v, tr;
    int tag;
    slotany(b, a + 4, &v, &tr, &tag);
    if (tag != JT_UNK) {
      flush(b);
      leave(b, JX_STEP, 0, pc);
      break;
    }
    /* if R[A+4] ~= nil then R[A+2] := R[A+4]; jump back */
    guard(b, IR_GNTAG, tr, 0, 0, TAG_NIL, JR_BRANCH);
    slotset(b, a + 2, v, JT_UNK, tr);
    jumpto(b, pc + 1 - (uint32_t)GET_Bx(i));
    break;
  }
  default:
    flush(b);
    leave(b, JX_STEP, 0, pc);
    break;
  }
  return 1;
}

/* -- Passes -------------------------------------------------------------------------------- */

static void buildblock(JitCtx *J, int blk)
{
  B bb;
  B *b = &bb;
  b->J = J;
  b->blk = blk;
  b->ended = 0;
  const uint8_t *st = bstate(J, blk);
  for (int s = 0; s < J->nslots; s++) {
    FEnt *e = &b->f[s];
    memset(e, 0, sizeof *e);
    e->tag = st[s] == JT_BOT ? JT_UNK : st[s];
    e->mtag = e->tag;
  }
  if (J->nins == 0)
    J->nins = 1;
  b->bstart = J->nins;
  J->blocks[blk].first = J->nins;
  uint32_t pc = J->blocks[blk].pc;
  uint32_t end = blk + 1 < J->nblocks ? J->blocks[blk + 1].pc : (uint32_t)J->p->ncode;
  while (!b->ended && !J->oom) {
    if (pc >= end) {      /* fell into the next block */
      if (pc >= (uint32_t)J->p->ncode)
        leave(b, JX_DEOPT, JR_COLD, pc - 1);
      else
        jumpto(b, pc);
      break;
    }
    b->pc = pc;
    pc += (uint32_t)buildins(b);
  }
  J->blocks[blk].n = J->nins - J->blocks[blk].first;
}

static void resetir(JitCtx *J)
{
  J->nstepsites = 0;
  J->nnativesites = 0;
  J->ncallsites = 0;
  memset(J->stepops, 0, sizeof J->stepops);
  J->nins = 1;
  J->nsnaps = 1;
  J->nsents = 0;
  J->nexits = 0;
  J->nconsts = 0;
}

int jitb_build(JitCtx *J)
{
  Proto *p = J->p;
  J->pf = p->prof;
  J->nslots = p->maxstack;
  if (p->ncode < 1 || J->pf == NULL) {
    snprintf(J->why, sizeof J->why, "no code");
    return -1;
  }
  findcaptured(J);
  if (findblocks(J) < 0) {
    snprintf(J->why, sizeof J->why, "out of memory");
    return -1;
  }
  uint8_t unk[256];
  memset(unk, JT_UNK, sizeof unk);
  mergeinto(J, 0, unk);
  for (int pass = 0; pass < 20; pass++) {
    J->changed = 0;
    resetir(J);
    for (int blk = 0; blk < J->nblocks; blk++)
      if (J->blocks[blk].reached)
        buildblock(J, blk);
    if (J->oom) {
      snprintf(J->why, sizeof J->why, "out of memory");
      return -1;
    }
    if (!J->changed) {
      J->final = 1;
      break;
    }
  }
  if (!J->final) {
    snprintf(J->why, sizeof J->why, "block states do not settle");
    return -1;
  }
  /* Whether compiled code pays: each instruction it runs itself saves about one unit (a few
   * cycles of dispatch); a native step costs about 8 (the call into vm_step, or a table read or
   * write through its C fast path: counting those at 3 made deltablue, parser and sim 10-25%
   * slower than the interpreter), a call about 2 (a direct call, or the C fast path), and a
   * step exit about 12 (leaving and entering again). Instructions count by loop depth (inner
   * loops run more often); in a function without loops they count once. */
  uint32_t nbc = 0;
  for (int blk = 0; blk < J->nblocks; blk++)
    if (J->blocks[blk].reached) {
      uint32_t end = blk + 1 < J->nblocks ? J->blocks[blk + 1].pc : (uint32_t)p->ncode;
      for (uint32_t q = J->blocks[blk].pc; q < end; q++)
        nbc += J->inloop ? loopweight(J->inloop[q]) : 1;
    }
  uint32_t steps = J->nstepsites + J->nnativesites;
  uint32_t gain = nbc > steps ? nbc - steps : 0;
  uint32_t cost = 8 * (J->nnativesites - J->ncallsites) + 2 * J->ncallsites + 12 * J->nstepsites;
  if (!J->stress && gain <= cost) {
    int n = snprintf(J->why, sizeof J->why, "not profitable: gain %u, cost %u of steps", gain, cost);
    stepsummary(J, J->why + n, sizeof J->why - (size_t)n);
    return -1;
  }
  return 0;
}

void jitb_free(JitCtx *J)
{
  free(J->ins);
  free(J->snaps);
  free(J->sents);
  free(J->exits);
  free(J->consts);
  free(J->blocks);
  free(J->blockat);
  free(J->state);
  free(J->inloop);
}

/* -- -j dump ------------------------------------------------------------------------------- */

static const char *tagname(int t)
{
  static const char *const n[] = { "nil", "false", "true", "lud", "int", "flt", "?", "?", "str",
                                   "tab", "lfn", "cfn", "ud", "thr" };
  return t == JT_UNK ? "any" : (t >= 0 && t < (int)(sizeof n / sizeof n[0])) ? n[t] : "?";
}

void jitb_dump(JitCtx *J, FILE *out)
{
  static const char *const tyn[] = { "", "int", "flt", "ptr", "tag" };
  for (int blk = 0; blk < J->nblocks; blk++) {
    IRBlock *bl = &J->blocks[blk];
    if (!bl->reached)
      continue;
    fprintf(out, "block %d pc %u%s:", blk, bl->pc, bl->entry ? " (entry)" : "");
    const uint8_t *st = bstate(J, blk);
    for (int s = 0; s < J->nslots; s++)
      if (st[s] != JT_UNK && st[s] != JT_BOT)
        fprintf(out, " r%d:%s", s, tagname(st[s]));
    fputc('\n', out);
    for (uint32_t r = bl->first; r < bl->first + bl->n; r++) {
      IRIns *x = &J->ins[r];
      if (x->op == IR_NOP)
        continue;
      fprintf(out, "  %04u %-3s %-7s", r, tyn[x->type], jit_irnames[x->op]);
      if (x->a) fprintf(out, " %04u", x->a);
      if (x->b) fprintf(out, " %04u", x->b);
      if (x->op == IR_KFLT) {
        double d;
        memcpy(&d, &x->k, 8);
        fprintf(out, " %.17g", d);
      } else if (x->aux || x->k) {
        fprintf(out, " aux=%d k=%lld", x->aux, (long long)x->k);
      }
      if (x->snap && x->op != IR_VSTORE && x->op != IR_BARRIER) {
        IRSnap *sn = &J->snaps[x->snap];
        JitExit *ex = &J->exits[sn->exitno];
        fprintf(out, "  -> exit %u pc %u %s {", sn->exitno, ex->pc, ex->kind == JX_STEP ? "step" : "deopt");
        for (uint32_t e = 0; e < sn->n; e++) {
          IRSnapEnt *se = &J->sents[sn->first + e];
          fprintf(out, "%s r%d=%04u:%s", e ? "," : "", se->slot, se->ref,
                  se->tag == JT_UNK ? "dyn" : tagname(se->tag));
        }
        fputs(" }", out);
      }
      fputc('\n', out);
    }
  }
}

/* jit_asm.c: IR to x86-64 machine code, with a local register allocator.
 *
 * The frame of compiled code (JitCodeFn(base, target)):
 *
 *   [ return address ]
 *   [ rbx rbp r12 r13 r14 r15 ]   saved by the shared prologue at code offset 0
 *   [ pad 8 ]
 *   [ spill slots 0..JA_NSPILL-1 ] <- rsp  (8 bytes each, [rsp + 8*i])
 *
 *   r12 = base (the frame's stack slots, slot s at [r12 + 16*s], its tag at +8), rbx = the
 *   State; r11 and xmm15 are scratch for the assembler; every other register is allocatable.
 *
 * Code layout: prologue (push, sub rsp, mov r12 <- rdi, jmp rsi), epilogue (eax = exit
 * number already set; add rsp, pop, ret), the blocks in pc order, then the exit stubs, then
 * the entry checks. A guard is a jcc to its stub; a stub stores the snapshot's values into
 * their slots, sets eax and jumps to the epilogue.
 *
 * Register allocation is per block, in one forward pass: values die at their last use in
 * the block (snapshots count as uses at their guard); when registers run out, the value used
 * farthest ahead is spilled. Constants get a register only when an instruction needs one.
 */
#include <stdlib.h>
#include <string.h>
#include "jit.h"
#include "jit_ir.h"
#include "obj.h"
#include "state.h"
#include "prof.h"
#include "bc.h"
#include "gc.h"

#define JA_NSPILL 32
#define R_BASE X_R12
#define R_L    X_RBX
#define R_TMP  X_R11
#define F_TMP  15
#define NREG   32          /* 0..15 general, 16..31 xmm */

static const uint8_t gpregs[] = { X_RAX, X_RCX, X_RDX, X_RSI, X_RDI, X_R8, X_R9, X_R10,
                                  X_RBP, X_R13, X_R14, X_R15 };

typedef struct Loc { int8_t kind, reg; int16_t spill; } Loc;   /* kind: 0 none, 1 reg, 2 spill, 3 const */

typedef struct Stub {
  size_t jcc;             /* rel32 to patch, or (size_t)-1 */
  uint16_t snap;
  uint32_t locfirst;      /* locations of the snapshot's entries, in locs[] */
} Stub;

typedef struct A {
  JitCtx *J;
  XBuf *b;
  int nslots;             /* slot-table entries */
  int8_t *reg;            /* per ref: register, or -1 */
  int16_t *spill;         /* per ref: spill slot, or -1 */
  uint32_t *last;         /* per ref: position of last use in its block */
  IRRef regref[NREG];
  int nspill;
  size_t *blabel;         /* per block: code offset (or -1) */
  size_t *bfix; uint32_t nfix, cfix;   /* jumps to blocks: (offset, block) pairs */
  Stub *stubs; uint32_t nstubs, cstubs;
  Loc *locs; uint32_t nlocs, clocs;
  size_t epilogue;
  uint32_t used;          /* registers that held a value (callee-saved ones need saving) */
  uint32_t cur;           /* position (ref) of the instruction being assembled */
  int fail;
} A;

static int isfp(A *a, IRRef r) { return a->J->ins[r].type == IRT_FLT; }
static int isconst(A *a, IRRef r) { int op = a->J->ins[r].op; return op == IR_KINT || op == IR_KFLT || op == IR_KSLOT; }

/* Grow one of the assembler's arrays, or fail the assembly. */
#define GROWA(a, arr, cap, need) \
  do { if (!jit_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))) (a)->fail = 1; } while (0)

/* -- Operands -------------------------------------------------------------------------------- */

static XMem slotmem(int s, int tag) { return x_mem(R_BASE, 16 * s + (tag ? 8 : 0)); }
static XMem spillmem(int i) { return x_mem(X_RSP, 8 * i); }
static XMem constslot(A *a, int idx) { return x_rip(-8 * (a->nslots - idx)); }

static int fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static void freereg(A *a, int r)
{
  if (r >= 0) {
    IRRef ref = a->regref[r];
    if (ref)
      a->reg[ref] = -1;
    a->regref[r] = 0;
  }
}

/* Spill whatever is in register r (it stays recoverable from its spill slot). */
static void evict(A *a, int r)
{
  IRRef ref = a->regref[r];
  if (!ref)
    return;
  if (!isconst(a, ref) && a->spill[ref] < 0) {
    if (a->nspill >= JA_NSPILL) {
      a->fail = 1;
      return;
    }
    a->spill[ref] = (int16_t)a->nspill++;
    if (r >= 16)
      x_movsd_store(a->b, spillmem(a->spill[ref]), r - 16);
    else
      x_store(a->b, spillmem(a->spill[ref]), r);
  }
  freereg(a, r);
}

/* A free register of the class (fp or not), not in `avoid` (a bit mask); evicts if needed. */
static int allocreg(A *a, int fp, uint32_t avoid)
{
  if (fp) {
    for (int x = 0; x < 15; x++)
      if (!a->regref[16 + x] && !(avoid & (1u << (16 + x))))
        return 16 + x;
  } else {
    for (size_t i = 0; i < sizeof gpregs; i++)
      if (!a->regref[gpregs[i]] && !(avoid & (1u << gpregs[i])))
        return gpregs[i];
  }
  /* Evict the value whose last use is farthest. */
  int best = -1;
  uint32_t far = 0;
  for (int r = fp ? 16 : 0; r < (fp ? 31 : 16); r++) {
    if (!a->regref[r] || (avoid & (1u << r)) || r == R_TMP || r == R_BASE || r == X_RSP)
      continue;
    uint32_t l = a->last[a->regref[r]];
    if (best < 0 || l > far)
      best = r, far = l;
  }
  if (best < 0) {
    a->fail = 1;
    return fp ? 16 : X_RAX;
  }
  evict(a, best);
  return best;
}

static void bind(A *a, IRRef ref, int r)
{
  a->used |= 1u << r;
  a->regref[r] = ref;
  a->reg[ref] = (int8_t)r;
}

/* Materialize a constant into register r. */
static void loadconst(A *a, IRRef ref, int r)
{
  IRIns *x = &a->J->ins[ref];
  if (x->op == IR_KSLOT) {
    x_load(a->b, r, constslot(a, x->aux));
  } else if (r >= 16) {
    if (x->k == 0) {
      x_xorpd(a->b, r - 16, r - 16);
    } else {
      x_mov_ri(a->b, R_TMP, x->k);
      x_movq_xr(a->b, r - 16, R_TMP);
    }
  } else {
    x_mov_ri(a->b, r, x->k);
  }
}

/* ref in a register (loading a constant or reloading a spilled value); avoid as allocreg. */
static int use(A *a, IRRef ref, uint32_t avoid)
{
  if (a->reg[ref] >= 0)
    return a->reg[ref];
  int r = allocreg(a, isfp(a, ref), avoid);
  if (isconst(a, ref))
    loadconst(a, ref, r);
  else if (a->spill[ref] >= 0) {
    if (r >= 16)
      x_movsd_load(a->b, r - 16, spillmem(a->spill[ref]));
    else
      x_load(a->b, r, spillmem(a->spill[ref]));
  } else {
    a->fail = 1;   /* a value used before it was defined: a builder bug */
  }
  bind(a, ref, r);
  return r;
}

static uint32_t bit(int r) { return r >= 0 ? 1u << r : 0; }

/* Release operands whose last use is the current instruction. */
static void release(A *a, IRRef r)
{
  if (r && a->last[r] <= a->cur && a->reg[r] >= 0)
    freereg(a, a->reg[r]);
}

/* Destination register for an instruction whose first operand is `src` (two-address forms):
 * src's own register when src dies here, else a new one holding a copy. */
static int dst2(A *a, IRRef src, uint32_t avoid)
{
  int fp = isfp(a, src);
  int rs = use(a, src, avoid);
  if (a->last[src] <= a->cur && !isconst(a, src)) {
    freereg(a, rs);
    return rs;
  }
  int d = allocreg(a, fp, avoid | bit(rs));
  if (fp)
    x_movapd(a->b, d - 16, rs - 16);
  else
    x_mov_rr(a->b, d, rs);
  return d;
}

/* Integer constant operand usable as an immediate. */
static int immop(A *a, IRRef r, int32_t *imm)
{
  IRIns *x = &a->J->ins[r];
  if (x->op == IR_KINT && fits32(x->k)) {
    *imm = (int32_t)x->k;
    return 1;
  }
  return 0;
}

/* -- Exits ---------------------------------------------------------------------------------- */

/* Record where each snapshot value is now, for a stub emitted later. */
static void addstub(A *a, size_t jcc, uint16_t snap)
{
  JitCtx *J = a->J;
  IRSnap *s = &J->snaps[snap];
  GROWA(a, a->stubs, a->cstubs, a->nstubs + 1);
  GROWA(a, a->locs, a->clocs, a->nlocs + 2 * s->n);
  if (a->fail)
    return;
  Stub *st = &a->stubs[a->nstubs++];
  st->jcc = jcc;
  st->snap = snap;
  st->locfirst = a->nlocs;
  for (uint32_t e = 0; e < s->n; e++) {
    IRSnapEnt *se = &J->sents[s->first + e];
    IRRef refs[2] = { se->ref, se->tref };
    for (int k = 0; k < 2; k++) {
      Loc *l = &a->locs[a->nlocs++];
      IRRef r = refs[k];
      l->kind = 0;
      if (!r)
        continue;
      if (a->reg[r] >= 0)
        l->kind = 1, l->reg = a->reg[r];
      else if (isconst(a, r))
        l->kind = 3;
      else if (a->spill[r] >= 0)
        l->kind = 2, l->spill = a->spill[r];
      else
        a->fail = 1;
    }
  }
}

static void stubbody(A *a, Stub *st)
{
  JitCtx *J = a->J;
  IRSnap *s = &J->snaps[st->snap];
  for (uint32_t e = 0; e < s->n; e++) {
    IRSnapEnt *se = &J->sents[s->first + e];
    Loc *lv = &a->locs[st->locfirst + 2 * e], *lt = lv + 1;
    XMem m = slotmem(se->slot, 0);
    if (se->ref) {
      switch (lv->kind) {
      case 1:
        if (lv->reg >= 16) x_movsd_store(a->b, m, lv->reg - 16);
        else x_store(a->b, m, lv->reg);
        break;
      case 2:
        x_load(a->b, R_TMP, spillmem(lv->spill));
        x_store(a->b, m, R_TMP);
        break;
      case 3: {
        IRIns *k = &J->ins[se->ref];
        if (k->op == IR_KSLOT) x_load(a->b, R_TMP, constslot(a, k->aux));
        else x_mov_ri(a->b, R_TMP, k->k);
        x_store(a->b, m, R_TMP);
        break;
      }
      }
    }
    if (se->tag != JT_UNK) {
      if (!se->pad)
        x_store_i8(a->b, slotmem(se->slot, 1), se->tag);
    } else if (lt->kind == 1) {
      x_store8(a->b, slotmem(se->slot, 1), lt->reg);
    } else if (lt->kind == 2) {
      x_load(a->b, R_TMP, spillmem(lt->spill));
      x_store8(a->b, slotmem(se->slot, 1), R_TMP);
    }
  }
  x_mov_ri(a->b, X_RAX, J->snaps[st->snap].exitno);
  x_jmp_to(a->b, a->epilogue);
}

/* A guard: jcc (cc true means "leave") to a stub. */
static void guardjump(A *a, XCond leave, uint16_t snap)
{
  size_t at = x_jcc(a->b, leave);
  addstub(a, at, snap);
}

/* -- Instructions --------------------------------------------------------------------------- */

static void jumpblock(A *a, int blk, XCond cc, int uncond)
{
  size_t at = uncond ? x_jmp(a->b) : x_jcc(a->b, cc);
  GROWA(a, a->bfix, a->cfix, a->nfix + 2);
  if (a->fail)
    return;
  a->bfix[a->nfix++] = at;
  a->bfix[a->nfix++] = (size_t)blk;
}

/* Compare a with b (ints; b may be an immediate or a slot-table constant). */
static void cmpint(A *a, IRRef x, IRRef y, int64_t k)
{
  int rx = use(a, x, 0);
  int32_t imm;
  if (!y) {
    x_alu_ri(a->b, XA_CMP, rx, (int32_t)k);
  } else if (immop(a, y, &imm)) {
    x_alu_ri(a->b, XA_CMP, rx, imm);
  } else if (a->J->ins[y].op == IR_KSLOT && a->reg[y] < 0) {
    x_alu_rm(a->b, XA_CMP, rx, constslot(a, a->J->ins[y].aux));
  } else {
    int ry = use(a, y, bit(rx));
    x_alu_rr(a->b, XA_CMP, rx, ry);
  }
}

/* Float compare setting flags so that the XCond returned means (x cc y): L and LE compare
 * the other way round (ucomisd sets "below" for unordered too, "above" never does). */
static int cmpflt(A *a, IRRef x, IRRef y, int cc)
{
  int rx = use(a, x, 0), ry = use(a, y, bit(rx));
  if (cc == XC_E) {
    x_ucomisd(a->b, rx - 16, ry - 16);
    return XC_E;
  }
  x_ucomisd(a->b, ry - 16, rx - 16);
  return cc == XC_L ? XC_A : XC_AE;
}

/* Jump to `target` (a block, or a stub when blk < 0) when ((x cc y) xor neg). */
static void fjump(A *a, int cc, int neg, int blk, uint16_t snap)
{
#define J_(c) do { if (blk >= 0) jumpblock(a, blk, (c), 0); else guardjump(a, (c), snap); } while (0)
  if (cc == XC_E) {
    if (!neg) {
      size_t skip = x_jcc(a->b, XC_P);
      J_(XC_E);
      x_patch(a->b, skip, a->b->n);
    } else {
      J_(XC_P);
      J_(XC_NE);
    }
  } else {
    J_(neg ? x_negcond((XCond)cc) : (XCond)cc);
  }
#undef J_
}

static void arith2(A *a, IRIns *x, IRRef ref)
{
  int fp = x->type == IRT_FLT;
  int32_t imm;
  if (fp) {
    int ry = x->b ? use(a, x->b, 0) : -1;
    int d = dst2(a, x->a, bit(ry));
    XFop f = x->op == IR_FADD ? XF_ADD : x->op == IR_FSUB ? XF_SUB : x->op == IR_FMUL ? XF_MUL : XF_DIV;
    if (x->b == x->a)
      ry = d;
    x_fop_rr(a->b, f, d - 16, ry - 16);
    release(a, x->b);
    bind(a, ref, d);
    return;
  }
  XAlu op = x->op == IR_ADD ? XA_ADD : x->op == IR_SUB ? XA_SUB : x->op == IR_BAND ? XA_AND :
            x->op == IR_BOR ? XA_OR : XA_XOR;
  if (x->op != IR_MUL && immop(a, x->b, &imm)) {
    int d = dst2(a, x->a, 0);
    x_alu_ri(a->b, op, d, imm);
    bind(a, ref, d);
    return;
  }
  if (x->op == IR_MUL && immop(a, x->b, &imm)) {
    int rs = use(a, x->a, 0);
    release(a, x->a);
    int d = allocreg(a, 0, 0);
    x_imul_rri(a->b, d, rs, imm);
    bind(a, ref, d);
    return;
  }
  int ry = use(a, x->b, 0);
  int d = dst2(a, x->a, bit(ry));
  if (x->b == x->a)
    ry = d;
  if (x->op == IR_MUL)
    x_imul_rr(a->b, d, ry);
  else
    x_alu_rr(a->b, op, d, ry);
  release(a, x->b);
  bind(a, ref, d);
}

/* Floor division / modulo by a constant k (not 0, not -1) through idiv. */
static void divk(A *a, IRIns *x, IRRef ref)
{
  int64_t k = x->k;
  if (x->op == IR_IMODK && k > 0 && (k & (k - 1)) == 0) {
    int d = dst2(a, x->a, 0);
    if (fits32(k - 1)) {
      x_alu_ri(a->b, XA_AND, d, (int32_t)(k - 1));
    } else {
      x_mov_ri(a->b, R_TMP, k - 1);
      x_alu_rr(a->b, XA_AND, d, R_TMP);
    }
    bind(a, ref, d);
    return;
  }
  int rs = use(a, x->a, bit(X_RAX) | bit(X_RDX));
  x_mov_rr(a->b, R_TMP, rs);
  release(a, x->a);
  evict(a, X_RAX);
  evict(a, X_RDX);
  x_mov_rr(a->b, X_RAX, R_TMP);
  x_cqo(a->b);
  x_mov_ri(a->b, R_TMP, k);
  x_idiv(a->b, R_TMP);
  /* Truncated -> floor: a nonzero remainder whose sign differs from k's. */
  x_test_rr(a->b, X_RDX, X_RDX);
  size_t skip = x_jcc(a->b, k > 0 ? XC_GE : XC_LE);
  if (x->op == IR_IMODK)
    x_alu_rr(a->b, XA_ADD, X_RDX, R_TMP);
  else
    x_alu_ri(a->b, XA_SUB, X_RAX, 1);
  x_patch(a->b, skip, a->b->n);
  bind(a, ref, x->op == IR_IMODK ? X_RDX : X_RAX);
}

static void storeslot(A *a, IRIns *x)
{
  XMem m = slotmem(x->aux, 0);
  if (x->a) {
    int32_t imm;
    IRIns *v = &a->J->ins[x->a];
    if (a->reg[x->a] < 0 && v->op == IR_KINT && immop(a, x->a, &imm)) {
      x_store_i64(a->b, m, imm);
    } else if (a->reg[x->a] < 0 && v->op == IR_KFLT) {
      x_mov_ri(a->b, R_TMP, v->k);
      x_store(a->b, m, R_TMP);
    } else {
      int r = use(a, x->a, 0);
      if (r >= 16) x_movsd_store(a->b, m, r - 16);
      else x_store(a->b, m, r);
    }
  }
  if (x->b) {
    x_store8(a->b, slotmem(x->aux, 1), use(a, x->b, 0));
  } else if (x->k >= 0) {
    x_store_i8(a->b, slotmem(x->aux, 1), (uint8_t)x->k);
  }
  release(a, x->a);
  release(a, x->b);
}

static void vstore(A *a, IRIns *x)
{
  int rp = use(a, x->a, 0);
  XMem m = x_mem(rp, x->aux);
  XMem mt = x_mem(rp, x->aux + 8);
  if (x->b) {
    int r = use(a, x->b, bit(rp));
    if (r >= 16) x_movsd_store(a->b, m, r - 16);
    else x_store(a->b, m, r);
  }
  if (x->k & 0x100)
    x_store8(a->b, mt, use(a, x->snap, bit(rp)));
  else
    x_store_i8(a->b, mt, (uint8_t)x->k);
  release(a, x->a);
  release(a, x->b);
  if (x->k & 0x100)
    release(a, x->snap);
}

/* base := L->ci->func + 1 (after anything that may have moved the stack). */
static void reloadbase(A *a)
{
  x_load(a->b, X_RAX, x_mem(R_L, offsetof(State, ci)));
  x_load(a->b, X_RAX, x_mem(X_RAX, offsetof(CallInfo, func)));
  x_lea(a->b, R_BASE, x_mem(X_RAX, (int32_t)sizeof(TValue)));
}

/* CALL A B C of a compiled Lua function P (slot-table entry of KSLOT x->a) straight from
 * machine code: the checks, the frame as the interpreter's CALL sets it up, a call of P's
 * code at its entry. A return comes back as JIT_EXIT_RETURNED with the frame popped; any
 * other exit goes to jit_h_callexit, which has the interpreter finish the callee. When a
 * check fails, this falls through to the general path (jit_h_step) that follows. */
static void calldirect(A *a, IRIns *x)
{
  JitCtx *J = a->J;
  XBuf *b = a->b;
  Instr i = J->p->code[x->aux];
  int ra = GET_A(i), nargs = GET_B(i) - 1, nres = GET_C(i) - 1;
  Proto *np = (Proto *)J->consts[J->ins[x->a].aux];
  XMem pslot = constslot(a, J->ins[x->a].aux);
  size_t slow[8];
  int ns = 0;
  /* R[A] is a closure of P, P has code with an entry at 0, and there is room. */
  x_alu_mi(b, XA_CMP, slotmem(ra, 1), TAG_LFN, 1);
  slow[ns++] = x_jcc(b, XC_NE);
  x_load(b, X_RAX, slotmem(ra, 0));
  x_load(b, X_RAX, x_mem(X_RAX, offsetof(LClosure, p)));
  x_alu_rm(b, XA_CMP, X_RAX, pslot);
  slow[ns++] = x_jcc(b, XC_NE);
  a->used |= 1u << X_R13;
  x_load(b, X_R13, x_mem(X_RAX, offsetof(Proto, jit)));
  x_test_rr(b, X_R13, X_R13);
  slow[ns++] = x_jcc(b, XC_E);
  x_load(b, X_RCX, x_mem(X_R13, offsetof(JitFn, entry)));
  x_load32(b, X_RCX, x_mem(X_RCX, 0));
  x_test_rr(b, X_RCX, X_RCX);
  slow[ns++] = x_jcc(b, XC_E);
  x_alu_rm(b, XA_CMP, X_RSP, x_mem(R_L, offsetof(State, jitclimit)));
  slow[ns++] = x_jcc(b, XC_B);
  int32_t topoff = 16 * (ra + 1 + np->maxstack);
  x_lea(b, X_RDX, x_mem(R_BASE, topoff));
  x_alu_rm(b, XA_CMP, X_RDX, x_mem(R_L, offsetof(State, stack_last)));
  slow[ns++] = x_jcc(b, XC_AE);
  x_load(b, X_RSI, x_mem(R_L, offsetof(State, ci)));
  x_load(b, X_RDI, x_mem(X_RSI, offsetof(CallInfo, next)));
  x_test_rr(b, X_RDI, X_RDI);
  slow[ns++] = x_jcc(b, XC_E);
  /* The caller's savedpc (tracebacks), then the new frame. */
  x_load(b, X_R8, x_mem(R_BASE, -16));
  x_load(b, X_R8, x_mem(X_R8, offsetof(LClosure, p)));
  x_load(b, X_R8, x_mem(X_R8, offsetof(Proto, code)));
  x_lea(b, X_R8, x_mem(X_R8, 4 * (x->aux + 1)));
  x_store(b, x_mem(X_RSI, offsetof(CallInfo, savedpc)), X_R8);
  x_lea(b, X_R8, slotmem(ra, 0));
  x_store(b, x_mem(X_RDI, offsetof(CallInfo, func)), X_R8);
  x_store(b, x_mem(X_RDI, offsetof(CallInfo, top)), X_RDX);
  x_store_i32(b, x_mem(X_RDI, offsetof(CallInfo, nresults)), nres);
  x_store_i8(b, x_mem(X_RDI, offsetof(CallInfo, status)), CIST_LUA);
  x_store_i8(b, x_mem(X_RDI, offsetof(CallInfo, status) + 1), 0);
  x_store_i32(b, x_mem(X_RDI, offsetof(CallInfo, nextra)), 0);
  x_load(b, X_R8, x_mem(X_RAX, offsetof(Proto, code)));
  x_store(b, x_mem(X_RDI, offsetof(CallInfo, savedpc)), X_R8);
  for (int k = nargs; k < np->numparams; k++)
    x_store_i8(b, slotmem(ra + 1 + k, 1), TAG_NIL);
  int top = nargs > np->numparams ? nargs : np->numparams;
  x_lea(b, X_R8, slotmem(ra + 1 + top, 0));
  x_store(b, x_mem(R_L, offsetof(State, top)), X_R8);
  x_store(b, x_mem(R_L, offsetof(State, ci)), X_RDI);
  x_load(b, X_R8, x_mem(X_RAX, offsetof(Proto, prof)));
  x_alu_mi(b, XA_ADD, x_mem(X_R8, offsetof(ProfFn, calls)), 1, 8);
  /* The call: base, entry, L. */
  x_load(b, X_RAX, x_mem(X_R13, offsetof(JitFn, code)));
  x_lea(b, X_RSI, x_memi(X_RAX, X_RCX, 1, -1));
  x_lea(b, X_RDI, slotmem(ra + 1, 0));
  x_mov_rr(b, X_RDX, R_L);
  x_call_r(b, X_RAX);
  x_mov_ri(b, R_TMP, JIT_EXIT_RETURNED);   /* eax, zero-extended */
  x_alu_rr(b, XA_CMP, X_RAX, R_TMP);
  size_t other = x_jcc(b, XC_NE);
  if (nres >= 0) {   /* the caller's top, as after the interpreter's return */
    x_load(b, X_RAX, x_mem(R_L, offsetof(State, ci)));
    x_load(b, X_RAX, x_mem(X_RAX, offsetof(CallInfo, top)));
    x_store(b, x_mem(R_L, offsetof(State, top)), X_RAX);
  }
  size_t hooks[2];
  x_alu_mi(b, XA_CMP, x_mem(R_L, offsetof(State, hookmask)), 0, 4);
  hooks[0] = x_jcc(b, XC_NE);
  reloadbase(a);
  jumpblock(a, (int)x->k, XC_O, 1);
  /* Another exit of the callee: the interpreter finishes it. */
  x_patch(b, other, b->n);
  x_mov_rr(b, X_RDI, R_L);
  x_mov_rr(b, X_RSI, X_R13);
  x_mov_rr32(b, X_RDX, X_RAX);
  x_call_m(b, constslot(a, a->nslots - JSLOT__N + JSLOT_CALLEXIT));
  x_test_rr(b, X_RAX, X_RAX);
  hooks[1] = x_jcc(b, XC_NE);
  reloadbase(a);
  jumpblock(a, (int)x->k, XC_O, 1);
  /* Hooks got turned on: leave, the interpreter goes on at the saved pc. */
  x_patch(b, hooks[0], b->n);
  x_patch(b, hooks[1], b->n);
  x_mov_ri(b, X_RAX, J->snaps[x->b].exitno);
  x_jmp_to(b, a->epilogue);
  for (int k = 0; k < ns; k++)
    x_patch(b, slow[k], b->n);
}

static void asmins(A *a, IRRef ref)
{
  JitCtx *J = a->J;
  IRIns *x = &J->ins[ref];
  int d, r;
  switch (x->op) {
  case IR_NOP: case IR_KINT: case IR_KFLT: case IR_KSLOT:
    break;
  case IR_SLOAD:
    d = allocreg(a, x->type == IRT_FLT, 0);
    if (d >= 16) x_movsd_load(a->b, d - 16, slotmem(x->aux, 0));
    else x_load(a->b, d, slotmem(x->aux, 0));
    bind(a, ref, d);
    break;
  case IR_STAG:
    d = allocreg(a, 0, 0);
    x_load8zx(a->b, d, slotmem(x->aux, 1));
    bind(a, ref, d);
    break;
  case IR_SSTORE:
    storeslot(a, x);
    break;
  case IR_PLOAD: case IR_PLOAD32: case IR_TLOAD: case IR_VLOAD:
    r = use(a, x->a, 0);
    release(a, x->a);
    d = allocreg(a, x->type == IRT_FLT, 0);
    if (x->op == IR_PLOAD) x_load(a->b, d, x_mem(r, x->aux));
    else if (x->op == IR_PLOAD32) x_load32(a->b, d, x_mem(r, x->aux));
    else if (x->op == IR_TLOAD) x_load8zx(a->b, d, x_mem(r, x->aux + 8));
    else if (d >= 16) x_movsd_load(a->b, d - 16, x_mem(r, x->aux));
    else x_load(a->b, d, x_mem(r, x->aux));
    bind(a, ref, d);
    break;
  case IR_VSTORE:
    vstore(a, x);
    break;
  case IR_ADD: case IR_SUB: case IR_MUL: case IR_BAND: case IR_BOR: case IR_BXOR:
  case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV:
    arith2(a, x, ref);
    break;
  case IR_SHLK: case IR_SHRK:
    d = dst2(a, x->a, 0);
    x_shift_ri(a->b, x->op == IR_SHLK ? XS_SHL : XS_SHR, d, (uint8_t)x->k);
    bind(a, ref, d);
    break;
  case IR_NEG: case IR_BNOT:
    d = dst2(a, x->a, 0);
    if (x->op == IR_NEG) x_neg(a->b, d);
    else x_not(a->b, d);
    bind(a, ref, d);
    break;
  case IR_IDIVK: case IR_IMODK:
    divk(a, x, ref);
    break;
  case IR_FNEG:
    d = dst2(a, x->a, 0);
    x_mov_ri(a->b, R_TMP, (int64_t)0x8000000000000000ull);
    x_movq_xr(a->b, F_TMP, R_TMP);
    x_xorpd(a->b, d - 16, F_TMP);
    bind(a, ref, d);
    break;
  case IR_BITSF: case IR_FSQRT:
    /* A new xmm register from a, which dies here at the earliest. */
    r = use(a, x->a, 0);
    release(a, x->a);
    d = allocreg(a, 1, 0);
    if (x->op == IR_BITSF)
      x_movq_xr(a->b, d - 16, r);
    else
      x_fop_rr(a->b, XF_SQRT, d - 16, r - 16);
    bind(a, ref, d);
    break;
  case IR_FABS:
    d = dst2(a, x->a, 0);
    x_movq_rx(a->b, R_TMP, d - 16);
    x_shift_ri(a->b, XS_SHL, R_TMP, 1);
    x_shift_ri(a->b, XS_SHR, R_TMP, 1);
    x_movq_xr(a->b, d - 16, R_TMP);
    bind(a, ref, d);
    break;
  case IR_CONVIF:
    r = use(a, x->a, 0);
    release(a, x->a);
    d = allocreg(a, 1, 0);
    x_xorpd(a->b, d - 16, d - 16);   /* break cvtsi2sd's dependency on the old value */
    x_cvtsi2sd(a->b, d - 16, r);
    bind(a, ref, d);
    break;
  case IR_NOTTAG:
    r = use(a, x->a, 0);
    x_alu_ri(a->b, XA_CMP, r, TAG_FALSE);
    release(a, x->a);
    d = allocreg(a, 0, 0);
    x_setcc(a->b, XC_BE, d);
    x_movzx8(a->b, d, d);
    x_alu_ri(a->b, XA_ADD, d, TAG_FALSE);
    bind(a, ref, d);
    break;
  case IR_GTAG: case IR_GNTAG:
    r = use(a, x->a, 0);
    x_alu_ri(a->b, XA_CMP, r, (int32_t)x->k);
    guardjump(a, x->op == IR_GTAG ? XC_NE : XC_E, x->snap);
    release(a, x->a);
    break;
  case IR_GSTAG:
    x_alu_mi(a->b, XA_CMP, slotmem(x->aux, 1), (int32_t)x->k, 1);
    guardjump(a, XC_NE, x->snap);
    break;
  case IR_GVTAG: case IR_GVNTAG:
    r = use(a, x->a, 0);
    x_alu_mi(a->b, XA_CMP, x_mem(r, x->aux + 8), (int32_t)x->k, 1);
    guardjump(a, x->op == IR_GVTAG ? XC_NE : XC_E, x->snap);
    release(a, x->a);
    break;
  case IR_GCMP:
    cmpint(a, x->a, x->b, x->k);
    guardjump(a, x_negcond((XCond)x->aux), x->snap);
    release(a, x->a);
    release(a, x->b);
    break;
  case IR_GFCMP: {
    int cc = cmpflt(a, x->a, x->b, x->aux & 0xff);
    fjump(a, cc, !(x->aux & 0x100), -1, x->snap);
    release(a, x->a);
    release(a, x->b);
    break;
  }
  case IR_GNEWIDX: {
    /* A nil slot takes the store as the interpreter's fast path does: when the table has no
     * metatable or its metatable is known to lack __newindex (else leave). */
    int rs = use(a, x->a, 0), rt = use(a, x->b, bit(rs));
    x_alu_mi(a->b, XA_CMP, x_mem(rs, x->aux + 8), TAG_NIL, 1);
    size_t set = x_jcc(a->b, XC_NE);
    x_load(a->b, R_TMP, x_mem(rt, offsetof(Table, mt)));
    x_test_rr(a->b, R_TMP, R_TMP);
    size_t nomt = x_jcc(a->b, XC_E);
    x_test_mi8(a->b, x_mem(R_TMP, offsetof(Table, nomm)), 1u << TM_NEWINDEX);
    guardjump(a, XC_E, x->snap);
    x_patch(a->b, nomt, a->b->n);
    if (x->k)
      x_store_i8(a->b, x_mem(rt, offsetof(Table, nomm)), 0);
    x_patch(a->b, set, a->b->n);
    release(a, x->a);
    release(a, x->b);
    break;
  }
  case IR_CALLH: {
    /* A C helper in the middle of a block: values needed after it leave the caller-saved
     * registers for their spill slots first (use() reloads them later). */
    int ra = use(a, x->a, 0);
    static const uint8_t clobbered[] = { X_RAX, X_RCX, X_RDX, X_RSI, X_RDI, X_R8, X_R9, X_R10 };
    for (size_t k = 0; k < sizeof clobbered; k++)
      if (a->regref[clobbered[k]] && !(clobbered[k] == ra && a->last[x->a] <= a->cur))
        evict(a, clobbered[k]);
    for (int r = 16; r < 31; r++)
      evict(a, r);
    if (ra != X_RDI)
      x_mov_rr(a->b, X_RDI, ra);
    release(a, x->a);
    x_call_m(a->b, constslot(a, a->nslots - JSLOT__N + x->aux));
    bind(a, ref, X_RAX);
    break;
  }
  case IR_BARRIER: {
    /* gc_barrierback_ for a table: black table, white collectable value -> linked into
     * grayagain and gray. One push keeps the value's register (a second scratch).
     * Every operand is in a register before the first branch: use() may emit loads. */
    int rt = use(a, x->a, 0);
    int rg = x->k & 0x100 ? use(a, x->snap, bit(rt)) : -1;
    int rv = use(a, x->b, bit(rt) | (rg >= 0 ? bit(rg) : 0));
    x_test_mi8(a->b, x_mem(rt, offsetof(Table, marked)), GC_BLACK);
    size_t notblack = x_jcc(a->b, XC_E), notgc = (size_t)-1;
    if (rg >= 0) {
      x_alu_ri(a->b, XA_CMP, rg, TAG_FIRSTGC);
      notgc = x_jcc(a->b, XC_B);
    }
    x_test_mi8(a->b, x_mem(rv, offsetof(GCObj, marked)), GC_WHITES);
    size_t notwhite = x_jcc(a->b, XC_E);
    x_push(a->b, rv);
    x_load(a->b, R_TMP, x_mem(R_L, offsetof(State, g)));
    x_load(a->b, rv, x_mem(R_TMP, offsetof(Global, gc.grayagain)));
    x_store(a->b, x_mem(rt, offsetof(Table, gclist)), rv);
    x_store(a->b, x_mem(R_TMP, offsetof(Global, gc.grayagain)), rt);
    x_pop(a->b, rv);
    x_alu_mi(a->b, XA_AND, x_mem(rt, offsetof(Table, marked)), (uint8_t)~(GC_WHITES | GC_BLACK), 1);
    x_patch(a->b, notblack, a->b->n);
    if (notgc != (size_t)-1)
      x_patch(a->b, notgc, a->b->n);
    x_patch(a->b, notwhite, a->b->n);
    release(a, x->a);
    release(a, x->b);
    if (x->k & 0x100)
      release(a, x->snap);
    break;
  }
  case IR_GBITS0:
    r = use(a, x->a, 0);
    x_test_mi8(a->b, x_mem(r, x->aux), (uint8_t)x->k);
    guardjump(a, XC_NE, x->snap);
    release(a, x->a);
    break;
  case IR_TOFLT: {
    int rv = use(a, x->a, 0), rt = use(a, x->b, bit(rv));
    d = allocreg(a, 1, bit(rv) | bit(rt));
    x_alu_ri(a->b, XA_CMP, rt, TAG_FLT);
    size_t notf = x_jcc(a->b, XC_NE);
    x_movq_xr(a->b, d - 16, rv);
    size_t done = x_jmp(a->b);
    x_patch(a->b, notf, a->b->n);
    x_alu_ri(a->b, XA_CMP, rt, TAG_INT);
    guardjump(a, XC_NE, x->snap);
    x_xorpd(a->b, d - 16, d - 16);
    x_cvtsi2sd(a->b, d - 16, rv);
    x_patch(a->b, done, a->b->n);
    release(a, x->a);
    release(a, x->b);
    bind(a, ref, d);
    break;
  }
  case IR_SHAPE2: {
    r = use(a, x->a, 0);
    d = allocreg(a, 0, bit(r));
    x_alu_rm(a->b, XA_CMP, r, constslot(a, x->aux));
    size_t other = x_jcc(a->b, XC_NE);
    x_mov_ri(a->b, d, (int32_t)(x->k >> 32));
    size_t done = x_jmp(a->b);
    x_patch(a->b, other, a->b->n);
    x_alu_rm(a->b, XA_CMP, r, constslot(a, J->ins[x->b].aux));
    guardjump(a, XC_NE, x->snap);
    x_mov_ri(a->b, d, (int32_t)(x->k & 0xffffffff));
    x_patch(a->b, done, a->b->n);
    release(a, x->a);
    bind(a, ref, d);
    break;
  }
  case IR_GNUMF: {
    int ra = use(a, x->a, 0), rb = use(a, x->b, bit(ra));
    x_mov_rr(a->b, R_TMP, ra);
    x_alu_rr(a->b, XA_OR, R_TMP, rb);
    x_test_ri(a->b, R_TMP, 1);
    guardjump(a, XC_E, x->snap);
    release(a, x->a);
    release(a, x->b);
    break;
  }
  case IR_GFAIL: {
    size_t at = x_jmp(a->b);
    addstub(a, at, x->snap);
    break;
  }
  case IR_GSTRESS:
    x_load(a->b, R_TMP, constslot(a, a->nslots - JSLOT__N + JSLOT_STRESS));
    x_alu_mi(a->b, XA_SUB, x_mem(R_TMP, 0), 1, 4);
    guardjump(a, XC_E, x->snap);
    break;
  case IR_JMP:
    jumpblock(a, x->aux, XC_O, 1);
    break;
  case IR_BRI: case IR_BRF: case IR_BRTAG: {
    int bt = (int)(x->k >> 32), bf = (int)(x->k & 0xffffffff);
    if (x->op == IR_BRI) {
      cmpint(a, x->a, x->b, 0);
      jumpblock(a, bt, (XCond)x->aux, 0);
    } else if (x->op == IR_BRF) {
      int cc = cmpflt(a, x->a, x->b, x->aux & 0xff);
      fjump(a, cc, (x->aux & 0x100) != 0, bt, 0);
    } else {
      r = use(a, x->a, 0);
      x_alu_ri(a->b, XA_CMP, r, TAG_FALSE);
      jumpblock(a, bt, x->aux ? XC_A : XC_BE, 0);
    }
    jumpblock(a, bf, XC_O, 1);
    break;
  }
  case IR_RET:
    x_mov_rr(a->b, X_RDI, R_L);
    x_lea(a->b, X_RSI, slotmem(x->aux, 0));
    x_mov_ri(a->b, X_RDX, x->k);
    x_call_m(a->b, constslot(a, a->nslots - JSLOT__N + JSLOT_RETURN));
    x_mov_ri(a->b, X_RAX, JIT_EXIT_RETURNED);
    x_jmp_to(a->b, a->epilogue);
    break;
  case IR_CALLJ:
    calldirect(a, x);
    __attribute__((fallthrough));   /* the general path, for when the direct call does not apply */
  case IR_CALLSTEP: {
    /* jit_h_step(L, pc): 0 done (reload base, the stack may have moved), 1 refused, 2 hooks. */
    x_mov_rr(a->b, X_RDI, R_L);
    x_mov_ri(a->b, X_RSI, x->aux);
    x_call_m(a->b, constslot(a, a->nslots - JSLOT__N + JSLOT_STEP));
    x_test_rr(a->b, X_RAX, X_RAX);
    size_t out = x_jcc(a->b, XC_NE);
    reloadbase(a);
    jumpblock(a, (int)x->k, XC_O, 1);
    x_patch(a->b, out, a->b->n);
    x_alu_ri(a->b, XA_CMP, X_RAX, 1);
    x_mov_ri(a->b, X_RAX, J->snaps[x->snap].exitno);
    x_jcc_to(a->b, XC_E, a->epilogue);
    x_mov_ri(a->b, X_RAX, J->snaps[x->b].exitno);
    x_jmp_to(a->b, a->epilogue);
    break;
  }
  case IR_EXIT: {
    Stub st;
    addstub(a, (size_t)-1, x->snap);
    if (!a->fail) {
      st = a->stubs[--a->nstubs];
      stubbody(a, &st);
    }
    break;
  }
  default:
    a->fail = 1;
    break;
  }
}

/* Last uses inside the block [first, first+n). */
static void lastuses(A *a, IRBlock *bl)
{
  JitCtx *J = a->J;
  for (uint32_t r = bl->first; r < bl->first + bl->n; r++) {
    IRIns *x = &J->ins[r];
    IRRef ops[3] = { x->a, x->op == IR_CALLSTEP || x->op == IR_CALLJ || x->op == IR_SHAPE2 ? 0 : x->b, 0 };
    if ((x->op == IR_VSTORE || x->op == IR_BARRIER) && (x->k & 0x100))
      ops[2] = x->snap;
    for (int k = 0; k < 3; k++)
      if (ops[k])
        a->last[ops[k]] = r;
    if (x->snap && x->op != IR_VSTORE && x->op != IR_BARRIER && x->op != IR_CALLSTEP &&
        x->op != IR_CALLJ) {
      IRSnap *s = &J->snaps[x->snap];
      for (uint32_t e = 0; e < s->n; e++) {
        IRSnapEnt *se = &J->sents[s->first + e];
        if (se->ref) a->last[se->ref] = r;
        if (se->tref) a->last[se->tref] = r;
      }
    }
  }
}

static int newexit(JitCtx *J, uint32_t pc, int reason)
{
  if (!jit_grow((void **)&J->exits, &J->cexits, J->nexits + 1, sizeof(JitExit)))
    return -1;
  JitExit *e = &J->exits[J->nexits];
  memset(e, 0, sizeof *e);
  e->pc = pc;
  e->kind = JX_DEOPT;
  e->reason = (uint8_t)reason;
  e->site = (uint16_t)pc;
  return (int)J->nexits++;
}

/* The prologue saves the callee-saved registers in `saved` (a mask), then the spill area,
 * padded so that rsp is 16-byte aligned at the calls compiled code makes. */
static const uint8_t calleesaved[] = { X_RBX, X_RBP, X_R12, X_R13, X_R14, X_R15 };

static int32_t framesize(uint32_t saved)
{
  return 8 * JA_NSPILL + (__builtin_popcount(saved) % 2 == 0 ? 8 : 0);
}

static int assemble(JitCtx *J, XBuf *b, uint32_t *entryoff, uint32_t saved, uint32_t *used)
{
  A aa;
  A *a = &aa;
  memset(a, 0, sizeof aa);
  a->J = J;
  a->b = b;
  a->nslots = (int)J->nconsts + JSLOT__N;
  a->reg = malloc(J->nins);
  a->spill = malloc(J->nins * sizeof(int16_t));
  a->last = calloc(J->nins, sizeof(uint32_t));
  a->blabel = malloc(sizeof(size_t) * (size_t)(J->nblocks + 1));
  if (!a->reg || !a->spill || !a->last || !a->blabel) {
    snprintf(J->why, sizeof J->why, "out of memory");
    goto fail;
  }
  memset(a->reg, -1, J->nins);
  memset(a->spill, -1, J->nins * sizeof(int16_t));

  /* Prologue and epilogue. */
  for (size_t i = 0; i < sizeof calleesaved; i++)
    if (saved & (1u << calleesaved[i]))
      x_push(b, calleesaved[i]);
  x_alu_ri(b, XA_SUB, X_RSP, framesize(saved));
  x_mov_rr(b, R_BASE, X_RDI);
  x_mov_rr(b, R_L, X_RDX);
  x_jmp_r(b, X_RSI);
  x_align(b, 16, 0xcc);
  a->epilogue = b->n;
  x_alu_ri(b, XA_ADD, X_RSP, framesize(saved));
  for (size_t i = sizeof calleesaved; i-- > 0;)
    if (saved & (1u << calleesaved[i]))
      x_pop(b, calleesaved[i]);
  x_ret(b);

  for (int blk = 0; blk < J->nblocks; blk++) {
    IRBlock *bl = &J->blocks[blk];
    a->blabel[blk] = (size_t)-1;
    if (!bl->reached)
      continue;
    x_align(b, 16, 0xcc);
    a->blabel[blk] = b->n;
    memset(a->regref, 0, sizeof a->regref);
    a->nspill = 0;
    lastuses(a, bl);
    for (uint32_t r = bl->first; r < bl->first + bl->n && !a->fail; r++) {
      a->cur = r;
      asmins(a, r);
    }
  }
  /* Stubs, then block fixups. */
  for (uint32_t s = 0; s < a->nstubs && !a->fail; s++) {
    x_patch(b, a->stubs[s].jcc, b->n);
    stubbody(a, &a->stubs[s]);
  }
  for (uint32_t f = 0; f < a->nfix; f += 2) {
    size_t lab = a->blabel[a->bfix[f + 1]];
    if (lab == (size_t)-1)
      a->fail = 1;
    else
      x_patch(b, a->bfix[f], lab);
  }
  /* Entry checks. */
  for (int blk = 0; blk < J->nblocks && !a->fail; blk++) {
    IRBlock *bl = &J->blocks[blk];
    if (!bl->reached || !bl->entry)
      continue;
    entryoff[bl->pc] = (uint32_t)b->n + 1;
    const uint8_t *st = J->state + (size_t)blk * (size_t)J->nslots;
    int ex = -1;
    size_t *fix = NULL;
    int nf = 0;
    for (int s = 0; s < J->nslots; s++) {
      if (st[s] == JT_UNK || st[s] == JT_BOT)
        continue;
      if (ex < 0 && (ex = newexit(J, bl->pc, JR_ENTRY)) < 0) {
        a->fail = 1;
        break;
      }
      x_alu_mi(b, XA_CMP, slotmem(s, 1), st[s], 1);
      size_t *q = realloc(fix, sizeof(size_t) * (size_t)(nf + 1));
      if (!q) { a->fail = 1; break; }
      fix = q;
      fix[nf++] = x_jcc(b, XC_NE);
    }
    x_jmp_to(b, a->blabel[blk]);
    if (nf) {
      for (int f = 0; f < nf; f++)
        x_patch(b, fix[f], b->n);
      x_mov_ri(b, X_RAX, ex);
      x_jmp_to(b, a->epilogue);
    }
    free(fix);
  }
  if (b->oom)
    a->fail = 1;
  if (a->fail && !J->why[0])
    snprintf(J->why, sizeof J->why, "register allocation or encoding failed");
fail:
  *used = a->used;
  free(a->reg);
  free(a->spill);
  free(a->last);
  free(a->blabel);
  free(a->bfix);
  free(a->stubs);
  free(a->locs);
  return a->fail || J->why[0] ? -1 : 0;
}

/* Assemble once saving every callee-saved register, then, if the code used fewer, again
 * with a prologue that saves only those (fewer pushes and pops on every call). */
int jita_assemble(JitCtx *J, XBuf *b, uint32_t *entryoff)
{
  uint32_t all = 0, used = 0, nexits = J->nexits;
  for (size_t i = 0; i < sizeof calleesaved; i++)
    all |= 1u << calleesaved[i];
  size_t start = b->n;
  if (assemble(J, b, entryoff, all, &used) < 0)
    return -1;
  uint32_t need = (used & all) | (1u << R_BASE) | (1u << R_L);
  if (need == all)
    return 0;
  b->n = start;
  J->nexits = nexits;      /* the entry checks' exits are made again */
  return assemble(J, b, entryoff, need, &used);
}

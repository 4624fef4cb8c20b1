/* jit_x86.c: the x86-64 instruction encoder (see jit_x86.h for the contract).
 *
 * Almost every instruction is [mandatory prefix] [REX] opcode ModRM [SIB] [disp] [imm]; one
 * routine, enc(), emits that shape for a register or memory operand, and the emitters below
 * only pick the opcode, the flags and the immediate. Each instruction first reserves X_MAXLEN
 * bytes, so the byte writes after that need no checks.
 */
#include "jit_x86.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define X_MAXLEN 16   /* architectural limit is 15 bytes */

/* enc() flags */
enum {
  F_W = 1,      /* REX.W: 64-bit operand size */
  F_66 = 2,     /* mandatory prefixes, emitted before REX */
  F_F2 = 4,
  F_BREG = 8,   /* the ModRM.reg register is a byte register (spl..dil need a REX) */
  F_BRM = 16,   /* the ModRM.rm register is a byte register */
};

/* -- Buffer ----------------------------------------------------------------------------- */

void x_init(XBuf *b) { memset(b, 0, sizeof *b); }
void x_free(XBuf *b) { free(b->p); memset(b, 0, sizeof *b); }

/* Reserve room for one instruction; 0 (and oom set) when the buffer cannot grow. */
static int room(XBuf *b)
{
  if (b->oom) return 0;
  if (b->cap - b->n >= X_MAXLEN) return 1;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap - b->n < X_MAXLEN) cap *= 2;
  uint8_t *p = realloc(b->p, cap);
  if (!p) { b->oom = 1; return 0; }
  b->p = p;
  b->cap = cap;
  return 1;
}

static void put(XBuf *b, uint8_t v) { b->p[b->n++] = v; }

static void put_le(XBuf *b, uint64_t v, int len)
{
  for (int i = 0; i < len; i++) put(b, (uint8_t)(v >> (8 * i)));
}

/* Opcodes are written as one number, most significant byte first (0x0fb6 = 0F B6). */
static void put_op(XBuf *b, uint32_t op)
{
  if (op > 0xffff) put(b, (uint8_t)(op >> 16));
  if (op > 0xff) put(b, (uint8_t)(op >> 8));
  put(b, (uint8_t)op);
}

void x_byte(XBuf *b, uint8_t v) { if (room(b)) put(b, v); }

void x_align(XBuf *b, int to, uint8_t fill)
{
  while (!b->oom && to > 1 && b->n % (size_t)to) x_byte(b, fill);
}

/* -- The ModRM core ----------------------------------------------------------------------- */

static int fits8(int64_t v) { return v >= -128 && v <= 127; }

static void put_prefix(XBuf *b, unsigned fl)
{
  if (fl & F_66) put(b, 0x66);
  if (fl & F_F2) put(b, 0xf2);
}

/* A REX byte when any bit is set, or when a byte register among spl/bpl/sil/dil is named
 * (without REX those encodings mean ah/ch/dh/bh). */
static void put_rex(XBuf *b, int w, int r, int x, int bb, int force)
{
  int rex = 0x40 | w << 3 | (r >> 3 & 1) << 2 | (x >> 3 & 1) << 1 | (bb >> 3 & 1);
  if (rex != 0x40 || force) put(b, (uint8_t)rex);
}

static int byte_needs_rex(int r) { return r >= 4 && r <= 7; }

/* op reg, r/m where r/m is the register `r` (m == NULL) or the memory operand *m; an
 * immediate of immlen bytes follows. For RIP-relative operands the displacement is taken
 * from the instruction's end, which includes that immediate. */
static void enc(XBuf *b, unsigned fl, uint32_t op, int reg, int r, const XMem *m,
                int64_t imm, int immlen)
{
  if (!room(b)) return;
  reg &= 15;
  put_prefix(b, fl);
  int w = (fl & F_W) != 0;
  int force = (fl & F_BREG) && byte_needs_rex(reg);
  if (!m) {
    force |= (fl & F_BRM) && byte_needs_rex(r);
    put_rex(b, w, reg, 0, r, force);
    put_op(b, op);
    put(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (r & 7)));
  } else if (m->base == X_RIP) {
    assert(m->index == X_NOREG);
    put_rex(b, w, reg, 0, 0, force);
    put_op(b, op);
    put(b, (uint8_t)((reg & 7) << 3 | 5));
    int64_t end = (int64_t)b->n + 4 + immlen;
    put_le(b, (uint64_t)((int64_t)m->disp - end), 4);
  } else {
    int base = m->base, idx = m->index, d = m->disp;
    assert(idx != X_RSP);
    put_rex(b, w, reg, idx < 0 ? 0 : idx, base < 0 ? 0 : base, force);
    put_op(b, op);
    /* mod 00 with base 101 means "no base, disp32", so rbp/r13 take a disp8 of 0. */
    int mod = base < 0 ? 0 : (d == 0 && (base & 7) != 5) ? 0 : fits8(d) ? 1 : 2;
    if (idx < 0 && base >= 0 && (base & 7) != 4) {
      put(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
    } else {
      /* SIB: rsp/r12 as base always need one; index 100 means none. */
      int ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
      put(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
      put(b, (uint8_t)(ss << 6 | (idx < 0 ? 4 : idx & 7) << 3 | (base < 0 ? 5 : base & 7)));
    }
    if (mod == 1) put(b, (uint8_t)d);
    else if (mod == 2 || base < 0) put_le(b, (uint32_t)d, 4);
  }
  put_le(b, (uint64_t)imm, immlen);
}

static void op_rr(XBuf *b, unsigned fl, uint32_t op, int reg, int r)
{ enc(b, fl, op, reg, r, NULL, 0, 0); }
static void op_rm(XBuf *b, unsigned fl, uint32_t op, int reg, XMem m)
{ enc(b, fl, op, reg, 0, &m, 0, 0); }

/* Opcode with the register in its low 3 bits (push, pop, mov r, imm). */
static void oreg(XBuf *b, int w, uint8_t op, int r)
{
  put_rex(b, w, 0, 0, r, 0);
  put(b, (uint8_t)(op + (r & 7)));
}

/* -- Moves ---------------------------------------------------------------------------------- */

void x_mov_rr(XBuf *b, int dst, int src)   { op_rr(b, F_W, 0x89, src, dst); }
void x_mov_rr32(XBuf *b, int dst, int src) { op_rr(b, 0, 0x89, src, dst); }

void x_mov_ri(XBuf *b, int dst, int64_t imm)
{
  if (imm >= 0 && imm <= 0xffffffffLL) {          /* mov r32, imm32 zero-extends */
    if (!room(b)) return;
    oreg(b, 0, 0xb8, dst);
    put_le(b, (uint64_t)imm, 4);
  } else if (imm >= INT32_MIN && imm <= INT32_MAX) {  /* mov r/m64, simm32 */
    enc(b, F_W, 0xc7, 0, dst, NULL, imm, 4);
  } else {                                          /* movabs */
    if (!room(b)) return;
    oreg(b, 1, 0xb8, dst);
    put_le(b, (uint64_t)imm, 8);
  }
}

void x_load(XBuf *b, int dst, XMem m)     { op_rm(b, F_W, 0x8b, dst, m); }
void x_load32(XBuf *b, int dst, XMem m)   { op_rm(b, 0, 0x8b, dst, m); }
void x_load8zx(XBuf *b, int dst, XMem m)  { op_rm(b, 0, 0x0fb6, dst, m); }
void x_store(XBuf *b, XMem m, int src)    { op_rm(b, F_W, 0x89, src, m); }
void x_store32(XBuf *b, XMem m, int src)  { op_rm(b, 0, 0x89, src, m); }
void x_store8(XBuf *b, XMem m, int src)   { op_rm(b, F_BREG, 0x88, src, m); }
void x_store_i8(XBuf *b, XMem m, uint8_t imm)  { enc(b, 0, 0xc6, 0, 0, &m, imm, 1); }
void x_store_i32(XBuf *b, XMem m, int32_t imm) { enc(b, 0, 0xc7, 0, 0, &m, imm, 4); }
void x_store_i64(XBuf *b, XMem m, int32_t imm) { enc(b, F_W, 0xc7, 0, 0, &m, imm, 4); }
void x_lea(XBuf *b, int dst, XMem m)      { op_rm(b, F_W, 0x8d, dst, m); }
void x_cmov(XBuf *b, XCond c, int dst, int src) { op_rr(b, F_W, 0x0f40u + c, dst, src); }

/* -- Integer arithmetic ----------------------------------------------------------------------- */

void x_alu_rr(XBuf *b, XAlu op, int dst, int src)  { op_rr(b, F_W, op * 8u + 1, src, dst); }
void x_alu_rm(XBuf *b, XAlu op, int dst, XMem m)   { op_rm(b, F_W, op * 8u + 3, dst, m); }
void x_alu_mr(XBuf *b, XAlu op, XMem m, int src)   { op_rm(b, F_W, op * 8u + 1, src, m); }

void x_alu_ri(XBuf *b, XAlu op, int dst, int32_t imm)
{
  if (fits8(imm)) enc(b, F_W, 0x83, op, dst, NULL, imm, 1);
  else enc(b, F_W, 0x81, op, dst, NULL, imm, 4);
}

void x_alu_mi(XBuf *b, XAlu op, XMem m, int32_t imm, int size)
{
  if (size == 1) enc(b, 0, 0x80, op, 0, &m, imm, 1);
  else if (fits8(imm)) enc(b, size == 8 ? F_W : 0, 0x83, op, 0, &m, imm, 1);
  else enc(b, size == 8 ? F_W : 0, 0x81, op, 0, &m, imm, 4);
}

void x_test_rr(XBuf *b, int a, int c)         { op_rr(b, F_W, 0x85, c, a); }
void x_test_ri(XBuf *b, int a, int32_t imm)   { enc(b, F_W, 0xf7, 0, a, NULL, imm, 4); }
void x_test_mi8(XBuf *b, XMem m, uint8_t imm) { enc(b, 0, 0xf6, 0, 0, &m, imm, 1); }
void x_imul_rr(XBuf *b, int dst, int src)     { op_rr(b, F_W, 0x0faf, dst, src); }

void x_imul_rri(XBuf *b, int dst, int src, int32_t imm)
{
  if (fits8(imm)) enc(b, F_W, 0x6b, dst, src, NULL, imm, 1);
  else enc(b, F_W, 0x69, dst, src, NULL, imm, 4);
}

void x_neg(XBuf *b, int r) { op_rr(b, F_W, 0xf7, 3, r); }
void x_not(XBuf *b, int r) { op_rr(b, F_W, 0xf7, 2, r); }

void x_shift_ri(XBuf *b, XShift op, int r, uint8_t n)
{
  if (n == 1) op_rr(b, F_W, 0xd1, op, r);
  else enc(b, F_W, 0xc1, op, r, NULL, n, 1);
}

void x_shift_rcl(XBuf *b, XShift op, int r) { op_rr(b, F_W, 0xd3, op, r); }
void x_cqo(XBuf *b) { if (room(b)) { put(b, 0x48); put(b, 0x99); } }
void x_idiv(XBuf *b, int r) { op_rr(b, F_W, 0xf7, 7, r); }
void x_setcc(XBuf *b, XCond c, int r) { op_rr(b, F_BRM, 0x0f90u + c, 0, r); }
void x_movzx8(XBuf *b, int dst, int src) { op_rr(b, F_BRM, 0x0fb6, dst, src); }

/* -- Stack and control ------------------------------------------------------------------------ */

void x_push(XBuf *b, int r) { if (room(b)) oreg(b, 0, 0x50, r); }
void x_pop(XBuf *b, int r)  { if (room(b)) oreg(b, 0, 0x58, r); }
void x_ret(XBuf *b) { x_byte(b, 0xc3); }
void x_call_m(XBuf *b, XMem m) { op_rm(b, 0, 0xff, 2, m); }
void x_call_r(XBuf *b, int r)  { op_rr(b, 0, 0xff, 2, r); }
void x_jmp_r(XBuf *b, int r)   { op_rr(b, 0, 0xff, 4, r); }
void x_jmp_m(XBuf *b, XMem m)  { op_rm(b, 0, 0xff, 4, m); }

/* Opcode then a zero rel32; returns the rel32's offset. */
static size_t branch(XBuf *b, uint32_t op)
{
  if (!room(b)) return b->n;
  put_op(b, op);
  put_le(b, 0, 4);
  return b->n - 4;
}

size_t x_jcc(XBuf *b, XCond c) { return branch(b, 0x0f80u + c); }
size_t x_jmp(XBuf *b)  { return branch(b, 0xe9); }
size_t x_call(XBuf *b) { return branch(b, 0xe8); }
void x_jcc_to(XBuf *b, XCond c, size_t target) { x_patch(b, x_jcc(b, c), target); }
void x_jmp_to(XBuf *b, size_t target)  { x_patch(b, x_jmp(b), target); }
void x_call_to(XBuf *b, size_t target) { x_patch(b, x_call(b), target); }

void x_patch(XBuf *b, size_t at, size_t target)
{
  if (b->oom || at + 4 > b->n) return;
  int64_t rel = (int64_t)target - (int64_t)(at + 4);
  for (int i = 0; i < 4; i++) b->p[at + i] = (uint8_t)((uint64_t)rel >> (8 * i));
}

/* -- Scalar doubles ----------------------------------------------------------------------------- */

void x_movsd_load(XBuf *b, int xd, XMem m)       { op_rm(b, F_F2, 0x0f10, xd, m); }
void x_movsd_store(XBuf *b, XMem m, int xs)      { op_rm(b, F_F2, 0x0f11, xs, m); }
void x_movapd(XBuf *b, int xd, int xs)           { op_rr(b, F_66, 0x0f28, xd, xs); }
void x_fop_rr(XBuf *b, XFop op, int xd, int xs)  { op_rr(b, F_F2, 0x0f00u + op, xd, xs); }
void x_fop_rm(XBuf *b, XFop op, int xd, XMem m)  { op_rm(b, F_F2, 0x0f00u + op, xd, m); }
void x_ucomisd(XBuf *b, int xa, int xb)          { op_rr(b, F_66, 0x0f2e, xa, xb); }
void x_xorpd(XBuf *b, int xd, int xs)            { op_rr(b, F_66, 0x0f57, xd, xs); }
void x_cvtsi2sd(XBuf *b, int xd, int r)          { op_rr(b, F_F2 | F_W, 0x0f2a, xd, r); }
void x_cvttsd2si(XBuf *b, int r, int xs)         { op_rr(b, F_F2 | F_W, 0x0f2c, r, xs); }
void x_movq_xr(XBuf *b, int xd, int r)           { op_rr(b, F_66 | F_W, 0x0f6e, xd, r); }
void x_movq_rx(XBuf *b, int r, int xs)           { op_rr(b, F_66 | F_W, 0x0f7e, xs, r); }

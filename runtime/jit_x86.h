/* jit_x86.h: the x86-64 instruction encoder (bytes only; jit_asm.c chooses instructions).
 *
 * Invariants:
 * - Every emitter appends one instruction to an XBuf; a buffer that fails to grow sets `oom`
 *   and later emitters do nothing, so callers check oom once at the end.
 * - Nothing here embeds an absolute address: memory operands are base + index*scale + disp,
 *   or RIP-relative (base X_RIP) where `disp` names a target as an offset from the start of
 *   the buffer and the encoder turns it into the displacement from the instruction's end.
 *   So a buffer's bytes are position-independent as long as its targets move with it.
 * - Emitters that the register allocator relies on never change flags unless they are
 *   arithmetic: x_mov_ri, x_load*, x_store*, x_lea, x_movsd_* leave RFLAGS alone.
 */
#ifndef JOLT_JIT_X86_H
#define JOLT_JIT_X86_H

#include <stddef.h>
#include <stdint.h>

typedef struct XBuf {
  uint8_t *p;          /* bytes (malloc'd, grows) */
  size_t n, cap;
  int oom;
} XBuf;

/* General registers by their hardware number. */
typedef enum { X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
               X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15, X_RIP = 16 } XReg;
#define X_NOREG (-1)
/* XMM registers are plain ints 0..15. */

/* Condition codes by their hardware number (jcc = 0x70 + cc, setcc/cmovcc likewise). */
typedef enum { XC_O, XC_NO, XC_B, XC_AE, XC_E, XC_NE, XC_BE, XC_A,
               XC_S, XC_NS, XC_P, XC_NP, XC_L, XC_GE, XC_LE, XC_G } XCond;
#define x_negcond(c) ((XCond)((c) ^ 1))

/* Group-1 ALU operations by their /digit. */
typedef enum { XA_ADD = 0, XA_OR = 1, XA_AND = 4, XA_SUB = 5, XA_XOR = 6, XA_CMP = 7 } XAlu;
/* Shift group by their /digit. */
typedef enum { XS_SHL = 4, XS_SHR = 5, XS_SAR = 7 } XShift;
/* Scalar double operations (F2 0F xx). */
typedef enum { XF_SQRT = 0x51, XF_ADD = 0x58, XF_MUL = 0x59, XF_SUB = 0x5c, XF_MIN = 0x5d,
               XF_DIV = 0x5e, XF_MAX = 0x5f } XFop;

/* A memory operand: [base + index*scale + disp]; index X_NOREG for none; base X_RIP for
 * RIP-relative (then index must be X_NOREG and disp is a buffer offset, see above). */
typedef struct XMem { int8_t base, index; uint8_t scale; int32_t disp; } XMem;
static inline XMem x_mem(int base, int32_t disp)
{ XMem m = { (int8_t)base, X_NOREG, 1, disp }; return m; }
static inline XMem x_memi(int base, int index, int scale, int32_t disp)
{ XMem m = { (int8_t)base, (int8_t)index, (uint8_t)scale, disp }; return m; }
static inline XMem x_rip(int32_t bufoff)
{ XMem m = { X_RIP, X_NOREG, 1, bufoff }; return m; }

void x_init(XBuf *b);
void x_free(XBuf *b);
void x_byte(XBuf *b, uint8_t v);                 /* raw byte (padding, int3) */
void x_align(XBuf *b, int to, uint8_t fill);     /* pad with fill until n % to == 0 */

/* -- Moves (64-bit unless named otherwise; none changes flags) -- */
void x_mov_rr(XBuf *b, int dst, int src);
void x_mov_rr32(XBuf *b, int dst, int src);      /* mov r32, r32 (zero-extends) */
void x_mov_ri(XBuf *b, int dst, int64_t imm);    /* shortest of mov r32,imm32 / mov r64,simm32 / movabs */
void x_load(XBuf *b, int dst, XMem m);           /* mov r64, [m] */
void x_load32(XBuf *b, int dst, XMem m);         /* mov r32, [m] (zero-extends) */
void x_load8zx(XBuf *b, int dst, XMem m);        /* movzx r32, byte [m] */
void x_store(XBuf *b, XMem m, int src);          /* mov [m], r64 */
void x_store32(XBuf *b, XMem m, int src);        /* mov [m], r32 */
void x_store8(XBuf *b, XMem m, int src);         /* mov [m], r8 (any register, REX as needed) */
void x_store_i8(XBuf *b, XMem m, uint8_t imm);   /* mov byte [m], imm8 */
void x_store_i32(XBuf *b, XMem m, int32_t imm);  /* mov dword [m], imm32 */
void x_store_i64(XBuf *b, XMem m, int32_t imm);  /* mov qword [m], simm32 */
void x_lea(XBuf *b, int dst, XMem m);            /* lea r64, [m] */
void x_cmov(XBuf *b, XCond c, int dst, int src); /* cmovcc r64, r64 */

/* -- Integer arithmetic (64-bit) -- */
void x_alu_rr(XBuf *b, XAlu op, int dst, int src);        /* op r64, r64 */
void x_alu_ri(XBuf *b, XAlu op, int dst, int32_t imm);    /* op r64, simm (imm8 form when it fits) */
void x_alu_rm(XBuf *b, XAlu op, int dst, XMem m);         /* op r64, [m] */
void x_alu_mr(XBuf *b, XAlu op, XMem m, int src);         /* op [m], r64 */
void x_alu_mi(XBuf *b, XAlu op, XMem m, int32_t imm, int size);  /* op size-byte [m], imm; size 1, 4 or 8 */
void x_test_rr(XBuf *b, int a, int c);                    /* test r64, r64 */
void x_test_ri(XBuf *b, int a, int32_t imm);              /* test r64, simm32 */
void x_test_mi8(XBuf *b, XMem m, uint8_t imm);            /* test byte [m], imm8 */
void x_imul_rr(XBuf *b, int dst, int src);                /* imul r64, r64 */
void x_imul_rri(XBuf *b, int dst, int src, int32_t imm);  /* imul r64, r64, simm */
void x_neg(XBuf *b, int r);
void x_not(XBuf *b, int r);
void x_shift_ri(XBuf *b, XShift op, int r, uint8_t n);    /* shl/shr/sar r64, n */
void x_shift_rcl(XBuf *b, XShift op, int r);              /* shl/shr/sar r64, cl */
void x_cqo(XBuf *b);
void x_idiv(XBuf *b, int r);                              /* idiv r64 (rdx:rax) */
void x_setcc(XBuf *b, XCond c, int r);                    /* setcc r8 (REX for sil/dil/r8b..) */
void x_movzx8(XBuf *b, int dst, int src);                 /* movzx r32, r8 */

/* -- Stack and control -- */
void x_push(XBuf *b, int r);
void x_pop(XBuf *b, int r);
void x_ret(XBuf *b);
void x_call_m(XBuf *b, XMem m);                  /* call qword [m] (RIP-relative slot) */
void x_call_r(XBuf *b, int r);
void x_jmp_r(XBuf *b, int r);
void x_jmp_m(XBuf *b, XMem m);
/* Branches with a 32-bit displacement. A forward branch returns the offset of its rel32
 * field, to be set by x_patch once the target is known; `_to` forms take a known target
 * (a buffer offset, usually backward). */
size_t x_jcc(XBuf *b, XCond c);
size_t x_jmp(XBuf *b);
size_t x_call(XBuf *b);                          /* call rel32 */
void x_jcc_to(XBuf *b, XCond c, size_t target);
void x_jmp_to(XBuf *b, size_t target);
void x_call_to(XBuf *b, size_t target);
void x_patch(XBuf *b, size_t at, size_t target); /* rel32 at `at` := target - (at + 4) */

/* -- Scalar doubles (SSE2) -- */
void x_movsd_load(XBuf *b, int xd, XMem m);      /* movsd xmm, [m] */
void x_movsd_store(XBuf *b, XMem m, int xs);     /* movsd [m], xmm */
void x_movapd(XBuf *b, int xd, int xs);          /* register copy */
void x_fop_rr(XBuf *b, XFop op, int xd, int xs); /* addsd/subsd/mulsd/divsd/sqrtsd/minsd/maxsd xmm, xmm */
void x_fop_rm(XBuf *b, XFop op, int xd, XMem m);
void x_ucomisd(XBuf *b, int xa, int xb);
void x_xorpd(XBuf *b, int xd, int xs);
void x_cvtsi2sd(XBuf *b, int xd, int r);         /* from r64 */
void x_cvttsd2si(XBuf *b, int r, int xs);        /* to r64, truncating */
void x_movq_xr(XBuf *b, int xd, int r);          /* movq xmm, r64 */
void x_movq_rx(XBuf *b, int r, int xs);          /* movq r64, xmm */

#endif

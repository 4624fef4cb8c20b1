/* bc.h: jolt's register bytecode, the contract between the compiler (parse.c), the
 * interpreter (vm.c), the profiler (prof.c) and the JIT.
 *
 * An instruction is 32 bits, opcode in the low byte:
 *
 *    31        24 23        16 15         8 7          0
 *   +------------+------------+------------+------------+
 *   |     C      |     B      |     A      |     op     |   iABC
 *   +------------+------------+------------+------------+
 *   |           Bx (16)       |     A      |     op     |   iABx   sBx = Bx - BX_BIAS
 *   +-------------------------+------------+------------+
 *   |                 sJ (24, biased)      |     op     |   isJ    sJ = J - J_BIAS
 *   +--------------------------------------+------------+
 *   |                 Ax (24)              |     op     |   iAx (EXTRAARG only)
 *   +--------------------------------------+------------+
 *
 * Conventions used in the table below:
 *   R[x]  register x of the current frame (base + x)      K[x]  constant x of the proto
 *   U[x]  upvalue x of the current closure                 P[x]  nested proto x
 *   sB, sC  signed 8-bit immediates: B - 128, C - 128       pc    index of the NEXT instruction
 *   "top" after an instruction that produces a variable number of values (CALL with C=0,
 *   VARARG with C=0) the values end at the frame's top; the next CALL/RETURN/SETLIST with a
 *   count of 0 consumes up to that top.
 *   Conditional tests (EQ..TESTSET) are always followed by a JMP: "pc++" skips that JMP.
 *   Jumps are relative to pc (the instruction after the jump).
 *
 * Every pc is also a profile site: prof.h's site record of instruction pc is proto->prof->site[pc].
 * Keys K[C] of GETFIELD, SETFIELD, SELF, GETTABUP, SETTABUP are always short strings, so those
 * are the sites where the interpreter looks up shapes.
 */
#ifndef JOLT_BC_H
#define JOLT_BC_H

#include <stdint.h>

/* X(name, format, semantics) */
#define BC_LIST(X) \
  X(MOVE,      ABC, "R[A] := R[B]") \
  X(LOADI,     ABx, "R[A] := sBx (integer)") \
  X(LOADK,     ABx, "R[A] := K[Bx]") \
  X(LOADKX,    ABC, "R[A] := K[Ax of the next instruction, an EXTRAARG] (constants past Bx)") \
  X(LOADNIL,   ABC, "R[A], ..., R[A+B] := nil") \
  X(LOADFALSE, ABC, "R[A] := false") \
  X(LOADTRUE,  ABC, "R[A] := true") \
  X(GETUPVAL,  ABC, "R[A] := U[B]") \
  X(SETUPVAL,  ABC, "U[B] := R[A]") \
  X(GETTABUP,  ABC, "R[A] := U[B][K[C]]        (K[C] short string; globals)") \
  X(SETTABUP,  ABC, "U[A][K[B]] := R[C]        (K[B] short string)") \
  X(GETTABLE,  ABC, "R[A] := R[B][R[C]]") \
  X(GETINT,    ABC, "R[A] := R[B][C]           (C an integer 0..255)") \
  X(GETFIELD,  ABC, "R[A] := R[B][K[C]]        (K[C] short string)") \
  X(SETTABLE,  ABC, "R[A][R[B]] := R[C]") \
  X(SETINT,    ABC, "R[A][B] := R[C]           (B an integer 0..255)") \
  X(SETFIELD,  ABC, "R[A][K[B]] := R[C]        (K[B] short string)") \
  X(NEWTABLE,  ABC, "R[A] := {}  (B: array size hint, C: hash size hint; 255 = 255 or more)") \
  X(SELF,      ABC, "R[A+1] := R[B]; R[A] := R[B][K[C]]  (K[C] short string)") \
  X(ADD,       ABC, "R[A] := R[B] + R[C]") \
  X(SUB,       ABC, "R[A] := R[B] - R[C]") \
  X(MUL,       ABC, "R[A] := R[B] * R[C]") \
  X(MOD,       ABC, "R[A] := R[B] % R[C]") \
  X(POW,       ABC, "R[A] := R[B] ^ R[C]") \
  X(DIV,       ABC, "R[A] := R[B] / R[C]") \
  X(IDIV,      ABC, "R[A] := R[B] // R[C]") \
  X(BAND,      ABC, "R[A] := R[B] & R[C]") \
  X(BOR,       ABC, "R[A] := R[B] | R[C]") \
  X(BXOR,      ABC, "R[A] := R[B] ~ R[C]") \
  X(SHL,       ABC, "R[A] := R[B] << R[C]") \
  X(SHR,       ABC, "R[A] := R[B] >> R[C]") \
  X(ADDK,      ABC, "R[A] := R[B] + K[C]       (K[C] a number; same order for all xxK)") \
  X(SUBK,      ABC, "R[A] := R[B] - K[C]") \
  X(MULK,      ABC, "R[A] := R[B] * K[C]") \
  X(MODK,      ABC, "R[A] := R[B] % K[C]") \
  X(POWK,      ABC, "R[A] := R[B] ^ K[C]") \
  X(DIVK,      ABC, "R[A] := R[B] / K[C]") \
  X(IDIVK,     ABC, "R[A] := R[B] // K[C]") \
  X(BANDK,     ABC, "R[A] := R[B] & K[C]       (K[C] an integer)") \
  X(BORK,      ABC, "R[A] := R[B] | K[C]") \
  X(BXORK,     ABC, "R[A] := R[B] ~ K[C]") \
  X(ADDI,      ABC, "R[A] := R[B] + sC") \
  X(SHLI,      ABC, "R[A] := R[B] << sC") \
  X(SHRI,      ABC, "R[A] := R[B] >> sC") \
  X(UNM,       ABC, "R[A] := -R[B]") \
  X(BNOT,      ABC, "R[A] := ~R[B]") \
  X(NOT,       ABC, "R[A] := not R[B]") \
  X(LEN,       ABC, "R[A] := #R[B]") \
  X(CONCAT,    ABC, "R[A] := R[A] .. ... .. R[A+B-1]   (B >= 2; clobbers R[A+1..])") \
  X(CLOSE,     ABC, "close upvalues and call __close of to-be-closed variables >= R[A]") \
  X(TBC,       ABC, "mark R[A] as a to-be-closed variable (error if no __close and not false/nil)") \
  X(JMP,       isJ, "pc += sJ") \
  X(EQ,        ABC, "if ((R[A] == R[B]) ~= C) then pc++") \
  X(LT,        ABC, "if ((R[A] <  R[B]) ~= C) then pc++") \
  X(LE,        ABC, "if ((R[A] <= R[B]) ~= C) then pc++") \
  X(EQK,       ABC, "if ((R[A] == K[B]) ~= C) then pc++") \
  X(EQI,       ABC, "if ((R[A] == sB) ~= C) then pc++") \
  X(LTI,       ABC, "if ((R[A] <  sB) ~= C) then pc++") \
  X(LEI,       ABC, "if ((R[A] <= sB) ~= C) then pc++") \
  X(GTI,       ABC, "if ((R[A] >  sB) ~= C) then pc++") \
  X(GEI,       ABC, "if ((R[A] >= sB) ~= C) then pc++") \
  X(TEST,      ABC, "if (truthy(R[A]) ~= C) then pc++") \
  X(TESTSET,   ABC, "if (truthy(R[B]) ~= C) then pc++ else R[A] := R[B]") \
  X(CALL,      ABC, "R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1])  (B=0: to top; C=0: multret)") \
  X(TAILCALL,  ABC, "return R[A](R[A+1], ..., R[A+B-1])                 (B=0: to top)" \
                    " (closes upvalues first; never emitted while a tbc variable is active;" \
                    " the compiler follows it with RETURN A 0, which a full TAILCALL never reaches)") \
  X(RETURN,    ABC, "return R[A], ..., R[A+B-2]  (B=0: to top; closes upvalues and tbc variables)") \
  X(RETURN0,   ABC, "return (nothing to close)") /* vm: may also appear in vararg functions; the VM restores the frame */ \
  X(RETURN1,   ABC, "return R[A] (nothing to close)") /* vm: may also appear in vararg functions; the VM restores the frame */ \
  X(FORPREP,   ABx, "numeric for: R[A] init, R[A+1] limit, R[A+2] step, R[A+3] control; " \
                    "check and prepare; if the loop runs 0 times pc += Bx") /* vm: lands after the FORLOOP */ \
  X(FORLOOP,   ABx, "numeric for: step; if the loop goes on, R[A+3] := next value, pc -= Bx") /* vm: lands on the first body instruction */ \
  X(TFORPREP,  ABx, "generic for: R[A] f, R[A+1] s, R[A+2] control, R[A+3] closing value " \
                    "(marked to-be-closed if not nil); pc += Bx") \
  X(TFORCALL,  ABC, "R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])   (always followed by TFORLOOP)") \
  X(TFORLOOP,  ABx, "if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }") /* vm: A is the same base as TFORPREP/TFORCALL */ \
  X(SETLIST,   ABC, "R[A][C+i] := R[A+i], 1 <= i <= B  (B=0: to top; C=255: offset in next EXTRAARG)") /* vm: with C=255 the offset is the EXTRAARG Ax itself */ \
  X(CLOSURE,   ABx, "R[A] := closure(P[Bx])") \
  X(VARARG,    ABC, "R[A], ..., R[A+C-2] := vararg   (C=0: all of them, to top)") \
  X(VARARGPREP,ABC, "first instruction of a vararg function; A = number of fixed parameters") /* vm: A equals the proto numparams */ \
  X(EXTRAARG,  iAx, "argument of the previous instruction")

typedef enum {
#define X(name, fmt, doc) OP_##name,
  BC_LIST(X)
#undef X
  OP__N
} OpCode;

extern const char *const bc_opnames[OP__N];

#define BX_BIAS  32767
#define J_BIAS   ((1 << 23) - 1)
#define SC_BIAS  128
#define MAXARG_A  255
#define MAXARG_B  255
#define MAXARG_C  255
#define MAXARG_Bx 65535
#define MAXARG_Ax ((1 << 24) - 1)
#define MAX_REGS  250        /* registers a function may use */

#define GET_OP(i)  ((OpCode)((i) & 0xff))
#define GET_A(i)   ((int)(((i) >> 8) & 0xff))
#define GET_B(i)   ((int)(((i) >> 16) & 0xff))
#define GET_C(i)   ((int)(((i) >> 24) & 0xff))
#define GET_sB(i)  (GET_B(i) - SC_BIAS)
#define GET_sC(i)  (GET_C(i) - SC_BIAS)
#define GET_Bx(i)  ((int)(((i) >> 16) & 0xffff))
#define GET_sBx(i) (GET_Bx(i) - BX_BIAS)
#define GET_Ax(i)  ((int)((i) >> 8))
#define GET_sJ(i)  ((int)((i) >> 8) - J_BIAS)

#define MK_ABC(op, a, b, c) ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 24))
#define MK_ABx(op, a, bx)   ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(bx) << 16))
#define MK_sJ(op, j)        ((uint32_t)(op) | ((uint32_t)((j) + J_BIAS) << 8))
#define MK_Ax(op, ax)       ((uint32_t)(op) | ((uint32_t)(ax) << 8))

#define SET_A(i, a)  ((i) = ((i) & ~(0xffu << 8)) | ((uint32_t)(a) << 8))
#define SET_B(i, b)  ((i) = ((i) & ~(0xffu << 16)) | ((uint32_t)(b) << 16))
#define SET_C(i, c)  ((i) = ((i) & ~(0xffu << 24)) | ((uint32_t)(c) << 24))
#define SET_Bx(i, b) ((i) = ((i) & 0xffffu) | ((uint32_t)(b) << 16))
#define SET_sJ(i, j) ((i) = ((i) & 0xffu) | ((uint32_t)((j) + J_BIAS) << 8))

/* Disassembler (bc.c): one line per instruction, used by tests and `-j dump`. */
struct Proto;
#include <stdio.h>
void bc_dump(FILE *out, const struct Proto *p, int recursive);

#endif

/* dump.h: binary chunks: string.dump writes a function's proto tree, load reads it back
 * (mode "b"). The format is jolt's own; it starts like a PUC Lua 5.4 chunk (ESC "Lua" 0x54)
 * so that load tells text from binary by the first byte and each runtime rejects the other's
 * chunks with "format mismatch".
 *
 * Header (36 bytes):
 *
 *    0      4      5      6            12    13    14    15            23            31   35   36
 *   +------+------+------+------------+-----+-----+-----+-------------+-------------+----+----+
 *   |1b Lua| 0x54 | 'J'  | 19 93 0d 0a|  4  |  8  |  8  | int 0x5678  | flt 370.5   |bcid|flag|
 *   |      |      |      | 1a 0a      |Instr|int  |float| (8, LE)     | (8, LE)     |(4) |(1) |
 *   +------+------+------+------------+-----+-----+-----+-------------+-------------+----+----+
 *   signature version format  PUC's LUAC_DATA (catches   sizes and byte order    bcid: hash of
 *                                 text-mode conversions)                          bc.h's BC_LIST
 *                                                                                 flag 1: stripped
 * then the main function's proto:
 *
 *   proto := source  linedefined lastlinedefined  numparams is_vararg maxstack
 *            ncode  code[ncode]                        (u32 LE each)
 *            nk     { tag payload }[nk]                (nil/false/true: none; int: 8 LE;
 *                                                       float: 8 LE bits; string: str)
 *            nupvals { instack idx kind }[nupvals]     (one byte each)
 *            np     proto[np]                          (nested functions, depth first)
 *            nline  line[nline]                        (nline is 0 (stripped) or ncode)
 *            nlocvars { str startpc endpc reg }[nlocvars]
 *            nupnames str[nupnames]                    (0 (stripped) or nupvals)
 *   source := str, absent (0) when stripped or when equal to the enclosing function's source
 *   str    := varint (length + 1) bytes; 0 means no string
 *   counts, lines, pcs, registers: LEB128 varints (lines zigzag-signed); the three byte fields
 *   (numparams, is_vararg, maxstack) are single bytes; tag is the TAG_* byte of obj.h.
 *
 * Invariants of dump_undump: nothing is used before it is checked. Every count is checked
 * against the bytes left, every instruction's operands against the proto's counts (registers
 * below maxstack, constants below nk with short-string keys where bc.h says so, upvalues below
 * nupvals, protos below np, jump targets inside the code), a test is followed by a JMP, LOADKX
 * and SETLIST C=255 by an EXTRAARG, a vararg function starts with its VARARGPREP, the last
 * instruction cannot fall off the end, an operand "to top" (B = 0) directly follows the
 * instruction that set the top. A dataflow pass proves what the VM takes on trust: SETLIST's
 * R[A] holds a table NEWTABLE made, FORLOOP's R[A] and R[A+1] hold the numbers FORPREP
 * checked, RETURN0/RETURN1 leave no open upvalue or to-be-closed variable behind, TAILCALL
 * no to-be-closed variable (debug.setlocal can still break these, as in compiled code).
 * A stripped function gets lines of -1 (as lua5.4 reports them) and no source ("=?").
 * The bcid ties a chunk to the opcode table it was written with, not to opcode semantics that
 * change without a change of BC_LIST's text.
 */
#ifndef JOLT_DUMP_H
#define JOLT_DUMP_H

#include "obj.h"

/* Receives the chunk in pieces; may raise Lua errors (memory). */
typedef void (*DumpWriter)(State *L, void *ud, const void *buf, size_t len);

/* Write p (and its nested functions) as a binary chunk; strip drops the debug information. */
J_HIDDEN void dump_proto(State *L, const Proto *p, int strip, DumpWriter w, void *ud);
/* Read a binary chunk (buf[0] is ESC). Errors are raised as parse_chunk raises syntax errors:
 * call_throw(L, ST_ERRSYNTAX) with "<name>: bad binary format (<why>)" on the stack, where
 * name is the chunk name without its '@' or '=' ("binary string" for a chunk named by its
 * own bytes). The result is profiled (prof_attach) and, like parse_chunk's, not anchored. */
/* Hash of bc.h's opcode table: ties binary chunks and snapshot records to this bytecode. */
uint32_t dump_bcid(void);
J_HIDDEN Proto *dump_undump(State *L, const char *buf, size_t len, const char *chunkname);

#endif

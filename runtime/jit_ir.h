/* jit_ir.h: the JIT's intermediate representation, between jit_build.c (bytecode + profile
 * to IR, with folding, CSE and guard elimination on the fly) and jit_asm.c (register
 * allocation and x86-64 code).
 *
 * The IR of a function is SSA in basic blocks. A block starts with every bytecode register in
 * its stack slot; inside a block values live in virtual registers (refs); at the block's end
 * and before every exit the values not yet written back are stored (stores are deferred, so
 * a slot written twice in a block is stored once). Every guard carries a snapshot: the
 * (slot, ref) pairs its exit stub must store before leaving.
 *
 *   IRIns (24 bytes):
 *   +------+------+--------+--------+--------+--------+-----------------+
 *   |  op  | type |   a    |   b    |  snap  |  aux (int32)  |  k (int64)      |
 *   +------+------+--------+--------+--------+--------+-----------------+
 *   a, b: operand refs (0 = none). Ref numbering is global to the function, refs are
 *   defined before use, and a ref is used only inside the block that defines it.
 *
 * Invariants:
 * - Types: INT (int64), FLT (double, in an XMM register), PTR (any 64-bit payload: GC
 *   pointer or raw bits of a value whose tag is dynamic), TAG (a value tag 0..255), NONE.
 * - Guards (G*) leave through snapshot `snap` when their condition is false.
 * - Terminators end a block: JMP, BR*, EXIT, and nothing follows them in the block.
 */
#ifndef JOLT_JIT_IR_H
#define JOLT_JIT_IR_H

#include <stdint.h>
#include "jit_x86.h"
#include "bc.h"

enum { IRT_NONE, IRT_INT, IRT_FLT, IRT_PTR, IRT_TAG };

/* X(name, operands, doc) */
#define IR_LIST(X) \
  X(NOP,    "",    "deleted") \
  X(KINT,   "k",   "integer constant k") \
  X(KFLT,   "k",   "float constant, bits k") \
  X(KSLOT,  "aux", "constant from slot-table entry aux (a heap pointer)") \
  X(SLOAD,  "aux", "payload of stack slot aux (aux -1: the closure)") \
  X(STAG,   "aux", "tag of stack slot aux") \
  X(SSTORE, "a b aux k", "slot aux := payload a (0: none), tag b (ref, 0: constant tag k)") \
  X(PLOAD,  "a aux", "64-bit load [a + aux]") \
  X(PLOAD32,"a aux", "32-bit load [a + aux], zero-extended") \
  X(TLOAD,  "a aux", "tag byte [a + aux + 8] of the TValue at a + aux") \
  X(VLOAD,  "a aux", "payload [a + aux] of the TValue at a + aux, as the ins's type") \
  X(VSTORE, "a b aux k", "TValue at a + aux := payload b (0: none), tag k; k 0x100: tag ref in snap") \
  X(ADD, "a b", "") X(SUB, "a b", "") X(MUL, "a b", "") \
  X(BAND, "a b", "") X(BOR, "a b", "") X(BXOR, "a b", "") \
  X(SHLK, "a k", "a << k (0..63)") X(SHRK, "a k", "logical a >> k") \
  X(NEG, "a", "") X(BNOT, "a", "") \
  X(IDIVK, "a k", "floor division by constant k (not 0 or -1)") \
  X(IMODK, "a k", "floor modulo by constant k (not 0 or -1)") \
  X(FADD, "a b", "") X(FSUB, "a b", "") X(FMUL, "a b", "") X(FDIV, "a b", "") \
  X(FNEG, "a", "") X(CONVIF, "a", "int a as float") \
  X(FSQRT, "a", "") X(FABS, "a", "") \
  X(BITSF, "a", "the 64 bits of a (a raw payload) as a float") \
  X(NOTTAG, "a", "TAG_TRUE if tag a is nil/false, else TAG_FALSE") \
  X(GTAG,   "a k snap", "guard tag a == k") \
  X(GNTAG,  "a k snap", "guard tag a != k") \
  X(GSTAG,  "aux k snap", "guard tag of slot aux == k") \
  X(GVTAG,  "a aux k snap", "guard tag of TValue at a + aux == k") \
  X(GVNTAG, "a aux k snap", "guard tag of TValue at a + aux != k") \
  X(GCMP,   "a b aux k snap", "guard (a cc b), cc = aux (an XCond; b 0: against immediate k)") \
  X(GFCMP,  "a b aux snap", "guard float (a cc b) xor (aux & 0x100), cc = aux & 0xff") \
  X(GBITS0, "a aux k snap", "guard (byte [a + aux] & k) == 0") \
  X(BARRIER,"a b k", "GC back barrier: table a black and value b (tag k; k 0x100: tag ref in snap) white: a gray again") \
  X(GNEWIDX,"a b aux k snap", "store into TValue at a + aux of table b: fine if not nil, else guard b's metatable has no __newindex (known absent); k 1: then clear b's nomm") \
  X(GSTRESS,"snap", "stress mode: fail every n-th time") \
  X(GFAIL,  "snap", "a guard known to fail: always leave") \
  X(TOFLT,  "a b snap", "payload a with tag ref b as a float (int converted); leaves if not a number") \
  X(GNUMF,  "a b snap", "guard: of the number tags a and b, at least one is TAG_FLT") \
  X(SHAPE2, "a b aux k snap", "shape a is slot-table entry aux: k >> 32; is KSLOT b: k & 0xffffffff; else leave") \
  X(JMP,    "aux", "to block aux") \
  X(BRI,    "a b aux k", "to block k >> 32 if (a cc b), else to block k & 0xffffffff") \
  X(BRF,    "a b aux k", "the same for floats: (a cc b) xor (aux & 0x100)") \
  X(BRTAG,  "a aux k", "the same for tag a: truthy (aux 1) or falsy (aux 0)") \
  X(EXIT,   "snap", "leave through snapshot snap") \
  X(RET,    "aux k", "return k (0 or 1) values from slot aux (jit_h_return), leave as returned") \
  X(CALLJ,  "a aux b k snap", "CALL at pc aux of the proto in slot-table entry (KSLOT a) by a direct call of its code; else as CALLSTEP") \
  X(CALLSTEP, "aux b k snap", "native step of instruction aux, then to block k; refused: exit snap, hooks: exit b") \
  X(CALLH,  "a aux", "the integer result of helper slot aux (JSLOT_*) called with a; allocates nothing, runs no Lua")

enum {
#define X(n, o, d) IR_##n,
  IR_LIST(X)
#undef X
  IR__N
};

typedef uint16_t IRRef;

typedef struct IRIns {
  uint8_t op, type;
  IRRef a, b;
  uint16_t snap;
  int32_t aux;
  int64_t k;
} IRIns;
_Static_assert(sizeof(IRIns) == 24, "IRIns layout");

/* A snapshot entry: slot := ref (payload), with tag `tag` or, when tag is 0xff, tag ref tref. */
typedef struct IRSnapEnt { int16_t slot; uint8_t tag; uint8_t pad; IRRef ref, tref; } IRSnapEnt;
typedef struct IRSnap {
  uint32_t exitno;        /* index into the JitFn's exits */
  uint32_t first, n;      /* entries[first .. first+n-1] */
} IRSnap;

typedef struct IRBlock {
  uint32_t pc;            /* first bytecode */
  uint32_t first, n;      /* instructions ins[first .. first+n-1] in block order */
  int entry;              /* 1: the interpreter may enter here (needs an entry check) */
  int reached;            /* compiled: some compiled edge or entry reaches it */
} IRBlock;

extern const char *const jit_irnames[IR__N];

#endif

/* -- The compilation of one function (jit_build.c fills it, jit_asm.c reads it) -- */

#define JT_UNK  0xff     /* slot tag not known */
#define JT_BOT  0xfe     /* block state: not reached yet */

struct Proto;
struct ProfFn;
struct JitExit;
struct GCObj;

typedef struct JitCtx {
  struct Proto *p;
  struct ProfFn *pf;
  int stress;
  IRIns *ins;   uint32_t nins, cins;
  IRSnap *snaps; uint32_t nsnaps, csnaps;
  IRSnapEnt *sents; uint32_t nsents, csents;
  struct JitExit *exits; uint32_t nexits, cexits;
  struct GCObj **consts; uint32_t nconsts, cconsts;   /* slot table (heap constants) */
  IRBlock *blocks; int nblocks;
  int *blockat;           /* pc -> block index, or -1 when pc starts no block */
  uint8_t *state;         /* nblocks x nslots: tag of each slot at block entry */
  int nslots;             /* maxstack */
  uint8_t captured[256];  /* 1: the slot may be an open upvalue (a call may change it) */
  int changed;            /* dataflow: some block state changed in this pass */
  uint32_t nstepsites;    /* step exits in the IR (weighted by loop depth, when there are loops) */
  uint32_t nnativesites;  /* native steps in the IR (weighted the same way) */
  uint32_t ncallsites;    /* of which CALLs */
  uint32_t stepops[OP__N];/* step and native-step sites by opcode, weighted (-j verbose) */
  uint8_t *inloop;        /* per pc: loop nesting depth (NULL: no loops) */
  int final;              /* the last pass: the IR is kept */
  int oom;
  char why[160];          /* why the function cannot be compiled */
} JitCtx;

/* jit_build.c */
/* Grow *arr (of *cap elements of esz bytes) to hold need; 0 when memory is lacking. */
int jit_grow(void **arr, uint32_t *cap, uint32_t need, size_t esz);
int jitb_build(JitCtx *J);             /* 0 ok, -1: J->why says why not */
void jitb_free(JitCtx *J);
void jitb_dump(JitCtx *J, FILE *out);
/* jit_asm.c: machine code for J into b; 0 ok, -1 (J->why). The slot table has J->nconsts
 * entries for heap constants, then these extra entries: */
enum { JSLOT_STRESS = 0, JSLOT_STEP, JSLOT_RETURN, JSLOT_CALLEXIT, JSLOT_TABLEN, JSLOT__N };   /* &jit_state.stresscount, helpers */
int jita_assemble(JitCtx *J, XBuf *b, uint32_t *entryoff);

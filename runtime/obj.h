/* obj.h: jolt's values and heap objects (the object model every module shares).
 *
 * Invariants:
 * - A TValue is 16 bytes: an 8-byte payload and a one-byte tag. Tags below TAG_STR are
 *   immediate; tags from TAG_STR on point to a collectable object whose header repeats the tag.
 * - Numbers have two subtypes: TAG_INT (int64_t, wrap-around arithmetic) and TAG_FLT (double).
 * - Short strings (len <= STR_MAXSHORT) are interned: equal short strings are the same object,
 *   so they compare by pointer. Long strings compare by length and bytes, hash lazily.
 * - A table's string-keyed fields (short string keys) live in slots laid out by its shape:
 *   the shape is the key sequence (parent shape + one key), so `t->slots[i]` holds the value of
 *   the i-th key of `t->shape`. The JIT guards the shape and loads a slot at a fixed offset.
 *   A table with too many string keys goes to dictionary mode (shape == NULL, all keys hashed).
 * - Nothing in a Proto that a snapshot needs is a pointer identity: a function is named by its
 *   function id (hash of chunk name, bytecode, constants, upvalue descriptors; see prof.h).
 */
#ifndef JOLT_OBJ_H
#define JOLT_OBJ_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define J_HIDDEN __attribute__((visibility("hidden")))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* -- Tags ------------------------------------------------------------------------------- */

/* Variant tags. The basic Lua type of a tag is tag_basictype(). Order matters: everything
 * >= TAG_STR is collectable; TAG_PROTO and later never appear in a Lua-visible TValue. */
#define TAG_LIST(X) \
  X(NIL,    "nil")           \
  X(FALSE,  "boolean")       \
  X(TRUE,   "boolean")       \
  X(LUD,    "userdata")      /* light userdata: a raw pointer */ \
  X(INT,    "number")        \
  X(FLT,    "number")        \
  X(RES6,   "no value")      /* reserved, keeps collectables at 8 */ \
  X(RES7,   "no value")      \
  X(STR,    "string")        \
  X(TAB,    "table")         \
  X(LFN,    "function")      /* Lua closure */ \
  X(CFN,    "function")      /* C closure */ \
  X(UD,     "userdata")      /* full userdata */ \
  X(THREAD, "thread")        \
  X(PROTO,  "proto")         \
  X(UPVAL,  "upvalue")       \
  X(SHAPE,  "shape")

enum {
#define X(name, tname) TAG_##name,
  TAG_LIST(X)
#undef X
  TAG__N
};
#define TAG_FIRSTGC TAG_STR

/* Basic types as Lua's type() sees them (profile type sets use tag bits instead). */
enum { BT_NIL, BT_BOOLEAN, BT_LUD, BT_NUMBER, BT_STRING, BT_TABLE, BT_FUNCTION, BT_USERDATA,
       BT_THREAD, BT__N };
extern const char *const obj_typenames[BT__N];   /* "nil", "boolean", ... "userdata" */
J_HIDDEN int tag_basictype(int tag);

/* -- Values ----------------------------------------------------------------------------- */

typedef struct GCObj GCObj;
typedef struct State State;
typedef int (*CFunction)(State *L);   /* returns the number of results it pushed */

typedef union Value {
  GCObj *gc;
  void *p;       /* light userdata */
  int64_t i;
  double n;
} Value;

typedef struct TValue {
  Value v;
  uint8_t tt;
} TValue;

#define GCHEADER  GCObj *gcnext; uint8_t tt; uint8_t marked

struct GCObj { GCHEADER; };

#define tt(o)          ((o)->tt)
#define ttisnil(o)     (tt(o) == TAG_NIL)
#define ttisfalse(o)   (tt(o) == TAG_FALSE)
#define ttistrue(o)    (tt(o) == TAG_TRUE)
#define ttisbool(o)    (tt(o) == TAG_FALSE || tt(o) == TAG_TRUE)
#define ttisint(o)     (tt(o) == TAG_INT)
#define ttisflt(o)     (tt(o) == TAG_FLT)
#define ttisnum(o)     (tt(o) == TAG_INT || tt(o) == TAG_FLT)
#define ttisstr(o)     (tt(o) == TAG_STR)
#define ttistab(o)     (tt(o) == TAG_TAB)
#define ttislfn(o)     (tt(o) == TAG_LFN)
#define ttiscfn(o)     (tt(o) == TAG_CFN)
#define ttisfn(o)      (tt(o) == TAG_LFN || tt(o) == TAG_CFN)
#define ttisud(o)      (tt(o) == TAG_UD)
#define ttislud(o)     (tt(o) == TAG_LUD)
#define ttisthread(o)  (tt(o) == TAG_THREAD)
#define iscollectable(o) (tt(o) >= TAG_FIRSTGC)
#define isfalsy(o)     (tt(o) <= TAG_FALSE)   /* nil or false */

#define ivalue(o)   ((o)->v.i)
#define fltvalue(o) ((o)->v.n)
#define gcvalue(o)  ((o)->v.gc)
#define pvalue(o)   ((o)->v.p)
#define strvalue(o) ((Str *)(o)->v.gc)
#define tabvalue(o) ((Table *)(o)->v.gc)
#define lfnvalue(o) ((LClosure *)(o)->v.gc)
#define cfnvalue(o) ((CClosure *)(o)->v.gc)
#define udvalue(o)  ((Udata *)(o)->v.gc)
#define thvalue(o)  ((State *)(o)->v.gc)
/* Number as double, valid for TAG_INT and TAG_FLT. */
#define numvalue(o) (ttisint(o) ? (double)ivalue(o) : fltvalue(o))

#define setnil(o)      ((o)->tt = TAG_NIL)
#define setbool(o, b)  ((o)->tt = (b) ? TAG_TRUE : TAG_FALSE)
#define setint(o, x)   do { TValue *io_ = (o); io_->v.i = (x); io_->tt = TAG_INT; } while (0)
#define setflt(o, x)   do { TValue *io_ = (o); io_->v.n = (x); io_->tt = TAG_FLT; } while (0)
#define setlud(o, x)   do { TValue *io_ = (o); io_->v.p = (x); io_->tt = TAG_LUD; } while (0)
#define setgco(o, x, tag) do { TValue *io_ = (o); io_->v.gc = (GCObj *)(x); io_->tt = (tag); } while (0)
#define setstr(o, x)   setgco(o, x, TAG_STR)
#define settab(o, x)   setgco(o, x, TAG_TAB)
#define setlfn(o, x)   setgco(o, x, TAG_LFN)
#define setcfn(o, x)   setgco(o, x, TAG_CFN)
#define setud(o, x)    setgco(o, x, TAG_UD)
#define setthread(o, x) setgco(o, x, TAG_THREAD)
/* Field by field, not as one 16-byte struct: a value just written by setint & co. (an 8-byte
 * and a 1-byte store) is then read back with loads the CPU can forward from those stores. */
static inline void setobj_(TValue *d, const TValue *s) { d->v = s->v; d->tt = s->tt; }
#define setobj(d, s)   setobj_((d), (s))

/* Profile type-set bit of a tag (for the site records in prof.h). */
#define tagbit(tag) ((uint16_t)(1u << (tag)))

/* -- Strings ---------------------------------------------------------------------------- */

#define STR_MAXSHORT 40

typedef struct Str {
  GCHEADER;
  uint8_t isshort;     /* 1: interned short string */
  uint8_t reserved;    /* lexer: reserved-word index + 1; 0 otherwise */
  uint8_t hashed;      /* long strings: hash computed */
  uint32_t hash;
  size_t len;
  struct Str *hnext;   /* chain in the intern table */
  char data[];         /* len bytes and a terminating '\0' */
} Str;

#define strdata(s) ((s)->data)

/* -- Shapes and tables ------------------------------------------------------------------ */

/* A shape is an immutable key sequence: the root shape has no keys; a child adds one short
 * string key after its parent's keys. Tables that receive the same keys in the same order
 * share a shape. Shapes are collectable; transitions from a parent to its children are weak.
 * Internal lookup structures belong to shape.c. */
typedef struct Shape {
  GCHEADER;
  uint32_t nkeys;          /* number of keys = slot index of `key` + 1 */
  struct Shape *parent;    /* NULL for the root */
  Str *key;                /* the key this shape adds (NULL for the root) */
  Str **keys;              /* keys[0..nkeys-1], possibly shared with descendants */
  void *lookup;            /* shape.c: key -> slot index accelerator, or NULL */
  struct Shape *lastchild; /* the child made or found last (weak: shape_free clears it) */
} Shape;

#define SHAPE_MAXKEYS 64   /* more string keys than this: dictionary mode */

typedef struct Node Node;   /* hash part entry; layout private to tab.c */

typedef struct Table {
  GCHEADER;
  uint8_t nomm;            /* bit (1 << TM_x) set: metamethod TM_x known absent (x < TM_EQ+1) */
  uint8_t idxhint;         /* meta.c: slot of "__index" in this metatable's shape, a hint checked before use */
  uint32_t lenhint;        /* tab_len: the last border found inside the array part */
  uint32_t asize;          /* array part: arr[0..asize-1] holds keys 1..asize */
  TValue *arr;
  Shape *shape;            /* NULL: dictionary mode, string keys are in the hash part */
  TValue *slots;           /* slots[i] is the value of shape->keys[i] (nil = absent) */
  uint32_t slotcap;
  uint32_t hsize;          /* hash part capacity (0 or a power of 2) */
  Node *node;              /* hash part */
  uint32_t hcount;         /* used entries of the hash part (tab.c bookkeeping) */
  struct Table *mt;        /* metatable */
  GCObj *gclist;           /* gray list link */
} Table;

/* -- Functions -------------------------------------------------------------------------- */

typedef uint32_t Instr;      /* see bc.h */

typedef struct UpvalDesc {
  Str *name;        /* may be NULL (stripped) */
  uint8_t instack;  /* 1: captures register idx of the enclosing function; 0: its upvalue idx */
  uint8_t idx;
  uint8_t kind;     /* 0 regular, 1 <const>, 2 <close> */
} UpvalDesc;

typedef struct LocVar {
  Str *name;
  int startpc;      /* first pc where the variable is active */
  int endpc;        /* first pc where it is dead */
  int reg;          /* register holding it */
} LocVar;

struct ProfFn;      /* prof.h */
struct JitFn;       /* jit, later */

typedef struct Proto {
  GCHEADER;
  uint8_t numparams;
  uint8_t is_vararg;
  uint8_t maxstack;       /* registers needed */
  int ncode, nk, np, nupvals, nlocvars;
  Instr *code;
  TValue *k;              /* constants: nil, booleans, numbers, strings */
  struct Proto **p;       /* nested functions */
  UpvalDesc *upvals;
  int *lineinfo;          /* line of each instruction */
  LocVar *locvars;
  Str *source;            /* chunk name as given to load ("@file.lua", "=stdin", or the text) */
  int linedefined, lastlinedefined;
  uint64_t fid;           /* function id (prof_fid) */
  struct ProfFn *prof;    /* profile, created with the proto */
  struct JitFn *jit;      /* compiled code, NULL until the JIT tiers it up */
  GCObj *gclist;
} Proto;

typedef struct UpVal {
  GCHEADER;
  TValue *v;              /* points into a stack while open, to `closed` once closed */
  union {
    struct { struct UpVal *next; struct UpVal **prevp; } open;   /* thread's open list */
    TValue closed;
  } u;
} UpVal;

typedef struct LClosure {
  GCHEADER;
  uint8_t nup;
  Proto *p;
  GCObj *gclist;
  UpVal *up[];
} LClosure;

typedef struct CClosure {
  GCHEADER;
  uint8_t nup;
  CFunction f;
  const char *name;       /* for error messages ("bad argument #1 to 'insert'"); may be NULL */
  GCObj *gclist;
  TValue up[];
} CClosure;

typedef struct Udata {
  GCHEADER;
  Table *mt;
  TValue user;            /* one user value */
  size_t len;
  GCObj *gclist;
  _Alignas(16) unsigned char data[];
} Udata;

/* -- Metamethod events ------------------------------------------------------------------ */

/* The fast events (up to EQ) are cached as absent in Table.nomm. */
#define TM_LIST(X) \
  X(INDEX, "__index") X(NEWINDEX, "__newindex") X(GC, "__gc") X(MODE, "__mode") \
  X(LEN, "__len") X(EQ, "__eq") X(ADD, "__add") X(SUB, "__sub") X(MUL, "__mul") \
  X(MOD, "__mod") X(POW, "__pow") X(DIV, "__div") X(IDIV, "__idiv") X(BAND, "__band") \
  X(BOR, "__bor") X(BXOR, "__bxor") X(SHL, "__shl") X(SHR, "__shr") X(UNM, "__unm") \
  X(BNOT, "__bnot") X(LT, "__lt") X(LE, "__le") X(CONCAT, "__concat") X(CALL, "__call") \
  X(CLOSE, "__close") X(TOSTRING, "__tostring") X(NAME, "__name") X(PAIRS, "__pairs") \
  X(METATABLE, "__metatable")

enum {
#define X(name, s) TM_##name,
  TM_LIST(X)
#undef X
  TM__N
};

/* -- Conversions (obj.c) ---------------------------------------------------------------- */

/* Lua's string->number rules (decimal/hex ints that wrap, hex floats, spaces around).
 * Returns the number of bytes consumed + 1 (like strlen+1) on success, 0 on failure. */
J_HIDDEN size_t obj_str2num(const char *s, size_t len, TValue *out);
/* Number to text exactly as lua5.4 prints it ("%.14g", "1e+100", "-nan", "inf", "1.0").
 * Writes at most OBJ_NUMBUF bytes including '\0'; returns the length. */
#define OBJ_NUMBUF 64
J_HIDDEN int obj_num2str(const TValue *n, char *buf);
/* Float to integer: mode 0 exact only, 1 floor, 2 ceil. Returns 1 on success. */
J_HIDDEN int obj_flt2int(double n, int64_t *out, int mode);
/* Value to integer by Lua's rules (integer, integral float, or string of one). */
J_HIDDEN int obj_toint(const TValue *o, int64_t *out);
/* Value to float number (number or numeric string). */
J_HIDDEN int obj_tonum(const TValue *o, double *out);
/* Chunk name for messages: "@file" -> "file", "=name" -> "name", text -> [string "..."]. */
#define OBJ_IDSIZE 60
J_HIDDEN void obj_chunkid(char *out, const char *source, size_t srclen);
/* Integer arithmetic with Lua's rules (floor division and modulo; shifts by >= 64 give 0). */
J_HIDDEN int64_t obj_idiv(int64_t a, int64_t b);   /* b != 0 */
J_HIDDEN int64_t obj_imod(int64_t a, int64_t b);   /* b != 0 */
J_HIDDEN double obj_fmod(double a, double b);
J_HIDDEN int64_t obj_shl(int64_t a, int64_t b);

#endif

/* test_jitopt.c: the JIT's optimizations, one at a time (IR in, IR out), and its register
 * allocator (compiled code that must spill, run and checked against Lua semantics).
 *
 * The IR in is a Lua function and the profile the interpreter gathered while running it
 * (the JIT off); the IR out is what jitb_build makes of them, inspected instruction by
 * instruction. Every failing test prints the IR dump as "# " lines.
 */
#include <stdint.h>
#include "unit.h"
#include "api.h"
#include "state.h"
#include "obj.h"
#include "bc.h"
#include "prof.h"
#include "jit.h"
#include "jit_ir.h"

/* -- Fixture: a runtime, a profiled function and its IR ----------------------------------- */

typedef struct Fx {
  State *L;
  Proto *p;          /* the function under test */
  JitCtx J;
  int built;         /* J holds IR (to free and to dump) */
} Fx;

/* Run chunk `src` with the JIT off (so only the interpreter runs and profiles), then take
 * global `fname`'s Proto. 0 on success; prints why not. */
static int fx_open(Fx *x, const char *src, const char *fname)
{
  memset(x, 0, sizeof *x);
  jit_state.on = 0;
  x->L = state_new();
  if (!x->L) {
    printf("# state_new failed\n");
    return -1;
  }
  lib_openall(x->L);
  if (api_load(x->L, src, strlen(src), "=test", "t") != ST_OK ||
      api_pcall(x->L, 0, 0, 0) != ST_OK) {
    printf("# chunk failed: %s\n", api_tostring(x->L, -1));
    return -1;
  }
  api_getglobal(x->L, fname);
  TValue *v = api_index2val(x->L, -1);
  if (!ttislfn(v)) {
    printf("# global %s is not a Lua function\n", fname);
    return -1;
  }
  x->p = lfnvalue(v)->p;
  api_pop(x->L, 1);
  return 0;
}

/* Build the IR of x->p from its profile (freeing an earlier build). */
static int fx_build(Fx *x)
{
  if (x->built)
    jitb_free(&x->J);
  memset(&x->J, 0, sizeof x->J);
  x->J.p = x->p;
  x->built = 1;
  int r = jitb_build(&x->J);
  if (r != 0)
    printf("# jitb_build: %s\n", x->J.why);
  return r;
}

static void fx_dump(Fx *x)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return;
  jitb_dump(&x->J, f);
  fclose(f);
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    printf("#   %s\n", line);
  free(buf);
}

static void fx_close(Fx *x)
{
  if (x->built)
    jitb_free(&x->J);
  if (x->L)
    state_close(x->L);
  x->built = 0;
  x->L = NULL;
}

/* Every test ends here: the IR dump when something failed, then cleanup. */
#define FX_DONE(x) do { if (unit_failed_here && (x)->built) { printf("# IR:\n"); fx_dump(x); } \
    fx_close(x); UNIT_DONE(); } while (0)
#define FX_OPEN(x, src, name) do { if (fx_open(x, src, name) != 0) { fx_close(x); \
    return UNIT_FAILED; } } while (0)
#define FX_BUILD(x) do { if (fx_build(x) != 0) { unit_failed_here = 1; FX_DONE(x); } } while (0)

/* -- Looking at the IR ------------------------------------------------------------------------ */

/* An instruction's opcode, with names in the message when it differs. */
#define EXPECT_OP(want, ins) do { int w_ = (want), g_ = (ins)->op; if (w_ != g_) { \
    printf("# %s:%d: %s: expected %s, got %s\n", __FILE__, __LINE__, #ins, jit_irnames[w_], \
           g_ < IR__N ? jit_irnames[g_] : "?"); unit_failed_here = 1; } } while (0)

/* Instructions with op (and aux, unless aux is ANY) in all reached blocks, or in block blk. */
#define ANY INT32_MIN
static int count_in(JitCtx *J, int blk, int op, int32_t aux)
{
  int n = 0;
  for (int b = 0; b < J->nblocks; b++) {
    IRBlock *bl = &J->blocks[b];
    if (!bl->reached || (blk >= 0 && b != blk))
      continue;
    for (uint32_t r = bl->first; r < bl->first + bl->n; r++)
      if (J->ins[r].op == op && (aux == ANY || J->ins[r].aux == aux))
        n++;
  }
  return n;
}
static int count(JitCtx *J, int op, int32_t aux) { return count_in(J, -1, op, aux); }

/* The first instruction with op (and aux unless ANY), or 0. */
static IRRef find(JitCtx *J, int op, int32_t aux)
{
  for (int b = 0; b < J->nblocks; b++) {
    IRBlock *bl = &J->blocks[b];
    if (!bl->reached)
      continue;
    for (uint32_t r = bl->first; r < bl->first + bl->n; r++)
      if (J->ins[r].op == op && (aux == ANY || J->ins[r].aux == aux))
        return (IRRef)r;
  }
  return 0;
}

/* The first pc of p with opcode op, or -1. */
static int findpc(Proto *p, int op)
{
  for (int pc = 0; pc < p->ncode; pc++)
    if ((int)GET_OP(p->code[pc]) == op)
      return pc;
  return -1;
}

/* The exit a guard or EXIT leaves through. */
static JitExit *exitof(JitCtx *J, IRRef ref)
{
  return &J->exits[J->snaps[J->ins[ref].snap].exitno];
}

/* -- Constant folding -------------------------------------------------------------------------- */

/* The parser folds `6 * 7` itself, so the constants come through locals: the builder sees
 * LOADI 6 then MULK by 7 and must fold them into one KINT 42. */
UNIT_TEST(fold_constants)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x)\n"
    "  local a = 6\n"
    "  local b = a * 7\n"
    "  local c = b - 2\n"
    "  return c + x\n"
    "end\n"
    "for i = 1, 50 do f(i) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  EXPECT_EQ(0, count(J, IR_MUL, ANY));
  EXPECT_EQ(0, count(J, IR_SUB, ANY));
  IRRef sb = find(J, IR_SSTORE, 2);     /* b, slot 2 */
  IRRef sc = find(J, IR_SSTORE, 3);     /* c, slot 3 */
  EXPECT_TRUE(sb && sc);
  if (sb && sc) {
    IRIns *vb = &J->ins[J->ins[sb].a], *vc = &J->ins[J->ins[sc].a];
    EXPECT_OP(IR_KINT, vb);
    EXPECT_EQ(42, vb->k);
    EXPECT_OP(IR_KINT, vc);
    EXPECT_EQ(40, vc->k);
    EXPECT_EQ(TAG_INT, J->ins[sb].k);
  }
  /* c + x is not constant: one ADD of the constant 40 and the loaded x. */
  IRRef add = find(J, IR_ADD, ANY);
  EXPECT_TRUE(add != 0);
  if (add)
    EXPECT_TRUE(J->ins[J->ins[add].a].op == IR_KINT || J->ins[J->ins[add].b].op == IR_KINT);
  FX_DONE(&x);
}

/* -- CSE ------------------------------------------------------------------------------------- */

UNIT_TEST(cse_same_expression_once)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x, y)\n"
    "  local a = x + y\n"
    "  local b = x + y\n"
    "  local c = x * y\n"
    "  local d = x * y\n"
    "  return a + b + c + d\n"
    "end\n"
    "for i = 1, 50 do f(i, 3) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  IRRef lx = find(J, IR_SLOAD, 0), ly = find(J, IR_SLOAD, 1);
  ASSERT_TRUE(lx && ly);
  int nadd = 0, nmul = 0;
  for (uint32_t r = 1; r < J->nins; r++) {
    IRIns *i = &J->ins[r];
    if (i->a == lx && i->b == ly) {
      nadd += i->op == IR_ADD;
      nmul += i->op == IR_MUL;
    }
  }
  EXPECT_EQ(1, nadd);
  EXPECT_EQ(1, nmul);
  /* a and b are stored from the same ref. */
  IRRef sa = find(J, IR_SSTORE, 2), sb = find(J, IR_SSTORE, 3);
  EXPECT_TRUE(sa && sb);
  if (sa && sb)
    EXPECT_EQ(J->ins[sa].a, J->ins[sb].a);
  FX_DONE(&x);
}

/* -- Guard elimination ------------------------------------------------------------------------- */

UNIT_TEST(guard_once_per_block)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x)\n"
    "  local a = x + 1\n"
    "  local b = x * 3\n"
    "  local c = x - 5\n"
    "  return a + b + c\n"
    "end\n"
    "for i = 1, 50 do f(i) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  EXPECT_EQ(1, count(J, IR_GSTAG, 0));      /* x: guarded once, used three times */
  EXPECT_EQ(1, count(J, IR_SLOAD, 0));      /* and loaded once */
  EXPECT_EQ(1, count(J, IR_GSTAG, ANY));    /* a, b, c are known ints: no guards */
  EXPECT_EQ(0, count(J, IR_GTAG, ANY));     /* not even on a loaded tag */
  FX_DONE(&x);
}

/* The loop body's entry state knows the for-loop slots are ints (FORPREP checked them and
 * FORLOOP keeps them): the body needs no guard on them. */
UNIT_TEST(guard_known_at_block_entry)
{
  Fx x;
  FX_OPEN(&x,
    "function f(n)\n"
    "  local s = 0\n"
    "  for i = 1, n do s = s + i * i end\n"
    "  return s\n"
    "end\n"
    "for i = 1, 50 do f(10) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  int prep = findpc(x.p, OP_FORPREP);
  ASSERT_TRUE(prep >= 0);
  int a = GET_A(x.p->code[prep]);
  int body = J->blockat[prep + 1];
  ASSERT_TRUE(body >= 0);
  ASSERT_TRUE(J->blocks[body].reached);
  const uint8_t *st = J->state + (size_t)body * (size_t)J->nslots;
  EXPECT_EQ(TAG_INT, st[a + 3]);            /* i known at entry */
  EXPECT_EQ(TAG_INT, st[1]);                /* s too: int on both incoming edges */
  EXPECT_TRUE(count_in(J, body, IR_MUL, ANY) >= 1);    /* the body really is compiled */
  EXPECT_EQ(0, count_in(J, body, IR_GSTAG, a + 3));
  EXPECT_EQ(0, count_in(J, body, IR_GSTAG, 1));
  EXPECT_EQ(0, count_in(J, body, IR_GSTAG, ANY));
  FX_DONE(&x);
}

/* -- Store-to-load forwarding ---------------------------------------------------------------- */

UNIT_TEST(store_to_load_forwarding)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x)\n"
    "  local b = x + 1\n"
    "  local c = b * 2\n"
    "  local d = c - b\n"
    "  return d\n"
    "end\n"
    "for i = 1, 50 do f(i) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  /* b (slot 1) and c (slot 2) are written, then read in the same block. */
  EXPECT_EQ(0, count(J, IR_SLOAD, 1));
  EXPECT_EQ(0, count(J, IR_SLOAD, 2));
  EXPECT_EQ(0, count(J, IR_STAG, 1));
  EXPECT_EQ(0, count(J, IR_GSTAG, 1));
  EXPECT_EQ(0, count(J, IR_GSTAG, 2));
  /* The MUL reads b as the ADD's ref, not through memory. */
  IRRef add = find(J, IR_ADD, ANY), mul = find(J, IR_MUL, ANY);
  EXPECT_TRUE(add && mul);
  if (add && mul)
    EXPECT_EQ(add, J->ins[mul].a);
  FX_DONE(&x);
}

/* -- Dead stores ------------------------------------------------------------------------------ */

UNIT_TEST(dead_store_once_per_block)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x)\n"
    "  local a = x + 1\n"
    "  a = a * 2\n"
    "  a = a - 3\n"
    "  local b = a + 4\n"
    "  return b\n"
    "end\n"
    "for i = 1, 50 do f(i) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  EXPECT_EQ(1, count(J, IR_SSTORE, 1));     /* a, written three times */
  IRRef s = find(J, IR_SSTORE, 1);
  if (s)
    EXPECT_OP(IR_SUB, &J->ins[J->ins[s].a]);   /* the last value */
  FX_DONE(&x);
}

/* -- Speculation from the profile --------------------------------------------------------- */

UNIT_TEST(spec_float_add)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x, y)\n"
    "  local a = x + y\n"
    "  local b = a * y\n"
    "  return b\n"
    "end\n"
    "for i = 1, 50 do f(i + 0.5, 0.25) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  EXPECT_EQ(1, count(J, IR_FADD, ANY));
  EXPECT_EQ(1, count(J, IR_FMUL, ANY));
  EXPECT_EQ(0, count(J, IR_ADD, ANY));
  EXPECT_EQ(0, count(J, IR_MUL, ANY));
  EXPECT_EQ(0, count(J, IR_CALLSTEP, ANY));
  IRRef g = find(J, IR_GSTAG, 0);
  EXPECT_TRUE(g != 0);
  if (g)
    EXPECT_EQ(TAG_FLT, J->ins[g].k);
  IRRef fadd = find(J, IR_FADD, ANY);
  if (fadd)
    EXPECT_EQ(IRT_FLT, J->ins[fadd].type);
  FX_DONE(&x);
}

/* A branch direction never taken is a guard with a deopt exit, not a two-way branch. */
static int branch_case(const char *args, int gop)
{
  char src[512];
  snprintf(src, sizeof src,
    "function f(x)\n"
    "  local r = x\n"
    "  if x > 100 then r = r * 2 else r = r + 1 end\n"
    "  return r\n"
    "end\n"
    "for i = 1, 50 do f(%s) end\n", args);
  Fx x;
  FX_OPEN(&x, src, "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  EXPECT_EQ(0, count(J, IR_BRI, ANY));
  EXPECT_EQ(0, count(J, IR_BRF, ANY));
  IRRef g = find(J, gop, ANY);
  EXPECT_TRUE(g != 0);
  if (g) {
    JitExit *e = exitof(J, g);
    EXPECT_EQ(JX_DEOPT, e->kind);
    EXPECT_EQ(JR_BRANCH, e->reason);
  }
  FX_DONE(&x);
}

UNIT_TEST(spec_cold_branch_int) { return branch_case("i", IR_GCMP); }
UNIT_TEST(spec_cold_branch_float) { return branch_case("i + 0.5", IR_GFCMP); }

/* Control: with both directions seen, the same code is a two-way branch. */
UNIT_TEST(spec_hot_branch_two_way)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x)\n"
    "  local r = x\n"
    "  if x > 100 then r = r * 2 else r = r + 1 end\n"
    "  return r\n"
    "end\n"
    "for i = 1, 300 do f(i) end\n", "f");
  FX_BUILD(&x);
  EXPECT_EQ(1, count(&x.J, IR_BRI, ANY));
  EXPECT_EQ(0, count(&x.J, IR_GCMP, ANY));
  FX_DONE(&x);
}

/* A field read whose site saw one shape: a shape guard against the shape in the slot table,
 * then a load at the key's slot offset. */
UNIT_TEST(spec_field_one_shape)
{
  Fx x;
  FX_OPEN(&x,
    "function f(t)\n"
    "  local w = t.w\n"
    "  local s = w + 1\n"
    "  return s * 2\n"
    "end\n"
    "local T = { u = 1, v = 2, w = 3 }\n"
    "for i = 1, 50 do f(T) end\n", "f");
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  int pc = findpc(x.p, OP_GETFIELD);
  ASSERT_TRUE(pc >= 0);
  const ProfSite *s = &x.p->prof->site[pc];
  ASSERT_EQ(1, s->nseen);
  EXPECT_EQ(0, count(J, IR_CALLSTEP, pc));
  IRRef ks = find(J, IR_KSLOT, ANY);
  EXPECT_TRUE(ks != 0);
  if (ks) {
    EXPECT_TRUE(J->ins[ks].aux >= 0 && (uint32_t)J->ins[ks].aux < J->nconsts);
    if ((uint32_t)J->ins[ks].aux < J->nconsts)
      EXPECT_TRUE(J->consts[J->ins[ks].aux] == (GCObj *)s->seen[0]);
    int guarded = 0;
    for (uint32_t r = 1; r < J->nins; r++)
      if (J->ins[r].op == IR_GCMP && (J->ins[r].a == ks || J->ins[r].b == ks) &&
          J->ins[r].aux == XC_E) {
        guarded = 1;
        EXPECT_EQ(JR_SHAPE, exitof(J, (IRRef)r)->reason);
      }
    EXPECT_TRUE(guarded);
  }
  EXPECT_EQ(1, count(J, IR_VLOAD, 16 * (int32_t)s->slot));
  IRRef vl = find(J, IR_VLOAD, 16 * (int32_t)s->slot);
  if (vl)
    EXPECT_EQ(IRT_INT, J->ins[vl].type);    /* the profile saw an int in t.w */
  FX_DONE(&x);
}

/* -- Deopt history ---------------------------------------------------------------------------- */

/* After a guard failed at a site (PS_DEOPT), the same instruction compiles as a step. The
 * function is long enough that one step leaves it worth compiling. */
UNIT_TEST(deopt_history_steps)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x, y)\n"
    "  local a = x + 1\n"
    "  local b = a + y\n"
    "  local c = b * 2\n"
    "  local d = c - a\n"
    "  local e = d * 3\n"
    "  local g = e - x\n"
    "  local h = g * 5\n"
    "  local k = h - y\n"
    "  local l = k * 7\n"
    "  local m = l - b\n"
    "  local n = m * 11\n"
    "  return n\n"
    "end\n"
    "for i = 1, 50 do f(i, 7) end\n", "f");
  int pc = findpc(x.p, OP_ADD);   /* a + y */
  ASSERT_TRUE(pc >= 0);
  FX_BUILD(&x);
  EXPECT_EQ(0, count(&x.J, IR_CALLSTEP, pc));
  int before = count(&x.J, IR_ADD, ANY);
  EXPECT_EQ(2, before);
  x.p->prof->site[pc].flags |= PS_DEOPT;
  FX_BUILD(&x);
  JitCtx *J = &x.J;
  int stepped = count(J, IR_CALLSTEP, pc);
  for (uint32_t r = 1; r < J->nins; r++)
    if (J->ins[r].op == IR_EXIT && exitof(J, (IRRef)r)->kind == JX_STEP &&
        exitof(J, (IRRef)r)->pc == (uint32_t)pc)
      stepped++;
  EXPECT_EQ(1, stepped);
  EXPECT_EQ(before - 1, count(J, IR_ADD, ANY));   /* only x + 1 is still native */
  FX_DONE(&x);
}

/* -- Register allocation ------------------------------------------------------------------ */

/* The most values of type ty (not constants) live at once in block blk: a value lives from
 * its definition to its last use (operands, SSTORE payloads, snapshot entries). */
static int maxlive(JitCtx *J, int blk, int ty)
{
  IRBlock *bl = &J->blocks[blk];
  uint32_t *last = calloc(J->nins, sizeof *last);
  if (!last)
    return -1;
  for (uint32_t r = bl->first; r < bl->first + bl->n; r++) {
    IRIns *x = &J->ins[r];
    if (x->a) last[x->a] = r;
    if (x->b && x->op != IR_CALLSTEP) last[x->b] = r;
    if (x->snap && x->op != IR_VSTORE && x->op != IR_CALLSTEP) {
      IRSnap *s = &J->snaps[x->snap];
      for (uint32_t e = 0; e < s->n; e++)
        if (J->sents[s->first + e].ref)
          last[J->sents[s->first + e].ref] = r;
    }
  }
  int best = 0;
  for (uint32_t at = bl->first; at < bl->first + bl->n; at++) {
    int n = 0;
    for (uint32_t r = bl->first; r <= at; r++) {
      IRIns *x = &J->ins[r];
      if (x->type == ty && x->op != IR_KINT && x->op != IR_KFLT && last[r] > at)
        n++;
    }
    if (n > best)
      best = n;
  }
  free(last);
  return best;
}

/* Assemble x's IR into a buffer: must succeed and give the function start an entry. */
static void check_assembles(Fx *x)
{
  XBuf b;
  x_init(&b);
  uint32_t *entry = calloc((size_t)x->p->ncode + 1, sizeof *entry);
  EXPECT_TRUE(entry != NULL);
  if (entry) {
    int r = jita_assemble(&x->J, &b, entry);
    if (r != 0)
      printf("# jita_assemble: %s\n", x->J.why);
    EXPECT_EQ(0, r);
    EXPECT_TRUE(entry[0] != 0);
    EXPECT_TRUE(b.n > 0);
  }
  free(entry);
  x_free(&b);
}

/* Compile x->p with the real JIT: 0 compiled; 1 no code region (the caller skips); -1 not
 * compiled (printed why: the builder's or the assembler's reason). */
static int jit_now(Fx *x)
{
  jit_state.on = 1;
  jit_compile(x->L, x->p);
  if (x->p->jit != NULL)
    return 0;
  if (jit_state.mem == NULL)
    return 1;
  if (fx_build(x) == 0) {
    XBuf b;
    x_init(&b);
    uint32_t *entry = calloc((size_t)x->p->ncode + 1, sizeof *entry);
    if (entry && jita_assemble(&x->J, &b, entry) != 0)
      printf("# jita_assemble: %s\n", x->J.why);
    free(entry);
    x_free(&b);
  }
  printf("# f was not compiled\n");
  return -1;
}

/* Compile f or leave the test (skip without a code region, fail otherwise). */
#define JIT_NOW(x) do { int r_ = jit_now(x); if (r_ == 1) { fx_close(x); \
    UNIT_SKIP("no JIT code region on this machine"); } \
    if (r_ < 0) { unit_failed_here = 1; FX_DONE(x); } } while (0)

static uint64_t total_deopts(void)
{
  uint64_t n = 0;
  for (int i = 0; i < JR__N; i++)
    n += jit_state.deopts[i];
  return n;
}

/* Call global f with one number argument; its one result through *i or *d. */
static int call_f(State *L, int isflt, int64_t ia, double da, int64_t *i, double *d)
{
  api_getglobal(L, "f");
  if (isflt)
    api_pushnumber(L, da);
  else
    api_pushinteger(L, ia);
  if (api_pcall(L, 1, 1, 0) != ST_OK) {
    printf("# f failed: %s\n", api_tostring(L, -1));
    api_pop(L, 1);
    return -1;
  }
  int ok = isflt ? api_type(L, -1) == BT_NUMBER && !api_isinteger(L, -1) : api_isinteger(L, -1);
  if (!ok)
    printf("# f returned a %s of the wrong subtype\n", api_typename(L, api_type(L, -1)));
  if (isflt)
    *d = api_tonumberx(L, -1, NULL);
  else
    *i = api_tointegerx(L, -1, NULL);
  api_pop(L, 1);
  return ok ? 0 : -1;
}

/* 16 integers live at once (and their sum's partial results): more than the 12 allocatable
 * general registers, so the block spills. */
static const char *ints16 =
  "function f(x)\n"
  "  local a, b, c, d, e, f, g, h = x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8\n"
  "  local i, j, k, l, m, n, o, p = x + 9, x + 10, x + 11, x + 12, x + 13, x + 14, x + 15, x + 16\n"
  "  return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p\n"
  "end\n"
  "for i = 1, 50 do f(i) end\n";

static int64_t ints16_want(int64_t x)
{
  uint64_t s = 0;
  for (int k = 1; k <= 16; k++)
    s += (uint64_t)x + (uint64_t)k;   /* Lua integers wrap around */
  return (int64_t)s;
}

UNIT_TEST(regalloc_many_ints_assemble)
{
  Fx x;
  FX_OPEN(&x, ints16, "f");
  FX_BUILD(&x);
  int live = maxlive(&x.J, 0, IRT_INT);
  printf("# max live ints in block 0: %d\n", live);
  EXPECT_TRUE(live > 12);
  check_assembles(&x);
  FX_DONE(&x);
}

UNIT_TEST(regalloc_many_ints_run)
{
  Fx x;
  FX_OPEN(&x, ints16, "f");
  JIT_NOW(&x);
  static const int64_t args[] = { 0, 1, 7, -1000, 123456789, INT64_MAX - 3, INT64_MIN + 5 };
  uint64_t entries = jit_state.nentries, deopts = total_deopts();
  for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
    int64_t got = 0;
    double unused;
    EXPECT_EQ(0, call_f(x.L, 0, args[k], 0, &got, &unused));
    if (got != ints16_want(args[k]))
      printf("# f(%lld)\n", (long long)args[k]);
    EXPECT_EQ(ints16_want(args[k]), got);
  }
  EXPECT_TRUE(jit_state.nentries > entries);   /* compiled code ran */
  EXPECT_EQ(deopts, total_deopts());           /* and did not bail out */
  FX_DONE(&x);
}

/* 17 doubles live at once: more than the 15 allocatable XMM registers. */
static const char *flts17 =
  "function f(x)\n"
  "  local a, b, c, d, e, f, g, h, i = x + 0.5, x + 1.5, x + 2.5, x + 3.5, x + 4.5, x + 5.5,"
  " x + 6.5, x + 7.5, x + 8.5\n"
  "  local j, k, l, m, n, o, p, q = x * 1.25, x * 2.25, x * 3.25, x * 4.25, x * 5.25, x * 6.25,"
  " x * 7.25, x * 8.25\n"
  "  return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q\n"
  "end\n"
  "for i = 1, 50 do f(i + 0.125) end\n";

static double flts17_want(double x)
{
  double v[17];
  for (int k = 0; k < 9; k++)
    v[k] = x + (k + 0.5);
  for (int k = 0; k < 8; k++)
    v[9 + k] = x * (k + 1.25);
  double s = v[0];
  for (int k = 1; k < 17; k++)   /* left to right, as Lua's + associates */
    s = s + v[k];
  return s;
}

UNIT_TEST(regalloc_many_floats_assemble)
{
  Fx x;
  FX_OPEN(&x, flts17, "f");
  FX_BUILD(&x);
  int live = maxlive(&x.J, 0, IRT_FLT);
  printf("# max live floats in block 0: %d\n", live);
  EXPECT_TRUE(live > 15);
  EXPECT_EQ(0, count(&x.J, IR_ADD, ANY));
  check_assembles(&x);
  FX_DONE(&x);
}

UNIT_TEST(regalloc_many_floats_run)
{
  Fx x;
  FX_OPEN(&x, flts17, "f");
  JIT_NOW(&x);
  static const double args[] = { 0.0, 1.0, -3.75, 1e10, 0.1, -1e-300 };
  uint64_t entries = jit_state.nentries, deopts = total_deopts();
  for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
    double got = 0, want = flts17_want(args[k]);
    int64_t unused;
    EXPECT_EQ(0, call_f(x.L, 1, 0, args[k], &unused, &got));
    if (memcmp(&got, &want, sizeof got) != 0) {
      printf("# f(%.17g): expected %.17g, got %.17g\n", args[k], want, got);
      unit_failed_here = 1;
    }
  }
  EXPECT_TRUE(jit_state.nentries > entries);
  EXPECT_EQ(deopts, total_deopts());
  FX_DONE(&x);
}

/* A guard failing after 16 ints were computed: its exit stub must write the spilled ones
 * back from their spill slots, so the interpreter finishes with the right values. */
UNIT_TEST(regalloc_spilled_values_at_exit)
{
  Fx x;
  FX_OPEN(&x,
    "function f(x, y)\n"
    "  local a, b, c, d, e, f, g, h = x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8\n"
    "  local i, j, k, l, m, n, o, p = x + 9, x + 10, x + 11, x + 12, x + 13, x + 14, x + 15, x + 16\n"
    "  local q = y + 1\n"
    "  return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q\n"
    "end\n"
    "for i = 1, 50 do f(i, i) end\n", "f");
  JIT_NOW(&x);
  uint64_t deopts = total_deopts();
  api_getglobal(x.L, "f");
  api_pushinteger(x.L, 1000);
  api_pushnumber(x.L, 0.5);          /* y's guard fails: the profile saw only ints */
  ASSERT_EQ(ST_OK, api_pcall(x.L, 2, 1, 0));
  int isnum = 0;
  double got = api_tonumberx(x.L, -1, &isnum);
  EXPECT_TRUE(isnum && !api_isinteger(x.L, -1));
  double want = (double)ints16_want(1000) + 1.5;
  if (got != want)
    printf("# f(1000, 0.5): expected %.17g, got %.17g\n", want, got);
  EXPECT_TRUE(got == want);
  EXPECT_TRUE(total_deopts() > deopts);   /* it really left through the guard */
  FX_DONE(&x);
}

int main(void)
{
  return unit_main(60);
}

/* jit.c: the JIT's driver: options, tier-up, placing code, entering it, deopt accounting,
 * -j dump, --stats and the perf map. The pipeline (docs/jit.md):
 *
 *   Proto + ProfFn --jit_build.c--> IR in blocks --jit_asm.c--> bytes --jit_mem.c--> code region
 *
 * Deopt policy: every exit counts; a deopt exit taken JIT_SITE_DEOPTS times retires its
 * version. A guard the interpreter's records can widen (a type, a shape, a branch, cold code)
 * first only reopens the profiling window (PS_WIDEN): the next version speculates on what the
 * interpreter saw since; a second failure there, or any other guard, marks the site
 * PS_DEOPT (compiled without speculation). A version whose deopts reach
 * maxdeopts is retired, the function's profiling window reopens, and it compiles again once
 * hot, up to maxrecompiles versions.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "jit.h"
#include "jit_ir.h"
#include "jit_mem.h"
#include "prof.h"
#include "state.h"
#include "gc.h"
#include "probe.h"
#include "co.h"
#include "vm.h"
#include "tab.h"
#include "call.h"
#include "bc.h"
#include "snap_rt.h"

#define JIT_SITE_DEOPTS 4

JitState jit_state = {
  .on = 1, .hotcalls = 200, .hotloops = 1000, .stressn = 7, .maxdeopts = 64, .maxrecompiles = 6,
};

static const char *const reasonnames[JR__N] = {
#define X(n, s) s,
  JIT_REASONS(X)
#undef X
};

/* -- Options -------------------------------------------------------------------------------- */

static void settle(void)
{
  if (!jit_state.on) {
    jit_state.hotcalls = jit_state.hotloops = UINT32_MAX;
  } else if (jit_state.stress) {
    jit_state.hotcalls = jit_state.hotloops = 1;
    jit_state.maxdeopts = 3;
    jit_state.maxrecompiles = 16;
  }
  jit_state.stresscount = jit_state.stressn;
}

int jit_option(const char *arg, char *err, size_t errlen)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", arg);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '=');
    unsigned long v = 0;
    if (eq) {
      char *end;
      *eq = '\0';
      v = strtoul(eq + 1, &end, 10);
      if (*end || eq[1] == '\0' || v == 0 || v > 1000000000ul) {
        snprintf(err, errlen, "bad value for JIT option '%s'", t);
        return 0;
      }
    }
    if (!eq && strcmp(t, "on") == 0) jit_state.on = 1;
    else if (!eq && strcmp(t, "off") == 0) jit_state.on = 0;
    else if (!eq && strcmp(t, "stress") == 0) jit_state.on = jit_state.stress = 1;
    else if (!eq && strcmp(t, "dump") == 0) jit_state.dump = 1;
    else if (!eq && strcmp(t, "perf") == 0) jit_state.perf = 1;
    else if (!eq && strcmp(t, "verbose") == 0) jit_state.verbose = 1;
    else if (eq && strcmp(t, "hot") == 0) jit_state.hotcalls = (uint32_t)v;
    else if (eq && strcmp(t, "hotloop") == 0) jit_state.hotloops = (uint32_t)v;
    else if (eq && strcmp(t, "stressn") == 0) jit_state.stressn = (uint32_t)v;
    else {
      snprintf(err, errlen, "unknown JIT option '%s' (use on, off, stress, dump, perf, "
               "verbose, hot=N, hotloop=N, stressn=N)", t);
      return 0;
    }
  }
  settle();
  return 1;
}

/* -- Compiling ---------------------------------------------------------------------------- */

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fnname(const Proto *p, char *out, size_t n)
{
  char id[OBJ_IDSIZE];
  obj_chunkid(id, p->source ? strdata(p->source) : "=?", p->source ? p->source->len : 2);
  snprintf(out, n, "lua:%s:%d", id, p->linedefined);
}

/* Disassemble code with objdump (for -j dump); silently nothing without objdump. */
static void disasm(const uint8_t *code, size_t n, FILE *out)
{
  char path[] = "/tmp/jolt-dump.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return;
  ssize_t w = write(fd, code, n);
  close(fd);
  if (w == (ssize_t)n) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "objdump -D -b binary -m i386:x86-64 -M intel "
             "--adjust-vma=0x%lx %s 2>/dev/null", (unsigned long)(uintptr_t)code, path);
    FILE *pp = popen(cmd, "r");
    if (pp) {
      char line[256];
      int started = 0;
      while (fgets(line, sizeof line, pp))
        if (started || (started = strstr(line, "<.data>:") != NULL))
          fputs(line, out);
      pclose(pp);
    }
  }
  unlink(path);
}

/* The code region, opened on first use; NULL (and the JIT off) when none can be had. */
static JitMem *region(void)
{
  if (!jit_state.mem) {
    jit_state.mem = jitmem_open(jit_state.verbose);
    if (!jit_state.mem) {
      fprintf(stderr, "jolt: jit: no code region, the JIT is off\n");
      jit_state.on = 0;
      settle();
      return NULL;
    }
    if (jit_state.perf)
      jitmem_perfmap_open();
  }
  return jit_state.mem;
}

/* Place code with its slot table (consts, then the helpers in JSLOT order) and make it p's
 * JitFn. On success the JitFn owns exits, entry and consts; on failure the caller keeps them. */
static JitFn *place(Proto *p, const uint8_t *code, size_t n, GCObj **consts, uint32_t nconst,
                    JitExit *exits, uint32_t nexits, uint32_t *entry, char *why, size_t nwhy)
{
  JitMem *mem = region();
  if (!mem) {
    snprintf(why, nwhy, "no code region");
    return NULL;
  }
  int ns = (int)nconst + JSLOT__N;
  uint64_t *slots = calloc((size_t)ns, sizeof(uint64_t));
  JitFn *jf = calloc(1, sizeof(JitFn));
  if (!slots || !jf) {
    free(slots);
    free(jf);
    snprintf(why, nwhy, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < nconst; i++)
    slots[i] = (uint64_t)(uintptr_t)consts[i];
  slots[nconst + JSLOT_STRESS] = (uint64_t)(uintptr_t)&jit_state.stresscount;
  slots[nconst + JSLOT_STEP] = (uint64_t)(uintptr_t)jit_h_step;
  slots[nconst + JSLOT_RETURN] = (uint64_t)(uintptr_t)jit_h_return;
  slots[nconst + JSLOT_CALLEXIT] = (uint64_t)(uintptr_t)jit_h_callexit;
  slots[nconst + JSLOT_TABLEN] = (uint64_t)(uintptr_t)tab_len;
  void *rx;
  int r = jitmem_place(mem, slots, ns, code, n, &rx);
  free(slots);
  if (r < 0) {
    snprintf(why, nwhy, "code region: %s", strerror(-r));
    free(jf);
    return NULL;
  }
  jf->code = rx;
  jf->proto = p;
  jf->profstamp = p->prof->lastevent;
  jf->codesize = (uint32_t)n;
  jf->nexits = nexits;
  jf->exits = exits;
  jf->entry = entry;
  jf->nconst = nconst;
  jf->consts = consts;
  jf->next = jit_state.all;
  jit_state.all = jf;
  p->jit = jf;
  return jf;
}

void jit_compile(State *L, Proto *p)
{
  ProfFn *pf = p->prof;
  if (p->jit || !pf || pf->nojit)
    return;
  if (pf->snapwait && snap_code_pending(L, p))
    return;
  if (!region())
    return;
  double t0 = now_ns();
  char name[OBJ_IDSIZE + 32];
  fnname(p, name, sizeof name);
  JOLT_PROBE_COMPILE_BEGIN(p->fid, name);
  JitCtx J;
  memset(&J, 0, sizeof J);
  J.p = p;
  J.stress = jit_state.stress;
  XBuf b;
  x_init(&b);
  uint32_t *entry = calloc((size_t)p->ncode + 1, sizeof(uint32_t));
  int ok = entry && jitb_build(&J) == 0;
  if (ok && jit_state.dump) {
    fprintf(stderr, "---- jit: %s fid %016llx version %u\n", name, (unsigned long long)p->fid,
            pf->jitversions + 1);
    jitb_dump(&J, stderr);
  }
  ok = ok && jita_assemble(&J, &b, entry) == 0;
  JitFn *jf = NULL;
  if (ok) {
    jf = place(p, b.p, b.n, J.consts, J.nconsts, J.exits, J.nexits, entry, J.why, sizeof J.why);
    ok = jf != NULL;
  }
  if (ok) {
    J.exits = NULL;
    J.consts = NULL;
    entry = NULL;
    for (int blk = 0; blk < J.nblocks; blk++)
      if (J.blocks[blk].reached) {
        uint32_t end = blk + 1 < J.nblocks ? J.blocks[blk + 1].pc : (uint32_t)p->ncode;
        jf->nbc += end - J.blocks[blk].pc;
      }
    pf->jitversions++;
    jit_state.ncompiled++;
    jit_state.nbc += jf->nbc;
    jit_state.codebytes += b.n;
    JOLT_PROBE_TIER(p->fid, 2);
    jitmem_perfmap(jf->code, b.n, name);
    if (jit_state.dump) {
      fprintf(stderr, "---- jit: %s machine code, %zu bytes at %p\n", name, b.n, (void *)jf->code);
      disasm(jf->code, b.n, stderr);
    }
  } else {
    pf->nojit = 1;
    jit_state.nfailed++;
    if (jit_state.verbose || jit_state.dump)
      fprintf(stderr, "jolt: jit: %s not compiled: %s\n", name, J.why[0] ? J.why : "failed");
  }
  JOLT_PROBE_COMPILE_END(p->fid, ok ? (uint64_t)b.n : 0);
  free(entry);
  x_free(&b);
  jitb_free(&J);
  jit_state.compile_ns += now_ns() - t0;
}

void jit_after_fork(void)
{
  if (jit_state.mem)
    jitmem_after_fork(jit_state.mem);
}

void jit_refresh(State *L, Proto *p)
{
  JitFn *old = p->jit;
  ProfFn *pf = p->prof;
  if (!old || old->dead || !pf || old->profstamp == pf->lastevent || jit_state.stress)
    return;
  p->jit = NULL;
  int nojit = pf->nojit;
  jit_compile(L, p);
  if (p->jit) {
    old->dead = 1;      /* superseded: it may still be on the C stack, so it stays placed */
  } else {              /* the new profile does not compile: keep the code that runs */
    p->jit = old;
    pf->nojit = (uint16_t)nojit;
  }
}

int jit_install(State *L, Proto *p, const uint8_t *code, uint32_t size, GCObj **consts,
                uint32_t nconst, JitExit *exits, uint32_t nexits, uint32_t *entry, uint32_t nbc,
                char *why, size_t nwhy)
{
  if (p->jit || !p->prof || !jit_state.on || jit_state.stress) {
    snprintf(why, nwhy, p->jit ? "already compiled" : "the JIT is off");
    return -1;
  }
  /* The proto may be black already: its new constants must not stay white. */
  for (uint32_t i = 0; i < nconst; i++)
    gc_objbarrier(L, p, consts[i]);
  JitFn *jf = place(p, code, size, consts, nconst, exits, nexits, entry, why, nwhy);
  if (!jf)
    return -1;
  jf->nbc = nbc;
  p->prof->jitversions++;
  jit_state.nloaded++;
  jit_state.loadedbytes += size;
  char name[OBJ_IDSIZE + 32];
  fnname(p, name, sizeof name);
  JOLT_PROBE_TIER(p->fid, 2);
  jitmem_perfmap(jf->code, size, name);
  return 0;
}

int jit_due(Proto *p, int loop)
{
  ProfFn *pf = p->prof;
  if (!jit_state.on || p->jit || !pf || pf->nojit)
    return 0;
  return loop ? pf->backedges >= jit_state.hotloops : pf->calls >= jit_state.hotcalls;
}

/* -- Running ------------------------------------------------------------------------------- */

static void retire(JitFn *j)
{
  Proto *p = j->proto;
  j->dead = 1;
  jit_state.nretired++;
  if (!p)
    return;
  p->jit = NULL;
  ProfFn *pf = p->prof;
  /* Learn again before the next version: reopen the profiling window. */
  pf->stable = 0;
  pf->lastevent = pf->calls + pf->backedges;
  if (pf->jitversions >= jit_state.maxrecompiles)
    pf->nojit = 1;
  JOLT_PROBE_TIER(p->fid, 0);
}

void jit_h_return(State *L, TValue *r, int nret)
{
  CallInfo *ci = L->ci;
  Proto *p = lfnvalue(ci->func)->p;
  if (p->is_vararg)
    ci->func -= ci->nextra + p->numparams + 1;
  TValue *res = ci->func;
  int want = ci->nresults < 0 ? nret : ci->nresults;
  if (want >= 1) {
    if (nret) setobj(res, r);
    else setnil(res);
    for (int j = 1; j < want; j++)
      setnil(res + j);
  }
  L->top = res + want;
  L->ci = ci->prev;
}

static const JitExit returned = { 0, JX_RETURNED, 0, 0, 0 };

/* CALL from compiled code of a C function, or of a compiled Lua function whose code is then
 * run directly (its return done by jit_h_return); anything else the callee leaves to the
 * interpreter continues there until the callee returns. 0 done, -1: not this way (the caller
 * takes the general step). */
static int fastcall(State *L, CallInfo *ci, const Instr *at)
{
  Instr i = *at;
  TValue *ra = ci->func + 1 + GET_A(i);
  JitFn *cj = NULL;
  if (ttislfn(ra)) {
    Proto *np = lfnvalue(ra)->p;
    cj = np->jit;
    if (cj == NULL || !cj->entry[0] || np->is_vararg)
      return -1;
  } else if (!ttiscfn(ra)) {
    return -1;
  }
  /* As the interpreter's CALL: arguments to top, the frame (or the C call) by call_precall. */
  int nresults = GET_C(i) - 1;
  if (GET_B(i))
    L->top = ra + GET_B(i);
  ci->savedpc = at + 1;
  CallInfo *nci = call_precall(L, ra, nresults);
  if (nci == NULL) {             /* a C function, already called */
    if (nresults >= 0)
      L->top = ci->top;
    return 0;
  }
  PROF_CALL(cj->proto->prof);
  const JitExit *e = jit_enter(L, cj, nci->func + 1, 0);
  if (e->kind == JX_RETURNED) {
    if (nresults >= 0)
      L->top = ci->top;
    return 0;
  }
  /* The callee goes on in the interpreter until it returns here. */
  if (e->kind != JX_RESUME)
    nci->savedpc = cj->proto->code + e->pc;
  vm_finish(L, ci, e->kind == JX_STEP);
  return 0;
}

/* Reads that the interpreter would do without running Lua code (a field of a table or of a
 * global table, found in it or up its chain of __index tables; an element of a table without a
 * metatable), done here without
 * entering the interpreter. 0 done, -1: not this way. The results are those of the
 * interpreter's own fast paths for these instructions (vm_ops.inc). */
static int fastread(CallInfo *ci, const Instr *at, State *L)
{
  Instr i = *at;
  TValue *base = ci->func + 1;
  OpCode op = GET_OP(i);
  /* GETTABUP reads a field of an upvalue (globals: _ENV), the others of a register. */
  TValue *rb = op == OP_GETTABUP ? lfnvalue(ci->func)->up[GET_B(i)]->v : base + GET_B(i);
  if (!ttistab(rb))
    return -1;
  Table *h = tabvalue(rb);
  const TValue *v;
  if (op == OP_GETTABLE) {
    if (h->mt)
      return -1;
    v = tab_get(h, base + GET_C(i));
  } else {
    Proto *p = lfnvalue(ci->func)->p;
    Str *key = strvalue(&p->k[GET_C(i)]);
    v = tab_getstr(h, key);
    if (ttisnil(v)) {
      if (h->mt == NULL) {
        if (op == OP_SELF)
          return -1;
      } else {
        uint16_t *hint = p->prof ? &p->prof->site[at - p->code].hint : NULL;
        if ((v = meta_indexstr(L, h, key, hint)) == NULL)
          return -1;
      }
    }
  }
  TValue obj = *rb;
  setobj(base + GET_A(i), v);
  if (op == OP_SELF)
    setobj(base + GET_A(i) + 1, &obj);
  return 0;
}

/* R[A][key] := R[C] for SETTABLE/SETINT/SETFIELD on a table without __newindex (appends that
 * grow an array, new fields, keys of the hash part): what the interpreter does, without
 * entering it. 0 done, -1: not this way. */
static int fastwrite(CallInfo *ci, const Instr *at, State *L)
{
  Instr i = *at;
  TValue *base = ci->func + 1;
  TValue *ra = base + GET_A(i);
  if (!ttistab(ra))
    return -1;
  Table *h = tabvalue(ra);
  if (h->mt != NULL && !ttisnil(meta_gettab(L, h->mt, TM_NEWINDEX)))
    return -1;
  TValue key;
  switch (GET_OP(i)) {
  case OP_SETINT: setint(&key, GET_B(i)); break;
  case OP_SETFIELD: key = lfnvalue(ci->func)->p->k[GET_B(i)]; break;
  default: key = base[GET_B(i)]; break;
  }
  ci->savedpc = at + 1;          /* errors (a nil or NaN key) name this instruction */
  L->top = ci->top;
  TValue *slot = tab_set(L, h, &key);
  TValue *rc = ci->func + 1 + GET_C(i);   /* tab_set may allocate, never moves the stack */
  setobj(slot, rc);
  gc_barrierback(L, h, rc);
  gc_check(L);
  return 0;
}

int jit_h_step(State *L, uint32_t pc)
{
  char here;
  if (L->jitclimit == NULL)
    L->jitclimit = co_stacklimit(L);
  if (&here < L->jitclimit)
    return 1;
  if (jit_state.stress && --jit_state.stresscount == 0) {
    jit_state.stresscount = jit_state.stressn;   /* stress: refuse now and then */
    return 1;
  }
  CallInfo *ci = L->ci;
  const Instr *at = lfnvalue(ci->func)->p->code + pc;
  jit_state.nnative++;
  OpCode op = GET_OP(*at);
  if (op == OP_CALL && !L->hookmask && fastcall(L, ci, at) == 0)
    return L->hookmask ? 2 : 0;
  if ((op == OP_SELF || op == OP_GETFIELD || op == OP_GETTABLE || op == OP_GETTABUP) &&
      fastread(ci, at, L) == 0)
    return 0;
  if ((op == OP_SETTABLE || op == OP_SETINT || op == OP_SETFIELD) && fastwrite(ci, at, L) == 0)
    return 0;
  ci->savedpc = at;
  vm_step(L);
  return L->hookmask ? 2 : 0;
}

/* Guards whose failure the interpreter's records describe once the window reopens. */
static int widenable(int reason)
{
  return reason == JR_TYPE || reason == JR_SHAPE || reason == JR_BRANCH || reason == JR_COLD ||
         reason == JR_META;
}

/* Exit x of j was taken: count it, and apply the deopt policy. */
static const JitExit *exited(JitFn *j, uint32_t x)
{
  if (x == JIT_EXIT_RETURNED)
    return &returned;
  JitExit *e = &j->exits[x];
  e->count++;
  if (e->kind != JX_DEOPT) {
    jit_state.nsteps++;
    /* Stress: a version compiled from a thinner profile than the function has now is
     * replaced, so that code is compiled again and again as the profile fills. */
    if (jit_state.stress && ++j->nentries >= 16 && j->proto && !j->dead &&
        j->proto->prof->lastevent != j->profstamp)
      retire(j);
    return e;
  }
  jit_state.deopts[e->reason]++;
  j->deopts++;
  JOLT_PROBE_DEOPT(j->proto ? j->proto->fid : 0, e->pc, e->reason);
  if (e->reason == JR_STRESS) {
    jit_state.stresscount = jit_state.stressn;
  } else if (j->proto && (e->count >= JIT_SITE_DEOPTS || jit_state.stress)) {
    ProfFn *pf = j->proto->prof;
    if (e->site < pf->nsites) {
      ProfSite *ps = &pf->site[e->site];
      if (widenable(e->reason) && !(ps->flags & PS_WIDEN) && !jit_state.stress)
        ps->flags |= PS_WIDEN;
      else
        ps->flags |= e->reason == JR_ENTRY ? PS_ENTRY : PS_DEOPT;
    }
    if (!jit_state.stress || e->count >= 2) {
      retire(j);
      return e;
    }
  }
  if (j->deopts >= jit_state.maxdeopts && !j->dead)
    retire(j);
  return e;
}

const JitExit *jit_enter(State *L, JitFn *j, TValue *base, uint32_t pc)
{
  jit_state.nentries++;
  if (L->jitclimit == NULL)
    L->jitclimit = co_stacklimit(L);
  return exited(j, ((JitCodeFn)(void *)j->code)(base, j->code + j->entry[pc] - 1, L));
}

int jit_h_callexit(State *L, JitFn *cj, uint32_t x)
{
  jit_state.nentries++;
  const JitExit *e = exited(cj, x);
  if (e->kind == JX_RETURNED)
    return L->hookmask ? 2 : 0;
  /* The callee's frame is intact: the interpreter finishes it. */
  CallInfo *nci = L->ci;
  if (e->kind != JX_RESUME)
    nci->savedpc = lfnvalue(nci->func)->p->code + e->pc;
  vm_finish(L, nci->prev, e->kind == JX_STEP);
  return L->hookmask ? 2 : 0;
}

/* -- GC and life cycle ---------------------------------------------------------------------- */

void jit_mark(State *L, Proto *p)
{
  JitFn *j = p->jit;
  if (j)
    for (uint32_t i = 0; i < j->nconst; i++)
      gc_mark(L, j->consts[i]);
}

void jit_free(State *L, Proto *p)
{
  (void)L;
  if (p->jit) {
    p->jit->proto = NULL;
    p->jit->dead = 1;
    p->jit = NULL;
  }
  /* Retired versions may still name p: forget it there too. */
  for (JitFn *j = jit_state.all; j; j = j->next)
    if (j->proto == p)
      j->proto = NULL;
}

void jit_close(void)
{
  JitFn *j = jit_state.all;
  while (j) {
    JitFn *n = j->next;
    free(j->exits);
    free(j->entry);
    free(j->consts);
    free(j);
    j = n;
  }
  jit_state.all = NULL;
  if (jit_state.mem)
    jitmem_close(jit_state.mem);
  jit_state.mem = NULL;
}

void jit_report(FILE *out)
{
  JitState *s = &jit_state;
  fprintf(out, "jit: %s%s, hot after %u calls or %u loop iterations\n", s->on ? "on" : "off",
          s->stress ? " (stress)" : "", s->hotcalls, s->hotloops);
  fprintf(out, "jit: %llu functions compiled, %llu bytecodes, %llu code bytes, %.2f ms compiling"
          " (%.1f bytes per bytecode)\n", (unsigned long long)s->ncompiled,
          (unsigned long long)s->nbc, (unsigned long long)s->codebytes, s->compile_ns / 1e6,
          s->nbc ? (double)s->codebytes / (double)s->nbc : 0.0);
  if (s->nloaded)
    fprintf(out, "jit: %llu functions loaded from a snapshot, %llu code bytes\n",
            (unsigned long long)s->nloaded, (unsigned long long)s->loadedbytes);
  fprintf(out, "jit: %llu not compilable, %llu versions retired, %llu entries, %llu step exits, "
          "%llu native steps\n", (unsigned long long)s->nfailed, (unsigned long long)s->nretired,
          (unsigned long long)s->nentries, (unsigned long long)s->nsteps,
          (unsigned long long)s->nnative);
  uint64_t total = 0;
  for (int r = 0; r < JR__N; r++)
    total += s->deopts[r];
  fprintf(out, "jit: %llu deopts", (unsigned long long)total);
  for (int r = 0; r < JR__N; r++)
    if (s->deopts[r])
      fprintf(out, ", %s %llu", reasonnames[r], (unsigned long long)s->deopts[r]);
  fputc('\n', out);
  if (s->mem) {
    JitMemStats ms;
    jitmem_stats(s->mem, &ms);
    fprintf(out, "jit: code region %d chunks of 2 MiB, %s pages, %s\n", ms.nchunks,
            jitmem_backing_name(ms.backing), ms.dualmap ? "dual-mapped RW/RX" : "RW->RX flips");
  }
}

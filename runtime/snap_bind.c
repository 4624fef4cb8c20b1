/* snap_bind.c: a jump-start: a validated snapshot image bound into this process.
 *
 * snap_use replays the image's shape tree from the root shape, so that the program's own tables
 * take the very transitions the seeder's did and land in the shapes its records name. Then each
 * chunk the compiler finishes is bound by snap_bind, function by function, by function id:
 * - a function without a record (new, or changed since the seeding) starts cold;
 * - a record fills the function's profile: counts, stability, type sets, branch and deopt
 *   history, and the shapes and callees of its sites bound to live objects (a field site's slot
 *   is recomputed from the bound shape and the instruction's own key, never trusted);
 * - with usable code (build id, CPU, imports, checksums held, and every slot-table constant
 *   bound) the code is installed and entered at the next call; otherwise a function the seeder
 *   had compiled is compiled now from its record, so no process waits to become hot again.
 * Bound shapes and protos are held by the snapshot (snap_mark) while the process lives.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap_rt.h"
#include "state.h"
#include "prof.h"
#include "jit.h"
#include "tab.h"
#include "str.h"
#include "gc.h"
#include "bc.h"
#include "probe.h"

#define SLOT_ABSENT 0xffff     /* as vm.c: the shape lacks the key */

typedef struct SnapUse {
  SnapImage img;
  uint8_t *buf;
  void (*release)(uint8_t *buf);   /* how buf goes back (NULL: free) */
  int flags;
  int code_ok;
  char label[256];
  Shape **shapes;             /* per shape record, NULL when it could not be replayed */
  Proto **bound;              /* per function record: the proto bound to it (strong) */
  uint32_t *pending;          /* records whose call sites name callees not loaded yet */
  uint32_t npending, cpending;
  SnapReadyFn ready;          /* NULL: the whole file is in */
  void *readyctx;
  uint32_t nwaited;           /* functions that waited for their code */
  /* Per function record whose code calls a function of a chunk not loaded yet (the main
   * script's loop calling into a module): the callee's fid, and the function's count of calls
   * and loop iterations when it started waiting (NULL until one waits). */
  uint64_t *waitfid, *waitfrom;
  /* counters for --stats and --verbose */
  uint32_t nbound, ncode, ncompiled, nrecord, nmissing, ncoderefused;
} SnapUse;

static SnapUse *use_of(State *L) { return (SnapUse *)G(L)->snap; }

static void fname(const Proto *p, char *out, size_t n);

/* --verbose: what became of function p ("label: chunk:line (fid ...): what[: why]"); the name
 * is only made when it is printed, binding stays cheap otherwise. */
static void say(SnapUse *u, const Proto *p, const char *what, const char *why)
{
  if (!(u->flags & SNAPU_VERBOSE))
    return;
  char name[OBJ_IDSIZE + 16];
  fname(p, name, sizeof name);
  fprintf(stderr, "%s: %s (fid %016llx): %s%s%s\n", u->label, name, (unsigned long long)p->fid,
          what, why ? ": " : "", why ? why : "");
}

static Shape *boundshape(State *L, SnapUse *u, uint64_t ref)
{
  if (ref == SNAP_NONE)
    return G(L)->rootshape;
  return ref < u->img.nshapes ? u->shapes[ref] : NULL;
}

static Str *imgstr(State *L, SnapUse *u, uint64_t idx)
{
  uint32_t len;
  const char *s = snap_string(&u->img, (uint32_t)idx, &len);
  return str_new(L, s, len);
}

/* A library C function by its "mod.key" name, in package.loaded as it is now. */
static CClosure *cfnbyname(State *L, SnapUse *u, uint64_t idx)
{
  uint32_t len;
  const char *s = snap_string(&u->img, (uint32_t)idx, &len);
  const char *dot = memchr(s, '.', len);
  if (!dot)
    return NULL;
  const TValue *loaded = tab_getstr(tabvalue(&G(L)->registry), str_newz(L, "_LOADED"));
  if (!ttistab(loaded))
    return NULL;
  const TValue *mod = tab_getstr(tabvalue(loaded), str_new(L, s, (size_t)(dot - s)));
  if (!ttistab(mod))
    return NULL;
  const TValue *f = tab_getstr(tabvalue(mod), str_new(L, dot + 1, len - (size_t)(dot - s) - 1));
  return ttiscfn(f) ? cfnvalue(f) : NULL;
}

static Proto *protobyfid(SnapUse *u, uint64_t fid)
{
  const SnapFunc *f = snap_find(&u->img, fid);
  return f ? u->bound[f - u->img.funcs] : NULL;
}

/* The key of a field instruction (the site's shapes are about it), NULL for other opcodes. */
static Str *fieldkey(const Proto *p, uint32_t pc)
{
  Instr i = p->code[pc];
  int k;
  switch (GET_OP(i)) {
  case OP_GETFIELD: case OP_SELF: case OP_GETTABUP: k = GET_C(i); break;
  case OP_SETFIELD: case OP_SETTABUP: k = GET_B(i); break;
  default: return NULL;
  }
  return k < p->nk && ttisstr(&p->k[k]) ? strvalue(&p->k[k]) : NULL;
}

static int iscall(const Proto *p, uint32_t pc)
{
  OpCode op = GET_OP(p->code[pc]);
  return op == OP_CALL || op == OP_TAILCALL;
}

/* Sites: type sets, flags and counts as recorded; seen[] only of the kind the opcode has.
 * Returns the call sites left without their callees (functions of chunks not loaded yet). */
static int bindsites(State *L, SnapUse *u, Proto *p, const SnapFunc *f, int withcallees)
{
  ProfFn *pf = p->prof;
  int unresolved = 0;
  for (uint32_t j = 0; j < f->nsite; j++) {
    const SnapSite *s = &u->img.sites[f->site0 + j];
    ProfSite *ps = &pf->site[s->pc];
    if (!withcallees) {
      ps->t1 |= s->t1 & ((1u << TAG__N) - 1);
      ps->t2 |= s->t2 & ((1u << TAG__N) - 1);
      ps->flags |= s->flags & (PS_MEGA | PS_TAKEN | PS_NOTTAKEN | PS_META | PS_HASH | PS_DEOPT |
                               PS_ENTRY);
      ps->count += s->count;
    }
    Str *key = fieldkey(p, s->pc);
    int call = iscall(p, s->pc);
    if (ps->nseen != 0 || (!key && !call) || (key != NULL) == withcallees)
      continue;
    void *obj[2] = { NULL, NULL };
    uint16_t slot[2] = { 0, 0 };
    int n = 0;
    for (int k = 0; k < s->nseen; k++) {
      void *o = NULL;
      if (key && s->kind[k] == SK_SHAPE) {
        Shape *sh = boundshape(L, u, s->ref[k]);
        if (sh) {
          int sl = shape_lookup(sh, key);
          slot[n] = sl < 0 ? SLOT_ABSENT : (uint16_t)sl;
          o = sh;
        }
      } else if (call && s->kind[k] == SK_LFN) {
        o = protobyfid(u, s->ref[k]);
      } else if (call && s->kind[k] == SK_CFN) {
        o = cfnbyname(L, u, s->ref[k]);
      }
      if (o)
        obj[n++] = o;
      else if (call && s->kind[k] == SK_LFN && snap_find(&u->img, s->ref[k]))
        unresolved++;
    }
    for (int k = 0; k < n; k++)
      gc_objbarrier(L, p, obj[k]);
    ps->seen[0] = obj[0];
    ps->slot = slot[0];
    ps->seen[1] = obj[1];
    ps->slot1 = slot[1];
    ps->nseen = (uint8_t)n;
  }
  return unresolved;
}

/* The record's counts and history; the profile goes on from there in this process. */
static void bindrecord(State *L, SnapUse *u, Proto *p, const SnapFunc *f)
{
  ProfFn *pf = p->prof;
  pf->calls += f->calls;
  pf->backedges += f->backedges;
  pf->lastchange = f->lastchange;
  pf->lastevent = pf->calls + pf->backedges;
  pf->deopts += f->deopts;
  pf->stable = f->stable;
  pf->nojit = f->nojit;
  bindsites(L, u, p, f, 0);
}

/* Shipped code of p: constants bound, exits and entries copied; 0 installed, 1 not arrived
 * yet, 2 a callee's chunk is not loaded yet (its fid in *missing), -1 with why. */
static int bindcode(State *L, SnapUse *u, Proto *p, const SnapCode *c, uint64_t *missing,
                    char *why, size_t nwhy)
{
  const SnapImage *img = &u->img;
  if (c->nentry != (uint32_t)p->ncode + 1) {
    snprintf(why, nwhy, "code for another bytecode length");
    return -1;
  }
  if (u->ready) {
    int r = u->ready(u->readyctx, img->sect[SS_CODE]->offset + c->off, c->size);
    if (r == 0)
      return 1;
    if (r < 0) {
      snprintf(why, nwhy, "the code section did not arrive whole");
      return -1;
    }
  }
  /* Its own checksum: the code section's may not be checked yet, code runs only intact. */
  if (snap_checksum(img->code + c->off, c->size) != c->csum) {
    snprintf(why, nwhy, "code checksum mismatch");
    return -1;
  }
  GCObj **consts = calloc(c->nconst ? c->nconst : 1, sizeof *consts);
  JitExit *exits = calloc(c->nexit ? c->nexit : 1, sizeof *exits);
  uint32_t *entry = calloc(c->nentry, sizeof *entry);
  if (!consts || !exits || !entry) {
    snprintf(why, nwhy, "out of memory");
    goto fail;
  }
  for (uint32_t i = 0; i < c->nconst; i++) {
    const SnapConst *k = &img->consts[c->const0 + i];
    GCObj *o = NULL;
    switch (k->kind) {
    case SC_SHAPE: o = (GCObj *)boundshape(L, u, k->ref); break;
    case SC_STR: o = (GCObj *)imgstr(L, u, k->ref); break;
    case SC_LFN: o = (GCObj *)protobyfid(u, k->ref); break;
    case SC_CFN: o = (GCObj *)cfnbyname(L, u, k->ref); break;
    }
    if (!o) {
      snprintf(why, nwhy, "constant %u (%s) not found in this process", i,
               k->kind == SC_LFN ? "a callee" : k->kind == SC_CFN ? "a library function" : "a shape");
      if (k->kind == SC_LFN && missing) {
        *missing = k->ref;
        free(consts);
        free(exits);
        free(entry);
        return 2;
      }
      goto fail;
    }
    consts[i] = o;
  }
  for (uint32_t i = 0; i < c->nexit; i++) {
    const SnapExit *x = &img->exits[c->exit0 + i];
    if (x->pc >= (uint32_t)p->ncode || x->kind > JX_RESUME || x->reason >= JR__N) {
      snprintf(why, nwhy, "bad exit %u", i);
      goto fail;
    }
    exits[i].pc = x->pc;
    exits[i].kind = x->kind;
    exits[i].reason = x->reason;
    exits[i].site = x->site;
  }
  memcpy(entry, img->entries + c->entry0, (size_t)c->nentry * 4);
  if (jit_install(L, p, img->code + c->off, c->size, consts, c->nconst, exits, c->nexit, entry,
                  c->nbc, why, nwhy) == 0)
    return 0;
fail:
  free(consts);
  free(exits);
  free(entry);
  return -1;
}

static void fname(const Proto *p, char *out, size_t n)
{
  char id[OBJ_IDSIZE];
  obj_chunkid(id, p->source ? p->source->data : "=?", p->source ? p->source->len : 2);
  snprintf(out, n, "%s:%d", id, p->linedefined);
}

/* Pass 1: records of p and everything nested in it. */
static void bindtree(State *L, SnapUse *u, Proto *p)
{
  for (int i = 0; i < p->np; i++)
    bindtree(L, u, p->p[i]);
  if (!p->prof)
    return;
  const SnapFunc *f = snap_find(&u->img, p->fid);
  if (!f || f->ncode != (uint32_t)p->ncode) {
    u->nmissing++;
    say(u, p, "no record (new or changed): cold", NULL);
    return;
  }
  Proto **slot = &u->bound[f - u->img.funcs];
  if (*slot == p)
    return;
  int fresh = *slot == NULL;
  *slot = p;      /* the latest proto of an id; held until the process ends */
  if (fresh || p->prof->calls == 0)
    bindrecord(L, u, p, f);
  u->nbound++;
}

/* p's code calls the function with id fid, of a chunk not loaded yet: p waits for it, counted
 * from now (0: cannot keep track, the code is refused). */
static int waitcallee(SnapUse *u, Proto *p, const SnapFunc *f, uint64_t fid)
{
  if (!u->waitfid) {
    u->waitfid = calloc(u->img.nfuncs, sizeof *u->waitfid);
    u->waitfrom = calloc(u->img.nfuncs, sizeof *u->waitfrom);
    if (!u->waitfid || !u->waitfrom) {
      free(u->waitfid);
      free(u->waitfrom);
      u->waitfid = u->waitfrom = NULL;
      return 0;
    }
  }
  size_t idx = (size_t)(f - u->img.funcs);
  u->waitfid[idx] = fid;
  u->waitfrom[idx] = p->prof->calls + p->prof->backedges;
  return 1;
}

/* Pass 2: callees (all of the chunk's functions are bound now), then code or a compile. */
static void codetree(State *L, SnapUse *u, Proto *p)
{
  for (int i = 0; i < p->np; i++)
    codetree(L, u, p->p[i]);
  const SnapFunc *f = snap_find(&u->img, p->fid);
  if (!f || u->bound[f - u->img.funcs] != p)
    return;
  if (bindsites(L, u, p, f, 1) > 0 && u->npending < u->img.nfuncs) {
    uint32_t *np = u->npending < u->cpending ? u->pending :
                   realloc(u->pending, (u->cpending = u->cpending * 2 + 8) * sizeof *np);
    if (np) {
      u->pending = np;
      u->pending[u->npending++] = (uint32_t)(f - u->img.funcs);
    }
  }
  char why[200];
  if (p->jit || !jit_state.on) {
    u->nrecord++;
    say(u, p, "profile record", NULL);
    JOLT_PROBE_SNAP_BIND(p->fid, 0);
    return;
  }
  if (f->code != SNAP_NONE && u->code_ok) {
    uint64_t missing;
    int r = bindcode(L, u, p, &u->img.codes[f->code], &missing, why, sizeof why);
    if (r == 0) {
      u->ncode++;
      say(u, p, "profile record and code", NULL);
      JOLT_PROBE_SNAP_BIND(p->fid, 2);
      return;
    }
    if (r == 2 && !waitcallee(u, p, f, missing))
      r = -1;
    if (r == 1 || r == 2) {   /* interpreted until its code can go in (snap_code_pending) */
      ProfFn *pf = p->prof;
      pf->snapwait = 1;
      /* The seeder compiled it, so it is hot: each call asks jit_compile, which asks whether
       * the code is in, however few calls the record has under this process's thresholds. */
      if (pf->calls < jit_state.hotcalls)
        pf->calls = jit_state.hotcalls;
      if (pf->backedges < jit_state.hotloops)
        pf->backedges = jit_state.hotloops;
      u->nwaited++;
      say(u, p, r == 1 ? "profile record, code still streaming" :
          "profile record, code waits for the chunk of a callee", NULL);
      return;
    }
    u->ncoderefused++;
    say(u, p, "code refused", why);
  }
  if (f->jitversions > 0 && !p->prof->nojit) {
    jit_compile(L, p);
    if (p->jit) {
      u->ncompiled++;
      say(u, p, "profile record, compiled from it", NULL);
      JOLT_PROBE_SNAP_BIND(p->fid, 1);
      return;
    }
  }
  u->nrecord++;
  say(u, p, "profile record", NULL);
  JOLT_PROBE_SNAP_BIND(p->fid, 0);
}

/* Call sites of earlier chunks whose callees this chunk brought (a module's functions called
 * by the main script): bound now, so the next compile of the caller can call them directly. */
static void bindpending(State *L, SnapUse *u)
{
  uint32_t keep = 0;
  for (uint32_t i = 0; i < u->npending; i++) {
    uint32_t idx = u->pending[i];
    Proto *q = u->bound[idx];
    if (q && bindsites(L, u, q, &u->img.funcs[idx], 1) > 0)
      u->pending[keep++] = idx;
  }
  u->npending = keep;
}

void snap_streaming(State *L, SnapReadyFn ready, void *ctx)
{
  SnapUse *u = use_of(L);
  if (u) {
    u->ready = ready;
    u->readyctx = ctx;
  }
}

int snap_code_pending(State *L, Proto *p)
{
  SnapUse *u = use_of(L);
  if (!p->prof->snapwait)
    return 0;
  const SnapFunc *f = u ? snap_find(&u->img, p->fid) : NULL;
  if (!f || f->code == SNAP_NONE || !u->code_ok) {
    p->prof->snapwait = 0;
    return 0;
  }
  char why[200];
  size_t idx = (size_t)(f - u->img.funcs);
  ProfFn *pf = p->prof;
  if (u->waitfid && u->waitfid[idx]) {
    /* Waiting for a callee's chunk: cheap until the callee is there. A chunk that never comes
     * (the seeder loaded a module this run does not) must not keep p interpreted: once p is
     * hot by this process's own calls, it compiles as any function would. */
    if (!protobyfid(u, u->waitfid[idx])) {
      if (pf->calls + pf->backedges - u->waitfrom[idx] < (uint64_t)jit_state.hotcalls * 4 +
                                                          (uint64_t)jit_state.hotloops * 4)
        return 1;
      pf->snapwait = 0;
      u->waitfid[idx] = 0;
      u->ncoderefused++;
      say(u, p, "code refused", "a callee's chunk was not loaded while it ran hot");
      return 0;
    }
    u->waitfid[idx] = 0;
  }
  uint64_t missing;
  int r = bindcode(L, u, p, &u->img.codes[f->code], &missing, why, sizeof why);
  if (r == 1)
    return 1;
  if (r == 2 && waitcallee(u, p, f, missing))
    return 1;
  pf->snapwait = 0;
  if (r == 0) {
    u->ncode++;
    say(u, p, "code arrived, bound", NULL);
    JOLT_PROBE_SNAP_BIND(p->fid, 2);
    return 1;
  }
  u->ncoderefused++;
  say(u, p, "code refused", why);
  return 0;
}

void snap_bind(State *L, Proto *p)
{
  SnapUse *u = use_of(L);
  if (!u)
    return;
  uint32_t before = u->npending;
  bindtree(L, u, p);
  if (before)
    bindpending(L, u);
  codetree(L, u, p);
}

/* Replay the shape tree; a record that would repeat a key of its parent stays unbound. */
static void replayshapes(State *L, SnapUse *u)
{
  for (uint32_t i = 0; i < u->img.nshapes; i++) {
    const SnapShape *s = &u->img.shapes[i];
    Shape *parent = boundshape(L, u, s->parent);
    u->shapes[i] = NULL;
    if (!parent || parent->nkeys >= SHAPE_MAXKEYS)
      continue;
    Str *key = imgstr(L, u, s->key);
    if (!key->isshort || shape_lookup(parent, key) >= 0)
      continue;
    u->shapes[i] = shape_add(L, parent, key);
  }
}

static const char *basename_of(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void releasebuf(uint8_t *buf, void (*release)(uint8_t *))
{
  if (release)
    release(buf);
  else
    free(buf);
}

int snap_use(State *L, SnapImage *img, uint8_t *buf, void (*release)(uint8_t *buf),
             const char *script, int flags, const char *label, char *why, size_t nwhy)
{
  const SnapHeader *h = img->h;
  if (script && h->program[0] &&
      strncmp(basename_of(script), h->program, sizeof h->program) != 0) {
    snprintf(why, nwhy, "a snapshot of another program (%.*s, not %s)", (int)sizeof h->program,
             h->program, basename_of(script));
    snap_image_free(img);
    releasebuf(buf, release);
    return -1;
  }
  SnapUse *u = calloc(1, sizeof *u);
  if (u) {
    u->shapes = calloc(img->nshapes ? img->nshapes : 1, sizeof *u->shapes);
    u->bound = calloc(img->nfuncs ? img->nfuncs : 1, sizeof *u->bound);
  }
  if (!u || !u->shapes || !u->bound) {
    if (u) {
      free(u->shapes);
      free(u->bound);
      free(u);
    }
    snprintf(why, nwhy, "out of memory");
    snap_image_free(img);
    releasebuf(buf, release);
    return -1;
  }
  u->img = *img;
  memset(img, 0, sizeof *img);
  u->buf = buf;
  u->release = release;
  u->flags = flags;
  snprintf(u->label, sizeof u->label, "%s", label);
  char cwhy[200];
  if (flags & SNAPU_NOCODE) {
    u->code_ok = 0;
  } else if (!u->img.codes) {
    u->code_ok = 0;
  } else if (jit_state.stress || !jit_state.on) {
    u->code_ok = 0;
    if (flags & SNAPU_VERBOSE)
      fprintf(stderr, "%s: code not used: the JIT is %s\n", label, jit_state.on ? "in stress mode" : "off");
  } else if (snap_code_usable(&u->img, cwhy, sizeof cwhy) != 0) {
    u->code_ok = 0;
    fprintf(stderr, "%s: %s: profile records only\n", label, cwhy);
  } else {
    u->code_ok = 1;
  }
  G(L)->snap = u;
  replayshapes(L, u);
  if (flags & SNAPU_VERBOSE) {
    uint32_t nbound = 0;
    for (uint32_t i = 0; i < u->img.nshapes; i++)
      nbound += u->shapes[i] != NULL;
    fprintf(stderr, "%s: %u function records, %u with code (%s), %u of %u shapes replayed\n",
            label, u->img.nfuncs, u->img.ncodes, u->code_ok ? "usable" : "not used", nbound,
            u->img.nshapes);
  }
  return 0;
}

void snap_loaded_main(State *L, const char *script, uint64_t mainfid)
{
  snap_set_program(script, mainfid);
  SnapUse *u = use_of(L);
  if (u && (u->flags & SNAPU_VERBOSE) && u->img.h->program_hash != mainfid)
    fprintf(stderr, "%s: the program changed since the snapshot: %u of its functions kept, "
            "%u new or changed\n", u->label, u->nbound, u->nmissing);
}

void snap_mark(State *L)
{
  SnapUse *u = use_of(L);
  if (!u)
    return;
  for (uint32_t i = 0; i < u->img.nshapes; i++)
    if (u->shapes[i])
      gc_mark(L, (GCObj *)u->shapes[i]);
  for (uint32_t i = 0; i < u->img.nfuncs; i++)
    if (u->bound[i])
      gc_mark(L, (GCObj *)u->bound[i]);
}

void snap_report(State *L, FILE *out)
{
  SnapUse *u = use_of(L);
  if (!u)
    return;
  fprintf(out, "snapshot: %u functions bound (%u with code, %u compiled from their record, "
          "%u record only), %u without a record, %u code refused, %u waited for their code\n",
          u->nbound, u->ncode, u->ncompiled, u->nrecord, u->nmissing, u->ncoderefused,
          u->nwaited);
}

void snap_release(State *L)
{
  SnapUse *u = use_of(L);
  if (!u)
    return;
  G(L)->snap = NULL;
  snap_image_free(&u->img);
  releasebuf(u->buf, u->release);
  free(u->shapes);
  free(u->bound);
  free(u->pending);
  free(u->waitfid);
  free(u->waitfrom);
  free(u);
}

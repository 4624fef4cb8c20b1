/* snap_write.c: a snapshot of the running process: its profiles, the shapes they name and the
 * compiled code, turned into heap-independent records (snap.h) and written atomically. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap.h"
#include "snap_rt.h"
#include "state.h"
#include "prof.h"
#include "jit.h"
#include "jit_ir.h"
#include "tab.h"
#include "str.h"
#include "bc.h"
#include "probe.h"

typedef struct CfnName { const CClosure *cl; uint32_t name; } CfnName;

typedef struct W {
  State *L;
  SnapModel m;
  CfnName *cfn; uint32_t ncfn;
  int cfnscanned;
} W;

/* Program identity for the header (set by the CLI once the main script is loaded). */
static char program_name[128];
static uint64_t program_hash;

void snap_set_program(const char *name, uint64_t hash)
{
  const char *base = strrchr(name, '/');
  snprintf(program_name, sizeof program_name, "%s", base ? base + 1 : name);
  program_hash = hash;
}

/* Shape s as a shape index (SNAP_NONE for the root); parents first. SNAP_NONE - 1: no room. */
static uint32_t shapeidx(W *w, const Shape *s)
{
  if (s->parent == NULL)
    return SNAP_NONE;
  uint32_t parent = shapeidx(w, s->parent);
  if (parent == SNAP_NONE - 1)
    return parent;
  uint32_t key = snap_str(&w->m, s->key->data, s->key->len);
  uint32_t r = key == SNAP_NONE ? SNAP_NONE : snap_shape(&w->m, parent, key);
  return r == SNAP_NONE ? SNAP_NONE - 1 : r;
}

/* Library C functions by name: "mod.key" for every C function in package.loaded[mod]. */
static void scancfns(W *w)
{
  w->cfnscanned = 1;
  State *L = w->L;
  const TValue *loaded = tab_getstr(tabvalue(&G(L)->registry), str_newz(L, "_LOADED"));
  if (!ttistab(loaded))
    return;
  TValue mk[2];
  setnil(&mk[0]);
  while (tab_next(L, tabvalue(loaded), mk)) {
    if (!ttisstr(&mk[0]) || !ttistab(&mk[1]))
      continue;
    Table *mod = tabvalue(&mk[1]);
    TValue kv[2];
    setnil(&kv[0]);
    while (tab_next(L, mod, kv)) {
      if (!ttisstr(&kv[0]) || !ttiscfn(&kv[1]))
        continue;
      const CClosure *cl = cfnvalue(&kv[1]);
      uint32_t j;
      for (j = 0; j < w->ncfn && w->cfn[j].cl != cl; j++) {}
      if (j < w->ncfn)
        continue;
      char name[256];
      int n = snprintf(name, sizeof name, "%s.%s", strvalue(&mk[0])->data, strvalue(&kv[0])->data);
      if (n <= 0 || (size_t)n >= sizeof name)
        continue;
      CfnName *nc = realloc(w->cfn, (w->ncfn + 1) * sizeof *nc);
      if (!nc)
        return;
      w->cfn = nc;
      w->cfn[w->ncfn].cl = cl;
      w->cfn[w->ncfn].name = snap_str(&w->m, name, (size_t)n);
      w->ncfn++;
    }
  }
}

/* The name of a library C function, or SNAP_NONE (closures made at run time have none). */
static uint32_t cfnname(W *w, const CClosure *cl)
{
  if (!w->cfnscanned)
    scancfns(w);
  for (uint32_t j = 0; j < w->ncfn; j++)
    if (w->cfn[j].cl == cl)
      return w->cfn[j].name;
  return SNAP_NONE;
}

/* One seen[] object as (kind, ref); 0 when it cannot be named. */
static int nameobj(W *w, const GCObj *o, uint8_t *kind, uint64_t *ref)
{
  switch (o->tt) {
  case TAG_SHAPE: {
    uint32_t s = shapeidx(w, (const Shape *)o);
    if (s == SNAP_NONE - 1)
      return 0;
    *kind = SK_SHAPE;
    *ref = s;
    return 1;
  }
  case TAG_PROTO:
    *kind = SK_LFN;
    *ref = ((const Proto *)o)->fid;
    return 1;
  case TAG_CFN: {
    uint32_t n = cfnname(w, (const CClosure *)o);
    if (n == SNAP_NONE)
      return 0;
    *kind = SK_CFN;
    *ref = n;
    return 1;
  }
  default:
    return 0;
  }
}

static int addsites(W *w, SnapFunc *sf, const ProfFn *pf)
{
  sf->site0 = w->m.nsites;
  for (uint32_t pc = 0; pc < pf->nsites; pc++) {
    const ProfSite *s = &pf->site[pc];
    if (!(s->t1 | s->t2 | s->flags | s->nseen | s->count))
      continue;
    SnapSite *r = snap_addsite(&w->m);
    if (!r)
      return -1;
    r->pc = pc;
    r->t1 = s->t1;
    r->t2 = s->t2;
    r->flags = s->flags;
    r->count = s->count;
    r->slot = s->slot;
    r->slot1 = s->slot1;
    for (int j = 0; j < s->nseen && j < 2; j++) {
      if (s->seen[j] && nameobj(w, s->seen[j], &r->kind[r->nseen], &r->ref[r->nseen]))
        r->nseen++;
      else
        r->flags |= PS_MEGA;   /* an object without a name: do not speculate on this site */
    }
    sf->nsite++;
  }
  return 0;
}

/* The code of j, if all its slot-table constants can be named. */
static int addcode(W *w, SnapFunc *sf, const JitFn *j)
{
  SnapModel *m = &w->m;
  uint32_t k0 = m->nconsts;
  for (uint32_t i = 0; i < j->nconst; i++) {
    const GCObj *o = j->consts[i];
    SnapConst *k = snap_addconst(m);
    if (!k)
      return -1;
    uint8_t sk;
    uint64_t ref;
    if (o->tt == TAG_STR) {
      const Str *s = (const Str *)o;
      k->kind = SC_STR;
      k->ref = snap_str(m, s->data, s->len);
    } else if (nameobj(w, o, &sk, &ref)) {
      k->kind = sk == SK_SHAPE ? SC_SHAPE : sk == SK_LFN ? SC_LFN : SC_CFN;
      k->ref = ref;
    } else {
      m->nconsts = k0;   /* unnamed constant: no code for this function */
      return 0;
    }
  }
  SnapCode *c = snap_addcode(m, j->code, j->codesize);
  if (!c)
    return -1;
  c->fid = sf->fid;
  c->nconst = j->nconst;
  c->const0 = k0;
  c->exit0 = m->nexits;
  c->nexit = j->nexits;
  for (uint32_t i = 0; i < j->nexits; i++) {
    SnapExit *x = snap_addexit(m);
    if (!x)
      return -1;
    x->pc = j->exits[i].pc;
    x->kind = j->exits[i].kind;
    x->reason = j->exits[i].reason;
    x->site = j->exits[i].site;
  }
  c->entry0 = m->nentries;
  c->nentry = (uint32_t)j->proto->ncode + 1;
  if (snap_addentries(m, j->entry, c->nentry) != 0)
    return -1;
  c->nbc = j->nbc;
  sf->code = m->ncodes - 1;
  return 0;
}

static uint64_t heat(const ProfFn *f) { return f->calls + f->backedges; }

static int hotfirst(const void *a, const void *b)
{
  uint64_t x = heat(*(ProfFn *const *)a), y = heat(*(ProfFn *const *)b);
  return x < y ? 1 : x > y ? -1 : 0;
}

int snap_write(State *L, const char *path, int flags, char *why, size_t nwhy)
{
  W w;
  memset(&w, 0, sizeof w);
  w.L = L;
  snap_model_init(&w.m);
  SnapModel *m = &w.m;
  int rc = -1;
  size_t n = 0, cap = 256;
  ProfFn **fns = malloc(cap * sizeof *fns);
  uint32_t *fids = NULL;
  if (!fns)
    goto oom;
  if ((flags & SNAPW_FINAL) && jit_state.on)
    for (ProfFn *f = G(L)->prof.fns; f; f = f->next) {
      if (!f->proto)
        continue;
      if (f->proto->jit)
        jit_refresh(L, f->proto);
      /* Half-way to hot: a process that runs longer than this one will compile it, so the
       * seeder does now, and jump-started processes need not. */
      else if (!f->nojit && !jit_state.stress &&
               (2 * f->calls >= jit_state.hotcalls || 2 * f->backedges >= jit_state.hotloops))
        jit_compile(L, f->proto);
    }
  for (ProfFn *f = G(L)->prof.fns; f; f = f->next) {
    if (heat(f) == 0 || !f->proto)
      continue;
    if (n == cap) {
      ProfFn **nf = realloc(fns, 2 * cap * sizeof *fns);
      if (!nf)
        goto oom;
      fns = nf;
      cap *= 2;
    }
    fns[n++] = f;
  }
  qsort(fns, n, sizeof *fns, hotfirst);
  /* fid -> record index + 1, open addressing: identical functions share one record. */
  size_t fcap = 16;
  while (fcap < 2 * n + 2)
    fcap *= 2;
  fids = calloc(fcap, sizeof *fids);
  if (!fids)
    goto oom;
  uint32_t imp[8];
  for (int i = 0; i < snap_nimport_names; i++)
    imp[i] = snap_str(m, snap_import_names[i], strlen(snap_import_names[i]));
  int shipcode = !jit_state.stress;   /* stress code fails guards on purpose: never ship it */
  uint64_t samples = 0;
  for (size_t i = 0; i < n; i++) {
    ProfFn *f = fns[i];
    Proto *p = f->proto;
    samples += heat(f);
    size_t h = (size_t)(p->fid ^ (p->fid >> 32)) & (fcap - 1);
    while (fids[h] && m->funcs[fids[h] - 1].fid != p->fid)
      h = (h + 1) & (fcap - 1);
    if (fids[h]) {
      SnapFunc *sf = &m->funcs[fids[h] - 1];
      sf->calls += f->calls;
      sf->backedges += f->backedges;
      continue;
    }
    SnapFunc *sf = snap_addfunc(m);
    if (!sf)
      goto oom;
    fids[h] = m->nfuncs;
    sf->fid = p->fid;
    sf->calls = f->calls;
    sf->backedges = f->backedges;
    sf->lastchange = f->lastchange;
    sf->deopts = f->deopts + (p->jit ? p->jit->deopts : 0);
    sf->ncode = (uint32_t)p->ncode;
    sf->stable = (uint8_t)f->stable;
    sf->nojit = (uint8_t)f->nojit;
    sf->jitversions = f->jitversions;
    sf->line = (uint32_t)p->linedefined;
    sf->code = SNAP_NONE;
    char id[OBJ_IDSIZE], name[OBJ_IDSIZE + 16];
    obj_chunkid(id, p->source ? p->source->data : "=?", p->source ? p->source->len : 2);
    int nl = snprintf(name, sizeof name, "%s:%d", id, p->linedefined);
    uint32_t nm = snap_str(m, name, (size_t)nl);
    sf = &m->funcs[m->nfuncs - 1];   /* the string table may not move records, but be plain */
    sf->name = nm;
    if (nm == SNAP_NONE || addsites(&w, sf, f) != 0)
      goto oom;
    if (shipcode && p->jit && !p->jit->dead && addcode(&w, &m->funcs[m->nfuncs - 1], p->jit) != 0)
      goto oom;
  }
  for (int i = 0; i < snap_nimport_names; i++)
    if (imp[i] == SNAP_NONE || snap_addimport(m, imp[i]) != 0)
      goto oom;
  m->h.created = (uint64_t)time(NULL);
  m->h.samples = samples;
  m->h.program_hash = program_hash;
  memcpy(m->h.program, program_name, sizeof m->h.program);
  rc = snap_model_write(m, path, why, nwhy);
  if (rc == 0)
    JOLT_PROBE_SNAPSHOT(path, m->nfuncs, m->ncodes);
  goto done;
oom:
  snprintf(why, nwhy, "out of memory");
done:
  free(fns);
  free(fids);
  free(w.cfn);
  snap_model_free(m);
  return rc;
}

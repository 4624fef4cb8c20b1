/* snap_merge.c: jolt-snap merge: the profiles of several seeding processes as one snapshot.
 *
 * Function records are united by function id: counts add up, the stability point is the
 * latest, a function is stable only if every seeder found it so and left uncompiled if any gave
 * up on it. Sites are united by pc: type sets and flags OR'ed, counts added, seen shapes and
 * callees united up to two (a third makes the site megamorphic). Strings and shapes are entered
 * anew into the output's tables, so every index is re-mapped, in code constants too.
 * A function keeps compiled code only when the input it comes from already knew everything the
 * merged record says (the code's speculation still holds); otherwise the loader compiles it
 * from the merged record. docs/jolt-snap.md describes the rules.
 */
#include <stdlib.h>
#include <string.h>

#include "snap_tool.h"
#include "prof.h"

typedef struct MFunc {
  SnapFunc f;                 /* merged record; name in the output's strings */
  SnapSite *sites;            /* by pc, seen refs in the output's index space */
  uint32_t nsites;
  uint32_t order;             /* first appearance: the tie-break of the hot-first order */
  int codefrom;               /* input whose code is kept, -1 for none */
  uint32_t codeidx;           /* its code record there */
  int hadcode;                /* some input had code for it */
} MFunc;

typedef struct Merge {
  SnapModel m;
  SnapIn *in;
  int nin;
  uint32_t **strmap;          /* per input: string -> output string + 1 (0: not entered yet) */
  uint32_t **shapemap;        /* per input: shape -> output shape */
  MFunc *fn;
  uint32_t nfn, cfn;
  uint32_t *fmap, cfmap;      /* fid -> fn index + 1, open addressing */
  int code_ok;                /* the inputs with code agree on the build that wrote it */
  char why[600];
} Merge;

static uint32_t sat32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

/* -- Re-indexing into the output's tables ---------------------------------------------------- */

static uint32_t map_str(Merge *g, int k, uint32_t idx)
{
  uint32_t *map = g->strmap[k];
  if (map[idx])
    return map[idx] - 1;
  uint32_t len;
  const char *s = snap_string(&g->in[k].img, idx, &len);
  uint32_t r = snap_str(&g->m, s, len);
  if (r != SNAP_NONE)
    map[idx] = r + 1;
  return r;
}

/* Input k's shapes in the output, parents first (an image lists a parent before its children). */
static int map_shapes(Merge *g, int k)
{
  const SnapImage *img = &g->in[k].img;
  for (uint32_t i = 0; i < img->nshapes; i++) {
    const SnapShape *s = &img->shapes[i];
    uint32_t parent = s->parent == SNAP_NONE ? SNAP_NONE : g->shapemap[k][s->parent];
    uint32_t key = map_str(g, k, s->key);
    uint32_t r = key == SNAP_NONE ? SNAP_NONE : snap_shape(&g->m, parent, key);
    if (r == SNAP_NONE)
      return -1;
    g->shapemap[k][i] = r;
  }
  return 0;
}

/* A seen[] reference of input k in the output's index space; SNAP_NONE - 1 when out of memory. */
static uint64_t map_ref(Merge *g, int k, uint8_t kind, uint64_t ref)
{
  switch (kind) {
  case SK_SHAPE: return ref == SNAP_NONE ? SNAP_NONE : g->shapemap[k][ref];
  case SK_CFN: {
    uint32_t r = map_str(g, k, (uint32_t)ref);
    return r == SNAP_NONE ? SNAP_NONE - 1 : r;
  }
  default: return ref;   /* SK_LFN: a function id, the same in every file */
  }
}

/* The sites of input k's record f (below ncode) in the output's index space, into a new array. */
static int map_sites(Merge *g, int k, const SnapFunc *f, uint32_t ncode, SnapSite **out,
                     uint32_t *n)
{
  const SnapImage *img = &g->in[k].img;
  SnapSite *s = malloc((f->nsite ? f->nsite : 1) * sizeof *s);
  if (!s)
    return -1;
  uint32_t j = 0;
  for (uint32_t i = 0; i < f->nsite; i++) {
    const SnapSite *src = &img->sites[f->site0 + i];
    if (src->pc >= ncode)
      continue;
    s[j] = *src;
    for (int e = 0; e < src->nseen; e++) {
      s[j].ref[e] = map_ref(g, k, src->kind[e], src->ref[e]);
      if (s[j].ref[e] == SNAP_NONE - 1) {
        free(s);
        return -1;
      }
    }
    j++;
  }
  *out = s;
  *n = j;
  return 0;
}

/* -- Uniting records ------------------------------------------------------------------------- */

static int has_seen(const SnapSite *s, uint8_t kind, uint64_t ref)
{
  for (int e = 0; e < s->nseen; e++)
    if (s->kind[e] == kind && s->ref[e] == ref)
      return 1;
  return 0;
}

static void seen_add(SnapSite *d, uint8_t kind, uint64_t ref)
{
  if (has_seen(d, kind, ref))
    return;
  if (d->nseen < 2) {
    d->kind[d->nseen] = kind;
    d->ref[d->nseen] = ref;
    d->nseen++;
  } else {
    d->flags |= PS_MEGA;
  }
}

static void site_unite(SnapSite *d, const SnapSite *s)
{
  d->t1 |= s->t1;
  d->t2 |= s->t2;
  d->flags |= s->flags;
  d->count = sat32((uint64_t)d->count + s->count);
  for (int e = 0; e < s->nseen; e++)
    seen_add(d, s->kind[e], s->ref[e]);
}

/* Both lists by pc into one (a site of one pc in both is united). */
static int sites_unite(MFunc *mf, const SnapSite *s, uint32_t n)
{
  SnapSite *u = malloc(((size_t)mf->nsites + n + 1) * sizeof *u);
  if (!u)
    return -1;
  uint32_t i = 0, j = 0, o = 0;
  while (i < mf->nsites || j < n) {
    if (j == n || (i < mf->nsites && mf->sites[i].pc < s[j].pc)) {
      u[o++] = mf->sites[i++];
    } else if (i == mf->nsites || s[j].pc < mf->sites[i].pc) {
      u[o++] = s[j++];
    } else {
      u[o] = mf->sites[i++];
      site_unite(&u[o++], &s[j++]);
    }
  }
  free(mf->sites);
  mf->sites = u;
  mf->nsites = o;
  return 0;
}

static MFunc *find_fn(const Merge *g, uint64_t fid, uint32_t *slot)
{
  uint32_t h = (uint32_t)(fid ^ (fid >> 32)) & (g->cfmap - 1);
  for (; g->fmap[h]; h = (h + 1) & (g->cfmap - 1))
    if (g->fn[g->fmap[h] - 1].f.fid == fid)
      break;
  *slot = h;
  return g->fmap[h] ? &g->fn[g->fmap[h] - 1] : NULL;
}

static MFunc *new_fn(Merge *g, int k, const SnapFunc *f, uint32_t slot)
{
  MFunc *mf = &g->fn[g->nfn];
  memset(mf, 0, sizeof *mf);
  mf->f = *f;
  mf->f.name = map_str(g, k, f->name);
  if (mf->f.name == SNAP_NONE)
    return NULL;
  mf->f.site0 = mf->f.nsite = 0;
  mf->f.code = SNAP_NONE;
  mf->order = g->nfn;
  mf->codefrom = -1;
  g->fmap[slot] = ++g->nfn;
  return mf;
}

/* Input k's record f into the merged records. */
static int unite_fn(Merge *g, int k, const SnapFunc *f)
{
  uint32_t slot;
  MFunc *mf = find_fn(g, f->fid, &slot);
  int fresh = mf == NULL;
  if (fresh && !(mf = new_fn(g, k, f, slot)))
    return -1;
  if (!fresh) {
    SnapFunc *d = &mf->f;
    d->calls += f->calls;
    d->backedges += f->backedges;
    d->deopts = sat32((uint64_t)d->deopts + f->deopts);
    d->lastchange = f->lastchange > d->lastchange ? f->lastchange : d->lastchange;
    d->stable = d->stable && f->stable;
    d->nojit = d->nojit || f->nojit;
    d->jitversions = f->jitversions > d->jitversions ? f->jitversions : d->jitversions;
  }
  SnapSite *s;
  uint32_t n;
  if (map_sites(g, k, f, mf->f.ncode, &s, &n) != 0)
    return -1;
  int rc = sites_unite(mf, s, n);
  free(s);
  return rc;
}

/* -- Which code survives ------------------------------------------------------------------- */

static int seen_equal(const SnapSite *a, const SnapSite *b)
{
  if (a->nseen != b->nseen)
    return 0;
  for (int e = 0; e < a->nseen; e++)
    if (!has_seen(b, a->kind[e], a->ref[e]))
      return 0;
  return 1;
}

/* Whether input k's record f says all that the merged record says (type sets, flags, seen). */
static int same_record(Merge *g, int k, const SnapFunc *f, const MFunc *mf)
{
  SnapSite *s;
  uint32_t n;
  if (f->nojit != mf->f.nojit || map_sites(g, k, f, mf->f.ncode, &s, &n) != 0)
    return 0;
  int same = n == mf->nsites;
  for (uint32_t i = 0; same && i < n; i++) {
    const SnapSite *a = &s[i], *b = &mf->sites[i];
    same = a->pc == b->pc && a->t1 == b->t1 && a->t2 == b->t2 && a->flags == b->flags &&
           seen_equal(a, b);
  }
  free(s);
  return same;
}

static void choose_code(Merge *g)
{
  for (uint32_t i = 0; i < g->nfn; i++) {
    MFunc *mf = &g->fn[i];
    for (int k = 0; k < g->nin; k++) {
      const SnapFunc *f = snap_find(&g->in[k].img, mf->f.fid);
      if (!f || f->code == SNAP_NONE)
        continue;
      mf->hadcode = 1;
      if (g->code_ok && f->ncode == mf->f.ncode && same_record(g, k, f, mf)) {
        mf->codefrom = k;
        mf->codeidx = f->code;
        break;
      }
    }
  }
}

/* -- Writing the output model ------------------------------------------------------------ */

/* Code record c of input k, its constants re-indexed; the output code index or SNAP_NONE. */
static uint32_t emit_code(Merge *g, int k, const SnapCode *c)
{
  const SnapImage *img = &g->in[k].img;
  SnapModel *m = &g->m;
  uint32_t const0 = m->nconsts, exit0 = m->nexits, entry0 = m->nentries;
  for (uint32_t i = 0; i < c->nconst; i++) {
    const SnapConst *src = &img->consts[c->const0 + i];
    uint64_t ref = src->ref;
    if (src->kind == SC_SHAPE && ref != SNAP_NONE)
      ref = g->shapemap[k][ref];
    else if (src->kind == SC_STR || src->kind == SC_CFN)
      ref = map_str(g, k, (uint32_t)ref);
    SnapConst *d = snap_addconst(m);
    if (!d || ((src->kind == SC_STR || src->kind == SC_CFN) && ref == SNAP_NONE))
      return SNAP_NONE;
    d->kind = src->kind;
    d->ref = ref;
  }
  for (uint32_t i = 0; i < c->nexit; i++) {
    SnapExit *x = snap_addexit(m);
    if (!x)
      return SNAP_NONE;
    *x = img->exits[c->exit0 + i];
  }
  if (snap_addentries(m, img->entries + c->entry0, c->nentry) != 0)
    return SNAP_NONE;
  SnapCode *d = snap_addcode(m, img->code + c->off, c->size);
  if (!d)
    return SNAP_NONE;
  d->fid = c->fid;
  d->nconst = c->nconst;
  d->const0 = const0;
  d->nexit = c->nexit;
  d->exit0 = exit0;
  d->nentry = c->nentry;
  d->entry0 = entry0;
  d->nbc = c->nbc;
  d->flags = c->flags;
  return m->ncodes - 1;
}

static uint64_t heat(const MFunc *f) { return f->f.calls + f->f.backedges; }

static int hotfirst(const void *a, const void *b)
{
  const MFunc *x = *(MFunc *const *)a, *y = *(MFunc *const *)b;
  if (heat(x) != heat(y))
    return heat(x) < heat(y) ? 1 : -1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Functions hot first, each with its sites and kept code; then the helpers the code imports. */
static int emit(Merge *g)
{
  SnapModel *m = &g->m;
  MFunc **order = malloc((g->nfn ? g->nfn : 1) * sizeof *order);
  if (!order)
    return -1;
  for (uint32_t i = 0; i < g->nfn; i++)
    order[i] = &g->fn[i];
  qsort(order, g->nfn, sizeof *order, hotfirst);
  int importfrom = -1;
  for (uint32_t i = 0; i < g->nfn; i++) {
    MFunc *mf = order[i];
    uint32_t code = SNAP_NONE;
    if (mf->codefrom >= 0) {
      const SnapImage *img = &g->in[mf->codefrom].img;
      code = emit_code(g, mf->codefrom, &img->codes[mf->codeidx]);
      if (code == SNAP_NONE)
        goto oom;
      importfrom = mf->codefrom;
    }
    uint32_t site0 = m->nsites;
    for (uint32_t j = 0; j < mf->nsites; j++) {
      SnapSite *s = snap_addsite(m);
      if (!s)
        goto oom;
      *s = mf->sites[j];
    }
    SnapFunc *f = snap_addfunc(m);
    if (!f)
      goto oom;
    *f = mf->f;
    f->site0 = site0;
    f->nsite = mf->nsites;
    f->code = code;
  }
  if (importfrom >= 0) {
    const SnapImage *img = &g->in[importfrom].img;
    for (uint32_t i = 0; i < img->nimports; i++) {
      uint32_t name = map_str(g, importfrom, img->imports[i]);
      if (name == SNAP_NONE || snap_addimport(m, name) != 0)
        goto oom;
    }
  }
  free(order);
  return 0;
oom:
  free(order);
  return -1;
}

/* The output header: identity of the first input, sums and the newest time of all of them. */
static void merge_header(Merge *g)
{
  SnapHeader *h = &g->m.h;
  const SnapHeader *first = g->in[0].img.h;
  const SnapHeader *coded = NULL;
  for (uint32_t i = 0; i < g->nfn && !coded; i++)
    if (g->fn[i].codefrom >= 0)
      coded = g->in[g->fn[i].codefrom].img.h;
  memcpy(h->build_id, (coded ? coded : first)->build_id, sizeof h->build_id);
  h->bcid = first->bcid;
  h->cpu_have = first->cpu_have;
  h->cpu_need = first->cpu_need;
  h->created = h->samples = 0;
  h->seeders = 0;
  h->flags = 0;
  for (int k = 0; k < g->nin; k++) {
    const SnapHeader *x = g->in[k].img.h;
    h->cpu_have &= x->cpu_have;    /* what every seeding machine had */
    if (x->flags & SH_CODE)
      h->cpu_need |= x->cpu_need;
    h->created = x->created > h->created ? x->created : h->created;
    h->seeders = sat32((uint64_t)h->seeders + x->seeders);
    h->samples += x->samples;
    h->flags |= x->flags;
  }
  h->flags = (h->flags & ~SH_CODE) | SH_MERGED;
  h->program_hash = first->program_hash;
  memcpy(h->program, first->program, sizeof h->program);
}

/* -- The command ----------------------------------------------------------------------------- */

/* Same program, same bytecode; code only if every input with code has the same build id. */
static int check_inputs(Merge *g)
{
  const SnapHeader *a = g->in[0].img.h;
  const SnapHeader *coded = NULL;
  char pa[129], pb[129];
  snap_program_of(a, pa);
  g->code_ok = 1;
  for (int k = 0; k < g->nin; k++) {
    const SnapHeader *b = g->in[k].img.h;
    snap_program_of(b, pb);
    if (strcmp(pa, pb) != 0) {
      snprintf(g->why, sizeof g->why, "%s and %s are snapshots of different programs (%s, %s)",
               g->in[0].path, g->in[k].path, pa, pb);
      return -1;
    }
    if (a->bcid != b->bcid) {
      snprintf(g->why, sizeof g->why, "%s and %s are about different bytecode (ids %08x, %08x)",
               g->in[0].path, g->in[k].path, a->bcid, b->bcid);
      return -1;
    }
    if (!g->in[k].img.codes)
      continue;
    if (coded && memcmp(coded->build_id, b->build_id, sizeof b->build_id) != 0)
      g->code_ok = 0;
    coded = b;
  }
  return 0;
}

static int merge_init(Merge *g, SnapIn *in, int n)
{
  memset(g, 0, sizeof *g);
  snap_model_init(&g->m);
  g->in = in;
  g->nin = n;
  g->strmap = calloc((size_t)n, sizeof *g->strmap);
  g->shapemap = calloc((size_t)n, sizeof *g->shapemap);
  if (!g->strmap || !g->shapemap)
    return -1;
  uint64_t total = 0;
  for (int k = 0; k < n; k++) {
    const SnapImage *img = &in[k].img;
    g->strmap[k] = calloc(img->nstr + 1, sizeof **g->strmap);
    g->shapemap[k] = calloc(img->nshapes + 1, sizeof **g->shapemap);
    if (!g->strmap[k] || !g->shapemap[k])
      return -1;
    total += img->nfuncs;
  }
  if (total > (1u << 28))
    return -1;
  g->cfmap = 16;
  while (g->cfmap < 2 * total + 2)
    g->cfmap *= 2;
  g->fmap = calloc(g->cfmap, sizeof *g->fmap);
  g->fn = calloc(total + 1, sizeof *g->fn);
  g->cfn = (uint32_t)total;
  return g->fmap && g->fn ? 0 : -1;
}

static void merge_free(Merge *g)
{
  for (int k = 0; k < g->nin; k++) {
    if (g->strmap)
      free(g->strmap[k]);
    if (g->shapemap)
      free(g->shapemap[k]);
  }
  free(g->strmap);
  free(g->shapemap);
  for (uint32_t i = 0; i < g->nfn; i++)
    free(g->fn[i].sites);
  free(g->fn);
  free(g->fmap);
  snap_model_free(&g->m);
}

/* Unite the inputs into g's model; 0, or -1 with the reason in g->why. */
static int merge_run(Merge *g)
{
  if (check_inputs(g) != 0)
    return -1;
  for (int k = 0; k < g->nin; k++) {
    if (map_shapes(g, k) != 0)
      goto oom;
    const SnapImage *img = &g->in[k].img;
    for (uint32_t i = 0; i < img->nfuncs; i++)
      if (unite_fn(g, k, &img->funcs[i]) != 0)
        goto oom;
  }
  choose_code(g);
  if (emit(g) != 0)
    goto oom;
  merge_header(g);
  return 0;
oom:
  snprintf(g->why, sizeof g->why, "out of memory");
  return -1;
}

int cmd_merge(int argc, char **argv)
{
  const char *out = NULL;
  char **paths = calloc((size_t)argc + 1, sizeof *paths);
  int n = 0;
  if (!paths)
    return 1;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !out) {
      out = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      free(paths);
      return tool_usage();
    } else {
      paths[n++] = argv[i];
    }
  }
  if (n < 2 || !out) {
    free(paths);
    return tool_usage();
  }
  SnapIn *in = calloc((size_t)n, sizeof *in);
  if (!in || snapin_load_all(in, paths, n) != 0) {
    free(in);
    free(paths);
    return 1;
  }
  Merge g;
  int rc = 1;
  if (merge_init(&g, in, n) != 0)
    snprintf(g.why, sizeof g.why, "out of memory");
  else if (merge_run(&g) == 0 && snap_model_write(&g.m, out, g.why, sizeof g.why) == 0)
    rc = 0;
  if (rc == 0) {
    uint32_t kept = 0, dropped = 0;
    for (uint32_t i = 0; i < g.nfn; i++) {
      kept += g.fn[i].codefrom >= 0;
      dropped += g.fn[i].hadcode && g.fn[i].codefrom < 0;
    }
    if (!g.code_ok)
      fprintf(stderr, "jolt-snap: the inputs' code was written by different builds: "
              "profiles merged, code dropped\n");
    printf("merged %d snapshots: %u functions, %u with code, %u code dropped\n", n, g.nfn, kept,
           dropped);
  } else {
    fprintf(stderr, "jolt-snap: merge: %s\n", g.why);
  }
  merge_free(&g);
  for (int k = 0; k < n; k++)
    snapin_free(&in[k]);
  free(in);
  free(paths);
  return rc;
}

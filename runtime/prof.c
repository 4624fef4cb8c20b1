/* prof.c: profile records of the interpreter and function ids. */
#include <string.h>
#include "prof.h"
#include "state.h"
#include "gc.h"
#include "bc.h"
#include "snap_rt.h"

/* -- Function ids ----------------------------------------------------------------------- */

/* FNV-1a over bytes, finished with a 64-bit avalanche so nearby inputs spread over all bits. */
typedef struct FidHash { uint64_t h; } FidHash;

static void fid_bytes(FidHash *fh, const void *p, size_t n)
{
  const unsigned char *b = p;
  uint64_t h = fh->h;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  fh->h = h;
}

static void fid_u64(FidHash *fh, uint64_t v) { fid_bytes(fh, &v, sizeof v); }

static uint64_t fid_finish(uint64_t h)
{
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static void fid_str(FidHash *fh, const Str *s)
{
  if (s == NULL) {
    fid_u64(fh, UINT64_MAX);
    return;
  }
  fid_u64(fh, s->len);
  fid_bytes(fh, s->data, s->len);
}

/* Constants are hashed by value and tag, so 1 and 1.0 differ, as they do for the VM. */
static void fid_const(FidHash *fh, const TValue *k)
{
  unsigned char tag = tt(k);
  fid_bytes(fh, &tag, 1);
  switch (tag) {
  case TAG_INT: fid_u64(fh, (uint64_t)ivalue(k)); break;
  case TAG_FLT: { uint64_t bits; memcpy(&bits, &fltvalue(k), 8); fid_u64(fh, bits); break; }
  case TAG_STR: fid_str(fh, strvalue(k)); break;
  default: break;   /* nil, false, true: the tag says it all */
  }
}

/* A file chunk ("@dir/app.lua") is named by its file name alone, so a function keeps its id
 * whether the script is run as app.lua, ./app.lua or /srv/app/app.lua. */
uint64_t prof_srchash(const Proto *p)
{
  FidHash fh = { 0xcbf29ce484222325ULL };
  const Str *src = p->source;
  if (src && src->len > 0 && src->data[0] == '@') {
    const char *base = src->data + 1;
    for (const char *c = base; c < src->data + src->len; c++)
      if (*c == '/')
        base = c + 1;
    size_t n = (size_t)(src->data + src->len - base);
    fid_u64(&fh, n + 1);
    fid_bytes(&fh, "@", 1);
    fid_bytes(&fh, base, n);
  } else {
    fid_str(&fh, src);
  }
  return fh.h;
}

uint64_t prof_fid(const Proto *p, uint64_t srchash)
{
  FidHash fh = { 0xcbf29ce484222325ULL };
  fid_u64(&fh, srchash);
  unsigned char hdr[3] = { p->numparams, p->is_vararg, p->maxstack };
  fid_bytes(&fh, hdr, sizeof hdr);
  fid_u64(&fh, (uint64_t)p->ncode);
  fid_bytes(&fh, p->code, (size_t)p->ncode * sizeof(Instr));
  fid_u64(&fh, (uint64_t)p->nk);
  for (int i = 0; i < p->nk; i++)
    fid_const(&fh, &p->k[i]);
  fid_u64(&fh, (uint64_t)p->nupvals);
  for (int i = 0; i < p->nupvals; i++) {
    unsigned char d[3] = { p->upvals[i].instack, p->upvals[i].idx, p->upvals[i].kind };
    fid_bytes(&fh, d, sizeof d);
    fid_str(&fh, p->upvals[i].name);
  }
  /* Nested functions by their ids: a changed closure body changes its parent's id too. */
  fid_u64(&fh, (uint64_t)p->np);
  for (int i = 0; i < p->np; i++)
    fid_u64(&fh, p->p[i]->fid);
  return fid_finish(fh.h);
}

/* -- Records ---------------------------------------------------------------------------- */

static size_t prof_size(int nsites)
{
  return sizeof(ProfFn) + (size_t)nsites * sizeof(ProfSite);
}

/* The chunk name is hashed once per chunk: for load(text) it is the whole text. */
static void attach(State *L, Proto *p, uint64_t srchash)
{
  for (int i = 0; i < p->np; i++)
    attach(L, p->p[i], p->p[i]->source == p->source ? srchash : prof_srchash(p->p[i]));
  p->fid = prof_fid(p, srchash);
  if (p->prof != NULL)
    return;
  ProfFn *f = gc_alloc(L, NULL, 0, prof_size(p->ncode));
  memset(f, 0, prof_size(p->ncode));
  f->nsites = (uint32_t)p->ncode;
  f->proto = p;
  ProfState *ps = &G(L)->prof;
  f->next = ps->fns;
  if (ps->fns)
    ps->fns->prev = f;
  ps->fns = f;
  ps->nprotos++;
  p->prof = f;
}

void prof_attach(State *L, Proto *p)
{
  attach(L, p, prof_srchash(p));
  snap_bind(L, p);   /* a jump-start: records (and code) of the functions just compiled */
}

void prof_free(State *L, Proto *p)
{
  ProfFn *f = p->prof;
  if (f == NULL)
    return;
  ProfState *ps = &G(L)->prof;
  if (f->prev)
    f->prev->next = f->next;
  else
    ps->fns = f->next;
  if (f->next)
    f->next->prev = f->prev;
  ps->nfreed++;
  gc_free(L, f, prof_size((int)f->nsites));
  p->prof = NULL;
}

void prof_mark(State *L, Proto *p)
{
  ProfFn *f = p->prof;
  if (f == NULL)
    return;
  for (uint32_t i = 0; i < f->nsites; i++) {
    ProfSite *s = &f->site[i];
    for (int j = 0; j < 2; j++)
      if (s->seen[j] != NULL)
        gc_mark(L, (GCObj *)s->seen[j]);
  }
}

/* A record changed: the stability point moves and the profiling window (re)opens. */
static void changed(ProfFn *f)
{
  f->lastchange = f->calls;
  f->lastevent = f->calls + f->backedges;
  f->stable = 0;
}

void prof_newtype(ProfFn *f, ProfSite *s, int which, int tag)
{
  uint16_t *m = which == 1 ? &s->t1 : &s->t2;
  *m |= tagbit(tag);
  changed(f);
}

/* seen[0] is the most recent distinct object (the interpreter's inline cache); seen[1] the
 * other one of a bimorphic site. A third distinct object makes the site megamorphic: the set
 * stops growing and only the cache entry moves. */
void prof_newseen(State *L, ProfFn *f, ProfSite *s, void *obj, uint32_t slot)
{
  /* The proto may be black already: a shape or callee stored now must not stay white. */
  gc_objbarrier(L, f->proto, obj);
  if (s->seen[1] == obj) {
    s->seen[1] = s->seen[0];
    s->slot1 = s->slot;
  } else if (s->nseen < 2) {
    s->seen[1] = s->seen[0];
    s->slot1 = s->slot;
    s->nseen++;
    changed(f);
  } else if (!(s->flags & PS_MEGA)) {
    s->flags |= PS_MEGA;
    changed(f);
  }
  s->seen[0] = obj;
  s->slot = (uint16_t)slot;
}

/* -- Reports ---------------------------------------------------------------------------- */

void prof_report(State *L, FILE *out)
{
  ProfState *ps = &G(L)->prof;
  uint64_t live = 0, calls = 0, loops = 0, mega = 0, poly = 0, sites = 0;
  for (ProfFn *f = ps->fns; f != NULL; f = f->next) {
    live++;
    calls += f->calls;
    loops += f->backedges;
    for (uint32_t i = 0; i < f->nsites; i++) {
      ProfSite *s = &f->site[i];
      if (s->t1 | s->t2 | s->nseen)
        sites++;
      if (s->flags & PS_MEGA)
        mega++;
      else if (s->nseen == 2)
        poly++;
    }
  }
  fprintf(out, "jolt stats:\n");
  fprintf(out, "  functions profiled   %llu (%llu live)\n",
          (unsigned long long)ps->nprotos, (unsigned long long)live);
  fprintf(out, "  calls                %llu\n", (unsigned long long)calls);
  fprintf(out, "  loop iterations      %llu\n", (unsigned long long)loops);
  fprintf(out, "  sites with records   %llu (%llu bimorphic, %llu megamorphic)\n",
          (unsigned long long)sites, (unsigned long long)poly, (unsigned long long)mega);
  fprintf(out, "  gc cycles            %llu\n", (unsigned long long)G(L)->gc.ncollections);
  fprintf(out, "  heap bytes now       %zu\n", G(L)->gc.totalbytes);
}

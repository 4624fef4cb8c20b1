/* gc.c: memory accounting and the incremental tri-color mark and sweep collector.
 *
 * A cycle runs through these phases, a bounded amount of work per step:
 *
 *   PAUSE -> PROPAGATE -> ATOMIC -> SWEEP allgc -> SWEEP finobj -> SWEEP tobefnz -> CALLFIN
 *   (mark roots) (drain gray)  (one go)  (free the old white, repaint the rest)  (run __gc)
 *
 * Colors live in `marked`: white (one of two: the current one for new objects, the other one
 * for objects that were not reached in the last mark), gray (neither white nor black: reached,
 * children not yet scanned, the object sits in a gray list) and black (reached and scanned).
 * Objects that are written without a barrier (thread stacks, weak tables, open upvalues) are
 * scanned again in the atomic phase. Strings and shapes have no gray state: marking them
 * marks everything they reference at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state.h"
#include "gc.h"
#include "jit.h"
#include "snap_rt.h"
#include "str.h"
#include "tab.h"
#include "func.h"
#include "call.h"
#include "prof.h"
#include "probe.h"

enum { GCS_PAUSE, GCS_PROPAGATE, GCS_ATOMIC, GCS_SWPALLGC, GCS_SWPFINOBJ, GCS_SWPTOBEFNZ,
       GCS_SWPEND, GCS_CALLFIN };

#define STP_USER  1         /* collectgarbage("stop") */
#define STP_GC    2         /* inside the collector (or a finalizer): no reentry */
#define STP_CLOSE 4         /* the state is closing: no new finalizers */

#define KIND_INC 0
#define KIND_GEN 1

#define SWEEPMAX   100      /* objects swept per sweep step */
#define SWEEPCOST  32       /* work units (bytes) charged per swept object */
#define FINMAX     10       /* finalizers run per step */
#define STRESS_DEBT 0      /* stress: any allocation puts the collector in debt again */

#define white(g)        ((g)->currentwhite & GC_WHITES)
#define setgray(o)      ((o)->marked &= (uint8_t)~(GC_WHITES | GC_BLACK))
#define setblack(o)     ((o)->marked = (uint8_t)(((o)->marked & ~GC_WHITES) | GC_BLACK))
#define makewhite(g, o) ((o)->marked = (uint8_t)(((o)->marked & ~(GC_WHITES | GC_BLACK)) | white(g)))
#define keepinvariant(g) ((g)->gcstate <= GCS_ATOMIC && (g)->gcstate != GCS_PAUSE)

static void markobject(State *L, GCObj *o);

/* -- Allocation ------------------------------------------------------------------------- */

void gc_init(State *L) {
  GCState *g = &G(L)->gc;
  g->currentwhite = GC_WHITE0;
  g->gcstate = GCS_PAUSE;
  g->gckind = KIND_GEN;   /* lua5.4's standalone interpreter starts generational */
  g->pause = 200;
  g->stepmul = 100;
  g->stepsize = 13;
  g->genminor = 20;
  g->genmajor = 100;
#ifdef JOLT_GC_STRESS
  g->debt = STRESS_DEBT;
#else
  g->debt = -(ptrdiff_t)(64 * 1024);   /* let the runtime boot before the first cycle */
#endif
}

static void *tryrealloc(State *L, void *p, size_t nsize) {
  Global *G_ = G(L);
  uintptr_t block = (uintptr_t)p;   /* a failed realloc leaves the block valid for a retry */
  void *np = realloc(p, nsize);
  if (likely(np != NULL)) return np;
  /* A full collection may free enough; not from inside the collector, nor before the
   * runtime is fully set up (no memory error message yet). */
  if ((G_->gc.gcstp & STP_GC) || !G_->memerrmsg) return NULL;
  gc_fullgc(L, 1);
  return realloc((void *)block, nsize);
}

void *gc_alloc(State *L, void *p, size_t osize, size_t nsize) {
  GCState *g = &G(L)->gc;
  void *np;
  if (nsize == 0) {
    free(p);
    g->totalbytes -= osize;
    g->debt -= (ptrdiff_t)osize;
    return NULL;
  }
  np = tryrealloc(L, p, nsize);
  if (unlikely(np == NULL)) {
    if (G(L)->memerrmsg) {
      setstr(L->top, G(L)->memerrmsg);
      L->top++;
    }
    call_throw(L, ST_ERRMEM);
  }
  g->totalbytes += nsize - osize;
  g->debt += (ptrdiff_t)nsize - (ptrdiff_t)osize;
  return np;
}

GCObj *gc_newobj(State *L, int tag, size_t size) {
  GCState *g = &G(L)->gc;
  GCObj *o;
  if (unlikely(g->currentwhite == 0)) gc_init(L);
  o = gc_alloc(L, NULL, 0, size);
  o->tt = (uint8_t)tag;
  o->marked = white(g);
  o->gcnext = g->allgc;
  g->allgc = o;
  return o;
}

void gc_fix(State *L, GCObj *o) {
  GCState *g = &G(L)->gc;
  /* Only the newest object can be fixed: it is the head of allgc. */
  g->allgc = o->gcnext;
  o->marked = (uint8_t)((o->marked & ~(GC_WHITES | GC_BLACK)) | GC_FIXED);
  o->gcnext = g->fixedgc;
  g->fixedgc = o;
}

/* -- Freeing ---------------------------------------------------------------------------- */

void gc_freeobj(State *L, GCObj *o) {
  switch (o->tt) {
  case TAG_STR: {
    Str *s = (Str *)o;
    if (s->isshort) str_remove(L, s);
    gc_free(L, s, offsetof(Str, data) + s->len + 1);
    break;
  }
  case TAG_TAB: tab_free(L, (Table *)o); break;
  case TAG_SHAPE: shape_free(L, (Shape *)o); break;
  case TAG_PROTO: func_freeproto(L, (Proto *)o); break;
  case TAG_THREAD: state_freethread(L, (State *)o); break;
  case TAG_LFN: gc_free(L, o, func_lclosuresize(((LClosure *)o)->nup)); break;
  case TAG_CFN: gc_free(L, o, func_cclosuresize(((CClosure *)o)->nup)); break;
  case TAG_UD: gc_free(L, o, offsetof(Udata, data) + ((Udata *)o)->len); break;
  case TAG_UPVAL: {
    UpVal *uv = (UpVal *)o;
    if (uv->v != &uv->u.closed) func_unlinkupval(uv);   /* its thread lives on */
    gc_free(L, o, sizeof(UpVal));
    break;
  }
  default: break;
  }
}

/* -- Marking ---------------------------------------------------------------------------- */

static GCObj **gclistof(GCObj *o) {
  switch (o->tt) {
  case TAG_TAB: return &((Table *)o)->gclist;
  case TAG_LFN: return &((LClosure *)o)->gclist;
  case TAG_CFN: return &((CClosure *)o)->gclist;
  case TAG_UD: return &((Udata *)o)->gclist;
  case TAG_PROTO: return &((Proto *)o)->gclist;
  case TAG_THREAD: return &((State *)o)->gclist;
  default: return NULL;
  }
}

/* Link o into a gray list; an object in a list is gray. */
static void linkgray(GCObj *o, GCObj **list) {
  *gclistof(o) = *list;
  *list = o;
  setgray(o);
}

static void markvalue(State *L, const TValue *v) {
  if (iscollectable(v) && gc_iswhite(gcvalue(v))) markobject(L, gcvalue(v));
}

#define markobj(L, o) do { GCObj *mo_ = (GCObj *)(o); \
    if (mo_ && gc_iswhite(mo_)) markobject(L, mo_); } while (0)

static void rememberopenuv(State *L, UpVal *uv) {
  GCState *g = &G(L)->gc;
  if (g->nopenuv == g->openuvcap) {
    size_t ncap = g->openuvcap ? g->openuvcap * 2 : 64;
    UpVal **n = realloc(g->openuv, ncap * sizeof(UpVal *));
    if (n == NULL) {
      /* Without room to remember it, keep its value alive the conservative way: the
       * thread's stack slot is marked now and the upvalue stays gray. */
      markvalue(L, uv->v);
      return;
    }
    g->openuv = n;
    g->openuvcap = ncap;
  }
  g->openuv[g->nopenuv++] = uv;
}

static void markobject(State *L, GCObj *o) {
  GCState *g = &G(L)->gc;
  switch (o->tt) {
  case TAG_STR:
    setblack(o);
    break;
  case TAG_SHAPE: {
    Shape *s = (Shape *)o;
    /* A shape's ancestors and keys: walk up until a marked ancestor. */
    while (s && gc_iswhite((GCObj *)s)) {
      setblack((GCObj *)s);
      if (s->key && gc_iswhite((GCObj *)s->key)) setblack((GCObj *)s->key);
      s = s->parent;
    }
    break;
  }
  case TAG_UPVAL: {
    UpVal *uv = (UpVal *)o;
    if (uv->v != &uv->u.closed) {
      /* Open: its slot may change without a barrier; the atomic phase marks it again. */
      setgray(o);
      rememberopenuv(L, uv);
    } else {
      setblack(o);
    }
    markvalue(L, uv->v);
    break;
  }
  default:
    if (gclistof(o)) linkgray(o, &g->gray);
    else setblack(o);
    break;
  }
}

void gc_mark(State *L, GCObj *o) {
  markobj(L, o);
}

/* -- Traversal -------------------------------------------------------------------------- */

/* The weakness of a table from its metatable's __mode: bit 1 keys, bit 2 values. */
static int weakmode(State *L, Table *t) {
  Str *name = G(L)->tmname[TM_MODE];
  const TValue *m;
  int w = 0;
  if (!t->mt || !name) return 0;
  m = tab_getstr(t->mt, name);
  if (!ttisstr(m)) return 0;
  if (strchr(strdata(strvalue(m)), 'k')) w |= 1;
  if (strchr(strdata(strvalue(m)), 'v')) w |= 2;
  return w;
}

/* A removed entry keeps its key only for next(): it need not keep the key alive. */
static void deadentry(Node *n) {
  if (iscollectable(&n->key)) n->key.tt = TAG_DEADKEY;
}

/* Whether a weak reference to v is cleared: strings are values and never are. */
static int iscleared(State *L, const TValue *v) {
  if (!iscollectable(v)) return 0;
  if (ttisstr(v)) {
    if (gc_iswhite(gcvalue(v))) setblack(gcvalue(v));
    return 0;
  }
  return gc_iswhite(gcvalue(v)) != 0;
}

static void markfields(State *L, Table *t, int vals) {
  uint32_t i;
  markobj(L, t->shape);
  if (!vals || !t->shape) return;
  for (i = 0; i < t->shape->nkeys; i++) markvalue(L, &t->slots[i]);
}

static void traversestrong(State *L, Table *t) {
  uint32_t i;
  for (i = 0; i < t->asize; i++) markvalue(L, &t->arr[i]);
  markfields(L, t, 1);
  for (i = 0; i < t->hsize; i++) {
    Node *n = &t->node[i];
    if (ttisnil(&n->val)) { deadentry(n); continue; }
    markvalue(L, &n->key);
    markvalue(L, &n->val);
  }
}

/* Weak values: keys are strong; values wait for the atomic phase's clearing. */
static void traverseweakvalues(State *L, Table *t) {
  GCState *g = &G(L)->gc;
  uint32_t i;
  markfields(L, t, 0);
  for (i = 0; i < t->hsize; i++) {
    Node *n = &t->node[i];
    if (ttisnil(&n->val)) deadentry(n);
    else markvalue(L, &n->key);
  }
  linkgray((GCObj *)t, g->gcstate == GCS_ATOMIC ? &g->weak : &g->grayagain);
}

/* Ephemeron: a value is reached only through its key. Returns 1 if it marked something. */
static int traverseephemeron(State *L, Table *t) {
  GCState *g = &G(L)->gc;
  int marked = 0, pending = 0, clears = 0;
  uint32_t i;
  for (i = 0; i < t->asize; i++) {
    if (iscollectable(&t->arr[i]) && gc_iswhite(gcvalue(&t->arr[i]))) {
      marked = 1;
      markobject(L, gcvalue(&t->arr[i]));
    }
  }
  markfields(L, t, 1);
  for (i = 0; i < t->hsize; i++) {
    Node *n = &t->node[i];
    if (ttisnil(&n->val)) { deadentry(n); continue; }
    if (iscleared(L, &n->key)) {
      clears = 1;
      if (iscollectable(&n->val) && gc_iswhite(gcvalue(&n->val))) pending = 1;
    } else if (iscollectable(&n->val) && gc_iswhite(gcvalue(&n->val))) {
      marked = 1;
      markobject(L, gcvalue(&n->val));
    }
  }
  if (g->gcstate == GCS_PROPAGATE) linkgray((GCObj *)t, &g->grayagain);
  else if (pending) linkgray((GCObj *)t, &g->ephemeron);
  else if (clears) linkgray((GCObj *)t, &g->allweak);
  return marked;
}

static size_t traversetable(State *L, Table *t) {
  GCState *g = &G(L)->gc;
  markobj(L, t->mt);
  switch (weakmode(L, t)) {
  case 0: traversestrong(L, t); break;
  case 1: traverseephemeron(L, t); break;
  case 2: traverseweakvalues(L, t); break;
  default:
    markfields(L, t, 0);
    linkgray((GCObj *)t, &g->allweak);
    break;
  }
  return tab_memsize(t);
}

static size_t traverseproto(State *L, Proto *p) {
  int i;
  markobj(L, p->source);
  for (i = 0; i < p->nk; i++) markvalue(L, &p->k[i]);
  for (i = 0; i < p->nupvals; i++) markobj(L, p->upvals[i].name);
  for (i = 0; i < p->np; i++) markobj(L, p->p[i]);
  for (i = 0; i < p->nlocvars; i++) markobj(L, p->locvars[i].name);
  prof_mark(L, p);
  jit_mark(L, p);
  return sizeof(Proto) + (size_t)p->ncode * 8 + (size_t)p->nk * sizeof(TValue);
}

/* The end of the live stack: L->top, or the running Lua frame's register window. Registers
 * of outer frames above their callee are dead, as in lua5.4 (a local that went out of
 * scope does not keep its value alive). */
static TValue *stacklimit(State *th) {
  CallInfo *ci = th->ci;
  if (ci && (ci->status & CIST_LUA) && ci->top > th->top) return ci->top;
  return th->top;
}

static size_t traversethread(State *L, State *th) {
  GCState *g = &G(L)->gc;
  TValue *o, *lim;
  UpVal *uv;
  if (th->stack == NULL) return sizeof(State);   /* still being built */
  lim = stacklimit(th);
  for (o = th->stack; o < lim; o++) markvalue(L, o);
  for (uv = th->openupval; uv; uv = uv->u.open.next) markobj(L, uv);
  markvalue(L, &th->hookfn);
  markobj(L, th->resumer);
  if (g->gcstate == GCS_ATOMIC) {
    /* Slots above the limit are dead; clearing them keeps them from pointing at freed
     * objects when the stack grows back over them. */
    for (; o < th->stack + th->stacksize; o++) setnil(o);
  } else {
    linkgray((GCObj *)th, &g->grayagain);
  }
  return sizeof(State) + (size_t)th->stacksize * sizeof(TValue);
}

/* Scan the children of one gray object; returns the work done in bytes. */
static size_t propagatemark(State *L) {
  GCState *g = &G(L)->gc;
  GCObj *o = g->gray;
  g->gray = *gclistof(o);
  setblack(o);
  switch (o->tt) {
  case TAG_TAB: return traversetable(L, (Table *)o);
  case TAG_LFN: {
    LClosure *cl = (LClosure *)o;
    int i;
    markobj(L, cl->p);
    for (i = 0; i < cl->nup; i++) markobj(L, cl->up[i]);
    return func_lclosuresize(cl->nup);
  }
  case TAG_CFN: {
    CClosure *cl = (CClosure *)o;
    int i;
    for (i = 0; i < cl->nup; i++) markvalue(L, &cl->up[i]);
    return func_cclosuresize(cl->nup);
  }
  case TAG_UD: {
    Udata *u = (Udata *)o;
    markobj(L, u->mt);
    markvalue(L, &u->user);
    return sizeof(Udata);
  }
  case TAG_PROTO: return traverseproto(L, (Proto *)o);
  case TAG_THREAD: return traversethread(L, (State *)o);
  default: return 0;
  }
}

static void propagateall(State *L) {
  while (G(L)->gc.gray) propagatemark(L);
}

static void markroots(State *L) {
  Global *g = G(L);
  int i;
  markobj(L, g->mainthread);
  markobj(L, L);
  markvalue(L, &g->registry);
  for (i = 0; i < BT__N; i++) markobj(L, g->mt[i]);
  for (i = 0; i < TM__N; i++) markobj(L, g->tmname[i]);
  snap_mark(L);
}

/* Objects waiting for their finalizer are alive until it has run. */
static void markbeingfnz(State *L) {
  GCObj *o;
  for (o = G(L)->gc.tobefnz; o; o = o->gcnext) markobj(L, o);
}

static void remarkopenuv(State *L) {
  GCState *g = &G(L)->gc;
  size_t i;
  for (i = 0; i < g->nopenuv; i++) {   /* the vector may grow while we go */
    markvalue(L, g->openuv[i]->v);
    propagateall(L);
  }
}

/* Traverse ephemeron tables until no value is newly reached through a marked key. */
static void convergeephemerons(State *L) {
  GCState *g = &G(L)->gc;
  int changed;
  do {
    GCObj *next = g->ephemeron;
    g->ephemeron = NULL;
    changed = 0;
    while (next) {
      Table *t = (Table *)next;
      next = t->gclist;
      setblack((GCObj *)t);
      if (traverseephemeron(L, t)) {
        propagateall(L);
        changed = 1;
      }
    }
  } while (changed);
}

/* -- Clearing weak tables --------------------------------------------------------------- */

static void clearbykeys(State *L, GCObj *list) {
  for (; list; list = ((Table *)list)->gclist) {
    Table *t = (Table *)list;
    uint32_t i;
    for (i = 0; i < t->hsize; i++) {
      Node *n = &t->node[i];
      if (!ttisnil(&n->val) && iscleared(L, &n->key)) setnil(&n->val);
      if (ttisnil(&n->val)) deadentry(n);
    }
  }
}

/* Clear unmarked values of the tables in list up to (not including) `upto`. */
static void clearbyvalues(State *L, GCObj *list, GCObj *upto) {
  for (; list != upto; list = ((Table *)list)->gclist) {
    Table *t = (Table *)list;
    uint32_t i;
    for (i = 0; i < t->asize; i++)
      if (iscleared(L, &t->arr[i])) setnil(&t->arr[i]);
    if (t->shape)
      for (i = 0; i < t->shape->nkeys; i++)
        if (iscleared(L, &t->slots[i])) setnil(&t->slots[i]);
    for (i = 0; i < t->hsize; i++) {
      Node *n = &t->node[i];
      if (!ttisnil(&n->val) && iscleared(L, &n->val)) setnil(&n->val);
      if (ttisnil(&n->val)) deadentry(n);
    }
  }
}

/* -- Finalizers ------------------------------------------------------------------------- */

static Table *metatableof(GCObj *o) {
  if (o->tt == TAG_TAB) return ((Table *)o)->mt;
  if (o->tt == TAG_UD) return ((Udata *)o)->mt;
  return NULL;
}

void gc_checkfinalizer(State *L, GCObj *o, Table *mt) {
  GCState *g = &G(L)->gc;
  Str *name = G(L)->tmname[TM_GC];
  GCObj **p;
  if ((o->marked & (GC_FINOBJ | GC_FIXED)) || !mt || !name || (g->gcstp & STP_CLOSE)) return;
  if (ttisnil(tab_getstr(mt, name))) return;
  /* Recently made objects sit near allgc's head, so this search is usually short. */
  for (p = &g->allgc; *p != o; p = &(*p)->gcnext) {}
  if (g->gcstate >= GCS_SWPALLGC && g->gcstate <= GCS_SWPEND) {
    makewhite(g, o);   /* swept or not, it is alive */
    if (g->sweepgc == &o->gcnext) g->sweepgc = p;
  }
  *p = o->gcnext;
  o->gcnext = g->finobj;
  g->finobj = o;
  o->marked |= GC_FINOBJ;
}

/* Move unreached (or, with all, every) object with a finalizer to the end of tobefnz. */
static void separatetobefnz(State *L, int all) {
  GCState *g = &G(L)->gc;
  GCObj **p = &g->finobj, **last = &g->tobefnz;
  while (*last) last = &(*last)->gcnext;
  while (*p) {
    GCObj *o = *p;
    if (all || gc_iswhite(o)) {
      *p = o->gcnext;
      o->gcnext = NULL;
      *last = o;
      last = &o->gcnext;
    } else {
      p = &o->gcnext;
    }
  }
}

static void dofinalizer(State *L, void *ud) {
  call_call(L, L->top - 2, 0);
}

static void warnerror(State *L) {
  const TValue *e = L->top - 1;
  const char *msg = ttisstr(e) ? strdata(strvalue(e)) : "error object is not a string";
  if (G(L)->warnon) {
    fprintf(stderr, "Lua warning: error in __gc (%s)\n", msg);
    fflush(stderr);
  }
}

/* Run the finalizer of the first object in tobefnz, which becomes an ordinary object. */
static void callonefinalizer(State *L) {
  Global *G_ = G(L);
  GCState *g = &G_->gc;
  GCObj *o = g->tobefnz;
  Table *mt = metatableof(o);
  const TValue *tm;
  TValue fn;
  g->tobefnz = o->gcnext;
  o->gcnext = g->allgc;
  g->allgc = o;
  o->marked &= (uint8_t)~GC_FINOBJ;
  if (!keepinvariant(g)) makewhite(g, o);
  tm = mt && G_->tmname[TM_GC] ? tab_getstr(mt, G_->tmname[TM_GC]) : NULL;
  if (tm && !ttisnil(tm)) {
    ptrdiff_t saved = savestack(L, L->top), top;
    uint8_t oldstp = g->gcstp, oldhook = L->allowhook;
    int status;
    /* Stay above every live register of the running Lua frame. */
    if (L->ci && (L->ci->status & CIST_LUA) && L->ci->top > L->top) L->top = L->ci->top;
    top = savestack(L, L->top);
    fn = *tm;   /* copied: tm points into the metatable, which may change meanwhile */
    call_checkstack(L, 2);
    setobj(L->top, &fn);
    setgco(L->top + 1, o, o->tt);
    L->top += 2;
    g->gcstp |= STP_GC;
    L->allowhook = 0;
    L->ci->status |= CIST_FIN;
    status = call_pcall(L, dofinalizer, NULL, top, 0);
    L->ci->status &= (uint16_t)~CIST_FIN;
    L->allowhook = oldhook;
    g->gcstp = oldstp;
    if (status != ST_OK) warnerror(L);
    L->top = restorestack(L, saved);
  }
}

static void callallfinalizers(State *L) {
  while (G(L)->gc.tobefnz) callonefinalizer(L);
}

/* -- Sweeping --------------------------------------------------------------------------- */

/* Sweep up to `count` objects of the list at p: free the dead, repaint the living white. */
static GCObj **sweeplist(State *L, GCObj **p, int count, int *swept) {
  GCState *g = &G(L)->gc;
  uint8_t other = (uint8_t)gc_otherwhite(G(L));
  int n = 0;
  while (*p && n < count) {
    GCObj *o = *p;
    n++;
    if ((o->marked & other) && !(o->marked & GC_FIXED)) {
      *p = o->gcnext;
      gc_freeobj(L, o);
    } else {
      makewhite(g, o);
      p = &o->gcnext;
    }
  }
  if (swept) *swept = n;
  return *p ? p : NULL;
}

static void entersweep(State *L) {
  GCState *g = &G(L)->gc;
  g->gcstate = GCS_SWPALLGC;
  g->sweepgc = &g->allgc;
}

static size_t sweepstep(State *L, GCObj **next, int nextstate) {
  GCState *g = &G(L)->gc;
  int n = 0;
  if (g->sweepgc) {
    g->sweepgc = sweeplist(L, g->sweepgc, SWEEPMAX, &n);
    return (size_t)n * SWEEPCOST + 1;
  }
  g->gcstate = (uint8_t)nextstate;
  g->sweepgc = next;
  return 1;
}

/* -- The cycle -------------------------------------------------------------------------- */

static void restartcollection(State *L) {
  GCState *g = &G(L)->gc;
  g->gray = g->grayagain = NULL;
  g->weak = g->ephemeron = g->allweak = NULL;
  g->nopenuv = 0;
  /* The main thread is fixed (never swept), so repaint it here to have it traversed. */
  if (G(L)->mainthread) makewhite(g, (GCObj *)G(L)->mainthread);
  markroots(L);
  markbeingfnz(L);
}

static size_t atomic(State *L) {
  GCState *g = &G(L)->gc;
  GCObj *origweak, *origall;
  g->gcstate = GCS_ATOMIC;
  markroots(L);   /* roots may have changed without barriers (e.g. basic-type metatables) */
  propagateall(L);
  remarkopenuv(L);
  g->gray = g->grayagain;
  g->grayagain = NULL;
  propagateall(L);
  convergeephemerons(L);
  /* Weak values go before resurrection: a finalized object is gone from weak values. */
  clearbyvalues(L, g->weak, NULL);
  clearbyvalues(L, g->allweak, NULL);
  origweak = g->weak;
  origall = g->allweak;
  separatetobefnz(L, 0);
  markbeingfnz(L);
  propagateall(L);
  remarkopenuv(L);
  convergeephemerons(L);
  /* Keys after resurrection: a resurrected key keeps its entry until it really dies. */
  clearbykeys(L, g->ephemeron);
  clearbykeys(L, g->allweak);
  clearbyvalues(L, g->weak, origweak);
  clearbyvalues(L, g->allweak, origall);
  g->nopenuv = 0;
  g->currentwhite = (uint8_t)gc_otherwhite(G(L));
  g->ncollections++;
  return 4096;
}

static void setpause(GCState *g) {
  size_t threshold;
  /* Generational mode runs incremental cycles here; starting one when the heap has grown by
   * the minor multiplier (20%) keeps peak memory where a real minor collection would. */
  int pause = g->gckind == KIND_GEN ? 100 + g->genminor : g->pause;
  if (pause <= 0) pause = 1;
  g->estimate = g->totalbytes;
  threshold = g->estimate / 100 * (size_t)pause;
  g->debt = (ptrdiff_t)g->totalbytes - (ptrdiff_t)threshold;
  if (g->debt > 0) g->debt = 0;
}

static size_t singlestep(State *L) {
  GCState *g = &G(L)->gc;
  size_t work;
  switch (g->gcstate) {
  case GCS_PAUSE:
    restartcollection(L);
    g->gcstate = GCS_PROPAGATE;
    return 1;
  case GCS_PROPAGATE:
    if (g->gray) return propagatemark(L);
    g->gcstate = GCS_ATOMIC;
    return 1;
  case GCS_ATOMIC:
    work = atomic(L);
    entersweep(L);
    return work;
  case GCS_SWPALLGC: return sweepstep(L, &g->finobj, GCS_SWPFINOBJ);
  case GCS_SWPFINOBJ: return sweepstep(L, &g->tobefnz, GCS_SWPTOBEFNZ);
  case GCS_SWPTOBEFNZ: return sweepstep(L, NULL, GCS_SWPEND);
  case GCS_SWPEND: {
    StrTable *st = &G(L)->strt;
    if (!g->emergency && st->nuse < st->size / 4) str_resize(L, st->size / 2);
    g->gcstate = GCS_CALLFIN;
    return 1;
  }
  default:   /* GCS_CALLFIN */
    if (g->tobefnz && !g->emergency) {
      int n;
      for (n = 0; n < FINMAX && g->tobefnz; n++) callonefinalizer(L);
      return (size_t)n * 64;
    }
    g->gcstate = GCS_PAUSE;
    return 1;
  }
}

/* Run steps until the collector reaches one of the states in the bit mask. */
static void runtil(State *L, int statemask) {
  while (!(statemask & (1 << G(L)->gc.gcstate))) singlestep(L);
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Report the steps so far to a tracer of gc_steps, in one probe hit. */
void gc_flushsteps(State *L) {
  GCState *g = &G(L)->gc;
  if (g->batch_steps)
    JOLT_PROBE_GC_STEPS(g->batch_steps, g->batch_ns, g->totalbytes);
  g->batch_steps = g->batch_ns = 0;
}

void gc_fullgc(State *L, int emergency) {
  GCState *g = &G(L)->gc;
  uint8_t oldstp = g->gcstp;
  gc_flushsteps(L);
  size_t heap0 = g->totalbytes;   /* for the gc_end probe */
  JOLT_PROBE_GC_BEGIN(emergency ? JOLT_GC_EMERGENCY : JOLT_GC_FULL);
  g->emergency = (uint8_t)emergency;
  g->gcstp = STP_GC;   /* a stop by the user does not stop an explicit collection */
  if (keepinvariant(g)) {
    /* Marking is under way: sweep it away (nothing is freed, everything turns white). */
    g->gray = g->grayagain = NULL;
    g->weak = g->ephemeron = g->allweak = NULL;
    g->nopenuv = 0;
    entersweep(L);
  }
  runtil(L, 1 << GCS_PAUSE);
  runtil(L, 1 << GCS_CALLFIN);
  runtil(L, 1 << GCS_PAUSE);
  g->gcstp = oldstp;
  g->emergency = 0;
  setpause(g);
  JOLT_PROBE_GC_END((long long)heap0 - (long long)g->totalbytes, g->totalbytes);
}

/* One bounded piece of a cycle, paid for by the debt. */
static void incstep(State *L) {
  GCState *g = &G(L)->gc;
  ptrdiff_t stepbytes = (ptrdiff_t)1 << (g->stepsize < 2 ? 2 : g->stepsize > 24 ? 24 : g->stepsize);
  int mul = g->stepmul > 0 ? g->stepmul : 1;
  /* Each allocated byte pays four bytes of work at the default multiplier (100). */
  ptrdiff_t budget = (g->debt + stepbytes) / 25 * mul;
  size_t heap0 = g->totalbytes;   /* for the gc_end probe */
  /* Timed only while a tracer listens to gc_steps: one probe hit per JOLT_GC_STEP_BATCH. */
  uint64_t t0 = JOLT_PROBE_ENABLED(gc_steps) ? mono_ns() : 0;
  JOLT_PROBE_GC_STEP_BEGIN(JOLT_GC_STEP);
  g->gcstp |= STP_GC;
  do {
    budget -= (ptrdiff_t)singlestep(L);
  } while (budget > 0 && g->gcstate != GCS_PAUSE);
  g->gcstp &= (uint8_t)~STP_GC;
  if (g->gcstate == GCS_PAUSE) setpause(g);
  else g->debt = -stepbytes;
  JOLT_PROBE_GC_STEP_END((long long)heap0 - (long long)g->totalbytes, g->totalbytes);
  if (t0) {
    g->batch_ns += mono_ns() - t0;
    if (++g->batch_steps >= JOLT_GC_STEP_BATCH)
      gc_flushsteps(L);
  }
}

void gc_step(State *L) {
  GCState *g = &G(L)->gc;
  if (g->gcstp) {
    g->debt = -(ptrdiff_t)(8 * 1024);   /* stopped: look again later */
    return;
  }
#ifdef JOLT_GC_STRESS
  gc_fullgc(L, 0);
  g->debt = STRESS_DEBT;
#else
  incstep(L);
#endif
}

void gc_freeall(State *L) {
  GCState *g = &G(L)->gc;
  GCObj **lists[] = { &g->allgc, &g->finobj, &g->tobefnz, &g->fixedgc };
  size_t i;
  g->gcstp = STP_CLOSE;
  callallfinalizers(L);
  separatetobefnz(L, 1);
  callallfinalizers(L);
  g->gcstp |= STP_GC;
  for (i = 0; i < sizeof lists / sizeof *lists; i++) {
    while (*lists[i]) {
      GCObj *o = *lists[i];
      *lists[i] = o->gcnext;
      gc_freeobj(L, o);   /* the main thread is in no list: state_close frees it */
    }
  }
  shape_freeall(L);
  free(g->openuv);
  g->openuv = NULL;
  g->nopenuv = g->openuvcap = 0;
}

/* -- Barriers --------------------------------------------------------------------------- */

void gc_barrier_(State *L, GCObj *p, GCObj *v) {
  GCState *g = &G(L)->gc;
  if (keepinvariant(g)) markobject(L, v);
  else makewhite(g, p);   /* sweeping: repaint p early so it stops triggering barriers */
}

void gc_barrierback_(State *L, GCObj *p) {
  GCState *g = &G(L)->gc;
  if (gclistof(p)) {
    linkgray(p, &g->grayagain);
  } else if (p->tt == TAG_UPVAL) {
    /* No gray list link: the atomic phase marks its value again. */
    setgray(p);
    rememberopenuv(L, (UpVal *)p);
  }
}

/* -- collectgarbage --------------------------------------------------------------------- */

/* lua5.4 keeps these parameters in units of 4, so they read back rounded down. */
static int gcparam(int v) {
  return v / 4 * 4;
}

static int setkind(GCState *g, int kind) {
  int old = g->gckind == KIND_GEN ? GCO_GEN : GCO_INC;
  g->gckind = (uint8_t)kind;
  return old;
}

int gc_control(State *L, int what, int a, int b, int c) {
  GCState *g = &G(L)->gc;
  int old;
  if (g->gcstp & STP_GC) return -1;   /* inside a finalizer or the collector: no option works */
  switch (what) {
  case GCO_STOP: g->gcstp |= STP_USER; return 0;
  case GCO_RESTART: g->gcstp &= (uint8_t)~STP_USER; g->debt = 0; return 0;
  case GCO_COLLECT: gc_fullgc(L, 0); return 0;
  case GCO_COUNT: return (int)(g->totalbytes >> 10);
  case GCO_COUNTB: return (int)(g->totalbytes & 0x3ff);
  case GCO_ISRUNNING: return !(g->gcstp & STP_USER);
  case GCO_STEP: {
    uint8_t oldstp = g->gcstp;
    int didcycle = 0;
    g->gcstp = 0;
    g->debt = a > 0 ? g->debt + (ptrdiff_t)a * 1024 : 0;
    if (a <= 0 || g->debt > 0) {
      incstep(L);
      didcycle = g->gcstate == GCS_PAUSE;
    }
    g->gcstp = oldstp;
    /* lua5.4's generational steps never end in the pause state, so they report false. */
    return didcycle && g->gckind == KIND_INC;
  }
  case GCO_SETPAUSE: old = g->pause; g->pause = gcparam(a); return old;
  case GCO_SETSTEPMUL: old = g->stepmul; g->stepmul = gcparam(a); return old;
  case GCO_GEN:
    if (a) g->genminor = a;
    if (b) g->genmajor = gcparam(b);
    return setkind(g, KIND_GEN);
  case GCO_INC:
    if (a) g->pause = gcparam(a);
    if (b) g->stepmul = gcparam(b);
    if (c) g->stepsize = c;
    return setkind(g, KIND_INC);
  default: return -1;
  }
}

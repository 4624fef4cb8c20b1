/* shape.c: shapes, the immutable key sequences that lay out tables' string fields.
 *
 * Each shape is one allocation: the Shape, its transition-chain link, its own copy of keys[]
 * and, past LINEAR_MAX keys, an open-addressed index key -> slot. Transitions (parent, key) ->
 * child live in one chained hash table (G->shapes) that does not keep children alive: a dead
 * shape leaves it in shape_free. A live shape keeps its parent and key alive (gc.c marks them).
 */
#include <string.h>

#include "state.h"
#include "tab.h"
#include "gc.h"

#define LINEAR_MAX 8     /* up to this many keys, lookup scans keys[] */

typedef struct ShapeX {
  Shape s;
  struct ShapeX *tnext;        /* next shape in the same transition bucket */
  Str *keys[];                 /* nkeys keys, then the index bytes if any */
} ShapeX;

typedef struct Trans {
  ShapeX **b;
  uint32_t size;               /* power of 2 */
  uint32_t count;
} Trans;

static uint32_t ptrhash(const void *p) {
  uint64_t h = (uint64_t)(uintptr_t)p;
  h ^= h >> 31;
  h *= 0x9e3779b97f4a7c15ULL;
  return (uint32_t)(h >> 32);
}

/* Hashes pointers only: shape_free must not read a key that the same sweep may have freed. */
static uint32_t transhash(const Shape *parent, const Str *key) {
  return ptrhash(parent) ^ (ptrhash(key) * 31u);
}

/* Index capacity for n keys: a power of 2 at least twice n, so probes stay short. */
static uint32_t indexcap(uint32_t n) {
  uint32_t c = 16;
  while (c < 2 * n) c *= 2;
  return c;
}

static size_t shapesize(uint32_t nkeys) {
  size_t sz = sizeof(ShapeX) + nkeys * sizeof(Str *);
  if (nkeys > LINEAR_MAX) sz += indexcap(nkeys);
  return sz;
}

int shape_lookup(const Shape *s, const Str *key) {
  uint32_t i, n = s->nkeys;
  if (n <= LINEAR_MAX) {
    for (i = 0; i < n; i++)
      if (s->keys[i] == key) return (int)i;
    return -1;
  } else {
    const uint8_t *idx = s->lookup;
    uint32_t mask = indexcap(n) - 1;
    for (i = key->hash & mask; idx[i] != 0; i = (i + 1) & mask)
      if (s->keys[idx[i] - 1] == key) return idx[i] - 1;
    return -1;
  }
}

static void buildindex(Shape *s) {
  uint8_t *idx = s->lookup;
  uint32_t mask = indexcap(s->nkeys) - 1, k;
  memset(idx, 0, mask + 1);
  for (k = 0; k < s->nkeys; k++) {
    uint32_t i = s->keys[k]->hash & mask;
    while (idx[i] != 0) i = (i + 1) & mask;
    idx[i] = (uint8_t)(k + 1);
  }
}

static void transresize(State *L, Trans *tr, uint32_t nsize) {
  ShapeX **nb = gc_newvec(L, nsize, ShapeX *);
  uint32_t i;
  memset(nb, 0, nsize * sizeof(ShapeX *));
  for (i = 0; i < tr->size; i++) {
    ShapeX *x = tr->b[i];
    while (x) {
      ShapeX *next = x->tnext;
      uint32_t h = transhash(x->s.parent, x->s.key) & (nsize - 1);
      x->tnext = nb[h];
      nb[h] = x;
      x = next;
    }
  }
  gc_freevec(L, tr->b, tr->size, ShapeX *);
  tr->b = nb;
  tr->size = nsize;
}

Shape *shape_add(State *L, Shape *s, Str *key) {
  Global *g = G(L);
  Trans *tr = g->shapes;
  uint32_t h, n = s->nkeys + 1;
  ShapeX *x;
  /* Objects of one class get their fields in one order: the last transition taken from a
   * shape is usually the next one, and a hash-chain walk costs cache misses. */
  Shape *c = s->lastchild;
  if (c && c->key == key) {
    /* Dead but not yet swept: its parent and key are live (we hold them), so revive it. */
    if (gc_isdead(g, (GCObj *)c)) gc_changewhite((GCObj *)c);
    return c;
  }
  h = transhash(s, key);
  for (x = tr->b[h & (tr->size - 1)]; x; x = x->tnext) {
    if (x->s.parent == s && x->s.key == key) {
      if (gc_isdead(g, (GCObj *)x)) gc_changewhite((GCObj *)x);
      s->lastchild = &x->s;
      return &x->s;
    }
  }
  if (tr->count >= tr->size) transresize(L, tr, tr->size * 2);
  x = (ShapeX *)gc_newobj(L, TAG_SHAPE, shapesize(n));
  x->s.nkeys = n;
  x->s.parent = s;
  x->s.key = key;
  x->s.keys = x->keys;
  memcpy(x->keys, s->keys, s->nkeys * sizeof(Str *));
  x->keys[n - 1] = key;
  x->s.lookup = NULL;
  x->s.lastchild = NULL;
  s->lastchild = &x->s;
  if (n > LINEAR_MAX) {
    x->s.lookup = (uint8_t *)(x->keys + n);
    buildindex(&x->s);
  }
  x->tnext = tr->b[h & (tr->size - 1)];
  tr->b[h & (tr->size - 1)] = x;
  tr->count++;
  return &x->s;
}

void shape_free(State *L, Shape *s) {
  Trans *tr = G(L)->shapes;
  ShapeX *x = (ShapeX *)s;
  if (s->parent) {
    /* The parent is still allocated: a child is made after its parent, so it sits nearer the
     * head of allgc (shapes never move between lists) and every sweep frees it first. */
    if (s->parent->lastchild == s) s->parent->lastchild = NULL;
    ShapeX **p = &tr->b[transhash(s->parent, s->key) & (tr->size - 1)];
    while (*p != x) p = &(*p)->tnext;
    *p = x->tnext;
    tr->count--;
  }
  gc_free(L, x, shapesize(s->nkeys));
}

void shape_init(State *L) {
  Global *g = G(L);
  Trans *tr = gc_alloc(L, NULL, 0, sizeof(Trans));
  ShapeX *root;
  tr->b = NULL;
  tr->size = 0;
  tr->count = 0;
  g->shapes = tr;
  transresize(L, tr, 64);
  root = (ShapeX *)gc_newobj(L, TAG_SHAPE, shapesize(0));
  root->s.nkeys = 0;
  root->s.parent = NULL;
  root->s.key = NULL;
  root->s.keys = root->keys;
  root->s.lookup = NULL;
  root->s.lastchild = NULL;
  root->tnext = NULL;
  gc_fix(L, (GCObj *)root);
  g->rootshape = &root->s;
}

/* Called by gc_freeall after every shape is gone. */
void shape_freeall(State *L) {
  Trans *tr = G(L)->shapes;
  if (!tr) return;
  gc_freevec(L, tr->b, tr->size, ShapeX *);
  gc_free(L, tr, sizeof(Trans));
  G(L)->shapes = NULL;
}

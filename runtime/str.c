/* str.c: strings. Short strings are interned in a chained hash table (G->strt) whose hash
 * is seeded per run, so equal short strings are one object; long strings hash lazily. */
#include <string.h>
#include <time.h>

#include "state.h"
#include "str.h"
#include "gc.h"

#define STRT_MINSIZE 128

/* -- Hashing ---------------------------------------------------------------------------- */

static uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 29;
  return h;
}

/* Eight bytes at a time, the tail as one partial word; the seed makes collisions unguessable. */
static uint32_t hashbytes(const char *s, size_t len, uint32_t seed) {
  uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  if (i < len) {
    uint64_t w = 0;
    memcpy(&w, s + i, len - i);
    h = mix64(h ^ w ^ ((uint64_t)(len - i) << 59));
  }
  return (uint32_t)(mix64(h) >> 32);
}

uint32_t str_hash(Str *s) {
  if (!s->isshort && !s->hashed) {
    /* The seed is not reachable from a Str; long strings share one fixed per-run seed. */
    s->hash = hashbytes(s->data, s->len, 0x5bd1e995u);
    s->hashed = 1;
  }
  return s->hash;
}

int str_eq(const Str *a, const Str *b) {
  if (a == b) return 1;
  if (a->isshort || b->isshort) return 0;   /* interned: distinct objects differ */
  return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* -- The intern table ------------------------------------------------------------------- */

void str_resize(State *L, int size) {
  StrTable *t = &G(L)->strt;
  Str **nh;
  int i;
  if (size < STRT_MINSIZE) size = STRT_MINSIZE;
  if (size == t->size) return;
  nh = gc_newvec(L, size, Str *);
  memset(nh, 0, (size_t)size * sizeof(Str *));
  for (i = 0; i < t->size; i++) {
    Str *s = t->hash[i];
    while (s) {
      Str *next = s->hnext;
      uint32_t b = s->hash & (uint32_t)(size - 1);
      s->hnext = nh[b];
      nh[b] = s;
      s = next;
    }
  }
  gc_freevec(L, t->hash, t->size, Str *);
  t->hash = nh;
  t->size = size;
}

static Str *newobj(State *L, size_t len, int isshort, uint32_t hash) {
  Str *s = (Str *)gc_newobj(L, TAG_STR, offsetof(Str, data) + len + 1);
  s->isshort = (uint8_t)isshort;
  s->reserved = 0;
  s->hashed = (uint8_t)isshort;
  s->hash = hash;
  s->len = len;
  s->hnext = NULL;
  s->data[len] = '\0';
  return s;
}

static Str *intern(State *L, const char *str, size_t len) {
  Global *g = G(L);
  StrTable *t = &g->strt;
  uint32_t h = hashbytes(str, len, g->seed);
  Str *s;
  for (s = t->hash[h & (uint32_t)(t->size - 1)]; s; s = s->hnext) {
    if (s->len == len && memcmp(s->data, str, len) == 0) {
      /* Found dead but not yet swept: bring it back instead of making a twin. */
      if (gc_isdead(g, (GCObj *)s)) gc_changewhite((GCObj *)s);
      return s;
    }
  }
  if (t->nuse >= t->size) str_resize(L, t->size * 2);
  s = newobj(L, len, 1, h);
  memcpy(s->data, str, len);
  s->hnext = t->hash[h & (uint32_t)(t->size - 1)];
  t->hash[h & (uint32_t)(t->size - 1)] = s;
  t->nuse++;
  return s;
}

Str *str_newlong(State *L, size_t len) {
  return newobj(L, len, 0, 0);
}

Str *str_new(State *L, const char *s, size_t len) {
  Str *ls;
  if (len <= STR_MAXSHORT) return intern(L, s, len);
  ls = str_newlong(L, len);
  memcpy(ls->data, s, len);
  return ls;
}

Str *str_newz(State *L, const char *s) {
  return str_new(L, s, strlen(s));
}

void str_remove(State *L, Str *s) {
  StrTable *t = &G(L)->strt;
  Str **p = &t->hash[s->hash & (uint32_t)(t->size - 1)];
  while (*p != s) p = &(*p)->hnext;
  *p = s->hnext;
  t->nuse--;
}

void str_init(State *L) {
  Global *g = G(L);
  StrTable *t = &g->strt;
  if (g->seed == 0) {
    /* Addresses (ASLR) and the clock differ between runs. */
    uintptr_t a = (uintptr_t)L ^ (uintptr_t)&str_init ^ (uintptr_t)time(NULL);
    g->seed = (uint32_t)(mix64((uint64_t)a) >> 32) | 1;
  }
  t->hash = NULL;
  t->size = 0;
  t->nuse = 0;
  str_resize(L, STRT_MINSIZE);
  g->memerrmsg = str_newz(L, "not enough memory");
  gc_fix(L, (GCObj *)g->memerrmsg);
}

void str_freeall(State *L) {
  StrTable *t = &G(L)->strt;
  gc_freevec(L, t->hash, t->size, Str *);
  t->hash = NULL;
  t->size = t->nuse = 0;
}

/* tab.c: tables. Integer keys 1..asize live in the array part, short-string keys in slots laid
 * out by the table's shape (until dictionary mode), everything else in the hash part: an
 * open-addressed, linearly probed array of Nodes kept at most 3/4 full. Removing a key leaves
 * its entry with a nil value, so next() keeps working while fields are cleared; such entries
 * disappear at the next rebuild. A rebuild (rehash) sizes the array part the way Lua 5.4 does:
 * the largest power of two n such that more than n/2 of the keys 1..n are present. */
#include <math.h>
#include <string.h>

#include "state.h"
#include "tab.h"
#include "gc.h"
#include "str.h"
#include "call.h"

#define MAXABITS 30
#define MAXASIZE (1u << MAXABITS)
#define CHURN_MIN 16          /* shapes this big with half their slots nil go dictionary */

static const TValue absentkey = { { NULL }, TAG_NIL };

/* -- Keys ------------------------------------------------------------------------------- */

/* A full 64-bit avalanche: linear probing needs every key bit to reach the low bits. */
static uint32_t mixhash(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (uint32_t)h;
}

/* Integer keys: a fold and one Fibonacci multiply (cheaper than a full avalanche) spread
 * strided keys, multiples of large powers of two included, over the table. Locality-keeping
 * hashes (k mod m) are no good here: with linear probing, runs of keys merge into clusters. */
static inline uint32_t inthash(int64_t k) {
  uint64_t u = (uint64_t)k;
  return (uint32_t)(((u ^ (u >> 32)) * 0x9E3779B97F4A7C15ULL) >> 32);
}

static uint32_t hashkey(const TValue *k) {
  switch (tt(k)) {
  case TAG_INT: return inthash(ivalue(k));
  case TAG_FLT: { uint64_t b; memcpy(&b, &fltvalue(k), 8); return mixhash(b ^ 0x5555); }
  case TAG_FALSE: return 1;
  case TAG_TRUE: return 2;
  case TAG_STR: return str_hash(strvalue(k));
  default: return mixhash((uint64_t)(uintptr_t)pvalue(k));
  }
}

/* Dead keys have their own tag, so they never equal a live key. */
static int keyeq(const TValue *nk, const TValue *k) {
  if (tt(nk) != tt(k)) return 0;
  switch (tt(k)) {
  case TAG_INT: return ivalue(nk) == ivalue(k);
  case TAG_FLT: return fltvalue(nk) == fltvalue(k);
  case TAG_FALSE: case TAG_TRUE: return 1;
  case TAG_STR: return str_eq(strvalue(nk), strvalue(k));
  default: return pvalue(nk) == pvalue(k);
  }
}

/* A float key with an integral value is the integer key; returns k or the normalized copy. */
static const TValue *normkey(const TValue *k, TValue *tmp) {
  int64_t i;
  if (ttisflt(k) && obj_flt2int(fltvalue(k), &i, 0)) {
    setint(tmp, i);
    return tmp;
  }
  return k;
}

static int isarrkey(const Table *t, int64_t k) {
  return (uint64_t)k - 1 < t->asize;
}

/* -- Hash part -------------------------------------------------------------------------- */

static Node *hfind(const Table *t, const TValue *k) {
  uint32_t mask, i;
  if (t->hsize == 0) return NULL;
  mask = t->hsize - 1;
  for (i = hashkey(k) & mask; !ttisnil(&t->node[i].key); i = (i + 1) & mask)
    if (keyeq(&t->node[i].key, k)) return &t->node[i];
  return NULL;
}

static Node *hfindint(const Table *t, int64_t k) {
  uint32_t mask, i;
  if (t->hsize == 0) return NULL;
  mask = t->hsize - 1;
  for (i = inthash(k) & mask; !ttisnil(&t->node[i].key); i = (i + 1) & mask)
    if (ttisint(&t->node[i].key) && ivalue(&t->node[i].key) == k) return &t->node[i];
  return NULL;
}

static Node *hfindstr(const Table *t, Str *s) {
  uint32_t mask, i;
  if (t->hsize == 0) return NULL;
  mask = t->hsize - 1;
  for (i = str_hash(s) & mask; !ttisnil(&t->node[i].key); i = (i + 1) & mask) {
    const TValue *nk = &t->node[i].key;
    if (ttisstr(nk) && str_eq(strvalue(nk), s)) return &t->node[i];
  }
  return NULL;
}

/* Insert a key known to be absent into a hash part known to have room. */
static TValue *hinsert(Table *t, const TValue *k) {
  uint32_t mask = t->hsize - 1, i;
  for (i = hashkey(k) & mask; !ttisnil(&t->node[i].key); i = (i + 1) & mask) {}
  t->node[i].key = *k;
  setnil(&t->node[i].val);
  t->hcount++;
  return &t->node[i].val;
}

static int hasroom(const Table *t) {
  return (uint64_t)(t->hcount + 1) * 4 <= (uint64_t)t->hsize * 3;
}

static uint32_t hsizefor(uint32_t n) {
  uint32_t s = 4;
  if (n == 0) return 0;
  while ((uint64_t)n * 4 > (uint64_t)s * 3) s *= 2;
  return s;
}

/* -- Rebuilding ------------------------------------------------------------------------- */

/* Rebuild with an array part of nasize and room for nh hash entries; with todict the shape's
 * fields move into the hash part. Allocates first, so a memory error leaves t intact. */
static void rebuild(State *L, Table *t, uint32_t nasize, uint32_t nh, int todict) {
  uint32_t oasize = t->asize, ohsize = t->hsize, nhsize = hsizefor(nh), i;
  TValue *oarr = t->arr;
  Node *onode = t->node;
  TValue *narr = oarr;
  Node *nnode = nhsize ? gc_newvec(L, nhsize, Node) : NULL;
  if (nasize != oasize) narr = nasize ? gc_newvec(L, nasize, TValue) : NULL;
  for (i = 0; i < nhsize; i++) { setnil(&nnode[i].key); setnil(&nnode[i].val); }
  if (narr != oarr) {
    uint32_t keep = nasize < oasize ? nasize : oasize;
    if (keep) memcpy(narr, oarr, keep * sizeof(TValue));
    for (i = keep; i < nasize; i++) setnil(&narr[i]);
  }
  t->arr = narr;
  t->asize = nasize;
  t->node = nnode;
  t->hsize = nhsize;
  t->hcount = 0;
  for (i = nasize; i < oasize; i++) {
    if (!ttisnil(&oarr[i])) {
      TValue k;
      setint(&k, (int64_t)i + 1);
      *hinsert(t, &k) = oarr[i];
    }
  }
  for (i = 0; i < ohsize; i++) {
    Node *n = &onode[i];
    if (ttisnil(&n->val)) continue;
    if (ttisint(&n->key) && isarrkey(t, ivalue(&n->key))) t->arr[ivalue(&n->key) - 1] = n->val;
    else *hinsert(t, &n->key) = n->val;
  }
  if (todict) {
    for (i = 0; i < t->shape->nkeys; i++) {
      if (!ttisnil(&t->slots[i])) {
        TValue k;
        setstr(&k, t->shape->keys[i]);
        *hinsert(t, &k) = t->slots[i];
      }
    }
    gc_freevec(L, t->slots, t->slotcap, TValue);
    t->slots = NULL;
    t->slotcap = 0;
    t->shape = NULL;
  }
  if (narr != oarr) gc_freevec(L, oarr, oasize, TValue);
  if (onode) gc_freevec(L, onode, ohsize, Node);
}

/* nums[b] counts integer keys k with 2^(b-1) < k <= 2^b. */
static void countint(int64_t k, uint32_t *nums) {
  if (k >= 1 && (uint64_t)k <= MAXASIZE) {
    int b = k == 1 ? 0 : 64 - __builtin_clzll((uint64_t)(k - 1));
    nums[b]++;
  }
}

/* Largest power of two n with more than n/2 of the keys 1..n present; *inarr gets how many. */
static uint32_t optimalsize(const uint32_t *nums, uint32_t *inarr) {
  uint32_t a = 0, best = 0, na = 0, b;
  for (b = 0; b <= MAXABITS; b++) {
    a += nums[b];
    if (a > (1u << b) / 2) { best = 1u << b; na = a; }
  }
  *inarr = na;
  return best;
}

/* Resize for one more key `extra` (not yet present): counts every key like Lua's rehash. */
static void rehash(State *L, Table *t, const TValue *extra) {
  uint32_t nums[MAXABITS + 1] = { 0 }, total = 1, inarr, nasize, i, b, lo;
  /* The array part slice by slice: nums[b] takes arr[2^(b-1) .. 2^b - 1] (b = 0: arr[0]). */
  for (b = 0, lo = 0; lo < t->asize; b++) {
    uint32_t hi = 1u << b, n = 0;
    if (hi > t->asize) hi = t->asize;
    for (i = lo; i < hi; i++) n += !ttisnil(&t->arr[i]);
    nums[b] += n;
    total += n;
    lo = hi;
  }
  for (i = 0; i < t->hsize; i++) {
    Node *n = &t->node[i];
    if (ttisnil(&n->val)) continue;
    if (ttisint(&n->key)) countint(ivalue(&n->key), nums);
    total++;
  }
  if (ttisint(extra)) countint(ivalue(extra), nums);
  nasize = optimalsize(nums, &inarr);
  rebuild(L, t, nasize, total - inarr, 0);
}

void tab_resizearray(State *L, Table *t, uint32_t nasize) {
  uint32_t nh = 0, i;
  for (i = nasize; i < t->asize; i++)
    if (!ttisnil(&t->arr[i])) nh++;
  for (i = 0; i < t->hsize; i++) {
    Node *n = &t->node[i];
    if (!ttisnil(&n->val) && !(ttisint(&n->key) && (uint64_t)ivalue(&n->key) - 1 < nasize)) nh++;
  }
  rebuild(L, t, nasize, nh, 0);
}

static void todict(State *L, Table *t) {
  uint32_t nh = 1, i;
  for (i = 0; i < t->hsize; i++)
    if (!ttisnil(&t->node[i].val)) nh++;
  for (i = 0; i < t->shape->nkeys; i++)
    if (!ttisnil(&t->slots[i])) nh++;
  rebuild(L, t, t->asize, nh, 1);
}

/* -- Creation --------------------------------------------------------------------------- */

Table *tab_new(State *L, int narr, int nrec) {
  Table *t = (Table *)gc_newobj(L, TAG_TAB, sizeof(Table));
  uint32_t i;
  t->nomm = 0;
  t->idxhint = 0;
  t->lenhint = 0;
  t->asize = 0;
  t->arr = NULL;
  t->shape = G(L)->rootshape;
  t->slots = NULL;
  t->slotcap = 0;
  t->hsize = 0;
  t->node = NULL;
  t->hcount = 0;
  t->mt = NULL;
  t->gclist = NULL;
  if (narr > 0) {
    uint32_t n = (uint32_t)narr > MAXASIZE ? MAXASIZE : (uint32_t)narr;
    t->arr = gc_newvec(L, n, TValue);
    for (i = 0; i < n; i++) setnil(&t->arr[i]);
    t->asize = n;
  }
  if (nrec > 0) {
    uint32_t n = nrec > SHAPE_MAXKEYS ? SHAPE_MAXKEYS : (uint32_t)nrec;
    t->slots = gc_newvec(L, n, TValue);
    t->slotcap = n;
  }
  return t;
}

void tab_free(State *L, Table *t) {
  if (t->arr) gc_freevec(L, t->arr, t->asize, TValue);
  if (t->slots) gc_freevec(L, t->slots, t->slotcap, TValue);
  if (t->node) gc_freevec(L, t->node, t->hsize, Node);
  gc_free(L, t, sizeof(Table));
}

size_t tab_memsize(const Table *t) {
  return sizeof(Table) + (size_t)t->asize * sizeof(TValue) + (size_t)t->slotcap * sizeof(TValue)
       + (size_t)t->hsize * sizeof(Node);
}

/* -- Reads ------------------------------------------------------------------------------ */

const TValue *tab_getint(Table *t, int64_t key) {
  Node *n;
  if (isarrkey(t, key)) return &t->arr[key - 1];
  n = hfindint(t, key);
  return n ? &n->val : &absentkey;
}

const TValue *tab_getstr(Table *t, Str *key) {
  Node *n;
  if (key->isshort && t->shape) {
    int i = shape_lookup(t->shape, key);
    return i >= 0 ? &t->slots[i] : &absentkey;
  }
  n = hfindstr(t, key);
  return n ? &n->val : &absentkey;
}

const TValue *tab_get(Table *t, const TValue *key) {
  TValue tmp;
  Node *n;
  switch (tt(key)) {
  case TAG_INT: return tab_getint(t, ivalue(key));
  case TAG_STR: return tab_getstr(t, strvalue(key));
  case TAG_NIL: return &absentkey;
  case TAG_FLT:
    key = normkey(key, &tmp);
    if (ttisint(key)) return tab_getint(t, ivalue(key));
    break;
  default: break;
  }
  n = hfind(t, key);
  return n ? &n->val : &absentkey;
}

/* -- Writes ----------------------------------------------------------------------------- */

static TValue *newkey(State *L, Table *t, const TValue *key);

static TValue *setintslot(State *L, Table *t, int64_t k) {
  Node *n;
  TValue key;
  if (isarrkey(t, k)) return &t->arr[k - 1];
  n = hfindint(t, k);
  if (n) return &n->val;
  setint(&key, k);
  if ((uint64_t)k == (uint64_t)t->asize + 1 && t->asize < MAXASIZE) {
    /* Appending: let the array part grow (and absorb the keys that follow from the hash). */
    rehash(L, t, &key);
    if (isarrkey(t, k)) return &t->arr[k - 1];
  }
  return newkey(L, t, &key);
}

static int toomanyholes(const Table *t) {
  uint32_t n = t->shape->nkeys, nils = 0, i;
  if (n < CHURN_MIN) return 0;
  for (i = 0; i < n; i++) nils += ttisnil(&t->slots[i]);
  return nils > n / 2;
}

/* A new short-string key: extend the shape, or go to dictionary mode. */
static TValue *newfield(State *L, Table *t, Str *key) {
  Shape *ns;
  TValue k;
  if (t->shape->nkeys >= SHAPE_MAXKEYS || toomanyholes(t)) {
    todict(L, t);
    setstr(&k, key);
    return newkey(L, t, &k);
  }
  /* Room first: a collection inside this allocation must not see the new shape unanchored. */
  if (t->shape->nkeys + 1 > t->slotcap) {
    uint32_t ncap = t->slotcap < 2 ? 4 : t->slotcap * 2;
    if (ncap > SHAPE_MAXKEYS) ncap = SHAPE_MAXKEYS;
    t->slots = gc_resizevec(L, t->slots, t->slotcap, ncap, TValue);
    t->slotcap = ncap;
  }
  ns = shape_add(L, t->shape, key);
  t->shape = ns;
  gc_objbarrierback(L, t, ns);
  setnil(&t->slots[ns->nkeys - 1]);
  return &t->slots[ns->nkeys - 1];
}

static TValue *setstrslot(State *L, Table *t, Str *key) {
  Node *n;
  TValue k;
  if (key->len >= 2 && key->data[0] == '_' && key->data[1] == '_') tab_invalidate_mm(t);
  if (key->isshort && t->shape) {
    int i = shape_lookup(t->shape, key);
    return i >= 0 ? &t->slots[i] : newfield(L, t, key);
  }
  n = hfindstr(t, key);
  if (n) return &n->val;
  setstr(&k, key);
  return newkey(L, t, &k);
}

static TValue *newkey(State *L, Table *t, const TValue *key) {
  if (!hasroom(t)) {
    rehash(L, t, key);
    if (ttisint(key) && isarrkey(t, ivalue(key))) return &t->arr[ivalue(key) - 1];
  }
  if (iscollectable(key)) gc_barrierback(L, t, key);
  return hinsert(t, key);
}

TValue *tab_set(State *L, Table *t, const TValue *key) {
  TValue tmp;
  Node *n;
  switch (tt(key)) {
  case TAG_INT: return setintslot(L, t, ivalue(key));
  case TAG_STR: return setstrslot(L, t, strvalue(key));
  case TAG_NIL: call_runerror(L, "table index is nil");
  case TAG_FLT:
    if (isnan(fltvalue(key))) call_runerror(L, "table index is NaN");
    key = normkey(key, &tmp);
    if (ttisint(key)) return setintslot(L, t, ivalue(key));
    break;
  default: break;
  }
  n = hfind(t, key);
  return n ? &n->val : newkey(L, t, key);
}

void tab_setint(State *L, Table *t, int64_t key, const TValue *v) {
  TValue *slot = setintslot(L, t, key);
  setobj(slot, v);
  gc_barrierback(L, t, v);
}

void tab_setstr(State *L, Table *t, Str *key, const TValue *v) {
  TValue *slot = setstrslot(L, t, key);
  setobj(slot, v);
  gc_barrierback(L, t, v);
}

/* -- Length ----------------------------------------------------------------------------- */

/* A border beyond the array part: double until an absent key, then bisect. */
static uint64_t hashborder(Table *t, uint64_t j) {
  uint64_t i = j;
  j++;
  while (!ttisnil(tab_getint(t, (int64_t)j))) {
    i = j;
    if (j > (uint64_t)INT64_MAX / 2) {
      /* Pathological table: go linearly to a border. */
      i = 1;
      while (!ttisnil(tab_getint(t, (int64_t)i))) i++;
      return i - 1;
    }
    j *= 2;
  }
  while (j - i > 1) {
    uint64_t m = i + (j - i) / 2;
    if (ttisnil(tab_getint(t, (int64_t)m))) j = m; else i = m;
  }
  return i;
}

uint64_t tab_len(Table *t) {
  uint32_t n = t->asize;
  if (n > 0 && ttisnil(&t->arr[n - 1])) {
    /* A border inside the array: arr[i-1] present (or i == 0) and arr[j-1] absent. Sequences
     * grow and shrink by one at a time, so the last border or its neighbours usually still are
     * one, which saves a binary search over a large array on every `t[#t+1] = v`. */
    uint32_t h = t->lenhint, i = 0, j = n;
    if (h < n) {
      if ((h == 0 || !ttisnil(&t->arr[h - 1])) && ttisnil(&t->arr[h])) return h;
      if (h + 1 < n && !ttisnil(&t->arr[h]) && ttisnil(&t->arr[h + 1])) return t->lenhint = h + 1;
      if (h >= 1 && ttisnil(&t->arr[h - 1]) && (h == 1 || !ttisnil(&t->arr[h - 2])))
        return t->lenhint = h - 1;
    }
    if (n >= 2 && !ttisnil(&t->arr[n - 2])) return n - 1;
    while (j - i > 1) {
      uint32_t m = i + (j - i) / 2;
      if (ttisnil(&t->arr[m - 1])) j = m; else i = m;
    }
    return t->lenhint = i;
  }
  if (t->hcount == 0 || ttisnil(tab_getint(t, (int64_t)n + 1))) return n;
  return hashborder(t, n);
}

/* -- Traversal -------------------------------------------------------------------------- */

/* Position of a key in traversal order (array, shape slots, hash part), plus one; 0 for nil. */
static uint64_t keyindex(State *L, Table *t, const TValue *key) {
  uint32_t nslots = t->shape ? t->shape->nkeys : 0, mask, i;
  TValue tmp;
  if (ttisnil(key)) return 0;
  key = normkey(key, &tmp);
  if (ttisint(key) && isarrkey(t, ivalue(key))) return (uint64_t)ivalue(key);
  if (ttisstr(key) && strvalue(key)->isshort && t->shape) {
    int s = shape_lookup(t->shape, strvalue(key));
    if (s >= 0) return (uint64_t)t->asize + (uint64_t)s + 1;
  } else if (t->hsize) {
    /* A dead key still matches its object by identity (it was removed during the traversal),
     * but a live entry of the same key, added again since, comes first. */
    int64_t dead = -1;
    mask = t->hsize - 1;
    for (i = hashkey(key) & mask; !ttisnil(&t->node[i].key); i = (i + 1) & mask) {
      const TValue *nk = &t->node[i].key;
      if (keyeq(nk, key)) return (uint64_t)t->asize + nslots + i + 1;
      if (dead < 0 && tt(nk) == TAG_DEADKEY && iscollectable(key) && gcvalue(nk) == gcvalue(key))
        dead = i;
    }
    if (dead >= 0) return (uint64_t)t->asize + nslots + (uint64_t)dead + 1;
  }
  call_runerror(L, "invalid key to 'next'");
}

int tab_next(State *L, Table *t, TValue *kv) {
  uint64_t i = keyindex(L, t, &kv[0]);
  uint32_t nslots = t->shape ? t->shape->nkeys : 0;
  for (; i < t->asize; i++) {
    if (!ttisnil(&t->arr[i])) {
      setint(&kv[0], (int64_t)i + 1);
      kv[1] = t->arr[i];
      return 1;
    }
  }
  for (i -= t->asize; i < nslots; i++) {
    if (!ttisnil(&t->slots[i])) {
      setstr(&kv[0], t->shape->keys[i]);
      kv[1] = t->slots[i];
      return 1;
    }
  }
  for (i -= nslots; i < t->hsize; i++) {
    if (!ttisnil(&t->node[i].val)) {
      kv[0] = t->node[i].key;
      kv[1] = t->node[i].val;
      return 1;
    }
  }
  return 0;
}

/* tab.h: tables (array part, shape-laid string fields, hash part) and shapes.
 *
 * Key placement, the invariant every reader relies on:
 * - integer keys 1..asize live in arr[k-1] (floats with integral values are normalized to ints);
 * - short-string keys live in slots[] at the index their shape gives, unless the table is in
 *   dictionary mode (shape == NULL);
 * - every other key (and everything when it does not fit the above) lives in the hash part.
 * A key is in exactly one place. An absent key reads as nil; setting a field to nil keeps its
 * slot (the shape never shrinks), so `next` stays valid while fields are cleared during traversal.
 * next() order: array part, then shape slots in key order, then the hash part.
 */
#ifndef JOLT_TAB_H
#define JOLT_TAB_H

#include "obj.h"

J_HIDDEN Table *tab_new(State *L, int narr, int nrec);
J_HIDDEN void tab_free(State *L, Table *t);
/* Reads: return a pointer to the value, or to G(L)->nilvalue-like absent marker (tt == TAG_NIL). */
J_HIDDEN const TValue *tab_get(Table *t, const TValue *key);
J_HIDDEN const TValue *tab_getint(Table *t, int64_t key);
J_HIDDEN const TValue *tab_getstr(Table *t, Str *key);       /* any string */
/* Writes. tab_set raises "index is nil" / "index is NaN". After a write of a collectable value
 * call gc_barrierback(L, t, v). tab_set returns the slot to store into (created if absent). */
J_HIDDEN TValue *tab_set(State *L, Table *t, const TValue *key);
J_HIDDEN void tab_setint(State *L, Table *t, int64_t key, const TValue *v);
J_HIDDEN void tab_setstr(State *L, Table *t, Str *key, const TValue *v);
/* Iteration: key at `kv[0]` (nil to start); on return 1, kv[0] = next key, kv[1] = value;
 * 0 at the end. Raises "invalid key to 'next'" for a key not in the table. */
J_HIDDEN int tab_next(State *L, Table *t, TValue *kv);
/* Border (#t without __len). */
J_HIDDEN uint64_t tab_len(Table *t);
J_HIDDEN void tab_resizearray(State *L, Table *t, uint32_t nasize);
J_HIDDEN size_t tab_memsize(const Table *t);
/* Metamethod cache: invalidated on every write of a "__" key; tab.c calls it. */
#define tab_invalidate_mm(t) ((t)->nomm = 0)

/* Hash part entries, for tab.c and the collector only. An entry whose key is nil is free;
 * an entry with a nil value is a removed field whose key stays for next(). The collector turns
 * the key of such an entry into a dead key (tag TAG_DEADKEY, pointer kept for next()'s
 * comparisons) when the key object dies. */
#define TAG_DEADKEY TAG_RES7
struct Node {
  TValue val;
  TValue key;
};

/* Shapes (shape.c). */
J_HIDDEN void shape_init(State *L);
J_HIDDEN int shape_lookup(const Shape *s, const Str *key);   /* slot index, or -1 */
J_HIDDEN Shape *shape_add(State *L, Shape *s, Str *key);     /* the child adding key */
J_HIDDEN void shape_free(State *L, Shape *s);                /* gc: drop from transitions */
J_HIDDEN void shape_freeall(State *L);                       /* gc_freeall: the transition table */

#endif

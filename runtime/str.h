/* str.h: strings. Short strings (<= STR_MAXSHORT bytes) are interned in one table per
 * runtime, so equal short strings are one object; long strings are separate objects whose
 * hash is computed on first use as a table key. */
#ifndef JOLT_STR_H
#define JOLT_STR_H

#include "obj.h"

typedef struct StrTable {
  Str **hash;
  int nuse;
  int size;     /* power of 2 */
} StrTable;

J_HIDDEN void str_init(State *L);                      /* intern table + fixed names */
J_HIDDEN void str_freeall(State *L);
J_HIDDEN Str *str_new(State *L, const char *s, size_t len);
J_HIDDEN Str *str_newz(State *L, const char *s);
J_HIDDEN Str *str_newlong(State *L, size_t len);       /* uninitialized bytes, '\0' at end */
J_HIDDEN int str_eq(const Str *a, const Str *b);
J_HIDDEN uint32_t str_hash(Str *s);                    /* computes a long string's hash */
J_HIDDEN void str_remove(State *L, Str *s);            /* gc: unlink a dead short string */
J_HIDDEN void str_resize(State *L, int size);          /* gc shrinks the table */

#endif

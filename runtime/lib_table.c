/* lib_table.c: the table library (concat, insert, move, pack, remove, sort, unpack).
 *
 * Every access goes through api_geti/api_seti and api_len_checked, so __index, __newindex and
 * __len are honoured as in Lua 5.4; a non-table argument is accepted when its metatable
 * provides the metamethods the function needs.
 */
#include <limits.h>
#include <string.h>
#include "api.h"

/* What a function needs from a table-like argument. */
enum { TAB_R = 1, TAB_W = 2, TAB_L = 4, TAB_RW = TAB_R | TAB_W };

/* 1 if the metatable at the top (n values above it pushed so far) has field `key`. */
static int has_metafield(State *L, const char *key, int n)
{
  api_pushstring(L, key);
  return api_rawget(L, -n) != BT_NIL;
}

static void check_table(State *L, int arg, int what)
{
  if (api_type(L, arg) == BT_TABLE)
    return;
  int n = 1;
  if (api_getmetatable(L, arg) &&
      (!(what & TAB_R) || has_metafield(L, "__index", ++n)) &&
      (!(what & TAB_W) || has_metafield(L, "__newindex", ++n)) &&
      (!(what & TAB_L) || has_metafield(L, "__len", ++n))) {
    api_pop(L, n);
    return;
  }
  api_checktype(L, arg, BT_TABLE);
}

static int64_t checked_len(State *L, int arg, int what)
{
  check_table(L, arg, what | TAB_L);
  return api_len_checked(L, arg);
}

static int tab_insert(State *L)
{
  int64_t e = checked_len(L, 1, TAB_RW) + 1;   /* first empty slot */
  int64_t pos;
  switch (api_gettop(L)) {
  case 2:
    pos = e;
    break;
  case 3:
    pos = api_checkinteger(L, 2);
    /* unsigned compare folds "pos < 1 || pos > e" into one test */
    if ((uint64_t)pos - 1u >= (uint64_t)e)
      api_argerror(L, 2, "position out of bounds");
    /* The first step may grow the array part; the rest is one move when it can be raw. */
    for (int64_t i = e; i > pos; i--) {
      api_geti(L, 1, i - 1);
      api_seti(L, 1, i);
      if (i - 1 > pos && api_arrayshift(L, 1, pos, i - 2, 1))
        break;
    }
    break;
  default:
    api_errorf(L, "wrong number of arguments to 'insert'");
  }
  api_seti(L, 1, pos);
  return 0;
}

static int tab_remove(State *L)
{
  int64_t size = checked_len(L, 1, TAB_RW);
  int64_t pos = api_optinteger(L, 2, size);
  if (pos != size && (uint64_t)pos - 1u > (uint64_t)size)
    api_argerror(L, 1, "position out of bounds");
  api_geti(L, 1, pos);
  if (pos < size && api_arrayshift(L, 1, pos + 1, size, -1))
    pos = size;
  for (; pos < size; pos++) {
    api_geti(L, 1, pos + 1);
    api_seti(L, 1, pos);
  }
  api_pushnil(L);
  api_seti(L, 1, pos);
  return 1;
}

/* Copy elements a1[f..e] to a2[t..]; direction chosen so overlapping ranges of the same
 * table are copied correctly. */
static int tab_move(State *L)
{
  int64_t f = api_checkinteger(L, 2);
  int64_t e = api_checkinteger(L, 3);
  int64_t t = api_checkinteger(L, 4);
  int dst = api_isnoneornil(L, 5) ? 1 : 5;
  check_table(L, 1, TAB_R);
  check_table(L, dst, TAB_W);
  if (e >= f) {
    if (!(f > 0 || e < INT64_MAX + f))
      api_argerror(L, 3, "too many elements to move");
    int64_t n = e - f + 1;
    if (t > INT64_MAX - n + 1)
      api_argerror(L, 4, "destination wrap around");
    int same = dst == 1 || api_compare(L, 1, dst, API_OPEQ);
    if (t > e || t <= f || !same) {
      for (int64_t i = 0; i < n; i++) {
        api_geti(L, 1, f + i);
        api_seti(L, dst, t + i);
      }
    } else {
      for (int64_t i = n - 1; i >= 0; i--) {
        api_geti(L, 1, f + i);
        api_seti(L, dst, t + i);
      }
    }
  }
  api_pushvalue(L, dst);
  return 1;
}

static void concat_add(State *L, ApiBuf *B, int64_t i)
{
  api_geti(L, 1, i);
  if (!api_isstring(L, -1))
    api_errorf(L, "invalid value (%s) at index %I in table for 'concat'",
               api_typename(L, api_type(L, -1)), i);
  api_buf_addvalue(B);
}

static int tab_concat(State *L)
{
  int64_t last = checked_len(L, 1, TAB_R);
  size_t lsep;
  const char *sep = api_optlstring(L, 2, "", &lsep);
  int64_t i = api_optinteger(L, 3, 1);
  last = api_optinteger(L, 4, last);
  ApiBuf B;
  api_buf_init(L, &B);
  for (; i < last; i++) {
    concat_add(L, &B, i);
    api_buf_addlstring(&B, sep, lsep);
  }
  if (i == last)
    concat_add(L, &B, i);
  api_buf_pushresult(&B);
  return 1;
}

static int tab_pack(State *L)
{
  int n = api_gettop(L);
  api_createtable(L, n, 1);
  api_insert(L, 1);
  for (int i = n; i >= 1; i--)
    api_seti(L, 1, i);
  api_pushinteger(L, n);
  api_setfield(L, 1, "n");
  return 1;
}

static int tab_unpack(State *L)
{
  int64_t i = api_optinteger(L, 2, 1);
  int64_t e = api_isnoneornil(L, 3) ? api_len_checked(L, 1) : api_checkinteger(L, 3);
  if (i > e)
    return 0;
  uint64_t n = (uint64_t)e - (uint64_t)i;
  if (n >= (uint64_t)INT_MAX || !api_checkstack(L, (int)(n + 1)))
    api_errorf(L, "too many results to unpack");
  for (; i < e; i++)
    api_geti(L, 1, i);
  api_geti(L, 1, e);
  return (int)(n + 1);
}

/* -- sort ----------------------------------------------------------------------------------
 * An introsort: quicksort with a median-of-three pivot down to ranges of three elements,
 * insertion sort below, and a heapsort fallback when recursion gets too deep, so bad inputs
 * cannot make it quadratic. Partitioning even short ranges lets an inconsistent comparator be
 * caught on small arrays too, as lua5.4 catches it.
 * The comparator is untrusted: the partition scans are bounded and report an inconsistent
 * order function instead of running off the array, and heapsort terminates whatever it says.
 */

typedef struct Sorter {
  State *L;
  int hascmp;     /* comparator at stack index 2 */
} Sorter;

/* a[i] < a[j] for the values at stack indices ia and ib. */
static int sort_less(Sorter *s, int ia, int ib)
{
  State *L = s->L;
  if (!s->hascmp)
    return api_compare(L, ia, ib, API_OPLT);
  api_pushvalue(L, 2);
  api_pushvalue(L, ia < 0 ? ia - 1 : ia);
  api_pushvalue(L, ib < 0 ? ib - 2 : ib);
  api_call(L, 2, 1);
  int r = api_toboolean(L, -1);
  api_pop(L, 1);
  return r;
}

/* t[i] < t[j] */
static int sort_less_at(Sorter *s, int64_t i, int64_t j)
{
  api_geti(s->L, 1, i);
  api_geti(s->L, 1, j);
  int r = sort_less(s, -2, -1);
  api_pop(s->L, 2);
  return r;
}

static void sort_swap(State *L, int64_t i, int64_t j)
{
  api_geti(L, 1, i);
  api_geti(L, 1, j);
  api_seti(L, 1, i);
  api_seti(L, 1, j);
}

static void sort_insertion(Sorter *s, int64_t lo, int64_t hi)
{
  State *L = s->L;
  for (int64_t i = lo + 1; i <= hi; i++) {
    api_geti(L, 1, i);                 /* the value being placed */
    int64_t j = i;
    while (j > lo) {
      api_geti(L, 1, j - 1);
      if (!sort_less(s, -2, -1)) {
        api_pop(L, 1);
        break;
      }
      api_seti(L, 1, j);               /* shift t[j-1] up */
      j--;
    }
    api_seti(L, 1, j);
  }
}

static void sort_siftdown(Sorter *s, int64_t lo, int64_t root, int64_t n)
{
  for (;;) {
    int64_t child = 2 * root + 1;
    if (child >= n)
      return;
    if (child + 1 < n && sort_less_at(s, lo + child, lo + child + 1))
      child++;
    if (!sort_less_at(s, lo + root, lo + child))
      return;
    sort_swap(s->L, lo + root, lo + child);
    root = child;
  }
}

static void sort_heap(Sorter *s, int64_t lo, int64_t hi)
{
  int64_t n = hi - lo + 1;
  for (int64_t i = n / 2 - 1; i >= 0; i--)
    sort_siftdown(s, lo, i, n);
  for (int64_t end = n - 1; end > 0; end--) {
    sort_swap(s->L, lo, lo + end);
    sort_siftdown(s, lo, 0, end);
  }
}

_Noreturn static void sort_badorder(State *L)
{
  api_errorf(L, "invalid order function for sorting");
}

/* Partition t[lo..hi] (hi - lo >= 2) around a median-of-three pivot; returns its final index. */
static int64_t sort_partition(Sorter *s, int64_t lo, int64_t hi)
{
  State *L = s->L;
  int64_t mid = lo + (hi - lo) / 2;
  if (sort_less_at(s, mid, lo))
    sort_swap(L, mid, lo);
  if (sort_less_at(s, hi, mid)) {
    sort_swap(L, hi, mid);
    if (sort_less_at(s, mid, lo))
      sort_swap(L, mid, lo);
  }
  /* now t[lo] <= t[mid] <= t[hi]: park the pivot at hi-1, scan lo+1..hi-2. The pivot P
   * stays on the stack, and so do the two values a swap exchanges, saving refetches. */
  sort_swap(L, mid, hi - 1);
  api_geti(L, 1, hi - 1);
  int64_t i = lo, j = hi - 1;
  for (;;) {
    /* stop at t[i] >= P, leaving it on the stack: P, t[i] */
    while (api_geti(L, 1, ++i), sort_less(s, -1, -2)) {
      if (i >= hi - 1)
        sort_badorder(L);
      api_pop(L, 1);
    }
    /* stop at t[j] <= P: P, t[i], t[j] */
    while (api_geti(L, 1, --j), sort_less(s, -3, -1)) {
      if (j <= lo)
        sort_badorder(L);
      api_pop(L, 1);
    }
    if (j < i) {
      api_pop(L, 1);                   /* P, t[i] */
      break;
    }
    api_seti(L, 1, i);                 /* t[i] = old t[j] */
    api_seti(L, 1, j);                 /* t[j] = old t[i] */
  }
  api_seti(L, 1, hi - 1);              /* t[hi-1] = old t[i]; P is left */
  api_seti(L, 1, i);                   /* t[i] = P */
  return i;
}

static void sort_range(Sorter *s, int64_t lo, int64_t hi, int depth)
{
  while (hi - lo >= 3) {
    if (depth-- == 0) {
      sort_heap(s, lo, hi);
      return;
    }
    int64_t p = sort_partition(s, lo, hi);
    /* recurse into the smaller side, loop on the larger: stack depth stays logarithmic */
    if (p - lo < hi - p) {
      sort_range(s, lo, p - 1, depth);
      lo = p + 1;
    } else {
      sort_range(s, p + 1, hi, depth);
      hi = p - 1;
    }
  }
  sort_insertion(s, lo, hi);
}

static int tab_sort(State *L)
{
  int64_t n = checked_len(L, 1, TAB_RW);
  if (n > 1) {
    if (n >= INT_MAX)
      api_argerror(L, 1, "array too big");
    Sorter s = { L, 0 };
    if (!api_isnoneornil(L, 2)) {
      api_checktype(L, 2, BT_FUNCTION);
      s.hascmp = 1;
    }
    api_settop(L, 2);
    int depth = 0;
    for (int64_t m = n; m > 0; m >>= 1)
      depth += 2;
    sort_range(&s, 1, n, depth);
  }
  return 0;
}

static const ApiReg table_funcs[] = {
  { "concat", tab_concat },
  { "insert", tab_insert },
  { "move", tab_move },
  { "pack", tab_pack },
  { "remove", tab_remove },
  { "sort", tab_sort },
  { "unpack", tab_unpack },
  { NULL, NULL }
};

int lib_open_table(State *L)
{
  api_newlib(L, table_funcs);
  return 1;
}

/* lib_string.c: the string library (Lua 5.4's `string`), its pattern matcher, string.format,
 * string.pack/unpack, and the string metatable (__index and arithmetic on numeric strings).
 *
 * The matcher works on byte ranges and reports errors through api_errorf only, so it can be
 * exercised from a plain C driver. Subjects are Lua strings and so always end in '\0'; the
 * matcher relies on that when it peeks one byte past the end (%f, %b).
 */
#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "dump.h"

/* Longest string the library builds (rep, pack, packsize), as lua5.4 limits it. */
#define STR_MAXRESULT ((size_t)INT_MAX)

/* -- Positions ------------------------------------------------------------------------- */

/* A start position: negatives count from the end, anything before the start clamps to 1. */
static size_t pos_start(int64_t pos, size_t len)
{
  if (pos > 0)
    return (size_t)pos;
  if (pos == 0 || pos < -(int64_t)len)
    return 1;
  return len + (size_t)pos + 1;
}

/* An end position (argument `arg`, default `def`): clamps into 0..len. */
static size_t pos_end(State *L, int arg, int64_t def, size_t len)
{
  int64_t pos = api_optinteger(L, arg, def);
  if (pos > (int64_t)len)
    return len;
  if (pos >= 0)
    return (size_t)pos;
  if (pos < -(int64_t)len)
    return 0;
  return len + (size_t)pos + 1;
}

/* -- Simple functions ------------------------------------------------------------------ */

static int str_len(State *L)
{
  size_t len;
  api_checklstring(L, 1, &len);
  api_pushinteger(L, (int64_t)len);
  return 1;
}

static int str_sub(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  size_t from = pos_start(api_checkinteger(L, 2), len);
  size_t to = pos_end(L, 3, -1, len);
  if (from > to)
    api_pushlstring(L, "", 0);
  else
    api_pushlstring(L, s + from - 1, to - from + 1);
  return 1;
}

static int str_reverse(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  ApiBuf B;
  api_buf_init(L, &B);
  char *out = api_buf_prep(&B, len);
  for (size_t i = 0; i < len; i++)
    out[i] = s[len - 1 - i];
  api_buf_addsize(&B, len);
  api_buf_pushresult(&B);
  return 1;
}

/* Maps every byte through `conv` (tolower or toupper). */
static int str_mapbytes(State *L, int (*conv)(int))
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  ApiBuf B;
  api_buf_init(L, &B);
  char *out = api_buf_prep(&B, len);
  for (size_t i = 0; i < len; i++)
    out[i] = (char)conv((unsigned char)s[i]);
  api_buf_addsize(&B, len);
  api_buf_pushresult(&B);
  return 1;
}

static int str_lower(State *L) { return str_mapbytes(L, tolower); }
static int str_upper(State *L) { return str_mapbytes(L, toupper); }

static int str_rep(State *L)
{
  size_t len, seplen;
  const char *s = api_checklstring(L, 1, &len);
  int64_t n = api_checkinteger(L, 2);
  const char *sep = api_optlstring(L, 3, "", &seplen);
  if (n <= 0 || len + seplen == 0) {
    api_pushlstring(L, "", 0);
    return 1;
  }
  if (len + seplen < len || len + seplen > STR_MAXRESULT / (uint64_t)n)
    api_errorf(L, "resulting string too large");
  size_t total = (size_t)n * len + (size_t)(n - 1) * seplen;
  ApiBuf B;
  api_buf_init(L, &B);
  char *out = api_buf_prep(&B, total);
  for (int64_t i = 0; i < n; i++) {
    memcpy(out, s, len);
    out += len;
    if (i + 1 < n && seplen > 0) {
      memcpy(out, sep, seplen);
      out += seplen;
    }
  }
  api_buf_addsize(&B, total);
  api_buf_pushresult(&B);
  return 1;
}

static int str_byte(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  int64_t first = api_optinteger(L, 2, 1);
  size_t from = pos_start(first, len);
  size_t to = pos_end(L, 3, first, len);
  if (from > to)
    return 0;
  if (to - from >= (size_t)INT_MAX)
    api_errorf(L, "string slice too long");
  int n = (int)(to - from) + 1;
  api_checkstackmsg(L, n, "string slice too long");
  for (int i = 0; i < n; i++)
    api_pushinteger(L, (unsigned char)s[from - 1 + (size_t)i]);
  return n;
}

static int str_char(State *L)
{
  int n = api_gettop(L);
  ApiBuf B;
  api_buf_init(L, &B);
  char *out = api_buf_prep(&B, (size_t)n);
  for (int i = 1; i <= n; i++) {
    uint64_t c = (uint64_t)api_checkinteger(L, i);
    if (c > UCHAR_MAX)
      api_argerror(L, i, "value out of range");
    out[i - 1] = (char)c;
  }
  api_buf_addsize(&B, (size_t)n);
  api_buf_pushresult(&B);
  return 1;
}

static void str_dumpwriter(State *L, void *ud, const void *buf, size_t len)
{
  api_buf_addlstring(ud, buf, len);
}

/* string.dump(f [, strip]): f's proto as a binary chunk (format: dump.h). */
static int str_dump(State *L)
{
  api_checktype(L, 1, BT_FUNCTION);
  const TValue *f = api_index2val(L, 1);
  if (!ttislfn(f))
    api_errorf(L, "unable to dump given function");
  const Proto *p = lfnvalue(f)->p;
  int strip = api_toboolean(L, 2);
  ApiBuf b;
  api_settop(L, 1);   /* the closure stays at 1, anchoring p while the buffer grows */
  api_buf_init(L, &b);
  dump_proto(L, p, strip, str_dumpwriter, &b);
  api_buf_pushresult(&b);
  return 1;
}

/* -- Pattern matching ------------------------------------------------------------------ */

#define PM_MAXCAPTURES 32
#define PM_MAXDEPTH    200        /* nested match calls before "pattern too complex" */
#define PM_ESC         '%'
#define PM_SPECIALS    "^$*+?.([%-"
#define CAP_UNFINISHED (-1)
#define CAP_POSITION   (-2)

typedef struct Matcher {
  const char *src, *src_end;      /* subject */
  const char *pat_end;            /* pattern end */
  State *L;
  int depth;                      /* nested match calls */
  int level;                      /* captures opened so far */
  struct {
    const char *init;
    ptrdiff_t len;                /* or CAP_UNFINISHED / CAP_POSITION */
  } cap[PM_MAXCAPTURES];
} Matcher;

static const char *pm_match(Matcher *m, const char *s, const char *p);

static void pm_init(Matcher *m, State *L, const char *s, size_t ls, const char *p, size_t lp)
{
  m->L = L;
  m->src = s;
  m->src_end = s + ls;
  m->pat_end = p + lp;
}

/* Resets per attempt, so every start position gets the full depth budget. */
static void pm_reset(Matcher *m)
{
  m->level = 0;
  m->depth = 0;
}

static int pm_class(int c, int cl)
{
  int res;
  switch (tolower(cl)) {
  case 'a': res = isalpha(c); break;
  case 'c': res = iscntrl(c); break;
  case 'd': res = isdigit(c); break;
  case 'g': res = isgraph(c); break;
  case 'l': res = islower(c); break;
  case 'p': res = ispunct(c); break;
  case 's': res = isspace(c); break;
  case 'u': res = isupper(c); break;
  case 'w': res = isalnum(c); break;
  case 'x': res = isxdigit(c); break;
  case 'z': res = (c == 0); break;   /* deprecated, still accepted by 5.4 */
  default: return cl == c;
  }
  if (isupper(cl))
    return !res;
  return res != 0;
}

/* End of the single-character class starting at p (a char, %x, or a [set]). */
static const char *pm_classend(Matcher *m, const char *p)
{
  char c = *p++;
  if (c == PM_ESC) {
    if (p >= m->pat_end)
      api_errorf(m->L, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (*p == '^')
      p++;
    do {   /* the first byte of a set is literal, even ']' */
      if (p >= m->pat_end)
        api_errorf(m->L, "malformed pattern (missing ']')");
      c = *p++;
      if (c == PM_ESC && p < m->pat_end)
        p++;
    } while (*p != ']');
    return p + 1;
  }
  return p;
}

/* Does c belong to the set [ ... ] that spans p (at '[') to close (at ']')? */
static int pm_inset(int c, const char *p, const char *close)
{
  int found = 1;
  if (p[1] == '^') {
    found = 0;
    p++;
  }
  while (++p < close) {
    if (*p == PM_ESC) {
      p++;
      if (pm_class(c, (unsigned char)*p))
        return found;
    } else if (p[1] == '-' && p + 2 < close) {
      if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
        return found;
      p += 2;
    } else if ((unsigned char)*p == c) {
      return found;
    }
  }
  return !found;
}

/* Does the byte at s match the class p..ep? */
static int pm_single(Matcher *m, const char *s, const char *p, const char *ep)
{
  if (s >= m->src_end)
    return 0;
  int c = (unsigned char)*s;
  switch (*p) {
  case '.': return 1;
  case PM_ESC: return pm_class(c, (unsigned char)p[1]);
  case '[': return pm_inset(c, p, ep - 1);
  default: return (unsigned char)*p == c;
  }
}

static const char *pm_balance(Matcher *m, const char *s, const char *p)
{
  if (p >= m->pat_end - 1)
    api_errorf(m->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= m->src_end || *s != p[0])
    return NULL;
  int depth = 1;
  while (++s < m->src_end) {
    if (*s == p[1]) {
      if (--depth == 0)
        return s + 1;
    } else if (*s == p[0]) {
      depth++;
    }
  }
  return NULL;
}

/* Longest run of the class, then backs off until the rest matches. */
static const char *pm_maxexpand(Matcher *m, const char *s, const char *p, const char *ep)
{
  ptrdiff_t i = 0;
  while (pm_single(m, s + i, p, ep))
    i++;
  for (; i >= 0; i--) {
    const char *res = pm_match(m, s + i, ep + 1);
    if (res)
      return res;
  }
  return NULL;
}

/* Shortest run of the class that lets the rest match. */
static const char *pm_minexpand(Matcher *m, const char *s, const char *p, const char *ep)
{
  for (;;) {
    const char *res = pm_match(m, s, ep + 1);
    if (res)
      return res;
    if (!pm_single(m, s, p, ep))
      return NULL;
    s++;
  }
}

static const char *pm_opencap(Matcher *m, const char *s, const char *p, ptrdiff_t what)
{
  if (m->level >= PM_MAXCAPTURES)
    api_errorf(m->L, "too many captures");
  m->cap[m->level].init = s;
  m->cap[m->level].len = what;
  m->level++;
  const char *res = pm_match(m, s, p);
  if (!res)
    m->level--;
  return res;
}

static const char *pm_closecap(Matcher *m, const char *s, const char *p)
{
  int l = m->level - 1;
  while (l >= 0 && m->cap[l].len != CAP_UNFINISHED)
    l--;
  if (l < 0)
    api_errorf(m->L, "invalid pattern capture");
  m->cap[l].len = s - m->cap[l].init;
  const char *res = pm_match(m, s, p);
  if (!res)
    m->cap[l].len = CAP_UNFINISHED;
  return res;
}

/* Index of the closed capture named by the digit after '%'. */
static int pm_checkcap(Matcher *m, int digit)
{
  int l = digit - '1';
  if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED)
    api_errorf(m->L, "invalid capture index %%%d", l + 1);
  return l;
}

static const char *pm_backref(Matcher *m, const char *s, int digit)
{
  int l = pm_checkcap(m, digit);
  size_t len = (size_t)m->cap[l].len;
  if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].init, s, len) == 0)
    return s + len;
  return NULL;
}

static const char *pm_frontier(Matcher *m, const char *s, const char *p, const char **pnext)
{
  if (*p != '[')
    api_errorf(m->L, "missing '[' after '%%f' in pattern");
  const char *ep = pm_classend(m, p);
  int prev = (s == m->src) ? '\0' : (unsigned char)s[-1];
  int cur = (unsigned char)*s;   /* '\0' at the end of the subject */
  if (!pm_inset(prev, p, ep - 1) && pm_inset(cur, p, ep - 1)) {
    *pnext = ep;
    return s;
  }
  return NULL;
}

/* A single class with its optional quantifier (*, +, -, ?). */
static const char *pm_item(Matcher *m, const char *s, const char *p, const char **pnext)
{
  const char *ep = pm_classend(m, p);
  if (!pm_single(m, s, p, ep)) {
    if (*ep == '*' || *ep == '?' || *ep == '-') {
      *pnext = ep + 1;
      return s;
    }
    return NULL;
  }
  switch (*ep) {
  case '?': {
    const char *res = pm_match(m, s + 1, ep + 1);
    if (res) {
      *pnext = NULL;
      return res;
    }
    *pnext = ep + 1;
    return s;
  }
  case '+': *pnext = NULL; return pm_maxexpand(m, s + 1, p, ep);
  case '*': *pnext = NULL; return pm_maxexpand(m, s, p, ep);
  case '-': *pnext = NULL; return pm_minexpand(m, s, p, ep);
  default: *pnext = ep; return s + 1;
  }
}

/* Matches pattern p at s; returns the end of the match or NULL. Items that need no
 * backtracking advance in the loop; the others recurse, bounded by PM_MAXDEPTH. */
static const char *pm_match(Matcher *m, const char *s, const char *p)
{
  if (m->depth++ >= PM_MAXDEPTH)
    api_errorf(m->L, "pattern too complex");
  while (s && p != m->pat_end) {
    const char *next = NULL;
    if (*p == '(') {
      s = (p[1] == ')') ? pm_opencap(m, s, p + 2, CAP_POSITION)
                        : pm_opencap(m, s, p + 1, CAP_UNFINISHED);
    } else if (*p == ')') {
      s = pm_closecap(m, s, p + 1);
    } else if (*p == '$' && p + 1 == m->pat_end) {
      s = (s == m->src_end) ? s : NULL;
    } else if (*p == PM_ESC && p[1] == 'b') {
      s = pm_balance(m, s, p + 2);
      next = p + 4;
    } else if (*p == PM_ESC && p[1] == 'f') {
      s = pm_frontier(m, s, p + 2, &next);
    } else if (*p == PM_ESC && isdigit((unsigned char)p[1])) {
      s = pm_backref(m, s, (unsigned char)p[1]);
      next = p + 2;
    } else {
      s = pm_item(m, s, p, &next);
    }
    if (!next)   /* the item matched the rest of the pattern itself, or failed */
      break;
    p = next;
  }
  m->depth--;
  return s;
}

/* -- Captures -------------------------------------------------------------------------- */

/* Pushes capture i (or the whole match s..e when there are no captures and i == 0). */
static void pm_pushcap(Matcher *m, int i, const char *s, const char *e)
{
  if (i >= m->level) {
    if (i != 0)
      api_errorf(m->L, "invalid capture index %%%d", i + 1);
    api_pushlstring(m->L, s, (size_t)(e - s));
    return;
  }
  ptrdiff_t len = m->cap[i].len;
  if (len == CAP_UNFINISHED)
    api_errorf(m->L, "unfinished capture");
  if (len == CAP_POSITION)
    api_pushinteger(m->L, (int64_t)(m->cap[i].init - m->src) + 1);
  else
    api_pushlstring(m->L, m->cap[i].init, (size_t)len);
}

/* Pushes all captures (the whole match if none and s != NULL); returns how many. */
static int pm_pushcaps(Matcher *m, const char *s, const char *e)
{
  int n = (m->level == 0 && s) ? 1 : m->level;
  api_checkstackmsg(m->L, n, "too many captures");
  for (int i = 0; i < n; i++)
    pm_pushcap(m, i, s, e);
  return n;
}

/* -- find, match, gmatch --------------------------------------------------------------- */

static int pm_hasspecials(const char *p, size_t lp)
{
  size_t done = 0;
  do {   /* strpbrk stops at '\0', so step over embedded zeros */
    if (strpbrk(p + done, PM_SPECIALS))
      return 1;
    done += strlen(p + done) + 1;
  } while (done <= lp);
  return 0;
}

/* find with plain = true, or a pattern without specials: a substring search. */
static int find_plain(State *L, const char *s, size_t ls, size_t init, const char *p, size_t lp)
{
  const char *hit = (lp == 0) ? s + init : memmem(s + init, ls - init, p, lp);
  if (!hit) {
    api_pushnil(L);
    return 1;
  }
  api_pushinteger(L, (int64_t)(hit - s) + 1);
  api_pushinteger(L, (int64_t)(hit - s) + (int64_t)lp);
  return 2;
}

/* find (positions, then captures) or match (captures) of a pattern from init on. */
static int find_pattern(State *L, const char *s, size_t ls, size_t init, const char *p,
                        size_t lp, int find)
{
  Matcher m;
  const char *start = s + init;
  int anchor = (*p == '^');
  if (anchor) {
    p++;
    lp--;
  }
  pm_init(&m, L, s, ls, p, lp);
  do {
    pm_reset(&m);
    const char *e = pm_match(&m, start, p);
    if (e) {
      if (!find)
        return pm_pushcaps(&m, start, e);
      api_pushinteger(L, (int64_t)(start - s) + 1);
      api_pushinteger(L, (int64_t)(e - s));
      return pm_pushcaps(&m, NULL, NULL) + 2;
    }
  } while (start++ < m.src_end && !anchor);
  api_pushnil(L);
  return 1;
}

static int str_findaux(State *L, int find)
{
  size_t ls, lp;
  const char *s = api_checklstring(L, 1, &ls);
  const char *p = api_checklstring(L, 2, &lp);
  size_t init = pos_start(api_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {   /* past the end even for an empty match */
    api_pushnil(L);
    return 1;
  }
  if (find && (api_toboolean(L, 4) || !pm_hasspecials(p, lp)))
    return find_plain(L, s, ls, init, p, lp);
  return find_pattern(L, s, ls, init, p, lp, find);
}

static int str_find(State *L) { return str_findaux(L, 1); }
static int str_match(State *L) { return str_findaux(L, 0); }

/* gmatch iterator state (a userdata upvalue; the subject and pattern are upvalues too). */
typedef struct GMatch {
  Matcher m;
  const char *src;          /* where the next search starts */
  const char *p;
  const char *lastmatch;    /* end of the previous match: no empty match there again */
} GMatch;

static int gmatch_step(State *L)
{
  GMatch *g = api_touserdata(L, api_upvalueindex(3));
  g->m.L = L;   /* the iterator may run in another coroutine than the one that made it */
  for (const char *src = g->src; src <= g->m.src_end; src++) {
    pm_reset(&g->m);
    const char *e = pm_match(&g->m, src, g->p);
    if (e && e != g->lastmatch) {
      g->src = g->lastmatch = e;
      return pm_pushcaps(&g->m, src, e);
    }
  }
  return 0;
}

static int str_gmatch(State *L)
{
  size_t ls, lp;
  const char *s = api_checklstring(L, 1, &ls);
  const char *p = api_checklstring(L, 2, &lp);
  size_t init = pos_start(api_optinteger(L, 3, 1), ls) - 1;
  if (init > ls)
    init = ls + 1;   /* past the end: the iterator finds nothing */
  api_settop(L, 2);
  GMatch *g = api_newuserdata(L, sizeof *g);
  pm_init(&g->m, L, s, ls, p, lp);
  g->src = s + init;
  g->p = p;
  g->lastmatch = NULL;
  api_pushcclosure(L, gmatch_step, NULL, 3);
  return 1;
}

/* -- gsub ------------------------------------------------------------------------------ */

/* Appends the replacement string (argument 3) with %0-%9 and %% expanded. */
static void gsub_addstring(Matcher *m, ApiBuf *B, const char *s, const char *e)
{
  size_t lr;
  const char *r = api_tolstring(m->L, 3, &lr);
  const char *end = r + lr;
  while (r < end) {
    const char *esc = memchr(r, PM_ESC, (size_t)(end - r));
    if (!esc) {
      api_buf_addlstring(B, r, (size_t)(end - r));
      return;
    }
    api_buf_addlstring(B, r, (size_t)(esc - r));
    r = esc + 1;   /* the byte after '%' ('\0' if the string ends there) */
    if (*r == PM_ESC) {
      api_buf_addchar(B, PM_ESC);
    } else if (*r == '0') {
      api_buf_addlstring(B, s, (size_t)(e - s));
    } else if (isdigit((unsigned char)*r)) {
      pm_pushcap(m, *r - '1', s, e);
      api_tolstring_meta(m->L, -1, NULL);   /* position captures are integers */
      api_remove(m->L, -2);
      api_buf_addvalue(B);
    } else {
      api_errorf(m->L, "invalid use of '%c' in replacement string", PM_ESC);
    }
    r++;
  }
}

/* Appends the replacement of the match s..e; a false or nil result keeps the match. */
static void gsub_addvalue(Matcher *m, ApiBuf *B, const char *s, const char *e, int rtype)
{
  State *L = m->L;
  if (rtype == BT_FUNCTION) {
    api_pushvalue(L, 3);
    int n = pm_pushcaps(m, s, e);
    api_call(L, n, 1);
  } else if (rtype == BT_TABLE) {
    pm_pushcap(m, 0, s, e);
    api_gettable(L, 3);
  } else {
    gsub_addstring(m, B, s, e);
    return;
  }
  if (!api_toboolean(L, -1)) {
    api_pop(L, 1);
    api_buf_addlstring(B, s, (size_t)(e - s));
  } else if (!api_isstring(L, -1)) {
    api_errorf(L, "invalid replacement value (a %s)", api_typename(L, api_type(L, -1)));
  } else {
    api_buf_addvalue(B);
  }
}

static int str_gsub(State *L)
{
  size_t ls, lp;
  const char *src = api_checklstring(L, 1, &ls);
  const char *p = api_checklstring(L, 2, &lp);
  int rtype = api_type(L, 3);
  int64_t maxn = api_optinteger(L, 4, (int64_t)ls + 1);
  if (rtype != BT_NUMBER && rtype != BT_STRING && rtype != BT_FUNCTION && rtype != BT_TABLE)
    api_typeerror(L, 3, "string/function/table");
  int anchor = (*p == '^');
  if (anchor) {
    p++;
    lp--;
  }
  Matcher m;
  ApiBuf B;
  const char *lastmatch = NULL;
  int64_t n = 0;
  api_buf_init(L, &B);
  pm_init(&m, L, src, ls, p, lp);
  while (n < maxn) {
    pm_reset(&m);
    const char *e = pm_match(&m, src, p);
    if (e && e != lastmatch) {
      n++;
      gsub_addvalue(&m, &B, src, e, rtype);
      src = lastmatch = e;
    } else if (src < m.src_end) {
      api_buf_addchar(&B, *src++);
    } else {
      break;
    }
    if (anchor)
      break;
  }
  api_buf_addlstring(&B, src, (size_t)(m.src_end - src));
  api_buf_pushresult(&B);
  api_pushinteger(L, n);
  return 2;
}

/* -- format ---------------------------------------------------------------------------- */

#define FMT_MAXSPEC  32        /* a conversion spec: '%', flags, width, precision, letter */
#define FMT_MAXITEM  512       /* room for one formatted item ("%99.99f" of 1e308 is 409) */
#define FMT_FLAGS    "-+ #0"

/* Copies the spec at f (just after '%') into spec as "%..."; returns the conversion letter's
 * position. Flags, width and precision are checked per conversion by fmt_check. */
static const char *fmt_getspec(State *L, const char *f, char *spec)
{
  size_t len = strspn(f, FMT_FLAGS "123456789.") + 1;
  if (len >= FMT_MAXSPEC - 10)
    api_errorf(L, "invalid format (too long)");
  spec[0] = '%';
  memcpy(spec + 1, f, len);
  spec[len + 1] = '\0';
  return f + len - 1;
}

static const char *fmt_2digits(const char *s)
{
  for (int i = 0; i < 2 && isdigit((unsigned char)*s); i++)
    s++;
  return s;
}

/* Accepts only `flags`, a width of up to 2 digits and (if allowed) a precision of up to 2. */
static void fmt_check(State *L, const char *spec, const char *flags, int precision)
{
  const char *s = spec + 1;
  s += strspn(s, flags);
  if (*s != '0')
    s = fmt_2digits(s);
  if (*s == '.' && precision)
    s = fmt_2digits(s + 1);
  if (!isalpha((unsigned char)*s))
    api_errorf(L, "invalid conversion specification: '%s'", spec);
}

/* Inserts a length modifier before the conversion letter ("%5d" -> "%5lld"). */
static void fmt_addlen(char *spec, const char *mod)
{
  size_t l = strlen(spec), lm = strlen(mod);
  char conv = spec[l - 1];
  memcpy(spec + l - 1, mod, lm);
  spec[l - 1 + lm] = conv;
  spec[l + lm] = '\0';
}

static void fmt_quotestring(ApiBuf *B, const char *s, size_t len)
{
  api_buf_addchar(B, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c == '\n') {
      api_buf_addchar(B, '\\');
      api_buf_addchar(B, (char)c);
    } else if (iscntrl(c)) {
      /* three digits when a digit follows, so the escape cannot swallow it */
      char esc[8];
      int next_digit = i + 1 < len && isdigit((unsigned char)s[i + 1]);
      int n = snprintf(esc, sizeof esc, next_digit ? "\\%03d" : "\\%d", c);
      api_buf_addlstring(B, esc, (size_t)n);
    } else {
      api_buf_addchar(B, (char)c);
    }
  }
  api_buf_addchar(B, '"');
}

/* A float as a literal that reads back exactly: hex, or an expression for inf and nan. */
static int fmt_quotefloat(char *buf, double x)
{
  if (x == HUGE_VAL)
    return snprintf(buf, FMT_MAXITEM, "1e9999");
  if (x == -HUGE_VAL)
    return snprintf(buf, FMT_MAXITEM, "-1e9999");
  if (x != x)
    return snprintf(buf, FMT_MAXITEM, "(0/0)");
  return snprintf(buf, FMT_MAXITEM, "%a", x);
}

/* %q: the argument as Lua source text. */
static void fmt_quote(State *L, ApiBuf *B, int arg)
{
  char buf[FMT_MAXITEM];
  int n;
  switch (api_type(L, arg)) {
  case BT_STRING: {
    size_t len;
    const char *s = api_tolstring(L, arg, &len);
    fmt_quotestring(B, s, len);
    return;
  }
  case BT_NUMBER:
    if (api_isinteger(L, arg)) {
      int64_t i = api_tointegerx(L, arg, NULL);
      /* the minimum integer has no decimal literal (-9223372036854775808 is a float) */
      n = (i == INT64_MIN) ? snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)i)
                           : snprintf(buf, sizeof buf, "%lld", (long long)i);
    } else {
      n = fmt_quotefloat(buf, api_tonumberx(L, arg, NULL));
    }
    api_buf_addlstring(B, buf, (size_t)n);
    return;
  case BT_NIL:
  case BT_BOOLEAN:
    api_tolstring_meta(L, arg, NULL);
    api_buf_addvalue(B);
    return;
  default:
    api_argerror(L, arg, "value has no literal form");
  }
}

/* %s: tostring() of the argument, through the spec when it has modifiers. */
static void fmt_string(State *L, ApiBuf *B, int arg, const char *spec)
{
  size_t len;
  const char *s = api_tolstring_meta(L, arg, &len);
  if (spec[2] == '\0') {
    api_buf_addvalue(B);
    return;
  }
  if (len != strlen(s))
    api_argerror(L, arg, "string contains zeros");
  fmt_check(L, spec, "-", 1);
  if (!strchr(spec, '.') && len >= 100) {
    api_buf_addvalue(B);   /* no precision: the width cannot matter for a long string */
    return;
  }
  char buf[FMT_MAXITEM];
  int n = snprintf(buf, sizeof buf, spec, s);
  api_pop(L, 1);
  api_buf_addlstring(B, buf, (size_t)n);
}

/* One numeric or pointer conversion into buf; returns its length. The order of the argument
 * and spec checks decides which error wins, and follows lua5.4's per conversion. */
static int fmt_item(State *L, int arg, char conv, char *spec, char *buf)
{
  const char *flags;
  switch (conv) {
  case 'c':
    fmt_check(L, spec, "-", 0);
    return snprintf(buf, FMT_MAXITEM, spec, (int)api_checkinteger(L, arg));
  case 'd': case 'i': flags = "-+0 "; break;
  case 'u': flags = "-0"; break;
  case 'o': case 'x': case 'X': flags = "-#0"; break;
  case 'a': case 'A':
    fmt_check(L, spec, FMT_FLAGS, 1);
    return snprintf(buf, FMT_MAXITEM, spec, api_checknumber(L, arg));
  case 'e': case 'E': case 'f': case 'g': case 'G': {
    double x = api_checknumber(L, arg);
    fmt_check(L, spec, FMT_FLAGS, 1);
    return snprintf(buf, FMT_MAXITEM, spec, x);
  }
  case 'p': {
    const void *ptr = api_topointer(L, arg);
    fmt_check(L, spec, "-", 0);
    if (!ptr) {
      spec[strlen(spec) - 1] = 's';
      return snprintf(buf, FMT_MAXITEM, spec, "(null)");
    }
    return snprintf(buf, FMT_MAXITEM, spec, ptr);
  }
  default:
    api_errorf(L, "invalid conversion '%s' to 'format'", spec);
  }
  int64_t v = api_checkinteger(L, arg);
  fmt_check(L, spec, flags, 1);
  fmt_addlen(spec, "ll");
  return snprintf(buf, FMT_MAXITEM, spec, (long long)v);
}

static int str_format(State *L)
{
  int top = api_gettop(L);
  size_t lf;
  const char *f = api_checklstring(L, 1, &lf);
  const char *fend = f + lf;
  int arg = 1;
  ApiBuf B;
  api_buf_init(L, &B);
  while (f < fend) {
    const char *pct = memchr(f, '%', (size_t)(fend - f));
    if (!pct) {
      api_buf_addlstring(&B, f, (size_t)(fend - f));
      break;
    }
    api_buf_addlstring(&B, f, (size_t)(pct - f));
    f = pct + 1;
    if (*f == '%') {
      api_buf_addchar(&B, '%');
      f++;
      continue;
    }
    if (++arg > top)
      api_argerror(L, arg, "no value");
    char spec[FMT_MAXSPEC];
    f = fmt_getspec(L, f, spec);
    char conv = *f++;
    if (conv == 'q') {
      if (spec[2] != '\0')
        api_errorf(L, "specifier '%%q' cannot have modifiers");
      fmt_quote(L, &B, arg);
    } else if (conv == 's') {
      fmt_string(L, &B, arg, spec);
    } else {
      char buf[FMT_MAXITEM];
      int n = fmt_item(L, arg, conv, spec, buf);
      api_buf_addlstring(&B, buf, (size_t)n);
    }
  }
  api_buf_pushresult(&B);
  return 1;
}

/* -- pack, unpack, packsize ------------------------------------------------------------ */

#define PK_MAXINTSIZE 16                    /* i16: the largest integer size */
#define PK_NATIVEALIGN 8                    /* '!' without a size: the platform's maximum */
#define PK_INTSIZE ((int)sizeof(int64_t))

typedef enum {
  K_INT, K_UINT, K_FLOAT, K_DOUBLE, K_CHAR, K_STRING, K_ZSTR, K_PADDING, K_PADALIGN, K_NOP
} PackOpt;

typedef struct PackFmt {
  State *L;
  const char *f;        /* the rest of the format */
  int little;           /* byte order for what follows */
  int maxalign;
} PackFmt;

static int pk_isdigit(char c) { return c >= '0' && c <= '9'; }

/* An optional count after an option; `def` if there is none. Stops before overflowing. */
static int pk_getnum(PackFmt *h, int def)
{
  if (!pk_isdigit(*h->f))
    return def;
  int a = 0;
  do {
    a = a * 10 + (*h->f++ - '0');
  } while (pk_isdigit(*h->f) && a <= ((int)STR_MAXRESULT - 9) / 10);
  return a;
}

static int pk_getsize(PackFmt *h, int def)
{
  int sz = pk_getnum(h, def);
  if (sz > PK_MAXINTSIZE || sz <= 0)
    api_errorf(h->L, "integral size (%d) out of limits [1,%d]", sz, PK_MAXINTSIZE);
  return sz;
}

/* Reads one option; sets its size. */
static PackOpt pk_option(PackFmt *h, int *size)
{
  char opt = *h->f++;
  *size = 0;
  switch (opt) {
  case 'b': *size = 1; return K_INT;
  case 'B': *size = 1; return K_UINT;
  case 'h': *size = 2; return K_INT;
  case 'H': *size = 2; return K_UINT;
  case 'l': case 'j': *size = 8; return K_INT;
  case 'L': case 'J': case 'T': *size = 8; return K_UINT;
  case 'f': *size = 4; return K_FLOAT;
  case 'n': case 'd': *size = 8; return K_DOUBLE;
  case 'i': *size = pk_getsize(h, 4); return K_INT;
  case 'I': *size = pk_getsize(h, 4); return K_UINT;
  case 's': *size = pk_getsize(h, 8); return K_STRING;
  case 'c':
    *size = pk_getnum(h, -1);
    if (*size == -1)
      api_errorf(h->L, "missing size for format option 'c'");
    return K_CHAR;
  case 'z': return K_ZSTR;
  case 'x': *size = 1; return K_PADDING;
  case 'X': return K_PADALIGN;
  case ' ': return K_NOP;
  case '<': case '=': h->little = 1; return K_NOP;
  case '>': h->little = 0; return K_NOP;
  case '!': h->maxalign = pk_getsize(h, PK_NATIVEALIGN); return K_NOP;
  default: api_errorf(h->L, "invalid format option '%c'", opt);
  }
}

/* Reads one option and the padding needed before it at offset `total`. */
static PackOpt pk_details(PackFmt *h, size_t total, int *size, int *ntoalign)
{
  PackOpt opt = pk_option(h, size);
  int align = *size;
  if (opt == K_PADALIGN) {   /* 'X' aligns to the size of the next option, which it eats */
    if (*h->f == '\0' || pk_option(h, &align) == K_CHAR || align == 0)
      api_argerror(h->L, 1, "invalid next option for option 'X'");
  }
  *ntoalign = 0;
  if (align <= 1 || opt == K_CHAR)
    return opt;
  if (align > h->maxalign)
    align = h->maxalign;
  if ((align & (align - 1)) != 0)
    api_argerror(h->L, 1, "format asks for alignment not power of 2");
  *ntoalign = (align - (int)(total & (size_t)(align - 1))) & (align - 1);
  return opt;
}

static void pk_init(PackFmt *h, State *L, const char *f)
{
  h->L = L;
  h->f = f;
  h->little = 1;
  h->maxalign = 1;
}

/* Stores v in `size` bytes; beyond 8 bytes it extends the sign (neg) or zeros. */
static void pk_putint(ApiBuf *B, uint64_t v, int little, int size, int neg)
{
  char *out = api_buf_prep(B, (size_t)size);
  for (int i = 0; i < size; i++) {
    unsigned char byte = (i < PK_INTSIZE) ? (unsigned char)(v >> (8 * i)) : (neg ? 0xff : 0);
    out[little ? i : size - 1 - i] = (char)byte;
  }
  api_buf_addsize(B, (size_t)size);
}

static void pk_putbytes(ApiBuf *B, const void *p, int size, int little)
{
  const unsigned char *src = p;   /* host order is little-endian (x86-64) */
  char *out = api_buf_prep(B, (size_t)size);
  for (int i = 0; i < size; i++)
    out[i] = (char)src[little ? i : size - 1 - i];
  api_buf_addsize(B, (size_t)size);
}

static void pk_packint(State *L, ApiBuf *B, int arg, PackOpt opt, int size, int little)
{
  int64_t v = api_checkinteger(L, arg);
  if (size < PK_INTSIZE) {
    if (opt == K_INT) {
      int64_t lim = (int64_t)1 << (size * 8 - 1);
      if (v < -lim || v >= lim)
        api_argerror(L, arg, "integer overflow");
    } else if ((uint64_t)v >= (uint64_t)1 << (size * 8)) {
      api_argerror(L, arg, "unsigned overflow");
    }
  }
  pk_putint(B, (uint64_t)v, little, size, opt == K_INT && v < 0);
}

/* Packs one string-like option; returns the bytes it added beyond its fixed size. */
static size_t pk_packstr(State *L, ApiBuf *B, int arg, PackOpt opt, int size, int little)
{
  size_t len;
  const char *s = api_checklstring(L, arg, &len);
  if (opt == K_CHAR) {
    if (len > (size_t)size)
      api_argerror(L, arg, "string longer than given size");
    api_buf_addlstring(B, s, len);
    for (size_t i = len; i < (size_t)size; i++)
      api_buf_addchar(B, '\0');
    return 0;
  }
  if (opt == K_STRING) {
    if (size < PK_INTSIZE && len >= (size_t)1 << (size * 8))
      api_argerror(L, arg, "string length does not fit in given size");
    pk_putint(B, len, little, size, 0);
    api_buf_addlstring(B, s, len);
    return len;
  }
  if (strlen(s) != len)
    api_argerror(L, arg, "string contains zeros");
  api_buf_addlstring(B, s, len + 1);
  return len + 1;
}

static int str_pack(State *L)
{
  PackFmt h;
  pk_init(&h, L, api_checkstring(L, 1));
  ApiBuf B;
  int arg = 1;
  size_t total = 0;
  api_pushnil(L);   /* keeps the buffer box above the arguments */
  api_buf_init(L, &B);
  while (*h.f) {
    int size, ntoalign;
    PackOpt opt = pk_details(&h, total, &size, &ntoalign);
    total += (size_t)ntoalign + (size_t)size;
    while (ntoalign-- > 0)
      api_buf_addchar(&B, '\0');
    arg++;
    switch (opt) {
    case K_INT: case K_UINT:
      pk_packint(L, &B, arg, opt, size, h.little);
      break;
    case K_FLOAT: {
      float x = (float)api_checknumber(L, arg);
      pk_putbytes(&B, &x, size, h.little);
      break;
    }
    case K_DOUBLE: {
      double x = api_checknumber(L, arg);
      pk_putbytes(&B, &x, size, h.little);
      break;
    }
    case K_CHAR: case K_STRING: case K_ZSTR:
      total += pk_packstr(L, &B, arg, opt, size, h.little);
      break;
    case K_PADDING:
      api_buf_addchar(&B, '\0');
      arg--;
      break;
    case K_PADALIGN: case K_NOP:
      arg--;
      break;
    }
  }
  api_buf_pushresult(&B);
  return 1;
}

static int str_packsize(State *L)
{
  PackFmt h;
  pk_init(&h, L, api_checkstring(L, 1));
  size_t total = 0;
  while (*h.f) {
    int size, ntoalign;
    PackOpt opt = pk_details(&h, total, &size, &ntoalign);
    if (opt == K_STRING || opt == K_ZSTR)
      api_argerror(L, 1, "variable-length format");
    size += ntoalign;
    if (total > STR_MAXRESULT - (size_t)size)
      api_argerror(L, 1, "format result too large");
    total += (size_t)size;
  }
  api_pushinteger(L, (int64_t)total);
  return 1;
}

/* Reads a `size`-byte integer; bytes beyond 8 must only extend the sign. */
static int64_t pk_getint(State *L, const char *s, int little, int size, int issigned)
{
  uint64_t v = 0;
  int limit = size <= PK_INTSIZE ? size : PK_INTSIZE;
  for (int i = limit - 1; i >= 0; i--)
    v = (v << 8) | (unsigned char)s[little ? i : size - 1 - i];
  if (size < PK_INTSIZE) {
    if (issigned) {
      uint64_t mask = (uint64_t)1 << (size * 8 - 1);
      v = (v ^ mask) - mask;
    }
  } else if (size > PK_INTSIZE) {
    unsigned char ext = (!issigned || (int64_t)v >= 0) ? 0 : 0xff;
    for (int i = limit; i < size; i++)
      if ((unsigned char)s[little ? i : size - 1 - i] != ext)
        api_errorf(L, "%d-byte integer does not fit into Lua Integer", size);
  }
  return (int64_t)v;
}

static void pk_getbytes(void *dst, const char *s, int size, int little)
{
  unsigned char *out = dst;
  for (int i = 0; i < size; i++)
    out[i] = (unsigned char)s[little ? i : size - 1 - i];
}

static int str_unpack(State *L)
{
  PackFmt h;
  pk_init(&h, L, api_checkstring(L, 1));
  size_t ld;
  const char *data = api_checklstring(L, 2, &ld);
  size_t pos = pos_start(api_optinteger(L, 3, 1), ld) - 1;
  int n = 0;
  if (pos > ld)
    api_argerror(L, 3, "initial position out of string");
  while (*h.f) {
    int size, ntoalign;
    PackOpt opt = pk_details(&h, pos, &size, &ntoalign);
    if ((size_t)ntoalign + (size_t)size > ld - pos)
      api_argerror(L, 2, "data string too short");
    pos += (size_t)ntoalign;
    api_checkstackmsg(L, 2, "too many results");
    n++;
    switch (opt) {
    case K_INT: case K_UINT:
      api_pushinteger(L, pk_getint(L, data + pos, h.little, size, opt == K_INT));
      break;
    case K_FLOAT: {
      float x;
      pk_getbytes(&x, data + pos, size, h.little);
      api_pushnumber(L, (double)x);
      break;
    }
    case K_DOUBLE: {
      double x;
      pk_getbytes(&x, data + pos, size, h.little);
      api_pushnumber(L, x);
      break;
    }
    case K_CHAR:
      api_pushlstring(L, data + pos, (size_t)size);
      break;
    case K_STRING: {
      size_t len = (size_t)pk_getint(L, data + pos, h.little, size, 0);
      if (len > ld - pos - (size_t)size)
        api_argerror(L, 2, "data string too short");
      api_pushlstring(L, data + pos + size, len);
      pos += len;
      break;
    }
    case K_ZSTR: {
      size_t len = strlen(data + pos);
      if (pos + len >= ld)
        api_argerror(L, 2, "unfinished string for format 'z'");
      api_pushlstring(L, data + pos, len);
      pos += len + 1;
      break;
    }
    case K_PADDING: case K_PADALIGN: case K_NOP:
      n--;
      break;
    }
    pos += (size_t)size;
  }
  api_pushinteger(L, (int64_t)pos + 1);
  return n + 1;
}

/* -- The string metatable: arithmetic on numeric strings -------------------------------- */

/* Pushes argument `arg` as a number if it is one or a string that reads as one. */
static int arith_tonum(State *L, int arg)
{
  if (api_type(L, arg) == BT_NUMBER) {
    api_pushvalue(L, arg);
    return 1;
  }
  size_t len;
  if (api_type(L, arg) != BT_STRING)
    return 0;
  const char *s = api_tolstring(L, arg, &len);
  return api_stringtonumber(L, s, len) != 0;
}

/* Neither operand converts: hand over to the other operand's metamethod, if it has one. */
static int arith_other(State *L, const char *event)
{
  api_settop(L, 2);
  if (api_type(L, 2) == BT_STRING || api_getmetafield(L, 2, event) == BT_NIL)
    api_errorf(L, "attempt to %s a '%s' with a '%s'", event + 2,
               api_typename(L, api_type(L, -2)), api_typename(L, api_type(L, -1)));
  api_insert(L, -3);
  api_call(L, 2, 1);
  return 1;
}

static int arith(State *L, int op, const char *event)
{
  if (arith_tonum(L, 1) && arith_tonum(L, 2)) {
    api_arith(L, op);
    return 1;
  }
  return arith_other(L, event);
}

static int arith_add(State *L) { return arith(L, TM_ADD, "__add"); }
static int arith_sub(State *L) { return arith(L, TM_SUB, "__sub"); }
static int arith_mul(State *L) { return arith(L, TM_MUL, "__mul"); }
static int arith_mod(State *L) { return arith(L, TM_MOD, "__mod"); }
static int arith_pow(State *L) { return arith(L, TM_POW, "__pow"); }
static int arith_div(State *L) { return arith(L, TM_DIV, "__div"); }
static int arith_idiv(State *L) { return arith(L, TM_IDIV, "__idiv"); }
static int arith_unm(State *L) { return arith(L, TM_UNM, "__unm"); }

static const ApiReg string_meta[] = {
  {"__add", arith_add}, {"__sub", arith_sub}, {"__mul", arith_mul}, {"__mod", arith_mod},
  {"__pow", arith_pow}, {"__div", arith_div}, {"__idiv", arith_idiv}, {"__unm", arith_unm},
  {NULL, NULL}
};

static const ApiReg string_funcs[] = {
  {"byte", str_byte}, {"char", str_char}, {"dump", str_dump}, {"find", str_find},
  {"format", str_format}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {"len", str_len},
  {"lower", str_lower}, {"match", str_match}, {"rep", str_rep}, {"reverse", str_reverse},
  {"sub", str_sub}, {"upper", str_upper}, {"pack", str_pack}, {"packsize", str_packsize},
  {"unpack", str_unpack},
  {NULL, NULL}
};

/* Makes the metatable every string shares; the string table is on top. */
static void string_setmeta(State *L)
{
  api_createtable(L, 0, 9);
  api_setfuncs(L, string_meta, 0);
  api_pushvalue(L, -2);
  api_setfield(L, -2, "__index");
  api_pushlstring(L, "", 0);
  api_pushvalue(L, -2);
  api_setmetatable(L, -2);   /* on a string: sets the metatable of all strings */
  api_pop(L, 2);
}

int lib_open_string(State *L)
{
  api_newlib(L, string_funcs);
  string_setmeta(L);
  return 1;
}

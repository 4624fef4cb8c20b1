/* lib_utf8.c: the utf8 library of Lua 5.4.
 *
 * Strict functions accept only code points up to 0x10FFFF that are not surrogates; with the
 * `lax` argument they accept the original UTF-8 range, sequences of up to six bytes encoding
 * values up to 0x7FFFFFFF. Overlong encodings are always invalid.
 */
#include <limits.h>
#include <string.h>

#include "api.h"

#define UTF8_MAXUNICODE 0x10FFFFu
#define UTF8_MAXUTF     0x7FFFFFFFu
#define UTF8_INVALID    "invalid UTF-8 code"
/* Lua pattern for one UTF-8 sequence (lax); its '\0' makes the explicit length necessary. */
#define UTF8_PATT       "[\0-\x7F\xC2-\xFD][\x80-\xBF]*"

static int utf8_iscont(const char *p) { return ((unsigned char)*p & 0xC0) == 0x80; }

/* Decodes one sequence at s; returns the byte after it, or NULL if it is invalid. The string
 * must end in '\0', which stops a truncated sequence. */
static const char *utf8_decode(const char *s, uint32_t *val, int strict)
{
  static const uint32_t minval[] = {~(uint32_t)0, 0x80, 0x800, 0x10000u, 0x200000u, 0x4000000u};
  unsigned int c = (unsigned char)s[0];
  uint32_t res = 0;
  if (c < 0x80) {
    res = c;
  } else {
    int count = 0;   /* continuation bytes, one per 1 bit after the leading 1 */
    for (; c & 0x40; c <<= 1) {
      unsigned int cc = (unsigned char)s[++count];
      if ((cc & 0xC0) != 0x80)
        return NULL;
      res = (res << 6) | (cc & 0x3F);
    }
    res |= (uint32_t)(c & 0x7F) << (count * 5);
    if (count > 5 || res > UTF8_MAXUTF || res < minval[count])
      return NULL;
    s += count;
  }
  if (strict && (res > UTF8_MAXUNICODE || (res >= 0xD800u && res <= 0xDFFFu)))
    return NULL;
  if (val)
    *val = res;
  return s + 1;
}

/* A position argument: negatives count from the end; before the start gives 0. */
static int64_t utf8_pos(int64_t pos, size_t len)
{
  if (pos >= 0)
    return pos;
  if ((uint64_t)0 - (uint64_t)pos > len)
    return 0;
  return (int64_t)len + pos + 1;
}

/* utf8.len(s [, i [, j [, lax]]]): characters between i and j, or fail and the first bad byte. */
static int utf8_len(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  int64_t posi = utf8_pos(api_optinteger(L, 2, 1), len);
  int64_t posj = utf8_pos(api_optinteger(L, 3, -1), len);
  int lax = api_toboolean(L, 4);
  if (posi < 1 || --posi > (int64_t)len)
    api_argerror(L, 2, "initial position out of bounds");
  if (--posj >= (int64_t)len)
    api_argerror(L, 3, "final position out of bounds");
  int64_t n = 0;
  while (posi <= posj) {
    const char *next = utf8_decode(s + posi, NULL, !lax);
    if (!next) {
      api_pushnil(L);
      api_pushinteger(L, posi + 1);
      return 2;
    }
    posi = next - s;
    n++;
  }
  api_pushinteger(L, n);
  return 1;
}

/* utf8.codepoint(s [, i [, j [, lax]]]): the code points of the characters starting in i..j. */
static int utf8_codepoint(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  int64_t posi = utf8_pos(api_optinteger(L, 2, 1), len);
  int64_t pose = utf8_pos(api_optinteger(L, 3, posi), len);
  int lax = api_toboolean(L, 4);
  if (posi < 1)
    api_argerror(L, 2, "out of bounds");
  if (pose > (int64_t)len)
    api_argerror(L, 3, "out of bounds");
  if (posi > pose)
    return 0;
  if (pose - posi >= INT_MAX)
    api_errorf(L, "string slice too long");
  int n = 0;
  api_checkstackmsg(L, (int)(pose - posi) + 1, "string slice too long");
  const char *end = s + pose;
  for (s += posi - 1; s < end;) {
    uint32_t code;
    s = utf8_decode(s, &code, !lax);
    if (!s)
      api_errorf(L, UTF8_INVALID);
    api_pushinteger(L, code);
    n++;
  }
  return n;
}

/* Encodes x (<= 0x7FFFFFFF) into buf; returns the length (1 to 6). */
static int utf8_encode(char *buf, uint32_t x)
{
  if (x < 0x80) {
    buf[0] = (char)x;
    return 1;
  }
  char tmp[8];
  int n = 0;
  uint32_t firstmax = 0x3F;   /* largest payload the leading byte can still hold */
  do {
    tmp[n++] = (char)(0x80 | (x & 0x3F));
    x >>= 6;
    firstmax >>= 1;
  } while (x > firstmax);
  tmp[n++] = (char)((~firstmax << 1) | x);
  for (int i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  return n;
}

/* utf8.char(...): the concatenated encodings of the arguments. */
static int utf8_char(State *L)
{
  int n = api_gettop(L);
  ApiBuf B;
  api_buf_init(L, &B);
  for (int i = 1; i <= n; i++) {
    uint64_t code = (uint64_t)api_checkinteger(L, i);
    if (code > UTF8_MAXUTF)
      api_argerror(L, i, "value out of range");
    char *out = api_buf_prep(&B, 8);
    api_buf_addsize(&B, (size_t)utf8_encode(out, (uint32_t)code));
  }
  api_buf_pushresult(&B);
  return 1;
}

/* utf8.offset(s, n [, i]): byte position where the n-th character from i starts. */
static int utf8_offset(State *L)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  int64_t n = api_checkinteger(L, 2);
  int64_t posi = utf8_pos(api_optinteger(L, 3, n >= 0 ? 1 : (int64_t)len + 1), len);
  if (posi < 1 || --posi > (int64_t)len)
    api_argerror(L, 3, "position out of bounds");
  if (n == 0) {   /* start of the character containing byte i */
    while (posi > 0 && utf8_iscont(s + posi))
      posi--;
  } else {
    if (utf8_iscont(s + posi))
      api_errorf(L, "initial position is a continuation byte");
    if (n < 0) {
      for (; n < 0 && posi > 0; n++) {
        do
          posi--;
        while (posi > 0 && utf8_iscont(s + posi));
      }
    } else {
      for (n--; n > 0 && posi < (int64_t)len; n--) {
        do
          posi++;
        while (utf8_iscont(s + posi));   /* stops at the final '\0' */
      }
    }
  }
  if (n == 0)
    api_pushinteger(L, posi + 1);
  else
    api_pushnil(L);
  return 1;
}

/* Iterator of utf8.codes: control value is the byte position of the previous character. */
static int utf8_codes_step(State *L, int strict)
{
  size_t len;
  const char *s = api_checklstring(L, 1, &len);
  uint64_t n = (uint64_t)api_tointegerx(L, 2, NULL);
  if (n < len) {
    while (utf8_iscont(s + n))
      n++;   /* skip the rest of the previous character */
  }
  if (n >= len)
    return 0;
  uint32_t code;
  const char *next = utf8_decode(s + n, &code, strict);
  if (!next)
    api_errorf(L, UTF8_INVALID);
  api_pushinteger(L, (int64_t)n + 1);
  api_pushinteger(L, code);
  return 2;
}

static int utf8_codes_strict(State *L) { return utf8_codes_step(L, 1); }
static int utf8_codes_lax(State *L) { return utf8_codes_step(L, 0); }

/* utf8.codes(s [, lax]): for p, c in utf8.codes(s) iterates over the characters. */
static int utf8_codes(State *L)
{
  int lax = api_toboolean(L, 2);
  api_checkstring(L, 1);
  if (lax)
    api_pushcfunction(L, utf8_codes_lax, NULL);
  else
    api_pushcfunction(L, utf8_codes_strict, NULL);
  api_pushvalue(L, 1);
  api_pushinteger(L, 0);
  return 3;
}

static const ApiReg utf8_funcs[] = {
  {"offset", utf8_offset}, {"codepoint", utf8_codepoint}, {"char", utf8_char},
  {"len", utf8_len}, {"codes", utf8_codes},
  {NULL, NULL}
};

int lib_open_utf8(State *L)
{
  api_newlib(L, utf8_funcs);
  api_pushlstring(L, UTF8_PATT, sizeof(UTF8_PATT) - 1);
  api_setfield(L, -2, "charpattern");
  return 1;
}

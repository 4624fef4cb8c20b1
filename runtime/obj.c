/* obj.c: conversions between numbers and text and Lua's integer arithmetic rules. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"

const char *const obj_typenames[BT__N] = {
  "nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"
};

int tag_basictype(int tag) {
  static const uint8_t bt[TAG__N] = {
    [TAG_NIL] = BT_NIL, [TAG_FALSE] = BT_BOOLEAN, [TAG_TRUE] = BT_BOOLEAN, [TAG_LUD] = BT_LUD,
    [TAG_INT] = BT_NUMBER, [TAG_FLT] = BT_NUMBER, [TAG_RES6] = BT_NIL, [TAG_RES7] = BT_NIL,
    [TAG_STR] = BT_STRING, [TAG_TAB] = BT_TABLE, [TAG_LFN] = BT_FUNCTION,
    [TAG_CFN] = BT_FUNCTION, [TAG_UD] = BT_USERDATA, [TAG_THREAD] = BT_THREAD,
    [TAG_PROTO] = BT_NIL, [TAG_UPVAL] = BT_NIL, [TAG_SHAPE] = BT_NIL,
  };
  return (unsigned)tag < TAG__N ? bt[tag] : BT_NIL;
}

/* -- Text to number --------------------------------------------------------------------- */

static int hexdigit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static const char *skipspace(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  return s;
}

/* An integer numeral: hex wraps around; a decimal that overflows is not an integer (the caller
 * then reads it as a float). Returns the end of the numeral or NULL. */
static const char *str2int(const char *s, int64_t *out) {
  uint64_t a = 0;
  int neg = 0, ndig = 0;
  s = skipspace(s);
  if (*s == '-') { neg = 1; s++; }
  else if (*s == '+') s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    int d;
    for (s += 2; (d = hexdigit((unsigned char)*s)) >= 0; s++, ndig++) a = a * 16 + (uint64_t)d;
  } else {
    /* The magnitude may reach 2^63 only when negative. */
    uint64_t limit = (uint64_t)INT64_MAX + (uint64_t)neg;
    for (; *s >= '0' && *s <= '9'; s++, ndig++) {
      uint64_t d = (uint64_t)(*s - '0');
      if (a > (limit - d) / 10) return NULL;
      a = a * 10 + d;
    }
  }
  if (ndig == 0) return NULL;
  s = skipspace(s);
  *out = (int64_t)(neg ? 0 - a : a);
  return s;
}

/* A float numeral per strtod (decimal or hex), refusing "inf" and "nan" spelled out. */
static const char *str2flt(const char *s, double *out) {
  char *end;
  if (strpbrk(s, "nN")) return NULL;
  *out = strtod(s, &end);
  if (end == s) return NULL;
  return skipspace(end);
}

size_t obj_str2num(const char *s, size_t len, TValue *out) {
  const char *e;
  int64_t i;
  double d;
  if ((e = str2int(s, &i)) != NULL && *e == '\0') {
    setint(out, i);
  } else if ((e = str2flt(s, &d)) != NULL && *e == '\0') {
    setflt(out, d);
  } else {
    return 0;
  }
  /* An embedded '\0' ends the numeral before len: not a number. */
  return (size_t)(e - s) == len ? len + 1 : 0;
}

/* -- Number to text --------------------------------------------------------------------- */

/* Decimal digits of an integer without printf: number-to-string conversions (concatenation,
 * tostring, string building in server code) spent a quarter of their time in vfprintf. */
static int int2str(int64_t i, char *buf) {
  char tmp[24];
  int n = 0, len = 0;
  uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (i < 0) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  buf[len] = '\0';
  return len;
}

int obj_num2str(const TValue *n, char *buf) {
  int len;
  if (ttisint(n)) return int2str(ivalue(n), buf);
  double f = fltvalue(n);
  /* Integral floats of at most 14 digits print as %.14g would, digits then ".0" (not -0.0). */
  if (f == floor(f) && fabs(f) < 1e14 && (f != 0 || !signbit(f))) {
    len = int2str((int64_t)f, buf);
    memcpy(buf + len, ".0", 3);
    return len + 2;
  }
  len = snprintf(buf, OBJ_NUMBUF, "%.14g", f);
  /* A float that prints like an integer gets ".0" so the subtype stays visible. */
  if (buf[strspn(buf, "-0123456789")] == '\0') {
    buf[len++] = '.';
    buf[len++] = '0';
    buf[len] = '\0';
  }
  return len;
}

/* -- Number conversions ----------------------------------------------------------------- */

int obj_flt2int(double n, int64_t *out, int mode) {
  double f = floor(n);
  if (f != n) {
    if (mode == 0) return 0;
    if (mode == 2) f += 1;
  }
  /* -2^63 is exact as a double; 2^63 is the first value out of range. */
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return 0;
  *out = (int64_t)f;
  return 1;
}

int obj_toint(const TValue *o, int64_t *out) {
  TValue v;
  if (ttisstr(o)) {
    if (!obj_str2num(strdata(strvalue(o)), strvalue(o)->len, &v)) return 0;
    o = &v;
  }
  if (ttisint(o)) { *out = ivalue(o); return 1; }
  if (ttisflt(o)) return obj_flt2int(fltvalue(o), out, 0);
  return 0;
}

int obj_tonum(const TValue *o, double *out) {
  TValue v;
  if (ttisstr(o)) {
    if (!obj_str2num(strdata(strvalue(o)), strvalue(o)->len, &v)) return 0;
    o = &v;
  }
  if (ttisint(o)) { *out = (double)ivalue(o); return 1; }
  if (ttisflt(o)) { *out = fltvalue(o); return 1; }
  return 0;
}

/* -- Chunk names ------------------------------------------------------------------------ */

void obj_chunkid(char *out, const char *source, size_t srclen) {
  const size_t room = OBJ_IDSIZE - 1;   /* characters that fit besides the '\0' */
  if (*source == '=' || *source == '@') {
    const char *name = source + 1;
    size_t n = srclen - 1;
    if (n <= room) {
      memcpy(out, name, n);
      out[n] = '\0';
    } else if (*source == '=') {
      memcpy(out, name, room);
      out[room] = '\0';
    } else {
      /* Keep the end of a long file name: it tells more than the start. */
      size_t keep = room - 3;
      memcpy(out, "...", 3);
      memcpy(out + 3, name + n - keep, keep);
      out[room] = '\0';
    }
  } else {
    const char *nl = memchr(source, '\n', srclen);
    const size_t maxtext = OBJ_IDSIZE - sizeof("[string \"...\"]");
    size_t n = srclen;
    int cut = 0;
    if (nl) { n = (size_t)(nl - source); cut = 1; }
    if (n > maxtext || (!cut && n == maxtext)) { n = maxtext; cut = 1; }
    out += sprintf(out, "[string \"");
    memcpy(out, source, n);
    out += n;
    if (cut) { memcpy(out, "...", 3); out += 3; }
    memcpy(out, "\"]", 3);
  }
}

/* -- Integer arithmetic ----------------------------------------------------------------- */

int64_t obj_idiv(int64_t a, int64_t b) {
  int64_t q;
  if (b == -1) return (int64_t)(0 - (uint64_t)a);   /* avoids the INT64_MIN / -1 trap */
  q = a / b;
  if ((a % b != 0) && ((a ^ b) < 0)) q--;         /* C truncates; Lua floors */
  return q;
}

int64_t obj_imod(int64_t a, int64_t b) {
  int64_t r;
  if (b == -1) return 0;
  r = a % b;
  if (r != 0 && ((r ^ b) < 0)) r += b;            /* result takes the divisor's sign */
  return r;
}

double obj_fmod(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((r > 0) != (b > 0)) && !isnan(r)) r += b;
  return r;
}

int64_t obj_shl(int64_t a, int64_t b) {
  if (b <= -64 || b >= 64) return 0;
  if (b >= 0) return (int64_t)((uint64_t)a << b);
  return (int64_t)((uint64_t)a >> -b);
}

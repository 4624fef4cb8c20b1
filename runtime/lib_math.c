/* lib_math.c: the math library.
 *
 * The generator is xoshiro256** with Lua 5.4's seeding and projection, so a given seed yields
 * the same sequence as lua5.4. Its state lives in a userdata shared as upvalue 1 by random
 * and randomseed.
 */
#include <math.h>
#include <stdint.h>
#include <time.h>
#include "api.h"
#include "jit.h"

#define PI 3.141592653589793238462643383279502884

/* Push a float as an integer when it has an exact integer value in range, else as a float. */
static void push_numint(State *L, double d)
{
  if (d >= -0x1p63 && d < 0x1p63)
    api_pushinteger(L, (int64_t)d);
  else
    api_pushnumber(L, d);
}

static int m_abs(State *L)
{
  if (api_isinteger(L, 1)) {
    int64_t n = api_tointegerx(L, 1, NULL);
    api_pushinteger(L, n < 0 ? (int64_t)(0u - (uint64_t)n) : n);
  } else {
    api_pushnumber(L, fabs(api_checknumber(L, 1)));
  }
  return 1;
}

static int m_floor(State *L)
{
  if (api_isinteger(L, 1))
    api_settop(L, 1);
  else
    push_numint(L, floor(api_checknumber(L, 1)));
  return 1;
}

static int m_ceil(State *L)
{
  if (api_isinteger(L, 1))
    api_settop(L, 1);
  else
    push_numint(L, ceil(api_checknumber(L, 1)));
  return 1;
}

static int m_fmod(State *L)
{
  if (api_isinteger(L, 1) && api_isinteger(L, 2)) {
    int64_t a = api_tointegerx(L, 1, NULL), b = api_tointegerx(L, 2, NULL);
    if (b == 0)
      api_argerror(L, 2, "zero");
    /* b == -1 would overflow C's % for mininteger; the result is 0 anyway */
    api_pushinteger(L, b == -1 ? 0 : a % b);
  } else {
    api_pushnumber(L, fmod(api_checknumber(L, 1), api_checknumber(L, 2)));
  }
  return 1;
}

static int m_modf(State *L)
{
  if (api_isinteger(L, 1)) {
    api_settop(L, 1);
    api_pushnumber(L, 0.0);
    return 2;
  }
  double n = api_checknumber(L, 1);
  double ip = n < 0 ? ceil(n) : floor(n);
  push_numint(L, ip);
  api_pushnumber(L, n == ip ? 0.0 : n - ip);   /* the test keeps inf - inf from giving nan */
  return 2;
}

static int m_sqrt(State *L) { api_pushnumber(L, sqrt(api_checknumber(L, 1))); return 1; }
static int m_sin(State *L)  { api_pushnumber(L, sin(api_checknumber(L, 1))); return 1; }
static int m_cos(State *L)  { api_pushnumber(L, cos(api_checknumber(L, 1))); return 1; }
static int m_tan(State *L)  { api_pushnumber(L, tan(api_checknumber(L, 1))); return 1; }
static int m_asin(State *L) { api_pushnumber(L, asin(api_checknumber(L, 1))); return 1; }
static int m_acos(State *L) { api_pushnumber(L, acos(api_checknumber(L, 1))); return 1; }
static int m_exp(State *L)  { api_pushnumber(L, exp(api_checknumber(L, 1))); return 1; }
static int m_deg(State *L)  { api_pushnumber(L, api_checknumber(L, 1) * (180.0 / PI)); return 1; }
static int m_rad(State *L)  { api_pushnumber(L, api_checknumber(L, 1) * (PI / 180.0)); return 1; }

/* Lua 5.3 compatibility functions, present in Debian's lua5.4 build. */
static int m_cosh(State *L)  { api_pushnumber(L, cosh(api_checknumber(L, 1))); return 1; }
static int m_sinh(State *L)  { api_pushnumber(L, sinh(api_checknumber(L, 1))); return 1; }
static int m_tanh(State *L)  { api_pushnumber(L, tanh(api_checknumber(L, 1))); return 1; }
static int m_log10(State *L) { api_pushnumber(L, log10(api_checknumber(L, 1))); return 1; }

static int m_pow(State *L)
{
  double x = api_checknumber(L, 1);
  api_pushnumber(L, pow(x, api_checknumber(L, 2)));
  return 1;
}

static int m_frexp(State *L)
{
  int e;
  api_pushnumber(L, frexp(api_checknumber(L, 1), &e));
  api_pushinteger(L, e);
  return 2;
}

static int m_ldexp(State *L)
{
  double x = api_checknumber(L, 1);
  /* lua5.4 casts the exponent to int: keep its low 32 bits (ldexp(3, 2^53) is 3 there) */
  int e = (int)(int32_t)(uint32_t)(uint64_t)api_checkinteger(L, 2);
  api_pushnumber(L, ldexp(x, e));
  return 1;
}

static int m_atan(State *L)
{
  double y = api_checknumber(L, 1);
  double x = api_optnumber(L, 2, 1.0);
  api_pushnumber(L, atan2(y, x));
  return 1;
}

static int m_log(State *L)
{
  double x = api_checknumber(L, 1);
  double r;
  if (api_isnoneornil(L, 2)) {
    r = log(x);
  } else {
    double base = api_checknumber(L, 2);
    /* dedicated functions keep log(8, 2) and log(1000, 10) exact */
    if (base == 2.0)
      r = log2(x);
    else if (base == 10.0)
      r = log10(x);
    else
      r = log(x) / log(base);
  }
  api_pushnumber(L, r);
  return 1;
}

/* The extreme argument (want_less 1: the minimum), compared with '<' as 5.4 does, so the
 * arguments keep their subtype and non-numbers fail the comparison, not a type check. */
static int minmax(State *L, int want_less)
{
  int n = api_gettop(L);
  if (n < 1)
    api_argerror(L, 1, "value expected");
  int best = 1;
  for (int i = 2; i <= n; i++) {
    if (want_less ? api_compare(L, i, best, API_OPLT) : api_compare(L, best, i, API_OPLT))
      best = i;
  }
  api_pushvalue(L, best);
  return 1;
}

static int m_min(State *L) { return minmax(L, 1); }
static int m_max(State *L) { return minmax(L, 0); }

static int m_tointeger(State *L)
{
  int ok;
  int64_t n = api_tointegerx(L, 1, &ok);
  if (ok) {
    api_pushinteger(L, n);
  } else {
    api_checkany(L, 1);
    api_pushnil(L);
  }
  return 1;
}

static int m_type(State *L)
{
  if (api_type(L, 1) == BT_NUMBER) {
    api_pushstring(L, api_isinteger(L, 1) ? "integer" : "float");
  } else {
    api_checkany(L, 1);
    api_pushnil(L);
  }
  return 1;
}

static int m_ult(State *L)
{
  uint64_t a = (uint64_t)api_checkinteger(L, 1);
  uint64_t b = (uint64_t)api_checkinteger(L, 2);
  api_pushboolean(L, a < b);
  return 1;
}

/* -- xoshiro256** ------------------------------------------------------------------------ */

typedef struct Rng { uint64_t s[4]; } Rng;

static uint64_t rotl(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

static uint64_t rng_next(Rng *g)
{
  uint64_t *s = g->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

/* Seeds as Lua 5.4 does (the constant word keeps the state nonzero), then discards 16
 * outputs to spread the seed bits; pushes the two seed parts. */
static void rng_seed(State *L, Rng *g, uint64_t n1, uint64_t n2)
{
  g->s[0] = n1;
  g->s[1] = 0xff;
  g->s[2] = n2;
  g->s[3] = 0;
  for (int i = 0; i < 16; i++)
    rng_next(g);
  api_pushinteger(L, (int64_t)n1);
  api_pushinteger(L, (int64_t)n2);
}

static void rng_seed_random(State *L, Rng *g)
{
  uint64_t n1 = (uint64_t)time(NULL);
  uint64_t n2 = (uint64_t)(uintptr_t)L;
  rng_seed(L, g, n1, n2);
}

/* A uniform value in [0, n]: mask to the smallest all-ones number covering n and retry
 * values that land above n, which keeps every result equally likely. */
static uint64_t rng_project(Rng *g, uint64_t ran, uint64_t n)
{
  if ((n & (n + 1)) == 0)
    return ran & n;
  uint64_t mask = n;
  for (int sh = 1; sh < 64; sh <<= 1)
    mask |= mask >> sh;
  while ((ran &= mask) > n)
    ran = rng_next(g);
  return ran;
}

static int m_random(State *L)
{
  Rng *g = api_touserdata(L, api_upvalueindex(1));
  uint64_t rv = rng_next(g);
  int64_t lo, up;
  switch (api_gettop(L)) {
  case 0:
    api_pushnumber(L, (double)(rv >> 11) * 0x1p-53);
    return 1;
  case 1:
    lo = 1;
    up = api_checkinteger(L, 1);
    if (up == 0) {
      api_pushinteger(L, (int64_t)rv);
      return 1;
    }
    break;
  case 2:
    lo = api_checkinteger(L, 1);
    up = api_checkinteger(L, 2);
    break;
  default:
    api_errorf(L, "wrong number of arguments");
  }
  if (lo > up)
    api_argerror(L, 1, "interval is empty");
  uint64_t r = rng_project(g, rv, (uint64_t)up - (uint64_t)lo);
  api_pushinteger(L, (int64_t)(r + (uint64_t)lo));
  return 1;
}

static int m_randomseed(State *L)
{
  Rng *g = api_touserdata(L, api_upvalueindex(1));
  if (api_isnone(L, 1)) {
    rng_seed_random(L, g);
  } else {
    int64_t n1 = api_checkinteger(L, 1);
    int64_t n2 = api_optinteger(L, 2, 0);
    rng_seed(L, g, (uint64_t)n1, (uint64_t)n2);
  }
  return 2;
}

static const ApiReg math_funcs[] = {
  { "abs", m_abs }, { "ceil", m_ceil }, { "floor", m_floor }, { "fmod", m_fmod },
  { "modf", m_modf }, { "sqrt", m_sqrt }, { "sin", m_sin }, { "cos", m_cos },
  { "tan", m_tan }, { "asin", m_asin }, { "acos", m_acos }, { "atan", m_atan },
  { "exp", m_exp }, { "log", m_log }, { "deg", m_deg }, { "rad", m_rad },
  { "min", m_min }, { "max", m_max }, { "tointeger", m_tointeger }, { "type", m_type },
  { "ult", m_ult }, { "cosh", m_cosh }, { "sinh", m_sinh },
  { "tanh", m_tanh }, { "pow", m_pow }, { "frexp", m_frexp }, { "ldexp", m_ldexp },
  { "log10", m_log10 },
  { NULL, NULL }
};

static const ApiReg rng_funcs[] = {
  { "random", m_random }, { "randomseed", m_randomseed },
  { NULL, NULL }
};

int lib_open_math(State *L)
{
  api_newlib(L, math_funcs);
  /* atan2 is atan itself (same object), so error messages name it 'math.atan' as lua5.4 does */
  api_getfield(L, -1, "atan");
  api_setfield(L, -2, "atan2");
  api_pushnumber(L, PI);
  api_setfield(L, -2, "pi");
  api_pushnumber(L, HUGE_VAL);
  api_setfield(L, -2, "huge");
  api_pushinteger(L, INT64_MAX);
  api_setfield(L, -2, "maxinteger");
  api_pushinteger(L, INT64_MIN);
  api_setfield(L, -2, "mininteger");
  Rng *g = api_newuserdata(L, sizeof(Rng));
  rng_seed_random(L, g);
  api_pop(L, 2);
  api_setfuncs(L, rng_funcs, 1);
  return 1;
}

/* The functions compiled code computes itself (jit_build.c): 1 sqrt, 2 abs, 0 others. */
int lib_math_intrinsic(CFunction f)
{
  return f == m_sqrt ? 1 : f == m_abs ? 2 : 0;
}

/* lib_os.c: the os library (clock, date, difftime, execute, exit, getenv, remove, rename,
 * setlocale, time, tmpname), with Lua 5.4's argument checks and messages. */
#include <errno.h>
#include <locale.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "api.h"

/* Conversions C99's strftime accepts, as 5.4 lists them: one-letter ones, then the E and O
 * modified ones. Anything else is refused before strftime sees it. */
static const char conv1[] = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
static const char *const conv2[] = {
  "Ec", "EC", "Ex", "EX", "Ey", "EY", "Od", "Oe", "OH", "OI", "Om", "OM", "OS", "Ou", "OU",
  "OV", "Ow", "OW", "Oy", NULL
};

static time_t check_time(State *L, int arg)
{
  return (time_t)api_checkinteger(L, arg);
}

static int os_clock(State *L)
{
  api_pushnumber(L, (double)clock() / (double)CLOCKS_PER_SEC);
  return 1;
}

static void set_field(State *L, const char *key, int value, int delta)
{
  api_pushinteger(L, (int64_t)value + delta);
  api_setfield(L, -2, key);
}

static void set_boolfield(State *L, const char *key, int value)
{
  if (value < 0)      /* unknown */
    return;
  api_pushboolean(L, value);
  api_setfield(L, -2, key);
}

/* The table at the top gets every field of stm. */
static void set_allfields(State *L, const struct tm *stm)
{
  set_field(L, "year", stm->tm_year, 1900);
  set_field(L, "month", stm->tm_mon, 1);
  set_field(L, "day", stm->tm_mday, 0);
  set_field(L, "hour", stm->tm_hour, 0);
  set_field(L, "min", stm->tm_min, 0);
  set_field(L, "sec", stm->tm_sec, 0);
  set_field(L, "yday", stm->tm_yday, 1);
  set_field(L, "wday", stm->tm_wday, 1);
  set_boolfield(L, "isdst", stm->tm_isdst);
}

/* Integer field `key` of the table at the top minus delta; d is the default (< 0: required). */
static int get_field(State *L, const char *key, int d, int delta)
{
  int t = api_getfield(L, -1, key);
  int isnum;
  int64_t res = api_tointegerx(L, -1, &isnum);
  if (!isnum) {
    if (t != BT_NIL)
      api_errorf(L, "field '%s' is not an integer", key);
    if (d < 0)
      api_errorf(L, "field '%s' missing in date table", key);
    res = d;
  } else {
    if (!(res >= 0 ? res - delta <= INT_MAX : (int64_t)INT_MIN + delta <= res))
      api_errorf(L, "field '%s' is out-of-bound", key);
    res -= delta;
  }
  api_pop(L, 1);
  return (int)res;
}

static int get_boolfield(State *L, const char *key)
{
  int r = api_getfield(L, -1, key) == BT_NIL ? -1 : api_toboolean(L, -1);
  api_pop(L, 1);
  return r;
}

/* Copies the conversion starting at s (after the '%') into cc ("%X" or "%EX");
 * returns the position after it, or raises the "invalid conversion specifier" error. */
static const char *check_conversion(State *L, const char *s, const char *end, char *cc)
{
  if (s < end && *s != '\0' && strchr(conv1, *s)) {
    cc[1] = *s;
    cc[2] = '\0';
    return s + 1;
  }
  if (end - s >= 2) {
    for (int i = 0; conv2[i]; i++) {
      if (s[0] == conv2[i][0] && s[1] == conv2[i][1]) {
        cc[1] = s[0];
        cc[2] = s[1];
        cc[3] = '\0';
        return s + 2;
      }
    }
  }
  api_pushfstring(L, "invalid conversion specifier '%%%s'", s);
  api_argerror(L, 1, api_tostring(L, -1));
}

static void format_date(State *L, const char *s, const char *end, const struct tm *stm)
{
  ApiBuf B;
  api_buf_init(L, &B);
  while (s < end) {
    if (*s != '%') {
      api_buf_addchar(&B, *s++);
      continue;
    }
    char cc[4] = { '%', 0, 0, 0 };
    s = check_conversion(L, s + 1, end, cc);
    char out[256];
    size_t n = strftime(out, sizeof out, cc, stm);
    api_buf_addlstring(&B, out, n);
  }
  api_buf_pushresult(&B);
}

static int os_date(State *L)
{
  size_t slen;
  const char *s = api_optlstring(L, 1, "%c", &slen);
  const char *end = s + slen;
  time_t t = api_isnoneornil(L, 2) ? time(NULL) : check_time(L, 2);
  struct tm tmbuf, *stm;
  if (*s == '!') {
    stm = gmtime_r(&t, &tmbuf);
    s++;
  } else {
    stm = localtime_r(&t, &tmbuf);
  }
  if (stm == NULL)
    api_errorf(L, "date result cannot be represented in this installation");
  if (strcmp(s, "*t") == 0) {
    api_createtable(L, 0, 9);
    set_allfields(L, stm);
  } else {
    format_date(L, s, end, stm);
  }
  return 1;
}

static int os_time(State *L)
{
  time_t t;
  if (api_isnoneornil(L, 1)) {
    t = time(NULL);
  } else {
    struct tm ts;
    memset(&ts, 0, sizeof ts);
    api_checktype(L, 1, BT_TABLE);
    api_settop(L, 1);
    ts.tm_year = get_field(L, "year", -1, 1900);
    ts.tm_mon = get_field(L, "month", -1, 1);
    ts.tm_mday = get_field(L, "day", -1, 0);
    ts.tm_hour = get_field(L, "hour", 12, 0);
    ts.tm_min = get_field(L, "min", 0, 0);
    ts.tm_sec = get_field(L, "sec", 0, 0);
    ts.tm_isdst = get_boolfield(L, "isdst");
    t = mktime(&ts);
    set_allfields(L, &ts);   /* the table gets the normalized date, as 5.4 does */
  }
  if (t == (time_t)-1)
    api_errorf(L, "time result cannot be represented in this installation");
  api_pushinteger(L, (int64_t)t);
  return 1;
}

static int os_difftime(State *L)
{
  time_t t1 = check_time(L, 1);
  time_t t2 = check_time(L, 2);
  api_pushnumber(L, difftime(t1, t2));
  return 1;
}

static int os_execute(State *L)
{
  const char *cmd = api_optstring(L, 1, NULL);
  errno = 0;
  int stat = system(cmd);
  if (cmd != NULL)
    return api_execresult(L, stat);
  api_pushboolean(L, stat);
  return 1;
}

static int os_exit(State *L)
{
  int status;
  if (api_type(L, 1) == BT_BOOLEAN)
    status = api_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
  else
    status = (int)api_optinteger(L, 1, EXIT_SUCCESS);
  if (api_toboolean(L, 2))
    state_close(G(L)->mainthread);
  exit(status);
}

static int os_getenv(State *L)
{
  api_pushstring(L, getenv(api_checkstring(L, 1)));
  return 1;
}

static int os_remove(State *L)
{
  const char *name = api_checkstring(L, 1);
  return api_fileresult(L, remove(name) == 0, name);
}

static int os_rename(State *L)
{
  const char *from = api_checkstring(L, 1);
  const char *to = api_checkstring(L, 2);
  return api_fileresult(L, rename(from, to) == 0, NULL);
}

static int os_tmpname(State *L)
{
  char name[] = "/tmp/lua_XXXXXX";
  int fd = mkstemp(name);
  if (fd == -1)
    api_errorf(L, "unable to generate a unique filename");
  close(fd);
  api_pushstring(L, name);
  return 1;
}

static int os_setlocale(State *L)
{
  static const int cats[] = { LC_ALL, LC_COLLATE, LC_CTYPE, LC_MONETARY, LC_NUMERIC, LC_TIME };
  static const char *const names[] = { "all", "collate", "ctype", "monetary", "numeric", "time",
                                       NULL };
  const char *l = api_optstring(L, 1, NULL);
  int op = api_checkoption(L, 2, "all", names);
  api_pushstring(L, setlocale(cats[op], l));
  return 1;
}

static const ApiReg os_funcs[] = {
  { "clock", os_clock }, { "date", os_date }, { "difftime", os_difftime },
  { "execute", os_execute }, { "exit", os_exit }, { "getenv", os_getenv },
  { "remove", os_remove }, { "rename", os_rename }, { "setlocale", os_setlocale },
  { "time", os_time }, { "tmpname", os_tmpname },
  { NULL, NULL }
};

int lib_open_os(State *L)
{
  api_newlib(L, os_funcs);
  return 1;
}

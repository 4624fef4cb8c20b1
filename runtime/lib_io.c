/* lib_io.c: the io library and file handles.
 *
 * A file is a full userdata holding an IoFile, with the metatable registered as "FILE*".
 * Invariant: closef == NULL means the handle is closed; otherwise closef knows how to close
 * f (fclose, pclose, or refusing for the standard files). The default input and output files
 * live in the registry under IO_INPUT / IO_OUTPUT.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "api.h"

#define IO_FILE    "FILE*"
#define IO_PREFIX  "_IO_"
#define IO_INPUT   IO_PREFIX "input"
#define IO_OUTPUT  IO_PREFIX "output"
#define IO_MAXARGLINE 250     /* formats io.lines keeps as upvalues */
#define IO_MAXNUMERAL 200     /* longest numeral read("n") accepts */

typedef struct IoFile {
  FILE *f;
  CFunction closef;
} IoFile;

#define io_isclosed(p) ((p)->closef == NULL)

static IoFile *to_iofile(State *L)
{
  return api_checkudata(L, 1, IO_FILE);
}

/* The open FILE of argument 1. */
static FILE *to_file(State *L)
{
  IoFile *p = to_iofile(L);
  if (io_isclosed(p))
    api_errorf(L, "attempt to use a closed file");
  return p->f;
}

/* A new handle, closed until the caller sets f and closef (so a failed open is collectable). */
static IoFile *new_prefile(State *L)
{
  IoFile *p = api_newuserdata(L, sizeof(IoFile));
  p->f = NULL;
  p->closef = NULL;
  api_setmetatable_named(L, IO_FILE);
  return p;
}

static int io_fclose(State *L)
{
  IoFile *p = to_iofile(L);
  return api_fileresult(L, fclose(p->f) == 0, NULL);
}

static int io_pclose(State *L)
{
  IoFile *p = to_iofile(L);
  errno = 0;
  return api_execresult(L, pclose(p->f));
}

/* The standard files stay open: closing them would break the host. */
static int io_noclose(State *L)
{
  IoFile *p = to_iofile(L);
  p->closef = io_noclose;
  api_pushnil(L);
  api_pushstring(L, "cannot close standard file");
  return 2;
}

static IoFile *new_file(State *L)
{
  IoFile *p = new_prefile(L);
  p->closef = io_fclose;
  return p;
}

static void open_or_fail(State *L, const char *fname, const char *mode)
{
  IoFile *p = new_file(L);
  p->f = fopen(fname, mode);
  if (p->f == NULL)
    api_errorf(L, "cannot open file '%s' (%s)", fname, strerror(errno));
}

static int aux_close(State *L)
{
  IoFile *p = to_iofile(L);
  CFunction cf = p->closef;
  p->closef = NULL;
  return cf(L);
}

static int f_close(State *L)
{
  to_file(L);
  return aux_close(L);
}

static int io_close(State *L)
{
  if (api_isnone(L, 1))
    api_getfield(L, API_REGISTRYINDEX, IO_OUTPUT);
  return f_close(L);
}

static int f_gc(State *L)
{
  IoFile *p = to_iofile(L);
  if (!io_isclosed(p) && p->f != NULL)
    aux_close(L);
  return 0;
}

static int f_tostring(State *L)
{
  IoFile *p = to_iofile(L);
  if (io_isclosed(p))
    api_pushstring(L, "file (closed)");
  else
    api_pushfstring(L, "file (%p)", (void *)p->f);
  return 1;
}

/* "r", "w" or "a", an optional '+', then only 'b's. */
static int mode_ok(const char *mode)
{
  if (*mode == '\0' || !strchr("rwa", *mode))
    return 0;
  mode++;
  if (*mode == '+')
    mode++;
  return strspn(mode, "b") == strlen(mode);
}

static int io_open(State *L)
{
  const char *fname = api_checkstring(L, 1);
  const char *mode = api_optstring(L, 2, "r");
  if (!mode_ok(mode))
    api_argerror(L, 2, "invalid mode");
  IoFile *p = new_file(L);
  p->f = fopen(fname, mode);
  return p->f == NULL ? api_fileresult(L, 0, fname) : 1;
}

static int io_popen(State *L)
{
  const char *prog = api_checkstring(L, 1);
  const char *mode = api_optstring(L, 2, "r");
  if (!((mode[0] == 'r' || mode[0] == 'w') && mode[1] == '\0'))
    api_argerror(L, 2, "invalid mode");
  IoFile *p = new_prefile(L);
  fflush(NULL);     /* the child must not see our unflushed output twice */
  p->f = popen(prog, mode);
  p->closef = io_pclose;
  return p->f == NULL ? api_fileresult(L, 0, prog) : 1;
}

static int io_tmpfile(State *L)
{
  IoFile *p = new_file(L);
  p->f = tmpfile();
  return p->f == NULL ? api_fileresult(L, 0, NULL) : 1;
}

static int io_type(State *L)
{
  api_checkany(L, 1);
  IoFile *p = api_testudata(L, 1, IO_FILE);
  if (p == NULL)
    api_pushnil(L);
  else
    api_pushstring(L, io_isclosed(p) ? "closed file" : "file");
  return 1;
}

/* The default file `key`, which must be open. */
static FILE *default_file(State *L, const char *key)
{
  api_getfield(L, API_REGISTRYINDEX, key);
  IoFile *p = api_touserdata(L, -1);
  if (io_isclosed(p))
    api_errorf(L, "default %s file is closed", key + sizeof(IO_PREFIX) - 1);
  return p->f;
}

/* io.input / io.output: set the default from a name or handle, then return it. */
static int set_default(State *L, const char *key, const char *mode)
{
  if (!api_isnoneornil(L, 1)) {
    const char *fname = api_tostring(L, 1);
    if (fname) {
      open_or_fail(L, fname, mode);
    } else {
      to_file(L);
      api_pushvalue(L, 1);
    }
    api_setfield(L, API_REGISTRYINDEX, key);
  }
  api_getfield(L, API_REGISTRYINDEX, key);
  return 1;
}

static int io_input(State *L)  { return set_default(L, IO_INPUT, "r"); }
static int io_output(State *L) { return set_default(L, IO_OUTPUT, "w"); }

/* -- Reading -------------------------------------------------------------------------------- */

/* A numeral being read: at most IO_MAXNUMERAL characters, c is the lookahead. */
typedef struct Numeral {
  FILE *f;
  int c;
  int n;
  char buf[IO_MAXNUMERAL + 1];
} Numeral;

static int num_next(Numeral *rn)
{
  if (rn->n >= IO_MAXNUMERAL) {
    rn->buf[0] = '\0';      /* too long: make the numeral invalid */
    return 0;
  }
  rn->buf[rn->n++] = (char)rn->c;
  rn->c = getc_unlocked(rn->f);
  return 1;
}

/* Accept the lookahead if it is one of the two characters of set. */
static int num_accept(Numeral *rn, const char *set)
{
  if (rn->c == set[0] || rn->c == set[1])
    return num_next(rn);
  return 0;
}

static int num_digits(Numeral *rn, int hex)
{
  int count = 0;
  while ((hex ? isxdigit(rn->c) : isdigit(rn->c)) && num_next(rn))
    count++;
  return count;
}

/* Push the value of the value-shaped numeral read from rn->buf, or nil. */
static int num_push(State *L, const char *s)
{
  if (api_stringtonumber(L, s, strlen(s)))
    return 1;
  api_pushnil(L);
  return 0;
}

/* Read the longest prefix that can start a numeral (as Lua's reader does), then convert it. */
static int read_number(State *L, FILE *f)
{
  Numeral rn;
  int count = 0, hex = 0;
  char decp[3] = { localeconv()->decimal_point[0], '.', 0 };
  rn.f = f;
  rn.n = 0;
  flockfile(f);
  do {
    rn.c = getc_unlocked(f);
  } while (isspace(rn.c));
  num_accept(&rn, "-+");
  if (num_accept(&rn, "00")) {
    if (num_accept(&rn, "xX"))
      hex = 1;
    else
      count = 1;
  }
  count += num_digits(&rn, hex);
  if (num_accept(&rn, decp))
    count += num_digits(&rn, hex);
  if (count > 0 && num_accept(&rn, hex ? "pP" : "eE")) {
    num_accept(&rn, "-+");
    num_digits(&rn, 0);
  }
  ungetc(rn.c, f);
  funlockfile(f);
  rn.buf[rn.n] = '\0';
  return num_push(L, rn.buf);
}

static int test_eof(State *L, FILE *f)
{
  int c = getc(f);
  ungetc(c, f);
  api_pushstring(L, "");
  return c != EOF;
}

static int read_line(State *L, FILE *f, int chop)
{
  ApiBuf B;
  int c = EOF;
  api_buf_init(L, &B);
  flockfile(f);
  for (;;) {
    char *p = api_buf_prep(&B, API_BUFSIZE);
    int i = 0;
    while (i < API_BUFSIZE && (c = getc_unlocked(f)) != EOF && c != '\n')
      p[i++] = (char)c;
    api_buf_addsize(&B, i);
    if (i < API_BUFSIZE)
      break;
  }
  funlockfile(f);
  if (!chop && c == '\n')
    api_buf_addchar(&B, (char)c);
  size_t n = B.n;
  api_buf_pushresult(&B);
  return c == '\n' || n > 0;
}

static void read_all(State *L, FILE *f)
{
  ApiBuf B;
  size_t nr;
  api_buf_init(L, &B);
  do {
    char *p = api_buf_prep(&B, API_BUFSIZE);
    nr = fread(p, 1, API_BUFSIZE, f);
    api_buf_addsize(&B, nr);
  } while (nr == API_BUFSIZE);
  api_buf_pushresult(&B);
}

/* Read up to n bytes. Chunks bound the buffer by what the file holds, so a huge count on a
 * short file does not ask for a huge allocation up front. */
static int read_chars(State *L, FILE *f, size_t n)
{
  enum { CHUNK = 1 << 16 };
  ApiBuf B;
  size_t total = 0, want, nr;
  api_buf_init(L, &B);
  do {
    want = n - total < CHUNK ? n - total : CHUNK;
    char *p = api_buf_prep(&B, want);
    nr = fread(p, 1, want, f);
    api_buf_addsize(&B, nr);
    total += nr;
  } while (nr == want && total < n);
  api_buf_pushresult(&B);
  return total > 0;
}

/* Read with the formats at first..top; one result per format, nil for the first that fails
 * (and nothing after it). */
static int g_read(State *L, FILE *f, int first)
{
  int nargs = api_gettop(L) - 1;
  int n, ok;
  clearerr(f);
  if (nargs == 0) {
    ok = read_line(L, f, 1);
    n = first + 1;
  } else {
    api_checkstackmsg(L, nargs + API_MINSTACK, "too many arguments");
    ok = 1;
    for (n = first; nargs-- && ok; n++) {
      if (api_type(L, n) == BT_NUMBER) {
        size_t count = (size_t)api_checkinteger(L, n);
        ok = count == 0 ? test_eof(L, f) : read_chars(L, f, count);
        continue;
      }
      const char *p = api_checkstring(L, n);
      if (*p == '*')
        p++;          /* 5.3 style "*l" */
      switch (*p) {
      case 'n': ok = read_number(L, f); break;
      case 'l': ok = read_line(L, f, 1); break;
      case 'L': ok = read_line(L, f, 0); break;
      case 'a': read_all(L, f); ok = 1; break;
      default: api_argerror(L, n, "invalid format");
      }
    }
  }
  if (ferror(f))
    return api_fileresult(L, 0, NULL);
  if (!ok) {
    api_pop(L, 1);
    api_pushnil(L);
  }
  return n - first;
}

static int io_read(State *L)
{
  return g_read(L, default_file(L, IO_INPUT), 1);
}

static int f_read(State *L)
{
  return g_read(L, to_file(L), 2);
}

/* Iterator of io.lines / file:lines: upvalues file, format count, close-at-end, formats. */
static int io_readline(State *L)
{
  IoFile *p = api_touserdata(L, api_upvalueindex(1));
  int n = (int)api_tointegerx(L, api_upvalueindex(2), NULL);
  if (io_isclosed(p))
    api_errorf(L, "file is already closed");
  api_settop(L, 1);
  api_checkstackmsg(L, n, "too many arguments");
  for (int i = 1; i <= n; i++)
    api_pushvalue(L, api_upvalueindex(3 + i));
  n = g_read(L, p->f, 2);
  if (api_toboolean(L, -n))
    return n;
  if (n > 1)      /* nil, message, errno: a read error */
    api_errorf(L, "%s", api_tostring(L, -n + 1));
  if (api_toboolean(L, api_upvalueindex(3))) {
    api_settop(L, 0);
    api_pushvalue(L, api_upvalueindex(1));
    aux_close(L);
  }
  return 0;
}

/* Push the lines iterator for the file at 1 and the formats after it. */
static void push_lines(State *L, int toclose)
{
  int n = api_gettop(L) - 1;
  if (n > IO_MAXARGLINE)
    api_argerror(L, IO_MAXARGLINE + 2, "too many arguments");
  api_pushvalue(L, 1);
  api_pushinteger(L, n);
  api_pushboolean(L, toclose);
  api_rotate(L, 2, 3);            /* file, n, toclose, formats... */
  api_pushcclosure(L, io_readline, NULL, 3 + n);
}

static int f_lines(State *L)
{
  to_file(L);
  push_lines(L, 0);
  return 1;
}

static int io_lines(State *L)
{
  int toclose;
  if (api_isnone(L, 1))
    api_pushnil(L);
  if (api_isnil(L, 1)) {
    api_getfield(L, API_REGISTRYINDEX, IO_INPUT);
    api_replace(L, 1);
    to_file(L);
    toclose = 0;
  } else {
    const char *fname = api_checkstring(L, 1);
    open_or_fail(L, fname, "r");
    api_replace(L, 1);
    toclose = 1;
  }
  push_lines(L, toclose);
  if (!toclose)
    return 1;
  /* 5.4 returns the file as the closing value of the generic for */
  api_pushnil(L);
  api_pushnil(L);
  api_pushvalue(L, 1);
  return 4;
}

/* -- Writing and the rest --------------------------------------------------------------------- */

static int g_write(State *L, FILE *f, int arg)
{
  int nargs = api_gettop(L) - arg;
  int ok = 1;
  for (; nargs--; arg++) {
    if (api_type(L, arg) == BT_NUMBER) {
      int len = api_isinteger(L, arg)
        ? fprintf(f, "%lld", (long long)api_tointegerx(L, arg, NULL))
        : fprintf(f, "%.14g", api_tonumberx(L, arg, NULL));
      ok = ok && len > 0;
    } else {
      size_t l;
      const char *s = api_checklstring(L, arg, &l);
      ok = ok && fwrite(s, 1, l, f) == l;
    }
  }
  return ok ? 1 : api_fileresult(L, 0, NULL);   /* on success the file is on top */
}

static int io_write(State *L)
{
  return g_write(L, default_file(L, IO_OUTPUT), 1);
}

static int f_write(State *L)
{
  FILE *f = to_file(L);
  api_pushvalue(L, 1);
  return g_write(L, f, 2);
}

static int f_seek(State *L)
{
  static const int mode[] = { SEEK_SET, SEEK_CUR, SEEK_END };
  static const char *const names[] = { "set", "cur", "end", NULL };
  FILE *f = to_file(L);
  int op = api_checkoption(L, 2, "cur", names);
  int64_t off = api_optinteger(L, 3, 0);
  if (fseeko(f, (off_t)off, mode[op]) != 0)
    return api_fileresult(L, 0, NULL);
  api_pushinteger(L, (int64_t)ftello(f));
  return 1;
}

static int f_setvbuf(State *L)
{
  static const int mode[] = { _IONBF, _IOFBF, _IOLBF };
  static const char *const names[] = { "no", "full", "line", NULL };
  FILE *f = to_file(L);
  int op = api_checkoption(L, 2, NULL, names);
  int64_t sz = api_optinteger(L, 3, BUFSIZ);
  return api_fileresult(L, setvbuf(f, NULL, mode[op], (size_t)sz) == 0, NULL);
}

static int io_flush(State *L)
{
  return api_fileresult(L, fflush(default_file(L, IO_OUTPUT)) == 0, NULL);
}

static int f_flush(State *L)
{
  return api_fileresult(L, fflush(to_file(L)) == 0, NULL);
}

static const ApiReg io_funcs[] = {
  { "close", io_close }, { "flush", io_flush }, { "input", io_input }, { "lines", io_lines },
  { "open", io_open }, { "output", io_output }, { "popen", io_popen }, { "read", io_read },
  { "tmpfile", io_tmpfile }, { "type", io_type }, { "write", io_write },
  { NULL, NULL }
};

static const ApiReg file_methods[] = {
  { "close", f_close }, { "flush", f_flush }, { "lines", f_lines }, { "read", f_read },
  { "seek", f_seek }, { "setvbuf", f_setvbuf }, { "write", f_write },
  { NULL, NULL }
};

static const ApiReg file_meta[] = {
  { "__gc", f_gc }, { "__close", f_gc }, { "__tostring", f_tostring },
  { NULL, NULL }
};

/* Methods and metamethods are registered without a closure name: lua5.4 names them only by
 * how they are called ("method 'read'") and says '?' otherwise, so the fallback must not fire. */
static void set_unnamed(State *L, const ApiReg *l)
{
  for (; l->name; l++) {
    api_pushcclosure(L, l->func, NULL, 0);
    api_setfield(L, -2, l->name);
  }
}

static void create_meta(State *L)
{
  api_newmetatable(L, IO_FILE);
  set_unnamed(L, file_meta);
  api_newtable(L);
  set_unnamed(L, file_methods);
  api_setfield(L, -2, "__index");
  api_pop(L, 1);
}

/* io.stdin etc.: never really closed; `key` (may be NULL) makes it a default file. */
static void create_stdfile(State *L, FILE *f, const char *key, const char *fname)
{
  IoFile *p = new_prefile(L);
  p->f = f;
  p->closef = io_noclose;
  if (key) {
    api_pushvalue(L, -1);
    api_setfield(L, API_REGISTRYINDEX, key);
  }
  api_setfield(L, -2, fname);
}

int lib_open_io(State *L)
{
  api_newlib(L, io_funcs);
  create_meta(L);
  create_stdfile(L, stdin, IO_INPUT, "stdin");
  create_stdfile(L, stdout, IO_OUTPUT, "stdout");
  create_stdfile(L, stderr, NULL, "stderr");
  return 1;
}

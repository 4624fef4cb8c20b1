/* api.h: the C interface that the standard library (lib_*.c), the CLI and embedders use.
 *
 * Values are addressed by stack index, as in every Lua host API: 1..top are the current C
 * function's arguments and what it pushed; negative indices count from the top (-1 = top);
 * API_REGISTRYINDEX is the registry; api_upvalueindex(i) is the running C closure's upvalue i.
 * A C function receives its arguments at 1..n and returns how many values it leaves on top
 * as results. The boundary checks arguments (api_check*); internals trust each other.
 * Errors never return: api_error and friends longjmp (call.c).
 */
#ifndef JOLT_API_H
#define JOLT_API_H

#include <stdarg.h>
#include "state.h"

#define API_REGISTRYINDEX  (-1001000)
#define api_upvalueindex(i) (API_REGISTRYINDEX - (i))
#define API_TNONE (-1)          /* api_type of an absent index; else BT_* */
#define API_MINSTACK 20         /* free slots a C function may use without api_checkstack */

/* -- Stack ------------------------------------------------------------------------------ */
int  api_absindex(State *L, int idx);
int  api_gettop(State *L);
void api_settop(State *L, int idx);
#define api_pop(L, n) api_settop(L, -(n) - 1)
void api_pushvalue(State *L, int idx);
void api_rotate(State *L, int idx, int n);
void api_copy(State *L, int from, int to);
void api_insert(State *L, int idx);          /* move top into idx, shifting up */
void api_remove(State *L, int idx);
void api_replace(State *L, int idx);         /* pop top into idx */
int  api_checkstack(State *L, int n);        /* 0 if it cannot grow */
void api_xmove(State *from, State *to, int n);
TValue *api_index2val(State *L, int idx);    /* &G->nilvalue for an absent index */

/* -- Reading values --------------------------------------------------------------------- */
int  api_type(State *L, int idx);            /* BT_* or API_TNONE */
const char *api_typename(State *L, int t);   /* of a BT_* (API_TNONE -> "no value") */
int  api_isnumber(State *L, int idx);        /* number or numeric string */
int  api_isstring(State *L, int idx);        /* string or number */
int  api_isinteger(State *L, int idx);       /* TAG_INT only */
int  api_iscfunction(State *L, int idx);
#define api_isnil(L, i)      (api_type(L, i) == BT_NIL)
#define api_isnone(L, i)     (api_type(L, i) == API_TNONE)
#define api_isnoneornil(L, i) (api_type(L, i) <= BT_NIL)
#define api_istable(L, i)    (api_type(L, i) == BT_TABLE)
#define api_isfunction(L, i) (api_type(L, i) == BT_FUNCTION)
int64_t api_tointegerx(State *L, int idx, int *isnum);   /* with string conversion */
double  api_tonumberx(State *L, int idx, int *isnum);
int  api_toboolean(State *L, int idx);
/* String or number (converted in place, as Lua does); NULL otherwise. */
const char *api_tolstring(State *L, int idx, size_t *len);
#define api_tostring(L, i) api_tolstring(L, i, NULL)
void *api_touserdata(State *L, int idx);     /* full or light */
State *api_tothread(State *L, int idx);
const void *api_topointer(State *L, int idx);
size_t api_rawlen(State *L, int idx);
int  api_rawequal(State *L, int a, int b);
enum { API_OPEQ, API_OPLT, API_OPLE };
int  api_compare(State *L, int a, int b, int op);   /* with metamethods */

/* -- Pushing values --------------------------------------------------------------------- */
void api_pushnil(State *L);
void api_pushinteger(State *L, int64_t n);
void api_pushnumber(State *L, double n);
void api_pushboolean(State *L, int b);
const char *api_pushlstring(State *L, const char *s, size_t len);
const char *api_pushstring(State *L, const char *s);          /* NULL pushes nil */
/* printf subset as Lua's: %s %d (int) %I (int64_t) %f (double as Lua number) %p %c %U %% */
const char *api_pushfstring(State *L, const char *fmt, ...);
const char *api_pushvfstring(State *L, const char *fmt, va_list ap);
void api_pushcclosure(State *L, CFunction f, const char *name, int nup);  /* pops nup upvalues */
#define api_pushcfunction(L, f, name) api_pushcclosure(L, f, name, 0)
void api_pushlightuserdata(State *L, void *p);
/* Push the number that the whole of s[0..len) spells by Lua's rules; returns len + 1, or 0
 * (nothing pushed) when it is not a numeral. */
size_t api_stringtonumber(State *L, const char *s, size_t len);
int  api_pushthread(State *L);               /* 1 if it is the main thread */
void *api_newuserdata(State *L, size_t size); /* one user value slot */
void api_pushglobaltable(State *L);

/* -- Tables and metatables -------------------------------------------------------------- */
void api_createtable(State *L, int narr, int nrec);
#define api_newtable(L) api_createtable(L, 0, 0)
int  api_gettable(State *L, int idx);        /* t[k], k popped; returns the value's BT_* */
int  api_getfield(State *L, int idx, const char *k);
int  api_geti(State *L, int idx, int64_t i);
int  api_rawget(State *L, int idx);
int  api_rawgeti(State *L, int idx, int64_t i);
void api_settable(State *L, int idx);        /* t[k] = v, k and v popped */
void api_setfield(State *L, int idx, const char *k);   /* v popped */
void api_seti(State *L, int idx, int64_t i);
void api_rawset(State *L, int idx);
void api_rawseti(State *L, int idx, int64_t i);
/* Moves t[f..e] to t[f+d..e+d] by raw writes when t is a table without a metatable whose
 * array part holds every index involved (then t[i] and t[i+d] have no metamethods and the
 * move equals the element loop); returns 0, doing nothing, otherwise. */
int  api_arrayshift(State *L, int idx, int64_t f, int64_t e, int d);
int  api_getglobal(State *L, const char *name);
void api_setglobal(State *L, const char *name);
int  api_next(State *L, int idx);            /* key popped; pushes key, value; 0 at end */
int  api_getmetatable(State *L, int idx);    /* 0 (nothing pushed) if none */
void api_setmetatable(State *L, int idx);    /* pops a table or nil */
int  api_getiuservalue(State *L, int idx, int n);
int  api_setiuservalue(State *L, int idx, int n);
void api_len(State *L, int idx);             /* pushes #v (with __len) */
void api_arith(State *L, int op);            /* TM_ADD..TM_BNOT on the top 2 (1 for unary) */
void api_concat(State *L, int n);            /* top n values, with __concat */

/* -- Calls and errors ------------------------------------------------------------------- */
void api_call(State *L, int nargs, int nresults);
int  api_pcall(State *L, int nargs, int nresults, int msgh);   /* ST_OK or error status */
/* Compile a chunk (text; binary chunks from string.dump when mode allows "b"); pushes the
 * function (its first upvalue set to the globals) or the error message. */
int  api_load(State *L, const char *buf, size_t len, const char *chunkname, const char *mode);
/* Load a file (NULL: stdin) as a chunk named "@fname" ("=stdin"), skipping a first '#' line;
 * ST_ERRFILE with "cannot open <fname>: <reason>" when it cannot be read. */
int  api_loadfile(State *L, const char *fname, const char *mode);
_Noreturn void api_error(State *L);          /* throws the value on top */
int  api_status(State *L);

/* -- Coroutines -------------------------------------------------------------------------- */
State *api_newthread(State *L);              /* pushes it */
int  api_resume(State *co, State *from, int nargs, int *nresults);  /* ST_OK, ST_YIELD, error */
int  api_yield(State *L, int nresults);      /* returns in co when resumed, with new args */
int  api_isyieldable(State *L);
int  api_closethread(State *co, State *from);

/* -- GC ---------------------------------------------------------------------------------- */
int  api_gc(State *L, int what, int a, int b, int c);  /* GCO_* of gc.h */

/* -- Library helpers (the "auxiliary" layer) --------------------------------------------- */
typedef struct ApiReg { const char *name; CFunction func; } ApiReg;
_Noreturn void api_errorf(State *L, const char *fmt, ...);   /* "chunk:line: " + message */
_Noreturn void api_argerror(State *L, int arg, const char *extramsg);
_Noreturn void api_typeerror(State *L, int arg, const char *tname);
void api_where(State *L, int level);         /* pushes "chunk:line: " of that level or "" */
int64_t api_checkinteger(State *L, int arg); /* "number has no integer representation" */
int64_t api_optinteger(State *L, int arg, int64_t def);
double api_checknumber(State *L, int arg);
double api_optnumber(State *L, int arg, double def);
const char *api_checklstring(State *L, int arg, size_t *len);
const char *api_optlstring(State *L, int arg, const char *def, size_t *len);
#define api_checkstring(L, a) api_checklstring(L, a, NULL)
#define api_optstring(L, a, d) api_optlstring(L, a, d, NULL)
void api_checktype(State *L, int arg, int t);
void api_checkany(State *L, int arg);
int  api_checkoption(State *L, int arg, const char *def, const char *const lst[]);
void api_checkstackmsg(State *L, int n, const char *msg);   /* "stack overflow (msg)" */
void *api_checkudata(State *L, int arg, const char *tname);
void *api_testudata(State *L, int arg, const char *tname);
int  api_newmetatable(State *L, const char *tname);  /* registry[tname]; 0 if existed; pushes it */
void api_setmetatable_named(State *L, const char *tname);   /* on the object at top */
int  api_getmetafield(State *L, int obj, const char *e);  /* BT_NIL (nothing pushed) if none */
int  api_callmeta(State *L, int obj, const char *e);
/* tostring() semantics (__tostring, __name, "table: 0x..."): pushes the string, returns it. */
const char *api_tolstring_meta(State *L, int idx, size_t *len);
void api_setfuncs(State *L, const ApiReg *l, int nup);   /* into the table below the nup upvalues */
void api_newlib(State *L, const ApiReg *l);              /* pushes a new table with l */
void api_requiref(State *L, const char *modname, CFunction openf, int glb);
void api_traceback(State *L, State *L1, const char *msg, int level);
int  api_getsubtable(State *L, int idx, const char *fname);
int  api_fileresult(State *L, int stat, const char *fname);   /* io-style nil, msg, errno */
int  api_execresult(State *L, int stat);
int64_t api_len_checked(State *L, int idx);   /* #v as an integer ("object length is not an integer") */
/* Name of the function at stack level (for argument errors): "insert", "method 'foo'", "?". */
const char *api_funcname(State *L);

/* String buffer: grows in a userdata box that sits at the stack top while it is in use, so
 * nothing leaks when an error unwinds. Keep the stack balanced above it. */
#define API_BUFSIZE 1024
typedef struct ApiBuf {
  char *b;
  size_t n, size;
  State *L;
  int boxed;
  char init[API_BUFSIZE];
} ApiBuf;
void api_buf_init(State *L, ApiBuf *B);
char *api_buf_prep(ApiBuf *B, size_t sz);     /* room for sz bytes; then api_buf_addsize */
#define api_buf_addsize(B, s) ((B)->n += (s))
void api_buf_addlstring(ApiBuf *B, const char *s, size_t l);
void api_buf_addstring(ApiBuf *B, const char *s);
void api_buf_addchar(ApiBuf *B, char c);
void api_buf_addvalue(ApiBuf *B);             /* pops the string/number on top into the buffer */
void api_buf_pushresult(ApiBuf *B);           /* pushes the string (replacing the box) */

/* -- Library openers (lib_*.c) ----------------------------------------------------------- */
int lib_open_base(State *L);
int lib_open_package(State *L);
int lib_open_coroutine(State *L);
int lib_open_table(State *L);
int lib_open_io(State *L);
int lib_open_os(State *L);
int lib_open_string(State *L);
int lib_open_math(State *L);
int lib_open_utf8(State *L);
int lib_open_debug(State *L);
int lib_open_jolt(State *L);                 /* jolt.mark, jolt.snapshot, ... */
void lib_openall(State *L);                  /* lib_init.c: all of the above as globals */

#endif

/* lib_package.c: require and the package library.
 *
 * package.loaded is the registry's _LOADED table and package.preload its _PRELOAD table, so
 * the host's api_requiref and require agree on what is loaded. Searchers, in order: preload,
 * Lua files along package.path, then C libraries along package.cpath (jolt cannot load native
 * modules: a C library that is found is reported as an error; one that is not is listed in
 * the "not found" message exactly as lua5.4 lists it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define PKG_LOADED   "_LOADED"
#define PKG_PRELOAD  "_PRELOAD"
#define PKG_DIRSEP   "/"
#define PKG_PATHSEP  ';'
#define PKG_MARK     "?"

#define PKG_ROOT_SHARE "/usr/local/share/lua/5.4/"
#define PKG_ROOT_LIB   "/usr/local/lib/lua/5.4/"
#define PKG_PATH_DEFAULT \
  PKG_ROOT_SHARE "?.lua;" PKG_ROOT_SHARE "?/init.lua;" \
  PKG_ROOT_LIB "?.lua;" PKG_ROOT_LIB "?/init.lua;" \
  "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;" \
  "./?.lua;./?/init.lua"
#define PKG_CPATH_DEFAULT \
  PKG_ROOT_LIB "?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;/usr/lib/lua/5.4/?.so;" \
  PKG_ROOT_LIB "loadall.so;./?.so"

#define PKG_NOCMSG "jolt cannot load C modules"

/* Push s with every occurrence of pat replaced by rep. */
static const char *push_gsub(State *L, const char *s, const char *pat, const char *rep)
{
  size_t lpat = strlen(pat);
  const char *hit;
  ApiBuf B;
  api_buf_init(L, &B);
  while ((hit = strstr(s, pat)) != NULL) {
    api_buf_addlstring(&B, s, (size_t)(hit - s));
    api_buf_addstring(&B, rep);
    s = hit + lpat;
  }
  api_buf_addstring(&B, s);
  api_buf_pushresult(&B);
  return api_tostring(L, -1);
}

static int readable(const char *name)
{
  FILE *f = fopen(name, "r");
  if (f == NULL)
    return 0;
  fclose(f);
  return 1;
}

/* Look for name along path. Found: pushes the file name and returns it. Not found: pushes
 * "no file 'a'\n\tno file 'b'..." and returns NULL. */
static const char *search_path(State *L, const char *name, const char *path,
                               const char *sep, const char *dirsep)
{
  int base = api_gettop(L);
  if (*sep != '\0' && strchr(name, *sep) != NULL)
    name = push_gsub(L, name, sep, dirsep);
  const char *candidates = push_gsub(L, path, PKG_MARK, name);
  const char *p = candidates;
  for (;;) {
    const char *end = strchr(p, PKG_PATHSEP);
    size_t len = end ? (size_t)(end - p) : strlen(p);
    api_pushlstring(L, p, len);
    if (readable(api_tostring(L, -1))) {
      api_replace(L, base + 1);
      api_settop(L, base + 1);
      return api_tostring(L, -1);
    }
    api_pop(L, 1);
    if (end == NULL)
      break;
    p = end + 1;
  }
  api_pushstring(L, "no file '");
  push_gsub(L, candidates, ";", "'\n\tno file '");
  api_pushstring(L, "'");
  api_concat(L, 3);
  api_replace(L, base + 1);
  api_settop(L, base + 1);
  return NULL;
}

static int pkg_searchpath(State *L)
{
  /* lua5.4 as built by gcc checks the path before the name; report the same argument */
  const char *path = api_checkstring(L, 2);
  const char *name = api_checkstring(L, 1);
  const char *sep = api_optstring(L, 3, ".");
  const char *rep = api_optstring(L, 4, PKG_DIRSEP);
  if (search_path(L, name, path, sep, rep) != NULL)
    return 1;
  api_pushnil(L);
  api_insert(L, -2);
  return 2;
}

/* search_path with package[pname] (package is upvalue 1 of the searchers). */
static const char *find_file(State *L, const char *name, const char *pname)
{
  api_getfield(L, api_upvalueindex(1), pname);
  const char *path = api_tostring(L, -1);
  if (path == NULL)
    api_errorf(L, "'package.%s' must be a string", pname);
  return search_path(L, name, path, ".", PKG_DIRSEP);
}

_Noreturn static void load_error(State *L, const char *filename, const char *msg)
{
  api_errorf(L, "error loading module '%s' from file '%s':\n\t%s",
             api_tostring(L, 1), filename, msg);
}

/* Compile a Lua source (or binary) file, as loadfile does. Pushes the function or a message. */
static int load_file(State *L, const char *filename)
{
  return api_loadfile(L, filename, "bt");
}

static int searcher_preload(State *L)
{
  const char *name = api_checkstring(L, 1);
  api_getfield(L, API_REGISTRYINDEX, PKG_PRELOAD);
  if (api_getfield(L, -1, name) == BT_NIL) {
    api_pushfstring(L, "no field package.preload['%s']", name);
    return 1;
  }
  api_pushstring(L, ":preload:");
  return 2;
}

static int searcher_lua(State *L)
{
  const char *name = api_checkstring(L, 1);
  const char *filename = find_file(L, name, "path");
  if (filename == NULL)
    return 1;
  if (load_file(L, filename) != ST_OK)
    load_error(L, filename, api_tostring(L, -1));
  api_pushstring(L, filename);
  return 2;
}

static int searcher_c(State *L)
{
  const char *name = api_checkstring(L, 1);
  const char *filename = find_file(L, name, "cpath");
  if (filename == NULL)
    return 1;
  load_error(L, filename, PKG_NOCMSG);
}

/* "a.b.c" may live in the C library of its root "a". */
static int searcher_croot(State *L)
{
  const char *name = api_checkstring(L, 1);
  const char *dot = strchr(name, '.');
  if (dot == NULL)
    return 0;
  api_pushlstring(L, name, (size_t)(dot - name));
  const char *filename = find_file(L, api_tostring(L, -1), "cpath");
  if (filename == NULL)
    return 1;
  load_error(L, filename, PKG_NOCMSG);
}

static int pkg_loadlib(State *L)
{
  api_checkstring(L, 1);
  api_checkstring(L, 2);
  api_pushnil(L);
  api_pushstring(L, PKG_NOCMSG);
  api_pushstring(L, "absent");
  return 3;
}

/* Run the searchers for the module name at 1; leaves loader and its data on top. */
static void find_loader(State *L, const char *name)
{
  if (api_getfield(L, api_upvalueindex(1), "searchers") != BT_TABLE)
    api_errorf(L, "'package.searchers' must be a table");
  int searchers = api_gettop(L);
  api_pushstring(L, "");           /* the accumulated "not found" message */
  int msg = searchers + 1;
  for (int i = 1;; i++) {
    if (api_rawgeti(L, searchers, i) == BT_NIL)
      api_errorf(L, "module '%s' not found:%s", name, api_tostring(L, msg));
    api_pushstring(L, name);
    api_call(L, 1, 2);
    if (api_isfunction(L, -2))
      return;
    if (api_isstring(L, -2)) {
      api_pop(L, 1);
      api_pushvalue(L, msg);
      api_pushstring(L, "\n\t");
      api_rotate(L, -3, 2);        /* msg, "\n\t", new message */
      api_concat(L, 3);
      api_replace(L, msg);
    } else {
      api_pop(L, 2);
    }
  }
}

static int pkg_require(State *L)
{
  const char *name = api_checkstring(L, 1);
  api_settop(L, 1);
  api_getfield(L, API_REGISTRYINDEX, PKG_LOADED);     /* 2 */
  api_getfield(L, 2, name);
  if (api_toboolean(L, -1))
    return 1;
  api_pop(L, 1);
  find_loader(L, name);
  int top = api_gettop(L);
  api_pushvalue(L, top - 1);        /* loader */
  api_pushvalue(L, 1);
  api_pushvalue(L, top);            /* loader data */
  api_call(L, 2, 1);
  if (!api_isnil(L, -1))
    api_setfield(L, 2, name);
  else
    api_pop(L, 1);
  if (api_getfield(L, 2, name) == BT_NIL) {
    api_pop(L, 1);
    api_pushboolean(L, 1);
    api_pushvalue(L, -1);
    api_setfield(L, 2, name);
  }
  api_pushvalue(L, top);
  return 2;
}

static int noenv(State *L)
{
  api_getfield(L, API_REGISTRYINDEX, "LUA_NOENV");
  int b = api_toboolean(L, -1);
  api_pop(L, 1);
  return b;
}

/* package[field] from $envname_5_4 or $envname, ";;" standing for the default. */
static void set_path(State *L, const char *field, const char *envname, const char *dflt)
{
  const char *path = getenv(api_pushfstring(L, "%s_5_4", envname));
  api_pop(L, 1);
  if (path == NULL)
    path = getenv(envname);
  const char *mark;
  if (path == NULL || noenv(L)) {
    api_pushstring(L, dflt);
  } else if ((mark = strstr(path, ";;")) == NULL) {
    api_pushstring(L, path);
  } else {
    size_t len = strlen(path);
    int n = 0;
    if (mark > path) {
      api_pushlstring(L, path, (size_t)(mark - path) + 1);   /* prefix and one ';' */
      n++;
    }
    api_pushstring(L, dflt);
    n++;
    if (mark < path + len - 2) {
      api_pushlstring(L, mark + 1, (size_t)(path + len - mark - 1));  /* ';' and suffix */
      n++;
    }
    api_concat(L, n);
  }
  api_setfield(L, -2, field);
}

static const ApiReg pkg_funcs[] = {
  { "loadlib", pkg_loadlib }, { "searchpath", pkg_searchpath },
  { NULL, NULL }
};

static void create_searchers(State *L)
{
  static const CFunction fns[] = { searcher_preload, searcher_lua, searcher_c, searcher_croot };
  api_createtable(L, 4, 0);
  for (int i = 0; i < 4; i++) {
    api_pushvalue(L, -2);          /* package, as upvalue */
    api_pushcclosure(L, fns[i], NULL, 1);
    api_rawseti(L, -2, i + 1);
  }
  api_setfield(L, -2, "searchers");
}

int lib_open_package(State *L)
{
  api_newlib(L, pkg_funcs);
  create_searchers(L);
  set_path(L, "path", "LUA_PATH", PKG_PATH_DEFAULT);
  set_path(L, "cpath", "LUA_CPATH", PKG_CPATH_DEFAULT);
  api_pushstring(L, PKG_DIRSEP "\n;\n?\n!\n-\n");
  api_setfield(L, -2, "config");
  api_getsubtable(L, API_REGISTRYINDEX, PKG_LOADED);
  api_setfield(L, -2, "loaded");
  api_getsubtable(L, API_REGISTRYINDEX, PKG_PRELOAD);
  api_setfield(L, -2, "preload");
  /* require is a global whose upvalue is the package table */
  api_pushglobaltable(L);
  api_pushvalue(L, -2);
  api_pushcclosure(L, pkg_require, "require", 1);
  api_setfield(L, -2, "require");
  api_pop(L, 1);
  return 1;
}

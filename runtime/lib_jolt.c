/* lib_jolt.c: the `jolt` library: what a Lua program may ask of the runtime itself.
 *   jolt.mark(label)      marks a request or iteration for tracers (USDT probe jolt:mark)
 *   jolt.fid(f)           the function id of a Lua function, as 16 hex digits
 *   jolt.profile(f)       the profile record of a Lua function, as a table (for tests and tools)
 *   jolt.snapshot(path)   write a snapshot of this process now (true, or nil and the reason)
 *   jolt.fork()           fork this process, warm as it is (the child's pid, 0 in the child;
 *                         nil and the reason on failure)
 *   jolt.wait(pid)        wait for a child to end, results as os.execute's
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "api.h"
#include "prof.h"
#include "bc.h"
#include "probe.h"
#include "snap_rt.h"
#include "jit.h"

static int jolt_mark(State *L)
{
  const char *label = api_optstring(L, 1, "");
  JOLT_PROBE_MARK(label);
  return 0;
}

static Proto *check_luafunction(State *L, int arg)
{
  TValue *v = api_index2val(L, arg);
  if (!ttislfn(v))
    api_typeerror(L, arg, "Lua function");
  return lfnvalue(v)->p;
}

static int jolt_fid(State *L)
{
  Proto *p = check_luafunction(L, 1);
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)p->fid);
  api_pushstring(L, buf);
  return 1;
}

/* Names of the tags in a type set, in tag order, joined by '|' ("int|flt"). */
static void push_tagset(State *L, uint16_t set)
{
  static const char *const names[TAG__N] = {
    [TAG_NIL] = "nil", [TAG_FALSE] = "false", [TAG_TRUE] = "true", [TAG_LUD] = "lud",
    [TAG_INT] = "int", [TAG_FLT] = "flt", [TAG_STR] = "str", [TAG_TAB] = "tab",
    [TAG_LFN] = "lfn", [TAG_CFN] = "cfn", [TAG_UD] = "ud", [TAG_THREAD] = "thread",
  };
  ApiBuf b;
  api_buf_init(L, &b);
  int first = 1;
  for (int t = 0; t < TAG__N; t++) {
    if (!(set & tagbit(t)) || names[t] == NULL)
      continue;
    if (!first)
      api_buf_addchar(&b, '|');
    api_buf_addstring(&b, names[t]);
    first = 0;
  }
  api_buf_pushresult(&b);
}

/* One table per site with a record: {pc=, op=, t1=, t2=, seen=, mega=, taken=, nottaken=}. */
static void push_site(State *L, int pc, Instr ins, const ProfSite *s)
{
  api_createtable(L, 0, 8);
  api_pushinteger(L, pc + 1);
  api_setfield(L, -2, "pc");
  api_pushstring(L, bc_opnames[GET_OP(ins)]);
  api_setfield(L, -2, "op");
  push_tagset(L, s->t1);
  api_setfield(L, -2, "t1");
  push_tagset(L, s->t2);
  api_setfield(L, -2, "t2");
  api_pushinteger(L, s->nseen);
  api_setfield(L, -2, "seen");
  api_pushboolean(L, (s->flags & PS_MEGA) != 0);
  api_setfield(L, -2, "mega");
  api_pushboolean(L, (s->flags & PS_TAKEN) != 0);
  api_setfield(L, -2, "taken");
  api_pushboolean(L, (s->flags & PS_NOTTAKEN) != 0);
  api_setfield(L, -2, "nottaken");
  api_pushinteger(L, s->count);
  api_setfield(L, -2, "count");
}

static int jolt_profile(State *L)
{
  Proto *p = check_luafunction(L, 1);
  ProfFn *f = p->prof;
  if (f == NULL) {
    api_pushnil(L);
    return 1;
  }
  api_createtable(L, 0, 5);
  api_pushinteger(L, (int64_t)f->calls);
  api_setfield(L, -2, "calls");
  api_pushinteger(L, (int64_t)f->backedges);
  api_setfield(L, -2, "backedges");
  api_pushinteger(L, (int64_t)f->lastchange);
  api_setfield(L, -2, "stability");
  api_pushboolean(L, f->stable != 0);
  api_setfield(L, -2, "stable");
  api_createtable(L, 0, 0);
  int n = 0;
  for (uint32_t pc = 0; pc < f->nsites; pc++) {
    const ProfSite *s = &f->site[pc];
    if (!(s->t1 | s->t2 | s->nseen | s->flags))
      continue;
    push_site(L, (int)pc, p->code[pc], s);
    api_rawseti(L, -2, ++n);
  }
  api_setfield(L, -2, "sites");
  return 1;
}

/* A server seeds while it serves: the snapshot is written from where the call is, atomically. */
static int jolt_snapshot(State *L)
{
  const char *path = api_checkstring(L, 1);
  char why[300];
  if (snap_write(L, path, 0, why, sizeof why) == 0) {
    api_pushboolean(L, 1);
    return 1;
  }
  api_pushnil(L);
  api_pushstring(L, why);
  return 2;
}

/* A worker forked from a warm process is the best start one machine can give (the warm-up
 * benchmark's "fork" configuration); the child needs its own code region (jit_after_fork). */
static int jolt_fork(State *L)
{
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    api_pushnil(L);
    api_pushstring(L, strerror(errno));
    return 2;
  }
  if (pid == 0)
    jit_after_fork();
  api_pushinteger(L, pid);
  return 1;
}

static int jolt_wait(State *L)
{
  pid_t pid = (pid_t)api_checkinteger(L, 1);
  int stat;
  pid_t r;
  while ((r = waitpid(pid, &stat, 0)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return api_fileresult(L, 0, NULL);
  return api_execresult(L, stat);
}

static const ApiReg jolt_funcs[] = {
  { "snapshot", jolt_snapshot },
  { "mark", jolt_mark },
  { "fid", jolt_fid },
  { "profile", jolt_profile },
  { "fork", jolt_fork },
  { "wait", jolt_wait },
  { NULL, NULL }
};

int lib_open_jolt(State *L)
{
  api_newlib(L, jolt_funcs);
  return 1;
}

/* cli.c: the command-line interpreter, compatible with lua5.4's:
 *   jolt [options] [script [args]]
 * plus jolt's own options (-j, --stats, --dump-bytecode, --snapshot-out, --snapshot-after).
 * Errors are reported on stderr as "jolt: message" (with a traceback for runtime errors) and
 * make the exit status 1. jolt-load runs the same command line with a snapshot (cli.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "api.h"
#include "bc.h"
#include "prof.h"
#include "jit.h"
#include "cli.h"
#include "snap_rt.h"
#include "state.h"
#include "vm.h"
#include "probe.h"
#include <time.h>

#define PROGNAME "jolt"
#define VERSION  "jolt 0.1 (Lua 5.4 compatible)"
#define PROMPT1  "> "
#define PROMPT2  ">> "
#define MAXLINE  512

/* Options seen on the command line. */
typedef struct Opts {
  int has_e, has_i, has_v, has_E, has_W;
  int stats, dump;
  const char *jit;     /* -j setting, NULL if not given */
  const char *snapout; /* --snapshot-out: write a snapshot there at exit (and on SIGUSR1) */
  double snapafter;    /* --snapshot-after: seconds, 0 if not given */
  int snapexplicit;    /* snapout came from the command line (not jolt-load --or-seed) */
  CliSnap *snap;       /* jolt-load: the snapshot to start from */
  int script;          /* argv index of the script, or 0 */
  int argc;
  char **argv;
} Opts;

static const char *progname = PROGNAME;

static void message(const char *msg)
{
  if (progname)
    fprintf(stderr, "%s: ", progname);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

static void usage(const char *badopt)
{
  if (badopt[1] == 'e' || badopt[1] == 'l' || badopt[1] == 'j')
    fprintf(stderr, "%s: '%s' needs argument\n", PROGNAME, badopt);
  else
    fprintf(stderr, "%s: unrecognized option '%s'\n", PROGNAME, badopt);
  fprintf(stderr,
    "usage: %s [options] [script [args]]\n"
    "Available options are:\n"
    "  -e stat   execute string 'stat'\n"
    "  -i        enter interactive mode after executing 'script'\n"
    "  -l mod    require library 'mod' into global 'mod'\n"
    "  -l g=mod  require library 'mod' into global 'g'\n"
    "  -v        show version information\n"
    "  -E        ignore environment variables\n"
    "  -W        turn warnings on\n"
    "  -j mode   JIT mode (off, on)\n"
    "  --stats   print runtime counters to stderr at exit\n"
    "  --snapshot-out=FILE    write a snapshot to FILE at exit and on SIGUSR1\n"
    "  --snapshot-after=SECS  also write it SECS seconds after the start\n"
    "  --dump-bytecode  print the script's bytecode instead of running it\n"
    "  --        stop handling options\n"
    "  -         stop handling options and execute stdin\n", PROGNAME);
  fflush(stderr);
}

/* Print the error message at top (if any) and pop it; returns status. */
static int report(State *L, int status)
{
  if (status != ST_OK) {
    const char *msg = api_tostring(L, -1);
    message(msg ? msg : "(error object is not a string)");
    api_pop(L, 1);
  }
  return status;
}

/* Message handler: a string gets a traceback; other values their __tostring or a note. */
static int msghandler(State *L)
{
  const char *msg = api_tostring(L, 1);
  if (!msg) {
    if (api_callmeta(L, 1, "__tostring") && api_type(L, -1) == BT_STRING)
      return 1;
    msg = api_pushfstring(L, "(error object is a %s value)", api_typename(L, api_type(L, 1)));
  }
  api_traceback(L, L, msg, 1);
  return 1;
}

/* -- Ctrl-C: as lua5.4, a SIGINT while Lua code runs raises "interrupted!" in it ----------- */

static State *interrupt_state;   /* the state that docall is running */

/* Set by the signal handler; runs at the next call, return or instruction of the main thread. */
static void interrupt_hook(State *L, int event, int line)
{
  (void)event;
  (void)line;
  L->hookmask = 0;
  L->hook = NULL;
  L->basehookcount = L->hookcount = 0;
  api_errorf(L, "interrupted!");
}

static void set_sigint(void (*handler)(int))
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
}

/* A signal handler may not raise an error itself: it sets a hook that does, and gives the
 * signal back its default, so that a second Ctrl-C kills a program that ignores the first. */
static void on_sigint(int sig)
{
  (void)sig;
  set_sigint(SIG_DFL);
  State *L = interrupt_state;
  if (!L)
    return;
  L->hook = interrupt_hook;
  L->basehookcount = L->hookcount = 1;
  L->hookmask = HOOK_MASKCALL | HOOK_MASKRET | HOOK_MASKCOUNT;
}

/* Call the function below narg arguments with the message handler, Ctrl-C interrupting it. */
static int docall(State *L, int narg, int nres)
{
  int base = api_gettop(L) - narg;
  api_pushcfunction(L, msghandler, "msghandler");
  api_insert(L, base);
  interrupt_state = L;
  set_sigint(on_sigint);
  int status = api_pcall(L, narg, nres, base);
  set_sigint(SIG_DFL);
  api_remove(L, base);
  return status;
}

static int dochunk(State *L, int status)
{
  if (status == ST_OK)
    status = docall(L, 0, 0);
  return report(L, status);
}

static int dostring(State *L, const char *s, const char *name)
{
  return dochunk(L, api_load(L, s, strlen(s), name, NULL));
}

static int dofile(State *L, const char *fname)
{
  return dochunk(L, api_loadfile(L, fname, NULL));
}

/* -l [g=]mod: global g (or mod) = require(mod). */
static int dolibrary(State *L, const char *spec)
{
  const char *eq = strchr(spec, '=');
  const char *mod = eq ? eq + 1 : spec;
  api_getglobal(L, "require");
  api_pushstring(L, mod);
  int status = docall(L, 1, 1);
  if (status == ST_OK) {
    if (eq) {
      api_pushlstring(L, spec, (size_t)(eq - spec));
      api_insert(L, -2);
      api_pushglobaltable(L);
      api_insert(L, -3);
      api_settable(L, -3);
      api_pop(L, 1);
    } else {
      api_setglobal(L, mod);
    }
  }
  return report(L, status);
}

/* Scan the options; returns 0 on a bad one (after printing the usage). */
static int collectargs(Opts *o)
{
  char **argv = o->argv;
  int i;
  for (i = 1; i < o->argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-')
      break;   /* the script */
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "-") == 0)
      break;
    if (strcmp(a, "--stats") == 0) {
      o->stats = 1;
      continue;
    }
    if (strcmp(a, "--dump-bytecode") == 0) {
      o->dump = 1;
      continue;
    }
    if (strncmp(a, "--snapshot-out=", 15) == 0 && a[15]) {
      o->snapout = a + 15;
      o->snapexplicit = 1;
      continue;
    }
    if (strncmp(a, "--snapshot-after=", 17) == 0) {
      char *end;
      o->snapafter = strtod(a + 17, &end);
      if (*end || a[17] == '\0' || !(o->snapafter > 0) || o->snapafter > 1e9) {
        fprintf(stderr, "%s: bad value in '%s' (seconds expected)\n", PROGNAME, a);
        return 0;
      }
      continue;
    }
    switch (a[1]) {
    case 'E':
    case 'W':
    case 'i':
    case 'v':
      if (a[2] != '\0') {
        usage(a);
        return 0;
      }
      if (a[1] == 'E')
        o->has_E = 1;
      else if (a[1] == 'W')
        o->has_W = 1;
      else if (a[1] == 'i')
        o->has_i = o->has_v = 1;   /* -i implies -v */
      else
        o->has_v = 1;
      break;
    case 'e':
    case 'l':
    case 'j':
      if (a[1] == 'e')
        o->has_e = 1;
      if (a[2] == '\0') {
        i++;
        if (i >= o->argc || argv[i][0] == '-') {
          usage(a);
          return 0;
        }
      }
      if (a[1] == 'j') {
        const char *mode = a[2] ? a + 2 : argv[i];
        char err[200];
        if (!jit_option(mode, err, sizeof err)) {
          fprintf(stderr, "%s: %s\n", PROGNAME, err);
          return 0;
        }
        o->jit = mode;
      }
      break;
    default:
      usage(a);
      return 0;
    }
  }
  o->script = i < o->argc ? i : 0;
  return 1;
}

/* Run -e, -l and -W in command-line order; stops at the first failure. */
static int runargs(State *L, Opts *o)
{
  int end = o->script ? o->script : o->argc;
  for (int i = 1; i < end; i++) {
    const char *a = o->argv[i];
    if (a[0] != '-' || strcmp(a, "--") == 0 || strcmp(a, "-") == 0)
      break;
    switch (a[1]) {
    case 'e':
    case 'l': {
      const char *extra = a[2] ? a + 2 : o->argv[++i];
      int st = a[1] == 'e' ? dostring(L, extra, "=(command line)") : dolibrary(L, extra);
      if (st != ST_OK)
        return 0;
      break;
    }
    case 'j':
      if (!a[2])
        i++;
      break;
    case 'W':
      G(L)->warnon = 1;
      break;
    default:
      break;
    }
  }
  return 1;
}

static void createargtable(State *L, Opts *o)
{
  int script = o->script ? o->script : o->argc;
  if (script == o->argc)
    script = 0;
  api_createtable(L, o->argc - (script + 1) > 0 ? o->argc - (script + 1) : 0, script + 1);
  for (int i = 0; i < o->argc; i++) {
    api_pushstring(L, o->argv[i]);
    api_rawseti(L, -2, i - script);
  }
  api_setglobal(L, "arg");
}

static int handle_luainit(State *L)
{
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (!init) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (!init)
    return ST_OK;
  if (init[0] == '@')
    return dofile(L, init + 1);
  return dostring(L, init, name);
}

/* The script with its arguments (arg[1..n]) as the chunk's varargs. */
/* -- Snapshots ----------------------------------------------------------------------------- */

static Opts *cur_opts;        /* for os.exit and the snapshot hook */
static State *main_state;

/* Write the snapshot named by --snapshot-out; a failure is reported, never fatal to the run. */
static int write_snapshot(State *L, Opts *o, int flags)
{
  char why[300];
  if (snap_write(L, o->snapout, flags, why, sizeof why) == 0)
    return 1;
  fprintf(stderr, "%s: snapshot not written: %s\n", PROGNAME, why);
  fflush(stderr);
  return 0;
}

/* SIGUSR1 and --snapshot-after: the handler only asks for a hook; the hook, at the next call
 * or instruction boundary of the interpreter, writes the snapshot and restores the user's hook. */
static Hook saved_hook;
static int saved_mask, saved_count;
static volatile sig_atomic_t snap_requested;

static void snapshot_hook(State *L, int event, int line)
{
  (void)event;
  (void)line;
  State *M = main_state;
  M->hook = saved_hook;
  M->hookmask = saved_mask;
  M->basehookcount = saved_count;
  M->hookcount = saved_count;
  snap_requested = 0;
  write_snapshot(L, cur_opts, 0);
  if (saved_hook && (saved_mask & (1 << event)))
    saved_hook(L, event, line);
}

static void on_snapshot_signal(int sig)
{
  (void)sig;
  State *L = main_state;
  if (!L || snap_requested)
    return;
  snap_requested = 1;
  saved_hook = L->hook;
  saved_mask = L->hookmask;
  saved_count = L->basehookcount;
  L->hook = snapshot_hook;
  L->basehookcount = 1;
  L->hookcount = 1;
  L->hookmask = HOOK_MASKCALL | HOOK_MASKRET | HOOK_MASKCOUNT;
}

static void arm_snapshot_signals(State *L, Opts *o)
{
  main_state = L;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_snapshot_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  if (o->snapafter > 0) {
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)o->snapafter;
    it.it_value.tv_usec = (suseconds_t)((o->snapafter - (double)(time_t)o->snapafter) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
      it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
  }
}

/* jolt-load: start from the snapshot, or say why not and run cold (seeding anew if asked). */
static void start_from_snapshot(State *L, Opts *o)
{
  CliSnap *cs = o->snap;
  char why[300];
  const char *script = o->script ? o->argv[o->script] : NULL;
  if (!cs->refused) {
    if (snap_use(L, &cs->img, cs->buf, cs->release, script, cs->flags, cs->label, why,
                 sizeof why) == 0) {
      cs->buf = NULL;
      if (cs->ready)
        snap_streaming(L, cs->ready, NULL);
      return;
    }
    cs->buf = NULL;
    fprintf(stderr, "%s: %s: running cold\n", cs->label, why);
  }
  if (cs->or_seed && !o->snapout) {
    o->snapout = cs->path;
    if (cs->flags & SNAPU_VERBOSE)
      fprintf(stderr, "%s: --or-seed: this run writes a fresh snapshot at exit\n", cs->label);
  }
}

static double mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* jolt-load: the script is bound and about to run its first instruction. */
static void jump_ready(CliSnap *cs, double tbind)
{
  double now = mono_ns(), t = now - cs->t0;
  JOLT_PROBE_LOAD_PHASE("bind", (unsigned long long)(tbind - cs->t0));
  JOLT_PROBE_LOAD_PHASE("first_lua", (unsigned long long)t);
  if (cs->flags & (SNAPU_VERBOSE | SNAPU_PHASES))
    fprintf(stderr, "%s: phases: %s; bind+parse %.3f ms; first Lua instruction %.3f ms after start\n",
            cs->label, cs->phases[0] ? cs->phases : "-", (now - tbind) / 1e6, t / 1e6);
}

static int handle_script(State *L, Opts *o)
{
  const char *fname = o->argv[o->script];
  if (strcmp(fname, "-") == 0 && strcmp(o->argv[o->script - 1], "--") != 0)
    fname = NULL;   /* stdin */
  double tb = mono_ns();
  int status = api_loadfile(L, fname, NULL);
  if (status == ST_OK)
    snap_loaded_main(L, fname ? fname : "stdin", lfnvalue(api_index2val(L, -1))->p->fid);
  if (status == ST_OK && o->snap && o->snap->t0 > 0)
    jump_ready(o->snap, tb);
  if (status == ST_OK && o->snap && o->snap->before_run)
    o->snap->before_run(o->snap);
  if (status == ST_OK) {
    int n = o->argc - o->script - 1;
    api_checkstackmsg(L, n + 3, "too many arguments to script");
    for (int i = 1; i <= n; i++)
      api_pushstring(L, o->argv[o->script + i]);
    status = docall(L, n, MULTRET);
  }
  return report(L, status);
}

static int dump_script(State *L, Opts *o)
{
  const char *fname = o->script ? o->argv[o->script] : NULL;
  if (fname && strcmp(fname, "-") == 0)
    fname = NULL;
  int status = api_loadfile(L, fname, NULL);
  if (status == ST_OK) {
    bc_dump(stdout, lfnvalue(api_index2val(L, -1))->p, 1);
    api_pop(L, 1);
  }
  return report(L, status);
}

/* -- The REPL ------------------------------------------------------------------------------ */

/* Read one line (without its newline) onto the stack; 0 at end of input. */
static int pushline(State *L, int firstline)
{
  char buf[MAXLINE];
  fputs(firstline ? PROMPT1 : PROMPT2, stdout);
  fflush(stdout);
  ApiBuf b;
  api_buf_init(L, &b);
  int any = 0;
  while (fgets(buf, sizeof buf, stdin)) {
    size_t l = strlen(buf);
    any = 1;
    int done = l > 0 && buf[l - 1] == '\n';
    if (done)
      l--;
    api_buf_addlstring(&b, buf, l);
    if (done)
      break;
  }
  api_buf_pushresult(&b);
  if (!any) {
    api_pop(L, 1);
    return 0;
  }
  const char *s = api_tostring(L, -1);
  if (firstline && s[0] == '=') {   /* "=expr" means "return expr", as in older versions */
    api_pushfstring(L, "return %s", s + 1);
    api_remove(L, -2);
  }
  return 1;
}

/* Try the line as "return <line>"; leaves the function or nothing. */
static int addreturn(State *L)
{
  const char *line = api_tostring(L, -1);
  const char *retline = api_pushfstring(L, "return %s;", line);
  int status = api_load(L, retline, strlen(retline), "=stdin", NULL);
  if (status == ST_OK)
    api_remove(L, -2);   /* the "return" line */
  else
    api_pop(L, 2);
  return status;
}

static int incomplete(State *L, int status)
{
  if (status != ST_ERRSYNTAX)
    return 0;
  size_t l;
  const char *msg = api_tolstring(L, -1, &l);
  return l >= 5 && strcmp(msg + l - 5, "<eof>") == 0;
}

/* Statements spanning lines: add lines while the chunk is incomplete. */
static int multiline(State *L)
{
  for (;;) {
    size_t len;
    const char *line = api_tolstring(L, 1, &len);
    int status = api_load(L, line, len, "=stdin", NULL);
    if (!incomplete(L, status) || !pushline(L, 0))
      return status;
    api_remove(L, -2);   /* the error message */
    api_pushstring(L, "\n");
    api_insert(L, -2);
    api_concat(L, 3);
  }
}

/* Reads a chunk: leaves its function (or an error message) at the top, the line below it. */
static int loadline(State *L)
{
  api_settop(L, 0);
  if (!pushline(L, 1))
    return -1;
  int status = addreturn(L);
  if (status != ST_OK)
    status = multiline(L);
  api_remove(L, 1);
  return status;
}

static void printresults(State *L)
{
  int n = api_gettop(L);
  if (n > 0) {
    api_checkstackmsg(L, API_MINSTACK, "too many results to print");
    api_getglobal(L, "print");
    api_insert(L, 1);
    if (api_pcall(L, n, 0, 0) != ST_OK)
      message(api_pushfstring(L, "error calling 'print' (%s)", api_tostring(L, -1)));
  }
}

static void dorepl(State *L)
{
  const char *old = progname;
  int status;
  progname = NULL;
  while ((status = loadline(L)) != -1) {
    if (status == ST_OK)
      status = docall(L, 0, MULTRET);
    if (status == ST_OK)
      printresults(L);
    else
      report(L, status);
  }
  api_settop(L, 0);
  fputs("\n", stdout);
  fflush(stdout);
  progname = old;
}

/* -- main ---------------------------------------------------------------------------------- */

static void print_stats(State *L)
{
  prof_report(L, stderr);
  jit_report(stderr);
  snap_report(L, stderr);
  fflush(stderr);
}

/* os.exit under --stats or --snapshot-out: counters and snapshot first, since exit() never
 * comes back to main. */
static int exit_with_stats(State *L)
{
  Opts *o = cur_opts;
  if (o->snapout)
    write_snapshot(L, o, SNAPW_FINAL);
  if (o->stats)
    print_stats(L);
  api_pushvalue(L, api_upvalueindex(1));
  api_insert(L, 1);
  api_call(L, api_gettop(L) - 1, MULTRET);
  return api_gettop(L);
}

static void wrap_exit(State *L)
{
  if (api_getglobal(L, "os") != BT_TABLE) {
    api_pop(L, 1);
    return;
  }
  api_getfield(L, -1, "exit");
  api_pushcclosure(L, exit_with_stats, "exit", 1);
  api_setfield(L, -2, "exit");
  api_pop(L, 1);
}

/* Everything runs inside this C function, called protected, as lua5.4's pmain. */
static int pmain(State *L)
{
  /* Its two arguments stay on the stack, as lua5.4's argc and argv do, so that a script starts
   * at the same stack depth (a stack overflow comes at the same recursion level). */
  Opts *o = api_touserdata(L, 1);
  if (o->has_v) {
    fputs(VERSION "\n", stdout);
    fflush(stdout);
  }
  if (o->has_E) {
    api_pushboolean(L, 1);
    api_setfield(L, API_REGISTRYINDEX, "LUA_NOENV");
  }
  lib_openall(L);
  if (o->snap)
    start_from_snapshot(L, o);
  if (o->stats || o->snapout)
    wrap_exit(L);
  if (o->snapout)
    arm_snapshot_signals(L, o);
  createargtable(L, o);
  if (o->jit) {   /* only when asked: programs that list _G see what lua5.4 has */
    api_pushstring(L, o->jit);
    api_setglobal(L, "jit_mode");
  }
  if (o->dump) {
    api_pushboolean(L, dump_script(L, o) == ST_OK);
    return 1;
  }
  if (!o->has_E && handle_luainit(L) != ST_OK)
    return 0;
  if (!runargs(L, o))
    return 0;
  if (o->script && handle_script(L, o) != ST_OK)
    return 0;
  if (o->has_i) {
    dorepl(L);
  } else if (!o->script && !o->has_e && !o->has_v) {
    if (isatty(0)) {
      fputs(VERSION "\n", stdout);
      dorepl(L);
    } else {
      dofile(L, NULL);   /* as lua5.4: an error in stdin is reported, the status stays 0 */
    }
  }
  api_pushboolean(L, 1);
  return 1;
}

int cli_main(int argc, char **argv, CliSnap *snap)
{
  Opts o;
  memset(&o, 0, sizeof o);
  o.argc = argc;
  o.argv = argv;
  o.snap = snap;
  cur_opts = &o;
  if (!collectargs(&o))
    return EXIT_FAILURE;
  State *L = state_new();
  if (!L) {
    message("cannot create state: not enough memory");
    return EXIT_FAILURE;
  }
  api_pushcfunction(L, pmain, "pmain");
  api_pushlightuserdata(L, &o);
  api_pushinteger(L, argc);
  int status = api_pcall(L, 2, 1, 0);
  int ok = status == ST_OK && api_toboolean(L, -1);
  report(L, status);
  if (o.snapout) {
    signal(SIGUSR1, SIG_IGN);
    signal(SIGALRM, SIG_IGN);
    if (!write_snapshot(L, &o, SNAPW_FINAL) && o.snapexplicit)
      ok = 0;
  }
  if (o.stats)
    print_stats(L);
  main_state = NULL;
  state_close(L);
  jit_close();
  fflush(stdout);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

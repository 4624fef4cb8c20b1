/* jolt_bench.c: the warm-up benchmark (issue 8, docs/results.md): every workload of
 * tests/bench/warmup/ under every configuration, several process starts each in interleaved
 * order, per-request times from process start, the warm-up metrics, a CSV and a plot per workload.
 *
 * The programs time themselves (tests/bench/warmup/run.lua prints every request's end and
 * length in CPU seconds from process start, os.clock, the one clock all engines share); this
 * driver adds what only the parent sees (wall time, CPU time and peak RSS from wait4) and the
 * loader's phases (jolt-load --phases). Steady state: the tracer's rule (tools/warmup/steady.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

const char *const bench_config_names[NCONFIG] = {
  "cold", "jump", "jump-nc", "fork", "joff", "lua5.4", "luajit"
};

static double mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs argv with stdout into *out (NUL-terminated) and stderr into *err; a run longer than
 * timeout_s is killed. Fills wall, cpu and maxrss; returns the wait status, or -1. */
static int spawn(char *const argv[], char **out, char **err, double timeout_s, Run *r)
{
  int po[2], pe[2];
  if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
    return -1;
  double t0 = mono_ms();
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    execvp(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  Buf b[2] = { { 0 }, { 0 } };
  struct pollfd pf[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
  int open_fds = 2, killed = 0;
  while (open_fds) {
    int left = (int)(timeout_s * 1e3 - (mono_ms() - t0));
    if (left <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = 1;
    }
    if (poll(pf, 2, killed ? 1000 : left) < 0 && errno != EINTR)
      break;
    for (int k = 0; k < 2; k++) {
      if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char chunk[65536];
      ssize_t n = read(pf[k].fd, chunk, sizeof chunk);
      if (n > 0) {
        buf_add(&b[k], chunk, (size_t)n);
      } else if (n == 0 || errno != EINTR) {
        close(pf[k].fd);
        pf[k].fd = -1;
        open_fds--;
      }
    }
  }
  int st;
  struct rusage ru;
  while (wait4(pid, &st, 0, &ru) < 0)
    if (errno != EINTR)
      return -1;
  r->wall_ms = mono_ms() - t0;
  r->cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  r->maxrss_kb = ru.ru_maxrss;
  buf_add(&b[0], "", 1);
  buf_add(&b[1], "", 1);
  *out = b[0].p;
  *err = b[1].p;
  return killed ? -2 : st;
}

/* The command line of one configuration (argv points into the Bench and static strings). */
static int config_argv(Bench *bn, int cfg, const char *work, const char *snap,
                       const char *count, char **argv)
{
  int n = 0;
  switch (cfg) {
  case C_COLD: argv[n++] = bn->jolt; break;
  case C_FORK: argv[n++] = bn->jolt; break;
  case C_JOFF: argv[n++] = bn->jolt; argv[n++] = "-j"; argv[n++] = "off"; break;
  case C_LUA: argv[n++] = bn->lua; break;
  case C_LUAJIT: argv[n++] = bn->luajit; break;
  case C_JUMP:
  case C_JUMPNC:
    argv[n++] = bn->load;
    argv[n++] = "--phases";
    if (cfg == C_JUMPNC)
      argv[n++] = "--no-code";
    argv[n++] = (char *)snap;
    argv[n++] = "--";
    break;
  }
  argv[n++] = bn->runner;
  argv[n++] = (char *)work;
  argv[n++] = (char *)count;
  if (cfg == C_FORK)
    argv[n++] = "fork";
  argv[n] = NULL;
  return n;
}

/* Reads run.lua's output into r; 0, or -1 with r->error set. */
static int parse_output(Run *r, char *out)
{
  size_t cap = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    long i;
    double e, d;
    if (sscanf(line, "req %ld %lf %lf", &i, &e, &d) == 3) {
      if (i != (long)r->n + 1)
        break;
      if (r->n == cap) {
        cap = cap ? cap * 2 : 1024;
        r->end_ms = realloc(r->end_ms, cap * sizeof *r->end_ms);
        r->ms = realloc(r->ms, cap * sizeof *r->ms);
      }
      r->end_ms[r->n] = e * 1e3;
      r->ms[r->n++] = d * 1e3;
    } else if (strncmp(line, "start ", 6) == 0) {
      r->start_ms = atof(line + 6) * 1e3;
    } else if (strncmp(line, "rss ", 4) == 0) {
      r->rss_kb = atol(line + 4);
    } else if (strncmp(line, "check ", 6) == 0) {
      snprintf(r->check, sizeof r->check, "%s", line + 6);
    }
  }
  if (!r->n || !r->check[0]) {
    snprintf(r->error, sizeof r->error, "no requests or no check line in its output");
    return -1;
  }
  return 0;
}

/* jolt-load's "phases:" line into r->phases; any other jolt-load line is a refusal. */
static void parse_stderr(Run *r, const char *err, int jump)
{
  const char *p = strstr(err, "phases: ");
  if (p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p - 8) : strlen(p + 8);
    snprintf(r->phases, sizeof r->phases, "%.*s", (int)len, p + 8);
    const char *f = strstr(p, "first Lua instruction ");
    if (f)
      r->first_lua_ms = atof(f + 22);
  }
  if (!jump)
    return;
  for (const char *l = err; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
    if (strncmp(l, "jolt-load:", 10) == 0 && !strstr(l, "phases: ") && !strstr(l, "loop")) {
      const char *e = strchr(l, '\n');
      snprintf(r->error, sizeof r->error, "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
      return;
    }
}

static int dbl_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Per-run metrics. The steady state is the tracer's rule applied to windows of requests, each
 * its median: single requests of a few hundred microseconds scatter by more than the band (a
 * collector step, a timer tick), which the rule would see as no steady state at all. A
 * slowdown (a program getting slower) therefore reads as flat here; the overhead shows it. */
static void run_metrics(Run *r, double tol, int window)
{
  size_t nw = r->n / (size_t)window;
  double *wm = calloc(nw ? nw : 1, sizeof *wm), tmp[256];
  if (!wm) {
    perror("jolt-bench");
    exit(1);
  }
  for (size_t k = 0; k < nw; k++) {
    memcpy(tmp, r->ms + k * (size_t)window, (size_t)window * sizeof *tmp);
    qsort(tmp, (size_t)window, sizeof *tmp, dbl_cmp);
    wm[k] = window % 2 ? tmp[window / 2] : (tmp[window / 2 - 1] + tmp[window / 2]) / 2;
  }
  /* One-sided: a window faster than the reference is as good as steady (it is the machine
   * that sped up, or slowed down later); clipping it to the reference keeps the rule's median. */
  WuSteady s;
  wu_steady(wm, nw, tol, &s);
  for (size_t k = 0; k < nw; k++)
    wm[k] = wm[k] < s.median ? s.median : wm[k];
  wu_steady(wm, nw, tol, &s);
  free(wm);
  r->steady_ms = s.median;
  r->verdict = s.verdict;
  r->steady_index = s.index >= 0 ? s.index * window : -1;
  r->ttss_ms = s.index >= 0 ? r->end_ms[r->steady_index] - r->ms[r->steady_index] : NAN;
  /* Throughput counts every request of the steady segment (or the final quarter), collections
   * included. */
  size_t from = r->steady_index >= 0 ? (size_t)r->steady_index : r->n - r->n / 4;
  double sum = 0;
  for (size_t i = from; i < r->n; i++)
    sum += r->ms[i];
  r->rps = sum > 0 ? (r->n - from) / sum * 1e3 : NAN;
  size_t k = r->n < 1000 ? r->n : 1000;
  r->cpu_first_k_ms = r->end_ms[k - 1];
  r->overhead_ms = r->end_ms[r->n - 1] - r->n * 1e3 / r->rps;
}

static int run_one(Bench *bn, Workload *w, int cfg, int start)
{
  char count[32], *argv[16], *out = NULL, *err = NULL;
  snprintf(count, sizeof count, "%d", bn->requests);
  config_argv(bn, cfg, w->name, w->snap, count, argv);
  Run *r = &w->runs[cfg][start];
  memset(r, 0, sizeof *r);
  r->start_ms = NAN;
  r->first_lua_ms = NAN;
  int st = spawn(argv, &out, &err, bn->timeout_s, r);
  r->done = 1;
  if (st == -2)
    snprintf(r->error, sizeof r->error, "timed out after %.0f s", bn->timeout_s);
  else if (st < 0)
    snprintf(r->error, sizeof r->error, "cannot run it: %s", strerror(errno));
  else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
    const char *e = err && *err ? err : "(no message)";
    const char *nl = strchr(e, '\n');
    snprintf(r->error, sizeof r->error, "%s %d: %.*s", WIFEXITED(st) ? "exit" : "signal",
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), (int)(nl ? nl - e : (long)strlen(e)), e);
  } else if (parse_output(r, out) == 0) {
    parse_stderr(r, err, cfg == C_JUMP || cfg == C_JUMPNC);
    if (!r->error[0])
      run_metrics(r, bn->tol, bn->window);
  }
  free(out);
  free(err);
  r->ok = !r->error[0];
  if (!r->ok)
    fprintf(stderr, "jolt-bench: %s under %s (start %d): %s\n", w->name,
            bench_config_names[cfg], start + 1, r->error);
  else if (bn->verbose)
    fprintf(stderr, "jolt-bench: %-10s %-8s start %d: first %.3f ms, steady %.3f ms, "
            "ttss %.1f ms\n", w->name, bench_config_names[cfg], start + 1, r->ms[0],
            r->steady_ms, r->ttss_ms);
  return r->ok ? 0 : -1;
}

/* The snapshot the jump configurations start from: one whole run under jolt. */
static int seed(Bench *bn, Workload *w)
{
  char count[32], opt[800], *out = NULL, *err = NULL;
  Run tmp;
  snprintf(count, sizeof count, "%d", bn->requests);
  snprintf(w->snap, sizeof w->snap, "%s/%s.jsnap", bn->workdir, w->name);
  snprintf(opt, sizeof opt, "--snapshot-out=%s", w->snap);
  char *argv[] = { bn->jolt, opt, bn->runner, w->name, count, NULL };
  int st = spawn(argv, &out, &err, bn->timeout_s, &tmp);
  int ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && access(w->snap, R_OK) == 0;
  if (!ok)
    fprintf(stderr, "jolt-bench: %s: seeding failed: %s\n", w->name, err && *err ? err : "");
  free(out);
  free(err);
  return ok ? 0 : -1;
}

/* A small deterministic permutation per (start, workload): interleaved, not always the same
 * configuration first (the first run after a pause meets colder caches). */
static void order_configs(int *ord, int n, unsigned seed)
{
  for (int k = 0; k < n; k++)
    ord[k] = k;
  for (int k = n - 1; k > 0; k--) {
    seed = seed * 1103515245u + 12345u;
    int j = (int)((seed >> 16) % (unsigned)(k + 1));
    int t = ord[k];
    ord[k] = ord[j];
    ord[j] = t;
  }
}

/* --analyze: the runs of an earlier build/bench/warmup-requests.csv, analysed again (another
 * band or window) without running anything; what the CSV lacks (RSS, phases, start-up) is "-". */
static Workload *workload_named(Bench *bn, const char *name)
{
  for (int k = 0; k < bn->nwork; k++)
    if (!strcmp(bn->work[k].name, name))
      return &bn->work[k];
  Workload *w = realloc(bn->work, (size_t)(bn->nwork + 1) * sizeof *w);
  if (!w)
    return NULL;
  bn->work = w;
  w = &bn->work[bn->nwork++];
  memset(w, 0, sizeof *w);
  snprintf(w->name, sizeof w->name, "%s", name);
  return w;
}

static int analyze(Bench *bn)
{
  FILE *f = fopen(bn->analyze, "r");
  if (!f) {
    fprintf(stderr, "jolt-bench: %s: %s\n", bn->analyze, strerror(errno));
    return -1;
  }
  char line[512], wname[64], cname[32];
  int start, bad = 0;
  long req;
  double e, d;
  memset(bn->use, 0, sizeof bn->use);
  bn->starts = 1;
  bn->nwork = 0;
  bn->work = NULL;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%63[^,],%31[^,],%d,%ld,%lf,%lf", wname, cname, &start, &req, &e, &d) != 6)
      continue;   /* the header */
    int c;
    for (c = 0; c < NCONFIG && strcmp(cname, bench_config_names[c]); c++)
      ;
    Workload *w = workload_named(bn, wname);
    if (c == NCONFIG || start < 1 || start > MAXSTARTS || !w) {
      bad = 1;
      break;
    }
    Run *r = &w->runs[c][start - 1];
    if (req != (long)r->n + 1) {
      bad = 1;
      break;
    }
    if ((r->n & (r->n - 1)) == 0) {   /* grow at powers of two */
      size_t cap = r->n ? r->n * 2 : 1;
      r->end_ms = realloc(r->end_ms, cap * sizeof *r->end_ms);
      r->ms = realloc(r->ms, cap * sizeof *r->ms);
    }
    r->end_ms[r->n] = e;
    r->ms[r->n++] = d;
    r->done = r->ok = 1;
    r->start_ms = r->first_lua_ms = NAN;
    bn->use[c] = 1;
    bn->starts = start > bn->starts ? start : bn->starts;
  }
  fclose(f);
  if (bad || !bn->nwork) {
    fprintf(stderr, "jolt-bench: %s: not a warmup-requests.csv of jolt-bench\n", bn->analyze);
    return -1;
  }
  for (int k = 0; k < bn->nwork; k++)
    for (int c = 0; c < NCONFIG; c++)
      for (int st = 0; st < bn->starts; st++) {
        Run *r = &bn->work[k].runs[c][st];
        if (r->ok && r->n >= (size_t)(5 * bn->window))
          run_metrics(r, bn->tol, bn->window);
        else
          r->ok = 0;
      }
  return 0;
}

static void usage(void)
{
  fprintf(stderr,
    "usage: jolt-bench [options] [WORKLOAD...]   (default: every tests/bench/warmup/*.lua)\n"
    "  --starts=N        process starts per configuration (default 3)\n"
    "  --requests=N      requests per process (default 1000)\n"
    "  --configs=LIST    among cold,jump,jump-nc,fork,joff,lua5.4,luajit (default all)\n"
    "  --out=DIR         CSV files and plots (default docs/results)\n"
    "  --dir=DIR         the workloads and their runner run.lua (default tests/bench/warmup)\n"
    "  --tolerance=PCT   the steady-state band (default 75: docs/results.md)\n"
    "  --window=N        requests per window of the steady-state rule (default 10)\n"
    "  --timeout=S       kill a run after S seconds (default 120)\n"
    "  --jolt=P --load=P --lua=P --luajit=P   the engines (default build/bin/..., lua5.4, luajit)\n"
    "  --analyze=CSV     no runs: analyse an earlier build/bench/warmup-requests.csv again\n"
    "  -v                one line per run\n");
}

static int parse_configs(Bench *bn, const char *list)
{
  memset(bn->use, 0, sizeof bn->use);
  char *copy = strdup(list), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int k;
    for (k = 0; k < NCONFIG && strcmp(t, bench_config_names[k]); k++)
      ;
    if (k == NCONFIG) {
      fprintf(stderr, "jolt-bench: unknown configuration '%s'\n", t);
      free(copy);
      return -1;
    }
    bn->use[k] = 1;
  }
  free(copy);
  return 0;
}

static int parse_args(Bench *bn, int argc, char **argv)
{
  int i;
  for (i = 1; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i], *v = strchr(a, '=');
    v = v ? v + 1 : "";
    if (!strncmp(a, "--starts=", 9))
      bn->starts = atoi(v);
    else if (!strncmp(a, "--requests=", 11))
      bn->requests = atoi(v);
    else if (!strncmp(a, "--configs=", 10)) {
      if (parse_configs(bn, v))
        return -1;
    } else if (!strncmp(a, "--out=", 6))
      bn->outdir = strdup(v);
    else if (!strncmp(a, "--analyze=", 10))
      bn->analyze = strdup(v);
    else if (!strncmp(a, "--dir=", 6))
      bn->dir = strdup(v);
    else if (!strncmp(a, "--window=", 9))
      bn->window = atoi(v);
    else if (!strncmp(a, "--tolerance=", 12))
      bn->tol = atof(v) / 100;
    else if (!strncmp(a, "--timeout=", 10))
      bn->timeout_s = atof(v);
    else if (!strncmp(a, "--jolt=", 7))
      bn->jolt = strdup(v);
    else if (!strncmp(a, "--load=", 7))
      bn->load = strdup(v);
    else if (!strncmp(a, "--lua=", 6))
      bn->lua = strdup(v);
    else if (!strncmp(a, "--luajit=", 9))
      bn->luajit = strdup(v);
    else if (!strcmp(a, "-v"))
      bn->verbose = 1;
    else {
      usage();
      return -1;
    }
  }
  if (bn->starts < 1 || bn->starts > MAXSTARTS || bn->window < 1 || bn->window > 256 ||
      bn->requests < 5 * bn->window || bn->tol <= 0) {
    fprintf(stderr, "jolt-bench: 1..%d starts, windows of 1..256 requests, at least 5 windows "
            "of requests, a positive tolerance\n", MAXSTARTS);
    return -1;
  }
  return i;
}

/* The workloads: named on the command line, or every .lua beside the runner but itself. */
static int find_workloads(Bench *bn, int argc, char **argv, int first)
{
  glob_t g = { 0 };
  char pat[600];
  if (first == argc) {
    snprintf(pat, sizeof pat, "%s/*.lua", bn->dir);
    glob(pat, 0, NULL, &g);
  }
  int n = first < argc ? argc - first : (int)g.gl_pathc;
  bn->work = calloc((size_t)n, sizeof *bn->work);
  for (int k = 0; k < n; k++) {
    const char *p = first < argc ? argv[first + k] : g.gl_pathv[k];
    const char *b = strrchr(p, '/');
    b = b ? b + 1 : p;
    size_t len = strlen(b);
    if (len > 4 && !strcmp(b + len - 4, ".lua"))
      len -= 4;
    if (len == 3 && !strncmp(b, "run", 3))
      continue;
    Workload *w = &bn->work[bn->nwork++];
    snprintf(w->name, sizeof w->name, "%.*s", (int)len, b);
    snprintf(pat, sizeof pat, "%s/%s.lua", bn->dir, w->name);
    if (access(pat, R_OK)) {
      fprintf(stderr, "jolt-bench: %s: %s\n", pat, strerror(errno));
      globfree(&g);
      return -1;
    }
  }
  globfree(&g);
  return bn->nwork ? 0 : -1;
}

/* Engines that are not there drop out with a note; jolt itself must be there. */
static void check_engines(Bench *bn)
{
  static const int needs_load[] = { C_JUMP, C_JUMPNC };
  if (access(bn->load, X_OK))
    for (size_t k = 0; k < sizeof needs_load / sizeof *needs_load; k++)
      bn->use[needs_load[k]] = 0;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", bn->luajit);
  if (bn->use[C_LUAJIT] && system(cmd)) {
    fprintf(stderr, "jolt-bench: %s is not installed: no luajit column\n", bn->luajit);
    bn->use[C_LUAJIT] = 0;
  }
}

int main(int argc, char **argv)
{
  Bench bn = { .starts = 3, .requests = 1000, .window = 10, .tol = 0.75, .timeout_s = 120,
               .jolt = "build/bin/jolt", .load = "build/bin/jolt-load", .lua = "lua5.4",
               .luajit = "luajit", .outdir = "docs/results", .dir = "tests/bench/warmup" };
  for (int k = 0; k < NCONFIG; k++)
    bn.use[k] = 1;
  int first = parse_args(&bn, argc, argv);
  if (first < 0)
    return 2;
  if (bn.analyze) {
    if (analyze(&bn))
      return 1;
    bench_report(&bn, stdout);
    return bench_write_files(&bn) ? 1 : 0;
  }
  snprintf(bn.runner, sizeof bn.runner, "%s/run.lua", bn.dir);
  if (access(bn.jolt, X_OK) || access(bn.runner, R_OK)) {
    fprintf(stderr, "jolt-bench: needs %s and %s (run it from the top of the tree)\n", bn.jolt,
            bn.runner);
    return 2;
  }
  if (find_workloads(&bn, argc, argv, first))
    return 2;
  check_engines(&bn);
  char tmpl[] = "/tmp/jolt-bench.XXXXXX";
  if (!mkdtemp(tmpl)) {
    perror("jolt-bench: mkdtemp");
    return 1;
  }
  bn.workdir = tmpl;
  int failed = 0;
  double t0 = mono_ms();
  for (int k = 0; k < bn.nwork; k++)
    if ((bn.use[C_JUMP] || bn.use[C_JUMPNC]) && seed(&bn, &bn.work[k]))
      failed++;
  for (int s = 0; s < bn.starts; s++)
    for (int k = 0; k < bn.nwork; k++) {
      int ord[NCONFIG];
      order_configs(ord, NCONFIG, (unsigned)(s * 131 + k * 7 + 1));
      for (int c = 0; c < NCONFIG; c++)
        if (bn.use[ord[c]] && run_one(&bn, &bn.work[k], ord[c], s))
          failed++;
    }
  bn.elapsed_s = (mono_ms() - t0) / 1e3;
  failed += bench_check_results(&bn);
  bench_report(&bn, stdout);
  if (bench_write_files(&bn))
    failed++;
  for (int k = 0; k < bn.nwork; k++)
    unlink(bn.work[k].snap);
  rmdir(tmpl);
  return failed ? 1 : 0;
}

/* bench.h: the warm-up benchmark's driver (jolt_bench.c: running) and its report
 * (bench_report.c: checks, tables, CSV files, plots). Times in ms; "from process start" means
 * the process's CPU clock (os.clock in run.lua), which starts at exec, or at the fork for the
 * forked configuration. */
#ifndef JOLT_BENCH_H
#define JOLT_BENCH_H

#include <stddef.h>
#include <stdio.h>
#include "warmup/wu.h"

enum { C_COLD, C_JUMP, C_JUMPNC, C_FORK, C_JOFF, C_LUA, C_LUAJIT, NCONFIG };
#define MAXSTARTS 16
extern const char *const bench_config_names[NCONFIG];

typedef struct Buf {
  char *p;
  size_t n, cap;
} Buf;
void buf_add(Buf *b, const void *s, size_t n);

typedef struct Run {
  int done, ok;
  size_t n;                 /* requests */
  double *end_ms, *ms;      /* per request: end (CPU from process start) and length */
  double start_ms;          /* CPU when run.lua's first line ran */
  double wall_ms, cpu_ms;   /* the whole process, as its parent saw it (wait4) */
  long maxrss_kb, rss_kb;   /* wait4's, and VmHWM as the program read it (the forked child's) */
  double first_lua_ms;      /* jolt-load: wall ms from its start to the first Lua instruction */
  char phases[300];         /* jolt-load --phases */
  char check[256];
  char error[300];
  /* metrics */
  double steady_ms;         /* the rule's reference: median of the final windows' medians */
  double rps;               /* requests per second over the steady segment, collections included */
  long steady_index;        /* first request of the steady segment, -1: none */
  const char *verdict;
  double ttss_ms;           /* CPU from process start when the steady segment began; NAN: never */
  double cpu_first_k_ms;    /* CPU from process start to the end of request 1000 (or the last) */
  double overhead_ms;       /* CPU to the last request minus all requests at steady throughput */
} Run;

typedef struct Workload {
  char name[64];
  char snap[700];
  Run runs[NCONFIG][MAXSTARTS];
} Workload;

typedef struct Bench {
  int starts, requests, window, verbose;
  double tol, timeout_s, elapsed_s;
  int use[NCONFIG];
  char *jolt, *load, *lua, *luajit, *outdir, *dir, *workdir;
  char *analyze;            /* --analyze: the requests CSV to read instead of running */
  char runner[600];
  Workload *work;
  int nwork;
} Bench;

/* Marks runs whose check differs from the reference engine's (lua5.4, else cold); the count. */
int bench_check_results(Bench *bn);
void bench_report(const Bench *bn, FILE *f);
/* outdir/runs.csv, summary.csv, summary.md, WORKLOAD.svg; build/bench/warmup-requests.csv. */
int bench_write_files(const Bench *bn);

#endif

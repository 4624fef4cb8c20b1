/* bench_report.c: the warm-up benchmark's checks, tables (stdout and summary.md), CSV files and
 * one plot per workload (docs/results.md explains every column). A metric of a workload and a
 * configuration is the median over its process starts. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bench.h"

void buf_add(Buf *b, const void *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      fprintf(stderr, "jolt-bench: out of memory\n");
      exit(1);
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void bprintf(Buf *b, const char *fmt, ...)
{
  char tmp[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  buf_add(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

int bench_check_results(Bench *bn)
{
  int bad = 0;
  for (int k = 0; k < bn->nwork; k++) {
    Workload *w = &bn->work[k];
    const char *ref = NULL, *refname = NULL;
    int order[] = { C_LUA, C_COLD, C_JOFF };
    for (size_t i = 0; i < sizeof order / sizeof *order && !ref; i++)
      for (int s = 0; s < bn->starts && !ref; s++)
        if (w->runs[order[i]][s].ok) {
          ref = w->runs[order[i]][s].check;
          refname = bench_config_names[order[i]];
        }
    if (!ref)
      continue;
    for (int c = 0; c < NCONFIG; c++)
      for (int s = 0; s < bn->starts; s++) {
        Run *r = &w->runs[c][s];
        if (!r->ok || !strcmp(r->check, ref))
          continue;
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "check differs from %s's", refname);
        fprintf(stderr, "jolt-bench: %s under %s (start %d): check '%s', %s says '%s'\n",
                w->name, bench_config_names[c], s + 1, r->check, refname, ref);
        bad++;
      }
  }
  return bad;
}

/* What a metric is, per run; NAN where the run has none. */
typedef double (*Metric)(const Run *r);
static double m_first(const Run *r) { return r->ms[0]; }
static double m_steady(const Run *r) { return r->steady_ms; }
static double m_rps(const Run *r) { return r->rps; }
static double m_ttss(const Run *r) { return r->ttss_ms; }
static double m_cpu1k(const Run *r) { return r->cpu_first_k_ms; }
static double m_overhead(const Run *r) { return r->overhead_ms; }
static double m_start(const Run *r) { return r->start_ms; }
static double m_rss(const Run *r) { return (r->rss_kb ? r->rss_kb : r->maxrss_kb) / 1024.0; }
static double m_firstlua(const Run *r) { return r->first_lua_ms; }
static double m_wallcpu(const Run *r) { return r->cpu_ms > 0 ? r->wall_ms / r->cpu_ms : NAN; }
/* Within one run, so that the machine's speed (which swings between runs) cancels out. */
static double m_firstratio(const Run *r) { return r->steady_ms > 0 ? r->ms[0] / r->steady_ms : NAN; }

static int dbl_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median over the good starts; a NAN (never steady) counts as larger than any time. */
static double median_of(const Bench *bn, const Workload *w, int c, Metric m)
{
  double v[MAXSTARTS];
  int n = 0;
  for (int s = 0; s < bn->starts; s++)
    if (w->runs[c][s].ok) {
      double x = m(&w->runs[c][s]);
      v[n++] = isnan(x) ? INFINITY : x;
    }
  if (!n)
    return NAN;
  qsort(v, (size_t)n, sizeof *v, dbl_cmp);
  double x = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return isinf(x) ? NAN : x;
}

/* The start whose CPU to serve the first requests is the median: the one a plot shows. */
static int median_start(const Bench *bn, const Workload *w, int c)
{
  int idx[MAXSTARTS], n = 0;
  for (int s = 0; s < bn->starts; s++)
    if (w->runs[c][s].ok)
      idx[n++] = s;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && w->runs[c][idx[j]].cpu_first_k_ms < w->runs[c][idx[j - 1]].cpu_first_k_ms; j--) {
      int t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  return n ? idx[n / 2] : -1;
}

static const char *fmt_num(char *b, size_t n, double x, const char *f)
{
  if (isnan(x))
    snprintf(b, n, "-");
  else
    snprintf(b, n, f, x);
  return b;
}

/* One markdown table: a row per workload, a column per configuration in use. */
static void table(Buf *o, const Bench *bn, const char *title, Metric m, const char *f,
                  const char *none)
{
  bprintf(o, "\n%s\n\n| workload |", title);
  for (int c = 0; c < NCONFIG; c++)
    if (bn->use[c])
      bprintf(o, " %s |", bench_config_names[c]);
  bprintf(o, "\n|---|");
  for (int c = 0; c < NCONFIG; c++)
    if (bn->use[c])
      bprintf(o, "---:|");
  bprintf(o, "\n");
  for (int k = 0; k < bn->nwork; k++) {
    const Workload *w = &bn->work[k];
    bprintf(o, "| %s |", w->name);
    for (int c = 0; c < NCONFIG; c++) {
      if (!bn->use[c])
        continue;
      char b[32];
      double x = median_of(bn, w, c, m);
      int any = median_start(bn, w, c) >= 0;
      bprintf(o, " %s |", isnan(x) && any ? none : fmt_num(b, sizeof b, x, f));
    }
    bprintf(o, "\n");
  }
}

typedef struct Goal {
  double sum;               /* of logs, for the geometric mean */
  int n, met;
} Goal;

static void goal_add(Goal *g, double x, int met)
{
  if (isnan(x) || x <= 0 || isinf(x))
    return;
  g->sum += log(x);
  g->n++;
  g->met += met;
}

static void goals(Buf *o, const Bench *bn)
{
  if (!bn->use[C_JUMP] || !bn->use[C_COLD])
    return;
  Goal g[5];
  memset(g, 0, sizeof g);
  bprintf(o, "\nGoals (issue 8), jump-started with code: first request over the steady state "
          "of the same run (<= 1.10); time to steady state, cold over jump-started (>= 20) and jump-started over "
          "forked-from-warm (<= 2); first request, jump-started over luajit's (< 1 on most); CPU "
          "to serve the first %d requests, cold over jump-started (>= 3)\n\n"
          "| workload | 1st/steady | cold/jump ttss | jump/fork ttss | jump/luajit 1st | "
          "cold/jump cpu |\n|---|---:|---:|---:|---:|---:|\n", bn->requests < 1000 ? bn->requests : 1000);
  for (int k = 0; k < bn->nwork; k++) {
    const Workload *w = &bn->work[k];
    double jf = median_of(bn, w, C_JUMP, m_first), jr = median_of(bn, w, C_JUMP, m_firstratio);
    double ct = median_of(bn, w, C_COLD, m_ttss), jt = median_of(bn, w, C_JUMP, m_ttss);
    double ft = median_of(bn, w, C_FORK, m_ttss), lf = median_of(bn, w, C_LUAJIT, m_first);
    double cc = median_of(bn, w, C_COLD, m_cpu1k), jc = median_of(bn, w, C_JUMP, m_cpu1k);
    double v[5] = { jr, ct / jt, jt / ft, jf / lf, cc / jc };
    int met[5] = { v[0] <= 1.10, v[1] >= 20, v[2] <= 2, v[3] < 1, v[4] >= 3 };
    bprintf(o, "| %s |", w->name);
    for (int i = 0; i < 5; i++) {
      char b[32];
      goal_add(&g[i], v[i], met[i]);
      bprintf(o, " %s%s |", fmt_num(b, sizeof b, v[i], "%.2f"), isnan(v[i]) ? "" : met[i] ? "" : " ✗");
    }
    bprintf(o, "\n");
  }
  bprintf(o, "| geomean (met) |");
  for (int i = 0; i < 5; i++)
    bprintf(o, " %.2f (%d/%d) |", g[i].n ? exp(g[i].sum / g[i].n) : NAN, g[i].met, g[i].n);
  bprintf(o, "\n\n✗: the goal is not met on that workload. A time to steady state of a run that "
          "never settles is '-' (the ratio too).\n");
}

/* The loader's phases of the median jump-started run of each workload. */
static void phases(Buf *o, const Bench *bn)
{
  if (!bn->use[C_JUMP])
    return;
  bprintf(o, "\nJump-start phases (the median run; wall ms from jolt-load's start)\n\n"
          "| workload | first Lua instruction | phases |\n|---|---:|---|\n");
  for (int k = 0; k < bn->nwork; k++) {
    const Workload *w = &bn->work[k];
    int s = median_start(bn, w, C_JUMP);
    if (s < 0)
      continue;
    char b[32];
    bprintf(o, "| %s | %s | %s |\n", w->name,
            fmt_num(b, sizeof b, median_of(bn, w, C_JUMP, m_firstlua), "%.3f"), w->runs[C_JUMP][s].phases);
  }
}

static void report(Buf *o, const Bench *bn)
{
  bprintf(o, "# jolt warm-up benchmark: %d workloads, %d process start(s) per configuration, "
          "%d requests per process, %.0f s\n", bn->nwork, bn->starts, bn->requests, bn->elapsed_s);
  table(o, bn, "First request (ms)", m_first, "%.3f", "-");
  table(o, bn, "First request over the steady state of the same run (1.00: no warm-up to see)",
        m_firstratio, "%.2f", "-");
  table(o, bn, "Steady state (ms per request: median of the final windows' medians)", m_steady,
        "%.4f", "-");
  table(o, bn, "Steady-state throughput (requests per CPU second, collections included)", m_rps,
        "%.0f", "-");
  table(o, bn, "Time to steady state (CPU ms from process start; never: no steady state)", m_ttss,
        "%.2f", "never");
  table(o, bn, "CPU to serve the first 1000 requests (ms from process start)", m_cpu1k, "%.1f", "-");
  table(o, bn, "Warm-up overhead (CPU ms of the whole run above its requests at steady speed)",
        m_overhead, "%.1f", "-");
  table(o, bn, "Process start-up (CPU ms before the runner's first line; fork: 0)", m_start,
        "%.2f", "-");
  table(o, bn, "Peak RSS (MiB)", m_rss, "%.1f", "-");
  table(o, bn, "Wall over CPU time of the whole process (a loader thread makes it < 1)",
        m_wallcpu, "%.2f", "-");
  phases(o, bn);
  goals(o, bn);
}

void bench_report(const Bench *bn, FILE *f)
{
  Buf o = { 0 };
  report(&o, bn);
  fputs(o.p, f);
  free(o.p);
}

static int mkdirs(const char *path)
{
  char tmp[700];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0755) && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static FILE *open_out(const char *dir, const char *name)
{
  char path[800];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    fprintf(stderr, "jolt-bench: %s: %s\n", path, strerror(errno));
  return f;
}

static void write_runs_csv(FILE *f, const Bench *bn)
{
  fprintf(f, "workload,config,start,ok,first_ms,steady_ms,steady_rps,steady_from,verdict,ttss_ms,"
          "cpu_first_1000_ms,overhead_ms,startup_ms,wall_ms,cpu_ms,rss_kb,first_lua_ms,error\n");
  for (int k = 0; k < bn->nwork; k++)
    for (int c = 0; c < NCONFIG; c++)
      for (int s = 0; s < bn->starts; s++) {
        const Run *r = &bn->work[k].runs[c][s];
        if (!r->done)
          continue;
        fprintf(f, "%s,%s,%d,%d", bn->work[k].name, bench_config_names[c], s + 1, r->ok);
        if (r->ok)
          fprintf(f, ",%.4f,%.4f,%.0f,%ld,%s,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%ld,%.3f,", r->ms[0],
                  r->steady_ms, r->rps, r->steady_index + 1, r->verdict, r->ttss_ms, r->cpu_first_k_ms,
                  r->overhead_ms, r->start_ms, r->wall_ms, r->cpu_ms,
                  r->rss_kb ? r->rss_kb : r->maxrss_kb, r->first_lua_ms);
        else
          fprintf(f, ",,,,,,,,,,,,,,\"");
        for (const char *p = r->error; !r->ok && *p; p++)
          fputc(*p == '"' ? '\'' : *p, f);
        fprintf(f, "%s\n", r->ok ? "" : "\"");
      }
}

static void write_summary_csv(FILE *f, const Bench *bn)
{
  static const struct { const char *name; Metric m; } cols[] = {
    { "first_ms", m_first }, { "steady_ms", m_steady }, { "steady_rps", m_rps }, { "ttss_ms", m_ttss },
    { "cpu_first_1000_ms", m_cpu1k }, { "overhead_ms", m_overhead }, { "startup_ms", m_start },
    { "rss_mib", m_rss }, { "first_lua_ms", m_firstlua },
  };
  fprintf(f, "workload,config,starts");
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
    fprintf(f, ",%s", cols[i].name);
  fprintf(f, "\n");
  for (int k = 0; k < bn->nwork; k++)
    for (int c = 0; c < NCONFIG; c++) {
      if (!bn->use[c])
        continue;
      int good = 0;
      for (int s = 0; s < bn->starts; s++)
        good += bn->work[k].runs[c][s].ok;
      fprintf(f, "%s,%s,%d", bn->work[k].name, bench_config_names[c], good);
      for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        double x = median_of(bn, &bn->work[k], c, cols[i].m);
        if (isnan(x))
          fprintf(f, ",");
        else
          fprintf(f, ",%.4f", x);
      }
      fprintf(f, "\n");
    }
}

static void write_requests_csv(FILE *f, const Bench *bn)
{
  fprintf(f, "workload,config,start,request,end_ms,ms\n");
  for (int k = 0; k < bn->nwork; k++)
    for (int c = 0; c < NCONFIG; c++)
      for (int s = 0; s < bn->starts; s++) {
        const Run *r = &bn->work[k].runs[c][s];
        for (size_t i = 0; r->ok && i < r->n; i++)
          fprintf(f, "%s,%s,%d,%zu,%.4f,%.4f\n", bn->work[k].name, bench_config_names[c], s + 1,
                  i + 1, r->end_ms[i], r->ms[i]);
      }
}

/* The plot: request time over time since process start, both on log scales (warm-up is in the
 * first milliseconds, the runs last seconds; luajit and -j off differ tenfold per request). */
enum { PW = 760, PH = 420, PL = 70, PT = 40, PR = 150, PB = 50 };
static const char *const colors[NCONFIG] = {
  "#d62728", "#2ca02c", "#98df8a", "#1f77b4", "#7f7f7f", "#9467bd", "#ff7f0e"
};

static double lx(double v, double lo, double hi) { return PL + (log10(v) - lo) / (hi - lo) * PW; }
static double ly(double v, double lo, double hi) { return PT + PH - (log10(v) - lo) / (hi - lo) * PH; }

static void axis_ticks(FILE *f, double lo, double hi, int vertical)
{
  for (int e = (int)floor(lo); e <= (int)ceil(hi); e++) {
    if (e < lo - 1e-9 || e > hi + 1e-9)
      continue;
    double v = pow(10, e);
    char lab[32];
    snprintf(lab, sizeof lab, e >= 0 ? "%.0f" : e == -1 ? "%.1f" : e == -2 ? "%.2f" : "%.3f", v);
    if (vertical) {
      double y = ly(v, lo, hi);
      fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>"
              "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>\n",
              PL, y, PL + PW, y, PL - 6, y + 4, lab);
    } else {
      double x = lx(v, lo, hi);
      fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>"
              "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>\n",
              x, PT, x, PT + PH, x, PT + PH + 16, lab);
    }
  }
}

static int plot(const Bench *bn, const Workload *w, const char *path)
{
  double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = 0;
  int shown[NCONFIG];
  for (int c = 0; c < NCONFIG; c++) {
    shown[c] = bn->use[c] ? median_start(bn, w, c) : -1;
    const Run *r = shown[c] >= 0 ? &w->runs[c][shown[c]] : NULL;
    for (size_t i = 0; r && i < r->n; i++) {
      double t = r->end_ms[i] > 1e-3 ? r->end_ms[i] : 1e-3, v = r->ms[i] > 1e-3 ? r->ms[i] : 1e-3;
      xmin = t < xmin ? t : xmin;
      xmax = t > xmax ? t : xmax;
      ymin = v < ymin ? v : ymin;
      ymax = v > ymax ? v : ymax;
    }
  }
  if (xmax <= 0)
    return 0;
  double x0 = floor(log10(xmin)), x1 = ceil(log10(xmax)), y0 = floor(log10(ymin)), y1 = ceil(log10(ymax));
  x1 = x1 > x0 ? x1 : x0 + 1;
  y1 = y1 > y0 ? y1 : y0 + 1;
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' "
          "width='%d' height='%d' font-family='sans-serif'>\n<rect width='100%%' height='100%%' "
          "fill='#fff'/>\n<text x='%d' y='22' font-size='14'>%s: request time over time since "
          "process start (median start of %d; log scales)</text>\n",
          PL + PW + PR, PT + PH + PB, PL, w->name, bn->starts);
  axis_ticks(f, x0, x1, 0);
  axis_ticks(f, y0, y1, 1);
  fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>\n"
          "<text x='%d' y='%d' font-size='12' text-anchor='middle'>CPU time since process start "
          "(ms)</text>\n<text x='16' y='%d' font-size='12' transform='rotate(-90 16 %d)' "
          "text-anchor='middle'>request (ms)</text>\n", PL, PT, PW, PH, PL + PW / 2,
          PT + PH + 38, PT + PH / 2, PT + PH / 2);
  int row = 0;
  for (int c = 0; c < NCONFIG; c++) {
    if (shown[c] < 0)
      continue;
    const Run *r = &w->runs[c][shown[c]];
    /* One point per pixel column: the mean of the requests that end in it. */
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.3' points='", colors[c]);
    double acc = 0, px = -1;
    int nacc = 0;
    for (size_t i = 0; i <= r->n; i++) {
      double x = i < r->n ? lx(r->end_ms[i] > 1e-3 ? r->end_ms[i] : 1e-3, x0, x1) : -2;
      if (nacc && (i == r->n || (int)x != (int)px)) {
        double v = acc / nacc;
        fprintf(f, "%.1f,%.1f ", px, ly(v > 1e-3 ? v : 1e-3, y0, y1));
        acc = 0;
        nacc = 0;
      }
      if (i < r->n) {
        acc += r->ms[i];
        nacc++;
        px = x;
      }
    }
    fprintf(f, "'/>\n");
    if (r->steady_index >= 0) {
      size_t i = (size_t)r->steady_index;
      fprintf(f, "<circle cx='%.1f' cy='%.1f' r='4' fill='none' stroke='%s' stroke-width='2'/>\n",
              lx(r->end_ms[i] > 1e-3 ? r->end_ms[i] : 1e-3, x0, x1),
              ly(r->ms[i] > 1e-3 ? r->ms[i] : 1e-3, y0, y1), colors[c]);
    }
    fprintf(f, "<text x='%d' y='%d' font-size='12' fill='%s'>%s</text>\n", PL + PW + 10,
            PT + 14 + 18 * row++, colors[c], bench_config_names[c]);
  }
  fprintf(f, "<text x='%d' y='%d' font-size='11' fill='#555'>o steady from here</text>\n</svg>\n",
          PL + PW + 10, PT + 14 + 18 * row + 8);
  return fclose(f);
}

int bench_write_files(const Bench *bn)
{
  if (mkdirs(bn->outdir) || mkdirs("build/bench")) {
    fprintf(stderr, "jolt-bench: cannot create %s: %s\n", bn->outdir, strerror(errno));
    return -1;
  }
  int rc = 0;
  FILE *f;
  if ((f = open_out(bn->outdir, "runs.csv"))) {
    write_runs_csv(f, bn);
    rc |= fclose(f);
  } else rc = -1;
  if ((f = open_out(bn->outdir, "summary.csv"))) {
    write_summary_csv(f, bn);
    rc |= fclose(f);
  } else rc = -1;
  if ((f = open_out(bn->outdir, "summary.md"))) {
    bench_report(bn, f);
    rc |= fclose(f);
  } else rc = -1;
  if (bn->analyze) {
    /* its input stays as it is */
  } else if ((f = open_out("build/bench", "warmup-requests.csv"))) {
    write_requests_csv(f, bn);
    rc |= fclose(f);
  } else {
    rc = -1;
  }
  for (int k = 0; k < bn->nwork; k++) {
    char path[800];
    snprintf(path, sizeof path, "%s/%s.svg", bn->outdir, bn->work[k].name);
    if (plot(bn, &bn->work[k], path)) {
      fprintf(stderr, "jolt-bench: %s: %s\n", path, strerror(errno));
      rc = -1;
    }
  }
  if (rc)
    fprintf(stderr, "jolt-bench: writing the results failed\n");
  else
    printf("\nresults: %s/{runs,summary}.csv, summary.md, one .svg per workload; every request: "
           "%s\n", bn->outdir, bn->analyze ? bn->analyze : "build/bench/warmup-requests.csv");
  return rc;
}

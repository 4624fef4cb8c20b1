/* report.c: jolt-warmup's run record and its outputs: a table, CSV (long format:
 * series,index,t_ms,value), JSON, and an SVG plot drawn here. The analysis is in steady.c.
 *
 * Outputs only grow: rows, keys and columns are added after the existing ones, so readers of
 * an older report keep working (tests/warmup/run.sh reads all three).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "wu.h"

const char *const wu_class_names[WU_NCLASS] = {
  "interpreter", "gc", "runtime", "jit", "kernel", "other"
};

/* runtime/jit.h's JIT_REASONS, in JR_* order: an interface, as docs/probes.md lists it. */
const char *const wu_reason_names[WU_NREASONS] = {
  "type guard", "shape guard", "array bound", "cold branch", "cold code", "entry check",
  "metatable or nil", "gc barrier", "stress", "division by zero", "loop type"
};

/* The name of deopt reason i ("reason N" for one this tool does not know). */
static const char *reason_name(int i, char *buf, size_t len)
{
  if (wu_reason_names[i])
    return wu_reason_names[i];
  snprintf(buf, len, i == WU_NREASONS - 1 ? "reason %d+" : "reason %d", i);
  return buf;
}

/* A reason's name as a CSV series suffix: "type guard" -> "type_guard". */
static void reason_key(int i, char *buf, size_t len)
{
  char tmp[32];
  snprintf(buf, len, "%s", reason_name(i, tmp, sizeof tmp));
  for (char *p = buf; *p; p++)
    if (*p == ' ')
      *p = '_';
    else if (*p == '+')
      *p = 0;
}

/* Time to the first compiled code in ms since t0, -1 if nothing was compiled. */
static double first_code_ms(const WuRun *r)
{
  for (size_t i = 0; i < r->ncompiles; i++)
    if (r->compiles[i].bytes)
      return r->compiles[i].t_ms + r->compiles[i].ms;
  return -1;
}

/* Compilations that began in 100 ms bucket b. */
static uint64_t bucket_compiles(const WuRun *r, size_t b)
{
  uint64_t n = 0;
  for (size_t i = 0; i < r->ncompiles; i++)
    if (r->compiles[i].t_ms >= b * 100.0 && r->compiles[i].t_ms < (b + 1) * 100.0)
      n++;
  return n;
}

static uint64_t bucket_deopts(const WuRun *r, size_t b)
{
  return r->deopt_buckets ? r->deopt_buckets[b] : 0;
}

static const char *gc_kind_name(int kind)
{
  return kind == 0 ? "step" : kind == 1 ? "full" : kind == 2 ? "emergency" : "?";
}

int wu_add_mark(WuRun *r, double end_ms, const char *label)
{
  double prev = r->prev_ms;
  r->prev_ms = end_ms;
  if (prev < 0)
    return 0;     /* attached mid-run: this mark only opens the first interval */
  if (r->nmarks == r->capmarks) {
    size_t cap = r->capmarks ? 2 * r->capmarks : 64;
    WuMark *m = realloc(r->marks, cap * sizeof *m);
    if (!m)
      return -ENOMEM;
    r->marks = m;
    r->capmarks = cap;
  }
  WuMark *m = &r->marks[r->nmarks++];
  m->end_ms = end_ms;
  m->ms = end_ms - prev;
  snprintf(m->label, sizeof m->label, "%s", label);
  return 0;
}

int wu_add_gc(WuRun *r, const WuGc *g)
{
  if (r->ngcs == r->capgcs) {
    size_t cap = r->capgcs ? 2 * r->capgcs : 64;
    WuGc *v = realloc(r->gcs, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    r->gcs = v;
    r->capgcs = cap;
  }
  r->gcs[r->ngcs++] = *g;
  return 0;
}

int wu_add_compile(WuRun *r, const WuCompile *c)
{
  if (r->ncompiles == r->capcompiles) {
    size_t cap = r->capcompiles ? 2 * r->capcompiles : 64;
    WuCompile *v = realloc(r->compiles, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    r->compiles = v;
    r->capcompiles = cap;
  }
  r->compiles[r->ncompiles++] = *c;
  return 0;
}

int wu_add_stable(WuRun *r, const WuStable *st)
{
  if (r->nstables == r->capstables) {
    size_t cap = r->capstables ? 2 * r->capstables : 64;
    WuStable *v = realloc(r->stables, cap * sizeof *v);
    if (!v)
      return -ENOMEM;
    r->stables = v;
    r->capstables = cap;
  }
  r->stables[r->nstables++] = *st;
  return 0;
}

/* When the steady segment begins: the end of the iteration before it, in ms since t0. */
static double steady_ms(const WuRun *r)
{
  long s = r->steady.index;
  if (s < 0)
    return -1;
  return s == 0 ? r->marks[0].end_ms - r->marks[0].ms : r->marks[s - 1].end_ms;
}

static uint64_t bucket_total(const uint64_t *b)
{
  uint64_t t = 0;
  for (int c = 0; c < WU_NCLASS; c++)
    t += b[c];
  return t;
}

static uint64_t sample_total(const WuRun *r)
{
  uint64_t t = 0;
  for (int c = 0; c < WU_NCLASS; c++)
    t += r->ctr.samples[c];
  return t;
}

static void print_command(FILE *f, const WuRun *r)
{
  if (!r->argv) {
    fprintf(f, "process %d", (int)r->pid);
    return;
  }
  for (char **a = r->argv; *a; a++)
    fprintf(f, "%s%s", a == r->argv ? "" : " ", *a);
}

/* Compilations listed one a line in the table, at most (the rest are summed up). */
#define TABLE_COMPILES 20

static void print_jit_table(FILE *f, const WuRun *r)
{
  char buf[32];
  size_t i;
  if (!r->has_jit_probes) {
    fprintf(f, "\njit: not traced (the binary has no jolt:compile_begin/compile_end/deopt)\n");
    return;
  }
  double first = first_code_ms(r);
  fprintf(f, "\njit: %llu compilations (%llu failed), %llu code bytes, %.3f ms compiling, ",
          (unsigned long long)r->ctr.compiles, (unsigned long long)r->ctr.compile_failed,
          (unsigned long long)r->ctr.code_bytes, r->ctr.compile_ns / 1e6);
  if (first >= 0)
    fprintf(f, "first code at %.3f ms\n", first);
  else
    fprintf(f, "no compilation seen\n");
  for (i = 0; i < r->ncompiles && i < TABLE_COMPILES; i++)
    fprintf(f, "  compile   at %10.3f ms: %8.3f ms, %6llu bytes%s %s\n", r->compiles[i].t_ms,
            r->compiles[i].ms, (unsigned long long)r->compiles[i].bytes,
            r->compiles[i].bytes ? "," : " (failed),", r->compiles[i].name);
  if (r->ncompiles > TABLE_COMPILES)
    fprintf(f, "  ... %zu more (--csv or --json list them all)\n", r->ncompiles - TABLE_COMPILES);
  if (r->jit_ranges)
    fprintf(f, "  code region: %zu executable range%s, %llu KiB mapped\n", r->jit_ranges,
            r->jit_ranges == 1 ? "" : "s", (unsigned long long)(r->jit_bytes >> 10));
  fprintf(f, "deopts: %llu", (unsigned long long)r->ctr.deopts);
  for (int k = 0, first_reason = 1; k < WU_NREASONS; k++) {
    if (!r->ctr.deopt_reasons[k])
      continue;
    fprintf(f, "%s%s %llu", first_reason ? " (" : ", ", reason_name(k, buf, sizeof buf),
            (unsigned long long)r->ctr.deopt_reasons[k]);
    first_reason = 0;
  }
  fprintf(f, "%s\n", r->ctr.deopts ? ")" : "");
}

void wu_print_table(FILE *f, const WuRun *r)
{
  size_t i;
  uint64_t total = sample_total(r);
  fprintf(f, "jolt-warmup: ");
  print_command(f, r);
  fprintf(f, "\n  pid %d, ", (int)r->pid);
  if (r->status >= 0)
    fprintf(f, "exit status %d, ", r->status);
  fprintf(f, "traced %.3f s, sampling at %d Hz\n\n", r->duration_ms / 1000, r->hz);

  fprintf(f, "iterations (jolt.mark): %zu\n", r->nmarks);
  if (r->nmarks)
    fprintf(f, "  %6s  %-20s %12s %12s\n", "#", "label", "end (ms)", "time (ms)");
  for (i = 0; i < r->nmarks; i++)
    fprintf(f, "  %6zu  %-20.20s %12.3f %12.3f%s\n", i + 1, r->marks[i].label,
            r->marks[i].end_ms, r->marks[i].ms,
            (long)i == r->steady.index ? "  <- steady from here" : "");
  if (r->steady.index >= 0)
    fprintf(f, "steady state: from iteration %ld (at %.3f ms), final median %.3f ms, "
            "band %g%%, %zu isolated outliers\n", r->steady.index + 1, steady_ms(r),
            r->steady.median, r->steady.tol * 100, r->steady.outliers);
  else
    fprintf(f, "steady state: none (final median %.3f ms, band %g%%)\n",
            r->steady.median, r->steady.tol * 100);
  fprintf(f, "classification: %s (method: %s", r->steady.verdict, r->steady.method);
  if (r->steady.segments)
    fprintf(f, ", %zu segment%s", r->steady.segments, r->steady.segments == 1 ? "" : "s");
  fprintf(f, ")\n\n");

  fprintf(f, "gc: %llu full collections, %llu incremental steps, %.3f ms in total\n",
          (unsigned long long)r->ctr.gc_full, (unsigned long long)r->ctr.gc_steps,
          r->ctr.gc_ns / 1e6);
  for (i = 0; i < r->ngcs; i++)
    fprintf(f, "  %-9s at %10.3f ms: %8.3f ms, freed %lld bytes, heap %llu bytes\n",
            gc_kind_name(r->gcs[i].kind), r->gcs[i].t_ms, r->gcs[i].ms, r->gcs[i].freed,
            r->gcs[i].heap);

  if (r->nphases) {
    fprintf(f, "jump-start:");
    for (size_t k = 0; k < r->nphases; k++)
      fprintf(f, "%s %s at %.3f ms", k ? "," : "", r->phases[k].name, r->phases[k].since_start_ms);
    fprintf(f, " (from jolt-load's start)\n");
  }
  if (r->has_stable_probe && r->nstables)
    fprintf(f, "profiles: %zu windows closed (jolt:fn_stable), first at %.3f ms, last at %.3f ms\n",
            r->nstables, r->stables[0].t_ms, r->stables[r->nstables - 1].t_ms);
  else if (r->has_stable_probe)
    fprintf(f, "profiles: no profiling window closed\n");
  print_jit_table(f, r);
  fprintf(f, "\nsamples: %llu", (unsigned long long)total);
  for (int c = 0; c < WU_NCLASS && total; c++)
    fprintf(f, "%s%s %.1f%%", c ? ", " : " (", wu_class_names[c],
            100.0 * (double)r->ctr.samples[c] / (double)total);
  fprintf(f, "%s\n", total ? ")" : "");
  if (!total)
    return;
  fprintf(f, "  %8s %7s", "t (ms)", "samples");
  for (int c = 0; c < WU_NCLASS; c++)
    fprintf(f, " %11.11s%%", wu_class_names[c]);
  if (r->has_jit_probes)
    fprintf(f, " %8s %7s", "compiles", "deopts");
  fprintf(f, "\n");
  for (i = 0; i < r->nbuckets; i++) {
    uint64_t t = bucket_total(r->buckets[i]);
    fprintf(f, "  %8zu %7llu", i * 100, (unsigned long long)t);
    for (int c = 0; c < WU_NCLASS; c++)
      fprintf(f, " %12.1f", t ? 100.0 * (double)r->buckets[i][c] / (double)t : 0.0);
    if (r->has_jit_probes)
      fprintf(f, " %8llu %7llu", (unsigned long long)bucket_compiles(r, i),
              (unsigned long long)bucket_deopts(r, i));
    fprintf(f, "\n");
  }
}

static void csv_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void wu_print_csv(FILE *f, const WuRun *r)
{
  size_t i;
  fprintf(f, "series,index,t_ms,value\n");
  for (i = 0; i < r->nmarks; i++)
    fprintf(f, "iteration_ms,%zu,%.6f,%.6f\n", i + 1, r->marks[i].end_ms, r->marks[i].ms);
  for (i = 0; i < r->ngcs; i++)
    fprintf(f, "gc_%s_ms,%zu,%.6f,%.6f\n", gc_kind_name(r->gcs[i].kind), i + 1, r->gcs[i].t_ms,
            r->gcs[i].ms);
  for (i = 0; i < r->nstables; i++)
    fprintf(f, "fn_stable_calls,%zu,%.6f,%llu\n", i + 1, r->stables[i].t_ms,
            (unsigned long long)r->stables[i].calls);
  for (i = 0; i < r->ncompiles; i++)
    fprintf(f, "compile_ms,%zu,%.6f,%.6f\ncompile_bytes,%zu,%.6f,%llu\n", i + 1,
            r->compiles[i].t_ms, r->compiles[i].ms, i + 1, r->compiles[i].t_ms,
            (unsigned long long)r->compiles[i].bytes);
  for (i = 0; i < r->nbuckets; i++) {
    uint64_t t = bucket_total(r->buckets[i]);
    fprintf(f, "samples,%zu,%zu,%llu\n", i, i * 100, (unsigned long long)t);
    for (int c = 0; c < WU_NCLASS; c++)
      fprintf(f, "share_%s,%zu,%zu,%.4f\n", wu_class_names[c], i, i * 100,
              t ? (double)r->buckets[i][c] / (double)t : 0.0);
    if (r->has_jit_probes)
      fprintf(f, "compiles,%zu,%zu,%llu\ndeopts,%zu,%zu,%llu\n", i, i * 100,
              (unsigned long long)bucket_compiles(r, i), i, i * 100,
              (unsigned long long)bucket_deopts(r, i));
  }
  fprintf(f, "iterations,,,%zu\n", r->nmarks);
  fprintf(f, "steady_iteration,,%.6f,%ld\n", steady_ms(r),
          r->steady.index >= 0 ? r->steady.index + 1 : 0);
  fprintf(f, "final_median_ms,,,%.6f\n", r->steady.median);
  fprintf(f, "outliers,,,%zu\nsegments,,,%zu\nmethod,,,\"%s\"\n", r->steady.outliers,
          r->steady.segments, r->steady.method);
  fprintf(f, "classification,,,");
  csv_str(f, r->steady.verdict);
  fprintf(f, "\ngc_full,,,%llu\ngc_steps,,,%llu\ngc_total_ms,,,%.6f\n",
          (unsigned long long)r->ctr.gc_full, (unsigned long long)r->ctr.gc_steps,
          r->ctr.gc_ns / 1e6);
  if (r->has_jit_probes) {
    char key[32];
    fprintf(f, "compilations,,,%llu\ncompile_failed,,,%llu\ncompile_total_ms,,,%.6f\n"
            "code_bytes,,,%llu\nfirst_code_ms,,,%.6f\ndeopts_total,,,%llu\n",
            (unsigned long long)r->ctr.compiles, (unsigned long long)r->ctr.compile_failed,
            r->ctr.compile_ns / 1e6, (unsigned long long)r->ctr.code_bytes, first_code_ms(r),
            (unsigned long long)r->ctr.deopts);
    for (int k = 0; k < WU_NREASONS; k++) {
      if (!wu_reason_names[k] && !r->ctr.deopt_reasons[k])
        continue;
      reason_key(k, key, sizeof key);
      fprintf(f, "deopt_%s,,,%llu\n", key, (unsigned long long)r->ctr.deopt_reasons[k]);
    }
  }
  fprintf(f, "duration_ms,,,%.6f\nexit_status,,,%d\n", r->duration_ms, r->status);
}

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

/* The "jit" member: null when its probes were not attached. */
static void print_jit_json(FILE *f, const WuRun *r)
{
  char buf[32];
  size_t i;
  if (!r->has_jit_probes) {
    fprintf(f, "null");
    return;
  }
  double first = first_code_ms(r);
  fprintf(f, "{\"compilations\": %llu, \"failed\": %llu, \"total_ms\": %.6f, "
          "\"code_bytes\": %llu, \"first_code_ms\": ", (unsigned long long)r->ctr.compiles,
          (unsigned long long)r->ctr.compile_failed, r->ctr.compile_ns / 1e6,
          (unsigned long long)r->ctr.code_bytes);
  if (first >= 0)
    fprintf(f, "%.6f", first);
  else
    fprintf(f, "null");
  fprintf(f, ",\n    \"code_region\": {\"ranges\": %zu, \"bytes\": %llu},\n    \"events\": [",
          r->jit_ranges, (unsigned long long)r->jit_bytes);
  for (i = 0; i < r->ncompiles; i++) {
    fprintf(f, "%s\n      {\"t_ms\": %.6f, \"ms\": %.6f, \"fid\": \"%016llx\", \"bytes\": %llu, "
            "\"name\": ", i ? "," : "", r->compiles[i].t_ms, r->compiles[i].ms,
            (unsigned long long)r->compiles[i].fid, (unsigned long long)r->compiles[i].bytes);
    json_str(f, r->compiles[i].name);
    fprintf(f, "}");
  }
  fprintf(f, "%s],\n    \"deopts\": {\"total\": %llu, \"by_reason\": {", r->ncompiles ? "\n    " : "",
          (unsigned long long)r->ctr.deopts);
  for (int k = 0, n = 0; k < WU_NREASONS; k++) {
    if (!wu_reason_names[k] && !r->ctr.deopt_reasons[k])
      continue;
    fprintf(f, "%s", n++ ? ", " : "");
    json_str(f, reason_name(k, buf, sizeof buf));
    fprintf(f, ": %llu", (unsigned long long)r->ctr.deopt_reasons[k]);
  }
  fprintf(f, "}, \"buckets\": [");
  for (i = 0; i < r->nbuckets; i++)
    fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)bucket_deopts(r, i));
  fprintf(f, "]}}");
}

void wu_print_json(FILE *f, const WuRun *r)
{
  size_t i;
  fprintf(f, "{\n  \"command\": ");
  if (r->argv) {
    fprintf(f, "[");
    for (char **a = r->argv; *a; a++) {
      fprintf(f, "%s", a == r->argv ? "" : ", ");
      json_str(f, *a);
    }
    fprintf(f, "]");
  } else {
    fprintf(f, "null");
  }
  fprintf(f, ",\n  \"pid\": %d,\n  \"exit_status\": ", (int)r->pid);
  if (r->status >= 0)
    fprintf(f, "%d", r->status);
  else
    fprintf(f, "null");
  fprintf(f, ",\n  \"duration_ms\": %.6f,\n  \"sample_hz\": %d,\n", r->duration_ms, r->hz);
  fprintf(f, "  \"iterations\": [");
  for (i = 0; i < r->nmarks; i++) {
    fprintf(f, "%s\n    {\"index\": %zu, \"label\": ", i ? "," : "", i + 1);
    json_str(f, r->marks[i].label);
    fprintf(f, ", \"end_ms\": %.6f, \"ms\": %.6f}", r->marks[i].end_ms, r->marks[i].ms);
  }
  fprintf(f, "%s],\n  \"steady\": {\"iteration\": ", r->nmarks ? "\n  " : "");
  if (r->steady.index >= 0)
    fprintf(f, "%ld, \"t_ms\": %.6f", r->steady.index + 1, steady_ms(r));
  else
    fprintf(f, "null, \"t_ms\": null");
  fprintf(f, ", \"final_median_ms\": %.6f, \"before_median_ms\": %.6f, \"tolerance\": %.4f, "
          "\"outliers\": %zu, \"method\": \"%s\", \"segments\": %zu},\n", r->steady.median,
          r->steady.before, r->steady.tol, r->steady.outliers, r->steady.method,
          r->steady.segments);
  fprintf(f, "  \"classification\": ");
  json_str(f, r->steady.verdict);
  fprintf(f, ",\n  \"gc\": {\"full\": %llu, \"steps\": %llu, \"total_ms\": %.6f, \"events\": [",
          (unsigned long long)r->ctr.gc_full, (unsigned long long)r->ctr.gc_steps,
          r->ctr.gc_ns / 1e6);
  for (i = 0; i < r->ngcs; i++)
    fprintf(f, "%s\n    {\"kind\": \"%s\", \"t_ms\": %.6f, \"ms\": %.6f, \"freed\": %lld, "
            "\"heap\": %llu}", i ? "," : "", gc_kind_name(r->gcs[i].kind), r->gcs[i].t_ms,
            r->gcs[i].ms, r->gcs[i].freed, r->gcs[i].heap);
  fprintf(f, "%s]},\n  \"fn_stable\": ", r->ngcs ? "\n  " : "");
  if (r->has_stable_probe) {
    fprintf(f, "[");
    for (i = 0; i < r->nstables; i++)
      fprintf(f, "%s\n    {\"t_ms\": %.6f, \"fid\": \"%016llx\", \"calls\": %llu}", i ? "," : "",
              r->stables[i].t_ms, (unsigned long long)r->stables[i].fid,
              (unsigned long long)r->stables[i].calls);
    fprintf(f, "%s]", r->nstables ? "\n  " : "");
  } else {
    fprintf(f, "null");
  }
  fprintf(f, ",\n  \"load_phases\": [");
  for (i = 0; i < r->nphases; i++) {
    fprintf(f, "%s{\"name\": ", i ? ", " : "");
    json_str(f, r->phases[i].name);
    fprintf(f, ", \"since_start_ms\": %.6f}", r->phases[i].since_start_ms);
  }
  fprintf(f, "]");
  fprintf(f, ",\n  \"jit\": ");
  print_jit_json(f, r);
  fprintf(f, ",\n  \"samples\": {\"bucket_ms\": 100, \"classes\": [");
  for (int c = 0; c < WU_NCLASS; c++)
    fprintf(f, "%s\"%s\"", c ? ", " : "", wu_class_names[c]);
  fprintf(f, "],\n    \"total\": [");
  for (int c = 0; c < WU_NCLASS; c++)
    fprintf(f, "%s%llu", c ? ", " : "", (unsigned long long)r->ctr.samples[c]);
  fprintf(f, "],\n    \"buckets\": [");
  for (i = 0; i < r->nbuckets; i++) {
    fprintf(f, "%s[", i ? ", " : "");
    for (int c = 0; c < WU_NCLASS; c++)
      fprintf(f, "%s%llu", c ? ", " : "", (unsigned long long)r->buckets[i][c]);
    fprintf(f, "]");
  }
  fprintf(f, "]},\n  \"events_dropped\": %llu\n}\n", (unsigned long long)r->ctr.ev_dropped);
}

/* ---- SVG: iteration times on top, sample shares per class below, one time axis. ---- */

enum { W = 900, H = 600, ML = 70, MR = 150, TOP_Y = 40, TOP_H = 300, BOT_Y = 400, BOT_H = 150 };
static const char *const class_colors[WU_NCLASS] = {
  "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#7f7f7f", "#ff7f0e"
};

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks over span. */
static double nice_step(double span, int n)
{
  double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void svg_axes(FILE *f, int y0, int h, double xmax, double ymax, const char *ylabel,
                     int percent)
{
  double xs = nice_step(xmax, 8), ys = nice_step(ymax, 5), v;
  fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#000'/>\n",
          ML, y0, W - ML - MR, h);
  for (v = 0; v <= xmax * 1.0001; v += xs) {
    double x = ML + v / xmax * (W - ML - MR);
    fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>"
            "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%g</text>\n",
            x, y0, x, y0 + h, x, y0 + h + 14, v);
  }
  for (v = 0; v <= ymax * 1.0001; v += ys) {
    double y = y0 + h - v / ymax * h;
    fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>"
            "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%g%s</text>\n",
            ML, y, W - MR, y, ML - 4, y + 4, v, percent ? "%" : "");
  }
  fprintf(f, "<text x='14' y='%d' font-size='12' transform='rotate(-90 14 %d)' "
          "text-anchor='middle'>%s</text>\n", y0 + h / 2, y0 + h / 2, ylabel);
}

int wu_plot_svg(const char *path, const WuRun *r)
{
  FILE *f = fopen(path, "w");
  double xmax = r->duration_ms, ymax = 0;
  size_t i;
  if (!f)
    return -errno;
  if (r->nbuckets * 100.0 > xmax)
    xmax = r->nbuckets * 100.0;
  if (xmax <= 0)
    xmax = 1;
  for (i = 0; i < r->nmarks; i++)
    if (r->marks[i].ms > ymax)
      ymax = r->marks[i].ms;
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  double pw = W - ML - MR;
#define PX(t) (ML + (t) / xmax * pw)
#define PY(v) (TOP_Y + TOP_H - (v) / ymax * TOP_H)
  fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
          "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
          "font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='#fff'/>\n", W, H);
  fprintf(f, "<text x='%d' y='20' font-size='14'>jolt-warmup: %zu iterations, %s</text>\n",
          ML, r->nmarks, r->steady.verdict);
  svg_axes(f, TOP_Y, TOP_H, xmax, ymax, "iteration time (ms)", 0);
  if (r->steady.index >= 0) {
    double m = r->steady.median, lo = m * (1 - r->steady.tol), hi = m * (1 + r->steady.tol);
    double x0 = PX(steady_ms(r));
    fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#2ca02c' "
            "fill-opacity='0.15'/>\n", x0, PY(hi < ymax ? hi : ymax), ML + pw - x0,
            PY(lo) - PY(hi < ymax ? hi : ymax));
    fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#2ca02c' "
            "stroke-dasharray='4 3'/><text x='%.1f' y='%d' font-size='11' fill='#2ca02c'>"
            "steady</text>\n", x0, TOP_Y, x0, TOP_Y + TOP_H, x0 + 3, TOP_Y + 12);
  }
  if (r->nmarks) {
    fprintf(f, "<polyline fill='none' stroke='#1f77b4' stroke-width='1.5' points='");
    for (i = 0; i < r->nmarks; i++)
      fprintf(f, "%.1f,%.1f ", PX(r->marks[i].end_ms), PY(r->marks[i].ms));
    fprintf(f, "'/>\n");
    for (i = 0; i < r->nmarks && r->nmarks <= 500; i++)
      fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2' fill='#1f77b4'/>\n",
              PX(r->marks[i].end_ms), PY(r->marks[i].ms));
  }
  svg_axes(f, BOT_Y, BOT_H, xmax, 100, "share of samples", 1);
  fprintf(f, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>time since start (ms)"
          "</text>\n", ML + (int)pw / 2, BOT_Y + BOT_H + 32);
  for (int c = 0; c < WU_NCLASS; c++) {
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.5' points='", class_colors[c]);
    for (i = 0; i < r->nbuckets; i++) {
      uint64_t t = bucket_total(r->buckets[i]);
      double share = t ? 100.0 * (double)r->buckets[i][c] / (double)t : 0;
      fprintf(f, "%.1f,%.1f ", PX(i * 100.0 + 50), BOT_Y + BOT_H - share / 100 * BOT_H);
    }
    fprintf(f, "'/>\n<text x='%d' y='%d' font-size='11' fill='%s'>%s</text>\n",
            W - MR + 8, BOT_Y + 12 + 14 * c, class_colors[c], wu_class_names[c]);
  }
  /* Compilations: a tick in the jit colour above the shares, where each one ended. */
  for (i = 0; i < r->ncompiles; i++)
    if (r->compiles[i].bytes)
      fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s'/>\n",
              PX(r->compiles[i].t_ms + r->compiles[i].ms), BOT_Y - 8,
              PX(r->compiles[i].t_ms + r->compiles[i].ms), BOT_Y, class_colors[WU_JIT]);
  if (r->ncompiles)
    fprintf(f, "<text x='%d' y='%d' font-size='11' fill='%s'>| compiled</text>\n", W - MR + 8,
            BOT_Y + 12 + 14 * WU_NCLASS, class_colors[WU_JIT]);
#undef PX
#undef PY
  fprintf(f, "</svg>\n");
  if (fclose(f))
    return -errno;
  return 0;
}

/* ---- SVG of several runs' iteration times on one time axis (--compare). ---- */

static const char *const run_colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                          "#ff7f0e", "#8c564b" };

int wu_plot_compare(const char *path, const WuSeries *s, int n)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -errno;
  double xmax = 0, ymax = 0;
  for (int k = 0; k < n; k++)
    for (size_t i = 0; i < s[k].n; i++) {
      if (s[k].t_ms[i] > xmax)
        xmax = s[k].t_ms[i];
      if (s[k].ms[i] > ymax)
        ymax = s[k].ms[i];
    }
  xmax = xmax > 0 ? xmax * 1.02 : 1;
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  int h = TOP_H + 120;
  double pw = W - ML - MR;
  fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
          "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
          "font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='#fff'/>\n",
          W, TOP_Y + h + 50);
  fprintf(f, "<text x='%d' y='20' font-size='14'>jolt-warmup: iteration times of %d runs, "
          "from each process's start</text>\n", ML, n);
  svg_axes(f, TOP_Y, h, xmax, ymax, "iteration time (ms)", 0);
  for (int k = 0; k < n; k++) {
    const char *col = run_colors[k % (int)(sizeof run_colors / sizeof *run_colors)];
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.5' points='", col);
    for (size_t i = 0; i < s[k].n; i++)
      fprintf(f, "%.1f,%.1f ", ML + s[k].t_ms[i] / xmax * pw, TOP_Y + h - s[k].ms[i] / ymax * h);
    fprintf(f, "'/>\n");
    if (s[k].steady_ms >= 0) {
      double x = ML + s[k].steady_ms / xmax * pw;
      fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-dasharray='4 3'/>\n",
              x, TOP_Y, x, TOP_Y + h, col);
    }
    fprintf(f, "<text x='%d' y='%d' font-size='11' fill='%s'>", W - MR + 8, TOP_Y + 14 + 16 * k, col);
    for (const char *c = s[k].name; *c; c++)   /* a file name: escape what XML would take */
      fputs(*c == '<' ? "&lt;" : *c == '&' ? "&amp;" : *c == '\'' ? "&apos;" : (char[2]){ *c, 0 }, f);
    fprintf(f, "</text>\n");
  }
  fprintf(f, "<text x='%d' y='%d' font-size='11' fill='#555'>- - steady from here</text>\n",
          W - MR + 8, TOP_Y + 14 + 16 * n + 6);
  fprintf(f, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>time since start (ms)"
          "</text>\n", ML + (int)pw / 2, TOP_Y + h + 32);
  fprintf(f, "</svg>\n");
  return fclose(f) ? -errno : 0;
}

int wu_read_csv_series(const char *path, WuSeries *s)
{
  memset(s, 0, sizeof *s);
  FILE *f = fopen(path, "r");
  if (!f)
    return -errno;
  const char *base = strrchr(path, '/');
  snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : path);
  s->steady_ms = -1;
  char line[512];
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    double t, v;
    size_t idx;
    long si;
    if (sscanf(line, "iteration_ms,%zu,%lf,%lf", &idx, &t, &v) == 3) {
      if (s->n == cap) {
        cap = cap ? 2 * cap : 256;
        double *nt = realloc(s->t_ms, cap * sizeof *nt), *nm = nt ? realloc(s->ms, cap * sizeof *nm) : NULL;
        if (nt)
          s->t_ms = nt;
        if (!nt || !nm) {
          fclose(f);
          return -ENOMEM;
        }
        s->ms = nm;
      }
      s->t_ms[s->n] = t;
      s->ms[s->n++] = v;
    } else if (sscanf(line, "steady_iteration,,%lf,%ld", &t, &si) == 2 && si > 0) {
      s->steady_ms = t;
    }
  }
  fclose(f);
  return s->n ? 0 : -EINVAL;
}

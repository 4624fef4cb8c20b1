/* wu.h: jolt-warmup's user-space modules: address ranges (ranges.c), analysis and output
 * (report.c); tools/jolt-warmup.c drives them and the BPF side.
 *
 * Invariants:
 * - Times in a WuRun are milliseconds since t0, the moment the tool let the traced process run
 *   (or attached to it with -p); CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns().
 * - marks[i].ms is the time from the previous mark (the first: from the runtime's start probe;
 *   without one, as with -p, the first mark only opens the first interval and is not kept).
 */
#ifndef JOLT_WU_H
#define JOLT_WU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include "warmup.h"

typedef struct WuMark {
  double end_ms, ms;
  char label[WU_LABEL_LEN];
} WuMark;

typedef struct WuGc {
  double t_ms, ms;
  int kind;                 /* JOLT_GC_* of runtime/probe.h */
  long long freed;
  unsigned long long heap;
} WuGc;

/* One compilation (jolt:compile_begin .. compile_end); t_ms is its start. */
typedef struct WuCompile {
  double t_ms, ms;
  uint64_t fid, bytes;      /* bytes 0: the compilation failed */
  char name[WU_LABEL_LEN];  /* "lua:chunk:line", "" when its begin was not seen */
} WuCompile;

typedef struct WuStable {
  double t_ms;
  uint64_t fid, calls;
} WuStable;

/* A jump-start phase (jolt:load_phase): when it ended, as the loader counts from its start. */
typedef struct WuPhase {
  double t_ms;              /* trace time */
  double since_start_ms;    /* the loader's own clock */
  char name[WU_LABEL_LEN];
} WuPhase;
#define WU_MAXPHASES 16

/* The steady-state analysis of a series of iteration times (report.c, docs/warmup.md). */
typedef struct WuSteady {
  long index;               /* first iteration (0-based) of the steady segment, -1: none */
  double median;            /* median of the final iterations, the reference */
  double before;            /* median of the iterations before index (0 when index <= 0) */
  double tol;               /* relative band, 0.05 for 5% */
  size_t outliers;          /* isolated outliers, ignored (rule: inside the steady segment) */
  size_t segments;          /* change points: segments after merging; 0 with the rule */
  const char *method;       /* "rule" or "changepoint" */
  const char *verdict;      /* "flat", "warm-up", "slowdown", "no steady state", "too few" */
} WuSteady;

typedef struct WuRun {
  char **argv;              /* the traced command, NULL with -p */
  pid_t pid;
  int status;               /* exit code, 128+signal, -1 unknown (-p) */
  int hz;                   /* sampling frequency, 0: no sampling */
  double duration_ms;
  double start_ms;          /* the start probe, -1 if not seen */
  double prev_ms;           /* end of the last interval, -1 before the first start or mark */
  WuMark *marks; size_t nmarks, capmarks;
  WuGc *gcs; size_t ngcs, capgcs;
  WuStable *stables; size_t nstables, capstables;   /* jolt:fn_stable, when the binary has it */
  WuPhase phases[WU_MAXPHASES]; size_t nphases;     /* jolt:load_phase (jump-starts) */
  int has_stable_probe;
  WuCompile *compiles; size_t ncompiles, capcompiles;
  WuCompile pending;        /* the compile_begin seen last (pending.t_ms < 0: none) */
  int has_jit_probes;       /* compile_begin, compile_end and deopt are attached */
  size_t jit_ranges;        /* JIT code ranges published when the process ended */
  uint64_t jit_bytes;       /* their total size (the executable code region mapped) */
  uint64_t *deopt_buckets;  /* deopts per 100 ms bucket, nbuckets of them (NULL: none read) */
  struct wu_counters ctr;   /* the BPF side's counters of pid */
  uint64_t (*buckets)[WU_NCLASS]; size_t nbuckets;
  WuSteady steady;
} WuRun;

extern const char *const wu_class_names[WU_NCLASS];
/* Deopt reasons by JR_* number (runtime/jit.h's JIT_REASONS); NULL past the known ones. */
extern const char *const wu_reason_names[WU_NREASONS];

/* ranges.c: the sorted, disjoint ranges of process pid whose executable is exe (interpreter,
 * GC, the rest of the binary). Returns the count, or -errno with a one-line reason in err. */
int wu_ranges(pid_t pid, const char *exe, struct wu_addr_range *out, int max,
              char *err, size_t errlen);
/* The executable views of the JIT's code region in process pid ("memfd:jolt-jit*" mappings),
 * sorted, adjacent ones merged, class WU_JIT. Returns the count or -errno. */
int wu_jit_ranges(pid_t pid, struct wu_addr_range *out, int max);
/* Merge two sorted, disjoint sets into out; the count, or -ENOSPC past max. */
int wu_merge_ranges(const struct wu_addr_range *a, int na, const struct wu_addr_range *b, int nb,
                    struct wu_addr_range *out, int max);
/* Does exe look like a jolt binary (it has the interpreter's symbol)? */
int wu_is_jolt(const char *exe);

/* steady.c: the rule and the change-point method; wu_analyze runs one on r's iterations. */
void wu_steady(const double *x, size_t n, double tol, WuSteady *out);
void wu_steady_cp(const double *x, size_t n, double tol, WuSteady *out);
void wu_analyze(WuRun *r, double tol, int changepoint);

/* report.c */
int wu_add_mark(WuRun *r, double end_ms, const char *label);
int wu_add_gc(WuRun *r, const WuGc *g);
int wu_add_stable(WuRun *r, const WuStable *st);
int wu_add_compile(WuRun *r, const WuCompile *c);
void wu_print_table(FILE *f, const WuRun *r);
void wu_print_csv(FILE *f, const WuRun *r);
void wu_print_json(FILE *f, const WuRun *r);
int wu_plot_svg(const char *path, const WuRun *r);
/* --compare: iteration times of several runs (each from a --csv file of this tool) in one
 * picture, e.g. a cold run and a jump-started one. */
typedef struct WuSeries {
  char name[128];
  double *t_ms, *ms;        /* end of each iteration since the process's start, its time */
  size_t n;
  double steady_ms;         /* when the steady state began, -1: none */
} WuSeries;
int wu_read_csv_series(const char *path, WuSeries *s);
int wu_plot_compare(const char *path, const WuSeries *s, int n);

#endif

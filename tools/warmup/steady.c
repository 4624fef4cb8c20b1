/* steady.c: when do iteration times settle, and how did they get there (docs/warmup.md).
 *
 * Two methods, both after Barrett et al.'s classes (flat, warm-up, slowdown, no steady state):
 * - the rule (default): the reference is the median of the final quarter of the iterations
 *   (at least 5); the steady segment is the longest suffix whose iterations all lie within
 *   tol of it, isolated outliers aside; the verdict compares the median of the iterations
 *   before it with the reference.
 * - change points: isolated outliers smoothed away, binary segmentation of the series into
 *   segments of constant mean (a split must cut the squared error by more than a penalty of
 *   6 sigma^2 ln n, sigma from the median absolute first difference), adjacent segments that
 *   agree (medians within tol, or means within two standard errors) merged; the last segment
 *   is the steady one, the verdict compares it with the segment before.
 * Either way the steady segment must hold at least max(3, n/10) iterations, and fewer than 5
 * iterations are "too few".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "wu.h"

static int dbl_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *x, size_t n)
{
  double *v = malloc(n * sizeof *v), m;
  if (!n || !v) {
    free(v);
    return 0;
  }
  memcpy(v, x, n * sizeof *v);
  qsort(v, n, sizeof *v, dbl_cmp);
  m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  free(v);
  return m;
}

/* Is x[i] an isolated outlier: its neighbours, two on each side, agree within the band, and
 * it agrees with neither next to it? (A GC pause or a preemption hits one iteration; a change
 * of level, or an alternation, hits several.) The first and last iterations never are. */
static int outlier(const double *x, size_t n, size_t i, double band)
{
  if (i == 0 || i + 1 >= n)
    return 0;
  if (fabs(x[i - 1] - x[i + 1]) > band || fabs(x[i] - x[i - 1]) <= band ||
      fabs(x[i] - x[i + 1]) <= band)
    return 0;
  return (i < 2 || fabs(x[i - 2] - x[i - 1]) <= band) &&
         (i + 2 >= n || fabs(x[i + 2] - x[i + 1]) <= band);
}

/* The minimum length of a steady segment among n iterations. */
static size_t need_of(size_t n)
{
  return n / 10 < 3 ? 3 : n / 10;
}

void wu_steady(const double *x, size_t n, double tol, WuSteady *out)
{
  size_t tail = n / 4 < 5 ? 5 : n / 4, need = need_of(n), s = n;
  memset(out, 0, sizeof *out);
  out->index = -1;
  out->tol = tol;
  out->method = "rule";
  if (n < 5) {
    out->verdict = "too few";
    return;
  }
  if (tail > n)
    tail = n;
  out->median = median(x + n - tail, tail);
  double band = tol * out->median;
  for (; s > 0; s--) {
    if (fabs(x[s - 1] - out->median) <= band)
      continue;
    if (!outlier(x, n, s - 1, band))
      break;
    out->outliers++;
  }
  if (n - s < need) {
    out->verdict = "no steady state";
    return;
  }
  out->index = (long)s;
  if (s == 0) {
    out->verdict = "flat";
    return;
  }
  out->before = median(x, s);
  out->verdict = out->before > out->median * (1 + tol) ? "warm-up"
               : out->before < out->median * (1 - tol) ? "slowdown" : "flat";
}

/* Sum of squared deviations from the mean of x[lo, hi), from prefix sums s1 (x) and s2 (x^2). */
static double sse(const double *s1, const double *s2, size_t lo, size_t hi)
{
  double n = (double)(hi - lo), sum = s1[hi] - s1[lo];
  return (s2[hi] - s2[lo]) - sum * sum / n;
}

typedef struct Segmenter {
  const double *s1, *s2;
  double penalty;
  size_t *cuts, ncuts;
} Segmenter;

/* Binary segmentation of [lo, hi): split at the best point if it pays the penalty, recurse. */
static void split(Segmenter *sg, size_t lo, size_t hi)
{
  size_t best = 0, k;
  double whole = sse(sg->s1, sg->s2, lo, hi), bestcost = whole;
  for (k = lo + 2; k + 2 <= hi; k++) {
    double c = sse(sg->s1, sg->s2, lo, k) + sse(sg->s1, sg->s2, k, hi);
    if (c < bestcost) {
      bestcost = c;
      best = k;
    }
  }
  if (!best || whole - bestcost <= sg->penalty)
    return;
  split(sg, lo, best);
  sg->cuts[sg->ncuts++] = best;     /* in order: left part's cuts come first */
  split(sg, best, hi);
}

void wu_steady_cp(const double *x0, size_t n, double tol, WuSteady *out)
{
  double *x = malloc((n + 1) * sizeof *x), *d = malloc((n + 1) * sizeof *d);
  double *s1 = calloc(n + 1, sizeof *s1), *s2 = calloc(n + 1, sizeof *s2);
  size_t *b = malloc((n + 2) * sizeof *b), nb, i, j;
  memset(out, 0, sizeof *out);
  out->index = -1;
  out->tol = tol;
  out->method = "changepoint";
  out->verdict = "too few";
  if (n < 5 || !x || !d || !s1 || !s2 || !b)
    goto done;
  memcpy(x, x0, n * sizeof *x);
  out->median = median(x + n - (n / 4 < 5 ? 5 : n / 4), n / 4 < 5 ? 5 : n / 4);
  for (i = 1; i + 1 < n; i++)
    if (outlier(x0, n, i, tol * out->median)) {
      x[i] = (x0[i - 1] + x0[i + 1]) / 2;
      out->outliers++;
    }
  for (i = 1; i < n; i++)
    d[i - 1] = fabs(x[i] - x[i - 1]);
  double sigma = median(d, n - 1) / (0.6745 * sqrt(2.0));
  if (sigma <= 0)
    sigma = 1e-6 * (out->median > 0 ? out->median : 1);
  for (i = 0; i < n; i++) {
    s1[i + 1] = s1[i] + x[i];
    s2[i + 1] = s2[i] + x[i] * x[i];
  }
  Segmenter sg = { s1, s2, 6 * sigma * sigma * log((double)n), b + 1, 0 };
  split(&sg, 0, n);
  b[0] = 0;
  nb = sg.ncuts + 1;
  b[nb] = n;      /* segments [b[i], b[i+1]) for i < nb */
  /* Merge neighbours that agree, until none do: their medians are within the band, or their
   * means within two standard errors (the noise cannot tell them apart). */
  for (i = 0; i + 1 < nb;) {
    size_t n1 = b[i + 1] - b[i], n2 = b[i + 2] - b[i + 1];
    double m1 = median(x + b[i], n1), m2 = median(x + b[i + 1], n2);
    double a1 = (s1[b[i + 1]] - s1[b[i]]) / (double)n1, a2 = (s1[b[i + 2]] - s1[b[i + 1]]) / (double)n2;
    double big = m1 > m2 ? m1 : m2;
    if (fabs(m1 - m2) <= tol * big || fabs(a1 - a2) <= 2 * sigma * sqrt(1.0 / n1 + 1.0 / n2)) {
      for (j = i + 1; j < nb; j++)
        b[j] = b[j + 1];
      nb--;
      i = i ? i - 1 : 0;
    } else {
      i++;
    }
  }
  out->segments = nb;
  out->median = median(x + b[nb - 1], n - b[nb - 1]);
  if (n - b[nb - 1] < need_of(n)) {
    out->verdict = "no steady state";
    goto done;
  }
  out->index = (long)b[nb - 1];
  if (nb == 1) {
    out->verdict = "flat";
    goto done;
  }
  out->before = median(x + b[nb - 2], b[nb - 1] - b[nb - 2]);
  out->verdict = out->before > out->median ? "warm-up" : "slowdown";
done:
  free(x);
  free(d);
  free(s1);
  free(s2);
  free(b);
}

void wu_analyze(WuRun *r, double tol, int changepoint)
{
  double *x = malloc((r->nmarks ? r->nmarks : 1) * sizeof *x);
  size_t i;
  if (!x) {
    wu_steady(NULL, 0, tol, &r->steady);
    return;
  }
  for (i = 0; i < r->nmarks; i++)
    x[i] = r->marks[i].ms;
  if (changepoint)
    wu_steady_cp(x, r->nmarks, tol, &r->steady);
  else
    wu_steady(x, r->nmarks, tol, &r->steady);
  free(x);
}

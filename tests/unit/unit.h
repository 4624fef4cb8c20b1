/* unit.h: a small kselftest-style harness for the C unit tests in tests/unit/.
 *
 * Each test is a function registered with UNIT_TEST; unit_main() runs them in order, each in
 * a forked child with a timeout, and prints TAP 13 ("ok N name", "not ok N name",
 * "ok N name # SKIP reason") and the final "N passed, N failed, N skipped". A test fails by
 * returning UNIT_FAIL (the EXPECT/ASSERT macros print what differed as "# " lines), skips
 * with UNIT_SKIP("reason"). Exit status: 1 if anything failed, else 0 (4 if all skipped).
 */
#ifndef JOLT_UNIT_H
#define JOLT_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

enum { UNIT_PASS = 0, UNIT_FAILED = 1, UNIT_SKIPPED = 4 };

typedef int (*UnitFn)(void);
typedef struct { const char *name; UnitFn fn; } UnitCase;

#define UNIT_MAX 256
static UnitCase unit_cases[UNIT_MAX];
static int unit_ncases;
static int unit_failed_here;   /* EXPECT failures in the running test (child process) */

#define UNIT_TEST(name) \
  static int name(void); \
  __attribute__((constructor)) static void unit_reg_##name(void) \
  { if (unit_ncases < UNIT_MAX) unit_cases[unit_ncases++] = (UnitCase){ #name, name }; } \
  static int name(void)

#define UNIT_SKIP(reason) do { printf("# SKIP %s\n", (reason)); fflush(stdout); \
    return UNIT_SKIPPED; } while (0)
#define UNIT_DONE() return unit_failed_here ? UNIT_FAILED : UNIT_PASS

#define EXPECT_TRUE(c) do { if (!(c)) { printf("# %s:%d: expected %s\n", __FILE__, __LINE__, #c); \
    unit_failed_here = 1; } } while (0)
#define ASSERT_TRUE(c) do { if (!(c)) { printf("# %s:%d: expected %s\n", __FILE__, __LINE__, #c); \
    return UNIT_FAILED; } } while (0)
#define EXPECT_EQ(want, got) do { long long w_ = (long long)(want), g_ = (long long)(got); \
    if (w_ != g_) { printf("# %s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, #got, w_, g_); \
    unit_failed_here = 1; } } while (0)
#define ASSERT_EQ(want, got) do { long long w_ = (long long)(want), g_ = (long long)(got); \
    if (w_ != g_) { printf("# %s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, #got, w_, g_); \
    return UNIT_FAILED; } } while (0)
#define EXPECT_STREQ(want, got) do { const char *w_ = (want), *g_ = (got); \
    if (strcmp(w_, g_) != 0) { printf("# %s:%d: %s:\n#   expected: %s\n#   got:      %s\n", \
    __FILE__, __LINE__, #got, w_, g_); unit_failed_here = 1; } } while (0)

static int unit_main(int timeout_s)
{
  int np = 0, nf = 0, ns = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);   /* children's "# " lines must not be lost in a pipe */
  printf("TAP version 13\n1..%d\n", unit_ncases);
  fflush(stdout);
  for (int i = 0; i < unit_ncases; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      alarm((unsigned)timeout_s);
      int r = unit_cases[i].fn();
      fflush(stdout);
      _exit(r);
    }
    int st = 0, r;
    waitpid(pid, &st, 0);
    r = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (r == UNIT_PASS) { np++; printf("ok %d %s\n", i + 1, unit_cases[i].name); }
    else if (r == UNIT_SKIPPED) { ns++; printf("ok %d %s # SKIP (see above)\n", i + 1, unit_cases[i].name); }
    else {
      nf++;
      if (WIFSIGNALED(st))
        printf("# killed by signal %d%s\n", WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
      printf("not ok %d %s\n", i + 1, unit_cases[i].name);
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed, %d skipped\n", np, nf, ns);
  return nf ? 1 : (np == 0 && ns > 0 ? 4 : 0);
}

#endif

/* load_workers.c: pre-forked workers (jolt-load --workers=N).
 *
 * The loader streams, verifies and binds the snapshot once, and compiles the program (the
 * script is parsed and every function bound to its record and code) up to its first
 * instruction; only then does it fork the workers. So each worker starts with the records,
 * the code and the slot tables already in place, in pages it shares with its siblings: the
 * region is private anonymous memory nobody writes after the fork (copy-on-write keeps one
 * copy), and the code lives in memfd chunks mapped shared, which a worker never places into
 * again (jit_after_fork). The parent stays at that point, so a worker that dies is replaced by
 * a fresh fork of the same state. SIGTERM (or SIGINT) to the parent ends all of them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "jit.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
  stopping = sig;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fork one worker; 0 in the worker, its pid (or -1) in the parent. */
static pid_t spawn(void)
{
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    jit_after_fork();
  }
  return pid;
}

static void describe(int st, char *out, size_t n)
{
  if (WIFSIGNALED(st))
    snprintf(out, n, "killed by signal %d", WTERMSIG(st));
  else
    snprintf(out, n, "exited with status %d", WEXITSTATUS(st));
}

int load_workers_run(int n, const char *label, int verbose)
{
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  double *born = calloc((size_t)n, sizeof *born);
  if (!pids || !born) {
    fprintf(stderr, "%s: out of memory for %d workers: running one process\n", label, n);
    return 0;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  for (int i = 0; i < n; i++) {
    pid_t pid = spawn();
    if (pid == 0) {              /* a worker: the supervisor's tables are not its business */
      free(pids);
      free(born);
      return 0;
    }
    pids[i] = pid;
    born[i] = now_s();
    if (pid < 0)
      fprintf(stderr, "%s: fork: %s\n", label, strerror(errno));
    else if (verbose)
      fprintf(stderr, "%s: worker %d started (pid %d)\n", label, i, (int)pid);
  }
  int alive = 0, failed = 0;
  for (int i = 0; i < n; i++)
    alive += pids[i] > 0;
  double backoff = 0.1;
  while (alive > 0) {
    int st;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno != EINTR)
        break;
      if (stopping) {
        for (int i = 0; i < n; i++)
          if (pids[i] > 0)
            kill(pids[i], SIGTERM);
      }
      continue;
    }
    int i;
    for (i = 0; i < n && pids[i] != pid; i++) {}
    if (i == n)
      continue;
    pids[i] = 0;
    alive--;
    char how[64];
    describe(st, how, sizeof how);
    int clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (stopping || clean) {
      if (verbose || !clean)
        fprintf(stderr, "%s: worker %d (pid %d) %s\n", label, i, (int)pid, how);
      failed |= !clean && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
      continue;
    }
    /* A worker died: replace it, waiting longer each time one dies young (a crash loop). */
    backoff = now_s() - born[i] < 1.0 ? (backoff * 2 > 5 ? 5 : backoff * 2) : 0.1;
    struct timespec ts = { (time_t)backoff, (long)((backoff - (double)(time_t)backoff) * 1e9) };
    nanosleep(&ts, NULL);
    if (stopping)
      continue;
    pid_t np = spawn();
    if (np == 0) {
      free(pids);
      free(born);
      return 0;
    }
    fprintf(stderr, "%s: worker %d (pid %d) %s: restarted as pid %d\n", label, i, (int)pid, how,
            (int)np);
    if (np > 0) {
      pids[i] = np;
      born[i] = now_s();
      alive++;
    }
  }
  if (verbose)
    fprintf(stderr, "%s: all workers ended%s\n", label, stopping ? " (stopped)" : "");
  fflush(NULL);
  _exit(failed ? 1 : 0);
}

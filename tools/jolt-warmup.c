/* jolt-warmup: measure a jolt process's warm-up from outside with eBPF.
 *
 *   jolt-warmup [--csv|--json] [-o FILE] [--plot out.svg] [--hz N] [--tolerance PCT]
 *               [--method rule|changepoint] [--gc-steps|--no-gc] [-v] (-p PID | -- command...)
 *   jolt-warmup [--csv|--json] [-o FILE] [--plot out.svg] --intervals FILE   (analysis only)
 *   jolt-warmup --check                                      (may this process trace?)
 *
 * Life cycle (as libbpf-bootstrap): open the skeleton, set its rodata knobs, load, pin the
 * maps under /sys/fs/bpf/jolt/, publish the address ranges, attach the USDT programs to the
 * process and a CPU-clock perf event to it, poll the ring buffer until the process exits
 * (publishing the JIT's code ranges again whenever its mappings change), read the maps,
 * report; everything is released at one label. A command is started stopped: the
 * child asks to be traced (PTRACE_TRACEME), so it stops right after exec, before its first
 * instruction; the tool attaches, then lets it go (PTRACE_DETACH).
 *
 * Exit status: 0 done, 1 error or the command failed, 2 usage, 4 cannot trace here (no
 * CAP_BPF/CAP_PERFMON, no BTF): the reason is one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "wu.h"
#include "warmup.skel.h"

#define EXIT_SKIP 4
#define BPFFS "/sys/fs/bpf"
#define PIN_DIR BPFFS "/jolt"
#define BPF_FS_MAGIC_ 0xcafe4a11
#define BTF_PATH "/sys/kernel/btf/vmlinux"

typedef struct Opts {
  int csv, json, verbose, gc_steps, no_gc, check, changepoint, hz;
  double tol;
  const char *plot, *intervals, *out;
  int compare;              /* --compare: the operands are CSV files to plot together */
  pid_t pid;
  char **argv;
} Opts;

static volatile sig_atomic_t interrupted;
static uint64_t t0_ns;

/* How often the tool looks for new JIT code mappings when no compilation told it to. */
#define REMAP_NS 100000000ULL

/* The published address ranges: the binary's (fixed) plus the JIT code region's (they grow).
 * The BPF side reads set `live` of its ranges map; a new set goes into the other one. */
typedef struct Ranges {
  struct wu_addr_range *bin, *jit, *all;
  int nbin, njit, live;
  uint64_t checked_ns;      /* last look at /proc/PID/maps */
  int dirty;                /* a compilation ended since: look now */
} Ranges;

static void on_sigint(int sig)
{
  (void)sig;
  interrupted = 1;
}

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double ms_since_t0(uint64_t ns)
{
  return ns < t0_ns ? 0 : (double)(ns - t0_ns) / 1e6;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
  (void)level;
  return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
  fprintf(f, "usage: jolt-warmup [--csv|--json] [-o FILE] [--plot out.svg] [--hz N]\n"
             "                   [--tolerance PCT] [--method rule|changepoint]\n"
             "                   [--gc-steps|--no-gc] [-v]\n"
             "                   (-p PID | -- command...)\n"
             "       jolt-warmup [--csv|--json] [-o FILE] [--plot out.svg] --intervals FILE\n"
             "       jolt-warmup --plot out.svg --compare RUN.csv RUN.csv...   (runs side by side)\n"
             "       jolt-warmup --check     (exit 0 if this process may trace, else 4)\n");
}

static int parse_opts(int argc, char **argv, Opts *o)
{
  static const struct option longs[] = {
    { "csv", no_argument, NULL, 'c' }, { "json", no_argument, NULL, 'j' },
    { "plot", required_argument, NULL, 'P' }, { "hz", required_argument, NULL, 'F' },
    { "tolerance", required_argument, NULL, 't' }, { "gc-steps", no_argument, NULL, 'g' },
    { "intervals", required_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
    { "verbose", no_argument, NULL, 'v' }, { "no-gc", no_argument, NULL, 'G' },
    { "output", required_argument, NULL, 'o' }, { "check", no_argument, NULL, 'C' },
    { "method", required_argument, NULL, 'M' }, { "compare", no_argument, NULL, 'K' },
    { NULL, 0, NULL, 0 }
  };
  int c;
  char *end;
  *o = (Opts){ .hz = 999, .tol = 0.05 };
  while ((c = getopt_long(argc, argv, "+p:o:hv", longs, NULL)) != -1) {
    switch (c) {
    case 'c': o->csv = 1; break;
    case 'j': o->json = 1; break;
    case 'P': o->plot = optarg; break;
    case 'g': o->gc_steps = 1; break;
    case 'G': o->no_gc = 1; break;
    case 'i': o->intervals = optarg; break;
    case 'v': o->verbose = 1; break;
    case 'K': o->compare = 1; break;
    case 'o': o->out = optarg; break;
    case 'C': o->check = 1; return 0;
    case 'M':
      if (strcmp(optarg, "rule") && strcmp(optarg, "changepoint")) goto bad;
      o->changepoint = !strcmp(optarg, "changepoint");
      break;
    case 'F':
      o->hz = (int)strtol(optarg, &end, 10);
      if (*end || o->hz < 0 || o->hz > 100000) goto bad;
      break;
    case 't':
      o->tol = strtod(optarg, &end) / 100;
      if (*end || !(o->tol > 0 && o->tol < 1)) goto bad;
      break;
    case 'p':
      o->pid = (pid_t)strtol(optarg, &end, 10);
      if (*end || o->pid <= 0) goto bad;
      break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
  }
  o->argv = optind < argc ? argv + optind : NULL;
  if (o->csv && o->json) {
    fprintf(stderr, "jolt-warmup: --csv and --json exclude each other\n");
    return -1;
  }
  if (o->compare) {
    if (!o->plot || !o->argv) {
      fprintf(stderr, "jolt-warmup: --compare needs --plot out.svg and CSV files\n");
      return -1;
    }
    return 0;
  }
  if (!o->intervals && !!o->pid == !!o->argv) {
    usage(stderr);
    return -1;
  }
  return 0;
bad:
  fprintf(stderr, "jolt-warmup: bad value '%s' for an option\n", optarg);
  return -1;
}

/* Write the report (to -o FILE, else stdout, which the traced command shares); 0 or -1. */
static int output(const Opts *o, WuRun *r)
{
  FILE *f = o->out ? fopen(o->out, "w") : stdout;
  int rc = 0;
  if (!f) {
    fprintf(stderr, "jolt-warmup: %s: %s\n", o->out, strerror(errno));
    return -1;
  }
  wu_analyze(r, o->tol, o->changepoint);
  if (o->csv)
    wu_print_csv(f, r);
  else if (o->json)
    wu_print_json(f, r);
  else
    wu_print_table(f, r);
  if (f != stdout ? fclose(f) : fflush(f)) {
    fprintf(stderr, "jolt-warmup: %s: %s\n", o->out ? o->out : "stdout", strerror(errno));
    rc = -1;
  }
  if (o->plot && (rc = wu_plot_svg(o->plot, r)) < 0)
    fprintf(stderr, "jolt-warmup: %s: %s\n", o->plot, strerror(-rc));
  return rc ? -1 : 0;
}

/* --compare: several runs' CSV reports in one picture. */
static int compare_files(const Opts *o)
{
  WuSeries s[6];
  int n = 0, rc = 0;
  for (char **a = o->argv; *a && n < 6; a++, n++) {
    int e = wu_read_csv_series(*a, &s[n]);
    if (e < 0) {
      fprintf(stderr, "jolt-warmup: %s: %s\n", *a, e == -EINVAL ? "no iteration_ms rows (not a "
              "--csv report of a run with jolt.mark)" : strerror(-e));
      rc = 1;
      n++;
      break;
    }
  }
  if (!rc && (rc = wu_plot_compare(o->plot, s, n)) < 0) {
    fprintf(stderr, "jolt-warmup: %s: %s\n", o->plot, strerror(-rc));
    rc = 1;
  }
  for (int k = 0; k < n; k++) {
    free(s[k].t_ms);
    free(s[k].ms);
  }
  return rc;
}

/* --intervals FILE: analyse iteration times (ms, one a line) without tracing anything. */
static int analyze_file(const Opts *o)
{
  WuRun r = { .pid = 0, .status = -1, .start_ms = -1, .prev_ms = 0 };
  FILE *f = strcmp(o->intervals, "-") ? fopen(o->intervals, "r") : stdin;
  double v, t = 0;
  int rc = 0;
  if (!f) {
    fprintf(stderr, "jolt-warmup: %s: %s\n", o->intervals, strerror(errno));
    return 1;
  }
  while (fscanf(f, "%lf", &v) == 1) {
    t += v;
    if (wu_add_mark(&r, t, "") < 0) {
      rc = 1;
      break;
    }
  }
  if (!feof(f)) {
    fprintf(stderr, "jolt-warmup: %s: not a list of numbers\n", o->intervals);
    rc = 1;
  }
  if (f != stdin)
    fclose(f);
  if (!rc) {
    r.duration_ms = t;
    rc = output(o, &r) ? 1 : 0;
  }
  free(r.marks);
  return rc;
}

/* Why this process cannot trace, or NULL if it can (root, or CAP_BPF with CAP_PERFMON). */
static const char *cannot_trace(void)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d))
    return "cannot read this process's capabilities";
#define HAS(cap) (d[(cap) / 32].effective & (1u << ((cap) % 32)))
  if (!HAS(CAP_SYS_ADMIN) && !(HAS(CAP_BPF) && HAS(CAP_PERFMON)))
    return "needs root, or CAP_BPF and CAP_PERFMON (unprivileged BPF is disabled here)";
#undef HAS
  if (access(BTF_PATH, R_OK))
    return "the kernel has no BTF (" BTF_PATH " is missing)";
  return NULL;
}

/* Mount bpffs on /sys/fs/bpf if it is not there (as on a fresh machine), and make PIN_DIR. */
static int prepare_pin_dir(void)
{
  struct statfs st;
  if (statfs(BPFFS, &st) || st.f_type != BPF_FS_MAGIC_) {
    if (mount("bpf", BPFFS, "bpf", 0, NULL)) {
      fprintf(stderr, "jolt-warmup: cannot mount bpffs on " BPFFS ": %s\n", strerror(errno));
      return -errno;
    }
  }
  if (mkdir(PIN_DIR, 0700) && errno != EEXIST) {
    fprintf(stderr, "jolt-warmup: " PIN_DIR ": %s\n", strerror(errno));
    return -errno;
  }
  return 0;
}

/* The maps bpftool may read while a run is traced. */
static struct bpf_map *pinned_maps(struct warmup_bpf *skel, int i)
{
  struct bpf_map *m[] = { skel->maps.counters, skel->maps.samples, skel->maps.ranges };
  return i < (int)(sizeof m / sizeof *m) ? m[i] : NULL;
}

static int pin_maps(struct warmup_bpf *skel)
{
  struct bpf_map *m;
  char path[PATH_MAX];
  for (int i = 0; (m = pinned_maps(skel, i)); i++) {
    snprintf(path, sizeof path, PIN_DIR "/%s", bpf_map__name(m));
    unlink(path);    /* a stale pin of a tracer that was killed */
    int rc = bpf_map__pin(m, path);
    if (rc) {
      fprintf(stderr, "jolt-warmup: pin %s: %s\n", path, strerror(-rc));
      return rc;
    }
  }
  return 0;
}

static void unpin_maps(struct warmup_bpf *skel)
{
  struct bpf_map *m;
  for (int i = 0; (m = pinned_maps(skel, i)); i++)
    if (bpf_map__is_pinned(m))
      bpf_map__unpin(m, NULL);
  rmdir(PIN_DIR);    /* fails harmlessly while another tracer keeps pins there */
}

/* The event handler's context. */
typedef struct Trace {
  WuRun *r;
  Ranges *rg;
} Trace;

static int on_event(void *ctx, void *data, size_t size)
{
  WuRun *r = ((Trace *)ctx)->r;
  const struct wu_event *e = data;
  char label[WU_LABEL_LEN];
  if (size < sizeof *e)
    return 0;
  double t = ms_since_t0(e->ts_ns);
  switch (e->type) {
  case WU_EV_START:
    r->start_ms = r->prev_ms = t;
    break;
  case WU_EV_MARK:
    memcpy(label, e->label, sizeof label);
    label[sizeof label - 1] = 0;
    return wu_add_mark(r, t, label) < 0 ? -ENOMEM : 0;
  case WU_EV_LOAD:
    if (r->nphases < WU_MAXPHASES) {
      WuPhase *ph = &r->phases[r->nphases++];
      ph->t_ms = t;
      ph->since_start_ms = (double)e->a / 1e6;
      memcpy(ph->name, e->label, sizeof ph->name);
      ph->name[sizeof ph->name - 1] = 0;
    }
    /* Bound snapshot code is in the code region from now on: classify samples in it. */
    ((Trace *)ctx)->rg->dirty = 1;
    break;
  case WU_EV_STABLE: {
    WuStable st = { t, e->a, e->b };
    return wu_add_stable(r, &st) < 0 ? -ENOMEM : 0;
  }
  case WU_EV_GC: {
    WuGc g = { t - e->dur_ns / 1e6, e->dur_ns / 1e6, (int)e->a, (long long)e->b, e->c };
    return wu_add_gc(r, &g) < 0 ? -ENOMEM : 0;
  }
  case WU_EV_COMPILE_BEGIN:
    r->pending = (WuCompile){ .t_ms = t, .fid = e->a };
    memcpy(r->pending.name, e->label, sizeof r->pending.name);
    r->pending.name[sizeof r->pending.name - 1] = 0;
    break;
  case WU_EV_COMPILE_END: {
    WuCompile c = { .t_ms = t - e->dur_ns / 1e6, .ms = e->dur_ns / 1e6, .fid = e->a,
                    .bytes = e->b };
    if (r->pending.t_ms >= 0 && r->pending.fid == e->a)
      memcpy(c.name, r->pending.name, sizeof c.name);
    r->pending.t_ms = -1;
    ((Trace *)ctx)->rg->dirty |= e->b != 0;     /* new code: maybe a new chunk was mapped */
    return wu_add_compile(r, &c) < 0 ? -ENOMEM : 0;
  }
  default:
    break;
  }
  return 0;
}

/* Start argv stopped right after its exec; returns the pid or -errno (reason on stderr). A
 * close-on-exec pipe carries the child's failure (which step, errno) back, if any. */
static pid_t spawn_stopped(char **argv)
{
  int pfd[2], st, err[2] = { 0, 0 };
  if (pipe2(pfd, O_CLOEXEC))
    return -errno;
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0) {
      execvp(argv[0], argv);
      err[0] = 1;
    }
    err[1] = errno;
    if (write(pfd[1], err, sizeof err) < 0)
      _exit(127);
    _exit(127);
  }
  close(pfd[1]);
  if (read(pfd[0], err, sizeof err) == (ssize_t)sizeof err) {
    close(pfd[0]);
    waitpid(pid, &st, 0);
    fprintf(stderr, "jolt-warmup: %s: %s\n", err[0] ? argv[0] : "ptrace(PTRACE_TRACEME)",
            strerror(err[1]));
    return -err[1];
  }
  close(pfd[0]);
  if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) {
    fprintf(stderr, "jolt-warmup: %s did not stop after exec\n", argv[0]);
    return -ECHILD;
  }
  return pid;
}

/* Let a stopped child through execs until it runs a jolt binary (a shell may exec one);
 * 0 when it does, -ECHILD (reason on stderr) when it exited first. */
static int follow_to_jolt(pid_t pid, char *exe, size_t len)
{
  char link[64];
  int st;
  snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
  for (;;) {
    ssize_t n = readlink(link, exe, len - 1);
    if (n > 0) {
      exe[n] = 0;
      if (wu_is_jolt(link))
        return 0;
    }
    int sig = 0;
    do {
      if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) || waitpid(pid, &st, 0) < 0) {
        fprintf(stderr, "jolt-warmup: lost the command: %s\n", strerror(errno));
        return -ECHILD;
      }
      if (!WIFSTOPPED(st)) {
        fprintf(stderr, "jolt-warmup: the command exited without running jolt\n");
        return -ECHILD;
      }
      sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);    /* SIGTRAP: the next exec */
    } while (sig);
  }
}

static int open_sampler(pid_t pid, int hz)
{
  struct perf_event_attr a = {
    .type = PERF_TYPE_SOFTWARE, .size = sizeof a, .config = PERF_COUNT_SW_CPU_CLOCK,
    .sample_freq = (uint64_t)hz, .freq = 1,
  };
  int fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* Attach the USDT programs; without gc, not the GC probes (each traced hit costs a trap, and
 * an allocating program makes thousands of incremental steps a second). jolt:fn_stable is
 * optional: a binary without it is traced without it (r->has_stable_probe says which). */
static int attach_probes(struct warmup_bpf *skel, WuRun *r, const char *exe, bool gc, bool steps)
{
  struct { struct bpf_program *prog; struct bpf_link **link; const char *name; bool gc; } p[] = {
    { skel->progs.on_start, &skel->links.on_start, "start", false },
    { skel->progs.on_exit, &skel->links.on_exit, "exit", false },
    { skel->progs.on_mark, &skel->links.on_mark, "mark", false },
    { skel->progs.on_gc_begin, &skel->links.on_gc_begin, "gc_begin", true },
    { skel->progs.on_gc_end, &skel->links.on_gc_end, "gc_end", true },
    /* Incremental steps: each with --gc-steps, else in batches (one trap per 64 steps). */
    { skel->progs.on_gc_step_begin, &skel->links.on_gc_step_begin, "gc_step_begin", true },
    { skel->progs.on_gc_step_end, &skel->links.on_gc_step_end, "gc_step_end", true },
    { skel->progs.on_gc_steps, &skel->links.on_gc_steps, "gc_steps", true },
  };
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) {
    if (p[i].gc && !gc)
      continue;
    int perstep = p[i].link == &skel->links.on_gc_step_begin || p[i].link == &skel->links.on_gc_step_end;
    if (p[i].link == &skel->links.on_gc_steps ? steps : perstep && !steps)
      continue;
    *p[i].link = bpf_program__attach_usdt(p[i].prog, r->pid, exe, "jolt", p[i].name, NULL);
    if (!*p[i].link) {
      int rc = -errno;
      fprintf(stderr, "jolt-warmup: attach USDT jolt:%s in %s: %s\n", p[i].name, exe,
              strerror(-rc));
      return rc;
    }
  }
  skel->links.on_fn_stable = bpf_program__attach_usdt(skel->progs.on_fn_stable, r->pid, exe,
                                                      "jolt", "fn_stable", NULL);
  /* Optional too: only jump-starts fire it, and older binaries lack it. */
  skel->links.on_load_phase = bpf_program__attach_usdt(skel->progs.on_load_phase, r->pid, exe,
                                                       "jolt", "load_phase", NULL);
  r->has_stable_probe = skel->links.on_fn_stable != NULL;
  /* The JIT's probes, as a group: a binary without them is traced without them. */
  skel->links.on_compile_begin = bpf_program__attach_usdt(skel->progs.on_compile_begin, r->pid,
                                                          exe, "jolt", "compile_begin", NULL);
  skel->links.on_compile_end = bpf_program__attach_usdt(skel->progs.on_compile_end, r->pid,
                                                        exe, "jolt", "compile_end", NULL);
  skel->links.on_deopt = bpf_program__attach_usdt(skel->progs.on_deopt, r->pid, exe, "jolt",
                                                  "deopt", NULL);
  r->has_jit_probes = skel->links.on_compile_begin && skel->links.on_compile_end &&
                      skel->links.on_deopt;
  return 0;
}

/* Look at the JIT's code mappings again and publish the ranges if they changed; 0, or -errno
 * (the process is gone, or too many ranges: the last published set stays). */
static int publish_ranges(struct warmup_bpf *skel, Ranges *rg, pid_t pid, bool force)
{
  struct wu_addr_range *jit = rg->all + WU_NRANGES;     /* scratch: the second half */
  int fd = bpf_map__fd(skel->maps.ranges);
  rg->checked_ns = now_ns();
  rg->dirty = 0;
  int nj = wu_jit_ranges(pid, jit, WU_NRANGES);
  if (nj < 0)
    return nj;
  /* The region is never unmapped while the code may run (jit.h); an empty maps is a process
   * that is exiting or a zombie: keep the last set, which the report describes. */
  if (nj == 0 && rg->njit > 0)
    return 0;
  if (!force && nj == rg->njit && !memcmp(jit, rg->jit, (size_t)nj * sizeof *jit))
    return 0;
  int n = wu_merge_ranges(rg->bin, rg->nbin, jit, nj, rg->all, WU_NRANGES);
  if (n < 0)
    return n;
  memcpy(rg->jit, jit, (size_t)nj * sizeof *jit);
  rg->njit = nj;
  /* Fill the set the BPF side does not read, then switch to it with one store. */
  int set = !rg->live;
  for (__u32 i = 0; i < (__u32)n; i++) {
    __u32 key = (__u32)set * WU_NRANGES + i;
    int e = bpf_map_update_elem(fd, &key, &rg->all[i], BPF_ANY);
    if (e)
      return -errno;
  }
  __atomic_store_n(&skel->bss->range_sel, WU_RANGE_SEL(set, n), __ATOMIC_RELEASE);
  rg->live = set;
  return 0;
}

/* While tracing: publish new JIT ranges when a compilation ended or REMAP_NS passed. */
static void refresh_ranges(struct warmup_bpf *skel, Ranges *rg, pid_t pid)
{
  if (rg->dirty || now_ns() - rg->checked_ns >= REMAP_NS)
    publish_ranges(skel, rg, pid, false);     /* a failure keeps the previous set */
}

/* Copy the BPF side's counters of r->pid and its sample buckets into r. */
static int read_maps(struct warmup_bpf *skel, WuRun *r)
{
  __u32 key = (__u32)r->pid;
  int fd = bpf_map__fd(skel->maps.counters);
  size_t last = 0;
  bpf_map_lookup_elem(fd, &key, &r->ctr);
  r->buckets = calloc(WU_NBUCKETS, sizeof *r->buckets);
  r->deopt_buckets = calloc(WU_NBUCKETS, sizeof *r->deopt_buckets);
  if (!r->buckets || !r->deopt_buckets)
    return -ENOMEM;
  fd = bpf_map__fd(skel->maps.samples);
  for (__u32 b = 0; b < WU_NBUCKETS; b++) {
    for (__u32 c = 0; c < WU_NCLASS; c++) {
      __u64 v = 0;
      key = b * WU_NCLASS + c;
      bpf_map_lookup_elem(fd, &key, &v);
      r->buckets[b][c] = v;
      if (v)
        last = b + 1;
    }
  }
  fd = bpf_map__fd(skel->maps.deopt_buckets);
  for (__u32 b = 0; b < WU_NBUCKETS; b++) {
    bpf_map_lookup_elem(fd, &b, &r->deopt_buckets[b]);
    if (r->deopt_buckets[b] && b + 1 > last)
      last = b + 1;
  }
  r->nbuckets = last;
  return 0;
}

static int process_alive(pid_t pid, bool child, int *status)
{
  int st;
  if (child) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return 0;
    }
    return w == 0;
  }
  /* Not our child: gone when it cannot be signalled or is a zombie nobody reaped yet. */
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* Consume events until the process exits (a pidfd says when, to the microsecond) or SIGINT;
 * sets r->duration_ms, and r->status for a child. 0, or -1 with the reason on stderr. */
static int trace_until_exit(struct ring_buffer *rb, WuRun *r, bool child,
                            struct warmup_bpf *skel, Ranges *rg)
{
  int pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0), st, rc = 0;
  struct pollfd p[2] = { { ring_buffer__epoll_fd(rb), POLLIN, 0 }, { pidfd, POLLIN, 0 } };
  for (;;) {
    int n = poll(p, pidfd >= 0 ? 2 : 1, 100);
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "jolt-warmup: poll: %s\n", strerror(errno));
      rc = -1;
      break;
    }
    int e = ring_buffer__consume(rb);
    if (e < 0) {
      fprintf(stderr, "jolt-warmup: ring buffer: %s\n", strerror(-e));
      rc = -1;
      break;
    }
    if (interrupted)
      break;
    refresh_ranges(skel, rg, r->pid);
    if (pidfd >= 0 ? n > 0 && (p[1].revents & POLLIN) : !process_alive(r->pid, child, &r->status))
      break;
  }
  r->duration_ms = ms_since_t0(now_ns());
  ring_buffer__consume(rb);
  if (!rc && !interrupted && child && r->status < 0 && waitpid(r->pid, &st, 0) == r->pid)
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (pidfd >= 0)
    close(pidfd);
  return rc;
}

int main(int argc, char **argv)
{
  Opts o;
  WuRun r = { .status = -1, .start_ms = -1, .prev_ms = -1, .pending = { .t_ms = -1 } };
  struct warmup_bpf *skel = NULL;
  struct ring_buffer *rb = NULL;
  struct bpf_link *sample_link = NULL;
  Ranges rg = { .live = 1 };     /* the first publication fills set 0 */
  Trace tr = { &r, &rg };
  char exe[PATH_MAX], err[512];
  bool child = false, pinned = false;
  int rc = 1, n, sfd = -1;
  const char *why;

  if (parse_opts(argc, argv, &o))
    return 2;
  if (o.intervals)
    return analyze_file(&o);
  if (o.compare)
    return compare_files(&o);
  if ((why = cannot_trace())) {
    fprintf(stderr, "jolt-warmup: cannot trace: %s\n", why);
    return EXIT_SKIP;
  }
  if (o.check)
    return 0;
  libbpf_set_print(o.verbose ? libbpf_print : NULL);
  signal(SIGINT, on_sigint);
  signal(SIGTERM, on_sigint);

  r.argv = o.argv;
  r.hz = o.hz;
  if (o.argv) {
    r.pid = spawn_stopped(o.argv);
    if (r.pid < 0)
      return 1;
    child = true;
    if (follow_to_jolt(r.pid, exe, sizeof exe))
      goto cleanup;
  } else {
    char link[64];
    r.pid = o.pid;
    snprintf(link, sizeof link, "/proc/%d/exe", (int)r.pid);
    ssize_t len = readlink(link, exe, sizeof exe - 1);
    if (len <= 0) {
      fprintf(stderr, "jolt-warmup: process %d: %s\n", (int)r.pid, strerror(errno));
      goto cleanup;
    }
    exe[len] = 0;
  }
  /* Read the executable through /proc: it stays valid when the file was replaced. */
  snprintf(exe, sizeof exe, "/proc/%d/exe", (int)r.pid);
  rg.bin = calloc(WU_NRANGES, sizeof *rg.bin);
  rg.jit = calloc(WU_NRANGES, sizeof *rg.jit);
  rg.all = calloc(2 * WU_NRANGES, sizeof *rg.all);
  if (!rg.bin || !rg.jit || !rg.all ||
      (rg.nbin = wu_ranges(r.pid, exe, rg.bin, WU_NRANGES, err, sizeof err)) < 0) {
    fprintf(stderr, "jolt-warmup: %s\n", rg.bin && rg.jit && rg.all ? err : "out of memory");
    goto cleanup;
  }

  skel = warmup_bpf__open();
  if (!skel) {
    fprintf(stderr, "jolt-warmup: open BPF object: %s\n", strerror(errno));
    goto cleanup;
  }
  skel->rodata->gc_step_events = o.gc_steps;
  if (warmup_bpf__load(skel)) {
    int e = errno;
    fprintf(stderr, "jolt-warmup: load BPF programs: %s%s\n", strerror(e),
            o.verbose ? "" : " (-v shows the verifier's log)");
    if (e == EPERM || e == EACCES)
      rc = EXIT_SKIP;
    goto cleanup;
  }
  pinned = true;     /* from here on, cleanup removes whatever got pinned */
  if (prepare_pin_dir() || pin_maps(skel))
    goto cleanup;
  if ((n = publish_ranges(skel, &rg, r.pid, true)) < 0) {
    fprintf(stderr, "jolt-warmup: publish address ranges: %s\n", strerror(-n));
    goto cleanup;
  }
  if (attach_probes(skel, &r, exe, !o.no_gc, o.gc_steps))
    goto cleanup;
  rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &tr, NULL);
  if (!rb) {
    fprintf(stderr, "jolt-warmup: ring buffer: %s\n", strerror(errno));
    goto cleanup;
  }
  if (o.hz) {
    sfd = open_sampler(r.pid, o.hz);
    if (sfd < 0) {
      fprintf(stderr, "jolt-warmup: perf_event_open: %s\n", strerror(-sfd));
      goto cleanup;
    }
    sample_link = bpf_program__attach_perf_event(skel->progs.on_sample, sfd);
    if (!sample_link) {
      fprintf(stderr, "jolt-warmup: attach the sampler: %s\n", strerror(errno));
      goto cleanup;
    }
    sfd = -1;     /* the link owns it now */
  }

  t0_ns = now_ns();
  skel->bss->t0_ns = t0_ns;
  if (child && ptrace(PTRACE_DETACH, r.pid, NULL, NULL)) {
    fprintf(stderr, "jolt-warmup: cannot start the command: %s\n", strerror(errno));
    goto cleanup;
  }
  if (trace_until_exit(rb, &r, child, skel, &rg))
    goto cleanup;
  r.jit_ranges = (size_t)rg.njit;
  for (int i = 0; i < rg.njit; i++)
    r.jit_bytes += rg.jit[i].hi - rg.jit[i].lo;
  if (read_maps(skel, &r))
    goto cleanup;
  int out_rc = output(&o, &r);
  if (r.ctr.ev_dropped)
    fprintf(stderr, "jolt-warmup: %llu events lost (ring buffer full)\n",
            (unsigned long long)r.ctr.ev_dropped);
  rc = out_rc || (child && r.status != 0) ? 1 : 0;
  if (child && r.status > 0)
    fprintf(stderr, "jolt-warmup: the command exited with status %d\n", r.status);
  if (child && r.status >= 0)
    child = false;    /* reaped */

cleanup:
  if (child) {        /* setup failed (or we were interrupted): do not leave it stopped */
    kill(r.pid, SIGKILL);
    waitpid(r.pid, NULL, 0);
  }
  bpf_link__destroy(sample_link);
  if (sfd >= 0)
    close(sfd);
  ring_buffer__free(rb);
  if (pinned)
    unpin_maps(skel);
  warmup_bpf__destroy(skel);
  free(rg.bin);
  free(rg.jit);
  free(rg.all);
  free(r.marks);
  free(r.gcs);
  free(r.stables);
  free(r.compiles);
  free(r.buckets);
  free(r.deopt_buckets);
  return rc;
}

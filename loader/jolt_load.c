/* jolt_load.c: jolt-load, the program that starts a process from a snapshot.
 *
 *   jolt-load [options] app.jsnap -- [jolt options] app.lua [args]
 *
 * The loader's steps are separate functions, in the order DESIGN.md gives them (load.h): pick
 * and bind the NUMA node, open the file and check its header, reserve the region (huge pages
 * when the kernel gives them), stream the file into it with io_uring verifying each section's
 * checksum as it lands, check every index (snap_parse) and the age, and hand the image to the
 * runtime, which binds it as the program's functions appear. Any failure is one line on stderr
 * ("jolt-load: app.jsnap: <why>: running cold") and the program runs cold: a snapshot can make
 * a process faster, never make it fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <numa.h>

#include "cli.h"
#include "load.h"
#include "probe.h"
#include "snap.h"
#include "snap_rt.h"

enum { IO_AUTO, IO_URING, IO_READ };
/* Below this, io_uring's set-up costs more than the reads and huge pages are mostly unused. */
#define SMALL_SNAPSHOT ((uint64_t)1 << 20)

typedef struct LoadOpts {
  const char *path;
  int nocode, verbose, phases, or_seed;
  double max_age_hours;       /* 0: no limit */
  int pages;                  /* LOAD_PAGES_* */
  const char *numa;           /* --numa-node: N or auto; NULL: leave placement alone */
  int io;                     /* --io: IO_AUTO, IO_URING, IO_READ */
  const char *dump;           /* --dump-region: the region's bytes after streaming (tests) */
  int workers;                /* --workers=N: pre-forked workers (0: none) */
  int per_node;               /* --per-node: a loader and N workers per NUMA node */
  int shared;                 /* --shared: the node's cache of verified snapshots */
  int stream_all;             /* --stream-all: everything in before the program starts */
  int argstart;               /* argv index of the jolt command line after "--" */
} LoadOpts;

typedef struct Load {
  int fd;
  uint64_t filelen;
  uint8_t hdr[SNAP_PAGE] __attribute__((aligned(64)));
  int node;                   /* -1: no NUMA placement */
  LoadRegion region;
  LoadStream stream;
  LoadCache cache;
  const char *cached;         /* --shared: "hit", "populated", or NULL (not used) */
  char cachenote[400];
  SnapImage img;
  double t0, tphase;          /* CLOCK_MONOTONIC ns: start, end of the last phase */
  char phases[400];
  char label[300];
  char why[300];
} Load;

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A phase ended: its time for --verbose and the load_phase probe. */
static void phase(Load *ld, const char *name)
{
  double t = now_ns();
  size_t l = strlen(ld->phases);
  snprintf(ld->phases + l, sizeof ld->phases - l, "%s%s %.3f ms", l ? ", " : "", name,
           (t - ld->tphase) / 1e6);
  ld->tphase = t;
  JOLT_PROBE_LOAD_PHASE(name, (unsigned long long)(t - ld->t0));
}

static void usage(void)
{
  fprintf(stderr,
    "usage: jolt-load [options] SNAPSHOT -- [jolt options] script [args]\n"
    "  --no-code         use the profile records only (compile from them)\n"
    "  --verbose         say, per function, what was used and why anything was refused\n"
    "  --phases          print one line with the load phases' times (as --verbose ends with)\n"
    "  --max-age=HOURS   refuse snapshots older than this\n"
    "  --or-seed         when the snapshot is refused, write a fresh one there at exit\n"
    "  --pages=MODE      region pages: huge (hugetlb), thp, small, auto (default)\n"
    "  --numa-node=N     run on NUMA node N (or auto: the node of the current CPU)\n"
    "  --io=MODE         uring (falls back to read), read, or auto (default: read below 1 MiB)\n"
    "  --dump-region=F   write the streamed region's bytes to F (tests compare I/O paths)\n"
    "  --slow-stream=MS  tests: the code section arrives one chunk per MS milliseconds\n"
    "  --workers=N       load once, then fork N workers sharing its code and records;\n"
    "                    a worker that dies is restarted, SIGTERM stops them all\n"
    "  --per-node        with --workers: one loader and N workers per NUMA node\n"
    "  --stream-all      read the whole snapshot before the program starts (by default the\n"
    "                    code section streams on while it runs)\n"
    "  --shared          map this node's cached copy of the snapshot (made by the first\n"
    "                    loader of it) instead of reading the file\n");
}

static int load_args(int argc, char **argv, LoadOpts *o)
{
  memset(o, 0, sizeof *o);
  int i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0)
      break;
    if (strcmp(a, "--no-code") == 0)
      o->nocode = 1;
    else if (strcmp(a, "--verbose") == 0)
      o->verbose = 1;
    else if (strcmp(a, "--phases") == 0)
      o->phases = 1;
    else if (strcmp(a, "--or-seed") == 0)
      o->or_seed = 1;
    else if (strncmp(a, "--pages=", 8) == 0) {
      if ((o->pages = load_pages_parse(a + 8)) < 0) {
        fprintf(stderr, "jolt-load: bad value in '%s' (huge, thp, small or auto)\n", a);
        return -1;
      }
    } else if (strncmp(a, "--workers=", 10) == 0) {
      char *end;
      long n = strtol(a + 10, &end, 10);
      if (*end || a[10] == '\0' || n < 1 || n > 4096) {
        fprintf(stderr, "jolt-load: bad value in '%s' (1 to 4096 workers)\n", a);
        return -1;
      }
      o->workers = (int)n;
    } else if (strcmp(a, "--per-node") == 0) {
      o->per_node = 1;
    } else if (strcmp(a, "--shared") == 0) {
      o->shared = 1;
    } else if (strcmp(a, "--stream-all") == 0) {
      o->stream_all = 1;
    } else if (strncmp(a, "--slow-stream=", 14) == 0 && a[14]) {
      load_stream_slow((unsigned)strtoul(a + 14, NULL, 10));
    } else if (strncmp(a, "--dump-region=", 14) == 0 && a[14]) {
      o->dump = a + 14;
    } else if (strncmp(a, "--numa-node=", 12) == 0 && a[12]) {
      o->numa = a + 12;
    } else if (strcmp(a, "--io=read") == 0 || strcmp(a, "--io=uring") == 0 ||
               strcmp(a, "--io=auto") == 0) {
      o->io = a[5] == 'r' ? IO_READ : a[5] == 'u' ? IO_URING : IO_AUTO;
    } else if (strncmp(a, "--max-age=", 10) == 0) {
      char *end;
      o->max_age_hours = strtod(a + 10, &end);
      if (*end || a[10] == '\0' || !(o->max_age_hours > 0)) {
        fprintf(stderr, "jolt-load: bad value in '%s' (hours expected)\n", a);
        return -1;
      }
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage();
      exit(0);
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "jolt-load: unknown option '%s'\n", a);
      usage();
      return -1;
    } else if (!o->path) {
      o->path = a;
    } else {
      fprintf(stderr, "jolt-load: one snapshot, then '--' and the program\n");
      usage();
      return -1;
    }
  }
  if (!o->path || i >= argc) {
    usage();
    return -1;
  }
  o->argstart = i + 1;
  return 0;
}

/* Step 1: open the file and find what it is. */
static int load_open(Load *ld, const char *path)
{
  ld->fd = snap_open_file(path, &ld->filelen, ld->why, sizeof ld->why);
  return ld->fd < 0 ? -1 : 0;
}

static int readat(int fd, uint8_t *p, size_t n, uint64_t off, char *why, size_t nwhy)
{
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, p + got, n - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      snprintf(why, nwhy, "read error: %s", strerror(errno));
      return -1;
    }
    if (r == 0) {
      snprintf(why, nwhy, "truncated while reading (file shrank to %llu bytes)",
               (unsigned long long)(off + got));
      return -1;
    }
    got += (size_t)r;
  }
  return 0;
}

/* Step 2: the header alone, before anything is allocated by its numbers. */
static int load_header(Load *ld)
{
  size_t h = ld->filelen < SNAP_PAGE ? (size_t)ld->filelen : SNAP_PAGE;
  if (readat(ld->fd, ld->hdr, h, 0, ld->why, sizeof ld->why) != 0)
    return -1;
  return snap_check_header(ld->hdr, h, ld->filelen, ld->why, sizeof ld->why);
}

/* Step 3: the region, on the node, faulted in, its pages read back from smaps. */
static int load_reserve(Load *ld, const LoadOpts *o)
{
  int pages = o->pages == LOAD_PAGES_AUTO && ld->filelen < SMALL_SNAPSHOT ? LOAD_PAGES_SMALL :
              o->pages;
  return load_region_reserve(&ld->region, (size_t)ld->filelen, pages, ld->node, ld->why,
                             sizeof ld->why);
}

/* Step 4: the file into the region, each section's checksum checked as it lands. */
static int load_sections(Load *ld, const LoadOpts *o)
{
  int readonly = o->io == IO_READ || (o->io == IO_AUTO && ld->filelen < SMALL_SNAPSHOT);
  /* The code section (last in the file) streams on while the program starts, unless all of
   * it is needed at once: before forking workers, dumping or publishing the region. */
  uint64_t split = 0;
  const SnapHeader *h = (const SnapHeader *)ld->hdr;
  if (!o->workers && !o->dump && !o->shared && !o->stream_all && ld->filelen >= SMALL_SNAPSHOT)
    for (uint32_t i = 0; i < h->nsections && i < SNAP_MAXSECT; i++)
      if (h->sect[i].kind == SS_CODE && i == h->nsections - 1)
        split = h->sect[i].offset;
  return load_stream(o->path, ld->fd, ld->region.base, (size_t)ld->filelen, split, readonly,
                     &ld->stream, ld->why, sizeof ld->why);
}

static int check_age(Load *ld, const LoadOpts *o)
{
  if (o->max_age_hours > 0) {
    double age = difftime(time(NULL), (time_t)ld->img.h->created) / 3600.0;
    if (age > o->max_age_hours) {
      snprintf(ld->why, sizeof ld->why, "stale: written %.1f hours ago (--max-age=%g)", age,
               o->max_age_hours);
      return -1;
    }
  }
  return 0;
}

/* Step 5: every index and count (the checksums are done), then the age. */
static int load_verify(Load *ld, const LoadOpts *o)
{
  if (snap_parse_ex(ld->region.base, (size_t)ld->filelen, &ld->img, SNAP_PARSE_CRC_DONE, ld->why,
                    sizeof ld->why) != 0)
    return -1;
  return check_age(ld, o);
}

/* Steps 3 to 5 from the file. */
static int load_file(Load *ld, const LoadOpts *o)
{
  int ok = load_reserve(ld, o) == 0;
  if (ok)
    phase(ld, "reserve");
  ok = ok && load_sections(ld, o) == 0;
  if (ok)
    phase(ld, "stream");
  ok = ok && load_verify(ld, o) == 0;
  if (ok)
    phase(ld, "verify");
  return ok;
}

/* A mapped cache file, checked whole (it lives in shared memory: trust nothing). */
static int use_cache(Load *ld, const LoadOpts *o)
{
  phase(ld, "reserve");
  if (snap_parse_ex(ld->cache.base, (size_t)ld->filelen, &ld->img, 0, ld->why, sizeof ld->why) == 0) {
    phase(ld, "stream");
    if (check_age(ld, o) != 0)
      return -1;
    phase(ld, "verify");
    ld->cached = "hit";
    return 0;
  }
  snap_image_free(&ld->img);
  snprintf(ld->cachenote, sizeof ld->cachenote, "; the cache file was damaged (%s): removed",
           ld->why);
  load_cache_drop(&ld->cache);
  return 1;
}

/* --shared: this node's cache file when it exists, else the file, then published for the
 * next loaders (populated under the cache's lock, so concurrent loaders wait and then map). */
static int load_shared(Load *ld, const LoadOpts *o)
{
  char why[300];
  if (load_cache_open(&ld->cache, ld->hdr, ld->filelen, ld->node, why, sizeof why) != 0) {
    snprintf(ld->cachenote, sizeof ld->cachenote, "; no shared cache: %s", why);
    return load_file(ld, o);
  }
  int r = load_cache_map(&ld->cache, why, sizeof why);
  if (r == 0 && load_cache_lock(&ld->cache) == 0)
    r = load_cache_map(&ld->cache, why, sizeof why);   /* filled while we waited? */
  if (r == 1) {
    int u = use_cache(ld, o);
    if (u <= 0) {
      load_cache_unlock(&ld->cache);
      return u == 0;
    }
    if (ld->cache.lockfd < 0)
      load_cache_lock(&ld->cache);
  } else if (r < 0) {
    snprintf(ld->cachenote, sizeof ld->cachenote, "; shared cache not used: %s", why);
  }
  int ok = load_file(ld, o);
  if (ok && ld->cache.lockfd >= 0) {
    if (load_cache_fill(&ld->cache, ld->region.base, why, sizeof why) == 0)
      ld->cached = "populated";
    else
      snprintf(ld->cachenote, sizeof ld->cachenote, "; shared cache not written: %s", why);
  }
  load_cache_unlock(&ld->cache);
  return ok;
}

/* Step 0: the NUMA node, before any memory is touched; a failure is reported, never fatal. */
static void load_place(Load *ld, const LoadOpts *o)
{
  ld->node = -1;
  if (!o->numa)
    return;
  char why[200];
  int node = load_numa_pick(o->numa, why, sizeof why);
  if (node < 0 || load_numa_bind(node, why, sizeof why) != 0) {
    fprintf(stderr, "%s: --numa-node=%s: %s: placement left to the kernel\n", ld->label, o->numa,
            why);
    return;
  }
  ld->node = node;
  if (o->verbose)
    fprintf(stderr, "%s: node %d%s: CPUs and memory policy bound to it\n", ld->label, node,
            strcmp(o->numa, "auto") == 0 ? " (auto: the node of this CPU)" : "");
}

static void report(Load *ld)
{
  LoadRegion *r = &ld->region;
  if (ld->cached || ld->cachenote[0])
    fprintf(stderr, "%s: shared cache %s: %s%s%s\n", ld->label, ld->cache.path,
            ld->cached ? ld->cached : "not used", ld->cache.huge ? " (hugetlbfs)" : " (shmem)",
            ld->cachenote);
  if (ld->cached && strcmp(ld->cached, "hit") == 0) {
    fprintf(stderr, "%s: valid, %llu bytes, %u sections, mapped from the shared cache at %p\n",
            ld->label, (unsigned long long)ld->filelen, ld->img.h->nsections,
            (void *)ld->cache.base);
    return;
  }
  load_region_verify(r);
  fprintf(stderr, "%s: valid, %llu bytes, %u sections, seeded by %u process(es)\n", ld->label,
          (unsigned long long)ld->filelen, ld->img.h->nsections, ld->img.h->seeders);
  const char *got = r->huge_kb >= r->size / 1024 ? "huge pages" :
                    r->huge_kb ? "partly huge pages" : "4 KiB pages";
  fprintf(stderr, "%s: region %zu KiB at %p, asked %s, got %s (smaps: KernelPageSize %zu kB, "
          "huge %zu kB, Rss %zu kB)%s%s\n", ld->label, r->size >> 10, (void *)r->base,
          load_pages_name(r->pages), got,
          r->kernel_page_kb, r->huge_kb, r->rss_kb, r->note[0] ? "; " : "", r->note);
  const LoadStream *st = &ld->stream;
  fprintf(stderr, "%s: streamed with %s%s%s, %u requests of %zu KiB, at most %u in flight%s%s%s\n",
          ld->label, st->uring ? "io_uring" : "read()", st->fixed ? ", fixed buffers" : "",
          st->direct ? ", O_DIRECT" : ", buffered", st->reqs, st->chunk >> 10, st->maxinflight,
          st->background ? "; the code section streams on while the program starts" : "",
          st->note[0] ? "; " : "", st->note);
  if (ld->node >= 0) {
    long counts[8];
    size_t ps = r->kernel_page_kb ? r->kernel_page_kb * 1024 : 4096;
    int n = load_numa_where(r->base, r->size, ps, counts);
    if (n >= 0) {
      fprintf(stderr, "%s: region pages by node:", ld->label);
      for (int i = 0; i < 8; i++)
        if (counts[i])
          fprintf(stderr, " N%d=%ld", i, counts[i]);
      fprintf(stderr, " (%d of %zu pages present)\n", n, r->size / ps);
    }
  }
}

static void dump_region(const Load *ld, const char *path)
{
  FILE *f = fopen(path, "wb");
  const uint8_t *b = ld->cached && strcmp(ld->cached, "hit") == 0 ? ld->cache.base : ld->region.base;
  if (!f || fwrite(b, 1, (size_t)ld->filelen, f) != (size_t)ld->filelen)
    fprintf(stderr, "%s: --dump-region=%s: cannot write it\n", ld->label, path);
  if (f)
    fclose(f);
}

static LoadCache *live_cache;
static void release_cache(uint8_t *buf)
{
  (void)buf;
  if (live_cache && live_cache->base)
    munmap(live_cache->base, live_cache->maplen);
  live_cache = NULL;
}

static int workers_n, workers_verbose;
static void start_workers(CliSnap *cs)
{
  load_workers_run(workers_n, cs->label, workers_verbose);
}

static pid_t *node_pids;
static int node_n;
static void forward_stop(int sig)
{
  for (int i = 0; i < node_n; i++)
    if (node_pids[i] > 0)
      kill(node_pids[i], sig);
}

/* --per-node: one loader per node with CPUs, each placed there and forking its own workers;
 * returns in each of them (with its node in o->numa), the parent waits and exits. */
static void per_node(LoadOpts *o)
{
  static char spec[16];
  int nodes = 0, list[64];
  if (numa_available() >= 0)
    for (int nd = 0; nd <= numa_max_node() && nodes < 64; nd++) {
      struct bitmask *cpus = numa_allocate_cpumask();
      if (cpus && numa_node_to_cpus(nd, cpus) == 0 && numa_bitmask_weight(cpus) > 0)
        list[nodes++] = nd;
      if (cpus)
        numa_bitmask_free(cpus);
    }
  if (nodes <= 1) {              /* one node (or none known): this process is its loader */
    snprintf(spec, sizeof spec, "%d", nodes ? list[0] : 0);
    o->numa = nodes ? spec : o->numa;
    return;
  }
  pid_t pids[64];
  for (int i = 0; i < nodes; i++) {
    fflush(NULL);
    pids[i] = fork();
    if (pids[i] == 0) {
      snprintf(spec, sizeof spec, "%d", list[i]);
      o->numa = spec;
      return;
    }
  }
  node_pids = pids;
  node_n = nodes;
  signal(SIGTERM, forward_stop);
  signal(SIGINT, forward_stop);
  int failed = 0, st;
  for (int i = 0; i < nodes; i++)
    while (pids[i] > 0) {
      pid_t r = waitpid(pids[i], &st, 0);
      if (r == pids[i]) {
        failed |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        break;
      }
      if (r < 0 && errno != EINTR)
        break;
    }
  exit(failed);
}

/* The runtime gives the region back through this when the process no longer needs it. */
static LoadRegion *live_region;
static const char *live_label;
static void release_region(uint8_t *buf)
{
  (void)buf;
  char why[300];
  /* The stream thread may still write into the region: wait for it first. */
  if (load_stream_finish(why, sizeof why) != 0)
    fprintf(stderr, "%s: the code section streamed on after the start failed: %s (functions "
            "still waiting for their code stayed interpreted)\n", live_label, why);
  if (live_region)
    load_region_free(live_region);
  live_region = NULL;
}

static int code_ready(void *ctx, uint64_t off, uint64_t len)
{
  (void)ctx;
  return load_stream_ready(off, len);
}

int main(int argc, char **argv)
{
  static Load ld;
  ld.t0 = ld.tphase = now_ns();
  ld.fd = -1;
  LoadOpts o;
  if (load_args(argc, argv, &o) != 0)
    return 1;
  snprintf(ld.label, sizeof ld.label, "jolt-load: %s", o.path);
  CliSnap cs;
  memset(&cs, 0, sizeof cs);
  cs.path = o.path;
  cs.label = ld.label;
  cs.or_seed = o.or_seed;
  cs.flags = (o.nocode ? SNAPU_NOCODE : 0) | (o.verbose ? SNAPU_VERBOSE : 0) |
             (o.phases ? SNAPU_PHASES : 0);
  if (o.per_node && o.workers > 0)
    per_node(&o);
  load_place(&ld, &o);
  int ok = load_open(&ld, o.path) == 0 && load_header(&ld) == 0;
  if (ok)
    phase(&ld, "validate");
  if (ok)
    ok = o.shared ? load_shared(&ld, &o) : load_file(&ld, &o);
  if (ld.fd >= 0)
    close(ld.fd);
  if (ok) {
    cs.img = ld.img;
    if (ld.cached && strcmp(ld.cached, "hit") == 0) {
      cs.buf = ld.cache.base;
      cs.release = release_cache;
      live_cache = &ld.cache;
    } else {
      cs.buf = ld.region.base;
      cs.release = release_region;
      live_region = &ld.region;
      live_label = ld.label;
      if (ld.stream.background)
        cs.ready = code_ready;
    }
    if (o.verbose)
      report(&ld);
    if (o.dump)
      dump_region(&ld, o.dump);
  } else {
    snap_image_free(&ld.img);
    load_region_free(&ld.region);
    if (ld.cache.base)
      munmap(ld.cache.base, ld.cache.maplen);
    fprintf(stderr, "%s: %s: running cold\n", ld.label, ld.why);
    cs.refused = 1;
  }
  cs.t0 = ld.t0;
  if (o.workers > 0) {
    workers_n = o.workers;
    workers_verbose = o.verbose;
    cs.before_run = start_workers;
  }
  memcpy(cs.phases, ld.phases, sizeof cs.phases);
  /* The runtime's command line: argv[0] stays ours, the rest is what followed "--". */
  int n = argc - o.argstart;
  char **av = calloc((size_t)n + 2, sizeof *av);
  if (!av) {
    fprintf(stderr, "jolt-load: out of memory\n");
    return 1;
  }
  av[0] = argv[0];
  for (int i = 0; i < n; i++)
    av[i + 1] = argv[o.argstart + i];
  int status = cli_main(n + 1, av, &cs);
  if (cs.buf) {      /* never handed over (the command line was bad) */
    snap_image_free(&cs.img);
    cs.release(cs.buf);
  }
  free(av);
  return status;
}

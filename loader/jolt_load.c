/* jolt_load.c: jolt-load, the program that starts a process from a snapshot.
 *
 *   jolt-load [options] app.jsnap -- [jolt options] app.lua [args]
 *
 * The loader's steps are separate functions, in the order DESIGN.md gives them: open, read and
 * check the header, read the sections, verify them (checksums, every index), check the age, and
 * hand the image to the runtime, which binds it as the program's functions appear. Any failure
 * is one line on stderr ("jolt-load: app.jsnap: <why>: running cold") and the program runs
 * cold: a snapshot can make a process faster, never make it fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "snap.h"
#include "snap_rt.h"

typedef struct LoadOpts {
  const char *path;
  int nocode, verbose, or_seed;
  double max_age_hours;       /* 0: no limit */
  int argstart;               /* argv index of the jolt command line after "--" */
} LoadOpts;

typedef struct Load {
  int fd;
  uint64_t filelen;
  uint8_t *buf;
  SnapImage img;
  char label[300];
  char why[300];
} Load;

static void usage(void)
{
  fprintf(stderr,
    "usage: jolt-load [options] SNAPSHOT -- [jolt options] script [args]\n"
    "  --no-code         use the profile records only (compile from them)\n"
    "  --verbose         say, per function, what was used and why anything was refused\n"
    "  --max-age=HOURS   refuse snapshots older than this\n"
    "  --or-seed         when the snapshot is refused, write a fresh one there at exit\n");
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
    else if (strcmp(a, "--or-seed") == 0)
      o->or_seed = 1;
    else if (strncmp(a, "--max-age=", 10) == 0) {
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
  /* O_NONBLOCK: a FIFO must be refused, not waited on for a writer. */
  ld->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (ld->fd < 0) {
    snprintf(ld->why, sizeof ld->why, "cannot open: %s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(ld->fd, &st) != 0) {
    snprintf(ld->why, sizeof ld->why, "cannot stat: %s", strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(ld->why, sizeof ld->why, "is a directory");
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(ld->why, sizeof ld->why, "not a regular file");
    return -1;
  }
  if (st.st_size == 0) {
    snprintf(ld->why, sizeof ld->why, "empty file");
    return -1;
  }
  ld->filelen = (uint64_t)st.st_size;
  return 0;
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

/* Step 2: the header alone, before anything else is read or allocated by its numbers. */
static int load_header(Load *ld)
{
  if (ld->filelen > ((uint64_t)1 << 34)) {
    snprintf(ld->why, sizeof ld->why, "too large (%llu bytes)", (unsigned long long)ld->filelen);
    return -1;
  }
  if (posix_memalign((void **)&ld->buf, SNAP_PAGE, ld->filelen < SNAP_PAGE ? SNAP_PAGE :
                     (size_t)ld->filelen) != 0) {
    ld->buf = NULL;
    snprintf(ld->why, sizeof ld->why, "out of memory");
    return -1;
  }
  size_t h = ld->filelen < SNAP_PAGE ? (size_t)ld->filelen : SNAP_PAGE;
  if (readat(ld->fd, ld->buf, h, 0, ld->why, sizeof ld->why) != 0)
    return -1;
  return snap_check_header(ld->buf, h, ld->filelen, ld->why, sizeof ld->why);
}

/* Step 3: the sections, with plain reads (jolt-load's io_uring path replaces this step). */
static int load_sections(Load *ld)
{
  if (ld->filelen <= SNAP_PAGE)
    return 0;
  return readat(ld->fd, ld->buf + SNAP_PAGE, (size_t)ld->filelen - SNAP_PAGE, SNAP_PAGE, ld->why,
                sizeof ld->why);
}

/* Step 4: checksums and every index (snap_parse), then the age. */
static int load_verify(Load *ld, const LoadOpts *o)
{
  if (snap_parse(ld->buf, (size_t)ld->filelen, &ld->img, ld->why, sizeof ld->why) != 0)
    return -1;
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

int main(int argc, char **argv)
{
  LoadOpts o;
  if (load_args(argc, argv, &o) != 0)
    return 1;
  Load ld;
  memset(&ld, 0, sizeof ld);
  ld.fd = -1;
  snprintf(ld.label, sizeof ld.label, "jolt-load: %s", o.path);
  CliSnap cs;
  memset(&cs, 0, sizeof cs);
  cs.path = o.path;
  cs.label = ld.label;
  cs.or_seed = o.or_seed;
  cs.flags = (o.nocode ? SNAPU_NOCODE : 0) | (o.verbose ? SNAPU_VERBOSE : 0);
  int ok = load_open(&ld, o.path) == 0 && load_header(&ld) == 0 && load_sections(&ld) == 0 &&
           load_verify(&ld, &o) == 0;
  if (ld.fd >= 0)
    close(ld.fd);
  if (ok) {
    cs.img = ld.img;
    cs.buf = ld.buf;
    if (o.verbose)
      fprintf(stderr, "%s: valid, %llu bytes, %u sections, seeded by %u process(es)\n", ld.label,
              (unsigned long long)ld.filelen, ld.img.h->nsections, ld.img.h->seeders);
  } else {
    snap_image_free(&ld.img);
    free(ld.buf);
    fprintf(stderr, "%s: %s: running cold\n", ld.label, ld.why);
    cs.refused = 1;
  }
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
    free(cs.buf);
  }
  free(av);
  return status;
}

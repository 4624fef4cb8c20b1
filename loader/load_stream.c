/* load_stream.c: the file into the region, at the device's or the memory's speed (load.h).
 *
 * The region is registered with io_uring as fixed buffers (at most 1 GiB per buffer), and the
 * file is read in CHUNK-sized requests, QD in flight, with O_DIRECT when the file system takes
 * it (offsets and lengths are 4 KiB multiples and the region is 2 MiB aligned, so every request
 * qualifies). Completions come in any order; a bitmap of finished chunks tells when a section's
 * last byte is in, and its CRC-32 is checked then, while later chunks are still in flight.
 * The buffers are unregistered before the region is used (KERNEL.md: registered hugetlb
 * buffers outlive a process that does not). Where io_uring or registration is refused, plain
 * reads do the same work, reported in the stream's note.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <liburing.h>

#include "load.h"
#include "snap.h"

#define QD 8
#define GIB ((size_t)1 << 30)

typedef struct Verify {
  const SnapHeader *h;       /* in the region, valid once chunk 0 is in */
  uint8_t *dst;
  size_t len, chunk;
  uint8_t *done;             /* per chunk */
  uint32_t checked;          /* sections verified (bits by table index) */
  SnapCk ck[SNAP_MAXSECT];   /* each section's checksum so far */
  uint64_t hashed[SNAP_MAXSECT];   /* bytes of it absorbed */
  uint32_t started;          /* sections whose hash has begun (bits by table index) */
  char *why; size_t nwhy;
} Verify;

static void note(LoadStream *st, const char *fmt, const char *arg)
{
  size_t l = strlen(st->note);
  snprintf(st->note + l, sizeof st->note - l, "%s", l ? "; " : "");
  l = strlen(st->note);
  snprintf(st->note + l, sizeof st->note - l, fmt, arg);
}

/* Hash what has arrived of every section, in order, from where its hash stopped; check a
 * section once its last byte is in. -1 at the first bad checksum. */
static int verify_ready(Verify *v)
{
  if (!v->done[0])
    return 0;
  const SnapHeader *h = v->h;
  for (uint32_t i = 0; i < h->nsections && i < SNAP_MAXSECT; i++) {
    const SnapSection *s = &h->sect[i];
    if (v->checked & (1u << i))
      continue;
    if (s->offset > v->len || s->size > v->len - s->offset)
      continue;       /* out of bounds: the header check reports it */
    if (!(v->started & (1u << i)))
      snap_ck_init(&v->ck[i], s->size);
    v->started |= 1u << i;
    for (;;) {
      uint64_t at = s->offset + v->hashed[i];
      if (v->hashed[i] < s->size && !v->done[at / v->chunk])
        break;
      uint64_t end = (at / v->chunk + 1) * v->chunk;
      if (end >= s->offset + s->size || v->hashed[i] >= s->size) {
        uint32_t got = snap_ck_final(&v->ck[i], v->dst + at, (size_t)(s->size - v->hashed[i]));
        if (got != s->crc) {
          snprintf(v->why, v->nwhy, "section %s checksum mismatch (corrupt)",
                   snap_section_name(s->kind));
          return -1;
        }
        v->checked |= 1u << i;
        break;
      }
      /* Chunk ends and section starts are 4 KiB multiples: a whole number of blocks. */
      snap_ck_blocks(&v->ck[i], v->dst + at, (size_t)(end - at));
      v->hashed[i] = end - s->offset;
    }
  }
  return 0;
}

/* A chunk is in: its bytes are visible to whoever reads the flag with acquire (the runtime's
 * thread asks while the stream thread still reads). */
static void set_done(Verify *v, size_t c) { __atomic_store_n(&v->done[c], 1, __ATOMIC_RELEASE); }

/* Plain reads, chunks [first, last), verifying as the prefix grows. */
static int stream_read(int fd, Verify *v, LoadStream *st, size_t first, size_t last)
{
  for (size_t c = first; c < last; c++) {
    size_t off = c * v->chunk, want = v->len - off < v->chunk ? v->len - off : v->chunk;
    size_t got = 0;
    while (got < want) {
      /* O_DIRECT wants whole 4 KiB blocks: ask for the rounded length, take what the file has. */
      size_t ask = ((want - got) + 4095) & ~(size_t)4095;
      ssize_t r = pread(fd, v->dst + off + got, ask, (off_t)(off + got));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0) {
        snprintf(v->why, v->nwhy, "read error: %s", strerror(errno));
        return -1;
      }
      if (r == 0) {
        snprintf(v->why, v->nwhy, "truncated while reading (the file ends at %zu bytes)", off + got);
        return -1;
      }
      got += (size_t)r;
      st->reqs++;
    }
    set_done(v, c);
    if (verify_ready(v) != 0)
      return -1;
  }
  st->maxinflight = 1;
  return 0;
}

/* The region as fixed buffers, one per GiB; returns how many, 0 when refused. */
static int register_region(struct io_uring *ring, uint8_t *dst, size_t size)
{
  struct iovec iov[64];
  int n = 0;
  for (size_t off = 0; off < size && n < 64; off += GIB, n++) {
    iov[n].iov_base = dst + off;
    iov[n].iov_len = size - off < GIB ? size - off : GIB;
  }
  if ((size + GIB - 1) / GIB > 64)
    return 0;
  return io_uring_register_buffers(ring, iov, (unsigned)n) == 0 ? n : 0;
}

typedef struct Req { size_t off, want, got; } Req;

static int submit(struct io_uring *ring, int fd, Verify *v, Req *rq, int fixed, int async)
{
  struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
  if (!sqe)
    return -1;
  size_t off = rq->off + rq->got, ask = ((rq->want - rq->got) + 4095) & ~(size_t)4095;
  if (fixed)
    io_uring_prep_read_fixed(sqe, fd, v->dst + off, (unsigned)ask, off, (int)(off / GIB));
  else
    io_uring_prep_read(sqe, fd, v->dst + off, (unsigned)ask, off);
  io_uring_sqe_set_data(sqe, rq);
  if (async)       /* cached data is copied by a kernel worker while we hash what came in */
    sqe->flags |= IOSQE_ASYNC;
  return 0;
}

/* io_uring, chunks [first, last): 0 done, -1 failed (why set), 1 refused before any read
 * (fall back). */
static int stream_uring(int fd, Verify *v, size_t regionsize, LoadStream *st, size_t first,
                        size_t last)
{
  struct io_uring ring;
  int e = io_uring_queue_init(QD, &ring, 0);
  if (e < 0) {
    note(st, "io_uring refused (%s): plain reads", strerror(-e));
    return 1;
  }
  st->uring = 1;
  st->fixed = register_region(&ring, v->dst, regionsize) > 0;
  if (!st->fixed)
    note(st, "%s", "buffer registration refused: unregistered io_uring reads");
  size_t nchunks = last - first, next = first, finished = 0;
  Req reqs[QD];
  Req *freeq[QD];
  int nfree = QD, inflight = 0, rc = 0;
  for (int i = 0; i < QD; i++)
    freeq[i] = &reqs[i];
  while (finished < nchunks && rc == 0) {
    while (nfree > 0 && next < last) {
      Req *rq = freeq[--nfree];
      rq->off = next * v->chunk;
      rq->want = v->len - rq->off < v->chunk ? v->len - rq->off : v->chunk;
      rq->got = 0;
      next++;
      submit(&ring, fd, v, rq, st->fixed, !st->direct);
      inflight++;
    }
    if ((unsigned)inflight > st->maxinflight)
      st->maxinflight = (unsigned)inflight;
    io_uring_submit(&ring);
    struct io_uring_cqe *cqe;
    e = io_uring_wait_cqe(&ring, &cqe);
    if (e < 0) {
      if (e == -EINTR)
        continue;
      snprintf(v->why, v->nwhy, "io_uring wait: %s", strerror(-e));
      rc = -1;
      break;
    }
    Req *rq = io_uring_cqe_get_data(cqe);
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    inflight--;
    st->reqs++;
    if (res < 0) {
      snprintf(v->why, v->nwhy, "read error: %s", strerror(-res));
      rc = -1;
    } else if (res == 0) {
      snprintf(v->why, v->nwhy, "truncated while reading (the file ends at %zu bytes)",
               rq->off + rq->got);
      rc = -1;
    } else {
      rq->got += (size_t)res;
      if (rq->got < rq->want) {           /* a short read: ask for the rest */
        submit(&ring, fd, v, rq, st->fixed, !st->direct);
        inflight++;
        continue;
      }
      set_done(v, rq->off / v->chunk);
      finished++;
      freeq[nfree++] = rq;
      rc = verify_ready(v);
    }
  }
  /* Nothing may still write into the region once it is handed on. */
  while (inflight > 0) {
    struct io_uring_cqe *cqe;
    if (io_uring_wait_cqe(&ring, &cqe) < 0)
      break;
    io_uring_cqe_seen(&ring, cqe);
    inflight--;
  }
  if (st->fixed)
    io_uring_unregister_buffers(&ring);
  io_uring_queue_exit(&ring);
  return rc;
}

/* The share of the file's pages in the page cache (mincore of a mapping of it; nothing is
 * read). When most are there, buffered reads copy at memory speed and O_DIRECT would go to the
 * device instead. */
static double resident(int fd, size_t len)
{
  void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return 0;
  size_t np = (len + 4095) / 4096, in = 0;
  unsigned char *vec = malloc(np);
  if (vec && mincore(m, len, vec) == 0)
    for (size_t i = 0; i < np; i++)
      in += vec[i] & 1;
  free(vec);
  munmap(m, len);
  return np ? (double)in / (double)np : 0;
}

/* The one stream of this process (a loader loads one snapshot). */
static struct {
  Verify v;
  int rfd, dfd;
  int method;                /* 1: io_uring, 0: read() */
  size_t regionsize, first, nchunks;
  pthread_t thread;
  int running, rc, failed;
  LoadStream *st;
  char why[300];
} bg;

static unsigned slow_ms;

void load_stream_slow(unsigned ms)
{
  slow_ms = ms;
}

static void *stream_rest(void *arg)
{
  (void)arg;
  if (slow_ms) {               /* tests: a slow device, chunk by chunk, so functions must wait */
    int rc = 0;
    for (size_t c = bg.first; c < bg.nchunks && rc == 0; c++) {
      struct timespec ts = { (time_t)(slow_ms / 1000), (long)(slow_ms % 1000) * 1000000L };
      nanosleep(&ts, NULL);
      rc = stream_read(bg.rfd, &bg.v, bg.st, c, c + 1);
    }
    bg.rc = rc;
    if (rc != 0)
      __atomic_store_n(&bg.failed, 1, __ATOMIC_RELEASE);
    return NULL;
  }
  int rc = bg.method ? stream_uring(bg.rfd, &bg.v, bg.regionsize, bg.st, bg.first, bg.nchunks) : 1;
  if (rc == 1)
    rc = stream_read(bg.rfd, &bg.v, bg.st, bg.first, bg.nchunks);
  bg.rc = rc;
  if (rc != 0)
    __atomic_store_n(&bg.failed, 1, __ATOMIC_RELEASE);
  return NULL;
}

int load_stream(const char *path, int fd, uint8_t *dst, size_t len, uint64_t split,
                int force_read, LoadStream *st, char *why, size_t nwhy)
{
  memset(st, 0, sizeof *st);
  Verify *v = &bg.v;
  memset(v, 0, sizeof *v);
  v->h = (const SnapHeader *)dst;
  v->dst = dst;
  v->len = len;
  v->why = why;
  v->nwhy = nwhy;
  v->chunk = len >= ((size_t)64 << 20) ? ((size_t)4 << 20) : ((size_t)1 << 20);
  st->chunk = v->chunk;
  size_t nchunks = (len + v->chunk - 1) / v->chunk;
  v->done = calloc(nchunks + 1, 1);
  if (!v->done) {
    snprintf(why, nwhy, "out of memory");
    return -1;
  }
  double cached = resident(fd, len);
  int dfd = cached >= 0.5 ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_DIRECT | O_NONBLOCK);
  int rfd = fd;
  if (dfd >= 0) {
    rfd = dfd;
    st->direct = 1;
  } else if (cached >= 0.5) {
    char b[64];
    snprintf(b, sizeof b, "%.0f%%", cached * 100);
    note(st, "%s of the file in the page cache: buffered reads", b);
  } else {
    note(st, "O_DIRECT refused (%s): buffered reads", strerror(errno));
  }
  /* What the program needs first: every chunk up to split (the code section's start). */
  size_t now = split && split < len ? (size_t)((split + v->chunk - 1) / v->chunk) : nchunks;
  size_t regionsize = (len + 4095) & ~(size_t)4095;   /* what the reads may touch */
  int rc = force_read ? 1 : stream_uring(rfd, v, regionsize, st, 0, now);
  if (rc == -1 && st->direct && strstr(why, "Invalid argument")) {
    /* A file system that opens O_DIRECT but refuses the reads: once more, buffered. */
    note(st, "%s", "O_DIRECT reads refused: buffered reads");
    st->direct = 0;
    rfd = fd;
    memset(v->done, 0, nchunks + 1);
    v->checked = v->started = 0;
    memset(v->hashed, 0, sizeof v->hashed);
    rc = force_read ? 1 : stream_uring(rfd, v, regionsize, st, 0, now);
  }
  int method = rc != 1;
  if (rc == 1) {
    st->uring = st->fixed = 0;
    rc = stream_read(rfd, v, st, 0, now);
  }
  bg.dfd = dfd;
  if (rc != 0 || now == nchunks) {
    if (dfd >= 0)
      close(dfd);
    bg.dfd = -1;
    free(v->done);
    v->done = NULL;
    return rc;
  }
  /* The rest (the code) streams on in a thread of its own while the program starts; the
   * thread writes its reasons in its own buffer. */
  bg.rfd = dfd >= 0 ? dfd : dup(fd);
  bg.method = method;
  bg.regionsize = regionsize;
  bg.first = now;
  bg.nchunks = nchunks;
  bg.st = st;
  bg.rc = 0;
  bg.failed = 0;
  v->why = bg.why;
  v->nwhy = sizeof bg.why;
  st->background = 1;
  if (pthread_create(&bg.thread, NULL, stream_rest, NULL) != 0) {
    stream_rest(NULL);           /* no thread: the rest now */
    return load_stream_finish(why, nwhy);
  }
  bg.running = 1;
  return 0;
}

int load_stream_ready(uint64_t off, uint64_t len)
{
  Verify *v = &bg.v;
  if (!v->done)
    return 1;                    /* nothing streams on: all was in before the program started */
  if (len == 0)
    return 1;
  for (uint64_t c = off / v->chunk; c <= (off + len - 1) / v->chunk; c++)
    if (!__atomic_load_n(&v->done[c], __ATOMIC_ACQUIRE))
      return __atomic_load_n(&bg.failed, __ATOMIC_ACQUIRE) ? -1 : 0;
  return 1;
}

int load_stream_finish(char *why, size_t nwhy)
{
  if (bg.running)
    pthread_join(bg.thread, NULL);
  bg.running = 0;
  int rc = bg.rc;
  if (rc != 0 && why)
    snprintf(why, nwhy, "%s", bg.why);
  if (bg.v.done && bg.rfd >= 0)
    close(bg.rfd);
  bg.rfd = bg.dfd = -1;
  /* Chunks stay readable for load_stream_ready: only the thread is gone. */
  return rc;
}

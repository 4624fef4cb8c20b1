/* jit_mem.c: the code region (contract and invariants in jit_mem.h).
 *
 * Views. jitmem_open reserves JITMEM_SPAN bytes PROT_NONE (MAP_NORESERVE, 2 MiB-aligned by
 * over-reserving and trimming) for the executable view, and a second span of the same size
 * for the writable view. Chunk k (2 MiB) is mapped on demand at MAP_FIXED into both spans at
 * offset k*2 MiB, as R|X and R|W views of the same memfd pages, so rw = rx + rw_delta.
 * Backing, tried per chunk and downgraded for good on failure:
 *   hugetlb  a memfd_create(MFD_HUGETLB|MFD_HUGE_2MB) grown by ftruncate 2 MiB per chunk,
 *            tried only when the 2 MiB pool has free unreserved pages; mmap fails when the
 *            pool runs dry, and then the chunk is retried on shmem;
 *   shmem    a plain memfd, MADV_HUGEPAGE on both views ("thp" when accepted, else "4k");
 *            once a chunk is full, MADV_COLLAPSE on its RX view (failure ignored);
 *   anon     no memfd: a private anonymous chunk in the RX span, mprotect'ed RW to write and
 *            back to R|X after, always as a whole 2 MiB unit (dualmap 0).
 * Layout inside a chunk: functions are bump-allocated, each [slot table][code]; the slot table
 * (8*nslots bytes) ends where the code starts, 16-byte aligned, so slot i is at
 * code_rx - 8*(nslots - i). Gaps are filled with int3. Nothing is ever freed or moved.
 * --verbose prints one "jolt: jit code region: ..." line per decision and fallback.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include "jit_mem.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#endif

#define JITMEM_MAXCHUNKS ((int)(JITMEM_SPAN / JITMEM_CHUNK))
#define INT3 0xcc

/* How the next chunk is mapped; only ever moves down this list. */
enum { MODE_HUGETLB, MODE_SHMEM, MODE_ANON };

struct JitMem {
  uint8_t *rx;              /* executable span: chunk k at rx + k*JITMEM_CHUNK */
  uint8_t *rw;              /* writable span (memfd modes), NULL when never reserved */
  size_t span;              /* bytes of each span (JITMEM_SPAN unless the kernel refused) */
  int maxchunks;
  int verbose;
  int mode;                 /* MODE_* for the next chunk */
  int fd;                   /* memfd of the current mode, -1 for anon */
  off_t fdsize;             /* its size: where the next chunk starts in the file */
  int nchunks;
  size_t used;              /* bytes used in the last chunk */
  uint8_t kind[JITMEM_MAXCHUNKS];     /* MODE_* each chunk was mapped with */
  uint8_t backing[JITMEM_MAXCHUNKS];  /* JITMEM_* of each chunk */
  size_t code_bytes, slot_bytes, nfuncs;
};

static FILE *perfmap_file;

#define say(m, ...) do { if ((m)->verbose) \
    fprintf(stderr, "jolt: jit code region: " __VA_ARGS__); } while (0)

/* -- Reservation ------------------------------------------------------------------------ */

/* Reserve `span` bytes PROT_NONE at a 2 MiB boundary: over-reserve by a chunk, trim both ends. */
static uint8_t *reserve_span(size_t span)
{
  size_t len = span + JITMEM_CHUNK;
  uint8_t *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  uintptr_t a = ((uintptr_t)p + JITMEM_CHUNK - 1) & ~(uintptr_t)(JITMEM_CHUNK - 1);
  size_t head = a - (uintptr_t)p, tail = len - head - span;
  if (head)
    munmap(p, head);
  if (tail)
    munmap((uint8_t *)a + span, tail);
  return (uint8_t *)a;
}

/* Put the PROT_NONE placeholder back over a chunk whose mapping failed half way. */
static void unreserve_chunk(uint8_t *at)
{
  mmap(at, JITMEM_CHUNK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* Free, unreserved pages in the 2 MiB hugetlb pool (0 when there is no such pool). */
static long hugetlb_available(void)
{
  static const char *dir = "/sys/kernel/mm/hugepages/hugepages-2048kB/";
  long v[2] = { 0, 0 };
  const char *names[2] = { "free_hugepages", "resv_hugepages" };
  for (int i = 0; i < 2; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s%s", dir, names[i]);
    FILE *f = fopen(path, "r");
    if (f == NULL)
      return 0;
    if (fscanf(f, "%ld", &v[i]) != 1)
      v[i] = 0;
    fclose(f);
  }
  return v[0] - v[1];
}

static int open_memfd(JitMem *m, int mode)
{
  unsigned flags = MFD_CLOEXEC | (mode == MODE_HUGETLB ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
  int fd = memfd_create(mode == MODE_HUGETLB ? "jolt-jit-huge" : "jolt-jit", flags);
  if (fd < 0)
    return -errno;
  if (m->fd >= 0)
    close(m->fd);           /* chunks already mapped keep the old file alive */
  m->fd = fd;
  m->fdsize = 0;
  return 0;
}

/* Move to the next mode for good after `what` failed in the current one. */
static void downgrade(JitMem *m, const char *what, int err)
{
  int from = m->mode;
  for (;;) {
    m->mode++;
    if (m->mode == MODE_ANON || m->rw == NULL) {
      m->mode = MODE_ANON;
      if (m->fd >= 0)
        close(m->fd);
      m->fd = -1;
      break;
    }
    int r = open_memfd(m, m->mode);
    if (r == 0)
      break;
    say(m, "memfd_create failed (%s)\n", strerror(-r));
  }
  say(m, "%s %s (%s), using %s\n", from == MODE_HUGETLB ? "hugetlb" : "shmem", what,
      strerror(err), m->mode == MODE_SHMEM ? "shmem with THP" : "anonymous chunks flipped RW -> RX");
}

JitMem *jitmem_open(int verbose)
{
  JitMem *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->verbose = verbose;
  m->fd = -1;
  /* A smaller span only limits how much code fits; it is not worth refusing the JIT for. */
  for (m->span = JITMEM_SPAN; m->span >= JITMEM_CHUNK; m->span /= 2)
    if ((m->rx = reserve_span(m->span)) != NULL)
      break;
  if (m->rx == NULL) {
    say(m, "cannot reserve address space (%s), JIT off\n", strerror(errno));
    free(m);
    return NULL;
  }
  if (m->span != JITMEM_SPAN)
    say(m, "reserved only %zu MiB of address space\n", m->span >> 20);
  m->maxchunks = (int)(m->span / JITMEM_CHUNK);

  m->rw = reserve_span(m->span);
  if (m->rw == NULL) {
    say(m, "cannot reserve the writable view (%s), using anonymous chunks flipped RW -> RX\n",
        strerror(errno));
    m->mode = MODE_ANON;
    return m;
  }
  long avail = hugetlb_available();
  int r = avail > 0 ? open_memfd(m, MODE_HUGETLB) : -ENOMEM;
  if (r == 0) {
    m->mode = MODE_HUGETLB;
    say(m, "using hugetlb (%ld free huge pages)\n", avail);
    return m;
  }
  if (avail > 0)
    say(m, "hugetlb memfd refused (%s), using shmem with THP\n", strerror(-r));
  else
    say(m, "hugetlb unavailable (no free huge pages), using shmem with THP\n");
  r = open_memfd(m, MODE_SHMEM);
  if (r == 0) {
    m->mode = MODE_SHMEM;
    return m;
  }
  say(m, "memfd_create failed (%s), using anonymous chunks flipped RW -> RX\n", strerror(-r));
  munmap(m->rw, m->span);
  m->rw = NULL;
  m->mode = MODE_ANON;
  return m;
}

void jitmem_close(JitMem *m)
{
  if (m == NULL)
    return;
  munmap(m->rx, m->span);
  if (m->rw)
    munmap(m->rw, m->span);
  if (m->fd >= 0)
    close(m->fd);
  free(m);
}

/* -- Chunks ----------------------------------------------------------------------------- */

static uint8_t *rx_of(const JitMem *m, int k) { return m->rx + (size_t)k * JITMEM_CHUNK; }
static uint8_t *rw_of(const JitMem *m, int k) { return m->rw + (size_t)k * JITMEM_CHUNK; }

/* Map chunk k on the current memfd: both views of file bytes [fdsize, fdsize + 2 MiB). */
static int map_memfd_chunk(JitMem *m, int k)
{
  off_t off = m->fdsize;
  uint8_t *rx = rx_of(m, k), *rw = rw_of(m, k);
  if (ftruncate(m->fd, off + JITMEM_CHUNK) != 0)
    return -errno;
  int err = 0;
  if (mmap(rx, JITMEM_CHUNK, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, m->fd, off) == MAP_FAILED)
    err = -errno;
  else if (mmap(rw, JITMEM_CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, m->fd, off)
           == MAP_FAILED)
    err = -errno;
  if (err) {
    unreserve_chunk(rx);
    unreserve_chunk(rw);
    if (ftruncate(m->fd, off) != 0) {
      /* The file keeps an unused tail; harmless, the next chunk starts after it. */
      m->fdsize = off + JITMEM_CHUNK;
    }
    return err;
  }
  m->fdsize = off + JITMEM_CHUNK;
  if (m->mode == MODE_HUGETLB) {
    m->backing[k] = JITMEM_HUGETLB;
  } else {
    /* Both views, before first touch: the writes fault the pages in through the RW view. */
    int thp = madvise(rx, JITMEM_CHUNK, MADV_HUGEPAGE) == 0;
    thp &= madvise(rw, JITMEM_CHUNK, MADV_HUGEPAGE) == 0;
    m->backing[k] = thp ? JITMEM_THP : JITMEM_4K;
  }
  return 0;
}

static int map_anon_chunk(JitMem *m, int k)
{
  uint8_t *rx = rx_of(m, k);
  if (mmap(rx, JITMEM_CHUNK, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
      == MAP_FAILED) {
    int err = -errno;
    unreserve_chunk(rx);
    return err;
  }
  m->backing[k] = madvise(rx, JITMEM_CHUNK, MADV_HUGEPAGE) == 0 ? JITMEM_THP : JITMEM_4K;
  return 0;
}

/* Ask for the full chunk k to be one huge page now that no more code goes into it. */
static void collapse_chunk(JitMem *m, int k)
{
  if (m->kind[k] == MODE_HUGETLB || m->backing[k] != JITMEM_THP)
    return;
  if (madvise(rx_of(m, k), JITMEM_CHUNK, MADV_COLLAPSE) == 0)
    say(m, "chunk %d collapsed into a huge page\n", k);
  else
    say(m, "chunk %d: MADV_COLLAPSE refused (%s), keeps small pages\n", k, strerror(errno));
}

/* Map the next chunk, downgrading the mode until one works. */
static int new_chunk(JitMem *m)
{
  if (m->nchunks == m->maxchunks)
    return -ENOMEM;
  int k = m->nchunks;
  for (;;) {
    int r = m->mode == MODE_ANON ? map_anon_chunk(m, k) : map_memfd_chunk(m, k);
    if (r == 0)
      break;
    if (m->mode == MODE_ANON) {
      say(m, "chunk %d: anonymous mapping refused (%s)\n", k, strerror(-r));
      return r;
    }
    char what[48];
    snprintf(what, sizeof what, "chunk %d refused", k);
    downgrade(m, what, -r);
  }
  m->kind[k] = (uint8_t)m->mode;
  say(m, "chunk %d at %p: %s%s\n", k, (void *)rx_of(m, k), jitmem_backing_name(m->backing[k]),
      m->mode == MODE_ANON ? ", anonymous" : ", memfd RW + RX views");
  if (k > 0)
    collapse_chunk(m, k - 1);
  m->nchunks = k + 1;
  m->used = 0;
  return 0;
}

/* Writing into chunk k: the address to write at, for `rx` inside it. An anonymous chunk is
 * flipped RW as a whole first (end_write flips it back); nothing in it runs meanwhile. */
static int begin_write(JitMem *m, int k)
{
  if (m->kind[k] != MODE_ANON)
    return 0;
  return mprotect(rx_of(m, k), JITMEM_CHUNK, PROT_READ | PROT_WRITE) == 0 ? 0 : -errno;
}

static int end_write(JitMem *m, int k)
{
  if (m->kind[k] != MODE_ANON)
    return 0;
  return mprotect(rx_of(m, k), JITMEM_CHUNK, PROT_READ | PROT_EXEC) == 0 ? 0 : -errno;
}

static uint8_t *writable(const JitMem *m, int k, uint8_t *rx)
{
  return m->kind[k] == MODE_ANON ? rx : m->rw + (rx - m->rx);
}

/* -- Placing ---------------------------------------------------------------------------- */

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

int jitmem_place(JitMem *m, const uint64_t *slots, int nslots, const uint8_t *code,
                 size_t ncode, void **code_rx)
{
  if (nslots < 0 || code == NULL || ncode == 0 || code_rx == NULL)
    return -EINVAL;
  size_t nslotb = 8 * (size_t)nslots;
  if (nslotb > JITMEM_CHUNK || align16(nslotb) + ncode > JITMEM_CHUNK)
    return -E2BIG;
  size_t start = m->used, at = align16(start + nslotb);
  if (m->nchunks == 0 || at + ncode > JITMEM_CHUNK) {
    int r = new_chunk(m);
    if (r)
      return r;
    start = 0;
    at = align16(nslotb);
  }
  int k = m->nchunks - 1;
  uint8_t *chunk_rx = rx_of(m, k);
  int r = begin_write(m, k);
  if (r)
    return r;
  uint8_t *w = writable(m, k, chunk_rx);
  size_t slot_at = at - nslotb;
  memset(w + start, INT3, slot_at - start);   /* stray jumps into a gap trap at once */
  if (nslots > 0) {
    if (slots)
      memcpy(w + slot_at, slots, nslotb);
    else
      memset(w + slot_at, 0, nslotb);
  }
  memcpy(w + at, code, ncode);
  r = end_write(m, k);
  if (r)
    return r;
  m->used = at + ncode;
  m->code_bytes += ncode;
  m->slot_bytes += nslotb;
  m->nfuncs++;
  *code_rx = chunk_rx + at;
  return 0;
}

void jitmem_after_fork(JitMem *m)
{
  m->used = JITMEM_CHUNK;          /* the chunks so far are the parent's: never placed into */
  if (m->fd >= 0 && open_memfd(m, m->mode) != 0)
    downgrade(m, "a memfd of its own after fork", errno);
}

int jitmem_setslot(JitMem *m, void *slot_rx, uint64_t value)
{
  uint8_t *p = slot_rx;
  if (!jitmem_contains(m, p) || ((uintptr_t)p & 7) != 0)
    return -EINVAL;
  int k = (int)((size_t)(p - m->rx) / JITMEM_CHUNK);
  int r = begin_write(m, k);
  if (r)
    return r;
  /* One 8-byte store, so code on another thread reading the slot sees old or new. */
  __atomic_store_n((uint64_t *)(void *)writable(m, k, p), value, __ATOMIC_RELEASE);
  return end_write(m, k);
}

int jitmem_contains(const JitMem *m, const void *addr)
{
  uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)m->rx;
  return a >= lo && a - lo < (size_t)m->nchunks * JITMEM_CHUNK;
}

void jitmem_stats(const JitMem *m, JitMemStats *out)
{
  memset(out, 0, sizeof *out);
  if (m->nchunks > 0) {
    int k = m->nchunks - 1;
    out->backing = m->backing[k];
    out->dualmap = m->kind[k] != MODE_ANON;
  } else {
    out->backing = m->mode == MODE_HUGETLB ? JITMEM_HUGETLB : JITMEM_THP;
    out->dualmap = m->mode != MODE_ANON;
  }
  out->nchunks = m->nchunks;
  out->code_bytes = m->code_bytes;
  out->slot_bytes = m->slot_bytes;
  out->nfuncs = m->nfuncs;
}

const char *jitmem_backing_name(int backing)
{
  switch (backing) {
  case JITMEM_4K: return "4k";
  case JITMEM_THP: return "thp";
  case JITMEM_HUGETLB: return "hugetlb";
  default: return "?";
  }
}

/* -- perf map --------------------------------------------------------------------------- */

int jitmem_perfmap_open(void)
{
  if (perfmap_file)
    return 0;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  perfmap_file = fopen(path, "a");
  return perfmap_file ? 0 : -errno;
}

void jitmem_perfmap(const void *code, size_t size, const char *name)
{
  if (perfmap_file == NULL)
    return;
  if (name == NULL)
    name = "?";
  /* One entry per line: a newline in a name would start a bogus entry. */
  fprintf(perfmap_file, "%lx %zx %.*s\n", (unsigned long)(uintptr_t)code, size,
          (int)strcspn(name, "\n"), name);
  fflush(perfmap_file);
}

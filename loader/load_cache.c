/* load_cache.c: the per-node shared cache of verified snapshots (jolt-load --shared).
 *
 * The first loader of a snapshot on a node streams and verifies it as usual, then publishes the
 * verified bytes as a file in a memory file system (hugetlbfs when one is mounted and has pages,
 * else /dev/shm); every later loader on that node, related or not, maps that file read-only
 * instead of reading the snapshot again, so all of them share one physical copy. Only the
 * binding (each process's slot tables and live objects) stays per process.
 *
 * - The name is the snapshot's identity: its header checksum (which covers every section's
 *   checksum), its size, the runtime's build id and the node. A changed snapshot gets another
 *   file; the old one stays until someone removes it (they live in tmpfs: a reboot does).
 * - Populating happens under an exclusive flock of a lock file beside it, into a temporary file
 *   renamed into place when complete, so a populater that crashes leaves at most a temporary
 *   file nobody maps (the next populater removes stale ones) and never a half-filled cache.
 * - A mapped cache file is checked like a snapshot (header, checksums, indices) before use: a
 *   file damaged in memory is removed and the loader falls back to the snapshot itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "load.h"
#include "snap.h"

#define HUGETLBFS_MAGIC 0x958458f6

/* A directory for caches: hugetlbfs mounted at /dev/hugepages with free pages, else /dev/shm. */
static const char *cache_root(size_t len, int *huge)
{
  struct statfs fs;
  *huge = 0;
  if (statfs("/dev/hugepages", &fs) == 0 && (unsigned long)fs.f_type == HUGETLBFS_MAGIC &&
      (uint64_t)fs.f_bavail * (uint64_t)fs.f_bsize >= len) {
    *huge = 1;
    return "/dev/hugepages";
  }
  return "/dev/shm";
}

int load_cache_open(LoadCache *c, const uint8_t *hdr, uint64_t filelen, int node, char *why,
                    size_t nwhy)
{
  memset(c, 0, sizeof *c);
  c->lockfd = -1;
  const SnapHeader *h = (const SnapHeader *)hdr;
  char bid[33];
  uint8_t mine[16];
  snap_build_id(mine);
  snap_build_hex(mine, bid);
  const char *root = cache_root((size_t)filelen, &c->huge);
  snprintf(c->dir, sizeof c->dir, "%s/jolt", root);
  if (mkdir(c->dir, 0755) != 0 && errno != EEXIST) {
    snprintf(why, nwhy, "cannot create %s: %s", c->dir, strerror(errno));
    return -1;
  }
  snprintf(c->path, sizeof c->path, "%s/%08x-%llx-%.12s-node%d.jsnap", c->dir, h->header_crc,
           (unsigned long long)filelen, bid, node < 0 ? 0 : node);
  c->len = (size_t)filelen;
  c->maplen = c->huge ? (c->len + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1) : c->len;
  return 0;
}

/* Map the cache file if it is there and whole; 1 mapped, 0 absent, -1 error (why). */
int load_cache_map(LoadCache *c, char *why, size_t nwhy)
{
  int fd = open(c->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    snprintf(why, nwhy, "cannot open %s: %s", c->path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < c->len) {
    close(fd);
    snprintf(why, nwhy, "%s is shorter than the snapshot", c->path);
    return -1;
  }
  void *p = mmap(NULL, c->maplen, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    snprintf(why, nwhy, "cannot map %s: %s", c->path, strerror(errno));
    return -1;
  }
  /* Shared memory in 2 MiB pages where the kernel can (tmpfs: MADV_COLLAPSE, KERNEL.md). */
  if (!c->huge && c->len >= ((size_t)2 << 20))
    madvise(p, c->len, 25 /* MADV_COLLAPSE */);
  c->base = p;
  return 1;
}

int load_cache_lock(LoadCache *c)
{
  char lock[sizeof c->path + 8];
  snprintf(lock, sizeof lock, "%s.lock", c->path);
  c->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (c->lockfd < 0)
    return -1;
  while (flock(c->lockfd, LOCK_EX) != 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

void load_cache_unlock(LoadCache *c)
{
  if (c->lockfd >= 0)
    close(c->lockfd);      /* closing drops the flock */
  c->lockfd = -1;
}

/* Temporary files of populaters that died: only their lock holder may remove them, and we
 * hold it. */
static void remove_stale(const LoadCache *c)
{
  const char *base = strrchr(c->path, '/') + 1;
  size_t bl = strlen(base);
  DIR *d = opendir(c->dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strncmp(e->d_name, base, bl) == 0 && strncmp(e->d_name + bl, ".tmp.", 5) == 0) {
      char p[sizeof c->dir + sizeof c->path + 2];
      snprintf(p, sizeof p, "%s/%s", c->dir, e->d_name);
      unlink(p);
    }
  closedir(d);
}

int load_cache_fill(LoadCache *c, const uint8_t *bytes, char *why, size_t nwhy)
{
  remove_stale(c);
  char tmp[sizeof c->path + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", c->path, (int)getpid());
  int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    snprintf(why, nwhy, "cannot create %s: %s", tmp, strerror(errno));
    return -1;
  }
  /* hugetlbfs takes no write(): size it, map it, copy. */
  size_t maplen = c->maplen;
  int rc = ftruncate(fd, (off_t)maplen);
  void *p = rc == 0 ? mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (p == MAP_FAILED) {
    snprintf(why, nwhy, "cannot size or map %s: %s", tmp, strerror(errno));
    close(fd);
    unlink(tmp);
    return -1;
  }
  memcpy(p, bytes, c->len);
  munmap(p, maplen);
  close(fd);
  if (rename(tmp, c->path) != 0) {
    snprintf(why, nwhy, "cannot publish %s: %s", c->path, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

void load_cache_drop(LoadCache *c)
{
  if (c->base)
    munmap(c->base, c->maplen);
  c->base = NULL;
  unlink(c->path);
}

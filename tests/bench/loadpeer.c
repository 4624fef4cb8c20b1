/* loadpeer.c: the peers jolt-load is measured against (make bench-loader). One file, one
 * method, one line "METHOD BYTES SECONDS":
 *   read    read() in 4 MiB requests into a buffer faulted in beforehand (from a hot page cache
 *           this is the memory limit of a copy out of the cache)
 *   readnew the same into a fresh buffer (what a naive loader pays: first touch included)
 *   mmap    mmap the file and touch every page (no copy)
 *   memcpy  memcpy between two faulted-in buffers of the file's size (the memory bandwidth)
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char *buffer(size_t n, int touch)
{
  unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  if (touch)
    memset(p, 1, n);
  return p;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: loadpeer read|readnew|mmap|memcpy FILE\n");
    return 2;
  }
  const char *m = argv[1];
  int fd = open(argv[2], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror(argv[2]);
    return 1;
  }
  size_t n = (size_t)st.st_size;
  double t0, t1;
  volatile unsigned sink = 0;
  if (strcmp(m, "read") == 0 || strcmp(m, "readnew") == 0) {
    unsigned char *b = buffer(n, strcmp(m, "read") == 0);
    t0 = now();
    for (size_t off = 0; off < n;) {
      ssize_t r = pread(fd, b + off, n - off < (4u << 20) ? n - off : (4u << 20), (off_t)off);
      if (r <= 0) {
        perror("read");
        return 1;
      }
      off += (size_t)r;
    }
    t1 = now();
  } else if (strcmp(m, "mmap") == 0) {
    t0 = now();
    unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    for (size_t off = 0; off < n; off += 4096)
      sink += p[off];
    t1 = now();
  } else if (strcmp(m, "memcpy") == 0) {
    unsigned char *a = buffer(n, 1), *b = buffer(n, 1);
    t0 = now();
    memcpy(b, a, n);
    t1 = now();
    sink += b[n / 2];
  } else {
    fprintf(stderr, "loadpeer: unknown method %s\n", m);
    return 2;
  }
  printf("%s %zu %.6f\n", m, n, t1 - t0);
  return (int)(sink & 0);
}

/* load.h: the loader's steps, each its own module (DESIGN.md, "The loader, step by step"):
 *
 *   load_numa.c    choose the NUMA node, bind the process's CPUs and memory policy to it
 *   load_region.c  reserve the region the snapshot goes into: 2 MiB aligned, hugetlb, THP or
 *                  4 KiB pages, bound to the node, faulted in once; what was obtained is read
 *                  back from /proc/self/smaps, never assumed
 *   load_stream.c  read the file into the region: io_uring with the region registered as fixed
 *                  buffers, several 1-4 MiB reads in flight, O_DIRECT where the file system takes
 *                  it, each section's checksum verified as soon as its last byte is in; plain
 *                  read() when io_uring or registration is refused
 *   load_cache.c   --shared: one verified copy per node in a memory file later loaders map
 *   load_workers.c fork workers once everything is bound, restart the ones that die
 *   jolt_load.c    the options, the order of the steps, the hand-over to the runtime
 *
 * Every fallback is reported by --verbose and counted; none is an error (DESIGN.md decision 7).
 */
#ifndef JOLT_LOAD_H
#define JOLT_LOAD_H

#include <stddef.h>
#include <stdint.h>

enum { LOAD_PAGES_AUTO, LOAD_PAGES_HUGE, LOAD_PAGES_THP, LOAD_PAGES_SMALL };

typedef struct LoadRegion {
  uint8_t *base;          /* 2 MiB aligned */
  size_t size;            /* bytes mapped (a multiple of 2 MiB) */
  int pages;              /* LOAD_PAGES_* obtained (before verification) */
  /* read back from /proc/self/smaps after the first touch */
  size_t kernel_page_kb;  /* KernelPageSize */
  size_t huge_kb;         /* AnonHugePages + Private_Hugetlb + Shared_Hugetlb */
  size_t rss_kb;          /* Rss (hugetlb pages are not in it) */
  char note[160];         /* fallbacks taken, for --verbose */
} LoadRegion;

/* Reserve a region of at least `bytes` with page mode `mode`, bound to NUMA node `node` (-1:
 * none) before its first touch, then fault it in. AUTO tries hugetlb when enough huge pages are
 * free, then THP, then 4 KiB. 0, or -1 and why (nothing could be mapped). What the kernel
 * really gave is load_region_verify's to find (--verbose: reading smaps costs more than a
 * small snapshot's whole load). */
int load_region_reserve(LoadRegion *r, size_t bytes, int mode, int node, char *why, size_t nwhy);
/* Read the region's page sizes back from /proc/self/smaps (fills kernel_page_kb, huge_kb,
 * rss_kb); 0, or -1 when its mapping was not found. */
int load_region_verify(LoadRegion *r);
void load_region_free(LoadRegion *r);
const char *load_pages_name(int mode);
int load_pages_parse(const char *s);    /* "huge", "thp", "small", "auto"; -1 if none */

typedef struct LoadStream {
  int uring;              /* 1: io_uring was used */
  int fixed;              /* 1: the region was registered as fixed buffers */
  int direct;             /* 1: O_DIRECT reads */
  unsigned reqs;          /* read requests completed */
  unsigned maxinflight;
  int background;         /* the bytes after the split stream on in a thread */
  size_t chunk;           /* bytes per request */
  char note[200];         /* fallbacks taken */
} LoadStream;

/* Stream bytes [0, len) of fd (file `path`, reopened with O_DIRECT when possible) into dst
 * (the region) and verify every section's checksum of the header already in dst[0..4096) as
 * it completes. Bytes from `split` on (0: none) stream on in a thread after this returns (the
 * code section: the program starts without it); load_stream_ready says what has arrived,
 * load_stream_finish waits for the rest. `force_read` skips io_uring. 0, or -1 and why. */
int load_stream(const char *path, int fd, uint8_t *dst, size_t len, uint64_t split,
                int force_read, LoadStream *st, char *why, size_t nwhy);
/* Whether file bytes [off, off+len) are in the region: 1 yes, 0 not yet, -1 never (the
 * stream failed). Callable from any thread. */
int load_stream_ready(uint64_t off, uint64_t len);
/* Tests: the part after the split arrives one chunk per `ms` milliseconds (a slow device). */
void load_stream_slow(unsigned ms);
/* Wait for the stream thread: 0, or -1 and why (a read error or a bad checksum after split). */
int load_stream_finish(char *why, size_t nwhy);

/* NUMA: the node to run on ("auto": the node of the CPU we run on now); -1 when libnuma says
 * NUMA is unavailable. Binding sets the CPU affinity and the memory policy (MPOL_BIND) to it. */
int load_numa_pick(const char *spec, char *why, size_t nwhy);
int load_numa_bind(int node, char *why, size_t nwhy);
/* Where the region's pages are: a count per node (up to 8 nodes) of its first `npages` pages
 * of `pagesize` bytes, by move_pages queries; returns the pages found or -1. */
int load_numa_where(const void *base, size_t len, size_t pagesize, long counts[8]);

/* The shared cache of verified snapshots per node (load_cache.c, --shared). */
typedef struct LoadCache {
  char dir[128], path[256];
  size_t len, maplen;     /* the snapshot's bytes; mapped (hugetlbfs: whole 2 MiB pages) */
  int huge;               /* on hugetlbfs */
  int lockfd;
  uint8_t *base;          /* the mapped cache file (read-only), or NULL */
} LoadCache;
/* Name the cache file of this snapshot (header, size, build id, node) and make its directory. */
int load_cache_open(LoadCache *c, const uint8_t *hdr, uint64_t filelen, int node, char *why,
                    size_t nwhy);
int load_cache_map(LoadCache *c, char *why, size_t nwhy);   /* 1 mapped, 0 none, -1 error */
int load_cache_lock(LoadCache *c);                          /* exclusive, for populating */
void load_cache_unlock(LoadCache *c);
/* Publish bytes (the verified snapshot) as the cache file: temporary file, then rename. */
int load_cache_fill(LoadCache *c, const uint8_t *bytes, char *why, size_t nwhy);
void load_cache_drop(LoadCache *c);     /* unmap and remove a cache file found damaged */

/* Pre-fork (load_workers.c): fork n workers from the current state and supervise them. Returns
 * 0 in each worker (which then runs the program); the parent never returns: it restarts
 * workers that die and exits when all have ended or after SIGTERM stopped them. */
int load_workers_run(int n, const char *label, int verbose);

#endif

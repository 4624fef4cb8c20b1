/* load_region.c: the region a snapshot is streamed into (load.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <numaif.h>

#include "load.h"

#define HUGE_2M ((size_t)2 << 20)
#define MADV_POPULATE_WRITE_ 23   /* linux/mman.h 5.14; glibc 2.36's headers may lack it */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

static const char *const pagenames[] = { "auto", "huge", "thp", "small" };

const char *load_pages_name(int mode)
{
  return mode >= 0 && mode <= LOAD_PAGES_SMALL ? pagenames[mode] : "?";
}

int load_pages_parse(const char *s)
{
  for (int i = 0; i <= LOAD_PAGES_SMALL; i++)
    if (strcmp(s, pagenames[i]) == 0)
      return i;
  return -1;
}

/* Free 2 MiB hugetlb pages, from /proc/meminfo. */
static long free_hugepages(void)
{
  FILE *f = fopen("/proc/meminfo", "re");
  char line[256];
  long n = 0;
  if (!f)
    return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
      break;
  fclose(f);
  return n;
}

/* An anonymous mapping of size bytes at a 2 MiB boundary (over-map, trim both ends). */
static uint8_t *map_aligned(size_t size)
{
  size_t span = size + HUGE_2M;
  uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  uintptr_t a = ((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
  uint8_t *al = (uint8_t *)a;
  if (al > p)
    munmap(p, (size_t)(al - p));
  size_t tail = (size_t)((p + span) - (al + size));
  if (tail)
    munmap(al + size, tail);
  return al;
}

/* MPOL_BIND to one node before the first touch, so every page is born there. */
static void bind_node(uint8_t *p, size_t size, int node, LoadRegion *r)
{
  if (node < 0)
    return;
  unsigned long mask[16] = { 0 };
  if (node >= (int)(sizeof mask * 8))
    return;
  mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
  if (mbind(p, size, MPOL_BIND, mask, sizeof mask * 8, 0) != 0) {
    size_t l = strlen(r->note);
    snprintf(r->note + l, sizeof r->note - l, "%smbind to node %d: %s", l ? "; " : "", node,
             strerror(errno));
  }
}

static void note(LoadRegion *r, const char *what)
{
  size_t l = strlen(r->note);
  snprintf(r->note + l, sizeof r->note - l, "%s%s", l ? "; " : "", what);
}

int load_region_reserve(LoadRegion *r, size_t bytes, int mode, int node, char *why, size_t nwhy)
{
  memset(r, 0, sizeof *r);
  /* Huge pages want whole 2 MiB units; small pages only whole 4 KiB ones (plus one for the
   * O_DIRECT read that may ask past the end of the file). */
  size_t unit = mode == LOAD_PAGES_SMALL ? 4096 : HUGE_2M;
  size_t size = (bytes + 4096 + unit - 1) & ~(unit - 1);
  r->size = size;
  uint8_t *p = NULL;
  if (mode == LOAD_PAGES_HUGE || mode == LOAD_PAGES_AUTO) {
    long need = (long)(size / HUGE_2M), have = free_hugepages();
    if (have >= need) {
      p = mmap(NULL, size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
      if (p == MAP_FAILED) {
        p = NULL;
        char b[96];
        snprintf(b, sizeof b, "hugetlb mmap: %s", strerror(errno));
        note(r, b);
      } else {
        r->pages = LOAD_PAGES_HUGE;
      }
    } else {
      char b[96];
      snprintf(b, sizeof b, "hugetlb: %ld free 2 MiB pages, %ld needed", have, need);
      note(r, b);
    }
    if (!p && mode == LOAD_PAGES_HUGE)
      note(r, "falling back to THP");
  }
  if (!p && mode != LOAD_PAGES_SMALL) {
    p = map_aligned(size);
    if (p) {
      if (madvise(p, size, MADV_HUGEPAGE) == 0) {
        r->pages = LOAD_PAGES_THP;
      } else {
        char b[96];
        snprintf(b, sizeof b, "MADV_HUGEPAGE: %s", strerror(errno));
        note(r, b);
        r->pages = LOAD_PAGES_SMALL;
      }
    }
  }
  if (!p) {
    p = mode == LOAD_PAGES_SMALL ? mmap(NULL, size, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : map_aligned(size);
    if (p == MAP_FAILED)
      p = NULL;
    if (p) {
      madvise(p, size, MADV_NOHUGEPAGE);    /* asked for small pages: keep them small */
      r->pages = LOAD_PAGES_SMALL;
    }
  }
  if (!p) {
    snprintf(why, nwhy, "cannot map a region of %zu bytes: %s", size, strerror(errno));
    return -1;
  }
  r->base = p;
  bind_node(p, size, node, r);
  /* First touch costs more than the copy (KERNEL.md): fault every page in now, once, with one
   * madvise where the kernel has it (5.14), else page by page. */
  if (madvise(p, size, MADV_POPULATE_WRITE_) != 0)
    for (size_t off = 0; off < size; off += 4096)
      ((volatile uint8_t *)p)[off] = 0;
  return 0;
}

int load_region_verify(LoadRegion *r)
{
  FILE *f = fopen("/proc/self/smaps", "re");
  if (!f)
    return -1;
  char line[512];
  int in = 0, found = 0;
  uintptr_t lo = (uintptr_t)r->base, hi = lo + r->size;
  r->kernel_page_kb = r->huge_kb = r->rss_kb = 0;
  while (fgets(line, sizeof line, f)) {
    size_t v;
    /* Attribute lines start with a capital ("Rss:"), mapping lines with a hex address: a
     * process has hundreds of lines, so only the region's are parsed. */
    if (line[0] < 'A' || line[0] > 'Z') {
      char *end;
      unsigned long long a = strtoull(line, &end, 16), b = *end == '-' ? strtoull(end + 1, NULL, 16) : 0;
      in = a < hi && b > lo;
      found |= in;
      continue;
    }
    if (!in)
      continue;
    if (sscanf(line, "KernelPageSize: %zu kB", &v) == 1 && v > r->kernel_page_kb)
      r->kernel_page_kb = v;
    else if (sscanf(line, "AnonHugePages: %zu kB", &v) == 1 ||
             sscanf(line, "Private_Hugetlb: %zu kB", &v) == 1 ||
             sscanf(line, "Shared_Hugetlb: %zu kB", &v) == 1)
      r->huge_kb += v;
    else if (sscanf(line, "Rss: %zu kB", &v) == 1)
      r->rss_kb += v;
  }
  fclose(f);
  return found ? 0 : -1;
}

void load_region_free(LoadRegion *r)
{
  if (r->base)
    munmap(r->base, r->size);
  r->base = NULL;
}
